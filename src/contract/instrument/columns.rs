//! Mapping columns of the instrumented code back to the contract's own source.
//!
//! Instrumentation inserts text and replaces a few operator tokens (`==` becomes `,` inside
//! `__isovm_eq(…)`), never a line break, so lines are unchanged and a column moves by the
//! length of what was inserted before it on its line, less what replacements took away.
//! Stack traces come from V8, which runs the instrumented code; receipts show the contract's
//! columns.

/// Where the text changed: line and column of the original source (1-based, UTF-16 units),
/// how many UTF-16 units of the source were replaced there (0 for an insert) and how many
/// took their place, in source order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMap {
    edits: Vec<Edit>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Edit {
    line: u32,
    at: u32,
    removed: u32,
    added: u32,
}

impl ColumnMap {
    /// The column in the original source of `column` on `line` of the instrumented code.
    /// A column inside inserted or replacing text maps to where that text was put.
    pub fn original_column(&self, line: u32, column: u32) -> u32 {
        let start = self.edits.partition_point(|e| e.line < line);
        // Instrumented column minus original column, so far on this line.
        let mut shift = 0i64;
        let column = i64::from(column);
        for edit in &self.edits[start..] {
            let at = i64::from(edit.at);
            if edit.line != line || column < at + shift {
                break;
            }
            if column < at + shift + i64::from(edit.added) {
                return edit.at;
            }
            shift += i64::from(edit.added) - i64::from(edit.removed);
        }
        u32::try_from((column - shift).max(1)).unwrap_or(1)
    }
}

/// Builds a [`ColumnMap`] while the edits are applied: `advance` over each copied chunk of
/// source, `insert` at each insert, `replace` at each replaced token.
pub(super) struct ColumnTracker {
    line: u32,
    column: u32,
    /// The previous character was `\r`: a following `\n` does not start another line.
    after_cr: bool,
    map: ColumnMap,
}

impl ColumnTracker {
    pub(super) fn new() -> ColumnTracker {
        ColumnTracker {
            line: 1,
            column: 1,
            after_cr: false,
            map: ColumnMap::default(),
        }
    }

    pub(super) fn advance(&mut self, chunk: &str) {
        for c in chunk.chars() {
            match c {
                '\n' if self.after_cr => {}
                '\r' | '\n' | '\u{2028}' | '\u{2029}' => {
                    self.line += 1;
                    self.column = 1;
                }
                c => self.column += c.len_utf16() as u32,
            }
            self.after_cr = c == '\r';
        }
    }

    pub(super) fn insert(&mut self, text: &str) {
        self.replace("", text);
    }

    /// `old` (source text without a line break) is replaced by `new`.
    pub(super) fn replace(&mut self, old: &str, new: &str) {
        self.map.edits.push(Edit {
            line: self.line,
            at: self.column,
            removed: old.encode_utf16().count() as u32,
            added: new.encode_utf16().count() as u32,
        });
        self.advance(old);
    }

    pub(super) fn finish(self) -> ColumnMap {
        self.map
    }
}

#[cfg(test)]
mod tests {
    use super::super::instrument;

    #[test]
    fn instrumented_columns_map_back_to_the_source() {
        let source = "class C {\n  f(a) { const x = a + 1; if (x) { return g(x); } }\n}\nmodule.exports = C;";
        let out = instrument(source).unwrap();
        let map = &out.columns;
        for (line_no, (original, instrumented)) in source.lines().zip(out.code.lines()).enumerate()
        {
            let line = line_no as u32 + 1;
            // Every token of the original line is found at its mapped column.
            for token in ["const", "return", "g(x)", "if", "module", "f(a)"] {
                if let (Some(o), Some(i)) = (original.find(token), instrumented.find(token)) {
                    assert_eq!(
                        map.original_column(line, i as u32 + 1),
                        o as u32 + 1,
                        "{token} on line {line}: {instrumented}"
                    );
                }
            }
        }
        // Lines without inserts are unchanged.
        assert_eq!(map.original_column(3, 1), 1);
    }
}
