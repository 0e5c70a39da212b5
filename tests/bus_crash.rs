//! Stopping `isovm serve` in the middle of a stream of batches (two partitions,
//! interleaved), then starting it again: with SIGKILL nothing is finished, with SIGTERM the
//! batches in hand are. Either way every batch is applied exactly once, every block gets
//! its result, and the state roots are the ones a clean `isovm exec` of the same batches
//! reaches.

mod bus_common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use bus_common::*;
use isovm::bus::Client;

/// Heights per partition, and transfers per batch: enough work that the stop lands while
/// batches are still in flight.
const LAST: u64 = 40;
const TRANSFERS: usize = 25;
const PARTITIONS: [u32; 2] = [0, 1];
const WAIT: Duration = Duration::from_secs(180);

struct Stream {
    /// Interleaved: p0 h1, p1 h1, p0 h2, ...
    files: Vec<PathBuf>,
    clean: BTreeMap<(u32, u64), String>,
}

fn stream(bus: &TestBus) -> Stream {
    let per_partition: Vec<Vec<PathBuf>> = PARTITIONS
        .iter()
        .map(|&p| token_stream_on(bus.dir.path(), p, LAST, TRANSFERS))
        .collect();
    let files: Vec<PathBuf> = (0..LAST as usize)
        .flat_map(|i| per_partition.iter().map(move |files| files[i].clone()))
        .collect();
    let clean = clean_roots_all(&files);
    assert_eq!(clean.len(), files.len());
    Stream { files, clean }
}

async fn publish_all(client: &Client, files: &[PathBuf]) {
    for file in files {
        let batch = isovm::cmd::exec::read_batch(file).unwrap();
        client.publish_batch(&batch).await.unwrap();
    }
}

/// Results of every block, each with the clean root, each block executed at most once
/// (a result not marked replayed is an execution).
fn check_exactly_once(inbox: &Inbox, clean: &BTreeMap<(u32, u64), String>) {
    let mut executions: BTreeMap<(u32, u64), usize> = BTreeMap::new();
    for (result, replayed) in results(&inbox.seen) {
        let key = (result.partition, result.height);
        assert_eq!(
            result.state_root, clean[&key],
            "{key:?} has a result with another root than a clean run"
        );
        *executions.entry(key).or_default() += usize::from(!replayed);
    }
    assert_eq!(executions.len(), clean.len(), "a block has no result");
    for (key, n) in executions {
        assert!(n <= 1, "{key:?} was executed {n} times");
    }
}

/// The database holds exactly the clean run's state: replaying the files finds each block
/// committed with the same root.
fn check_database(db: &std::path::Path, stream: &Stream) {
    let replay = exec_roots_all(db, &stream.files);
    assert_eq!(replay.len(), stream.clean.len());
    for (key, (root, replayed)) in &replay {
        assert!(replayed, "{key:?} was not committed");
        assert_eq!(root, &stream.clean[key], "{key:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_mid_stream_then_restart_applies_every_batch_exactly_once() {
    let bus = TestBus::new(&amqp_url(), None, "");
    let stream = stream(&bus);
    let total = stream.files.len();
    let (client, mut inbox) = bus.results_inbox().await;
    let db = bus.dir.path().join("db");
    let mut first = Serve::start(&db, &bus, "serve-1.log", &[]);
    let started = Instant::now();
    publish_all(&client, &stream.files).await;

    inbox
        .wait_until(WAIT, "a quarter of the results", |m| {
            blocks(m).len() >= total / 4
        })
        .await;
    first.kill9();
    let killed = Instant::now();
    eprintln!(
        "killed the worker {:?} after it started, with {} of {total} results seen",
        killed - started,
        blocks(&inbox.seen).len()
    );

    let mut second = Serve::start(&db, &bus, "serve-2.log", &[]);
    second.wait_log("batch committed", WAIT).await;
    let first_batch = Instant::now();
    inbox
        .wait_until(WAIT, "results for every block", |m| {
            blocks(m).len() == total
        })
        .await;
    let recovered = Instant::now();
    let status = second.terminate(WAIT);
    assert!(status.success(), "serve exited with {status} after SIGTERM");

    // The kill really was mid-stream: the second worker executed batches itself.
    let commits = second.log_events("batch committed");
    let executed = commits
        .iter()
        .filter(|e| e["fields"]["replayed"] == false)
        .count();
    assert!(
        executed > 0,
        "the first worker had finished the stream before the kill; lengthen the stream"
    );
    eprintln!(
        "restart: first batch done {:?} after the kill (process start included), all {total} \
         results {:?} after the kill; the second worker executed {executed} batches and \
         republished {} it found committed but unacked",
        first_batch - killed,
        recovered - killed,
        commits.len() - executed
    );
    check_exactly_once(&inbox, &stream.clean);
    check_database(&db, &stream);
    client.close().await;
    bus.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_mid_stream_finishes_the_batches_in_hand_and_exits_0() {
    let bus = TestBus::new(&amqp_url(), None, "");
    let stream = stream(&bus);
    let total = stream.files.len();
    let (client, mut inbox) = bus.results_inbox().await;
    let db = bus.dir.path().join("db");
    let mut first = Serve::start(&db, &bus, "serve-1.log", &[]);
    publish_all(&client, &stream.files).await;

    inbox
        .wait_until(WAIT, "a quarter of the results", |m| {
            blocks(m).len() >= total / 4
        })
        .await;
    let asked = Instant::now();
    let status = first.terminate(WAIT);
    let stopped = asked.elapsed();
    assert!(status.success(), "serve exited with {status} after SIGTERM");
    assert!(!first.log_events("shutting down").is_empty());
    let done_by_first = first.log_events("batch committed").len();
    assert!(
        done_by_first < total,
        "the first worker had finished the stream before SIGTERM; lengthen the stream"
    );
    eprintln!("SIGTERM: exited 0 {stopped:?} after the signal, {done_by_first} batches done");

    let mut second = Serve::start(&db, &bus, "serve-2.log", &[]);
    inbox
        .wait_until(WAIT, "results for every block", |m| {
            blocks(m).len() == total
        })
        .await;
    assert!(second.terminate(WAIT).success());
    // Whatever the first worker committed it also published and acked: nothing is left
    // for the second to republish.
    let replayed: Vec<_> = second
        .log_events("batch committed")
        .into_iter()
        .filter(|e| e["fields"]["replayed"] == true)
        .collect();
    assert!(
        replayed.is_empty(),
        "committed batches were left unacked at shutdown: {replayed:?}"
    );
    check_exactly_once(&inbox, &stream.clean);
    check_database(&db, &stream);
    client.close().await;
    bus.cleanup().await;
}
