//! The RocksDB implementation of [`Store`].

use std::path::Path;

use rocksdb::checkpoint::Checkpoint;
use rocksdb::{DB, Direction, IteratorMode, Options, ReadOptions, WriteOptions};

use super::{ReadView, Store, StoreError, WriteBatch};

/// A RocksDB database in one directory, opened by one process at a time (RocksDB's lock).
pub struct RocksStore {
    db: DB,
}

impl RocksStore {
    /// Opens the database at `path`, creating it if missing.
    pub fn open(path: &Path) -> Result<RocksStore, StoreError> {
        let mut opts = Options::default();
        opts.create_if_missing(true);
        opts.set_compression_type(rocksdb::DBCompressionType::Lz4);
        // Batches are small and synced one at a time; keep recovery strict.
        opts.set_wal_recovery_mode(rocksdb::DBRecoveryMode::PointInTime);
        // Most reads that reach the store are point reads of keys that are not there (a
        // transaction's replay record, before it runs): bloom filters answer those without a
        // search, in the memtable and in every table file.
        opts.set_memtable_whole_key_filtering(true);
        opts.set_memtable_prefix_bloom_ratio(0.05);
        let mut tables = rocksdb::BlockBasedOptions::default();
        tables.set_bloom_filter(10.0, false);
        tables.set_whole_key_filtering(true);
        opts.set_block_based_table_factory(&tables);
        let db = DB::open(&opts, path)
            .map_err(|e| StoreError(format!("opening {}: {e}", path.display())))?;
        Ok(RocksStore { db })
    }
}

/// A read-only view of a database that another process (`isovm serve`, `exec`) may hold
/// and be writing: a RocksDB secondary instance, which takes no lock and never writes the
/// database's files. It sees what was committed when it was opened (every synced
/// [`WriteBatch`] whole, or not at all), and nothing later: open one per inspection.
pub struct RocksReader {
    db: DB,
    /// The secondary instance's own files (its info log), removed on drop.
    _own: tempfile::TempDir,
}

impl RocksReader {
    /// Opens the database at `path` for reading; never creates one.
    pub fn open(path: &Path) -> Result<RocksReader, StoreError> {
        let at = path.display();
        if !path.exists() {
            return Err(StoreError(format!("database {at} does not exist")));
        }
        if !path.join("CURRENT").is_file() {
            return Err(StoreError(format!(
                "{at} is not an isovm database (no RocksDB CURRENT file in it)"
            )));
        }
        let own = tempfile::Builder::new()
            .prefix("isovm-reader-")
            .tempdir()
            .map_err(|e| StoreError(format!("a directory for reading {at}: {e}")))?;
        let mut opts = Options::default();
        opts.create_if_missing(false);
        // A secondary keeps every table file open, so the primary's compactions cannot
        // delete one from under it.
        opts.set_max_open_files(-1);
        let db = DB::open_as_secondary(&opts, path, own.path())
            .map_err(|e| StoreError(format!("opening {at} for reading: {e}")))?;
        db.try_catch_up_with_primary()
            .map_err(|e| StoreError(format!("reading {at} up to its last commit: {e}")))?;
        Ok(RocksReader { db, _own: own })
    }
}

impl ReadView for RocksReader {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.db.get(key).map_err(err)
    }

    fn scan_prefix(
        &self,
        prefix: &[u8],
        visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), StoreError> {
        scan_db(&self.db, prefix, visit)
    }
}

fn err(e: rocksdb::Error) -> StoreError {
    StoreError(e.to_string())
}

/// [`ReadView::scan_prefix`] over the latest state of `db`.
fn scan_db(
    db: &DB,
    prefix: &[u8],
    visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
) -> Result<(), StoreError> {
    scan(
        db.iterator(IteratorMode::From(prefix, Direction::Forward)),
        prefix,
        visit,
    )
}

fn scan(
    iter: rocksdb::DBIteratorWithThreadMode<'_, DB>,
    prefix: &[u8],
    visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
) -> Result<(), StoreError> {
    for item in iter {
        let (key, value) = item.map_err(err)?;
        if !key.starts_with(prefix) || !visit(&key, &value) {
            break;
        }
    }
    Ok(())
}

impl ReadView for RocksStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.db.get(key).map_err(err)
    }

    fn scan_prefix(
        &self,
        prefix: &[u8],
        visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), StoreError> {
        scan_db(&self.db, prefix, visit)
    }
}

impl Store for RocksStore {
    fn write(&self, batch: WriteBatch) -> Result<(), StoreError> {
        let mut rb = rocksdb::WriteBatch::default();
        for (key, value) in batch.ops() {
            match value {
                Some(value) => rb.put(key, value),
                None => rb.delete(key),
            }
        }
        let mut opts = WriteOptions::default();
        opts.set_sync(true);
        self.db.write_opt(rb, &opts).map_err(err)
    }

    fn checkpoint(&self, dir: &Path) -> Result<(), StoreError> {
        let fail = |e: rocksdb::Error| {
            StoreError(format!("making a checkpoint in {}: {e}", dir.display()))
        };
        // Hard links where the file system allows (the same one), copies otherwise; the WAL
        // is flushed first, so every synced commit is in it.
        Checkpoint::new(&self.db)
            .map_err(fail)?
            .create_checkpoint(dir)
            .map_err(fail)
    }

    fn snapshot(&self) -> Box<dyn ReadView + '_> {
        Box::new(Snapshot {
            db: &self.db,
            snapshot: self.db.snapshot(),
        })
    }
}

struct Snapshot<'a> {
    db: &'a DB,
    snapshot: rocksdb::Snapshot<'a>,
}

impl ReadView for Snapshot<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.snapshot.get(key).map_err(err)
    }

    fn scan_prefix(
        &self,
        prefix: &[u8],
        visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), StoreError> {
        let mut opts = ReadOptions::default();
        opts.set_snapshot(&self.snapshot);
        let iter = self
            .db
            .iterator_opt(IteratorMode::From(prefix, Direction::Forward), opts);
        scan(iter, prefix, visit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_is_atomic_and_scans_are_ordered_by_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let store = RocksStore::open(dir.path()).unwrap();
        let mut batch = WriteBatch::default();
        batch.put(b"a/2".to_vec(), b"two".to_vec());
        batch.put(b"a/1".to_vec(), b"one".to_vec());
        batch.put(b"b/1".to_vec(), b"other".to_vec());
        batch.put(b"a/3".to_vec(), b"three".to_vec());
        batch.delete(b"a/3".to_vec());
        store.write(batch).unwrap();

        let before = store.snapshot();
        let mut later = WriteBatch::default();
        later.put(b"a/0".to_vec(), b"zero".to_vec());
        store.write(later).unwrap();

        let collect = |view: &dyn ReadView| {
            let mut seen = Vec::new();
            view.scan_prefix(b"a/", &mut |k, v| {
                seen.push((k.to_vec(), v.to_vec()));
                true
            })
            .unwrap();
            seen
        };
        assert_eq!(
            collect(&*before),
            vec![
                (b"a/1".to_vec(), b"one".to_vec()),
                (b"a/2".to_vec(), b"two".to_vec())
            ]
        );
        assert_eq!(collect(&store).len(), 3);
        assert_eq!(before.get(b"a/0").unwrap(), None);
        assert_eq!(store.get(b"a/0").unwrap(), Some(b"zero".to_vec()));
    }

    #[test]
    fn a_reader_sees_what_was_committed_while_the_writer_holds_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let store = RocksStore::open(dir.path()).unwrap();
        let mut batch = WriteBatch::default();
        batch.put(b"a/1".to_vec(), b"one".to_vec());
        store.write(batch).unwrap();

        let reader = RocksReader::open(dir.path()).unwrap();
        assert_eq!(reader.get(b"a/1").unwrap(), Some(b"one".to_vec()));
        let mut later = WriteBatch::default();
        later.put(b"a/2".to_vec(), b"two".to_vec());
        store.write(later).unwrap();
        // A reader is a point in time; a new one sees the later commit.
        assert_eq!(reader.get(b"a/2").unwrap(), None);
        let again = RocksReader::open(dir.path()).unwrap();
        assert_eq!(again.get(b"a/2").unwrap(), Some(b"two".to_vec()));
        // The writer still holds the database, and still writes.
        assert!(RocksStore::open(dir.path()).is_err());
        store.write(WriteBatch::default()).unwrap();
    }

    #[test]
    fn a_reader_never_creates_a_database() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nothing");
        let e = RocksReader::open(&missing).err().unwrap();
        assert!(e.to_string().contains("does not exist"), "{e}");
        assert!(!missing.exists());
        let e = RocksReader::open(dir.path()).err().unwrap();
        assert!(e.to_string().contains("not an isovm database"), "{e}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_checkpoint_is_a_database_of_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let store = RocksStore::open(&dir.path().join("db")).unwrap();
        let mut batch = WriteBatch::default();
        batch.put(b"k".to_vec(), b"one".to_vec());
        store.write(batch).unwrap();

        let copy = dir.path().join("copy");
        store.checkpoint(&copy).unwrap();
        let mut later = WriteBatch::default();
        later.put(b"k".to_vec(), b"two".to_vec());
        store.write(later).unwrap();
        let copied = RocksStore::open(&copy).unwrap();
        assert_eq!(copied.get(b"k").unwrap(), Some(b"one".to_vec()));
        let err = store.checkpoint(&copy).unwrap_err();
        assert!(err.to_string().contains("copy"), "{err}");
    }

    #[test]
    fn a_second_open_of_the_same_directory_fails_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let _first = RocksStore::open(dir.path()).unwrap();
        let second = RocksStore::open(dir.path());
        assert!(second.is_err());
    }
}
