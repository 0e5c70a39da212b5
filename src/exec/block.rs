//! One batch on one sandbox: every transaction in order, and the write that commits them
//! (made here, written by the pipeline: `pipeline.rs`).

use std::sync::Arc;

use super::ledger::{self, CommittedBlock, Head};
use super::replay;
use super::signatures::Verdict;
use super::tx::{self, Abandon, BlockCtx};
use super::{ExecError, Executed};
use crate::engine::{HostError, Sandbox};
use crate::schema::{Batch, BlockResult, Receipt, Status};
use crate::state::{BlockDiff, Layers, WriteSet, keys};
use crate::store::{ReadView, Store, WriteBatch};

/// The system contract's map of gas paid per publisher: a failed transaction's fee is the
/// one trace it leaves in state.
pub const FEES_MAP: &str = "gas_used";

/// The stored result of `batch`'s height, which is committed: a redelivery. A different
/// batch at that height is a conflict.
pub(super) fn replay(store: &dyn Store, batch: &Batch) -> Result<Executed, ExecError> {
    let partition = batch.partition;
    let record = ledger::committed_record(store, partition, batch.height)?.ok_or_else(|| {
        ExecError::Corrupt(format!(
            "partition {partition} is past height {} but has no result for it",
            batch.height
        ))
    })?;
    let stored = ledger::decode_committed(&record)?;
    if stored.batch_digest != ledger::batch_digest(batch) {
        return Err(ExecError::Conflict {
            partition,
            height: batch.height,
        });
    }
    Ok(Executed {
        result: stored.result,
        replayed: true,
        record: Arc::new(record),
    })
}

/// A batch that has run: its result, its state changes, and the write that commits them.
pub(super) struct Prepared {
    pub result: BlockResult,
    pub head: Head,
    pub diff: BlockDiff,
    pub write: WriteBatch,
    /// The committed block as stored: what the block log carries.
    pub record: Arc<Vec<u8>>,
}

/// Runs `batch`, the next height after `head`, against `base` (the committed state with the
/// partition's pending blocks over it), and assembles its commit. `verdicts` are its
/// transactions' signature checks (`signatures.rs`), one each, in order. With `keep_batch`
/// the commit also stores the batch (for `isovm replay`).
pub(super) fn prepare(
    sandbox: &mut Sandbox,
    base: &dyn ReadView,
    head: &Head,
    batch: &Batch,
    verdicts: &[Verdict],
    keep_batch: bool,
) -> Result<Prepared, ExecError> {
    let (diff, receipts, code_caches) = run_txs(sandbox, base, batch, head, verdicts)?;
    let partition = batch.partition;
    let root = head.root().next(partition, batch.height, &diff);
    // Encoded once: its digest names it in the result, and it is kept for `isovm replay`.
    let encoded = crate::schema::to_msgpack(batch);
    let committed = CommittedBlock {
        batch_digest: ledger::digest_of(&encoded),
        result: BlockResult {
            partition,
            height: batch.height,
            state_root: root.to_hex(),
            receipts,
        },
        timestamp_ms: batch.timestamp_ms,
        changes: ledger::changes(&diff),
    };
    let new_head = Head {
        height: batch.height,
        state_root: root.0,
        timestamp_ms: batch.timestamp_ms,
    };
    let (write, record) = ledger::commit_batch(
        &diff,
        &committed,
        new_head,
        &code_caches,
        keep_batch.then_some(encoded),
    );
    Ok(Prepared {
        result: committed.result,
        head: new_head,
        diff,
        write,
        record: Arc::new(record),
    })
}

type TxsOutput = (BlockDiff, Vec<Receipt>, Vec<([u8; 32], Vec<u8>)>);

fn run_txs(
    sandbox: &mut Sandbox,
    base: &dyn ReadView,
    batch: &Batch,
    head: &Head,
    verdicts: &[Verdict],
) -> Result<TxsOutput, ExecError> {
    assert_eq!(
        verdicts.len(),
        batch.txs.len(),
        "one verdict per transaction"
    );
    let ctx = BlockCtx::new(
        batch.partition,
        batch.height,
        batch.timestamp_ms,
        &head.root(),
        &batch.producer,
        base,
        false,
    );
    let mut diff = BlockDiff::default();
    let mut receipts = Vec::with_capacity(batch.txs.len());
    let mut code_caches = Vec::new();
    for (index, (tx, verdict)) in batch.txs.iter().zip(verdicts).enumerate() {
        let _span = super::spans::tx_span(batch.partition, batch.height, index, tx).entered();
        let admitted = replay::admit(
            base,
            &diff,
            batch.partition,
            batch.timestamp_ms,
            tx,
            verdict,
        )?;
        let proof = match admitted {
            Ok(proof) => proof,
            Err(refused) => {
                receipts.push(refused);
                continue;
            }
        };
        let out =
            tx::run_tx(sandbox, &ctx, &diff, tx, &proof).map_err(|abandon| match abandon {
                Abandon::Host(e) => ExecError::Host(e),
                Abandon::NodeFault(kind) => ExecError::NodeFault {
                    partition: batch.partition,
                    height: batch.height,
                    tx_hash: tx.hash.clone(),
                    kind,
                },
            })?;
        if let Some(writes) = out.writes {
            diff.apply(writes);
        }
        // A transaction whose signatures do not prove its publisher or signers to the
        // accounts (`signers.rs`) changes nothing: no fee, and its hash is not spent.
        if out.receipt.status != Status::InvalidSignature {
            replay::record(&mut diff, batch.partition, &tx.hash, batch.height);
            charge_fee(
                &mut diff,
                base,
                batch.partition,
                &tx.publisher,
                out.receipt.gas_used,
            )?;
        }
        code_caches.extend(out.code_caches);
        receipts.push(out.receipt);
    }
    Ok((diff, receipts, code_caches))
}

/// Adds `gas` to the publisher's total in the system contract's fee map.
fn charge_fee(
    diff: &mut BlockDiff,
    base: &dyn ReadView,
    partition: u32,
    publisher: &str,
    gas: u64,
) -> Result<(), HostError> {
    let key = keys::map_field_key(partition, super::system::SYSTEM, FEES_MAP, publisher);
    let none = WriteSet::default();
    let layers = Layers {
        base,
        block: diff,
        tx: &none,
    };
    let read = |k: &[u8]| layers.get(k).map_err(|e| HostError(e.to_string()));
    let paid = match read(&key)? {
        None => 0,
        Some(bytes) => super::host::field_value(bytes)?
            .1
            .parse::<u64>()
            .map_err(|_| HostError(format!("fee record of {publisher} is corrupt")))?,
    };
    // A map field like any other: contracts read it with `storage.globalMapGet`.
    let (seq, counter) =
        super::host::field_seq(&read, partition, super::system::SYSTEM, FEES_MAP, &key)?;
    let mut fee = WriteSet::default();
    if let Some((seq_key, next)) = counter {
        fee.put(seq_key, next);
    }
    let total = paid.saturating_add(gas).to_string();
    fee.put(key, super::host::field_bytes(seq, total.as_bytes()));
    diff.apply(fee);
    Ok(())
}
