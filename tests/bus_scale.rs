//! Several `isovm serve` processes on one broker, each with its own database: the
//! partitions spread over them, and a process's partitions move, with their state, to the
//! others when it is killed, when it comes back with a stale database, or with none.

mod bus_common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bus_common::*;
use isovm::bus::Client;

const WAIT: Duration = Duration::from_secs(180);

/// Waits (bounded) until the processes own `want(shares)`, returning who owns what.
async fn wait_owners(
    serves: &[&Serve],
    timeout: Duration,
    what: &str,
    want: impl Fn(&[BTreeSet<u32>]) -> bool,
) -> Vec<BTreeSet<u32>> {
    let deadline = Instant::now() + timeout;
    loop {
        let shares: Vec<BTreeSet<u32>> = serves.iter().map(|s| owned(s)).collect();
        if want(&shares) {
            return shares;
        }
        if Instant::now() >= deadline {
            let logs: Vec<String> = serves.iter().map(|s| ownership_lines(s)).collect();
            panic!(
                "timed out after {timeout:?} waiting for {what}; owners now {shares:?}\n{}",
                logs.join("\n----\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every partition owned by exactly one process.
fn disjoint_cover(shares: &[BTreeSet<u32>], partitions: &[u32]) -> bool {
    let total: usize = shares.iter().map(BTreeSet::len).sum();
    let all: BTreeSet<u32> = shares.iter().flatten().copied().collect();
    total == partitions.len() && all == partitions.iter().copied().collect()
}

/// The token stream on each partition, heights 1..=`last`, as per-height groups.
fn streams(dir: &Path, partitions: &[u32], last: u64) -> Vec<Vec<PathBuf>> {
    let per: Vec<Vec<PathBuf>> = partitions
        .iter()
        .map(|&p| token_stream_on(dir, p, last, 5))
        .collect();
    (0..last as usize)
        .map(|i| per.iter().map(|files| files[i].clone()).collect())
        .collect()
}

async fn publish_heights(
    client: &Client,
    by_height: &[Vec<PathBuf>],
    heights: std::ops::RangeInclusive<u64>,
) {
    for h in heights {
        publish_files(client, &by_height[h as usize - 1]).await;
    }
}

/// Every result has the clean root, and no block was executed twice (a result not marked
/// replayed is an execution).
fn check_results(inbox: &Inbox, clean: &BTreeMap<(u32, u64), String>, upto: u64) {
    let mut executions: BTreeMap<(u32, u64), usize> = BTreeMap::new();
    for (result, replayed) in results(&inbox.seen) {
        let key = (result.partition, result.height);
        assert_eq!(
            result.state_root, clean[&key],
            "{key:?}: not a clean run's root"
        );
        *executions.entry(key).or_default() += usize::from(!replayed);
    }
    for (&(p, h), _) in clean.range(..).filter(|((_, h), _)| *h <= upto) {
        let n = executions.get(&(p, h)).copied().unwrap_or(0);
        assert!(n <= 1, "({p}, {h}) was executed {n} times");
    }
}

fn all_blocks(m: &[isovm::bus::BusMessage], partitions: &[u32], upto: u64) -> bool {
    let seen = blocks(m);
    partitions
        .iter()
        .all(|&p| (1..=upto).all(|h| seen.contains(&(p, h))))
}

/// The database holds every block up to `upto` with the clean roots.
fn check_database(
    db: &Path,
    by_height: &[Vec<PathBuf>],
    upto: u64,
    clean: &BTreeMap<(u32, u64), String>,
) {
    let files: Vec<PathBuf> = by_height[..upto as usize]
        .iter()
        .flatten()
        .cloned()
        .collect();
    for (key, (root, replayed)) in exec_roots_all(db, &files) {
        assert!(replayed, "{key:?} is not committed in {}", db.display());
        assert_eq!(root, clean[&key], "{key:?} in {}", db.display());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn partitions_spread_evenly_over_three_processes() {
    let bus = TestBus::new(&amqp_url(), None, "");
    let partitions: Vec<u32> = (0..12).collect();
    let by_height = streams(bus.dir.path(), &partitions, 3);
    let files: Vec<PathBuf> = by_height.iter().flatten().cloned().collect();
    let clean = clean_roots_all(&files);
    let (client, mut inbox) = bus.results_inbox().await;
    let dbs: Vec<PathBuf> = (0..3)
        .map(|i| bus.dir.path().join(format!("db{i}")))
        .collect();

    // One process first: it makes and takes every partition.
    let first = Serve::start(&dbs[0], &bus, "serve-0.log", &[]);
    publish_heights(&client, &by_height, 1..=1).await;
    inbox
        .wait_until(WAIT, "height 1 everywhere", |m| {
            all_blocks(m, &partitions, 1)
        })
        .await;
    wait_owners(&[&first], WAIT, "one owner of all", |s| s[0].len() == 12).await;

    // Two more: within seconds, four each.
    let second = Serve::start(&dbs[1], &bus, "serve-1.log", &[]);
    let third = Serve::start(&dbs[2], &bus, "serve-2.log", &[]);
    let started = Instant::now();
    let shares = wait_owners(&[&first, &second, &third], WAIT, "4 partitions each", |s| {
        disjoint_cover(s, &partitions) && s.iter().all(|o| o.len() == 4)
    })
    .await;
    eprintln!(
        "12 partitions over 3 processes: {:?} after {:?}",
        shares.iter().map(BTreeSet::len).collect::<Vec<_>>(),
        started.elapsed()
    );

    // The new owners continue each partition from the state its first owner left.
    publish_heights(&client, &by_height, 2..=3).await;
    inbox
        .wait_until(WAIT, "heights 2 and 3 everywhere", |m| {
            all_blocks(m, &partitions, 3)
        })
        .await;
    check_results(&inbox, &clean, 3);
    for (serve, owned) in [&second, &third].iter().zip(&shares[1..]) {
        let executed: BTreeSet<u32> = serve
            .log_events("batch committed")
            .iter()
            .filter(|e| e["fields"]["replayed"] == false)
            .map(|e| e["fields"]["partition"].as_u64().unwrap() as u32)
            .collect();
        assert_eq!(
            &executed,
            owned,
            "a newcomer ran exactly its own partitions\n{}\n----\n{}\n----\n{}",
            ownership_lines(&first),
            ownership_lines(&second),
            ownership_lines(&third)
        );
    }
    assert_one_owner_at_a_time(&[
        ("first", first.log_text()),
        ("second", second.log_text()),
        ("third", third.log_text()),
    ]);
    client.close().await;
    bus.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_process_partitions_move_with_their_state_even_to_an_empty_database() {
    let bus = TestBus::new(&amqp_url(), None, "");
    let partitions: Vec<u32> = vec![3, 5, 8, 13];
    let last = 12;
    let by_height = streams(bus.dir.path(), &partitions, last);
    let files: Vec<PathBuf> = by_height.iter().flatten().cloned().collect();
    let clean = clean_roots_all(&files);
    let (client, mut inbox) = bus.results_inbox().await;
    let (db_a, db_b) = (bus.dir.path().join("a"), bus.dir.path().join("b"));
    let both =
        |s: &[BTreeSet<u32>]| disjoint_cover(s, &partitions) && s.iter().all(|o| o.len() == 2);

    let mut a = Serve::start(&db_a, &bus, "a-1.log", &[]);
    let b = Serve::start(&db_b, &bus, "b-1.log", &[]);
    publish_heights(&client, &by_height, 1..=4).await;
    inbox
        .wait_until(WAIT, "heights 1 to 4", |m| all_blocks(m, &partitions, 4))
        .await;
    let shares = wait_owners(&[&a, &b], WAIT, "two partitions each", both).await;
    eprintln!("owners before the kill: {shares:?}");

    // SIGKILL: b takes a's partitions and continues them from a's state (it never ran them).
    a.kill9();
    let killed = Instant::now();
    wait_owners(&[&b], WAIT, "b owning all", |s| s[0].len() == 4).await;
    eprintln!(
        "b owned every partition {:?} after the kill",
        killed.elapsed()
    );
    publish_heights(&client, &by_height, 5..=8).await;
    inbox
        .wait_until(WAIT, "heights 5 to 8", |m| all_blocks(m, &partitions, 8))
        .await;
    // Every partition a ran blocks of, b continued through its block log (then or when it
    // took it from a at a rebalance before).
    let a_ran = partitions_in(&a, "batch committed", |e| e["fields"]["replayed"] == false);
    let b_took = partitions_in(&b, "took the partition's blocks over", |_| true);
    assert!(!a_ran.is_empty(), "a ran nothing before it was killed");
    assert!(
        a_ran.is_subset(&b_took),
        "b continued a's partitions {a_ran:?} without reading their block logs (only \
         {b_took:?})"
    );

    // a comes back with no database at all, and b is killed: a rebuilds all four partitions
    // from their block logs.
    std::fs::remove_dir_all(&db_a).unwrap();
    let a2 = Serve::start(&db_a, &bus, "a-2.log", &[]);
    wait_owners(&[&a2, &b], WAIT, "two partitions each again", both).await;
    let mut b = b;
    b.kill9();
    wait_owners(&[&a2], WAIT, "a owning all", |s| s[0].len() == 4).await;
    let rebuilt = partitions_in(&a2, "took the partition's blocks over", |_| true);
    assert_eq!(
        rebuilt,
        partitions.iter().copied().collect(),
        "a, with an empty database, rebuilt every partition from its block log"
    );
    publish_heights(&client, &by_height, 9..=10).await;
    inbox
        .wait_until(WAIT, "heights 9 and 10", |m| all_blocks(m, &partitions, 10))
        .await;

    // b comes back with its stale database (it missed 9 and 10 on a's partitions... and on
    // its own), and a stops: b catches up from the logs.
    let b2 = Serve::start(&db_b, &bus, "b-2.log", &[]);
    wait_owners(&[&a2, &b2], WAIT, "two partitions each once more", both).await;
    let mut a2 = a2;
    let status = a2.terminate(WAIT);
    assert!(status.success(), "a exited with {status} after SIGTERM");
    wait_owners(&[&b2], WAIT, "b owning all again", |s| s[0].len() == 4).await;
    publish_heights(&client, &by_height, 11..=last).await;
    inbox
        .wait_until(WAIT, "every height", |m| all_blocks(m, &partitions, last))
        .await;
    check_results(&inbox, &clean, last);
    let mut b2 = b2;
    let status = b2.terminate(WAIT);
    assert!(status.success(), "b exited with {status} after SIGTERM");
    check_database(&db_b, &by_height, last, &clean);
    check_database(&db_a, &by_height, 10, &clean);
    assert_one_owner_at_a_time(&[
        ("a", a.log_text()),
        ("b", b.log_text()),
        ("a again", a2.log_text()),
        ("b again", b2.log_text()),
    ]);
    client.close().await;
    bus.cleanup().await;
}
