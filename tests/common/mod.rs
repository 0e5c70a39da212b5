//! Helpers shared by the integration tests: a chain on a temporary RocksDB, and builders for
//! transactions and actions.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use isovm::exec::{ExecOptions, Executor};
use isovm::schema::{Action, Batch, BlockResult, Receipt, Status, Tx};
use isovm::store::RocksStore;
use serde_json::{Value, json};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// RFC 8032 section 7.1, TESTs 1 to 3: (secret seed, public key, message, signature), hex.
pub const RFC8032: [(&str, &str, &str, &str); 3] = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
];

/// The bytes hex `text` spells.
pub fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// A unique base58 transaction hash.
pub fn tx_hash() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let pid = std::process::id() as u64;
    bs58::encode([pid.to_be_bytes(), n.to_be_bytes()].concat()).into_string()
}

pub fn tx(publisher: &str, actions: Vec<Action>) -> Tx {
    Tx {
        hash: tx_hash(),
        publisher: publisher.to_string(),
        gas_limit: 10_000_000,
        actions,
        ..Tx::default()
    }
}

pub fn call(contract: &str, method: &str, args: Value) -> Action {
    Action {
        contract: contract.to_string(),
        method: method.to_string(),
        args,
    }
}

/// An ABI JSON text from `(method, [arg types])` pairs.
pub fn abi(methods: &[(&str, &[&str])]) -> String {
    let abi: Vec<Value> = methods
        .iter()
        .map(|(name, args)| json!({"name": name, "args": args}))
        .collect();
    json!({"lang": "javascript", "version": "1.0.0", "abi": abi}).to_string()
}

pub fn deploy(code: &str, abi_json: &str, id: &str) -> Action {
    call("system", "deploy", json!([code, abi_json, id]))
}

/// Options small enough for tests. `ISOVM_VERIFY_ISOLATION=1` (CI sets it for a second run
/// of the contract, hostile and determinism suites) runs every call in the reused context and
/// in a fresh one, and fails the batch on any difference.
pub fn options() -> ExecOptions {
    let mut options = ExecOptions::default();
    options.pool.min_workers = 1;
    options.pool.max_workers = 2;
    options.engine.verify_isolation = verify_isolation();
    // The suites' transactions are unsigned; tests/signatures.rs turns this off.
    options.insecure_accept_unsigned_transactions = true;
    options
}

/// Whether this run checks isolation (`ISOVM_VERIFY_ISOLATION` set to anything but `0` or
/// `false`, as the CLI reads it).
pub fn verify_isolation() -> bool {
    std::env::var("ISOVM_VERIFY_ISOLATION").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// A heap limit far below the minimum the commands accept (4 times the memory budget): a
/// quarter of the budget. The library takes it, so tests can make the heap limit strike with
/// allocations whose counted memory stays well within the budget (a few hundred thousand
/// small objects). Well above what V8 needs to start an isolate from the snapshot.
pub fn tiny_heap_bytes() -> usize {
    isovm::consensus::PARAMS.limits.memory_budget as usize / 4
}

/// One partition of a chain on its own temporary database.
pub struct Chain {
    pub executor: Executor,
    pub dir: tempfile::TempDir,
    pub partition: u32,
    pub height: u64,
    pub time_ms: u64,
}

impl Chain {
    pub fn new() -> Chain {
        Chain::with_options(options())
    }

    pub fn with_options(options: ExecOptions) -> Chain {
        let dir = tempfile::tempdir().unwrap();
        let executor = open(dir.path(), options);
        Chain {
            executor,
            dir,
            partition: 0,
            height: 0,
            time_ms: 1_767_225_600_000,
        }
    }

    /// The next batch of this chain, with `txs`.
    pub fn batch(&mut self, txs: Vec<Tx>) -> Batch {
        self.height += 1;
        self.time_ms += 1000;
        Batch {
            partition: self.partition,
            height: self.height,
            timestamp_ms: self.time_ms,
            producer: "producer-1".into(),
            txs,
        }
    }

    /// Runs the next batch and returns its result.
    pub async fn block(&mut self, txs: Vec<Tx>) -> BlockResult {
        let batch = self.batch(txs);
        let executed = self.executor.execute(batch).await.unwrap();
        assert!(!executed.replayed);
        executed.result
    }

    /// Runs one transaction in its own block and returns its receipt. Its hash is the
    /// chain's own (from the partition and height, as no other helper makes them), so chains
    /// fed the same calls record the same hashes and agree on their roots.
    pub async fn run(&mut self, publisher: &str, actions: Vec<Action>) -> Receipt {
        let mut one = tx(publisher, actions);
        let mut at = self.partition.to_be_bytes().to_vec();
        at.extend_from_slice(&(self.height + 1).to_be_bytes());
        one.hash = bs58::encode(at).into_string();
        self.block(vec![one]).await.receipts.remove(0)
    }

    /// Deploys `code` under `id` and asserts it worked.
    pub async fn deploy(&mut self, code: &str, abi_json: &str, id: &str) {
        let receipt = self.run("alice", vec![deploy(code, abi_json, id)]).await;
        assert_eq!(
            receipt.status,
            Status::Success,
            "deploy of {id} failed: {}",
            receipt.message
        );
    }

    /// Reads a value through a query of a `get(key)` method, if the contract has one.
    pub async fn query(
        &self,
        contract: &str,
        method: &str,
        args: Value,
    ) -> isovm::schema::QueryReply {
        self.executor
            .query(isovm::schema::Query {
                partition: self.partition,
                contract: contract.into(),
                method: method.into(),
                args,
                publisher: String::new(),
            })
            .await
            .unwrap()
    }
}

pub fn open(dir: &Path, options: ExecOptions) -> Executor {
    let store = RocksStore::open(dir).unwrap();
    Executor::new(Arc::new(store), options).unwrap()
}

/// Runs the `isovm` binary with `args`; returns (exit success, stdout, stderr).
pub fn isovm(args: &[&str]) -> (bool, String, String) {
    isovm_with(args, true)
}

/// [`isovm`] without the development mode: unsigned transactions are refused.
pub fn isovm_signed_only(args: &[&str]) -> (bool, String, String) {
    isovm_with(args, false)
}

/// Runs the binary; with `accept_unsigned`, in the development mode the suites' unsigned
/// batches need (`ISOVM_INSECURE_ACCEPT_UNSIGNED_TRANSACTIONS`).
fn isovm_with(args: &[&str], accept_unsigned: bool) -> (bool, String, String) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_isovm"));
    command.env_remove("ISOVM_INSECURE_ACCEPT_UNSIGNED_TRANSACTIONS");
    if accept_unsigned {
        command.env("ISOVM_INSECURE_ACCEPT_UNSIGNED_TRANSACTIONS", "1");
    }
    let out = command
        .args(args)
        .env("ISOVM_LOG", "warn")
        .env(
            "XDG_CACHE_HOME",
            std::env::temp_dir().join("isovm-test-cache"),
        )
        .output()
        .expect("run isovm");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The JSON lines of `text`.
pub fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect()
}

/// Validators for the JSON Schemas in `schemas/`, by file name.
pub struct Schemas {
    validators: std::collections::HashMap<String, jsonschema::Validator>,
}

impl Schemas {
    pub fn load() -> Schemas {
        let dir = root().join("schemas");
        let mut docs = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
                .unwrap_or_else(|e| panic!("{name} is not JSON: {e}"));
            docs.push((name, doc));
        }
        let mut validators = std::collections::HashMap::new();
        for (name, doc) in &docs {
            let mut options = jsonschema::options();
            for (_, other) in &docs {
                let id = other["$id"]
                    .as_str()
                    .expect("every schema has an $id")
                    .to_string();
                options = options.with_resource(
                    id,
                    jsonschema::Resource::from_contents(other.clone()).unwrap(),
                );
            }
            let validator = options
                .build(doc)
                .unwrap_or_else(|e| panic!("{name} is not a valid schema: {e}"));
            validators.insert(name.clone(), validator);
        }
        Schemas { validators }
    }

    /// The reasons `instance` does not validate against schema `name`; empty if it does.
    pub fn errors(&self, name: &str, instance: &Value) -> Vec<String> {
        let validator = self
            .validators
            .get(name)
            .unwrap_or_else(|| panic!("no schema {name}"));
        validator
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect()
    }
}
