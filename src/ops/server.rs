//! The HTTP endpoint of `--metrics-addr`, on the process's tokio runtime: `/metrics` (the
//! Prometheus text format), `/healthz` (200 while the process runs) and `/readyz` (200 when
//! the bus session is connected and consuming and the database takes writes; 503 with a
//! one-line reason otherwise); and `POST /checkpoint` (`checkpoint.rs`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::{health, record};
use crate::bus::VerifyStats;
use crate::exec::Executor;

/// How long `/readyz` waits for the database to take its write.
const DB_PROBE_TIMEOUT: Duration = Duration::from_secs(2);
/// How often the recorder's histograms are tidied between scrapes.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// Why the endpoint could not start.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    #[error("metrics address {addr}: cannot listen there: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("{0}")]
    Recorder(String),
}

/// What a scrape reads besides the recorded metrics.
#[derive(Clone)]
pub enum Sampler {
    /// `isovm serve`: the executor's pool and isolates.
    Serve(Executor),
    /// `isovm verify`: the same, and its counts of matched and diverged blocks.
    Verify(Executor, Arc<VerifyStats>),
}

impl Sampler {
    fn executor(&self) -> &Executor {
        match self {
            Sampler::Serve(executor) | Sampler::Verify(executor, _) => executor,
        }
    }

    fn sample(&self) {
        record::sample_executor(self.executor());
        if let Sampler::Verify(_, stats) = self {
            record::sample_verify(stats);
        }
    }
}

struct Shared {
    handle: PrometheusHandle,
    sampler: Sampler,
}

/// The running endpoint; it stops with the shutdown token it was started with.
pub struct MetricsServer {
    /// Where it listens (the port chosen, if the address asked for port 0).
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl MetricsServer {
    /// Installs the recorder and listens on `addr`; fails at once if the address cannot be
    /// had, naming it.
    pub async fn start(
        addr: SocketAddr,
        sampler: Sampler,
        shutdown: CancellationToken,
    ) -> Result<MetricsServer, MetricsError> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| MetricsError::Bind { addr, source })?;
        let bound = listener.local_addr().unwrap_or(addr);
        let handle = record::install().map_err(MetricsError::Recorder)?;
        let shared = Arc::new(Shared {
            handle: handle.clone(),
            sampler,
        });
        let app = Router::new()
            .route("/metrics", get(metrics))
            .route("/healthz", get(healthz))
            .route("/readyz", get(readyz))
            .route("/checkpoint", post(checkpoint))
            .with_state(shared);
        info!(addr = %bound, "metrics and health endpoint listening (/metrics, /healthz, /readyz, POST /checkpoint from loopback)");
        let task = tokio::spawn(async move {
            let upkeep = async {
                loop {
                    tokio::time::sleep(UPKEEP_INTERVAL).await;
                    handle.run_upkeep();
                }
            };
            let app = app.into_make_service_with_connect_info::<SocketAddr>();
            let serve =
                axum::serve(listener, app).with_graceful_shutdown(shutdown.cancelled_owned());
            tokio::select! {
                served = serve => if let Err(error) = served {
                    warn!(%error, "the metrics endpoint stopped");
                },
                () = upkeep => {}
            }
        });
        Ok(MetricsServer { addr: bound, task })
    }

    /// Stops serving now.
    pub fn stop(self) {
        self.task.abort();
    }
}

async fn metrics(State(shared): State<Arc<Shared>>) -> Response {
    shared.sampler.sample();
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        shared.handle.render(),
    )
        .into_response()
}

async fn checkpoint(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Response {
    super::checkpoint::answer(shared.sampler.executor(), peer, &body).await
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(shared): State<Arc<Shared>>) -> Response {
    match ready(&shared).await {
        Ok(()) => (StatusCode::OK, "ready\n".to_string()).into_response(),
        Err(reason) => (StatusCode::SERVICE_UNAVAILABLE, format!("{reason}\n")).into_response(),
    }
}

async fn ready(shared: &Shared) -> Result<(), String> {
    health::bus_ready()?;
    let probe = shared.sampler.executor().probe_store();
    match tokio::time::timeout(DB_PROBE_TIMEOUT, probe).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(format!("the database does not take writes: {error}")),
        Err(_) => Err(format!(
            "the database did not take a write within {} s",
            DB_PROBE_TIMEOUT.as_secs()
        )),
    }
}
