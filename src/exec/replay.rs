//! Which transactions of a batch may run: proven by their signatures, not expired, and not
//! run before. Every transaction that runs (whatever its receipt says: a failed one paid its
//! fee) is recorded under its hash in consensus state (`keys::tx_key`, the height it ran at),
//! so it never runs again in its partition, in a later batch or later in the same one. A
//! refused transaction is not recorded: it did not run, and recording the hash of one with a
//! bad signature would let anyone block the real transaction by copying its hash.

use super::signatures::Verdict;
use crate::contract::auth::Proof;
use crate::engine::HostError;
use crate::schema::{Receipt, Status, Tx};
use crate::state::{BlockDiff, Layers, WriteSet, keys};
use crate::store::ReadView;

/// The proof `tx` runs with, or the receipt that turns it away (nothing ran, nothing paid).
/// Checked in this order: signatures, expiration, then the hash against those committed and
/// those earlier in the block (`diff`).
pub(super) fn admit(
    base: &dyn ReadView,
    diff: &BlockDiff,
    partition: u32,
    timestamp_ms: u64,
    tx: &Tx,
    verdict: &Verdict,
) -> Result<Result<Proof, Receipt>, HostError> {
    let refuse = |status, message: String| Ok(Err(refused(tx, status, message)));
    let proof = match verdict {
        Ok(proof) => proof,
        Err(reason) => return refuse(Status::InvalidSignature, reason.clone()),
    };
    if let Some(expiration) = tx.expiration_ms
        && timestamp_ms >= expiration
    {
        return refuse(
            Status::Expired,
            format!(
                "the transaction expired at {expiration} ms; the block's time is {timestamp_ms} ms"
            ),
        );
    }
    if let Some(height) = committed_at(base, diff, partition, &tx.hash)? {
        return refuse(
            Status::Duplicate,
            format!(
                "transaction {} already ran in partition {partition}, at height {height}",
                tx.hash
            ),
        );
    }
    Ok(Ok(proof.clone()))
}

/// The height transaction `hash` ran at in `partition`, if it ran: in the committed (or
/// pending) state below, or earlier in the block being made.
pub(super) fn committed_at(
    base: &dyn ReadView,
    diff: &BlockDiff,
    partition: u32,
    hash: &str,
) -> Result<Option<u64>, HostError> {
    let none = WriteSet::default();
    let layers = Layers {
        base,
        block: diff,
        tx: &none,
    };
    let Some(bytes) = layers
        .get(&keys::tx_key(partition, hash))
        .map_err(|e| HostError(e.to_string()))?
    else {
        return Ok(None);
    };
    let height: [u8; 8] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| HostError(format!("the record of transaction {hash} is corrupt")))?;
    Ok(Some(u64::from_be_bytes(height)))
}

/// Records that `hash` ran at `height`.
pub(super) fn record(diff: &mut BlockDiff, partition: u32, hash: &str, height: u64) {
    let mut ran = WriteSet::default();
    ran.put(keys::tx_key(partition, hash), height.to_be_bytes().to_vec());
    diff.apply(ran);
}

fn refused(tx: &Tx, status: Status, message: String) -> Receipt {
    Receipt {
        tx_hash: tx.hash.clone(),
        status,
        gas_used: 0,
        returns: Vec::new(),
        message,
        events: Vec::new(),
        receipts: Vec::new(),
    }
}
