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
/// batch claiming the same height is told apart from a redelivery; and what a node that never
/// ran it needs to take its partition over: its block time and its state changes. Stored
/// under the result key, and carried as it is stored by the block log (`bus/blocklog.rs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommittedBlock {
    pub batch_digest: [u8; 32],
    pub result: BlockResult,
    #[serde(default)]
    pub timestamp_ms: u64,
    /// The block diff, in key order: what the state root was computed over.
    #[serde(default)]
    pub changes: Vec<Change>,
}

/// One state change of a block: a put, or a delete (`value` absent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    #[serde(with = "serde_bytes")]
    pub key: Vec<u8>,
    #[serde(with = "serde_bytes")]
    pub value: Option<Vec<u8>>,
}

impl CommittedBlock {
    /// The block diff the changes make.
    pub fn diff(&self) -> BlockDiff {
        let mut writes = crate::state::WriteSet::default();
        for change in &self.changes {
            match &change.value {
                Some(value) => writes.put(change.key.clone(), value.clone()),
                None => writes.delete(change.key.clone()),
            }
        }
        let mut diff = BlockDiff::default();
        diff.apply(writes);
        diff
    }

    /// The partition's head once this block is committed.
    pub fn head(&self) -> Result<Head, StoreError> {
        let root = StateRoot::from_hex(&self.result.state_root)
            .ok_or_else(|| corrupt("block result", "its state root is not 64 hex digits"))?;
        Ok(Head {
            height: self.result.height,
            state_root: root.0,
            timestamp_ms: self.timestamp_ms,
        })
    }
}

/// The changes of `diff`, in key order.
pub fn changes(diff: &BlockDiff) -> Vec<Change> {
    diff.iter()
        .map(|(key, value)| Change {
            key: key.to_vec(),
            value: value.map(<[u8]>::to_vec),
        })
        .collect()
}

/// SHA-256 of the batch's canonical (MessagePack) encoding: the same for a batch read from
/// JSON or from MessagePack.
pub fn batch_digest(batch: &Batch) -> [u8; 32] {
    digest_of(&crate::schema::to_msgpack(batch))
}

/// SHA-256 of a batch's canonical encoding (`encoded`, from `schema::to_msgpack`).
pub fn digest_of(encoded: &[u8]) -> [u8; 32] {
    Sha256::digest(encoded).into()
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
    committed_record(store, partition, height)?
        .map(|bytes| decode_committed(&bytes))
        .transpose()
}

/// A committed block as stored (MessagePack of [`CommittedBlock`]).
pub fn committed_record(
    store: &dyn ReadView,
    partition: u32,
    height: u64,
) -> Result<Option<Vec<u8>>, StoreError> {
    store.get(&keys::result_key(partition, height))
}

pub fn decode_committed(bytes: &[u8]) -> Result<CommittedBlock, StoreError> {
    rmp_serde::from_slice(bytes).map_err(|e| corrupt("block result", e))
}

/// The batch stored for `height` (its canonical MessagePack, as it ran), if this node kept
/// one: not for a block taken over from the block log.
pub fn stored_batch(
    store: &dyn ReadView,
    partition: u32,
    height: u64,
) -> Result<Option<Vec<u8>>, StoreError> {
    store.get(&keys::batch_key(partition, height))
}

/// Everything one batch writes, in one atomic batch: its state changes, its result, the new
/// head, the code caches it made, the batch itself (`batch`, its canonical encoding; `None`
/// for a block this node did not run), and the node's indexes of the block (bookkeeping,
/// outside the state root): where each receipt is by transaction hash, and the height each
/// contract record it writes was written at. Also the committed block as stored (`record`),
/// which the block log carries as it is.
pub fn commit_batch(
    diff: &BlockDiff,
    committed: &CommittedBlock,
    head: Head,
    code_caches: &[([u8; 32], Vec<u8>)],
    batch: Option<Vec<u8>>,
) -> (WriteBatch, Vec<u8>) {
    let result = &committed.result;
    let (partition, height) = (result.partition, result.height);
    let record = crate::schema::to_msgpack(committed);
    let mut write = WriteBatch::default();
    for (key, value) in diff.iter() {
        match value {
            Some(value) => {
                if let Some(id) = keys::contract_of_key(partition, key) {
                    write.put(
                        keys::contract_written_key(partition, id),
                        height.to_be_bytes().to_vec(),
                    );
                }
                write.put(key.to_vec(), value.to_vec())
            }
            None => write.delete(key.to_vec()),
        }
    }
    for (index, receipt) in result.receipts.iter().enumerate() {
        write.put(
            keys::tx_index_key(&receipt.tx_hash, partition, height, index as u32),
            Vec::new(),
        );
    }
    write.put(keys::result_key(partition, height), record.clone());
    write.put(keys::head_key(partition), crate::schema::to_msgpack(&head));
    for (hash, cache) in code_caches {
        write.put(keys::code_cache_key(hash), cache.clone());
    }
    if let Some(encoded) = batch {
        write.put(keys::batch_key(partition, height), encoded);
    }
    (write, record)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Receipt, Status};
    use crate::state::WriteSet;

    fn receipt(hash: &str, status: Status) -> Receipt {
        Receipt {
            tx_hash: hash.into(),
            status,
            gas_used: 0,
            returns: Vec::new(),
            message: String::new(),
            events: Vec::new(),
            receipts: Vec::new(),
        }
    }

    /// The indexes go in the block's own write, outside the state (so outside the root):
    /// one receipt entry per receipt, a last-write height per contract record put.
    #[test]
    fn a_commit_indexes_its_receipts_and_the_contract_records_it_writes() {
        let mut writes = WriteSet::default();
        writes.put(keys::contract_key(2, "token"), b"record".to_vec());
        writes.put(keys::value_key(2, "token", "supply"), b"1".to_vec());
        writes.delete(keys::contract_key(2, "gone"));
        let mut diff = BlockDiff::default();
        diff.apply(writes);
        let committed = CommittedBlock {
            batch_digest: [0; 32],
            result: BlockResult {
                partition: 2,
                height: 7,
                state_root: "00".repeat(32),
                receipts: vec![
                    receipt("A", Status::Success),
                    receipt("A", Status::Duplicate),
                ],
            },
            timestamp_ms: 0,
            changes: changes(&diff),
        };
        let (batch, _) = commit_batch(&diff, &committed, Head::default(), &[], None);
        let puts: Vec<(&[u8], Option<&[u8]>)> = batch.ops().collect();
        let put = |key: Vec<u8>| {
            puts.iter()
                .find(|(k, _)| *k == key.as_slice())
                .map(|(_, v)| *v)
        };
        assert_eq!(
            put(keys::contract_written_key(2, "token")),
            Some(Some(&7u64.to_be_bytes()[..]))
        );
        assert_eq!(put(keys::contract_written_key(2, "gone")), None);
        assert_eq!(put(keys::tx_index_key("A", 2, 7, 0)), Some(Some(&[][..])));
        assert_eq!(put(keys::tx_index_key("A", 2, 7, 1)), Some(Some(&[][..])));
        // Nothing of it is in the state the root is computed over.
        assert_eq!(committed.diff().len(), 3);
        assert_eq!(puts.len(), 3 + 2 + 1 + 2);
    }
}
