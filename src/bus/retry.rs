//! Retry decisions, in one place: the one backoff policy, and which errors are worth
//! retrying at all.
//!
//! The policy never gives up (`max_elapsed_time: None`; `backoff`'s default would stop after
//! 15 minutes): a node whose broker is down for an hour must carry on when it is back.
//! Whatever retries also watches the shutdown token, so waiting never delays an exit.

use std::time::Duration;

use backoff::ExponentialBackoff;
use backoff::backoff::Backoff;
use lapin::protocol::{AMQPErrorKind, AMQPHardError, AMQPSoftError};
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use super::BusError;
use crate::exec::ExecError;

/// The backoff policy: 100 ms, doubling (±20% jitter) up to `max_interval`, forever.
pub(super) fn policy(max_interval: Duration) -> ExponentialBackoff {
    backoff::ExponentialBackoffBuilder::new()
        .with_initial_interval(Duration::from_millis(100).min(max_interval))
        .with_multiplier(2.0)
        .with_randomization_factor(0.2)
        .with_max_interval(max_interval)
        .with_max_elapsed_time(None)
        .build()
}

/// Sleeps for the policy's next interval; `false` if `cancel` fired first.
pub(super) async fn pause(policy: &mut ExponentialBackoff, cancel: &CancellationToken) -> bool {
    // With no elapsed-time limit the policy always has a next interval.
    let delay = policy.next_backoff().unwrap_or(policy.max_interval);
    tokio::select! {
        () = tokio::time::sleep(delay) => true,
        () = cancel.cancelled() => false,
    }
}

/// Starts the policy over, after a session that worked.
pub(super) fn reset(policy: &mut ExponentialBackoff) {
    policy.reset();
}

/// Runs `session` again and again until `shutdown` ends it (`Ok`) or it fails with what
/// retrying cannot fix (that error), pausing with backoff between sessions. `session` returns
/// its outcome and whether it made progress (acked something), which resets the backoff.
/// `what` names the loop in its log lines (`bus`, `verify`); `url` is the redacted broker URL.
pub(super) async fn sessions<F, Fut>(
    what: &str,
    url: &str,
    max_interval: Duration,
    shutdown: &CancellationToken,
    mut session: F,
) -> Result<(), BusError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = (Result<(), BusError>, bool)>,
{
    let mut policy = policy(max_interval);
    // Sessions in a row that ended in an error without making progress.
    let mut failures = 0u64;
    loop {
        let (outcome, progressed) = session().await;
        match outcome {
            Ok(()) => {
                info!("{what} stopped");
                return Ok(());
            }
            Err(error) if is_retriable(&error) => {
                if progressed {
                    reset(&mut policy);
                    failures = 0;
                }
                failures += 1;
                crate::ops::reconnect();
                warn!(%error, url, failures, "{what} session ended; reconnecting");
                if !pause(&mut policy, shutdown).await {
                    info!("{what} stopped while reconnecting");
                    return Ok(());
                }
            }
            Err(error) => {
                error!(%error, url, "{what} stopped: retrying cannot fix this");
                return Err(error);
            }
        }
    }
}

/// Whether doing the same thing again later may succeed. Connection trouble, timeouts,
/// nacks and node-side executor trouble are; so are the broker's refusals of the login, the
/// virtual host or the TLS handshake, which an operator fixes in the broker (a password set,
/// a certificate renewed) while isovm waits. Mistakes in isovm's own configuration (an
/// unreadable CA file, a queue declared elsewhere with other arguments, a permission the
/// broker denies an operation) and producer bugs are not.
pub(super) fn is_retriable(error: &BusError) -> bool {
    match error {
        BusError::Config(_) | BusError::Decode { .. } => false,
        BusError::Connect { error, .. } | BusError::Amqp { error, .. } => !is_permanent_amqp(error),
        BusError::LoginRefused { .. } | BusError::VhostRefused { .. } | BusError::Tls { .. } => {
            true
        }
        BusError::ConnectionLost(_)
        | BusError::Nacked { .. }
        | BusError::ConfirmTimeout { .. }
        | BusError::Unroutable { .. }
        | BusError::RpcTimeout { .. } => true,
        BusError::Exec { error, .. } => match error {
            // A stopped worker pool does not come back in this process: exit, and let the
            // supervisor (systemd, compose) start a fresh one.
            ExecError::Conflict { .. } | ExecError::Config(_) | ExecError::Stopped => false,
            // Ahead batches and those of a halted partition are parked, not retried in
            // place; should one get here, a later try is right (its predecessors may have
            // arrived by then; the node may have been restarted).
            ExecError::OutOfOrder { .. } | ExecError::Halted { .. } => true,
            // A safety net struck: the node's trouble, which a fresh isolate may not have.
            ExecError::NodeFault { .. } | ExecError::QueryFault { .. } => true,
            // The block log and this node disagree, or the log misses blocks: the partition
            // is given up (`blocklog.rs`); a later claim may find the log complete.
            ExecError::Diverged { .. } | ExecError::Gap { .. } => true,
            ExecError::Busy
            | ExecError::Store(_)
            | ExecError::Host(_)
            | ExecError::Engine(_)
            | ExecError::Corrupt(_) => true,
        },
    }
}

/// Broker answers that will be the same next time: refused credentials or vhost, a
/// declaration that clashes with an existing one.
fn is_permanent_amqp(error: &lapin::Error) -> bool {
    match error.kind() {
        lapin::ErrorKind::ProtocolError(e) => matches!(
            e.kind(),
            AMQPErrorKind::Soft(AMQPSoftError::ACCESSREFUSED | AMQPSoftError::PRECONDITIONFAILED)
                | AMQPErrorKind::Hard(AMQPHardError::NOTALLOWED)
        ),
        lapin::ErrorKind::AuthProviderError(_) | lapin::ErrorKind::InvalidProtocolVersion(_) => {
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_never_gives_up_and_stays_bounded() {
        let mut policy = policy(Duration::from_millis(800));
        assert_eq!(policy.max_elapsed_time, None);
        for _ in 0..100 {
            let delay = policy.next_backoff().expect("the policy must not give up");
            assert!(delay <= Duration::from_millis(800 * 12 / 10), "{delay:?}");
        }
    }

    #[test]
    fn producer_bugs_and_config_are_not_retried() {
        let exec = |source| BusError::Exec {
            partition: 0,
            height: 1,
            error: source,
        };
        assert!(!is_retriable(&exec(ExecError::Conflict {
            partition: 0,
            height: 1
        })));
        assert!(is_retriable(&exec(ExecError::Busy)));
        assert!(is_retriable(&exec(ExecError::Engine("x".into()))));
        assert!(is_retriable(&exec(ExecError::NodeFault {
            partition: 0,
            height: 1,
            tx_hash: "x".into(),
            kind: crate::engine::FaultKind::Watchdog,
        })));
        assert!(!is_retriable(&BusError::Config("x".into())));
        assert!(is_retriable(&BusError::LoginRefused {
            url: "amqp://u:***@h".into(),
            user: "u".into()
        }));
        assert!(is_retriable(&BusError::Tls {
            url: "amqps://h".into(),
            problem: "expired".into()
        }));
        assert!(is_retriable(&BusError::Nacked { what: "x".into() }));
        assert!(is_retriable(&BusError::ConnectionLost("x".into())));
    }
}
