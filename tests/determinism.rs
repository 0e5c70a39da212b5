//! The determinism suite: adversarial batches (catastrophic regular expressions, allocations
//! around the memory budget, huge sorts, joins, JSON, `apply` and spreads, deep structures,
//! getters running inside built-ins, long loops of cheap built-in calls, time-zone-sensitive
//! dates) run through the built `isovm exec` binary under every condition a node may differ
//! in — idle and under CPU load, the smallest and a large heap, two time zones, one and four
//! workers, fresh and long-lived isolates — and every run must print byte-identical receipts
//! and state roots. Each case's status is also checked, so the suite cannot pass by all runs
//! failing the same way.

mod common;

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use common::{abi, call, deploy};
use isovm::schema::{Action, Batch, Tx};
use serde_json::{Value, json};

/// What a case's receipt must say: its status, and text its message or return must contain.
struct Case {
    name: &'static str,
    body: &'static str,
    status: &'static str,
    contains: &'static str,
}

const fn case(
    name: &'static str,
    body: &'static str,
    status: &'static str,
    contains: &'static str,
) -> Case {
    Case {
        name,
        body,
        status,
        contains,
    }
}

/// Gas of every adversarial transaction: enough for the work to matter, little enough that
/// the suite runs in seconds.
const CASE_GAS: u64 = 100_000_000;

const CASES: &[Case] = &[
    // Regular expressions: linear time, whatever the pattern does to a backtracking engine.
    case(
        "regexLiteral",
        r#"return /^(a+)+$/.test("a".repeat(100000) + "b");"#,
        "success",
        "false",
    ),
    case(
        "regexDynamic",
        r#"return new RegExp("^(a|aa)+$").test("a".repeat(50000) + "b");"#,
        "success",
        "false",
    ),
    case(
        "regexFromString",
        r#"return ("a".repeat(30000) + "b").search("^(a+)+$");"#,
        "success",
        "-1",
    ),
    case(
        "regexBackreference",
        r#"try { new RegExp("(a)\\1"); return "made"; } catch (e) { return String(e); }"#,
        "success",
        "linear time",
    ),
    // Memory: the count decides, not the heap.
    case(
        "memoryOverBudget",
        "const keep = []; for (let i = 0; i < 17; i++) keep.push(new Array(1e6).fill(i)); return keep.length;",
        "memory_limit",
        "memory budget",
    ),
    case(
        "memoryUnderBudget",
        "const keep = []; for (let i = 0; i < 2; i++) keep.push(new Array(1e6).fill(i)); return keep.length;",
        "success",
        "2",
    ),
    case(
        "memoryStrings",
        r#"const keep = []; for (let i = 0; i < 1000; i++) keep.push("x".repeat(64 * 1024) + i); return keep.length;"#,
        "memory_limit",
        "memory budget",
    ),
    case(
        "memoryBuffers",
        "const keep = []; for (let i = 0; i < 100; i++) keep.push(new Uint8Array(1 << 20)); return keep.length;",
        "memory_limit",
        "memory budget",
    ),
    // Big work inside built-ins is paid for.
    case(
        "sortHuge",
        "const a = new Array(1e6); for (let i = 0; i < 1e6; i++) a[i] = (i * 7919) % 1000003; a.sort(); return a[0];",
        "out_of_gas",
        "out of gas",
    ),
    case(
        "sortComparator",
        "const a = []; for (let i = 0; i < 20000; i++) a.push((i * 7919) % 20011); a.sort((x, y) => x - y); return a[100];",
        "success",
        "100",
    ),
    case(
        "fillHuge",
        "return new Array(5e7).fill(0).length;",
        "memory_limit",
        "memory budget",
    ),
    case(
        "joinHuge",
        r#"return new Array(1e7).join("x").length;"#,
        "memory_limit",
        "",
    ),
    case(
        "stringifyHuge",
        "const a = []; for (let i = 0; i < 2e6; i++) a.push(i); return JSON.stringify(a).length;",
        "memory_limit",
        "memory budget",
    ),
    case(
        "stringifyDag",
        "let o = [1]; for (let i = 0; i < 40; i++) o = [o, o]; return JSON.stringify(o).length;",
        "out_of_gas",
        "out of gas",
    ),
    case(
        "applyHuge",
        "return Math.max.apply(null, new Array(2e5).fill(1));",
        "runtime_error",
        "RangeError",
    ),
    case(
        "spreadHuge",
        "return Math.max(...new Array(2e5).fill(1));",
        "runtime_error",
        "RangeError",
    ),
    case(
        "spreadMap",
        "const m = new Map(); for (let i = 0; i < 1000; i++) m.set(i, i); return [...m].length;",
        "success",
        "1000",
    ),
    // Deep structures: counted depth, never the real stack.
    case(
        "deepStringify",
        "let o = []; for (let i = 0; i < 100000; i++) o = [o]; return JSON.stringify(o).length;",
        "runtime_error",
        "RangeError",
    ),
    case(
        "deepFlat",
        "let o = [1]; for (let i = 0; i < 100000; i++) o = [o]; return o.flat(Infinity).length;",
        "runtime_error",
        "RangeError",
    ),
    case(
        "deepJoin",
        r#"let o = [1]; for (let i = 0; i < 100000; i++) o = [o]; return String(o).length;"#,
        "runtime_error",
        "RangeError",
    ),
    case(
        "deepRecursion",
        "const f = (n) => (n === 0 ? 0 : 1 + f(n - 1)); return f(5000);",
        "runtime_error",
        "contracts may nest calls",
    ),
    // Contract code running inside built-ins: each getter runs once, and pays.
    case(
        "gettersInBuiltins",
        "let calls = 0; const o = { length: 3, get 0() { calls++; return 3; }, get 1() { calls++; return 1; }, get 2() { calls++; return 2; } }; const sorted = Array.prototype.slice.call(o).sort(); return [sorted, calls];",
        "success",
        "[[1,2,3],3]",
    ),
    case(
        "valueOfInBuiltins",
        r#"let calls = 0; const n = { valueOf() { calls++; return 3; } }; return ["ab".repeat(n), "abcdef".slice(n), calls];"#,
        "success",
        r#"["ababab","def",2]"#,
    ),
    case(
        "proxyAbsent",
        "return typeof Proxy;",
        "success",
        "undefined",
    ),
    // Many cheap built-in calls cost what the loop costs.
    case(
        "cheapBuiltinLoop",
        r#"const s = "abcdefgh"; let n = 0; for (let i = 0; i < 200000; i++) n += s.charCodeAt(i & 7); return n;"#,
        "success",
        "20100000",
    ),
    case(
        "longStringCompares",
        r#"const a = "x".repeat(1e6), b = "x".repeat(1e6); let n = 0; for (let i = 0; i < 100000; i++) { if (a === b) n++; } return n;"#,
        "out_of_gas",
        "out of gas",
    ),
    case(
        "longStringKeys",
        r#"const k = "k".repeat(16000); const o = {}; for (let i = 0; i < 100000; i++) { o[k] = i; } return 1;"#,
        "out_of_gas",
        "out of gas",
    ),
    case(
        "longStringNumbers",
        r#"const s = " ".repeat(1e6) + "1"; let n = 0; for (let i = 0; i < 100000; i++) { n += s * 1; } return n;"#,
        "out_of_gas",
        "out of gas",
    ),
    // Nothing of the node's clock, zone or runtime in a result.
    case(
        "dates",
        "const d = new Date(Date.UTC(2020, 0, 1, 0, 30)); return [d.getYear(), d.getHours(), d.getTimezoneOffset(), String(d), d.toLocaleString()];",
        "success",
        "[120,0,0,",
    ),
    case(
        "setYear",
        "const d = new Date(0); d.setYear(99); return d.toISOString();",
        "success",
        "1999-01-01T00:00:00.000Z",
    ),
    case(
        "errorStack",
        "try { null.x; } catch (e) { return [String(e.stack), Error.stackTraceLimit]; }",
        "success",
        "TypeError",
    ),
    case(
        "builtinSource",
        "return [Array.prototype.sort.toString(), String.prototype.repeat.toString()];",
        "success",
        "[native code]",
    ),
];

fn suite_source() -> String {
    let mut source = String::from("class Adversary {\n  init() {}\n  ok() { return 1; }\n");
    for c in CASES {
        source.push_str(&format!("  {}() {{ {} }}\n", c.name, c.body));
    }
    source.push_str("}\nmodule.exports = Adversary;\n");
    source
}

/// A fixed transaction hash: the suite's files are written once and run many times.
fn hash(n: u64) -> String {
    bs58::encode(n.to_be_bytes()).into_string()
}

fn tx(n: u64, gas_limit: u64, actions: Vec<Action>) -> Tx {
    Tx {
        hash: hash(n),
        publisher: "mallory".into(),
        gas_limit,
        actions,
        ..Tx::default()
    }
}

fn batch(partition: u32, height: u64, txs: Vec<Tx>) -> Batch {
    Batch {
        partition,
        height,
        timestamp_ms: 1_577_838_600_000 + height * 1000,
        producer: "producer".into(),
        txs,
    }
}

/// The suite's batch files: the deploy, then the cases in a few batches, each case followed
/// by a normal call (the isolate must still work). Also, on another partition, a batch of
/// many ordinary calls: run first, it makes the isolates long-lived.
fn write_batches(dir: &Path) -> (PathBuf, Vec<PathBuf>) {
    let mut n = 1;
    let mut next = || {
        n += 1;
        n
    };
    let methods: Vec<(&str, &[&str])> = std::iter::once("ok")
        .chain(CASES.iter().map(|c| c.name))
        .map(|name| (name, &[][..]))
        .collect();
    let abi = abi(&methods);
    let mut batches = vec![batch(
        0,
        1,
        vec![tx(
            next(),
            200_000_000,
            vec![deploy(&suite_source(), &abi, "adversary")],
        )],
    )];
    for (i, chunk) in CASES.chunks(6).enumerate() {
        let mut txs = Vec::new();
        for c in chunk {
            txs.push(tx(
                next(),
                CASE_GAS,
                vec![call("adversary", c.name, json!([]))],
            ));
            txs.push(tx(
                next(),
                1_000_000,
                vec![call("adversary", "ok", json!([]))],
            ));
        }
        batches.push(batch(0, i as u64 + 2, txs));
    }
    let mut files = Vec::new();
    for b in &batches {
        let path = dir.join(format!("suite-{}.json", b.height));
        std::fs::write(&path, serde_json::to_vec(b).unwrap()).unwrap();
        files.push(path);
    }

    // The warm-up: another contract, many calls, so the suite then runs on isolates that have
    // already served hundreds of calls (with one worker, the same isolate).
    let warm_source = "class Warm { init() {} spin(n) { let s = 0; for (let i = 0; i < n; i++) s += i; storage.put(\"s\", String(s)); return s; } }\nmodule.exports = Warm;\n";
    let warm_abi = common::abi(&[("spin", &["number"])]);
    let mut txs = vec![tx(
        next(),
        10_000_000,
        vec![deploy(warm_source, &warm_abi, "warm")],
    )];
    for i in 0..300 {
        txs.push(tx(
            next(),
            10_000_000,
            vec![call("warm", "spin", json!([i * 10]))],
        ));
    }
    let warm = dir.join("warm.json");
    std::fs::write(&warm, serde_json::to_vec(&batch(7, 1, txs)).unwrap()).unwrap();
    (warm, files)
}

/// How one run differs from the others.
#[derive(Clone, Copy)]
struct Condition {
    name: &'static str,
    workers: &'static str,
    heap_mib: Option<usize>,
    tz: &'static str,
    busy_loops: usize,
    warm_first: bool,
}

/// The smallest heap a node may run with: the safety net must stay above the memory budget.
fn smallest_heap_mib() -> usize {
    isovm::engine::Limits::MIN_HEAP_BYTES >> 20
}

/// CPU hogs for the length of a run: `sh` busy loops in their own process group, killed as
/// a group, and bounded by `timeout` should the test die first.
struct Load(Vec<Child>);

impl Load {
    fn start(n: usize) -> Load {
        Load(
            (0..n)
                .map(|_| {
                    Command::new("timeout")
                        .args(["600", "sh", "-c", "while :; do :; done"])
                        .process_group(0)
                        .spawn()
                        .expect("start a busy loop")
                })
                .collect(),
        )
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let group = format!("-{}", child.id());
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
            let _ = child.wait();
        }
    }
}

/// Runs the suite under `condition` on a fresh database; returns stdout (receipts and block
/// lines) without the warm-up partition's lines.
fn run(condition: &Condition, warm: &Path, files: &[PathBuf]) -> Vec<Value> {
    let db = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_isovm"));
    command
        .arg("exec")
        .arg("--db")
        .arg(db.path())
        .arg("--cache-dir")
        .arg(cache.path())
        .arg("--workers")
        .arg(condition.workers)
        // The suite's batches are unsigned (tests/signatures.rs has signed ones).
        .arg("--insecure-accept-unsigned-transactions")
        .env("TZ", condition.tz)
        .env("ISOVM_LOG", "error");
    if let Some(heap) = condition.heap_mib {
        command.arg("--heap-mib").arg(heap.to_string());
    }
    if condition.warm_first {
        command.arg(warm);
    }
    command.args(files);
    let _load = Load::start(condition.busy_loops);
    let output = command.output().expect("run isovm exec");
    assert!(
        output.status.success(),
        "{}: isovm exec failed: {}",
        condition.name,
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .collect();
    if !condition.warm_first {
        return lines;
    }
    // The warm-up batch comes first: its receipts, then its block line.
    let end = lines
        .iter()
        .position(|l| l.get("partition").is_some_and(|p| p == 7))
        .expect("the warm-up block");
    lines[end + 1..].to_vec()
}

#[test]
fn adversarial_batches_give_identical_receipts_and_roots_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let (warm, files) = write_batches(dir.path());
    let smallest = smallest_heap_mib();
    let base = Condition {
        name: "baseline (1 worker, default heap, UTC, idle, fresh isolate)",
        workers: "1",
        heap_mib: None,
        tz: "UTC",
        busy_loops: 0,
        warm_first: false,
    };
    let conditions = [
        Condition {
            name: "4 workers",
            workers: "4",
            ..base
        },
        Condition {
            name: "smallest heap",
            heap_mib: Some(smallest),
            ..base
        },
        Condition {
            name: "1024 MiB heap",
            heap_mib: Some(1024),
            ..base
        },
        Condition {
            name: "large heap",
            heap_mib: Some(4096),
            ..base
        },
        Condition {
            name: "TZ=America/New_York",
            tz: "America/New_York",
            ..base
        },
        Condition {
            name: "under CPU load (4 busy loops)",
            busy_loops: 4,
            ..base
        },
        Condition {
            name: "long-lived isolate",
            warm_first: true,
            ..base
        },
    ];

    let expected = run(&base, &warm, &files);
    check_expectations(&expected);
    for condition in &conditions {
        let got = run(condition, &warm, &files);
        assert_eq!(got.len(), expected.len(), "{}: line count", condition.name);
        for (a, b) in expected.iter().zip(&got) {
            assert_eq!(
                a, b,
                "{} differs from the baseline at this line",
                condition.name
            );
        }
    }
}

/// Each case ends as the model says, and the normal call after it succeeds.
fn check_expectations(lines: &[Value]) {
    let receipts: Vec<&Value> = lines.iter().filter(|l| l.get("status").is_some()).collect();
    assert_eq!(receipts[0]["status"], "success", "deploy: {}", receipts[0]);
    let mut failures = Vec::new();
    for (i, c) in CASES.iter().enumerate() {
        let receipt = receipts[1 + 2 * i];
        let after = receipts[2 + 2 * i];
        let returns: Vec<&str> = receipt["returns"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let text = format!("{} {}", receipt["message"], returns.join(" "));
        if receipt["status"] != c.status || !text.contains(c.contains) {
            failures.push(format!(
                "{}: expected {} with {:?}, got {} {}",
                c.name, c.status, c.contains, receipt["status"], text
            ));
        }
        if after["status"] != "success" {
            failures.push(format!("the call after {} failed: {after}", c.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
