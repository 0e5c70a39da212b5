//! IOST's number libraries (`BigNumber`, `Int64`, `Float64`), data-driven: each case is one
//! expression a contract method returns, checked against IOST's expectations (its
//! `int64Test`, `float64Test`, `bignumber1` and `libbignumber` tests, `test/v8vm/` in
//! go-iost) and bignumber.js 7.2.1 as IOST configures it (50 decimal places, `ROUND_DOWN`,
//! `POW_PRECISION` 50). Then what the metering promises: bigger operands pay more, and work
//! past the limits fails cleanly.

mod common;

use common::{Chain, abi, call, tx};
use isovm::schema::Status;
use serde_json::json;

/// What a call must do.
enum Expect {
    /// Succeed with this JSON-encoded return value.
    Returns(&'static str),
    /// Fail with this status and a message containing this text.
    Fails(Status, &'static str),
}
use Expect::{Fails, Returns};

const ERR: Status = Status::RuntimeError;

/// `(expression the method returns, expectation)`.
const CASES: &[(&str, Expect)] = &[
    // IOST's TestEngine_Int64 (int64Test.js).
    (
        r#"new Int64("1234500000").plus(1234).toString()"#,
        Returns(r#""1234501234""#),
    ),
    (
        r#"new Int64("123400789").minus(680).toString()"#,
        Returns(r#""123400109""#),
    ),
    (
        r#"new Int64("12345667").multi(12).toString()"#,
        Returns(r#""148148004""#),
    ),
    (
        r#"new Int64("12345667").div(12).toString()"#,
        Returns(r#""1028805""#),
    ),
    (
        r#"new Int64("12345667").mod(12).toString()"#,
        Returns(r#""7""#),
    ),
    (
        r#"new Int64("1234").pow(3).toString()"#,
        Returns(r#""1879080904""#),
    ),
    // Int64: range and integer checks with IOST's messages; division truncates.
    (
        r#"new Int64("9223372036854775807").plus(1)"#,
        Fails(ERR, "Int64: 9223372036854775808 overflow int64"),
    ),
    (
        r#"new Int64("-9223372036854775808").minus(1)"#,
        Fails(ERR, "Int64: -9223372036854775809 underflow int64"),
    ),
    (
        r#"new Int64("9223372036854775807").toString()"#,
        Returns(r#""9223372036854775807""#),
    ),
    (
        r#"new Int64(2).pow(64)"#,
        Fails(ERR, "Int64: 18446744073709551616 overflow int64"),
    ),
    (
        r#"new Int64("1.5")"#,
        Fails(ERR, "Int64: 1.5 is not an integer"),
    ),
    (
        r#"new Int64(1).plus(null)"#,
        Fails(ERR, "Int64 argument: null is empty"),
    ),
    (
        r#"new Int64(1).plus()"#,
        Fails(ERR, "Int64 argument: undefined is empty"),
    ),
    (
        r#"new Int64(1).plus(1.5)"#,
        Fails(ERR, "Int64: 1.5 is not an integer"),
    ),
    (r#"new Int64(-7).div(2).toString()"#, Returns(r#""-3""#)),
    (r#"new Int64(-7).mod(2).toString()"#, Returns(r#""-1""#)),
    (r#"new Int64(5).shift(3).toString()"#, Returns(r#""5000""#)),
    (
        r#"[new Int64(5).eq(5), new Int64(5).gt(4), new Int64(5).lte(4), new Int64(0).isZero()]"#,
        Returns("[true,true,false,true]"),
    ),
    (
        r#"new Int64(new Int64(42)).negated().toString()"#,
        Returns(r#""-42""#),
    ),
    (
        r#"JSON.stringify({ a: new Int64("12") })"#,
        Returns(r#""{\"a\":\"12\"}""#),
    ),
    (
        r#"new Int64(7).number.plus(0.5).toString()"#,
        Returns(r#""7.5""#),
    ),
    (r#"new Int64(7).toFixed(2)"#, Returns(r#""7.00""#)),
    // IOST's TestEngine_Float64 (float64Test.js).
    (r#"new Float64("11.11").toString()"#, Returns(r#""11.11""#)),
    (
        r#"new Float64("12345.6789").minus(680).toString()"#,
        Returns(r#""11665.6789""#),
    ),
    (
        r#"new Float64("12345.6789").multi(12).toString()"#,
        Returns(r#""148148.1468""#),
    ),
    (
        r#"new Float64("12345.6789").div(12).toString()"#,
        Returns(r#""1028.806575""#),
    ),
    (
        r#"new Float64("12345.6789").pow(3).toString()"#,
        Returns(r#""1881676371789.154860897069""#),
    ),
    (
        r#"new Float64(1).div(3).toString()"#,
        Returns(r#""0.33333333333333333333333333333333333333333333333333""#),
    ),
    (
        r#"new Float64("9223372036854775807.5")"#,
        Fails(ERR, "Float64: 9223372036854775807.5 overflow float64"),
    ),
    (
        r#"new Float64(1).plus(undefined)"#,
        Fails(ERR, "float64 argument: undefined is empty"),
    ),
    // IOST's libbignumber.js, one check each.
    (
        r#"new BigNumber("-10").abs().toFixed()"#,
        Returns(r#""10""#),
    ),
    (
        r#"new BigNumber("10").div(3).toFixed(3)"#,
        Returns(r#""3.333""#),
    ),
    (
        r#"new BigNumber("10").idiv(new BigNumber(3)).toFixed()"#,
        Returns(r#""3""#),
    ),
    (
        r#"new BigNumber("10").pow(3).toFixed()"#,
        Returns(r#""1000""#),
    ),
    (
        r#"new BigNumber("10.2").integerValue().toFixed()"#,
        Returns(r#""10""#),
    ),
    (
        r#"[new BigNumber("10").eq(10), new BigNumber("10").eq(100)]"#,
        Returns("[true,false]"),
    ),
    (
        r#"[new BigNumber("10").isFinite(), new BigNumber(Infinity).isFinite()]"#,
        Returns("[true,false]"),
    ),
    (
        r#"[new BigNumber("10").gt(9), new BigNumber("10").gte(10), new BigNumber("10").lt(11), new BigNumber("10").lte(10)]"#,
        Returns("[true,true,true,true]"),
    ),
    (
        r#"[new BigNumber("10.0").isInteger(), new BigNumber("10.1").isInteger()]"#,
        Returns("[true,false]"),
    ),
    (
        r#"[new BigNumber("10").isNaN(), new BigNumber(NaN).isNaN()]"#,
        Returns("[false,true]"),
    ),
    (
        r#"[new BigNumber("-10").isNegative(), new BigNumber("10").isPositive(), new BigNumber(0).isZero()]"#,
        Returns("[true,true,true]"),
    ),
    (
        r#"[new BigNumber("10").minus(3).toFixed(), new BigNumber("10").mod(3).toFixed(), new BigNumber("10").times(3).toFixed(), new BigNumber("10").plus(3).toFixed()]"#,
        Returns(r#"["7","1","30","13"]"#),
    ),
    (
        r#"[new BigNumber("10").negated().toFixed(), new BigNumber("-10").negated().toFixed()]"#,
        Returns(r#"["-10","10"]"#),
    ),
    (
        r#"new BigNumber("10").sqrt().toFixed(3)"#,
        Returns(r#""3.162""#),
    ),
    // IOST's bignumber1.js: a BigNumber through JSON and back.
    (
        r#"new BigNumber(JSON.parse(JSON.stringify(new BigNumber(0.00000000008).plus(0.0000000000000029))))"#,
        Returns(r#""8.00029e-11""#),
    ),
    // Division: 50 decimal places, rounded down (towards zero).
    (
        r#"new BigNumber(2).div(3).toString()"#,
        Returns(r#""0.66666666666666666666666666666666666666666666666666""#),
    ),
    (
        r#"new BigNumber(-2).div(3).toString()"#,
        Returns(r#""-0.66666666666666666666666666666666666666666666666666""#),
    ),
    (
        r#"new BigNumber(1).div("1e51").toString()"#,
        Returns(r#""0""#),
    ),
    (
        r#"[new BigNumber(1).div(0).toString(), new BigNumber(-1).div(0).toString(), new BigNumber(0).div(0).toString()]"#,
        Returns(r#"["Infinity","-Infinity","NaN"]"#),
    ),
    (
        r#"new BigNumber(2).sqrt().toString()"#,
        Returns(r#""1.41421356237309504880168872420969807856967187537694""#),
    ),
    // pow: POW_PRECISION 50, truncated as bignumber.js truncates its limbs.
    (
        r#"new BigNumber(2).pow(200).toString()"#,
        Returns(r#""1.6069380442589902755419620923411626025222029937827e+60""#),
    ),
    (
        r#"new BigNumber("1.1").pow(1000).toString()"#,
        Returns(r#""2.4699329180058263341240883850852214777097333852383e+41""#),
    ),
    (
        r#"new BigNumber(2).pow(-2).toString()"#,
        Returns(r#""0.25""#),
    ),
    (
        r#"new BigNumber(2).pow(1e12).toString()"#,
        Returns(r#""Infinity""#),
    ),
    (
        r#"new BigNumber(2).pow(1.5)"#,
        Fails(ERR, "[BigNumber Error] Exponent not an integer: 1.5"),
    ),
    // toString's exponent thresholds (1e-7 and 1e21), toFixed, toPrecision, toFormat.
    (
        r#"[new BigNumber("1e21").toString(), new BigNumber("123456789012345678901").toString()]"#,
        Returns(r#"["1e+21","123456789012345678901"]"#),
    ),
    (
        r#"[new BigNumber("0.0000001").toString(), new BigNumber("0.000001").toString()]"#,
        Returns(r#"["1e-7","0.000001"]"#),
    ),
    (
        r#"[new BigNumber("1e21").toFixed(), new BigNumber("1.5e-7").toFixed()]"#,
        Returns(r#"["1000000000000000000000","0.00000015"]"#),
    ),
    (
        r#"[new BigNumber("1.005").toFixed(2), new BigNumber("1.005").toFixed(2, 4), new BigNumber("1.5").toFixed(3)]"#,
        Returns(r#"["1.00","1.01","1.500"]"#),
    ),
    (
        r#"[new BigNumber(-0).toString(), new BigNumber(-0).valueOf(), new BigNumber("-0.00001").toFixed(0)]"#,
        Returns(r#"["0","-0","-0"]"#),
    ),
    (
        r#"[new BigNumber("12345.678").toPrecision(7), new BigNumber("12345.678").toPrecision(2), new BigNumber(12345).toExponential(2)]"#,
        Returns(r#"["12345.67","1.2e+4","1.23e+4"]"#),
    ),
    (
        r#"new BigNumber("-1234567.891").toFormat(2)"#,
        Returns(r#""-1,234,567.89""#),
    ),
    (
        r#"[new BigNumber("1.2300").dp(), new BigNumber("1.2300").sd(), new BigNumber("1.23456").dp(2).toString()]"#,
        Returns(r#"[2,3,"1.23"]"#),
    ),
    // Construction: strings as bignumber.js reads them, other values through `+ ''`.
    (
        r#"[new BigNumber(" 12.5 ").toString(), new BigNumber("+5").toString(), new BigNumber("0xff").toString(), new BigNumber("abc").toString()]"#,
        Returns(r#"["12.5","5","255","NaN"]"#),
    ),
    (
        r#"[new BigNumber("ff", 16).toString(), new BigNumber(255).toString(16), BigNumber(7).plus(1).toString()]"#,
        Returns(r#"["255","ff","8"]"#),
    ),
    (
        r#"new BigNumber({ toString() { return "12" } }).plus(1).toString()"#,
        Returns(r#""13""#),
    ),
    (
        r#"[new BigNumber(1).comparedTo(2), new BigNumber(NaN).comparedTo(2), new BigNumber("1.5").toNumber()]"#,
        Returns("[-1,null,1.5]"),
    ),
    (
        r#"[BigNumber.max(1, "5", new BigNumber(3)).toString(), BigNumber.min([4, 2, 8]).toString(), BigNumber.isBigNumber(new BigNumber(1)), BigNumber.isBigNumber({})]"#,
        Returns(r#"["5","2",true,false]"#),
    ),
    (r#""x" + new BigNumber("1.50")"#, Returns(r#""x1.5""#)),
    (
        r#"new BigNumber("1e-30").plus("1e30").toFixed()"#,
        Returns(r#""1000000000000000000000000000000.000000000000000000000000000001""#),
    ),
    // What IOST's runtime drops is absent; what isovm does not implement says so.
    (
        r#"[typeof BigNumber.config, typeof BigNumber.ROUND_DOWN, typeof BigNumber.random]"#,
        Returns(r#"["undefined","undefined","undefined"]"#),
    ),
    (
        r#"new BigNumber(1).toFraction()"#,
        Fails(ERR, "not implemented in isovm"),
    ),
    (
        r#"new BigNumber("1.1", 3)"#,
        Fails(ERR, "not implemented in isovm"),
    ),
    (
        r#"new BigNumber(2).pow(2, 3)"#,
        Fails(ERR, "not implemented in isovm"),
    ),
    (
        r#"new BigNumber(1).toFixed(-1)"#,
        Fails(ERR, "[BigNumber Error] Argument out of range: -1"),
    ),
    // The libraries are frozen, and nothing of their internals is reachable.
    (
        r#"[Object.isFrozen(BigNumber), Object.isFrozen(BigNumber.prototype), Object.isFrozen(Int64.prototype), Object.isFrozen(Float64)]"#,
        Returns("[true,true,true,true]"),
    ),
    (r#"Object.keys(new BigNumber(5))"#, Returns("[]")),
    (
        r#"(() => { class M extends BigNumber { twice() { return this.times(2); } } return new M(21).twice().toString(); })()"#,
        Returns(r#""42""#),
    ),
    // Work past the limits is refused with a RangeError, never done.
    (
        r#"new BigNumber("1e5000").plus(1)"#,
        Fails(
            ERR,
            "RangeError: BigNumber: this sum would need 5002 digits; isovm allows at most 4096",
        ),
    ),
    (
        r#"new BigNumber("9".repeat(5000))"#,
        Fails(
            ERR,
            "RangeError: BigNumber: this number would need 5000 digits",
        ),
    ),
    (
        r#"(() => { let x = new BigNumber("123456789.123456789"); for (;;) x = x.times(x); })()"#,
        Fails(ERR, "RangeError: BigNumber: this product would need"),
    ),
    (
        r#"new BigNumber("1.0000000001").pow("1e20")"#,
        Fails(
            ERR,
            "RangeError: BigNumber.pow: isovm allows exponents up to 9007199254740991",
        ),
    ),
    (
        r#"new BigNumber(1).toFixed(1e6)"#,
        Fails(ERR, "RangeError: BigNumber: this text would need"),
    ),
];

fn source() -> String {
    let mut methods = String::new();
    for (i, (expr, _)) in CASES.iter().enumerate() {
        methods.push_str(&format!("  c{i}() {{ return {expr}; }}\n"));
    }
    format!(
        "class Numbers {{\n  init() {{}}\n{methods}  times(a, b) {{ return new BigNumber(a).times(b).toFixed(); }}\n  plus(a, b) {{ return new BigNumber(a).plus(b).toFixed(); }}\n  square(a, n) {{ let x = new BigNumber(a); for (let i = 0; i < n; i++) x.times(x); return 0; }}\n}}\nmodule.exports = Numbers;\n"
    )
}

fn methods() -> Vec<(String, Vec<&'static str>)> {
    let mut list: Vec<(String, Vec<&str>)> = (0..CASES.len())
        .map(|i| (format!("c{i}"), vec![]))
        .collect();
    list.push(("times".into(), vec!["string", "string"]));
    list.push(("plus".into(), vec!["string", "string"]));
    list.push(("square".into(), vec!["string", "number"]));
    list
}

async fn deployed() -> Chain {
    let mut chain = Chain::new();
    let methods = methods();
    let refs: Vec<(&str, &[&str])> = methods
        .iter()
        .map(|(name, args)| (name.as_str(), args.as_slice()))
        .collect();
    chain.deploy(&source(), &abi(&refs), "numbers").await;
    chain
}

#[tokio::test]
async fn iost_number_libraries_behave_as_iost_expects() {
    let mut chain = deployed().await;
    let txs = (0..CASES.len())
        .map(|i| tx("alice", vec![call("numbers", &format!("c{i}"), json!([]))]))
        .collect();
    let result = chain.block(txs).await;
    let mut failures = Vec::new();
    for ((expr, expect), receipt) in CASES.iter().zip(&result.receipts) {
        match expect {
            Returns(want) => {
                if receipt.status != Status::Success || receipt.returns != [want.to_string()] {
                    failures.push(format!(
                        "{expr}: expected {want}, got {:?} {:?} {}",
                        receipt.status, receipt.returns, receipt.message
                    ));
                }
            }
            Fails(status, text) => {
                if receipt.status != *status || !receipt.message.contains(text) {
                    failures.push(format!(
                        "{expr}: expected {status:?} with {text:?}, got {:?} {:?} {}",
                        receipt.status, receipt.returns, receipt.message
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Gas follows the operands' digits: a product pays for digits × digits, a sum for its
/// digits, and the same call always costs the same.
#[tokio::test]
async fn bigger_operands_pay_more() {
    let mut chain = deployed().await;
    let cases: Vec<(&str, String, String)> = vec![
        ("times", "12345".into(), "67890".into()),
        ("times", "1".repeat(500), "7".repeat(500)),
        ("times", "1".repeat(2000), "7".repeat(2000)),
        ("plus", "12345".into(), "67890".into()),
        ("plus", "1".repeat(2000), "7".repeat(2000)),
        ("times", "12345".into(), "67890".into()),
    ];
    let txs = cases
        .iter()
        .map(|(m, a, b)| tx("alice", vec![call("numbers", m, json!([a, b]))]))
        .collect();
    let result = chain.block(txs).await;
    let gas: Vec<u64> = result
        .receipts
        .iter()
        .map(|r| {
            assert_eq!(r.status, Status::Success, "{}", r.message);
            r.gas_used
        })
        .collect();
    let (small, mid, large) = (gas[0], gas[1], gas[2]);
    assert!(mid > small + 10_000, "500 digits: {mid} vs {small}");
    // Quadratic: four times the digits, at least eight times the digit work.
    assert!(
        large - small > 8 * (mid - small),
        "2000 digits: {large} vs {mid}"
    );
    assert!(
        gas[4] > gas[3] + 10_000,
        "a long sum: {} vs {}",
        gas[4],
        gas[3]
    );
    assert_eq!(gas[0], gas[5], "the same call costs the same");
}

/// Huge work is stopped by gas or refused, never hangs: squaring a 4,000-digit number over
/// and over runs out of gas long before the watchdog.
#[tokio::test]
async fn huge_work_runs_out_of_gas() {
    let mut chain = deployed().await;
    let digits = "9".repeat(2048);
    let receipt = chain
        .run(
            "alice",
            vec![call("numbers", "square", json!([digits, 1_000_000]))],
        )
        .await;
    assert_eq!(receipt.status, Status::OutOfGas, "{}", receipt.message);
}
