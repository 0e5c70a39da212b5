//! What the bus is configured with: the broker URL, the topology's names, and the bounds.
//!
//! Three layers, later wins: [`BusConfig::default`] (works against a local broker), the
//! `[bus]` table of the TOML config file, then command-line flags and environment variables
//! (the last two applied by `cmd`).

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::BusError;

/// Everything `isovm serve`, `publish` and `tail` need to know about the broker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BusConfig {
    /// `amqp://user:password@host:port/vhost` (vhost `/` is `%2f`); `amqps://` for TLS,
    /// which verifies the broker's certificate and that it is valid for `host`.
    pub amqp_url: String,
    /// PEM file of the CA certificate(s) an `amqps://` broker's certificate must chain to.
    /// When set, only these are trusted; when not, the system's root certificates are.
    pub ca_file: Option<PathBuf>,
    /// PEM certificate (chain) isovm shows the broker, for brokers that verify clients
    /// (mutual TLS, e.g. RabbitMQ's `ssl_options.fail_if_no_peer_cert`). With `client_key_file`.
    pub client_cert_file: Option<PathBuf>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1) of `client_cert_file`.
    pub client_key_file: Option<PathBuf>,
    /// Prefix of every exchange and queue name, e.g. `isovm` gives `isovm.batches`.
    pub prefix: String,
    /// Names that do not follow the prefix.
    pub names: NameOverrides,
    /// Binding keys of the route exchange on the batches exchange: the batches isovm takes.
    /// The default takes every partition.
    pub batch_bindings: Vec<String>,
    /// Unacknowledged batches the broker may hand this node at once per partition it owns
    /// (`basic.qos` on the partition's channel).
    pub prefetch: u16,
    /// Unacknowledged RPC requests at once.
    pub rpc_prefetch: u16,
    /// How long to wait for the broker to confirm a publish before giving the batch back.
    pub confirm_timeout_ms: u64,
    /// How long a batch that arrived ahead of its partition's next height waits in the park
    /// queue before it is delivered again.
    pub park_delay_ms: u64,
    /// Most batches the park queue holds; beyond it parking fails and the batch is retried.
    pub max_parked: u32,
    /// Most times a batch ahead of its partition's height is parked before it is
    /// dead-lettered (`too_far_ahead`): its predecessor is not coming. With the default park
    /// delay, 600 rounds are about ten minutes. A halted partition's batches are parked
    /// without bound: they wait for an operator.
    pub max_park_rounds: u32,
    /// A batch more than this many heights ahead of its partition is dead-lettered at once
    /// (`too_far_ahead`) instead of parked: no producer runs that far ahead (2^64−1 would
    /// circle the park queue forever).
    pub max_park_ahead: u64,
    /// Deliveries of one batch after which isovm dead-letters it (`delivery_limit`) rather
    /// than take it again: something makes every process that takes it fail before its
    /// ack. Quorum queues also get it as `x-delivery-limit` (one more, so isovm's dead
    /// letter, with its reason, comes first; RabbitMQ 4 otherwise sets 20 on its own).
    pub delivery_limit: u32,
    /// Largest batch message accepted; bigger ones are dead-lettered.
    pub max_batch_bytes: usize,
    /// How often a process looks at the partitions, the processes and who owns what, and
    /// claims or gives up partitions to hold its fair share (`bus/claims.rs`).
    pub rebalance_interval_ms: u64,
    /// Retention of each partition's block log stream, in bytes (`x-max-length-bytes`);
    /// 0 keeps every block. A process that must rebuild a partition from the log needs it
    /// whole (or a database that holds what was cut).
    pub block_log_max_bytes: u64,
    /// Queue type of the durable queues (batches, park, dead letters).
    pub queue_type: QueueType,
    /// RPC requests older than this expire unanswered (the caller has given up by then).
    pub rpc_ttl_ms: u64,
    /// Longest pause between reconnection attempts. There is no limit on the attempts.
    pub reconnect_max_ms: u64,
}

/// RabbitMQ queue types isovm can declare its durable queues as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueType {
    /// Raft-replicated; the park queue then dead-letters at least once (RabbitMQ 3.10+).
    Quorum,
    /// Single-node queues; dead-lettering out of the park queue is then at most once.
    Classic,
}

impl QueueType {
    /// The value of `x-queue-type`.
    pub fn as_str(self) -> &'static str {
        match self {
            QueueType::Quorum => "quorum",
            QueueType::Classic => "classic",
        }
    }
}

/// Per-name overrides of the prefix rule; `None` keeps `<prefix>.<role>`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NameOverrides {
    pub batches_exchange: Option<String>,
    pub batches_queue: Option<String>,
    pub park_exchange: Option<String>,
    pub park_queue: Option<String>,
    pub results_exchange: Option<String>,
    pub events_exchange: Option<String>,
    pub dead_exchange: Option<String>,
    pub dead_queue: Option<String>,
    pub rpc_queue: Option<String>,
    pub route_exchange: Option<String>,
    pub unrouted_exchange: Option<String>,
    pub block_logs: Option<String>,
    pub partitions_log: Option<String>,
    pub members_queue: Option<String>,
}

/// The resolved name of every exchange and queue isovm uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// Topic exchange producers publish batches to, routing key `batch.<partition>`.
    pub batches_exchange: String,
    /// Durable queue of the batches of partitions that have no queue yet (the route
    /// exchange could not route them); the prefix of every partition's queue,
    /// `<batches_queue>.<partition>`.
    pub batches_queue: String,
    /// Topic exchange bound from the batches exchange: routes `batch.<partition>` to the
    /// partition's queue, and what it cannot route to its alternate, the unrouted exchange.
    pub route_exchange: String,
    /// Fanout exchange of unroutable batches, in front of the batches queue.
    pub unrouted_exchange: String,
    /// Prefix of the block log streams, `<block_logs>.<partition>`: every committed block of
    /// the partition, its state changes included.
    pub block_logs: String,
    /// Stream of the partitions that have a queue: one message per partition made.
    pub partitions_log: String,
    /// Queue every `isovm serve` consumes (and nothing is published to): its consumer
    /// count is the number of processes sharing the partitions.
    pub members_queue: String,
    /// Fanout exchange in front of the park queue.
    pub park_exchange: String,
    /// Delay queue for batches ahead of their height: TTL, then back to the route exchange.
    pub park_queue: String,
    /// Topic exchange of block results, routing key `result.<partition>`.
    pub results_exchange: String,
    /// Topic exchange of contract events, routing key `event.<partition>.<contract>`.
    pub events_exchange: String,
    /// Topic exchange of messages isovm cannot use, routing key `<reason>`.
    pub dead_exchange: String,
    /// Durable queue of dead letters, bound to everything on the dead exchange.
    pub dead_queue: String,
    /// Queue of RPC requests (published through the default exchange).
    pub rpc_queue: String,
}

impl Default for BusConfig {
    fn default() -> Self {
        BusConfig {
            amqp_url: "amqp://guest:guest@127.0.0.1:5672/%2f".into(),
            ca_file: None,
            client_cert_file: None,
            client_key_file: None,
            prefix: "isovm".into(),
            names: NameOverrides::default(),
            batch_bindings: vec!["batch.#".into()],
            prefetch: 32,
            rpc_prefetch: 16,
            confirm_timeout_ms: 10_000,
            park_delay_ms: 1_000,
            max_parked: 10_000,
            max_park_rounds: 600,
            max_park_ahead: 100_000,
            delivery_limit: 100,
            max_batch_bytes: crate::cmd::exec::MAX_BATCH_BYTES,
            rebalance_interval_ms: 1_000,
            block_log_max_bytes: 0,
            queue_type: QueueType::Quorum,
            rpc_ttl_ms: 60_000,
            reconnect_max_ms: 5_000,
        }
    }
}

impl BusConfig {
    /// Refuses settings the bus cannot work with.
    pub fn check(&self) -> Result<(), BusError> {
        let fail = |m: String| Err(BusError::Config(m));
        if !(self.amqp_url.starts_with("amqp://") || self.amqp_url.starts_with("amqps://")) {
            return fail(format!(
                "amqp_url must start with amqp:// or amqps://, got {}",
                redact_url(&self.amqp_url)
            ));
        }
        let tls_files = self.ca_file.is_some() || self.client_cert_file.is_some();
        if tls_files && !self.amqp_url.starts_with("amqps://") {
            return fail(format!(
                "ca_file and client_cert_file are for amqps:// brokers, but amqp_url is {}",
                redact_url(&self.amqp_url)
            ));
        }
        if self.client_cert_file.is_some() != self.client_key_file.is_some() {
            return fail("client_cert_file and client_key_file must be set together".into());
        }
        if self.prefetch == 0 || self.rpc_prefetch == 0 {
            return fail("prefetch and rpc_prefetch must be at least 1 (0 means unbounded)".into());
        }
        if self.batch_bindings.is_empty() {
            return fail("batch_bindings must name at least one binding key".into());
        }
        if self.confirm_timeout_ms == 0
            || self.park_delay_ms == 0
            || self.max_parked == 0
            || self.rebalance_interval_ms == 0
            || self.max_park_rounds == 0
            || self.max_park_ahead == 0
            || self.delivery_limit == 0
        {
            return fail(
                "confirm_timeout_ms, park_delay_ms, max_parked, rebalance_interval_ms, \
                 max_park_rounds, max_park_ahead and delivery_limit must be positive"
                    .into(),
            );
        }
        let names = self.names();
        for name in [
            &names.batches_exchange,
            &names.batches_queue,
            &names.park_exchange,
            &names.park_queue,
            &names.results_exchange,
            &names.events_exchange,
            &names.dead_exchange,
            &names.dead_queue,
            &names.rpc_queue,
            &names.route_exchange,
            &names.unrouted_exchange,
            &names.block_logs,
            &names.partitions_log,
            &names.members_queue,
        ] {
            if name.is_empty() || name.len() > 200 || name.starts_with("amq.") {
                return fail(format!(
                    "`{name}` cannot be an exchange or queue name (1 to 200 bytes, not amq.*)"
                ));
            }
        }
        Ok(())
    }

    /// The names of the topology: the prefix rule, then the overrides.
    pub fn names(&self) -> Names {
        let n = &self.names;
        let name = |set: &Option<String>, role: &str| {
            set.clone()
                .unwrap_or_else(|| format!("{}.{role}", self.prefix))
        };
        Names {
            batches_exchange: name(&n.batches_exchange, "batches"),
            batches_queue: name(&n.batches_queue, "batches"),
            park_exchange: name(&n.park_exchange, "park"),
            park_queue: name(&n.park_queue, "park"),
            results_exchange: name(&n.results_exchange, "results"),
            events_exchange: name(&n.events_exchange, "events"),
            dead_exchange: name(&n.dead_exchange, "dead"),
            dead_queue: name(&n.dead_queue, "dead"),
            rpc_queue: name(&n.rpc_queue, "rpc"),
            route_exchange: name(&n.route_exchange, "route"),
            unrouted_exchange: name(&n.unrouted_exchange, "unrouted"),
            block_logs: name(&n.block_logs, "blocks"),
            partitions_log: name(&n.partitions_log, "partitions"),
            members_queue: name(&n.members_queue, "members"),
        }
    }

    /// [`BusConfig::confirm_timeout_ms`] as a duration.
    pub fn confirm_timeout(&self) -> Duration {
        Duration::from_millis(self.confirm_timeout_ms)
    }

    /// [`BusConfig::reconnect_max_ms`] as a duration (at least 1 ms).
    pub fn reconnect_max(&self) -> Duration {
        Duration::from_millis(self.reconnect_max_ms.max(1))
    }
}

impl Names {
    /// The queue of `partition`'s batches, consumed by the one process that owns it.
    pub fn partition_queue(&self, partition: u32) -> String {
        format!("{}.{partition}", self.batches_queue)
    }

    /// Consumed by a process that holds less than its share of the partitions: the others
    /// see its consumer and give one up.
    pub fn hungry_queue(&self) -> String {
        format!("{}.hungry", self.members_queue)
    }

    /// The lock of `partition`: an exclusive queue, held by the one process that owns it.
    pub fn owner_lock(&self, partition: u32) -> String {
        format!("{}.owner.{partition}", self.members_queue)
    }

    /// The block log of `partition`: a stream of its committed blocks.
    pub fn block_log(&self, partition: u32) -> String {
        format!("{}.{partition}", self.block_logs)
    }
}

/// The routing key of a batch of `partition`.
pub fn batch_key(partition: u32) -> String {
    format!("batch.{partition}")
}

/// The routing key of a block result of `partition`.
pub fn result_key(partition: u32) -> String {
    format!("result.{partition}")
}

/// The routing key of the divergences `isovm verify` publishes on the results exchange
/// (one key for every partition: the message and its headers name the block). Not
/// `result.*`, so a subscriber to results never mistakes one for a block result.
pub const DIVERGENCE_KEY: &str = "divergence";

/// The routing key of an event of `contract` on `partition`.
pub fn event_key(partition: u32, contract: &str) -> String {
    format!("event.{partition}.{contract}")
}

/// `url` with its password replaced by `***`, for logs and errors.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => match rest[..at].split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***{}", &rest[at..]),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_prefix_unless_overridden() {
        let mut config = BusConfig {
            prefix: "t1".into(),
            ..BusConfig::default()
        };
        config.names.dead_queue = Some("graveyard".into());
        let names = config.names();
        assert_eq!(names.batches_exchange, "t1.batches");
        assert_eq!(names.park_queue, "t1.park");
        assert_eq!(names.rpc_queue, "t1.rpc");
        assert_eq!(names.dead_queue, "graveyard");
        assert!(config.check().is_ok());
    }

    #[test]
    fn toml_sets_some_keys_and_keeps_the_rest() {
        let config: BusConfig =
            toml::from_str("prefix = \"p\"\nprefetch = 4\n[names]\nrpc_queue = \"calls\"\n")
                .unwrap();
        assert_eq!(config.prefix, "p");
        assert_eq!(config.prefetch, 4);
        assert_eq!(config.names().rpc_queue, "calls");
        assert_eq!(config.park_delay_ms, BusConfig::default().park_delay_ms);
        let err = toml::from_str::<BusConfig>("prefecth = 4\n").unwrap_err();
        assert!(err.to_string().contains("prefecth"), "{err}");
    }

    #[test]
    fn bad_settings_are_refused() {
        let cases = [
            BusConfig {
                amqp_url: "http://x".into(),
                ..BusConfig::default()
            },
            BusConfig {
                prefetch: 0,
                ..BusConfig::default()
            },
            BusConfig {
                prefix: "amq".into(),
                ..BusConfig::default()
            },
            BusConfig {
                batch_bindings: vec![],
                ..BusConfig::default()
            },
            BusConfig {
                ca_file: Some("ca.pem".into()),
                ..BusConfig::default()
            },
            BusConfig {
                amqp_url: "amqps://h/%2f".into(),
                client_cert_file: Some("client.pem".into()),
                ..BusConfig::default()
            },
        ];
        for config in cases {
            assert!(config.check().is_err(), "{config:?}");
        }
    }

    #[test]
    fn passwords_do_not_reach_logs() {
        assert_eq!(
            redact_url("amqp://guest:secret@host:5672/%2f"),
            "amqp://guest:***@host:5672/%2f"
        );
        assert_eq!(redact_url("amqp://host/%2f"), "amqp://host/%2f");
        assert_eq!(redact_url("amqp://user@host"), "amqp://user@host");
    }
}
