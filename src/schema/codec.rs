//! Encoding and decoding of wire messages: MessagePack (named fields) and JSON.
//!
//! Decoding never trusts its input: errors name the field that is wrong (`txs[1].gas_limit`),
//! and after the types check out, [`check_batch`] enforces the constraints the JSON Schema in
//! `schemas/batch.schema.json` states (non-empty names, base58 hashes, ...).

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::strict::Strict;
use super::wire::{Batch, Signature};

/// How a message is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    MsgPack,
}

impl Format {
    /// Guesses the format of `bytes`: JSON text starts with `{` (after whitespace); a
    /// MessagePack map starts with a map marker, never with `{` (0x7b is a positive fixint,
    /// which no message is).
    pub fn sniff(bytes: &[u8]) -> Format {
        match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => Format::Json,
            _ => Format::MsgPack,
        }
    }
}

/// Why a message could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("message is {size} bytes, over the {limit}-byte limit")]
    TooLarge { size: usize, limit: usize },
    #[error("not valid {format}: {message}")]
    Syntax {
        format: &'static str,
        message: String,
    },
    #[error("field `{path}`: {message}")]
    Field { path: String, message: String },
    #[error("content type `{content_type}` is neither application/msgpack nor application/json")]
    ContentType { content_type: String },
}

impl DecodeError {
    /// A short machine-friendly reason, used in dead-letter headers.
    pub fn kind(&self) -> &'static str {
        match self {
            DecodeError::TooLarge { .. } => "too_large",
            DecodeError::Syntax { .. } => "syntax",
            DecodeError::Field { .. } => "schema",
            DecodeError::ContentType { .. } => "content_type",
        }
    }
}

impl Format {
    /// The format a message's `content_type` names. Media-type parameters (`; charset=utf-8`)
    /// and case do not matter; no content type means MessagePack, the bus's format.
    pub fn from_content_type(content_type: Option<&str>) -> Result<Format, DecodeError> {
        let Some(full) = content_type else {
            return Ok(Format::MsgPack);
        };
        let media = full
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match media.as_str() {
            "application/json" => Ok(Format::Json),
            "" | "application/msgpack" | "application/x-msgpack" | "application/vnd.msgpack" => {
                Ok(Format::MsgPack)
            }
            _ => Err(DecodeError::ContentType {
                content_type: full.chars().take(100).collect(),
            }),
        }
    }
}

/// Decodes a message of type `T`, naming the offending field on error. Structs are read
/// from maps of named fields only ([`Strict`]), as the schemas say.
pub fn decode<T: DeserializeOwned>(bytes: &[u8], format: Format) -> Result<T, DecodeError> {
    match format {
        Format::Json => {
            let mut de = serde_json::Deserializer::from_slice(bytes);
            let value = serde_path_to_error::deserialize(Strict(&mut de)).map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner();
                if inner.is_syntax() || inner.is_eof() {
                    DecodeError::Syntax {
                        format: "JSON",
                        message: inner.to_string(),
                    }
                } else {
                    DecodeError::Field {
                        path: root_as_message(path),
                        message: strip_position(&inner.to_string()),
                    }
                }
            })?;
            de.end().map_err(|e| DecodeError::Syntax {
                format: "JSON",
                message: e.to_string(),
            })?;
            Ok(value)
        }
        Format::MsgPack => {
            let mut de = rmp_serde::Deserializer::from_read_ref(bytes);
            serde_path_to_error::deserialize(Strict(&mut de)).map_err(|e| {
                let path = e.path().to_string();
                classify_msgpack(path, e.into_inner().to_string())
            })
        }
    }
}

/// Root-level failures mean the bytes are not a message at all; anything that names a
/// field (a missing one at the root, or any error below it) is a schema mismatch.
fn classify_msgpack(path: String, message: String) -> DecodeError {
    // Valid MessagePack of the wrong shape (an array where the batch's map should be) is a
    // schema error too.
    let names_field = ["missing field", "unknown field", "invalid type"]
        .iter()
        .any(|start| message.starts_with(start));
    if path == "." && !names_field {
        DecodeError::Syntax {
            format: "MessagePack",
            message,
        }
    } else {
        DecodeError::Field {
            path: root_as_message(path),
            message,
        }
    }
}

/// serde_path_to_error names the root `.`; say what it is.
fn root_as_message(path: String) -> String {
    if path == "." {
        "(message)".to_string()
    } else {
        path
    }
}

/// serde_json appends " at line L column C" to field errors; the path already says where.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Encodes `value` as MessagePack with named fields (what the bus carries).
pub fn to_msgpack<T: Serialize>(value: &T) -> Vec<u8> {
    // Serializing plain data structs into a Vec cannot fail.
    rmp_serde::to_vec_named(value).expect("wire types always encode")
}

/// Encodes `value` as one line of JSON (what people read).
pub fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("wire types always encode")
}

/// Limits on a batch's contents, the ones the schema states.
pub const MAX_NAME_LEN: usize = 64;
pub const MAX_HASH_LEN: usize = 128;

/// Decodes a batch and checks the constraints the JSON Schema states.
pub fn decode_batch(bytes: &[u8], format: Format, max_bytes: usize) -> Result<Batch, DecodeError> {
    if bytes.len() > max_bytes {
        return Err(DecodeError::TooLarge {
            size: bytes.len(),
            limit: max_bytes,
        });
    }
    let batch: Batch = decode(bytes, format)?;
    check_batch(&batch)?;
    Ok(batch)
}

/// The constraints of `schemas/batch.schema.json` that types alone do not express.
pub fn check_batch(batch: &Batch) -> Result<(), DecodeError> {
    let field = |path: String, message: &str| DecodeError::Field {
        path,
        message: message.to_string(),
    };
    if batch.height == 0 {
        return Err(field("height".into(), "must be at least 1"));
    }
    for (i, tx) in batch.txs.iter().enumerate() {
        if tx.hash.is_empty() || tx.hash.len() > MAX_HASH_LEN {
            return Err(field(
                format!("txs[{i}].hash"),
                "must be 1 to 128 characters",
            ));
        }
        if bs58::decode(&tx.hash).into_vec().is_err() {
            return Err(field(format!("txs[{i}].hash"), "must be base58"));
        }
        check_name(&tx.publisher).map_err(|m| field(format!("txs[{i}].publisher"), m))?;
        if tx.gas_limit == 0 {
            return Err(field(format!("txs[{i}].gas_limit"), "must be at least 1"));
        }
        if tx.signers.len() > MAX_SIGNERS {
            return Err(field(format!("txs[{i}].signers"), "must be at most 32"));
        }
        if tx.signatures.len() > MAX_SIGNERS {
            return Err(field(format!("txs[{i}].signatures"), "must be at most 32"));
        }
        if tx.actions.is_empty() {
            return Err(field(format!("txs[{i}].actions"), "must not be empty"));
        }
        for (j, signer) in tx.signers.iter().enumerate() {
            check_signer(signer).map_err(|m| field(format!("txs[{i}].signers[{j}]"), m))?;
        }
        for (j, sig) in tx.signatures.iter().enumerate() {
            check_signature(sig)
                .map_err(|(f, m)| field(format!("txs[{i}].signatures[{j}].{f}"), m))?;
        }
        if let Some(sig) = &tx.publisher_signature {
            check_signature(sig)
                .map_err(|(f, m)| field(format!("txs[{i}].publisher_signature.{f}"), m))?;
        }
        for (j, action) in tx.actions.iter().enumerate() {
            let at = |f: &str| format!("txs[{i}].actions[{j}].{f}");
            check_name(&action.contract).map_err(|m| field(at("contract"), m))?;
            check_name(&action.method).map_err(|m| field(at("method"), m))?;
            if !action.args.is_array() {
                return Err(field(at("args"), "must be a JSON array"));
            }
        }
    }
    Ok(())
}

/// Most signers a transaction may declare, and most signatures it may carry.
pub const MAX_SIGNERS: usize = 32;

/// `account@permission`, both names.
fn check_signer(signer: &str) -> Result<(), &'static str> {
    let Some((account, permission)) = signer.split_once('@') else {
        return Err("must be account@permission");
    };
    check_name(account).and(check_name(permission))
}

/// A signature's texts are base58 of at most [`MAX_HASH_LEN`] characters (whether they are a
/// key and a signature is the verification's question, answered with a receipt).
fn check_signature(sig: &Signature) -> Result<(), (&'static str, &'static str)> {
    for (name, text) in [
        ("public_key", &sig.public_key),
        ("signature", &sig.signature),
    ] {
        if text.is_empty() || text.len() > MAX_HASH_LEN {
            return Err((name, "must be 1 to 128 characters"));
        }
        if bs58::decode(text).into_vec().is_err() {
            return Err((name, "must be base58"));
        }
    }
    Ok(())
}

fn check_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err("must be 1 to 64 characters");
    }
    if name.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("must not contain whitespace or control characters");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"partition":0,"height":1,"timestamp_ms":5,"txs":[
        {"hash":"3yZe7d","publisher":"alice","gas_limit":100,
         "actions":[{"contract":"token","method":"balanceOf","args":["alice"]}]}]}"#;

    #[test]
    fn json_and_msgpack_round_trip() {
        let batch = decode_batch(GOOD.as_bytes(), Format::Json, 1 << 20).unwrap();
        let packed = to_msgpack(&batch);
        assert_eq!(Format::sniff(&packed), Format::MsgPack);
        assert_eq!(
            decode_batch(&packed, Format::MsgPack, 1 << 20).unwrap(),
            batch
        );
    }

    fn json_error(text: &str) -> String {
        decode_batch(text.as_bytes(), Format::Json, 1 << 20)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (
                GOOD.replace(r#""gas_limit":100,"#, ""),
                "txs[0]",
                "gas_limit",
            ),
            (
                GOOD.replace("100", r#""many""#),
                "txs[0].gas_limit",
                "string",
            ),
            (
                GOOD.replace("\"alice\",", "\"\","),
                "txs[0].publisher",
                "1 to 64",
            ),
            (GOOD.replace("3yZe7d", "0OIl"), "txs[0].hash", "base58"),
            (
                GOOD.replace(r#"["alice"]"#, "7"),
                "txs[0].actions[0].args",
                "array",
            ),
            (
                GOOD.replace(r#""height":1"#, r#""height":0"#),
                "height",
                "at least 1",
            ),
            (
                GOOD.replace(r#""txs""#, r#""extra":1,"txs""#),
                "extra",
                "unknown field",
            ),
            (
                GOOD.replace(r#""gas_limit":100,"#, r#""gas_limit":100,"signers":["bob"],"#),
                "txs[0].signers[0]",
                "account@permission",
            ),
            (
                GOOD.replace(
                    r#""gas_limit":100,"#,
                    r#""gas_limit":100,"publisher_signature":{"algorithm":"ed25519","public_key":"0x","signature":"2"},"#,
                ),
                "txs[0].publisher_signature.public_key",
                "base58",
            ),
            (
                GOOD.replace(
                    r#""gas_limit":100,"#,
                    r#""gas_limit":100,"signatures":[{"algorithm":"rsa","public_key":"2","signature":"2"}],"#,
                ),
                "txs[0].signatures[0].algorithm",
                "unknown variant",
            ),
        ];
        for (text, path, needle) in cases {
            let err = json_error(&text);
            assert!(
                err.contains(path) && err.contains(needle),
                "error {err:?} should name {path} and say {needle}"
            );
        }
    }

    #[test]
    fn content_types_with_parameters_are_read_and_unknown_ones_refused() {
        for (content_type, format) in [
            (None, Format::MsgPack),
            (Some("application/msgpack"), Format::MsgPack),
            (Some("application/x-msgpack"), Format::MsgPack),
            (Some("application/json"), Format::Json),
            (Some("application/json; charset=utf-8"), Format::Json),
            (Some("Application/JSON ;charset=UTF-8"), Format::Json),
        ] {
            assert_eq!(
                Format::from_content_type(content_type).unwrap(),
                format,
                "{content_type:?}"
            );
        }
        let err = Format::from_content_type(Some("text/plain; charset=utf-8")).unwrap_err();
        assert_eq!(err.kind(), "content_type");
        assert!(
            err.to_string().contains("`text/plain; charset=utf-8`"),
            "{err}"
        );
    }

    #[test]
    fn positional_batches_are_schema_errors() {
        let batch: Batch = decode(GOOD.as_bytes(), Format::Json).unwrap();
        // Plain rmp_serde writes structs as arrays; the bus wants named fields.
        let positional = rmp_serde::to_vec(&batch).unwrap();
        let err = decode_batch(&positional, Format::MsgPack, 1 << 20).unwrap_err();
        assert_eq!(err.kind(), "schema", "{err}");
        assert!(err.to_string().contains("invalid type: sequence"), "{err}");
    }

    #[test]
    fn garbage_is_a_syntax_error() {
        assert!(json_error("{not json").starts_with("not valid JSON"));
        let err = decode_batch(&[0xc1, 0x00], Format::MsgPack, 1 << 20).unwrap_err();
        assert_eq!(err.kind(), "syntax", "{err}");
    }

    #[test]
    fn oversized_is_refused_before_parsing() {
        let err = decode_batch(GOOD.as_bytes(), Format::Json, 10).unwrap_err();
        assert_eq!(err.kind(), "too_large");
    }
}
