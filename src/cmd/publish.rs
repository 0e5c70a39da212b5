//! `isovm publish`: send batch files to the broker, as a block producer does.

use std::io::Write;
use std::path::PathBuf;

use serde::Serialize;

use super::BusCommandError;
use super::exec::read_batch;
use crate::bus::{BusConfig, Client};
use crate::schema;

/// One line of output per batch the broker confirmed.
#[derive(Serialize)]
struct PublishedLine<'a> {
    file: &'a str,
    partition: u32,
    height: u64,
    txs: usize,
}

/// Reads every file first (a bad file sends nothing), then publishes them in order, each
/// confirmed by the broker before the next. With `declare`, declares the whole topology
/// first (with `config`'s settings, which must match the server's).
pub async fn run(
    files: &[PathBuf],
    config: &BusConfig,
    declare: bool,
    out: &mut dyn Write,
) -> Result<(), BusCommandError> {
    if files.is_empty() {
        return Err(BusCommandError::Other("no batch files given".into()));
    }
    let batches = files
        .iter()
        .map(|path| {
            read_batch(path)
                .map(|batch| (path, batch))
                .map_err(|e| BusCommandError::Other(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let client = Client::connect(config).await?;
    if declare {
        client.declare_topology().await?;
    }
    for (path, batch) in &batches {
        client
            .publish_batch(batch)
            .await
            .map_err(|e| BusCommandError::File {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
        let line = schema::to_json(&PublishedLine {
            file: &path.display().to_string(),
            partition: batch.partition,
            height: batch.height,
            txs: batch.txs.len(),
        });
        writeln!(out, "{line}").map_err(|e| BusCommandError::Other(e.to_string()))?;
    }
    client.close().await;
    Ok(())
}
