//! Many ed25519 checks at once: batch verification where it gives the single check's answer,
//! the single check elsewhere.
//!
//! `ed25519-dalek`'s `verify_batch` checks one random linear combination of the signatures'
//! equations, about twice as fast per signature as one check each. Its coefficients come from
//! a transcript of the chunk's contents (no randomness), so a chunk's answer is the same on
//! every node; and the chunks are fixed: `limits.signature_batch` checks each (consensus), in
//! the order given, whatever the number of cores. A chunk that fails is checked one by one, so each check's answer is
//! the single check's ([`super::ed25519`], Go's cofactorless `crypto/ed25519`).
//!
//! The two agree except where a point has a small-order component, which the combination can
//! cancel. Keys with one (small-order or mixed-order keys, a few IOST accepts) are therefore
//! checked singly, never in a chunk. An `R` with one cannot be screened cheaply (it costs a
//! scalar multiplication, what batching saves), so a signature whose `R` was made with a
//! small-order component, which only the key's owner can make, may pass in a chunk where the
//! single check refuses it; the answer is still the same on every node (`docs/transactions.md`).

use std::collections::HashMap;

use rayon::prelude::*;

use super::verify::{ed25519, ed25519_parts};

/// One ed25519 check: `sig` by `key` over `msg`, raw bytes.
#[derive(Debug, Clone, Copy)]
pub struct Ed25519Check<'a> {
    pub msg: &'a [u8],
    pub sig: &'a [u8],
    pub key: &'a [u8],
}

/// Whether each check passes, as [`ed25519`] answers it (see the module's note on `R`), in
/// chunks of `limits.signature_batch`, spread over rayon's threads.
pub fn ed25519_many(checks: &[Ed25519Check<'_>]) -> Vec<bool> {
    ed25519_in_chunks(checks, crate::consensus::PARAMS.limits.signature_batch)
}

/// [`ed25519_many`] with chunks of `chunk` checks (`isovm bench --signatures` compares
/// sizes; transactions are always checked in chunks of `limits.signature_batch`).
pub fn ed25519_in_chunks(checks: &[Ed25519Check<'_>], chunk: usize) -> Vec<bool> {
    let mut answers = vec![false; checks.len()];
    let mut clean_keys: HashMap<&[u8], bool> = HashMap::new();
    let mut batchable = Vec::with_capacity(checks.len());
    let mut single = Vec::new();
    for (i, check) in checks.iter().enumerate() {
        let Some((key, _)) = ed25519_parts(check.sig, check.key) else {
            continue; // false: not a key or not a signature
        };
        let clean = *clean_keys
            .entry(check.key)
            .or_insert_with(|| !key.is_weak() && key.to_edwards().is_torsion_free());
        if clean {
            batchable.push(i);
        } else {
            single.push(i);
        }
    }
    let chunked: Vec<(usize, bool)> = batchable
        .par_chunks(chunk.max(1))
        .flat_map_iter(|chunk| verify_chunk(checks, chunk))
        .collect();
    let singled: Vec<(usize, bool)> = single
        .par_iter()
        .map(|&i| (i, verify_one(&checks[i])))
        .collect();
    for (i, ok) in chunked.into_iter().chain(singled) {
        answers[i] = ok;
    }
    answers
}

fn verify_one(check: &Ed25519Check<'_>) -> bool {
    ed25519(check.msg, check.sig, check.key)
}

/// The checks `chunk` (indices into `checks`, all parseable) in one batch verification, or
/// one by one when it fails.
fn verify_chunk(checks: &[Ed25519Check<'_>], chunk: &[usize]) -> Vec<(usize, bool)> {
    let mut messages = Vec::with_capacity(chunk.len());
    let mut signatures = Vec::with_capacity(chunk.len());
    let mut keys = Vec::with_capacity(chunk.len());
    for &i in chunk {
        let check = &checks[i];
        let (key, sig) = ed25519_parts(check.sig, check.key).expect("screened");
        messages.push(check.msg);
        signatures.push(sig);
        keys.push(key);
    }
    if ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok() {
        return chunk.iter().map(|&i| (i, true)).collect();
    }
    chunk.iter().map(|&i| (i, verify_one(&checks[i]))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    fn key(n: u8) -> SigningKey {
        SigningKey::from_bytes(&[n; 32])
    }

    #[test]
    fn a_bad_signature_in_a_chunk_fails_alone() {
        let messages: Vec<Vec<u8>> = (0..150u32).map(|i| i.to_be_bytes().to_vec()).collect();
        let signers: Vec<SigningKey> = (0..150).map(|i| key(i as u8 % 7)).collect();
        let mut sigs: Vec<Vec<u8>> = messages
            .iter()
            .zip(&signers)
            .map(|(m, k)| k.sign(m).to_bytes().to_vec())
            .collect();
        let keys: Vec<Vec<u8>> = signers
            .iter()
            .map(|k| k.verifying_key().to_bytes().to_vec())
            .collect();
        sigs[70][10] ^= 1; // in the second chunk
        sigs[149] = vec![0; 10]; // not a signature
        let checks: Vec<Ed25519Check> = (0..150)
            .map(|i| Ed25519Check {
                msg: &messages[i],
                sig: &sigs[i],
                key: &keys[i],
            })
            .collect();
        let answers = ed25519_many(&checks);
        for (i, ok) in answers.iter().enumerate() {
            assert_eq!(*ok, i != 70 && i != 149, "check {i}");
            assert_eq!(*ok, verify_one(&checks[i]), "check {i} as the single check");
        }
    }

    #[test]
    fn small_order_keys_get_the_single_answer() {
        // The identity as key and R, S = 0: Go's check accepts it for any message.
        let identity = [&[1u8][..], &[0u8; 31]].concat();
        let forged = [identity.clone(), vec![0; 32]].concat();
        let good = key(1);
        let sig = good.sign(b"m").to_bytes();
        let public = good.verifying_key().to_bytes();
        let checks = [
            Ed25519Check {
                msg: b"anything",
                sig: &forged,
                key: &identity,
            },
            Ed25519Check {
                msg: b"m",
                sig: &sig,
                key: &public,
            },
        ];
        assert_eq!(ed25519_many(&checks), vec![true, true]);
    }
}
