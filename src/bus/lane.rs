//! One lane per partition: its batches in delivery order, one at a time, through
//! execute → commit → publish (confirmed) → ack. Also the two other ends a delivery can
//! meet: parking (ahead of its height, or its partition halted by a node fault) and
//! dead-lettering (not a batch, or a conflict).
//!
//! A pipeline: once a batch has run (`Executor::begin`), its commit, publish and ack (its
//! *tail*) run in a task of their own while the lane executes the next batch, on the state
//! the first one left (the executor's pending chain, `exec/pipeline.rs`). The next tail
//! starts only when the one before it has ended, so results are published and deliveries
//! acked in height order, after their commits. A failed commit fails its tail: the session
//! restarts, and that batch and the ones after it, whose commits the executor discarded,
//! come back unacked. A crash between a commit and its ack is what it was: the delivery
//! comes back and its committed result is published again (`replayed`).
//!
//! A lane is a task fed by a bounded channel, one per partition this process owns
//! (`claims.rs`); it ends when its partition is given up and what it was handed is done.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use lapin::message::Delivery;
use lapin::options::BasicAckOptions;
use lapin::types::{AMQPValue, FieldTable};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, error, info, warn};

use super::ahead::{self, Ready};
use super::consumer::Ctx;
use super::error::{BusError, amqp};
use super::publisher::{Outgoing, result_messages, text, truncate};
use super::{blocklog, retry};
use crate::exec::ExecError;
use crate::schema::Batch;

/// Longest error text put in a dead letter's header.
const MAX_ERROR_HEADER: usize = 2000;

/// A decoded batch and the delivery it came in, unacked until the lane is done with it.
pub(super) struct Job {
    pub delivery: Delivery,
    pub batch: Batch,
}

/// The dispatcher's handle on a lane.
pub(super) struct Lane {
    pub jobs: mpsc::Sender<Job>,
    /// Cancelled when the lane's task has ended (and so has its last batch).
    pub done: CancellationToken,
}

/// Starts the lane of `partition` on the session's tracker.
pub(super) fn spawn(ctx: &Arc<Ctx>, partition: u32) -> Lane {
    let (jobs, rx) = mpsc::channel(usize::from(ctx.config.prefetch));
    let done = CancellationToken::new();
    let guard = done.clone().drop_guard();
    let ctx = ctx.clone();
    ctx.tracker.clone().spawn(async move {
        let _done = guard;
        run(ctx, partition, rx).await;
    });
    Lane { jobs, done }
}

/// The publish and ack of a committed batch, running while the lane goes on.
type Tail = JoinHandle<Result<(), BusError>>;

async fn run(ctx: Arc<Ctx>, partition: u32, rx: mpsc::Receiver<Job>) {
    let split = |job: Job| (job.delivery, job.batch);
    let executor = ctx.executor.clone();
    let mut rx = ahead::check_ahead(executor, partition, ctx.halt.clone(), rx, split);
    let mut tail: Option<Tail> = None;
    let fail = |error: BusError| {
        warn!(partition, %error, "batch left unacked; the session restarts");
        ctx.fail(error);
    };
    loop {
        let job = tokio::select! {
            biased;
            // Stop taking batches: shutdown, or the session broke. Batches still queued
            // here are unacked and come back when the connection closes.
            () = ctx.halt.cancelled() => break,
            // The last tail ended while no batch was waiting.
            ended = async { tail.as_mut().expect("guarded").await }, if tail.is_some() => {
                tail = None;
                if let Err(error) = joined(ended) {
                    fail(error);
                    return;
                }
                continue;
            }
            next = rx.recv() => match next {
                Some(job) => job,
                None => break,
            },
        };
        let span = crate::exec::batch_span(job.partition, job.height, job.txs);
        if let Err(error) = handle(&ctx, job, &mut tail).instrument(span).await {
            fail(error);
            break;
        }
    }
    // The lane is done only when its last batch is: a lane that replaces it waits for that.
    if let Some(last) = tail
        && let Err(error) = joined(last.await)
    {
        fail(error);
    }
}

/// A tail's outcome (a panic in it is re-raised here).
fn joined(ended: Result<Result<(), BusError>, tokio::task::JoinError>) -> Result<(), BusError> {
    ended.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

/// Waits for the tail of the batch before, so that what follows keeps height order.
async fn settle(tail: &mut Option<Tail>) -> Result<(), BusError> {
    match tail.take() {
        Some(previous) => joined(previous.await),
        None => Ok(()),
    }
}

/// Takes one batch to its commit and starts its tail (or parks or dead-letters it). An error
/// means the session is broken: the delivery stays unacked and the broker delivers it again.
async fn handle(
    ctx: &Arc<Ctx>,
    job: Ready<Delivery>,
    tail: &mut Option<Tail>,
) -> Result<(), BusError> {
    let (partition, height, txs) = (job.partition, job.height, job.txs);
    let started = Instant::now();
    let (delivery, turn) = job.turn().await;
    let turn = turn.map_err(|error| BusError::Exec {
        partition,
        height,
        error,
    })?;
    if crate::ops::enabled() {
        let committed = ctx.executor.head(partition).map_or(0, |(h, _)| h);
        crate::ops::batch_seen(partition, height, committed);
    }
    let mut policy = retry::policy(ctx.config.reconnect_max());
    let committing = loop {
        match turn.begin(&ctx.executor).await {
            Ok(committing) => break committing,
            Err(ExecError::OutOfOrder { expected, .. }) => {
                settle(tail).await?;
                return park(ctx, delivery, partition, height, Parked::Ahead { expected }).await;
            }
            // The executor retried the node fault on fresh isolates and gave up: keep the
            // batch (and every later one of the partition) on the park queue, where it waits
            // for a restart by an operator, and go on with the other partitions.
            Err(halted @ ExecError::Halted { .. }) => {
                settle(tail).await?;
                return park(ctx, delivery, partition, height, Parked::Halted(halted)).await;
            }
            Err(source @ ExecError::Conflict { .. }) => {
                let error = BusError::Exec {
                    partition,
                    height,
                    error: source,
                };
                warn!(partition, height, %error, "conflicting batch; dead-lettering");
                settle(tail).await?;
                let queue = ctx.names.partition_queue(partition);
                return dead_letter(ctx, &queue, delivery, "conflict", &error.to_string()).await;
            }
            Err(source) => {
                let error = BusError::Exec {
                    partition,
                    height,
                    error: source,
                };
                if !retry::is_retriable(&error) {
                    return Err(error);
                }
                warn!(partition, height, %error, "cannot execute the batch now; retrying");
                if !retry::pause(&mut policy, &ctx.halt).await {
                    return Ok(());
                }
            }
        }
    };
    let executed_in = started.elapsed();
    // At most one tail at a time: this batch's begins when the one before it has ended.
    settle(tail).await?;
    let theirs = ctx.clone();
    let span = tracing::Span::current();
    *tail = Some(
        ctx.tracker.spawn(
            async move {
                let ctx = theirs;
                // A commit that failed (and every later batch of the partition that ran on it) is
                // left unacked: the session restarts and the broker delivers them again.
                let commit_started = Instant::now();
                let executed = committing.finish().await.map_err(|error| BusError::Exec {
                    partition,
                    height,
                    error,
                })?;
                let publish_started = Instant::now();
                // The block log first: a result anyone saw is in the log a successor reads.
                ctx.publisher
                    .publish_all(vec![blocklog::record_message(&ctx, &executed)])
                    .await?;
                let messages = result_messages(&ctx.names, &executed);
                ctx.publisher.publish_all(messages).await?;
                ack(
                    &delivery,
                    &format!("partition {partition}, height {height}"),
                )
                .await?;
                ctx.progress.store(true, Ordering::Relaxed);
                crate::ops::batch_committed(
                    &executed.result,
                    executed.replayed,
                    crate::ops::BatchTimes {
                        execute: executed_in,
                        commit: publish_started - commit_started,
                        publish: publish_started.elapsed(),
                    },
                );
                info!(
                    partition,
                    height,
                    txs,
                    replayed = executed.replayed,
                    state_root = %executed.result.state_root,
                    ms = started.elapsed().as_millis() as u64,
                    "batch committed and published"
                );
                Ok(())
            }
            .instrument(span),
        ),
    );
    Ok(())
}

/// Why a batch is parked.
enum Parked {
    /// Ahead of its partition's next height.
    Ahead { expected: u64 },
    /// Its partition is halted ([`ExecError::Halted`]).
    Halted(ExecError),
}

/// Moves a batch to the park queue, from where it comes back to the batches exchange after
/// the park delay. Nothing ahead runs, nothing is dropped.
async fn park(
    ctx: &Ctx,
    delivery: Delivery,
    partition: u32,
    height: u64,
    why: Parked,
) -> Result<(), BusError> {
    let parked = header_int(&delivery, "x-isovm-parked").unwrap_or(0) + 1;
    if let Parked::Ahead { expected } = &why {
        let ahead = height.saturating_sub(*expected);
        let error = if ahead > ctx.config.max_park_ahead {
            Some(format!(
                "height {height} is {ahead} heights ahead of partition {partition}'s next \
                 height {expected}, more than max_park_ahead {}",
                ctx.config.max_park_ahead
            ))
        } else if parked > i64::from(ctx.config.max_park_rounds) {
            Some(format!(
                "parked {} times (max_park_rounds) waiting for partition {partition}'s height \
                 {expected}, which never came",
                parked - 1
            ))
        } else {
            None
        };
        if let Some(error) = error {
            warn!(partition, height, expected, %error, "batch too far ahead; dead-lettering");
            let queue = ctx.names.partition_queue(partition);
            return dead_letter(ctx, &queue, delivery, "too_far_ahead", &error).await;
        }
    }
    let reason = match &why {
        Parked::Ahead { .. } => "ahead",
        Parked::Halted(_) => "halted",
    };
    let mut headers = delivery.properties.headers().clone().unwrap_or_default();
    headers.insert("x-isovm-parked".into(), AMQPValue::LongLongInt(parked));
    match &why {
        Parked::Ahead { expected } => {
            headers.insert(
                "x-isovm-expected-height".into(),
                AMQPValue::LongLongInt(*expected as i64),
            );
        }
        Parked::Halted(halted) => {
            headers.insert(
                "x-isovm-halted".into(),
                text(truncate(&halted.to_string(), MAX_ERROR_HEADER)),
            );
        }
    }
    match why {
        // The first few times are normal reordering; after that its predecessor is missing.
        Parked::Ahead { expected } if parked <= 3 => info!(
            partition,
            height, expected, parked, "batch is ahead; parked"
        ),
        Parked::Ahead { expected } => warn!(
            partition,
            height, expected, parked, "batch is still ahead; parked again"
        ),
        // Every time: an operator must act.
        Parked::Halted(halted) => error!(
            partition,
            height, parked, error = %halted, "partition is halted; batch parked"
        ),
    }
    let what = format!("the parking of partition {partition}, height {height}");
    ctx.publisher
        .publish_all(vec![Outgoing {
            what: what.clone(),
            exchange: ctx.names.park_exchange.clone(),
            routing_key: delivery.routing_key.to_string(),
            body: delivery.data.clone(),
            properties: delivery.properties.clone().with_headers(headers),
            mandatory: true,
        }])
        .await?;
    ack(&delivery, &what).await?;
    crate::ops::batch_parked(reason);
    Ok(())
}

/// Publishes a delivery isovm cannot use to the dead-letter exchange, saying why in its
/// headers, then acks it. `reason` is short and machine-friendly (`syntax`, `conflict`).
pub(super) async fn dead_letter(
    ctx: &Ctx,
    queue: &str,
    delivery: Delivery,
    reason: &str,
    error: &str,
) -> Result<(), BusError> {
    let mut headers = delivery.properties.headers().clone().unwrap_or_default();
    headers.insert("x-isovm-reason".into(), text(reason));
    headers.insert(
        "x-isovm-error".into(),
        text(truncate(error, MAX_ERROR_HEADER)),
    );
    headers.insert("x-isovm-queue".into(), text(queue));
    headers.insert(
        "x-isovm-routing-key".into(),
        text(delivery.routing_key.as_str()),
    );
    let what = format!("the dead letter ({reason}) from {queue}");
    ctx.publisher
        .publish_all(vec![Outgoing {
            what: what.clone(),
            exchange: ctx.names.dead_exchange.clone(),
            routing_key: reason.to_string(),
            body: delivery.data.clone(),
            properties: delivery
                .properties
                .clone()
                .with_delivery_mode(2)
                .with_headers(headers),
            mandatory: true,
        }])
        .await?;
    ack(&delivery, &what).await?;
    crate::ops::dead_lettered(reason);
    Ok(())
}

pub(super) async fn ack(delivery: &Delivery, what: &str) -> Result<(), BusError> {
    delivery
        .acker
        .ack(BasicAckOptions::default())
        .await
        .map_err(amqp(format!("acknowledging {what}")))?;
    Ok(())
}

pub(super) fn header_int(delivery: &Delivery, key: &str) -> Option<i64> {
    let headers: &FieldTable = delivery.properties.headers().as_ref()?;
    match headers.inner().get(key)? {
        AMQPValue::LongLongInt(n) => Some(*n),
        AMQPValue::LongInt(n) => Some(i64::from(*n)),
        AMQPValue::LongUInt(n) => Some(i64::from(*n)),
        _ => None,
    }
}
