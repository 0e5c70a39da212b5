//! Batches against real RocksDB: atomicity, ordering, idempotent heights, state roots.

mod common;

use common::{Chain, abi, call, deploy, open, options, tiny_heap_bytes, tx};
use isovm::engine::FaultKind;
use isovm::exec::{ExecError, ExecOptions, HaltInfo};
use isovm::schema::{Batch, Status, Tx, to_msgpack};
use serde_json::json;

const COUNTER: &str = r#"
class Counter {
  init() { storage.put("n", "0"); }
  add(k, v) { storage.put(k, String(Number(storage.get(k) || "0") + v)); return storage.get(k); }
  get(k) { return storage.get(k); }
  concat(from, to, suffix) { storage.put(to, (storage.get(from) || "") + suffix); return storage.get(to); }
  fail(why) { throw new Error(why); }
  fee(who) { return storage.globalMapGet("system", "gas_used", who); }
}
module.exports = Counter;
"#;

fn counter_abi() -> String {
    abi(&[
        ("add", &["string", "number"]),
        ("get", &["string"]),
        ("concat", &["string", "string", "string"]),
        ("fail", &["string"]),
        ("fee", &["string"]),
    ])
}

async fn chain_with_counter() -> Chain {
    let mut chain = Chain::new();
    chain.deploy(COUNTER, &counter_abi(), "counter").await;
    chain
}

async fn get(chain: &Chain, key: &str) -> String {
    let reply = chain.query("counter", "get", json!([key])).await;
    assert_eq!(reply.status, Status::Success, "{}", reply.message);
    reply.result
}

#[tokio::test]
async fn a_failed_tx_leaves_only_its_receipt_and_fee() {
    let mut chain = chain_with_counter().await;
    let fee_before: u64 =
        serde_json::from_str::<String>(&chain.query("counter", "fee", json!(["bob"])).await.result)
            .map(|s| s.parse().unwrap())
            .unwrap_or(0);
    // Two actions: the first writes, the second throws; the whole tx is undone.
    let receipt = chain
        .run(
            "bob",
            vec![
                call("counter", "add", json!(["k", 5])),
                call("counter", "fail", json!(["second action fails"])),
            ],
        )
        .await;
    assert_eq!(receipt.status, Status::RuntimeError);
    assert!(receipt.message.contains("second action fails"));
    assert!(
        receipt.returns.is_empty(),
        "a failed tx returns nothing: {:?}",
        receipt.returns
    );
    assert!(receipt.gas_used > 0);
    assert_eq!(
        get(&chain, "k").await,
        "null",
        "the first action's write must be undone"
    );

    // ... but its fee is recorded.
    let fee_after: String =
        serde_json::from_str(&chain.query("counter", "fee", json!(["bob"])).await.result).unwrap();
    assert_eq!(
        fee_after.parse::<u64>().unwrap(),
        fee_before + receipt.gas_used
    );
}

#[tokio::test]
async fn txs_apply_in_order_each_seeing_the_ones_before() {
    let mut chain = chain_with_counter().await;
    let result = chain
        .block(vec![
            tx(
                "a",
                vec![call("counter", "concat", json!(["none", "x", "1"]))],
            ),
            tx("a", vec![call("counter", "fail", json!(["in between"]))]),
            tx("a", vec![call("counter", "concat", json!(["x", "x", "2"]))]),
            tx("a", vec![call("counter", "concat", json!(["x", "y", "3"]))]),
        ])
        .await;
    let returns: Vec<_> = result
        .receipts
        .iter()
        .map(|r| (r.status, r.returns.clone()))
        .collect();
    assert_eq!(
        returns,
        vec![
            (Status::Success, vec![r#""1""#.to_string()]),
            (Status::RuntimeError, vec![]),
            (Status::Success, vec![r#""12""#.to_string()]),
            (Status::Success, vec![r#""123""#.to_string()]),
        ]
    );
    assert_eq!(get(&chain, "y").await, r#""123""#);
}

#[tokio::test]
async fn a_committed_height_is_never_applied_twice() {
    let mut chain = chain_with_counter().await;
    let batch = chain.batch(vec![tx("a", vec![call("counter", "add", json!(["n", 1]))])]);
    let first = chain.executor.execute(batch.clone()).await.unwrap();
    assert!(!first.replayed);
    let again = chain.executor.execute(batch.clone()).await.unwrap();
    assert!(again.replayed);
    assert_eq!(
        to_msgpack(&again.result),
        to_msgpack(&first.result),
        "the stored result, byte for byte"
    );
    assert_eq!(get(&chain, "n").await, r#""1""#);

    // Also after a restart on the same database.
    let dir = chain.dir.path().to_path_buf();
    drop(chain.executor);
    let executor = common::open(&dir, options());
    let replay = executor.execute(batch).await.unwrap();
    assert!(replay.replayed);
    assert_eq!(replay.result, first.result);
    assert_eq!(executor.head(0).unwrap().0, 2);
}

#[tokio::test]
async fn batches_out_of_order_or_conflicting_are_refused_and_change_nothing() {
    let mut chain = chain_with_counter().await;
    let (height, root) = chain.executor.head(0).unwrap();
    assert_eq!(height, 1);

    let mut ahead = chain.batch(vec![tx("a", vec![call("counter", "add", json!(["n", 1]))])]);
    ahead.height = 5;
    match chain.executor.execute(ahead).await {
        Err(ExecError::OutOfOrder {
            partition: 0,
            expected: 2,
            got: 5,
        }) => {}
        other => panic!("expected OutOfOrder, got {other:?}"),
    }
    assert_eq!(chain.executor.head(0).unwrap(), (1, root));

    // A different batch claiming the committed height 1.
    let mut impostor = chain.batch(vec![tx("a", vec![call("counter", "add", json!(["n", 1]))])]);
    impostor.height = 1;
    match chain.executor.execute(impostor).await {
        Err(ExecError::Conflict {
            partition: 0,
            height: 1,
        }) => {}
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_eq!(chain.executor.head(0).unwrap(), (1, root));
    assert_eq!(get(&chain, "n").await, r#""0""#);
}

/// The same batches give byte-identical results and the same state root on two fresh
/// databases, whatever the pool size.
#[tokio::test]
async fn two_nodes_fed_the_same_batches_agree_byte_for_byte() {
    let mut one_worker = options();
    one_worker.pool.min_workers = 1;
    one_worker.pool.max_workers = 1;
    let mut four_workers = options();
    four_workers.pool.min_workers = 4;
    four_workers.pool.max_workers = 4;
    let mut a = Chain::with_options(one_worker);
    let b = Chain::with_options(four_workers);

    let mut batches = vec![a.batch(vec![tx(
        "alice",
        vec![deploy(COUNTER, &counter_abi(), "counter")],
    )])];
    for i in 0..10 {
        batches.push(a.batch(vec![
            tx("alice", vec![call("counter", "add", json!(["n", i]))]),
            tx(
                "bob",
                vec![call("counter", "fail", json!([format!("fail {i}")]))],
            ),
            tx(
                "carol",
                vec![call("counter", "concat", json!(["s", "s", i.to_string()]))],
            ),
        ]));
    }
    let mut results_a = Vec::new();
    let mut results_b = Vec::new();
    for batch in batches {
        results_a.push(a.executor.execute(batch.clone()).await.unwrap().result);
        results_b.push(b.executor.execute(batch).await.unwrap().result);
    }
    for (ra, rb) in results_a.iter().zip(&results_b) {
        assert_eq!(to_msgpack(ra), to_msgpack(rb), "height {}", ra.height);
    }
    assert_eq!(a.executor.head(0).unwrap(), b.executor.head(0).unwrap());
    // The stored results are the returned ones.
    assert_eq!(
        a.executor.block_result(0, 11).unwrap().as_ref(),
        results_a.last()
    );
}

#[tokio::test]
async fn partitions_are_independent_chains() {
    let mut p0 = Chain::new();
    p0.deploy(COUNTER, &counter_abi(), "counter").await;
    p0.run("a", vec![call("counter", "add", json!(["n", 7]))])
        .await;

    // Partition 1 on the same database starts at height 1 with its own state.
    let mut p1 = Chain {
        executor: p0.executor.clone(),
        dir: tempfile::tempdir().unwrap(),
        partition: 1,
        height: 0,
        time_ms: p0.time_ms,
    };
    p1.deploy(COUNTER, &counter_abi(), "counter").await;
    assert_eq!(get(&p1, "n").await, r#""0""#);
    assert_eq!(get(&p0, "n").await, r#""7""#);
    assert_eq!(p0.executor.head(0).unwrap().0, 2);
    assert_eq!(p0.executor.head(1).unwrap().0, 1);
    assert_ne!(
        p0.executor.head(0).unwrap().1,
        p0.executor.head(1).unwrap().1
    );
}

#[tokio::test]
async fn queries_read_committed_state_and_write_nothing() {
    let mut chain = chain_with_counter().await;
    chain
        .run("a", vec![call("counter", "add", json!(["n", 3]))])
        .await;
    let head = chain.executor.head(0).unwrap();
    let reply = chain.query("counter", "add", json!(["n", 1])).await;
    assert_eq!(reply.status, Status::RuntimeError);
    assert!(
        reply
            .message
            .contains("storage.put is not allowed in a read-only query"),
        "{}",
        reply.message
    );
    assert_eq!(get(&chain, "n").await, r#""3""#);
    assert_eq!(chain.executor.head(0).unwrap(), head);
    let missing = chain.query("nobody", "get", json!(["n"])).await;
    assert_eq!(missing.status, Status::InvalidInput);
}

#[tokio::test]
async fn a_gas_limit_over_the_maximum_is_refused_before_anything_runs() {
    let mut chain = chain_with_counter().await;
    let mut greedy = tx("a", vec![call("counter", "add", json!(["n", 1]))]);
    greedy.gas_limit = 300_000_000;
    let receipt = chain.block(vec![greedy]).await.receipts.remove(0);
    assert_eq!(receipt.status, Status::InvalidInput);
    assert_eq!(
        receipt.message,
        "gas_limit 300000000 is over the maximum of 200000000"
    );
    assert_eq!(receipt.gas_used, 0);
    assert_eq!(get(&chain, "n").await, r#""0""#);
}

/// A host call refused for lack of gas ends the transaction as out of gas, even as the last
/// thing the method does, and its write is not kept.
#[tokio::test]
async fn a_write_the_gas_cannot_pay_for_fails_the_transaction() {
    let mut chain = Chain::new();
    let code = "class C { init() {} fill() { storage.put('k', 'x'.repeat(60000)); return 1; } get() { return storage.get('k'); } }\nmodule.exports = C;";
    chain
        .deploy(code, &abi(&[("fill", &[]), ("get", &[])]), "filler")
        .await;
    let mut poor = tx("a", vec![call("filler", "fill", json!([]))]);
    poor.gas_limit = 100_000;
    let receipt = chain.block(vec![poor]).await.receipts.remove(0);
    assert_eq!(receipt.status, Status::OutOfGas, "{}", receipt.message);
    assert_eq!(receipt.gas_used, 100_000);
    let reply = chain.query("filler", "get", json!([])).await;
    assert_eq!(reply.result, "null");
}

const GROWER: &str = r#"
class Grower {
  init() {}
  grow(n) { const keep = []; for (let i = 0; i < n; i++) { keep.push({ i: i, s: "item" + i }); } return keep.length; }
}
module.exports = Grower;
"#;

/// Options whose heap limit strikes where the memory budget does not:
/// [`tiny_heap_bytes`].
fn tiny_heap() -> ExecOptions {
    let mut options = options();
    options.engine.limits.heap_bytes = tiny_heap_bytes();
    options
}

/// Objects the bomb keeps: some 12 MB of V8 heap, over the tiny heap, while their counted
/// memory (about 100 units each) stays well within the budget, so the same batch commits
/// with a heap the commands accept.
const BOMB_OBJECTS: u64 = 250_000;

fn batch(partition: u32, height: u64, txs: Vec<Tx>) -> Batch {
    Batch {
        partition,
        height,
        timestamp_ms: 1_767_225_600_000 + height * 1000,
        producer: String::new(),
        txs,
    }
}

/// The deploys of height 1 and the batch of height 2 whose second transaction outgrows a
/// tiny heap; and that transaction's hash.
fn fault_batches(partition: u32) -> (Batch, Batch, String) {
    let deploys = batch(
        partition,
        1,
        vec![
            tx("alice", vec![deploy(COUNTER, &counter_abi(), "counter")]),
            tx(
                "alice",
                vec![deploy(GROWER, &abi(&[("grow", &["number"])]), "grower")],
            ),
        ],
    );
    let mut bomb = tx(
        "mallory",
        vec![call("grower", "grow", json!([BOMB_OBJECTS]))],
    );
    bomb.gas_limit = 100_000_000;
    let hash = bomb.hash.clone();
    let faulting = batch(
        partition,
        2,
        vec![
            tx("alice", vec![call("counter", "add", json!(["n", 5]))]),
            bomb,
        ],
    );
    (deploys, faulting, hash)
}

/// A safety net that strikes (here the heap limit) is a node fault, never a receipt: the
/// batch is abandoned with nothing committed, tried again on a fresh isolate, and then its
/// partition halts, while other partitions go on; with a heap the commands accept, the same
/// batch commits on the same database as on a clean one.
#[tokio::test(flavor = "multi_thread")]
async fn a_node_fault_halts_its_partition_only_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let executor = open(dir.path(), tiny_heap());
    let (deploys, faulting, bomb) = fault_batches(0);
    for partition in [0, 1] {
        let mut deploys = deploys.clone();
        deploys.partition = partition;
        let done = executor.execute(deploys).await.unwrap();
        assert!(
            done.result
                .receipts
                .iter()
                .all(|r| r.status == Status::Success)
        );
    }

    let error = executor.execute(faulting.clone()).await.unwrap_err();
    let ExecError::Halted {
        partition: 0,
        height: 2,
        tx_hash,
        kind: FaultKind::Heap,
        attempts: 2,
    } = &error
    else {
        panic!("expected a halt after two heap-limit faults, got {error:?}");
    };
    assert_eq!(tx_hash, &bomb);
    let message = error.to_string();
    for needle in [
        "partition 0",
        "height 2",
        bomb.as_str(),
        "the V8 heap limit",
        "node fault",
        "nothing of the batch was committed",
        "--heap-mib",
    ] {
        assert!(message.contains(needle), "{needle:?} missing in: {message}");
    }
    assert_eq!(
        executor.head(0).unwrap().0,
        1,
        "nothing of height 2 is committed"
    );
    assert_eq!(
        executor.halted(),
        [(
            0,
            HaltInfo {
                height: 2,
                tx_hash: bomb.clone(),
                kind: FaultKind::Heap,
                attempts: 2,
            }
        )]
    );

    // Halted: the same batch and the next height are refused at once, running nothing.
    let calls = executor.engine_stats().calls;
    for again in [faulting.clone(), batch(0, 3, vec![])] {
        let error = executor.execute(again).await.unwrap_err();
        assert!(
            matches!(error, ExecError::Halted { height: 2, .. }),
            "{error:?}"
        );
    }
    assert_eq!(executor.engine_stats().calls, calls);

    // Partition 1 goes on, on the same tiny heap, with work that fits.
    let fits = batch(
        1,
        2,
        vec![tx("alice", vec![call("counter", "add", json!(["n", 1]))])],
    );
    let done = executor.execute(fits).await.unwrap();
    assert_eq!(done.result.receipts[0].status, Status::Success);
    assert_eq!(executor.head(1).unwrap().0, 2);
    assert_eq!(executor.halted().len(), 1);
    drop(executor);

    // Nothing was left behind: with a heap the commands accept, the batch commits on this
    // database, to the same root as on a database that never saw the fault.
    let executor = open(dir.path(), options());
    let done = executor.execute(faulting.clone()).await.unwrap();
    assert!(!done.replayed);
    let receipts = &done.result.receipts;
    assert_eq!(
        (receipts[0].status, receipts[1].status),
        (Status::Success, Status::Success),
        "{receipts:?}"
    );
    assert_eq!(receipts[0].returns, [r#""5""#]);
    assert_eq!(receipts[1].returns, [BOMB_OBJECTS.to_string()]);
    let clean_dir = tempfile::tempdir().unwrap();
    let clean = open(clean_dir.path(), options());
    clean.execute(deploys).await.unwrap();
    let expected = clean.execute(faulting).await.unwrap();
    assert_eq!(to_msgpack(&done.result), to_msgpack(&expected.result));
}

/// A RocksDB store whose writes can be held at a gate and then refused: a disk that fails
/// while the next batch is already running on the uncommitted state.
struct GatedStore {
    inner: isovm::store::RocksStore,
    /// (writes fail, gate closed)
    state: std::sync::Mutex<(bool, bool)>,
    opened: std::sync::Condvar,
}

impl isovm::store::ReadView for GatedStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, isovm::store::StoreError> {
        self.inner.get(key)
    }
    fn scan_prefix(
        &self,
        prefix: &[u8],
        visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), isovm::store::StoreError> {
        self.inner.scan_prefix(prefix, visit)
    }
}

impl isovm::store::Store for GatedStore {
    fn write(&self, batch: isovm::store::WriteBatch) -> Result<(), isovm::store::StoreError> {
        let mut state = self.state.lock().unwrap();
        while state.1 {
            state = self.opened.wait(state).unwrap();
        }
        if state.0 {
            return Err(isovm::store::StoreError("the disk is gone".into()));
        }
        drop(state);
        self.inner.write(batch)
    }
    fn snapshot(&self) -> Box<dyn isovm::store::ReadView + '_> {
        self.inner.snapshot()
    }
    fn checkpoint(&self, dir: &std::path::Path) -> Result<(), isovm::store::StoreError> {
        self.inner.checkpoint(dir)
    }
}

#[tokio::test]
async fn a_failed_commit_discards_the_batches_that_ran_on_it_and_they_run_again() {
    let dir = tempfile::tempdir().unwrap();
    let store = std::sync::Arc::new(GatedStore {
        inner: isovm::store::RocksStore::open(dir.path()).unwrap(),
        state: std::sync::Mutex::new((false, false)),
        opened: std::sync::Condvar::new(),
    });
    let executor = isovm::exec::Executor::new(store.clone(), options()).unwrap();
    let reference = Chain::new();
    let mut numbering = Chain::new();
    let batches: Vec<Batch> = vec![
        numbering.batch(vec![tx(
            "alice",
            vec![deploy(COUNTER, &counter_abi(), "counter")],
        )]),
        numbering.batch(vec![tx(
            "alice",
            vec![call("counter", "add", json!(["n", 1]))],
        )]),
        numbering.batch(vec![tx(
            "alice",
            vec![call("counter", "add", json!(["n", 2]))],
        )]),
        numbering.batch(vec![tx(
            "alice",
            vec![call("counter", "add", json!(["n", 3]))],
        )]),
    ];
    let mut expected = Vec::new();
    for b in &batches {
        expected.push(reference.executor.execute(b.clone()).await.unwrap().result);
    }

    executor.execute(batches[0].clone()).await.unwrap();
    // Height 2's commit is held at the gate, then fails; heights 3 and 4 run meanwhile on
    // its uncommitted state.
    *store.state.lock().unwrap() = (true, true);
    let second = executor.begin(batches[1].clone()).await.unwrap();
    let third = executor.begin(batches[2].clone()).await.unwrap();
    let fourth = executor.begin(batches[3].clone()).await.unwrap();
    assert_eq!((third.height(), fourth.height()), (3, 4));
    {
        let mut state = store.state.lock().unwrap();
        state.1 = false;
        store.opened.notify_all();
    }
    let failed = second.finish().await.unwrap_err().to_string();
    assert!(failed.contains("the disk is gone"), "{failed}");
    // Discarded by the committer, or, if it took them in the same group write as height 2,
    // failed with it: either way not committed.
    for discarded in [third, fourth] {
        let error = discarded.finish().await.unwrap_err().to_string();
        assert!(
            error.contains("discarded") || error.contains("the disk is gone"),
            "{error}"
        );
    }
    assert_eq!(
        executor.head(0).unwrap().0,
        1,
        "nothing after height 1 was committed"
    );

    // The disk is back: the partition goes on from its committed head, and the same batches
    // give the same results and roots as a run that never failed.
    store.state.lock().unwrap().0 = false;
    let refused = executor.execute(batches[2].clone()).await.unwrap_err();
    assert!(
        matches!(refused, ExecError::OutOfOrder { expected: 2, .. }),
        "{refused}"
    );
    for (b, want) in batches.iter().zip(&expected).skip(1) {
        let executed = executor.execute(b.clone()).await.unwrap();
        assert!(!executed.replayed);
        assert_eq!(&executed.result, want);
    }
    // A redelivery of a committed height is its stored result.
    let again = executor.execute(batches[3].clone()).await.unwrap();
    assert!(again.replayed);
    assert_eq!(&again.result, &expected[3]);
}

#[tokio::test]
async fn batches_committed_behind_execution_give_the_roots_of_one_at_a_time() {
    let mut numbering = Chain::new();
    let mut batches = vec![numbering.batch(vec![tx(
        "alice",
        vec![deploy(COUNTER, &counter_abi(), "counter")],
    )])];
    for i in 0..30 {
        batches.push(numbering.batch(vec![
            tx("alice", vec![call("counter", "add", json!(["n", i]))]),
            tx(
                "bob",
                vec![call("counter", "concat", json!(["n", "s", "x"]))],
            ),
        ]));
    }
    let one_at_a_time = Chain::new();
    let mut expected = Vec::new();
    for b in &batches {
        expected.push(
            one_at_a_time
                .executor
                .execute(b.clone())
                .await
                .unwrap()
                .result,
        );
    }
    // All begun before any is awaited: each runs on the uncommitted state of the ones
    // before it.
    let pipelined = Chain::new();
    let mut committing = Vec::new();
    for b in &batches {
        committing.push(pipelined.executor.begin(b.clone()).await.unwrap());
    }
    for (c, want) in committing.into_iter().zip(&expected) {
        assert_eq!(&c.finish().await.unwrap().result, want);
    }
    assert_eq!(
        pipelined.executor.head(0).unwrap(),
        one_at_a_time.executor.head(0).unwrap()
    );
}
