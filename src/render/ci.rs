//! Output for CI systems: SARIF 2.1.0 (GitHub code scanning and other viewers), GitHub workflow
//! commands (annotations on the pull request), and GitLab Code Quality reports.

use serde_json::{json, Value};

use super::{positions, FileReport};
use crate::check::Severity;
use crate::read::excerpt::Excerpts;
use crate::rules::RULES;

/// A stable 64-bit FNV-1a hash as hex: fingerprints must not change between spillway builds.
fn fnv1a(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// What identifies a finding across commits: the rule, the file, the object (kind, namespace,
/// name, component) and the field path, or the flagged text where there is no path; never a
/// line or an offset, which move when lines are added above. Repeats of the same identity in a
/// file get an ordinal.
fn fingerprints(r: &FileReport) -> Vec<String> {
    let file = relative(&r.name);
    let mut seen: Vec<String> = Vec::new();
    r.findings
        .iter()
        .map(|f| {
            let (kind, ns, name, component) = f.object.as_ref().map_or(("", "", "", ""), |o| {
                (
                    o.kind.as_str(),
                    o.namespace.as_str(),
                    o.name.as_str(),
                    o.component.as_deref().unwrap_or(""),
                )
            });
            let at = match &f.primary.path {
                Some(p) => p.clone(),
                None => {
                    let s = f.primary.span.start.min(r.text.len());
                    let e = f.primary.span.end.clamp(s, r.text.len());
                    let t = r.text.slice(&(s..e)).unwrap_or_default();
                    format!(
                        "text:{}",
                        t.char_indices().nth(200).map_or(t, |(i, _)| &t[..i])
                    )
                }
            };
            let base = fnv1a(&[f.rule.id, &file, kind, ns, name, component, &at]);
            let n = seen.iter().filter(|b| **b == base).count();
            seen.push(base.clone());
            if n == 0 {
                base
            } else {
                fnv1a(&[&base, &n.to_string()])
            }
        })
        .collect()
}

/// A report name relative to the working folder when it lies below it (code scanning resolves
/// `artifactLocation.uri` against the repository root).
fn relative(name: &str) -> String {
    crate::read::relative_name(std::path::Path::new(name))
}

/// Where a file is: a URI relative to the working folder (`%SRCROOT%`), or an absolute `file://`
/// URI for a file outside it.
fn artifact(name: &str) -> Value {
    let rel = relative(name);
    if std::path::Path::new(&rel).is_absolute() {
        json!({"uri": format!("file://{}", uri(&rel))})
    } else {
        json!({"uri": uri(&rel), "uriBaseId": "%SRCROOT%"})
    }
}

/// A file name as a relative URI reference (percent-encoded; `/` separators).
fn uri(name: &str) -> String {
    let mut s = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn region(lines: &Excerpts, span: &std::ops::Range<usize>) -> Value {
    let (l, c, el, ec) = positions(lines, span);
    // An empty span is an insertion point, which SARIF allows (startColumn == endColumn).
    json!({"startLine": l, "startColumn": c, "endLine": el, "endColumn": ec})
}

/// A physical location with the flagged text and the whole lines around it, so that viewers
/// can show it without the file.
fn physical(lines: &Excerpts, name: &str, span: &std::ops::Range<usize>) -> Value {
    let mut flagged = region(lines, span);
    // The kept text around the span, and where it starts in the file.
    let (text, base, _) = lines.around(span.start).unwrap_or(("", 0, 0));
    let s = span.start.saturating_sub(base).min(text.len());
    let e = span.end.saturating_sub(base).clamp(s, text.len());
    if e > s {
        flagged["snippet"] = json!({"text": &text[s..e]});
    }
    let line_start = |o: usize| text[..o].rfind('\n').map_or(0, |p| p + 1);
    let line_end = |o: usize| text[o..].find('\n').map_or(text.len(), |p| o + p);
    let ctx = line_start(line_start(s).saturating_sub(1))
        ..line_end(
            line_end(e)
                .min(text.len())
                .saturating_add(1)
                .min(text.len()),
        );
    let mut context = region(lines, &(ctx.start + base..ctx.end + base));
    context["snippet"] = json!({"text": &text[ctx.clone()]});
    json!({
        "artifactLocation": artifact(name),
        "region": flagged,
        "contextRegion": context
    })
}

/// SARIF 2.1.0, one run, with every rule described in `tool.driver.rules`.
pub fn sarif(reports: &[FileReport], strict_success: bool) -> String {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.id.split('-').map(|w| {
                    let mut c = w.chars();
                    c.next().map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
                }).collect::<String>(),
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.summary},
                "help": {"text": r.explanation.trim(), "markdown": r.explanation.trim()},
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": {"tags": ["kubernetes", "scheduling", "alibaba-cloud-eci"]}
            })
        })
        .collect();
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for r in reports {
        let location = |span: &std::ops::Range<usize>| physical(&r.text, &r.name, span);
        let prints = fingerprints(r);
        for (f, print) in r.findings.iter().zip(&prints) {
            let rule_index = RULES
                .iter()
                .position(|x| std::ptr::eq(*x, f.rule))
                .unwrap_or(0);
            let mut message = f.message.clone();
            if let Some(h) = &f.help {
                message.push_str(&format!(" (help: {h})"));
            }
            let related: Vec<Value> = f
                .related
                .iter()
                .enumerate()
                .map(|(i, l)| json!({"id": i + 1, "physicalLocation": location(&l.span), "message": {"text": l.message}}))
                .collect();
            let mut result = json!({
                "ruleId": f.rule.id,
                "ruleIndex": rule_index,
                "level": level(f.severity),
                "message": {"text": message},
                "locations": [{"physicalLocation": location(&f.primary.span)}],
                "partialFingerprints": {"spillwayFinding/v1": print}
            });
            if !related.is_empty() {
                result["relatedLocations"] = Value::Array(related);
            }
            results.push(result);
        }
        if let Some(e) = &r.error {
            let mut n = json!({"level": "error", "message": {"text": format!("{}: {}", r.name, e.message)}, "descriptor": {"id": "parse-error"}});
            if let Some(o) = e.offset {
                n["locations"] = json!([{"physicalLocation": location(&(o..o))}]);
            }
            notifications.push(n);
        }
    }
    let cwd = std::env::current_dir().ok().map(|p| {
        format!(
            "file://{}/",
            uri(&p.to_string_lossy()).trim_end_matches('/')
        )
    });
    let mut run = json!({
        "tool": {"driver": {
            "name": "spillway",
            "version": env!("CARGO_PKG_VERSION"),
            "semanticVersion": env!("CARGO_PKG_VERSION"),
            "rules": rules
        }},
        "columnKind": "unicodeCodePoints",
        "results": results,
        "invocations": [{"executionSuccessful": notifications.is_empty() && strict_success, "toolExecutionNotifications": notifications}]
    });
    if let Some(cwd) = cwd {
        run["originalUriBaseIds"] = json!({"%SRCROOT%": {"uri": cwd}});
    }
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run]
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("serializable");
    s.push('\n');
    s
}

/// Escapes a workflow command's message.
fn gh_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn gh_prop(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` per finding.
pub fn github(reports: &[FileReport]) -> String {
    let mut out = String::new();
    for r in reports {
        let lines = &r.text;
        for f in &r.findings {
            let (l, c, el, ec) = positions(lines, &f.primary.span);
            let kind = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            let mut message = f.message.clone();
            if let Some(h) = &f.help {
                message.push_str(&format!("\nhelp: {h}"));
            }
            out.push_str(&format!(
                "::{kind} file={},line={l},col={c},endLine={el},endColumn={ec},title={}::{}\n",
                gh_prop(&relative(&r.name)),
                gh_prop(f.rule.id),
                gh_data(&message)
            ));
        }
        if let Some(e) = &r.error {
            let pos = e.offset.map_or(String::new(), |o| {
                let (l, c) = lines.line_col(o);
                format!(",line={l},col={c}")
            });
            out.push_str(&format!(
                "::error file={}{pos},title=parse-error::{}\n",
                gh_prop(&relative(&r.name)),
                gh_data(&e.message)
            ));
        }
    }
    out
}

/// A GitLab Code Quality report (the JSON array GitLab reads as a `codequality` artifact).
pub fn gitlab(reports: &[FileReport]) -> String {
    let mut issues = Vec::new();
    for r in reports {
        let lines = &r.text;
        let path = relative(&r.name);
        for (f, print) in r.findings.iter().zip(fingerprints(r)) {
            let (l, _, el, _) = positions(lines, &f.primary.span);
            issues.push(json!({
                "description": format!("{}: {}", f.rule.id, f.message),
                "check_name": f.rule.id,
                "fingerprint": print,
                "severity": match f.severity { Severity::Error => "major", Severity::Warning => "minor", Severity::Info => "info" },
                "location": {"path": path, "lines": {"begin": l, "end": el}}
            }));
        }
        if let Some(e) = &r.error {
            let line = e.offset.map_or(1, |o| lines.line_col(o).0);
            issues.push(json!({
                "description": format!("parse-error: {}", e.message),
                "check_name": "parse-error",
                "fingerprint": fnv1a(&["parse-error", &path]),
                "severity": "blocker",
                "location": {"path": path, "lines": {"begin": line}}
            }));
        }
    }
    let mut s = serde_json::to_string_pretty(&Value::Array(issues)).expect("serializable");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stable_and_escapes_are_right() {
        // Pinned: a changed hash would re-open every finding in code scanning.
        assert_eq!(fnv1a(&["a", "b"]), fnv1a(&["a", "b"]));
        assert_ne!(fnv1a(&["ab", ""]), fnv1a(&["a", "b"]));
        // One empty part hashes the NUL separator alone: FNV-1a("\\0") is af63bd4c8601b7df.
        assert_eq!(fnv1a(&[""]), "af63bd4c8601b7df");
        assert_eq!(gh_prop("a,b:c%"), "a%2Cb%3Ac%25");
        assert_eq!(gh_data("x\ny"), "x%0Ay");
        assert_eq!(uri("dir/my gw.yaml"), "dir/my%20gw.yaml");
    }
}
