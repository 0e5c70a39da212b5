//! The RPC entry: request/reply over AMQP (`reply_to` + `correlation_id`), for queries
//! (read-only contract calls against committed state) and transaction validation.
//!
//! Server side: [`answer`] decodes a request from the RPC queue, answers it through the
//! executor, publishes the reply to the request's `reply_to`, then acks. Nothing it does
//! writes state. Client side: [`call`] uses RabbitMQ's direct reply-to, so a caller needs
//! no queue of its own.

use std::time::Duration;

use futures_util::StreamExt;
use lapin::options::{BasicConsumeOptions, BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Confirmation, Connection};

use super::consumer::{Ctx, format_of};
use super::error::{BusError, amqp};
use super::lane::{ack, dead_letter};
use super::publisher::{JSON, MSGPACK, Outgoing, reply_properties, short};
use crate::engine::FaultKind;
use crate::exec::{ExecError, Executor};
use crate::schema::{
    self, Format, Halted, HeadReply, RpcError, RpcErrorKind, RpcReply, RpcRequest, SafetyNet,
    ValidateReply,
};

/// RabbitMQ's pseudo-queue for direct replies.
const DIRECT_REPLY_TO: &str = "amq.rabbitmq.reply-to";
/// Largest request accepted.
const MAX_REQUEST_BYTES: usize = 1024 * 1024;

/// Answers one request from the RPC queue. An error means the session is broken.
pub(super) async fn answer(ctx: &Ctx, delivery: lapin::message::Delivery) -> Result<(), BusError> {
    let queue = ctx.names.rpc_queue.clone();
    let Some(reply_to) = delivery.properties.reply_to().clone() else {
        return dead_letter(
            ctx,
            &queue,
            delivery,
            "no_reply_to",
            "an RPC request needs the reply_to property (and correlation_id)",
        )
        .await;
    };
    let (format, reply) = match format_of(&delivery) {
        // Answered in the bus's format: the one it asked for is unknown.
        Err(e) => (Format::MsgPack, Some(bad_request(e.to_string()))),
        Ok(format) => (format, None),
    };
    let reply = if let Some(reply) = reply {
        reply
    } else if delivery.data.len() > MAX_REQUEST_BYTES {
        bad_request(format!(
            "the request is {} bytes, over the {MAX_REQUEST_BYTES}-byte limit",
            delivery.data.len()
        ))
    } else {
        match schema::decode::<RpcRequest>(&delivery.data, format) {
            Ok(request) => respond(&ctx.executor, request).await,
            Err(e) => bad_request(e.to_string()),
        }
    };
    let body = match format {
        Format::Json => schema::to_json(&reply).into_bytes(),
        Format::MsgPack => schema::to_msgpack(&reply),
    };
    let correlation_id = delivery.properties.correlation_id().clone();
    tracing::debug!(reply_to = %reply_to, ?correlation_id, "answering an RPC request");
    ctx.publisher
        .publish_all(vec![Outgoing {
            what: format!("the RPC reply to {reply_to}"),
            exchange: String::new(),
            routing_key: reply_to.to_string(),
            body,
            properties: reply_properties(format, correlation_id),
            // A caller that gave up has no queue any more; that is not our failure.
            mandatory: false,
        }])
        .await?;
    ack(&delivery, "an RPC request").await
}

/// Runs a request against the executor.
async fn respond(executor: &Executor, request: RpcRequest) -> RpcReply {
    match request {
        RpcRequest::Query(query) => match executor.query(query).await {
            Ok(reply) => RpcReply::Query(reply),
            Err(e) => node_error(e),
        },
        RpcRequest::Validate(v) => match executor.validate(v.partition, v.tx).await {
            Ok(Ok(())) => RpcReply::Validate(ValidateReply {
                ok: true,
                reason: String::new(),
            }),
            Ok(Err(reason)) => RpcReply::Validate(ValidateReply { ok: false, reason }),
            Err(e) => node_error(e),
        },
        RpcRequest::Head(h) => match executor.head(h.partition) {
            Ok((height, root)) => RpcReply::Head(HeadReply {
                partition: h.partition,
                height,
                state_root: root.to_hex(),
                params_version: crate::consensus::VERSION,
                halted: executor.halt(h.partition).map(|halt| Halted {
                    height: halt.height,
                    reason: halt.reason(),
                    tx_hash: halt.tx_hash,
                    safety_net: match halt.kind {
                        FaultKind::Watchdog => SafetyNet::Watchdog,
                        FaultKind::Heap => SafetyNet::Heap,
                        FaultKind::Isolation => SafetyNet::Isolation,
                    },
                    attempts: halt.attempts,
                }),
            }),
            Err(e) => node_error(e),
        },
    }
}

fn bad_request(message: String) -> RpcReply {
    RpcReply::Error(RpcError {
        kind: RpcErrorKind::BadRequest,
        message,
    })
}

fn node_error(e: ExecError) -> RpcReply {
    let kind = match e {
        ExecError::Busy => RpcErrorKind::Busy,
        _ => RpcErrorKind::Unavailable,
    };
    RpcReply::Error(RpcError {
        kind,
        message: e.to_string(),
    })
}

/// Sends `request` to `rpc_queue` and waits up to `timeout` for its reply.
pub(super) async fn call(
    conn: &Connection,
    rpc_queue: &str,
    body: Vec<u8>,
    format: Format,
    timeout: Duration,
) -> Result<RpcReply, BusError> {
    let what = format!("the request to {rpc_queue}");
    let channel = conn
        .create_channel()
        .await
        .map_err(amqp("opening an RPC channel"))?;
    // Direct reply-to: consume the pseudo-queue (no acks) before publishing.
    let mut replies = channel
        .basic_consume(
            DIRECT_REPLY_TO.into(),
            "".into(),
            BasicConsumeOptions {
                no_ack: true,
                ..BasicConsumeOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .map_err(amqp("consuming direct replies"))?;
    let correlation_id = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let content_type = match format {
        Format::Json => JSON,
        Format::MsgPack => MSGPACK,
    };
    let properties = BasicProperties::default()
        .with_content_type(content_type.into())
        .with_reply_to(DIRECT_REPLY_TO.into())
        .with_correlation_id(short(&correlation_id))
        .with_expiration(timeout.as_millis().to_string().as_str().into());
    // Mandatory and confirmed: with no RPC queue (no `isovm serve` has declared it) the
    // request comes back at once instead of vanishing into a timeout.
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .map_err(amqp("enabling publisher confirms"))?;
    let confirmation = channel
        .basic_publish(
            "".into(),
            short(rpc_queue),
            BasicPublishOptions {
                mandatory: true,
                ..BasicPublishOptions::default()
            },
            &body,
            properties,
        )
        .await
        .map_err(amqp(format!("publishing {what}")))?
        .await
        .map_err(amqp(format!("waiting for the confirm of {what}")))?;
    match confirmation {
        Confirmation::Ack(None) => {}
        Confirmation::Ack(Some(returned)) => {
            return Err(BusError::Unroutable {
                what,
                reason: format!("{} (is `isovm serve` running?)", returned.reply_text),
            });
        }
        Confirmation::Nack(_) | Confirmation::NotRequested => {
            return Err(BusError::Nacked { what });
        }
    }
    let wait = async {
        while let Some(delivery) = replies.next().await {
            let delivery = delivery.map_err(amqp(format!("waiting for the reply to {what}")))?;
            let matches = delivery
                .properties
                .correlation_id()
                .as_ref()
                .is_some_and(|id| id.as_str() == correlation_id);
            if matches {
                return format_of(&delivery)
                    .and_then(|format| schema::decode::<RpcReply>(&delivery.data, format))
                    .map_err(|error| BusError::Decode {
                        what: format!("the reply to {what}"),
                        error,
                    });
            }
        }
        Err(BusError::ConnectionLost(format!(
            "the reply consumer for {what} ended"
        )))
    };
    let reply = tokio::time::timeout(timeout, wait)
        .await
        .map_err(|_| BusError::RpcTimeout {
            what: what.clone(),
            timeout,
        })?;
    let _ = channel.close(200, "done".into()).await;
    reply
}
