//! Key pairs and key files: what `isovm keys new` makes and `isovm sign` signs with.
//!
//! The text forms are IOST's (`account/keypair.go`): base58 of the raw bytes; an ed25519
//! public key is 32 bytes and its secret key 64 (seed ‖ public key, as Go's
//! `ed25519.PrivateKey`); a secp256k1 public key is 33 bytes (SEC 1 compressed) and its
//! secret key 32. A key file is JSON: `{"algorithm", "public_key", "secret_key", "comment"?}`,
//! written with mode 0600.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::schema::{Algorithm, Signature};

/// Why a key could not be made, read or written.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{path}: {message}")]
    File { path: String, message: String },
    #[error("{0}")]
    Invalid(String),
}

enum Secret {
    Ed25519(ed25519_dalek::SigningKey),
    Secp256k1(k256::ecdsa::SigningKey),
}

/// A secret key and what it signs as.
pub struct KeyPair {
    secret: Secret,
}

/// A key file's contents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFile {
    pub algorithm: Algorithm,
    pub public_key: String,
    pub secret_key: String,
    /// Free text, e.g. that the key is an example key.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub comment: String,
}

impl KeyPair {
    /// A new key from the operating system's randomness.
    pub fn generate(algorithm: Algorithm) -> KeyPair {
        let mut rng = rand_core::OsRng;
        let secret = match algorithm {
            Algorithm::Ed25519 => Secret::Ed25519(ed25519_dalek::SigningKey::generate(&mut rng)),
            Algorithm::Secp256k1 => Secret::Secp256k1(k256::ecdsa::SigningKey::random(&mut rng)),
        };
        KeyPair { secret }
    }

    /// The key whose secret is `bytes`: for ed25519 the 64 bytes of IOST's form (the public
    /// half must match the seed, as IOST's `CheckSeckey` requires) or the 32-byte seed; for
    /// secp256k1 the 32-byte scalar.
    pub fn from_secret(algorithm: Algorithm, bytes: &[u8]) -> Result<KeyPair, KeyError> {
        let invalid = |m: &str| KeyError::Invalid(format!("{algorithm} secret key: {m}"));
        let secret = match algorithm {
            Algorithm::Ed25519 => {
                let seed: [u8; 32] = bytes
                    .get(..32)
                    .and_then(|s| s.try_into().ok())
                    .filter(|_| bytes.len() == 32 || bytes.len() == 64)
                    .ok_or_else(|| invalid("must be 64 bytes (seed and public key) or 32"))?;
                let key = ed25519_dalek::SigningKey::from_bytes(&seed);
                if bytes.len() == 64 && bytes[32..] != key.verifying_key().to_bytes() {
                    return Err(invalid("its last 32 bytes are not the seed's public key"));
                }
                Secret::Ed25519(key)
            }
            Algorithm::Secp256k1 => Secret::Secp256k1(
                k256::ecdsa::SigningKey::from_slice(bytes)
                    .map_err(|_| invalid("must be 32 bytes, a number in [1, n)"))?,
            ),
        };
        Ok(KeyPair { secret })
    }

    pub fn algorithm(&self) -> Algorithm {
        match self.secret {
            Secret::Ed25519(_) => Algorithm::Ed25519,
            Secret::Secp256k1(_) => Algorithm::Secp256k1,
        }
    }

    /// The public key's raw bytes.
    pub fn public_bytes(&self) -> Vec<u8> {
        match &self.secret {
            Secret::Ed25519(k) => k.verifying_key().to_bytes().to_vec(),
            Secret::Secp256k1(k) => k.verifying_key().to_encoded_point(true).as_bytes().to_vec(),
        }
    }

    /// The public key, base58.
    pub fn public_key(&self) -> String {
        bs58::encode(self.public_bytes()).into_string()
    }

    /// The secret key, base58, in IOST's form.
    pub fn secret_key(&self) -> String {
        let bytes = match &self.secret {
            Secret::Ed25519(k) => k.to_keypair_bytes().to_vec(),
            Secret::Secp256k1(k) => k.to_bytes().to_vec(),
        };
        bs58::encode(bytes).into_string()
    }

    /// The raw signature of `digest` (a transaction's 32-byte hash, as IOST signs it): ed25519
    /// over the digest as its message; secp256k1 over the digest itself (RFC 6979 nonce),
    /// `r ‖ s` with `s` low.
    pub fn sign_bytes(&self, digest: &[u8; 32]) -> Vec<u8> {
        match &self.secret {
            Secret::Ed25519(k) => ed25519_dalek::Signer::sign(k, digest).to_bytes().to_vec(),
            Secret::Secp256k1(k) => {
                use k256::ecdsa::signature::hazmat::PrehashSigner;
                let sig: k256::ecdsa::Signature = k
                    .sign_prehash(digest)
                    .expect("a 32-byte digest always signs");
                sig.normalize_s().unwrap_or(sig).to_bytes().to_vec()
            }
        }
    }

    /// `digest` signed, as a transaction carries it.
    pub fn sign(&self, digest: &[u8; 32]) -> Signature {
        Signature {
            algorithm: self.algorithm(),
            public_key: self.public_key(),
            signature: bs58::encode(self.sign_bytes(digest)).into_string(),
        }
    }

    pub fn to_file(&self, comment: &str) -> KeyFile {
        KeyFile {
            algorithm: self.algorithm(),
            public_key: self.public_key(),
            secret_key: self.secret_key(),
            comment: comment.to_string(),
        }
    }

    /// The key in a key file's contents; its public key must be the secret's.
    pub fn from_file(file: &KeyFile) -> Result<KeyPair, KeyError> {
        let bytes = bs58::decode(&file.secret_key)
            .into_vec()
            .map_err(|_| KeyError::Invalid("secret_key is not base58".into()))?;
        let pair = KeyPair::from_secret(file.algorithm, &bytes)?;
        if pair.public_key() != file.public_key {
            return Err(KeyError::Invalid(format!(
                "public_key {} is not the secret key's ({})",
                file.public_key,
                pair.public_key()
            )));
        }
        Ok(pair)
    }

    /// Reads a key file.
    pub fn load(path: &Path) -> Result<KeyPair, KeyError> {
        let fail = |message: String| KeyError::File {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
        let file: KeyFile =
            serde_json::from_str(&text).map_err(|e| fail(format!("not a key file: {e}")))?;
        KeyPair::from_file(&file).map_err(|e| fail(e.to_string()))
    }

    /// Writes a key file readable by its owner only (mode 0600); refuses to replace a file.
    pub fn save(&self, path: &Path, comment: &str) -> Result<(), KeyError> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let fail = |message: String| KeyError::File {
            path: path.display().to_string(),
            message,
        };
        let mut text = serde_json::to_string_pretty(&self.to_file(comment))
            .expect("a key file always encodes");
        text.push('\n');
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| fail(e.to_string()))?;
        file.write_all(text.as_bytes())
            .map_err(|e| fail(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{ed25519, secp256k1, unbase58};

    #[test]
    fn generated_keys_sign_what_the_checks_accept_and_round_trip_through_files() {
        let digest = [7u8; 32];
        for algorithm in [Algorithm::Ed25519, Algorithm::Secp256k1] {
            let pair = KeyPair::generate(algorithm);
            let sig = pair.sign(&digest);
            let check = match algorithm {
                Algorithm::Ed25519 => ed25519,
                Algorithm::Secp256k1 => secp256k1,
            };
            let (s, k) = (unbase58(&sig.signature), unbase58(&sig.public_key));
            assert!(check(&digest, &s, &k), "{algorithm}");
            assert!(!check(&[8u8; 32], &s, &k), "{algorithm}");
            let again = KeyPair::from_file(&pair.to_file("")).unwrap();
            assert_eq!(again.public_key(), pair.public_key());
            let mut wrong = pair.to_file("");
            wrong.public_key = KeyPair::generate(algorithm).public_key();
            assert!(KeyPair::from_file(&wrong).is_err());
        }
        assert_eq!(
            unbase58(&KeyPair::generate(Algorithm::Ed25519).secret_key()).len(),
            64
        );
        assert_eq!(
            unbase58(&KeyPair::generate(Algorithm::Secp256k1).public_key()).len(),
            33
        );
    }

    #[test]
    fn saved_files_are_private_and_never_replaced() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.json");
        let pair = KeyPair::generate(Algorithm::Ed25519);
        pair.save(&path, "test").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(
            KeyPair::load(&path).unwrap().public_key(),
            pair.public_key()
        );
        let err = pair.save(&path, "").unwrap_err().to_string();
        assert!(err.contains("exists"), "{err}");
    }
}
