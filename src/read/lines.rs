//! Byte offsets → 1-based line and column, columns counted in characters.
//!
//! A line ends at `\n` (so a CRLF file's `\r` belongs to the line it ends); a BOM at the start of
//! the file is not a character a user sees, so it does not count as a column.

/// Line starts of one text, built once per file that has something to report.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { text, starts }
    }

    /// 1-based (line, column) of a byte offset; the offset is clamped to the text and to a
    /// character boundary.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let mut start = self.starts[line];
        if line == 0 && self.text.starts_with('\u{feff}') {
            start = start.max(3).min(offset.max(3));
        }
        let col = self.text[start..offset.max(start)].chars().count() + 1;
        (line + 1, col)
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
