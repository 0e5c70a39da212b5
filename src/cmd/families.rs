//! `isovm bench --families`: how long 1,000 gas takes in each family of metered work, so
//! that gas tracks time. Each workload spends nearly all its gas in one family (instrumented
//! code, host calls, one kind of built-in); the table gives µs per 1,000 gas and the spread
//! between the cheapest and the dearest family. A family far dearer than the others is a
//! place where a call could run long on little gas; far cheaper, one that overcharges.
//! Every workload stays inside one transaction's memory budget.

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use serde_json::json;

use super::bench::{BenchError, MemHost, call, code_of, fail, on_thread};
use crate::engine::{Engine, EngineOptions, Sandbox};

/// (family, method body). Every body returns a number, so a wrong result shows.
const WORKLOADS: &[(&str, &str)] = &[
    (
        "code (instrumented JS)",
        "let s = 0; for (let i = 0; i < 3e6; i++) { s = (s + i * 7) % 1000003; } return s;",
    ),
    (
        "host calls (storage)",
        r#"for (let i = 0; i < 3000; i++) { storage.put("k" + (i % 50), "value-" + i); storage.get("k" + (i % 50)); } return 1;"#,
    ),
    (
        "digests (sha3, 60 KB)",
        r#"const s = "x".repeat(60000); let n = 0; for (let i = 0; i < 300; i++) n += IOSTCrypto.sha3(s).length; return n;"#,
    ),
    (
        "digests (sha3Hex, short)",
        r#"let n = 0; for (let i = 0; i < 20000; i++) n += IOSTCrypto.sha3Hex("00ff").length; return n;"#,
    ),
    (
        // RFC 8032's TEST 2, valid: the whole check runs.
        "verify (ed25519)",
        r#"let n = 0; for (let i = 0; i < 200; i++) n += IOSTCrypto.verify("ed25519", "2y", "3w2b4gJH2VXfrwycUgMiE3TZJTztazKppFVojCQ9NDMDHq8PVTHxQdQovxMFxqeqeQf1xaADvhkj2nMuB1kzouA7", "586Z7H2vpX9qNhN2T4e9Utugie3ogjbxzGaMtM3E6HR5"); return n;"#,
    ),
    (
        // The generator as the key, r = s = 1, a 32-byte digest: the whole check runs (and fails).
        "verify (secp256k1)",
        r#"let n = 0; for (let i = 0; i < 200; i++) n += IOSTCrypto.verify("secp256k1", "7kWonUYJpjrBsCGs64MYogcJ8aWTv5Ro7XwyahMmfEy5", "1111111111111111111111111111111JEKNVnkbo3jma5nREBBJCDoXFVeKkD56V3xKrvRmWxFJ", "jesTu2BpszP8DKSoi1R5G6ggjHrsrVnboLdx6V47vkoR"); return n;"#,
    ),
    (
        // The longest message (1,024 characters, 750 bytes of base58 to decode).
        "verify (ed25519, 1 KiB msg)",
        r#"const m = "z".repeat(1024); let n = 0; for (let i = 0; i < 200; i++) n += IOSTCrypto.verify("ed25519", m, "3w2b4gJH2VXfrwycUgMiE3TZJTztazKppFVojCQ9NDMDHq8PVTHxQdQovxMFxqeqeQf1xaADvhkj2nMuB1kzouA7", "586Z7H2vpX9qNhN2T4e9Utugie3ogjbxzGaMtM3E6HR5"); return n;"#,
    ),
    (
        "string read (indexOf)",
        r#"const s = "x".repeat(1e6) + "y"; let n = 0; for (let i = 0; i < 200; i++) n += s.indexOf("y"); return n;"#,
    ),
    (
        "string write (repeat)",
        r#"let n = 0; for (let i = 0; i < 50; i++) n += "ab".repeat(2e5).length; return n;"#,
    ),
    (
        "string compare (guard)",
        r#"const a = "x".repeat(1e6), b = "x".repeat(1e6); let n = 0; for (let i = 0; i < 200; i++) { if (a === b) n++; } return n;"#,
    ),
    (
        "string keys (guard)",
        r#"const k = "k".repeat(16000); const o = {}; for (let i = 0; i < 1000; i++) { o[k + i] = i; } return Object.keys(o).length;"#,
    ),
    (
        "concatenation",
        r#"let s = ""; for (let i = 0; i < 2000; i++) { s += "abcdefgh"; } return s.length;"#,
    ),
    (
        "elements (indexOf, sparse)",
        "const a = []; a[4e6] = 1; let n = 0; for (let i = 0; i < 5; i++) { n += a.indexOf(2) + a.lastIndexOf(2); } return n;",
    ),
    (
        "callbacks (map)",
        "const a = new Array(2e5).fill(1); let n = 0; for (let i = 0; i < 5; i++) { n += a.map((x) => x + 1).length; } return n;",
    ),
    (
        "sort (default order)",
        "const a = new Array(3e5); for (let i = 0; i < 3e5; i++) a[i] = (i * 7919) % 300007; a.sort(); return a[0];",
    ),
    (
        "sort (comparator)",
        "const a = new Array(2e5); for (let i = 0; i < 2e5; i++) a[i] = (i * 7919) % 200003; a.sort((x, y) => x - y); return a[0];",
    ),
    (
        "properties (Object.keys)",
        r#"const o = {}; for (let i = 0; i < 1e5; i++) o["k" + i] = i; let n = 0; for (let i = 0; i < 10; i++) n += Object.keys(o).length; return n;"#,
    ),
    (
        "JSON",
        r#"const a = []; for (let i = 0; i < 2e4; i++) a.push({ id: i, name: "n" + i }); let n = 0; for (let i = 0; i < 2; i++) n += JSON.parse(JSON.stringify(a)).length; return n;"#,
    ),
    (
        "regular expressions",
        r#"const s = "ab".repeat(5e5) + "c"; let n = 0; for (let i = 0; i < 10; i++) { if (/a[ab]*c/.test(s)) n++; } return n;"#,
    ),
    (
        "collections (Map)",
        "const m = new Map(); for (let i = 0; i < 2e5; i++) m.set(i, i); let n = 0; for (let i = 0; i < 2e5; i++) n += m.get(i); return n;",
    ),
    (
        "buffers (typed arrays)",
        "let n = 0; for (let i = 0; i < 10; i++) { const b = new Uint8Array(1 << 19); b.fill(7); n += b.slice(0).length; } return n;",
    ),
    (
        "number formatting",
        "let n = 0; for (let i = 0; i < 2e5; i++) n += (i * 1.5).toFixed(2).length; return n;",
    ),
];

/// One family's measurement.
#[derive(Debug, Clone, Serialize)]
pub struct Family {
    pub family: String,
    pub gas: u64,
    pub ms: f64,
    pub us_per_1000_gas: f64,
    pub result: String,
}

/// The table, and the ratio of the dearest family's time per gas to the cheapest's.
#[derive(Debug, Serialize)]
pub struct Families {
    pub families: Vec<Family>,
    pub spread: f64,
}

fn source() -> (String, String) {
    let mut source = String::from("class Families {\n  init() {}\n");
    let mut abi = Vec::new();
    for (i, (_, body)) in WORKLOADS.iter().enumerate() {
        source.push_str(&format!("  w{i}() {{ {body} }}\n"));
        abi.push(json!({"name": format!("w{i}"), "args": []}));
    }
    source.push_str("}\nmodule.exports = Families;\n");
    let abi = json!({"lang": "javascript", "version": "1", "abi": abi}).to_string();
    (source, abi)
}

/// Runs every workload `rounds` times (after one warm-up run) and keeps the fastest run.
pub fn measure(rounds: usize) -> Result<Families, BenchError> {
    let engine = Engine::new(EngineOptions::default()).map_err(fail)?;
    on_thread(move || {
        let (source, abi) = source();
        let code = Arc::new(code_of("families", &source, &abi)?);
        let mut sandbox = Sandbox::new(&engine).map_err(fail)?;
        let mut families = Vec::new();
        for (i, (family, _)) in WORKLOADS.iter().enumerate() {
            let method = format!("w{i}");
            let mut host = MemHost::default();
            let (gas, result) = call(&mut sandbox, &mut host, &code, &method, "[]")?;
            let mut best = f64::INFINITY;
            for _ in 0..rounds.max(1) {
                sandbox.collect_garbage();
                let mut host = MemHost::default();
                let start = Instant::now();
                let (again, _) = call(&mut sandbox, &mut host, &code, &method, "[]")?;
                best = best.min(start.elapsed().as_secs_f64() * 1e3);
                if again != gas {
                    return Err(fail(format!(
                        "{family}: gas differs between runs ({gas}, then {again})"
                    )));
                }
            }
            families.push(Family {
                family: family.to_string(),
                gas,
                ms: best,
                us_per_1000_gas: best * 1e6 / gas.max(1) as f64,
                result,
            });
        }
        let per_gas = |f: &Family| f.us_per_1000_gas;
        let dearest = families.iter().map(per_gas).fold(0.0, f64::max);
        let cheapest = families.iter().map(per_gas).fold(f64::INFINITY, f64::min);
        Ok(Families {
            spread: dearest / cheapest,
            families,
        })
    })
}

/// Prints the table.
pub fn write_table(report: &Families, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<28} {:>13} {:>10} {:>16}   result",
        "family", "gas", "ms", "µs / 1,000 gas"
    )?;
    for f in &report.families {
        writeln!(
            out,
            "{:<28} {:>13} {:>10.1} {:>16.3}   {}",
            f.family, f.gas, f.ms, f.us_per_1000_gas, f.result
        )?;
    }
    writeln!(
        out,
        "spread (dearest / cheapest time per gas): {:.1}x",
        report.spread
    )
}
