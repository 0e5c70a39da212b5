//! `isovm replay` and `isovm checkpoint` end to end: histories made by the real binary (or an
//! executor writing while a checkpoint is taken) on real RocksDB in temp dirs, replayed by
//! the binary; stored bytes flipped to see that replay stops naming partition, height, tx;
//! a running `serve` (real RabbitMQ on loopback) checkpointing its database on request.

mod bus_common;
mod common;

use std::path::{Path, PathBuf};

use common::{abi, call, deploy, isovm, json_lines, root, tx};
use isovm::exec::CommittedBlock;
use isovm::schema::{Batch, Tx};
use isovm::state::keys;
use isovm::store::{ReadView, RocksReader, RocksStore, Store, WriteBatch};
use serde_json::{Value, json};

const COUNTER: &str = r#"
class Counter {
  init() { storage.put("n", "0"); }
  add(k, v) { storage.put(k, String(Number(storage.get(k) || "0") + v)); return storage.get(k); }
  fail(why) { throw new Error(why); }
}
module.exports = Counter;
"#;

fn counter_abi() -> String {
    abi(&[("add", &["string", "number"]), ("fail", &["string"])])
}

fn batch(partition: u32, height: u64, txs: Vec<Tx>) -> Batch {
    Batch {
        partition,
        height,
        timestamp_ms: 1_767_225_600_000 + height * 1000,
        producer: "producer-1".into(),
        txs,
    }
}

/// The batches of a counter partition: a deploy, then `heights - 1` blocks of adds with a
/// failing transaction in each.
fn counter_batches(partition: u32, heights: u64) -> Vec<Batch> {
    let mut out = vec![batch(
        partition,
        1,
        vec![tx(
            "alice",
            vec![deploy(COUNTER, &counter_abi(), "counter")],
        )],
    )];
    for height in 2..=heights {
        out.push(batch(
            partition,
            height,
            vec![
                tx("alice", vec![call("counter", "add", json!(["n", height]))]),
                tx("bob", vec![call("counter", "fail", json!(["no"]))]),
                tx("bob", vec![call("counter", "add", json!(["m", 1]))]),
            ],
        ));
    }
    out
}

/// Writes `batches` as JSON files into `dir`; their paths in order.
fn write_batches(dir: &Path, batches: &[Batch]) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    batches
        .iter()
        .map(|b| {
            let path = dir.join(format!("p{}-h{}.json", b.partition, b.height));
            std::fs::write(&path, isovm::schema::to_json(b)).unwrap();
            path
        })
        .collect()
}

fn run(args: &[&str]) -> (bool, String, String) {
    isovm(args)
}

fn exec(db: &Path, files: &[PathBuf]) -> Vec<Value> {
    let mut args = vec!["exec", "--db", db.to_str().unwrap()];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    let (ok, stdout, stderr) = run(&args);
    assert!(ok, "isovm exec failed: {stderr}");
    json_lines(&stdout)
        .into_iter()
        .filter(|l| l.get("state_root").is_some())
        .collect()
}

/// A history in `dir/a`: the token example (partition 0: deploys, transfers, a failing
/// one), and counters on partitions 1 (4 heights) and 2 (3 heights).
fn make_history(dir: &Path) -> PathBuf {
    let db = dir.join("a");
    let token = root().join("examples/token");
    let mut files = vec![
        token.join("01-deploy.json"),
        token.join("02-transfers.json"),
    ];
    let mut batches = counter_batches(1, 4);
    batches.extend(counter_batches(2, 3));
    files.extend(write_batches(&dir.join("batches"), &batches));
    assert_eq!(exec(&db, &files).len(), 9);
    db
}

fn replay(from: &Path, to: &Path, extra: &[&str]) -> (bool, Value, String) {
    let mut args = vec![
        "replay",
        "--from-db",
        from.to_str().unwrap(),
        "--to-db",
        to.to_str().unwrap(),
        "--json",
    ];
    args.extend(extra);
    let (ok, stdout, stderr) = run(&args);
    let report = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not a JSON report ({e}): {stdout}\nstderr: {stderr}"));
    (ok, report, stderr)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// Applies `change` to the value at `key` in the (closed) database `db`.
fn edit(db: &Path, key: &[u8], change: impl FnOnce(&mut Vec<u8>)) {
    let store = RocksStore::open(db).unwrap();
    let mut value = store
        .get(key)
        .unwrap()
        .unwrap_or_else(|| panic!("no value at {}", key.escape_ascii()));
    change(&mut value);
    let mut write = WriteBatch::default();
    write.put(key.to_vec(), value);
    store.write(write).unwrap();
}

fn stored_block(db: &Path, partition: u32, height: u64) -> CommittedBlock {
    let store = RocksReader::open(db).unwrap();
    let bytes = store
        .get(&keys::result_key(partition, height))
        .unwrap()
        .unwrap();
    rmp_serde::from_slice(&bytes).unwrap()
}

#[test]
fn replay_passes_on_a_real_history_and_honours_to_and_partition() {
    let dir = tempfile::tempdir().unwrap();
    let a = make_history(dir.path());

    let b = dir.path().join("b");
    let (ok, report, stderr) = replay(&a, &b, &[]);
    assert!(ok, "{report}\n{stderr}");
    assert_eq!(report["ok"], true);
    assert_eq!(report["blocks"], 9);
    assert_eq!(report["txs"], 5 + 4 + (1 + 3 * 3) + (1 + 3 * 2));
    let parts = report["partitions"].as_array().unwrap();
    let heights: Vec<(u64, u64)> = parts
        .iter()
        .map(|p| {
            (
                p["partition"].as_u64().unwrap(),
                p["height"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(heights, [(0, 2), (1, 4), (2, 3)]);
    for part in parts {
        assert_eq!(part["state_checked"], true, "{part}");
        let p = part["partition"].as_u64().unwrap() as u32;
        let h = part["height"].as_u64().unwrap();
        assert_eq!(part["state_root"], stored_block(&a, p, h).result.state_root);
    }
    // The replayed database is a database like the source: same results, batches kept.
    for (p, h) in heights.iter().map(|&(p, h)| (p as u32, h)) {
        assert_eq!(stored_block(&b, p, h), stored_block(&a, p, h));
    }

    // Into a database that is not empty: refused, nothing run.
    let (ok, stdout, stderr) = run(&[
        "replay",
        "--from-db",
        a.to_str().unwrap(),
        "--to-db",
        b.to_str().unwrap(),
    ]);
    assert!(!ok, "{stdout}");
    assert!(stderr.contains("is not empty"), "{stderr}");

    // One partition, up to a height: only those blocks; the state is not compared.
    let c = dir.path().join("c");
    let (ok, report, stderr) = replay(&a, &c, &["--partition", "1", "--to", "2"]);
    assert!(ok, "{report}\n{stderr}");
    assert_eq!(report["blocks"], 2);
    assert_eq!(report["txs"], 1 + 3);
    let parts = report["partitions"].as_array().unwrap();
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0]["partition"], 1);
    assert_eq!(parts[0]["height"], 2);
    assert_eq!(parts[0]["head"], 4);
    assert_eq!(parts[0]["state_checked"], false);
    assert_eq!(
        parts[0]["state_root"],
        stored_block(&a, 1, 2).result.state_root
    );
    let replayed = RocksReader::open(&c).unwrap();
    assert!(replayed.get(&keys::result_key(1, 3)).unwrap().is_none());
    assert!(replayed.get(&keys::head_key(0)).unwrap().is_none());

    // The text summary, and a partition the source does not hold.
    let d = dir.path().join("d");
    let (ok, stdout, stderr) = run(&[
        "replay",
        "--from-db",
        a.to_str().unwrap(),
        "--to-db",
        d.to_str().unwrap(),
        "--partition",
        "2",
    ]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("partition 2: 3 blocks, 7 txs, height 3 of 3")
            && stdout.contains("every state root and receipt matches"),
        "{stdout}"
    );
    let (ok, _, stderr) = run(&[
        "replay",
        "--from-db",
        a.to_str().unwrap(),
        "--to-db",
        dir.path().join("e").to_str().unwrap(),
        "--partition",
        "9",
    ]);
    assert!(!ok);
    assert!(
        stderr.contains("partition 9 has no committed block here (partitions: 0, 1, 2)"),
        "{stderr}"
    );
}

/// Replays a copy of `history` after `corrupt` changed it; the report of the failed replay.
fn replay_corrupted(history: &Path, name: &str, corrupt: impl FnOnce(&Path)) -> (Value, String) {
    let dir = history.parent().unwrap().join(name);
    let a = dir.join("a");
    copy_dir(history, &a);
    corrupt(&a);
    let (ok, report, stderr) = replay(&a, &dir.join("b"), &[]);
    assert!(
        !ok,
        "replay passed on a corrupted history ({name}): {report}"
    );
    assert_eq!(report["ok"], false);
    (report["stopped"].clone(), stderr)
}

#[test]
fn replay_stops_at_a_flipped_byte_naming_partition_height_and_tx() {
    let dir = tempfile::tempdir().unwrap();
    let a = make_history(dir.path());

    // A stored receipt: the failing transfer's message, one letter changed.
    let failing = stored_block(&a, 0, 2)
        .result
        .receipts
        .iter()
        .position(|r| r.message.starts_with("Error: insufficient balance"))
        .unwrap();
    let (stopped, stderr) = replay_corrupted(&a, "receipt", |db| {
        edit(db, &keys::result_key(0, 2), |bytes| {
            let at = bytes
                .windows(12)
                .position(|w| w == b"insufficient")
                .unwrap();
            bytes[at] = b'I';
        })
    });
    assert_eq!(stopped["kind"], "mismatch", "{stopped}");
    assert_eq!(
        (&stopped["partition"], &stopped["height"], &stopped["field"]),
        (&json!(0), &json!(2), &json!("message"))
    );
    assert_eq!(stopped["tx_index"], failing);
    assert!(stopped["stored"].as_str().unwrap().contains("Insufficient"));
    assert!(
        stderr.contains(&format!(
            "replay stopped: partition 0, height 2, transaction {failing} ("
        )),
        "{stderr}"
    );

    // A state change as the block records it (partition 1, height 3): its last byte.
    let (stopped, _) = replay_corrupted(&a, "change", |db| {
        let key = keys::result_key(1, 3);
        edit(db, &key, |bytes| {
            let mut block: CommittedBlock = rmp_serde::from_slice(bytes).unwrap();
            let value = block.changes[0].value.as_mut().unwrap();
            *value.last_mut().unwrap() ^= 1;
            *bytes = isovm::schema::to_msgpack(&block);
        })
    });
    assert_eq!(stopped["kind"], "mismatch", "{stopped}");
    assert_eq!(
        (&stopped["partition"], &stopped["height"], &stopped["field"]),
        (&json!(1), &json!(3), &json!("changes[0]"))
    );

    // The state itself (partition 2's counter, last written at height 3): one byte.
    let key = keys::value_key(2, "counter", "n");
    let (stopped, stderr) = replay_corrupted(&a, "state", |db| {
        edit(db, &key, |bytes| *bytes.last_mut().unwrap() ^= 1)
    });
    assert_eq!(stopped["kind"], "state_differs", "{stopped}");
    assert_eq!(
        (&stopped["partition"], &stopped["written_at"]),
        (&json!(2), &json!(3))
    );
    assert_eq!(stopped["key"], key.escape_ascii().to_string());
    assert!(
        stderr.contains("partition 2: every block matched up to height 3"),
        "{stderr}"
    );

    // A stored batch: one byte of it; and a batch that is not there at all.
    let (stopped, _) = replay_corrupted(&a, "batch", |db| {
        edit(db, &keys::batch_key(1, 2), |bytes| {
            *bytes.last_mut().unwrap() ^= 1;
        })
    });
    assert_eq!(stopped["kind"], "history", "{stopped}");
    let message = stopped["message"].as_str().unwrap();
    assert!(
        message.starts_with("partition 1, height 2: the stored batch is corrupt"),
        "{message}"
    );
    let (stopped, _) = replay_corrupted(&a, "no-batch", |db| {
        let store = RocksStore::open(db).unwrap();
        let mut write = WriteBatch::default();
        write.delete(keys::batch_key(2, 2));
        store.write(write).unwrap();
    });
    let message = stopped["message"].as_str().unwrap();
    assert!(
        message.starts_with("partition 2, height 2: no batch is kept for this block"),
        "{message}"
    );

    // A node that keeps no batches: its history runs and commits alike, but cannot be
    // replayed, and replay says why at its first height.
    let unkept = dir.path().join("unkept");
    let files = write_batches(&dir.path().join("unkept-batches"), &counter_batches(3, 2));
    let mut args = vec![
        "exec",
        "--keep-batches",
        "false",
        "--db",
        unkept.to_str().unwrap(),
    ];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    let (ok, _, stderr) = run(&args);
    assert!(ok, "{stderr}");
    let (ok, report, stderr) = replay(&unkept, &dir.path().join("unkept-replayed"), &[]);
    assert!(!ok);
    let message = report["stopped"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("partition 3, height 1: no batch is kept for this block")
            && message.contains("kept no batches"),
        "{message}"
    );
    assert!(
        stderr.contains("error: replay stopped: partition 3, height 1"),
        "{stderr}"
    );
}

/// The block lines' `(partition, height, state_root)`.
fn roots(blocks: &[Value]) -> Vec<(u64, u64, String)> {
    blocks
        .iter()
        .map(|b| {
            (
                b["partition"].as_u64().unwrap(),
                b["height"].as_u64().unwrap(),
                b["state_root"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkpoint_taken_while_a_writer_runs_replays_and_continues_alike() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let all: Vec<Batch> = counter_batches(1, 30)
        .into_iter()
        .chain(counter_batches(2, 30))
        .collect();
    let executor = common::open(&a, common::options());
    let writer = {
        let executor = executor.clone();
        let batches = all.clone();
        tokio::spawn(async move {
            let (one, two): (Vec<Batch>, Vec<Batch>) =
                batches.into_iter().partition(|b| b.partition == 1);
            let lane = |batches: Vec<Batch>| {
                let executor = executor.clone();
                async move {
                    for batch in batches {
                        executor.execute(batch).await.unwrap();
                    }
                }
            };
            tokio::join!(lane(one), lane(two));
        })
    };
    // Once the writer is under way, the checkpoint, while it goes on writing.
    while executor.head(1).unwrap().0 < 5 || executor.head(2).unwrap().0 < 1 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let ckpt = dir.path().join("ckpt");
    let heads = executor.checkpoint(ckpt.clone()).await.unwrap();
    // A second process cannot checkpoint what this one holds: it says who can.
    let (ok, _, stderr) = run(&[
        "checkpoint",
        "--db",
        a.to_str().unwrap(),
        dir.path().join("other").to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(stderr.contains("--endpoint HOST:PORT"), "{stderr}");
    writer.await.unwrap();
    assert!(
        heads.iter().any(|(_, head)| head.height < 30),
        "the writer was still writing: {heads:?}"
    );
    drop(executor);

    // Every head the checkpoint holds is a block the original committed, whole.
    let original = RocksReader::open(&a).unwrap();
    let copy = RocksReader::open(&ckpt).unwrap();
    for (partition, head) in &heads {
        let ours: CommittedBlock = rmp_serde::from_slice(
            &original
                .get(&keys::result_key(*partition, head.height))
                .unwrap()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(ours.result.state_root, head.root().to_hex());
        assert!(
            copy.get(&keys::result_key(*partition, head.height + 1))
                .unwrap()
                .is_none()
        );
    }
    drop((original, copy));

    // The checkpoint replays.
    let (ok, report, stderr) = replay(&ckpt, &dir.path().join("replayed"), &[]);
    assert!(ok, "{report}\n{stderr}");
    let replayed: u64 = heads.iter().map(|(_, h)| h.height).sum();
    assert_eq!(report["blocks"], replayed);

    // The checkpoint continues with the batches it lacks, to the original's roots; then both
    // go on with the same later batches, to the same roots.
    let files = write_batches(&dir.path().join("batches"), &all);
    let missing: Vec<PathBuf> = all
        .iter()
        .zip(&files)
        .filter(|(b, _)| {
            let (_, head) = heads.iter().find(|(p, _)| *p == b.partition).unwrap();
            b.height > head.height
        })
        .map(|(_, f)| f.clone())
        .collect();
    exec(&ckpt, &missing);
    let later: Vec<Batch> = [1, 2]
        .into_iter()
        .map(|p| {
            batch(
                p,
                31,
                vec![tx("carol", vec![call("counter", "add", json!(["n", 7]))])],
            )
        })
        .collect();
    let later_files = write_batches(&dir.path().join("later"), &later);
    let (from_original, from_checkpoint) = (exec(&a, &later_files), exec(&ckpt, &later_files));
    assert_eq!(roots(&from_original), roots(&from_checkpoint));

    // The command: DIR must be new; then the heads it holds, one JSON line.
    let (ok, _, stderr) = run(&[
        "checkpoint",
        "--db",
        a.to_str().unwrap(),
        ckpt.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(stderr.contains("already exists"), "{stderr}");
    let again = dir.path().join("again");
    let (ok, stdout, stderr) = run(&[
        "checkpoint",
        "--db",
        a.to_str().unwrap(),
        again.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    let line = &json_lines(&stdout)[0];
    let expect: Vec<Value> = roots(&from_original)
        .into_iter()
        .map(|(p, h, root)| json!({"partition": p, "height": h, "state_root": root}))
        .collect();
    assert_eq!(line["partitions"], Value::Array(expect));
}

/// Waits until `addr` answers HTTP at all.
async fn wait_listening(addr: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "{addr} never listened"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn run_async(args: Vec<String>) -> (bool, String, String) {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&args)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_running_serve_checkpoints_its_database_on_request() {
    use bus_common::{Serve, TestBus, broker::free_port, heights};
    let wait = std::time::Duration::from_secs(60);
    let bus = TestBus::new(&bus_common::amqp_url(), None, "");
    let last = 12;
    let files = bus_common::token_stream(bus.dir.path(), last, 20);
    let clean = bus_common::clean_roots(&files);
    let (client, mut inbox) = bus.results_inbox().await;
    let addr = format!("127.0.0.1:{}", free_port());
    let db = bus.dir.path().join("db");
    let mut serve = Serve::start(&db, &bus, "serve.log", &["--metrics-addr", &addr]);
    wait_listening(&addr).await;
    bus_common::publish_files(&client, &files).await;
    inbox
        .wait_until(wait, "height 3", |m| heights(m).contains(&3))
        .await;

    // While serve holds the database and goes on committing: it makes the checkpoint.
    let ckpt = bus.dir.path().join("ckpt");
    let (ok, stdout, stderr) = run_async(vec![
        "checkpoint".into(),
        "--endpoint".into(),
        addr.clone(),
        ckpt.display().to_string(),
    ])
    .await;
    assert!(ok, "{stderr}\nserve log:\n{}", serve.log_text());
    let report = &json_lines(&stdout)[0];
    assert_eq!(report["checkpoint"], ckpt.display().to_string());
    let part = &report["partitions"][0];
    let height = part["height"].as_u64().unwrap();
    assert!((3..=last).contains(&height), "{report}");
    assert_eq!(part["state_root"], clean[&height]);
    // Not twice into one directory.
    let (ok, _, stderr) = run_async(vec![
        "checkpoint".into(),
        "--endpoint".into(),
        addr.clone(),
        ckpt.display().to_string(),
    ])
    .await;
    assert!(!ok);
    assert!(
        stderr.contains("HTTP 409") && stderr.contains("already exists"),
        "{stderr}"
    );

    inbox
        .wait_until(wait, "every result", |m| bus_common::has_all(m, last))
        .await;
    serve.stop_cleanly(wait);

    // The checkpoint replays, and continues with the same batches to the same roots.
    let (ok, report, stderr) = replay(&ckpt, &bus.dir.path().join("replayed"), &[]);
    assert!(ok, "{report}\n{stderr}");
    assert_eq!(report["blocks"], height);
    let continued = bus_common::exec_roots(&ckpt, &files);
    for (h, (root, replayed)) in &continued {
        assert_eq!(root, &clean[h], "height {h}");
        assert_eq!(*replayed, *h <= height, "height {h}");
    }
    assert_eq!(continued.len() as u64, last);
    bus.cleanup().await;
}
