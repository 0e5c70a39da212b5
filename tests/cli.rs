//! `isovm exec` end to end, through the built binary.

mod common;

use std::path::{Path, PathBuf};

use common::{isovm, isovm_signed_only, json_lines, root};
use serde_json::Value;

fn example(name: &str) -> PathBuf {
    root().join("examples/token").join(name)
}

/// `isovm exec` as a node runs it: the examples are signed (examples/keys/), so no
/// development mode.
fn exec(db: &Path, files: &[&Path]) -> (bool, String, String) {
    let mut args = vec!["exec", "--db", db.to_str().unwrap()];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    isovm_signed_only(&args)
}

/// `isovm exec` of unsigned batches: in the development mode.
fn exec_unsigned(db: &Path, files: &[&Path]) -> (bool, String, String) {
    let mut args = vec!["exec", "--db", db.to_str().unwrap()];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    isovm(&args)
}

/// The block lines of `isovm exec` output.
fn blocks(lines: &[Value]) -> Vec<&Value> {
    lines
        .iter()
        .filter(|l| l.get("state_root").is_some())
        .collect()
}

#[test]
fn the_exchange_example_trades_through_three_contracts() {
    let db = tempfile::tempdir().unwrap();
    let dir = root().join("examples/exchange");
    let (setup, trades) = (dir.join("01-setup.json"), dir.join("02-trades.json"));
    // The batches embed the contracts: they must be what make-batches.py writes, the ledger's
    // source and the market's package as `isovm package` makes it.
    let batch: Value = serde_json::from_str(&std::fs::read_to_string(&setup).unwrap()).unwrap();
    let embedded = |name: &str| {
        batch["txs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["actions"][0]["args"][2] == name)
            .map(|t| t["actions"][0]["args"][0].clone())
            .unwrap()
    };
    let ledger = std::fs::read_to_string(dir.join("ledger.js")).unwrap();
    assert_eq!(
        embedded("ledger"),
        Value::from(ledger),
        "run make-batches.py: ledger.js changed"
    );
    let (ok, package, stderr) = isovm(&["package", dir.join("market").to_str().unwrap()]);
    assert!(ok, "isovm package failed: {stderr}");
    let package: Value = serde_json::from_str(&package).unwrap();
    assert_eq!(
        embedded("market"),
        package,
        "run make-batches.py: the market package changed"
    );
    assert_eq!(package["modules"].as_object().unwrap().len(), 5);
    let (ok, stdout, stderr) = exec(db.path(), &[&setup, &trades]);
    assert!(ok, "isovm exec failed: {stderr}");
    let lines = json_lines(&stdout);
    let receipts: Vec<&Value> = lines.iter().filter(|l| l.get("status").is_some()).collect();
    let statuses: Vec<&str> = receipts
        .iter()
        .map(|l| l["status"].as_str().unwrap())
        .collect();
    // Four sign-ups (auth.iost), then the setup.
    assert_eq!(statuses[..11], ["success"; 11], "{stdout}");
    assert_eq!(
        statuses[11..],
        [
            "success",
            "runtime_error",
            "success",
            "runtime_error",
            "runtime_error",
            "success",
            "success",
            "success",
            "success",
            "success"
        ],
        "{stdout}"
    );
    let message = |i: usize| receipts[i]["message"].as_str().unwrap();
    assert_eq!(
        message(12),
        "token.iost.transfer: balance not enough 10 < 12.5"
    );
    assert!(message(14).contains("only the market may record a sale"));
    let returned = |i: usize| receipts[i]["returns"][0].as_str().unwrap();
    // Sale 1 and sale 2 (bobby's failed purchase moved nothing and recorded nothing).
    assert_eq!((returned(11), returned(13)), ("1", "2"));
    assert_eq!(returned(17), r#"{"gold":"94","iost":"3","price":"2.5"}"#);
    assert_eq!((returned(18), returned(19)), (r#""4""#, r#""5""#));
    assert_eq!(returned(20), r#"["alice","bobby"]"#);
    // One purchase: the buyer's payment, the market's gold, the ledger's event.
    let sale = receipts[11];
    let names: Vec<&str> = sale["receipts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["func_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["token.iost/transfer", "token.iost/transfer"]);
    assert_eq!(sale["events"][0]["contract"], "ledger");
}

#[test]
fn the_token_example_runs_end_to_end() {
    let db = tempfile::tempdir().unwrap();
    let (deploy, transfers) = (example("01-deploy.json"), example("02-transfers.json"));
    let (ok, stdout, stderr) = exec(db.path(), &[&deploy, &transfers]);
    assert!(ok, "isovm exec failed: {stderr}");
    let lines = json_lines(&stdout);
    let statuses: Vec<&str> = lines.iter().filter_map(|l| l["status"].as_str()).collect();
    assert_eq!(
        statuses,
        [
            "success",
            "success",
            "success",
            "success",
            "success",
            "success",
            "runtime_error",
            "success",
            "success"
        ]
    );

    // The failing transfer says why, and changed nothing: bobby had 250, kept it, then paid 100.
    let failed = lines
        .iter()
        .find(|l| l["status"] == "runtime_error")
        .unwrap();
    let message = failed["message"].as_str().unwrap();
    assert!(
        message.starts_with("Error: insufficient balance: bobby has 250, needs 300"),
        "{message}"
    );
    assert!(
        message.ends_with("\n    at transfer (token:35:13)"),
        "the message carries the contract's own line and column: {message}"
    );
    assert_eq!(failed["events"], Value::Array(vec![]));
    let balances = lines
        .iter()
        .rev()
        .find(|l| l["status"] == "success")
        .unwrap();
    assert_eq!(
        balances["returns"],
        serde_json::json!(["750", "150", "100"])
    );

    let heights: Vec<(u64, bool)> = blocks(&lines)
        .iter()
        .map(|b| {
            (
                b["height"].as_u64().unwrap(),
                b["replayed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(heights, [(1, false), (2, false)]);

    // Running the same files again applies nothing twice: the stored receipts come back.
    let (ok, again, stderr) = exec(db.path(), &[&deploy, &transfers]);
    assert!(ok, "{stderr}");
    let again = json_lines(&again);
    assert!(blocks(&again).iter().all(|b| b["replayed"] == true));
    let receipts = |ls: &[Value]| {
        ls.iter()
            .filter(|l| l.get("tx_hash").is_some())
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(receipts(&again), receipts(&lines));

    // A second database fed the same files, one at a time and as MessagePack, agrees.
    let other = tempfile::tempdir().unwrap();
    let packed = other.path().join("02.msgpack");
    let batch = isovm::cmd::exec::read_batch(&transfers).unwrap();
    std::fs::write(&packed, isovm::schema::to_msgpack(&batch)).unwrap();
    let db2 = other.path().join("db");
    let (ok, first, stderr) = exec(&db2, &[&deploy]);
    assert!(ok, "{stderr}");
    let (ok, second, stderr) = exec(&db2, &[&packed]);
    assert!(ok, "{stderr}");
    let roots = |text: &str| {
        blocks(&json_lines(text))
            .iter()
            .map(|b| b["state_root"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!([roots(&first), roots(&second)].concat(), roots(&stdout));
}

#[test]
fn bad_files_are_refused_naming_the_file_and_field_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let (ok, _, stderr) = exec(&db, &[&example("01-deploy.json")]);
    assert!(ok, "{stderr}");

    let good: Value =
        serde_json::from_str(&std::fs::read_to_string(example("02-transfers.json")).unwrap())
            .unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let edited = |edit: &dyn Fn(&mut Value)| {
        let mut doc = good.clone();
        edit(&mut doc);
        doc.to_string().into_bytes()
    };
    let cases: Vec<(PathBuf, &str)> = vec![
        (
            write("garbage.bin", &[0xc1, 0xff, 0x00, 0x13]),
            "not valid MessagePack",
        ),
        (
            write("truncated.json", b"{\"partition\": 0, \"height\""),
            "not valid JSON",
        ),
        (
            write(
                "missing.json",
                &edited(&|d| {
                    d["txs"][1].as_object_mut().unwrap().remove("publisher");
                }),
            ),
            "field `txs[1]`: missing field `publisher`",
        ),
        (
            write(
                "wrongtype.json",
                &edited(&|d| d["txs"][0]["gas_limit"] = "lots".into()),
            ),
            "field `txs[0].gas_limit`: invalid type: string",
        ),
        (
            write(
                "badhash.json",
                &edited(&|d| d["txs"][2]["hash"] = "not-base58!".into()),
            ),
            "field `txs[2].hash`: must be base58",
        ),
        (
            write("ahead.json", &edited(&|d| d["height"] = 4.into())),
            "height 4 of partition 0 is ahead: the next height is 3",
        ),
        (dir.path().join("absent.json"), "No such file"),
    ];
    for (bad, expected) in cases {
        // The good batch of height 2 is given first: it must not run either.
        let (ok, stdout, stderr) = exec(&db, &[&example("02-transfers.json"), &bad]);
        assert!(!ok, "{} was accepted", bad.display());
        assert!(
            stdout.is_empty(),
            "nothing runs when a file is bad: {stdout}"
        );
        let name = bad.file_name().unwrap().to_str().unwrap();
        assert!(
            stderr.contains(name) && stderr.contains(expected),
            "{name}: stderr {stderr:?} should name the file and say {expected:?}"
        );
    }

    // Height 2 was never applied: it runs now, for the first time.
    let (ok, stdout, stderr) = exec(&db, &[&example("02-transfers.json")]);
    assert!(ok, "{stderr}");
    assert_eq!(blocks(&json_lines(&stdout))[0]["replayed"], false);
}

#[test]
fn help_explains_the_commands() {
    let (ok, stdout, _) = isovm(&["--help"]);
    assert!(ok);
    assert!(
        stdout.contains("exec") && stdout.contains("Execute batch files"),
        "{stdout}"
    );
    let (ok, stdout, _) = isovm(&["exec", "--help"]);
    assert!(ok);
    for flag in [
        "--db",
        "--workers",
        "--watchdog-ms",
        "--watchdog-min-rate",
        "--heap-mib",
        "--fault-retries",
        "--cache-dir",
    ] {
        assert!(
            stdout.contains(flag),
            "exec --help should explain {flag}: {stdout}"
        );
    }
}

/// `--version` names the consensus parameters, which receipts follow from; `isovm params`
/// prints them, with the same version.
#[test]
fn the_version_and_the_parameters_are_printed() {
    let (ok, stdout, stderr) = isovm(&["--version"]);
    assert!(ok, "{stderr}");
    assert_eq!(
        stdout.trim_end(),
        format!(
            "isovm {} (consensus parameters v{})",
            env!("CARGO_PKG_VERSION"),
            isovm::consensus::VERSION
        )
    );
    let (ok, stdout, stderr) = isovm(&["params"]);
    assert!(ok, "{stderr}");
    let printed: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let table: Value = serde_json::from_str(&isovm::consensus::to_json()).unwrap();
    assert_eq!(printed, table);
    assert_eq!(printed["version"], isovm::consensus::VERSION);
    assert_eq!(
        printed["limits"]["memory_budget"],
        isovm::consensus::PARAMS.limits.memory_budget
    );
}

/// A heap limit that could decide receipts is refused before anything is opened.
#[test]
fn a_heap_limit_below_the_minimum_is_refused_at_startup() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let minimum = isovm::engine::Limits::MIN_HEAP_BYTES >> 20;
    let below = (minimum - 1).to_string();
    let (ok, stdout, stderr) = isovm(&[
        "exec",
        "--db",
        db.to_str().unwrap(),
        "--heap-mib",
        &below,
        example("01-deploy.json").to_str().unwrap(),
    ]);
    assert!(!ok, "a {below} MiB heap was accepted");
    assert!(stdout.is_empty(), "{stdout}");
    let budget = isovm::consensus::PARAMS.limits.memory_budget >> 20;
    for needle in [
        format!("--heap-mib {below}:"),
        format!("below the minimum of {minimum} MiB"),
        format!("memory budget of {budget} MiB"),
        format!("give at least --heap-mib {minimum}"),
    ] {
        assert!(stderr.contains(&needle), "{needle:?} missing in: {stderr}");
    }
    assert!(
        !db.exists(),
        "nothing is opened before the options are checked"
    );
}

/// A contract whose `init()` does some 150 million gas of metered work: tens to hundreds of
/// milliseconds on any machine, so a watchdog of a fraction of a millisecond always strikes
/// first, and the default watchdog (102 s for its gas limit) never does.
fn heavy_deploy(dir: &Path) -> (PathBuf, String) {
    let code = "class Heavy {\n  init() { let x = 0; for (let i = 0; i < 30000000; i++) { x += i; } storage.put(\"x\", String(x)); }\n  get() { return storage.get(\"x\"); }\n}\nmodule.exports = Heavy;\n";
    let abi = r#"{"lang":"javascript","version":"1.0.0","abi":[{"name":"get","args":[]}]}"#;
    let hash = "HeavyDep1oy";
    let batch = serde_json::json!({
        "partition": 0,
        "height": 1,
        "timestamp_ms": 1767225600000u64,
        "txs": [{"hash": hash, "publisher": "alice", "gas_limit": 200000000,
                 "actions": [{"contract": "system", "method": "deploy", "args": [code, abi, "heavy"]}]}]
    });
    let path = dir.join("heavy.json");
    std::fs::write(&path, batch.to_string()).unwrap();
    (path, hash.to_string())
}

/// The watchdog is a safety net: forced to strike (a tiny floor and a huge rate), it is a
/// node fault, never a receipt. `exec` runs the batch again on a fresh isolate, then halts:
/// a non-zero exit naming the partition, height, transaction and safety net, and what to do;
/// nothing committed, so the same batch with the default watchdog commits afterwards.
#[test]
fn a_watchdog_strike_halts_exec_and_commits_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let (file, hash) = heavy_deploy(dir.path());
    let (ok, stdout, stderr) = isovm(&[
        "exec",
        "--db",
        db.to_str().unwrap(),
        "--watchdog-ms",
        "0",
        "--watchdog-min-rate",
        "1000000000000",
        file.to_str().unwrap(),
    ]);
    assert!(!ok, "a watchdog strike must not pass: {stdout}");
    assert!(stdout.is_empty(), "no receipt is printed: {stdout}");
    for needle in [
        "heavy.json",
        "partition 0 is halted at height 1",
        &format!("transaction {hash}"),
        "the wall-clock watchdog",
        "on each of 2 attempts",
        "node fault, not the transaction's",
        "nothing of the batch was committed",
        "less loaded machine",
        "--watchdog-ms",
    ] {
        assert!(stderr.contains(needle), "{needle:?} missing in: {stderr}");
    }
    // Each attempt is logged as a fault, with what it hit.
    assert_eq!(
        stderr
            .matches("node fault: the wall-clock watchdog struck")
            .count(),
        2,
        "{stderr}"
    );

    let (ok, stdout, stderr) = exec_unsigned(&db, &[&file]);
    assert!(ok, "{stderr}");
    let lines = json_lines(&stdout);
    assert_eq!(lines[0]["tx_hash"], hash.as_str());
    assert_eq!(lines[0]["status"], "success", "{}", lines[0]);
    assert_eq!(
        blocks(&lines)[0]["replayed"],
        false,
        "height 1 was never committed"
    );
}

/// `isovm bench` runs every measurement and reports the deterministic parts exactly: the gas
/// and results of its fixed workloads, and a code cache V8 accepts.
#[test]
fn bench_reports_every_measurement() {
    let (ok, stdout, stderr) = isovm(&["bench", "--iterations", "20", "--json"]);
    assert!(ok, "isovm bench failed: {stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(report["fibonacci_32"]["result"], "2178309");
    assert_eq!(report["fibonacci_32"]["gas"], 112_786_618);
    assert_eq!(report["concat_2000"]["result"], "2000");
    // Every `s += "x"` past 64 characters pays for the string it makes (`__isovm_cat`).
    assert_eq!(report["concat_2000"]["gas"], 210_906);
    assert!(report["code_cache_bytes"].as_u64().unwrap() > 0);
    assert!(report["snapshot_bytes"].as_u64().unwrap() > 0);
    for timing in [
        "context_snapshot",
        "context_no_snapshot",
        "compile_without_cache",
        "compile_with_cache",
        "call_overhead",
        "token_batch_ms",
    ] {
        assert!(
            report[timing]["samples"].as_u64().unwrap() > 0,
            "{timing} measured nothing"
        );
    }
    assert!(report["token_txs_per_second"].as_f64().unwrap() > 0.0);
}

/// `isovm bench --throughput` runs each workload (token transfers, a storage-heavy and a
/// CPU-heavy contract) through the executor, through `serve` when a broker is given, and,
/// with `node` on PATH, through the Node.js baselines on the same calls: every variant sees
/// the same failed calls (the ones each workload plants), or the run is refused.
#[test]
fn throughput_bench_runs_isovm_and_the_node_baselines_on_one_workload() {
    let (ok, stdout, stderr) = isovm(&[
        "bench",
        "--throughput",
        "--accounts",
        "50",
        "--batches",
        "3",
        "--batch-size",
        "200",
        "--json",
    ]);
    assert!(ok, "isovm bench --throughput failed: {stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let node_present = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    // The test command starts a broker and names it in ISOVM_AMQP_URL, which the bench reads.
    let broker = std::env::var_os("ISOVM_AMQP_URL").is_some();
    let mut expected = vec!["isovm exec"];
    if broker {
        expected.push("isovm serve");
    }
    if node_present {
        expected.extend([
            "Node vm, fresh context/tx",
            "Node vm, one context",
            "limit: plain JS loop",
        ]);
    }
    let workloads = report["workloads"].as_array().unwrap();
    let names: Vec<&str> = workloads
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["token", "kv", "cpu"], "{stdout}");
    for w in workloads {
        assert_eq!(w["serve"].is_null(), broker, "{stdout}");
        assert_eq!(w["node"].is_null(), node_present, "{stdout}");
        let variants = w["variants"].as_array().unwrap();
        let names: Vec<&str> = variants
            .iter()
            .map(|v| v["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, expected, "{stdout}");
        let failed = variants[0]["failed"].as_u64().unwrap();
        assert!(failed > 0, "every workload plants failing calls: {stdout}");
        for v in variants {
            assert_eq!(v["txs"], 600, "{stdout}");
            assert_eq!(v["failed"].as_u64(), Some(failed), "{stdout}");
            assert!(v["tx_per_s"].as_f64().unwrap() > 0.0, "{stdout}");
            assert!(v["isovm_ratio"].as_f64().unwrap() > 0.0, "{stdout}");
            assert!(v["rss_end_mib"].as_f64().unwrap() > 0.0, "{stdout}");
        }
    }
}
