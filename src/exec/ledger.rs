//! What the executor records per partition besides contract state: the head (last committed
//! height and root) and each committed block's result, and how a commit is assembled.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::schema::{Batch, BlockResult};
use crate::state::{BlockDiff, StateRoot, keys};
use crate::store::{ReadView, StoreError, WriteBatch};

/// The last committed block of a partition. Absent means nothing committed: height 0 and
/// the all-zero root.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub height: u64,
    pub state_root: [u8; 32],
    /// Block time of the head block: what queries see as `block.time`.
    pub timestamp_ms: u64,
}

impl Head {
    pub fn root(&self) -> StateRoot {
        StateRoot(self.state_root)
    }
}

/// A committed block: its result, and a digest of the batch it came from, so a different
/// batch claiming the same height is told apart from a redelivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommittedBlock {
    pub batch_digest: [u8; 32],
    pub result: BlockResult,
}

/// SHA-256 of the batch's canonical (MessagePack) encoding: the same for a batch read from
/// JSON or from MessagePack.
pub fn batch_digest(batch: &Batch) -> [u8; 32] {
    Sha256::digest(crate::schema::to_msgpack(batch)).into()
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError(format!("{what} record is corrupt: {e}"))
}

pub fn head(store: &dyn ReadView, partition: u32) -> Result<Head, StoreError> {
    match store.get(&keys::head_key(partition))? {
        None => Ok(Head::default()),
        Some(bytes) => rmp_serde::from_slice(&bytes).map_err(|e| corrupt("head", e)),
    }
}

pub fn committed(
    store: &dyn ReadView,
    partition: u32,
    height: u64,
) -> Result<Option<CommittedBlock>, StoreError> {
    store
        .get(&keys::result_key(partition, height))?
        .map(|bytes| rmp_serde::from_slice(&bytes).map_err(|e| corrupt("block result", e)))
        .transpose()
}

/// Everything one batch writes, in one atomic batch: its state changes, its result, the new
/// head, and the code caches it made.
pub fn commit_batch(
    diff: &BlockDiff,
    committed: &CommittedBlock,
    head: Head,
    code_caches: &[([u8; 32], Vec<u8>)],
) -> WriteBatch {
    let result = &committed.result;
    let mut batch = WriteBatch::default();
    for (key, value) in diff.iter() {
        match value {
            Some(value) => batch.put(key.to_vec(), value.to_vec()),
            None => batch.delete(key.to_vec()),
        }
    }
    batch.put(
        keys::result_key(result.partition, result.height),
        crate::schema::to_msgpack(committed),
    );
    batch.put(
        keys::head_key(result.partition),
        crate::schema::to_msgpack(&head),
    );
    for (hash, cache) in code_caches {
        batch.put(keys::code_cache_key(hash), cache.clone());
    }
    batch
}
