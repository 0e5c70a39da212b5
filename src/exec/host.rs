//! The engine's [`Host`] for one transaction: storage through its write set, its events and
//! receipts, and the contracts its nested calls run.

use std::collections::HashMap;
use std::sync::Arc;

use super::tx::{BlockCtx, Loaded};
use crate::contract::auth::Proof;
use crate::engine::{Callee, Host, HostError, Slot};
use crate::schema::{ContractReceipt, Event};
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
    pub receipts: Vec<ContractReceipt>,
    /// The contracts nested calls ran, by id (to map their error locations to their source).
    pub callees: HashMap<String, Arc<Loaded>>,
    /// What this transaction read below its own writes (the block's diff and the store do
    /// not change while it runs): a field is read again when it is put, to keep its number.
    reads: std::cell::RefCell<HashMap<Vec<u8>, Option<Vec<u8>>>>,
    ctx: &'a BlockCtx<'a>,
    /// The transaction (for log lines and `blockchain.txInfo()`).
    pub tx: &'a crate::schema::Tx,
    /// Its block's time, and what `blockchain.blockInfo()` returns.
    pub timestamp_ms: u64,
    pub block_info: &'a str,
    /// What its signatures prove.
    pub proof: &'a Proof,
}

impl<'a> TxHost<'a> {
    /// `tx`'s view in the block `ctx`, after the block's writes so far, `block`.
    pub fn new(
        ctx: &'a BlockCtx<'a>,
        block: &'a BlockDiff,
        tx: &'a crate::schema::Tx,
        proof: &'a Proof,
    ) -> TxHost<'a> {
        TxHost {
            partition: ctx.partition,
            base: ctx.base,
            block,
            writes: WriteSet::default(),
            events: Vec::new(),
            receipts: Vec::new(),
            callees: HashMap::new(),
            reads: Default::default(),
            ctx,
            tx,
            timestamp_ms: ctx.timestamp_ms,
            block_info: &ctx.block_info,
            proof,
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
        if self.writes.contains(key) {
            return self.layers().get(key).map_err(|e| HostError(e.to_string()));
        }
        if let Some(value) = self.reads.borrow().get(key) {
            return Ok(value.clone());
        }
        let value = self
            .layers()
            .get(key)
            .map_err(|e| HostError(e.to_string()))?;
        self.reads.borrow_mut().insert(key.to_vec(), value.clone());
        Ok(value)
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

/// The arguments (JSON text) of a nested call of `api`, parsed and checked against `abi`; or
/// why not, in IOST's words where it has them.
fn nested_args(
    abi: &crate::contract::Abi,
    api: &str,
    args: &str,
) -> Result<serde_json::Value, String> {
    let Some(method) = abi.method(api) else {
        return Err(format!("abi {api} not found"));
    };
    let args: serde_json::Value =
        serde_json::from_str(args).map_err(|e| format!("the arguments are not JSON: {e}"))?;
    method.check_args(&args)?;
    Ok(args)
}

/// A read of a raw state key.
pub(super) type RawRead<'a> = dyn Fn(&[u8]) -> Result<Option<Vec<u8>>, HostError> + 'a;

/// A map's counter key and its new value.
pub(super) type SeqWrite = (Vec<u8>, Vec<u8>);

/// The insertion number a put of the field stored at `field_key` (of map `map` of
/// `contract`) gives it: its own while it exists, else the map's next, with the map's
/// counter to write.
pub(super) fn field_seq(
    read: &RawRead<'_>,
    partition: u32,
    contract: &str,
    map: &str,
    field_key: &[u8],
) -> Result<(u64, Option<SeqWrite>), HostError> {
    if let Some(old) = read(field_key)? {
        return Ok((seq_of(&old)?, None));
    }
    let seq_key = keys::map_seq_key(partition, contract, map);
    let next = match read(&seq_key)? {
        Some(bytes) => seq_of(&bytes)?,
        None => 0,
    };
    Ok((next, Some((seq_key, (next + 1).to_be_bytes().to_vec()))))
}

/// A map field as stored: its insertion number, then its value.
pub(super) fn field_bytes(seq: u64, value: &[u8]) -> Vec<u8> {
    let mut stored = seq.to_be_bytes().to_vec();
    stored.extend_from_slice(value);
    stored
}

/// A stored map field: its insertion number, then its value.
pub(super) fn field_value(mut stored: Vec<u8>) -> Result<(u64, String), HostError> {
    let seq = seq_of(&stored)?;
    let value = utf8(stored.split_off(8))?;
    Ok((seq, value))
}

/// The fields of a map from the entries under its [`keys::map_prefix`] (of `prefix_len`
/// bytes), in insertion order (IOST's): by each field's number.
pub(super) fn in_insertion_order(
    prefix_len: usize,
    entries: impl IntoIterator<Item = (Vec<u8>, Vec<u8>)>,
) -> Result<Vec<String>, HostError> {
    let mut fields = entries
        .into_iter()
        .map(|(k, v)| Ok((seq_of(&v)?, utf8(k[prefix_len..].to_vec())?)))
        .collect::<Result<Vec<(u64, String)>, HostError>>()?;
    fields.sort_unstable();
    Ok(fields.into_iter().map(|(_, field)| field).collect())
}

/// The insertion number at the start of `bytes`.
fn seq_of(bytes: &[u8]) -> Result<u64, HostError> {
    bytes
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_be_bytes)
        .ok_or_else(|| {
            HostError("a stored map field has no insertion number: the store is corrupt".into())
        })
}

/// A stored value (`storage.put`), as the contract reads it.
pub(super) fn utf8(bytes: Vec<u8>) -> Result<String, HostError> {
    String::from_utf8(bytes)
        .map_err(|_| HostError("stored value is not UTF-8: the store is corrupt".into()))
}

impl Host for TxHost<'_> {
    fn get(&mut self, slot: &Slot<'_>) -> Result<Option<String>, HostError> {
        let stored = self.read(&self.key(slot))?;
        match slot {
            Slot::Value { .. } => stored.map(utf8).transpose(),
            Slot::Field { .. } => stored.map(|v| field_value(v).map(|(_, v)| v)).transpose(),
        }
    }

    fn put(&mut self, slot: &Slot<'_>, value: String) -> Result<(), HostError> {
        let key = self.key(slot);
        let stored = match *slot {
            Slot::Value { .. } => value.into_bytes(),
            Slot::Field {
                contract, key: map, ..
            } => {
                let (seq, counter) =
                    field_seq(&|k| self.read(k), self.partition, contract, map, &key)?;
                if let Some((seq_key, next)) = counter {
                    self.writes.put(seq_key, next);
                }
                field_bytes(seq, value.as_bytes())
            }
        };
        self.writes.put(key, stored);
        Ok(())
    }

    fn delete(&mut self, slot: &Slot<'_>) -> Result<(), HostError> {
        let key = self.key(slot);
        self.writes.delete(key);
        Ok(())
    }

    /// In insertion order (IOST's): by each field's number.
    fn map_fields(&mut self, contract: &str, key: &str) -> Result<Vec<String>, HostError> {
        let prefix = keys::map_prefix(self.partition, contract, key);
        let entries = self
            .layers()
            .scan_prefix(&prefix)
            .map_err(|e| HostError(e.to_string()))?;
        in_insertion_order(prefix.len(), entries)
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

    fn callee(
        &mut self,
        contract: &str,
        api: &str,
        args: &str,
    ) -> Result<Result<Callee, String>, HostError> {
        let refused = |why: String| Ok(Err(format!("prepare contract: {why}")));
        if api == "init" {
            return refused("cannot call 'init' manually".into());
        }
        if let Some((native, abi)) = super::native::native(contract) {
            let args = match nested_args(abi, api, args) {
                Ok(args) => args,
                Err(why) => return refused(why),
            };
            return Ok(Ok(Callee::Native {
                contract: native,
                args,
            }));
        }
        if contract == super::system::SYSTEM {
            return refused(format!(
                "the system contract `{contract}` cannot be called from a contract"
            ));
        }
        let Some(loaded) = super::tx::load_callee(self.ctx, self, contract)? else {
            return refused(format!("contract {contract} not found"));
        };
        let args = match nested_args(&loaded.record.abi, api, args) {
            Ok(args) => args,
            Err(why) => return refused(why),
        };
        let code = loaded.code.clone();
        self.callees.insert(contract.to_string(), loaded);
        Ok(Ok(Callee::Script { code, args }))
    }

    fn receipt(&mut self, contract: &str, api: &str, content: String) -> Result<(), HostError> {
        self.receipts.push(ContractReceipt {
            func_name: format!("{contract}/{api}"),
            content,
        });
        Ok(())
    }

    fn proof(&self) -> &Proof {
        self.proof
    }

    fn contract_exists(&mut self, id: &str) -> Result<bool, HostError> {
        if id == super::system::SYSTEM || super::native::native(id).is_some() {
            return Ok(true);
        }
        Ok(self
            .read(&keys::contract_key(self.partition, id))?
            .is_some())
    }
}
