//! The text of the guards, and which operands need none.
//!
//! Every guard is a pair of strings put around the operand's own text (which is never
//! re-printed). An identifier operand is tested inline, its name repeated (an identifier
//! evaluates to the same value each time, and has no getter in strict contract code);
//! any other operand goes through the function's temporary `__isovm_t`, assigned and read
//! with nothing in between but `typeof` and a comparison, so nested guards may share it.

use oxc_ast::ast::{
    AssignmentOperator, BinaryOperator, Expression, MemberExpression, PropertyKey,
    SimpleAssignmentTarget, UnaryOperator,
};
use oxc_span::GetSpan;

use super::super::{CAT_FN, KEY_FN, NUM_FN, STR_FN};
use crate::consensus::PARAMS;

/// The temporary of a guard on a non-identifier operand.
pub(super) const T: &str = "__isovm_t";
/// Strings up to this many UTF-16 units pass guards inline.
const SHORT: u64 = PARAMS.limits.short_string;

/// Text before and after an operand.
pub(super) struct Wrap {
    pub open: String,
    pub close: String,
    /// The wrap uses [`T`].
    pub temp: bool,
}

impl Wrap {
    fn inline(open: String, close: &str) -> Wrap {
        Wrap {
            open,
            close: close.into(),
            temp: false,
        }
    }

    /// `(typeof (__isovm_t = ` + operand + `) TEST ? __isovm_t : CALL(__isovm_t))`; a
    /// sequence operand (only possible as a member key) gets its own parentheses.
    fn temp(test_and_rest: String, sequence: bool) -> Wrap {
        let (open, close) = if sequence { ("(", ")") } else { ("", "") };
        Wrap {
            open: format!("(typeof ({T} = {open}"),
            close: format!("{close}){test_and_rest}"),
            temp: true,
        }
    }
}

/// N(x): an operand of an arithmetic, relational or unary numeric operator. `None` when its
/// value is always a number, or a literal whose conversion is O(1) (a short string, a
/// boolean, `null`, `undefined`).
pub(super) fn number(source: &str, e: &Expression<'_>) -> Option<Wrap> {
    let cheap_literal = matches!(
        e.without_parentheses(),
        Expression::BooleanLiteral(_) | Expression::NullLiteral(_)
    ) || nullish(e)
        || short_string_literal(e);
    if known_number(e) || cheap_literal {
        return None;
    }
    Some(match identifier(source, e) {
        Some(x) => Wrap::inline(
            format!("(typeof {x} === \"number\" ? {x} : {NUM_FN}("),
            "))",
        ),
        None => Wrap::temp(format!(" === \"number\" ? {T} : {NUM_FN}({T}))"), false),
    })
}

/// S(x): an operand of `===`/`!==`.
pub(super) fn string(source: &str, e: &Expression<'_>) -> Wrap {
    match identifier(source, e) {
        Some(x) => Wrap::inline(
            format!("(typeof {x} !== \"string\" || {x}.length <= {SHORT} ? {x} : {STR_FN}("),
            "))",
        ),
        None => Wrap::temp(
            format!(" !== \"string\" || {T}.length <= {SHORT} ? {T} : {STR_FN}({T}))"),
            false,
        ),
    }
}

/// K(k): a computed property key. `None` when it is a number or a short string literal.
pub(super) fn key(source: &str, e: &Expression<'_>) -> Option<Wrap> {
    if key_free(e) {
        return None;
    }
    Some(match identifier(source, e) {
        Some(k) => Wrap::inline(key_test(k), "))"),
        None => Wrap::temp(
            format!(
                " === \"number\" || (typeof {T} === \"string\" && {T}.length <= {SHORT}) ? {T} : {KEY_FN}({T}))"
            ),
            matches!(e, Expression::SequenceExpression(_)),
        ),
    })
}

/// The inline key test of an identifier `k`, up to the argument of the slow path.
pub(super) fn key_test(k: &str) -> String {
    format!(
        "(typeof {k} === \"number\" || (typeof {k} === \"string\" && {k}.length <= {SHORT}) ? {k} : {KEY_FN}("
    )
}

/// The `+` of two values that may be strings, or `x += y`: the whole expression.
pub(super) fn concatenation() -> Wrap {
    Wrap {
        open: format!("(typeof ({T} = "),
        close: format!(") === \"string\" ? {CAT_FN}({T}) : {T})"),
        temp: true,
    }
}

/// The guard that makes the value of reference `r` a primitive before `++`, `--` or a
/// compound arithmetic assignment reads it.
pub(super) fn pre_guard(r: &str) -> String {
    format!("typeof {r} === \"number\" || ({r} = {NUM_FN}({r}))")
}

/// The source text of an identifier operand (through parentheses).
pub(super) fn identifier<'s>(source: &'s str, e: &Expression<'_>) -> Option<&'s str> {
    match e.without_parentheses() {
        Expression::Identifier(id) => text(source, id.span),
        _ => None,
    }
}

pub(super) fn text(source: &str, span: oxc_span::Span) -> Option<&str> {
    source.get(span.start as usize..span.end as usize)
}

/// Whether `e` always evaluates to a number (contracts have no BigInt): numeric literals and
/// the results of numeric operators. Such an operand needs no numeric guard.
pub(super) fn known_number(e: &Expression<'_>) -> bool {
    match e.without_parentheses() {
        Expression::NumericLiteral(_) | Expression::UpdateExpression(_) => true,
        Expression::UnaryExpression(u) => matches!(
            u.operator,
            UnaryOperator::UnaryNegation | UnaryOperator::UnaryPlus | UnaryOperator::BitwiseNot
        ),
        Expression::BinaryExpression(b) => match b.operator {
            BinaryOperator::Addition => known_number(&b.left) && known_number(&b.right),
            op => arithmetic(op),
        },
        Expression::AssignmentExpression(a) => match a.operator {
            AssignmentOperator::Assign => known_number(&a.right),
            op => compound_arithmetic(op),
        },
        Expression::SequenceExpression(s) => s.expressions.last().is_some_and(known_number),
        Expression::ConditionalExpression(c) => {
            known_number(&c.consequent) && known_number(&c.alternate)
        }
        _ => false,
    }
}

/// The binary operators that convert both operands to numbers (all but `+`).
pub(super) fn arithmetic(op: BinaryOperator) -> bool {
    use BinaryOperator::*;
    matches!(
        op,
        Subtraction
            | Multiplication
            | Division
            | Remainder
            | Exponential
            | ShiftLeft
            | ShiftRight
            | ShiftRightZeroFill
            | BitwiseOR
            | BitwiseXOR
            | BitwiseAnd
    )
}

pub(super) fn relational(op: BinaryOperator) -> bool {
    use BinaryOperator::*;
    matches!(
        op,
        LessThan | GreaterThan | LessEqualThan | GreaterEqualThan
    )
}

/// `-=`, `*=`, … (not `+=`, `=` or the logical ones).
pub(super) fn compound_arithmetic(op: AssignmentOperator) -> bool {
    !matches!(
        op,
        AssignmentOperator::Assign | AssignmentOperator::Addition
    ) && !op.is_logical()
}

/// UTF-16 length of a string literal or of a template literal without substitutions.
fn literal_string_len(e: &Expression<'_>) -> Option<usize> {
    match e.without_parentheses() {
        Expression::StringLiteral(s) => Some(s.value.encode_utf16().count()),
        Expression::TemplateLiteral(t) if t.expressions.is_empty() => t
            .quasis
            .first()
            .and_then(|q| q.value.cooked.as_ref())
            .map(|c| c.encode_utf16().count()),
        _ => None,
    }
}

fn short_string_literal(e: &Expression<'_>) -> bool {
    literal_string_len(e).is_some_and(|n| n as u64 <= SHORT)
}

/// A key that needs no guard: a number, or a short string literal.
pub(super) fn key_free(e: &Expression<'_>) -> bool {
    known_number(e) || short_string_literal(e)
}

fn is_typeof(e: &Expression<'_>) -> bool {
    matches!(e.without_parentheses(), Expression::UnaryExpression(u) if u.operator == UnaryOperator::Typeof)
}

/// `null` or `undefined` (a binding named `undefined` is refused, so the name is the value).
pub(super) fn nullish(e: &Expression<'_>) -> bool {
    match e.without_parentheses() {
        Expression::NullLiteral(_) => true,
        Expression::Identifier(id) => id.name == "undefined",
        _ => false,
    }
}

/// An operand that makes `===` O(1) whatever the other one is: a number, a short string,
/// `null`, a boolean, `undefined`, or a `typeof` (a short string).
pub(super) fn constant_time_operand(e: &Expression<'_>) -> bool {
    matches!(
        e.without_parentheses(),
        Expression::NullLiteral(_) | Expression::BooleanLiteral(_)
    ) || nullish(e)
        || short_string_literal(e)
        || is_typeof(e)
        || known_number(e)
}

/// Whether `a == b` converts nothing and compares in O(1): one side `null`/`undefined`,
/// both numbers, or a `typeof` against a short string.
pub(super) fn loose_equality_is_free(a: &Expression<'_>, b: &Expression<'_>) -> bool {
    let stringy = |e: &Expression<'_>| is_typeof(e) || short_string_literal(e);
    nullish(a)
        || nullish(b)
        || (known_number(a) && known_number(b))
        || (is_typeof(a) && stringy(b))
        || (is_typeof(b) && stringy(a))
}

/// Whether a literal's text can be repeated in inserted text: no line break in it.
fn one_line(s: &str) -> Option<&str> {
    (!s.contains(['\r', '\n', '\u{2028}', '\u{2029}'])).then_some(s)
}

/// The text of a reference that may be repeated: an identifier, `this` or `super`, followed
/// by static or private member names. `None` for anything else.
pub(super) fn simple_object(source: &str, e: &Expression<'_>) -> Option<String> {
    match e {
        Expression::Identifier(id) => text(source, id.span).map(str::to_string),
        Expression::ThisExpression(_) => Some("this".into()),
        Expression::Super(_) => Some("super".into()),
        Expression::StaticMemberExpression(m) if !m.optional => {
            let object = simple_object(source, &m.object)?;
            Some(format!("{object}.{}", text(source, m.property.span)?))
        }
        Expression::PrivateFieldExpression(m) if !m.optional => {
            let object = simple_object(source, &m.object)?;
            Some(format!("{object}.{}", text(source, m.field.span)?))
        }
        _ => None,
    }
}

/// How an update or compound-assignment target's property is named.
pub(super) enum TargetKey<'s> {
    /// `.p` or `.#p`: the text after the dot.
    Name(&'s str),
    /// `[lit]` with a number or short string literal: its text.
    Literal(&'s str),
    /// `[expr]` that needs a key guard.
    Computed,
}

pub(super) fn target_key<'s>(
    source: &'s str,
    member: &MemberExpression<'_>,
) -> Option<TargetKey<'s>> {
    Some(match member {
        MemberExpression::StaticMemberExpression(m) => {
            TargetKey::Name(text(source, m.property.span)?)
        }
        MemberExpression::PrivateFieldExpression(m) => TargetKey::Name(text(source, m.field.span)?),
        MemberExpression::ComputedMemberExpression(m) => {
            let literal = matches!(
                m.expression,
                Expression::NumericLiteral(_) | Expression::StringLiteral(_)
            ) && key_free(&m.expression);
            match literal.then(|| text(source, m.expression.span()).and_then(one_line)) {
                Some(Some(literal)) => TargetKey::Literal(literal),
                _ => TargetKey::Computed,
            }
        }
    })
}

/// The member of a simple assignment target, if it is one.
pub(super) fn member<'t, 'a>(
    target: &'t SimpleAssignmentTarget<'a>,
) -> Option<&'t MemberExpression<'a>> {
    target.as_member_expression()
}

/// A computed key expression of a property, if the property is computed.
pub(super) fn computed<'k, 'a>(
    key: &'k PropertyKey<'a>,
    is_computed: bool,
) -> Option<&'k Expression<'a>> {
    if is_computed {
        key.as_expression()
    } else {
        None
    }
}
