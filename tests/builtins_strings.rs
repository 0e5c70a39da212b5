//! The metered built-ins of strings, regular expressions, JSON, numbers, functions, symbols,
//! errors and Date (`src/engine/runtime/30-strings.js` … `35-date.js`): their results are
//! native JavaScript's, their charges grow with the input as each family's unit says and are
//! the same on every run, adversarial inputs end quickly in a deterministic receipt, and no
//! Date method shows the node's time zone.

mod common;

use common::{Chain, abi, call, deploy, options, tx};
use isovm::consensus::{BuiltinCosts, PARAMS};
use isovm::exec::ExecOptions;
use isovm::schema::{Receipt, Status};
use serde_json::json;

/// What a method body must do.
enum Expect {
    /// Succeed with this JSON result.
    Returns(&'static str),
    /// Fail with this status and a message containing this text.
    Fails(Status, &'static str),
}
use Expect::{Fails, Returns};

/// Results, native JavaScript's unless a comment says otherwise. `log` arrays count the
/// contract code a built-in ran (getters, valueOf, toString, callbacks): once per conversion,
/// in the specification's order.
const RESULTS: &[(&str, Expect)] = &[
    // Strings: one position.
    (
        r##"return ["abc".at(-1), "abc".at(5), "abc".charAt(1), "abc".charAt(9), "abc".charCodeAt(1), "abc".charCodeAt(-1), "😀".codePointAt(0), "😀".codePointAt(1), "😀".at(0), "".at(0)];"##,
        Returns(r##"["c",null,"b","",98,null,128512,56832,"\ud83d",null]"##),
    ),
    (
        r##"const log = []; const pos = { valueOf() { log.push("valueOf"); return 1; } }; return ["abc".charAt(pos), "abc".at(pos), "abc".charCodeAt(pos), log];"##,
        Returns(r##"["b","b",98,["valueOf","valueOf","valueOf"]]"##),
    ),
    (
        r##"const log = []; const that = { toString() { log.push("toString"); return "xyz"; } }; return [String.prototype.at.call(that, 0), String.prototype.slice.call(that, 1), log];"##,
        Returns(r##"["x","yz",["toString","toString"]]"##),
    ),
    (
        r##"try { String.prototype.at.call(null, 0); } catch (e) { return String(e); }"##,
        Returns(r##""TypeError: String.prototype.at called on null or undefined""##),
    ),
    (
        r##"return ["abcdef".slice(1, -1), "abcdef".slice(-2), "abcdef".substring(4, 1), "abcdef".substring(-1), "abcdef".substr(-3, 2), "abcdef".substr(1), "abc".slice(2, 1), "a😀b".slice(1, 2)];"##,
        Returns(r##"["bcde","ef","bcd","abcdef","de","bcdef","","\ud83d"]"##),
    ),
    // Searches.
    (
        r##"return ["hello".indexOf("l"), "hello".indexOf("l", 3), "hello".indexOf(""), "hello".indexOf("", 10), "hello".indexOf("lo", -5), "hello".indexOf("x"), "".indexOf("")];"##,
        Returns(r##"[2,3,0,5,3,-1,0]"##),
    ),
    (
        r##"return ["hello".lastIndexOf("l"), "hello".lastIndexOf("l", 2), "hello".lastIndexOf("", 99), "hello".lastIndexOf("x"), "hello".lastIndexOf("l", NaN), "aaa".lastIndexOf("aa"), "abc".lastIndexOf("abcd"), "hello".lastIndexOf("h", -5)];"##,
        Returns(r##"[3,2,5,-1,3,1,-1,0]"##),
    ),
    (
        r##"return ["hello".includes("ell"), "hello".includes("ell", 2), "hello".startsWith("he"), "hello".endsWith("lo"), "hello".startsWith("l", 2), "hello".endsWith("l", 4), "hello".startsWith(""), "hello".endsWith("hello!")];"##,
        Returns(r##"[true,false,true,true,true,true,true,false]"##),
    ),
    (
        r##"const log = []; const s = { toString() { log.push("search"); return "ll"; } }; const p = { valueOf() { log.push("pos"); return 0; } }; return ["hello".includes(s, p), "hello".indexOf(s, p), "hello".startsWith(s, p), log];"##,
        Returns(r##"[true,2,false,["search","pos","search","pos","search","pos"]]"##),
    ),
    (
        r##"try { "x".includes(/x/); } catch (e) { return String(e); }"##,
        Returns(
            r##""TypeError: First argument to String.prototype.includes must not be a regular expression""##,
        ),
    ),
    (
        r##"try { "x".startsWith(/x/); } catch (e) { return String(e); }"##,
        Returns(
            r##""TypeError: First argument to String.prototype.startsWith must not be a regular expression""##,
        ),
    ),
    (
        r##"const log = []; const o = { get [Symbol.match]() { log.push("match"); return false; }, toString() { return "x"; } }; return ["axb".includes(o), "x".startsWith(o), "x".endsWith(o), log];"##,
        Returns(r##"[true,true,true,["match","match","match"]]"##),
    ),
    // No ICU: localeCompare compares code units ("a" > "B"), normalize returns its input.
    (
        r##"return ["a".localeCompare("b"), "b".localeCompare("a"), "a".localeCompare("a"), "a".localeCompare("B"), "".localeCompare("")];"##,
        Returns(r##"[-1,1,0,1,0]"##),
    ),
    // Sizes known up front.
    (
        r##"const log = []; const z = { toString() { log.push("z"); return "z"; } }; return ["ab".concat("c", 1, null, undefined, z), "".concat(), "x".concat([1, 2]), log];"##,
        Returns(r##"["abc1nullundefinedz","","x1,2",["z"]]"##),
    ),
    (
        r##"const log = []; const n = { valueOf() { log.push("n"); return 2; } }; return ["ab".repeat(3), "ab".repeat(0), "".repeat(1e9), "x".repeat(n), "x".repeat(2.9), log];"##,
        Returns(r##"["ababab","","","xx","xx",["n"]]"##),
    ),
    (
        r##"try { "x".repeat(-1); } catch (e) { return String(e); }"##,
        Returns(r##""RangeError: Invalid count value: -1""##),
    ),
    (
        r##"try { "x".repeat(Infinity); } catch (e) { return String(e); }"##,
        Returns(r##""RangeError: Invalid count value: Infinity""##),
    ),
    (
        r##"try { "x".repeat(2 ** 30); } catch (e) { return String(e); }"##,
        Returns(r##""RangeError: Invalid string length""##),
    ),
    (
        r##"try { "x".repeat(2 ** 29); } catch (e) { return String(e); }"##,
        Returns(r##""RangeError: Invalid string length""##),
    ),
    (
        r##"const log = []; const f = { toString() { log.push("fill"); return "-"; } }; return ["abc".padStart(6, "12"), "abc".padEnd(6), "abc".padStart(2, f), "abc".padEnd(5, ""), "abc".padStart(5, f), "abc".padEnd(NaN, f), log];"##,
        Returns(r##"["121abc","abc   ","abc","abc","--abc","abc",["fill"]]"##),
    ),
    (
        r##"try { "x".padStart(2 ** 30); } catch (e) { return String(e); }"##,
        Returns(r##""RangeError: Invalid string length""##),
    ),
    // Whole-string transformations.
    (
        r##"return ["ÄßİΐaB".toUpperCase(), "ÄßİΐaB".toLowerCase(), "abc".toLocaleUpperCase("tr"), "ABC".toLocaleLowerCase(), "ﬃ".toUpperCase(), "".toUpperCase()];"##,
        Returns(r##"["ÄSSİΪ́AB","äßi̇ΐab","ABC","abc","FFI",""]"##),
    ),
    (
        r##"return ["abc".normalize(), "abc".normalize("NFKD"), "é".normalize("NFD").length];"##,
        Returns(r##"["abc","abc",1]"##),
    ),
    (
        r##"try { "x".normalize("X"); } catch (e) { return String(e); }"##,
        Returns(r##""RangeError: The normalization form should be one of NFC, NFD, NFKC, NFKD.""##),
    ),
    (
        r##"return ["a\uD800b".isWellFormed(), "ab".isWellFormed(), "a\uD800b".toWellFormed(), "ab".toWellFormed(), "\uDC00".toWellFormed().charCodeAt(0)];"##,
        Returns(r##"[false,true,"a\ufffdb","ab",65533]"##),
    ),
    (
        r##"return ["  ab  ".trim(), "  ab  ".trimStart(), "  ab  ".trimEnd(), "\n x".trimLeft(), "x \t".trimRight(), "\u00a0\ufeffx\u2028".trim(), String.prototype.trimLeft === String.prototype.trimStart, String.prototype.trimRight === String.prototype.trimEnd, String.prototype.trimLeft.name];"##,
        Returns(r##"["ab","ab  ","  ab","x","x","x",true,true,"trimStart"]"##),
    ),
    // split.
    (
        r##"return ["a,b,,c".split(","), "abc".split(""), "abc".split(), "a,b,c".split(",", 2), "abc".split("", 0), "".split(","), "".split(""), "a1b".split(1), "a,b".split(",", -1), "a,b".split(",", 2 ** 32 + 1)];"##,
        Returns(
            r##"[["a","b","","c"],["a","b","c"],["abc"],["a","b"],[],[""],[],["a","b"],["a","b"],["a"]]"##,
        ),
    ),
    (
        r##"const log = []; const lim = { valueOf() { log.push("lim"); return 1; } }; const sep = { toString() { log.push("sep"); return ","; } }; return ["a,b".split(sep, lim), log];"##,
        Returns(r##"[["a"],["lim","sep"]]"##),
    ),
    (
        r##"const log = []; return ["a-b-c".split({ [Symbol.split](s, l) { log.push([s, l]); return ["custom"]; } }, 5), log];"##,
        Returns(r##"[["custom"],[["a-b-c",5]]]"##),
    ),
    // replace and replaceAll with strings.
    (
        r##"return ["aXbXc".replace("X", "-"), "aXbXc".replaceAll("X", "-"), "abc".replace("", "-"), "abc".replaceAll("", "-"), "abc".replace("x", "-"), "abc".replaceAll("x", "-"), "aaa".replaceAll("aa", "b"), "".replaceAll("", "x")];"##,
        Returns(r##"["a-bXc","a-b-c","-abc","-a-b-c-","abc","abc","ba","x"]"##),
    ),
    (
        r##"return ["abc".replace("b", "[$&|$`|$'|$$|$0|$1|$<x>|$]"), "abc".replaceAll("b", "($&)"), "abcb".replaceAll("b", "$'"), "abcb".replaceAll("b", "$`"), "ab".replace("b", "$"), "ab".replace("b", "$$$")];"##,
        Returns(r##"["a[b|a|c|$|$0|$1|$<x>|$]c","a(b)c","acbc","aacabc","a$","a$$"]"##),
    ),
    (
        r##"const log = []; return ["aXbX".replaceAll("X", (m, p, s) => { log.push([m, p, s]); return p; }), "aXbX".replace("X", (m, p, s) => { log.push([m, p, s]); return { toString() { log.push("ts"); return "o"; } }; }), log];"##,
        Returns(r##"["a1b3","aobX",[["X",1,"aXbX"],["X",3,"aXbX"],["X",1,"aXbX"],"ts"]]"##),
    ),
    (
        r##"const log = []; const s = { toString() { log.push("s"); return "b"; } }; const r = { toString() { log.push("r"); return "B"; } }; return ["abc".replace(s, r), "abcb".replaceAll(s, r), log];"##,
        Returns(r##"["aBc","aBcB",["s","r","s","r"]]"##),
    ),
    (
        r##"try { "x".replaceAll(/x/, ""); } catch (e) { return String(e); }"##,
        Returns(
            r##""TypeError: String.prototype.replaceAll called with a non-global RegExp argument""##,
        ),
    ),
    (
        r##"const log = []; return ["abc".replace({ [Symbol.replace](s, r) { log.push([s, r]); return "custom"; } }, "R"), log];"##,
        Returns(r##"["custom",[["abc","R"]]]"##),
    ),
    // replace with a regular expression.
    (
        r##"return ["a1b22c".replace(new RegExp("\\d+", "g"), "#"), "a1b22c".replace(new RegExp("(\\d)(\\d)?", "g"), "[$1|$2|$3|$10|$01|$00|$&]"), "John Smith".replace(new RegExp("(?<first>\\w+)\\s(?<last>\\w+)"), "$<last>, $<first>$<none>|$<x")];"##,
        Returns(r##"["a#b#c","a[1||$3|10|1|$00|1]b[2|2|$3|20|2|$00|22]c","Smith, John|$<x"]"##),
    ),
    (
        r##"const log = []; return ["a1b22c".replace(new RegExp("(\\d)", "g"), (m, p1, off, s) => { log.push([m, p1, off, s]); return "<" + p1 + ">"; }), log];"##,
        Returns(
            r##"["a<1>b<2><2>c",[["1","1",1,"a1b22c"],["2","2",3,"a1b22c"],["2","2",4,"a1b22c"]]]"##,
        ),
    ),
    (
        r##"const log = []; return ["ab".replace(new RegExp("(?<x>a)(z)?"), (...args) => { log.push(JSON.stringify(args)); return "z"; }), log];"##,
        Returns(r##"["zb",["[\"a\",\"a\",null,0,\"ab\",{\"x\":\"a\"}]"]]"##),
    ),
    (
        r##"return ["aaa".replaceAll(new RegExp("a", "g"), "$`"), "xyz".replace(new RegExp("y"), "$'$'"), "abc".replaceAll(new RegExp("(?:)", "g"), "-"), "abc".replace(new RegExp("b", "y"), "B"), "xaxbx".replace(new RegExp("x", "g"), "$$")];"##,
        Returns(r##"["aaa","xzzz","-a-b-c-","abc","$a$b$"]"##),
    ),
    // Regular expressions.
    // Every pattern has the linear-time flag: `l` shows in flags and toString.
    (
        r##"return [new RegExp("a(b)?").exec("xab"), new RegExp("a(b)?").exec("xa"), new RegExp("x").exec("y"), new RegExp("a", "g").test("a"), new RegExp("a+", "g").flags, RegExp("a").source, new RegExp("/").source, String(new RegExp("a", "gm")), new RegExp("").source];"##,
        Returns(r##"[["ab","b"],["a",null],null,true,"g","a","\\/","/a/gm","(?:)"]"##),
    ),
    (
        r##"const r = new RegExp("a", "g"); const out = []; out.push(r.exec("aXa").index, r.lastIndex, r.exec("aXa").index, r.lastIndex, r.exec("aXa"), r.lastIndex); return out;"##,
        Returns(r##"[0,1,2,3,null,0]"##),
    ),
    (
        r##"const r = new RegExp("a", "y"); r.lastIndex = 1; const a = r.exec("ba"); return [a && a.index, r.lastIndex, new RegExp("b", "y").test("ab"), r.exec("ba"), r.lastIndex];"##,
        Returns(r##"[1,2,false,null,0]"##),
    ),
    (
        r##"return ["a1b2".match(new RegExp("\\d", "g")), "a1b2".match(new RegExp("\\d")), "ab".match(new RegExp("x", "g")), "ab".match("b"), "a.b".match("."), "ab".search("b"), "ab".search(new RegExp("x")), "ab".match(), "ab".search()];"##,
        Returns(r##"[["1","2"],["1"],null,["b"],["a"],1,-1,[""],0]"##),
    ),
    (
        r##"return [[..."a1b2".matchAll(new RegExp("\\d", "g"))].map((m) => [m[0], m.index]), [..."a1b2".matchAll("\\d")].map((m) => m[0]), [..."ab".matchAll(new RegExp("(?:)", "g"))].length];"##,
        Returns(r##"[[["1",1],["2",3]],["1","2"],3]"##),
    ),
    (
        r##"try { "x".matchAll(new RegExp("x")); } catch (e) { return String(e); }"##,
        Returns(
            r##""TypeError: String.prototype.matchAll called with a non-global RegExp argument""##,
        ),
    ),
    (
        r##"return ["a,b;c".split(new RegExp("[,;]")), "a1b2c".split(new RegExp("(\\d)")), "abc".split(new RegExp("(?:)")), "abc".split(new RegExp("b"), 1), "".split(new RegExp("x")), "".split(new RegExp("(?:)")), "a b  c".split(new RegExp("\\s+")), "xaxbx".split(new RegExp("(x)?a")), "abc".split(new RegExp("$")), "abc".split(new RegExp("x*"))];"##,
        Returns(
            r##"[["a","b","c"],["a","1","b","2","c"],["a","b","c"],["a"],[""],[],["a","b","c"],["","x","xbx"],["abc"],["a","b","c"]]"##,
        ),
    ),
    (
        r##"const log = []; const r = new RegExp("a"); r.lastIndex = { valueOf() { log.push("lastIndex"); return 0; } }; r.exec("a"); r.test("a"); return [log, typeof r.lastIndex];"##,
        Returns(r##"[["lastIndex","lastIndex"],"object"]"##),
    ),
    (
        r##"const log = []; const r = new RegExp("a", "g"); r.lastIndex = { valueOf() { log.push("lastIndex"); return 1; } }; const m = r.exec("aa"); return [m.index, r.lastIndex, log];"##,
        Returns(r##"[1,2,["lastIndex"]]"##),
    ),
    (
        r##"const re = new RegExp("ab", "g"); const re2 = RegExp(re); const re3 = new RegExp(re, "y"); return [re2 === re, re3.source, re3.lastIndex, re3.sticky, re3.global, new RegExp(re).global];"##,
        Returns(r##"[true,"ab",0,true,false,true]"##),
    ),
    (
        r##"try { new RegExp("a", "x"); } catch (e) { return String(e); }"##,
        Returns(r##""SyntaxError: Invalid flags supplied to RegExp constructor 'x'""##),
    ),
    (
        r##"try { new RegExp("("); } catch (e) { return e.constructor.name; }"##,
        Returns(r##""SyntaxError""##),
    ),
    (
        r##"const log = []; class R extends RegExp { exec(s) { log.push("exec " + s); return super.exec(s); } } const r = new R("b", "g"); return ["abcb".replace(r, "X"), r.test("b"), r instanceof RegExp, r instanceof R, "ab".split(new R("b")), log];"##,
        Returns(
            r##"["aXcX",true,true,true,["a",""],["exec abcb","exec abcb","exec abcb","exec b","exec ab","exec ab"]]"##,
        ),
    ),
    (
        r##"return [RegExp.prototype.exec.name, RegExp.prototype.exec.length, RegExp.prototype[Symbol.replace].name, RegExp.prototype[Symbol.split].length, RegExp.name, RegExp.length, RegExp[Symbol.species] === RegExp, new RegExp("a").constructor === RegExp, Object.getPrototypeOf(new RegExp("a")) === RegExp.prototype];"##,
        Returns(r##"["exec",1,"[Symbol.replace]",2,"RegExp",2,true,true,true]"##),
    ),
    (
        r##"try { RegExp.prototype.exec.call({}, ""); } catch (e) { return String(e); }"##,
        Returns(
            r##""TypeError: Method RegExp.prototype.exec called on incompatible receiver #<Object>""##,
        ),
    ),
    (
        r##"const log = []; return [RegExp.prototype.test.call({ exec(s) { log.push(s); return {}; } }, "q"), log];"##,
        Returns(r##"[true,["q"]]"##),
    ),
    // The linear-time engine refuses `d` (as it refuses backreferences, lookahead, `i`, `u`).
    (
        r##"return ["ab".replace(new RegExp("(?<g>a)"), "[$<g>]"), new RegExp("(?<y>b)").exec("ab").groups.y, new RegExp("b", "d").exec("ab").indices[0]];"##,
        Fails(Status::RuntimeError, "Cannot be executed in linear time"),
    ),
    // Regular-expression literals: each match runs on a linear-time twin of the literal.
    (
        r##"const r = /a/g; const out = []; out.push(r.exec("aXa").index, r.lastIndex, r.exec("aXa").index, r.lastIndex, r.exec("aXa"), r.lastIndex); return out;"##,
        Returns(r##"[0,1,2,3,null,0]"##),
    ),
    (
        r##"const r = /a/g; r.lastIndex = 5; const a = r.exec("aa"); const b = r.lastIndex; const e = /(?:)/g; e.lastIndex = 3; const c = e.exec("aa"); e.lastIndex = 2; e.exec("aa"); return [a, b, c, e.lastIndex];"##,
        Returns(r##"[null,0,null,2]"##),
    ),
    (
        r##"const r = /a/y; r.lastIndex = 1; const a = r.exec("ba") && r.lastIndex; const o = /a/; o.lastIndex = 7; return [a, r.exec("ba"), r.lastIndex, o.exec("a").index, o.lastIndex];"##,
        Returns(r##"[2,null,0,0,7]"##),
    ),
    (
        r##"const log = []; const r = /a/; r.lastIndex = { valueOf() { log.push("li"); return 0; } }; r.exec("a"); const g = /a/g; g.lastIndex = { valueOf() { log.push("g"); return 1; } }; const m = g.exec("aa"); return [log, typeof r.lastIndex, m.index, g.lastIndex];"##,
        Returns(r##"[["li","g"],"object",1,2]"##),
    ),
    (
        r##"const r = Object.freeze(/a/g); let name; try { r.exec("a"); } catch (e) { name = e.constructor.name; } return [name, Object.freeze(/a/).exec("a").index];"##,
        Returns(r##"["TypeError",0]"##),
    ),
    (
        r##"return ["a1b22c".replace(/\d+/g, "#"), "a,b".split(/,/), "ab".match(/b/).index, [..."a1b2".matchAll(/\d/g)].length, /x/.test("axb"), /(a)(?<n>b)/.exec("ab").groups.n];"##,
        Returns(r##"["a#b#c",["a","b"],1,2,true,"b"]"##),
    ),
    (
        r##"return new RegExp("(a)\\1").test("aa");"##,
        Fails(Status::RuntimeError, "Cannot be executed in linear time"),
    ),
    // JSON.
    (
        r##"return JSON.stringify({ a: [1, "x", null, true, { b: undefined, c: () => 1, d: Symbol() }], f: new Number(3), g: new String("s"), h: new Boolean(false), i: -0, j: NaN, k: 1e21, l: -Infinity });"##,
        Returns(
            r##""{\"a\":[1,\"x\",null,true,{}],\"f\":3,\"g\":\"s\",\"h\":false,\"i\":0,\"j\":null,\"k\":1e+21,\"l\":null}""##,
        ),
    ),
    (
        r##"return [JSON.stringify({ a: 1, b: [1, 2], c: {}, d: [] }, null, 2), JSON.stringify({ a: 1, b: { c: [1, { d: 2 }] } }, null, "--"), JSON.stringify([[]], null, 20), JSON.stringify({ a: [] }, null, "123456789012345"), JSON.stringify([1], null, 0), JSON.stringify([1], null, "")];"##,
        Returns(
            r##"["{\n  \"a\": 1,\n  \"b\": [\n    1,\n    2\n  ],\n  \"c\": {},\n  \"d\": []\n}","{\n--\"a\": 1,\n--\"b\": {\n----\"c\": [\n------1,\n------{\n--------\"d\": 2\n------}\n----]\n--}\n}","[\n          []\n]","{\n1234567890\"a\": []\n}","[1]","[1]"]"##,
        ),
    ),
    (
        r##"return [JSON.stringify({ a: 1, b: 2, c: { a: 3, d: 4 } }, ["a", "c", 1, "a"]), JSON.stringify({ a: 1, b: 2, c: [{ a: 3, d: 4 }] }, ["a", "c"], 1), JSON.stringify({ 1: "one", a: 2 }, [1, new String("a")]), JSON.stringify([{ a: new String("z"), b: 1 }], ["a"])];"##,
        Returns(
            r##"["{\"a\":1,\"c\":{\"a\":3}}","{\n \"a\": 1,\n \"c\": [\n  {\n   \"a\": 3\n  }\n ]\n}","{\"1\":\"one\",\"a\":2}","[{\"a\":\"z\"}]"]"##,
        ),
    ),
    (
        r##"const log = []; return [JSON.stringify({ a: 1, b: "x", c: [1] }, function (k, v) { log.push([k, typeof v, Array.isArray(this)]); return typeof v === "number" ? v * 2 : v; }), log];"##,
        Returns(
            r##"["{\"a\":2,\"b\":\"x\",\"c\":[2]}",[["","object",false],["a","number",false],["b","string",false],["c","object",false],["0","number",true]]]"##,
        ),
    ),
    (
        r##"const log = []; return [JSON.stringify({ toJSON(k) { log.push("toJSON " + k); return { x: 1 }; } }), JSON.stringify({ a: { toJSON(k) { log.push("toJSON " + k); return 5; } } }), log];"##,
        Returns(r##"["{\"x\":1}","{\"a\":5}",["toJSON ","toJSON a"]]"##),
    ),
    (
        r##"return [JSON.stringify(undefined), JSON.stringify(() => 1), JSON.stringify("\u2028\ud800\"\n\u0001"), JSON.stringify(Symbol()), JSON.stringify(null), JSON.stringify([undefined, () => 1, Symbol()]), JSON.stringify(new Date(0))];"##,
        Returns(
            r##"[null,null,"\"\\u2028\\ud800\\\"\\n\\u0001\"",null,"null","[null,null,null]","\"1970-01-01T00:00:00.000Z\""]"##,
        ),
    ),
    (
        r##"const a = {}; a.b = { c: a }; try { JSON.stringify(a); } catch (e) { return e.constructor.name + ": " + e.message.split("\n")[0]; }"##,
        Returns(r##""TypeError: Converting circular structure to JSON""##),
    ),
    (
        r##"const log = []; const n = new Number(5); const v = { valueOf() { log.push("valueOf"); return 7; } }; return [JSON.stringify({ s: new String("abc"), n }), log];"##,
        Returns(r##"["{\"s\":\"abc\",\"n\":5}",[]]"##),
    ),
    (
        r##"const log = []; const o = { get x() { log.push("x"); return 1; }, get y() { log.push("y"); return 2; } }; return [JSON.stringify(o, ["y"]), JSON.stringify(o), log];"##,
        Returns(r##"["{\"y\":2}","{\"x\":1,\"y\":2}",["y","x","y"]]"##),
    ),
    (
        r##"return [JSON.stringify({ a: 1 }, null, new Number(3)), JSON.stringify({ a: 1 }, null, new String("ab")), JSON.stringify({ a: [1] }, null, "\t")];"##,
        Returns(r##"["{\n   \"a\": 1\n}","{\nab\"a\": 1\n}","{\n\t\"a\": [\n\t\t1\n\t]\n}"]"##),
    ),
    (
        r##"return [JSON.parse('{"a":[1,2,{"b":null}],"c":"x"}'), JSON.parse("1"), JSON.parse('"s"'), JSON.parse(" [ ] "), JSON.parse("true"), JSON.parse('{"__proto__":1}')];"##,
        Returns(r##"[{"a":[1,2,{"b":null}],"c":"x"},1,"s",[],true,{"__proto__":1}]"##),
    ),
    (
        r##"const log = []; return [JSON.parse('{"a":[1,2,{"b":3}],"c":"x"}', function (k, v) { log.push([k, typeof v]); return typeof v === "number" ? v + 1 : v; }), log];"##,
        Returns(
            r##"[{"a":[2,3,{"b":4}],"c":"x"},[["0","number"],["1","number"],["b","number"],["2","object"],["a","object"],["c","string"],["","object"]]]"##,
        ),
    ),
    (
        r##"return [JSON.parse("[1,2,3]", (k, v) => (v === 2 ? undefined : v)), JSON.parse('{"a":1,"b":2}', (k, v) => (k === "a" ? undefined : v))];"##,
        Returns(r##"[[1,null,3],{"b":2}]"##),
    ),
    (
        r##"try { JSON.parse("{"); } catch (e) { return e.constructor.name; }"##,
        Returns(r##""SyntaxError""##),
    ),
    (
        r##"const log = []; return [JSON.parse({ toString() { log.push("text"); return "[1]"; } }), log];"##,
        Returns(r##"[[1],["text"]]"##),
    ),
    (
        r##"return [JSON.isRawJSON(JSON.rawJSON("1")), JSON.stringify({ a: JSON.rawJSON("1e1000") }), JSON.isRawJSON({})];"##,
        Returns(r##"[true,"{\"a\":1e1000}",false]"##),
    ),
    // Numbers.
    (
        r##"const log = []; const v = { valueOf() { log.push("v"); return 7; } }; return [Number("12"), Number(" 0x10 "), Number(), Number(undefined), new Number(5) + 1, Number(v), Number("1e3"), Number(null), Number(""), Number("1_0"), log];"##,
        Returns(r##"[12,16,0,null,6,7,1000,0,0,null,["v"]]"##),
    ),
    (
        r##"try { Number(Symbol()); } catch (e) { return String(e); }"##,
        Returns(r##""TypeError: Cannot convert a Symbol value to a number""##),
    ),
    (
        r##"const log = []; const r = { valueOf() { log.push("r"); return 2; } }; return [(255).toString(16), (0.5).toString(2), (1.005).toFixed(2), (123.456).toPrecision(4), (1e21).toFixed(2), (12345).toExponential(2), (5).toString(r), (1).toLocaleString(), Number.prototype.toString.call(new Number(3)), (-1.5e-7).toString(36), log];"##,
        Returns(
            r##"["ff","0.1","1.00","123.5","1e+21","1.23e+4","101","1","3","-0.000092imhi0c8qb",["r"]]"##,
        ),
    ),
    (
        r##"try { (1).toFixed(101); } catch (e) { return String(e); }"##,
        Returns(r##""RangeError: toFixed() digits argument must be between 0 and 100""##),
    ),
    (
        r##"const log = []; const d = { valueOf() { log.push("d"); return 1; } }; try { Number.prototype.toFixed.call("x", d); } catch (e) { return [String(e), log]; }"##,
        Returns(r##"["TypeError: Number.prototype.toFixed requires that 'this' be a Number",[]]"##),
    ),
    (
        r##"const log = []; const s = { toString() { log.push("s"); return "12"; } }; const r = { valueOf() { log.push("r"); return 8; } }; return [parseInt("  42px"), parseInt("ff", 16), parseInt("0x1f"), parseFloat("3.14abc"), parseFloat(".5"), parseInt(s, r), Number.parseInt === parseInt, Number.parseFloat === parseFloat, isNaN("x"), isFinite("12"), parseInt(""), parseFloat("-0"), log];"##,
        Returns(r##"[42,255,31,3.14,0.5,10,true,true,true,true,null,0,["s","r"]]"##),
    ),
    (
        r##"return [encodeURI("a b/ü?x=1&y=😀"), encodeURIComponent("a b/ü"), decodeURI("a%20b%2F"), decodeURIComponent("a%20b%2F%C3%BC"), escape("a b+ü€"), unescape("%u20AC%20%zz")];"##,
        Returns(
            r##"["a%20b/%C3%BC?x=1&y=%F0%9F%98%80","a%20b%2F%C3%BC","a b%2F","a b/ü","a%20b+%FC%u20AC","€ %zz"]"##,
        ),
    ),
    (
        r##"try { decodeURIComponent("%"); } catch (e) { return String(e); }"##,
        Returns(r##""URIError: URI malformed""##),
    ),
    (
        r##"try { encodeURI("\ud800"); } catch (e) { return String(e); }"##,
        Returns(r##""URIError: URI malformed""##),
    ),
    (
        r##"const log = []; const x = { valueOf() { log.push("x"); return 2.5; } }; const y = { valueOf() { log.push("y"); return 1; } }; return [Math.max(), Math.min(), Math.max(1, 3, 2), Math.min(1, "0"), Math.hypot(3, 4), Math.max(NaN, x), Math.abs("-2"), Math.floor(x), Math.pow(2, 10), Math.atan2(y, x), Math.imul(3, 4), Math.max(y, x), Math.sign(-3), Math.clz32(1), log];"##,
        Returns(
            r##"[null,null,3,0,5,null,2,2,1024,0.3805063771123649,12,2.5,-1,31,["x","x","y","x","y","x"]]"##,
        ),
    ),
    (
        r##"return [Math.max.apply(null, [1, 5, 3]), Math.min.apply(Math, { length: 2, 0: 4, 1: 2 })];"##,
        Returns(r##"[5,2]"##),
    ),
    // isovm: no randomness, no code from strings.
    (
        r##"try { Math.random(); } catch (e) { return String(e); }"##,
        Returns(
            r##""Error: Math.random is not available to contracts: results must be the same on every node; derive values from tx.hash or block data""##,
        ),
    ),
    (
        r##"return [Number.isInteger(5), Number.isSafeInteger(2 ** 53), Number.isNaN("x"), Number.isFinite("1"), Number.MAX_SAFE_INTEGER, Number.EPSILON > 0];"##,
        Returns(r##"[true,false,false,false,9007199254740991,true]"##),
    ),
    (
        r##"try { eval("1"); } catch (e) { return e.constructor.name; }"##,
        Returns(r##""EvalError""##),
    ),
    // Functions.
    (
        r##"function f(a, b) { return [this === undefined ? "u" : this.x, a, b]; } return [f.call({ x: 1 }, 2, 3), f.apply({ x: 4 }, [5, 6]), f.apply(undefined), f.bind({ x: 7 }, 8)(9), f.bind(null).name, f.bind(null, 1).length, f.bind(null, 1, 2, 3).length, f.call.length, f.apply.name, f.bind.length];"##,
        Returns(r##"[[1,2,3],[4,5,6],["u",null,null],[7,8,9],"bound f",1,0,1,"apply",1]"##),
    ),
    (
        r##"function f() { return arguments.length; } return [f.apply(null, { length: 3 }), f.apply(null, "ab".split("")), f.call(), f.apply(null, [])];"##,
        Returns(r##"[3,2,0,0]"##),
    ),
    (
        r##"const log = []; const args = { get length() { log.push("length"); return 2; }, get 0() { log.push("0"); return "a"; }, get 1() { log.push("1"); return "b"; } }; return [Math.max.apply(null, args), log];"##,
        Returns(r##"[null,["length","0","1"]]"##),
    ),
    (
        r##"try { (function () {}).apply(null, 1); } catch (e) { return String(e); }"##,
        Returns(r##""TypeError: CreateListFromArrayLike called on non-object""##),
    ),
    (
        r##"try { Function.prototype.bind.call({}); } catch (e) { return String(e); }"##,
        Returns(r##""TypeError: Bind must be called on a function""##),
    ),
    (
        r##"class A { constructor(x, y) { this.x = x; this.y = y; } } const B = A.bind(null, 3); const b = new B(4); return [b.x, b.y, b instanceof A, b instanceof B, B.name, typeof B.prototype];"##,
        Returns(r##"[3,4,true,true,"bound A","undefined"]"##),
    ),
    // The runtime's functions read as native code, whatever they are.
    (
        r##"return [Math.max.toString(), String.prototype.at.toString(), JSON.stringify.toString(), Object.getOwnPropertyDescriptor(RegExp.prototype, "flags").get.toString(), Function.prototype.toString.call(String), console.log.toString(), Error.toString(), TypeError.toString(), Math.random.toString(), Date.now.toString(), require.toString(), storage.get.toString(), Function.prototype.toString.toString()];"##,
        Returns(
            r##"["function max() { [native code] }","function at() { [native code] }","function stringify() { [native code] }","function get flags() { [native code] }","function String() { [native code] }","function log() { [native code] }","function Error() { [native code] }","function TypeError() { [native code] }","function random() { [native code] }","function now() { [native code] }","function require() { [native code] }","function get() { [native code] }","function toString() { [native code] }"]"##,
        ),
    ),
    // A contract function's source is what V8 compiled: the instrumented text.
    (
        r##"return [(function named(a) { return a; }).toString(), (() => 1).toString().length > 0, Function.prototype.toString.call(class K {}).startsWith("class K")];"##,
        Returns(
            r##"["function named(a) {__isovm_enter(3, 31);try{ return a; }finally{__isovm_exit(31)}}",true,true]"##,
        ),
    ),
    (
        r##"try { Function.prototype.toString.call({}); } catch (e) { return String(e); }"##,
        Returns(r##""TypeError: Function.prototype.toString requires that 'this' be a Function""##),
    ),
    (
        r##"try { new Function("return 1"); } catch (e) { return String(e); }"##,
        Returns(r##""EvalError: Code generation from strings disallowed for this context""##),
    ),
    (
        r##"const log = []; try { Function({ toString() { log.push("param"); return "x"; } }, "return x"); } catch (e) { return [String(e), log]; }"##,
        Returns(
            r##"["EvalError: Code generation from strings disallowed for this context",["param"]]"##,
        ),
    ),
    (
        r##"try { Object.getPrototypeOf(function* () {}).constructor("yield 1"); } catch (e) { return String(e); }"##,
        Returns(r##""EvalError: Code generation from strings disallowed for this context""##),
    ),
    (
        r##"return [Function.prototype.constructor === Function, (() => 1).constructor === Function, Object.getPrototypeOf(async function () {}).constructor.name, Object.getPrototypeOf(Object.getPrototypeOf(function* () {}).constructor) === Function, Function.name, Function.length, typeof Function.prototype, Function.prototype()];"##,
        Returns(r##"[true,true,"AsyncFunction",true,"Function",1,"function",null]"##),
    ),
    // Symbols and booleans.
    (
        r##"const log = []; const s = Symbol("d"); return [s.toString(), s.description, Symbol.for("k") === Symbol.for("k"), Symbol.keyFor(Symbol.for("k")), Symbol.keyFor(s), typeof Symbol(), Symbol().description, Symbol({ toString() { log.push("desc"); return "q"; } }).description, String(s), Symbol.iterator.toString(), Object(s) instanceof Symbol, Symbol.prototype.constructor === Symbol, log];"##,
        Returns(
            r##"["Symbol(d)","d",true,"k",null,"symbol",null,"q","Symbol(d)","Symbol(Symbol.iterator)",true,true,["desc"]]"##,
        ),
    ),
    (
        r##"try { new Symbol(); } catch (e) { return String(e); }"##,
        Returns(r##""TypeError: Symbol is not a constructor""##),
    ),
    (
        r##"try { Symbol.keyFor("x"); } catch (e) { return String(e); }"##,
        Returns(r##""TypeError: x is not a symbol""##),
    ),
    (
        r##"try { `${Symbol()}`; } catch (e) { return String(e); }"##,
        Returns(r##""TypeError: Cannot convert a Symbol value to a string""##),
    ),
    (
        r##"return [Boolean(0), Boolean("x"), new Boolean(false).valueOf(), true.toString(), Boolean.prototype.toString.call(false), typeof new Boolean(1)];"##,
        Returns(r##"[false,true,false,"true","false","object"]"##),
    ),
    // Errors.
    (
        r##"const e = new Error("m", { cause: 1 }); return [e.message, e.cause, e instanceof Error, e.constructor === Error, String(e), e.name, Error("x").message, Object.prototype.toString.call(e), Error.prototype.toString.call({ name: "N", message: "M" }), "cause" in new Error("x"), new Error().message, new Error(undefined).hasOwnProperty("message")];"##,
        Returns(
            r##"["m",1,true,true,"Error: m","Error","x","[object Error]","N: M",false,"",false]"##,
        ),
    ),
    (
        r##"const log = []; const e = new TypeError({ toString() { log.push("message"); return "tm"; } }); return [e.message, e instanceof TypeError, e instanceof Error, e.constructor === TypeError, Object.getPrototypeOf(TypeError) === Error, TypeError.name, TypeError.length, String(e), TypeError("f").message, log];"##,
        Returns(r##"["tm",true,true,true,true,"TypeError",1,"TypeError: tm","f",["message"]]"##),
    ),
    (
        r##"class E extends Error {} const e = new E("x"); return [e instanceof E, e instanceof Error, String(e), e.message, Object.getPrototypeOf(E) === Error, e.constructor === E];"##,
        Returns(r##"[true,true,"Error: x","x",true,true]"##),
    ),
    (
        r##"class E2 extends RangeError {} const e = new E2("r"); return [e instanceof E2, e instanceof RangeError, e instanceof Error, e.name, e.message];"##,
        Returns(r##"[true,true,true,"RangeError","r"]"##),
    ),
    (
        r##"try { null.x; } catch (e) { return [e instanceof TypeError, e.constructor === TypeError, e.constructor.name, e instanceof Error]; }"##,
        Returns(r##"[true,true,"TypeError",true]"##),
    ),
    (
        r##"const log = []; const o = { get cause() { log.push("cause"); return 3; } }; const e = new AggregateError([1, 2], "agg", o); return [e.errors, e.message, e.cause, e instanceof AggregateError, e instanceof Error, Object.getOwnPropertyDescriptor(e, "errors").enumerable, AggregateError.length, Object.getPrototypeOf(AggregateError) === Error, log];"##,
        Returns(r##"[[1,2],"agg",3,true,true,false,2,true,["cause"]]"##),
    ),
    (
        r##"return [new AggregateError(new Set([1, 2])).errors, new AggregateError("ab").errors, new AggregateError([]).message];"##,
        Returns(r##"[[1,2],["a","b"],""]"##),
    ),
    (
        r##"try { new AggregateError(5); } catch (e) { return e.constructor.name; }"##,
        Returns(r##""TypeError""##),
    ),
    // isovm: Error.stackTraceLimit is 0, so no stack has frames; Error is frozen.
    (
        r##"const o = {}; Error.captureStackTrace(o); return [Error.length, Error.name, typeof Error.captureStackTrace, new Error("x").stack, typeof o.stack, Error.stackTraceLimit, TypeError.captureStackTrace === Error.captureStackTrace];"##,
        Returns(r##"[1,"Error","function","Error: x","string",0,true]"##),
    ),
    (
        r##"try { Error.prepareStackTrace = () => 1; } catch (e) { return String(e); }"##,
        Returns(
            r##""TypeError: Cannot add property prepareStackTrace, object is not extensible""##,
        ),
    ),
    (
        r##"const log = []; return [Error.prototype.toString.call({ get name() { log.push("name"); return "N"; }, get message() { log.push("message"); return ""; } }), log];"##,
        Returns(r##"["N",["name","message"]]"##),
    ),
    // Date.
    // isovm: the local-time methods are UTC; toString is toUTCString, toDateString and
    // toTimeString the halves of toISOString; a string without a zone parses to NaN.
    (
        r##"const d = new Date(0); return [d.getTime(), d.getFullYear(), d.getMonth(), d.getDate(), d.getDay(), d.getHours(), d.getMinutes(), d.getSeconds(), d.getMilliseconds(), d.getTimezoneOffset(), d.getYear()];"##,
        Returns(r##"[0,1970,0,1,4,0,0,0,0,0,70]"##),
    ),
    (
        r##"const d = new Date(86400000 * 365.25 * 30 + 3723004); return [d.toISOString(), d.toUTCString(), d.toGMTString(), d.toJSON(), d.toString(), d.toDateString(), d.toTimeString(), d.toLocaleString(), d.toLocaleDateString(), d.toLocaleTimeString(), String(d), `${d}`, d + ""];"##,
        Returns(
            r##"["2000-01-01T13:02:03.004Z","Sat, 01 Jan 2000 13:02:03 GMT","Sat, 01 Jan 2000 13:02:03 GMT","2000-01-01T13:02:03.004Z","Sat, 01 Jan 2000 13:02:03 GMT","2000-01-01","13:02:03.004Z","Sat, 01 Jan 2000 13:02:03 GMT","2000-01-01","13:02:03.004Z","Sat, 01 Jan 2000 13:02:03 GMT","Sat, 01 Jan 2000 13:02:03 GMT","Sat, 01 Jan 2000 13:02:03 GMT"]"##,
        ),
    ),
    (
        r##"return [Date.UTC(2020, 1, 3), Date.UTC(99, 0), Date.UTC(2020), new Date(2020, 0, 2, 3, 4, 5, 6).toISOString(), new Date(99, 0).getFullYear(), new Date(2020, 13, 40).toISOString(), new Date(8.64e15 + 1).getTime()];"##,
        Returns(
            r##"[1580688000000,915148800000,1577836800000,"2020-01-02T03:04:05.006Z",1999,"2021-03-12T00:00:00.000Z",null]"##,
        ),
    ),
    (
        r##"return [Date.parse("2020-01-01"), Date.parse("2020-01-01T00:00:00Z"), Date.parse("2020-01-01T10:00:00+02:00"), Date.parse("2020-01-01T00:00"), Date.parse("2020-01-01 00:00"), Date.parse("Jan 1 2020"), Date.parse("Wed, 01 Jan 2020 00:00:00 GMT"), Date.parse(new Date(5000).toString()), Date.parse("+002020-01-01T00:00:00.000Z"), Date.parse("x".repeat(1000))];"##,
        Returns(
            r##"[1577836800000,1577836800000,1577865600000,null,null,null,1577836800000,5000,1577836800000,null]"##,
        ),
    ),
    (
        r##"return [new Date("2020-01-01T00:00").getTime(), new Date("2020-06-01").getTime(), new Date(new Date(7)).getTime(), new Date({ valueOf() { return 9; } }).getTime(), new Date({ toString() { return "2020-01-01"; }, valueOf: undefined }).getTime(), new Date(true).getTime()];"##,
        Returns(r##"[null,1590969600000,7,9,1577836800000,1]"##),
    ),
    (
        r##"const d = new Date(0); const r = [d.setHours(5), d.setMinutes(6, 7), d.setSeconds(8, 9), d.setMilliseconds(10), d.setDate(2), d.setMonth(3, 4), d.setFullYear(2001, 5, 6), d.getTime(), d.setUTCHours(1, 2, 3, 4), d.setTime(42), d.setYear(95), d.getFullYear(), d.setYear(2024), d.getYear()]; return r;"##,
        Returns(
            r##"[18000000,18367000,18368009,18368010,104768010,8053568010,991803968010,991803968010,991789323004,42,788918400042,1995,1704067200042,124]"##,
        ),
    ),
    (
        r##"const d = new Date(NaN); return [d.getTime(), d.getTimezoneOffset(), d.getYear(), d.toString(), d.toDateString(), d.toTimeString(), d.toJSON(), d.setYear(5), d.getFullYear(), String(new Date(NaN))];"##,
        Returns(
            r##"[null,null,null,"Invalid Date","Invalid Date","Invalid Date",null,-2051222400000,1905,"Invalid Date"]"##,
        ),
    ),
    (
        r##"try { new Date(NaN).toISOString(); } catch (e) { return String(e); }"##,
        Returns(r##""RangeError: Invalid time value""##),
    ),
    (
        r##"try { Date.prototype.getHours.call({}); } catch (e) { return String(e); }"##,
        Returns(r##""TypeError: this is not a Date object.""##),
    ),
    (
        r##"const log = []; const d = new Date(0); const h = { valueOf() { log.push("h"); return 1; } }; const m = { valueOf() { log.push("m"); return 2; } }; return [d.setHours(h, m), d.getTime(), new Date(2020, h, m).getTime(), Date.UTC(h, m), log];"##,
        Returns(r##"[3720000,3720000,1580601600000,-2172355200000,["h","m","h","m","h","m"]]"##),
    ),
    (
        r##"class D extends Date { constructor() { super(0); } } const d = new D(); return [d instanceof D, d instanceof Date, d.getTime(), typeof Date(), Date() === new Date().toString(), Date.now() === new Date().getTime(), Date.length, Date.name, Date.prototype.constructor === Date];"##,
        Returns(r##"[true,true,0,"string",true,true,7,"Date",true]"##),
    ),
    (
        r##"const d = new Date(0); return [d[Symbol.toPrimitive]("number"), d[Symbol.toPrimitive]("default"), Date.prototype.toJSON.call({ valueOf() { return 1; }, toISOString() { return "iso"; } }), Date.prototype.getTimezoneOffset.name, Date.prototype.getHours.name, Date.prototype.setYear.length];"##,
        Returns(r##"[0,"Thu, 01 Jan 1970 00:00:00 GMT","iso","getTimezoneOffset","getHours",1]"##),
    ),
    // Console.
    // isovm: console lines go to the node's log.
    (
        r##"console.log("a", { b: 1 }, [1], Symbol("s"), 5, undefined, () => 1); console.warn(); return [typeof console.log, console.log.name];"##,
        Returns(r##"["function","log"]"##),
    ),
];

/// Options for these tests: the default safety nets (a case that met the watchdog would be
/// a node fault and fail the batch, so a built-in that did unmetered work still shows).
fn test_options() -> ExecOptions {
    options()
}

/// Deploys one contract whose methods are `bodies` on a fresh chain and calls each once, in
/// one batch, with its gas limit. Returns the receipts in order.
async fn run_bodies(bodies: &[(String, u64)]) -> Vec<Receipt> {
    let mut chain = Chain::with_options(test_options());
    let mut source = String::from("class Probe {\n  init() {}\n");
    for (i, (body, _)) in bodies.iter().enumerate() {
        source.push_str(&format!("  m{i}() {{ {body} }}\n"));
    }
    source.push_str("}\nmodule.exports = Probe;\n");
    let names: Vec<String> = (0..bodies.len()).map(|i| format!("m{i}")).collect();
    let methods: Vec<(&str, &[&str])> = names.iter().map(|n| (n.as_str(), &[][..])).collect();
    let mut deploy_tx = tx("alice", vec![deploy(&source, &abi(&methods), "probe")]);
    deploy_tx.gas_limit = PARAMS.limits.max_gas_limit;
    let deployed = chain.block(vec![deploy_tx]).await;
    assert_eq!(
        deployed.receipts[0].status,
        Status::Success,
        "{}",
        deployed.receipts[0].message
    );
    let txs = bodies
        .iter()
        .zip(&names)
        .map(|((_, gas), name)| {
            let mut call_tx = tx("alice", vec![call("probe", name, json!([]))]);
            call_tx.gas_limit = *gas;
            call_tx
        })
        .collect();
    chain.block(txs).await.receipts
}

/// Checks each receipt against its expectation; returns what failed.
fn check(cases: &[(String, &Expect)], receipts: &[Receipt]) -> Vec<String> {
    let mut failures = Vec::new();
    for ((body, expect), receipt) in cases.iter().zip(receipts) {
        match expect {
            Returns(json) => {
                if receipt.status != Status::Success || receipt.returns != [json.to_string()] {
                    failures.push(format!(
                        "{body}\n  expected {json}\n  got {:?} {:?} {}",
                        receipt.status, receipt.returns, receipt.message
                    ));
                }
            }
            Fails(status, text) => {
                if receipt.status != *status || !receipt.message.contains(text) {
                    failures.push(format!(
                        "{body}\n  expected {status:?} with {text:?}\n  got {:?} {}",
                        receipt.status, receipt.message
                    ));
                }
            }
        }
    }
    failures
}

#[tokio::test(flavor = "multi_thread")]
async fn results_are_native_javascript() {
    let cases: Vec<(String, &Expect)> = RESULTS.iter().map(|(b, e)| (b.to_string(), e)).collect();
    let bodies: Vec<(String, u64)> = cases.iter().map(|(b, _)| (b.clone(), 10_000_000)).collect();
    let receipts = run_bodies(&bodies).await;
    let failures = check(&cases, &receipts);
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

// ---- Charges grow with the input as each family's unit says -------------------------------

/// Gas `rate` milligas per unit for `units`, rounded up as the runtime rounds a charge.
fn gas(units: u64, rate: u64) -> i64 {
    (units * rate).div_ceil(1000) as i64
}

/// Milligas `JSON.stringify` charges for an array of `n` ones: a visit per value (the root,
/// then each element) and the characters of each key (the index).
fn stringify_array(c: &BuiltinCosts, n: u64) -> i64 {
    let mut milli = c.json_value;
    for i in 0..n {
        milli += c.json_value + c.json_char * i.to_string().len() as u64;
    }
    // Then the scan of the text (`[1,1,…]`) for what IOST escapes.
    let text = 2 * n + 1;
    let scan = if text > PARAMS.limits.short_string {
        (text * c.string_read).div_ceil(1000)
    } else {
        0
    };
    (milli.div_ceil(1000) + scan) as i64
}

/// A built-in's size-dependent charge: `body` and `baseline` (which builds the same input
/// and does the same work around it) with `{n}` replaced, each run at `n1` and `n2`. The
/// difference of their differences is the built-in's charge at `n2` minus its charge at
/// `n1`, which `charge` computes from the consensus table.
struct Growth {
    family: &'static str,
    body: &'static str,
    baseline: &'static str,
    n1: u64,
    n2: u64,
    charge: fn(&BuiltinCosts, u64) -> i64,
}

const GROWTH: &[Growth] = &[
    Growth {
        family: "string_search: indexOf of one character",
        body: r#"const s = "x".repeat({n}); return s.indexOf("z");"#,
        baseline: r#"const s = "x".repeat({n}); return s.length;"#,
        n1: 1_000,
        n2: 100_000,
        charge: |c, n| gas(n, c.string_search),
    },
    Growth {
        family: "string_search: indexOf of ten characters, alignment × needle",
        body: r#"const s = "x".repeat({n}); return s.indexOf("zzzzzzzzzz");"#,
        baseline: r#"const s = "x".repeat({n}); return s.length;"#,
        n1: 1_000,
        n2: 100_000,
        charge: |c, n| gas((n - 9) * 10, c.string_search),
    },
    Growth {
        family: "string_read: parseInt reads its leading white space",
        body: r#"const s = " ".repeat({n}) + "1"; return parseInt(s);"#,
        baseline: r#"const s = " ".repeat({n}) + "1"; return s.length;"#,
        n1: 1_000,
        n2: 1_000_000,
        charge: |c, n| gas(n + 1, c.string_read),
    },
    Growth {
        family: "string_write: repeat pays for what it writes",
        body: r#"return "ab".repeat({n}).length;"#,
        baseline: r#"return "ab".length * {n};"#,
        n1: 1_000,
        n2: 100_000,
        charge: |c, n| gas(2 * n, c.string_write),
    },
    Growth {
        family: "string_read + string_write: toUpperCase",
        body: r#"const s = "a".repeat({n}); return s.toUpperCase().length;"#,
        baseline: r#"const s = "a".repeat({n}); return s.length;"#,
        n1: 1_000,
        n2: 100_000,
        charge: |c, n| gas(n, c.string_read) + gas(n, c.string_write),
    },
    Growth {
        family: "regexp_step: a failed match, input × pattern units",
        body: r#"const r = new RegExp("z"); const s = "x".repeat({n}); return r.test(s);"#,
        baseline: r#"const r = new RegExp("z"); const s = "x".repeat({n}); return s.length;"#,
        n1: 1_000,
        n2: 100_000,
        charge: |c, n| gas((n + 1) * c.regexp_min_pattern, c.regexp_step),
    },
    Growth {
        family: "json_value + json_char: stringify visits every value",
        body: r#"const a = new Array({n}).fill(1); return JSON.stringify(a).length;"#,
        baseline: r#"const a = new Array({n}).fill(1); return a.length;"#,
        n1: 1_000,
        n2: 100_000,
        charge: stringify_array,
    },
    Growth {
        family: "json_char: parse reads its text",
        body: r#"const t = "[" + "1,".repeat({n}) + "1]"; return JSON.parse(t).length;"#,
        baseline: r#"const t = "[" + "1,".repeat({n}) + "1]"; return t.length;"#,
        n1: 1_000,
        n2: 100_000,
        charge: |c, n| gas(2 * n + 3, c.json_char),
    },
    Growth {
        family: "element: apply passes, Math.max compares, per argument",
        body: r#"const a = new Array({n}).fill(1); return Math.max.apply(null, a);"#,
        baseline: r#"const a = new Array({n}).fill(1); return a.length;"#,
        n1: 100,
        n2: 10_000,
        charge: |c, n| 2 * gas(n, c.element),
    },
];

/// Linear charges, shown by equal steps: `body` at n, 2n and 3n costs the same more each time
/// (loops of built-in calls cost what the loop costs, and matching restarts are not paid
/// twice).
const LINEAR: &[(&str, &str, u64)] = &[
    (
        "charCodeAt in a loop",
        r#"const s = "x".repeat({n}); let t = 0; for (let i = 0; i < {n}; i++) t += s.charCodeAt(i); return t;"#,
        10_000,
    ),
    (
        "a global replace of a bounded pattern",
        r#"return "ab".repeat({n}).replace(new RegExp("b", "g"), "c").length;"#,
        1_000,
    ),
    (
        "a global replace of a tail loop",
        r#"return "abb".repeat({n}).replace(new RegExp("b+", "g"), "c").length;"#,
        1_000,
    ),
    (
        "split by a regular expression",
        r#"return "a,".repeat({n}).split(new RegExp(",")).length;"#,
        1_000,
    ),
    (
        "split by a string",
        r#"return "a,".repeat({n}).split(",").length;"#,
        1_000,
    ),
    (
        "matchAll",
        r#"let k = 0; for (const m of "a1".repeat({n}).matchAll(new RegExp("\\d", "g"))) k++; return k;"#,
        1_000,
    ),
];

fn with_n(body: &str, n: u64) -> String {
    body.replace("{n}", &n.to_string())
}

/// The growth and linearity bodies, each at its sizes, in one list.
fn growth_bodies() -> Vec<(String, u64)> {
    let mut bodies = Vec::new();
    for g in GROWTH {
        for n in [g.n1, g.n2] {
            bodies.push((with_n(g.body, n), 50_000_000));
            bodies.push((with_n(g.baseline, n), 50_000_000));
        }
    }
    for (_, body, n) in LINEAR {
        for k in 1..=3 {
            bodies.push((with_n(body, n * k), 50_000_000));
        }
    }
    bodies
}

#[tokio::test(flavor = "multi_thread")]
async fn charges_grow_with_the_input_by_the_unit_of_their_family() {
    let bodies = growth_bodies();
    let receipts = run_bodies(&bodies).await;
    for (receipt, (body, _)) in receipts.iter().zip(&bodies) {
        assert_eq!(
            receipt.status,
            Status::Success,
            "{body}: {}",
            receipt.message
        );
    }
    let used: Vec<i64> = receipts.iter().map(|r| r.gas_used as i64).collect();
    let mut failures = Vec::new();
    let costs = &PARAMS.builtins;
    for (i, g) in GROWTH.iter().enumerate() {
        let at = |k: usize| used[4 * i + k];
        let measured = (at(2) - at(3)) - (at(0) - at(1));
        let expected = (g.charge)(costs, g.n2) - (g.charge)(costs, g.n1);
        if measured != expected {
            failures.push(format!(
                "{}: {} → {} grew by {measured} gas, expected {expected}",
                g.family, g.n1, g.n2
            ));
        }
    }
    let base = 4 * GROWTH.len();
    for (i, (what, _, n)) in LINEAR.iter().enumerate() {
        let at = |k: usize| used[base + 3 * i + k];
        let (first, second) = (at(1) - at(0), at(2) - at(1));
        if first != second || first <= 0 {
            failures.push(format!(
                "{what}: {n}, {}, {} elements cost {}, {}, {}: not linear",
                2 * n,
                3 * n,
                at(0),
                at(1),
                at(2)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn receipts_are_identical_across_runs() {
    let mut bodies: Vec<(String, u64)> = RESULTS
        .iter()
        .map(|(b, _)| (b.to_string(), 10_000_000))
        .collect();
    bodies.extend(ADVERSARIAL.iter().map(|(b, gas, _)| (b.to_string(), *gas)));
    // Everything but the transaction hashes, which are unique per transaction.
    let outcome = |receipts: Vec<Receipt>| -> Vec<_> {
        receipts
            .into_iter()
            .map(|r| (r.status, r.gas_used, r.returns, r.message, r.events))
            .collect()
    };
    let first = outcome(run_bodies(&bodies).await);
    let second = outcome(run_bodies(&bodies).await);
    assert_eq!(first, second);
}

// ---- Adversarial inputs end quickly, the same way everywhere ------------------------------

/// (body, gas limit, expectation). Each ends at its gas or memory limit, or returns, well
/// inside the watchdog its gas limit gives: a built-in that did unmetered work would meet the
/// watchdog instead (a node fault: the test fails with the batch refused).
const ADVERSARIAL: &[(&str, u64, Expect)] = &[
    (
        "return /^(a+)+$/.test(\"a\".repeat(1e5) + \"b\");",
        10_000_000,
        Returns("false"),
    ),
    (
        "return new RegExp(\"^(a+)+$\").test(\"a\".repeat(1e5) + \"b\");",
        10_000_000,
        Returns("false"),
    ),
    (
        "return new RegExp(\"(a|aa)+$\").test(\"a\".repeat(1e5) + \"b\");",
        10_000_000,
        Returns("false"),
    ),
    (
        "return \"a\".repeat(1e5).replace(new RegExp(\"a(?:[^]*c)?\", \"g\"), \"\").length;",
        100_000,
        Fails(Status::OutOfGas, "out of gas"),
    ),
    (
        "const s = \"a,\".repeat(1e4); const r = new RegExp(\",\", \"y\"); let k = 0; for (let i = 0; i < s.length; i++) { r.lastIndex = i; if (r.exec(s)) k++; } return k;",
        1_000_000,
        Fails(Status::OutOfGas, "out of gas"),
    ),
    (
        "return \"x\".repeat(1e8).length;",
        1_000_000,
        // The result's memory is counted before any of it is made: past the budget.
        Fails(Status::MemoryLimit, "memory budget"),
    ),
    (
        "return \"x\".repeat(2 ** 30).length;",
        1_000_000,
        Fails(Status::RuntimeError, "RangeError: Invalid string length"),
    ),
    (
        "return \"x\".padStart(1e8).length;",
        1_000_000,
        // The result's memory is counted before any of it is made: past the budget.
        Fails(Status::MemoryLimit, "memory budget"),
    ),
    (
        "return \"x\".repeat(1e5).replaceAll(\"x\", \"$`\").length;",
        1_000_000,
        Fails(Status::OutOfGas, "out of gas"),
    ),
    (
        "return \"x\".repeat(1e4).replace(new RegExp(\"x\", \"g\"), \"$`$`\").length;",
        1_000_000,
        Fails(Status::OutOfGas, "out of gas"),
    ),
    (
        "return JSON.stringify(new Array(2e5).fill(1)).length;",
        50_000_000,
        Returns("400001"),
    ),
    (
        "return JSON.stringify(new Array(1e6).fill(1)).length;",
        1_000_000,
        Fails(Status::OutOfGas, "out of gas"),
    ),
    (
        "let o = 1; for (let i = 0; i < 40; i++) o = { a: o, b: o }; return JSON.stringify(o).length;",
        1_000_000,
        Fails(Status::OutOfGas, "out of gas"),
    ),
    (
        "let o = 1; for (let i = 0; i < 5000; i++) o = [o]; return JSON.stringify(o).length;",
        1_000_000,
        Fails(Status::RuntimeError, "contracts may nest calls 1100 deep"),
    ),
    (
        "const t = \"[\".repeat(5000) + \"]\".repeat(5000); return JSON.parse(t, (k, v) => v).length;",
        1_000_000,
        Fails(Status::RuntimeError, "contracts may nest calls 1100 deep"),
    ),
    (
        "return parseInt(\" \".repeat(1e6) + \"1\");",
        1_000_000,
        Returns("1"),
    ),
    (
        "return Math.max.apply(null, new Array(20000).fill(1));",
        1_000_000,
        Fails(Status::RuntimeError, "at most 10000 arguments"),
    ),
    (
        "return Math.max.apply(null, new Array(10000).fill(7));",
        1_000_000,
        Returns("7"),
    ),
    (
        "let f = function () { return 1; }; for (let i = 0; i < 100; i++) f = f.bind(null); return f();",
        1_000_000,
        Fails(Status::RuntimeError, "may be bound again at most"),
    ),
    (
        "const a = new Array(6000).fill(0); let f = Math.max.bind(null, ...a); f = f.bind(null, ...a); return f();",
        1_000_000,
        Fails(Status::RuntimeError, "at most 10000 arguments, not 12000"),
    ),
    (
        "const s = \"x\".repeat(1e6); let n = 0; for (let i = 0; i < 1e6; i++) n += s.charCodeAt(i); return n;",
        50_000_000,
        Returns("120000000"),
    ),
    (
        "try { Function(\"x\".repeat(1e8)); } catch (e) { return String(e); }",
        1_000_000,
        // The result's memory is counted before any of it is made: past the budget.
        Fails(Status::MemoryLimit, "memory budget"),
    ),
    (
        "return String.raw({ raw: { length: 1e9 } }).length;",
        1_000_000,
        Fails(Status::OutOfGas, "out of gas"),
    ),
];

#[tokio::test(flavor = "multi_thread")]
async fn adversarial_inputs_end_quickly_and_deterministically() {
    let cases: Vec<(String, &Expect)> = ADVERSARIAL
        .iter()
        .map(|(b, _, e)| (b.to_string(), e))
        .collect();
    let bodies: Vec<(String, u64)> = ADVERSARIAL
        .iter()
        .map(|(b, gas, _)| (b.to_string(), *gas))
        .collect();
    let receipts = run_bodies(&bodies).await;
    let failures = check(&cases, &receipts);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---- Date: nothing of the node's time zone ------------------------------------------------

const DATE_CALLS: &str = r#"
    const d = new Date(1767225600000 + 3723004);
    const local = new Date(2026, 0, 2, 3, 4, 5, 6);
    const y = new Date(0); y.setYear(95);
    const s = new Date(0); s.setHours(23); s.setDate(31); s.setMonth(11); s.setFullYear(1999);
    return [
      d.getFullYear(), d.getMonth(), d.getDate(), d.getDay(), d.getHours(), d.getMinutes(),
      d.getSeconds(), d.getMilliseconds(), d.getTimezoneOffset(), d.getYear(),
      d.toString(), d.toDateString(), d.toTimeString(), d.toLocaleString(), d.toLocaleDateString(),
      d.toLocaleTimeString(), d.toISOString(), d.toUTCString(), d.toJSON(), String(d), `${d}`,
      d[Symbol.toPrimitive]("default"), local.getTime(), y.getTime(), y.getYear(), s.getTime(),
      Date.parse("2026-01-01"), Date.parse("2026-01-01T00:00"), Date.parse(d.toString()),
      new Date("2026-07-01T12:00:00").getTime(), Date.UTC(2026, 6, 1), Date(), typeof Date.now(),
    ];"#;

/// Runs the Date calls through `isovm exec` with the time zone `tz`; returns its output.
fn exec_with_tz(tz: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let source = format!(
        "class D {{\n  init() {{}}\n  dates() {{ {DATE_CALLS} }}\n}}\nmodule.exports = D;\n"
    );
    let batch = json!({
        "partition": 0,
        "height": 1,
        "timestamp_ms": 1_767_225_600_000u64,
        "producer": "p",
        "txs": [
            {"hash": "1111", "publisher": "alice", "gas_limit": 10_000_000, "actions": [
                {"contract": "system", "method": "deploy", "args": [source, abi(&[("dates", &[])]), "dates"]}
            ]},
            {"hash": "2222", "publisher": "alice", "gas_limit": 10_000_000, "actions": [
                {"contract": "dates", "method": "dates", "args": []}
            ]},
        ],
    });
    let path = dir.path().join("batch.json");
    std::fs::write(&path, batch.to_string()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_isovm"))
        .arg("exec")
        .arg("--db")
        .arg(dir.path().join("db"))
        .arg("--insecure-accept-unsigned-transactions")
        .arg(&path)
        .env("TZ", tz)
        .env("ISOVM_LOG", "warn")
        .env(
            "XDG_CACHE_HOME",
            std::env::temp_dir().join("isovm-test-cache"),
        )
        .output()
        .expect("run isovm");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn date_is_the_same_in_every_time_zone() {
    let utc = exec_with_tz("UTC");
    let new_york = exec_with_tz("America/New_York");
    let tokyo = exec_with_tz("Asia/Tokyo");
    assert!(utc.contains(r#""status":"success""#), "{utc}");
    let receipt: serde_json::Value = serde_json::from_str(utc.lines().nth(1).unwrap()).unwrap();
    assert_eq!(receipt["status"], "success", "{utc}");
    assert_eq!(utc, new_york);
    assert_eq!(utc, tokyo);
    // Spot checks of what UTC means here.
    let returns: serde_json::Value =
        serde_json::from_str(receipt["returns"][0].as_str().unwrap()).unwrap();
    assert_eq!(returns[4], 1, "getHours is getUTCHours: {returns}");
    assert_eq!(returns[8], 0, "getTimezoneOffset: {returns}");
    assert_eq!(returns[10], "Thu, 01 Jan 2026 01:02:03 GMT");
    assert_eq!(
        returns[22], 1_767_323_045_006u64,
        "the constructor's fields are UTC"
    );
    assert_eq!(returns[24], 95, "setYear(95) is 1995 on UTC");
    assert!(returns[27].is_null(), "a time without a zone is refused");
}
