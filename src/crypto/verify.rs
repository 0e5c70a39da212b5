//! One signature check per algorithm, as IOST's Go backends answer it: what `IOSTCrypto.verify`
//! returns to contracts and what a transaction's signatures are held to.

/// The bytes base58 `text` spells (Bitcoin's alphabet, a leading `1` per zero byte), or none
/// when a character is not in the alphabet: IOST's `common.Base58Decode` (btcutil) answers
/// `[]byte("")` then, and verifies against that.
pub fn unbase58(text: &str) -> Vec<u8> {
    bs58::decode(text).into_vec().unwrap_or_default()
}

/// Go's `crypto/ed25519.Verify` (RFC 8032's cofactorless check): a 32-byte key that decodes
/// to a point (non-canonical encodings and small-order points accepted, hashed as given), a
/// 64-byte signature whose `S` is below the group order, and `R` equal, as an encoding, to
/// `[S]B - [k]A`. `ed25519-dalek`'s `verify` (without `legacy_compatibility`) is that check;
/// its `verify_strict` would refuse small-order keys and `R`s that IOST accepts.
pub fn ed25519(msg: &[u8], sig: &[u8], pubkey: &[u8]) -> bool {
    use ed25519_dalek::Verifier;
    let Some((key, sig)) = ed25519_parts(sig, pubkey) else {
        return false;
    };
    key.verify(msg, &sig).is_ok()
}

/// The key and signature of an ed25519 check, or none when either cannot be one (a key that
/// is not 32 bytes or not a point, a signature that is not 64 bytes: Go panics on a short
/// key, and IOST recovers and answers false).
pub fn ed25519_parts(
    sig: &[u8],
    pubkey: &[u8],
) -> Option<(ed25519_dalek::VerifyingKey, ed25519_dalek::Signature)> {
    let pubkey = <&[u8; 32]>::try_from(pubkey).ok()?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(pubkey).ok()?;
    let sig = ed25519_dalek::Signature::from_slice(sig).ok()?;
    Some((key, sig))
}

/// IOST's secp256k1 backend (dcrd's `secp256k1/v4`): `sig` is `r ‖ s`, 32 bytes each, both in
/// `[1, n)`, and `s` at most `n/2` (low-S, so a signature cannot be made into a second
/// one); the key is SEC 1, compressed, uncompressed or hybrid (`06`/`07`, whose tag must
/// match `y`'s parity); `msg` is the hash itself, not hashed again: its first 32 bytes as a
/// big-endian number (shorter ones padded on the left), reduced modulo `n`.
pub fn secp256k1(msg: &[u8], sig: &[u8], pubkey: &[u8]) -> bool {
    use k256::ecdsa::signature::hazmat::PrehashVerifier;
    use k256::elliptic_curve::scalar::IsHigh;
    if sig.len() != 64 {
        return false;
    }
    let mut key = pubkey.to_vec();
    match (key.len(), key.first()) {
        (33, Some(2 | 3)) | (65, Some(4)) => {}
        (65, Some(&tag @ (6 | 7))) => {
            if (key[64] & 1) != (tag & 1) {
                return false;
            }
            key[0] = 4;
        }
        _ => return false,
    }
    let (Ok(key), Ok(sig)) = (
        k256::ecdsa::VerifyingKey::from_sec1_bytes(&key),
        k256::ecdsa::Signature::from_slice(sig),
    ) else {
        return false;
    };
    if bool::from(sig.s().is_high()) {
        return false;
    }
    let mut hash = [0u8; 32];
    let first = &msg[..msg.len().min(32)];
    hash[32 - first.len()..].copy_from_slice(first);
    key.verify_prehash(&hash, &sig).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base58_as_btcutil_reads_it() {
        assert_eq!(unbase58(""), Vec::<u8>::new());
        assert_eq!(unbase58("11"), vec![0, 0]);
        assert_eq!(unbase58("112"), vec![0, 0, 1]);
        assert_eq!(unbase58("z"), vec![57]);
        assert_eq!(unbase58("21"), vec![58]);
        // A character outside the alphabet: no bytes at all, as `base58.Decode` answers.
        for bad in ["0", "O", "I", "l", "2y0", "é", "2 y"] {
            assert_eq!(unbase58(bad), Vec::<u8>::new(), "{bad}");
        }
    }

    #[test]
    fn secp256k1_keys_of_a_wrong_length_or_tag_are_refused_before_parsing() {
        let sig = [1u8; 64];
        for key in [
            &[2u8; 32][..],
            &[5u8; 33],
            &[4u8; 33],
            &[2u8; 65],
            &[0u8; 1],
            &[],
        ] {
            assert!(!secp256k1(&[0; 32], &sig, key));
        }
    }
}
