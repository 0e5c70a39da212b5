//! `isovm probe URL`: one HTTP/1.1 GET, answered 200 or not, for health checks in an image
//! that has no HTTP client (the compose file's workers ask their own `/readyz`). Plain
//! `http://` only: the endpoint it is for has no TLS.

use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;

/// Why a probe did not get a 200.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("`{url}` is not a URL to probe: {why} (give http://HOST:PORT/PATH)")]
    Url { url: String, why: &'static str },
    #[error("{url}: {error}")]
    Http { url: String, error: String },
    #[error("{url}: no answer within {timeout:?}")]
    Timeout { url: String, timeout: Duration },
    #[error("{url}: HTTP {status}: {body}")]
    Status {
        url: String,
        status: u16,
        body: String,
    },
}

/// GETs `url`; its body if the answer is 200, else why not. The whole exchange (connect,
/// request, body) has `timeout`.
pub async fn probe(url: &str, timeout: Duration) -> Result<String, ProbeError> {
    let bad = |why| ProbeError::Url {
        url: url.to_string(),
        why,
    };
    let rest = url.strip_prefix("http://").ok_or(bad("not http://"))?;
    let (authority, path) = match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, "/"),
    };
    if authority.is_empty() || authority.contains('@') {
        return Err(bad("no host, or credentials in it"));
    }
    let address = if authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| !p.contains(']'))
    {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    let fail = |error: String| ProbeError::Http {
        url: url.to_string(),
        error,
    };
    let exchange = async {
        let stream = tokio::net::TcpStream::connect(&address)
            .await
            .map_err(|e| fail(format!("cannot connect to {address}: {e}")))?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| fail(e.to_string()))?;
        let driver = tokio::spawn(connection);
        let request = hyper::Request::get(path)
            .header(hyper::header::HOST, authority)
            .body(Empty::<Bytes>::new())
            .map_err(|e| fail(e.to_string()))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| fail(e.to_string()))?;
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| fail(e.to_string()))?
            .to_bytes();
        driver.abort();
        let body = String::from_utf8_lossy(&body).trim().to_string();
        if status == 200 {
            Ok(body)
        } else {
            // The first line says why (`/readyz` answers with one).
            let line: String = body
                .lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(300)
                .collect();
            Err(ProbeError::Status {
                url: url.to_string(),
                status,
                body: line,
            })
        }
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .unwrap_or_else(|_| {
            Err(ProbeError::Timeout {
                url: url.to_string(),
                timeout,
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_urls_are_probed() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        for url in [
            "https://h/readyz",
            "h:1/readyz",
            "http:///readyz",
            "http://u:p@h/",
        ] {
            let err = runtime
                .block_on(probe(url, Duration::from_secs(1)))
                .unwrap_err();
            assert!(matches!(err, ProbeError::Url { .. }), "{url}: {err}");
        }
    }
}
