//! **plan**: the edits that make each gateway's overflow block right (`apply`), computed from the
//! same views and facts as `audit`, as byte-range edits over the original text, then verified by
//! auditing the result before anything is written.

pub mod block;
pub mod edit;
pub mod ops;
pub mod yaml_out;

use std::collections::BTreeMap;
use std::ops::Range;

use crate::check::{self, view};
use crate::locate::{self, ObjectRef};
use crate::read::yaml::{Kind, Stream};
use crate::setup::Setup;
pub use block::{Note, Options};

/// Rules whose findings `apply` resolves; none may remain after it for a gateway it changed.
pub const RESOLVES: &[&str] = &[
    "overflow-block-missing",
    "required-affinity-missing",
    "ecs-not-selected",
    "virtual-not-selected",
    "ecs-taint-not-tolerated",
    "virtual-taint-not-tolerated",
    "ecs-not-preferred",
    "virtual-not-preferred",
    "weights-inverted",
];

/// The result of planning one file.
#[derive(Debug)]
pub struct FilePlan {
    pub new_text: String,
    pub notes: Vec<Note>,
    pub documents: usize,
    pub gateways: usize,
}

impl FilePlan {
    pub fn changed(&self, old: &str) -> bool {
        self.new_text != old
    }
}

/// Why a file cannot be applied to: a parse error, a missing pool flag, or a failed verification.
#[derive(Debug, Clone)]
pub struct PlanError {
    pub offset: Option<usize>,
    pub message: String,
}

/// Whether edit range `a` touches span `b`; an insertion (empty `a`) touches it anywhere after
/// its start up to and including its end.
fn intersects(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
        || (a.start == a.end && b.start < a.start && a.start <= b.end)
}

/// Finds the gateways of a document: `locate::locate` for files; the items of a KRM
/// ResourceList for `spillway krm`.
pub type Locator<'l> =
    &'l dyn Fn(&crate::read::yaml::Document, &Setup) -> Result<Vec<locate::Target>, String>;

/// The file locator: gateways at document roots.
pub fn locate_roots(
    doc: &crate::read::yaml::Document,
    setup: &Setup,
) -> Result<Vec<locate::Target>, String> {
    locate::locate(doc, &setup.locate).map(|l| l.targets)
}

/// What planning the gateways of one document gave.
#[derive(Debug, Default)]
pub struct DocPlan {
    pub edits: Vec<edit::Edit>,
    pub notes: Vec<Note>,
    /// Gateways left unchanged on purpose (shared through anchors, a field of the wrong type).
    pub unplanned: Vec<ObjectRef>,
    /// Gateways that could not be planned (an unknown pool): offset, message, object.
    pub errors: Vec<(usize, String, ObjectRef)>,
    /// Every finding before apply, per object and rule (after suppressions): apply may resolve
    /// findings, never add one.
    pub before: Vec<(Option<ObjectRef>, &'static str)>,
}

/// Plans the gateways of one document, wherever their objects sit in it (the document root,
/// or the items of a KRM ResourceList). `ignores` are the file's suppression comments.
pub fn plan_targets(
    text: &str,
    doc: &crate::read::yaml::Document,
    targets: &[locate::Target],
    setup: &Setup,
    opts: Options,
    ignores: &[check::suppress::Ignore],
) -> DocPlan {
    let mut out = DocPlan::default();
    let mut igs = ignores.to_vec();
    igs.extend(
        targets
            .iter()
            .filter_map(|t| check::suppress::annotation(doc, t)),
    );
    // Each gateway's view, facts and findings, computed once for checking and planning.
    let inventory = setup.inventory.as_ref();
    let per: Vec<_> = targets
        .iter()
        .map(|t| {
            let v = view::read(doc, t);
            let facts = check::facts::compute(&v, &setup.pools, inventory);
            let found = check::check_target(doc, t, &v, &facts, inventory);
            (v, facts, found)
        })
        .collect();
    let mut all: Vec<check::Finding> = per.iter().flat_map(|(_, _, f)| f.iter().cloned()).collect();
    all.extend(check::check_doc_rules(doc, targets));
    check::sort_dedup(&mut all);
    let kept = check::suppress::apply(text, all, &igs, &setup.severities);
    out.before
        .extend(kept.iter().map(|f| (f.object.clone(), f.rule.id)));
    // Spans shared through anchors: editing them would change other objects too.
    // A block collection's span ends at its last child, but an entry appended to it goes on
    // the next line: that line's start belongs to the shared collection too (an insertion
    // there is refused, even when it was meant for a sibling: safe, never wrong).
    let shared: Vec<Range<usize>> = doc
        .nodes
        .iter()
        .filter_map(|n| match n.kind {
            Kind::Alias(t) => {
                let sp = doc.span(t);
                let target = doc.node(doc.resolve(t));
                let collection = matches!(target.kind, Kind::Map(_) | Kind::Seq(_));
                let end = if collection && !target.flow {
                    text[sp.end..]
                        .find('\n')
                        .map_or(text.len(), |p| sp.end + p + 1)
                } else {
                    sp.end
                };
                Some(sp.start..end)
            }
            _ => None,
        })
        .collect();
    for (target, (v, facts, found)) in targets.iter().zip(&per) {
        let mut tnotes = Vec::new();
        let layer = target.primary();
        let pools = match block::pools(facts, doc, &mut tnotes) {
            Ok(p) => p,
            Err(m) => {
                out.errors.push((
                    doc.span(layer.key.unwrap_or(layer.anchor)).start,
                    format!("cannot apply to {}: {m}", describe(&target.object)),
                    target.object.clone(),
                ));
                // Not planned, so verification must not expect its findings resolved.
                out.unplanned.push(target.object.clone());
                continue;
            }
        };
        let mut ops = ops::Ops::new(doc, text);
        // What a suppression or the configuration takes out of apply's hands.
        let mut skip: Vec<&'static str> = found
            .iter()
            .filter(|f| {
                !kept
                    .iter()
                    .any(|k| k.rule.id == f.rule.id && k.primary.span == f.primary.span)
            })
            .map(|f| f.rule.id)
            .collect();
        skip.extend(
            setup
                .severities
                .iter()
                .filter(|(_, s)| s.is_none())
                .map(|(id, _)| *id),
        );
        block::Planner {
            doc,
            target,
            view: v,
            facts,
            pools: &pools,
            opts,
            skip: &skip,
        }
        .plan(&mut ops, &mut tnotes);
        let home = doc.span(layer.node.unwrap_or(layer.anchor));
        let key_col = {
            let first = match layer
                .node
                .and_then(|n| doc.entries(n))
                .and_then(|e| e.first().copied())
            {
                Some((k, _)) => doc.span(k).start,
                None => home.start,
            };
            let ls = text[..first].rfind('\n').map_or(0, |p| p + 1);
            text[ls..first].chars().count()
        };
        let home_end = home_end(text, home.end, key_col);
        let home = home
            .start
            .min(layer.key.map_or(home.start, |k| doc.span(k).start))..home_end;
        let outside = ops
            .edits
            .iter()
            .any(|e| e.range.start < home.start || e.range.end > home.end);
        let through_alias = ops
            .edits
            .iter()
            .any(|e| shared.iter().any(|s| intersects(&e.range, s)));
        if through_alias || outside {
            tnotes.push(Note {
                offset: home.start,
                message: format!(
                    "left {} unchanged: its scheduling fields are shared with other objects through YAML anchors and aliases; edit them by hand",
                    describe(&target.object)
                ),
            });
            out.unplanned.push(target.object.clone());
            out.notes.extend(tnotes);
            continue;
        }
        if tnotes
            .iter()
            .any(|n| n.message.starts_with("left") && n.message.contains("wrong type"))
        {
            out.unplanned.push(target.object.clone());
        }
        out.notes.extend(tnotes);
        for e in ops.edits {
            if !out.edits.contains(&e) {
                out.edits.push(e);
            }
        }
    }
    out
}

/// Where a gateway's pod spec ends for edits: the end of the line holding its last byte, and
/// the comment lines after it indented deeper than its keys (column `col`): they belong to its
/// last nested block, and apply inserts after them.
fn home_end(text: &str, end: usize, col: usize) -> usize {
    let mut at = text[end..].find('\n').map_or(text.len(), |p| end + p + 1);
    while at < text.len() {
        let line_end = text[at..].find('\n').map_or(text.len(), |p| at + p + 1);
        let line = text[at..line_end].trim_end_matches(['\n', '\r']);
        let indent = line.len() - line.trim_start().len();
        if !(line.trim_start().starts_with('#') && indent > col) {
            break;
        }
        at = line_end;
    }
    at
}

/// Applies planned edits to a text, restores its final newline, and verifies the result
/// (see [`verify`]); `documents` is how many the text has.
pub fn finish(
    text: &str,
    setup: &Setup,
    plan: &DocPlan,
    documents: usize,
    locator: Locator,
) -> Result<String, PlanError> {
    if plan.edits.is_empty() {
        // Nothing changes, so the result's findings are the text's own, known from planning:
        // the same check as [`verify`], without reading the text again.
        if let Some((o, rule)) = plan.before.iter().find(|(o, rule)| {
            RESOLVES.contains(rule) && o.as_ref().is_none_or(|o| !plan.unplanned.contains(o))
        }) {
            return Err(PlanError {
                offset: None,
                message: format!(
                    "internal error, nothing written: after apply, {} still reports `{rule}`; please report this with the input",
                    o.as_ref().map_or("a gateway".into(), describe),
                ),
            });
        }
        return Ok(text.to_owned());
    }
    let new_text = edit::apply(text, &plan.edits).map_err(|m| PlanError {
        offset: None,
        message: format!("internal error, nothing written: {m}"),
    })?;
    let new_text = keep_final_newline(text, new_text);
    verify(
        &new_text,
        setup,
        documents,
        &plan.unplanned,
        &plan.before,
        locator,
    )?;
    Ok(new_text)
}

/// Plans every gateway of a file and verifies the result.
pub fn plan_text(text: &str, setup: &Setup, opts: Options) -> Result<FilePlan, PlanError> {
    // Edits are placed by lines that end in LF (or CRLF); YAML also ends a line at a lone CR,
    // which would put them in the wrong place.
    if let Some(p) = text
        .bytes()
        .enumerate()
        .find(|&(i, b)| b == b'\r' && text.as_bytes().get(i + 1) != Some(&b'\n'))
        .map(|(i, _)| i)
    {
        return Err(PlanError {
            offset: Some(p),
            message: "a carriage return that does not end a CRLF line break: apply edits files whose lines end in LF or CRLF (audit reads this file)".into(),
        });
    }
    let mut plan = DocPlan::default();
    let (mut documents, mut gateways) = (0, 0);
    let mut ignores = check::suppress::comments(text);
    let mut stream = Stream::new(text, setup.limits);
    while let Some(doc) = stream.next_document() {
        let doc = doc.map_err(|e| PlanError {
            offset: Some(e.offset),
            message: e.message,
        })?;
        check::suppress::drop_in_scalars(&mut ignores, &doc);
        documents += 1;
        let located = locate::locate(&doc, &setup.locate).map_err(|m| PlanError {
            offset: Some(doc.start),
            message: m,
        })?;
        gateways += located.targets.len();
        let p = plan_targets(text, &doc, &located.targets, setup, opts, &ignores);
        if let Some((offset, message, _)) = p.errors.into_iter().next() {
            return Err(PlanError {
                offset: Some(offset),
                message,
            });
        }
        plan.edits.extend(
            p.edits
                .into_iter()
                .filter(|e| !plan.edits.contains(e))
                .collect::<Vec<_>>(),
        );
        plan.notes.extend(p.notes);
        plan.unplanned.extend(p.unplanned);
        plan.before.extend(p.before);
    }
    let new_text = finish(text, setup, &plan, documents, &locate_roots)?;
    let mut notes = plan.notes;
    notes.sort_by_key(|n| n.offset);
    notes.dedup_by(|a, b| a.offset == b.offset && a.message == b.message);
    Ok(FilePlan {
        new_text,
        notes,
        documents,
        gateways,
    })
}

/// Edits never mean to change whether the file ends with a line break: an insertion or removal
/// at the end of a file without one would add one (or the reverse), so restore it here.
pub fn keep_final_newline(old: &str, mut new: String) -> String {
    if old.is_empty() || new.is_empty() {
        return new;
    }
    match (old.ends_with('\n'), new.ends_with('\n')) {
        (false, true) => {
            let cut = if new.ends_with("\r\n") { 2 } else { 1 };
            new.truncate(new.len() - cut);
        }
        (true, false) => new.push_str(if old.ends_with("\r\n") { "\r\n" } else { "\n" }),
        _ => {}
    }
    new
}

/// How messages name an object (see `ObjectRef`'s `Display`).
pub fn describe(o: &ObjectRef) -> String {
    o.to_string()
}

/// Audits the result: it must parse into as many documents, and no gateway apply changed may
/// still have a finding apply resolves. A failure is a bug in apply; nothing is written.
pub fn verify(
    new_text: &str,
    setup: &Setup,
    documents: usize,
    unplanned: &[ObjectRef],
    before: &[(Option<ObjectRef>, &'static str)],
    locator: Locator,
) -> Result<(), PlanError> {
    let mut after: Vec<(Option<ObjectRef>, &'static str, String)> = Vec::new();
    let comments = check::suppress::comments(new_text);
    let mut stream = Stream::new(new_text, setup.limits);
    let mut n = 0;
    while let Some(doc) = stream.next_document() {
        let doc = doc.map_err(|e| PlanError {
            offset: None,
            message: format!(
                "internal error, nothing written: the result does not parse ({})",
                e.message
            ),
        })?;
        n += 1;
        let targets = locator(&doc, setup).map_err(|m| PlanError {
            offset: None,
            message: m,
        })?;
        let (findings, _) =
            check::check_document(&doc, &targets, &setup.pools, setup.inventory.as_ref());
        // What is suppressed or turned off was left alone on purpose.
        let mut igs = comments.clone();
        check::suppress::drop_in_scalars(&mut igs, &doc);
        igs.extend(
            targets
                .iter()
                .filter_map(|t| check::suppress::annotation(&doc, t)),
        );
        let findings = check::suppress::apply(new_text, findings, &igs, &setup.severities);
        after.extend(
            findings
                .iter()
                .map(|f| (f.object.clone(), f.rule.id, f.message.clone())),
        );
        if let Some(f) = findings.iter().find(|f| {
            RESOLVES.contains(&f.rule.id)
                && f.object.as_ref().is_none_or(|o| !unplanned.contains(o))
        }) {
            return Err(PlanError {
                offset: None,
                message: format!(
                    "internal error, nothing written: after apply, {} still reports `{}` ({}); please report this with the input",
                    f.object.as_ref().map_or("a gateway".into(), describe),
                    f.rule.id,
                    f.message
                ),
            });
        }
    }
    // A finding apply introduced (more findings of a rule on an object than before) is a bug.
    // (Counted once each way: a stream may have thousands of findings.)
    let mut was: BTreeMap<(&Option<ObjectRef>, &str), usize> = BTreeMap::new();
    for (o, r) in before {
        *was.entry((o, r)).or_default() += 1;
    }
    let mut now: BTreeMap<(&Option<ObjectRef>, &str), usize> = BTreeMap::new();
    for (o, r, _) in &after {
        *now.entry((o, r)).or_default() += 1;
    }
    for (obj, rule, message) in &after {
        if *rule == "unused-ignore" {
            continue;
        }
        let key = (obj, *rule);
        if now[&key] > was.get(&key).copied().unwrap_or(0) {
            return Err(PlanError {
                offset: None,
                message: format!(
                    "internal error, nothing written: apply would introduce `{rule}` ({message}); please report this with the input"
                ),
            });
        }
    }
    if n != documents {
        return Err(PlanError {
            offset: None,
            message: format!("internal error, nothing written: the result has {n} documents instead of {documents}"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::keep_final_newline;

    #[test]
    fn a_lone_carriage_return_is_refused_with_its_place() {
        let setup =
            crate::setup::Setup::with_pools(crate::pools::PoolConfig::new(None, None, None, None));
        let opts = super::Options {
            ecs_weight: 80,
            virtual_weight: 20,
            weights_explicit: (false, false),
            fix_node_selector: false,
        };
        let e = super::plan_text("a: 1\r\nb: 2\rc: 3\n", &setup, opts).unwrap_err();
        assert_eq!(e.offset, Some(10));
        assert!(e
            .message
            .starts_with("a carriage return that does not end a CRLF"));
        assert!(super::plan_text("a: 1\r\nb: 2\r\n", &setup, opts).is_ok());
    }

    #[test]
    fn the_final_newline_is_kept_as_it_was() {
        assert_eq!(
            keep_final_newline("a: 1", "a: 1\nb: 2\n".into()),
            "a: 1\nb: 2"
        );
        assert_eq!(
            keep_final_newline("a: 1\r\n", "a: 1\r\nb: 2".into()),
            "a: 1\r\nb: 2\r\n"
        );
        assert_eq!(
            keep_final_newline("a: 1\n", "a: 1\nb: 2\n".into()),
            "a: 1\nb: 2\n"
        );
    }
}
