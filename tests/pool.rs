//! The VM manager's worker pool and the compile stage's code cache, on real V8 and RocksDB.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Chain, abi, call, deploy, open, options, tiny_heap_bytes, tx};
use isovm::engine::FaultKind;
use isovm::exec::{ExecError, ExecOptions, Executor};
use isovm::schema::{Batch, Status};
use isovm::state::keys;
use isovm::store::{ReadView, RocksStore, Store, WriteBatch};
use serde_json::json;

const BUSY: &str = r#"
class Busy {
  init() {}
  spin(n) { let x = 0; for (let i = 0; i < n; i++) { x += i; } return x; }
  grow(n) { const keep = []; for (let i = 0; i < n; i++) { keep.push({ i: i, s: "item" + i }); } return keep.length; }
}
module.exports = Busy;
"#;

fn busy_abi() -> String {
    abi(&[("spin", &["number"]), ("grow", &["number"])])
}

/// Waits for `done` to hold, polling; fails with `what` after `limit`.
async fn eventually(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A batch on `partition` that deploys the busy contract (height 1) or spins (later).
fn busy_batch(partition: u32, height: u64, spin: u64) -> Batch {
    let action = if height == 1 {
        deploy(BUSY, &busy_abi(), "busy")
    } else {
        call("busy", "spin", json!([spin]))
    };
    let mut one = tx("alice", vec![action]);
    one.gas_limit = 100_000_000;
    Batch {
        partition,
        height,
        timestamp_ms: 1_767_225_600_000 + height,
        producer: String::new(),
        txs: vec![one],
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pool_grows_with_queued_work_and_shrinks_when_idle() {
    let mut opts = options();
    opts.pool.min_workers = 1;
    opts.pool.max_workers = 4;
    opts.pool.idle_timeout = Duration::from_millis(300);
    let dir = tempfile::tempdir().unwrap();
    let executor = open(dir.path(), opts);
    assert_eq!(executor.pool_stats().workers, 1);

    for partition in 0..4 {
        let done = executor.execute(busy_batch(partition, 1, 0)).await.unwrap();
        assert_eq!(done.result.receipts[0].status, Status::Success);
    }
    // Four partitions at once: each batch keeps a worker busy, so the pool grows.
    let runs: Vec<_> = (0..4)
        .map(|partition| {
            let executor = executor.clone();
            tokio::spawn(async move { executor.execute(busy_batch(partition, 2, 3_000_000)).await })
        })
        .collect();
    let peak = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let watcher = {
        let (executor, peak) = (executor.clone(), peak.clone());
        tokio::spawn(async move {
            loop {
                peak.fetch_max(
                    executor.pool_stats().workers,
                    std::sync::atomic::Ordering::SeqCst,
                );
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    for run in runs {
        let done = run.await.unwrap().unwrap();
        assert_eq!(
            done.result.receipts[0].status,
            Status::Success,
            "{}",
            done.result.receipts[0].message
        );
    }
    watcher.abort();
    let peak = peak.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        peak > 1 && peak <= 4,
        "the pool should grow under load, up to its maximum; peak {peak}"
    );

    // Idle workers retire down to the minimum.
    eventually(Duration::from_secs(10), "idle workers to retire", || {
        executor.pool_stats().workers == 1
    })
    .await;
    assert!(executor.pool_stats().retired >= 1);
}

#[tokio::test]
async fn isolates_are_recycled_after_n_uses_and_past_a_heap_size() {
    let mut by_uses = options();
    by_uses.pool.recycle_after_uses = 3;
    by_uses.pool.max_workers = 1;
    let mut chain = Chain::with_options(by_uses);
    chain.deploy(BUSY, &busy_abi(), "busy").await;
    for _ in 0..9 {
        let receipt = chain
            .run("a", vec![call("busy", "spin", json!([10]))])
            .await;
        assert_eq!(receipt.status, Status::Success);
    }
    // 10 calls (deploy + 9), one isolate per 3 calls. (A worker recycles after answering.)
    let executor = chain.executor.clone();
    eventually(Duration::from_secs(10), "three recycles", || {
        executor.pool_stats().recycled == 3
    })
    .await;
    assert_eq!(executor.engine_stats().isolates, 4);

    let mut by_heap = options();
    by_heap.pool.recycle_heap_bytes = 8 << 20;
    by_heap.pool.max_workers = 1;
    let mut chain = Chain::with_options(by_heap);
    chain.deploy(BUSY, &busy_abi(), "busy").await;
    let before = chain.executor.pool_stats().recycled;
    // Leaves garbage on the heap: the isolate is replaced rather than kept growing.
    let receipt = chain
        .run("a", vec![call("busy", "grow", json!([200_000]))])
        .await;
    assert_eq!(receipt.status, Status::Success);
    let executor = chain.executor.clone();
    eventually(Duration::from_secs(10), "a recycle by heap size", || {
        executor.pool_stats().recycled == before + 1
    })
    .await;
}

/// A call that hits the heap limit is a node fault: its isolate, whose heap limit was raised
/// to let the call unwind, is replaced, and the batch runs again on a fresh one.
#[tokio::test]
async fn a_call_that_hits_the_heap_limit_is_a_node_fault_and_gets_a_new_isolate() {
    let mut small = options();
    small.engine.limits.heap_bytes = tiny_heap_bytes();
    small.pool.max_workers = 1;
    let mut chain = Chain::with_options(small);
    chain.deploy(BUSY, &busy_abi(), "busy").await;
    let (isolates, recycled) = (
        chain.executor.engine_stats().isolates,
        chain.executor.pool_stats().recycled,
    );
    let mut bomb = tx("a", vec![call("busy", "grow", json!([100_000_000]))]);
    bomb.gas_limit = 200_000_000;
    let batch = chain.batch(vec![tx("a", vec![call("busy", "spin", json!([5]))]), bomb]);
    let error = chain.executor.execute(batch).await.unwrap_err();
    assert!(
        matches!(
            error,
            ExecError::Halted {
                kind: FaultKind::Heap,
                attempts: 2,
                ..
            }
        ),
        "{error:?}"
    );
    // Each attempt tainted its isolate, which was replaced after the job; the retry ran on
    // the first one's replacement, which had served no call.
    let executor = chain.executor.clone();
    eventually(
        Duration::from_secs(10),
        "both faulted isolates to be replaced",
        || executor.engine_stats().isolates == isolates + 2,
    )
    .await;
    assert_eq!(executor.pool_stats().recycled, recycled + 2);
}

/// Deploy stores a V8 code cache beside the code; later executions on new isolates consume
/// it; a damaged cache is refused by V8, the contract compiles from source and the cache is
/// stored again.
#[tokio::test]
async fn the_code_cache_is_made_at_deploy_consumed_later_and_replaced_when_refused() {
    let dir = tempfile::tempdir().unwrap();
    let code_hash = {
        let executor = open(dir.path(), options());
        let deployed = executor.execute(busy_batch(0, 1, 0)).await.unwrap();
        assert_eq!(deployed.result.receipts[0].status, Status::Success);
        drop(executor);
        let store = RocksStore::open(dir.path()).unwrap();
        let record = store
            .get(&keys::contract_key(0, "busy"))
            .unwrap()
            .expect("contract record");
        isovm::contract::ContractRecord::decode(&record)
            .unwrap()
            .code_hash
    };
    let cache_key = keys::code_cache_key(&code_hash);
    let stored = |dir: &std::path::Path| RocksStore::open(dir).unwrap().get(&cache_key).unwrap();
    let good = stored(dir.path()).expect("deploy stores a code cache");
    assert!(good.len() > 100);

    // A new process: the first call compiles from the stored cache.
    let run = |executor: Executor, height: u64| async move {
        let done = executor.execute(busy_batch(0, height, 10)).await.unwrap();
        assert_eq!(
            done.result.receipts[0].status,
            Status::Success,
            "{}",
            done.result.receipts[0].message
        );
        executor.engine_stats()
    };
    let stats = run(open(dir.path(), options()), 2).await;
    assert_eq!(
        (
            stats.code_cache_consumed,
            stats.code_cache_rejected,
            stats.compiled_from_source
        ),
        (1, 0, 0)
    );

    // Damage the cache: V8 refuses it, the call still runs, and a good cache is stored again.
    {
        let store = RocksStore::open(dir.path()).unwrap();
        let mut damage = WriteBatch::default();
        let mut bad = good.clone();
        for byte in bad.iter_mut().skip(good.len() / 2).take(64) {
            *byte ^= 0x5a;
        }
        bad.truncate(good.len() - 7);
        damage.put(cache_key.clone(), bad);
        store.write(damage).unwrap();
    }
    let stats = run(open(dir.path(), options()), 3).await;
    assert_eq!(
        (
            stats.code_cache_consumed,
            stats.code_cache_rejected,
            stats.compiled_from_source
        ),
        (0, 1, 1)
    );
    let replaced = stored(dir.path()).unwrap();
    assert_ne!(
        replaced.len(),
        good.len() - 7,
        "the refused cache was replaced"
    );
    let stats = run(open(dir.path(), options()), 4).await;
    assert_eq!(
        stats.code_cache_consumed, 1,
        "the replacement cache is consumed"
    );
}

#[test]
fn worker_bounds_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(RocksStore::open(dir.path()).unwrap());
    let mut bad = ExecOptions::default();
    bad.pool.min_workers = 3;
    bad.pool.max_workers = 2;
    let err = Executor::new(store, bad)
        .err()
        .expect("min > max is refused");
    assert!(
        err.to_string().contains("workers must be min..max"),
        "{err}"
    );
}
