//! The compile stage: a contract's source and ABI become what the engine runs.
//!
//! At deploy, the ABI is checked, the source is parsed and instrumented with gas charges
//! ([`instrument`]), and the result is kept as a [`ContractRecord`] in contract state. The
//! V8 code cache made from it is the engine's business and lives outside consensus state.

pub mod abi;
pub mod account;
pub mod auth;
pub mod instrument;
pub mod package;
pub mod validate;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use abi::Abi;

/// Largest contract source accepted at deploy, in bytes.
pub const MAX_SOURCE_BYTES: usize = crate::consensus::PARAMS.limits.max_source_bytes;

/// A deployed contract, as stored in state (and so covered by the state root).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractRecord {
    pub id: String,
    /// The publisher of the deploying transaction.
    pub owner: String,
    pub abi: Abi,
    /// The source as deployed, for people and tools.
    pub source: String,
    /// The instrumented source the engine runs.
    pub code: String,
    /// SHA-256 of `code`.
    pub code_hash: [u8; 32],
    /// Height of the block that deployed it.
    pub deployed_at: u64,
}

impl ContractRecord {
    pub fn encode(&self) -> Vec<u8> {
        crate::schema::to_msgpack(self)
    }

    pub fn decode(bytes: &[u8]) -> Result<ContractRecord, String> {
        rmp_serde::from_slice(bytes).map_err(|e| format!("contract record is corrupt: {e}"))
    }
}

/// Why a contract cannot be deployed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CompileError {
    #[error("contract source is {size} bytes, over the {limit}-byte limit")]
    TooLarge { size: usize, limit: usize },
    #[error("{0}")]
    Abi(String),
    #[error("contract code: {0}")]
    Code(#[from] instrument::InstrumentError),
}

/// What the compile stage produces.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub abi: Abi,
    pub code: String,
    pub code_hash: [u8; 32],
    /// Gas charge sites inserted, for logs.
    pub charge_sites: usize,
    /// The regular-expression literals, which the engine must accept before the deploy is.
    pub regexps: Vec<instrument::RegexpLiteral>,
}

/// Checks and instruments a contract. Deep nesting makes parsing recursive, so this runs on
/// a thread with a large stack (the engine's sandbox threads).
pub fn compile(source: &str, abi_json: &str) -> Result<Compiled, CompileError> {
    compile_with(source, abi_json, None)
}

/// Checks and instruments a package's bundle (`package.rs`): the main module is validated by
/// IOST's rules on its own source, the bundle is what runs.
pub fn compile_package(
    package: &package::Package,
    bundle: &str,
    abi_json: &str,
) -> Result<Compiled, CompileError> {
    let main = &package.modules[&package.main];
    compile_with(bundle, abi_json, Some(main))
}

fn compile_with(
    source: &str,
    abi_json: &str,
    validated: Option<&str>,
) -> Result<Compiled, CompileError> {
    if source.len() > MAX_SOURCE_BYTES {
        return Err(CompileError::TooLarge {
            size: source.len(),
            limit: MAX_SOURCE_BYTES,
        });
    }
    let abi = Abi::parse(abi_json).map_err(CompileError::Abi)?;
    let instrumented = instrument::instrument(source)?;
    let main_exported;
    let exported = match validated {
        None => &instrumented.exported,
        Some(main) => {
            main_exported = instrument::instrument(main)?.exported;
            &main_exported
        }
    };
    validate::check(exported, &abi).map_err(CompileError::Abi)?;
    let code_hash = Sha256::digest(instrumented.code.as_bytes()).into();
    Ok(Compiled {
        abi,
        code: instrumented.code,
        code_hash,
        charge_sites: instrumented.charge_sites,
        regexps: instrumented.regexps,
    })
}
