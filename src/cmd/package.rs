//! `isovm package DIR`: a directory of CommonJS modules becomes one deployable package
//! (`contract::package`): the entry from `package.json`'s `main` (else `index.js`), every
//! module it requires (its own files, JSON files, dependencies under `node_modules`), the ABI
//! from `abi.json`, and a content hash. Written as MessagePack to `-o FILE`, or printed as
//! JSON, the form a deploy action takes as its first argument.

use std::path::{Component, Path};

use crate::contract::package::{Package, PackageError};

/// Why the directory is not a package (the message names the file and line).
#[derive(Debug, thiserror::Error)]
pub enum PackageCommandError {
    #[error(transparent)]
    Package(#[from] PackageError),
    #[error("{path}: {message}")]
    File { path: String, message: String },
}

/// The file `path` (relative, `/`-separated) of `dir`, if it is a file inside it.
fn read_in(dir: &Path, path: &str) -> Option<Vec<u8>> {
    let relative = Path::new(path);
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let full = dir.join(relative);
    if !full.is_file() {
        return None;
    }
    std::fs::read(full).ok()
}

/// Makes the package of `dir`.
pub fn build(dir: &Path) -> Result<Package, PackageCommandError> {
    let file_error = |path: &Path, message: String| PackageCommandError::File {
        path: path.display().to_string(),
        message,
    };
    let manifest = dir.join("package.json");
    let main = match std::fs::read(&manifest) {
        Err(_) => "index.js".to_string(),
        Ok(bytes) => {
            let value: serde_json::Value = serde_json::from_slice(&bytes)
                .map_err(|e| file_error(&manifest, format!("not JSON: {e}")))?;
            match value.get("main") {
                None => "index.js".to_string(),
                Some(serde_json::Value::String(main)) => main.clone(),
                Some(_) => return Err(file_error(&manifest, "`main` must be a string".into())),
            }
        }
    };
    let abi_path = dir.join("abi.json");
    let abi_bytes = std::fs::read(&abi_path)
        .map_err(|e| file_error(&abi_path, format!("the contract's ABI is missing ({e})")))?;
    let abi: serde_json::Value = serde_json::from_slice(&abi_bytes)
        .map_err(|e| file_error(&abi_path, format!("not JSON: {e}")))?;
    crate::contract::Abi::parse(&abi.to_string()).map_err(|e| file_error(&abi_path, e))?;
    let main = main.strip_prefix("./").unwrap_or(&main).to_string();
    Ok(Package::build(&|path| read_in(dir, path), &main, abi)?)
}
