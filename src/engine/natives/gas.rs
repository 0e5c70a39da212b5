//! The metering stops: what the runtime library calls when a counter passes its limit.

use super::{Args, Fail, Stop, native};

/// `natives.memoryLimit()`: the memory count passed the budget.
pub(super) fn memory_limit(
    scope: &mut v8::PinScope,
    _args: Args,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    native(scope, &mut rv, |_, state| {
        state.stop = Some(Stop::MemoryLimit);
        Err(Fail::Stop)
    });
}

/// `natives.outOfGas()`: the gas count passed the limit.
pub(super) fn out_of_gas(
    scope: &mut v8::PinScope,
    _args: Args,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    native(scope, &mut rv, |_, state| {
        state.stop = Some(Stop::OutOfGas);
        Err(Fail::Stop)
    });
}
