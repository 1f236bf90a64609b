//! Byte offsets → 1-based line and column, columns counted in characters.
//!
//! A line ends at `\n` (so a CRLF file's `\r` belongs to the line it ends); a BOM at the start of
//! the file is not a character a user sees, so it does not count as a column.

/// Line starts of one text, built once per file that has something to report.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

/// Offsets where the lines of a text start (a final line break gives a start at the end).
pub fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
        .collect()
}

/// 1-based (line, column) of `offset` in `text` whose line starts are `starts`; the offset is
/// clamped to the text and to a character boundary. `bom_is_file_start`: the text starts the
/// file, so a BOM there is not a column.
pub fn line_col_in(
    text: &str,
    starts: &[usize],
    offset: usize,
    bom_is_file_start: bool,
) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line = starts.partition_point(|&s| s <= offset) - 1;
    let mut start = starts[line];
    if bom_is_file_start && line == 0 && text.starts_with('\u{feff}') {
        start = start.max(3).min(offset.max(3));
    }
    let col = text[start..offset.max(start)].chars().count() + 1;
    (line + 1, col)
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        LineIndex {
            text,
            starts: line_starts(text),
        }
    }

    /// 1-based (line, column) of a byte offset; the offset is clamped to the text and to a
    /// character boundary.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        line_col_in(self.text, &self.starts, offset, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines_and_characters() {
        let t = "a: 1\r\nb: 値x\n";
        let ix = LineIndex::new(t);
        assert_eq!(ix.line_col(0), (1, 1));
        assert_eq!(ix.line_col(t.find('b').unwrap()), (2, 1));
        assert_eq!(ix.line_col(t.find('x').unwrap()), (2, 5));
    }

    #[test]
    fn bom_is_not_a_column() {
        let t = "\u{feff}kind: X\n";
        let ix = LineIndex::new(t);
        assert_eq!(ix.line_col(3), (1, 1));
        assert_eq!(ix.line_col(t.find('X').unwrap()), (1, 7));
    }
}
