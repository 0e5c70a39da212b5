//! `isovm serve`: open the database and the executor, then consume batches from RabbitMQ
//! until told to stop.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracing::info;

use super::{BusCommandError, VmOptions};
use crate::bus::{self, BusConfig, redact_url};
use crate::exec::Executor;
use crate::ops::{MetricsServer, Sampler};
use crate::store::RocksStore;

/// Serves until `shutdown` is cancelled (then finishes the batches in hand and returns
/// `Ok`), or until the bus meets an error that retrying cannot fix.
pub async fn run(
    vm: &VmOptions,
    config: BusConfig,
    metrics: Option<SocketAddr>,
    shutdown: CancellationToken,
) -> Result<(), BusCommandError> {
    let executor = open_executor(vm)?;
    info!(
        db = %vm.db.display(),
        url = %redact_url(&config.amqp_url),
        prefix = %config.prefix,
        "isovm serve starting"
    );
    let endpoint = start_metrics(metrics, Sampler::Serve(executor.clone()), &shutdown).await?;
    let stats = tokio::spawn(log_stats(executor.clone(), shutdown.clone()));
    let served = bus::serve(executor, config, shutdown).await;
    stats.abort();
    if let Some(endpoint) = endpoint {
        endpoint.stop();
    }
    served?;
    Ok(())
}

/// The executor of a bus command (`serve`, `verify`) over the database `vm` names.
pub(super) fn open_executor(vm: &VmOptions) -> Result<Executor, BusCommandError> {
    let options = vm.exec_options().map_err(BusCommandError::Other)?;
    let store = RocksStore::open(&vm.db).map_err(|e| BusCommandError::File {
        path: vm.db.clone(),
        message: e.to_string(),
    })?;
    Executor::new(Arc::new(store), options)
        .map_err(|e| BusCommandError::Other(format!("cannot start the executor: {e}")))
}

/// The metrics endpoint at `addr`, if one is asked for, until `shutdown`.
pub(super) async fn start_metrics(
    addr: Option<SocketAddr>,
    sampler: Sampler,
    shutdown: &CancellationToken,
) -> Result<Option<MetricsServer>, BusCommandError> {
    let Some(addr) = addr else {
        return Ok(None);
    };
    MetricsServer::start(addr, sampler, shutdown.clone())
        .await
        .map(Some)
        .map_err(|e| BusCommandError::Other(e.to_string()))
}

/// How often the worker pool's and the isolates' counters are logged (when they changed, or
/// while a partition is halted).
const STATS_INTERVAL: Duration = Duration::from_secs(60);

/// Logs the pool's size and recycling, the isolates' work and the halted partitions, as the
/// metrics of `serve` (with `--log-format json`, one machine-readable line per interval).
/// While a partition is halted the line is an error, every interval.
async fn log_stats(executor: Executor, shutdown: CancellationToken) {
    let mut last = None;
    loop {
        tokio::select! {
            () = tokio::time::sleep(STATS_INTERVAL) => {}
            () = shutdown.cancelled() => return,
        }
        let (pool, engine) = (executor.pool_stats(), executor.engine_stats());
        let halted = executor.halted();
        if last == Some((pool, engine)) && halted.is_empty() {
            continue;
        }
        last = Some((pool, engine));
        let halted_text = halted
            .iter()
            .map(|(partition, halt)| format!("partition {partition} at {}", halt.reason()))
            .collect::<Vec<_>>()
            .join("; ");
        macro_rules! stats {
            ($level:ident, $message:literal) => {
                tracing::$level!(
                    workers = pool.workers,
                    idle = pool.idle,
                    jobs = pool.jobs,
                    recycled = pool.recycled,
                    retired = pool.retired,
                    isolates = engine.isolates,
                    calls = engine.calls,
                    script_cache_hits = engine.script_cache_hits,
                    code_cache_consumed = engine.code_cache_consumed,
                    code_cache_rejected = engine.code_cache_rejected,
                    compiled_from_source = engine.compiled_from_source,
                    halted = halted.len(),
                    halted_partitions = %halted_text,
                    $message
                )
            };
        }
        if halted.is_empty() {
            stats!(info, "worker pool and isolates");
        } else {
            stats!(
                error,
                "worker pool and isolates; partitions halted by node faults (restart isovm after fixing the cause)"
            );
        }
    }
}
