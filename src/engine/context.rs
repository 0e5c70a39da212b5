//! Context lifecycle: the warm context a sandbox keeps across calls, made once from the
//! snapshot and locked down once, and the fence that proves it clean after each call.
//!
//! `docs/warm-context.md` is the argument that no call can leave anything in it a later call
//! can observe; this file holds the two mechanical parts of that argument. Each call starts
//! with an empty microtask queue (the fence after the call before it), and a context any
//! call was terminated in (out of gas, memory limit, a host failure, a safety net) or whose
//! fence found work left over is dropped, never reused.

use std::cell::RefCell;
use std::rc::Rc;

use super::host::{Callee, Host, HostError, Slot};
use super::meter::GasCell;
use super::natives::{CallState, SharedCallState};
use super::sandbox::{Scripts, internal_function};
use super::snapshot::{self, INTERNALS_INDEX};
use super::{Engine, EngineError};

/// A context kept across calls, with what the engine looks up in it once.
pub(super) struct WarmContext {
    pub context: v8::Global<v8::Context>,
    /// The context's own queue: the isolate's default queue would outlive a dropped context
    /// with its jobs still in it.
    pub queue: v8::MicrotaskQueueHandle,
    pub internals: v8::Global<v8::Object>,
    pub call: v8::Global<v8::Function>,
    pub encode: v8::Global<v8::Function>,
    /// The counter cell every call in this context runs under (set anew by each call).
    pub cell: v8::Global<v8::Float64Array>,
    pub gas_store: v8::SharedRef<v8::BackingStore>,
    /// The contract wrappers bound to this context, by code hash: the functions of
    /// `WRAPPER_PARAMS` that each call runs anew to instantiate the contract's module.
    pub wrappers: Rc<RefCell<Scripts<v8::Function>>>,
    /// The `block` object of the last call, with its JSON: every transaction of a batch sees
    /// the same block, so it is parsed once per batch. `call` freezes it, and every field is
    /// a primitive, so no call can change it for the next.
    pub block: Option<(String, v8::Global<v8::Value>)>,
    /// Calls served.
    pub calls: u64,
}

impl WarmContext {
    /// Makes a context the way a fresh call does (from the snapshot, `lockdown()`), with its
    /// own microtask queue and counter cell.
    pub fn new(isolate: &mut v8::Isolate, engine: &Engine) -> Result<WarmContext, EngineError> {
        let queue = v8::MicrotaskQueue::new(isolate, v8::MicrotasksPolicy::Explicit);
        v8::scope!(let scope, isolate);
        let context = new_context(scope, &queue);
        let scope = &mut v8::ContextScope::new(scope, context);
        let internals = runtime_internals(scope, engine)?;
        let missing = |name: &str| EngineError::Runtime(format!("the runtime has no `{name}`"));
        let lockdown =
            internal_function(scope, internals, "lockdown").ok_or_else(|| missing("lockdown"))?;
        lockdown
            .call(scope, internals.into(), &[])
            .ok_or_else(|| EngineError::Runtime("lockdown() failed".into()))?;
        let call = internal_function(scope, internals, "call").ok_or_else(|| missing("call"))?;
        let encode =
            internal_function(scope, internals, "encode").ok_or_else(|| missing("encode"))?;
        let gas_store =
            v8::ArrayBuffer::new_backing_store_from_vec(vec![0u8; GasCell::BYTES]).make_shared();
        let buffer = v8::ArrayBuffer::with_backing_store(scope, &gas_store);
        // All four slots (gas used and limit, memory used and limit): a shorter view would
        // silently drop every memory count the runtime library makes.
        let cell = v8::Float64Array::new(scope, buffer, 0, GasCell::BYTES / 8)
            .ok_or_else(|| EngineError::Runtime("no counter cell".into()))?;
        Ok(WarmContext {
            context: v8::Global::new(scope, context),
            internals: v8::Global::new(scope, internals),
            call: v8::Global::new(scope, call),
            encode: v8::Global::new(scope, encode),
            cell: v8::Global::new(scope, cell),
            gas_store,
            queue,
            wrappers: Default::default(),
            block: None,
            calls: 0,
        })
    }

    /// Runs what the call just ended left in the queue (jobs enqueued while its result was
    /// encoded, or by a call that threw) with nothing to spend: every counter past its
    /// limit and a host that refuses everything, so the first metered step of a leftover job
    /// terminates it, and no job can reach state. True when the queue drained without any
    /// job doing metered work: the context is clean and may serve the next call. Today's
    /// contracts leave nothing, and the drain of an empty queue costs next to nothing.
    pub fn fence(&self, isolate: &mut v8::Isolate) -> bool {
        let gas = GasCell::new(self.gas_store.clone());
        gas.set(1, 0, 1, 0);
        let mut refuse = Refuse;
        let host: *mut (dyn Host + '_) = &mut refuse;
        // SAFETY: only the lifetime is erased; the state holding the pointer leaves the
        // isolate's slot below, before `refuse` goes out of scope.
        let host: *mut (dyn Host + 'static) = unsafe { std::mem::transmute(host) };
        let state: SharedCallState = Rc::new(RefCell::new(CallState::idle(host, gas)));
        isolate.set_slot(state.clone());
        {
            v8::scope!(let scope, isolate);
            let context = v8::Local::new(scope, &self.context);
            let scope = &mut v8::ContextScope::new(scope, context);
            self.queue.perform_checkpoint(scope);
        }
        let terminated = isolate.is_execution_terminating();
        isolate.remove_slot::<SharedCallState>();
        isolate.cancel_terminate_execution();
        let stopped = state.borrow().stop.is_some();
        !terminated && !stopped
    }
}

/// A new context whose microtask queue is `queue` (not the isolate's, which would outlive a
/// dropped context with its jobs still in it).
pub(super) fn new_context<'s>(
    scope: &mut v8::PinScope<'s, '_, ()>,
    queue: &v8::MicrotaskQueue,
) -> v8::Local<'s, v8::Context> {
    let options = v8::ContextOptions {
        microtask_queue: Some(queue as *const v8::MicrotaskQueue as *mut v8::MicrotaskQueue),
        ..Default::default()
    };
    v8::Context::new(scope, options)
}

/// The runtime's internals in a new context: from the snapshot's context data, or by running
/// the runtime library when there is no snapshot.
pub(super) fn runtime_internals<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    engine: &Engine,
) -> Result<v8::Local<'s, v8::Object>, EngineError> {
    if engine.snapshot.is_some() {
        scope
            .get_context_data_from_snapshot_once::<v8::Object>(INTERNALS_INDEX)
            .map_err(|e| EngineError::Runtime(format!("snapshot internals: {e}")))
    } else {
        snapshot::install_runtime(scope)
    }
}

/// The fence's host: no call is in progress, so every host call is refused (and, being a
/// host failure, terminates the job that made it).
struct Refuse;

fn refused() -> HostError {
    HostError("no call is in progress (a job left over from a finished call)".into())
}

impl Host for Refuse {
    fn get(&mut self, _: &Slot<'_>) -> Result<Option<String>, HostError> {
        Err(refused())
    }
    fn put(&mut self, _: &Slot<'_>, _: String) -> Result<(), HostError> {
        Err(refused())
    }
    fn delete(&mut self, _: &Slot<'_>) -> Result<(), HostError> {
        Err(refused())
    }
    fn map_fields(&mut self, _: &str, _: &str) -> Result<Vec<String>, HostError> {
        Err(refused())
    }
    fn event(&mut self, _: &str, _: String) -> Result<(), HostError> {
        Err(refused())
    }
    fn log(&mut self, _: &str, _: i32, _: &str) {}
    fn tx_info(&mut self) -> Result<String, HostError> {
        Err(refused())
    }
    fn block_info(&mut self) -> Result<String, HostError> {
        Err(refused())
    }
    fn contract_owner(&mut self, _: &str) -> Result<String, HostError> {
        Err(refused())
    }
    fn proof(&self) -> &crate::contract::auth::Proof {
        &crate::contract::auth::NOTHING
    }
    fn contract_exists(&mut self, _: &str) -> Result<bool, HostError> {
        Err(refused())
    }
    fn callee(&mut self, _: &str, _: &str, _: &str) -> Result<Result<Callee, String>, HostError> {
        Err(refused())
    }
    fn receipt(&mut self, _: &str, _: &str, _: String) -> Result<(), HostError> {
        Err(refused())
    }
}
