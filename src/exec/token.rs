//! `token.iost`, IOST's token contract, built in and written in Rust: `create`, `issue`,
//! `transfer`, `destroy`, `balanceOf`, `supply`, `totalSupply`, with IOST's rules, arguments
//! and messages (go-iost `vm/native/token_v1.go`). Amounts are fixed-point decimals given and
//! returned as strings (IOST's `common.Decimal`), held as whole units in an `i64`.
//!
//! The chain's own token, `iost`, exists from the start with the parameters of
//! `consensus::PARAMS.native_token`; other tokens are created by their issuer. Everything is
//! kept in the contract's own storage through the [`Host`] (state the root covers), under
//! IOST's map names: `TI<symbol>` the token's info, `TB<account>` an account's balances.
//!
//! Runs as a transaction's action (`token.iost` as the contract) and from contracts through
//! `blockchain.call` / `callWithAuth` and `blockchain.transfer` / `withdraw` / `deposit`.

use serde_json::{Value, json};

use super::native::{self, str_arg};
use crate::consensus::PARAMS;
use crate::contract::Abi;
use crate::engine::{Host, HostError, NativeCall, NativeContract, NativeOutcome, Slot};

/// The contract id.
pub const TOKEN: &str = "token.iost";

/// The built-in token contract.
pub struct Token;

/// The one instance the host hands to the engine.
pub static TOKEN_CONTRACT: Token = Token;

const INFO: &str = "TI";
const BALANCE: &str = "TB";
const ISSUER: &str = "issuer";
const SUPPLY: &str = "supply";
const TOTAL_SUPPLY: &str = "totalSupply";
const CAN_TRANSFER: &str = "canTransfer";
const ONLY_ISSUER_CAN_TRANSFER: &str = "onlyIssuerCanTransfer";
const DEFAULT_RATE: &str = "defaultRate";
const DECIMAL: &str = "decimal";
const FULL_NAME: &str = "fullName";
/// IOST's permission names (`vm/native/native.go`).
const TOKEN_PERMISSION: &str = "token";
const TRANSFER_PERMISSION: &str = "transfer";
const MAX_MEMO_BYTES: usize = 512;

/// The token contract's ABI, IOST's argument types.
pub fn abi() -> &'static Abi {
    static ABI: std::sync::OnceLock<Abi> = std::sync::OnceLock::new();
    ABI.get_or_init(|| {
        serde_json::from_value(json!({"lang": "native", "version": "1.0.0", "abi": [
            {"name": "create", "args": ["string", "string", "number", "json"]},
            {"name": "issue", "args": ["string", "string", "string"]},
            {"name": "transfer", "args": ["string", "string", "string", "string", "string"]},
            {"name": "transferFreeze", "args": ["string", "string", "string", "string", "number", "string"]},
            {"name": "destroy", "args": ["string", "string", "string"]},
            {"name": "balanceOf", "args": ["string", "string"]},
            {"name": "supply", "args": ["string"]},
            {"name": "totalSupply", "args": ["string"]},
        ]}))
        .expect("the token ABI is valid")
    })
}

/// A method's failure: IOST's message.
type Refused = String;

/// One call in progress: the host, who may act, and the gas so far.
struct Run<'h, 'c> {
    host: &'h mut dyn Host,
    call: &'c NativeCall<'c>,
    gas: u64,
}

impl NativeContract for Token {
    fn call(&self, host: &mut dyn Host, call: &NativeCall<'_>) -> Result<NativeOutcome, HostError> {
        let mut run = Run { host, call, gas: 0 };
        let result = run.dispatch()?;
        Ok(NativeOutcome {
            gas: run.gas,
            result,
        })
    }
}

impl Run<'_, '_> {
    fn dispatch(&mut self) -> Result<Result<Value, Refused>, HostError> {
        self.gas += PARAMS.native_token.call;
        let args = self.call.args;
        let s = |i| str_arg(args, i);
        let writes = !matches!(self.call.method, "balanceOf" | "supply" | "totalSupply");
        if writes && self.call.read_only {
            return Ok(Err(format!(
                "{} is not allowed in a read-only query",
                self.call.method
            )));
        }
        match self.call.method {
            "create" => self.create(s(0), s(1), &args[2], s(3)),
            "issue" => self.issue(s(0), s(1), s(2)),
            "transfer" => self.transfer(s(0), s(1), s(2), s(3), s(4)),
            "transferFreeze" => Ok(Err("transferFreeze is not implemented in isovm yet".into())),
            "destroy" => self.destroy(s(0), s(1), s(2)),
            "balanceOf" => self.balance_of(s(0), s(1)),
            "supply" => self.amount_of(s(0), SUPPLY),
            "totalSupply" => self.amount_of(s(0), TOTAL_SUPPLY),
            other => Ok(Err(format!("abi {other} not found"))),
        }
    }

    fn slot<'a>(key: &'a str, field: &'a str) -> Slot<'a> {
        Slot::Field {
            contract: TOKEN,
            key,
            field,
        }
    }

    fn get(&mut self, map: &str, field: &str) -> Result<Option<String>, HostError> {
        self.gas += PARAMS.host.read;
        self.host.get(&Self::slot(map, field))
    }

    fn put(&mut self, map: &str, field: &str, value: String) -> Result<(), HostError> {
        self.gas += PARAMS.host.write + value.len() as u64 * PARAMS.host.per_byte_write;
        self.host.put(&Self::slot(map, field), value)
    }

    fn receipt(&mut self) -> Result<(), HostError> {
        let content = self.call.args.to_string();
        native::receipt(self.host, self.call, &mut self.gas, TOKEN, content)
    }

    /// Whether `id` gave `permission` to this call, paying for the judging.
    fn authorized(&mut self, id: &str, permission: &str) -> Result<bool, HostError> {
        native::authorized(self.host, self.call, &mut self.gas, id, permission)
    }

    /// A field of the token's info: stored, or for the native token its built-in value.
    fn info(&mut self, symbol: &str, field: &str) -> Result<Option<String>, HostError> {
        let stored = self.get(&format!("{INFO}{symbol}"), field)?;
        if stored.is_some() || symbol != PARAMS.native_token.symbol {
            return Ok(stored);
        }
        let native = &PARAMS.native_token;
        Ok(Some(match field {
            ISSUER => native.issuer.to_string(),
            TOTAL_SUPPLY => native.total_supply.to_string(),
            SUPPLY => "0".into(),
            DECIMAL => native.decimal.to_string(),
            CAN_TRANSFER => "true".into(),
            ONLY_ISSUER_CAN_TRANSFER => "false".into(),
            DEFAULT_RATE => "1.0".into(),
            FULL_NAME => native.symbol.to_string(),
            _ => return Ok(None),
        }))
    }

    fn exists(&mut self, symbol: &str) -> Result<bool, HostError> {
        Ok(self.info(symbol, ISSUER)?.is_some())
    }

    fn int_info(&mut self, symbol: &str, field: &str) -> Result<i64, HostError> {
        let text = self.info(symbol, field)?.unwrap_or_default();
        text.parse()
            .map_err(|_| HostError(format!("token {symbol}'s {field} is corrupt: {text:?}")))
    }

    fn decimal(&mut self, symbol: &str) -> Result<u32, HostError> {
        Ok(self.int_info(symbol, DECIMAL)? as u32)
    }

    fn balance(&mut self, symbol: &str, account: &str) -> Result<i64, HostError> {
        match self.get(&format!("{BALANCE}{account}"), symbol)? {
            None => Ok(0),
            Some(text) => text.parse().map_err(|_| {
                HostError(format!(
                    "balance of {account} in {symbol} is corrupt: {text:?}"
                ))
            }),
        }
    }

    /// IOST's message for a balance below an amount.
    fn not_enough(&mut self, symbol: &str, balance: i64, units: i64) -> Result<Refused, HostError> {
        let decimal = self.decimal(symbol)?;
        Ok(format!(
            "balance not enough {} < {}",
            format_decimal(balance, decimal),
            format_decimal(units, decimal)
        ))
    }

    fn set_balance(&mut self, symbol: &str, account: &str, units: i64) -> Result<(), HostError> {
        self.put(&format!("{BALANCE}{account}"), symbol, units.to_string())
    }

    /// `amount` of `symbol` in whole units, positive.
    fn amount(&mut self, symbol: &str, amount: &str) -> Result<Result<i64, Refused>, HostError> {
        let decimal = self.decimal(symbol)?;
        Ok(match parse_decimal(amount, decimal) {
            Err(e) => Err(format!("invalid amount {amount} {e}")),
            Ok(units) if units <= 0 => Err("invalid amount".into()),
            Ok(units) => Ok(units),
        })
    }

    fn create(
        &mut self,
        symbol: &str,
        issuer: &str,
        total_supply: &Value,
        config: &str,
    ) -> Result<Result<Value, Refused>, HostError> {
        if let Err(e) = check_symbol(symbol) {
            return Ok(Err(e));
        }
        let config: serde_json::Map<String, Value> = match serde_json::from_str(config) {
            Ok(Value::Object(config)) => config,
            Ok(_) => return Ok(Err("config should be a JSON object".into())),
            Err(e) => return Ok(Err(e.to_string())),
        };
        let decimal = match config.get(DECIMAL) {
            None => 8,
            Some(Value::Number(n)) => n.as_f64().unwrap_or(-1.0) as i64,
            Some(_) => return Ok(Err("decimal in config should be number".into())),
        };
        let flag = |name: &str, default: bool| match config.get(name) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(format!("{name} in config should be bool")),
        };
        let can_transfer = match flag(CAN_TRANSFER, true) {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        };
        let only_issuer = match flag(ONLY_ISSUER_CAN_TRANSFER, false) {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        };
        let text = |name: &str, default: &str| match config.get(name) {
            None => Ok(default.to_string()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(format!("{name} in config should be string")),
        };
        let default_rate = match text(DEFAULT_RATE, "1.0") {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        };
        let full_name = match text(FULL_NAME, symbol) {
            Ok(v) if v.len() > 50 => return Ok(Err("fullName is too long".into())),
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        };
        if !self.authorized(issuer, TOKEN_PERMISSION)? {
            return Ok(Err("transaction has no permission".into()));
        }
        if self.exists(symbol)? {
            return Ok(Err("token exists".into()));
        }
        if !(0..19).contains(&decimal) {
            return Ok(Err("invalid decimal".into()));
        }
        let scale = 10i64.pow(decimal as u32);
        let total = match total_supply.as_i64() {
            Some(total) if total >= 0 && total <= i64::MAX / scale => total * scale,
            _ => return Ok(Err("invalid totalSupply".into())),
        };
        let map = format!("{INFO}{symbol}");
        for (field, value) in [
            (ISSUER, issuer.to_string()),
            (TOTAL_SUPPLY, total.to_string()),
            (SUPPLY, "0".to_string()),
            (CAN_TRANSFER, can_transfer.to_string()),
            (ONLY_ISSUER_CAN_TRANSFER, only_issuer.to_string()),
            (DEFAULT_RATE, default_rate),
            (DECIMAL, decimal.to_string()),
            (FULL_NAME, full_name),
        ] {
            self.put(&map, field, value)?;
        }
        self.receipt()?;
        Ok(Ok(json!([])))
    }

    fn issue(
        &mut self,
        symbol: &str,
        to: &str,
        amount: &str,
    ) -> Result<Result<Value, Refused>, HostError> {
        if !self.exists(symbol)? {
            return Ok(Err("token not exists".into()));
        }
        let issuer = self.info(symbol, ISSUER)?.unwrap_or_default();
        let supply = self.int_info(symbol, SUPPLY)?;
        let total = self.int_info(symbol, TOTAL_SUPPLY)?;
        if !self.authorized(&issuer, TOKEN_PERMISSION)? {
            return Ok(Err("transaction has no permission".into()));
        }
        let units = match self.amount(symbol, amount)? {
            Ok(units) => units,
            Err(e) => return Ok(Err(e)),
        };
        if total - supply < units {
            return Ok(Err("supply too much".into()));
        }
        self.put(
            &format!("{INFO}{symbol}"),
            SUPPLY,
            (supply + units).to_string(),
        )?;
        let balance = self.balance(symbol, to)?;
        self.set_balance(symbol, to, balance + units)?;
        self.receipt()?;
        Ok(Ok(json!([])))
    }

    fn transfer(
        &mut self,
        symbol: &str,
        from: &str,
        to: &str,
        amount: &str,
        memo: &str,
    ) -> Result<Result<Value, Refused>, HostError> {
        if memo.len() > MAX_MEMO_BYTES {
            return Ok(Err("memo too large".into()));
        }
        for account in [from, to] {
            if !valid_account(account) {
                return Ok(Err(format!("invalid account {account}")));
            }
        }
        if from == to {
            return Ok(Ok(json!([])));
        }
        if !self.exists(symbol)? {
            return Ok(Err("token not exists".into()));
        }
        if self.info(symbol, CAN_TRANSFER)?.as_deref() != Some("true") {
            return Ok(Err("token can't transfer".into()));
        }
        if self.info(symbol, ONLY_ISSUER_CAN_TRANSFER)?.as_deref() == Some("true") {
            let issuer = self.info(symbol, ISSUER)?.unwrap_or_default();
            if !self.authorized(&issuer, TRANSFER_PERMISSION)? {
                return Ok(Err("transfer need issuer permission".into()));
            }
        }
        if !self.authorized(from, TRANSFER_PERMISSION)? {
            return Ok(Err("transaction has no permission".into()));
        }
        let units = match self.amount(symbol, amount)? {
            Ok(units) => units,
            Err(e) => return Ok(Err(e)),
        };
        let from_balance = self.balance(symbol, from)?;
        let to_balance = self.balance(symbol, to)?;
        if from_balance < units {
            return Ok(Err(self.not_enough(symbol, from_balance, units)?));
        }
        let Some(to_after) = to_balance.checked_add(units) else {
            return Ok(Err("overflow error".into()));
        };
        self.set_balance(symbol, to, to_after)?;
        self.set_balance(symbol, from, from_balance - units)?;
        self.receipt()?;
        Ok(Ok(json!([])))
    }

    fn destroy(
        &mut self,
        symbol: &str,
        from: &str,
        amount: &str,
    ) -> Result<Result<Value, Refused>, HostError> {
        if !self.exists(symbol)? {
            return Ok(Err("token not exists".into()));
        }
        if !self.authorized(from, TRANSFER_PERMISSION)? {
            return Ok(Err("transaction has no permission".into()));
        }
        let units = match self.amount(symbol, amount)? {
            Ok(units) => units,
            Err(e) => return Ok(Err(e)),
        };
        let balance = self.balance(symbol, from)?;
        if balance < units {
            return Ok(Err(self.not_enough(symbol, balance, units)?));
        }
        self.set_balance(symbol, from, balance - units)?;
        let supply = self.int_info(symbol, SUPPLY)?;
        self.put(
            &format!("{INFO}{symbol}"),
            SUPPLY,
            (supply - units).to_string(),
        )?;
        self.receipt()?;
        Ok(Ok(json!([])))
    }

    fn balance_of(
        &mut self,
        symbol: &str,
        account: &str,
    ) -> Result<Result<Value, Refused>, HostError> {
        if !self.exists(symbol)? {
            return Ok(Err("token not exists".into()));
        }
        let decimal = self.decimal(symbol)?;
        let balance = self.balance(symbol, account)?;
        Ok(Ok(json!([format_decimal(balance, decimal)])))
    }

    fn amount_of(
        &mut self,
        symbol: &str,
        field: &str,
    ) -> Result<Result<Value, Refused>, HostError> {
        if !self.exists(symbol)? {
            return Ok(Err("token not exists".into()));
        }
        let decimal = self.decimal(symbol)?;
        let units = self.int_info(symbol, field)?;
        Ok(Ok(json!([format_decimal(units, decimal)])))
    }
}

/// IOST's `checkTokenSymValid`: 2 to 16 of `a-z 0-9 _`.
fn check_symbol(symbol: &str) -> Result<(), String> {
    if symbol.len() < 2 || symbol.len() > 16 {
        return Err(format!(
            "token symbol invalid. token symbol length should be between 2,16 got {symbol}"
        ));
    }
    match symbol
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
    {
        Some(c) => Err(format!(
            "token symbol invalid. token symbol contains invalid character {}",
            c as u32
        )),
        None => Ok(()),
    }
}

/// An account or contract a balance can be kept for: what a storage key may hold (IOST
/// checks its account format; isovm keeps balances of any id a key may hold, an account's or
/// a contract's).
fn valid_account(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| (' '..='~').contains(&c) && c != '-' && c != '@')
}

/// `text` as whole units of a token with `decimal` places, as IOST's
/// `common.NewDecimalFromString` reads it: digits past the token's places are dropped (with
/// whatever follows them), a leading `-` negates.
pub fn parse_decimal(text: &str, decimal: u32) -> Result<i64, &'static str> {
    if text.is_empty() || text.starts_with('.') {
        return Err("amount format error");
    }
    if let Some(rest) = text.strip_prefix('-') {
        return parse_decimal(rest, decimal)?
            .checked_neg()
            .ok_or("overflow error");
    }
    let (mut value, mut places, mut point) = (0i64, 0u32, false);
    for b in text.bytes() {
        match b {
            b'0'..=b'9' => {
                value = value
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(i64::from(b - b'0')))
                    .ok_or("overflow error")?;
                if point {
                    places += 1;
                    if places >= decimal {
                        break;
                    }
                }
            }
            b'.' if point => return Err("multi decimal point error"),
            b'.' => point = true,
            _ => return Err("abnormal char in amount"),
        }
    }
    if places > decimal {
        return Ok(value / 10i64.pow(places - decimal));
    }
    value
        .checked_mul(10i64.pow(decimal - places))
        .ok_or("overflow error")
}

/// Whole `units` with `decimal` places as IOST writes them (`Decimal.String`): no trailing
/// zeros, no trailing point.
pub fn format_decimal(units: i64, decimal: u32) -> String {
    let digits = units.unsigned_abs().to_string();
    let sign = if units < 0 { "-" } else { "" };
    let places = decimal as usize;
    if places == 0 {
        return format!("{sign}{digits}");
    }
    let padded = format!("{digits:0>width$}", width = places + 1);
    let (whole, fraction) = padded.split_at(padded.len() - places);
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{fraction}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_and_write_as_iost_decimals() {
        assert_eq!(parse_decimal("1", 8), Ok(100_000_000));
        assert_eq!(parse_decimal("1.5", 8), Ok(150_000_000));
        assert_eq!(parse_decimal("0.00000001", 8), Ok(1));
        // Places past the token's are dropped, and whatever follows them.
        assert_eq!(parse_decimal("1.123456789", 8), Ok(112_345_678));
        assert_eq!(parse_decimal("1.23x", 1), Ok(12));
        assert_eq!(parse_decimal("-2.5", 2), Ok(-250));
        assert_eq!(parse_decimal("7.9", 0), Ok(7));
        assert_eq!(parse_decimal("", 8), Err("amount format error"));
        assert_eq!(parse_decimal(".5", 8), Err("amount format error"));
        assert_eq!(parse_decimal("1.2.3", 8), Err("multi decimal point error"));
        assert_eq!(parse_decimal("1e5", 8), Err("abnormal char in amount"));
        assert_eq!(parse_decimal("100000000000", 8), Err("overflow error"));
        assert_eq!(format_decimal(150_000_000, 8), "1.5");
        assert_eq!(format_decimal(100_000_000, 8), "1");
        assert_eq!(format_decimal(1, 8), "0.00000001");
        assert_eq!(format_decimal(0, 8), "0");
        assert_eq!(format_decimal(-250, 2), "-2.5");
        assert_eq!(format_decimal(42, 0), "42");
    }

    #[test]
    fn symbols_follow_iosts_rule() {
        assert!(check_symbol("iost").is_ok());
        assert!(check_symbol("my_token2").is_ok());
        assert!(check_symbol("a").unwrap_err().contains("between 2,16"));
        assert!(
            check_symbol("Abc")
                .unwrap_err()
                .ends_with("invalid character 65")
        );
    }
}
