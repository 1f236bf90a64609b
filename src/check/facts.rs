//! Facts about one gateway pod spec, computed once and read by every rule: the two pools as far
//! as they are known (and where that knowledge came from), and which required term, preferred
//! term and toleration serves which pool.

use std::collections::BTreeMap;

use crate::check::view::{PodView, ReqView, TermView};
use crate::k8s;
use crate::pools::{is_well_known_taint, Inventory, Label, Origin, PoolConfig};
use crate::read::yaml::Route;

/// Label keys Kubernetes sets on every node; a requirement on them does not tell pools apart.
pub fn is_well_known_label(key: &str) -> bool {
    key.starts_with("kubernetes.io/")
        || key.starts_with("beta.kubernetes.io/")
        || key.starts_with("topology.kubernetes.io/")
        || key.starts_with("node.kubernetes.io/")
        || key.starts_with("failure-domain.beta.kubernetes.io/")
}

/// One pool as this gateway sees it.
#[derive(Debug, Clone)]
pub struct PoolFacts {
    pub name: &'static str,
    pub label: Option<(Label, Origin)>,
    pub taint: Option<(k8s::Taint, Origin)>,
    /// The inventory's nodes of this pool (empty without `--nodes`).
    pub nodes: Vec<k8s::Node>,
}

impl PoolFacts {
    pub fn label(&self) -> Option<&Label> {
        self.label.as_ref().map(|(l, _)| l)
    }
    pub fn taint(&self) -> Option<&k8s::Taint> {
        self.taint.as_ref().map(|(t, _)| t)
    }
}

/// What one required term does.
#[derive(Debug, Clone, Default)]
pub struct TermFacts {
    pub ecs: bool,
    pub virt: bool,
    /// A requirement of the term that alone would select the pool.
    pub mentions_ecs: bool,
    pub mentions_virt: bool,
    /// Why no node can satisfy the term, when that is certain.
    pub impossible: Option<String>,
}

/// Facts about one gateway pod spec.
#[derive(Debug, Clone)]
pub struct Facts {
    pub ecs: PoolFacts,
    pub virt: PoolFacts,
    pub terms: Vec<TermFacts>,
    /// Per preferred term: (selects ECS, selects virtual).
    pub prefs: Vec<(bool, bool)>,
    /// Some required term selects the pool; `None` without required affinity or a pool label.
    pub required_ecs: Option<bool>,
    pub required_virt: Option<bool>,
    /// The tolerations tolerate the pool's taint; `None` when the taint is unknown.
    pub tolerated_ecs: Option<bool>,
    pub tolerated_virt: Option<bool>,
    pub gates: k8s::Gates,
    /// Several candidates for the ECS label or taint were found in the manifest (none was used).
    pub ambiguous_labels: Vec<(Label, Origin)>,
    pub ambiguous_taints: Vec<(k8s::Taint, Origin)>,
    /// Routes under which a value had the wrong type (rules below them stay quiet).
    pub type_error_routes: Vec<Route>,
}

impl Facts {
    pub fn has_type_error_under(&self, prefix: &Route) -> bool {
        self.type_error_routes
            .iter()
            .any(|r| r.0.len() >= prefix.0.len() && r.0[..prefix.0.len()] == prefix.0[..])
    }
}

/// The nodeSelector entries that exclude a pool, with that pool: with `--nodes`, an entry no node
/// of the pool carries; without, an entry on a pool label that the other pool cannot carry. At
/// most one entry is named per pool (the first).
pub fn selector_blocks<'f>(view: &PodView, f: &'f Facts) -> Vec<(usize, &'f PoolFacts)> {
    let Some((_, entries)) = &view.node_selector else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (pool, other) in [(&f.virt, &f.ecs), (&f.ecs, &f.virt)] {
        let Some(label) = pool.label() else { continue };
        let blocking = entries.iter().position(|(k, v)| {
            if !pool.nodes.is_empty() {
                !pool
                    .nodes
                    .iter()
                    .any(|n| n.labels.get(&k.value) == Some(&v.value))
            } else if k.value == label.key {
                v.value != label.value
            } else {
                other.label().is_some_and(|o| o.key == k.value) && !is_well_known_label(&k.value)
            }
        });
        if let Some(i) = blocking {
            out.push((i, pool));
        }
    }
    out
}

/// Whether requirement `r` holds on a node of pool `own` (open world: only the two pool labels
/// are known; anything else might hold). Returns (holds, is about the pool's own label).
fn requirement_on_pool(r: &ReqView, own: &Label, other: Option<&Label>) -> (bool, bool) {
    let key = &r.req.key;
    if key == &own.key {
        let mut labels = BTreeMap::new();
        labels.insert(own.key.clone(), own.value.clone());
        return (k8s::requirement_matches(&r.req, &labels), true);
    }
    if other.is_some_and(|o| &o.key == key) {
        return (k8s::requirement_matches(&r.req, &BTreeMap::new()), false);
    }
    // A requirement on a label we know nothing about. Gt/Lt with a non-integer value never holds.
    let parse_fails = matches!(r.req.operator.as_str(), "Gt" | "Lt")
        && (r.req.values.len() != 1 || r.req.values[0].parse::<i64>().is_err());
    (!parse_fails, false)
}

/// Whether a term selects pool `own`: with inventory nodes, any node of the pool satisfies it;
/// otherwise every requirement may hold and one is about the pool's label.
fn term_on_pool(t: &TermView, own: &PoolFacts, other: &PoolFacts) -> (bool, bool) {
    let Some(label) = own.label() else {
        return (false, false);
    };
    let mut all = !t.exprs.is_empty() || !t.fields.is_empty();
    let mut mentions = false;
    for r in &t.exprs {
        let (holds, about) = requirement_on_pool(r, label, other.label());
        all &= holds;
        if about && holds {
            mentions = true;
        }
    }
    if !own.nodes.is_empty() {
        let n = own.nodes.iter().any(|n| k8s::term_matches(&t.term, n));
        return (n, mentions);
    }
    (all && mentions, mentions)
}

/// Why no node can satisfy a term, when that follows from the term alone or from the pools.
fn impossible(
    t: &TermView,
    ecs: &PoolFacts,
    virt: &PoolFacts,
    inv: Option<&Inventory>,
) -> Option<String> {
    if t.exprs.is_empty() && t.fields.is_empty() {
        return Some("the term is empty, and an empty term matches no node".into());
    }
    if let (Some(e), Some(v)) = (ecs.label(), virt.label()) {
        let req_e = t
            .exprs
            .iter()
            .find(|r| requirement_on_pool(r, e, Some(v)) == (true, true));
        let req_v = t
            .exprs
            .iter()
            .find(|r| requirement_on_pool(r, v, Some(e)) == (true, true));
        if let (Some(_), Some(_)) = (req_e, req_v) {
            return Some(format!(
                "it requires both the ECS label `{e}` and the virtual-node label `{v}`, and no node carries both: requirements inside one term are ANDed"
            ));
        }
    }
    // The same key required twice with no value in common.
    for (i, a) in t.exprs.iter().enumerate() {
        for b in &t.exprs[i + 1..] {
            if a.req.key != b.req.key {
                continue;
            }
            let ops = (a.req.operator.as_str(), b.req.operator.as_str());
            let disjoint = match ops {
                ("In", "In") => !a.req.values.iter().any(|x| b.req.values.contains(x)),
                ("In", "DoesNotExist")
                | ("DoesNotExist", "In")
                | ("Exists", "DoesNotExist")
                | ("DoesNotExist", "Exists") => true,
                _ => false,
            };
            if disjoint {
                return Some(format!(
                    "it requires label `{}` twice in ways no node can satisfy at once",
                    a.req.key
                ));
            }
        }
    }
    for r in &t.exprs {
        if matches!(r.req.operator.as_str(), "Gt" | "Lt")
            && r.req.values.len() == 1
            && r.req.values[0].parse::<i64>().is_err()
        {
            return Some(format!(
                "`{}` needs an integer value, and `{}` is not one: the scheduler cannot parse the term, so it matches no node",
                r.req.operator, r.req.values[0]
            ));
        }
    }
    // With an inventory, a term no node satisfies. A term about a pool that no node carries
    // the label of is left to the node rules (ecs-label-on-no-node, no-virtual-node).
    let unlabelled_pool = |p: &PoolFacts| {
        p.nodes.is_empty()
            && p.label()
                .is_some_and(|l| t.exprs.iter().any(|r| r.req.key == l.key))
    };
    // A near miss of a pool's label is what the pool rules report (with the intended value).
    let near_miss = [ecs, virt].iter().any(|p| {
        p.label().is_some_and(|l| {
            t.exprs
                .iter()
                .any(|r| crate::check::near::requirement_miss(r, l).is_some())
        })
    });
    if let Some(inv) = inv.filter(|_| !unlabelled_pool(ecs) && !unlabelled_pool(virt) && !near_miss)
    {
        if !inv
            .nodes
            .iter()
            .any(|n| k8s::term_matches(&t.term, &n.node))
        {
            // Name the requirement that no node satisfies, when one alone does that.
            let culprit = t.exprs.iter().find(|r| {
                !inv.nodes
                    .iter()
                    .any(|n| k8s::requirement_matches(&r.req, &n.node.labels))
            });
            return Some(match culprit {
                Some(r) => format!(
                    "no node in {} satisfies its requirement `{} {} [{}]`",
                    inv.source.name,
                    r.req.key,
                    r.req.operator,
                    r.req.values.join(", ")
                ),
                None => format!(
                    "no node in {} satisfies all its requirements at once",
                    inv.source.name
                ),
            });
        }
    }
    None
}

/// ECS label candidates from the manifest: per required term (else per preferred term, heaviest
/// first), its first `KEY In [VALUE]` requirement that is not about the virtual pool; distinct.
fn label_candidates(view: &PodView, virt: &PoolFacts) -> Vec<(Label, Origin)> {
    let vlabel = virt.label();
    let candidate = |r: &ReqView| -> Option<(Label, Origin)> {
        let key = r.key.as_ref()?;
        if r.req.operator != "In" || r.values.len() != 1 || is_well_known_label(&key.value) {
            return None;
        }
        if vlabel
            .is_some_and(|v| v.key == key.value || crate::check::near::near(&key.value, &v.key))
        {
            return None;
        }
        Some((
            Label {
                key: key.value.clone(),
                value: r.values[0].value.clone(),
            },
            Origin::Inferred(r.values[0].node),
        ))
    };
    let mut out: Vec<(Label, Origin)> = Vec::new();
    let push = |out: &mut Vec<(Label, Origin)>, c: Option<(Label, Origin)>| {
        if let Some(c) = c {
            if !out.iter().any(|(l, _)| *l == c.0) {
                out.push(c);
            }
        }
    };
    if let Some(req) = &view.required {
        for t in &req.terms {
            push(&mut out, t.exprs.iter().find_map(candidate));
        }
    }
    // The heaviest preference that names a candidate: when it disagrees with the required
    // terms, one of them is misspelt and the pool is ambiguous.
    let mut prefs: Vec<_> = view.preferred().iter().collect();
    prefs.sort_by_key(|p| std::cmp::Reverse(p.weight.as_ref().map_or(0, |w| w.value)));
    let pref = prefs
        .into_iter()
        .filter_map(|p| p.preference.as_ref())
        .find_map(|t| t.exprs.iter().find_map(candidate));
    push(&mut out, pref);
    out
}

/// ECS taint candidates from the manifest: tolerations with a key that is neither the virtual
/// pool's (nor a typo of it) nor a taint Kubernetes sets itself; distinct.
fn taint_candidates(view: &PodView, virt: &PoolFacts) -> Vec<(k8s::Taint, Origin)> {
    let vt = virt.taint();
    let mut out: Vec<(k8s::Taint, Origin)> = Vec::new();
    for t in view.tolerations() {
        let Some(key) = t.key.as_ref() else { continue };
        if key.value.is_empty() || is_well_known_taint(&key.value) {
            continue;
        }
        if vt.is_some_and(|v| v.key == key.value || crate::check::near::near(&key.value, &v.key)) {
            continue;
        }
        let exists = t.operator.as_ref().is_some_and(|o| o.value == "Exists");
        let taint = k8s::Taint {
            key: key.value.clone(),
            value: if exists {
                String::new()
            } else {
                t.value.as_ref().map_or(String::new(), |v| v.value.clone())
            },
            effect: t
                .effect
                .as_ref()
                .filter(|e| !e.value.is_empty())
                .map_or("NoSchedule".into(), |e| e.value.clone()),
        };
        if !out.iter().any(|(x, _)| *x == taint) {
            out.push((
                taint,
                Origin::Inferred(t.value.as_ref().unwrap_or(key).node),
            ));
        }
    }
    out
}

/// One candidate is an inference; several are an ambiguity (kept for messages).
fn pick<T: Clone>(
    mut c: Vec<(T, Origin)>,
    ambiguous: &mut Vec<(T, Origin)>,
) -> Option<(T, Origin)> {
    match c.len() {
        1 => c.pop(),
        0 => None,
        _ => {
            ambiguous.extend(c);
            None
        }
    }
}

/// With an inventory, the label candidates real (non-virtual) nodes carry settle an ambiguity.
fn settle_by_nodes(
    c: Vec<(Label, Origin)>,
    inv: Option<&Inventory>,
    virt: &PoolFacts,
) -> Vec<(Label, Origin)> {
    let Some(inv) = inv else { return c };
    let vkey = virt.label().map(|l| l.key.clone());
    let carried: Vec<(Label, Origin)> = c
        .iter()
        .filter_map(|(l, _)| {
            inv.nodes
                .iter()
                .find(|n| {
                    n.node.labels.get(&l.key) == Some(&l.value)
                        && vkey.as_ref().is_none_or(|k| !n.node.labels.contains_key(k))
                })
                .map(|n| (l.clone(), Origin::Nodes(n.node.name.clone())))
        })
        .collect();
    if carried.len() == 1 {
        carried
    } else {
        c
    }
}

/// Computes the facts of one pod spec.
pub fn compute(view: &PodView, pools: &PoolConfig, inv: Option<&Inventory>) -> Facts {
    let gates = k8s::Gates::default();
    let mut ambiguous_labels = Vec::new();
    let mut ambiguous_taints = Vec::new();
    let mut virt = PoolFacts {
        name: "virtual",
        label: pools.virt.label.clone(),
        taint: pools.virt.taint.clone(),
        nodes: Vec::new(),
    };
    let mut ecs = PoolFacts {
        name: "ECS",
        label: pools.ecs.label.clone(),
        taint: pools.ecs.taint.clone(),
        nodes: Vec::new(),
    };
    if ecs.label.is_none() {
        ecs.label = pick(
            settle_by_nodes(label_candidates(view, &virt), inv, &virt),
            &mut ambiguous_labels,
        );
    }
    if let Some(inv) = inv {
        if let Some(l) = virt.label() {
            virt.nodes = inv.ecs_nodes(l).map(|n| n.node.clone()).collect();
        }
        if let Some(l) = ecs.label() {
            ecs.nodes = inv.ecs_nodes(l).map(|n| n.node.clone()).collect();
        }
        if ecs.taint.is_none() {
            let mut taints: Vec<(k8s::Taint, String)> = Vec::new();
            for n in &ecs.nodes {
                for t in n.taints.iter().filter(|t| !is_well_known_taint(&t.key)) {
                    if !taints.iter().any(|(x, _)| x == t) {
                        taints.push((t.clone(), n.name.clone()));
                    }
                }
            }
            if taints.len() == 1 {
                let (t, n) = taints.pop().expect("one");
                ecs.taint = Some((t, Origin::Nodes(n)));
            }
        }
    }
    if ecs.taint.is_none() {
        ecs.taint = pick(taint_candidates(view, &virt), &mut ambiguous_taints);
    }

    let terms: Vec<TermFacts> = view
        .required
        .as_ref()
        .map(|r| {
            r.terms
                .iter()
                .map(|t| {
                    let (e, me) = term_on_pool(t, &ecs, &virt);
                    let (v, mv) = term_on_pool(t, &virt, &ecs);
                    TermFacts {
                        ecs: e,
                        virt: v,
                        mentions_ecs: me,
                        mentions_virt: mv,
                        impossible: impossible(t, &ecs, &virt, inv),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let prefs = view
        .preferred()
        .iter()
        .map(|p| match &p.preference {
            Some(t) => (
                term_on_pool(t, &ecs, &virt).0,
                term_on_pool(t, &virt, &ecs).0,
            ),
            None => (false, false),
        })
        .collect();
    let tols = view.k8s_tolerations();
    let required_ecs = view
        .required
        .as_ref()
        .and_then(|_| ecs.label().map(|_| terms.iter().any(|t| t.ecs)));
    let required_virt = view
        .required
        .as_ref()
        .and_then(|_| virt.label().map(|_| terms.iter().any(|t| t.virt)));
    let tolerated_ecs = ecs.taint().map(|t| k8s::tolerates_any(&tols, t, &gates));
    let tolerated_virt = virt.taint().map(|t| k8s::tolerates_any(&tols, t, &gates));
    Facts {
        type_error_routes: view.type_errors.iter().map(|e| e.route.clone()).collect(),
        ecs,
        virt,
        terms,
        prefs,
        required_ecs,
        required_virt,
        tolerated_ecs,
        tolerated_virt,
        gates,
        ambiguous_labels,
        ambiguous_taints,
    }
}
