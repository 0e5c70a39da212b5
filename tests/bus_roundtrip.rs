//! Producer → isovm → validator on a real broker: batches published with `isovm publish`
//! are executed, committed to RocksDB and reported; `isovm tail` prints them; SIGTERM
//! stops `isovm serve` cleanly.

mod bus_common;

use std::process::{Command, Stdio};
use std::time::Duration;

use bus_common::*;
use isovm::bus::{Source, Subscription};
use isovm::schema::Status;

const WAIT: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread")]
async fn published_batches_are_committed_and_their_results_and_events_arrive() {
    let bus = TestBus::new(&amqp_url(), None, "");
    let files = token_stream(bus.dir.path(), 5, 4);
    let clean = clean_roots(&files);
    let client = bus.client().await;
    client.declare_topology().await.unwrap();
    let mut inbox = Inbox::open(
        &client,
        Subscription {
            source: Source::Both,
            partition: Some(0),
            contract: None,
            queue: None,
        },
    )
    .await;
    // A validator's durable queue, for `isovm tail` later; only token events.
    let tail_queue = format!("{}.validator", bus.config.prefix);
    let mut tail_args = vec!["tail", "--config"];
    let config_file = bus.config_file.display().to_string();
    tail_args.push(&config_file);
    tail_args.extend(["--queue", &tail_queue, "--source", "events"]);
    tail_args.extend(["--contract", "token", "--count", "0"]);
    run_isovm(&tail_args);

    let db = bus.dir.path().join("db");
    let mut serve = Serve::start(&db, &bus, "serve.log", &[]);
    let mut publish = vec![
        "publish".to_string(),
        "--config".into(),
        config_file.clone(),
    ];
    publish.extend(files.iter().map(|f| f.display().to_string()));
    let published = run_isovm(&publish.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(published.lines().count(), files.len(), "{published}");

    inbox
        .wait_until(WAIT, "results for heights 1..=5", |m| has_all(m, 5))
        .await;
    // Events of a block follow its result on another exchange; wait for the last one's.
    let expected_events = 1 + 2 + 3 * 4;
    inbox
        .wait_until(WAIT, "all events", |m| events(m).len() >= expected_events)
        .await;

    for (result, replayed) in results(&inbox.seen) {
        assert!(!replayed, "height {} was replayed", result.height);
        assert_eq!(
            result.state_root, clean[&result.height],
            "height {}",
            result.height
        );
    }
    // A contract error is not bad input: it commits with a failed receipt.
    let (second, _) = results(&inbox.seen)
        .into_iter()
        .find(|(r, _)| r.height == 2)
        .unwrap();
    let statuses: Vec<Status> = second.receipts.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [
            Status::Success,
            Status::RuntimeError,
            Status::Success,
            Status::Success
        ]
    );
    assert!(second.receipts[1].message.contains("insufficient balance"));
    let evs = events(&inbox.seen);
    assert!(
        evs.iter()
            .all(|e| e.contract == "token" && e.partition == 0)
    );
    let first = evs.iter().find(|e| e.height == 1).unwrap();
    assert_eq!(first.data, r#"{"issue":"alice","amount":1000}"#);
    let mut keys: Vec<(u64, u32)> = evs.iter().map(|e| (e.height, e.index)).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), expected_events, "each event once");

    // What a validator sees: one line per receipt, one per block, one per event. One message
    // carries a block's events of one contract: two messages are heights 1 and 2.
    let tail = Command::new(isovm())
        .args(["tail", "--config", &config_file, "--queue", &tail_queue])
        .args(["--source", "events", "--count", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let output = tail.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "tail --count 2 exited with {}",
        output.status
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let first_two = evs.iter().filter(|e| e.height <= 2).count();
    assert_eq!(lines.len(), first_two, "{lines:?}");
    assert_eq!(lines[0]["kind"], "event");
    assert_eq!(lines[0]["height"], 1);
    assert_eq!(lines[0]["contract"], "token");
    assert_eq!(lines.last().unwrap()["height"], 2);

    // SIGTERM: exit 0 after finishing what is in hand.
    let status = serve.terminate(WAIT);
    assert!(status.success(), "serve exited with {status} after SIGTERM");
    assert!(!serve.log_events("bus stopped").is_empty());

    // The state is in RocksDB: replaying the files finds every height committed, with the
    // same roots.
    let replay = exec_roots(&db, &files);
    for (height, (root, replayed)) in &replay {
        assert!(replayed, "height {height} was not committed by serve");
        assert_eq!(root, &clean[height]);
    }
    assert_eq!(replay.len(), 5);

    client.delete_queue(&tail_queue).await.unwrap();
    client.close().await;
    bus.cleanup().await;
}
