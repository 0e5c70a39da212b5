//! Contract behaviour, data-driven: each case deploys a small contract and checks what its
//! calls return or how they fail. Runs on the real engine (V8) and a real RocksDB.

mod common;

use common::{Chain, RFC8032, abi, call, deploy, tx, unhex};
use isovm::schema::Status;
use serde_json::Value;

/// What a call must do.
enum Expect {
    /// Succeed with this JSON-encoded return value.
    Returns(&'static str),
    /// Fail with this status and a message containing this text.
    Fails(Status, &'static str),
}
use Expect::{Fails, Returns};

struct Case {
    name: &'static str,
    /// Methods of the contract class (the class and its `init() {}` are added), or, when it
    /// starts with `//full`, the whole contract source.
    code: &'static str,
    abi: &'static [(&'static str, &'static [&'static str])],
    /// Each call is one transaction of one block, in order.
    calls: &'static [(&'static str, &'static str, Expect)],
}

fn source(case: &Case) -> String {
    if case.code.starts_with("//full") {
        case.code.to_string()
    } else {
        format!(
            "class C {{\n  init() {{}}\n{}\n}}\nmodule.exports = C;\n",
            case.code
        )
    }
}

const CASES: &[Case] = &[
    Case {
        name: "storage_roundtrip",
        code: r#"
  set(k, v) { storage.put(k, v); }
  get(k) { return storage.get(k); }
  has(k) { return storage.has(k); }
  del(k) { storage.del(k); }"#,
        abi: &[
            ("set", &["string", "string"]),
            ("get", &["string"]),
            ("has", &["string"]),
            ("del", &["string"]),
        ],
        calls: &[
            ("get", r#"["a"]"#, Returns("null")),
            ("has", r#"["a"]"#, Returns("false")),
            ("set", r#"["a", "1"]"#, Returns("null")),
            ("get", r#"["a"]"#, Returns(r#""1""#)),
            ("has", r#"["a"]"#, Returns("true")),
            ("set", r#"["a", ""]"#, Returns("null")),
            ("get", r#"["a"]"#, Returns(r#""""#)),
            ("del", r#"["a"]"#, Returns("null")),
            ("get", r#"["a"]"#, Returns("null")),
            ("set", r#"["key ok", "значение 🦀"]"#, Returns("null")),
            ("get", r#"["key ok"]"#, Returns(r#""значение 🦀""#)),
        ],
    },
    Case {
        name: "maps",
        code: r#"
  put(f, v) { storage.mapPut("m", f, v); }
  get(f) { return storage.mapGet("m", f); }
  has(f) { return storage.mapHas("m", f); }
  keys() { return storage.mapKeys("m"); }
  len() { return storage.mapLen("m"); }
  del(f) { storage.mapDel("m", f); }"#,
        abi: &[
            ("put", &["string", "string"]),
            ("get", &["string"]),
            ("has", &["string"]),
            ("keys", &[]),
            ("len", &[]),
            ("del", &["string"]),
        ],
        calls: &[
            ("keys", "[]", Returns("[]")),
            ("len", "[]", Returns("0")),
            ("put", r#"["b", "2"]"#, Returns("null")),
            ("put", r#"["a", "1"]"#, Returns("null")),
            ("put", r#"["c", "3"]"#, Returns("null")),
            // IOST's order: the order fields were first put.
            ("keys", "[]", Returns(r#"["b","a","c"]"#)),
            ("len", "[]", Returns("3")),
            ("get", r#"["b"]"#, Returns(r#""2""#)),
            ("has", r#"["z"]"#, Returns("false")),
            ("get", r#"["z"]"#, Returns("null")),
            // Putting an existing field keeps its place.
            ("put", r#"["b", "4"]"#, Returns("null")),
            ("keys", "[]", Returns(r#"["b","a","c"]"#)),
            ("get", r#"["b"]"#, Returns(r#""4""#)),
            ("del", r#"["b"]"#, Returns("null")),
            ("keys", "[]", Returns(r#"["a","c"]"#)),
            ("len", "[]", Returns("2")),
            // A field put again after its delete is new: it comes last.
            ("put", r#"["b", "5"]"#, Returns("null")),
            ("keys", "[]", Returns(r#"["a","c","b"]"#)),
            ("get", r#"["b"]"#, Returns(r#""5""#)),
        ],
    },
    Case {
        name: "json_escapes_as_iost",
        code: r#"
  text() { return JSON.stringify(["a\u2028b", "\u00ad", {"k\u2029": "\ufeff\u0085"}, "plain é ✓", "\n\u0001"]); }
  listed() { return JSON.stringify({"\u200d": "\ufff9", other: 1}, ["\u200d"]); }
  lengths() { return [JSON.stringify("\u2028").length, JSON.parse(JSON.stringify("x\u2028y")) === "x\u2028y"]; }"#,
        abi: &[("text", &[]), ("listed", &[]), ("lengths", &[])],
        calls: &[
            // IOST's json2.js: these characters are written as \uXXXX, lowercase.
            (
                "text",
                "[]",
                Returns(
                    r#""[\"a\\u2028b\",\"\\u00ad\",{\"k\\u2029\":\"\\ufeff\\u0085\"},\"plain é ✓\",\"\\n\\u0001\"]""#,
                ),
            ),
            ("listed", "[]", Returns(r#""{\"\\u200d\":\"\\ufff9\"}""#)),
            ("lengths", "[]", Returns("[8,true]")),
        ],
    },
    Case {
        // IOST's json test (test/v8vm/test_data/json.js, stringify30 and stringify31): a value
        // nested 1,000 deep, returned (and so serialized), and built by hand by recursion.
        name: "iost_json_depth",
        code: r#"
  nested() { let a = "a"; for (let i = 0; i < 1000; i++) { a = { a: a }; } return JSON.stringify(a).length; }
  byHand() {
    let a = "a";
    for (let i = 0; i < 1000; i++) { a = { a: a }; }
    const str = function (a) {
      if (typeof a === "object") { return '{"a":' + str(a['a']) + '}'; }
      return '"' + a + '"';
    };
    return str(a).length;
  }"#,
        abi: &[("nested", &[]), ("byHand", &[])],
        calls: &[
            ("byHand", "[]", Returns("6003")),
            ("nested", "[]", Returns("6003")),
        ],
    },
    Case {
        name: "storage_key_rules",
        code: r#"
  put(k) { storage.put(k, "v"); return storage.get(k); }
  mapPut(k, f) { storage.mapPut(k, f, "v"); return storage.mapGet(k, f); }
  del(k) { storage.del(k); }
  mapDel(k, f) { storage.mapDel(k, f); }
  get(k) { return [storage.get(k), storage.has(k), storage.mapGet(k, k)]; }"#,
        abi: &[
            ("put", &["string"]),
            ("mapPut", &["string", "string"]),
            ("del", &["string"]),
            ("mapDel", &["string", "string"]),
            ("get", &["string"]),
        ],
        calls: &[
            // IOST's `IsValidKey`, on every write: 1 to 64 bytes of the characters 32 to
            // 126, but `-` and `@`.
            ("put", r#"["a b_~!#"]"#, Returns(r#""v""#)),
            (
                "put",
                r#"["kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"]"#,
                Returns(r#""v""#),
            ),
            (
                "put",
                r#"["kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"]"#,
                Fails(
                    Status::RuntimeError,
                    "Error: key or field length invalid. expected [1, 64], actual 65",
                ),
            ),
            (
                "put",
                r#"[""]"#,
                Fails(
                    Status::RuntimeError,
                    "Error: key or field length invalid. expected [1, 64], actual 0",
                ),
            ),
            (
                "put",
                r#"["a-b"]"#,
                Fails(
                    Status::RuntimeError,
                    "Error: key or field has invalid char, 45",
                ),
            ),
            (
                "put",
                r#"["a@b"]"#,
                Fails(
                    Status::RuntimeError,
                    "Error: key or field has invalid char, 64",
                ),
            ),
            (
                "put",
                r#"["a\nb"]"#,
                Fails(
                    Status::RuntimeError,
                    "Error: key or field has invalid char, 10",
                ),
            ),
            (
                "put",
                r#"["ключ"]"#,
                Fails(
                    Status::RuntimeError,
                    "Error: key or field has invalid char, 1082",
                ),
            ),
            (
                "mapPut",
                r#"["m", "f-1"]"#,
                Fails(
                    Status::RuntimeError,
                    "Error: key or field has invalid char, 45",
                ),
            ),
            (
                "mapPut",
                r#"["m-1", "f"]"#,
                Fails(
                    Status::RuntimeError,
                    "Error: key or field has invalid char, 45",
                ),
            ),
            ("mapPut", r#"["m", "f_1"]"#, Returns(r#""v""#)),
            (
                "del",
                r#"["a-b"]"#,
                Fails(
                    Status::RuntimeError,
                    "Error: key or field has invalid char, 45",
                ),
            ),
            (
                "mapDel",
                r#"["m", ""]"#,
                Fails(Status::RuntimeError, "Error: key or field length invalid"),
            ),
            // Reads take any key: what cannot be written is not there.
            ("get", r#"["a-b"]"#, Returns("[null,false,null]")),
            ("get", r#"["ключ"]"#, Returns("[null,false,null]")),
        ],
    },
    Case {
        name: "values_must_be_strings",
        code: r#"
  num() { storage.put("k", 5); }
  obj() { storage.mapPut("m", "f", {a: 1}); }
  key() { storage.get(7); }
  nul() { storage.put("k", null); }"#,
        abi: &[("num", &[]), ("obj", &[]), ("key", &[]), ("nul", &[])],
        calls: &[
            (
                "num",
                "[]",
                Fails(
                    Status::RuntimeError,
                    "TypeError: storage.put: value must be a string, got number",
                ),
            ),
            (
                "obj",
                "[]",
                Fails(
                    Status::RuntimeError,
                    "TypeError: storage.mapPut: value must be a string, got object",
                ),
            ),
            (
                "key",
                "[]",
                Fails(
                    Status::RuntimeError,
                    "TypeError: storage.get: key must be a string, got number",
                ),
            ),
            (
                "nul",
                "[]",
                Fails(Status::RuntimeError, "value must be a string, got null"),
            ),
        ],
    },
    Case {
        name: "blockchain_and_globals",
        code: r#"
  who() { return [blockchain.contractName(), blockchain.publisher(), tx.publisher]; }
  blk() { return [typeof block.number, block.witness, block.time === Date.now(), typeof block.parentHash]; }
  txinfo() { return [tx.gasLimit, typeof tx.hash, tx.time === block.time]; }
  auth(a) { return blockchain.requireAuth(a, "active"); }"#,
        abi: &[
            ("who", &[]),
            ("blk", &[]),
            ("txinfo", &[]),
            ("auth", &["string"]),
        ],
        calls: &[
            (
                "who",
                "[]",
                Returns(r#"["blockchain_and_globals","alice","alice"]"#),
            ),
            (
                "blk",
                "[]",
                Returns(r#"["number","producer-1",true,"string"]"#),
            ),
            ("txinfo", "[]", Returns(r#"[10000000,"string",true]"#)),
            ("auth", r#"["alice"]"#, Returns("true")),
            ("auth", r#"["mallory"]"#, Returns("false")),
        ],
    },
    Case {
        name: "return_values_are_json",
        code: r#"
  obj() { return {b: [1, 2.5, "x"], a: null, n: true}; }
  str() { return "hi"; }
  none() { }
  fn() { return function () {}; }
  cyc() { const o = {}; o.o = o; return o; }
  async later() { return 42; }"#,
        abi: &[
            ("obj", &[]),
            ("str", &[]),
            ("none", &[]),
            ("fn", &[]),
            ("cyc", &[]),
            ("later", &[]),
        ],
        calls: &[
            (
                "obj",
                "[]",
                Returns(r#"{"b":[1,2.5,"x"],"a":null,"n":true}"#),
            ),
            ("str", "[]", Returns(r#""hi""#)),
            ("none", "[]", Returns("null")),
            ("fn", "[]", Returns("null")),
            ("cyc", "[]", Fails(Status::RuntimeError, "circular")),
            ("later", "[]", Returns("42")),
        ],
    },
    Case {
        name: "argument_types",
        code: r#"
  echo(s, n, b, j) { return [typeof s, typeof n, typeof b, j]; }"#,
        abi: &[("echo", &["string", "number", "bool", "json"])],
        calls: &[
            (
                "echo",
                r#"["x", 1.5, false, {"k": [1]}]"#,
                Returns(r#"["string","number","boolean",{"k":[1]}]"#),
            ),
            (
                "echo",
                r#"["x", 1, false]"#,
                Fails(Status::InvalidInput, "takes 4 arguments, got 3"),
            ),
            (
                "echo",
                r#"["x", "1", false, null]"#,
                Fails(
                    Status::InvalidInput,
                    "argument 2 of `echo` must be a number, got string",
                ),
            ),
            (
                "echo",
                r#"[1, 1, false, null]"#,
                Fails(
                    Status::InvalidInput,
                    "argument 1 of `echo` must be a string",
                ),
            ),
            (
                "missing",
                "[]",
                Fails(Status::InvalidInput, "has no method `missing` in its ABI"),
            ),
            (
                "init",
                "[]",
                Fails(Status::InvalidInput, "has no method `init`"),
            ),
        ],
    },
    Case {
        name: "errors_carry_message_and_location",
        code: r#"
  plain() {
    throw new Error("plain failure");
  }
  typed() { null.x; }
  range() { new Array(-1); }
  str() { throw "a string"; }
  num() { throw 42; }
  obj() { throw {code: 7}; }
  deep() { return this.helper(); }
  helper() {
    throw new RangeError("from helper");
  }"#,
        abi: &[
            ("plain", &[]),
            ("typed", &[]),
            ("range", &[]),
            ("str", &[]),
            ("num", &[]),
            ("obj", &[]),
            ("deep", &[]),
            ("helper", &[]),
        ],
        calls: &[
            (
                "plain",
                "[]",
                Fails(
                    Status::RuntimeError,
                    "Error: plain failure\n    at plain (errors_carry_message_and_location:5:11)",
                ),
            ),
            (
                "typed",
                "[]",
                Fails(
                    Status::RuntimeError,
                    "TypeError: Cannot read properties of null",
                ),
            ),
            (
                "range",
                "[]",
                Fails(Status::RuntimeError, "RangeError: Invalid array length"),
            ),
            ("str", "[]", Fails(Status::RuntimeError, "a string")),
            ("num", "[]", Fails(Status::RuntimeError, "42")),
            ("obj", "[]", Fails(Status::RuntimeError, "#<Object>")),
            (
                "deep",
                "[]",
                Fails(
                    Status::RuntimeError,
                    "RangeError: from helper\n    at helper (errors_carry_message_and_location:14:11)\n    at deep (errors_carry_message_and_location:12:",
                ),
            ),
        ],
    },
    Case {
        name: "failed_calls_leave_no_trace",
        code: r#"
  setThenThrow(v) { storage.put("k", v); storage.mapPut("m", "f", v); blockchain.event("e" + v); throw new Error("no"); }
  set(v) { storage.put("k", v); blockchain.event("set " + v); }
  get() { return [storage.get("k"), storage.mapKeys("m")]; }"#,
        abi: &[
            ("setThenThrow", &["string"]),
            ("set", &["string"]),
            ("get", &[]),
        ],
        calls: &[
            ("set", r#"["1"]"#, Returns("null")),
            (
                "setThenThrow",
                r#"["2"]"#,
                Fails(Status::RuntimeError, "Error: no"),
            ),
            ("get", "[]", Returns(r#"["1",[]]"#)),
        ],
    },
    Case {
        name: "determinism_guards",
        code: r#"
  rnd() { return Math.random(); }
  now() { return [Date.now() === block.time, new Date().getTime() === block.time]; }
  tz() { const d = new Date(0); return [d.getTimezoneOffset(), d.getHours(), d.toString()]; }
  local() { return new Date(2020, 0, 2, 3, 4, 5).toISOString(); }
  parse() { return [Date.parse("2020-01-01"), Date.parse("2020-01-01T00:00:00Z"), isNaN(Date.parse("2020-01-01 00:00"))]; }
  ev() { return eval("1 + 1"); }
  fn() { return new Function("return 1")(); }
  wasm() { return typeof WebAssembly; }
  gone() { return [typeof SharedArrayBuffer, typeof Atomics, typeof WeakRef, typeof FinalizationRegistry]; }"#,
        abi: &[
            ("rnd", &[]),
            ("now", &[]),
            ("tz", &[]),
            ("local", &[]),
            ("parse", &[]),
            ("ev", &[]),
            ("fn", &[]),
            ("wasm", &[]),
            ("gone", &[]),
        ],
        calls: &[
            (
                "rnd",
                "[]",
                Fails(
                    Status::RuntimeError,
                    "Math.random is not available to contracts",
                ),
            ),
            ("now", "[]", Returns("[true,true]")),
            (
                "tz",
                "[]",
                Returns(r#"[0,0,"Thu, 01 Jan 1970 00:00:00 GMT"]"#),
            ),
            ("local", "[]", Returns(r#""2020-01-02T03:04:05.000Z""#)),
            ("parse", "[]", Returns("[1577836800000,1577836800000,true]")),
            ("ev", "[]", Fails(Status::RuntimeError, "EvalError")),
            ("fn", "[]", Fails(Status::RuntimeError, "EvalError")),
            ("wasm", "[]", Returns(r#""undefined""#)),
            (
                "gone",
                "[]",
                Returns(r#"["undefined","undefined","undefined","undefined"]"#),
            ),
        ],
    },
    Case {
        name: "other_contracts_are_readable_not_writable",
        code: r#"
  peek() { return storage.globalMapGet("system", "gas_used", "alice") !== null; }
  own() { storage.put("x", "1"); return storage.globalGet("other_contracts_are_readable_not_writable", "x"); }
  absent() { return [storage.globalGet("nobody", "x"), storage.globalHas("nobody", "x"), storage.globalMapKeys("nobody", "m")]; }"#,
        abi: &[("peek", &[]), ("own", &[]), ("absent", &[])],
        calls: &[
            ("peek", "[]", Returns("true")),
            ("own", "[]", Returns(r#""1""#)),
            ("absent", "[]", Returns("[null,false,[]]")),
        ],
    },
    Case {
        name: "unimplemented_api_says_so",
        code: r#"
  freeze() { return blockchain.call("token.iost", "transferFreeze", ["iost", "a", "b", "1", 0, ""]); }
  mod() { return require("fs"); }
  big() { return new BigNumber(1).toFraction(); }
"#,
        abi: &[("freeze", &[]), ("mod", &[]), ("big", &[])],
        calls: &[
            (
                "big",
                "[]",
                Fails(
                    Status::RuntimeError,
                    "BigNumber.prototype.toFraction is not implemented in isovm yet",
                ),
            ),
            (
                "freeze",
                "[]",
                Fails(
                    Status::RuntimeError,
                    "token.iost.transferFreeze: transferFreeze is not implemented in isovm yet",
                ),
            ),
            (
                "mod",
                "[]",
                Fails(Status::RuntimeError, "module 'fs' is not available"),
            ),
        ],
    },
    Case {
        name: "top_level_state_is_per_call",
        code: r#"//full
let calls = 0;
class C {
  init() {}
  bump() { calls += 1; globalThis.leak = (globalThis.leak || 0) + 1; return calls; }
  poke() { Object.prototype.polluted = true; Array.prototype.push = null; }
  check() { return [typeof ({}).polluted, typeof [].push, typeof globalThis.leak]; }
}
module.exports = C;
"#,
        abi: &[("bump", &[]), ("poke", &[]), ("check", &[])],
        calls: &[
            (
                "bump",
                "[]",
                Fails(Status::RuntimeError, "object is not extensible"),
            ),
            (
                "poke",
                "[]",
                Fails(Status::RuntimeError, "object is not extensible"),
            ),
            (
                "check",
                "[]",
                Returns(r#"["undefined","function","undefined"]"#),
            ),
        ],
    },
];

#[tokio::test]
async fn contract_behaviour() {
    let mut chain = Chain::new();
    let mut failures = Vec::new();
    for case in CASES {
        let code = source(case);
        let receipt = chain
            .run("alice", vec![deploy(&code, &abi(case.abi), case.name)])
            .await;
        if receipt.status != Status::Success {
            failures.push(format!(
                "{}: deploy failed: {:?} {}",
                case.name, receipt.status, receipt.message
            ));
            continue;
        }
        let txs = case
            .calls
            .iter()
            .map(|(method, args, _)| {
                let args: Value = serde_json::from_str(args).unwrap();
                tx("alice", vec![call(case.name, method, args)])
            })
            .collect();
        let result = chain.block(txs).await;
        for ((method, args, expect), receipt) in case.calls.iter().zip(&result.receipts) {
            let what = format!("{}.{method}({args})", case.name);
            match expect {
                Returns(json) => {
                    if receipt.status != Status::Success || receipt.returns != [json.to_string()] {
                        failures.push(format!(
                            "{what}: expected {json}, got {:?} {:?} {}",
                            receipt.status, receipt.returns, receipt.message
                        ));
                    }
                }
                Fails(status, text) => {
                    if receipt.status != *status || !receipt.message.contains(text) {
                        failures.push(format!(
                            "{what}: expected {status:?} with {text:?}, got {:?} {:?}",
                            receipt.status, receipt.message
                        ));
                    }
                    if !receipt.returns.is_empty() || !receipt.events.is_empty() {
                        failures.push(format!("{what}: a failed call kept returns or events"));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing checks:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Deploy-time checks, each a failed deploy with the reason.
#[tokio::test]
async fn bad_deploys_are_refused_with_the_reason() {
    let mut chain = Chain::new();
    let good_abi = abi(&[("f", &[])]);
    let class = "class C { init() {} f() { return 1; } }\nmodule.exports = C;";
    chain.deploy(class, &good_abi, "taken").await;
    let cases: Vec<(String, String, Option<&str>, Status, &str)> = vec![
        (
            "class C { f( }".into(),
            good_abi.clone(),
            Some("syntax"),
            Status::InvalidContract,
            "syntax error at line 1",
        ),
        (
            "let __isovm_gas = 1;".into(),
            good_abi.clone(),
            Some("reserved"),
            Status::InvalidContract,
            "reserved identifier `__isovm_gas`",
        ),
        (
            class.into(),
            "{nope".into(),
            Some("bad_abi"),
            Status::InvalidContract,
            "ABI is not valid",
        ),
        (
            class.into(),
            abi(&[("g", &[])]),
            Some("missing_method"),
            Status::InvalidContract,
            "abi not defined in source code: g",
        ),
        (
            class.into(),
            good_abi.clone(),
            Some("taken"),
            Status::InvalidContract,
            "contract `taken` already exists",
        ),
        (
            class.into(),
            good_abi.clone(),
            Some("system"),
            Status::InvalidContract,
            "reserved",
        ),
        (
            class.into(),
            good_abi.clone(),
            Some("bad id!"),
            Status::InvalidContract,
            "must be 1 to 64 characters",
        ),
        (
            "class C { init() { throw new Error('init says no'); } f() {} }\nmodule.exports = C;"
                .into(),
            good_abi.clone(),
            Some("init_throws"),
            Status::RuntimeError,
            "init says no",
        ),
        (
            "class C { f() {} }\nmodule.exports = C;".into(),
            good_abi.clone(),
            Some("no_init"),
            Status::InvalidContract,
            "init not found!",
        ),
        (
            "module.exports = 5;".into(),
            good_abi.clone(),
            Some("no_class"),
            Status::InvalidContract,
            "empty source code.",
        ),
        (
            "class C { init() {} f() {} }\nmodule.exports = 5;".into(),
            good_abi.clone(),
            Some("not_a_class"),
            Status::InvalidContract,
            "last expression must be 'module.exports = CLASS_IDENTIFIER;'",
        ),
        (
            "class C { init() {} f() {} }\nmodule.exports = C;\nlet after = 1;".into(),
            good_abi.clone(),
            Some("code_after_exports"),
            Status::InvalidContract,
            "last expression must be 'module.exports = CLASS_IDENTIFIER;'",
        ),
        (
            "class C { constructor() {} init() {} f() {} }\nmodule.exports = C;".into(),
            good_abi.clone(),
            Some("constructor"),
            Status::InvalidContract,
            "smart contract class shouldn't contain constructor method!!",
        ),
        (
            "class C { init() {} f(a) {} }\nmodule.exports = C;".into(),
            good_abi.clone(),
            Some("arg_count"),
            Status::InvalidContract,
            "args length not match: f",
        ),
        (
            class.into(),
            abi(&[("_f", &[])]),
            Some("underscore"),
            Status::InvalidContract,
            "abi name shouldn't start with _",
        ),
        (
            "import fs from 'fs';".into(),
            good_abi.clone(),
            Some("import"),
            Status::InvalidContract,
            "unsupported syntax",
        ),
        (
            "class C { init() {} f() { return 10n; } }\nmodule.exports = C;".into(),
            good_abi.clone(),
            Some("bigint"),
            Status::InvalidContract,
            "BigInt is not available to contracts",
        ),
        (
            "class C { init() {}\n f(s) { return /(a)\\1/.test(s); } }\nmodule.exports = C;".into(),
            abi(&[("f", &["string"])]),
            Some("backreference"),
            Status::InvalidContract,
            "regular expression /(a)\\1/ at line 2, column 16 cannot run in linear time",
        ),
        (
            "class C { init() {} f() { return /(/; } }\nmodule.exports = C;".into(),
            good_abi.clone(),
            Some("bad_regexp"),
            Status::InvalidContract,
            "regular expression /(/ at line 1, column 34 is not valid",
        ),
    ];
    for (code, abi_json, id, status, text) in cases {
        let action = match id {
            Some(id) => deploy(&code, &abi_json, id),
            None => call("system", "deploy", serde_json::json!([code, abi_json])),
        };
        let receipt = chain.run("alice", vec![action]).await;
        assert_eq!(receipt.status, status, "{id:?}: {}", receipt.message);
        assert!(
            receipt.message.contains(text),
            "{id:?}: {:?} should contain {text:?}",
            receipt.message
        );
    }
    // A failed deploy leaves no contract behind: the id is free for a good deploy.
    chain.deploy(class, &good_abi, "init_throws").await;
}

/// Deploy without an id names the contract `Contract` + the tx hash (IOST's rule), runs
/// `init()` exactly once, and returns the id.
#[tokio::test]
async fn deploy_defaults_the_id_and_runs_init_once() {
    let mut chain = Chain::new();
    let code = "class C { init() { storage.put('n', String(Number(storage.get('n') || '0') + 1)); } n() { return storage.get('n'); } }\nmodule.exports = C;";
    let deploy_tx = tx(
        "alice",
        vec![call(
            "system",
            "deploy",
            serde_json::json!([code, abi(&[("n", &[])])]),
        )],
    );
    let id = format!("Contract{}", deploy_tx.hash);
    let receipt = chain.block(vec![deploy_tx]).await.receipts.remove(0);
    assert_eq!(receipt.status, Status::Success, "{}", receipt.message);
    assert_eq!(receipt.returns, vec![format!("\"{id}\"")]);
    let n = chain
        .run("bob", vec![call(&id, "n", serde_json::json!([]))])
        .await;
    assert_eq!(n.returns, vec![r#""1""#.to_string()]);
    let unknown = chain
        .run("bob", vec![call("nope", "n", serde_json::json!([]))])
        .await;
    assert_eq!(unknown.status, Status::InvalidInput);
    assert!(unknown.message.contains("contract `nope` does not exist"));
}

#[tokio::test]
async fn blockchain_reports_the_block_the_transaction_the_context_and_the_owner_as_iost_does() {
    let source = r#"
class Info {
  init() {}
  block() { return blockchain.blockInfo(); }
  tx() { return blockchain.txInfo(); }
  context() { return blockchain.contextInfo(); }
  owner() { return blockchain.contractOwner(); }
  parsed() { const b = JSON.parse(blockchain.blockInfo()); return [b.number, typeof b.parent_hash, JSON.parse(blockchain.txInfo()).actions[0].actionName]; }
}
module.exports = Info;
"#;
    let mut chain = Chain::new();
    let methods: &[(&str, &[&str])] = &[
        ("block", &[]),
        ("tx", &[]),
        ("context", &[]),
        ("owner", &[]),
        ("parsed", &[]),
    ];
    chain.deploy(source, &abi(methods), "info").await;
    let mut t = tx("bob", vec![call("info", "tx", serde_json::json!([]))]);
    t.hash = "3mJr7AoUXx2Wqd".into();
    t.gas_limit = 500_000;
    let results = chain
        .block(vec![
            tx("bob", vec![call("info", "block", serde_json::json!([]))]),
            t,
            tx("bob", vec![call("info", "context", serde_json::json!([]))]),
            tx("bob", vec![call("info", "owner", serde_json::json!([]))]),
            tx("bob", vec![call("info", "parsed", serde_json::json!([]))]),
        ])
        .await;
    let returned = |i: usize| -> String {
        let receipt = &results.receipts[i];
        assert_eq!(receipt.status, Status::Success, "{}", receipt.message);
        serde_json::from_str::<String>(&receipt.returns[0])
            .unwrap_or_else(|_| receipt.returns[0].clone())
    };
    let block: Value = serde_json::from_str(&returned(0)).unwrap();
    let keys: Vec<&String> = block.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["number", "parent_hash", "time", "witness"]);
    assert_eq!(block["number"], chain.height);
    assert_eq!(block["time"], chain.time_ms);
    assert_eq!(block["witness"], "producer-1");
    assert_eq!(block["parent_hash"].as_str().unwrap().len(), 64);
    assert_eq!(
        returned(1),
        format!(
            r#"{{"actions":[{{"contract":"info","actionName":"tx","data":"[]"}}],"gas_limit":500000,"hash":"3mJr7AoUXx2Wqd","publisher":"bob","time":{}}}"#,
            chain.time_ms
        )
    );
    assert_eq!(
        returned(2),
        r#"{"abi_name":"context","caller":{"is_account":true,"name":"bob"},"contract_name":"info","publisher":"bob"}"#
    );
    // The deployer (`Chain::deploy` publishes as alice), whoever calls.
    assert_eq!(results.receipts[3].returns, vec![r#""alice""#.to_string()]);
    assert_eq!(
        results.receipts[4].returns,
        vec![format!(r#"[{},"string","parsed"]"#, chain.height)]
    );
}

#[tokio::test]
async fn iost_crypto_digests_match_iost() {
    let source = r#"
class Crypto {
  init() {}
  sha3(msg) { return IOSTCrypto.sha3(msg); }
  sha3Hex(msg) { return IOSTCrypto.sha3Hex(msg); }
  ripemd160Hex(msg) { return IOSTCrypto.ripemd160Hex(msg); }
}
module.exports = Crypto;
"#;
    let mut chain = Chain::new();
    let methods: &[(&str, &[&str])] = &[
        ("sha3", &["string"]),
        ("sha3Hex", &["string"]),
        ("ripemd160Hex", &["string"]),
    ];
    chain.deploy(source, &abi(methods), "crypto").await;
    let hello_hex = "68656c6c6f20776f726c64"; // "hello world"
    // IOST's TestEngine_Crypto and TestEngine_Crypto2 (test/v8vm/vm_test.go): the same
    // inputs, the digests of `common.Sha3` (SHA3-256) and `common.Ripemd160`.
    let cases = [
        (
            "sha3",
            "hello world",
            "7kWonUYJpjrBsCGs64MYogcJ8aWTv5Ro7XwyahMmfEy5",
        ),
        (
            "sha3Hex",
            hello_hex,
            "644bcc7e564373040999aac89e7622f3ca71fba1d972fd94a31c3bfbf24e3938",
        ),
        ("sha3Hex", "hello world", ""),
        (
            "ripemd160Hex",
            "823b54d3aabaf8e3122800ca5238afb2ccef071ce83b8d5654a597a5dd06347e",
            "3dbb2167cbfc2186343356125fff4163e6ebcce7",
        ),
        ("ripemd160Hex", "hello world", ""),
        ("ripemd160Hex", "ABC", ""),
    ];
    let txs = cases
        .iter()
        .map(|(method, input, _)| {
            tx(
                "bob",
                vec![call("crypto", method, serde_json::json!([input]))],
            )
        })
        .collect();
    let results = chain.block(txs).await;
    for ((method, input, want), receipt) in cases.iter().zip(&results.receipts) {
        assert_eq!(
            receipt.status,
            Status::Success,
            "{method}({input}): {}",
            receipt.message
        );
        assert_eq!(
            receipt.returns,
            vec![serde_json::json!(want).to_string()],
            "{method}({input})"
        );
    }
    // Paid by size: a longer input costs more gas.
    let short = chain
        .run(
            "bob",
            vec![call("crypto", "sha3", serde_json::json!(["x"]))],
        )
        .await;
    let long = chain
        .run(
            "bob",
            vec![call(
                "crypto",
                "sha3",
                serde_json::json!(["x".repeat(10_000)]),
            )],
        )
        .await;
    assert!(
        long.gas_used > short.gas_used + 10_000 * 2,
        "{} vs {}",
        long.gas_used,
        short.gas_used
    );
}

fn b58(bytes: &[u8]) -> String {
    bs58::encode(bytes).into_string()
}

/// The same bytes with one bit of byte `at` flipped.
fn flipped(bytes: &[u8], at: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[at] ^= 1;
    out
}

#[tokio::test]
async fn iost_crypto_verify() {
    use k256::ecdsa::signature::hazmat::PrehashSigner;
    use sha3::Digest;

    let source = r#"
class Crypto {
  init() {}
  verify(algo, msg, sig, pubkey) { return IOSTCrypto.verify(algo, msg, sig, pubkey); }
  notText() { return IOSTCrypto.verify("ed25519", 1, "", ""); }
  type() { return typeof IOSTCrypto.verify("rsa", "", "", ""); }
}
module.exports = Crypto;
"#;
    let mut chain = Chain::new();
    let methods: &[(&str, &[&str])] = &[
        ("verify", &["string", "string", "string", "string"]),
        ("notText", &[]),
        ("type", &[]),
    ];
    chain.deploy(source, &abi(methods), "crypto").await;

    // (what, algo, msg, sig, pubkey, IOST's answer), all but algo base58 as IOST takes them.
    let mut cases: Vec<(String, String, String, String, String, &str)> = Vec::new();
    let mut case = |what: &str, algo: &str, msg: &[u8], sig: &[u8], pubkey: &[u8], want| {
        let (msg, sig, pubkey) = (b58(msg), b58(sig), b58(pubkey));
        cases.push((what.into(), algo.into(), msg, sig, pubkey, want));
    };
    for (i, (_, pubkey, msg, sig)) in RFC8032.iter().enumerate() {
        let (pubkey, msg, sig) = (unhex(pubkey), unhex(msg), unhex(sig));
        let test = format!("RFC 8032 TEST {}", i + 1);
        case(&test, "ed25519", &msg, &sig, &pubkey, "1");
        case(
            &format!("{test}, R tampered"),
            "ed25519",
            &msg,
            &flipped(&sig, 3),
            &pubkey,
            "0",
        );
        case(
            &format!("{test}, S tampered"),
            "ed25519",
            &msg,
            &flipped(&sig, 40),
            &pubkey,
            "0",
        );
        case(
            &format!("{test}, message tampered"),
            "ed25519",
            &[msg.clone(), vec![0]].concat(),
            &sig,
            &pubkey,
            "0",
        );
        case(
            &format!("{test}, key tampered"),
            "ed25519",
            &msg,
            &sig,
            &flipped(&pubkey, 0),
            "0",
        );
        case(
            &format!("{test}, key cut"),
            "ed25519",
            &msg,
            &sig,
            &pubkey[..31],
            "0",
        );
        case(
            &format!("{test}, as secp256k1"),
            "secp256k1",
            &msg,
            &sig,
            &pubkey,
            "0",
        );
        case(
            &format!("{test}, algorithm unknown"),
            "Ed25519",
            &msg,
            &sig,
            &pubkey,
            "0",
        );
    }
    // S + L (the group order) is the same scalar, but not canonical: refused, as Go does.
    let (pubkey, msg, sig) = (
        unhex(RFC8032[1].1),
        unhex(RFC8032[1].2),
        unhex(RFC8032[1].3),
    );
    let order = unhex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
    let mut unreduced = sig.clone();
    let mut carry = 0u16;
    for i in 0..32 {
        let sum = unreduced[32 + i] as u16 + order[i] as u16 + carry;
        unreduced[32 + i] = sum as u8;
        carry = sum >> 8;
    }
    case(
        "RFC 8032 TEST 2, S + L",
        "ed25519",
        &msg,
        &unreduced,
        &pubkey,
        "0",
    );
    // The identity as the key (small order), R the identity, S = 0: [0]B = R + [k]A for any
    // message. Go's check accepts it, so isovm does (`verify_strict` would not).
    let identity = [&[1u8][..], &[0u8; 31]].concat();
    let forged = [identity.clone(), vec![0; 32]].concat();
    case(
        "small-order key and R, S = 0",
        "ed25519",
        b"any message",
        &forged,
        &identity,
        "1",
    );

    // secp256k1: a key of our own, the message a SHA3-256 digest signed as it is (RFC 6979
    // nonces, low S), as IOST signs a transaction's hash.
    let secret: [u8; 32] = sha3::Sha3_256::digest(b"isovm secp256k1 test key").into();
    let signer = k256::ecdsa::SigningKey::from_bytes(&secret.into()).unwrap();
    let digest = sha3::Sha3_256::digest(b"hello world").to_vec();
    let signature: k256::ecdsa::Signature = signer.sign_prehash(&digest).unwrap();
    let sig = signature.to_bytes().to_vec();
    let key = signer.verifying_key();
    let compressed = key.to_encoded_point(true).as_bytes().to_vec();
    let uncompressed = key.to_encoded_point(false).as_bytes().to_vec();
    let odd = uncompressed[64] & 1;
    let hybrid = [&[6 | odd][..], &uncompressed[1..]].concat();
    let hybrid_wrong = [&[7 - odd][..], &uncompressed[1..]].concat();
    let (r, s) = signature.split_scalars();
    let high_s = k256::ecdsa::Signature::from_scalars(r, -*s)
        .unwrap()
        .to_bytes()
        .to_vec();
    let k = "secp256k1";
    case("secp256k1", k, &digest, &sig, &compressed, "1");
    case(
        "secp256k1, uncompressed key",
        k,
        &digest,
        &sig,
        &uncompressed,
        "1",
    );
    case("secp256k1, hybrid key", k, &digest, &sig, &hybrid, "1");
    case(
        "secp256k1, hybrid key of the other parity",
        k,
        &digest,
        &sig,
        &hybrid_wrong,
        "0",
    );
    case(
        "secp256k1, high S (the same signature, malleated)",
        k,
        &digest,
        &high_s,
        &compressed,
        "0",
    );
    case(
        "secp256k1, r tampered",
        k,
        &digest,
        &flipped(&sig, 5),
        &compressed,
        "0",
    );
    case(
        "secp256k1, s tampered",
        k,
        &digest,
        &flipped(&sig, 60),
        &compressed,
        "0",
    );
    case(
        "secp256k1, digest tampered",
        k,
        &flipped(&digest, 0),
        &sig,
        &compressed,
        "0",
    );
    case(
        "secp256k1, the text, not its digest",
        k,
        b"hello world",
        &sig,
        &compressed,
        "0",
    );
    case(
        "secp256k1, bytes after the first 32 ignored",
        k,
        &[digest.clone(), vec![1, 2, 3]].concat(),
        &sig,
        &compressed,
        "1",
    );
    case(
        "secp256k1, key tampered",
        k,
        &digest,
        &sig,
        &flipped(&compressed, 10),
        "0",
    );
    case(
        "secp256k1, as ed25519",
        "ed25519",
        &digest,
        &sig,
        &compressed,
        "0",
    );
    case(
        "secp256k1, signature cut",
        k,
        &digest,
        &sig[..63],
        &compressed,
        "0",
    );
    // Text that is not base58 is read as no bytes, as IOST's decoder answers: TEST 1 signs
    // the empty message, so any such text verifies in its place.
    let test1 = (b58(&unhex(RFC8032[0].3)), b58(&unhex(RFC8032[0].1)));
    let bad = [
        (
            "message not base58 (0)",
            "0",
            test1.0.clone(),
            test1.1.clone(),
            "1",
        ),
        (
            "message not base58 (l)",
            "2yl",
            test1.0.clone(),
            test1.1.clone(),
            "1",
        ),
        (
            "signature not base58",
            "",
            "0OIl".to_string(),
            test1.1.clone(),
            "0",
        ),
        (
            "key not base58",
            "",
            test1.0.clone(),
            format!("{}0", test1.1),
            "0",
        ),
        (
            "signature not ASCII",
            "",
            format!("{}é", test1.0),
            test1.1.clone(),
            "0",
        ),
        ("all empty", "", String::new(), String::new(), "0"),
    ];
    for (what, msg, sig, pubkey, want) in bad {
        cases.push((what.into(), "ed25519".into(), msg.into(), sig, pubkey, want));
    }

    let txs = cases
        .iter()
        .map(|(_, algo, msg, sig, pubkey, _)| {
            tx(
                "bob",
                vec![call(
                    "crypto",
                    "verify",
                    serde_json::json!([algo, msg, sig, pubkey]),
                )],
            )
        })
        .collect();
    let results = chain.block(txs).await;
    for ((what, .., want), receipt) in cases.iter().zip(&results.receipts) {
        assert_eq!(
            receipt.status,
            Status::Success,
            "{what}: {}",
            receipt.message
        );
        assert_eq!(receipt.returns, vec![want.to_string()], "{what}");
    }

    // A number, as IOST's native returns; arguments are strings; lengths are capped.
    let (sig2, key2) = (b58(&unhex(RFC8032[1].3)), b58(&unhex(RFC8032[1].1)));
    let long = |n: usize| "z".repeat(n);
    let refused = [
        (
            serde_json::json!(["ed25519", long(1025), sig2, key2]),
            "Error: IOSTCrypto.verify: msg is longer than 1024 bytes",
        ),
        (
            serde_json::json!(["ed25519", "2y", long(129), key2]),
            "Error: IOSTCrypto.verify: sig is longer than 128 bytes",
        ),
        (
            serde_json::json!(["ed25519", "2y", sig2, long(129)]),
            "Error: IOSTCrypto.verify: pubkey is longer than 128 bytes",
        ),
        (
            serde_json::json!([long(129), "2y", sig2, key2]),
            "Error: IOSTCrypto.verify: algo is longer than 128 bytes",
        ),
    ];
    for (args, message) in refused {
        let receipt = chain.run("bob", vec![call("crypto", "verify", args)]).await;
        assert_eq!(receipt.status, Status::RuntimeError);
        assert!(receipt.message.contains(message), "{}", receipt.message);
    }
    let receipt = chain
        .run(
            "bob",
            vec![call("crypto", "notText", serde_json::json!([]))],
        )
        .await;
    assert!(
        receipt
            .message
            .contains("TypeError: IOSTCrypto.verify: msg must be a string, got number"),
        "{}",
        receipt.message
    );
    let receipt = chain
        .run("bob", vec![call("crypto", "type", serde_json::json!([]))])
        .await;
    assert_eq!(receipt.returns, vec![r#""number""#.to_string()]);

    // Paid by size, whatever the answer: the longest message costs 1,000 × per_byte_verify
    // more than a 24-character one (and the action 1 gas per byte of its JSON arguments).
    let gas = |msg: String| {
        let args = serde_json::json!(["ed25519", msg, sig2, key2]);
        vec![call("crypto", "verify", args)]
    };
    let short = chain.run("bob", gas(long(24))).await;
    let longest = chain.run("bob", gas(long(1024))).await;
    let per_byte = isovm::consensus::PARAMS.host.per_byte_verify;
    let more = longest.gas_used - short.gas_used;
    assert!(
        (1000 * per_byte..=1000 * per_byte + 2000).contains(&more),
        "{} vs {}",
        longest.gas_used,
        short.gas_used
    );
}

#[tokio::test]
async fn two_contracts_with_the_same_code_name_themselves_in_their_errors() {
    let source = "class Twin {\n  init() {}\n  fail() { throw new Error('no'); }\n}\nmodule.exports = Twin;\n";
    let mut options = common::options();
    options.pool.max_workers = 1;
    let mut chain = Chain::with_options(options);
    let methods: &[(&str, &[&str])] = &[("fail", &[])];
    chain.deploy(source, &abi(methods), "first").await;
    chain.deploy(source, &abi(methods), "second").await;
    let results = chain
        .block(vec![
            tx("bob", vec![call("first", "fail", serde_json::json!([]))]),
            tx("bob", vec![call("second", "fail", serde_json::json!([]))]),
        ])
        .await;
    let (first, second) = (&results.receipts[0].message, &results.receipts[1].message);
    assert!(first.contains("first:3"), "{first}");
    assert!(second.contains("second:3"), "{second}");
    assert!(!second.contains("first"), "{second}");
}
