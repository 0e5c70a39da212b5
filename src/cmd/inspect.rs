//! The inspection commands: `isovm state get|keys`, `receipt`, `block`, `contract show`.
//! Each opens the database read-only ([`RocksReader`]: no lock, so `isovm serve` may hold it
//! meanwhile), reads through [`Inspector`] and prints human text, or JSON with `--json`.
//! Something missing is an [`InspectError`] naming it; `main.rs` prints it and exits 1.

use std::io::Write;
use std::path::Path;

use serde::Serialize;
use serde_json::{Value, json};

use crate::exec::{InspectError, Inspector, LastUpdate, Located};
use crate::schema::{self, Receipt, Status};
use crate::store::{RocksReader, StoreError};

/// Why an inspection command stopped.
#[derive(Debug, thiserror::Error)]
pub enum InspectCommandError {
    #[error(transparent)]
    Inspect(#[from] InspectError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the output: {0}")]
    Output(#[from] std::io::Error),
}

type Result<T> = std::result::Result<T, InspectCommandError>;

/// Opens the database at `db` for inspection (never creating one).
pub fn open(db: &Path) -> Result<RocksReader> {
    Ok(RocksReader::open(db)?)
}

/// What `state get` and `state keys` look at.
#[derive(Debug, Clone)]
pub struct StateArgs {
    pub partition: u32,
    pub contract: String,
    pub key: Option<String>,
    pub field: Option<String>,
}

/// `isovm state get`: the value of `--key` (`storage.get`), or its `--field`
/// (`storage.mapGet`). Human output is the value alone, as the contract reads it.
pub fn state_get(
    inspector: &Inspector<'_>,
    args: &StateArgs,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let (p, contract) = (args.partition, args.contract.as_str());
    let key = args.key.as_deref().unwrap_or_default();
    match &args.field {
        None => {
            let value = inspector.value(p, contract, key)?;
            if json {
                let line =
                    json!({"partition": p, "contract": contract, "key": key, "value": value});
                writeln!(out, "{line}")?;
            } else {
                writeln!(out, "{value}")?;
            }
        }
        Some(field) => {
            let (insertion, value) = inspector.field(p, contract, key, field)?;
            if json {
                let line = json!({
                    "partition": p, "contract": contract, "key": key, "field": field,
                    "value": value, "insertion": insertion,
                });
                writeln!(out, "{line}")?;
            } else {
                writeln!(out, "{value}")?;
            }
        }
    }
    Ok(())
}

/// `isovm state keys`: a contract's value keys and map keys (with their field counts); with
/// `--key`, that map's fields in insertion order (`storage.mapKeys`).
pub fn state_keys(
    inspector: &Inspector<'_>,
    args: &StateArgs,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let (p, contract) = (args.partition, args.contract.as_str());
    if let Some(key) = &args.key {
        let fields = inspector.fields(p, contract, key)?;
        if json {
            let line = json!({"partition": p, "contract": contract, "key": key, "fields": fields});
            writeln!(out, "{line}")?;
        } else {
            for field in fields {
                writeln!(out, "{field}")?;
            }
        }
        return Ok(());
    }
    let keys = inspector.keys(p, contract)?;
    if json {
        let maps: Vec<Value> = keys
            .maps
            .iter()
            .map(|(key, fields)| json!({"key": key, "fields": fields}))
            .collect();
        let line =
            json!({"partition": p, "contract": contract, "values": keys.values, "maps": maps});
        writeln!(out, "{line}")?;
    } else {
        for key in &keys.values {
            writeln!(out, "value  {key}")?;
        }
        for (key, fields) in &keys.maps {
            let s = if *fields == 1 { "" } else { "s" };
            writeln!(out, "map    {key}  ({fields} field{s})")?;
        }
    }
    Ok(())
}

/// One receipt found by hash, as a JSON line: where it is, whether the transaction ran
/// there, then the receipt's own fields (as `isovm tail` prints receipts).
#[derive(Serialize)]
struct ReceiptLine<'a> {
    partition: u32,
    height: u64,
    index: u32,
    ran: bool,
    #[serde(flatten)]
    receipt: &'a Receipt,
}

/// `isovm receipt TX_HASH`: every receipt committed for the hash (normally one; more when
/// copies of it were refused), each with its partition, height and index.
pub fn receipt(
    inspector: &Inspector<'_>,
    hash: &str,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let found = inspector.receipts(hash)?;
    for (n, located) in found.iter().enumerate() {
        let Located {
            partition,
            height,
            index,
            receipt,
        } = located;
        let ran = !receipt.status.is_refused();
        if json {
            let line = ReceiptLine {
                partition: *partition,
                height: *height,
                index: *index,
                ran,
                receipt,
            };
            writeln!(out, "{}", schema::to_json(&line))?;
            continue;
        }
        if n > 0 {
            writeln!(out)?;
        }
        writeln!(out, "tx         {}", receipt.tx_hash)?;
        writeln!(
            out,
            "block      partition {partition}, height {height}, index {index}"
        )?;
        let refused = if ran {
            ""
        } else {
            " (refused: it did not run here)"
        };
        writeln!(out, "status     {}{refused}", status_name(receipt.status))?;
        writeln!(out, "gas used   {}", receipt.gas_used)?;
        if !receipt.returns.is_empty() {
            writeln!(out, "returns    {}", receipt.returns.join(", "))?;
        }
        if !receipt.message.is_empty() {
            writeln!(out, "message    {}", receipt.message)?;
        }
        for event in &receipt.events {
            writeln!(out, "event      {}: {}", event.contract, event.data)?;
        }
        for r in &receipt.receipts {
            writeln!(out, "receipt    {}: {}", r.func_name, r.content)?;
        }
    }
    Ok(())
}

/// `isovm block P HEIGHT`: the committed block; human output a summary and a line per
/// receipt, `--json` everything but the state changes (counted).
pub fn block(
    inspector: &Inspector<'_>,
    partition: u32,
    height: u64,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let block = inspector.block(partition, height)?;
    let result = &block.result;
    if json {
        let line = json!({
            "partition": result.partition,
            "height": result.height,
            "state_root": result.state_root,
            "timestamp_ms": block.timestamp_ms,
            "batch_digest": hex(&block.batch_digest),
            "changes": block.changes.len(),
            "receipts": result.receipts,
        });
        writeln!(out, "{line}")?;
        return Ok(());
    }
    let gas: u64 = result.receipts.iter().map(|r| r.gas_used).sum();
    let mut counts: Vec<(Status, usize)> = Vec::new();
    for r in &result.receipts {
        match counts.iter_mut().find(|(s, _)| *s == r.status) {
            Some((_, n)) => *n += 1,
            None => counts.push((r.status, 1)),
        }
    }
    let counts: Vec<String> = counts
        .iter()
        .map(|(s, n)| format!("{n} {}", status_name(*s)))
        .collect();
    writeln!(out, "partition   {}", result.partition)?;
    writeln!(out, "height      {}", result.height)?;
    writeln!(out, "time        {} ms", block.timestamp_ms)?;
    writeln!(out, "state root  {}", result.state_root)?;
    writeln!(out, "changes     {}", block.changes.len())?;
    writeln!(
        out,
        "receipts    {} ({}), {gas} gas",
        result.receipts.len(),
        counts.join(", ")
    )?;
    for (i, r) in result.receipts.iter().enumerate() {
        let status = status_name(r.status);
        write!(
            out,
            "{i:>5}  {}  {status:<17} {:>9} gas",
            r.tx_hash, r.gas_used
        )?;
        if !r.message.is_empty() {
            write!(out, "  {}", first_line(&r.message))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// `isovm contract show P ID`: a deployed contract's owner, code hash, deploy height, last
/// update, and ABI.
pub fn contract_show(
    inspector: &Inspector<'_>,
    partition: u32,
    id: &str,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let (record, update) = inspector.contract(partition, id)?;
    let code_hash = hex(&record.code_hash);
    if json {
        let updated_at = match update {
            LastUpdate::Never => Value::Null,
            LastUpdate::At(height) => Value::from(height),
            LastUpdate::Unknown => Value::from("unknown"),
        };
        let line = json!({
            "partition": partition,
            "id": record.id,
            "owner": record.owner,
            "code_hash": code_hash,
            "deployed_at": record.deployed_at,
            "updated_at": updated_at,
            "source_bytes": record.source.len(),
            "abi": record.abi,
        });
        writeln!(out, "{line}")?;
        return Ok(());
    }
    let updated = match update {
        LastUpdate::Never => "never".to_string(),
        LastUpdate::At(height) => format!("height {height}"),
        LastUpdate::Unknown => {
            "unknown (its record was last written before this database recorded updates)".into()
        }
    };
    writeln!(out, "contract     {}", record.id)?;
    writeln!(out, "partition    {partition}")?;
    writeln!(out, "owner        {}", record.owner)?;
    writeln!(out, "code hash    {code_hash}")?;
    writeln!(out, "deployed at  height {}", record.deployed_at)?;
    writeln!(out, "updated at   {updated}")?;
    writeln!(out, "source       {} bytes", record.source.len())?;
    writeln!(
        out,
        "abi          {} {} ({} methods)",
        record.abi.lang,
        record.abi.version,
        record.abi.abi.len()
    )?;
    for method in &record.abi.abi {
        let args: Vec<String> = method
            .args
            .iter()
            .map(|a| schema::to_json(a).trim_matches('"').to_string())
            .collect();
        writeln!(out, "  {}({})", method.name, args.join(", "))?;
    }
    Ok(())
}

/// A status as receipts spell it (`runtime_error`).
fn status_name(status: Status) -> String {
    schema::to_json(&status).trim_matches('"').to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}
