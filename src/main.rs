//! The `isovm` command line: parse, set up logging, call into the library.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use isovm::cmd::{self, VmOptions, Workers};

#[derive(Parser)]
#[command(
    name = "isovm",
    version,
    about = "Executes IOST-style JavaScript smart contracts for batches of transactions",
    long_about = "isovm runs batches of contract transactions in V8 isolates, commits each \
                  batch's state changes atomically to RocksDB, and reports a receipt per \
                  transaction. `exec` runs batch files locally; the output is JSON lines."
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
    /// time with and without the code cache, per-call overhead, fibonacci(32), a 10,000-step
    /// string concatenation, and token transfers through the executor.
    Bench {
        /// Repetitions of the short measurements.
        #[arg(long, default_value_t = 500)]
        iterations: usize,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Options of every command that runs contracts.
#[derive(Args)]
struct VmArgs {
    /// RocksDB directory (created if missing).
    #[arg(long, env = "ISOVM_DB", default_value = "isovm-data")]
    db: PathBuf,
    /// Where the V8 startup snapshot is cached [default: $XDG_CACHE_HOME/isovm or ~/.cache/isovm].
    #[arg(long, env = "ISOVM_CACHE_DIR")]
    cache_dir: Option<PathBuf>,
    /// Worker pool size, `MIN..MAX` or `N`: one V8 isolate per worker [default: 1..cores].
    #[arg(long, env = "ISOVM_WORKERS")]
    workers: Option<Workers>,
    /// Most wall-clock time one contract call may take, in milliseconds; a call with little
    /// gas gets less (100 ms plus 100 ms per million gas).
    #[arg(long, default_value_t = 5000)]
    call_timeout_ms: u64,
    /// Heap limit of one isolate, in MiB.
    #[arg(long, default_value_t = 128)]
    heap_mib: usize,
}

impl VmArgs {
    fn options(self) -> VmOptions {
        VmOptions {
            db: self.db,
            cache_dir: self.cache_dir.or_else(cmd::default_cache_dir),
            workers: self.workers.unwrap_or_default(),
            call_timeout: Duration::from_millis(self.call_timeout_ms),
            heap_bytes: self.heap_mib << 20,
        }
    }
}

fn init_tracing(format: LogFormat, filter: &str) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Human => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
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
    let result: anyhow::Result<()> = runtime.block_on(async {
        match cli.command {
            Command::Exec { vm, files } => {
                let mut stdout = std::io::stdout().lock();
                cmd::exec::run(&files, &vm.options(), &mut stdout).await?;
            }
            Command::Bench { iterations, json } => {
                let options = cmd::bench::BenchOptions {
                    iterations,
                    ..Default::default()
                };
                let mut stdout = std::io::stdout().lock();
                cmd::bench::run(&options, json, &mut stdout).await?;
            }
        }
        Ok(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
