//! Messages only the bus carries: contract events as validators receive them, the
//! request/reply pairs of the RPC entry (queries, transaction validation, heads), and the
//! divergences `isovm verify` reports.
//!
//! Same rules as `wire.rs`: MessagePack with named fields on the bus, JSON for people, a
//! JSON Schema per message in `schemas/`, field order is encoding order.

use serde::{Deserialize, Serialize};

use super::wire::{Query, QueryReply, Tx};

/// The events one contract emitted in a committed block, published together (one message per
/// block and contract, not one per event: a confirmed message per event bounds a busy block by
/// the broker's round trips), so a validator can still subscribe to one contract.
/// `(partition, height, contract)` identifies it: results are delivered at least once, so
/// validators deduplicate by that key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractEvents {
    pub partition: u32,
    pub height: u64,
    pub contract: String,
    /// In block order.
    pub events: Vec<BlockEvent>,
}

/// One event of a [`ContractEvents`] message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockEvent {
    /// The transaction that emitted the event.
    pub tx_hash: String,
    /// Position of the event among all events of its block (of every contract), from 0.
    pub index: u32,
    pub data: String,
}

/// A request to the RPC entry (`isovm.rpc`): exactly one of its variants, encoded as a map
/// with one key, e.g. `{"query": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RpcRequest {
    /// Call a contract method read-only against committed state.
    Query(Query),
    /// Check whether a transaction could run.
    Validate(ValidateRequest),
    /// The last committed height and state root of a partition.
    Head(HeadRequest),
}

/// The transaction to check and the partition it is meant for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidateRequest {
    pub partition: u32,
    pub tx: Tx,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeadRequest {
    pub partition: u32,
}

/// The answer to an [`RpcRequest`]: the variant of the same name, or `error`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RpcReply {
    Query(QueryReply),
    Validate(ValidateReply),
    Head(HeadReply),
    /// The request could not be answered; see [`RpcErrorKind`].
    Error(RpcError),
}

/// Whether a transaction could run; `reason` says why not (empty when `ok`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidateReply {
    pub ok: bool,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeadReply {
    pub partition: u32,
    /// 0 when nothing is committed yet.
    pub height: u64,
    /// Hex; all zeroes when nothing is committed yet.
    pub state_root: String,
    /// Version of the consensus parameters the node runs (`isovm params`): two nodes agree
    /// on receipts only if they run the same.
    pub params_version: u32,
    /// Present when the partition is halted: a batch met a node fault on every attempt,
    /// and no batch of the partition runs until the node restarts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub halted: Option<Halted>,
}

/// Why a partition is halted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Halted {
    /// The height of the batch that faulted: the partition's next height.
    pub height: u64,
    /// The transaction during which the safety net struck.
    pub tx_hash: String,
    pub safety_net: SafetyNet,
    /// Attempts made, each on a fresh isolate.
    pub attempts: u32,
    /// The same, in words.
    pub reason: String,
}

/// A node-local safety net: when one strikes, it is a node fault, never a receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SafetyNet {
    /// The wall-clock watchdog of a call.
    Watchdog,
    /// The V8 heap limit of an isolate.
    Heap,
    /// `--verify-isolation`: a call gave a different outcome in the warm context than in a
    /// fresh one.
    Isolation,
}

/// Why a request got no answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RpcError {
    pub kind: RpcErrorKind,
    pub message: String,
}

/// What the caller should do about an [`RpcError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RpcErrorKind {
    /// The request is not a valid request: fix it, do not retry it.
    BadRequest,
    /// The node is overloaded: retry later.
    Busy,
    /// The node cannot answer now (storage, engine trouble): retry later or elsewhere.
    Unavailable,
}

/// One difference between a block result `isovm verify` computed and the one published for
/// the same block: published on the results exchange with routing key `divergence` (one
/// message per differing field), and logged as an error. Delivered at least once: a result
/// compared again after a restart of the verifier may report it again, so readers
/// deduplicate by `(partition, height, tx_index, field)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Divergence {
    pub partition: u32,
    pub height: u64,
    /// Position of the transaction in the block, from 0; absent for a field of the block
    /// itself (`state_root`, `receipt_count`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_index: Option<u32>,
    /// The hash of that transaction in the verifier's result (the published one's where the
    /// verifier has no receipt at that position).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_hash: Option<String>,
    /// What differs: `state_root` or `receipt_count` for the block, otherwise the path of
    /// the field in the receipt as JSON, e.g. `gas_used`, `status`, `events[0].data`.
    pub field: String,
    /// The verifier's value, as JSON (`null` where it has none).
    pub ours: serde_json::Value,
    /// The published value, as JSON (`null` where it has none).
    pub theirs: serde_json::Value,
    /// The published result was a republication (header `x-isovm-replayed`).
    pub replayed: bool,
}
