//! IOST's account, as the built-in `auth.iost` keeps it: permissions (each a threshold over
//! weighted items, an item a public key or another account's permission, `account@permission`)
//! and groups of items a permission can include. Stored as JSON text in IOST's layout, in the
//! map `auth` of `auth.iost` under the account's id, so `storage.globalMapGet("auth.iost",
//! "auth", id)` reads it as in IOST. Keys are written in the order IOST's JavaScript writes
//! them (an account's permissions and groups in the order they were added), so the stored
//! text is one thing on every node.
//!
//! Also here: IOST's naming rules for account ids and permission names, and the public key
//! text forms (base58 of an ed25519 key, or of a compressed secp256k1 key).

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The contract id of the account contract.
pub const AUTH: &str = "auth.iost";
/// The map of `auth.iost` that holds accounts, by id (IOST's).
pub const ACCOUNTS: &str = "auth";
/// The two permissions every account has.
pub const OWNER: &str = "owner";
pub const ACTIVE: &str = "active";
/// Weight and threshold of the owner and active keys `signUp` gives (IOST's account.js).
pub const SIGN_UP_WEIGHT: u64 = 100;
/// Largest weight or threshold: integers a contract's numbers hold exactly (2^53).
pub const MAX_WEIGHT: u64 = 1 << 53;

/// One account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub id: String,
    /// Who signed it up: the transaction's publisher, or the contract that called `signUp`.
    pub referrer: String,
    pub permissions: Named<Permission>,
    pub groups: Named<Group>,
}

/// A permission: met when the items that are satisfied weigh `threshold` or more. Its
/// groups' items count as its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Permission {
    pub name: String,
    pub groups: Vec<String>,
    pub items: Vec<Item>,
    pub threshold: u64,
}

/// A named list of items, shared by the permissions assigned to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub name: String,
    pub items: Vec<Item>,
}

/// A public key (`is_key_pair`), or the permission `permission` of account `id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission: Option<String>,
    pub is_key_pair: bool,
    pub weight: u64,
}

impl Item {
    /// The item `un` names: `account@permission`, or a public key (IOST's `assignPermission`).
    pub fn parse(un: &str, weight: u64) -> Result<Item, String> {
        match un.split_once('@') {
            Some(("", _)) => Err("unexpected item".into()),
            Some((id, permission)) => Ok(Item {
                id: id.to_string(),
                permission: Some(permission.to_string()),
                is_key_pair: false,
                weight,
            }),
            None => {
                check_key(un)?;
                Ok(Item {
                    id: un.to_string(),
                    permission: None,
                    is_key_pair: true,
                    weight,
                })
            }
        }
    }

    /// Whether this item is the one `un` names (a key, or `account@permission`).
    pub fn is(&self, un: &str) -> bool {
        match un.split_once('@') {
            Some((id, permission)) => {
                !self.is_key_pair && self.id == id && self.permission.as_deref() == Some(permission)
            }
            None => self.is_key_pair && self.id == un,
        }
    }
}

impl Account {
    /// A new account with one owner key and one active key, as `signUp` makes it.
    pub fn sign_up(id: &str, referrer: &str, owner: &str, active: &str) -> Account {
        let permission = |name: &str, key: &str| Permission {
            name: name.to_string(),
            groups: Vec::new(),
            items: vec![Item {
                id: key.to_string(),
                permission: None,
                is_key_pair: true,
                weight: SIGN_UP_WEIGHT,
            }],
            threshold: SIGN_UP_WEIGHT,
        };
        Account {
            id: id.to_string(),
            referrer: referrer.to_string(),
            // IOST's order: active, then owner.
            permissions: Named(vec![
                (ACTIVE.to_string(), permission(ACTIVE, active)),
                (OWNER.to_string(), permission(OWNER, owner)),
            ]),
            groups: Named(Vec::new()),
        }
    }

    /// The stored text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("an account serializes")
    }

    /// An account from its stored text.
    pub fn from_json(text: &str) -> Result<Account, String> {
        serde_json::from_str(text).map_err(|e| format!("stored account is corrupt: {e}"))
    }
}

/// A JSON object whose keys keep the order they were added in (an account's permissions and
/// groups, as IOST's JavaScript objects keep them).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Named<T>(pub Vec<(String, T)>);

impl<T> Named<T> {
    pub fn get(&self, name: &str) -> Option<&T> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut T> {
        self.0.iter_mut().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// Adds `value` under `name` (last), or replaces the value there.
    pub fn insert(&mut self, name: &str, value: T) {
        match self.get_mut(name) {
            Some(old) => *old = value,
            None => self.0.push((name.to_string(), value)),
        }
    }

    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(n, _)| n != name);
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.0.iter_mut().map(|(_, v)| v)
    }
}

impl<T: Serialize> Serialize for Named<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Named<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct InOrder<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for InOrder<T> {
            type Value = Named<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Named<T>, A::Error> {
                let mut entries: Vec<(String, T)> = Vec::new();
                while let Some((name, value)) = map.next_entry::<String, T>()? {
                    if entries.iter().any(|(n, _)| *n == name) {
                        return Err(serde::de::Error::custom(format!("duplicate key {name}")));
                    }
                    entries.push((name, value));
                }
                Ok(Named(entries))
            }
        }
        deserializer.deserialize_map(InOrder(std::marker::PhantomData))
    }
}

/// IOST's rule for an account id (`_checkIdValid`): 5 to 11 of `a-z 0-9 _`, not starting with
/// `Contract`. IOST's Ethereum-address accounts (`0x` and 40 hex digits) are not in isovm.
pub fn check_id(id: &str) -> Result<(), String> {
    if id.starts_with("0x") && id.len() == 42 {
        return Err(format!(
            "id invalid. Ethereum address accounts are not supported in isovm > {id}"
        ));
    }
    if id.len() < 5 || id.len() > 11 {
        return Err(format!(
            "id invalid. id length should be between 5,11 > {id}"
        ));
    }
    if id.starts_with("Contract") {
        return Err("id invalid. id shouldn't start with 'Contract'.".into());
    }
    match id
        .chars()
        .find(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
    {
        Some(c) => Err(format!("id invalid. id contains invalid character > {c}")),
        None => Ok(()),
    }
}

/// IOST's rule for a permission or group name (`_checkPermValid`): 1 to 32 of
/// `a-z A-Z 0-9 _`. (IOST's message names `id`, the name it meant to print.)
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 32 {
        return Err(format!(
            "id invalid. id length should be between 1,32 > {name}"
        ));
    }
    match name
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || c == '_'))
    {
        Some(c) => Err(format!("id invalid. id contains invalid character > {c}")),
        None => Ok(()),
    }
}

/// A public key as IOST writes one: base58 of an ed25519 key (32 bytes) or of a compressed
/// secp256k1 key (33 bytes, `02` or `03` first), in its one base58 spelling.
pub fn check_key(key: &str) -> Result<(), String> {
    let invalid = |why: &str| Err(format!("invalid public key > {key}: {why}"));
    let Ok(bytes) = bs58::decode(key).into_vec() else {
        return invalid("not base58");
    };
    if bs58::encode(&bytes).into_string() != key {
        return invalid("not base58");
    }
    match bytes.len() {
        32 => Ok(()),
        33 if matches!(bytes[0], 2 | 3) => Ok(()),
        n => invalid(&format!(
            "{n} bytes, neither an ed25519 key (32) nor a compressed secp256k1 key (33)"
        )),
    }
}

/// A weight or threshold argument (a JSON number): a whole number from 1 to [`MAX_WEIGHT`].
pub fn weight_arg(value: &serde_json::Value, what: &str) -> Result<u64, String> {
    let n = value.as_f64().unwrap_or(f64::NAN);
    if n <= 0.0 {
        return Err(format!("{what} less than zero"));
    }
    if n.fract() != 0.0 || n > MAX_WEIGHT as f64 {
        return Err(format!(
            "{what} must be a whole number from 1 to {MAX_WEIGHT}, got {value}"
        ));
    }
    Ok(n as u64)
}

/// Whether `id` is in IOST's form of a contract id (`Contract…` or with a `.`): never an
/// account.
pub fn is_contract_id(id: &str) -> bool {
    id.starts_with("Contract") || id.contains('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "11111111111111111111111111111111"; // 32 zero bytes

    #[test]
    fn an_account_writes_as_iosts_in_its_order() {
        let mut account = Account::sign_up("alice", "bob", KEY, KEY);
        account.permissions.insert(
            "transfer",
            Permission {
                name: "transfer".into(),
                groups: vec!["g".into()],
                items: vec![Item::parse("carol@active", 3).unwrap()],
                threshold: 2,
            },
        );
        let text = account.to_json();
        assert_eq!(
            text,
            format!(
                r#"{{"id":"alice","referrer":"bob","permissions":{{"active":{{"name":"active","groups":[],"items":[{{"id":"{KEY}","is_key_pair":true,"weight":100}}],"threshold":100}},"owner":{{"name":"owner","groups":[],"items":[{{"id":"{KEY}","is_key_pair":true,"weight":100}}],"threshold":100}},"transfer":{{"name":"transfer","groups":["g"],"items":[{{"id":"carol","permission":"active","is_key_pair":false,"weight":3}}],"threshold":2}}}},"groups":{{}}}}"#
            )
        );
        assert_eq!(Account::from_json(&text).unwrap(), account);
    }

    #[test]
    fn names_and_keys_follow_iosts_rules() {
        assert!(check_id("alice").is_ok());
        assert!(check_id("a_1234567_9").is_ok());
        assert_eq!(
            check_id("bob").unwrap_err(),
            "id invalid. id length should be between 5,11 > bob"
        );
        assert_eq!(
            check_id("Alice").unwrap_err(),
            "id invalid. id contains invalid character > A"
        );
        assert!(check_id("Contractx").unwrap_err().contains("'Contract'"));
        assert!(check_name("Transfer_2").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("a-b").unwrap_err().ends_with("> -"));
        assert!(check_key(KEY).is_ok());
        assert!(check_key("1111").unwrap_err().contains("4 bytes"));
        assert!(check_key("0OIl").unwrap_err().contains("not base58"));
        let secp = bs58::encode([[2u8].as_slice(), &[7u8; 32]].concat()).into_string();
        assert!(check_key(&secp).is_ok());
        assert_eq!(Item::parse("@x", 1).unwrap_err(), "unexpected item");
        assert!(Item::parse("bob@active", 1).unwrap().is("bob@active"));
        assert!(!Item::parse("bob@active", 1).unwrap().is("bob"));
        assert_eq!(weight_arg(&serde_json::json!(2.0), "weight"), Ok(2));
        assert!(weight_arg(&serde_json::json!(0), "weight").is_err());
        assert!(weight_arg(&serde_json::json!(1.5), "weight").is_err());
    }
}
