//! The block log: one RabbitMQ stream per partition, `<block_logs>.<partition>`, holding every
//! block committed on it, state changes included (the stored [`crate::exec::ledger`] record
//! as it is). It is how a partition's state reaches a process that never ran it: a process
//! that takes a partition over first reads the log up to its end and commits what it lacks
//! (`Executor::apply_record`), so it continues from the right height with the right state
//! even when the old owner's disk is gone.
//!
//! Writing: the owner publishes a block's record (confirmed) after its commit and before its
//! result, so a result a validator saw is always in the log. A record may be there twice
//! (a redelivered batch replays and publishes it again): readers skip a height they have,
//! after checking its state root.
//!
//! Reading to the end: a stream has no "end" a reader can ask for over AMQP 0.9.1, so the
//! reader first publishes a marker of its own, then reads until it meets it. It reads only
//! once it owns the partition (it holds the partition's lock, `claims.rs`), when no
//! other process can publish to the log any more: the old owner's connection is gone, or
//! it gave the partition up after its last publish. Everything before the marker is all
//! there is.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use lapin::BasicProperties;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicQosOptions};
use lapin::types::{AMQPValue, FieldTable};
use tracing::info;

use super::consumer::Ctx;
use super::error::{BusError, amqp};
use super::publisher::{MSGPACK, Outgoing};
use crate::exec::{Applied, Executed};

/// Header of a reader's end marker: its id.
const MARKER: &str = "x-isovm-marker";
/// Records read ahead of the one being applied.
const READ_AHEAD: u16 = 256;
/// Messages read past the stored offset that make moving it worth a write.
const SKIP_WORTH_STORING: u64 = 64;
/// Longest a reader waits for the next record (or its marker) before giving up the claim.
const READ_STALL: Duration = Duration::from_secs(30);

/// The record of a committed block, for its partition's block log.
pub(super) fn record_message(ctx: &Ctx, executed: &Executed) -> Outgoing {
    let (partition, height) = (executed.result.partition, executed.result.height);
    let mut headers = FieldTable::default();
    headers.insert("x-isovm-partition".into(), AMQPValue::LongUInt(partition));
    headers.insert(
        "x-isovm-height".into(),
        AMQPValue::LongLongInt(height as i64),
    );
    Outgoing {
        what: format!("the block log record of partition {partition}, height {height}"),
        exchange: String::new(),
        routing_key: ctx.names.block_log(partition),
        body: executed.record.as_ref().clone(),
        properties: BasicProperties::default()
            .with_content_type(MSGPACK.into())
            .with_delivery_mode(2)
            .with_headers(headers),
        mandatory: true,
    }
}

/// What reading a partition's log to its end did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct CaughtUp {
    /// Blocks committed from the log.
    pub appended: u64,
    /// Blocks the log holds that were committed here already (same root).
    pub known: u64,
}

/// A reader of a stream up to its end: the end marker it published first.
pub(super) struct ToEnd {
    channel: lapin::Channel,
    records: lapin::Consumer,
    marker: String,
    stream: String,
    /// The offset of the end marker, once met.
    pub end: Option<u64>,
    /// Messages read before the end marker: records and other readers' markers.
    pub read: u64,
}

impl ToEnd {
    /// Publishes an end marker to `stream`, then starts reading it at `from` (its first
    /// record when `None`).
    pub(super) async fn open(
        conn: &lapin::Connection,
        publisher: &super::publisher::Publisher,
        stream: &str,
        from: Option<u64>,
    ) -> Result<ToEnd, BusError> {
        let marker = marker_id();
        let mut headers = FieldTable::default();
        headers.insert(MARKER.into(), AMQPValue::LongString(marker.as_str().into()));
        publisher
            .publish_all(vec![Outgoing {
                what: format!("the end marker of {stream}"),
                exchange: String::new(),
                routing_key: stream.to_string(),
                body: Vec::new(),
                properties: BasicProperties::default()
                    .with_delivery_mode(2)
                    .with_headers(headers),
                mandatory: true,
            }])
            .await?;
        let channel = conn
            .create_channel()
            .await
            .map_err(amqp(format!("opening a channel to read {stream}")))?;
        channel
            .basic_qos(READ_AHEAD, BasicQosOptions::default())
            .await
            .map_err(amqp(format!("setting the prefetch of {stream}")))?;
        let mut args = FieldTable::default();
        let start = match from {
            Some(offset) => AMQPValue::LongLongInt(i64::try_from(offset).unwrap_or(i64::MAX)),
            None => AMQPValue::LongString("first".into()),
        };
        args.insert("x-stream-offset".into(), start);
        let records = channel
            .basic_consume(
                stream.into(),
                "".into(),
                BasicConsumeOptions::default(),
                args,
            )
            .await
            .map_err(amqp(format!("reading {stream}")))?;
        Ok(ToEnd {
            channel,
            records,
            marker,
            stream: stream.to_string(),
            end: None,
            read: 0,
        })
    }

    /// The next record (acked), or `None` at this reader's end marker. Other readers'
    /// markers are skipped.
    pub(super) async fn next(&mut self) -> Result<Option<lapin::message::Delivery>, BusError> {
        if self.end.is_some() {
            return Ok(None);
        }
        loop {
            let stream = &self.stream;
            let delivery = match tokio::time::timeout(READ_STALL, self.records.next()).await {
                Ok(Some(Ok(delivery))) => delivery,
                Ok(Some(Err(e))) => return Err(amqp(format!("reading {stream}"))(e)),
                Ok(None) => {
                    return Err(BusError::ConnectionLost(format!(
                        "the broker ended the reading of {stream}"
                    )));
                }
                Err(_) => {
                    return Err(BusError::ConnectionLost(format!(
                        "{stream} gave nothing for {} s before its end marker",
                        READ_STALL.as_secs()
                    )));
                }
            };
            delivery
                .acker
                .ack(BasicAckOptions::default())
                .await
                .map_err(amqp(format!("acknowledging a record of {stream}")))?;
            match header_str(&delivery, MARKER) {
                Some(id) if id == self.marker => {
                    self.end = header_u64(&delivery, "x-stream-offset");
                    let _ = self.channel.close(200, "read to the end".into()).await;
                    return Ok(None);
                }
                // Another reader's marker: not a record.
                Some(_) => self.read += 1,
                None => {
                    self.read += 1;
                    return Ok(Some(delivery));
                }
            }
        }
    }
}

/// Reads `partition`'s block log from where this node last stopped to its end, committing
/// every block this node lacks. An error leaves the partition to someone else: a log that
/// diverges from this node's history, misses blocks, or cannot be read.
pub(super) async fn catch_up(ctx: &Ctx, partition: u32) -> Result<CaughtUp, BusError> {
    let log = ctx.names.block_log(partition);
    let exec = |error| BusError::Exec {
        partition,
        height: 0,
        error,
    };
    let from = ctx.executor.log_offset(partition).map_err(exec)?;
    let mut reader = ToEnd::open(&ctx.conn, &ctx.publisher, &log, from.map(|o| o + 1)).await?;
    let mut caught = CaughtUp::default();
    while let Some(record) = reader.next().await? {
        match ctx
            .executor
            .apply_record(&record.data)
            .await
            .map_err(exec)?
        {
            Applied::Appended { .. } => caught.appended += 1,
            Applied::Known { .. } => caught.known += 1,
        }
    }
    // The stored offset only saves reading: moving it is a write, left out when it would
    // save little (a process that takes a partition back it already has writes nothing).
    if let Some(offset) = reader
        .end
        .filter(|_| caught.appended > 0 || reader.read >= SKIP_WORTH_STORING)
    {
        ctx.executor
            .set_log_offset(partition, offset)
            .await
            .map_err(exec)?;
    }
    if caught.appended > 0 {
        let (height, _) = ctx.executor.head(partition).map_err(exec)?;
        info!(
            partition,
            appended = caught.appended,
            known = caught.known,
            height,
            "took the partition's blocks over from its block log"
        );
    }
    Ok(caught)
}

/// An id no other reader uses: this process, the time, a counter.
fn marker_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{}-{nanos}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn header<'a>(delivery: &'a lapin::message::Delivery, key: &str) -> Option<&'a AMQPValue> {
    delivery.properties.headers().as_ref()?.inner().get(key)
}

fn header_u64(delivery: &lapin::message::Delivery, key: &str) -> Option<u64> {
    match header(delivery, key)? {
        AMQPValue::LongLongInt(n) => u64::try_from(*n).ok(),
        AMQPValue::LongInt(n) => u64::try_from(*n).ok(),
        AMQPValue::LongUInt(n) => Some(u64::from(*n)),
        _ => None,
    }
}

fn header_str(delivery: &lapin::message::Delivery, key: &str) -> Option<String> {
    match header(delivery, key)? {
        AMQPValue::LongString(s) => Some(s.to_string()),
        AMQPValue::ShortString(s) => Some(s.to_string()),
        _ => None,
    }
}
