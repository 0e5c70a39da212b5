//! The built-in `token.iost`: the chain's token and tokens contracts' issuers create, with
//! IOST's decimal amounts, rules and messages; `blockchain.transfer`/`withdraw`/`deposit`;
//! a failing transfer fails the whole transaction. Real engine and RocksDB; CI reruns it with
//! `--verify-isolation`.

mod common;

use common::{Chain, abi, call, tx};
use isovm::schema::{Receipt, Status};
use serde_json::{Value, json};

async fn token(chain: &mut Chain, publisher: &str, method: &str, args: Value) -> Receipt {
    chain
        .run(publisher, vec![call("token.iost", method, args)])
        .await
}

async fn ok(chain: &mut Chain, publisher: &str, method: &str, args: Value) -> String {
    let receipt = token(chain, publisher, method, args.clone()).await;
    assert_eq!(
        receipt.status,
        Status::Success,
        "{method}({args}): {}",
        receipt.message
    );
    receipt.returns[0].clone()
}

async fn fails(chain: &mut Chain, publisher: &str, method: &str, args: Value, message: &str) {
    let receipt = token(chain, publisher, method, args.clone()).await;
    assert_eq!(receipt.status, Status::RuntimeError, "{method}({args})");
    assert!(
        receipt.message.contains(message),
        "{method}({args}): {}",
        receipt.message
    );
    assert!(receipt.receipts.is_empty() && receipt.returns.is_empty());
}

async fn balance(chain: &mut Chain, symbol: &str, who: &str) -> String {
    ok(chain, "anyone", "balanceOf", json!([symbol, who])).await
}

#[tokio::test]
async fn the_chains_token_is_issued_by_its_issuer_and_transferred_in_decimals() {
    let mut chain = Chain::new();
    let issuer = isovm::consensus::PARAMS.native_token.issuer;
    assert_eq!(balance(&mut chain, "iost", "alice").await, r#""0""#);
    fails(
        &mut chain,
        "alice",
        "issue",
        json!(["iost", "alice", "5"]),
        "token.iost.issue: transaction has no permission",
    )
    .await;
    ok(
        &mut chain,
        issuer,
        "issue",
        json!(["iost", "alice", "1000"]),
    )
    .await;
    assert_eq!(balance(&mut chain, "iost", "alice").await, r#""1000""#);
    assert_eq!(
        ok(&mut chain, "x", "supply", json!(["iost"])).await,
        r#""1000""#
    );
    assert_eq!(
        ok(&mut chain, "x", "totalSupply", json!(["iost"])).await,
        r#""90000000000""#
    );

    let receipt = token(
        &mut chain,
        "alice",
        "transfer",
        json!(["iost", "alice", "bob", "1.5", "rent"]),
    )
    .await;
    assert_eq!(receipt.status, Status::Success, "{}", receipt.message);
    assert_eq!(receipt.returns, ["null"]);
    assert_eq!(receipt.receipts.len(), 1);
    assert_eq!(receipt.receipts[0].func_name, "token.iost/transfer");
    assert_eq!(
        receipt.receipts[0].content,
        r#"["iost","alice","bob","1.5","rent"]"#
    );
    assert_eq!(balance(&mut chain, "iost", "alice").await, r#""998.5""#);
    assert_eq!(balance(&mut chain, "iost", "bob").await, r#""1.5""#);
    // Places past the token's eight are dropped, as IOST's decimals drop them.
    ok(
        &mut chain,
        "bob",
        "transfer",
        json!(["iost", "bob", "carol", "0.123456789", ""]),
    )
    .await;
    assert_eq!(
        balance(&mut chain, "iost", "carol").await,
        r#""0.12345678""#
    );

    fails(
        &mut chain,
        "bob",
        "transfer",
        json!(["iost", "bob", "carol", "2", ""]),
        "balance not enough 1.37654322 < 2",
    )
    .await;
    fails(
        &mut chain,
        "bob",
        "transfer",
        json!(["iost", "alice", "bob", "1", ""]),
        "transaction has no permission",
    )
    .await;
    fails(
        &mut chain,
        "bob",
        "transfer",
        json!(["iost", "bob", "carol", "-1", ""]),
        "invalid amount",
    )
    .await;
    fails(
        &mut chain,
        "bob",
        "transfer",
        json!(["iost", "bob", "carol", "1e3", ""]),
        "invalid amount 1e3 abnormal char in amount",
    )
    .await;
    fails(
        &mut chain,
        "bob",
        "transfer",
        json!(["nope", "bob", "carol", "1", ""]),
        "token not exists",
    )
    .await;
    fails(
        &mut chain,
        "bob",
        "transfer",
        json!(["iost", "bob", "ca-rol", "1", ""]),
        "invalid account ca-rol",
    )
    .await;
    fails(
        &mut chain,
        "bob",
        "transfer",
        json!(["iost", "bob", "carol", "1", "m".repeat(513)]),
        "memo too large",
    )
    .await;
    fails(
        &mut chain,
        "bob",
        "transferFreeze",
        json!(["iost", "bob", "carol", "1", 0, ""]),
        "not implemented in isovm yet",
    )
    .await;
    // Nothing the failures tried is left.
    assert_eq!(balance(&mut chain, "iost", "bob").await, r#""1.37654322""#);
    assert_eq!(
        ok(&mut chain, "x", "supply", json!(["iost"])).await,
        r#""1000""#
    );

    let receipt = token(
        &mut chain,
        "bob",
        "transfer",
        json!(["iost", "bob", 5, "1", ""]),
    )
    .await;
    assert_eq!(receipt.status, Status::InvalidInput);
    ok(
        &mut chain,
        "bob",
        "destroy",
        json!(["iost", "bob", "0.37654322"]),
    )
    .await;
    assert_eq!(
        ok(&mut chain, "x", "supply", json!(["iost"])).await,
        r#""999.62345678""#
    );
}

#[tokio::test]
async fn issuers_create_tokens_with_iosts_rules() {
    let mut chain = Chain::new();
    let config = r#"{"decimal": 2, "fullName": "A Coin"}"#;
    fails(
        &mut chain,
        "bob",
        "create",
        json!(["coin", "alice", 1000, config]),
        "transaction has no permission",
    )
    .await;
    ok(
        &mut chain,
        "alice",
        "create",
        json!(["coin", "alice", 1000, config]),
    )
    .await;
    fails(
        &mut chain,
        "alice",
        "create",
        json!(["coin", "alice", 1000, config]),
        "token exists",
    )
    .await;
    fails(
        &mut chain,
        "alice",
        "create",
        json!(["iost", "alice", 1, "{}"]),
        "token exists",
    )
    .await;
    fails(
        &mut chain,
        "alice",
        "create",
        json!(["Coin", "alice", 1, "{}"]),
        "token symbol invalid. token symbol contains invalid character 67",
    )
    .await;
    fails(
        &mut chain,
        "alice",
        "create",
        json!(["c", "alice", 1, "{}"]),
        "token symbol length should be between 2,16",
    )
    .await;
    fails(
        &mut chain,
        "alice",
        "create",
        json!(["big", "alice", 1, r#"{"decimal": 19}"#]),
        "invalid decimal",
    )
    .await;
    fails(
        &mut chain,
        "alice",
        "create",
        json!(["big", "alice", 100_000_000_000i64, r#"{"decimal": 18}"#]),
        "invalid totalSupply",
    )
    .await;
    fails(
        &mut chain,
        "alice",
        "create",
        json!(["big", "alice", 1, r#"{"canTransfer": 1}"#]),
        "canTransfer in config should be bool",
    )
    .await;
    ok(
        &mut chain,
        "alice",
        "issue",
        json!(["coin", "bob", "10.555"]),
    )
    .await;
    assert_eq!(balance(&mut chain, "coin", "bob").await, r#""10.55""#);
    fails(
        &mut chain,
        "alice",
        "issue",
        json!(["coin", "bob", "990"]),
        "supply too much",
    )
    .await;
    ok(
        &mut chain,
        "alice",
        "create",
        json!(["locked", "alice", 10, r#"{"canTransfer": false}"#]),
    )
    .await;
    ok(
        &mut chain,
        "alice",
        "issue",
        json!(["locked", "alice", "1"]),
    )
    .await;
    fails(
        &mut chain,
        "alice",
        "transfer",
        json!(["locked", "alice", "bob", "1", ""]),
        "token can't transfer",
    )
    .await;
}

const VAULT: &str = r#"
class Vault {
  init() {}
  deposit(amount) { return blockchain.deposit(blockchain.publisher(), amount, "in"); }
  withdraw(to, amount) { return blockchain.withdraw(to, amount, "out"); }
  steal(to, amount) { return blockchain.call("token.iost", "transfer", ["iost", "vault", to, amount, ""]); }
  pay(from, to, amount) { return blockchain.transfer(from, to, new Float64(amount), "pay"); }
  payThenThrow(to, amount) { blockchain.withdraw(to, amount, ""); throw new Error("changed my mind"); }
  tryOverdraw(to) {
    try { blockchain.withdraw(to, "1000000", ""); } catch (e) { return "caught"; }
  }
  mine() { return blockchain.call("token.iost", "balanceOf", ["iost", blockchain.contractName()]); }
}
module.exports = Vault;
"#;

#[tokio::test]
async fn contracts_move_the_chains_token_with_their_own_authority() {
    let mut chain = Chain::new();
    let issuer = isovm::consensus::PARAMS.native_token.issuer;
    let methods: &[(&str, &[&str])] = &[
        ("deposit", &["string"]),
        ("withdraw", &["string", "string"]),
        ("steal", &["string", "string"]),
        ("pay", &["string", "string", "string"]),
        ("payThenThrow", &["string", "string"]),
        ("tryOverdraw", &["string"]),
        ("mine", &[]),
    ];
    chain.deploy(VAULT, &abi(methods), "vault").await;
    ok(&mut chain, issuer, "issue", json!(["iost", "alice", "100"])).await;
    let run = |method: &str, args: Value| tx("alice", vec![call("vault", method, args)]);
    let receipts = chain
        .block(vec![
            run("deposit", json!(["40"])),
            run("withdraw", json!(["bob", "2.5"])),
            run("steal", json!(["bob", "1"])),
            run("pay", json!(["alice", "carol", "0.5"])),
            run("payThenThrow", json!(["bob", "1"])),
            run("tryOverdraw", json!(["bob"])),
            run("mine", json!([])),
        ])
        .await
        .receipts;
    let status: Vec<Status> = receipts.iter().map(|r| r.status).collect();
    assert_eq!(
        status,
        [
            Status::Success,
            Status::Success,
            Status::RuntimeError,
            Status::Success,
            Status::RuntimeError,
            Status::RuntimeError,
            Status::Success
        ],
        "{:#?}",
        receipts.iter().map(|r| &r.message).collect::<Vec<_>>()
    );
    // The token's returns, as IOST's natives give them.
    assert_eq!(receipts[0].returns, ["[]"]);
    assert_eq!(receipts[0].receipts[0].func_name, "token.iost/transfer");
    assert_eq!(
        receipts[0].receipts[0].content,
        r#"["iost","alice","vault","40","in"]"#
    );
    // Without `callWithAuth` the vault's authority is not lent.
    assert!(
        receipts[2]
            .message
            .contains("token.iost.transfer: transaction has no permission"),
        "{}",
        receipts[2].message
    );
    assert!(
        receipts[4].message.contains("changed my mind"),
        "{}",
        receipts[4].message
    );
    // An overdraw fails the transaction even though the vault catches it.
    assert!(
        receipts[5]
            .message
            .contains("balance not enough 37.5 < 1000000"),
        "{}",
        receipts[5].message
    );
    assert_eq!(receipts[6].returns, [r#"["37.5"]"#]);
    assert_eq!(balance(&mut chain, "iost", "vault").await, r#""37.5""#);
    assert_eq!(balance(&mut chain, "iost", "bob").await, r#""2.5""#);
    assert_eq!(balance(&mut chain, "iost", "carol").await, r#""0.5""#);
    assert_eq!(balance(&mut chain, "iost", "alice").await, r#""59.5""#);
}

#[tokio::test]
async fn the_token_contract_cannot_be_replaced_or_written_by_a_query() {
    let mut chain = Chain::new();
    let receipt = chain
        .run(
            "alice",
            vec![common::deploy(VAULT, &abi(&[("mine", &[])]), "token.iost")],
        )
        .await;
    assert_eq!(
        receipt.status,
        Status::InvalidContract,
        "{}",
        receipt.message
    );
    assert!(receipt.message.contains("reserved"), "{}", receipt.message);
    let reply = chain
        .query("token.iost", "balanceOf", json!(["iost", "alice"]))
        .await;
    assert_eq!(reply.status, Status::Success, "{}", reply.message);
    let reply = chain
        .query(
            "token.iost",
            "transfer",
            json!(["iost", "alice", "bob", "1", ""]),
        )
        .await;
    assert!(
        reply.message.contains("not allowed in a read-only query"),
        "{}",
        reply.message
    );
}
