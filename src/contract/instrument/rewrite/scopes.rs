//! The guards' temporaries, declared once per scope that runs code of its own: a function
//! body (and an expression arrow's), the program, a class static block, and the arrow of an
//! inline value (`__isovm_frame`). Each declares the ones it uses, at its entry, so no code
//! ever shares a temporary with the function around it: a parameter default or a field
//! initializer runs inside a call of the code around it, which may hold one.
//!
//! `__isovm_t` is held only between its assignment and a `typeof` right after it, so every
//! guard of a scope shares it. `__isovm_oN`/`__isovm_kN` (the object and key of an update or
//! compound-assignment target) are held while the key and the right-hand side are evaluated,
//! so each nesting level gets its own `N`. Temporaries are locals of their function, so one
//! held across a `yield` or an `await` is safe: nothing else runs in that frame meanwhile,
//! and another call of the same function has its own.

use std::collections::BTreeSet;

use super::super::Problem;
use super::Instrumenter;
use super::forms::T;

/// One scope's temporaries, and where their declaration goes.
pub(super) struct TempScope {
    patch: Patch,
    t: bool,
    /// `(index, 'o' | 'k')` of the `__isovm_oN`/`__isovm_kN` used (`'o'` sorts first).
    pairs: BTreeSet<(u32, std::cmp::Reverse<char>)>,
    /// How many update or compound-assignment targets with temporaries enclose the code
    /// being visited (in this scope).
    depth: u32,
}

/// How a scope's declaration is put in when the scope closes.
pub(super) enum Patch {
    /// `inserts[index].text = head + declaration + tail` (a function entry).
    Entry {
        index: usize,
        head: String,
        tail: String,
    },
    /// `__isovm_frame(…, () => (value))`, or with temporaries
    /// `__isovm_frame(…, () => {let …;return (value)})`; `memory` is its fourth argument
    /// when not 0.
    Frame {
        open: usize,
        close: usize,
        head: String,
        memory: u64,
    },
    /// `inserts[index].text = declaration` (at the first statement of a program or a static
    /// block; `None` when it has none, and so uses no temporary).
    Lazy { index: Option<usize> },
    /// Nothing to declare into (the scope's entry could not be placed; an error was reported).
    Nothing,
}

impl TempScope {
    fn declaration(&self) -> String {
        let mut names: Vec<String> = Vec::new();
        if self.t {
            names.push(T.into());
        }
        names.extend(
            self.pairs
                .iter()
                .map(|(index, kind)| format!("__isovm_{}{index}", kind.0)),
        );
        if names.is_empty() {
            String::new()
        } else {
            format!("let {};", names.join(", "))
        }
    }
}

impl Instrumenter<'_> {
    pub(super) fn open_scope(&mut self, patch: Patch) {
        self.scopes.push(TempScope {
            patch,
            t: false,
            pairs: BTreeSet::new(),
            depth: 0,
        });
    }

    pub(super) fn close_scope(&mut self) {
        let Some(scope) = self.scopes.pop() else {
            return;
        };
        let declaration = scope.declaration();
        let mut set = |index: usize, text: String| {
            if let Some(insert) = self.inserts.get_mut(index) {
                insert.text = text;
            }
        };
        match scope.patch {
            Patch::Entry { index, head, tail } => set(index, format!("{head}{declaration}{tail}")),
            Patch::Frame {
                open,
                close,
                head,
                memory,
            } => {
                let end = if memory > 0 {
                    format!(", {memory})")
                } else {
                    ")".into()
                };
                if declaration.is_empty() {
                    set(open, format!("{head}("));
                    set(close, format!("){end}"));
                } else {
                    set(open, format!("{head}{{{declaration}return ("));
                    set(close, format!(")}}{end}"));
                }
            }
            Patch::Lazy { index: Some(index) } => set(index, declaration),
            Patch::Lazy { index: None } | Patch::Nothing => {}
        }
    }

    /// Marks `__isovm_t` used by a guard at `at`. Parameters (outside a frame) run before the
    /// function's declarations: no guard there may use a temporary.
    pub(super) fn use_t(&mut self, at: u32) {
        if self.in_params {
            let what = "internal error: a guard temporary in a parameter list";
            self.report(at, Problem::Unsupported(what.into()));
        }
        if let Some(scope) = self.scopes.last_mut() {
            scope.t = true;
        }
    }

    /// The nesting index for the next `__isovm_oN`/`__isovm_kN`.
    pub(super) fn pair_index(&self) -> u32 {
        self.scopes.last().map_or(0, |s| s.depth)
    }

    pub(super) fn use_pair(&mut self, index: u32, kind: char, at: u32) {
        if self.in_params {
            let what = "internal error: a guard temporary in a parameter list";
            self.report(at, Problem::Unsupported(what.into()));
        }
        if let Some(scope) = self.scopes.last_mut() {
            scope.pairs.insert((index, std::cmp::Reverse(kind)));
        }
    }

    /// Runs `f` one nesting level deeper (inside a target that holds `__isovm_oN`/`kN`).
    pub(super) fn nested(&mut self, f: impl FnOnce(&mut Self)) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.depth += 1;
        }
        f(self);
        if let Some(scope) = self.scopes.last_mut() {
            scope.depth = scope.depth.saturating_sub(1);
        }
    }
}
