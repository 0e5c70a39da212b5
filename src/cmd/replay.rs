//! `isovm replay`: re-execute a database's committed history into a new database and check
//! every block against what was committed: state root, receipts (`verify::compare`, as
//! `isovm verify` judges), state changes, and at the end the partition's whole state.
//!
//! The source is opened read-only (it may be held by a running `serve`); each partition's
//! stored batches run in height order on the normal [`Executor`], with the options the
//! command is given (the consensus parameters are the binary's). The first difference stops
//! the replay and names partition, height, transaction and field.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use serde_json::Value;

use super::VmOptions;
use crate::exec::history::{self, HistoryError, StoredBlock};
use crate::exec::{CommittedBlock, Committing, ExecError, Executed, Executor};
use crate::store::{ReadView, RocksReader, RocksStore};

/// What to replay.
#[derive(Debug, Clone, Default)]
pub struct ReplayOptions {
    /// The database whose history is replayed (opened read-only).
    pub from_db: PathBuf,
    /// Only this partition.
    pub partition: Option<u32>,
    /// Up to this height (each partition up to its head if lower).
    pub to: Option<u64>,
    /// Show the progress bar (on stderr, when it is a terminal).
    pub progress: bool,
}

/// Why the replay could not start or go on (not a difference in history: see [`Stopped`]).
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("{path}: {message}")]
    Db { path: PathBuf, message: String },
    #[error("{0}")]
    Other(String),
}

/// Why a replay stopped before the end: the first difference, or history that cannot be
/// re-executed. Each names the partition and height.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Stopped {
    /// The replayed block differs from the committed one.
    Mismatch {
        partition: u32,
        height: u64,
        /// Absent for a field of the block itself (`state_root`, `receipt_count`, `changes`).
        #[serde(skip_serializing_if = "Option::is_none")]
        tx_index: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        tx_hash: Option<String>,
        field: String,
        replayed: Value,
        stored: Value,
    },
    /// Every block matched, but the partition's stored state differs from the replayed one
    /// at `key` (escaped bytes): the state itself was changed after its commit.
    StateDiffers {
        partition: u32,
        /// The replayed head height the state was compared at.
        height: u64,
        key: String,
        /// The last height whose changes wrote `key`, if one did.
        #[serde(skip_serializing_if = "Option::is_none")]
        written_at: Option<u64>,
        replayed: Option<String>,
        stored: Option<String>,
    },
    /// The stored batch or block is missing or corrupt (see the message).
    History {
        partition: u32,
        height: u64,
        message: String,
    },
    /// The executor refused or failed the batch.
    Failed {
        partition: u32,
        height: u64,
        message: String,
    },
}

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stopped::Mismatch {
                partition,
                height,
                tx_index,
                tx_hash,
                field,
                replayed,
                stored,
            } => {
                write!(f, "partition {partition}, height {height}")?;
                if let (Some(index), Some(hash)) = (tx_index, tx_hash) {
                    write!(f, ", transaction {index} ({hash})")?;
                }
                write!(f, ": {field} differs: replayed {replayed}, stored {stored}")
            }
            Stopped::StateDiffers {
                partition,
                height,
                key,
                written_at,
                replayed,
                stored,
            } => {
                let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "absent".into());
                write!(
                    f,
                    "partition {partition}: every block matched up to height {height}, but the \
                     stored state differs at key {key}"
                )?;
                if let Some(at) = written_at {
                    write!(f, " (last written at height {at})")?;
                }
                write!(f, ": replayed {}, stored {}", show(replayed), show(stored))
            }
            Stopped::History { message, .. } => f.write_str(message),
            Stopped::Failed {
                partition,
                height,
                message,
            } => write!(
                f,
                "partition {partition}, height {height}: the batch did not run: {message}"
            ),
        }
    }
}

/// One partition's part of the replay.
#[derive(Debug, Clone, Serialize)]
pub struct PartitionReport {
    pub partition: u32,
    /// Blocks replayed and matched.
    pub blocks: u64,
    pub txs: u64,
    /// The last height matched (0: none).
    pub height: u64,
    /// Its state root.
    pub state_root: String,
    /// The source's head height: the state is compared as a whole only when the replay
    /// reached it.
    pub head: u64,
    /// Whether the whole state was compared (and matched).
    pub state_checked: bool,
    /// Bytes the batches read take as stored (what keeping them costs).
    pub batch_bytes: u64,
}

/// The summary of a replay.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Every block replayed matched, and nothing stopped the replay.
    pub ok: bool,
    pub partitions: Vec<PartitionReport>,
    pub blocks: u64,
    pub txs: u64,
    pub seconds: f64,
    pub tx_per_s: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<Stopped>,
}

/// Replays `options.from_db` into `vm.db`, which must not exist or be an empty directory.
pub async fn run(vm: &VmOptions, options: &ReplayOptions) -> Result<Report, ReplayError> {
    let exec_options = vm.exec_options().map_err(ReplayError::Other)?;
    let db_error = |path: &Path, e: &dyn std::fmt::Display| ReplayError::Db {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    check_new(&vm.db)?;
    let source = RocksReader::open(&options.from_db).map_err(|e| db_error(&options.from_db, &e))?;
    let mut partitions =
        history::partitions(&source).map_err(|e| db_error(&options.from_db, &e))?;
    if let Some(only) = options.partition {
        let held: Vec<String> = partitions.iter().map(|(p, _)| p.to_string()).collect();
        partitions.retain(|(p, _)| *p == only);
        if partitions.is_empty() {
            return Err(db_error(
                &options.from_db,
                &format!(
                    "partition {only} has no committed block here (partitions: {})",
                    if held.is_empty() {
                        "none".to_string()
                    } else {
                        held.join(", ")
                    }
                ),
            ));
        }
    }
    let last = |head: u64| options.to.map_or(head, |to| to.min(head));
    let total: u64 = partitions.iter().map(|(_, head)| last(head.height)).sum();

    let target = Arc::new(RocksStore::open(&vm.db).map_err(|e| db_error(&vm.db, &e))?);
    let executor = Executor::new(target.clone(), exec_options)
        .map_err(|e| ReplayError::Other(format!("cannot start the executor: {e}")))?;
    let bar = progress_bar(total, options.progress);
    let started = Instant::now();
    let mut report = Report {
        ok: false,
        partitions: Vec::new(),
        blocks: 0,
        txs: 0,
        seconds: 0.0,
        tx_per_s: 0.0,
        stopped: None,
    };
    for (partition, head) in partitions {
        let mut part = PartitionReport {
            partition,
            blocks: 0,
            txs: 0,
            height: 0,
            state_root: crate::state::StateRoot::default().to_hex(),
            head: head.height,
            state_checked: false,
            batch_bytes: 0,
        };
        let end = last(head.height);
        let stopped = replay_partition(&executor, &source, partition, end, &mut part, |txs| {
            report.blocks += 1;
            report.txs += txs;
            bar.inc(1);
            let seconds = started.elapsed().as_secs_f64().max(1e-9);
            bar.set_message(format!(
                "{} txs, {:.0} tx/s",
                report.txs,
                report.txs as f64 / seconds
            ));
        })
        .await;
        let stopped = match stopped {
            None if end == head.height => {
                let checked = compare_state(&source, &*target, partition, end)
                    .map_err(|e| db_error(&options.from_db, &e))?;
                part.state_checked = checked.is_none();
                checked
            }
            other => other,
        };
        report.partitions.push(part);
        if stopped.is_some() {
            report.stopped = stopped;
            break;
        }
    }
    bar.finish_and_clear();
    report.seconds = started.elapsed().as_secs_f64();
    report.tx_per_s = report.txs as f64 / report.seconds.max(1e-9);
    report.ok = report.stopped.is_none();
    Ok(report)
}

/// Refuses a target that exists and is not an empty directory.
fn check_new(path: &Path) -> Result<(), ReplayError> {
    let refuse = |message: String| ReplayError::Db {
        path: path.to_path_buf(),
        message,
    };
    match std::fs::read_dir(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(refuse(format!("cannot replay into it: {e}"))),
        Ok(mut entries) => match entries.next() {
            None => Ok(()),
            Some(_) => Err(refuse(
                "is not empty: replay writes into a new database (give a path that does not \
                 exist or an empty directory)"
                    .into(),
            )),
        },
    }
}

fn progress_bar(total: u64, show: bool) -> ProgressBar {
    let target = if show && std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(total), target);
    if let Ok(style) = ProgressStyle::with_template(
        "replay [{elapsed_precise}] [{bar:30}] {pos}/{len} blocks, {msg}, ETA {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Replays heights 1 to `end` of `partition`, each run while the one before is written;
/// `on_block(txs)` after each matched block. `None` when all matched.
async fn replay_partition(
    executor: &Executor,
    source: &dyn ReadView,
    partition: u32,
    end: u64,
    part: &mut PartitionReport,
    mut on_block: impl FnMut(u64),
) -> Option<Stopped> {
    let failed = |height: u64, e: ExecError| Stopped::Failed {
        partition,
        height,
        message: e.to_string(),
    };
    let mut in_flight: Option<(Committing, CommittedBlock)> = None;
    for height in 1..=end {
        // The next batch runs before the previous one's commit is awaited; a difference in
        // the previous one is still the first reported.
        let begun = match history::block(source, partition, height) {
            Err(e) => Err(history_stop(partition, height, e)),
            Ok(StoredBlock {
                committed,
                batch,
                stored_bytes,
            }) => match executor.begin(batch).await {
                Ok(committing) => {
                    part.batch_bytes += stored_bytes as u64;
                    Ok((committing, committed))
                }
                Err(e) => Err(failed(height, e)),
            },
        };
        if let Some(previous) = in_flight.take()
            && let Some(stop) = settle(previous, part, &mut on_block).await
        {
            return Some(stop);
        }
        match begun {
            Ok(next) => in_flight = Some(next),
            Err(stop) => return Some(stop),
        }
    }
    match in_flight {
        Some(last) => settle(last, part, &mut on_block).await,
        None => None,
    }
}

/// Waits for a replayed block's commit and compares it with the stored one.
async fn settle(
    (committing, stored): (Committing, CommittedBlock),
    part: &mut PartitionReport,
    on_block: &mut impl FnMut(u64),
) -> Option<Stopped> {
    let at = committing.height();
    let executed = match committing.finish().await {
        Ok(executed) => executed,
        Err(e) => {
            return Some(Stopped::Failed {
                partition: part.partition,
                height: at,
                message: e.to_string(),
            });
        }
    };
    if let Some(stop) = compare_block(&executed, &stored) {
        return Some(stop);
    }
    let txs = executed.result.receipts.len() as u64;
    part.blocks += 1;
    part.txs += txs;
    part.height = at;
    part.state_root = executed.result.state_root.clone();
    on_block(txs);
    None
}

fn history_stop(partition: u32, height: u64, e: HistoryError) -> Stopped {
    Stopped::History {
        partition,
        height,
        message: e.to_string(),
    }
}

/// The first difference between the block replayed here and the one committed.
fn compare_block(executed: &Executed, stored: &CommittedBlock) -> Option<Stopped> {
    let ours = &executed.result;
    if let Some(first) = crate::verify::compare(ours, &stored.result, false)
        .into_iter()
        .next()
    {
        return Some(Stopped::Mismatch {
            partition: first.partition,
            height: first.height,
            tx_index: first.tx_index,
            tx_hash: first.tx_hash,
            field: first.field,
            replayed: first.ours,
            stored: first.theirs,
        });
    }
    // Equal roots with unequal changes: the stored changes are not what the root was made of.
    let replayed = match crate::exec::history::decode_record(&executed.record) {
        Ok(block) => block,
        Err(e) => {
            return Some(Stopped::Failed {
                partition: ours.partition,
                height: ours.height,
                message: e.to_string(),
            });
        }
    };
    let mismatch = |field: String, replayed: Value, stored: Value| Stopped::Mismatch {
        partition: ours.partition,
        height: ours.height,
        tx_index: None,
        tx_hash: None,
        field,
        replayed,
        stored,
    };
    if replayed.timestamp_ms != stored.timestamp_ms {
        return Some(mismatch(
            "timestamp_ms".into(),
            replayed.timestamp_ms.into(),
            stored.timestamp_ms.into(),
        ));
    }
    let change = |c: Option<&crate::exec::Change>| match c {
        None => Value::Null,
        Some(c) => serde_json::json!({
            "key": c.key.escape_ascii().to_string(),
            "value": c.value.as_ref().map(|v| v.escape_ascii().to_string()),
        }),
    };
    let count = replayed.changes.len().max(stored.changes.len());
    (0..count).find_map(|i| {
        let (ours, theirs) = (replayed.changes.get(i), stored.changes.get(i));
        (ours != theirs).then(|| mismatch(format!("changes[{i}]"), change(ours), change(theirs)))
    })
}

/// A key whose value differs: (key, replayed value, stored value).
type StateDifference = (Vec<u8>, Option<Vec<u8>>, Option<Vec<u8>>);

/// Compares `partition`'s whole state in the source with the replayed one (after its
/// height `height`, the source's head): `None` when equal.
fn compare_state(
    source: &dyn ReadView,
    replayed: &dyn ReadView,
    partition: u32,
    height: u64,
) -> Result<Option<Stopped>, crate::store::StoreError> {
    let mut first: Option<StateDifference> = None;
    let mut lookup_error = None;
    let mut stored_count = 0u64;
    history::scan_state(source, partition, &mut |key, value| {
        stored_count += 1;
        match replayed.get(key) {
            Ok(ours) if ours.as_deref() == Some(value) => true,
            Ok(ours) => {
                first = Some((key.to_vec(), ours, Some(value.to_vec())));
                false
            }
            Err(e) => {
                lookup_error = Some(e);
                false
            }
        }
    })?;
    if let Some(e) = lookup_error {
        return Err(e);
    }
    if first.is_none() {
        // Every stored key is replayed alike; a key only the replay has?
        history::scan_state(
            replayed,
            partition,
            &mut |key, value| match source.get(key) {
                Ok(Some(_)) => true,
                Ok(None) => {
                    first = Some((key.to_vec(), Some(value.to_vec()), None));
                    false
                }
                Err(e) => {
                    lookup_error = Some(e);
                    false
                }
            },
        )?;
        if let Some(e) = lookup_error {
            return Err(e);
        }
    }
    let Some((key, ours, theirs)) = first else {
        return Ok(None);
    };
    let written_at = (1..=height).rev().find(|h| {
        history::committed(source, partition, *h)
            .is_ok_and(|block| block.changes.iter().any(|c| c.key == key))
    });
    let show = |v: Option<Vec<u8>>| v.map(|v| v.escape_ascii().to_string());
    Ok(Some(Stopped::StateDiffers {
        partition,
        height,
        key: key.escape_ascii().to_string(),
        written_at,
        replayed: show(ours),
        stored: show(theirs),
    }))
}

/// The summary as people read it: one line per partition, then the totals.
pub fn write_summary(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    for part in &report.partitions {
        let state = if part.state_checked {
            "state matches"
        } else if part.height < part.head {
            "state not compared (stopped below the head)"
        } else {
            "state not compared"
        };
        writeln!(
            out,
            "partition {}: {} blocks, {} txs, height {} of {}, root {}, {state} ({} bytes of \
             stored batches)",
            part.partition,
            part.blocks,
            part.txs,
            part.height,
            part.head,
            part.state_root,
            part.batch_bytes
        )?;
    }
    let verdict = if report.ok {
        "every state root and receipt matches"
    } else {
        "STOPPED (the error below says where and why)"
    };
    writeln!(
        out,
        "replayed {} blocks, {} txs in {:.2} s ({:.0} tx/s): {verdict}",
        report.blocks, report.txs, report.seconds, report.tx_per_s
    )
}
