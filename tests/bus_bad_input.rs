//! Messages that are not batches are dead-lettered with a reason while good batches around
//! them still commit; a batch ahead of its height is parked, not run and not dropped; a
//! different batch at a committed height is dead-lettered as a conflict.

mod bus_common;

use std::time::Duration;

use bus_common::*;
use isovm::bus::{BusMessage, DeadLetter, Source, Subscription};
use isovm::cmd::exec::read_batch;
use isovm::schema::{Format, to_msgpack};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread")]
async fn bad_messages_are_dead_lettered_with_reasons_and_good_batches_still_commit() {
    // Small limits so an oversized message is cheap, and a short park delay.
    let bus = TestBus::new(
        &amqp_url(),
        None,
        "max_batch_bytes = 65536\npark_delay_ms = 200",
    );
    let files = token_stream(bus.dir.path(), 4, 3);
    let clean = clean_roots(&files);
    let batch = |i: usize| read_batch(&files[i]).unwrap();

    let client = bus.client().await;
    client.declare_topology().await.unwrap();
    let mut inbox = Inbox::open(
        &client,
        Subscription {
            source: Source::Results,
            partition: Some(0),
            contract: None,
            queue: None,
        },
    )
    .await;
    let db = bus.dir.path().join("db");
    let serve = Serve::start(&db, &bus, "serve.log", &[]);

    client.publish_batch(&batch(0)).await.unwrap();
    let raw = |body: Vec<u8>, format| client.publish_raw("batch.0", body, format);
    // Not MessagePack at all.
    raw(vec![0xc1, 0xff, 0x00, 0x13], Format::MsgPack)
        .await
        .unwrap();
    // JSON, but not a batch.
    raw(br#"{"hello":"world"}"#.to_vec(), Format::Json)
        .await
        .unwrap();
    // A batch without its transactions.
    let partial = json!({"partition": 0, "height": 2, "timestamp_ms": 1});
    raw(to_msgpack(&partial), Format::MsgPack).await.unwrap();
    // Over the size limit.
    raw(vec![0x90; 100_000], Format::MsgPack).await.unwrap();
    // Height 2 fails one transaction (a contract error): committed with a failed receipt.
    client.publish_batch(&batch(1)).await.unwrap();
    // Another batch claiming height 1: a producer bug.
    let mut conflicting = batch(0);
    conflicting.timestamp_ms += 1;
    client.publish_batch(&conflicting).await.unwrap();
    // Height 4 before height 3: parked until 3 is committed.
    client.publish_batch(&batch(3)).await.unwrap();
    client.publish_batch(&batch(2)).await.unwrap();

    inbox
        .wait_until(WAIT, "results for heights 1..=4", |m| has_all(m, 4))
        .await;
    for (result, replayed) in results(&inbox.seen) {
        assert!(!replayed);
        assert_eq!(
            result.state_root, clean[&result.height],
            "height {}",
            result.height
        );
    }
    let order: Vec<u64> = results(&inbox.seen).iter().map(|(r, _)| r.height).collect();
    assert_eq!(order, [1, 2, 3, 4], "results in height order, each once");
    assert!(
        !serve.log_events("parked").is_empty(),
        "height 4 should have been parked"
    );

    let mut dead = Inbox::open(
        &client,
        Subscription {
            source: Source::DeadLetters,
            partition: None,
            contract: None,
            queue: None,
        },
    )
    .await;
    dead.wait_until(WAIT, "5 dead letters", |m| m.len() >= 5)
        .await;
    let letters: Vec<&DeadLetter> = dead
        .seen
        .iter()
        .map(|m| match m {
            BusMessage::Dead(d) => d,
            other => panic!("not a dead letter: {other:?}"),
        })
        .collect();
    let expect = [
        ("syntax", "MessagePack"),
        ("schema", "unknown field `hello`"),
        ("schema", "missing field `txs`"),
        ("too_large", "100000 bytes"),
        (
            "conflict",
            "height 1 is already committed with a different batch",
        ),
    ];
    // Letters from different deliveries are published concurrently: match, not zip.
    let summary: Vec<(&str, &str)> = letters
        .iter()
        .map(|l| (l.reason.as_str(), l.error.as_str()))
        .collect();
    assert_eq!(letters.len(), expect.len(), "{summary:?}");
    for (reason, needle) in expect {
        let letter = letters
            .iter()
            .find(|l| l.reason == reason && l.error.contains(needle))
            .unwrap_or_else(|| panic!("no `{reason}` letter saying `{needle}` in {summary:?}"));
        assert_eq!(letter.queue, bus.config.names().batches_queue);
        assert_eq!(letter.routing_key, "batch.0");
    }
    let oversized = letters.iter().find(|l| l.reason == "too_large").unwrap();
    assert_eq!(oversized.body.len(), 100_000, "the body is kept");

    client.close().await;
    bus.cleanup().await;
}
