//! The read-only entry points: queries and transaction validation, against committed state.

use super::tx::{self, Abandon, BlockCtx};
use super::{ExecError, ExecOptions, ledger, replay, signatures, system};
use crate::consensus::PARAMS;
use crate::contract::ContractRecord;
use crate::engine::Sandbox;
use crate::schema::{Action, Query, QueryReply, Tx};
use crate::state::{BlockDiff, keys};
use crate::store::{ReadView, Store};

/// Calls a contract method against a snapshot of committed state; nothing is written.
pub(super) fn query(
    sandbox: &mut Sandbox,
    store: &dyn Store,
    q: &Query,
    options: &ExecOptions,
) -> Result<QueryReply, ExecError> {
    let snapshot = store.snapshot();
    let head = ledger::head(&*snapshot, q.partition)?;
    // A query runs as if in the next block, on top of the head.
    let ctx = BlockCtx::new(
        q.partition,
        head.height + 1,
        head.timestamp_ms,
        &head.root(),
        "",
        &*snapshot,
        true,
    );
    let tx = Tx {
        publisher: q.publisher.clone(),
        gas_limit: options.query_gas_limit,
        actions: vec![Action {
            contract: q.contract.clone(),
            method: q.method.clone(),
            args: q.args.clone(),
        }],
        ..Tx::default()
    };
    // A query has no signatures: `requireAuth` takes its publisher at its word (the
    // development mode's rule), which can only read.
    let proof = crate::contract::auth::Proof::unsigned();
    let mut receipt = tx::run_tx(sandbox, &ctx, &BlockDiff::default(), &tx, &proof)
        .map_err(|abandon| match abandon {
            Abandon::Host(e) => ExecError::Host(e),
            // A query makes no receipt and commits nothing: the caller is told to retry.
            Abandon::NodeFault(kind) => ExecError::QueryFault {
                partition: q.partition,
                kind,
            },
        })?
        .receipt;
    Ok(QueryReply {
        status: receipt.status,
        gas_used: receipt.gas_used,
        result: receipt.returns.pop().unwrap_or_default(),
        message: receipt.message,
    })
}

/// Checks that `tx` could run: signatures that prove it (as the node would check them in a
/// batch), a hash not yet run and a time not past its expiration (against the head), sane
/// gas limit, contracts that exist, methods in their ABIs, arguments of the right types,
/// deploys that compile. `Ok(Err(reason))` if it could not.
pub(super) fn validate(
    store: &dyn Store,
    partition: u32,
    tx: &Tx,
    accept_unsigned: bool,
) -> Result<Result<(), String>, ExecError> {
    let one = crate::schema::Batch {
        partition,
        height: 1,
        timestamp_ms: 0,
        producer: String::new(),
        txs: vec![tx.clone()],
    };
    if let Err(e) = crate::schema::check_batch(&one) {
        return Ok(Err(e.to_string().replace("txs[0].", "")));
    }
    if let Some(Err(reason)) = signatures::check(&one, accept_unsigned).pop() {
        return Ok(Err(format!("invalid signature: {reason}")));
    }
    let snapshot = store.snapshot();
    if let Some(height) =
        replay::committed_at(&*snapshot, &BlockDiff::default(), partition, &tx.hash)?
    {
        return Ok(Err(format!(
            "duplicate: transaction {} already ran in partition {partition}, at height {height}",
            tx.hash
        )));
    }
    let head_time = ledger::head(&*snapshot, partition)?.timestamp_ms;
    if let Some(expiration) = tx.expiration_ms
        && head_time >= expiration
    {
        return Ok(Err(format!(
            "expired: the transaction expired at {expiration} ms, and the partition's last \
             block is at {head_time} ms"
        )));
    }
    if tx.gas_limit > PARAMS.limits.max_gas_limit {
        return Ok(Err(format!(
            "gas_limit {} is over the maximum of {}",
            tx.gas_limit, PARAMS.limits.max_gas_limit
        )));
    }
    let min_gas = tx.actions.len() as u64 * PARAMS.tx.action;
    if tx.gas_limit < min_gas {
        return Ok(Err(format!(
            "gas_limit {} cannot cover {} actions ({min_gas} gas before any code runs)",
            tx.gas_limit,
            tx.actions.len()
        )));
    }
    for (i, action) in tx.actions.iter().enumerate() {
        if let Err(reason) = validate_action(&*snapshot, partition, tx, action)? {
            return Ok(Err(format!("action {}: {reason}", i + 1)));
        }
    }
    Ok(Ok(()))
}

fn validate_action(
    base: &dyn ReadView,
    partition: u32,
    tx: &Tx,
    action: &Action,
) -> Result<Result<(), String>, ExecError> {
    let args_len = action.args.to_string().len();
    if args_len > PARAMS.limits.max_args_bytes {
        return Ok(Err(format!(
            "the arguments are {args_len} bytes, over the {}-byte limit",
            PARAMS.limits.max_args_bytes
        )));
    }
    if action.contract == system::SYSTEM {
        return validate_system(base, partition, tx, action);
    }
    if let Some((_, abi)) = super::native::native(&action.contract) {
        return Ok(tx::action_fits(abi, action));
    }
    let Some(bytes) = base.get(&keys::contract_key(partition, &action.contract))? else {
        return Ok(Err(format!(
            "contract `{}` does not exist",
            action.contract
        )));
    };
    let record = ContractRecord::decode(&bytes).map_err(ExecError::Corrupt)?;
    Ok(tx::action_fits(&record.abi, action))
}

/// A deploy or an update, checked as far as it can be without running contract code: the
/// arguments, the id, the record it needs (or must not find), and the new code's compile.
fn validate_system(
    base: &dyn ReadView,
    partition: u32,
    tx: &Tx,
    action: &Action,
) -> Result<Result<(), String>, ExecError> {
    let code = match action.method.as_str() {
        "deploy" => {
            let args = match system::deploy_args(&action.args) {
                Ok(args) => args,
                Err(reason) => return Ok(Err(reason)),
            };
            let id = args.id_for(&tx.hash);
            if let Err(reason) = system::check_id(&id) {
                return Ok(Err(reason));
            }
            if base.get(&keys::contract_key(partition, &id))?.is_some() {
                return Ok(Err(format!("contract `{id}` already exists")));
            }
            if base
                .get(&super::account::account_key(partition, &id))?
                .is_some()
            {
                return Ok(Err(system::account_taken(&id)));
            }
            args.code
        }
        "updateCode" => {
            let args = match system::update_args(&action.args) {
                Ok(args) => args,
                Err(reason) => return Ok(Err(reason)),
            };
            let Some(bytes) = base.get(&keys::contract_key(partition, &args.id))? else {
                return Ok(Err(system::not_exists(&args.id)));
            };
            let record = ContractRecord::decode(&bytes).map_err(ExecError::Corrupt)?;
            if let Err(reason) = system::check_update(&record, &args, &tx.publisher) {
                return Ok(Err(reason));
            }
            args.code
        }
        other => {
            return Ok(Err(format!(
                "the system contract has no method `{other}`; it has {}",
                system::METHODS
            )));
        }
    };
    Ok(code.compile().map(|_| ()).map_err(|e| e.to_string()))
}
