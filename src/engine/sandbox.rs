//! One isolate, owned by one thread for its whole life, running contract calls.
//!
//! Each call gets a fresh context (from the startup snapshot when there is one) and its own
//! microtask queue, so nothing survives between calls except through the [`Host`]. Every call
//! runs under all limits at once: the metered ones, which decide receipts (gas and memory
//! units, counted by the instrumented code, the natives and `buffers.rs`; call depth and stack
//! units, counted by the instrumented code; result size), and the node's safety nets, which
//! never do (wall-clock time, the [`Watchdog`]; the heap, the near-heap-limit callback). A
//! safety net that strikes ends the call with [`CallError::NodeFault`] and taints the sandbox.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::c_void;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

use super::buffers::{self, BufferBudget};
use super::context::{WarmContext, new_context, runtime_internals};
use super::host::{Host, HostError};
use super::meter::GasCell;
use super::natives::{self, CallState, SharedCallState, Stop};
use super::snapshot;
use super::thrown::{Thrown, caught};
use super::values::{self, TxInfo};
use super::watchdog::Watchdog;
use super::{Engine, EngineError, platform};
use crate::contract::instrument::WRAPPER_PARAMS;

/// The code of a deployed contract, as the engine runs it.
#[derive(Debug, Clone)]
pub struct ContractCode {
    pub id: String,
    /// SHA-256 of `code`: the key of the code cache, and with `id` of the per-isolate script
    /// cache (a script carries its contract's name into stack traces, so two contracts with
    /// the same code do not share one).
    pub hash: [u8; 32],
    /// The instrumented contract source.
    pub code: Arc<str>,
    /// A V8 code cache made from `code`, if one is stored.
    pub cache: Option<Arc<[u8]>>,
}

/// What kind of call this is.
#[derive(Debug, Clone, Copy)]
pub enum CallMode<'a> {
    /// A transaction's action.
    Call,
    /// `init()` at deploy; afterwards every ABI method must be a method of the class.
    Deploy { abi_methods: &'a [String] },
    /// A read-only query: storage writes and events throw.
    Query,
}

/// One contract call.
#[derive(Debug, Clone, Copy)]
pub struct CallInput<'a> {
    pub contract: &'a ContractCode,
    pub method: &'a str,
    /// The arguments, an array already checked against the ABI.
    pub args: &'a serde_json::Value,
    /// The `block` object contracts see, as JSON.
    pub block_json: &'a str,
    /// The `tx` object contracts see.
    pub tx: TxInfo<'a>,
    pub publisher: &'a str,
    /// What `Date.now()` returns: the block time.
    pub now_ms: f64,
    /// Gas already used by earlier actions of the same transaction.
    pub gas_used: u64,
    pub gas_limit: u64,
    /// Memory units already counted by earlier actions of the same transaction (the budget
    /// is the consensus table's `memory_budget`, per transaction).
    pub memory_used: u64,
    pub mode: CallMode<'a>,
}

/// Why a call did not return a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// The contract threw; the message and the JS stack.
    Threw(Thrown),
    OutOfGas,
    /// The transaction's memory count passed its budget (counted, the same on every node).
    MemoryLimit,
    ResultTooLarge {
        bytes: usize,
        limit: usize,
    },
    /// The host failed: not the contract's doing; the batch must be abandoned.
    Host(HostError),
    /// A node-local safety net struck: not the contract's doing, and not the same on every
    /// node, so never a receipt; the batch must be abandoned, and the sandbox is tainted.
    NodeFault(FaultKind),
}

/// Which safety net struck.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// The wall-clock watchdog ([`super::Limits::watchdog_for`]).
    Watchdog,
    /// The isolate's V8 heap limit ([`super::Limits::heap_bytes`]).
    Heap,
    /// `verify_isolation`: the warm context and a fresh one disagreed about a call.
    Isolation,
}

impl FaultKind {
    /// A short name for logs and replies: `watchdog` or `heap`.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Watchdog => "watchdog",
            FaultKind::Heap => "heap",
            FaultKind::Isolation => "isolation",
        }
    }
}

impl std::fmt::Display for FaultKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FaultKind::Watchdog => "the wall-clock watchdog",
            FaultKind::Heap => "the V8 heap limit",
            FaultKind::Isolation => "the isolation check",
        })
    }
}

/// The result of one call.
#[derive(Debug)]
pub struct CallOutcome {
    /// Total gas of the transaction so far, this call included. On out-of-gas and
    /// memory-limit, the whole limit (the same on every node: the count that struck is, but
    /// what the call had paid when the termination took effect is not). Meaningless on a
    /// node fault, which makes no receipt.
    pub gas_used: u64,
    /// Memory units the transaction has counted so far, this call included.
    pub memory_used: u64,
    /// The JSON-encoded return value.
    pub result: Result<String, CallError>,
    /// A new code cache for `contract.hash`, made because none was given or V8 rejected it.
    pub code_cache: Option<Vec<u8>>,
}

/// The near-heap-limit callback's data: it terminates the call and grants a little
/// headroom so V8 can unwind; the sandbox is replaced afterwards.
struct HeapGuard {
    handle: v8::IsolateHandle,
    hit: AtomicBool,
    grants: AtomicU32,
}

/// Extra heap granted per near-limit callback while a terminated call unwinds.
const HEAP_HEADROOM: usize = 256 * 1024 * 1024;
/// Callbacks answered before V8 is left to fail: each one means an allocation that did not
/// fit even after a grant.
const MAX_HEAP_GRANTS: u32 = 4;

extern "C" fn near_heap_limit(data: *mut c_void, current: usize, _initial: usize) -> usize {
    // SAFETY: `data` is the `HeapGuard` boxed in the `Sandbox`, which outlives its isolate.
    let guard = unsafe { &*(data as *const HeapGuard) };
    guard.hit.store(true, Ordering::SeqCst);
    guard.handle.terminate_execution();
    if guard.grants.fetch_add(1, Ordering::SeqCst) < MAX_HEAP_GRANTS {
        current + HEAP_HEADROOM
    } else {
        current
    }
}

/// Contract code is compiled inside this wrapper. The metering functions are parameters of
/// an arrow function: unreachable by name (the instrumenter rejects `__isovm*` names) and not
/// exposed through `arguments`, which arrow functions do not have.
fn wrapper_prefix() -> &'static str {
    static PREFIX: OnceLock<String> = OnceLock::new();
    PREFIX.get_or_init(|| format!("(({}) => {{\"use strict\";", WRAPPER_PARAMS.join(", ")))
}
const WRAPPER_SUFFIX: &str = "\n})";

/// A V8 isolate with its limits. `!Send`: it stays on the thread that made it.
pub struct Sandbox {
    // Field order is drop order: script handles go before the isolate, and the heap guard
    // (callback data) after it.
    /// The context calls run in (`context.rs`); dropped after any terminated call.
    warm: Option<WarmContext>,
    /// Shared with the call state while a call runs: nested calls compile through it too.
    scripts: Rc<RefCell<ScriptCache>>,
    watchdog: Watchdog,
    /// Visible to the engine's other files (`regexp.rs`), which add methods that use it.
    pub(super) isolate: v8::OwnedIsolate,
    heap: Box<HeapGuard>,
    buffers: Arc<BufferBudget>,
    engine: Arc<Engine>,
    uses: u64,
    tainted: bool,
}

/// Compiled scripts kept per isolate; beyond this, the cache is cleared.
const MAX_CACHED_SCRIPTS: usize = 512;
/// Source bytes of the scripts kept per isolate; beyond this, the cache is cleared. Compiled
/// code stays on the heap while its script is cached, and the heap limit is sized for the
/// memory budget plus a margin: an isolate's history must not eat into that margin.
const MAX_CACHED_SOURCE_BYTES: usize = 32 << 20;

impl Sandbox {
    /// Creates an isolate from the engine's snapshot. Only on a sandbox thread
    /// ([`super::spawn_sandbox_thread`]), whose stack V8 has been told about.
    pub fn new(engine: &Arc<Engine>) -> Result<Sandbox, EngineError> {
        if !platform::on_sandbox_thread() {
            return Err(EngineError::WrongThread);
        }
        if !platform::claim_sandbox_slot() {
            return Err(EngineError::SandboxExists);
        }
        let limits = &engine.options.limits;
        let (allocator, buffers) = buffers::allocator();
        let mut params = v8::CreateParams::default()
            .heap_limits(0, limits.heap_bytes)
            .array_buffer_allocator(allocator);
        if let Some(blob) = engine.snapshot {
            params = params
                .snapshot_blob(v8::StartupData::from(blob))
                .external_references(natives::external_references().into());
        }
        let mut isolate = v8::Isolate::new(params);
        super::bump(&engine.counters.isolates);
        isolate.set_microtasks_policy(v8::MicrotasksPolicy::Explicit);
        isolate.set_capture_stack_trace_for_uncaught_exceptions(true, 10);
        let heap = Box::new(HeapGuard {
            handle: isolate.thread_safe_handle(),
            hit: AtomicBool::new(false),
            grants: AtomicU32::new(0),
        });
        buffers.attach(isolate.thread_safe_handle());
        let data = &*heap as *const HeapGuard as *mut c_void;
        isolate.add_near_heap_limit_callback(near_heap_limit, data);
        let watchdog = match Watchdog::new(isolate.thread_safe_handle()) {
            Ok(watchdog) => watchdog,
            Err(e) => {
                drop(isolate);
                platform::release_sandbox_slot();
                return Err(EngineError::Thread(e));
            }
        };
        Ok(Sandbox {
            warm: None,
            scripts: Default::default(),
            watchdog,
            isolate,
            heap,
            buffers,
            engine: engine.clone(),
            uses: 0,
            tainted: false,
        })
    }

    /// Calls served so far.
    pub fn uses(&self) -> u64 {
        self.uses
    }

    /// Whether this isolate must be replaced: a safety net struck one of its calls (the heap
    /// limit was raised to let a call unwind, or the watchdog cut one short), so neither its
    /// state nor its speed is trusted.
    pub fn tainted(&self) -> bool {
        self.tainted
    }

    /// Marks this isolate for replacement (and drops its warm context).
    pub(super) fn taint(&mut self) {
        self.tainted = true;
        self.warm = None;
    }

    /// Runs a full garbage collection, so that measurements do not pay for earlier garbage.
    pub fn collect_garbage(&mut self) {
        self.isolate.low_memory_notification();
    }

    /// Bytes of V8 heap in use now.
    pub fn heap_used(&mut self) -> usize {
        self.isolate.get_heap_statistics().used_heap_size()
    }

    /// Runs one call: in the warm context (made on the first call, and again after any call
    /// that was terminated), or, with `warm_context` off, in a fresh one. With
    /// `verify_isolation` on, in both, compared (`verify.rs`).
    pub fn call(&mut self, host: &mut dyn Host, input: &CallInput<'_>) -> CallOutcome {
        let options = &self.engine.options;
        if options.verify_isolation {
            return self.call_verified(host, input);
        }
        let place = if options.warm_context {
            Place::Warm
        } else {
            Place::Fresh
        };
        self.call_in(host, input, place)
    }

    /// Runs one call in `place`.
    pub(super) fn call_in(
        &mut self,
        host: &mut dyn Host,
        input: &CallInput<'_>,
        place: Place,
    ) -> CallOutcome {
        self.uses += 1;
        super::bump(&self.engine.counters.calls);
        self.isolate.cancel_terminate_execution();
        self.heap.hit.store(false, Ordering::SeqCst);

        if place == Place::Warm && self.warm.is_none() {
            match WarmContext::new(&mut self.isolate, &self.engine) {
                Ok(warm) => {
                    super::bump(&self.engine.counters.contexts);
                    self.warm = Some(warm);
                }
                Err(e) => {
                    return CallOutcome {
                        gas_used: input.gas_used,
                        memory_used: input.memory_used,
                        result: Err(CallError::Threw(Thrown::plain(e.to_string()))),
                        code_cache: None,
                    };
                }
            }
        }
        let gas_store = match (&self.warm, place) {
            (Some(warm), Place::Warm) => warm.gas_store.clone(),
            _ => {
                v8::ArrayBuffer::new_backing_store_from_vec(vec![0u8; GasCell::BYTES]).make_shared()
            }
        };
        let gas = GasCell::new(gas_store.clone());
        gas.set(
            input.gas_used,
            input.gas_limit,
            input.memory_used,
            crate::consensus::PARAMS.limits.memory_budget,
        );
        // The store lives until the end of this method, after `end_call`.
        let cell = gas_store
            .data()
            .map_or(std::ptr::null_mut(), |p| p.as_ptr() as *mut f64);
        self.buffers.begin_call(cell);
        let host_ptr: *mut (dyn Host + '_) = host;
        // SAFETY: only the lifetime is erased. The pointer is stored in the isolate slot for
        // the duration of this method and removed below, before `host`'s borrow ends; natives
        // dereference it only while JS runs inside `self.run_*`.
        let host_ptr: *mut (dyn Host + 'static) = unsafe { std::mem::transmute(host_ptr) };
        let loader = Loader {
            engine: self.engine.clone(),
            scripts: self.scripts.clone(),
            wrappers: match (&self.warm, place) {
                (Some(warm), Place::Warm) => Some(warm.wrappers.clone()),
                _ => None,
            },
        };
        let state: SharedCallState = Rc::new(RefCell::new(CallState {
            contract: input.contract.id.clone(),
            publisher: input.publisher.to_string(),
            method: input.method.to_string(),
            now_ms: input.now_ms,
            read_only: matches!(input.mode, CallMode::Query),
            loader: Some(loader),
            ..CallState::idle(host_ptr, GasCell::new(gas_store.clone()))
        }));
        self.isolate.set_slot(state.clone());

        let (ran, code_cache) = match place {
            Place::Warm => self.run_warm(input),
            Place::Fresh => self.run_fresh(input, &gas_store),
        };
        let fired = self.watchdog.disarm();
        self.buffers.end_call();

        self.isolate.remove_slot::<SharedCallState>();
        self.isolate.cancel_terminate_execution();
        let stop = state.borrow_mut().stop.take();
        let fault = if self.heap.hit.load(Ordering::SeqCst) {
            Some(FaultKind::Heap)
        } else {
            fired.then_some(FaultKind::Watchdog)
        };
        if fault.is_some() {
            self.tainted = true;
        }
        let stop = match stop {
            None if self.buffers.exhausted() => Some(Stop::MemoryLimit),
            stop => stop,
        };
        let terminated = stop.is_some() || fault.is_some() || matches!(ran, Ran::Terminated);

        // A limit that struck decides the outcome even if the script managed to finish before
        // the termination took effect: a refused write or allocation must fail the call.
        // Metered limits come first: a count that struck was reached by a run that, up to
        // that point, is the same on every node, whatever a safety net did afterwards. A
        // safety net that struck otherwise is a node fault, even if the script finished: the
        // isolate is not trusted, and retrying costs little.
        let result = match (stop, fault, ran) {
            (Some(Stop::Host(e)), _, _) => Err(CallError::Host(e)),
            (Some(Stop::Nested(thrown)), _, _) => Err(CallError::Threw(thrown)),
            (Some(Stop::OutOfGas), _, _) => Err(CallError::OutOfGas),
            (Some(Stop::MemoryLimit), _, _) => Err(CallError::MemoryLimit),
            (None, Some(kind), _) => Err(CallError::NodeFault(kind)),
            (None, None, Ran::Value(json)) => {
                let limit = crate::consensus::PARAMS.limits.max_result_bytes;
                if json.len() > limit {
                    Err(CallError::ResultTooLarge {
                        bytes: json.len(),
                        limit,
                    })
                } else {
                    Ok(json)
                }
            }
            (None, None, Ran::Threw(thrown)) => Err(CallError::Threw(thrown)),
            (None, None, Ran::Terminated) => {
                Err(CallError::Threw(Thrown::plain("execution was terminated")))
            }
        };
        let gas_used = match &result {
            Err(CallError::OutOfGas | CallError::MemoryLimit) => input.gas_limit,
            _ => gas.used().min(input.gas_limit),
        };
        let memory_used = gas.memory_used();
        if place == Place::Warm {
            // A terminated call may have stopped anywhere, the runtime's own bookkeeping
            // included, and may have left jobs behind: its context is not reused. Otherwise
            // the fence must find the queue empty of work.
            let clean = !terminated
                && !self.tainted
                && self
                    .warm
                    .as_ref()
                    .is_some_and(|warm| warm.fence(&mut self.isolate));
            if clean {
                if let Some(warm) = &mut self.warm {
                    warm.calls += 1;
                }
            } else {
                self.warm = None;
            }
        }
        CallOutcome {
            gas_used,
            memory_used,
            result,
            code_cache,
        }
    }

    /// A call in the warm context, which `call_in` has made.
    fn run_warm(&mut self, input: &CallInput<'_>) -> (Ran, Option<Vec<u8>>) {
        let Sandbox {
            scripts,
            watchdog,
            isolate,
            engine,
            warm,
            ..
        } = self;
        let Some(warm) = warm.as_mut() else {
            return (Ran::Threw(Thrown::plain("no warm context")), None);
        };
        v8::scope!(let scope, isolate);
        let context = v8::Local::new(scope, &warm.context);
        let scope = &mut v8::ContextScope::new(scope, context);
        v8::tc_scope!(let tc, scope);
        let deploy = matches!(input.mode, CallMode::Deploy { .. });
        let compiled = scripts.borrow_mut().get(engine, tc, input.contract, deploy);
        let Some(compiled) = compiled else {
            return (caught(tc), None);
        };
        if compiled.cleared {
            warm.wrappers.borrow_mut().clear();
        }
        let code_cache = compiled.code_cache;
        arm(watchdog, engine, input);
        let cached = find(&warm.wrappers.borrow(), input.contract).map(|w| v8::Local::new(tc, w));
        let wrapper = match cached {
            Some(wrapper) => wrapper,
            None => {
                let script = compiled.unbound.bind_to_current_context(tc);
                let Some(wrapper) = script
                    .run(tc)
                    .and_then(|w| v8::Local::<v8::Function>::try_from(w).ok())
                else {
                    return (caught(tc), code_cache);
                };
                warm.wrappers
                    .borrow_mut()
                    .entry(input.contract.hash)
                    .or_default()
                    .push((input.contract.id.clone(), v8::Global::new(tc, wrapper)));
                wrapper
            }
        };
        let block = match &warm.block {
            Some((text, block)) if text == input.block_json => v8::Local::new(tc, block),
            _ => {
                let Some(block) = json(tc, input.block_json) else {
                    return (caught(tc), code_cache);
                };
                warm.block = Some((input.block_json.to_string(), v8::Global::new(tc, block)));
                block
            }
        };
        let parts = Invocation {
            block,
            internals: v8::Local::new(tc, &warm.internals),
            call: v8::Local::new(tc, &warm.call),
            encode: v8::Local::new(tc, &warm.encode),
            cell: v8::Local::new(tc, &warm.cell),
            wrapper,
        };
        let ran = invoke(tc, parts, input, &warm.queue);
        (ran.unwrap_or_else(|| caught(tc)), code_cache)
    }

    /// A call in a context of its own, with its own microtask queue, dropped with it.
    fn run_fresh(
        &mut self,
        input: &CallInput<'_>,
        gas_store: &v8::SharedRef<v8::BackingStore>,
    ) -> (Ran, Option<Vec<u8>>) {
        let Sandbox {
            scripts,
            watchdog,
            isolate,
            engine,
            ..
        } = self;
        // Each call has its own microtask queue, dropped with it: promise jobs left behind by
        // a call that was terminated never run in a later call.
        let queue = v8::MicrotaskQueue::new(isolate, v8::MicrotasksPolicy::Explicit);
        v8::scope!(let scope, isolate);
        let context = new_context(scope, &queue);
        let scope = &mut v8::ContextScope::new(scope, context);
        let internals = match runtime_internals(scope, engine) {
            Ok(internals) => internals,
            Err(e) => return (Ran::Threw(Thrown::plain(e.to_string())), None),
        };
        v8::tc_scope!(let tc, scope);
        let deploy = matches!(input.mode, CallMode::Deploy { .. });
        let compiled = scripts.borrow_mut().get(engine, tc, input.contract, deploy);
        let Some(compiled) = compiled else {
            return (caught(tc), None);
        };
        let code_cache = compiled.code_cache;
        arm(watchdog, engine, input);
        let ran = (|| {
            let lockdown = internal_function(tc, internals, "lockdown")?;
            lockdown.call(tc, internals.into(), &[])?;
            let script = compiled.unbound.bind_to_current_context(tc);
            let wrapper = v8::Local::<v8::Function>::try_from(script.run(tc)?).ok()?;
            let buffer = v8::ArrayBuffer::with_backing_store(tc, gas_store);
            // All four slots (gas used and limit, memory used and limit): a shorter view
            // would silently drop every memory count the runtime library makes.
            let cell = v8::Float64Array::new(tc, buffer, 0, GasCell::BYTES / 8)?;
            let parts = Invocation {
                block: json(tc, input.block_json)?,
                internals,
                call: internal_function(tc, internals, "call")?,
                encode: internal_function(tc, internals, "encode")?,
                cell,
                wrapper,
            };
            invoke(tc, parts, input, &queue)
        })();
        (ran.unwrap_or_else(|| caught(tc)), code_cache)
    }
}

/// Starts the watchdog of a call: the floor plus what the gas it may still use buys.
fn arm(watchdog: &Watchdog, engine: &Engine, input: &CallInput<'_>) {
    let left = input.gas_limit.saturating_sub(input.gas_used);
    watchdog.arm(engine.options.limits.watchdog_for(left));
}

/// Per-isolate (or per-context) handles of compiled contracts: by code hash, then by contract
/// id (almost always one).
pub(super) type Scripts<T> = HashMap<[u8; 32], Vec<(String, v8::Global<T>)>>;

/// The isolate's compiled contracts, bounded.
#[derive(Default)]
pub(super) struct ScriptCache {
    scripts: Scripts<v8::UnboundScript>,
    /// Source bytes of the contracts in `scripts`.
    bytes: usize,
}

impl ScriptCache {
    /// The contract's compiled script in this isolate: from the cache, or compiled
    /// (consuming or making a V8 code cache). `None` when the compile threw. Runs no
    /// JavaScript.
    fn get<'s>(
        &mut self,
        engine: &Engine,
        scope: &mut v8::PinScope<'s, '_>,
        contract: &ContractCode,
        eager: bool,
    ) -> Option<Compiled<'s>> {
        if let Some(script) = find(&self.scripts, contract) {
            super::bump(&engine.counters.script_cache_hits);
            return Some(Compiled {
                unbound: v8::Local::new(scope, script),
                code_cache: None,
                cleared: false,
            });
        }
        let (unbound, cache) = compile(scope, contract, eager)?;
        count_compile(engine, contract, &cache);
        let cleared = self.scripts.values().map(Vec::len).sum::<usize>() >= MAX_CACHED_SCRIPTS
            || self.bytes + contract.code.len() > MAX_CACHED_SOURCE_BYTES;
        if cleared {
            self.scripts.clear();
            self.bytes = 0;
        }
        self.scripts
            .entry(contract.hash)
            .or_default()
            .push((contract.id.clone(), v8::Global::new(scope, unbound)));
        self.bytes += contract.code.len();
        Some(Compiled {
            unbound,
            code_cache: cache,
            cleared,
        })
    }
}

/// What a nested call binds its callee with: the isolate's scripts and, in the warm
/// context, its bound wrappers.
#[derive(Clone)]
pub(super) struct Loader {
    pub engine: Arc<Engine>,
    pub scripts: Rc<RefCell<ScriptCache>>,
    /// `None` in a context made for one call: there every wrapper is bound anew.
    pub wrappers: Option<Rc<RefCell<Scripts<v8::Function>>>>,
}

impl Loader {
    /// The callee's wrapper in the current context; `None` with an exception pending (or
    /// execution terminating). Runs only the wrapper's script, which defines a function.
    pub fn wrapper<'s>(
        &self,
        scope: &mut v8::PinScope<'s, '_>,
        contract: &ContractCode,
    ) -> Option<v8::Local<'s, v8::Function>> {
        if let Some(wrappers) = &self.wrappers
            && let Some(wrapper) = find(&wrappers.borrow(), contract)
        {
            return Some(v8::Local::new(scope, wrapper));
        }
        // A code cache made here is not kept: the callee's own actions keep one.
        let compiled = self
            .scripts
            .borrow_mut()
            .get(&self.engine, scope, contract, false)?;
        if compiled.cleared
            && let Some(wrappers) = &self.wrappers
        {
            wrappers.borrow_mut().clear();
        }
        let script = compiled.unbound.bind_to_current_context(scope);
        let wrapper = v8::Local::<v8::Function>::try_from(script.run(scope)?).ok()?;
        if let Some(wrappers) = &self.wrappers {
            wrappers
                .borrow_mut()
                .entry(contract.hash)
                .or_default()
                .push((contract.id.clone(), v8::Global::new(scope, wrapper)));
        }
        Some(wrapper)
    }
}

/// The handle of `contract` in `scripts`.
pub(super) fn find<'a, T>(
    scripts: &'a Scripts<T>,
    contract: &ContractCode,
) -> Option<&'a v8::Global<T>> {
    scripts
        .get(&contract.hash)?
        .iter()
        .find(|(id, _)| *id == contract.id)
        .map(|(_, script)| script)
}

/// Where a call runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    /// The sandbox's warm context.
    Warm,
    /// A context made for this call alone.
    Fresh,
}

/// A contract's script, ready to bind.
struct Compiled<'s> {
    unbound: v8::Local<'s, v8::UnboundScript>,
    /// A new V8 code cache, when the compile made one.
    code_cache: Option<Vec<u8>>,
    /// The script cache was cleared to make room: wrappers bound from it go too.
    cleared: bool,
}

/// What `invoke` runs a call with, looked up in the call's context.
struct Invocation<'s> {
    /// The `block` object.
    block: v8::Local<'s, v8::Value>,
    internals: v8::Local<'s, v8::Object>,
    call: v8::Local<'s, v8::Function>,
    encode: v8::Local<'s, v8::Function>,
    cell: v8::Local<'s, v8::Float64Array>,
    /// The contract's wrapper: a function of `WRAPPER_PARAMS`.
    wrapper: v8::Local<'s, v8::Function>,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // The isolate itself is dropped after this, with the other fields.
        platform::release_sandbox_slot();
    }
}

/// An object every call can reach (see [`Sandbox::survivors`]).
#[derive(Debug, Clone)]
pub struct Survivor {
    /// The first way the walk found it (`Array.prototype.map`).
    pub path: String,
    pub frozen: bool,
    /// Mutable internal state V8 keeps outside its properties (a Map's entries, a buffer's
    /// bytes, a promise's state, …), if it has any: what freezing does not close.
    pub state: Option<&'static str>,
}

/// A V8 type test.
type Brand = fn(&v8::Value) -> bool;

/// Whether a compile used a code cache, and the cache it made when it did not.
#[derive(Debug)]
pub struct CompileReport {
    pub consumed_cache: bool,
    pub new_cache: Option<Vec<u8>>,
}

impl Sandbox {
    /// Makes a context the way every call does (runtime internals and `lockdown()`), then
    /// drops it. For warm-up and measurement.
    pub fn make_context(&mut self) -> Result<(), EngineError> {
        let isolate = &mut self.isolate;
        v8::scope!(let scope, isolate);
        let context = v8::Context::new(scope, Default::default());
        let scope = &mut v8::ContextScope::new(scope, context);
        let internals = runtime_internals(scope, &self.engine)?;
        let failed = || EngineError::Runtime("lockdown() failed".into());
        let lockdown = internal_function(scope, internals, "lockdown").ok_or_else(failed)?;
        lockdown
            .call(scope, internals.into(), &[])
            .ok_or_else(failed)?;
        Ok(())
    }

    /// What a call could leave state in without making it: every object reachable from the
    /// global object and the hidden intrinsics of a locked-down context.
    /// `docs/warm-context.md` argues every one must be frozen and hold no internal state;
    /// `tests/isolation.rs` checks it.
    pub fn survivors(&mut self) -> Result<Vec<Survivor>, EngineError> {
        let warm = WarmContext::new(&mut self.isolate, &self.engine)?;
        let isolate = &mut self.isolate;
        v8::scope!(let scope, isolate);
        let context = v8::Local::new(scope, &warm.context);
        let scope = &mut v8::ContextScope::new(scope, context);
        let internals = v8::Local::new(scope, &warm.internals);
        let failed = || EngineError::Runtime("survivors() failed".into());
        let survivors = internal_function(scope, internals, "survivors").ok_or_else(failed)?;
        let lists = survivors
            .call(scope, internals.into(), &[])
            .and_then(|v| v8::Local::<v8::Array>::try_from(v).ok())
            .ok_or_else(failed)?;
        let list = |i: u32| {
            lists
                .get_index(scope, i)
                .and_then(|v| v8::Local::<v8::Array>::try_from(v).ok())
                .ok_or_else(failed)
        };
        let (values, paths, frozen) = (list(0)?, list(1)?, list(2)?);
        let mut out = Vec::new();
        for i in 0..values.length() {
            let value = values.get_index(scope, i).ok_or_else(failed)?;
            let path = paths.get_index(scope, i).ok_or_else(failed)?;
            let is_frozen = frozen.get_index(scope, i).ok_or_else(failed)?;
            out.push(Survivor {
                path: path.to_rust_string_lossy(scope),
                frozen: is_frozen.boolean_value(scope),
                state: internal_state(&value),
            });
        }
        Ok(out)
    }

    /// Paths of the functions a contract can reach that the runtime library has not
    /// classified as metered or constant-cost (`runtime/80-inventory.js`); empty when every
    /// built-in is accounted for.
    pub fn unclassified_builtins(&mut self) -> Result<Vec<String>, EngineError> {
        let isolate = &mut self.isolate;
        v8::scope!(let scope, isolate);
        let context = v8::Context::new(scope, Default::default());
        let scope = &mut v8::ContextScope::new(scope, context);
        let internals = runtime_internals(scope, &self.engine)?;
        super::snapshot::unclassified(scope, internals)
    }

    /// Compiles `contract` as a call would on a script-cache miss, without keeping the
    /// script: consumes `contract.cache` if V8 accepts it, else compiles from source and makes
    /// a cache. For measurement and cache maintenance.
    pub fn compile_only(&mut self, contract: &ContractCode) -> Result<CompileReport, EngineError> {
        let isolate = &mut self.isolate;
        v8::scope!(let scope, isolate);
        let context = v8::Context::new(scope, Default::default());
        let scope = &mut v8::ContextScope::new(scope, context);
        match compile(scope, contract, true) {
            Some((_, new_cache)) => {
                count_compile(&self.engine, contract, &new_cache);
                Ok(CompileReport {
                    consumed_cache: new_cache.is_none(),
                    new_cache,
                })
            }
            None => Err(EngineError::Runtime(format!(
                "contract {} does not compile",
                contract.id
            ))),
        }
    }
}

/// Counts a compile: `new_cache` is `None` exactly when the stored cache was consumed.
fn count_compile(engine: &Engine, contract: &ContractCode, new_cache: &Option<Vec<u8>>) {
    let counters = &engine.counters;
    match (contract.cache.is_some(), new_cache.is_some()) {
        (true, false) => super::bump(&counters.code_cache_consumed),
        (true, true) => {
            super::bump(&counters.code_cache_rejected);
            super::bump(&counters.compiled_from_source);
        }
        (false, _) => super::bump(&counters.compiled_from_source),
    }
}

/// How the JavaScript part of a call ended.
pub(super) enum Ran {
    Value(String),
    Threw(Thrown),
    Terminated,
}

fn compile<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    contract: &ContractCode,
    eager: bool,
) -> Option<(v8::Local<'s, v8::UnboundScript>, Option<Vec<u8>>)> {
    let prefix = wrapper_prefix();
    let text = format!("{prefix}{}{WRAPPER_SUFFIX}", contract.code);
    let source = v8::String::new(scope, &text)?;
    // The prefix shares the contract's first line; shift columns back on that line.
    let column_offset = -(prefix.len() as i32);
    let origin = snapshot::script_origin(scope, &contract.id, column_offset)?;
    let (mut source, options) = match &contract.cache {
        Some(bytes) => (
            v8::script_compiler::Source::new_with_cached_data(
                source,
                Some(&origin),
                v8::CachedData::new(bytes),
            ),
            v8::script_compiler::CompileOptions::ConsumeCodeCache,
        ),
        None => (
            v8::script_compiler::Source::new(source, Some(&origin)),
            if eager {
                v8::script_compiler::CompileOptions::EagerCompile
            } else {
                v8::script_compiler::CompileOptions::NoCompileOptions
            },
        ),
    };
    let unbound = v8::script_compiler::compile_unbound_script(
        scope,
        &mut source,
        options,
        v8::script_compiler::NoCacheReason::NoReason,
    )?;
    let consumed = source.get_cached_data().is_some_and(|c| !c.rejected());
    if contract.cache.is_some() && !consumed {
        tracing::info!(contract = %contract.id, "V8 rejected the stored code cache; compiled from source");
    }
    let cache = if consumed {
        None
    } else {
        unbound.create_code_cache().map(|c| c.to_vec())
    };
    Some((unbound, cache))
}

/// Why a call whose method returned a promise still pending after its jobs ran fails (an
/// action's, and a nested call's).
pub(super) const NEVER_SETTLED: &str =
    "the method returned a promise that never settled: contract calls are synchronous";

/// Runs the contract: instantiates its module, calls the method, settles a returned promise,
/// encodes the result. `None` when something threw or execution was terminated.
fn invoke<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    parts: Invocation<'s>,
    input: &CallInput<'_>,
    queue: &v8::MicrotaskQueue,
) -> Option<Ran> {
    let tx = values::tx_object(scope, &input.tx)?;
    let method = v8::String::new(scope, input.method)?;
    let args = values::js(scope, input.args)?;
    let abi_methods: v8::Local<v8::Value> = match input.mode {
        CallMode::Deploy { abi_methods } => {
            let names = abi_methods
                .iter()
                .map(|m| v8::String::new(scope, m).map(Into::into))
                .collect::<Option<Vec<v8::Local<v8::Value>>>>()?;
            v8::Array::new_with_elements(scope, &names).into()
        }
        _ => v8::undefined(scope).into(),
    };
    let value = parts.call.call(
        scope,
        parts.internals.into(),
        &[
            parts.wrapper.into(),
            parts.cell.into(),
            parts.block,
            tx,
            method.into(),
            args,
            abi_methods,
        ],
    )?;
    queue.perform_checkpoint(scope);
    if scope.is_execution_terminating() {
        return None;
    }
    let value = match v8::Local::<v8::Promise>::try_from(value) {
        Ok(promise) => match promise.state() {
            v8::PromiseState::Fulfilled => promise.result(scope),
            v8::PromiseState::Rejected => {
                let reason = promise.result(scope);
                scope.throw_exception(reason);
                return None;
            }
            v8::PromiseState::Pending => {
                return Some(Ran::Threw(Thrown::plain(NEVER_SETTLED)));
            }
        },
        Err(_) => value,
    };
    // Encoded by the runtime with the metered `JSON.stringify`: a returned object graph is
    // paid for like any other serialization (a DAG that doubles per level runs out of gas).
    let text = parts.encode.call(scope, parts.internals.into(), &[value])?;
    if scope.is_execution_terminating() {
        return None;
    }
    Some(Ran::Value(text.to_rust_string_lossy(scope)))
}

pub(super) fn internal_function<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    internals: v8::Local<'s, v8::Object>,
    name: &str,
) -> Option<v8::Local<'s, v8::Function>> {
    let key = v8::String::new(scope, name)?;
    let value = internals.get(scope, key.into())?;
    v8::Local::<v8::Function>::try_from(value).ok()
}

fn json<'s>(scope: &mut v8::PinScope<'s, '_>, text: &str) -> Option<v8::Local<'s, v8::Value>> {
    let text = v8::String::new(scope, text)?;
    v8::json::parse(scope, text)
}

/// The kind of mutable state V8 keeps in `value` outside its properties, if any: what
/// freezing does not close.
fn internal_state(value: &v8::Local<'_, v8::Value>) -> Option<&'static str> {
    let kinds: [(Brand, &'static str); 14] = [
        (v8::Value::is_map, "Map entries"),
        (v8::Value::is_set, "Set entries"),
        (v8::Value::is_weak_map, "WeakMap entries"),
        (v8::Value::is_weak_set, "WeakSet entries"),
        (v8::Value::is_array_buffer, "ArrayBuffer bytes"),
        (v8::Value::is_shared_array_buffer, "SharedArrayBuffer bytes"),
        (
            v8::Value::is_array_buffer_view,
            "typed array or DataView bytes",
        ),
        (v8::Value::is_promise, "promise state"),
        (v8::Value::is_date, "Date time value"),
        (v8::Value::is_reg_exp, "RegExp last index and match"),
        (v8::Value::is_generator_object, "generator state"),
        (v8::Value::is_map_iterator, "Map iterator position"),
        (v8::Value::is_set_iterator, "Set iterator position"),
        (v8::Value::is_proxy, "proxy (target and handler)"),
    ];
    kinds
        .iter()
        .find(|(test, _)| test(value))
        .map(|(_, kind)| *kind)
}
