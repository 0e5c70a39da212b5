//! The broker stops and starts during a run: `isovm serve` reconnects by itself, declares
//! again, and carries on; batches in flight at the stop are redelivered and applied once.
//! Runs on a private RabbitMQ node preloaded with `deploy/definitions.json`, which also
//! shows that the definitions file matches what isovm declares.

mod bus_common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bus_common::broker::PrivateBroker;
use bus_common::*;
use isovm::bus::{BusMessage, Client, Source, Subscription};
use isovm::cmd::exec::read_batch;

const LAST: u64 = 40;
const WAIT: Duration = Duration::from_secs(180);

/// Reads the durable results queue `queue`, reconnecting whenever the broker goes away,
/// until every height up to `last` has a result or `timeout` passes.
async fn collect_results(
    bus: &TestBus,
    queue: &str,
    last: u64,
    timeout: Duration,
    seen: &mut Vec<BusMessage>,
) {
    let deadline = tokio::time::Instant::now() + timeout;
    while !has_all(seen, last) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {timeout:?} waiting for results up to height {last}; have {:?}",
            heights(seen)
        );
        let Ok(client) = Client::connect(&bus.config).await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let subscription = Subscription {
            source: Source::Results,
            partition: None,
            contract: None,
            queue: Some(queue.to_string()),
        };
        let Ok(mut subscriber) = client.subscribe(&subscription).await else {
            continue;
        };
        while !has_all(seen, last) {
            match tokio::time::timeout_at(deadline, subscriber.next()).await {
                Ok(Some(Ok(received))) => {
                    seen.push(received.message.clone());
                    let _ = received.ack().await;
                }
                // The broker went away: connect again.
                Ok(Some(Err(_)) | None) => break,
                Err(_) => break,
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_worker_resumes_by_itself_after_the_broker_restarts() {
    let broker = PrivateBroker::start("restart");
    broker.import_definitions(&repo().join("deploy/definitions.json"));
    // The default names (`isovm.*`), as preloaded; only the reconnect cap differs.
    let bus = TestBus::new(&broker.url(), Some("isovm"), "");
    let files = token_stream(bus.dir.path(), LAST + 1, 30);
    let clean = clean_roots(&files);
    let results_queue = "test.results";

    let db = bus.dir.path().join("db");
    let mut serve = Serve::start(&db, &bus, "serve.log", &[]);
    serve.wait_log("connected", WAIT).await;
    let client = bus.client().await;
    // The validator's durable queue exists before anything is published.
    drop(
        client
            .subscribe(&Subscription {
                source: Source::Results,
                partition: None,
                contract: None,
                queue: Some(results_queue.into()),
            })
            .await
            .unwrap(),
    );
    for file in &files[..LAST as usize] {
        client
            .publish_batch(&read_batch(file).unwrap())
            .await
            .unwrap();
    }
    client.close().await;

    let mut seen = Vec::new();
    collect_results(&bus, results_queue, LAST / 4, WAIT, &mut seen).await;
    let stopped = Instant::now();
    broker.stop_app();
    serve.wait_log("reconnecting", WAIT).await;
    let down_for = Duration::from_secs(2);
    tokio::time::sleep(down_for).await;
    let restarted = Instant::now();
    broker.start_app();
    serve
        .wait_log_count("connected; claiming partitions", 2, WAIT)
        .await;
    let reconnected = Instant::now();

    // One more batch after the restart, so there is always work for the resumed worker.
    let client = bus.client().await;
    client
        .publish_batch(&read_batch(&files[LAST as usize]).unwrap())
        .await
        .unwrap();
    client.close().await;
    collect_results(&bus, results_queue, LAST + 1, WAIT, &mut seen).await;
    let done = Instant::now();
    assert!(serve.is_running(), "serve exited:\n{}", serve.log_text());
    eprintln!(
        "broker down {:?} (stop_app .. start_app); serve reconnected {:?} after start_app was \
         issued (the broker's boot included), and all {} results were in {:?} after that",
        restarted - stopped,
        reconnected - restarted,
        LAST + 1,
        done - reconnected
    );

    let mut executions: BTreeMap<u64, usize> = BTreeMap::new();
    for (result, replayed) in results(&seen) {
        assert_eq!(
            result.state_root, clean[&result.height],
            "height {}",
            result.height
        );
        *executions.entry(result.height).or_default() += usize::from(!replayed);
    }
    for (height, n) in executions {
        assert!(n <= 1, "height {height} was executed {n} times");
    }
    assert!(serve.terminate(WAIT).success());
    let replay = exec_roots(&db, &files);
    assert_eq!(replay.len() as u64, LAST + 1);
    assert!(
        replay
            .values()
            .all(|(root, replayed)| *replayed && !root.is_empty())
    );
    assert_eq!(replay[&(LAST + 1)].0, clean[&(LAST + 1)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_publish_the_broker_does_not_confirm_leaves_the_batch_unacked() {
    let broker = PrivateBroker::start("alarm");
    let bus = TestBus::new(
        &broker.url(),
        None,
        "confirm_timeout_ms = 1000\npark_delay_ms = 3000",
    );
    let files = token_stream(bus.dir.path(), 3, 2);
    let clean = clean_roots(&files);
    let (client, mut inbox) = bus.results_inbox().await;
    let db = bus.dir.path().join("db");
    let mut serve = Serve::start(&db, &bus, "serve.log", &[]);
    for file in &files[..2] {
        client
            .publish_batch(&read_batch(file).unwrap())
            .await
            .unwrap();
    }
    inbox
        .wait_until(WAIT, "results for heights 1..=2", |m| has_all(m, 2))
        .await;

    // Height 3 goes through the park queue, so it reaches serve (which owns the partition
    // and has read its block log) a few seconds from now; meanwhile a memory alarm makes
    // the broker stop taking publishes (deliveries go on, and so does the park queue's
    // dead-lettering), so the block record and the result of height 3 cannot be confirmed.
    let body = isovm::schema::to_msgpack(&read_batch(&files[2]).unwrap());
    client
        .publish_to(
            &bus.config.names().park_exchange,
            "batch.0",
            body,
            "application/msgpack",
        )
        .await
        .unwrap();
    broker.ctl_ok(&["set_vm_memory_high_watermark", "0"]);
    serve.wait_log("batch left unacked", WAIT).await;
    assert!(
        serve.log_text().contains("did not confirm"),
        "{}",
        serve.log_text()
    );
    broker.ctl_ok(&["set_vm_memory_high_watermark", "0.4"]);

    // The batch was committed but never acked: it comes back and is republished from
    // storage, not executed again.
    inbox
        .wait_until(WAIT, "a replayed result for height 3", |m| {
            results(m)
                .iter()
                .any(|(r, replayed)| r.height == 3 && *replayed)
        })
        .await;
    let third: Vec<_> = results(&inbox.seen)
        .into_iter()
        .filter(|(r, _)| r.height == 3)
        .collect();
    assert!(third.iter().filter(|(_, replayed)| !replayed).count() <= 1);
    assert!(third.iter().all(|(r, _)| r.state_root == clean[&3]));
    assert!(serve.is_running(), "serve exited:\n{}", serve.log_text());
    assert!(serve.terminate(WAIT).success());
}
