//! `isovm checkpoint`: a consistent copy of a database (RocksDB's checkpoint: hard links to
//! its files where it can), a database of its own that `exec` and `serve` continue from.
//!
//! RocksDB makes a checkpoint only through the instance that writes the database (a
//! read-only or secondary instance cannot hold off the deletion of the files it copies), so a
//! database held by a running `serve` or `verify` is checkpointed by that process, asked on
//! its metrics endpoint (`POST /checkpoint`, from loopback only: `ops/server.rs`).

use std::io::Write;
use std::path::{Path, PathBuf};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::exec::history::{self, HistoryError};
pub use crate::ops::{CheckpointReport, CheckpointRequest, PartitionHead};
use crate::store::RocksStore;

/// Why no checkpoint was made.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("{path}: {message}")]
    Db { path: PathBuf, message: String },
    #[error("{0}")]
    Other(String),
}

/// Checkpoints the database `db` (which no other process may hold) into `dir`.
pub fn local(db: &Path, dir: &Path) -> Result<CheckpointReport, CheckpointError> {
    let fail = |path: &Path, message: String| CheckpointError::Db {
        path: path.to_path_buf(),
        message,
    };
    if !db.join("CURRENT").is_file() {
        return Err(fail(db, "there is no database there".into()));
    }
    if dir.symlink_metadata().is_ok() {
        return Err(fail(
            dir,
            "already exists: a checkpoint goes into a new directory".into(),
        ));
    }
    let store = RocksStore::open(db).map_err(|e| {
        let text = e.to_string();
        if text.contains("lock") {
            fail(
                db,
                format!(
                    "{text}. Another process holds the database (a running `isovm serve` or \
                     `verify`?); only it can checkpoint it: give its metrics endpoint, \
                     `isovm checkpoint --endpoint HOST:PORT {}`",
                    dir.display()
                ),
            )
        } else {
            fail(db, text)
        }
    })?;
    let heads = history::checkpoint(&store, dir).map_err(|e| match e {
        HistoryError::Exists(_) => fail(dir, e.to_string()),
        other => fail(db, other.to_string()),
    })?;
    Ok(CheckpointReport::new(dir, heads))
}

/// Asks the `serve` or `verify` whose metrics endpoint is `endpoint` to checkpoint its
/// database into `dir` (a path on its machine; made absolute here).
pub async fn remote(endpoint: &str, dir: &Path) -> Result<CheckpointReport, CheckpointError> {
    let dir = std::path::absolute(dir)
        .map_err(|e| CheckpointError::Other(format!("{}: {e}", dir.display())))?;
    let body = serde_json::to_string(&CheckpointRequest { dir: dir.clone() })
        .map_err(|e| CheckpointError::Other(e.to_string()))?;
    let fail = |message: String| CheckpointError::Other(format!("{endpoint}: {message}"));
    let mut stream = tokio::net::TcpStream::connect(endpoint)
        .await
        .map_err(|e| fail(format!("cannot connect: {e}")))?;
    let request = format!(
        "POST /checkpoint HTTP/1.1\r\nHost: {endpoint}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| fail(format!("sending the request: {e}")))?;
    let mut reply = Vec::new();
    stream
        .read_to_end(&mut reply)
        .await
        .map_err(|e| fail(format!("reading the reply: {e}")))?;
    let reply = String::from_utf8_lossy(&reply);
    let (head, text) = reply.split_once("\r\n\r\n").unwrap_or((&reply, ""));
    let status = head.split(' ').nth(1).unwrap_or("");
    if status != "200" {
        return Err(fail(format!(
            "HTTP {status}: {}",
            if text.trim().is_empty() {
                head.lines().next().unwrap_or("")
            } else {
                text.trim()
            }
        )));
    }
    serde_json::from_str(text).map_err(|e| fail(format!("not a checkpoint report ({e}): {text}")))
}

/// Prints the report as one JSON line.
pub fn print(report: &CheckpointReport, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "{}", crate::schema::to_json(report))
}
