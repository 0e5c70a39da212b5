//! Process-wide V8 setup: flags and platform, once; and the threads isolates may live on.

use std::cell::Cell;
use std::sync::Once;
use std::thread::JoinHandle;

/// Stack of every thread that owns an isolate: 256 MiB of address space, of which only the
/// pages a call touches are ever committed.
///
/// The real stack is a safety net, never a limit a contract can reach: the counted limits
/// (call depth 1,100, the stack units of `crate::consensus`, at most 10,000 arguments spread
/// into one frame) bound what a call within them can put on it, and where V8 would overflow
/// depends on how it compiled each frame (interpreter, baseline or optimized), which differs
/// between nodes. The worst a counted call can do is 1,100 frames of 10,000 spread arguments,
/// 88 MB of arguments alone, plus interpreter frames of up to the stack-unit budget (16 MiB of
/// modelled slots) and the native frames of the metered built-ins that call back: 240 MiB is
/// about twice all of that, so the counters always strike first.
pub const SANDBOX_THREAD_STACK: usize = 256 * 1024 * 1024;
/// What V8 may use of it, in KiB (`--stack-size`): the rest is for the Rust frames below V8
/// and for the native frames V8 runs past its own check before it notices.
const V8_STACK_KIB: usize = 240 * 1024;

/// JavaScript features V8 would install into every context made from the snapshot, after the
/// snapshot's intrinsics are frozen (which V8 cannot do to a frozen object). None is
/// something contracts need; turning them off keeps the snapshot frozen and the language the
/// same on every node.
const INSTALLED_PER_CONTEXT: [&str; 12] = [
    "--no-js-promise-try",
    "--no-js-atomics-pause",
    "--no-js-error-iserror",
    "--no-js-regexp-escape",
    "--no-js-explicit-resource-management",
    "--no-js-float16array",
    "--no-js-base-64",
    "--no-js-upsert",
    "--no-js-iterator-sequencing",
    "--no-js-sum-precise",
    "--no-harmony-temporal",
    "--no-enable-queue-microtask",
];

/// The flags every isolate runs with. Part of the snapshot cache key.
pub(super) fn flags() -> String {
    let mut flags = vec![
        // No eval, no `new Function`, no string-to-code anywhere.
        "--disallow-code-generation-from-strings".to_string(),
        format!("--stack-size={V8_STACK_KIB}"),
        // SharedArrayBuffer only where an embedder callback allows it: here, nowhere.
        "--enable-sharedarraybuffer-per-context".to_string(),
        "--enable-experimental-regexp-engine".to_string(),
    ];
    flags.extend(INSTALLED_PER_CONTEXT.iter().map(|f| f.to_string()));
    flags.join(" ")
}

static INIT: Once = Once::new();

/// Initializes V8 for this process. Idempotent.
pub fn init() {
    INIT.call_once(|| {
        v8::V8::set_flags_from_string(&flags());
        let platform = v8::new_default_platform(0, false).make_shared();
        v8::V8::initialize_platform(platform);
        v8::V8::initialize();
    });
}

thread_local! {
    static ON_SANDBOX_THREAD: Cell<bool> = const { Cell::new(false) };
    /// Whether a sandbox lives on this thread. V8 tracks one current isolate per thread;
    /// two isolates on one thread would need explicit enter/exit juggling, so isovm keeps one.
    static HAS_SANDBOX: Cell<bool> = const { Cell::new(false) };
}

/// Spawns a thread that may own isolates: its stack is the size V8 has been told about.
pub fn spawn_sandbox_thread<F, R>(name: String, f: F) -> std::io::Result<JoinHandle<R>>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    std::thread::Builder::new()
        .name(name)
        .stack_size(SANDBOX_THREAD_STACK)
        .spawn(move || {
            ON_SANDBOX_THREAD.with(|on| on.set(true));
            f()
        })
}

/// Whether the current thread was made by [`spawn_sandbox_thread`].
pub(super) fn on_sandbox_thread() -> bool {
    ON_SANDBOX_THREAD.with(Cell::get)
}

/// Claims this thread's one sandbox slot; false if it is taken.
pub(super) fn claim_sandbox_slot() -> bool {
    HAS_SANDBOX.with(|has| !has.replace(true))
}

/// Frees this thread's sandbox slot.
pub(super) fn release_sandbox_slot() {
    HAS_SANDBOX.with(|has| has.set(false));
}
