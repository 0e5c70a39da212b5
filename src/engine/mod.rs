//! The V8 room: isolates, the startup snapshot, host functions, limits.
//!
//! Everything that touches `v8` or needs `unsafe` lives here; the rest of the crate sees
//! [`Engine`], [`Sandbox`], the [`Host`] trait and plain Rust call inputs and outcomes.
//! Isolates are `!Send`: a [`Sandbox`] is made on, and stays on, a thread spawned with
//! [`spawn_sandbox_thread`].

mod buffers;
mod context;
mod host;
mod meter;
mod natives;
mod platform;
mod regexp;
mod sandbox;
mod snapshot;
mod thrown;
mod values;
mod verify;
mod watchdog;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub use host::Callee;
pub use host::Host;
pub use host::HostError;
pub use host::NativeCall;
pub use host::NativeContract;
pub use host::NativeOutcome;
pub use host::Slot;
pub use host::account_reader;
pub use host::authorized;
pub use natives::MAX_KEY_BYTES;
pub use natives::MAX_VALUE_BYTES;
pub use platform::spawn_sandbox_thread;
pub use sandbox::CallError;
pub use sandbox::CallInput;
pub use sandbox::CallMode;
pub use sandbox::CallOutcome;
pub use sandbox::CompileReport;
pub use sandbox::ContractCode;
pub use sandbox::FaultKind;
pub use sandbox::Sandbox;
pub use sandbox::Survivor;
pub use thrown::Frame;
pub use thrown::Thrown;
pub use values::TxInfo;

/// The node-local safety nets every call runs under. None of these decides a receipt: the
/// metered limits (gas, memory units, call depth, stack units; `crate::consensus`) do. They
/// are sized well above what any call within its metered limits can reach, and when one
/// strikes anyway the call ends with [`CallError::NodeFault`], which abandons the batch
/// (see `docs/determinism.md`).
#[derive(Debug, Clone)]
pub struct Limits {
    /// Wall-clock time every call may take, however little gas it has: room for what gas
    /// does not scale with (creating the context, a first compile, a garbage collection).
    pub watchdog_floor: Duration,
    /// A pessimistic rate of gas per second, from which the watchdog of a call follows from
    /// the gas it may still use: see [`Limits::watchdog_for`].
    pub watchdog_min_rate: u64,
    /// Heap limit of one isolate, in bytes. [`Limits::check`] refuses one below
    /// [`Limits::MIN_HEAP_BYTES`]; the engine itself does not, so tests can make it strike.
    pub heap_bytes: usize,
}

impl Limits {
    /// Default watchdog floor. Metered code and every metered family of built-ins run at
    /// 4×10^8 to 2.5×10^9 gas per second on the development machine (`isovm bench
    /// --families`: 0.4 to 2.6 µs per 1,000 gas); the fixed costs gas does not
    /// scale with (a context, a compile of the largest contract, a full collection of a heap
    /// within the memory budget) take tens of milliseconds, so two seconds is tens of times
    /// what an honest call needs even on a loaded machine.
    pub const DEFAULT_WATCHDOG_FLOOR: Duration = Duration::from_secs(2);
    /// Default pessimistic rate: 2×10^6 gas per second, about 200 times below the slowest
    /// metered family, so the watchdog of a call is far above what it needs even on a machine
    /// ten times slower or loaded. A call of the largest gas limit (200,000,000) gets 102 s.
    pub const DEFAULT_WATCHDOG_MIN_RATE: u64 = 2_000_000;
    /// Default heap limit: 8 times the memory budget plus 256 MiB (512 MiB with the budget
    /// of 32 MiB). Memory units model V8's sizes; the factor covers the model's error,
    /// garbage not yet collected, and what the budget does not count (compiled code, the
    /// context, V8's own objects); the 256 MiB covers the runtime and the script cache.
    pub const DEFAULT_HEAP_BYTES: usize =
        8 * crate::consensus::PARAMS.limits.memory_budget as usize + (256 << 20);
    /// Smallest heap limit a node may run with: 8 times the memory budget. Below it, the heap
    /// could end calls that stay within their metered memory, and so decide outcomes that
    /// must follow from the consensus parameters alone. The model undercounts some objects
    /// V8 makes for a contract that keeps them (an iterator's result objects, about five
    /// times their count), so the factor is the default's.
    pub const MIN_HEAP_BYTES: usize = 8 * crate::consensus::PARAMS.limits.memory_budget as usize;

    /// The watchdog of a call that may still use `gas`: the floor plus what that gas buys at
    /// the pessimistic rate. Metered work never comes near it, so it strikes only when the
    /// node itself is in trouble (overloaded, swapping) or something unmetered slipped
    /// through; either way a node fault, not a receipt.
    pub fn watchdog_for(&self, gas: u64) -> Duration {
        let rate = self.watchdog_min_rate.max(1);
        let for_gas = Duration::from_secs(gas / rate)
            + Duration::from_nanos(((gas % rate) as u128 * 1_000_000_000 / rate as u128) as u64);
        self.watchdog_floor.saturating_add(for_gas)
    }

    /// Refuses safety nets that could strike within the metered limits: a heap limit below
    /// [`Limits::MIN_HEAP_BYTES`] (the commands call this at startup).
    pub fn check(&self) -> Result<(), String> {
        if self.heap_bytes < Self::MIN_HEAP_BYTES {
            return Err(format!(
                "a heap limit of {} MiB is below the minimum of {} MiB (8 times the \
                 transaction memory budget of {} MiB): a heap that small could end calls that \
                 stay within their metered memory, so the node's heap, not the consensus \
                 rules, would decide receipts (the default is {} MiB)",
                self.heap_bytes >> 20,
                Self::MIN_HEAP_BYTES >> 20,
                crate::consensus::PARAMS.limits.memory_budget >> 20,
                Self::DEFAULT_HEAP_BYTES >> 20,
            ));
        }
        Ok(())
    }

    /// Whether the watchdog is tighter than its design (a floor under a second, or a rate
    /// above 10^7 gas per second), so that it may strike honest calls on a slow or loaded
    /// machine; the commands warn about it.
    pub fn watchdog_is_tight(&self) -> bool {
        self.watchdog_floor < Duration::from_secs(1) || self.watchdog_min_rate > 10_000_000
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            watchdog_floor: Self::DEFAULT_WATCHDOG_FLOOR,
            watchdog_min_rate: Self::DEFAULT_WATCHDOG_MIN_RATE,
            heap_bytes: Self::DEFAULT_HEAP_BYTES,
        }
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
    /// Keep one context per sandbox across calls (the normal case); off, every call gets a
    /// context of its own (to measure, and what `verify_isolation` compares with).
    pub warm_context: bool,
    /// Run every call twice, in a fresh context and in the warm one, and make any difference
    /// in outcome, gas, memory count or host calls a node fault (`--verify-isolation`).
    pub verify_isolation: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            limits: Limits::default(),
            use_snapshot: true,
            snapshot_dir: None,
            warm_context: true,
            verify_isolation: false,
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
    /// Warm contexts made (one per sandbox, and one after each terminated call).
    pub contexts: u64,
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
    contexts: AtomicU64,
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
            contexts: get(&c.contexts),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watchdog_is_the_floor_plus_the_gas_at_the_pessimistic_rate() {
        let limits = Limits::default();
        assert_eq!(limits.watchdog_for(0), Duration::from_secs(2));
        assert_eq!(limits.watchdog_for(1_000_000), Duration::from_millis(2500));
        let max = crate::consensus::PARAMS.limits.max_gas_limit;
        assert_eq!(limits.watchdog_for(max), Duration::from_secs(102));
        let odd = Limits {
            watchdog_floor: Duration::ZERO,
            watchdog_min_rate: 3,
            ..Limits::default()
        };
        assert_eq!(odd.watchdog_for(4), Duration::from_nanos(1_333_333_333));
        let huge = Limits {
            watchdog_floor: Duration::MAX,
            ..Limits::default()
        };
        assert_eq!(huge.watchdog_for(u64::MAX), Duration::MAX);
    }

    #[test]
    fn the_heap_limit_defaults_well_above_the_budget_and_refuses_less_than_eight_times_it() {
        let budget = crate::consensus::PARAMS.limits.memory_budget as usize;
        assert_eq!(Limits::DEFAULT_HEAP_BYTES, 8 * budget + (256 << 20));
        assert_eq!(Limits::MIN_HEAP_BYTES, 8 * budget);
        let with = |heap_bytes| Limits {
            heap_bytes,
            ..Limits::default()
        };
        assert!(with(Limits::MIN_HEAP_BYTES).check().is_ok());
        let refused = with(Limits::MIN_HEAP_BYTES - 1).check().unwrap_err();
        let minimum = format!("below the minimum of {} MiB", Limits::MIN_HEAP_BYTES >> 20);
        assert!(refused.contains(&minimum), "{refused}");
        assert!(!Limits::default().watchdog_is_tight());
    }
}
