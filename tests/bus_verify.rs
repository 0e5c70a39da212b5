//! `isovm verify`, the validator, on a real broker with real V8: it re-executes every batch
//! on its own database and compares each block's result with the published one. With an
//! honest `serve` it finds nothing; a result altered on the bus is reported exactly (the
//! partition, height, transaction, field and both values, on the `divergence` routing key and
//! in the log); results that come before their batches, batches out of order and copies of
//! results are handled.

mod bus_common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use bus_common::*;
use isovm::bus::{BusMessage, Client, Source, Subscription};
use isovm::schema::{BlockResult, Divergence, Receipt, Status};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(90);

/// An inbox of every divergence published on `client`'s topology.
async fn divergences_inbox(client: &Client) -> Inbox {
    let subscription = Subscription {
        source: Source::Divergences,
        partition: None,
        contract: None,
        queue: None,
    };
    Inbox::open(client, subscription).await
}

fn divergences(messages: &[BusMessage]) -> Vec<&Divergence> {
    messages
        .iter()
        .filter_map(|m| match m {
            BusMessage::Divergence(d) => Some(d),
            _ => None,
        })
        .collect()
}

/// Waits (bounded) until the verifier has logged `n` matching blocks.
async fn wait_matched(verify: &mut Serve, n: u64) {
    let deadline = std::time::Instant::now() + WAIT;
    while matched(verify) < n {
        assert!(
            verify.is_running(),
            "verify exited; log:\n{}",
            verify.log_text()
        );
        assert!(
            std::time::Instant::now() < deadline,
            "verify did not match {n} blocks within {WAIT:?} (matched {}); log:\n{}",
            matched(verify),
            verify.log_text()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The counts of the verifier's last line (after SIGTERM).
fn final_counts(verify: &Serve) -> Value {
    let lines = verify.log_events("isovm verify stopped");
    assert_eq!(lines.len(), 1, "log:\n{}", verify.log_text());
    let f = &lines[0]["fields"];
    json!({
        "matched": f["matched"], "diverged": f["diverged"], "divergences": f["divergences"],
        "duplicates": f["duplicates"], "executed": f["executed"],
    })
}

/// Asserts that `db` (the verifier's) holds every block of `files` with the clean roots.
fn assert_database_is_clean(db: &Path, files: &[PathBuf]) {
    let clean = clean_roots_all(files);
    let replay = exec_roots_all(db, files);
    assert_eq!(replay.len(), clean.len());
    for (block, (root, replayed)) in &replay {
        assert!(replayed, "{block:?} was not committed by verify");
        assert_eq!(root, &clean[block], "{block:?}");
    }
}

/// The block results a clean `isovm exec` of `files` gives (what an honest serve publishes).
fn exec_results(files: &[PathBuf]) -> Vec<BlockResult> {
    let db = tempfile::tempdir().unwrap();
    let mut args = vec![
        "exec".to_string(),
        "--db".into(),
        db.path().display().to_string(),
        "--cache-dir".into(),
        cache_dir().display().to_string(),
        "--insecure-accept-unsigned-transactions".into(),
    ];
    args.extend(files.iter().map(|f| f.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut results = Vec::new();
    let mut receipts: Vec<Receipt> = Vec::new();
    for line in run_isovm(&args).lines() {
        let value: Value = serde_json::from_str(line).unwrap();
        if value.get("tx_hash").is_some() {
            receipts.push(serde_json::from_value(value).unwrap());
        } else {
            results.push(BlockResult {
                partition: value["partition"].as_u64().unwrap() as u32,
                height: value["height"].as_u64().unwrap(),
                state_root: value["state_root"].as_str().unwrap().to_string(),
                receipts: std::mem::take(&mut receipts),
            });
        }
    }
    results
}

/// Item 5 of issue 11: `serve` and `verify` on the same machine, two partitions: every block
/// is compared and matches, no divergence is published or logged, and the verifier's own
/// database ends with the roots of a clean run.
#[tokio::test(flavor = "multi_thread")]
async fn verify_agrees_with_serve_on_every_block() {
    let bus = TestBus::new(&amqp_url(), None, "");
    let dir = bus.dir.path();
    let mut files = token_stream_on(dir, 0, 6, 6);
    files.extend(token_stream_on(dir, 1, 6, 6));
    let client = bus.client().await;
    client.declare_topology().await.unwrap();
    let mut found = divergences_inbox(&client).await;

    let verify_db = dir.join("verify-db");
    let mut verify = Serve::start_verify(&verify_db, &bus, "verify.log", &["--log-every", "1"]);
    verify.wait_log("verify: consuming", WAIT).await;
    let mut serve = Serve::start(&dir.join("serve-db"), &bus, "serve.log", &[]);
    let started = std::time::Instant::now();
    publish_files(&client, &files).await;
    wait_matched(&mut verify, 12).await;
    serve
        .wait_log_count("batch committed and published", 12, WAIT)
        .await;
    eprintln!(
        "12 blocks published, run by serve and verified in {:?}",
        started.elapsed()
    );

    verify.stop_cleanly(WAIT);
    serve.stop_cleanly(WAIT);
    assert_eq!(
        final_counts(&verify),
        json!({"matched": 12, "diverged": 0, "divergences": 0, "duplicates": 0, "executed": 12})
    );
    assert!(
        verify.log_events("divergence").is_empty(),
        "{}",
        verify.log_text()
    );
    found.drain();
    assert!(divergences(&found.seen).is_empty(), "{:?}", found.seen);
    assert_database_is_clean(&verify_db, &files);

    delete_verify_queues(&client, &bus).await;
    client.close().await;
    bus.cleanup().await;
}

/// Item 5 of issue 11, the second case: a copy of a real block result with one receipt field
/// altered, published on the results exchange, is reported as exactly that field of that
/// transaction, with both values, on the `divergence` key and as an error log line; a
/// republished genuine result is not counted again.
#[tokio::test(flavor = "multi_thread")]
async fn a_receipt_field_altered_on_the_bus_is_reported_exactly() {
    let bus = TestBus::new(&amqp_url(), None, "");
    let dir = bus.dir.path();
    let files = token_stream(dir, 4, 3);
    let (client, mut results) = bus.results_inbox().await;
    let mut found = divergences_inbox(&client).await;

    let verify_db = dir.join("verify-db");
    let mut verify = Serve::start_verify(&verify_db, &bus, "verify.log", &["--log-every", "1"]);
    verify.wait_log("verify: consuming", WAIT).await;
    let mut serve = Serve::start(&dir.join("serve-db"), &bus, "serve.log", &[]);
    publish_files(&client, &files).await;
    results
        .wait_until(WAIT, "results of heights 1..=4", |m| has_all(m, 4))
        .await;
    wait_matched(&mut verify, 4).await;
    let real = |height: u64| -> BlockResult {
        bus_common::results(&results.seen)
            .into_iter()
            .find(|(r, _)| r.height == height)
            .unwrap()
            .0
            .clone()
    };

    // Height 3, transaction 2: 4 transfers and dave's failed one; gas one more.
    let genuine = real(3);
    let gas = genuine.receipts[2].gas_used;
    let mut forged = genuine.clone();
    forged.receipts[2].gas_used = gas + 1;
    client.publish_result(&forged, false).await.unwrap();
    // A republication of a genuine result (the same bytes): acked, not counted again.
    client.publish_result(&real(2), true).await.unwrap();
    // Height 4, transaction 3 (dave's): its status, and by then every divergence of
    // height 3 has arrived (one publisher, in order).
    let mut forged4 = real(4);
    assert_eq!(forged4.receipts[3].status, Status::RuntimeError);
    forged4.receipts[3].status = Status::Success;
    client.publish_result(&forged4, false).await.unwrap();
    found
        .wait_until(WAIT, "the divergence of height 4", |m| {
            divergences(m).iter().any(|d| d.height == 4)
        })
        .await;

    let at3: Vec<&Divergence> = divergences(&found.seen)
        .into_iter()
        .filter(|d| d.height == 3)
        .collect();
    assert_eq!(
        at3,
        [&Divergence {
            partition: 0,
            height: 3,
            tx_index: Some(2),
            tx_hash: Some(genuine.receipts[2].tx_hash.clone()),
            field: "gas_used".into(),
            ours: json!(gas),
            theirs: json!(gas + 1),
            replayed: false,
        }]
    );
    let at4 = divergences(&found.seen)
        .into_iter()
        .find(|d| d.height == 4)
        .unwrap();
    assert_eq!(
        (at4.tx_index, at4.field.as_str(), &at4.ours, &at4.theirs),
        (
            Some(3),
            "status",
            &json!("runtime_error"),
            &json!("success")
        )
    );

    // The log: one error line per divergence, with the same facts.
    let lines = verify.log_events("divergence: a receipt differs");
    let line3: Vec<&Value> = lines
        .iter()
        .map(|l| &l["fields"])
        .filter(|f| f["height"] == 3)
        .collect();
    assert_eq!(line3.len(), 1, "{lines:?}");
    assert_eq!(
        (
            &line3[0]["partition"],
            &line3[0]["tx_index"],
            &line3[0]["field"],
            &line3[0]["ours"],
            &line3[0]["theirs"],
        ),
        (
            &json!(0),
            &json!(2),
            &json!("gas_used"),
            &json!(gas.to_string()),
            &json!((gas + 1).to_string())
        )
    );
    assert!(
        verify
            .log_events("divergence")
            .iter()
            .all(|l| l["level"] == "ERROR")
    );

    verify.stop_cleanly(WAIT);
    serve.stop_cleanly(WAIT);
    assert_eq!(
        final_counts(&verify),
        json!({"matched": 4, "diverged": 2, "divergences": 2, "duplicates": 1, "executed": 4})
    );
    assert_database_is_clean(&verify_db, &files);

    delete_verify_queues(&client, &bus).await;
    client.close().await;
    bus.cleanup().await;
}

/// Without `serve`: results published before their batches wait for them, batches that come
/// out of order run in height order, a wrong state root is a divergence of the block (no
/// transaction index), a missing receipt is a different receipt count, and a copy of a
/// result is compared once.
#[tokio::test(flavor = "multi_thread")]
async fn results_before_batches_and_a_wrong_state_root() {
    let bus = TestBus::new(&amqp_url(), None, "");
    let dir = bus.dir.path();
    let files = token_stream(dir, 4, 2);
    let honest = exec_results(&files);
    assert_eq!(honest.len(), 4);
    let client = bus.client().await;
    client.declare_topology().await.unwrap();
    let mut found = divergences_inbox(&client).await;

    let verify_db = dir.join("verify-db");
    let mut verify = Serve::start_verify(&verify_db, &bus, "verify.log", &["--log-every", "1"]);
    verify.wait_log("verify: consuming", WAIT).await;

    let wrong_root = "ee".repeat(32);
    let mut forged3 = honest[2].clone();
    forged3.state_root = wrong_root.clone();
    let mut forged4 = honest[3].clone();
    forged4.receipts.pop();
    for result in [&honest[0], &honest[1], &forged3, &forged4, &honest[0]] {
        client.publish_result(result, false).await.unwrap();
    }
    for index in [1, 3, 2, 0] {
        let batch = isovm::cmd::exec::read_batch(&files[index]).unwrap();
        client.publish_batch(&batch).await.unwrap();
    }
    found
        .wait_until(WAIT, "the divergence of height 4", |m| {
            divergences(m).iter().any(|d| d.height == 4)
        })
        .await;
    wait_matched(&mut verify, 2).await;
    verify.wait_log_count("block diverges", 2, WAIT).await;

    let all = divergences(&found.seen);
    assert_eq!(
        all,
        [
            &Divergence {
                partition: 0,
                height: 3,
                tx_index: None,
                tx_hash: None,
                field: "state_root".into(),
                ours: json!(honest[2].state_root),
                theirs: json!(wrong_root),
                replayed: false,
            },
            &Divergence {
                partition: 0,
                height: 4,
                tx_index: None,
                tx_hash: None,
                field: "receipt_count".into(),
                ours: json!(3),
                theirs: json!(2),
                replayed: false,
            },
        ]
    );
    let blocks = verify.log_events("divergence: the block differs");
    assert_eq!(blocks.len(), 2, "{blocks:?}");
    assert_eq!(blocks[0]["fields"]["field"], "state_root");
    assert_eq!(blocks[0]["fields"]["height"], 3);
    assert!(blocks[0]["fields"].get("tx_index").is_none());
    let diverges = verify.log_events("block diverges");
    assert_eq!(
        diverges
            .iter()
            .map(|l| (&l["fields"]["height"], &l["fields"]["fields"]))
            .collect::<Vec<_>>(),
        [(&json!(3), &json!(1)), (&json!(4), &json!(1))]
    );

    verify.stop_cleanly(WAIT);
    assert_eq!(
        final_counts(&verify),
        json!({"matched": 2, "diverged": 2, "divergences": 2, "duplicates": 1, "executed": 4})
    );
    assert_database_is_clean(&verify_db, &files);

    delete_verify_queues(&client, &bus).await;
    client.close().await;
    bus.cleanup().await;
}
