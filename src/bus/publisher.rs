//! Confirmed publishing: a channel in confirm mode, and the messages isovm publishes.
//!
//! [`Publisher::publish_all`] succeeds only when the broker has confirmed every message
//! (stored it in every queue it routes to); a nack, a return of a mandatory message, or no
//! answer within the timeout is a typed error, and the caller must not ack what it was
//! publishing for.

use std::time::Duration;

use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel, Confirmation, Connection};

use super::config::{Names, event_key, result_key};
use super::error::{BusError, amqp};
use crate::exec::Executed;
use crate::schema::{self, BlockEvent, ContractEvents, Format};

/// AMQP delivery mode of messages that must survive a broker restart.
const PERSISTENT: u8 = 2;
/// AMQP delivery mode of messages that need not (RPC replies).
const TRANSIENT: u8 = 1;
/// Content type of MessagePack bodies.
pub(super) const MSGPACK: &str = "application/msgpack";
/// Content type of JSON bodies.
pub(super) const JSON: &str = "application/json";

/// One message to publish.
#[derive(Debug, Clone)]
pub(super) struct Outgoing {
    /// What this is, for errors and logs ("the result of partition 0, height 5").
    pub what: String,
    pub exchange: String,
    pub routing_key: String,
    pub body: Vec<u8>,
    pub properties: BasicProperties,
    /// Return it (an error) rather than drop it if no queue is bound for it.
    pub mandatory: bool,
}

/// A channel in confirm mode. Cheap to clone; clones share the channel, so publishes from
/// several tasks are confirmed independently.
#[derive(Clone)]
pub(super) struct Publisher {
    channel: Channel,
    timeout: Duration,
}

impl Publisher {
    pub(super) async fn open(conn: &Connection, timeout: Duration) -> Result<Publisher, BusError> {
        let channel = conn
            .create_channel()
            .await
            .map_err(amqp("opening the publishing channel"))?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(amqp("enabling publisher confirms"))?;
        Ok(Publisher { channel, timeout })
    }

    /// Publishes `messages` (pipelined), then waits until the broker has confirmed each.
    pub(super) async fn publish_all(&self, messages: Vec<Outgoing>) -> Result<(), BusError> {
        let deadline = tokio::time::Instant::now() + self.timeout;
        let timeout = |what: String| BusError::ConfirmTimeout {
            what,
            timeout: self.timeout,
        };
        let mut pending = Vec::with_capacity(messages.len());
        for m in messages {
            let options = BasicPublishOptions {
                mandatory: m.mandatory,
                ..BasicPublishOptions::default()
            };
            let publish = self.channel.basic_publish(
                short(&m.exchange),
                short(&m.routing_key),
                options,
                &m.body,
                m.properties,
            );
            let confirm = tokio::time::timeout_at(deadline, publish)
                .await
                .map_err(|_| timeout(m.what.clone()))?
                .map_err(amqp(format!("publishing {}", m.what)))?;
            pending.push((m.what, confirm));
        }
        for (what, confirm) in pending {
            let confirmation = tokio::time::timeout_at(deadline, confirm)
                .await
                .map_err(|_| timeout(what.clone()))?
                .map_err(amqp(format!("waiting for the confirm of {what}")))?;
            match confirmation {
                Confirmation::Ack(None) => {}
                Confirmation::Ack(Some(returned)) => {
                    return Err(BusError::Unroutable {
                        what,
                        reason: format!(
                            "{} (exchange {}, routing key {})",
                            returned.reply_text,
                            returned.delivery.exchange,
                            returned.delivery.routing_key
                        ),
                    });
                }
                Confirmation::Nack(_) | Confirmation::NotRequested => {
                    return Err(BusError::Nacked { what });
                }
            }
        }
        Ok(())
    }
}

/// A routing key or name as AMQP wants it. Names are checked by the config and keys are
/// built from short parts, so the 255-byte limit is a bug, not an input error.
pub(super) fn short(s: &str) -> ShortString {
    ShortString::try_new(s).unwrap_or_else(|_| truncate(s, 255).into())
}

/// At most `max` bytes of `s`, cut at a character boundary.
pub(super) fn truncate(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Properties of a persistent isovm message.
pub(super) fn persistent(kind: &str, message_id: String, headers: FieldTable) -> BasicProperties {
    BasicProperties::default()
        .with_content_type(MSGPACK.into())
        .with_delivery_mode(PERSISTENT)
        .with_type(short(kind))
        .with_message_id(short(&message_id))
        .with_app_id("isovm".into())
        .with_timestamp(unix_now())
        .with_headers(headers)
}

/// Properties of an RPC reply.
pub(super) fn reply_properties(
    format: Format,
    correlation_id: Option<ShortString>,
) -> BasicProperties {
    let content_type = match format {
        Format::Json => JSON,
        Format::MsgPack => MSGPACK,
    };
    let properties = BasicProperties::default()
        .with_content_type(content_type.into())
        .with_delivery_mode(TRANSIENT)
        .with_type("rpc_reply".into())
        .with_app_id("isovm".into());
    match correlation_id {
        Some(id) => properties.with_correlation_id(id),
        None => properties,
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A header value that is text.
pub(super) fn text(s: &str) -> AMQPValue {
    AMQPValue::LongString(s.into())
}

/// Headers naming the block a message is about: `x-isovm-partition`, `x-isovm-height`.
pub(super) fn position_headers(partition: u32, height: u64) -> FieldTable {
    let mut headers = FieldTable::default();
    headers.insert(
        "x-isovm-partition".into(),
        AMQPValue::LongLongInt(partition.into()),
    );
    headers.insert(
        "x-isovm-height".into(),
        AMQPValue::LongLongInt(height as i64),
    );
    headers
}

/// The messages that report a committed batch: its block result on the results exchange,
/// then one message per contract that emitted events, with that contract's events in block
/// order, on the events exchange (contracts in the order of their first event).
pub(super) fn result_messages(names: &Names, executed: &Executed) -> Vec<Outgoing> {
    let result = &executed.result;
    let (partition, height) = (result.partition, result.height);
    let mut headers = position_headers(partition, height);
    headers.insert(
        "x-isovm-replayed".into(),
        AMQPValue::Boolean(executed.replayed),
    );
    let mut messages = vec![Outgoing {
        what: format!("the result of partition {partition}, height {height}"),
        exchange: names.results_exchange.clone(),
        routing_key: result_key(partition),
        body: schema::to_msgpack(result),
        properties: persistent(
            "block_result",
            format!("result/{partition}/{height}"),
            headers.clone(),
        ),
        mandatory: false,
    }];
    let mut by_contract: Vec<ContractEvents> = Vec::new();
    let events = result
        .receipts
        .iter()
        .flat_map(|r| r.events.iter().map(move |e| (r, e)));
    for (index, (receipt, event)) in (0u32..).zip(events) {
        let group = match by_contract
            .iter()
            .position(|g| g.contract == event.contract)
        {
            Some(at) => &mut by_contract[at],
            None => {
                by_contract.push(ContractEvents {
                    partition,
                    height,
                    contract: event.contract.clone(),
                    events: Vec::new(),
                });
                by_contract.last_mut().expect("just pushed")
            }
        };
        group.events.push(BlockEvent {
            tx_hash: receipt.tx_hash.clone(),
            index,
            data: event.data.clone(),
        });
    }
    for group in by_contract {
        let contract = &group.contract;
        messages.push(Outgoing {
            what: format!("the events of {contract} in partition {partition}, height {height}"),
            exchange: names.events_exchange.clone(),
            routing_key: event_key(partition, contract),
            body: schema::to_msgpack(&group),
            properties: persistent(
                "contract_events",
                format!("events/{partition}/{height}/{contract}"),
                headers.clone(),
            ),
            mandatory: false,
        });
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{BlockResult, Event, Receipt, Status};

    #[test]
    fn a_result_then_one_message_per_contract_with_its_events_in_block_order() {
        let receipt = |hash: &str, events: &[&str]| Receipt {
            tx_hash: hash.into(),
            status: Status::Success,
            gas_used: 1,
            returns: vec![],
            message: String::new(),
            events: events
                .iter()
                .map(|c| Event {
                    contract: c.to_string(),
                    data: "{}".into(),
                })
                .collect(),
            receipts: vec![],
        };
        let executed = Executed {
            result: BlockResult {
                partition: 3,
                height: 9,
                state_root: "00".repeat(32),
                receipts: vec![receipt("a", &["token", "nft"]), receipt("b", &["token"])],
            },
            replayed: true,
            record: std::sync::Arc::new(Vec::new()),
        };
        let names = crate::bus::BusConfig::default().names();
        let messages = result_messages(&names, &executed);
        let keys: Vec<&str> = messages.iter().map(|m| m.routing_key.as_str()).collect();
        assert_eq!(keys, ["result.3", "event.3.token", "event.3.nft"]);
        let token: ContractEvents = schema::decode(&messages[1].body, Format::MsgPack).unwrap();
        let at: Vec<(&str, u32)> = token
            .events
            .iter()
            .map(|e| (e.tx_hash.as_str(), e.index))
            .collect();
        assert_eq!(at, [("a", 0), ("b", 2)]);
        assert_eq!((token.partition, token.height), (3, 9));
        let nft: ContractEvents = schema::decode(&messages[2].body, Format::MsgPack).unwrap();
        assert_eq!((nft.contract.as_str(), nft.events[0].index), ("nft", 1));
        assert_eq!(
            messages[2]
                .properties
                .message_id()
                .as_ref()
                .map(|s| s.as_str()),
            Some("events/3/9/nft")
        );
        assert_eq!(
            messages[0]
                .properties
                .message_id()
                .as_ref()
                .map(|s| s.as_str()),
            Some("result/3/9")
        );
    }
}
