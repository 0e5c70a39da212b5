//! Nested calls (`blockchain.call`, `blockchain.callWithAuth`), the Rust half. The runtime
//! library (`99-internals.js`, `callNested`) drives one call through four natives:
//!
//! - `callEnter(contract, api, args, withAuth)` checks the arguments and IOST's stack rules
//!   (re-entry, height), asks the host for the callee, binds its wrapper and makes its frame
//!   current: from here on storage, events and `contractName()` are the callee's;
//! - `callSettle(value)` settles what the callee's method returned (a promise);
//! - `callFailed(error)` ends the whole transaction with what the callee threw: a failing
//!   nested call fails the transaction, and no caller can catch that;
//! - `callLeave()` makes the caller's frame current again.
//!
//! Promise jobs run under the frame that made them: `callEnter` first runs the caller's
//! pending jobs (under the caller), and `callSettle` and `callLeave` run the callee's (under
//! the callee), so no job of one contract ever runs with another's storage. A nested call
//! from a promise job is refused: a job may run after its frame is gone.
//!
//! These natives run JavaScript (the jobs, the callee's wrapper), so they hold the call
//! state's borrow only between those runs, never across one.

use super::{
    Args, CallState, Caller, Fail, MAX_KEY_BYTES, Outcome, SharedCallState, Stop, charge, cost,
    count, deliver, host_result, string_arg, string_units,
};
use crate::consensus::PARAMS;
use crate::engine::host::{Callee, NativeCall};
use crate::engine::sandbox::Loader;
use crate::engine::thrown;

/// The call state, or `None` (having thrown) outside a call; `None` too, silently, when the
/// call is already being terminated.
fn shared_state(scope: &mut v8::PinScope) -> Option<SharedCallState> {
    let Some(state) = scope.get_slot::<SharedCallState>().cloned() else {
        let msg = v8::String::new(scope, "host functions are only available during a call")?;
        let exc = v8::Exception::error(scope, msg);
        scope.throw_exception(exc);
        return None;
    };
    if state.borrow().stop.is_some() {
        return None;
    }
    Some(state)
}

/// Runs the promise jobs waiting in the current context's queue. False when that terminated
/// execution (a job ran out of gas), or when a job is already running (then none can run).
fn run_jobs(scope: &mut v8::PinScope) -> bool {
    let context = scope.get_current_context();
    if let Some(queue) = context.get_microtask_queue() {
        if queue.is_running_microtasks() {
            return false;
        }
        queue.perform_checkpoint(scope);
    }
    !scope.is_execution_terminating()
}

fn in_job(scope: &mut v8::PinScope) -> bool {
    let context = scope.get_current_context();
    context
        .get_microtask_queue()
        .is_some_and(|queue| queue.is_running_microtasks())
}

/// Ends the transaction with `thrown` (terminates execution).
fn fail_nested(state: &mut CallState, thrown: thrown::Thrown) -> Fail {
    state.stop = Some(Stop::Nested(thrown));
    Fail::Stop
}

/// `callEnter(contract, api, args, withAuth)`: `[wrapper, args]` of the callee, its frame now
/// current; or a catchable `Error` with IOST's words (nothing was entered).
pub(super) fn call_enter(scope: &mut v8::PinScope, args: Args, mut rv: v8::ReturnValue<v8::Value>) {
    let Some(shared) = shared_state(scope) else {
        return;
    };
    let with_auth = args.get(3).is_true();
    let what = if with_auth {
        "blockchain.callWithAuth"
    } else {
        "blockchain.call"
    };
    if in_job(scope) {
        let result = Err(Fail::Error(format!(
            "{what} cannot be made from a promise job: nested calls are synchronous in isovm"
        )));
        return deliver(scope, &mut rv, result);
    }
    // The caller's pending jobs run now, under the caller.
    if !run_jobs(scope) {
        return;
    }
    let entered = {
        let mut state = shared.borrow_mut();
        enter_checks(scope, &args, &mut state, what, with_auth)
    };
    let (code, args_value, loader, api, record) = match entered {
        Ok(Entered::Script {
            code,
            args,
            loader,
            api,
            record,
        }) => (code, args, loader, api, record),
        Ok(Entered::Ran(returns)) => {
            // A native contract ran already: no frame, its returns are the result.
            let Some(returns) = crate::engine::values::js(scope, &returns) else {
                return;
            };
            let undefined = v8::undefined(scope).into();
            let pair = v8::Array::new_with_elements(scope, &[undefined, returns]);
            rv.set(pair.into());
            return;
        }
        Err(fail) => return deliver(scope, &mut rv, Err(fail)),
    };
    // Without the borrow: binding the wrapper runs its (empty) script.
    let Some(wrapper) = loader.wrapper(scope, &code) else {
        return;
    };
    let Some(argv) = crate::engine::values::js(scope, &args_value) else {
        return;
    };
    {
        let mut state = shared.borrow_mut();
        let auth = lent_to_callee(&state, with_auth);
        let caller_contract = std::mem::replace(&mut state.contract, code.id.clone());
        let caller = Caller {
            contract: caller_contract,
            method: std::mem::take(&mut state.method),
            auth: std::mem::replace(&mut state.auth, auth),
        };
        state.method = api;
        state.callers.push(caller);
        state.records.push(record);
    }
    let pair = v8::Array::new_with_elements(scope, &[wrapper.into(), argv]);
    rv.set(pair.into());
}

/// What `callEnter` found: a script to instantiate (with the loader to bind it with, the
/// method and its stack record), or the returns of a native contract it ran.
enum Entered {
    Script {
        code: crate::engine::ContractCode,
        args: serde_json::Value,
        loader: Loader,
        api: String,
        record: String,
    },
    Ran(serde_json::Value),
}

/// The authority the callee has: the caller's, and with `callWithAuth` the caller's own.
fn lent_to_callee(state: &CallState, with_auth: bool) -> Vec<String> {
    let mut auth = state.auth.clone();
    if with_auth && !auth.contains(&state.contract) {
        auth.push(state.contract.clone());
    }
    auth
}

/// The checks of `callEnter` that need the call state: arguments, gas, IOST's stack rules,
/// the callee; a native callee runs here.
fn enter_checks(
    scope: &mut v8::PinScope,
    args: &Args,
    state: &mut CallState,
    what: &str,
    with_auth: bool,
) -> Outcome<Entered> {
    let contract = string_arg(scope, args, 0, what, "contract", MAX_KEY_BYTES)?;
    let api = string_arg(scope, args, 1, what, "api", MAX_KEY_BYTES)?;
    let argv = string_arg(scope, args, 2, what, "args", PARAMS.limits.max_args_bytes)?;
    charge(
        state,
        cost::CALL + cost::NESTED_CALL + argv.len() as u64 * cost::PER_BYTE_READ,
    )?;
    // IOST's order: re-entry, then height, then the callee.
    let record = format!("{contract}-{api}");
    if state.records.contains(&record) {
        return Err(Fail::Error("re-entering".into()));
    }
    let height = state.records.len() + 2;
    if height > PARAMS.limits.max_call_height {
        return Err(Fail::Error(format!("stack height exceed. actual {height}")));
    }
    let found = state.host().callee(&contract, &api, &argv);
    let callee = host_result(state, found)?.map_err(Fail::Error)?;
    count(state, string_units(argv.len()))?;
    match callee {
        Callee::Script { code, args } => {
            let Some(loader) = state.loader.clone() else {
                return Err(Fail::Error(format!("{what} is not available here")));
            };
            Ok(Entered::Script {
                code,
                args,
                loader,
                api,
                record,
            })
        }
        Callee::Native {
            contract: native,
            args,
        } => {
            let lent = lent_to_callee(state, with_auth);
            let publisher = state.publisher.clone();
            let caller = state.contract.clone();
            let call = NativeCall {
                method: &api,
                args: &args,
                publisher: &publisher,
                lent: &lent,
                caller: &caller,
                gas_left: state.gas.left(),
                read_only: state.read_only,
            };
            let ran = native.call(state.host(), &call);
            let outcome = host_result(state, ran)?;
            charge(state, outcome.gas)?;
            match outcome.result {
                Ok(returns) => {
                    count(state, string_units(returns.to_string().len()))?;
                    Ok(Entered::Ran(returns))
                }
                Err(message) => {
                    let thrown = thrown::Thrown::plain(format!("{contract}.{api}: {message}"));
                    Err(fail_nested(state, thrown))
                }
            }
        }
    }
}

/// `callSettle(value)`: the callee's pending jobs run (under the callee); a promise it
/// returned must then be settled, and gives its value. A rejected or unsettled one fails the
/// transaction.
pub(super) fn call_settle(
    scope: &mut v8::PinScope,
    args: Args,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let Some(shared) = shared_state(scope) else {
        return;
    };
    if !run_jobs(scope) {
        return;
    }
    let value = args.get(0);
    let Ok(promise) = v8::Local::<v8::Promise>::try_from(value) else {
        rv.set(value);
        return;
    };
    let thrown = match promise.state() {
        v8::PromiseState::Fulfilled => {
            let result = promise.result(scope);
            rv.set(result);
            return;
        }
        v8::PromiseState::Rejected => {
            let reason = promise.result(scope);
            let message = v8::Exception::create_message(scope, reason);
            thrown::describe(scope, message)
        }
        v8::PromiseState::Pending => thrown::Thrown::plain(crate::engine::sandbox::NEVER_SETTLED),
    };
    let fail = fail_nested(&mut shared.borrow_mut(), thrown);
    deliver(scope, &mut rv, Err(fail));
}

/// `callFailed(error)`: what the callee threw ends the transaction.
pub(super) fn call_failed(
    scope: &mut v8::PinScope,
    args: Args,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let Some(shared) = shared_state(scope) else {
        return;
    };
    let message = v8::Exception::create_message(scope, args.get(0));
    let thrown = thrown::describe(scope, message);
    let fail = fail_nested(&mut shared.borrow_mut(), thrown);
    deliver(scope, &mut rv, Err(fail));
}

/// `callLeave()`: the callee's last jobs run (under the callee), then its caller resumes.
pub(super) fn call_leave(scope: &mut v8::PinScope, _args: Args, _rv: v8::ReturnValue<v8::Value>) {
    let Some(shared) = shared_state(scope) else {
        return;
    };
    if !run_jobs(scope) {
        return;
    }
    let mut state = shared.borrow_mut();
    if let Some(caller) = state.callers.pop() {
        state.contract = caller.contract;
        state.method = caller.method;
        state.auth = caller.auth;
        state.records.pop();
    }
}
