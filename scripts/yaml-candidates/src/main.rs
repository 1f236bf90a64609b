//! YAML parser candidate bench. Usage:
//!   yamlproto bench <cand> <file>      best-of-5 in-process timing (MB/s)
//!   yamlproto once  <cand> <file>      parse once (for /usr/bin/time -v, deep nesting, errors)
//!   yamlproto span  <cand> <file> <needle>   report location of scalar == needle
//! cand: saphyr-events | saphyr-cursor | saphyr-tree | yaml-edit | yaml-edit-walk |
//!       serde-saphyr | serde-saphyr-spanned | yaml_serde
use std::borrow::Cow;
use std::time::Instant;

use saphyr_parser::{Event, Parser, Span};

// ---------------- saphyr-parser helpers ----------------

/// Monotone (bidirectional) cursor mapping char index -> byte offset.
struct CharCursor<'a> {
    b: &'a [u8],
    ch: usize,
    by: usize,
}
impl<'a> CharCursor<'a> {
    fn new(s: &'a str) -> Self { Self { b: s.as_bytes(), ch: 0, by: 0 } }
    #[inline]
    fn byte_of(&mut self, ch: usize) -> usize {
        while self.ch < ch {
            // advance one char
            let c = self.b[self.by];
            self.by += if c < 0x80 { 1 } else if c < 0xE0 { 2 } else if c < 0xF0 { 3 } else { 4 };
            self.ch += 1;
        }
        while self.ch > ch {
            self.by -= 1;
            while (self.b[self.by] & 0xC0) == 0x80 { self.by -= 1; }
            self.ch -= 1;
        }
        self.by
    }
}

fn saphyr_events(s: &str) -> usize {
    let mut p = Parser::new_from_str(s);
    let mut n = 0;
    while let Some(ev) = p.next_event() {
        let (_ev, _sp) = ev.expect("parse error");
        n += 1;
    }
    n
}

fn saphyr_cursor(s: &str) -> usize {
    let mut p = Parser::new_from_str(s);
    let mut cur = CharCursor::new(s);
    let mut acc = 0usize;
    while let Some(ev) = p.next_event() {
        let (_ev, sp) = ev.expect("parse error");
        let a = cur.byte_of(sp.start.index());
        let b = cur.byte_of(sp.end.index());
        acc = acc.wrapping_add(a ^ b);
    }
    acc
}

#[allow(dead_code)]
#[derive(Debug)]
enum Node<'a> {
    Scalar { v: Cow<'a, str>, span: (usize, usize), anchor: usize },
    Seq { items: Vec<Node<'a>>, span: (usize, usize), anchor: usize },
    Map { entries: Vec<(Node<'a>, Node<'a>)>, span: (usize, usize), anchor: usize },
    Alias { id: usize, span: (usize, usize) },
}

enum Frame<'a> {
    Seq(Vec<Node<'a>>, usize, usize),
    Map(Vec<(Node<'a>, Node<'a>)>, Option<Node<'a>>, usize, usize),
}

/// Build owned tree with byte spans, iteratively (no recursion). Returns docs.
fn saphyr_tree(s: &str) -> Vec<Node<'_>> {
    let mut p = Parser::new_from_str(s);
    let mut cur = CharCursor::new(s);
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    fn push<'a>(stack: &mut Vec<Frame<'a>>, docs: &mut Vec<Node<'a>>, n: Node<'a>) {
        match stack.last_mut() {
            None => docs.push(n),
            Some(Frame::Seq(v, _, _)) => v.push(n),
            Some(Frame::Map(v, k, _, _)) => match k.take() {
                None => *k = Some(n),
                Some(key) => v.push((key, n)),
            },
        }
    }
    while let Some(ev) = p.next_event() {
        let (ev, sp): (Event, Span) = ev.expect("parse error");
        let a = cur.byte_of(sp.start.index());
        let b = cur.byte_of(sp.end.index());
        match ev {
            Event::Scalar(v, _, anchor, _) => push(&mut stack, &mut docs, Node::Scalar { v, span: (a, b), anchor }),
            Event::Alias(id) => push(&mut stack, &mut docs, Node::Alias { id, span: (a, b) }),
            Event::SequenceStart(anchor, _) => stack.push(Frame::Seq(Vec::new(), a, anchor)),
            Event::MappingStart(anchor, _) => stack.push(Frame::Map(Vec::new(), None, a, anchor)),
            Event::SequenceEnd => {
                if let Some(Frame::Seq(items, st, anchor)) = stack.pop() {
                    push(&mut stack, &mut docs, Node::Seq { items, span: (st, b), anchor });
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map(entries, _, st, anchor)) = stack.pop() {
                    push(&mut stack, &mut docs, Node::Map { entries, span: (st, b), anchor });
                }
            }
            _ => {}
        }
    }
    docs
}

// ---------------- yaml-edit ----------------
fn yaml_edit_parse(s: &str) -> usize {
    let parse = yaml_edit::YamlFile::parse(s);
    parse.positioned_errors().len()
}
fn yaml_edit_walk(s: &str) -> usize {
    use rowan::ast::AstNode;
    let parse = yaml_edit::YamlFile::parse(s);
    let f = parse.tree();
    let mut acc = 0usize;
    for n in f.syntax().descendants() {
        let r = n.text_range();
        acc = acc.wrapping_add(u32::from(r.start()) as usize ^ u32::from(r.end()) as usize);
    }
    acc
}

// ---------------- serde-saphyr generic value ----------------
mod gv {
    use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
    use serde_saphyr::Spanned;
    use std::fmt;

    #[allow(dead_code)]
    #[derive(Debug)]
    pub enum GValue {
        Null, Bool(bool), I64(i64), U64(u64), F64(f64), Str(String),
        Seq(Vec<GValue>), Map(Vec<(GValue, GValue)>),
    }
    #[allow(dead_code)]
    #[derive(Debug)]
    pub enum SValue {
        Null, Bool(bool), I64(i64), U64(u64), F64(f64), Str(String),
        Seq(Vec<Spanned<SValue>>), Map(Vec<(Spanned<SValue>, Spanned<SValue>)>),
    }
    macro_rules! impl_value {
        ($T:ident, $Child:ty) => {
            impl<'de> Deserialize<'de> for $T {
                fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    struct V;
                    impl<'de> Visitor<'de> for V {
                        type Value = $T;
                        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result { f.write_str("any") }
                        fn visit_unit<E: de::Error>(self) -> Result<$T, E> { Ok($T::Null) }
                        fn visit_none<E: de::Error>(self) -> Result<$T, E> { Ok($T::Null) }
                        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<$T, D2::Error> { $T::deserialize(d) }
                        fn visit_bool<E: de::Error>(self, v: bool) -> Result<$T, E> { Ok($T::Bool(v)) }
                        fn visit_i64<E: de::Error>(self, v: i64) -> Result<$T, E> { Ok($T::I64(v)) }
                        fn visit_u64<E: de::Error>(self, v: u64) -> Result<$T, E> { Ok($T::U64(v)) }
                        fn visit_f64<E: de::Error>(self, v: f64) -> Result<$T, E> { Ok($T::F64(v)) }
                        fn visit_str<E: de::Error>(self, v: &str) -> Result<$T, E> { Ok($T::Str(v.to_owned())) }
                        fn visit_string<E: de::Error>(self, v: String) -> Result<$T, E> { Ok($T::Str(v)) }
                        fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<$T, A::Error> {
                            let mut v = Vec::new();
                            while let Some(x) = a.next_element::<$Child>()? { v.push(x); }
                            Ok($T::Seq(v))
                        }
                        fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<$T, A::Error> {
                            let mut v = Vec::new();
                            while let Some((k, x)) = a.next_entry::<$Child, $Child>()? { v.push((k, x)); }
                            Ok($T::Map(v))
                        }
                    }
                    d.deserialize_any(V)
                }
            }
        };
    }
    impl_value!(GValue, GValue);
    impl_value!(SValue, Spanned<SValue>);
}

fn ss_options() -> serde_saphyr::Options {
    let mut o = serde_saphyr::Options::default();
    if std::env::var("SS_DEFAULT_BUDGET").is_err() {
        // default budget (max_events 1M, max_depth 64) is too small for the 6 MB corpus
        let mut b = o.budget.clone().unwrap_or_default();
        b.max_events = usize::MAX;
        b.max_nodes = usize::MAX;
        b.max_total_scalar_bytes = usize::MAX;
        b.max_documents = usize::MAX;
        if let Ok(d) = std::env::var("SS_MAX_DEPTH") { b.max_depth = d.parse().unwrap(); b.flow_nesting_limit = d.parse().unwrap(); }
        o.budget = Some(b);
    }
    o
}
fn serde_saphyr_parse(s: &str) -> usize {
    let v: Vec<gv::GValue> = serde_saphyr::from_multiple_with_options(s, ss_options()).unwrap_or_else(|e| panic!("serde-saphyr error: {e}"));
    v.len()
}
fn serde_saphyr_spanned(s: &str) -> usize {
    let v: Vec<serde_saphyr::Spanned<gv::SValue>> = serde_saphyr::from_multiple_with_options(s, ss_options()).unwrap_or_else(|e| panic!("serde-saphyr error: {e}"));
    v.len()
}

// ---------------- yaml_serde ----------------
fn yaml_serde_parse(s: &str) -> usize {
    use serde::Deserialize;
    let mut n = 0;
    for doc in yaml_serde::Deserializer::from_str(s) {
        let v = yaml_serde::Value::deserialize(doc).unwrap_or_else(|e| panic!("yaml_serde error: {e}"));
        std::hint::black_box(&v);
        n += 1;
    }
    n
}

fn run(cand: &str, s: &str) -> usize {
    match cand {
        "saphyr-events" => saphyr_events(s),
        "saphyr-cursor" => saphyr_cursor(s),
        "saphyr-tree" => { let t = saphyr_tree(s); let n = t.len(); std::hint::black_box(&t); n }
        "yaml-edit" => yaml_edit_parse(s),
        "yaml-edit-walk" => yaml_edit_walk(s),
        "serde-saphyr" => serde_saphyr_parse(s),
        "serde-saphyr-spanned" => serde_saphyr_spanned(s),
        "yaml_serde" => yaml_serde_parse(s),
        _ => panic!("unknown candidate {cand}"),
    }
}

// ---------------- span checks ----------------
fn span_check(cand: &str, s: &str, needle: &str) {
    let truth = s.find(needle).map(|b| (b, b + needle.len()));
    let bytes = s.as_bytes();
    let slice = |a: usize, b: usize| String::from_utf8_lossy(bytes.get(a..b).unwrap_or(b"<oob>")).into_owned();
    println!("truth byte range: {truth:?}");
    match cand {
        "saphyr-events" | "saphyr-cursor" | "saphyr-tree" => {
            let mut p = Parser::new_from_str(s);
            let mut cur = CharCursor::new(s);
            let mut depth = 0;
            while let Some(ev) = p.next_event() {
                let (ev, sp) = match ev { Ok(x) => x, Err(e) => { println!("error: {e}"); break } };
                let (ci, ce) = (sp.start.index(), sp.end.index());
                let (a, b) = (cur.byte_of(ci), cur.byte_of(ce));
                let show = std::env::var("SHOW_ALL").is_ok();
                match &ev {
                    Event::SequenceStart(..) | Event::MappingStart(..) => depth += 1,
                    Event::SequenceEnd | Event::MappingEnd => depth -= 1,
                    _ => {}
                }
                let hit = matches!(&ev, Event::Scalar(v, ..) if v == needle);
                if hit || show {
                    println!("{:>2} {:?} raw marker: idx {}..{} line {} col {} (end line {} col {}); raw idx as bytes -> {:?}; cursor bytes {}..{} -> {:?}",
                        depth, ev, ci, ce, sp.start.line(), sp.start.col(), sp.end.line(), sp.end.col(), slice(ci, ce), a, b, slice(a, b));
                }
            }
        }
        "yaml-edit" | "yaml-edit-walk" => {
            use rowan::ast::AstNode;
            let parse = yaml_edit::YamlFile::parse(s);
            println!("errors: {:?}", parse.errors());
            let f = parse.tree();
            for t in f.syntax().descendants_with_tokens() {
                if let Some(tok) = t.as_token() {
                    if tok.text() == needle {
                        let r = tok.text_range();
                        let (a, b) = (u32::from(r.start()) as usize, u32::from(r.end()) as usize);
                        let lc = yaml_edit::byte_offset_to_line_column(s, a);
                        println!("token {:?} range {a}..{b} -> {:?}; line/col (1-based helper) {}:{}; parent {:?}",
                            tok.kind(), slice(a, b), lc.line, lc.column, tok.parent().map(|p| (p.kind(), p.text_range())));
                    }
                }
            }
            println!("round-trip lossless: {}", f.to_string() == s);
        }
        "serde-saphyr" | "serde-saphyr-spanned" => {
            use serde_saphyr::Spanned;
            let docs: Vec<Spanned<gv::SValue>> = match serde_saphyr::from_multiple_with_options(s, ss_options()) {
                Ok(d) => d, Err(e) => { println!("error: {e}"); return }
            };
            fn walk(v: &Spanned<gv::SValue>, needle: &str, s: &str) {
                match &v.value {
                    gv::SValue::Str(x) if x == needle => {
                        let l = v.referenced;
                        let sp = l.span();
                        let bo = sp.byte_offset().map(|x| x as usize);
                        let bl = sp.byte_len().map(|x| x as usize);
                        let sl = match (bo, bl) { (Some(a), Some(n)) => String::from_utf8_lossy(s.as_bytes().get(a..a + n).unwrap_or(b"<oob>")).into_owned(), _ => "<none>".into() };
                        println!("scalar at line {} col {}; char offset {} len {}; byte_offset {:?} byte_len {:?} -> {:?}",
                            l.line(), l.column(), sp.offset(), sp.len(), bo, bl, sl);
                    }
                    gv::SValue::Seq(xs) => xs.iter().for_each(|x| walk(x, needle, s)),
                    gv::SValue::Map(xs) => xs.iter().for_each(|(k, x)| { walk(k, needle, s); walk(x, needle, s) }),
                    _ => {}
                }
            }
            for d in &docs {
                let l = d.referenced; let sp = l.span();
                println!("doc root: line {} col {} char off {} byte off {:?} len {:?}", l.line(), l.column(), sp.offset(), sp.byte_offset(), sp.byte_len());
                walk(d, needle, s);
            }
        }
        "yaml_serde" => {
            println!("yaml_serde::Value carries no spans; only Error::location() is available");
        }
        _ => panic!(),
    }
}

fn errors(cand: &str, s: &str) {
    match cand {
        "saphyr-events" | "saphyr-cursor" | "saphyr-tree" => {
            let mut p = Parser::new_from_str(s);
            let mut n = 0;
            while let Some(ev) = p.next_event() {
                match ev {
                    Ok(_) => n += 1,
                    Err(e) => { let m = e.marker(); println!("after {n} events: ERR {e} [marker idx {} line {} col {}]", m.index(), m.line(), m.col()); return }
                }
            }
            println!("OK ({n} events)");
        }
        "yaml-edit" | "yaml-edit-walk" => {
            let parse = yaml_edit::YamlFile::parse(s);
            if parse.ok() { println!("OK (no errors)"); }
            for e in parse.errors() { println!("ERR {e}"); }
            for e in parse.positioned_errors() { println!("  kind {:?} range {:?} code {:?}", e.kind, e.range, e.code); }
            let f = parse.tree();
            for d in f.documents() {
                let v = yaml_edit::validator::Validator::new().validate(&d);
                for x in v { println!("  validator: {x}"); }
            }
        }
        "serde-saphyr" | "serde-saphyr-spanned" => {
            match serde_saphyr::from_multiple_with_options::<gv::GValue>(s, ss_options()) {
                Ok(v) => println!("OK ({} docs)", v.len()),
                Err(e) => { println!("ERR {e}"); if let Some(l) = e.location() { println!("  location line {} col {} char off {} byte off {:?}", l.line(), l.column(), l.span().offset(), l.span().byte_offset()); } }
            }
        }
        "yaml_serde" => {
            use serde::Deserialize;
            for doc in yaml_serde::Deserializer::from_str(s) {
                match yaml_serde::Value::deserialize(doc) {
                    Ok(_) => println!("doc OK"),
                    Err(e) => { println!("ERR {e}"); if let Some(l) = e.location() { println!("  location index {} line {} col {}", l.index(), l.line(), l.column()); } break }
                }
            }
        }
        _ => panic!(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (mode, cand, path) = (&args[1], &args[2], &args[3]);
    let raw = std::fs::read(path).unwrap();
    let s = String::from_utf8(raw).expect("utf8");
    match mode.as_str() {
        "bench" => {
            let mb = s.len() as f64 / 1e6;
            let mut best = f64::MAX;
            let mut r = 0;
            for _ in 0..5 {
                let t = Instant::now();
                r = std::hint::black_box(run(cand, &s));
                best = best.min(t.elapsed().as_secs_f64());
            }
            println!("{cand}\t{:.1} MB/s\tbest {:.1} ms\t({} bytes, result {r})", mb / best, best * 1e3, s.len());
        }
        "once" => { let r = run(cand, &s); println!("{cand} ok result {r}"); }
        "span" => span_check(cand, &s, &args[4]),
        "err" => errors(cand, &s),
        _ => panic!("mode"),
    }
}
