//! The commands behind the CLI, as library functions: `main.rs` only parses arguments,
//! sets up logging and calls these.

pub mod bench;
pub mod exec;

use std::path::PathBuf;
use std::time::Duration;

use crate::engine::{EngineOptions, Limits};
use crate::exec::{ExecOptions, PoolOptions};

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
        if max == 0 || min > max {
            return Err(format!(
                "workers must be MIN..MAX with MIN <= MAX and MAX >= 1, got {s}"
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
    pub call_timeout: Duration,
    pub heap_bytes: usize,
}

impl VmOptions {
    pub fn exec_options(&self) -> ExecOptions {
        let defaults = ExecOptions::default();
        ExecOptions {
            engine: EngineOptions {
                limits: Limits {
                    call_timeout: self.call_timeout,
                    heap_bytes: self.heap_bytes,
                    ..Limits::default()
                },
                use_snapshot: true,
                snapshot_dir: self.cache_dir.clone(),
            },
            pool: PoolOptions {
                min_workers: self.workers.min,
                max_workers: self.workers.max,
                ..PoolOptions::default()
            },
            ..defaults
        }
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
    fn workers_parse() {
        assert_eq!("2..8".parse::<Workers>(), Ok(Workers { min: 2, max: 8 }));
        assert_eq!("4".parse::<Workers>(), Ok(Workers { min: 4, max: 4 }));
        assert_eq!("0..1".parse::<Workers>(), Ok(Workers { min: 0, max: 1 }));
        assert!("3..2".parse::<Workers>().is_err());
        assert!("0".parse::<Workers>().is_err());
        assert!("x..2".parse::<Workers>().is_err());
    }
}
