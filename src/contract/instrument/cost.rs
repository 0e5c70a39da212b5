//! The deterministic cost table used by the instrumenter.
//!
//! Costs are computed purely from the AST, so the same source always yields the same charges.
//! The table (also in `docs/gas.md`):
//!
//! | node                                                                 | cost |
//! |----------------------------------------------------------------------|------|
//! | identifier, literal (incl. regexp), `this`, `super`, `new.target`, parentheses, `?.` chain | 0 |
//! | member access (`a.b`, `a[b]`, `a.#b`), unary (incl. `typeof`, `delete`, `void`), binary (incl. `in`, `instanceof`, `#x in o`), logical, update, assignment, conditional, sequence, spread, template literal, `await`, `yield` | 1 |
//! | array / object literal, array / object destructuring pattern         | 1 + 1 per element/property |
//! | destructuring default (`{a = d}`, `[a = d]`)                          | 1 |
//! | call, optional call, `new`, tagged template                          | 3 |
//! | function / arrow creation (body charged on entry)                    | 2 |
//! | class creation                                                       | 2 + `extends` expr + computed keys |
//!
//! A node's cost is added to the costs of the sub-expressions it evaluates directly. Nested
//! function bodies, class bodies (methods, field initializers, static blocks) are never
//! counted here: they are charged where they run.

use oxc_ast::ast::{
    ArrayAssignmentTarget, ArrayExpression, ArrayPattern, AssignmentExpression, AssignmentPattern,
    AssignmentTargetPropertyIdentifier, AssignmentTargetWithDefault, AwaitExpression,
    BinaryExpression, CallExpression, Class, ClassElement, ComputedMemberExpression,
    ConditionalExpression, Expression, ForStatementInit, ForStatementLeft, FormalParameters,
    LogicalExpression, NewExpression, ObjectAssignmentTarget, ObjectExpression, ObjectPattern,
    PrivateFieldExpression, PrivateInExpression, PropertyKey, SequenceExpression, SpreadElement,
    Statement, StaticMemberExpression, TaggedTemplateExpression, TemplateLiteral, UnaryExpression,
    UpdateExpression, VariableDeclaration, YieldExpression,
};
use oxc_ast_visit::{Visit, walk};

use crate::consensus::PARAMS;

/// Base cost of every charged statement, loop iteration and function entry.
pub(super) const BASE: u64 = PARAMS.code.base;
/// Member access, operators, spread, template literal, `await`, `yield`.
const OP: u64 = PARAMS.code.op;
/// Calls of any kind (including `new` and tagged templates).
const CALL: u64 = PARAMS.code.call;
/// Creating a function, arrow or class object.
const CREATE_FUNCTION: u64 = PARAMS.code.create_function;

/// Cost of evaluating `expr` once (see the module table).
pub(super) fn expression(expr: &Expression<'_>) -> u64 {
    let mut counter = Counter::default();
    counter.visit_expression(expr);
    counter.total
}

fn optional(expr: Option<&Expression<'_>>) -> u64 {
    expr.map_or(0, expression)
}

/// Cost of the declarators of `let`/`const`/`var`: patterns plus initializers.
fn declaration(decl: &VariableDeclaration<'_>) -> u64 {
    let mut counter = Counter::default();
    for declarator in &decl.declarations {
        counter.visit_binding_pattern(&declarator.id);
        if let Some(init) = &declarator.init {
            counter.visit_expression(init);
        }
    }
    counter.total
}

/// Cost of a charged statement: `1 +` the expressions it evaluates directly. Nested statements
/// (block contents, loop and `if` bodies, `case` consequents, `try`/`catch` blocks) are charged
/// themselves and are not included. A labeled statement costs what its body costs.
pub(super) fn statement(stmt: &Statement<'_>) -> u64 {
    let direct = match stmt {
        Statement::ExpressionStatement(s) => expression(&s.expression),
        Statement::VariableDeclaration(d) => declaration(d),
        Statement::ReturnStatement(s) => optional(s.argument.as_ref()),
        Statement::ThrowStatement(s) => expression(&s.argument),
        Statement::IfStatement(s) => expression(&s.test),
        Statement::SwitchStatement(s) => {
            // All case tests are charged up front: deterministic and an upper bound.
            let tests: u64 = s.cases.iter().map(|c| optional(c.test.as_ref())).sum();
            expression(&s.discriminant).saturating_add(tests)
        }
        Statement::ForStatement(s) => match &s.init {
            Some(ForStatementInit::VariableDeclaration(d)) => declaration(d),
            Some(init) => init.as_expression().map_or(0, expression),
            None => 0,
        },
        Statement::ForInStatement(s) => expression(&s.right),
        Statement::ForOfStatement(s) => expression(&s.right),
        Statement::TryStatement(s) => {
            let mut counter = Counter::default();
            if let Some(param) = s.handler.as_ref().and_then(|h| h.param.as_ref()) {
                counter.visit_binding_pattern(&param.pattern);
            }
            counter.total
        }
        Statement::ClassDeclaration(class) => class_creation(class),
        // The label itself is free; the body is not in a statement list, so it is paid here.
        Statement::LabeledStatement(s) => return statement(&s.body),
        // Blocks, empty statements, jumps, `debugger`, `while`/`do` headers (their test is
        // charged per iteration), hoisted function declarations.
        _ => 0,
    };
    BASE.saturating_add(direct)
}

/// Per-iteration charge of a `for (init; test; update)` loop.
pub(super) fn for_iteration(test: Option<&Expression<'_>>, update: Option<&Expression<'_>>) -> u64 {
    BASE.saturating_add(optional(test))
        .saturating_add(optional(update))
}

/// Per-iteration charge of a `while`/`do-while` loop.
pub(super) fn while_iteration(test: &Expression<'_>) -> u64 {
    BASE.saturating_add(expression(test))
}

/// Per-iteration charge of a `for-in`/`for-of` loop: binding the left side each time.
pub(super) fn for_each_iteration(left: &ForStatementLeft<'_>) -> u64 {
    let mut counter = Counter::default();
    match left {
        ForStatementLeft::VariableDeclaration(d) => {
            for declarator in &d.declarations {
                counter.visit_binding_pattern(&declarator.id);
            }
        }
        target => {
            if let Some(target) = target.as_assignment_target() {
                counter.visit_assignment_target(target);
            }
        }
    }
    BASE.saturating_add(counter.total)
}

/// Function entry: `1 +` the number of declared parameters (a rest parameter counts as one).
/// Default values are charged separately, where they are evaluated.
pub(super) fn function_entry(params: &FormalParameters<'_>) -> u64 {
    let count = params.items.len() as u64 + u64::from(params.rest.is_some());
    BASE.saturating_add(count)
}

/// Creating a class: `2 +` its `extends` expression and computed member keys, which are
/// evaluated when the class is defined. Member bodies and initializers are charged where they run.
pub(super) fn class_creation(class: &Class<'_>) -> u64 {
    let mut counter = Counter::default();
    counter.class(class);
    counter.total
}

/// Sums node costs over an expression tree. Does not descend into function or class bodies.
#[derive(Default)]
struct Counter {
    total: u64,
}

impl Counter {
    fn add(&mut self, cost: u64) {
        self.total = self.total.saturating_add(cost);
    }

    fn class(&mut self, class: &Class<'_>) {
        self.add(CREATE_FUNCTION);
        if let Some(heritage) = &class.heritage {
            self.visit_expression(&heritage.expression);
        }
        for element in &class.body.body {
            let key = match element {
                ClassElement::MethodDefinition(m) => &m.key,
                ClassElement::PropertyDefinition(p) => &p.key,
                ClassElement::AccessorProperty(a) => &a.key,
                ClassElement::StaticBlock(_) | ClassElement::TSIndexSignature(_) => continue,
            };
            if let Some(expr) = computed_key(key) {
                self.visit_expression(expr);
            }
        }
    }
}

/// The expression of a computed property key (`[expr]`), if any.
pub(super) fn computed_key<'k, 'a>(key: &'k PropertyKey<'a>) -> Option<&'k Expression<'a>> {
    match key {
        PropertyKey::StaticIdentifier(_) | PropertyKey::PrivateIdentifier(_) => None,
        key => key.as_expression(),
    }
}

impl<'a> Visit<'a> for Counter {
    fn visit_expression(&mut self, it: &Expression<'a>) {
        match it {
            // Creation only: the body is charged on entry, parameter defaults where they run.
            Expression::FunctionExpression(_) | Expression::ArrowFunctionExpression(_) => {
                self.add(CREATE_FUNCTION);
            }
            Expression::ClassExpression(class) => self.class(class),
            _ => walk::walk_expression(self, it),
        }
    }

    fn visit_static_member_expression(&mut self, it: &StaticMemberExpression<'a>) {
        self.add(OP);
        walk::walk_static_member_expression(self, it);
    }

    fn visit_computed_member_expression(&mut self, it: &ComputedMemberExpression<'a>) {
        self.add(OP);
        walk::walk_computed_member_expression(self, it);
    }

    fn visit_private_field_expression(&mut self, it: &PrivateFieldExpression<'a>) {
        self.add(OP);
        walk::walk_private_field_expression(self, it);
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        self.add(CALL);
        walk::walk_call_expression(self, it);
    }

    fn visit_new_expression(&mut self, it: &NewExpression<'a>) {
        self.add(CALL);
        walk::walk_new_expression(self, it);
    }

    fn visit_tagged_template_expression(&mut self, it: &TaggedTemplateExpression<'a>) {
        // A tagged template is a call; its quasi is not a separate template-literal evaluation.
        self.add(CALL);
        self.visit_expression(&it.tag);
        for expr in &it.quasi.expressions {
            self.visit_expression(expr);
        }
    }

    fn visit_template_literal(&mut self, it: &TemplateLiteral<'a>) {
        self.add(OP);
        walk::walk_template_literal(self, it);
    }

    fn visit_unary_expression(&mut self, it: &UnaryExpression<'a>) {
        self.add(OP);
        walk::walk_unary_expression(self, it);
    }

    fn visit_binary_expression(&mut self, it: &BinaryExpression<'a>) {
        self.add(OP);
        walk::walk_binary_expression(self, it);
    }

    fn visit_private_in_expression(&mut self, it: &PrivateInExpression<'a>) {
        self.add(OP);
        walk::walk_private_in_expression(self, it);
    }

    fn visit_logical_expression(&mut self, it: &LogicalExpression<'a>) {
        // Both operands are counted even if short-circuited: an upper bound, still deterministic.
        self.add(OP);
        walk::walk_logical_expression(self, it);
    }

    fn visit_conditional_expression(&mut self, it: &ConditionalExpression<'a>) {
        self.add(OP);
        walk::walk_conditional_expression(self, it);
    }

    fn visit_update_expression(&mut self, it: &UpdateExpression<'a>) {
        self.add(OP);
        walk::walk_update_expression(self, it);
    }

    fn visit_assignment_expression(&mut self, it: &AssignmentExpression<'a>) {
        self.add(OP);
        walk::walk_assignment_expression(self, it);
    }

    fn visit_sequence_expression(&mut self, it: &SequenceExpression<'a>) {
        self.add(OP);
        walk::walk_sequence_expression(self, it);
    }

    fn visit_spread_element(&mut self, it: &SpreadElement<'a>) {
        self.add(OP);
        walk::walk_spread_element(self, it);
    }

    fn visit_await_expression(&mut self, it: &AwaitExpression<'a>) {
        self.add(OP);
        walk::walk_await_expression(self, it);
    }

    fn visit_yield_expression(&mut self, it: &YieldExpression<'a>) {
        self.add(OP);
        walk::walk_yield_expression(self, it);
    }

    fn visit_array_expression(&mut self, it: &ArrayExpression<'a>) {
        self.add(OP.saturating_add(it.elements.len() as u64));
        walk::walk_array_expression(self, it);
    }

    fn visit_object_expression(&mut self, it: &ObjectExpression<'a>) {
        self.add(OP.saturating_add(it.properties.len() as u64));
        walk::walk_object_expression(self, it);
    }

    fn visit_array_pattern(&mut self, it: &ArrayPattern<'a>) {
        let count = it.elements.len() as u64 + u64::from(it.rest.is_some());
        self.add(OP.saturating_add(count));
        walk::walk_array_pattern(self, it);
    }

    fn visit_object_pattern(&mut self, it: &ObjectPattern<'a>) {
        let count = it.properties.len() as u64 + u64::from(it.rest.is_some());
        self.add(OP.saturating_add(count));
        walk::walk_object_pattern(self, it);
    }

    fn visit_assignment_pattern(&mut self, it: &AssignmentPattern<'a>) {
        self.add(OP);
        walk::walk_assignment_pattern(self, it);
    }

    fn visit_array_assignment_target(&mut self, it: &ArrayAssignmentTarget<'a>) {
        let count = it.elements.len() as u64 + u64::from(it.rest.is_some());
        self.add(OP.saturating_add(count));
        walk::walk_array_assignment_target(self, it);
    }

    fn visit_object_assignment_target(&mut self, it: &ObjectAssignmentTarget<'a>) {
        let count = it.properties.len() as u64 + u64::from(it.rest.is_some());
        self.add(OP.saturating_add(count));
        walk::walk_object_assignment_target(self, it);
    }

    fn visit_assignment_target_with_default(&mut self, it: &AssignmentTargetWithDefault<'a>) {
        self.add(OP);
        walk::walk_assignment_target_with_default(self, it);
    }

    fn visit_assignment_target_property_identifier(
        &mut self,
        it: &AssignmentTargetPropertyIdentifier<'a>,
    ) {
        // `({a = d} = o)`: the shorthand default costs like any other destructuring default.
        if it.init.is_some() {
            self.add(OP);
        }
        walk::walk_assignment_target_property_identifier(self, it);
    }
}
