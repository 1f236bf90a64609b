//! The part of a source kept for rendering: the whole text of a file read whole, or, for a stream
//! read piece by piece, only the lines around what is reported (so a report's memory follows its
//! findings, not the size of the stream). Either way, positions are those of the whole stream.

use std::ops::Range;

use super::lines::{line_col_in, line_starts};

/// Context lines kept on each side of a reported span (human output shows one).
const CONTEXT: usize = 2;

/// A run of whole lines of the source.
#[derive(Debug, Clone)]
struct Piece {
    /// Byte offset of the piece in the source.
    offset: usize,
    /// 0-based line number of its first line.
    line: usize,
    text: String,
    /// Offsets (in `text`) where its lines start.
    starts: Vec<usize>,
}

impl Piece {
    fn new(offset: usize, line: usize, text: String) -> Self {
        let starts = line_starts(&text);
        Piece {
            offset,
            line,
            text,
            starts,
        }
    }

    fn end(&self) -> usize {
        self.offset + self.text.len()
    }

    fn extend(&mut self, more: &str) {
        let base = self.text.len();
        self.text.push_str(more);
        self.starts
            .extend(memchr::memchr_iter(b'\n', more.as_bytes()).map(|i| base + i + 1));
    }
}

/// What is kept of a source's text, addressed by offsets in the whole source.
#[derive(Debug, Clone, Default)]
pub struct Excerpts {
    pieces: Vec<Piece>,
    /// Length of the whole source.
    len: usize,
    /// The last lines of the piece of source seen last (context for a span at the top of the
    /// next piece).
    tail: Option<Piece>,
    /// Lines after the last piece kept that its context still needs from the next piece.
    owed: usize,
}

impl Excerpts {
    /// All of a text.
    pub fn whole(text: String) -> Self {
        let len = text.len();
        Excerpts {
            pieces: vec![Piece::new(0, 0, text)],
            len,
            tail: None,
            owed: 0,
        }
    }

    /// Length of the whole source (spans are clamped to it).
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Sets the whole source's length once it has been read to the end.
    pub fn set_len(&mut self, len: usize) {
        self.len = self.len.max(len);
    }

    /// Keeps, from `text` (a piece of the source at `offset`, starting on line `line`, 0-based),
    /// the lines each span touches and `CONTEXT` lines around them, reaching into the pieces
    /// before and after when a span is near an end. Spans are in source offsets and lie in
    /// `text`. Every piece of the source must be passed, in order, even with no spans.
    pub fn keep(&mut self, text: &str, offset: usize, line: usize, spans: &[Range<usize>]) {
        if spans.is_empty() && self.owed == 0 {
            // Only the tail is needed: found from the end, without indexing every line.
            self.keep_tail(text, offset, line);
            return;
        }
        let starts = line_starts(text);
        // Lines of `text`: a final line break does not start another line.
        let count = if text.ends_with('\n') {
            starts.len() - 1
        } else {
            starts.len()
        };
        // Lines the last piece kept asked for from this one.
        if self.owed > 0 {
            if let Some(last) = self.pieces.last_mut() {
                if last.end() == offset {
                    let to = starts.get(self.owed).copied().unwrap_or(text.len());
                    last.extend(&text[..to]);
                }
            }
            self.owed = 0;
        }
        let line_of = |o: usize| starts.partition_point(|&s| s <= o) - 1;
        let mut ranges: Vec<(usize, usize)> = spans
            .iter()
            .map(|s| {
                let a = s.start.saturating_sub(offset).min(text.len());
                let b = s.end.saturating_sub(offset).clamp(a, text.len());
                (line_of(a), line_of(b) + CONTEXT)
            })
            .collect();
        ranges.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (a, b) in ranges {
            let a = a.saturating_sub(CONTEXT);
            match merged.last_mut() {
                // Touching or overlapping runs become one, so no snippet spans two pieces.
                Some(last) if a <= last.1 + 1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        for (i, (a, b)) in merged.iter().copied().enumerate() {
            let last_line = count.saturating_sub(1);
            if b > last_line {
                self.owed = b - last_line;
            }
            let from = starts[a];
            let to = starts
                .get(b.min(last_line) + 1)
                .copied()
                .unwrap_or(text.len());
            let mut piece = Piece::new(offset + from, line + a, text[from..to].to_owned());
            // The first run near the top also takes the end of the piece before.
            if i == 0 && a == 0 {
                if let Some(tail) = &self.tail {
                    if tail.end() == offset {
                        piece = Piece::new(
                            tail.offset,
                            tail.line,
                            format!("{}{}", tail.text, piece.text),
                        );
                    }
                }
            }
            self.push(piece);
        }
        // The end of this piece, for a span at the top of the next one.
        self.keep_tail(text, offset, line);
    }

    /// Keeps the last `CONTEXT` lines of a piece of the source as the tail.
    fn keep_tail(&mut self, text: &str, offset: usize, line: usize) {
        let body = text.strip_suffix('\n').unwrap_or(text);
        let mut from = body.len();
        for _ in 0..CONTEXT {
            match memchr::memrchr(b'\n', &body.as_bytes()[..from]) {
                Some(p) => from = p,
                None => {
                    from = 0;
                    break;
                }
            }
        }
        // `from` is at a line break (or the start): the tail starts after it.
        let from = if from == 0 && !body.starts_with('\n') {
            0
        } else {
            from + 1
        };
        let from = from.min(text.len());
        let before = memchr::memchr_iter(b'\n', &text.as_bytes()[..from]).count();
        self.tail = Some(Piece::new(
            offset + from,
            line + before,
            text[from..].to_owned(),
        ));
        self.len = self.len.max(offset + text.len());
    }

    /// Adds a piece after the others, joined to the last when they touch.
    fn push(&mut self, piece: Piece) {
        if let Some(last) = self.pieces.last_mut() {
            if last.end() >= piece.offset && last.offset <= piece.offset {
                let skip = last.end() - piece.offset;
                if skip < piece.text.len() {
                    last.extend(&piece.text[skip..]);
                }
                return;
            }
        }
        self.pieces.push(piece);
    }

    /// The piece holding `offset` (the last one that starts at or before it).
    fn piece(&self, offset: usize) -> Option<&Piece> {
        let i = self.pieces.partition_point(|p| p.offset <= offset);
        let p = self.pieces.get(i.checked_sub(1)?)?;
        (offset <= p.end()).then_some(p)
    }

    /// The text of a span, when it was kept.
    pub fn slice(&self, span: &Range<usize>) -> Option<&str> {
        let p = self.piece(span.start)?;
        p.text
            .get(span.start - p.offset..span.end.checked_sub(p.offset)?)
    }

    /// 1-based (line, column) of an offset; columns in characters, a BOM at the start of the
    /// source is not a column. An offset in no kept piece reads as (0, 0).
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.len);
        let Some(p) = self.piece(offset) else {
            return (0, 0);
        };
        let (l, col) = line_col_in(&p.text, &p.starts, offset - p.offset, p.offset == 0);
        (p.line + l, col)
    }

    /// The kept text holding `offset`, its source offset and 0-based first line, for renderers
    /// that show snippets.
    pub fn around(&self, offset: usize) -> Option<(&str, usize, usize)> {
        self.piece(offset.min(self.len))
            .map(|p| (p.text.as_str(), p.offset, p.line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_text_positions_match_the_line_index() {
        let t = "\u{feff}a: 1\r\nb: 値x\n\nc: [1]\n";
        let ex = Excerpts::whole(t.to_owned());
        let ix = crate::read::lines::LineIndex::new(t);
        for o in 0..=t.len() {
            if t.is_char_boundary(o) {
                assert_eq!(ex.line_col(o), ix.line_col(o), "offset {o}");
            }
        }
        assert_eq!(
            ex.slice(&(t.find('b').unwrap()..t.find('b').unwrap() + 1)),
            Some("b")
        );
    }

    #[test]
    fn kept_lines_answer_as_the_whole_text_does() {
        let lines: Vec<String> = (0..40).map(|i| format!("k{i}: v{i}\n")).collect();
        let t: String = lines.concat();
        let ix = crate::read::lines::LineIndex::new(&t);
        // The stream is read in two pieces; spans on lines 5, 7 and 30 are reported.
        let cut = lines[..20].concat().len();
        let at = |k: &str| t.find(k).unwrap()..t.find(k).unwrap() + k.len();
        let mut ex = Excerpts::default();
        ex.keep(&t[..cut], 0, 0, &[at("k5:"), at("v7")]);
        ex.keep(&t[cut..], cut, 20, &[at("k30")]);
        ex.set_len(t.len());
        assert_eq!(ex.pieces.len(), 2, "lines 3-9 and 28-32");
        for span in [at("k5:"), at("v7"), at("k30"), at("k3:"), at("k32:")] {
            assert_eq!(ex.line_col(span.start), ix.line_col(span.start));
            assert_eq!(ex.slice(&span), Some(&t[span.clone()]));
        }
        assert_eq!(ex.slice(&at("k20")), None, "not kept");
        assert_eq!(ex.len(), t.len());
    }

    #[test]
    fn runs_that_touch_join_across_pieces() {
        let t: String = (0..10).map(|i| format!("k{i}\n")).collect();
        let cut = t.find("k5").unwrap();
        let at = |k: &str| t.find(k).unwrap()..t.find(k).unwrap() + k.len();
        let mut ex = Excerpts::default();
        ex.keep(&t[..cut], 0, 0, &[at("k4")]);
        ex.keep(&t[cut..], cut, 5, &[at("k6")]);
        assert_eq!(ex.pieces.len(), 1);
        assert_eq!(ex.pieces[0].text, &t[at("k2").start..at("k8").end + 1]);
        assert_eq!(ex.line_col(at("k8").start), (9, 1));
    }

    #[test]
    fn context_reaches_into_the_pieces_around() {
        let t: String = (0..14).map(|i| format!("k{i}\n")).collect();
        let at = |k: &str| t.find(k).unwrap()..t.find(k).unwrap() + k.len();
        let (c1, c2) = (at("k4").start, at("k10").start);
        let mut ex = Excerpts::default();
        ex.keep(&t[..c1], 0, 0, &[at("k3")]);
        ex.keep(&t[c1..c2], c1, 4, &[]);
        ex.keep(&t[c2..], c2, 10, &[at("k10")]);
        assert_eq!(ex.pieces.len(), 2);
        assert_eq!(
            ex.pieces[0].text,
            &t[at("k1").start..at("k6").start],
            "two lines after k3"
        );
        assert_eq!(
            ex.pieces[1].text,
            &t[at("k8").start..at("k13").start],
            "two lines before k10"
        );
        assert_eq!(ex.line_col(at("k8").start), (9, 1));
    }
}
