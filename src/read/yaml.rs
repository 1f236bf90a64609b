//! YAML stream → one arena tree per document, every node with its exact byte span.
//!
//! Built on `saphyr-parser`'s event stream (see docs/architecture.md for why). The parser reports
//! character offsets and a few spans that are not the node's text (quoted scalars run on to the
//! end of the line, block scalars start at their content, block collections end at the next
//! token); this module turns them into exact byte ranges of the source, which is what diagnostics
//! and `apply`'s splices need. Aliases are kept as references to their anchor, never expanded, so
//! an alias bomb costs one node per alias. Building is iterative: nesting depth is bounded by an
//! explicit limit, never by the call stack.
//!
//! Hostile input is bounded by [`Limits`] (each error names the flag that raises it): document
//! size (checked before parsing, by cutting the text at document markers), nodes, nesting
//! depth, and what aliases stand for once expanded, so that whatever follows aliases later
//! (merge keys, `--path` queries, JSON output) does bounded work. An alias inside the
//! collection it refers to (a cycle) is an error, as in go-yaml. Merge keys resolve on lookup,
//! each merged mapping once.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span as PSpan};

/// Index of a node in its document's arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

/// Limits that bound work and memory per document; exceeding one is a read error that names it
/// and the flag that raises it, e.g. `document nests deeper than 256 levels (limit: --max-depth)`.
///
/// Together they bound everything downstream: a document has at most `max_nodes` nodes, any
/// walk that follows aliases (merge keys, `--path` queries, KRM JSON output) visits at most
/// `max_nodes + max_alias_expansion` of them and never nests deeper than `max_depth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of collections accepted, aliases expanded (`--max-depth`). Flow
    /// collections also stop at the parser's own, fixed, 256 levels.
    pub max_depth: usize,
    /// Most nodes (scalars, collections, aliases) in one document (`--max-nodes`).
    pub max_nodes: usize,
    /// Most bytes in one document, from the end of the previous one (or the start of the file)
    /// to its end, its comments included (`--max-document-bytes`).
    pub max_document_bytes: usize,
    /// Most nodes that the aliases of one document stand for, all expanded: the sum, over the
    /// aliases, of the size of what each refers to (`--max-alias-expansion`). Aliases are never
    /// expanded when reading; this bounds the work of what follows them (a "billion laughs"
    /// document stands for 10^9 nodes in a few hundred bytes).
    pub max_alias_expansion: usize,
}

impl Limits {
    /// The defaults, documented with the flags in `spillway audit --help`.
    ///
    /// - depth 256: Kubernetes objects nest about 20 levels; go-yaml and saphyr-parser stop
    ///   flow collections at 256 too.
    /// - 5,000,000 nodes: a `kubectl get nodes -o yaml` of a 5,000-node cluster, in about
    ///   400 MB of memory at most.
    /// - 32 MiB per document: the apiserver refuses request bodies over 3 MiB and etcd objects
    ///   over 1.5 MiB, so one object is far below; a `kind: List` of a large cluster fits.
    /// - 1,000,000 nodes of alias expansion: go-yaml (which kubectl uses) gives up on
    ///   "excessive aliasing" at about 400,000 alias-driven nodes; manifests with anchors use a
    ///   handful.
    pub const DEFAULT: Limits = Limits {
        max_depth: 256,
        max_nodes: 5_000_000,
        max_document_bytes: 32 << 20,
        max_alias_expansion: 1_000_000,
    };

    /// Highest `--max-depth` accepted: what is read is also walked recursively (`--path`
    /// queries, JSON output), and a thread's stack must hold that.
    pub const MAX_DEPTH_CEILING: usize = 4096;
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// The kind of a node, with its children.
#[derive(Debug)]
pub enum Kind<'a> {
    /// A scalar: its value after unescaping and folding, and how it was written.
    Scalar { value: Cow<'a, str>, style: Style },
    /// A sequence of nodes.
    Seq(Vec<NodeId>),
    /// A mapping: (key, value) pairs in source order, duplicates included.
    Map(Vec<(NodeId, NodeId)>),
    /// `*name`: refers to the node that carries the anchor.
    Alias(NodeId),
}

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

/// One node: kind, exact byte span in the file, and its tag as written (`!!str`, `!custom`).
#[derive(Debug)]
pub struct Node<'a> {
    pub kind: Kind<'a>,
    pub span: Range<usize>,
    pub tag: Option<Box<str>>,
    /// True for `{...}` / `[...]` collections.
    pub flow: bool,
}

/// One document of a stream.
#[derive(Debug)]
pub struct Document<'a> {
    /// Position in the stream, from 0.
    pub index: usize,
    pub nodes: Vec<Node<'a>>,
    /// The root node; `None` for an empty document.
    pub root: Option<NodeId>,
    /// Keys that repeat an earlier key of the same mapping: (repeated key, first key).
    pub duplicate_keys: Vec<(NodeId, NodeId)>,
    /// Byte where the document's content (or its `---`) starts.
    pub start: usize,
}

/// A parse failure at a byte offset of the file.
#[derive(Debug, Clone)]
pub struct ParseError {
    pub offset: usize,
    pub message: String,
}

impl<'a> Document<'a> {
    pub fn node(&self, id: NodeId) -> &Node<'a> {
        &self.nodes[id.0 as usize]
    }

    /// Follows an alias to its anchored node; other nodes are returned as they are.
    pub fn resolve(&self, id: NodeId) -> NodeId {
        match self.node(id).kind {
            Kind::Alias(target) => target,
            _ => id,
        }
    }

    pub fn span(&self, id: NodeId) -> Range<usize> {
        self.node(id).span.clone()
    }

    /// The string value of a scalar (after alias resolution).
    pub fn scalar(&self, id: NodeId) -> Option<&str> {
        match &self.node(self.resolve(id)).kind {
            Kind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// Mapping entries after alias resolution, with YAML merge keys (`<<`) flattened in:
    /// explicit keys first, then merged ones whose key is not set yet (as go-yaml v3 merges),
    /// sources in order, each with its own merges. Linear in the mappings involved: each
    /// merged mapping is visited once however often aliases bring it in, so a "billion laughs"
    /// of merge keys costs its size, not its expansion.
    pub fn entries(&self, id: NodeId) -> Option<Vec<(NodeId, NodeId)>> {
        let id = self.resolve(id);
        let Kind::Map(pairs) = &self.node(id).kind else {
            return None;
        };
        if !pairs.iter().any(|(k, _)| self.is_merge_key(*k)) {
            return Some(pairs.clone());
        }
        let mut out: Vec<(NodeId, NodeId)> = Vec::with_capacity(pairs.len());
        let mut seen: HashSet<Option<&str>> = HashSet::with_capacity(pairs.len());
        for &(k, v) in pairs {
            if !self.is_merge_key(k) {
                out.push((k, v));
                seen.insert(self.scalar(k));
            }
        }
        self.each_merged(id, |k, v| {
            if seen.insert(self.scalar(k)) {
                out.push((k, v));
            }
            false
        });
        Some(out)
    }

    /// Calls `f` on the entries that `map`'s merge keys bring in, depth first in merge order
    /// (each source's explicit entries, then its own sources), each source mapping once, until
    /// `f` returns true. Iterative: a long chain of merges does not grow the call stack.
    fn each_merged(&self, map: NodeId, mut f: impl FnMut(NodeId, NodeId) -> bool) {
        let mut visited: HashSet<NodeId> = HashSet::from([map]);
        // Sources still to visit, the next on top.
        let mut todo: Vec<NodeId> = Vec::new();
        let push_sources = |m: NodeId, todo: &mut Vec<NodeId>| {
            let Kind::Map(pairs) = &self.node(m).kind else {
                return;
            };
            let start = todo.len();
            for &(k, v) in pairs {
                if !self.is_merge_key(k) {
                    continue;
                }
                let v = self.resolve(v);
                match &self.node(v).kind {
                    Kind::Seq(items) => todo.extend(items.iter().map(|i| self.resolve(*i))),
                    _ => todo.push(v),
                }
            }
            todo[start..].reverse();
        };
        push_sources(map, &mut todo);
        while let Some(s) = todo.pop() {
            if !visited.insert(s) {
                continue;
            }
            let Kind::Map(inner) = &self.node(s).kind else {
                continue;
            };
            for &(k, v) in inner {
                if !self.is_merge_key(k) && f(k, v) {
                    return;
                }
            }
            push_sources(s, &mut todo);
        }
    }

    fn is_merge_key(&self, k: NodeId) -> bool {
        matches!(&self.node(k).kind, Kind::Scalar { value, style: Style::Plain } if value == "<<")
    }

    /// The value of `key` in a mapping: the (key node, value node) pair, first occurrence, an
    /// explicit key before a merged one.
    pub fn get(&self, map: NodeId, key: &str) -> Option<(NodeId, NodeId)> {
        let id = self.resolve(map);
        let Kind::Map(pairs) = &self.node(id).kind else {
            return None;
        };
        // Fast path without merge keys: no allocation.
        let mut has_merge = false;
        for &(k, v) in pairs {
            if self.scalar(k) == Some(key) {
                return Some((k, v));
            }
            has_merge |= self.is_merge_key(k);
        }
        let mut found = None;
        if has_merge {
            self.each_merged(id, |k, v| {
                let hit = self.scalar(k) == Some(key);
                if hit {
                    found = Some((k, v));
                }
                hit
            });
        }
        found
    }

    /// Items of a sequence (after alias resolution).
    pub fn items(&self, id: NodeId) -> Option<&[NodeId]> {
        match &self.node(self.resolve(id)).kind {
            Kind::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn is_map(&self, id: NodeId) -> bool {
        matches!(self.node(self.resolve(id)).kind, Kind::Map(_))
    }

    /// True for a null scalar (`~`, `null`, empty) written plain.
    pub fn is_null(&self, id: NodeId) -> bool {
        let n = self.node(self.resolve(id));
        matches!(&n.kind, Kind::Scalar { value, style: Style::Plain }
            if n.tag.is_none() && matches!(value.as_ref(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// What a node is, for "expected X, found Y" messages.
    pub fn type_name(&self, id: NodeId) -> &'static str {
        let n = self.node(self.resolve(id));
        match &n.kind {
            Kind::Map(_) => "a mapping",
            Kind::Seq(_) => "a sequence",
            Kind::Alias(_) => "an alias",
            Kind::Scalar { .. } if self.is_null(id) => "null",
            Kind::Scalar { style, .. } if *style != Style::Plain => "a string",
            Kind::Scalar { value, .. } => match plain_type(value) {
                PlainType::Int => "an integer",
                PlainType::Float => "a number",
                PlainType::Bool => "a boolean",
                _ => "a string",
            },
        }
    }

    /// The integer value of a plain scalar written as a YAML integer.
    pub fn int(&self, id: NodeId) -> Option<i64> {
        let n = self.node(self.resolve(id));
        match &n.kind {
            Kind::Scalar {
                value,
                style: Style::Plain,
            } if n
                .tag
                .as_deref()
                .is_none_or(|t| t == "tag:yaml.org,2002:int") =>
            {
                parse_int(value)
            }
            _ => None,
        }
    }

    /// A boolean written plain (`true`/`false`, as YAML 1.2 and Kubernetes read it).
    pub fn bool(&self, id: NodeId) -> Option<bool> {
        match &self.node(self.resolve(id)).kind {
            Kind::Scalar {
                value,
                style: Style::Plain,
            } => match value.as_ref() {
                "true" | "True" | "TRUE" => Some(true),
                "false" | "False" | "FALSE" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// A scalar that Kubernetes reads as a string: a quoted scalar, or a plain one that is not
    /// null, a number or a boolean.
    pub fn string(&self, id: NodeId) -> Option<&str> {
        let n = self.node(self.resolve(id));
        match &n.kind {
            Kind::Scalar { value, style } => {
                if *style != Style::Plain
                    || n.tag.as_deref() == Some("tag:yaml.org,2002:str")
                    || plain_type(value) == PlainType::Str
                {
                    Some(value)
                } else {
                    None
                }
            }
            _ => None,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum PlainType {
    Null,
    Bool,
    Int,
    Float,
    Str,
}

/// How a plain scalar resolves under the YAML 1.2 core schema.
fn plain_type(s: &str) -> PlainType {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => PlainType::Null,
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => PlainType::Bool,
        ".inf" | ".Inf" | ".INF" | "-.inf" | "-.Inf" | "-.INF" | "+.inf" | ".nan" | ".NaN"
        | ".NAN" => PlainType::Float,
        _ if parse_int(s).is_some() => PlainType::Int,
        _ if s.bytes().any(|b| b.is_ascii_digit())
            && s.bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
            && s.parse::<f64>().is_ok() =>
        {
            PlainType::Float
        }
        _ => PlainType::Str,
    }
}

fn parse_int(s: &str) -> Option<i64> {
    let (neg, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let v = if let Some(h) = digits.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()?
    } else if let Some(o) = digits.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()?
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()?
    } else {
        return None;
    };
    Some(if neg { -v } else { v })
}

/// Converts the parser's character offsets to byte offsets with a cursor that moves in either
/// direction; events arrive nearly in order, so the total walk is linear in the input.
struct Offsets<'a> {
    text: &'a str,
    ascii: bool,
    char_pos: usize,
    byte_pos: usize,
}

impl<'a> Offsets<'a> {
    fn new(text: &'a str) -> Self {
        Offsets {
            text,
            ascii: text.is_ascii(),
            char_pos: 0,
            byte_pos: 0,
        }
    }

    fn byte(&mut self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.text.len());
        }
        let bytes = self.text.as_bytes();
        while self.char_pos < char_index && self.byte_pos < bytes.len() {
            self.byte_pos += utf8_width(bytes[self.byte_pos]);
            self.char_pos += 1;
        }
        while self.char_pos > char_index && self.byte_pos > 0 {
            self.byte_pos -= 1;
            while self.byte_pos > 0 && (bytes[self.byte_pos] & 0xC0) == 0x80 {
                self.byte_pos -= 1;
            }
            self.char_pos -= 1;
        }
        self.byte_pos
    }
}

fn utf8_width(b: u8) -> usize {
    match b {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

/// A YAML stream read one document at a time.
pub struct Stream<'a> {
    parser: Parser<'a, saphyr_parser::StrInput<'a>>,
    text: &'a str,
    /// Bytes before `text` in the file (a BOM).
    base: usize,
    offsets: Offsets<'a>,
    limits: Limits,
    next_index: usize,
    done: bool,
    /// Where the first document over `max_document_bytes` starts (in `text`): the parser only
    /// sees the text before it, and the stream ends there with an error.
    oversize: Option<usize>,
}

impl<'a> Stream<'a> {
    /// `text` is the whole file; a leading BOM is skipped and offsets still count it.
    pub fn new(text: &'a str, limits: Limits) -> Self {
        let (body, base) = match text.strip_prefix('\u{feff}') {
            Some(rest) => (rest, 3),
            None => (text, 0),
        };
        let oversize = oversize_document(body, limits.max_document_bytes);
        Stream {
            parser: Parser::new_from_str(&body[..oversize.unwrap_or(body.len())]),
            text: body,
            base,
            offsets: Offsets::new(body),
            limits,
            next_index: 0,
            done: false,
            oversize,
        }
    }

    fn err(&mut self, e: ScanError) -> ParseError {
        let offset = self.offsets.byte(e.marker().index()) + self.base;
        let message = match e.info() {
            "recursion limit exceeded" => "flow collections nested deeper than the parser's \
                 fixed limit of 256 levels (--max-depth cannot raise it)"
                .to_string(),
            info => explain(self.text, offset - self.base, info),
        };
        ParseError { offset, message }
    }

    fn span(&mut self, sp: PSpan) -> Range<usize> {
        let s = self.offsets.byte(sp.start.index());
        let e = self.offsets.byte(sp.end.index());
        s..e.max(s)
    }

    fn next_event(&mut self) -> Result<Option<(Event<'a>, PSpan)>, ParseError> {
        match self.parser.next_event() {
            None => Ok(None),
            Some(Ok(ev)) => Ok(Some(ev)),
            Some(Err(e)) => Err(self.err(e)),
        }
    }

    /// Reads the next document; `None` at the end of the stream. After an error the stream ends.
    pub fn next_document(&mut self) -> Option<Result<Document<'a>, ParseError>> {
        if self.done {
            return None;
        }
        let r = self.read_document();
        match r {
            Ok(Some(doc)) => Some(Ok(doc)),
            Ok(None) => {
                self.done = true;
                self.oversize.map(|at| {
                    Err(ParseError {
                        offset: at + self.base,
                        message: format!(
                            "a YAML document larger than {} bytes (limit: --max-document-bytes)",
                            self.limits.max_document_bytes
                        ),
                    })
                })
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }

    fn read_document(&mut self) -> Result<Option<Document<'a>>, ParseError> {
        // Skip to the next DocumentStart.
        let start = loop {
            match self.next_event()? {
                None | Some((Event::StreamEnd, _)) => return Ok(None),
                Some((Event::DocumentStart(_), sp)) => break self.span(sp).start,
                Some(_) => {}
            }
        };
        let mut b = Builder {
            doc: Document {
                index: self.next_index,
                nodes: Vec::new(),
                root: None,
                duplicate_keys: Vec::new(),
                start: start + self.base,
            },
            stack: Vec::new(),
            anchors: HashMap::new(),
            key_sets: HashMap::new(),
            expanded: HashMap::new(),
            alias_total: 0,
            limits: self.limits,
        };
        self.next_index += 1;
        while let Some((ev, sp)) = self.next_event()? {
            let span = self.span(sp);
            let is_map = matches!(ev, Event::MappingStart(..));
            match ev {
                Event::DocumentEnd | Event::StreamEnd => break,
                Event::Scalar(value, style, anchor, tag) => {
                    let style = convert_style(style);
                    let mut span = scalar_span(self.text, style, span);
                    if value.is_empty() && style == Style::Plain {
                        // An empty value (`key:` then the next key) is reported at the next
                        // token, its key's colon; it sits right after that colon. A key without
                        // a colon (`{a, b}`, `? a`) has its empty value right after the key.
                        // (Searching past the reported token would make `{a, b, ...}`
                        // quadratic.)
                        if let Some(k) = b.stack.last().and_then(|o| o.pending_key) {
                            let kend = b.doc.nodes[k.0 as usize].span.end - self.base;
                            let mut upto = (span.start + 1).clamp(kend, self.text.len());
                            // The token may start with a multi-byte character (a BOM).
                            while !self.text.is_char_boundary(upto) {
                                upto += 1;
                            }
                            span = match self.text[kend..upto].find(':') {
                                Some(c) => kend + c + 1..kend + c + 1,
                                None => kend..kend,
                            };
                        }
                    }
                    let value = borrowed(self.text, value, style, &span);
                    let span = self.shift(span);
                    let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix).into_boxed_str());
                    b.add(Kind::Scalar { value, style }, span, tag, anchor, false)?;
                }
                Event::Alias(anchor) => {
                    let Some(&target) = b.anchors.get(&anchor) else {
                        return Err(ParseError {
                            offset: span.start + self.base,
                            message: "alias refers to an unknown anchor".into(),
                        });
                    };
                    let span = self.shift(span);
                    b.alias(target, &span)?;
                    b.add(Kind::Alias(target), span, None, 0, false)?;
                }
                Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag) => {
                    let kind = if is_map {
                        Kind::Map(Vec::new())
                    } else {
                        Kind::Seq(Vec::new())
                    };
                    let flow = self.text[span.clone()].trim_end().ends_with(['{', '[']);
                    let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix).into_boxed_str());
                    let mut span = span;
                    if !is_map && !flow {
                        // An indentless sequence (`key:\n- a`) starts at its first item's
                        // content; the node starts at the `-`.
                        let line_start = self.text[..span.start].rfind('\n').map_or(0, |p| p + 1);
                        if let Some(d) = self.text[line_start..span.start].rfind('-') {
                            let dash = line_start + d;
                            if self.text[dash + 1..span.start].chars().all(|c| c == ' ') {
                                span.start = dash;
                            }
                        }
                    }
                    let sp = self.shift(span);
                    b.add(kind, sp, tag, anchor, flow)?;
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    // A flow collection ends just after its bracket (the event's span may run on).
                    let end = match self.text.as_bytes().get(span.start) {
                        Some(b']' | b'}') => span.start + 1,
                        _ => span.end,
                    };
                    b.close(end + self.base);
                }
                _ => {}
            }
        }
        Ok(Some(b.doc))
    }

    fn shift(&self, r: Range<usize>) -> Range<usize> {
        r.start + self.base..r.end + self.base
    }
}

/// Where the first document of more than `max` bytes starts, if any. Documents are cut where
/// `audit` cuts a stream it reads piece by piece (`read::chunks`): before a `---` line once
/// there is content, after a `...` line; by the YAML spec (`c-forbidden`) such a line is a
/// document marker wherever it appears, so the cut needs no parsing. Comments and directives
/// before a `---` count with the document they precede.
fn oversize_document(text: &str, max: usize) -> Option<usize> {
    if text.len() <= max {
        return None;
    }
    let marker = |line: &[u8], m: &[u8]| {
        line.starts_with(m) && matches!(line.get(3), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
    };
    let content = |line: &[u8]| {
        let t = line.trim_ascii_start();
        !(line.first() == Some(&b'%') || t.is_empty() || t.starts_with(b"#"))
    };
    let (mut start, mut has_content, mut pos) = (0, false, 0);
    for line in text.as_bytes().split_inclusive(|b| *b == b'\n') {
        if has_content && marker(line, b"---") {
            start = pos;
        }
        pos += line.len();
        if pos - start > max {
            return Some(start);
        }
        if marker(line, b"...") {
            (start, has_content) = (pos, false);
        } else {
            has_content |= content(line);
        }
    }
    None
}

/// Adds what was expected to the parser's message, from what is open at the error: an unclosed
/// flow collection, an unterminated quoted scalar, or a tab used as indentation.
fn explain(text: &str, offset: usize, info: &str) -> String {
    let before = &text[..offset.min(text.len())];
    let pos = |o: usize| {
        let line = before[..o].matches('\n').count() + 1;
        let col = before[before[..o].rfind('\n').map_or(0, |p| p + 1)..o]
            .chars()
            .count()
            + 1;
        format!("line {line}, column {col}")
    };
    if info.contains("tab") {
        return format!("{info}: YAML indents with spaces only; replace the tab");
    }
    if info.contains("quoted scalar") {
        if let Some(q @ ('"' | '\'')) = text[offset.min(text.len())..].chars().next() {
            let kind = if q == '"' { "double" } else { "single" };
            return format!("{info}: the {kind}-quoted string that starts here is not closed (expected a closing {q} before the next key; continuation lines must be indented)");
        }
    }
    // Scan what precedes the error for open brackets and quotes (outside comments).
    let mut stack: Vec<(char, usize)> = Vec::new();
    let mut quote: Option<(char, usize)> = None;
    let mut prev = '\n';
    let mut chars = before.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if let Some((q, _)) = quote {
            if c == q {
                if q == '\'' && chars.peek().map(|p| p.1) == Some('\'') {
                    chars.next();
                } else {
                    quote = None;
                }
            } else if c == '\\' && q == '"' {
                chars.next();
            }
            prev = c;
            continue;
        }
        match c {
            '#' if prev.is_whitespace() => {
                while chars.peek().is_some_and(|p| p.1 != '\n') {
                    chars.next();
                }
            }
            '"' | '\'' if matches!(prev, ' ' | '\t' | '\n' | '[' | '{' | ',' | ':' | '-') => {
                quote = Some((c, i))
            }
            '[' | '{' if matches!(prev, ' ' | '\t' | '\n' | '[' | '{' | ',' | ':' | '-') => {
                stack.push((c, i))
            }
            ']' | '}' => {
                stack.pop();
            }
            _ => {}
        }
        prev = c;
    }
    if let Some((q, at)) = quote {
        let kind = if q == '"' { "double" } else { "single" };
        return format!(
            "{info}: the {kind}-quoted string opened at {} is not closed (expected a closing {q})",
            pos(at)
        );
    }
    if let Some((b, at)) = stack.last() {
        let (what, close) = if *b == '[' {
            ("flow sequence", ']')
        } else {
            ("flow mapping", '}')
        };
        return format!(
            "{info}: the {what} `{b}` opened at {} is not closed (expected `,` or `{close}`)",
            pos(*at)
        );
    }
    info.to_string()
}

/// The parser hands every scalar over as an owned string; when the value is the source text as
/// it stands (a plain or quoted scalar on one line without escapes, which most are), borrow that
/// instead. A document of a million keys then takes no allocation per scalar.
fn borrowed<'a>(
    text: &'a str,
    value: Cow<'a, str>,
    style: Style,
    span: &Range<usize>,
) -> Cow<'a, str> {
    let inner = match style {
        Style::Plain => text.get(span.clone()),
        Style::SingleQuoted | Style::DoubleQuoted if span.len() >= 2 => {
            text.get(span.start + 1..span.end - 1)
        }
        _ => None,
    };
    match inner {
        Some(t) if t == value => Cow::Borrowed(t),
        _ => value,
    }
}

fn convert_style(s: ScalarStyle) -> Style {
    match s {
        ScalarStyle::Plain => Style::Plain,
        ScalarStyle::SingleQuoted => Style::SingleQuoted,
        ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
        ScalarStyle::Literal => Style::Literal,
        ScalarStyle::Folded => Style::Folded,
    }
}

/// The exact byte range of a scalar's text, from the parser's approximate one.
fn scalar_span(text: &str, style: Style, span: Range<usize>) -> Range<usize> {
    let b = text.as_bytes();
    match style {
        Style::Plain => span,
        Style::DoubleQuoted | Style::SingleQuoted => {
            let q = if style == Style::DoubleQuoted {
                b'"'
            } else {
                b'\''
            };
            let mut i = span.start;
            if b.get(i) != Some(&q) {
                return span;
            }
            i += 1;
            while i < b.len() {
                match b[i] {
                    b'\\' if q == b'"' => i += 2,
                    c if c == q => {
                        if q == b'\'' && b.get(i + 1) == Some(&b'\'') {
                            i += 2;
                        } else {
                            return span.start..i + 1;
                        }
                    }
                    _ => i += 1,
                }
            }
            span
        }
        Style::Literal | Style::Folded => {
            // The parser's span starts at the content; the node starts at its `|`/`>` header.
            let mut end = span.end.min(b.len());
            while end > span.start && b[end - 1].is_ascii_whitespace() {
                end -= 1;
            }
            let mut line_start = text[..span.start].rfind('\n').map_or(0, |p| p + 1);
            // Walk back over blank lines to the header line.
            while line_start > 0 {
                let prev_start = text[..line_start - 1].rfind('\n').map_or(0, |p| p + 1);
                let line = &text[prev_start..line_start - 1];
                line_start = prev_start;
                if !line.trim().is_empty() {
                    break;
                }
            }
            let header_end = text[line_start..]
                .find('\n')
                .map_or(text.len(), |p| line_start + p);
            let header = &text[line_start..header_end];
            let code = match header.find(" #") {
                Some(c) => &header[..c],
                None => header,
            };
            match code.rfind(['|', '>']) {
                Some(p) if line_start + p <= span.start => {
                    line_start + p..end.max(line_start + p + 1)
                }
                _ => span.start..end,
            }
        }
    }
}

struct Open {
    id: NodeId,
    pending_key: Option<NodeId>,
    last_end: usize,
    /// Nodes the collection stands for with its aliases expanded, itself included.
    size: u64,
    /// Levels of collections it nests, aliases expanded (1 for a collection of scalars).
    height: usize,
    /// Whether it carries an anchor (its expanded size is recorded when it closes).
    anchored: bool,
}

struct Builder<'a> {
    doc: Document<'a>,
    stack: Vec<Open>,
    anchors: HashMap<usize, NodeId>,
    /// For large mappings, the set of key strings seen so far (duplicate detection in O(1)).
    key_sets: HashMap<NodeId, HashMap<Cow<'a, str>, NodeId>>,
    /// Anchored nodes that are complete: their size and height with aliases expanded. An
    /// anchored collection that is still open is absent (an alias to it is a cycle).
    expanded: HashMap<NodeId, (u64, usize)>,
    /// Nodes the aliases read so far stand for.
    alias_total: u64,
    limits: Limits,
}

impl<'a> Builder<'a> {
    /// Accounts for an alias to `target` before it is added: what it stands for must be
    /// complete (not a collection that contains the alias), fit in the alias budget and not
    /// nest deeper than the depth limit where it stands.
    fn alias(&mut self, target: NodeId, span: &Range<usize>) -> Result<(), ParseError> {
        let Some(&(size, height)) = self.expanded.get(&target) else {
            return Err(ParseError {
                offset: span.start,
                message: "alias refers to a collection that contains it (a cycle; Kubernetes' \
                          YAML decoder rejects it too)"
                    .into(),
            });
        };
        self.alias_total = self.alias_total.saturating_add(size);
        if self.alias_total > self.limits.max_alias_expansion as u64 {
            return Err(ParseError {
                offset: span.start,
                message: format!(
                    "aliases expand to more than {} nodes (limit: --max-alias-expansion)",
                    self.limits.max_alias_expansion
                ),
            });
        }
        if self.stack.len() + height > self.limits.max_depth {
            return Err(ParseError {
                offset: span.start,
                message: format!(
                    "alias expands to a nesting deeper than {} levels (limit: --max-depth)",
                    self.limits.max_depth
                ),
            });
        }
        Ok(())
    }

    fn add(
        &mut self,
        kind: Kind<'a>,
        span: Range<usize>,
        tag: Option<Box<str>>,
        anchor: usize,
        flow: bool,
    ) -> Result<(), ParseError> {
        if self.doc.nodes.len() >= self.limits.max_nodes {
            return Err(ParseError {
                offset: span.start,
                message: format!(
                    "document has more than {} nodes (limit: --max-nodes)",
                    self.limits.max_nodes
                ),
            });
        }
        let is_collection = matches!(kind, Kind::Map(_) | Kind::Seq(_));
        // What the node stands for, aliases expanded: known now unless it is a collection.
        let expanded = match kind {
            Kind::Alias(t) => self.expanded.get(&t).copied(),
            Kind::Scalar { .. } => Some((1, 0)),
            _ => None,
        };
        let id = NodeId(self.doc.nodes.len() as u32);
        let end = span.end;
        self.doc.nodes.push(Node {
            kind,
            span,
            tag,
            flow,
        });
        if anchor != 0 {
            self.anchors.insert(anchor, id);
            if let Some(e) = expanded {
                self.expanded.insert(id, e);
            }
        }
        self.attach(id, end);
        if let Some((size, height)) = expanded {
            self.count(size, height);
        }
        if is_collection {
            if self.stack.len() >= self.limits.max_depth {
                return Err(ParseError {
                    offset: self.doc.nodes[id.0 as usize].span.start,
                    message: format!(
                        "document nests deeper than {} levels (limit: --max-depth)",
                        self.limits.max_depth
                    ),
                });
            }
            let start = self.doc.nodes[id.0 as usize].span.start;
            self.stack.push(Open {
                id,
                pending_key: None,
                last_end: start,
                size: 1,
                height: 1,
                anchored: anchor != 0,
            });
        }
        Ok(())
    }

    /// Adds a complete child's expanded size and height to the open collection.
    fn count(&mut self, size: u64, height: usize) {
        if let Some(top) = self.stack.last_mut() {
            top.size = top.size.saturating_add(size);
            top.height = top.height.max(height + 1);
        }
    }

    fn attach(&mut self, id: NodeId, end: usize) {
        let Some(top) = self.stack.last_mut() else {
            self.doc.root = Some(id);
            return;
        };
        top.last_end = top.last_end.max(end);
        let parent = top.id;
        match &mut self.doc.nodes[parent.0 as usize].kind {
            Kind::Seq(items) => items.push(id),
            Kind::Map(pairs) => match top.pending_key.take() {
                None => top.pending_key = Some(id),
                Some(k) => {
                    pairs.push((k, id));
                    let n = pairs.len();
                    self.check_duplicate(parent, k, n);
                }
            },
            _ => {}
        }
    }

    /// A key's string, borrowed from the source when the scalar is.
    fn key_text(&self, key: NodeId) -> Option<Cow<'a, str>> {
        match &self.doc.node(self.doc.resolve(key)).kind {
            Kind::Scalar {
                value: Cow::Borrowed(s),
                ..
            } => Some(Cow::Borrowed(*s)),
            Kind::Scalar { value, .. } => Some(Cow::Owned(value.to_string())),
            _ => None,
        }
    }

    fn check_duplicate(&mut self, map: NodeId, key: NodeId, len: usize) {
        const SMALL: usize = 16;
        if len <= SMALL {
            let Some(name) = self.doc.scalar(key) else {
                return;
            };
            let Kind::Map(pairs) = &self.doc.nodes[map.0 as usize].kind else {
                return;
            };
            let first = pairs[..len - 1]
                .iter()
                .find(|(k, _)| self.doc.scalar(*k) == Some(name))
                .map(|(k, _)| *k);
            if let Some(first) = first {
                self.doc.duplicate_keys.push((key, first));
            }
            return;
        }
        let Some(name) = self.key_text(key) else {
            return;
        };
        if !self.key_sets.contains_key(&map) {
            let Kind::Map(pairs) = &self.doc.nodes[map.0 as usize].kind else {
                return;
            };
            let mut set = HashMap::new();
            for (k, _) in &pairs[..len - 1] {
                if let Some(s) = self.key_text(*k) {
                    set.entry(s).or_insert(*k);
                }
            }
            self.key_sets.insert(map, set);
        }
        let set = self.key_sets.get_mut(&map).expect("inserted above");
        match set.get(&name) {
            Some(first) => self.doc.duplicate_keys.push((key, *first)),
            None => {
                set.insert(name, key);
            }
        }
    }

    fn close(&mut self, end_event_end: usize) {
        let Some(open) = self.stack.pop() else {
            return;
        };
        self.key_sets.remove(&open.id);
        if open.anchored {
            self.expanded.insert(open.id, (open.size, open.height));
        }
        self.count(open.size, open.height);
        let node = &mut self.doc.nodes[open.id.0 as usize];
        let end = if node.flow {
            end_event_end
        } else {
            open.last_end
        };
        node.span.end = end.max(node.span.start);
        if let Some(parent) = self.stack.last_mut() {
            parent.last_end = parent.last_end.max(node.span.end);
        }
    }
}

/// One step from a node to a child: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// Keys and indices from a document's root: joins typed views, spans and (for `apply`) edits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Route(pub Vec<Seg>);

impl Route {
    pub fn child(&self, key: &str) -> Route {
        let mut r = self.clone();
        r.0.push(Seg::Key(key.to_owned()));
        r
    }

    pub fn index(&self, i: usize) -> Route {
        let mut r = self.clone();
        r.0.push(Seg::Index(i));
        r
    }

    /// This route followed by `rest`.
    pub fn join(&self, rest: &Route) -> Route {
        let mut r = self.clone();
        r.0.extend(rest.0.iter().cloned());
        r
    }

    /// The notation the apiserver uses in its errors: `spec.tolerations[1].value`.
    pub fn dotted(&self) -> String {
        let mut s = String::new();
        for seg in &self.0 {
            match seg {
                Seg::Key(k) => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(k);
                }
                Seg::Index(i) => s.push_str(&format!("[{i}]")),
            }
        }
        s
    }

    /// The last key with the indices after it, for messages: `values[0]`, `weight`.
    pub fn tail(&self) -> String {
        let start = self
            .0
            .iter()
            .rposition(|s| matches!(s, Seg::Key(_)))
            .unwrap_or(0);
        Route(self.0[start..].to_vec()).dotted()
    }

    /// RFC 6901 JSON Pointer, e.g. `/spec/tolerations/1/value`.
    pub fn pointer(&self) -> String {
        let mut s = String::new();
        for seg in &self.0 {
            s.push('/');
            match seg {
                Seg::Key(k) => s.push_str(&k.replace('~', "~0").replace('/', "~1")),
                Seg::Index(i) => s.push_str(&i.to_string()),
            }
        }
        s
    }
}

impl Document<'_> {
    /// The node at a route from `from`, following aliases and merge keys.
    pub fn at(&self, from: NodeId, route: &[Seg]) -> Option<NodeId> {
        let mut cur = from;
        for seg in route {
            cur = match seg {
                Seg::Key(k) => self.get(cur, k)?.1,
                Seg::Index(i) => *self.items(cur)?.get(*i)?,
            };
        }
        Some(cur)
    }

    /// The document as JSON (for `--path` queries). Aliases are expanded, so the number of
    /// values produced is capped: `None` when the expansion would exceed `budget` values.
    pub fn to_json(&self, id: NodeId, budget: &mut usize) -> Option<serde_json::Value> {
        use serde_json::Value;
        if *budget == 0 {
            return None;
        }
        *budget -= 1;
        let id = self.resolve(id);
        Some(match &self.node(id).kind {
            Kind::Map(_) => {
                let mut m = serde_json::Map::new();
                for (k, v) in self.entries(id)? {
                    let key = self.scalar(k).unwrap_or_default().to_owned();
                    let val = self.to_json(v, budget)?;
                    m.entry(key).or_insert(val);
                }
                Value::Object(m)
            }
            Kind::Seq(items) => Value::Array(
                items
                    .iter()
                    .map(|i| self.to_json(*i, budget))
                    .collect::<Option<Vec<_>>>()?,
            ),
            Kind::Scalar { value, .. } => {
                if self.is_null(id) {
                    Value::Null
                } else if let Some(b) = self.bool(id) {
                    Value::Bool(b)
                } else if let Some(i) = self.int(id) {
                    Value::from(i)
                } else {
                    Value::String(value.to_string())
                }
            }
            Kind::Alias(_) => Value::Null,
        })
    }
}

/// Parses a whole stream into documents (tests and small inputs; the CLI streams).
pub fn parse_all(text: &str, limits: Limits) -> (Vec<Document<'_>>, Option<ParseError>) {
    let mut s = Stream::new(text, limits);
    let mut docs = Vec::new();
    while let Some(r) = s.next_document() {
        match r {
            Ok(d) => docs.push(d),
            Err(e) => return (docs, Some(e)),
        }
    }
    (docs, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of<'t>(t: &'t str, d: &Document, route: &[&str]) -> &'t str {
        let segs: Vec<Seg> = route
            .iter()
            .map(|s| match s.parse::<usize>() {
                Ok(i) => Seg::Index(i),
                Err(_) => Seg::Key((*s).into()),
            })
            .collect();
        let id = d.at(d.root.unwrap(), &segs).expect("route exists");
        &t[d.span(id)]
    }

    #[test]
    fn scalar_spans_are_exact_bytes() {
        let t = "a: \"x y\"  # c\nb: 'it''s'\nc: |  # keep\n  text\n  more\n\nd: plain\n";
        let (docs, err) = parse_all(t, Limits::default());
        assert!(err.is_none());
        let d = &docs[0];
        assert_eq!(text_of(t, d, &["a"]), "\"x y\"");
        assert_eq!(text_of(t, d, &["b"]), "'it''s'");
        assert_eq!(text_of(t, d, &["c"]), "|  # keep\n  text\n  more");
        assert_eq!(text_of(t, d, &["d"]), "plain");
    }

    #[test]
    fn empty_flow_collection_spans_stop_at_the_bracket() {
        let t = "k: {}  # empty\nl: []\n";
        let (docs, _) = parse_all(t, Limits::default());
        assert_eq!(text_of(t, &docs[0], &["k"]), "{}");
        assert_eq!(text_of(t, &docs[0], &["l"]), "[]");
    }

    #[test]
    fn block_sequences_start_at_their_first_dash() {
        let t = "a:\n- x\n- y\nb:\n  - z\n";
        let (docs, _) = parse_all(t, Limits::default());
        assert_eq!(text_of(t, &docs[0], &["a"]), "- x\n- y");
        assert_eq!(text_of(t, &docs[0], &["b"]), "- z");
    }

    #[test]
    fn empty_values_sit_after_their_colon() {
        let t = "a:\nb: ~\nc:  # note\nd: 1\n";
        let (docs, _) = parse_all(t, Limits::default());
        let d = &docs[0];
        let root = d.root.unwrap();
        assert_eq!(d.span(d.get(root, "a").unwrap().1), 2..2);
        assert_eq!(text_of(t, d, &["b"]), "~");
        assert_eq!(d.span(d.get(root, "c").unwrap().1), 10..10);
    }

    #[test]
    fn collection_spans() {
        let t = "m:\n  k: v\n  l:\n  - 1\n  - {x: [1, 2]}\n# trailing\nn: 1\n";
        let (docs, _) = parse_all(t, Limits::default());
        let d = &docs[0];
        assert_eq!(text_of(t, d, &["m"]), "k: v\n  l:\n  - 1\n  - {x: [1, 2]}");
        assert_eq!(text_of(t, d, &["m", "l", "1", "x"]), "[1, 2]");
        assert!(
            d.node(
                d.at(
                    d.root.unwrap(),
                    &[Seg::Key("m".into()), Seg::Key("l".into()), Seg::Index(1)]
                )
                .unwrap()
            )
            .flow
        );
    }

    #[test]
    fn crlf_bom_and_non_ascii_offsets() {
        let t = "\u{feff}# 网关\r\nkind: 网关\r\nspec:\r\n  v: asmgateway\r\n---\r\nk: 2\r\n";
        let (docs, err) = parse_all(t, Limits::default());
        assert!(err.is_none());
        assert_eq!(docs.len(), 2);
        assert_eq!(text_of(t, &docs[0], &["kind"]), "网关");
        assert_eq!(text_of(t, &docs[0], &["spec", "v"]), "asmgateway");
        assert_eq!(text_of(t, &docs[1], &["k"]), "2");
        assert_eq!(docs[1].index, 1);
    }

    #[test]
    fn duplicate_keys_small_and_large_mappings() {
        let mut t = String::from("a: 1\nb: 2\na: 3\n");
        let (docs, _) = parse_all(&t, Limits::default());
        assert_eq!(docs[0].duplicate_keys.len(), 1);
        for i in 0..40 {
            t.push_str(&format!("k{i}: {i}\n"));
        }
        t.push_str("k7: again\n");
        let (docs, _) = parse_all(&t, Limits::default());
        assert_eq!(docs[0].duplicate_keys.len(), 2);
    }

    #[test]
    fn aliases_are_not_expanded_and_merge_keys_resolve() {
        let t = "base: &b {x: 1}\nuse:\n  <<: *b\n  y: 2\nref: *b\n";
        let (docs, _) = parse_all(t, Limits::default());
        let d = &docs[0];
        let root = d.root.unwrap();
        let x = d
            .at(root, &[Seg::Key("use".into()), Seg::Key("x".into())])
            .unwrap();
        assert_eq!(d.scalar(x), Some("1"));
        let r = d.get(root, "ref").unwrap().1;
        assert!(matches!(d.node(r).kind, Kind::Alias(_)));
        assert!(d.is_map(r));
    }

    #[test]
    fn depth_limit_is_an_error_not_a_crash() {
        let t = "[".repeat(10_000) + &"]".repeat(10_000);
        let (_, err) = parse_all(&t, Limits::default());
        assert!(err.unwrap().message.contains("nested deeper"));
        let mut t = String::new();
        for i in 0..3000 {
            t.push_str(&" ".repeat(i));
            t.push_str("- \n");
        }
        let (_, err) = parse_all(&t, Limits::default());
        assert!(err.unwrap().message.contains("--max-depth"));
    }

    /// `n` levels of `width` aliases each, the "billion laughs" shape.
    fn laughs(levels: usize, width: usize) -> String {
        let mut t = String::from("a0: &a0 [x]\n");
        for i in 1..=levels {
            let refs = vec![format!("*a{}", i - 1); width].join(", ");
            t.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        t
    }

    #[test]
    fn alias_expansion_is_limited_and_names_its_flag() {
        let t = laughs(9, 10);
        let (docs, err) = parse_all(&t, Limits::default());
        assert!(docs.is_empty());
        let e = err.unwrap();
        assert_eq!(
            e.message,
            "aliases expand to more than 1000000 nodes (limit: --max-alias-expansion)"
        );
        // At the alias that crosses the limit: level 6 stands for 2,111,111 nodes.
        assert!(t[e.offset..].starts_with("*a5"), "{}", &t[e.offset..]);
        // Raised, the same document reads: aliases are never expanded.
        let raised = Limits {
            max_alias_expansion: usize::MAX,
            ..Limits::default()
        };
        let (docs, err) = parse_all(&t, raised);
        assert!(err.is_none());
        assert_eq!(docs[0].nodes.len(), 1 + 3 + 9 * 12);
        // 0 forbids aliases; anchors alone are fine.
        let none = Limits {
            max_alias_expansion: 0,
            ..Limits::default()
        };
        assert!(parse_all("a: &x 1\n", none).1.is_none());
        assert!(parse_all("a: &x 1\nb: *x\n", none).1.is_some());
    }

    #[test]
    fn merge_key_laughs_are_limited_and_linear_when_allowed() {
        let mut t = String::from("m0: &m0 {k0: v}\n");
        for i in 1..=9 {
            let refs = vec![format!("*m{}", i - 1); 10].join(", ");
            t.push_str(&format!("m{i}: &m{i} {{<<: [{refs}], k{i}: v}}\n"));
        }
        t.push_str("use:\n  <<: *m9\n  own: 1\n");
        let (_, err) = parse_all(&t, Limits::default());
        assert!(err.unwrap().message.contains("--max-alias-expansion"));
        let raised = Limits {
            max_alias_expansion: usize::MAX,
            ..Limits::default()
        };
        let (docs, err) = parse_all(&t, raised);
        assert!(err.is_none());
        let d = &docs[0];
        let using = d.get(d.root.unwrap(), "use").unwrap().1;
        // Each merged mapping is visited once: 10^9 paths, 11 entries.
        let keys: Vec<&str> = d
            .entries(using)
            .unwrap()
            .iter()
            .map(|(k, _)| d.scalar(*k).unwrap())
            .collect();
        assert_eq!(
            keys,
            ["own", "k9", "k8", "k7", "k6", "k5", "k4", "k3", "k2", "k1", "k0"]
        );
        assert!(d.get(using, "k0").is_some());
        assert!(d.get(using, "nope").is_none());
    }

    #[test]
    fn merge_keys_are_transitive_explicit_keys_win_first_source_wins() {
        let t = "a: &a {x: a, y: a}\nb: &b {<<: *a, y: b, z: b}\nc: &c {z: c, w: c}\nu:\n  <<: [*b, *c]\n  w: u\n";
        let (docs, err) = parse_all(t, Limits::default());
        assert!(err.is_none());
        let d = &docs[0];
        let u = d.get(d.root.unwrap(), "u").unwrap().1;
        let get = |k: &str| d.scalar(d.get(u, k).unwrap().1).unwrap();
        assert_eq!(
            (get("x"), get("y"), get("z"), get("w")),
            ("a", "b", "b", "u")
        );
        let keys: Vec<&str> = d
            .entries(u)
            .unwrap()
            .iter()
            .map(|(k, _)| d.scalar(*k).unwrap())
            .collect();
        // No `<<` among them: b's own merge is resolved too.
        assert_eq!(keys, ["w", "y", "z", "x"]);
    }

    #[test]
    fn an_alias_inside_its_own_anchor_is_a_cycle_error() {
        let t = "a: &a\n  b: 1\n  c: *a\n";
        let (_, err) = parse_all(t, Limits::default());
        let e = err.unwrap();
        assert!(e.message.contains("a cycle"), "{}", e.message);
        assert_eq!(&t[e.offset..e.offset + 2], "*a");
        let t = "l: &l [1, [*l]]\n";
        assert!(parse_all(t, Limits::default())
            .1
            .unwrap()
            .message
            .contains("cycle"));
    }

    #[test]
    fn aliases_cannot_nest_deeper_than_the_depth_limit() {
        // Each level nests the previous one a level deeper: 300 levels, 2 nodes each.
        let mut t = String::from("a0: &a0 [x]\n");
        for i in 1..300 {
            t.push_str(&format!("a{i}: &a{i} [*a{}]\n", i - 1));
        }
        let (_, err) = parse_all(&t, Limits::default());
        let e = err.unwrap();
        assert_eq!(
            e.message,
            "alias expands to a nesting deeper than 256 levels (limit: --max-depth)"
        );
        assert!(
            t[e.offset..].starts_with("*a254]"),
            "{}",
            &t[e.offset..e.offset + 9]
        );
    }

    #[test]
    fn document_size_limit_cuts_at_the_document_and_keeps_the_ones_before() {
        let limits = Limits {
            max_document_bytes: 64,
            ..Limits::default()
        };
        let big = format!("# note\n---\nb: {}\n", "x".repeat(100));
        let t = format!("\u{feff}a: 1\n...\n{big}---\nc: 3\n");
        let (docs, err) = parse_all(&t, limits);
        assert_eq!(docs.len(), 1);
        let e = err.unwrap();
        assert_eq!(
            e.message,
            "a YAML document larger than 64 bytes (limit: --max-document-bytes)"
        );
        // The piece starts with the comment before its `---` (offsets count the BOM).
        assert!(t[e.offset..].starts_with("# note\n---\nb: x"));
        // A document of exactly the limit is fine; the whole stream may be larger.
        let doc = format!("---\nk: {}\n", "y".repeat(64 - 8));
        assert_eq!(doc.len(), 64);
        let three = doc.repeat(3);
        let (docs, err) = parse_all(&three, limits);
        assert!(err.is_none());
        assert_eq!(docs.len(), 3);
        // A scalar over the limit is never handed to the parser.
        let long = format!("a: {}\n", "z".repeat(1000));
        let (docs, err) = parse_all(&long, limits);
        assert!(docs.is_empty());
        assert_eq!(err.unwrap().offset, 0);
    }

    #[test]
    fn empty_values_without_a_colon_sit_after_their_key() {
        let t = "{a, b: , c}\n";
        let (docs, err) = parse_all(t, Limits::default());
        assert!(err.is_none());
        let d = &docs[0];
        let root = d.root.unwrap();
        assert_eq!(d.span(d.get(root, "a").unwrap().1), 2..2);
        assert_eq!(d.span(d.get(root, "b").unwrap().1), 6..6);
        assert_eq!(d.span(d.get(root, "c").unwrap().1), 10..10);
    }

    #[test]
    fn an_empty_value_before_a_multibyte_token_does_not_split_it() {
        // The parser reports the empty value at the next token; a BOM (or any multi-byte
        // character) there must not be cut (found by the `parse` fuzz target).
        for t in [
            "? app\n\u{feff}# c\nb: 1\n",
            "? a\n? é\n",
            "{a, é}\n",
            "a:\né: 1\n",
        ] {
            let (docs, _) = parse_all(t, Limits::default());
            for d in &docs {
                for n in &d.nodes {
                    assert!(t.get(n.span.clone()).is_some(), "{t:?}: {:?}", n.span);
                }
            }
        }
    }

    #[test]
    fn scalars_borrow_the_source_unless_unescaped_or_folded() {
        let t = "a: plain\nb: 'it''s'\nc: \"tab\\t\"\nd: \"q\"\ne: two\n  lines\nf: 'q'\n";
        let (docs, _) = parse_all(t, Limits::default());
        let d = &docs[0];
        let root = d.root.unwrap();
        let v = |k: &str| match &d.node(d.get(root, k).unwrap().1).kind {
            Kind::Scalar { value, .. } => (value.to_string(), matches!(value, Cow::Borrowed(_))),
            _ => unreachable!(),
        };
        assert_eq!(v("a"), ("plain".into(), true));
        assert_eq!(v("b"), ("it's".into(), false));
        assert_eq!(v("c"), ("tab\t".into(), false));
        assert_eq!(v("d"), ("q".into(), true));
        assert_eq!(v("e"), ("two lines".into(), false));
        assert_eq!(v("f"), ("q".into(), true));
    }

    #[test]
    fn errors_say_what_was_expected() {
        let (_, e) = parse_all("a: 1\nb: [1, 2\nc: 3\n", Limits::default());
        assert!(e.unwrap().message.contains(
            "flow sequence `[` opened at line 2, column 4 is not closed (expected `,` or `]`)"
        ));
        let (_, e) = parse_all("a: \"open\nb: 2\n", Limits::default());
        assert!(e
            .unwrap()
            .message
            .contains("double-quoted string that starts here is not closed"));
        let (_, e) = parse_all("a:\n\tb: 2\n", Limits::default());
        assert!(e.unwrap().message.contains("spaces only"));
    }

    #[test]
    fn errors_carry_byte_offsets() {
        let t = "a: 1\nb: [1, 2\n";
        let (_, err) = parse_all(t, Limits::default());
        let e = err.unwrap();
        assert!(e.offset > 0 && e.offset <= t.len(), "{e:?}");
    }

    #[test]
    fn scalar_types() {
        let t = "a: 80\nb: \"80\"\nc: eighty\nd: ~\ne: true\nf: 0x10\n";
        let (docs, _) = parse_all(t, Limits::default());
        let d = &docs[0];
        let root = d.root.unwrap();
        let v = |k: &str| d.get(root, k).unwrap().1;
        assert_eq!(d.int(v("a")), Some(80));
        assert_eq!(d.int(v("b")), None);
        assert_eq!(d.string(v("b")), Some("80"));
        assert_eq!(d.string(v("a")), None);
        assert_eq!(d.type_name(v("c")), "a string");
        assert!(d.is_null(v("d")));
        assert_eq!(d.bool(v("e")), Some(true));
        assert_eq!(d.int(v("f")), Some(16));
    }
}
