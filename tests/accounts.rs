//! Accounts (`auth.iost`) and `requireAuth` judged by what a transaction's signatures prove:
//! signUp and IOST's naming rules, a publisher that signs itself up, wrong keys, declared
//! signers, owner against active, custom permissions and their fall back to active,
//! `account@permission` items, weights and thresholds, groups, loops, the token's transfer
//! needing the sender, reading accounts from a contract and by query, no fee for an
//! unproven transaction; the same receipts and roots on 1 and 4 workers. Proofs are made
//! here as the signature check makes them (which keys verified); real engine and RocksDB
//! through the executor. CI reruns it with `--verify-isolation`.

mod common;
#[path = "accounts/workload.rs"]
mod workload;

use common::{Chain, options};
use isovm::schema::{BlockResult, Status};
use serde_json::{Value, json};
use workload::{Fails, Passes, Step, key, workload};

/// Runs every step in its own block, checking what each must give; the results in order.
async fn run(chain: &mut Chain, steps: &[Step]) -> Vec<BlockResult> {
    let mut results = Vec::new();
    for s in steps {
        let batch = chain.batch(vec![s.tx.clone()]);
        let result = chain
            .executor
            .execute_proven(batch, vec![s.proof.clone()])
            .await
            .unwrap()
            .result;
        let receipt = &result.receipts[0];
        match &s.expect {
            Passes(first) => {
                assert_eq!(
                    receipt.status,
                    Status::Success,
                    "{}: {}",
                    s.what,
                    receipt.message
                );
                if let Some(first) = first {
                    assert_eq!(receipt.returns[0], *first, "{}", s.what);
                }
            }
            Fails(status, message) => {
                assert_eq!(receipt.status, *status, "{}: {}", s.what, receipt.message);
                assert!(
                    receipt.message.contains(message),
                    "{}: {}",
                    s.what,
                    receipt.message
                );
                assert!(
                    receipt.returns.is_empty() && receipt.receipts.is_empty(),
                    "{}",
                    s.what
                );
                if *status == Status::InvalidSignature {
                    assert_eq!(receipt.gas_used, 0, "{}", s.what);
                }
            }
        }
        results.push(result);
    }
    results
}

#[tokio::test]
async fn accounts_and_permissions_judge_requireauth_as_iost() {
    let steps = workload();
    let mut chain = Chain::new();
    let results = run(&mut chain, &steps).await;
    let at = |what: &str| steps.iter().position(|s| s.what == what).unwrap();

    // signUp's receipt, IOST's: the arguments.
    let signup = &results[at("alice signs herself up")].receipts[0];
    assert_eq!(signup.receipts[0].func_name, "auth.iost/signUp");
    assert_eq!(
        signup.receipts[0].content,
        json!(["alice", key("a_own"), key("a_act")]).to_string()
    );
    // A contract's sign up is referred by the contract.
    let dennis = &results[at("the referrer of a contract's sign up")].receipts[0].returns[0];
    let dennis: Value =
        serde_json::from_str(&serde_json::from_str::<String>(dennis).unwrap()).unwrap();
    assert_eq!(dennis["referrer"], "guard");
    assert_eq!(
        dennis["permissions"]["active"]["items"][0]["id"],
        key("d_act")
    );
    assert_eq!(dennis["permissions"]["owner"]["threshold"], 100);
    // The unproven transactions paid nothing; the proven ones did.
    let fee = chain.query("guard", "fee", json!(["bobby"])).await;
    assert_ne!(fee.result, "null");
}

#[tokio::test]
async fn accounts_read_by_query_and_from_contracts_alike() {
    let steps = workload();
    let mut chain = Chain::new();
    run(&mut chain, &steps).await;
    let queried = chain.query("auth.iost", "auth", json!(["carol"])).await;
    assert_eq!(queried.status, Status::Success, "{}", queried.message);
    let account: Value = serde_json::from_str(&queried.result).unwrap();
    let stored = chain.query("guard", "account", json!(["carol"])).await;
    let stored: String = serde_json::from_str(&stored.result).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&stored).unwrap(), account);
    // What the workload left: multi with k1 alone, no pair, no group; referred by alice.
    assert_eq!(account["referrer"], "alice");
    assert_eq!(account["permissions"]["multi"]["threshold"], 3);
    assert_eq!(
        account["permissions"]["multi"]["items"],
        json!([{"id": key("k1"), "is_key_pair": true, "weight": 1}])
    );
    assert_eq!(account["permissions"]["multi"]["groups"], json!([]));
    assert!(account["permissions"].get("pair").is_none());
    assert_eq!(account["groups"], json!({}));
    // As stored, permissions keep the order they were added in (IOST's objects).
    let at = |name: &str| stored.find(&format!(r#""{name}":{{"name""#)).unwrap();
    assert!(
        at("active") < at("owner") && at("owner") < at("multi"),
        "{stored}"
    );
    let missing = chain.query("auth.iost", "auth", json!(["nobody"])).await;
    assert_eq!(missing.status, Status::RuntimeError);
    assert!(
        missing.message.contains("account not found > nobody"),
        "{}",
        missing.message
    );
    let written = chain
        .query("auth.iost", "signUp", json!(["zelda", key("z"), key("z")]))
        .await;
    assert!(
        written.message.contains("not allowed in a read-only query"),
        "{}",
        written.message
    );
}

#[tokio::test]
async fn the_same_receipts_and_roots_on_1_and_4_workers() {
    let steps = workload();
    let mut runs = Vec::new();
    for workers in [1, 4] {
        let mut opts = options();
        opts.pool.min_workers = workers;
        opts.pool.max_workers = workers;
        let mut chain = Chain::with_options(opts);
        runs.push(run(&mut chain, &steps).await);
    }
    assert_eq!(runs[0], runs[1]);
}
