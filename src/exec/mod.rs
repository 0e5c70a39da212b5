//! The VM manager: the one entry point for batches, queries and validation.
//!
//! [`Executor::execute`] runs a batch on a worker of the pool (one isolate per worker),
//! commits its block diff, result and new head in one synced write, and returns the
//! result. A batch whose height is already committed returns the stored result instead;
//! a batch ahead of its partition's next height is refused. Batches of one partition are
//! serialized here; batches of different partitions run in parallel.
//!
//! A node fault (a safety net struck: the watchdog or the heap limit) abandons the batch;
//! the executor runs it again on a fresh isolate, up to `fault_retries` times, and then halts
//! the partition: every later batch of it is refused with [`ExecError::Halted`] until the
//! process restarts, while other partitions go on.

mod account;
mod block;
mod columns;
pub mod history;
mod host;
mod inspect;
mod ledger;
mod native;
mod pipeline;
mod pool;
mod query;
mod replay;
mod signatures;
mod signers;
mod spans;
mod system;
mod token;
mod tx;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::contract::auth::Proof;
use crate::engine::{
    Engine, EngineError, EngineOptions, EngineStats, FaultKind, HostError, Sandbox,
};
use crate::schema::{Batch, BlockResult, Query, QueryReply, Tx};
use crate::state::StateRoot;
use crate::store::{CachedStore, Store, StoreError};

pub use block::FEES_MAP;
pub use inspect::ContractKeys;
pub use inspect::InspectError;
pub use inspect::Inspector;
pub use inspect::LastUpdate;
pub use inspect::Located;
pub use ledger::Change;
pub use ledger::CommittedBlock;
pub use ledger::Head;
pub use pipeline::Committing;
use pipeline::{Pending, PendingView};
pub use pool::PoolOptions;
pub use pool::PoolStats;
pub use signatures::Checked;
pub use signatures::Verdict;
pub use signatures::check as check_signatures;
pub use spans::batch_span;
pub use system::SYSTEM;

/// Everything the executor can be tuned with.
#[derive(Debug, Clone)]
pub struct ExecOptions {
    pub engine: EngineOptions,
    pub pool: PoolOptions,
    /// Gas a read-only query may use (queries make no receipts, so this is the node's choice).
    pub query_gas_limit: u64,
    /// Times a batch abandoned by a node fault is run again, each on a fresh isolate, before
    /// its partition is halted. A fault that came from the isolate's history or a moment of
    /// load passes on a retry; one that repeats needs an operator.
    pub fault_retries: u32,
    /// Development only: run transactions that carry no signature at all, their publisher
    /// taken at its word (`Proof::unsigned`), as before signatures existed. Off by default;
    /// signed transactions are verified either way. Receipts depend on it, so every node of
    /// a network must agree: never on for a chain anyone relies on.
    pub insecure_accept_unsigned_transactions: bool,
    /// Bytes (estimated) of committed state kept in memory in front of the store
    /// (`store::CachedStore`); 0 reads every key from the store.
    pub state_cache_bytes: usize,
    /// Keep each committed batch beside its block (node bookkeeping, `isovm replay`'s
    /// input): on by default. Off saves writing the batch again (about 340 KB for 1,000
    /// signed transfers); `isovm replay` then cannot re-execute those heights and says so.
    pub keep_batches: bool,
}

impl Default for ExecOptions {
    fn default() -> Self {
        ExecOptions {
            engine: EngineOptions::default(),
            pool: PoolOptions::default(),
            query_gas_limit: 10_000_000,
            fault_retries: 1,
            insecure_accept_unsigned_transactions: false,
            state_cache_bytes: 64 << 20,
            keep_batches: true,
        }
    }
}

/// Why a batch, query or validation could not be carried out. None of these is a failed
/// transaction: those are receipts.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("partition {partition}: batch at height {got} is ahead; the next height is {expected}")]
    OutOfOrder {
        partition: u32,
        expected: u64,
        got: u64,
    },
    #[error("partition {partition}: height {height} is already committed with a different batch")]
    Conflict { partition: u32, height: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Host(#[from] HostError),
    /// A safety net struck while the batch ran: the batch was abandoned, nothing committed.
    /// The executor retries it; callers see [`ExecError::Halted`] once retrying gave up.
    #[error(
        "partition {partition}, height {height}, transaction {tx_hash}: node fault: {kind} \
         struck. This is the node's failure, not the transaction's: the batch was abandoned and \
         nothing of it was committed"
    )]
    NodeFault {
        partition: u32,
        height: u64,
        tx_hash: String,
        kind: FaultKind,
    },
    /// The partition is halted: a batch met a node fault on every attempt. Nothing of it was
    /// committed, and no later batch of the partition runs until the process restarts.
    #[error(
        "partition {partition} is halted at height {height}: transaction {tx_hash} met {kind} \
         {tries}. This is a node fault, not the transaction's: nothing of the batch was \
         committed, and no batch of this partition runs until isovm restarts. {remedy}",
        tries = tries(*.attempts),
        remedy = remedy(*.kind)
    )]
    Halted {
        partition: u32,
        height: u64,
        tx_hash: String,
        kind: FaultKind,
        attempts: u32,
    },
    /// A safety net struck while a query ran; queries commit nothing, so just ask again.
    #[error(
        "partition {partition}: the query met {kind} (a node fault, not the query's); try again"
    )]
    QueryFault { partition: u32, kind: FaultKind },
    /// A block from the block log has the height of a block committed here, with another
    /// state root: the histories differ, which honest nodes never do.
    #[error(
        "partition {partition}, height {height}: the block log's state root {theirs} differs \
         from the one committed here, {ours}: the two histories diverge"
    )]
    Diverged {
        partition: u32,
        height: u64,
        ours: String,
        theirs: String,
    },
    /// A block from the block log is past the partition's next height: the log misses
    /// blocks this node lacks.
    #[error(
        "partition {partition}: the block log's next block is height {got}, but this node's \
         next height is {expected}: blocks are missing from the log"
    )]
    Gap {
        partition: u32,
        expected: u64,
        got: u64,
    },
    #[error("engine: {0}")]
    Engine(String),
    #[error("corrupt data: {0}")]
    Corrupt(String),
    #[error("configuration: {0}")]
    Config(String),
    #[error("the worker queue is full")]
    Busy,
    #[error("the executor has stopped")]
    Stopped,
}

/// How often a batch faulted, in words.
fn tries(attempts: u32) -> String {
    match attempts {
        1 => "on its only attempt (no retries)".into(),
        n => format!("on each of {n} attempts (the retries on fresh isolates)"),
    }
}

/// What an operator can do about a safety net that keeps striking.
fn remedy(kind: FaultKind) -> &'static str {
    match kind {
        FaultKind::Watchdog => {
            "By default the watchdog is 10 to 100 times what metered work needs: check that \
             the machine is not overloaded or swapping, run isovm on a less loaded machine, or \
             give the watchdog more room (--watchdog-ms, --watchdog-min-rate); then restart \
             isovm. If it repeats on a healthy machine, report the batch: something unmetered \
             slipped through"
        }
        FaultKind::Heap => {
            "By default the heap limit is several times the transaction memory budget: raise \
             --heap-mib or give the machine more memory; then restart isovm. If it repeats \
             with a large heap, report the batch: something the memory count misses slipped \
             through"
        }
        FaultKind::Isolation => {
            "A call gave a different outcome in the reused context than in a fresh one \
             (--verify-isolation): something a transaction left behind was seen by a later \
             one. Report the batch with the log lines above; running without \
             --verify-isolation would let that difference reach receipts"
        }
    }
}

/// A partition's pending blocks (executed, commit maybe in flight), oldest first, under the
/// lock that serializes its batches.
type Chain = tokio::sync::Mutex<VecDeque<Arc<Pending>>>;

/// Drops the partition's pending blocks that are durable. If a commit failed, its successors
/// are discarded by the committer: waits until the whole chain is decided and drops it, so
/// the next batch runs from the store's head.
async fn settle(chain: &mut VecDeque<Arc<Pending>>) {
    while chain
        .front()
        .is_some_and(|p| matches!(p.decided(), Some(Ok(()))))
    {
        chain.pop_front();
    }
    if chain.iter().any(|p| matches!(p.decided(), Some(Err(_)))) {
        for pending in chain.iter() {
            let _ = pending.outcome().await;
        }
        chain.clear();
    }
}

/// Why a partition is halted: the batch that met a node fault on every attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HaltInfo {
    /// The height of the batch that faulted (the partition's next height).
    pub height: u64,
    /// The transaction during which the safety net struck (on the last attempt).
    pub tx_hash: String,
    pub kind: FaultKind,
    /// Attempts made: `fault_retries + 1`.
    pub attempts: u32,
}

impl HaltInfo {
    /// One line for logs and the RPC head reply.
    pub fn reason(&self) -> String {
        format!(
            "height {}: transaction {} met {} {} (a node fault)",
            self.height,
            self.tx_hash,
            self.kind,
            tries(self.attempts)
        )
    }

    fn error(&self, partition: u32) -> ExecError {
        ExecError::Halted {
            partition,
            height: self.height,
            tx_hash: self.tx_hash.clone(),
            kind: self.kind,
            attempts: self.attempts,
        }
    }
}

impl From<EngineError> for ExecError {
    fn from(e: EngineError) -> Self {
        ExecError::Engine(e.to_string())
    }
}

/// A batch's committed result.
#[derive(Debug, Clone, PartialEq)]
pub struct Executed {
    pub result: BlockResult,
    /// True when the height was already committed and the stored result was returned.
    pub replayed: bool,
    /// The committed block as stored ([`ledger::CommittedBlock`], MessagePack): result,
    /// block time and state changes, what the block log carries to other nodes.
    pub record: Arc<Vec<u8>>,
}

/// What [`Executor::apply_record`] did with a block another node committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// It was the partition's next height: now committed here.
    Appended { height: u64 },
    /// Its height was committed here already, with the same state root.
    Known { height: u64 },
}

struct Inner {
    store: Arc<dyn Store>,
    engine: Arc<Engine>,
    options: ExecOptions,
    pool: pool::Pool,
    /// Per partition, its pending blocks (executed, commit maybe in flight), oldest first;
    /// the lock serializes the partition's batches.
    partitions: Mutex<HashMap<u32, Arc<Chain>>>,
    committer: pipeline::Committer,
    next_job: AtomicU64,
    /// Halted partitions, until the process restarts. Written and read under the
    /// partition's lock by `execute`, so a batch never runs after its partition halted.
    halted: Mutex<HashMap<u32, HaltInfo>>,
}

/// A signature check running ahead of its batch ([`Executor::check_ahead`]).
pub struct Ahead(tokio::task::JoinHandle<Result<Checked, ExecError>>);

impl Ahead {
    /// The checked batch, once the check is done.
    pub async fn checked(self) -> Result<Checked, ExecError> {
        self.0
            .await
            .map_err(|e| ExecError::Engine(format!("the signature check stopped: {e}")))?
    }
}

/// The VM manager. Cheap to clone; all clones share one pool.
#[derive(Clone)]
pub struct Executor {
    inner: Arc<Inner>,
}

impl Executor {
    /// Sets up V8 (snapshot included) and starts the worker pool.
    pub fn new(store: Arc<dyn Store>, options: ExecOptions) -> Result<Executor, ExecError> {
        let store: Arc<dyn Store> = Arc::new(CachedStore::new(store, options.state_cache_bytes));
        let engine = Engine::new(options.engine.clone())?;
        let pool = pool::Pool::start(engine.clone(), options.pool.clone())?;
        let committer = pipeline::Committer::start(store.clone())
            .map_err(|e| ExecError::Engine(format!("could not start the commit thread: {e}")))?;
        Ok(Executor {
            inner: Arc::new(Inner {
                store,
                engine,
                options,
                pool,
                partitions: Mutex::new(HashMap::new()),
                committer,
                next_job: AtomicU64::new(1),
                halted: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// Runs and commits `batch`, or returns its stored result if its height is committed.
    ///
    /// A node fault is retried on a fresh isolate up to `fault_retries` times; then the
    /// partition halts and this and every later call for it return [`ExecError::Halted`]
    /// without running anything.
    pub async fn execute(&self, batch: Batch) -> Result<Executed, ExecError> {
        self.begin(batch).await?.finish().await
    }

    /// Runs `batch` and queues its commit (`pipeline.rs`): returns once it has run, so the
    /// caller can hand the partition its next batch while this one is written; the
    /// [`Committing`] resolves once it is durable. As [`Executor::execute`] otherwise.
    pub async fn begin(&self, batch: Batch) -> Result<Committing, ExecError> {
        self.begin_with(Arc::new(batch), None).await
    }

    /// The signature check of every transaction of `batch` (`signatures.rs`) on its own,
    /// ahead of [`Executor::begin_checked`]. It needs no state, so a caller that has the next
    /// batch of a partition in hand checks it while the one before it runs, and the two
    /// overlap. ([`Executor::begin`] checks inside the partition's turn, after the height
    /// test, so that a redelivery or a batch ahead costs no check.)
    pub async fn check(&self, batch: Batch) -> Result<Checked, ExecError> {
        let batch = Arc::new(batch);
        let verdicts = self.verdicts(batch.clone()).await?;
        Ok(Checked { batch, verdicts })
    }

    /// [`Executor::check`] on a task of its own, started now: the caller goes on (runs the
    /// batch before this one) and takes the verdicts with [`Ahead::checked`].
    pub fn check_ahead(&self, batch: Batch) -> Ahead {
        let executor = self.clone();
        Ahead(tokio::spawn(async move { executor.check(batch).await }))
    }

    /// [`Executor::begin`] of a batch [`Executor::check`] has checked.
    pub async fn begin_checked(&self, checked: Checked) -> Result<Committing, ExecError> {
        self.begin_with(checked.batch, Some(checked.verdicts)).await
    }

    /// [`Executor::execute`] of a batch whose signatures the caller has judged: `proofs[i]` is
    /// what those of transaction `i` prove (`requireAuth` and the checks of publisher and
    /// signers weigh accounts against it), in place of the signature check. For embedders
    /// that verify signatures themselves, and for tests of accounts; the bus and `exec`
    /// never call it.
    pub async fn execute_proven(
        &self,
        batch: Batch,
        proofs: Vec<Proof>,
    ) -> Result<Executed, ExecError> {
        if proofs.len() != batch.txs.len() {
            return Err(ExecError::Config(format!(
                "partition {}, height {}: {} proofs for {} transactions",
                batch.partition,
                batch.height,
                proofs.len(),
                batch.txs.len()
            )));
        }
        let verdicts = Arc::new(proofs.into_iter().map(Ok).collect());
        self.begin_with(Arc::new(batch), Some(verdicts))
            .await?
            .finish()
            .await
    }

    /// [`Executor::begin`] with the verdicts on the batch's signatures, or checking them
    /// itself once the batch's height is the next one.
    async fn begin_with(
        &self,
        batch: Arc<Batch>,
        verdicts: Option<Arc<Vec<Verdict>>>,
    ) -> Result<Committing, ExecError> {
        let partition = batch.partition;
        let lock = self.partition_lock(partition);
        let mut chain = lock.lock().await;
        if let Some(halt) = self.halt(partition) {
            return Err(halt.error(partition));
        }
        settle(&mut chain).await;
        let store = &*self.inner.store;
        let head = match chain.back() {
            Some(last) => last.head,
            None => ledger::head(store, partition)?,
        };
        if batch.height <= head.height {
            // A redelivery: once its height is durable, the stored result.
            if let Some(pending) = chain.iter().find(|p| p.height >= batch.height) {
                pending
                    .outcome()
                    .await
                    .map_err(|e| ExecError::Store(StoreError(e)))?;
            }
            return block::replay(store, &batch).map(Committing::replayed);
        }
        if batch.height != head.height + 1 {
            return Err(ExecError::OutOfOrder {
                partition,
                expected: head.height + 1,
                got: batch.height,
            });
        }
        let pending: Vec<Arc<Pending>> = chain.iter().cloned().collect();
        let verdicts = match verdicts {
            Some(given) => given,
            None => self.verdicts(batch.clone()).await?,
        };
        let prepared = self.prepare(batch, verdicts, head, pending.clone()).await?;
        let (done, outcome) = tokio::sync::watch::channel(None);
        let id = self.inner.next_job.fetch_add(1, Ordering::Relaxed);
        let block = Arc::new(Pending {
            height: prepared.head.height,
            head: prepared.head,
            diff: Arc::new(prepared.diff),
            done: outcome,
            id,
        });
        self.inner.committer.submit(pipeline::Job {
            id,
            write: prepared.write,
            after: pending.last().map(|p| (p.id, p.done.clone())),
            done,
        });
        chain.push_back(block.clone());
        Ok(Committing::pending(
            Executed {
                result: prepared.result,
                replayed: false,
                record: prepared.record,
            },
            block,
        ))
    }

    /// Commits a block another node committed (`record`, as [`Executed::record`]), without
    /// running it: how a node takes over a partition it did not run (`bus/blocklog.rs`).
    /// The block must chain onto this node's head: its changes over the head's root give its
    /// state root. A height committed here already is compared instead ([`Applied::Known`],
    /// or [`ExecError::Diverged`]).
    pub async fn apply_record(&self, record: &[u8]) -> Result<Applied, ExecError> {
        let block = ledger::decode_committed(record)
            .map_err(|e| ExecError::Corrupt(format!("a block log record: {e}")))?;
        let (partition, height) = (block.result.partition, block.result.height);
        let lock = self.partition_lock(partition);
        let mut chain = lock.lock().await;
        for pending in chain.iter() {
            let _ = pending.outcome().await;
        }
        chain.clear();
        let store = self.inner.store.clone();
        let head = ledger::head(&*store, partition)?;
        if height <= head.height {
            let ours = ledger::committed(&*store, partition, height)?.ok_or_else(|| {
                ExecError::Corrupt(format!(
                    "partition {partition} is past height {height} but has no result for it"
                ))
            })?;
            if ours.result.state_root != block.result.state_root {
                return Err(ExecError::Diverged {
                    partition,
                    height,
                    ours: ours.result.state_root,
                    theirs: block.result.state_root,
                });
            }
            return Ok(Applied::Known { height });
        }
        if height != head.height + 1 {
            return Err(ExecError::Gap {
                partition,
                expected: head.height + 1,
                got: height,
            });
        }
        let diff = block.diff();
        let root = head.root().next(partition, height, &diff);
        let new_head = block.head()?;
        if root.0 != new_head.state_root {
            return Err(ExecError::Corrupt(format!(
                "the block log's block {height} of partition {partition} claims state root {} \
                 but its changes over this node's head give {}",
                block.result.state_root,
                root.to_hex()
            )));
        }
        // A block run elsewhere: no batch to keep (`isovm replay` says so for its height).
        let (write, _) = ledger::commit_batch(&diff, &block, new_head, &[], None);
        tokio::task::spawn_blocking(move || store.write(write))
            .await
            .map_err(|e| ExecError::Engine(format!("the block log write stopped: {e}")))??;
        Ok(Applied::Appended { height })
    }

    /// The offset up to which this node has read `partition`'s block log, if ever.
    pub fn log_offset(&self, partition: u32) -> Result<Option<u64>, ExecError> {
        let bytes = self
            .inner
            .store
            .get(&crate::state::keys::log_offset_key(partition))?;
        Ok(bytes.and_then(|b| {
            <[u8; 8]>::try_from(b.as_slice())
                .ok()
                .map(u64::from_be_bytes)
        }))
    }

    /// Records that `partition`'s block log has been read up to `offset`.
    pub async fn set_log_offset(&self, partition: u32, offset: u64) -> Result<(), ExecError> {
        let mut write = crate::store::WriteBatch::default();
        write.put(
            crate::state::keys::log_offset_key(partition),
            offset.to_be_bytes().to_vec(),
        );
        let store = self.inner.store.clone();
        tokio::task::spawn_blocking(move || store.write(write))
            .await
            .map_err(|e| ExecError::Engine(format!("the block log offset write stopped: {e}")))??;
        Ok(())
    }

    /// Writes a checkpoint of the database into `dir`, which must not exist: a database of
    /// its own that `exec` and `serve` continue from. A commit is one write, so every block
    /// is in it whole or not at all. Returns what it holds: each partition's head, read back
    /// from the checkpoint itself.
    pub async fn checkpoint(&self, dir: std::path::PathBuf) -> Result<Vec<(u32, Head)>, ExecError> {
        let store = self.inner.store.clone();
        tokio::task::spawn_blocking(move || {
            history::checkpoint(&*store, &dir).map_err(|e| match e {
                history::HistoryError::Store(e) => ExecError::Store(e),
                e @ history::HistoryError::Exists(_) => ExecError::Config(e.to_string()),
                other => {
                    ExecError::Corrupt(format!("the checkpoint in {}: {other}", dir.display()))
                }
            })
        })
        .await
        .map_err(|e| ExecError::Engine(format!("the checkpoint stopped: {e}")))?
    }

    /// Writes and reads back a node-local key (not consensus state): whether the database
    /// takes writes now, for `/readyz`.
    pub async fn probe_store(&self) -> Result<(), ExecError> {
        let store = self.inner.store.clone();
        tokio::task::spawn_blocking(move || {
            let key = crate::state::keys::probe_key();
            let stamp = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos()
                .to_be_bytes()
                .to_vec();
            let mut write = crate::store::WriteBatch::default();
            write.put(key.clone(), stamp.clone());
            store.write(write)?;
            match store.get(&key)? {
                Some(read) if read == stamp => Ok(()),
                _ => Err(ExecError::Engine(
                    "the database probe read back something else than it wrote".into(),
                )),
            }
        })
        .await
        .map_err(|e| ExecError::Engine(format!("the database probe stopped: {e}")))?
    }

    /// The signature check of every transaction of `batch` (`signatures.rs`), spread over
    /// every core, off the async threads.
    async fn verdicts(&self, batch: Arc<Batch>) -> Result<Arc<Vec<Verdict>>, ExecError> {
        let accept_unsigned = self.inner.options.insecure_accept_unsigned_transactions;
        tokio::task::spawn_blocking(move || signatures::check(&batch, accept_unsigned))
            .await
            .map(Arc::new)
            .map_err(|e| ExecError::Engine(format!("the signature check stopped: {e}")))
    }

    /// Runs `batch` on a worker, retrying node faults on fresh isolates, and halts the
    /// partition when they repeat.
    async fn prepare(
        &self,
        batch: Arc<Batch>,
        verdicts: Arc<Vec<Verdict>>,
        head: ledger::Head,
        chain: Vec<Arc<Pending>>,
    ) -> Result<block::Prepared, ExecError> {
        let partition = batch.partition;
        let attempts = self.inner.options.fault_retries.saturating_add(1);
        let keep_batch = self.inner.options.keep_batches;
        let chain = Arc::new(chain);
        let mut attempt = 1;
        loop {
            let (store, this, chain) = (self.inner.store.clone(), batch.clone(), chain.clone());
            let verdicts = verdicts.clone();
            let ran = self
                .run(attempt > 1, move |sandbox| {
                    let view = PendingView {
                        store: &*store,
                        chain: &chain,
                    };
                    block::prepare(sandbox, &view, &head, &this, &verdicts, keep_batch)
                })
                .await;
            let Err(ExecError::NodeFault {
                height,
                tx_hash,
                kind,
                ..
            }) = ran
            else {
                return ran;
            };
            tracing::error!(
                partition,
                height,
                tx = %tx_hash,
                safety_net = kind.name(),
                attempt,
                attempts,
                "node fault: {kind} struck; the batch was abandoned, nothing of it committed"
            );
            if attempt < attempts {
                attempt += 1;
                continue;
            }
            let halt = HaltInfo {
                height,
                tx_hash,
                kind,
                attempts,
            };
            let error = halt.error(partition);
            tracing::error!(partition, height, tx = %halt.tx_hash, safety_net = kind.name(), attempts, %error, "partition halted");
            self.inner
                .halted
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(partition, halt);
            return Err(error);
        }
    }

    /// Calls a contract method read-only against committed state.
    pub async fn query(&self, q: Query) -> Result<QueryReply, ExecError> {
        let (store, options) = (self.inner.store.clone(), self.inner.options.clone());
        let answer = self
            .run(false, move |sandbox| {
                query::query(sandbox, &*store, &q, &options)
            })
            .await;
        if let Err(ExecError::QueryFault { partition, kind }) = &answer {
            tracing::warn!(
                partition,
                safety_net = kind.name(),
                "node fault during a query: {kind} struck"
            );
        }
        answer
    }

    /// Checks whether `tx` could run on `partition`; `Ok(Err(reason))` if not.
    pub async fn validate(&self, partition: u32, tx: Tx) -> Result<Result<(), String>, ExecError> {
        let store = self.inner.store.clone();
        let accept_unsigned = self.inner.options.insecure_accept_unsigned_transactions;
        self.run(false, move |_| {
            query::validate(&*store, partition, &tx, accept_unsigned)
        })
        .await
    }

    /// Why `partition` is halted, if it is.
    pub fn halt(&self, partition: u32) -> Option<HaltInfo> {
        let halted = self.inner.halted.lock().unwrap_or_else(|e| e.into_inner());
        halted.get(&partition).cloned()
    }

    /// Every halted partition and why, by partition.
    pub fn halted(&self) -> Vec<(u32, HaltInfo)> {
        let halted = self.inner.halted.lock().unwrap_or_else(|e| e.into_inner());
        let mut all: Vec<(u32, HaltInfo)> = halted.iter().map(|(p, h)| (*p, h.clone())).collect();
        all.sort_by_key(|(p, _)| *p);
        all
    }

    /// The last committed height and state root of `partition` (0 and zeroes if none).
    pub fn head(&self, partition: u32) -> Result<(u64, StateRoot), ExecError> {
        let head = ledger::head(&*self.inner.store, partition)?;
        Ok((head.height, head.root()))
    }

    /// The stored result of a committed height.
    pub fn block_result(
        &self,
        partition: u32,
        height: u64,
    ) -> Result<Option<BlockResult>, ExecError> {
        Ok(ledger::committed(&*self.inner.store, partition, height)?.map(|c| c.result))
    }

    pub fn pool_stats(&self) -> PoolStats {
        self.inner.pool.stats()
    }

    /// What the isolates have done: calls, isolates made, script and code cache use.
    pub fn engine_stats(&self) -> EngineStats {
        self.inner.engine.stats()
    }

    fn partition_lock(&self, partition: u32) -> Arc<Chain> {
        let mut map = self
            .inner
            .partitions
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        map.entry(partition).or_default().clone()
    }

    /// Runs `work` on a worker's sandbox (one that has served no call yet if `fresh`) and
    /// waits for its answer.
    async fn run<T: Send + 'static>(
        &self,
        fresh: bool,
        work: impl FnOnce(&mut Sandbox) -> Result<T, ExecError> + Send + 'static,
    ) -> Result<T, ExecError> {
        let (reply, answer) = oneshot::channel();
        self.inner.pool.submit(pool::Job {
            work: Box::new(move |sandbox| {
                let _ = reply.send(work(sandbox));
            }),
            fresh,
            span: tracing::Span::current(),
        })?;
        answer
            .await
            .map_err(|_| ExecError::Engine("a worker stopped while running the job".into()))?
    }
}
