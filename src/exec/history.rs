//! Committed history as a database keeps it, read back for `isovm replay` and
//! `isovm checkpoint`: the partitions and their heads, each height's committed block with the
//! batch it ran (checked against the block's `batch_digest`), and a partition's state.

use std::path::{Path, PathBuf};

use super::ledger::{self, CommittedBlock, Head};
use crate::schema::{self, Batch, Format};
use crate::state::keys;
use crate::store::{ReadView, RocksReader, Store, StoreError};

/// Largest stored batch decoded (as `isovm exec`'s batch files).
const MAX_BATCH_BYTES: usize = 16 * 1024 * 1024;

/// Why a height's history cannot be read back. Each names the partition and height.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0} already exists: a checkpoint goes into a new directory")]
    Exists(PathBuf),
    #[error("partition {partition}, height {height}: no committed block, below the head")]
    MissingBlock { partition: u32, height: u64 },
    #[error("partition {partition}, height {height}: the committed block is corrupt: {reason}")]
    CorruptBlock {
        partition: u32,
        height: u64,
        reason: String,
    },
    #[error(
        "partition {partition}, height {height}: no batch is kept for this block: it was taken \
         over from the block log (committed by the node that ran it, not run here) or committed \
         by an isovm that kept no batches, so it cannot be re-executed from this database; \
         replay the database of the node that ran it"
    )]
    NoBatch { partition: u32, height: u64 },
    #[error("partition {partition}, height {height}: the stored batch is corrupt: {reason}")]
    CorruptBatch {
        partition: u32,
        height: u64,
        reason: String,
    },
}

/// A committed height as stored: its block and the batch it ran.
pub struct StoredBlock {
    pub committed: CommittedBlock,
    pub batch: Batch,
    /// Bytes the batch takes as stored.
    pub stored_bytes: usize,
}

/// Every partition this database holds, with its head, by partition.
pub fn partitions(store: &dyn ReadView) -> Result<Vec<(u32, Head)>, HistoryError> {
    let mut found = Vec::new();
    store.scan_prefix(&keys::heads_prefix(), &mut |key, _| {
        if let Some(partition) = keys::head_partition(key) {
            found.push(partition);
        }
        true
    })?;
    found
        .into_iter()
        .map(|partition| Ok((partition, ledger::head(store, partition)?)))
        .collect()
}

/// The committed block of `height` and the batch it ran; the batch's bytes must be the ones
/// the block's `batch_digest` names.
pub fn block(
    store: &dyn ReadView,
    partition: u32,
    height: u64,
) -> Result<StoredBlock, HistoryError> {
    let committed = committed(store, partition, height)?;
    let encoded = ledger::stored_batch(store, partition, height)?
        .ok_or(HistoryError::NoBatch { partition, height })?;
    let corrupt = |reason: String| HistoryError::CorruptBatch {
        partition,
        height,
        reason,
    };
    if ledger::digest_of(&encoded) != committed.batch_digest {
        return Err(corrupt(format!(
            "its {} bytes do not hash to the block's batch digest",
            encoded.len()
        )));
    }
    let batch = schema::decode_batch(&encoded, Format::MsgPack, MAX_BATCH_BYTES)
        .map_err(|e| corrupt(e.to_string()))?;
    if (batch.partition, batch.height) != (partition, height) {
        return Err(corrupt(format!(
            "it is the batch of partition {}, height {}",
            batch.partition, batch.height
        )));
    }
    Ok(StoredBlock {
        committed,
        batch,
        stored_bytes: encoded.len(),
    })
}

/// The committed block of `height` alone.
pub fn committed(
    store: &dyn ReadView,
    partition: u32,
    height: u64,
) -> Result<CommittedBlock, HistoryError> {
    let record = ledger::committed_record(store, partition, height)?
        .ok_or(HistoryError::MissingBlock { partition, height })?;
    let committed = ledger::decode_committed(&record).map_err(|e| HistoryError::CorruptBlock {
        partition,
        height,
        reason: e.to_string(),
    })?;
    if (committed.result.partition, committed.result.height) != (partition, height) {
        return Err(HistoryError::CorruptBlock {
            partition,
            height,
            reason: format!(
                "it is the block of partition {}, height {}",
                committed.result.partition, committed.result.height
            ),
        });
    }
    Ok(committed)
}

/// A committed block as [`crate::exec::Executed::record`] carries it.
pub fn decode_record(record: &[u8]) -> Result<CommittedBlock, StoreError> {
    ledger::decode_committed(record)
}

/// Calls `visit` with each entry of `partition`'s consensus state (what its state root
/// covers), in key order.
pub fn scan_state(
    store: &dyn ReadView,
    partition: u32,
    visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
) -> Result<(), StoreError> {
    store.scan_prefix(&keys::state_partition_prefix(partition), visit)
}

/// Writes a checkpoint of `store` into `dir`, which must not exist, and returns what it
/// holds: each partition's head, read back from the checkpoint itself. A commit is one
/// write, so every block is in it whole or not at all.
pub fn checkpoint(store: &dyn Store, dir: &Path) -> Result<Vec<(u32, Head)>, HistoryError> {
    if dir.symlink_metadata().is_ok() {
        return Err(HistoryError::Exists(dir.to_path_buf()));
    }
    store.checkpoint(dir)?;
    partitions(&RocksReader::open(dir)?)
}
