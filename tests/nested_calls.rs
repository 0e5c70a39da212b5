//! Nested calls (`blockchain.call`, `callWithAuth`) as IOST makes them: the callee's own
//! storage and module instance, IOST's results and errors, stack height and re-entry, a
//! failing callee failing the whole transaction with every write undone, authority lent by
//! `callWithAuth`, receipts and events of both, and promise jobs kept to their own contract.
//! Runs on the real engine and RocksDB; CI reruns it with `--verify-isolation`.

mod common;

use common::{Chain, abi, call, tx};
use isovm::schema::{Receipt, Status};
use serde_json::json;

const BANK: &str = r#"
class Bank {
  init() {}
  set(k, v) { storage.put(k, v); return "ok"; }
  get(k) { return storage.get(k); }
  obj() { return {a: 1, b: [true]}; }
  num() { return 5; }
  nothing() {}
  boom() { storage.put("x", "1"); blockchain.event("never"); throw new Error("boom"); }
  who() { return blockchain.contextInfo(); }
  name() { return blockchain.contractName(); }
  auth(account) { return blockchain.requireAuth(account, "active"); }
  ev() { blockchain.event("from bank"); blockchain.receipt("r-bank"); }
  self() { return blockchain.call("bank", "self", []); }
  back(c) { return blockchain.call(c, "ping", []); }
  async later() { await null; storage.put("later", "1"); return "done"; }
  sneaky() { Promise.resolve().then(() => storage.put("sneaky", "1")); return "ok"; }
  rejects() { return Promise.reject(new TypeError("no")); }
  hangs() { return new Promise(() => {}); }
}
module.exports = Bank;
"#;

const BANK_ABI: &[(&str, &[&str])] = &[
    ("set", &["string", "string"]),
    ("get", &["string"]),
    ("obj", &[]),
    ("num", &[]),
    ("nothing", &[]),
    ("boom", &[]),
    ("who", &[]),
    ("name", &[]),
    ("auth", &["string"]),
    ("ev", &[]),
    ("self", &[]),
    ("back", &["string"]),
    ("later", &[]),
    ("sneaky", &[]),
    ("rejects", &[]),
    ("hangs", &[]),
];

const APP: &str = r#"
class App {
  init() {}
  get(k) { return storage.get(k); }
  ping() { return "pong"; }
  callSet(k, v) { storage.put(k, "app-" + v); return blockchain.call("bank", "set", [k, v]); }
  callText(k, v) { return blockchain.call("bank", "set", JSON.stringify([k, v])); }
  callGet(k) { return blockchain.call("bank", "get", [k]); }
  callObj() { return blockchain.call("bank", "obj", []); }
  callNum() { return blockchain.call("bank", "num", "[]"); }
  callNothing() { return blockchain.call("bank", "nothing", []); }
  callBoomCaught() {
    storage.put("before", "1");
    try { blockchain.call("bank", "boom", []); } catch (e) { storage.put("caught", "yes"); return "caught"; }
  }
  refused(c, api, args) {
    try { blockchain.call(c, api, args); return "called"; } catch (e) { return e.message; }
  }
  who() { return [blockchain.call("bank", "who", [])[0], blockchain.contextInfo()]; }
  names() { return [blockchain.call("bank", "name", [])[0], blockchain.contractName()]; }
  authWithout() { return blockchain.call("bank", "auth", ["app"]); }
  authWith() { return blockchain.callWithAuth("bank", "auth", ["app"]); }
  authAfter() {
    const first = blockchain.callWithAuth("bank", "auth", ["app"])[0];
    return [first, blockchain.call("bank", "auth", ["app"])[0], blockchain.requireAuth("app", "active")];
  }
  authPublisher() { return blockchain.call("bank", "auth", [blockchain.publisher()]); }
  ev() { blockchain.receipt("r-app"); blockchain.call("bank", "ev", []); blockchain.event("from app"); }
  callSelf() { return blockchain.call("bank", "self", []); }
  loop() { return blockchain.call("bank", "back", ["app"]); }
  callLater() { return blockchain.call("bank", "later", []); }
  callSneaky() { return blockchain.call("bank", "sneaky", []); }
  callRejects() { return blockchain.call("bank", "rejects", []); }
  callHangs() { return blockchain.call("bank", "hangs", []); }
  pending() {
    Promise.resolve().then(() => storage.put("p", "app"));
    return blockchain.call("bank", "get", ["p"]);
  }
  async fromJob() { await null; return blockchain.call("bank", "get", ["a"]); }
}
module.exports = App;
"#;

const APP_ABI: &[(&str, &[&str])] = &[
    ("get", &["string"]),
    ("ping", &[]),
    ("callSet", &["string", "string"]),
    ("callText", &["string", "string"]),
    ("callGet", &["string"]),
    ("callObj", &[]),
    ("callNum", &[]),
    ("callNothing", &[]),
    ("callBoomCaught", &[]),
    ("refused", &["string", "string", "json"]),
    ("who", &[]),
    ("names", &[]),
    ("authWithout", &[]),
    ("authWith", &[]),
    ("authAfter", &[]),
    ("authPublisher", &[]),
    ("ev", &[]),
    ("callSelf", &[]),
    ("loop", &[]),
    ("callLater", &[]),
    ("callSneaky", &[]),
    ("callRejects", &[]),
    ("callHangs", &[]),
    ("pending", &[]),
    ("fromJob", &[]),
];

async fn chain() -> Chain {
    let mut chain = Chain::new();
    chain.deploy(BANK, &abi(BANK_ABI), "bank").await;
    chain.deploy(APP, &abi(APP_ABI), "app").await;
    chain
}

async fn run(chain: &mut Chain, contract: &str, method: &str, args: serde_json::Value) -> Receipt {
    chain.run("alice", vec![call(contract, method, args)]).await
}

/// The call's one return value (JSON text), asserting it succeeded.
async fn returns(
    chain: &mut Chain,
    contract: &str,
    method: &str,
    args: serde_json::Value,
) -> String {
    let receipt = run(chain, contract, method, args).await;
    assert_eq!(
        receipt.status,
        Status::Success,
        "{contract}.{method}: {}",
        receipt.message
    );
    receipt.returns[0].clone()
}

#[tokio::test]
async fn a_callee_runs_in_its_own_storage_and_returns_as_iost_does() {
    let mut chain = chain().await;
    assert_eq!(
        returns(&mut chain, "app", "callSet", json!(["k", "v"])).await,
        r#"["ok"]"#
    );
    assert_eq!(
        returns(&mut chain, "bank", "get", json!(["k"])).await,
        r#""v""#
    );
    assert_eq!(
        returns(&mut chain, "app", "get", json!(["k"])).await,
        r#""app-v""#
    );
    assert_eq!(
        returns(&mut chain, "app", "callText", json!(["k2", "w"])).await,
        r#"["ok"]"#
    );
    assert_eq!(
        returns(&mut chain, "app", "callGet", json!(["k2"])).await,
        r#"["w"]"#
    );
    // IOST's sandbox writes a result as text: objects as JSON, numbers as their text,
    // undefined and null as "" and "null".
    assert_eq!(
        returns(&mut chain, "app", "callObj", json!([])).await,
        r#"["{\"a\":1,\"b\":[true]}"]"#
    );
    assert_eq!(
        returns(&mut chain, "app", "callNum", json!([])).await,
        r#"["5"]"#
    );
    assert_eq!(
        returns(&mut chain, "app", "callNothing", json!([])).await,
        r#"[""]"#
    );
    assert_eq!(
        returns(&mut chain, "app", "callGet", json!(["none"])).await,
        r#"["null"]"#
    );
    // The callee sees itself, and its caller as a contract.
    let who: Vec<String> =
        serde_json::from_str(&returns(&mut chain, "app", "who", json!([])).await).unwrap();
    assert_eq!(
        who[0],
        r#"{"abi_name":"who","caller":{"is_account":false,"name":"app"},"contract_name":"bank","publisher":"alice"}"#
    );
    assert_eq!(
        who[1],
        r#"{"abi_name":"who","caller":{"is_account":true,"name":"alice"},"contract_name":"app","publisher":"alice"}"#
    );
    assert_eq!(
        returns(&mut chain, "app", "names", json!([])).await,
        r#"["bank","app"]"#
    );
}

#[tokio::test]
async fn a_failing_callee_fails_the_whole_transaction_even_if_its_caller_catches() {
    let mut chain = chain().await;
    let receipt = run(&mut chain, "app", "callBoomCaught", json!([])).await;
    assert_eq!(receipt.status, Status::RuntimeError);
    assert!(
        receipt.message.starts_with("Error: boom"),
        "{}",
        receipt.message
    );
    // The stack names the callee's line in its own source, then the caller's.
    assert!(
        receipt.message.contains("at boom (bank:9:"),
        "{}",
        receipt.message
    );
    assert!(receipt.message.contains("(app:"), "{}", receipt.message);
    assert!(receipt.events.is_empty() && receipt.returns.is_empty());
    assert!(receipt.gas_used > 0);
    for (contract, key) in [("bank", "x"), ("app", "before"), ("app", "caught")] {
        assert_eq!(
            returns(&mut chain, contract, "get", json!([key])).await,
            "null"
        );
    }
    for (method, message) in [
        ("callRejects", "TypeError: no"),
        (
            "callHangs",
            "the method returned a promise that never settled",
        ),
    ] {
        let receipt = run(&mut chain, "app", method, json!([])).await;
        assert_eq!(receipt.status, Status::RuntimeError, "{method}");
        assert!(
            receipt.message.contains(message),
            "{method}: {}",
            receipt.message
        );
    }
}

#[tokio::test]
async fn what_cannot_be_called_is_a_catchable_error_in_iost_words() {
    let mut chain = chain().await;
    let cases = [
        (
            json!(["nobody", "f", []]),
            "prepare contract: contract nobody not found",
        ),
        (
            json!(["bank", "nope", []]),
            "prepare contract: abi nope not found",
        ),
        (
            json!(["bank", "init", []]),
            "prepare contract: cannot call 'init' manually",
        ),
        (
            json!(["bank", "set", [1, "v"]]),
            "prepare contract: argument 1 of `set` must be a string",
        ),
        (
            json!(["bank", "set", ["k"]]),
            "prepare contract: method `set` takes 2 arguments, got 1",
        ),
        (
            json!(["system", "deploy", []]),
            "the system contract `system` cannot be called",
        ),
    ];
    for (args, expected) in cases {
        let got = returns(&mut chain, "app", "refused", args.clone()).await;
        let got: String = serde_json::from_str(&got).unwrap();
        assert!(got.contains(expected), "{args}: {got}");
    }
}

#[tokio::test]
async fn stack_height_and_re_entry_are_refused_as_iost_refuses_them() {
    // IOST's test/integration nest0/nest1: sh0 → sh1 → … calls back and forth until the
    // sixth level is refused.
    let nest0 = r#"
class Contract {
    init() {}
    sh0(c) { blockchain.call(c, "sh1", JSON.stringify([blockchain.contractName()])); }
    sh2(c) { blockchain.call(c, "sh3", JSON.stringify([blockchain.contractName()])); }
    sh4(c) { blockchain.call(c, "sh5", JSON.stringify([blockchain.contractName()])); }
}
module.exports = Contract;
"#;
    let nest1 = r#"
class Contract {
    init() {}
    sh1(c) { blockchain.call(c, "sh2", JSON.stringify([blockchain.contractName()])); }
    sh3(c) { blockchain.call(c, "sh4", JSON.stringify([blockchain.contractName()])); }
    sh5(c) { return "deepest"; }
}
module.exports = Contract;
"#;
    let mut chain = chain().await;
    let m0: &[(&str, &[&str])] = &[
        ("sh0", &["string"]),
        ("sh2", &["string"]),
        ("sh4", &["string"]),
    ];
    let m1: &[(&str, &[&str])] = &[
        ("sh1", &["string"]),
        ("sh3", &["string"]),
        ("sh5", &["string"]),
    ];
    chain.deploy(nest0, &abi(m0), "nest0").await;
    chain.deploy(nest1, &abi(m1), "nest1").await;
    let receipt = run(&mut chain, "nest0", "sh0", json!(["nest1"])).await;
    assert_eq!(receipt.status, Status::RuntimeError);
    assert!(
        receipt.message.contains("stack height exceed. actual 6"),
        "{}",
        receipt.message
    );
    // Four nested calls are allowed: start one level lower.
    let receipt = run(&mut chain, "nest1", "sh1", json!(["nest0"])).await;
    assert_eq!(receipt.status, Status::Success, "{}", receipt.message);

    // bank.self calls bank.self: re-entry. The action itself is not on IOST's stack, so
    // app.loop → bank.back → app.ping is allowed.
    let receipt = run(&mut chain, "app", "callSelf", json!([])).await;
    assert_eq!(receipt.status, Status::RuntimeError);
    assert!(
        receipt.message.contains("re-entering"),
        "{}",
        receipt.message
    );
    assert_eq!(
        returns(&mut chain, "app", "loop", json!([])).await,
        r#"["[\"pong\"]"]"#
    );
}

#[tokio::test]
async fn call_with_auth_lends_the_callers_authority_for_that_call_only() {
    let mut chain = chain().await;
    assert_eq!(
        returns(&mut chain, "app", "authWithout", json!([])).await,
        r#"["false"]"#
    );
    assert_eq!(
        returns(&mut chain, "app", "authWith", json!([])).await,
        r#"["true"]"#
    );
    assert_eq!(
        returns(&mut chain, "app", "authAfter", json!([])).await,
        r#"["true","false",false]"#
    );
    // The publisher's signature holds through the call chain, as in IOST.
    assert_eq!(
        returns(&mut chain, "app", "authPublisher", json!([])).await,
        r#"["true"]"#
    );
}

#[tokio::test]
async fn receipts_and_events_of_caller_and_callee_are_kept_in_order() {
    let mut chain = chain().await;
    let receipt = run(&mut chain, "app", "ev", json!([])).await;
    assert_eq!(receipt.status, Status::Success, "{}", receipt.message);
    let receipts: Vec<(&str, &str)> = receipt
        .receipts
        .iter()
        .map(|r| (r.func_name.as_str(), r.content.as_str()))
        .collect();
    assert_eq!(receipts, [("app/ev", "r-app"), ("bank/ev", "r-bank")]);
    let events: Vec<(&str, &str)> = receipt
        .events
        .iter()
        .map(|e| (e.contract.as_str(), e.data.as_str()))
        .collect();
    assert_eq!(events, [("bank", "from bank"), ("app", "from app")]);
    // A nested call costs more than the same method called directly, by at least the
    // consensus table's price of a nested call.
    let direct = run(&mut chain, "bank", "get", json!(["k"])).await.gas_used;
    let nested = run(&mut chain, "app", "callGet", json!(["k"]))
        .await
        .gas_used;
    assert!(
        nested > direct + isovm::consensus::PARAMS.host.nested_call,
        "direct {direct}, nested {nested}"
    );
}

#[tokio::test]
async fn promise_jobs_run_under_the_contract_that_made_them() {
    let mut chain = chain().await;
    // The callee's async method settles before the call returns, writing its own storage.
    assert_eq!(
        returns(&mut chain, "app", "callLater", json!([])).await,
        r#"["done"]"#
    );
    assert_eq!(
        returns(&mut chain, "bank", "get", json!(["later"])).await,
        r#""1""#
    );
    assert_eq!(
        returns(&mut chain, "app", "get", json!(["later"])).await,
        "null"
    );
    // A job the callee leaves behind runs before the caller resumes, as the callee.
    assert_eq!(
        returns(&mut chain, "app", "callSneaky", json!([])).await,
        r#"["ok"]"#
    );
    assert_eq!(
        returns(&mut chain, "bank", "get", json!(["sneaky"])).await,
        r#""1""#
    );
    assert_eq!(
        returns(&mut chain, "app", "get", json!(["sneaky"])).await,
        "null"
    );
    // The caller's pending job runs before the callee starts, as the caller.
    assert_eq!(
        returns(&mut chain, "app", "pending", json!([])).await,
        r#"["null"]"#
    );
    assert_eq!(
        returns(&mut chain, "app", "get", json!(["p"])).await,
        r#""app""#
    );
    assert_eq!(
        returns(&mut chain, "bank", "get", json!(["p"])).await,
        "null"
    );
    // A job's frame may be gone when it runs: no nested call from one.
    let receipt = run(&mut chain, "app", "fromJob", json!([])).await;
    assert_eq!(receipt.status, Status::RuntimeError);
    assert!(
        receipt.message.contains("promise job"),
        "{}",
        receipt.message
    );
}

#[tokio::test]
async fn nested_calls_are_identical_on_one_and_four_workers_and_in_queries() {
    let batch = |chain: &mut Chain| {
        let txs = vec![
            tx("alice", vec![call("app", "callSet", json!(["k", "v"]))]),
            tx("alice", vec![call("app", "callBoomCaught", json!([]))]),
            tx("alice", vec![call("app", "ev", json!([]))]),
            tx("alice", vec![call("app", "callSneaky", json!([]))]),
            tx("bob", vec![call("app", "authAfter", json!([]))]),
        ];
        chain.batch(txs)
    };
    let mut results = Vec::new();
    for workers in [1, 4] {
        let mut options = common::options();
        options.pool.min_workers = workers;
        options.pool.max_workers = workers;
        let mut chain = Chain::with_options(options);
        chain.deploy(BANK, &abi(BANK_ABI), "bank").await;
        chain.deploy(APP, &abi(APP_ABI), "app").await;
        let mut hashes = Vec::new();
        for _ in 0..3 {
            let mut b = batch(&mut chain);
            for (i, t) in b.txs.iter_mut().enumerate() {
                t.hash = format!("tx{}x{i}", chain.height);
            }
            let executed = chain.executor.execute(b).await.unwrap();
            hashes.push(serde_json::to_string(&executed.result).unwrap());
        }
        let reply = chain.query("app", "callGet", json!(["k"])).await;
        hashes.push(serde_json::to_string(&reply).unwrap());
        results.push(hashes);
    }
    assert_eq!(results[0], results[1]);
    assert!(results[0][3].contains(r#"[\"v\"]"#), "{}", results[0][3]);
}
