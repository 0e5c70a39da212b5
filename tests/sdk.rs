//! The TypeScript SDK (`sdk/isovm.d.ts`): `tsc` (the version `sdk/package.json` pins, which
//! `tests/run.sh` installs) type-checks the example contract against it and refuses a
//! contract that misuses the API; the example compiled to JavaScript deploys and trades on
//! the real engine; and every function the runtime gives contracts is declared.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Chain, abi, call, root, tx};
use isovm::schema::Status;
use serde_json::json;

/// `sdk/node_modules/.bin/tsc`, or `ISOVM_TSC`.
fn tsc() -> PathBuf {
    let path = std::env::var_os("ISOVM_TSC")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("sdk/node_modules/.bin/tsc"));
    assert!(
        path.exists(),
        "TypeScript is not installed at {}: run `npm install` in sdk/ (tests/run.sh does)",
        path.display()
    );
    path
}

fn run_tsc(args: &[&str], dir: &Path) -> (bool, String) {
    let out = Command::new(tsc())
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run tsc");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn the_example_contract_type_checks_and_misuse_does_not() {
    let sdk = root().join("sdk");
    let (ok, output) = run_tsc(&["-p", "tsconfig.json"], &sdk);
    assert!(ok, "tsc refused the example:\n{output}");

    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(sdk.join("isovm.d.ts"), dir.path().join("isovm.d.ts")).unwrap();
    let bad = r#"
class Bad {
  init(): void {
    storage.put("k", 5);
    const n: number = storage.get("k");
    blockchain.transfer("a", "b", "1");
    Math.random();
  }
}
module.exports = Bad;
"#;
    std::fs::write(dir.path().join("bad.ts"), bad).unwrap();
    let config = json!({
        "compilerOptions": {"target": "ES2022", "lib": ["ES2022"], "types": [], "strict": true, "noEmit": true},
        "files": ["isovm.d.ts", "bad.ts"],
    });
    std::fs::write(dir.path().join("tsconfig.json"), config.to_string()).unwrap();
    let (ok, output) = run_tsc(&["-p", "tsconfig.json"], dir.path());
    assert!(!ok, "tsc accepted a contract that misuses the API");
    for (line, what) in [(4, "TS2345"), (5, "TS2322"), (6, "TS2554")] {
        assert!(
            output.contains(&format!("bad.ts({line},")) && output.contains(what),
            "expected {what} at line {line}:\n{output}"
        );
    }
}

#[tokio::test]
async fn the_example_compiled_to_javascript_trades_on_the_engine() {
    let sdk = root().join("sdk");
    let out = tempfile::tempdir().unwrap();
    let config = json!({
        "compilerOptions": {
            "target": "ES2022", "lib": ["ES2022"], "types": [], "strict": true,
            "outDir": out.path().join("js"),
        },
        "files": [sdk.join("isovm.d.ts"), sdk.join("example/market.ts")],
    });
    std::fs::write(out.path().join("tsconfig.json"), config.to_string()).unwrap();
    let (ok, output) = run_tsc(&["-p", "tsconfig.json"], out.path());
    assert!(ok, "tsc could not compile the example:\n{output}");
    let market = std::fs::read_to_string(out.path().join("js/market.js")).unwrap();
    let exchange = root().join("examples/exchange");
    let read = |name: &str| std::fs::read_to_string(exchange.join(name)).unwrap();

    let mut chain = Chain::new();
    chain
        .deploy(&read("ledger.js"), &read("ledger.abi.json"), "ledger")
        .await;
    chain
        .deploy(&market, &read("market/abi.json"), "market")
        .await;
    let issuer = isovm::consensus::PARAMS.native_token.issuer;
    let gold = r#"{"decimal": 0}"#;
    let receipts = chain
        .block(vec![
            tx(
                "alice",
                vec![call(
                    "token.iost",
                    "create",
                    json!(["gold", "alice", 10, gold]),
                )],
            ),
            tx(
                "alice",
                vec![call("token.iost", "issue", json!(["gold", "market", "10"]))],
            ),
            tx(
                issuer,
                vec![call("token.iost", "issue", json!(["iost", "bob", "100"]))],
            ),
            tx("alice", vec![call("market", "setPrice", json!(["1.25"]))]),
            tx("bob", vec![call("market", "buy", json!(["4"]))]),
            tx("alice", vec![call("market", "withdraw", json!(["2"]))]),
        ])
        .await
        .receipts;
    for receipt in &receipts {
        assert_eq!(receipt.status, Status::Success, "{}", receipt.message);
    }
    assert_eq!(receipts[4].returns, ["1"]);
    assert_eq!(
        receipts[5].returns,
        [r#"{"gold":"6","iost":"3","price":"1.25"}"#]
    );
}

#[tokio::test]
async fn every_function_the_runtime_gives_contracts_is_declared() {
    let probe = r#"
class Probe {
  init() {}
  names() {
    const own = (o) => Object.getOwnPropertyNames(o).filter((k) => typeof o[k] === "function");
    return {
      storage: own(storage), blockchain: own(blockchain), IOSTCrypto: own(IOSTCrypto),
      console: own(console), BigNumber: own(BigNumber.prototype).concat(own(BigNumber)),
      Int64: own(Int64.prototype), Float64: own(Float64.prototype),
      block: Object.keys(block), tx: Object.keys(tx),
    };
  }
}
module.exports = Probe;
"#;
    let mut chain = Chain::new();
    chain.deploy(probe, &abi(&[("names", &[])]), "probe").await;
    let receipt = chain
        .run("alice", vec![call("probe", "names", json!([]))])
        .await;
    assert_eq!(receipt.status, Status::Success, "{}", receipt.message);
    let names: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&receipt.returns[0]).unwrap();
    let declared = std::fs::read_to_string(root().join("sdk/isovm.d.ts")).unwrap();
    let mut missing = Vec::new();
    for (object, list) in &names {
        for name in list.as_array().unwrap() {
            let name = name.as_str().unwrap();
            // Internal helpers of IOST's classes, and what every function or object has.
            if name.starts_with('_')
                || ["constructor", "length", "name", "prototype"].contains(&name)
            {
                continue;
            }
            let as_method = format!(" {name}(");
            let as_field = format!(" {name}:");
            let as_readonly = format!("readonly {name}:");
            if !(declared.contains(&as_method)
                || declared.contains(&as_field)
                || declared.contains(&as_readonly))
            {
                missing.push(format!("{object}.{name}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "not declared in sdk/isovm.d.ts: {missing:?}"
    );
}
