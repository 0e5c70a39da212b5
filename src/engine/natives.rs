//! Host functions: the Rust side of `storage`, `blockchain`, `console`, `Date.now` and gas.
//!
//! Each native finds the call in progress in the isolate's slot ([`CallState`]), charges gas
//! for the work it is about to do (see [`cost`]), checks its arguments, and forwards to the
//! [`Host`]. A native never trusts the JS side: the contract whose storage is touched is the
//! one the engine is running, not one named by the caller (except the read-only `global*`
//! reads, which name it on purpose).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use super::host::{Host, HostError, Slot};

/// Gas charged by host functions, documented in `docs/gas.md`.
pub(super) mod cost {
    /// Any host call.
    pub const CALL: u64 = 10;
    /// A storage read, plus [`PER_BYTE_READ`] per byte of key and value.
    pub const READ: u64 = 50;
    pub const PER_BYTE_READ: u64 = 1;
    /// A storage write, plus [`PER_BYTE_WRITE`] per byte of key and value.
    pub const WRITE: u64 = 200;
    pub const PER_BYTE_WRITE: u64 = 4;
    /// A delete, plus [`PER_BYTE_READ`] per byte of key.
    pub const DELETE: u64 = 100;
    /// Listing map fields, plus this per field returned.
    pub const PER_FIELD: u64 = 10;
    /// An event, plus [`PER_BYTE_WRITE`] per byte.
    pub const EVENT: u64 = 100;
    /// A console line, plus one per byte.
    pub const LOG: u64 = 20;
}

/// Largest storage key or map field, in bytes.
pub const MAX_KEY_BYTES: usize = 1024;
/// Largest storage value or event, in bytes.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;

/// Why a native stopped the call (terminated execution) rather than throwing.
#[derive(Debug)]
pub(super) enum Stop {
    OutOfGas,
    Host(HostError),
}

/// The gas counter shared by the instrumented contract code (a `Float64Array` of
/// `[used, limit]`) and the natives. f64 counts exactly up to 2^53, far above any limit.
pub(super) struct GasCell {
    store: v8::SharedRef<v8::BackingStore>,
}

impl GasCell {
    pub(super) const BYTES: usize = 16;

    pub(super) fn new(store: v8::SharedRef<v8::BackingStore>) -> GasCell {
        debug_assert!(store.byte_length() >= Self::BYTES);
        GasCell { store }
    }

    fn read(&self, index: usize) -> f64 {
        let cells: &[Cell<u8>] = &self.store;
        let mut bytes = [0u8; 8];
        for (b, c) in bytes.iter_mut().zip(&cells[index * 8..index * 8 + 8]) {
            *b = c.get();
        }
        f64::from_ne_bytes(bytes)
    }

    fn write(&self, index: usize, value: f64) {
        let cells: &[Cell<u8>] = &self.store;
        for (c, b) in cells[index * 8..index * 8 + 8]
            .iter()
            .zip(value.to_ne_bytes())
        {
            c.set(b);
        }
    }

    pub(super) fn used(&self) -> u64 {
        self.read(0) as u64
    }

    pub(super) fn set(&self, used: u64, limit: u64) {
        self.write(0, used as f64);
        self.write(1, limit as f64);
    }

    /// Adds `amount`; false once the total is past the limit.
    pub(super) fn charge(&self, amount: u64) -> bool {
        let used = self.read(0) + amount as f64;
        self.write(0, used);
        used <= self.read(1)
    }
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
    pub now_ms: f64,
    pub read_only: bool,
    pub gas: GasCell,
    /// Set when a native terminated execution; says why.
    pub stop: Option<Stop>,
}

impl CallState {
    fn host(&mut self) -> &mut dyn Host {
        // SAFETY: see the field's contract: the pointer is valid for as long as this state is
        // in the isolate's slot, and `&mut self` makes this the only live reference.
        unsafe { &mut *self.host }
    }
}

/// The slot type: natives borrow the state only for the duration of one host call, and no
/// host call re-enters JavaScript, so the `RefCell` is never borrowed twice.
pub(super) type SharedCallState = Rc<RefCell<CallState>>;

/// What a native does instead of returning a value.
enum Fail {
    /// Throw a catchable `TypeError`.
    Type(String),
    /// Throw a catchable `Error`.
    Error(String),
    /// Terminate the call (uncatchable); the reason is already in `CallState::stop`.
    Stop,
}

type Outcome<T> = Result<T, Fail>;

/// Runs a native's body against the call in progress and turns `Fail` into JS.
fn native<'s>(
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
    match body(scope, &mut state) {
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

fn charge(state: &mut CallState, amount: u64) -> Outcome<()> {
    if state.gas.charge(amount) {
        Ok(())
    } else {
        state.stop = Some(Stop::OutOfGas);
        Err(Fail::Stop)
    }
}

fn host_result<T>(state: &mut CallState, result: Result<T, HostError>) -> Outcome<T> {
    result.map_err(|e| {
        state.stop = Some(Stop::Host(e));
        Fail::Stop
    })
}

fn writable(state: &CallState, what: &str) -> Outcome<()> {
    if state.read_only {
        Err(Fail::Error(format!(
            "{what} is not allowed in a read-only query"
        )))
    } else {
        Ok(())
    }
}

/// Argument `index` as a Rust string, or a `TypeError` naming the function and argument.
fn string_arg(
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

fn js_string<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    text: &str,
) -> Outcome<v8::Local<'s, v8::Value>> {
    v8::String::new(scope, text)
        .map(Into::into)
        .ok_or_else(|| Fail::Error("string too long for JavaScript".to_string()))
}

fn bool_value<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    value: bool,
) -> Option<v8::Local<'s, v8::Value>> {
    Some(v8::Boolean::new(scope, value).into())
}

/// The storage address a native names: its own contract's key (and field), or another
/// contract's for the `global*` reads.
struct Address {
    contract: String,
    key: String,
    field: Option<String>,
}

impl Address {
    fn slot(&self) -> Slot<'_> {
        match &self.field {
            None => Slot::Value {
                contract: &self.contract,
                key: &self.key,
            },
            Some(field) => Slot::Field {
                contract: &self.contract,
                key: &self.key,
                field,
            },
        }
    }

    fn bytes(&self) -> u64 {
        (self.key.len() + self.field.as_ref().map_or(0, String::len)) as u64
    }
}

/// Shapes of storage natives: which arguments name the address.
#[derive(Clone, Copy)]
enum Shape {
    /// `(key)` of the running contract.
    Own,
    /// `(key, field)` of the running contract.
    OwnMap,
    /// `(contract, key)`.
    Global,
    /// `(contract, key, field)`.
    GlobalMap,
}

impl Shape {
    fn arity(self) -> i32 {
        match self {
            Shape::Own => 1,
            Shape::OwnMap | Shape::Global => 2,
            Shape::GlobalMap => 3,
        }
    }
}

fn address(
    scope: &mut v8::PinScope<'_, '_>,
    args: &v8::FunctionCallbackArguments,
    state: &CallState,
    shape: Shape,
    what: &str,
) -> Outcome<Address> {
    let (contract, first) = match shape {
        Shape::Own | Shape::OwnMap => (state.contract.clone(), 0),
        Shape::Global | Shape::GlobalMap => (
            string_arg(scope, args, 0, what, "contract", MAX_KEY_BYTES)?,
            1,
        ),
    };
    let key = string_arg(scope, args, first, what, "key", MAX_KEY_BYTES)?;
    let field = match shape {
        Shape::OwnMap | Shape::GlobalMap => Some(string_arg(
            scope,
            args,
            first + 1,
            what,
            "field",
            MAX_KEY_BYTES,
        )?),
        _ => None,
    };
    Ok(Address {
        contract,
        key,
        field,
    })
}

fn read_value<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: &v8::FunctionCallbackArguments,
    state: &mut CallState,
    shape: Shape,
    what: &str,
    want_value: bool,
) -> Outcome<Option<v8::Local<'s, v8::Value>>> {
    let addr = address(scope, args, state, shape, what)?;
    charge(
        state,
        cost::CALL + cost::READ + addr.bytes() * cost::PER_BYTE_READ,
    )?;
    let result = state.host().get(&addr.slot());
    let value = host_result(state, result)?;
    if let Some(v) = &value {
        charge(state, v.len() as u64 * cost::PER_BYTE_READ)?;
    }
    Ok(match (want_value, value) {
        (false, found) => bool_value(scope, found.is_some()),
        (true, Some(v)) => Some(js_string(scope, &v)?),
        (true, None) => Some(v8::null(scope).into()),
    })
}

fn list_fields<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: &v8::FunctionCallbackArguments,
    state: &mut CallState,
    global: bool,
    what: &str,
    want_keys: bool,
) -> Outcome<Option<v8::Local<'s, v8::Value>>> {
    let contract = if global {
        string_arg(scope, args, 0, what, "contract", MAX_KEY_BYTES)?
    } else {
        state.contract.clone()
    };
    let key = string_arg(scope, args, global as i32, what, "key", MAX_KEY_BYTES)?;
    charge(
        state,
        cost::CALL + cost::READ + key.len() as u64 * cost::PER_BYTE_READ,
    )?;
    let result = state.host().map_fields(&contract, &key);
    let fields = host_result(state, result)?;
    let bytes: usize = fields.iter().map(String::len).sum();
    charge(
        state,
        fields.len() as u64 * cost::PER_FIELD
            + if want_keys {
                bytes as u64 * cost::PER_BYTE_READ
            } else {
                0
            },
    )?;
    if !want_keys {
        return Ok(Some(v8::Number::new(scope, fields.len() as f64).into()));
    }
    let mut items = Vec::with_capacity(fields.len());
    for field in &fields {
        items.push(js_string(scope, field)?);
    }
    Ok(Some(v8::Array::new_with_elements(scope, &items).into()))
}

macro_rules! natives {
    ($($name:literal => $f:ident),* $(,)?) => {
        /// Every native, by the name `runtime.js` knows it under.
        fn table() -> Vec<(&'static str, v8::FunctionCallback)> {
            use v8::MapFnTo;
            vec![$(($name, $f.map_fn_to())),*]
        }
    };
}

natives! {
    "outOfGas" => out_of_gas,
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
    "publisher" => publisher,
    "requireAuth" => require_auth,
    "event" => event,
    "log" => log,
}

/// The external references a snapshot is created and loaded with: the same list, in the
/// same order, both times.
pub(super) fn external_references() -> Vec<v8::ExternalReference> {
    table()
        .into_iter()
        .map(|(_, function)| v8::ExternalReference { function })
        .collect()
}

/// The `natives` object handed to `runtime.js`.
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

type Args<'a> = v8::FunctionCallbackArguments<'a>;

fn out_of_gas(scope: &mut v8::PinScope, _args: Args, mut rv: v8::ReturnValue<v8::Value>) {
    native(scope, &mut rv, |_, state| {
        state.stop = Some(Stop::OutOfGas);
        Err(Fail::Stop)
    });
}

fn now(scope: &mut v8::PinScope, _args: Args, mut rv: v8::ReturnValue<v8::Value>) {
    native(scope, &mut rv, |scope, state| {
        charge(state, cost::CALL)?;
        Ok(Some(v8::Number::new(scope, state.now_ms).into()))
    });
}

fn write_value(
    scope: &mut v8::PinScope<'_, '_>,
    args: &Args,
    state: &mut CallState,
    shape: Shape,
    what: &str,
) -> Outcome<()> {
    writable(state, what)?;
    let addr = address(scope, args, state, shape, what)?;
    let value = string_arg(scope, args, shape.arity(), what, "value", MAX_VALUE_BYTES)?;
    charge(
        state,
        cost::CALL + cost::WRITE + (addr.bytes() + value.len() as u64) * cost::PER_BYTE_WRITE,
    )?;
    let result = state.host().put(&addr.slot(), value);
    host_result(state, result)
}

fn delete_value(
    scope: &mut v8::PinScope<'_, '_>,
    args: &Args,
    state: &mut CallState,
    shape: Shape,
    what: &str,
) -> Outcome<()> {
    writable(state, what)?;
    let addr = address(scope, args, state, shape, what)?;
    charge(
        state,
        cost::CALL + cost::DELETE + addr.bytes() * cost::PER_BYTE_READ,
    )?;
    let result = state.host().delete(&addr.slot());
    host_result(state, result)
}

/// A native that reads one storage value: `$value` gives the value (null if missing),
/// otherwise whether it exists.
macro_rules! reader {
    ($name:ident, $shape:expr, $what:literal, $value:literal) => {
        fn $name(scope: &mut v8::PinScope, args: Args, mut rv: v8::ReturnValue<v8::Value>) {
            native(scope, &mut rv, |scope, state| {
                read_value(scope, &args, state, $shape, $what, $value)
            });
        }
    };
}

reader!(get, Shape::Own, "storage.get", true);
reader!(has, Shape::Own, "storage.has", false);
reader!(map_get, Shape::OwnMap, "storage.mapGet", true);
reader!(map_has, Shape::OwnMap, "storage.mapHas", false);
reader!(global_get, Shape::Global, "storage.globalGet", true);
reader!(global_has, Shape::Global, "storage.globalHas", false);
reader!(
    global_map_get,
    Shape::GlobalMap,
    "storage.globalMapGet",
    true
);
reader!(
    global_map_has,
    Shape::GlobalMap,
    "storage.globalMapHas",
    false
);

/// A native that changes storage through `$change` (`write_value` or `delete_value`).
macro_rules! writer {
    ($name:ident, $change:ident, $shape:expr, $what:literal) => {
        fn $name(scope: &mut v8::PinScope, args: Args, mut rv: v8::ReturnValue<v8::Value>) {
            native(scope, &mut rv, |scope, state| {
                $change(scope, &args, state, $shape, $what).map(|()| None)
            });
        }
    };
}

writer!(put, write_value, Shape::Own, "storage.put");
writer!(map_put, write_value, Shape::OwnMap, "storage.mapPut");
writer!(del, delete_value, Shape::Own, "storage.del");
writer!(map_del, delete_value, Shape::OwnMap, "storage.mapDel");

/// A native that lists a map's fields: `$keys` gives them, otherwise their number.
macro_rules! lister {
    ($name:ident, $global:literal, $what:literal, $keys:literal) => {
        fn $name(scope: &mut v8::PinScope, args: Args, mut rv: v8::ReturnValue<v8::Value>) {
            native(scope, &mut rv, |scope, state| {
                list_fields(scope, &args, state, $global, $what, $keys)
            });
        }
    };
}

lister!(map_keys, false, "storage.mapKeys", true);
lister!(map_len, false, "storage.mapLen", false);
lister!(global_map_keys, true, "storage.globalMapKeys", true);
lister!(global_map_len, true, "storage.globalMapLen", false);

fn contract_name(scope: &mut v8::PinScope, _args: Args, mut rv: v8::ReturnValue<v8::Value>) {
    native(scope, &mut rv, |scope, state| {
        charge(state, cost::CALL)?;
        Ok(Some(js_string(scope, &state.contract)?))
    });
}

fn publisher(scope: &mut v8::PinScope, _args: Args, mut rv: v8::ReturnValue<v8::Value>) {
    native(scope, &mut rv, |scope, state| {
        charge(state, cost::CALL)?;
        Ok(Some(js_string(scope, &state.publisher)?))
    });
}

/// `blockchain.requireAuth(account, permission)`: isovm receives transactions already
/// verified by the producer and knows one signer, the publisher; so an account is
/// authorized exactly when it is the publisher. The permission must be a string and is
/// otherwise not checked.
fn require_auth(scope: &mut v8::PinScope, args: Args, mut rv: v8::ReturnValue<v8::Value>) {
    native(scope, &mut rv, |scope, state| {
        let account = string_arg(
            scope,
            &args,
            0,
            "blockchain.requireAuth",
            "account",
            MAX_KEY_BYTES,
        )?;
        string_arg(
            scope,
            &args,
            1,
            "blockchain.requireAuth",
            "permission",
            MAX_KEY_BYTES,
        )?;
        charge(state, cost::CALL)?;
        Ok(bool_value(scope, account == state.publisher))
    });
}

fn event(scope: &mut v8::PinScope, args: Args, mut rv: v8::ReturnValue<v8::Value>) {
    native(scope, &mut rv, |scope, state| {
        writable(state, "blockchain.event")?;
        let data = string_arg(scope, &args, 0, "blockchain.event", "data", MAX_VALUE_BYTES)?;
        charge(
            state,
            cost::CALL + cost::EVENT + data.len() as u64 * cost::PER_BYTE_WRITE,
        )?;
        let contract = state.contract.clone();
        let result = state.host().event(&contract, data);
        host_result(state, result).map(|()| None)
    });
}

fn log(scope: &mut v8::PinScope, args: Args, mut rv: v8::ReturnValue<v8::Value>) {
    native(scope, &mut rv, |scope, state| {
        let level = args.get(0).int32_value(scope).unwrap_or(2);
        let line = string_arg(scope, &args, 1, "console.log", "message", MAX_VALUE_BYTES)?;
        charge(state, cost::CALL + cost::LOG + line.len() as u64)?;
        let contract = state.contract.clone();
        state.host().log(&contract, level, &line);
        Ok(None)
    });
}
