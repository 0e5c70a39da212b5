//! Call inputs as JavaScript values, made directly rather than printed as JSON and parsed
//! again: the arguments (already checked against the ABI) and the `tx` object.
//!
//! The values are the ones `JSON.parse` of the same JSON text would give: objects get own
//! data properties in the order of the map (a key named `__proto__` is an own property, as
//! `JSON.parse` makes it, never the prototype), numbers the nearest double.

use serde_json::Value;

/// What the contract sees as `tx`.
#[derive(Debug, Clone, Copy)]
pub struct TxInfo<'a> {
    pub time_ms: u64,
    pub hash: &'a str,
    pub gas_limit: u64,
    pub publisher: &'a str,
}

/// `value` as a JavaScript value; `None` if V8 could not make it (a string too long).
pub(super) fn js<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    value: &Value,
) -> Option<v8::Local<'s, v8::Value>> {
    Some(match value {
        Value::Null => v8::null(scope).into(),
        Value::Bool(b) => v8::Boolean::new(scope, *b).into(),
        Value::Number(n) => v8::Number::new(scope, n.as_f64()?).into(),
        Value::String(s) => v8::String::new(scope, s)?.into(),
        Value::Array(items) => {
            let elements = items
                .iter()
                .map(|item| js(scope, item))
                .collect::<Option<Vec<_>>>()?;
            v8::Array::new_with_elements(scope, &elements).into()
        }
        Value::Object(map) => {
            let object = v8::Object::new(scope);
            for (key, item) in map {
                let key = v8::String::new(scope, key)?;
                let item = js(scope, item)?;
                object.create_data_property(scope, key.into(), item)?;
            }
            object.into()
        }
    })
}

/// The `tx` object: `{time, hash, gasLimit, publisher}`.
pub(super) fn tx_object<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    tx: &TxInfo<'_>,
) -> Option<v8::Local<'s, v8::Value>> {
    let object = v8::Object::new(scope);
    let fields: [(&str, v8::Local<v8::Value>); 4] = [
        ("time", v8::Number::new(scope, tx.time_ms as f64).into()),
        ("hash", v8::String::new(scope, tx.hash)?.into()),
        (
            "gasLimit",
            v8::Number::new(scope, tx.gas_limit as f64).into(),
        ),
        ("publisher", v8::String::new(scope, tx.publisher)?.into()),
    ];
    for (name, value) in fields {
        let key =
            v8::String::new_from_one_byte(scope, name.as_bytes(), v8::NewStringType::Internalized)?;
        object.create_data_property(scope, key.into(), value)?;
    }
    Some(object.into())
}
