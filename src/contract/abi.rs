//! Contract ABIs (IOST format) and argument checking against them.
//!
//! ```json
//! {"lang":"javascript","version":"1.0.0","abi":[{"name":"transfer","args":["string","string","number"]}]}
//! ```

use serde::{Deserialize, Serialize};

/// An argument type an ABI may declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArgType {
    String,
    Number,
    Bool,
    /// Any JSON value, passed to the method as the parsed value.
    Json,
}

impl ArgType {
    fn accepts(self, value: &serde_json::Value) -> bool {
        match self {
            ArgType::String => value.is_string(),
            ArgType::Number => value.is_number(),
            ArgType::Bool => value.is_boolean(),
            ArgType::Json => true,
        }
    }

    fn name(self) -> &'static str {
        match self {
            ArgType::String => "string",
            ArgType::Number => "number",
            ArgType::Bool => "bool",
            ArgType::Json => "json",
        }
    }
}

/// One public method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Method {
    pub name: String,
    pub args: Vec<ArgType>,
    /// IOST's token spending limits; accepted for compatibility, not enforced by isovm.
    #[serde(default, rename = "amountLimit", skip_serializing_if = "Vec::is_empty")]
    pub amount_limit: Vec<serde_json::Value>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

/// A contract's ABI: the methods a transaction may call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Abi {
    pub lang: String,
    pub version: String,
    pub abi: Vec<Method>,
}

/// Most arguments a method may declare.
pub const MAX_ARGS: usize = 32;

/// Names no ABI may expose: `init` runs once at deploy, `constructor` is not callable.
const RESERVED_METHODS: [&str; 2] = ["init", "constructor"];

impl Abi {
    /// Parses and checks an ABI given as JSON text.
    pub fn parse(text: &str) -> Result<Abi, String> {
        let abi: Abi = serde_json::from_str(text).map_err(|e| format!("ABI is not valid: {e}"))?;
        abi.check()?;
        Ok(abi)
    }

    fn check(&self) -> Result<(), String> {
        if self.lang != "javascript" {
            return Err(format!(
                "ABI lang must be \"javascript\", not {:?}",
                self.lang
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for method in &self.abi {
            let name = method.name.as_str();
            check_name(name)?;
            if name == "init" {
                return Err("abi shouldn't contain internal function: init".into());
            }
            if RESERVED_METHODS.contains(&name) {
                return Err(format!("ABI may not expose `{name}`"));
            }
            if !seen.insert(name) {
                return Err(format!("ABI lists method `{name}` twice"));
            }
            if method.args.len() > MAX_ARGS {
                return Err(format!(
                    "ABI method `{name}` declares {} arguments; at most {MAX_ARGS}",
                    method.args.len()
                ));
            }
        }
        Ok(())
    }

    pub fn method(&self, name: &str) -> Option<&Method> {
        self.abi.iter().find(|m| m.name == name)
    }

    /// The names of all public methods, in ABI order.
    pub fn method_names(&self) -> Vec<String> {
        self.abi.iter().map(|m| m.name.clone()).collect()
    }
}

impl Method {
    /// Checks a call's arguments (a JSON array) against this method's declaration.
    pub fn check_args(&self, args: &serde_json::Value) -> Result<(), String> {
        let Some(args) = args.as_array() else {
            return Err("args must be a JSON array".into());
        };
        if args.len() != self.args.len() {
            return Err(format!(
                "method `{}` takes {} argument{}, got {}",
                self.name,
                self.args.len(),
                if self.args.len() == 1 { "" } else { "s" },
                args.len()
            ));
        }
        for (i, (ty, value)) in self.args.iter().zip(args).enumerate() {
            if !ty.accepts(value) {
                return Err(format!(
                    "argument {} of `{}` must be a {}, got {}",
                    i + 1,
                    self.name,
                    ty.name(),
                    json_kind(value)
                ));
            }
        }
        Ok(())
    }
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// IOST's rule for ABI names (`validate.js`, `checkAbiNameValid`), with its messages: 1 to
/// 32 characters of `A-Z a-z 0-9 _`, not starting with `_`.
fn check_name(name: &str) -> Result<(), String> {
    let length = name.chars().count();
    if length == 0 || length > 32 {
        return Err(format!(
            "abi name invalid. abi name length should be between 1,32  got {name}"
        ));
    }
    if name.starts_with('_') {
        return Err("abi name invalid. abi name shouldn't start with _".into());
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        return Err(format!(
            "abi name invalid. abi name contains invalid character {c}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TOKEN: &str = r#"{"lang":"javascript","version":"1.0.0","abi":[
        {"name":"transfer","args":["string","string","number"]},
        {"name":"balanceOf","args":["string"]},
        {"name":"config","args":["json","bool"],"amountLimit":[],"description":"x"}]}"#;

    #[test]
    fn arguments_are_checked_by_count_and_type() {
        let abi = Abi::parse(TOKEN).unwrap();
        let transfer = abi.method("transfer").unwrap();
        assert_eq!(transfer.check_args(&json!(["a", "b", 5])), Ok(()));
        let cases = [
            (json!(["a", "b"]), "takes 3 arguments, got 2"),
            (
                json!(["a", "b", "5"]),
                "argument 3 of `transfer` must be a number, got string",
            ),
            (
                json!([1, "b", 5]),
                "argument 1 of `transfer` must be a string, got number",
            ),
            (json!({"a": 1}), "must be a JSON array"),
        ];
        for (args, expected) in cases {
            let err = transfer.check_args(&args).unwrap_err();
            assert!(
                err.contains(expected),
                "{err:?} should contain {expected:?}"
            );
        }
        let config = abi.method("config").unwrap();
        assert_eq!(config.check_args(&json!([{"deep": [1]}, true])), Ok(()));
        assert!(config.check_args(&json!([1, "yes"])).is_err());
        assert!(abi.method("mint").is_none());
    }

    #[test]
    fn bad_abis_are_refused_with_the_reason() {
        let cases = [
            ("not json", "not valid"),
            (r#"{"lang":"python","version":"1","abi":[]}"#, "javascript"),
            (
                r#"{"lang":"javascript","version":"1","abi":[{"name":"init","args":[]}]}"#,
                "abi shouldn't contain internal function: init",
            ),
            (
                r#"{"lang":"javascript","version":"1","abi":[{"name":"a b","args":[]}]}"#,
                "abi name contains invalid character  ",
            ),
            (
                r#"{"lang":"javascript","version":"1","abi":[{"name":"_f","args":[]}]}"#,
                "shouldn't start with _",
            ),
            (
                r#"{"lang":"javascript","version":"1","abi":[{"name":"abcdefghijabcdefghijabcdefghijabc","args":[]}]}"#,
                "length should be between 1,32",
            ),
            (
                r#"{"lang":"javascript","version":"1","abi":[{"name":"a-b","args":[]}]}"#,
                "invalid character -",
            ),
            (
                r#"{"lang":"javascript","version":"1","abi":[{"name":"f","args":["float"]}]}"#,
                "float",
            ),
            (
                r#"{"lang":"javascript","version":"1","abi":[{"name":"f","args":[]},{"name":"f","args":[]}]}"#,
                "twice",
            ),
            (
                r#"{"lang":"javascript","version":"1","abi":[],"extra":1}"#,
                "extra",
            ),
        ];
        for (text, expected) in cases {
            let err = Abi::parse(text).unwrap_err();
            assert!(
                err.contains(expected),
                "{err:?} should contain {expected:?}"
            );
        }
    }
}
