//! The wall-clock safety net of a call: a thread that terminates the isolate's execution when
//! an armed deadline passes. Its firing is a node fault, never a receipt (`sandbox.rs`).
//!
//! Arming costs an uncontended lock, not a thread wake-up: the thread sleeps until the
//! earliest time it may have to act (the armed deadline, or a second from when it last
//! looked), and [`Watchdog::arm`] wakes it only when the new deadline is earlier than that.
//! Deadlines are the floor (2 s by default) or more, so a warm worker's calls almost never
//! wake it; a tight watchdog (tests, `--watchdog-ms 0`) still fires on time.

use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

#[derive(Default)]
struct State {
    deadline: Option<Instant>,
    fired: bool,
    shutdown: bool,
    /// When the sleeping thread wakes by itself; `None` while it is awake.
    wake_at: Option<Instant>,
}

/// How long the thread sleeps when no call is armed.
const IDLE_WAKE: Duration = Duration::from_secs(1);

/// One per sandbox. Termination happens under the lock that [`Watchdog::disarm`] takes, so
/// once `disarm` returns, this call's deadline can no longer terminate anything.
pub(super) struct Watchdog {
    shared: Arc<(Mutex<State>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Watchdog {
    pub(super) fn new(handle: v8::IsolateHandle) -> std::io::Result<Watchdog> {
        let shared = Arc::new((Mutex::new(State::default()), Condvar::new()));
        let theirs = shared.clone();
        let thread = std::thread::Builder::new()
            .name("isovm-watchdog".into())
            .stack_size(64 * 1024)
            .spawn(move || watch(&theirs, &handle))?;
        Ok(Watchdog {
            shared,
            thread: Some(thread),
        })
    }

    /// Starts the deadline of a call: `after` from now (one too far to represent never fires).
    pub(super) fn arm(&self, after: Duration) {
        let (lock, cvar) = &*self.shared;
        let mut state = lock.lock().unwrap_or_else(|e| e.into_inner());
        state.deadline = Instant::now().checked_add(after);
        state.fired = false;
        if let (Some(deadline), Some(wake_at)) = (state.deadline, state.wake_at)
            && deadline < wake_at
        {
            cvar.notify_one();
        }
    }

    /// Returns whether the deadline fired since [`Watchdog::arm`].
    pub(super) fn disarm(&self) -> bool {
        let (lock, _) = &*self.shared;
        let mut state = lock.lock().unwrap_or_else(|e| e.into_inner());
        state.deadline = None;
        std::mem::take(&mut state.fired)
    }
}

fn watch(shared: &(Mutex<State>, Condvar), handle: &v8::IsolateHandle) {
    let (lock, cvar) = shared;
    let mut state = lock.lock().unwrap_or_else(|e| e.into_inner());
    while !state.shutdown {
        let now = Instant::now();
        if let Some(deadline) = state.deadline
            && now >= deadline
        {
            state.deadline = None;
            state.fired = true;
            handle.terminate_execution();
            continue;
        }
        let wake_at = state.deadline.unwrap_or(now + IDLE_WAKE);
        state.wake_at = Some(wake_at);
        state = cvar
            .wait_timeout(state, wake_at - now)
            .unwrap_or_else(|e| e.into_inner())
            .0;
        state.wake_at = None;
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        {
            let (lock, cvar) = &*self.shared;
            let mut state = lock.lock().unwrap_or_else(|e| e.into_inner());
            state.shutdown = true;
            cvar.notify_one();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
