//! `isovm verify`'s loop: the validator role. It takes every batch from a durable queue of
//! its own bound to the batches exchange, runs each on its own executor and database, takes
//! every published block result from a second durable queue bound to the results exchange,
//! and compares the two results of each block (`verify::compare`). A difference is an
//! error log line and a [`Divergence`] message on the results exchange (routing key
//! `divergence`, confirmed); a match is counted.
//!
//! Batches and results come in any order, more than once, and from sessions that break.
//! Per partition (a [`Book`]): the next height to run, the height committed here, the
//! batches that came ahead of the next height, and the published results whose block is
//! not committed here yet. A partition's batches go to its lane (a task) strictly in height
//! order; the lane runs them as `serve`'s lanes do (the next batch begins while the one
//! before commits) and acks each after its commit. A result is compared as soon as both
//! sides are there, and acked only after its divergences were confirmed by the broker.
//!
//! Nothing is acked that is not done, so what is waiting lives unacked in memory, bounded
//! by the two queues' prefetch: a session that breaks loses nothing (the broker delivers it
//! again, and committed heights replay from the database). A result whose batch never comes
//! waits unacked and holds one unit of the results prefetch; once the prefetch is full of
//! them, no more results are delivered until their batches come (batches flow on their own
//! channel, so they never wait for results). Likewise batches ahead of a missing height
//! hold the batches prefetch. Both are logged.
//!
//! Duplicates: a batch below the next height is acked (it ran, or is running). A result is
//! compared once per content: the digest of each compared message is kept for the last
//! [`SEEN_KEPT`] heights of its partition, and a copy with the same bytes (a republication)
//! is acked without a second count; a copy with other bytes (a result altered on the bus)
//! is compared like any other.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::StreamExt;
use lapin::message::Delivery;
use lapin::options::{BasicConsumeOptions, BasicQosOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Acker, Channel, Connection, Consumer, Event};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{Instrument, debug, error, info, warn};

use super::client::{ensure_exchange, header};
use super::config::{BusConfig, DIVERGENCE_KEY, Names, redact_url};
use super::consumer::format_of;
use super::error::{BusError, amqp};
use super::lane::ack;
use super::publisher::{Outgoing, Publisher, persistent, position_headers};
use super::{ahead, connect, retry};
use crate::exec::{ExecError, Executor};
use crate::schema::{self, Batch, BlockResult, Divergence, Format};

/// Published results a verifier may hold unacked at once (waiting for their batches).
pub const RESULTS_PREFETCH: u16 = 128;
/// Per partition, the heights whose compared results' digests are kept for deduplication.
pub const SEEN_KEPT: usize = 4096;
/// Divergences of one block published and logged one by one; beyond, one line counts them.
const MAX_REPORTED: usize = 100;

/// How `isovm verify` runs.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Base name of its two durable queues, `<queue>.batches` and `<queue>.results`; two
    /// verifiers on one broker need two names. A `validator` broker user may declare only
    /// names under `<prefix>.validator.` (`bus/roles.rs`).
    pub queue: String,
    /// Log a line every this many matching blocks (0: never).
    pub log_every: u64,
}

impl VerifyOptions {
    /// The default base name of the queues: `<prefix>.validator.verify`.
    pub fn default_queue(config: &BusConfig) -> String {
        format!("{}verify", super::roles::validator_queue_prefix(config))
    }
}

/// What a verifier has counted since it started (the log's numbers, and the metrics').
#[derive(Debug, Default)]
pub struct VerifyStats {
    /// Batches run and committed here (replays of committed heights not counted).
    pub executed: AtomicU64,
    /// Published results equal to ours in every field.
    pub matched: AtomicU64,
    /// Published results that differ from ours in at least one field.
    pub diverged: AtomicU64,
    /// The differing fields of those results, all told.
    pub divergences: AtomicU64,
    /// Copies of results already compared (same bytes), acked without a second count.
    pub duplicates: AtomicU64,
}

/// Runs the validator until `shutdown`, reconnecting (with backoff, forever) whenever the
/// session breaks. `Ok` after a clean shutdown (the batches in hand committed and acked);
/// an error only for what retrying cannot fix, as `serve`.
pub async fn verify(
    executor: Executor,
    config: BusConfig,
    options: VerifyOptions,
    stats: Arc<VerifyStats>,
    shutdown: CancellationToken,
) -> Result<(), BusError> {
    config.check()?;
    if options.queue.is_empty() || options.queue.starts_with("amq.") {
        return Err(BusError::Config(format!(
            "`{}` cannot name the verifier's queues (not empty, not amq.*)",
            options.queue
        )));
    }
    let url = redact_url(&config.amqp_url);
    retry::sessions("verify", &url, config.reconnect_max(), &shutdown, || {
        Session {
            executor: &executor,
            config: &config,
            options: &options,
            stats: &stats,
            progressed: false,
        }
        .run(&shutdown)
    })
    .await
}

/// One published result, unacked until compared.
struct Published {
    result: BlockResult,
    replayed: bool,
    digest: [u8; 32],
    acker: Acker,
}

/// What the verifier knows of one partition in a session.
struct Book {
    /// The next height to hand to the lane.
    next: u64,
    /// Every height up to this one is committed here.
    committed: u64,
    /// Batches that came ahead of `next`, unacked.
    ahead: BTreeMap<u64, (Batch, Acker)>,
    /// Published results of heights above `committed`, unacked.
    waiting: BTreeMap<u64, Vec<Published>>,
    /// Digests of the compared results, by height (the last [`SEEN_KEPT`]).
    seen: BTreeMap<u64, Vec<[u8; 32]>>,
    lane: mpsc::Sender<Job>,
}

/// A batch handed to a lane, in height order.
struct Job {
    batch: Batch,
    acker: Acker,
}

/// What lanes tell the session.
enum LaneEvent {
    Committed(BlockResult),
    /// The lane cannot go on: the session restarts (or ends, if retrying cannot help).
    Failed(BusError),
}

struct Session<'a> {
    executor: &'a Executor,
    config: &'a BusConfig,
    options: &'a VerifyOptions,
    stats: &'a Arc<VerifyStats>,
    progressed: bool,
}

/// The open connection of a session and its consumers.
struct Open {
    conn: Connection,
    publisher: Publisher,
    batches: Consumer,
    results: Consumer,
    _channels: (Channel, Channel),
}

impl Session<'_> {
    /// `Ok` only when shutdown ended it; with whether anything was acked.
    async fn run(mut self, shutdown: &CancellationToken) -> (Result<(), BusError>, bool) {
        let opened = tokio::select! {
            opened = self.open() => opened,
            () = shutdown.cancelled() => return (Ok(()), false),
        };
        let open = match opened {
            Ok(open) => open,
            Err(error) => return (Err(error), false),
        };
        let halt = shutdown.child_token();
        let tracker = TaskTracker::new();
        let (events_tx, mut events_rx) = mpsc::unbounded_channel();
        let mut books: HashMap<u32, Book> = HashMap::new();
        let Open {
            conn,
            publisher,
            mut batches,
            mut results,
            _channels,
        } = open;
        let names = self.config.names();
        let mut conn_events = conn.events_listener();
        crate::ops::bus_session(Some(probe(conn.status().clone(), halt.clone())));
        let outcome: Result<(), BusError> = loop {
            let step = tokio::select! {
                biased;
                () = halt.cancelled() => break Ok(()),
                event = conn_events.next() => match event {
                    Some(Event::Error(e)) => Err(BusError::ConnectionLost(e.to_string())),
                    Some(_) => Ok(()),
                    None => Err(BusError::ConnectionLost("the connection ended".into())),
                },
                event = events_rx.recv() => match event {
                    Some(LaneEvent::Committed(result)) => {
                        self.progressed = true;
                        self.committed(&mut books, &publisher, &names, result).await
                    }
                    Some(LaneEvent::Failed(error)) => Err(error),
                    None => Ok(()),
                },
                delivery = batches.next() => match delivery {
                    Some(Ok(delivery)) => {
                        self.batch(&mut books, delivery, &halt, &tracker, &events_tx).await
                    }
                    Some(Err(e)) => Err(amqp("consuming the verifier's batches")(e)),
                    None => Err(BusError::ConnectionLost(
                        "the broker cancelled the verifier's batches consumer".into(),
                    )),
                },
                delivery = results.next() => match delivery {
                    Some(Ok(delivery)) => {
                        self.result(&mut books, &publisher, &names, delivery, &halt, &tracker, &events_tx).await
                    }
                    Some(Err(e)) => Err(amqp("consuming the verifier's results")(e)),
                    None => Err(BusError::ConnectionLost(
                        "the broker cancelled the verifier's results consumer".into(),
                    )),
                },
            };
            if let Err(error) = step {
                break Err(error);
            }
        };
        // Stop taking work; the lanes finish the batches they were handed (commit, ack);
        // what waits here unacked goes back to the queues when the connection closes.
        halt.cancel();
        crate::ops::bus_session(None);
        if shutdown.is_cancelled() {
            info!("shutting down: finishing the batches in hand");
        }
        books.clear();
        tracker.close();
        tracker.wait().await;
        let mut outcome = outcome;
        while let Ok(event) = events_rx.try_recv() {
            if let (LaneEvent::Failed(error), Ok(())) = (event, &outcome) {
                outcome = Err(error);
            }
        }
        if conn.status().connected() {
            let close = conn.close(200, "isovm verify session ends".into());
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), close).await;
        }
        if shutdown.is_cancelled() {
            if let Err(error) = outcome {
                warn!(%error, "the verify session had failed as it shut down");
            }
            return (Ok(()), self.progressed);
        }
        (outcome, self.progressed)
    }

    /// Connects, declares the two queues and binds them, and consumes both.
    async fn open(&self) -> Result<Open, BusError> {
        let config = self.config;
        let names = config.names();
        let conn = connect::connect(config, "isovm verify").await?;
        let publisher = Publisher::open(&conn, config.confirm_timeout()).await?;
        let batches_queue = format!("{}.batches", self.options.queue);
        let results_queue = format!("{}.results", self.options.queue);
        let batch_keys: Vec<&str> = config.batch_bindings.iter().map(String::as_str).collect();
        let (batches_channel, batches) = consume(
            &conn,
            &batches_queue,
            &names.batches_exchange,
            &batch_keys,
            config.prefetch,
        )
        .await?;
        let (results_channel, results) = consume(
            &conn,
            &results_queue,
            &names.results_exchange,
            &["result.*"],
            RESULTS_PREFETCH,
        )
        .await?;
        info!(
            url = %redact_url(&config.amqp_url),
            batches = %batches_queue,
            results = %results_queue,
            prefetch = config.prefetch,
            "verify: consuming batches and results"
        );
        Ok(Open {
            conn,
            publisher,
            batches,
            results,
            _channels: (batches_channel, results_channel),
        })
    }

    /// The book of `partition`, made (with its lane) from the executor's head if new.
    fn book<'b>(
        &self,
        books: &'b mut HashMap<u32, Book>,
        partition: u32,
        halt: &CancellationToken,
        tracker: &TaskTracker,
        events: &mpsc::UnboundedSender<LaneEvent>,
    ) -> Result<&'b mut Book, BusError> {
        use std::collections::hash_map::Entry;
        let entry = match books.entry(partition) {
            Entry::Occupied(book) => return Ok(book.into_mut()),
            Entry::Vacant(entry) => entry,
        };
        let (head, _) = self
            .executor
            .head(partition)
            .map_err(|error| BusError::Exec {
                partition,
                height: 0,
                error,
            })?;
        let (jobs, rx) = mpsc::channel(usize::from(self.config.prefetch));
        tracker.spawn(lane(
            self.executor.clone(),
            partition,
            self.config.reconnect_max(),
            rx,
            events.clone(),
            halt.clone(),
            self.stats.clone(),
        ));
        Ok(entry.insert(Book {
            next: head + 1,
            committed: head,
            ahead: BTreeMap::new(),
            waiting: BTreeMap::new(),
            seen: BTreeMap::new(),
            lane: jobs,
        }))
    }

    /// A delivery from the batches queue: to its lane if it is the next height, held if it
    /// is ahead, acked if it ran already.
    async fn batch(
        &self,
        books: &mut HashMap<u32, Book>,
        delivery: Delivery,
        halt: &CancellationToken,
        tracker: &TaskTracker,
        events: &mpsc::UnboundedSender<LaneEvent>,
    ) -> Result<(), BusError> {
        let decoded = format_of(&delivery).and_then(|format| {
            schema::decode_batch(&delivery.data, format, self.config.max_batch_bytes)
        });
        let batch = match decoded {
            Ok(batch) => batch,
            Err(e) => {
                // `serve` dead-letters its own copy of it, with the reason.
                warn!(reason = e.kind(), error = %e, routing_key = %delivery.routing_key,
                    "verify: not a valid batch; skipped (serve dead-letters it)");
                return ack(&delivery, "an invalid batch").await;
            }
        };
        let (partition, height) = (batch.partition, batch.height);
        let book = self.book(books, partition, halt, tracker, events)?;
        if height < book.next {
            debug!(partition, height, "verify: batch ran already; acked");
            return ack(
                &delivery,
                &format!("a copy of partition {partition}, height {height}"),
            )
            .await;
        }
        if height > book.next {
            if book.ahead.contains_key(&height) {
                return ack(
                    &delivery,
                    &format!("a copy of partition {partition}, height {height}"),
                )
                .await;
            }
            let level_warn = book.ahead.len() + 1 >= usize::from(self.config.prefetch);
            if level_warn {
                warn!(
                    partition,
                    height,
                    next = book.next,
                    held = book.ahead.len() + 1,
                    "verify: batches ahead of the next height fill the prefetch; waiting for height {}",
                    book.next
                );
            } else {
                info!(
                    partition,
                    height,
                    next = book.next,
                    "verify: batch ahead of the next height; held"
                );
            }
            book.ahead.insert(height, (batch, delivery.acker));
            return Ok(());
        }
        let mut job = Some(Job {
            batch,
            acker: delivery.acker,
        });
        while let Some(next) = job.take() {
            book.next += 1;
            if book.lane.send(next).await.is_err() {
                return Err(BusError::ConnectionLost(format!(
                    "the lane of partition {partition} stopped"
                )));
            }
            job = book
                .ahead
                .remove(&book.next)
                .map(|(batch, acker)| Job { batch, acker });
        }
        Ok(())
    }

    /// A delivery from the results queue: compared now if its block is committed here,
    /// held until it is otherwise.
    #[allow(clippy::too_many_arguments)]
    async fn result(
        &self,
        books: &mut HashMap<u32, Book>,
        publisher: &Publisher,
        names: &Names,
        delivery: Delivery,
        halt: &CancellationToken,
        tracker: &TaskTracker,
        events: &mpsc::UnboundedSender<LaneEvent>,
    ) -> Result<(), BusError> {
        let result: BlockResult = match schema::decode(&delivery.data, Format::MsgPack) {
            Ok(result) => result,
            Err(e) => {
                error!(error = %e, routing_key = %delivery.routing_key,
                    "verify: a message on the results exchange is not a block result; skipped");
                return ack(&delivery, "a message that is not a block result").await;
            }
        };
        let replayed = matches!(
            header(&delivery, "x-isovm-replayed"),
            Some(AMQPValue::Boolean(true))
        );
        let published = Published {
            digest: Sha256::digest(&delivery.data).into(),
            result,
            replayed,
            acker: delivery.acker,
        };
        let (partition, height) = (published.result.partition, published.result.height);
        let book = self.book(books, partition, halt, tracker, events)?;
        if height > book.committed {
            book.waiting.entry(height).or_default().push(published);
            let waiting: usize = books
                .values()
                .map(|b| b.waiting.values().map(Vec::len).sum::<usize>())
                .sum();
            if waiting >= usize::from(RESULTS_PREFETCH) {
                warn!(
                    partition,
                    height,
                    waiting,
                    "verify: published results waiting for their batches fill the results \
                     prefetch; no more results arrive until those batches do"
                );
            }
            return Ok(());
        }
        let ours = self
            .executor
            .block_result(partition, height)
            .map_err(|error| BusError::Exec {
                partition,
                height,
                error,
            })?
            .ok_or_else(|| BusError::Exec {
                partition,
                height,
                error: ExecError::Corrupt(format!(
                    "partition {partition} is past height {height} but has no result for it"
                )),
            })?;
        self.judge(book, publisher, names, &ours, published).await
    }

    /// A block the lane committed: the results that waited for it are compared.
    async fn committed(
        &self,
        books: &mut HashMap<u32, Book>,
        publisher: &Publisher,
        names: &Names,
        ours: BlockResult,
    ) -> Result<(), BusError> {
        let Some(book) = books.get_mut(&ours.partition) else {
            return Ok(());
        };
        book.committed = book.committed.max(ours.height);
        for published in book.waiting.remove(&ours.height).unwrap_or_default() {
            self.judge(book, publisher, names, &ours, published).await?;
        }
        Ok(())
    }

    /// Compares a published result with ours, reports what differs (logged, and published
    /// confirmed), counts it, then acks it.
    async fn judge(
        &self,
        book: &mut Book,
        publisher: &Publisher,
        names: &Names,
        ours: &BlockResult,
        published: Published,
    ) -> Result<(), BusError> {
        let (partition, height) = (ours.partition, ours.height);
        let what = format!("the result of partition {partition}, height {height}");
        let seen = book.seen.get(&height);
        if seen.is_some_and(|s| s.contains(&published.digest)) {
            self.stats.duplicates.fetch_add(1, Ordering::Relaxed);
            debug!(
                partition,
                height,
                replayed = published.replayed,
                "verify: result compared already; acked"
            );
            return published
                .acker
                .ack(Default::default())
                .await
                .map(drop)
                .map_err(amqp(format!("acknowledging a copy of {what}")));
        }
        let found = crate::verify::compare(ours, &published.result, published.replayed);
        let stats = &self.stats;
        if found.is_empty() {
            let matched = stats.matched.fetch_add(1, Ordering::Relaxed) + 1;
            debug!(partition, height, "verify: block matches");
            let every = self.options.log_every;
            if every > 0 && matched.is_multiple_of(every) {
                info!(
                    matched,
                    diverged = stats.diverged.load(Ordering::Relaxed),
                    divergences = stats.divergences.load(Ordering::Relaxed),
                    duplicates = stats.duplicates.load(Ordering::Relaxed),
                    executed = stats.executed.load(Ordering::Relaxed),
                    partition,
                    height,
                    "blocks verified"
                );
            }
        } else {
            for d in found.iter().take(MAX_REPORTED) {
                log_divergence(d);
            }
            if found.len() > MAX_REPORTED {
                error!(
                    partition,
                    height,
                    more = found.len() - MAX_REPORTED,
                    "divergence: more fields of this block differ (not reported one by one)"
                );
            }
            let messages = found
                .iter()
                .take(MAX_REPORTED)
                .map(|d| divergence_message(names, d))
                .collect();
            publisher.publish_all(messages).await?;
            stats.diverged.fetch_add(1, Ordering::Relaxed);
            stats
                .divergences
                .fetch_add(found.len() as u64, Ordering::Relaxed);
            error!(
                partition,
                height,
                fields = found.len(),
                matched = stats.matched.load(Ordering::Relaxed),
                diverged = stats.diverged.load(Ordering::Relaxed),
                "block diverges"
            );
        }
        book.seen.entry(height).or_default().push(published.digest);
        while book.seen.len() > SEEN_KEPT {
            book.seen.pop_first();
        }
        published
            .acker
            .ack(Default::default())
            .await
            .map(drop)
            .map_err(amqp(format!("acknowledging {what}")))
    }
}

/// Declares the durable queue `queue`, binds it to `exchange` with each of `keys` (the
/// exchange checked passively first, as the validator's client does), and consumes it.
async fn consume(
    conn: &Connection,
    queue: &str,
    exchange: &str,
    keys: &[&str],
    prefetch: u16,
) -> Result<(Channel, Consumer), BusError> {
    ensure_exchange(conn, exchange).await?;
    let channel = conn
        .create_channel()
        .await
        .map_err(amqp("opening a channel"))?;
    channel
        .basic_qos(prefetch, BasicQosOptions::default())
        .await
        .map_err(amqp(format!("setting the prefetch of {queue}")))?;
    channel
        .queue_declare(
            queue.into(),
            QueueDeclareOptions::durable(),
            FieldTable::default(),
        )
        .await
        .map_err(amqp(format!("declaring the verifier's queue {queue}")))?;
    for key in keys {
        channel
            .queue_bind(
                queue.into(),
                exchange.into(),
                (*key).into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(amqp(format!("binding {queue} to {exchange} with `{key}`")))?;
    }
    let consumer = channel
        .basic_consume(
            queue.into(),
            "".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(amqp(format!("consuming {queue}")))?;
    Ok((channel, consumer))
}

/// One error line per divergence: partition, height, tx index (none for the block's own
/// fields), field, ours and theirs.
fn log_divergence(d: &Divergence) {
    let (ours, theirs) = (d.ours.to_string(), d.theirs.to_string());
    match d.tx_index {
        Some(tx_index) => error!(
            partition = d.partition,
            height = d.height,
            tx_index,
            tx_hash = d.tx_hash.as_deref().unwrap_or(""),
            field = %d.field,
            ours = %ours,
            theirs = %theirs,
            replayed = d.replayed,
            "divergence: a receipt differs from the published one"
        ),
        None => error!(
            partition = d.partition,
            height = d.height,
            field = %d.field,
            ours = %ours,
            theirs = %theirs,
            replayed = d.replayed,
            "divergence: the block differs from the published one"
        ),
    }
}

/// The message reporting `d` on the results exchange.
fn divergence_message(names: &Names, d: &Divergence) -> Outgoing {
    let (partition, height) = (d.partition, d.height);
    let at = d
        .tx_index
        .map_or_else(|| "block".to_string(), |i| i.to_string());
    Outgoing {
        what: format!(
            "the divergence of partition {partition}, height {height}, {at}, {}",
            d.field
        ),
        exchange: names.results_exchange.clone(),
        routing_key: DIVERGENCE_KEY.into(),
        body: schema::to_msgpack(d),
        properties: persistent(
            "divergence",
            format!("divergence/{partition}/{height}/{at}/{}", d.field),
            position_headers(partition, height),
        ),
        mandatory: false,
    }
}

/// A batch's commit and ack, running while the lane begins the next one.
type Tail = tokio::task::JoinHandle<Result<BlockResult, BusError>>;

/// One partition's batches, in the order handed (heights in order): begin each, and while
/// the next begins, commit it and ack its delivery (the tail), as `serve`'s lanes do. Each
/// commit is reported to the session in height order.
async fn lane(
    executor: Executor,
    partition: u32,
    max_backoff: std::time::Duration,
    jobs: mpsc::Receiver<Job>,
    events: mpsc::UnboundedSender<LaneEvent>,
    halt: CancellationToken,
    stats: Arc<VerifyStats>,
) {
    let split = |job: Job| (job.acker, job.batch);
    let mut jobs = ahead::check_ahead(executor.clone(), partition, halt.clone(), jobs, split);
    let mut tail: Option<Tail> = None;
    // Deliveries of a halted partition's batches: kept unacked until the session ends.
    let mut halted: Vec<Acker> = Vec::new();
    loop {
        let job = tokio::select! {
            biased;
            () = halt.cancelled() => break,
            ended = async { tail.as_mut().expect("guarded").await }, if tail.is_some() => {
                tail = None;
                if !report(ended, &events) {
                    return;
                }
                continue;
            }
            job = jobs.recv() => match job {
                Some(job) => job,
                None => break,
            },
        };
        if !halted.is_empty() {
            halted.push(job.job);
            continue;
        }
        let (height, txs) = (job.height, job.txs);
        let (acker, turn) = job.turn().await;
        let turn = match turn {
            Ok(turn) => turn,
            Err(error) => {
                let error = BusError::Exec {
                    partition,
                    height,
                    error,
                };
                let _ = events.send(LaneEvent::Failed(error));
                return;
            }
        };
        let mut policy = retry::policy(max_backoff);
        let span = crate::exec::batch_span(partition, height, txs);
        let committing = loop {
            let begun = turn.begin(&executor).instrument(span.clone());
            let error = match begun.await {
                Ok(committing) => break Some(committing),
                Err(error) => BusError::Exec {
                    partition,
                    height,
                    error,
                },
            };
            if matches!(
                &error,
                BusError::Exec {
                    error: ExecError::Halted { .. },
                    ..
                }
            ) {
                error!(partition, height, %error,
                    "verify: partition halted by a node fault; its batches stay unacked until \
                     verify restarts (after fixing the cause)");
                break None;
            }
            if !retry::is_retriable(&error) {
                let _ = events.send(LaneEvent::Failed(error));
                return;
            }
            warn!(partition, height, %error, "verify: cannot run the batch now; retrying");
            if !retry::pause(&mut policy, &halt).await {
                return;
            }
        };
        let Some(committing) = committing else {
            halted.push(acker);
            continue;
        };
        // One tail at a time, so commits are reported in height order.
        if let Some(previous) = tail.take()
            && !report(previous.await, &events)
        {
            return;
        }
        let stats = stats.clone();
        tail = Some(tokio::spawn(
            async move {
                let executed = committing.finish().await.map_err(|error| BusError::Exec {
                    partition,
                    height,
                    error,
                })?;
                acker.ack(Default::default()).await.map_err(amqp(format!(
                    "acknowledging partition {partition}, height {height}"
                )))?;
                if !executed.replayed {
                    stats.executed.fetch_add(1, Ordering::Relaxed);
                }
                debug!(partition, height, state_root = %executed.result.state_root,
                "verify: batch committed");
                Ok(executed.result)
            }
            .instrument(span),
        ));
    }
    if let Some(last) = tail {
        report(last.await, &events);
    }
}

/// Tells the session how a tail ended; `false` if it failed (a panic in it is re-raised).
fn report(
    ended: Result<Result<BlockResult, BusError>, tokio::task::JoinError>,
    events: &mpsc::UnboundedSender<LaneEvent>,
) -> bool {
    match ended.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic())) {
        Ok(result) => {
            let _ = events.send(LaneEvent::Committed(result));
            true
        }
        Err(error) => {
            let _ = events.send(LaneEvent::Failed(error));
            false
        }
    }
}

/// What `/readyz` asks of a verify session: connected, and not halting.
fn probe(status: lapin::ConnectionStatus, halt: CancellationToken) -> crate::ops::BusProbe {
    Box::new(move || {
        if !status.connected() {
            Err("the connection to the broker is lost (reconnecting)".into())
        } else if halt.is_cancelled() {
            Err("the verify session is stopping (reconnecting or shutting down)".into())
        } else {
            Ok(())
        }
    })
}
