//! Contract packages: `isovm package DIR` on real directories, and packages deployed and run
//! on the real engine: `require` within the package, a module cache per call, cycles as Node
//! has them, JSON files and `node_modules` dependencies, and what is refused, by file and
//! line.

mod common;

use std::path::Path;

use common::{Chain, call, deploy, isovm};
use isovm::schema::Status;
use serde_json::{Value, json};

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

const ABI: &str = r#"{"lang":"javascript","version":"1.0.0","abi":[
  {"name":"cycle","args":[]},{"name":"count","args":[]},{"name":"data","args":[]},
  {"name":"pad","args":["string"]},{"name":"late","args":[]}]}"#;

fn package_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("package.json", r#"{"main": "src/main.js"}"#),
            ("abi.json", ABI),
            (
                "src/main.js",
                r#"const a = require("./a");
const counter = require("./counter");
const data = require("../data.json");
const pad = require("left-pad");
class C {
  init() {}
  cycle() { return [a.name, a.bName, a.bSawA]; }
  count() { counter.n++; return [counter.n, require("./counter").n]; }
  data() { return data.items; }
  pad(s) { return pad(s, 6); }
  late() { return require("./late").value; }
}
module.exports = C;
"#,
            ),
            // a requires b, b requires a: b sees a's unfinished exports, as in Node.
            (
                "src/a.js",
                "exports.name = 'a';\nconst b = require('./b');\nexports.bName = b.name;\nexports.bSawA = b.sawA;\n",
            ),
            (
                "src/b.js",
                "const a = require('./a');\nexports.name = 'b';\nexports.sawA = JSON.stringify(a);\n",
            ),
            ("src/counter.js", "module.exports = { n: 0 };\n"),
            ("src/late.js", "exports.value = 'late';\n"),
            ("data.json", r#"{"items": [1, 2, 3]}"#),
            (
                "node_modules/left-pad/package.json",
                r#"{"name": "left-pad", "main": "index"}"#,
            ),
            (
                "node_modules/left-pad/index.js",
                "module.exports = function (s, n) { while (s.length < n) s = ' ' + s; return s; };\n",
            ),
        ],
    );
    dir
}

#[tokio::test]
async fn a_package_runs_with_node_s_require_inside_the_sandbox() {
    let dir = package_dir();
    let out = dir.path().join("c.isovm");
    let (ok, summary, stderr) = isovm(&[
        "package",
        dir.path().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    let summary: Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(summary["main"], "src/main.js");
    assert_eq!(summary["modules"], 7);
    // The MessagePack file and the JSON print are the same package.
    let packed: Value = rmp_serde::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let (ok, printed, _) = isovm(&["package", dir.path().to_str().unwrap()]);
    assert!(ok);
    let printed: Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(packed, printed);
    assert_eq!(printed["hash"], summary["hash"]);
    let errors = common::Schemas::load().errors("package.schema.json", &printed);
    assert!(
        errors.is_empty(),
        "the package does not match its schema: {errors:?}"
    );

    let mut chain = Chain::new();
    let receipt = chain
        .run(
            "alice",
            vec![call("system", "deploy", json!([printed, null, "pkg"]))],
        )
        .await;
    assert_eq!(receipt.status, Status::Success, "{}", receipt.message);
    let run = |method: &str, args: Value| call("pkg", method, args);
    let receipts = chain
        .block(vec![
            common::tx("alice", vec![run("cycle", json!([]))]),
            common::tx(
                "alice",
                vec![run("count", json!([])), run("count", json!([]))],
            ),
            common::tx("alice", vec![run("count", json!([]))]),
            common::tx("alice", vec![run("data", json!([]))]),
            common::tx("alice", vec![run("pad", json!(["ab"]))]),
            common::tx("alice", vec![run("late", json!([]))]),
        ])
        .await
        .receipts;
    let returns = |i: usize| receipts[i].returns.clone();
    assert_eq!(returns(0), [r#"["a","b","{\"name\":\"a\"}"]"#]);
    // The cache is per call: every call starts with fresh modules, and a module runs once.
    assert_eq!(returns(1), ["[1,1]", "[1,1]"]);
    assert_eq!(returns(2), ["[1,1]"]);
    assert_eq!(returns(3), ["[1,2,3]"]);
    assert_eq!(returns(4), [r#""    ab""#]);
    assert_eq!(returns(5), [r#""late""#]);

    // A package made by hand (its hash made right) that lacks a link: the loader refuses the
    // name at run time, naming the module that asked.
    let mut package: isovm::contract::package::Package = serde_json::from_value(printed).unwrap();
    package
        .links
        .get_mut("src/main.js")
        .unwrap()
        .remove("./late");
    package.hash = package.content_hash();
    let receipt = chain
        .run(
            "alice",
            vec![call("system", "deploy", json!([package, null, "pkg2"]))],
        )
        .await;
    assert_eq!(receipt.status, Status::Success, "{}", receipt.message);
    let receipt = chain
        .run("alice", vec![call("pkg2", "late", json!([]))])
        .await;
    assert_eq!(receipt.status, Status::RuntimeError);
    assert!(
        receipt
            .message
            .contains("module './late' is not in the package (required from src/main.js)"),
        "{}",
        receipt.message
    );
}

#[tokio::test]
async fn a_tampered_package_or_a_bad_main_module_is_refused_at_deploy() {
    let dir = package_dir();
    let (ok, printed, _) = isovm(&["package", dir.path().to_str().unwrap()]);
    assert!(ok);
    let good: Value = serde_json::from_str(&printed).unwrap();
    let mut chain = Chain::new();
    let mut tampered = good.clone();
    tampered["modules"]["src/counter.js"] = json!("module.exports = { n: 100 };\n");
    let receipt = chain
        .run(
            "alice",
            vec![call("system", "deploy", json!([tampered, null, "t1"]))],
        )
        .await;
    assert_eq!(receipt.status, Status::InvalidInput);
    assert!(
        receipt.message.contains("hash does not match"),
        "{}",
        receipt.message
    );
    // An update takes a package as a deploy does: a tampered one is refused the same way.
    let receipt = chain
        .run(
            "alice",
            vec![call(
                "system",
                "updateCode",
                json!([tampered, null, "t1", ""]),
            )],
        )
        .await;
    assert_eq!(receipt.status, Status::InvalidInput);
    assert!(
        receipt
            .message
            .contains("system.updateCode: argument 1 is not a valid package"),
        "{}",
        receipt.message
    );
    // IOST's validation applies to the main module: its ABI must match its class.
    let abi = r#"{"lang":"javascript","version":"1.0.0","abi":[{"name":"nope","args":[]}]}"#;
    let receipt = chain
        .run(
            "alice",
            vec![call("system", "deploy", json!([good, abi, "t2"]))],
        )
        .await;
    assert_eq!(receipt.status, Status::InvalidContract);
    assert!(
        receipt
            .message
            .contains("abi not defined in source code: nope"),
        "{}",
        receipt.message
    );
    // A single source is still a single source.
    let receipt = chain
        .run(
            "alice",
            vec![deploy(
                "class A { init() {} }\nmodule.exports = A;\n",
                r#"{"lang":"javascript","version":"1","abi":[]}"#,
                "t3",
            )],
        )
        .await;
    assert_eq!(receipt.status, Status::Success, "{}", receipt.message);
}

#[test]
fn what_cannot_be_packaged_fails_naming_file_and_line() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("index.js", "const x = 1;\nconst y = ;\n")],
            "index.js:2: syntax error",
        ),
        (
            &[("index.js", "\nrequire('./lib/nope');\n")],
            "index.js:2: cannot find module './lib/nope'",
        ),
        (
            &[("index.js", "require('fs');\n")],
            "index.js:1: cannot require 'fs': it is a Node.js built-in module",
        ),
        (
            &[("index.js", "require('http');\n")],
            "index.js:1: cannot require 'http'",
        ),
        (
            &[("index.js", "require('/abs/x');\n")],
            "index.js:1: cannot require '/abs/x': absolute paths",
        ),
        (
            &[
                ("index.js", "require('./a');\n"),
                ("a.js", "\n\nrequire('../../outside');\n"),
            ],
            "a.js:3: cannot require '../../outside': it is outside the package",
        ),
        (
            &[("index.js", "require(String(1));\n")],
            "index.js:1: require needs a string literal",
        ),
        (
            &[("index.js", "require('./d.json');\n"), ("d.json", "{nope}")],
            "d.json:1: not JSON",
        ),
    ];
    for (files, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), files);
        write(
            dir.path(),
            &[(
                "abi.json",
                r#"{"lang":"javascript","version":"1","abi":[]}"#,
            )],
        );
        let (ok, _, stderr) = isovm(&["package", dir.path().to_str().unwrap()]);
        assert!(!ok, "packaged {files:?}");
        assert!(
            stderr.contains(expected),
            "expected {expected:?}, got {stderr}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("index.js", "module.exports = 1;\n")]);
    let (ok, _, stderr) = isovm(&["package", dir.path().to_str().unwrap()]);
    assert!(
        !ok && stderr.contains("abi.json: the contract's ABI is missing"),
        "{stderr}"
    );
}
