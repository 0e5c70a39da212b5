//! The deterministic cost table used by the instrumenter: gas and memory units.
//!
//! Costs are computed purely from the AST, so the same source always yields the same charges.
//! The table (also in `docs/gas.md`; the numbers are `PARAMS.code`, `src/consensus/`):
//!
//! | node                                                                 | gas | memory |
//! |----------------------------------------------------------------------|-----|--------|
//! | identifier, literal, `this`, `super`, `new.target`, parentheses, `?.` chain | 0 | 0 |
//! | regular-expression literal                                           | 0 | `memory_regexp` |
//! | member access (`a.b`, `a[b]`, `a.#b`), unary (incl. `typeof`, `delete`, `void`), binary (incl. `in`, `instanceof`, `#x in o`), logical, update, conditional, sequence, spread, template literal, `await`, `yield` | 1 | 0 |
//! | assignment (any operator)                                            | 1 | `memory_store` per member target (also inside a destructuring target) |
//! | array literal                                                        | 1 + 1 per element | `memory_array` + `memory_per_element` per element |
//! | object literal                                                       | 1 + 1 per property | `memory_object` + `memory_per_property` per property |
//! | array / object destructuring pattern                                 | 1 + 1 per element/property | 0 |
//! | destructuring default (`{a = d}`, `[a = d]`)                          | 1 | 0 |
//! | call, optional call, tagged template                                 | 3 | 0 |
//! | `new`                                                                | 3 | `memory_new` |
//! | function / arrow creation (body charged on entry)                    | 2 | `memory_function` |
//! | class creation                                                       | 2 + `extends` expr + computed keys | `memory_class` + `memory_function` per method |
//!
//! A node's cost is added to the costs of the sub-expressions it evaluates directly. Nested
//! function bodies, class bodies (methods, field initializers, static blocks) are never
//! counted here: they are charged where they run. Class fields that have no charge of their
//! own (no initializer, or an anonymous function or class kept bare for its name) are paid by
//! the class creation (static ones) or by one charge per instance (instance ones).

use oxc_ast::ast::{
    ArrayAssignmentTarget, ArrayExpression, ArrayPattern, AssignmentExpression, AssignmentPattern,
    AssignmentTargetPropertyIdentifier, AssignmentTargetWithDefault, AwaitExpression,
    BinaryExpression, CallExpression, Class, ClassElement, ComputedMemberExpression,
    ConditionalExpression, Expression, ForStatementInit, ForStatementLeft, FormalParameters,
    LogicalExpression, NewExpression, ObjectAssignmentTarget, ObjectExpression, ObjectPattern,
    PrivateFieldExpression, PrivateInExpression, PropertyDefinition, PropertyKey, RegExpLiteral,
    SequenceExpression, SimpleAssignmentTarget, SpreadElement, Statement, StaticMemberExpression,
    TaggedTemplateExpression, TemplateLiteral, UnaryExpression, UpdateExpression,
    VariableDeclaration, YieldExpression,
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
const CODE: crate::consensus::CodeCosts = PARAMS.code;

/// Gas and memory units of a piece of code, charged together.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Cost {
    pub gas: u64,
    pub memory: u64,
}

impl Cost {
    pub(super) const fn gas(gas: u64) -> Cost {
        Cost { gas, memory: 0 }
    }

    pub(super) fn plus(self, other: Cost) -> Cost {
        Cost {
            gas: self.gas.saturating_add(other.gas),
            memory: self.memory.saturating_add(other.memory),
        }
    }

    pub(super) fn plus_memory(self, memory: u64) -> Cost {
        self.plus(Cost { gas: 0, memory })
    }
}

/// Cost of evaluating `expr` once (see the module table).
pub(super) fn expression(expr: &Expression<'_>) -> Cost {
    let mut counter = Counter::default();
    counter.visit_expression(expr);
    counter.total
}

fn optional(expr: Option<&Expression<'_>>) -> Cost {
    expr.map_or(Cost::default(), expression)
}

/// Cost of the declarators of `let`/`const`/`var`: patterns plus initializers.
fn declaration(decl: &VariableDeclaration<'_>) -> Cost {
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
/// themselves and are not included. A labeled statement costs what its body costs. A function
/// declaration costs nothing here: it is created when its scope is entered, and paid by the
/// first run of its list ([`hoisted`]).
pub(super) fn statement(stmt: &Statement<'_>) -> Cost {
    let direct = match stmt {
        Statement::ExpressionStatement(s) => expression(&s.expression),
        Statement::VariableDeclaration(d) => declaration(d),
        Statement::ReturnStatement(s) => optional(s.argument.as_ref()),
        Statement::ThrowStatement(s) => expression(&s.argument),
        Statement::IfStatement(s) => expression(&s.test),
        Statement::SwitchStatement(s) => {
            // All case tests are charged up front: deterministic and an upper bound.
            s.cases
                .iter()
                .map(|c| optional(c.test.as_ref()))
                .fold(expression(&s.discriminant), Cost::plus)
        }
        Statement::ForStatement(s) => match &s.init {
            Some(ForStatementInit::VariableDeclaration(d)) => declaration(d),
            Some(init) => init.as_expression().map_or(Cost::default(), expression),
            None => Cost::default(),
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
        Statement::FunctionDeclaration(_) => return Cost::default(),
        // Blocks, empty statements, jumps, `debugger`, `while`/`do` headers (their test is
        // charged per iteration).
        _ => Cost::default(),
    };
    Cost::gas(BASE).plus(direct)
}

/// The function declarations of a statement list: created (and paid) when the list's scope is
/// entered, wherever they stand in it: `1` and `memory_function` each.
pub(super) fn hoisted(statements: &[Statement<'_>]) -> Cost {
    let count = statements
        .iter()
        .filter(|s| matches!(s, Statement::FunctionDeclaration(_)))
        .count() as u64;
    Cost {
        gas: BASE.saturating_mul(count),
        memory: CODE.memory_function.saturating_mul(count),
    }
}

/// Per-iteration charge of a `for (init; test; update)` loop.
pub(super) fn for_iteration(
    test: Option<&Expression<'_>>,
    update: Option<&Expression<'_>>,
) -> Cost {
    Cost::gas(BASE).plus(optional(test)).plus(optional(update))
}

/// Per-iteration charge of a `while`/`do-while` loop.
pub(super) fn while_iteration(test: &Expression<'_>) -> Cost {
    Cost::gas(BASE).plus(expression(test))
}

/// Per-iteration charge of a `for-in`/`for-of` loop: binding the left side each time.
pub(super) fn for_each_iteration(left: &ForStatementLeft<'_>) -> Cost {
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
    Cost::gas(BASE).plus(counter.total)
}

/// Function entry: `1 +` the number of declared parameters (a rest parameter counts as one).
/// Default values are charged separately, where they are evaluated.
pub(super) fn function_entry(params: &FormalParameters<'_>) -> Cost {
    let count = params.items.len() as u64 + u64::from(params.rest.is_some());
    Cost::gas(BASE.saturating_add(count))
}

/// Stack units of a frame whose source is `bytes` long: `frame_slots + bytes / 2`. An
/// interpreter frame holds a fixed header plus one register per local variable and per
/// temporary value, and each of those needs at least about two bytes of source (a name and a
/// separator, an operand and an operator), so the source length bounds the register count.
pub(super) fn stack_units(bytes: u32) -> u64 {
    CODE.frame_slots.saturating_add(u64::from(bytes) / 2)
}

/// Memory a generator or async function's suspended frame takes, per entry: its object plus
/// its stack units, which it keeps while suspended.
pub(super) fn generator_frame(stack: u64) -> u64 {
    CODE.memory_generator
        .saturating_add(CODE.memory_per_frame_slot.saturating_mul(stack))
}

/// Memory of the property a class field defines, each time it is defined.
pub(super) const FIELD_STORE: u64 = CODE.memory_store;

/// Creating a class: `2 +` its `extends` expression and computed member keys, which are
/// evaluated when the class is defined, `memory_class` and `memory_function` per method, and
/// the static fields that have no charge of their own (defined once, at creation). Member
/// bodies and charged initializers are paid where they run.
pub(super) fn class_creation(class: &Class<'_>) -> Cost {
    let mut counter = Counter::default();
    counter.class(class);
    counter.total
}

/// A field initializer kept bare (not charged where it runs): an anonymous function, arrow or
/// class, which must stay one to infer its name from the field's.
pub(super) fn bare_value(value: &Expression<'_>) -> bool {
    match value.without_parentheses() {
        Expression::ArrowFunctionExpression(_) => true,
        Expression::FunctionExpression(f) => f.id.is_none(),
        Expression::ClassExpression(c) => c.id.is_none(),
        _ => false,
    }
}

/// What defining a field that has no charge of its own costs (`None` when it has one): the
/// definition, and creating its bare value.
pub(super) fn uncharged_field(field: &PropertyDefinition<'_>) -> Option<Cost> {
    let definition = Cost {
        gas: BASE,
        memory: FIELD_STORE,
    };
    match &field.value {
        None => Some(definition),
        Some(value) if bare_value(value) => Some(definition.plus(expression(value))),
        Some(_) => None,
    }
}

/// The instance fields of `class` that have no charge of their own: paid by one charge each
/// time an instance is made.
pub(super) fn uncharged_instance_fields(class: &Class<'_>) -> Cost {
    fields(class, false)
}

fn fields(class: &Class<'_>, statics: bool) -> Cost {
    class
        .body
        .body
        .iter()
        .filter_map(|element| match element {
            ClassElement::PropertyDefinition(p) if p.r#static == statics => uncharged_field(p),
            _ => None,
        })
        .fold(Cost::default(), Cost::plus)
}

/// Sums node costs over an expression tree. Does not descend into function or class bodies.
#[derive(Default)]
struct Counter {
    total: Cost,
}

impl Counter {
    fn add(&mut self, gas: u64) {
        self.total.gas = self.total.gas.saturating_add(gas);
    }

    fn memory(&mut self, units: u64) {
        self.total.memory = self.total.memory.saturating_add(units);
    }

    fn class(&mut self, class: &Class<'_>) {
        self.add(CREATE_FUNCTION);
        self.memory(CODE.memory_class);
        if let Some(heritage) = &class.heritage {
            self.visit_expression(&heritage.expression);
        }
        for element in &class.body.body {
            let key = match element {
                ClassElement::MethodDefinition(m) => {
                    self.memory(CODE.memory_function);
                    &m.key
                }
                ClassElement::PropertyDefinition(p) => &p.key,
                ClassElement::AccessorProperty(a) => &a.key,
                ClassElement::StaticBlock(_) | ClassElement::TSIndexSignature(_) => continue,
            };
            if let Some(expr) = computed_key(key) {
                self.visit_expression(expr);
            }
        }
        self.total = self.total.plus(fields(class, true));
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
                self.memory(CODE.memory_function);
            }
            Expression::ClassExpression(class) => self.class(class),
            _ => walk::walk_expression(self, it),
        }
    }

    fn visit_reg_exp_literal(&mut self, _it: &RegExpLiteral<'a>) {
        self.memory(CODE.memory_regexp);
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
        self.memory(CODE.memory_new);
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
        // An update stores into a property that exists, or makes NaN of one that does not:
        // no store is counted for its target itself.
        self.add(OP);
        if let Some(member) = it.argument.as_member_expression() {
            self.visit_member_expression(member);
        }
    }

    fn visit_assignment_expression(&mut self, it: &AssignmentExpression<'a>) {
        self.add(OP);
        walk::walk_assignment_expression(self, it);
    }

    fn visit_simple_assignment_target(&mut self, it: &SimpleAssignmentTarget<'a>) {
        // A property store, by an assignment (also compound, logical, or in a destructuring
        // target or a `for-in`/`for-of` head).
        if it.as_member_expression().is_some() {
            self.memory(CODE.memory_store);
        }
        walk::walk_simple_assignment_target(self, it);
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
        let elements = it.elements.len() as u64;
        self.add(OP.saturating_add(elements));
        self.memory(
            CODE.memory_array
                .saturating_add(CODE.memory_per_element.saturating_mul(elements)),
        );
        walk::walk_array_expression(self, it);
    }

    fn visit_object_expression(&mut self, it: &ObjectExpression<'a>) {
        let properties = it.properties.len() as u64;
        self.add(OP.saturating_add(properties));
        self.memory(
            CODE.memory_object
                .saturating_add(CODE.memory_per_property.saturating_mul(properties)),
        );
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
