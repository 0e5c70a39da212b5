//! `POST /checkpoint` on the metrics endpoint: the running `serve` or `verify` checkpoints
//! the database it holds (RocksDB makes checkpoints only through the instance that writes;
//! `isovm checkpoint --endpoint` is the client). Answered to loopback peers only, since it
//! writes where it is told on this machine; the directory must be absolute and new.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::exec::{ExecError, Executor, Head};

/// One partition of a checkpoint: the head it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionHead {
    pub partition: u32,
    pub height: u64,
    pub state_root: String,
}

/// What a checkpoint holds, read back from it: the line `isovm checkpoint` prints and the
/// reply of `POST /checkpoint`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointReport {
    pub checkpoint: PathBuf,
    pub partitions: Vec<PartitionHead>,
}

impl CheckpointReport {
    pub fn new(dir: &Path, heads: Vec<(u32, Head)>) -> CheckpointReport {
        CheckpointReport {
            checkpoint: dir.to_path_buf(),
            partitions: heads
                .into_iter()
                .map(|(partition, head)| PartitionHead {
                    partition,
                    height: head.height,
                    state_root: head.root().to_hex(),
                })
                .collect(),
        }
    }
}

/// The body of `POST /checkpoint`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointRequest {
    /// Absolute path on the serving process's machine; must not exist.
    pub dir: PathBuf,
}

/// Answers one `POST /checkpoint` from `peer` with body `body`.
pub(super) async fn answer(executor: &Executor, peer: SocketAddr, body: &[u8]) -> Response {
    let refuse = |status: StatusCode, message: String| (status, format!("{message}\n"));
    if !peer.ip().is_loopback() {
        return refuse(
            StatusCode::FORBIDDEN,
            format!("checkpoints are made on request from this machine only, not from {peer}"),
        )
        .into_response();
    }
    let request: CheckpointRequest = match serde_json::from_slice(body) {
        Ok(request) => request,
        Err(e) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                format!("the body must be {{\"dir\": ABSOLUTE_PATH}}: {e}"),
            )
            .into_response();
        }
    };
    if !request.dir.is_absolute() {
        return refuse(
            StatusCode::BAD_REQUEST,
            format!(
                "{}: the directory must be an absolute path",
                request.dir.display()
            ),
        )
        .into_response();
    }
    match executor.checkpoint(request.dir.clone()).await {
        Ok(heads) => {
            let report = CheckpointReport::new(&request.dir, heads);
            tracing::info!(dir = %request.dir.display(), partitions = report.partitions.len(), "checkpoint made");
            (StatusCode::OK, crate::schema::to_json(&report)).into_response()
        }
        Err(e @ ExecError::Config(_)) => {
            refuse(StatusCode::CONFLICT, e.to_string()).into_response()
        }
        Err(e) => {
            tracing::error!(dir = %request.dir.display(), error = %e, "checkpoint failed");
            refuse(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()
        }
    }
}
