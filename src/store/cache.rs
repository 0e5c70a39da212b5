//! A read cache of committed state in front of a [`Store`]: the level below each batch's
//! own layers (transaction write set, block diff, pending blocks), so that the keys a
//! workload keeps touching (balances, accounts) are read from memory, not from RocksDB's
//! memtable and files.
//!
//! The cache holds exactly what the store holds, and nothing else: it is filled by reads
//! and kept true by writes. It changes no result, only where a read is answered from.
//!
//! - **A write updates what is cached** (puts and deletes both), after the store has taken
//!   it, under the cache's lock; it does not add keys (a transaction's replay record is
//!   written once and seldom read again).
//! - **A read that missed inserts what it read only if no write came in between**
//!   (`generation`): a read that raced a write may have read the value before it, and must
//!   not put it back over the write's update. It then just goes uncached.
//! - **Bounded** by an estimate of its bytes (keys, values and a fixed overhead per entry);
//!   the least recently used entries go first.
//! - Snapshots, prefix scans and checkpoints go to the store: they are for queries,
//!   listings, RPC and backups, not for the hot path.

use std::sync::{Arc, Mutex};

use lru::LruCache;

use super::{ReadView, Store, StoreError, WriteBatch};

/// What an entry costs beyond its key and value (the map's node, the two vectors).
const ENTRY_OVERHEAD: usize = 96;

/// A [`Store`] with a read cache of at most `budget` bytes (estimated) in front.
pub struct CachedStore {
    inner: Arc<dyn Store>,
    entries: Mutex<Entries>,
}

struct Entries {
    map: LruCache<Vec<u8>, Option<Vec<u8>>>,
    bytes: usize,
    budget: usize,
    /// Bumped by every write, under the lock.
    generation: u64,
}

fn cost(key: &[u8], value: &Option<Vec<u8>>) -> usize {
    key.len() + value.as_ref().map_or(0, Vec::len) + ENTRY_OVERHEAD
}

impl Entries {
    fn insert(&mut self, key: Vec<u8>, value: Option<Vec<u8>>) {
        let added = cost(&key, &value);
        if added > self.budget {
            return;
        }
        if let Some(old) = self.map.put(key.clone(), value) {
            self.bytes -= cost(&key, &old);
        }
        self.bytes += added;
        while self.bytes > self.budget {
            match self.map.pop_lru() {
                Some((k, v)) => self.bytes -= cost(&k, &v),
                None => break,
            }
        }
    }
}

impl CachedStore {
    /// `inner` with a cache of about `budget` bytes; `0` caches nothing.
    pub fn new(inner: Arc<dyn Store>, budget: usize) -> CachedStore {
        CachedStore {
            inner,
            entries: Mutex::new(Entries {
                map: LruCache::unbounded(),
                bytes: 0,
                budget,
                generation: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // The entries are consistent at every point a panic could leave them.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Entries cached now, and their estimated bytes.
    pub fn usage(&self) -> (usize, usize) {
        let entries = self.lock();
        (entries.map.len(), entries.bytes)
    }
}

/// What the cache knows of a key.
enum Lookup {
    Hit(Option<Vec<u8>>),
    /// Not cached: read the store, then [`CachedStore::fill`] with this generation.
    Miss(u64),
    /// The cache is off (a budget of 0).
    Off,
}

impl CachedStore {
    fn lookup(&self, key: &[u8]) -> Lookup {
        let mut entries = self.lock();
        if entries.budget == 0 {
            return Lookup::Off;
        }
        match entries.map.get(key) {
            Some(value) => Lookup::Hit(value.clone()),
            None => Lookup::Miss(entries.generation),
        }
    }

    /// Caches what a read that missed at `generation` got from the store, unless a write
    /// came in between.
    fn fill(&self, key: &[u8], value: &Option<Vec<u8>>, generation: u64) {
        let mut entries = self.lock();
        if entries.generation == generation {
            entries.insert(key.to_vec(), value.clone());
        }
    }
}

impl ReadView for CachedStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        match self.lookup(key) {
            Lookup::Hit(value) => Ok(value),
            Lookup::Off => self.inner.get(key),
            Lookup::Miss(generation) => {
                let value = self.inner.get(key)?;
                self.fill(key, &value, generation);
                Ok(value)
            }
        }
    }

    fn scan_prefix(
        &self,
        prefix: &[u8],
        visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), StoreError> {
        self.inner.scan_prefix(prefix, visit)
    }
}

impl Store for CachedStore {
    fn write(&self, batch: WriteBatch) -> Result<(), StoreError> {
        // What the batch leaves for each key it touches: its last operation on it.
        let updates: Vec<(Vec<u8>, Option<Vec<u8>>)> = batch
            .ops()
            .map(|(key, value)| (key.to_vec(), value.map(<[u8]>::to_vec)))
            .collect();
        let written = self.inner.write(batch);
        let mut entries = self.lock();
        entries.generation += 1;
        if written.is_err() {
            // Nothing is known of what the store holds now: forget everything.
            entries.map.clear();
            entries.bytes = 0;
        } else {
            for (key, value) in updates {
                if entries.map.contains(&key) {
                    entries.insert(key, value);
                }
            }
        }
        written
    }

    fn snapshot(&self) -> Box<dyn ReadView + '_> {
        self.inner.snapshot()
    }

    fn checkpoint(&self, dir: &std::path::Path) -> Result<(), StoreError> {
        self.inner.checkpoint(dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::RocksStore;

    fn batch(ops: &[(&[u8], Option<&[u8]>)]) -> WriteBatch {
        let mut b = WriteBatch::default();
        for (k, v) in ops {
            match v {
                Some(v) => b.put(k.to_vec(), v.to_vec()),
                None => b.delete(k.to_vec()),
            }
        }
        b
    }

    fn open(budget: usize) -> (tempfile::TempDir, Arc<RocksStore>, CachedStore) {
        let dir = tempfile::tempdir().unwrap();
        let rocks = Arc::new(RocksStore::open(&dir.path().join("db")).unwrap());
        let cached = CachedStore::new(rocks.clone(), budget);
        (dir, rocks, cached)
    }

    #[test]
    fn reads_are_cached_and_writes_keep_them_true() {
        let (_dir, rocks, cached) = open(1 << 20);
        cached.write(batch(&[(b"a", Some(b"1"))])).unwrap();
        assert_eq!(cached.get(b"a").unwrap(), Some(b"1".to_vec()));
        assert_eq!(cached.get(b"missing").unwrap(), None);
        assert_eq!(cached.usage().0, 2);
        // A later put, and a delete, of cached keys: the cache follows the store.
        cached
            .write(batch(&[(b"a", Some(b"2")), (b"missing", Some(b"now"))]))
            .unwrap();
        assert_eq!(cached.get(b"a").unwrap(), Some(b"2".to_vec()));
        assert_eq!(cached.get(b"missing").unwrap(), Some(b"now".to_vec()));
        cached
            .write(batch(&[(b"a", Some(b"3")), (b"a", None)]))
            .unwrap();
        assert_eq!(cached.get(b"a").unwrap(), None);
        assert_eq!(rocks.get(b"a").unwrap(), None);
        // Written keys that were never read are not added.
        cached.write(batch(&[(b"new", Some(b"x"))])).unwrap();
        assert_eq!(cached.usage().0, 2);
    }

    #[test]
    fn the_budget_bounds_the_entries_least_recently_used_first() {
        let entry = cost(b"k0", &Some(vec![0; 10]));
        let (_dir, _rocks, cached) = open(entry * 3);
        let mut setup = WriteBatch::default();
        for i in 0..10u8 {
            setup.put(format!("k{i}").into_bytes(), vec![i; 10]);
        }
        cached.write(setup).unwrap();
        for i in 0..10u8 {
            assert_eq!(
                cached.get(format!("k{i}").as_bytes()).unwrap(),
                Some(vec![i; 10])
            );
        }
        let (count, bytes) = cached.usage();
        assert_eq!(count, 3);
        assert!(bytes <= entry * 3);
        // The last three read are the ones kept, and still answer right.
        assert_eq!(cached.get(b"k9").unwrap(), Some(vec![9; 10]));
        assert_eq!(cached.get(b"k0").unwrap(), Some(vec![0; 10]));
    }

    #[test]
    fn a_read_that_raced_a_write_does_not_put_back_the_older_value() {
        let (_dir, rocks, cached) = open(1 << 20);
        cached.write(batch(&[(b"a", Some(b"old"))])).unwrap();
        // A read misses and reads the store; a write lands before the read fills the
        // cache: played step by step, as the two threads would interleave.
        cached.write(batch(&[(b"b", Some(b"x"))])).unwrap();
        let Lookup::Miss(generation) = cached.lookup(b"a") else {
            panic!("a was never read: a miss");
        };
        let stale = rocks.get(b"a").unwrap();
        cached.write(batch(&[(b"a", Some(b"new"))])).unwrap();
        cached.fill(b"a", &stale, generation);
        assert_eq!(cached.get(b"a").unwrap(), Some(b"new".to_vec()));
    }

    #[test]
    fn a_checkpoint_is_the_stores() {
        let (dir, _rocks, cached) = open(1 << 20);
        cached.write(batch(&[(b"a", Some(b"1"))])).unwrap();
        let copy = dir.path().join("copy");
        cached.checkpoint(&copy).unwrap();
        let copied = RocksStore::open(&copy).unwrap();
        assert_eq!(copied.get(b"a").unwrap(), Some(b"1".to_vec()));
    }

    #[test]
    fn a_budget_of_zero_caches_nothing() {
        let (_dir, _rocks, cached) = open(0);
        cached.write(batch(&[(b"a", Some(b"1"))])).unwrap();
        assert_eq!(cached.get(b"a").unwrap(), Some(b"1".to_vec()));
        assert_eq!(cached.usage(), (0, 0));
    }
}
