//! A YAML stream cut into pieces at its document markers, read from any `BufRead` without ever
//! holding more than one piece: what lets `audit` check a 50 MB `kubectl get -o yaml` dump in the
//! memory of its largest document.
//!
//! The cut is exact by the YAML 1.2 spec: a line that starts with `---` or `...` followed by a
//! blank or the end of the line is a document marker wherever it appears (`c-forbidden`: no
//! scalar, block or quoted, may contain one at the start of a line). So a piece is:
//! - everything up to (not including) a `---` line, once the piece has content; directives,
//!   comments and blank lines before a `---` stay with the document they precede;
//! - everything up to and including a `...` line (what follows it, directives included, starts
//!   the next piece).
//!
//! Each piece is checked as UTF-8 and for NUL bytes as it is read, with the same messages (line,
//! column and byte in the whole stream) as a file read whole, and no piece may grow beyond the
//! document size limit: reading stops there with an error that names the limit.

use std::io::{BufRead, Read};

use super::ReadError;

/// One piece of a stream: its text and where it starts in the stream.
#[derive(Debug)]
pub struct Chunk {
    pub text: String,
    /// Byte offset of the piece's first byte in the stream.
    pub offset: usize,
    /// 0-based line number of the piece's first line in the stream.
    pub line: usize,
}

/// Reads a stream piece by piece; see the module docs.
pub struct Chunks<R> {
    reader: R,
    name: String,
    /// Most bytes one piece may hold.
    max_bytes: usize,
    /// Bytes and lines consumed before `pending`.
    offset: usize,
    line: usize,
    /// A `---` line read but not yet placed (it starts the next piece).
    carry: Vec<u8>,
    done: bool,
}

/// Whether a line (with its line break) is a document marker: `marker` then a blank or the end.
fn is_marker(line: &[u8], marker: &[u8; 3]) -> bool {
    line.starts_with(marker) && matches!(line.get(3), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
}

/// Whether a line holds a `\r` that does not end it (a line break of its own, for YAML).
fn has_bare_cr(line: &[u8]) -> bool {
    let body = line.strip_suffix(b"\n").unwrap_or(line);
    let body = body.strip_suffix(b"\r").unwrap_or(body);
    body.contains(&b'\r')
}

/// Whether a line carries document content (not blank, not a comment, not a directive).
fn is_content(line: &[u8]) -> bool {
    if line.first() == Some(&b'%') {
        return false;
    }
    let t = line.trim_ascii_start();
    // A BOM before a comment or a blank line is not content either.
    let t = t.strip_prefix("\u{feff}".as_bytes()).unwrap_or(t);
    !(t.is_empty() || t.starts_with(b"#"))
}

impl<R: BufRead> Chunks<R> {
    pub fn new(reader: R, name: String, max_bytes: usize) -> Self {
        Chunks {
            reader,
            name,
            max_bytes,
            offset: 0,
            line: 0,
            carry: Vec::new(),
            done: false,
        }
    }

    fn error(&self, message: String) -> ReadError {
        ReadError {
            name: self.name.clone(),
            offset: None,
            message,
        }
    }

    /// "line L, column C (byte B)" in the stream of a byte of the piece that starts here.
    fn position(&self, bytes: &[u8], p: usize) -> String {
        super::position_in(bytes, p, self.line, self.offset)
    }

    /// Checks one piece's bytes (NUL, UTF-8) and turns it into text.
    fn finish(&self, bytes: Vec<u8>) -> Result<Chunk, ReadError> {
        if let Some(p) = memchr::memchr(0, &bytes) {
            let at = self.position(&bytes, p);
            return Err(self.error(format!("binary data: a NUL byte at {at}; YAML is text")));
        }
        if let Some((p, c)) = super::control_character(&bytes) {
            let at = self.position(&bytes, p);
            return Err(self.error(super::control_message(c, &at)));
        }
        match String::from_utf8(bytes) {
            Ok(text) => Ok(Chunk {
                text,
                offset: self.offset,
                line: self.line,
            }),
            Err(e) => {
                let at = self.position(e.as_bytes(), e.utf8_error().valid_up_to());
                Err(self.error(format!(
                    "invalid UTF-8 at {at}: YAML input must be UTF-8 text"
                )))
            }
        }
    }
}

impl<R: BufRead> Iterator for Chunks<R> {
    type Item = Result<Chunk, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut piece = std::mem::take(&mut self.carry);
        let mut content = !piece.is_empty();
        loop {
            let start = piece.len();
            // Never read more of one line than the limit leaves room for.
            let room = (self.max_bytes + 1).saturating_sub(start) as u64;
            let read = match (&mut self.reader).take(room).read_until(b'\n', &mut piece) {
                Ok(n) => n,
                Err(e) => {
                    self.done = true;
                    return Some(Err(self.error(super::io_message(&e))));
                }
            };
            if read == 0 {
                self.done = true;
                break;
            }
            let line = &piece[start..];
            if is_marker(line, b"---") && content {
                self.carry = piece.split_off(start);
                break;
            }
            if piece.len() > self.max_bytes {
                self.done = true;
                return Some(Err(self.error(format!(
                    "a YAML document larger than {} bytes, starting at line {} (limit: --max-document-bytes)",
                    self.max_bytes,
                    self.line + 1
                ))));
            }
            // (A bare `\r` is a line break too: then what follows it on this line is the
            // next document's, and the piece goes on.)
            if is_marker(line, b"...") && !has_bare_cr(line) {
                break;
            }
            content = content || is_content(line);
        }
        if piece.is_empty() {
            return None;
        }
        let (len, lines) = (piece.len(), memchr::memchr_iter(b'\n', &piece).count());
        let r = self.finish(piece);
        self.offset += len;
        self.line += lines;
        if r.is_err() {
            self.done = true;
        }
        Some(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(text: &str) -> Vec<String> {
        Chunks::new(text.as_bytes(), "t".into(), 1 << 20)
            .map(|c| c.unwrap().text)
            .collect()
    }

    #[test]
    fn cuts_before_each_document_start_and_after_each_end() {
        assert_eq!(cut("a: 1\n---\nb: 2\n"), ["a: 1\n", "---\nb: 2\n"]);
        assert_eq!(
            cut("# head\n---\na: 1\n...\n%YAML 1.2\n---\nb: 2"),
            ["# head\n---\na: 1\n...\n", "%YAML 1.2\n---\nb: 2"]
        );
        // `--- |` starts a document whose scalar may hold `-- ` and `---x` at column 0.
        assert_eq!(
            cut("--- |\n  x\n---x\n-- \n--- >\n y\r\n---\r\nz: 1\r\n"),
            [
                "--- |\n  x\n---x\n-- \n",
                "--- >\n y\r\n",
                "---\r\nz: 1\r\n"
            ]
        );
        // A bare CR ends a line: the document after `...` starts on this line (found by fuzzing).
        assert_eq!(cut("a\n...\rb\n c\n"), ["a\n...\rb\n c\n"]);
        assert_eq!(cut(""), Vec::<String>::new());
        assert_eq!(cut("---\n---\n"), ["---\n", "---\n"]);
    }

    /// Documents as JSON, read whole and read piece by piece.
    fn both_ways(text: &str) -> (Vec<serde_json::Value>, Vec<serde_json::Value>) {
        use crate::read::yaml::{Limits, Stream};
        let docs = |t: &str| {
            let mut out = Vec::new();
            let mut s = Stream::new(t, Limits::default());
            while let Some(d) = s.next_document() {
                let d = d.unwrap();
                out.push(d.root.map_or(serde_json::Value::Null, |r| {
                    d.to_json(r, &mut 10_000usize).unwrap()
                }));
            }
            out
        };
        let pieces = Chunks::new(text.as_bytes(), "t".into(), 1 << 20)
            .flat_map(|c| docs(&c.unwrap().text))
            .collect();
        (docs(text), pieces)
    }

    #[test]
    fn pieces_hold_the_same_documents() {
        for t in [
            "a: 1\n---\nb: [1,\n 2]\n...\n%YAML 1.2\n---\nc: |\n  x\n  ---\n",
            "# c\n---\n---\na\n...\n",
            // Found by fuzzing: bare CRs after a document end marker.
            "# c\n.x\n...  \r\rempt\r\rk\n     ay",
        ] {
            let (whole, pieces) = both_ways(t);
            assert_eq!(whole, pieces, "{t:?}");
        }
    }

    #[test]
    fn pieces_know_where_they_are() {
        let t = "a: 1\n# c\n---\nb: 2\n---\nc: 3\n";
        let chunks: Vec<Chunk> = Chunks::new(t.as_bytes(), "t".into(), 1 << 20)
            .map(Result::unwrap)
            .collect();
        let joined: String = chunks.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(joined, t);
        for c in &chunks {
            assert_eq!(&t[c.offset..c.offset + c.text.len()], c.text);
            assert_eq!(t[..c.offset].matches('\n').count(), c.line);
        }
    }

    #[test]
    fn bad_bytes_are_placed_in_the_whole_stream() {
        let t = b"a: 1\n---\nb: \xff\n";
        let e = Chunks::new(&t[..], "f".into(), 1 << 20)
            .find_map(Result::err)
            .unwrap();
        assert_eq!(
            e.message,
            "invalid UTF-8 at line 3, column 4 (byte 12): YAML input must be UTF-8 text"
        );
        let t = b"a: 1\n---\nb: \0\n";
        let e = Chunks::new(&t[..], "f".into(), 1 << 20)
            .find_map(Result::err)
            .unwrap();
        assert!(
            e.message.contains("NUL byte at line 3, column 4 (byte 12)"),
            "{}",
            e.message
        );
    }

    #[test]
    fn control_characters_are_refused_where_they_are() {
        let t = "a: 1\n---\nb: x\u{b}y\n";
        let e = Chunks::new(t.as_bytes(), "f".into(), 1 << 20)
            .find_map(Result::err)
            .unwrap();
        assert_eq!(
            e.message,
            "a control character (U+000B) at line 3, column 5 (byte 13): YAML allows no control characters but tab and line breaks"
        );
        let e = crate::read::from_bytes("f".into(), None, "a: \u{9c}\n".into()).unwrap_err();
        assert!(
            e.message.contains("(U+009C) at line 1, column 4"),
            "{}",
            e.message
        );
        // Tab, CRLF, NEL and other text are fine.
        assert!(crate::read::from_bytes("f".into(), None, "a:\t1\r\nb: \u{85}é\n".into()).is_ok());
    }

    #[test]
    fn a_document_over_the_limit_stops_the_read() {
        let t = format!("a: 1\n---\nb: {}\n---\nc: 1\n", "x".repeat(100));
        let got: Vec<_> = Chunks::new(t.as_bytes(), "f".into(), 64).collect();
        assert_eq!(got.len(), 2);
        let e = got[1].as_ref().unwrap_err();
        assert_eq!(
            e.message,
            "a YAML document larger than 64 bytes, starting at line 2 (limit: --max-document-bytes)"
        );
    }
}
