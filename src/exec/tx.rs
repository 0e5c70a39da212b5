//! One transaction: its actions in order, under one gas limit, all or nothing.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use super::columns;
use super::host::TxHost;
use super::signers;
use super::system;
use crate::consensus::PARAMS;
use crate::contract::auth::Proof;
use crate::contract::{Abi, ContractRecord};
use crate::engine::{
    CallError, CallInput, CallMode, ContractCode, FaultKind, HostError, NativeCall, NativeContract,
    Sandbox, TxInfo,
};
use crate::schema::{Action, Receipt, Status, Tx};
use crate::state::{BlockDiff, WriteSet, keys};
use crate::store::ReadView;

/// What a transaction runs against.
pub(super) struct BlockCtx<'a> {
    pub partition: u32,
    pub height: u64,
    pub timestamp_ms: u64,
    /// The `block` object contracts see.
    pub block_json: String,
    /// What `blockchain.blockInfo()` returns.
    pub block_info: String,
    pub base: &'a dyn ReadView,
    /// A query: writes and events throw, deploys are refused.
    pub read_only: bool,
    /// Contracts read from `base` so far, decoded, with their code caches: `base` does not
    /// change while the batch runs, so each is read once per batch, not once per call.
    pub contracts: RefCell<HashMap<String, Arc<Loaded>>>,
}

impl<'a> BlockCtx<'a> {
    /// The context of block `height` of `partition`, on top of the block with root `parent`.
    pub fn new(
        partition: u32,
        height: u64,
        timestamp_ms: u64,
        parent: &crate::state::StateRoot,
        witness: &str,
        base: &'a dyn ReadView,
        read_only: bool,
    ) -> BlockCtx<'a> {
        let parent = parent.to_hex();
        BlockCtx {
            partition,
            height,
            timestamp_ms,
            block_json: serde_json::json!({
                "number": height,
                "parentHash": parent,
                "witness": witness,
                "time": timestamp_ms,
            })
            .to_string(),
            // IOST's keys, in the order Go writes a map's: sorted.
            block_info: serde_json::json!({
                "number": height,
                "parent_hash": parent,
                "time": timestamp_ms,
                "witness": witness,
            })
            .to_string(),
            base,
            read_only,
            contracts: Default::default(),
        }
    }
}

/// What `blockchain.txInfo()` returns: the fields isovm has of IOST's, in Go's order (a map's
/// keys sorted; an action's fields in their struct order, `data` the arguments' JSON text).
pub(super) fn tx_info(tx: &Tx, timestamp_ms: u64) -> String {
    let text = |s: &str| serde_json::Value::from(s).to_string();
    let actions: Vec<String> = tx
        .actions
        .iter()
        .map(|a| {
            format!(
                r#"{{"contract":{},"actionName":{},"data":{}}}"#,
                text(&a.contract),
                text(&a.method),
                text(&a.args.to_string())
            )
        })
        .collect();
    format!(
        r#"{{"actions":[{}],"gas_limit":{},"hash":{},"publisher":{},"time":{}}}"#,
        actions.join(","),
        tx.gas_limit,
        text(&tx.hash),
        text(&tx.publisher),
        tx.time_ms.unwrap_or(timestamp_ms)
    )
}

/// A contract as a call needs it: its record (ABI, source) and what the engine runs.
pub(super) struct Loaded {
    pub record: ContractRecord,
    pub code: ContractCode,
}

/// A transaction's outcome; `writes` only if it succeeded.
pub(super) struct TxOutput {
    pub receipt: Receipt,
    pub writes: Option<WriteSet>,
    pub code_caches: Vec<([u8; 32], Vec<u8>)>,
}

/// Why a transaction stopped.
#[derive(Debug)]
pub(super) struct Failed {
    pub status: Status,
    pub message: String,
}

impl Failed {
    pub fn new(status: Status, message: impl Into<String>) -> Failed {
        Failed {
            status,
            message: message.into(),
        }
    }
}

/// Why a transaction was abandoned instead of given a receipt: the node's trouble, not the
/// transaction's. The whole batch is abandoned with it; nothing is committed.
#[derive(Debug)]
pub(super) enum Abandon {
    /// The host (storage) failed.
    Host(HostError),
    /// A safety net struck: see [`CallError::NodeFault`].
    NodeFault(FaultKind),
}

impl From<HostError> for Abandon {
    fn from(e: HostError) -> Abandon {
        Abandon::Host(e)
    }
}

/// An action's outcome: `Err(Abandon)` abandons the batch, `Ok(Err(Failed))` fails the tx.
pub(super) type ActionResult = Result<Result<(), Failed>, Abandon>;

/// A contract ready to call: what the engine runs, and its source (for error locations).
pub(super) struct Callee<'a> {
    pub code: ContractCode,
    pub source: &'a str,
}

/// The running state of one transaction.
pub(super) struct TxRun<'a> {
    pub ctx: &'a BlockCtx<'a>,
    pub tx: &'a Tx,
    pub gas_used: u64,
    /// Memory units counted by the transaction's calls so far.
    pub memory_used: u64,
    pub returns: Vec<String>,
    pub code_caches: Vec<([u8; 32], Vec<u8>)>,
}

impl TxRun<'_> {
    /// Adds gas charged outside the engine; fails the tx once past the limit.
    pub fn charge(&mut self, amount: u64) -> Result<(), Failed> {
        self.gas_used = self.gas_used.saturating_add(amount);
        if self.gas_used > self.tx.gas_limit {
            self.gas_used = self.tx.gas_limit;
            return Err(Failed::new(
                Status::OutOfGas,
                format!("out of gas: the limit is {}", self.tx.gas_limit),
            ));
        }
        Ok(())
    }

    /// Runs a contract call in the engine and records its outcome.
    pub fn call(
        &mut self,
        sandbox: &mut Sandbox,
        host: &mut TxHost<'_>,
        callee: &Callee<'_>,
        method: &str,
        args: &serde_json::Value,
        mode: CallMode<'_>,
    ) -> ActionResult {
        let (code, source) = (&callee.code, callee.source);
        let outcome = sandbox.call(
            host,
            &CallInput {
                contract: code,
                method,
                args,
                block_json: &self.ctx.block_json,
                tx: TxInfo {
                    time_ms: self.tx.time_ms.unwrap_or(self.ctx.timestamp_ms),
                    hash: &self.tx.hash,
                    gas_limit: self.tx.gas_limit,
                    publisher: &self.tx.publisher,
                },
                publisher: &self.tx.publisher,
                now_ms: self.ctx.timestamp_ms as f64,
                gas_used: self.gas_used,
                gas_limit: self.tx.gas_limit,
                memory_used: self.memory_used,
                mode,
            },
        );
        self.gas_used = outcome.gas_used;
        self.memory_used = outcome.memory_used;
        if let Some(cache) = outcome.code_cache {
            self.code_caches.push((code.hash, cache));
        }
        Ok(match outcome.result {
            Ok(json) => {
                self.returns.push(json);
                Ok(())
            }
            Err(CallError::Host(e)) => return Err(Abandon::Host(e)),
            Err(CallError::NodeFault(kind)) => return Err(Abandon::NodeFault(kind)),
            Err(CallError::Threw(thrown)) => {
                let map = columns::map_for(&code.hash, source);
                let message = thrown.render(|frame| {
                    let callee = host.callees.get(&frame.script);
                    let map = match callee {
                        _ if frame.script == code.id => map.clone(),
                        Some(loaded) => columns::map_for(&loaded.code.hash, &loaded.record.source),
                        None => None,
                    };
                    map.map_or(frame.column, |map| {
                        map.original_column(frame.line, frame.column)
                    })
                });
                Err(Failed::new(Status::RuntimeError, message))
            }
            Err(CallError::OutOfGas) => Err(Failed::new(
                Status::OutOfGas,
                format!("out of gas: the limit is {}", self.tx.gas_limit),
            )),
            Err(CallError::MemoryLimit) => Err(Failed::new(
                Status::MemoryLimit,
                format!(
                    "the transaction allocated more than its memory budget of {} MiB",
                    PARAMS.limits.memory_budget >> 20
                ),
            )),
            Err(CallError::ResultTooLarge { bytes, limit }) => Err(Failed::new(
                Status::ResultTooLarge,
                format!("the result is {bytes} bytes, over the {limit}-byte limit"),
            )),
        })
    }
}

/// Runs `tx` against `block` (the diff of the transactions before it), with what its
/// signatures prove (`proof`).
pub(super) fn run_tx(
    sandbox: &mut Sandbox,
    ctx: &BlockCtx<'_>,
    block: &BlockDiff,
    tx: &Tx,
    proof: &Proof,
) -> Result<TxOutput, Abandon> {
    let mut host = TxHost::new(ctx, block, tx, proof);
    let mut run = TxRun {
        ctx,
        tx,
        gas_used: 0,
        memory_used: 0,
        returns: Vec::new(),
        code_caches: Vec::new(),
    };
    let mut failure = check_tx(tx).err();
    if failure.is_none() {
        failure = signers::check(&mut run, &mut host)?.err();
    }
    if failure.is_none() {
        for action in &tx.actions {
            if let Err(failed) = run_action(sandbox, &mut run, &mut host, action)? {
                failure = Some(failed);
                break;
            }
        }
    }
    let (status, message, writes, returns, events, receipts) = match failure {
        None => (
            Status::Success,
            String::new(),
            Some(host.writes),
            run.returns,
            host.events,
            host.receipts,
        ),
        Some(f) => (
            f.status,
            f.message,
            None,
            Vec::new(),
            Vec::new(),
            Vec::new(),
        ),
    };
    Ok(TxOutput {
        receipt: Receipt {
            tx_hash: tx.hash.clone(),
            status,
            gas_used: run.gas_used,
            returns,
            message,
            events,
            receipts,
        },
        writes,
        code_caches: if status.is_success() {
            run.code_caches
        } else {
            Vec::new()
        },
    })
}

/// Checks that do not depend on state.
fn check_tx(tx: &Tx) -> Result<(), Failed> {
    let max = PARAMS.limits.max_gas_limit;
    if tx.gas_limit > max {
        return Err(Failed::new(
            Status::InvalidInput,
            format!("gas_limit {} is over the maximum of {max}", tx.gas_limit),
        ));
    }
    Ok(())
}

fn run_action(
    sandbox: &mut Sandbox,
    run: &mut TxRun<'_>,
    host: &mut TxHost<'_>,
    action: &Action,
) -> ActionResult {
    let args_json = action.args.to_string();
    let limit = PARAMS.limits.max_args_bytes;
    if args_json.len() > limit {
        return Ok(Err(Failed::new(
            Status::InvalidInput,
            format!(
                "the arguments are {} bytes, over the {limit}-byte limit",
                args_json.len()
            ),
        )));
    }
    if let Err(failed) = run.charge(PARAMS.tx.action + args_json.len() as u64) {
        return Ok(Err(failed));
    }
    if action.contract == system::SYSTEM {
        return system::call(sandbox, run, host, action);
    }
    if let Some((contract, abi)) = super::native::native(&action.contract) {
        return native_action(run, host, action, contract, abi);
    }
    let loaded = match load_callee(run.ctx, host, &action.contract)? {
        Some(loaded) => loaded,
        None => {
            return Ok(Err(Failed::new(
                Status::InvalidInput,
                format!("contract `{}` does not exist", action.contract),
            )));
        }
    };
    let record = &loaded.record;
    if let Err(failed) = check_action(&record.abi, action) {
        return Ok(Err(failed));
    }
    let callee = Callee {
        code: loaded.code.clone(),
        source: &record.source,
    };
    let mode = if run.ctx.read_only {
        CallMode::Query
    } else {
        CallMode::Call
    };
    run.call(sandbox, host, &callee, &action.method, &action.args, mode)
}

/// An action's method must be in the contract's ABI, with arguments that fit it: why not, if
/// not (what a transaction's `invalid_input` receipt and a validation reply both say).
pub(super) fn action_fits(abi: &crate::contract::Abi, action: &Action) -> Result<(), String> {
    let Some(method) = abi.method(&action.method) else {
        return Err(format!(
            "contract `{}` has no method `{}` in its ABI",
            action.contract, action.method
        ));
    };
    method.check_args(&action.args)
}

fn check_action(abi: &crate::contract::Abi, action: &Action) -> Result<(), Failed> {
    action_fits(abi, action).map_err(|reason| Failed::new(Status::InvalidInput, reason))
}

/// An action of a built-in contract (`token.iost`, `auth.iost`): run in Rust against the
/// transaction's host, called by the publisher. Its return value is the first of IOST's
/// returns (`null` when there are none, as for a transfer).
fn native_action(
    run: &mut TxRun<'_>,
    host: &mut TxHost<'_>,
    action: &Action,
    contract: &dyn NativeContract,
    abi: &Abi,
) -> ActionResult {
    if let Err(failed) = check_action(abi, action) {
        return Ok(Err(failed));
    }
    let call = NativeCall {
        method: &action.method,
        args: &action.args,
        publisher: &run.tx.publisher,
        lent: &[],
        caller: &run.tx.publisher,
        gas_left: run.tx.gas_limit.saturating_sub(run.gas_used),
        read_only: run.ctx.read_only,
    };
    let outcome = contract.call(host, &call)?;
    if let Err(failed) = run.charge(outcome.gas) {
        return Ok(Err(failed));
    }
    Ok(match outcome.result {
        Ok(returns) => {
            let first = returns.get(0).cloned().unwrap_or(serde_json::Value::Null);
            run.returns.push(first.to_string());
            Ok(())
        }
        Err(message) => Err(Failed::new(
            Status::RuntimeError,
            format!("{}.{}: {message}", action.contract, action.method),
        )),
    })
}

/// The contract `id` as the transaction sees it: from the batch's cache when its record is
/// in the committed state (and neither this transaction nor the block before it wrote it),
/// else read through the layers.
pub(super) fn load_callee(
    ctx: &BlockCtx<'_>,
    host: &TxHost<'_>,
    id: &str,
) -> Result<Option<Arc<Loaded>>, HostError> {
    let key = keys::contract_key(host.partition, id);
    let written = host.writes.contains(&key) || host.block.contains(&key);
    if !written && let Some(loaded) = ctx.contracts.borrow().get(id) {
        return Ok(Some(loaded.clone()));
    }
    let Some(record) = load_contract(host, id)? else {
        return Ok(None);
    };
    let code = contract_code(ctx.base, &record)?;
    let loaded = Arc::new(Loaded { record, code });
    if !written {
        ctx.contracts
            .borrow_mut()
            .insert(id.to_string(), loaded.clone());
    }
    Ok(Some(loaded))
}

/// Reads a contract's record through the transaction's layers.
pub(super) fn load_contract(
    host: &TxHost<'_>,
    id: &str,
) -> Result<Option<ContractRecord>, HostError> {
    host.read(&keys::contract_key(host.partition, id))?
        .map(|bytes| ContractRecord::decode(&bytes).map_err(HostError))
        .transpose()
}

/// What the engine needs to run a contract, with its stored code cache if there is one.
pub(super) fn contract_code(
    base: &dyn ReadView,
    record: &ContractRecord,
) -> Result<ContractCode, HostError> {
    let cache = base
        .get(&keys::code_cache_key(&record.code_hash))
        .map_err(|e| HostError(e.to_string()))?;
    Ok(ContractCode {
        id: record.id.clone(),
        hash: record.code_hash,
        code: Arc::from(record.code.as_str()),
        cache: cache.map(Arc::from),
    })
}
