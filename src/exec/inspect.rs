//! What the inspection commands (`isovm state`, `receipt`, `block`, `contract show`) read:
//! committed data, decoded the way execution decodes it (`host.rs`'s value and map-field
//! encodings, `ledger.rs`'s records), over any [`ReadView`] (a read-only or secondary
//! handle on a database another process may be writing). Reads only: nothing here writes.

use std::collections::HashMap;

use super::host::{field_value, in_insertion_order, utf8};
use super::ledger::{self, CommittedBlock, Head};
use super::native::native;
use crate::contract::ContractRecord;
use crate::engine::HostError;
use crate::schema::Receipt;
use crate::state::keys;
use crate::store::{ReadView, StoreError};

/// Why an inspection found nothing, or could not read what it found.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    #[error("partition {partition} has no committed block in this database")]
    NoPartition { partition: u32 },
    #[error("partition {partition} has no block at height {height}: its head is height {head}")]
    NoBlock {
        partition: u32,
        height: u64,
        head: u64,
    },
    #[error("partition {partition} has no contract `{id}`")]
    NoContract { partition: u32, id: String },
    #[error(
        "contract `{id}` of partition {partition} is built in (written in Rust): it has no \
         deployed record (no owner, code hash or deploy height)"
    )]
    BuiltIn { partition: u32, id: String },
    #[error("contract `{contract}` of partition {partition} has no value `{key}`")]
    NoValue {
        partition: u32,
        contract: String,
        key: String,
    },
    #[error("contract `{contract}` of partition {partition} has no map `{key}`")]
    NoMap {
        partition: u32,
        contract: String,
        key: String,
    },
    #[error("map `{key}` of contract `{contract}` of partition {partition} has no field `{field}`")]
    NoField {
        partition: u32,
        contract: String,
        key: String,
        field: String,
    },
    #[error(
        "no receipt of transaction {hash} in this database (the receipt index holds the \
         blocks committed since isovm began writing it)"
    )]
    NoTx { hash: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Corrupt(String),
}

impl From<HostError> for InspectError {
    fn from(e: HostError) -> InspectError {
        InspectError::Corrupt(e.0)
    }
}

/// A contract's keys: its values, and its maps with how many fields each has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractKeys {
    /// `storage.put` keys, in byte order.
    pub values: Vec<String>,
    /// `storage.mapPut` keys and their field counts, in byte order of the keys.
    pub maps: Vec<(String, usize)>,
}

/// When a contract's code was last replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LastUpdate {
    /// Never since its deploy (an update in the deploying block itself is not told apart).
    Never,
    At(u64),
    /// The database holds no record of it: its last write predates the index.
    Unknown,
}

/// A receipt found by its transaction's hash, and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub partition: u32,
    pub height: u64,
    pub index: u32,
    pub receipt: Receipt,
}

/// Reads for people over a consistent view of committed data.
pub struct Inspector<'a> {
    store: &'a dyn ReadView,
}

impl<'a> Inspector<'a> {
    pub fn new(store: &'a dyn ReadView) -> Inspector<'a> {
        Inspector { store }
    }

    /// The head of `partition`; an error if nothing of it is committed.
    pub fn head(&self, partition: u32) -> Result<Head, InspectError> {
        let head = ledger::head(self.store, partition)?;
        if head.height == 0 {
            return Err(InspectError::NoPartition { partition });
        }
        Ok(head)
    }

    /// The committed block `height` of `partition`.
    pub fn block(&self, partition: u32, height: u64) -> Result<CommittedBlock, InspectError> {
        let head = self.head(partition)?;
        ledger::committed(self.store, partition, height)?.ok_or(InspectError::NoBlock {
            partition,
            height,
            head: head.height,
        })
    }

    /// The record of contract `id`, and when its code was last replaced.
    pub fn contract(
        &self,
        partition: u32,
        id: &str,
    ) -> Result<(ContractRecord, LastUpdate), InspectError> {
        self.head(partition)?;
        let Some(record) = self.record(partition, id)? else {
            return Err(self.missing_contract(partition, id));
        };
        let written = self
            .store
            .get(&keys::contract_written_key(partition, id))?
            .map(|bytes| {
                <[u8; 8]>::try_from(bytes.as_slice())
                    .map(u64::from_be_bytes)
                    .map_err(|_| {
                        InspectError::Corrupt(format!(
                            "the last-write height of contract `{id}` of partition {partition} \
                             is not 8 bytes"
                        ))
                    })
            })
            .transpose()?;
        let update = match written {
            None => LastUpdate::Unknown,
            Some(height) if height <= record.deployed_at => LastUpdate::Never,
            Some(height) => LastUpdate::At(height),
        };
        Ok((record, update))
    }

    /// `storage.get(key)` of `contract`, as the contract would read it.
    pub fn value(&self, partition: u32, contract: &str, key: &str) -> Result<String, InspectError> {
        self.check_contract(partition, contract)?;
        match self.store.get(&keys::value_key(partition, contract, key))? {
            Some(bytes) => Ok(utf8(bytes)?),
            None => Err(InspectError::NoValue {
                partition,
                contract: contract.into(),
                key: key.into(),
            }),
        }
    }

    /// `storage.mapGet(key, field)` of `contract`, with the field's insertion number.
    pub fn field(
        &self,
        partition: u32,
        contract: &str,
        key: &str,
        field: &str,
    ) -> Result<(u64, String), InspectError> {
        self.check_contract(partition, contract)?;
        match self
            .store
            .get(&keys::map_field_key(partition, contract, key, field))?
        {
            Some(bytes) => Ok(field_value(bytes)?),
            None => {
                self.fields(partition, contract, key)?;
                Err(InspectError::NoField {
                    partition,
                    contract: contract.into(),
                    key: key.into(),
                    field: field.into(),
                })
            }
        }
    }

    /// `storage.mapKeys(key)` of `contract`: its fields in insertion order.
    pub fn fields(
        &self,
        partition: u32,
        contract: &str,
        key: &str,
    ) -> Result<Vec<String>, InspectError> {
        self.check_contract(partition, contract)?;
        let prefix = keys::map_prefix(partition, contract, key);
        let mut entries = Vec::new();
        self.store.scan_prefix(&prefix, &mut |k, v| {
            entries.push((k.to_vec(), v.to_vec()));
            true
        })?;
        if entries.is_empty() {
            return Err(InspectError::NoMap {
                partition,
                contract: contract.into(),
                key: key.into(),
            });
        }
        Ok(in_insertion_order(prefix.len(), entries)?)
    }

    /// Every value key and map key of `contract`.
    pub fn keys(&self, partition: u32, contract: &str) -> Result<ContractKeys, InspectError> {
        self.check_contract(partition, contract)?;
        let corrupt = |what: &str| {
            InspectError::Corrupt(format!(
                "a {what} key of contract `{contract}` of partition {partition} is malformed"
            ))
        };
        let text =
            |bytes: &[u8], what: &str| String::from_utf8(bytes.to_vec()).map_err(|_| corrupt(what));
        let mut values = Vec::new();
        let prefix = keys::values_prefix(partition, contract);
        let mut bad = None;
        self.store.scan_prefix(&prefix, &mut |k, _| {
            match keys::split_part(&k[prefix.len()..]) {
                Some((key, [])) => values.push(key.to_vec()),
                _ => bad = Some(corrupt("value")),
            }
            bad.is_none()
        })?;
        let prefix = keys::maps_prefix(partition, contract);
        let mut maps: Vec<(Vec<u8>, usize)> = Vec::new();
        self.store.scan_prefix(&prefix, &mut |k, _| {
            match keys::split_part(&k[prefix.len()..]) {
                Some((key, _field)) => match maps.last_mut() {
                    Some((last, count)) if last == key => *count += 1,
                    _ => maps.push((key.to_vec(), 1)),
                },
                None => bad = Some(corrupt("map")),
            }
            bad.is_none()
        })?;
        if let Some(e) = bad {
            return Err(e);
        }
        Ok(ContractKeys {
            values: values
                .iter()
                .map(|k| text(k, "value"))
                .collect::<Result<_, _>>()?,
            maps: maps
                .iter()
                .map(|(k, n)| Ok((text(k, "map")?, *n)))
                .collect::<Result<_, InspectError>>()?,
        })
    }

    /// Every receipt committed for transaction `hash`, in order of partition, height and
    /// index: the one of its run, and those of any refusal under the same hash (a duplicate
    /// later, a bad signature or an expiry); [`Receipt::status`] tells them apart.
    pub fn receipts(&self, hash: &str) -> Result<Vec<Located>, InspectError> {
        let prefix = keys::tx_index_prefix(hash);
        let mut places = Vec::new();
        self.store.scan_prefix(&prefix, &mut |k, _| {
            places.push(keys::parse_tx_index(&k[prefix.len()..]));
            true
        })?;
        let mut blocks: HashMap<(u32, u64), CommittedBlock> = HashMap::new();
        let mut found = Vec::with_capacity(places.len());
        for place in places {
            let (partition, height, index) = place.ok_or_else(|| {
                InspectError::Corrupt(format!("a receipt index entry of {hash} is malformed"))
            })?;
            let block = match blocks.entry((partition, height)) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    let block =
                        ledger::committed(self.store, partition, height)?.ok_or_else(|| {
                            InspectError::Corrupt(format!(
                                "the receipt index places {hash} at height {height} of \
                                 partition {partition}, which has no committed block"
                            ))
                        })?;
                    e.insert(block)
                }
            };
            let receipt = block
                .result
                .receipts
                .get(index as usize)
                .filter(|r| r.tx_hash == hash)
                .ok_or_else(|| {
                    InspectError::Corrupt(format!(
                        "the receipt index places {hash} at index {index} of height {height} \
                         of partition {partition}, where there is no receipt of it"
                    ))
                })?;
            found.push(Located {
                partition,
                height,
                index,
                receipt: receipt.clone(),
            });
        }
        if found.is_empty() {
            return Err(InspectError::NoTx { hash: hash.into() });
        }
        Ok(found)
    }

    fn record(&self, partition: u32, id: &str) -> Result<Option<ContractRecord>, InspectError> {
        self.store
            .get(&keys::contract_key(partition, id))?
            .map(|bytes| ContractRecord::decode(&bytes).map_err(InspectError::Corrupt))
            .transpose()
    }

    /// The partition has committed blocks, and `id` is deployed in it or built in.
    fn check_contract(&self, partition: u32, id: &str) -> Result<(), InspectError> {
        self.head(partition)?;
        if native(id).is_some() || self.record(partition, id)?.is_some() {
            return Ok(());
        }
        Err(self.missing_contract(partition, id))
    }

    fn missing_contract(&self, partition: u32, id: &str) -> InspectError {
        match native(id) {
            Some(_) => InspectError::BuiltIn {
                partition,
                id: id.into(),
            },
            None => InspectError::NoContract {
                partition,
                id: id.into(),
            },
        }
    }
}
