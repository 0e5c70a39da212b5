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

    let mut dead = Inbox::dead_letters(&client).await;
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
        // Before partition 0 has a queue, its batches come through the batches queue.
        let names = bus.config.names();
        assert!(
            [names.batches_queue.clone(), names.partition_queue(0)].contains(&letter.queue),
            "dead-lettered from {}",
            letter.queue
        );
        assert_eq!(letter.routing_key, "batch.0");
    }
    let oversized = letters.iter().find(|l| l.reason == "too_large").unwrap();
    assert_eq!(oversized.body.len(), 100_000, "the body is kept");

    client.close().await;
    bus.cleanup().await;
}

/// The dead letters of `dead` as (reason, error) pairs.
fn letters(dead: &Inbox) -> Vec<(String, String)> {
    dead.seen
        .iter()
        .map(|m| match m {
            BusMessage::Dead(d) => (d.reason.clone(), d.error.clone()),
            other => panic!("not a dead letter: {other:?}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn positional_batches_unknown_content_types_and_unreachable_heights_are_dead_lettered() {
    let bus = TestBus::new(
        &amqp_url(),
        None,
        "park_delay_ms = 200\nmax_park_rounds = 2\nmax_park_ahead = 1000",
    );
    let files = token_stream(bus.dir.path(), 3, 3);
    let clean = clean_roots(&files);
    let batch = |i: usize| read_batch(&files[i]).unwrap();

    let client = bus.client().await;
    client.declare_topology().await.unwrap();
    let (_results_client, mut inbox) = bus.results_inbox().await;
    let mut dead = Inbox::dead_letters(&client).await;
    let db = bus.dir.path().join("db");
    let _serve = Serve::start(&db, &bus, "serve.log", &[]);

    client.publish_batch(&batch(0)).await.unwrap();
    // Height 2 as a positional array of the batch's fields, in their declared order: plain
    // serde reads that as a batch; the schemas say named fields.
    let named = serde_json::to_value(batch(1)).unwrap();
    let positional = json!([
        named["partition"],
        named["height"],
        named["timestamp_ms"],
        named["producer"],
        named["txs"]
    ]);
    let plain: isovm::schema::Batch = serde_json::from_value(positional.clone()).unwrap();
    assert_eq!(plain, batch(1), "the positional form is the same batch");
    client
        .publish_raw("batch.0", to_msgpack(&positional), Format::MsgPack)
        .await
        .unwrap();
    client
        .publish_raw(
            "batch.0",
            serde_json::to_vec(&positional).unwrap(),
            Format::Json,
        )
        .await
        .unwrap();
    // Not a format isovm reads.
    let batches = bus.config.names().batches_exchange;
    client
        .publish_to(&batches, "batch.0", b"height=2".to_vec(), "text/plain")
        .await
        .unwrap();
    // The real height 2, as JSON with a media-type parameter: accepted.
    client
        .publish_to(
            &batches,
            "batch.0",
            isovm::schema::to_json(&batch(1)).into_bytes(),
            "application/json; charset=utf-8",
        )
        .await
        .unwrap();
    // A height that cannot come: dead-lettered at once, not parked forever.
    let mut unreachable = batch(2);
    unreachable.height = u64::MAX;
    client.publish_batch(&unreachable).await.unwrap();
    // Close enough to park, but its predecessor never comes: dead-lettered after 2 rounds.
    let mut orphan = batch(2);
    orphan.height = 10;
    client.publish_batch(&orphan).await.unwrap();

    dead.wait_until(WAIT, "5 dead letters", |m| m.len() >= 5)
        .await;
    let got = letters(&dead);
    let expect = [
        ("schema", "invalid type: sequence"),
        ("schema", "invalid type: sequence"),
        ("content_type", "`text/plain`"),
        ("too_far_ahead", "max_park_ahead 1000"),
        ("too_far_ahead", "parked 2 times"),
    ];
    for (reason, needle) in expect {
        let n = got
            .iter()
            .filter(|(r, e)| r == reason && e.contains(needle))
            .count();
        let want = expect
            .iter()
            .filter(|(r, e)| *r == reason && *e == needle)
            .count();
        assert_eq!(n, want, "`{reason}` letters saying `{needle}` in {got:?}");
    }
    assert_eq!(got.len(), expect.len(), "{got:?}");

    // The chain goes on: height 3 after the JSON height 2.
    client.publish_batch(&batch(2)).await.unwrap();
    inbox
        .wait_until(WAIT, "results for heights 1..=3", |m| has_all(m, 3))
        .await;
    assert_clean_roots(&inbox.seen, &clean);
    let order: Vec<u64> = results(&inbox.seen).iter().map(|(r, _)| r.height).collect();
    assert_eq!(order, [1, 2, 3], "each height once, in order");

    client.close().await;
    bus.cleanup().await;
}
