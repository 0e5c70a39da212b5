//! `--verify-isolation`: every call runs twice, first in a context of its own against a trial
//! copy of the host (reads pass through, writes stay in the copy), then in the warm context
//! against the real host. The two runs must agree on everything a receipt or the state can
//! depend on: the outcome (value or error, with its message and frames), gas used, memory
//! counted, and every host call with its arguments, in order. Any difference is a node
//! fault (`FaultKind::Isolation`): the batch is not committed, and the log says what
//! differed. A call the first run met a safety net on is not compared (the fault is the
//! node's, and the executor retries it).

use std::collections::HashMap;

use super::host::{Callee, Host, HostError, Slot};
use super::sandbox::{CallError, CallInput, CallOutcome, FaultKind, Place, Sandbox};
use crate::contract::auth::Proof;

/// One host call, as the contract made it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Effect {
    /// `txInfo`, `blockInfo`, the owner of a contract, or whether a contract exists.
    Info(&'static str, String),
    Get(OwnedSlot),
    Put(OwnedSlot, String),
    Delete(OwnedSlot),
    MapFields {
        contract: String,
        key: String,
    },
    Event {
        contract: String,
        data: String,
    },
    Log {
        contract: String,
        level: i32,
        line: String,
    },
    /// The contract of a nested call was asked for.
    Callee {
        contract: String,
        api: String,
        args: String,
    },
    Receipt {
        contract: String,
        api: String,
        content: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum OwnedSlot {
    Value {
        contract: String,
        key: String,
    },
    Field {
        contract: String,
        key: String,
        field: String,
    },
}

impl From<&Slot<'_>> for OwnedSlot {
    fn from(slot: &Slot<'_>) -> OwnedSlot {
        match *slot {
            Slot::Value { contract, key } => OwnedSlot::Value {
                contract: contract.into(),
                key: key.into(),
            },
            Slot::Field {
                contract,
                key,
                field,
            } => OwnedSlot::Field {
                contract: contract.into(),
                key: key.into(),
                field: field.into(),
            },
        }
    }
}

/// The first run's host: reads through to the real host under its own writes, which it
/// keeps; logs are recorded, not written.
struct Trial<'h> {
    host: &'h mut dyn Host,
    writes: HashMap<OwnedSlot, Option<String>>,
    /// Map fields this run put while they did not exist, in order: they list after the
    /// host's fields, as the host would list them after these writes.
    appended: Vec<OwnedSlot>,
    effects: Vec<Effect>,
}

impl Host for Trial<'_> {
    fn get(&mut self, slot: &Slot<'_>) -> Result<Option<String>, HostError> {
        let owned = OwnedSlot::from(slot);
        self.effects.push(Effect::Get(owned.clone()));
        match self.writes.get(&owned) {
            Some(value) => Ok(value.clone()),
            None => self.host.get(slot),
        }
    }

    fn put(&mut self, slot: &Slot<'_>, value: String) -> Result<(), HostError> {
        let owned = OwnedSlot::from(slot);
        self.effects.push(Effect::Put(owned.clone(), value.clone()));
        if matches!(slot, Slot::Field { .. }) {
            let exists = match self.writes.get(&owned) {
                Some(value) => value.is_some(),
                None => self.host.get(slot)?.is_some(),
            };
            if !exists {
                self.appended.retain(|s| *s != owned);
                self.appended.push(owned.clone());
            }
        }
        self.writes.insert(owned, Some(value));
        Ok(())
    }

    fn delete(&mut self, slot: &Slot<'_>) -> Result<(), HostError> {
        let owned = OwnedSlot::from(slot);
        self.effects.push(Effect::Delete(owned.clone()));
        self.writes.insert(owned, None);
        Ok(())
    }

    fn map_fields(&mut self, contract: &str, key: &str) -> Result<Vec<String>, HostError> {
        self.effects.push(Effect::MapFields {
            contract: contract.into(),
            key: key.into(),
        });
        // Insertion order, as the host answers: the host's fields this run did not delete or
        // put anew, then the ones it put anew, in order.
        let slot = |field: &str| OwnedSlot::Field {
            contract: contract.into(),
            key: key.into(),
            field: field.into(),
        };
        let mut fields: Vec<String> = self
            .host
            .map_fields(contract, key)?
            .into_iter()
            .filter(|field| {
                let owned = slot(field);
                !self.appended.contains(&owned) && self.writes.get(&owned) != Some(&None)
            })
            .collect();
        for owned in &self.appended {
            if let OwnedSlot::Field {
                contract: c,
                key: k,
                field,
            } = owned
                && c == contract
                && k == key
                && matches!(self.writes.get(owned), Some(Some(_)))
            {
                fields.push(field.clone());
            }
        }
        Ok(fields)
    }

    fn event(&mut self, contract: &str, data: String) -> Result<(), HostError> {
        self.effects.push(Effect::Event {
            contract: contract.into(),
            data,
        });
        Ok(())
    }

    fn log(&mut self, contract: &str, level: i32, line: &str) {
        self.effects.push(Effect::Log {
            contract: contract.into(),
            level,
            line: line.into(),
        });
    }

    fn tx_info(&mut self) -> Result<String, HostError> {
        self.effects.push(Effect::Info("tx", String::new()));
        self.host.tx_info()
    }

    fn block_info(&mut self) -> Result<String, HostError> {
        self.effects.push(Effect::Info("block", String::new()));
        self.host.block_info()
    }

    fn contract_owner(&mut self, contract: &str) -> Result<String, HostError> {
        self.effects.push(Effect::Info("owner", contract.into()));
        self.host.contract_owner(contract)
    }

    fn callee(
        &mut self,
        contract: &str,
        api: &str,
        args: &str,
    ) -> Result<Result<Callee, String>, HostError> {
        self.effects.push(Effect::Callee {
            contract: contract.into(),
            api: api.into(),
            args: args.into(),
        });
        self.host.callee(contract, api, args)
    }

    fn receipt(&mut self, contract: &str, api: &str, content: String) -> Result<(), HostError> {
        self.effects.push(Effect::Receipt {
            contract: contract.into(),
            api: api.into(),
            content,
        });
        Ok(())
    }

    fn proof(&self) -> &Proof {
        self.host.proof()
    }

    /// Contracts are made by deploys, never inside a call: the host's answer is the trial's.
    fn contract_exists(&mut self, id: &str) -> Result<bool, HostError> {
        self.effects.push(Effect::Info("contract", id.into()));
        self.host.contract_exists(id)
    }
}

/// The second run's host: the real one, with every call recorded.
struct Recorder<'h> {
    host: &'h mut dyn Host,
    effects: Vec<Effect>,
}

impl Host for Recorder<'_> {
    fn get(&mut self, slot: &Slot<'_>) -> Result<Option<String>, HostError> {
        self.effects.push(Effect::Get(slot.into()));
        self.host.get(slot)
    }

    fn put(&mut self, slot: &Slot<'_>, value: String) -> Result<(), HostError> {
        self.effects.push(Effect::Put(slot.into(), value.clone()));
        self.host.put(slot, value)
    }

    fn delete(&mut self, slot: &Slot<'_>) -> Result<(), HostError> {
        self.effects.push(Effect::Delete(slot.into()));
        self.host.delete(slot)
    }

    fn map_fields(&mut self, contract: &str, key: &str) -> Result<Vec<String>, HostError> {
        self.effects.push(Effect::MapFields {
            contract: contract.into(),
            key: key.into(),
        });
        self.host.map_fields(contract, key)
    }

    fn event(&mut self, contract: &str, data: String) -> Result<(), HostError> {
        self.effects.push(Effect::Event {
            contract: contract.into(),
            data: data.clone(),
        });
        self.host.event(contract, data)
    }

    fn log(&mut self, contract: &str, level: i32, line: &str) {
        self.effects.push(Effect::Log {
            contract: contract.into(),
            level,
            line: line.into(),
        });
        self.host.log(contract, level, line);
    }

    fn tx_info(&mut self) -> Result<String, HostError> {
        self.effects.push(Effect::Info("tx", String::new()));
        self.host.tx_info()
    }

    fn block_info(&mut self) -> Result<String, HostError> {
        self.effects.push(Effect::Info("block", String::new()));
        self.host.block_info()
    }

    fn contract_owner(&mut self, contract: &str) -> Result<String, HostError> {
        self.effects.push(Effect::Info("owner", contract.into()));
        self.host.contract_owner(contract)
    }

    fn callee(
        &mut self,
        contract: &str,
        api: &str,
        args: &str,
    ) -> Result<Result<Callee, String>, HostError> {
        self.effects.push(Effect::Callee {
            contract: contract.into(),
            api: api.into(),
            args: args.into(),
        });
        self.host.callee(contract, api, args)
    }

    fn receipt(&mut self, contract: &str, api: &str, content: String) -> Result<(), HostError> {
        self.effects.push(Effect::Receipt {
            contract: contract.into(),
            api: api.into(),
            content: content.clone(),
        });
        self.host.receipt(contract, api, content)
    }

    fn proof(&self) -> &Proof {
        self.host.proof()
    }

    fn contract_exists(&mut self, id: &str) -> Result<bool, HostError> {
        self.effects.push(Effect::Info("contract", id.into()));
        self.host.contract_exists(id)
    }
}

impl Sandbox {
    /// One call, verified: see the module's text.
    pub(super) fn call_verified(
        &mut self,
        host: &mut dyn Host,
        input: &CallInput<'_>,
    ) -> CallOutcome {
        let mut trial = Trial {
            host: &mut *host,
            writes: HashMap::new(),
            appended: Vec::new(),
            effects: Vec::new(),
        };
        let fresh = self.call_in(&mut trial, input, Place::Fresh);
        let fresh_effects = trial.effects;
        if matches!(fresh.result, Err(CallError::NodeFault(_))) {
            return fresh;
        }
        let mut recorder = Recorder {
            host,
            effects: Vec::new(),
        };
        let mut warm = self.call_in(&mut recorder, input, Place::Warm);
        if matches!(warm.result, Err(CallError::NodeFault(_))) {
            return warm;
        }
        let differences = [
            (fresh.result != warm.result)
                .then(|| format!("outcome: fresh {:?}, warm {:?}", fresh.result, warm.result)),
            (fresh.gas_used != warm.gas_used)
                .then(|| format!("gas used: fresh {}, warm {}", fresh.gas_used, warm.gas_used)),
            (fresh.memory_used != warm.memory_used).then(|| {
                format!(
                    "memory counted: fresh {}, warm {}",
                    fresh.memory_used, warm.memory_used
                )
            }),
            first_difference(&fresh_effects, &recorder.effects),
        ];
        let differences: Vec<String> = differences.into_iter().flatten().collect();
        if !differences.is_empty() {
            tracing::error!(
                contract = %input.contract.id,
                method = input.method,
                "isolation check failed: the call ran differently in the reused context than \
                 in a fresh one: {}",
                differences.join("; ")
            );
            self.taint();
            warm.result = Err(CallError::NodeFault(FaultKind::Isolation));
        }
        if warm.code_cache.is_none() {
            warm.code_cache = fresh.code_cache;
        }
        warm
    }
}

/// The first host call where the two runs differ, in words.
fn first_difference(fresh: &[Effect], warm: &[Effect]) -> Option<String> {
    let at = fresh.iter().zip(warm).position(|(a, b)| a != b);
    match at {
        Some(i) => Some(format!(
            "host call {i}: fresh {:?}, warm {:?}",
            fresh[i], warm[i]
        )),
        None if fresh.len() != warm.len() => Some(format!(
            "host calls: fresh made {}, warm made {}",
            fresh.len(),
            warm.len()
        )),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A host over a plain map, for the trial's overlay.
    #[derive(Default)]
    struct MapHost(HashMap<OwnedSlot, String>);

    impl Host for MapHost {
        fn get(&mut self, slot: &Slot<'_>) -> Result<Option<String>, HostError> {
            Ok(self.0.get(&slot.into()).cloned())
        }
        fn put(&mut self, slot: &Slot<'_>, value: String) -> Result<(), HostError> {
            self.0.insert(slot.into(), value);
            Ok(())
        }
        fn delete(&mut self, slot: &Slot<'_>) -> Result<(), HostError> {
            self.0.remove(&slot.into());
            Ok(())
        }
        fn map_fields(&mut self, contract: &str, key: &str) -> Result<Vec<String>, HostError> {
            let mut fields: Vec<String> = self
                .0
                .keys()
                .filter_map(|s| match s {
                    OwnedSlot::Field {
                        contract: c,
                        key: k,
                        field,
                    } if c == contract && k == key => Some(field.clone()),
                    _ => None,
                })
                .collect();
            fields.sort();
            Ok(fields)
        }
        fn event(&mut self, _: &str, _: String) -> Result<(), HostError> {
            Ok(())
        }
        fn log(&mut self, _: &str, _: i32, _: &str) {}
        fn tx_info(&mut self) -> Result<String, HostError> {
            Ok("{}".into())
        }
        fn block_info(&mut self) -> Result<String, HostError> {
            Ok("{}".into())
        }
        fn callee(
            &mut self,
            _: &str,
            _: &str,
            _: &str,
        ) -> Result<Result<Callee, String>, HostError> {
            Ok(Err("no contracts here".into()))
        }
        fn receipt(&mut self, _: &str, _: &str, _: String) -> Result<(), HostError> {
            Ok(())
        }
        fn contract_owner(&mut self, _: &str) -> Result<String, HostError> {
            Ok(String::new())
        }
        fn proof(&self) -> &Proof {
            &crate::contract::auth::NOTHING
        }
        fn contract_exists(&mut self, _: &str) -> Result<bool, HostError> {
            Ok(false)
        }
    }

    fn field<'a>(field: &'a str) -> Slot<'a> {
        Slot::Field {
            contract: "c",
            key: "m",
            field,
        }
    }

    #[test]
    fn the_trial_reads_its_own_writes_and_leaves_the_host_untouched() {
        let mut host = MapHost::default();
        host.put(&field("b"), "1".into()).unwrap();
        host.put(&field("d"), "2".into()).unwrap();
        let mut trial = Trial {
            host: &mut host,
            writes: HashMap::new(),
            appended: Vec::new(),
            effects: Vec::new(),
        };
        trial.put(&field("a"), "3".into()).unwrap();
        trial.delete(&field("d")).unwrap();
        assert_eq!(trial.get(&field("a")).unwrap().as_deref(), Some("3"));
        assert_eq!(trial.get(&field("d")).unwrap(), None);
        assert_eq!(trial.get(&field("b")).unwrap().as_deref(), Some("1"));
        // Insertion order: the host's, then the new field.
        assert_eq!(trial.map_fields("c", "m").unwrap(), ["b", "a"]);
        assert_eq!(trial.effects.len(), 6);
        // A field put again after its delete is new: it moves to the end.
        trial.put(&field("b"), "4".into()).unwrap();
        assert_eq!(trial.map_fields("c", "m").unwrap(), ["b", "a"]);
        trial.delete(&field("b")).unwrap();
        trial.put(&field("b"), "5".into()).unwrap();
        assert_eq!(trial.map_fields("c", "m").unwrap(), ["a", "b"]);
        assert_eq!(host.map_fields("c", "m").unwrap(), ["b", "d"]);
    }

    #[test]
    fn the_first_differing_host_call_is_named() {
        let put = |v: &str| Effect::Put((&field("a")).into(), v.into());
        assert_eq!(first_difference(&[put("1")], &[put("1")]), None);
        let differs = first_difference(&[put("1"), put("2")], &[put("1"), put("3")]).unwrap();
        assert!(differs.starts_with("host call 1:"), "{differs}");
        let shorter = first_difference(&[put("1")], &[put("1"), put("2")]).unwrap();
        assert_eq!(shorter, "host calls: fresh made 1, warm made 2");
    }
}
