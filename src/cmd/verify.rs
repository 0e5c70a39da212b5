//! `isovm verify`: open a database and an executor of its own, then re-execute every batch
//! from the bus and compare each block's result with the published one until told to stop.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tracing::info;

use super::{BusCommandError, VmOptions};
use crate::bus::{self, BusConfig, VerifyOptions, VerifyStats, redact_url};
use crate::ops::Sampler;

/// Verifies until `shutdown` is cancelled (then finishes the batches in hand and returns
/// the counts), or until the bus meets an error that retrying cannot fix.
pub async fn run(
    vm: &VmOptions,
    config: BusConfig,
    options: VerifyOptions,
    metrics: Option<SocketAddr>,
    shutdown: CancellationToken,
) -> Result<Arc<VerifyStats>, BusCommandError> {
    let executor = super::serve::open_executor(vm)?;
    info!(
        db = %vm.db.display(),
        url = %redact_url(&config.amqp_url),
        prefix = %config.prefix,
        queue = %options.queue,
        "isovm verify starting"
    );
    let stats = Arc::new(VerifyStats::default());
    let sampler = Sampler::Verify(executor.clone(), stats.clone());
    let endpoint = super::serve::start_metrics(metrics, sampler, &shutdown).await?;
    let verified = bus::verify(executor, config, options, stats.clone(), shutdown).await;
    if let Some(endpoint) = endpoint {
        endpoint.stop();
    }
    verified?;
    let load = |n: &std::sync::atomic::AtomicU64| n.load(std::sync::atomic::Ordering::Relaxed);
    info!(
        matched = load(&stats.matched),
        diverged = load(&stats.diverged),
        divergences = load(&stats.divergences),
        duplicates = load(&stats.duplicates),
        executed = load(&stats.executed),
        "isovm verify stopped"
    );
    Ok(stats)
}
