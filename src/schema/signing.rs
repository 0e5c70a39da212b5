//! What a transaction's signatures sign: its signed bytes, their hash (the transaction's
//! `hash`), and what the publisher signs over them. Consensus: a change here changes every
//! hash and invalidates every signature (`docs/transactions.md` has the layout and a vector).
//!
//! The layout follows IOST's `tx.ToBytes` (its `SimpleEncoder`: integers big-endian, a byte
//! string or text as a 4-byte length and its bytes, a list as a 4-byte count and its items),
//! over isovm's fields:
//!
//! ```text
//! "isovm-tx" 01 | partition u32 | publisher text | gas_limit u64
//! | time_ms option | expiration_ms option | signers list of text
//! | actions list of (contract text, method text, args text)
//! ```
//!
//! An option is `00`, or `01` and the u64. `args` is the compact JSON serde_json writes for
//! the arguments (object keys sorted, no spaces; what `isovm sign` signs). The partition is
//! in (IOST's `chain_id`), so a transaction signed for one partition is refused in another.

use sha3::Digest;

use super::wire::{Signature, Tx};

/// The first bytes of every transaction's signed bytes, and their layout's version: nothing
/// else isovm or IOST signs starts so.
const TAG: &[u8] = b"isovm-tx\x01";

fn write_u32(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(&n.to_be_bytes());
}

fn write_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    write_u32(out, bytes.len() as u32);
    out.extend_from_slice(bytes);
}

fn write_option(out: &mut Vec<u8>, value: Option<u64>) {
    match value {
        None => out.push(0),
        Some(n) => {
            out.push(1);
            out.extend_from_slice(&n.to_be_bytes());
        }
    }
}

/// The bytes a transaction's signers sign the hash of: every field but `hash` and the
/// signatures, with the partition it is for.
pub fn signed_bytes(partition: u32, tx: &Tx) -> Vec<u8> {
    let mut out = Vec::with_capacity(128 + tx.actions.len() * 64);
    out.extend_from_slice(TAG);
    write_u32(&mut out, partition);
    write_bytes(&mut out, tx.publisher.as_bytes());
    out.extend_from_slice(&tx.gas_limit.to_be_bytes());
    write_option(&mut out, tx.time_ms);
    write_option(&mut out, tx.expiration_ms);
    write_u32(&mut out, tx.signers.len() as u32);
    for signer in &tx.signers {
        write_bytes(&mut out, signer.as_bytes());
    }
    write_u32(&mut out, tx.actions.len() as u32);
    for action in &tx.actions {
        write_bytes(&mut out, action.contract.as_bytes());
        write_bytes(&mut out, action.method.as_bytes());
        write_bytes(&mut out, action.args.to_string().as_bytes());
    }
    out
}

/// SHA3-256 of `tx`'s signed bytes: what its signers sign (IOST's base hash).
pub fn tx_digest(partition: u32, tx: &Tx) -> [u8; 32] {
    sha3::Sha3_256::digest(signed_bytes(partition, tx)).into()
}

/// `tx`'s hash: its digest in base58.
pub fn tx_hash(partition: u32, tx: &Tx) -> String {
    bs58::encode(tx_digest(partition, tx)).into_string()
}

/// What the publisher signs (IOST's publish hash): SHA3-256 of the signed bytes followed by
/// the list of the signers' signatures, each as IOST's `Signature.ToBytes` (the algorithm's
/// number, then the signature's and the key's raw bytes, each with its length). Text that is
/// not base58 counts as no bytes (the batch's check refuses it before this runs).
pub fn publish_digest(signed_bytes: &[u8], signatures: &[Signature]) -> [u8; 32] {
    let mut out = signed_bytes.to_vec();
    write_u32(&mut out, signatures.len() as u32);
    for sig in signatures {
        let mut one = vec![sig.algorithm.code()];
        write_bytes(&mut one, &crate::crypto::unbase58(&sig.signature));
        write_bytes(&mut one, &crate::crypto::unbase58(&sig.public_key));
        write_bytes(&mut out, &one);
    }
    sha3::Sha3_256::digest(&out).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Action;

    fn tx() -> Tx {
        Tx {
            publisher: "alice".into(),
            gas_limit: 100,
            actions: vec![Action {
                contract: "token".into(),
                method: "transfer".into(),
                args: serde_json::json!({"b": 1, "a": [true]}),
            }],
            ..Tx::default()
        }
    }

    #[test]
    fn every_field_but_hash_and_signatures_is_signed() {
        let base = signed_bytes(0, &tx());
        let changed: Vec<Tx> = vec![
            Tx {
                publisher: "bob".into(),
                ..tx()
            },
            Tx {
                gas_limit: 101,
                ..tx()
            },
            Tx {
                time_ms: Some(0),
                ..tx()
            },
            Tx {
                expiration_ms: Some(0),
                ..tx()
            },
            Tx {
                signers: vec!["bob@active".into()],
                ..tx()
            },
        ];
        for other in &changed {
            assert_ne!(signed_bytes(0, other), base, "{other:?}");
        }
        assert_ne!(signed_bytes(1, &tx()), base, "the partition is signed");
        let unsigned = Tx {
            hash: "xyz".into(),
            publisher_signature: Some(Signature {
                algorithm: crate::schema::Algorithm::Ed25519,
                public_key: "1".into(),
                signature: "1".into(),
            }),
            ..tx()
        };
        assert_eq!(signed_bytes(0, &unsigned), base);
        // Keys sorted, compact: the text serde_json writes.
        let text = br#"{"a":[true],"b":1}"#;
        assert!(base.windows(text.len()).any(|w| w == text));
    }
}

#[cfg(test)]
mod vector {
    //! The test vector `docs/transactions.md` publishes: asserted here, and the page must
    //! show these very values.
    use super::*;
    use crate::crypto::KeyPair;
    use crate::schema::{Action, Algorithm};

    const DOC: &str = include_str!("../../docs/transactions.md");

    fn seed(hex: &str) -> Vec<u8> {
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn the_published_vector() {
        // RFC 8032's TEST 1 and TEST 2 secret keys: alice publishes, bob signs.
        let alice = KeyPair::from_secret(
            Algorithm::Ed25519,
            &seed("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"),
        )
        .unwrap();
        let bob = KeyPair::from_secret(
            Algorithm::Ed25519,
            &seed("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"),
        )
        .unwrap();
        let mut tx = Tx {
            publisher: "alice".into(),
            gas_limit: 1_000_000,
            time_ms: Some(1_767_225_600_000),
            expiration_ms: Some(1_767_225_690_000),
            signers: vec!["bob@active".into()],
            actions: vec![Action {
                contract: "token.iost".into(),
                method: "transfer".into(),
                args: serde_json::json!(["iost", "alice", "bob", "10", ""]),
            }],
            ..Tx::default()
        };
        let bytes = signed_bytes(0, &tx);
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        tx.hash = tx_hash(0, &tx);
        tx.signatures = vec![bob.sign(&tx_digest(0, &tx))];
        let publish = publish_digest(&bytes, &tx.signatures);
        tx.publisher_signature = Some(alice.sign(&publish));
        let publish_hex: String = publish.iter().map(|b| format!("{b:02x}")).collect();
        for value in [
            hex.as_str(),
            &tx.hash,
            &publish_hex,
            &tx.signatures[0].signature,
            &tx.publisher_signature.as_ref().unwrap().signature,
        ] {
            // The page wraps the hex at 64 characters.
            let page: String = DOC.split_whitespace().collect();
            assert!(
                page.contains(value),
                "docs/transactions.md should show {value}"
            );
        }
    }
}
