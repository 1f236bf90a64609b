//! Deterministic benchmark corpora for spillway: realistic multi-kind Kubernetes YAML with ASM
//! gateways, clean and broken, in the shapes spillway reads.
//!
//! ```sh
//! cargo run --release --example gen-corpus -- --seed 1 OUT
//! cargo run --release --example gen-corpus -- --seed 1 --scale 4 --only tree OUT4
//! ```
//!
//! Three corpora are written under `OUT`:
//!
//! - `OUT/small/gateway.yaml`: one ASM `IstioGateway` (`istio.alibabacloud.com/v1beta1`, a few
//!   KB, laid out like `fixtures/istio-gateway`) whose ECS-to-ECI overflow block has exactly one
//!   mistake (which one depends on the seed).
//! - `OUT/tree/`: a manifest repository of 2,000 `.yaml` files (times `--scale`), each of 1 to 5
//!   documents, about 5 MB at scale 1: `team-NN/apps/<app>/…` (flat, bundled or kustomize
//!   `base/` + `overlays/<env>/` layouts), `team-NN/gateways/`, `team-NN/jobs/`,
//!   `platform/asm/<cluster>/`, `platform/istio-operator/<env>/`, `platform/istio-system/…`,
//!   `clusters/<region>/<env>/`. `OUT/tree` is deleted and rewritten on every run that writes it.
//! - `OUT/stream.yaml`: one multi-document stream of `--stream-mb` MiB (default 50), documents
//!   of a few KB each and never more than 64 KiB.
//!
//! Content: Deployments (mostly ordinary apps; some ASM gateway Deployments with the overflow
//! block), Services, ConfigMaps with block scalars (`|`, `>-`: nginx.conf, JSON, properties,
//! a copied Helm values snippet), ServiceAccounts, HorizontalPodAutoscalers,
//! PodDisruptionBudgets, CronJobs, Namespaces, Kustomizations, ASM `IstioGateway`s and
//! `IstioOperator`s (`install.istio.io/v1alpha1`, gateways under
//! `spec.components.ingressGateways[].k8s`). About 30% of the gateways carry the correct block,
//! 8% have none, and the rest have one mistake from the list in `Mistake::ALL` (near-miss
//! labels and taints such as `asmgatway` or `myvalu`, a wrong operator, swapped or invalid
//! weights, missing terms or tolerations, an effect typo, both pools ANDed in one term, wrong
//! YAML types such as `weight: "eighty"`, duplicate keys and entries, a nodeSelector that blocks
//! overflow, ECI-incompatible pods, the ECI pod label, suppressed and stale
//! `# spillway: ignore[...]` comments, …). Gateways use the README's pools: audit them with
//! `--ecs-label mykey4pod=asmgateway --ecs-taint mykey=myvalue:NoSchedule`.
//!
//! YAML style varies per file (and per document in the stream): full-line and trailing
//! comments (some in Chinese), flow collections, anchors and aliases (`&labels`/`*labels`),
//! `<<:` merge keys, kubectl-style (`- ` at the parent's indentation) and indented sequences,
//! 2- or 4-space indentation, plain and quoted scalars, a leading `---` in some files, an
//! occasional `...` document end, CRLF line endings in about 5% of the tree's files and a BOM in
//! a few. Every document loads with PyYAML's `safe_load_all`.
//!
//! Options:
//!
//! - `--seed N` (default 1): the seed of everything.
//! - `--scale K` (default 1): multiplies the tree's file count (K=4 → 8,000 files, K=16 →
//!   32,000), for linear-growth benchmarks.
//! - `--only small,tree,stream`: write only these corpora.
//! - `--stream-mb N` (default 50): the stream's size in MiB.
//! - `--annotate`: a `# gen-corpus: <state>` comment above each gateway document (`clean`,
//!   `no-block`, or the mistake and the rule spillway is expected to report), to check findings
//!   against intent. Annotated output differs from the plain one only by these comment lines.
//!
//! Seed 1 gives: `small/gateway.yaml` 2.7 KB; `tree/` 2,000 files, 3,601 documents, 4.9 MB,
//! 220 gateways (63 clean, 17 without a block, 140 with a mistake); `stream.yaml` 52.4 MB,
//! 22,658 documents (largest 42 KB), 3,728 gateways. All three take about half a second in
//! release; `--scale 16` (32,000 files, 82 MB) about two seconds.
//!
//! Determinism: the output is a pure function of `(seed, scale, stream-mb)`. The same options
//! give byte-identical files on every run and machine (a splitmix64 generator in this file, no
//! hash-map iteration, no clock, no dependency beyond std), and each corpus has its own
//! generator, so `--only` writes the same bytes as a full run. A summary per corpus (files,
//! documents, bytes, gateways by state and mistake, time) goes to stderr.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

// ---------------------------------------------------------------------------------------------
// Pools (the README's example flags) and the PRNG.

const ECS_KEY: &str = "mykey4pod";
const ECS_VAL: &str = "asmgateway";
const ECS_TAINT_KEY: &str = "mykey";
const ECS_TAINT_VAL: &str = "myvalue";
const VIRT_KEY: &str = "type";
const VIRT_VAL: &str = "virtual-kubelet";
const VIRT_TAINT_KEY: &str = "virtual-kubelet.io/provider";
const VIRT_TAINT_VAL: &str = "alibabacloud";

/// splitmix64: tiny, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    /// An independent generator for item `index` of sub-stream `tag` of `seed`.
    fn derive(seed: u64, tag: u64, index: u64) -> Rng {
        let mut a = Rng(seed ^ tag.wrapping_mul(0xD1B5_4A32_D192_ED03));
        let mut b = Rng(a.next() ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        b.next();
        b
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        ((self.next() >> 11) % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `pct` percent.
    fn pct(&mut self, pct: u32) -> bool {
        self.below(1000) < pct as usize * 10
    }

    /// True with probability `pm` per mille.
    fn permille(&mut self, pm: u32) -> bool {
        self.below(1000) < pm as usize
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    /// An index chosen with the given weights.
    fn weighted(&mut self, ws: &[u32]) -> usize {
        let total: u32 = ws.iter().sum();
        let mut x = self.below(total as usize) as u32;
        for (i, w) in ws.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        ws.len() - 1
    }

    fn hex(&mut self, n: usize) -> String {
        const H: &[u8] = b"0123456789abcdef";
        (0..n).map(|_| H[self.below(16)] as char).collect()
    }

    fn alnum(&mut self, n: usize) -> String {
        const A: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        (0..n).map(|_| A[self.below(A.len())] as char).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// A small YAML tree and its emitter. Scalars are stored rendered (quoted or not), so the tree
// is only about layout: block or flow, sequence indentation, comments, anchors.

enum V {
    /// A rendered scalar.
    S(String),
    Map(Vec<Ent>),
    Seq(Vec<Item>),
    /// A rendered flow collection.
    Flow(String),
    /// A block scalar: header (`|`, `|-`, `>-`) and its lines.
    Block(&'static str, String),
    Alias(String),
    Anchor(String, Box<V>),
}

struct Ent {
    k: String,
    v: V,
    pre: Vec<String>,
    trail: Option<String>,
}

struct Item {
    v: V,
    pre: Vec<String>,
    trail: Option<String>,
}

/// Builds a mapping.
#[derive(Default)]
struct M {
    e: Vec<Ent>,
    pending: Vec<String>,
}

impl M {
    fn new() -> M {
        M::default()
    }
    fn v(&mut self, k: &str, v: V) -> &mut M {
        self.e.push(Ent {
            k: k.to_owned(),
            v,
            pre: std::mem::take(&mut self.pending),
            trail: None,
        });
        self
    }
    fn s(&mut self, k: &str, s: impl Into<String>) -> &mut M {
        self.v(k, V::S(s.into()))
    }
    /// A comment line before the next entry.
    fn c(&mut self, c: impl Into<String>) -> &mut M {
        self.pending.push(c.into());
        self
    }
    /// A trailing comment on the last entry.
    fn t(&mut self, c: impl Into<String>) -> &mut M {
        if let Some(e) = self.e.last_mut() {
            e.trail = Some(c.into());
        }
        self
    }
    fn is_empty(&self) -> bool {
        self.e.is_empty()
    }
    fn done(&mut self) -> V {
        V::Map(std::mem::take(&mut self.e))
    }
}

/// Builds a sequence.
#[derive(Default)]
struct L {
    i: Vec<Item>,
    pending: Vec<String>,
}

impl L {
    fn new() -> L {
        L::default()
    }
    fn v(&mut self, v: V) -> &mut L {
        self.i.push(Item {
            v,
            pre: std::mem::take(&mut self.pending),
            trail: None,
        });
        self
    }
    fn s(&mut self, s: impl Into<String>) -> &mut L {
        self.v(V::S(s.into()))
    }
    fn c(&mut self, c: impl Into<String>) -> &mut L {
        self.pending.push(c.into());
        self
    }
    fn t(&mut self, c: impl Into<String>) -> &mut L {
        if let Some(i) = self.i.last_mut() {
            i.trail = Some(c.into());
        }
        self
    }
    fn done(&mut self) -> V {
        V::Seq(std::mem::take(&mut self.i))
    }
}

/// Layout of one file (tree) or document (stream).
#[derive(Clone, Copy)]
struct Layout {
    /// Indentation step (2, sometimes 4).
    step: usize,
    /// Sequences under a key indented by one step (`true`) or at the key's column (kubectl).
    seq_indent: bool,
}

struct Emitter<'a> {
    out: &'a mut String,
    lay: Layout,
}

fn pad(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

impl Emitter<'_> {
    fn comment(&mut self, col: usize, c: &str) {
        pad(self.out, col);
        self.out.push_str("# ");
        self.out.push_str(c);
        self.out.push('\n');
    }

    fn end(&mut self, trail: Option<&str>) {
        if let Some(t) = trail {
            self.out.push_str("  # ");
            self.out.push_str(t);
        }
        self.out.push('\n');
    }

    /// Scalars, flow collections and aliases: the text on the line.
    fn inline(v: &V) -> Option<String> {
        match v {
            V::S(s) | V::Flow(s) => Some(s.clone()),
            V::Alias(a) => Some(format!("*{a}")),
            V::Map(m) if m.is_empty() => Some("{}".into()),
            V::Seq(s) if s.is_empty() => Some("[]".into()),
            V::Anchor(a, inner) => Self::inline(inner).map(|t| format!("&{a} {t}")),
            _ => None,
        }
    }

    fn lines(&mut self, text: &str, col: usize) {
        for line in text.lines() {
            if !line.is_empty() {
                pad(self.out, col);
                self.out.push_str(line);
            }
            self.out.push('\n');
        }
    }

    /// A mapping whose entries sit at `col`; `prefix` replaces the first entry's indentation
    /// (a sequence item's `- `).
    fn map(&mut self, ents: &[Ent], col: usize, mut prefix: Option<&str>) {
        for e in ents {
            match prefix.take() {
                Some(p) => self.out.push_str(p),
                None => {
                    for c in &e.pre {
                        self.comment(col, c);
                    }
                    pad(self.out, col);
                }
            }
            self.out.push_str(&e.k);
            self.out.push(':');
            self.value(&e.v, col, e.trail.as_deref());
        }
    }

    /// What follows `key:` for an entry at `col`.
    fn value(&mut self, v: &V, col: usize, trail: Option<&str>) {
        if let Some(t) = Self::inline(v) {
            self.out.push(' ');
            self.out.push_str(&t);
            self.end(trail);
            return;
        }
        match v {
            V::Anchor(a, inner) => {
                self.out.push_str(" &");
                self.out.push_str(a);
                self.nested(inner, col, trail);
            }
            _ => self.nested(v, col, trail),
        }
    }

    fn nested(&mut self, v: &V, col: usize, trail: Option<&str>) {
        match v {
            V::Map(m) => {
                self.end(trail);
                self.map(m, col + self.lay.step, None);
            }
            V::Seq(s) => {
                self.end(trail);
                let c = if self.lay.seq_indent {
                    col + self.lay.step
                } else {
                    col
                };
                self.seq(s, c);
            }
            V::Block(h, text) => {
                self.out.push(' ');
                self.out.push_str(h);
                self.end(trail);
                self.lines(text, col + self.lay.step);
            }
            _ => unreachable!("inline values are handled by value()"),
        }
    }

    fn seq(&mut self, items: &[Item], col: usize) {
        for it in items {
            for c in &it.pre {
                self.comment(col, c);
            }
            let mut dash = String::with_capacity(col + 2);
            pad(&mut dash, col);
            dash.push_str("- ");
            if let Some(t) = Self::inline(&it.v) {
                self.out.push_str(&dash);
                self.out.push_str(&t);
                self.end(it.trail.as_deref());
                continue;
            }
            match &it.v {
                V::Map(m) => {
                    for c in &m[0].pre {
                        self.comment(col, c);
                    }
                    self.map(m, col + 2, Some(&dash));
                }
                V::Anchor(a, inner) => {
                    self.out.push_str(&dash);
                    self.out.push('&');
                    self.out.push_str(a);
                    self.end(it.trail.as_deref());
                    match &**inner {
                        V::Map(m) => self.map(m, col + 2, None),
                        _ => unreachable!("anchored sequence items are mappings"),
                    }
                }
                V::Block(h, text) => {
                    self.out.push_str(&dash);
                    self.out.push_str(h);
                    self.end(it.trail.as_deref());
                    self.lines(text, col + 2);
                }
                _ => unreachable!("no sequence directly in a sequence"),
            }
        }
    }
}

/// One document: comment lines above it, its root mapping, and whether it ends with `...`.
struct Doc {
    pre: Vec<String>,
    root: V,
    end_marker: bool,
}

fn emit_doc(out: &mut String, d: &Doc, lay: Layout) {
    for c in &d.pre {
        if c.is_empty() {
            out.push_str("#\n");
        } else {
            out.push_str("# ");
            out.push_str(c);
            out.push('\n');
        }
    }
    let mut em = Emitter { out, lay };
    match &d.root {
        V::Map(m) => em.map(m, 0, None),
        _ => unreachable!("documents are mappings"),
    }
    if d.end_marker {
        out.push_str("...\n");
    }
}

// ---------------------------------------------------------------------------------------------
// Scalars.

fn plain_ok(s: &str) -> bool {
    if s.is_empty() || s.trim() != s {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "~"
    ) {
        return false;
    }
    let first = s.as_bytes()[0];
    if first.is_ascii_digit() || b"-?:,[]{}#&*!|>'\"%@`.+=<".contains(&first) {
        return false;
    }
    !(s.contains(": ")
        || s.contains(" #")
        || s.ends_with(':')
        || s.contains(['{', '}', '[', ']', ',', '"', '\'', '\t', '\\']))
}

fn dq(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for ch in s.chars() {
        match ch {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            _ => o.push(ch),
        }
    }
    o.push('"');
    o
}

fn sq(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A string scalar: plain when YAML reads it back as the same string, else quoted; sometimes
/// quoted anyway, as people do.
fn q(r: &mut Rng, s: &str) -> String {
    if plain_ok(s) && !r.pct(12) {
        s.to_owned()
    } else if r.pct(55) {
        dq(s)
    } else {
        sq(s)
    }
}

/// A string that must be quoted to stay a string ("true", "8080").
fn qs(r: &mut Rng, s: &str) -> String {
    if r.pct(60) {
        dq(s)
    } else {
        sq(s)
    }
}

fn fmap(pairs: &[(&str, String)]) -> String {
    let mut o = String::from("{");
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            o.push_str(", ");
        }
        o.push_str(k);
        o.push_str(": ");
        o.push_str(v);
    }
    o.push('}');
    o
}

fn flist<S: AsRef<str>>(items: &[S]) -> String {
    let mut o = String::from("[");
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            o.push_str(", ");
        }
        o.push_str(s.as_ref());
    }
    o.push(']');
    o
}

/// Labels as a block or flow mapping.
fn labels_v(r: &mut Rng, ls: &[(String, String)], flow_pct: u32) -> V {
    if r.pct(flow_pct) {
        let pairs: Vec<(&str, String)> = ls.iter().map(|(k, v)| (k.as_str(), q(r, v))).collect();
        V::Flow(fmap(&pairs))
    } else {
        let mut m = M::new();
        for (k, v) in ls {
            let v = q(r, v);
            m.s(k, v);
        }
        m.done()
    }
}

/// Anchor names, unique within one document (PyYAML rejects a repeated anchor).
#[derive(Default)]
struct Anchors {
    used: BTreeSet<String>,
}

impl Anchors {
    fn fresh(&mut self, base: &str) -> String {
        let mut name = base.to_owned();
        let mut n = 2;
        while self.used.contains(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        self.used.insert(name.clone());
        name
    }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary.

const APP_WORDS: &[&str] = &[
    "checkout",
    "payments",
    "cart",
    "catalog",
    "search",
    "inventory",
    "orders",
    "shipping",
    "billing",
    "auth",
    "profile",
    "notifications",
    "recommendation",
    "reviews",
    "ratings",
    "frontend",
    "media",
    "analytics",
    "reporting",
    "ledger",
    "pricing",
    "promotions",
    "loyalty",
    "chat",
    "email",
    "sms",
    "scheduler",
    "importer",
    "exporter",
    "coupon",
    "risk",
    "kyc",
    "settlement",
    "invoice",
    "warehouse",
    "tracking",
    "geo",
    "user",
    "session",
    "feed",
];
const APP_SUFFIXES: &[&str] = &[
    "api", "svc", "worker", "web", "consumer", "sync", "gateway", "bff", "service", "server",
];
const DOMAINS: &[&str] = &[
    "shop",
    "pay",
    "logistics",
    "risk",
    "growth",
    "search",
    "media",
    "iot",
    "data",
    "crm",
    "ads",
    "trade",
];
const REGIONS: &[&str] = &[
    "cn-hangzhou",
    "cn-shanghai",
    "cn-beijing",
    "cn-shenzhen",
    "cn-zhangjiakou",
    "ap-southeast-1",
    "eu-central-1",
    "us-west-1",
];
const ENVS: &[&str] = &["dev", "staging", "pre", "prod"];
const REGISTRIES: &[&str] = &[
    "registry-cn-hangzhou-vpc.ack.aliyuncs.com",
    "registry.cn-hangzhou.aliyuncs.com",
    "registry.cn-shanghai.aliyuncs.com",
    "registry-vpc.cn-beijing.aliyuncs.com",
];
const ZH_COMMENTS: &[&str] = &[
    "网关调度配置：优先 ECS 节点，满载后弹性到 ECI",
    "注意：修改前请联系平台组",
    "生产环境配置",
    "由 CI 自动同步，请勿手工修改",
    "资源限制按压测结果设置",
];

fn app_name(r: &mut Rng) -> String {
    let w = r.pick(APP_WORDS);
    if r.pct(70) {
        format!("{w}-{}", r.pick(APP_SUFFIXES))
    } else {
        (*w).to_owned()
    }
}

fn image(r: &mut Rng, team: &str, app: &str) -> String {
    format!(
        "{}/{team}/{app}:v{}.{}.{}",
        r.pick(REGISTRIES),
        r.range(1, 4),
        r.range(0, 30),
        r.range(0, 12)
    )
}

/// Context of one application or gateway.
struct Ctx {
    team: String,
    ns: String,
    app: String,
    env: &'static str,
    /// 0 (compact, tree) .. 2 (rich, stream).
    rich: usize,
}

fn std_labels(c: &Ctx, r: &mut Rng) -> Vec<(String, String)> {
    let mut ls = vec![("app".to_owned(), c.app.clone())];
    if r.pct(60) {
        ls.push(("app.kubernetes.io/name".into(), c.app.clone()));
        ls.push(("app.kubernetes.io/part-of".into(), c.team.clone()));
    }
    if r.pct(40) {
        ls.push((
            "app.kubernetes.io/managed-by".into(),
            (*r.pick(&["kustomize", "Helm", "argocd"])).into(),
        ));
    }
    if r.pct(50) {
        ls.push(("team".into(), c.team.clone()));
    }
    if r.pct(30) {
        ls.push(("env".into(), c.env.into()));
    }
    ls
}

fn meta(r: &mut Rng, c: &Ctx, name: &str, labels: Option<V>, annotations: bool) -> V {
    let mut m = M::new();
    m.s("name", q(r, name)).s("namespace", q(r, &c.ns));
    if let Some(l) = labels {
        m.v("labels", l);
    }
    if annotations {
        let mut a = M::new();
        match r.below(4) {
            0 => a.s("owner", q(r, &format!("{}@example.com", c.team))),
            1 => a.s("kubectl.kubernetes.io/last-applied-by", {
                let id = format!("ci-{}", r.alnum(6));
                q(r, &id)
            }),
            2 => {
                let wave = r.range(0, 5).to_string();
                a.s("argocd.argoproj.io/sync-wave", qs(r, &wave))
            }
            _ => a.s("description", q(r, &format!("{} for {}", c.app, c.team))),
        };
        m.v("annotations", a.done());
    }
    m.done()
}

fn resources(r: &mut Rng, flow: bool) -> V {
    let rc = *r.pick(&["50m", "100m", "200m", "250m", "500m", "1"]);
    let rm = *r.pick(&["64Mi", "128Mi", "256Mi", "512Mi", "1Gi"]);
    let lc = *r.pick(&["500m", "1", "2", "4"]);
    let lm = *r.pick(&["256Mi", "512Mi", "1Gi", "2Gi", "4Gi"]);
    let cpu = |r: &mut Rng, s: &str| {
        if s.ends_with('m') {
            s.to_owned()
        } else {
            qs(r, s)
        }
    };
    let (rc, lc) = (cpu(r, rc), cpu(r, lc));
    if flow {
        V::Flow(format!(
            "{{requests: {{cpu: {rc}, memory: {rm}}}, limits: {{cpu: {lc}, memory: {lm}}}}}"
        ))
    } else {
        M::new()
            .v("limits", M::new().s("cpu", lc).s("memory", lm).done())
            .v("requests", M::new().s("cpu", rc).s("memory", rm).done())
            .done()
    }
}

fn env_list(r: &mut Rng, c: &Ctx, n: usize) -> V {
    let mut l = L::new();
    const NAMES: &[&str] = &[
        "LOG_LEVEL",
        "SPRING_PROFILES_ACTIVE",
        "JAVA_OPTS",
        "TZ",
        "GOMAXPROCS",
        "REDIS_HOST",
        "DB_HOST",
        "DB_USER",
        "KAFKA_BROKERS",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "FEATURE_NEW_CHECKOUT",
        "HTTP_TIMEOUT_MS",
        "CACHE_TTL",
        "REGION",
        "SERVICE_NAME",
    ];
    let mut seen = BTreeSet::new();
    for i in 0..n {
        let name = if i < NAMES.len() && r.pct(85) {
            NAMES[(i * 7 + c.app.len()) % NAMES.len()].to_owned()
        } else {
            format!("APP_SETTING_{}", r.alnum(4).to_ascii_uppercase())
        };
        if !seen.insert(name.clone()) {
            continue;
        }
        let mut m = M::new();
        m.s("name", name.clone());
        match r.below(10) {
            0 => {
                m.v(
                    "valueFrom",
                    M::new()
                        .v(
                            "secretKeyRef",
                            M::new()
                                .s("name", format!("{}-secrets", c.app))
                                .s("key", name.to_ascii_lowercase().replace('_', "-"))
                                .done(),
                        )
                        .done(),
                );
            }
            1 => {
                m.v(
                    "valueFrom",
                    M::new()
                        .v(
                            "fieldRef",
                            M::new()
                                .s(
                                    "fieldPath",
                                    *r.pick(&[
                                        "metadata.namespace",
                                        "status.podIP",
                                        "spec.nodeName",
                                    ]),
                                )
                                .done(),
                        )
                        .done(),
                );
            }
            2 => {
                m.v(
                    "valueFrom",
                    V::Flow(format!(
                        "{{configMapKeyRef: {{name: {}-config, key: {}}}}}",
                        c.app,
                        name.to_ascii_lowercase()
                    )),
                );
            }
            _ => {
                let (text, force) = match name.as_str() {
                    "LOG_LEVEL" => ((*r.pick(&["info", "debug", "warn"])).to_owned(), false),
                    "SPRING_PROFILES_ACTIVE" => (c.env.to_owned(), false),
                    "JAVA_OPTS" => (
                        format!(
                            "-Xms{m}m -Xmx{m}m -XX:+UseG1GC -Dfile.encoding=UTF-8",
                            m = 256 * r.range(1, 8)
                        ),
                        false,
                    ),
                    "TZ" => ("Asia/Shanghai".to_owned(), false),
                    "GOMAXPROCS" | "HTTP_TIMEOUT_MS" => (r.range(2, 3000).to_string(), true),
                    "FEATURE_NEW_CHECKOUT" => ("true".to_owned(), true),
                    "REDIS_HOST" => (format!("r-{}.redis.rds.aliyuncs.com", r.alnum(12)), false),
                    "DB_HOST" => (format!("rm-{}.mysql.rds.aliyuncs.com", r.alnum(14)), false),
                    "KAFKA_BROKERS" => (
                        format!(
                            "alikafka-{id}-1-vpc.alikafka.aliyuncs.com:9092,alikafka-{id}-2-vpc.alikafka.aliyuncs.com:9092",
                            id = r.alnum(10)
                        ),
                        false,
                    ),
                    "OTEL_EXPORTER_OTLP_ENDPOINT" => (
                        "http://otel-collector.observability.svc.cluster.local:4317".to_owned(),
                        false,
                    ),
                    _ => (format!("{}-{}", c.app, r.alnum(5)), false),
                };
                let v = if force { qs(r, &text) } else { q(r, &text) };
                m.s("value", v);
            }
        }
        if r.pct(25) {
            let pairs: Vec<(&str, String)> = match &m.e[1].v {
                V::S(s) => vec![("name", name.clone()), ("value", s.clone())],
                _ => Vec::new(),
            };
            if !pairs.is_empty() {
                l.v(V::Flow(fmap(&pairs)));
                continue;
            }
        }
        l.v(m.done());
    }
    l.done()
}

fn probe(r: &mut Rng, port: &str) -> M {
    let mut m = M::new();
    let path = *r.pick(&[
        "/healthz",
        "/ready",
        "/actuator/health",
        "/health",
        "/livez",
    ]);
    if r.pct(30) {
        m.v(
            "httpGet",
            V::Flow(format!("{{path: {path}, port: {port}}}")),
        );
    } else {
        m.v(
            "httpGet",
            M::new().s("path", path).s("port", port.to_owned()).done(),
        );
    }
    m.s("periodSeconds", r.pick(&["5", "10", "15"]).to_string());
    if r.pct(40) {
        m.s("timeoutSeconds", r.range(1, 5).to_string());
    }
    m
}

// ---------------------------------------------------------------------------------------------
// Ordinary documents.

fn app_deployment(r: &mut Rng, c: &Ctx, anch: &mut Anchors) -> V {
    let ls = std_labels(c, r);
    let anchored = r.pct(30);
    let label_anchor = anch.fresh("labels");
    let meta_labels = if anchored {
        V::Anchor(label_anchor.clone(), Box::new(labels_v(r, &ls, 0)))
    } else {
        labels_v(r, &ls, 25)
    };
    let mut root = M::new();
    root.s("apiVersion", "apps/v1").s("kind", "Deployment");
    if r.pct(10) {
        root.c(r.pick(ZH_COMMENTS).to_string());
    }
    let ann = r.pct(40);
    root.v("metadata", meta(r, c, &c.app, Some(meta_labels), ann));
    let mut spec = M::new();
    spec.s("replicas", r.range(1, 6).to_string());
    if r.pct(40) {
        spec.s("revisionHistoryLimit", r.range(3, 10).to_string());
    }
    let sel = if anchored {
        V::Alias(label_anchor.clone())
    } else if r.pct(50) {
        V::Flow(format!("{{app: {}}}", c.app))
    } else {
        M::new().s("app", c.app.clone()).done()
    };
    spec.v("selector", M::new().v("matchLabels", sel).done());
    if r.pct(60) {
        if r.pct(50) {
            spec.v(
                "strategy",
                V::Flow(format!(
                    "{{type: RollingUpdate, rollingUpdate: {{maxSurge: {}, maxUnavailable: {}}}}}",
                    r.pick(&["25%", "1", "50%"]),
                    r.pick(&["0", "25%", "1"])
                )),
            );
        } else {
            spec.v(
                "strategy",
                M::new()
                    .s("type", "RollingUpdate")
                    .v(
                        "rollingUpdate",
                        M::new()
                            .s("maxSurge", *r.pick(&["25%", "1", "50%"]))
                            .s("maxUnavailable", *r.pick(&["0", "25%", "1"]))
                            .done(),
                    )
                    .done(),
            );
        }
    }
    // Template.
    let version = format!("v{}", r.range(1, 3));
    let tlabels = if anchored && r.pct(50) {
        M::new()
            .s("<<", format!("*{label_anchor}"))
            .s("version", version)
            .done()
    } else if anchored {
        V::Alias(label_anchor)
    } else {
        let mut tl = ls.clone();
        tl.push(("version".into(), version));
        labels_v(r, &tl, 20)
    };
    let mut tmeta = M::new();
    tmeta.v("labels", tlabels);
    if r.pct(60) {
        let mut a = M::new();
        if r.pct(70) {
            a.s("sidecar.istio.io/inject", qs(r, "true"));
        }
        if r.pct(50) {
            a.s("prometheus.io/scrape", qs(r, "true"))
                .s("prometheus.io/port", qs(r, "9090"));
        }
        if a.is_empty() {
            a.s(
                "kubectl.kubernetes.io/restartedAt",
                qs(r, "2024-11-05T10:12:33+08:00"),
            );
        }
        tmeta.v("annotations", a.done());
    }
    let mut pod = M::new();
    if r.pct(70) {
        pod.s("serviceAccountName", c.app.clone());
    }
    if r.pct(40) {
        pod.s(
            "terminationGracePeriodSeconds",
            r.pick(&["30", "60", "10"]).to_string(),
        );
    }
    if r.pct(30) {
        pod.v(
            "imagePullSecrets",
            V::Flow("[{name: acr-credential}]".into()),
        );
    }
    if r.pct(35) {
        pod.v(
            "securityContext",
            M::new()
                .s("runAsNonRoot", "true")
                .s("runAsUser", r.pick(&["1000", "10001", "65532"]).to_string())
                .s("fsGroup", "2000")
                .done(),
        );
    }
    let port = *r.pick(&["8080", "8000", "9000", "3000", "80"]);
    let mut containers = L::new();
    let mut main = M::new();
    main.s("name", c.app.clone())
        .s("image", image(r, &c.team, &c.app));
    if r.pct(50) {
        main.s("imagePullPolicy", *r.pick(&["IfNotPresent", "Always"]));
    }
    if r.pct(25) {
        let args: Vec<String> = vec![
            q(r, &format!("--port={port}")),
            q(r, &format!("--config=/etc/{}/config.yaml", c.app)),
            q(r, "--log-format=json"),
        ];
        if r.pct(50) {
            main.v("args", V::Flow(flist(&args)));
        } else {
            let mut l = L::new();
            for a in args {
                l.s(a);
            }
            main.v("args", l.done());
        }
    }
    if r.pct(8) {
        main.v(
            "command",
            L::new()
                .s("/bin/sh")
                .s("-c")
                .v(V::Block(
                    "|",
                    format!(
                        "echo \"starting {app}\"\nexec /app/{app} --port={port} \\\n  --config /etc/{app}/config.yaml\n",
                        app = c.app
                    ),
                ))
                .done(),
        );
    }
    let ports = if r.pct(40) {
        V::Flow(format!(
            "[{{containerPort: {port}, name: http, protocol: TCP}}]"
        ))
    } else {
        let mut l = L::new();
        l.v(M::new()
            .s("containerPort", port)
            .s("name", "http")
            .s("protocol", "TCP")
            .done());
        if r.pct(40) {
            l.v(M::new()
                .s("containerPort", "9090")
                .s("name", "metrics")
                .s("protocol", "TCP")
                .done());
        }
        l.done()
    };
    main.v("ports", ports);
    let n_env = [r.range(2, 6), r.range(4, 10), r.range(6, 15)][c.rich];
    main.v("env", env_list(r, c, n_env));
    if r.pct(30) {
        main.v(
            "envFrom",
            L::new()
                .v(V::Flow(format!(
                    "{{configMapRef: {{name: {}-config}}}}",
                    c.app
                )))
                .done(),
        );
    }
    let flow_res = r.pct(30);
    main.v("resources", resources(r, flow_res));
    if r.pct(75) {
        let p = probe(r, "http");
        if r.pct(35) {
            let a = anch.fresh("probe");
            let mut p = p;
            main.v("readinessProbe", V::Anchor(a.clone(), Box::new(p.done())));
            main.v(
                "livenessProbe",
                M::new()
                    .s("<<", format!("*{a}"))
                    .s(
                        "initialDelaySeconds",
                        r.pick(&["15", "30", "60"]).to_string(),
                    )
                    .done(),
            );
        } else {
            let mut p = p;
            main.v("readinessProbe", p.done());
            if r.pct(60) {
                main.v(
                    "livenessProbe",
                    probe(r, "http").s("initialDelaySeconds", "30").done(),
                );
            }
        }
    }
    if c.rich >= 1 && r.pct(50) {
        let secs = r.range(5, 30);
        main.v(
            "lifecycle",
            M::new()
                .v(
                    "preStop",
                    M::new()
                        .v(
                            "exec",
                            V::Flow(format!("{{command: [sh, -c, 'sleep {secs}']}}")),
                        )
                        .done(),
                )
                .done(),
        );
    }
    if c.rich == 2 && r.pct(40) {
        main.v(
            "startupProbe",
            probe(r, "http").s("failureThreshold", "30").done(),
        );
    }
    let mounts = r.pct(45);
    if mounts {
        main.v(
            "volumeMounts",
            L::new()
                .v(M::new()
                    .s("name", "config")
                    .s("mountPath", format!("/etc/{}", c.app))
                    .s("readOnly", "true")
                    .done())
                .v(M::new().s("name", "tmp").s("mountPath", "/tmp").done())
                .done(),
        );
    }
    containers.v(main.done());
    if r.pct(15 + 10 * c.rich as u32) {
        containers.c("log shipping sidecar");
        containers.v(
            M::new()
                .s("name", "logtail")
                .s(
                    "image",
                    "registry-cn-hangzhou-vpc.ack.aliyuncs.com/acs/logtail:v1.8.7.0-aliyun",
                )
                .v("resources", resources(r, true))
                .v(
                    "env",
                    L::new()
                        .v(V::Flow("{name: ALIYUN_LOGTAIL_USER_DEFINED_ID, value: k8s-group}".into()))
                        .v(V::Flow(format!(
                            "{{name: ALIYUN_LOGTAIL_CONFIG, value: /etc/ilogtail/conf/{}/ilogtail_config.json}}",
                            r.pick(REGIONS)
                        )))
                        .done(),
                )
                .done(),
        );
    }
    if c.rich == 2 && r.pct(25) {
        let host = format!("rm-{}.mysql.rds.aliyuncs.com", r.alnum(14));
        pod.v(
            "initContainers",
            L::new()
                .v(M::new()
                    .s("name", "wait-for-db")
                    .s(
                        "image",
                        "registry-cn-hangzhou-vpc.ack.aliyuncs.com/acs/busybox:1.36",
                    )
                    .v(
                        "command",
                        V::Flow(format!(
                            "[sh, -c, 'until nc -z {host} 3306; do sleep 2; done']"
                        )),
                    )
                    .done())
                .done(),
        );
    }
    pod.v("containers", containers.done());
    if mounts {
        pod.v(
            "volumes",
            L::new()
                .v(M::new()
                    .s("name", "config")
                    .v(
                        "configMap",
                        M::new().s("name", format!("{}-config", c.app)).done(),
                    )
                    .done())
                .v(V::Flow("{name: tmp, emptyDir: {}}".into()))
                .done(),
        );
    }
    if r.pct(20) {
        pod.v("nodeSelector", V::Flow("{kubernetes.io/os: linux}".into()));
    }
    if r.pct(10) {
        pod.c("batch pool");
        pod.v(
            "tolerations",
            L::new()
                .v(V::Flow(
                    "{key: dedicated, operator: Equal, value: batch, effect: NoSchedule}".into(),
                ))
                .done(),
        );
    }
    if r.pct(15) {
        pod.v(
            "affinity",
            M::new()
                .v(
                    "podAntiAffinity",
                    M::new()
                        .v(
                            "preferredDuringSchedulingIgnoredDuringExecution",
                            L::new()
                                .v(M::new()
                                    .s("weight", "100")
                                    .v(
                                        "podAffinityTerm",
                                        M::new()
                                            .v(
                                                "labelSelector",
                                                M::new()
                                                    .v(
                                                        "matchLabels",
                                                        V::Flow(format!("{{app: {}}}", c.app)),
                                                    )
                                                    .done(),
                                            )
                                            .s("topologyKey", "kubernetes.io/hostname")
                                            .done(),
                                    )
                                    .done())
                                .done(),
                        )
                        .done(),
                )
                .done(),
        );
    }
    if r.pct(10) {
        pod.v(
            "topologySpreadConstraints",
            L::new()
                .v(M::new()
                    .s("maxSkew", "1")
                    .s("topologyKey", "topology.kubernetes.io/zone")
                    .s("whenUnsatisfiable", "ScheduleAnyway")
                    .v(
                        "labelSelector",
                        V::Flow(format!("{{matchLabels: {{app: {}}}}}", c.app)),
                    )
                    .done())
                .done(),
        );
    }
    spec.v(
        "template",
        M::new()
            .v("metadata", tmeta.done())
            .v("spec", pod.done())
            .done(),
    );
    root.v("spec", spec.done());
    root.done()
}

fn service(r: &mut Rng, c: &Ctx, gateway: bool) -> V {
    let ls = if gateway {
        vec![
            ("app".to_owned(), "istio-ingressgateway".to_owned()),
            ("istio".to_owned(), "ingressgateway".to_owned()),
        ]
    } else {
        std_labels(c, r)
    };
    let mut root = M::new();
    root.s("apiVersion", "v1").s("kind", "Service");
    let mut md = M::new();
    let name = if gateway {
        c.app.clone()
    } else if r.pct(20) {
        format!("{}-svc", c.app)
    } else {
        c.app.clone()
    };
    md.s("name", q(r, &name)).s("namespace", q(r, &c.ns));
    md.v("labels", labels_v(r, &ls, 30));
    let lb = gateway || r.pct(12);
    if lb {
        let mut a = M::new();
        a.s(
            "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-spec",
            *r.pick(&["slb.s1.small", "slb.s2.small", "slb.s3.medium"]),
        );
        if r.pct(50) {
            a.s(
                "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type",
                *r.pick(&["intranet", "internet"]),
            );
        }
        if r.pct(30) {
            a.c("复用已有 SLB 实例");
            a.s(
                "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-id",
                format!("lb-{}", r.alnum(20)),
            );
        }
        md.v("annotations", a.done());
    }
    root.v("metadata", md.done());
    let mut spec = M::new();
    spec.s(
        "type",
        if lb {
            "LoadBalancer"
        } else if r.pct(8) {
            "NodePort"
        } else {
            "ClusterIP"
        },
    );
    if gateway {
        spec.v(
            "selector",
            labels_v(
                r,
                &[
                    ("app".to_owned(), "istio-ingressgateway".to_owned()),
                    ("istio".to_owned(), "ingressgateway".to_owned()),
                ],
                40,
            ),
        );
    } else {
        spec.v(
            "selector",
            labels_v(r, &[("app".to_owned(), c.app.clone())], 40),
        );
    }
    let mut ports = L::new();
    let list: &[(&str, &str, &str)] = if gateway {
        &[
            ("status-port", "15021", "15021"),
            ("http2", "80", "8080"),
            ("https", "443", "8443"),
        ]
    } else if r.pct(30) {
        &[("http", "80", "http"), ("grpc", "9090", "9090")]
    } else {
        &[("http", "80", "http")]
    };
    let flow = r.pct(25);
    for (n, p, t) in list {
        if flow {
            ports.v(V::Flow(format!(
                "{{name: {n}, port: {p}, targetPort: {t}, protocol: TCP}}"
            )));
        } else {
            ports.v(M::new()
                .s("name", *n)
                .s("port", *p)
                .s("targetPort", *t)
                .s("protocol", "TCP")
                .done());
        }
    }
    spec.v("ports", ports.done());
    if lb && r.pct(50) {
        spec.s("externalTrafficPolicy", "Local");
    }
    if r.pct(10) {
        spec.s("sessionAffinity", "None");
    }
    root.v("spec", spec.done());
    root.done()
}

fn words(r: &mut Rng, n: usize) -> Vec<&'static str> {
    const W: &[&str] = &[
        "the",
        "service",
        "handles",
        "requests",
        "from",
        "upstream",
        "clients",
        "and",
        "caches",
        "results",
        "for",
        "a",
        "short",
        "time",
        "configuration",
        "is",
        "reloaded",
        "when",
        "changed",
        "by",
        "operators",
        "during",
        "rollout",
        "traffic",
        "shifts",
        "gradually",
        "between",
        "versions",
        "timeouts",
        "retries",
        "are",
        "tuned",
        "per",
        "route",
    ];
    (0..n).map(|_| *r.pick(W)).collect()
}

fn folded(r: &mut Rng, n: usize) -> String {
    let w = words(r, n);
    let mut out = String::new();
    let mut line = String::new();
    for x in w {
        if line.len() + x.len() > 70 {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(x);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

fn nginx_conf(r: &mut Rng, c: &Ctx, servers: usize, locations: usize) -> String {
    let mut s = String::from("# managed by platform team\nworker_processes auto;\nerror_log /dev/stderr warn;\npid /tmp/nginx.pid;\n\nevents {\n    worker_connections 4096;\n    multi_accept on;\n}\n\nhttp {\n    include       /etc/nginx/mime.types;\n    default_type  application/octet-stream;\n    log_format  main  '$remote_addr - $remote_user [$time_local] \"$request\" '\n                      '$status $body_bytes_sent \"$http_referer\" '\n                      '\"$http_user_agent\" \"$http_x_forwarded_for\"';\n    access_log  /dev/stdout  main;\n    sendfile        on;\n    keepalive_timeout  65;\n    gzip  on;\n    gzip_types text/plain application/json application/javascript text/css;\n\n");
    for i in 0..servers {
        let up = format!("{}-{}", c.app, i);
        s.push_str(&format!(
            "    upstream {up} {{\n        server {up}.{}.svc.cluster.local:8080 max_fails=3 fail_timeout=10s;\n        keepalive 32;\n    }}\n\n",
            c.ns
        ));
        s.push_str(&format!(
            "    server {{\n        listen 8080;\n        server_name {}.{}.example.com;\n        client_max_body_size 16m;\n\n",
            up, c.env
        ));
        for _ in 0..locations {
            let path = format!(
                "/{}/{}/",
                r.pick(&["api", "v1", "v2", "internal", "static"]),
                r.pick(APP_WORDS)
            );
            s.push_str(&format!(
                "        location {path} {{\n            proxy_pass http://{up};\n            proxy_http_version 1.1;\n            proxy_set_header Connection \"\";\n            proxy_set_header Host $host;\n            proxy_set_header X-Real-IP $remote_addr;\n            proxy_read_timeout {}s;\n        }}\n\n",
                r.range(5, 120)
            ));
        }
        s.push_str("        location = /healthz {\n            access_log off;\n            return 200 'ok';\n        }\n    }\n\n");
    }
    s.push_str("}\n");
    s
}

fn properties(r: &mut Rng, c: &Ctx, n: usize) -> String {
    let mut s = format!(
        "# {} {}\nspring.application.name={}\nserver.port=8080\n",
        c.app, c.env, c.app
    );
    s.push_str(&format!(
        "spring.datasource.url=jdbc:mysql://rm-{}.mysql.rds.aliyuncs.com:3306/{}?useSSL=false&characterEncoding=utf8\n",
        r.alnum(14),
        c.app.replace('-', "_")
    ));
    for i in 0..n {
        let k = r.pick(&[
            "cache", "http", "feature", "retry", "pool", "kafka", "redis",
        ]);
        s.push_str(&format!(
            "{}.{}.{}={}\n",
            c.app.replace('-', "."),
            k,
            r.pick(&["timeout", "size", "enabled", "max", "min", "ttl"]),
            if i % 3 == 0 {
                "true".to_owned()
            } else {
                r.range(1, 10_000).to_string()
            }
        ));
    }
    s
}

fn json_conf(r: &mut Rng, c: &Ctx, n: usize) -> String {
    let mut s = format!(
        "{{\n  \"service\": \"{}\",\n  \"env\": \"{}\",\n  \"routes\": [\n",
        c.app, c.env
    );
    for i in 0..n {
        s.push_str(&format!(
            "    {{\"path\": \"/{}/{}\", \"timeoutMs\": {}, \"retries\": {}}}{}\n",
            r.pick(&["api", "v1", "v2"]),
            r.pick(APP_WORDS),
            r.range(100, 5000),
            r.range(0, 3),
            if i + 1 < n { "," } else { "" }
        ));
    }
    s.push_str(&format!(
        "  ],\n  \"limits\": {{\"qps\": {}, \"burst\": {}}}\n}}\n",
        r.range(100, 5000),
        r.range(10, 500)
    ));
    s
}

fn configmap(r: &mut Rng, c: &Ctx, big: bool, suffix: &str) -> V {
    let mut root = M::new();
    root.s("apiVersion", "v1").s("kind", "ConfigMap");
    let ls = std_labels(c, r);
    let labels = labels_v(r, &ls, 40);
    root.v(
        "metadata",
        meta(r, c, &format!("{}-{suffix}", c.app), Some(labels), false),
    );
    let mut data = M::new();
    let scale = if big { 4 } else { 1 } * (1 + c.rich);
    let n = r.range(1, 3 + c.rich);
    let mut kinds: Vec<usize> = (0..6).collect();
    for i in 0..n {
        let j = i + r.below(kinds.len() - i);
        kinds.swap(i, j);
    }
    for &k in &kinds[..n] {
        match k {
            0 => {
                let locs = r.range(1, 3 * scale);
                let servers = r.range(1, scale.min(3));
                let text = nginx_conf(r, c, servers, locs);
                data.v("nginx.conf", V::Block("|", text));
            }
            1 => {
                let n = r.range(3, 12 * scale);
                let text = properties(r, c, n);
                data.v(
                    "application.properties",
                    V::Block(r.pick::<&str>(&["|", "|-"]), text),
                );
            }
            2 => {
                let n = r.range(2, 8 * scale);
                let text = json_conf(r, c, n);
                data.v("config.json", V::Block("|", text));
            }
            3 => {
                data.c("free text for the runbook");
                let n = r.range(20, 60 * scale);
                let text = folded(r, n);
                data.v("description", V::Block(">-", text));
            }
            4 => {
                let level = *r.pick(&["info", "debug", "warn"]);
                data.s("LOG_LEVEL", q(r, level))
                    .t("changed during incident review");
                data.s(
                    "FEATURE_FLAGS",
                    q(r, "new-checkout,async-invoice,geo-routing"),
                );
                data.s("ENABLE_TRACING", qs(r, "true"));
                let max = r.range(10, 500).to_string();
                data.s("MAX_CONNECTIONS", qs(r, &max));
            }
            _ => {
                // A copy of a gateway block kept as text: a string, never checked as a pod spec.
                let text = format!(
                    "# values for the ingress gateway chart ({} cluster)\nreplicaCount: 2\naffinity:\n  nodeAffinity:\n    requiredDuringSchedulingIgnoredDuringExecution:\n      nodeSelectorTerms:\n      - matchExpressions:\n        - {{key: {ECS_KEY}, operator: In, values: [{}]}}\ntolerations:\n- {{operator: Equal, value: {VIRT_TAINT_VAL}, effect: NoSchedule}}\n",
                    c.env,
                    r.pick(&[ECS_VAL, "asmgatway"])
                );
                data.v("gateway-values.yaml", V::Block("|", text));
            }
        }
    }
    root.v("data", data.done());
    root.done()
}

fn hpa(r: &mut Rng, c: &Ctx, target: &str) -> V {
    let mut root = M::new();
    root.s("apiVersion", "autoscaling/v2")
        .s("kind", "HorizontalPodAutoscaler");
    root.v("metadata", meta(r, c, target, None, false));
    let mut spec = M::new();
    if r.pct(40) {
        spec.v(
            "scaleTargetRef",
            V::Flow(format!(
                "{{apiVersion: apps/v1, kind: Deployment, name: {target}}}"
            )),
        );
    } else {
        spec.v(
            "scaleTargetRef",
            M::new()
                .s("apiVersion", "apps/v1")
                .s("kind", "Deployment")
                .s("name", target.to_owned())
                .done(),
        );
    }
    let min = r.range(1, 4);
    spec.s("minReplicas", min.to_string())
        .s("maxReplicas", (min + r.range(2, 20)).to_string());
    let mut metrics = L::new();
    for res in ["cpu", "memory"].iter().take(r.range(1, 2)) {
        metrics.v(M::new()
            .s("type", "Resource")
            .v(
                "resource",
                M::new()
                    .s("name", *res)
                    .v(
                        "target",
                        V::Flow(format!(
                            "{{type: Utilization, averageUtilization: {}}}",
                            r.range(50, 85)
                        )),
                    )
                    .done(),
            )
            .done());
    }
    spec.v("metrics", metrics.done());
    if r.pct(30) {
        spec.v(
            "behavior",
            M::new()
                .v(
                    "scaleDown",
                    M::new()
                        .s("stabilizationWindowSeconds", "300")
                        .v(
                            "policies",
                            L::new()
                                .v(V::Flow(
                                    "{type: Percent, value: 50, periodSeconds: 60}".into(),
                                ))
                                .done(),
                        )
                        .done(),
                )
                .done(),
        );
    }
    root.v("spec", spec.done());
    root.done()
}

fn service_account(r: &mut Rng, c: &Ctx, name: &str) -> V {
    let mut root = M::new();
    root.s("apiVersion", "v1").s("kind", "ServiceAccount");
    let mut md = M::new();
    md.s("name", q(r, name)).s("namespace", q(r, &c.ns));
    if r.pct(40) {
        md.v(
            "annotations",
            M::new()
                .s(
                    "pod-identity.alibabacloud.com/role-name",
                    format!("{}-{}", c.team, name),
                )
                .done(),
        );
    }
    root.v("metadata", md.done());
    if r.pct(40) {
        root.v(
            "imagePullSecrets",
            L::new()
                .v(M::new().s("name", "acr-credential").done())
                .done(),
        );
    }
    if r.pct(30) {
        root.s("automountServiceAccountToken", "false");
    }
    root.done()
}

fn pdb(r: &mut Rng, c: &Ctx, name: &str, app_label: &str) -> V {
    let mut root = M::new();
    root.s("apiVersion", "policy/v1")
        .s("kind", "PodDisruptionBudget");
    root.v("metadata", meta(r, c, name, None, false));
    let mut spec = M::new();
    if r.pct(50) {
        spec.s("minAvailable", r.range(1, 2).to_string());
    } else {
        spec.s("maxUnavailable", *r.pick(&["1", "25%"]));
    }
    spec.v(
        "selector",
        M::new()
            .v("matchLabels", V::Flow(format!("{{app: {app_label}}}")))
            .done(),
    );
    root.v("spec", spec.done());
    root.done()
}

fn cronjob(r: &mut Rng, c: &Ctx) -> V {
    let mut root = M::new();
    root.s("apiVersion", "batch/v1").s("kind", "CronJob");
    let name = format!(
        "{}-{}",
        c.app,
        r.pick(&["cleanup", "report", "sync", "backup"])
    );
    let ann = r.pct(30);
    root.v("metadata", meta(r, c, &name, None, ann));
    let sched = format!(
        "{} {} * * {}",
        r.range(0, 59),
        r.range(0, 23),
        r.pick(&["*", "1-5", "0"])
    );
    let container = M::new()
        .s("name", name.clone())
        .s("image", image(r, &c.team, &c.app))
        .v(
            "command",
            L::new()
                .s("/bin/sh")
                .s("-c")
                .v(V::Block(
                    "|",
                    format!(
                        "set -euo pipefail\necho \"running {name}\"\n/app/bin/{} --since=24h --env={}\n",
                        r.pick(&["cleanup", "export", "reconcile"]),
                        c.env
                    ),
                ))
                .done(),
        )
        .v("resources", resources(r, true))
        .done();
    let job = M::new()
        .s("backoffLimit", r.range(0, 3).to_string())
        .v(
            "template",
            M::new()
                .v(
                    "spec",
                    M::new()
                        .s("restartPolicy", "OnFailure")
                        .v("containers", L::new().v(container).done())
                        .done(),
                )
                .done(),
        )
        .done();
    root.v(
        "spec",
        M::new()
            .s("schedule", q(r, &sched))
            .s("concurrencyPolicy", "Forbid")
            .s("successfulJobsHistoryLimit", "3")
            .v("jobTemplate", M::new().v("spec", job).done())
            .done(),
    );
    root.done()
}

fn namespace(r: &mut Rng, name: &str, team: &str) -> V {
    let mut root = M::new();
    root.s("apiVersion", "v1").s("kind", "Namespace");
    let mut ls = vec![("team".to_owned(), team.to_owned())];
    if r.pct(70) {
        ls.push(("istio-injection".into(), "enabled".into()));
    }
    let labels = labels_v(r, &ls, 30);
    root.v(
        "metadata",
        M::new()
            .s("name", name.to_owned())
            .v("labels", labels)
            .done(),
    );
    root.done()
}

fn kustomization(r: &mut Rng, c: &Ctx, resources: &[String]) -> V {
    let mut root = M::new();
    root.s("apiVersion", "kustomize.config.k8s.io/v1beta1")
        .s("kind", "Kustomization");
    root.s("namespace", c.ns.clone());
    let mut l = L::new();
    for x in resources {
        l.s(x.clone());
    }
    root.v("resources", l.done());
    root.v(
        "labels",
        L::new()
            .v(M::new()
                .v("pairs", V::Flow(format!("{{team: {}}}", c.team)))
                .s("includeSelectors", "false")
                .done())
            .done(),
    );
    root.v(
        "images",
        L::new()
            .v(V::Flow(format!(
                "{{name: {}, newTag: v{}.{}.{}}}",
                c.app,
                r.range(1, 4),
                r.range(0, 30),
                r.range(0, 12)
            )))
            .done(),
    );
    root.done()
}

// ---------------------------------------------------------------------------------------------
// The overflow block: a model, its mistakes, and its rendering in several styles.

#[derive(Clone, PartialEq)]
enum Vals {
    List(Vec<String>),
    Scalar(String),
    Absent,
}

#[derive(Clone, PartialEq)]
struct Req {
    key: String,
    op: String,
    vals: Vals,
}

impl Req {
    fn new(key: &str, op: &str, vals: &[&str]) -> Req {
        Req {
            key: key.into(),
            op: op.into(),
            vals: Vals::List(vals.iter().map(|s| (*s).to_owned()).collect()),
        }
    }
    fn ecs() -> Req {
        Req::new(ECS_KEY, "In", &[ECS_VAL])
    }
    fn virt() -> Req {
        Req::new(VIRT_KEY, "In", &[VIRT_VAL])
    }
}

#[derive(Clone, PartialEq)]
struct Pref {
    weight: String,
    reqs: Vec<Req>,
}

#[derive(Clone, PartialEq, Default)]
struct Tol {
    key: Option<String>,
    op: Option<String>,
    value: Option<String>,
    effect: Option<String>,
    secs: Option<String>,
}

impl Tol {
    fn new(key: &str, op: &str, value: Option<&str>, effect: &str) -> Tol {
        Tol {
            key: Some(key.into()),
            op: Some(op.into()),
            value: value.map(str::to_owned),
            effect: Some(effect.into()),
            secs: None,
        }
    }
    fn ecs() -> Tol {
        Tol::new(ECS_TAINT_KEY, "Equal", Some(ECS_TAINT_VAL), "NoSchedule")
    }
    fn virt() -> Tol {
        Tol::new(VIRT_TAINT_KEY, "Equal", Some(VIRT_TAINT_VAL), "NoSchedule")
    }
    fn is_ecs(&self) -> bool {
        self.key.as_deref() == Some(ECS_TAINT_KEY)
    }
    fn is_virt(&self) -> bool {
        self.key.as_deref() == Some(VIRT_TAINT_KEY)
    }
    fn fields(&self) -> Vec<(&'static str, String)> {
        let mut f = Vec::new();
        if let Some(k) = &self.key {
            f.push(("key", k.clone()));
        }
        if let Some(o) = &self.op {
            f.push(("operator", o.clone()));
        }
        if let Some(v) = &self.value {
            f.push(("value", v.clone()));
        }
        if let Some(e) = &self.effect {
            f.push(("effect", e.clone()));
        }
        if let Some(s) = &self.secs {
            f.push(("tolerationSeconds", s.clone()));
        }
        f
    }
}

#[derive(Clone)]
struct Overflow {
    /// `None`: no requiredDuringScheduling.
    required: Option<Vec<Vec<Req>>>,
    preferred: Option<Vec<Pref>>,
    tolerations: Vec<Tol>,
    tolerations_as_mapping: bool,
    /// `tolerations` written twice (the second copy without the virtual toleration).
    duplicate_tolerations_key: bool,
    node_selector: Vec<(String, String)>,
    /// A `# spillway: ignore[...]` before the virtual preferred term.
    ignore_on_virtual_pref: Option<&'static str>,
    /// A `# spillway: ignore[...]` before `tolerations`.
    ignore_on_tolerations: Option<&'static str>,
}

impl Overflow {
    /// The documented block, with harmless variation (order, weights, Exists, extra tolerations).
    fn correct(r: &mut Rng) -> Overflow {
        let mut required = vec![vec![Req::ecs()], vec![Req::virt()]];
        if r.pct(10) {
            required.reverse();
        }
        let (we, wv) = *r.pick(&[(80, 20), (80, 20), (80, 20), (90, 10), (100, 10), (70, 30)]);
        let mut preferred = vec![
            Pref {
                weight: we.to_string(),
                reqs: vec![Req::ecs()],
            },
            Pref {
                weight: wv.to_string(),
                reqs: vec![Req::virt()],
            },
        ];
        if r.pct(10) {
            preferred.reverse();
        }
        let mut ecs_tol = Tol::ecs();
        if r.pct(8) {
            ecs_tol.op = Some("Exists".into());
            ecs_tol.value = None;
        }
        let mut virt_tol = Tol::virt();
        if r.pct(15) {
            virt_tol.op = Some("Exists".into());
            virt_tol.value = None;
        }
        let mut tolerations = if r.pct(75) {
            vec![virt_tol, ecs_tol]
        } else {
            vec![ecs_tol, virt_tol]
        };
        if r.pct(12) {
            for k in [
                "node.kubernetes.io/not-ready",
                "node.kubernetes.io/unreachable",
            ] {
                tolerations.push(Tol {
                    key: Some(k.into()),
                    op: Some("Exists".into()),
                    value: None,
                    effect: Some("NoExecute".into()),
                    secs: Some("300".into()),
                });
            }
        }
        Overflow {
            required: Some(required),
            preferred: Some(preferred),
            tolerations,
            tolerations_as_mapping: false,
            duplicate_tolerations_key: false,
            node_selector: Vec::new(),
            ignore_on_virtual_pref: None,
            ignore_on_tolerations: None,
        }
    }

    fn ecs_term(&mut self) -> Option<&mut Vec<Req>> {
        self.required
            .as_mut()?
            .iter_mut()
            .find(|t| t.iter().any(|q| q.key == ECS_KEY))
    }
    fn virt_term(&mut self) -> Option<&mut Vec<Req>> {
        self.required
            .as_mut()?
            .iter_mut()
            .find(|t| t.iter().any(|q| q.key == VIRT_KEY))
    }
    fn pref(&mut self, key: &str) -> Option<&mut Pref> {
        self.preferred
            .as_mut()?
            .iter_mut()
            .find(|p| p.reqs.iter().any(|q| q.key == key))
    }
    fn tol(&mut self, ecs: bool) -> Option<&mut Tol> {
        self.tolerations
            .iter_mut()
            .find(|t| if ecs { t.is_ecs() } else { t.is_virt() })
    }
}

/// What else about the gateway object is wrong (outside the block).
#[derive(Default, Clone, Copy)]
struct Extras {
    host_network: bool,
    host_port: bool,
    cpu96: bool,
    eci_label: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Flavor {
    IstioGateway,
    Deployment,
    IstioOperator,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Mistake {
    EcsValueTypo,
    EcsKeyTypo,
    EcsRequiredMissing,
    VirtualValueTypo,
    VirtualRequiredMissing,
    WrongOperator,
    AndedTerms,
    ConflictingValues,
    EmptyTerm,
    UnrelatedTerm,
    GtNotInteger,
    WeightsSwapped,
    WeightsEqual,
    WeightOutOfRange,
    WeightString,
    ValuesString,
    EcsPreferredMissing,
    EcsPreferredTypo,
    VirtualPreferredTypo,
    InWithoutValues,
    RequiredMissing,
    EcsTolerationMissing,
    EcsTolerationValueTypo,
    EcsTolerationKeyTypo,
    EcsTolerationEffect,
    EffectTypo,
    VirtualTolerationMissing,
    VirtualTolerationValueTypo,
    VirtualTolerationEmptyKey,
    TolerationBadOperator,
    TolerationExistsWithValue,
    TolerationSecondsNoExecute,
    StrayToleration,
    DuplicateToleration,
    DuplicatePreferred,
    DuplicateKey,
    TolerationsMapping,
    NodeSelectorBlocks,
    HostNetwork,
    Cpu96,
    EciLabel,
    SuppressedWeights,
    StaleIgnore,
}

impl Mistake {
    const ALL: &'static [Mistake] = &[
        Mistake::EcsValueTypo,
        Mistake::EcsKeyTypo,
        Mistake::EcsRequiredMissing,
        Mistake::VirtualValueTypo,
        Mistake::VirtualRequiredMissing,
        Mistake::WrongOperator,
        Mistake::AndedTerms,
        Mistake::ConflictingValues,
        Mistake::EmptyTerm,
        Mistake::UnrelatedTerm,
        Mistake::GtNotInteger,
        Mistake::WeightsSwapped,
        Mistake::WeightsEqual,
        Mistake::WeightOutOfRange,
        Mistake::WeightString,
        Mistake::ValuesString,
        Mistake::EcsPreferredMissing,
        Mistake::EcsPreferredTypo,
        Mistake::VirtualPreferredTypo,
        Mistake::InWithoutValues,
        Mistake::RequiredMissing,
        Mistake::EcsTolerationMissing,
        Mistake::EcsTolerationValueTypo,
        Mistake::EcsTolerationKeyTypo,
        Mistake::EcsTolerationEffect,
        Mistake::EffectTypo,
        Mistake::VirtualTolerationMissing,
        Mistake::VirtualTolerationValueTypo,
        Mistake::VirtualTolerationEmptyKey,
        Mistake::TolerationBadOperator,
        Mistake::TolerationExistsWithValue,
        Mistake::TolerationSecondsNoExecute,
        Mistake::StrayToleration,
        Mistake::DuplicateToleration,
        Mistake::DuplicatePreferred,
        Mistake::DuplicateKey,
        Mistake::TolerationsMapping,
        Mistake::NodeSelectorBlocks,
        Mistake::HostNetwork,
        Mistake::Cpu96,
        Mistake::EciLabel,
        Mistake::SuppressedWeights,
        Mistake::StaleIgnore,
    ];

    /// The rule(s) `spillway audit` reports for this mistake with the README's pool flags
    /// (checked on generated corpora; `--annotate` writes it next to each gateway).
    fn expect(self) -> &'static str {
        use Mistake::*;
        match self {
            EcsValueTypo | EcsKeyTypo | EcsRequiredMissing => "ecs-not-selected",
            VirtualValueTypo | VirtualRequiredMissing => "virtual-not-selected",
            WrongOperator | WeightOutOfRange | InWithoutValues => "invalid-node-affinity",
            AndedTerms | ConflictingValues | EmptyTerm | GtNotInteger => "term-selects-nothing",
            UnrelatedTerm => "unrelated-required-term",
            WeightsSwapped | WeightsEqual => "weights-inverted",
            WeightString | ValuesString | TolerationsMapping => "wrong-type",
            EcsPreferredMissing | EcsPreferredTypo => "ecs-not-preferred",
            VirtualPreferredTypo => "virtual-not-preferred",
            RequiredMissing => "required-affinity-missing",
            EcsTolerationMissing
            | EcsTolerationValueTypo
            | EcsTolerationKeyTypo
            | EcsTolerationEffect => "ecs-taint-not-tolerated",
            EffectTypo => "invalid-toleration + ecs- or virtual-taint-not-tolerated",
            VirtualTolerationMissing | VirtualTolerationValueTypo => "virtual-taint-not-tolerated",
            VirtualTolerationEmptyKey
            | TolerationBadOperator
            | TolerationExistsWithValue
            | TolerationSecondsNoExecute => "invalid-toleration",
            StrayToleration => "stray-toleration",
            DuplicateToleration | DuplicatePreferred => "duplicate-entry",
            DuplicateKey => "duplicate-key",
            NodeSelectorBlocks => "node-selector-blocks-overflow",
            HostNetwork | Cpu96 => "eci-incompatible",
            EciLabel => "eci-label-forces-eci",
            SuppressedWeights => "nothing: weights-inverted is suppressed",
            StaleIgnore => "unused-ignore",
        }
    }

    /// Applies the mistake to a correct block.
    fn apply(self, r: &mut Rng, ov: &mut Overflow, ex: &mut Extras, flavor: Flavor) {
        use Mistake::*;
        let set_vals = |q: &mut Req, v: &str| q.vals = Vals::List(vec![v.to_owned()]);
        match self {
            EcsValueTypo => {
                let v = *r.pick(&["asmgatway", "asmgateways", "asm-gateway", "asmgatewy"]);
                let t = ov.ecs_term().unwrap();
                set_vals(&mut t[0], v);
            }
            EcsKeyTypo => {
                let k = *r.pick(&["mykey4pods", "mykey4p0d", "mykeypod", "my-key4pod"]);
                ov.ecs_term().unwrap()[0].key = k.into();
            }
            EcsRequiredMissing => {
                ov.required
                    .as_mut()
                    .unwrap()
                    .retain(|t| t[0].key != ECS_KEY);
            }
            VirtualValueTypo => {
                let v = *r.pick(&["virtual-kublet", "virtual_kubelet", "virtual-kubelets"]);
                let t = ov.virt_term().unwrap();
                set_vals(&mut t[0], v);
            }
            VirtualRequiredMissing => {
                ov.required
                    .as_mut()
                    .unwrap()
                    .retain(|t| t[0].key != VIRT_KEY);
            }
            WrongOperator => {
                let op = *r.pick(&["Equal", "in", "Exists", "Equals"]);
                ov.ecs_term().unwrap()[0].op = op.into();
            }
            AndedTerms => {
                let req = ov.required.as_mut().unwrap();
                let mut all: Vec<Req> = Vec::new();
                for t in req.drain(..) {
                    all.extend(t);
                }
                req.push(all);
            }
            ConflictingValues => {
                ov.ecs_term()
                    .unwrap()
                    .push(Req::new(ECS_KEY, "In", &["other"]));
            }
            EmptyTerm => ov.required.as_mut().unwrap().push(Vec::new()),
            UnrelatedTerm => {
                let zone = format!("{}-{}", r.pick(REGIONS), r.pick(&["g", "h", "i", "j", "k"]));
                ov.required.as_mut().unwrap().push(vec![Req::new(
                    "topology.kubernetes.io/zone",
                    "In",
                    &[&zone],
                )]);
            }
            GtNotInteger => {
                ov.required.as_mut().unwrap().push(vec![Req::new(
                    "node.example.com/cores",
                    "Gt",
                    &["eight"],
                )]);
            }
            WeightsSwapped | SuppressedWeights => {
                let we = ov.pref(ECS_KEY).unwrap().weight.clone();
                let wv = ov.pref(VIRT_KEY).unwrap().weight.clone();
                ov.pref(ECS_KEY).unwrap().weight = wv;
                ov.pref(VIRT_KEY).unwrap().weight = we;
                if self == SuppressedWeights {
                    ov.ignore_on_virtual_pref = Some("weights-inverted");
                }
            }
            WeightsEqual => {
                ov.pref(ECS_KEY).unwrap().weight = "50".into();
                ov.pref(VIRT_KEY).unwrap().weight = "50".into();
            }
            WeightOutOfRange => {
                if r.pct(50) {
                    ov.pref(ECS_KEY).unwrap().weight = "180".into();
                } else {
                    ov.pref(VIRT_KEY).unwrap().weight = "0".into();
                }
            }
            WeightString => {
                ov.pref(ECS_KEY).unwrap().weight =
                    (*r.pick(&["\"eighty\"", "'80%'", "high"])).into();
            }
            ValuesString => {
                ov.ecs_term().unwrap()[0].vals = Vals::Scalar(ECS_VAL.into());
            }
            EcsPreferredMissing => {
                ov.preferred
                    .as_mut()
                    .unwrap()
                    .retain(|p| p.reqs[0].key != ECS_KEY);
            }
            EcsPreferredTypo => {
                let p = ov.pref(ECS_KEY).unwrap();
                set_vals(&mut p.reqs[0], "asmgatway");
            }
            VirtualPreferredTypo => {
                let p = ov.pref(VIRT_KEY).unwrap();
                set_vals(&mut p.reqs[0], "virtual-kublet");
            }
            InWithoutValues => {
                ov.preferred.as_mut().unwrap().push(Pref {
                    weight: "10".into(),
                    reqs: vec![Req {
                        key: "topology.kubernetes.io/zone".into(),
                        op: "In".into(),
                        vals: Vals::Absent,
                    }],
                });
            }
            RequiredMissing => ov.required = None,
            EcsTolerationMissing => ov.tolerations.retain(|t| !t.is_ecs()),
            EcsTolerationValueTypo => {
                let t = ov.tol(true).unwrap();
                t.op = Some("Equal".into());
                t.value = Some((*r.pick(&["myvalu", "myvalues", "my-value"])).into());
            }
            EcsTolerationKeyTypo => {
                ov.tol(true).unwrap().key =
                    Some((*r.pick(&["mykye", "my-key", "mykey4pod"])).into());
            }
            EcsTolerationEffect => {
                ov.tol(true).unwrap().effect =
                    Some((*r.pick(&["NoExecute", "PreferNoSchedule"])).into());
            }
            EffectTypo => {
                let ecs = r.pct(50);
                ov.tol(ecs).unwrap().effect =
                    Some((*r.pick(&["NoSchedul", "Noschedule", "NoScheduling"])).into());
            }
            VirtualTolerationMissing => ov.tolerations.retain(|t| !t.is_virt()),
            VirtualTolerationValueTypo => {
                let t = ov.tol(false).unwrap();
                t.op = Some("Equal".into());
                t.value = Some((*r.pick(&["alibaba", "aliyun", "alibabacloud.com"])).into());
            }
            VirtualTolerationEmptyKey => {
                let t = ov.tol(false).unwrap();
                t.key = None;
                t.op = Some("Equal".into());
                t.value = Some(VIRT_TAINT_VAL.into());
            }
            TolerationBadOperator => ov.tolerations.push(Tol::new(
                "node.kubernetes.io/network-unavailable",
                "Equals",
                Some("\"true\""),
                "NoSchedule",
            )),
            TolerationExistsWithValue => ov.tolerations.push(Tol::new(
                "node.kubernetes.io/disk-pressure",
                "Exists",
                Some("\"true\""),
                "NoSchedule",
            )),
            TolerationSecondsNoExecute => ov.tolerations.push(Tol {
                secs: Some("300".into()),
                ..Tol::new(
                    "node.kubernetes.io/unreachable",
                    "Exists",
                    None,
                    "NoSchedule",
                )
            }),
            StrayToleration => {
                let mut t = Tol::ecs();
                t.value = Some("myvalu".into());
                ov.tolerations.push(t);
            }
            DuplicateToleration => {
                let t = ov.tolerations[0].clone();
                ov.tolerations.push(t);
            }
            DuplicatePreferred => {
                let p = ov.pref(ECS_KEY).unwrap().clone();
                ov.preferred.as_mut().unwrap().push(p);
            }
            DuplicateKey => ov.duplicate_tolerations_key = true,
            TolerationsMapping => {
                ov.tolerations.retain(|t| t.is_ecs());
                ov.tolerations_as_mapping = true;
            }
            NodeSelectorBlocks => ov.node_selector.push((ECS_KEY.into(), ECS_VAL.into())),
            HostNetwork => match flavor {
                Flavor::Deployment if r.pct(50) => ex.host_port = true,
                Flavor::IstioOperator => ex.cpu96 = true,
                _ => ex.host_network = true,
            },
            Cpu96 => ex.cpu96 = true,
            EciLabel => ex.eci_label = true,
            StaleIgnore => ov.ignore_on_tolerations = Some("ecs-taint-not-tolerated"),
        }
    }
}

/// How a block is written.
#[derive(Clone, Copy)]
struct BlockStyle {
    /// 0: block requirements, 1: `- {key: ..}` items, 2: `matchExpressions: [{..}]`.
    req: u8,
    pref_flow: bool,
    /// 0: block tolerations, 1: `- {key: ..}` items, 2: one flow list.
    tol: u8,
    anchors: bool,
    merge_tolerations: bool,
    values_flow: bool,
    comments: bool,
    zh: bool,
}

impl BlockStyle {
    fn pick(r: &mut Rng) -> BlockStyle {
        let req = r.weighted(&[55, 25, 20]) as u8;
        let tol = r.weighted(&[60, 28, 12]) as u8;
        BlockStyle {
            req,
            pref_flow: r.pct(if req == 0 { 10 } else { 50 }),
            tol,
            anchors: r.pct(12),
            merge_tolerations: tol == 0 && r.pct(15),
            values_flow: r.pct(30),
            comments: r.pct(60),
            zh: r.pct(8),
        }
    }
    /// The layout of the fixtures.
    fn plain() -> BlockStyle {
        BlockStyle {
            req: 0,
            pref_flow: false,
            tol: 0,
            anchors: false,
            merge_tolerations: false,
            values_flow: false,
            comments: true,
            zh: false,
        }
    }
}

fn req_flow(q: &Req) -> String {
    let mut s = format!("{{key: {}, operator: {}", q.key, q.op);
    match &q.vals {
        Vals::List(v) => {
            s.push_str(", values: ");
            s.push_str(&flist(v));
        }
        Vals::Scalar(v) => {
            s.push_str(", values: ");
            s.push_str(v);
        }
        Vals::Absent => {}
    }
    s.push('}');
    s
}

fn req_block(q: &Req, st: &BlockStyle) -> V {
    let mut m = M::new();
    m.s("key", q.key.clone()).s("operator", q.op.clone());
    match &q.vals {
        Vals::List(v) if st.values_flow => {
            m.v("values", V::Flow(flist(v)));
        }
        Vals::List(v) => {
            let mut l = L::new();
            for x in v {
                l.s(x.clone());
            }
            m.v("values", l.done());
        }
        Vals::Scalar(v) => {
            m.s("values", v.clone());
        }
        Vals::Absent => {}
    }
    m.done()
}

struct BlockWriter<'a> {
    st: BlockStyle,
    anch: &'a mut Anchors,
    /// Required requirements written with an anchor, for aliases in preferred terms.
    defs: Vec<(Req, String)>,
}

impl BlockWriter<'_> {
    fn required_req(&mut self, q: &Req) -> (V, String) {
        let flow = req_flow(q);
        if self.st.anchors && q.key != "topology.kubernetes.io/zone" {
            let base = if q.key == VIRT_KEY {
                "virtual-req"
            } else {
                "ecs-req"
            };
            let a = self.anch.fresh(base);
            self.defs.push((q.clone(), a.clone()));
            let inner = if self.st.req == 0 {
                req_block(q, &self.st)
            } else {
                V::Flow(flow.clone())
            };
            let text = format!("&{a} {flow}");
            (V::Anchor(a, Box::new(inner)), text)
        } else if self.st.req == 0 {
            (req_block(q, &self.st), flow)
        } else {
            (V::Flow(flow.clone()), flow)
        }
    }

    fn preferred_req(&mut self, q: &Req) -> (V, String) {
        if let Some((_, a)) = self.defs.iter().find(|(d, _)| d == q) {
            return (V::Alias(a.clone()), format!("*{a}"));
        }
        let flow = req_flow(q);
        if self.st.req == 0 {
            (req_block(q, &self.st), flow)
        } else {
            (V::Flow(flow.clone()), flow)
        }
    }

    fn term(&mut self, reqs: &[Req], preferred: bool) -> V {
        if reqs.is_empty() {
            return V::Flow("{}".into());
        }
        let rendered: Vec<(V, String)> = reqs
            .iter()
            .map(|q| {
                if preferred {
                    self.preferred_req(q)
                } else {
                    self.required_req(q)
                }
            })
            .collect();
        if self.st.req == 2 {
            let texts: Vec<&String> = rendered.iter().map(|(_, t)| t).collect();
            return M::new()
                .v("matchExpressions", V::Flow(flist(&texts)))
                .done();
        }
        let mut l = L::new();
        for (v, _) in rendered {
            l.v(v);
        }
        M::new().v("matchExpressions", l.done()).done()
    }

    fn affinity(&mut self, ov: &Overflow) -> V {
        let mut na = M::new();
        if let Some(terms) = &ov.required {
            if self.st.comments {
                na.c(if self.st.zh {
                    "硬性约束：只调度到 ECS 网关节点或虚拟节点"
                } else {
                    "hard: only the ECS node(s) or virtual nodes (terms are ORed)"
                });
            }
            let mut l = L::new();
            for t in terms {
                let v = self.term(t, false);
                l.v(v);
            }
            na.v(
                "requiredDuringSchedulingIgnoredDuringExecution",
                M::new().v("nodeSelectorTerms", l.done()).done(),
            );
        }
        if let Some(prefs) = &ov.preferred {
            if self.st.comments && self.st.req == 0 {
                na.c("soft: ECS strongly preferred");
            }
            let mut l = L::new();
            for p in prefs {
                if let Some(rule) = ov.ignore_on_virtual_pref {
                    if p.reqs.first().is_some_and(|q| q.key == VIRT_KEY) {
                        l.c(format!("spillway: ignore[{rule}]"));
                    }
                }
                if self.st.pref_flow {
                    let texts: Vec<String> =
                        p.reqs.iter().map(|q| self.preferred_req(q).1).collect();
                    let pref = if texts.is_empty() {
                        "{}".to_owned()
                    } else {
                        format!("{{matchExpressions: {}}}", flist(&texts))
                    };
                    l.v(V::Flow(format!(
                        "{{weight: {}, preference: {pref}}}",
                        p.weight
                    )));
                } else {
                    let term = self.term(&p.reqs, true);
                    l.v(M::new()
                        .s("weight", p.weight.clone())
                        .v("preference", term)
                        .done());
                }
                if self.st.comments
                    && p.reqs.first().is_some_and(|q| q.key == ECS_KEY)
                    && p.weight == "80"
                {
                    l.t("ECS first");
                }
            }
            na.v("preferredDuringSchedulingIgnoredDuringExecution", l.done());
        }
        M::new().v("nodeAffinity", na.done()).done()
    }

    fn toleration(&mut self, t: &Tol, flow: bool) -> V {
        let f = t.fields();
        if flow {
            V::Flow(fmap(&f))
        } else {
            let mut m = M::new();
            for (k, v) in f {
                m.s(k, v);
            }
            m.done()
        }
    }

    fn tolerations(&mut self, tols: &[Tol]) -> V {
        if self.st.tol == 2 {
            let items: Vec<String> = tols.iter().map(|t| fmap(&t.fields())).collect();
            return V::Flow(flist(&items));
        }
        let mut l = L::new();
        let mut base: Option<(String, Option<String>, Option<String>)> = None;
        for (i, t) in tols.iter().enumerate() {
            if self.st.comments && t.key.is_none() {
                l.c("copied from the ASM console");
            }
            if self.st.merge_tolerations
                && self.st.tol == 0
                && t.key.is_some()
                && t.op.is_some()
                && t.effect.is_some()
            {
                if i == 0 {
                    // The first toleration carries operator and effect for the others.
                    let a = self.anch.fresh("no-schedule-equal");
                    let mut m = M::new();
                    m.s("operator", t.op.clone().unwrap())
                        .s("effect", t.effect.clone().unwrap());
                    for (k, v) in t.fields() {
                        if k != "operator" && k != "effect" {
                            m.s(k, v);
                        }
                    }
                    base = Some((a.clone(), t.op.clone(), t.effect.clone()));
                    l.v(V::Anchor(a, Box::new(m.done())));
                    continue;
                }
                if let Some((a, op, eff)) = &base {
                    if *op == t.op && *eff == t.effect {
                        let mut m = M::new();
                        m.s("<<", format!("*{a}"));
                        for (k, v) in t.fields() {
                            if k != "operator" && k != "effect" {
                                m.s(k, v);
                            }
                        }
                        l.v(m.done());
                        continue;
                    }
                }
            }
            let v = self.toleration(t, self.st.tol == 1);
            l.v(v);
            if self.st.comments && t.is_ecs() && self.st.tol == 0 {
                l.t("ECS node taint");
            }
        }
        l.done()
    }

    /// Adds the block's entries (affinity, tolerations, nodeSelector) to a pod spec.
    fn write(&mut self, ov: &Overflow, pod: &mut M) {
        if !ov.node_selector.is_empty() {
            let ns: Vec<(String, String)> = ov.node_selector.clone();
            let mut m = M::new();
            for (k, v) in ns {
                m.s(&k, v);
            }
            pod.v("nodeSelector", m.done());
        }
        if ov.required.is_some() || ov.preferred.is_some() {
            if self.st.comments {
                pod.c(if self.st.zh {
                    ZH_COMMENTS[0]
                } else {
                    "ECS-to-ECI overflow: run on the labelled ECS node, overflow to ACK virtual nodes."
                });
            }
            let a = self.affinity(ov);
            pod.v("affinity", a);
        }
        if let Some(rule) = ov.ignore_on_tolerations {
            pod.c(format!("spillway: ignore[{rule}]"));
        }
        if ov.tolerations_as_mapping {
            let v = self.toleration(&ov.tolerations[0], false);
            pod.v("tolerations", v);
        } else if !ov.tolerations.is_empty() {
            let v = self.tolerations(&ov.tolerations);
            pod.v("tolerations", v);
            if self.st.comments && self.st.tol == 2 {
                pod.t("both pools' taints");
            }
        }
        if ov.duplicate_tolerations_key {
            let ecs_only: Vec<Tol> = ov
                .tolerations
                .iter()
                .filter(|t| t.is_ecs())
                .cloned()
                .collect();
            let v = self.tolerations(&ecs_only);
            pod.v("tolerations", v);
        }
    }
}

/// The state of one generated gateway.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum GwState {
    Clean,
    NoBlock,
    Broken(Mistake),
}

/// A gateway's block (None: no block) and extras.
fn plan_gateway(r: &mut Rng, flavor: Flavor, stats: &mut Stats) -> (Option<Overflow>, Extras) {
    let mut ex = Extras::default();
    let state = match r.weighted(&[30, 8, 62]) {
        0 => GwState::Clean,
        1 => GwState::NoBlock,
        _ => GwState::Broken(*r.pick(Mistake::ALL)),
    };
    stats.count(state);
    match state {
        GwState::Clean => (Some(Overflow::correct(r)), ex),
        GwState::NoBlock => (None, ex),
        GwState::Broken(m) => {
            let mut ov = Overflow::correct(r);
            m.apply(r, &mut ov, &mut ex, flavor);
            (Some(ov), ex)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Gateway documents.

fn cluster_id(r: &mut Rng) -> String {
    format!("c{}", r.hex(32))
}

fn istio_gateway(
    r: &mut Rng,
    c: &Ctx,
    anch: &mut Anchors,
    ov: Option<&Overflow>,
    ex: Extras,
    st: BlockStyle,
) -> V {
    let mut root = M::new();
    root.s("apiVersion", "istio.alibabacloud.com/v1beta1")
        .s("kind", "IstioGateway");
    let mut md = M::new();
    md.s("name", c.app.clone()).s("namespace", c.ns.clone());
    if r.pct(30) {
        md.v(
            "labels",
            labels_v(
                r,
                &[
                    ("team".into(), c.team.clone()),
                    ("env".into(), c.env.into()),
                ],
                50,
            ),
        );
    }
    root.v("metadata", md.done());
    let mut spec = M::new();
    let mut ids = L::new();
    for _ in 0..r.range(1, 2) {
        ids.s(cluster_id(r));
    }
    spec.v("clusterIds", ids.done());
    spec.v(
        "cpu",
        M::new()
            .s(
                "targetAverageUtilization",
                r.pick(&["60", "70", "80"]).to_string(),
            )
            .done(),
    );
    let mut env = M::new();
    env.s("ISTIO_META_HTTP10", qs(r, "1"));
    if r.pct(40) {
        env.s("ISTIO_META_ROUTER_MODE", "sni-dnat");
    }
    if c.rich == 2 {
        env.s("ISTIO_META_IDLE_TIMEOUT", "1h")
            .t("long-lived websocket clients");
        env.s("TZ", "Asia/Shanghai");
    }
    spec.v("env", env.done());
    spec.s("gatewayType", if r.pct(85) { "ingress" } else { "egress" });
    spec.s(
        "hostNetwork",
        if ex.host_network { "true" } else { "false" },
    );
    let min = r.range(1, 3);
    spec.s("maxReplicas", (min + r.range(2, 8)).to_string())
        .s("minReplicas", min.to_string());
    let mut ports = L::new();
    let mut plist = vec![
        ("status-port", "15020", "15020"),
        ("http2", "80", "80"),
        ("https", "443", "443"),
    ];
    if r.pct(30) {
        plist.push(("tcp-mysql", "3306", "3306"));
    }
    if c.rich > 0 && r.pct(50) {
        plist.push(("grpc", "9090", "9090"));
        plist.push(("tls", "15443", "15443"));
    }
    let flow_ports = r.pct(20);
    for (n, p, t) in plist {
        if flow_ports {
            ports.v(V::Flow(format!(
                "{{name: {n}, port: {p}, targetPort: {t}}}"
            )));
        } else {
            ports.v(M::new().s("name", n).s("port", p).s("targetPort", t).done());
        }
    }
    spec.v("ports", ports.done());
    spec.s("replicaCount", r.range(1, 4).to_string());
    if ex.cpu96 {
        spec.v(
            "resources",
            M::new()
                .v(
                    "limits",
                    M::new().s("cpu", qs(r, "96")).s("memory", "64G").done(),
                )
                .v(
                    "requests",
                    M::new().s("cpu", qs(r, "96")).s("memory", "32G").done(),
                )
                .done(),
        );
    } else {
        spec.v(
            "resources",
            M::new()
                .v(
                    "limits",
                    M::new().s("cpu", qs(r, "2")).s("memory", "2G").done(),
                )
                .v(
                    "requests",
                    M::new()
                        .s("cpu", *r.pick(&["200m", "500m", "1"]))
                        .s("memory", *r.pick(&["256Mi", "512Mi"]))
                        .done(),
                )
                .done(),
        );
    }
    spec.s(
        "serviceType",
        *r.pick(&["LoadBalancer", "LoadBalancer", "ClusterIP"]),
    );
    if c.rich == 2 || r.pct(40) {
        let mut a = M::new();
        a.s(
            "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-spec",
            *r.pick(&["slb.s1.small", "slb.s2.small"]),
        );
        if c.rich == 2 {
            a.s(
                "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type",
                *r.pick(&["internet", "intranet"]),
            );
            a.c("关闭 SLB 删除保护前请先确认流量已切走");
            let on = qs(r, "on");
            a.s(
                "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-delete-protection",
                on.clone(),
            );
            a.s(
                "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-health-check-flag",
                on,
            );
        }
        spec.v("serviceAnnotations", a.done());
    }
    if c.rich == 2 || r.pct(30) {
        spec.v(
            "podAnnotations",
            M::new()
                .s("prometheus.io/scrape", qs(r, "true"))
                .s("prometheus.io/port", qs(r, "15020"))
                .done(),
        );
    }
    if ex.eci_label || r.pct(20) {
        let mut pl = M::new();
        if r.pct(50) {
            pl.s("team", c.team.clone());
        }
        if ex.eci_label {
            pl.s("alibabacloud.com/eci", qs(r, "true"));
        } else {
            pl.s("sidecar.istio.io/inject", qs(r, "false"));
        }
        spec.v("podLabels", pl.done());
    }
    if c.rich == 2 || r.pct(25) {
        spec.s("rollingMaxSurge", "100%")
            .s("rollingMaxUnavailable", "25%");
    }
    if c.rich == 2 {
        spec.s("autoscaleEnabled", "true");
    }
    if let Some(ov) = ov {
        BlockWriter {
            st,
            anch,
            defs: Vec::new(),
        }
        .write(ov, &mut spec);
    }
    if r.pct(10) {
        let id = cluster_id(r);
        let mut o = M::new();
        o.s("replicaCount", r.range(2, 6).to_string());
        if ov.is_some() && r.pct(40) {
            o.c("this cluster's virtual nodes are self-managed: tolerate any value");
            o.v(
                "tolerations",
                L::new()
                    .v(V::Flow(format!(
                        "{{key: {VIRT_TAINT_KEY}, operator: Exists, effect: NoSchedule}}"
                    )))
                    .v(V::Flow(format!(
                        "{{key: {ECS_TAINT_KEY}, operator: Exists}}"
                    )))
                    .done(),
            );
        }
        spec.v("overrides", M::new().v(&id, o.done()).done());
    }
    root.v("spec", spec.done());
    root.done()
}

fn gateway_deployment(
    r: &mut Rng,
    c: &Ctx,
    anch: &mut Anchors,
    ov: Option<&Overflow>,
    ex: Extras,
    st: BlockStyle,
) -> V {
    let mut root = M::new();
    root.s("apiVersion", "apps/v1").s("kind", "Deployment");
    let ls = vec![
        ("app".to_owned(), "istio-ingressgateway".to_owned()),
        ("istio".to_owned(), "ingressgateway".to_owned()),
    ];
    let anchored = r.pct(25);
    let la = anch.fresh("gateway-labels");
    let ml = if anchored {
        V::Anchor(la.clone(), Box::new(labels_v(r, &ls, 30)))
    } else {
        labels_v(r, &ls, 30)
    };
    let mut md = M::new();
    md.s("name", c.app.clone())
        .s("namespace", c.ns.clone())
        .v("labels", ml);
    root.v("metadata", md.done());
    let mut spec = M::new();
    spec.s("replicas", r.range(1, 4).to_string());
    spec.v(
        "selector",
        M::new()
            .v(
                "matchLabels",
                if anchored {
                    V::Alias(la.clone())
                } else {
                    labels_v(r, &ls, 60)
                },
            )
            .done(),
    );
    spec.v(
        "strategy",
        M::new()
            .v(
                "rollingUpdate",
                M::new()
                    .s("maxSurge", "100%")
                    .s("maxUnavailable", "25%")
                    .done(),
            )
            .done(),
    );
    let mut tl = M::new();
    if anchored {
        tl.s("<<", format!("*{la}"));
    } else {
        for (k, v) in &ls {
            tl.s(k, v.clone());
        }
    }
    tl.s("sidecar.istio.io/inject", qs(r, "false"));
    if ex.eci_label {
        if r.pct(50) {
            tl.s("alibabacloud.com/eci", qs(r, "true"));
        } else {
            tl.s("eci", qs(r, "true")).t("legacy label");
        }
    }
    let tmeta = M::new()
        .v("labels", tl.done())
        .v(
            "annotations",
            M::new()
                .s("prometheus.io/port", qs(r, "15020"))
                .s("prometheus.io/scrape", qs(r, "true"))
                .done(),
        )
        .done();
    let mut pod = M::new();
    pod.s("serviceAccountName", "istio-ingressgateway-service-account");
    if ex.host_network {
        pod.s("hostNetwork", "true")
            .s("dnsPolicy", "ClusterFirstWithHostNet");
    }
    pod.v(
        "securityContext",
        M::new()
            .s("runAsUser", "1337")
            .s("runAsGroup", "1337")
            .s("runAsNonRoot", "true")
            .done(),
    );
    let mut ports = L::new();
    for (p, n) in [
        ("15021", "status-port"),
        ("8080", "http2"),
        ("8443", "https"),
        ("15090", "http-envoy-prom"),
    ] {
        ports.v(M::new()
            .s("containerPort", p)
            .s("name", n)
            .s("protocol", "TCP")
            .done());
    }
    if ex.host_port {
        ports.v(M::new()
            .s("containerPort", "80")
            .s("hostPort", "80")
            .s("name", "http-host")
            .done());
    }
    let mut args = L::new();
    for a in [
        "proxy",
        "router",
        "--domain",
        "$(POD_NAMESPACE).svc.cluster.local",
        "--proxyLogLevel=warning",
        "--log_output_level=default:info",
    ] {
        args.s(a);
    }
    let res = if ex.cpu96 {
        V::Flow(format!(
            "{{requests: {{cpu: {c}, memory: 8Gi}}, limits: {{cpu: {c}, memory: 16Gi}}}}",
            c = qs(r, "96")
        ))
    } else {
        let flow = r.pct(40);
        resources(r, flow)
    };
    let mut env = L::new();
    env.v(M::new()
        .s("name", "POD_NAMESPACE")
        .v(
            "valueFrom",
            M::new()
                .v(
                    "fieldRef",
                    M::new().s("fieldPath", "metadata.namespace").done(),
                )
                .done(),
        )
        .done());
    env.v(V::Flow(
        "{name: ISTIO_META_ROUTER_MODE, value: standard}".into(),
    ));
    let container = M::new()
        .s("name", "istio-proxy")
        .s(
            "image",
            format!(
                "registry-cn-hangzhou-vpc.ack.aliyuncs.com/acs/proxyv2:1.{}.{}",
                r.range(18, 24),
                r.range(0, 9)
            ),
        )
        .v("args", args.done())
        .v("ports", ports.done())
        .v("env", env.done())
        .v(
            "readinessProbe",
            M::new()
                .v(
                    "httpGet",
                    V::Flow("{path: /healthz/ready, port: 15021}".into()),
                )
                .s("periodSeconds", "2")
                .done(),
        )
        .v("resources", res)
        .v(
            "volumeMounts",
            L::new()
                .v(V::Flow(
                    "{name: istio-envoy, mountPath: /etc/istio/proxy}".into(),
                ))
                .v(V::Flow(
                    "{name: istio-data, mountPath: /var/lib/istio/data}".into(),
                ))
                .done(),
        )
        .done();
    pod.v("containers", L::new().v(container).done());
    if let Some(ov) = ov {
        BlockWriter {
            st,
            anch,
            defs: Vec::new(),
        }
        .write(ov, &mut pod);
    }
    pod.v(
        "volumes",
        L::new()
            .v(M::new()
                .s("name", "istio-envoy")
                .v("emptyDir", M::new().done())
                .done())
            .v(M::new()
                .s("name", "istio-data")
                .v("emptyDir", M::new().done())
                .done())
            .done(),
    );
    spec.v(
        "template",
        M::new().v("metadata", tmeta).v("spec", pod.done()).done(),
    );
    root.v("spec", spec.done());
    root.done()
}

fn istio_operator(
    r: &mut Rng,
    c: &Ctx,
    anch: &mut Anchors,
    stats: &mut Stats,
    st: BlockStyle,
) -> V {
    let mut root = M::new();
    root.s("apiVersion", "install.istio.io/v1alpha1")
        .s("kind", "IstioOperator");
    root.v(
        "metadata",
        M::new()
            .s("name", c.app.clone())
            .s("namespace", "istio-system")
            .done(),
    );
    let mut spec = M::new();
    spec.s("profile", *r.pick(&["empty", "default", "minimal"]));
    if r.pct(40) {
        spec.s("hub", "registry-cn-hangzhou-vpc.ack.aliyuncs.com/acs")
            .s("tag", format!("1.{}.{}", r.range(18, 24), r.range(0, 9)));
    }
    if r.pct(40) {
        spec.v(
            "meshConfig",
            M::new()
                .s("accessLogFile", "/dev/stdout")
                .v(
                    "defaultConfig",
                    M::new().s("holdApplicationUntilProxyStarts", "true").done(),
                )
                .done(),
        );
    }
    let mut gws = L::new();
    let n = if r.pct(25) { 2 } else { 1 };
    for i in 0..n {
        let name = if i == 0 {
            "istio-ingressgateway".to_owned()
        } else {
            format!(
                "istio-ingressgateway-{}",
                r.pick(&["internal", "public", "canary"])
            )
        };
        let disabled = i == 1 && r.pct(30);
        let (ov, ex) = if disabled {
            // Disabled gateways are not checked; their block is whatever was left there.
            let mut ov = Overflow::correct(r);
            let mut ex = Extras::default();
            Mistake::EcsTolerationValueTypo.apply(r, &mut ov, &mut ex, Flavor::IstioOperator);
            (Some(ov), ex)
        } else {
            plan_gateway(r, Flavor::IstioOperator, stats)
        };
        let mut g = M::new();
        g.s("name", name.clone()).s("namespace", "istio-system");
        g.s("enabled", if disabled { "false" } else { "true" });
        let mut label = M::new();
        label.s(
            "istio",
            if i == 0 {
                "ingressgateway".to_owned()
            } else {
                name.clone()
            },
        );
        if ex.eci_label {
            label.s("alibabacloud.com/eci", qs(r, "true"));
        }
        g.v("label", label.done());
        let mut k8s = M::new();
        let res = if ex.cpu96 {
            M::new()
                .v(
                    "requests",
                    M::new().s("cpu", qs(r, "96")).s("memory", "8Gi").done(),
                )
                .v(
                    "limits",
                    M::new().s("cpu", qs(r, "96")).s("memory", "16Gi").done(),
                )
                .done()
        } else {
            M::new()
                .v(
                    "requests",
                    M::new().s("cpu", "100m").s("memory", "128Mi").done(),
                )
                .v(
                    "limits",
                    M::new().s("cpu", qs(r, "2")).s("memory", "1024Mi").done(),
                )
                .done()
        };
        k8s.v("resources", res);
        k8s.v(
            "hpaSpec",
            M::new()
                .s("minReplicas", r.range(1, 3).to_string())
                .s("maxReplicas", r.range(4, 10).to_string())
                .done(),
        );
        let mut ports = L::new();
        for (pn, p, t) in [
            ("status-port", "15021", "15021"),
            ("http2", "80", "8080"),
            ("https", "443", "8443"),
        ] {
            ports.v(M::new()
                .s("name", pn)
                .s("port", p)
                .s("targetPort", t)
                .done());
        }
        k8s.v(
            "service",
            M::new()
                .s("type", "LoadBalancer")
                .v("ports", ports.done())
                .done(),
        );
        if let Some(ov) = &ov {
            BlockWriter {
                st,
                anch,
                defs: Vec::new(),
            }
            .write(ov, &mut k8s);
        }
        g.v("k8s", k8s.done());
        gws.v(g.done());
    }
    let mut comps = M::new();
    if r.pct(40) {
        comps.v("pilot", M::new().s("enabled", "false").done());
    }
    comps.v("ingressGateways", gws.done());
    if r.pct(20) {
        comps.v(
            "egressGateways",
            L::new()
                .v(M::new()
                    .s("name", "istio-egressgateway")
                    .s("enabled", "false")
                    .done())
                .done(),
        );
    }
    spec.v("components", comps.done());
    if r.pct(30) {
        spec.v(
            "values",
            M::new()
                .v(
                    "gateways",
                    M::new()
                        .v(
                            "istio-ingressgateway",
                            M::new().s("autoscaleEnabled", "true").done(),
                        )
                        .done(),
                )
                .done(),
        );
    }
    root.v("spec", spec.done());
    root.done()
}

// ---------------------------------------------------------------------------------------------
// Statistics and files.

#[derive(Default)]
struct Stats {
    files: usize,
    docs: usize,
    bytes: u64,
    max_doc: usize,
    crlf_files: usize,
    gateways: BTreeMap<GwState, usize>,
    /// `--annotate`: the states of the gateways of the document being generated.
    annotate: bool,
    pending: Vec<String>,
}

impl Stats {
    fn new(annotate: bool) -> Stats {
        Stats {
            annotate,
            ..Stats::default()
        }
    }

    fn count(&mut self, state: GwState) {
        *self.gateways.entry(state).or_insert(0) += 1;
        if self.annotate {
            self.pending.push(match state {
                GwState::Clean => "clean".to_owned(),
                GwState::NoBlock => "no-block".to_owned(),
                GwState::Broken(m) => format!("{m:?} (expect {})", m.expect()),
            });
        }
    }

    /// The `--annotate` comment for the document just generated.
    /// Returns the bytes it adds (the comment line), which the stream's size budget skips.
    fn take_annotation(&mut self, pre: &mut Vec<String>) -> usize {
        if self.pending.is_empty() {
            return 0;
        }
        let line = format!("gen-corpus: {}", self.pending.join(", "));
        self.pending.clear();
        let added = line.len() + 3;
        pre.push(line);
        added
    }

    fn report(&self, name: &str, secs: f64) {
        let clean = self.gateways.get(&GwState::Clean).copied().unwrap_or(0);
        let none = self.gateways.get(&GwState::NoBlock).copied().unwrap_or(0);
        let total: usize = self.gateways.values().sum();
        eprintln!(
            "gen-corpus: {name}: {} files, {} documents, {} bytes ({:.1} MiB), largest document {} bytes, {} CRLF files; {} gateways ({} clean, {} without a block, {} with a mistake); {:.2} s",
            self.files,
            self.docs,
            self.bytes,
            self.bytes as f64 / 1048576.0,
            self.max_doc,
            self.crlf_files,
            total,
            clean,
            none,
            total - clean - none,
            secs
        );
        let mistakes: Vec<String> = self
            .gateways
            .iter()
            .filter_map(|(s, n)| match s {
                GwState::Broken(m) => Some(format!("{m:?}={n}")),
                _ => None,
            })
            .collect();
        if !mistakes.is_empty() {
            eprintln!("gen-corpus: {name}: mistakes: {}", mistakes.join(" "));
        }
    }
}

/// A document generator: builds one document (its anchors, its gateways counted in the stats).
type Gen<'a> = Box<dyn FnMut(&mut Rng, &mut Anchors, &mut Stats) -> V + 'a>;

fn layout(r: &mut Rng) -> Layout {
    Layout {
        step: if r.pct(8) { 4 } else { 2 },
        seq_indent: r.pct(50),
    }
}

/// Writes one file of documents; returns its bytes.
fn file_text(r: &mut Rng, gens: Vec<Gen>, stats: &mut Stats, header: Option<String>) -> Vec<u8> {
    let lay = layout(r);
    let mut out = String::with_capacity(4096);
    if let Some(h) = header {
        out.push_str("# ");
        out.push_str(&h);
        out.push('\n');
    }
    let leading = r.pct(20);
    let n = gens.len();
    for (i, mut g) in gens.into_iter().enumerate() {
        let mut anch = Anchors::default();
        let root = g(r, &mut anch, stats);
        if i > 0 || leading {
            out.push_str("---\n");
        }
        let start = out.len();
        let pre = if i > 0 && r.pct(15) {
            vec![format!(
                "{}",
                r.pick(&[
                    "---- next object ----",
                    "generated by kustomize build",
                    "keep in sync with the Helm chart",
                    "TODO: move to base"
                ])
            )]
        } else {
            Vec::new()
        };
        let mut pre = pre;
        let _ = stats.take_annotation(&mut pre);
        let doc = Doc {
            pre,
            root,
            end_marker: r.permille(30) || (i + 1 == n && r.permille(10)),
        };
        emit_doc(&mut out, &doc, lay);
        assert!(
            out.len() - start < 64 * 1024,
            "a document of {} bytes",
            out.len() - start
        );
        stats.max_doc = stats.max_doc.max(out.len() - start);
        stats.docs += 1;
    }
    let crlf = r.pct(5);
    let bom = !crlf && r.permille(5);
    let mut bytes = Vec::with_capacity(out.len() + out.len() / 16 + 3);
    if bom {
        bytes.extend_from_slice("\u{feff}".as_bytes());
    }
    if crlf {
        stats.crlf_files += 1;
        for b in out.bytes() {
            if b == b'\n' {
                bytes.push(b'\r');
            }
            bytes.push(b);
        }
    } else {
        bytes.extend_from_slice(out.as_bytes());
    }
    stats.files += 1;
    stats.bytes += bytes.len() as u64;
    bytes
}

/// The generator of a gateway document of the given flavor.
fn gateway_gen<'a>(c: &'a Ctx, flavor: Flavor) -> Gen<'a> {
    Box::new(move |r, anch, stats| {
        let st = BlockStyle::pick(r);
        match flavor {
            Flavor::IstioGateway => {
                let (ov, ex) = plan_gateway(r, flavor, stats);
                istio_gateway(r, c, anch, ov.as_ref(), ex, st)
            }
            Flavor::Deployment => {
                let (ov, ex) = plan_gateway(r, flavor, stats);
                gateway_deployment(r, c, anch, ov.as_ref(), ex, st)
            }
            Flavor::IstioOperator => istio_operator(r, c, anch, stats, st),
        }
    })
}

#[derive(Clone, Copy)]
enum Part {
    Deployment,
    Service,
    ConfigMap,
    /// A second ConfigMap (`<app>-env`).
    EnvConfigMap,
    Hpa,
    ServiceAccount,
    Pdb,
    CronJob,
}

fn part_gen(c: &Ctx, p: Part) -> Gen<'_> {
    Box::new(move |r, anch, _| match p {
        Part::Deployment => app_deployment(r, c, anch),
        Part::Service => service(r, c, false),
        Part::ConfigMap => {
            let big = r.pct(3);
            configmap(r, c, big, "config")
        }
        Part::EnvConfigMap => configmap(r, c, false, "env"),
        Part::Hpa => hpa(r, c, &c.app),
        Part::ServiceAccount => service_account(r, c, &c.app),
        Part::Pdb => pdb(r, c, &format!("{}-pdb", c.app), &c.app),
        Part::CronJob => cronjob(r, c),
    })
}

// ---------------------------------------------------------------------------------------------
// The tree.

/// One planned file of the tree.
struct Planned {
    path: String,
    what: What,
    ctx: Ctx,
}

enum What {
    Parts(Vec<Part>),
    Gateway(Flavor),
    /// A gateway Deployment with its ServiceAccount, Service, HPA and PDB.
    GatewayBundle,
    Namespaces(Vec<String>),
    Kustomization(Vec<String>),
}

fn plan_tree(seed: u64, n_files: usize) -> Vec<Planned> {
    let mut r = Rng::derive(seed, 2, u64::MAX);
    let mut out: Vec<Planned> = Vec::with_capacity(n_files);
    let platform = (n_files / 25).max(1).min(n_files);
    let teams = n_files.div_ceil(60).max(1);
    let width = teams.to_string().len().max(2);
    let ctx = |r: &mut Rng, team: &str, ns: String, app: String| Ctx {
        team: team.to_owned(),
        ns,
        app,
        env: r.pick::<&str>(ENVS),
        rich: 0,
    };
    // platform/ and clusters/: gateways of the mesh, the operator, shared namespaces.
    let mut i = 0;
    while out.len() < platform {
        let region = *r.pick(REGIONS);
        let env = ENVS[i % ENVS.len()];
        let cluster = format!("{region}-{env}-{}", r.alnum(4));
        let k = out.len();
        let p = match i % 5 {
            0 | 1 => Planned {
                path: format!(
                    "platform/asm/{cluster}/istiogateway-{}.yaml",
                    r.pick(&["ingress", "internal", "public", "api"])
                ),
                what: What::Gateway(Flavor::IstioGateway),
                ctx: {
                    let name = format!("ingressgateway-{}", r.alnum(4));
                    ctx(&mut r, "platform", "istio-system".into(), name)
                },
            },
            2 => Planned {
                path: format!("platform/istio-operator/{env}/{region}/istio-operator-{k}.yaml"),
                what: What::Gateway(Flavor::IstioOperator),
                ctx: ctx(
                    &mut r,
                    "platform",
                    "istio-system".into(),
                    format!("istio-gateways-{env}"),
                ),
            },
            3 => Planned {
                path: format!(
                    "platform/istio-system/gateway-deployments/{cluster}/istio-ingressgateway.yaml"
                ),
                what: What::GatewayBundle,
                ctx: ctx(
                    &mut r,
                    "platform",
                    "istio-system".into(),
                    "istio-ingressgateway".into(),
                ),
            },
            _ => Planned {
                path: format!("clusters/{region}/{env}/namespaces-{k}.yaml"),
                what: What::Namespaces(
                    (0..r.range(1, 5))
                        .map(|_| format!("{}-{}", r.pick(DOMAINS), r.pick(ENVS)))
                        .collect(),
                ),
                ctx: ctx(&mut r, "platform", "default".into(), "namespaces".into()),
            },
        };
        out.push(p);
        i += 1;
    }
    let rest = n_files - out.len();
    for t in 0..teams {
        let budget = rest / teams + usize::from(t < rest % teams);
        let team = format!("team-{t:0width$}");
        let domain = *r.pick(DOMAINS);
        let start = out.len();
        let want = start + budget;
        if budget == 0 {
            continue;
        }
        out.push(Planned {
            path: format!("{team}/namespace.yaml"),
            what: What::Namespaces(vec![
                format!("{domain}-{}", r.pick(ENVS)),
                format!("{domain}-prod"),
            ]),
            ctx: ctx(&mut r, &team, "default".into(), team.clone()),
        });
        let n_gw = ((budget as f64) * 0.08).round() as usize;
        for g in 0..n_gw.min(want - out.len()) {
            let flavor = if r.pct(60) {
                Flavor::IstioGateway
            } else {
                Flavor::Deployment
            };
            let ns = if r.pct(60) {
                "istio-system".to_owned()
            } else {
                format!("{domain}-gateway")
            };
            let name = match flavor {
                Flavor::Deployment => format!("istio-ingressgateway-{domain}-{g}"),
                _ => format!("ingressgateway-{domain}-{g}"),
            };
            let what = if flavor == Flavor::Deployment && r.pct(50) {
                What::GatewayBundle
            } else {
                What::Gateway(flavor)
            };
            out.push(Planned {
                path: format!("{team}/gateways/{name}.yaml"),
                what,
                ctx: ctx(&mut r, &team, ns, name),
            });
        }
        let mut apps = BTreeSet::new();
        while out.len() < want {
            let mut app = app_name(&mut r);
            while !apps.insert(app.clone()) {
                app = format!("{}-{}", app_name(&mut r), r.range(2, 99));
            }
            let env = *r.pick(ENVS);
            let ns = format!("{domain}-{env}");
            let base = format!("{team}/apps/{app}");
            let mk = |r: &mut Rng| Ctx {
                team: team.clone(),
                ns: ns.clone(),
                app: app.clone(),
                env,
                rich: r.weighted(&[20, 45, 35]),
            };
            let mut files: Vec<(String, What)> = Vec::new();
            match r.weighted(&[35, 45, 12, 8]) {
                0 => {
                    // Flat: one file per kind; the Deployment often with its ServiceAccount
                    // and Service.
                    let sa_with = r.pct(35);
                    let svc_with = r.pct(55);
                    let mut dep = Vec::new();
                    if sa_with {
                        dep.push(Part::ServiceAccount);
                    }
                    dep.push(Part::Deployment);
                    if svc_with {
                        dep.push(Part::Service);
                    }
                    files.push((format!("{base}/deployment.yaml"), What::Parts(dep)));
                    if !svc_with {
                        files.push((
                            format!("{base}/service.yaml"),
                            What::Parts(vec![Part::Service]),
                        ));
                    }
                    if r.pct(65) {
                        let cms = if r.pct(40) {
                            vec![Part::ConfigMap, Part::EnvConfigMap]
                        } else {
                            vec![Part::ConfigMap]
                        };
                        files.push((format!("{base}/configmap.yaml"), What::Parts(cms)));
                    }
                    if r.pct(45) {
                        files.push((
                            format!("{base}/hpa.yaml"),
                            What::Parts(vec![Part::Hpa, Part::Pdb][..r.range(1, 2)].to_vec()),
                        ));
                    }
                    if !sa_with && r.pct(25) {
                        files.push((
                            format!("{base}/serviceaccount.yaml"),
                            What::Parts(vec![Part::ServiceAccount]),
                        ));
                    }
                }
                1 => {
                    // Bundled: everything in one file.
                    let mut parts = vec![
                        Part::ServiceAccount,
                        Part::ConfigMap,
                        Part::Deployment,
                        Part::Service,
                        Part::Hpa,
                    ];
                    let keep = r.range(3, 5);
                    parts.drain(..5 - keep);
                    files.push((format!("{base}/{app}.yaml"), What::Parts(parts)));
                }
                2 => {
                    // kustomize: base + overlays.
                    let mut res = vec!["deployment.yaml".to_owned(), "service.yaml".to_owned()];
                    files.push((
                        format!("{base}/base/deployment.yaml"),
                        What::Parts(vec![Part::Deployment]),
                    ));
                    files.push((
                        format!("{base}/base/service.yaml"),
                        What::Parts(vec![Part::Service]),
                    ));
                    if r.pct(50) {
                        res.push("configmap.yaml".into());
                        files.push((
                            format!("{base}/base/configmap.yaml"),
                            What::Parts(vec![Part::ConfigMap]),
                        ));
                    }
                    files.push((
                        format!("{base}/base/kustomization.yaml"),
                        What::Kustomization(res),
                    ));
                    for e in ["staging", "prod"] {
                        if r.pct(60) {
                            files.push((
                                format!("{base}/overlays/{e}/hpa.yaml"),
                                What::Parts(vec![Part::Hpa]),
                            ));
                        }
                        if r.pct(40) {
                            files.push((
                                format!("{base}/overlays/{e}/configmap.yaml"),
                                What::Parts(vec![Part::ConfigMap]),
                            ));
                        }
                    }
                }
                _ => {
                    files.push((
                        format!("{team}/jobs/{app}.yaml"),
                        What::Parts(
                            vec![Part::ServiceAccount, Part::CronJob][r.range(0, 1)..].to_vec(),
                        ),
                    ));
                }
            }
            for (path, what) in files {
                if out.len() >= want {
                    break;
                }
                let c = mk(&mut r);
                out.push(Planned { path, what, ctx: c });
            }
        }
    }
    out.truncate(n_files);
    out
}

fn write_tree(dir: &Path, seed: u64, n_files: usize, annotate: bool) -> std::io::Result<Stats> {
    if dir.exists() {
        fs::remove_dir_all(dir)?;
    }
    let plan = plan_tree(seed, n_files);
    let mut stats = Stats::new(annotate);
    let mut made: BTreeSet<PathBuf> = BTreeSet::new();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for (idx, p) in plan.iter().enumerate() {
        assert!(seen.insert(&p.path), "duplicate path {}", p.path);
        let mut r = Rng::derive(seed, 3, idx as u64);
        let c = &p.ctx;
        let gens: Vec<Gen> = match &p.what {
            What::Parts(parts) => parts.iter().map(|x| part_gen(c, *x)).collect(),
            What::Gateway(f) => {
                let mut g = vec![gateway_gen(c, *f)];
                if *f == Flavor::IstioGateway && r.pct(15) {
                    g.insert(
                        0,
                        Box::new(move |r: &mut Rng, _: &mut Anchors, _: &mut Stats| {
                            namespace(r, &c.ns, &c.team)
                        }),
                    );
                }
                g
            }
            What::GatewayBundle => {
                let mut g: Vec<Gen> = Vec::new();
                if r.pct(60) {
                    g.push(Box::new(
                        move |r: &mut Rng, _: &mut Anchors, _: &mut Stats| {
                            service_account(r, c, "istio-ingressgateway-service-account")
                        },
                    ));
                }
                g.push(gateway_gen(c, Flavor::Deployment));
                g.push(Box::new(
                    move |r: &mut Rng, _: &mut Anchors, _: &mut Stats| service(r, c, true),
                ));
                if r.pct(50) {
                    g.push(Box::new(
                        move |r: &mut Rng, _: &mut Anchors, _: &mut Stats| hpa(r, c, &c.app),
                    ));
                }
                if r.pct(30) {
                    g.push(Box::new(
                        move |r: &mut Rng, _: &mut Anchors, _: &mut Stats| {
                            pdb(r, c, &c.app, "istio-ingressgateway")
                        },
                    ));
                }
                g
            }
            What::Namespaces(names) => names
                .iter()
                .map(|n| -> Gen {
                    Box::new(move |r: &mut Rng, _: &mut Anchors, _: &mut Stats| {
                        namespace(r, n, &c.team)
                    })
                })
                .collect(),
            What::Kustomization(res) => vec![Box::new(
                move |r: &mut Rng, _: &mut Anchors, _: &mut Stats| kustomization(r, c, res),
            )],
        };
        let header = if r.pct(30) {
            Some(match r.below(4) {
                0 => format!("{} / {}", c.team, c.app),
                1 => "Managed by Argo CD. Changes are synced automatically.".to_owned(),
                2 => (*r.pick(ZH_COMMENTS)).to_owned(),
                _ => format!("owner: {}@example.com", c.team),
            })
        } else {
            None
        };
        let bytes = file_text(&mut r, gens, &mut stats, header);
        let path = dir.join(&p.path);
        let parent = path.parent().expect("a file in a folder").to_path_buf();
        if !made.contains(&parent) {
            fs::create_dir_all(&parent)?;
            made.insert(parent);
        }
        fs::write(&path, bytes)?;
    }
    Ok(stats)
}

// ---------------------------------------------------------------------------------------------
// The stream.

fn write_stream(path: &Path, seed: u64, mib: u64, annotate: bool) -> std::io::Result<Stats> {
    let target = mib * 1024 * 1024;
    let mut w = BufWriter::with_capacity(1 << 20, fs::File::create(path)?);
    let mut r = Rng::derive(seed, 4, 0);
    let mut stats = Stats::new(annotate);
    let header = format!(
        "# spillway benchmark stream (gen-corpus, seed {seed}): {mib} MiB of Kubernetes objects\n# audit with --ecs-label mykey4pod=asmgateway --ecs-taint mykey=myvalue:NoSchedule\n"
    );
    w.write_all(header.as_bytes())?;
    stats.bytes += header.len() as u64;
    let mut buf = String::with_capacity(1 << 16);
    let mut first = true;
    let mut n: u64 = 0;
    // The size budget: what was written, less the `--annotate` comments.
    let mut budget: u64 = stats.bytes;
    while budget < target {
        buf.clear();
        let team = format!("team-{:02}", r.below(40));
        let domain = *r.pick(DOMAINS);
        let env = *r.pick(ENVS);
        let kind = r.weighted(&[34, 10, 18, 6, 4, 3, 5, 7, 6, 3, 1]);
        let gateway_kind = matches!(kind, 7..=9);
        let c = Ctx {
            team,
            ns: if gateway_kind && r.pct(70) {
                "istio-system".into()
            } else {
                format!("{domain}-{env}")
            },
            app: match kind {
                7 => format!("ingressgateway-{domain}-{}", r.alnum(4)),
                8 => format!("istio-ingressgateway-{}", r.alnum(4)),
                9 => format!("istio-gateways-{env}"),
                _ => app_name(&mut r),
            },
            env,
            rich: if r.pct(80) { 2 } else { 1 },
        };
        let mut anch = Anchors::default();
        let root = match kind {
            0 => app_deployment(&mut r, &c, &mut anch),
            1 => service(&mut r, &c, false),
            2 => {
                let big = r.pct(4);
                configmap(&mut r, &c, big, "config")
            }
            3 => hpa(&mut r, &c, &c.app),
            4 => service_account(&mut r, &c, &c.app),
            5 => pdb(&mut r, &c, &format!("{}-pdb", c.app), &c.app),
            6 => cronjob(&mut r, &c),
            7 | 8 => {
                let flavor = if kind == 7 {
                    Flavor::IstioGateway
                } else {
                    Flavor::Deployment
                };
                let st = BlockStyle::pick(&mut r);
                let (ov, ex) = plan_gateway(&mut r, flavor, &mut stats);
                if kind == 7 {
                    istio_gateway(&mut r, &c, &mut anch, ov.as_ref(), ex, st)
                } else {
                    gateway_deployment(&mut r, &c, &mut anch, ov.as_ref(), ex, st)
                }
            }
            9 => {
                let st = BlockStyle::pick(&mut r);
                istio_operator(&mut r, &c, &mut anch, &mut stats, st)
            }
            _ => namespace(&mut r, &c.ns, &c.team),
        };
        if !first {
            buf.push_str("---\n");
        }
        first = false;
        let mut pre = if r.pct(10) {
            vec![format!("source: {}/{}/{}.yaml", c.team, c.app, c.env)]
        } else {
            Vec::new()
        };
        let annotation = stats.take_annotation(&mut pre);
        let doc = Doc {
            pre,
            root,
            end_marker: r.permille(10),
        };
        emit_doc(&mut buf, &doc, layout(&mut r));
        assert!(buf.len() < 64 * 1024, "document {n} is {} bytes", buf.len());
        stats.max_doc = stats.max_doc.max(buf.len());
        stats.docs += 1;
        stats.bytes += buf.len() as u64;
        budget += (buf.len() - annotation) as u64;
        w.write_all(buf.as_bytes())?;
        n += 1;
    }
    w.flush()?;
    stats.files = 1;
    Ok(stats)
}

// ---------------------------------------------------------------------------------------------
// The small file.

fn write_small(path: &Path, seed: u64, annotate: bool) -> std::io::Result<Stats> {
    let mut r = Rng::derive(seed, 1, 0);
    let mut stats = Stats::new(annotate);
    const ONE: &[Mistake] = &[
        Mistake::EcsValueTypo,
        Mistake::EcsTolerationValueTypo,
        Mistake::WeightsSwapped,
        Mistake::VirtualTolerationEmptyKey,
        Mistake::AndedTerms,
        Mistake::EcsTolerationEffect,
        Mistake::VirtualTolerationMissing,
        Mistake::WeightString,
    ];
    let m = *r.pick(ONE);
    let mut ov = Overflow::correct(&mut r);
    let mut ex = Extras::default();
    m.apply(&mut r, &mut ov, &mut ex, Flavor::IstioGateway);
    stats.count(GwState::Broken(m));
    let c = Ctx {
        team: "platform".into(),
        ns: "istio-system".into(),
        app: "ingressgateway".into(),
        env: "prod",
        rich: 2,
    };
    let mut anch = Anchors::default();
    let root = istio_gateway(&mut r, &c, &mut anch, Some(&ov), ex, BlockStyle::plain());
    let mut pre: Vec<String> = vec![
        "ASM ingress gateway of the production mesh: runs on the labelled ECS node(s)".into(),
        "(mykey4pod=asmgateway, tainted mykey=myvalue:NoSchedule) and overflows to ECI".into(),
        "through ACK virtual nodes when they are full.".into(),
        String::new(),
        "kubectl apply -f gateway.yaml   # with the kubeconfig of the ASM instance".into(),
    ];
    let _ = stats.take_annotation(&mut pre);
    let doc = Doc {
        pre,
        root,
        end_marker: false,
    };
    let mut out = String::new();
    emit_doc(
        &mut out,
        &doc,
        Layout {
            step: 2,
            seq_indent: true,
        },
    );
    fs::write(path, &out)?;
    stats.files = 1;
    stats.docs = 1;
    stats.bytes = out.len() as u64;
    stats.max_doc = out.len();
    Ok(stats)
}

// ---------------------------------------------------------------------------------------------
// Command line.

const USAGE: &str =
    "usage: gen-corpus [--seed N] [--scale K] [--only small,tree,stream] [--stream-mb N] OUT";

fn main() -> ExitCode {
    let mut seed: u64 = 1;
    let mut scale: usize = 1;
    let mut stream_mb: u64 = 50;
    let mut only: BTreeSet<String> = ["small", "tree", "stream"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let mut out: Option<PathBuf> = None;
    let mut annotate = false;
    let mut args = std::env::args().skip(1);
    let fail = |m: String| {
        eprintln!("gen-corpus: {m}\n{USAGE}");
        ExitCode::from(2)
    };
    while let Some(a) = args.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (a.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}\n\nWrites OUT/small/gateway.yaml, OUT/tree/ (2,000 files x scale) and OUT/stream.yaml.\nSame options, same bytes.");
                return ExitCode::SUCCESS;
            }
            "--annotate" => annotate = true,
            "--seed" | "--scale" | "--stream-mb" => {
                let v = match value(&flag) {
                    Ok(v) => v,
                    Err(m) => return fail(m),
                };
                let Ok(n) = v.parse::<u64>() else {
                    return fail(format!("{flag}: `{v}` is not a non-negative integer"));
                };
                match flag.as_str() {
                    "--seed" => seed = n,
                    "--scale" if n >= 1 => scale = n as usize,
                    "--stream-mb" if n >= 1 => stream_mb = n,
                    _ => return fail(format!("{flag} must be at least 1")),
                }
            }
            "--only" => {
                let v = match value("--only") {
                    Ok(v) => v,
                    Err(m) => return fail(m),
                };
                only.clear();
                for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    if !matches!(part, "small" | "tree" | "stream") {
                        return fail(format!(
                            "--only: unknown corpus `{part}` (small, tree, stream)"
                        ));
                    }
                    only.insert(part.to_owned());
                }
                if only.is_empty() {
                    return fail("--only: no corpus named".into());
                }
            }
            s if s.starts_with('-') && s.len() > 1 => return fail(format!("unknown option `{s}`")),
            _ => {
                if out.is_some() {
                    return fail("one output folder only".into());
                }
                out = Some(PathBuf::from(a));
            }
        }
    }
    let Some(out) = out else {
        return fail("the output folder is missing".into());
    };
    let run = || -> std::io::Result<()> {
        fs::create_dir_all(&out)?;
        if only.contains("small") {
            let t = Instant::now();
            fs::create_dir_all(out.join("small"))?;
            let s = write_small(&out.join("small/gateway.yaml"), seed, annotate)?;
            s.report("small", t.elapsed().as_secs_f64());
        }
        if only.contains("tree") {
            let t = Instant::now();
            let s = write_tree(&out.join("tree"), seed, 2000 * scale, annotate)?;
            s.report("tree", t.elapsed().as_secs_f64());
        }
        if only.contains("stream") {
            let t = Instant::now();
            let s = write_stream(&out.join("stream.yaml"), seed, stream_mb, annotate)?;
            s.report("stream", t.elapsed().as_secs_f64());
        }
        Ok(())
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen-corpus: {}: {e}", out.display());
            ExitCode::FAILURE
        }
    }
}
