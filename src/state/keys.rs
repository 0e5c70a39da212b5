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
/// Node bookkeeping: where each receipt of a committed block is, by its transaction's hash
/// (`isovm receipt`). Written in the commit of the block, from its receipts; never read by
/// execution. Not consensus: every entry follows from the results (`RESULT`), which are
/// bookkeeping themselves, and a node that lacks it runs the same.
const TX_INDEX: u8 = b'x';
/// Node bookkeeping: the height of the last block that wrote each contract's record (its
/// deploy or its last `updateCode`), for `isovm contract show`. Written in the commit of the
/// block; never read by execution. Not consensus: it follows from the block diffs, and the
/// contract record (consensus) keeps its own format.
const CONTRACT_WRITTEN: u8 = b'w';
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

/// Splits a length-prefixed part off the front of `bytes`: the part, and what follows it.
pub fn split_part(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let len = u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
    let rest = &bytes[4..];
    (rest.len() >= len).then(|| rest.split_at(len))
}

/// The prefix of every `storage.put` value of `contract`: each key follows it as one
/// length-prefixed part ([`split_part`]).
pub fn values_prefix(partition: u32, contract: &str) -> Vec<u8> {
    state_prefix(partition, KIND_VALUE, contract)
}

/// The prefix of every field of every map of `contract`: the map's key follows it as one
/// length-prefixed part ([`split_part`]), then the field, raw.
pub fn maps_prefix(partition: u32, contract: &str) -> Vec<u8> {
    state_prefix(partition, KIND_MAP, contract)
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

/// The contract id whose record `key` is ([`contract_key`]), if it is one of `partition`.
pub fn contract_of_key(partition: u32, key: &[u8]) -> Option<&str> {
    let rest = key
        .strip_prefix(&[STATE])?
        .strip_prefix(&partition.to_be_bytes()[..])?
        .strip_prefix(&[KIND_CONTRACT])?;
    match split_part(rest)? {
        (id, []) => std::str::from_utf8(id).ok(),
        _ => None,
    }
}

/// The height of the last block that wrote contract `id`'s record (node bookkeeping).
pub fn contract_written_key(partition: u32, id: &str) -> Vec<u8> {
    let mut out = vec![CONTRACT_WRITTEN];
    out.extend_from_slice(&partition.to_be_bytes());
    push_part(&mut out, id.as_bytes());
    out
}

/// The prefix of every [`tx_index_key`] of transaction `hash`, in any partition.
pub fn tx_index_prefix(hash: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(5 + hash.len());
    out.push(TX_INDEX);
    push_part(&mut out, hash.as_bytes());
    out
}

/// The index entry (node bookkeeping, empty value) saying that receipt `index` of block
/// `height` of `partition` is for transaction `hash`. One entry per receipt: a hash has one
/// per place it was answered (the receipt of the run, and any refusal of a copy: a
/// duplicate later, or a bad signature under the same hash), in key order by partition,
/// height and index.
pub fn tx_index_key(hash: &str, partition: u32, height: u64, index: u32) -> Vec<u8> {
    let mut out = tx_index_prefix(hash);
    out.extend_from_slice(&partition.to_be_bytes());
    out.extend_from_slice(&height.to_be_bytes());
    out.extend_from_slice(&index.to_be_bytes());
    out
}

/// The partition, height and receipt index of a [`tx_index_key`], given what follows its
/// [`tx_index_prefix`].
pub fn parse_tx_index(rest: &[u8]) -> Option<(u32, u64, u32)> {
    if rest.len() != 16 {
        return None;
    }
    Some((
        u32::from_be_bytes(rest[..4].try_into().ok()?),
        u64::from_be_bytes(rest[4..12].try_into().ok()?),
        u32::from_be_bytes(rest[12..].try_into().ok()?),
    ))
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

    #[test]
    fn contract_keys_and_value_keys_parse_back() {
        assert_eq!(contract_of_key(3, &contract_key(3, "token")), Some("token"));
        assert_eq!(contract_of_key(2, &contract_key(3, "token")), None);
        assert_eq!(contract_of_key(3, &value_key(3, "token", "k")), None);
        let mut longer = contract_key(3, "token");
        longer.push(b'x');
        assert_eq!(contract_of_key(3, &longer), None);

        let key = value_key(0, "token", "supply");
        let rest = &key[values_prefix(0, "token").len()..];
        assert_eq!(split_part(rest), Some((&b"supply"[..], &b""[..])));
        let key = map_field_key(0, "token", "balances", "alice");
        let rest = &key[maps_prefix(0, "token").len()..];
        assert_eq!(split_part(rest), Some((&b"balances"[..], &b"alice"[..])));
        assert_eq!(split_part(&[0, 0, 0, 9, b'a']), None);
    }

    #[test]
    fn tx_index_entries_of_one_hash_share_a_prefix_and_parse_back() {
        let prefix = tx_index_prefix("H1");
        let key = tx_index_key("H1", 7, 42, 3);
        assert!(key.starts_with(&prefix));
        assert_eq!(parse_tx_index(&key[prefix.len()..]), Some((7, 42, 3)));
        assert!(!tx_index_key("H10", 7, 42, 3).starts_with(&prefix));
        // Ordered by partition, then height, then index.
        assert!(tx_index_key("H1", 0, 9, 9) < tx_index_key("H1", 1, 0, 0));
        assert!(tx_index_key("H1", 1, 1, 9) < tx_index_key("H1", 1, 2, 0));
        assert_ne!(contract_written_key(0, "ab"), contract_written_key(1, "ab"));
    }
}
