//! `isovm serve`: open the database and the executor, then consume batches from RabbitMQ
//! until told to stop.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tracing::info;

use super::{BusCommandError, VmOptions};
use crate::bus::{self, BusConfig, redact_url};
use crate::exec::Executor;
use crate::store::RocksStore;

/// Serves until `shutdown` is cancelled (then finishes the batches in hand and returns
/// `Ok`), or until the bus meets an error that retrying cannot fix.
pub async fn run(
    vm: &VmOptions,
    config: BusConfig,
    shutdown: CancellationToken,
) -> Result<(), BusCommandError> {
    let store = RocksStore::open(&vm.db).map_err(|e| BusCommandError::File {
        path: vm.db.clone(),
        message: e.to_string(),
    })?;
    let executor = Executor::new(Arc::new(store), vm.exec_options())
        .map_err(|e| BusCommandError::Other(format!("cannot start the executor: {e}")))?;
    info!(
        db = %vm.db.display(),
        url = %redact_url(&config.amqp_url),
        prefix = %config.prefix,
        "isovm serve starting"
    );
    bus::serve(executor, config, shutdown).await?;
    Ok(())
}
