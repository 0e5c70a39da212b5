//! isovm: executes IOST-style JavaScript smart contracts for batches of transactions.
//!
//! Modules, each a room with a narrow door:
//! - [`consensus`]: the consensus parameters (costs and limits), one versioned table that
//!   every layer reads.
//! - [`schema`]: wire types (batches, receipts, block results) and their encodings.
//! - [`contract`]: the compile stage: ABI checks and gas instrumentation of contract source.
//! - [`crypto`]: signature checks (ed25519, secp256k1, batch verification) and key pairs.
//! - [`engine`]: V8: isolates, the startup snapshot, host functions, limits. The only user
//!   of `v8` and of `unsafe`.
//! - [`state`]: write sets, block diffs, key layout, state root. No I/O.
//! - [`store`]: durable storage behind a trait; the only user of `rocksdb`.
//! - [`exec`]: the VM manager: runs a batch on the worker pool, commits it, answers queries.
//! - [`bus`]: RabbitMQ: `isovm serve`'s consumer, publishing of results and events, the RPC
//!   entry, and the producer/validator ends. The only user of `lapin`.
//! - [`verify`]: the validator's comparison of a block result computed here with the one
//!   published (`isovm verify`). No I/O.
//! - [`ops`]: operating isovm: the Prometheus metrics and the health endpoints
//!   (`--metrics-addr`). Observed only: execution never reads them.
//! - [`cmd`]: the CLI commands as library functions.

pub mod bus;
pub mod cmd;
pub mod consensus;
pub mod contract;
pub mod crypto;
pub mod engine;
pub mod exec;
pub mod ops;
pub mod schema;
pub mod state;
pub mod store;
pub mod verify;
