//! The messages isovm exchanges with producers and validators.
//!
//! These types are the wire contract: MessagePack with named fields on the bus, JSON for
//! people. Each has a JSON Schema in `schemas/` that says the same thing; a test keeps the
//! two in step. Field order here is the order fields are encoded in, so it is part of the
//! byte-exact determinism of receipts: do not reorder.

use serde::{Deserialize, Serialize};

/// A block's worth of transactions for one partition, published by a block producer.
///
/// Partitions are independent chains: each has its own heights, state and state root, and
/// batches of one partition are applied strictly in height order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    pub partition: u32,
    /// Height of this block in its partition; the first block is height 1.
    pub height: u64,
    /// Block time in milliseconds since the Unix epoch; contracts see it as `block.time`.
    pub timestamp_ms: u64,
    /// Block producer, seen by contracts as `block.witness`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub producer: String,
    pub txs: Vec<Tx>,
}

/// One transaction: a list of actions run in order, atomically, under one gas limit.
///
/// Signed as IOST signs (`docs/transactions.md`): the signers sign the digest of the
/// transaction's signed bytes (`signing::signed_bytes`: every field but `hash` and the
/// signatures), whose base58 is `hash`; the publisher signs the digest of those bytes followed
/// by the signers' signatures. The signature fields are optional, so unsigned batches still
/// decode (and run only where the node accepts unsigned transactions: a development mode).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tx {
    /// Transaction hash, base58 (as IOST displays it): in a signed transaction the base58
    /// SHA3-256 of its signed bytes. A hash committed in the partition never runs again.
    pub hash: String,
    /// Account that signed and pays for the transaction.
    pub publisher: String,
    pub gas_limit: u64,
    /// Transaction time in milliseconds (`tx.time`); defaults to the batch's timestamp.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_ms: Option<u64>,
    /// Block time (ms) from which the transaction no longer runs: in a batch whose
    /// `timestamp_ms` is at or past it, its receipt is `expired`. None: it never expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_ms: Option<u64>,
    pub actions: Vec<Action>,
    /// Who else signs, `account@permission` (IOST's `Signers`): what `requireAuth` may find
    /// proven besides the publisher.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signers: Vec<String>,
    /// The signers' signatures over the hash (IOST's `Signs`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signatures: Vec<Signature>,
    /// The publisher's signature over the hash and the signers' signatures (IOST's
    /// `PublishSigns`; one is enough).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher_signature: Option<Signature>,
}

/// A signature algorithm IOST signs transactions with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    Ed25519,
    Secp256k1,
}

impl Algorithm {
    /// IOST's number for it (`crypto.Algorithm`), what a signature's bytes start with.
    pub fn code(self) -> u8 {
        match self {
            Algorithm::Secp256k1 => 1,
            Algorithm::Ed25519 => 2,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Ed25519 => "ed25519",
            Algorithm::Secp256k1 => "secp256k1",
        }
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Algorithm {
    type Err = String;

    fn from_str(s: &str) -> Result<Algorithm, String> {
        match s {
            "ed25519" => Ok(Algorithm::Ed25519),
            "secp256k1" => Ok(Algorithm::Secp256k1),
            other => Err(format!("unknown algorithm `{other}`: ed25519 or secp256k1")),
        }
    }
}

/// One signature, in IOST's text forms: base58 of the raw bytes. An ed25519 key is 32 bytes
/// and its signature 64; a secp256k1 key 33 (compressed) or 65 and its signature 64 (`r ‖
/// s`, `s` low).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    pub algorithm: Algorithm,
    pub public_key: String,
    pub signature: String,
}

/// A call of one contract method, or of the built-in `system` contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    pub contract: String,
    pub method: String,
    /// Arguments as a JSON array, checked against the contract's ABI before the call.
    pub args: serde_json::Value,
}

/// What happened to a transaction. A closed set: every receipt says one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Every action ran and the transaction's writes were applied.
    Success,
    /// A contract threw (including stack overflow) or its result could not be encoded.
    RuntimeError,
    /// `gas_used` reached `gas_limit`.
    OutOfGas,
    /// The transaction allocated more than its memory budget (memory units, counted the
    /// same on every node). There is no status for the node's own limits (the watchdog, the
    /// heap): when one strikes, nothing is committed (a node fault).
    MemoryLimit,
    /// The call's JSON-encoded result was larger than the result limit.
    ResultTooLarge,
    /// The transaction was refused before running: unknown contract or method, arguments
    /// that do not match the ABI, inputs over the size limits, a gas limit out of range.
    InvalidInput,
    /// A deploy was refused: syntax error, reserved name, bad ABI, `init()` failed.
    InvalidContract,
    /// The transaction's signatures do not prove it: its hash is not its signed bytes' hash,
    /// the publisher's signature is missing, a signature does not verify, or the verified
    /// keys do not meet its publisher's `active` permission or a declared signer's. Nothing
    /// ran, nothing was charged.
    InvalidSignature,
    /// A transaction with this hash is already committed in the partition (or came earlier
    /// in the batch). Nothing ran, nothing was charged.
    Duplicate,
    /// The batch's time is at or past the transaction's `expiration_ms`. Nothing ran,
    /// nothing was charged.
    Expired,
}

impl Status {
    pub fn is_success(self) -> bool {
        self == Status::Success
    }

    /// Whether the transaction was turned away before it ran (its proof, its hash or its
    /// time): then it changed nothing, not even its publisher's fees.
    pub fn is_refused(self) -> bool {
        matches!(
            self,
            Status::InvalidSignature | Status::Duplicate | Status::Expired
        )
    }
}

/// A contract event, emitted with `blockchain.event(data)`; kept only if its tx succeeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub contract: String,
    pub data: String,
}

/// The outcome of one transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    pub tx_hash: String,
    pub status: Status,
    /// Gas charged, whatever the status; the publisher pays it as the fee.
    pub gas_used: u64,
    /// One JSON-encoded return value per action that completed (empty on failure).
    pub returns: Vec<String>,
    /// Empty on success; otherwise why, with the JS stack location for runtime errors.
    pub message: String,
    pub events: Vec<Event>,
    /// What contracts wrote with `blockchain.receipt(content)`, in order (IOST's
    /// `receipts`); kept only if the transaction succeeds.
    #[serde(default)]
    pub receipts: Vec<ContractReceipt>,
}

/// One `blockchain.receipt(content)`, named `contract/method` as IOST names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractReceipt {
    pub func_name: String,
    pub content: String,
}

/// The committed outcome of one batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockResult {
    pub partition: u32,
    pub height: u64,
    /// Hex SHA-256 chaining the previous root with this block's state changes.
    pub state_root: String,
    pub receipts: Vec<Receipt>,
}

/// A read-only call against committed state (the RPC entry's `query`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    pub partition: u32,
    pub contract: String,
    pub method: String,
    pub args: serde_json::Value,
    /// Who asks: what `blockchain.publisher()` and `tx.publisher` say. Empty if not given.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub publisher: String,
}

/// The answer to a [`Query`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryReply {
    pub status: Status,
    pub gas_used: u64,
    /// The JSON-encoded return value; empty unless `status` is success.
    pub result: String,
    pub message: String,
}
