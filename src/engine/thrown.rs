//! What a contract threw, described from data V8 recorded when it was thrown: building the
//! description runs no contract code (no `toString`, no getters), so it cannot loop, throw or
//! differ between nodes.

use super::sandbox::Ran;
use super::snapshot::RUNTIME_NAME;

/// One frame of a contract's stack, as V8 reports it for the code it ran (the instrumented
/// code: columns may need mapping back to the contract's source).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The function's name; `None` for the location of a throw with no stack.
    pub function: Option<String>,
    /// The script: the contract's id.
    pub script: String,
    pub line: u32,
    pub column: u32,
}

/// An exception: `TypeError: message`, and the contract frames of its stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thrown {
    pub message: String,
    pub frames: Vec<Frame>,
}

impl Thrown {
    /// A failure with no JavaScript stack.
    pub fn plain(message: impl Into<String>) -> Thrown {
        Thrown {
            message: message.into(),
            frames: Vec::new(),
        }
    }

    /// The message and one `at function (script:line:column)` line per frame, the column
    /// given by `column` (which may map it back to the contract's source).
    pub fn render(&self, column: impl Fn(&Frame) -> u32) -> String {
        let mut out = self.message.clone();
        for frame in &self.frames {
            let at = format!("{}:{}:{}", frame.script, frame.line, column(frame));
            match &frame.function {
                Some(function) => out.push_str(&format!("\n    at {function} ({at})")),
                None => out.push_str(&format!("\n    at {at}")),
            }
        }
        out
    }
}

impl std::fmt::Display for Thrown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(|frame| frame.column))
    }
}

/// Turns what the try-catch scope caught into a [`Ran`].
pub(super) fn caught(tc: &mut v8::PinnedRef<'_, v8::TryCatch<'_, '_, v8::HandleScope<'_>>>) -> Ran {
    if tc.has_terminated() || tc.is_execution_terminating() {
        return Ran::Terminated;
    }
    let Some(message) = tc.message() else {
        return Ran::Threw(Thrown::plain("the call failed without an exception"));
    };
    Ran::Threw(describe(tc, message))
}

/// `text` cut to at most `max` bytes (on a character boundary), marked when cut: an
/// exception's message can be as long as a string can, a receipt's cannot.
fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &text[..end], text.len())
}

pub(super) fn describe(
    scope: &mut v8::PinScope<'_, '_>,
    message: v8::Local<'_, v8::Message>,
) -> Thrown {
    let text = message.get(scope).to_rust_string_lossy(scope);
    let text = text.strip_prefix("Uncaught ").unwrap_or(&text);
    let mut thrown = Thrown::plain(cut(text, crate::consensus::PARAMS.limits.max_message_bytes));
    if let Some(trace) = message.get_stack_trace(scope) {
        for i in 0..trace.get_frame_count() {
            let Some(frame) = trace.get_frame(scope, i) else {
                continue;
            };
            let script = frame
                .get_script_name(scope)
                .map(|s| s.to_rust_string_lossy(scope))
                .unwrap_or_default();
            if script == RUNTIME_NAME || script.is_empty() {
                continue;
            }
            let function = frame
                .get_function_name(scope)
                .map(|s| s.to_rust_string_lossy(scope))
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "<anonymous>".into());
            thrown.frames.push(Frame {
                function: Some(function),
                script,
                line: frame.get_line_number() as u32,
                column: frame.get_column() as u32,
            });
        }
    }
    if thrown.frames.is_empty() {
        let script = message
            .get_script_resource_name(scope)
            .map(|s| s.to_rust_string_lossy(scope))
            .unwrap_or_default();
        if !script.is_empty() && script != RUNTIME_NAME {
            thrown.frames.push(Frame {
                function: None,
                script,
                line: message.get_line_number(scope).unwrap_or(0) as u32,
                column: message.get_start_column() as u32 + 1,
            });
        }
    }
    thrown
}

#[cfg(test)]
mod tests {
    use super::cut;

    #[test]
    fn long_messages_are_cut_on_a_character_boundary() {
        assert_eq!(cut("short", 10), "short");
        assert_eq!(cut("aaaaé", 5), "aaaa… (6 bytes in all)");
        assert_eq!(cut(&"x".repeat(20), 4), "xxxx… (20 bytes in all)");
    }
}
