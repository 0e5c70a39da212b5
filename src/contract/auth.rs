//! Who may act for an account or a contract: `blockchain.requireAuth`, the native token and
//! `auth.iost` ask the same question, answered here once ([`authorized`]), as are the checks of
//! a transaction's declared signers and publisher before it runs ([`check_tx`]).
//!
//! IOST's rules (go-iost `vm/host/authority.go`), over the accounts `auth.iost` keeps
//! (`super::account`):
//! - a permission is met when its satisfied items (its own and its groups') weigh its
//!   threshold or more; an item is a public key, or `account@permission` (judged in turn);
//! - a permission an account lacks falls back to `active` (`owner` and `active` never fall
//!   back); one not met falls back to `active` too, and `active` to `owner`, so `owner`
//!   satisfies everything;
//! - each `account@permission` is judged at most once per question (a loop is not met);
//! - inside contracts (`requireAuth`), keys do not count: the transaction's declared signers
//!   (checked against their keys before it ran) and `publisher@active` do; the signers are
//!   checked with every key that signed, the publisher with its publisher signature's keys;
//! - a contract is authorized where a `callWithAuth` up the stack lent its authority.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::account::{ACTIVE, Account, OWNER};
use crate::consensus::PARAMS;
use crate::engine::HostError;

/// What a transaction proves about who sent it, once its signatures are checked: what
/// `requireAuth` judges against. Made by the signature check before the batch runs (issue 10:
/// signed transactions); `requireAuth` reads accounts (`auth.iost`) against it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Proof {
    /// The transaction came without signatures and the node accepts that (the development
    /// mode, off by default): the publisher counts as signed with `active`, as before accounts.
    pub unsigned: bool,
    /// Base58 public keys whose signatures over the transaction verified (IOST's `Signs`).
    pub signed_keys: Vec<String>,
    /// Base58 public key of the publisher's verified signature (IOST's `PublishSigns`).
    pub publisher_keys: Vec<String>,
    /// The transaction's declared signers, `account@permission` (IOST's `Signers`).
    pub signers: Vec<String>,
}

impl Proof {
    /// The development mode's proof: no signatures, the publisher taken at its word.
    pub fn unsigned() -> Proof {
        UNSIGNED.clone()
    }
}

/// [`Proof::unsigned`], for hosts that hand out a reference.
pub static UNSIGNED: Proof = Proof {
    unsigned: true,
    signed_keys: Vec::new(),
    publisher_keys: Vec::new(),
    signers: Vec::new(),
};

/// A proof of nothing: no signature verified.
pub static NOTHING: Proof = Proof {
    unsigned: false,
    signed_keys: Vec::new(),
    publisher_keys: Vec::new(),
    signers: Vec::new(),
};

/// Reads the stored text of account `id` (`auth.iost`'s map `auth`), `None` if there is none.
pub type ReadAccount<'r> = dyn FnMut(&str) -> Result<Option<String>, HostError> + 'r;

/// Who asks and on what grounds: the transaction's proof and publisher, and the contracts
/// that lent their authority to the call in progress.
#[derive(Debug, Clone, Copy)]
pub struct Grounds<'a> {
    pub proof: &'a Proof,
    pub publisher: &'a str,
    pub lent: &'a [String],
}

/// An answer, with the gas finding it cost (per `account@permission` judged and per account
/// read). When the gas passed the budget the search stopped: `ok` is false and `gas` is over
/// the budget, so charging it runs the caller out of gas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub ok: bool,
    pub gas: u64,
}

/// Which of IOST's three questions: a contract's (`requireAuth`), a declared signer's, the
/// publisher's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Contract,
    Signer,
    Publisher,
}

/// Whether `id` has given `permission` to the call in progress (`requireAuth`). In the
/// development mode (`proof.unsigned`) the publisher stands for any permission but `owner`,
/// and accounts are not read.
pub fn authorized(
    read: &mut ReadAccount<'_>,
    grounds: Grounds<'_>,
    id: &str,
    permission: &str,
    budget: u64,
) -> Result<Verdict, HostError> {
    let judge = PARAMS.auth.judge;
    if grounds.lent.iter().any(|c| c == id) {
        return Ok(Verdict {
            ok: true,
            gas: judge,
        });
    }
    if grounds.proof.unsigned {
        return Ok(Verdict {
            ok: id == grounds.publisher && permission != OWNER,
            gas: judge,
        });
    }
    Judge::new(read, grounds, Kind::Contract, budget).verdict(id, permission)
}

/// Whether an account named `id` exists, with the gas of reading it.
pub fn account_exists(read: &mut ReadAccount<'_>, id: &str) -> Result<(bool, u64), HostError> {
    let text = read(id)?;
    Ok((text.is_some(), read_gas(text.as_deref())))
}

/// What a `signUp(id, owner, active)` first action offers: a transaction may create its own
/// publisher's account.
#[derive(Debug, Clone, Copy)]
pub struct SignUp<'a> {
    pub id: &'a str,
    pub owner: &'a str,
    pub active: &'a str,
}

/// The checks of a signed transaction before its actions run (IOST's `checkAuth`): each
/// declared signer `account@permission` must be met by the keys that signed, then the
/// publisher's `active` by the publisher's keys. A publisher without an account passes only
/// when the first action signs it up (`signup`) with a key the publisher signed with as its
/// owner or active key. `Ok(Err(why))` refuses the transaction; `Ok(Ok(gas))` is what the
/// checks cost. A check that would pass `budget` refuses it too (its publisher is not proven,
/// so nobody pays).
pub fn check_tx(
    read: &mut ReadAccount<'_>,
    grounds: Grounds<'_>,
    signup: Option<SignUp<'_>>,
    budget: u64,
) -> Result<Result<u64, String>, HostError> {
    if grounds.proof.unsigned {
        return Ok(Ok(0));
    }
    let mut gas = 0u64;
    let out_of_gas = || {
        Ok(Err(format!(
            "the gas limit cannot pay for checking the transaction's signers: {budget} gas left"
        )))
    };
    for signer in &grounds.proof.signers {
        let Some((id, permission)) = signer.split_once('@').filter(|(_, p)| !p.contains('@'))
        else {
            return Ok(Err(format!("illegal signer: {signer}")));
        };
        let left = budget.saturating_sub(gas);
        let verdict = Judge::new(read, grounds, Kind::Signer, left).verdict(id, permission)?;
        gas += verdict.gas;
        if gas > budget {
            return out_of_gas();
        }
        if !verdict.ok {
            return Ok(Err(format!("unauthorized signer: {signer}")));
        }
    }
    let publisher = grounds.publisher;
    let (exists, read_cost) = account_exists(read, publisher)?;
    gas += read_cost;
    if !exists {
        let keys = &grounds.proof.publisher_keys;
        let signs_up = signup.is_some_and(|s| {
            s.id == publisher && keys.iter().any(|k| k == s.owner || k == s.active)
        });
        if gas > budget {
            return out_of_gas();
        }
        return Ok(if signs_up {
            Ok(gas)
        } else {
            Err(format!(
                "unauthorized publisher: {publisher} has no account, and the transaction's first \
                 action is not auth.iost/signUp(\"{publisher}\", owner, active) with the key the \
                 publisher signed with as owner or active"
            ))
        });
    }
    let left = budget.saturating_sub(gas);
    let verdict = Judge::new(read, grounds, Kind::Publisher, left).verdict(publisher, ACTIVE)?;
    gas += verdict.gas;
    if gas > budget {
        return out_of_gas();
    }
    Ok(if verdict.ok {
        Ok(gas)
    } else {
        Err(format!("unauthorized publisher: {publisher}"))
    })
}

/// Gas of reading an account's stored text (or finding none) and decoding it.
fn read_gas(text: Option<&str>) -> u64 {
    PARAMS.host.read + text.map_or(0, |t| t.len() as u64) * PARAMS.auth.per_byte_judged
}

/// One question being answered: the accounts read so far, the `account@permission`s judged
/// so far (IOST's re-entry guard), the gas.
struct Judge<'r, 'a> {
    read: &'r mut ReadAccount<'a>,
    grounds: Grounds<'r>,
    kind: Kind,
    budget: u64,
    gas: u64,
    accounts: HashMap<String, Option<Rc<Account>>>,
    judged: HashSet<String>,
}

impl<'r, 'a> Judge<'r, 'a> {
    fn new(
        read: &'r mut ReadAccount<'a>,
        grounds: Grounds<'r>,
        kind: Kind,
        budget: u64,
    ) -> Judge<'r, 'a> {
        Judge {
            read,
            grounds,
            kind,
            budget,
            gas: 0,
            accounts: HashMap::new(),
            judged: HashSet::new(),
        }
    }

    fn verdict(mut self, id: &str, permission: &str) -> Result<Verdict, HostError> {
        let ok = self.met(id, permission)?;
        Ok(Verdict {
            ok: ok && self.gas <= self.budget,
            gas: self.gas,
        })
    }

    fn exhausted(&self) -> bool {
        self.gas > self.budget
    }

    /// Whether a key that signed counts for this question.
    fn signed(&self, key: &str) -> bool {
        let proof = self.grounds.proof;
        match self.kind {
            Kind::Contract => false,
            Kind::Signer => proof
                .signed_keys
                .iter()
                .chain(&proof.publisher_keys)
                .any(|k| k == key),
            Kind::Publisher => proof.publisher_keys.iter().any(|k| k == key),
        }
    }

    /// Whether `id@permission` is a declared signer (or the publisher's `active`), which a
    /// contract's question takes as met.
    fn declared(&self, id: &str, permission: &str) -> bool {
        let grounds = self.grounds;
        (id == grounds.publisher && permission == ACTIVE)
            || grounds
                .proof
                .signers
                .iter()
                .any(|s| s.split_once('@') == Some((id, permission)))
    }

    /// Reads account `id` once per question.
    fn account(&mut self, id: &str) -> Result<Option<Rc<Account>>, HostError> {
        if let Some(account) = self.accounts.get(id) {
            return Ok(account.clone());
        }
        let text = (self.read)(id)?;
        self.gas += read_gas(text.as_deref());
        let account = text
            .map(|text| Account::from_json(&text).map(Rc::new).map_err(HostError))
            .transpose()?;
        self.accounts.insert(id.to_string(), account.clone());
        Ok(account)
    }

    fn met(&mut self, id: &str, permission: &str) -> Result<bool, HostError> {
        self.gas += PARAMS.auth.judge;
        if self.exhausted() || !self.judged.insert(format!("{id}@{permission}")) {
            return Ok(false);
        }
        if self.kind == Kind::Contract && self.declared(id, permission) {
            return Ok(true);
        }
        let Some(account) = self.account(id)? else {
            return Ok(false);
        };
        let Some(perm) = account.permissions.get(permission) else {
            if permission == OWNER || permission == ACTIVE {
                return Ok(false);
            }
            return self.met(id, ACTIVE);
        };
        let groups = perm
            .groups
            .iter()
            .filter_map(|g| account.groups.get(g))
            .flat_map(|g| &g.items);
        let mut weight = 0u64;
        for item in perm.items.iter().chain(groups) {
            let counts = if item.is_key_pair {
                self.signed(&item.id)
            } else {
                let of = item.permission.as_deref().unwrap_or_default();
                self.met(&item.id, of)?
            };
            if self.exhausted() {
                return Ok(false);
            }
            if counts {
                weight = weight.saturating_add(item.weight);
                if weight >= perm.threshold {
                    return Ok(true);
                }
            }
        }
        match permission {
            ACTIVE => self.met(id, OWNER),
            OWNER => Ok(false),
            _ => self.met(id, ACTIVE),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_development_mode_keeps_the_publisher_rule_and_loans() {
        let lent = ["app".to_string()];
        let proof = Proof::unsigned();
        let mut read = |_: &str| -> Result<Option<String>, HostError> {
            panic!("the development mode reads no account")
        };
        let ask = |read: &mut ReadAccount<'_>, lent: &[String], id: &str, perm: &str| {
            let grounds = Grounds {
                proof: &proof,
                publisher: "alice",
                lent,
            };
            authorized(read, grounds, id, perm, u64::MAX).unwrap().ok
        };
        assert!(ask(&mut read, &[], "alice", "active"));
        assert!(ask(&mut read, &[], "alice", "transfer"));
        assert!(!ask(&mut read, &[], "alice", "owner"));
        assert!(!ask(&mut read, &[], "bob", "active"));
        assert!(!ask(&mut read, &[], "app", "active"));
        assert!(ask(&mut read, &lent, "app", "transfer"));
    }
}
