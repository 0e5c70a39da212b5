//! `auth.iost`, IOST's account contract, built in and written in Rust: `signUp` and the
//! management of permissions and groups, with IOST's rules, argument order and messages
//! (go-iost `config/genesis/contract/account.js`), plus `auth(id)`, a read of an account.
//!
//! Accounts are kept in the contract's own storage through the [`Host`], in IOST's layout
//! (`crate::contract::account`): contracts read one with `storage.globalMapGet("auth.iost",
//! "auth", id)`, queries with `auth(id)`. Every method but `signUp` and `auth` needs the
//! account's `owner` ([`crate::engine::authorized`]). Where isovm differs from IOST it is
//! said in `docs/contracts.md` ("Accounts").

use serde_json::{Value, json};

use super::native::{self, str_arg};
use crate::consensus::PARAMS;
use crate::contract::Abi;
use crate::contract::account::{
    self, ACCOUNTS, ACTIVE, AUTH, Account, Group, Item, OWNER, Permission, check_id, check_key,
    check_name, weight_arg,
};
use crate::engine::{Host, HostError, NativeCall, NativeContract, NativeOutcome, Slot};

/// The built-in account contract.
pub struct Auth;

/// The one instance the host hands to the engine.
pub static AUTH_CONTRACT: Auth = Auth;

/// The contract's ABI, IOST's argument types (and `auth`, isovm's read).
pub fn abi() -> &'static Abi {
    static ABI: std::sync::OnceLock<Abi> = std::sync::OnceLock::new();
    ABI.get_or_init(|| {
        serde_json::from_value(json!({"lang": "native", "version": "1.0.0", "abi": [
            {"name": "signUp", "args": ["string", "string", "string"]},
            {"name": "addPermission", "args": ["string", "string", "number"]},
            {"name": "dropPermission", "args": ["string", "string"]},
            {"name": "assignPermission", "args": ["string", "string", "string", "number"]},
            {"name": "revokePermission", "args": ["string", "string", "string"]},
            {"name": "addGroup", "args": ["string", "string"]},
            {"name": "dropGroup", "args": ["string", "string"]},
            {"name": "assignGroup", "args": ["string", "string", "string", "number"]},
            {"name": "revokeGroup", "args": ["string", "string", "string"]},
            {"name": "assignPermissionToGroup", "args": ["string", "string", "string"]},
            {"name": "revokePermissionInGroup", "args": ["string", "string", "string"]},
            {"name": "auth", "args": ["string"]},
        ]}))
        .expect("the auth ABI is valid")
    })
}

/// A method's failure: IOST's message.
type Refused = String;
/// A method's outcome: its returns, or why it refused; `Err` a host failure.
type Answer = Result<Result<Value, Refused>, HostError>;

/// One call in progress: the host, who calls, and the gas so far.
struct Run<'h, 'c> {
    host: &'h mut dyn Host,
    call: &'c NativeCall<'c>,
    gas: u64,
}

impl NativeContract for Auth {
    fn call(&self, host: &mut dyn Host, call: &NativeCall<'_>) -> Result<NativeOutcome, HostError> {
        let mut run = Run { host, call, gas: 0 };
        let result = run.dispatch()?;
        Ok(NativeOutcome {
            gas: run.gas,
            result,
        })
    }
}

/// `Err(why)` out of a method.
macro_rules! refuse_on {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(why) => return Ok(Err(why)),
        }
    };
}

impl Run<'_, '_> {
    fn dispatch(&mut self) -> Answer {
        self.gas += PARAMS.auth.call;
        let args = self.call.args;
        let s = |i| str_arg(args, i);
        let method = self.call.method;
        if method != "auth" && self.call.read_only {
            return Ok(Err(format!("{method} is not allowed in a read-only query")));
        }
        match method {
            "signUp" => self.sign_up(s(0), s(1), s(2)),
            "addPermission" => self.add_permission(s(0), s(1), &args[2]),
            "dropPermission" => self.drop_permission(s(0), s(1)),
            "assignPermission" => self.assign(s(0), Target::Permission(s(1)), s(2), &args[3]),
            "revokePermission" => self.revoke(s(0), Target::Permission(s(1)), s(2)),
            "addGroup" => self.add_group(s(0), s(1)),
            "dropGroup" => self.drop_group(s(0), s(1)),
            "assignGroup" => self.assign(s(0), Target::Group(s(1)), s(2), &args[3]),
            "revokeGroup" => self.revoke(s(0), Target::Group(s(1)), s(2)),
            "assignPermissionToGroup" => self.permission_group(s(0), s(1), s(2), true),
            "revokePermissionInGroup" => self.permission_group(s(0), s(1), s(2), false),
            "auth" => self.read(s(0)),
            other => Ok(Err(format!("abi {other} not found"))),
        }
    }

    fn slot(id: &str) -> Slot<'_> {
        Slot::Field {
            contract: AUTH,
            key: ACCOUNTS,
            field: id,
        }
    }

    fn get(&mut self, id: &str) -> Result<Option<String>, HostError> {
        let text = self.host.get(&Self::slot(id))?;
        // Read and decoded: paid as judging pays for an account.
        self.gas += PARAMS.host.read
            + text.as_ref().map_or(0, |t| t.len() as u64) * PARAMS.auth.per_byte_judged;
        Ok(text)
    }

    /// Stores `account` (refused over the value limit) and writes the method's receipt.
    fn save(&mut self, account: &Account, receipt: Value) -> Answer {
        let text = account.to_json();
        let limit = PARAMS.limits.max_value_bytes;
        if text.len() > limit {
            return Ok(Err(format!(
                "account too large: {} bytes, over the {limit}-byte limit",
                text.len()
            )));
        }
        self.gas += PARAMS.host.write + text.len() as u64 * PARAMS.host.per_byte_write;
        self.host.put(&Self::slot(&account.id), text)?;
        native::receipt(
            self.host,
            self.call,
            &mut self.gas,
            AUTH,
            receipt.to_string(),
        )?;
        Ok(Ok(json!([])))
    }

    /// IOST's `_ra`: the account's `owner` must have signed; then the account.
    fn owned(&mut self, id: &str) -> Result<Result<Account, Refused>, HostError> {
        if !native::authorized(self.host, self.call, &mut self.gas, id, OWNER)? {
            return Ok(Err("require auth failed".into()));
        }
        Ok(match self.get(id)? {
            Some(text) => Ok(Account::from_json(&text).map_err(HostError)?),
            None => Err(format!("account not found > {id}")),
        })
    }

    fn sign_up(&mut self, id: &str, owner: &str, active: &str) -> Answer {
        if self.get(id)?.is_some() {
            return Ok(Err(format!("id existed > {id}")));
        }
        refuse_on!(check_id(id));
        if self.host.contract_exists(id)? {
            return Ok(Err(format!("id invalid. a contract has the id > {id}")));
        }
        refuse_on!(check_key(owner));
        refuse_on!(check_key(active));
        let account = Account::sign_up(id, self.call.caller, owner, active);
        self.save(&account, json!([id, owner, active]))
    }

    fn add_permission(&mut self, id: &str, perm: &str, threshold: &Value) -> Answer {
        let mut account = refuse_on!(self.owned(id)?);
        refuse_on!(check_name(perm));
        if account.permissions.get(perm).is_some() {
            return Ok(Err("permission already exist".into()));
        }
        let threshold = refuse_on!(weight_arg(threshold, "threshold"));
        account.permissions.insert(
            perm,
            Permission {
                name: perm.to_string(),
                groups: Vec::new(),
                items: Vec::new(),
                threshold,
            },
        );
        self.save(&account, json!([id, perm, threshold]))
    }

    fn drop_permission(&mut self, id: &str, perm: &str) -> Answer {
        let mut account = refuse_on!(self.owned(id)?);
        if perm == ACTIVE || perm == OWNER {
            return Ok(Err("drop active or owner is forbidden".into()));
        }
        account.permissions.remove(perm);
        self.save(&account, json!([id, perm]))
    }

    fn add_group(&mut self, id: &str, group: &str) -> Answer {
        let mut account = refuse_on!(self.owned(id)?);
        refuse_on!(check_name(group));
        if account.groups.get(group).is_some() {
            return Ok(Err("group already exist".into()));
        }
        account.groups.insert(
            group,
            Group {
                name: group.to_string(),
                items: Vec::new(),
            },
        );
        self.save(&account, json!([id, group]))
    }

    /// Drops the group, and its name from every permission that included it.
    fn drop_group(&mut self, id: &str, group: &str) -> Answer {
        let mut account = refuse_on!(self.owned(id)?);
        account.groups.remove(group);
        for permission in account.permissions.values_mut() {
            permission.groups.retain(|g| g != group);
        }
        self.save(&account, json!([id, group]))
    }

    /// `assignPermission` / `assignGroup`: adds the item `un` with `weight`, or sets the weight
    /// of the item already there.
    fn assign(&mut self, id: &str, target: Target<'_>, un: &str, weight: &Value) -> Answer {
        let mut account = refuse_on!(self.owned(id)?);
        let weight = refuse_on!(weight_arg(weight, "weight"));
        let items = refuse_on!(target.items(&mut account));
        match items.iter_mut().find(|item| item.is(un)) {
            Some(item) => item.weight = weight,
            None => items.push(refuse_on!(Item::parse(un, weight))),
        }
        self.save(&account, json!([id, target.name(), un, weight]))
    }

    /// `revokePermission` / `revokeGroup`: removes the item `un`.
    fn revoke(&mut self, id: &str, target: Target<'_>, un: &str) -> Answer {
        let mut account = refuse_on!(self.owned(id)?);
        let items = refuse_on!(target.items(&mut account));
        let Some(at) = items.iter().position(|item| item.is(un)) else {
            return Ok(Err("item not found".into()));
        };
        items.remove(at);
        self.save(&account, json!([id, target.name(), un]))
    }

    /// `assignPermissionToGroup` (`assign`) / `revokePermissionInGroup`: the permission
    /// includes the group's items, or no longer does.
    fn permission_group(&mut self, id: &str, perm: &str, group: &str, assign: bool) -> Answer {
        let mut account = refuse_on!(self.owned(id)?);
        if assign && account.groups.get(group).is_none() {
            return Ok(Err("group does not exist".into()));
        }
        let Some(permission) = account.permissions.get_mut(perm) else {
            return Ok(Err(permission_not_found(perm)));
        };
        if !assign {
            permission.groups.retain(|g| g != group);
        } else if !permission.groups.iter().any(|g| g == group) {
            permission.groups.push(group.to_string());
        }
        self.save(&account, json!([id, perm, group]))
    }

    /// `auth(id)`: the account as stored, an object.
    fn read(&mut self, id: &str) -> Answer {
        Ok(match self.get(id)? {
            Some(text) => {
                let account: Value = serde_json::from_str(&text)
                    .map_err(|e| HostError(format!("stored account {id} is corrupt: {e}")))?;
                Ok(json!([account]))
            }
            None => Err(format!("account not found > {id}")),
        })
    }
}

/// What an item is assigned to or revoked from.
#[derive(Clone, Copy)]
enum Target<'a> {
    Permission(&'a str),
    Group(&'a str),
}

impl<'a> Target<'a> {
    fn name(self) -> &'a str {
        match self {
            Target::Permission(name) | Target::Group(name) => name,
        }
    }

    fn items(self, account: &mut Account) -> Result<&mut Vec<Item>, Refused> {
        match self {
            Target::Permission(name) => account
                .permissions
                .get_mut(name)
                .map(|p| &mut p.items)
                .ok_or_else(|| permission_not_found(name)),
            Target::Group(name) => account
                .groups
                .get_mut(name)
                .map(|g| &mut g.items)
                .ok_or_else(|| format!("group not found > {name}")),
        }
    }
}

/// isovm's message where IOST's contract meets `undefined` (a `TypeError`).
fn permission_not_found(name: &str) -> Refused {
    format!("permission not found > {name}")
}

/// The state key of account `id` (one a deploy must not take the id of).
pub(super) fn account_key(partition: u32, id: &str) -> Vec<u8> {
    crate::state::keys::map_field_key(partition, account::AUTH, ACCOUNTS, id)
}
