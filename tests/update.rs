//! `system.updateCode(code, abi, id, data)`: the old contract's `can_update(data)` decides, the
//! new code is compiled as a deploy's, `init` is not run again, storage and owner are kept,
//! and every later call (same batch, next batch, nested) runs the new code.

mod common;

use common::{Chain, abi, call, tx};
use isovm::consensus::PARAMS;
use isovm::schema::{Action, Receipt, Status};
use serde_json::{Value, json};

/// Version 1: counts its `init` runs, keeps values, and lets `can_update` answer whatever its
/// data asks for (`"yes"` → true, `"text"` → "true", `"no"` → "false", `"one"` → 1,
/// `"throw"` throws).
const V1: &str = r#"
class Versioned {
  init() { storage.put("inits", String(Number(storage.get("inits") || 0) + 1)); }
  set(k, v) { storage.put(k, v); }
  get(k) { return storage.get(k); }
  version() { return 1; }
  can_update(data) {
    if (data === "yes") return true;
    if (data === "text") return "true";
    if (data === "no") return false;
    if (data === "one") return 1;
    if (data === "throw") throw new Error("not now: " + data);
    return undefined;
  }
}
module.exports = Versioned;
"#;

fn v1_abi() -> String {
    abi(&[
        ("set", &["string", "string"]),
        ("get", &["string"]),
        ("version", &[]),
        ("can_update", &["string"]),
    ])
}

/// Version 2: a different `version`, new methods, and a `can_update` that always agrees.
const V2: &str = r#"
class Versioned {
  init() { storage.put("inits", "rerun"); }
  get(k) { return storage.get(k); }
  version() { return 2; }
  inits() { return storage.get("inits"); }
  owner() { return blockchain.contractOwner(); }
  can_update(data) { return true; }
}
module.exports = Versioned;
"#;

fn v2_abi() -> String {
    abi(&[
        ("get", &["string"]),
        ("version", &[]),
        ("inits", &[]),
        ("owner", &[]),
        ("can_update", &["string"]),
    ])
}

/// Calls `versioned.version()` through `blockchain.call`.
const CALLER: &str = r#"
class Caller {
  init() {}
  version() { return blockchain.call("versioned", "version", [])[0]; }
}
module.exports = Caller;
"#;

fn update(code: &str, abi_json: &str, id: &str, data: &str) -> Action {
    call("system", "updateCode", json!([code, abi_json, id, data]))
}

async fn chain_with_v1() -> Chain {
    let mut chain = Chain::new();
    chain.deploy(V1, &v1_abi(), "versioned").await;
    let set = chain
        .run(
            "alice",
            vec![call("versioned", "set", json!(["a", "kept"]))],
        )
        .await;
    assert_eq!(set.status, Status::Success, "{}", set.message);
    chain
}

async fn returns(chain: &mut Chain, method: &str) -> String {
    let receipt = chain
        .run("alice", vec![call("versioned", method, json!([]))])
        .await;
    assert_eq!(receipt.status, Status::Success, "{}", receipt.message);
    receipt.returns[0].clone()
}

fn assert_fails(receipt: &Receipt, status: Status, text: &str) {
    assert_eq!(receipt.status, status, "{}", receipt.message);
    assert!(
        receipt.message.contains(text),
        "{:?} should contain {text:?}",
        receipt.message
    );
}

#[tokio::test]
async fn an_update_replaces_the_code_and_keeps_storage_and_owner() {
    let mut chain = chain_with_v1().await;
    let receipt = chain
        .run("alice", vec![update(V2, &v2_abi(), "versioned", "yes")])
        .await;
    assert_eq!(receipt.status, Status::Success, "{}", receipt.message);
    assert_eq!(receipt.returns, vec!["null".to_string()]);
    // The deploy's charge, the action's, and can_update's own run.
    let args_bytes = json!([V2, v2_abi(), "versioned", "yes"]).to_string().len() as u64;
    let fixed = PARAMS.tx.action + args_bytes + PARAMS.tx.deploy;
    assert!(
        receipt.gas_used > fixed + V2.len() as u64 * PARAMS.tx.deploy_per_byte,
        "{}",
        receipt.gas_used
    );
    assert_eq!(returns(&mut chain, "version").await, "2");
    let get = chain
        .run("alice", vec![call("versioned", "get", json!(["a"]))])
        .await;
    assert_eq!(get.returns, vec![r#""kept""#.to_string()]);
    // init ran once, at deploy.
    assert_eq!(returns(&mut chain, "inits").await, r#""1""#);
    assert_eq!(returns(&mut chain, "owner").await, r#""alice""#);
    // The old ABI is gone with the old code.
    let set = chain
        .run("alice", vec![call("versioned", "set", json!(["b", "x"]))])
        .await;
    assert_fails(&set, Status::InvalidInput, "has no method `set`");
}

#[tokio::test]
async fn can_update_returning_the_text_true_agrees_as_in_iost() {
    let mut chain = chain_with_v1().await;
    let receipt = chain
        .run("alice", vec![update(V2, &v2_abi(), "versioned", "text")])
        .await;
    assert_eq!(receipt.status, Status::Success, "{}", receipt.message);
    assert_eq!(returns(&mut chain, "version").await, "2");
}

#[tokio::test]
async fn refused_updates_change_nothing() {
    let mut chain = chain_with_v1().await;
    let no_can_update = r#"
class Fixed {
  init() {}
  version() { return 1; }
}
module.exports = Fixed;
"#;
    chain
        .deploy(no_can_update, &abi(&[("version", &[])]), "fixed")
        .await;
    let cases: Vec<(&str, Action, Status, &str)> = vec![
        (
            "can_update returns false",
            update(V2, &v2_abi(), "versioned", "no"),
            Status::RuntimeError,
            "update refused: `versioned`.can_update returned false",
        ),
        (
            "can_update returns 1",
            update(V2, &v2_abi(), "versioned", "one"),
            Status::RuntimeError,
            "update refused",
        ),
        (
            "can_update returns undefined",
            update(V2, &v2_abi(), "versioned", "maybe"),
            Status::RuntimeError,
            "update refused",
        ),
        (
            "can_update throws",
            update(V2, &v2_abi(), "versioned", "throw"),
            Status::RuntimeError,
            "call can_update: Error: not now: throw",
        ),
        (
            "no can_update in the ABI",
            update(V2, &v2_abi(), "fixed", "yes"),
            Status::InvalidInput,
            "update refused: `fixed` has no `can_update` in its ABI",
        ),
        (
            "unknown id",
            update(V2, &v2_abi(), "nope", "yes"),
            Status::InvalidInput,
            "contract not exists: `nope`",
        ),
        (
            "syntax error",
            update("class Versioned { init() {", &v2_abi(), "versioned", "yes"),
            Status::InvalidContract,
            "contract code",
        ),
        (
            "IOST's validation: a constructor",
            update(
                &V2.replace("init() {", "constructor() {} init() {"),
                &v2_abi(),
                "versioned",
                "yes",
            ),
            Status::InvalidContract,
            "shouldn't contain constructor",
        ),
        (
            "IOST's validation: an ABI method missing from the source",
            update(
                V2,
                &abi(&[("version", &[]), ("gone", &[])]),
                "versioned",
                "yes",
            ),
            Status::InvalidContract,
            "abi not defined in source code: gone",
        ),
        (
            "a regular expression the linear-time engine refuses",
            update(
                &V2.replace("return 2;", r"return /(a)\1/.test('aa');"),
                &v2_abi(),
                "versioned",
                "yes",
            ),
            Status::InvalidContract,
            "cannot run in linear time",
        ),
        (
            "wrong arguments",
            call("system", "updateCode", json!([V2, v2_abi(), "versioned"])),
            Status::InvalidInput,
            "takes (code, abi, id, data), got 3",
        ),
    ];
    for (name, action, status, text) in cases {
        let receipt = chain.run("alice", vec![action]).await;
        assert_eq!(receipt.status, status, "{name}: {}", receipt.message);
        assert!(
            receipt.message.contains(text),
            "{name}: {:?} should contain {text:?}",
            receipt.message
        );
        assert!(receipt.gas_used > 0, "{name}");
        assert_eq!(returns(&mut chain, "version").await, "1", "{name}");
    }
    let get = chain
        .run("alice", vec![call("versioned", "get", json!(["a"]))])
        .await;
    assert_eq!(get.returns, vec![r#""kept""#.to_string()]);
}

#[tokio::test]
async fn only_the_owner_may_update() {
    let mut chain = chain_with_v1().await;
    let receipt = chain
        .run("bob", vec![update(V2, &v2_abi(), "versioned", "yes")])
        .await;
    assert_fails(
        &receipt,
        Status::InvalidInput,
        "only the owner of `versioned` (alice) may update it, not bob",
    );
    assert_eq!(returns(&mut chain, "version").await, "1");
    // Transaction validation says the same, before anything runs.
    let checked = chain
        .executor
        .validate(
            0,
            tx("bob", vec![update(V2, &v2_abi(), "versioned", "yes")]),
        )
        .await
        .unwrap();
    assert!(
        checked
            .as_ref()
            .is_err_and(|e| e.contains("only the owner")),
        "{checked:?}"
    );
    let checked = chain
        .executor
        .validate(0, tx("alice", vec![update(V2, &v2_abi(), "nope", "")]))
        .await
        .unwrap();
    assert!(
        checked
            .as_ref()
            .is_err_and(|e| e.contains("contract not exists")),
        "{checked:?}"
    );
    let checked = chain
        .executor
        .validate(
            0,
            tx("alice", vec![update(V2, &v2_abi(), "versioned", "yes")]),
        )
        .await
        .unwrap();
    assert_eq!(checked, Ok(()));
}

#[tokio::test]
async fn out_of_gas_before_the_update_runs() {
    let mut chain = chain_with_v1().await;
    let mut t = tx("alice", vec![update(V2, &v2_abi(), "versioned", "yes")]);
    t.gas_limit = PARAMS.tx.deploy;
    let receipt = chain.block(vec![t]).await.receipts.remove(0);
    assert_eq!(receipt.status, Status::OutOfGas, "{}", receipt.message);
    assert_eq!(returns(&mut chain, "version").await, "1");
}

/// One batch: calls of the old code (directly and nested, so the batch's contract cache holds
/// it), the update, then calls that must see the new code; and an update followed, in the same
/// transaction, by a call.
fn same_batch_txs() -> Vec<isovm::schema::Tx> {
    vec![
        tx("alice", vec![call("versioned", "version", json!([]))]),
        tx("alice", vec![call("caller", "version", json!([]))]),
        tx("alice", vec![update(V2, &v2_abi(), "versioned", "yes")]),
        tx("alice", vec![call("versioned", "version", json!([]))]),
        tx("alice", vec![call("caller", "version", json!([]))]),
    ]
}

async fn chain_for_batches(workers: usize) -> Chain {
    let mut options = common::options();
    options.pool.min_workers = workers;
    options.pool.max_workers = workers;
    let mut chain = Chain::with_options(options);
    chain.deploy(V1, &v1_abi(), "versioned").await;
    chain
        .deploy(CALLER, &abi(&[("version", &[])]), "caller")
        .await;
    chain
}

fn returned(receipt: &Receipt) -> &str {
    assert_eq!(receipt.status, Status::Success, "{}", receipt.message);
    &receipt.returns[0]
}

#[tokio::test]
async fn calls_after_an_update_run_the_new_code_in_the_same_batch_and_the_next() {
    let mut chain = chain_for_batches(1).await;
    let result = chain.block(same_batch_txs()).await;
    let got: Vec<&str> = result.receipts.iter().map(returned).collect();
    assert_eq!(got, ["1", r#""1""#, "null", "2", r#""2""#]);
    assert_eq!(returns(&mut chain, "version").await, "2");
    let nested = chain
        .run("alice", vec![call("caller", "version", json!([]))])
        .await;
    assert_eq!(returned(&nested), r#""2""#);

    // Within one transaction: the action after the update runs the new code.
    let back = V1.replace("version() { return 1; }", "version() { return 3; }");
    let receipt = chain
        .run(
            "alice",
            vec![
                call("versioned", "version", json!([])),
                update(&back, &v1_abi(), "versioned", "yes"),
                call("versioned", "version", json!([])),
                call("caller", "version", json!([])),
            ],
        )
        .await;
    assert_eq!(receipt.status, Status::Success, "{}", receipt.message);
    assert_eq!(receipt.returns, ["2", "null", "3", r#""3""#]);
    // A failed update in a batch leaves the cached old code right for the txs after it.
    let result = chain
        .block(vec![
            tx("alice", vec![call("versioned", "version", json!([]))]),
            tx("alice", vec![update(V2, &v2_abi(), "versioned", "no")]),
            tx("alice", vec![call("versioned", "version", json!([]))]),
        ])
        .await;
    assert_eq!(returned(&result.receipts[0]), "3");
    assert_eq!(result.receipts[1].status, Status::RuntimeError);
    assert_eq!(returned(&result.receipts[2]), "3");
}

#[tokio::test]
async fn updates_are_identical_on_one_and_four_workers() {
    let mut results: Vec<Vec<Value>> = Vec::new();
    for workers in [1, 4] {
        let mut chain = chain_for_batches(workers).await;
        let mut outputs = Vec::new();
        let batches = [
            same_batch_txs(),
            vec![
                tx("bob", vec![update(V1, &v1_abi(), "versioned", "yes")]),
                tx("alice", vec![update(V1, &v1_abi(), "versioned", "yes")]),
                tx("alice", vec![call("versioned", "set", json!(["z", "1"]))]),
            ],
            vec![tx("alice", vec![call("caller", "version", json!([]))])],
        ];
        for txs in batches {
            let mut batch = chain.batch(txs);
            for (i, t) in batch.txs.iter_mut().enumerate() {
                t.hash = format!("tx{}x{i}", chain.height);
            }
            let executed = chain.executor.execute(batch).await.unwrap();
            outputs.push(serde_json::to_value(&executed.result).unwrap());
        }
        results.push(outputs);
    }
    assert_eq!(results[0], results[1]);
    let last = &results[0][2]["receipts"][0]["returns"][0];
    assert_eq!(last, r#""1""#);
}

#[tokio::test]
async fn updates_are_refused_in_queries() {
    let chain = chain_with_v1().await;
    let reply = chain
        .query(
            "system",
            "updateCode",
            json!([V2, v2_abi(), "versioned", "yes"]),
        )
        .await;
    let text = serde_json::to_string(&reply).unwrap();
    assert!(text.contains("not allowed in a read-only query"), "{text}");
}
