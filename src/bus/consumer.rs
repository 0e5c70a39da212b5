//! `isovm serve`'s loop: connect, declare, consume batches and RPC requests, and reconnect
//! with backoff whenever the session breaks, until shutdown.
//!
//! A session is one connection. It claims its share of the partitions (`claims.rs`): each
//! owned partition's queue is consumed on a channel of its own and its batches go to its
//! lane (strict order within a partition, partitions in parallel); undecodable deliveries
//! are dead-lettered; RPC requests run as their own tasks. Everything in flight is bounded
//! by `basic.qos` prefetch. When a lane cannot publish or ack, the session halts: lanes stop
//! after the batch in hand, the connection closes, the broker requeues whatever was not
//! acked and frees the partitions for other processes, and the next session claims again
//! (committed heights replay from storage, so nothing is applied twice).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use lapin::message::Delivery;
use lapin::options::{BasicCancelOptions, BasicConsumeOptions, BasicQosOptions};
use lapin::types::FieldTable;
use lapin::{Channel, Connection, Consumer, Event};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{error, info, warn};

use super::claims::{self, Ownership};
use super::config::{BusConfig, Names, redact_url};
use super::error::{BusError, amqp};
use super::lane;
use super::publisher::Publisher;
use super::topology::Plan;
use super::{connect, retry, rpc};
use crate::exec::Executor;
use crate::schema::{self, Batch, Format};

/// How long closing a connection may take at the end of a session.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// What the tasks of one session share.
pub(super) struct Ctx {
    pub conn: Arc<Connection>,
    pub executor: Executor,
    pub config: BusConfig,
    pub names: Names,
    pub publisher: Publisher,
    pub tracker: TaskTracker,
    /// Cancelled to stop taking work: on shutdown (a child of the shutdown token) or when a
    /// task found the session broken.
    pub halt: CancellationToken,
    /// The first error that broke the session.
    failure: Mutex<Option<BusError>>,
    /// Set once a batch is acked: the session worked, so the reconnect backoff restarts.
    pub progress: AtomicBool,
    /// The partitions known, owned and being claimed.
    pub ownership: Ownership,
}

impl Ctx {
    /// Records why the session is broken and halts it.
    pub(super) fn fail(&self, error: BusError) {
        let mut failure = self.failure.lock().unwrap_or_else(|e| e.into_inner());
        if failure.is_none() {
            *failure = Some(error);
        }
        self.halt.cancel();
    }

    fn take_failure(&self) -> Option<BusError> {
        self.failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }
}

/// Consumes batches and RPC requests until `shutdown` is cancelled, reconnecting (with
/// backoff, forever) whenever the connection is lost. Returns `Ok` after a clean shutdown:
/// the batch in hand finished, committed, published and acked. Returns an error only for
/// what retrying cannot fix (its configuration, a permission the broker denies, a clashing
/// topology); a refused login or TLS handshake is retried (the operator fixes it in the broker).
pub async fn serve(
    executor: Executor,
    config: BusConfig,
    shutdown: CancellationToken,
) -> Result<(), BusError> {
    config.check()?;
    let url = redact_url(&config.amqp_url);
    retry::sessions("bus", &url, config.reconnect_max(), &shutdown, || {
        session(&executor, &config, &shutdown)
    })
    .await
}

/// One connection's worth of serving. `Ok` only when shutdown ended it.
async fn session(
    executor: &Executor,
    config: &BusConfig,
    shutdown: &CancellationToken,
) -> (Result<(), BusError>, bool) {
    let opened = tokio::select! {
        opened = open(executor, config, shutdown) => opened,
        () = shutdown.cancelled() => return (Ok(()), false),
    };
    let session = match opened {
        Ok(session) => session,
        Err(error) => return (Err(error), false),
    };
    let ctx = session.ctx.clone();
    let outcome = session.run(shutdown).await;
    let progressed = ctx.progress.load(Ordering::Relaxed);
    if shutdown.is_cancelled() {
        if let Err(error) = outcome {
            warn!(%error, "the bus session had failed as it shut down");
        }
        return (Ok(()), progressed);
    }
    (outcome, progressed)
}

struct Session {
    ctx: Arc<Ctx>,
    rpc_channel: Channel,
    requests: Consumer,
}

async fn open(
    executor: &Executor,
    config: &BusConfig,
    shutdown: &CancellationToken,
) -> Result<Session, BusError> {
    let url = redact_url(&config.amqp_url);
    let conn = Arc::new(connect::connect(config, "isovm serve").await?);
    let names = config.names();
    let declarer = conn
        .create_channel()
        .await
        .map_err(amqp("opening the declaring channel"))?;
    Plan::new(config).declare(&declarer).await?;
    let _ = declarer.close(200, "declared".into()).await;
    let publisher = Publisher::open(&conn, config.confirm_timeout()).await?;

    let rpc_channel = conn
        .create_channel()
        .await
        .map_err(amqp("opening the RPC channel"))?;
    rpc_channel
        .basic_qos(config.rpc_prefetch, BasicQosOptions::default())
        .await
        .map_err(amqp("setting the RPC prefetch"))?;
    let requests = rpc_channel
        .basic_consume(
            names.rpc_queue.as_str().into(),
            "".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(amqp(format!("consuming {}", names.rpc_queue)))?;

    let ctx = Arc::new(Ctx {
        conn,
        executor: executor.clone(),
        config: config.clone(),
        names,
        publisher,
        tracker: TaskTracker::new(),
        halt: shutdown.child_token(),
        failure: Mutex::new(None),
        progress: AtomicBool::new(false),
        ownership: Ownership::default(),
    });
    claims::start(&ctx).await?;
    crate::ops::bus_session(Some(probe(&ctx)));
    info!(
        url,
        partitions = %ctx.names.partitions_log,
        rpc = %ctx.names.rpc_queue,
        prefetch = config.prefetch,
        "connected; claiming partitions"
    );
    Ok(Session {
        ctx,
        rpc_channel,
        requests,
    })
}

impl Session {
    async fn run(mut self, shutdown: &CancellationToken) -> Result<(), BusError> {
        let ctx = self.ctx.clone();
        let mut events = ctx.conn.events_listener();
        let outcome = loop {
            tokio::select! {
                biased;
                () = ctx.halt.cancelled() => break Ok(()),
                event = events.next() => match event {
                    // lapin reports a channel closed by the broker here too (a lock held by
                    // another process, a probe of a queue that is not there): the code that
                    // used the channel handles it; only a lost connection ends the session.
                    Some(Event::Error(e)) if ctx.conn.status().connected() => {
                        tracing::debug!(error = %e, "a channel was closed; the connection is fine");
                    }
                    Some(Event::Error(e)) => break Err(BusError::ConnectionLost(e.to_string())),
                    Some(_) => {}
                    None => break Err(BusError::ConnectionLost("the connection ended".into())),
                },
                request = self.requests.next() => match request {
                    Some(Ok(delivery)) => {
                        let ctx = ctx.clone();
                        ctx.tracker.clone().spawn(async move {
                            if let Err(error) = rpc::answer(&ctx, delivery).await {
                                ctx.fail(error);
                            }
                        });
                    }
                    Some(Err(e)) => break Err(amqp(format!("consuming {}", ctx.names.rpc_queue))(e)),
                    None => break Err(BusError::ConnectionLost(format!(
                        "the broker cancelled the consumer of {}", ctx.names.rpc_queue
                    ))),
                },
            }
        };
        // Stop taking work, let the batches in hand finish (commit, publish, ack), then
        // close: the broker requeues every delivery not acked by then.
        ctx.halt.cancel();
        crate::ops::bus_session(None);
        if shutdown.is_cancelled() {
            info!(owned = ?ctx.ownership.owned(), "shutting down: finishing the batches in hand");
        }
        if outcome.is_ok() && ctx.conn.status().connected() {
            cancel_consumer(&self.rpc_channel, &self.requests).await;
        }
        ctx.tracker.close();
        ctx.tracker.wait().await;
        if ctx.conn.status().connected() {
            let close = ctx.conn.close(200, "isovm session ends".into());
            let _ = tokio::time::timeout(CLOSE_TIMEOUT, close).await;
        }
        match (outcome, ctx.take_failure()) {
            (Err(error), _) | (Ok(()), Some(error)) => Err(error),
            (Ok(()), None) => Ok(()),
        }
    }
}

/// What `/readyz` asks of this session: connected, and not halting (its consumers run).
fn probe(ctx: &Arc<Ctx>) -> crate::ops::BusProbe {
    let conn = Arc::downgrade(&ctx.conn);
    let halt = ctx.halt.clone();
    Box::new(move || {
        let connected = conn.upgrade().is_some_and(|c| c.status().connected());
        if !connected {
            Err("the connection to the broker is lost (reconnecting)".into())
        } else if halt.is_cancelled() {
            Err("the bus session is stopping (reconnecting or shutting down)".into())
        } else {
            Ok(())
        }
    })
}

/// The batch a delivery holds; what is not a batch is dead-lettered (from `queue`) with its
/// reason, in a task of its own, and `None` returned.
pub(super) fn decode_or_dead_letter(
    ctx: &Arc<Ctx>,
    delivery: Delivery,
    queue: &str,
) -> Option<(Delivery, Batch)> {
    let deliveries = lane::header_int(&delivery, "x-delivery-count").unwrap_or(0);
    if deliveries >= i64::from(ctx.config.delivery_limit) {
        let error = format!(
            "delivered {} times without an ack (delivery_limit {}): every process that took \
             it failed before its commit",
            deliveries + 1,
            ctx.config.delivery_limit
        );
        error!(routing_key = %delivery.routing_key, %error, "dead-lettering a batch");
        spawn_dead_letter(ctx, queue, delivery, "delivery_limit", error);
        return None;
    }
    let decoded = format_of(&delivery).and_then(|format| {
        schema::decode_batch(&delivery.data, format, ctx.config.max_batch_bytes)
    });
    match decoded {
        Ok(batch) => Some((delivery, batch)),
        Err(e) => {
            warn!(
                reason = e.kind(),
                error = %e,
                routing_key = %delivery.routing_key,
                "not a valid batch; dead-lettering"
            );
            spawn_dead_letter(ctx, queue, delivery, e.kind(), e.to_string());
            None
        }
    }
}

/// Dead-letters `delivery` in the background (the dispatcher goes on); a failure to do so
/// ends the session, and the broker delivers it again.
fn spawn_dead_letter(
    ctx: &Arc<Ctx>,
    queue: &str,
    delivery: Delivery,
    reason: &'static str,
    error: String,
) {
    let ctx = ctx.clone();
    let queue = queue.to_string();
    ctx.tracker.clone().spawn(async move {
        if let Err(error) = lane::dead_letter(&ctx, &queue, delivery, reason, &error).await {
            ctx.fail(error);
        }
    });
}

/// The format the message's content type names ([`Format::from_content_type`]).
pub(super) fn format_of(delivery: &Delivery) -> Result<Format, schema::DecodeError> {
    Format::from_content_type(
        delivery
            .properties
            .content_type()
            .as_ref()
            .map(|t| t.as_str()),
    )
}

pub(super) async fn cancel_consumer(channel: &Channel, consumer: &Consumer) {
    let cancel = channel.basic_cancel(consumer.tag(), BasicCancelOptions::default());
    if let Ok(Err(error)) = tokio::time::timeout(CLOSE_TIMEOUT, cancel).await {
        warn!(%error, queue = %consumer.queue(), "could not cancel the consumer");
    }
}
