//! Where charges go: statement runs, loop iterations, branches, function entries, inline
//! values (frames), and the per-instance charge of fields (`docs/gas.md`, "Where charges go").

use oxc_ast::ast::{
    Class, Expression, FunctionBody, ObjectPropertyKind, PropertyKind, Statement,
    VariableDeclarationKind,
};
use oxc_ast_visit::Visit;
use oxc_span::{GetSpan, Span};

use super::super::{ENTER_FN, EXIT_FN, FRAME_FN, GAS_FN, Problem, Side, cost};
use super::patterns::PatternPlace;
use super::scopes::Patch;
use super::{Instrumenter, forms};
use cost::Cost;

/// The arguments of a charge: `n` or `n, m`.
pub(super) fn amounts(n: Cost) -> String {
    if n.memory > 0 {
        format!("{}, {}", n.gas, n.memory)
    } else {
        n.gas.to_string()
    }
}

pub(super) fn charge(n: Cost) -> String {
    format!("{GAS_FN}({});", amounts(n))
}

/// The arguments of a function entry: `n, s` or `n, s, m`.
pub(super) fn entry_amounts(n: Cost, stack: u64) -> String {
    if n.memory > 0 {
        format!("{}, {stack}, {}", n.gas, n.memory)
    } else {
        format!("{}, {stack}", n.gas)
    }
}

impl Instrumenter<'_> {
    /// `__isovm_gas(n);` before `pos`.
    pub(super) fn charge_at(&mut self, pos: u32, n: Cost) {
        self.insert(pos, Side::Open, charge(n));
        self.charge_sites += 1;
    }

    /// Charges each straight-line run of `statements` once, before its first statement; with
    /// `absorbed`, the first run is already paid by the enclosing entry or iteration charge.
    pub(super) fn charge_statements(&mut self, statements: &[Statement<'_>], absorbed: bool) {
        for (i, (start, n)) in runs(statements).into_iter().enumerate() {
            // A run of function declarations alone (after a `return`) was paid by the first.
            if !(absorbed && i == 0) && n != Cost::default() {
                self.charge_at(start, n);
            }
        }
    }

    /// Function entry: `__isovm_enter(n, s);try{` at the start of the body (after its
    /// directive prologue) and `}finally{__isovm_exit(s)}` before its closing `}`, so call
    /// depth and stack are counted deterministically and every way out of the body leaves
    /// its level. Opens the body's temporaries scope (declared between the two: `let …;`).
    /// `suspends`: a generator or async function, whose frame outlives the call.
    pub(super) fn charge_entry(
        &mut self,
        body: &FunctionBody<'_>,
        entry: Cost,
        stack: u64,
        suspends: bool,
    ) {
        let bytes = self.source.as_bytes();
        let (at, lead) = if let Some(last) = body.directives.last() {
            let end = last.span.end;
            // A directive ended by ASI needs its semicolon before our call.
            let terminated = end > 0 && bytes.get(end as usize - 1) == Some(&b';');
            (end, if terminated { "" } else { ";" })
        } else if bytes.get(body.span.start as usize) == Some(&b'{') {
            (body.span.start + 1, "")
        } else {
            let what = "internal error: body without `{`";
            self.report(body.span.start, Problem::Unsupported(what.into()));
            self.open_scope(Patch::Nothing);
            return;
        };
        let close_at = body.span.end.saturating_sub(1);
        if bytes.get(close_at as usize) != Some(&b'}') {
            let what = "internal error: body without `}`";
            self.report(body.span.start, Problem::Unsupported(what.into()));
            self.open_scope(Patch::Nothing);
            return;
        }
        let mut n = entry;
        if let Some((_, first)) = runs(&body.statements).first() {
            self.absorbed.insert(body.span.start);
            n = n.plus(*first);
        }
        if suspends {
            n = n.plus_memory(cost::generator_frame(stack));
        }
        let head = format!("{lead}{ENTER_FN}({});", entry_amounts(n, stack));
        let close = format!("}}finally{{{EXIT_FN}({stack})}}");
        let index = self.insert(at, Side::Open, String::new());
        let tail = if at == close_at {
            // An empty body: both halves at one offset, in this order.
            format!("try{{{close}")
        } else {
            self.insert(close_at, Side::Close, close);
            "try{".to_string()
        };
        self.open_scope(Patch::Entry { index, head, tail });
        self.charge_sites += 1;
    }

    /// Charge right after the `{` that opens `span`.
    pub(super) fn charge_after_brace(&mut self, span: Span, n: Cost) {
        if self.source.as_bytes().get(span.start as usize) == Some(&b'{') {
            self.charge_at(span.start + 1, n);
        } else {
            self.report(
                span.start,
                Problem::Unsupported("internal error: body without `{`".into()),
            );
        }
    }

    /// `{__isovm_gas(n);` before and `}` after a single-statement body.
    pub(super) fn wrap_statement(&mut self, body: &Statement<'_>, n: Cost) {
        let span = body.span();
        // Declarations are not allowed there in strict mode; in a block they would become legal.
        let declaration = match body {
            Statement::FunctionDeclaration(_) => Some("a function declaration"),
            Statement::ClassDeclaration(_) => Some("a class declaration"),
            Statement::VariableDeclaration(d) if d.kind != VariableDeclarationKind::Var => {
                Some("a lexical declaration")
            }
            _ => None,
        };
        if let Some(what) = declaration {
            let message = format!("{what} cannot be the body of `if`, `else` or a loop");
            self.report(span.start, Problem::Syntax(message));
            return;
        }
        self.insert(span.start, Side::Open, format!("{{{}", charge(n)));
        self.insert(span.end, Side::Close, "}".into());
        self.charge_sites += 1;
    }

    /// Per-iteration charge `n` at the start of a loop body.
    pub(super) fn loop_body(&mut self, body: &Statement<'_>, n: Cost) {
        match body {
            Statement::BlockStatement(block) => {
                let n = match runs(&block.body).first() {
                    Some((_, first)) => {
                        self.absorbed.insert(block.span.start);
                        n.plus(*first)
                    }
                    None => n,
                };
                self.charge_after_brace(block.span, n);
            }
            // The body statement is not in a list: its own cost joins the iteration charge.
            body => self.wrap_statement(body, n.plus(cost::statement(body))),
        }
    }

    /// `if`/`else` branch: blocks charge their statements; single statements are wrapped.
    pub(super) fn branch(&mut self, body: &Statement<'_>) {
        if !matches!(body, Statement::BlockStatement(_)) {
            self.wrap_statement(body, cost::statement(body));
        }
    }

    /// An expression-bodied arrow becomes a block-bodied one with the same entry as any
    /// function: `{__isovm_enter(n, s);try{return (` before, `)}finally{__isovm_exit(s)}}`
    /// after. Opens the body's temporaries scope.
    pub(super) fn arrow_entry(
        &mut self,
        expr: &Expression<'_>,
        n: Cost,
        stack: u64,
        suspends: bool,
    ) {
        let span = expr.span();
        let n = if suspends {
            n.plus_memory(cost::generator_frame(stack))
        } else {
            n
        };
        let head = format!("{{{ENTER_FN}({});", entry_amounts(n, stack));
        let index = self.insert(span.start, Side::Open, String::new());
        self.insert(
            span.end,
            Side::Close,
            format!(")}}finally{{{EXIT_FN}({stack})}}}}"),
        );
        self.open_scope(Patch::Entry {
            index,
            head,
            tail: "try{return (".into(),
        });
        self.charge_sites += 1;
    }

    /// `(__isovm_gas(n), ` before and `)` after an expression that runs no user code.
    pub(super) fn charge_expression(&mut self, expr: &Expression<'_>, n: Cost) {
        let span = expr.span();
        self.insert(
            span.start,
            Side::Open,
            format!("({GAS_FN}({}), ", amounts(n)),
        );
        self.insert(span.end, Side::Close, ")".into());
        self.charge_sites += 1;
    }

    /// `__isovm_frame(n, s, () => (` before and `))` after `expr` (a parameter default, a
    /// field initializer, a computed key in a parameter pattern), which `visit` then visits:
    /// charged, and one level of call depth and its stack units while it runs. These run
    /// outside any function body (defaults even before the callee's entry), so `function
    /// f(a = f()) {}` or `class A { x = new A(); }` would otherwise recurse without paying or
    /// counting depth. The arrow is a scope of its own for temporaries.
    pub(super) fn frame<'a>(
        &mut self,
        expr: &Expression<'a>,
        n: Cost,
        visit: impl FnOnce(&mut Self),
    ) {
        let span = expr.span();
        let stack = cost::stack_units(span.size());
        let head = format!("{FRAME_FN}({}, {stack}, () => ", n.gas);
        let open = self.insert(span.start, Side::Open, String::new());
        let close = self.insert(span.end, Side::Close, String::new());
        self.open_scope(Patch::Frame {
            open,
            close,
            head,
            memory: n.memory,
        });
        self.charge_sites += 1;
        self.with_params(false, |v| v.in_patterns(PatternPlace::Code, visit));
        self.close_scope();
    }

    /// A parameter default or class field initializer (`extra`: what else its evaluation
    /// pays, a field's store): charged inline when it is evaluated. Visits it.
    pub(super) fn inline_value<'a>(&mut self, value: &Expression<'a>, extra: Cost) {
        if cost::bare_value(value) {
            // Must stay a bare anonymous definition to keep its inferred `name`; creating a
            // function runs no user code, and its body pays on entry.
            if let Expression::ClassExpression(class) = value.without_parentheses() {
                let computed = class.body.body.iter().any(|element| {
                    element
                        .property_key()
                        .is_some_and(|key| cost::computed_key(key).is_some())
                });
                if class.heritage.is_some() || computed {
                    let what = "an anonymous class with `extends` or computed keys as a default \
                                value or field initializer (give the class a name)";
                    self.report(value.span().start, Problem::Unsupported(what.into()));
                }
            }
            self.with_params(false, |v| v.visit_expression(value));
            return;
        }
        let n = Cost::gas(cost::BASE)
            .plus(cost::expression(value))
            .plus(extra);
        if runs_no_code(value) {
            // Nothing in it can call back into the contract: a plain charge will do.
            self.charge_expression(value, n);
            self.with_params(false, |v| v.visit_expression(value));
        } else {
            self.frame(value, n, |v| v.visit_expression(value));
        }
    }

    /// A computed key in a parameter pattern (`function f({[k]: v})`): evaluated before the
    /// body, like a default. A name or a literal is guarded inline (no temporary); anything
    /// else is a frame of its own.
    pub(super) fn parameter_key<'a>(&mut self, key: &Expression<'a>) {
        if forms::key_free(key) || forms::identifier(self.source, key).is_some() {
            self.guard_key(key);
            self.visit_expression(key);
            return;
        }
        let n = Cost::gas(cost::BASE).plus(cost::expression(key));
        self.frame(key, n, |v| {
            v.guard_key(key);
            v.visit_expression(key);
        });
    }

    /// A scope whose temporaries are declared at its first statement (program, static block).
    pub(super) fn statement_scope(&mut self, statements: &[Statement<'_>]) {
        let index = statements
            .first()
            .map(|s| self.insert(s.span().start, Side::Open, String::new()));
        self.open_scope(Patch::Lazy { index });
    }

    /// A class whose instance fields include some with no charge of their own (no
    /// initializer, or an anonymous function kept bare): one private field, first, pays for
    /// them each time an instance is made.
    pub(super) fn charge_instance_fields(&mut self, class: &Class<'_>) {
        let n = cost::uncharged_instance_fields(class);
        if n.gas == 0 {
            return;
        }
        let at = class.body.span.start;
        if self.source.as_bytes().get(at as usize) == Some(&b'{') {
            let text = format!("#__isovm_fields = {GAS_FN}({});", amounts(n));
            self.insert(at + 1, Side::Open, text);
            self.charge_sites += 1;
        } else {
            self.unsupported(class.body.span, "internal error: class body without `{`");
        }
    }
}

/// The straight-line runs of a statement list, as (offset of the first statement, cost of all
/// of them). A run ends after any statement that is not simple (one that can branch, loop,
/// jump, or define a class), so whenever a run's first statement runs, so do the others,
/// unless one of them throws: then the run was charged in full, a deterministic overcharge
/// on the failing path only. The first run also pays for the list's function declarations,
/// which are created when the list is entered.
pub(super) fn runs(statements: &[Statement<'_>]) -> Vec<(u32, Cost)> {
    let mut out: Vec<(u32, Cost)> = Vec::new();
    let mut open = false;
    for statement in statements {
        let n = cost::statement(statement);
        match out.last_mut() {
            Some((_, total)) if open => *total = total.plus(n),
            _ => out.push((statement.span().start, n)),
        }
        open = matches!(
            statement,
            Statement::ExpressionStatement(_)
                | Statement::VariableDeclaration(_)
                | Statement::EmptyStatement(_)
                | Statement::DebuggerStatement(_)
                | Statement::FunctionDeclaration(_)
        );
    }
    if let Some((_, first)) = out.first_mut() {
        *first = first.plus(cost::hoisted(statements));
    }
    out
}

/// Whether evaluating `expr` can never run contract code: literals, names, `this`, and array
/// or object literals of those (no spread, no computed keys, no methods or accessors).
pub(super) fn runs_no_code(expr: &Expression<'_>) -> bool {
    match expr.without_parentheses() {
        Expression::BooleanLiteral(_)
        | Expression::NullLiteral(_)
        | Expression::NumericLiteral(_)
        | Expression::BigIntLiteral(_)
        | Expression::StringLiteral(_)
        | Expression::Identifier(_)
        | Expression::ThisExpression(_) => true,
        Expression::TemplateLiteral(t) => t.expressions.is_empty(),
        Expression::ArrayExpression(a) => a
            .elements
            .iter()
            .all(|e| e.as_expression().is_some_and(runs_no_code) || e.is_elision()),
        Expression::ObjectExpression(o) => o.properties.iter().all(|p| match p {
            ObjectPropertyKind::ObjectProperty(p) => {
                !p.computed && !p.method && p.kind == PropertyKind::Init && runs_no_code(&p.value)
            }
            ObjectPropertyKind::SpreadProperty(_) => false,
        }),
        _ => false,
    }
}
