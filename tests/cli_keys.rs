//! `isovm keys new`, `isovm sign` and `isovm exec` of signed batches, end to end through the
//! built binary, without the development mode.

mod common;

use std::path::Path;

use common::{isovm, isovm_signed_only, json_lines};
use serde_json::{Value, json};

fn new_key(dir: &Path, name: &str, algorithm: &str) -> (String, String) {
    let path = dir.join(name);
    let path = path.to_str().unwrap();
    let (ok, stdout, stderr) = isovm(&["keys", "new", "--algorithm", algorithm, "-o", path]);
    assert!(ok, "keys new: {stderr}");
    let line = &json_lines(&stdout)[0];
    assert_eq!(line["algorithm"], algorithm);
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(file["public_key"], line["public_key"]);
    assert_eq!(file["algorithm"], algorithm);
    (
        path.to_string(),
        line["public_key"].as_str().unwrap().to_string(),
    )
}

fn sign(key: &str, role: &[&str], file: &Path) -> (bool, String, String) {
    let mut args = vec!["sign", "--key", key];
    args.extend(role);
    args.push(file.to_str().unwrap());
    isovm(&args)
}

fn statuses(stdout: &str) -> Vec<String> {
    json_lines(stdout)
        .iter()
        .filter_map(|l| l["status"].as_str().map(String::from))
        .collect()
}

#[test]
fn keys_sign_and_exec_a_signed_batch() {
    let dir = tempfile::tempdir().unwrap();
    let (admin_key, admin_public) = new_key(dir.path(), "admin.json", "ed25519");
    let (alice_key, alice_public) = new_key(dir.path(), "alice.json", "secp256k1");
    let (bob_key, bob_public) = new_key(dir.path(), "bobby.json", "ed25519");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&admin_key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "a key file is its owner's only");
    }
    let (ok, _, stderr) = isovm(&["keys", "new", "-o", &admin_key]);
    assert!(
        !ok && stderr.contains("exists"),
        "never over a key: {stderr}"
    );

    let transfer = |from: &str, amount: &str| {
        json!({"hash": "1", "publisher": from, "gas_limit": 1_000_000,
               "actions": [{"contract": "token.iost", "method": "transfer",
                            "args": ["iost", from, "carol", amount, ""]}]})
    };
    let mut cosigned = transfer("alice", "2");
    cosigned["signers"] = json!(["bobby@active"]);
    // Height 1: each account signs itself up (auth.iost) with its key; height 2 uses them.
    let sign_up = |id: &str, key: &str| {
        json!({"hash": "1", "publisher": id, "gas_limit": 1_000_000,
               "actions": [{"contract": "auth.iost", "method": "signUp", "args": [id, key, key]}]})
    };
    let accounts = json!({"partition": 0, "height": 1, "timestamp_ms": 1_767_225_600_000u64,
        "txs": [sign_up("admin", &admin_public), sign_up("alice", &alice_public),
                sign_up("bobby", &bob_public)]});
    let accounts_file = dir.path().join("accounts.json");
    std::fs::write(&accounts_file, accounts.to_string()).unwrap();
    for (key, account) in [
        (&admin_key, "admin"),
        (&alice_key, "alice"),
        (&bob_key, "bobby"),
    ] {
        let (ok, _, stderr) = sign(key, &["--publisher", account], &accounts_file);
        assert!(ok, "{stderr}");
    }
    let mut batch = json!({"partition": 0, "height": 1, "timestamp_ms": 1_767_225_600_000u64,
    "txs": [
        {"hash": "1", "publisher": "admin", "gas_limit": 1_000_000,
         "actions": [{"contract": "token.iost", "method": "issue",
                      "args": ["iost", "alice", "100"]}]},
        transfer("alice", "1"),
        cosigned,
    ]});
    let unsigned = dir.path().join("unsigned.json");
    std::fs::write(&unsigned, batch.to_string()).unwrap();
    batch["height"] = json!(2);
    let file = dir.path().join("batch.json");
    std::fs::write(&file, batch.to_string()).unwrap();

    // Signers before the publisher; each role signs only its own transactions.
    let (ok, out, stderr) = sign(&bob_key, &["--signer", "bobby@active"], &file);
    assert!(ok, "{stderr}");
    assert_eq!(json_lines(&out)[0]["signed"], 1);
    for (key, account, count) in [(&admin_key, "admin", 1), (&alice_key, "alice", 2)] {
        let (ok, out, stderr) = sign(key, &["--publisher", account], &file);
        assert!(ok, "{stderr}");
        assert_eq!(json_lines(&out)[0]["signed"], count);
    }
    let (ok, _, stderr) = sign(&bob_key, &["--signer", "bobby@active"], &file);
    assert!(!ok && stderr.contains("signers first"), "{stderr}");
    let (ok, _, stderr) = sign(&bob_key, &["--publisher", "dave"], &file);
    assert!(
        !ok && stderr.contains("no transaction is published by `dave`"),
        "{stderr}"
    );

    let signed: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let txs = signed["txs"].as_array().unwrap();
    assert_eq!(txs[0]["publisher_signature"]["public_key"], admin_public);
    assert_eq!(txs[2]["signatures"][0]["public_key"], bob_public);
    assert_eq!(txs[2]["publisher_signature"]["algorithm"], "secp256k1");
    assert!(txs.iter().all(|t| t["hash"] != "1"), "hashes filled");

    // Signed: it runs without the development mode.
    let db = dir.path().join("db");
    let db = db.to_str().unwrap();
    let (accounts_file, file) = (accounts_file.to_str().unwrap(), file.to_str().unwrap());
    let (ok, stdout, stderr) = isovm_signed_only(&["exec", "--db", db, accounts_file, file]);
    assert!(ok, "exec: {stderr}");
    assert_eq!(statuses(&stdout), ["success"; 6], "{stdout}");
    assert!(!stderr.contains("INSECURE"), "{stderr}");

    // Unsigned: refused transaction by transaction, unless the development mode is on, which
    // says so loudly.
    let db2 = dir.path().join("db2");
    let db2 = db2.to_str().unwrap();
    let (ok, stdout, _) = isovm_signed_only(&["exec", "--db", db2, unsigned.to_str().unwrap()]);
    assert!(ok);
    assert_eq!(statuses(&stdout), ["invalid_signature"; 3]);
    let db3 = dir.path().join("db3");
    let (ok, stdout, stderr) = isovm_signed_only(&[
        "exec",
        "--insecure-accept-unsigned-transactions",
        "--db",
        db3.to_str().unwrap(),
        unsigned.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    // The three unsigned transactions share the hash "1": the second and third are duplicates.
    assert_eq!(statuses(&stdout), ["success", "duplicate", "duplicate"]);
    assert!(stderr.contains("INSECURE"), "a loud warning: {stderr}");
}
