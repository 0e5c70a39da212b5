//! Mapping columns of the instrumented code back to the contract's own source.
//!
//! Instrumentation only inserts text and never a line break, so lines are unchanged and a
//! column moves right by the length of what was inserted before it on its line. Stack
//! traces come from V8, which runs the instrumented code; receipts show the contract's columns.

/// Where text was inserted: line, column of the original source (1-based, UTF-16 units),
/// and how many UTF-16 units were inserted there, in source order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMap {
    inserts: Vec<(u32, u32, u32)>,
}

impl ColumnMap {
    /// The column in the original source of `column` on `line` of the instrumented code.
    /// A column inside inserted text maps to where the text was inserted.
    pub fn original_column(&self, line: u32, column: u32) -> u32 {
        let start = self.inserts.partition_point(|&(l, _, _)| l < line);
        let mut shift = 0u32;
        for &(l, at, len) in &self.inserts[start..] {
            if l != line || column < at + shift {
                break;
            }
            if column < at + shift + len {
                return at;
            }
            shift += len;
        }
        column - shift
    }
}

/// Builds a [`ColumnMap`] while the inserts are applied: `advance` over each copied chunk of
/// source, `insert` at each insert.
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
        let len = text.encode_utf16().count() as u32;
        self.map.inserts.push((self.line, self.column, len));
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
