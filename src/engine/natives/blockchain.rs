//! `blockchain` (contract name, publisher, authorization, events) and the block clock behind
//! `Date.now`.

use super::{
    Args, MAX_KEY_BYTES, MAX_VALUE_BYTES, bool_value, charge, cost, host_result, js_string, native,
    string_arg, writable,
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

/// `blockchain.requireAuth(account, permission)`: isovm receives transactions already
/// verified by the producer and knows one signer, the publisher; so an account is
/// authorized exactly when it is the publisher. The permission must be a string and is
/// otherwise not checked.
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
        string_arg(
            scope,
            &args,
            1,
            "blockchain.requireAuth",
            "permission",
            MAX_KEY_BYTES,
        )?;
        charge(state, cost::CALL)?;
        Ok(bool_value(scope, account == state.publisher))
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
