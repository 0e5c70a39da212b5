//! The inspection commands (`isovm state get|keys`, `receipt`, `block`, `contract show`)
//! through the built binary, on real databases: the token example run by `isovm exec`, and
//! chains whose executor holds the database open for writing while the commands read it, and
//! a running `isovm serve` (real RabbitMQ) committing the batches it is published.

mod bus_common;
mod common;

use std::path::Path;

use common::{Chain, abi, call, isovm_signed_only, json_lines, root, tx};
use isovm::schema::Status;
use isovm::state::keys;
use isovm::store::{RocksStore, Store, WriteBatch};
use serde_json::{Value, json};

/// Runs `isovm ARGS --db DB`; returns (exit success, stdout, stderr).
fn inspect(db: &Path, args: &[&str]) -> (bool, String, String) {
    let mut all = args.to_vec();
    all.extend(["--db", db.to_str().unwrap()]);
    isovm_signed_only(&all)
}

/// Like [`inspect`], asserting success; returns stdout.
fn ok(db: &Path, args: &[&str]) -> String {
    let (ok, stdout, stderr) = inspect(db, args);
    assert!(ok, "isovm {args:?} failed: {stderr}");
    stdout
}

/// Like [`inspect`] with `--json`, one JSON value per line.
fn ok_json(db: &Path, args: &[&str]) -> Vec<Value> {
    let mut all = args.to_vec();
    all.push("--json");
    json_lines(&ok(db, &all))
}

/// Asserts that the command fails with exit status 1 and says `what` on stderr.
fn missing(db: &Path, args: &[&str], what: &str) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_isovm"));
    let out = command
        .args(args)
        .args(["--db", db.to_str().unwrap()])
        .env("ISOVM_LOG", "warn")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "isovm {args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "isovm {args:?} printed to stdout");
    assert!(
        stderr.contains(what),
        "isovm {args:?}: {stderr:?} should say {what:?}"
    );
}

/// The token example's two batches run by `isovm exec` into `db`; its output lines.
fn token_example(db: &Path) -> Vec<Value> {
    let dir = root().join("examples/token");
    let files = [dir.join("01-deploy.json"), dir.join("02-transfers.json")];
    let mut args = vec!["exec", "--db", db.to_str().unwrap()];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    let (ok, stdout, stderr) = isovm_signed_only(&args);
    assert!(ok, "isovm exec failed: {stderr}");
    json_lines(&stdout)
}

#[test]
fn state_commands_read_the_token_example_as_the_contract_does() {
    let db = tempfile::tempdir().unwrap();
    let db = db.path();
    token_example(db);
    let state = ["--partition", "0", "--contract", "token"];
    let with = |cmd: &[&'static str], more: &[&'static str]| -> Vec<&'static str> {
        [cmd, &state[..], more].concat()
    };

    assert_eq!(
        ok(db, &with(&["state", "keys"], &[])),
        "value  issuer\nvalue  supply\nmap    balances  (3 fields)\n"
    );
    assert_eq!(
        ok_json(db, &with(&["state", "keys"], &[])),
        [
            json!({"partition": 0, "contract": "token", "values": ["issuer", "supply"],
                "maps": [{"key": "balances", "fields": 3}]})
        ]
    );
    // Fields in insertion order (the order `storage.mapKeys` gives), not byte order.
    assert_eq!(
        ok(db, &with(&["state", "keys"], &["--key", "balances"])),
        "alice\nbobby\ncarol\n"
    );
    assert_eq!(
        ok(db, &with(&["state", "get"], &["--key", "supply"])),
        "1000\n"
    );
    assert_eq!(
        ok(db, &with(&["state", "get"], &["--key", "issuer"])),
        "alice\n"
    );
    // 1000 issued to alice, then moved around by transfers: still 1000 in all.
    let balances: Vec<Value> = ["alice", "bobby", "carol"]
        .iter()
        .map(|who| {
            let line = ok_json(
                db,
                &with(&["state", "get"], &["--key", "balances", "--field", who]),
            );
            line[0].clone()
        })
        .collect();
    let values: Vec<&str> = balances
        .iter()
        .map(|b| b["value"].as_str().unwrap())
        .collect();
    let sum: u64 = values.iter().map(|v| v.parse::<u64>().unwrap()).sum();
    assert_eq!(sum, 1000, "{balances:?}");
    assert_eq!(balances[0]["insertion"], 0);
    assert_eq!(balances[2]["insertion"], 2);
    assert_eq!(balances[1]["field"], "bobby");

    missing(
        db,
        &with(&["state", "get"], &["--key", "nothing"]),
        "no value `nothing`",
    );
    missing(
        db,
        &with(&["state", "get"], &["--key", "balances", "--field", "zed"]),
        "map `balances` of contract `token` of partition 0 has no field `zed`",
    );
    missing(
        db,
        &with(&["state", "get"], &["--key", "stock", "--field", "x"]),
        "has no map `stock`",
    );
    missing(
        db,
        &with(&["state", "keys"], &["--key", "stock"]),
        "has no map `stock`",
    );
    missing(
        db,
        &[
            "state",
            "get",
            "--partition",
            "0",
            "--contract",
            "tokn",
            "--key",
            "supply",
        ],
        "partition 0 has no contract `tokn`",
    );
    missing(
        db,
        &["state", "keys", "--partition", "5", "--contract", "token"],
        "partition 5 has no committed block",
    );
}

#[test]
fn block_receipt_and_contract_show_agree_with_what_exec_printed() {
    let db = tempfile::tempdir().unwrap();
    let db = db.path();
    let lines = token_example(db);
    let blocks: Vec<&Value> = lines
        .iter()
        .filter(|l| l.get("state_root").is_some())
        .collect();
    let receipts: Vec<&Value> = lines.iter().filter(|l| l.get("status").is_some()).collect();
    assert_eq!(blocks.len(), 2);

    // Every receipt exec printed is found by its hash, where it was.
    let mut n = 0;
    for block in &blocks {
        let height = block["height"].as_u64().unwrap();
        let shown = ok_json(db, &["block", "0", &height.to_string()]);
        assert_eq!(shown.len(), 1);
        let shown = &shown[0];
        assert_eq!(shown["state_root"], block["state_root"]);
        assert_eq!(shown["height"], height);
        let count = block["receipts"].as_u64().unwrap() as usize;
        assert_eq!(shown["receipts"].as_array().unwrap().len(), count);
        for index in 0..count {
            let printed = receipts[n];
            n += 1;
            assert_eq!(&shown["receipts"][index], printed);
            let hash = printed["tx_hash"].as_str().unwrap();
            let found = ok_json(db, &["receipt", hash]);
            assert_eq!(found.len(), 1, "{found:?}");
            let found = &found[0];
            assert_eq!(found["partition"], 0);
            assert_eq!(found["height"], height);
            assert_eq!(found["index"], index);
            assert_eq!(found["ran"], true);
            for field in [
                "tx_hash", "status", "gas_used", "returns", "message", "events",
            ] {
                assert_eq!(found[field], printed[field], "{field} of {hash}");
            }
        }
    }
    assert_eq!(n, receipts.len());

    // Human forms: a summary, then a line per receipt.
    let text = ok(db, &["block", "0", "2"]);
    let text_lines: Vec<&str> = text.lines().collect();
    let root = blocks[1]["state_root"].as_str().unwrap();
    assert!(text.contains(&format!("state root  {root}")), "{text}");
    assert!(
        text.contains("receipts    4 (3 success, 1 runtime_error)"),
        "{text}"
    );
    assert_eq!(text_lines.len(), 6 + 4, "{text}");
    let failed = receipts
        .iter()
        .find(|r| r["status"] == "runtime_error")
        .unwrap();
    let failed_hash = failed["tx_hash"].as_str().unwrap();
    let failed_line = text_lines.iter().find(|l| l.contains(failed_hash)).unwrap();
    assert!(
        failed_line.contains("insufficient balance"),
        "{failed_line}"
    );
    let shown = ok(db, &["receipt", failed_hash]);
    assert!(
        shown.contains("block      partition 0, height 2, index 1"),
        "{shown}"
    );
    assert!(shown.contains("status     runtime_error\n"), "{shown}");
    assert!(
        shown.contains("message    Error: insufficient balance"),
        "{shown}"
    );

    let contract = &ok_json(db, &["contract", "show", "0", "token"])[0];
    assert_eq!(contract["id"], "token");
    assert_eq!(contract["owner"], "alice");
    assert_eq!(contract["deployed_at"], 1);
    assert_eq!(contract["updated_at"], Value::Null);
    assert_eq!(contract["code_hash"].as_str().unwrap().len(), 64);
    let methods: Vec<&str> = contract["abi"]["abi"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        methods,
        ["issue", "transfer", "balanceOf", "holders", "supply"]
    );
    let text = ok(db, &["contract", "show", "0", "token"]);
    assert!(text.contains("owner        alice\n"), "{text}");
    assert!(text.contains("deployed at  height 1\n"), "{text}");
    assert!(text.contains("updated at   never\n"), "{text}");
    assert!(
        text.contains("  transfer(string, string, number)\n"),
        "{text}"
    );

    missing(
        db,
        &["block", "0", "3"],
        "partition 0 has no block at height 3: its head is height 2",
    );
    missing(
        db,
        &["block", "1", "1"],
        "partition 1 has no committed block",
    );
    missing(
        db,
        &["receipt", "NoSuchHash"],
        "no receipt of transaction NoSuchHash",
    );
    missing(
        db,
        &["contract", "show", "0", "nope"],
        "partition 0 has no contract `nope`",
    );
    missing(db, &["contract", "show", "0", "token.iost"], "is built in");
}

#[test]
fn a_database_that_is_not_there_is_an_error_and_is_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let absent = dir.path().join("no-db");
    for args in [
        &["block", "0", "1"][..],
        &["receipt", "H"],
        &["contract", "show", "0", "token"],
        &["state", "keys", "--partition", "0", "--contract", "token"],
    ] {
        missing(
            &absent,
            args,
            &format!("database {} does not exist", absent.display()),
        );
        assert!(!absent.exists(), "isovm {args:?} made {}", absent.display());
    }
    missing(dir.path(), &["block", "0", "1"], "is not an isovm database");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// A counter contract whose code can be replaced (its `can_update` agrees).
fn counter(version: u32) -> String {
    format!(
        r#"
class Counter {{
  init() {{ storage.put("n", "0"); }}
  bump() {{ storage.put("n", String(Number(storage.get("n")) + {version})); }}
  can_update(data) {{ return true; }}
}}
module.exports = Counter;
"#
    )
}

fn counter_abi() -> String {
    abi(&[("bump", &[]), ("can_update", &["string"])])
}

/// While the executor holds the database (its RocksDB lock, writing), the commands read
/// what it committed, and each run sees the latest commit; the executor goes on writing.
#[tokio::test]
async fn inspection_reads_a_database_the_executor_holds_and_writes() {
    let mut chain = Chain::new();
    let db = chain.dir.path().to_path_buf();
    chain.deploy(&counter(1), &counter_abi(), "counter").await;
    let bump = chain
        .run("bob", vec![call("counter", "bump", json!([]))])
        .await;
    assert_eq!(bump.status, Status::Success, "{}", bump.message);
    assert!(
        RocksStore::open(&db).is_err(),
        "the executor holds the lock"
    );
    let get = [
        "state",
        "get",
        "--partition",
        "0",
        "--contract",
        "counter",
        "--key",
        "n",
    ];
    assert_eq!(ok(&db, &get), "1\n");
    let found = ok_json(&db, &["receipt", &bump.tx_hash]);
    assert_eq!(
        (found[0]["height"].as_u64(), found[0]["index"].as_u64()),
        (Some(2), Some(0))
    );

    // An update (height 3): `contract show` tells the deploy and the update apart.
    let update = chain
        .run(
            "alice",
            vec![call(
                "system",
                "updateCode",
                json!([counter(10), counter_abi(), "counter", "go"]),
            )],
        )
        .await;
    assert_eq!(update.status, Status::Success, "{}", update.message);
    let bump = chain
        .run("bob", vec![call("counter", "bump", json!([]))])
        .await;
    assert_eq!(bump.status, Status::Success, "{}", bump.message);
    assert_eq!(ok(&db, &get), "11\n");
    let shown = &ok_json(&db, &["contract", "show", "0", "counter"])[0];
    assert_eq!(
        (shown["deployed_at"].as_u64(), shown["updated_at"].as_u64()),
        (Some(1), Some(3))
    );
    let head = ok_json(&db, &["block", "0", "4"]);
    assert_eq!(
        head[0]["state_root"],
        chain.executor.head(0).unwrap().1.to_hex()
    );
    // Bumps after the update do not count as updates.
    let text = ok(&db, &["contract", "show", "0", "counter"]);
    assert!(text.contains("updated at   height 3\n"), "{text}");
}

/// A hash answered several times (run once, then refused as a duplicate, in a later block
/// and later in the same block) has a receipt per answer, and the index says which ran; a
/// replayed height (the same batch again) adds nothing.
#[tokio::test]
async fn every_receipt_of_a_hash_is_found_and_the_one_that_ran_is_marked() {
    let mut chain = Chain::new();
    chain.deploy(&counter(1), &counter_abi(), "counter").await;
    let once = tx("bob", vec![call("counter", "bump", json!([]))]);
    let first = chain.block(vec![once.clone(), once.clone()]).await;
    assert_eq!(first.receipts[0].status, Status::Success);
    assert_eq!(first.receipts[1].status, Status::Duplicate);
    let batch = chain.batch(vec![
        tx("carol", vec![call("counter", "bump", json!([]))]),
        once.clone(),
    ]);
    let later = chain.executor.execute(batch.clone()).await.unwrap();
    assert_eq!(later.result.receipts[1].status, Status::Duplicate);
    let replayed = chain.executor.execute(batch).await.unwrap();
    assert!(replayed.replayed);

    let db = chain.dir.path();
    let found = ok_json(db, &["receipt", &once.hash]);
    let places: Vec<(u64, u64, bool, &str)> = found
        .iter()
        .map(|f| {
            (
                f["height"].as_u64().unwrap(),
                f["index"].as_u64().unwrap(),
                f["ran"].as_bool().unwrap(),
                f["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        places,
        [
            (2, 0, true, "success"),
            (2, 1, false, "duplicate"),
            (3, 1, false, "duplicate")
        ]
    );
    let text = ok(db, &["receipt", &once.hash]);
    assert_eq!(text.matches("tx         ").count(), 3, "{text}");
    assert!(
        text.contains("status     duplicate (refused: it did not run here)"),
        "{text}"
    );
}

/// A database whose contract record was last written before the index existed: the last
/// update is "unknown", never guessed.
#[tokio::test]
async fn a_contract_written_before_the_index_has_an_unknown_last_update() {
    let mut chain = Chain::new();
    chain.deploy(&counter(1), &counter_abi(), "counter").await;
    let Chain { executor, dir, .. } = chain;
    drop(executor);
    let store = RocksStore::open(dir.path()).unwrap();
    let mut batch = WriteBatch::default();
    batch.delete(keys::contract_written_key(0, "counter"));
    store.write(batch).unwrap();
    drop(store);
    let shown = &ok_json(dir.path(), &["contract", "show", "0", "counter"])[0];
    assert_eq!(shown["updated_at"], "unknown");
    assert_eq!(shown["deployed_at"], 1);
    let text = ok(dir.path(), &["contract", "show", "0", "counter"]);
    assert!(text.contains("updated at   unknown"), "{text}");
}

/// While `isovm serve` runs on the database (another process, holding its lock), the
/// commands read every block it committed, with the roots it published.
#[tokio::test(flavor = "multi_thread")]
async fn inspection_reads_the_database_of_a_running_serve() {
    use bus_common::{Inbox, Serve, TestBus, amqp_url, has_all, results, run_isovm, token_stream};
    let bus = TestBus::new(&amqp_url(), None, "");
    let files = token_stream(bus.dir.path(), 4, 3);
    let client = bus.client().await;
    client.declare_topology().await.unwrap();
    let mut inbox = Inbox::all_results(&client).await;
    let db = bus.dir.path().join("db");
    let mut serve = Serve::start(&db, &bus, "serve.log", &[]);
    let config = bus.config_file.display().to_string();
    let mut publish = vec!["publish", "--config", &config];
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    publish.extend(names.iter().map(String::as_str));
    run_isovm(&publish);
    let wait = std::time::Duration::from_secs(60);
    inbox
        .wait_until(wait, "results for heights 1..=4", |m| has_all(m, 4))
        .await;
    assert!(serve.is_running(), "{}", serve.log_text());
    assert!(RocksStore::open(&db).is_err(), "serve holds the database");
    for (result, _) in results(&inbox.seen) {
        let shown = &ok_json(&db, &["block", "0", &result.height.to_string()])[0];
        assert_eq!(shown["state_root"], result.state_root.as_str());
        let last = result.receipts.last().unwrap();
        let found = ok_json(&db, &["receipt", &last.tx_hash]);
        assert_eq!(found[0]["height"], result.height);
        assert_eq!(found[0]["index"], result.receipts.len() - 1);
        assert_eq!(found[0]["status"], json!(last.status));
    }
    let supply = [
        "state",
        "get",
        "--partition",
        "0",
        "--contract",
        "token",
        "--key",
        "supply",
    ];
    assert_eq!(ok(&db, &supply), "1000\n");
    serve.stop_cleanly(wait);
    client.close().await;
    bus.cleanup().await;
}
