//! The failover soak: three `isovm serve` processes share four partitions while a stream of
//! 1,000 batches goes through, and a random one of them is SIGKILLed and started again 20
//! times (once with its database deleted). At the end every block has exactly one execution
//! and the roots of a clean single-process run, no partition ever had two owners at once,
//! every process's database agrees with the clean run, and `isovm verify`, re-executing
//! everything on its own, matched every block and found no divergence.
//!
//! The kills are random: the seed is printed, and `ISOVM_CHAOS_SEED` replays a run.

mod bus_common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bus_common::*;
use isovm::cmd::exec::read_batch;

const WAIT: Duration = Duration::from_secs(300);
const PARTITIONS: [u32; 4] = [0, 1, 2, 3];
/// Heights per partition: 4 × 250 = 1,000 batches.
const LAST: u64 = 250;
const PROCESSES: usize = 3;
const KILLS: usize = 20;
/// The kill after which the process's database is deleted before it starts again.
const WIPE_AT: usize = 7;

/// xorshift64*: enough randomness to pick victims and pauses, replayable from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn seed() -> u64 {
    match std::env::var("ISOVM_CHAOS_SEED") {
        Ok(text) => text.parse().expect("ISOVM_CHAOS_SEED must be a number"),
        Err(_) => {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn three_processes_killed_at_random_lose_nothing_and_apply_nothing_twice() {
    let seed = seed();
    eprintln!("chaos seed {seed} (ISOVM_CHAOS_SEED={seed} replays the kills)");
    let mut rng = Rng(seed);
    let bus = TestBus::new(&amqp_url(), None, "rebalance_interval_ms = 200");
    // One transfer (and one that fails) per batch: the soak is about the bus, not V8.
    let streams: Vec<Vec<PathBuf>> = PARTITIONS
        .iter()
        .map(|&p| token_stream_on(bus.dir.path(), p, LAST, 1))
        .collect();
    let files: Vec<PathBuf> = streams.iter().flatten().cloned().collect();
    assert_eq!(files.len(), 1000);
    let clean = clean_roots_all(&files);

    let (client, mut inbox) = bus.results_inbox().await;
    // The verifier's queues exist before the first batch, so it sees every one.
    let verify_db = bus.dir.path().join("verify-db");
    let mut verify = Serve::start_verify(&verify_db, &bus, "verify.log", &["--log-every", "50"]);
    verify.wait_log("verify: consuming", WAIT).await;

    let dbs: Vec<PathBuf> = (0..PROCESSES)
        .map(|i| bus.dir.path().join(format!("db{i}")))
        .collect();
    let mut starts = [0usize; PROCESSES];
    let start = |i: usize, n: usize| Serve::start(&dbs[i], &bus, &format!("serve{i}-{n}.log"), &[]);
    let mut serves: Vec<Serve> = (0..PROCESSES).map(|i| start(i, 0)).collect();
    let mut gone: Vec<(String, Serve)> = Vec::new();

    // The producer: every partition's next height, about 4 batches each 40 ms.
    let producer = bus.client().await;
    let by_height: Vec<Vec<PathBuf>> = (0..LAST as usize)
        .map(|h| streams.iter().map(|s| s[h].clone()).collect())
        .collect();
    let publishing = tokio::spawn(async move {
        for batches in by_height {
            for file in batches {
                producer
                    .publish_batch(&read_batch(&file).unwrap())
                    .await
                    .unwrap();
            }
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
        producer.close().await;
    });

    let began = Instant::now();
    for kill in 0..KILLS {
        let pause = 200 + rng.below(400);
        tokio::time::sleep(Duration::from_millis(pause)).await;
        inbox.drain();
        let victim = rng.below(PROCESSES as u64) as usize;
        let mut dead = serves.remove(victim);
        dead.kill9();
        let wipe = kill == WIPE_AT;
        if wipe {
            std::fs::remove_dir_all(&dbs[victim]).unwrap();
        }
        eprintln!(
            "{:>6.1?}: kill {kill}: process {victim}{} ({} results so far)",
            began.elapsed(),
            if wipe { ", database deleted" } else { "" },
            blocks(&inbox.seen).len()
        );
        gone.push((format!("serve{victim}-{}", starts[victim]), dead));
        starts[victim] += 1;
        serves.insert(victim, start(victim, starts[victim]));
    }
    publishing.await.unwrap();
    eprintln!("{:>6.1?}: stream published, kills done", began.elapsed());

    inbox
        .wait_until(WAIT, "every block of the stream", |m| {
            let seen = blocks(m);
            PARTITIONS
                .iter()
                .all(|&p| (1..=LAST).all(|h| seen.contains(&(p, h))))
        })
        .await;
    eprintln!("{:>6.1?}: every block has a result", began.elapsed());

    // Every result has the clean root; no block ran twice (an execution's result is the one
    // not marked replayed: a takeover republishes what it read from the block log). A block
    // may have only replayed results: its owner died after publishing its block record and
    // before its result, and the next owner republished it from the log.
    let mut executions: BTreeMap<(u32, u64), usize> = BTreeMap::new();
    for (result, replayed) in results(&inbox.seen) {
        let key = (result.partition, result.height);
        assert_eq!(
            result.state_root, clean[&key],
            "{key:?}: not the clean root"
        );
        *executions.entry(key).or_default() += usize::from(!replayed);
    }
    for (key, n) in &executions {
        assert!(*n <= 1, "{key:?} was executed {n} times");
    }
    assert_eq!(executions.len(), files.len());

    // The verifier re-executed all of it and agrees.
    let deadline = Instant::now() + WAIT;
    while matched(&verify) < files.len() as u64 {
        assert!(
            Instant::now() < deadline,
            "verify matched only {} of {} blocks; log:\n{}",
            matched(&verify),
            files.len(),
            verify.log_text()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(verify.terminate(WAIT).success());
    let stopped = verify.log_events("isovm verify stopped");
    let counts = &stopped
        .last()
        .expect("verify logs its counts when it stops")["fields"];
    assert_eq!(counts["matched"], files.len() as u64, "{counts}");
    assert_eq!(counts["diverged"], 0, "{counts}");
    assert_eq!(counts["divergences"], 0, "{counts}");
    assert!(
        verify
            .log_events("divergence")
            .iter()
            .all(|l| l["level"] != "ERROR")
    );

    // One owner at a time, over every process that ever ran.
    for (i, serve) in serves.iter_mut().enumerate() {
        let status = serve.terminate(WAIT);
        assert!(status.success(), "process {i} exited with {status}");
    }
    let mut logs: Vec<(String, String)> = gone
        .iter()
        .map(|(name, serve)| (name.clone(), serve.log_text()))
        .collect();
    logs.extend(
        serves
            .iter()
            .enumerate()
            .map(|(i, serve)| (format!("serve{i}-{}", starts[i]), serve.log_text())),
    );
    let named: Vec<(&str, String)> = logs.iter().map(|(n, l)| (n.as_str(), l.clone())).collect();
    assert_one_owner_at_a_time(&named);

    // The broker's part is done: clean it up while the connections are fresh (what follows
    // takes a while and needs no broker).
    let cleanup = async {
        delete_verify_queues(&client, &bus).await;
        client.close().await;
        bus.cleanup().await;
    };
    tokio::time::timeout(Duration::from_secs(60), cleanup)
        .await
        .expect("cleaning the broker up took over a minute");

    // Every database holds only clean blocks: what it has of each partition is a prefix of
    // the clean chain (`exec` on it replays what it has and runs the rest, all clean).
    for db in &dbs {
        for (key, (root, _)) in exec_roots_all(db, &files) {
            assert_eq!(root, clean[&key], "{key:?} in {}", db.display());
        }
    }
}
