//! The commit pipeline: a batch's commit runs behind the execution of the next.
//!
//! Once a batch has run, its write (block diff, result, head, code caches) goes to the
//! [`Committer`], one thread per executor, and the batch joins its partition's chain of
//! [`Pending`] blocks: executed, not yet known durable. The next batch of the partition runs
//! at once, reading through that chain ([`PendingView`]) to the store, so it sees exactly
//! the state it would see after the commit. Callers learn the outcome from [`Committing`].
//!
//! - **Order.** The committer writes jobs in the order they were submitted, and a partition
//!   submits under its lock, in height order.
//! - **Group commit.** Jobs waiting together (several partitions, or a partition faster than
//!   the disk) are written in one synced `WriteBatch`: one fsync for all.
//! - **A failed commit discards its successors.** A job whose predecessor in its partition
//!   failed is not written: it fails too ("discarded"), since it ran on state that never
//!   became durable. The next batch the partition is given waits until its chain has drained,
//!   drops it, and runs from the store's head again; callers retry or redeliver the failed
//!   heights as they did any failed commit, and nothing of them is committed.
//! - Reads that are not a batch's (queries, RPC heads, validation) see committed state only.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;

use tokio::sync::watch;

use super::ledger::Head;
use super::{ExecError, Executed};
use crate::state::BlockDiff;
use crate::store::{ReadView, Store, StoreError, WriteBatch};

/// A commit's outcome: `None` while it is in flight.
pub(super) type Outcome = Option<Result<(), String>>;

/// An executed batch whose commit may still be in flight.
pub(super) struct Pending {
    /// The commit job's id.
    pub id: u64,
    pub height: u64,
    /// The partition's head once this batch is committed.
    pub head: Head,
    pub diff: Arc<BlockDiff>,
    pub done: watch::Receiver<Outcome>,
}

impl Pending {
    /// Waits until the commit is decided.
    pub async fn outcome(&self) -> Result<(), String> {
        let mut done = self.done.clone();
        match done.wait_for(Option::is_some).await {
            Ok(outcome) => outcome.clone().unwrap_or(Ok(())),
            Err(_) => Err("the committer stopped".into()),
        }
    }

    /// The outcome if decided.
    pub fn decided(&self) -> Outcome {
        self.done.borrow().clone()
    }
}

/// The store as a batch sees it: the pending blocks of its partition (oldest first) over
/// the committed state.
pub(super) struct PendingView<'a> {
    pub store: &'a dyn ReadView,
    pub chain: &'a [Arc<Pending>],
}

impl ReadView for PendingView<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        for pending in self.chain.iter().rev() {
            if let Some(change) = pending.diff.change(key) {
                return Ok(change.map(<[u8]>::to_vec));
            }
        }
        self.store.get(key)
    }

    fn scan_prefix(
        &self,
        prefix: &[u8],
        visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), StoreError> {
        if self.chain.is_empty() {
            return self.store.scan_prefix(prefix, visit);
        }
        let mut merged: BTreeMap<Vec<u8>, Option<Vec<u8>>> = BTreeMap::new();
        self.store.scan_prefix(prefix, &mut |k, v| {
            merged.insert(k.to_vec(), Some(v.to_vec()));
            true
        })?;
        for pending in self.chain {
            for (k, v) in pending.diff.under(prefix) {
                merged.insert(k.to_vec(), v.map(<[u8]>::to_vec));
            }
        }
        for (k, v) in &merged {
            if let Some(v) = v
                && !visit(k, v)
            {
                break;
            }
        }
        Ok(())
    }
}

/// A batch that has run, and the commit that makes it durable.
pub struct Committing {
    executed: Executed,
    /// `None` for a replay: nothing to wait for.
    done: Option<Arc<Pending>>,
}

impl Committing {
    pub(super) fn replayed(executed: Executed) -> Committing {
        Committing {
            executed,
            done: None,
        }
    }

    pub(super) fn pending(executed: Executed, pending: Arc<Pending>) -> Committing {
        Committing {
            executed,
            done: Some(pending),
        }
    }

    /// The height this is the batch of.
    pub fn height(&self) -> u64 {
        self.executed.result.height
    }

    /// Waits for the commit; the result once it is durable.
    pub async fn finish(self) -> Result<Executed, ExecError> {
        if let Some(pending) = &self.done {
            pending
                .outcome()
                .await
                .map_err(|e| ExecError::Store(StoreError(e)))?;
        }
        Ok(self.executed)
    }
}

/// One write for the committer.
pub(super) struct Job {
    pub id: u64,
    pub write: WriteBatch,
    /// The partition's previous pending commit: if it fails, this one is discarded.
    pub after: Option<(u64, watch::Receiver<Outcome>)>,
    pub done: watch::Sender<Outcome>,
}

/// The thread that writes commits, in order, grouped.
pub(super) struct Committer {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl Committer {
    pub fn start(store: Arc<dyn Store>) -> std::io::Result<Committer> {
        let (jobs, rx) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("isovm-commit".into())
            .spawn(move || commit_loop(&*store, &rx))?;
        Ok(Committer {
            jobs: Some(jobs),
            thread: Some(thread),
        })
    }

    /// Queues `job`; its outcome arrives on the job's `done`.
    pub fn submit(&self, job: Job) {
        let sent = self.jobs.as_ref().map(|jobs| jobs.send(job));
        if let Some(Err(mpsc::SendError(job))) = sent {
            let _ = job.done.send(Some(Err("the committer stopped".into())));
        }
    }
}

impl Drop for Committer {
    fn drop(&mut self) {
        self.jobs.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn commit_loop(store: &dyn Store, rx: &mpsc::Receiver<Job>) {
    while let Ok(first) = rx.recv() {
        let mut group = vec![first];
        while let Ok(next) = rx.try_recv() {
            group.push(next);
        }
        // Decide which jobs are written: not one whose predecessor failed, here or before.
        let mut failed: HashSet<u64> = HashSet::new();
        let mut merged = WriteBatch::default();
        let mut written = Vec::with_capacity(group.len());
        for job in group {
            let predecessor_failed = job.after.as_ref().is_some_and(|(id, done)| {
                failed.contains(id) || matches!(&*done.borrow(), Some(Err(_)))
            });
            if predecessor_failed {
                failed.insert(job.id);
                let _ = job.done.send(Some(Err(
                    "discarded: it ran on a batch of its partition whose commit failed".into(),
                )));
                continue;
            }
            merged.extend(job.write);
            written.push((job.id, job.done));
        }
        if written.is_empty() {
            continue;
        }
        let outcome = store.write(merged).map_err(|e| e.to_string());
        if let Err(e) = &outcome {
            tracing::error!(batches = written.len(), error = %e, "commit failed");
        }
        for (_, done) in written {
            let _ = done.send(Some(outcome.clone()));
        }
    }
}
