//! Typed views of a target's scheduling fields: each value with its node (for spans) and route
//! (for JSON paths and edits), the plain `k8s` structs for the semantics, and every value of the
//! wrong type as a [`TypeError`] (a finding, not a parse error: the YAML is fine, the object is not).

use std::collections::BTreeMap;

use crate::k8s;
use crate::locate::{Field, Flavor, Target};
use crate::read::yaml::{Document, NodeId, Route};

/// A string value with where it is.
#[derive(Debug, Clone)]
pub struct Str {
    pub value: String,
    pub node: NodeId,
    pub route: Route,
}

/// An integer value with where it is.
#[derive(Debug, Clone)]
pub struct Int {
    pub value: i64,
    pub node: NodeId,
    pub route: Route,
}

/// A value whose YAML type is not what the Kubernetes schema wants.
#[derive(Debug, Clone)]
pub struct TypeError {
    pub node: NodeId,
    pub route: Route,
    pub expected: &'static str,
    pub found: &'static str,
}

#[derive(Debug, Clone)]
pub struct ReqView {
    pub node: NodeId,
    pub route: Route,
    pub key: Option<Str>,
    pub operator: Option<Str>,
    pub values: Vec<Str>,
    /// The `values` value node, when present.
    pub values_node: Option<NodeId>,
    pub req: k8s::Requirement,
}

#[derive(Debug, Clone)]
pub struct TermView {
    pub node: NodeId,
    pub route: Route,
    pub exprs: Vec<ReqView>,
    pub fields: Vec<ReqView>,
    pub term: k8s::Term,
}

#[derive(Debug, Clone)]
pub struct RequiredView {
    pub field: Field,
    pub terms: Vec<TermView>,
}

#[derive(Debug, Clone)]
pub struct PrefView {
    pub node: NodeId,
    pub route: Route,
    pub weight: Option<Int>,
    pub preference: Option<TermView>,
    pub term: k8s::PreferredTerm,
}

#[derive(Debug, Clone)]
pub struct TolView {
    pub node: NodeId,
    pub route: Route,
    pub key: Option<Str>,
    pub operator: Option<Str>,
    pub value: Option<Str>,
    pub effect: Option<Str>,
    pub seconds: Option<Int>,
    pub tol: k8s::Toleration,
}

/// A node with its route, for ECI facts.
#[derive(Debug, Clone)]
pub struct At {
    pub node: NodeId,
    pub route: Route,
}

/// What ECI cares about, whatever the affinity says.
#[derive(Debug, Clone, Default)]
pub struct EciFacts {
    pub host_network: Option<At>,
    pub host_ports: Vec<At>,
    pub host_paths: Vec<At>,
    /// Summed CPU requests of the containers, in millicores, with the node to point at.
    pub cpu_millis: i64,
    pub cpu_at: Option<At>,
    pub containers: usize,
    pub containers_at: Option<At>,
    /// `alibabacloud.com/eci` or `eci` pod label set to "true".
    pub eci_label: Option<At>,
}

/// Everything the rules read about one gateway pod spec.
#[derive(Debug, Clone, Default)]
pub struct PodView {
    pub affinity: Option<Field>,
    pub node_affinity: Option<Field>,
    pub required: Option<RequiredView>,
    pub preferred: Option<(Field, Vec<PrefView>)>,
    pub tolerations: Option<(Field, Vec<TolView>)>,
    pub node_selector: Option<(Field, Vec<(Str, Str)>)>,
    pub type_errors: Vec<TypeError>,
    pub eci: EciFacts,
}

impl PodView {
    pub fn tolerations(&self) -> &[TolView] {
        self.tolerations.as_ref().map_or(&[], |(_, t)| t)
    }

    pub fn preferred(&self) -> &[PrefView] {
        self.preferred.as_ref().map_or(&[], |(_, p)| p)
    }

    pub fn k8s_tolerations(&self) -> Vec<k8s::Toleration> {
        self.tolerations().iter().map(|t| t.tol.clone()).collect()
    }

    pub fn selector_map(&self) -> BTreeMap<String, String> {
        self.node_selector
            .as_ref()
            .map(|(_, kv)| {
                kv.iter()
                    .map(|(k, v)| (k.value.clone(), v.value.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

struct Reader<'d, 'a> {
    doc: &'d Document<'a>,
    errors: Vec<TypeError>,
}

impl Reader<'_, '_> {
    fn wrong(&mut self, node: NodeId, route: &Route, expected: &'static str) {
        self.errors.push(TypeError {
            node,
            route: route.clone(),
            expected,
            found: self.doc.type_name(node),
        });
    }

    /// A mapping value, or `None` (null counts as absent; another type is a type error).
    fn map(&mut self, node: NodeId, route: &Route) -> Option<Vec<(NodeId, NodeId)>> {
        if self.doc.is_null(node) {
            return None;
        }
        match self.doc.entries(node) {
            Some(e) => Some(e),
            None => {
                self.wrong(node, route, "a mapping");
                None
            }
        }
    }

    fn seq(&mut self, node: NodeId, route: &Route) -> Option<Vec<NodeId>> {
        if self.doc.is_null(node) {
            return None;
        }
        match self.doc.items(node) {
            Some(i) => Some(i.to_vec()),
            None => {
                self.wrong(node, route, "a list");
                None
            }
        }
    }

    fn string(&mut self, node: NodeId, route: &Route) -> Option<Str> {
        if self.doc.is_null(node) {
            return None;
        }
        match self.doc.string(node) {
            Some(s) => Some(Str {
                value: s.to_owned(),
                node,
                route: route.clone(),
            }),
            None => {
                self.wrong(node, route, "a string");
                None
            }
        }
    }

    fn int(&mut self, node: NodeId, route: &Route) -> Option<Int> {
        if self.doc.is_null(node) {
            return None;
        }
        match self.doc.int(node) {
            Some(v) => Some(Int {
                value: v,
                node,
                route: route.clone(),
            }),
            None => {
                self.wrong(node, route, "an integer");
                None
            }
        }
    }

    fn key<'x>(&self, entries: &'x [(NodeId, NodeId)], key: &str) -> Option<&'x (NodeId, NodeId)> {
        entries
            .iter()
            .find(|(k, _)| self.doc.scalar(*k) == Some(key))
    }

    fn requirement(&mut self, node: NodeId, route: Route) -> Option<ReqView> {
        let entries = self.map(node, &route)?;
        let mut r = ReqView {
            node,
            route: route.clone(),
            key: None,
            operator: None,
            values: Vec::new(),
            values_node: None,
            req: k8s::Requirement::default(),
        };
        if let Some(&(_, v)) = self.key(&entries, "key") {
            r.key = self.string(v, &route.child("key"));
        }
        if let Some(&(_, v)) = self.key(&entries, "operator") {
            r.operator = self.string(v, &route.child("operator"));
        }
        if let Some(&(_, v)) = self.key(&entries, "values") {
            r.values_node = Some(v);
            let vr = route.child("values");
            for (i, item) in self.seq(v, &vr).unwrap_or_default().into_iter().enumerate() {
                if let Some(s) = self.string(item, &vr.index(i)) {
                    r.values.push(s);
                } else if self.doc.is_null(item) {
                    self.wrong(item, &vr.index(i), "a string");
                }
            }
        }
        r.req = k8s::Requirement {
            key: r.key.as_ref().map(|s| s.value.clone()).unwrap_or_default(),
            operator: r
                .operator
                .as_ref()
                .map(|s| s.value.clone())
                .unwrap_or_default(),
            values: r.values.iter().map(|s| s.value.clone()).collect(),
        };
        Some(r)
    }

    fn term(&mut self, node: NodeId, route: Route) -> Option<TermView> {
        let entries = self.map(node, &route).unwrap_or_default();
        let mut t = TermView {
            node,
            route: route.clone(),
            exprs: Vec::new(),
            fields: Vec::new(),
            term: k8s::Term::default(),
        };
        for (name, is_expr) in [("matchExpressions", true), ("matchFields", false)] {
            if let Some(&(_, v)) = self.key(&entries, name) {
                let lr = route.child(name);
                for (i, item) in self.seq(v, &lr).unwrap_or_default().into_iter().enumerate() {
                    if let Some(r) = self.requirement(item, lr.index(i)) {
                        if is_expr {
                            t.exprs.push(r);
                        } else {
                            t.fields.push(r);
                        }
                    }
                }
            }
        }
        t.term = k8s::Term {
            match_expressions: t.exprs.iter().map(|r| r.req.clone()).collect(),
            match_fields: t.fields.iter().map(|r| r.req.clone()).collect(),
        };
        Some(t)
    }

    fn toleration(&mut self, node: NodeId, route: Route) -> Option<TolView> {
        let entries = self.map(node, &route)?;
        let mut t = TolView {
            node,
            route: route.clone(),
            key: None,
            operator: None,
            value: None,
            effect: None,
            seconds: None,
            tol: k8s::Toleration::default(),
        };
        for (name, slot) in [
            ("key", &mut t.key),
            ("operator", &mut t.operator),
            ("value", &mut t.value),
            ("effect", &mut t.effect),
        ] {
            if let Some(&(_, v)) = self.key(&entries, name) {
                *slot = self.string(v, &route.child(name));
            }
        }
        if let Some(&(_, v)) = self.key(&entries, "tolerationSeconds") {
            t.seconds = self.int(v, &route.child("tolerationSeconds"));
        }
        t.tol = k8s::Toleration {
            key: t.key.as_ref().map(|s| s.value.clone()),
            operator: t.operator.as_ref().map(|s| s.value.clone()),
            value: t.value.as_ref().map(|s| s.value.clone()),
            effect: t.effect.as_ref().map(|s| s.value.clone()),
            toleration_seconds: t.seconds.as_ref().map(|s| s.value),
        };
        Some(t)
    }
}

/// Parses a CPU quantity (`500m`, `2`, `1.5`) into millicores.
pub fn cpu_millis(q: &str) -> Option<i64> {
    if let Some(m) = q.strip_suffix('m') {
        return m.parse::<i64>().ok();
    }
    let v: f64 = q.parse().ok()?;
    if !v.is_finite() {
        return None;
    }
    Some((v * 1000.0).ceil() as i64)
}

/// Reads a target's scheduling fields.
pub fn read(doc: &Document, target: &Target) -> PodView {
    let mut r = Reader {
        doc,
        errors: Vec::new(),
    };
    let mut v = PodView::default();
    // A pod spec that is there but is not a mapping (`spec: "text"`) has no fields to read.
    for layer in &target.layers {
        if layer.node.is_none() {
            if let Some(n) = doc.root.and_then(|root| doc.at(root, &layer.route.0)) {
                r.map(n, &layer.route);
            }
        }
    }
    if let Some(aff) = target.field(doc, "affinity") {
        if let Some(entries) = r.map(aff.value, &aff.route) {
            if let Some(&(k, na)) = r.key(&entries, "nodeAffinity") {
                let na_route = aff.route.child("nodeAffinity");
                v.node_affinity = Some(Field {
                    key: k,
                    value: na,
                    route: na_route.clone(),
                });
                if let Some(na_entries) = r.map(na, &na_route) {
                    if let Some(&(rk, rv)) = r.key(
                        &na_entries,
                        "requiredDuringSchedulingIgnoredDuringExecution",
                    ) {
                        let rroute =
                            na_route.child("requiredDuringSchedulingIgnoredDuringExecution");
                        let field = Field {
                            key: rk,
                            value: rv,
                            route: rroute.clone(),
                        };
                        let mut terms = Vec::new();
                        if let Some(re) = r.map(rv, &rroute) {
                            if let Some(&(_, tv)) = r.key(&re, "nodeSelectorTerms") {
                                let troute = rroute.child("nodeSelectorTerms");
                                for (i, item) in r
                                    .seq(tv, &troute)
                                    .unwrap_or_default()
                                    .into_iter()
                                    .enumerate()
                                {
                                    if let Some(t) = r.term(item, troute.index(i)) {
                                        terms.push(t);
                                    }
                                }
                            }
                        }
                        v.required = Some(RequiredView { field, terms });
                    }
                    if let Some(&(pk, pv)) = r.key(
                        &na_entries,
                        "preferredDuringSchedulingIgnoredDuringExecution",
                    ) {
                        let proute =
                            na_route.child("preferredDuringSchedulingIgnoredDuringExecution");
                        let mut prefs = Vec::new();
                        for (i, item) in r
                            .seq(pv, &proute)
                            .unwrap_or_default()
                            .into_iter()
                            .enumerate()
                        {
                            let iroute = proute.index(i);
                            let Some(entries) = r.map(item, &iroute) else {
                                continue;
                            };
                            let weight = r
                                .key(&entries, "weight")
                                .copied()
                                .and_then(|(_, w)| r.int(w, &iroute.child("weight")));
                            let preference = r
                                .key(&entries, "preference")
                                .copied()
                                .and_then(|(_, p)| r.term(p, iroute.child("preference")));
                            let term = k8s::PreferredTerm {
                                weight: weight.as_ref().map_or(0, |w| w.value),
                                preference: preference
                                    .as_ref()
                                    .map(|p| p.term.clone())
                                    .unwrap_or_default(),
                            };
                            prefs.push(PrefView {
                                node: item,
                                route: iroute,
                                weight,
                                preference,
                                term,
                            });
                        }
                        v.preferred = Some((
                            Field {
                                key: pk,
                                value: pv,
                                route: proute,
                            },
                            prefs,
                        ));
                    }
                }
            }
        }
        v.affinity = Some(aff);
    }
    if let Some(tf) = target.field(doc, "tolerations") {
        let mut tols = Vec::new();
        for (i, item) in r
            .seq(tf.value, &tf.route)
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            if let Some(t) = r.toleration(item, tf.route.index(i)) {
                tols.push(t);
            }
        }
        v.tolerations = Some((tf, tols));
    }
    if let Some(nf) = target.field(doc, "nodeSelector") {
        let mut kv = Vec::new();
        for (k, val) in r.map(nf.value, &nf.route).unwrap_or_default() {
            let Some(name) = doc.scalar(k).map(str::to_owned) else {
                continue;
            };
            let kr = nf.route.child(&name);
            let key = Str {
                value: name,
                node: k,
                route: kr.clone(),
            };
            if let Some(s) = r.string(val, &kr) {
                kv.push((key, s));
            } else if doc.is_null(val) {
                r.wrong(val, &kr, "a string");
            }
        }
        v.node_selector = Some((nf, kv));
    }
    v.eci = eci_facts(doc, target);
    v.type_errors = r.errors;
    v
}

fn eci_facts(doc: &Document, target: &Target) -> EciFacts {
    let mut f = EciFacts::default();
    if let Some(h) = target.field(doc, "hostNetwork") {
        if doc.bool(h.value) == Some(true) {
            f.host_network = Some(At {
                node: h.value,
                route: h.route,
            });
        }
    }
    if let Some(labels) = target.pod_labels.and_then(|l| doc.entries(l)) {
        for (k, v) in labels {
            let key = doc.scalar(k);
            if matches!(key, Some("alibabacloud.com/eci" | "eci")) && doc.scalar(v) == Some("true")
            {
                f.eci_label = Some(At {
                    node: k,
                    route: Route::default(),
                });
            }
        }
    }
    match target.flavor {
        Flavor::PodSpec => {
            let layer = target.primary();
            let Some(spec) = layer.node else { return f };
            if let Some((_, vols)) = doc.get(spec, "volumes") {
                for (i, vol) in doc.items(vols).unwrap_or(&[]).iter().enumerate() {
                    if let Some((hk, _)) = doc.get(*vol, "hostPath") {
                        f.host_paths.push(At {
                            node: hk,
                            route: layer.route.child("volumes").index(i).child("hostPath"),
                        });
                    }
                }
            }
            if let Some((ck, cs)) = doc.get(spec, "containers") {
                let items = doc.items(cs).unwrap_or(&[]);
                f.containers = items.len();
                f.containers_at = Some(At {
                    node: ck,
                    route: layer.route.child("containers"),
                });
                for (i, c) in items.iter().enumerate() {
                    let croute = layer.route.child("containers").index(i);
                    if let Some((_, ports)) = doc.get(*c, "ports") {
                        for (j, p) in doc.items(ports).unwrap_or(&[]).iter().enumerate() {
                            if let Some((hk, hv)) = doc.get(*p, "hostPort") {
                                if doc.int(hv).is_some_and(|v| v != 0) {
                                    f.host_ports.push(At {
                                        node: hk,
                                        route: croute.child("ports").index(j).child("hostPort"),
                                    });
                                }
                            }
                        }
                    }
                    add_cpu(doc, *c, &croute, &mut f);
                }
            }
        }
        Flavor::IstioGateway | Flavor::IstioOperator | Flavor::Values => {
            f.containers = 1;
            if let Some(res) = target.field(doc, "resources") {
                let mut g = EciFacts::default();
                let holder = res.route.0[..res.route.0.len() - 1].to_vec();
                // `resources` sits directly in the layer: read it as a container's.
                for l in &target.layers {
                    if let Some(n) = l.node {
                        if l.route.0 == holder {
                            add_cpu(doc, n, &l.route, &mut g);
                            break;
                        }
                    }
                }
                f.cpu_millis = g.cpu_millis;
                f.cpu_at = g.cpu_at;
            }
        }
    }
    f
}

/// Adds a container's CPU request (its limit when it has no request, as the apiserver defaults it).
fn add_cpu(doc: &Document, container: NodeId, route: &Route, f: &mut EciFacts) {
    let Some((_, res)) = doc.get(container, "resources") else {
        return;
    };
    for which in ["requests", "limits"] {
        if let Some((_, m)) = doc.get(res, which) {
            if let Some((_, cpu)) = doc.get(m, "cpu") {
                let q = doc.scalar(cpu).unwrap_or("");
                if let Some(mc) = cpu_millis(q) {
                    f.cpu_millis += mc;
                    if f.cpu_at.is_none() {
                        f.cpu_at = Some(At {
                            node: cpu,
                            route: route.child("resources").child(which).child("cpu"),
                        });
                    }
                    return;
                }
            }
        }
    }
}

/// Reads the plain node selector terms of a view (helper for facts).
pub fn required_terms(v: &PodView) -> Vec<k8s::Term> {
    v.required
        .as_ref()
        .map(|r| r.terms.iter().map(|t| t.term.clone()).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_quantities() {
        assert_eq!(cpu_millis("500m"), Some(500));
        assert_eq!(cpu_millis("2"), Some(2000));
        assert_eq!(cpu_millis("1.5"), Some(1500));
        assert_eq!(cpu_millis("lots"), None);
    }
}
