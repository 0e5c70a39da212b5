//! Signed transactions: verification before a batch runs (ed25519 in batches, secp256k1),
//! the receipts of transactions it refuses, replay protection and expiration, all through
//! the executor on a real database, and identical on one and four workers.

mod common;

use common::{Chain, RFC8032, call, options, unhex};
use ed25519_dalek::Signer;
use isovm::cmd::sign::{Role, sign_tx};
use isovm::crypto::{Ed25519Check, KeyPair, ed25519, ed25519_many, secp256k1};
use isovm::exec::ExecOptions;
use isovm::schema::{Algorithm, BlockResult, Receipt, Status, Tx};
use serde_json::json;

/// RFC 6979 secp256k1 vectors (bitcointalk topic 285142, the table implementations share):
/// (secret key, message whose SHA-256 is signed, r ‖ s with s low), hex.
const SECP256K1: [(&str, &str, &str); 2] = [
    (
        "0000000000000000000000000000000000000000000000000000000000000001",
        "Satoshi Nakamoto",
        "934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d82442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5",
    ),
    (
        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140",
        "Satoshi Nakamoto",
        "fd567d121db66e382991534ada77a6bd3106f0a1098c231e47993447cd6af2d06b39cd0eb1bc8603e159ef5c20a5c8ad685a45b06ce9bebed3f153d10d93bed5",
    ),
];

fn flipped(bytes: &[u8], at: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[at] ^= 1;
    out
}

#[test]
fn rfc8032_vectors_sign_and_verify_in_batches_and_singly() {
    let vectors: Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> = RFC8032
        .iter()
        .map(|(seed, public, msg, sig)| {
            let key = ed25519_dalek::SigningKey::from_bytes(&unhex(seed).try_into().unwrap());
            assert_eq!(key.verifying_key().to_bytes().to_vec(), unhex(public));
            assert_eq!(key.sign(&unhex(msg)).to_bytes().to_vec(), unhex(sig));
            (unhex(public), unhex(msg), unhex(sig))
        })
        .collect();
    // 3 × 50 checks (three chunks of batch verification), every seventh one tampered in
    // turn in its R, its S, its message or its key.
    let mut cases = Vec::new();
    for n in 0..150 {
        let (key, msg, sig) = vectors[n % 3].clone();
        let (key, msg, sig, valid) = match (n % 7, n / 7 % 4) {
            (0, 0) => (key, msg, flipped(&sig, 3), false),
            (0, 1) => (key, msg, flipped(&sig, 40), false),
            (0, 2) => (key, [msg, vec![0]].concat(), sig, false),
            (0, 3) => (flipped(&key, 0), msg, sig, false),
            _ => (key, msg, sig, true),
        };
        cases.push((key, msg, sig, valid));
    }
    let checks: Vec<Ed25519Check> = cases
        .iter()
        .map(|(key, msg, sig, _)| Ed25519Check { msg, sig, key })
        .collect();
    let answers = ed25519_many(&checks);
    for (n, ((key, msg, sig, valid), answer)) in cases.iter().zip(answers).enumerate() {
        assert_eq!(answer, *valid, "check {n}");
        assert_eq!(ed25519(msg, sig, key), *valid, "check {n}, singly");
    }
    // All valid: the chunks pass as batches.
    let valid: Vec<Ed25519Check> = (0..checks.len())
        .filter(|n| n % 7 != 0)
        .map(|n| checks[n])
        .collect();
    assert!(ed25519_many(&valid).iter().all(|ok| *ok));
}

#[test]
fn secp256k1_vectors_sign_as_published_and_verify_low_s_only() {
    use k256::ecdsa::signature::hazmat::PrehashSigner;
    use sha2::Digest;
    for (secret, msg, want) in SECP256K1 {
        let digest = sha2::Sha256::digest(msg.as_bytes());
        let key = k256::ecdsa::SigningKey::from_slice(&unhex(secret)).unwrap();
        let sig: k256::ecdsa::Signature = key.sign_prehash(&digest).unwrap();
        let sig = sig.normalize_s().unwrap_or(sig).to_bytes().to_vec();
        assert_eq!(sig, unhex(want), "the published signature");
        let public = key
            .verifying_key()
            .to_encoded_point(true)
            .as_bytes()
            .to_vec();
        assert!(secp256k1(&digest, &sig, &public));
        assert!(!secp256k1(&digest, &flipped(&sig, 40), &public));
        assert!(!secp256k1(&flipped(&digest, 0), &sig, &public));
        // The same signature with s high (n - s) is refused, as IOST refuses it.
        let parsed = k256::ecdsa::Signature::from_slice(&sig).unwrap();
        let (r, s) = parsed.split_scalars();
        let high = k256::ecdsa::Signature::from_scalars(r, -*s).unwrap();
        assert!(!secp256k1(&digest, &high.to_bytes(), &public));
        // isovm's own signing gives the same bytes over a digest.
        let pair = KeyPair::from_secret(Algorithm::Secp256k1, &unhex(secret)).unwrap();
        assert_eq!(pair.sign_bytes(&digest.into()), sig);
    }
}

fn key(seed: u8, algorithm: Algorithm) -> KeyPair {
    let bytes = match algorithm {
        Algorithm::Ed25519 => [seed; 32],
        Algorithm::Secp256k1 => {
            let mut b = [0u8; 32];
            b[31] = seed;
            b
        }
    };
    KeyPair::from_secret(algorithm, &bytes).unwrap()
}

/// `tx` signed for partition 0 by `signers` (declared as `name@active`) and its publisher.
fn signed(mut tx: Tx, publisher: &KeyPair, signers: &[(&str, &KeyPair)]) -> Tx {
    tx.signers = signers.iter().map(|(n, _)| format!("{n}@active")).collect();
    for (name, key) in signers {
        sign_tx(0, &mut tx, key, &Role::Signer(format!("{name}@active"))).unwrap();
    }
    let role = Role::Publisher(tx.publisher.clone());
    sign_tx(0, &mut tx, publisher, &role).unwrap();
    tx
}

/// A transfer of the chain's token from `from` (its publisher) to `to`.
fn transfer(from: &str, to: &str, amount: &str) -> Tx {
    common::tx(
        from,
        vec![call(
            "token.iost",
            "transfer",
            json!(["iost", from, to, amount, ""]),
        )],
    )
}

fn strict() -> ExecOptions {
    let mut options = options();
    options.insecure_accept_unsigned_transactions = false;
    options
}

fn statuses(result: &BlockResult) -> Vec<Status> {
    result.receipts.iter().map(|r| r.status).collect()
}

/// `id` signs itself up (`auth.iost`) with `owner` and `active`, signed with `owner`.
fn sign_up(id: &str, owner: &KeyPair, active: &KeyPair) -> Tx {
    let (o, a) = (owner.public_key(), active.public_key());
    let tx = common::tx(id, vec![call("auth.iost", "signUp", json!([id, o, a]))]);
    signed(tx, owner, &[])
}

/// A chain whose admin holds the token: the accounts sign up (admin with `admin`; alice and
/// carol with owner `key(2)` and active `key(3)`, so either key proves them), then `admin`
/// issues 1,000 iost to alice, signed.
async fn funded(options: ExecOptions, admin: &KeyPair) -> Chain {
    let mut chain = Chain::with_options(options);
    let (two, three) = (key(2, Algorithm::Ed25519), key(3, Algorithm::Secp256k1));
    let accounts = vec![
        sign_up("admin", admin, admin),
        sign_up("alice", &two, &three),
        sign_up("carol", &two, &three),
    ];
    let issue = common::tx(
        "admin",
        vec![call(
            "token.iost",
            "issue",
            json!(["iost", "alice", "1000"]),
        )],
    );
    let mut txs = accounts;
    txs.push(signed(issue, admin, &[]));
    let result = chain.block(txs).await;
    assert_eq!(statuses(&result), [Status::Success; 4], "{result:?}");
    chain
}

async fn balance(chain: &Chain, who: &str) -> String {
    chain
        .query("token.iost", "balanceOf", json!(["iost", who]))
        .await
        .result
}

fn assert_refused(receipt: &Receipt, status: Status, needle: &str) {
    assert_eq!(receipt.status, status, "{receipt:?}");
    assert_eq!(receipt.gas_used, 0, "{receipt:?}");
    assert!(
        receipt.message.contains(needle),
        "{:?} should say {needle:?}",
        receipt.message
    );
    assert!(receipt.returns.is_empty() && receipt.events.is_empty());
}

/// Bad signatures of every kind amid good ones: each bad one is `invalid_signature` with
/// nothing charged or written, and the good ones around it run.
#[tokio::test]
async fn invalid_signatures_are_refused_and_the_batch_goes_on() {
    let (admin, alice, bob) = (
        key(1, Algorithm::Ed25519),
        key(2, Algorithm::Ed25519),
        key(3, Algorithm::Secp256k1),
    );
    let mut chain = funded(strict(), &admin).await;
    let good = |amount: &str| signed(transfer("alice", "bob", amount), &alice, &[]);
    let tampered_signature = {
        let mut tx = good("2");
        let sig = tx.publisher_signature.as_mut().unwrap();
        let mut raw = bs58::decode(&sig.signature).into_vec().unwrap();
        raw[10] ^= 1;
        sig.signature = bs58::encode(raw).into_string();
        tx
    };
    let wrong_key = {
        let mut tx = good("3");
        let other = key(4, Algorithm::Ed25519).public_key();
        tx.publisher_signature.as_mut().unwrap().public_key = other;
        tx
    };
    let bad_hash = {
        let mut tx = good("4");
        tx.hash = common::tx_hash();
        tx
    };
    let tampered_tx = {
        let mut tx = good("5");
        tx.actions[0].args = json!(["iost", "alice", "bob", "500", ""]);
        tx
    };
    let unsigned = transfer("alice", "bob", "6");
    let no_publisher = {
        let mut tx = signed(transfer("alice", "bob", "7"), &alice, &[("carol", &bob)]);
        tx.publisher_signature = None;
        tx
    };
    let bad_signer = {
        let mut tx = transfer("alice", "bob", "8");
        tx.signers = vec!["carol@active".into()];
        sign_tx(0, &mut tx, &bob, &Role::Signer("carol@active".into())).unwrap();
        let sig = &mut tx.signatures[0];
        let mut raw = bs58::decode(&sig.signature).into_vec().unwrap();
        raw[50] ^= 1;
        sig.signature = bs58::encode(raw).into_string();
        sign_tx(0, &mut tx, &alice, &Role::Publisher("alice".into())).unwrap();
        tx
    };
    // Cosigned by carol, whose active key is `bob`'s (key 3).
    let cosigned = signed(transfer("alice", "bob", "9"), &alice, &[("carol", &bob)]);
    let (first, last) = (good("1"), cosigned);
    let result = chain
        .block(vec![
            first.clone(),
            tampered_signature,
            wrong_key,
            bad_hash,
            tampered_tx,
            unsigned,
            no_publisher,
            bad_signer,
            last.clone(),
        ])
        .await;
    let r = &result.receipts;
    assert_eq!(r[0].status, Status::Success, "{:?}", r[0]);
    assert_refused(&r[1], Status::InvalidSignature, "publisher_signature");
    assert_refused(&r[2], Status::InvalidSignature, "does not verify");
    assert_refused(&r[3], Status::InvalidSignature, "is not the transaction's");
    assert_refused(&r[4], Status::InvalidSignature, "is not the transaction's");
    assert_refused(&r[5], Status::InvalidSignature, "not signed");
    assert_refused(&r[6], Status::InvalidSignature, "no publisher_signature");
    assert_refused(&r[7], Status::InvalidSignature, "signatures[0] (secp256k1");
    assert_eq!(r[8].status, Status::Success, "{:?}", r[8]);
    assert_eq!(balance(&chain, "bob").await, balance_of(10));
    // The refused ones changed nothing, not even a fee: the same block without them has the
    // same state root.
    let mut without = funded(strict(), &admin).await;
    let clean = without.block(vec![first, last]).await;
    assert_eq!(statuses(&clean), [Status::Success, Status::Success]);
    assert_eq!(clean.state_root, result.state_root);
}

/// A balance as `balanceOf` answers it.
fn balance_of(n: u64) -> String {
    format!("\"{n}\"")
}

/// A hash runs once in its partition: a second copy later in the same batch or in a later
/// batch is `duplicate`, charged nothing; a copy with a bad signature neither runs nor
/// blocks the real one; a failed transaction is recorded too (it paid its fee).
#[tokio::test]
async fn a_transaction_runs_once() {
    let (admin, alice) = (key(1, Algorithm::Ed25519), key(2, Algorithm::Ed25519));
    let mut chain = funded(strict(), &admin).await;
    let pay = signed(transfer("alice", "bob", "1"), &alice, &[]);
    let forged = {
        let mut tx = pay.clone();
        let sig = tx.publisher_signature.as_mut().unwrap();
        sig.signature = signed(transfer("alice", "bob", "2"), &alice, &[])
            .publisher_signature
            .unwrap()
            .signature;
        tx
    };
    let too_much = signed(transfer("alice", "bob", "5000"), &alice, &[]);
    let result = chain
        .block(vec![forged, pay.clone(), pay.clone(), too_much.clone()])
        .await;
    assert_refused(
        &result.receipts[0],
        Status::InvalidSignature,
        "does not verify",
    );
    assert_eq!(result.receipts[1].status, Status::Success);
    assert_refused(&result.receipts[2], Status::Duplicate, "already ran");
    assert_eq!(result.receipts[3].status, Status::RuntimeError);
    let again = chain.block(vec![pay.clone(), too_much]).await;
    let height = result.height.to_string();
    assert_refused(
        &again.receipts[0],
        Status::Duplicate,
        &format!("at height {height}"),
    );
    assert_refused(&again.receipts[1], Status::Duplicate, "already ran");
    assert_eq!(balance(&chain, "bob").await, balance_of(1));
    // The record is consensus state: the same transfer under another hash (another
    // `time_ms`) leaves the same balances and fees but another root.
    let mut x = funded(strict(), &admin).await;
    let mut y = funded(strict(), &admin).await;
    let mut twin = transfer("alice", "bob", "1");
    twin.time_ms = Some(1);
    let (x_result, y_result) = (
        x.block(vec![pay]).await,
        y.block(vec![signed(twin, &alice, &[])]).await,
    );
    assert_eq!(x_result.receipts[0].gas_used, y_result.receipts[0].gas_used);
    assert_eq!(balance(&x, "bob").await, balance(&y, "bob").await);
    assert_ne!(x_result.state_root, y_result.state_root);
}

/// `expiration_ms` is the block time from which a transaction no longer runs.
#[tokio::test]
async fn expired_transactions_do_not_run() {
    let (admin, alice) = (key(1, Algorithm::Ed25519), key(2, Algorithm::Ed25519));
    let mut chain = funded(strict(), &admin).await;
    let next_time = chain.time_ms + 1000;
    let expiring = |amount: &str, expiration_ms: u64| {
        let mut tx = transfer("alice", "bob", amount);
        tx.expiration_ms = Some(expiration_ms);
        signed(tx, &alice, &[])
    };
    let result = chain
        .block(vec![
            expiring("1", next_time + 1),
            expiring("2", next_time),
            expiring("4", next_time - 1),
        ])
        .await;
    assert_eq!(result.receipts[0].status, Status::Success);
    assert_refused(&result.receipts[1], Status::Expired, "expired at");
    assert_refused(&result.receipts[2], Status::Expired, "expired at");
    assert_eq!(balance(&chain, "bob").await, balance_of(1));
    // Expiration is signed: moving it breaks the signature.
    let mut moved = expiring("8", next_time);
    moved.expiration_ms = Some(next_time + 10_000);
    let result = chain.block(vec![moved]).await;
    assert_refused(&result.receipts[0], Status::InvalidSignature, "hash");
}

/// The development mode runs unsigned transactions and still checks signed ones; without it
/// an unsigned one is refused.
#[tokio::test]
async fn unsigned_transactions_run_only_in_the_development_mode() {
    let (admin, alice) = (key(1, Algorithm::Ed25519), key(2, Algorithm::Ed25519));
    let mut dev = funded(options(), &admin).await;
    let mut bad = signed(transfer("alice", "bob", "2"), &alice, &[]);
    bad.hash = common::tx_hash();
    let result = dev.block(vec![transfer("alice", "bob", "1"), bad]).await;
    assert_eq!(result.receipts[0].status, Status::Success);
    assert_refused(&result.receipts[1], Status::InvalidSignature, "hash");
    let mut strict = funded(strict(), &admin).await;
    let result = strict.block(vec![transfer("alice", "bob", "1")]).await;
    assert_refused(&result.receipts[0], Status::InvalidSignature, "not signed");
}

/// Signed, refused, duplicated and expired transactions give the same receipts and roots on
/// one worker and on four, ed25519 batches of every size around the chunk included.
#[tokio::test]
async fn verification_is_identical_on_one_and_four_workers() {
    let admin = key(1, Algorithm::Ed25519);
    let keys = [key(2, Algorithm::Ed25519), key(3, Algorithm::Secp256k1)];
    let mut runs = Vec::new();
    for workers in [1, 4] {
        let mut options = strict();
        options.pool.min_workers = workers;
        options.pool.max_workers = workers;
        let mut chain = funded(options, &admin).await;
        let mut lines = Vec::new();
        let mut earlier: Vec<Tx> = Vec::new();
        for (height, size) in [(2u64, 63usize), (3, 64), (4, 130)] {
            let expires = chain.time_ms + 1000;
            let txs: Vec<Tx> = (0..size)
                .map(|i| {
                    let mut tx = transfer("alice", "bob", "1");
                    tx.hash.clear();
                    tx.time_ms = Some(height * 1000 + i as u64);
                    if i % 11 == 5 {
                        tx.expiration_ms = Some(expires);
                    }
                    let mut tx = signed(tx, &keys[i % 2], &[("carol", &keys[(i + 1) % 2])]);
                    match i % 13 {
                        3 => tx.publisher_signature = None,
                        7 => {
                            tx.signatures[0].signature =
                                tx.publisher_signature.clone().unwrap().signature
                        }
                        9 if !earlier.is_empty() => tx = earlier[i % earlier.len()].clone(),
                        _ => {}
                    }
                    tx
                })
                .collect();
            earlier.extend(txs.iter().take(5).cloned());
            let result = chain.block(txs).await;
            lines.push(serde_json::to_string(&result).unwrap());
        }
        runs.push(lines);
    }
    assert_eq!(runs[0], runs[1]);
    let last: BlockResult = serde_json::from_str(&runs[0][2]).unwrap();
    for status in [
        Status::Success,
        Status::InvalidSignature,
        Status::Duplicate,
        Status::Expired,
    ] {
        assert!(
            last.receipts.iter().any(|r| r.status == status),
            "the workload has {status:?}"
        );
    }
}
