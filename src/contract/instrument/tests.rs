use super::*;

mod guards;

use guards::{
    COMPOUND, CONCATENATION, GUARD_ASI, KEYS, LOOSE_EQUALITY, MEMORY, NUMERIC_GUARDS, REGEXPS,
    REST, STACK, STRICT_EQUALITY, SWITCH_FORIN_SPREAD, TEMPORARIES, UPDATES,
};

/// Instruments `input` and compares with `expected` (shown with the input on failure).
fn check(input: &str, expected: &str) {
    match instrument(input) {
        Ok(out) => assert_eq!(out.code, expected, "\ninput:\n{input}\n"),
        Err(e) => panic!("instrument({input:?}) failed: {e}"),
    }
}

fn check_all(cases: &[(&str, &str)]) {
    for (input, expected) in cases {
        check(input, expected);
    }
}

const STATEMENTS: &[(&str, &str)] = &[
    ("", ""),
    ("x = 1;", "__isovm_gas(2);x = 1;"),
    (
        "let a = 1; const b = a + 2;",
        "let __isovm_t;__isovm_gas(3);let a = 1; const b = (typeof (__isovm_t = a + 2) === \"string\" ? __isovm_cat(__isovm_t) : __isovm_t);",
    ),
    (
        "f(a.b, c[d]);",
        "__isovm_gas(6);f(a.b, c[(typeof d === \"number\" || (typeof d === \"string\" && d.length <= 64) ? d : __isovm_key(d))]);",
    ),
    (
        "new A(...xs);",
        "__isovm_gas(5, 32);new A(...__isovm_args(xs));",
    ),
    (
        "{ a(); { b(); } }",
        "__isovm_gas(1);{ __isovm_gas(5);a(); { __isovm_gas(4);b(); } }",
    ),
    (";", "__isovm_gas(1);;"),
    ("return x ? y : z;", "__isovm_gas(2);return x ? y : z;"),
    (
        "throw new Error(`bad ${x}`);",
        "__isovm_gas(5, 32);throw new Error(__isovm_cat(`bad ${x}`));",
    ),
    (
        "const o = {a: 1, b: [1, 2]};",
        "__isovm_gas(7, 112);const o = {a: 1, b: [1, 2]};",
    ),
    (
        "const {a, b: [c, d = 1]} = o;",
        "__isovm_gas(8);const {a, b: [c, d = 1]} = o;",
    ),
    ("[a, b] = [b, a];", "__isovm_gas(8, 48);[a, b] = [b, a];"),
    ("a?.b?.();", "__isovm_gas(5);a?.b?.();"),
    ("tag`x${y}z`;", "__isovm_gas(4);tag`x${y}z`;"),
    (
        "typeof a === 'x' && delete o.p;",
        "__isovm_gas(6);typeof a === 'x' && delete o.p;",
    ),
    (
        "i++, j--;",
        "__isovm_gas(4);(typeof i === \"number\" || (i = __isovm_num(i)), i++), (typeof j === \"number\" || (j = __isovm_num(j)), j--);",
    ),
    (
        "const f = function () {}, g = () => {};",
        "__isovm_gas(5, 192);const f = function () {__isovm_enter(1, 23);try{}finally{__isovm_exit(23)}}, g = () => {__isovm_enter(1, 20);try{}finally{__isovm_exit(20)}};",
    ),
    ("debugger;", "__isovm_gas(1);debugger;"),
    (
        "switch (x) { case 1: a(); b(); break; case f(): default: c() }",
        "__isovm_gas(4);switch (__isovm_case(x, 2)) { case 1: __isovm_gas(9);a(); b(); break; case f(): default: __isovm_gas(4);c() }",
    ),
    (
        "try { a() } catch ({message}) { b(message) } finally { c() }",
        "__isovm_gas(3);try { __isovm_gas(4);a() } catch ({message}) { __isovm_gas(4);b(message) } finally { __isovm_gas(4);c() }",
    ),
    (
        "try { a() } catch { }",
        "__isovm_gas(1);try { __isovm_gas(4);a() } catch { }",
    ),
    ("return;", "__isovm_gas(1);return;"),
];

#[test]
fn statements_in_lists_are_charged() {
    check_all(STATEMENTS);
}

/// Inserts never need a leading `;`: an identifier cannot continue a complete statement.
const ASI: &[(&str, &str)] = &[
    // One statement (a call), so one charge.
    ("a = b\n(c)", "__isovm_gas(5);a = b\n(c)"),
    (
        "a = b\n[c].forEach(f)",
        "__isovm_gas(7);a = b\n[(typeof c === \"number\" || (typeof c === \"string\" && c.length <= 64) ? c : __isovm_key(c))].forEach(f)",
    ),
    // Two statements: `++` after a line break starts the next one.
    (
        "x\n++y",
        "__isovm_gas(3);x\n;(typeof y === \"number\" || (y = __isovm_num(y)), ++y)",
    ),
    (
        "let a = 1\nlet b = 2\nf()",
        "__isovm_gas(6);let a = 1\nlet b = 2\nf()",
    ),
    ("a = 1 /*\n*/ b = 2", "__isovm_gas(4);a = 1 /*\n*/ b = 2"),
    ("return\nx", "__isovm_gas(1);return\n__isovm_gas(1);x"),
    (
        "do x(); while (y) z()",
        "__isovm_gas(1);do {__isovm_gas(5);x();} while (y) __isovm_gas(4);z()",
    ),
    (
        "function f() {}\n(g)()",
        "__isovm_gas(5, 96);function f() {__isovm_enter(1, 23);try{}finally{__isovm_exit(23)}}\n(g)()",
    ),
    (
        "x = async\nfunction g() {}",
        "__isovm_gas(3, 96);x = async\nfunction g() {__isovm_enter(1, 23);try{}finally{__isovm_exit(23)}}",
    ),
    (
        "if (a) b\nelse c",
        "__isovm_gas(1);if (a) {__isovm_gas(1);b}\nelse {__isovm_gas(1);c}",
    ),
    (
        "if (a) b\n++c",
        "__isovm_gas(1);if (a) {__isovm_gas(1);b}\n__isovm_gas(2);(typeof c === \"number\" || (c = __isovm_num(c)), ++c)",
    ),
    (
        "if (a) b\n[c] = d",
        "__isovm_gas(1);if (a) {__isovm_gas(3, 16);b\n[(typeof c === \"number\" || (typeof c === \"string\" && c.length <= 64) ? c : __isovm_key(c))] = d}",
    ),
    (
        "while (a) b;\n/x/.test(s)",
        "__isovm_gas(1);while (a) {__isovm_gas(2);b;}\n__isovm_gas(5, 64);/x/l.test(s)",
    ),
    // Closing text before opening text at the same offset.
    (
        "if (a) b;c()",
        "__isovm_gas(1);if (a) {__isovm_gas(1);b;}__isovm_gas(4);c()",
    ),
    // Directive without `;`: the entry charge gets one.
    (
        "function f() { 'use strict'\n return 1 }",
        "__isovm_gas(1, 96);function f() { 'use strict';__isovm_enter(2, 35);try{\n return 1 }finally{__isovm_exit(35)}}",
    ),
];

#[test]
fn asi_hazards() {
    check_all(ASI);
}

const DIRECTIVES: &[(&str, &str)] = &[
    ("'use strict';\nf();", "'use strict';\n__isovm_gas(4);f();"),
    (
        "\"use strict\"\n'other'\nf()",
        "\"use strict\"\n'other'\n__isovm_gas(4);f()",
    ),
    ("'use strict'", "'use strict'"),
    ("('use strict'); f()", "__isovm_gas(5);('use strict'); f()"),
    (
        "f(); 'not a directive';",
        "__isovm_gas(5);f(); 'not a directive';",
    ),
    (
        "function f() { 'use strict'; 'x'; g() }",
        "__isovm_gas(1, 96);function f() { 'use strict'; 'x';__isovm_enter(5, 35);try{ g() }finally{__isovm_exit(35)}}",
    ),
    (
        "function f() { 'use strict' }",
        "__isovm_gas(1, 96);function f() { 'use strict';__isovm_enter(1, 30);try{ }finally{__isovm_exit(30)}}",
    ),
    (
        "const f = () => { 'use strict'; };",
        "__isovm_gas(3, 96);const f = () => { 'use strict';__isovm_enter(1, 27);try{ }finally{__isovm_exit(27)}};",
    ),
];

#[test]
fn directives_are_never_split() {
    check_all(DIRECTIVES);
}

const LOOPS: &[(&str, &str)] = &[
    (
        "while (x) y--;",
        "__isovm_gas(1);while (x) {__isovm_gas(3);(typeof y === \"number\" || (y = __isovm_num(y)), y--);}",
    ),
    (
        "while (i < n) { i++; }",
        "__isovm_gas(1);while ((typeof i === \"number\" ? i : __isovm_num(i)) < (typeof n === \"number\" ? n : __isovm_num(n))) {__isovm_gas(4); ;(typeof i === \"number\" || (i = __isovm_num(i)), i++); }",
    ),
    ("for (;;);", "__isovm_gas(1);for (;;){__isovm_gas(2);;}"),
    ("for (;;) {}", "__isovm_gas(1);for (;;) {__isovm_gas(1);}"),
    ("while (1);", "__isovm_gas(1);while (1){__isovm_gas(2);;}"),
    (
        "for (let i = 0; i < n; i++) s += i;",
        "let __isovm_t;__isovm_gas(1);for (let i = 0; (typeof i === \"number\" ? i : __isovm_num(i)) < (typeof n === \"number\" ? n : __isovm_num(n)); (typeof i === \"number\" || (i = __isovm_num(i)), i++)) {__isovm_gas(5);(typeof (__isovm_t = s += i) === \"string\" ? __isovm_cat(__isovm_t) : __isovm_t);}",
    ),
    (
        "for (i = f(); g(i); i = h(i)) {}",
        "__isovm_gas(5);for (i = f(); g(i); i = h(i)) {__isovm_gas(8);}",
    ),
    (
        "for (const k in o) f(k);",
        "__isovm_gas(1);for (const k in __isovm_forin(o)) {__isovm_gas(5);f(k);}",
    ),
    (
        "for (const [k, v] of m.entries()) { }",
        "__isovm_gas(5);for (const [k, v] of m.entries()) {__isovm_gas(4); }",
    ),
    (
        "for (o.p of xs) {}",
        "__isovm_gas(1);for (o.p of xs) {__isovm_gas(2, 16);}",
    ),
    (
        "do x++; while (x < 5)",
        "__isovm_gas(1);do {__isovm_gas(4);(typeof x === \"number\" || (x = __isovm_num(x)), x++);} while ((typeof x === \"number\" ? x : __isovm_num(x)) < 5)",
    ),
    (
        "do x++\nwhile (x < 5)",
        "__isovm_gas(1);do {__isovm_gas(4);(typeof x === \"number\" || (x = __isovm_num(x)), x++)}\nwhile ((typeof x === \"number\" ? x : __isovm_num(x)) < 5)",
    ),
    ("do;while(x)", "__isovm_gas(1);do{__isovm_gas(2);;}while(x)"),
    (
        "do { f() } while (g())",
        "__isovm_gas(1);do {__isovm_gas(8); f() } while (g())",
    ),
    (
        "while (a) while (b) c;",
        "__isovm_gas(1);while (a) {__isovm_gas(2);while (b) {__isovm_gas(2);c;}}",
    ),
    (
        "for (;;) // comment\n  x();",
        "__isovm_gas(1);for (;;) // comment\n  {__isovm_gas(5);x();}",
    ),
    (
        "for (const x of xs) var y = x;",
        "__isovm_gas(1);for (const x of xs) {__isovm_gas(2);var y = x;}",
    ),
];

#[test]
fn loops_charge_per_iteration() {
    check_all(LOOPS);
}

const BRANCHES: &[(&str, &str)] = &[
    ("if (a) b();", "__isovm_gas(1);if (a) {__isovm_gas(4);b();}"),
    (
        "if (a) { b(); }",
        "__isovm_gas(1);if (a) { __isovm_gas(4);b(); }",
    ),
    ("if (a);", "__isovm_gas(1);if (a){__isovm_gas(1);;}"),
    (
        "if (a) b; else c;",
        "__isovm_gas(1);if (a) {__isovm_gas(1);b;} else {__isovm_gas(1);c;}",
    ),
    (
        "if (a) b; else if (c) d; else e;",
        "__isovm_gas(1);if (a) {__isovm_gas(1);b;} else {__isovm_gas(1);if (c) {__isovm_gas(1);d;} else {__isovm_gas(1);e;}}",
    ),
    (
        "if (a) {} else if (b.c) {} else {}",
        "__isovm_gas(1);if (a) {} else {__isovm_gas(2);if (b.c) {} else {}}",
    ),
    (
        "if (a) return f(x)\nelse return",
        "__isovm_gas(1);if (a) {__isovm_gas(4);return f(x)}\nelse {__isovm_gas(1);return}",
    ),
];

#[test]
fn single_statement_branches_are_wrapped() {
    check_all(BRANCHES);
}

const LABELS: &[(&str, &str)] = &[
    (
        "outer: for (let i = 0; i < 3; i++) { for (;;) { continue outer; } }",
        "__isovm_gas(1);outer: for (let i = 0; (typeof i === \"number\" ? i : __isovm_num(i)) < 3; (typeof i === \"number\" || (i = __isovm_num(i)), i++)) {__isovm_gas(4); for (;;) {__isovm_gas(2); continue outer; } }",
    ),
    (
        "a: b: while (x) continue a;",
        "__isovm_gas(1);a: b: while (x) {__isovm_gas(2);continue a;}",
    ),
    (
        "l: { f(); break l; }",
        "__isovm_gas(1);l: { __isovm_gas(5);f(); break l; }",
    ),
    (
        "l: x++;",
        "__isovm_gas(2);l: ;(typeof x === \"number\" || (x = __isovm_num(x)), x++);",
    ),
    (
        "if (a) l: for (;;) break l;",
        "__isovm_gas(1);if (a) {__isovm_gas(1);l: for (;;) {__isovm_gas(2);break l;}}",
    ),
    (
        "while (a) l: for (;;) continue l;",
        "__isovm_gas(1);while (a) {__isovm_gas(2);l: for (;;) {__isovm_gas(2);continue l;}}",
    ),
];

#[test]
fn labels_stay_attached_to_their_loops() {
    check_all(LABELS);
}

const FUNCTIONS: &[(&str, &str)] = &[
    (
        "function f() {}",
        "__isovm_gas(1, 96);function f() {__isovm_enter(1, 23);try{}finally{__isovm_exit(23)}}",
    ),
    (
        "function f(a, b, ...c) { return a; }",
        "__isovm_gas(1, 96);function f(a, b, ...c) {__isovm_enter(5, 34);try{ return a; }finally{__isovm_exit(34)}}",
    ),
    (
        "function f(){g()}",
        "__isovm_gas(1, 96);function f(){__isovm_enter(5, 24);try{g()}finally{__isovm_exit(24)}}",
    ),
    (
        "function* g() { while (true) yield i++; }",
        "__isovm_gas(1, 96);function* g() {__isovm_enter(2, 36, 384);try{ while (true) {__isovm_gas(4);yield (typeof i === \"number\" || (i = __isovm_num(i)), i++);} }finally{__isovm_exit(36)}}",
    ),
    (
        "async function f(p) { await p; }",
        "__isovm_gas(1, 96);async function f(p) {__isovm_enter(4, 32, 352);try{ await p; }finally{__isovm_exit(32)}}",
    ),
    (
        "o = { m() {}, get x() { return 1 }, set x(v) {}, async *g() {} };",
        "__isovm_gas(15, 480);o = { m() {__isovm_enter(1, 18);try{}finally{__isovm_exit(18)}}, get x() {__isovm_enter(2, 23);try{ return 1 }finally{__isovm_exit(23)}}, set x(v) {__isovm_enter(2, 19);try{}finally{__isovm_exit(19)}}, async *g() {__isovm_enter(1, 18, 240);try{}finally{__isovm_exit(18)}} };",
    ),
    (
        "f(function () { return 1; });",
        "__isovm_gas(6, 96);f(function () {__isovm_enter(2, 28);try{ return 1; }finally{__isovm_exit(28)}});",
    ),
    (
        "const f = (a, b) => a + b;",
        "__isovm_gas(3, 96);const f = (a, b) => {__isovm_enter(4, 23);let __isovm_t;try{return ((typeof (__isovm_t = a + b) === \"string\" ? __isovm_cat(__isovm_t) : __isovm_t))}finally{__isovm_exit(23)}};",
    ),
    (
        "const f = () => ({a: 1});",
        "__isovm_gas(3, 96);const f = () => {__isovm_enter(3, 23, 48);try{return (({a: 1}))}finally{__isovm_exit(23)}};",
    ),
    (
        "const f = a => b => c => a + b + c;",
        "__isovm_gas(3, 96);const f = a => {__isovm_enter(4, 28, 96);try{return (b => {__isovm_enter(4, 25, 96);try{return (c => {__isovm_enter(4, 23);let __isovm_t;try{return ((typeof (__isovm_t = (typeof (__isovm_t = a + b) === \"string\" ? __isovm_cat(__isovm_t) : __isovm_t) + c) === \"string\" ? __isovm_cat(__isovm_t) : __isovm_t))}finally{__isovm_exit(23)}})}finally{__isovm_exit(25)}})}finally{__isovm_exit(28)}};",
    ),
    (
        "const f = async x => await x;",
        "__isovm_gas(3, 96);const f = async x => {__isovm_enter(3, 25, 296);try{return (await x)}finally{__isovm_exit(25)}};",
    ),
    (
        "xs.map(x => x * 2).filter(Boolean)",
        "__isovm_gas(11, 96);xs.map(x => {__isovm_enter(3, 21);try{return ((typeof x === \"number\" ? x : __isovm_num(x)) * 2)}finally{__isovm_exit(21)}}).filter(Boolean)",
    ),
    (
        "f = x => x",
        "__isovm_gas(4, 96);f = x => {__isovm_enter(2, 19);try{return (x)}finally{__isovm_exit(19)}}",
    ),
    (
        "const g = () => {};",
        "__isovm_gas(3, 96);const g = () => {__isovm_enter(1, 20);try{}finally{__isovm_exit(20)}};",
    ),
    (
        "f(x => (a, b))",
        "__isovm_gas(6, 96);f(x => {__isovm_enter(3, 21);try{return ((a, b))}finally{__isovm_exit(21)}})",
    ),
    (
        "(a => a)(1)",
        "__isovm_gas(6, 96);(a => {__isovm_enter(2, 19);try{return (a)}finally{__isovm_exit(19)}})(1)",
    ),
];

#[test]
fn functions_charge_on_entry() {
    check_all(FUNCTIONS);
}

/// Same-offset inserts: closers before openers, openers outer-first, closers inner-first.
const ORDERING: &[(&str, &str)] = &[
    // Closer `)` of the arrow (inner) before `}` of the branch (outer).
    (
        "if (a) f = x => x",
        "__isovm_gas(1);if (a) {__isovm_gas(4, 96);f = x => {__isovm_enter(2, 19);try{return (x)}finally{__isovm_exit(19)}}}",
    ),
    (
        "while (a) f = x => y => x",
        "__isovm_gas(1);while (a) {__isovm_gas(5, 96);f = x => {__isovm_enter(4, 21, 96);try{return (y => {__isovm_enter(2, 19);try{return (x)}finally{__isovm_exit(19)}})}finally{__isovm_exit(21)}}}",
    ),
    // Iteration charge (outer) before the first statement's charge (inner).
    (
        "while (a) {b()}",
        "__isovm_gas(1);while (a) {__isovm_gas(5);b()}",
    ),
    // `}` closing a branch, then the next statement's charge.
    (
        "if (a) b = () => c;d()",
        "__isovm_gas(1);if (a) {__isovm_gas(4, 96);b = () => {__isovm_enter(1, 19);try{return (c)}finally{__isovm_exit(19)}};}__isovm_gas(4);d()",
    ),
    (
        "if (a) while (b) c;",
        "__isovm_gas(1);if (a) {__isovm_gas(1);while (b) {__isovm_gas(2);c;}}",
    ),
];

#[test]
fn same_offset_ordering() {
    check_all(ORDERING);
}

#[test]
fn insert_sort_key_orders_same_offset_inserts() {
    // Created in pre-order: outer opener/closer first, then the inner ones.
    let inserts = vec![
        Insert {
            pos: 1,
            side: Side::Open,
            seq: 0,
            text: "<o".into(),
        },
        Insert {
            pos: 3,
            side: Side::Close,
            seq: 1,
            text: "o>".into(),
        },
        Insert {
            pos: 1,
            side: Side::Open,
            seq: 2,
            text: "<i".into(),
        },
        Insert {
            pos: 3,
            side: Side::Close,
            seq: 3,
            text: "i>".into(),
        },
        Insert {
            pos: 3,
            side: Side::Open,
            seq: 4,
            text: "<n".into(),
        },
    ];
    assert_eq!(
        apply("abcd", inserts, &[]).ok().map(|(code, _)| code),
        Some("a<o<ibci>o><nd".to_string())
    );
}

const CLASSES: &[(&str, &str)] = &[
    ("class A {}", "__isovm_gas(3, 256);class A {}"),
    (
        "class B extends mixin(A) { constructor() { super(); } }",
        "__isovm_gas(6, 352);class B extends mixin(A) { constructor() {__isovm_enter(5, 23);try{ super(); }finally{__isovm_exit(23)}} }",
    ),
    (
        "class A { m(a) { return a } static s() {} get g() { return 1 } set g(v) {} *gen() { yield 1 } async am() {} }",
        "__isovm_gas(3, 832);class A { m(a) {__isovm_enter(3, 24);try{ return a }finally{__isovm_exit(24)}} static s() {__isovm_enter(1, 18);try{}finally{__isovm_exit(18)}} get g() {__isovm_enter(2, 23);try{ return 1 }finally{__isovm_exit(23)}} set g(v) {__isovm_enter(2, 19);try{}finally{__isovm_exit(19)}} *gen() {__isovm_enter(3, 23, 280);try{ yield 1 }finally{__isovm_exit(23)}} async am() {__isovm_enter(1, 18, 240);try{}finally{__isovm_exit(18)}} }",
    ),
    (
        "class A { static { init(); } static {} }",
        "__isovm_gas(3, 256);class A { static { __isovm_gas(4);init(); } static {} }",
    ),
    (
        "class A { [k()]() {} #p = 1; #q() { return this.#p } }",
        "let __isovm_t;__isovm_gas(6, 448);class A { [(typeof (__isovm_t = k()) === \"number\" || (typeof __isovm_t === \"string\" && __isovm_t.length <= 64) ? __isovm_t : __isovm_key(__isovm_t))]() {__isovm_enter(1, 18);try{}finally{__isovm_exit(18)}} #p = (__isovm_gas(1, 16), 1); #q() {__isovm_enter(3, 26);try{ return this.#p }finally{__isovm_exit(26)}} }",
    ),
    (
        "class A { x = f(); static y = g.h; z; w = () => 1; v = function () {}; }",
        "__isovm_gas(3, 256);class A {#__isovm_fields = __isovm_gas(7, 240); x = __isovm_frame(4, 17, () => (f()), 16); static y = __isovm_frame(2, 17, () => (g.h), 16); z; w = () => {__isovm_enter(1, 19);try{return (1)}finally{__isovm_exit(19)}}; v = function () {__isovm_enter(1, 23);try{}finally{__isovm_exit(23)}}; }",
    ),
    (
        "const C = class { x = new C() };",
        "__isovm_gas(3, 256);const C = class { x = __isovm_frame(4, 19, () => (new C()), 48) };",
    ),
    (
        "class A { x = class {} }",
        "__isovm_gas(3, 256);class A {#__isovm_fields = __isovm_gas(3, 272); x = class {} }",
    ),
];

#[test]
fn classes() {
    check_all(CLASSES);
}

const DEFAULTS: &[(&str, &str)] = &[
    (
        "function f(a = f()) {}",
        "__isovm_gas(1, 96);function f(a = __isovm_frame(4, 17, () => (f()))) {__isovm_enter(2, 27);try{}finally{__isovm_exit(27)}}",
    ),
    (
        "function f(a = 1, {b = g()} = {}, [c = 2] = []) {}",
        "__isovm_gas(1, 96);function f(a = (__isovm_gas(1), 1), {b = __isovm_frame(4, 17, () => (g()))} = (__isovm_gas(2, 32), {}), [c = (__isovm_gas(1), 2)] = (__isovm_gas(2, 32), [])) {__isovm_enter(4, 41);try{}finally{__isovm_exit(41)}}",
    ),
    (
        "const f = (x = y.z) => x;",
        "__isovm_gas(3, 96);const f = (x = __isovm_frame(2, 17, () => (y.z))) => {__isovm_enter(2, 23);try{return (x)}finally{__isovm_exit(23)}};",
    ),
    // Anonymous functions keep their inferred name: left bare.
    (
        "function f(cb = () => 1, h = function () {}) {}",
        "__isovm_gas(1, 96);function f(cb = () => {__isovm_enter(1, 19);try{return (1)}finally{__isovm_exit(19)}}, h = function () {__isovm_enter(1, 23);try{}finally{__isovm_exit(23)}}) {__isovm_enter(3, 39);try{}finally{__isovm_exit(39)}}",
    ),
    // Defaults inside a body are part of their statement.
    (
        "function f() { const {a = g()} = o; }",
        "__isovm_gas(1, 96);function f() {__isovm_enter(8, 34);try{ const {a = g()} = o; }finally{__isovm_exit(34)}}",
    ),
    (
        "function f(a = function (b = 1) { const {c = 2} = b; }) {}",
        "__isovm_gas(1, 96);function f(a = function (b = (__isovm_gas(1), 1)) {__isovm_enter(6, 35);try{ const {c = 2} = b; }finally{__isovm_exit(35)}}) {__isovm_enter(2, 45);try{}finally{__isovm_exit(45)}}",
    ),
];

#[test]
fn parameter_defaults_are_charged_inline() {
    check_all(DEFAULTS);
}

const MISC: &[(&str, &str)] = &[
    (
        "const s = `a${f(() => { return 1; })}b`;",
        "__isovm_gas(7, 96);const s = __isovm_cat(`a${f(() => {__isovm_enter(2, 25);try{ return 1; }finally{__isovm_exit(25)}})}b`);",
    ),
    (
        "const s = \"日本語\"; if (s) f(s);",
        "__isovm_gas(2);const s = \"日本語\"; if (s) {__isovm_gas(4);f(s);}",
    ),
    (
        "let café = '☕'; while (café) café = g(café);",
        "__isovm_gas(2);let café = '☕'; while (café) {__isovm_gas(6);café = g(café);}",
    ),
    (
        "/* 😀 */ x = '😀'\n// ü\nf(x => x)",
        "/* 😀 */ __isovm_gas(8, 96);x = '😀'\n// ü\nf(x => {__isovm_enter(2, 19);try{return (x)}finally{__isovm_exit(19)}})",
    ),
    (
        "a = 1\r\nb = 2\u{2028}c = 3",
        "__isovm_gas(6);a = 1\r\nb = 2\u{2028}c = 3",
    ),
    (
        "<!-- html comment\nf()",
        "<!-- html comment\n__isovm_gas(4);f()",
    ),
    (
        "o.let = obj.static; o['__isovm_x'] = 1;",
        "__isovm_gas(7, 32);o.let = obj.static; o['__isovm_x'] = 1;",
    ),
    ("const await = 1;", "__isovm_gas(1);const await = 1;"),
];

#[test]
fn misc_templates_unicode_line_breaks() {
    check_all(MISC);
}

/// A typical contract, end to end.
const CONTRACT: &str = r#"class Token {
  init() { storage.put("supply", "0"); }
  transfer(from, to, amount) {
    const bal = Number(storage.mapGet("balances", from) || "0");
    if (bal < amount) throw new Error("insufficient balance");
    for (let i = 0; i < 3; i++) { /* ... */ }
    return true;
  }
}
module.exports = Token;
"#;

const CONTRACT_OUT: &str = r#"__isovm_gas(3, 448);class Token {
  init() {__isovm_enter(6, 33);try{ storage.put("supply", "0"); }finally{__isovm_exit(33)}}
  transfer(from, to, amount) {__isovm_enter(15, 123);try{
    const bal = Number(storage.mapGet("balances", from) || "0");
    if ((typeof bal === "number" ? bal : __isovm_num(bal)) < (typeof amount === "number" ? amount : __isovm_num(amount))) {__isovm_gas(4, 32);throw new Error("insufficient balance");}
    __isovm_gas(1);for (let i = 0; (typeof i === "number" ? i : __isovm_num(i)) < 3; (typeof i === "number" || (i = __isovm_num(i)), i++)) {__isovm_gas(3); /* ... */ }
    __isovm_gas(1);return true;
  }finally{__isovm_exit(123)}}
}
__isovm_gas(3, 16);module.exports = Token;
"#;

#[test]
fn typical_contract() {
    check(CONTRACT, CONTRACT_OUT);
    let out = instrument(CONTRACT).ok();
    assert_eq!(out.map(|o| o.charge_sites), Some(8));
}

fn all_cases() -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    [
        STATEMENTS,
        ASI,
        DIRECTIVES,
        LOOPS,
        BRANCHES,
        LABELS,
        FUNCTIONS,
        ORDERING,
        CLASSES,
        DEFAULTS,
        MISC,
        NUMERIC_GUARDS,
        CONCATENATION,
        STRICT_EQUALITY,
        LOOSE_EQUALITY,
        KEYS,
        UPDATES,
        COMPOUND,
        SWITCH_FORIN_SPREAD,
        REST,
        TEMPORARIES,
        MEMORY,
        STACK,
        REGEXPS,
        GUARD_ASI,
    ]
    .into_iter()
    .flatten()
    .chain(std::iter::once(&(CONTRACT, CONTRACT_OUT)))
}

fn line_breaks(s: &str) -> usize {
    s.chars()
        .filter(|c| matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}'))
        .count()
}

fn parse_errors(source: &str) -> Vec<String> {
    let allocator = Allocator::default();
    let options = ParseOptions {
        allow_return_outside_function: true,
        ..ParseOptions::default()
    };
    let ret = Parser::new(&allocator, source, SourceType::script())
        .with_options(options)
        .parse();
    ret.diagnostics
        .errors()
        .map(|e| e.message.to_string())
        .collect()
}

#[test]
fn output_reparses_keeps_lines_and_counts_sites() {
    for (input, _) in all_cases() {
        let out = instrument(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        // oxc does not know V8's `l` flag: take it off again to reparse.
        let code = out.regexps.iter().fold(out.code.clone(), |code, r| {
            code.replace(&format!("{r}l"), &r.to_string())
        });
        assert_eq!(
            parse_errors(&code),
            Vec::<String>::new(),
            "output of {input:?}: {}",
            out.code
        );
        // The engine's wrapper, compiled as a classic script, must parse too.
        let wrapped = format!(
            "(({}) => {{\"use strict\";{}\n}})",
            WRAPPER_PARAMS.join(", "),
            code
        );
        let ret_errors = {
            let allocator = Allocator::default();
            let ret = Parser::new(&allocator, &wrapped, SourceType::script()).parse();
            ret.diagnostics
                .errors()
                .map(|e| e.message.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ret_errors,
            Vec::<String>::new(),
            "wrapped output of {input:?}"
        );
        assert_eq!(line_breaks(&out.code), line_breaks(input), "{input:?}");
        assert_eq!(out.code.lines().count(), input.lines().count(), "{input:?}");
        let sites = [GAS_FN, ENTER_FN, FRAME_FN]
            .iter()
            .map(|f| out.code.matches(&format!("{f}(")).count())
            .sum::<usize>();
        assert_eq!(sites, out.charge_sites, "{input:?}");
        // Only insertions: removing them gives the input back.
        assert!(out.code.len() >= input.len());
    }
}

#[test]
fn deterministic() {
    for (input, _) in all_cases() {
        assert_eq!(instrument(input), instrument(input), "{input:?}");
    }
}

#[test]
fn instrumented_output_is_rejected_as_input() {
    // The output calls the runtime function, which a contract may not name.
    let out = instrument("f();").map(|o| o.code).unwrap_or_default();
    assert!(matches!(
        instrument(&out),
        Err(InstrumentError::Reserved { .. })
    ));
}

fn reserved(input: &str, name: &str, line: u32, column: u32) {
    let expected = InstrumentError::Reserved {
        name: name.into(),
        line,
        column,
    };
    assert_eq!(instrument(input), Err(expected), "input: {input:?}");
}

#[test]
fn reserved_names_rejected_everywhere() {
    reserved("var __isovm_gas = 1;", "__isovm_gas", 1, 5);
    reserved("let __isovm_a;", "__isovm_a", 1, 5);
    reserved("const __isovm = 1;", "__isovm", 1, 7);
    reserved("function __isovm_f() {}", "__isovm_f", 1, 10);
    reserved("function f(a, __isovm_p) {}", "__isovm_p", 1, 15);
    reserved("(__isovm_p) => 1", "__isovm_p", 1, 2);
    reserved("__isovm_p => 1", "__isovm_p", 1, 1);
    reserved("try {} catch (__isovm_e) {}", "__isovm_e", 1, 15);
    reserved("__isovm_l: for (;;) break __isovm_l;", "__isovm_l", 1, 1);
    reserved("l: for (;;) break __isovm_l;", "__isovm_l", 1, 19);
    reserved("class __isovm_C {}", "__isovm_C", 1, 7);
    reserved("x = class __isovm_C {}", "__isovm_C", 1, 11);
    reserved("const {a: __isovm_x} = o;", "__isovm_x", 1, 11);
    reserved("const {__isovm_x} = o;", "__isovm_x", 1, 8);
    reserved("const [a, ...__isovm_r] = o;", "__isovm_r", 1, 14);
    reserved("[__isovm_x] = o;", "__isovm_x", 1, 2);
    reserved("__isovm_gas(1);", "__isovm_gas", 1, 1);
    reserved("__isovm_gas = () => {};", "__isovm_gas", 1, 1);
    reserved("f(\n  __isovm_gas)", "__isovm_gas", 2, 3);
    reserved("o.__isovm_gas = 1;", "__isovm_gas", 1, 3);
    reserved("o = {__isovm_x: 1};", "__isovm_x", 1, 6);
    reserved("class A { __isovm_m() {} }", "__isovm_m", 1, 11);
    reserved("class A { #__isovm_p = 1; }", "#__isovm_p", 1, 11);
    // Escapes are decoded before the check.
    reserved("var \\u005f_isovm_gas;", "__isovm_gas", 1, 5);
    // UTF-16 columns: the emoji counts 2.
    reserved("s = '😀'; __isovm_x = 1;", "__isovm_x", 1, 11);
    // The earliest offending name is reported.
    reserved("a = 1;\nlet b = __isovm_y, __isovm_z;", "__isovm_y", 2, 9);
}

fn syntax(input: &str, line: u32, column: u32) {
    match instrument(input) {
        Err(InstrumentError::Syntax {
            line: l,
            column: c,
            message,
        }) => {
            assert_eq!(
                (l, c),
                (line, column),
                "input: {input:?}, message: {message}"
            );
            assert!(!message.is_empty());
        }
        other => panic!("expected a syntax error for {input:?}, got {other:?}"),
    }
}

#[test]
fn syntax_errors_have_positions() {
    syntax("var 1x", 1, 6);
    syntax("let a = 'é';\n  let = ;", 2, 9);
    syntax("f(\r\n)\r\n)", 3, 1);
    syntax("await x", 1, 1);
    syntax("for await (const x of y) {}", 1, 5);
    syntax("new.target", 1, 1);
    syntax("if (a) let x = 1;", 1, 11);
    syntax("while (a) const x = 1;", 1, 11);
    // Strict-mode rules the rewrite depends on.
    syntax("if (a) function f() {}", 1, 8);
    syntax("for (;;) function f() {}", 1, 10);
    syntax("l: function f() {}", 1, 4);
    syntax("let = 1;", 1, 1);
    syntax("var yield;", 1, 5);
    syntax("f(static);", 1, 3);
}

#[test]
fn syntax_error_message_format() {
    let err = instrument("var 1x")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.starts_with("syntax error at line 1, column 6: "),
        "{err}"
    );
}

fn unsupported(input: &str, line: u32, column: u32) {
    match instrument(input) {
        Err(InstrumentError::Unsupported {
            line: l, column: c, ..
        }) => {
            assert_eq!((l, c), (line, column), "input: {input:?}");
        }
        other => panic!("expected unsupported for {input:?}, got {other:?}"),
    }
}

#[test]
fn unsupported_syntax_rejected() {
    unsupported("import x from 'y';", 1, 1);
    unsupported("f();\nexport default 1;", 2, 1);
    unsupported("export const a = 1;", 1, 1);
    unsupported("const m = import('x');", 1, 11);
    unsupported("with (o) f();", 1, 1);
    unsupported("function f() { using r = g(); }", 1, 16);
    unsupported("async function f() { await using r = g(); }", 1, 22);
    unsupported("for (using r of g()) {}", 1, 6);
    unsupported("#!/usr/bin/env node\nf()", 1, 1);
    unsupported("@dec class A {}", 1, 1);
    unsupported("class A { accessor x = 1; }", 1, 11);
    unsupported("function f(a = class extends g() {}) {}", 1, 16);
    unsupported("class A { x = class { [k()] = 1 } }", 1, 15);
    assert!(instrument("import.meta").is_err());
    // BigInt cannot be metered by size.
    unsupported("x = 1n;", 1, 5);
    unsupported("x = [0, 0x10n];", 1, 9);
    // Rest elements outside the top level of a declaration or assignment.
    unsupported("function f([a, ...r]) {}", 1, 16);
    unsupported("function f({a, ...r}) {}", 1, 16);
    unsupported("const f = ([...r] = []) => r;", 1, 13);
    unsupported("function f(...[a, ...r]) {}", 1, 19);
    unsupported("try {} catch ([a, ...r]) {}", 1, 19);
    unsupported("for (const [a, ...r] of xs) {}", 1, 16);
    unsupported("for (const {a, ...r} in o) {}", 1, 16);
    unsupported("for ([a, ...r] of xs) {}", 1, 10);
    unsupported("const [a, [b, ...c]] = x;", 1, 15);
    unsupported("const {a: {b, ...c}} = x;", 1, 15);
    unsupported("[a, {b, ...c}] = x;", 1, 9);
    unsupported("const [{...c} = d] = x;", 1, 9);
    // A default that is itself an assignment is a top-level assignment of its own.
    assert!(instrument("const [a = [b, ...c] = d] = x;").is_ok());
    // A target that would have to be moved out of its parentheses.
    unsupported("(f().p)++;", 1, 2);
    unsupported("++(f()[k]);", 1, 4);
    unsupported("(a[b].c) -= 1;", 1, 2);
}

#[test]
fn rest_refusals_say_what_to_write_instead() {
    let message = |input: &str| match instrument(input) {
        Err(InstrumentError::Unsupported { what, .. }) => what,
        other => panic!("{input:?}: {other:?}"),
    };
    assert!(message("function f([a, ...r]) {}").contains("destructure it in the body"));
    assert!(message("try {} catch ({...r}) {}").contains("catch the value whole"));
    assert!(message("for (const [...r] of x) {}").contains("bind the element whole"));
    assert!(message("const [[...r]] = x;").contains("in a second declaration"));
    assert!(message("x = 1n;").contains("use BigNumber"));
    // Rest parameters and top-level rest elements are fine, also inside code in parameters.
    for fine in [
        "function f(...args) {}",
        "const [a, ...r] = x, {b, ...s} = y;",
        "function f(g = () => { const [...r] = x; }) {}",
        "function f(a = ([...r] = x)) {}",
        "for (let [a, ...r] = x; ;) {}",
    ] {
        assert!(instrument(fine).is_ok(), "{fine}");
    }
}

#[test]
fn undefined_cannot_be_declared() {
    // Guards read the name `undefined` as the value.
    syntax("let undefined = 1;", 1, 5);
    syntax("function f(undefined) {}", 1, 12);
    syntax("try {} catch (undefined) {}", 1, 15);
    assert!(instrument("x = undefined; o.undefined = 1;").is_ok());
}

#[test]
fn regexp_literals_are_collected_with_their_positions() {
    let out = instrument("x = /a/g;\n  y = [/b[/]c/, '😀', /d/ims];").unwrap();
    let found: Vec<_> = out
        .regexps
        .iter()
        .map(|r| (r.pattern.as_str(), r.flags.as_str(), r.line, r.column))
        .collect();
    assert_eq!(
        found,
        [("a", "g", 1, 5), ("b[/]c", "", 2, 8), ("d", "ims", 2, 23)]
    );
    assert_eq!(out.regexps[0].to_string(), "/a/g");
    assert_eq!(out.regexps[0].linear_flags(), "gl");
    assert_eq!(out.regexps[1].linear_flags(), "l");
    assert!(out.code.contains("/a/gl;") && out.code.contains("/b[/]c/l,"));
    assert!(instrument("x = 1;").unwrap().regexps.is_empty());
}

#[test]
fn replaced_tokens_map_columns_back() {
    // `bcd` → `X` (shorter), then `YY` inserted before `f`: "aXeYYf".
    let inserts = vec![
        Insert {
            pos: 1,
            side: Side::Replace { end: 4 },
            seq: 0,
            text: "X".into(),
        },
        Insert {
            pos: 5,
            side: Side::Open,
            seq: 1,
            text: "YY".into(),
        },
    ];
    let (code, map) = apply("abcdef", inserts, &[]).unwrap();
    assert_eq!(code, "aXeYYf");
    let mapped: Vec<u32> = (1..=6).map(|c| map.original_column(1, c)).collect();
    assert_eq!(mapped, [1, 2, 5, 6, 6, 6]);
    // A replacement that grows: `==` → `,` is shorter, `super` → `(` too; check real output.
    let source = "class A extends B {\n  m(aa, bb) { return aa == bb || aa != \"s1\"; }\n  n() { ++super[ff()]; return /re/g.test(\"s2\"); }\n}\n";
    let out = instrument(source).unwrap();
    let tokens: [&[&str]; 2] = [
        &["\"s1\"", "||", "return"],
        &["ff()", "\"s2\"", ".test", "return"],
    ];
    for (line, tokens) in [(2u32, tokens[0]), (3, tokens[1])] {
        let original = source.lines().nth(line as usize - 1).unwrap();
        let instrumented = out.code.lines().nth(line as usize - 1).unwrap();
        for token in tokens {
            assert_eq!(original.matches(token).count(), 1, "{token}");
            assert_eq!(
                instrumented.matches(token).count(),
                1,
                "{token} in {instrumented}"
            );
            let (o, i) = (
                original.find(token).unwrap(),
                instrumented.find(token).unwrap(),
            );
            assert_eq!(
                out.columns.original_column(line, i as u32 + 1),
                o as u32 + 1,
                "{token} on line {line}: {instrumented}"
            );
        }
    }
    assert!(out.code.contains("__isovm_eq(aa , bb)"));
    assert!(out.code.contains("(__isovm_k0 = __isovm_key(ff())"));
}

#[test]
fn error_display() {
    let err = InstrumentError::Reserved {
        name: "__isovm_x".into(),
        line: 2,
        column: 3,
    };
    assert_eq!(
        err.to_string(),
        "reserved identifier `__isovm_x` at line 2, column 3: names starting with `__isovm` belong to the runtime"
    );
}

#[test]
fn line_column_counts_utf16_and_all_line_breaks() {
    let s = "a\r\nb\rc\nd\u{2028}😀x";
    assert_eq!(line_column(s, 0), (1, 1));
    assert_eq!(line_column(s, 3), (2, 1));
    assert_eq!(line_column(s, 5), (3, 1));
    assert_eq!(line_column(s, 7), (4, 1));
    let x = s.find('x').map_or(0, |i| i as u32);
    assert_eq!(line_column(s, x), (5, 3));
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    // About 200 KB of the deepest-per-byte nesting oxc parses recursively.
    let n = 100_000;
    for (open, close) in [("(", ")"), ("[(", ")]"), ("!(", ")")] {
        let src = format!(
            "x = {}1{};",
            open.repeat(n / open.len()),
            close.repeat(n / open.len())
        );
        assert!(src.len() <= MAX_SOURCE_LEN);
        let out = instrument(&src).map(|o| o.charge_sites);
        assert_eq!(out, Ok(1), "{open}");
    }
}

#[test]
fn oversized_source_rejected() {
    let src = " ".repeat(MAX_SOURCE_LEN + 1);
    assert!(matches!(
        instrument(&src),
        Err(InstrumentError::Unsupported {
            line: 1,
            column: 1,
            ..
        })
    ));
    assert!(instrument(&" ".repeat(MAX_SOURCE_LEN)).is_ok());
}
