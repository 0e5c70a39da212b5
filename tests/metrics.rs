//! `--metrics-addr`: the Prometheus endpoints of `isovm serve` and `isovm verify` scraped
//! during a real run, their counters checked against the receipts published and the blocks
//! verified; `/readyz` false while the broker is stopped and true once it is back, `/healthz`
//! true throughout.

mod bus_common;

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use bus_common::broker::{PrivateBroker, free_port};
use bus_common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const WAIT: Duration = Duration::from_secs(60);
/// How soon `/readyz` must turn false once the broker is gone.
const NOTICE: Duration = Duration::from_secs(10);

/// `GET path` on `addr`: the status code and the body, or `None` if nothing answered.
async fn get(addr: &str, path: &str) -> Option<(u16, String)> {
    let ask = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.ok()?;
        let text = String::from_utf8(response).ok()?;
        let (head, body) = text.split_once("\r\n\r\n")?;
        let status = head.split_whitespace().nth(1)?.parse().ok()?;
        // Chunked bodies are not expected (axum sends a length), but be plain about it.
        assert!(
            !head
                .to_ascii_lowercase()
                .contains("transfer-encoding: chunked"),
            "chunked response to {path}: {head}"
        );
        Some((status, body.to_string()))
    };
    tokio::time::timeout(Duration::from_secs(5), ask)
        .await
        .ok()
        .flatten()
}

/// Polls `path` until its status is `want`, at most `timeout`; the body then.
async fn wait_status(addr: &str, path: &str, want: u16, timeout: Duration) -> String {
    let deadline = Instant::now() + timeout;
    loop {
        let last = get(addr, path).await;
        if let Some((status, body)) = &last
            && *status == want
        {
            return body.clone();
        }
        assert!(
            Instant::now() < deadline,
            "{path} did not answer {want} within {timeout:?}; last answer {last:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The Prometheus text format: each sample as `name{labels}` → value (comments skipped).
fn parse(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let (series, value) = line
                .rsplit_once(' ')
                .unwrap_or_else(|| panic!("not a sample: {line}"));
            let value = value
                .parse()
                .unwrap_or_else(|_| panic!("not a number: {line}"));
            (series.to_string(), value)
        })
        .collect()
}

fn sample(samples: &BTreeMap<String, f64>, series: &str) -> f64 {
    *samples
        .get(series)
        .unwrap_or_else(|| panic!("no {series} among {:#?}", samples.keys()))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_counters_match_the_receipts_of_a_real_run() {
    let bus = TestBus::new(&amqp_url(), None, "");
    let last = 5;
    let files = token_stream(bus.dir.path(), last, 4);
    let (client, mut inbox) = bus.results_inbox().await;
    let addr = format!("127.0.0.1:{}", free_port());
    let db = bus.dir.path().join("db");
    let mut serve = Serve::start(&db, &bus, "serve.log", &["--metrics-addr", &addr]);
    wait_status(&addr, "/healthz", 200, WAIT).await;
    wait_status(&addr, "/readyz", 200, WAIT).await;
    // `isovm verify` alongside, with an endpoint of its own.
    let verify_addr = format!("127.0.0.1:{}", free_port());
    let verify_db = bus.dir.path().join("verify-db");
    let mut verify = Serve::start_verify(
        &verify_db,
        &bus,
        "verify.log",
        &["--metrics-addr", &verify_addr],
    );
    verify.wait_log("verify: consuming", WAIT).await;
    wait_status(&verify_addr, "/readyz", 200, WAIT).await;

    publish_files(&client, &files).await;
    inbox
        .wait_until(WAIT, "every result", |m| has_all(m, last))
        .await;

    // What the validator saw, one result per height (delivery is at least once).
    let mut blocks = BTreeMap::new();
    for (result, replayed) in results(&inbox.seen) {
        assert!(!replayed, "height {} was replayed", result.height);
        blocks.insert(result.height, result.clone());
    }
    assert_eq!(blocks.len() as u64, last);
    let receipts: Vec<_> = blocks.values().flat_map(|b| b.receipts.iter()).collect();
    let mut statuses: BTreeMap<String, f64> = BTreeMap::new();
    for receipt in &receipts {
        let name = serde_json::to_value(receipt.status).unwrap();
        *statuses
            .entry(name.as_str().unwrap().to_string())
            .or_default() += 1.0;
    }
    assert!(
        statuses.len() >= 2,
        "the stream should have more than one status: {statuses:?}"
    );
    let gas: u64 = receipts.iter().map(|r| r.gas_used).sum();
    assert!(gas > 0);

    // A batch is counted once acked, just after its result is out: wait (bounded) for the last.
    let deadline = Instant::now() + WAIT;
    let samples = loop {
        let (status, body) = get(&addr, "/metrics").await.expect("/metrics answers");
        assert_eq!(status, 200, "{body}");
        let samples = parse(&body);
        if samples.get("isovm_batches_total") == Some(&(last as f64)) {
            break samples;
        }
        assert!(
            Instant::now() < deadline,
            "isovm_batches_total never reached {last}:\n{body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        sample(&samples, "isovm_transactions_total"),
        receipts.len() as f64
    );
    for (status, n) in &statuses {
        assert_eq!(
            sample(
                &samples,
                &format!("isovm_receipts_total{{status=\"{status}\"}}")
            ),
            *n,
            "receipts with status {status}"
        );
    }
    let by_status: f64 = samples
        .iter()
        .filter(|(k, _)| k.starts_with("isovm_receipts_total{"))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(
        by_status,
        receipts.len() as f64,
        "no status counted that was not seen"
    );
    assert_eq!(sample(&samples, "isovm_gas_used_total"), gas as f64);
    for stage in ["execute", "commit", "publish"] {
        assert_eq!(
            sample(&samples, &format!("isovm_batch_{stage}_seconds_count")),
            last as f64,
            "{stage} latencies"
        );
    }
    assert_eq!(
        sample(
            &samples,
            "isovm_partition_height_committed{partition=\"0\"}"
        ),
        last as f64
    );
    assert_eq!(
        sample(&samples, "isovm_partition_lag{partition=\"0\"}"),
        0.0
    );
    assert_eq!(sample(&samples, "isovm_partitions_owned"), 1.0);
    assert!(sample(&samples, "isovm_pool_workers") >= 1.0);
    assert!(sample(&samples, "isovm_isolates_created_total") >= 1.0);
    assert!(sample(&samples, "isovm_contract_calls_total") >= receipts.len() as f64 / 2.0);
    assert_eq!(sample(&samples, "isovm_partitions_halted"), 0.0);
    assert!(
        !samples.contains_key("isovm_batches_replayed_total")
            || sample(&samples, "isovm_batches_replayed_total") == 0.0
    );

    // The verifier matched every block, and says so.
    let deadline = Instant::now() + WAIT;
    let verified = loop {
        let (_, body) = get(&verify_addr, "/metrics")
            .await
            .expect("verify's /metrics");
        let samples = parse(&body);
        if samples.get("isovm_verify_blocks_matched_total") == Some(&(last as f64)) {
            break samples;
        }
        assert!(
            Instant::now() < deadline,
            "verify never matched {last} blocks:\n{body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(sample(&verified, "isovm_verify_blocks_diverged_total"), 0.0);
    assert_eq!(sample(&verified, "isovm_verify_divergences_total"), 0.0);
    assert_eq!(
        sample(&verified, "isovm_verify_blocks_executed_total"),
        last as f64
    );

    // A delivery that is not a batch is dead-lettered, and counted: the one metric of the
    // dashboard that appears only once it has something to count (by reason).
    client
        .publish_raw(
            "batch.0",
            br#"{"not":"a batch"}"#.to_vec(),
            isovm::schema::Format::Json,
        )
        .await
        .unwrap();
    let deadline = Instant::now() + WAIT;
    let serve_text = loop {
        let (_, body) = get(&addr, "/metrics").await.expect("/metrics answers");
        if body.contains("isovm_dead_letters_total{") {
            break body;
        }
        assert!(
            Instant::now() < deadline,
            "the dead letter was never counted:\n{body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let (_, verify_text) = get(&verify_addr, "/metrics").await.unwrap();
    assert_dashboard_is_exported(&[&serve_text, &verify_text]);

    verify.stop_cleanly(WAIT);
    serve.stop_cleanly(WAIT);
    client.close().await;
    bus.cleanup().await;
}

/// Every metric a panel of `deploy/grafana/isovm.json` queries is among the series of
/// `scrapes` (a histogram's `_bucket`, `_sum` and `_count` are series of their own).
fn assert_dashboard_is_exported(scrapes: &[&str]) {
    let exported: std::collections::BTreeSet<String> = scrapes
        .iter()
        .flat_map(|text| parse(text).into_keys())
        .map(|series| series.split('{').next().unwrap().to_string())
        .collect();
    let path = repo().join("deploy/grafana/isovm.json");
    let dashboard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut exprs = Vec::new();
    fn walk(panels: &serde_json::Value, exprs: &mut Vec<String>) {
        for panel in panels.as_array().into_iter().flatten() {
            for target in panel["targets"].as_array().into_iter().flatten() {
                exprs.push(target["expr"].as_str().expect("expr").to_string());
            }
            walk(&panel["panels"], exprs);
        }
    }
    walk(&dashboard["panels"], &mut exprs);
    assert!(exprs.len() >= 20, "{exprs:?}");
    let mut queried = std::collections::BTreeSet::new();
    for expr in &exprs {
        let mut rest = expr.as_str();
        while let Some(at) = rest.find("isovm_") {
            let name: String = rest[at..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            rest = &rest[at + name.len()..];
            queried.insert(name);
        }
    }
    let missing: Vec<&String> = queried.difference(&exported).collect();
    assert!(
        missing.is_empty(),
        "the dashboard queries {missing:?}, which no scrape exports; exported: {exported:#?}"
    );
    // The panels the issue asks for.
    for needle in [
        "isovm_transactions_total",
        "isovm_batch_execute_seconds_bucket",
        "isovm_batch_commit_seconds_bucket",
        "isovm_batch_publish_seconds_bucket",
        "isovm_receipts_total",
        "isovm_partition_lag",
        "isovm_pool_idle_workers",
        "isovm_pool_recycled_total",
        "isovm_dead_letters_total",
        "isovm_bus_reconnects_total",
        "isovm_verify_blocks_diverged_total",
    ] {
        assert!(queried.contains(needle), "no panel queries {needle}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn readiness_follows_the_broker_and_health_the_process() {
    let broker = PrivateBroker::start("metrics");
    let bus = TestBus::new(&broker.url(), None, "");
    let addr = format!("127.0.0.1:{}", free_port());
    let db = bus.dir.path().join("db");
    let mut serve = Serve::start(&db, &bus, "serve.log", &["--metrics-addr", &addr]);
    wait_status(&addr, "/readyz", 200, WAIT).await;
    assert_eq!(get(&addr, "/healthz").await.map(|(s, _)| s), Some(200));

    // `isovm probe`, the compose health check, agrees.
    let readyz = format!("http://{addr}/readyz");
    assert_probe(&readyz, true, "");

    broker.stop_app();
    let stopped = Instant::now();
    let reason = wait_status(&addr, "/readyz", 503, NOTICE).await;
    assert_probe(&readyz, false, "HTTP 503");
    eprintln!(
        "/readyz 503 {:?} after the broker stopped: {reason}",
        stopped.elapsed()
    );
    assert!(
        reason.contains("broker") && reason.trim().lines().count() == 1,
        "a one-line reason naming the broker: {reason:?}"
    );
    assert_eq!(get(&addr, "/healthz").await.map(|(s, _)| s), Some(200));
    // Still not ready a moment later: the reconnects fail while the broker is down.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(get(&addr, "/readyz").await.map(|(s, _)| s), Some(503));

    broker.start_app();
    wait_status(&addr, "/readyz", 200, WAIT).await;
    assert_probe(&readyz, true, "");
    assert_eq!(get(&addr, "/healthz").await.map(|(s, _)| s), Some(200));
    let (_, body) = get(&addr, "/metrics").await.unwrap();
    let samples = parse(&body);
    assert!(
        sample(&samples, "isovm_bus_reconnects_total") >= 1.0,
        "the reconnect is counted"
    );
    assert!(serve.is_running(), "serve exited:\n{}", serve.log_text());
    serve.stop_cleanly(WAIT);
}

#[test]
fn a_bad_metrics_address_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(isovm())
        .args(["serve", "--metrics-addr", "nowhere:x", "--db"])
        .arg(dir.path().join("db"))
        .env_remove("ISOVM_METRICS_ADDR")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--metrics-addr `nowhere:x`"),
        "stderr: {stderr}"
    );
}

/// `isovm probe url`: exit 0 (`ok`) or 1, and `needle` in its error.
fn assert_probe(url: &str, ok: bool, needle: &str) {
    let out = Command::new(isovm())
        .args(["probe", "--timeout", "5", url])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(if ok { 0 } else { 1 }),
        "isovm probe {url}: {stderr}"
    );
    assert!(stderr.contains(needle), "{needle:?} missing in: {stderr}");
}

#[test]
fn probe_fails_where_nothing_listens() {
    let url = format!("http://127.0.0.1:{}/readyz", free_port());
    assert_probe(&url, false, "cannot connect to 127.0.0.1:");
    assert_probe("https://127.0.0.1:1/readyz", false, "not http://");
}
