//! `isovm config` through the real binary: the effective settings of `serve` with their
//! sources (file < environment < flag), secrets redacted, and config file errors that name
//! the key and the line, the same for `config` and `serve`.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// The binary with no ISOVM_* variable of the caller's (the suites set some) but `env`.
fn isovm(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_isovm"));
    for (name, _) in std::env::vars() {
        if name.starts_with("ISOVM_") {
            command.env_remove(name);
        }
    }
    command
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run isovm")
}

/// `isovm config --json` with `args` and `env`: setting → {value, source}.
fn config_json(args: &[&str], env: &[(&str, &str)]) -> Value {
    let mut all = vec!["config", "--json"];
    all.extend(args);
    let out = isovm(&all, env);
    assert!(
        out.status.success(),
        "config failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn write(dir: &Path, text: &str) -> String {
    let path = dir.join("isovm.toml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn precedence_is_default_then_file_then_env_then_flag() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "[bus]\nprefix = \"from-file\"\nprefetch = 7\namqp_url = \"amqp://u:file-secret@filehost/%2f\"\npark_delay_ms = 50\n\n[metrics]\naddr = \"127.0.0.1:9001\"\n",
    );
    let at = |line: usize| format!("file:{file}:{line}");

    // The file alone.
    let c = config_json(&["--config", &file], &[]);
    assert_eq!(c["bus.prefix"]["value"], "from-file");
    assert_eq!(c["bus.prefix"]["source"], at(2));
    assert_eq!(c["bus.prefetch"]["value"], 7);
    assert_eq!(c["bus.prefetch"]["source"], at(3));
    assert_eq!(c["bus.park_delay_ms"]["source"], at(5));
    assert_eq!(c["metrics.addr"]["value"], "127.0.0.1:9001");
    assert_eq!(c["metrics.addr"]["source"], at(8));
    assert_eq!(c["bus.rpc_prefetch"]["value"], 16);
    assert_eq!(c["bus.rpc_prefetch"]["source"], "default");
    assert_eq!(c["config"]["source"], "flag:--config");
    // The password never shows.
    assert_eq!(c["bus.amqp_url"]["value"], "amqp://u:***@filehost/%2f");
    assert!(!c.to_string().contains("file-secret"));

    // The environment wins over the file (the file itself named by ISOVM_CONFIG).
    let env = [
        ("ISOVM_CONFIG", file.as_str()),
        ("ISOVM_BUS_PREFIX", "from-env"),
        ("ISOVM_AMQP_URL", "amqp://e:env-secret@envhost/%2f"),
        ("ISOVM_METRICS_ADDR", "127.0.0.1:9002"),
        ("ISOVM_DB", "/var/lib/isovm-env"),
    ];
    let c = config_json(&[], &env);
    assert_eq!(c["config"]["source"], "env:ISOVM_CONFIG");
    assert_eq!(c["bus.prefix"]["value"], "from-env");
    assert_eq!(c["bus.prefix"]["source"], "env:ISOVM_BUS_PREFIX");
    assert_eq!(c["bus.amqp_url"]["value"], "amqp://e:***@envhost/%2f");
    assert_eq!(c["bus.amqp_url"]["source"], "env:ISOVM_AMQP_URL");
    assert_eq!(c["metrics.addr"]["value"], "127.0.0.1:9002");
    assert_eq!(c["metrics.addr"]["source"], "env:ISOVM_METRICS_ADDR");
    assert_eq!(c["db"]["value"], "/var/lib/isovm-env");
    assert_eq!(c["db"]["source"], "env:ISOVM_DB");
    assert_eq!(
        c["bus.prefetch"]["source"],
        at(3),
        "untouched by the environment"
    );
    // What verify alone reads follows the prefix in effect.
    assert_eq!(c["verify.queue"]["value"], "from-env.validator.verify");

    // Flags win over both.
    let c = config_json(
        &[
            "--prefix",
            "from-flag",
            "--prefetch",
            "9",
            "--metrics-addr",
            "--db",
            "/tmp/flag-db",
            "--workers",
            "2..3",
            "--log-every",
            "5",
        ],
        &env,
    );
    assert_eq!(c["bus.prefix"]["value"], "from-flag");
    assert_eq!(c["bus.prefix"]["source"], "flag:--prefix");
    assert_eq!(c["bus.prefetch"]["value"], 9);
    assert_eq!(c["bus.prefetch"]["source"], "flag:--prefetch");
    assert_eq!(c["metrics.addr"]["value"], "127.0.0.1:9464");
    assert_eq!(c["metrics.addr"]["source"], "flag:--metrics-addr");
    assert_eq!(c["db"]["value"], "/tmp/flag-db");
    assert_eq!(c["db"]["source"], "flag:--db");
    assert_eq!(c["workers"]["value"], "2..3");
    assert_eq!(c["verify.log-every"]["value"], 5);
    assert_eq!(c["verify.log-every"]["source"], "flag:--log-every");
    assert_eq!(c["bus.amqp_url"]["source"], "env:ISOVM_AMQP_URL");
    assert_eq!(c["log"]["source"], "default");
}

#[test]
fn every_setting_has_a_value_and_a_source() {
    let c = config_json(&[], &[]);
    let settings = c.as_object().unwrap();
    // The bus table as serve reads it, the metrics address, and the command line's.
    for name in [
        "bus.amqp_url",
        "bus.names.dead_queue",
        "bus.queue_type",
        "metrics.addr",
        "db",
        "cache-dir",
        "workers",
        "heap-mib",
        "log",
        "log-format",
        "verify.queue",
    ] {
        let setting = &settings[name];
        assert_eq!(setting["source"], "default", "{name}: {setting}");
    }
    assert_eq!(c["metrics.addr"]["value"], Value::Null, "off by default");
    assert_eq!(
        c["bus.amqp_url"]["value"],
        "amqp://guest:***@127.0.0.1:5672/%2f"
    );
    // The human table has the same rows.
    let out = isovm(&["config"], &[]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.starts_with("SETTING"), "{table}");
    assert_eq!(table.lines().count(), settings.len() + 1, "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("bus.prefetch ") && l.ends_with(" default")),
        "{table}"
    );
}

/// `config` and `serve` refuse a bad file alike, naming the file, the line and the key.
#[test]
fn an_unknown_key_or_a_bad_value_names_the_key_and_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let db = db.to_str().unwrap();
    for (text, needle) in [
        (
            "[bus]\nprefix = \"x\"\nprefecth = 4\n",
            ":3: bus.prefecth: unknown field `prefecth`",
        ),
        (
            "[bus]\n# the bounds\n\nprefetch = \"many\"\n",
            ":4: bus.prefetch: invalid type: string \"many\"",
        ),
        (
            "[metrics]\naddr = \"127.0.0.1:1\"\n\n[bus.names]\ndead_queue = 5\n",
            ":5: bus.names.dead_queue: invalid type: integer `5`",
        ),
        ("[buss]\nprefix = \"x\"\n", ":1: buss: unknown field `buss`"),
    ] {
        let file = write(dir.path(), text);
        let expected = format!("{file}{needle}");
        for command in [
            vec!["config", "--config", &file],
            vec!["serve", "--config", &file, "--db", db],
        ] {
            let out = isovm(&command, &[]);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success(), "{command:?} accepted {text:?}");
            assert!(
                stderr.contains(&expected),
                "{command:?}: {expected:?} missing in: {stderr}"
            );
            assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
        }
    }
}
