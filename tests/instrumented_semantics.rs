//! Instrumented code computes what plain JavaScript computes: a few hundred small method
//! bodies (coercions, `valueOf`/getter side-effect order, `==` corner cases, computed keys,
//! `this` of guarded calls, updates and compound assignments on every target shape,
//! spread and rest, generators and async functions, ASI) run through the instrumenter and
//! the real engine, and each must return exactly the JSON that Node 20 gives for the same
//! body (the expected values were computed with `node`, strict mode, on the source as
//! written). A short second table lists the documented ways instrumented code differs
//! (`docs/gas.md`, "Guards"): each runs too, and must give its documented value.

mod common;

use common::{Chain, abi, call, tx};
use isovm::schema::Status;
use serde_json::json;

/// (method body, JSON of its return value in Node 20).
const CASES: &[(&str, &str)] = &[
    (
        r##"return [1 - 2, 7 % 3, 2 ** 10, 7 / 2, 5 * 3];"##,
        r##"[-1,1,1024,3.5,15]"##,
    ),
    (
        r##"let a = "6", b = "2"; return [a - b, a * b, a / b, a % b, a ** b];"##,
        r##"[4,12,3,0,36]"##,
    ),
    (
        r##"let a = "0x10", b = " 12 ", c = ""; return [a * 1, b - 0, c * 1];"##,
        r##"[16,12,0]"##,
    ),
    (
        r##"let a = true, b = null, c = undefined; return [a * 2, b * 2, String(c * 2)];"##,
        r##"[2,0,"NaN"]"##,
    ),
    (
        r##"let a = [5], b = [], c = [1, 2]; return [a * 2, b * 2, String(c * 2)];"##,
        r##"[10,0,"NaN"]"##,
    ),
    (
        r##"const o = {valueOf() { return 4; }}; return [o * 2, o - 1, o / 2, o % 3, o ** 2];"##,
        r##"[8,3,2,1,16]"##,
    ),
    (
        r##"const o = {toString() { return "9"; }}; return [o * 1, o - 1];"##,
        r##"[9,8]"##,
    ),
    (
        r##"const o = {[Symbol.toPrimitive](h) { return h === "number" ? 3 : "s"; }}; return [o * 2, o - 1, `${o}`, o + ""];"##,
        r##"[6,2,"s","s"]"##,
    ),
    (
        r##"const o = {valueOf() { return {}; }, toString() { return "7"; }}; return o * 3;"##,
        r##"21"##,
    ),
    (
        r##"const o = {valueOf() { return {}; }, toString() { return {}; }}; try { return o * 1; } catch (e) { return e.constructor.name; }"##,
        r##""TypeError""##,
    ),
    (
        r##"try { return Symbol() * 1; } catch (e) { return e.constructor.name; }"##,
        r##""TypeError""##,
    ),
    (r##"let x = "12abc"; return String(x * 1);"##, r##""NaN""##),
    (
        r##"let a = 5; return [a & 3, a | 8, a ^ 1, a << 2, a >> 1, -a >>> 28, ~a];"##,
        r##"[1,13,4,20,2,15,-6]"##,
    ),
    (
        r##"let a = "5"; return [a & 3, a | 8, a ^ 1, a << 2, a >> 1, a >>> 0, ~a];"##,
        r##"[1,13,4,20,2,5,-6]"##,
    ),
    (
        r##"return [-"3", +"4", ~"5", -true, +null, String(+undefined), +[], +[7]];"##,
        r##"[-3,4,-6,-1,0,"NaN",0,7]"##,
    ),
    (
        r##"const o = {valueOf() { return 8; }}; return [-o, +o, ~o];"##,
        r##"[-8,8,-9]"##,
    ),
    (
        r##"let s = "a".repeat(100); return String(+s);"##,
        r##""NaN""##,
    ),
    (
        r##"let s = "1".repeat(80); return s * 1 > 1e79;"##,
        r##"true"##,
    ),
    (
        r##"let a = 2, b = 3; return a * b - a / b + a % b;"##,
        r##"7.333333333333333"##,
    ),
    (r##"let n = 10; return n - 1 - 1 - 1;"##, r##"7"##),
    (
        r##"let a = 1.5; return [a * 2, a - 0.5, -a];"##,
        r##"[3,1,-1.5]"##,
    ),
    (
        r##"return [0 * -1, Object.is(-0 * 1, -0), 1 / 0, -1 / 0];"##,
        r##"[0,true,null,null]"##,
    ),
    (r##"let a = "3"; let b = a ** "2"; return b;"##, r##"9"##),
    (
        r##"return [1 < 2, 2 <= 2, 3 > 4, 4 >= 4];"##,
        r##"[true,true,false,true]"##,
    ),
    (
        r##"return ["a" < "b", "B" < "a", "10" < "9", 10 < "9", "10" < 9];"##,
        r##"[true,true,true,false,false]"##,
    ),
    (
        r##"let a = "abc", b = "abd"; return [a < b, a > b, a <= a, b >= a];"##,
        r##"[true,false,true,true]"##,
    ),
    (
        r##"return [null < 1, undefined < 1, null >= 0, true > false];"##,
        r##"[true,false,true,true]"##,
    ),
    (
        r##"const o = {valueOf() { return 2; }}; return [o < 3, o > 3, 1 < o];"##,
        r##"[true,false,true]"##,
    ),
    (
        r##"const s = "x".repeat(200), t = "x".repeat(199) + "y"; return [s < t, t < s];"##,
        r##"[true,false]"##,
    ),
    (r##"return [[2] > 1, [1, 2] < 3];"##, r##"[true,false]"##),
    (
        r##"return String(NaN < 1) + String(NaN >= 1);"##,
        r##""falsefalse""##,
    ),
    (
        r##"return [1 + 2, "1" + 2, 1 + "2", true + 1, null + 1, [1] + [2], {} + "", 1 + 2 + "3", "1" + 2 + 3];"##,
        r##"[3,"12","12",2,1,"12","[object Object]","33","123"]"##,
    ),
    (
        r##"const o = {valueOf() { return 1; }, toString() { return "t"; }}; return [o + 1, o + "", `${o}`, [o] + ""];"##,
        r##"[2,"1","t","t"]"##,
    ),
    (
        r##"const d = {[Symbol.toPrimitive](h) { return h; }}; return [d + "", `${d}`, d * 0 || "n"];"##,
        r##"["default","string","n"]"##,
    ),
    (
        r##"let s = ""; for (let i = 0; i < 5; i++) s += i; return s;"##,
        r##""01234""##,
    ),
    (
        r##"let s = "a"; s += "b"; s += 1; return s;"##,
        r##""ab1""##,
    ),
    (r##"let n = 1; n += 2; n += "3"; return n;"##, r##""33""##),
    (
        r##"const o = {p: 1}; o.p += 1; o["p"] += "x"; return o.p;"##,
        r##""2x""##,
    ),
    (
        r##"const o = {}; const k = "q"; o[k] = 1; o[k] += 2; return o;"##,
        r##"{"q":3}"##,
    ),
    (
        r##"let s = "x".repeat(70); let t = s + s; return t.length;"##,
        r##"140"##,
    ),
    (
        r##"return `a${1}b${"c"}d${null}e${undefined}f${[1, 2]}`;"##,
        r##""a1bcdnulleundefinedf1,2""##,
    ),
    (
        r##"const o = {toString() { return "T"; }, valueOf() { return 0; }}; return `${o}` + o;"##,
        r##""T0""##,
    ),
    (
        r##"function tag(s, ...v) { return s.raw.join("|") + v.join(","); } return tag`a${1 + 1}b${"c"}`;"##,
        r##""a|b|2,c""##,
    ),
    (
        r##"return `outer ${`inner ${1 + 1}`}`;"##,
        r##""outer inner 2""##,
    ),
    (r##"return `plain`;"##, r##""plain""##),
    (r##"let a = 1, b = 2; return a + b + a * b;"##, r##"5"##),
    (
        r##"let a = "x", b = "x"; return [a === b, a !== b, a === "x", 1 === 1, null === undefined];"##,
        r##"[true,false,true,true,false]"##,
    ),
    (
        r##"let a = "z".repeat(100), b = "z".repeat(100); return [a === b, a !== b, a === a + ""];"##,
        r##"[true,false,true]"##,
    ),
    (
        r##"let a = {}, b = a; return [a === b, a === {}, NaN === NaN, 0 === -0];"##,
        r##"[true,false,false,true]"##,
    ),
    (
        r##"let x; return [x === undefined, typeof x === "undefined", null === null];"##,
        r##"[true,true,true]"##,
    ),
    (
        r##"const o = {valueOf() { throw new Error("no"); }}; return o === o;"##,
        r##"true"##,
    ),
    (
        r##"const long = "q".repeat(65); return [long === "q".repeat(65), long !== "q"];"##,
        r##"[true,true]"##,
    ),
    (
        r##"return [null == undefined, null == 0, undefined == 0, null == false, undefined == ""];"##,
        r##"[true,false,false,false,false]"##,
    ),
    (
        r##"return [0 == "", 0 == "0", "" == "0", false == "false", false == "0", " \t" == 0];"##,
        r##"[true,true,false,false,true,true]"##,
    ),
    (
        r##"return [[] == false, [] == 0, [] == "", [0] == false, [1] == 1, [1, 2] == "1,2"];"##,
        r##"[true,true,true,true,true,true]"##,
    ),
    (
        r##"return [NaN == NaN, 1 == true, 2 == true, "1" == true, "true" == true];"##,
        r##"[false,true,false,true,false]"##,
    ),
    (
        r##"const o = {valueOf() { return 42; }}; return [o == 42, o == "42", 42 == o, o != 41, o == o, o == {}];"##,
        r##"[true,true,true,true,true,false]"##,
    ),
    (
        r##"const o = {toString() { return "s"; }, valueOf() { return {}; }}; return [o == "s", "s" == o];"##,
        r##"[true,true]"##,
    ),
    (
        r##"const o = {[Symbol.toPrimitive](h) { return h; }}; return [o == "default", o != "number"];"##,
        r##"[true,true]"##,
    ),
    (
        r##"const s = Symbol(); return [s == s, s == Symbol(), s != s];"##,
        r##"[true,false,false]"##,
    ),
    (
        r##"const a = {}; return [a == a, a == null, a != undefined, a == "[object Object]"];"##,
        r##"[true,false,true,true]"##,
    ),
    (
        r##"let x = null; let y; return [x == y, x != y, y == null];"##,
        r##"[true,false,true]"##,
    ),
    (
        r##"let a = "w".repeat(100); return [a == "w".repeat(100), a == 5, a != "w"];"##,
        r##"[true,false,true]"##,
    ),
    (
        r##"let a = "1e3"; return [a == 1000, a != 1000];"##,
        r##"[true,false]"##,
    ),
    (
        r##"return [1 == 1 == 1, (1 == 2) == false, 2 != 1 != false];"##,
        r##"[true,true,true]"##,
    ),
    (
        r##"let a = 5; return [a - 1 == 4, typeof a == "number", typeof a != "string"];"##,
        r##"[true,true,true]"##,
    ),
    (
        r##"const log = []; const a = {valueOf() { log.push("a"); return 1; }}; const b = {valueOf() { log.push("b"); return 1; }}; const r = a == 1 && 1 == b; return [r, log];"##,
        r##"[true,["a","b"]]"##,
    ),
    (
        r##"return [true == 1, false == 0, true == "1", null == null];"##,
        r##"[true,true,true,true]"##,
    ),
    (
        r##"const log = []; const f = (v) => { log.push(v); return v; }; const r = f(2) * f(3) - f(1); return [r, log];"##,
        r##"[5,[2,3,1]]"##,
    ),
    (
        r##"const log = []; const o = {get a() { log.push("get"); return 5; }}; return [o.a * 2, log];"##,
        r##"[10,["get"]]"##,
    ),
    (
        r##"const log = []; const a = {valueOf() { log.push("a"); return 2; }}; const b = {valueOf() { log.push("b"); return 3; }}; return [a * b, a - b, b < a, log];"##,
        r##"[6,-1,false,["a","b","a","b","b","a"]]"##,
    ),
    (
        r##"const log = []; const a = {valueOf() { log.push("a"); return 2; }}; const b = {valueOf() { log.push("b"); return 3; }}; return [a + b, log];"##,
        r##"[5,["a","b"]]"##,
    ),
    (
        r##"const log = []; const a = {toString() { log.push("a"); return "x"; }}; return [`${a}${a}`, log];"##,
        r##"["xx",["a","a"]]"##,
    ),
    (
        r##"const log = []; const k = {toString() { log.push("k"); return "p"; }}; const o = {p: 1}; return [o[k], log];"##,
        r##"[1,["k"]]"##,
    ),
    (
        r##"const log = []; const f = () => { log.push("f"); return {q: 1}; }; f().q++; return log;"##,
        r##"["f"]"##,
    ),
    (
        r##"const log = []; const o = {}; const f = () => { log.push("f"); return o; }; const g = () => { log.push("g"); return "k"; }; f()[g()] = 3; return [o, log];"##,
        r##"[{"k":3},["f","g"]]"##,
    ),
    (
        r##"const log = []; const f = () => { log.push("f"); return {n: 1}; }; const g = () => { log.push("g"); return "n"; }; f()[g()]++; return log;"##,
        r##"["f","g"]"##,
    ),
    (
        r##"const log = []; let i = 0; const a = [10, 20]; a[i++] += 5; return [a, i];"##,
        r##"[[15,20],1]"##,
    ),
    (
        r##"const log = []; const a = [1, 2, 3]; let i = 0; a[i++]++; a[i++]--; return [a, i];"##,
        r##"[[2,1,3],2]"##,
    ),
    (
        r##"const log = []; const f = (x) => { log.push(x); return x; }; return [f(1) === f(2), f(3) !== f(3), log];"##,
        r##"[false,false,[1,2,3,3]]"##,
    ),
    (
        r##"const log = []; const f = (x) => { log.push(x); return x; }; return [f(1) == f("1"), log];"##,
        r##"[true,[1,"1"]]"##,
    ),
    (
        r##"let x = 1; const r = x + (x = 2) + x; return r;"##,
        r##"5"##,
    ),
    (r##"let x = 1; x += (x = 5); return x;"##, r##"6"##),
    (r##"let x = 10; x -= (x = 3); return x;"##, r##"7"##),
    (
        r##"const o = {v: 1}; let k = "v"; o[k] += (k = "w", 1); return o;"##,
        r##"{"v":2}"##,
    ),
    (
        r##"const o = {a: 1, 2: "two"}; const k = "a"; return [o[k], o[2], o["2"], o[1 + 1]];"##,
        r##"[1,"two","two","two"]"##,
    ),
    (
        r##"const o = {}; const s = Symbol("s"); o[s] = 1; return [o[s], typeof Object.getOwnPropertySymbols(o)[0]];"##,
        r##"[1,"symbol"]"##,
    ),
    (
        r##"const k = "k".repeat(100); const o = {}; o[k] = 1; return [o[k], Object.keys(o)[0].length];"##,
        r##"[1,100]"##,
    ),
    (r##"const o = {"1,2": "x"}; return o[[1, 2]];"##, r##""x""##),
    (
        r##"const o = {null: 1, undefined: 2, true: 3}; return [o[null], o[undefined], o[true]];"##,
        r##"[1,2,3]"##,
    ),
    (
        r##"const o = {x: 1}; const k = "x"; return [k in o, "y" in o, 0 in [5]];"##,
        r##"[true,false,true]"##,
    ),
    (
        r##"const o = {x: 1, y: 2}; const k = "x"; delete o[k]; return o;"##,
        r##"{"y":2}"##,
    ),
    (
        r##"const o = null; const k = "x"; return String(o?.[k]);"##,
        r##""undefined""##,
    ),
    (
        r##"const o = {x: {y: 3}}; const k = "x"; return o?.[k]?.["y"];"##,
        r##"3"##,
    ),
    (
        r##"const k = "m"; const o = {[k]: 1, [k + "2"]: 2, ["lit"]: 3}; return o;"##,
        r##"{"m":1,"m2":2,"lit":3}"##,
    ),
    (
        r##"const k = "g"; const o = {get [k]() { return 7; }}; return o.g;"##,
        r##"7"##,
    ),
    (
        r##"const k = "m"; class A { [k]() { return 1; } static [k + "s"]() { return 2; } } return [new A().m(), A.ms()];"##,
        r##"[1,2]"##,
    ),
    (
        r##"const k = "f"; class A { [k] = 5; } return new A().f;"##,
        r##"5"##,
    ),
    (
        r##"const k = "b"; const {[k]: v, ["a"]: w} = {a: 1, b: 2}; return [v, w];"##,
        r##"[2,1]"##,
    ),
    (
        r##"const k = "b"; let v; ({[k]: v} = {b: 9}); return v;"##,
        r##"9"##,
    ),
    (
        r##"const a = [1, 2, 3]; let i = 1; return [a[i], a[i + 1], a[i - 1], a[2]];"##,
        r##"[2,3,1,3]"##,
    ),
    (
        r##"const o = {p: 1}; const key = {toString() { return "p"; }}; return [o[key], key in o];"##,
        r##"[1,true]"##,
    ),
    (
        r##"const m = new Map([["a", 1]]); return m.get("a");"##,
        r##"1"##,
    ),
    (
        r##"const o = {}; o[1.5] = "x"; return Object.keys(o);"##,
        r##"["1.5"]"##,
    ),
    (r##"const o = {x: 1}; return o["x" + ""];"##, r##"1"##),
    (
        r##"const o = {}; return String(o[(1, "z")]);"##,
        r##""undefined""##,
    ),
    (
        r##"const o = {v: 3, m() { return this.v; }}; const k = "m"; return o[k]();"##,
        r##"3"##,
    ),
    (
        r##"const o = {v: 3, m() { return this === o; }}; const k = "m"; return [o[k](), (o[k])()];"##,
        r##"[true,true]"##,
    ),
    (
        r##"class A { m() { return this.v; } } class B extends A { constructor() { super(); this.v = 4; } n(k) { return super[k](); } } return new B().n("m");"##,
        r##"4"##,
    ),
    (
        r##"const o = {f() { return this; }}; const k = "f"; return o[k]() === o;"##,
        r##"true"##,
    ),
    (
        r##"const o = {a: {f() { return this.x; }, x: 6}}; const k = "a"; return o[k].f();"##,
        r##"6"##,
    ),
    (
        r##"const o = {v: 1, m() { return this.v; }}; const k = "m"; return o?.[k]?.();"##,
        r##"1"##,
    ),
    (
        r##"class C { constructor(x) { this.x = x; } } const ns = {C}; const k = "C"; return new ns[k](8).x;"##,
        r##"8"##,
    ),
    (
        r##"const o = {t(s) { return this.p + s[0]; }, p: "P"}; const k = "t"; return o[k]`x`;"##,
        r##""Px""##,
    ),
    (
        r##"let x = "5"; const a = x++; return [a, x, typeof a];"##,
        r##"[5,6,"number"]"##,
    ),
    (
        r##"let x = "5"; const a = ++x; return [a, x];"##,
        r##"[6,6]"##,
    ),
    (
        r##"let x = "5"; const a = x--; const b = --x; return [a, b, x];"##,
        r##"[5,3,3]"##,
    ),
    (
        r##"let x = null; x++; let y; y++; return [x, String(y)];"##,
        r##"[1,"NaN"]"##,
    ),
    (r##"let x = true; x--; return x;"##, r##"0"##),
    (r##"let x = [3]; x++; return x;"##, r##"4"##),
    (
        r##"const o = {valueOf() { return 9; }}; let x = o; const a = x++; return [a, x];"##,
        r##"[9,10]"##,
    ),
    (r##"let x = "abc"; x++; return String(x);"##, r##""NaN""##),
    (
        r##"const o = {p: "2"}; const a = o.p++; return [a, o.p];"##,
        r##"[2,3]"##,
    ),
    (
        r##"const o = {a: {b: "1"}}; ++o.a.b; return o.a.b;"##,
        r##"2"##,
    ),
    (r##"const o = {0: "7"}; o[0]++; return o[0];"##, r##"8"##),
    (r##"const o = {s: "1"}; o["s"]--; return o.s;"##, r##"0"##),
    (
        r##"const o = {p: 1}; const k = "p"; const a = o[k]++; const b = ++o[k]; return [a, b, o.p];"##,
        r##"[1,3,3]"##,
    ),
    (
        r##"const f = () => ({p: "4"}); const o = f(); const g = () => o; g().p++; return o.p;"##,
        r##"5"##,
    ),
    (
        r##"const o = {p: 1}; const g = () => o; const a = --g().p; return [a, o.p];"##,
        r##"[0,0]"##,
    ),
    (
        r##"const a = [[1, 2], [3, 4]]; let i = 1, j = 0; a[i][j]++; return a;"##,
        r##"[[1,2],[4,4]]"##,
    ),
    (
        r##"class A { #p = "3"; inc() { this.#p++; return this.#p; } } return new A().inc();"##,
        r##"4"##,
    ),
    (
        r##"class A { constructor() { this.n = 0; } inc() { this.n++; ++this.n; return this.n; } } return new A().inc();"##,
        r##"2"##,
    ),
    (
        r##"class A { static n = 1; static inc() { A.n++; return this.n++; } } return [A.inc(), A.n];"##,
        r##"[2,3]"##,
    ),
    (
        r##"class B { get v() { return this._v; } set v(x) { this._v = x; } } class C extends B { constructor() { super(); this._v = 1; } inc() { super.v++; return this._v; } } return new C().inc();"##,
        r##"2"##,
    ),
    (
        r##"class B {} class C extends B { inc(k) { this[k] = 1; super[k]++; return this[k]; } } return new C().inc("z");"##,
        r##"null"##,
    ),
    (r##"let x = 1; x++; x++; x--; return x;"##, r##"2"##),
    (
        r##"const a = [0, 0, 0]; for (let i = 0; i < 3; i++) a[i]++; return a;"##,
        r##"[1,1,1]"##,
    ),
    (
        r##"const c = {}; for (const w of ["a", "b", "a"]) c[w] = (c[w] || 0) + 1; return c;"##,
        r##"{"a":2,"b":1}"##,
    ),
    (
        r##"const c = {a: 0}; const words = ["a", "a"]; for (const w of words) c[w]++; return c;"##,
        r##"{"a":2}"##,
    ),
    (
        r##"const o = {n: 0}; const k = "n"; o[k]++, o[k]++; return o.n;"##,
        r##"2"##,
    ),
    (
        r##"let i = 0; const a = [1, 2, 3]; let s = 0; while (i < a.length) s += a[i++]; return s;"##,
        r##"6"##,
    ),
    (
        r##"const o = {p: {valueOf() { return 10; }}}; o.p++; return o.p;"##,
        r##"11"##,
    ),
    (
        r##"const o = Object.freeze({p: 1}); try { o.p++; return "no"; } catch (e) { return e.constructor.name; }"##,
        r##""TypeError""##,
    ),
    (
        r##"const o = Object.freeze({p: "1"}); try { o.p++; return "no"; } catch (e) { return e.constructor.name; }"##,
        r##""TypeError""##,
    ),
    (
        r##"const x = 1; try { x++; return "no"; } catch (e) { return e.constructor.name; }"##,
        r##""TypeError""##,
    ),
    (
        r##"const x = "1"; try { x++; return "no"; } catch (e) { return e.constructor.name; }"##,
        r##""TypeError""##,
    ),
    (
        r##"try { undefinedVariable++; return "no"; } catch (e) { return e.constructor.name; }"##,
        r##""ReferenceError""##,
    ),
    (
        r##"const o = null; try { o.p++; return "no"; } catch (e) { return e.constructor.name; }"##,
        r##""TypeError""##,
    ),
    (
        r##"const a = [5]; const i = 0; const b = a[i]--; return [a, b];"##,
        r##"[[4],5]"##,
    ),
    (
        r##"const a = {b: [1]}; a.b[0]++; return a;"##,
        r##"{"b":[2]}"##,
    ),
    (
        r##"const o = {a: {b: 1}}; const k = "a"; o[k].b++; return o;"##,
        r##"{"a":{"b":2}}"##,
    ),
    (
        r##"const o = {p: 1}; const r = [o.p++, o.p++, ++o.p]; return r;"##,
        r##"[1,2,4]"##,
    ),
    (r##"let x = "10"; x -= 3; return x;"##, r##"7"##),
    (r##"let x = "3"; x *= "4"; return x;"##, r##"12"##),
    (r##"let x = 7; x /= 2; x %= 3; return x;"##, r##"0.5"##),
    (
        r##"let x = 2; x **= 3; x <<= 1; x >>= 2; x >>>= 0; return x;"##,
        r##"4"##,
    ),
    (
        r##"let x = 6; x |= 1; x &= 3; x ^= 2; return x;"##,
        r##"1"##,
    ),
    (r##"const o = {p: "5"}; o.p -= 1; return o.p;"##, r##"4"##),
    (
        r##"const o = {p: 5}; const k = "p"; o[k] *= 2; return o.p;"##,
        r##"10"##,
    ),
    (
        r##"const f = () => o; const o = {p: 8}; f().p /= 2; return o.p;"##,
        r##"4"##,
    ),
    (
        r##"const o = {n: {valueOf() { return 4; }}}; o.n -= 1; return o.n;"##,
        r##"3"##,
    ),
    (
        r##"let x = 5; const r = (x -= 2); return [r, x];"##,
        r##"[3,3]"##,
    ),
    (
        r##"const o = {v: 1}; const k = "v"; const r = (o[k] -= 5); return [r, o.v];"##,
        r##"[-4,-4]"##,
    ),
    (r##"let a = [1]; a -= 1; return a;"##, r##"0"##),
    (
        r##"let x = {valueOf() { return 3; }}; x *= {valueOf() { return 2; }}; return x;"##,
        r##"6"##,
    ),
    (
        r##"let a = null, b = 0, c = 1; a ??= 5; b ||= 6; c &&= 7; return [a, b, c];"##,
        r##"[5,6,7]"##,
    ),
    (
        r##"const o = {}; const k = "z"; o[k] ??= 1; o[k] ??= 2; o.y ||= 3; return o;"##,
        r##"{"z":1,"y":3}"##,
    ),
    (
        r##"const log = []; const o = {get p() { log.push("g"); return 1; }, set p(v) { log.push("s"); }}; o.p ||= 5; o.p &&= 6; return log;"##,
        r##"["g","g","s"]"##,
    ),
    (
        r##"const x = "b"; switch (x) { case "a": return 1; case "b": return 2; default: return 3; }"##,
        r##"2"##,
    ),
    (
        r##"const x = "k".repeat(100); switch (x) { case "k": return 1; case "k".repeat(100): return 2; } return 0;"##,
        r##"2"##,
    ),
    (
        r##"let r = []; for (const x of [1, "1", true]) { switch (x) { case 1: r.push("n"); break; case "1": r.push("s"); break; default: r.push("d"); } } return r;"##,
        r##"["n","s","d"]"##,
    ),
    (
        r##"switch (true) { case 1 > 2: return "a"; case 2 > 1: return "b"; } return "c";"##,
        r##""b""##,
    ),
    (
        r##"let log = []; const f = () => { log.push("f"); return 2; }; switch (f()) { case 1: log.push(1); case 2: log.push(2); case 3: log.push(3); } return log;"##,
        r##"["f",2,3]"##,
    ),
    (
        r##"switch (typeof 1) { case "number": return "num"; } return "?";"##,
        r##""num""##,
    ),
    (
        r##"const o = {a: 1, b: 2}; const ks = []; for (const k in o) ks.push(k); return ks;"##,
        r##"["a","b"]"##,
    ),
    (
        r##"class P { constructor() { this.own = 1; } } P.prototype.inh = 2; const ks = []; for (const k in new P()) ks.push(k); return ks;"##,
        r##"["own","inh"]"##,
    ),
    (
        r##"const ks = []; for (const k in null) ks.push(k); for (const k in undefined) ks.push(k); return ks;"##,
        r##"[]"##,
    ),
    (
        r##"const ks = []; for (const k in "ab") ks.push(k); return ks;"##,
        r##"["0","1"]"##,
    ),
    (
        r##"const ks = []; let k; for (k in [7, 8]) ks.push(k); return [ks, k];"##,
        r##"[["0","1"],"1"]"##,
    ),
    (
        r##"const o = {x: 1}; const t = {}; for (t.k in o); return t;"##,
        r##"{"k":"x"}"##,
    ),
    (
        r##"const a = [1, 2]; return [...a, 3, ...a];"##,
        r##"[1,2,3,1,2]"##,
    ),
    (r##"return [..."héllo"];"##, r##"["h","é","l","l","o"]"##),
    (
        r##"const s = new Set([1, 2, 2, 3]); return [...s];"##,
        r##"[1,2,3]"##,
    ),
    (
        r##"const m = new Map([[1, "a"]]); return [...m];"##,
        r##"[[1,"a"]]"##,
    ),
    (
        r##"function* g() { yield 1; yield 2; } return [...g()];"##,
        r##"[1,2]"##,
    ),
    (
        r##"const f = (...xs) => xs.length; const a = [1, 2, 3]; return [f(...a), f(...a, ...a), f(...[])];"##,
        r##"[3,6,0]"##,
    ),
    (r##"return Math.max(...[1, 5, 3]);"##, r##"5"##),
    (
        r##"class C { constructor(...a) { this.a = a; } } return new C(...[1, 2]).a;"##,
        r##"[1,2]"##,
    ),
    (
        r##"class B { constructor(...a) { this.a = a; } } class C extends B { constructor(...a) { super(...a, 9); } } return new C(1).a;"##,
        r##"[1,9]"##,
    ),
    (
        r##"const o = {a: 1}; return {...o, b: 2, ...{c: 3}};"##,
        r##"{"a":1,"b":2,"c":3}"##,
    ),
    (
        r##"return {...null, ...undefined, ...5, ..."ab"};"##,
        r##"{"0":"a","1":"b"}"##,
    ),
    (
        r##"const [a, ...r] = [1, 2, 3]; return [a, r];"##,
        r##"[1,[2,3]]"##,
    ),
    (
        r##"const [a, ...r] = "xyz"; return [a, r];"##,
        r##"["x",["y","z"]]"##,
    ),
    (
        r##"const [a, ...r] = new Set([4, 5, 6]); return [a, r];"##,
        r##"[4,[5,6]]"##,
    ),
    (
        r##"const {a, ...r} = {a: 1, b: 2, c: 3}; return [a, r];"##,
        r##"[1,{"b":2,"c":3}]"##,
    ),
    (
        r##"let a, r; [a, ...r] = [7, 8]; return [a, r];"##,
        r##"[7,[8]]"##,
    ),
    (
        r##"let a, r; ({a, ...r} = {a: 1, z: 2}); return [a, r];"##,
        r##"[1,{"z":2}]"##,
    ),
    (
        r##"const [a = 5, ...r] = []; return [a, r];"##,
        r##"[5,[]]"##,
    ),
    (r##"const [, ...r] = [1, 2]; return r;"##, r##"[2]"##),
    (
        r##"const [a, ...[b, c]] = [1, 2, 3]; return [a, b, c];"##,
        r##"[1,2,3]"##,
    ),
    (
        r##"const {a: {b}, ...r} = {a: {b: 2}, c: 3}; return [b, r];"##,
        r##"[2,{"c":3}]"##,
    ),
    (
        r##"function f(...args) { return args; } return f(1, 2);"##,
        r##"[1,2]"##,
    ),
    (
        r##"const f = (a, ...[b, c]) => a + b + c; return f(1, 2, 3);"##,
        r##"6"##,
    ),
    (
        r##"try { const {a, ...r} = null; return "no"; } catch (e) { return e.constructor.name; }"##,
        r##""TypeError""##,
    ),
    (
        r##"const x = [1, 2]; let y; const z = ([...y] = x); return [y, z === x];"##,
        r##"[[1,2],true]"##,
    ),
    (
        r##"function f(a, b = a * 2, c = b + "x") { return [a, b, c]; } return [f(1), f(2, 3)];"##,
        r##"[[1,2,"2x"],[2,3,"3x"]]"##,
    ),
    (
        r##"function f({a = 1, b} = {}, [c = 2] = []) { return [a, b, c]; } return f();"##,
        r##"[1,null,2]"##,
    ),
    (
        r##"const k = "p"; function f({[k]: v = 3}) { return v; } return [f({}), f({p: 1})];"##,
        r##"[3,1]"##,
    ),
    (
        r##"function f({[("a" + "b")]: v}) { return v; } return f({ab: 4});"##,
        r##"4"##,
    ),
    (
        r##"let n = 0; function f(a = n++) { return a; } return [f(), f(), f(9), n];"##,
        r##"[0,1,9,2]"##,
    ),
    (
        r##"const o = {k: 1}; function f(a = o["k"] + 1) { return a; } return f();"##,
        r##"2"##,
    ),
    (
        r##"const {a = 1 + 1, b = "x" + 1} = {}; return [a, b];"##,
        r##"[2,"x1"]"##,
    ),
    (
        r##"class A { x = 1 + 1; y = this.x * 3; static z = 2 ** 3; } const a = new A(); return [a.x, a.y, A.z];"##,
        r##"[2,6,8]"##,
    ),
    (
        r##"class A { a; b = undefined; } return Object.keys(new A());"##,
        r##"["a","b"]"##,
    ),
    (
        r##"class A { f = () => this.v; v = 5; } return new A().f();"##,
        r##"5"##,
    ),
    (
        r##"class A { f = () => 1; g = function () {}; } const a = new A(); return [a.f.name, a.g.name];"##,
        r##"["f","g"]"##,
    ),
    (
        r##"class A { static s = 0; static { A.s += 2; A.s *= 3; } } return A.s;"##,
        r##"6"##,
    ),
    (
        r##"class A { #x = 1; static has(o) { return #x in o; } } return [A.has(new A()), A.has({})];"##,
        r##"[true,false]"##,
    ),
    (
        r##"class A { #n = 0; inc() { return ++this.#n; } } const a = new A(); a.inc(); return a.inc();"##,
        r##"2"##,
    ),
    (
        r##"class A { static #c = "4"; static inc() { A.#c++; return A.#c; } } return A.inc();"##,
        r##"5"##,
    ),
    (
        r##"const A = class { y; }; return Object.keys(new A());"##,
        r##"["y"]"##,
    ),
    (
        r##"class A { constructor() { this.a = 1; } } class B extends A { b = this.a + 1; } return new B().b;"##,
        r##"2"##,
    ),
    (
        r##"let i = 0; class A { x = i++; } new A(); new A(); return i;"##,
        r##"2"##,
    ),
    (
        r##"class A { ["a" + "b"] = 1; [1 + 2] = 3; } return new A();"##,
        r##"{"3":3,"ab":1}"##,
    ),
    (
        r##"class A { static { this.v = "s"; this.v += "t"; } } return A.v;"##,
        r##""st""##,
    ),
    (
        r##"class Counter { constructor() { this.c = {}; } add(k) { this.c[k] = (this.c[k] || 0) + 1; this.c[k] += 1; return this.c; } } return new Counter().add("z");"##,
        r##"{"z":2}"##,
    ),
    (
        r##"function* g() { let o = {n: 1}; o.n += yield "first"; return o.n; } const it = g(); it.next(); return it.next(5).value;"##,
        r##"6"##,
    ),
    (
        r##"function* g() { const o = {a: 0}; o[yield "k"]++; return o; } const it = g(); it.next(); return it.next("a").value;"##,
        r##"{"a":1}"##,
    ),
    (
        r##"function* g() { const o = {}; const k = yield; o[k] = (yield) * 2; return o; } const it = g(); it.next(); it.next("q"); return it.next(21).value;"##,
        r##"{"q":42}"##,
    ),
    (
        r##"function* g() { let s = ""; while (s.length < 3) s += yield s.length; return s; } const it = g(); let r = it.next(); while (!r.done) r = it.next("x"); return r.value;"##,
        r##""xxx""##,
    ),
    (
        r##"function* g() { const a = [1, 2]; let i = 0; a[i++] += yield a[i]; return [a, i]; } const it = g(); const first = it.next().value; return [first, it.next(10).value];"##,
        r##"[2,[[11,2],1]]"##,
    ),
    (
        r##"function* g() { yield* [1, 2]; yield 1 + (yield 3); } return [...g()];"##,
        r##"[1,2,3,null]"##,
    ),
    (
        r##"function* g(a) { const o = {x: a}; o.x *= yield o.x; yield o.x; } const it = g(3); return [it.next().value, it.next(4).value];"##,
        r##"[3,12]"##,
    ),
    (
        r##"function* inner() { const k = yield; return k; } function* outer() { const o = {n: 1}; o[yield* inner()]++; return o; } const it = outer(); it.next(); return it.next("n").value;"##,
        r##"{"n":2}"##,
    ),
    (
        r##"async function f() { const o = {n: 1}; o.n += await 2; return o.n; } return f();"##,
        r##"3"##,
    ),
    (
        r##"async function f() { const o = {}; o[await "k"] = 1; return o; } return f();"##,
        r##"{"k":1}"##,
    ),
    (
        r##"const f = async (x) => (await x) * 2 + 1; return f(3);"##,
        r##"7"##,
    ),
    (
        r##"async function f() { let s = "a"; s += await "b"; return s; } return f();"##,
        r##""ab""##,
    ),
    (
        r##"async function* ag() { yield 1; yield 2; } async function f() { let s = 0; for await (const x of ag()) s += x; return s; } return f();"##,
        r##"3"##,
    ),
    (
        r##"const add = (a, b) => a + b; return [add(1, 2), add("a", 1)];"##,
        r##"[3,"a1"]"##,
    ),
    (
        r##"function f(n) { return n < 2 ? n : f(n - 1) + f(n - 2); } return f(15);"##,
        r##"610"##,
    ),
    (
        r##"const mk = (k) => (o) => o[k] + 1; return mk("x")({x: 1});"##,
        r##"2"##,
    ),
    (
        r##"function outer(o, k) { const inner = () => o[k]++; inner(); return o[k]; } return outer({a: 1}, "a");"##,
        r##"2"##,
    ),
    (
        r##"function f(o) { function g(p) { return p.x * 2; } return g(o) + o.y; } return f({x: 2, y: "!"});"##,
        r##""4!""##,
    ),
    (
        r##"const f = function (a) { return `${a}${a.length}`; }; return f("ab");"##,
        r##""ab2""##,
    ),
    (
        r##"const o = {m(a) { return a.b - 1; }}; return o.m({b: 3});"##,
        r##"2"##,
    ),
    (
        r##"return [1, 2, 3].map((x) => x * 2).filter((x) => x > 2).reduce((a, b) => a + b, 0);"##,
        r##"10"##,
    ),
    (
        r##"const o = {n: 0}; [1, 2, 3].forEach((x) => { o.n += x; }); return o.n;"##,
        r##"6"##,
    ),
    (
        r##"let s = 0; for (let i = 0, j = 10; i < j; i++, j--) s += j - i; return s;"##,
        r##"30"##,
    ),
    (
        r##"let i = 0; do i += 2; while (i < 5); return i;"##,
        r##"6"##,
    ),
    (
        r##"outer: for (let i = 0; i < 3; i++) { for (let j = 0; j < 3; j++) { if (i * j === 2) break outer; } } return "done";"##,
        r##""done""##,
    ),
    (
        r##"let n = 0; lbl: { n++; if (n > 0) break lbl; n++; } return n;"##,
        r##"1"##,
    ),
    (
        r##"let a = 1
let b = a
++a
return [a, b];"##,
        r##"[2,1]"##,
    ),
    (
        r##"let x = 1
let y = x
;[x, y] = [y + 1, x + 2]
return [x, y];"##,
        r##"[2,3]"##,
    ),
    (
        r##"let a = 2
const b = a
-1
return b;"##,
        r##"1"##,
    ),
    (
        r##"let s = "a"
const t = s
+ "b"
return t;"##,
        r##""ab""##,
    ),
    (
        r##"let i = 5
i
++
i
return i;"##,
        r##"6"##,
    ),
    (
        r##"const o = {p: 1}
o.p++
return o.p;"##,
        r##"2"##,
    ),
    (r##"let x = 1; if (x) x++; else x--; return x;"##, r##"2"##),
    (r##"let x = 0; while (x < 3) x++; return x;"##, r##"3"##),
    (
        r##"let x = 0; for (;;) { if (x++ > 4) break; } return x;"##,
        r##"6"##,
    ),
    (
        r##"let r = 0; for (const v of [1, 2]) r += v * v; return r;"##,
        r##"5"##,
    ),
    (
        r##"let r = 0; for (const [k, v] of Object.entries({a: 1, b: 2})) r += v; return r;"##,
        r##"3"##,
    ),
    (
        r##"const x = 1; return x + 1 === 2 ? "yes" : "no";"##,
        r##""yes""##,
    ),
    (r##"const x = "s"; return x + 1 == "s1";"##, r##"true"##),
    (
        r##"return [/a+/.test("caat"), "a-b-c".replace(/-/g, "+"), /(\d+)/.exec("ab12")[1]];"##,
        r##"[true,"a+b+c","12"]"##,
    ),
    (r##"return "x1y22".split(/\d+/);"##, r##"["x","y",""]"##),
    (r##"return /[a-z]{2,4}/.test("abc");"##, r##"true"##),
    (r##"return /^\s*$/m.test("a\n \n");"##, r##"true"##),
    (r##"return /./s.test("\n");"##, r##"true"##),
    (r##"return typeof (1 + 2);"##, r##""number""##),
    (
        r##"return [void 0 === undefined, typeof null, typeof function () {}];"##,
        r##"[true,"object","function"]"##,
    ),
    (
        r##"const a = [3, 1, 2]; return a.sort((x, y) => x - y);"##,
        r##"[1,2,3]"##,
    ),
    (
        r##"return JSON.stringify({a: [1, "2"]}) + "!";"##,
        r##""{\"a\":[1,\"2\"]}!""##,
    ),
    (
        r##"const o = {toJSON() { return "J"; }}; return [o];"##,
        r##"["J"]"##,
    ),
    (
        r##"return String(0.1 + 0.2);"##,
        r##""0.30000000000000004""##,
    ),
    (r##"return (123.456).toFixed(1) + 1;"##, r##""123.51""##),
    (
        r##"return parseInt("42px") + parseFloat("1.5") * 2;"##,
        r##"45"##,
    ),
    (
        r##"return ["b", "a"].join("") + "c".toUpperCase();"##,
        r##""baC""##,
    ),
    (r##"let a = 1; a = a + 1; a = a * 2; return a;"##, r##"4"##),
    (
        r##"return [1, 2, 3].indexOf(2) + [1, 2].length;"##,
        r##"3"##,
    ),
    (
        r##"const x = {a: 1}; return Object.keys(x).length + Object.values(x)[0];"##,
        r##"2"##,
    ),
    (r##"return Number("7") + Number(" 8 ");"##, r##"15"##),
    (
        r##"const e = new Error("m"); return e.message + "!";"##,
        r##""m!""##,
    ),
    (
        r##"try { throw new TypeError("t"); } catch ({message}) { return message + "?"; }"##,
        r##""t?""##,
    ),
    (
        r##"try { null.x; } catch (e) { return e instanceof TypeError; }"##,
        r##"true"##,
    ),
    (
        r##"return [1 / 3 > 0.3, 2 ** -1, (-2) ** 2];"##,
        r##"[true,0.5,4]"##,
    ),
    (
        r##"return [Infinity - Infinity, Infinity * 0].map(String);"##,
        r##"["NaN","NaN"]"##,
    ),
    (
        r##"const big = 2 ** 53; return [big + 1 === big, big + 2];"##,
        r##"[true,9007199254740994]"##,
    ),
    (
        r##"return [0.5 | 0, -0.5 | 0, 2 ** 32 | 0, 2 ** 31 >>> 0];"##,
        r##"[0,0,0,2147483648]"##,
    ),
    (
        r##""use strict"
const o = {a: 1}; o.a++; return o.a;"##,
        r##"2"##,
    ),
    (
        r##"function f() { "use strict"
 let x = "2"; x *= 3; return x + 1; } return f();"##,
        r##"7"##,
    ),
    (
        r##"const a = [0, [0, [0, 0]]]; let i = 0; a[1][1][i]++; a[1][1][a[0]++]++; return [a, i];"##,
        r##"[[1,[0,[2,0]]],0]"##,
    ),
    (
        r##"const o = {}; const k = ["a", "b", "c"]; let i = 0; o[k[i++]] = o[k[i]] = i; return [o, i];"##,
        r##"[{"b":1,"a":1},1]"##,
    ),
    (
        r##"const o = {__proto__: {z: 1}, ["__proto__"]: 2}; return [o.z, Object.keys(o)];"##,
        r##"[1,["__proto__"]]"##,
    ),
    (
        r##"let n = 0; outer: while (true) { inner: for (let i = 0; ; i++) { n += i; if (n > 10) break outer; if (i > 3) continue outer; } } return n;"##,
        r##"11"##,
    ),
    (
        r##"let x = 1
let y = x
++y
return [x, y];"##,
        r##"[1,2]"##,
    ),
    (
        r##"try { x * 2; let x = 1; return "no"; } catch (e) { return e.constructor.name; }"##,
        r##""ReferenceError""##,
    ),
    (
        r##"try { x++; let x = 1; return "no"; } catch (e) { return e.constructor.name; }"##,
        r##""ReferenceError""##,
    ),
    (
        r##"try { return typeof x === "number" ? 1 : 2; let x; } catch (e) { return e.constructor.name; }"##,
        r##""ReferenceError""##,
    ),
    (
        r##"const o = {a: {b: {c: "1"}}}; o.a.b.c -= -1; ++o.a["b"].c; return o;"##,
        r##"{"a":{"b":{"c":3}}}"##,
    ),
    (
        r##"function* g() { const o = {a: 1, b: 2}; for (const k in o) { o[k] += yield k; } return o; } const it = g(); let r = it.next(); const ks = []; while (!r.done) { ks.push(r.value); r = it.next(10); } return [ks, r.value];"##,
        r##"[["a","b"],{"a":11,"b":12}]"##,
    ),
    (
        r##"const m = {}; for (const w of "the cat the hat".split(" ")) { m[w] = (m[w] ?? 0) + 1; } return m;"##,
        r##"{"the":2,"cat":1,"hat":1}"##,
    ),
    (
        r##"const f = (a, b = a + 1, {c = b * 2} = {}) => [a, b, c]; return f(1);"##,
        r##"[1,2,4]"##,
    ),
    (
        r##"let s = 0; const t = `${s++}-${s++}-${++s}`; return [t, s];"##,
        r##"["0-1-3",3]"##,
    ),
    (
        r##"class A { static #n = 0; static get n() { return A.#n; } static { A.#n += 5; A.#n **= 2; } } return A.n;"##,
        r##"25"##,
    ),
    (
        r##"const o = {k: 1}; const k = "k"; o[k] -= o[k] -= 1; return o.k;"##,
        r##"1"##,
    ),
    (
        r##"const f = () => ({p: 3}); let r; const o = f(); r = (o.p *= (o.p /= 3)); return [r, o.p];"##,
        r##"[3,3]"##,
    ),
    (
        r##"const a = [1, 2, 3]; const [x, ...rest] = a; rest[0]++; return [x, rest, a];"##,
        r##"[1,[3,3],[1,2,3]]"##,
    ),
    (
        r##"const o = {n: 1}; const k = "n"; return [o[k] == 1, o[k] != "1", o[k] === 1, o["n"] !== 1];"##,
        r##"[true,false,true,false]"##,
    ),
    (
        r##"const s = "s".repeat(64), t = "s".repeat(65); const o = {}; o[s] = 1; o[t] = 2; return [o[s], o[t], s in o, Object.keys(o).length];"##,
        r##"[1,2,true,2]"##,
    ),
];

/// Where instrumented code knowingly differs from JavaScript, deterministically.
struct Deviation {
    body: &'static str,
    /// What the instrumented code returns.
    ours: &'static str,
    /// What Node 20 returns.
    javascript: &'static str,
    why: &'static str,
}

const DEVIATIONS: &[Deviation] = &[
    Deviation {
        body: r##"const log = []; const k = {toString() { log.push("k"); return "p"; }}; const o = {p: 1}; o[k]++; return [o.p, log];"##,
        ours: r##"[2,["k"]]"##,
        javascript: r##"[2,["k","k"]]"##,
        why: "an object key is converted once, by its guard; V8 converts it on the read and again on the write",
    },
    Deviation {
        body: r##"const log = []; const k = {toString() { log.push("k"); return "p"; }}; const o = {p: 1}; o[k] += 1; return [o.p, log];"##,
        ours: r##"[2,["k"]]"##,
        javascript: r##"[2,["k","k"]]"##,
        why: "an object key is converted once, by its guard; V8 converts it on the read and again on the write",
    },
    Deviation {
        body: r##"const log = []; const k = {toString() { log.push("k"); return "p"; }}; const o = {p: 5}; o[k] -= 2; return [o.p, log];"##,
        ours: r##"[3,["k"]]"##,
        javascript: r##"[3,["k","k"]]"##,
        why: "an object key is converted once, by its guard; V8 converts it on the read and again on the write",
    },
    Deviation {
        body: r##"const log = []; const o = {get p() { log.push("get"); return 1; }, set p(v) { log.push("set " + v); }}; o.p++; return log;"##,
        ours: r##"["get","get","set 2"]"##,
        javascript: r##"["get","set 2"]"##,
        why: "the guard of a member update reads the member, then the update reads it again (a getter runs twice)",
    },
    Deviation {
        body: r##"const log = []; const a = {valueOf() { log.push("a"); return 1; }}; const f = () => { log.push("f"); return 2; }; a * f(); return log;"##,
        ours: r##"["a","f"]"##,
        javascript: r##"["f","a"]"##,
        why: "an object operand is converted by its guard as soon as it is evaluated, before the operand to its right",
    },
    Deviation {
        body: r##"const log = []; const a = {valueOf() { log.push("a"); return 1; }}; const f = () => { log.push("f"); return 2; }; a < f(); return log;"##,
        ours: r##"["a","f"]"##,
        javascript: r##"["f","a"]"##,
        why: "an object operand is converted by its guard as soon as it is evaluated, before the operand to its right",
    },
    Deviation {
        body: r##"const log = []; let x = {valueOf() { log.push("x"); return 1; }}; const f = () => { log.push("f"); return 2; }; x -= f(); return log;"##,
        ours: r##"["x","f"]"##,
        javascript: r##"["f","x"]"##,
        why: "the target of a compound assignment is converted before the right-hand side is evaluated",
    },
    Deviation {
        body: r##"const log = []; const k = {toString() { log.push("k"); return "p"; }}; const f = () => { log.push("f"); return {}; }; k in f(); return log;"##,
        ours: r##"["k","f"]"##,
        javascript: r##"["f","k"]"##,
        why: "a key is converted by its guard as soon as it is evaluated, before the operand to its right",
    },
    Deviation {
        body: r##"const log = []; const k = {toString() { log.push("k"); return "p"; }}; const o = {}; const v = () => { log.push("v"); return 1; }; o[k] = v(); return log;"##,
        ours: r##"["k","v"]"##,
        javascript: r##"["v","k"]"##,
        why: "a key is converted by its guard as soon as it is evaluated, before the value stored",
    },
    Deviation {
        body: r##"const x = [1, 2]; let y; const z = ([...y] = new Set([3])); return [y, Array.isArray(z)];"##,
        ours: r##"[[3],true]"##,
        javascript: r##"[[3],false]"##,
        why: "an array destructuring assignment with a rest element evaluates to the array the rest was taken from, collected",
    },
];

/// Runs every body as a method of one contract, one transaction each, in one block; returns
/// what each call returned (or its status and message).
async fn run_all(bodies: &[&str]) -> Vec<String> {
    let methods: String = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| format!("  m{i}() {{ {body} }}\n"))
        .collect();
    let source = format!("class C {{\n  init() {{}}\n{methods}}}\nmodule.exports = C;\n");
    let names: Vec<String> = (0..bodies.len()).map(|i| format!("m{i}")).collect();
    let entries: Vec<(&str, &[&str])> = names.iter().map(|n| (n.as_str(), &[][..])).collect();
    let mut chain = Chain::new();
    chain.deploy(&source, &abi(&entries), "semantics").await;
    let txs = names
        .iter()
        .map(|name| tx("alice", vec![call("semantics", name, json!([]))]))
        .collect();
    let receipts = chain.block(txs).await.receipts;
    assert_eq!(receipts.len(), bodies.len());
    receipts
        .into_iter()
        .map(|receipt| {
            if receipt.status == Status::Success {
                receipt.returns.first().cloned().unwrap_or_default()
            } else {
                format!("{:?}: {}", receipt.status, receipt.message)
            }
        })
        .collect()
}

#[tokio::test]
async fn instrumented_code_computes_what_javascript_computes() {
    let bodies: Vec<&str> = CASES.iter().map(|(body, _)| *body).collect();
    let got = run_all(&bodies).await;
    let failures: Vec<String> = CASES
        .iter()
        .zip(&got)
        .enumerate()
        .filter(|(_, ((_, expected), got))| got != expected)
        .map(|(i, ((body, expected), got))| {
            format!("m{i} {body}\n    expected {expected}\n    got      {got}")
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from JavaScript:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn documented_deviations_are_exactly_as_documented() {
    let bodies: Vec<&str> = DEVIATIONS.iter().map(|d| d.body).collect();
    let got = run_all(&bodies).await;
    for (deviation, got) in DEVIATIONS.iter().zip(&got) {
        assert_ne!(deviation.ours, deviation.javascript, "{}", deviation.body);
        assert_eq!(
            got, deviation.ours,
            "{} ({}; JavaScript gives {})",
            deviation.body, deviation.why, deviation.javascript
        );
    }
}
