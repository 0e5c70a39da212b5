//! Metering, the Rust side: the counters a call runs under, shared by the instrumented
//! contract code, the runtime library's metered built-ins (`runtime/01-meter.js`), the
//! natives, and the ArrayBuffer allocator.
//!
//! The counters are a `Float64Array` over one backing store:
//! `[gas used, gas limit, memory used, memory limit]`. f64 counts exactly up to 2^53, far
//! above any limit. Only the sandbox's thread touches it, while a call runs.

use std::cell::Cell;

/// Slots of the counter cell.
const GAS_USED: usize = 0;
const GAS_LIMIT: usize = 1;
const MEMORY_USED: usize = 2;
const MEMORY_LIMIT: usize = 3;

/// The counters of one call.
pub(crate) struct GasCell {
    store: v8::SharedRef<v8::BackingStore>,
}

impl GasCell {
    pub(crate) const BYTES: usize = 32;

    pub(crate) fn new(store: v8::SharedRef<v8::BackingStore>) -> GasCell {
        debug_assert!(store.byte_length() >= Self::BYTES);
        GasCell { store }
    }

    fn read(&self, index: usize) -> f64 {
        let cells: &[Cell<u8>] = &self.store;
        let mut bytes = [0u8; 8];
        for (b, c) in bytes.iter_mut().zip(&cells[index * 8..index * 8 + 8]) {
            *b = c.get();
        }
        f64::from_ne_bytes(bytes)
    }

    fn write(&self, index: usize, value: f64) {
        let cells: &[Cell<u8>] = &self.store;
        for (c, b) in cells[index * 8..index * 8 + 8]
            .iter()
            .zip(value.to_ne_bytes())
        {
            c.set(b);
        }
    }

    pub(crate) fn used(&self) -> u64 {
        self.read(GAS_USED) as u64
    }

    pub(crate) fn memory_used(&self) -> u64 {
        self.read(MEMORY_USED) as u64
    }

    /// Gas left under the limit.
    pub(crate) fn left(&self) -> u64 {
        (self.read(GAS_LIMIT) - self.read(GAS_USED)).max(0.0) as u64
    }

    /// Sets the counters a call starts with: what the transaction used so far, its limits.
    pub(crate) fn set(&self, used: u64, limit: u64, memory_used: u64, memory_limit: u64) {
        self.write(GAS_USED, used as f64);
        self.write(GAS_LIMIT, limit as f64);
        self.write(MEMORY_USED, memory_used as f64);
        self.write(MEMORY_LIMIT, memory_limit as f64);
    }

    /// Adds `amount` gas; false once the total is past the limit.
    pub(crate) fn charge(&self, amount: u64) -> bool {
        let used = self.read(GAS_USED) + amount as f64;
        self.write(GAS_USED, used);
        used <= self.read(GAS_LIMIT)
    }

    /// Adds `units` of memory; false once the total is past the budget.
    pub(crate) fn count(&self, units: u64) -> bool {
        let used = self.read(MEMORY_USED) + units as f64;
        self.write(MEMORY_USED, used);
        used <= self.read(MEMORY_LIMIT)
    }
}
