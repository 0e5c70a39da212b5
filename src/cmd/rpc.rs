//! `isovm rpc`: send one request to the RPC entry and print the reply, as a wallet or
//! explorer backend would (queries, transaction validation, heads).

use std::io::Write;
use std::time::Duration;

use super::BusCommandError;
use crate::bus::{BusConfig, Client};
use crate::schema::{self, Format, RpcReply, RpcRequest};

/// Sends `request` (JSON, e.g. `{"head":{"partition":0}}`) and writes the reply as one line
/// of JSON. Returns the reply too, so the caller can set the exit status.
pub async fn run(
    request: &str,
    config: &BusConfig,
    timeout: Duration,
    out: &mut dyn Write,
) -> Result<RpcReply, BusCommandError> {
    let request: RpcRequest = schema::decode(request.as_bytes(), Format::Json)
        .map_err(|e| BusCommandError::Other(format!("bad request: {e}")))?;
    let client = Client::connect(config).await?;
    let reply = client.call(&request, timeout).await?;
    client.close().await;
    writeln!(out, "{}", schema::to_json(&reply))
        .map_err(|e| BusCommandError::Other(e.to_string()))?;
    Ok(reply)
}
