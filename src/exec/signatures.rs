//! A batch's signatures, checked before it runs: per transaction, the [`Proof`] its
//! signatures give, or why it has none (its receipt is then `invalid_signature`).
//!
//! Pure CPU and independent of state, so it is spread over every core (rayon): the signed
//! bytes and digests of each transaction in parallel, then every ed25519 signature of the
//! batch in fixed chunks of batch verification (`crypto::ed25519_many`), every secp256k1
//! signature singly in parallel. What a transaction is told depends only on its own bytes
//! (and the node's unsigned mode), never on the cores or on the rest of the batch.

use std::sync::Arc;

use rayon::prelude::*;
use sha3::Digest;

use crate::contract::auth::Proof;
use crate::crypto::{self, Ed25519Check};
use crate::schema::{self, Algorithm, Batch, Signature, Tx};

/// What the signature check says of one transaction: its proof, or why it is refused.
pub type Verdict = Result<Proof, String>;

/// A batch and the verdict on each of its transactions, in order: what
/// `Executor::check` makes and `Executor::begin_checked` runs. Cheap to clone (a retry runs
/// the same one again).
#[derive(Debug, Clone)]
pub struct Checked {
    pub(super) batch: Arc<Batch>,
    pub(super) verdicts: Arc<Vec<Verdict>>,
}

impl Checked {
    /// The batch that was checked.
    pub fn batch(&self) -> &Batch {
        &self.batch
    }
}

/// One signature to check: over `message`, by `sig.public_key`.
struct Check<'a> {
    message: [u8; 32],
    sig: &'a Signature,
    /// The signature's place, for the refusal: `Some(j)` for `signatures[j]`, none for the
    /// publisher's.
    signer: Option<usize>,
    raw_sig: Vec<u8>,
    raw_key: Vec<u8>,
}

/// A transaction on its way through the check.
enum Stage<'a> {
    Decided(Verdict),
    Checks(Vec<Check<'a>>),
}

/// The verdict on every transaction of `batch`, in order. With `accept_unsigned` (the
/// development mode) a transaction without any signature is proven as its publisher
/// (`Proof::unsigned`); signed ones are checked all the same.
pub fn check(batch: &Batch, accept_unsigned: bool) -> Vec<Verdict> {
    let partition = batch.partition;
    let stages: Vec<Stage> = batch
        .txs
        .par_iter()
        .map(|tx| stage(partition, tx, accept_unsigned))
        .collect();
    let mut ed25519 = Vec::new();
    let mut secp256k1 = Vec::new();
    for (t, stage) in stages.iter().enumerate() {
        if let Stage::Checks(checks) = stage {
            for (c, check) in checks.iter().enumerate() {
                match check.sig.algorithm {
                    Algorithm::Ed25519 => ed25519.push((t, c)),
                    Algorithm::Secp256k1 => secp256k1.push((t, c)),
                }
            }
        }
    }
    let check_at = |&(t, c): &(usize, usize)| match &stages[t] {
        Stage::Checks(checks) => &checks[c],
        Stage::Decided(_) => unreachable!("only staged checks are listed"),
    };
    let ed_checks: Vec<Ed25519Check> = ed25519
        .iter()
        .map(|at| {
            let check = check_at(at);
            Ed25519Check {
                msg: &check.message,
                sig: &check.raw_sig,
                key: &check.raw_key,
            }
        })
        .collect();
    let ed_answers = crypto::ed25519_many(&ed_checks);
    let secp_answers: Vec<bool> = secp256k1
        .par_iter()
        .map(|at| {
            let check = check_at(at);
            crypto::secp256k1(&check.message, &check.raw_sig, &check.raw_key)
        })
        .collect();
    let mut failed: Vec<Option<usize>> = vec![None; stages.len()];
    for (&(t, c), ok) in ed25519
        .iter()
        .zip(ed_answers)
        .chain(secp256k1.iter().zip(secp_answers))
    {
        if !ok {
            failed[t] = Some(failed[t].map_or(c, |first| first.min(c)));
        }
    }
    stages
        .into_iter()
        .zip(batch.txs.iter().zip(failed))
        .map(|(stage, (tx, failed))| match stage {
            Stage::Decided(verdict) => verdict,
            Stage::Checks(checks) => match failed {
                Some(c) => Err(refusal(&checks[c])),
                None => Ok(proof(tx)),
            },
        })
        .collect()
}

/// The checks `tx` needs, or its verdict when it needs none (unsigned, or a wrong hash).
fn stage(partition: u32, tx: &Tx, accept_unsigned: bool) -> Stage<'_> {
    if tx.signatures.is_empty() && tx.publisher_signature.is_none() {
        return Stage::Decided(if accept_unsigned {
            Ok(Proof {
                unsigned: true,
                signers: tx.signers.clone(),
                ..Proof::default()
            })
        } else {
            Err(
                "the transaction is not signed (no publisher_signature), and this node does \
                 not accept unsigned transactions"
                    .into(),
            )
        });
    }
    let bytes = schema::signed_bytes(partition, tx);
    let digest: [u8; 32] = sha3::Sha3_256::digest(&bytes).into();
    let hash = bs58::encode(digest).into_string();
    if tx.hash != hash {
        return Stage::Decided(Err(format!(
            "hash {} is not the transaction's: its signed bytes for partition {partition} \
             hash to {hash} (base58 SHA3-256, docs/transactions.md)",
            tx.hash
        )));
    }
    let Some(publisher) = &tx.publisher_signature else {
        return Stage::Decided(Err(
            "no publisher_signature: the publisher must sign the transaction".into(),
        ));
    };
    let publish = schema::publish_digest(&bytes, &tx.signatures);
    let mut checks: Vec<Check> = tx
        .signatures
        .iter()
        .enumerate()
        .map(|(j, sig)| staged(digest, sig, Some(j)))
        .collect();
    checks.push(staged(publish, publisher, None));
    Stage::Checks(checks)
}

fn staged(message: [u8; 32], sig: &Signature, signer: Option<usize>) -> Check<'_> {
    Check {
        message,
        sig,
        signer,
        raw_sig: crypto::unbase58(&sig.signature),
        raw_key: crypto::unbase58(&sig.public_key),
    }
}

fn refusal(check: &Check<'_>) -> String {
    let (algorithm, key) = (check.sig.algorithm, &check.sig.public_key);
    match check.signer {
        Some(j) => format!(
            "signatures[{j}] ({algorithm}, key {key}) does not verify over the transaction's hash"
        ),
        None => format!(
            "publisher_signature ({algorithm}, key {key}) does not verify over the hash and \
             the signers' signatures"
        ),
    }
}

/// What a transaction whose every signature verified proves.
fn proof(tx: &Tx) -> Proof {
    Proof {
        unsigned: false,
        signed_keys: tx.signatures.iter().map(|s| s.public_key.clone()).collect(),
        publisher_keys: tx
            .publisher_signature
            .iter()
            .map(|s| s.public_key.clone())
            .collect(),
        signers: tx.signers.clone(),
    }
}
