//! `apply` on one input.
//!
//! Oracles, for every input apply accepts: its output parses, with as many documents; apply is
//! idempotent on it; nothing but the scheduling fields of the gateways changed (documents
//! compared as JSON with `affinity.nodeAffinity` and `tolerations` taken out of every gateway
//! pod spec); no comment line was lost.
#![no_main]

use std::collections::HashMap;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use spillway::locate;
use spillway::plan::{self, Options};
use spillway::read::yaml::Stream;
use spillway::setup::Setup;

#[path = "common.rs"]
mod common;

static SETUP: OnceLock<Setup> = OnceLock::new();

const OPTS: Options = Options {
    ecs_weight: 80,
    virtual_weight: 20,
    weights_explicit: (false, false),
    fix_node_selector: false,
};

/// Each document as JSON with the scheduling fields of its gateways taken out; `None` when one
/// does not parse or is too big to compare.
fn documents(text: &str, setup: &Setup) -> Option<Vec<Value>> {
    let mut out = Vec::new();
    let mut stream = Stream::new(text, setup.limits);
    while let Some(doc) = stream.next_document() {
        let doc = doc.ok()?;
        let located = locate::locate(&doc, &setup.locate).ok()?;
        let mut json = match doc.root {
            Some(r) => doc.to_json(r, &mut 100_000usize)?,
            None => Value::Null,
        };
        for t in &located.targets {
            for layer in &t.layers {
                if let Some(Value::Object(pod)) = json.pointer_mut(&layer.route.pointer()) {
                    if let Some(Value::Object(a)) = pod.get_mut("affinity") {
                        a.remove("nodeAffinity");
                    }
                    if matches!(pod.get("affinity"), Some(Value::Object(a)) if a.is_empty())
                        || matches!(pod.get("affinity"), Some(Value::Null))
                    {
                        pod.remove("affinity");
                    }
                    pod.remove("tolerations");
                }
                // A pod spec apply had to create (`k8s:` of an IstioOperator gateway that had
                // none) or fill (`spec:` with no value) is left empty: an empty or null pod spec
                // is taken out on both sides.
                let ptr = layer.route.pointer();
                if let Some((parent, key)) = ptr.rsplit_once('/') {
                    let empty = match json.pointer(&ptr) {
                        Some(Value::Object(m)) => m.is_empty(),
                        Some(Value::Null) => true,
                        _ => false,
                    };
                    if let (true, Some(Value::Object(p))) = (empty, json.pointer_mut(parent)) {
                        p.remove(&key.replace("~1", "/").replace("~0", "~"));
                    }
                }
            }
        }
        out.push(json);
    }
    Some(out)
}

fn comment_lines(text: &str) -> HashMap<&str, usize> {
    let mut m = HashMap::new();
    for l in text.lines() {
        let t = l.trim();
        if t.starts_with('#') {
            *m.entry(t).or_default() += 1;
        }
    }
    m
}

fuzz_target!(|data: &[u8]| {
    // What the binary reads: UTF-8 without NUL or control characters (`read::from_bytes`).
    let Ok(source) = spillway::read::from_bytes("f".into(), None, data.to_vec()) else {
        return;
    };
    let text = source.text.as_str();
    let setup = SETUP.get_or_init(common::setup);
    let Ok(p) = plan::plan_text(text, setup, OPTS) else {
        return;
    };
    let out = p.new_text;
    if out == text {
        return;
    }
    let before = documents(text, setup);
    let after = documents(&out, setup).expect("apply's output parses and locates");
    if let Some(before) = before {
        assert_eq!(before.len(), after.len(), "document count\n{text}\n---- became\n{out}");
        assert_eq!(before, after, "more than scheduling changed\n{text}\n---- became\n{out}");
    }
    let again = plan::plan_text(&out, setup, OPTS).expect("apply accepts its own output");
    assert_eq!(again.new_text, out, "not idempotent\n{text}\n---- became\n{out}");
    let (cb, ca) = (comment_lines(text), comment_lines(&out));
    for (c, n) in cb {
        assert!(ca.get(c).copied().unwrap_or(0) >= n, "comment `{c}` lost\n{text}\n---- became\n{out}");
    }
});
