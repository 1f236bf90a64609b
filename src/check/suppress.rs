//! Suppressions and severity overrides, applied to a file's findings after the rules ran.
//!
//! - `# spillway: ignore[RULE,...]` on any line of a finding's primary span, or on the line just
//!   before it, suppresses those rules there;
//! - the annotation `spillway.dev/ignore: RULE,...` on an object (for generated YAML, where
//!   comments do not survive) suppresses those rules for the whole object;
//! - a suppression that suppresses nothing is itself reported (`unused-ignore`);
//! - the configuration's `rules:` changes a rule's severity or turns it off.

use std::ops::Range;

use crate::check::{Finding, Label, Severity};
use crate::locate::ObjectRef;
use crate::read::yaml::{Document, Kind, Seg};

/// The annotation that suppresses rules for one object.
pub const ANNOTATION: &str = "spillway.dev/ignore";

/// One suppression: where it is written and which rules it names.
#[derive(Debug, Clone)]
pub struct Ignore {
    /// The comment or annotation value.
    pub span: Range<usize>,
    /// For a comment, its (1-based) line; `None` for an annotation.
    pub line: Option<usize>,
    /// For an annotation, the object it is on (document index and identity).
    pub object: Option<(usize, ObjectRef)>,
    /// Rule ids with the span of each, to report an unused one precisely.
    pub rules: Vec<(String, Range<usize>)>,
}

/// Parses `RULE, RULE` at `base`, returning each id with its span.
fn rule_list(list: &str, base: usize) -> Vec<(String, Range<usize>)> {
    let mut out = Vec::new();
    let mut pos = 0;
    for part in list.split(',') {
        let trimmed = part.trim();
        if !trimmed.is_empty() {
            let start = base + pos + (part.len() - part.trim_start().len());
            out.push((trimmed.to_owned(), start..start + trimmed.len()));
        }
        pos += part.len() + 1;
    }
    out
}

/// Every `# spillway: ignore[...]` comment of a text. The text is searched for the marker
/// (a fast substring search; most files have none) and only lines holding it are looked at.
pub fn comments(text: &str) -> Vec<Ignore> {
    const MARK: &str = "spillway: ignore[";
    let mut out = Vec::new();
    // Line number and start of the last line looked at, counted forward from there.
    let (mut line_no, mut counted_to) = (1, 0);
    let mut last_line_start = None;
    // Built once: this runs for every piece of every input.
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(MARK));
    for at in FINDER.find_iter(text.as_bytes()) {
        let line_start = memchr::memrchr(b'\n', &text.as_bytes()[..at]).map_or(0, |p| p + 1);
        if last_line_start == Some(line_start) {
            continue; // one comment per line: the first marker after its `#`
        }
        line_no += memchr::memchr_iter(b'\n', &text.as_bytes()[counted_to..line_start]).count();
        counted_to = line_start;
        let line_end = memchr::memchr(b'\n', &text.as_bytes()[at..]).map_or(text.len(), |p| at + p);
        let line = &text[line_start..line_end];
        let Some(hash) = line.find('#') else {
            continue;
        };
        let Some(at) = line[hash..].find(MARK) else {
            continue;
        };
        last_line_start = Some(line_start);
        let list_start = hash + at + MARK.len();
        if let Some(close) = line[list_start..].find(']') {
            let list = &line[list_start..list_start + close];
            out.push(Ignore {
                span: line_start + hash..line_start + list_start + close + 1,
                line: Some(line_no),
                object: None,
                rules: rule_list(list, line_start + list_start),
            });
        }
    }
    out
}

/// Drops the comment suppressions that are not comments but text inside a scalar of `doc` (a
/// runbook in a ConfigMap that quotes `# spillway: ignore[...]`); `doc` was read from the same
/// text as the suppressions.
pub fn drop_in_scalars(ignores: &mut Vec<Ignore>, doc: &Document) {
    if ignores.iter().all(|i| i.line.is_none()) {
        return;
    }
    ignores.retain(|ig| {
        ig.line.is_none()
            || !doc.nodes.iter().any(|n| {
                matches!(n.kind, Kind::Scalar { .. })
                    && n.span.start <= ig.span.start
                    && ig.span.start < n.span.end
            })
    });
}

/// The `spillway.dev/ignore` annotation of a gateway's object (read from the object's own root,
/// which is the document root or a ResourceList item).
pub fn annotation(doc: &Document, target: &crate::locate::Target) -> Option<Ignore> {
    let root = target.root;
    let object = &target.object;
    let path = [Seg::Key("metadata".into()), Seg::Key("annotations".into())];
    let ann = doc.at(root, &path)?;
    let (_, v) = doc.get(ann, ANNOTATION)?;
    let n = doc.node(doc.resolve(v));
    let Kind::Scalar { value, .. } = &n.kind else {
        return None;
    };
    // Ids are located inside the scalar's text when it is written plain or quoted on one line.
    let inner = n.span.start
        + usize::from(!matches!(
            n.kind,
            Kind::Scalar {
                style: crate::read::yaml::Style::Plain,
                ..
            }
        ));
    Some(Ignore {
        span: n.span.clone(),
        line: None,
        object: Some((doc.index, object.clone())),
        rules: rule_list(value, inner),
    })
}

/// Applies severity overrides, then suppressions; returns the kept findings and one
/// `unused-ignore` finding per rule id of a suppression that suppressed nothing.
pub fn apply(
    text: &str,
    mut findings: Vec<Finding>,
    ignores: &[Ignore],
    severities: &[(&'static str, Option<Severity>)],
) -> Vec<Finding> {
    findings.retain_mut(
        |f| match severities.iter().find(|(id, _)| *id == f.rule.id) {
            Some((_, None)) => false,
            Some((_, Some(s))) => {
                f.severity = *s;
                true
            }
            None => true,
        },
    );
    if ignores.is_empty() {
        return findings;
    }
    let mut used: Vec<Vec<bool>> = ignores.iter().map(|i| vec![false; i.rules.len()]).collect();
    let bytes = text.as_bytes();
    findings.retain(|f| {
        // A comment covers the lines of the primary span and the line before them: it must
        // start between the start of the line before and the end of the span's last line.
        // (Found from the span, not by numbering every line: a file may have many documents.)
        let start = f.primary.span.start.min(bytes.len());
        let end = f.primary.span.end.clamp(start, bytes.len());
        let first = memchr::memrchr(b'\n', &bytes[..start]).map_or(0, |p| p + 1);
        let before = match first {
            0 => 0,
            _ => memchr::memrchr(b'\n', &bytes[..first - 1]).map_or(0, |p| p + 1),
        };
        let last_end = memchr::memchr(b'\n', &bytes[end..]).map_or(bytes.len(), |p| end + p);
        let mut suppressed = false;
        for (ig, u) in ignores.iter().zip(used.iter_mut()) {
            let covers = match (&ig.line, &ig.object) {
                (Some(_), _) => ig.span.start >= before && ig.span.start <= last_end,
                (None, Some((doc, obj))) => {
                    f.document == *doc
                        && f.object.as_ref().is_some_and(|o| {
                            o.kind == obj.kind && o.name == obj.name && o.namespace == obj.namespace
                        })
                }
                (None, None) => false,
            };
            if !covers {
                continue;
            }
            for (i, (id, _)) in ig.rules.iter().enumerate() {
                if id == f.rule.id || id == "all" {
                    u[i] = true;
                    suppressed = true;
                }
            }
        }
        !suppressed
    });
    let rule = crate::rules::find("unused-ignore").expect("registered");
    for (ig, u) in ignores.iter().zip(&used) {
        for ((id, span), used) in ig.rules.iter().zip(u) {
            if *used {
                continue;
            }
            let known = id == "all" || crate::rules::find(id).is_some();
            let why = if known {
                format!("`{id}` is suppressed here, but no `{id}` finding is there to suppress")
            } else {
                format!("`{id}` is not a spillway rule (`spillway rules` lists them)")
            };
            findings.push(Finding {
                rule,
                severity: severities
                    .iter()
                    .find(|(r, _)| *r == rule.id)
                    .map_or(Some(rule.severity), |(_, s)| *s)
                    .unwrap_or(Severity::Info),
                message: why,
                help: Some("remove it, so that it does not hide a future mistake".into()),
                primary: Label {
                    span: span.clone(),
                    message: "suppresses nothing".into(),
                    path: None,
                },
                related: Vec::new(),
                document: ig.object.as_ref().map_or(0, |(d, _)| *d),
                object: ig.object.as_ref().map(|(_, o)| o.clone()),
            });
        }
    }
    if severities
        .iter()
        .any(|(id, s)| *id == rule.id && s.is_none())
    {
        findings.retain(|f| f.rule.id != rule.id);
    }
    crate::check::sort_dedup(&mut findings);
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_grammar() {
        let t = "a: 1\nb: 2  # spillway: ignore[rule-a, rule-b]\n# spillway: ignore[x]\n# spillway: ignore rule-c\n";
        let ig = comments(t);
        assert_eq!(ig.len(), 2);
        assert_eq!(ig[0].line, Some(2));
        let ids: Vec<&str> = ig[0].rules.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(ids, ["rule-a", "rule-b"]);
        assert_eq!(&t[ig[0].rules[1].1.clone()], "rule-b");
        assert_eq!(ig[1].line, Some(3));
    }

    #[test]
    fn comment_lines_are_counted_across_skipped_ones() {
        let t = "x: 'spillway: ignore[no]'\n\na: 1 # spillway: ignore[r1] spillway: ignore[r2]\n#\n# spillway: ignore[r3]\n";
        let ig = comments(t);
        let got: Vec<(Option<usize>, &str)> =
            ig.iter().map(|i| (i.line, i.rules[0].0.as_str())).collect();
        assert_eq!(got, [(Some(3), "r1"), (Some(5), "r3")]);
    }
}
