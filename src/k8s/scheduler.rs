//! A pure model of the default kube-scheduler profile, reduced to what decides where a gateway pod
//! lands between ECS nodes and virtual nodes: filters `NodeUnschedulable`, `TaintToleration`,
//! `NodeAffinity` (nodeSelector and required terms) and `NodeResourcesFit` (cpu, memory, pod
//! count), in upstream's plugin order (`pkg/scheduler/apis/config/v1/default_plugins.go`), the
//! first failing filter being the node's reason; scores `TaintToleration` (weight 3),
//! `NodeAffinity` (2), `NodeResourcesFit` LeastAllocated (1) and
//! `NodeResourcesBalancedAllocation` (1), each normalized to 0..100 as upstream does. Ties on the
//! total are broken by node name (the smallest wins), where the real scheduler picks at random.
//!
//! Kubernetes quantities (`500m`, `12858444Ki`, `2G`, `1e3`, `10k`) are parsed exactly by
//! [`parse_quantity`]. No I/O, no dependency beyond `std` and the sibling modules.

use std::collections::BTreeMap;
use std::fmt;

use super::{Gates, Node, PreferredTerm, Taint, Term, Toleration};

/// Default plugin weights of the scored plugins modelled here.
pub const WEIGHT_TAINT_TOLERATION: i64 = 3;
pub const WEIGHT_NODE_AFFINITY: i64 = 2;
pub const WEIGHT_FIT: i64 = 1;
pub const WEIGHT_BALANCED: i64 = 1;
/// `framework.MaxNodeScore`.
pub const MAX_NODE_SCORE: i64 = 100;
/// `schedutil.DefaultMilliCPURequest`: what LeastAllocated counts for a container without a cpu request.
pub const DEFAULT_MILLI_CPU_REQUEST: i64 = 100;
/// `schedutil.DefaultMemoryRequest` (200 MiB).
pub const DEFAULT_MEMORY_REQUEST: i64 = 200 * 1024 * 1024;
/// The taint a cordoned node is treated as having (`v1.TaintNodeUnschedulable`).
pub const TAINT_UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";

/// Parses a Kubernetes quantity and returns `ceil(value × 10^scale)`, as `resource.Quantity`'s
/// `ScaledValue` rounds up (`scale` 3 gives millis, 0 gives units). Accepts an optional sign,
/// digits with an optional decimal point, then one suffix: binary `Ki Mi Gi Ti Pi Ei`, decimal
/// `n u m k M G T P E`, or an exponent `e<int>`/`E<int>`. `None` for anything else or on overflow.
pub fn parse_quantity(s: &str, scale: i32) -> Option<i128> {
    let s = s.trim();
    let (neg, rest) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let num_end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (num, suffix) = rest.split_at(num_end);
    let (int_part, frac_part) = num.split_once('.').unwrap_or((num, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    if frac_part.contains('.') || int_part.len() + frac_part.len() > 30 {
        return None;
    }
    let mut mantissa: i128 = 0;
    for c in int_part.chars().chain(frac_part.chars()) {
        mantissa = mantissa
            .checked_mul(10)?
            .checked_add(c.to_digit(10)? as i128)?;
    }
    // value = mantissa × 10^(exp10 - frac) × 2^exp2
    let (exp10, exp2): (i32, u32) = match suffix {
        "" => (0, 0),
        "Ki" => (0, 10),
        "Mi" => (0, 20),
        "Gi" => (0, 30),
        "Ti" => (0, 40),
        "Pi" => (0, 50),
        "Ei" => (0, 60),
        "n" => (-9, 0),
        "u" => (-6, 0),
        "m" => (-3, 0),
        "k" => (3, 0),
        "M" => (6, 0),
        "G" => (9, 0),
        "T" => (12, 0),
        "P" => (15, 0),
        "E" => (18, 0),
        _ => {
            let e = suffix
                .strip_prefix('e')
                .or_else(|| suffix.strip_prefix('E'))?;
            let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (e.parse::<i32>().ok()?, 0)
        }
    };
    let mut v = mantissa.checked_mul(1i128.checked_shl(exp2)?)?;
    let p = exp10
        .checked_sub(frac_part.len() as i32)?
        .checked_add(scale)?;
    if p >= 0 {
        v = v.checked_mul(10i128.checked_pow(p as u32)?)?;
    } else {
        let d = 10i128.checked_pow(p.unsigned_abs());
        v = match d {
            Some(d) => {
                let q = v / d;
                if v % d != 0 {
                    if neg {
                        q
                    } else {
                        q + 1
                    }
                } else {
                    q
                }
            }
            // Smaller than any representable unit: rounds up to 1 (or 0 when negative or zero).
            None => i128::from(v > 0 && !neg),
        };
    }
    Some(if neg { -v } else { v })
}

/// CPU in millicores (`500m` → 500, `2` → 2000, `1.5` → 1500, `10k` → 10,000,000), rounded up.
pub fn cpu_millis(s: &str) -> Option<i64> {
    parse_quantity(s, 3).and_then(|v| i64::try_from(v).ok())
}

/// A quantity in whole units, rounded up (memory in bytes: `256Mi` → 268435456).
pub fn quantity_units(s: &str) -> Option<i64> {
    parse_quantity(s, 0).and_then(|v| i64::try_from(v).ok())
}

/// Millicores as `kubectl` would think of cores: `2`, `1.5`, `0.25`.
pub fn format_cpu(millis: i64) -> String {
    if millis % 1000 == 0 {
        return (millis / 1000).to_string();
    }
    let sign = if millis < 0 { "-" } else { "" };
    let m = millis.unsigned_abs();
    let frac = format!("{:03}", m % 1000);
    format!("{sign}{}.{}", m / 1000, frac.trim_end_matches('0'))
}

/// Bytes in the largest binary unit that divides them exactly (`256Mi`, `12858444Ki`), else bytes.
pub fn format_memory(bytes: i64) -> String {
    if bytes == 0 {
        return "0".into();
    }
    for (unit, shift) in [("Ti", 40), ("Gi", 30), ("Mi", 20), ("Ki", 10)] {
        if bytes % (1i64 << shift) == 0 {
            return format!("{}{unit}", bytes >> shift);
        }
    }
    bytes.to_string()
}

/// CPU (millicores) and memory (bytes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resources {
    pub cpu_millis: i64,
    pub memory: i64,
}

impl Resources {
    pub fn add(&mut self, o: Resources) {
        self.cpu_millis += o.cpu_millis;
        self.memory += o.memory;
    }

    pub fn is_zero(&self) -> bool {
        self.cpu_millis == 0 && self.memory == 0
    }

    /// Per resource, the larger of the two (init containers against the app containers).
    pub fn max(self, o: Resources) -> Resources {
        Resources {
            cpu_millis: self.cpu_millis.max(o.cpu_millis),
            memory: self.memory.max(o.memory),
        }
    }
}

/// One container's requests (`None`: not requested; a limit standing in is the caller's business).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContainerRequests {
    pub cpu_millis: Option<i64>,
    pub memory: Option<i64>,
}

/// What a pod asks for, both as requested and as the scorers count it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PodRequests {
    /// The actual requests (NodeResourcesFit's filter, BalancedAllocation).
    pub actual: Resources,
    /// With 100m / 200 MiB for each container that requests none (LeastAllocated).
    pub non_zero: Resources,
}

impl PodRequests {
    /// A pod's requests from its containers and init containers (`resourcehelper.PodRequests`: the
    /// sum over containers, raised to the largest init container; `GetNonzeroRequests` per container).
    pub fn of(containers: &[ContainerRequests], init: &[ContainerRequests]) -> PodRequests {
        let actual = |c: &ContainerRequests| Resources {
            cpu_millis: c.cpu_millis.unwrap_or(0),
            memory: c.memory.unwrap_or(0),
        };
        let non_zero = |c: &ContainerRequests| Resources {
            cpu_millis: c
                .cpu_millis
                .filter(|v| *v != 0)
                .unwrap_or(DEFAULT_MILLI_CPU_REQUEST),
            memory: c
                .memory
                .filter(|v| *v != 0)
                .unwrap_or(DEFAULT_MEMORY_REQUEST),
        };
        let mut out = PodRequests::default();
        for c in containers {
            out.actual.add(actual(c));
            out.non_zero.add(non_zero(c));
        }
        for c in init {
            out.actual = out.actual.max(actual(c));
            out.non_zero = out.non_zero.max(non_zero(c));
        }
        out
    }

    pub fn add(&mut self, o: PodRequests) {
        self.actual.add(o.actual);
        self.non_zero.add(o.non_zero);
    }
}

/// A node as the scheduler sees it: labels, taints, cordon, allocatable, and what its pods request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeState {
    pub node: Node,
    /// `status.allocatable` cpu and memory; `None` when the node does not say (then the resource
    /// filter and scores are skipped for it, and [`Reason`]s never blame its capacity).
    pub allocatable: Option<Resources>,
    /// `status.allocatable.pods`.
    pub allocatable_pods: Option<i64>,
    /// What the pods already bound to the node request.
    pub requested: PodRequests,
    pub pods: i64,
}

/// The gateway pod's scheduling inputs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pod {
    /// `requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms` (`None`: not set).
    pub required: Option<Vec<Term>>,
    pub node_selector: BTreeMap<String, String>,
    pub preferred: Vec<PreferredTerm>,
    pub tolerations: Vec<Toleration>,
    pub requests: PodRequests,
    pub gates: Gates,
}

/// Why a node was filtered out: the first failing filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// NodeUnschedulable.
    Cordoned,
    /// TaintToleration.
    UntoleratedTaint(Taint),
    /// NodeAffinity: a nodeSelector entry the node lacks.
    NodeSelector { key: String, value: String },
    /// NodeAffinity: no required term matches.
    NoRequiredTerm,
    /// NodeResourcesFit: too many pods.
    TooManyPods { allocatable: i64 },
    /// NodeResourcesFit: cpu (millicores).
    InsufficientCpu { requests: i64, free: i64 },
    /// NodeResourcesFit: memory (bytes).
    InsufficientMemory { requests: i64, free: i64 },
}

impl Reason {
    /// The filter plugin that rejected the node.
    pub fn plugin(&self) -> &'static str {
        match self {
            Reason::Cordoned => "NodeUnschedulable",
            Reason::UntoleratedTaint(_) => "TaintToleration",
            Reason::NodeSelector { .. } | Reason::NoRequiredTerm => "NodeAffinity",
            _ => "NodeResourcesFit",
        }
    }

    /// Whether the node itself (its state) is the cause rather than the pod's scheduling fields.
    pub fn is_capacity(&self) -> bool {
        matches!(
            self,
            Reason::TooManyPods { .. }
                | Reason::InsufficientCpu { .. }
                | Reason::InsufficientMemory { .. }
        )
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Cordoned => f.write_str("node is cordoned (unschedulable)"),
            Reason::UntoleratedTaint(t) => {
                if t.value.is_empty() {
                    write!(f, "untolerated taint {}:{}", t.key, t.effect)
                } else {
                    write!(f, "untolerated taint {}={}:{}", t.key, t.value, t.effect)
                }
            }
            Reason::NodeSelector { key, value } => {
                write!(
                    f,
                    "nodeSelector {key}={value} does not match the node's labels"
                )
            }
            Reason::NoRequiredTerm => f.write_str("no required node affinity term matches"),
            Reason::TooManyPods { allocatable } => {
                write!(f, "too many pods (allocatable {allocatable})")
            }
            Reason::InsufficientCpu { requests, free } => write!(
                f,
                "insufficient cpu (requests {}, free {})",
                format_cpu(*requests),
                format_cpu(*free)
            ),
            Reason::InsufficientMemory { requests, free } => write!(
                f,
                "insufficient memory (requests {}, free {})",
                format_memory(*requests),
                format_memory(*free)
            ),
        }
    }
}

/// The first filter the node fails, in upstream's order, or `None` when it is feasible.
pub fn filter(pod: &Pod, n: &NodeState) -> Option<Reason> {
    // NodeUnschedulable: a pod tolerating the unschedulable taint may still land on a cordoned node.
    if n.node.unschedulable {
        let t = Taint {
            key: TAINT_UNSCHEDULABLE.into(),
            value: String::new(),
            effect: super::EFFECT_NO_SCHEDULE.into(),
        };
        if !super::tolerates_any(&pod.tolerations, &t, &pod.gates) {
            return Some(Reason::Cordoned);
        }
    }
    // TaintToleration.
    if let Some(t) = super::find_matching_untolerated_taint(
        &n.node.taints,
        &pod.tolerations,
        &pod.gates,
        super::does_not_schedule,
    ) {
        return Some(Reason::UntoleratedTaint(t.clone()));
    }
    // NodeAffinity: nodeSelector first, then the required terms.
    for (k, v) in &pod.node_selector {
        if n.node.labels.get(k) != Some(v) {
            return Some(Reason::NodeSelector {
                key: k.clone(),
                value: v.clone(),
            });
        }
    }
    if let Some(terms) = &pod.required {
        if !super::terms_match(terms, &n.node) {
            return Some(Reason::NoRequiredTerm);
        }
    }
    // NodeResourcesFit.
    if let Some(max) = n.allocatable_pods {
        if n.pods + 1 > max {
            return Some(Reason::TooManyPods { allocatable: max });
        }
    }
    if let Some(alloc) = n.allocatable {
        let req = pod.requests.actual;
        let free_cpu = alloc.cpu_millis - n.requested.actual.cpu_millis;
        if req.cpu_millis > 0 && req.cpu_millis > free_cpu {
            return Some(Reason::InsufficientCpu {
                requests: req.cpu_millis,
                free: free_cpu,
            });
        }
        let free_mem = alloc.memory - n.requested.actual.memory;
        if req.memory > 0 && req.memory > free_mem {
            return Some(Reason::InsufficientMemory {
                requests: req.memory,
                free: free_mem,
            });
        }
    }
    None
}

/// One feasible node's scores: each plugin's normalized 0..100 score and the weighted total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scores {
    pub node_affinity: i64,
    pub taint_toleration: i64,
    pub fit: i64,
    /// `None` when the plugin is skipped (the pod requests neither cpu nor memory).
    pub balanced: Option<i64>,
    pub total: i64,
}

fn least_requested(requested: i64, capacity: i64) -> i64 {
    if capacity == 0 || requested > capacity {
        return 0;
    }
    (capacity - requested) * MAX_NODE_SCORE / capacity
}

/// NodeResourcesFit's LeastAllocated score (non-zero requests, pod included).
fn fit_score(pod: &Pod, n: &NodeState) -> i64 {
    let Some(alloc) = n.allocatable else { return 0 };
    let req = Resources {
        cpu_millis: n.requested.non_zero.cpu_millis + pod.requests.non_zero.cpu_millis,
        memory: n.requested.non_zero.memory + pod.requests.non_zero.memory,
    };
    let (mut sum, mut weights) = (0, 0);
    for (r, c) in [
        (req.cpu_millis, alloc.cpu_millis),
        (req.memory, alloc.memory),
    ] {
        if c == 0 {
            continue;
        }
        sum += least_requested(r, c);
        weights += 1;
    }
    if weights == 0 {
        0
    } else {
        sum / weights
    }
}

/// NodeResourcesBalancedAllocation (actual requests, pod included).
fn balanced_score(pod: &Pod, n: &NodeState) -> i64 {
    let Some(alloc) = n.allocatable else { return 0 };
    let req = Resources {
        cpu_millis: n.requested.actual.cpu_millis + pod.requests.actual.cpu_millis,
        memory: n.requested.actual.memory + pod.requests.actual.memory,
    };
    let mut fractions = Vec::new();
    for (r, c) in [
        (req.cpu_millis, alloc.cpu_millis),
        (req.memory, alloc.memory),
    ] {
        if c == 0 {
            continue;
        }
        fractions.push((r as f64 / c as f64).min(1.0));
    }
    let std = if fractions.len() == 2 {
        ((fractions[0] - fractions[1]) / 2.0).abs()
    } else {
        0.0
    };
    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
}

/// `helper.DefaultNormalizeScore`.
fn normalize(raw: &mut [i64], reverse: bool) {
    let max = raw.iter().copied().max().unwrap_or(0);
    for s in raw.iter_mut() {
        *s = if max == 0 {
            if reverse {
                MAX_NODE_SCORE
            } else {
                0
            }
        } else {
            let v = MAX_NODE_SCORE * *s / max;
            if reverse {
                MAX_NODE_SCORE - v
            } else {
                v
            }
        };
    }
}

/// Scores the feasible nodes (indices into `nodes`), in the same order.
pub fn score(pod: &Pod, nodes: &[NodeState], feasible: &[usize]) -> Vec<Scores> {
    let mut affinity: Vec<i64> = feasible
        .iter()
        .map(|&i| {
            // A preferred term that fails to parse makes upstream's PreScore fail; count it as 0.
            super::preferred_weight_sum(&pod.preferred, &nodes[i].node).unwrap_or(0)
        })
        .collect();
    normalize(&mut affinity, false);
    let prefer_tolerations: Vec<Toleration> = pod
        .tolerations
        .iter()
        .filter(|t| {
            t.effect
                .as_deref()
                .is_none_or(|e| e.is_empty() || e == super::EFFECT_PREFER_NO_SCHEDULE)
        })
        .cloned()
        .collect();
    let mut taints: Vec<i64> = feasible
        .iter()
        .map(|&i| {
            nodes[i]
                .node
                .taints
                .iter()
                .filter(|t| t.effect == super::EFFECT_PREFER_NO_SCHEDULE)
                .filter(|t| !super::tolerates_any(&prefer_tolerations, t, &pod.gates))
                .count() as i64
        })
        .collect();
    normalize(&mut taints, true);
    let skip_balanced = pod.requests.actual.is_zero();
    feasible
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let fit = fit_score(pod, &nodes[i]);
            let balanced = (!skip_balanced).then(|| balanced_score(pod, &nodes[i]));
            Scores {
                node_affinity: affinity[k],
                taint_toleration: taints[k],
                fit,
                balanced,
                total: WEIGHT_TAINT_TOLERATION * taints[k]
                    + WEIGHT_NODE_AFFINITY * affinity[k]
                    + WEIGHT_FIT * fit
                    + WEIGHT_BALANCED * balanced.unwrap_or(0),
            }
        })
        .collect()
}

/// Where one replica went and what the scheduler thought of every node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// Index into the nodes of the chosen node; `None`: Pending.
    pub node: Option<usize>,
    /// Per node (in input order): its reason when filtered out, else its scores.
    pub outcomes: Vec<Outcome>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Rejected(Reason),
    Scored(Scores),
}

/// Schedules one pod on the nodes as they are (nothing is changed). Ties on the total score go
/// to the smallest node name.
pub fn schedule_one(pod: &Pod, nodes: &[NodeState]) -> Placement {
    let mut outcomes: Vec<Option<Outcome>> = vec![None; nodes.len()];
    let mut feasible = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        match filter(pod, n) {
            Some(r) => outcomes[i] = Some(Outcome::Rejected(r)),
            None => feasible.push(i),
        }
    }
    let scores = score(pod, nodes, &feasible);
    let mut best: Option<(usize, i64)> = None;
    for (k, &i) in feasible.iter().enumerate() {
        let total = scores[k].total;
        let better = match best {
            None => true,
            Some((b, bt)) => total > bt || (total == bt && nodes[i].node.name < nodes[b].node.name),
        };
        if better {
            best = Some((i, total));
        }
        outcomes[i] = Some(Outcome::Scored(scores[k]));
    }
    Placement {
        node: best.map(|(i, _)| i),
        outcomes: outcomes.into_iter().map(|o| o.expect("set")).collect(),
    }
}

/// Places `replicas` copies of the pod one at a time, each placed replica's requests (and pod
/// count) added to its node before the next; `nodes` ends up holding the final state.
pub fn place(pod: &Pod, nodes: &mut [NodeState], replicas: usize) -> Vec<Placement> {
    let mut out = Vec::with_capacity(replicas);
    for _ in 0..replicas {
        let p = schedule_one(pod, nodes);
        if let Some(i) = p.node {
            nodes[i].requested.add(pod.requests);
            nodes[i].pods += 1;
        }
        out.push(p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, labels: &[(&str, &str)], cpu: i64, mem: i64) -> NodeState {
        NodeState {
            node: Node {
                name: name.into(),
                labels: labels
                    .iter()
                    .map(|(k, v)| ((*k).into(), (*v).into()))
                    .collect(),
                ..Node::default()
            },
            allocatable: Some(Resources {
                cpu_millis: cpu,
                memory: mem,
            }),
            ..NodeState::default()
        }
    }

    fn req(key: &str, value: &str) -> Term {
        Term {
            match_expressions: vec![super::super::Requirement {
                key: key.into(),
                operator: "In".into(),
                values: vec![value.into()],
            }],
            match_fields: vec![],
        }
    }

    fn taint(k: &str, v: &str, e: &str) -> Taint {
        Taint {
            key: k.into(),
            value: v.into(),
            effect: e.into(),
        }
    }

    fn tol(k: &str, v: &str, e: &str) -> Toleration {
        Toleration {
            key: Some(k.into()),
            operator: Some("Equal".into()),
            value: Some(v.into()),
            effect: Some(e.into()),
            toleration_seconds: None,
        }
    }

    const GI: i64 = 1 << 30;

    fn gateway() -> Pod {
        Pod {
            required: Some(vec![
                req("mykey4pod", "asmgateway"),
                req("type", "virtual-kubelet"),
            ]),
            preferred: vec![
                PreferredTerm {
                    weight: 80,
                    preference: req("mykey4pod", "asmgateway"),
                },
                PreferredTerm {
                    weight: 20,
                    preference: req("type", "virtual-kubelet"),
                },
            ],
            tolerations: vec![
                tol("mykey", "myvalue", "NoSchedule"),
                tol("virtual-kubelet.io/provider", "alibabacloud", "NoSchedule"),
            ],
            requests: PodRequests::of(
                &[ContainerRequests {
                    cpu_millis: Some(1000),
                    memory: Some(GI),
                }],
                &[],
            ),
            ..Pod::default()
        }
    }

    fn cluster() -> Vec<NodeState> {
        let mut ecs = node("node1", &[("mykey4pod", "asmgateway")], 2000, 8 * GI);
        ecs.node.taints = vec![taint("mykey", "myvalue", "NoSchedule")];
        let plain = node("node2", &[], 4000, 16 * GI);
        let mut virt = node(
            "virtual-kubelet",
            &[("type", "virtual-kubelet")],
            10_000_000,
            40 << 40,
        );
        virt.node.taints = vec![taint(
            "virtual-kubelet.io/provider",
            "alibabacloud",
            "NoSchedule",
        )];
        virt.allocatable_pods = Some(10_000);
        vec![ecs, plain, virt]
    }

    #[test]
    fn quantities_parse_exactly() {
        assert_eq!(cpu_millis("500m"), Some(500));
        assert_eq!(cpu_millis("2"), Some(2000));
        assert_eq!(cpu_millis("1.5"), Some(1500));
        assert_eq!(cpu_millis("3920m"), Some(3920));
        assert_eq!(cpu_millis("10k"), Some(10_000_000));
        assert_eq!(cpu_millis("0.0001"), Some(1)); // rounds up
        assert_eq!(cpu_millis("100u"), Some(1));
        assert_eq!(cpu_millis("1e3"), Some(1_000_000));
        assert_eq!(quantity_units("256Mi"), Some(256 << 20));
        assert_eq!(quantity_units("12858444Ki"), Some(12_858_444 * 1024));
        assert_eq!(quantity_units("2G"), Some(2_000_000_000));
        assert_eq!(quantity_units("40Ti"), Some(40i64 << 40));
        assert_eq!(quantity_units("1.5Gi"), Some(3 << 29));
        assert_eq!(quantity_units("128974848"), Some(128_974_848));
        assert_eq!(quantity_units("129e6"), Some(129_000_000));
        assert_eq!(quantity_units("129E6"), Some(129_000_000));
        assert_eq!(quantity_units("123M"), Some(123_000_000));
        assert_eq!(quantity_units("1E"), Some(1_000_000_000_000_000_000));
        assert_eq!(quantity_units("1Ei"), Some(1 << 60));
        assert_eq!(quantity_units("500m"), Some(1)); // 0.5 byte rounds up
        assert_eq!(quantity_units("1e-3"), Some(1));
        assert_eq!(quantity_units(".5k"), Some(500));
        assert_eq!(quantity_units("-1Ki"), Some(-1024));
        assert_eq!(quantity_units("0"), Some(0));
        for bad in [
            "", "Mi", "1.2.3", "1Kb", "lots", "1 Mi", "1e", "1e+", "9Ei9", "1ki",
        ] {
            assert_eq!(quantity_units(bad), None, "{bad}");
        }
        assert_eq!(quantity_units("100Ei"), None); // overflows i64
    }

    #[test]
    fn formatting() {
        assert_eq!(format_cpu(2000), "2");
        assert_eq!(format_cpu(1500), "1.5");
        assert_eq!(format_cpu(250), "0.25");
        assert_eq!(format_cpu(1), "0.001");
        assert_eq!(format_memory(256 << 20), "256Mi");
        assert_eq!(format_memory(3 << 29), "1536Mi");
        assert_eq!(format_memory(1000), "1000");
    }

    #[test]
    fn requests_and_non_zero_defaults() {
        let r = PodRequests::of(
            &[
                ContainerRequests {
                    cpu_millis: Some(200),
                    memory: None,
                },
                ContainerRequests::default(),
            ],
            &[ContainerRequests {
                cpu_millis: Some(500),
                memory: Some(1),
            }],
        );
        assert_eq!(
            r.actual,
            Resources {
                cpu_millis: 500,
                memory: 1
            }
        );
        assert_eq!(
            r.non_zero,
            Resources {
                cpu_millis: 500,
                memory: 2 * DEFAULT_MEMORY_REQUEST
            }
        );
    }

    #[test]
    fn ecs_first_then_overflow() {
        let mut nodes = cluster();
        let placed = place(&gateway(), &mut nodes, 3);
        let names: Vec<Option<&str>> = placed
            .iter()
            .map(|p| p.node.map(|i| nodes[i].node.name.as_str()))
            .collect();
        assert_eq!(
            names,
            [Some("node1"), Some("node1"), Some("virtual-kubelet")]
        );
        // node2 never matches a required term; node1 is full for the third replica.
        assert_eq!(
            placed[0].outcomes[1],
            Outcome::Rejected(Reason::NoRequiredTerm)
        );
        assert_eq!(
            placed[2].outcomes[0],
            Outcome::Rejected(Reason::InsufficientCpu {
                requests: 1000,
                free: 0
            })
        );
        assert_eq!(
            placed[2].outcomes[0].clone(),
            Outcome::Rejected(Reason::InsufficientCpu {
                requests: 1000,
                free: 0
            })
        );
        assert_eq!(
            Reason::InsufficientCpu {
                requests: 2000,
                free: 1500
            }
            .to_string(),
            "insufficient cpu (requests 2, free 1.5)"
        );
        assert_eq!(nodes[0].pods, 2);
        assert_eq!(nodes[2].pods, 1);
    }

    #[test]
    fn scores_follow_upstream_formulas() {
        let nodes = cluster();
        let p = schedule_one(&gateway(), &nodes);
        let Outcome::Scored(ecs) = p.outcomes[0] else {
            panic!("{p:?}")
        };
        let Outcome::Scored(virt) = p.outcomes[2] else {
            panic!("{p:?}")
        };
        // NodeAffinity: 80 vs 20, normalized to 100 and 25.
        assert_eq!((ecs.node_affinity, virt.node_affinity), (100, 25));
        // No PreferNoSchedule taints: all 100.
        assert_eq!((ecs.taint_toleration, virt.taint_toleration), (100, 100));
        // LeastAllocated on node1: cpu (2000-1000)*100/2000 = 50, memory (8-1)/8 = 87 → 68.
        assert_eq!(ecs.fit, (50 + 87) / 2);
        // Balanced: |0.5 - 0.125| / 2 = 0.1875 → 81.
        assert_eq!(ecs.balanced, Some(81));
        assert_eq!(ecs.total, 300 + 200 + 68 + 81);
        assert!(virt.total < ecs.total);
    }

    #[test]
    fn first_failing_filter_wins_in_upstream_order() {
        let mut nodes = cluster();
        nodes[0].node.unschedulable = true;
        let mut pod = gateway();
        pod.tolerations.remove(0);
        let p = schedule_one(&pod, &nodes);
        assert_eq!(p.outcomes[0], Outcome::Rejected(Reason::Cordoned));
        nodes[0].node.unschedulable = false;
        let p = schedule_one(&pod, &nodes);
        assert_eq!(
            p.outcomes[0],
            Outcome::Rejected(Reason::UntoleratedTaint(taint(
                "mykey",
                "myvalue",
                "NoSchedule"
            )))
        );
        assert_eq!(
            Reason::UntoleratedTaint(taint("mykey", "myvalue", "NoSchedule")).to_string(),
            "untolerated taint mykey=myvalue:NoSchedule"
        );
        assert_eq!(nodes[p.node.unwrap()].node.name, "virtual-kubelet");
        // A toleration of the unschedulable taint lets a pod onto a cordoned node.
        nodes[0].node.unschedulable = true;
        let mut pod = gateway();
        pod.tolerations.push(Toleration {
            key: Some(TAINT_UNSCHEDULABLE.into()),
            operator: Some("Exists".into()),
            ..Toleration::default()
        });
        assert_eq!(
            nodes[schedule_one(&pod, &nodes).node.unwrap()].node.name,
            "node1"
        );
        // nodeSelector is checked before the required terms.
        let mut pod = gateway();
        pod.node_selector.insert("disk".into(), "ssd".into());
        let p = schedule_one(&pod, &nodes);
        assert_eq!(
            p.outcomes[1],
            Outcome::Rejected(Reason::NodeSelector {
                key: "disk".into(),
                value: "ssd".into()
            })
        );
        assert_eq!(p.node, None);
    }

    #[test]
    fn normalization_and_ties() {
        let mut v = vec![0, 0];
        normalize(&mut v, false);
        assert_eq!(v, [0, 0]);
        let mut v = vec![0, 0];
        normalize(&mut v, true);
        assert_eq!(v, [100, 100]);
        let mut v = vec![1, 2];
        normalize(&mut v, true);
        assert_eq!(v, [50, 0]);
        // Two identical nodes: the smaller name wins, every time.
        let pod = Pod {
            requests: PodRequests::of(&[ContainerRequests::default()], &[]),
            ..Pod::default()
        };
        let nodes = vec![node("b", &[], 1000, GI), node("a", &[], 1000, GI)];
        let p = schedule_one(&pod, &nodes);
        assert_eq!(p.node, Some(1));
        // A pod without requests skips BalancedAllocation.
        let Outcome::Scored(s) = p.outcomes[0] else {
            panic!()
        };
        assert_eq!(s.balanced, None);
        assert_eq!(s.fit, (90 + 80) / 2);
    }

    #[test]
    fn prefer_no_schedule_lowers_the_score() {
        let mut nodes = vec![node("a", &[], 1000, GI), node("b", &[], 1000, GI)];
        nodes[0].node.taints = vec![taint("k", "v", "PreferNoSchedule")];
        let p = schedule_one(&Pod::default(), &nodes);
        assert_eq!(p.node, Some(1));
        let mut pod = Pod::default();
        pod.tolerations.push(Toleration {
            key: Some("k".into()),
            operator: Some("Exists".into()),
            effect: Some("PreferNoSchedule".into()),
            ..Toleration::default()
        });
        assert_eq!(schedule_one(&pod, &nodes).node, Some(0));
    }

    #[test]
    fn memory_and_pod_count_filters() {
        let mut nodes = vec![node("a", &[], 100_000, GI)];
        nodes[0].requested.actual.memory = GI / 2;
        let pod = gateway_without_affinity();
        assert_eq!(
            schedule_one(&pod, &nodes).outcomes[0],
            Outcome::Rejected(Reason::InsufficientMemory {
                requests: GI,
                free: GI / 2
            })
        );
        assert_eq!(
            Reason::InsufficientMemory {
                requests: GI,
                free: GI / 2
            }
            .to_string(),
            "insufficient memory (requests 1Gi, free 512Mi)"
        );
        nodes[0].requested = PodRequests::default();
        nodes[0].allocatable_pods = Some(1);
        nodes[0].pods = 1;
        assert_eq!(
            schedule_one(&pod, &nodes).outcomes[0],
            Outcome::Rejected(Reason::TooManyPods { allocatable: 1 })
        );
        // Without allocatable the capacity is not checked.
        nodes[0].allocatable = None;
        nodes[0].allocatable_pods = None;
        assert_eq!(schedule_one(&pod, &nodes).node, Some(0));
    }

    fn gateway_without_affinity() -> Pod {
        Pod {
            requests: gateway().requests,
            ..Pod::default()
        }
    }
}
