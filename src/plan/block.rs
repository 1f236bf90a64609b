//! What `apply` changes in one gateway pod spec: the smallest set of edits that makes its overflow
//! block right, read from the same view and facts as `audit`. Near misses are repaired in place,
//! missing parts are inserted next to their siblings, everything else is left alone and what
//! apply leaves for the user becomes a [`Note`].

use crate::check::facts::{selector_blocks, Facts, TermFacts};
use crate::check::near::{requirement_miss, toleration_miss};
use crate::check::view::{PodView, PrefView, ReqView, TermView};
use crate::k8s;
use crate::locate::Target;
use crate::plan::edit::Edit;
use crate::plan::ops::Ops;
use crate::plan::yaml_out::Y;
use crate::pools::{taint_str, Label, Origin};
use crate::read::yaml::{Document, Kind, NodeId, Route, Seg};

/// How apply weighs the pools and what else it may change.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub ecs_weight: i64,
    pub virtual_weight: i64,
    /// (`--ecs-weight`, `--virtual-weight`) were given: set that weight even when it is valid.
    pub weights_explicit: (bool, bool),
    pub fix_node_selector: bool,
}

/// Something apply left for the user, or decided by inference; printed on stderr.
#[derive(Debug, Clone)]
pub struct Note {
    pub offset: usize,
    pub message: String,
}

/// The four facts apply needs, all known.
#[derive(Debug, Clone)]
pub struct Pools {
    pub ecs_label: Label,
    pub ecs_taint: k8s::Taint,
    pub virt_label: Label,
    pub virt_taint: k8s::Taint,
}

/// The pools for one gateway, or the flag that is missing (apply refuses to guess).
pub fn pools(f: &Facts, doc: &Document, notes: &mut Vec<Note>) -> Result<Pools, String> {
    let ecs_label = match &f.ecs.label {
        Some((l, o)) => {
            match o {
                Origin::Inferred(n) => notes.push(Note {
                    offset: doc.span(*n).start,
                    message: format!("ECS label `{l}` inferred from the manifest (pass --ecs-label to set it)"),
                }),
                Origin::Nodes(node) => notes.push(Note {
                    offset: doc.start,
                    message: format!("ECS label `{l}` read from node {node} in --nodes (pass --ecs-label to set it)"),
                }),
                _ => {}
            }
            l.clone()
        }
        None if !f.ambiguous_labels.is_empty() => {
            let c: Vec<String> = f
                .ambiguous_labels
                .iter()
                .map(|(l, _)| format!("`{l}`"))
                .collect();
            return Err(format!(
                "the manifest names several candidate ECS labels ({}): pass --ecs-label K=V",
                c.join(", ")
            ));
        }
        None => {
            return Err("the ECS node's label is unknown: pass --ecs-label K=V (or --nodes)".into())
        }
    };
    let ecs_taint = match &f.ecs.taint {
        Some((t, o)) => {
            match o {
                Origin::Inferred(n) => notes.push(Note {
                    offset: doc.span(*n).start,
                    message: format!("ECS taint `{}` inferred from the manifest (pass --ecs-taint to set it)", taint_str(t)),
                }),
                Origin::Nodes(node) => notes.push(Note {
                    offset: doc.start,
                    message: format!("ECS taint `{}` read from node {node} in --nodes (pass --ecs-taint to set it)", taint_str(t)),
                }),
                _ => {}
            }
            t.clone()
        }
        None if !f.ambiguous_taints.is_empty() => {
            let c: Vec<String> = f
                .ambiguous_taints
                .iter()
                .map(|(t, _)| format!("`{}`", taint_str(t)))
                .collect();
            return Err(format!(
                "the tolerations name several candidate ECS taints ({}): pass --ecs-taint K=V:EFFECT",
                c.join(", ")
            ));
        }
        None => {
            return Err(
                "the ECS node's taint is unknown: pass --ecs-taint K=V:EFFECT (or --nodes)".into(),
            )
        }
    };
    Ok(Pools {
        ecs_label,
        ecs_taint,
        virt_label: f
            .virt
            .label()
            .cloned()
            .expect("the virtual pool is always known"),
        virt_taint: f
            .virt
            .taint()
            .cloned()
            .expect("the virtual pool is always known"),
    })
}

fn requirement(l: &Label) -> Y {
    Y::map(vec![
        ("key", Y::s(&l.key)),
        ("operator", Y::s("In")),
        ("values", Y::Seq(vec![Y::s(&l.value)])),
    ])
}

fn term(l: &Label) -> Y {
    Y::map(vec![("matchExpressions", Y::Seq(vec![requirement(l)]))])
}

fn preference(l: &Label, weight: i64) -> Y {
    Y::map(vec![("weight", Y::Int(weight)), ("preference", term(l))])
}

fn toleration(t: &k8s::Taint) -> Y {
    if t.value.is_empty() {
        Y::map(vec![
            ("key", Y::s(&t.key)),
            ("operator", Y::s("Exists")),
            ("effect", Y::s(&t.effect)),
        ])
    } else {
        Y::map(vec![
            ("key", Y::s(&t.key)),
            ("operator", Y::s("Equal")),
            ("value", Y::s(&t.value)),
            ("effect", Y::s(&t.effect)),
        ])
    }
}

/// A requirement as it is written, to move it into a term of its own.
fn requirement_as_is(r: &ReqView) -> Y {
    let mut pairs = vec![
        ("key".to_string(), Y::s(&r.req.key)),
        ("operator".to_string(), Y::s(&r.req.operator)),
    ];
    if !r.req.values.is_empty() {
        pairs.push((
            "values".into(),
            Y::Seq(r.req.values.iter().map(|v| Y::s(v)).collect()),
        ));
    }
    Y::Map(pairs)
}

/// Repairs a near miss in place: the wrong field gets the intended value (keeping its quoting),
/// or the missing field is added to `entry`.
fn repair(ops: &mut Ops, entry: NodeId, m: &crate::check::near::Miss) {
    match m.at {
        Some(s) => ops.set_scalar(s.node, &m.want),
        // `values` is a list of strings.
        None if m.field == "values" => set_field(ops, entry, "values", Y::Seq(vec![Y::s(&m.want)])),
        None => set_field(ops, entry, m.field, Y::s(&m.want)),
    }
    if let Some(also) = &m.also {
        repair(ops, entry, also);
    }
}

/// Sets a field of a mapping that is missing or null (`value:`, `weight: ~`): a null value is
/// filled where it is, never given a second key.
fn set_field(ops: &mut Ops, entry: NodeId, field: &str, value: Y) {
    match ops.doc.get(entry, field) {
        Some((k, v)) if ops.doc.is_null(v) => ops.fill_value(k, v, &value),
        _ => ops.add_entries(entry, &[(field.to_string(), value)]),
    }
}

/// Where new content goes: into an existing mapping, or in place of a null value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Container {
    Map(NodeId),
    Null { key: NodeId, value: NodeId },
}

/// Where a field is, or where it would be created.
enum Place {
    Existing(NodeId),
    /// Create `path` (keys) in the container.
    Missing(Container, Vec<String>),
    /// Something on the way has the wrong type; leave it to the user.
    Blocked(String),
}

fn is_empty_flow_map(doc: &Document, id: NodeId) -> bool {
    let n = doc.node(id);
    matches!(&n.kind, Kind::Map(p) if p.is_empty()) && n.flow
}

fn place(doc: &Document, root: NodeId, route: &Route) -> Place {
    let mut cur = root;
    for (i, seg) in route.0.iter().enumerate() {
        let rest = || -> Vec<String> {
            route.0[i + 1..]
                .iter()
                .filter_map(|s| match s {
                    Seg::Key(k) => Some(k.clone()),
                    Seg::Index(_) => None,
                })
                .collect()
        };
        match seg {
            Seg::Key(k) => match doc.get(cur, k) {
                Some((kn, vn)) => {
                    let last = i + 1 == route.0.len();
                    if doc.is_null(vn)
                        || (!last && is_empty_flow_map(doc, doc.resolve(vn)) && !doc.node(cur).flow)
                    {
                        return Place::Missing(Container::Null { key: kn, value: vn }, rest());
                    }
                    if last {
                        return Place::Existing(vn);
                    }
                    let next_is_key = matches!(route.0.get(i + 1), Some(Seg::Key(_)));
                    if next_is_key && !doc.is_map(vn) {
                        return Place::Blocked(format!(
                            "`{k}` is {}, not a mapping",
                            doc.type_name(vn)
                        ));
                    }
                    cur = doc.resolve(vn);
                }
                None => {
                    let mut path = vec![k.clone()];
                    path.extend(rest());
                    return Place::Missing(Container::Map(cur), path);
                }
            },
            Seg::Index(j) => match doc.items(cur).and_then(|it| it.get(*j)) {
                Some(n) => cur = doc.resolve(*n),
                None => return Place::Blocked("a list item on the way is missing".into()),
            },
        }
    }
    Place::Existing(cur)
}

/// What goes into one container: new entries, or (for a null value) the value itself.
struct Additions {
    container: Container,
    entries: Vec<(String, Y)>,
    value: Option<Y>,
}

/// Additions grouped per container and per sequence, so that one container gets one edit.
#[derive(Default)]
struct Pending {
    maps: Vec<Additions>,
    seqs: Vec<(NodeId, Vec<Y>)>,
}

fn merge_into(pairs: &mut Vec<(String, Y)>, key: String, v: Y) {
    if let Some((_, Y::Map(inner))) = pairs.iter_mut().find(|(k, _)| *k == key) {
        if let Y::Map(vp) = v {
            for (k2, v2) in vp {
                merge_into(inner, k2, v2);
            }
            return;
        }
    }
    pairs.push((key, v));
}

impl Pending {
    fn add(&mut self, c: Container, path: &[String], value: Y) {
        let i = match self.maps.iter().position(|a| a.container == c) {
            Some(i) => i,
            None => {
                self.maps.push(Additions {
                    container: c,
                    entries: Vec::new(),
                    value: None,
                });
                self.maps.len() - 1
            }
        };
        let entry = &mut self.maps[i];
        let Some((first, rest)) = path.split_first() else {
            entry.value = Some(value);
            return;
        };
        let mut v = value;
        for k in rest.iter().rev() {
            v = Y::Map(vec![(k.clone(), v)]);
        }
        merge_into(&mut entry.entries, first.clone(), v);
    }

    fn push(&mut self, seq: NodeId, items: Vec<Y>) {
        match self.seqs.iter_mut().find(|(s, _)| *s == seq) {
            Some((_, v)) => v.extend(items),
            None => self.seqs.push((seq, items)),
        }
    }

    fn emit(self, ops: &mut Ops) {
        for a in self.maps {
            match a.container {
                Container::Map(m) => ops.add_entries(m, &a.entries),
                Container::Null { key, value } => {
                    let v = a.value.unwrap_or(Y::Map(a.entries));
                    ops.fill_value(key, value, &v);
                }
            }
        }
        for (seq, items) in self.seqs {
            ops.push_items(seq, &items);
        }
    }
}

/// Plans one gateway. Returns the edits (empty when nothing changes).
pub struct Planner<'c, 'a> {
    pub doc: &'c Document<'a>,
    pub target: &'c Target,
    pub view: &'c PodView,
    pub facts: &'c Facts,
    pub pools: &'c Pools,
    pub opts: Options,
    /// Rules whose findings on this gateway are suppressed or turned off: apply leaves what
    /// they cover alone.
    pub skip: &'c [&'static str],
}

impl Planner<'_, '_> {
    fn note(&self, notes: &mut Vec<Note>, at: NodeId, message: String) {
        notes.push(Note {
            offset: self.doc.span(at).start,
            message,
        });
    }

    /// Whether a field lives in the target's own (most specific) layer. An IstioGateway override
    /// that does not set a field inherits it from the base spec, which is planned on its own.
    fn own(&self, route: &Route) -> bool {
        let base = &self.target.primary().route.0;
        route.0.len() >= base.len() && route.0[..base.len()] == base[..]
    }

    /// Fields missing from an override are inherited, not inserted.
    fn may_insert(&self) -> bool {
        self.target.layers.len() == 1
    }

    fn route(&self, keys: &[&str]) -> Route {
        let mut r = self.target.primary().route.clone();
        for k in keys {
            r = r.child(k);
        }
        r
    }

    /// Inserts `value` at `keys` under the pod spec, creating what is missing.
    fn insert(&self, pending: &mut Pending, notes: &mut Vec<Note>, keys: &[&str], value: Y) {
        let root = self.doc.root.expect("a located document has a root");
        match place(self.doc, root, &self.route(keys)) {
            // An override inherits what it does not set: only its own lists get new items.
            Place::Missing(..) if !self.may_insert() => {}
            Place::Missing(c, path) => pending.add(c, &path, value),
            Place::Existing(n) => match self.doc.node(self.doc.resolve(n)).kind {
                Kind::Seq(_) => {
                    if let Y::Seq(items) = value {
                        pending.push(self.doc.resolve(n), items);
                    }
                }
                _ => self.note(
                    notes,
                    n,
                    format!("left `{}` alone: it is not a list", keys.join(".")),
                ),
            },
            Place::Blocked(why) => {
                let (at, _) = (self.target.primary().anchor, ());
                self.note(
                    notes,
                    at,
                    format!("could not insert `{}`: {why}", keys.join(".")),
                );
            }
        }
    }

    fn skips(&self, rule: &str) -> bool {
        self.skip.contains(&rule)
    }

    pub fn plan(&self, ops: &mut Ops, notes: &mut Vec<Note>) {
        if self.skips("overflow-block-missing") {
            return;
        }
        let layer = self.target.primary();
        if self.facts.has_type_error_under(&layer.route) && layer.node.is_none() {
            self.note(
                notes,
                layer.anchor,
                "left the gateway alone: its pod spec is not a mapping, so it has the wrong type (see wrong-type)".into(),
            );
            return;
        }
        let mut pending = Pending::default();
        self.required(ops, &mut pending, notes);
        self.preferred(ops, &mut pending, notes);
        self.tolerations(ops, &mut pending, notes);
        self.node_selector(ops, notes);
        pending.emit(ops);
    }

    fn tolerations(&self, ops: &mut Ops, pending: &mut Pending, notes: &mut Vec<Note>) {
        let gates = self.facts.gates;
        if let Some((tf, _)) = &self.view.tolerations {
            if self.facts.has_type_error_under(&tf.route) {
                self.note(
                    notes,
                    tf.value,
                    "left `tolerations` alone: a value in it has the wrong type (see wrong-type)"
                        .into(),
                );
                return;
            }
            if !self.own(&tf.route) {
                return;
            }
        }
        let tols = self.view.tolerations();
        let valid =
            |t: &&crate::check::view::TolView| k8s::validate_toleration(&t.tol, &gates).is_empty();
        let mut new_items = Vec::new();
        for (taint, rule) in [
            (&self.pools.virt_taint, "virtual-taint-not-tolerated"),
            (&self.pools.ecs_taint, "ecs-taint-not-tolerated"),
        ] {
            if self.skips(rule) {
                continue;
            }
            if tols
                .iter()
                .filter(valid)
                .any(|t| k8s::tolerates(&t.tol, taint, &gates))
            {
                continue;
            }
            // The pool's own toleration, tolerating at match time but rejected by the apiserver:
            // repair it rather than add a second one.
            let rejected = tols.iter().find(|t| {
                t.tol.key.as_deref() == Some(taint.key.as_str())
                    && k8s::tolerates(&t.tol, taint, &gates)
                    && !valid(t)
            });
            if let Some(t) = rejected {
                if !self.skips("invalid-toleration") {
                    self.repair_rejected(ops, t, taint, t.tol.effect.as_deref());
                }
                continue;
            }
            // The published procedure's virtual toleration without its key: add the key.
            let keyless = tols.iter().find(|t| {
                t.tol.key.as_deref().unwrap_or("").is_empty()
                    && matches!(t.tol.operator.as_deref(), None | Some("Equal") | Some(""))
                    && t.tol.value.as_deref() == Some(taint.value.as_str())
                    && t.tol
                        .effect
                        .as_deref()
                        .is_none_or(|e| e.is_empty() || e == taint.effect)
            });
            if let Some(t) = keyless {
                if self.skips("invalid-toleration") {
                    continue;
                }
                match &t.key {
                    Some(k) => ops.set_scalar(k.node, &taint.key),
                    None => ops.add_first_entry(t.node, "key", &Y::s(&taint.key)),
                }
                // Keyed, it is the pool's toleration: one the apiserver accepts, in this run.
                self.repair_rejected(ops, t, taint, t.tol.effect.as_deref());
                continue;
            }
            if let Some((t, m)) = tols
                .iter()
                .find_map(|t| toleration_miss(t, taint, &gates).map(|m| (t, m)))
            {
                repair(ops, t.node, &m);
                // Repaired, it is the pool's toleration: make it one the apiserver accepts too,
                // in the same run (the effect it will have decides on `tolerationSeconds`).
                if !self.skips("invalid-toleration") {
                    let mut effect = t.tol.effect.as_deref();
                    let mut next = Some(&m);
                    while let Some(x) = next {
                        if x.field == "effect" {
                            effect = Some(taint.effect.as_str());
                        }
                        next = x.also.as_deref();
                    }
                    self.repair_rejected(ops, t, taint, effect);
                }
                continue;
            }
            new_items.push(toleration(taint));
        }
        if !new_items.is_empty() {
            self.insert(pending, notes, &["tolerations"], Y::Seq(new_items));
        }
    }

    /// Makes a pool toleration the apiserver rejects valid: `Exists` with a value becomes
    /// `Equal` (when the value is the taint's) or loses the value; `tolerationSeconds` without
    /// `NoExecute` is removed (it only applies to NoExecute taints); `effect` is the one the
    /// toleration has once repaired.
    fn repair_rejected(
        &self,
        ops: &mut Ops,
        t: &crate::check::view::TolView,
        taint: &k8s::Taint,
        effect: Option<&str>,
    ) {
        let exists = t.tol.operator.as_deref() == Some("Exists");
        if let (true, Some(v)) = (exists, &t.value) {
            match (&t.operator, v.value == taint.value) {
                (Some(op), true) => ops.set_scalar(op.node, "Equal"),
                _ => {
                    if let Some((k, _)) = self.doc.get(t.node, "value") {
                        ops.remove_entry(self.doc.resolve(t.node), k);
                    }
                }
            }
        }
        if t.seconds.is_some() && effect != Some("NoExecute") {
            if let Some((k, _)) = self.doc.get(t.node, "tolerationSeconds") {
                ops.remove_entry(self.doc.resolve(t.node), k);
            }
        }
    }

    fn required(&self, ops: &mut Ops, pending: &mut Pending, notes: &mut Vec<Note>) {
        const REQ: [&str; 3] = [
            "affinity",
            "nodeAffinity",
            "requiredDuringSchedulingIgnoredDuringExecution",
        ];
        let (e, v) = (&self.pools.ecs_label, &self.pools.virt_label);
        let Some(req) = &self.view.required else {
            if self.affinity_blocked(notes) || self.skips("required-affinity-missing") {
                return;
            }
            let terms = Y::Seq(vec![term(e), term(v)]);
            self.insert(
                pending,
                notes,
                &REQ,
                Y::map(vec![("nodeSelectorTerms", terms)]),
            );
            return;
        };
        if self.facts.has_type_error_under(&req.field.route) {
            self.note(notes, req.field.key, "left the required node affinity alone: a value in it has the wrong type (see wrong-type)".into());
            return;
        }
        if !self.own(&req.field.route) {
            return;
        }
        let mut selects_e = self.facts.required_ecs == Some(true);
        let mut selects_v = self.facts.required_virt == Some(true);
        let mut new_terms = Vec::new();
        for (t, tf) in req.terms.iter().zip(&self.facts.terms) {
            // Both pools ANDed in one term (either side possibly misspelt): repair the ECS side in
            // place and move the virtual requirement, spelt right, into a term of its own.
            let about = |r: &ReqView, l: &Label| {
                let mut labels = std::collections::BTreeMap::new();
                labels.insert(l.key.clone(), l.value.clone());
                (r.req.key == l.key && k8s::requirement_matches(&r.req, &labels))
                    || requirement_miss(r, l).is_some()
            };
            let ej = t.exprs.iter().position(|r| about(r, e));
            let vj = t.exprs.iter().position(|r| about(r, v));
            if self.skips("term-selects-nothing") {
                self.note_other_term(t, tf, notes);
                continue;
            }
            if let (Some(ej), Some(vj), Some((_, seq))) =
                (ej, vj, self.doc.get(t.node, "matchExpressions"))
            {
                if ej != vj {
                    if let Some(m) = requirement_miss(&t.exprs[ej], e) {
                        repair(ops, t.exprs[ej].node, &m);
                    }
                    let moved = if requirement_miss(&t.exprs[vj], v).is_some() {
                        requirement(v)
                    } else {
                        requirement_as_is(&t.exprs[vj])
                    };
                    ops.remove_item(self.doc.resolve(seq), vj);
                    new_terms.push(Y::map(vec![("matchExpressions", Y::Seq(vec![moved]))]));
                    selects_e = true;
                    selects_v = true;
                    continue;
                }
            }
            self.note_other_term(t, tf, notes);
        }
        for (label, selects, rule) in [
            (e, &mut selects_e, "ecs-not-selected"),
            (v, &mut selects_v, "virtual-not-selected"),
        ] {
            if *selects || self.skips(rule) {
                continue;
            }
            // An invalid requirement on the pool's key is the user's to fix (invalid-node-affinity).
            let invalid = req.terms.iter().flat_map(|t| &t.exprs).find(|r| {
                r.req.key == label.key && !k8s::validate_requirement(&r.req, true).is_empty()
            });
            if let Some(r) = invalid {
                self.note(notes, r.node, format!("left the requirement on `{}` alone: the apiserver rejects it (see invalid-node-affinity)", label.key));
                continue;
            }
            // A near miss is repaired only in a term the apiserver accepts: a term it rejects
            // selects nothing, repaired or not (and is left to the user).
            if let Some((r, m)) = req
                .terms
                .iter()
                .filter(|t| {
                    t.exprs
                        .iter()
                        .all(|r| k8s::validate_requirement(&r.req, true).is_empty())
                })
                .flat_map(|t| &t.exprs)
                .find_map(|r| requirement_miss(r, label).map(|m| (r, m)))
            {
                repair(ops, r.node, &m);
                continue;
            }
            new_terms.push(term(label));
        }
        if !new_terms.is_empty() {
            let mut keys = REQ.to_vec();
            keys.push("nodeSelectorTerms");
            self.insert(pending, notes, &keys, Y::Seq(new_terms));
        }
    }

    /// Notes on required terms apply keeps as they are.
    fn note_other_term(&self, t: &TermView, tf: &TermFacts, notes: &mut Vec<Note>) {
        let node = t.node;
        // A near miss of a pool's label is repaired (or reported) with that pool.
        let near_miss = t.exprs.iter().any(|r| {
            requirement_miss(r, &self.pools.ecs_label).is_some()
                || requirement_miss(r, &self.pools.virt_label).is_some()
        });
        if !k8s::validate_term(&t.term, true).is_empty() {
            self.note(
                notes,
                node,
                "left a required term the apiserver rejects (see invalid-node-affinity)".into(),
            );
        } else if let Some(why) = &tf.impossible {
            self.note(
                notes,
                node,
                format!("left a required term that can select no node: {why}"),
            );
        } else if !tf.ecs && !tf.virt && !tf.mentions_ecs && !tf.mentions_virt && !near_miss {
            self.note(
                notes,
                node,
                "kept a required term that selects neither pool: it widens where pods may land"
                    .into(),
            );
        }
    }

    fn affinity_blocked(&self, notes: &mut Vec<Note>) -> bool {
        for f in [&self.view.affinity, &self.view.node_affinity]
            .into_iter()
            .flatten()
        {
            if self.facts.has_type_error_under(&f.route) {
                self.note(
                    notes,
                    f.key,
                    "left node affinity alone: a value in it has the wrong type (see wrong-type)"
                        .into(),
                );
                return true;
            }
        }
        false
    }

    fn set_weight(&self, ops: &mut Ops, p: &PrefView, w: i64) {
        match &p.weight {
            Some(int) if int.value == w => {}
            Some(int) => ops
                .edits
                .push(Edit::replace(self.doc.span(int.node), w.to_string())),
            None => set_field(ops, p.node, "weight", Y::Int(w)),
        }
    }

    fn preferred(&self, ops: &mut Ops, pending: &mut Pending, notes: &mut Vec<Note>) {
        const PREF: [&str; 3] = [
            "affinity",
            "nodeAffinity",
            "preferredDuringSchedulingIgnoredDuringExecution",
        ];
        let (e, v) = (&self.pools.ecs_label, &self.pools.virt_label);
        let (ew, vw) = (self.opts.ecs_weight, self.opts.virtual_weight);
        let Some((field, prefs)) = &self.view.preferred else {
            if self.affinity_blocked(notes) || self.skips("ecs-not-preferred") {
                return;
            }
            self.insert(
                pending,
                notes,
                &PREF,
                Y::Seq(vec![preference(e, ew), preference(v, vw)]),
            );
            return;
        };
        if self.facts.has_type_error_under(&field.route) {
            self.note(notes, field.key, "left the preferred node affinity alone: a value in it has the wrong type (see wrong-type)".into());
            return;
        }
        if !self.own(&field.route) {
            return;
        }
        let mut idx = [
            self.facts.prefs.iter().position(|p| p.0 && !p.1),
            self.facts.prefs.iter().position(|p| p.1 && !p.0),
        ];
        let mut new_prefs = Vec::new();
        let rules = ["ecs-not-preferred", "virtual-not-preferred"];
        for (slot, (label, weight)) in [(e, ew), (v, vw)].into_iter().enumerate() {
            if idx[slot].is_some() || self.skips(rules[slot]) {
                continue;
            }
            let miss = prefs.iter().enumerate().find_map(|(i, p)| {
                p.preference
                    .as_ref()?
                    .exprs
                    .iter()
                    .find_map(|r| requirement_miss(r, label).map(|m| (i, r, m)))
            });
            if let Some((i, r, m)) = miss {
                repair(ops, r.node, &m);
                idx[slot] = Some(i);
                continue;
            }
            new_prefs.push(preference(label, weight));
        }
        // Weights change only when invalid, inverted, or set explicitly.
        let current = |i: Option<usize>, default: i64| {
            i.map_or(default, |i| prefs[i].weight.as_ref().map_or(0, |w| w.value))
        };
        let valid = |w: i64| (1..=100).contains(&w);
        let (mut new_e, mut new_v) = (current(idx[0], ew), current(idx[1], vw));
        let fix_invalid = !self.skips("invalid-node-affinity");
        if fix_invalid && !valid(new_e) {
            new_e = ew;
        }
        if fix_invalid && !valid(new_v) {
            new_v = vw;
        }
        let (explicit_e, explicit_v) = self.opts.weights_explicit;
        if explicit_e {
            new_e = ew;
        }
        if explicit_v {
            new_v = vw;
        }
        if new_v >= new_e && !self.skips("weights-inverted") {
            (new_e, new_v) = (ew, vw);
        }
        if let Some(i) = idx[0] {
            self.set_weight(ops, &prefs[i], new_e);
        }
        if let Some(i) = idx[1] {
            self.set_weight(ops, &prefs[i], new_v);
        }
        if !new_prefs.is_empty() {
            self.insert(pending, notes, &PREF, Y::Seq(new_prefs));
        }
    }

    fn node_selector(&self, ops: &mut Ops, notes: &mut Vec<Note>) {
        let Some((field, entries)) = &self.view.node_selector else {
            return;
        };
        if !self.own(&field.route) {
            return;
        }
        let blocks = selector_blocks(self.view, self.facts);
        if blocks.is_empty() || self.skips("node-selector-blocks-overflow") {
            return;
        }
        if !self.opts.fix_node_selector {
            for (i, pool) in &blocks {
                let (k, v) = &entries[i.to_owned()];
                self.note(
                    notes,
                    k.node,
                    format!(
                        "left nodeSelector `{}: {}` that excludes {} nodes (pass --fix-node-selector to remove it)",
                        k.value, v.value, pool.name
                    ),
                );
            }
            return;
        }
        let map = self.doc.resolve(field.value);
        let mut remove: Vec<usize> = blocks.iter().map(|(i, _)| *i).collect();
        remove.sort_unstable();
        remove.dedup();
        if remove.len() == entries.len() {
            // Every entry goes: remove `nodeSelector` itself.
            if let Some(layer) = self.target.primary().node {
                ops.remove_entry(self.doc.resolve(layer), field.key);
            }
            return;
        }
        for i in remove {
            ops.remove_entry(map, entries[i].0.node);
        }
    }
}
