//! Signatures: the checks IOST's backends make (shared by `IOSTCrypto.verify` and the
//! verification of transactions), ed25519 batch verification, and key pairs for signing.
//!
//! What a check accepts is consensus: the crates are pinned exactly (`Cargo.toml`).

mod batch;
mod keys;
mod verify;

pub use batch::Ed25519Check;
pub use batch::ed25519_in_chunks;
pub use batch::ed25519_many;
pub use keys::KeyError;
pub use keys::KeyFile;
pub use keys::KeyPair;
pub use verify::ed25519;
pub use verify::secp256k1;
pub use verify::unbase58;
