//! Placing the operator guards (`docs/gas.md`, "Guards"): around operands, around `+` and
//! template literals, in place of `==`, and the rewrite of update and compound-assignment
//! targets.

use oxc_ast::ast::{BinaryExpression, BinaryOperator, Expression, SimpleAssignmentTarget};
use oxc_ast_visit::Visit;
use oxc_span::{GetSpan, Span};

use super::super::{EQ_FN, Problem, Side};
use super::Instrumenter;
use super::forms::{self, TargetKey, Wrap};

impl<'s> Instrumenter<'s> {
    /// Puts `wrap` around `span`.
    pub(super) fn wrap(&mut self, span: Span, wrap: Wrap) {
        if wrap.temp {
            self.use_t(span.start);
        }
        self.insert(span.start, Side::Open, wrap.open);
        self.insert(span.end, Side::Close, wrap.close);
    }

    /// `name(` before and `)` after `e` (parenthesized inside if it is a sequence).
    pub(super) fn call_around(&mut self, e: &Expression<'_>, name: &str, after: &str) {
        let (open, close) = if matches!(e, Expression::SequenceExpression(_)) {
            ("(", ")")
        } else {
            ("", "")
        };
        let span = e.span();
        self.insert(span.start, Side::Open, format!("{name}({open}"));
        self.insert(span.end, Side::Close, format!("{close}{after})"));
    }

    pub(super) fn guard_number(&mut self, e: &Expression<'_>) {
        if let Some(wrap) = forms::number(self.source, e) {
            self.wrap(e.span(), wrap);
        }
    }

    pub(super) fn guard_string(&mut self, e: &Expression<'_>) {
        let wrap = forms::string(self.source, e);
        self.wrap(e.span(), wrap);
    }

    pub(super) fn guard_key(&mut self, e: &Expression<'_>) {
        if let Some(wrap) = forms::key(self.source, e) {
            self.wrap(e.span(), wrap);
        }
    }

    /// The guards of a binary operator's operands (or of the whole expression). Created before
    /// the operands are visited, so they enclose the operands' own guards.
    pub(super) fn guard_binary(&mut self, it: &BinaryExpression<'_>) {
        let (left, right) = (&it.left, &it.right);
        match it.operator {
            BinaryOperator::Addition
                if !(forms::known_number(left) && forms::known_number(right)) =>
            {
                self.wrap(it.span, forms::concatenation());
            }
            op if forms::arithmetic(op) || forms::relational(op) => {
                self.guard_number(left);
                self.guard_number(right);
            }
            BinaryOperator::StrictEquality | BinaryOperator::StrictInequality
                if !(forms::constant_time_operand(left) || forms::constant_time_operand(right)) =>
            {
                self.guard_string(left);
                self.guard_string(right);
            }
            BinaryOperator::Equality | BinaryOperator::Inequality
                if !forms::loose_equality_is_free(left, right) =>
            {
                self.loose_equality(it);
            }
            BinaryOperator::In => self.guard_key(left),
            _ => {}
        }
    }

    /// `a == b` → `__isovm_eq(a, b)`, `a != b` → `!__isovm_eq(a, b)`: the operator token is
    /// replaced by `,`.
    fn loose_equality(&mut self, it: &BinaryExpression<'_>) {
        let Some(op) = self.token_after(it.left.span().end, &["==", "!="]) else {
            return;
        };
        let negate = if it.operator == BinaryOperator::Inequality {
            "!"
        } else {
            ""
        };
        self.insert(it.span.start, Side::Open, format!("{negate}{EQ_FN}("));
        self.replace(op, ",");
        self.insert(it.span.end, Side::Close, ")".into());
    }

    /// The span of the first token after `from` (skipping white space and comments) if it is
    /// one of `tokens`; otherwise an internal error is reported.
    pub(super) fn token_after(&mut self, from: u32, tokens: &[&str]) -> Option<Span> {
        let at = skip_trivia(self.source, from as usize);
        let rest = self.source.get(at..).unwrap_or_default();
        match tokens.iter().find(|t| rest.starts_with(**t)) {
            Some(token) => {
                let start = at as u32;
                Some(Span::new(start, start + token.len() as u32))
            }
            None => {
                let what = format!("internal error: expected {tokens:?}");
                self.report(from, Problem::Unsupported(what));
                None
            }
        }
    }

    pub(super) fn replace(&mut self, span: Span, text: &str) {
        self.insert(
            span.start,
            Side::Replace { end: span.end },
            text.to_string(),
        );
    }

    /// The target of `++`/`--` (`op` is the operator's span when it is a prefix) or of a
    /// compound arithmetic assignment (`-=`, …), whose value must be made a primitive before
    /// the operator reads it. `whole` is the update or assignment expression. Visits the
    /// target's parts.
    ///
    /// * identifier: `(typeof x === "number" || (x = __isovm_num(x)), x++)`;
    /// * a member of an identifier, `this` or `super` (or of a chain of static members of
    ///   those) by a name or a literal key: the same with the member repeated (its getters
    ///   may run more than once, the same everywhere);
    /// * any other member: its object and key in `__isovm_oN`/`__isovm_kN`:
    ///   `(__isovm_o0 = OBJ, __isovm_k0 = K(KEY), typeof __isovm_o0[__isovm_k0] === "number"
    ///   || (… = __isovm_num(…)), __isovm_o0[__isovm_k0]++)`.
    ///
    /// `rhs`: the right-hand side of a compound assignment, guarded and visited here (one
    /// nesting level deeper when the target holds temporaries).
    pub(super) fn numeric_target(
        &mut self,
        target: &SimpleAssignmentTarget<'_>,
        whole: Span,
        op: Option<Span>,
        rhs: Option<&Expression<'_>>,
    ) {
        let source = self.source;
        let repeated = match target {
            SimpleAssignmentTarget::AssignmentTargetIdentifier(id) => {
                forms::text(source, id.span).map(str::to_string)
            }
            target => forms::member(target).and_then(|member| {
                let object = forms::simple_object(source, member.object())?;
                match forms::target_key(source, member)? {
                    TargetKey::Name(name) => Some(format!("{object}.{name}")),
                    TargetKey::Literal(key) => Some(format!("{object}[{key}]")),
                    TargetKey::Computed => None,
                }
            }),
        };
        if let Some(r) = repeated {
            let guard = forms::pre_guard(&r);
            self.insert(whole.start, Side::Open, format!("({guard}, "));
            self.insert(whole.end, Side::Close, ")".into());
            self.visit_simple_assignment_target(target);
            self.operand(rhs);
            return;
        }
        let Some(member) = forms::member(target) else {
            self.unsupported(
                target.span(),
                "internal error: an unexpected assignment target",
            );
            return;
        };
        // The target's own span excludes parentheses around it: `(f().p)++`.
        let parenthesized = match op {
            Some(op) => skip_trivia(source, op.end as usize) != target.span().start as usize,
            None => whole.start != target.span().start,
        };
        if parenthesized {
            self.unsupported(
                target.span(),
                "a parenthesized target of `++`, `--` or a compound assignment whose object is \
                 not a name (remove the parentheses)",
            );
            return;
        }
        let i = self.pair_index();
        let object = member.object();
        let is_super = matches!(object, Expression::Super(_));
        let o = format!("__isovm_o{i}");
        let k = format!("__isovm_k{i}");
        let prefix = op
            .and_then(|op| forms::text(source, op))
            .unwrap_or_default()
            .to_string();
        // Where the sequence starts: `(` + `__isovm_oN = ` before the object, or in place of a
        // prefix operator (which moves to the final reference). `super` cannot be held.
        match (op, is_super) {
            (Some(op), true) => {
                self.replace(op, "(");
                self.replace(object.span(), "");
            }
            (None, true) => self.replace(object.span(), "("),
            (Some(op), false) => {
                self.replace(op, "(");
                self.insert(object.span().start, Side::Open, format!("{o} = "));
            }
            (None, false) => {
                self.insert(object.span().start, Side::Open, format!("({o} = "));
            }
        }
        if !is_super {
            self.use_pair(i, 'o', whole.start);
        }
        let base = if is_super {
            "super".to_string()
        } else {
            o.clone()
        };
        let after_object = object.span().end;
        match forms::target_key(source, member) {
            Some(TargetKey::Name(name)) => {
                // `OBJ.p` → `OBJ, typeof R … , __isovm_oN.p`
                let r = format!("{base}.{name}");
                let guard = forms::pre_guard(&r);
                if let Some(dot) = self.token_after(after_object, &["."]) {
                    self.replace(dot, &format!(", {guard}, {prefix}{base}."));
                }
            }
            Some(TargetKey::Literal(key)) => {
                let r = format!("{base}[{key}]");
                let guard = forms::pre_guard(&r);
                if let Some(open) = self.token_after(after_object, &["["]) {
                    self.replace(open, &format!(", {guard}, {prefix}{base}["));
                }
            }
            Some(TargetKey::Computed) | None => {
                let key = match member {
                    oxc_ast::ast::MemberExpression::ComputedMemberExpression(m) => &m.expression,
                    _ => {
                        self.unsupported(target.span(), "internal error: a key without `[`");
                        return;
                    }
                };
                self.use_pair(i, 'k', whole.start);
                let r = format!("{base}[{k}]");
                let guard = forms::pre_guard(&r);
                let sequence = matches!(key, Expression::SequenceExpression(_));
                let (key_open, key_close) = match forms::identifier(source, key) {
                    _ if forms::key_free(key) => (String::new(), String::new()),
                    Some(name) => (forms::key_test(name), "))".to_string()),
                    None if sequence => (format!("{}((", super::super::KEY_FN), "))".into()),
                    None => (format!("{}(", super::super::KEY_FN), ")".into()),
                };
                let lead = if is_super { "" } else { ", " };
                let (open, close) = (
                    self.token_after(after_object, &["["]),
                    self.token_before(member.span().end, b']'),
                );
                if let (Some(open), Some(close)) = (open, close) {
                    self.replace(open, &format!("{lead}{k} = {key_open}"));
                    self.replace(close, &format!("{key_close}, {guard}, {prefix}{r}"));
                }
            }
        }
        self.insert(whole.end, Side::Close, ")".into());
        // The parts, one nesting level deeper: they run while `__isovm_oN`/`kN` are held.
        self.nested(|v| {
            v.visit_expression(object);
            match member {
                oxc_ast::ast::MemberExpression::ComputedMemberExpression(m) => {
                    v.visit_expression(&m.expression)
                }
                oxc_ast::ast::MemberExpression::StaticMemberExpression(m) => {
                    v.visit_identifier_name(&m.property)
                }
                oxc_ast::ast::MemberExpression::PrivateFieldExpression(m) => {
                    v.visit_private_identifier(&m.field)
                }
            }
            v.operand(rhs);
        });
    }

    /// The right-hand side of a compound arithmetic assignment: N(rhs), then its own guards.
    fn operand(&mut self, rhs: Option<&Expression<'_>>) {
        if let Some(rhs) = rhs {
            self.guard_number(rhs);
            self.visit_expression(rhs);
        }
    }

    /// The span of the byte `token` that ends at `end`.
    fn token_before(&mut self, end: u32, token: u8) -> Option<Span> {
        let at = end.checked_sub(1)?;
        if self.source.as_bytes().get(at as usize) == Some(&token) {
            Some(Span::new(at, end))
        } else {
            let what = format!("internal error: expected `{}`", token as char);
            self.report(at, Problem::Unsupported(what));
            None
        }
    }
}

/// The offset of the first byte at or after `at` that is not white space or a comment.
pub(super) fn skip_trivia(source: &str, mut at: usize) -> usize {
    loop {
        let rest = source.get(at..).unwrap_or_default();
        if let Some(c) = rest.chars().next()
            && (c.is_whitespace() || c == '\u{feff}')
        {
            at += c.len_utf8();
        } else if rest.starts_with("//") {
            at += rest
                .find(['\r', '\n', '\u{2028}', '\u{2029}'])
                .unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            at += rest
                .get(2..)
                .and_then(|r| r.find("*/"))
                .map_or(rest.len(), |i| i + 4);
        } else {
            return at;
        }
    }
}
