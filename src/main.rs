//! The `isovm` command line: parse, set up logging, call into the library.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use isovm::bus::{BusConfig, Source, Subscription};
use isovm::cmd::{self, BusOverrides, VmOptions, Workers};
use isovm::engine::Limits;
use isovm::schema::RpcReply;
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(
    name = "isovm",
    about = "Executes IOST-style JavaScript smart contracts for batches of transactions",
    long_about = "isovm runs batches of contract transactions in V8 isolates, commits each \
                  batch's state changes atomically to RocksDB, and reports a receipt per \
                  transaction. `exec` runs batch files locally; `serve` consumes batches from \
                  RabbitMQ and publishes results and events; `publish`, `tail` and `rpc` are \
                  the producer's, the validator's and a client's ends of the bus. Output is \
                  JSON lines."
)]
struct Cli {
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Human)]
    log_format: LogFormat,
    /// Log filter (tracing's EnvFilter syntax), e.g. `info` or `isovm=debug`.
    #[arg(
        long,
        global = true,
        env = "ISOVM_LOG",
        default_value = "warn,isovm=info"
    )]
    log: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Human,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Execute batch files (JSON or MessagePack) against a local database and print one JSON
    /// line per receipt, then one per block. No broker needed.
    Exec {
        #[command(flatten)]
        vm: VmArgs,
        /// Batch files, run in the order given.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Measure the engine: context creation with and without the startup snapshot, compile
    /// time with and without the code cache, per-call overhead, fibonacci(32), a 2,000-step
    /// string concatenation, and token transfers through the executor.
    Bench {
        /// Repetitions of the short measurements.
        #[arg(long, default_value_t = 500)]
        iterations: usize,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Measure instead the time 1,000 gas takes in each family of metered work (code,
        /// host calls, each kind of built-in), and the spread between them.
        #[arg(long)]
        families: bool,
        /// Measure instead token transfers end to end on the `exec` path, beside Node.js
        /// baselines run on the same workload (a fresh `vm` context per transaction, one
        /// reused context, the contract in a plain loop); needs `node` on PATH for those.
        #[arg(long, conflicts_with = "families")]
        throughput: bool,
        /// Measure instead signature verification: ed25519 one by one and in batches,
        /// secp256k1, on one thread and on every core, and the check of a batch of signed
        /// transfers per transaction against 100,000 tx/s.
        #[arg(long, conflicts_with_all = ["families", "throughput"])]
        signatures: bool,
        /// Holders of the throughput workload.
        #[arg(long, default_value_t = 10_000, requires = "throughput")]
        accounts: usize,
        /// Batches of the throughput workload.
        #[arg(long, default_value_t = 20, requires = "throughput")]
        batches: usize,
        /// Transfers per batch of the throughput workload.
        #[arg(long, default_value_t = 1_000, requires = "throughput")]
        batch_size: usize,
        /// Partitions of the throughput run: each runs its own copy of the workload on its
        /// own state, all at once (the Node.js baselines run one copy, single-threaded).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64), requires = "throughput")]
        partitions: u32,
        /// Workloads of the throughput run, comma-separated: token, kv, cpu.
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "token,kv,cpu",
            requires = "throughput"
        )]
        workloads: Vec<String>,
        /// Whether the throughput run's exec path keeps each batch for `isovm replay` (as a
        /// node does by default): `false` measures what keeping them costs.
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_parser = clap::builder::BoolishValueParser::new(), value_name = "BOOL", requires = "throughput")]
        keep_batches: bool,
        /// Broker for the throughput run's serve path (skipped without one); read only with
        /// `--throughput`.
        #[arg(long, env = "ISOVM_AMQP_URL")]
        amqp_url: Option<String>,
        /// Run the throughput workloads unsigned, in the development mode
        /// (--insecure-accept-unsigned-transactions): what the engine does without the
        /// signature check, not what a node does.
        #[arg(long, requires = "throughput")]
        unsigned: bool,
    },
    /// Consume batches from RabbitMQ, execute and commit each, publish its result and events,
    /// then ack; answer RPC queries. Runs until SIGTERM or ctrl-c (finishing the batch in hand).
    Serve {
        #[command(flatten)]
        vm: VmArgs,
        #[command(flatten)]
        bus: BusArgs,
        #[command(flatten)]
        metrics: MetricsArgs,
    },
    /// The validator: take every batch and every published block result from queues of its
    /// own, run each batch on a database of its own, and compare the two results of each
    /// block (state root, receipt count, every field of every receipt). A difference is an
    /// error log line and a message on the results exchange with routing key `divergence`;
    /// matching blocks are counted. Runs until SIGTERM or ctrl-c.
    Verify {
        #[command(flatten)]
        vm: VmArgs,
        #[command(flatten)]
        bus: BusArgs,
        #[command(flatten)]
        metrics: MetricsArgs,
        #[command(flatten)]
        verify: VerifyArgs,
    },
    /// Print every effective setting of `serve` (and those only `verify` reads, as
    /// `verify.…`) with its source: `default`, `file:PATH:LINE`, `env:NAME` or
    /// `flag:--name`. Takes serve's and verify's flags and checks them as they do; passwords
    /// in URLs are redacted.
    Config {
        #[command(flatten)]
        vm: VmArgs,
        #[command(flatten)]
        bus: BusArgs,
        #[command(flatten)]
        metrics: MetricsArgs,
        #[command(flatten)]
        verify: VerifyArgs,
        /// Print JSON instead: setting → {"value", "source"}.
        #[arg(long)]
        json: bool,
    },
    /// Publish batch files (JSON or MessagePack) to the batches exchange, in order, each
    /// confirmed by the broker; print one JSON line per batch.
    Publish {
        #[command(flatten)]
        bus: BusArgs,
        /// Declare the whole topology first (normally `isovm serve` does).
        #[arg(long)]
        declare: bool,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print block results (one line per receipt, then one per block) and contract events
    /// from the bus as JSON lines.
    Tail {
        #[command(flatten)]
        bus: BusArgs,
        /// What to print.
        #[arg(long, value_enum, default_value_t = TailSource::Both)]
        source: TailSource,
        /// Only this partition.
        #[arg(long)]
        partition: Option<u32>,
        /// Only events of this contract.
        #[arg(long)]
        contract: Option<String>,
        /// Consume a durable queue of this name (created if missing) that keeps messages
        /// while tail is not running, instead of a private one.
        #[arg(long)]
        queue: Option<String>,
        /// Exit after this many messages (a block result counts as one, and so do one
        /// contract's events of one block).
        #[arg(long)]
        count: Option<u64>,
    },
    /// Send one RPC request (JSON) and print the reply, e.g.
    /// `{"query":{"partition":0,"contract":"token","method":"balanceOf","args":["bob"]}}`,
    /// `{"validate":{"partition":0,"tx":{...}}}` or `{"head":{"partition":0}}`.
    /// Exits 1 if the reply is an error.
    Rpc {
        #[command(flatten)]
        bus: BusArgs,
        /// Seconds to wait for the reply.
        #[arg(long, default_value_t = 10)]
        timeout: u64,
        request: String,
    },
    /// Make one deployable package of a contract's modules: DIR's `package.json` `main` (else
    /// `index.js`), every module it requires (relative files, JSON files, CommonJS
    /// dependencies under `node_modules`), and DIR/abi.json. Writes MessagePack to `-o FILE`
    /// and prints a summary line; without `-o`, prints the package as JSON, the form a deploy
    /// action's first argument takes (`{"contract":"system","method":"deploy","args":[PACKAGE,
    /// null, ID]}`)
    Package {
        dir: PathBuf,
        /// Where to write the package (MessagePack).
        #[arg(short, long)]
        out: Option<PathBuf>,
    },
    /// Make and manage signing keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Sign the transactions of batch files with a key file, filling their hashes: as the
    /// publisher (`--publisher ACCOUNT`: the transactions ACCOUNT publishes) or as a declared
    /// signer (`--signer ACCOUNT@PERMISSION`: the transactions that list it in `signers`).
    /// Signers sign first; the publisher's signature covers theirs. Each file is rewritten in
    /// place in its own format (or written to `-o` with one file); one JSON line per file.
    Sign {
        /// Key file (`isovm keys new`).
        #[arg(long)]
        key: PathBuf,
        /// Sign as the publisher of the transactions this account publishes.
        #[arg(
            long,
            value_name = "ACCOUNT",
            required_unless_present = "signer",
            conflicts_with = "signer"
        )]
        publisher: Option<String>,
        /// Sign as this declared signer.
        #[arg(long, value_name = "ACCOUNT@PERMISSION")]
        signer: Option<String>,
        /// Where to write the signed batch (one file only).
        #[arg(short, long)]
        out: Option<PathBuf>,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Read a contract's storage in a database: `state get` a value or a map field, `state
    /// keys` its keys. Reads only (`isovm serve` may be running on the database).
    State {
        #[command(subcommand)]
        command: StateCommand,
    },
    /// Print the receipt of a transaction by its hash, with the partition, height and index
    /// of its block; every receipt of that hash if there are several (copies refused as
    /// duplicates, bad signatures under the same hash). Exits 1 if there is none.
    Receipt {
        #[command(flatten)]
        inspect: InspectArgs,
        tx_hash: String,
    },
    /// Print a committed block: height, time, state root, and a line per receipt (`--json`:
    /// every receipt in full). Exits 1 if the partition has no such height.
    Block {
        #[command(flatten)]
        inspect: InspectArgs,
        partition: u32,
        height: u64,
    },
    /// Inspect deployed contracts.
    Contract {
        #[command(subcommand)]
        command: ContractCommand,
    },
    /// Re-execute the committed history of a database into a new one and check every block:
    /// state root, every receipt, the state changes, and at the end each partition's whole
    /// state. Stops at the first difference, naming partition, height, transaction and
    /// field, with exit status 1. Works while `serve` holds the source (opened read-only).
    /// Give the same --insecure-accept-unsigned-transactions as the node that ran it.
    Replay {
        /// The database whose history is replayed (read only).
        #[arg(long)]
        from_db: PathBuf,
        /// Where to replay into: must not exist, or be an empty directory.
        #[arg(long)]
        to_db: PathBuf,
        /// Only this partition.
        #[arg(long)]
        partition: Option<u32>,
        /// Only up to this height (the whole state is then not compared).
        #[arg(long, value_name = "HEIGHT")]
        to: Option<u64>,
        /// Print the summary as JSON (and no progress bar).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// Make a consistent copy of a database (a RocksDB checkpoint: hard links where it can)
    /// in DIR, which must not exist; print the height and state root of each partition it
    /// holds. `exec --db DIR` and `serve --db DIR` continue from it. A database a running
    /// `serve` or `verify` holds is checkpointed by that process: give its metrics endpoint.
    Checkpoint {
        /// The database (no other process may hold it).
        #[arg(long, env = "ISOVM_DB", required_unless_present = "endpoint")]
        db: Option<PathBuf>,
        /// The `--metrics-addr` of the running `serve` or `verify` that holds the database,
        /// on this machine: it makes the checkpoint (DIR is then a path on its machine).
        #[arg(long, value_name = "HOST:PORT", conflicts_with = "db")]
        endpoint: Option<String>,
        dir: PathBuf,
    },
    /// Print the consensus parameters (costs and limits every receipt follows from) as JSON,
    /// with their version: nodes agree on receipts only if they run the same table.
    Params,
    /// GET an HTTP URL and exit 0 if it answers 200 (printing the body), 1 otherwise (saying
    /// why): a health check for images without an HTTP client, e.g.
    /// `isovm probe http://127.0.0.1:9464/readyz`. Plain http:// only.
    Probe {
        url: String,
        /// Seconds for the whole exchange.
        #[arg(long, default_value_t = 5)]
        timeout: u64,
    },
    /// Print the RabbitMQ definitions (exchanges, queues, bindings) isovm declares, for
    /// preloading a broker (`deploy/definitions.json` is the default).
    Topology {
        #[command(flatten)]
        bus: BusArgs,
        /// Virtual host of the definitions.
        #[arg(long, default_value = "/")]
        vhost: String,
        /// Also one broker user per role (isovm, producer, validator) with least
        /// permissions, without passwords (set them with `rabbitmqctl change_password`).
        #[arg(long)]
        roles: bool,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Make a new key pair: writes a key file (JSON: algorithm, public and secret key in
    /// IOST's base58 forms; mode 0600) and prints its public key.
    New {
        #[arg(long, value_enum, default_value_t = KeyAlgorithm::Ed25519)]
        algorithm: KeyAlgorithm,
        /// Key file to write (never over an existing one) [default: PUBLIC_KEY.json].
        #[arg(short, long)]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum StateCommand {
    /// Print a value (`storage.get(KEY)`), or with --field a map field
    /// (`storage.mapGet(KEY, FIELD)`), as the contract reads it. Exits 1 if it is not there.
    Get {
        #[command(flatten)]
        inspect: InspectArgs,
        #[command(flatten)]
        slot: SlotArgs,
        #[arg(long)]
        key: String,
        #[arg(long)]
        field: Option<String>,
    },
    /// List a contract's value keys and map keys (with their field counts); with --key, the
    /// fields of that map in insertion order (`storage.mapKeys(KEY)`).
    Keys {
        #[command(flatten)]
        inspect: InspectArgs,
        #[command(flatten)]
        slot: SlotArgs,
        #[arg(long)]
        key: Option<String>,
    },
}

#[derive(Subcommand)]
enum ContractCommand {
    /// Print a deployed contract's owner, code hash, deploy height, last update and ABI.
    Show {
        #[command(flatten)]
        inspect: InspectArgs,
        partition: u32,
        id: String,
    },
}

/// Options of the inspection commands.
#[derive(Args)]
struct InspectArgs {
    /// RocksDB directory of `isovm exec` or `serve`, opened read-only (never created, no
    /// lock taken: `serve` may be running on it).
    #[arg(long, env = "ISOVM_DB", default_value = "isovm-data")]
    db: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Whose storage `state` reads.
#[derive(Args)]
struct SlotArgs {
    #[arg(long)]
    partition: u32,
    #[arg(long)]
    contract: String,
}

#[derive(Clone, Copy, ValueEnum)]
enum KeyAlgorithm {
    Ed25519,
    Secp256k1,
}

#[derive(Clone, Copy, ValueEnum)]
enum TailSource {
    Results,
    Events,
    Both,
    Dead,
    /// What `isovm verify` reports: one line per divergence.
    Divergences,
}

/// Options of every command that talks to the broker.
#[derive(Args)]
struct BusArgs {
    /// TOML config file; its `[bus]` table sets the broker URL, names and bounds
    /// (see deploy/isovm.toml). Flags and environment variables win over it.
    #[arg(long, env = "ISOVM_CONFIG")]
    config: Option<PathBuf>,
    /// Broker URL [default: amqp://guest:guest@127.0.0.1:5672/%2f].
    #[arg(long, env = "ISOVM_AMQP_URL")]
    amqp_url: Option<String>,
    /// PEM CA certificate(s) an amqps:// broker's certificate must chain to (instead of the
    /// system's root certificates).
    #[arg(long, env = "ISOVM_AMQP_CA_FILE")]
    amqp_ca_file: Option<PathBuf>,
    /// PEM client certificate for brokers that verify clients (mutual TLS); with
    /// --amqp-client-key.
    #[arg(long, env = "ISOVM_AMQP_CLIENT_CERT", requires = "amqp_client_key")]
    amqp_client_cert: Option<PathBuf>,
    /// PEM private key of --amqp-client-cert.
    #[arg(long, env = "ISOVM_AMQP_CLIENT_KEY", requires = "amqp_client_cert")]
    amqp_client_key: Option<PathBuf>,
    /// Prefix of every exchange and queue name [default: isovm].
    #[arg(long, env = "ISOVM_BUS_PREFIX")]
    prefix: Option<String>,
    /// Batches in flight (unacked) at once [default: 32].
    #[arg(long)]
    prefetch: Option<u16>,
}

/// What only `isovm verify` reads.
#[derive(Args)]
struct VerifyArgs {
    /// Base name of its two durable queues, NAME.batches and NAME.results (kept while
    /// verify is not running, so it misses nothing; two verifiers need two names)
    /// [default: <prefix>.validator.verify].
    #[arg(long)]
    queue: Option<String>,
    /// Log a line with the counts every this many matching blocks (0: never).
    #[arg(long, default_value_t = 100)]
    log_every: u64,
}

/// The metrics and health endpoint of `serve` and `verify`.
#[derive(Args)]
struct MetricsArgs {
    /// Serve Prometheus metrics at /metrics, and /healthz and /readyz, on this address
    /// [default when given without a value: 127.0.0.1:9464]; else the config file's
    /// `[metrics] addr`; off when neither is set.
    #[arg(
        long,
        env = "ISOVM_METRICS_ADDR",
        num_args = 0..=1,
        default_missing_value = cmd::DEFAULT_METRICS_ADDR,
        value_name = "HOST:PORT"
    )]
    metrics_addr: Option<String>,
}

impl MetricsArgs {
    fn addr(self, bus: &BusArgs) -> Result<Option<std::net::SocketAddr>, cmd::BusCommandError> {
        cmd::metrics_addr(bus.config.as_deref(), self.metrics_addr)
    }
}

impl BusArgs {
    fn config(self) -> Result<BusConfig, cmd::BusCommandError> {
        BusOverrides {
            config_file: self.config,
            amqp_url: self.amqp_url,
            ca_file: self.amqp_ca_file,
            client_cert_file: self.amqp_client_cert,
            client_key_file: self.amqp_client_key,
            prefix: self.prefix,
            prefetch: self.prefetch,
        }
        .resolve()
    }
}

/// Options of every command that runs contracts.
#[derive(Args)]
struct VmArgs {
    /// RocksDB directory (created if missing).
    #[arg(long, env = "ISOVM_DB", default_value = "isovm-data")]
    db: PathBuf,
    #[command(flatten)]
    engine: EngineArgs,
}

/// How contracts run (every command that runs them; `replay` names its databases itself).
#[derive(Args)]
struct EngineArgs {
    /// Where the V8 startup snapshot is cached [default: $XDG_CACHE_HOME/isovm or ~/.cache/isovm].
    #[arg(long, env = "ISOVM_CACHE_DIR")]
    cache_dir: Option<PathBuf>,
    /// Worker pool size, `MIN..MAX` or `N`: one V8 isolate per worker [default: 1..cores].
    #[arg(long, env = "ISOVM_WORKERS")]
    workers: Option<Workers>,
    /// Watchdog floor in milliseconds: the wall-clock time every call gets before the gas it
    /// may use adds more (at --watchdog-min-rate). A safety net, not a limit: when it strikes
    /// it is a node fault, never a receipt (nothing is committed; the batch is retried, and
    /// the partition halts if it repeats).
    #[arg(long, alias = "call-timeout-ms", default_value_t = Limits::DEFAULT_WATCHDOG_FLOOR.as_millis() as u64)]
    watchdog_ms: u64,
    /// Gas per second the watchdog assumes, pessimistically: a call may run for the floor
    /// plus its gas at this rate (metered code runs 50 to 500 times faster).
    #[arg(long, default_value_t = Limits::DEFAULT_WATCHDOG_MIN_RATE, value_parser = clap::value_parser!(u64).range(1..))]
    watchdog_min_rate: u64,
    /// Heap limit of one isolate, in MiB: a safety net, sized above the transaction memory
    /// budget (when it strikes it is a node fault). At least 8 times the budget.
    #[arg(long, default_value_t = Limits::DEFAULT_HEAP_BYTES >> 20)]
    heap_mib: usize,
    /// Times a batch abandoned by a node fault runs again, each time on a fresh isolate,
    /// before its partition is halted.
    #[arg(long, default_value_t = 1)]
    fault_retries: u32,
    /// Run every call twice, in the worker's reused context and in a fresh one, and treat any
    /// difference (outcome, gas, memory count, storage calls) as a node fault: a check that
    /// nothing one transaction does is seen by a later one. As slow as a fresh context
    /// per call (about 350 µs each): for testing and audits, not for production.
    #[arg(long, env = "ISOVM_VERIFY_ISOLATION", value_parser = clap::builder::BoolishValueParser::new())]
    verify_isolation: bool,
    /// DEVELOPMENT ONLY, INSECURE: run transactions that carry no signature at all, as if
    /// their publisher had signed them (anyone who can publish a batch can then act for any
    /// account). Signed transactions are verified either way. Off by default; receipts
    /// differ from a node without it, so never on a chain anyone relies on.
    #[arg(long, env = "ISOVM_INSECURE_ACCEPT_UNSIGNED_TRANSACTIONS", value_parser = clap::builder::BoolishValueParser::new())]
    insecure_accept_unsigned_transactions: bool,
    /// Keep each committed batch beside its block (bookkeeping, not consensus), so that
    /// `isovm replay` can re-execute history. `false` saves writing each batch a second time
    /// (about 340 KB per 1,000 signed transfers); replay then stops at those heights, saying
    /// no batch was kept.
    #[arg(long, env = "ISOVM_KEEP_BATCHES", default_value_t = true, action = clap::ArgAction::Set, value_parser = clap::builder::BoolishValueParser::new(), value_name = "BOOL")]
    keep_batches: bool,
    /// Memory for the read cache of committed state in front of the database (MiB; 0 turns
    /// it off): the keys a workload keeps touching (balances, accounts) are read from
    /// memory. It changes where a read is answered from, never what it reads.
    #[arg(long, env = "ISOVM_STATE_CACHE_MIB", default_value_t = isovm::exec::ExecOptions::default().state_cache_bytes >> 20, value_name = "MIB")]
    state_cache_mib: usize,
}

impl VmArgs {
    fn options(self) -> VmOptions {
        self.engine.options(self.db)
    }
}

impl EngineArgs {
    fn options(self, db: PathBuf) -> VmOptions {
        VmOptions {
            db,
            cache_dir: self.cache_dir.or_else(cmd::default_cache_dir),
            workers: self.workers.unwrap_or_default(),
            watchdog_floor: Duration::from_millis(self.watchdog_ms),
            watchdog_min_rate: self.watchdog_min_rate,
            heap_bytes: self.heap_mib.saturating_mul(1 << 20),
            fault_retries: self.fault_retries,
            verify_isolation: self.verify_isolation,
            insecure_accept_unsigned_transactions: self.insecure_accept_unsigned_transactions,
            keep_batches: self.keep_batches,
            state_cache_bytes: self.state_cache_mib.saturating_mul(1 << 20),
        }
    }
}

/// What `isovm --version` prints after the name: the crate's version and the consensus
/// parameters' (receipts follow from the latter).
fn version() -> &'static str {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| {
        format!(
            "{} (consensus parameters v{})",
            env!("CARGO_PKG_VERSION"),
            isovm::consensus::VERSION
        )
    })
}

fn init_tracing(format: LogFormat, filter: &str) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        // Colours for a terminal only: a log file or collector gets plain text.
        LogFormat::Human => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
        // Every event with the spans it happened in (a batch's, a transaction's:
        // `exec/spans.rs`): the innermost as `span`, all of them as `spans`.
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .init(),
    }
    Ok(())
}

/// A token cancelled by SIGTERM or ctrl-c; a second signal exits at once.
/// Prints a bench report to stdout: pretty JSON with `--json`, else its table.
fn print_report<R: serde::Serialize>(
    report: &R,
    json: bool,
    table: fn(&R, &mut dyn std::io::Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut stdout, report)?;
        std::io::Write::write_all(&mut stdout, b"\n")?;
    } else {
        table(report, &mut stdout)?;
    }
    Ok(())
}

fn shutdown_on_signal() -> anyhow::Result<CancellationToken> {
    use tokio::signal::unix::{SignalKind, signal};
    let token = CancellationToken::new();
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let cancel = token.clone();
    tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        tracing::info!("signal received: stopping (again to exit at once)");
        cancel.cancel();
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        std::process::exit(130);
    });
    Ok(token)
}

fn main() -> ExitCode {
    let matches = Cli::command().version(version()).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    if let Err(e) = init_tracing(cli.log_format, &cli.log) {
        eprintln!("error: bad --log filter: {e}");
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result: anyhow::Result<ExitCode> = runtime.block_on(async {
        match cli.command {
            Command::Exec { vm, files } => {
                let mut stdout = std::io::stdout().lock();
                cmd::exec::run(&files, &vm.options(), &mut stdout).await?;
            }
            Command::Bench {
                json,
                families: true,
                ..
            } => {
                let report = cmd::families::measure(3)?;
                print_report(&report, json, cmd::families::write_table)?;
            }
            Command::Bench {
                json,
                signatures: true,
                ..
            } => {
                let report = cmd::signatures::measure(20_000, 3)?;
                print_report(&report, json, cmd::signatures::write_table)?;
            }
            Command::Bench {
                json,
                throughput: true,
                accounts,
                batches,
                batch_size,
                partitions,
                workloads,
                amqp_url,
                unsigned,
                keep_batches,
                ..
            } => {
                let options = cmd::throughput::ThroughputOptions {
                    keep_batches,
                    accounts,
                    batches,
                    batch_txs: batch_size,
                    partitions,
                    workloads,
                    amqp_url,
                    unsigned,
                    ..Default::default()
                };
                let report = cmd::throughput::measure(&options).await?;
                print_report(&report, json, cmd::throughput::write_table)?;
            }
            Command::Bench {
                iterations, json, ..
            } => {
                let options = cmd::bench::BenchOptions {
                    iterations,
                    ..Default::default()
                };
                let mut stdout = std::io::stdout().lock();
                cmd::bench::run(&options, json, &mut stdout).await?;
            }
            Command::Serve { vm, bus, metrics } => {
                let metrics = metrics.addr(&bus)?;
                let config = bus.config()?;
                let shutdown = shutdown_on_signal()?;
                cmd::serve::run(&vm.options(), config, metrics, shutdown).await?;
            }
            Command::Verify {
                vm,
                bus,
                metrics,
                verify: VerifyArgs { queue, log_every },
            } => {
                let metrics = metrics.addr(&bus)?;
                let config = bus.config()?;
                let options = isovm::bus::VerifyOptions {
                    queue: queue
                        .unwrap_or_else(|| isovm::bus::VerifyOptions::default_queue(&config)),
                    log_every,
                };
                let shutdown = shutdown_on_signal()?;
                cmd::verify::run(&vm.options(), config, options, metrics, shutdown).await?;
            }
            Command::Config {
                vm,
                bus,
                metrics,
                verify,
                json,
            } => {
                let file = bus.config.clone();
                let metrics_addr = metrics.addr(&bus)?;
                let config = bus.config()?;
                let vm = vm.options();
                let queue = verify
                    .queue
                    .unwrap_or_else(|| isovm::bus::VerifyOptions::default_queue(&config));
                let mut unset = std::collections::BTreeMap::new();
                if let Some(dir) = &vm.cache_dir {
                    unset.insert("cache_dir", dir.display().to_string());
                }
                unset.insert("workers", format!("{}..{}", vm.workers.min, vm.workers.max));
                unset.insert("queue", queue);
                let effective = cmd::config::Effective {
                    file: file.as_deref(),
                    bus: &config,
                    metrics_addr,
                    unset,
                };
                let settings =
                    cmd::config::settings(&Cli::command(), &matches, "config", &effective)?;
                let mut stdout = std::io::stdout().lock();
                if json {
                    serde_json::to_writer_pretty(&mut stdout, &cmd::config::to_json(&settings))?;
                    std::io::Write::write_all(&mut stdout, b"\n")?;
                } else {
                    cmd::config::write_table(&settings, &mut stdout)?;
                }
            }
            Command::Publish {
                bus,
                declare,
                files,
            } => {
                let mut stdout = std::io::stdout();
                cmd::publish::run(&files, &bus.config()?, declare, &mut stdout).await?;
            }
            Command::Tail {
                bus,
                source,
                partition,
                contract,
                queue,
                count,
            } => {
                let subscription = Subscription {
                    source: match source {
                        TailSource::Results => Source::Results,
                        TailSource::Events => Source::Events,
                        TailSource::Both => Source::Both,
                        TailSource::Dead => Source::DeadLetters,
                        TailSource::Divergences => Source::Divergences,
                    },
                    partition,
                    contract,
                    queue,
                };
                let shutdown = shutdown_on_signal()?;
                let mut stdout = std::io::stdout();
                cmd::tail::run(&bus.config()?, &subscription, count, &mut stdout, shutdown).await?;
            }
            Command::Rpc {
                bus,
                timeout,
                request,
            } => {
                let mut stdout = std::io::stdout();
                let timeout = Duration::from_secs(timeout);
                let reply = cmd::rpc::run(&request, &bus.config()?, timeout, &mut stdout).await?;
                if matches!(reply, RpcReply::Error(_)) {
                    return Ok(ExitCode::FAILURE);
                }
            }
            Command::Package { dir, out } => {
                let package = cmd::package::build(&dir)?;
                match out {
                    None => println!("{}", serde_json::to_string(&package)?),
                    Some(out) => {
                        std::fs::write(&out, isovm::schema::to_msgpack(&package))
                            .map_err(|e| anyhow::anyhow!("{}: {e}", out.display()))?;
                        let summary = serde_json::json!({
                            "package": out, "main": package.main,
                            "modules": package.modules.len(), "hash": package.hash,
                        });
                        println!("{summary}");
                    }
                }
            }
            Command::Keys {
                command: KeysCommand::New { algorithm, out },
            } => {
                let algorithm = match algorithm {
                    KeyAlgorithm::Ed25519 => isovm::schema::Algorithm::Ed25519,
                    KeyAlgorithm::Secp256k1 => isovm::schema::Algorithm::Secp256k1,
                };
                cmd::sign::new_key(algorithm, out.as_deref(), &mut std::io::stdout())?;
            }
            Command::Sign {
                key,
                publisher,
                signer,
                out,
                files,
            } => {
                let role = match (publisher, signer) {
                    (Some(account), _) => cmd::sign::Role::Publisher(account),
                    (None, Some(signer)) => cmd::sign::Role::Signer(signer),
                    (None, None) => unreachable!("clap requires one"),
                };
                let mut stdout = std::io::stdout();
                cmd::sign::run(&key, &role, &files, out.as_deref(), &mut stdout)?;
            }
            Command::State { command } => {
                let (inspect, args, get) = match command {
                    StateCommand::Get {
                        inspect,
                        slot,
                        key,
                        field,
                    } => (inspect, (slot, Some(key), field), true),
                    StateCommand::Keys { inspect, slot, key } => {
                        (inspect, (slot, key, None), false)
                    }
                };
                let (slot, key, field) = args;
                let args = cmd::inspect::StateArgs {
                    partition: slot.partition,
                    contract: slot.contract,
                    key,
                    field,
                };
                let reader = cmd::inspect::open(&inspect.db)?;
                let inspector = isovm::exec::Inspector::new(&reader);
                let mut stdout = std::io::stdout().lock();
                if get {
                    cmd::inspect::state_get(&inspector, &args, inspect.json, &mut stdout)?;
                } else {
                    cmd::inspect::state_keys(&inspector, &args, inspect.json, &mut stdout)?;
                }
            }
            Command::Receipt { inspect, tx_hash } => {
                let reader = cmd::inspect::open(&inspect.db)?;
                let inspector = isovm::exec::Inspector::new(&reader);
                let mut stdout = std::io::stdout().lock();
                cmd::inspect::receipt(&inspector, &tx_hash, inspect.json, &mut stdout)?;
            }
            Command::Block {
                inspect,
                partition,
                height,
            } => {
                let reader = cmd::inspect::open(&inspect.db)?;
                let inspector = isovm::exec::Inspector::new(&reader);
                let mut stdout = std::io::stdout().lock();
                cmd::inspect::block(&inspector, partition, height, inspect.json, &mut stdout)?;
            }
            Command::Contract {
                command:
                    ContractCommand::Show {
                        inspect,
                        partition,
                        id,
                    },
            } => {
                let reader = cmd::inspect::open(&inspect.db)?;
                let inspector = isovm::exec::Inspector::new(&reader);
                let mut stdout = std::io::stdout().lock();
                cmd::inspect::contract_show(&inspector, partition, &id, inspect.json, &mut stdout)?;
            }
            Command::Replay {
                from_db,
                to_db,
                partition,
                to,
                json,
                engine,
            } => {
                let options = cmd::replay::ReplayOptions {
                    from_db,
                    partition,
                    to,
                    progress: !json,
                };
                let report = cmd::replay::run(&engine.options(to_db), &options).await?;
                let mut stdout = std::io::stdout().lock();
                if json {
                    serde_json::to_writer_pretty(&mut stdout, &report)?;
                    std::io::Write::write_all(&mut stdout, b"\n")?;
                } else {
                    cmd::replay::write_summary(&report, &mut stdout)?;
                }
                if let Some(stopped) = &report.stopped {
                    eprintln!("error: replay stopped: {stopped}");
                    return Ok(ExitCode::FAILURE);
                }
            }
            Command::Checkpoint { db, endpoint, dir } => {
                let report = match (endpoint, db) {
                    (Some(endpoint), _) => cmd::checkpoint::remote(&endpoint, &dir).await?,
                    (None, Some(db)) => cmd::checkpoint::local(&db, &dir)?,
                    (None, None) => unreachable!("clap requires one"),
                };
                cmd::checkpoint::print(&report, &mut std::io::stdout())?;
            }
            Command::Probe { url, timeout } => {
                let body = isovm::ops::probe(&url, Duration::from_secs(timeout)).await?;
                println!("{body}");
            }
            Command::Params => println!("{}", isovm::consensus::to_json()),
            Command::Topology { bus, vhost, roles } => {
                let config = bus.config()?;
                let definitions = if roles {
                    isovm::bus::definitions_with_roles(&config, &vhost)
                } else {
                    isovm::bus::definitions(&config, &vhost)
                };
                println!("{}", serde_json::to_string_pretty(&definitions)?);
            }
        }
        Ok(ExitCode::SUCCESS)
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
