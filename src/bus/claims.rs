//! Who serves which partition, decided with RabbitMQ's own means and no coordinator:
//!
//! - **One queue per partition** (`<batches_queue>.<partition>`, bound to the route exchange
//!   with `batch.<partition>`). A batch of a partition with no queue yet cannot be routed and
//!   goes, through the route exchange's alternate, to the batches queue: whichever process
//!   takes it declares the partition's queue and block log, records the partition in the
//!   partitions log (a stream every process reads from its start), and publishes the batch
//!   again, now to the partition's queue.
//! - **Ownership is a lock**: an exclusive queue per partition (`<members>.owner.<p>`),
//!   which the broker lets one connection hold at a time and drops the moment that
//!   connection ends (a SIGKILL included). Only the holder consumes the partition's queue.
//!   Claiming is trying; a refusal (405) means someone has it. (An exclusive *consumer*
//!   would be simpler, but quorum queues do not enforce it.)
//! - **Fair shares from consumer counts.** Every process consumes the members queue, so its
//!   consumer count (a passive declare) is the number of processes. With `n` partitions and
//!   `m` processes, a process holds at most ⌈n/m⌉; one below ⌊n/m⌋ consumes the hungry
//!   queue, and while someone does, a process above ⌊n/m⌋ gives one partition up.
//! - **Taking over carries the state**: before a process runs a partition's batches it reads
//!   the partition's block log to the end (`blocklog.rs`), so it continues from the last
//!   committed height of whoever owned it before, even if that process's disk is gone.
//!
//! Giving a partition up is orderly: no new batch is taken, the ones handed to the lane
//! finish (commit, publish, ack), and only then is the channel closed, which returns what was
//! never handed over to the queue, in order.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicQosOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Consumer};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use super::config::batch_key;
use super::consumer::{Ctx, cancel_consumer, decode_or_dead_letter};
use super::error::{BusError, amqp};
use super::lane::{self, Job};
use super::publisher::Outgoing;
use super::topology::Plan;
use super::{blocklog, lane::dead_letter};

/// How many rebalance intervals a process leaves a partition alone after giving it up (so
/// the process that wanted it gets it), or after failing to take it over.
const COOLDOWN_INTERVALS: u32 = 3;
const FAILED_TAKEOVER_INTERVALS: u32 = 10;

/// A partition this process owns.
struct Owned {
    /// Cancelled to give it up.
    release: CancellationToken,
}

/// What the session knows of partitions and owners.
#[derive(Default)]
pub(super) struct Ownership {
    /// Every partition with a queue (from the partitions log).
    known: Mutex<BTreeSet<u32>>,
    owned: Mutex<BTreeMap<u32, Owned>>,
    /// Partitions not to claim before the instant.
    cooldown: Mutex<HashMap<u32, Instant>>,
    /// Partitions whose queue this session has declared.
    declared: Mutex<BTreeSet<u32>>,
    /// Something changed: rebalance now rather than at the next tick.
    changed: Notify,
}

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Ownership {
    /// The partitions this process owns (including those it is giving up).
    pub(super) fn owned(&self) -> Vec<u32> {
        locked(&self.owned).keys().copied().collect()
    }

    fn cool(&self, partition: u32, intervals: u32, interval: Duration) {
        locked(&self.cooldown).insert(partition, Instant::now() + interval * intervals);
    }
}

/// Starts the session's ownership tasks: the partitions log reader, the taker of batches of
/// new partitions, and the balancer.
pub(super) async fn start(ctx: &Arc<Ctx>) -> Result<(), BusError> {
    let names = &ctx.names;
    let conn = &ctx.conn;

    // Counted by the others; consumed, never read.
    let members = conn
        .create_channel()
        .await
        .map_err(amqp("opening the members channel"))?;
    let membership = members
        .basic_consume(
            names.members_queue.as_str().into(),
            "".into(),
            BasicConsumeOptions {
                no_ack: true,
                ..BasicConsumeOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .map_err(amqp(format!("consuming {}", names.members_queue)))?;

    let log = conn
        .create_channel()
        .await
        .map_err(amqp("opening the partitions log channel"))?;
    log.basic_qos(1000, BasicQosOptions::default())
        .await
        .map_err(amqp("setting the partitions log prefetch"))?;
    let mut args = FieldTable::default();
    args.insert(
        "x-stream-offset".into(),
        AMQPValue::LongString("first".into()),
    );
    let partitions = log
        .basic_consume(
            names.partitions_log.as_str().into(),
            "".into(),
            BasicConsumeOptions::default(),
            args,
        )
        .await
        .map_err(amqp(format!("reading {}", names.partitions_log)))?;

    let fresh = conn
        .create_channel()
        .await
        .map_err(amqp("opening the new partitions channel"))?;
    fresh
        .basic_qos(ctx.config.prefetch, BasicQosOptions::default())
        .await
        .map_err(amqp("setting the new partitions prefetch"))?;
    let new_batches = fresh
        .basic_consume(
            names.batches_queue.as_str().into(),
            "".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(amqp(format!("consuming {}", names.batches_queue)))?;
    let declarer = conn
        .create_channel()
        .await
        .map_err(amqp("opening the declaring channel"))?;

    let tracker = ctx.tracker.clone();
    let c = ctx.clone();
    tracker.spawn(async move {
        // Held for the session: its consumer is this process's membership.
        let _members = (members, membership);
        read_partitions(&c, log, partitions).await;
    });
    let c = ctx.clone();
    tracker.spawn(async move { take_new(&c, fresh, new_batches, declarer).await });
    let c = ctx.clone();
    tracker.spawn(async move { balance(&c).await });
    Ok(())
}

/// The next delivery of `consumer` (of `queue`), or `None` when the session ends: halted,
/// or the consumer failed or was cancelled, which fails the session.
async fn next_delivery(ctx: &Ctx, consumer: &mut Consumer, queue: &str) -> Option<Delivery> {
    let next = tokio::select! {
        biased;
        () = ctx.halt.cancelled() => return None,
        next = consumer.next() => next,
    };
    match next {
        Some(Ok(delivery)) => Some(delivery),
        Some(Err(e)) => {
            ctx.fail(amqp(format!("consuming {queue}"))(e));
            None
        }
        None => {
            ctx.fail(BusError::ConnectionLost(format!(
                "the broker cancelled the consumer of {queue}"
            )));
            None
        }
    }
}

/// Follows the partitions log: every partition that has a queue.
async fn read_partitions(ctx: &Arc<Ctx>, channel: Channel, mut log: Consumer) {
    while let Some(delivery) = next_delivery(ctx, &mut log, &ctx.names.partitions_log).await {
        match std::str::from_utf8(&delivery.data)
            .ok()
            .and_then(|s| s.parse::<u32>().ok())
        {
            Some(partition) => {
                if locked(&ctx.ownership.known).insert(partition) {
                    ctx.ownership.changed.notify_one();
                }
            }
            None => warn!(
                log = %ctx.names.partitions_log,
                "a record of the partitions log is not a partition number; ignored"
            ),
        }
        if let Err(e) = delivery.acker.ack(BasicAckOptions::default()).await {
            ctx.fail(amqp(format!("acknowledging {}", ctx.names.partitions_log))(
                e,
            ));
            break;
        }
    }
    let _ = channel.close(200, "session ends".into()).await;
}

/// Takes the batches of partitions that have no queue yet: makes the partition's queue and
/// block log, records it in the partitions log, and sends the batch on to its queue.
async fn take_new(ctx: &Arc<Ctx>, channel: Channel, mut batches: Consumer, declarer: Channel) {
    while let Some(delivery) = next_delivery(ctx, &mut batches, &ctx.names.batches_queue).await {
        let queue = ctx.names.batches_queue.clone();
        let Some((delivery, batch)) = decode_or_dead_letter(ctx, delivery, &queue) else {
            continue;
        };
        if let Err(error) = route_new(ctx, &declarer, delivery, batch.partition).await {
            ctx.fail(error);
            break;
        }
    }
    if ctx.conn.status().connected() {
        cancel_consumer(&channel, &batches).await;
    }
}

async fn route_new(
    ctx: &Ctx,
    declarer: &Channel,
    delivery: Delivery,
    partition: u32,
) -> Result<(), BusError> {
    let declared = locked(&ctx.ownership.declared).contains(&partition);
    if !declared {
        Plan::partition(&ctx.config, partition)
            .declare(declarer)
            .await?;
        let known = locked(&ctx.ownership.known).contains(&partition);
        if !known {
            ctx.publisher
                .publish_all(vec![Outgoing {
                    what: format!("the record of partition {partition}"),
                    exchange: String::new(),
                    routing_key: ctx.names.partitions_log.clone(),
                    body: partition.to_string().into_bytes(),
                    properties: BasicProperties::default().with_delivery_mode(2),
                    mandatory: true,
                }])
                .await?;
            info!(
                partition,
                "a new partition: its queue and block log are made"
            );
        }
        locked(&ctx.ownership.declared).insert(partition);
    }
    let what = format!("the batch of new partition {partition}");
    ctx.publisher
        .publish_all(vec![Outgoing {
            what: what.clone(),
            exchange: ctx.names.route_exchange.clone(),
            routing_key: batch_key(partition),
            body: delivery.data.clone(),
            properties: delivery.properties.clone(),
            mandatory: true,
        }])
        .await?;
    lane::ack(&delivery, &what).await
}

/// Every rebalance interval (or when the partitions change): claims partitions up to this
/// process's fair share and gives up those beyond it.
async fn balance(ctx: &Arc<Ctx>) {
    let interval = Duration::from_millis(ctx.config.rebalance_interval_ms);
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut probe: Option<Channel> = None;
    let mut hungry: Option<(Channel, Consumer)> = None;
    loop {
        tokio::select! {
            biased;
            () = ctx.halt.cancelled() => break,
            _ = ticker.tick() => {}
            () = ctx.ownership.changed.notified() => {}
        }
        if let Err(error) = rebalance(ctx, &mut probe, &mut hungry, interval).await {
            ctx.fail(error);
            break;
        }
    }
    for owned in locked(&ctx.ownership.owned).values() {
        owned.release.cancel();
    }
}

/// The consumer count of `queue`, or `None` if it does not exist (the probe channel is then
/// closed by the broker, and dropped here).
async fn consumers(
    ctx: &Ctx,
    probe: &mut Option<Channel>,
    queue: &str,
) -> Result<Option<u32>, BusError> {
    if probe.as_ref().is_none_or(|c| !c.status().connected()) {
        *probe = Some(
            ctx.conn
                .create_channel()
                .await
                .map_err(amqp("opening the probe channel"))?,
        );
    }
    let channel = probe.as_ref().expect("just opened");
    let options = QueueDeclareOptions {
        passive: true,
        ..QueueDeclareOptions::default()
    };
    match channel
        .queue_declare(queue.into(), options, FieldTable::default())
        .await
    {
        Ok(q) => Ok(Some(q.consumer_count())),
        Err(_) if ctx.conn.status().connected() => {
            *probe = None;
            Ok(None)
        }
        Err(e) => Err(amqp(format!("looking at {queue}"))(e)),
    }
}

async fn rebalance(
    ctx: &Arc<Ctx>,
    probe: &mut Option<Channel>,
    hungry: &mut Option<(Channel, Consumer)>,
    interval: Duration,
) -> Result<(), BusError> {
    let names = &ctx.names;
    let members = consumers(ctx, probe, &names.members_queue)
        .await?
        .unwrap_or(1)
        .max(1) as usize;
    let hungry_queue = names.hungry_queue();
    let wanting = consumers(ctx, probe, &hungry_queue).await?.unwrap_or(0) as usize;
    let known: Vec<u32> = locked(&ctx.ownership.known).iter().copied().collect();
    let owned: Vec<u32> = {
        let owned = locked(&ctx.ownership.owned);
        owned
            .iter()
            .filter(|(_, o)| !o.release.is_cancelled())
            .map(|(p, _)| *p)
            .collect()
    };
    let (high, low) = (known.len().div_ceil(members), known.len() / members);
    let me_hungry = hungry.is_some();

    // Beyond the fair share: give the highest-numbered up.
    let mut give_up = owned.len().saturating_sub(high);
    if give_up == 0 && owned.len() > low && wanting > usize::from(me_hungry) {
        give_up = 1;
    }
    if give_up > 0 {
        let owned_map = locked(&ctx.ownership.owned);
        for p in owned.iter().rev().take(give_up) {
            if let Some(o) = owned_map.get(p) {
                info!(
                    partition = *p,
                    processes = members,
                    partitions = known.len(),
                    "giving the partition up to even the shares"
                );
                o.release.cancel();
            }
        }
        return Ok(());
    }

    // Below it: claim partitions nobody consumes, starting at a place of this process's own
    // so that processes starting together try different ones first.
    let mut have = owned.len();
    if have < high {
        let now = Instant::now();
        locked(&ctx.ownership.cooldown).retain(|_, until| *until > now);
        let start = (std::process::id() as usize) % known.len().max(1);
        let candidates = known[start..].iter().chain(&known[..start]);
        for &p in candidates {
            if have >= high {
                break;
            }
            if owned.contains(&p)
                || locked(&ctx.ownership.owned).contains_key(&p)
                || locked(&ctx.ownership.cooldown).contains_key(&p)
            {
                continue;
            }
            if consumers(ctx, probe, &names.partition_queue(p)).await? != Some(0) {
                continue;
            }
            if claim(ctx, p, interval).await? {
                have += 1;
            }
        }
    }

    // Hungry while below the lower share: the others see it and give one up.
    let want = have < low;
    if want && hungry.is_none() {
        let channel = ctx
            .conn
            .create_channel()
            .await
            .map_err(amqp("opening the hungry channel"))?;
        let consumer = channel
            .basic_consume(
                hungry_queue.as_str().into(),
                "".into(),
                BasicConsumeOptions {
                    no_ack: true,
                    ..BasicConsumeOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .map_err(amqp(format!("consuming {hungry_queue}")))?;
        *hungry = Some((channel, consumer));
    } else if !want && let Some((channel, _)) = hungry.take() {
        let _ = channel.close(200, "fed".into()).await;
    }
    Ok(())
}

/// Tries to take `partition`: first its lock (an exclusive queue, [`Names::owner_lock`]),
/// then a consumer on its queue; on success the partition's task starts (reading its block
/// log first). `false` when another process holds the lock.
///
/// The lock, not the consumer, is what makes one owner: quorum queues do not enforce
/// exclusive consumers (rabbitmq/rabbitmq-website#1973), but the broker never lets two
/// connections hold one exclusive queue, and drops it the moment its connection ends (a
/// SIGKILL included), together with that connection's consumers.
async fn claim(ctx: &Arc<Ctx>, partition: u32, interval: Duration) -> Result<bool, BusError> {
    let queue = ctx.names.partition_queue(partition);
    let lock_name = ctx.names.owner_lock(partition);
    let lock = ctx
        .conn
        .create_channel()
        .await
        .map_err(amqp(format!("opening a channel for {lock_name}")))?;
    let exclusive = QueueDeclareOptions {
        exclusive: true,
        ..QueueDeclareOptions::default()
    };
    let mut args = FieldTable::default();
    args.insert(
        "x-queue-type".into(),
        AMQPValue::LongString("classic".into()),
    );
    match lock
        .queue_declare(lock_name.as_str().into(), exclusive, args)
        .await
    {
        Ok(_) => {}
        // Held by another connection (405 RESOURCE_LOCKED): the broker closed the channel.
        Err(_) if ctx.conn.status().connected() => return Ok(false),
        Err(e) => return Err(amqp(format!("locking {lock_name}"))(e)),
    }
    let channel = ctx
        .conn
        .create_channel()
        .await
        .map_err(amqp(format!("opening a channel for {queue}")))?;
    channel
        .basic_qos(ctx.config.prefetch, BasicQosOptions::default())
        .await
        .map_err(amqp(format!("setting the prefetch of {queue}")))?;
    let consumer = channel
        .basic_consume(
            queue.as_str().into(),
            "".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(amqp(format!("consuming {queue}")))?;
    let release = CancellationToken::new();
    {
        let mut owned = locked(&ctx.ownership.owned);
        owned.insert(
            partition,
            Owned {
                release: release.clone(),
            },
        );
        crate::ops::partitions_owned(owned.len());
    }
    let c = ctx.clone();
    ctx.tracker.spawn(async move {
        own(&c, partition, channel, consumer, release, interval).await;
        // Only now, with the consumer gone and every batch handed to it settled, may
        // another process take the partition.
        unlock(&c, &lock, &lock_name).await;
        {
            let mut owned = locked(&c.ownership.owned);
            owned.remove(&partition);
            crate::ops::partitions_owned(owned.len());
        }
        c.ownership.changed.notify_one();
    });
    Ok(true)
}

/// Lets go of a partition's lock. If the connection is gone, so is the lock.
async fn unlock(ctx: &Ctx, lock: &Channel, name: &str) {
    if !ctx.conn.status().connected() {
        return;
    }
    if let Err(error) = lock
        .queue_delete(name.into(), QueueDeleteOptions::default())
        .await
    {
        // The lock stays until this connection ends: the partition waits for that.
        warn!(lock = %name, %error, "cannot let go of a partition's lock");
        ctx.fail(amqp(format!("deleting {name}"))(error));
        return;
    }
    let _ = lock.close(200, "unlocked".into()).await;
}

/// Serves an owned partition until it is given up or the session ends: reads its block log
/// to the end, then hands its batches to its lane.
async fn own(
    ctx: &Arc<Ctx>,
    partition: u32,
    channel: Channel,
    mut consumer: Consumer,
    release: CancellationToken,
    interval: Duration,
) {
    let queue = ctx.names.partition_queue(partition);
    match blocklog::catch_up(ctx, partition).await {
        Ok(_) => {
            let (height, _) = ctx.executor.head(partition).unwrap_or_default();
            info!(partition, height, "partition claimed; serving it");
        }
        Err(error) => {
            error!(
                partition,
                %error,
                "cannot take the partition over from its block log; leaving it to others"
            );
            ctx.ownership
                .cool(partition, FAILED_TAKEOVER_INTERVALS, interval);
            let _ = channel
                .close(200, "cannot take the partition over".into())
                .await;
            return;
        }
    }
    let lane = lane::spawn(ctx, partition);
    loop {
        let next = tokio::select! {
            biased;
            () = ctx.halt.cancelled() => break,
            () = release.cancelled() => break,
            next = consumer.next() => next,
        };
        let delivery = match next {
            Some(Ok(delivery)) => delivery,
            Some(Err(e)) => {
                ctx.fail(amqp(format!("consuming {queue}"))(e));
                break;
            }
            None => {
                warn!(partition, queue = %queue, "the broker cancelled the consumer; giving the partition up");
                break;
            }
        };
        let Some((delivery, batch)) = decode_or_dead_letter(ctx, delivery, &queue) else {
            continue;
        };
        if batch.partition != partition {
            let error = format!(
                "a batch of partition {} in the queue of partition {partition}",
                batch.partition
            );
            warn!(partition, %error, "dead-lettering");
            if let Err(e) = dead_letter(ctx, &queue, delivery, "wrong_partition", &error).await {
                ctx.fail(e);
                break;
            }
            continue;
        }
        if lane.jobs.send(Job { delivery, batch }).await.is_err() {
            break;
        }
    }
    // No new batches; those handed over finish; then what was never handed over goes back.
    if ctx.conn.status().connected() && !ctx.halt.is_cancelled() {
        cancel_consumer(&channel, &consumer).await;
    }
    drop(lane.jobs);
    lane.done.cancelled().await;
    let _ = channel.close(200, "partition given up".into()).await;
    if !ctx.halt.is_cancelled() {
        info!(partition, "partition given up");
        ctx.ownership.cool(partition, COOLDOWN_INTERVALS, interval);
    }
}
