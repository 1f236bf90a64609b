//! Structural edits over a document, expressed as byte-range [`Edit`]s: set a scalar (keeping its
//! quoting), add entries to a mapping, add items to a sequence, fill a null value, remove a
//! sequence item or a mapping entry. Block collections get new lines at the column of their
//! siblings; flow collections get flow text before their closing bracket.

use crate::plan::edit::Edit;
use crate::plan::yaml_out::{block_entries, block_items, flow, join, scalar, Style, Y};
use crate::read::yaml::{Document, Kind, NodeId, Style as SStyle};

pub struct Ops<'d, 'a> {
    pub doc: &'d Document<'a>,
    pub text: &'d str,
    pub style: Style,
    pub edits: Vec<Edit>,
}

impl<'d, 'a> Ops<'d, 'a> {
    pub fn new(doc: &'d Document<'a>, text: &'d str) -> Self {
        Ops {
            doc,
            text,
            style: Style::detect(doc, text),
            edits: Vec::new(),
        }
    }

    /// A value in flow style, as this document writes flow (JSON documents get JSON).
    fn flow(&self, y: &Y) -> String {
        if self.style.json {
            crate::plan::yaml_out::json(y)
        } else {
            flow(y)
        }
    }

    /// A mapping key as this document writes keys.
    fn key(&self, k: &str) -> String {
        if self.style.json {
            serde_json::to_string(k).expect("string")
        } else {
            scalar(k)
        }
    }

    fn col(&self, off: usize) -> usize {
        let start = self.text[..off].rfind('\n').map_or(0, |p| p + 1);
        let line = &self.text[start..off];
        line.strip_prefix('\u{feff}')
            .unwrap_or(line)
            .chars()
            .count()
    }

    /// The offset just after the line break that ends the line holding `off`, or `None` when that
    /// line is the last one and has no line break.
    fn after_line(&self, off: usize) -> Option<usize> {
        self.text[off..].find('\n').map(|p| off + p + 1)
    }

    /// Inserts whole lines after the line holding `off` (keeping a missing final newline missing).
    fn insert_lines_after(&mut self, container: NodeId, lines: &[String]) {
        let span = self.doc.span(container);
        let col = lines.first().map_or(0, |l| l.len() - l.trim_start().len());
        // Comment lines indented deeper than the new lines belong to the content above them
        // (the end of a nested block): insert after them, not between.
        let mut after = self.after_line(span.end);
        while let Some(at) = after.filter(|a| *a < self.text.len()) {
            let line_end = self.text[at..]
                .find('\n')
                .map_or(self.text.len(), |p| at + p);
            let line = &self.text[at..line_end];
            let indent = line.len() - line.trim_start().len();
            if line.trim_start().starts_with('#') && indent > col {
                after = self.after_line(line_end.min(self.text.len().saturating_sub(1)).max(at));
                if line_end == self.text.len() {
                    after = None;
                }
            } else {
                break;
            }
        }
        match after {
            Some(at) => {
                self.edits
                    .push(Edit::insert_lines(at, span.start, join(lines, &self.style)))
            }
            None => {
                let mut s = String::from(self.style.nl());
                s.push_str(&lines.join(self.style.nl()));
                self.edits
                    .push(Edit::insert_lines(self.text.len(), span.start, s));
            }
        }
    }

    /// Replaces a scalar's text with `value`, written in the scalar's own quoting style.
    pub fn set_scalar(&mut self, node: NodeId, value: &str) {
        let n = self.doc.node(node);
        let style = match &n.kind {
            Kind::Scalar { style, .. } => *style,
            _ => SStyle::Plain,
        };
        let text = match style {
            SStyle::SingleQuoted => format!("'{}'", value.replace('\'', "''")),
            SStyle::DoubleQuoted => serde_json::to_string(value).expect("string"),
            SStyle::Plain => scalar(value),
            SStyle::Literal | SStyle::Folded => serde_json::to_string(value).expect("string"),
        };
        self.edits.push(Edit::replace(n.span.clone(), text));
    }

    /// Adds `pairs` at the end of an existing mapping.
    pub fn add_entries(&mut self, map: NodeId, pairs: &[(String, Y)]) {
        let n = self.doc.node(map);
        let Kind::Map(existing) = &n.kind else { return };
        if n.flow {
            let body: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{}: {}", self.key(k), self.flow(v)))
                .collect();
            // Right after the last entry (a trailing comma or a bracket on its own line stays
            // where it is); in an empty mapping, right after `{`.
            let (at, sep) = match existing.last() {
                Some(&(_, v)) => (self.doc.span(v).end, ", "),
                None => (
                    n.span.start + self.text[n.span.start..].find('{').unwrap_or(0) + 1,
                    "",
                ),
            };
            self.edits
                .push(Edit::insert(at, format!("{sep}{}", body.join(", "))));
            return;
        }
        let Some(&(first_key, _)) = existing.first() else {
            return;
        };
        let col = self.col(self.doc.span(first_key).start);
        let lines = block_entries(pairs, col, &self.style);
        self.insert_lines_after(map, &lines);
    }

    /// Adds one entry before the first entry of a non-empty mapping (where `key:` reads best).
    pub fn add_first_entry(&mut self, map: NodeId, key: &str, value: &Y) {
        let n = self.doc.node(map);
        let Kind::Map(existing) = &n.kind else { return };
        let Some(&(first_key, _)) = existing.first() else {
            self.add_entries(map, &[(key.to_owned(), value.clone())]);
            return;
        };
        let at = self.doc.span(first_key).start;
        let text = if n.flow {
            format!("{}: {}, ", self.key(key), self.flow(value))
        } else {
            format!(
                "{}: {}{}{}",
                scalar(key),
                flow(value),
                self.style.nl(),
                " ".repeat(self.col(at))
            )
        };
        self.edits.push(Edit::insert(at, text));
    }

    /// Adds `items` at the end of an existing sequence.
    pub fn push_items(&mut self, seq: NodeId, items: &[Y]) {
        let n = self.doc.node(seq);
        let Kind::Seq(existing) = &n.kind else { return };
        if n.flow || existing.is_empty() {
            if !n.flow {
                return;
            }
            let (at, sep) = match existing.last() {
                Some(&last) => (self.doc.span(last).end, ", "),
                None => (
                    n.span.start + self.text[n.span.start..].find('[').unwrap_or(0) + 1,
                    "",
                ),
            };
            let body: Vec<String> = items.iter().map(|y| self.flow(y)).collect();
            self.edits
                .push(Edit::insert(at, format!("{sep}{}", body.join(", "))));
            return;
        }
        // The column of the first item's dash.
        let first = self.doc.span(existing[0]).start;
        let dash = self.text[..first].rfind('-').unwrap_or(n.span.start);
        let col = self.col(dash);
        // Items written `- {key: a, ...}` get company in the same style.
        let flow_items = existing.iter().all(|i| {
            let n = self.doc.node(self.doc.resolve(*i));
            n.flow && matches!(n.kind, Kind::Map(_) | Kind::Seq(_))
        });
        let lines = if flow_items {
            items
                .iter()
                .map(|y| format!("{}- {}", " ".repeat(col), self.flow(y)))
                .collect()
        } else {
            block_items(items, col, &self.style)
        };
        self.insert_lines_after(seq, &lines);
    }

    /// Replaces a null or empty-collection value (`key:`, `key: ~`, `key: {}`) of a block
    /// mapping entry with `value` in block style on the following lines.
    pub fn fill_value(&mut self, key: NodeId, value_node: NodeId, value: &Y) {
        let kspan = self.doc.span(key);
        let vspan = self.doc.span(value_node);
        let col = self.col(kspan.start);
        let parent_flow = self.text[kspan.end..].trim_start().starts_with(':') && self.in_flow(key);
        // An empty value's span may sit before the colon: replace through the colon at least.
        let colon = kspan.end + self.text[kspan.end..].find(':').unwrap_or(0) + 1;
        let end = if vspan.start < colon {
            colon
        } else {
            vspan.end.max(colon)
        };
        if parent_flow || matches!(value, Y::Str(_) | Y::Int(_)) {
            // A scalar, or anything inside a flow collection, goes on the key's own line.
            self.edits.push(Edit::replace(
                kspan.end..end,
                format!(": {}", self.flow(value)),
            ));
            return;
        }
        let lines = match value {
            Y::Map(pairs) => block_entries(pairs, col + self.style.indent, &self.style),
            Y::Seq(items) => block_items(
                items,
                if self.style.indent_sequences {
                    col + self.style.indent
                } else {
                    col
                },
                &self.style,
            ),
            other => vec![format!(
                "{}{}",
                " ".repeat(col + self.style.indent),
                flow(other)
            )],
        };
        // Keep whatever followed the value on its line (a comment) after the colon.
        let mut s = String::from(":");
        let rest_of_line = &self.text[end..self.text[end..]
            .find('\n')
            .map_or(self.text.len(), |p| end + p)];
        let comment = rest_of_line.trim_end_matches('\r').trim();
        let replace_end = if comment.starts_with('#') {
            s.push(' ');
            s.push_str(comment);
            end + rest_of_line.trim_end_matches('\r').len()
        } else {
            end
        };
        s.push_str(self.style.nl());
        s.push_str(&lines.join(self.style.nl()));
        self.edits.push(Edit::replace(kspan.end..replace_end, s));
    }

    fn in_flow(&self, node: NodeId) -> bool {
        let span = self.doc.span(node);
        self.doc.nodes.iter().any(|n| {
            n.flow
                && matches!(n.kind, Kind::Map(_))
                && n.span.start < span.start
                && span.end <= n.span.end
        })
    }

    /// Removes whole lines `start..end`, keeping their comments.
    fn remove_lines(&mut self, start: usize, end: usize, col: usize) {
        let keep = self.kept_comments(start..end, col);
        self.edits.push(Edit::replace(start..end, keep));
    }

    /// The comments in `range`, so that a removal keeps them: comment lines as they are,
    /// trailing comments as lines at column `col`.
    fn kept_comments(&self, range: std::ops::Range<usize>, col: usize) -> String {
        let mut out = String::new();
        for line in self.text[range].split_inclusive('\n') {
            let line = line.trim_end_matches(['\n', '\r']);
            if line.trim_start().starts_with('#') {
                // A comment line stays exactly as it was.
                out.push_str(line);
                out.push_str(self.style.nl());
            } else if let Some(c) = comment_of(line) {
                // A trailing comment becomes a comment line at the removed entry's column.
                out.push_str(&" ".repeat(col));
                out.push_str(c);
                out.push_str(self.style.nl());
            }
        }
        out
    }

    /// Removes item `index` of a sequence: its lines in block style, the item and a comma in flow.
    pub fn remove_item(&mut self, seq: NodeId, index: usize) {
        let n = self.doc.node(seq);
        let Kind::Seq(items) = &n.kind else { return };
        let Some(&item) = items.get(index) else {
            return;
        };
        let ispan = self.doc.span(item);
        if n.flow {
            let range = if index + 1 < items.len() {
                ispan.start..self.doc.span(items[index + 1]).start
            } else if index > 0 {
                self.doc.span(items[index - 1]).end..ispan.end
            } else {
                ispan.clone()
            };
            self.edits.push(Edit::replace(range, ""));
            return;
        }
        let start = self.text[..ispan.start].rfind('\n').map_or(0, |p| p + 1);
        let end = self.after_line(ispan.end).unwrap_or(self.text.len());
        let col = self.text[..ispan.start]
            .rfind('-')
            .map_or(0, |d| self.col(d));
        self.remove_lines(start, end, col);
    }

    /// Removes one entry of a block mapping (its lines), or of a flow mapping (with a comma).
    pub fn remove_entry(&mut self, map: NodeId, key: NodeId) {
        let n = self.doc.node(map);
        let Kind::Map(pairs) = &n.kind else { return };
        let Some(i) = pairs.iter().position(|(k, _)| *k == key) else {
            return;
        };
        let (k, v) = pairs[i];
        if n.flow {
            let range = if i + 1 < pairs.len() {
                self.doc.span(k).start..self.doc.span(pairs[i + 1].0).start
            } else if i > 0 {
                self.doc.span(pairs[i - 1].1).end..self.doc.span(v).end
            } else {
                self.doc.span(k).start..self.doc.span(v).end
            };
            self.edits.push(Edit::replace(range, ""));
            return;
        }
        let kspan = self.doc.span(k);
        let start = self.text[..kspan.start].rfind('\n').map_or(0, |p| p + 1);
        let end = self
            .after_line(self.doc.span(v).end.max(kspan.end))
            .unwrap_or(self.text.len());
        self.remove_lines(start, end, self.col(kspan.start));
    }
}

/// The comment of a line (`# ...`), outside quotes, if it has one.
fn comment_of(line: &str) -> Option<&str> {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '#' && prev.is_whitespace() => return Some(&line[i..]),
            None if (c == '"' || c == '\'')
                && (prev.is_whitespace() || matches!(prev, ':' | '[' | '{' | ',')) =>
            {
                quote = Some(c)
            }
            None => {}
        }
        prev = c;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::edit::apply;
    use crate::read::yaml::{parse_all, Limits, Seg};

    fn at(doc: &Document, path: &[&str]) -> NodeId {
        let segs: Vec<Seg> = path
            .iter()
            .map(|s| {
                s.parse()
                    .map(Seg::Index)
                    .unwrap_or_else(|_| Seg::Key((*s).into()))
            })
            .collect();
        doc.at(doc.root.unwrap(), &segs).unwrap()
    }

    fn run(text: &str, f: impl Fn(&mut Ops)) -> String {
        let (docs, e) = parse_all(text, Limits::default());
        assert!(e.is_none());
        let mut ops = Ops::new(&docs[0], text);
        f(&mut ops);
        apply(text, &ops.edits).unwrap()
    }

    #[test]
    fn set_scalar_keeps_quoting() {
        let t = "a: 'x'\nb: \"y\"\nc: z # keep\n";
        let out = run(t, |o| {
            o.set_scalar(at(o.doc, &["a"]), "it's");
            o.set_scalar(at(o.doc, &["b"]), "q");
            o.set_scalar(at(o.doc, &["c"]), "true");
        });
        assert_eq!(out, "a: 'it''s'\nb: \"q\"\nc: \"true\" # keep\n");
    }

    #[test]
    fn add_entries_block_and_flow() {
        let t = "spec:\n  a: 1 # c\n  b:\n    c: 2\nnext: 3\n";
        let out = run(t, |o| {
            o.add_entries(at(o.doc, &["spec"]), &[("k".into(), Y::s("v"))])
        });
        assert_eq!(out, "spec:\n  a: 1 # c\n  b:\n    c: 2\n  k: v\nnext: 3\n");
        let t = "m: {a: 1}\n";
        let out = run(t, |o| {
            o.add_entries(at(o.doc, &["m"]), &[("k".into(), Y::Seq(vec![Y::s("v")]))])
        });
        assert_eq!(out, "m: {a: 1, k: [v]}\n");
    }

    #[test]
    fn push_items_block_flow_crlf_and_no_final_newline() {
        let t = "t:\r\n  - a: 1\r\n    b: 2\r\n";
        let out = run(t, |o| {
            o.push_items(at(o.doc, &["t"]), &[Y::map(vec![("a", Y::s("x"))])])
        });
        assert_eq!(out, "t:\r\n  - a: 1\r\n    b: 2\r\n  - a: x\r\n");
        let t = "t: [a]";
        assert_eq!(
            run(t, |o| o.push_items(at(o.doc, &["t"]), &[Y::s("b")])),
            "t: [a, b]"
        );
        let t = "t:\n- a";
        assert_eq!(
            run(t, |o| o.push_items(at(o.doc, &["t"]), &[Y::s("b")])),
            "t:\n- a\n- b"
        );
    }

    #[test]
    fn fill_null_value() {
        let t = "k8s:\nother: 1\n";
        let (docs, _) = parse_all(t, Limits::default());
        let d = &docs[0];
        let (k, v) = d.get(d.root.unwrap(), "k8s").unwrap();
        let mut o = Ops::new(d, t);
        o.fill_value(k, v, &Y::map(vec![("a", Y::s("b"))]));
        assert_eq!(apply(t, &o.edits).unwrap(), "k8s:\n  a: b\nother: 1\n");
        let t = "k8s: {}  # empty\n";
        let (docs, _) = parse_all(t, Limits::default());
        let d = &docs[0];
        let (k, v) = d.get(d.root.unwrap(), "k8s").unwrap();
        let mut o = Ops::new(d, t);
        o.fill_value(k, v, &Y::map(vec![("a", Y::s("b"))]));
        assert_eq!(apply(t, &o.edits).unwrap(), "k8s: # empty\n  a: b\n");
    }

    #[test]
    fn remove_items_and_entries() {
        let t = "s:\n- a\n- b # two\n- c\n";
        assert_eq!(
            run(t, |o| o.remove_item(at(o.doc, &["s"]), 1)),
            "s:\n- a\n# two\n- c\n"
        );
        let t = "s: [a, b, c]\n";
        assert_eq!(
            run(t, |o| o.remove_item(at(o.doc, &["s"]), 1)),
            "s: [a, c]\n"
        );
        assert_eq!(
            run(t, |o| o.remove_item(at(o.doc, &["s"]), 2)),
            "s: [a, b]\n"
        );
        let t = "m:\n  a: 1\n  b: 2\n";
        let out = run(t, |o| {
            let m = at(o.doc, &["m"]);
            let k = o.doc.get(m, "a").unwrap().0;
            o.remove_entry(m, k)
        });
        assert_eq!(out, "m:\n  b: 2\n");
    }
}
