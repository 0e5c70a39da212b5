//! The other ends of the bus, for tools and tests: what a block producer does (publish
//! batches), what a validator does (subscribe to results and events), and RPC calls.

use std::time::Duration;

use futures_util::StreamExt;
use lapin::Acker;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicQosOptions, ExchangeDeclareOptions,
    QueueBindOptions, QueueDeclareOptions,
};
use lapin::protocol::{AMQPErrorKind, AMQPSoftError};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Connection, Consumer};

use super::blocklog::ToEnd;
use super::config::{BusConfig, DIVERGENCE_KEY, Names, batch_key, result_key};
use super::connect;
use super::error::{BusError, amqp};
use super::publisher::{JSON, MSGPACK, Outgoing, Publisher, persistent, position_headers};
use super::rpc;
use super::topology::Plan;
use crate::schema::{
    self, Batch, BlockResult, ContractEvents, Divergence, Format, RpcReply, RpcRequest,
};

/// Messages a subscriber may have unacked at once.
const SUBSCRIBER_PREFETCH: u16 = 256;

/// A connection to the broker for publishing batches, subscribing, and RPC calls.
pub struct Client {
    conn: Connection,
    publisher: Publisher,
    names: Names,
    plan: Plan,
    config: BusConfig,
}

/// What a subscriber receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Block results (all receipts of a block) from the results exchange.
    Results,
    /// Contract events from the events exchange.
    Events,
    /// Both, in the order the broker delivers them.
    Both,
    /// The dead-letter queue itself (consuming takes the letters out of it).
    DeadLetters,
    /// The divergences `isovm verify` reports, from the results exchange (routing key
    /// `divergence`; not filtered by partition).
    Divergences,
}

/// What to subscribe to, and where the messages wait.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub source: Source,
    /// Only this partition; all if `None`.
    pub partition: Option<u32>,
    /// Only events of this contract (results are per block, so they are not filtered).
    pub contract: Option<String>,
    /// A durable queue of this name that keeps messages while nobody listens (a validator's
    /// queue); `None` makes a private queue that goes away with the subscriber.
    pub queue: Option<String>,
}

/// A message from the bus.
#[derive(Debug, Clone, PartialEq)]
pub enum BusMessage {
    Result {
        result: BlockResult,
        /// The batch had been committed before: this is a republication.
        replayed: bool,
    },
    /// One contract's events of one block.
    Events(ContractEvents),
    Dead(DeadLetter),
    /// A difference `isovm verify` found between a block it ran and the published result.
    Divergence(Divergence),
}

/// A message isovm could not use, with why.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    /// Short and machine-friendly: `syntax`, `schema`, `too_large`, `conflict`, ...
    pub reason: String,
    pub error: String,
    /// The queue it was taken from, and its routing key there.
    pub queue: String,
    pub routing_key: String,
    pub body: Vec<u8>,
}

/// A message and the means to acknowledge it.
#[derive(Debug)]
pub struct Received {
    pub message: BusMessage,
    acker: Acker,
}

impl Received {
    /// Tells the broker the message is handled; unacked ones come back to the queue when
    /// the subscriber goes away.
    pub async fn ack(self) -> Result<(), BusError> {
        self.acker
            .ack(BasicAckOptions::default())
            .await
            .map_err(amqp("acknowledging a message"))?;
        Ok(())
    }
}

/// A stream of messages from a subscription.
pub struct Subscriber {
    consumer: Consumer,
    names: Names,
    _channel: Channel,
    /// The queue consumed, e.g. a server-named one.
    pub queue: String,
}

impl Client {
    /// Connects once (no retry: tools report the failure).
    pub async fn connect(config: &BusConfig) -> Result<Client, BusError> {
        config.check()?;
        let conn = connect::connect(config, "isovm client").await?;
        let publisher = Publisher::open(&conn, config.confirm_timeout()).await?;
        Ok(Client {
            conn,
            publisher,
            names: config.names(),
            plan: Plan::new(config),
            config: config.clone(),
        })
    }

    /// The names this client uses (from its config).
    pub fn names(&self) -> &Names {
        &self.names
    }

    /// Declares the whole topology, as `isovm serve` does. Its arguments must match the
    /// server's config (the park delay, queue type, ...), or the broker refuses it.
    pub async fn declare_topology(&self) -> Result<(), BusError> {
        let channel = self.channel().await?;
        let declared = self.plan.declare(&channel).await;
        // Closed here: a dropped channel closes in the background and races the
        // connection's close, which lapin logs as an error.
        let _ = channel.close(200, "declared".into()).await;
        declared
    }

    /// Deletes the topology's queues (with their messages) and exchanges, each partition's
    /// queue and block log included.
    pub async fn delete_topology(&self) -> Result<(), BusError> {
        let partitions = self.partitions().await?;
        let channel = self.channel().await?;
        let mut deleted = Ok(());
        for partition in partitions {
            let plan = Plan::partition(&self.config, partition);
            deleted = deleted.and(plan.delete(&channel).await);
        }
        let deleted = deleted.and(self.plan.delete(&channel).await);
        let _ = channel.close(200, "deleted".into()).await;
        deleted
    }

    /// The partitions that have a queue, from the partitions log (empty if there is none).
    pub async fn partitions(&self) -> Result<Vec<u32>, BusError> {
        let log = &self.names.partitions_log;
        let channel = self.channel().await?;
        let passive = QueueDeclareOptions {
            passive: true,
            ..QueueDeclareOptions::default()
        };
        let exists = channel
            .queue_declare(log.as_str().into(), passive, FieldTable::default())
            .await
            .is_ok();
        let _ = channel.close(200, "looked".into()).await;
        if !exists {
            return Ok(vec![]);
        }
        let mut reader = ToEnd::open(&self.conn, &self.publisher, log, None).await?;
        let mut partitions = std::collections::BTreeSet::new();
        while let Some(record) = reader.next().await? {
            if let Some(p) = std::str::from_utf8(&record.data)
                .ok()
                .and_then(|s| s.parse::<u32>().ok())
            {
                partitions.insert(p);
            }
        }
        Ok(partitions.into_iter().collect())
    }

    /// Publishes a batch as a persistent MessagePack message with routing key
    /// `batch.<partition>`, and waits for the broker's confirm. Fails if no queue is bound
    /// for it (no `isovm serve` has declared the topology, or none takes that partition).
    pub async fn publish_batch(&self, batch: &Batch) -> Result<(), BusError> {
        let (partition, height) = (batch.partition, batch.height);
        let headers = position_headers(partition, height);
        self.publisher
            .publish_all(vec![Outgoing {
                what: format!("the batch of partition {partition}, height {height}"),
                exchange: self.names.batches_exchange.clone(),
                routing_key: batch_key(partition),
                body: schema::to_msgpack(batch),
                properties: persistent("batch", format!("batch/{partition}/{height}"), headers),
                mandatory: true,
            }])
            .await
    }

    /// Publishes arbitrary bytes to the batches exchange (confirmed), as a producer with a
    /// bug would: for tests and for replaying dead letters. `Format::Json` labels the body
    /// `application/json`.
    pub async fn publish_raw(
        &self,
        routing_key: &str,
        body: Vec<u8>,
        format: Format,
    ) -> Result<(), BusError> {
        let content_type = match format {
            Format::Json => JSON,
            Format::MsgPack => MSGPACK,
        };
        let exchange = self.names.batches_exchange.clone();
        self.publish_to(&exchange, routing_key, body, content_type)
            .await
    }

    /// Publishes `body` (confirmed, persistent) to `exchange` labelled with `content_type`
    /// as it is (e.g. `application/json; charset=utf-8`), unchecked: for tests and operators
    /// (a batch straight into the park exchange comes back after the park delay).
    pub async fn publish_to(
        &self,
        exchange: &str,
        routing_key: &str,
        body: Vec<u8>,
        content_type: &str,
    ) -> Result<(), BusError> {
        self.publisher
            .publish_all(vec![Outgoing {
                what: format!("a raw message to {exchange} with routing key {routing_key}"),
                exchange: exchange.to_string(),
                routing_key: routing_key.to_string(),
                body,
                properties: BasicProperties::default()
                    .with_content_type(content_type.into())
                    .with_delivery_mode(2),
                mandatory: true,
            }])
            .await
    }

    /// Publishes a block result on the results exchange (confirmed), as `isovm serve` does
    /// (`replayed` sets the `x-isovm-replayed` header): for tests, e.g. of `isovm verify`
    /// facing a result altered on the bus. Needs write permission on the results exchange,
    /// which only the `isovm` user has.
    pub async fn publish_result(
        &self,
        result: &BlockResult,
        replayed: bool,
    ) -> Result<(), BusError> {
        let (partition, height) = (result.partition, result.height);
        let mut headers = position_headers(partition, height);
        headers.insert("x-isovm-replayed".into(), AMQPValue::Boolean(replayed));
        self.publisher
            .publish_all(vec![Outgoing {
                what: format!("a result of partition {partition}, height {height}"),
                exchange: self.names.results_exchange.clone(),
                routing_key: result_key(partition),
                body: schema::to_msgpack(result),
                properties: persistent(
                    "block_result",
                    format!("result/{partition}/{height}"),
                    headers,
                ),
                mandatory: false,
            }])
            .await
    }

    /// Sends an RPC request and waits up to `timeout` for the reply.
    pub async fn call(
        &self,
        request: &RpcRequest,
        timeout: Duration,
    ) -> Result<RpcReply, BusError> {
        self.call_raw(schema::to_msgpack(request), Format::MsgPack, timeout)
            .await
    }

    /// Sends arbitrary bytes as an RPC request (for tests of bad requests).
    pub async fn call_raw(
        &self,
        body: Vec<u8>,
        format: Format,
        timeout: Duration,
    ) -> Result<RpcReply, BusError> {
        rpc::call(&self.conn, &self.names.rpc_queue, body, format, timeout).await
    }

    /// Starts receiving: binds a queue (private or named) to the results and/or events
    /// exchanges for the subscription's partition and contract, or consumes the dead-letter
    /// queue. Messages published before this returns are not in a private queue.
    pub async fn subscribe(&self, sub: &Subscription) -> Result<Subscriber, BusError> {
        let channel = self.channel().await?;
        channel
            .basic_qos(SUBSCRIBER_PREFETCH, BasicQosOptions::default())
            .await
            .map_err(amqp("setting the subscriber prefetch"))?;
        let queue = if sub.source == Source::DeadLetters {
            self.names.dead_queue.clone()
        } else {
            self.bind(&channel, sub).await?
        };
        let consumer = channel
            .basic_consume(
                queue.as_str().into(),
                "".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(amqp(format!("consuming {queue}")))?;
        Ok(Subscriber {
            consumer,
            names: self.names.clone(),
            _channel: channel,
            queue,
        })
    }

    /// Deletes a queue, e.g. a subscriber's durable one that is no longer wanted.
    pub async fn delete_queue(&self, name: &str) -> Result<(), BusError> {
        self.channel()
            .await?
            .queue_delete(name.into(), Default::default())
            .await
            .map_err(amqp(format!("deleting queue {name}")))?;
        Ok(())
    }

    /// Closes the connection.
    pub async fn close(self) {
        let _ = self.conn.close(200, "bye".into()).await;
    }

    async fn channel(&self) -> Result<Channel, BusError> {
        self.conn
            .create_channel()
            .await
            .map_err(amqp("opening a channel"))
    }

    async fn bind(&self, channel: &Channel, sub: &Subscription) -> Result<String, BusError> {
        let n = &self.names;
        let partition = sub.partition.map_or("*".to_string(), |p| p.to_string());
        let mut bindings = Vec::new();
        if matches!(sub.source, Source::Results | Source::Both) {
            bindings.push((&n.results_exchange, format!("result.{partition}")));
        }
        if matches!(sub.source, Source::Events | Source::Both) {
            let contract = sub.contract.as_deref().unwrap_or("#");
            bindings.push((&n.events_exchange, format!("event.{partition}.{contract}")));
        }
        if sub.source == Source::Divergences {
            bindings.push((&n.results_exchange, DIVERGENCE_KEY.to_string()));
        }
        let options = match &sub.queue {
            Some(_) => QueueDeclareOptions::durable(),
            None => QueueDeclareOptions {
                exclusive: true,
                auto_delete: true,
                ..QueueDeclareOptions::default()
            },
        };
        let name = sub.queue.clone().unwrap_or_default();
        let queue = channel
            .queue_declare(name.as_str().into(), options, FieldTable::default())
            .await
            .map_err(amqp(format!("declaring the subscriber queue `{name}`")))?;
        let queue = queue.name().to_string();
        for (exchange, key) in bindings {
            ensure_exchange(&self.conn, exchange).await?;
            channel
                .queue_bind(
                    queue.as_str().into(),
                    exchange.as_str().into(),
                    key.as_str().into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await
                .map_err(amqp(format!("binding {queue} to {exchange} with `{key}`")))?;
        }
        Ok(queue)
    }
}

/// Makes sure the topic exchange `exchange` exists before binding to it. A passive declare
/// needs no permission (a validator has none to configure isovm's exchanges); only when the
/// exchange is missing (no `isovm serve` has run yet) is it declared, which needs one.
/// Each try has its own channel: the broker closes a channel whose declare fails.
pub(super) async fn ensure_exchange(conn: &Connection, exchange: &str) -> Result<(), BusError> {
    let declare = async |passive| {
        let channel = conn
            .create_channel()
            .await
            .map_err(amqp("opening a channel"))?;
        let options = ExchangeDeclareOptions {
            passive,
            durable: true,
            ..ExchangeDeclareOptions::default()
        };
        let declared = channel
            .exchange_declare(
                exchange.into(),
                lapin::ExchangeKind::Topic,
                options,
                FieldTable::default(),
            )
            .await;
        if declared.is_ok() {
            let _ = channel.close(200, "declared".into()).await;
        }
        Ok::<_, BusError>(declared)
    };
    match declare(true).await? {
        Ok(()) => Ok(()),
        Err(error) if is_not_found(&error) => declare(false)
            .await?
            .map_err(amqp(format!("declaring exchange {exchange}"))),
        Err(error) => Err(amqp(format!("checking exchange {exchange}"))(error)),
    }
}

fn is_not_found(error: &lapin::Error) -> bool {
    matches!(error.kind(), lapin::ErrorKind::ProtocolError(e)
        if matches!(e.kind(), AMQPErrorKind::Soft(AMQPSoftError::NOTFOUND)))
}

impl Subscriber {
    /// The next message; `None` when the subscription ended (connection closed).
    pub async fn next(&mut self) -> Option<Result<Received, BusError>> {
        let delivery = match self.consumer.next().await? {
            Ok(delivery) => delivery,
            Err(e) => return Some(Err(amqp(format!("consuming {}", self.queue))(e))),
        };
        Some(self.decode(delivery))
    }

    fn decode(&self, delivery: Delivery) -> Result<Received, BusError> {
        let exchange = delivery.exchange.as_str();
        let what = |kind: &str| format!("a {kind} from {exchange}");
        let message = if exchange == self.names.results_exchange
            && delivery.routing_key.as_str() == DIVERGENCE_KEY
        {
            let divergence = schema::decode(&delivery.data, Format::MsgPack).map_err(|error| {
                BusError::Decode {
                    what: what("divergence"),
                    error,
                }
            })?;
            BusMessage::Divergence(divergence)
        } else if exchange == self.names.results_exchange {
            let result = schema::decode(&delivery.data, Format::MsgPack).map_err(|error| {
                BusError::Decode {
                    what: what("block result"),
                    error,
                }
            })?;
            let replayed = matches!(
                header(&delivery, "x-isovm-replayed"),
                Some(AMQPValue::Boolean(true))
            );
            BusMessage::Result { result, replayed }
        } else if exchange == self.names.events_exchange {
            let events = schema::decode(&delivery.data, Format::MsgPack).map_err(|error| {
                BusError::Decode {
                    what: what("contract events message"),
                    error,
                }
            })?;
            BusMessage::Events(events)
        } else {
            let text = |key: &str| match header(&delivery, key) {
                Some(AMQPValue::LongString(s)) => String::from_utf8_lossy(s.as_bytes()).into(),
                Some(AMQPValue::ShortString(s)) => s.to_string(),
                _ => String::new(),
            };
            BusMessage::Dead(DeadLetter {
                reason: text("x-isovm-reason"),
                error: text("x-isovm-error"),
                queue: text("x-isovm-queue"),
                routing_key: text("x-isovm-routing-key"),
                body: delivery.data.clone(),
            })
        };
        Ok(Received {
            message,
            acker: delivery.acker,
        })
    }
}

pub(super) fn header<'d>(delivery: &'d Delivery, key: &str) -> Option<&'d AMQPValue> {
    delivery.properties.headers().as_ref()?.inner().get(key)
}
