//! What the engine asks of the world outside V8: storage, events, logs.
//!
//! The executor implements [`Host`] over a transaction's write set; the engine never sees
//! keys, stores or batches.

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

/// A contract a nested call (`blockchain.call`) runs: its code and its arguments, checked
/// against its ABI.
#[derive(Debug, Clone)]
pub struct Callee {
    pub code: super::ContractCode,
    /// The arguments, an array.
    pub args: serde_json::Value,
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
}
