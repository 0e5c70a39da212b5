use super::*;

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
        "__isovm_gas(3);let a = 1; const b = a + 2;",
    ),
    ("f(a.b, c[d]);", "__isovm_gas(6);f(a.b, c[d]);"),
    ("new A(...xs);", "__isovm_gas(5);new A(...xs);"),
    (
        "{ a(); { b(); } }",
        "__isovm_gas(1);{ __isovm_gas(5);a(); { __isovm_gas(4);b(); } }",
    ),
    (";", "__isovm_gas(1);;"),
    ("return x ? y : z;", "__isovm_gas(2);return x ? y : z;"),
    (
        "throw new Error(`bad ${x}`);",
        "__isovm_gas(5);throw new Error(`bad ${x}`);",
    ),
    (
        "const o = {a: 1, b: [1, 2]};",
        "__isovm_gas(7);const o = {a: 1, b: [1, 2]};",
    ),
    (
        "const {a, b: [c, d = 1]} = o;",
        "__isovm_gas(8);const {a, b: [c, d = 1]} = o;",
    ),
    ("[a, b] = [b, a];", "__isovm_gas(8);[a, b] = [b, a];"),
    ("a?.b?.();", "__isovm_gas(5);a?.b?.();"),
    ("tag`x${y}z`;", "__isovm_gas(4);tag`x${y}z`;"),
    (
        "typeof a === 'x' && delete o.p;",
        "__isovm_gas(6);typeof a === 'x' && delete o.p;",
    ),
    ("i++, j--;", "__isovm_gas(4);i++, j--;"),
    (
        "const f = function () {}, g = () => {};",
        "__isovm_gas(5);const f = function () {__isovm_enter(1);try{}finally{__isovm_exit()}}, g = () => {__isovm_enter(1);try{}finally{__isovm_exit()}};",
    ),
    ("debugger;", "__isovm_gas(1);debugger;"),
    (
        "switch (x) { case 1: a(); b(); break; case f(): default: c() }",
        "__isovm_gas(4);switch (x) { case 1: __isovm_gas(9);a(); b(); break; case f(): default: __isovm_gas(4);c() }",
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
        "__isovm_gas(7);a = b\n[c].forEach(f)",
    ),
    // Two statements: `++` after a line break starts the next one.
    ("x\n++y", "__isovm_gas(3);x\n++y"),
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
        "__isovm_gas(5);function f() {__isovm_enter(1);try{}finally{__isovm_exit()}}\n(g)()",
    ),
    (
        "x = async\nfunction g() {}",
        "__isovm_gas(3);x = async\nfunction g() {__isovm_enter(1);try{}finally{__isovm_exit()}}",
    ),
    (
        "if (a) b\nelse c",
        "__isovm_gas(1);if (a) {__isovm_gas(1);b}\nelse {__isovm_gas(1);c}",
    ),
    (
        "if (a) b\n++c",
        "__isovm_gas(1);if (a) {__isovm_gas(1);b}\n__isovm_gas(2);++c",
    ),
    (
        "if (a) b\n[c] = d",
        "__isovm_gas(1);if (a) {__isovm_gas(3);b\n[c] = d}",
    ),
    (
        "while (a) b;\n/x/.test(s)",
        "__isovm_gas(1);while (a) {__isovm_gas(2);b;}\n__isovm_gas(5);/x/.test(s)",
    ),
    // Closing text before opening text at the same offset.
    (
        "if (a) b;c()",
        "__isovm_gas(1);if (a) {__isovm_gas(1);b;}__isovm_gas(4);c()",
    ),
    // Directive without `;`: the entry charge gets one.
    (
        "function f() { 'use strict'\n return 1 }",
        "__isovm_gas(1);function f() { 'use strict';__isovm_enter(2);try{\n return 1 }finally{__isovm_exit()}}",
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
        "__isovm_gas(1);function f() { 'use strict'; 'x';__isovm_enter(5);try{ g() }finally{__isovm_exit()}}",
    ),
    (
        "function f() { 'use strict' }",
        "__isovm_gas(1);function f() { 'use strict';__isovm_enter(1);try{ }finally{__isovm_exit()}}",
    ),
    (
        "const f = () => { 'use strict'; };",
        "__isovm_gas(3);const f = () => { 'use strict';__isovm_enter(1);try{ }finally{__isovm_exit()}};",
    ),
];

#[test]
fn directives_are_never_split() {
    check_all(DIRECTIVES);
}

const LOOPS: &[(&str, &str)] = &[
    (
        "while (x) y--;",
        "__isovm_gas(1);while (x) {__isovm_gas(3);y--;}",
    ),
    (
        "while (i < n) { i++; }",
        "__isovm_gas(1);while (i < n) {__isovm_gas(4); i++; }",
    ),
    ("for (;;);", "__isovm_gas(1);for (;;){__isovm_gas(2);;}"),
    ("for (;;) {}", "__isovm_gas(1);for (;;) {__isovm_gas(1);}"),
    ("while (1);", "__isovm_gas(1);while (1){__isovm_gas(2);;}"),
    (
        "for (let i = 0; i < n; i++) s += i;",
        "__isovm_gas(1);for (let i = 0; i < n; i++) {__isovm_gas(5);s += i;}",
    ),
    (
        "for (i = f(); g(i); i = h(i)) {}",
        "__isovm_gas(5);for (i = f(); g(i); i = h(i)) {__isovm_gas(8);}",
    ),
    (
        "for (const k in o) f(k);",
        "__isovm_gas(1);for (const k in o) {__isovm_gas(5);f(k);}",
    ),
    (
        "for (const [k, v] of m.entries()) { }",
        "__isovm_gas(5);for (const [k, v] of m.entries()) {__isovm_gas(4); }",
    ),
    (
        "for (o.p of xs) {}",
        "__isovm_gas(1);for (o.p of xs) {__isovm_gas(2);}",
    ),
    (
        "do x++; while (x < 5)",
        "__isovm_gas(1);do {__isovm_gas(4);x++;} while (x < 5)",
    ),
    (
        "do x++\nwhile (x < 5)",
        "__isovm_gas(1);do {__isovm_gas(4);x++}\nwhile (x < 5)",
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
        "__isovm_gas(1);outer: for (let i = 0; i < 3; i++) {__isovm_gas(4); for (;;) {__isovm_gas(2); continue outer; } }",
    ),
    (
        "a: b: while (x) continue a;",
        "__isovm_gas(1);a: b: while (x) {__isovm_gas(2);continue a;}",
    ),
    (
        "l: { f(); break l; }",
        "__isovm_gas(1);l: { __isovm_gas(5);f(); break l; }",
    ),
    ("l: x++;", "__isovm_gas(2);l: x++;"),
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
        "__isovm_gas(1);function f() {__isovm_enter(1);try{}finally{__isovm_exit()}}",
    ),
    (
        "function f(a, b, ...c) { return a; }",
        "__isovm_gas(1);function f(a, b, ...c) {__isovm_enter(5);try{ return a; }finally{__isovm_exit()}}",
    ),
    (
        "function f(){g()}",
        "__isovm_gas(1);function f(){__isovm_enter(5);try{g()}finally{__isovm_exit()}}",
    ),
    (
        "function* g() { while (true) yield i++; }",
        "__isovm_gas(1);function* g() {__isovm_enter(2);try{ while (true) {__isovm_gas(4);yield i++;} }finally{__isovm_exit()}}",
    ),
    (
        "async function f(p) { await p; }",
        "__isovm_gas(1);async function f(p) {__isovm_enter(4);try{ await p; }finally{__isovm_exit()}}",
    ),
    (
        "o = { m() {}, get x() { return 1 }, set x(v) {}, async *g() {} };",
        "__isovm_gas(15);o = { m() {__isovm_enter(1);try{}finally{__isovm_exit()}}, get x() {__isovm_enter(2);try{ return 1 }finally{__isovm_exit()}}, set x(v) {__isovm_enter(2);try{}finally{__isovm_exit()}}, async *g() {__isovm_enter(1);try{}finally{__isovm_exit()}} };",
    ),
    (
        "f(function () { return 1; });",
        "__isovm_gas(6);f(function () {__isovm_enter(2);try{ return 1; }finally{__isovm_exit()}});",
    ),
    (
        "const f = (a, b) => a + b;",
        "__isovm_gas(3);const f = (a, b) => {__isovm_enter(4);try{return (a + b)}finally{__isovm_exit()}};",
    ),
    (
        "const f = () => ({a: 1});",
        "__isovm_gas(3);const f = () => {__isovm_enter(3);try{return (({a: 1}))}finally{__isovm_exit()}};",
    ),
    (
        "const f = a => b => c => a + b + c;",
        "__isovm_gas(3);const f = a => {__isovm_enter(4);try{return (b => {__isovm_enter(4);try{return (c => {__isovm_enter(4);try{return (a + b + c)}finally{__isovm_exit()}})}finally{__isovm_exit()}})}finally{__isovm_exit()}};",
    ),
    (
        "const f = async x => await x;",
        "__isovm_gas(3);const f = async x => {__isovm_enter(3);try{return (await x)}finally{__isovm_exit()}};",
    ),
    (
        "xs.map(x => x * 2).filter(Boolean)",
        "__isovm_gas(11);xs.map(x => {__isovm_enter(3);try{return (x * 2)}finally{__isovm_exit()}}).filter(Boolean)",
    ),
    (
        "f = x => x",
        "__isovm_gas(4);f = x => {__isovm_enter(2);try{return (x)}finally{__isovm_exit()}}",
    ),
    (
        "const g = () => {};",
        "__isovm_gas(3);const g = () => {__isovm_enter(1);try{}finally{__isovm_exit()}};",
    ),
    (
        "f(x => (a, b))",
        "__isovm_gas(6);f(x => {__isovm_enter(3);try{return ((a, b))}finally{__isovm_exit()}})",
    ),
    (
        "(a => a)(1)",
        "__isovm_gas(6);(a => {__isovm_enter(2);try{return (a)}finally{__isovm_exit()}})(1)",
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
        "__isovm_gas(1);if (a) {__isovm_gas(4);f = x => {__isovm_enter(2);try{return (x)}finally{__isovm_exit()}}}",
    ),
    (
        "while (a) f = x => y => x",
        "__isovm_gas(1);while (a) {__isovm_gas(5);f = x => {__isovm_enter(4);try{return (y => {__isovm_enter(2);try{return (x)}finally{__isovm_exit()}})}finally{__isovm_exit()}}}",
    ),
    // Iteration charge (outer) before the first statement's charge (inner).
    (
        "while (a) {b()}",
        "__isovm_gas(1);while (a) {__isovm_gas(5);b()}",
    ),
    // `}` closing a branch, then the next statement's charge.
    (
        "if (a) b = () => c;d()",
        "__isovm_gas(1);if (a) {__isovm_gas(4);b = () => {__isovm_enter(1);try{return (c)}finally{__isovm_exit()}};}__isovm_gas(4);d()",
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
        apply("abcd", inserts).ok().map(|(code, _)| code),
        Some("a<o<ibci>o><nd".to_string())
    );
}

const CLASSES: &[(&str, &str)] = &[
    ("class A {}", "__isovm_gas(3);class A {}"),
    (
        "class B extends mixin(A) { constructor() { super(); } }",
        "__isovm_gas(6);class B extends mixin(A) { constructor() {__isovm_enter(5);try{ super(); }finally{__isovm_exit()}} }",
    ),
    (
        "class A { m(a) { return a } static s() {} get g() { return 1 } set g(v) {} *gen() { yield 1 } async am() {} }",
        "__isovm_gas(3);class A { m(a) {__isovm_enter(3);try{ return a }finally{__isovm_exit()}} static s() {__isovm_enter(1);try{}finally{__isovm_exit()}} get g() {__isovm_enter(2);try{ return 1 }finally{__isovm_exit()}} set g(v) {__isovm_enter(2);try{}finally{__isovm_exit()}} *gen() {__isovm_enter(3);try{ yield 1 }finally{__isovm_exit()}} async am() {__isovm_enter(1);try{}finally{__isovm_exit()}} }",
    ),
    (
        "class A { static { init(); } static {} }",
        "__isovm_gas(3);class A { static { __isovm_gas(4);init(); } static {} }",
    ),
    (
        "class A { [k()]() {} #p = 1; #q() { return this.#p } }",
        "__isovm_gas(6);class A { [k()]() {__isovm_enter(1);try{}finally{__isovm_exit()}} #p = (__isovm_gas(1), 1); #q() {__isovm_enter(3);try{ return this.#p }finally{__isovm_exit()}} }",
    ),
    (
        "class A { x = f(); static y = g.h; z; w = () => 1; v = function () {}; }",
        "__isovm_gas(3);class A { x = __isovm_frame(4, 16, () => (f())); static y = __isovm_frame(2, 16, () => (g.h)); z; w = () => {__isovm_enter(1);try{return (1)}finally{__isovm_exit()}}; v = function () {__isovm_enter(1);try{}finally{__isovm_exit()}}; }",
    ),
    (
        "const C = class { x = new C() };",
        "__isovm_gas(3);const C = class { x = __isovm_frame(4, 16, () => (new C())) };",
    ),
    (
        "class A { x = class {} }",
        "__isovm_gas(3);class A { x = class {} }",
    ),
];

#[test]
fn classes() {
    check_all(CLASSES);
}

const DEFAULTS: &[(&str, &str)] = &[
    (
        "function f(a = f()) {}",
        "__isovm_gas(1);function f(a = __isovm_frame(4, 16, () => (f()))) {__isovm_enter(2);try{}finally{__isovm_exit()}}",
    ),
    (
        "function f(a = 1, {b = g()} = {}, [c = 2] = []) {}",
        "__isovm_gas(1);function f(a = (__isovm_gas(1), 1), {b = __isovm_frame(4, 16, () => (g()))} = (__isovm_gas(2), {}), [c = (__isovm_gas(1), 2)] = (__isovm_gas(2), [])) {__isovm_enter(4);try{}finally{__isovm_exit()}}",
    ),
    (
        "const f = (x = y.z) => x;",
        "__isovm_gas(3);const f = (x = __isovm_frame(2, 16, () => (y.z))) => {__isovm_enter(2);try{return (x)}finally{__isovm_exit()}};",
    ),
    // Anonymous functions keep their inferred name: left bare.
    (
        "function f(cb = () => 1, h = function () {}) {}",
        "__isovm_gas(1);function f(cb = () => {__isovm_enter(1);try{return (1)}finally{__isovm_exit()}}, h = function () {__isovm_enter(1);try{}finally{__isovm_exit()}}) {__isovm_enter(3);try{}finally{__isovm_exit()}}",
    ),
    // Defaults inside a body are part of their statement.
    (
        "function f() { const {a = g()} = o; }",
        "__isovm_gas(1);function f() {__isovm_enter(8);try{ const {a = g()} = o; }finally{__isovm_exit()}}",
    ),
    (
        "function f(a = function (b = 1) { const {c = 2} = b; }) {}",
        "__isovm_gas(1);function f(a = function (b = (__isovm_gas(1), 1)) {__isovm_enter(6);try{ const {c = 2} = b; }finally{__isovm_exit()}}) {__isovm_enter(2);try{}finally{__isovm_exit()}}",
    ),
];

#[test]
fn parameter_defaults_are_charged_inline() {
    check_all(DEFAULTS);
}

const MISC: &[(&str, &str)] = &[
    (
        "const s = `a${f(() => { return 1; })}b`;",
        "__isovm_gas(7);const s = `a${f(() => {__isovm_enter(2);try{ return 1; }finally{__isovm_exit()}})}b`;",
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
        "/* 😀 */ __isovm_gas(8);x = '😀'\n// ü\nf(x => {__isovm_enter(2);try{return (x)}finally{__isovm_exit()}})",
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
        "__isovm_gas(7);o.let = obj.static; o['__isovm_x'] = 1;",
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

const CONTRACT_OUT: &str = r#"__isovm_gas(3);class Token {
  init() {__isovm_enter(6);try{ storage.put("supply", "0"); }finally{__isovm_exit()}}
  transfer(from, to, amount) {__isovm_enter(15);try{
    const bal = Number(storage.mapGet("balances", from) || "0");
    if (bal < amount) {__isovm_gas(4);throw new Error("insufficient balance");}
    __isovm_gas(1);for (let i = 0; i < 3; i++) {__isovm_gas(3); /* ... */ }
    __isovm_gas(1);return true;
  }finally{__isovm_exit()}}
}
__isovm_gas(3);module.exports = Token;
"#;

#[test]
fn typical_contract() {
    check(CONTRACT, CONTRACT_OUT);
    let out = instrument(CONTRACT).ok();
    assert_eq!(out.map(|o| o.charge_sites), Some(8));
}

fn all_cases() -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    [
        STATEMENTS, ASI, DIRECTIVES, LOOPS, BRANCHES, LABELS, FUNCTIONS, ORDERING, CLASSES,
        DEFAULTS, MISC,
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
        assert_eq!(
            parse_errors(&out.code),
            Vec::<String>::new(),
            "output of {input:?}: {}",
            out.code
        );
        // The engine's wrapper, compiled as a classic script, must parse too.
        let wrapped = format!(
            "(({}) => {{\"use strict\";{}\n}})",
            WRAPPER_PARAMS.join(", "),
            out.code
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
    unsupported("#!/usr/bin/env node\nf()", 1, 1);
    unsupported("@dec class A {}", 1, 1);
    unsupported("class A { accessor x = 1; }", 1, 11);
    unsupported("function f(a = class extends g() {}) {}", 1, 16);
    unsupported("class A { x = class { [k()] = 1 } }", 1, 15);
    assert!(instrument("import.meta").is_err());
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
