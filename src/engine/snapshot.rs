//! The startup snapshot: the runtime library (`runtime/*.js`) evaluated once, frozen, and
//! serialized, so that every transaction's context starts from it instead of re-running it.
//!
//! Created on first start and cached on disk, keyed by everything that shapes it (runtime
//! source, V8 version, flags, natives); a cache file is checked by its own hash before V8
//! sees it, because V8 aborts the process on a snapshot it does not like.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use sha2::{Digest, Sha256};

use super::EngineError;
use super::natives;
use super::platform;

/// The runtime library's files, in the order they are joined (see `runtime/00-prelude.js`).
macro_rules! runtime_files {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("runtime/", $name)))),*]
    };
}
const RUNTIME_FILES: &[(&str, &str)] = runtime_files![
    "00-prelude.js",
    "01-meter.js",
    "10-environment.js",
    "20-api.js",
    "21-numbers.js",
    "30-strings.js",
    "31-regexp.js",
    "32-json.js",
    "33-numbers.js",
    "34-functions.js",
    "35-date.js",
    "40-arrays.js",
    "41-buffers.js",
    "42-objects.js",
    "43-collections.js",
    "44-iterators.js",
    "70-guards.js",
    "80-inventory.js",
    "90-lockdown.js",
    "99-internals.js",
];

/// The runtime library as one script: a function of `natives` and `params`.
pub(super) fn runtime_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let mut text = String::from("(function (natives, params) {\n\"use strict\";\n");
        for (_, file) in RUNTIME_FILES {
            text.push_str(file);
            text.push('\n');
        }
        text.push_str("})");
        text
    })
}
/// Script name of the runtime in stack traces; frames from it are not shown to users.
pub(super) const RUNTIME_NAME: &str = "isovm:runtime";

/// The origin of a classic script named `name` (its name in stack traces), whose first line's
/// columns are shifted by `column_offset`.
pub(super) fn script_origin<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    name: &str,
    column_offset: i32,
) -> Option<v8::ScriptOrigin<'s>> {
    let name = v8::String::new(scope, name)?;
    Some(v8::ScriptOrigin::new(
        scope,
        name.into(),
        0,
        column_offset,
        false,
        0,
        None,
        false,
        false,
        false,
        None,
    ))
}

/// Evaluates the runtime in the current context and returns its internals object.
pub(super) fn install_runtime<'s>(
    scope: &mut v8::PinScope<'s, '_>,
) -> Result<v8::Local<'s, v8::Object>, EngineError> {
    let failed = |what: &str| EngineError::Runtime(format!("runtime library: {what}"));
    let source =
        v8::String::new(scope, runtime_source()).ok_or_else(|| failed("source too large"))?;
    let origin = script_origin(scope, RUNTIME_NAME, 0).ok_or_else(|| failed("name"))?;
    let natives = natives::natives_object(scope);
    let params = v8::String::new(scope, &crate::consensus::to_json())
        .and_then(|text| v8::json::parse(scope, text))
        .ok_or_else(|| failed("the parameter table does not parse"))?;
    v8::tc_scope!(let tc, scope);
    let script =
        v8::Script::compile(tc, source, Some(&origin)).ok_or_else(|| failed("does not compile"))?;
    let factory = script.run(tc).ok_or_else(|| failed("does not run"))?;
    let factory =
        v8::Local::<v8::Function>::try_from(factory).map_err(|_| failed("is not a function"))?;
    let undefined = v8::undefined(tc).into();
    let internals = factory.call(tc, undefined, &[natives.into(), params]);
    let Some(internals) = internals else {
        let message = tc
            .message()
            .map(|m| m.get(tc).to_rust_string_lossy(tc))
            .unwrap_or_else(|| "unknown error".into());
        return Err(failed(&message));
    };
    v8::Local::<v8::Object>::try_from(internals).map_err(|_| failed("did not return its internals"))
}

/// Paths of the functions a contract can reach that the runtime library has not classified as
/// metered or constant-cost (`runtime/80-inventory.js`).
pub(super) fn unclassified<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    internals: v8::Local<'s, v8::Object>,
) -> Result<Vec<String>, EngineError> {
    let failed = || EngineError::Runtime("runtime library: inventory() failed".into());
    let list = super::sandbox::internal_function(scope, internals, "inventory")
        .and_then(|f| f.call(scope, internals.into(), &[]))
        .and_then(|list| v8::Local::<v8::Array>::try_from(list).ok())
        .ok_or_else(failed)?;
    let mut paths = Vec::with_capacity(list.length() as usize);
    for i in 0..list.length() {
        let item = list.get_index(scope, i).ok_or_else(failed)?;
        paths.push(item.to_rust_string_lossy(scope));
    }
    Ok(paths)
}

/// Serializes a context with the runtime installed.
fn create_blob() -> Result<Vec<u8>, EngineError> {
    let mut creator =
        v8::Isolate::snapshot_creator(Some(natives::external_references().into()), None);
    let installed = {
        v8::scope!(let scope, &mut creator);
        let context = v8::Context::new(scope, Default::default());
        let scope = &mut v8::ContextScope::new(scope, context);
        let installed = install_runtime(scope).and_then(|internals| {
            // A function nobody classified would do unmetered work: refuse to start.
            let missing = unclassified(scope, internals)?;
            if !missing.is_empty() {
                return Err(EngineError::Runtime(format!(
                    "runtime library: {} reachable functions are neither metered nor constant \
                     (classify them in src/engine/runtime/): {}",
                    missing.len(),
                    missing.join(", ")
                )));
            }
            let index = scope.add_context_data(context, internals);
            debug_assert_eq!(index, INTERNALS_INDEX);
            Ok(())
        });
        // V8 aborts the process on a blob without a default context, so there is one even
        // when the runtime failed (the blob is then thrown away and the error returned).
        scope.set_default_context(context);
        installed
    };
    // A snapshot creator must end in create_blob, even when what it was given failed.
    let blob = creator.create_blob(v8::FunctionCodeHandling::Keep);
    installed?;
    let blob =
        blob.ok_or_else(|| EngineError::Runtime("V8 could not create the snapshot".into()))?;
    Ok(blob.to_vec())
}

/// Where `add_context_data` put the internals object.
pub(super) const INTERNALS_INDEX: usize = 0;

/// Everything that makes a snapshot what it is.
fn cache_key() -> String {
    let mut h = Sha256::new();
    h.update(runtime_source());
    h.update(crate::consensus::to_json());
    h.update(platform::flags());
    h.update(v8::V8::get_version());
    h.update(env!("CARGO_PKG_VERSION"));
    h.update(natives::external_references().len().to_be_bytes());
    h.finalize()
        .iter()
        .take(12)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The process's snapshot: loaded from `dir` or created by the first caller, then shared.
///
/// V8 cannot create a snapshot while other isolates exist (they share the read-only heap),
/// so it is made once, before any sandbox: every [`super::Engine`] calls this first, whether
/// or not it uses the snapshot.
pub(super) fn process_snapshot(dir: Option<&Path>) -> Result<&'static [u8], EngineError> {
    static BLOB: OnceLock<Result<Vec<u8>, String>> = OnceLock::new();
    let blob = BLOB.get_or_init(|| {
        let dir = dir.map(Path::to_path_buf);
        let maker = platform::spawn_sandbox_thread("isovm-snapshot".into(), move || {
            load_or_create(dir.as_deref()).map_err(|e| e.to_string())
        });
        match maker {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|_| Err("snapshot creation panicked".into())),
            Err(e) => Err(format!("could not start the snapshot thread: {e}")),
        }
    });
    blob.as_deref().map_err(|e| EngineError::Runtime(e.clone()))
}

/// Loads the cached snapshot from `dir`, or creates it (and caches it when `dir` is given).
/// Must run on a sandbox thread.
fn load_or_create(dir: Option<&Path>) -> Result<Vec<u8>, EngineError> {
    let path: Option<PathBuf> = dir.map(|d| d.join(format!("snapshot-{}.bin", cache_key())));
    if let Some(path) = &path
        && let Some(blob) = read_checked(path)
    {
        tracing::debug!(path = %path.display(), bytes = blob.len(), "loaded V8 startup snapshot");
        return Ok(blob);
    }
    let started = Instant::now();
    let blob = create_blob()?;
    tracing::info!(
        bytes = blob.len(),
        ms = started.elapsed().as_millis() as u64,
        "created V8 startup snapshot"
    );
    if let Some(path) = &path
        && let Err(e) = write_checked(path, &blob)
    {
        tracing::warn!(path = %path.display(), error = %e, "could not cache the snapshot; it will be rebuilt next start");
    }
    Ok(blob)
}

/// File layout: SHA-256 of the blob, then the blob.
fn read_checked(path: &Path) -> Option<Vec<u8>> {
    let bytes = std::fs::read(path).ok()?;
    if bytes.len() < 32 {
        return None;
    }
    let (sum, blob) = bytes.split_at(32);
    if Sha256::digest(blob).as_slice() != sum {
        tracing::warn!(path = %path.display(), "cached snapshot is corrupt; rebuilding it");
        return None;
    }
    Some(blob.to_vec())
}

fn write_checked(path: &Path, blob: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut bytes = Sha256::digest(blob).to_vec();
    bytes.extend_from_slice(blob);
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::RUNTIME_FILES;

    #[test]
    fn every_runtime_file_is_in_the_library_in_name_order() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/engine/runtime");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".js"))
            .collect();
        on_disk.sort();
        let listed: Vec<&str> = RUNTIME_FILES.iter().map(|(name, _)| *name).collect();
        assert_eq!(listed, on_disk);
    }
}
