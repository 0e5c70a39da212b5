//! `isovm keys new` and `isovm sign`: make a key file, and sign the transactions of batch
//! files with one, as IOST's wallet signs (`docs/transactions.md`).

use std::io::Write;
use std::path::{Path, PathBuf};

use super::exec::read_batch;
use crate::crypto::KeyPair;
use crate::schema::{self, Algorithm, Batch, Format, Tx};

/// Why a key or signing command stopped.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("{0}")]
    Other(String),
}

fn file_error(path: &Path, message: impl ToString) -> SignError {
    SignError::File {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

/// `isovm keys new`: a new key written to `out` (by default `PUBLIC_KEY.json` here; mode
/// 0600, never over a file), its public key printed as one JSON line.
pub fn new_key(
    algorithm: Algorithm,
    out: Option<&Path>,
    w: &mut dyn Write,
) -> Result<(), SignError> {
    let pair = KeyPair::generate(algorithm);
    let default = PathBuf::from(format!("{}.json", pair.public_key()));
    let out = out.unwrap_or(&default);
    pair.save(out, "")
        .map_err(|e| SignError::Other(e.to_string()))?;
    let line = serde_json::json!({
        "algorithm": algorithm,
        "public_key": pair.public_key(),
        "key_file": out,
    });
    writeln!(w, "{line}").map_err(|e| SignError::Other(e.to_string()))
}

/// Whom a signature is made as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// The publisher of the transactions whose `publisher` is this account: signs the hash
    /// and the signers' signatures (IOST's `PublishSigns`), replacing an earlier one.
    Publisher(String),
    /// A declared signer (`account@permission`, in the transactions' `signers`): signs the
    /// hash (IOST's `Signs`), replacing an earlier signature by the same key.
    Signer(String),
}

/// Signs `tx` for `partition` as `role` with `key`, filling its hash. A signer signs before
/// the publisher, whose signature covers the signers' ones.
pub fn sign_tx(partition: u32, tx: &mut Tx, key: &KeyPair, role: &Role) -> Result<(), String> {
    let bytes = schema::signed_bytes(partition, tx);
    let digest: [u8; 32] = <sha3::Sha3_256 as sha3::Digest>::digest(&bytes).into();
    tx.hash = bs58::encode(digest).into_string();
    match role {
        Role::Publisher(_) => {
            let publish = schema::publish_digest(&bytes, &tx.signatures);
            tx.publisher_signature = Some(key.sign(&publish));
        }
        Role::Signer(_) => {
            if tx.publisher_signature.is_some() {
                return Err(
                    "it is already signed by its publisher, whose signature covers \
                            the signers' ones: sign as the signers first, then as the publisher"
                        .into(),
                );
            }
            let public = key.public_key();
            tx.signatures.retain(|s| s.public_key != public);
            tx.signatures.push(key.sign(&digest));
        }
    }
    Ok(())
}

/// Whether `role` signs `tx`.
fn signs(role: &Role, tx: &Tx) -> bool {
    match role {
        Role::Publisher(account) => tx.publisher == *account,
        Role::Signer(signer) => tx.signers.iter().any(|s| s == signer),
    }
}

/// Signs every transaction of `batch` that `role` signs; how many. None is an error.
pub fn sign_batch(batch: &mut Batch, key: &KeyPair, role: &Role) -> Result<usize, String> {
    let partition = batch.partition;
    let mut signed = 0;
    for (i, tx) in batch.txs.iter_mut().enumerate() {
        if signs(role, tx) {
            sign_tx(partition, tx, key, role).map_err(|e| format!("txs[{i}]: {e}"))?;
            signed += 1;
        }
    }
    if signed == 0 {
        return Err(match role {
            Role::Publisher(account) => format!("no transaction is published by `{account}`"),
            Role::Signer(signer) => format!("no transaction declares the signer `{signer}`"),
        });
    }
    Ok(signed)
}

/// `isovm sign`: signs the batch files' transactions as `role`, each file in place (or into
/// `out`, with one file), in its own format; one JSON line per file.
pub fn run(
    key_file: &Path,
    role: &Role,
    files: &[PathBuf],
    out: Option<&Path>,
    w: &mut dyn Write,
) -> Result<(), SignError> {
    if files.is_empty() {
        return Err(SignError::Other("no batch files given".into()));
    }
    if out.is_some() && files.len() > 1 {
        return Err(SignError::Other(
            "-o takes one batch file; without it each file is signed in place".into(),
        ));
    }
    if let Role::Signer(signer) = role
        && !signer
            .split_once('@')
            .is_some_and(|(a, p)| !a.is_empty() && !p.is_empty())
    {
        return Err(SignError::Other(format!(
            "--signer {signer}: must be account@permission"
        )));
    }
    let key = KeyPair::load(key_file).map_err(|e| SignError::Other(e.to_string()))?;
    let mut signed = Vec::new();
    for path in files {
        let mut batch = read_batch(path).map_err(|e| SignError::Other(e.to_string()))?;
        let count = sign_batch(&mut batch, &key, role).map_err(|e| file_error(path, e))?;
        signed.push((path, batch, count));
    }
    for (path, batch, count) in signed {
        let target = out.unwrap_or(path);
        let bytes = match format_of(path) {
            Format::Json => {
                let mut text = serde_json::to_string_pretty(&batch).expect("batches encode");
                text.push('\n');
                text.into_bytes()
            }
            Format::MsgPack => schema::to_msgpack(&batch),
        };
        std::fs::write(target, bytes).map_err(|e| file_error(target, e))?;
        let line = serde_json::json!({
            "file": target,
            "signed": count,
            "public_key": key.public_key(),
        });
        writeln!(w, "{line}").map_err(|e| SignError::Other(e.to_string()))?;
    }
    Ok(())
}

/// The format a batch file is in, as `read_batch` reads it.
fn format_of(path: &Path) -> Format {
    match path.extension().and_then(|e| e.to_str()) {
        Some("json") => Format::Json,
        Some("msgpack" | "mp") => Format::MsgPack,
        _ => std::fs::read(path)
            .map(|b| Format::sniff(&b))
            .unwrap_or(Format::Json),
    }
}
