//! The VM manager: the one entry point for batches, queries and validation.
//!
//! [`Executor::execute`] runs a batch on a worker of the pool (one isolate per worker),
//! commits its block diff, result and new head in one synced write, and returns the
//! result. A batch whose height is already committed returns the stored result instead;
//! a batch ahead of its partition's next height is refused. Batches of one partition are
//! serialized here; batches of different partitions run in parallel.

mod block;
mod columns;
mod host;
mod ledger;
mod pool;
mod query;
mod system;
mod tx;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::engine::{Engine, EngineError, EngineOptions, EngineStats, HostError, Sandbox};
use crate::schema::{Batch, BlockResult, Query, QueryReply, Tx};
use crate::state::StateRoot;
use crate::store::{Store, StoreError};

pub use block::FEES_MAP;
pub use pool::PoolOptions;
pub use pool::PoolStats;
pub use system::SYSTEM;

/// Everything the executor can be tuned with.
#[derive(Debug, Clone)]
pub struct ExecOptions {
    pub engine: EngineOptions,
    pub pool: PoolOptions,
    /// Gas a read-only query may use (queries make no receipts, so this is the node's choice).
    pub query_gas_limit: u64,
}

impl Default for ExecOptions {
    fn default() -> Self {
        ExecOptions {
            engine: EngineOptions::default(),
            pool: PoolOptions::default(),
            query_gas_limit: 10_000_000,
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
}

struct Inner {
    store: Arc<dyn Store>,
    engine: Arc<Engine>,
    options: ExecOptions,
    pool: pool::Pool,
    partitions: Mutex<HashMap<u32, Arc<tokio::sync::Mutex<()>>>>,
}

/// The VM manager. Cheap to clone; all clones share one pool.
#[derive(Clone)]
pub struct Executor {
    inner: Arc<Inner>,
}

impl Executor {
    /// Sets up V8 (snapshot included) and starts the worker pool.
    pub fn new(store: Arc<dyn Store>, options: ExecOptions) -> Result<Executor, ExecError> {
        let engine = Engine::new(options.engine.clone())?;
        let pool = pool::Pool::start(engine.clone(), options.pool.clone())?;
        Ok(Executor {
            inner: Arc::new(Inner {
                store,
                engine,
                options,
                pool,
                partitions: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// Runs and commits `batch`, or returns its stored result if its height is committed.
    pub async fn execute(&self, batch: Batch) -> Result<Executed, ExecError> {
        let lock = self.partition_lock(batch.partition);
        let _serial = lock.lock().await;
        let (store, options) = (self.inner.store.clone(), self.inner.options.clone());
        self.run(move |sandbox| block::execute(sandbox, &*store, &batch, &options))
            .await
    }

    /// Calls a contract method read-only against committed state.
    pub async fn query(&self, q: Query) -> Result<QueryReply, ExecError> {
        let (store, options) = (self.inner.store.clone(), self.inner.options.clone());
        self.run(move |sandbox| query::query(sandbox, &*store, &q, &options))
            .await
    }

    /// Checks whether `tx` could run on `partition`; `Ok(Err(reason))` if not.
    pub async fn validate(&self, partition: u32, tx: Tx) -> Result<Result<(), String>, ExecError> {
        let store = self.inner.store.clone();
        self.run(move |_| query::validate(&*store, partition, &tx))
            .await
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

    fn partition_lock(&self, partition: u32) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self
            .inner
            .partitions
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        map.entry(partition).or_default().clone()
    }

    /// Runs `work` on a worker's sandbox and waits for its answer.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Sandbox) -> Result<T, ExecError> + Send + 'static,
    ) -> Result<T, ExecError> {
        let (reply, answer) = oneshot::channel();
        self.inner.pool.submit(Box::new(move |sandbox| {
            let _ = reply.send(work(sandbox));
        }))?;
        answer
            .await
            .map_err(|_| ExecError::Engine("a worker stopped while running the job".into()))?
    }
}
