//! The engine's [`Host`] for one transaction: storage through its write set, its events.

use crate::engine::{Host, HostError, Slot};
use crate::schema::Event;
use crate::state::{BlockDiff, Layers, WriteSet, keys};
use crate::store::ReadView;

/// A transaction's view of the world. Reads go write set → block diff → store; writes and
/// events stay here until the executor applies or drops them.
pub(super) struct TxHost<'a> {
    pub partition: u32,
    pub base: &'a dyn ReadView,
    pub block: &'a BlockDiff,
    pub writes: WriteSet,
    pub events: Vec<Event>,
    /// The transaction (for log lines and `blockchain.txInfo()`).
    pub tx: &'a crate::schema::Tx,
    /// Its block's time, and what `blockchain.blockInfo()` returns.
    pub timestamp_ms: u64,
    pub block_info: &'a str,
}

impl<'a> TxHost<'a> {
    /// `tx`'s view in the block `ctx`, after the block's writes so far, `block`.
    pub fn new(
        ctx: &'a super::tx::BlockCtx<'a>,
        block: &'a BlockDiff,
        tx: &'a crate::schema::Tx,
    ) -> TxHost<'a> {
        TxHost {
            partition: ctx.partition,
            base: ctx.base,
            block,
            writes: WriteSet::default(),
            events: Vec::new(),
            tx,
            timestamp_ms: ctx.timestamp_ms,
            block_info: &ctx.block_info,
        }
    }

    pub fn layers(&self) -> Layers<'_> {
        Layers {
            base: self.base,
            block: self.block,
            tx: &self.writes,
        }
    }

    /// Reads a raw state key through all layers.
    pub fn read(&self, key: &[u8]) -> Result<Option<Vec<u8>>, HostError> {
        self.layers().get(key).map_err(|e| HostError(e.to_string()))
    }

    fn key(&self, slot: &Slot<'_>) -> Vec<u8> {
        match *slot {
            Slot::Value { contract, key } => keys::value_key(self.partition, contract, key),
            Slot::Field {
                contract,
                key,
                field,
            } => keys::map_field_key(self.partition, contract, key, field),
        }
    }
}

fn utf8(bytes: Vec<u8>) -> Result<String, HostError> {
    String::from_utf8(bytes)
        .map_err(|_| HostError("stored value is not UTF-8: the store is corrupt".into()))
}

impl Host for TxHost<'_> {
    fn get(&mut self, slot: &Slot<'_>) -> Result<Option<String>, HostError> {
        self.read(&self.key(slot))?.map(utf8).transpose()
    }

    fn put(&mut self, slot: &Slot<'_>, value: String) -> Result<(), HostError> {
        let key = self.key(slot);
        self.writes.put(key, value.into_bytes());
        Ok(())
    }

    fn delete(&mut self, slot: &Slot<'_>) -> Result<(), HostError> {
        let key = self.key(slot);
        self.writes.delete(key);
        Ok(())
    }

    fn map_fields(&mut self, contract: &str, key: &str) -> Result<Vec<String>, HostError> {
        let prefix = keys::map_prefix(self.partition, contract, key);
        let entries = self
            .layers()
            .scan_prefix(&prefix)
            .map_err(|e| HostError(e.to_string()))?;
        entries
            .into_iter()
            .map(|(k, _)| utf8(k[prefix.len()..].to_vec()))
            .collect()
    }

    fn event(&mut self, contract: &str, data: String) -> Result<(), HostError> {
        self.events.push(Event {
            contract: contract.to_string(),
            data,
        });
        Ok(())
    }

    fn log(&mut self, contract: &str, level: i32, line: &str) {
        let tx = self.tx.hash.as_str();
        match level {
            ..=1 => tracing::debug!(target: "isovm::contract", contract, tx, "{line}"),
            2 => tracing::info!(target: "isovm::contract", contract, tx, "{line}"),
            3 => tracing::warn!(target: "isovm::contract", contract, tx, "{line}"),
            _ => tracing::error!(target: "isovm::contract", contract, tx, "{line}"),
        }
    }

    fn tx_info(&mut self) -> Result<String, HostError> {
        Ok(super::tx::tx_info(self.tx, self.timestamp_ms))
    }

    fn block_info(&mut self) -> Result<String, HostError> {
        Ok(self.block_info.to_string())
    }

    fn contract_owner(&mut self, contract: &str) -> Result<String, HostError> {
        match super::tx::load_contract(self, contract)? {
            Some(record) => Ok(record.owner),
            None => Err(HostError(format!(
                "contract `{contract}` is running but has no record: the state is corrupt"
            ))),
        }
    }
}
