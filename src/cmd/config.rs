//! `isovm config`: every effective setting of `serve` (and of `verify` where it differs),
//! each with where it came from: `default`, `file:PATH:LINE`, `env:NAME` or `flag:--name`.
//!
//! Nothing here lists the settings a second time. The config file's keys are those of the
//! effective [`ConfigFile`] tables as they serialize (the same structs `serve` reads); the
//! other settings are the command line's arguments, which `main.rs` walks in clap's own
//! definitions. The one table here, [`FLAG_KEYS`], says which flag overrides which key;
//! a test keeps it in step with [`super::BusOverrides::resolve`].

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::ArgAction;
use clap::ArgMatches;
use clap::parser::ValueSource;
use serde::Serialize;

use super::{BusCommandError, KeyLines, MetricsConfig};
use crate::bus::{BusConfig, redact_url};

/// The flags (clap argument ids of `main.rs`) that override a config file key (dotted), in
/// the order `BusOverrides::resolve` applies them; their environment variables too.
pub const FLAG_KEYS: &[(&str, &str)] = &[
    ("amqp_url", "bus.amqp_url"),
    ("amqp_ca_file", "bus.ca_file"),
    ("amqp_client_cert", "bus.client_cert_file"),
    ("amqp_client_key", "bus.client_key_file"),
    ("prefix", "bus.prefix"),
    ("prefetch", "bus.prefetch"),
    ("metrics_addr", "metrics.addr"),
];

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Default,
    /// The config file, at this line.
    File {
        path: PathBuf,
        line: usize,
    },
    /// This environment variable.
    Env(String),
    /// This flag (`--name`).
    Flag(String),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File { path, line } => write!(f, "file:{}:{line}", path.display()),
            Source::Env(name) => write!(f, "env:{name}"),
            Source::Flag(name) => write!(f, "flag:{name}"),
        }
    }
}

impl Serialize for Source {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One effective setting.
#[derive(Debug, Clone, Serialize)]
pub struct Setting {
    /// A config file key (`bus.prefetch`), or a flag's name (`watchdog-ms`), under
    /// `verify.` when only `verify` reads it.
    pub name: String,
    /// The value as `serve` uses it (`null`: unset); passwords in URLs redacted.
    pub value: serde_json::Value,
    pub source: Source,
}

/// The config file's settings: every key of the effective tables, its value and where it
/// came from. `file` is the config file and its key lines, if one was read; `overridden`
/// the keys a flag or variable set (from [`FLAG_KEYS`]), with theirs.
pub fn file_settings(
    bus: &BusConfig,
    metrics: &MetricsConfig,
    file: Option<(&Path, &KeyLines)>,
    overridden: &BTreeMap<&str, Source>,
) -> Vec<Setting> {
    let tables = serde_json::json!({ "bus": bus, "metrics": metrics });
    let mut leaves = Vec::new();
    flatten("", &tables, &mut leaves);
    leaves
        .into_iter()
        .map(|(name, mut value)| {
            let source = match (overridden.get(name.as_str()), file) {
                (Some(source), _) => source.clone(),
                (None, Some((path, lines))) => match lines.line(&name) {
                    Some(line) => Source::File {
                        path: path.to_path_buf(),
                        line,
                    },
                    None => Source::Default,
                },
                (None, None) => Source::Default,
            };
            if name == "bus.amqp_url"
                && let Some(url) = value.as_str()
            {
                value = redact_url(url).into();
            }
            Setting {
                name,
                value,
                source,
            }
        })
        .collect()
}

/// Objects become dotted names; anything else (arrays included) is one setting.
fn flatten(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, serde_json::Value)>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                let name = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&name, inner, out);
            }
        }
        _ => out.push((prefix.to_string(), value.clone())),
    }
}

/// The settings as a table: name, value, source; one line each.
pub fn write_table(settings: &[Setting], out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let shown = |v: &serde_json::Value| match v {
        serde_json::Value::Null => "(unset)".to_string(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let rows: Vec<(&str, String, String)> = settings
        .iter()
        .map(|s| (s.name.as_str(), shown(&s.value), s.source.to_string()))
        .collect();
    let name_w = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max(7);
    let value_w = rows.iter().map(|r| r.1.len()).max().unwrap_or(0).max(5);
    writeln!(out, "{:name_w$}  {:value_w$}  SOURCE", "SETTING", "VALUE")?;
    for (name, value, source) in rows {
        writeln!(out, "{name:name_w$}  {value:value_w$}  {source}")?;
    }
    Ok(())
}

/// The settings as one JSON object: name → `{"value", "source"}`.
pub fn to_json(settings: &[Setting]) -> serde_json::Value {
    let map: serde_json::Map<String, serde_json::Value> = settings
        .iter()
        .map(|s| {
            (
                s.name.clone(),
                serde_json::json!({ "value": s.value, "source": s.source }),
            )
        })
        .collect();
    serde_json::Value::Object(map)
}

/// What `serve` derives itself, beside the command line: the inputs of [`settings`].
pub struct Effective<'a> {
    /// The config file read, if any.
    pub file: Option<&'a Path>,
    /// The bus settings after the file and the overrides (`BusOverrides::resolve`).
    pub bus: &'a BusConfig,
    /// The metrics endpoint after the file and the flag (`super::metrics_addr`).
    pub metrics_addr: Option<SocketAddr>,
    /// The effective values of arguments given no value (clap id → value), where `serve`
    /// derives one (e.g. the snapshot cache directory).
    pub unset: BTreeMap<&'a str, String>,
}

/// Every setting of subcommand `sub` of `cli` (the command line, as clap defines it) and of
/// the config file, with their sources; arguments `serve` does not take are named
/// `verify.…`. `matches` is the whole command line's.
pub fn settings(
    cli: &clap::Command,
    matches: &ArgMatches,
    sub: &str,
    effective: &Effective<'_>,
) -> Result<Vec<Setting>, BusCommandError> {
    let missing = |what: &str| BusCommandError::Other(format!("isovm config: no {what}"));
    let command = cli
        .find_subcommand(sub)
        .ok_or_else(|| missing(&format!("subcommand `{sub}`")))?;
    let sub_matches = matches
        .subcommand_matches(sub)
        .ok_or_else(|| missing(&format!("matches of `{sub}`")))?;
    let serve_ids: Vec<&str> = cli
        .find_subcommand("serve")
        .map(|serve| serve.get_arguments().map(|a| a.get_id().as_str()).collect())
        .unwrap_or_default();
    let mut overridden = BTreeMap::new();
    for (id, key) in FLAG_KEYS {
        let arg = command
            .get_arguments()
            .find(|a| a.get_id() == id)
            .ok_or_else(|| missing(&format!("argument `{id}` (FLAG_KEYS is out of step)")))?;
        if let Some(source) = source_of(arg, sub_matches) {
            overridden.insert(*key, source);
        }
    }
    let mut out: Vec<Setting> = cli
        .get_arguments()
        .filter_map(|arg| arg_setting(arg, matches, "", effective))
        .collect();
    for arg in command.get_arguments() {
        let id = arg.get_id().as_str();
        if id == "json" || FLAG_KEYS.iter().any(|(flag, _)| *flag == id) {
            continue;
        }
        let prefix = if serve_ids.contains(&id) {
            ""
        } else {
            "verify."
        };
        out.extend(arg_setting(arg, sub_matches, prefix, effective));
    }
    let lines = match effective.file {
        Some(path) => Some((path, read_file(path)?.1)),
        None => None,
    };
    let metrics = MetricsConfig {
        addr: effective.metrics_addr.map(|a| a.to_string()),
    };
    out.extend(file_settings(
        effective.bus,
        &metrics,
        lines.as_ref().map(|(path, lines)| (*path, lines)),
        &overridden,
    ));
    Ok(out)
}

/// Where `arg`'s value came from, if from the command line or the environment.
fn source_of(arg: &clap::Arg, matches: &ArgMatches) -> Option<Source> {
    match matches.value_source(arg.get_id().as_str())? {
        ValueSource::CommandLine => Some(Source::Flag(match arg.get_long() {
            Some(long) => format!("--{long}"),
            None => arg.get_id().to_string(),
        })),
        ValueSource::EnvVariable => Some(Source::Env(
            arg.get_env()
                .map(|e| e.to_string_lossy().into_owned())
                .unwrap_or_default(),
        )),
        _ => None,
    }
}

/// One argument as a setting (`None` for help and version).
fn arg_setting(
    arg: &clap::Arg,
    matches: &ArgMatches,
    prefix: &str,
    effective: &Effective<'_>,
) -> Option<Setting> {
    let id = arg.get_id().as_str();
    if matches!(
        arg.get_action(),
        ArgAction::Help | ArgAction::HelpShort | ArgAction::HelpLong | ArgAction::Version
    ) {
        return None;
    }
    let value = if matches!(arg.get_action(), ArgAction::SetTrue | ArgAction::SetFalse) {
        serde_json::Value::Bool(matches.get_flag(id))
    } else {
        match matches.try_get_raw(id).ok().flatten() {
            Some(raw) => {
                let text: Vec<String> = raw.map(|v| v.to_string_lossy().into_owned()).collect();
                let text = text.join(",");
                match text.parse::<u64>() {
                    Ok(n) => n.into(),
                    Err(_) => text.into(),
                }
            }
            None => match effective.unset.get(id) {
                Some(value) => value.clone().into(),
                None => serde_json::Value::Null,
            },
        }
    };
    Some(Setting {
        name: format!("{prefix}{}", arg.get_long().unwrap_or(id)),
        value,
        source: source_of(arg, matches).unwrap_or(Source::Default),
    })
}

/// A config file for `isovm config`: the tables and the line of every key, read as
/// `serve` reads them (so an unknown key or bad value is the same error).
pub fn read_file(path: &Path) -> Result<(super::ConfigFile, KeyLines), BusCommandError> {
    super::ConfigFile::load_with_lines(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::BusOverrides;

    /// Every override `BusOverrides` has, set at once, changes exactly the bus keys of
    /// [`FLAG_KEYS`]. The literal names every field: a new override does not compile here
    /// until this test (and so the table) knows it.
    #[test]
    fn flag_keys_are_the_overrides_resolve_applies() {
        let overrides = BusOverrides {
            config_file: None,
            amqp_url: Some("amqps://u:p@elsewhere:1/%2f".into()),
            ca_file: Some("ca.pem".into()),
            client_cert_file: Some("c.pem".into()),
            client_key_file: Some("k.pem".into()),
            prefix: Some("other".into()),
            prefetch: Some(3),
        };
        let config = overrides.resolve().unwrap();
        let none = BTreeMap::new();
        let metrics = MetricsConfig::default();
        let default = file_settings(&BusConfig::default(), &metrics, None, &none);
        let changed: Vec<String> = file_settings(&config, &metrics, None, &none)
            .into_iter()
            .zip(default)
            .filter(|(a, b)| a.value != b.value)
            .map(|(a, _)| a.name)
            .collect();
        let mut expected: Vec<&str> = FLAG_KEYS
            .iter()
            .map(|(_, key)| *key)
            .filter(|key| key.starts_with("bus."))
            .collect();
        expected.sort();
        assert_eq!(changed, expected);
    }

    #[test]
    fn file_keys_are_located_and_overrides_win() {
        let path = Path::new("/etc/isovm.toml");
        let lines = KeyLines([("bus.prefetch".to_string(), 4)].into_iter().collect());
        let overridden = [("bus.prefix", Source::Env("ISOVM_BUS_PREFIX".into()))]
            .into_iter()
            .collect();
        let bus = BusConfig {
            amqp_url: "amqp://u:secret@h/%2f".into(),
            ..BusConfig::default()
        };
        let settings = file_settings(
            &bus,
            &MetricsConfig::default(),
            Some((path, &lines)),
            &overridden,
        );
        let get = |name: &str| settings.iter().find(|s| s.name == name).unwrap();
        assert_eq!(
            get("bus.prefetch").source.to_string(),
            "file:/etc/isovm.toml:4"
        );
        assert_eq!(get("bus.prefix").source.to_string(), "env:ISOVM_BUS_PREFIX");
        assert_eq!(get("bus.park_delay_ms").source, Source::Default);
        assert_eq!(get("bus.amqp_url").value, "amqp://u:***@h/%2f");
        assert_eq!(get("bus.names.dead_queue").value, serde_json::Value::Null);
        assert_eq!(get("metrics.addr").value, serde_json::Value::Null);
        assert_eq!(get("bus.ca_file").value, serde_json::Value::Null);
    }
}
