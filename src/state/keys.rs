//! The layout of every key isovm writes to the store.
//!
//! The first byte names a space. Only the `STATE` space is consensus data (covered by the
//! state root); the others are this node's bookkeeping and caches. Variable-length parts
//! are length-prefixed so no key is a prefix of an unrelated one.

/// Contract storage and contract records, per partition. Covered by the state root.
const STATE: u8 = b's';
/// Committed block results (receipts), per partition and height.
const RESULT: u8 = b'r';
/// The last committed height and root of each partition.
const HEAD: u8 = b'h';
/// V8 code caches, by hash of the code they were made from. Not consensus data: it depends
/// on the V8 build and flags, and is rebuilt if missing or rejected.
const CODE_CACHE: u8 = b'k';
/// Node bookkeeping: how far this node has read each partition's block log.
const LOG_OFFSET: u8 = b'o';
/// Node bookkeeping: the key `/readyz` writes and reads to see that the database takes
/// writes. Never read by execution.
const PROBE: u8 = b'p';
/// Node bookkeeping: each committed batch as it ran (its canonical MessagePack, whose SHA-256
/// is the block's `batch_digest`), per partition and height, for `isovm replay`. Not
/// consensus data: execution never reads it, and the state root covers the changes a batch
/// made, not the batch itself (which a block's result already names by its digest).
const BATCH: u8 = b'b';

const KIND_VALUE: u8 = b'v';
const KIND_MAP: u8 = b'm';
const KIND_CONTRACT: u8 = b'c';
const KIND_MAP_SEQ: u8 = b'n';
const KIND_TX: u8 = b't';

fn push_part(out: &mut Vec<u8>, part: &[u8]) {
    out.extend_from_slice(&(part.len() as u32).to_be_bytes());
    out.extend_from_slice(part);
}

fn state_prefix(partition: u32, kind: u8, contract: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + contract.len());
    out.push(STATE);
    out.extend_from_slice(&partition.to_be_bytes());
    out.push(kind);
    push_part(&mut out, contract.as_bytes());
    out
}

/// `storage.put(key, …)` of `contract`.
pub fn value_key(partition: u32, contract: &str, key: &str) -> Vec<u8> {
    let mut out = state_prefix(partition, KIND_VALUE, contract);
    push_part(&mut out, key.as_bytes());
    out
}

/// The prefix shared by every field of map `key` of `contract`; fields follow it raw, so a
/// prefix scan returns them in byte order.
pub fn map_prefix(partition: u32, contract: &str, key: &str) -> Vec<u8> {
    let mut out = state_prefix(partition, KIND_MAP, contract);
    push_part(&mut out, key.as_bytes());
    out
}

/// `storage.mapPut(key, field, …)` of `contract`.
pub fn map_field_key(partition: u32, contract: &str, key: &str, field: &str) -> Vec<u8> {
    let mut out = map_prefix(partition, contract, key);
    out.extend_from_slice(field.as_bytes());
    out
}

/// The next insertion number of map `key` of `contract`: each new field's value is stored
/// after its number (8 bytes, big-endian), so fields can be listed in insertion order.
pub fn map_seq_key(partition: u32, contract: &str, key: &str) -> Vec<u8> {
    let mut out = state_prefix(partition, KIND_MAP_SEQ, contract);
    push_part(&mut out, key.as_bytes());
    out
}

/// The deployed code and ABI of contract `id`.
pub fn contract_key(partition: u32, id: &str) -> Vec<u8> {
    state_prefix(partition, KIND_CONTRACT, id)
}

/// The record of a committed transaction `hash` (the height it was committed at): replay
/// protection, covered by the state root like everything in the `STATE` space.
pub fn tx_key(partition: u32, hash: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(10 + hash.len());
    out.push(STATE);
    out.extend_from_slice(&partition.to_be_bytes());
    out.push(KIND_TX);
    out.extend_from_slice(hash.as_bytes());
    out
}

/// The committed [`crate::schema::BlockResult`] of `height`.
pub fn result_key(partition: u32, height: u64) -> Vec<u8> {
    let mut out = vec![RESULT];
    out.extend_from_slice(&partition.to_be_bytes());
    out.extend_from_slice(&height.to_be_bytes());
    out
}

/// The stored batch (canonical MessagePack) of `height` (node bookkeeping).
pub fn batch_key(partition: u32, height: u64) -> Vec<u8> {
    let mut out = vec![BATCH];
    out.extend_from_slice(&partition.to_be_bytes());
    out.extend_from_slice(&height.to_be_bytes());
    out
}

/// The prefix of every head record: a scan lists the partitions this database holds.
pub fn heads_prefix() -> Vec<u8> {
    vec![HEAD]
}

/// The partition a head record's key (under [`heads_prefix`]) is of.
pub fn head_partition(key: &[u8]) -> Option<u32> {
    match key {
        [HEAD, rest @ ..] => <[u8; 4]>::try_from(rest).ok().map(u32::from_be_bytes),
        _ => None,
    }
}

/// The prefix of all of `partition`'s consensus state (everything its state root covers).
pub fn state_partition_prefix(partition: u32) -> Vec<u8> {
    let mut out = vec![STATE];
    out.extend_from_slice(&partition.to_be_bytes());
    out
}

/// The head record of `partition`.
pub fn head_key(partition: u32) -> Vec<u8> {
    let mut out = vec![HEAD];
    out.extend_from_slice(&partition.to_be_bytes());
    out
}

/// The offset up to which this node has read `partition`'s block log (node bookkeeping).
pub fn log_offset_key(partition: u32) -> Vec<u8> {
    let mut out = vec![LOG_OFFSET];
    out.extend_from_slice(&partition.to_be_bytes());
    out
}

/// The key of the database probe of `/readyz` (node bookkeeping).
pub fn probe_key() -> Vec<u8> {
    vec![PROBE]
}

/// The V8 code cache for code whose SHA-256 is `code_hash`.
pub fn code_cache_key(code_hash: &[u8; 32]) -> Vec<u8> {
    let mut out = vec![CODE_CACHE];
    out.extend_from_slice(code_hash);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_different_things_never_collide() {
        // Length prefixes keep ("ab","c") and ("a","bc") apart.
        assert_ne!(value_key(0, "ab", "c"), value_key(0, "a", "bc"));
        assert_ne!(value_key(0, "t", "k"), value_key(1, "t", "k"));
        assert_ne!(map_field_key(0, "t", "k", ""), value_key(0, "t", "k"));
        let prefix = map_prefix(0, "t", "bal");
        assert!(map_field_key(0, "t", "bal", "alice").starts_with(&prefix));
        assert!(!map_field_key(0, "t", "balance", "x").starts_with(&prefix));
        assert!(!contract_key(0, "t").starts_with(&prefix));
        assert_ne!(tx_key(0, "t"), contract_key(0, "t"));
        assert_ne!(tx_key(0, "ab"), tx_key(1, "ab"));
        assert_ne!(batch_key(0, 1), result_key(0, 1));
        assert_eq!(head_partition(&head_key(7)), Some(7));
        assert_eq!(head_partition(&result_key(7, 1)), None);
        assert!(value_key(3, "t", "k").starts_with(&state_partition_prefix(3)));
        assert!(!value_key(3, "t", "k").starts_with(&state_partition_prefix(4)));
    }
}
