//! Contract packages: a contract of several CommonJS modules (its own files, JSON files and
//! plain CommonJS dependencies under `node_modules`), as `isovm package DIR` makes it and a
//! deploy accepts it.
//!
//! A package holds the modules' sources, every `require` already resolved (`links`), the ABI
//! and a content hash. It holds no instrumented code: every node instruments at deploy, since
//! a node must never run metering it did not insert itself. At deploy the package becomes one
//! script, its *bundle*: each module a function of `(module, exports, require)` in a table,
//! and a loader that runs a module on its first `require` within the call and caches it, and
//! hands a module that is still loading its unfinished `exports`, as Node does with cycles.
//! The bundle is instrumented as any contract; the main module is validated by IOST's rules on
//! its own source. Each call instantiates the bundle anew, so the module cache is per call.

use std::collections::BTreeMap;

use oxc_allocator::Allocator;
use oxc_ast::ast::{Argument, CallExpression, Expression};
use oxc_ast_visit::{Visit, walk};
use oxc_parser::Parser;
use oxc_span::SourceType;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The format a package declares.
pub const FORMAT: &str = "isovm-package/1";

/// A deployable package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Package {
    pub format: String,
    /// The module whose export is the contract class.
    pub main: String,
    /// Every module the main one needs, by path in the package, with its source (a JSON
    /// file's text for `.json`).
    pub modules: BTreeMap<String, String>,
    /// For each module, what each of its `require(...)` names resolved to.
    pub links: BTreeMap<String, BTreeMap<String, String>>,
    /// The contract's ABI (IOST's JSON).
    pub abi: serde_json::Value,
    /// Hex SHA-256 of everything above ([`Package::content_hash`]).
    pub hash: String,
}

/// Why a directory is not a package, naming the file and line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct PackageError {
    pub file: String,
    pub line: Option<u32>,
    pub message: String,
}

fn error(file: &str, line: Option<u32>, message: impl Into<String>) -> PackageError {
    PackageError {
        file: file.to_string(),
        line,
        message: message.into(),
    }
}

/// Node's built-in modules: a contract has none of them.
const NODE_BUILTINS: &[&str] = &[
    "assert",
    "async_hooks",
    "buffer",
    "child_process",
    "cluster",
    "console",
    "crypto",
    "dgram",
    "dns",
    "events",
    "fs",
    "http",
    "http2",
    "https",
    "inspector",
    "module",
    "net",
    "os",
    "path",
    "perf_hooks",
    "process",
    "querystring",
    "readline",
    "repl",
    "stream",
    "string_decoder",
    "timers",
    "tls",
    "tty",
    "url",
    "util",
    "v8",
    "vm",
    "worker_threads",
    "zlib",
];

impl Package {
    /// Makes a package from the files `read` gives (a path relative to the package root, with
    /// `/` separators; `None` if there is no such file), starting from `main`: the modules it
    /// requires, transitively, resolved as Node resolves them, inside the package only.
    pub fn build(
        read: &dyn Fn(&str) -> Option<Vec<u8>>,
        main: &str,
        abi: serde_json::Value,
    ) -> Result<Package, PackageError> {
        let main = normalize("", main)
            .ok_or_else(|| error(main, None, "the main module is outside the package"))?;
        if read(&main).is_none() {
            return Err(error(&main, None, "the main module does not exist"));
        }
        let mut modules = BTreeMap::new();
        let mut links = BTreeMap::new();
        let mut todo = vec![main.clone()];
        while let Some(path) = todo.pop() {
            if modules.contains_key(&path) {
                continue;
            }
            let bytes = read(&path).ok_or_else(|| error(&path, None, "cannot read the file"))?;
            let text = String::from_utf8(bytes)
                .map_err(|_| error(&path, None, "the file is not UTF-8"))?;
            if path.ends_with(".json") {
                serde_json::from_str::<serde_json::Value>(&text)
                    .map_err(|e| error(&path, Some(e.line() as u32), format!("not JSON: {e}")))?;
                modules.insert(path, text);
                continue;
            }
            check_module(&path, &text)?;
            let mut resolved = BTreeMap::new();
            for (name, line) in requires(&path, &text)? {
                let target = resolve(read, &path, &name)
                    .map_err(|message| error(&path, Some(line), message))?;
                todo.push(target.clone());
                resolved.insert(name, target);
            }
            links.insert(path.clone(), resolved);
            modules.insert(path, text);
        }
        let mut package = Package {
            format: FORMAT.to_string(),
            main,
            modules,
            links,
            abi,
            hash: String::new(),
        };
        package.hash = package.content_hash();
        Ok(package)
    }

    /// Hex SHA-256 of the package's format, main module, modules, links and ABI, each
    /// length-prefixed, in order.
    pub fn content_hash(&self) -> String {
        let mut hasher = Sha256::new();
        let mut part = |bytes: &[u8]| {
            hasher.update((bytes.len() as u64).to_be_bytes());
            hasher.update(bytes);
        };
        part(self.format.as_bytes());
        part(self.main.as_bytes());
        for (path, source) in &self.modules {
            part(path.as_bytes());
            part(source.as_bytes());
        }
        for (path, names) in &self.links {
            part(path.as_bytes());
            for (name, target) in names {
                part(name.as_bytes());
                part(target.as_bytes());
            }
        }
        part(self.abi.to_string().as_bytes());
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// What a deploy checks before it bundles: the format, the hash, and that every link
    /// names a module of the package.
    pub fn check(&self) -> Result<(), String> {
        if self.format != FORMAT {
            return Err(format!(
                "package format {:?} is not {FORMAT:?}",
                self.format
            ));
        }
        if self.hash != self.content_hash() {
            return Err("the package's hash does not match its content".into());
        }
        if !self.modules.contains_key(&self.main) || self.main.ends_with(".json") {
            return Err(format!(
                "the main module {:?} is not a module of the package",
                self.main
            ));
        }
        for (from, names) in &self.links {
            for (name, target) in names {
                if !self.modules.contains_key(target) {
                    return Err(format!(
                        "{from}: require('{name}') names {target:?}, which the package does not hold"
                    ));
                }
            }
        }
        Ok(())
    }

    /// The package as one script (see the module's text).
    pub fn bundle(&self) -> String {
        let quote = |s: &str| serde_json::Value::from(s).to_string();
        let mut out = String::from("const isovm$modules = {\n");
        for (path, source) in &self.modules {
            out.push_str(&quote(path));
            out.push_str(": function (module, exports, require) {\n");
            if path.ends_with(".json") {
                out.push_str("module.exports = ");
                out.push_str(source.trim());
                out.push(';');
            } else {
                out.push_str(source);
            }
            out.push_str("\n},\n");
        }
        out.push_str("};\nconst isovm$links = ");
        let links: BTreeMap<&str, &BTreeMap<String, String>> =
            self.links.iter().map(|(k, v)| (k.as_str(), v)).collect();
        out.push_str(&serde_json::to_string(&links).expect("links serialize"));
        out.push_str(";\n");
        out.push_str(LOADER);
        out.push_str(&format!(
            "const isovm$main = isovm$load({});\nmodule.exports = isovm$main;\n",
            quote(&self.main)
        ));
        out
    }
}

/// The bundle's loader: a per-call cache, Node's order (a module is cached before it runs, so
/// a cycle sees the unfinished exports), and links resolved when the package was made.
const LOADER: &str = r#"const isovm$cache = {};
const isovm$has = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
function isovm$load(path) {
  if (isovm$has(isovm$cache, path)) return isovm$cache[path].exports;
  const module = { exports: {} };
  isovm$cache[path] = module;
  const links = isovm$has(isovm$links, path) ? isovm$links[path] : {};
  const require = (name) => {
    if (!isovm$has(links, name)) {
      throw new Error(`module '${name}' is not in the package (required from ${path})`);
    }
    return isovm$load(links[name]);
  };
  isovm$modules[path](module, module.exports, require);
  return module.exports;
}
"#;

/// A module must parse, and pass the instrumenter (what a deploy will do to it).
fn check_module(path: &str, source: &str) -> Result<(), PackageError> {
    super::instrument::instrument(source)
        .map(|_| ())
        .map_err(|e| {
            use super::instrument::InstrumentError as E;
            match e {
                E::Syntax { line, message, .. } => {
                    error(path, Some(line), format!("syntax error: {message}"))
                }
                E::Reserved { line, name, .. } => {
                    error(path, Some(line), format!("reserved identifier `{name}`"))
                }
                E::Unsupported { line, what, .. } => {
                    error(path, Some(line), format!("unsupported syntax: {what}"))
                }
            }
        })
}

/// The names `source` passes to `require(...)`, with their lines; a `require` of anything but
/// a string literal is refused (a package's links are made before it runs).
fn requires(path: &str, source: &str) -> Result<Vec<(String, u32)>, PackageError> {
    let stack = 16 * 1024 * 1024 + source.len() * 3 * 1024;
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("isovm-package".into())
            .stack_size(stack)
            .spawn_scoped(scope, || {
                let allocator = Allocator::default();
                let parsed = Parser::new(&allocator, source, SourceType::script()).parse();
                let mut finder = Requires {
                    source,
                    found: Vec::new(),
                    dynamic: None,
                };
                finder.visit_program(&parsed.program);
                match finder.dynamic {
                    Some(line) => Err(error(
                        path,
                        Some(line),
                        "require needs a string literal in a package (its modules are linked before it runs)",
                    )),
                    None => Ok(finder.found),
                }
            })
            .expect("spawn the package thread")
            .join()
            .expect("the package thread")
    })
}

struct Requires<'s> {
    source: &'s str,
    found: Vec<(String, u32)>,
    dynamic: Option<u32>,
}

impl<'a> Visit<'a> for Requires<'_> {
    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        if let Expression::Identifier(callee) = &it.callee
            && callee.name == "require"
        {
            let line = 1 + self.source[..it.span.start as usize].matches('\n').count() as u32;
            match it.arguments.as_slice() {
                [Argument::StringLiteral(name)] => {
                    self.found.push((name.value.to_string(), line));
                }
                _ => {
                    self.dynamic.get_or_insert(line);
                }
            }
        }
        walk::walk_call_expression(self, it);
    }
}

/// `path` joined to the directory `dir`, with `.` and `..` resolved; `None` if it climbs out
/// of the package.
fn normalize(dir: &str, path: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

fn parent(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

/// What `require(name)` in module `from` loads, as Node resolves it, inside the package.
fn resolve(
    read: &dyn Fn(&str) -> Option<Vec<u8>>,
    from: &str,
    name: &str,
) -> Result<String, String> {
    let builtin = name.strip_prefix("node:").unwrap_or(name);
    if name.starts_with('/') || name.contains('\\') {
        return Err(format!(
            "cannot require '{name}': absolute paths are not allowed in a package"
        ));
    }
    if name.starts_with("./") || name.starts_with("../") || name == "." || name == ".." {
        let path = normalize(parent(from), name)
            .ok_or_else(|| format!("cannot require '{name}': it is outside the package"))?;
        return file_or_dir(read, &path).ok_or_else(|| format!("cannot find module '{name}'"));
    }
    if name.starts_with("node:") || NODE_BUILTINS.contains(&builtin.split('/').next().unwrap_or(""))
    {
        return Err(format!(
            "cannot require '{name}': it is a Node.js built-in module, and contracts run in a sandbox without one"
        ));
    }
    // node_modules in the module's directory and every one above it.
    let mut dir = parent(from).to_string();
    loop {
        let base = if dir.is_empty() {
            format!("node_modules/{name}")
        } else {
            format!("{dir}/node_modules/{name}")
        };
        if let Some(path) = normalize("", &base).and_then(|p| file_or_dir(read, &p)) {
            return Ok(path);
        }
        if dir.is_empty() {
            return Err(format!(
                "cannot find module '{name}' (looked in node_modules up to the package root)"
            ));
        }
        dir = parent(&dir).to_string();
    }
}

/// Node's LOAD_AS_FILE then LOAD_AS_DIRECTORY for `path`.
fn file_or_dir(read: &dyn Fn(&str) -> Option<Vec<u8>>, path: &str) -> Option<String> {
    for candidate in [
        path.to_string(),
        format!("{path}.js"),
        format!("{path}.json"),
    ] {
        if !candidate.is_empty() && read(&candidate).is_some() {
            return Some(candidate);
        }
    }
    let prefix = if path.is_empty() {
        String::new()
    } else {
        format!("{path}/")
    };
    if let Some(manifest) = read(&format!("{prefix}package.json"))
        && let Ok(manifest) = serde_json::from_slice::<serde_json::Value>(&manifest)
        && let Some(main) = manifest.get("main").and_then(|m| m.as_str())
        && let Some(main) = normalize(path, main)
        && let Some(found) = [
            main.clone(),
            format!("{main}.js"),
            format!("{main}/index.js"),
        ]
        .into_iter()
        .find(|c| read(c).is_some())
    {
        return Some(found);
    }
    [format!("{prefix}index.js"), format!("{prefix}index.json")]
        .into_iter()
        .find(|c| read(c).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> impl Fn(&str) -> Option<Vec<u8>> {
        let map: BTreeMap<String, Vec<u8>> = list
            .iter()
            .map(|(p, s)| (p.to_string(), s.as_bytes().to_vec()))
            .collect();
        move |path| map.get(path).cloned()
    }

    #[test]
    fn requires_resolve_as_node_resolves_them_inside_the_package() {
        let read = files(&[
            (
                "index.js",
                "const m = require('./lib/math');\nconst d = require('./data.json');\nconst p = require('pad');\nclass C { init() {} }\nmodule.exports = C;\n",
            ),
            (
                "lib/math.js",
                "module.exports = { add: (a, b) => a + b, up: require('../data') };\n",
            ),
            ("data.json", "{\"k\": 1}"),
            ("node_modules/pad/package.json", "{\"main\": \"lib/pad\"}"),
            (
                "node_modules/pad/lib/pad.js",
                "module.exports = (s) => ' ' + s;\n",
            ),
        ]);
        let package = Package::build(&read, "index.js", serde_json::json!({})).unwrap();
        assert_eq!(
            package.modules.keys().collect::<Vec<_>>(),
            [
                "data.json",
                "index.js",
                "lib/math.js",
                "node_modules/pad/lib/pad.js"
            ]
        );
        assert_eq!(package.links["index.js"]["./lib/math"], "lib/math.js");
        assert_eq!(
            package.links["index.js"]["pad"],
            "node_modules/pad/lib/pad.js"
        );
        assert_eq!(package.links["lib/math.js"]["../data"], "data.json");
        assert_eq!(package.check(), Ok(()));
        let mut tampered = package.clone();
        tampered.modules.insert("index.js".into(), "x".into());
        assert!(tampered.check().unwrap_err().contains("hash"));
    }

    #[test]
    fn what_a_package_cannot_hold_is_named_with_file_and_line() {
        let cases: [(&[(&str, &str)], &str); 7] = [
            (
                &[("index.js", "\nrequire('fs');")],
                "index.js:2: cannot require 'fs': it is a Node.js built-in module",
            ),
            (
                &[("index.js", "require('node:path');")],
                "index.js:1: cannot require 'node:path'",
            ),
            (
                &[("index.js", "\n\nrequire('./nope');")],
                "index.js:3: cannot find module './nope'",
            ),
            (
                &[("index.js", "require('/etc/passwd');")],
                "index.js:1: cannot require '/etc/passwd': absolute paths",
            ),
            (
                &[("index.js", "require('../up');")],
                "index.js:1: cannot require '../up': it is outside the package",
            ),
            (
                &[("index.js", "require(name);")],
                "index.js:1: require needs a string literal",
            ),
            (
                &[
                    ("index.js", "require('./bad');"),
                    ("bad.js", "let a = 1;\nlet = = 2;"),
                ],
                "bad.js:2: syntax error",
            ),
        ];
        for (list, expected) in cases {
            let read = files(list);
            let got = Package::build(&read, "index.js", serde_json::json!({}))
                .unwrap_err()
                .to_string();
            assert!(got.starts_with(expected), "{got}");
        }
    }
}
