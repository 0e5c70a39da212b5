//! The tracing spans of execution, so that every event logged while a batch or a
//! transaction runs (a contract's `console.log`, a node fault, a retry) names them, in the
//! human and the JSON log formats alike.
//!
//! - `batch` (target `isovm::batch`, level info): partition, height, txs. Entered by
//!   whoever drives the batch (a lane of `serve` or `verify`, `isovm exec`); the batch's job
//!   carries it onto the worker thread (`pool.rs`). One per batch: on by default.
//! - `tx` (target `isovm::tx`, level debug): partition, height, index, tx (hash), contract
//!   and method (of the first action), made on the worker around each transaction. One per
//!   transaction, tens of thousands a second: off under the default filter, where a
//!   disabled span costs a cached check; on with `--log warn,isovm=info,isovm::tx=debug`.

use tracing::Span;

use crate::schema::Tx;

/// The span of the batch at `partition`, `height`, of `txs` transactions.
pub fn batch_span(partition: u32, height: u64, txs: usize) -> Span {
    tracing::info_span!(
        target: "isovm::batch",
        "batch",
        partition,
        height,
        txs
    )
}

/// The span of transaction `index` of the batch at `partition`, `height`.
pub(super) fn tx_span(partition: u32, height: u64, index: usize, tx: &Tx) -> Span {
    tracing::debug_span!(
        target: "isovm::tx",
        "tx",
        partition,
        height,
        index,
        tx = %tx.hash,
        contract = tx.actions.first().map_or("", |a| a.contract.as_str()),
        method = tx.actions.first().map_or("", |a| a.method.as_str()),
    )
}
