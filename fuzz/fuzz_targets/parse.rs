//! The reader: bytes → text → documents, whole and piece by piece.
//!
//! Oracles: no panic; every node's span lies in the text on character boundaries; a stream read
//! piece by piece (`read::chunks`) gives back exactly the text, and, when both reads succeed,
//! the same documents (as JSON) as the whole read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spillway::read::chunks::Chunks;
use spillway::read::yaml::{Document, NodeId, Stream};

#[path = "common.rs"]
mod common;

fn json_of(doc: &Document) -> Option<serde_json::Value> {
    match doc.root {
        Some(r) => doc.to_json(r, &mut 100_000usize),
        None => Some(serde_json::Value::Null),
    }
}

fuzz_target!(|data: &[u8]| {
    let limits = common::limits();
    let whole = spillway::read::from_bytes("f".into(), None, data.to_vec());
    let chunks: Vec<_> = Chunks::new(data, "f".into(), limits.max_document_bytes).collect();
    let Ok(src) = whole else {
        assert!(chunks.iter().any(Result::is_err), "bad bytes read fine in pieces");
        return;
    };
    let text = src.text.as_str();
    let pieces: Vec<_> = chunks.into_iter().map(|c| c.expect("good bytes")).collect();
    assert_eq!(pieces.iter().map(|c| c.text.as_str()).collect::<String>(), text);

    let mut whole_docs = Vec::new();
    let mut whole_ok = true;
    let mut stream = Stream::new(text, limits);
    while let Some(doc) = stream.next_document() {
        let Ok(doc) = doc else {
            whole_ok = false;
            break;
        };
        for n in &doc.nodes {
            assert!(n.span.start <= n.span.end && n.span.end <= text.len(), "{:?}", n.span);
            assert!(text.is_char_boundary(n.span.start) && text.is_char_boundary(n.span.end));
        }
        for i in 0..doc.nodes.len() {
            let id = NodeId(i as u32);
            let _ = doc.entries(id);
            let _ = doc.get(id, "spec");
            let _ = doc.type_name(id);
        }
        whole_docs.push(json_of(&doc));
    }

    let mut piece_docs = Vec::new();
    let mut pieces_ok = true;
    for c in &pieces {
        let mut stream = Stream::new(&c.text, limits);
        while let Some(doc) = stream.next_document() {
            match doc {
                Ok(doc) => piece_docs.push(json_of(&doc)),
                Err(_) => {
                    pieces_ok = false;
                    break;
                }
            }
        }
        if !pieces_ok {
            break;
        }
    }
    if whole_ok && pieces_ok {
        assert_eq!(whole_docs, piece_docs, "whole and piecewise reads differ");
    }
});
