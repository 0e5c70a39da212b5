//! Two block results of one block, compared field by field.
//!
//! Block level: the state root and the number of receipts. Then receipt by receipt, at each
//! position both have, every field of the receipt as its JSON form has it: the comparison
//! walks `serde_json::Value`s, not the `Receipt` struct, so a field added to receipts is
//! compared without a change here. Objects are compared key by key, in the order of the
//! JSON form's keys (alphabetical; a key one side lacks is `null` there), arrays of equal length element by element, and arrays of different
//! lengths and scalars as a whole: each difference is one [`Divergence`] at the deepest
//! path where the two still have the same shape (`events[0].data`, `returns`, `gas_used`).

use serde_json::Value;

use crate::schema::{BlockResult, Divergence, Receipt};

/// The fields of a block itself a divergence can name (it then has no `tx_index`).
pub const BLOCK_FIELDS: [&str; 2] = ["state_root", "receipt_count"];

/// Every difference between `ours` (computed here) and `theirs` (published) for the same
/// block, block-level fields first, then by transaction; empty when they agree. `replayed`
/// is copied into each: whether `theirs` was a republication.
pub fn compare(ours: &BlockResult, theirs: &BlockResult, replayed: bool) -> Vec<Divergence> {
    let divergence = |tx: Option<(usize, &str)>, field: String, o: Value, t: Value| Divergence {
        partition: ours.partition,
        height: ours.height,
        tx_index: tx.map(|(i, _)| u32::try_from(i).unwrap_or(u32::MAX)),
        tx_hash: tx.map(|(_, hash)| hash.to_string()),
        field,
        ours: o,
        theirs: t,
        replayed,
    };
    let mut out = Vec::new();
    if ours.state_root != theirs.state_root {
        out.push(divergence(
            None,
            BLOCK_FIELDS[0].into(),
            Value::from(ours.state_root.as_str()),
            Value::from(theirs.state_root.as_str()),
        ));
    }
    if ours.receipts.len() != theirs.receipts.len() {
        out.push(divergence(
            None,
            BLOCK_FIELDS[1].into(),
            Value::from(ours.receipts.len()),
            Value::from(theirs.receipts.len()),
        ));
    }
    for (index, (o, t)) in ours.receipts.iter().zip(&theirs.receipts).enumerate() {
        let mut fields = Vec::new();
        diff(&mut String::new(), &as_value(o), &as_value(t), &mut fields);
        for (field, o_value, t_value) in fields {
            out.push(divergence(
                Some((index, &o.tx_hash)),
                field,
                o_value,
                t_value,
            ));
        }
    }
    out
}

fn as_value(receipt: &Receipt) -> Value {
    // A receipt is plain data (strings, integers, lists): its JSON form always exists.
    serde_json::to_value(receipt).unwrap_or(Value::Null)
}

/// Pushes `(path, ours, theirs)` for each difference under `path`.
fn diff(path: &mut String, ours: &Value, theirs: &Value, out: &mut Vec<(String, Value, Value)>) {
    match (ours, theirs) {
        (Value::Object(o), Value::Object(t)) => {
            // Our keys (serde_json keeps them sorted), then the keys only they have.
            let keys = o.keys().chain(t.keys().filter(|k| !o.contains_key(*k)));
            for key in keys {
                let at = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                let (a, b) = (o.get(key), t.get(key));
                diff(
                    path,
                    a.unwrap_or(&Value::Null),
                    b.unwrap_or(&Value::Null),
                    out,
                );
                path.truncate(at);
            }
        }
        (Value::Array(o), Value::Array(t)) if o.len() == t.len() => {
            for (i, (a, b)) in o.iter().zip(t).enumerate() {
                let at = path.len();
                path.push_str(&format!("[{i}]"));
                diff(path, a, b, out);
                path.truncate(at);
            }
        }
        (a, b) if a == b => {}
        (a, b) => out.push((path.clone(), a.clone(), b.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{ContractReceipt, Event, Status};
    use serde_json::json;

    fn receipt(hash: &str, gas: u64) -> Receipt {
        Receipt {
            tx_hash: hash.into(),
            status: Status::Success,
            gas_used: gas,
            returns: vec!["true".into()],
            message: String::new(),
            events: vec![Event {
                contract: "token".into(),
                data: "{\"amount\":1}".into(),
            }],
            receipts: vec![ContractReceipt {
                func_name: "token/transfer".into(),
                content: "[]".into(),
            }],
        }
    }

    fn block() -> BlockResult {
        BlockResult {
            partition: 3,
            height: 7,
            state_root: "ab".repeat(32),
            receipts: vec![receipt("a", 10), receipt("b", 20), receipt("c", 30)],
        }
    }

    /// `(tx_index, field, ours, theirs)` of each divergence.
    fn found(ours: &BlockResult, theirs: &BlockResult) -> Vec<(Option<u32>, String, Value, Value)> {
        compare(ours, theirs, false)
            .into_iter()
            .map(|d| {
                assert_eq!((d.partition, d.height), (3, 7));
                (d.tx_index, d.field, d.ours, d.theirs)
            })
            .collect()
    }

    #[test]
    fn equal_results_agree() {
        assert!(compare(&block(), &block(), true).is_empty());
    }

    #[test]
    fn one_changed_field_is_one_divergence_naming_it() {
        let mut theirs = block();
        theirs.receipts[2].gas_used = 31;
        assert_eq!(
            found(&block(), &theirs),
            [(Some(2), "gas_used".into(), json!(30), json!(31))]
        );
        let d = &compare(&block(), &theirs, true)[0];
        assert_eq!((d.tx_hash.as_deref(), d.replayed), (Some("c"), true));

        let mut theirs = block();
        theirs.receipts[1].status = Status::RuntimeError;
        theirs.receipts[1].events[0].data = "{}".into();
        assert_eq!(
            found(&block(), &theirs),
            [
                (
                    Some(1),
                    "events[0].data".into(),
                    json!("{\"amount\":1}"),
                    json!("{}")
                ),
                (
                    Some(1),
                    "status".into(),
                    json!("success"),
                    json!("runtime_error")
                ),
            ]
        );
    }

    #[test]
    fn lists_of_other_lengths_differ_as_a_whole() {
        let mut theirs = block();
        theirs.receipts[0].returns.push("1".into());
        theirs.receipts[0].events.clear();
        assert_eq!(
            found(&block(), &theirs),
            [
                (
                    Some(0),
                    "events".into(),
                    json!([{"contract": "token", "data": "{\"amount\":1}"}]),
                    json!([])
                ),
                (
                    Some(0),
                    "returns".into(),
                    json!(["true"]),
                    json!(["true", "1"])
                ),
            ]
        );
    }

    #[test]
    fn block_fields_have_no_tx_index() {
        let mut theirs = block();
        theirs.state_root = "cd".repeat(32);
        theirs.receipts.pop();
        assert_eq!(
            found(&block(), &theirs),
            [
                (
                    None,
                    "state_root".into(),
                    json!("ab".repeat(32)),
                    json!("cd".repeat(32))
                ),
                (None, "receipt_count".into(), json!(3), json!(2)),
            ]
        );
        // What both have is still compared.
        theirs.receipts[1].message = "x".into();
        assert_eq!(found(&block(), &theirs).len(), 3);
    }

    /// Every field a receipt has is compared, whatever it is called: the test walks the
    /// receipt's JSON form, so a field added to `Receipt` is covered without editing it.
    #[test]
    fn every_field_of_a_receipt_is_compared() {
        let ours = block();
        let Value::Object(fields) = as_value(&ours.receipts[1]) else {
            panic!("a receipt is an object");
        };
        assert!(fields.len() >= 7, "{fields:?}");
        for (key, _) in fields {
            let mut changed = as_value(&ours.receipts[1]);
            changed[&key] = json!("something else");
            let mut out = Vec::new();
            diff(
                &mut String::new(),
                &as_value(&ours.receipts[1]),
                &changed,
                &mut out,
            );
            assert_eq!(out.len(), 1, "{key}: {out:?}");
            assert_eq!(out[0].0, key);
        }
    }
}
