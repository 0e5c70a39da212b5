//! The spans of execution (`exec/spans.rs`) in the logs of the real binary: every line a
//! transaction logs names its batch (partition, height, txs) and, with `isovm::tx=debug`,
//! its transaction (partition, height, index, hash, contract, method), in the JSON and the
//! human formats; under the default filter, the batch only.

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

/// A batch: a contract whose `hello` logs a line and whose `fail` logs one then throws,
/// deployed, then called once each.
fn batch(dir: &Path) -> PathBuf {
    let code = "class Talk {\n  init() {}\n  hello(who) { console.log(\"hello \" + who); return who; }\n  fail() { console.warn(\"about to fail\"); throw new Error(\"no\"); }\n}\nmodule.exports = Talk;\n";
    let abi = r#"{"lang":"javascript","version":"1.0.0","abi":[{"name":"hello","args":["string"]},{"name":"fail","args":[]}]}"#;
    let tx = |hash: &str, method: &str, args: Value| {
        serde_json::json!({"hash": hash, "publisher": "alice", "gas_limit": 1000000,
            "actions": [{"contract": if method == "deploy" { "system" } else { "talk" },
                         "method": method, "args": args}]})
    };
    let batch = serde_json::json!({
        "partition": 3,
        "height": 1,
        "timestamp_ms": 1767225600000u64,
        "txs": [
            tx("SpanDeps1", "deploy", serde_json::json!([code, abi, "talk"])),
            tx("SpanHi1", "hello", serde_json::json!(["bob"])),
            tx("SpanFai1", "fail", serde_json::json!([])),
        ]
    });
    let path = dir.join("talk.json");
    std::fs::write(&path, batch.to_string()).unwrap();
    path
}

/// `isovm exec` of the batch with `--log-format FORMAT --log FILTER`: its stderr.
fn exec_logs(format: &str, filter: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = batch(dir.path());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_isovm"))
        .args(["--log-format", format, "--log", filter, "exec", "--db"])
        .arg(dir.path().join("db"))
        .arg(&file)
        .env("ISOVM_INSECURE_ACCEPT_UNSIGNED_TRANSACTIONS", "1")
        .env(
            "XDG_CACHE_HOME",
            std::env::temp_dir().join("isovm-test-cache"),
        )
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "exec failed: {stderr}");
    let statuses: Vec<Value> = common::json_lines(&stdout)
        .into_iter()
        .filter_map(|l| l.get("status").cloned())
        .collect();
    assert_eq!(statuses[..2], ["success", "success"], "{stdout}");
    assert_ne!(statuses[2], "success", "{stdout}");
    stderr
}

/// The JSON log line whose message is `message`.
fn line_with(logs: &str, message: &str) -> Value {
    logs.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| l["fields"]["message"] == message)
        .unwrap_or_else(|| panic!("no line {message:?} in:\n{logs}"))
}

#[test]
fn json_lines_carry_the_batch_and_transaction_spans() {
    let logs = exec_logs("json", "warn,isovm=info,isovm::tx=debug");
    for (message, index, hash, method) in [
        ("hello bob", 1, "SpanHi1", "hello"),
        ("about to fail", 2, "SpanFai1", "fail"),
    ] {
        let line = line_with(&logs, message);
        let spans = line["spans"].as_array().unwrap_or_else(|| panic!("{line}"));
        let names: Vec<&str> = spans.iter().map(|s| s["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["batch", "tx"], "{line}");
        let batch = &spans[0];
        assert_eq!(
            (&batch["partition"], &batch["height"], &batch["txs"]),
            (&Value::from(3), &Value::from(1), &Value::from(3)),
            "{line}"
        );
        let tx = &line["span"];
        assert_eq!(tx["name"], "tx", "{line}");
        assert_eq!(tx["partition"], 3, "{line}");
        assert_eq!(tx["height"], 1, "{line}");
        assert_eq!(tx["index"], index, "{line}");
        assert_eq!(tx["tx"], hash, "{line}");
        assert_eq!(tx["contract"], "talk", "{line}");
        assert_eq!(tx["method"], method, "{line}");
    }
}

#[test]
fn the_default_filter_names_the_batch_only() {
    let logs = exec_logs("json", "warn,isovm=info");
    let line = line_with(&logs, "hello bob");
    let spans = line["spans"].as_array().unwrap_or_else(|| panic!("{line}"));
    let names: Vec<&str> = spans.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["batch"], "{line}");
    assert_eq!(line["span"]["height"], 1, "{line}");
}

#[test]
fn human_lines_carry_the_spans_too() {
    let logs = exec_logs("human", "warn,isovm=info,isovm::tx=debug");
    let line = logs
        .lines()
        .find(|l| l.contains("hello bob"))
        .unwrap_or_else(|| panic!("no hello line in:\n{logs}"));
    // No colours: stderr is not a terminal.
    assert!(
        line.contains("batch{partition=3 height=1 txs=3}:tx{partition=3 height=1 index=1 tx=SpanHi1 contract=\"talk\" method=\"hello\"}"),
        "{line}"
    );
}
