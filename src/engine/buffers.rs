//! The ArrayBuffer allocator: ArrayBuffer memory lives outside V8's heap, so the heap limit
//! does not bound it. Every byte allocated during a call is added to the call's memory count
//! (the counter cell of `meter.rs`, the one the runtime library counts heap allocations in),
//! so every path that makes a buffer is counted, whichever built-in took it.
//!
//! The count never gives bytes back when a buffer is freed: frees happen when the garbage
//! collector runs, which differs between nodes, while the sequence of allocations a call
//! makes does not. So whether an allocation fails is the same everywhere. A refused
//! allocation terminates the call with status memory-limit.

use std::alloc::{Layout, alloc, alloc_zeroed, dealloc};
use std::ffi::c_void;
use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

/// Alignment of every buffer: enough for any typed array element.
const ALIGN: usize = 16;

/// The allocator's view of the call in progress, shared with V8 through its handle.
pub(super) struct BufferBudget {
    /// The call's counter cell (`[gas used, gas limit, memory used, memory limit]`), set for
    /// the duration of a call and null outside one. Only the sandbox's thread allocates
    /// while it is set, and that thread also runs the JavaScript that writes the cell, so the
    /// two never touch it at once.
    cell: AtomicPtr<f64>,
    /// Set when an allocation was refused: the call is then terminated as over its memory
    /// limit (V8 would otherwise run garbage collections and, depending on the heap, either
    /// throw a catchable error or reach the heap limit; this way the outcome is one).
    exhausted: AtomicBool,
    isolate: OnceLock<v8::IsolateHandle>,
}

impl BufferBudget {
    /// Starts counting into a call's cell, which must stay alive until [`Self::end_call`].
    pub(super) fn begin_call(&self, cell: *mut f64) {
        self.cell.store(cell, Ordering::SeqCst);
        self.exhausted.store(false, Ordering::SeqCst);
    }

    /// Stops counting: allocations outside a call (there are none a contract can make) are
    /// not counted.
    pub(super) fn end_call(&self) {
        self.cell.store(std::ptr::null_mut(), Ordering::SeqCst);
    }

    /// Whether this call was refused an allocation.
    pub(super) fn exhausted(&self) -> bool {
        self.exhausted.load(Ordering::SeqCst)
    }

    /// Lets the budget terminate the isolate's execution.
    pub(super) fn attach(&self, isolate: v8::IsolateHandle) {
        let _ = self.isolate.set(isolate);
    }

    fn take(&self, len: usize) -> bool {
        let cell = self.cell.load(Ordering::SeqCst);
        if cell.is_null() {
            return true;
        }
        // SAFETY: a non-null `cell` points at the four f64 slots of the call's counter cell,
        // alive until `end_call` (see the field), and nothing else touches them now.
        let granted = unsafe {
            let used = cell.add(2);
            let total = *used + len as f64;
            let granted = total <= *cell.add(3);
            if granted {
                *used = total;
            }
            granted
        };
        if !granted {
            self.exhausted.store(true, Ordering::SeqCst);
            if let Some(isolate) = self.isolate.get() {
                isolate.terminate_execution();
            }
        }
        granted
    }
}

fn layout(len: usize) -> Option<Layout> {
    Layout::from_size_align(len, ALIGN).ok()
}

/// A non-null, aligned pointer for zero-length buffers; never dereferenced or freed.
fn empty() -> *mut c_void {
    ALIGN as *mut c_void
}

unsafe extern "C" fn allocate(budget: &BufferBudget, len: usize) -> *mut c_void {
    if len == 0 {
        return empty();
    }
    match layout(len) {
        // SAFETY: the layout has a non-zero size.
        Some(layout) if budget.take(len) => unsafe { alloc_zeroed(layout) as *mut c_void },
        _ => std::ptr::null_mut(),
    }
}

unsafe extern "C" fn allocate_uninitialized(budget: &BufferBudget, len: usize) -> *mut c_void {
    if len == 0 {
        return empty();
    }
    match layout(len) {
        // SAFETY: the layout has a non-zero size.
        Some(layout) if budget.take(len) => unsafe { alloc(layout) as *mut c_void },
        _ => std::ptr::null_mut(),
    }
}

unsafe extern "C" fn free(_: &BufferBudget, data: *mut c_void, len: usize) {
    if len == 0 || data.is_null() {
        return;
    }
    if let Some(layout) = layout(len) {
        // SAFETY: V8 frees each buffer once, with the length it was allocated with, by one of
        // the functions above, which used this same layout.
        unsafe { dealloc(data as *mut u8, layout) }
    }
}

unsafe extern "C" fn drop_handle(budget: *const BufferBudget) {
    // SAFETY: the handle was made by `Arc::into_raw` in `allocator`, and V8 drops it once.
    drop(unsafe { Arc::from_raw(budget) });
}

static VTABLE: v8::RustAllocatorVtable<BufferBudget> = v8::RustAllocatorVtable {
    allocate,
    allocate_uninitialized,
    free,
    drop: drop_handle,
};

/// An allocator for one isolate, and the budget the sandbox points at each call's cell.
pub(super) fn allocator() -> (v8::UniqueRef<v8::Allocator>, Arc<BufferBudget>) {
    let budget = Arc::new(BufferBudget {
        cell: AtomicPtr::new(std::ptr::null_mut()),
        exhausted: AtomicBool::new(false),
        isolate: OnceLock::new(),
    });
    let handle = Arc::into_raw(budget.clone());
    // SAFETY: `handle` is a live `Arc` the allocator owns until it calls `drop_handle`; the
    // vtable functions only read it.
    let allocator = unsafe { v8::new_rust_allocator(handle, &VTABLE) };
    (allocator, budget)
}
