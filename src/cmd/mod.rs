//! The commands behind the CLI, as library functions: `main.rs` only parses arguments,
//! sets up logging and calls these.

pub mod bench;
pub mod checkpoint;
pub mod config;
mod config_file;
pub mod exec;
pub mod families;
pub mod inspect;
pub mod package;
pub mod publish;
pub mod replay;
pub mod rpc;
pub mod serve;
pub mod sign;
pub mod signatures;
pub mod tail;
pub mod throughput;
pub mod verify;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::bus::{BusConfig, BusError};
use crate::engine::{EngineOptions, Limits};
use crate::exec::{ExecOptions, PoolOptions};

pub use config_file::{ConfigFile, KeyLines, MetricsConfig};

/// Worker pool bounds, written `MIN..MAX` (or `N` for both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workers {
    pub min: usize,
    pub max: usize,
}

impl std::str::FromStr for Workers {
    type Err = String;

    fn from_str(s: &str) -> Result<Workers, String> {
        let parse = |t: &str| {
            t.trim()
                .parse::<usize>()
                .map_err(|_| format!("`{t}` is not a number of workers"))
        };
        let (min, max) = match s.split_once("..") {
            Some((a, b)) => (parse(a)?, parse(b)?),
            None => {
                let n = parse(s)?;
                (n, n)
            }
        };
        if min == 0 || min > max {
            return Err(format!(
                "workers must be MIN..MAX with 1 <= MIN <= MAX, got {s}"
            ));
        }
        Ok(Workers { min, max })
    }
}

impl Default for Workers {
    fn default() -> Self {
        let pool = PoolOptions::default();
        Workers {
            min: pool.min_workers,
            max: pool.max_workers,
        }
    }
}

/// Options shared by every command that executes contracts.
#[derive(Debug, Clone)]
pub struct VmOptions {
    pub db: PathBuf,
    /// Where the V8 startup snapshot is cached; `None` rebuilds it each start.
    pub cache_dir: Option<PathBuf>,
    pub workers: Workers,
    /// The watchdog of a call is `watchdog_floor + gas / watchdog_min_rate`: a safety net,
    /// see [`Limits`].
    pub watchdog_floor: Duration,
    pub watchdog_min_rate: u64,
    /// Heap limit of one isolate; at least [`Limits::MIN_HEAP_BYTES`].
    pub heap_bytes: usize,
    /// Retries of a batch abandoned by a node fault before its partition halts.
    pub fault_retries: u32,
    /// Every call also in a fresh context, compared (`EngineOptions::verify_isolation`).
    pub verify_isolation: bool,
    /// Development only: run unsigned transactions
    /// (`ExecOptions::insecure_accept_unsigned_transactions`).
    pub insecure_accept_unsigned_transactions: bool,
    /// Keep each committed batch for `isovm replay` (`ExecOptions::keep_batches`).
    pub keep_batches: bool,
    /// The read cache of committed state (`ExecOptions::state_cache_bytes`).
    pub state_cache_bytes: usize,
}

impl VmOptions {
    /// The executor's options; refuses safety nets that could decide receipts (a heap below
    /// the minimum), and warns about a watchdog tighter than its design.
    pub fn exec_options(&self) -> Result<ExecOptions, String> {
        let limits = Limits {
            watchdog_floor: self.watchdog_floor,
            watchdog_min_rate: self.watchdog_min_rate,
            heap_bytes: self.heap_bytes,
        };
        limits.check().map_err(|e| {
            format!(
                "--heap-mib {}: {e}; give at least --heap-mib {}",
                self.heap_bytes >> 20,
                Limits::MIN_HEAP_BYTES >> 20
            )
        })?;
        if limits.watchdog_is_tight() {
            tracing::warn!(
                floor_ms = self.watchdog_floor.as_millis() as u64,
                min_rate = self.watchdog_min_rate,
                "the watchdog is tighter than its design (a floor of at least 1 s, a rate of at \
                 most 10^7 gas/s): it may strike honest calls, and every strike is a node fault \
                 that abandons the batch"
            );
        }
        if self.insecure_accept_unsigned_transactions {
            tracing::warn!(
                "INSECURE: --insecure-accept-unsigned-transactions is on: transactions without \
                 signatures run as if their publisher had signed them, so anyone who can \
                 publish a batch can act for any account. For local development only; never \
                 on a node of a chain anyone relies on (receipts differ from nodes without it)"
            );
        }
        Ok(ExecOptions {
            engine: EngineOptions {
                limits,
                use_snapshot: true,
                snapshot_dir: self.cache_dir.clone(),
                warm_context: true,
                verify_isolation: self.verify_isolation,
            },
            pool: PoolOptions {
                min_workers: self.workers.min,
                max_workers: self.workers.max,
                ..PoolOptions::default()
            },
            fault_retries: self.fault_retries,
            insecure_accept_unsigned_transactions: self.insecure_accept_unsigned_transactions,
            keep_batches: self.keep_batches,
            state_cache_bytes: self.state_cache_bytes,
            ..ExecOptions::default()
        })
    }
}

/// Why a bus command (`serve`, `verify`, `publish`, `tail`, `rpc`) stopped.
#[derive(Debug, thiserror::Error)]
pub enum BusCommandError {
    #[error(transparent)]
    Bus(#[from] BusError),
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    /// A config file's bad key or value, where it is.
    #[error("{}:{line}:{} {message}", path.display(), config_file::key_prefix(key))]
    FileLine {
        path: PathBuf,
        line: usize,
        key: Option<String>,
        message: String,
    },
    #[error("{0}")]
    Other(String),
}

/// Where `--metrics-addr` without a value listens.
pub const DEFAULT_METRICS_ADDR: &str = "127.0.0.1:9464";

/// The metrics address from `--metrics-addr` (or `ISOVM_METRICS_ADDR`), else from the
/// config file's `[metrics]` table; `None`: no endpoint. A bad address is an error naming it.
pub fn metrics_addr(
    config_file: Option<&Path>,
    flag: Option<String>,
) -> Result<Option<SocketAddr>, BusCommandError> {
    let (text, origin) = match flag {
        Some(addr) => (addr, "--metrics-addr".to_string()),
        None => match config_file {
            Some(path) => match ConfigFile::load(path)?.metrics.addr {
                Some(addr) => (addr, format!("{}: [metrics] addr", path.display())),
                None => return Ok(None),
            },
            None => return Ok(None),
        },
    };
    text.trim().parse::<SocketAddr>().map(Some).map_err(|e| {
        BusCommandError::Other(format!(
            "{origin} `{text}` is not an address to listen on ({e}); give host:port with an IP \
             address, e.g. {DEFAULT_METRICS_ADDR}"
        ))
    })
}

/// Bus settings given on the command line or in the environment: they win over the file.
#[derive(Debug, Clone, Default)]
pub struct BusOverrides {
    pub config_file: Option<PathBuf>,
    pub amqp_url: Option<String>,
    pub ca_file: Option<PathBuf>,
    pub client_cert_file: Option<PathBuf>,
    pub client_key_file: Option<PathBuf>,
    pub prefix: Option<String>,
    pub prefetch: Option<u16>,
}

impl BusOverrides {
    /// Defaults, then the config file, then these overrides; checked.
    pub fn resolve(self) -> Result<BusConfig, BusCommandError> {
        let mut config = match &self.config_file {
            Some(path) => ConfigFile::load(path)?.bus,
            None => BusConfig::default(),
        };
        if let Some(url) = self.amqp_url {
            config.amqp_url = url;
        }
        if let Some(path) = self.ca_file {
            config.ca_file = Some(path);
        }
        if let Some(path) = self.client_cert_file {
            config.client_cert_file = Some(path);
        }
        if let Some(path) = self.client_key_file {
            config.client_key_file = Some(path);
        }
        if let Some(prefix) = self.prefix {
            config.prefix = prefix;
        }
        if let Some(prefetch) = self.prefetch {
            config.prefetch = prefetch;
        }
        config.check()?;
        Ok(config)
    }
}

/// The default snapshot cache: `$XDG_CACHE_HOME/isovm` or `~/.cache/isovm`.
pub fn default_cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("isovm"));
    }
    std::env::var_os("HOME")
        .filter(|d| !d.is_empty())
        .map(|home| PathBuf::from(home).join(".cache").join("isovm"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_file_which_wins_over_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("isovm.toml");
        std::fs::write(
            &path,
            "[bus]\nprefix = \"file\"\nprefetch = 7\npark_delay_ms = 50\n",
        )
        .unwrap();
        let config = BusOverrides {
            config_file: Some(path.clone()),
            prefix: Some("flag".into()),
            ..BusOverrides::default()
        }
        .resolve()
        .unwrap();
        assert_eq!(config.prefix, "flag");
        assert_eq!(config.prefetch, 7);
        assert_eq!(config.park_delay_ms, 50);
        assert_eq!(config.amqp_url, BusConfig::default().amqp_url);

        std::fs::write(&path, "[buss]\nprefix = \"x\"\n").unwrap();
        let err = BusOverrides {
            config_file: Some(path),
            ..BusOverrides::default()
        }
        .resolve()
        .unwrap_err();
        assert!(err.to_string().contains("buss"), "{err}");
    }

    /// The example config documents every key with its default value.
    #[test]
    fn the_deploy_config_is_the_defaults_spelled_out() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/isovm.toml");
        let file = ConfigFile::load(&path).unwrap();
        assert_eq!(file.bus, BusConfig::default());
        assert_eq!(file.metrics, MetricsConfig::default());
    }

    #[test]
    fn the_metrics_address_comes_from_the_flag_then_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("isovm.toml");
        assert_eq!(metrics_addr(None, None).unwrap(), None);
        std::fs::write(&path, "[bus]\nprefix = \"x\"\n").unwrap();
        assert_eq!(metrics_addr(Some(&path), None).unwrap(), None);
        std::fs::write(&path, "[metrics]\naddr = \"0.0.0.0:9500\"\n").unwrap();
        assert_eq!(
            metrics_addr(Some(&path), None).unwrap(),
            Some("0.0.0.0:9500".parse().unwrap())
        );
        assert_eq!(
            metrics_addr(Some(&path), Some(DEFAULT_METRICS_ADDR.into())).unwrap(),
            Some(DEFAULT_METRICS_ADDR.parse().unwrap())
        );
        let err = metrics_addr(None, Some("localhost:x".into())).unwrap_err();
        assert!(
            err.to_string().contains("--metrics-addr `localhost:x`"),
            "{err}"
        );
        std::fs::write(&path, "[metrics]\naddr = \"nowhere\"\n").unwrap();
        let err = metrics_addr(Some(&path), None).unwrap_err();
        assert!(
            err.to_string().contains("[metrics] addr `nowhere`"),
            "{err}"
        );
    }

    #[test]
    fn workers_parse() {
        assert_eq!("2..8".parse::<Workers>(), Ok(Workers { min: 2, max: 8 }));
        assert_eq!("4".parse::<Workers>(), Ok(Workers { min: 4, max: 4 }));
        assert!("0..1".parse::<Workers>().is_err());
        assert!("3..2".parse::<Workers>().is_err());
        assert!("0".parse::<Workers>().is_err());
        assert!("x..2".parse::<Workers>().is_err());
    }
}
