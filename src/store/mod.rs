//! Durable storage behind a small trait: point reads, ordered prefix scans, atomic batches.
//!
//! The trait knows nothing of RocksDB; [`RocksStore`] is the one implementation and the
//! only place in the crate that imports `rocksdb`. What is atomic: one [`WriteBatch`],
//! applied all-or-nothing and synced to disk before [`Store::write`] returns.
//! [`CachedStore`] puts a read cache of committed state in front of any store.

mod cache;
mod rocks;

pub use cache::CachedStore;
pub use rocks::RocksReader;
pub use rocks::RocksStore;

/// A storage failure: I/O, corruption, a lock held by another process.
#[derive(Debug, thiserror::Error)]
#[error("storage: {0}")]
pub struct StoreError(pub String);

/// Consistent reads.
pub trait ReadView {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;

    /// Calls `visit` with each entry whose key starts with `prefix`, in key order, until it
    /// returns `false`.
    fn scan_prefix(
        &self,
        prefix: &[u8],
        visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), StoreError>;
}

/// A key-value store shared by the whole process.
pub trait Store: ReadView + Send + Sync {
    /// Applies `batch` atomically and durably.
    fn write(&self, batch: WriteBatch) -> Result<(), StoreError>;

    /// A point-in-time view that later writes do not change.
    fn snapshot(&self) -> Box<dyn ReadView + '_>;

    /// Writes a copy of the database as it is now into `dir` (which must not exist), a
    /// database of its own: every [`Store::write`] is in it or not, never part of one.
    /// Required of every store (no default): a wrapper that forgot to forward it would
    /// refuse checkpoints for a store that can make them.
    fn checkpoint(&self, dir: &std::path::Path) -> Result<(), StoreError>;
}

/// Puts and deletes applied together by [`Store::write`].
#[derive(Debug, Default)]
pub struct WriteBatch {
    ops: Vec<(Vec<u8>, Option<Vec<u8>>)>,
}

impl WriteBatch {
    pub fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.ops.push((key, Some(value)));
    }

    pub fn delete(&mut self, key: Vec<u8>) {
        self.ops.push((key, None));
    }

    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Appends `other`'s operations after these (so they win over them).
    pub fn extend(&mut self, other: WriteBatch) {
        self.ops.extend(other.ops);
    }

    /// The operations in the order they were added; a later one wins over an earlier one.
    pub fn ops(&self) -> impl Iterator<Item = (&[u8], Option<&[u8]>)> {
        self.ops.iter().map(|(k, v)| (k.as_slice(), v.as_deref()))
    }
}
