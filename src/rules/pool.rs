//! Checks shared by the ECS and virtual variants of a rule (each variant is its own rule, with its
//! own id and explanation; the logic that finds the problem is the same).

use crate::check::facts::{Facts, PoolFacts};
use crate::check::near::{requirement_miss, toleration_miss};
use crate::check::view::{PodView, TermView};
use crate::check::{Finding, PodCtx};
use crate::pools::taint_str;
use crate::read::yaml::{NodeId, Route};
use crate::rules::Rule;

/// Which pool a variant is about.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Ecs,
    Virt,
}

impl Which {
    pub fn pool(self, f: &Facts) -> &PoolFacts {
        match self {
            Which::Ecs => &f.ecs,
            Which::Virt => &f.virt,
        }
    }
    fn flag(self, what: &str) -> String {
        match self {
            Which::Ecs => format!("--ecs-{what}"),
            Which::Virt => format!("--virtual-{what}"),
        }
    }
    fn required(self, f: &Facts) -> Option<bool> {
        match self {
            Which::Ecs => f.required_ecs,
            Which::Virt => f.required_virt,
        }
    }
    fn tolerated(self, f: &Facts) -> Option<bool> {
        match self {
            Which::Ecs => f.tolerated_ecs,
            Which::Virt => f.tolerated_virt,
        }
    }
    fn mentions(self, t: &crate::check::facts::TermFacts) -> bool {
        match self {
            Which::Ecs => t.mentions_ecs,
            Which::Virt => t.mentions_virt,
        }
    }
    fn selects(self, t: &crate::check::facts::TermFacts) -> bool {
        match self {
            Which::Ecs => t.ecs,
            Which::Virt => t.virt,
        }
    }
    fn pref(self, p: (bool, bool)) -> bool {
        match self {
            Which::Ecs => p.0,
            Which::Virt => p.1,
        }
    }
    fn nodes(self) -> &'static str {
        match self {
            Which::Ecs => "the ECS node(s)",
            Which::Virt => "virtual nodes",
        }
    }
}

/// True when none of the overflow block is there: no node affinity, no toleration of (or near
/// miss at) either pool's taint.
pub fn block_absent(view: &PodView, f: &Facts) -> bool {
    if view.required.is_some() || !view.preferred().is_empty() {
        return false;
    }
    let touches = |p: &PoolFacts| {
        p.taint().is_some_and(|t| {
            view.tolerations().iter().any(|tol| {
                crate::k8s::tolerates(&tol.tol, t, &f.gates)
                    || toleration_miss(tol, t, &f.gates).is_some()
            })
        })
    };
    !touches(&f.ecs) && !touches(&f.virt)
}

/// Where a required term sends pods to a pool: the value (else the key) of its requirement on
/// the pool's label, in the term that selects the pool (else one that mentions its label).
fn term_for<'v>(view: &'v PodView, f: &Facts, which: Which) -> Option<(NodeId, &'v Route)> {
    let terms = &view.required.as_ref()?.terms;
    let i = f
        .terms
        .iter()
        .position(|t| which.selects(t))
        .or_else(|| f.terms.iter().position(|t| which.mentions(t)))?;
    let term: &TermView = terms.get(i)?;
    let label = which.pool(f).label()?;
    let req = term
        .exprs
        .iter()
        .find(|r| r.key.as_ref().is_some_and(|k| k.value == label.key));
    Some(match req {
        Some(r) => match r
            .values
            .iter()
            .find(|v| v.value == label.value)
            .or(r.key.as_ref())
        {
            Some(s) => (s.node, &s.route),
            None => (r.node, &r.route),
        },
        None => (term.node, &term.route),
    })
}

/// A finding at the field a near miss got wrong (at its entry when the field is missing).
fn at_miss(
    cx: &PodCtx,
    rule: &'static Rule,
    entry: (NodeId, &Route),
    m: &crate::check::near::Miss,
    message: String,
    help: String,
) -> Finding {
    let (node, route) = m.at.map_or(entry, |s| (s.node, &s.route));
    cx.finding(rule, node, route, message)
        .primary_label(m.describe())
        .help(help)
}

/// Adds the related spans that give a finding its context: the required term that sends pods to
/// the pool (`verb`: "sends pods to", "selects"), and where an inferred pool fact came from.
fn with_context(
    cx: &PodCtx,
    mut finding: Finding,
    which: Which,
    verb: &str,
    (origin, what): (&crate::pools::Origin, &str),
) -> Finding {
    if let Some((node, route)) = term_for(cx.view, cx.facts, which) {
        finding = finding.related(cx.label(
            node,
            route,
            format!("the required term {verb} {} here", which.nodes()),
        ));
    }
    if let Some(l) = cx.origin(origin, what, &which.flag(what)) {
        finding = finding.related(l);
    }
    finding
}

/// `ecs-not-selected` / `virtual-not-selected`.
pub fn not_selected(
    cx: &PodCtx,
    rule: &'static Rule,
    which: Which,
    consequence: &str,
    out: &mut Vec<Finding>,
) {
    let (view, f) = (cx.view, cx.facts);
    let Some(req) = &view.required else { return };
    if which.required(f) != Some(false) || f.has_type_error_under(&req.field.route) {
        return;
    }
    // A term that names the pool's label but ANDs it with the other pool's: term-selects-nothing says so.
    if f.terms
        .iter()
        .any(|t| which.mentions(t) && t.impossible.is_some())
    {
        return;
    }
    let pool = which.pool(f);
    let Some((label, origin)) = &pool.label else {
        return;
    };
    // A requirement on the pool's label that the apiserver rejects: invalid-node-affinity says
    // what is wrong with it.
    let invalid_on_key = req.terms.iter().flat_map(|t| &t.exprs).any(|r| {
        r.req.key == label.key && !crate::k8s::validate_requirement(&r.req, true).is_empty()
    });
    if invalid_on_key {
        return;
    }
    let base = format!(
        "no required node-affinity term selects {} (`{label}`): {consequence}",
        which.nodes()
    );
    let miss = req
        .terms
        .iter()
        .flat_map(|t| &t.exprs)
        .find_map(|r| requirement_miss(r, label).map(|m| (r, m)));
    let mut finding = match miss {
        Some((r, m)) => at_miss(cx, rule, (r.node, &r.route), &m, base, format!("did you mean `{}`? {} are labelled `{label}`", m.want, which.nodes())),
        None => cx
            .finding(rule, req.field.key, &req.field.route, base)
            .primary_label(format!("no term here selects `{label}`"))
            .help(format!(
                "add a term to nodeSelectorTerms: `- matchExpressions: [{{key: {}, operator: In, values: [{}]}}]`",
                label.key, label.value
            )),
    };
    if let Some(l) = cx.origin(origin, "label", &which.flag("label")) {
        finding = finding.related(l);
    }
    // The other half of the mismatch: the toleration that already tolerates this pool's taint.
    if let Some(t) = pool.taint() {
        if let Some(tol) = view
            .tolerations()
            .iter()
            .find(|tol| crate::k8s::tolerates(&tol.tol, t, &f.gates))
        {
            finding = finding.related(cx.label(
                tol.node,
                &tol.route,
                format!("the pods tolerate the taint of {} here", which.nodes()),
            ));
        }
    }
    out.push(finding);
}

/// `ecs-taint-not-tolerated` / `virtual-taint-not-tolerated`.
pub fn taint_not_tolerated(
    cx: &PodCtx,
    rule: &'static Rule,
    which: Which,
    consequence: &str,
    out: &mut Vec<Finding>,
) {
    let (view, f) = (cx.view, cx.facts);
    if which.tolerated(f) != Some(false) || block_absent(view, f) {
        return;
    }
    if let Some((tf, _)) = &view.tolerations {
        if f.has_type_error_under(&tf.route) {
            return;
        }
    }
    let pool = which.pool(f);
    let Some((taint, origin)) = &pool.taint else {
        return;
    };
    let ts = taint_str(taint);
    let base = format!(
        "no toleration tolerates the taint of {} (`{ts}`): {consequence}",
        which.nodes()
    );
    let miss = view
        .tolerations()
        .iter()
        .find_map(|t| toleration_miss(t, taint, &f.gates).map(|m| (t, m)));
    let finding =
        match miss {
            Some((t, m)) => at_miss(
                cx,
                rule,
                (t.node, &t.route),
                &m,
                base,
                format!(
                    "did you mean `{}`? {} are tainted `{ts}`",
                    m.want,
                    which.nodes()
                ),
            ),
            None => {
                let (node, route) = match &view.tolerations {
                    Some((tf, _)) => (tf.key, tf.route.clone()),
                    None => cx.missing_at(),
                };
                cx.finding(rule, node, &route, base)
                    .primary_label(format!("no toleration here matches `{ts}`"))
                    .help(format!(
                    "add to tolerations: `- {{key: {}, operator: Equal, value: {}, effect: {}}}`",
                    taint.key,
                    if taint.value.is_empty() { "\"\"" } else { &taint.value },
                    taint.effect
                ))
            }
        };
    let finding = with_context(cx, finding, which, "sends pods to", (origin, "taint"));
    out.push(finding);
}

/// `ecs-not-preferred` / `virtual-not-preferred`.
pub fn not_preferred(
    cx: &PodCtx,
    rule: &'static Rule,
    which: Which,
    consequence: &str,
    out: &mut Vec<Finding>,
) {
    let (view, f) = (cx.view, cx.facts);
    if block_absent(view, f) || f.prefs.iter().any(|p| which.pref(*p)) {
        return;
    }
    if let Some((pf, _)) = &view.preferred {
        if f.has_type_error_under(&pf.route) {
            return;
        }
    }
    // Without any preferred term, only the ECS variant speaks (one finding for one omission).
    if which == Which::Virt && view.preferred().is_empty() {
        return;
    }
    let pool = which.pool(f);
    let Some((label, origin)) = &pool.label else {
        return;
    };
    let base = format!(
        "no preferred node-affinity term selects {} (`{label}`): {consequence}",
        which.nodes()
    );
    let miss = view
        .preferred()
        .iter()
        .filter_map(|p| p.preference.as_ref())
        .flat_map(|t| &t.exprs)
        .find_map(|r| requirement_miss(r, label).map(|m| (r, m)));
    let finding = match miss {
        Some((r, m)) => at_miss(
            cx,
            rule,
            (r.node, &r.route),
            &m,
            base,
            format!(
                "did you mean `{}`? the required term and {} use `{label}`",
                m.want,
                which.nodes()
            ),
        ),
        None => {
            let weight = if which == Which::Ecs { 80 } else { 20 };
            let (node, route) = match (&view.preferred, &view.node_affinity, &view.affinity) {
                (Some((pf, _)), _, _) => (pf.key, pf.route.clone()),
                (None, Some(na), _) => (na.key, na.route.clone()),
                (None, None, Some(a)) => (a.key, a.route.clone()),
                _ => cx.missing_at(),
            };
            cx.finding(rule, node, &route, base)
                .primary_label(format!("no preference here selects `{label}`"))
                .help(format!(
                    "add to preferredDuringSchedulingIgnoredDuringExecution: `- {{weight: {weight}, preference: {{matchExpressions: [{{key: {}, operator: In, values: [{}]}}]}}}}`",
                    label.key, label.value
                ))
        }
    };
    // Name the required term the preference should agree with.
    out.push(with_context(
        cx,
        finding,
        which,
        "selects",
        (origin, "label"),
    ));
}
