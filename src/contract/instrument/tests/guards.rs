//! Exact output of every guard form (`docs/gas.md`, "Guards"), of memory and stack units and of
//! regexp literals. The tables also go through the checks of `tests.rs` that every output
//! must pass (reparses, same lines, deterministic).

use super::check_all;

/// N(x) on the operands of arithmetic, relational and unary numeric operators: names are
/// tested inline, other operands through `__isovm_t`; operands that are always numbers (or
/// cheap literals) are left alone.
pub(super) const NUMERIC_GUARDS: &[(&str, &str)] = &[
    (
        "x = a - b;",
        "__isovm_gas(3);x = (typeof a === \"number\" ? a : __isovm_num(a)) - (typeof b === \"number\" ? b : __isovm_num(b));",
    ),
    (
        "x = a.b % c();",
        "let __isovm_t;__isovm_gas(7);x = (typeof (__isovm_t = a.b) === \"number\" ? __isovm_t : __isovm_num(__isovm_t)) % (typeof (__isovm_t = c()) === \"number\" ? __isovm_t : __isovm_num(__isovm_t));",
    ),
    (
        "x = a ** -b;",
        "__isovm_gas(4);x = (typeof a === \"number\" ? a : __isovm_num(a)) ** -(typeof b === \"number\" ? b : __isovm_num(b));",
    ),
    (
        "x = (a) * 2 + -c;",
        "__isovm_gas(5);x = (typeof a === \"number\" ? a : __isovm_num((a))) * 2 + -(typeof c === \"number\" ? c : __isovm_num(c));",
    ),
    (
        "x = 1 - 2 * (3 / 4);",
        "__isovm_gas(5);x = 1 - 2 * (3 / 4);",
    ),
    (
        "x = a - 1 - 1;",
        "__isovm_gas(4);x = (typeof a === \"number\" ? a : __isovm_num(a)) - 1 - 1;",
    ),
    (
        "x = -a, y = +b.c, z = ~d, w = !e, v = typeof f, u = void g;",
        "let __isovm_t;__isovm_gas(15);x = -(typeof a === \"number\" ? a : __isovm_num(a)), y = +(typeof (__isovm_t = b.c) === \"number\" ? __isovm_t : __isovm_num(__isovm_t)), z = ~(typeof d === \"number\" ? d : __isovm_num(d)), w = !e, v = typeof f, u = void g;",
    ),
    (
        "x = a < b.length, y = a >= \"z\";",
        "let __isovm_t;__isovm_gas(7);x = (typeof a === \"number\" ? a : __isovm_num(a)) < (typeof (__isovm_t = b.length) === \"number\" ? __isovm_t : __isovm_num(__isovm_t)), y = (typeof a === \"number\" ? a : __isovm_num(a)) >= \"z\";",
    ),
    (
        "x = (a | 0) + (b >>> 0);",
        "__isovm_gas(5);x = ((typeof a === \"number\" ? a : __isovm_num(a)) | 0) + ((typeof b === \"number\" ? b : __isovm_num(b)) >>> 0);",
    ),
];

#[test]
fn numeric_operands_are_guarded() {
    check_all(NUMERIC_GUARDS);
}

/// `+`, `+=` and template literals count the string they make; two numbers, constant
/// templates and tagged templates are left alone.
pub(super) const CONCATENATION: &[(&str, &str)] = &[
    (
        "x = a + b;",
        "let __isovm_t;__isovm_gas(3);x = (typeof (__isovm_t = a + b) === \"string\" ? __isovm_cat(__isovm_t) : __isovm_t);",
    ),
    (
        "x = 1 + 2 + a;",
        "let __isovm_t;__isovm_gas(4);x = (typeof (__isovm_t = 1 + 2 + a) === \"string\" ? __isovm_cat(__isovm_t) : __isovm_t);",
    ),
    (
        "x = (a - 1) + (b * 2);",
        "__isovm_gas(5);x = ((typeof a === \"number\" ? a : __isovm_num(a)) - 1) + ((typeof b === \"number\" ? b : __isovm_num(b)) * 2);",
    ),
    (
        "x = \"a\" + \"b\";",
        "let __isovm_t;__isovm_gas(3);x = (typeof (__isovm_t = \"a\" + \"b\") === \"string\" ? __isovm_cat(__isovm_t) : __isovm_t);",
    ),
    ("x = `${a}`;", "__isovm_gas(3);x = __isovm_cat(`${a}`);"),
    (
        "x = tag`${a + b}`;",
        "let __isovm_t;__isovm_gas(6);x = tag`${(typeof (__isovm_t = a + b) === \"string\" ? __isovm_cat(__isovm_t) : __isovm_t)}`;",
    ),
    (
        "x = `a${`b${c}`}`;",
        "__isovm_gas(4);x = __isovm_cat(`a${__isovm_cat(`b${c}`)}`);",
    ),
    (
        "s += t;",
        "let __isovm_t;__isovm_gas(2);(typeof (__isovm_t = s += t) === \"string\" ? __isovm_cat(__isovm_t) : __isovm_t);",
    ),
    (
        "o.p += 1;",
        "let __isovm_t;__isovm_gas(3, 16);(typeof (__isovm_t = o.p += 1) === \"string\" ? __isovm_cat(__isovm_t) : __isovm_t);",
    ),
    (
        "o[k] += 1;",
        "let __isovm_t;__isovm_gas(3, 16);(typeof (__isovm_t = o[(typeof k === \"number\" || (typeof k === \"string\" && k.length <= 64) ? k : __isovm_key(k))] += 1) === \"string\" ? __isovm_cat(__isovm_t) : __isovm_t);",
    ),
];

#[test]
fn concatenations_are_counted() {
    check_all(CONCATENATION);
}

/// S(x) on `===`/`!==` operands, unless one side makes the comparison O(1).
pub(super) const STRICT_EQUALITY: &[(&str, &str)] = &[
    (
        "x = a === b;",
        "__isovm_gas(3);x = (typeof a !== \"string\" || a.length <= 64 ? a : __isovm_str(a)) === (typeof b !== \"string\" || b.length <= 64 ? b : __isovm_str(b));",
    ),
    (
        "x = a.b !== c[d];",
        "let __isovm_t;__isovm_gas(5);x = (typeof (__isovm_t = a.b) !== \"string\" || __isovm_t.length <= 64 ? __isovm_t : __isovm_str(__isovm_t)) !== (typeof (__isovm_t = c[(typeof d === \"number\" || (typeof d === \"string\" && d.length <= 64) ? d : __isovm_key(d))]) !== \"string\" || __isovm_t.length <= 64 ? __isovm_t : __isovm_str(__isovm_t));",
    ),
    (
        "x = a === \"s\" && b !== 1 && c === null && d !== true && e === undefined && typeof f === g;",
        "__isovm_gas(14);x = a === \"s\" && b !== 1 && c === null && d !== true && e === undefined && typeof f === g;",
    ),
    (
        "x = a === \"0123456789012345678901234567890123456789012345678901234567890123456789\";",
        "let __isovm_t;__isovm_gas(3);x = (typeof a !== \"string\" || a.length <= 64 ? a : __isovm_str(a)) === (typeof (__isovm_t = \"0123456789012345678901234567890123456789012345678901234567890123456789\") !== \"string\" || __isovm_t.length <= 64 ? __isovm_t : __isovm_str(__isovm_t));",
    ),
    ("x = a === `short`;", "__isovm_gas(4);x = a === `short`;"),
];

#[test]
fn strict_equality_operands_are_guarded() {
    check_all(STRICT_EQUALITY);
}

/// `==`/`!=` become `__isovm_eq(…)`: the operator token is replaced by `,`, comments and line
/// breaks around it kept.
pub(super) const LOOSE_EQUALITY: &[(&str, &str)] = &[
    (
        "x = a == b, y = a != b;",
        "__isovm_gas(6);x = __isovm_eq(a , b), y = !__isovm_eq(a , b);",
    ),
    (
        "x = a /* c */ == /* d */ b;",
        "__isovm_gas(3);x = __isovm_eq(a /* c */ , /* d */ b);",
    ),
    ("x = a\n  == b;", "__isovm_gas(3);x = __isovm_eq(a\n  , b);"),
    (
        "x = a == null || b != undefined || typeof c == \"string\" || 1 - d == 2 * e;",
        "__isovm_gas(12);x = a == null || b != undefined || typeof c == \"string\" || 1 - (typeof d === \"number\" ? d : __isovm_num(d)) == 2 * (typeof e === \"number\" ? e : __isovm_num(e));",
    ),
    (
        "x = a == b == c;",
        "__isovm_gas(4);x = __isovm_eq(__isovm_eq(a , b) , c);",
    ),
    (
        "x = f(a) != g(b);",
        "__isovm_gas(9);x = !__isovm_eq(f(a) , g(b));",
    ),
];

#[test]
fn loose_equality_becomes_a_call() {
    check_all(LOOSE_EQUALITY);
}

/// K(k) on every computed key: reads, calls (still member calls), `new`, `delete`, `?.[]`,
/// `in`, object literals, patterns, classes, `super`.
pub(super) const KEYS: &[(&str, &str)] = &[
    (
        "x = o[k];",
        "__isovm_gas(3);x = o[(typeof k === \"number\" || (typeof k === \"string\" && k.length <= 64) ? k : __isovm_key(k))];",
    ),
    (
        "x = o[0] + o[\"s\"] + o[i - 1];",
        "let __isovm_t;__isovm_gas(8);x = (typeof (__isovm_t = (typeof (__isovm_t = o[0] + o[\"s\"]) === \"string\" ? __isovm_cat(__isovm_t) : __isovm_t) + o[(typeof i === \"number\" ? i : __isovm_num(i)) - 1]) === \"string\" ? __isovm_cat(__isovm_t) : __isovm_t);",
    ),
    (
        "x = o[\"0123456789012345678901234567890123456789012345678901234567890123456789\"];",
        "let __isovm_t;__isovm_gas(3);x = o[(typeof (__isovm_t = \"0123456789012345678901234567890123456789012345678901234567890123456789\") === \"number\" || (typeof __isovm_t === \"string\" && __isovm_t.length <= 64) ? __isovm_t : __isovm_key(__isovm_t))];",
    ),
    (
        "x = o[a, b];",
        "let __isovm_t;__isovm_gas(4);x = o[(typeof (__isovm_t = (a, b)) === \"number\" || (typeof __isovm_t === \"string\" && __isovm_t.length <= 64) ? __isovm_t : __isovm_key(__isovm_t))];",
    ),
    (
        "o[k](1);",
        "__isovm_gas(5);o[(typeof k === \"number\" || (typeof k === \"string\" && k.length <= 64) ? k : __isovm_key(k))](1);",
    ),
    (
        "new a.b[c]();",
        "__isovm_gas(6, 32);new a.b[(typeof c === \"number\" || (typeof c === \"string\" && c.length <= 64) ? c : __isovm_key(c))]();",
    ),
    (
        "delete o[k];",
        "__isovm_gas(3);delete o[(typeof k === \"number\" || (typeof k === \"string\" && k.length <= 64) ? k : __isovm_key(k))];",
    ),
    (
        "x = o?.[k];",
        "__isovm_gas(3);x = o?.[(typeof k === \"number\" || (typeof k === \"string\" && k.length <= 64) ? k : __isovm_key(k))];",
    ),
    (
        "x = k in o;",
        "__isovm_gas(3);x = (typeof k === \"number\" || (typeof k === \"string\" && k.length <= 64) ? k : __isovm_key(k)) in o;",
    ),
    (
        "x = {[k]: 1, [f()]() {}, get [g]() { return 1; }};",
        "let __isovm_t;__isovm_gas(13, 272);x = {[(typeof k === \"number\" || (typeof k === \"string\" && k.length <= 64) ? k : __isovm_key(k))]: 1, [(typeof (__isovm_t = f()) === \"number\" || (typeof __isovm_t === \"string\" && __isovm_t.length <= 64) ? __isovm_t : __isovm_key(__isovm_t))]() {__isovm_enter(1, 18);try{}finally{__isovm_exit(18)}}, get [(typeof g === \"number\" || (typeof g === \"string\" && g.length <= 64) ? g : __isovm_key(g))]() {__isovm_enter(2, 24);try{ return 1; }finally{__isovm_exit(24)}}};",
    ),
    (
        "const {[k]: v, [f()]: w} = o;",
        "let __isovm_t;__isovm_gas(7);const {[(typeof k === \"number\" || (typeof k === \"string\" && k.length <= 64) ? k : __isovm_key(k))]: v, [(typeof (__isovm_t = f()) === \"number\" || (typeof __isovm_t === \"string\" && __isovm_t.length <= 64) ? __isovm_t : __isovm_key(__isovm_t))]: w} = o;",
    ),
    (
        "({[k]: v} = o);",
        "__isovm_gas(4);({[(typeof k === \"number\" || (typeof k === \"string\" && k.length <= 64) ? k : __isovm_key(k))]: v} = o);",
    ),
    (
        "class A { [k] = 1; static [f()]() {} }",
        "let __isovm_t;__isovm_gas(6, 352);class A { [(typeof k === \"number\" || (typeof k === \"string\" && k.length <= 64) ? k : __isovm_key(k))] = (__isovm_gas(1, 16), 1); static [(typeof (__isovm_t = f()) === \"number\" || (typeof __isovm_t === \"string\" && __isovm_t.length <= 64) ? __isovm_t : __isovm_key(__isovm_t))]() {__isovm_enter(1, 18);try{}finally{__isovm_exit(18)}} }",
    ),
    (
        "class A extends B { m() { return super[k]; } }",
        "__isovm_gas(3, 352);class A extends B { m() {__isovm_enter(3, 27);try{ return super[(typeof k === \"number\" || (typeof k === \"string\" && k.length <= 64) ? k : __isovm_key(k))]; }finally{__isovm_exit(27)}} }",
    ),
];

#[test]
fn computed_keys_are_guarded() {
    check_all(KEYS);
}

/// `++`/`--` on every target shape: names and simple members repeated, anything else held in
/// `__isovm_oN`/`__isovm_kN` (nested targets get their own `N`; `super` is never held).
pub(super) const UPDATES: &[(&str, &str)] = &[
    (
        "x++;",
        "__isovm_gas(2);(typeof x === \"number\" || (x = __isovm_num(x)), x++);",
    ),
    (
        "--x;",
        "__isovm_gas(2);(typeof x === \"number\" || (x = __isovm_num(x)), --x);",
    ),
    (
        "o.p--;",
        "__isovm_gas(3);(typeof o.p === \"number\" || (o.p = __isovm_num(o.p)), o.p--);",
    ),
    (
        "++this.q;",
        "__isovm_gas(3);(typeof this.q === \"number\" || (this.q = __isovm_num(this.q)), ++this.q);",
    ),
    (
        "super.r++;",
        "__isovm_gas(3);(typeof super.r === \"number\" || (super.r = __isovm_num(super.r)), super.r++);",
    ),
    (
        "a.b.c++;",
        "__isovm_gas(4);(typeof a.b.c === \"number\" || (a.b.c = __isovm_num(a.b.c)), a.b.c++);",
    ),
    (
        "this.#p++;",
        "__isovm_gas(3);(typeof this.#p === \"number\" || (this.#p = __isovm_num(this.#p)), this.#p++);",
    ),
    (
        "o[0]++;",
        "__isovm_gas(3);(typeof o[0] === \"number\" || (o[0] = __isovm_num(o[0])), o[0]++);",
    ),
    (
        "o[\"s\"]--;",
        "__isovm_gas(3);(typeof o[\"s\"] === \"number\" || (o[\"s\"] = __isovm_num(o[\"s\"])), o[\"s\"]--);",
    ),
    (
        "o[k]++;",
        "let __isovm_o0, __isovm_k0;__isovm_gas(3);(__isovm_o0 = o, __isovm_k0 = (typeof k === \"number\" || (typeof k === \"string\" && k.length <= 64) ? k : __isovm_key(k)), typeof __isovm_o0[__isovm_k0] === \"number\" || (__isovm_o0[__isovm_k0] = __isovm_num(__isovm_o0[__isovm_k0])), __isovm_o0[__isovm_k0]++);",
    ),
    (
        "++o[k];",
        "let __isovm_o0, __isovm_k0;__isovm_gas(3);(__isovm_o0 = o, __isovm_k0 = (typeof k === \"number\" || (typeof k === \"string\" && k.length <= 64) ? k : __isovm_key(k)), typeof __isovm_o0[__isovm_k0] === \"number\" || (__isovm_o0[__isovm_k0] = __isovm_num(__isovm_o0[__isovm_k0])), ++__isovm_o0[__isovm_k0]);",
    ),
    (
        "f().p++;",
        "let __isovm_o0;__isovm_gas(6);(__isovm_o0 = f(), typeof __isovm_o0.p === \"number\" || (__isovm_o0.p = __isovm_num(__isovm_o0.p)), __isovm_o0.p++);",
    ),
    (
        "--f().p;",
        "let __isovm_o0;__isovm_gas(6);(__isovm_o0 = f(), typeof __isovm_o0.p === \"number\" || (__isovm_o0.p = __isovm_num(__isovm_o0.p)), --__isovm_o0.p);",
    ),
    (
        "f()[0]++;",
        "let __isovm_o0;__isovm_gas(6);(__isovm_o0 = f(), typeof __isovm_o0[0] === \"number\" || (__isovm_o0[0] = __isovm_num(__isovm_o0[0])), __isovm_o0[0]++);",
    ),
    (
        "f()[k]--;",
        "let __isovm_o0, __isovm_k0;__isovm_gas(6);(__isovm_o0 = f(), __isovm_k0 = (typeof k === \"number\" || (typeof k === \"string\" && k.length <= 64) ? k : __isovm_key(k)), typeof __isovm_o0[__isovm_k0] === \"number\" || (__isovm_o0[__isovm_k0] = __isovm_num(__isovm_o0[__isovm_k0])), __isovm_o0[__isovm_k0]--);",
    ),
    (
        "++f()[g()];",
        "let __isovm_o0, __isovm_k0;__isovm_gas(9);(__isovm_o0 = f(), __isovm_k0 = __isovm_key(g()), typeof __isovm_o0[__isovm_k0] === \"number\" || (__isovm_o0[__isovm_k0] = __isovm_num(__isovm_o0[__isovm_k0])), ++__isovm_o0[__isovm_k0]);",
    ),
    (
        "a[b][c]++;",
        "let __isovm_o0, __isovm_k0;__isovm_gas(4);(__isovm_o0 = a[(typeof b === \"number\" || (typeof b === \"string\" && b.length <= 64) ? b : __isovm_key(b))], __isovm_k0 = (typeof c === \"number\" || (typeof c === \"string\" && c.length <= 64) ? c : __isovm_key(c)), typeof __isovm_o0[__isovm_k0] === \"number\" || (__isovm_o0[__isovm_k0] = __isovm_num(__isovm_o0[__isovm_k0])), __isovm_o0[__isovm_k0]++);",
    ),
    (
        "super[k]++;",
        "let __isovm_k0;__isovm_gas(3);(__isovm_k0 = (typeof k === \"number\" || (typeof k === \"string\" && k.length <= 64) ? k : __isovm_key(k)), typeof super[__isovm_k0] === \"number\" || (super[__isovm_k0] = __isovm_num(super[__isovm_k0])), super[__isovm_k0]++);",
    ),
    (
        "--super[f()];",
        "let __isovm_k0;__isovm_gas(6);(__isovm_k0 = __isovm_key(f()), typeof super[__isovm_k0] === \"number\" || (super[__isovm_k0] = __isovm_num(super[__isovm_k0])), --super[__isovm_k0]);",
    ),
    (
        "o[a, b]++;",
        "let __isovm_o0, __isovm_k0;__isovm_gas(4);(__isovm_o0 = o, __isovm_k0 = __isovm_key((a, b)), typeof __isovm_o0[__isovm_k0] === \"number\" || (__isovm_o0[__isovm_k0] = __isovm_num(__isovm_o0[__isovm_k0])), __isovm_o0[__isovm_k0]++);",
    ),
    (
        "o[i - 1]++;",
        "let __isovm_o0, __isovm_k0;__isovm_gas(4);(__isovm_o0 = o, __isovm_k0 = (typeof i === \"number\" ? i : __isovm_num(i)) - 1, typeof __isovm_o0[__isovm_k0] === \"number\" || (__isovm_o0[__isovm_k0] = __isovm_num(__isovm_o0[__isovm_k0])), __isovm_o0[__isovm_k0]++);",
    ),
    (
        "o[p[q]++]++;",
        "let __isovm_o0, __isovm_k0, __isovm_o1, __isovm_k1;__isovm_gas(5);(__isovm_o0 = o, __isovm_k0 = (__isovm_o1 = p, __isovm_k1 = (typeof q === \"number\" || (typeof q === \"string\" && q.length <= 64) ? q : __isovm_key(q)), typeof __isovm_o1[__isovm_k1] === \"number\" || (__isovm_o1[__isovm_k1] = __isovm_num(__isovm_o1[__isovm_k1])), __isovm_o1[__isovm_k1]++), typeof __isovm_o0[__isovm_k0] === \"number\" || (__isovm_o0[__isovm_k0] = __isovm_num(__isovm_o0[__isovm_k0])), __isovm_o0[__isovm_k0]++);",
    ),
    (
        "(x)++;",
        "__isovm_gas(2);(typeof x === \"number\" || (x = __isovm_num(x)), (x)++);",
    ),
    (
        "(o.p)++;",
        "__isovm_gas(3);(typeof o.p === \"number\" || (o.p = __isovm_num(o.p)), (o.p)++);",
    ),
];

#[test]
fn update_targets_are_guarded() {
    check_all(UPDATES);
}

/// Compound arithmetic assignments guard their target like updates and their right side
/// like an operand; logical assignments only guard a computed key.
pub(super) const COMPOUND: &[(&str, &str)] = &[
    (
        "x -= 1;",
        "__isovm_gas(2);(typeof x === \"number\" || (x = __isovm_num(x)), x -= 1);",
    ),
    (
        "o.p *= y;",
        "__isovm_gas(3, 16);(typeof o.p === \"number\" || (o.p = __isovm_num(o.p)), o.p *= (typeof y === \"number\" ? y : __isovm_num(y)));",
    ),
    (
        "o[k] /= f();",
        "let __isovm_t, __isovm_o0, __isovm_k0;__isovm_gas(6, 16);(__isovm_o0 = o, __isovm_k0 = (typeof k === \"number\" || (typeof k === \"string\" && k.length <= 64) ? k : __isovm_key(k)), typeof __isovm_o0[__isovm_k0] === \"number\" || (__isovm_o0[__isovm_k0] = __isovm_num(__isovm_o0[__isovm_k0])), __isovm_o0[__isovm_k0] /= (typeof (__isovm_t = f()) === \"number\" ? __isovm_t : __isovm_num(__isovm_t)));",
    ),
    (
        "f().p %= 2;",
        "let __isovm_o0;__isovm_gas(6, 16);(__isovm_o0 = f(), typeof __isovm_o0.p === \"number\" || (__isovm_o0.p = __isovm_num(__isovm_o0.p)), __isovm_o0.p %= 2);",
    ),
    (
        "x **= y, x <<= y, x >>= y, x >>>= y, x |= y, x ^= y, x &= y;",
        "__isovm_gas(9);(typeof x === \"number\" || (x = __isovm_num(x)), x **= (typeof y === \"number\" ? y : __isovm_num(y))), (typeof x === \"number\" || (x = __isovm_num(x)), x <<= (typeof y === \"number\" ? y : __isovm_num(y))), (typeof x === \"number\" || (x = __isovm_num(x)), x >>= (typeof y === \"number\" ? y : __isovm_num(y))), (typeof x === \"number\" || (x = __isovm_num(x)), x >>>= (typeof y === \"number\" ? y : __isovm_num(y))), (typeof x === \"number\" || (x = __isovm_num(x)), x |= (typeof y === \"number\" ? y : __isovm_num(y))), (typeof x === \"number\" || (x = __isovm_num(x)), x ^= (typeof y === \"number\" ? y : __isovm_num(y))), (typeof x === \"number\" || (x = __isovm_num(x)), x &= (typeof y === \"number\" ? y : __isovm_num(y)));",
    ),
    (
        "x ??= y, o[k] ||= 1, o.p &&= f();",
        "__isovm_gas(10, 32);x ??= y, o[(typeof k === \"number\" || (typeof k === \"string\" && k.length <= 64) ? k : __isovm_key(k))] ||= 1, o.p &&= f();",
    ),
    // The right side runs while the target holds its temporaries: its own get the next index.
    (
        "o[k] -= p[q] -= 1;",
        "let __isovm_o0, __isovm_k0, __isovm_o1, __isovm_k1;__isovm_gas(5, 32);(__isovm_o0 = o, __isovm_k0 = (typeof k === \"number\" || (typeof k === \"string\" && k.length <= 64) ? k : __isovm_key(k)), typeof __isovm_o0[__isovm_k0] === \"number\" || (__isovm_o0[__isovm_k0] = __isovm_num(__isovm_o0[__isovm_k0])), __isovm_o0[__isovm_k0] -= (__isovm_o1 = p, __isovm_k1 = (typeof q === \"number\" || (typeof q === \"string\" && q.length <= 64) ? q : __isovm_key(q)), typeof __isovm_o1[__isovm_k1] === \"number\" || (__isovm_o1[__isovm_k1] = __isovm_num(__isovm_o1[__isovm_k1])), __isovm_o1[__isovm_k1] -= 1));",
    ),
    (
        "f().p *= (g().q /= 2);",
        "let __isovm_o0, __isovm_o1;__isovm_gas(11, 32);(__isovm_o0 = f(), typeof __isovm_o0.p === \"number\" || (__isovm_o0.p = __isovm_num(__isovm_o0.p)), __isovm_o0.p *= ((__isovm_o1 = g(), typeof __isovm_o1.q === \"number\" || (__isovm_o1.q = __isovm_num(__isovm_o1.q)), __isovm_o1.q /= 2)));",
    ),
];

#[test]
fn compound_assignment_targets_are_guarded() {
    check_all(COMPOUND);
}

/// `switch` discriminants, `for-in` objects, spreads.
pub(super) const SWITCH_FORIN_SPREAD: &[(&str, &str)] = &[
    (
        "switch (x) { case 1: break; case 2: default: }",
        "__isovm_gas(1);switch (__isovm_case(x, 2)) { case 1: __isovm_gas(1);break; case 2: default: }",
    ),
    (
        "switch (1) { case 1: }",
        "__isovm_gas(1);switch (1) { case 1: }",
    ),
    (
        "switch (typeof x) { case \"a\": }",
        "__isovm_gas(2);switch (typeof x) { case \"a\": }",
    ),
    (
        "switch (a, b) { case 1: }",
        "__isovm_gas(2);switch (__isovm_case((a, b), 1)) { case 1: }",
    ),
    (
        "for (k in o) {}",
        "__isovm_gas(1);for (k in __isovm_forin(o)) {__isovm_gas(1);}",
    ),
    (
        "for (k in a, b) {}",
        "__isovm_gas(2);for (k in __isovm_forin((a, b))) {__isovm_gas(1);}",
    ),
    (
        "f(...a, b, ...c);",
        "__isovm_gas(6);f(...__isovm_args(a), b, ...__isovm_args(c));",
    ),
    (
        "new C(...a);",
        "__isovm_gas(5, 32);new C(...__isovm_args(a));",
    ),
    (
        "super(...args);",
        "__isovm_gas(5);super(...__isovm_args(args));",
    ),
    (
        "x = [...a, 1];",
        "__isovm_gas(6, 48);x = [...__isovm_spread(a), 1];",
    ),
    (
        "x = {...o, a: 1};",
        "__isovm_gas(6, 64);x = {...__isovm_rest(o), a: 1};",
    ),
];

#[test]
fn switch_for_in_and_spreads() {
    check_all(SWITCH_FORIN_SPREAD);
}

/// Rest elements at the top level of a declaration or assignment: the value is wrapped.
pub(super) const REST: &[(&str, &str)] = &[
    (
        "const [a, ...r] = x;",
        "__isovm_gas(4);const [a, ...r] = __isovm_spread(x);",
    ),
    (
        "let {a, ...r} = o;",
        "__isovm_gas(4);let {a, ...r} = __isovm_rest(o);",
    ),
    (
        "[a, ...r] = x;",
        "__isovm_gas(5);[a, ...r] = __isovm_spread(x);",
    ),
    (
        "({a, ...r} = o);",
        "__isovm_gas(5);({a, ...r} = __isovm_rest(o));",
    ),
    (
        "function f(...args) { return args; }",
        "__isovm_gas(1, 96);function f(...args) {__isovm_enter(3, 34);try{ return args; }finally{__isovm_exit(34)}}",
    ),
    (
        "function f(...[a, b]) {}",
        "__isovm_gas(1, 96);function f(...[a, b]) {__isovm_enter(2, 28);try{}finally{__isovm_exit(28)}}",
    ),
    (
        "const [a, ...[b, c]] = x;",
        "__isovm_gas(7);const [a, ...[b, c]] = __isovm_spread(x);",
    ),
];

#[test]
fn top_level_rest_elements_wrap_the_value() {
    check_all(REST);
}

/// Temporaries are declared once per scope that runs code of its own: the program, a
/// function body (expression arrows too), a static block, an inline value's frame.
pub(super) const TEMPORARIES: &[(&str, &str)] = &[
    (
        "x = a + b;\ny = c.d * e;",
        "let __isovm_t;__isovm_gas(7);x = (typeof (__isovm_t = a + b) === \"string\" ? __isovm_cat(__isovm_t) : __isovm_t);\ny = (typeof (__isovm_t = c.d) === \"number\" ? __isovm_t : __isovm_num(__isovm_t)) * (typeof e === \"number\" ? e : __isovm_num(e));",
    ),
    (
        "function f() { return a + b; }",
        "__isovm_gas(1, 96);function f() {__isovm_enter(3, 31);let __isovm_t;try{ return (typeof (__isovm_t = a + b) === \"string\" ? __isovm_cat(__isovm_t) : __isovm_t); }finally{__isovm_exit(31)}}",
    ),
    (
        "function f() { function g() { return a.b * 2; } return c[d] + e; }",
        "__isovm_gas(1, 96);function f() {__isovm_enter(5, 49, 96);let __isovm_t;try{ function g() {__isovm_enter(4, 32);let __isovm_t;try{ return (typeof (__isovm_t = a.b) === \"number\" ? __isovm_t : __isovm_num(__isovm_t)) * 2; }finally{__isovm_exit(32)}} return (typeof (__isovm_t = c[(typeof d === \"number\" || (typeof d === \"string\" && d.length <= 64) ? d : __isovm_key(d))] + e) === \"string\" ? __isovm_cat(__isovm_t) : __isovm_t); }finally{__isovm_exit(49)}}",
    ),
    (
        "const f = x => x.a + 1;",
        "__isovm_gas(3, 96);const f = x => {__isovm_enter(4, 22);let __isovm_t;try{return ((typeof (__isovm_t = x.a + 1) === \"string\" ? __isovm_cat(__isovm_t) : __isovm_t))}finally{__isovm_exit(22)}};",
    ),
    (
        "function* g() { x = yield a.b * (yield); o[yield k]++; }",
        "__isovm_gas(1, 96);function* g() {__isovm_enter(11, 44, 448);let __isovm_t, __isovm_o0, __isovm_k0;try{ x = yield (typeof (__isovm_t = a.b) === \"number\" ? __isovm_t : __isovm_num(__isovm_t)) * (typeof (__isovm_t = (yield)) === \"number\" ? __isovm_t : __isovm_num(__isovm_t)); ;(__isovm_o0 = o, __isovm_k0 = __isovm_key(yield k), typeof __isovm_o0[__isovm_k0] === \"number\" || (__isovm_o0[__isovm_k0] = __isovm_num(__isovm_o0[__isovm_k0])), __isovm_o0[__isovm_k0]++); }finally{__isovm_exit(44)}}",
    ),
    (
        "async function f() { return (await a) + (await b); }",
        "__isovm_gas(1, 96);async function f() {__isovm_enter(5, 42, 432);let __isovm_t;try{ return (typeof (__isovm_t = (await a) + (await b)) === \"string\" ? __isovm_cat(__isovm_t) : __isovm_t); }finally{__isovm_exit(42)}}",
    ),
    (
        "class A { static { x = a.b * 2; } }",
        "__isovm_gas(3, 256);class A { static { let __isovm_t;__isovm_gas(4);x = (typeof (__isovm_t = a.b) === \"number\" ? __isovm_t : __isovm_num(__isovm_t)) * 2; } }",
    ),
    (
        "class A { x = a.b * 2; }",
        "__isovm_gas(3, 256);class A { x = __isovm_frame(3, 19, () => {let __isovm_t;return ((typeof (__isovm_t = a.b) === \"number\" ? __isovm_t : __isovm_num(__isovm_t)) * 2)}, 16); }",
    ),
    (
        "function f(a = b.c * 2) {}",
        "__isovm_gas(1, 96);function f(a = __isovm_frame(3, 19, () => {let __isovm_t;return ((typeof (__isovm_t = b.c) === \"number\" ? __isovm_t : __isovm_num(__isovm_t)) * 2)})) {__isovm_enter(2, 29);try{}finally{__isovm_exit(29)}}",
    ),
    (
        "function f(a = b * 2) {}",
        "__isovm_gas(1, 96);function f(a = __isovm_frame(2, 18, () => ((typeof b === \"number\" ? b : __isovm_num(b)) * 2))) {__isovm_enter(2, 28);try{}finally{__isovm_exit(28)}}",
    ),
    (
        "function f({[k]: v, [a.b]: w}, c = o[x] + 1) { return v; }",
        "__isovm_gas(1, 96);function f({[(typeof k === \"number\" || (typeof k === \"string\" && k.length <= 64) ? k : __isovm_key(k))]: v, [__isovm_frame(2, 17, () => {let __isovm_t;return ((typeof (__isovm_t = a.b) === \"number\" || (typeof __isovm_t === \"string\" && __isovm_t.length <= 64) ? __isovm_t : __isovm_key(__isovm_t)))})]: w}, c = __isovm_frame(3, 20, () => {let __isovm_t;return ((typeof (__isovm_t = o[(typeof x === \"number\" || (typeof x === \"string\" && x.length <= 64) ? x : __isovm_key(x))] + 1) === \"string\" ? __isovm_cat(__isovm_t) : __isovm_t))})) {__isovm_enter(4, 45);try{ return v; }finally{__isovm_exit(45)}}",
    ),
];

#[test]
fn temporaries_are_declared_per_scope() {
    check_all(TEMPORARIES);
}

/// Memory units fold into the static charges: literals, `new`, functions (declarations when
/// their scope is entered), classes, property stores, suspending entries, fields.
pub(super) const MEMORY: &[(&str, &str)] = &[
    (
        "function f(a = [b]) {}",
        "__isovm_gas(1, 96);function f(a = (__isovm_gas(3, 40), [b])) {__isovm_enter(2, 27);try{}finally{__isovm_exit(27)}}",
    ),
    ("x = {a: 1, b};", "__isovm_gas(5, 64);x = {a: 1, b};"),
    ("x = [1, , 3];", "__isovm_gas(6, 56);x = [1, , 3];"),
    ("x = new C();", "__isovm_gas(5, 32);x = new C();"),
    (
        "x = function () {};",
        "__isovm_gas(4, 96);x = function () {__isovm_enter(1, 23);try{}finally{__isovm_exit(23)}};",
    ),
    (
        "o.a = 1, o[k] = 2, [o.b, o[c]] = d, ({x: o.e} = f);",
        "__isovm_gas(16, 80);o.a = 1, o[(typeof k === \"number\" || (typeof k === \"string\" && k.length <= 64) ? k : __isovm_key(k))] = 2, [o.b, o[(typeof c === \"number\" || (typeof c === \"string\" && c.length <= 64) ? c : __isovm_key(c))]] = d, ({x: o.e} = f);",
    ),
    (
        "o.p++;",
        "__isovm_gas(3);(typeof o.p === \"number\" || (o.p = __isovm_num(o.p)), o.p++);",
    ),
    (
        "for (o.p of xs) {}",
        "__isovm_gas(1);for (o.p of xs) {__isovm_gas(2, 16);}",
    ),
    (
        "function f() { g(); function g() {} return; function h() {} }",
        "__isovm_gas(1, 96);function f() {__isovm_enter(8, 46, 192);try{ g(); function g() {__isovm_enter(1, 23);try{}finally{__isovm_exit(23)}} return; function h() {__isovm_enter(1, 23);try{}finally{__isovm_exit(23)}} }finally{__isovm_exit(46)}}",
    ),
    (
        "{ x(); function g() {} }",
        "__isovm_gas(1);{ __isovm_gas(5, 96);x(); function g() {__isovm_enter(1, 23);try{}finally{__isovm_exit(23)}} }",
    ),
    (
        "function* g() {}",
        "__isovm_gas(1, 96);function* g() {__isovm_enter(1, 24, 288);try{}finally{__isovm_exit(24)}}",
    ),
    (
        "async () => {};",
        "__isovm_gas(3, 96);async () => {__isovm_enter(1, 23, 280);try{}finally{__isovm_exit(23)}};",
    ),
    (
        "class A { a; b = 1; c = () => 1; static d; static e = () => 1; }",
        "__isovm_gas(7, 384);class A {#__isovm_fields = __isovm_gas(4, 128); a; b = (__isovm_gas(1, 16), 1); c = () => {__isovm_enter(1, 19);try{return (1)}finally{__isovm_exit(19)}}; static d; static e = () => {__isovm_enter(1, 19);try{return (1)}finally{__isovm_exit(19)}}; }",
    ),
    (
        "class A { #a; #b() {} }",
        "__isovm_gas(3, 352);class A {#__isovm_fields = __isovm_gas(1, 16); #a; #b() {__isovm_enter(1, 18);try{}finally{__isovm_exit(18)}} }",
    ),
    (
        "x = class { y; };",
        "__isovm_gas(4, 256);x = class {#__isovm_fields = __isovm_gas(1, 16); y; };",
    ),
    (
        "x = [/x/].map(r => r.test(s));",
        "__isovm_gas(10, 200);x = [/x/l].map(r => {__isovm_enter(6, 23);try{return (r.test(s))}finally{__isovm_exit(23)}});",
    ),
];

#[test]
fn memory_units_fold_into_charges() {
    check_all(MEMORY);
}

/// Stack units: `frame_slots` + the function's source bytes / 2, on entry and exit.
pub(super) const STACK: &[(&str, &str)] = &[
    (
        "function f() {}",
        "__isovm_gas(1, 96);function f() {__isovm_enter(1, 23);try{}finally{__isovm_exit(23)}}",
    ),
    (
        "x = () => 1;",
        "__isovm_gas(4, 96);x = () => {__isovm_enter(1, 19);try{return (1)}finally{__isovm_exit(19)}};",
    ),
    (
        "x = a => { return a; };",
        "__isovm_gas(4, 96);x = a => {__isovm_enter(3, 25);try{ return a; }finally{__isovm_exit(25)}};",
    ),
];

#[test]
fn stack_units_on_entry_and_exit() {
    check_all(STACK);
}

/// Regular-expression literals get the `l` flag.
pub(super) const REGEXPS: &[(&str, &str)] = &[
    ("x = /a/;", "__isovm_gas(2, 64);x = /a/l;"),
    (
        "x = /a/g, y = /b\\//im;",
        "__isovm_gas(4, 128);x = /a/gl, y = /b\\//iml;",
    ),
];

#[test]
fn regexp_literals_get_the_linear_flag() {
    check_all(REGEXPS);
}

/// A guard that opens with `(` at the start of an expression statement gets a `;` before it,
/// or the statement would continue the previous line as a call.
pub(super) const GUARD_ASI: &[(&str, &str)] = &[
    (
        "a = b\nx++",
        "__isovm_gas(4);a = b\n;(typeof x === \"number\" || (x = __isovm_num(x)), x++)",
    ),
    (
        "a = b\n--x",
        "__isovm_gas(4);a = b\n;(typeof x === \"number\" || (x = __isovm_num(x)), --x)",
    ),
    (
        "a = {}\nx * y",
        "__isovm_gas(5, 32);a = {}\n;(typeof x === \"number\" ? x : __isovm_num(x)) * (typeof y === \"number\" ? y : __isovm_num(y))",
    ),
    (
        "f()\n-x",
        "let __isovm_t;__isovm_gas(5);(typeof (__isovm_t = f()) === \"number\" ? __isovm_t : __isovm_num(__isovm_t))\n-(typeof x === \"number\" ? x : __isovm_num(x))",
    ),
    (
        "f()\n;x++",
        "__isovm_gas(6);f()\n;;(typeof x === \"number\" || (x = __isovm_num(x)), x++)",
    ),
    (
        "a = b\no[k]++",
        "let __isovm_o0, __isovm_k0;__isovm_gas(5);a = b\n;(__isovm_o0 = o, __isovm_k0 = (typeof k === \"number\" || (typeof k === \"string\" && k.length <= 64) ? k : __isovm_key(k)), typeof __isovm_o0[__isovm_k0] === \"number\" || (__isovm_o0[__isovm_k0] = __isovm_num(__isovm_o0[__isovm_k0])), __isovm_o0[__isovm_k0]++)",
    ),
    (
        "a = b\n++f().p",
        "let __isovm_o0;__isovm_gas(8);a = b\n;(__isovm_o0 = f(), typeof __isovm_o0.p === \"number\" || (__isovm_o0.p = __isovm_num(__isovm_o0.p)), ++__isovm_o0.p)",
    ),
    (
        "a = b\nx += \"s\"",
        "let __isovm_t;__isovm_gas(4);a = b\n;(typeof (__isovm_t = x += \"s\") === \"string\" ? __isovm_cat(__isovm_t) : __isovm_t)",
    ),
    ("a = b\nx == y", "__isovm_gas(4);a = b\n__isovm_eq(x , y)"),
    ("a = b\nx != y", "__isovm_gas(4);a = b\n!__isovm_eq(x , y)"),
    ("a = b\n`t${x}`", "__isovm_gas(5);a = b\n`t${x}`"),
    (
        "if (a) x++; else y++",
        "__isovm_gas(1);if (a) {__isovm_gas(2);(typeof x === \"number\" || (x = __isovm_num(x)), x++);} else {__isovm_gas(2);(typeof y === \"number\" || (y = __isovm_num(y)), y++)}",
    ),
    (
        "l: x++;",
        "__isovm_gas(2);l: ;(typeof x === \"number\" || (x = __isovm_num(x)), x++);",
    ),
    (
        "do x++\nwhile (x < 3)\n",
        "__isovm_gas(1);do {__isovm_gas(4);(typeof x === \"number\" || (x = __isovm_num(x)), x++)}\nwhile ((typeof x === \"number\" ? x : __isovm_num(x)) < 3)\n",
    ),
];

#[test]
fn guards_never_join_a_statement_to_the_previous_line() {
    check_all(GUARD_ASI);
}
