//! `isovm exec`: run batch files against a local database and print what happened.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use tracing::Instrument;

use super::VmOptions;
use crate::exec::{Committing, ExecError, Executed, Executor};
use crate::schema::{self, Batch, Format};
use crate::store::RocksStore;

/// Largest batch file accepted.
pub const MAX_BATCH_BYTES: usize = 16 * 1024 * 1024;

/// Why `isovm exec` stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExecCommandError {
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    /// A batch met a node fault on every attempt (see [`ExecError::Halted`]).
    #[error(
        "{path}: {error}. The batches given before this file are committed; run the command \
         again to go on from this one"
    )]
    Halted { path: PathBuf, error: ExecError },
    #[error("{0}")]
    Other(String),
}

fn file_error(path: &Path, message: impl ToString) -> ExecCommandError {
    ExecCommandError::File {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

/// Reads and checks a batch file: JSON (`.json`), MessagePack (`.msgpack`, `.mp`), or
/// either by its first byte.
pub fn read_batch(path: &Path) -> Result<Batch, ExecCommandError> {
    let bytes = std::fs::read(path).map_err(|e| file_error(path, e))?;
    let format = match path.extension().and_then(|e| e.to_str()) {
        Some("json") => Format::Json,
        Some("msgpack" | "mp") => Format::MsgPack,
        _ => Format::sniff(&bytes),
    };
    schema::decode_batch(&bytes, format, MAX_BATCH_BYTES).map_err(|e| file_error(path, e))
}

/// One line of output after a batch's receipts.
#[derive(Serialize)]
struct BlockLine<'a> {
    partition: u32,
    height: u64,
    state_root: &'a str,
    receipts: usize,
    /// The height was already committed: these are the stored receipts.
    replayed: bool,
}

/// Executes `files` in order against the database in `options.db`, writing one JSON line
/// per receipt and one per block to `out`. Every file is read and checked, and every height
/// checked against the database, before anything runs: a bad file changes nothing.
pub async fn run(
    files: &[PathBuf],
    options: &VmOptions,
    out: &mut dyn Write,
) -> Result<(), ExecCommandError> {
    if files.is_empty() {
        return Err(ExecCommandError::Other("no batch files given".into()));
    }
    let exec_options = options.exec_options().map_err(ExecCommandError::Other)?;
    let batches = files
        .iter()
        .map(|path| read_batch(path).map(|batch| (path, batch)))
        .collect::<Result<Vec<_>, _>>()?;

    let store =
        RocksStore::open(&options.db).map_err(|e| ExecCommandError::Other(e.to_string()))?;
    let executor = Executor::new(Arc::new(store), exec_options)
        .map_err(|e| ExecCommandError::Other(e.to_string()))?;

    let mut next: HashMap<u32, u64> = HashMap::new();
    for (path, batch) in &batches {
        let expected = match next.get(&batch.partition) {
            Some(&h) => h,
            None => {
                executor
                    .head(batch.partition)
                    .map_err(|e| ExecCommandError::Other(e.to_string()))?
                    .0
                    + 1
            }
        };
        if batch.height > expected {
            return Err(file_error(
                path,
                format!(
                    "height {} of partition {} is ahead: the next height is {expected}",
                    batch.height, batch.partition
                ),
            ));
        }
        next.insert(batch.partition, expected.max(batch.height + 1));
    }

    // Each batch runs while the one before it is committed (`Executor::begin`); its lines
    // are printed once it is durable, in order.
    let failed = |path: &PathBuf, e: ExecError| match e {
        halted @ ExecError::Halted { .. } => ExecCommandError::Halted {
            path: path.clone(),
            error: halted,
        },
        other => file_error(path, other),
    };
    // And the signatures of the batch after it are checked while it runs.
    let mut in_flight: Option<(PathBuf, Committing)> = None;
    let mut batches = batches.into_iter();
    let check = |(path, batch)| (path, executor.check_ahead(batch));
    let mut ahead = batches.next().map(check);
    while let Some((path, checking)) = ahead.take() {
        let checked = checking.checked().await.map_err(|e| failed(path, e))?;
        ahead = batches.next().map(check);
        let b = checked.batch();
        let span = crate::exec::batch_span(b.partition, b.height, b.txs.len());
        let begun = executor.begin_checked(checked).instrument(span).await;
        if let Some((before, committing)) = in_flight.take() {
            let executed = committing.finish().await.map_err(|e| failed(&before, e))?;
            print_block(out, &executed)?;
        }
        in_flight = Some((path.clone(), begun.map_err(|e| failed(path, e))?));
    }
    if let Some((path, committing)) = in_flight {
        let executed = committing.finish().await.map_err(|e| failed(&path, e))?;
        print_block(out, &executed)?;
    }
    Ok(())
}

/// A committed block's lines: one per receipt, then the block's.
fn print_block(out: &mut dyn Write, executed: &Executed) -> Result<(), ExecCommandError> {
    {
        let result = &executed.result;
        let write = |out: &mut dyn Write, line: String| {
            writeln!(out, "{line}").map_err(|e| ExecCommandError::Other(e.to_string()))
        };
        for receipt in &result.receipts {
            write(out, schema::to_json(receipt))?;
        }
        write(
            out,
            schema::to_json(&BlockLine {
                partition: result.partition,
                height: result.height,
                state_root: &result.state_root,
                receipts: result.receipts.len(),
                replayed: executed.replayed,
            }),
        )?;
    }
    Ok(())
}
