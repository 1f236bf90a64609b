//! Rendering new YAML in the style of the document it goes into: indentation unit, whether block
//! sequences are indented under their key, line endings, block or flow.

use crate::read::yaml::{Document, Kind, NodeId};

/// A value to write.
#[derive(Debug, Clone, PartialEq)]
pub enum Y {
    Str(String),
    Int(i64),
    Seq(Vec<Y>),
    Map(Vec<(String, Y)>),
}

impl Y {
    pub fn s(v: &str) -> Y {
        Y::Str(v.to_owned())
    }
    pub fn map(pairs: Vec<(&str, Y)>) -> Y {
        Y::Map(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }
}

/// How the surrounding document writes YAML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Spaces per nesting level of mappings.
    pub indent: usize,
    /// `key:\n  - item` (true) or `key:\n- item` (false).
    pub indent_sequences: bool,
    pub crlf: bool,
    /// The document is JSON (a flow mapping with quoted keys): new text is JSON too.
    pub json: bool,
}

impl Style {
    pub fn nl(&self) -> &'static str {
        if self.crlf {
            "\r\n"
        } else {
            "\n"
        }
    }

    /// Learns the style from a document: the most common indentation step of block mappings, and
    /// how block sequences under keys are indented. Defaults: 2 spaces, sequences not indented
    /// (as kubectl writes YAML), LF.
    pub fn detect(doc: &Document, text: &str) -> Style {
        let col = |off: usize| off - text[..off].rfind('\n').map_or(0, |p| p + 1);
        let mut steps = [0usize; 9];
        let (mut indented, mut compact) = (0, 0);
        for n in &doc.nodes {
            let Kind::Map(pairs) = &n.kind else { continue };
            if n.flow {
                continue;
            }
            for (k, v) in pairs {
                let kc = col(doc.span(*k).start);
                let vn = doc.node(*v);
                if vn.flow
                    || vn.span.start <= doc.span(*k).end
                    || text[doc.span(*k).end..vn.span.start].find('\n').is_none()
                {
                    continue;
                }
                let vc = col(vn.span.start);
                match &vn.kind {
                    Kind::Map(_) if vc > kc && vc - kc < steps.len() => steps[vc - kc] += 1,
                    Kind::Seq(_) => {
                        if vc > kc {
                            indented += 1;
                        } else {
                            compact += 1;
                        }
                    }
                    _ => {}
                }
            }
        }
        let indent = (1..steps.len())
            .max_by_key(|&i| (steps[i], i == 2))
            .filter(|&i| steps[i] > 0)
            .unwrap_or(2);
        let line_end = text[doc.start.min(text.len())..]
            .find('\n')
            .map(|p| doc.start + p);
        let crlf = match line_end {
            Some(p) => p > 0 && text.as_bytes()[p - 1] == b'\r',
            None => false,
        };
        let json = doc.root.is_some_and(|r| {
            let n = doc.node(r);
            n.flow
                && matches!(&n.kind, Kind::Map(p) if p.first().is_none_or(|(k, _)| {
                    matches!(doc.node(*k).kind, Kind::Scalar { style: crate::read::yaml::Style::DoubleQuoted, .. })
                }))
        });
        Style {
            indent,
            indent_sequences: indented > compact,
            crlf,
            json,
        }
    }
}

/// The value as one line of JSON, keys in the order given.
pub fn json(y: &Y) -> String {
    let q = |s: &str| serde_json::to_string(s).expect("string");
    match y {
        Y::Str(s) => q(s),
        Y::Int(i) => i.to_string(),
        Y::Seq(items) => format!(
            "[{}]",
            items.iter().map(json).collect::<Vec<_>>().join(", ")
        ),
        Y::Map(pairs) => format!(
            "{{{}}}",
            pairs
                .iter()
                .map(|(k, v)| format!("{}: {}", q(k), json(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A scalar as YAML text: plain when YAML reads it back as the same string, else double-quoted.
pub fn scalar(s: &str) -> String {
    let plain_ok = !s.is_empty()
        && !s.starts_with([
            '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%',
            '@', '`', ' ',
        ])
        && !s.ends_with(' ')
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.contains(['\n', '\r', '\t'])
        && !matches!(
            s,
            "null"
                | "Null"
                | "NULL"
                | "~"
                | "true"
                | "True"
                | "TRUE"
                | "false"
                | "False"
                | "FALSE"
                | "yes"
                | "no"
                | "on"
                | "off"
                | "y"
                | "n"
                | "Yes"
                | "No"
                | "On"
                | "Off"
        )
        && s.parse::<f64>().is_err()
        && !(s.starts_with("0x") || s.starts_with("0o") || s.starts_with('.'))
        && !s.ends_with(':');
    if plain_ok {
        s.to_owned()
    } else {
        serde_json::to_string(s).expect("string")
    }
}

/// A scalar in a flow collection: also quoted when it holds flow indicators.
fn flow_scalar(s: &str) -> String {
    if s.contains([',', '[', ']', '{', '}']) {
        serde_json::to_string(s).expect("string")
    } else {
        scalar(s)
    }
}

/// The value in flow style: `{key: a, values: [b]}`.
pub fn flow(y: &Y) -> String {
    match y {
        Y::Str(s) => flow_scalar(s),
        Y::Int(i) => i.to_string(),
        Y::Seq(items) => format!(
            "[{}]",
            items.iter().map(flow).collect::<Vec<_>>().join(", ")
        ),
        Y::Map(pairs) => format!(
            "{{{}}}",
            pairs
                .iter()
                .map(|(k, v)| format!("{}: {}", flow_scalar(k), flow(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Lines (without line ends) of a mapping's entries at column `col`.
pub fn block_entries(pairs: &[(String, Y)], col: usize, st: &Style) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in pairs {
        entry(&mut out, &scalar(k), v, col, st, &" ".repeat(col));
    }
    out
}

/// Lines of sequence items whose `-` is at column `col`.
pub fn block_items(items: &[Y], col: usize, st: &Style) -> Vec<String> {
    let mut out = Vec::new();
    for v in items {
        item(&mut out, v, col, st);
    }
    out
}

/// `key: value` starting with `first_prefix` (the indentation, or `- ` for an item's first key).
fn entry(out: &mut Vec<String>, k: &str, v: &Y, col: usize, st: &Style, first_prefix: &str) {
    match v {
        Y::Str(_) | Y::Int(_) => out.push(format!("{first_prefix}{k}: {}", flow(v))),
        Y::Seq(items) if items.is_empty() => out.push(format!("{first_prefix}{k}: []")),
        Y::Map(pairs) if pairs.is_empty() => out.push(format!("{first_prefix}{k}: {{}}")),
        Y::Seq(items) => {
            out.push(format!("{first_prefix}{k}:"));
            let c = if st.indent_sequences {
                col + st.indent
            } else {
                col
            };
            for i in items {
                item(out, i, c, st);
            }
        }
        Y::Map(pairs) => {
            out.push(format!("{first_prefix}{k}:"));
            for (k2, v2) in pairs {
                let c = col + st.indent;
                entry(out, &scalar(k2), v2, c, st, &" ".repeat(c));
            }
        }
    }
}

fn item(out: &mut Vec<String>, v: &Y, col: usize, st: &Style) {
    let dash = format!("{}- ", " ".repeat(col));
    match v {
        Y::Map(pairs) if !pairs.is_empty() => {
            let c = col + 2;
            for (i, (k, v2)) in pairs.iter().enumerate() {
                let prefix = if i == 0 { dash.clone() } else { " ".repeat(c) };
                entry(out, &scalar(k), v2, c, st, &prefix);
            }
        }
        Y::Seq(items) if !items.is_empty() => {
            out.push(format!("{dash}{}", flow(v)));
            let _ = items;
        }
        _ => out.push(format!("{dash}{}", flow(v))),
    }
}

/// Joins lines with the document's line ending, each line terminated.
pub fn join(lines: &[String], st: &Style) -> String {
    let mut s = String::new();
    for l in lines {
        s.push_str(l);
        s.push_str(st.nl());
    }
    s
}

/// Whether a node is a block collection.
pub fn is_block(doc: &Document, id: NodeId) -> bool {
    let n = doc.node(doc.resolve(id));
    matches!(n.kind, Kind::Map(_) | Kind::Seq(_)) && !n.flow
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(indent_sequences: bool) -> Style {
        Style {
            indent: 2,
            indent_sequences,
            crlf: false,
            json: false,
        }
    }

    #[test]
    fn scalars_are_quoted_only_when_needed() {
        assert_eq!(scalar("asmgateway"), "asmgateway");
        assert_eq!(
            scalar("virtual-kubelet.io/provider"),
            "virtual-kubelet.io/provider"
        );
        assert_eq!(scalar("true"), "\"true\"");
        assert_eq!(scalar("8"), "\"8\"");
        assert_eq!(scalar(""), "\"\"");
        assert_eq!(scalar("a: b"), "\"a: b\"");
    }

    #[test]
    fn block_rendering_follows_the_sequence_style() {
        let t = Y::map(vec![
            ("key", Y::s("type")),
            ("operator", Y::s("In")),
            ("values", Y::Seq(vec![Y::s("virtual-kubelet")])),
        ]);
        let y = vec![("matchExpressions".to_string(), Y::Seq(vec![t]))];
        assert_eq!(
            block_items(&[Y::Map(y.clone())], 0, &st(false)).join("\n"),
            "- matchExpressions:\n  - key: type\n    operator: In\n    values:\n    - virtual-kubelet"
        );
        assert_eq!(
            block_items(&[Y::Map(y)], 0, &st(true)).join("\n"),
            "- matchExpressions:\n    - key: type\n      operator: In\n      values:\n        - virtual-kubelet"
        );
    }

    #[test]
    fn flow_rendering() {
        let t = Y::map(vec![
            ("key", Y::s("mykey")),
            ("value", Y::s("my,value")),
            ("weight", Y::Int(80)),
        ]);
        assert_eq!(flow(&t), "{key: mykey, value: \"my,value\", weight: 80}");
    }
}
