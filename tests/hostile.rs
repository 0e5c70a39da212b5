//! The hostile-contract suite: contracts that try to run forever, eat memory, escape the
//! sandbox, read or reset the gas counter, poison shared state, or crash V8. Each must end in
//! a clear failed receipt (or a harmless result), the process must survive, the next
//! transaction in the same batch must run normally, and the whole suite must give identical
//! receipts, gas included, on every run and whatever the pool size.

mod common;

use common::{Chain, abi, call, deploy, options, tx};
use isovm::exec::ExecOptions;
use isovm::schema::{Batch, BlockResult, Status, to_msgpack};
use serde_json::json;

/// What a hostile method must do.
enum Expect {
    Fails(Status, &'static str),
    Returns(&'static str),
}
use Expect::{Fails, Returns};

/// (method name, method body, expectation). Each becomes a method of one contract.
const CASES: &[(&str, &str, Expect)] = &[
    // Running forever.
    ("loop", "for (;;) {}", Fails(Status::OutOfGas, "out of gas")),
    (
        "loopCatching",
        "for (;;) { try { for (;;) {} } catch (e) {} }",
        Fails(Status::OutOfGas, "out of gas"),
    ),
    (
        "whileTrue",
        "let i = 0; while (true) { i++; }",
        Fails(Status::OutOfGas, "out of gas"),
    ),
    // Every match runs on the linear-time engine (runtime/31-regexp.js): no backtracking.
    (
        "regexBacktracking",
        r#"return /^(a+)+$/.test("a".repeat(100000) + "b");"#,
        Returns("false"),
    ),
    // Recursing forever: stopped at the same depth on every node.
    (
        "recurse",
        "return this.recurse();",
        Fails(
            Status::RuntimeError,
            "RangeError: Maximum call stack size exceeded: contracts may nest calls 1100 deep",
        ),
    ),
    (
        "recurseArrow",
        "const f = (n) => f(n + 1); return f(0);",
        Fails(Status::RuntimeError, "contracts may nest calls 1100 deep"),
    ),
    (
        "recurseViaDefault",
        "function f(a = f()) { return a; } return f();",
        Fails(Status::RuntimeError, "contracts may nest calls 1100 deep"),
    ),
    (
        "recurseViaField",
        "class A { x = new A(); } return new A();",
        Fails(Status::RuntimeError, "contracts may nest calls 1100 deep"),
    ),
    (
        "recurseViaGetter",
        "const o = { get x() { return o.x; } }; return o.x;",
        Fails(Status::RuntimeError, "contracts may nest calls 1100 deep"),
    ),
    (
        "recurseCatching",
        "const f = () => { try { return f(); } catch (e) { return f(); } }; return f();",
        Fails(Status::OutOfGas, "out of gas"),
    ),
    // Recursion inside V8 that no counter sees: with the real stack at 240 MiB (a safety net
    // the counters keep out of reach), the chain this call's gas can build fits, and the
    // lookup returns. Once the runtime removes `Proxy` (docs/determinism.md, section 4) this
    // becomes a `ReferenceError`.
    (
        "recurseInBuiltin",
        "let p = {}; for (let i = 0; i < 500000; i++) { p = new Proxy(p, {}); } return p.x;",
        // Proxy is not available: a chain of proxies recurses inside V8 with no counter.
        Fails(Status::RuntimeError, "ReferenceError: Proxy is not defined"),
    ),
    // Eating memory.
    // The V8 heap limit is a safety net, not a receipt: every bomb meets the memory budget.
    (
        "memoryBomb",
        "const a = []; for (;;) { a.push(new Array(100000).fill(1)); }",
        Fails(Status::MemoryLimit, "memory budget"),
    ),
    (
        "memoryBombBuffers",
        "const a = []; for (;;) { a.push(new Float64Array(100000)); }",
        Fails(Status::MemoryLimit, "memory budget"),
    ),
    (
        "memoryBombObjects",
        "const a = []; for (;;) { a.push({ x: 1, y: [2, 3] }); }",
        Fails(Status::MemoryLimit, "memory budget"),
    ),
    (
        "hugeString",
        r#"return "x".repeat(2 ** 30).length;"#,
        Fails(Status::RuntimeError, "RangeError: Invalid string length"),
    ),
    // Each `s += s` counts the string it makes: the budget runs out long before V8's limit.
    (
        "doublingString",
        r#"let s = "x"; for (;;) { s += s; }"#,
        Fails(Status::MemoryLimit, "memory budget"),
    ),
    // V8 hashes a string over 16,383 characters by its length alone: keys of one length
    // would all collide, and each insertion would compare against all before it (quadratic
    // work for linear gas). Every path that hashes a string refuses such a key.
    (
        "collidingKeys",
        r#"const b = "x".repeat(20000); const o = {}; for (let i = 0; i < 4000; i++) { o[b + i] = i; } return 1;"#,
        Fails(
            Status::RuntimeError,
            "RangeError: a key may have at most 16383 characters; this one has 20001",
        ),
    ),
    (
        "collidingMapKeys",
        r#"const b = "x".repeat(20000); const m = new Map(); for (let i = 0; i < 4000; i++) { m.set(b + i, i); } return 1;"#,
        Fails(
            Status::RuntimeError,
            "RangeError: a key may have at most 16383 characters; this one has 20001",
        ),
    ),
    (
        "collidingSetKeys",
        r#"const b = "x".repeat(20000); const a = []; for (let i = 0; i < 1000; i++) { a.push(b + i); } return new Set(a).size;"#,
        Fails(
            Status::RuntimeError,
            "RangeError: a key may have at most 16383 characters; this one has 20001",
        ),
    ),
    (
        "collidingFromEntries",
        r#"const b = "x".repeat(20000); const a = []; for (let i = 0; i < 1000; i++) { a.push([b + i, i]); } return Object.keys(Object.fromEntries(a)).length;"#,
        Fails(
            Status::RuntimeError,
            "RangeError: a key may have at most 16383 characters; this one has 20001",
        ),
    ),
    (
        "collidingDefineProperty",
        r#"const b = "x".repeat(20000); const o = {}; for (let i = 0; i < 4000; i++) { Reflect.defineProperty(o, b + i, { value: i }); } return 1;"#,
        Fails(
            Status::RuntimeError,
            "RangeError: a key may have at most 16383 characters; this one has 20001",
        ),
    ),
    (
        "collidingSymbolFor",
        r#"const b = "x".repeat(20000); for (let i = 0; i < 4000; i++) { Symbol.for(b + i); } return 1;"#,
        Fails(
            Status::RuntimeError,
            "RangeError: a key may have at most 16383 characters; this one has 20001",
        ),
    ),
    (
        "collidingGroupBy",
        r#"const b = "x".repeat(20000); const a = []; for (let i = 0; i < 4000; i++) a.push(i); return Object.keys(Object.groupBy(a, (i) => b + i)).length;"#,
        Fails(
            Status::RuntimeError,
            "RangeError: a key may have at most 16383 characters; this one has 20001",
        ),
    ),
    (
        "collidingGroupByObjects",
        r#"const b = "x".repeat(20000); const a = []; for (let i = 0; i < 1000; i++) a.push(i); return Object.keys(Object.groupBy(a, (i) => ({ toString() { return b + i; } }))).length;"#,
        Fails(
            Status::RuntimeError,
            "RangeError: a key may have at most 16383 characters; this one has 20001",
        ),
    ),
    (
        "longestKey",
        r#"const k = "y".repeat(16383); const o = { [k]: 1 }; const m = new Map([[k, 2]]); return o[k] + m.get(k) + Object.fromEntries([[k, 3]])[k];"#,
        Returns("6"),
    ),
    (
        "hugeBuffer",
        "return new ArrayBuffer(2 ** 30).byteLength;",
        Fails(Status::MemoryLimit, "more than its memory budget of 32 MiB"),
    ),
    (
        "manyBuffers",
        "const keep = []; for (let i = 0; i < 200; i++) { try { keep.push(new Uint8Array(1 << 20)); } catch (e) {} } return keep.length;",
        Fails(Status::MemoryLimit, "more than its memory budget of 32 MiB"),
    ),
    (
        "buffersWithinBudget",
        "let n = 0; for (let i = 0; i < 8; i++) { n += new Uint8Array(1 << 20).length; } return n;",
        Returns("8388608"),
    ),
    (
        "hugeArrayLength",
        "return new Array(2 ** 32).length;",
        Fails(Status::RuntimeError, "RangeError: Invalid array length"),
    ),
    (
        "oversizedResult",
        r#"return "x".repeat(100000);"#,
        Fails(Status::ResultTooLarge, "over the 65536-byte limit"),
    ),
    // Escaping the sandbox.
    (
        "requireFs",
        r#"return require("fs");"#,
        Fails(Status::RuntimeError, "module 'fs' is not available"),
    ),
    (
        "process",
        "return process.env;",
        Fails(
            Status::RuntimeError,
            "ReferenceError: process is not defined",
        ),
    ),
    (
        "eval",
        r#"return eval("1 + 1");"#,
        Fails(Status::RuntimeError, "EvalError"),
    ),
    (
        "newFunction",
        r#"return new Function("return 1")();"#,
        Fails(Status::RuntimeError, "EvalError"),
    ),
    (
        "functionConstructor",
        r#"return (function () {}).constructor("return this")();"#,
        Fails(Status::RuntimeError, "EvalError"),
    ),
    (
        "asyncFunctionConstructor",
        r#"return Object.getPrototypeOf(async function () {}).constructor("return 1");"#,
        Fails(Status::RuntimeError, "EvalError"),
    ),
    (
        "webAssembly",
        "return new WebAssembly.Module(new Uint8Array(8));",
        Fails(
            Status::RuntimeError,
            "ReferenceError: WebAssembly is not defined",
        ),
    ),
    (
        "sharedMemory",
        "return [typeof SharedArrayBuffer, typeof Atomics, typeof WeakRef, typeof FinalizationRegistry, typeof queueMicrotask];",
        Returns(r#"["undefined","undefined","undefined","undefined","undefined"]"#),
    ),
    // The gas counter and the metering functions are out of reach.
    (
        "gasByName",
        r#"return [typeof globalThis["__isovm_gas"], typeof globalThis["__isovm_" + "enter"], typeof this["__isovm_gas"]];"#,
        Returns(r#"["undefined","undefined","undefined"]"#),
    ),
    (
        "gasByCaller",
        "function f() { return f.caller; } return f();",
        Fails(Status::RuntimeError, "TypeError"),
    ),
    (
        "gasByStackTrace",
        "Error.prepareStackTrace = (e, frames) => frames.map((f) => f.getFunction()); return new Error().stack;",
        Fails(
            Status::RuntimeError,
            "TypeError: Cannot add property prepareStackTrace, object is not extensible",
        ),
    ),
    // Poisoning shared state: everything shared is frozen.
    (
        "tamperGlobal",
        "globalThis.storage = null;",
        Fails(
            Status::RuntimeError,
            "TypeError: Cannot assign to read only property 'storage'",
        ),
    ),
    (
        "addGlobal",
        "globalThis.leak = 1;",
        Fails(
            Status::RuntimeError,
            "TypeError: Cannot add property leak, object is not extensible",
        ),
    ),
    (
        "pollutePrototype",
        "Object.prototype.isAdmin = true;",
        Fails(
            Status::RuntimeError,
            "TypeError: Cannot add property isAdmin, object is not extensible",
        ),
    ),
    (
        "replaceBuiltin",
        "Array.prototype.push = function () {};",
        Fails(
            Status::RuntimeError,
            "TypeError: Cannot assign to read only property 'push'",
        ),
    ),
    (
        "defineOnPrototype",
        r#"Object.defineProperty(Object.prototype, "x", { get() { return 1; } });"#,
        Fails(
            Status::RuntimeError,
            "TypeError: Cannot define property x, object is not extensible",
        ),
    ),
    (
        "replaceJson",
        "JSON.stringify = () => '\"forged\"';",
        Fails(
            Status::RuntimeError,
            "TypeError: Cannot assign to read only property 'stringify'",
        ),
    ),
    (
        "regexpStatics",
        r#"/(secret)/.exec("secret"); return [RegExp.$1, RegExp.lastMatch];"#,
        Returns("[null,null]"),
    ),
    (
        "promiseLeftBehind",
        r#"Promise.resolve().then(() => storage.put("leaked", "yes")); for (;;) {}"#,
        Fails(Status::OutOfGas, "out of gas"),
    ),
    (
        "leaked",
        r#"return storage.get("leaked");"#,
        Returns("null"),
    ),
    (
        "frozen",
        "return [Object.isFrozen(Object.prototype), Object.isFrozen(Array.prototype), Object.isFrozen(globalThis), Object.isFrozen(Error), Object.isFrozen(storage), Object.isFrozen(Object.getPrototypeOf(function* () {}))];",
        Returns("[true,true,true,true,true,true]"),
    ),
    // Exceptions of every kind.
    (
        "throwError",
        r#"throw new Error("e");"#,
        Fails(Status::RuntimeError, "Error: e"),
    ),
    (
        "throwTypeError",
        "null.x;",
        Fails(
            Status::RuntimeError,
            "TypeError: Cannot read properties of null",
        ),
    ),
    (
        "throwSyntaxError",
        "JSON.parse('{');",
        Fails(Status::RuntimeError, "SyntaxError"),
    ),
    (
        "throwReferenceError",
        "return undefinedName;",
        Fails(
            Status::RuntimeError,
            "ReferenceError: undefinedName is not defined",
        ),
    ),
    (
        "throwUriError",
        r#"decodeURIComponent("%");"#,
        Fails(Status::RuntimeError, "URIError: URI malformed"),
    ),
    (
        "throwAggregate",
        r#"throw new AggregateError([new Error("a")], "many");"#,
        Fails(Status::RuntimeError, "AggregateError: many"),
    ),
    (
        "throwString",
        r#"throw "plain string";"#,
        Fails(Status::RuntimeError, "plain string"),
    ),
    (
        "throwNumber",
        "throw 42;",
        Fails(Status::RuntimeError, "42"),
    ),
    (
        "throwNull",
        "throw null;",
        Fails(Status::RuntimeError, "null"),
    ),
    (
        "throwUndefined",
        "throw undefined;",
        Fails(Status::RuntimeError, "undefined"),
    ),
    (
        "throwSymbol",
        r#"throw Symbol("s");"#,
        Fails(Status::RuntimeError, "Symbol(s)"),
    ),
    (
        "throwFunction",
        "throw function named() {};",
        Fails(Status::RuntimeError, "named"),
    ),
    (
        "throwLoopingGetter",
        "throw { get message() { for (;;) {} } };",
        Fails(Status::RuntimeError, "#<Object>"),
    ),
    (
        "throwProxy",
        "throw new Proxy({}, { get() { for (;;) {} } });",
        Fails(Status::RuntimeError, "Proxy is not defined"),
    ),
    (
        "throwLoopingName",
        "class E extends Error { get name() { for (;;) {} } } throw new E(\"m\");",
        Fails(Status::RuntimeError, "m"),
    ),
    (
        "rejectedPromise",
        r#"return Promise.reject(new Error("async failure"));"#,
        Fails(Status::RuntimeError, "async failure"),
    ),
    (
        "neverSettles",
        "return new Promise(() => {});",
        Fails(Status::RuntimeError, "never settled"),
    ),
    // Old V8 bug patterns: species, detached buffers, mutation during built-ins.
    (
        "speciesConcat",
        "class X extends Array { static get [Symbol.species]() { return function () { return { length: 0 }; }; } } return new X(1, 2, 3).concat([4]).length;",
        Returns("4"),
    ),
    (
        "detachedBuffer",
        "const b = new ArrayBuffer(8); const t = new Uint8Array(b); b.transfer(); return [t.length, b.detached];",
        Returns("[0,true]"),
    ),
    (
        "detachDuringFill",
        "const b = new ArrayBuffer(8); const t = new Uint8Array(b); t.fill({ valueOf() { b.transfer(); return 1; } }); return t.length;",
        Fails(
            Status::RuntimeError,
            "TypeError: Cannot perform %TypedArray%.prototype.fill on a detached",
        ),
    ),
    (
        "shrinkDuringSort",
        "const a = Array.from({ length: 100 }, (_, i) => 100 - i); a.sort((x, y) => { a.length = 0; return x - y; }); return a.length;",
        Returns("100"),
    ),
    (
        "lengthOverflow",
        "const a = [1]; a.length = 2 ** 32 - 1; a.push(1);",
        Fails(Status::RuntimeError, "RangeError: Invalid array length"),
    ),
];

const OK_METHOD: &str = "ok";

/// Gas of each hostile transaction: a few tens of milliseconds of metered work, far inside
/// the watchdog (a safety net), so what runs out first never depends on the machine.
const HOSTILE_GAS: u64 = 50_000_000;

fn hostile_source() -> String {
    let mut source = String::from("class Hostile {\n  init() {}\n  ok() { return 1; }\n");
    for (name, body, _) in CASES {
        source.push_str(&format!("  {name}() {{ {body} }}\n"));
    }
    source.push_str("}\nmodule.exports = Hostile;\n");
    source
}

fn hostile_options(workers: usize) -> ExecOptions {
    let mut options = options();
    options.pool.min_workers = workers;
    options.pool.max_workers = workers;
    options
}

/// The suite's batches: deploy the hostile contract, then every case, each followed by a
/// normal call.
fn suite_batches() -> Vec<Batch> {
    let mut chain = Chain::new();
    let methods: Vec<(&str, &[&str])> = std::iter::once(OK_METHOD)
        .chain(CASES.iter().map(|(n, _, _)| *n))
        .map(|n| (n, &[][..]))
        .collect();
    let deploy_batch = chain.batch(vec![tx(
        "mallory",
        vec![deploy(&hostile_source(), &abi(&methods), "hostile")],
    )]);
    let mut txs = Vec::new();
    for (name, _, _) in CASES {
        let mut hostile = tx("mallory", vec![call("hostile", name, json!([]))]);
        hostile.gas_limit = HOSTILE_GAS;
        txs.push(hostile);
        txs.push(tx("alice", vec![call("hostile", OK_METHOD, json!([]))]));
    }
    vec![deploy_batch, chain.batch(txs)]
}

/// Runs `batches` on a fresh node with `workers` workers.
async fn run_suite(batches: &[Batch], workers: usize) -> Vec<BlockResult> {
    let chain = Chain::with_options(hostile_options(workers));
    let mut results = Vec::new();
    for batch in batches {
        results.push(chain.executor.execute(batch.clone()).await.unwrap().result);
    }
    assert_eq!(
        results[0].receipts[0].status,
        Status::Success,
        "{}",
        results[0].receipts[0].message
    );
    results
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_contracts_fail_cleanly_and_deterministically() {
    let batches = suite_batches();
    let first = run_suite(&batches, 1).await;
    let mut failures = Vec::new();
    let receipts = &first[1].receipts;
    for (i, (name, _, expect)) in CASES.iter().enumerate() {
        let hostile = &receipts[2 * i];
        let next = &receipts[2 * i + 1];
        match expect {
            Fails(status, text) => {
                if hostile.status != *status || !hostile.message.contains(text) {
                    failures.push(format!(
                        "{name}: expected {status:?} with {text:?}, got {:?}: {:?}",
                        hostile.status, hostile.message
                    ));
                }
                if matches!(status, Status::OutOfGas | Status::MemoryLimit)
                    && hostile.gas_used != HOSTILE_GAS
                {
                    failures.push(format!(
                        "{name}: a terminated call is charged its whole gas limit, got {}",
                        hostile.gas_used
                    ));
                }
            }
            Returns(json) => {
                if hostile.status != Status::Success || hostile.returns != [json.to_string()] {
                    failures.push(format!(
                        "{name}: expected {json}, got {:?} {:?} {}",
                        hostile.status, hostile.returns, hostile.message
                    ));
                }
            }
        }
        if next.status != Status::Success || next.returns != ["1"] {
            failures.push(format!(
                "{name}: the next transaction did not run normally: {:?} {}",
                next.status, next.message
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );

    // Same receipts, byte for byte (gas included), on another run and with four workers.
    for (label, again) in [
        ("a second run", run_suite(&batches, 1).await),
        ("four workers", run_suite(&batches, 4).await),
    ] {
        for (a, b) in first.iter().zip(&again) {
            for (ra, rb) in a.receipts.iter().zip(&b.receipts) {
                assert_eq!(ra, rb, "{label}: receipts differ");
            }
            assert_eq!(
                to_msgpack(a),
                to_msgpack(b),
                "{label}: block results differ"
            );
        }
    }
}
