//! `IOSTCrypto`'s digests and signature check, as IOST's `vm/v8vm/crypto.go` computes them:
//! - `sha3(text)`: SHA3-256 of the text's UTF-8 bytes, in base58;
//! - `sha3Hex(hex)`, `ripemd160Hex(hex)`: SHA3-256 / RIPEMD-160 of the bytes the hex text
//!   spells, in lowercase hex; `""` when the text is not hex (odd length or another
//!   character), as IOST answers.
//! - `verify(algo, msg, sig, pubkey)`: 1 when `sig` is `pubkey`'s signature of `msg` under
//!   `algo` (`"ed25519"` or `"secp256k1"`), else 0 (an unknown algorithm too). The three are
//!   base58, and text that is not base58 is read as no bytes, as IOST's decoder answers.
//!   What each algorithm accepts is Go's, byte for byte (`crate::crypto`).
//!
//! Each digest pays `host.call + host.hash`, `per_byte_read` per byte of its argument and
//! `per_byte_hash` per byte hashed, and counts the string it returns. Arguments are limited
//! to `max_value_bytes` (IOST sets no limit). `verify` pays `host.call + host.verify` and
//! `per_byte_verify` per byte of its four arguments, whatever they hold; `msg` is limited to
//! `max_verify_message_bytes`, the others to `max_verify_key_bytes` (IOST sets no limits).

use sha3::Digest;

use super::{
    Args, MAX_VALUE_BYTES, Outcome, charge, cost, count, js_string, native, string_arg,
    string_units,
};
use crate::consensus::PARAMS;
use crate::crypto;

fn digest_native<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: &Args,
    state: &mut super::CallState,
    what: &str,
    name: &str,
    hash: impl FnOnce(&str) -> (usize, String),
) -> Outcome<Option<v8::Local<'s, v8::Value>>> {
    let text = string_arg(scope, args, 0, what, name, MAX_VALUE_BYTES)?;
    charge(
        state,
        cost::CALL + cost::HASH + text.len() as u64 * cost::PER_BYTE_READ,
    )?;
    let (hashed, out) = hash(&text);
    charge(state, hashed as u64 * cost::PER_BYTE_HASH)?;
    count(state, string_units(out.len()))?;
    Ok(Some(js_string(scope, &out)?))
}

/// The bytes `text` spells in hex (either case), or `None`.
fn unhex(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes
        .chunks(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

/// The `D` digest of the bytes hex `text` spells, in hex, with the number of bytes hashed;
/// `""` and none for text that is not hex.
fn hex_digest<D: Digest>(text: &str) -> (usize, String) {
    match unhex(text) {
        Some(bytes) => (bytes.len(), hex(&D::digest(&bytes))),
        None => (0, String::new()),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `IOSTCrypto.sha3(text)`.
pub(super) fn sha3(scope: &mut v8::PinScope, args: Args, mut rv: v8::ReturnValue<v8::Value>) {
    native(scope, &mut rv, |scope, state| {
        digest_native(scope, &args, state, "IOSTCrypto.sha3", "text", |text| {
            let digest = sha3::Sha3_256::digest(text.as_bytes());
            (text.len(), bs58::encode(digest).into_string())
        })
    });
}

/// `IOSTCrypto.sha3Hex(hex)`.
pub(super) fn sha3_hex(scope: &mut v8::PinScope, args: Args, mut rv: v8::ReturnValue<v8::Value>) {
    native(scope, &mut rv, |scope, state| {
        digest_native(
            scope,
            &args,
            state,
            "IOSTCrypto.sha3Hex",
            "hex",
            hex_digest::<sha3::Sha3_256>,
        )
    });
}

/// `IOSTCrypto.ripemd160Hex(hex)`.
pub(super) fn ripemd160_hex(
    scope: &mut v8::PinScope,
    args: Args,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    native(scope, &mut rv, |scope, state| {
        digest_native(
            scope,
            &args,
            state,
            "IOSTCrypto.ripemd160Hex",
            "hex",
            hex_digest::<ripemd::Ripemd160>,
        )
    });
}

/// `IOSTCrypto.verify(algo, msg, sig, pubkey)`: 1 or 0, a number, as IOST returns.
pub(super) fn verify(scope: &mut v8::PinScope, args: Args, mut rv: v8::ReturnValue<v8::Value>) {
    const WHAT: &str = "IOSTCrypto.verify";
    let key_bytes = PARAMS.limits.max_verify_key_bytes;
    let message_bytes = PARAMS.limits.max_verify_message_bytes;
    native(scope, &mut rv, |scope, state| {
        let algo = string_arg(scope, &args, 0, WHAT, "algo", key_bytes)?;
        let msg = string_arg(scope, &args, 1, WHAT, "msg", message_bytes)?;
        let sig = string_arg(scope, &args, 2, WHAT, "sig", key_bytes)?;
        let pubkey = string_arg(scope, &args, 3, WHAT, "pubkey", key_bytes)?;
        let bytes = algo.len() + msg.len() + sig.len() + pubkey.len();
        charge(
            state,
            cost::CALL + cost::VERIFY + bytes as u64 * cost::PER_BYTE_VERIFY,
        )?;
        let valid = signature_valid(&algo, &msg, &sig, &pubkey);
        Ok(Some(v8::Integer::new(scope, i32::from(valid)).into()))
    });
}

/// IOST's answer for base58 `msg`, `sig` and `pubkey` under `algo` (`crate::crypto`: the
/// same checks a transaction's signatures pass).
fn signature_valid(algo: &str, msg: &str, sig: &str, pubkey: &str) -> bool {
    let verify = match algo {
        "ed25519" => crypto::ed25519,
        "secp256k1" => crypto::secp256k1,
        _ => return false,
    };
    let unbase58 = crypto::unbase58;
    verify(&unbase58(msg), &unbase58(sig), &unbase58(pubkey))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_read_in_either_case_and_refused_when_odd_or_not_hex() {
        assert_eq!(unhex("00aBff"), Some(vec![0x00, 0xab, 0xff]));
        assert_eq!(unhex(""), Some(vec![]));
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
        assert_eq!(hex(&[0x0f, 0xa0]), "0fa0");
    }
}
