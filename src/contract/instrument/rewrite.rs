//! The AST walk: decides where charges and guards go and collects the text edits and errors.
//!
//! `charges.rs` places the charges, `forms.rs` has the text of the guards, `guards.rs` places
//! them, `scopes.rs` declares their temporaries, `patterns.rs` handles rest elements.

mod charges;
mod forms;
mod guards;
mod patterns;
mod scopes;

use std::collections::HashSet;

use oxc_ast::AstKind;
use oxc_ast::ast::{
    AccessorProperty, Argument, ArrayExpression, ArrayExpressionElement, ArrowFunctionBody,
    ArrowFunctionExpression, AssignmentExpression, AssignmentOperator, AssignmentPattern,
    AssignmentTargetPropertyProperty, AssignmentTargetRest, BigIntLiteral, BinaryExpression,
    BindingIdentifier, BindingProperty, BindingRestElement, BlockStatement, CallExpression,
    CatchParameter, Class, ClassBody, ComputedMemberExpression, Decorator, DoWhileStatement,
    Expression, ExpressionStatement, ForInStatement, ForOfStatement, ForStatement,
    ForStatementLeft, FormalParameter, FormalParameterRest, FormalParameters, FunctionBody,
    Hashbang, IdentifierName, IdentifierReference, IfStatement, ImportExpression, ImportMeta,
    LabelIdentifier, LabeledStatement, MethodDefinition, ModuleDeclaration, NewExpression,
    ObjectExpression, ObjectProperty, ObjectPropertyKind, PrivateIdentifier, Program,
    PropertyDefinition, RegExpLiteral, Statement, StaticBlock, SwitchCase, SwitchStatement,
    TaggedTemplateExpression, TemplateLiteral, UnaryExpression, UnaryOperator, UpdateExpression,
    VariableDeclaration, VariableDeclarationKind, VariableDeclarator, WhileStatement,
    WithStatement,
};
use oxc_ast_visit::{Visit, walk};
use oxc_span::{GetSpan, Span};

use super::{
    ARGS_FN, CASE_FN, CAT_FN, FORIN_FN, Insert, InstrumentError, Instrumented, Problem,
    RESERVED_PREFIX, REST_FN, RegexpLiteral, SPREAD_FN, Side, apply, cost, line_column,
};
use cost::Cost;
use patterns::PatternPlace;
use scopes::{Patch, TempScope};

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

/// Walks the AST once, collecting edits and errors.
pub(super) struct Instrumenter<'s> {
    source: &'s str,
    inserts: Vec<Insert>,
    charge_sites: usize,
    /// First problem by source offset.
    problem: Option<(u32, Problem)>,
    /// Inside formal parameters (not inside a nested body or an inline value): defaults
    /// there run before the function's entry charge and are charged inline, and no guard
    /// there may use a temporary (the function's are declared in its body).
    in_params: bool,
    /// Starts of statement lists whose first straight-line run is paid by the charge that
    /// enters them (a function entry or a loop iteration).
    absorbed: HashSet<u32>,
    /// Scopes that declare guard temporaries, innermost last.
    scopes: Vec<TempScope>,
    /// Starts of expression statements (for the `;` before a guard that opens with `(`).
    statement_starts: Vec<u32>,
    regexps: Vec<RegexpLiteral>,
    /// Rest elements at the top level of a declaration or assignment whose value is wrapped.
    allowed_rest: HashSet<u32>,
    /// Where the patterns being visited are.
    patterns: PatternPlace,
}

impl<'s> Instrumenter<'s> {
    pub(super) fn new(source: &'s str) -> Self {
        Self {
            source,
            inserts: Vec::new(),
            charge_sites: 0,
            problem: None,
            in_params: false,
            absorbed: HashSet::new(),
            scopes: Vec::new(),
            statement_starts: Vec::new(),
            regexps: Vec::new(),
            allowed_rest: HashSet::new(),
            patterns: PatternPlace::Code,
        }
    }

    pub(super) fn finish(
        mut self,
        exported: Result<crate::contract::validate::Exported, String>,
    ) -> Result<Instrumented, InstrumentError> {
        if let Some((offset, problem)) = self.problem {
            return Err(problem.at(self.source, offset));
        }
        self.statement_starts.sort_unstable();
        self.statement_starts.dedup();
        let (code, columns) = apply(self.source, self.inserts, &self.statement_starts)?;
        Ok(Instrumented {
            code,
            charge_sites: self.charge_sites,
            columns,
            regexps: self.regexps,
            exported,
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

    /// Adds an edit; returns its index (for text decided later, see `scopes.rs`).
    fn insert(&mut self, pos: u32, side: Side, text: String) -> usize {
        let seq = u32::try_from(self.inserts.len()).unwrap_or(u32::MAX);
        self.inserts.push(Insert {
            pos,
            side,
            seq,
            text,
        });
        self.inserts.len() - 1
    }

    /// Whether the statement list starting at `start` had its first run paid by an enclosing
    /// charge (function entry, loop iteration); each such list is asked about once.
    fn take_absorbed(&mut self, start: u32) -> bool {
        self.absorbed.remove(&start)
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

    /// Code of its own (a body, a class body): not in parameters, patterns in code.
    fn in_code(&mut self, f: impl FnOnce(&mut Self)) {
        self.with_params(false, |v| v.in_patterns(PatternPlace::Code, f));
    }

    /// `/…/flags` becomes `/…/flagsl` (V8's linear-time engine), and is collected for the
    /// check at deploy.
    fn regexp(&mut self, it: &RegExpLiteral<'_>) {
        let raw = forms::text(self.source, it.span).unwrap_or_default();
        let flags_at = raw.rfind('/').map_or(raw.len(), |i| i + 1);
        let last = it.span.end.saturating_sub(1);
        match raw.get(raw.len().saturating_sub(1)..) {
            Some(c) if !c.is_empty() => {
                self.insert(last, Side::Replace { end: it.span.end }, format!("{c}l"));
            }
            _ => self.unsupported(it.span, "internal error: an empty regular expression"),
        }
        let (line, column) = line_column(self.source, it.span.start);
        self.regexps.push(RegexpLiteral {
            pattern: it.regex.pattern.text.to_string(),
            flags: raw.get(flags_at..).unwrap_or_default().to_string(),
            line,
            column,
        });
    }
}

/// Whether a `switch` discriminant needs no guard: a literal, a `typeof`, a number.
fn constant_discriminant(e: &Expression<'_>) -> bool {
    matches!(
        e.without_parentheses(),
        Expression::NumericLiteral(_)
            | Expression::StringLiteral(_)
            | Expression::BooleanLiteral(_)
            | Expression::NullLiteral(_)
    ) || matches!(e.without_parentheses(), Expression::UnaryExpression(u) if u.operator == UnaryOperator::Typeof)
        || forms::known_number(e)
}

impl<'a> Visit<'a> for Instrumenter<'_> {
    fn enter_node(&mut self, kind: AstKind<'a>) {
        // `visit_function` takes an `oxc_syntax` type; entering the node is equivalent and runs
        // before the parameters and body are visited (keeps inserts in pre-order).
        if let AstKind::Function(function) = kind
            && let Some(body) = &function.body
        {
            let stack = cost::stack_units(function.span.size());
            let suspends = function.generator || function.r#async;
            self.charge_entry(
                body,
                cost::function_entry(&function.params),
                stack,
                suspends,
            );
        }
    }

    fn leave_node(&mut self, kind: AstKind<'a>) {
        if let AstKind::Function(function) = kind
            && function.body.is_some()
        {
            self.close_scope();
        }
    }

    fn visit_program(&mut self, it: &Program<'a>) {
        self.statement_scope(&it.body);
        self.charge_statements(&it.body, false);
        walk::walk_program(self, it);
        self.close_scope();
    }

    fn visit_hashbang(&mut self, it: &Hashbang<'a>) {
        self.unsupported(it.span, "hashbang (`#!`) line");
    }

    fn visit_block_statement(&mut self, it: &BlockStatement<'a>) {
        let absorbed = self.take_absorbed(it.span.start);
        self.charge_statements(&it.body, absorbed);
        walk::walk_block_statement(self, it);
    }

    fn visit_switch_statement(&mut self, it: &SwitchStatement<'a>) {
        if !constant_discriminant(&it.discriminant) {
            let tests = it.cases.iter().filter(|c| c.test.is_some()).count();
            self.call_around(&it.discriminant, CASE_FN, &format!(", {tests}"));
        }
        walk::walk_switch_statement(self, it);
    }

    fn visit_switch_case(&mut self, it: &SwitchCase<'a>) {
        self.charge_statements(&it.consequent, false);
        walk::walk_switch_case(self, it);
    }

    fn visit_static_block(&mut self, it: &StaticBlock<'a>) {
        self.statement_scope(&it.body);
        self.charge_statements(&it.body, false);
        self.in_code(|v| walk::walk_static_block(v, it));
        self.close_scope();
    }

    fn visit_function_body(&mut self, it: &FunctionBody<'a>) {
        let absorbed = self.take_absorbed(it.span.start);
        self.charge_statements(&it.statements, absorbed);
        self.in_code(|v| walk::walk_function_body(v, it));
    }

    fn visit_arrow_function_expression(&mut self, it: &ArrowFunctionExpression<'a>) {
        let entry = cost::function_entry(&it.params);
        let stack = cost::stack_units(it.span.size());
        match &it.body {
            ArrowFunctionBody::FunctionBody(body) => {
                self.charge_entry(body, entry, stack, it.r#async);
            }
            body => match body.as_expression() {
                Some(expr) => {
                    let n = entry.plus(cost::expression(expr));
                    self.arrow_entry(expr, n, stack, it.r#async);
                }
                None => self.open_scope(Patch::Nothing),
            },
        }
        walk::walk_arrow_function_expression(self, it);
        self.close_scope();
    }

    fn visit_arrow_function_body(&mut self, it: &ArrowFunctionBody<'a>) {
        self.in_code(|v| walk::walk_arrow_function_body(v, it));
    }

    fn visit_formal_parameters(&mut self, it: &FormalParameters<'a>) {
        self.with_params(true, |v| {
            v.in_patterns(PatternPlace::Params, |v| {
                walk::walk_formal_parameters(v, it)
            });
        });
    }

    fn visit_formal_parameter(&mut self, it: &FormalParameter<'a>) {
        self.visit_decorators(&it.decorators);
        self.visit_binding_pattern(&it.pattern);
        if let Some(default) = &it.initializer {
            self.inline_value(default, Cost::default());
        }
    }

    fn visit_formal_parameter_rest(&mut self, it: &FormalParameterRest<'a>) {
        // A rest parameter collects the call's arguments, which the call already paid for;
        // only rest elements inside its pattern are refused.
        self.visit_decorators(&it.decorators);
        self.visit_binding_pattern(&it.rest.argument);
    }

    fn visit_assignment_pattern(&mut self, it: &AssignmentPattern<'a>) {
        // Elsewhere (declarations, `catch`, `for-of`) defaults are part of the statement cost.
        if self.in_params {
            self.visit_binding_pattern(&it.left);
            self.inline_value(&it.right, Cost::default());
        } else {
            walk::walk_assignment_pattern(self, it);
        }
    }

    fn visit_binding_property(&mut self, it: &BindingProperty<'a>) {
        match forms::computed(&it.key, it.computed) {
            Some(key) if self.in_params => self.parameter_key(key),
            Some(key) => {
                self.guard_key(key);
                self.visit_expression(key);
            }
            None => self.visit_property_key(&it.key),
        }
        self.visit_binding_pattern(&it.value);
    }

    fn visit_binding_rest_element(&mut self, it: &BindingRestElement<'a>) {
        self.rest_element(it.span);
        walk::walk_binding_rest_element(self, it);
    }

    fn visit_assignment_target_rest(&mut self, it: &AssignmentTargetRest<'a>) {
        self.rest_element(it.span);
        walk::walk_assignment_target_rest(self, it);
    }

    fn visit_catch_parameter(&mut self, it: &CatchParameter<'a>) {
        self.in_patterns(PatternPlace::Catch, |v| walk::walk_catch_parameter(v, it));
    }

    fn visit_for_statement_left(&mut self, it: &ForStatementLeft<'a>) {
        self.in_patterns(PatternPlace::ForHead, |v| {
            walk::walk_for_statement_left(v, it);
        });
    }

    fn visit_variable_declarator(&mut self, it: &VariableDeclarator<'a>) {
        if let Some(init) = &it.init {
            self.destructure_declaration(&it.id, init);
        }
        walk::walk_variable_declarator(self, it);
    }

    fn visit_class(&mut self, it: &Class<'a>) {
        self.charge_instance_fields(it);
        walk::walk_class(self, it);
    }

    fn visit_class_body(&mut self, it: &ClassBody<'a>) {
        self.in_code(|v| walk::walk_class_body(v, it));
    }

    fn visit_method_definition(&mut self, it: &MethodDefinition<'a>) {
        if let Some(key) = forms::computed(&it.key, it.computed) {
            self.guard_key(key);
        }
        walk::walk_method_definition(self, it);
    }

    fn visit_property_definition(&mut self, it: &PropertyDefinition<'a>) {
        self.visit_decorators(&it.decorators);
        if let Some(key) = forms::computed(&it.key, it.computed) {
            self.guard_key(key);
        }
        self.visit_property_key(&it.key);
        if let Some(value) = &it.value {
            self.inline_value(value, Cost::default().plus_memory(cost::FIELD_STORE));
        }
    }

    fn visit_object_property(&mut self, it: &ObjectProperty<'a>) {
        if let Some(key) = forms::computed(&it.key, it.computed) {
            self.guard_key(key);
        }
        walk::walk_object_property(self, it);
    }

    fn visit_assignment_target_property_property(
        &mut self,
        it: &AssignmentTargetPropertyProperty<'a>,
    ) {
        if let Some(key) = forms::computed(&it.name, it.computed) {
            self.guard_key(key);
        }
        walk::walk_assignment_target_property_property(self, it);
    }

    fn visit_expression_statement(&mut self, it: &ExpressionStatement<'a>) {
        self.statement_starts.push(it.span.start);
        walk::walk_expression_statement(self, it);
    }

    fn visit_binary_expression(&mut self, it: &BinaryExpression<'a>) {
        self.guard_binary(it);
        walk::walk_binary_expression(self, it);
    }

    fn visit_unary_expression(&mut self, it: &UnaryExpression<'a>) {
        if matches!(
            it.operator,
            UnaryOperator::UnaryNegation | UnaryOperator::UnaryPlus | UnaryOperator::BitwiseNot
        ) {
            self.guard_number(&it.argument);
        }
        walk::walk_unary_expression(self, it);
    }

    fn visit_update_expression(&mut self, it: &UpdateExpression<'a>) {
        let op = if it.prefix {
            self.token_after(it.span.start, &["++", "--"])
        } else {
            None
        };
        if it.prefix && op.is_none() {
            return;
        }
        self.numeric_target(&it.argument, it.span, op, None);
    }

    fn visit_assignment_expression(&mut self, it: &AssignmentExpression<'a>) {
        match it.operator {
            AssignmentOperator::Assign => {
                self.destructure_assignment(&it.left, &it.right);
                walk::walk_assignment_expression(self, it);
            }
            AssignmentOperator::Addition => {
                self.wrap(it.span, forms::concatenation());
                walk::walk_assignment_expression(self, it);
            }
            op if op.is_logical() => walk::walk_assignment_expression(self, it),
            _ => match it.left.as_simple_assignment_target() {
                Some(target) => self.numeric_target(target, it.span, None, Some(&it.right)),
                None => walk::walk_assignment_expression(self, it),
            },
        }
    }

    fn visit_computed_member_expression(&mut self, it: &ComputedMemberExpression<'a>) {
        self.guard_key(&it.expression);
        walk::walk_computed_member_expression(self, it);
    }

    fn visit_template_literal(&mut self, it: &TemplateLiteral<'a>) {
        // A template without substitutions is a constant, like a string literal.
        if !it.expressions.is_empty() {
            self.insert(it.span.start, Side::Open, format!("{CAT_FN}("));
            self.insert(it.span.end, Side::Close, ")".into());
        }
        walk::walk_template_literal(self, it);
    }

    fn visit_tagged_template_expression(&mut self, it: &TaggedTemplateExpression<'a>) {
        // The tag receives the strings: no string is made, nothing to count.
        self.visit_expression(&it.tag);
        for expr in &it.quasi.expressions {
            self.visit_expression(expr);
        }
    }

    fn visit_array_expression(&mut self, it: &ArrayExpression<'a>) {
        for element in &it.elements {
            if let ArrayExpressionElement::SpreadElement(spread) = element {
                self.call_around(&spread.argument, SPREAD_FN, "");
            }
        }
        walk::walk_array_expression(self, it);
    }

    fn visit_object_expression(&mut self, it: &ObjectExpression<'a>) {
        for property in &it.properties {
            if let ObjectPropertyKind::SpreadProperty(spread) = property {
                self.call_around(&spread.argument, REST_FN, "");
            }
        }
        walk::walk_object_expression(self, it);
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        self.spread_arguments(&it.arguments);
        walk::walk_call_expression(self, it);
    }

    fn visit_new_expression(&mut self, it: &NewExpression<'a>) {
        self.spread_arguments(&it.arguments);
        walk::walk_new_expression(self, it);
    }

    fn visit_reg_exp_literal(&mut self, it: &RegExpLiteral<'a>) {
        self.regexp(it);
    }

    fn visit_big_int_literal(&mut self, it: &BigIntLiteral<'a>) {
        self.unsupported(
            it.span,
            "a BigInt literal: BigInt is not available to contracts (its arithmetic cannot be \
             metered by operand size); use BigNumber",
        );
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
        self.call_around(&it.right, FORIN_FN, "");
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

    fn visit_variable_declaration(&mut self, it: &VariableDeclaration<'a>) {
        // Explicit resource management parses, but this V8 does not run it: refused here,
        // it is an invalid contract rather than a deploy that fails in V8.
        if matches!(
            it.kind,
            VariableDeclarationKind::Using | VariableDeclarationKind::AwaitUsing
        ) {
            self.unsupported(it.span, "`using` declarations");
        }
        walk::walk_variable_declaration(self, it);
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
        if it.name == "undefined" {
            // Guards take the name `undefined` for the value (`x === undefined` is left alone).
            let message = "`undefined` cannot be declared";
            self.report(it.span.start, Problem::Syntax(message.into()));
        }
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

impl Instrumenter<'_> {
    /// `f(...x)`, `new C(...x)`: `...__isovm_args(x)`.
    fn spread_arguments(&mut self, arguments: &[Argument<'_>]) {
        for argument in arguments {
            if let Argument::SpreadElement(spread) = argument {
                self.call_around(&spread.argument, ARGS_FN, "");
            }
        }
    }
}
