//! Shared helpers of the bus tests: the broker, unique topology names, `isovm` child
//! processes, the token batch stream, and waits that are always bounded.
#![allow(dead_code)]

pub mod broker;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use isovm::bus::{BusConfig, BusMessage, Client, Source, Subscription};
use isovm::schema::BlockResult;
use serde_json::{Value, json};
use tokio::sync::mpsc;

pub fn isovm() -> &'static str {
    env!("CARGO_BIN_EXE_isovm")
}

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The shared test broker: `ISOVM_AMQP_URL`, or a local RabbitMQ that `.ci/env.sh`
/// starts if none is running.
pub fn amqp_url() -> String {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        if let Some(url) = std::env::var("ISOVM_AMQP_URL").ok().filter(|u| !u.is_empty()) {
            return url;
        }
        let out = Command::new("bash")
            .args([
                "-c",
                "source .ci/env.sh && isovm_rabbitmq >&2 && printf %s \"$ISOVM_AMQP_URL\"",
            ])
            .current_dir(repo())
            .stderr(Stdio::inherit())
            .output()
            .expect("cannot run bash to start RabbitMQ");
        assert!(
            out.status.success() && !out.stdout.is_empty(),
            "no broker: set ISOVM_AMQP_URL or install rabbitmq-server (.ci/env.sh could not start it)"
        );
        String::from_utf8(out.stdout).unwrap()
    })
    .clone()
}

/// A name no other test (or earlier run) uses.
pub fn unique(name: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "t{}-{}-{}-{nanos}",
        std::process::id(),
        name,
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A topology of its own on a broker, with the config file `isovm serve` reads.
pub struct TestBus {
    pub config: BusConfig,
    pub config_file: PathBuf,
    pub dir: tempfile::TempDir,
}

impl TestBus {
    /// `extra` is more TOML for the `[bus]` table (e.g. `park_delay_ms = 200`).
    pub fn new(url: &str, prefix: Option<&str>, extra: &str) -> TestBus {
        let dir = tempfile::tempdir().unwrap();
        let config_file = dir.path().join("isovm.toml");
        let prefix = prefix.map_or_else(|| unique("bus"), str::to_string);
        let text = format!(
            "[bus]\namqp_url = \"{url}\"\nprefix = \"{prefix}\"\nreconnect_max_ms = 1000\n{extra}\n"
        );
        std::fs::write(&config_file, text).unwrap();
        let config = isovm::cmd::ConfigFile::load(&config_file).unwrap().bus;
        TestBus {
            config,
            config_file,
            dir,
        }
    }

    pub async fn client(&self) -> Client {
        Client::connect(&self.config)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to the test broker: {e}"))
    }

    /// A client with the whole topology declared, and an inbox of every block result.
    pub async fn results_inbox(&self) -> (Client, Inbox) {
        let client = self.client().await;
        client.declare_topology().await.unwrap();
        let inbox = Inbox::all_results(&client).await;
        (client, inbox)
    }

    /// Deletes the topology (best effort: the test's own names).
    pub async fn cleanup(&self) {
        if let Ok(client) = Client::connect(&self.config).await {
            let _ = client.delete_topology().await;
            client.close().await;
        }
    }
}

/// Where the tests cache the V8 snapshot (written atomically, so shared).
pub fn cache_dir() -> PathBuf {
    std::env::temp_dir().join("isovm-test-cache")
}

/// An `isovm serve` (or `isovm verify`) child process logging JSON to a file.
pub struct Serve {
    child: Child,
    pub log: PathBuf,
    pub started: Instant,
}

impl Serve {
    pub fn start(db: &Path, bus: &TestBus, log_name: &str, extra: &[&str]) -> Serve {
        Serve::start_command("serve", db, bus, log_name, extra)
    }

    /// `isovm verify` with its own database `db`, on `bus`'s topology.
    pub fn start_verify(db: &Path, bus: &TestBus, log_name: &str, extra: &[&str]) -> Serve {
        Serve::start_command("verify", db, bus, log_name, extra)
    }

    fn start_command(
        command: &str,
        db: &Path,
        bus: &TestBus,
        log_name: &str,
        extra: &[&str],
    ) -> Serve {
        let log = bus.dir.path().join(log_name);
        let file = std::fs::File::create(&log).unwrap();
        let child = Command::new(isovm())
            .args([command, "--log-format", "json", "--log", "info", "--db"])
            .arg(db)
            .arg("--config")
            .arg(&bus.config_file)
            .arg("--cache-dir")
            .arg(cache_dir())
            // The suites' batches are unsigned (tests/signatures.rs has the signed ones).
            .arg("--insecure-accept-unsigned-transactions")
            .args(extra)
            .env_remove("ISOVM_AMQP_URL")
            .env_remove("ISOVM_BUS_PREFIX")
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start isovm {command}: {e}"));
        Serve {
            child,
            log,
            started: Instant::now(),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no chance to finish anything.
    pub fn kill9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, then waits (bounded) for the exit.
    pub fn terminate(&mut self, timeout: Duration) -> ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -TERM failed");
        self.wait(timeout)
    }

    /// SIGTERM, and asserts a clean exit (status 0) within `timeout`.
    pub fn stop_cleanly(&mut self, timeout: Duration) {
        let status = self.terminate(timeout);
        assert!(
            status.success(),
            "serve: {status}; log:\n{}",
            self.log_text()
        );
    }

    pub fn wait(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "isovm serve did not exit within {timeout:?}; log:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The JSON log lines whose message contains `needle`.
    pub fn log_events(&self, needle: &str) -> Vec<Value> {
        self.log_text()
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| {
                v["fields"]["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(needle))
            })
            .collect()
    }

    /// Waits (bounded) until the log has a line whose message contains `needle`.
    pub async fn wait_log(&mut self, needle: &str, timeout: Duration) {
        self.wait_log_count(needle, 1, timeout).await;
    }

    /// Waits (bounded) until the log has `n` lines whose message contains `needle`.
    pub async fn wait_log_count(&mut self, needle: &str, n: usize, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.log_events(needle).len() < n {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "isovm serve exited ({status}) before logging `{needle}`; log:\n{}",
                    self.log_text()
                );
            }
            assert!(
                Instant::now() < deadline,
                "isovm serve did not log `{needle}` {n} times within {timeout:?}; log:\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs `isovm` with `args` and returns its stdout; panics with its stderr if it fails.
pub fn run_isovm(args: &[&str]) -> String {
    let out = Command::new(isovm())
        .args(args)
        .env_remove("ISOVM_AMQP_URL")
        .env_remove("ISOVM_BUS_PREFIX")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "isovm {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The token example (deploy + issue, then transfers), then heights 3..=`last` of
/// `transfers` transfers each round alice → bobby → carol → alice, plus one that fails
/// (dave has nothing). Returns the batch files in height order.
pub fn token_stream(dir: &Path, last: u64, transfers: usize) -> Vec<PathBuf> {
    token_stream_on(dir, 0, last, transfers)
}

/// [`token_stream`] on `partition`.
pub fn token_stream_on(dir: &Path, partition: u32, last: u64, transfers: usize) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for name in ["01-deploy.json", "02-transfers.json"] {
        let text = std::fs::read_to_string(repo().join("examples/token").join(name)).unwrap();
        let mut batch: Value = serde_json::from_str(&text).unwrap();
        batch["partition"] = json!(partition);
        // The bus suites run serve in the development mode: the example as unsigned
        // transactions (a signed one is bound to partition 0), without its sign-ups.
        let txs = batch["txs"].as_array_mut().unwrap();
        txs.retain(|tx| tx["actions"][0]["contract"] != "auth.iost");
        for tx in txs.iter_mut() {
            let tx = tx.as_object_mut().unwrap();
            tx.remove("signatures");
            tx.remove("publisher_signature");
        }
        let to = dir.join(format!("p{partition}-{name}"));
        std::fs::write(&to, serde_json::to_string_pretty(&batch).unwrap()).unwrap();
        files.push(to);
    }
    let people = ["alice", "bobby", "carol"];
    for height in 3..=last {
        let mut txs = Vec::new();
        for i in 0..transfers {
            let (from, to) = (people[i % 3], people[(i + 1) % 3]);
            txs.push(transfer(partition, height, i, from, to, 1));
        }
        txs.push(transfer(partition, height, transfers, "dave", "alice", 5));
        files.push(write_batch(dir, partition, height, json!(txs)));
    }
    files
}

fn transfer(partition: u32, height: u64, i: usize, from: &str, to: &str, amount: u64) -> Value {
    json!({
        "hash": bs58::encode(format!("tx-{partition}-{height}-{i}")).into_string(),
        "publisher": from,
        "gas_limit": 200000,
        "actions": [{"contract": "token", "method": "transfer", "args": [from, to, amount]}]
    })
}

/// Writes a batch of `partition` at `height` with `txs`.
pub fn write_batch(dir: &Path, partition: u32, height: u64, txs: Value) -> PathBuf {
    let batch = json!({
        "partition": partition,
        "height": height,
        "timestamp_ms": 1767225600000u64 + height * 3000,
        "producer": "producer-1",
        "txs": txs,
    });
    let path = dir.join(format!("p{partition}-{height:03}-generated.json"));
    std::fs::write(&path, serde_json::to_string_pretty(&batch).unwrap()).unwrap();
    path
}

/// State roots by height of a clean `isovm exec` of `files` (partition 0) into a fresh
/// database.
pub fn clean_roots(files: &[PathBuf]) -> BTreeMap<u64, String> {
    clean_roots_all(files)
        .into_iter()
        .map(|((_, h), root)| (h, root))
        .collect()
}

/// State roots by (partition, height) of a clean `isovm exec` of `files`.
pub fn clean_roots_all(files: &[PathBuf]) -> BTreeMap<(u32, u64), String> {
    let db = tempfile::tempdir().unwrap();
    exec_roots_all(db.path(), files)
        .into_iter()
        .map(|(key, (root, _))| (key, root))
        .collect()
}

/// `isovm exec` of `files` (partition 0) against `db`: per height, its root and whether it
/// was replayed.
pub fn exec_roots(db: &Path, files: &[PathBuf]) -> BTreeMap<u64, (String, bool)> {
    exec_roots_all(db, files)
        .into_iter()
        .map(|((_, h), v)| (h, v))
        .collect()
}

/// `isovm exec` of `files` against `db`: per (partition, height), its root and whether it
/// was replayed.
pub fn exec_roots_all(db: &Path, files: &[PathBuf]) -> BTreeMap<(u32, u64), (String, bool)> {
    let mut args = vec![
        "exec".to_string(),
        "--db".into(),
        db.display().to_string(),
        "--cache-dir".into(),
        cache_dir().display().to_string(),
        "--insecure-accept-unsigned-transactions".into(),
    ];
    args.extend(files.iter().map(|f| f.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run_isovm(&args)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v.get("state_root").is_some())
        .map(|v| {
            let key = (
                v["partition"].as_u64().unwrap() as u32,
                v["height"].as_u64().unwrap(),
            );
            let root = v["state_root"].as_str().unwrap().to_string();
            (key, (root, v["replayed"].as_bool().unwrap()))
        })
        .collect()
}

/// Every message of a subscription, acked and kept, read by a background task.
pub struct Inbox {
    rx: mpsc::UnboundedReceiver<BusMessage>,
    pub seen: Vec<BusMessage>,
}

impl Inbox {
    pub async fn open(client: &Client, subscription: Subscription) -> Inbox {
        let mut subscriber = client
            .subscribe(&subscription)
            .await
            .unwrap_or_else(|e| panic!("cannot subscribe: {e}"));
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(Ok(received)) = subscriber.next().await {
                let message = received.message.clone();
                let _ = received.ack().await;
                if tx.send(message).is_err() {
                    return;
                }
            }
        });
        Inbox {
            rx,
            seen: Vec::new(),
        }
    }

    /// Every block result, on a private queue of `client`'s.
    pub async fn all_results(client: &Client) -> Inbox {
        let subscription = Subscription {
            source: Source::Results,
            partition: None,
            contract: None,
            queue: None,
        };
        Inbox::open(client, subscription).await
    }

    /// An inbox of every dead letter on `client`'s topology.
    pub async fn dead_letters(client: &Client) -> Inbox {
        let subscription = Subscription {
            source: Source::DeadLetters,
            partition: None,
            contract: None,
            queue: None,
        };
        Inbox::open(client, subscription).await
    }

    /// Waits until `done(seen)`, at most `timeout`.
    pub async fn wait_until(
        &mut self,
        timeout: Duration,
        what: &str,
        done: impl Fn(&[BusMessage]) -> bool,
    ) {
        let deadline = tokio::time::Instant::now() + timeout;
        while !done(&self.seen) {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(message)) => self.seen.push(message),
                Ok(None) => panic!("the subscription ended while waiting for {what}"),
                Err(_) => panic!(
                    "timed out after {timeout:?} waiting for {what}; got {} messages, result heights {:?}",
                    self.seen.len(),
                    heights(&self.seen)
                ),
            }
        }
    }

    pub fn drain(&mut self) {
        while let Ok(message) = self.rx.try_recv() {
            self.seen.push(message);
        }
    }
}

/// Publishes the batch files in order, each confirmed.
pub async fn publish_files(client: &Client, files: &[PathBuf]) {
    for file in files {
        let batch = isovm::cmd::exec::read_batch(file).unwrap();
        client.publish_batch(&batch).await.unwrap();
    }
}

/// Asserts that every result among `messages` has the state root of a clean run.
pub fn assert_clean_roots(messages: &[BusMessage], clean: &BTreeMap<u64, String>) {
    for (result, _) in results(messages) {
        assert_eq!(
            result.state_root, clean[&result.height],
            "height {}",
            result.height
        );
    }
}

/// The results among `messages`, with their replayed flag.
pub fn results(messages: &[BusMessage]) -> Vec<(&BlockResult, bool)> {
    messages
        .iter()
        .filter_map(|m| match m {
            BusMessage::Result { result, replayed } => Some((result, *replayed)),
            _ => None,
        })
        .collect()
}

/// One contract event as a validator sees it: an event of a `ContractEvents` message, with
/// the message's block and contract.
#[derive(Debug, Clone, PartialEq)]
pub struct SeenEvent<'a> {
    pub partition: u32,
    pub height: u64,
    pub contract: &'a str,
    pub tx_hash: &'a str,
    pub index: u32,
    pub data: &'a str,
}

/// Every event among `messages`, message by message.
pub fn events(messages: &[BusMessage]) -> Vec<SeenEvent<'_>> {
    messages
        .iter()
        .filter_map(|m| match m {
            BusMessage::Events(e) => Some(e),
            _ => None,
        })
        .flat_map(|m| {
            m.events.iter().map(move |e| SeenEvent {
                partition: m.partition,
                height: m.height,
                contract: &m.contract,
                tx_hash: &e.tx_hash,
                index: e.index,
                data: &e.data,
            })
        })
        .collect()
}

/// The distinct heights that have a result.
pub fn heights(messages: &[BusMessage]) -> Vec<u64> {
    let mut h: Vec<u64> = results(messages).iter().map(|(r, _)| r.height).collect();
    h.sort_unstable();
    h.dedup();
    h
}

/// True when every height 1..=`last` has a result.
pub fn has_all(messages: &[BusMessage], last: u64) -> bool {
    let h = heights(messages);
    (1..=last).all(|x| h.binary_search(&x).is_ok())
}

/// The distinct (partition, height) pairs that have a result.
pub fn blocks(messages: &[BusMessage]) -> std::collections::BTreeSet<(u32, u64)> {
    results(messages)
        .iter()
        .map(|(r, _)| (r.partition, r.height))
        .collect()
}

/// Reads lines of a child's stdout until `n` lines arrived.
pub fn read_lines(child: &mut Child, n: usize) -> Vec<String> {
    let stdout = child.stdout.take().unwrap();
    BufReader::new(stdout)
        .lines()
        .take(n)
        .map(Result::unwrap)
        .collect()
}

// Ownership of partitions, as the processes' logs tell it (bus_scale, bus_chaos).

/// The partitions a process owns now, from its log (claims and give-ups, in order).
pub fn owned(serve: &Serve) -> BTreeSet<u32> {
    let mut owned = BTreeSet::new();
    for line in serve.log_text().lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let message = v["fields"]["message"].as_str().unwrap_or_default();
        let Some(p) = v["fields"]["partition"].as_u64() else {
            continue;
        };
        if message.starts_with("partition claimed") {
            owned.insert(p as u32);
        } else if message.starts_with("partition given up") {
            owned.remove(&(p as u32));
        }
    }
    owned
}

/// What a process logged about ownership, and its warnings and errors: for a failure's
/// message.
pub fn ownership_lines(serve: &Serve) -> String {
    serve
        .log_text()
        .lines()
        .filter(|l| {
            l.contains("\"WARN\"")
                || l.contains("\"ERROR\"")
                || l.contains("partition")
                || l.contains("session")
        })
        .filter(|l| !l.contains("batch committed and published"))
        .map(|l| l.chars().take(400).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The partitions of the log events of `serve` with `needle` for which `keep` holds.
pub fn partitions_in(
    serve: &Serve,
    needle: &str,
    keep: impl Fn(&serde_json::Value) -> bool,
) -> BTreeSet<u32> {
    serve
        .log_events(needle)
        .iter()
        .filter(|e| keep(e))
        .filter_map(|e| e["fields"]["partition"].as_u64())
        .map(|p| p as u32)
        .collect()
}

/// When each process owned what, from its logs: (partition, claimed at, given up at), the
/// end of an open interval being the process's last log line (for a killed one, at or
/// before its death). Timestamps are RFC 3339 UTC with microseconds: they sort as text.
pub fn ownership_intervals(log: &str) -> Vec<(u32, String, String)> {
    let mut open: BTreeMap<u32, String> = BTreeMap::new();
    let mut intervals = Vec::new();
    let mut last = String::new();
    for line in log.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let at = v["timestamp"].as_str().unwrap_or_default().to_string();
        last = at.clone();
        let message = v["fields"]["message"].as_str().unwrap_or_default();
        let Some(p) = v["fields"]["partition"].as_u64().map(|p| p as u32) else {
            continue;
        };
        if message.starts_with("partition claimed") {
            open.insert(p, at);
        } else if message.starts_with("partition given up")
            && let Some(from) = open.remove(&p)
        {
            intervals.push((p, from, at));
        }
    }
    intervals.extend(open.into_iter().map(|(p, from)| (p, from, last.clone())));
    intervals
}

/// No partition had two owners at once, over the logs of every process that ran.
pub fn assert_one_owner_at_a_time(logs: &[(&str, String)]) {
    let all: Vec<(&str, (u32, String, String))> = logs
        .iter()
        .flat_map(|(name, log)| {
            ownership_intervals(log)
                .into_iter()
                .map(move |i| (*name, i))
        })
        .collect();
    for (i, (who, (p, from, to))) in all.iter().enumerate() {
        for (other, (q, from2, to2)) in &all[i + 1..] {
            if p == q && who != other {
                assert!(
                    to < from2 || to2 < from,
                    "partition {p} had two owners: {who} from {from} to {to}, {other} from \
                     {from2} to {to2}"
                );
            }
        }
    }
}

/// The most blocks an `isovm verify` process logged as matching so far.
pub fn matched(verify: &Serve) -> u64 {
    verify
        .log_events("blocks verified")
        .iter()
        .filter_map(|line| line["fields"]["matched"].as_u64())
        .max()
        .unwrap_or(0)
}

/// The verifier's two queues on `bus` (the default name), deleted after a test.
pub async fn delete_verify_queues(client: &Client, bus: &TestBus) {
    let base = isovm::bus::VerifyOptions::default_queue(&bus.config);
    for suffix in ["batches", "results"] {
        client
            .delete_queue(&format!("{base}.{suffix}"))
            .await
            .unwrap();
    }
}
