//! The V8 room: isolates, the startup snapshot, host functions, limits.
//!
//! Everything that touches `v8` or needs `unsafe` lives here; the rest of the crate sees
//! [`Engine`], [`Sandbox`], the [`Host`] trait and plain Rust call inputs and outcomes.
//! Isolates are `!Send`: a [`Sandbox`] is made on, and stays on, a thread spawned with
//! [`spawn_sandbox_thread`].

mod buffers;
mod host;
mod meter;
mod natives;
mod platform;
mod regexp;
mod sandbox;
mod snapshot;
mod thrown;
mod watchdog;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub use host::Host;
pub use host::HostError;
pub use host::Slot;
pub use natives::MAX_KEY_BYTES;
pub use natives::MAX_VALUE_BYTES;
pub use platform::spawn_sandbox_thread;
pub use sandbox::CallError;
pub use sandbox::CallInput;
pub use sandbox::CallMode;
pub use sandbox::CallOutcome;
pub use sandbox::CompileReport;
pub use sandbox::ContractCode;
pub use sandbox::MemoryKind;
pub use sandbox::Sandbox;
pub use thrown::Frame;
pub use thrown::Thrown;

/// Limits every call runs under.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Most wall-clock time one call may take. A call gets less when it has little gas: see
    /// [`Limits::timeout_for`].
    pub call_timeout: Duration,
    /// Time every call may take, however little gas it has.
    pub timeout_floor: Duration,
    /// A pessimistic rate of gas per second (metered code runs at 10 to 100 times this), from
    /// which a call's time limit follows from its gas.
    pub min_gas_per_second: u64,
    /// Heap of one isolate.
    pub heap_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            call_timeout: Duration::from_secs(5),
            timeout_floor: Duration::from_millis(100),
            min_gas_per_second: 10_000_000,
            heap_bytes: 128 * 1024 * 1024,
        }
    }
}

impl Limits {
    /// The time limit of a call that may still use `gas`: the floor plus what that gas buys
    /// at the pessimistic rate, capped at `call_timeout`. A transaction that pays little gas
    /// cannot hold a worker for long (a regular-expression bomb with a tiny gas limit), and
    /// metered work never comes near its time limit, so what ends a call does not depend on
    /// how fast the node is.
    pub fn timeout_for(&self, gas: u64) -> Duration {
        let rate = self.min_gas_per_second.max(1);
        let for_gas = Duration::from_secs(gas / rate)
            + Duration::from_nanos((gas % rate) * 1_000_000_000 / rate);
        (self.timeout_floor + for_gas).min(self.call_timeout)
    }
}

/// How an [`Engine`] is set up.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    pub limits: Limits,
    /// Start contexts from a startup snapshot (the normal case); off only to measure.
    pub use_snapshot: bool,
    /// Where the snapshot is cached between runs; `None` builds it in memory each start.
    pub snapshot_dir: Option<PathBuf>,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            limits: Limits::default(),
            use_snapshot: true,
            snapshot_dir: None,
        }
    }
}

/// Why the engine could not be set up or a sandbox made.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("the runtime library failed to load: {0}")]
    Runtime(String),
    #[error("isolates must be created on a thread from spawn_sandbox_thread")]
    WrongThread,
    #[error("this thread already has a sandbox: one isolate per thread")]
    SandboxExists,
    #[error("could not start a thread: {0}")]
    Thread(std::io::Error),
}

/// What an engine's sandboxes have done, for logs and metrics.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct EngineStats {
    /// Isolates created (each sandbox, and each replacement of one).
    pub isolates: u64,
    pub calls: u64,
    /// Calls whose contract was already compiled in their isolate.
    pub script_cache_hits: u64,
    /// Compiles that used the stored V8 code cache.
    pub code_cache_consumed: u64,
    /// Compiles whose stored code cache V8 refused (other V8 version or flags, damage).
    pub code_cache_rejected: u64,
    /// Compiles from source (no cache, or a refused one).
    pub compiled_from_source: u64,
}

#[derive(Default)]
struct Counters {
    isolates: AtomicU64,
    calls: AtomicU64,
    script_cache_hits: AtomicU64,
    code_cache_consumed: AtomicU64,
    code_cache_rejected: AtomicU64,
    compiled_from_source: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// Process-wide engine state: V8 initialized, the snapshot blob, the limits.
pub struct Engine {
    options: EngineOptions,
    snapshot: Option<&'static [u8]>,
    counters: Counters,
}

impl Engine {
    /// Initializes V8 and loads or creates the startup snapshot.
    pub fn new(options: EngineOptions) -> Result<Arc<Engine>, EngineError> {
        platform::init();
        let blob = snapshot::process_snapshot(options.snapshot_dir.as_deref())?;
        let snapshot = options.use_snapshot.then_some(blob);
        Ok(Arc::new(Engine {
            options,
            snapshot,
            counters: Counters::default(),
        }))
    }

    pub fn stats(&self) -> EngineStats {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        EngineStats {
            isolates: get(&c.isolates),
            calls: get(&c.calls),
            script_cache_hits: get(&c.script_cache_hits),
            code_cache_consumed: get(&c.code_cache_consumed),
            code_cache_rejected: get(&c.code_cache_rejected),
            compiled_from_source: get(&c.compiled_from_source),
        }
    }

    /// Size of the startup snapshot, if one is used.
    pub fn snapshot_bytes(&self) -> Option<usize> {
        self.snapshot.map(<[u8]>::len)
    }
}
