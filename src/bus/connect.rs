//! Opening a connection to the broker, for `isovm serve` and the client alike: plain
//! `amqp://`, or `amqps://` verified by [`Tls`], and the broker's refusals turned into errors
//! that say who was refused and why (a wrong password, a virtual host without permissions,
//! a certificate that does not check out).

use std::time::Duration;

use lapin::protocol::{AMQPErrorKind, AMQPHardError, AMQPSoftError};
use lapin::tcp::AMQPUriTcpExt;
use lapin::uri::{AMQPScheme, AMQPUri};
use lapin::{Connection, ConnectionProperties, ErrorKind};

use super::config::{BusConfig, redact_url};
use super::error::BusError;
use super::tls::Tls;

/// How long connecting may take before it counts as a failed attempt.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Connects to the broker of `config` (TCP, TLS, AMQP handshake, login), as `name`.
pub(super) async fn connect(config: &BusConfig, name: &str) -> Result<Connection, BusError> {
    let url = redact_url(&config.amqp_url);
    let uri: AMQPUri = config
        .amqp_url
        .parse()
        .map_err(|e| BusError::Config(format!("amqp_url {url} is not an AMQP URL: {e}")))?;
    let properties = ConnectionProperties::default().with_connection_name(name.into());
    let tls = match uri.scheme {
        AMQPScheme::AMQPS => Some(Tls::new(config)?),
        AMQPScheme::AMQP => None,
    };
    let attempt = async {
        match &tls {
            Some(tls) => connect_tls(uri.clone(), properties, tls.clone()).await,
            None => Connection::connect_uri(uri.clone(), properties).await,
        }
    };
    let error = match tokio::time::timeout(CONNECT_TIMEOUT, attempt).await {
        Ok(Ok(conn)) => return Ok(conn),
        Ok(Err(error)) => error,
        Err(_) => {
            return Err(BusError::ConnectionLost(format!(
                "connecting to {url} timed out after {CONNECT_TIMEOUT:?}"
            )));
        }
    };
    Err(refusal(&uri, &url, tls.as_ref(), &error).unwrap_or(BusError::Connect { url, error }))
}

/// TCP, then the TLS handshake with the broker's host name verified by `tls`, then AMQP.
async fn connect_tls(
    uri: AMQPUri,
    properties: ConnectionProperties,
    tls: Tls,
) -> lapin::Result<Connection> {
    let runtime = lapin::runtime::default_runtime()?;
    Connection::connector(
        uri,
        runtime,
        async move |uri, runtime| {
            let host = uri.authority.host.clone();
            let tcp = AMQPUri {
                scheme: AMQPScheme::AMQP,
                ..uri
            };
            let stream = tcp.connect_async(&runtime).await?;
            Ok(stream.into_rustls(&tls.connector, &host).await?)
        },
        properties,
    )
    .await
}

/// The error that says who the broker refused and why, when it refused the connection.
fn refusal(uri: &AMQPUri, url: &str, tls: Option<&Tls>, error: &lapin::Error) -> Option<BusError> {
    let user = uri.authority.userinfo.username.clone();
    let url = url.to_string();
    match error.kind() {
        ErrorKind::ProtocolError(e) => match e.kind() {
            AMQPErrorKind::Soft(AMQPSoftError::ACCESSREFUSED) => {
                Some(BusError::LoginRefused { url, user })
            }
            AMQPErrorKind::Hard(AMQPHardError::NOTALLOWED) => Some(BusError::VhostRefused {
                url,
                user,
                vhost: uri.vhost.clone(),
                reply: e.get_message().to_string(),
            }),
            _ => None,
        },
        ErrorKind::IOError(io) => {
            let problem = tls?.describe(io, &uri.authority.host)?;
            Some(BusError::Tls { url, problem })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_url_that_is_not_amqp_is_a_config_error() {
        let config = BusConfig {
            amqp_url: "amqp://guest:pw@host:notaport/%2f".into(),
            ..BusConfig::default()
        };
        let err = connect(&config, "test").await.unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, BusError::Config(_)), "{text}");
        assert!(text.contains("amqp://guest:***@host:notaport"), "{text}");
        assert!(!text.contains("pw"), "{text}");
    }

    #[tokio::test]
    async fn an_unreadable_ca_file_is_a_config_error_naming_it() {
        let config = BusConfig {
            amqp_url: "amqps://guest:guest@127.0.0.1:1/%2f".into(),
            ca_file: Some("/nonexistent/ca.pem".into()),
            ..BusConfig::default()
        };
        let err = connect(&config, "test").await.unwrap_err();
        assert!(matches!(err, BusError::Config(_)), "{err}");
        assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
    }
}
