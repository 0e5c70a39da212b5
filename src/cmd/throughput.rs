//! `isovm bench --throughput`: contract calls end to end on the `exec` path (and the `serve`
//! path when a broker is given), beside the Node.js baselines of `benches/node/baseline.js`,
//! in one run.
//!
//! Each workload is generated from a seed, the same every run, and about one call in a
//! hundred fails (its writes must be left behind):
//! - `token`: `accounts` holders issued 1,000 tokens each, then transfers of 1 to 100 tokens
//!   between random holders, one in a hundred of 10^9 (insufficient balance);
//! - `kv`: each call writes ten fields of its publisher's map and reads them back
//!   (`benches/contracts/kv.js`), one seed in 97 refused after the writes;
//! - `cpu`: each call steps a Lehmer generator 1,000 times (`benches/contracts/cpu.js`).
//!
//! isovm runs them through the executor (RocksDB, a synced commit per batch), every
//! transaction signed by its publisher (ed25519), so its numbers include the signature check
//! a node makes before a batch runs (`bench --signatures` measures that alone); Node runs the
//! same contract source and the same calls (a fresh `vm` context per transaction, one reused
//! context, and the class in a plain loop). Every variant counts the calls that failed: they
//! must agree, or the comparison is void and the run says so.

use std::io::Write;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::bench::{BenchError, fail};
use crate::exec::{ExecOptions, Executor};
use crate::schema::{Action, Batch, Status, Tx};
use crate::store::RocksStore;

const TOKEN: &str = include_str!("../../examples/token/token.js");
const TOKEN_ABI: &str = include_str!("../../examples/token/token.abi.json");
const KV: &str = include_str!("../../benches/contracts/kv.js");
const KV_ABI: &str = include_str!("../../benches/contracts/kv.abi.json");
const CPU: &str = include_str!("../../benches/contracts/cpu.js");
const CPU_ABI: &str = include_str!("../../benches/contracts/cpu.abi.json");
const NODE_BASELINE: &str = include_str!("../../benches/node/baseline.js");
/// The workloads, by name: (contract source, ABI).
pub const WORKLOADS: [&str; 3] = ["token", "kv", "cpu"];
/// The account that deploys the token and issues every balance.
const ISSUER: &str = "issuer";
const INITIAL_BALANCE: u64 = 1_000;
const FAILING_AMOUNT: u64 = 1_000_000_000;

/// The workload's shape.
#[derive(Debug, Clone)]
pub struct ThroughputOptions {
    pub accounts: usize,
    pub batches: usize,
    pub batch_txs: usize,
    /// Copies of the workload, one per partition, run at once.
    pub partitions: u32,
    pub seed: u64,
    /// Which of [`WORKLOADS`] to run, in order.
    pub workloads: Vec<String>,
    /// The broker for the serve path; `None` skips it.
    pub amqp_url: Option<String>,
    /// The development mode: transactions unsigned, run as their publisher's
    /// (`insecure_accept_unsigned_transactions`), so no signature check: what the engine does
    /// without it, not what a node does.
    pub unsigned: bool,
    /// Whether the exec path keeps each batch for `isovm replay` (`ExecOptions::keep_batches`;
    /// on, as a node runs by default): off to measure what keeping them costs.
    pub keep_batches: bool,
}

impl Default for ThroughputOptions {
    fn default() -> Self {
        ThroughputOptions {
            accounts: 10_000,
            batches: 20,
            batch_txs: 1_000,
            partitions: 1,
            seed: 7,
            workloads: WORKLOADS.iter().map(|w| w.to_string()).collect(),
            amqp_url: None,
            unsigned: false,
            keep_batches: true,
        }
    }
}

/// One contract call: (publisher, method, arguments).
type Call = (String, String, serde_json::Value);

/// A workload: its contract, and the calls as the Node script reads them.
#[derive(Debug, Serialize)]
struct Workload {
    #[serde(skip)]
    name: &'static str,
    #[serde(skip)]
    source: &'static str,
    #[serde(skip)]
    abi: &'static str,
    /// Accounts `account(0..accounts)` that publish, signed up before the run.
    #[serde(skip)]
    accounts: usize,
    setup: Vec<Call>,
    batches: Vec<Vec<Call>>,
}

/// splitmix64: a fixed, well-mixed sequence from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn account(i: usize) -> String {
    format!("acct{i}")
}

fn call(publisher: String, method: &str, args: serde_json::Value) -> Call {
    (publisher, method.to_string(), args)
}

fn workload(name: &str, o: &ThroughputOptions) -> Result<Workload, BenchError> {
    let mut rng = Rng(o.seed);
    // `make` draws one call from the generator, given the number of accounts.
    let mut batches = |make: fn(&mut Rng, usize) -> Call| {
        (0..o.batches)
            .map(|_| {
                (0..o.batch_txs)
                    .map(|_| make(&mut rng, o.accounts))
                    .collect()
            })
            .collect::<Vec<Vec<Call>>>()
    };
    Ok(match name {
        "token" => Workload {
            name: "token",
            source: TOKEN,
            abi: TOKEN_ABI,
            accounts: o.accounts,
            setup: (0..o.accounts)
                .map(|i| call(ISSUER.into(), "issue", json!([account(i), INITIAL_BALANCE])))
                .collect(),
            batches: batches(|rng, accounts| {
                let from = rng.below(accounts);
                let to = (from + 1 + rng.below(accounts - 1)) % accounts;
                let amount = if rng.below(100) == 0 {
                    FAILING_AMOUNT
                } else {
                    1 + rng.below(100) as u64
                };
                let (from, to) = (account(from), account(to));
                call(from.clone(), "transfer", json!([from, to, amount]))
            }),
        },
        "kv" => Workload {
            name: "kv",
            source: KV,
            abi: KV_ABI,
            accounts: o.accounts,
            setup: Vec::new(),
            batches: batches(|rng, accounts| {
                let owner = account(rng.below(accounts));
                let seed = rng.below(1_000_000);
                call(owner.clone(), "fill", json!([owner, 10, seed]))
            }),
        },
        "cpu" => Workload {
            name: "cpu",
            source: CPU,
            abi: CPU_ABI,
            accounts: o.accounts,
            setup: Vec::new(),
            batches: batches(|rng, accounts| {
                let publisher = account(rng.below(accounts));
                call(
                    publisher,
                    "work",
                    json!([1_000, 1 + rng.below(2_000_000_000)]),
                )
            }),
        },
        other => {
            return Err(fail(format!(
                "no workload `{other}`: the workloads are {}",
                WORKLOADS.join(", ")
            )));
        }
    })
}

/// One variant's run.
#[derive(Debug, Clone, Serialize)]
pub struct Variant {
    pub name: String,
    pub txs: usize,
    pub failed: usize,
    pub tx_per_s: f64,
    pub us_per_tx: f64,
    pub batch_p50_ms: f64,
    pub batch_p99_ms: f64,
    /// isovm's throughput divided by this variant's (1 for isovm itself).
    pub isovm_ratio: f64,
    /// Resident memory of the process running the variant before and after its timed run,
    /// MiB (isovm's paths share this process; the Node ones share node's).
    pub rss_start_mib: f64,
    pub rss_end_mib: f64,
}

/// This process's resident memory, MiB (0 where /proc is not there).
fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The whole report.
#[derive(Debug, Serialize)]
pub struct Report {
    pub accounts: usize,
    pub batches: usize,
    pub batch_txs: usize,
    pub partitions: u32,
    /// Unsigned transactions, no signature check ([`ThroughputOptions::unsigned`]).
    pub unsigned: bool,
    pub workloads: Vec<WorkloadReport>,
}

/// One workload's runs.
#[derive(Debug, Serialize)]
pub struct WorkloadReport {
    pub name: String,
    pub variants: Vec<Variant>,
    /// Why the serve path is missing, when it is.
    pub serve: Option<String>,
    /// Why the Node baselines are missing, when they are.
    pub node: Option<String>,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn variant(name: &str, batch_ms: &[f64], txs: usize, failed: usize, rss: (f64, f64)) -> Variant {
    let seconds = batch_ms.iter().sum::<f64>() / 1000.0;
    variant_over(name, batch_ms, seconds, txs, failed, rss)
}

/// A variant whose batches overlapped: the rate is over `seconds` of wall-clock time.
fn variant_over(
    name: &str,
    batch_ms: &[f64],
    seconds: f64,
    txs: usize,
    failed: usize,
    rss: (f64, f64),
) -> Variant {
    let mut sorted = batch_ms.to_vec();
    sorted.sort_by(f64::total_cmp);
    Variant {
        name: name.into(),
        txs,
        failed,
        tx_per_s: txs as f64 / seconds,
        us_per_tx: seconds * 1e6 / txs as f64,
        batch_p50_ms: percentile(&sorted, 0.5),
        batch_p99_ms: percentile(&sorted, 0.99),
        isovm_ratio: 1.0,
        rss_start_mib: rss.0,
        rss_end_mib: rss.1,
    }
}

fn progress(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template("{msg:>24} [{bar:30}] {pos}/{len} {elapsed}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_string());
    bar
}

/// Numbers the batches (heights from 1) and transactions of a benchmark run on one
/// partition (0 unless set).
#[derive(Default)]
pub(super) struct Batches {
    pub partition: u32,
    height: u64,
    next_tx: u64,
    /// Signs every transaction as its publisher (one key for all, every account's owner and
    /// active key), so the run pays the signature check and the account check a node pays;
    /// none: unsigned.
    pub signer: Option<std::sync::Arc<crate::crypto::KeyPair>>,
}

impl Batches {
    /// The next batch: one transaction per (publisher, action), each with `gas_limit`.
    pub(super) fn next(&mut self, txs: Vec<(String, Action)>, gas_limit: u64) -> Batch {
        self.height += 1;
        let txs = txs
            .into_iter()
            .map(|(publisher, action)| {
                self.next_tx += 1;
                let id = (u64::from(self.partition) << 48) | self.next_tx;
                Tx {
                    hash: bs58::encode(id.to_be_bytes()).into_string(),
                    publisher,
                    gas_limit,
                    // Its number, so no two transfers alike are one transaction (a signed
                    // transaction's hash is its content's, and a hash runs once).
                    time_ms: Some(self.next_tx),
                    actions: vec![action],
                    ..Tx::default()
                }
            })
            .collect();
        let mut txs: Vec<Tx> = txs;
        if let Some(key) = &self.signer {
            use rayon::prelude::*;
            let partition = self.partition;
            txs.par_iter_mut().for_each(|tx| {
                let role = super::sign::Role::Publisher(tx.publisher.clone());
                super::sign::sign_tx(partition, tx, key, &role).expect("a publisher signs");
            });
        }
        Batch {
            partition: self.partition,
            height: self.height,
            timestamp_ms: 1_767_225_600_000 + self.height * 1000,
            producer: "bench".into(),
            txs,
        }
    }
}

/// The workload as batches, one copy per partition: the setups (the deploy, then its calls),
/// partition after partition, and the timed calls, batch `i` of every partition before batch
/// `i + 1` of any.
fn batches_of(w: &Workload, partitions: u32, signed: bool) -> (Vec<Batch>, Vec<Batch>) {
    let copies: Vec<(Vec<Batch>, Vec<Batch>)> = (0..partitions)
        .map(|partition| copy_of(w, partition, signed))
        .collect();
    let setup = copies.iter().flat_map(|(s, _)| s.clone()).collect();
    let mut timed = Vec::new();
    for i in 0..w.batches.len() {
        for (_, t) in &copies {
            timed.push(t[i].clone());
        }
    }
    (setup, timed)
}

/// One partition's copy of the workload.
fn copy_of(w: &Workload, partition: u32, signed: bool) -> (Vec<Batch>, Vec<Batch>) {
    let numbering_key = std::sync::Arc::new(crate::crypto::KeyPair::generate(
        crate::schema::Algorithm::Ed25519,
    ));
    let mut numbering = Batches {
        partition,
        signer: signed.then(|| numbering_key.clone()),
        ..Batches::default()
    };
    let mut batch = |txs| numbering.next(txs, 1_000_000);
    let actions = |calls: &[Call]| -> Vec<(String, Action)> {
        calls
            .iter()
            .map(|(publisher, method, args)| {
                let action = Action {
                    contract: w.name.into(),
                    method: method.clone(),
                    args: args.clone(),
                };
                (publisher.clone(), action)
            })
            .collect()
    };
    let deploy = Action {
        contract: "system".into(),
        method: "deploy".into(),
        args: json!([w.source, w.abi, w.name]),
    };
    // Every publisher signs itself up first (IOST account ids, one key for all).
    let key = numbering_key.public_key();
    let mut publishers: Vec<String> = vec![ISSUER.into()];
    publishers.extend((0..w.accounts).map(account));
    let sign_ups: Vec<(String, Action)> = publishers
        .into_iter()
        .map(|id| {
            let action = Action {
                contract: "auth.iost".into(),
                method: "signUp".into(),
                args: json!([id, key, key]),
            };
            (id, action)
        })
        .collect();
    let mut setup: Vec<Batch> = Vec::new();
    for chunk in sign_ups.chunks(1_000) {
        setup.push(batch(chunk.to_vec()));
    }
    setup.push(batch(vec![(ISSUER.into(), deploy)]));
    for chunk in w.setup.chunks(1_000) {
        setup.push(batch(actions(chunk)));
    }
    let timed = w
        .batches
        .iter()
        .map(|calls| batch(actions(calls)))
        .collect();
    (setup, timed)
}

/// A setup batch that did not go through is the end of the run.
fn check_setup(receipts: &[crate::schema::Receipt]) -> Result<(), BenchError> {
    match receipts.iter().find(|r| r.status != Status::Success) {
        Some(bad) => Err(fail(format!("setup failed: {}", bad.message))),
        None => Ok(()),
    }
}

fn failures(receipts: &[crate::schema::Receipt]) -> usize {
    receipts
        .iter()
        .filter(|r| r.status != Status::Success)
        .count()
}

async fn isovm_exec(
    w: &Workload,
    partitions: u32,
    unsigned: bool,
    keep_batches: bool,
) -> Result<Variant, BenchError> {
    let dir = tempfile::tempdir().map_err(fail)?;
    let store = RocksStore::open(dir.path()).map_err(fail)?;
    // A signed workload pays the signature check; an unsigned one runs in the development
    // mode.
    let options = ExecOptions {
        insecure_accept_unsigned_transactions: unsigned,
        keep_batches,
        ..ExecOptions::default()
    };
    let executor = Executor::new(Arc::new(store), options).map_err(fail)?;
    let (setup, transfers) = batches_of(w, partitions, !unsigned);
    let bar = progress(setup.len() as u64, &format!("{}: isovm setup", w.name));
    for b in setup {
        check_setup(&executor.execute(b).await.map_err(fail)?.result.receipts)?;
        bar.inc(1);
    }
    bar.finish_and_clear();

    let bar = progress(transfers.len() as u64, &format!("{}: isovm exec", w.name));
    let rss_start = rss_mib();
    let txs = transfers.iter().map(|b| b.txs.len()).sum();
    // One task per partition, each its batches in order; the partitions at once.
    let mut lanes: Vec<Vec<Batch>> = vec![Vec::new(); partitions as usize];
    for b in transfers {
        lanes[b.partition as usize].push(b);
    }
    let start = Instant::now();
    let tasks: Vec<_> = lanes
        .into_iter()
        .map(|lane| {
            let (executor, bar) = (executor.clone(), bar.clone());
            tokio::spawn(async move {
                // Each batch runs while the one before it commits (`Executor::begin`); a
                // batch's time is from its start to its commit.
                let mut batch_ms = Vec::with_capacity(lane.len());
                let mut failed = 0;
                // The signatures of the batch after are checked while it runs.
                let mut in_flight: Option<(Instant, crate::exec::Committing)> = None;
                let mut lane = lane.into_iter();
                let check = |b| (Instant::now(), executor.check_ahead(b));
                let mut ahead = lane.next().map(check);
                loop {
                    let begun = match ahead.take() {
                        Some((started, checking)) => {
                            let checked = checking.checked().await.map_err(|e| e.to_string())?;
                            ahead = lane.next().map(check);
                            let begun = executor.begin_checked(checked).await;
                            Some((started, begun.map_err(|e| e.to_string())?))
                        }
                        None => None,
                    };
                    if let Some((started, committing)) = in_flight.take() {
                        let done = committing.finish().await.map_err(|e| e.to_string())?;
                        batch_ms.push(started.elapsed().as_secs_f64() * 1000.0);
                        failed += failures(&done.result.receipts);
                        bar.inc(1);
                    }
                    match begun {
                        Some(begun) => in_flight = Some(begun),
                        None => break,
                    }
                }
                Ok::<_, String>((batch_ms, failed))
            })
        })
        .collect();
    let mut batch_ms = Vec::new();
    let mut failed = 0;
    for task in tasks {
        let (ms, f) = task.await.map_err(fail)?.map_err(fail)?;
        batch_ms.extend(ms);
        failed += f;
    }
    let seconds = start.elapsed().as_secs_f64();
    bar.finish_and_clear();
    Ok(variant_over(
        "isovm exec",
        &batch_ms,
        seconds,
        txs,
        failed,
        (rss_start, rss_mib()),
    ))
}

/// The serve path: `isovm serve` in this process on a fresh database and a topology of its
/// own, the batches published as a producer would (all of them, then the results awaited),
/// each block's result received from the results exchange. The time per batch is the
/// interval between consecutive results: execute, commit, confirmed publish and ack.
async fn isovm_serve(
    w: &Workload,
    amqp_url: &str,
    partitions: u32,
    unsigned: bool,
) -> Result<Variant, String> {
    use crate::bus::{BusConfig, BusMessage, Client, Source, Subscription};
    let config = BusConfig {
        amqp_url: amqp_url.to_string(),
        prefix: format!("isovm-bench-{}", std::process::id()),
        ..BusConfig::default()
    };
    config.check().map_err(|e| e.to_string())?;
    let client = Client::connect(&config)
        .await
        .map_err(|e| format!("no broker at {amqp_url}: {e}"))?;
    let outcome = async {
        client.declare_topology().await.map_err(|e| e.to_string())?;
        let mut results = client
            .subscribe(&Subscription {
                source: Source::Results,
                partition: None,
                contract: None,
                queue: None,
            })
            .await
            .map_err(|e| e.to_string())?;
        let db = tempfile::tempdir().map_err(|e| e.to_string())?;
        let vm = super::VmOptions {
            db: db.path().join("db"),
            cache_dir: super::default_cache_dir(),
            workers: super::Workers::default(),
            watchdog_floor: crate::engine::Limits::DEFAULT_WATCHDOG_FLOOR,
            watchdog_min_rate: crate::engine::Limits::DEFAULT_WATCHDOG_MIN_RATE,
            heap_bytes: crate::engine::Limits::DEFAULT_HEAP_BYTES,
            fault_retries: ExecOptions::default().fault_retries,
            verify_isolation: false,
            insecure_accept_unsigned_transactions: unsigned,
            keep_batches: true,
            state_cache_bytes: ExecOptions::default().state_cache_bytes,
        };
        let shutdown = tokio_util::sync::CancellationToken::new();
        let server = {
            let (config, shutdown) = (config.clone(), shutdown.clone());
            tokio::spawn(async move { super::serve::run(&vm, config, None, shutdown).await })
        };
        let (setup, transfers) = batches_of(w, partitions, !unsigned);
        let expected = (setup.len() + transfers.len()) as u64;
        let txs: usize = transfers.iter().map(|b| b.txs.len()).sum();
        // Heights of a partition's copy: its setup first (the same length in every copy).
        let first_timed = (setup.len() / partitions as usize) as u64 + 1;
        let bar = progress(expected, &format!("{}: isovm serve", w.name));
        let rss_start = rss_mib();
        for b in setup.iter().chain(&transfers) {
            client.publish_batch(b).await.map_err(|e| e.to_string())?;
        }
        let mut arrivals = Vec::with_capacity(transfers.len() + 1);
        let mut failed = 0;
        let mut seen = 0;
        while seen < expected {
            let received =
                tokio::time::timeout(std::time::Duration::from_secs(120), results.next())
                    .await
                    .map_err(|_| "no block result for 120 s: is serve running?".to_string())?
                    .ok_or("the results subscription ended")?
                    .map_err(|e| e.to_string())?;
            let BusMessage::Result { result, .. } = &received.message else {
                received.ack().await.map_err(|e| e.to_string())?;
                continue;
            };
            seen += 1;
            bar.inc(1);
            if result.height < first_timed {
                check_setup(&result.receipts).map_err(|e| e.to_string())?;
            } else {
                failed += failures(&result.receipts);
            }
            if result.height + 1 >= first_timed {
                arrivals.push(Instant::now());
            }
            received.ack().await.map_err(|e| e.to_string())?;
        }
        bar.finish_and_clear();
        shutdown.cancel();
        match server.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(format!("serve stopped with an error: {e}")),
            Err(e) => return Err(format!("serve panicked: {e}")),
        }
        let batch_ms: Vec<f64> = arrivals
            .windows(2)
            .map(|p| (p[1] - p[0]).as_secs_f64() * 1000.0)
            .collect();
        Ok(variant(
            "isovm serve",
            &batch_ms,
            txs,
            failed,
            (rss_start, rss_mib()),
        ))
    }
    .await;
    let _ = client.delete_topology().await;
    client.close().await;
    outcome
}

#[derive(Deserialize)]
struct NodeVariant {
    batch_ms: Vec<f64>,
    failed: usize,
    txs: usize,
    rss_start_mib: f64,
    rss_end_mib: f64,
}

/// Runs the Node script; `Err` says why there are no baselines.
fn node_baselines(w: &Workload) -> Result<Vec<Variant>, String> {
    let version = Command::new("node").arg("--version").output();
    match version {
        Ok(out) if out.status.success() => {}
        _ => return Err("node was not found on PATH: the Node.js baselines were not run".into()),
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let write = |name: &str, text: &str| -> Result<std::path::PathBuf, String> {
        let path = dir.path().join(name);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(path)
    };
    let workload = serde_json::to_string(w).map_err(|e| e.to_string())?;
    let workload = write("workload.json", &workload)?;
    let contract = write(&format!("{}.js", w.name), w.source)?;
    let script = write("baseline.js", NODE_BASELINE)?;
    let out_dir = dir.path().join("commits");
    std::fs::create_dir(&out_dir).map_err(|e| e.to_string())?;
    let bar = ProgressBar::new_spinner();
    bar.set_message(format!(
        "{}: Node.js baselines (fresh, reused, limit)",
        w.name
    ));
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let output = Command::new("node")
        .arg(&script)
        .arg(&workload)
        .arg(&contract)
        .arg(&out_dir)
        .output()
        .map_err(|e| format!("node could not run: {e}"))?;
    bar.finish_and_clear();
    if !output.status.success() {
        return Err(format!(
            "the Node.js baseline failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let report: std::collections::BTreeMap<String, NodeVariant> =
        serde_json::from_slice(&output.stdout)
            .map_err(|e| format!("the Node.js baseline printed no report: {e}"))?;
    let names = [
        ("fresh", "Node vm, fresh context/tx"),
        ("reused", "Node vm, one context"),
        ("limit", "limit: plain JS loop"),
    ];
    names
        .iter()
        .map(|(key, name)| {
            let v = report
                .get(*key)
                .ok_or_else(|| format!("the Node.js report lacks `{key}`"))?;
            let rss = (v.rss_start_mib, v.rss_end_mib);
            Ok(variant(name, &v.batch_ms, v.txs, v.failed, rss))
        })
        .collect()
}

/// Runs isovm and the baselines on each workload.
pub async fn measure(o: &ThroughputOptions) -> Result<Report, BenchError> {
    if o.accounts < 2 || o.batches == 0 || o.batch_txs == 0 {
        return Err(fail(
            "the throughput workloads need at least 2 accounts, 1 batch and 1 transaction per batch",
        ));
    }
    let workloads = o
        .workloads
        .iter()
        .map(|name| workload(name, o))
        .collect::<Result<Vec<_>, _>>()?;
    let mut reports = Vec::with_capacity(workloads.len());
    for w in &workloads {
        reports.push(measure_one(w, o).await?);
    }
    Ok(Report {
        accounts: o.accounts,
        batches: o.batches,
        batch_txs: o.batch_txs,
        partitions: o.partitions,
        unsigned: o.unsigned,
        workloads: reports,
    })
}

async fn measure_one(w: &Workload, o: &ThroughputOptions) -> Result<WorkloadReport, BenchError> {
    let isovm = isovm_exec(w, o.partitions, o.unsigned, o.keep_batches).await?;
    let mut variants = vec![isovm.clone()];
    let serve = match &o.amqp_url {
        None => Some(
            "the serve path was not run: no broker given (--amqp-url or ISOVM_AMQP_URL)"
                .to_string(),
        ),
        Some(url) => match isovm_serve(w, url, o.partitions, o.unsigned).await {
            Ok(v) => {
                if v.failed != isovm.failed {
                    return Err(fail(format!(
                        "{}: isovm serve saw {} failed calls, isovm exec {}",
                        w.name, v.failed, isovm.failed
                    )));
                }
                variants.push(v);
                None
            }
            Err(why) => Some(format!("the serve path was not run: {why}")),
        },
    };
    let node = match node_baselines(w) {
        Ok(baselines) => {
            for mut b in baselines {
                // Node runs one copy of the workload; isovm one per partition.
                if b.failed * o.partitions as usize != isovm.failed {
                    return Err(fail(format!(
                        "{}: {} saw {} failed calls in one copy, isovm {} in {}: the runs did \
                         not do the same work",
                        w.name, b.name, b.failed, isovm.failed, o.partitions
                    )));
                }
                b.isovm_ratio = isovm.tx_per_s / b.tx_per_s;
                variants.push(b);
            }
            None
        }
        Err(why) => Some(why),
    };
    Ok(WorkloadReport {
        name: w.name.into(),
        variants,
        serve,
        node,
    })
}

pub fn write_table(r: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{} accounts, {} batches of {} calls (a synced commit per batch for isovm and Node vm)",
        r.accounts, r.batches, r.batch_txs
    )?;
    if r.unsigned {
        writeln!(
            out,
            "isovm: unsigned transactions in the development mode, no signature check (what the \
             engine does without it, not what a node does)"
        )?;
    }
    if r.partitions > 1 {
        writeln!(
            out,
            "isovm: {} partitions, each its own copy of the workload, at once; Node.js: one copy",
            r.partitions
        )?;
    }
    for w in &r.workloads {
        writeln!(
            out,
            "\n{:<30} {:>11} {:>9} {:>10} {:>10} {:>8} {:>11} {:>15}",
            w.name, "tx/s", "µs/tx", "p50 ms", "p99 ms", "failed", "isovm ×", "RSS MiB"
        )?;
        for v in &w.variants {
            writeln!(
                out,
                "{:<30} {:>11.0} {:>9.1} {:>10.2} {:>10.2} {:>8} {:>11.3} {:>15}",
                v.name,
                v.tx_per_s,
                v.us_per_tx,
                v.batch_p50_ms,
                v.batch_p99_ms,
                v.failed,
                v.isovm_ratio,
                format!("{:.0} → {:.0}", v.rss_start_mib, v.rss_end_mib)
            )?;
        }
        for why in [&w.serve, &w.node].into_iter().flatten() {
            writeln!(out, "{why}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workloads_are_fixed_by_their_seed() {
        let o = ThroughputOptions {
            accounts: 100,
            batches: 10,
            batch_txs: 1_000,
            ..ThroughputOptions::default()
        };
        for name in WORKLOADS {
            let a = serde_json::to_string(&workload(name, &o).unwrap()).unwrap();
            let b = serde_json::to_string(&workload(name, &o).unwrap()).unwrap();
            assert_eq!(a, b, "{name}");
        }
        let token = workload("token", &o).unwrap();
        let all: Vec<_> = token.batches.iter().flatten().collect();
        assert!(all.iter().all(|(_, _, args)| args[0] != args[1]));
        let huge = all
            .iter()
            .filter(|(_, _, args)| args[2] == FAILING_AMOUNT)
            .count();
        assert!(
            (50..=150).contains(&huge),
            "{huge} of 10,000 over-balance transfers"
        );
        let refused = workload("nope", &o).err().unwrap().to_string();
        assert!(refused.contains("token, kv, cpu"), "{refused}");
    }

    #[test]
    fn each_partition_runs_its_own_copy_numbered_from_height_one() {
        let o = ThroughputOptions {
            accounts: 100,
            batches: 3,
            batch_txs: 10,
            ..ThroughputOptions::default()
        };
        let w = workload("token", &o).unwrap();
        let (setup, timed) = batches_of(&w, 2, true);
        let (one_setup, one_timed) = batches_of(&w, 1, true);
        assert_eq!(setup.len(), 2 * one_setup.len());
        assert_eq!(timed.len(), 6);
        let order: Vec<(u32, u64)> = timed.iter().map(|b| (b.partition, b.height)).collect();
        let first = one_setup.len() as u64 + 1;
        assert_eq!(
            order,
            [
                (0, first),
                (1, first),
                (0, first + 1),
                (1, first + 1),
                (0, first + 2),
                (1, first + 2)
            ]
        );
        assert_eq!(timed[1].txs[0].actions, one_timed[0].txs[0].actions);
        let hashes: std::collections::HashSet<_> = setup
            .iter()
            .chain(&timed)
            .flat_map(|b| &b.txs)
            .map(|t| &t.hash)
            .collect();
        let count: usize = setup.iter().chain(&timed).map(|b| b.txs.len()).sum();
        assert_eq!(
            hashes.len(),
            count,
            "transaction hashes are unique across partitions"
        );
    }
}
