//! Rest elements of destructuring patterns. A rest collects what is left of an iterable (or
//! the own keys of an object) natively, with no contract code in the loop, so the collection
//! is made to pay by wrapping the value being destructured: `const [a, ...r] =
//! __isovm_spread(x)`, `({a, ...r} = __isovm_rest(o))`. That is only possible at the top
//! level of a declaration or an assignment; everywhere else a rest element is refused.

use oxc_ast::ast::{AssignmentTarget, BindingPattern, Expression};
use oxc_span::Span;

use super::super::{Problem, REST_FN, SPREAD_FN};
use super::Instrumenter;

/// Where the patterns being visited are, for the message that refuses a rest element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PatternPlace {
    /// Declarations and assignments in code: a rest is refused only when nested.
    Code,
    Params,
    Catch,
    ForHead,
}

impl PatternPlace {
    fn refusal(self) -> &'static str {
        match self {
            PatternPlace::Code => {
                "a rest element (`...`) inside a nested pattern: destructure the inner value in \
                 a second declaration (`const {a} = o; const [b, ...rest] = a;`)"
            }
            PatternPlace::Params => {
                "a rest element (`...`) in a parameter pattern: take the parameter whole and \
                 destructure it in the body (`function f(p) { const [a, ...rest] = p; }`); a rest \
                 parameter (`function f(...args)`) is fine"
            }
            PatternPlace::Catch => {
                "a rest element (`...`) in a `catch` parameter: catch the value whole and \
                 destructure it in the block (`catch (e) { const {a, ...rest} = e; }`)"
            }
            PatternPlace::ForHead => {
                "a rest element (`...`) in a `for-in`/`for-of` head: bind the element whole and \
                 destructure it in the body (`for (const item of xs) { const [a, ...rest] = item; }`)"
            }
        }
    }
}

impl Instrumenter<'_> {
    /// A declarator `PATTERN = init`: wraps `init` if the pattern has a rest at its top level.
    pub(super) fn destructure_declaration(
        &mut self,
        id: &BindingPattern<'_>,
        init: &Expression<'_>,
    ) {
        let rest = match id {
            BindingPattern::ArrayPattern(p) => p.rest.as_ref().map(|r| (r.span, SPREAD_FN)),
            BindingPattern::ObjectPattern(p) => p.rest.as_ref().map(|r| (r.span, REST_FN)),
            _ => None,
        };
        if let Some((span, wrapper)) = rest {
            self.allow_rest(span, init, wrapper);
        }
    }

    /// An assignment `PATTERN = right`: the same.
    pub(super) fn destructure_assignment(
        &mut self,
        left: &AssignmentTarget<'_>,
        right: &Expression<'_>,
    ) {
        let rest = match left {
            AssignmentTarget::ArrayAssignmentTarget(p) => {
                p.rest.as_ref().map(|r| (r.span, SPREAD_FN))
            }
            AssignmentTarget::ObjectAssignmentTarget(p) => {
                p.rest.as_ref().map(|r| (r.span, REST_FN))
            }
            _ => None,
        };
        if let Some((span, wrapper)) = rest {
            self.allow_rest(span, right, wrapper);
        }
    }

    fn allow_rest(&mut self, rest: Span, value: &Expression<'_>, wrapper: &str) {
        self.allowed_rest.insert(rest.start);
        self.call_around(value, wrapper, "");
    }

    /// A rest element at `span`: refused unless its pattern's value was wrapped.
    pub(super) fn rest_element(&mut self, span: Span) {
        if !self.allowed_rest.contains(&span.start) {
            let what = self.patterns.refusal();
            self.report(span.start, Problem::Unsupported(what.into()));
        }
    }

    /// Runs `f` with the patterns it visits placed at `place`.
    pub(super) fn in_patterns(&mut self, place: PatternPlace, f: impl FnOnce(&mut Self)) {
        let saved = std::mem::replace(&mut self.patterns, place);
        f(self);
        self.patterns = saved;
    }
}
