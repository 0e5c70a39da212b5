//! Write sets, block diffs, and reads through them.
//!
//! A transaction writes into its own [`WriteSet`]; if it succeeds, the set is merged into
//! the block's [`BlockDiff`]; if it fails, the set is dropped and nothing it did remains.
//! Reads go write set → block diff → committed store, so each transaction sees the writes
//! of the ones before it in the batch.

use std::collections::BTreeMap;
use std::ops::Bound;

use crate::store::{ReadView, StoreError};

/// Pending changes: `Some(value)` is a put, `None` a delete.
type Changes = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// Key-value pairs in key order.
pub type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// The writes of one transaction, not yet applied to anything.
#[derive(Debug, Default)]
pub struct WriteSet {
    changes: Changes,
}

impl WriteSet {
    pub fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.changes.insert(key, Some(value));
    }

    pub fn delete(&mut self, key: Vec<u8>) {
        self.changes.insert(key, None);
    }

    pub fn len(&self) -> usize {
        self.changes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Whether this set writes or deletes `key`.
    pub fn contains(&self, key: &[u8]) -> bool {
        self.changes.contains_key(key)
    }
}

/// The accumulated writes of the successful transactions of one block.
#[derive(Debug, Default)]
pub struct BlockDiff {
    changes: Changes,
}

impl BlockDiff {
    /// Applies a successful transaction's writes on top of the block's.
    pub fn apply(&mut self, writes: WriteSet) {
        self.changes.extend(writes.changes);
    }

    /// The changes in key order: the canonical order the state root hashes them in.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], Option<&[u8]>)> {
        self.changes
            .iter()
            .map(|(k, v)| (k.as_slice(), v.as_deref()))
    }

    pub fn len(&self) -> usize {
        self.changes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Whether the block writes or deletes `key`.
    pub fn contains(&self, key: &[u8]) -> bool {
        self.changes.contains_key(key)
    }

    /// The block's change to `key`: `Some(None)` a delete, `None` untouched.
    pub fn change(&self, key: &[u8]) -> Option<Option<&[u8]>> {
        self.changes.get(key).map(Option::as_deref)
    }

    /// The changes under `prefix`, in key order.
    pub fn under<'a>(
        &'a self,
        prefix: &'a [u8],
    ) -> impl Iterator<Item = (&'a [u8], Option<&'a [u8]>)> + 'a {
        self.changes
            .range::<[u8], _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(move |(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.as_slice(), v.as_deref()))
    }
}

/// Reads through a transaction's write set and its block's diff to the committed state.
pub struct Layers<'a> {
    pub base: &'a dyn ReadView,
    pub block: &'a BlockDiff,
    pub tx: &'a WriteSet,
}

impl Layers<'_> {
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        if let Some(change) = self.tx.changes.get(key) {
            return Ok(change.clone());
        }
        if let Some(change) = self.block.changes.get(key) {
            return Ok(change.clone());
        }
        self.base.get(key)
    }

    /// Live entries under `prefix`, in key order, with pending changes applied.
    pub fn scan_prefix(&self, prefix: &[u8]) -> Result<Entries, StoreError> {
        let mut merged: BTreeMap<Vec<u8>, Option<Vec<u8>>> = BTreeMap::new();
        self.base.scan_prefix(prefix, &mut |k, v| {
            merged.insert(k.to_vec(), Some(v.to_vec()));
            true
        })?;
        for changes in [&self.block.changes, &self.tx.changes] {
            let range = changes.range::<[u8], _>((Bound::Included(prefix), Bound::Unbounded));
            for (k, v) in range.take_while(|(k, _)| k.starts_with(prefix)) {
                merged.insert(k.clone(), v.clone());
            }
        }
        Ok(merged
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny in-memory base, enough to test layering without a database.
    struct Base(BTreeMap<Vec<u8>, Vec<u8>>);

    impl ReadView for Base {
        fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
            Ok(self.0.get(key).cloned())
        }
        fn scan_prefix(
            &self,
            prefix: &[u8],
            visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
        ) -> Result<(), StoreError> {
            for (k, v) in self.0.iter().filter(|(k, _)| k.starts_with(prefix)) {
                if !visit(k, v) {
                    break;
                }
            }
            Ok(())
        }
    }

    fn kv(k: &str, v: &str) -> (Vec<u8>, Vec<u8>) {
        (k.as_bytes().to_vec(), v.as_bytes().to_vec())
    }

    #[test]
    fn reads_see_the_newest_layer_and_deletes_hide_older_values() {
        let base = Base(
            [
                kv("m/a", "1"),
                kv("m/b", "2"),
                kv("m/c", "3"),
                kv("n/a", "x"),
            ]
            .into(),
        );
        let mut block = BlockDiff::default();
        let mut earlier = WriteSet::default();
        earlier.delete(b"m/b".to_vec());
        earlier.put(b"m/d".to_vec(), b"4".to_vec());
        block.apply(earlier);
        let mut tx = WriteSet::default();
        tx.put(b"m/a".to_vec(), b"10".to_vec());
        tx.put(b"m/b".to_vec(), b"20".to_vec());
        tx.delete(b"m/c".to_vec());

        let layers = Layers {
            base: &base,
            block: &block,
            tx: &tx,
        };
        assert_eq!(layers.get(b"m/a").unwrap(), Some(b"10".to_vec()));
        assert_eq!(layers.get(b"m/c").unwrap(), None);
        assert_eq!(
            layers.scan_prefix(b"m/").unwrap(),
            vec![kv("m/a", "10"), kv("m/b", "20"), kv("m/d", "4")]
        );

        let untouched = WriteSet::default();
        let layers = Layers {
            base: &base,
            block: &block,
            tx: &untouched,
        };
        assert_eq!(layers.get(b"m/b").unwrap(), None);
        assert_eq!(
            layers.scan_prefix(b"m/").unwrap(),
            vec![kv("m/a", "1"), kv("m/c", "3"), kv("m/d", "4")]
        );
    }
}
