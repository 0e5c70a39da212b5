//! `storage`: a contract's own values and maps, and read-only reads of other contracts'.

use super::{
    Args, CallState, Fail, MAX_KEY_BYTES, MAX_VALUE_BYTES, Outcome, bool_value, charge, cost,
    count, host_result, js_string, native, string_arg, string_units, writable,
};
use crate::engine::host::Slot;

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

    /// IOST's rule for the key and field a write names (`IsValidKey`), with its messages.
    fn check_written(&self) -> Outcome<()> {
        std::iter::once(&self.key)
            .chain(&self.field)
            .try_for_each(|name| written_key(name).map_err(Fail::Error))
    }
}

fn written_key(name: &str) -> Result<(), String> {
    let max = crate::consensus::PARAMS.limits.max_written_key_bytes;
    if name.is_empty() || name.len() > max {
        return Err(format!(
            "key or field length invalid. expected [1, {max}], actual {}",
            name.len()
        ));
    }
    match name
        .chars()
        .find(|&c| !(' '..='~').contains(&c) || c == '-' || c == '@')
    {
        Some(c) => Err(format!("key or field has invalid char, {}", c as u32)),
        None => Ok(()),
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
        if want_value {
            count(state, string_units(v.len()))?;
        }
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
    let builtins = &crate::consensus::PARAMS.builtins;
    let units = builtins.memory_object
        + fields.len() as u64 * builtins.memory_element
        + fields.iter().map(|f| string_units(f.len())).sum::<u64>();
    count(state, units)?;
    let mut items = Vec::with_capacity(fields.len());
    for field in &fields {
        items.push(js_string(scope, field)?);
    }
    Ok(Some(v8::Array::new_with_elements(scope, &items).into()))
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
    addr.check_written()?;
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
    addr.check_written()?;
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
        pub(super) fn $name(
            scope: &mut v8::PinScope,
            args: Args,
            mut rv: v8::ReturnValue<v8::Value>,
        ) {
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
        pub(super) fn $name(
            scope: &mut v8::PinScope,
            args: Args,
            mut rv: v8::ReturnValue<v8::Value>,
        ) {
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
        pub(super) fn $name(
            scope: &mut v8::PinScope,
            args: Args,
            mut rv: v8::ReturnValue<v8::Value>,
        ) {
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

#[cfg(test)]
mod tests {
    use super::written_key;

    #[test]
    fn written_keys_follow_iosts_rule() {
        for good in ["a", "key_1", "a b", "~!#$%^&*()", &"k".repeat(64)] {
            assert_eq!(written_key(good), Ok(()), "{good}");
        }
        let length = |n| format!("key or field length invalid. expected [1, 64], actual {n}");
        assert_eq!(written_key(""), Err(length(0)));
        assert_eq!(written_key(&"k".repeat(65)), Err(length(65)));
        let char = |c: u32| format!("key or field has invalid char, {c}");
        assert_eq!(written_key("a-b"), Err(char(45)));
        assert_eq!(written_key("a@b"), Err(char(64)));
        assert_eq!(written_key("a\nb"), Err(char(10)));
        assert_eq!(written_key("é"), Err(char(233)));
        assert_eq!(written_key("\u{7f}"), Err(char(127)));
    }
}
