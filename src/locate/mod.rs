//! **locate**: which objects of a document are gateways, and where their pod scheduling fields
//! live (or would be inserted), as routes and nodes of the document tree.

pub mod select;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::read::yaml::{Document, NodeId, Route, Seg};
pub use select::Selector;

/// Which objects count as gateways and where pod specs of unknown kinds live.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--select`: replaces the default set when non-empty.
    pub select: Vec<Selector>,
    /// `--extend-select`: adds to the set.
    pub extend_select: Vec<Selector>,
    /// `--path`: JSONPath expressions into objects of no known kind.
    pub paths: Vec<String>,
}

/// The Kubernetes object a finding belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ObjectRef {
    pub kind: String,
    pub name: String,
    pub namespace: String,
    /// For objects holding several gateways: which one (an IstioOperator ingress gateway's
    /// name, an IstioGateway override's cluster, a `--path` match).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
}

/// `Kind namespace/name, component` (or `Kind at component` for an object without a name):
/// how every report names an object.
impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.kind)?;
        if !self.name.is_empty() {
            f.write_str(" ")?;
            if !self.namespace.is_empty() {
                write!(f, "{}/", self.namespace)?;
            }
            f.write_str(&self.name)?;
        }
        if let Some(c) = &self.component {
            write!(f, "{}{c}", if self.name.is_empty() { " at " } else { ", " })?;
        }
        Ok(())
    }
}

/// How the scheduling fields are laid out in the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// A core/v1 PodSpec (workloads, Pod).
    PodSpec,
    /// An ASM IstioGateway `spec` (or one of its `overrides`).
    IstioGateway,
    /// An IstioOperator ingress gateway's `k8s` block.
    IstioOperator,
    /// A Helm values file or other object reached by `--path`.
    Values,
}

/// A mapping that holds scheduling fields, or the route where it would be created.
#[derive(Debug, Clone)]
pub struct Layer {
    pub route: Route,
    /// The mapping, when it exists.
    pub node: Option<NodeId>,
    /// The nearest existing node on the route (where a "missing" finding points).
    pub anchor: NodeId,
    /// The key of the nearest existing node, when it has one (`spec:`, `k8s:`).
    pub key: Option<NodeId>,
}

/// One gateway pod spec to check.
#[derive(Debug, Clone)]
pub struct Target {
    pub object: ObjectRef,
    pub flavor: Flavor,
    /// Most specific first: an IstioGateway override, then the base spec it inherits from.
    pub layers: Vec<Layer>,
    /// The pod labels mapping, if any (`spec.template.metadata.labels`, `spec.podLabels`, ...).
    pub pod_labels: Option<NodeId>,
    /// The workload kind when it matters for ECI (DaemonSet).
    pub workload_kind: String,
    /// The object's own root node (the document root, or a ResourceList item).
    pub root: NodeId,
}

/// A field found through a target's layers.
#[derive(Debug, Clone)]
pub struct Field {
    pub key: NodeId,
    pub value: NodeId,
    pub route: Route,
}

impl Target {
    /// The first layer that sets `key`.
    pub fn field(&self, doc: &Document, key: &str) -> Option<Field> {
        self.layers.iter().find_map(|l| {
            let node = l.node?;
            let (k, v) = doc.get(node, key)?;
            Some(Field {
                key: k,
                value: v,
                route: l.route.child(key),
            })
        })
    }

    /// The most specific layer (where new fields go).
    pub fn primary(&self) -> &Layer {
        &self.layers[0]
    }
}

/// Workload kinds whose pod template lives at `spec.template.spec`.
const TEMPLATE_KINDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
];

/// What locating found in one document: targets, and objects passed over with the reason.
#[derive(Debug, Default)]
pub struct Located {
    pub targets: Vec<Target>,
    pub skipped: Vec<String>,
}

/// The string at a path of keys (looked up in place: this runs for every document).
fn str_at<'d>(doc: &'d Document, from: NodeId, route: &[&str]) -> Option<&'d str> {
    let mut cur = from;
    for key in route {
        cur = doc.get(cur, key)?.1;
    }
    doc.string(cur)
}

fn labels_of(doc: &Document, node: Option<NodeId>) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    if let Some(entries) = node.and_then(|n| doc.entries(n)) {
        for (k, v) in entries {
            if let (Some(k), Some(v)) = (doc.scalar(k), doc.scalar(v)) {
                m.insert(k.to_owned(), v.to_owned());
            }
        }
    }
    m
}

/// Builds a layer along `route` from the object: the node if it exists, else the nearest
/// ancestor. The layer's route is absolute: `prefix` (where the object is) then `route`.
fn layer(doc: &Document, root: NodeId, prefix: &Route, route: Route) -> Layer {
    let mut anchor = root;
    let mut key = None;
    let mut node = Some(root);
    for seg in &route.0 {
        let next = node.and_then(|n| match seg {
            Seg::Key(k) => doc.get(n, k).map(|(k, v)| (Some(k), v)),
            Seg::Index(i) => doc
                .items(n)
                .and_then(|it| it.get(*i).copied())
                .map(|v| (None, v)),
        });
        match next {
            Some((k, n)) if !doc.is_null(n) => {
                anchor = n;
                key = k;
                node = Some(n);
            }
            _ => {
                node = None;
                break;
            }
        }
    }
    let node = node.filter(|n| doc.is_map(*n));
    Layer {
        route: prefix.join(&route),
        node,
        anchor,
        key,
    }
}

fn key_route(keys: &[&str]) -> Route {
    Route(keys.iter().map(|k| Seg::Key((*k).to_owned())).collect())
}

fn is_gateway_labels(labels: &BTreeMap<String, String>) -> bool {
    labels.get("istio").is_some_and(|v| v == "ingressgateway")
        || labels
            .get("app")
            .is_some_and(|v| v == "istio-ingressgateway")
}

/// Finds the gateway pod specs of one document.
pub fn locate(doc: &Document, opts: &Options) -> Result<Located, String> {
    let Some(root) = doc.root else {
        return Ok(Located {
            targets: Vec::new(),
            skipped: vec!["empty document".into()],
        });
    };
    // `kubectl get ... -o yaml` prints several objects as a `kind: List` (apiVersion v1): each
    // item is an object of its own.
    if str_at(doc, root, &["kind"]) == Some("List") {
        if let Some((_, items)) = doc.get(root, "items") {
            let mut out = Located::default();
            for (i, item) in doc.items(items).unwrap_or(&[]).iter().enumerate() {
                let prefix = Route::default().child("items").index(i);
                let l = locate_object(doc, doc.resolve(*item), &prefix, opts)?;
                out.targets.extend(l.targets);
                out.skipped
                    .extend(l.skipped.into_iter().map(|s| format!("items[{i}]: {s}")));
            }
            return Ok(out);
        }
    }
    locate_object(doc, root, &Route::default(), opts)
}

/// Finds the gateway pod specs of the object at `root`, which sits at `prefix` in its document
/// (the document root, or an item of a KRM `ResourceList`). Routes in the result are absolute.
pub fn locate_object(
    doc: &Document,
    root: NodeId,
    prefix: &Route,
    opts: &Options,
) -> Result<Located, String> {
    let mut out = Located::default();
    if !doc.is_map(root) {
        out.skipped.push("not a mapping".into());
        return Ok(out);
    }
    let kind = str_at(doc, root, &["kind"]).unwrap_or("").to_owned();
    let api_version = str_at(doc, root, &["apiVersion"]).unwrap_or("").to_owned();
    let object = ObjectRef {
        kind: kind.clone(),
        name: str_at(doc, root, &["metadata", "name"])
            .unwrap_or("")
            .to_owned(),
        namespace: str_at(doc, root, &["metadata", "namespace"])
            .unwrap_or("")
            .to_owned(),
        component: None,
    };
    let group = api_version.split('/').next().unwrap_or("");
    let describe = |o: &ObjectRef| {
        if o.kind.is_empty() {
            "object without kind".to_string()
        } else {
            format!("{}/{}", o.kind, o.name)
        }
    };
    // What the selectors say about an object with these pod labels.
    let chosen = |default: bool, labels: &BTreeMap<String, String>| -> bool {
        let m = |s: &Selector| s.matches(&object.kind, &object.name, &object.namespace, labels);
        let base = if opts.select.is_empty() {
            default
        } else {
            opts.select.iter().any(m)
        };
        base || opts.extend_select.iter().any(m)
    };

    match (kind.as_str(), group) {
        ("IstioGateway", "istio.alibabacloud.com") => {
            let spec = layer(doc, root, prefix, key_route(&["spec"]));
            let labels_node = spec
                .node
                .and_then(|s| doc.get(s, "podLabels"))
                .map(|(_, v)| v);
            let labels = labels_of(doc, labels_node);
            if !chosen(true, &labels) {
                out.skipped
                    .push(format!("{}: not selected", describe(&object)));
                return Ok(out);
            }
            out.targets.push(Target {
                object: object.clone(),
                flavor: Flavor::IstioGateway,
                layers: vec![spec.clone()],
                pod_labels: labels_node,
                workload_kind: kind.clone(),
                root,
            });
            // Per-cluster overrides: each that sets scheduling fields is a pod spec of its own,
            // inheriting what it does not set from the base spec.
            if let Some((_, ov)) = spec.node.and_then(|s| doc.get(s, "overrides")) {
                let entries: Vec<(String, Route, NodeId)> = if let Some(items) = doc.items(ov) {
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, n)| {
                            let name = str_at(doc, *n, &["clusterId"])
                                .or_else(|| str_at(doc, *n, &["name"]))
                                .map_or_else(|| format!("overrides[{i}]"), str::to_owned);
                            (name, key_route(&["spec", "overrides"]).index(i), *n)
                        })
                        .collect()
                } else {
                    doc.entries(ov)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(k, v)| {
                            let name = doc.scalar(k).unwrap_or("").to_owned();
                            (
                                name.clone(),
                                key_route(&["spec", "overrides"]).child(&name),
                                v,
                            )
                        })
                        .collect()
                };
                for (name, route, node) in entries {
                    let sets_scheduling = ["affinity", "tolerations", "nodeSelector"]
                        .iter()
                        .any(|k| doc.get(node, k).is_some());
                    if !doc.is_map(node) || !sets_scheduling {
                        continue;
                    }
                    let mut o = object.clone();
                    o.component = Some(format!("override {name}"));
                    out.targets.push(Target {
                        object: o,
                        flavor: Flavor::IstioGateway,
                        layers: vec![
                            Layer {
                                route: prefix.join(&route),
                                node: Some(node),
                                anchor: node,
                                key: None,
                            },
                            spec.clone(),
                        ],
                        pod_labels: labels_node,
                        workload_kind: kind.clone(),
                        root,
                    });
                }
            }
        }
        ("IstioOperator", "install.istio.io") => {
            let gws = doc.at(
                root,
                &key_route(&["spec", "components", "ingressGateways"]).0,
            );
            let items = gws.and_then(|g| doc.items(g)).unwrap_or(&[]);
            if items.is_empty() {
                out.skipped
                    .push(format!("{}: no ingress gateways", describe(&object)));
            }
            for (i, gw) in items.iter().enumerate() {
                let name = str_at(doc, *gw, &["name"]).unwrap_or("").to_owned();
                if doc.get(*gw, "enabled").and_then(|(_, v)| doc.bool(v)) == Some(false) {
                    out.skipped.push(format!(
                        "{}: ingress gateway {name} is disabled",
                        describe(&object)
                    ));
                    continue;
                }
                let labels_node = doc.get(*gw, "label").map(|(_, v)| v);
                let mut labels = labels_of(doc, labels_node);
                labels
                    .entry("istio".into())
                    .or_insert_with(|| "ingressgateway".into());
                if !chosen(true, &labels) {
                    out.skipped.push(format!(
                        "{}: ingress gateway {name} not selected",
                        describe(&object)
                    ));
                    continue;
                }
                let mut o = object.clone();
                o.component = Some(if name.is_empty() {
                    format!("ingressGateways[{i}]")
                } else {
                    name
                });
                out.targets.push(Target {
                    object: o,
                    flavor: Flavor::IstioOperator,
                    layers: vec![layer(
                        doc,
                        root,
                        prefix,
                        key_route(&["spec", "components", "ingressGateways"])
                            .index(i)
                            .child("k8s"),
                    )],
                    pod_labels: labels_node,
                    workload_kind: kind.clone(),
                    root,
                });
            }
        }
        (k, _) if TEMPLATE_KINDS.contains(&k) || k == "CronJob" || k == "Pod" => {
            let (pod, meta): (&[&str], &[&str]) = match k {
                "Pod" => (&["spec"], &["metadata"]),
                "CronJob" => (
                    &["spec", "jobTemplate", "spec", "template", "spec"],
                    &["spec", "jobTemplate", "spec", "template", "metadata"],
                ),
                _ => (
                    &["spec", "template", "spec"],
                    &["spec", "template", "metadata"],
                ),
            };
            let labels_node = doc
                .at(root, &key_route(meta).0)
                .and_then(|m| doc.get(m, "labels"))
                .map(|(_, v)| v);
            let labels = labels_of(doc, labels_node);
            if !chosen(is_gateway_labels(&labels), &labels) {
                out.skipped.push(format!(
                    "{}: not a gateway (pod labels carry neither istio=ingressgateway nor app=istio-ingressgateway; use --select or --extend-select)",
                    describe(&object)
                ));
                return Ok(out);
            }
            out.targets.push(Target {
                object,
                flavor: Flavor::PodSpec,
                layers: vec![layer(doc, root, prefix, key_route(pod))],
                pod_labels: labels_node,
                workload_kind: kind,
                root,
            });
        }
        _ => {
            if opts.paths.is_empty() {
                out.skipped.push(format!(
                    "{}: not a workload or gateway kind",
                    describe(&object)
                ));
                return Ok(out);
            }
            let mut budget = 1_000_000usize;
            let Some(json) = doc.to_json(root, &mut budget) else {
                return Err("document too large to query with --path (over 1,000,000 values after alias expansion)".into());
            };
            for p in &opts.paths {
                use jsonpath_rust::JsonPath;
                let found = json
                    .query_only_path(p)
                    .map_err(|e| format!("invalid --path `{p}`: {e}"))?;
                if found.is_empty() {
                    out.skipped.push(format!(
                        "{}: --path `{p}` matches nothing",
                        describe(&object)
                    ));
                }
                for qp in found {
                    let route = parse_query_path(&qp)
                        .ok_or_else(|| format!("cannot follow JSONPath result `{qp}`"))?;
                    let l = layer(doc, root, prefix, route);
                    if l.node.is_none() {
                        continue;
                    }
                    let mut o = object.clone();
                    if o.kind.is_empty() {
                        o.kind = "Values".into();
                    }
                    o.component = Some(p.clone());
                    out.targets.push(Target {
                        object: o,
                        flavor: Flavor::Values,
                        pod_labels: l.node.and_then(|n| doc.get(n, "podLabels")).map(|(_, v)| v),
                        layers: vec![l],
                        workload_kind: String::new(),
                        root,
                    });
                }
            }
        }
    }
    Ok(out)
}

/// Turns a normalized JSONPath (`$['spec'][0]['k8s']`) into a route.
fn parse_query_path(p: &str) -> Option<Route> {
    let mut rest = p.strip_prefix('$')?;
    let mut segs = Vec::new();
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[')?;
        if let Some(q) = inner.strip_prefix('\'') {
            let mut key = String::new();
            let mut chars = q.char_indices();
            let end = loop {
                let (i, c) = chars.next()?;
                match c {
                    '\\' => key.push(chars.next()?.1),
                    '\'' => break i,
                    c => key.push(c),
                }
            };
            rest = q[end + 1..].strip_prefix(']')?;
            segs.push(Seg::Key(key));
        } else {
            let close = inner.find(']')?;
            segs.push(Seg::Index(inner[..close].trim().parse().ok()?));
            rest = &inner[close + 1..];
        }
    }
    Some(Route(segs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_paths_become_routes() {
        assert_eq!(parse_query_path("$").unwrap(), Route(vec![]));
        assert_eq!(
            parse_query_path("$['a'][2]['b\\'c']").unwrap(),
            Route(vec![
                Seg::Key("a".into()),
                Seg::Index(2),
                Seg::Key("b'c".into())
            ])
        );
    }
}
