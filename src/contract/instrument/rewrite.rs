//! The AST walk: decides where charges go and collects the text inserts and errors.

use oxc_ast::AstKind;
use oxc_ast::ast::{
    AccessorProperty, ArrowFunctionBody, ArrowFunctionExpression, AssignmentPattern,
    BindingIdentifier, BlockStatement, ClassBody, Decorator, DoWhileStatement, Expression,
    ForInStatement, ForOfStatement, ForStatement, FormalParameter, FormalParameters, FunctionBody,
    Hashbang, IdentifierName, IdentifierReference, IfStatement, ImportExpression, ImportMeta,
    LabelIdentifier, LabeledStatement, ModuleDeclaration, ObjectPropertyKind, PrivateIdentifier,
    Program, PropertyDefinition, PropertyKind, Statement, StaticBlock, SwitchCase,
    VariableDeclarationKind, WhileStatement, WithStatement,
};
use oxc_ast_visit::{Visit, walk};
use oxc_span::{GetSpan, Span};

use super::{
    ENTER_FN, EXIT_FN, FRAME_FN, GAS_FN, Insert, InstrumentError, Instrumented, Problem,
    RESERVED_PREFIX, Side, apply, cost,
};

/// Words that are identifiers in sloppy mode but reserved in strict mode. The contract runs in
/// strict mode while `oxc` parses it as a sloppy script, so these must be rejected here:
/// otherwise e.g. `if (a) let` could be re-read as a declaration once its branch is wrapped.
const STRICT_RESERVED: [&str; 9] = [
    "implements",
    "interface",
    "let",
    "package",
    "private",
    "protected",
    "public",
    "static",
    "yield",
];

fn charge(n: u64) -> String {
    format!("{GAS_FN}({n});")
}

/// Walks the AST once, collecting inserts and errors.
pub(super) struct Instrumenter<'s> {
    source: &'s str,
    inserts: Vec<Insert>,
    charge_sites: usize,
    /// First problem by source offset.
    problem: Option<(u32, Problem)>,
    /// Inside formal parameters (not inside a nested body): defaults there run before the
    /// function's entry charge and are charged inline.
    in_params: bool,
    /// Starts of statement lists whose first straight-line run is paid by the charge that
    /// enters them (a function entry or a loop iteration).
    absorbed: std::collections::HashSet<u32>,
}

impl<'s> Instrumenter<'s> {
    pub(super) fn new(source: &'s str) -> Self {
        Self {
            source,
            inserts: Vec::new(),
            charge_sites: 0,
            problem: None,
            in_params: false,
            absorbed: std::collections::HashSet::new(),
        }
    }

    pub(super) fn finish(self) -> Result<Instrumented, InstrumentError> {
        if let Some((offset, problem)) = self.problem {
            return Err(problem.at(self.source, offset));
        }
        let (code, columns) = apply(self.source, self.inserts)?;
        Ok(Instrumented {
            code,
            charge_sites: self.charge_sites,
            columns,
        })
    }

    fn report(&mut self, offset: u32, problem: Problem) {
        if self
            .problem
            .as_ref()
            .is_none_or(|(first, _)| offset < *first)
        {
            self.problem = Some((offset, problem));
        }
    }

    fn insert(&mut self, pos: u32, side: Side, text: String) {
        let seq = u32::try_from(self.inserts.len()).unwrap_or(u32::MAX);
        self.inserts.push(Insert {
            pos,
            side,
            seq,
            text,
        });
    }

    /// `__isovm_gas(n);` before `pos`.
    fn charge_at(&mut self, pos: u32, n: u64) {
        self.insert(pos, Side::Open, charge(n));
        self.charge_sites += 1;
    }

    /// Charges each straight-line run of `statements` once, before its first statement; with
    /// `absorbed`, the first run is already paid by the enclosing entry or iteration charge.
    fn charge_statements(&mut self, statements: &[Statement<'_>], absorbed: bool) {
        for (i, (start, n)) in runs(statements).into_iter().enumerate() {
            if !(absorbed && i == 0) {
                self.charge_at(start, n);
            }
        }
    }

    /// Whether the statement list starting at `start` had its first run paid by an enclosing
    /// charge (function entry, loop iteration); each such list is asked about once.
    fn take_absorbed(&mut self, start: u32) -> bool {
        self.absorbed.remove(&start)
    }

    /// Function entry: `__isovm_enter(n);try{` at the start of the body (after its directive
    /// prologue) and `}finally{__isovm_exit()}` before its closing `}`, so call depth is
    /// counted deterministically and every way out of the body leaves its level.
    fn charge_entry(&mut self, body: &FunctionBody<'_>, n: u64) {
        let bytes = self.source.as_bytes();
        let (at, mut open) = if let Some(last) = body.directives.last() {
            let end = last.span.end;
            // A directive ended by ASI needs its semicolon before our call.
            let terminated = end > 0 && bytes.get(end as usize - 1) == Some(&b';');
            (
                end,
                if terminated {
                    String::new()
                } else {
                    ";".into()
                },
            )
        } else if bytes.get(body.span.start as usize) == Some(&b'{') {
            (body.span.start + 1, String::new())
        } else {
            let what = "internal error: body without `{`";
            self.report(body.span.start, Problem::Unsupported(what.into()));
            return;
        };
        let close_at = body.span.end.saturating_sub(1);
        if bytes.get(close_at as usize) != Some(&b'}') {
            let what = "internal error: body without `}`";
            self.report(body.span.start, Problem::Unsupported(what.into()));
            return;
        }
        let n = match runs(&body.statements).first() {
            Some((_, first)) => {
                self.absorbed.insert(body.span.start);
                n.saturating_add(*first)
            }
            None => n,
        };
        open.push_str(&format!("{ENTER_FN}({n});try{{"));
        let close = format!("}}finally{{{EXIT_FN}()}}");
        if at == close_at {
            // An empty body: both halves at one offset, in this order.
            open.push_str(&close);
            self.insert(at, Side::Open, open);
        } else {
            self.insert(at, Side::Open, open);
            self.insert(close_at, Side::Close, close);
        }
        self.charge_sites += 1;
    }

    /// Charge right after the `{` that opens `span`.
    fn charge_after_brace(&mut self, span: Span, n: u64) {
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
    fn wrap_statement(&mut self, body: &Statement<'_>, n: u64) {
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
    fn loop_body(&mut self, body: &Statement<'_>, n: u64) {
        match body {
            Statement::BlockStatement(block) => {
                let n = match runs(&block.body).first() {
                    Some((_, first)) => {
                        self.absorbed.insert(block.span.start);
                        n.saturating_add(*first)
                    }
                    None => n,
                };
                self.charge_after_brace(block.span, n);
            }
            // The body statement is not in a list: its own cost joins the iteration charge.
            body => self.wrap_statement(body, n.saturating_add(cost::statement(body))),
        }
    }

    /// `if`/`else` branch: blocks charge their statements; single statements are wrapped.
    fn branch(&mut self, body: &Statement<'_>) {
        if !matches!(body, Statement::BlockStatement(_)) {
            self.wrap_statement(body, cost::statement(body));
        }
    }

    /// An expression-bodied arrow becomes a block-bodied one with the same entry as any
    /// function: `{__isovm_enter(n);try{return (` before, `)}finally{__isovm_exit()}}` after.
    fn arrow_entry(&mut self, expr: &Expression<'_>, n: u64) {
        let span = expr.span();
        self.insert(
            span.start,
            Side::Open,
            format!("{{{ENTER_FN}({n});try{{return ("),
        );
        self.insert(
            span.end,
            Side::Close,
            format!(")}}finally{{{EXIT_FN}()}}}}"),
        );
        self.charge_sites += 1;
    }

    /// `(__isovm_gas(n), ` before and `)` after an expression that runs no user code.
    fn charge_expression(&mut self, expr: &Expression<'_>, n: u64) {
        let span = expr.span();
        self.insert(span.start, Side::Open, format!("({GAS_FN}({n}), "));
        self.insert(span.end, Side::Close, ")".into());
        self.charge_sites += 1;
    }

    /// `__isovm_frame(n, () => (` before and `))` after a parameter default or field
    /// initializer. These run outside any function body (defaults even before the callee's
    /// entry), so `function f(a = f()) {}` or `class A { x = new A(); }` would otherwise recurse
    /// without paying or counting depth.
    fn frame_value(&mut self, expr: &Expression<'_>, n: u64) {
        let span = expr.span();
        let slots = crate::consensus::PARAMS.code.frame_slots;
        self.insert(
            span.start,
            Side::Open,
            format!("{FRAME_FN}({n}, {slots}, () => ("),
        );
        self.insert(span.end, Side::Close, "))".into());
        self.charge_sites += 1;
    }

    /// A parameter default or class field initializer: charged inline when it is evaluated.
    fn charge_value(&mut self, value: &Expression<'_>) {
        match value.without_parentheses() {
            // Must stay a bare anonymous definition to keep its inferred `name`; creating a
            // function runs no user code, and its body pays on entry.
            Expression::ArrowFunctionExpression(_) => {}
            Expression::FunctionExpression(f) if f.id.is_none() => {}
            Expression::ClassExpression(class) if class.id.is_none() => {
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
            value => {
                let n = cost::BASE.saturating_add(cost::expression(value));
                if runs_no_code(value) {
                    // Nothing in it can call back into the contract: a plain charge will do.
                    self.charge_expression(value, n);
                } else {
                    self.frame_value(value, n);
                }
            }
        }
    }

    fn check_name(&mut self, name: &str, span: Span, binding: bool) {
        if name.starts_with(RESERVED_PREFIX) {
            self.report(span.start, Problem::Reserved(name.to_string()));
        } else if binding && STRICT_RESERVED.contains(&name) {
            let message = format!("`{name}` is a reserved word in strict mode");
            self.report(span.start, Problem::Syntax(message));
        }
    }

    fn unsupported(&mut self, span: Span, what: &str) {
        self.report(span.start, Problem::Unsupported(what.to_string()));
    }

    /// Runs `f` with `in_params` set to `value`, restoring it afterwards.
    fn with_params(&mut self, value: bool, f: impl FnOnce(&mut Self)) {
        let saved = std::mem::replace(&mut self.in_params, value);
        f(self);
        self.in_params = saved;
    }
}

/// The straight-line runs of a statement list, as (offset of the first statement, cost of all
/// of them). A run ends after any statement that is not simple (one that can branch, loop,
/// jump, or define a class), so whenever a run's first statement runs, so do the others,
/// unless one of them throws: then the run was charged in full, a deterministic overcharge
/// on the failing path only.
fn runs(statements: &[Statement<'_>]) -> Vec<(u32, u64)> {
    let mut out: Vec<(u32, u64)> = Vec::new();
    let mut open = false;
    for statement in statements {
        let n = cost::statement(statement);
        match out.last_mut() {
            Some((_, total)) if open => *total = total.saturating_add(n),
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
    out
}

/// Whether evaluating `expr` can never run contract code: literals, names, `this`, and array
/// or object literals of those (no spread, no computed keys, no methods or accessors).
fn runs_no_code(expr: &Expression<'_>) -> bool {
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

impl<'a> Visit<'a> for Instrumenter<'_> {
    fn enter_node(&mut self, kind: AstKind<'a>) {
        // `visit_function` takes an `oxc_syntax` type; entering the node is equivalent and runs
        // before the parameters and body are visited (keeps inserts in pre-order).
        if let AstKind::Function(function) = kind
            && let Some(body) = &function.body
        {
            self.charge_entry(body, cost::function_entry(&function.params));
        }
    }

    fn visit_program(&mut self, it: &Program<'a>) {
        self.charge_statements(&it.body, false);
        walk::walk_program(self, it);
    }

    fn visit_hashbang(&mut self, it: &Hashbang<'a>) {
        self.unsupported(it.span, "hashbang (`#!`) line");
    }

    fn visit_block_statement(&mut self, it: &BlockStatement<'a>) {
        let absorbed = self.take_absorbed(it.span.start);
        self.charge_statements(&it.body, absorbed);
        walk::walk_block_statement(self, it);
    }

    fn visit_switch_case(&mut self, it: &SwitchCase<'a>) {
        self.charge_statements(&it.consequent, false);
        walk::walk_switch_case(self, it);
    }

    fn visit_static_block(&mut self, it: &StaticBlock<'a>) {
        self.charge_statements(&it.body, false);
        self.with_params(false, |v| walk::walk_static_block(v, it));
    }

    fn visit_function_body(&mut self, it: &FunctionBody<'a>) {
        let absorbed = self.take_absorbed(it.span.start);
        self.charge_statements(&it.statements, absorbed);
        self.with_params(false, |v| walk::walk_function_body(v, it));
    }

    fn visit_arrow_function_expression(&mut self, it: &ArrowFunctionExpression<'a>) {
        let entry = cost::function_entry(&it.params);
        match &it.body {
            ArrowFunctionBody::FunctionBody(body) => self.charge_entry(body, entry),
            body => {
                if let Some(expr) = body.as_expression() {
                    self.arrow_entry(expr, entry.saturating_add(cost::expression(expr)));
                }
            }
        }
        walk::walk_arrow_function_expression(self, it);
    }

    fn visit_arrow_function_body(&mut self, it: &ArrowFunctionBody<'a>) {
        self.with_params(false, |v| walk::walk_arrow_function_body(v, it));
    }

    fn visit_formal_parameters(&mut self, it: &FormalParameters<'a>) {
        self.with_params(true, |v| walk::walk_formal_parameters(v, it));
    }

    fn visit_formal_parameter(&mut self, it: &FormalParameter<'a>) {
        if let Some(default) = &it.initializer {
            self.charge_value(default);
        }
        walk::walk_formal_parameter(self, it);
    }

    fn visit_assignment_pattern(&mut self, it: &AssignmentPattern<'a>) {
        // Elsewhere (declarations, `catch`, `for-of`) defaults are part of the statement cost.
        if self.in_params {
            self.charge_value(&it.right);
        }
        walk::walk_assignment_pattern(self, it);
    }

    fn visit_class_body(&mut self, it: &ClassBody<'a>) {
        self.with_params(false, |v| walk::walk_class_body(v, it));
    }

    fn visit_property_definition(&mut self, it: &PropertyDefinition<'a>) {
        if let Some(value) = &it.value {
            self.charge_value(value);
        }
        walk::walk_property_definition(self, it);
    }

    fn visit_while_statement(&mut self, it: &WhileStatement<'a>) {
        self.loop_body(&it.body, cost::while_iteration(&it.test));
        walk::walk_while_statement(self, it);
    }

    fn visit_do_while_statement(&mut self, it: &DoWhileStatement<'a>) {
        self.loop_body(&it.body, cost::while_iteration(&it.test));
        walk::walk_do_while_statement(self, it);
    }

    fn visit_for_statement(&mut self, it: &ForStatement<'a>) {
        self.loop_body(
            &it.body,
            cost::for_iteration(it.test.as_ref(), it.update.as_ref()),
        );
        walk::walk_for_statement(self, it);
    }

    fn visit_for_in_statement(&mut self, it: &ForInStatement<'a>) {
        self.loop_body(&it.body, cost::for_each_iteration(&it.left));
        walk::walk_for_in_statement(self, it);
    }

    fn visit_for_of_statement(&mut self, it: &ForOfStatement<'a>) {
        self.loop_body(&it.body, cost::for_each_iteration(&it.left));
        walk::walk_for_of_statement(self, it);
    }

    fn visit_if_statement(&mut self, it: &IfStatement<'a>) {
        self.branch(&it.consequent);
        if let Some(alternate) = &it.alternate {
            self.branch(alternate);
        }
        walk::walk_if_statement(self, it);
    }

    fn visit_labeled_statement(&mut self, it: &LabeledStatement<'a>) {
        if matches!(it.body, Statement::FunctionDeclaration(_)) {
            let message = "labeled function declarations are not allowed in strict mode";
            self.report(it.body.span().start, Problem::Syntax(message.into()));
        }
        walk::walk_labeled_statement(self, it);
    }

    fn visit_with_statement(&mut self, it: &WithStatement<'a>) {
        self.unsupported(it.span, "`with` statement");
        walk::walk_with_statement(self, it);
    }

    fn visit_module_declaration(&mut self, it: &ModuleDeclaration<'a>) {
        self.unsupported(
            it.span(),
            "`import`/`export` declarations (use `require`/`module.exports`)",
        );
        walk::walk_module_declaration(self, it);
    }

    fn visit_import_expression(&mut self, it: &ImportExpression<'a>) {
        self.unsupported(it.span, "dynamic `import()`");
        walk::walk_import_expression(self, it);
    }

    fn visit_import_meta(&mut self, it: &ImportMeta) {
        self.unsupported(it.span, "`import.meta`");
    }

    fn visit_decorator(&mut self, it: &Decorator<'a>) {
        self.unsupported(it.span, "decorators");
        walk::walk_decorator(self, it);
    }

    fn visit_accessor_property(&mut self, it: &AccessorProperty<'a>) {
        self.unsupported(it.span, "`accessor` class fields");
        walk::walk_accessor_property(self, it);
    }

    fn visit_identifier_reference(&mut self, it: &IdentifierReference<'a>) {
        self.check_name(it.name.as_str(), it.span, true);
    }

    fn visit_binding_identifier(&mut self, it: &BindingIdentifier<'a>) {
        self.check_name(it.name.as_str(), it.span, true);
    }

    fn visit_label_identifier(&mut self, it: &LabelIdentifier<'a>) {
        self.check_name(it.name.as_str(), it.span, true);
    }

    fn visit_identifier_name(&mut self, it: &IdentifierName<'a>) {
        // Property names: only the runtime prefix matters (`o.let` is fine in strict mode).
        self.check_name(it.name.as_str(), it.span, false);
    }

    fn visit_private_identifier(&mut self, it: &PrivateIdentifier<'a>) {
        let name = it.name.as_str();
        if name.starts_with(RESERVED_PREFIX) {
            self.report(it.span.start, Problem::Reserved(format!("#{name}")));
        }
    }
}
