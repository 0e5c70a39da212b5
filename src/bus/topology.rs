//! The exchanges, queues and bindings isovm uses, as one plan built from the config.
//!
//! The same plan is declared on the broker at every (re)connect, idempotently, and rendered
//! as a RabbitMQ definitions file (`isovm topology`, `deploy/definitions.json`), so the
//! two cannot drift apart: a broker preloaded with the file accepts isovm's declarations.

use lapin::Channel;
use lapin::options::{
    ExchangeBindOptions, ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use serde_json::{Value, json};

use super::config::{BusConfig, QueueType};
use super::error::{BusError, amqp};

/// An argument value of a queue declaration.
#[derive(Debug, Clone, PartialEq)]
enum Arg {
    Str(String),
    Int(i64),
}

impl Arg {
    fn amqp(&self) -> AMQPValue {
        match self {
            Arg::Str(s) => AMQPValue::LongString(s.as_str().into()),
            Arg::Int(n) => AMQPValue::LongLongInt(*n),
        }
    }

    fn json(&self) -> Value {
        match self {
            Arg::Str(s) => json!(s),
            Arg::Int(n) => json!(n),
        }
    }
}

/// The arguments of a declaration as AMQP wants them.
fn table(args: &[(&'static str, Arg)]) -> FieldTable {
    let mut table = FieldTable::default();
    for (key, value) in args {
        table.insert((*key).into(), value.amqp());
    }
    table
}

/// The arguments of a queue of batches: the batches queue and each partition's. Only
/// rejections and operator policies (max-length) dead-letter batches here: isovm itself
/// dead-letters by publishing, with a reason.
fn batch_queue_args(config: &BusConfig) -> Vec<(&'static str, Arg)> {
    let names = config.names();
    let mut args = vec![
        ("x-queue-type", Arg::Str(config.queue_type.as_str().into())),
        (
            "x-dead-letter-exchange",
            Arg::Str(names.dead_exchange.clone()),
        ),
    ];
    if config.queue_type == QueueType::Quorum {
        // Explicit, and above isovm's own limit: RabbitMQ 4 sets 20 by itself and would
        // dead-letter a batch without saying why; isovm does it first, with its reason.
        args.push((
            "x-delivery-limit",
            Arg::Int(i64::from(config.delivery_limit) + 1),
        ));
    }
    args
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Topic,
    Fanout,
}

#[derive(Debug, Clone)]
struct Exchange {
    name: String,
    kind: Kind,
    args: Vec<(&'static str, Arg)>,
}

#[derive(Debug, Clone)]
struct Queue {
    name: String,
    durable: bool,
    args: Vec<(&'static str, Arg)>,
}

/// What a binding binds to its source exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Destination {
    Queue,
    Exchange,
}

#[derive(Debug, Clone)]
struct Binding {
    exchange: String,
    destination: String,
    kind: Destination,
    key: String,
}

/// Everything isovm declares, in declaration order.
#[derive(Debug, Clone)]
pub(super) struct Plan {
    exchanges: Vec<Exchange>,
    queues: Vec<Queue>,
    bindings: Vec<Binding>,
}

impl Plan {
    /// What every process declares at connect: the exchanges, the queues that are not a
    /// partition's, and their bindings.
    pub(super) fn new(config: &BusConfig) -> Plan {
        let names = config.names();
        let exchange = |name: &str, kind| Exchange {
            name: name.to_string(),
            kind,
            args: vec![],
        };
        let queue_type = ("x-queue-type", Arg::Str(config.queue_type.as_str().into()));
        let mut park_args = vec![
            queue_type.clone(),
            ("x-message-ttl", Arg::Int(config.park_delay_ms as i64)),
            // Back to the partition's queue, with its routing key `batch.<partition>`.
            (
                "x-dead-letter-exchange",
                Arg::Str(names.route_exchange.clone()),
            ),
            ("x-max-length", Arg::Int(i64::from(config.max_parked))),
            // Full: refuse (nack) new parkings rather than drop the oldest.
            ("x-overflow", Arg::Str("reject-publish".into())),
        ];
        if config.queue_type == QueueType::Quorum {
            park_args.push(("x-dead-letter-strategy", Arg::Str("at-least-once".into())));
        }

        // Producers publish to the batches exchange; the route exchange takes what isovm
        // serves, a validator's queue may take the same batches from the batches exchange.
        let mut bindings: Vec<Binding> = config
            .batch_bindings
            .iter()
            .map(|key| Binding {
                exchange: names.batches_exchange.clone(),
                destination: names.route_exchange.clone(),
                kind: Destination::Exchange,
                key: key.clone(),
            })
            .collect();
        let bind = |exchange: &str, queue: &str, key: &str| Binding {
            exchange: exchange.to_string(),
            destination: queue.to_string(),
            kind: Destination::Queue,
            key: key.to_string(),
        };
        bindings.push(bind(&names.unrouted_exchange, &names.batches_queue, ""));
        bindings.push(bind(&names.park_exchange, &names.park_queue, ""));
        bindings.push(bind(&names.dead_exchange, &names.dead_queue, "#"));

        Plan {
            exchanges: vec![
                exchange(&names.batches_exchange, Kind::Topic),
                exchange(&names.unrouted_exchange, Kind::Fanout),
                Exchange {
                    name: names.route_exchange.clone(),
                    kind: Kind::Topic,
                    args: vec![(
                        "alternate-exchange",
                        Arg::Str(names.unrouted_exchange.clone()),
                    )],
                },
                exchange(&names.park_exchange, Kind::Fanout),
                exchange(&names.results_exchange, Kind::Topic),
                exchange(&names.events_exchange, Kind::Topic),
                exchange(&names.dead_exchange, Kind::Topic),
            ],
            queues: vec![
                Queue {
                    name: names.batches_queue.clone(),
                    durable: true,
                    args: batch_queue_args(config),
                },
                Queue {
                    name: names.park_queue.clone(),
                    durable: true,
                    args: park_args,
                },
                Queue {
                    name: names.dead_queue.clone(),
                    durable: true,
                    args: vec![queue_type],
                },
                Queue {
                    // Requests are worth nothing after their caller gave up: not durable,
                    // and they expire.
                    name: names.rpc_queue.clone(),
                    durable: false,
                    args: vec![
                        ("x-queue-type", Arg::Str("classic".into())),
                        ("x-message-ttl", Arg::Int(config.rpc_ttl_ms as i64)),
                    ],
                },
                Queue {
                    name: names.partitions_log.clone(),
                    durable: true,
                    args: vec![("x-queue-type", Arg::Str("stream".into()))],
                },
                Queue {
                    // Only counted (its consumers are the processes): nothing to keep.
                    name: names.members_queue.clone(),
                    durable: false,
                    args: vec![("x-queue-type", Arg::Str("classic".into()))],
                },
                Queue {
                    // Counted too: the processes below their share.
                    name: names.hungry_queue(),
                    durable: false,
                    args: vec![("x-queue-type", Arg::Str("classic".into()))],
                },
            ],
            bindings,
        }
    }

    /// What a partition has on the broker: its queue, bound to the route exchange with
    /// `batch.<partition>`, and its block log stream. Declared by the first process that
    /// sees a batch of it (`claims.rs`).
    pub(super) fn partition(config: &BusConfig, partition: u32) -> Plan {
        let names = config.names();
        let queue = names.partition_queue(partition);
        let mut log_args = vec![("x-queue-type", Arg::Str("stream".into()))];
        if config.block_log_max_bytes > 0 {
            log_args.push((
                "x-max-length-bytes",
                Arg::Int(i64::try_from(config.block_log_max_bytes).unwrap_or(i64::MAX)),
            ));
        }
        Plan {
            exchanges: vec![],
            queues: vec![
                Queue {
                    name: queue.clone(),
                    durable: true,
                    args: batch_queue_args(config),
                },
                Queue {
                    name: names.block_log(partition),
                    durable: true,
                    args: log_args,
                },
            ],
            bindings: vec![Binding {
                exchange: names.route_exchange.clone(),
                destination: queue,
                kind: Destination::Queue,
                key: super::config::batch_key(partition),
            }],
        }
    }

    /// Declares every exchange, queue and binding; a no-op when they exist as planned.
    pub(super) async fn declare(&self, channel: &Channel) -> Result<(), BusError> {
        for e in &self.exchanges {
            let kind = match e.kind {
                Kind::Topic => lapin::ExchangeKind::Topic,
                Kind::Fanout => lapin::ExchangeKind::Fanout,
            };
            let options = ExchangeDeclareOptions {
                durable: true,
                ..ExchangeDeclareOptions::default()
            };
            channel
                .exchange_declare(e.name.as_str().into(), kind, options, table(&e.args))
                .await
                .map_err(amqp(format!("declaring exchange {}", e.name)))?;
        }
        for q in &self.queues {
            let options = QueueDeclareOptions {
                durable: q.durable,
                ..QueueDeclareOptions::default()
            };
            channel
                .queue_declare(q.name.as_str().into(), options, table(&q.args))
                .await
                .map_err(amqp(format!("declaring queue {}", q.name)))?;
        }
        for b in &self.bindings {
            let bound = match b.kind {
                Destination::Queue => {
                    channel
                        .queue_bind(
                            b.destination.as_str().into(),
                            b.exchange.as_str().into(),
                            b.key.as_str().into(),
                            QueueBindOptions::default(),
                            FieldTable::default(),
                        )
                        .await
                }
                Destination::Exchange => {
                    channel
                        .exchange_bind(
                            b.destination.as_str().into(),
                            b.exchange.as_str().into(),
                            b.key.as_str().into(),
                            ExchangeBindOptions::default(),
                            FieldTable::default(),
                        )
                        .await
                }
            };
            bound.map_err(amqp(format!(
                "binding {} to exchange {} with `{}`",
                b.destination, b.exchange, b.key
            )))?;
        }
        Ok(())
    }

    /// Deletes the queues and exchanges of the plan (their messages with them).
    pub(super) async fn delete(&self, channel: &Channel) -> Result<(), BusError> {
        for q in &self.queues {
            channel
                .queue_delete(q.name.as_str().into(), Default::default())
                .await
                .map_err(amqp(format!("deleting queue {}", q.name)))?;
        }
        for e in &self.exchanges {
            channel
                .exchange_delete(e.name.as_str().into(), Default::default())
                .await
                .map_err(amqp(format!("deleting exchange {}", e.name)))?;
        }
        Ok(())
    }

    /// The plan as a RabbitMQ definitions document for `vhost` (import it with
    /// `rabbitmqctl import_definitions` or `load_definitions` in rabbitmq.conf).
    pub(super) fn definitions(&self, vhost: &str) -> Value {
        let exchanges: Vec<Value> = self
            .exchanges
            .iter()
            .map(|e| {
                json!({
                    "name": e.name,
                    "vhost": vhost,
                    "type": match e.kind { Kind::Topic => "topic", Kind::Fanout => "fanout" },
                    "durable": true,
                    "auto_delete": false,
                    "internal": false,
                    "arguments": args_json(&e.args),
                })
            })
            .collect();
        let queues: Vec<Value> = self
            .queues
            .iter()
            .map(|q| {
                json!({
                    "name": q.name,
                    "vhost": vhost,
                    "durable": q.durable,
                    "auto_delete": false,
                    "arguments": args_json(&q.args),
                })
            })
            .collect();
        let bindings: Vec<Value> = self
            .bindings
            .iter()
            .map(|b| {
                json!({
                    "source": b.exchange,
                    "vhost": vhost,
                    "destination": b.destination,
                    "destination_type": match b.kind {
                        Destination::Queue => "queue",
                        Destination::Exchange => "exchange",
                    },
                    "routing_key": b.key,
                    "arguments": {},
                })
            })
            .collect();
        json!({
            "vhosts": [{ "name": vhost }],
            "exchanges": exchanges,
            "queues": queues,
            "bindings": bindings,
        })
    }
}

fn args_json(args: &[(&'static str, Arg)]) -> Value {
    Value::Object(
        args.iter()
            .map(|(k, v)| (k.to_string(), v.json()))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `deploy/definitions.json` is the default plan; regenerate it with
    /// `isovm topology > deploy/definitions.json` when the plan changes.
    #[test]
    fn deploy_definitions_match_the_default_plan() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/definitions.json");
        let file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let plan = Plan::new(&BusConfig::default()).definitions("/");
        assert_eq!(
            file,
            plan,
            "deploy/definitions.json is stale; expected:\n{}",
            serde_json::to_string_pretty(&plan).unwrap()
        );
    }

    /// The compose broker's boot-time definitions are the default plan with the roles
    /// (`isovm topology --roles`), each user given a trial password hash.
    #[test]
    fn compose_definitions_hold_the_default_plan_and_the_roles() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/deploy/rabbitmq/definitions.json"
        );
        let mut file: Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let expected = crate::bus::definitions_with_roles(&BusConfig::default(), "/");
        for user in file["users"].as_array_mut().unwrap() {
            let hash = user["password_hash"].take();
            assert!(
                hash.as_str().is_some_and(|h| !h.is_empty()),
                "deploy/rabbitmq/definitions.json: user {} needs a password hash",
                user["name"]
            );
            user["password_hash"] = json!("");
        }
        assert_eq!(
            file,
            expected,
            "deploy/rabbitmq/definitions.json is stale; expected (password hashes aside):\n{}",
            serde_json::to_string_pretty(&expected).unwrap()
        );
    }

    #[test]
    fn classic_queues_park_without_the_quorum_only_strategy() {
        let config = BusConfig {
            queue_type: QueueType::Classic,
            ..BusConfig::default()
        };
        let plan = Plan::new(&config);
        let park = &plan.queues[1];
        assert!(
            park.args
                .iter()
                .all(|(k, _)| *k != "x-dead-letter-strategy")
        );
        let partition = Plan::partition(&config, 3);
        assert!(
            partition.queues[0]
                .args
                .iter()
                .all(|(k, _)| *k != "x-delivery-limit"),
            "classic queues have no delivery limit"
        );
    }

    /// Quorum batch queues carry a delivery limit one above isovm's own, so isovm's dead
    /// letter (with its reason) always comes before the broker's.
    #[test]
    fn quorum_batch_queues_limit_deliveries_above_isovm() {
        let config = BusConfig {
            delivery_limit: 7,
            ..BusConfig::default()
        };
        let limit = |q: &Queue| {
            q.args.iter().find_map(|(k, v)| match (k, v) {
                (&"x-delivery-limit", Arg::Int(n)) => Some(*n),
                _ => None,
            })
        };
        let plan = Plan::new(&config);
        let batches = plan
            .queues
            .iter()
            .find(|q| q.name == config.names().batches_queue)
            .unwrap();
        assert_eq!(limit(batches), Some(8));
        assert_eq!(limit(&Plan::partition(&config, 0).queues[0]), Some(8));
    }
}
