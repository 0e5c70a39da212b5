//! When the broker refuses a publish (a nack), the delivery in hand is not acked: the
//! session restarts, the batch comes back, and nothing is lost or applied twice.

mod bus_common;

use std::time::Duration;

use bus_common::*;
use isovm::cmd::exec::read_batch;

const WAIT: Duration = Duration::from_secs(120);
const LAST: u64 = 12;

#[tokio::test(flavor = "multi_thread")]
async fn a_nacked_parking_leaves_the_batch_unacked_and_nothing_is_lost() {
    // A park queue of one: the second batch parked at once is refused (reject-publish).
    let bus = TestBus::new(&amqp_url(), None, "max_parked = 1\npark_delay_ms = 300");
    let files = token_stream(bus.dir.path(), LAST, 2);
    let clean = clean_roots(&files);
    let (client, mut inbox) = bus.results_inbox().await;
    let db = bus.dir.path().join("db");
    let mut serve = Serve::start(&db, &bus, "serve.log", &[]);
    client
        .publish_batch(&read_batch(&files[0]).unwrap())
        .await
        .unwrap();
    // Heights 3..=LAST while 2 is missing: far more than the park queue holds.
    for file in &files[2..] {
        client
            .publish_batch(&read_batch(file).unwrap())
            .await
            .unwrap();
    }
    serve.wait_log("session restarts", WAIT).await;
    assert!(serve.log_text().contains("(publisher nack)"));
    client
        .publish_batch(&read_batch(&files[1]).unwrap())
        .await
        .unwrap();

    inbox
        .wait_until(WAIT, "results for every height", |m| has_all(m, LAST))
        .await;
    for (result, replayed) in results(&inbox.seen) {
        assert!(!replayed, "height {} was committed twice", result.height);
        assert_eq!(result.state_root, clean[&result.height]);
    }
    assert!(serve.is_running());
    assert!(serve.terminate(WAIT).success());
    let replay = exec_roots(&db, &files);
    assert!(replay.values().all(|(_, replayed)| *replayed));
    client.close().await;
    bus.cleanup().await;
}
