//! The metered built-ins of the object half: Array, typed arrays, ArrayBuffer, DataView,
//! Object, Reflect, Map/Set/WeakMap/WeakSet, iterators, generators, Promise
//! (`src/engine/runtime/40-44-*.js`, `docs/gas.md` "Built-ins").
//!
//! Three properties, data-driven: (a) they give what native JavaScript gives
//! (`builtins_objects/semantics.rs`, plus the documented differences here); (b) their gas
//! grows with the work as the table says, exactly, and is the same on every run; (c)
//! adversarial inputs end quickly at modest gas limits, with the same receipt whatever the
//! node's heap.

mod common;
#[path = "builtins_objects/semantics.rs"]
mod semantics;

use common::{Chain, abi, call, deploy, options, tx};
use isovm::consensus::PARAMS;
use isovm::schema::{Receipt, Status};
use serde_json::json;

/// What a call must do.
pub enum Expect {
    /// Succeed with this JSON-encoded return value.
    Returns(&'static str),
    /// Fail with this status and a message containing this text.
    Fails(Status, &'static str),
}
use Expect::{Fails, Returns};

/// A contract whose methods `m0`, `m1`, … are `bodies`, each a function of `n`.
fn contract(bodies: &[&str]) -> (String, String) {
    let mut source = String::from("class Probe {\n  init() {}\n");
    let mut methods = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        source.push_str(&format!("  m{i}(n) {{ {body} }}\n"));
        methods.push(format!("m{i}"));
    }
    source.push_str("}\nmodule.exports = Probe;\n");
    let entries: Vec<(&str, &[&str])> = methods
        .iter()
        .map(|m| (m.as_str(), &["number"][..]))
        .collect();
    (source, abi(&entries))
}

/// Deploys `bodies` on a fresh chain with `heap_mib` of heap and calls each with `n`, each
/// call one transaction of `gas_limit` gas, all in one block.
async fn run_with(bodies: &[&str], n: &[u64], gas_limit: u64, heap_mib: usize) -> Vec<Receipt> {
    let mut options = options();
    options.engine.limits.heap_bytes = heap_mib << 20;
    let mut chain = Chain::with_options(options);
    let (source, abi_json) = contract(bodies);
    let deployed = chain
        .run("alice", vec![deploy(&source, &abi_json, "probe")])
        .await;
    assert_eq!(deployed.status, Status::Success, "{}", deployed.message);
    let mut txs = Vec::new();
    for (i, arg) in n.iter().enumerate() {
        let mut t = tx("alice", vec![call("probe", &format!("m{i}"), json!([arg]))]);
        t.gas_limit = gas_limit;
        txs.push(t);
    }
    chain.block(txs).await.receipts
}

/// The smallest heap a node may run with.
const SMALLEST_HEAP_MIB: usize = isovm::engine::Limits::MIN_HEAP_BYTES >> 20;

async fn run(bodies: &[&str], gas_limit: u64) -> Vec<Receipt> {
    run_with(bodies, &vec![0; bodies.len()], gas_limit, SMALLEST_HEAP_MIB).await
}

/// Why `receipt` is not what `expect` says, if it is not.
fn mismatch(body: &str, expect: &Expect, receipt: &Receipt) -> Option<String> {
    let ok = match expect {
        Returns(value) => {
            receipt.status == Status::Success && receipt.returns == [value.to_string()]
        }
        Fails(status, text) => receipt.status == *status && receipt.message.contains(text),
    };
    let wanted = match expect {
        Returns(value) => format!("returns {value}"),
        Fails(status, text) => format!("{status:?} with {text:?}"),
    };
    (!ok).then(|| {
        format!(
            "{body}\n  expected {wanted}\n  got {:?} {:?} {}",
            receipt.status, receipt.returns, receipt.message
        )
    })
}

/// Panics with every case whose receipt is not what it expects.
fn check_receipts(cases: &[(&str, Expect)], receipts: &[Receipt]) {
    assert_eq!(receipts.len(), cases.len());
    let failed: Vec<String> = cases
        .iter()
        .zip(receipts)
        .filter_map(|((body, expect), receipt)| mismatch(body, expect, receipt))
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} cases:\n{}",
        failed.len(),
        cases.len(),
        failed.join("\n")
    );
}

async fn check_all(cases: &[(&str, Expect)], gas_limit: u64) {
    let bodies: Vec<&str> = cases.iter().map(|(body, _)| *body).collect();
    check_receipts(cases, &run(&bodies, gas_limit).await);
}

// ---- (a) Native results ----------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn results_are_native_javascript() {
    check_all(semantics::CASES, 10_000_000).await;
}

/// Where isovm differs from native JavaScript on purpose (docs/gas.md, "Semantic
/// differences"), and says so.
const DIFFERENCES: &[(&str, Expect)] = &[
    (
        "return [typeof Proxy, typeof BigInt, typeof BigInt64Array, typeof BigUint64Array, typeof DataView.prototype.getBigInt64, typeof DataView.prototype.setBigInt64, typeof DataView.prototype.getBigUint64, typeof DataView.prototype.setBigUint64, typeof Reflect];",
        Returns(
            r#"["undefined","undefined","undefined","undefined","undefined","undefined","undefined","undefined","object"]"#,
        ),
    ),
    (
        "try { new Proxy({}, {}); } catch (e) { return String(e); }",
        Returns(r#""ReferenceError: Proxy is not defined""#),
    ),
    (
        "try { return BigInt(1); } catch (e) { return String(e); }",
        Returns(r#""ReferenceError: BigInt is not defined""#),
    ),
    (
        "try { new ArrayBuffer(8, { maxByteLength: 16 }); } catch (e) { return String(e); }",
        Returns(
            r#""TypeError: ArrayBuffer: resizable buffers (the maxByteLength option) are not available to contracts: V8 reserves their memory outside the transaction's memory budget""#,
        ),
    ),
    // The option is read once, through its getter, as natively; undefined is no option.
    (
        "let c = 0; const b = new ArrayBuffer(8, { get maxByteLength() { c++; return undefined; } }); return [b.byteLength, b.resizable, c];",
        Returns("[8,false,1]"),
    ),
    // An array-like whose length is a getter or an object: its work is sized from the length
    // before it starts, and a second read could differ.
    (
        "const o = { length: { valueOf() { return 2; } }, 0: 1, 1: 2 }; try { return Array.prototype.map.call(o, (x) => x); } catch (e) { return String(e); }",
        Returns(
            r#""TypeError: Array.prototype.map: the length of an array-like must be a plain value, not a getter or an object (isovm sizes the work from it before the work)""#,
        ),
    ),
    (
        "const o = { get length() { return 2; } }; try { return Array.prototype.indexOf.call(o, 1); } catch (e) { return String(e).slice(0, 50); }",
        Returns(r#""TypeError: Array.prototype.indexOf: the length of ""#),
    ),
    // join, toString and toLocaleString read the length themselves: a getter is fine there.
    (
        "let c = 0; const o = { get length() { c++; return 2; }, 0: 'a', 1: 'b' }; return [Array.prototype.join.call(o), c];",
        Returns(r#"["a,b",1]"#),
    ),
    (
        "const a = [1]; try { return a.concat(Object.defineProperty([2], Symbol.isConcatSpreadable, { get() { return true; } })); } catch (e) { return String(e).slice(0, 70); }",
        Returns(r#""TypeError: Array.prototype.concat: Symbol.isConcatSpreadable must be a""#),
    ),
    // Reflect.apply and Reflect.construct take at most max_call_args arguments, like a spread.
    (
        "try { Reflect.apply(Math.max, null, new Array(20000).fill(1)); } catch (e) { return String(e); }",
        Returns(
            r#""RangeError: a call may receive at most 10000 arguments from a spread or apply, not 20000""#,
        ),
    ),
    (
        "try { Reflect.construct(Array, { length: 10001 }); } catch (e) { return String(e).slice(0, 11); }",
        Returns(r#""RangeError:""#),
    ),
    (
        "return Reflect.apply(Math.max, null, new Array(10000).fill(7));",
        Returns("7"),
    ),
    // Nesting past the call-depth limit is the same RangeError everywhere.
    (
        "let o = [1]; for (let i = 0; i < 2000; i++) o = [o]; try { o.flat(Infinity); } catch (e) { return String(e); }",
        Returns(
            r#""RangeError: Maximum call stack size exceeded: contracts may nest calls 1100 deep""#,
        ),
    ),
    (
        "let o = [1]; for (let i = 0; i < 2000; i++) o = [o]; try { String(o); } catch (e) { return String(e); }",
        Returns(
            r#""RangeError: Maximum call stack size exceeded: contracts may nest calls 1100 deep""#,
        ),
    ),
    (
        "let o = [1]; for (let i = 0; i < 900; i++) o = [o]; return [o.flat(Infinity), String(o)];",
        Returns(r#"[[1],"1"]"#),
    ),
];

#[tokio::test(flavor = "multi_thread")]
async fn documented_differences_say_so() {
    check_all(DIFFERENCES, 10_000_000).await;
}

// ---- (b) Gas grows with the work, as the table says ----------------------------------------

/// What a metered built-in charges for `milligas` of work: its call, plus the work rounded
/// up to whole gas.
fn pay(milligas: u64) -> u64 {
    PARAMS.builtins.call + milligas.div_ceil(1000)
}
fn log2_ceil(n: u64) -> u64 {
    u64::from(n.next_power_of_two().trailing_zeros())
}

/// A body that builds something of size `n`, and the statement (run after it) whose built-in
/// charge `expected(n)` is: the difference between the two calls is that charge plus the
/// statement's own instrumented cost, a few gas.
struct Growth {
    name: &'static str,
    build: &'static str,
    statement: &'static str,
    expected: fn(u64) -> u64,
}

const GROWTH: &[Growth] = &[
    Growth {
        name: "sort (default order)",
        build: "const a = []; for (let i = 0; i < n; i++) a.push((i * 7919) % 100003);",
        statement: "a.sort();",
        expected: |n| {
            let b = PARAMS.builtins;
            pay(2 * n * b.element_access)
                + (n * log2_ceil(n) * b.sort_compare_default).div_ceil(1000)
        },
    },
    Growth {
        name: "fill",
        build: "const a = new Array(n);",
        statement: "a.fill(0);",
        expected: |n| pay(n * PARAMS.builtins.element),
    },
    Growth {
        name: "Object.keys",
        build: r#"const o = {}; for (let i = 0; i < n; i++) o["k" + i] = i;"#,
        statement: "Object.keys(o);",
        expected: |n| pay(0) + (n * PARAMS.builtins.property).div_ceil(1000),
    },
    Growth {
        name: "new Uint8Array",
        build: "",
        statement: "new Uint8Array(n);",
        expected: |n| pay(0) + (n * PARAMS.builtins.buffer_byte).div_ceil(1000),
    },
    Growth {
        name: "join",
        build: "const a = []; for (let i = 0; i < n; i++) a.push(i % 10);",
        statement: r#"a.join(",");"#,
        expected: |n| {
            let b = PARAMS.builtins;
            let chars = 2 * n - 1;
            let write = if chars > PARAMS.limits.short_string {
                (chars * b.string_write).div_ceil(1000)
            } else {
                0
            };
            pay(n * b.element_access) + n * b.number_format + write
        },
    },
    Growth {
        name: "slice",
        build: "const a = new Array(n).fill(1);",
        statement: "a.slice(1);",
        // A plain array is copied by the runtime, one property access per element.
        expected: |n| pay((n - 1) * PARAMS.builtins.element_access),
    },
    Growth {
        name: "indexOf",
        build: "const a = new Array(n).fill(1);",
        statement: "a.indexOf(2);",
        expected: |n| pay(n * PARAMS.builtins.element),
    },
];

#[tokio::test(flavor = "multi_thread")]
async fn gas_grows_with_the_work_as_the_table_says() {
    let mut bodies = Vec::new();
    let mut args = Vec::new();
    for g in GROWTH {
        for n in [1_000u64, 100_000] {
            bodies.push(format!("{} return 1;", g.build));
            bodies.push(format!("{} {} return 1;", g.build, g.statement));
            args.extend([n, n]);
        }
    }
    let refs: Vec<&str> = bodies.iter().map(String::as_str).collect();
    let first = run_with(&refs, &args, 100_000_000, SMALLEST_HEAP_MIB).await;
    let again = run_with(&refs, &args, 100_000_000, 1024).await;
    for (i, (a, b)) in first.iter().zip(&again).enumerate() {
        assert_eq!(a.status, Status::Success, "{}: {}", bodies[i], a.message);
        assert_eq!(
            (a.gas_used, &a.returns),
            (b.gas_used, &b.returns),
            "{}: not the same on another run",
            bodies[i]
        );
    }
    for (k, g) in GROWTH.iter().enumerate() {
        for (j, n) in [1_000u64, 100_000].into_iter().enumerate() {
            let i = 4 * k + 2 * j;
            let paid = first[i + 1].gas_used - first[i].gas_used;
            let expected = (g.expected)(n);
            assert!(
                paid >= expected && paid <= expected + 20,
                "{} of {n}: the statement cost {paid} gas, the table says {expected} (+ its own few)",
                g.name
            );
        }
    }
}

/// Each callback call and each step of an iteration a native drives is paid: twice the
/// elements, twice the gas (up to the instrumented code around).
#[tokio::test(flavor = "multi_thread")]
async fn per_element_work_is_linear() {
    const BODIES: &[&str] = &[
        "const a = new Array(n).fill(1); a.map((x) => x); return 1;",
        "const m = new Map(); for (let i = 0; i < n; i++) m.set(i, i); Array.from(m); return 1;",
        "const s = new Set(); for (let i = 0; i < n; i++) s.add(i); new Set(s); return 1;",
        "const m = new Map(); for (let i = 0; i < n; i++) m.set(i, i); m.keys().drop(n).toArray(); return 1;",
        "const o = []; for (let i = 0; i < n; i++) o.push([i, i]); Object.fromEntries(o); return 1;",
        "const a = []; for (let i = 0; i < n; i++) a.push([i]); a.flat(); return 1;",
        "const a = []; for (let i = 0; i < n; i++) a.push({ v: i }); a.sort((x, y) => y.v - x.v); return 1;",
    ];
    let mut bodies = Vec::new();
    let mut args = Vec::new();
    for body in BODIES {
        for n in [0u64, 10_000, 20_000] {
            bodies.push(*body);
            args.push(n);
        }
    }
    let receipts = run_with(&bodies, &args, 100_000_000, SMALLEST_HEAP_MIB).await;
    for (k, body) in BODIES.iter().enumerate() {
        let gas: Vec<u64> = receipts[3 * k..3 * k + 3]
            .iter()
            .map(|r| {
                assert_eq!(r.status, Status::Success, "{body}: {}", r.message);
                r.gas_used
            })
            .collect();
        let (once, twice) = (gas[1] - gas[0], gas[2] - gas[0]);
        // n log n for the sort: 20,000 elements cost a little more than twice 10,000.
        let most = if body.contains("sort") { 2.3 } else { 2.02 };
        assert!(
            twice as f64 >= 1.98 * once as f64 && twice as f64 <= most * once as f64,
            "{body}: {once} gas for 10,000 elements, {twice} for 20,000"
        );
    }
}

// ---- (c) Adversarial inputs end quickly, the same everywhere ----------------------------------

const MODEST_GAS: u64 = 100_000_000;

const ADVERSARIAL: &[(&str, Expect)] = &[
    (
        "return new Array(5e7).fill(0).length;",
        Fails(Status::MemoryLimit, "memory budget"),
    ),
    (
        "const a = new Array(1e6); for (let i = 0; i < 1e6; i++) a[i] = (i * 7919) % 1000003; a.sort(); return a[0];",
        Fails(Status::OutOfGas, "out of gas"),
    ),
    (
        // The array and sort's copy of it are counted before the sort: past the budget.
        "const a = new Array(1.5e6); for (let i = 0; i < 1.5e6; i++) a[i] = i; a.sort((x, y) => x - y); return a[0];",
        Fails(Status::MemoryLimit, "memory budget"),
    ),
    (
        "let a = [1]; for (let i = 0; i < 40; i++) a = a.concat(a, a); return a.length;",
        Fails(Status::MemoryLimit, "memory budget"),
    ),
    (
        "const a = new Array(1e4).fill(1); let n = 0; for (let i = 0; i < 1e6; i++) n += [].concat(a, a, a, a).length; return n;",
        Fails(Status::MemoryLimit, "memory budget"),
    ),
    (
        "let o = [1]; for (let i = 0; i < 1e5; i++) o = [o]; return o.flat(Infinity).length;",
        Fails(Status::RuntimeError, "contracts may nest calls 1100 deep"),
    ),
    (
        "let o = [1]; for (let i = 0; i < 1e5; i++) o = [o]; return String(o).length;",
        Fails(Status::RuntimeError, "contracts may nest calls 1100 deep"),
    ),
    (
        "const m = new Map(); for (let i = 0; i < 1e5; i++) m.set(i, i); let n = 0; for (let k = 0; k < 1e4; k++) n += Array.from(m).length; return n;",
        Fails(Status::MemoryLimit, "memory budget"),
    ),
    (
        "const m = new Map(); for (let i = 0; i < 1e5; i++) m.set(i, i); let n = 0; for (let k = 0; k < 1e4; k++) n += m.values().drop(1e9).toArray().length; return n;",
        Fails(Status::OutOfGas, "out of gas"),
    ),
    (
        "const s = new Set(); for (let i = 0; i < 1e5; i++) s.add(i); let n = 0; for (let k = 0; k < 1e4; k++) n += new Set([1]).union(s).size; return n;",
        Fails(Status::MemoryLimit, "memory budget"),
    ),
    (
        "const s = new Set(); for (let i = 0; i < 1e5; i++) s.add(i); let n = 0; for (let k = 0; k < 1e4; k++) { Promise.all(s); n++; } return n;",
        Fails(Status::MemoryLimit, "memory budget"),
    ),
    (
        "return new Uint8Array(2 ** 30).length;",
        Fails(Status::MemoryLimit, "memory budget"),
    ),
    (
        // Every element's formatting is paid before the join: the gas runs out first.
        "return new Float64Array(2e6).join().length;",
        Fails(Status::OutOfGas, "out of gas"),
    ),
    (
        // Each key listed pays `property` before the listing: the gas runs out first.
        r#"const s = "x".repeat(1e6); let n = 0; for (let k = 0; k < 100; k++) n += Object.keys(s).length; return n;"#,
        Fails(Status::OutOfGas, "out of gas"),
    ),
    (
        "const a = new Array(1e6).fill(0); let n = 0; for (let k = 0; k < 100; k++) n += Object.keys(a).length; return n;",
        Fails(Status::OutOfGas, "out of gas"),
    ),
    (
        "const keep = []; for (let i = 0; i < 17; i++) keep.push(new Array(1e6).fill(i)); return keep.length;",
        Fails(Status::MemoryLimit, "memory budget"),
    ),
    (
        "const a = []; a.length = 2 ** 32 - 1; a.sort(); return a.length;",
        Fails(Status::MemoryLimit, "memory budget"),
    ),
    (
        "return Array.prototype.join.call({ length: 2 ** 32 - 1 }).length;",
        Fails(Status::MemoryLimit, "memory budget"),
    ),
    (
        r#"return new Array(1e7).join("x").length;"#,
        Fails(Status::MemoryLimit, "memory budget"),
    ),
    (
        r#"const s = "x".repeat(1e6); return new Array(1000).fill(s).join("").length;"#,
        Fails(Status::MemoryLimit, "memory budget"),
    ),
    (
        r#"const a = []; for (let i = 0; i < 3000; i++) a.push("x".repeat(2000) + ((i * 7919) % 3001)); let n = 0; for (let k = 0; k < 100; k++) n += a.slice().sort().length; return n;"#,
        Fails(Status::OutOfGas, "out of gas"),
    ),
    // Each step of a Map's entries iterator makes a [key, value] array, counted: keeping seven
    // copies of 10^5 entries passes the budget, of their keys alone does not.
    (
        "const m = new Map(); for (let i = 0; i < 1e5; i++) m.set(i, i); const keep = []; for (let k = 0; k < 7; k++) keep.push(Array.from(m)); return keep.length;",
        Fails(Status::MemoryLimit, "memory budget"),
    ),
    (
        "const m = new Map(); for (let i = 0; i < 1e5; i++) m.set(i, i); const keep = []; for (let k = 0; k < 7; k++) keep.push(Array.from(m.keys())); return keep.length;",
        Returns("7"),
    ),
    (
        "const m = new Map([[1, 2]]); return Map.prototype[Symbol.iterator] === Map.prototype.entries && [...m][0][1] === 2 && [...new Set([3]).entries()][0][0] === 3;",
        Returns("true"),
    ),
    // Within the limits: the same work succeeds.
    (
        "const keep = []; for (let i = 0; i < 2; i++) keep.push(new Array(1e6).fill(i)); return keep.length;",
        Returns("2"),
    ),
    (
        "const a = []; for (let i = 0; i < 20000; i++) a.push((i * 7919) % 20011); a.sort((x, y) => x - y); return a[100];",
        Returns("100"),
    ),
];

/// Every adversarial call ends as its case says (so none ran into the time limit), with the
/// same receipt on a small heap and a large one: the count decides, never the heap.
#[tokio::test(flavor = "multi_thread")]
async fn adversarial_inputs_end_quickly_and_deterministically() {
    let bodies: Vec<&str> = ADVERSARIAL.iter().map(|(body, _)| *body).collect();
    let args = vec![0; bodies.len()];
    let small = run_with(&bodies, &args, MODEST_GAS, SMALLEST_HEAP_MIB).await;
    let large = run_with(&bodies, &args, MODEST_GAS, 1024).await;
    check_receipts(ADVERSARIAL, &small);
    for (((body, _), a), b) in ADVERSARIAL.iter().zip(&small).zip(&large) {
        assert_eq!(
            (a.status, a.gas_used, &a.returns, &a.message),
            (b.status, b.gas_used, &b.returns, &b.message),
            "{body}: differs between the smallest heap and a 1 GiB heap"
        );
    }
}
