//! The built-in `system` contract: `deploy(code, abi, id?)` and `updateCode(code, abi, id,
//! data)`. Both make code from source with [`compile`]; a deploy runs the new contract's
//! `init`, an update asks the old contract's `can_update(data)` and keeps its storage.

use serde_json::Value;

use super::host::TxHost;
use super::tx::{ActionResult, Callee, Failed, TxRun, contract_code, load_callee, load_contract};
use crate::consensus::PARAMS;
use crate::contract::{self, Compiled, ContractRecord};
use crate::engine::{CallMode, Sandbox};
use crate::schema::{Action, Status};
use crate::state::keys;

/// The contract id of the system contract.
pub const SYSTEM: &str = "system";

/// The system contract's methods, for messages.
pub(super) const METHODS: &str = "`deploy` and `updateCode`";

pub(super) fn call(
    sandbox: &mut Sandbox,
    run: &mut TxRun<'_>,
    host: &mut TxHost<'_>,
    action: &Action,
) -> ActionResult {
    match action.method.as_str() {
        method @ ("deploy" | "updateCode") if run.ctx.read_only => Ok(Err(Failed::new(
            Status::InvalidInput,
            format!("system.{method} is not allowed in a read-only query"),
        ))),
        "deploy" => deploy(sandbox, run, host, &action.args),
        "updateCode" => update_code(sandbox, run, host, &action.args),
        other => Ok(Err(Failed::new(
            Status::InvalidInput,
            format!("the system contract has no method `{other}`; it has {METHODS}"),
        ))),
    }
}

/// A contract's code as a deploy or an update gives it: a single source, or a package
/// (`isovm package`), which is bundled into one source here.
pub(super) struct Code {
    /// The source: the one given, or the package's bundle.
    pub source: String,
    pub abi_json: String,
    pub package: Option<contract::package::Package>,
}

impl Code {
    /// The compile stage for what was given.
    pub fn compile(&self) -> Result<Compiled, contract::CompileError> {
        match &self.package {
            Some(package) => contract::compile_package(package, &self.source, &self.abi_json),
            None => contract::compile(&self.source, &self.abi_json),
        }
    }
}

/// The code (argument 1) and ABI (argument 2) of `system.<method>`. A package's own ABI is
/// used where the ABI is `null`.
fn code_args(method: &str, code: &Value, abi: &Value) -> Result<Code, String> {
    let package = match code {
        Value::String(_) => None,
        object @ Value::Object(_) => {
            let package: contract::package::Package = serde_json::from_value(object.clone())
                .map_err(|e| format!("system.{method}: argument 1 is not a package: {e}"))?;
            package
                .check()
                .map_err(|e| format!("system.{method}: argument 1 is not a valid package: {e}"))?;
            Some(package)
        }
        _ => {
            return Err(format!(
                "system.{method}: argument 1 (code) must be the source as a string, or a package (`isovm package`)"
            ));
        }
    };
    let source = match &package {
        Some(package) => package.bundle(),
        None => code.as_str().unwrap_or_default().to_string(),
    };
    let abi_json = match (abi, &package) {
        (Value::Null, Some(package)) => package.abi.to_string(),
        _ => abi_arg(method, abi)?,
    };
    Ok(Code {
        source,
        abi_json,
        package,
    })
}

/// The arguments of a deploy, checked.
pub(super) struct DeployArgs {
    pub code: Code,
    pub id: Option<String>,
}

impl DeployArgs {
    /// The new contract's id: the one given, or as IOST names it, `Contract` + the
    /// transaction hash (already base58).
    pub fn id_for(&self, tx_hash: &str) -> String {
        self.id
            .clone()
            .unwrap_or_else(|| format!("Contract{tx_hash}"))
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
    Ok(DeployArgs {
        code: code_args("deploy", &args[0], &args[1])?,
        id: args
            .get(2)
            .map(|id| string_arg("deploy", 3, "id", id))
            .transpose()?,
    })
}

/// The arguments of an update, checked.
pub(super) struct UpdateArgs {
    pub code: Code,
    pub id: String,
    /// What the old contract's `can_update` is called with.
    pub data: String,
}

pub(super) fn update_args(args: &Value) -> Result<UpdateArgs, String> {
    let args = args.as_array().ok_or("args must be a JSON array")?;
    if args.len() != 4 {
        return Err(format!(
            "system.updateCode takes (code, abi, id, data), got {} arguments",
            args.len()
        ));
    }
    Ok(UpdateArgs {
        code: code_args("updateCode", &args[0], &args[1])?,
        id: string_arg("updateCode", 3, "id", &args[2])?,
        data: string_arg("updateCode", 4, "data", &args[3])?,
    })
}

/// The ABI, given as its JSON text or as the object itself.
fn abi_arg(method: &str, arg: &Value) -> Result<String, String> {
    match arg {
        Value::String(text) => Ok(text.clone()),
        object @ Value::Object(_) => Ok(object.to_string()),
        _ => Err(format!(
            "system.{method}: argument 2 (abi) must be the ABI as a JSON string or object"
        )),
    }
}

fn string_arg(method: &str, n: usize, name: &str, arg: &Value) -> Result<String, String> {
    arg.as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("system.{method}: argument {n} ({name}) must be a string"))
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
    if id == SYSTEM || super::native::native(id).is_some() {
        return Err(format!("contract id `{id}` is reserved"));
    }
    Ok(())
}

/// Why a deploy may not take the id of account `id`: `requireAuth(id, …)` would not know
/// which it asks about.
pub(super) fn account_taken(id: &str) -> String {
    format!("contract id `{id}` is an account's (auth.iost)")
}

/// What a deploy or an update charges before anything else: `tx.deploy` plus
/// `tx.deploy_per_byte` per byte of source (IOST's `SetCodeCost`, charged first by both).
fn charge_code(run: &mut TxRun<'_>, source: &str) -> Result<(), Failed> {
    run.charge(PARAMS.tx.deploy + source.len() as u64 * PARAMS.tx.deploy_per_byte)
}

/// Source and ABI made into what the engine runs, as a deploy and an update both do: the size
/// limit, the ABI, instrumentation, IOST's validation (`contract::compile`), then every
/// regular-expression literal on the engine's linear-time engine. `Err` is why the contract
/// is refused (`invalid_contract`).
fn compile(sandbox: &mut Sandbox, id: &str, code: &Code) -> Result<Compiled, String> {
    let compiled = code.compile().map_err(|e| e.to_string())?;
    tracing::debug!(contract = %id, charge_sites = compiled.charge_sites, bytes = compiled.code.len(), "compiled contract");
    check_regexps(sandbox, &compiled.regexps)?;
    Ok(compiled)
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
    let id = args.id_for(&run.tx.hash);
    if let Err(message) = check_id(&id) {
        return invalid(message);
    }
    if let Err(failed) = charge_code(run, &args.code.source) {
        return Ok(Err(failed));
    }
    if load_contract(host, &id)?.is_some() {
        return invalid(format!("contract `{id}` already exists"));
    }
    if host
        .read(&super::account::account_key(host.partition, &id))?
        .is_some()
    {
        return invalid(account_taken(&id));
    }
    let compiled = match compile(sandbox, &id, &args.code) {
        Ok(compiled) => compiled,
        Err(message) => return invalid(message),
    };
    let abi_methods = compiled.abi.method_names();
    let record = ContractRecord {
        id: id.clone(),
        owner: run.tx.publisher.clone(),
        abi: compiled.abi,
        source: args.code.source,
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

/// IOST's refusal of an update of a contract that is not there.
pub(super) fn not_exists(id: &str) -> String {
    format!("system.updateCode: contract not exists: `{id}`")
}

/// Why an update of `record` (the contract as the transaction sees it) cannot even ask it, or
/// `Ok`: the record must belong to `publisher` and have `can_update` in its ABI, taking
/// `data`. Shared with transaction validation.
pub(super) fn check_update(
    record: &ContractRecord,
    args: &UpdateArgs,
    publisher: &str,
) -> Result<(), String> {
    let id = &args.id;
    if record.owner != publisher {
        return Err(format!(
            "system.updateCode: only the owner of `{id}` ({}) may update it, not {publisher}",
            record.owner
        ));
    }
    let Some(can_update) = record.abi.method("can_update") else {
        return Err(format!(
            "system.updateCode: update refused: `{id}` has no `can_update` in its ABI"
        ));
    };
    can_update
        .check_args(&Value::Array(vec![Value::String(args.data.clone())]))
        .map_err(|reason| format!("system.updateCode: call can_update: {reason}"))
}

/// `updateCode(code, abi, id, data)`, as IOST's `UpdateCode`: the owner only (isovm's rule),
/// the old contract's `can_update(data)` must return true, then the new code replaces the old
/// under the same id, owner and storage, without running `init`.
fn update_code(
    sandbox: &mut Sandbox,
    run: &mut TxRun<'_>,
    host: &mut TxHost<'_>,
    args: &Value,
) -> ActionResult {
    let refused = |status, message: String| Ok(Err(Failed::new(status, message)));
    let args = match update_args(args) {
        Ok(args) => args,
        Err(message) => return refused(Status::InvalidInput, message),
    };
    if let Err(failed) = charge_code(run, &args.code.source) {
        return Ok(Err(failed));
    }
    let id = &args.id;
    let Some(old) = load_callee(run.ctx, host, id)? else {
        return refused(Status::InvalidInput, not_exists(id));
    };
    if let Err(message) = check_update(&old.record, &args, &run.tx.publisher) {
        return refused(Status::InvalidInput, message);
    }
    // A fresh module instance of the old code, as an action's (IOST's `h.Call`).
    let callee = Callee {
        code: old.code.clone(),
        source: &old.record.source,
    };
    let data = Value::Array(vec![Value::String(args.data.clone())]);
    if let Err(mut failed) =
        run.call(sandbox, host, &callee, "can_update", &data, CallMode::Call)?
    {
        failed.message = format!("system.updateCode: call can_update: {}", failed.message);
        return Ok(Err(failed));
    }
    // IOST compares the text its sandbox made of the return value with "true": that of `true`
    // and of `"true"` alike.
    let answer = run.returns.pop().unwrap_or_default();
    if answer != "true" && answer != r#""true""# {
        return refused(
            Status::RuntimeError,
            format!("system.updateCode: update refused: `{id}`.can_update returned {answer}"),
        );
    }
    let compiled = match compile(sandbox, id, &args.code) {
        Ok(compiled) => compiled,
        Err(message) => return refused(Status::InvalidContract, message),
    };
    let record = ContractRecord {
        abi: compiled.abi,
        source: args.code.source,
        code: compiled.code,
        code_hash: compiled.code_hash,
        ..old.record.clone()
    };
    host.writes
        .put(keys::contract_key(host.partition, id), record.encode());
    // IOST's updateCode returns nothing.
    run.returns.push(Value::Null.to_string());
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
    fn update_arguments_are_checked() {
        let args = update_args(&json!(["code", {"abi": []}, "Token", "v2"])).unwrap();
        assert_eq!((args.id.as_str(), args.data.as_str()), ("Token", "v2"));
        let cases = [
            (
                json!(["code", "{}", "Token"]),
                "takes (code, abi, id, data), got 3",
            ),
            (
                json!([1, "{}", "Token", ""]),
                "updateCode: argument 1 (code)",
            ),
            (json!(["code", [], "Token", ""]), "argument 2 (abi)"),
            (json!(["code", "{}", null, ""]), "argument 3 (id)"),
            (json!(["code", "{}", "Token", 5]), "argument 4 (data)"),
        ];
        for (args, expected) in cases {
            let Err(err) = update_args(&args) else {
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
