//! The JSON Schemas in `schemas/` and the wire types say the same thing.

mod common;

use common::{Schemas, isovm, json_lines, root};
use isovm::schema::{Format, Status, decode_batch};
use serde_json::{Value, json};

fn example_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() && path.join("package.json").exists() {
            // A package's sources (`isovm package` reads them): only its ABI is a wire
            // document; the package itself is checked against its schema in tests/package.rs.
            out.push(path.join("abi.json"));
        } else if path.is_dir() && path.file_name().is_some_and(|n| n == "keys") {
            // The example key files: not wire documents, but they must be keys.
            for key in std::fs::read_dir(&path).unwrap() {
                let key = key.unwrap().path();
                if key.extension().is_some_and(|e| e == "json") {
                    let pair = isovm::crypto::KeyPair::load(&key)
                        .unwrap_or_else(|e| panic!("{}: {e}", key.display()));
                    let file: Value =
                        serde_json::from_str(&std::fs::read_to_string(&key).unwrap()).unwrap();
                    assert!(file["comment"].as_str().unwrap().contains("EXAMPLE KEY"));
                    assert_eq!(file["public_key"], pair.public_key());
                }
            }
        } else if path.is_dir() {
            example_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// Every JSON file under `examples/` validates: ABIs against the ABI schema, everything else
/// against the batch schema; and the batches decode.
#[test]
fn every_example_validates_against_its_schema() {
    let schemas = Schemas::load();
    let mut files = Vec::new();
    example_files(&root().join("examples"), &mut files);
    assert!(files.len() >= 3, "examples went missing: {files:?}");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        let name = path.file_name().unwrap().to_string_lossy();
        let schema = if name.ends_with(".abi.json") || name == "abi.json" {
            "abi.schema.json"
        } else {
            "batch.schema.json"
        };
        let errors = schemas.errors(schema, &doc);
        assert!(
            errors.is_empty(),
            "{} against {schema}: {errors:?}",
            path.display()
        );
        if schema == "batch.schema.json" {
            decode_batch(text.as_bytes(), Format::Json, 1 << 24)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
}

/// What `isovm exec` prints for the token example: receipts validate against the receipt
/// schema (and so against the block-result schema's items).
#[test]
fn receipts_of_a_real_run_validate() {
    let schemas = Schemas::load();
    let db = tempfile::tempdir().unwrap();
    let dir = root().join("examples/token");
    let (ok, stdout, stderr) = isovm(&[
        "exec",
        "--db",
        db.path().to_str().unwrap(),
        dir.join("01-deploy.json").to_str().unwrap(),
        dir.join("02-transfers.json").to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    let mut receipts = Vec::new();
    for line in json_lines(&stdout) {
        if line.get("tx_hash").is_some() {
            let errors = schemas.errors("receipt.schema.json", &line);
            assert!(errors.is_empty(), "{line}: {errors:?}");
            receipts.push(line);
        } else {
            let result = json!({"partition": line["partition"], "height": line["height"], "state_root": line["state_root"], "receipts": receipts});
            let errors = schemas.errors("block_result.schema.json", &result);
            assert!(errors.is_empty(), "{result}: {errors:?}");
            receipts = Vec::new();
        }
    }
}

/// The schema's status list is exactly the statuses a receipt can have.
#[test]
fn the_status_enum_matches() {
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schemas/receipt.schema.json")).unwrap(),
    )
    .unwrap();
    let in_schema: Vec<String> = doc["$defs"]["status"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let all = [
        Status::Success,
        Status::RuntimeError,
        Status::OutOfGas,
        Status::MemoryLimit,
        Status::ResultTooLarge,
        Status::InvalidInput,
        Status::InvalidContract,
        Status::InvalidSignature,
        Status::Duplicate,
        Status::Expired,
    ];
    let in_code: Vec<String> = all
        .iter()
        .map(|s| {
            serde_json::to_value(s)
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(in_schema, in_code);
}

/// Batches the schema rejects, the decoder rejects too, and the other way round.
#[test]
fn schema_and_decoder_agree_on_bad_batches() {
    let schemas = Schemas::load();
    let good = json!({"partition": 0, "height": 1, "timestamp_ms": 5, "txs": [
        {"hash": "3yZe7d", "publisher": "alice", "gas_limit": 100,
         "actions": [{"contract": "token", "method": "balanceOf", "args": ["alice"]}]}]});
    let mut cases = vec![("good", good.clone(), true)];
    let mut bad = |what: &'static str, edit: &dyn Fn(&mut Value)| {
        let mut doc = good.clone();
        edit(&mut doc);
        cases.push((what, doc, false));
    };
    bad("height 0", &|d| d["height"] = json!(0));
    bad("missing gas_limit", &|d| {
        d["txs"][0].as_object_mut().unwrap().remove("gas_limit");
    });
    bad("gas_limit 0", &|d| d["txs"][0]["gas_limit"] = json!(0));
    bad("hash not base58", &|d| d["txs"][0]["hash"] = json!("0OIl"));
    bad("empty hash", &|d| d["txs"][0]["hash"] = json!(""));
    bad("no actions", &|d| d["txs"][0]["actions"] = json!([]));
    bad("args not an array", &|d| {
        d["txs"][0]["actions"][0]["args"] = json!({"a": 1})
    });
    bad("empty contract", &|d| {
        d["txs"][0]["actions"][0]["contract"] = json!("")
    });
    bad("publisher with a space", &|d| {
        d["txs"][0]["publisher"] = json!("a b")
    });
    bad("unknown field", &|d| d["extra"] = json!(1));
    bad("negative partition", &|d| d["partition"] = json!(-1));
    bad("string timestamp", &|d| d["timestamp_ms"] = json!("now"));
    for (what, doc, valid) in cases {
        let by_schema = schemas.errors("batch.schema.json", &doc).is_empty();
        let by_decoder = decode_batch(doc.to_string().as_bytes(), Format::Json, 1 << 20).is_ok();
        assert_eq!(
            (by_schema, by_decoder),
            (valid, valid),
            "{what}: schema says {by_schema}, decoder says {by_decoder}"
        );
    }
}
