//! `isovm tail`: print block results, contract events, dead letters or the divergences
//! `isovm verify` reports from the bus as JSON lines, as a validator sees them.

use std::io::Write;

use serde::Serialize;
use tokio_util::sync::CancellationToken;
use tracing::info;

use super::BusCommandError;
use crate::bus::{BusConfig, BusMessage, Client, Subscription};
use crate::schema::{self, ContractEvents, Divergence, Receipt};

/// One output line.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Line<'a> {
    /// One receipt of a block result, with the block it is in.
    Receipt {
        partition: u32,
        height: u64,
        /// Position of the transaction in its block.
        index: usize,
        #[serde(flatten)]
        receipt: &'a Receipt,
    },
    /// A block result's summary, after its receipts.
    Block {
        partition: u32,
        height: u64,
        state_root: &'a str,
        receipts: usize,
        replayed: bool,
    },
    /// One contract event, with the block and contract of its message.
    Event {
        partition: u32,
        height: u64,
        tx_hash: &'a str,
        index: u32,
        contract: &'a str,
        data: &'a str,
    },
    /// What `isovm verify` found different in a block.
    Divergence {
        #[serde(flatten)]
        divergence: &'a Divergence,
    },
    Dead {
        reason: &'a str,
        error: &'a str,
        queue: &'a str,
        routing_key: &'a str,
        bytes: usize,
    },
}

/// Prints messages of `subscription` until `count` messages (results, events or dead
/// letters; all if `None`) were printed, or `shutdown`. Each message is acked once printed.
pub async fn run(
    config: &BusConfig,
    subscription: &Subscription,
    count: Option<u64>,
    out: &mut dyn Write,
    shutdown: CancellationToken,
) -> Result<(), BusCommandError> {
    let client = Client::connect(config).await?;
    let mut subscriber = client.subscribe(subscription).await?;
    info!(queue = %subscriber.queue, "tail: subscribed");
    let mut printed = 0u64;
    while count.is_none_or(|n| printed < n) {
        let received = tokio::select! {
            next = subscriber.next() => match next {
                Some(received) => received?,
                None => return Err(BusCommandError::Other("the subscription ended".into())),
            },
            () = shutdown.cancelled() => break,
        };
        write_message(&received.message, out)
            .and_then(|()| out.flush())
            .map_err(|e| BusCommandError::Other(e.to_string()))?;
        received.ack().await?;
        printed += 1;
    }
    client.close().await;
    Ok(())
}

/// A line per event: what a validator subscribed to one contract reads.
fn write_events(message: &ContractEvents, out: &mut dyn Write) -> std::io::Result<()> {
    for event in &message.events {
        let line = Line::Event {
            partition: message.partition,
            height: message.height,
            tx_hash: &event.tx_hash,
            index: event.index,
            contract: &message.contract,
            data: &event.data,
        };
        writeln!(out, "{}", schema::to_json(&line))?;
    }
    Ok(())
}

fn write_message(message: &BusMessage, out: &mut dyn Write) -> std::io::Result<()> {
    match message {
        BusMessage::Result { result, replayed } => {
            for (index, receipt) in result.receipts.iter().enumerate() {
                let line = Line::Receipt {
                    partition: result.partition,
                    height: result.height,
                    index,
                    receipt,
                };
                writeln!(out, "{}", schema::to_json(&line))?;
            }
            let line = Line::Block {
                partition: result.partition,
                height: result.height,
                state_root: &result.state_root,
                receipts: result.receipts.len(),
                replayed: *replayed,
            };
            writeln!(out, "{}", schema::to_json(&line))
        }
        BusMessage::Events(events) => write_events(events, out),
        BusMessage::Divergence(divergence) => {
            writeln!(out, "{}", schema::to_json(&Line::Divergence { divergence }))
        }
        BusMessage::Dead(dead) => {
            let line = Line::Dead {
                reason: &dead.reason,
                error: &dead.error,
                queue: &dead.queue,
                routing_key: &dead.routing_key,
                bytes: dead.body.len(),
            };
            writeln!(out, "{}", schema::to_json(&line))
        }
    }
}
