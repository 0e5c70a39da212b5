//! `isovm bench --signatures`: what verifying transaction signatures costs on this machine:
//! ed25519 one by one and in batches, secp256k1 one by one, each on one thread and on every
//! core, and the whole check of a batch of signed transactions (`Executor`'s, before a batch
//! runs) per transaction, against a target of 100,000 transactions a second.

use std::io::Write;
use std::time::Instant;

use serde::Serialize;

use super::sign::{Role, sign_tx};
use crate::crypto::{self, Ed25519Check, KeyPair};
use crate::schema::{Action, Algorithm, Batch, Tx};

/// The transaction rate the cost per transaction is set against.
pub const TARGET_TX_PER_S: f64 = 100_000.0;

/// One measurement.
#[derive(Debug, Clone, Serialize)]
pub struct Rate {
    pub what: String,
    pub threads: usize,
    pub count: usize,
    pub per_s: f64,
    /// Wall-clock microseconds per item.
    pub us_each: f64,
}

#[derive(Debug, Serialize)]
pub struct SignatureReport {
    pub cores: usize,
    pub rates: Vec<Rate>,
    /// The check of a batch of signed transfers (one ed25519 publisher signature each, as the
    /// throughput bench signs them), on every core: wall-clock µs per transaction.
    pub tx_check_us: f64,
    /// The share of one second's wall clock that checking 100,000 such transactions takes.
    pub share_of_target: f64,
}

#[derive(Debug, thiserror::Error)]
#[error("bench --signatures: {0}")]
pub struct SignatureBenchError(String);

fn rate(what: &str, threads: usize, count: usize, seconds: f64) -> Rate {
    Rate {
        what: what.to_string(),
        threads,
        count,
        per_s: count as f64 / seconds,
        us_each: seconds * 1e6 / count as f64,
    }
}

/// Times `work` (which checks `count` items and says whether all passed) on `threads`
/// threads, the best of `rounds`.
fn timed(
    threads: usize,
    rounds: usize,
    work: &(dyn Fn() -> bool + Sync),
) -> Result<f64, SignatureBenchError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| SignatureBenchError(e.to_string()))?;
    let mut best = f64::INFINITY;
    for _ in 0..rounds {
        let start = Instant::now();
        if !pool.install(work) {
            return Err(SignatureBenchError("a valid signature failed".into()));
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    Ok(best)
}

/// Signed messages: (32-byte digest, raw signature, raw key), `count` of them, by keys of
/// `algorithm` (a few keys, as a batch of transactions has a few publishers each many times).
fn signed_digests(algorithm: Algorithm, count: usize) -> Vec<([u8; 32], Vec<u8>, Vec<u8>)> {
    let keys: Vec<KeyPair> = (0..16).map(|_| KeyPair::generate(algorithm)).collect();
    (0..count)
        .map(|i| {
            let digest: [u8; 32] =
                <sha3::Sha3_256 as sha3::Digest>::digest((i as u64).to_be_bytes()).into();
            let key = &keys[i % keys.len()];
            (digest, key.sign_bytes(&digest), key.public_bytes())
        })
        .collect()
}

/// A batch of `count` transfers, each signed by its publisher (one of 16 ed25519 keys).
pub fn signed_transfers(count: usize) -> Batch {
    let keys: Vec<KeyPair> = (0..16)
        .map(|_| KeyPair::generate(Algorithm::Ed25519))
        .collect();
    let txs = (0..count)
        .map(|i| {
            let publisher = format!("user{}", i % keys.len());
            let mut tx = Tx {
                publisher: publisher.clone(),
                gas_limit: 1_000_000,
                time_ms: Some(i as u64),
                actions: vec![Action {
                    contract: "token.iost".into(),
                    method: "transfer".into(),
                    args: serde_json::json!(["iost", publisher, "bob", "1", ""]),
                }],
                ..Tx::default()
            };
            sign_tx(
                0,
                &mut tx,
                &keys[i % keys.len()],
                &Role::Publisher(publisher),
            )
            .expect("a publisher always signs");
            tx
        })
        .collect();
    Batch {
        partition: 0,
        height: 1,
        timestamp_ms: 1,
        producer: String::new(),
        txs,
    }
}

/// Measures with `count` signatures of each kind, the best of `rounds`.
pub fn measure(count: usize, rounds: usize) -> Result<SignatureReport, SignatureBenchError> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut rates = Vec::new();
    let ed = signed_digests(Algorithm::Ed25519, count);
    let checks: Vec<Ed25519Check> = ed
        .iter()
        .map(|(msg, sig, key)| Ed25519Check { msg, sig, key })
        .collect();
    let single = || {
        use rayon::prelude::*;
        checks
            .par_iter()
            .all(|c| crypto::ed25519(c.msg, c.sig, c.key))
    };
    let all = &checks;
    let batched = |chunk: usize| {
        move || {
            crypto::ed25519_in_chunks(all, chunk)
                .into_iter()
                .all(|ok| ok)
        }
    };
    let chunk = crate::consensus::PARAMS.limits.signature_batch;
    let secp = signed_digests(Algorithm::Secp256k1, count / 4);
    let secp_single = || {
        use rayon::prelude::*;
        secp.par_iter()
            .all(|(msg, sig, key)| crypto::secp256k1(msg, sig, key))
    };
    for threads in [1, cores] {
        let s = timed(threads, rounds, &single)?;
        rates.push(rate("ed25519, one by one", threads, count, s));
        let sizes: &[usize] = if threads == 1 {
            &[16, chunk, 256, 1024]
        } else {
            &[chunk]
        };
        for &size in sizes {
            let s = timed(threads, rounds, &batched(size))?;
            let what = if size == chunk {
                format!("ed25519, batches of {size} (as txs)")
            } else {
                format!("ed25519, batches of {size}")
            };
            rates.push(rate(&what, threads, count, s));
        }
        let s = timed(threads, rounds, &secp_single)?;
        rates.push(rate("secp256k1, one by one", threads, secp.len(), s));
        if cores == 1 {
            break;
        }
    }
    let batch = signed_transfers(count);
    let check = || {
        crate::exec::check_signatures(&batch, false)
            .iter()
            .all(|v| v.is_ok())
    };
    let s = timed(cores, rounds, &check)?;
    let tx = rate("signed transfers, the batch check", cores, count, s);
    let tx_check_us = tx.us_each;
    rates.push(tx);
    Ok(SignatureReport {
        cores,
        rates,
        tx_check_us,
        share_of_target: tx_check_us * TARGET_TX_PER_S / 1e6,
    })
}

pub fn write_table(report: &SignatureReport, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<36} {:>7} {:>8} {:>12} {:>9}",
        "signatures", "threads", "count", "per second", "µs each"
    )?;
    for r in &report.rates {
        writeln!(
            out,
            "{:<36} {:>7} {:>8} {:>12.0} {:>9.2}",
            r.what, r.threads, r.count, r.per_s, r.us_each
        )?;
    }
    writeln!(
        out,
        "checking a signed transfer: {:.2} µs of wall clock on {} cores; at {} tx/s that is \
         {:.0}% of each second",
        report.tx_check_us,
        report.cores,
        TARGET_TX_PER_S,
        report.share_of_target * 100.0
    )
}
