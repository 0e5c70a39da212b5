//! The worker pool: OS threads, each owning one sandbox (one V8 isolate) for its life, fed
//! by one bounded channel.
//!
//! The pool grows when more jobs wait than workers are idle, up to `max`; a worker idle for
//! `idle_timeout` retires while more than `min` remain. A worker replaces its sandbox after
//! `recycle_after_uses` calls, when its heap passes `recycle_heap_bytes` after a job, when a
//! safety net struck one of its calls (a node fault taints it), or before a job that asks for
//! a fresh isolate (the retry of a batch abandoned by a node fault).

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TrySendError};

use super::ExecError;
use crate::engine::{Engine, Sandbox, spawn_sandbox_thread};

/// Sizing and recycling of the pool.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub min_workers: usize,
    pub max_workers: usize,
    /// A worker idle this long retires (while more than `min_workers` remain).
    pub idle_timeout: Duration,
    /// Jobs that may wait for a worker; beyond this, submissions are refused as busy.
    pub queue_capacity: usize,
    /// Replace a sandbox after this many calls.
    pub recycle_after_uses: u64,
    /// Replace a sandbox whose heap is this large after a job.
    pub recycle_heap_bytes: usize,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            min_workers: 1,
            max_workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            idle_timeout: Duration::from_secs(30),
            queue_capacity: 256,
            recycle_after_uses: 10_000,
            recycle_heap_bytes: 64 * 1024 * 1024,
        }
    }
}

/// A snapshot of the pool's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolStats {
    pub workers: usize,
    pub idle: usize,
    pub jobs: u64,
    pub recycled: u64,
    pub retired: u64,
}

/// Work for a sandbox.
pub(super) struct Job {
    pub work: Box<dyn FnOnce(&mut Sandbox) + Send>,
    /// Run it on a sandbox that has served no call yet: a retry after a node fault must not
    /// depend on an isolate's history.
    pub fresh: bool,
    /// The submitter's span (the batch's, `spans.rs`), entered on the worker while the job
    /// runs, so what the job logs names its batch.
    pub span: tracing::Span,
}

struct Shared {
    receiver: Receiver<Job>,
    engine: Arc<Engine>,
    options: PoolOptions,
    /// Live worker threads (incremented before spawn, decremented when one ends).
    workers: AtomicUsize,
    /// Workers waiting for a job.
    idle: AtomicUsize,
    next_id: AtomicUsize,
    jobs: AtomicU64,
    recycled: AtomicU64,
    retired: AtomicU64,
}

pub(super) struct Pool {
    sender: Sender<Job>,
    shared: Arc<Shared>,
}

impl Pool {
    pub fn start(engine: Arc<Engine>, options: PoolOptions) -> Result<Pool, ExecError> {
        // At least one worker always stays: a job queued just as the last idle worker
        // retired would otherwise wait for the next submission.
        if options.min_workers == 0 || options.min_workers > options.max_workers {
            return Err(ExecError::Config(format!(
                "workers must be min..max with 1 <= min <= max, got {}..{}",
                options.min_workers, options.max_workers
            )));
        }
        let (sender, receiver) = crossbeam_channel::bounded(options.queue_capacity);
        let shared = Arc::new(Shared {
            receiver,
            engine,
            options,
            workers: AtomicUsize::new(0),
            idle: AtomicUsize::new(0),
            next_id: AtomicUsize::new(0),
            jobs: AtomicU64::new(0),
            recycled: AtomicU64::new(0),
            retired: AtomicU64::new(0),
        });
        for _ in 0..shared.options.min_workers {
            shared.workers.fetch_add(1, Ordering::SeqCst);
            spawn_worker(&shared)?;
        }
        Ok(Pool { sender, shared })
    }

    /// Queues a job, then adds a worker if more jobs wait than workers are idle and the pool
    /// may grow (a burst of jobs grows the pool even before an idle worker wakes up).
    pub fn submit(&self, job: Job) -> Result<(), ExecError> {
        let shared = &self.shared;
        self.sender.try_send(job).map_err(|e| match e {
            TrySendError::Full(_) => ExecError::Busy,
            TrySendError::Disconnected(_) => ExecError::Stopped,
        })?;
        if self.sender.len() > shared.idle.load(Ordering::SeqCst) {
            let grew = shared
                .workers
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                    (n < shared.options.max_workers).then_some(n + 1)
                })
                .is_ok();
            if grew {
                // The job is queued already: a failure to add a worker only means less
                // parallelism, which the log says.
                if let Err(e) = spawn_worker(shared) {
                    tracing::warn!(error = %e, "could not add a worker");
                }
            }
        }
        Ok(())
    }

    pub fn stats(&self) -> PoolStats {
        let s = &self.shared;
        PoolStats {
            workers: s.workers.load(Ordering::SeqCst),
            idle: s.idle.load(Ordering::SeqCst),
            jobs: s.jobs.load(Ordering::SeqCst),
            recycled: s.recycled.load(Ordering::SeqCst),
            retired: s.retired.load(Ordering::SeqCst),
        }
    }
}

/// Spawns a worker; the caller has already counted it in `workers`.
fn spawn_worker(shared: &Arc<Shared>) -> Result<(), ExecError> {
    let id = shared.next_id.fetch_add(1, Ordering::SeqCst);
    let theirs = shared.clone();
    let spawned = spawn_sandbox_thread(format!("isovm-worker-{id}"), move || {
        let count = WorkerCount {
            shared: &theirs,
            counted: Cell::new(true),
        };
        worker(&theirs, id, &count);
    });
    match spawned {
        Ok(_) => Ok(()),
        Err(e) => {
            shared.workers.fetch_sub(1, Ordering::SeqCst);
            Err(ExecError::Engine(format!(
                "could not start a worker thread: {e}"
            )))
        }
    }
}

/// Uncounts a worker when its thread ends, however it ends, unless retiring already did.
struct WorkerCount<'a> {
    shared: &'a Shared,
    counted: Cell<bool>,
}

impl WorkerCount<'_> {
    /// Takes this worker out of the count if more than `min` workers remain; true if it did
    /// (the worker must then stop). One atomic step, so two idle workers cannot both retire
    /// the last one above the minimum.
    fn retire(&self, min: usize) -> bool {
        let retired = self
            .shared
            .workers
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n > min).then_some(n - 1)
            })
            .is_ok();
        if retired {
            self.counted.set(false);
        }
        retired
    }
}

impl Drop for WorkerCount<'_> {
    fn drop(&mut self) {
        if self.counted.get() {
            let workers = self.shared.workers.fetch_sub(1, Ordering::SeqCst) - 1;
            tracing::debug!(workers, "worker stopped");
        }
    }
}

fn new_sandbox(shared: &Shared, id: usize) -> Option<Sandbox> {
    match Sandbox::new(&shared.engine) {
        Ok(sandbox) => Some(sandbox),
        Err(e) => {
            tracing::error!(worker = id, error = %e, "could not create a sandbox; worker stops");
            None
        }
    }
}

fn worker(shared: &Shared, id: usize, count: &WorkerCount<'_>) {
    let Some(mut sandbox) = new_sandbox(shared, id) else {
        return;
    };
    tracing::debug!(
        worker = id,
        workers = shared.workers.load(Ordering::SeqCst),
        "worker started"
    );
    loop {
        shared.idle.fetch_add(1, Ordering::SeqCst);
        let received = shared.receiver.recv_timeout(shared.options.idle_timeout);
        shared.idle.fetch_sub(1, Ordering::SeqCst);
        let job = match received {
            Ok(job) => job,
            Err(RecvTimeoutError::Disconnected) => return,
            Err(RecvTimeoutError::Timeout) => {
                if count.retire(shared.options.min_workers) {
                    shared.retired.fetch_add(1, Ordering::SeqCst);
                    tracing::info!(worker = id, "idle worker retired");
                    return;
                }
                continue;
            }
        };
        if job.fresh && sandbox.uses() > 0 {
            sandbox = match recycle(shared, id, sandbox, "a retry after a node fault") {
                Some(sandbox) => sandbox,
                None => return,
            };
        }
        job.span.in_scope(|| (job.work)(&mut sandbox));
        shared.jobs.fetch_add(1, Ordering::SeqCst);
        if let Some(reason) = recycle_reason(&mut sandbox, &shared.options) {
            sandbox = match recycle(shared, id, sandbox, reason) {
                Some(sandbox) => sandbox,
                None => return,
            };
        }
    }
}

/// Replaces a worker's sandbox; `None` if a new one could not be made (the worker stops).
fn recycle(shared: &Shared, id: usize, sandbox: Sandbox, reason: &str) -> Option<Sandbox> {
    let uses = sandbox.uses();
    // One sandbox per thread: the old one goes before the new one is made.
    drop(sandbox);
    shared.recycled.fetch_add(1, Ordering::SeqCst);
    tracing::info!(worker = id, reason, uses, "recycled the worker's isolate");
    new_sandbox(shared, id)
}

fn recycle_reason(sandbox: &mut Sandbox, options: &PoolOptions) -> Option<&'static str> {
    if sandbox.tainted() {
        Some("a safety net struck one of its calls (node fault)")
    } else if sandbox.uses() >= options.recycle_after_uses {
        Some("use count")
    } else if sandbox.heap_used() >= options.recycle_heap_bytes {
        Some("heap size")
    } else {
        None
    }
}
