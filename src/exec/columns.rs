//! Column maps for error locations, kept per worker thread: V8 reports columns of the
//! instrumented code, receipts show the contract's own. A map is built (by instrumenting
//! the source again, which is deterministic) the first time a contract's call fails.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use crate::contract::instrument::{self, ColumnMap};

/// Maps kept per thread before the cache is cleared.
const MAX_MAPS: usize = 256;

thread_local! {
    static MAPS: RefCell<HashMap<[u8; 32], Arc<ColumnMap>>> = RefCell::new(HashMap::new());
}

/// The column map of the contract whose instrumented code has hash `code_hash`.
pub(super) fn map_for(code_hash: &[u8; 32], source: &str) -> Option<Arc<ColumnMap>> {
    if let Some(map) = MAPS.with(|maps| maps.borrow().get(code_hash).cloned()) {
        return Some(map);
    }
    let map = Arc::new(instrument::instrument(source).ok()?.columns);
    MAPS.with(|maps| {
        let mut maps = maps.borrow_mut();
        if maps.len() >= MAX_MAPS {
            maps.clear();
        }
        maps.insert(*code_hash, map.clone());
    });
    Some(map)
}
