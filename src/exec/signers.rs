//! Who a transaction speaks for, checked before its actions run (IOST's `checkAuth`): its
//! declared signers against the keys that signed, its publisher's `active` against the
//! publisher's keys (`crate::contract::auth::check_tx`). A transaction that fails the check
//! is `invalid_signature`: it changes nothing and pays no fee, since nobody is proven to have
//! sent it. One that passes pays the check's gas.

use super::host::TxHost;
use super::tx::{Abandon, Failed, TxRun};
use crate::contract::account::AUTH;
use crate::contract::auth::{self, Grounds, SignUp};
use crate::schema::{Action, Status};

/// The check, with its gas charged; `Ok(Err)` refuses the transaction.
pub(super) fn check(
    run: &mut TxRun<'_>,
    host: &mut TxHost<'_>,
) -> Result<Result<(), Failed>, Abandon> {
    let tx = run.tx;
    let proof = host.proof;
    if proof.unsigned {
        return Ok(Ok(()));
    }
    let grounds = Grounds {
        proof,
        publisher: &tx.publisher,
        lent: &[],
    };
    let budget = tx.gas_limit.saturating_sub(run.gas_used);
    let signup = tx.actions.first().and_then(sign_up);
    let mut read = crate::engine::account_reader(host);
    match auth::check_tx(&mut read, grounds, signup, budget)? {
        Ok(gas) => Ok(run.charge(gas)),
        Err(why) => Ok(Err(Failed::new(Status::InvalidSignature, why))),
    }
}

/// The account `action` signs up, if it is `auth.iost/signUp(id, owner, active)`.
fn sign_up(action: &Action) -> Option<SignUp<'_>> {
    if action.contract != AUTH || action.method != "signUp" {
        return None;
    }
    match action.args.as_array()?.as_slice() {
        [id, owner, active] => Some(SignUp {
            id: id.as_str()?,
            owner: owner.as_str()?,
            active: active.as_str()?,
        }),
        _ => None,
    }
}
