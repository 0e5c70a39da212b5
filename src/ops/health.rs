//! What `/readyz` asks. The bus registers a probe of its live session (connected, consuming,
//! not halting) when a session starts and removes it when the session ends; the database is
//! asked at each request (a write and read of a node-local key, `Executor::probe_store`).

use std::sync::Mutex;

/// Whether the bus session is up, asked at each `/readyz`: `Err` says why not.
pub type BusProbe = Box<dyn Fn() -> Result<(), String> + Send + Sync>;

/// The probe of the current bus session; `None` between sessions.
static BUS: Mutex<Option<BusProbe>> = Mutex::new(None);

/// Registers (`Some`) or clears (`None`) the current session's probe.
pub fn bus_session(probe: Option<BusProbe>) {
    *BUS.lock().unwrap_or_else(|e| e.into_inner()) = probe;
}

/// `Ok` while a bus session is connected and consuming; otherwise why not.
pub(super) fn bus_ready() -> Result<(), String> {
    match &*BUS.lock().unwrap_or_else(|e| e.into_inner()) {
        Some(probe) => probe(),
        None => Err("not connected to the broker (reconnecting)".into()),
    }
}
