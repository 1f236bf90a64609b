//! Property tests for the `apply` planner (`spillway::plan::plan_text`).
//!
//! Gateway manifests are generated as text (never through a YAML serializer, so the formatting is
//! under the test's control): IstioGateway, Deployment and IstioOperator (1-2 ingress gateways),
//! each scheduling part absent, right, or one of the typical mistakes, written in random styles
//! (indent 2/4, indented or compact sequences, block or flow entries, comments, CRLF, BOM, no
//! final newline, extra non-gateway documents).
//!
//! Failure persistence is off (`failure_persistence: None`): a failure prints its shrunk input;
//! interesting ones are pinned as fixed-input `#[test]`s at the end of this file.

use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use serde_json::Value;

use spillway::locate;
use spillway::plan::{self, Options};
use spillway::pools::{parse_taint, Label, PoolConfig};
use spillway::read::yaml::{Limits, Stream};
use spillway::setup::Setup;

// ---------------------------------------------------------------------------------------------
// A tiny YAML tree and a renderer with random (bit-driven) style choices.

#[derive(Debug, Clone)]
enum V {
    /// A scalar, written as is.
    S(String),
    /// A mapping; `true` when it may be written in flow style.
    Map(Vec<(String, V)>, bool),
    /// A sequence; `true` when it may be written in flow style.
    Seq(Vec<V>, bool),
    /// A literal block scalar (`|`) with these lines.
    Block(Vec<String>),
    /// `key:` with no value.
    Null,
    /// A value written as is after `key: ` (`{}`, `[]`, `~`).
    Raw(String),
}

fn s(x: &str) -> V {
    V::S(x.to_owned())
}

fn m(pairs: Vec<(&str, V)>) -> V {
    V::Map(
        pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        false,
    )
}

fn fm(pairs: Vec<(&str, V)>) -> V {
    V::Map(
        pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        true,
    )
}

/// Style noise: a pool of bytes consumed in turn (shrinks towards 0: block style, no comments).
#[derive(Debug, Clone)]
struct Bits {
    v: Vec<u8>,
    i: usize,
}

impl Bits {
    fn pick(&mut self, n: usize) -> usize {
        if self.v.is_empty() {
            return 0;
        }
        let b = self.v[self.i % self.v.len()];
        self.i += 1;
        b as usize % n
    }
    /// One chance in `n` (never when the byte is 0).
    fn chance(&mut self, n: usize) -> bool {
        if self.v.is_empty() {
            return false;
        }
        let b = self.v[self.i % self.v.len()];
        self.i += 1;
        b != 0 && b as usize % n == 0
    }
}

#[derive(Debug, Clone, Copy)]
struct Style {
    indent: usize,
    seq_indent: bool,
    comments: bool,
    flow: bool,
}

struct Renderer<'b> {
    bits: &'b mut Bits,
    style: Style,
    lines: Vec<String>,
    comments: Vec<String>,
    trailing: Vec<String>,
    n: usize,
}

fn flow(v: &V) -> String {
    match v {
        V::S(x) => x.clone(),
        V::Map(p, _) => {
            let body: Vec<String> = p.iter().map(|(k, v)| format!("{k}: {}", flow(v))).collect();
            format!("{{{}}}", body.join(", "))
        }
        V::Seq(items, _) => {
            let body: Vec<String> = items.iter().map(flow).collect();
            format!("[{}]", body.join(", "))
        }
        V::Raw(x) => x.clone(),
        V::Null => "null".into(),
        V::Block(_) => panic!("no block scalar in flow"),
    }
}

impl Renderer<'_> {
    fn comment_line(&mut self, col: usize) {
        if self.style.comments && self.bits.chance(5) {
            self.n += 1;
            let c = format!("# comment {} here", self.n);
            self.lines.push(format!("{}{c}", " ".repeat(col)));
            self.comments.push(c);
        }
    }

    fn trail(&mut self) -> String {
        if self.style.comments && self.bits.chance(5) {
            self.n += 1;
            let c = format!("# trailing {} end", self.n);
            self.trailing.push(c.clone());
            format!(" {c}")
        } else {
            String::new()
        }
    }

    fn use_flow(&mut self, eligible: bool) -> bool {
        eligible && self.style.flow && self.bits.chance(2)
    }

    fn map(&mut self, entries: &[(String, V)], col: usize, first_prefix: Option<String>) {
        for (i, (k, v)) in entries.iter().enumerate() {
            let prefix = match (&first_prefix, i) {
                (Some(p), 0) => p.clone(),
                _ => {
                    self.comment_line(col);
                    " ".repeat(col)
                }
            };
            self.entry(prefix, k, v, col);
        }
    }

    fn entry(&mut self, prefix: String, k: &str, v: &V, col: usize) {
        let ind = self.style.indent;
        match v {
            V::S(x) => {
                let t = self.trail();
                self.lines.push(format!("{prefix}{k}: {x}{t}"));
            }
            V::Null => {
                let t = self.trail();
                self.lines.push(format!("{prefix}{k}:{t}"));
            }
            V::Raw(x) => {
                let t = self.trail();
                self.lines.push(format!("{prefix}{k}: {x}{t}"));
            }
            V::Block(ls) => {
                self.lines.push(format!("{prefix}{k}: |"));
                for l in ls {
                    self.lines.push(format!("{}{l}", " ".repeat(col + ind)));
                }
            }
            V::Map(es, fe) => {
                if es.is_empty() || self.use_flow(*fe) {
                    let t = self.trail();
                    self.lines.push(format!("{prefix}{k}: {}{t}", flow(v)));
                } else {
                    let t = self.trail();
                    self.lines.push(format!("{prefix}{k}:{t}"));
                    self.map(es, col + ind, None);
                }
            }
            V::Seq(items, fe) => {
                if items.is_empty() || self.use_flow(*fe) {
                    let t = self.trail();
                    self.lines.push(format!("{prefix}{k}: {}{t}", flow(v)));
                } else {
                    let t = self.trail();
                    self.lines.push(format!("{prefix}{k}:{t}"));
                    let c = if self.style.seq_indent {
                        col + ind
                    } else {
                        col
                    };
                    self.seq(items, c);
                }
            }
        }
    }

    fn seq(&mut self, items: &[V], col: usize) {
        for item in items {
            self.comment_line(col);
            let dash = format!("{}- ", " ".repeat(col));
            match item {
                V::Map(es, fe) if !es.is_empty() => {
                    if self.use_flow(*fe) {
                        let t = self.trail();
                        self.lines.push(format!("{dash}{}{t}", flow(item)));
                    } else {
                        self.map(es, col + 2, Some(dash));
                    }
                }
                V::S(_) | V::Raw(_) | V::Map(..) => {
                    let t = self.trail();
                    self.lines.push(format!("{dash}{}{t}", flow(item)));
                }
                V::Seq(..) | V::Null | V::Block(_) => panic!("not generated"),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Scheduling choices.

/// A requirement, preference or toleration for one pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Absent,
    Correct,
    ValueTypo,
    KeyTypo,
    /// Tolerations only: the wrong effect.
    WrongEffect,
    /// Virtual toleration only: `{operator: Equal, value: alibabacloud, effect: NoSchedule}`.
    Keyless,
    /// Tolerations only: the right key with `value:` left empty (null).
    NullValue,
}

fn term_part() -> impl Strategy<Value = Part> {
    prop_oneof![
        Just(Part::Absent),
        Just(Part::Correct),
        Just(Part::ValueTypo),
        Just(Part::KeyTypo),
    ]
}

fn ecs_tol_part() -> impl Strategy<Value = Part> {
    prop_oneof![
        Just(Part::Absent),
        Just(Part::Correct),
        Just(Part::ValueTypo),
        Just(Part::KeyTypo),
        Just(Part::WrongEffect),
        Just(Part::NullValue),
    ]
}

fn virt_tol_part() -> impl Strategy<Value = Part> {
    prop_oneof![
        Just(Part::Absent),
        Just(Part::Correct),
        Just(Part::ValueTypo),
        Just(Part::KeyTypo),
        Just(Part::WrongEffect),
        Just(Part::Keyless),
        Just(Part::NullValue),
    ]
}

/// What an empty field looks like: absent, `key:`, or `key: {}` / `key: []`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Empty {
    Absent,
    Null,
    Flow,
}

fn empty() -> impl Strategy<Value = Empty> {
    prop_oneof![Just(Empty::Absent), Just(Empty::Null), Just(Empty::Flow)]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NodeSel {
    Absent,
    Ecs,
    Other,
    Both,
}

#[derive(Debug, Clone)]
struct Sched {
    req_ecs: Part,
    req_virt: Part,
    anded: bool,
    pref_ecs: Part,
    pref_virt: Part,
    w_ecs: Option<i64>,
    w_virt: Option<i64>,
    tol_ecs: Part,
    tol_virt: Part,
    extra_tol: bool,
    node_sel: NodeSel,
    anti: bool,
    affinity_empty: Empty,
    tol_empty: Empty,
    /// Where the scheduling fields go among the pod spec's other keys; typo variants.
    pos: usize,
    variant: u8,
}

fn weight() -> impl Strategy<Value = Option<i64>> {
    prop_oneof![
        Just(Some(80)),
        Just(Some(20)),
        Just(Some(0)),
        Just(Some(150)),
        Just(Some(50)),
        Just(Some(100)),
        Just(Some(1)),
        Just(None),
        // `weight: null`
        Just(Some(-1)),
    ]
}

fn sched() -> impl Strategy<Value = Sched> {
    (
        (term_part(), term_part(), any::<bool>()),
        (term_part(), term_part(), weight(), weight()),
        (ecs_tol_part(), virt_tol_part(), any::<bool>()),
        (
            prop_oneof![
                Just(NodeSel::Absent),
                Just(NodeSel::Ecs),
                Just(NodeSel::Other),
                Just(NodeSel::Both)
            ],
            any::<bool>(),
            empty(),
            empty(),
            0usize..4,
            any::<u8>(),
        ),
    )
        .prop_map(
            |(
                (req_ecs, req_virt, anded),
                (pref_ecs, pref_virt, w_ecs, w_virt),
                (tol_ecs, tol_virt, extra_tol),
                (node_sel, anti, affinity_empty, tol_empty, pos, variant),
            )| Sched {
                req_ecs,
                req_virt,
                anded,
                pref_ecs,
                pref_virt,
                w_ecs,
                w_virt,
                tol_ecs,
                tol_virt,
                extra_tol,
                node_sel,
                anti,
                affinity_empty,
                tol_empty,
                pos,
                variant,
            },
        )
}

const ECS_VALUE_TYPOS: &[&str] = &["asmgatway", "asmgateway1", "asmgatewya"];
const ECS_KEY_TYPOS: &[&str] = &["mykey4pd", "mykey4podd"];
const VIRT_VALUE_TYPOS: &[&str] = &["virtual-kublet", "virtual-kubelett"];
const VIRT_KEY_TYPOS: &[&str] = &["typ", "tpye"];
const ECS_TAINT_VALUE_TYPOS: &[&str] = &["myvalu", "myvalue1"];
const ECS_TAINT_KEY_TYPOS: &[&str] = &["mykye", "mkey"];
const VIRT_TAINT_VALUE_TYPOS: &[&str] = &["alibabaclou", "alibabaclod"];
const VIRT_TAINT_KEY_TYPOS: &[&str] = &["virtual-kubelet.io/provder"];

fn pick<'a>(list: &[&'a str], variant: u8) -> &'a str {
    list[variant as usize % list.len()]
}

fn requirement(key: &str, value: &str) -> V {
    fm(vec![
        ("key", s(key)),
        ("operator", s("In")),
        ("values", V::Seq(vec![s(value)], true)),
    ])
}

fn label_req(part: Part, ecs: bool, variant: u8) -> Option<V> {
    let (k, v, vt, kt) = if ecs {
        ("mykey4pod", "asmgateway", ECS_VALUE_TYPOS, ECS_KEY_TYPOS)
    } else {
        ("type", "virtual-kubelet", VIRT_VALUE_TYPOS, VIRT_KEY_TYPOS)
    };
    match part {
        Part::Absent => None,
        Part::Correct => Some(requirement(k, v)),
        Part::ValueTypo => Some(requirement(k, pick(vt, variant))),
        Part::KeyTypo => Some(requirement(pick(kt, variant), v)),
        Part::WrongEffect | Part::Keyless | Part::NullValue => unreachable!(),
    }
}

fn toleration(pairs: Vec<(&str, &str)>) -> V {
    fm(pairs.into_iter().map(|(k, v)| (k, s(v))).collect())
}

fn tol(part: Part, ecs: bool, variant: u8) -> Option<V> {
    let (k, v, e, vt, kt, we) = if ecs {
        (
            "mykey",
            "myvalue",
            "NoSchedule",
            ECS_TAINT_VALUE_TYPOS,
            ECS_TAINT_KEY_TYPOS,
            "NoExecute",
        )
    } else {
        (
            "virtual-kubelet.io/provider",
            "alibabacloud",
            "NoSchedule",
            VIRT_TAINT_VALUE_TYPOS,
            VIRT_TAINT_KEY_TYPOS,
            "PreferNoSchedule",
        )
    };
    let t = |k: &str, v: &str, e: &str| {
        toleration(vec![
            ("key", k),
            ("operator", "Equal"),
            ("value", v),
            ("effect", e),
        ])
    };
    Some(match part {
        Part::Absent => return None,
        Part::Correct => t(k, v, e),
        Part::ValueTypo => t(k, pick(vt, variant), e),
        Part::KeyTypo => t(pick(kt, variant), v, e),
        Part::WrongEffect => t(k, v, we),
        Part::NullValue => fm(vec![
            ("key", s(k)),
            ("operator", s("Equal")),
            ("value", V::Null),
            ("effect", s(e)),
        ]),
        Part::Keyless => toleration(vec![
            ("operator", "Equal"),
            ("value", "alibabacloud"),
            ("effect", "NoSchedule"),
        ]),
    })
}

fn empty_value(e: Empty, flow: &str) -> Option<V> {
    match e {
        Empty::Absent => None,
        Empty::Null => Some(V::Null),
        Empty::Flow => Some(V::Raw(flow.into())),
    }
}

/// The scheduling entries of one pod spec.
fn sched_entries(c: &Sched, bits: &mut Bits) -> Vec<(String, V)> {
    let mut out: Vec<(String, V)> = Vec::new();
    // nodeSelector
    let ns = match c.node_sel {
        NodeSel::Absent => None,
        NodeSel::Ecs => Some(m(vec![("mykey4pod", s("asmgateway"))])),
        NodeSel::Other => Some(m(vec![("kubernetes.io/os", s("linux"))])),
        NodeSel::Both => Some(m(vec![
            ("kubernetes.io/os", s("linux")),
            ("mykey4pod", s("asmgateway")),
        ])),
    };
    // affinity
    let mut node_aff: Vec<(&str, V)> = Vec::new();
    let e = label_req(c.req_ecs, true, c.variant);
    let v = label_req(c.req_virt, false, c.variant / 3);
    let terms: Vec<V> = match (e, v) {
        (Some(e), Some(v)) if c.anded => {
            vec![m(vec![("matchExpressions", V::Seq(vec![e, v], true))])]
        }
        (e, v) => e
            .into_iter()
            .chain(v)
            .map(|r| m(vec![("matchExpressions", V::Seq(vec![r], true))]))
            .collect(),
    };
    if !terms.is_empty() {
        node_aff.push((
            "requiredDuringSchedulingIgnoredDuringExecution",
            m(vec![("nodeSelectorTerms", V::Seq(terms, false))]),
        ));
    }
    let pref = |r: V, w: Option<i64>| {
        let mut p: Vec<(&str, V)> = Vec::new();
        match w {
            Some(-1) => p.push(("weight", V::Null)),
            Some(w) => p.push(("weight", s(&w.to_string()))),
            None => {}
        }
        p.push((
            "preference",
            fm(vec![("matchExpressions", V::Seq(vec![r], true))]),
        ));
        m(p)
    };
    let mut prefs: Vec<V> = Vec::new();
    if let Some(r) = label_req(c.pref_ecs, true, c.variant / 5) {
        prefs.push(pref(r, c.w_ecs));
    }
    if let Some(r) = label_req(c.pref_virt, false, c.variant / 7) {
        prefs.push(pref(r, c.w_virt));
    }
    if bits.chance(3) {
        prefs.reverse();
    }
    if !prefs.is_empty() {
        node_aff.push((
            "preferredDuringSchedulingIgnoredDuringExecution",
            V::Seq(prefs, false),
        ));
    }
    let mut aff: Vec<(&str, V)> = Vec::new();
    if !node_aff.is_empty() {
        aff.push(("nodeAffinity", m(node_aff)));
    }
    if c.anti {
        aff.push((
            "podAntiAffinity",
            m(vec![(
                "preferredDuringSchedulingIgnoredDuringExecution",
                V::Seq(
                    vec![m(vec![
                        ("weight", s("100")),
                        (
                            "podAffinityTerm",
                            m(vec![
                                (
                                    "labelSelector",
                                    fm(vec![(
                                        "matchLabels",
                                        fm(vec![("istio", s("ingressgateway"))]),
                                    )]),
                                ),
                                ("topologyKey", s("kubernetes.io/hostname")),
                            ]),
                        ),
                    ])],
                    false,
                ),
            )]),
        ));
    }
    let affinity = if aff.is_empty() {
        empty_value(c.affinity_empty, "{}")
    } else {
        Some(m(aff))
    };
    // tolerations
    let mut tols: Vec<V> = Vec::new();
    tols.extend(tol(c.tol_virt, false, c.variant / 11));
    tols.extend(tol(c.tol_ecs, true, c.variant / 13));
    if c.extra_tol {
        let extra = fm(vec![
            ("key", s("node.kubernetes.io/not-ready")),
            ("operator", s("Exists")),
            ("effect", s("NoExecute")),
            ("tolerationSeconds", s("300")),
        ]);
        let at = bits.pick(tols.len() + 1);
        tols.insert(at, extra);
    }
    if bits.chance(3) {
        tols.reverse();
    }
    let tolerations = if tols.is_empty() {
        empty_value(c.tol_empty, "[]")
    } else {
        Some(V::Seq(tols, true))
    };
    // Order: a random rotation of nodeSelector, affinity, tolerations.
    let mut fields: Vec<(String, V)> = [
        ("nodeSelector", ns),
        ("affinity", affinity),
        ("tolerations", tolerations),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v)))
    .collect();
    if !fields.is_empty() {
        let r = bits.pick(fields.len());
        fields.rotate_left(r);
    }
    out.append(&mut fields);
    out
}

/// Puts the scheduling entries at position `pos` among `others`.
fn pod_spec(others: Vec<(&str, V)>, c: &Sched, bits: &mut Bits) -> V {
    let mut entries: Vec<(String, V)> =
        others.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    let sched = sched_entries(c, bits);
    let at = c.pos.min(entries.len());
    for (i, e) in sched.into_iter().enumerate() {
        entries.insert(at + i, e);
    }
    V::Map(entries, false)
}

#[derive(Debug, Clone)]
enum Gateway {
    /// An ASM IstioGateway.
    Ig(Sched),
    Deployment(Sched),
    /// One or two ingress gateways.
    IstioOperator(Vec<Sched>),
}

fn gateway() -> impl Strategy<Value = Gateway> {
    prop_oneof![
        sched().prop_map(Gateway::Ig),
        sched().prop_map(Gateway::Deployment),
        prop::collection::vec(sched(), 1..=2).prop_map(Gateway::IstioOperator),
    ]
}

fn gateway_doc(g: &Gateway, bits: &mut Bits) -> V {
    match g {
        Gateway::Ig(c) => {
            let spec = pod_spec(
                vec![
                    ("gatewayType", s("ingress")),
                    ("replicaCount", s("2")),
                    ("serviceType", s("LoadBalancer")),
                    (
                        "ports",
                        V::Seq(
                            vec![fm(vec![
                                ("name", s("http2")),
                                ("port", s("80")),
                                ("targetPort", s("80")),
                            ])],
                            false,
                        ),
                    ),
                ],
                c,
                bits,
            );
            m(vec![
                ("apiVersion", s("istio.alibabacloud.com/v1beta1")),
                ("kind", s("IstioGateway")),
                (
                    "metadata",
                    m(vec![
                        ("name", s("ingressgateway")),
                        ("namespace", s("istio-system")),
                    ]),
                ),
                ("spec", spec),
            ])
        }
        Gateway::Deployment(c) => {
            let spec = pod_spec(
                vec![
                    (
                        "containers",
                        V::Seq(
                            vec![m(vec![
                                ("name", s("istio-proxy")),
                                ("image", s("docker.io/istio/proxyv2:1.22.0")),
                            ])],
                            false,
                        ),
                    ),
                    ("serviceAccountName", s("istio-ingressgateway")),
                ],
                c,
                bits,
            );
            m(vec![
                ("apiVersion", s("apps/v1")),
                ("kind", s("Deployment")),
                (
                    "metadata",
                    m(vec![
                        ("name", s("istio-ingressgateway")),
                        ("namespace", s("istio-system")),
                    ]),
                ),
                (
                    "spec",
                    m(vec![
                        ("replicas", s("2")),
                        (
                            "selector",
                            m(vec![(
                                "matchLabels",
                                fm(vec![("istio", s("ingressgateway"))]),
                            )]),
                        ),
                        (
                            "template",
                            m(vec![
                                (
                                    "metadata",
                                    m(vec![("labels", m(vec![("istio", s("ingressgateway"))]))]),
                                ),
                                ("spec", spec),
                            ]),
                        ),
                    ]),
                ),
            ])
        }
        Gateway::IstioOperator(cs) => {
            let gws: Vec<V> = cs
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let k8s = pod_spec(
                        vec![
                            ("replicaCount", s("2")),
                            ("service", m(vec![("type", s("LoadBalancer"))])),
                        ],
                        c,
                        bits,
                    );
                    m(vec![
                        ("name", s(&format!("istio-ingressgateway-{i}"))),
                        ("enabled", s("true")),
                        ("k8s", k8s),
                    ])
                })
                .collect();
            m(vec![
                ("apiVersion", s("install.istio.io/v1alpha1")),
                ("kind", s("IstioOperator")),
                (
                    "metadata",
                    m(vec![
                        ("name", s("installed-state")),
                        ("namespace", s("istio-system")),
                    ]),
                ),
                (
                    "spec",
                    m(vec![(
                        "components",
                        m(vec![("ingressGateways", V::Seq(gws, false))]),
                    )]),
                ),
            ])
        }
    }
}

fn config_map() -> V {
    m(vec![
        ("apiVersion", s("v1")),
        ("kind", s("ConfigMap")),
        ("metadata", m(vec![("name", s("gateway-config"))])),
        (
            "data",
            m(vec![(
                "mesh.yaml",
                V::Block(vec![
                    "defaultConfig:".into(),
                    "  # inside a block scalar, not a comment".into(),
                    "  holdApplicationUntilProxyStarts: true".into(),
                    "tolerations: []".into(),
                ]),
            )]),
        ),
    ])
}

fn service() -> V {
    m(vec![
        ("apiVersion", s("v1")),
        ("kind", s("Service")),
        (
            "metadata",
            m(vec![
                ("name", s("istio-ingressgateway")),
                ("namespace", s("istio-system")),
            ]),
        ),
        (
            "spec",
            m(vec![
                ("type", s("LoadBalancer")),
                ("selector", m(vec![("istio", s("ingressgateway"))])),
                (
                    "ports",
                    V::Seq(
                        vec![fm(vec![("name", s("http2")), ("port", s("80"))])],
                        false,
                    ),
                ),
            ]),
        ),
    ])
}

#[derive(Debug, Clone)]
struct Input {
    gateway: Gateway,
    /// Non-gateway documents: 0 ConfigMap, 1 Service; before and after the gateway.
    before: Vec<u8>,
    after: Vec<u8>,
    indent: usize,
    seq_indent: bool,
    comments: bool,
    flow: bool,
    crlf: bool,
    final_newline: bool,
    bom: bool,
    leading_dashes: bool,
    fix_node_selector: bool,
    bits: Vec<u8>,
}

fn input() -> impl Strategy<Value = Input> {
    (
        gateway(),
        prop::collection::vec(0u8..2, 0..2),
        prop::collection::vec(0u8..2, 0..2),
        (prop_oneof![Just(2usize), Just(4usize)], any::<bool>()),
        (any::<bool>(), any::<bool>()),
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
        any::<bool>(),
        prop::collection::vec(any::<u8>(), 0..48),
    )
        .prop_map(
            |(
                gateway,
                before,
                after,
                (indent, seq_indent),
                (comments, flow),
                (crlf, nonl, bom, leading_dashes),
                fix_node_selector,
                bits,
            )| Input {
                gateway,
                before,
                after,
                indent,
                seq_indent,
                comments,
                flow,
                crlf,
                final_newline: !nonl,
                bom,
                leading_dashes,
                fix_node_selector,
                bits,
            },
        )
}

/// The generated file and what the properties need to know about it.
#[derive(Debug)]
struct Gen {
    text: String,
    comments: Vec<String>,
    trailing: Vec<String>,
    /// The text of each non-gateway document (without its `---`).
    others: Vec<String>,
    documents: usize,
}

fn render(inp: &Input) -> Gen {
    let mut bits = Bits {
        v: inp.bits.clone(),
        i: 0,
    };
    let gw = gateway_doc(&inp.gateway, &mut bits);
    let mut docs: Vec<(bool, V)> = Vec::new();
    let other = |k: u8| if k == 0 { config_map() } else { service() };
    docs.extend(inp.before.iter().map(|k| (false, other(*k))));
    docs.push((true, gw));
    docs.extend(inp.after.iter().map(|k| (false, other(*k))));
    let nl = if inp.crlf { "\r\n" } else { "\n" };
    let mut r = Renderer {
        bits: &mut bits,
        style: Style {
            indent: inp.indent,
            seq_indent: inp.seq_indent,
            comments: inp.comments,
            flow: inp.flow,
        },
        lines: Vec::new(),
        comments: Vec::new(),
        trailing: Vec::new(),
        n: 0,
    };
    let mut all: Vec<String> = Vec::new();
    let mut others = Vec::new();
    for (i, (is_gw, d)) in docs.iter().enumerate() {
        if i > 0 || inp.leading_dashes {
            all.push("---".into());
        }
        r.lines.clear();
        let V::Map(entries, _) = d else {
            unreachable!()
        };
        r.map(entries, 0, None);
        if !is_gw {
            others.push(r.lines.join(nl));
        }
        all.append(&mut r.lines);
    }
    let mut text = String::new();
    if inp.bom {
        text.push('\u{feff}');
    }
    text.push_str(&all.join(nl));
    if inp.final_newline {
        text.push_str(nl);
    }
    Gen {
        text,
        comments: r.comments,
        trailing: r.trailing,
        others,
        documents: docs.len(),
    }
}

// ---------------------------------------------------------------------------------------------
// Running apply and auditing.

fn setup() -> Setup {
    let label: Label = "mykey4pod=asmgateway".parse().unwrap();
    let taint = parse_taint("mykey=myvalue:NoSchedule").unwrap();
    Setup::with_pools(PoolConfig::new(Some(label), Some(taint), None, None))
}

fn opts(fix_node_selector: bool) -> Options {
    Options {
        ecs_weight: 80,
        virtual_weight: 20,
        weights_explicit: (false, false),
        fix_node_selector,
    }
}

fn apply(text: &str, fix_ns: bool) -> Result<String, String> {
    plan::plan_text(text, &setup(), opts(fix_ns))
        .map(|p| p.new_text)
        .map_err(|e| format!("{} (offset {:?})", e.message, e.offset))
}

/// Per document: its JSON and the JSON Pointers of its gateways' pod specs.
fn documents(text: &str) -> Vec<(Value, Vec<String>)> {
    let setup = setup();
    let mut out = Vec::new();
    let mut stream = Stream::new(text, Limits::default());
    while let Some(doc) = stream.next_document() {
        let doc = doc.expect("parses");
        let located = locate::locate(&doc, &setup.locate).expect("locates");
        let json = match doc.root {
            Some(r) => doc.to_json(r, &mut 1_000_000usize).expect("small"),
            None => Value::Null,
        };
        let ptrs = located
            .targets
            .iter()
            .map(|t| t.primary().route.pointer())
            .collect();
        out.push((json, ptrs));
    }
    out
}

/// The findings apply resolves, as `rule: message`.
fn resolvable_findings(text: &str) -> Vec<String> {
    let setup = setup();
    let mut out = Vec::new();
    let mut stream = Stream::new(text, Limits::default());
    while let Some(doc) = stream.next_document() {
        let doc = doc.expect("parses");
        let located = locate::locate(&doc, &setup.locate).expect("locates");
        let (findings, _) =
            spillway::check::check_document(&doc, &located.targets, &setup.pools, None);
        for f in findings {
            if plan::RESOLVES.contains(&f.rule.id) {
                out.push(format!("{}: {}", f.rule.id, f.message));
            }
        }
    }
    out
}

/// Removes what apply may change from a pod spec: `affinity.nodeAffinity` (and `affinity` when
/// nothing else is left in it), `tolerations`, and with `--fix-node-selector` the ECS entry of
/// `nodeSelector` (and `nodeSelector` when nothing else is left).
fn strip(json: &mut Value, ptr: &str, fix_ns: bool) {
    let Some(Value::Object(pod)) = json.pointer_mut(ptr) else {
        return;
    };
    if let Some(Value::Object(a)) = pod.get_mut("affinity") {
        a.remove("nodeAffinity");
    }
    if matches!(pod.get("affinity"), Some(Value::Object(a)) if a.is_empty())
        || matches!(pod.get("affinity"), Some(Value::Null))
    {
        pod.remove("affinity");
    }
    pod.remove("tolerations");
    if fix_ns {
        if let Some(Value::Object(n)) = pod.get_mut("nodeSelector") {
            n.remove("mykey4pod");
            if n.is_empty() {
                pod.remove("nodeSelector");
            }
        }
    }
}

/// `cases` per property in the normal suite; `SPILLWAY_PROPTEST_CASES` raises it for a long
/// run off CI (e.g. `SPILLWAY_PROPTEST_CASES=20000 cargo test --release --test apply_props`).
fn cfg(cases: u32) -> ProptestConfig {
    let cases = std::env::var("SPILLWAY_PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn lines(text: &str) -> Vec<&str> {
    text.strip_prefix('\u{feff}')
        .unwrap_or(text)
        .split('\n')
        .map(|l| l.trim_end_matches('\r'))
        .collect()
}

/// Whether the comment line holding `comment` comes right before the nodeSelector entry that
/// `--fix-node-selector` removes (it goes with the entry when the whole `nodeSelector` goes).
fn precedes_removed_entry(text: &str, comment: &str) -> bool {
    let ls = lines(text);
    let Some(i) = ls.iter().position(|l| l.trim() == comment.trim()) else {
        return false;
    };
    ls[i + 1..]
        .iter()
        .find(|l| !l.trim_start().starts_with('#'))
        .is_some_and(|l| l.trim_start().starts_with("mykey4pod: asmgateway"))
}

// ---------------------------------------------------------------------------------------------
// Properties.

proptest! {
    #![proptest_config(cfg(256))]

    /// 1. apply succeeds and is idempotent.
    #[test]
    fn apply_succeeds_and_is_idempotent(inp in input()) {
        let g = render(&inp);
        let out = apply(&g.text, inp.fix_node_selector)
            .map_err(|e| TestCaseError::fail(format!("apply failed: {e}\n--- input ---\n{}", g.text)))?;
        let again = apply(&out, inp.fix_node_selector)
            .map_err(|e| TestCaseError::fail(format!("second apply failed: {e}\n--- output ---\n{out}")))?;
        prop_assert_eq!(&again, &out, "not idempotent\n--- input ---\n{}\n--- output ---\n{}", g.text, out);
    }
}

proptest! {
    #![proptest_config(cfg(256))]

    /// 2. Same number of documents; no finding apply resolves is left.
    #[test]
    fn result_has_no_resolvable_finding(inp in input()) {
        let g = render(&inp);
        let Ok(out) = apply(&g.text, inp.fix_node_selector) else {
            return Ok(()); // property 1 reports it
        };
        let docs = documents(&out);
        prop_assert_eq!(docs.len(), g.documents);
        let left = resolvable_findings(&out);
        prop_assert!(left.is_empty(), "left: {:?}\n--- input ---\n{}\n--- output ---\n{}", left, g.text, out);
    }
}

proptest! {
    #![proptest_config(cfg(256))]

    /// 3. Only scheduling fields change; non-gateway documents stay byte for byte.
    #[test]
    fn only_scheduling_fields_change(inp in input()) {
        let g = render(&inp);
        let Ok(out) = apply(&g.text, inp.fix_node_selector) else {
            return Ok(());
        };
        let before = documents(&g.text);
        let after = documents(&out);
        prop_assert_eq!(before.len(), after.len());
        for ((mut a, pa), (mut b, pb)) in before.into_iter().zip(after) {
            prop_assert_eq!(&pa, &pb, "gateways moved");
            for p in &pa {
                strip(&mut a, p, inp.fix_node_selector);
                strip(&mut b, p, inp.fix_node_selector);
            }
            prop_assert_eq!(&a, &b, "--- input ---\n{}\n--- output ---\n{}", g.text, out);
        }
        for o in &g.others {
            prop_assert!(out.contains(o.as_str()), "non-gateway document changed:\n{}\n--- output ---\n{}", o, out);
        }
        // The unrelated toleration is kept as it was written.
        if g.text.contains("node.kubernetes.io/not-ready") {
            let n = |t: &str| t.matches("node.kubernetes.io/not-ready").count();
            prop_assert_eq!(n(&g.text), n(&out));
        }
    }
}

proptest! {
    #![proptest_config(cfg(256))]

    /// 4. Comments survive: full-line ones as the same line, trailing ones as text.
    #[test]
    fn comments_survive(inp in input()) {
        let g = render(&inp);
        let Ok(out) = apply(&g.text, inp.fix_node_selector) else {
            return Ok(());
        };
        let out_lines = lines(&out);
        for l in lines(&g.text) {
            if l.trim_start().starts_with('#') {
                if inp.fix_node_selector && precedes_removed_entry(&g.text, l) {
                    continue;
                }
                prop_assert!(out_lines.contains(&l), "comment line `{}` lost\n--- input ---\n{}\n--- output ---\n{}", l, g.text, out);
            }
        }
        for c in &g.comments {
            if inp.fix_node_selector && precedes_removed_entry(&g.text, c) {
                continue;
            }
            prop_assert!(out_lines.iter().any(|l| l.trim() == c), "comment `{}` lost", c);
        }
        for t in &g.trailing {
            // With --fix-node-selector the blocking nodeSelector entry goes, with its line.
            let on_removed = lines(&g.text)
                .iter()
                .any(|l| l.trim_start().starts_with("mykey4pod: asmgateway") && l.contains(t.as_str()));
            if inp.fix_node_selector && on_removed {
                continue;
            }
            prop_assert!(out.contains(t.as_str()), "trailing comment `{}` lost\n--- input ---\n{}\n--- output ---\n{}", t, g.text, out);
        }
    }
}

proptest! {
    #![proptest_config(cfg(256))]

    /// 5. Line endings, BOM and the final newline are kept.
    #[test]
    fn line_endings_bom_and_final_newline_kept(inp in input()) {
        let g = render(&inp);
        let Ok(out) = apply(&g.text, inp.fix_node_selector) else {
            return Ok(());
        };
        if inp.crlf {
            let b = out.as_bytes();
            for (i, c) in b.iter().enumerate() {
                if *c == b'\n' {
                    prop_assert!(i > 0 && b[i - 1] == b'\r', "bare LF at byte {}\n--- input ---\n{:?}\n--- output ---\n{:?}", i, g.text, out);
                }
            }
        } else {
            prop_assert!(!out.contains('\r'), "CR in an LF file\n--- input ---\n{:?}\n--- output ---\n{:?}", g.text, out);
        }
        prop_assert_eq!(out.starts_with('\u{feff}'), inp.bom, "BOM\n{:?}", out);
        prop_assert_eq!(out.matches('\u{feff}').count(), usize::from(inp.bom));
        prop_assert_eq!(out.ends_with('\n'), inp.final_newline, "final newline\n--- input ---\n{:?}\n--- output ---\n{:?}", g.text, out);
    }
}

// ---------------------------------------------------------------------------------------------
// Fixed inputs.

const IG_HEAD: &str = "apiVersion: istio.alibabacloud.com/v1beta1\nkind: IstioGateway\nmetadata:\n  name: ingressgateway\nspec:\n  replicaCount: 2\n";

fn ok(text: &str) -> String {
    let out = apply(text, false).unwrap_or_else(|e| panic!("apply failed: {e}\n{text}"));
    assert_eq!(apply(&out, false).unwrap(), out, "not idempotent");
    assert!(resolvable_findings(&out).is_empty(), "{out}");
    out
}

#[test]
fn nothing_to_do_changes_nothing() {
    let text = format!(
        "{IG_HEAD}  affinity:\n    nodeAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n        nodeSelectorTerms:\n        - matchExpressions:\n          - {{key: mykey4pod, operator: In, values: [asmgateway]}}\n        - matchExpressions:\n          - {{key: type, operator: In, values: [virtual-kubelet]}}\n      preferredDuringSchedulingIgnoredDuringExecution:\n      - weight: 80\n        preference:\n          matchExpressions: [{{key: mykey4pod, operator: In, values: [asmgateway]}}]\n      - weight: 20\n        preference:\n          matchExpressions: [{{key: type, operator: In, values: [virtual-kubelet]}}]\n  tolerations:\n  - {{key: virtual-kubelet.io/provider, operator: Equal, value: alibabacloud, effect: NoSchedule}}\n  - {{key: mykey, operator: Equal, value: myvalue, effect: NoSchedule}}\n"
    );
    assert_eq!(ok(&text), text);
}

#[test]
fn empty_spec_gets_the_whole_block_in_crlf_without_final_newline() {
    let text = IG_HEAD.replace('\n', "\r\n");
    let text = text.trim_end_matches("\r\n");
    let out = ok(text);
    assert!(!out.ends_with('\n'));
    assert!(!out.replace("\r\n", "").contains('\n'), "{out:?}");
    assert!(out.contains("virtual-kubelet.io/provider"));
}

#[test]
fn keyless_virtual_toleration_gets_its_key_in_flow_style() {
    let text = format!(
        "{IG_HEAD}  tolerations:\n  - {{operator: Equal, value: alibabacloud, effect: NoSchedule}} # from the docs\n"
    );
    let out = ok(&text);
    assert!(
        out.contains(
            "- {key: virtual-kubelet.io/provider, operator: Equal, value: alibabacloud, effect: NoSchedule} # from the docs"
        ),
        "{out}"
    );
}

#[test]
fn anded_terms_are_split() {
    let text = format!(
        "{IG_HEAD}  affinity:\n    nodeAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n        nodeSelectorTerms:\n        - matchExpressions:\n          - key: mykey4pod\n            operator: In\n            values: [asmgateway]\n          - key: type\n            operator: In\n            values: [virtual-kubelet]\n"
    );
    let out = ok(&text);
    let json = &documents(&out)[0].0;
    let terms = json
        .pointer("/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms")
        .unwrap()
        .as_array()
        .unwrap();
    assert_eq!(terms.len(), 2, "{out}");
}

#[test]
fn typo_fixed_in_place_keeps_the_trailing_comment_and_quotes() {
    let text = format!(
        "{IG_HEAD}  tolerations:\n    - key: mykey\n      operator: Equal\n      value: 'myvalu' # typo\n      effect: NoSchedule\n"
    );
    let out = ok(&text);
    assert!(out.contains("      value: 'myvalue' # typo\n"), "{out}");
}

#[test]
fn inverted_weights_are_swapped_back() {
    let text = format!(
        "{IG_HEAD}  affinity:\n    nodeAffinity:\n      preferredDuringSchedulingIgnoredDuringExecution:\n      - weight: 20\n        preference:\n          matchExpressions: [{{key: mykey4pod, operator: In, values: [asmgateway]}}]\n      - weight: 80\n        preference:\n          matchExpressions: [{{key: type, operator: In, values: [virtual-kubelet]}}]\n"
    );
    let out = ok(&text);
    let json = &documents(&out)[0].0;
    let p = json
        .pointer("/spec/affinity/nodeAffinity/preferredDuringSchedulingIgnoredDuringExecution")
        .unwrap();
    assert_eq!(p[0]["weight"], 80, "{out}");
    assert_eq!(p[1]["weight"], 20, "{out}");
}

const COMPLETE: &str = "  affinity:\n    nodeAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n        nodeSelectorTerms:\n        - matchExpressions: [{key: mykey4pod, operator: In, values: [asmgateway]}]\n        - matchExpressions: [{key: type, operator: In, values: [virtual-kubelet]}]\n      preferredDuringSchedulingIgnoredDuringExecution:\n      - {weight: 80, preference: {matchExpressions: [{key: mykey4pod, operator: In, values: [asmgateway]}]}}\n      - {weight: 20, preference: {matchExpressions: [{key: type, operator: In, values: [virtual-kubelet]}]}}\n  tolerations:\n  - {key: virtual-kubelet.io/provider, operator: Equal, value: alibabacloud, effect: NoSchedule}\n  - {key: mykey, operator: Equal, value: myvalue, effect: NoSchedule}\n";

#[test]
// Bug in 35ed618 (the output gained a final newline), fixed in the working tree since.
fn fix_node_selector_on_the_last_line_keeps_a_missing_final_newline() {
    let text = format!(
        "{IG_HEAD}{COMPLETE}  nodeSelector:\n    kubernetes.io/os: linux\n    mykey4pod: asmgateway"
    );
    let out = apply(&text, true).unwrap();
    assert_eq!(
        out,
        format!("{IG_HEAD}{COMPLETE}  nodeSelector:\n    kubernetes.io/os: linux")
    );
}

#[test]
fn fix_node_selector_removes_only_the_blocking_entry() {
    let text = format!(
        "{IG_HEAD}{COMPLETE}  nodeSelector:\n    kubernetes.io/os: linux\n    mykey4pod: asmgateway\n"
    );
    assert_eq!(
        apply(&text, false).unwrap(),
        text,
        "left alone without the flag"
    );
    let out = apply(&text, true).unwrap();
    assert_eq!(
        out,
        format!("{IG_HEAD}{COMPLETE}  nodeSelector:\n    kubernetes.io/os: linux\n")
    );
}

#[test]
fn new_toleration_stays_in_its_list_when_the_list_ends_the_spec() {
    // The list ends the pod spec, so the new toleration and the new `affinity` are inserted at the
    // same byte; the toleration must come first (bug in 35ed618, fixed in the working tree since).
    let text = format!(
        "{IG_HEAD}  tolerations:\n  - key: virtual-kubelet.io/provider\n    operator: Equal\n    value: alibabacloud\n    effect: NoSchedule\n"
    );
    let out = ok(&text);
    assert!(
        out.contains("    effect: NoSchedule\n  - key: mykey\n"),
        "{out}"
    );
}

#[test]

fn fix_node_selector_at_the_end_of_a_file_without_final_newline_next_to_new_toleration() {
    let text = format!(
        "{IG_HEAD}  affinity:\n  tolerations:\n  - key: virtual-kubelet.io/provider\n    operator: Equal\n    value: alibabacloud\n    effect: NoSchedule\n  nodeSelector:\n    mykey4pod: asmgateway"
    );
    let out = apply(&text, true).unwrap_or_else(|e| panic!("{e}"));
    assert!(!out.ends_with('\n'), "{out:?}");
    assert!(!out.contains("\n  nodeSelector:"), "{out}");
    assert_eq!(apply(&out, true).unwrap(), out);
}
