//! Isolation in a reused context (docs/warm-context.md): a worker keeps one V8 context across
//! calls, and nothing a transaction does may be seen by a later one.
//!
//! - The leak corpus: for every way a call could leave something behind (the global object,
//!   prototypes, hidden intrinsics, RegExp statics, the Error API, the `Symbol.for` registry,
//!   module bindings, promise jobs left by a call that threw, was terminated or scheduled
//!   them while its result was encoded, suspended generators and async functions, regexp
//!   twins, template objects), a `plant` transaction tries, and a `probe` in the same batch,
//!   on the same warm context, looks. The probe must return the clean value, with the same
//!   receipt (gas included) as after a transaction that planted nothing, and no leftover job
//!   may ever write state.
//! - The survivors: everything a call can reach without making it is frozen and holds no
//!   mutable internal state.
//! - The context really is reused (one per worker), and replaced after a terminated call.

mod common;

use common::{Chain, abi, call, options, tx};
use isovm::engine::{Engine, EngineOptions, Sandbox, spawn_sandbox_thread};
use isovm::schema::{Receipt, Status};
use serde_json::json;

/// A leak case: what `plant` does (it may fail), what `probe` returns, and the probe's
/// clean result (JSON).
struct Case {
    name: &'static str,
    plant: &'static str,
    probe: &'static str,
    clean: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "global object",
        plant: "try { globalThis.leaked = 1; } catch (e) {} try { Object.defineProperty(globalThis, 'x', { value: 1 }); } catch (e) {}",
        probe: "return [typeof globalThis.leaked, typeof globalThis.x];",
        clean: r#"["undefined","undefined"]"#,
    },
    Case {
        name: "prototypes",
        plant: "try { Array.prototype.leaked = 1; } catch (e) {} try { Object.prototype.toString = () => 'leak'; } catch (e) {} try { Object.setPrototypeOf(Array.prototype, null); } catch (e) {}",
        probe: "return [[].leaked === undefined, String({}), Object.getPrototypeOf(Array.prototype) === Object.prototype];",
        clean: r#"[true,"[object Object]",true]"#,
    },
    Case {
        name: "hidden intrinsics",
        plant: "const hidden = [Object.getPrototypeOf([][Symbol.iterator]()), Object.getPrototypeOf(function* () {}), Object.getPrototypeOf(new Map().entries()), Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()))]; for (const p of hidden) { try { p.leaked = 1; } catch (e) {} try { p.next = () => 'leak'; } catch (e) {} }",
        probe: "const it = [1][Symbol.iterator](); return [it.leaked === undefined, it.next().value, Object.getPrototypeOf(function* () {}).leaked === undefined, new Map([[1, 2]]).entries().next().value];",
        clean: r#"[true,1,true,[1,2]]"#,
    },
    Case {
        name: "RegExp legacy statics",
        plant: "/(secret)/.exec('a secret'); 'secret'.replace(/(s)/, '$1');",
        probe: "return [typeof RegExp.$1, typeof RegExp.lastMatch, typeof RegExp.input, typeof RegExp.leftContext, Object.getOwnPropertyNames(RegExp).sort()];",
        clean: r#"["undefined","undefined","undefined","undefined",["length","name","prototype"]]"#,
    },
    Case {
        name: "Error API",
        plant: "try { Error.stackTraceLimit = 100; } catch (e) {} try { Error.prepareStackTrace = () => 'leak'; } catch (e) {} try { Error.captureStackTrace = () => {}; } catch (e) {} const o = {}; Error.captureStackTrace(o);",
        probe: "const o = {}; Error.captureStackTrace(o); return [Error.stackTraceLimit, typeof Error.prepareStackTrace, String(new Error('x').stack), typeof o.stack];",
        clean: r#"[0,"undefined","Error: x","string"]"#,
    },
    Case {
        name: "Symbol.for registry",
        plant: "const s = Symbol.for('isovm-leak'); try { s.leaked = 1; } catch (e) {}",
        probe: "const s = Symbol.for('isovm-leak'); return [Symbol.keyFor(s), s.leaked === undefined, s.description];",
        clean: r#"["isovm-leak",true,"isovm-leak"]"#,
    },
    Case {
        name: "module bindings and class state",
        plant: "counter += 5; Leak.shared = 'planted'; cache.push('planted'); this.constructor.seen = true;",
        probe: "return [counter, Leak.shared === undefined, cache.length, Leak.seen === undefined];",
        clean: "[0,true,0,true]",
    },
    Case {
        name: "a promise job left by a call that threw",
        plant: "Promise.resolve().then(() => storage.put('leak', 'after a throw')); throw new Error('planted');",
        probe: "return storage.get('leak');",
        clean: "null",
    },
    Case {
        name: "a promise job scheduled while the result was encoded",
        plant: "return { toJSON() { Promise.resolve().then(() => storage.put('leak', 'during encode')); return 1; } };",
        probe: "return storage.get('leak');",
        clean: "null",
    },
    Case {
        name: "a promise job left by a call that ran out of gas",
        plant: "Promise.resolve().then(() => storage.put('leak', 'after out of gas')); for (;;) {}",
        probe: "return storage.get('leak');",
        clean: "null",
    },
    Case {
        name: "a chain of jobs that outlives the call",
        plant: "let n = 0; const again = () => { n++; if (n > 50) throw new Error('planted'); return Promise.resolve().then(again); }; again(); throw new Error('planted');",
        probe: "return storage.get('leak');",
        clean: "null",
    },
    Case {
        name: "suspended generators and async functions",
        plant: "function* g() { try { yield 1; } finally { storage.put('leak', 'generator'); } } const it = g(); it.next(); (async () => { await new Promise(() => {}); storage.put('leak', 'async'); })();",
        probe: "return storage.get('leak');",
        clean: "null",
    },
    Case {
        name: "regexp twins and their lastIndex",
        plant: "const r = /a/g; r.exec('aaa'); r.exec('aaa'); 'aaa'.match(/a/g); 'xa'.search(/a/);",
        probe: "const r = /a/g; const first = r.exec('aaa').index; return [first, r.lastIndex, 'aaa'.match(/a/g).length];",
        clean: "[0,1,3]",
    },
    Case {
        name: "template objects of one call site",
        plant: "const t = tpl(); try { t.leaked = 1; } catch (e) {} try { t.raw.leaked = 1; } catch (e) {}",
        probe: "const t = tpl(); return [Object.isFrozen(t), t.leaked === undefined, t.raw.leaked === undefined];",
        clean: "[true,true,true]",
    },
    Case {
        name: "Date and Math",
        plant: "try { Date.now = () => 0; } catch (e) {} try { Math.PI = 3; } catch (e) {} try { Date.prototype.getTime = () => 0; } catch (e) {}",
        probe: "return [Date.now() > 0, Math.PI, new Date(5).getTime()];",
        clean: "[true,3.141592653589793,5]",
    },
    Case {
        name: "the contract API objects",
        plant: "try { storage.get = () => 'leak'; } catch (e) {} try { blockchain.leaked = 1; } catch (e) {} try { block.number = -1; } catch (e) {} try { tx.leaked = 1; } catch (e) {}",
        probe: "return [storage.get('nothing'), blockchain.leaked === undefined, block.number > 0, tx.leaked === undefined];",
        clean: "[null,true,true,true]",
    },
];

/// The contract: `plant_i` and `probe_i` for every case, plus `noop` and `check` (the key
/// every leftover job tries to write).
fn source() -> String {
    let mut methods = String::new();
    for (i, case) in CASES.iter().enumerate() {
        methods.push_str(&format!(
            "  plant_{i}() {{ {} }}\n  probe_{i}() {{ {} }}\n",
            case.plant, case.probe
        ));
    }
    format!(
        "let counter = 0;\nconst cache = [];\nconst tpl = () => ((s) => s)`x${{1}}y`;\nclass Leak {{\n  init() {{}}\n  noop() {{}}\n  check() {{ return storage.get('leak'); }}\n{methods}}}\nmodule.exports = Leak;\n"
    )
}

fn abi_json() -> String {
    let mut names: Vec<String> = vec!["noop".into(), "check".into()];
    for i in 0..CASES.len() {
        names.push(format!("plant_{i}"));
        names.push(format!("probe_{i}"));
    }
    let methods: Vec<(&str, &[&str])> = names.iter().map(|n| (n.as_str(), &[][..])).collect();
    abi(&methods)
}

/// Status, gas, returns, message and events: everything of a receipt but its hash.
fn outcome(receipt: &Receipt) -> (Status, u64, Vec<String>, String, usize) {
    (
        receipt.status,
        receipt.gas_used,
        receipt.returns.clone(),
        receipt.message.clone(),
        receipt.events.len(),
    )
}

fn small_gas(mut t: isovm::schema::Tx) -> isovm::schema::Tx {
    t.gas_limit = 2_000_000;
    t
}

#[tokio::test]
async fn nothing_a_transaction_leaves_in_the_reused_context_is_seen_by_the_next() {
    // One worker: every transaction of the run shares one isolate, and its warm context.
    let mut options = options();
    options.pool.max_workers = 1;
    let mut planted = Chain::with_options(options.clone());
    let mut control = Chain::with_options(options);
    for chain in [&mut planted, &mut control] {
        chain.deploy(&source(), &abi_json(), "leak").await;
    }
    let mut failures = Vec::new();
    for (i, case) in CASES.iter().enumerate() {
        let first = |method: &str| small_gas(tx("alice", vec![call("leak", method, json!([]))]));
        let probe = format!("probe_{i}");
        let after_plant = planted
            .block(vec![
                first(&format!("plant_{i}")),
                first(&probe),
                first("check"),
            ])
            .await;
        let after_noop = control
            .block(vec![first("noop"), first(&probe), first("check")])
            .await;
        let (probe_planted, probe_control) = (&after_plant.receipts[1], &after_noop.receipts[1]);
        if probe_planted.status != Status::Success
            || probe_planted.returns != vec![case.clean.to_string()]
        {
            failures.push(format!(
                "{}: the probe after the plant returned {:?} ({:?} {}), clean is {}",
                case.name,
                probe_planted.returns,
                probe_planted.status,
                probe_planted.message,
                case.clean
            ));
        }
        if outcome(probe_planted) != outcome(probe_control) {
            failures.push(format!(
                "{}: the probe's receipt differs after the plant ({:?}) and after a no-op ({:?})",
                case.name,
                outcome(probe_planted),
                outcome(probe_control)
            ));
        }
        for (which, result) in [("plant", &after_plant), ("no-op", &after_noop)] {
            if result.receipts[2].returns != vec!["null".to_string()] {
                failures.push(format!(
                    "{}: after the {which}, storage holds {:?}: a leftover job wrote it",
                    case.name, result.receipts[2].returns
                ));
            }
        }
    }
    // A leftover job of the last batch must not write in a later one either.
    let late = planted
        .block(vec![small_gas(tx(
            "alice",
            vec![call("leak", "check", json!([]))],
        ))])
        .await;
    if late.receipts[0].returns != vec!["null".to_string()] {
        failures.push(format!(
            "a later batch: storage holds {:?}: a leftover job wrote it",
            late.receipts[0].returns
        ));
    }
    assert!(
        failures.is_empty(),
        "{} leaks:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn a_worker_reuses_one_context_and_replaces_it_after_a_terminated_call() {
    if common::verify_isolation() {
        // Verified calls make a fresh context each, besides the warm one: the counts below
        // are for the normal mode.
        return;
    }
    let mut options = options();
    options.pool.max_workers = 1;
    let mut chain = Chain::with_options(options);
    chain.deploy(&source(), &abi_json(), "leak").await;
    let before = chain.executor.engine_stats();
    let calls: Vec<_> = (0..20)
        .map(|_| small_gas(tx("alice", vec![call("leak", "noop", json!([]))])))
        .collect();
    chain.block(calls).await;
    let after = chain.executor.engine_stats();
    assert_eq!(after.calls - before.calls, 20);
    assert_eq!(
        after.contexts,
        before.contexts,
        "20 calls on a warm worker made {} contexts",
        after.contexts - before.contexts
    );
    assert!(after.contexts >= 1);

    // Out of gas terminates the call: its context is dropped, the next call gets a new one.
    let oog = chain
        .block(vec![
            small_gas(tx("alice", vec![call("leak", "plant_9", json!([]))])),
            small_gas(tx("alice", vec![call("leak", "noop", json!([]))])),
        ])
        .await;
    assert_eq!(oog.receipts[0].status, Status::OutOfGas);
    assert_eq!(oog.receipts[1].status, Status::Success);
    assert_eq!(chain.executor.engine_stats().contexts, after.contexts + 1);
}

#[test]
fn everything_a_call_can_reach_without_making_it_is_frozen_and_stateless() {
    let engine = Engine::new(EngineOptions::default()).unwrap();
    let survivors = spawn_sandbox_thread("survivors".into(), move || {
        let mut sandbox = Sandbox::new(&engine).unwrap();
        sandbox.survivors().unwrap()
    })
    .unwrap()
    .join()
    .unwrap();
    // The inventory walk reaches well over 500 objects and functions.
    assert!(survivors.len() > 500, "only {} survivors", survivors.len());
    // `Error` is a proxy of the intrinsic (runtime/34-functions.js): its handler is frozen,
    // the intrinsic is frozen by lockdown, and it cannot be revoked (contracts have no
    // `Proxy`). It is the one proxy; the walk may first reach it by another path.
    let proxies: Vec<&String> = survivors
        .iter()
        .filter(|s| s.state.is_some_and(|k| k.starts_with("proxy")))
        .map(|s| &s.path)
        .collect();
    assert_eq!(proxies.len(), 1, "proxies: {proxies:?}");
    assert!(proxies[0].ends_with("constructor") || proxies[0] == "Error");
    let open: Vec<String> = survivors
        .iter()
        .filter_map(|s| match (s.frozen, s.state) {
            (true, None) => None,
            (true, Some(kind)) if kind.starts_with("proxy") => None,
            (frozen, kind) => Some(format!("{}: frozen {frozen}, state {kind:?}", s.path)),
        })
        .collect();
    assert!(
        open.is_empty(),
        "{} reachable objects could carry state between calls:\n{}",
        open.len(),
        open.join("\n")
    );
}

#[tokio::test]
async fn verify_isolation_runs_every_call_in_both_contexts_and_agrees_on_receipts() {
    let mut checked = options();
    checked.pool.max_workers = 1;
    checked.engine.verify_isolation = true;
    let mut plain = checked.clone();
    plain.engine.verify_isolation = false;
    let mut results = Vec::new();
    for options in [plain, checked] {
        let mut chain = Chain::with_options(options);
        chain.deploy(&source(), &abi_json(), "leak").await;
        let before = chain.executor.engine_stats().calls;
        let txs: Vec<_> = (0..CASES.len())
            .flat_map(|i| [format!("plant_{i}"), format!("probe_{i}")])
            .map(|m| small_gas(tx("alice", vec![call("leak", &m, json!([]))])))
            .collect();
        let n = txs.len() as u64;
        let result = chain.block(txs).await;
        let calls = chain.executor.engine_stats().calls - before;
        results.push((calls, n, result));
    }
    let (plain_calls, n, plain) = &results[0];
    let (checked_calls, _, checked) = &results[1];
    assert_eq!(*plain_calls, *n);
    assert_eq!(*checked_calls, 2 * n, "each verified call runs twice");
    let outcomes =
        |r: &isovm::schema::BlockResult| r.receipts.iter().map(outcome).collect::<Vec<_>>();
    assert_eq!(outcomes(plain), outcomes(checked));
}

#[tokio::test]
async fn contract_text_cannot_close_its_wrapper_and_declare_at_script_level() {
    // A declaration at script level would live in the context's script scope, seen by every
    // later script in the warm context. The wrapper is `((…) => {"use strict";` + source +
    // `\n})`, and the instrumenter parses the source alone as a complete script: text that
    // closes the wrapper does not parse, and an HTML-like comment is a comment to both.
    let class = "class A { init() {} }\nmodule.exports = A;\n";
    let escapes = [
        format!("}}); let leaked = 1; ((() => {{\n{class}"),
        format!("--> }}); let leaked = 1; ((() => {{\n{class}"),
        format!("<!-- }}); let leaked = 1; ((() => {{\n{class}"),
        format!("{class}\n}}); let leaked = 1; (() => {{"),
        format!("{class}/* */ }}); let leaked = 1; (() => {{ //"),
    ];
    let mut options = options();
    options.pool.max_workers = 1;
    let mut chain = Chain::with_options(options);
    let look = "class P { init() {} look() { return typeof leaked; } }\nmodule.exports = P;\n";
    chain.deploy(look, &abi(&[("look", &[])]), "look").await;
    for (i, source) in escapes.iter().enumerate() {
        let id = format!("escape{i}");
        let receipts = chain
            .block(vec![
                tx("alice", vec![common::deploy(source, &abi(&[]), &id)]),
                tx("alice", vec![call("look", "look", json!([]))]),
            ])
            .await
            .receipts;
        // Deployed or not (a first-line HTML comment makes the rest a plain contract), the
        // next script in the context sees no `leaked`.
        assert_eq!(
            receipts[1].returns,
            vec![r#""undefined""#.to_string()],
            "escape {i} ({:?}: {}) declared at script level: {source:?}",
            receipts[0].status,
            receipts[0].message
        );
    }
}
