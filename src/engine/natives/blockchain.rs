//! `blockchain` (contract name, publisher, authorization, events) and the block clock behind
//! `Date.now`.

use super::{
    Args, CallState, MAX_KEY_BYTES, MAX_VALUE_BYTES, Outcome, bool_value, charge, cost, count,
    host_result, js_string, native, string_arg, string_units, writable,
};

pub(super) fn now(scope: &mut v8::PinScope, _args: Args, mut rv: v8::ReturnValue<v8::Value>) {
    native(scope, &mut rv, |scope, state| {
        charge(state, cost::CALL)?;
        Ok(Some(v8::Number::new(scope, state.now_ms).into()))
    });
}

pub(super) fn contract_name(
    scope: &mut v8::PinScope,
    _args: Args,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    native(scope, &mut rv, |scope, state| {
        charge(state, cost::CALL)?;
        Ok(Some(js_string(scope, &state.contract)?))
    });
}

pub(super) fn publisher(scope: &mut v8::PinScope, _args: Args, mut rv: v8::ReturnValue<v8::Value>) {
    native(scope, &mut rv, |scope, state| {
        charge(state, cost::CALL)?;
        Ok(Some(js_string(scope, &state.publisher)?))
    });
}

/// `blockchain.requireAuth(account, permission)`: `crate::contract::auth::authorized`, asked
/// of the host (which reads the accounts), paying `host.call` and what judging cost.
pub(super) fn require_auth(
    scope: &mut v8::PinScope,
    args: Args,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    native(scope, &mut rv, |scope, state| {
        let account = string_arg(
            scope,
            &args,
            0,
            "blockchain.requireAuth",
            "account",
            MAX_KEY_BYTES,
        )?;
        let permission = string_arg(
            scope,
            &args,
            1,
            "blockchain.requireAuth",
            "permission",
            MAX_KEY_BYTES,
        )?;
        charge(state, cost::CALL)?;
        let (publisher, lent, budget) = (
            state.publisher.clone(),
            state.auth.clone(),
            state.gas.left(),
        );
        let judged = crate::engine::host::authorized(
            state.host(),
            &publisher,
            &lent,
            &account,
            &permission,
            budget,
        );
        let verdict = host_result(state, judged)?;
        charge(state, verdict.gas)?;
        Ok(bool_value(scope, verdict.ok))
    });
}

/// `blockchain.receipt(content)`: a line of the transaction's receipt, named
/// `contract/method` as IOST names it; paid as an event.
pub(super) fn receipt(scope: &mut v8::PinScope, args: Args, mut rv: v8::ReturnValue<v8::Value>) {
    native(scope, &mut rv, |scope, state| {
        writable(state, "blockchain.receipt")?;
        let content = string_arg(
            scope,
            &args,
            0,
            "blockchain.receipt",
            "content",
            MAX_VALUE_BYTES,
        )?;
        charge(
            state,
            cost::CALL + cost::EVENT + content.len() as u64 * cost::PER_BYTE_WRITE,
        )?;
        let (contract, method) = (state.contract.clone(), state.method.clone());
        let result = state.host().receipt(&contract, &method, content);
        host_result(state, result).map(|()| None)
    });
}

pub(super) fn event(scope: &mut v8::PinScope, args: Args, mut rv: v8::ReturnValue<v8::Value>) {
    native(scope, &mut rv, |scope, state| {
        writable(state, "blockchain.event")?;
        let data = string_arg(scope, &args, 0, "blockchain.event", "data", MAX_VALUE_BYTES)?;
        charge(
            state,
            cost::CALL + cost::EVENT + data.len() as u64 * cost::PER_BYTE_WRITE,
        )?;
        let contract = state.contract.clone();
        let result = state.host().event(&contract, data);
        host_result(state, result).map(|()| None)
    });
}

/// A text of the call's context, paid like a read of that many bytes and counted as the
/// string it becomes.
fn context_text<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    state: &mut CallState,
    text: &str,
) -> Outcome<Option<v8::Local<'s, v8::Value>>> {
    charge(state, cost::CALL + text.len() as u64 * cost::PER_BYTE_READ)?;
    count(state, string_units(text.len()))?;
    Ok(Some(js_string(scope, text)?))
}

/// `blockchain.contractOwner()`: the account that deployed the contract.
pub(super) fn contract_owner(
    scope: &mut v8::PinScope,
    _args: Args,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    native(scope, &mut rv, |scope, state| {
        let contract = state.contract.clone();
        let result = state.host().contract_owner(&contract);
        let owner = host_result(state, result)?;
        context_text(scope, state, &owner)
    });
}

/// `blockchain.blockInfo()`: the block as JSON text, IOST's keys in IOST's (sorted) order.
pub(super) fn block_info(
    scope: &mut v8::PinScope,
    _args: Args,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    native(scope, &mut rv, |scope, state| {
        let result = state.host().block_info();
        let text = host_result(state, result)?;
        context_text(scope, state, &text)
    });
}

/// `blockchain.txInfo()`: the transaction as JSON text (the fields isovm has of IOST's).
pub(super) fn tx_info(scope: &mut v8::PinScope, _args: Args, mut rv: v8::ReturnValue<v8::Value>) {
    native(scope, &mut rv, |scope, state| {
        let result = state.host().tx_info();
        let text = host_result(state, result)?;
        context_text(scope, state, &text)
    });
}

/// `blockchain.contextInfo()`: `{"abi_name","caller","contract_name","publisher"}` as JSON
/// text; the caller of a transaction's action is its publisher, an account, and of a nested
/// call the contract that made it.
pub(super) fn context_info(
    scope: &mut v8::PinScope,
    _args: Args,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    native(scope, &mut rv, |scope, state| {
        let caller = match state.callers.last() {
            Some(caller) => serde_json::json!({"is_account": false, "name": caller.contract}),
            None => serde_json::json!({"is_account": true, "name": state.publisher}),
        };
        let text = serde_json::json!({
            "abi_name": state.method,
            "caller": caller,
            "contract_name": state.contract,
            "publisher": state.publisher,
        })
        .to_string();
        context_text(scope, state, &text)
    });
}
