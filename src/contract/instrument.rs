//! Deploy-time instrumentation of JavaScript contract source: gas, memory units, call depth,
//! stack units, and guards around the operators whose work grows with their operands.
//!
//! Contracts run in V8, and every receipt must be the same on every node
//! (`docs/determinism.md`), so every contract is rewritten once, at deploy time, to pay for its
//! own execution. The runtime passes the metering functions and the guards as the parameters
//! [`WRAPPER_PARAMS`] of the wrapper it compiles the contract in
//!
//! ```text
//! ((__isovm_gas, __isovm_enter, …, __isovm_rest, module, exports, require, block, tx) => {"use strict";<instrumented source>
//! })
//! ```
//!
//! and the instrumented source calls `__isovm_gas(n);` (or `__isovm_gas(n, m);` with `m` memory
//! units) before it does `n` units of work. `docs/gas.md` has every form and number.
//!
//! # Scheme
//!
//! The source is parsed with `oxc` as a classic script that allows top-level `return`, and the
//! AST is only *read*: the output is the original text with text inserted at span offsets
//! (UTF-8 byte offsets), and a few tokens replaced (`==` by `,`, and inside update targets
//! `[`, `]`, `.`, `super` or a prefix `++`/`--`). Nothing is re-printed and no newline is ever
//! inserted or removed, so line numbers in stack traces stay those of the contract;
//! [`ColumnMap`] maps columns back.
//!
//! * **Statements.** Each straight-line run of a statement list (program, block, function
//!   body, `case` consequent, class static block) is preceded by `__isovm_gas(N);`, `N` being
//!   the sum of its statements' costs. A run ends after any statement that can branch, loop,
//!   jump or define a class, so a run's statements all execute whenever its first does (or
//!   one throws, and the run was charged in full). The first run of a function body or loop
//!   body block is paid by the entry or iteration charge instead; it also pays for the list's
//!   function declarations, which are created when the list's scope is entered. Directive
//!   prologues (`"use strict";`) are left alone.
//! * **Loops.** `for`, `for-in`, `for-of`, `while` and `do-while` pay per iteration at the start
//!   of the body: right after `{`, or, for a single-statement body, by wrapping it in
//!   `{__isovm_gas(N);` … `}` (then `N` also covers that statement). A `continue` (labeled or
//!   not) always re-enters the body, so every iteration pays.
//! * **`if`/`else`.** Single-statement branches are wrapped the same way (an `else if` is wrapped
//!   whole). Labeled statements are never split: `l: for (…)` stays intact, and the labeled
//!   statement is charged as a statement of its list.
//! * **Function entry, call depth and stack.** Every function body (declarations, expressions,
//!   methods, accessors, constructors, generators, async, arrows) becomes
//!   `{__isovm_enter(N, S);try{…}finally{__isovm_exit(S)}}`, `N` = `1 +` parameter count, the
//!   `__isovm_enter` inserted after the directive prologue if there is one. `__isovm_enter`
//!   charges `N`, counts one level of call depth and `S` stack units, `S = frame_slots +` the
//!   function's source bytes / 2 (an interpreter frame holds one register per local and per
//!   temporary, and each takes at least about two bytes of source); the runtime refuses to go
//!   past either limit. Depth and stack are counted, not measured on the real stack, because
//!   where a real stack overflow strikes depends on how V8 compiled the frames above it, which
//!   differs between nodes. A generator or async function also pays memory for the frame it
//!   keeps while suspended (`__isovm_enter(N, S, M)`). An empty body still pays, so empty
//!   infinite recursion is metered. Expression arrows `x => EXPR` become
//!   `x => {__isovm_enter(N, S);try{return (EXPR)}finally{__isovm_exit(S)}}`.
//! * **Inline values.** Parameter default values (also nested in parameter destructuring),
//!   computed keys of parameter patterns and class field initializers run outside any function
//!   body — defaults even before the callee's entry, so `function f(a = f()) {}` or
//!   `class A { x = new A(); }` would otherwise recurse for free. They become
//!   `__isovm_frame(N, S, () => (VALUE))` (with `, M` after the arrow when the value allocates
//!   or defines a field), which charges and counts one level of depth while the value is
//!   computed; a value that cannot run contract code (literals, names, `this`, plain
//!   array/object literals of those) is only charged, `(__isovm_gas(N, M), VALUE)`. An
//!   anonymous function, arrow or class is left bare (wrapping it would lose the name it infers
//!   from the binding, and creating it runs no user code); an anonymous class there is
//!   rejected if it has `extends` or computed keys, which would run user code uncharged.
//!   Instance fields with no charge of their own are paid per instance by one private field
//!   put first in the class body (`#__isovm_fields = __isovm_gas(N, M);`).
//! * **Memory units** fold into the same charges, counted where gas is: object and array
//!   literals, functions and classes created, regular-expression literals, `new`, property
//!   stores by assignment, fields defined, suspending entries (`cost.rs`).
//! * **Guards** (`rewrite/forms.rs`, `rewrite/guards.rs`): the operands of arithmetic,
//!   relational and unary numeric operators (N), of `===`/`!==` (S), computed keys (K), the
//!   strings `+`, `+=` and template literals make, `==`/`!=` (`__isovm_eq(a , b)`), `switch`
//!   discriminants, `for-in` objects, spreads and top-level rest elements. Each lets numbers
//!   and short strings through inline and calls the runtime for the rest. Update and compound
//!   arithmetic targets are made primitive before the operator reads them, held in
//!   `__isovm_oN`/`__isovm_kN` when they are not a name or a simple member. Operands that are
//!   O(1) by construction (numeric results, short literals, `typeof`) are left alone.
//! * **Temporaries** of the guards (`rewrite/scopes.rs`) are declared once per scope that runs
//!   code of its own — function body, expression arrow, program, static block, inline value —
//!   so none is ever shared with the code around it.
//! * **Regular-expression literals** get the `l` flag (V8's linear-time engine) and are
//!   collected in [`Instrumented::regexps`]: the deploy refuses one the engine cannot compile.
//!
//! Edits at the same offset are applied closing text first (`}`/`)` of the node that ends
//! there), then opening text (nested openers outer-first, nested closers inner-first), then a
//! token replaced from there.
//!
//! Inserted statements are never preceded by `;`: a statement list position is always after
//! `;`, `{`, `}`, `:`, a do-while `)`, or a line break that ended the previous statement by ASI,
//! and an identifier (`__isovm_gas`) can never continue a complete statement, so ASI still
//! applies. Two exceptions: the entry of a function whose directive prologue ends without `;`
//! (`function f() { "use strict"` + line break) is placed right after the directive, so it
//! gets a leading `;`; and a guard that opens with `(` at the start of an expression statement
//! gets a `;`, or `a = b` + line break + `x++` would become a call of `b`.
//!
//! # Cost table
//!
//! Full table in `instrument/cost.rs` and `docs/gas.md`. Statement: `1 +` the expressions it
//! evaluates directly (not nested statements or function bodies). Identifiers, literals,
//! `this`, `super`: 0; member access, operators, assignment, conditional, sequence, spread,
//! template literal, `await`, `yield`: 1; array/object literals and destructuring patterns:
//! 1 + 1 per element; calls, `new`, tagged templates: 3; function/arrow creation: 2; class
//! creation: 2 + `extends` + computed keys. Loop iteration: `1 + test + update` (`for`),
//! `1 + test` (`while`, `do`), `1 + left pattern` (`for-in/of`); a single-statement loop body
//! adds its statement cost. Function entry: `1 +` parameter count; expression arrow: that `+`
//! the expression's cost. Inline values: `1 +` the value's cost.
//!
//! # Rejected input
//!
//! * Syntax errors ([`InstrumentError::Syntax`]), plus strict-mode errors that the sloppy
//!   parse would hide *and* the rewrite could change: strict reserved words used as
//!   identifiers (`let`, `yield`, `static`, …), function declarations as `if`/loop/label
//!   bodies, and bindings named `undefined` (the guards read the name as the value). Other
//!   strict-mode errors (octal literals, `delete x`, …) are left to V8, which compiles the
//!   wrapper in strict mode.
//! * [`InstrumentError::Reserved`]: any identifier starting with [`RESERVED_PREFIX`] —
//!   references, bindings, labels, private names, and also property names (`o.__isovm_x`,
//!   `{__isovm_x: 1}`), which is the simplest rule to state and check. String keys
//!   (`o["__isovm_x"]`) are not checked: they can never reach the wrapper's parameters.
//! * [`InstrumentError::Unsupported`]: `import`/`export`, `import()` (would load code that was
//!   never instrumented), `import.meta`, `with`, hashbang lines, decorators, `accessor` fields
//!   (not in V8's strict script grammar), BigInt literals (BigInt arithmetic cannot be metered
//!   by size), rest elements anywhere but the top level of a declaration or assignment,
//!   parenthesized update targets that need temporaries, sources over 256 KiB, and internal
//!   errors.
//!
//! Positions are 1-based; columns count UTF-16 code units, as V8 stack traces do; `\n`, `\r\n`,
//! `\r`, U+2028 and U+2029 end lines.
//!
//! # Robustness
//!
//! `oxc`'s parser recurses without a depth limit, and a stack overflow aborts the process, so
//! [`instrument`] runs on a short-lived worker thread whose stack is sized from the source
//! length (enough for the deepest nesting that many bytes can spell), and refuses sources over
//! 256 KiB. A panic in the worker is returned as an error. There is no `unwrap` on input paths.
//!
//! # Not covered here
//!
//! Work done inside native built-ins is metered by the runtime library's wrappers, and code
//! built from strings at run time is disabled (it would not be instrumented).

mod columns;
mod cost;
mod rewrite;
#[cfg(test)]
mod tests;

use oxc_allocator::Allocator;
use oxc_ast_visit::Visit;
use oxc_parser::{ParseOptions, Parser, ParserReturn};
use oxc_span::SourceType;

pub use columns::ColumnMap;
use columns::ColumnTracker;
use rewrite::Instrumenter;

/// Name of the gas function the instrumented code calls: `__isovm_gas(n);` or, with memory
/// units, `__isovm_gas(n, m);`.
pub const GAS_FN: &str = "__isovm_gas";
/// `__isovm_enter(n, s[, m])`, called on entry to every function body, inside which the body
/// runs in a `try` whose `finally` calls [`EXIT_FN`]: charges `n` (and `m` memory units) and
/// counts one level of call depth and `s` stack units.
pub const ENTER_FN: &str = "__isovm_enter";
/// `__isovm_exit(s)`: leaves one level of call depth and `s` stack units.
pub const EXIT_FN: &str = "__isovm_exit";
/// `__isovm_frame(n, s, () => value[, m])`: a parameter default, field initializer or computed
/// key of a parameter pattern, charged and counted as one level of call depth and `s` stack
/// units while it is evaluated.
pub const FRAME_FN: &str = "__isovm_frame";
/// Guards (the runtime's `70-guards.js`): operands whose work grows with their size.
/// `__isovm_num(x)`: an operand of an arithmetic, relational, unary numeric, update or
/// compound operator that is not a number; returns the primitive the operator must see.
pub const NUM_FN: &str = "__isovm_num";
/// `__isovm_str(x)`: a long-string operand of `===`/`!==`; returns `x`.
pub const STR_FN: &str = "__isovm_str";
/// `__isovm_key(x)`: a computed property key; returns ToPropertyKey(x).
pub const KEY_FN: &str = "__isovm_key";
/// `__isovm_cat(s)`: a string made by `+`, `+=` or a template literal; returns `s`.
pub const CAT_FN: &str = "__isovm_cat";
/// `__isovm_eq(a, b)`: `a == b` (`!=` is its negation).
pub const EQ_FN: &str = "__isovm_eq";
/// `__isovm_case(x, n)`: a `switch` discriminant with `n` case tests; returns `x`.
pub const CASE_FN: &str = "__isovm_case";
/// `__isovm_forin(o)`: the object of a `for-in`; returns `o`.
pub const FORIN_FN: &str = "__isovm_forin";
/// `__isovm_spread(x)`: an array-literal spread or array-pattern rest; returns an array.
pub const SPREAD_FN: &str = "__isovm_spread";
/// `__isovm_args(x)`: a spread into call arguments; returns an array (or throws past the cap).
pub const ARGS_FN: &str = "__isovm_args";
/// `__isovm_rest(o)`: an object-literal spread or object-pattern rest; returns `o`.
pub const REST_FN: &str = "__isovm_rest";
/// The wrapper's parameters, in order: what the engine passes and the instrumented code uses.
pub const WRAPPER_PARAMS: [&str; 19] = [
    GAS_FN, ENTER_FN, EXIT_FN, FRAME_FN, NUM_FN, STR_FN, KEY_FN, CAT_FN, EQ_FN, CASE_FN, FORIN_FN,
    SPREAD_FN, ARGS_FN, REST_FN, "module", "exports", "require", "block", "tx",
];
/// Identifiers starting with this prefix belong to the runtime; contracts may not use them.
pub const RESERVED_PREFIX: &str = "__isovm";

/// Result of a successful [`instrument`] call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instrumented {
    /// Instrumented source: same line count and line breaks as the input (text is only inserted, never a newline).
    pub code: String,
    /// How many charge sites were inserted (for logs/metrics).
    pub charge_sites: usize,
    /// Maps columns of `code` back to the source, for error locations.
    pub columns: ColumnMap,
    /// Every regular-expression literal, in source order. Each got the `l` flag (V8's
    /// linear-time engine); the deploy must check that the engine accepts every one.
    pub regexps: Vec<RegexpLiteral>,
    /// The exported class, or why IOST's validation refuses the source
    /// (`super::validate`); the deploy checks the ABI against it.
    pub exported: Result<super::validate::Exported, String>,
}

/// A regular-expression literal of the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegexpLiteral {
    /// The pattern between the slashes, as written.
    pub pattern: String,
    /// The flags as written (without the `l` the instrumenter adds).
    pub flags: String,
    /// 1-based position of the literal's `/`; the column counts UTF-16 units.
    pub line: u32,
    pub column: u32,
}

impl RegexpLiteral {
    /// The flags the literal runs with: its own plus `l`.
    pub fn linear_flags(&self) -> String {
        format!("{}l", self.flags)
    }
}

impl std::fmt::Display for RegexpLiteral {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "/{}/{}", self.pattern, self.flags)
    }
}

/// Why a contract source was refused. Lines and columns are 1-based; columns count UTF-16
/// code units.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InstrumentError {
    /// The source does not parse (or breaks a strict-mode rule the rewrite depends on).
    #[error("syntax error at line {line}, column {column}: {message}")]
    Syntax {
        line: u32,
        column: u32,
        message: String,
    },
    /// The source uses a name reserved for the runtime.
    #[error(
        "reserved identifier `{name}` at line {line}, column {column}: names starting with `__isovm` belong to the runtime"
    )]
    Reserved {
        name: String,
        line: u32,
        column: u32,
    },
    /// The source uses syntax that contracts may not use.
    #[error("unsupported syntax at line {line}, column {column}: {what}")]
    Unsupported {
        what: String,
        line: u32,
        column: u32,
    },
}

/// Largest accepted source, in bytes. Bounds the worker stack below (and the parse time).
const MAX_SOURCE_LEN: usize = crate::consensus::PARAMS.limits.max_source_bytes;
/// Worker stack: a base plus a budget per source byte. `oxc`'s recursive-descent parser has no
/// nesting limit (oxc issues #21953, #24375) and a stack overflow aborts the whole process, so
/// the stack must fit the deepest nesting the source can spell: `((((…))))` takes about
/// 0.8 KiB of stack per source byte in release builds and 1.4 KiB in debug builds (measured
/// with oxc 0.146). The stack is reserved virtual memory; only what the recursion touches is
/// committed.
const STACK_BASE: usize = 16 * 1024 * 1024;
const STACK_PER_SOURCE_BYTE: usize = 3 * 1024;

/// Instruments contract `source` with gas charges (see the module documentation).
///
/// Deterministic: the same source always gives the same output. Runs on a short-lived worker
/// thread with a stack sized for the source, so pathological nesting cannot overflow the
/// caller's stack; sources over 256 KiB are refused.
pub fn instrument(source: &str) -> Result<Instrumented, InstrumentError> {
    if source.len() > MAX_SOURCE_LEN {
        let what = format!(
            "source is {} bytes; the limit is {MAX_SOURCE_LEN}",
            source.len()
        );
        return Err(Problem::Unsupported(what).at("", 0));
    }
    let stack = STACK_BASE + source.len() * STACK_PER_SOURCE_BYTE;
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("isovm-instrument".into())
            .stack_size(stack)
            .spawn_scoped(scope, || instrument_here(source));
        match worker {
            // A panic (a parser bug) becomes an error instead of unwinding into the caller.
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|_| Err(internal("the instrumenter panicked"))),
            Err(e) => Err(internal(&format!(
                "cannot start the instrumenter thread: {e}"
            ))),
        }
    })
}

fn internal(what: &str) -> InstrumentError {
    Problem::Unsupported(format!("internal error: {what}")).at("", 0)
}

/// [`instrument`] on the current thread.
fn instrument_here(source: &str) -> Result<Instrumented, InstrumentError> {
    let allocator = Allocator::default();
    let options = ParseOptions {
        allow_return_outside_function: true,
        ..ParseOptions::default()
    };
    let parsed = Parser::new(&allocator, source, SourceType::script())
        .with_options(options)
        .parse();
    if let Some(error) = first_syntax_error(source, &parsed) {
        return Err(error);
    }
    let mut instrumenter = Instrumenter::new(source);
    instrumenter.visit_program(&parsed.program);
    instrumenter.finish(super::validate::exported(&parsed.program))
}

/// The parser error that starts earliest in the source, if any.
fn first_syntax_error(source: &str, parsed: &ParserReturn<'_>) -> Option<InstrumentError> {
    let mut first: Option<(u32, String)> = None;
    for error in parsed.diagnostics.errors() {
        let label = error
            .labels
            .iter()
            .find(|l| l.primary())
            .or_else(|| error.labels.first());
        let offset = label.map_or(0, |l| l.offset());
        if first.as_ref().is_none_or(|(best, _)| offset < *best) {
            first = Some((offset, error.message.to_string()));
        }
    }
    if first.is_none() && parsed.panicked {
        first = Some((0, "the parser gave up".into()));
    }
    first.map(|(offset, message)| Problem::Syntax(message).at(source, offset))
}

/// An error found while walking the AST, before its position is resolved.
enum Problem {
    Syntax(String),
    Reserved(String),
    Unsupported(String),
}

impl Problem {
    fn at(self, source: &str, offset: u32) -> InstrumentError {
        let (line, column) = line_column(source, offset);
        match self {
            Problem::Syntax(message) => InstrumentError::Syntax {
                line,
                column,
                message,
            },
            Problem::Reserved(name) => InstrumentError::Reserved { name, line, column },
            Problem::Unsupported(what) => InstrumentError::Unsupported { what, line, column },
        }
    }
}

/// 1-based line and UTF-16 column of byte `offset`.
fn line_column(source: &str, offset: u32) -> (u32, u32) {
    let (mut line, mut column) = (1u32, 1u32);
    let mut chars = source.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        if index >= offset as usize {
            break;
        }
        match c {
            '\r' | '\n' | '\u{2028}' | '\u{2029}' => {
                // `\r\n` is a single line break.
                if c == '\r' && chars.peek().is_some_and(|&(_, next)| next == '\n') {
                    chars.next();
                }
                line = line.saturating_add(1);
                column = 1;
            }
            // len_utf16 is 1 or 2.
            c => column = column.saturating_add(c.len_utf16() as u32),
        }
    }
    (line, column)
}

/// Which end of a node an edit belongs to. At equal offsets: closing text first (`}`/`)` of
/// nodes that end there), then opening text (of nodes that start there), then a replaced
/// token that starts there (the innermost thing at that offset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    Close,
    Open,
    /// The source from the edit's offset up to `end` (one token, never a line break) is
    /// replaced by the text.
    Replace {
        end: u32,
    },
}

/// Text to insert at byte offset `pos` (or to put in place of a token there). `seq` is the
/// order of creation, which is pre-order (a node's edits are created before its children's),
/// so it encodes nesting.
struct Insert {
    pos: u32,
    side: Side,
    seq: u32,
    text: String,
}

impl Insert {
    /// Sort key: by offset, closers before openers before a replacement, openers outer-first,
    /// closers inner-first.
    fn key(&self) -> (u32, Side, u32) {
        let order = match self.side {
            Side::Open | Side::Replace { .. } => self.seq,
            Side::Close => u32::MAX - self.seq,
        };
        (self.pos, self.side, order)
    }
}

/// Applies `inserts` to `source` in one pass. At an offset in `statement_starts` (sorted: the
/// starts of expression statements), opening text that begins with `(` gets a `;` before it,
/// so that the statement cannot be read as a call continuing the previous line (`a = b` /
/// `x++` would otherwise become `a = b(typeof x …)`).
fn apply(
    source: &str,
    mut inserts: Vec<Insert>,
    statement_starts: &[u32],
) -> Result<(String, ColumnMap), InstrumentError> {
    inserts.retain(|i| !i.text.is_empty() || matches!(i.side, Side::Replace { .. }));
    inserts.sort_by_key(Insert::key);
    let extra: usize = inserts.iter().map(|i| i.text.len() + 1).sum();
    let mut code = String::with_capacity(source.len() + extra);
    let mut columns = ColumnTracker::new();
    let mut copied = 0usize;
    let mut opened_at = None;
    let inside =
        |at: u32| Problem::Unsupported("internal error: overlapping edits".into()).at(source, at);
    for insert in &inserts {
        let pos = insert.pos as usize;
        if pos < copied {
            return Err(inside(insert.pos));
        }
        // Spans are token boundaries, so this always succeeds; stay panic-free regardless.
        let chunk = source.get(copied..pos).ok_or_else(|| inside(insert.pos))?;
        code.push_str(chunk);
        columns.advance(chunk);
        copied = pos;
        let mut text = std::borrow::Cow::Borrowed(insert.text.as_str());
        if insert.side != Side::Close && opened_at != Some(insert.pos) {
            opened_at = Some(insert.pos);
            if text.starts_with('(') && statement_starts.binary_search(&insert.pos).is_ok() {
                text = format!(";{text}").into();
            }
        }
        match insert.side {
            Side::Replace { end } => {
                let old = source
                    .get(pos..end as usize)
                    .ok_or_else(|| inside(insert.pos))?;
                if old.contains(['\r', '\n', '\u{2028}', '\u{2029}']) {
                    return Err(inside(insert.pos));
                }
                code.push_str(&text);
                columns.replace(old, &text);
                copied = end as usize;
            }
            _ => {
                code.push_str(&text);
                columns.insert(&text);
            }
        }
    }
    code.push_str(source.get(copied..).unwrap_or_default());
    Ok((code, columns.finish()))
}
