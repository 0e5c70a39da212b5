//! What the built-in contracts written in Rust (`token.iost`, `auth.iost`) share: the
//! registry by id, and the steps of a call both take: reading a string argument, asking who
//! signed (paying for the judging), writing a receipt.

use serde_json::Value;

use super::{account, token};
use crate::consensus::PARAMS;
use crate::contract::Abi;
use crate::engine::{Host, HostError, NativeCall, NativeContract};

/// The built-in contracts written in Rust, by id: the contract and its ABI.
pub(super) fn native(id: &str) -> Option<(&'static dyn NativeContract, &'static Abi)> {
    match id {
        token::TOKEN => Some((&token::TOKEN_CONTRACT, token::abi())),
        crate::contract::account::AUTH => Some((&account::AUTH_CONTRACT, account::abi())),
        _ => None,
    }
}

/// Argument `i` of a call whose ABI says it is a string.
pub(super) fn str_arg(args: &Value, i: usize) -> &str {
    args[i].as_str().unwrap_or_default()
}

/// Whether `id` gave `permission` to `call` ([`crate::engine::authorized`]), adding what
/// judging cost to `gas` (the call's so far, within the transaction's gas left).
pub(super) fn authorized(
    host: &mut dyn Host,
    call: &NativeCall<'_>,
    gas: &mut u64,
    id: &str,
    permission: &str,
) -> Result<bool, HostError> {
    let budget = call.gas_left.saturating_sub(*gas);
    let verdict =
        crate::engine::authorized(host, call.publisher, call.lent, id, permission, budget)?;
    *gas += verdict.gas;
    Ok(verdict.ok)
}

/// IOST's receipt of a change, `contract/method` with `content`, paid as an event.
pub(super) fn receipt(
    host: &mut dyn Host,
    call: &NativeCall<'_>,
    gas: &mut u64,
    contract: &str,
    content: String,
) -> Result<(), HostError> {
    *gas += PARAMS.host.event + content.len() as u64 * PARAMS.host.per_byte_write;
    host.receipt(contract, call.method, content)
}
