//! A node fault on the bus: `serve` with a watchdog forced to strike halts the partition whose
//! batch meets it, parks that partition's batches (nothing lost, nothing committed, an error
//! logged each time), keeps serving the other partitions, and says so in the RPC head; a
//! restart with the default watchdog applies the parked batches.

mod bus_common;

use std::time::Duration;

use bus_common::*;
use isovm::bus::Client;
use isovm::cmd::exec::read_batch;
use isovm::schema::{HeadRequest, RpcReply, RpcRequest, SafetyNet};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(60);
/// The watchdog of a call: nothing, plus its gas at 10^12 gas/s (a fraction of a millisecond).
const TIGHT_WATCHDOG: [&str; 4] = ["--watchdog-ms", "0", "--watchdog-min-rate", "1000000000000"];

/// Partition 0: a deploy whose `init()` does some 150 million gas of metered work (tens to
/// hundreds of milliseconds anywhere, so the tight watchdog always strikes), then a batch
/// behind it. Partition 1: batches whose transactions never reach V8 (calls of a contract
/// that does not exist), so the tight watchdog never meets them.
fn batches(dir: &std::path::Path) -> (Vec<std::path::PathBuf>, Vec<std::path::PathBuf>) {
    let code = "class Heavy {\n  init() { let x = 0; for (let i = 0; i < 30000000; i++) { x += i; } storage.put(\"x\", String(x)); }\n  get() { return storage.get(\"x\"); }\n}\nmodule.exports = Heavy;\n";
    let abi = r#"{"lang":"javascript","version":"1.0.0","abi":[{"name":"get","args":[]}]}"#;
    let heavy = write_batch(
        dir,
        0,
        1,
        json!([{"hash": "HeavyDep1oy", "publisher": "alice", "gas_limit": 200000000,
                "actions": [{"contract": "system", "method": "deploy", "args": [code, abi, "heavy"]}]}]),
    );
    let behind = write_batch(
        dir,
        0,
        2,
        json!([{"hash": "HeavyGet2", "publisher": "alice", "gas_limit": 100000,
                "actions": [{"contract": "heavy", "method": "get", "args": []}]}]),
    );
    let others = (1..=3)
        .map(|height| {
            write_batch(
                dir,
                1,
                height,
                json!([{"hash": format!("Nobody{height}"), "publisher": "bob", "gas_limit": 100000,
                        "actions": [{"contract": "nobody", "method": "get", "args": []}]}]),
            )
        })
        .collect();
    (vec![heavy, behind], others)
}

async fn head(client: &Client, partition: u32) -> isovm::schema::HeadReply {
    match client
        .call(&RpcRequest::Head(HeadRequest { partition }), WAIT)
        .await
        .unwrap()
    {
        RpcReply::Head(head) => head,
        other => panic!("not a head reply: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_halted_partition_is_parked_and_the_others_go_on() {
    let bus = TestBus::new(&amqp_url(), None, "park_delay_ms = 200");
    let (halting, others) = batches(bus.dir.path());
    let (client, mut inbox) = bus.results_inbox().await;
    let db = bus.dir.path().join("db");
    let mut serve = Serve::start(&db, &bus, "serve-1.log", &TIGHT_WATCHDOG);
    for file in halting.iter().chain(&others) {
        client
            .publish_batch(&read_batch(file).unwrap())
            .await
            .unwrap();
    }

    // Partition 1 is served while partition 0 is halted.
    inbox
        .wait_until(WAIT, "partition 1's three results", |m| {
            (1..=3).all(|h| blocks(m).contains(&(1, h)))
        })
        .await;
    // Both batches of partition 0 are parked, each time with an error naming the halt.
    serve
        .wait_log_count("partition is halted; batch parked", 4, WAIT)
        .await;
    let parked = serve.log_events("partition is halted; batch parked");
    for event in &parked {
        assert_eq!(event["level"], "ERROR", "{event}");
        assert_eq!(event["fields"]["partition"], 0, "{event}");
        let error = event["fields"]["error"].as_str().unwrap();
        assert!(
            error.contains("partition 0 is halted at height 1")
                && error.contains("HeavyDep1oy")
                && error.contains("the wall-clock watchdog"),
            "{error}"
        );
    }
    let heights: std::collections::BTreeSet<u64> = parked
        .iter()
        .map(|e| e["fields"]["height"].as_u64().unwrap())
        .collect();
    assert_eq!(
        heights,
        [1, 2].into(),
        "both of partition 0's batches are parked"
    );
    assert_eq!(
        serve
            .log_events("node fault: the wall-clock watchdog struck")
            .len(),
        2,
        "height 1 ran twice (once more on a fresh isolate), then never again"
    );

    let halted = head(&client, 0).await;
    assert_eq!(halted.height, 0, "nothing of partition 0 was committed");
    assert_eq!(halted.params_version, isovm::consensus::VERSION);
    let why = halted.halted.expect("partition 0 is halted");
    assert_eq!(
        (
            why.height,
            why.tx_hash.as_str(),
            why.safety_net,
            why.attempts
        ),
        (1, "HeavyDep1oy", SafetyNet::Watchdog, 2)
    );
    assert!(why.reason.contains("node fault"), "{}", why.reason);
    let serving = head(&client, 1).await;
    assert_eq!((serving.height, serving.halted), (3, None));
    inbox.drain();
    assert!(
        blocks(&inbox.seen).iter().all(|(p, _)| *p == 1),
        "no result of partition 0: {:?}",
        blocks(&inbox.seen)
    );
    assert!(serve.terminate(WAIT).success());

    // Nothing was lost: restarted with the default watchdog, the parked batches commit.
    let _serve = Serve::start(&db, &bus, "serve-2.log", &[]);
    inbox
        .wait_until(WAIT, "partition 0's two results", |m| {
            blocks(m).contains(&(0, 1)) && blocks(m).contains(&(0, 2))
        })
        .await;
    let clean = clean_roots_all(&[halting, others].concat());
    for (result, _) in results(&inbox.seen) {
        assert_eq!(
            result.state_root,
            clean[&(result.partition, result.height)],
            "partition {}, height {}",
            result.partition,
            result.height
        );
    }
    assert_eq!(head(&client, 0).await.halted, None);
    client.close().await;
    bus.cleanup().await;
}
