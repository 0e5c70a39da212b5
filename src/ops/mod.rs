//! Operating isovm: the Prometheus metrics and the health endpoints (`--metrics-addr`).
//!
//! Files: `record` (every metric's name, unit and help, and the functions the bus and the
//! commands call where the facts are known), `health` (what `/readyz` asks: the bus
//! session, the database), `server` (the HTTP endpoint: `/metrics`, `/healthz`, `/readyz`),
//! `checkpoint` (its `POST /checkpoint`: the process checkpoints the database it holds).
//! `probe` (`isovm probe URL`, the client side of a health check).
//!
//! Observed only: nothing here is read by execution, so metrics cannot change a receipt.
//! Without `--metrics-addr` no recorder is installed and every call is a no-op.

mod checkpoint;
mod health;
mod probe;
mod record;
mod server;

pub use checkpoint::CheckpointReport;
pub use checkpoint::CheckpointRequest;
pub use checkpoint::PartitionHead;
pub use health::BusProbe;
pub use health::bus_session;
pub use probe::ProbeError;
pub use probe::probe;
pub use record::BatchTimes;
pub use record::batch_committed;
pub use record::batch_parked;
pub use record::batch_seen;
pub use record::dead_lettered;
pub use record::enabled;
pub use record::partitions_owned;
pub use record::reconnect;
pub use server::MetricsError;
pub use server::MetricsServer;
pub use server::Sampler;
