//! A longer stream through `isovm serve` (two partitions, interleaved): every block's result
//! arrives with the root of a clean run, and the rate is printed (run with `--nocapture`):
//! `cargo test --release --test bus_throughput -- --nocapture`.

mod bus_common;

use std::time::{Duration, Instant};

use bus_common::*;

const LAST: u64 = 100;
const TRANSFERS: usize = 20;
const WAIT: Duration = Duration::from_secs(300);

#[tokio::test(flavor = "multi_thread")]
async fn a_stream_of_token_batches_flows_through_serve() {
    let bus = TestBus::new(&amqp_url(), None, "");
    let per_partition: Vec<_> = [0, 1]
        .iter()
        .map(|&p| token_stream_on(bus.dir.path(), p, LAST, TRANSFERS))
        .collect();
    let files: Vec<_> = (0..LAST as usize)
        .flat_map(|i| per_partition.iter().map(move |f| f[i].clone()))
        .collect();
    let clean = clean_roots_all(&files);
    let batches: Vec<_> = files
        .iter()
        .map(|f| isovm::cmd::exec::read_batch(f).unwrap())
        .collect();
    let txs: usize = batches.iter().map(|b| b.txs.len()).sum();

    let (client, mut inbox) = bus.results_inbox().await;
    // Everything is queued before the worker starts, so the rate is the worker's alone.
    for batch in &batches {
        client.publish_batch(batch).await.unwrap();
    }
    let db = bus.dir.path().join("db");
    let mut serve = Serve::start(&db, &bus, "serve.log", &[]);
    serve.wait_log("connected", WAIT).await;
    let started = Instant::now();
    inbox
        .wait_until(WAIT, "every block's result", |m| {
            blocks(m).len() == files.len()
        })
        .await;
    let took = started.elapsed();
    for (result, replayed) in results(&inbox.seen) {
        assert!(!replayed);
        assert_eq!(
            result.state_root,
            clean[&(result.partition, result.height)],
            "partition {} height {}",
            result.partition,
            result.height
        );
    }
    let secs = took.as_secs_f64();
    eprintln!(
        "{} batches ({txs} txs, 2 partitions) through serve in {took:.2?}: {:.0} batches/s, \
         {:.0} txs/s (execute + commit + confirmed publish + ack)",
        files.len(),
        files.len() as f64 / secs,
        txs as f64 / secs
    );
    assert!(serve.terminate(WAIT).success());
    client.close().await;
    bus.cleanup().await;
}
