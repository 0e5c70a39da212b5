//! The built-in `system` contract: `deploy(code, abi, id?)`.

use serde_json::Value;

use super::host::TxHost;
use super::tx::{ActionResult, Callee, Failed, TxRun, contract_code, load_contract};
use crate::consensus::PARAMS;
use crate::contract::{self, ContractRecord};
use crate::engine::{CallMode, Sandbox};
use crate::schema::{Action, Status};
use crate::state::keys;

/// The contract id of the system contract.
pub const SYSTEM: &str = "system";

pub(super) fn call(
    sandbox: &mut Sandbox,
    run: &mut TxRun<'_>,
    host: &mut TxHost<'_>,
    action: &Action,
) -> ActionResult {
    match action.method.as_str() {
        "deploy" if run.ctx.read_only => Ok(Err(Failed::new(
            Status::InvalidInput,
            "system.deploy is not allowed in a read-only query",
        ))),
        "deploy" => deploy(sandbox, run, host, &action.args),
        other => Ok(Err(Failed::new(
            Status::InvalidInput,
            format!("the system contract has no method `{other}`; it has `deploy`"),
        ))),
    }
}

/// The arguments of a deploy, checked.
pub(super) struct DeployArgs {
    /// The contract's source: the single source given, or a package's bundle.
    pub source: String,
    pub abi_json: String,
    pub id: Option<String>,
    /// The package the source was bundled from, when a package was deployed.
    pub package: Option<contract::package::Package>,
}

impl DeployArgs {
    /// The compile stage for what was given: a single source, or a package's bundle.
    pub fn compile(&self) -> Result<contract::Compiled, contract::CompileError> {
        match &self.package {
            Some(package) => contract::compile_package(package, &self.source, &self.abi_json),
            None => contract::compile(&self.source, &self.abi_json),
        }
    }
}

pub(super) fn deploy_args(args: &Value) -> Result<DeployArgs, String> {
    let args = args.as_array().ok_or("args must be a JSON array")?;
    if !(2..=3).contains(&args.len()) {
        return Err(format!(
            "system.deploy takes (code, abi, id?), got {} arguments",
            args.len()
        ));
    }
    let package = match &args[0] {
        Value::String(_) => None,
        object @ Value::Object(_) => {
            let package: contract::package::Package = serde_json::from_value(object.clone())
                .map_err(|e| format!("system.deploy: argument 1 is not a package: {e}"))?;
            package
                .check()
                .map_err(|e| format!("system.deploy: argument 1 is not a valid package: {e}"))?;
            Some(package)
        }
        _ => {
            return Err(
                "system.deploy: argument 1 (code) must be the source as a string, or a package (`isovm package`)"
                    .into(),
            );
        }
    };
    let source = match &package {
        Some(package) => package.bundle(),
        None => args[0].as_str().unwrap_or_default().to_string(),
    };
    let abi_json = match (&args[1], &package) {
        (Value::Null, Some(package)) => package.abi.to_string(),
        (Value::String(text), _) => text.clone(),
        (object @ Value::Object(_), _) => object.to_string(),
        _ => {
            return Err(
                "system.deploy: argument 2 (abi) must be the ABI as a JSON string or object".into(),
            );
        }
    };
    let id = match args.get(2) {
        None => None,
        Some(Value::String(id)) => Some(id.clone()),
        Some(_) => return Err("system.deploy: argument 3 (id) must be a string".into()),
    };
    Ok(DeployArgs {
        source,
        abi_json,
        id,
        package,
    })
}

/// A contract id: 1 to 64 of `A-Z a-z 0-9 _ .`, and not `system`.
pub(super) fn check_id(id: &str) -> Result<(), String> {
    let valid = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if !valid {
        return Err(format!(
            "contract id {id:?} must be 1 to 64 characters of A-Z, a-z, 0-9, `_` and `.`"
        ));
    }
    if id == SYSTEM || id == super::token::TOKEN {
        return Err(format!("contract id `{id}` is reserved"));
    }
    Ok(())
}

fn deploy(
    sandbox: &mut Sandbox,
    run: &mut TxRun<'_>,
    host: &mut TxHost<'_>,
    args: &Value,
) -> ActionResult {
    let invalid = |message: String| Ok(Err(Failed::new(Status::InvalidContract, message)));
    let args = match deploy_args(args) {
        Ok(args) => args,
        Err(message) => return Ok(Err(Failed::new(Status::InvalidInput, message))),
    };
    // As IOST does: `Contract` + the transaction hash (already base58).
    let id = args
        .id
        .clone()
        .unwrap_or_else(|| format!("Contract{}", run.tx.hash));
    if let Err(message) = check_id(&id) {
        return invalid(message);
    }
    if let Err(failed) =
        run.charge(PARAMS.tx.deploy + args.source.len() as u64 * PARAMS.tx.deploy_per_byte)
    {
        return Ok(Err(failed));
    }
    if load_contract(host, &id)?.is_some() {
        return invalid(format!("contract `{id}` already exists"));
    }
    let compiled = match args.compile() {
        Ok(compiled) => compiled,
        Err(e) => return invalid(e.to_string()),
    };
    tracing::debug!(contract = %id, charge_sites = compiled.charge_sites, bytes = compiled.code.len(), "compiled contract");
    if let Err(message) = check_regexps(sandbox, &compiled.regexps) {
        return invalid(message);
    }
    let abi_methods = compiled.abi.method_names();
    let record = ContractRecord {
        id: id.clone(),
        owner: run.tx.publisher.clone(),
        abi: compiled.abi,
        source: args.source,
        code: compiled.code,
        code_hash: compiled.code_hash,
        deployed_at: run.ctx.height,
    };
    host.writes
        .put(keys::contract_key(host.partition, &id), record.encode());
    let callee = Callee {
        code: contract_code(run.ctx.base, &record)?,
        source: &record.source,
    };
    if let Err(failed) = run.call(
        sandbox,
        host,
        &callee,
        "init",
        &serde_json::Value::Array(Vec::new()),
        CallMode::Deploy {
            abi_methods: &abi_methods,
        },
    )? {
        return Ok(Err(failed));
    }
    // The deploy's return value is the new contract's id, not whatever init() returned.
    run.returns.pop();
    run.returns.push(Value::String(id).to_string());
    Ok(Ok(()))
}

/// Every regular-expression literal must compile on V8's linear-time engine (the `l` flag the
/// instrumenter added), or the contract is refused: otherwise it would throw when the
/// literal is first evaluated.
fn check_regexps(
    sandbox: &mut Sandbox,
    regexps: &[contract::instrument::RegexpLiteral],
) -> Result<(), String> {
    let linear: Vec<(String, String)> = regexps
        .iter()
        .map(|r| (r.pattern.clone(), r.linear_flags()))
        .collect();
    let Err((index, message)) = sandbox.check_regexps(&linear) else {
        return Ok(());
    };
    let Some(regexp) = regexps.get(index) else {
        return Err(message);
    };
    let at = format!(
        "regular expression {regexp} at line {}, column {}",
        regexp.line, regexp.column
    );
    // Not a valid pattern at all, or one the linear engine cannot run.
    let own = [(regexp.pattern.clone(), regexp.flags.clone())];
    Err(match sandbox.check_regexps(&own) {
        Err((_, message)) => format!("{at} is not valid: {message}"),
        Ok(()) => format!(
            "{at} cannot run in linear time (backreferences, lookahead, capturing lookbehind, \
             the i, u, v and d flags and counted repetition over 16 are not available): {message}"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deploy_arguments_are_checked() {
        assert!(deploy_args(&json!(["code", "{}"])).is_ok());
        assert!(deploy_args(&json!(["code", {"lang": "javascript"}, "Token"])).is_ok());
        let cases = [
            (json!(["code"]), "got 1 arguments"),
            (json!([1, "{}"]), "argument 1 (code)"),
            (json!(["code", 5]), "argument 2 (abi)"),
            (json!(["code", "{}", 7]), "argument 3 (id)"),
        ];
        for (args, expected) in cases {
            let Err(err) = deploy_args(&args) else {
                panic!("{args} accepted")
            };
            assert!(
                err.contains(expected),
                "{err:?} should contain {expected:?}"
            );
        }
    }

    #[test]
    fn contract_ids_are_checked() {
        assert!(check_id("token.iost").unwrap_err().contains("reserved"));
        assert!(check_id("exchange.v2").is_ok());
        assert!(check_id("Contract3yZe7d").is_ok());
        assert!(check_id("system").unwrap_err().contains("reserved"));
        assert!(check_id("").is_err());
        assert!(check_id("a b").is_err());
        assert!(check_id(&"x".repeat(65)).is_err());
    }
}
