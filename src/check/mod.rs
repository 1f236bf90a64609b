//! **check**: reads each gateway's scheduling fields into a typed view, computes facts once, and
//! runs every rule of the registry over them. Findings carry byte spans and routes; rendering
//! them is [`crate::render`]'s job.

pub mod facts;
pub mod near;
pub mod suppress;
pub mod view;

use std::ops::Range;

use serde::Serialize;

use crate::locate::{ObjectRef, Target};
use crate::pools::{Inventory, PoolConfig};
use crate::read::yaml::{Document, NodeId, Route};
use crate::rules::Rule;

/// How much a finding matters; `error` fails the run (exit 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A labelled span of the file.
#[derive(Debug, Clone)]
pub struct Label {
    pub span: Range<usize>,
    pub message: String,
    /// JSON Pointer of the node, when it is in a document.
    pub path: Option<String>,
}

/// One problem: the rule, what is wrong, where (primary span and related spans), how to fix it.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static Rule,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    pub primary: Label,
    pub related: Vec<Label>,
    pub document: usize,
    pub object: Option<ObjectRef>,
}

impl Finding {
    /// Moves every span by `by` bytes (a finding made in a piece of a stream, placed in it).
    pub fn shift(&mut self, by: usize) {
        for l in std::iter::once(&mut self.primary).chain(&mut self.related) {
            l.span = l.span.start + by..l.span.end + by;
        }
    }
}

/// Everything a pod-level rule reads.
pub struct PodCtx<'c, 'a> {
    pub doc: &'c Document<'a>,
    pub target: &'c Target,
    pub view: &'c view::PodView,
    pub facts: &'c facts::Facts,
    pub inventory: Option<&'c Inventory>,
}

/// Everything a document-level rule reads.
pub struct DocCtx<'c, 'a> {
    pub doc: &'c Document<'a>,
    pub targets: &'c [Target],
}

/// Everything a node-inventory rule reads: the inventory and the pools as configured (with the
/// ECS labels every gateway inferred, when no flag gave one).
pub struct NodesCtx<'c> {
    pub inventory: &'c Inventory,
    pub pools: &'c PoolConfig,
    /// ECS labels and taints the gateways inferred from their manifests (used where no flag
    /// gives them).
    pub ecs_labels: &'c [crate::pools::Label],
    pub ecs_taints: &'c [crate::k8s::Taint],
}

impl PodCtx<'_, '_> {
    /// Starts a finding at a node of the document.
    pub fn finding(
        &self,
        rule: &'static Rule,
        at: NodeId,
        route: &Route,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            rule,
            severity: rule.severity,
            message: message.into(),
            help: None,
            primary: Label {
                span: self.doc.span(at),
                message: String::new(),
                path: Some(route.pointer()),
            },
            related: Vec::new(),
            document: self.doc.index,
            object: Some(self.target.object.clone()),
        }
    }

    /// A label for a related node.
    pub fn label(&self, at: NodeId, route: &Route, message: impl Into<String>) -> Label {
        Label {
            span: self.doc.span(at),
            message: message.into(),
            path: Some(route.pointer()),
        }
    }

    /// Where to point when something is missing: the key that holds the pod spec (e.g. `spec:`),
    /// else the first line of the nearest existing node.
    pub fn missing_at(&self) -> (NodeId, Route) {
        let layer = self.target.primary();
        let at = layer.key.unwrap_or_else(|| {
            // A pod spec at the root of a values file: its first key, not the whole document.
            self.doc
                .entries(layer.anchor)
                .and_then(|e| e.first().map(|(k, _)| *k))
                .unwrap_or(layer.anchor)
        });
        (at, layer.route.clone())
    }

    /// A related label saying where an inferred or node-read pool fact came from, if it was.
    pub fn origin(&self, origin: &crate::pools::Origin, what: &str, flag: &str) -> Option<Label> {
        match origin {
            crate::pools::Origin::Inferred(n) => Some(Label {
                span: self.doc.span(*n),
                message: format!("{what} inferred from here (pass {flag} to set it)"),
                path: None,
            }),
            _ => None,
        }
    }
}

impl Finding {
    pub fn help(mut self, h: impl Into<String>) -> Self {
        self.help = Some(h.into());
        self
    }
    pub fn primary_label(mut self, m: impl Into<String>) -> Self {
        self.primary.message = m.into();
        self
    }
    pub fn related(mut self, l: Label) -> Self {
        self.related.push(l);
        self
    }
}

/// Runs every pod- and document-level rule over one document's gateways; findings come out
/// sorted by position, then rule order, without duplicates (an IstioGateway override inherits
/// fields from its base spec, so both can see the same mistake).
pub fn check_document(
    doc: &Document,
    targets: &[Target],
    pools: &PoolConfig,
    inventory: Option<&Inventory>,
) -> (Vec<Finding>, Vec<facts::Facts>) {
    let mut out = Vec::new();
    let mut all_facts = Vec::with_capacity(targets.len());
    for target in targets {
        let view = view::read(doc, target);
        let facts = facts::compute(&view, pools, inventory);
        out.extend(check_target(doc, target, &view, &facts, inventory));
        all_facts.push(facts);
    }
    out.extend(check_doc_rules(doc, targets));
    sort_dedup(&mut out);
    (out, all_facts)
}

/// Runs the document-level rules over a document's gateways.
pub fn check_doc_rules(doc: &Document, targets: &[Target]) -> Vec<Finding> {
    let dcx = DocCtx { doc, targets };
    let mut out = Vec::new();
    for rule in crate::rules::RULES {
        if let crate::rules::Check::Doc(f) = rule.check {
            f(&dcx, &mut out);
        }
    }
    out
}

/// Runs the pod-level rules on one gateway whose view and facts are already computed.
pub fn check_target(
    doc: &Document,
    target: &Target,
    view: &view::PodView,
    facts: &facts::Facts,
    inventory: Option<&Inventory>,
) -> Vec<Finding> {
    let cx = PodCtx {
        doc,
        target,
        view,
        facts,
        inventory,
    };
    let mut out = Vec::new();
    for rule in crate::rules::RULES {
        if let crate::rules::Check::Pod(f) = rule.check {
            f(&cx, &mut out);
        }
    }
    out
}

/// Runs the node-inventory rules once per run.
pub fn check_nodes(
    inventory: &Inventory,
    pools: &PoolConfig,
    ecs_labels: &[crate::pools::Label],
    ecs_taints: &[crate::k8s::Taint],
) -> Vec<Finding> {
    let cx = NodesCtx {
        inventory,
        pools,
        ecs_labels,
        ecs_taints,
    };
    let mut out = Vec::new();
    for rule in crate::rules::RULES {
        if let crate::rules::Check::Nodes(f) = rule.check {
            f(&cx, &mut out);
        }
    }
    sort_dedup(&mut out);
    out
}

fn rule_order(r: &Rule) -> usize {
    crate::rules::RULES
        .iter()
        .position(|x| std::ptr::eq(*x, r))
        .unwrap_or(usize::MAX)
}

/// Orders findings by document, position, rule; drops exact repeats.
pub fn sort_dedup(out: &mut Vec<Finding>) {
    out.sort_by(|a, b| {
        (
            a.document,
            a.primary.span.start,
            rule_order(a.rule),
            &a.message,
        )
            .cmp(&(
                b.document,
                b.primary.span.start,
                rule_order(b.rule),
                &b.message,
            ))
    });
    out.dedup_by(|b, a| {
        a.rule.id == b.rule.id && a.primary.span == b.primary.span && a.message == b.message
    });
}
