//! The TOML config file of `serve`, `verify` and the other bus commands: its tables, the
//! line of each key (for `isovm config`), and errors that name the file, the line and the
//! key (toml's error spans are byte offsets into the file).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::BusCommandError;
use crate::bus::BusConfig;

/// The config file (TOML): the bus and the metrics endpoint; each table is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConfigFile {
    pub bus: BusConfig,
    pub metrics: MetricsConfig,
}

/// The `[metrics]` table: where `serve` and `verify` serve `/metrics`, `/healthz` and
/// `/readyz`. Off unless set.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsConfig {
    /// `host:port`, e.g. [`super::DEFAULT_METRICS_ADDR`].
    pub addr: Option<String>,
}

/// The line (1-based) of every key a config file sets, by dotted name (`bus.prefetch`,
/// `bus.names.dead_queue`); a table's own line too (`bus`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct KeyLines(pub BTreeMap<String, usize>);

impl KeyLines {
    /// The line `key` is set on, if the file sets it.
    pub fn line(&self, key: &str) -> Option<usize> {
        self.0.get(key).copied()
    }
}

/// The 1-based line of byte `offset` of `text`.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Every key of `table` (recursively, dotted under `prefix`) with the byte span of its key
/// and of its value.
fn walk(
    prefix: &str,
    table: &toml::de::DeTable<'_>,
    out: &mut Vec<(String, std::ops::Range<usize>, std::ops::Range<usize>)>,
) {
    for (key, value) in table {
        let name = if prefix.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{prefix}.{}", key.get_ref())
        };
        out.push((name.clone(), key.span(), value.span()));
        if let toml::de::DeValue::Table(inner) = value.get_ref() {
            walk(&name, inner, out);
        }
    }
}

impl ConfigFile {
    /// Reads and checks `path`. An unknown key or a bad value is an error naming the file,
    /// the line and the key: `deploy/isovm.toml:12: bus.prefecth: unknown field ...`.
    pub fn load(path: &Path) -> Result<ConfigFile, BusCommandError> {
        Self::load_with_lines(path).map(|(file, _)| file)
    }

    /// [`ConfigFile::load`], and the line of every key the file sets.
    pub fn load_with_lines(path: &Path) -> Result<(ConfigFile, KeyLines), BusCommandError> {
        let text = std::fs::read_to_string(path).map_err(|e| BusCommandError::File {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let fail = |e: toml::de::Error| located(path, &text, &e);
        let document = toml::de::DeTable::parse(&text).map_err(fail)?;
        let mut keys = Vec::new();
        walk("", document.get_ref(), &mut keys);
        let file: ConfigFile = toml::from_str(&text).map_err(fail)?;
        let lines = keys
            .into_iter()
            .map(|(name, key, _)| (name, line_of(&text, key.start)))
            .collect();
        Ok((file, KeyLines(lines)))
    }
}

/// `e` as an error naming the line of `path` it points at and, where the span falls on a
/// key or its value, that key (the innermost one).
fn located(path: &Path, text: &str, e: &toml::de::Error) -> BusCommandError {
    let message = e.message().trim().to_string();
    let Some(span) = e.span() else {
        return BusCommandError::File {
            path: path.to_path_buf(),
            message,
        };
    };
    let line = line_of(text, span.start);
    let key = toml::de::DeTable::parse(text).ok().and_then(|document| {
        let mut keys = Vec::new();
        walk("", document.get_ref(), &mut keys);
        keys.into_iter()
            .filter(|(_, key, value)| {
                let within = |r: &std::ops::Range<usize>| {
                    r.start <= span.start && span.start < r.end.max(r.start + 1)
                };
                within(key) || within(value)
            })
            // The innermost: the one whose name is longest among those that hold the span.
            .max_by_key(|(name, _, _)| name.matches('.').count())
            .map(|(name, _, _)| name)
    });
    BusCommandError::FileLine {
        path: path.to_path_buf(),
        line,
        key,
        message,
    }
}

/// `FileLine`'s `key` as it reads in the message.
pub(super) fn key_prefix(key: &Option<String>) -> String {
    match key {
        Some(key) => format!(" {key}:"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(text: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("isovm.toml");
        std::fs::write(&path, text).unwrap();
        let err = ConfigFile::load(&path).unwrap_err().to_string();
        err.replace(&path.display().to_string(), "FILE")
    }

    #[test]
    fn errors_name_the_line_and_the_key() {
        let err = error_of("[bus]\nprefix = \"x\"\nprefecth = 4\n");
        assert!(
            err.starts_with("FILE:3: bus.prefecth: unknown field `prefecth`"),
            "{err}"
        );
        let err = error_of("[bus]\n\nprefetch = \"many\"\n");
        assert!(err.starts_with("FILE:3: bus.prefetch: "), "{err}");
        let err = error_of("[bus.names]\ndead_queue = 5\n");
        assert!(err.starts_with("FILE:2: bus.names.dead_queue: "), "{err}");
        let err = error_of("[metrics]\naddr = \"x\"\n[buss]\n");
        assert!(err.starts_with("FILE:3: buss: unknown field"), "{err}");
        let err = error_of("[bus]\nprefix = \n");
        assert!(err.starts_with("FILE:2: "), "{err}");
    }

    #[test]
    fn every_key_has_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("isovm.toml");
        std::fs::write(
            &path,
            "# c\n[bus]\nprefetch = 4\n\n[bus.names]\ndead_queue = \"d\"\n[metrics]\naddr = \"127.0.0.1:1\"\n",
        )
        .unwrap();
        let (file, lines) = ConfigFile::load_with_lines(&path).unwrap();
        assert_eq!(file.bus.prefetch, 4);
        assert_eq!(lines.line("bus.prefetch"), Some(3));
        assert_eq!(lines.line("bus.names.dead_queue"), Some(6));
        assert_eq!(lines.line("metrics.addr"), Some(8));
        assert_eq!(lines.line("bus.prefix"), None);
    }
}
