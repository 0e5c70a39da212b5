//! SIGKILL in the middle of a stream of batches, then a restart: every batch is applied
//! exactly once, every height gets its result, and the final state root is the one a clean
//! `isovm exec` of the same batches reaches.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::*;
use isovm::bus::{Source, Subscription};

/// Heights in the stream, and transfers per batch: enough work that the kill lands while
/// batches are still in flight.
const LAST: u64 = 60;
const TRANSFERS: usize = 30;
const WAIT: Duration = Duration::from_secs(180);

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_mid_stream_then_restart_applies_every_batch_exactly_once() {
    let bus = TestBus::new(&amqp_url(), None, "");
    let files = token_stream(bus.dir.path(), LAST, TRANSFERS);
    let clean = clean_roots(&files);
    assert_eq!(clean.len() as u64, LAST);

    let client = bus.client().await;
    client.declare_topology().await.unwrap();
    let mut inbox = Inbox::open(
        &client,
        Subscription {
            source: Source::Results,
            partition: None,
            contract: None,
            queue: None,
        },
    )
    .await;
    let db = bus.dir.path().join("db");
    let mut first = Serve::start(&db, &bus, "serve-1.log", &[]);
    let started = Instant::now();
    // The producer publishes the whole stream while the worker runs.
    for file in &files {
        let batch = isovm::cmd::exec::read_batch(file).unwrap();
        client.publish_batch(&batch).await.unwrap();
    }

    let kill_at = LAST / 4;
    inbox
        .wait_until(WAIT, "results up to a quarter of the stream", |m| {
            heights(m).last().is_some_and(|&h| h >= kill_at)
        })
        .await;
    first.kill9();
    let killed = Instant::now();
    let seen_at_kill = heights(&inbox.seen).len();
    eprintln!(
        "killed the worker after {:?}, with {seen_at_kill} of {LAST} results seen",
        killed - started
    );

    let mut second = Serve::start(&db, &bus, "serve-2.log", &[]);
    second.wait_log("batch committed", WAIT).await;
    let first_batch = Instant::now();
    inbox
        .wait_until(WAIT, "results for every height", |m| has_all(m, LAST))
        .await;
    let recovered = Instant::now();
    let status = second.terminate(WAIT);
    assert!(status.success(), "serve exited with {status} after SIGTERM");

    // The kill really was mid-stream: the second worker executed batches itself.
    let committed_by_second = second
        .log_events("batch committed")
        .iter()
        .filter(|e| e["fields"]["replayed"] == false)
        .count();
    assert!(
        committed_by_second > 0,
        "the first worker had finished the stream before the kill; lengthen the stream"
    );
    let replayed_by_second = second.log_events("batch committed").len() - committed_by_second;
    eprintln!(
        "restart: first batch done {:?} after the kill (process start included), all {LAST} \
         results {:?} after it; the second worker executed {committed_by_second} batches and \
         republished {replayed_by_second} it found committed",
        first_batch - killed,
        recovered - killed
    );

    // Exactly once: per height at most one execution (a result not replayed), at least one
    // result, and every result of a height carries the clean run's root.
    let mut by_height: BTreeMap<u64, (usize, usize)> = BTreeMap::new();
    for (result, replayed) in results(&inbox.seen) {
        assert_eq!(result.partition, 0);
        assert_eq!(
            result.state_root, clean[&result.height],
            "height {} has a result with another root than a clean run",
            result.height
        );
        let entry = by_height.entry(result.height).or_default();
        if replayed {
            entry.1 += 1;
        } else {
            entry.0 += 1;
        }
    }
    assert_eq!(by_height.len() as u64, LAST);
    for (height, (executed, _)) in &by_height {
        assert!(
            *executed <= 1,
            "height {height} was executed {executed} times"
        );
    }

    // The database holds exactly the clean run's state: replaying the files finds each
    // height committed with the same root.
    let replay = exec_roots(&db, &files);
    for (height, (root, replayed)) in &replay {
        assert!(replayed, "height {height} was not committed");
        assert_eq!(root, &clean[height], "height {height}");
    }
    assert_eq!(replay.len() as u64, LAST);

    client.close().await;
    bus.cleanup().await;
}
