//! The metrics isovm exports, named as Prometheus asks (`isovm_…_total` for counters,
//! `_seconds` and other base units), and the calls that record them. Counters of what
//! the executor and the pool keep themselves (isolates, code cache, workers) are read when
//! scraped (`sample_executor`), not counted twice.

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::Duration;

use metrics::{
    Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::exec::Executor;
use crate::schema::{BlockResult, Status};

/// Latency buckets, seconds: a batch takes from about a millisecond to seconds.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The process-wide recorder, installed once (the `metrics` facade has one).
static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Whether a recorder is installed (`--metrics-addr`): lets a caller skip gathering what
/// only a metric would use.
pub fn enabled() -> bool {
    HANDLE.get().is_some()
}

/// Installs the Prometheus recorder (once per process) and describes every metric.
pub(super) fn install() -> Result<PrometheusHandle, String> {
    if let Some(handle) = HANDLE.get() {
        return Ok(handle.clone());
    }
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
        .map_err(|e| format!("metric buckets: {e}"))?
        .install_recorder()
        .map_err(|e| format!("cannot install the metrics recorder: {e}"))?;
    describe();
    zero();
    Ok(HANDLE.get_or_init(|| handle).clone())
}

fn describe() {
    describe_counter!(
        "isovm_batches_total",
        Unit::Count,
        "Batches executed and committed here (replays of committed heights not counted)."
    );
    describe_counter!(
        "isovm_batches_replayed_total",
        Unit::Count,
        "Redelivered batches whose height was committed already: the stored result was published again."
    );
    describe_counter!(
        "isovm_transactions_total",
        Unit::Count,
        "Transactions of the batches executed here."
    );
    describe_counter!(
        "isovm_receipts_total",
        Unit::Count,
        "Receipts of the batches executed here, by status."
    );
    describe_counter!(
        "isovm_gas_used_total",
        Unit::Count,
        "Gas charged by the receipts of the batches executed here."
    );
    describe_histogram!(
        "isovm_batch_execute_seconds",
        Unit::Seconds,
        "From a batch taken by its lane to its execution done (its commit begun)."
    );
    describe_histogram!(
        "isovm_batch_commit_seconds",
        Unit::Seconds,
        "A batch's commit, until durable."
    );
    describe_histogram!(
        "isovm_batch_publish_seconds",
        Unit::Seconds,
        "A committed batch's block log record, result and events published (confirmed) and its delivery acked."
    );
    describe_gauge!(
        "isovm_partition_height_seen",
        Unit::Count,
        "The highest batch height delivered to this process, per partition."
    );
    describe_gauge!(
        "isovm_partition_height_committed",
        Unit::Count,
        "The last height committed and published by this process, per partition."
    );
    describe_gauge!(
        "isovm_partition_lag",
        Unit::Count,
        "Heights seen but not yet committed and published, per partition."
    );
    describe_counter!(
        "isovm_batches_parked_total",
        Unit::Count,
        "Batches moved to the park queue, by reason (ahead of their height, partition halted)."
    );
    describe_counter!(
        "isovm_dead_letters_total",
        Unit::Count,
        "Deliveries dead-lettered, by reason."
    );
    describe_counter!(
        "isovm_bus_reconnects_total",
        Unit::Count,
        "Bus sessions that ended in an error and were retried."
    );
    describe_gauge!(
        "isovm_partitions_owned",
        Unit::Count,
        "Partitions this process owns."
    );
    describe_gauge!(
        "isovm_partitions_halted",
        Unit::Count,
        "Partitions halted by node faults (an operator must restart isovm)."
    );
    describe_gauge!(
        "isovm_pool_workers",
        Unit::Count,
        "Worker threads (each with its isolate)."
    );
    describe_gauge!(
        "isovm_pool_idle_workers",
        Unit::Count,
        "Worker threads waiting for work."
    );
    describe_counter!(
        "isovm_pool_jobs_total",
        Unit::Count,
        "Jobs the worker pool has run."
    );
    describe_counter!(
        "isovm_pool_recycled_total",
        Unit::Count,
        "Workers replaced after their job budget."
    );
    describe_counter!(
        "isovm_pool_retired_total",
        Unit::Count,
        "Workers retired (idle above the minimum, or after a fault)."
    );
    describe_counter!(
        "isovm_isolates_created_total",
        Unit::Count,
        "V8 isolates created."
    );
    describe_counter!(
        "isovm_contract_calls_total",
        Unit::Count,
        "Contract calls run by the isolates."
    );
    describe_counter!(
        "isovm_script_cache_hits_total",
        Unit::Count,
        "Calls whose contract was already compiled in their isolate."
    );
    describe_counter!(
        "isovm_code_cache_hits_total",
        Unit::Count,
        "Compiles that used the stored V8 code cache."
    );
    describe_counter!(
        "isovm_code_cache_rejected_total",
        Unit::Count,
        "Compiles whose stored V8 code cache was refused."
    );
    describe_counter!(
        "isovm_compiled_from_source_total",
        Unit::Count,
        "Compiles from source."
    );
    describe_counter!(
        "isovm_verify_blocks_executed_total",
        Unit::Count,
        "isovm verify: batches run and committed here."
    );
    describe_counter!(
        "isovm_verify_blocks_matched_total",
        Unit::Count,
        "isovm verify: published results equal to ours."
    );
    describe_counter!(
        "isovm_verify_blocks_diverged_total",
        Unit::Count,
        "isovm verify: published results that differ from ours."
    );
    describe_counter!(
        "isovm_verify_divergences_total",
        Unit::Count,
        "isovm verify: differing fields of those results."
    );
    describe_counter!(
        "isovm_verify_duplicates_total",
        Unit::Count,
        "isovm verify: copies of results already compared."
    );
}

/// Registers at zero the counters of events that may not have happened yet (reconnects,
/// replays, parking) and whose labels are a closed set, so that a dashboard's rate over them reads 0, not "no data". A counter
/// whose labels are open (dead letters by reason) appears with its first count.
fn zero() {
    counter!("isovm_bus_reconnects_total").increment(0);
    counter!("isovm_batches_replayed_total").increment(0);
    for reason in PARK_REASONS {
        counter!("isovm_batches_parked_total", "reason" => *reason).increment(0);
    }
}

/// The reasons of [`batch_parked`].
const PARK_REASONS: &[&str] = &["ahead", "halted"];

/// How long the three stages of one batch took.
#[derive(Debug, Clone, Copy, Default)]
pub struct BatchTimes {
    pub execute: Duration,
    pub commit: Duration,
    pub publish: Duration,
}

/// The name a status has on the wire (`success`, `out_of_gas`, …), the `status` label.
fn status_name(status: Status) -> String {
    match serde_json::to_value(status) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{status:?}"),
    }
}

/// A batch committed, published and acked. A replayed one is counted apart: its
/// transactions ran before.
pub fn batch_committed(result: &BlockResult, replayed: bool, times: BatchTimes) {
    let partition = result.partition.to_string();
    gauge!("isovm_partition_height_committed", "partition" => partition.clone())
        .set(result.height as f64);
    gauge!("isovm_partition_lag", "partition" => partition).set(0.0);
    if replayed {
        counter!("isovm_batches_replayed_total").increment(1);
        return;
    }
    counter!("isovm_batches_total").increment(1);
    counter!("isovm_transactions_total").increment(result.receipts.len() as u64);
    let mut statuses: BTreeMap<String, u64> = BTreeMap::new();
    let mut gas = 0u64;
    for receipt in &result.receipts {
        *statuses.entry(status_name(receipt.status)).or_default() += 1;
        gas = gas.saturating_add(receipt.gas_used);
    }
    for (status, n) in statuses {
        counter!("isovm_receipts_total", "status" => status).increment(n);
    }
    counter!("isovm_gas_used_total").increment(gas);
    histogram!("isovm_batch_execute_seconds").record(times.execute.as_secs_f64());
    histogram!("isovm_batch_commit_seconds").record(times.commit.as_secs_f64());
    histogram!("isovm_batch_publish_seconds").record(times.publish.as_secs_f64());
}

/// A batch of `partition` at `height` was taken by its lane; `committed` is the
/// partition's committed height here.
pub fn batch_seen(partition: u32, height: u64, committed: u64) {
    let label = partition.to_string();
    gauge!("isovm_partition_height_seen", "partition" => label.clone()).set(height as f64);
    gauge!("isovm_partition_lag", "partition" => label)
        .set(height.saturating_sub(committed) as f64);
}

/// A batch moved to the park queue: `reason` is `ahead` or `halted`.
pub fn batch_parked(reason: &'static str) {
    debug_assert!(PARK_REASONS.contains(&reason), "{reason}");
    counter!("isovm_batches_parked_total", "reason" => reason).increment(1);
}

/// A delivery dead-lettered with `reason` (the `x-isovm-reason` header).
pub fn dead_lettered(reason: &str) {
    counter!("isovm_dead_letters_total", "reason" => reason.to_string()).increment(1);
}

/// A bus session ended in an error and is retried.
pub fn reconnect() {
    counter!("isovm_bus_reconnects_total").increment(1);
}

/// The partitions this process owns now.
pub fn partitions_owned(owned: usize) {
    gauge!("isovm_partitions_owned").set(owned as f64);
}

/// The executor's own counters, read at a scrape.
pub(super) fn sample_executor(executor: &Executor) {
    let (pool, engine) = (executor.pool_stats(), executor.engine_stats());
    gauge!("isovm_pool_workers").set(pool.workers as f64);
    gauge!("isovm_pool_idle_workers").set(pool.idle as f64);
    counter!("isovm_pool_jobs_total").absolute(pool.jobs);
    counter!("isovm_pool_recycled_total").absolute(pool.recycled);
    counter!("isovm_pool_retired_total").absolute(pool.retired);
    counter!("isovm_isolates_created_total").absolute(engine.isolates);
    counter!("isovm_contract_calls_total").absolute(engine.calls);
    counter!("isovm_script_cache_hits_total").absolute(engine.script_cache_hits);
    counter!("isovm_code_cache_hits_total").absolute(engine.code_cache_consumed);
    counter!("isovm_code_cache_rejected_total").absolute(engine.code_cache_rejected);
    counter!("isovm_compiled_from_source_total").absolute(engine.compiled_from_source);
    gauge!("isovm_partitions_halted").set(executor.halted().len() as f64);
}

/// `isovm verify`'s counts, read at a scrape.
pub(super) fn sample_verify(stats: &crate::bus::VerifyStats) {
    use std::sync::atomic::Ordering::Relaxed;
    counter!("isovm_verify_blocks_executed_total").absolute(stats.executed.load(Relaxed));
    counter!("isovm_verify_blocks_matched_total").absolute(stats.matched.load(Relaxed));
    counter!("isovm_verify_blocks_diverged_total").absolute(stats.diverged.load(Relaxed));
    counter!("isovm_verify_divergences_total").absolute(stats.divergences.load(Relaxed));
    counter!("isovm_verify_duplicates_total").absolute(stats.duplicates.load(Relaxed));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_labels_are_the_wire_names() {
        assert_eq!(status_name(Status::Success), "success");
        assert_eq!(status_name(Status::OutOfGas), "out_of_gas");
        assert_eq!(status_name(Status::InvalidSignature), "invalid_signature");
    }
}
