//! The IOST API areas of issue 9 in one workload, run on 1 and on 4 workers: receipts, events
//! and state roots must be byte-identical. Nested calls, the native token, BigNumber/Int64/
//! Float64, IOSTCrypto, storage rules and map order, a package, and failures of each.

mod common;

use common::{Chain, abi, call, tx};
use isovm::schema::Tx;
use serde_json::json;

const MIXED: &str = r#"
class Mixed {
  init() {}
  numbers(a, b) {
    const x = new BigNumber(a).times(b).div(7);
    const i = new Int64(b).plus(12345).multi(3);
    const f = new Float64("0.1").plus("0.2");
    return [x.toFixed(), i.toString(), f.toString(), new BigNumber(2).pow(200).toString()];
  }
  overflow() { return new Int64("9223372036854775807").plus(1).toString(); }
  crypto(text) { return [IOSTCrypto.sha3(text), IOSTCrypto.sha3Hex("00ff"), IOSTCrypto.ripemd160Hex("00ff")]; }
  maps(n) {
    for (let i = n; i > 0; i--) storage.mapPut("m", "f" + i, String(i));
    storage.mapDel("m", "f2");
    storage.mapPut("m", "f2", "again");
    return storage.mapKeys("m");
  }
  badKey() { storage.put("a-b", "v"); }
  pay(to, amount) { return blockchain.withdraw(to, amount, "pay"); }
  ask() { return blockchain.call("token.iost", "balanceOf", ["iost", blockchain.contractName()]); }
  echo(x) { blockchain.receipt("echo " + x); return x; }
  nested(x) { return blockchain.call("mixed2", "echo", [x]); }
}
module.exports = Mixed;
"#;

fn methods() -> Vec<(&'static str, &'static [&'static str])> {
    vec![
        ("numbers", &["string", "string"]),
        ("overflow", &[]),
        ("crypto", &["string"]),
        ("maps", &["number"]),
        ("badKey", &[]),
        ("pay", &["string", "string"]),
        ("ask", &[]),
        ("echo", &["string"]),
        ("nested", &["string"]),
    ]
}

fn txs(height: u64) -> Vec<Tx> {
    let issuer = isovm::consensus::PARAMS.native_token.issuer;
    let mut out = vec![
        tx(
            issuer,
            vec![call("token.iost", "issue", json!(["iost", "mixed", "50"]))],
        ),
        tx(
            "alice",
            vec![call(
                "mixed",
                "numbers",
                json!(["123456789.123", "987654321"]),
            )],
        ),
        tx("alice", vec![call("mixed", "overflow", json!([]))]),
        tx(
            "alice",
            vec![call("mixed", "crypto", json!([format!("block {height}")]))],
        ),
        tx("alice", vec![call("mixed", "maps", json!([5]))]),
        tx("alice", vec![call("mixed", "badKey", json!([]))]),
        tx("alice", vec![call("mixed", "pay", json!(["bob", "2.5"]))]),
        tx("alice", vec![call("mixed", "pay", json!(["bob", "1000"]))]),
        tx("alice", vec![call("mixed", "ask", json!([]))]),
        tx("alice", vec![call("mixed", "nested", json!(["hi"]))]),
        tx(
            "bob",
            vec![call(
                "token.iost",
                "transfer",
                json!(["iost", "bob", "carol", "0.5", ""]),
            )],
        ),
    ];
    for (i, t) in out.iter_mut().enumerate() {
        t.hash = format!("Mix{height}x{i}");
    }
    out
}

#[tokio::test]
async fn the_iost_api_gives_identical_results_on_one_and_four_workers() {
    let mut runs = Vec::new();
    for workers in [1, 4] {
        let mut options = common::options();
        options.pool.min_workers = workers;
        options.pool.max_workers = workers;
        let mut chain = Chain::with_options(options);
        chain.deploy(MIXED, &abi(&methods()), "mixed").await;
        chain.deploy(MIXED, &abi(&methods()), "mixed2").await;
        let mut lines = Vec::new();
        for _ in 0..3 {
            let height = chain.height + 1;
            let result = chain.block(txs(height)).await;
            lines.push(serde_json::to_string(&result).unwrap());
        }
        runs.push(lines);
    }
    assert_eq!(runs[0], runs[1]);
    // And the workload did what it says: successes and the failures it plants.
    let last: isovm::schema::BlockResult = serde_json::from_str(&runs[0][2]).unwrap();
    let status: Vec<&str> = last
        .receipts
        .iter()
        .map(|r| match r.status {
            isovm::schema::Status::Success => "ok",
            _ => "failed",
        })
        .collect();
    assert_eq!(
        status,
        [
            "ok", "ok", "failed", "ok", "ok", "failed", "ok", "failed", "ok", "ok", "ok"
        ],
        "{:#?}",
        last.receipts.iter().map(|r| &r.message).collect::<Vec<_>>()
    );
    assert_eq!(last.receipts[4].returns, [r#"["f5","f4","f3","f1","f2"]"#]);
    assert_eq!(last.receipts[9].returns, [r#"["hi"]"#]);
    assert_eq!(last.receipts[9].receipts[0].func_name, "mixed2/echo");
}
