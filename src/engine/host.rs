//! What the engine asks of the world outside V8: storage, events, logs.
//!
//! The executor implements [`Host`] over a transaction's write set; the engine never sees
//! keys, stores or batches.

use crate::contract::account;
use crate::contract::auth::{self, Grounds, Proof, Verdict};

/// A storage location of one contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot<'a> {
    /// `storage.put(key, …)`
    Value { contract: &'a str, key: &'a str },
    /// `storage.mapPut(key, field, …)`
    Field {
        contract: &'a str,
        key: &'a str,
        field: &'a str,
    },
}

/// A failure of the host itself (the store), not of the contract: the call is terminated
/// and the whole batch is abandoned, since a node-local fault must never become a receipt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("host failure: {0}")]
pub struct HostError(pub String);

/// A contract a nested call (`blockchain.call`) runs, with its arguments (an array, checked
/// against its ABI).
#[derive(Clone)]
pub enum Callee {
    /// A JavaScript contract: the engine instantiates its code.
    Script {
        code: super::ContractCode,
        args: serde_json::Value,
    },
    /// A contract written in Rust (the native token): the engine calls it with the host the
    /// call runs against.
    Native {
        contract: &'static dyn NativeContract,
        args: serde_json::Value,
    },
}

/// One call of a native contract.
#[derive(Debug, Clone, Copy)]
pub struct NativeCall<'a> {
    pub method: &'a str,
    /// The arguments, an array checked against the contract's ABI.
    pub args: &'a serde_json::Value,
    /// The transaction's publisher, and the contracts that lent their authority to this call
    /// (see [`crate::contract::auth::authorized`]).
    pub publisher: &'a str,
    pub lent: &'a [String],
    /// Who called: the publisher for a transaction's action, the calling contract for a
    /// nested call (IOST's `contextInfo().caller`).
    pub caller: &'a str,
    /// Gas the transaction has left: a search that would spend more stops there (the caller
    /// then runs out of gas charging it).
    pub gas_left: u64,
    /// A read-only query: methods that write refuse.
    pub read_only: bool,
}

/// What a native contract's call did: the gas it charges, and its result (the returns, a
/// JSON array, as IOST's natives return them) or why it failed.
#[derive(Debug, Clone, PartialEq)]
pub struct NativeOutcome {
    pub gas: u64,
    pub result: Result<serde_json::Value, String>,
}

/// A contract written in Rust, working through the [`Host`] like any call: its reads, writes
/// and receipts go where the call's go (a trial host's copy, under `--verify-isolation`).
pub trait NativeContract: Sync {
    fn call(&self, host: &mut dyn Host, call: &NativeCall<'_>) -> Result<NativeOutcome, HostError>;
}

/// The world as one contract call sees it.
pub trait Host {
    fn get(&mut self, slot: &Slot<'_>) -> Result<Option<String>, HostError>;
    fn put(&mut self, slot: &Slot<'_>, value: String) -> Result<(), HostError>;
    fn delete(&mut self, slot: &Slot<'_>) -> Result<(), HostError>;
    /// The fields of map `key` of `contract`, in the order they were first put (IOST's order;
    /// a field deleted and put again counts as new).
    fn map_fields(&mut self, contract: &str, key: &str) -> Result<Vec<String>, HostError>;
    fn event(&mut self, contract: &str, data: String) -> Result<(), HostError>;
    /// A `console` line; `level` is 1 debug, 2 info, 3 warn, 4 error.
    fn log(&mut self, contract: &str, level: i32, line: &str);
    /// What `blockchain.txInfo()` returns: the transaction as JSON text. Asked for only when
    /// a contract calls it, as are the next two.
    fn tx_info(&mut self) -> Result<String, HostError>;
    /// What `blockchain.blockInfo()` returns: the block as JSON text.
    fn block_info(&mut self) -> Result<String, HostError>;
    /// The account that deployed `contract` (`blockchain.contractOwner()`).
    fn contract_owner(&mut self, contract: &str) -> Result<String, HostError>;
    /// The contract a nested call runs (`blockchain.call(contract, api, args)`, `args` the
    /// JSON text of the arguments): `Ok(Err(why))`, IOST's words, when there is no such
    /// contract or method or the arguments do not fit the ABI.
    fn callee(
        &mut self,
        contract: &str,
        api: &str,
        args: &str,
    ) -> Result<Result<Callee, String>, HostError>;
    /// `blockchain.receipt(content)` of method `api` of `contract`: kept in the transaction's
    /// receipt, like an event.
    fn receipt(&mut self, contract: &str, api: &str, content: String) -> Result<(), HostError>;
    /// What the transaction's signatures prove (judged before it ran): what [`authorized`]
    /// weighs accounts against.
    fn proof(&self) -> &Proof;
    /// Whether a contract (a deployed one, or a built-in) has the id `id`: an account may
    /// not take a contract's id.
    fn contract_exists(&mut self, id: &str) -> Result<bool, HostError>;
}

/// Whether `id` has given `permission` to a call of the transaction `host` runs
/// ([`crate::contract::auth::authorized`]): over the host's proof, the contracts that lent
/// their authority (`lent`), and the accounts of `auth.iost`, read through `host` (so a trial
/// host sees its own writes). Stops once its gas passes `budget`.
pub fn authorized(
    host: &mut dyn Host,
    publisher: &str,
    lent: &[String],
    id: &str,
    permission: &str,
    budget: u64,
) -> Result<Verdict, HostError> {
    let proof = host.proof().clone();
    let grounds = Grounds {
        proof: &proof,
        publisher,
        lent,
    };
    auth::authorized(&mut account_reader(host), grounds, id, permission, budget)
}

/// Reads accounts' stored text through `host`.
pub fn account_reader(
    host: &mut dyn Host,
) -> impl FnMut(&str) -> Result<Option<String>, HostError> + '_ {
    move |id| {
        host.get(&Slot::Field {
            contract: account::AUTH,
            key: account::ACCOUNTS,
            field: id,
        })
    }
}
