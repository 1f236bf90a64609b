//! Inputs of the scheduler engine ([`crate::k8s::scheduler`]) read from documents: each node's
//! capacity (`status.allocatable`) and labels and taints, a gateway's requests and replica
//! count, the pods already running (`kubectl get pods -A -o yaml`), and which pool a node is in.
//! Used by `spillway simulate`/`status` and by audit's `no-node-fits` rule.

use std::collections::BTreeMap;

use crate::check::{facts, view};
use crate::k8s::scheduler::{
    self, ContainerRequests, NodeState, Outcome, Pod, PodRequests, Reason,
};
use std::path::Path;

use crate::locate::{self, Flavor, Layer, ObjectRef, Target};
use crate::pools::{Inventory, Label};
use crate::read;
use crate::read::yaml::{Document, Limits, NodeId, Route, Stream};

pub fn path_get(doc: &Document, from: NodeId, path: &[&str]) -> Option<NodeId> {
    let mut cur = from;
    for p in path {
        cur = doc.get(cur, p)?.1;
    }
    Some(cur)
}

fn scalar_at<'d>(doc: &'d Document, from: NodeId, path: &[&str]) -> Option<&'d str> {
    path_get(doc, from, path).and_then(|n| doc.scalar(n))
}

/// The scheduler's view of every inventory node, in inventory order: labels, taints and cordon
/// and `status.allocatable` (cpu, memory, pods), all read once by [`Inventory::parse`].
pub fn node_states(inv: &Inventory) -> Vec<NodeState> {
    inv.nodes
        .iter()
        .map(|n| NodeState {
            node: n.node.clone(),
            allocatable: n.allocatable,
            allocatable_pods: n.allocatable_pods,
            ..NodeState::default()
        })
        .collect()
}

/// A container's requests; a limit stands in for a missing request, as the apiserver defaults it.
pub fn container_requests(doc: &Document, resources: Option<NodeId>) -> ContainerRequests {
    let Some(res) = resources else {
        return ContainerRequests::default();
    };
    let pick = |k: &str, parse: fn(&str) -> Option<i64>| {
        ["requests", "limits"]
            .iter()
            .find_map(|w| scalar_at(doc, res, &[w, k]).and_then(parse))
    };
    ContainerRequests {
        cpu_millis: pick("cpu", scheduler::cpu_millis),
        memory: pick("memory", scheduler::quantity_units),
    }
}

/// The requests of a pod spec (containers summed, raised to the largest init container).
pub fn pod_spec_requests(doc: &Document, spec: NodeId) -> PodRequests {
    let list = |k: &str| -> Vec<ContainerRequests> {
        doc.get(spec, k)
            .and_then(|(_, v)| doc.items(v))
            .unwrap_or(&[])
            .iter()
            .map(|c| container_requests(doc, doc.get(*c, "resources").map(|(_, v)| v)))
            .collect()
    };
    PodRequests::of(&list("containers"), &list("initContainers"))
}

/// The gateway pod's requests: a workload's containers, or the gateway container's `resources`
/// of an IstioGateway, IstioOperator gateway or Helm values.
pub fn gateway_requests(doc: &Document, target: &Target) -> PodRequests {
    match target.flavor {
        Flavor::PodSpec => target
            .primary()
            .node
            .map(|s| pod_spec_requests(doc, s))
            .unwrap_or_else(|| PodRequests::of(&[ContainerRequests::default()], &[])),
        _ => {
            let res = target.field(doc, "resources").map(|f| f.value);
            PodRequests::of(&[container_requests(doc, res)], &[])
        }
    }
}

/// The engine's pod for a gateway: its scheduling fields and requests.
pub fn engine_pod(doc: &Document, target: &Target, v: &view::PodView) -> Pod {
    Pod {
        required: v.required.as_ref().map(|_| view::required_terms(v)),
        node_selector: v.selector_map(),
        preferred: v.preferred().iter().map(|p| p.term.clone()).collect(),
        tolerations: v.k8s_tolerations(),
        requests: gateway_requests(doc, target),
        gates: Default::default(),
    }
}

/// The replica count the manifest asks for, and where it came from.
pub fn replicas_of(doc: &Document, target: &Target) -> (usize, String) {
    let int = |f: Option<locate::Field>| {
        f.and_then(|f| {
            doc.int(f.value)
                .filter(|v| *v >= 0)
                .map(|v| (v as usize, f.route.pointer()))
        })
    };
    let found = match target.flavor {
        Flavor::IstioGateway | Flavor::Values => {
            int(target.field(doc, "replicaCount")).or_else(|| int(target.field(doc, "minReplicas")))
        }
        Flavor::IstioOperator => int(target.field(doc, "replicaCount")).or_else(|| {
            target.field(doc, "hpaSpec").and_then(|h| {
                doc.get(h.value, "minReplicas").and_then(|(_, v)| {
                    doc.int(v)
                        .filter(|v| *v >= 0)
                        .map(|n| (n as usize, h.route.child("minReplicas").pointer()))
                })
            })
        }),
        Flavor::PodSpec => match target.workload_kind.as_str() {
            "Deployment" | "StatefulSet" | "ReplicaSet" => doc
                .get(target.root, "spec")
                .and_then(|(_, s)| doc.get(s, "replicas"))
                .and_then(|(_, v)| doc.int(v))
                .filter(|v| *v >= 0)
                .map(|v| (v as usize, "spec.replicas".to_string())),
            _ => None,
        },
    };
    match found {
        Some((n, from)) => (
            n,
            format!(
                "manifest {}",
                from.trim_start_matches('/').replace('/', ".")
            ),
        ),
        None => (1, "no replica count in the manifest: 1".to_string()),
    }
}

/// A pod of `kubectl get pods -A -o yaml`.
#[derive(Debug, Clone)]
pub struct PodRecord {
    pub name: String,
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
    pub node_name: Option<String>,
    pub phase: String,
    /// The `PodScheduled` condition's message (or reason) when it is not `True`.
    pub scheduled_message: Option<String>,
    pub requests: PodRequests,
    /// The pod's own scheduling fields, as the engine reads them.
    pub spec: Pod,
    /// The same fields as the audit reads them (to infer the ECS pool without a manifest).
    pub view: view::PodView,
    /// The Deployment that owns it, from its ReplicaSet owner and `pod-template-hash`.
    pub deployment: Option<String>,
}

impl PodRecord {
    pub fn terminal(&self) -> bool {
        matches!(self.phase.as_str(), "Succeeded" | "Failed")
    }
    pub fn pending(&self) -> bool {
        self.node_name.is_none() || self.phase == "Pending"
    }
}

pub fn read_pod(doc: &Document, item: NodeId) -> PodRecord {
    let s = |p: &[&str]| scalar_at(doc, item, p).map(str::to_owned);
    let mut labels = BTreeMap::new();
    if let Some(l) = path_get(doc, item, &["metadata", "labels"]).and_then(|l| doc.entries(l)) {
        for (k, v) in l {
            if let (Some(k), Some(v)) = (doc.scalar(k), doc.scalar(v)) {
                labels.insert(k.to_owned(), v.to_owned());
            }
        }
    }
    let mut scheduled_message = None;
    if let Some(cs) = path_get(doc, item, &["status", "conditions"]).and_then(|c| doc.items(c)) {
        for c in cs {
            if scalar_at(doc, *c, &["type"]) == Some("PodScheduled")
                && scalar_at(doc, *c, &["status"]) != Some("True")
            {
                scheduled_message = scalar_at(doc, *c, &["message"])
                    .or_else(|| scalar_at(doc, *c, &["reason"]))
                    .map(str::to_owned);
            }
        }
    }
    let spec_node = path_get(doc, item, &["spec"]);
    let requests = spec_node
        .map(|s| pod_spec_requests(doc, s))
        .unwrap_or_default();
    let mut pod_view = view::PodView::default();
    let spec = match spec_node {
        Some(sn) => {
            let target = Target {
                object: ObjectRef::default(),
                flavor: Flavor::PodSpec,
                layers: vec![Layer {
                    route: Route::default().child("spec"),
                    node: Some(sn),
                    anchor: sn,
                    key: None,
                }],
                pod_labels: None,
                workload_kind: "Pod".into(),
                root: item,
            };
            let v = view::read(doc, &target);
            let mut p = engine_pod(doc, &target, &v);
            p.requests = requests;
            pod_view = v;
            p
        }
        None => Pod::default(),
    };
    let hash = labels.get("pod-template-hash").cloned();
    let deployment = path_get(doc, item, &["metadata", "ownerReferences"])
        .and_then(|o| doc.items(o))
        .unwrap_or(&[])
        .iter()
        .find(|o| scalar_at(doc, **o, &["kind"]) == Some("ReplicaSet"))
        .and_then(|o| scalar_at(doc, *o, &["name"]))
        .and_then(|rs| match &hash {
            Some(h) => rs.strip_suffix(&format!("-{h}")).map(str::to_owned),
            None => rs.rsplit_once('-').map(|(d, _)| d.to_owned()),
        });
    PodRecord {
        name: s(&["metadata", "name"]).unwrap_or_default(),
        namespace: s(&["metadata", "namespace"]).unwrap_or_default(),
        labels,
        node_name: s(&["spec", "nodeName"]).filter(|n| !n.is_empty()),
        phase: s(&["status", "phase"]).unwrap_or_default(),
        scheduled_message,
        requests,
        spec,
        view: pod_view,
        deployment,
    }
}

/// Reads `kubectl get pods -A -o yaml|json` (a List of Pod) or a stream of Pod objects.
pub fn read_pods(path: &str, limits: Limits) -> Result<Vec<PodRecord>, String> {
    let src = if path == "-" {
        read::read_stdin()
    } else {
        read::read_file(Path::new(path))
    }
    .map_err(|e| format!("--pods {}: {}", e.name, e.message))?;
    let mut out = Vec::new();
    let mut stream = Stream::new(&src.text, limits);
    while let Some(doc) = stream.next_document() {
        let doc = doc.map_err(|e| {
            let (l, c) = read::lines::LineIndex::new(&src.text).line_col(e.offset);
            format!("--pods {}:{l}:{c}: {}", src.name, e.message)
        })?;
        let Some(root) = doc.root else { continue };
        match scalar_at(&doc, root, &["kind"]) {
            Some("Pod") => out.push(read_pod(&doc, root)),
            Some("List" | "PodList") => {
                if let Some((_, items)) = doc.get(root, "items") {
                    for item in doc.items(items).unwrap_or(&[]) {
                        let item = doc.resolve(*item);
                        if scalar_at(&doc, item, &["kind"]).is_none_or(|k| k == "Pod") {
                            out.push(read_pod(&doc, item));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Adds the requests of the pods bound to a node (not Succeeded or Failed) to the node states.
pub fn add_running(nodes: &mut [NodeState], pods: &[PodRecord]) {
    for p in pods.iter().filter(|p| !p.terminal()) {
        if let Some(n) = nodes
            .iter_mut()
            .find(|n| Some(&n.node.name) == p.node_name.as_ref())
        {
            n.requested.add(p.requests);
            n.pods += 1;
        }
    }
}

/// Which pool a node belongs to for one gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolKind {
    Ecs,
    Virtual,
    Other,
}

impl PoolKind {
    pub fn json(self) -> &'static str {
        match self {
            PoolKind::Ecs => "ecs",
            PoolKind::Virtual => "virtual",
            PoolKind::Other => "other",
        }
    }
    pub fn human(self) -> &'static str {
        match self {
            PoolKind::Ecs => "ECS",
            PoolKind::Virtual => "virtual",
            PoolKind::Other => "other",
        }
    }
}

pub fn has(n: &crate::k8s::Node, l: Option<&Label>) -> bool {
    l.is_some_and(|l| n.labels.get(&l.key) == Some(&l.value))
}

pub fn pools_of(nodes: &[NodeState], f: &facts::Facts) -> Vec<PoolKind> {
    nodes
        .iter()
        .map(|n| {
            if has(&n.node, f.ecs.label()) {
                PoolKind::Ecs
            } else if has(&n.node, f.virt.label()) {
                PoolKind::Virtual
            } else {
                PoolKind::Other
            }
        })
        .collect()
}

/// Why no node takes one replica of the gateway (no running pods counted), or `None` when some
/// node does. Used by the `no-node-fits` audit rule.
pub fn no_node_fits(pod: &Pod, inv: &Inventory) -> Option<Vec<(String, Reason)>> {
    let nodes = node_states(inv);
    let p = scheduler::schedule_one(pod, &nodes);
    if p.node.is_some() {
        return None;
    }
    Some(
        nodes
            .iter()
            .zip(p.outcomes)
            .filter_map(|(n, o)| match o {
                Outcome::Rejected(r) => Some((n.node.name.clone(), r)),
                Outcome::Scored(_) => None,
            })
            .collect(),
    )
}
