//! `console`: lines for the node's log, never for the receipt.

use super::{Args, MAX_VALUE_BYTES, charge, cost, native, string_arg};

pub(super) fn log(scope: &mut v8::PinScope, args: Args, mut rv: v8::ReturnValue<v8::Value>) {
    native(scope, &mut rv, |scope, state| {
        let level = args.get(0).int32_value(scope).unwrap_or(2);
        let line = string_arg(scope, &args, 1, "console.log", "message", MAX_VALUE_BYTES)?;
        charge(state, cost::CALL + cost::LOG + line.len() as u64)?;
        let contract = state.contract.clone();
        state.host().log(&contract, level, &line);
        Ok(None)
    });
}
