//! Host functions: the Rust side of `storage`, `blockchain`, `console`, `Date.now` and the
//! metering stops, one file per API object (`storage.rs`, `blockchain.rs`, `console.rs`,
//! `gas.rs`); this file holds what they share and the table the snapshot is made with.
//!
//! Each native finds the call in progress in the isolate's slot ([`CallState`]), charges gas
//! for the work it is about to do (see [`cost`]), checks its arguments, and forwards to the
//! [`Host`]. A native never trusts the JS side: the contract whose storage is touched is the
//! one the engine is running, not one named by the caller (except the read-only `global*`
//! reads, which name it on purpose).

mod blockchain;
mod call;
mod console;
mod crypto;
mod gas;
mod storage;

use std::cell::RefCell;
use std::rc::Rc;

use super::host::{Host, HostError};
use super::meter::GasCell;

use blockchain::{
    block_info, context_info, contract_name, contract_owner, event, now, publisher, receipt,
    require_auth, tx_info,
};
use call::{call_enter, call_failed, call_leave, call_settle};
use console::log;
use crypto::{ripemd160_hex, sha3, sha3_hex, verify};
use gas::{memory_limit, out_of_gas};
use storage::{
    del, get, global_get, global_has, global_map_get, global_map_has, global_map_keys,
    global_map_len, has, map_del, map_get, map_has, map_keys, map_len, map_put, put,
};

/// Gas charged by host functions: the consensus table's, under short names.
pub(super) mod cost {
    use crate::consensus::PARAMS;

    pub const CALL: u64 = PARAMS.host.call;
    pub const READ: u64 = PARAMS.host.read;
    pub const PER_BYTE_READ: u64 = PARAMS.host.per_byte_read;
    pub const WRITE: u64 = PARAMS.host.write;
    pub const PER_BYTE_WRITE: u64 = PARAMS.host.per_byte_write;
    pub const DELETE: u64 = PARAMS.host.delete;
    pub const PER_FIELD: u64 = PARAMS.host.per_field;
    pub const EVENT: u64 = PARAMS.host.event;
    pub const LOG: u64 = PARAMS.host.log;
    pub const HASH: u64 = PARAMS.host.hash;
    pub const PER_BYTE_HASH: u64 = PARAMS.host.per_byte_hash;
    pub const VERIFY: u64 = PARAMS.host.verify;
    pub const PER_BYTE_VERIFY: u64 = PARAMS.host.per_byte_verify;
    pub const NESTED_CALL: u64 = PARAMS.host.nested_call;
}

/// Largest storage key or map field, in bytes.
pub const MAX_KEY_BYTES: usize = crate::consensus::PARAMS.limits.max_key_bytes;
/// Largest storage value or event, in bytes.
pub const MAX_VALUE_BYTES: usize = crate::consensus::PARAMS.limits.max_value_bytes;

/// Why a native stopped the call (terminated execution) rather than throwing.
#[derive(Debug)]
pub(super) enum Stop {
    OutOfGas,
    /// The memory count passed the transaction's budget.
    MemoryLimit,
    Host(HostError),
    /// A nested call (`blockchain.call`) failed: the whole transaction fails with what it
    /// threw, whatever its caller would have done with it.
    Nested(super::thrown::Thrown),
}

/// Everything a native needs to know about the call in progress.
pub(super) struct CallState {
    /// The host for this call.
    ///
    /// SAFETY contract: set by `Sandbox::call` from a `&mut dyn Host` that outlives the call,
    /// and removed (with this whole state) before `Sandbox::call` returns. Natives only run
    /// inside that window, on the sandbox's thread.
    pub host: *mut (dyn Host + 'static),
    pub contract: String,
    pub publisher: String,
    /// The method called (IOST's `abi_name`).
    pub method: String,
    pub now_ms: f64,
    pub read_only: bool,
    pub gas: GasCell,
    /// Set when a native terminated execution; says why.
    pub stop: Option<Stop>,
    /// What nested calls load their callees with; `None` where no call can be made (the
    /// fence).
    pub loader: Option<super::sandbox::Loader>,
    /// The callers of the running contract, innermost last: empty in a transaction's action.
    pub callers: Vec<Caller>,
    /// `contract-api` of each nested call on the stack, outermost first: IOST's re-entry
    /// check refuses a call already on it (the action itself is not on it, as in IOST).
    pub records: Vec<String>,
    /// Contracts whose authority the running call has: each `callWithAuth` up its stack
    /// adds its caller.
    pub auth: Vec<String>,
}

/// A caller of the running contract, as it resumes when the nested call returns.
pub(super) struct Caller {
    pub contract: String,
    pub method: String,
    pub auth: Vec<String>,
}

impl CallState {
    /// A state with no contract, read-only, with no loader and no nested call: the fence's,
    /// and the base a call's is made from (`CallState { contract, …, ..CallState::idle() }`).
    pub fn idle(host: *mut (dyn Host + 'static), gas: GasCell) -> CallState {
        CallState {
            host,
            contract: String::new(),
            publisher: String::new(),
            method: String::new(),
            now_ms: 0.0,
            read_only: true,
            gas,
            stop: None,
            loader: None,
            callers: Vec::new(),
            records: Vec::new(),
            auth: Vec::new(),
        }
    }

    fn host(&mut self) -> &mut dyn Host {
        // SAFETY: see the field's contract: the pointer is valid for as long as this state is
        // in the isolate's slot, and `&mut self` makes this the only live reference.
        unsafe { &mut *self.host }
    }
}

/// The slot type: natives borrow the state only for the duration of one host call, and no
/// native runs JavaScript while it holds the borrow (the nested-call natives, which do, let
/// go of it first), so the `RefCell` is never borrowed twice.
pub(super) type SharedCallState = Rc<RefCell<CallState>>;

/// What a native does instead of returning a value.
pub(super) enum Fail {
    /// Throw a catchable `TypeError`.
    Type(String),
    /// Throw a catchable `Error`.
    Error(String),
    /// Terminate the call (uncatchable); the reason is already in `CallState::stop`.
    Stop,
}

pub(super) type Outcome<T> = Result<T, Fail>;

/// Runs a native's body against the call in progress and turns `Fail` into JS.
pub(super) fn native<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    rv: &mut v8::ReturnValue<v8::Value>,
    body: impl FnOnce(
        &mut v8::PinScope<'s, '_>,
        &mut CallState,
    ) -> Outcome<Option<v8::Local<'s, v8::Value>>>,
) {
    let Some(state) = scope.get_slot::<SharedCallState>().cloned() else {
        let msg =
            v8::String::new(scope, "host functions are only available during a call").unwrap();
        let exc = v8::Exception::error(scope, msg);
        scope.throw_exception(exc);
        return;
    };
    let mut state = state.borrow_mut();
    if state.stop.is_some() {
        // Execution is already being terminated; do nothing more.
        return;
    }
    let result = body(scope, &mut state);
    deliver(scope, rv, result);
}

/// Sets a native's result, or throws or terminates as `result` says.
pub(super) fn deliver<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    rv: &mut v8::ReturnValue<v8::Value>,
    result: Outcome<Option<v8::Local<'s, v8::Value>>>,
) {
    match result {
        Ok(Some(value)) => rv.set(value),
        Ok(None) => rv.set_undefined(),
        Err(Fail::Type(msg)) => {
            let msg = v8::String::new(scope, &msg).unwrap();
            let exc = v8::Exception::type_error(scope, msg);
            scope.throw_exception(exc);
        }
        Err(Fail::Error(msg)) => {
            let msg = v8::String::new(scope, &msg).unwrap();
            let exc = v8::Exception::error(scope, msg);
            scope.throw_exception(exc);
        }
        Err(Fail::Stop) => {
            scope.terminate_execution();
        }
    }
}

pub(super) fn charge(state: &mut CallState, amount: u64) -> Outcome<()> {
    if state.gas.charge(amount) {
        Ok(())
    } else {
        state.stop = Some(Stop::OutOfGas);
        Err(Fail::Stop)
    }
}

/// Counts `units` of memory for what a native is about to make (a string it returns).
pub(super) fn count(state: &mut CallState, units: u64) -> Outcome<()> {
    if state.gas.count(units) {
        Ok(())
    } else {
        state.stop = Some(Stop::MemoryLimit);
        Err(Fail::Stop)
    }
}

/// Memory units of a string of `bytes` bytes a native returns (the runtime's `newString`).
pub(super) fn string_units(bytes: usize) -> u64 {
    crate::consensus::PARAMS.builtins.memory_string + bytes as u64
}

pub(super) fn host_result<T>(state: &mut CallState, result: Result<T, HostError>) -> Outcome<T> {
    result.map_err(|e| {
        state.stop = Some(Stop::Host(e));
        Fail::Stop
    })
}

pub(super) fn writable(state: &CallState, what: &str) -> Outcome<()> {
    if state.read_only {
        Err(Fail::Error(format!(
            "{what} is not allowed in a read-only query"
        )))
    } else {
        Ok(())
    }
}

/// Argument `index` as a Rust string, or a `TypeError` naming the function and argument.
pub(super) fn string_arg(
    scope: &mut v8::PinScope<'_, '_>,
    args: &v8::FunctionCallbackArguments,
    index: i32,
    what: &str,
    name: &str,
    max_bytes: usize,
) -> Outcome<String> {
    let value = args.get(index);
    let Ok(text) = v8::Local::<v8::String>::try_from(value) else {
        let kind = value.type_of(scope).to_rust_string_lossy(scope);
        return Err(Fail::Type(format!(
            "{what}: {name} must be a string, got {}",
            if value.is_null() {
                "null".to_string()
            } else {
                kind
            }
        )));
    };
    if text.length() > max_bytes {
        return Err(Fail::Error(format!(
            "{what}: {name} is longer than {max_bytes} bytes"
        )));
    }
    let view = v8::ValueView::new(scope, text);
    let out = match view.data() {
        // Latin-1; ASCII (the common case) is already UTF-8.
        v8::ValueViewData::OneByte(bytes) if bytes.is_ascii() => {
            String::from_utf8(bytes.to_vec()).expect("ASCII is UTF-8")
        }
        v8::ValueViewData::OneByte(bytes) => bytes.iter().map(|&b| b as char).collect::<String>(),
        v8::ValueViewData::TwoByte(units) => String::from_utf16(units).map_err(|_| {
            Fail::Type(format!(
                "{what}: {name} is not well-formed Unicode (it has a lone surrogate)"
            ))
        })?,
    };
    if out.len() > max_bytes {
        return Err(Fail::Error(format!(
            "{what}: {name} is longer than {max_bytes} bytes"
        )));
    }
    Ok(out)
}

pub(super) fn js_string<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    text: &str,
) -> Outcome<v8::Local<'s, v8::Value>> {
    v8::String::new(scope, text)
        .map(Into::into)
        .ok_or_else(|| Fail::Error("string too long for JavaScript".to_string()))
}

pub(super) fn bool_value<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    value: bool,
) -> Option<v8::Local<'s, v8::Value>> {
    Some(v8::Boolean::new(scope, value).into())
}

macro_rules! natives {
    ($($name:literal => $f:ident),* $(,)?) => {
        /// Every native, by the name the runtime library knows it under.
        fn table() -> Vec<(&'static str, v8::FunctionCallback)> {
            use v8::MapFnTo;
            vec![$(($name, $f.map_fn_to())),*]
        }
    };
}

natives! {
    "outOfGas" => out_of_gas,
    "memoryLimit" => memory_limit,
    "now" => now,
    "get" => get,
    "has" => has,
    "put" => put,
    "del" => del,
    "mapGet" => map_get,
    "mapHas" => map_has,
    "mapPut" => map_put,
    "mapDel" => map_del,
    "mapKeys" => map_keys,
    "mapLen" => map_len,
    "globalGet" => global_get,
    "globalHas" => global_has,
    "globalMapGet" => global_map_get,
    "globalMapHas" => global_map_has,
    "globalMapKeys" => global_map_keys,
    "globalMapLen" => global_map_len,
    "contractName" => contract_name,
    "contractOwner" => contract_owner,
    "blockInfo" => block_info,
    "txInfo" => tx_info,
    "contextInfo" => context_info,
    "publisher" => publisher,
    "requireAuth" => require_auth,
    "event" => event,
    "receipt" => receipt,
    "callEnter" => call_enter,
    "callSettle" => call_settle,
    "callFailed" => call_failed,
    "callLeave" => call_leave,
    "log" => log,
    "sha3" => sha3,
    "sha3Hex" => sha3_hex,
    "ripemd160Hex" => ripemd160_hex,
    "verify" => verify,
}

/// The external references a snapshot is created and loaded with: the same list, in the
/// same order, both times.
pub(super) fn external_references() -> Vec<v8::ExternalReference> {
    table()
        .into_iter()
        .map(|(_, function)| v8::ExternalReference { function })
        .collect()
}

/// The `natives` object handed to the runtime library.
pub(super) fn natives_object<'s>(scope: &mut v8::PinScope<'s, '_>) -> v8::Local<'s, v8::Object> {
    let object = v8::Object::new(scope);
    for (name, callback) in table() {
        let function = v8::FunctionTemplate::builder_raw(callback)
            .constructor_behavior(v8::ConstructorBehavior::Throw)
            .build(scope)
            .get_function(scope)
            .expect("native function");
        let key = v8::String::new(scope, name).unwrap();
        function.set_name(key);
        object.set(scope, key.into(), function.into());
    }
    object
}
pub(super) type Args<'a> = v8::FunctionCallbackArguments<'a>;
