//! The bus: isovm as a RabbitMQ consumer (`isovm serve`) and the tools on its other ends
//! (`isovm publish`, `isovm tail`, RPC calls, and `isovm verify`, the validator). The only
//! module that imports `lapin`.
//!
//! Exactly-once application, at-least-once results: a batch is executed and committed
//! (RocksDB, synced) before its result and events are published, and they are confirmed by
//! the broker before the batch is acked. A crash anywhere in between leaves the batch unacked;
//! its redelivery finds the height committed and republishes the stored result. Validators
//! therefore deduplicate results by `(partition, height)` and events by
//! `(partition, height, index)`.
//!
//! Files: `config` (names, bounds, TOML), `topology` (what is declared), `consumer` (the
//! serve loop and its sessions), `claims` (which process serves which partition: a queue
//! per partition, a lock per partition, fair shares), `blocklog` (each partition's stream of
//! committed blocks, read to its end before a process takes the partition over), `lane` (one partition's batches, parking, dead letters),
//! `publisher` (confirmed publishing), `rpc` (queries and validation), `retry` (the one
//! backoff policy and `is_retriable`), `client` (producer, validator and RPC ends),
//! `connect` (the one way to connect, and the broker's refusals in words), `tls` (what
//! `amqps://` trusts and shows), `roles` (the broker users and their least permissions),
//! `verify` (`isovm verify`: batches and published results from queues of its own, each
//! block run here and compared, divergences reported).

mod ahead;
mod blocklog;
mod claims;
mod client;
mod config;
mod connect;
mod consumer;
mod error;
mod lane;
mod publisher;
mod retry;
mod roles;
mod rpc;
mod tls;
mod topology;
mod verify;

pub use client::BusMessage;
pub use client::Client;
pub use client::DeadLetter;
pub use client::Received;
pub use client::Source;
pub use client::Subscriber;
pub use client::Subscription;
pub use config::BusConfig;
pub use config::NameOverrides;
pub use config::Names;
pub use config::QueueType;
pub use config::redact_url;
pub use consumer::serve;
pub use error::BusError;
pub use roles::validator_queue_prefix;
pub use verify::RESULTS_PREFETCH;
pub use verify::SEEN_KEPT;
pub use verify::VerifyOptions;
pub use verify::VerifyStats;
pub use verify::verify;

/// The default topology as a RabbitMQ definitions document (what `deploy/definitions.json`
/// holds), for a broker preloaded with isovm's exchanges and queues.
pub fn definitions(config: &BusConfig, vhost: &str) -> serde_json::Value {
    topology::Plan::new(config).definitions(vhost)
}

/// [`definitions`] plus one broker user per role (`isovm`, `producer`, `validator`) with
/// least permissions for `config`'s names (what `deploy/rabbitmq/definitions.json` holds, but
/// without passwords: set them with `rabbitmqctl change_password`).
pub fn definitions_with_roles(config: &BusConfig, vhost: &str) -> serde_json::Value {
    let mut doc = definitions(config, vhost);
    let roles = roles::definitions(&roles::roles(config), vhost);
    if let (Some(doc), serde_json::Value::Object(roles)) = (doc.as_object_mut(), roles) {
        doc.extend(roles);
    }
    doc
}
