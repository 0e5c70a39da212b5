//! What can go wrong on the bus, each error naming what it was doing (which queue, which
//! batch) so an operator can act on it.

use std::time::Duration;

use crate::exec::ExecError;
use crate::schema::DecodeError;

/// A bus failure. Whether it is worth retrying is decided in one place:
/// [`is_retriable`](super::retry::is_retriable). Underlying errors are part of the message
/// (fields named `error`, not `source`), so logs show them and error chains do not repeat
/// them.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("bus configuration: {0}")]
    Config(String),
    #[error("cannot connect to {url}: {error}")]
    Connect {
        /// The broker URL, password redacted.
        url: String,
        error: lapin::Error,
    },
    /// The broker refused the login: the user name or the password is wrong (or the user
    /// does not exist). Retried: the operator may fix the password in the broker.
    #[error("broker {url} refused user `{user}`: wrong user name or password")]
    LoginRefused { url: String, user: String },
    /// The login worked but the user may not use the virtual host.
    #[error(
        "broker {url} refused user `{user}` the virtual host `{vhost}` (no permissions there, or no such vhost): {reply}"
    )]
    VhostRefused {
        url: String,
        user: String,
        vhost: String,
        reply: String,
    },
    /// The TLS handshake failed: the broker's certificate did not check out, or the broker
    /// refused isovm's.
    #[error("TLS with {url}: {problem}")]
    Tls { url: String, problem: String },
    #[error("{what}: {error}")]
    Amqp { what: String, error: lapin::Error },
    #[error("the connection to the broker was lost: {0}")]
    ConnectionLost(String),
    #[error("the broker refused {what} (publisher nack)")]
    Nacked { what: String },
    #[error("the broker did not confirm {what} within {timeout:?}")]
    ConfirmTimeout { what: String, timeout: Duration },
    #[error("{what} reached no queue: {reason}")]
    Unroutable { what: String, reason: String },
    #[error("partition {partition}, height {height}: {error}")]
    Exec {
        partition: u32,
        height: u64,
        error: ExecError,
    },
    #[error("{what}: {error}")]
    Decode { what: String, error: DecodeError },
    #[error("no reply to {what} within {timeout:?}")]
    RpcTimeout { what: String, timeout: Duration },
}

/// Wraps a lapin error with what was being done.
pub(super) fn amqp(what: impl Into<String>) -> impl FnOnce(lapin::Error) -> BusError {
    let what = what.into();
    move |error| BusError::Amqp { what, error }
}
