//! `isovm bench`: the numbers the engine is judged by, measured the same way every run.
//!
//! - context creation from the startup snapshot vs. without one (runtime evaluated each time);
//! - compiling a large contract with vs. without its V8 code cache (fresh isolates, so V8's
//!   own in-isolate compilation cache does not help);
//! - per-call overhead (an empty method, end to end through `Sandbox::call`);
//! - fibonacci(32) and a 2,000-step string concatenation: gas and time, cold (new isolate,
//!   compile included) and warm;
//! - token transfers through the whole executor (RocksDB commit included): transactions/s.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::json;

use crate::contract;
use crate::engine::{
    CallInput, CallMode, Callee, CompileReport, ContractCode, Engine, EngineOptions, Host,
    HostError, Sandbox, Slot, TxInfo, spawn_sandbox_thread,
};
use crate::exec::{ExecOptions, Executor};
use crate::schema::{Action, Status};
use crate::store::RocksStore;

/// How much to measure.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Repetitions of the short measurements (context, call); the long ones scale from it.
    pub iterations: usize,
    /// Transactions per batch and batches in the executor throughput run.
    pub batch_txs: usize,
    pub batches: usize,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions {
            iterations: 500,
            batch_txs: 100,
            batches: 20,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("bench: {0}")]
pub struct BenchError(String);

pub(super) fn fail(e: impl std::fmt::Display) -> BenchError {
    BenchError(e.to_string())
}

/// Median and mean of a set of durations, in microseconds.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Timing {
    pub median_us: f64,
    pub mean_us: f64,
    pub samples: usize,
}

impl Timing {
    fn of(mut samples: Vec<Duration>) -> Timing {
        samples.sort();
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        let mean = samples.iter().map(|d| us(*d)).sum::<f64>() / samples.len().max(1) as f64;
        Timing {
            median_us: samples.get(samples.len() / 2).map_or(0.0, |d| us(*d)),
            mean_us: mean,
            samples: samples.len(),
        }
    }
}

/// One contract run: gas and time.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    pub gas: u64,
    pub result: String,
    /// New isolate, compile and first call.
    pub cold_ms: f64,
    /// The same call again on the warm isolate.
    pub warm_ms: f64,
}

/// Everything `isovm bench` measures.
#[derive(Debug, Serialize)]
pub struct Report {
    pub context_snapshot: Timing,
    pub context_no_snapshot: Timing,
    pub snapshot_bytes: usize,
    pub compile_source_bytes: usize,
    pub compile_without_cache: Timing,
    pub compile_with_cache: Timing,
    pub code_cache_bytes: usize,
    pub call_overhead: Timing,
    pub call_overhead_fresh_context: Timing,
    pub fibonacci_32: Run,
    pub concat_2000: Run,
    pub token_txs_per_second: f64,
    pub token_batch_ms: Timing,
}

/// Storage in memory: enough for contracts that read and write a little.
#[derive(Default)]
pub(super) struct MemHost {
    values: BTreeMap<String, String>,
}

fn slot_key(slot: &Slot<'_>) -> String {
    match *slot {
        Slot::Value { contract, key } => format!("{contract}\0{key}"),
        Slot::Field {
            contract,
            key,
            field,
        } => format!("{contract}\0{key}\0{field}"),
    }
}

impl Host for MemHost {
    fn get(&mut self, slot: &Slot<'_>) -> Result<Option<String>, HostError> {
        Ok(self.values.get(&slot_key(slot)).cloned())
    }
    fn put(&mut self, slot: &Slot<'_>, value: String) -> Result<(), HostError> {
        self.values.insert(slot_key(slot), value);
        Ok(())
    }
    fn delete(&mut self, slot: &Slot<'_>) -> Result<(), HostError> {
        self.values.remove(&slot_key(slot));
        Ok(())
    }
    fn map_fields(&mut self, _contract: &str, _key: &str) -> Result<Vec<String>, HostError> {
        Ok(Vec::new())
    }
    fn event(&mut self, _contract: &str, _data: String) -> Result<(), HostError> {
        Ok(())
    }
    fn log(&mut self, _contract: &str, _level: i32, _line: &str) {}
    fn tx_info(&mut self) -> Result<String, HostError> {
        Ok("{}".into())
    }

    fn block_info(&mut self) -> Result<String, HostError> {
        Ok("{}".into())
    }

    fn contract_owner(&mut self, _: &str) -> Result<String, HostError> {
        Ok("bench".into())
    }

    fn callee(
        &mut self,
        contract: &str,
        _: &str,
        _: &str,
    ) -> Result<Result<Callee, String>, HostError> {
        Ok(Err(format!("contract {contract} not found")))
    }

    fn receipt(&mut self, _: &str, _: &str, _: String) -> Result<(), HostError> {
        Ok(())
    }

    fn proof(&self) -> &crate::contract::auth::Proof {
        &crate::contract::auth::UNSIGNED
    }

    fn contract_exists(&mut self, _: &str) -> Result<bool, HostError> {
        Ok(false)
    }
}

const BENCH_CONTRACT: &str = r#"
class Bench {
  init() {}
  noop() {}
  fib(n) { return n < 2 ? n : this.fib(n - 1) + this.fib(n - 2); }
  concat(steps) {
    let s = "";
    for (let i = 0; i < steps; i++) { s += "x"; }
    return s.length;
  }
}
module.exports = Bench;
"#;

fn bench_abi() -> String {
    json!({"lang": "javascript", "version": "1", "abi": [
        {"name": "noop", "args": []},
        {"name": "fib", "args": ["number"]},
        {"name": "concat", "args": ["number"]},
    ]})
    .to_string()
}

pub(super) fn code_of(id: &str, source: &str, abi: &str) -> Result<ContractCode, BenchError> {
    let compiled = contract::compile(source, abi).map_err(fail)?;
    Ok(ContractCode {
        id: id.into(),
        hash: compiled.code_hash,
        code: Arc::from(compiled.code),
        cache: None,
    })
}

/// A large contract: many methods with loops, branches and strings (about 200 KB).
fn large_contract() -> (String, String) {
    let mut source = String::from("class Large {\n  init() {}\n");
    let mut abi = Vec::new();
    for i in 0..600 {
        source.push_str(&format!(
            "  m{i}(a, b) {{\n    let total = 0;\n    for (let j = 0; j < a; j++) {{\n      if (j % 3 === {k}) {{ total += j * b; }} else {{ total -= {i}; }}\n    }}\n    const label = \"method-{i}-\" + String(total);\n    return {{ label: label, total: total, parts: label.split(\"-\").map((p) => p.length) }};\n  }}\n",
            k = i % 3
        ));
        abi.push(json!({"name": format!("m{i}"), "args": ["number", "number"]}));
    }
    source.push_str("}\nmodule.exports = Large;\n");
    (
        source,
        json!({"lang": "javascript", "version": "1", "abi": abi}).to_string(),
    )
}

pub(super) fn call(
    sandbox: &mut Sandbox,
    host: &mut MemHost,
    code: &ContractCode,
    method: &str,
    args: &str,
) -> Result<(u64, String), BenchError> {
    let args: serde_json::Value = serde_json::from_str(args).map_err(fail)?;
    let outcome = sandbox.call(
        host,
        &CallInput {
            contract: code,
            method,
            args: &args,
            block_json: r#"{"number":1,"parentHash":"","witness":"","time":0}"#,
            tx: TxInfo {
                time_ms: 0,
                hash: "bench",
                gas_limit: 1_000_000_000,
                publisher: "bench",
            },
            publisher: "bench",
            now_ms: 0.0,
            gas_used: 0,
            gas_limit: 1_000_000_000,
            memory_used: 0,
            mode: CallMode::Call,
        },
    );
    let json = outcome
        .result
        .map_err(|e| fail(format!("{method}: {e:?}")))?;
    Ok((outcome.gas_used, json))
}

fn time_n(n: usize, mut f: impl FnMut() -> Result<(), BenchError>) -> Result<Timing, BenchError> {
    for _ in 0..n / 10 {
        f()?;
    }
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        f()?;
        samples.push(start.elapsed());
    }
    Ok(Timing::of(samples))
}

/// Measurements that need an isolate: run on a sandbox thread.
struct EngineNumbers {
    context_snapshot: Timing,
    context_no_snapshot: Timing,
    snapshot_bytes: usize,
    compile_source_bytes: usize,
    compile_without_cache: Timing,
    compile_with_cache: Timing,
    code_cache_bytes: usize,
    call_overhead: Timing,
    call_overhead_fresh_context: Timing,
    fibonacci_32: Run,
    concat_2000: Run,
}

fn cold_and_warm(
    engine: &Arc<Engine>,
    code: &ContractCode,
    method: &str,
    args: &str,
) -> Result<Run, BenchError> {
    let start = Instant::now();
    let mut sandbox = Sandbox::new(engine).map_err(fail)?;
    let mut host = MemHost::default();
    let (gas, result) = call(&mut sandbox, &mut host, code, method, args)?;
    let cold = start.elapsed();
    let start = Instant::now();
    call(&mut sandbox, &mut host, code, method, args)?;
    Ok(Run {
        gas,
        result,
        cold_ms: cold.as_secs_f64() * 1e3,
        warm_ms: start.elapsed().as_secs_f64() * 1e3,
    })
}

/// Runs `f` on its own sandbox thread: one isolate per thread, as everywhere in isovm.
pub(super) fn on_thread<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, BenchError> + Send + 'static,
) -> Result<T, BenchError> {
    spawn_sandbox_thread("isovm-bench".into(), f)
        .map_err(fail)?
        .join()
        .map_err(|_| fail("a measurement panicked"))?
}

/// Compiles `code` in `rounds` fresh isolates (so V8's own in-isolate cache cannot help),
/// timing each compile.
fn compile_rounds(
    engine: &Arc<Engine>,
    code: &ContractCode,
    rounds: usize,
) -> Result<(Timing, Vec<CompileReport>), BenchError> {
    let mut samples = Vec::with_capacity(rounds);
    let mut reports = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let (engine, code) = (engine.clone(), code.clone());
        let (took, report) = on_thread(move || {
            let mut fresh = Sandbox::new(&engine).map_err(fail)?;
            let start = Instant::now();
            let report = fresh.compile_only(&code).map_err(fail)?;
            Ok((start.elapsed(), report))
        })?;
        samples.push(took);
        reports.push(report);
    }
    Ok((Timing::of(samples), reports))
}

fn engine_numbers(options: &BenchOptions) -> Result<EngineNumbers, BenchError> {
    let mut engine_options = EngineOptions::default();
    engine_options.limits.watchdog_floor = Duration::from_secs(60);
    let with = Engine::new(engine_options.clone()).map_err(fail)?;
    let without = Engine::new(EngineOptions {
        use_snapshot: false,
        ..engine_options.clone()
    })
    .map_err(fail)?;
    let n = options.iterations;
    let bench = code_of("bench", BENCH_CONTRACT, &bench_abi())?;

    // Context creation and call overhead, with and without the snapshot.
    let contexts_and_calls = |engine: Arc<Engine>| {
        let bench = bench.clone();
        on_thread(move || {
            let mut sandbox = Sandbox::new(&engine).map_err(fail)?;
            // Each group starts from a collected heap: none pays for another's garbage.
            sandbox.collect_garbage();
            let contexts = time_n(n, || sandbox.make_context().map_err(fail))?;
            sandbox.collect_garbage();
            let mut host = MemHost::default();
            let calls = time_n(n, || {
                call(&mut sandbox, &mut host, &bench, "noop", "[]").map(drop)
            })?;
            Ok((contexts, calls))
        })
    };
    let fresh_contexts = Engine::new(EngineOptions {
        warm_context: false,
        ..engine_options.clone()
    })
    .map_err(fail)?;
    let (context_snapshot, call_overhead) = contexts_and_calls(with.clone())?;
    let (context_no_snapshot, _) = contexts_and_calls(without)?;
    let (_, call_overhead_fresh_context) = contexts_and_calls(fresh_contexts)?;

    // Compiling a large contract in fresh isolates, without and then with its code cache.
    let (large, large_abi) = large_contract();
    let mut large_code = code_of("large", &large, &large_abi)?;
    let rounds = (n / 25).max(5);
    let (compile_without_cache, reports) = compile_rounds(&with, &large_code, rounds)?;
    let cache = reports
        .into_iter()
        .last()
        .and_then(|r| r.new_cache)
        .ok_or_else(|| fail("no code cache was made"))?;
    let code_cache_bytes = cache.len();
    large_code.cache = Some(Arc::from(cache));
    let (compile_with_cache, reports) = compile_rounds(&with, &large_code, rounds)?;
    if reports.iter().any(|r| !r.consumed_cache) {
        return Err(fail("V8 rejected the code cache it just made"));
    }

    let runs = |method: &'static str, args: &'static str| {
        let (engine, bench) = (with.clone(), bench.clone());
        on_thread(move || cold_and_warm(&engine, &bench, method, args))
    };
    Ok(EngineNumbers {
        context_snapshot,
        context_no_snapshot,
        snapshot_bytes: with.snapshot_bytes().unwrap_or(0),
        compile_source_bytes: large_code.code.len(),
        compile_without_cache,
        compile_with_cache,
        code_cache_bytes,
        call_overhead,
        call_overhead_fresh_context,
        fibonacci_32: runs("fib", "[32]")?,
        concat_2000: runs("concat", "[2000]")?,
    })
}

const TOKEN: &str = include_str!("../../examples/token/token.js");
const TOKEN_ABI: &str = include_str!("../../examples/token/token.abi.json");

/// Token transfers through the executor: deploy, issue, then `batches` batches of
/// `batch_txs` transfers each, committed to a temporary RocksDB.
async fn token_throughput(options: &BenchOptions) -> Result<(f64, Timing), BenchError> {
    let dir = tempfile::tempdir().map_err(fail)?;
    let store = RocksStore::open(dir.path()).map_err(fail)?;
    // Execution only: `bench --signatures` measures what verifying the signatures adds.
    let exec_options = ExecOptions {
        insecure_accept_unsigned_transactions: true,
        ..ExecOptions::default()
    };
    let executor = Executor::new(Arc::new(store), exec_options).map_err(fail)?;
    let mut numbering = super::throughput::Batches::default();
    let mut batch = |txs| numbering.next(txs, 10_000_000);
    let action = |contract: &str, method: &str, args: serde_json::Value| Action {
        contract: contract.into(),
        method: method.into(),
        args,
    };
    let setup = batch(vec![
        (
            "alice".into(),
            action("system", "deploy", json!([TOKEN, TOKEN_ABI, "token"])),
        ),
        (
            "alice".into(),
            action("token", "issue", json!(["alice", 1_000_000_000])),
        ),
    ]);
    let done = executor.execute(setup).await.map_err(fail)?;
    if let Some(bad) = done
        .result
        .receipts
        .iter()
        .find(|r| r.status != Status::Success)
    {
        return Err(fail(format!("token setup failed: {}", bad.message)));
    }
    let mut samples = Vec::new();
    let started = Instant::now();
    for b in 0..options.batches {
        let txs = (0..options.batch_txs)
            .map(|i| {
                (
                    "alice".to_string(),
                    action(
                        "token",
                        "transfer",
                        json!(["alice", format!("holder{}", (b * 7 + i) % 500), 1]),
                    ),
                )
            })
            .collect();
        let batch = batch(txs);
        let start = Instant::now();
        let executed = executor.execute(batch).await.map_err(fail)?;
        samples.push(start.elapsed());
        if let Some(bad) = executed
            .result
            .receipts
            .iter()
            .find(|r| r.status != Status::Success)
        {
            return Err(fail(format!("transfer failed: {}", bad.message)));
        }
    }
    let txs = (options.batches * options.batch_txs) as f64;
    Ok((txs / started.elapsed().as_secs_f64(), Timing::of(samples)))
}

/// Runs every measurement and writes the report, as a table or as JSON.
pub async fn run(
    options: &BenchOptions,
    json_output: bool,
    out: &mut dyn Write,
) -> Result<Report, BenchError> {
    let engine = engine_numbers(options)?;
    let (token_txs_per_second, token_batch_ms) = token_throughput(options).await?;
    let report = Report {
        context_snapshot: engine.context_snapshot,
        context_no_snapshot: engine.context_no_snapshot,
        snapshot_bytes: engine.snapshot_bytes,
        compile_source_bytes: engine.compile_source_bytes,
        compile_without_cache: engine.compile_without_cache,
        compile_with_cache: engine.compile_with_cache,
        code_cache_bytes: engine.code_cache_bytes,
        call_overhead: engine.call_overhead,
        call_overhead_fresh_context: engine.call_overhead_fresh_context,
        fibonacci_32: engine.fibonacci_32,
        concat_2000: engine.concat_2000,
        token_txs_per_second,
        token_batch_ms,
    };
    let written = if json_output {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&report).map_err(fail)?
        )
    } else {
        write_table(&report, options, out)
    };
    written.map_err(fail)?;
    Ok(report)
}

fn write_table(r: &Report, options: &BenchOptions, out: &mut dyn Write) -> std::io::Result<()> {
    let t = |t: &Timing| {
        format!(
            "median {:>9.1} µs   mean {:>9.1} µs   (n={})",
            t.median_us, t.mean_us, t.samples
        )
    };
    writeln!(
        out,
        "isovm bench (release build, {} iterations)",
        options.iterations
    )?;
    writeln!(
        out,
        "context, from snapshot            {}",
        t(&r.context_snapshot)
    )?;
    writeln!(
        out,
        "context, no snapshot              {}",
        t(&r.context_no_snapshot)
    )?;
    writeln!(
        out,
        "  snapshot size                   {} bytes",
        r.snapshot_bytes
    )?;
    writeln!(
        out,
        "compile {} KB contract, no cache {}",
        r.compile_source_bytes / 1024,
        t(&r.compile_without_cache)
    )?;
    writeln!(
        out,
        "  ... with code cache             {}",
        t(&r.compile_with_cache)
    )?;
    writeln!(
        out,
        "  code cache size                 {} bytes",
        r.code_cache_bytes
    )?;
    writeln!(
        out,
        "call overhead (empty method)      {}",
        t(&r.call_overhead)
    )?;
    writeln!(
        out,
        "  ... fresh context per call      {}",
        t(&r.call_overhead_fresh_context)
    )?;
    for (name, run) in [
        ("fibonacci(32)", &r.fibonacci_32),
        ("concat 2,000 steps", &r.concat_2000),
    ] {
        writeln!(
            out,
            "{name:<33} gas {:>11}   cold {:>8.1} ms   warm {:>8.1} ms   result {}",
            run.gas, run.cold_ms, run.warm_ms, run.result
        )?;
    }
    writeln!(
        out,
        "token transfers via executor      {:.0} tx/s   batch of {} txs: {}",
        r.token_txs_per_second,
        options.batch_txs,
        t(&r.token_batch_ms)
    )?;
    Ok(())
}
