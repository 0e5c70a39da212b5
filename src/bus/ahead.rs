//! The stage before a partition's lane (serve's and verify's): it starts the signature
//! check of each batch as the lane is about to want it, so that the check runs while the
//! batch before it executes (`Executor::check_ahead`). One job waits for the lane at most,
//! checked or being checked. A batch far above the committed head (it will most likely be
//! parked as ahead) is passed on unchecked: `Executor::begin` checks it in its turn, after
//! the height test, so that parking costs no check.

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::exec::{Ahead, Checked, Committing, ExecError, Executor};
use crate::schema::Batch;

/// How far above the committed head a batch is checked before its turn: the batches in
/// flight behind it.
const CHECK_AHEAD_HEIGHTS: u64 = 4;

/// A job on its way to the lane: what the lane keeps of it (`job`), and its batch.
pub(super) struct Ready<J> {
    pub job: J,
    pub partition: u32,
    pub height: u64,
    pub txs: usize,
    batch: Source,
}

enum Source {
    Checking(Ahead),
    Plain(Batch),
}

/// A batch in its turn: checked ahead, or to be checked by `begin`.
pub(super) enum Turn {
    Checked(Checked),
    Plain(Batch),
}

impl<J> Ready<J> {
    /// Waits for the check, if one was started.
    pub async fn turn(self) -> (J, Result<Turn, ExecError>) {
        let turn = match self.batch {
            Source::Checking(ahead) => ahead.checked().await.map(Turn::Checked),
            Source::Plain(batch) => Ok(Turn::Plain(batch)),
        };
        (self.job, turn)
    }
}

impl Turn {
    /// `Executor::begin` of the batch (again, on a retry).
    pub async fn begin(&self, executor: &Executor) -> Result<Committing, ExecError> {
        match self {
            Turn::Checked(checked) => executor.begin_checked(checked.clone()).await,
            Turn::Plain(batch) => executor.begin(batch.clone()).await,
        }
    }
}

/// Feeds `partition`'s lane from `rx`: each job is split into what the lane keeps and its
/// batch, and handed on with the batch's check started. Ends with `rx`, with `halt`, or
/// when the lane is gone.
pub(super) fn check_ahead<T, J>(
    executor: Executor,
    partition: u32,
    halt: CancellationToken,
    mut rx: mpsc::Receiver<T>,
    split: fn(T) -> (J, Batch),
) -> mpsc::Receiver<Ready<J>>
where
    T: Send + 'static,
    J: Send + 'static,
{
    let (tx, ready) = mpsc::channel(1);
    tokio::spawn(async move {
        loop {
            let next = tokio::select! {
                () = halt.cancelled() => break,
                next = rx.recv() => next,
            };
            let Some(next) = next else { break };
            // Wait for the lane to take the job before: one check runs ahead, not more.
            let Ok(slot) = tx.reserve().await else {
                break;
            };
            let (job, batch) = split(next);
            let (height, txs) = (batch.height, batch.txs.len());
            let committed = executor.head(partition).map_or(0, |(h, _)| h);
            let batch = if height > committed && height <= committed + CHECK_AHEAD_HEIGHTS {
                Source::Checking(executor.check_ahead(batch))
            } else {
                Source::Plain(batch)
            };
            slot.send(Ready {
                job,
                partition,
                height,
                txs,
                batch,
            });
        }
    });
    ready
}
