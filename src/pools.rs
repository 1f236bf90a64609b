//! The two node pools a gateway overflows between, and the node inventory (`--nodes`).
//!
//! The virtual pool is always known (flags or the ACK defaults). The ECS pool comes from
//! `--ecs-label`/`--ecs-taint`, else from `--nodes`, else it is inferred per gateway from its own
//! manifest (see `check::facts`), and every finding that relies on an inference says so.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::k8s;
use crate::read::yaml::{Document, NodeId};
use crate::read::{ReadError, Source};

/// `K=V` as written on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub key: String,
    pub value: String,
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={}", self.key, self.value)
    }
}

impl std::str::FromStr for Label {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (k, v) = s
            .split_once('=')
            .ok_or_else(|| format!("`{s}`: expected KEY=VALUE"))?;
        k8s::is_qualified_name(k).map_err(|e| format!("`{s}`: invalid label key: {e}"))?;
        k8s::is_valid_label_value(v).map_err(|e| format!("`{s}`: invalid label value: {e}"))?;
        Ok(Label {
            key: k.into(),
            value: v.into(),
        })
    }
}

/// Parses a taint as `kubectl taint` writes it: `KEY=VALUE:EFFECT` or `KEY:EFFECT`.
pub fn parse_taint(s: &str) -> Result<k8s::Taint, String> {
    let (kv, effect) = s
        .rsplit_once(':')
        .ok_or_else(|| format!("`{s}`: expected KEY=VALUE:EFFECT"))?;
    if !matches!(effect, "NoSchedule" | "PreferNoSchedule" | "NoExecute") {
        return Err(format!(
            "`{s}`: effect `{effect}` is not one of NoSchedule, PreferNoSchedule, NoExecute"
        ));
    }
    let (key, value) = kv.split_once('=').unwrap_or((kv, ""));
    k8s::is_qualified_name(key).map_err(|e| format!("`{s}`: invalid taint key: {e}"))?;
    if !value.is_empty() {
        k8s::is_valid_label_value(value).map_err(|e| format!("`{s}`: invalid taint value: {e}"))?;
    }
    Ok(k8s::Taint {
        key: key.into(),
        value: value.into(),
        effect: effect.into(),
    })
}

/// `kubectl taint` syntax of a taint.
pub fn taint_str(t: &k8s::Taint) -> String {
    if t.value.is_empty() {
        format!("{}:{}", t.key, t.effect)
    } else {
        format!("{}={}:{}", t.key, t.value, t.effect)
    }
}

/// Where a pool fact came from; findings that rely on it say so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Flag,
    Default,
    /// Read from the node inventory (the node's name).
    Nodes(String),
    /// Inferred from the manifest: the node whose value it was taken from.
    Inferred(NodeId),
}

/// One pool as far as it is known.
#[derive(Debug, Clone)]
pub struct Pool {
    pub label: Option<(Label, Origin)>,
    pub taint: Option<(k8s::Taint, Origin)>,
}

/// What the command line (and `--nodes`) say about both pools.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    pub ecs: Pool,
    pub virt: Pool,
}

impl PoolConfig {
    pub fn new(
        ecs_label: Option<Label>,
        ecs_taint: Option<k8s::Taint>,
        virtual_label: Option<Label>,
        virtual_taint: Option<k8s::Taint>,
    ) -> Self {
        let with = |v: Option<Label>, default: (&str, &str)| match v {
            Some(l) => (l, Origin::Flag),
            None => (
                Label {
                    key: default.0.into(),
                    value: default.1.into(),
                },
                Origin::Default,
            ),
        };
        PoolConfig {
            ecs: Pool {
                label: ecs_label.map(|l| (l, Origin::Flag)),
                taint: ecs_taint.map(|t| (t, Origin::Flag)),
            },
            virt: Pool {
                label: Some(with(virtual_label, ("type", "virtual-kubelet"))),
                taint: Some(match virtual_taint {
                    Some(t) => (t, Origin::Flag),
                    None => (
                        k8s::Taint {
                            key: "virtual-kubelet.io/provider".into(),
                            value: "alibabacloud".into(),
                            effect: "NoSchedule".into(),
                        },
                        Origin::Default,
                    ),
                }),
            },
        }
    }

    /// Fills what flags left open from the inventory: the ECS taint from the nodes that carry the
    /// ECS label, when they agree on exactly one taint that is not a well-known one.
    pub fn complete_from(&mut self, inv: &Inventory) {
        let Some((label, _)) = &self.ecs.label else {
            return;
        };
        if self.ecs.taint.is_some() {
            return;
        }
        let mut found: Option<(k8s::Taint, String)> = None;
        for n in inv
            .nodes
            .iter()
            .filter(|n| n.node.labels.get(&label.key) == Some(&label.value))
        {
            for t in &n.node.taints {
                if is_well_known_taint(&t.key) {
                    continue;
                }
                match &found {
                    None => found = Some((t.clone(), n.node.name.clone())),
                    Some((f, _)) if f == t => {}
                    Some(_) => return, // ambiguous
                }
            }
        }
        if let Some((t, name)) = found {
            self.ecs.taint = Some((t, Origin::Nodes(name)));
        }
    }
}

/// Taints Kubernetes or the cloud set by itself; never the ECS pool's own taint.
pub fn is_well_known_taint(key: &str) -> bool {
    key.starts_with("node.kubernetes.io/")
        || key.starts_with("node.cloudprovider.kubernetes.io/")
        || key.starts_with("node-role.kubernetes.io/")
        || key == "CriticalAddonsOnly"
        || key.starts_with("virtual-kubelet.io/")
        || key.starts_with("k8s.aliyun.com/")
}

/// A node of the inventory, with spans into the inventory file for findings.
#[derive(Debug, Clone)]
pub struct InvNode {
    pub node: k8s::Node,
    /// The node's `metadata.name` value.
    pub name_span: Range<usize>,
    /// `spec.unschedulable: true`, when set.
    pub unschedulable_span: Option<Range<usize>>,
    pub document: usize,
    /// `status.allocatable` cpu and memory, when the node states either; its pod count.
    pub allocatable: Option<k8s::scheduler::Resources>,
    pub allocatable_pods: Option<i64>,
}

/// `kubectl get nodes -o yaml|json` (a List of Node) or a stream of Node objects.
#[derive(Debug, Clone)]
pub struct Inventory {
    pub source: Source,
    pub nodes: Vec<InvNode>,
    /// Where a finding about the inventory as a whole points: the List's `items` key, else the
    /// first node's name.
    pub whole: (usize, Range<usize>),
}

impl Inventory {
    pub fn parse(
        source: Source,
        limits: crate::read::yaml::Limits,
    ) -> Result<Inventory, ReadError> {
        let mut nodes = Vec::new();
        let mut whole = None;
        let mut stream = crate::read::yaml::Stream::new(&source.text, limits);
        while let Some(doc) = stream.next_document() {
            let doc = doc.map_err(|e| ReadError {
                name: source.name.clone(),
                offset: Some(e.offset),
                message: e.message,
            })?;
            let Some(root) = doc.root else { continue };
            let kind = doc.get(root, "kind").and_then(|(_, v)| doc.scalar(v));
            match kind {
                Some("Node") => nodes.push(read_node(&doc, root)),
                Some("List" | "NodeList") => {
                    if let Some((items_key, items)) = doc.get(root, "items") {
                        whole.get_or_insert((doc.index, doc.span(items_key)));
                        for item in doc.items(items).unwrap_or(&[]) {
                            if doc
                                .get(*item, "kind")
                                .and_then(|(_, v)| doc.scalar(v))
                                .is_none_or(|k| k == "Node")
                            {
                                nodes.push(read_node(&doc, *item));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        if nodes.is_empty() {
            return Err(ReadError {
                name: source.name.clone(),
                offset: None,
                message: "expected Node objects (`kubectl get nodes -o yaml` prints a List of Node); found none".into(),
            });
        }
        drop(stream);
        let whole = whole.unwrap_or_else(|| (nodes[0].document, nodes[0].name_span.clone()));
        Ok(Inventory {
            source,
            nodes,
            whole,
        })
    }

    pub fn ecs_nodes<'i>(&'i self, label: &'i Label) -> impl Iterator<Item = &'i InvNode> + 'i {
        self.nodes
            .iter()
            .filter(move |n| n.node.labels.get(&label.key) == Some(&label.value))
    }
}

fn read_node(doc: &Document, node: NodeId) -> InvNode {
    let get = |path: &[&str]| -> Option<NodeId> {
        let mut cur = node;
        for p in path {
            cur = doc.get(cur, p)?.1;
        }
        Some(cur)
    };
    let name_node = get(&["metadata", "name"]);
    let mut labels = BTreeMap::new();
    if let Some(l) = get(&["metadata", "labels"]).and_then(|l| doc.entries(l)) {
        for (k, v) in l {
            if let (Some(k), Some(v)) = (doc.scalar(k), doc.scalar(v)) {
                labels.insert(k.to_owned(), v.to_owned());
            }
        }
    }
    let mut taints = Vec::new();
    if let Some(ts) = get(&["spec", "taints"]).and_then(|t| doc.items(t)) {
        for t in ts {
            let f = |k: &str| {
                doc.get(*t, k)
                    .and_then(|(_, v)| doc.scalar(v))
                    .unwrap_or("")
                    .to_owned()
            };
            taints.push(k8s::Taint {
                key: f("key"),
                value: f("value"),
                effect: f("effect"),
            });
        }
    }
    let unsched = get(&["spec", "unschedulable"]).filter(|u| doc.bool(*u) == Some(true));
    let alloc = get(&["status", "allocatable"]);
    let quantity = |k: &str| {
        alloc
            .and_then(|a| doc.get(a, k))
            .and_then(|(_, v)| doc.scalar(v))
    };
    let cpu = quantity("cpu").and_then(k8s::scheduler::cpu_millis);
    let memory = quantity("memory").and_then(k8s::scheduler::quantity_units);
    let allocatable = (cpu.is_some() || memory.is_some()).then(|| k8s::scheduler::Resources {
        cpu_millis: cpu.unwrap_or(0),
        memory: memory.unwrap_or(0),
    });
    InvNode {
        node: k8s::Node {
            name: name_node
                .and_then(|n| doc.scalar(n))
                .unwrap_or("")
                .to_owned(),
            labels,
            taints,
            unschedulable: unsched.is_some(),
        },
        name_span: name_node.map_or(doc.start..doc.start, |n| doc.span(n)),
        unschedulable_span: unsched.map(|u| doc.span(u)),
        document: doc.index,
        allocatable,
        allocatable_pods: quantity("pods").and_then(k8s::scheduler::quantity_units),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taints_parse_like_kubectl() {
        let t = parse_taint("mykey=myvalue:NoSchedule").unwrap();
        assert_eq!(
            (t.key.as_str(), t.value.as_str(), t.effect.as_str()),
            ("mykey", "myvalue", "NoSchedule")
        );
        let t = parse_taint("virtual-kubelet.io/provider=alibabacloud:NoSchedule").unwrap();
        assert_eq!(t.key, "virtual-kubelet.io/provider");
        assert_eq!(parse_taint("dedicated:NoExecute").unwrap().value, "");
        assert!(parse_taint("mykey=myvalue:NoScheduled").is_err());
        assert!(parse_taint("mykey=myvalue").is_err());
        assert_eq!(
            taint_str(&parse_taint("a=b:NoSchedule").unwrap()),
            "a=b:NoSchedule"
        );
    }

    #[test]
    fn labels_are_validated() {
        assert!("mykey4pod=asmgateway".parse::<Label>().is_ok());
        assert!("my key=x".parse::<Label>().is_err());
        assert!("novalue".parse::<Label>().is_err());
    }
}
