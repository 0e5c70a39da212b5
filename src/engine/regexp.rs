//! Checking regular-expression literals at deploy: every literal runs with the `l` flag on
//! V8's linear-time engine (`docs/determinism.md`, "Regular expressions"), which refuses
//! some patterns. A contract that holds one must not deploy, rather than throw when the
//! literal is first evaluated.

use super::sandbox::Sandbox;

impl Sandbox {
    /// Compiles each `(pattern, flags)` as V8 would a literal `/pattern/flags`, in a fresh
    /// context and with no contract code running. The first one V8 refuses is returned with
    /// its index and V8's message (`Invalid regular expression: /(a)\1/l: Cannot be executed
    /// in linear time`).
    pub fn check_regexps(&mut self, regexps: &[(String, String)]) -> Result<(), (usize, String)> {
        if regexps.is_empty() {
            return Ok(());
        }
        let isolate = &mut self.isolate;
        v8::scope!(let scope, isolate);
        let context = v8::Context::new(scope, Default::default());
        let scope = &mut v8::ContextScope::new(scope, context);
        v8::tc_scope!(let tc, scope);
        for (index, (pattern, flags)) in regexps.iter().enumerate() {
            let Some(flags) = creation_flags(flags) else {
                let message = format!("Invalid regular expression flags '{flags}'");
                return Err((index, message));
            };
            let Some(source) = v8::String::new(tc, pattern) else {
                return Err((index, "the pattern is too long".into()));
            };
            if v8::RegExp::new(tc, source, flags).is_none() {
                let message = tc
                    .message()
                    .map(|m| m.get(tc).to_rust_string_lossy(tc))
                    .unwrap_or_else(|| "the pattern does not compile".into());
                let message = message
                    .strip_prefix("Uncaught ")
                    .unwrap_or(&message)
                    .to_string();
                tc.reset();
                return Err((index, message));
            }
        }
        Ok(())
    }
}

/// The flags of a literal, or `None` for an unknown or repeated one (a syntax error in JS).
fn creation_flags(flags: &str) -> Option<v8::RegExpCreationFlags> {
    use v8::RegExpCreationFlags as F;
    let mut out = F::empty();
    for c in flags.chars() {
        let flag = match c {
            'd' => F::HAS_INDICES,
            'g' => F::GLOBAL,
            'i' => F::IGNORE_CASE,
            'l' => F::LINEAR,
            'm' => F::MULTILINE,
            's' => F::DOT_ALL,
            'u' => F::UNICODE,
            'v' => F::UNICODE_SETS,
            'y' => F::STICKY,
            _ => return None,
        };
        if out.contains(flag) {
            return None;
        }
        out |= flag;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::creation_flags;

    #[test]
    fn flags_parse_like_literals() {
        assert!(creation_flags("gil").is_some());
        assert!(creation_flags("").is_some());
        assert!(creation_flags("gg").is_none());
        assert!(creation_flags("x").is_none());
    }
}
