//! `spillway simulate` (where each replica of a gateway would land, and why) and `spillway status`
//! (where the gateway's pods did land, from `kubectl get pods -A -o yaml`). Both read the node
//! inventory's capacity (`status.allocatable`) here, and schedule with the pure engine of
//! [`crate::k8s::scheduler`], which `audit`'s `no-node-fits` rule uses too.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use clap::{Args, ValueEnum};
use serde_json::{json, Map, Value};

use crate::check::{facts, view};
use crate::cli::{InputArgs, PoolArgs};
use crate::k8s::scheduler::{
    self, format_cpu, format_memory, NodeState, Outcome, Placement, Pod, PodRequests,
};
use crate::locate::{self, Flavor, ObjectRef, Target};
use crate::pools::Inventory;
use crate::read::lines::LineIndex;
use crate::read::walk::Input;
use crate::read::yaml::{Document, Stream};
use crate::read::{self, Source};
use crate::schedinput::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SimFormat {
    Human,
    Json,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub pools: PoolArgs,
    /// Pods already running: what `kubectl get pods -A -o yaml` (or -o json) prints; their requests count against their nodes
    #[arg(long, value_name = "FILE")]
    pub pods: Option<String>,
    /// How many replicas to place [default: the manifest's replica count, else 1]
    #[arg(long, value_name = "N")]
    pub replicas: Option<usize>,
    /// Output format
    #[arg(long, value_enum, default_value_t = SimFormat::Human)]
    pub format: SimFormat,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub pools: PoolArgs,
    /// What `kubectl get pods -A -o yaml` (or -o json) prints
    #[arg(long, value_name = "FILE")]
    pub pods: String,
    /// Output format
    #[arg(long, value_enum, default_value_t = SimFormat::Human)]
    pub format: SimFormat,
}

const TIE_NOTE: &str = "ties on the total score go to the node whose name sorts first (the real scheduler picks one at random)";

/// One gateway of the inputs, with what the engine needs.
struct Gateway {
    file: String,
    document: usize,
    object: ObjectRef,
    pod: Pod,
    pools: Vec<PoolKind>,
    replicas: (usize, String),
    /// Pod labels that identify its pods (status), and the namespace.
    selector: BTreeMap<String, String>,
    deployment: String,
}

fn gateway_selector(doc: &Document, t: &Target) -> (BTreeMap<String, String>, String) {
    let mut labels = BTreeMap::new();
    if let Some(l) = t.pod_labels.and_then(|l| doc.entries(l)) {
        for (k, v) in l {
            if let (Some(k), Some(v)) = (doc.scalar(k), doc.scalar(v)) {
                labels.insert(k.to_owned(), v.to_owned());
            }
        }
    }
    let name = &t.object.name;
    let deployment = match t.flavor {
        Flavor::IstioGateway => {
            // ASM names the gateway's Deployment istio-NAME and labels its pods istio=NAME.
            labels.insert("istio".into(), name.clone());
            format!("istio-{name}")
        }
        Flavor::IstioOperator => {
            if labels.is_empty() {
                labels.insert("istio".into(), "ingressgateway".into());
            }
            t.object.component.clone().unwrap_or_else(|| name.clone())
        }
        Flavor::Values => {
            if labels.is_empty() {
                labels.insert("istio".into(), "ingressgateway".into());
            }
            name.clone()
        }
        Flavor::PodSpec => name.clone(),
    };
    (labels, deployment)
}

/// Reads every input and collects its gateways; read errors are returned as messages.
fn gateways(
    input: &InputArgs,
    pools: &PoolArgs,
    nodes: &[NodeState],
) -> Result<(Vec<Gateway>, Vec<String>), String> {
    let (mut setups, found) = crate::setup::begin(input, pools)?;
    let jobs = super::audit::assign(found, &mut setups);
    let mut errors: Vec<String> = jobs
        .errors
        .iter()
        .map(|e| format!("{}: {}", e.name, e.message))
        .collect();
    errors.extend(
        jobs.config_errors
            .iter()
            .map(|e| format!("{}: {}", e.name, e.message)),
    );
    let mut out = Vec::new();
    for (input, setup) in &jobs.jobs {
        // An unreadable input is reported (exit 2) and the others are still simulated.
        let src: Source = match match input {
            Input::Stdin => read::read_stdin(),
            Input::File(p) => read::read_file(p),
        } {
            Ok(s) => s,
            Err(e) => {
                errors.push(format!("{}: {}", e.name, e.message));
                continue;
            }
        };
        let mut stream = Stream::new(&src.text, setup.limits);
        while let Some(doc) = stream.next_document() {
            let doc = match doc {
                Ok(d) => d,
                Err(e) => {
                    let (l, c) = LineIndex::new(&src.text).line_col(e.offset);
                    errors.push(format!("{}:{l}:{c}: {}", src.name, e.message));
                    break;
                }
            };
            let located = match locate::locate(&doc, &setup.locate) {
                Ok(l) => l,
                Err(m) => {
                    errors.push(format!("{}: {m}", src.name));
                    break;
                }
            };
            for t in &located.targets {
                let v = view::read(&doc, t);
                let f = facts::compute(&v, &setup.pools, setup.inventory.as_ref());
                let (selector, deployment) = gateway_selector(&doc, t);
                out.push(Gateway {
                    file: src.name.clone(),
                    document: doc.index,
                    object: t.object.clone(),
                    pod: engine_pod(&doc, t, &v),
                    pools: pools_of(nodes, &f),
                    replicas: replicas_of(&doc, t),
                    selector,
                    deployment,
                });
            }
        }
    }
    Ok((out, errors))
}

/// 2 when an input failed, else 1 when a replica or pod is Pending, else 0.
fn exit_code(errors: &[String], any_pending: bool) -> i32 {
    if !errors.is_empty() {
        super::EXIT_ERROR
    } else if any_pending {
        super::EXIT_FINDINGS
    } else {
        super::EXIT_OK
    }
}

fn object_str(o: &ObjectRef) -> String {
    o.to_string()
}

fn object_json(o: &ObjectRef) -> Value {
    let mut m = json!({"kind": o.kind, "name": o.name, "namespace": o.namespace});
    if let Some(c) = &o.component {
        m["component"] = json!(c);
    }
    m
}

fn requests_str(r: &PodRequests) -> String {
    let a = r.actual;
    format!(
        "cpu {}, memory {}",
        format_cpu(a.cpu_millis),
        format_memory(a.memory)
    )
}

fn inventory_and_states(
    input: &InputArgs,
    pools: &PoolArgs,
) -> Result<(Inventory, Vec<NodeState>), String> {
    let Some(path) = &pools.nodes else {
        return Err("--nodes FILE is required (what `kubectl get nodes -o yaml` prints)".into());
    };
    let limits = input.limits();
    let src = if path == "-" {
        read::read_stdin()
    } else {
        read::read_file(Path::new(path))
    };
    let inv = src
        .and_then(|s| Inventory::parse(s, limits))
        .map_err(|e| crate::setup::flag_input_error("--nodes", path, &e))?;
    let states = node_states(&inv);
    Ok((inv, states))
}

// ---------------------------------------------------------------------------------------------
// simulate

/// `spillway simulate`.
pub fn run(args: &SimulateArgs) -> i32 {
    match simulate(args) {
        Ok(code) => code,
        Err(m) => {
            eprintln!("spillway: {m}");
            super::EXIT_ERROR
        }
    }
}

fn simulate(args: &SimulateArgs) -> Result<i32, String> {
    if args.pods.as_deref() == Some("-") && args.pools.nodes.as_deref() == Some("-") {
        return Err("--nodes - and --pods - both want standard input".into());
    }
    let (_inv, mut base) = inventory_and_states(&args.input, &args.pools)?;
    let limits = args.input.limits();
    if let Some(p) = &args.pods {
        add_running(&mut base, &read_pods(p, limits)?);
    }
    let (gws, errors) = gateways(&args.input, &args.pools, &base)?;
    let mut results = Vec::new();
    for g in &gws {
        let (n, from) = match args.replicas {
            Some(n) => (n, "--replicas".to_string()),
            None => g.replicas.clone(),
        };
        let mut nodes = base.clone();
        let placed = scheduler::place(&g.pod, &mut nodes, n);
        results.push((g, n, from, placed));
    }
    let any_pending = results
        .iter()
        .any(|(_, _, _, p)| p.iter().any(|r| r.node.is_none()));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let text = match args.format {
        SimFormat::Json => {
            let gws: Vec<Value> = results
                .iter()
                .map(|(g, n, from, placed)| simulate_json(g, &base, *n, from, placed))
                .collect();
            let mut s = serde_json::to_string_pretty(&json!({
                "gateways": gws,
                "tie_break": TIE_NOTE,
            }))
            .unwrap_or_default();
            s.push('\n');
            s
        }
        SimFormat::Human => {
            let mut s = String::new();
            for (g, n, from, placed) in &results {
                s.push_str(&simulate_human(g, &base, *n, from, placed));
            }
            if !results.is_empty() {
                s.push_str(&format!("note: {TIE_NOTE}\n"));
            }
            s
        }
    };
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    for e in &errors {
        eprintln!("spillway: {e}");
    }
    if results.is_empty() && errors.is_empty() {
        eprintln!("spillway: no gateway found in the inputs");
    }
    Ok(exit_code(&errors, any_pending))
}

fn scores_json(s: &scheduler::Scores) -> Value {
    json!({
        "node_affinity": s.node_affinity,
        "taint_toleration": s.taint_toleration,
        "fit": s.fit,
        "balanced": s.balanced,
        "total": s.total,
    })
}

fn simulate_json(
    g: &Gateway,
    nodes: &[NodeState],
    n: usize,
    from: &str,
    placed: &[Placement],
) -> Value {
    let replicas: Vec<Value> = placed
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut scores = Map::new();
            let mut rejected = Map::new();
            for (k, o) in p.outcomes.iter().enumerate() {
                let name = nodes[k].node.name.clone();
                match o {
                    Outcome::Scored(s) => {
                        scores.insert(name, scores_json(s));
                    }
                    Outcome::Rejected(r) => {
                        rejected.insert(name, json!(r.to_string()));
                    }
                }
            }
            json!({
                "replica": i + 1,
                "node": p.node.map(|k| nodes[k].node.name.clone()),
                "pool": p.node.map(|k| g.pools[k].json()),
                "scores": scores,
                "rejected": rejected,
            })
        })
        .collect();
    let a = g.pod.requests.actual;
    json!({
        "file": g.file,
        "document": g.document,
        "object": object_json(&g.object),
        "replica_count": n,
        "replica_count_from": from,
        "requests": {"cpu_millis": a.cpu_millis, "memory_bytes": a.memory},
        "replicas": replicas,
    })
}

fn simulate_human(
    g: &Gateway,
    nodes: &[NodeState],
    n: usize,
    from: &str,
    placed: &[Placement],
) -> String {
    let mut s = format!(
        "{}: {} (document {}): {n} replica{} ({from}), each requesting {}\n",
        g.file,
        object_str(&g.object),
        g.document + 1,
        if n == 1 { "" } else { "s" },
        requests_str(&g.pod.requests),
    );
    let width = nodes
        .iter()
        .map(|n| n.node.name.len())
        .max()
        .unwrap_or(4)
        .max("(Pending)".len());
    s.push_str(&format!("  {:<8} {:<width$}  pool\n", "replica", "node"));
    for (i, p) in placed.iter().enumerate() {
        let (node, pool) = match p.node {
            Some(k) => (nodes[k].node.name.as_str(), g.pools[k].human()),
            None => ("(Pending)", "-"),
        };
        s.push_str(&format!("  {:<8} {node:<width$}  {pool}\n", i + 1));
    }
    let mut overflow_done = false;
    for (i, p) in placed.iter().enumerate() {
        let r = i + 1;
        match p.node {
            Some(k) => {
                let total = match &p.outcomes[k] {
                    Outcome::Scored(sc) => sc.total,
                    Outcome::Rejected(_) => 0,
                };
                s.push_str(&format!(
                    "  replica {r} -> {} ({}, score {total}); not chosen:\n",
                    nodes[k].node.name,
                    g.pools[k].human()
                ));
                for (j, o) in p.outcomes.iter().enumerate() {
                    if j == k {
                        continue;
                    }
                    let why = match o {
                        Outcome::Rejected(reason) => reason.to_string(),
                        Outcome::Scored(sc) if sc.total == total => {
                            format!("feasible, same score {total} (tie broken by node name)")
                        }
                        Outcome::Scored(sc) => format!("feasible, lower score {}", sc.total),
                    };
                    s.push_str(&format!("    {}: {why}\n", nodes[j].node.name));
                }
                if g.pools[k] == PoolKind::Virtual && !overflow_done {
                    overflow_done = true;
                    s.push_str(&overflow_note(g, nodes, r, p));
                }
            }
            None => {
                s.push_str(&format!(
                    "  replica {r} -> Pending: no node passes the filters:\n"
                ));
                for (j, o) in p.outcomes.iter().enumerate() {
                    if let Outcome::Rejected(reason) = o {
                        s.push_str(&format!(
                            "    {} ({}): {reason}\n",
                            nodes[j].node.name,
                            g.pools[j].human()
                        ));
                    }
                }
            }
        }
    }
    let pending = placed.iter().filter(|p| p.node.is_none()).count();
    if pending > 0 {
        s.push_str(&format!(
            "  error: {pending} of {n} replica{} would stay Pending\n",
            if n == 1 { "" } else { "s" }
        ));
    }
    s.push('\n');
    s
}

/// The call-out for the first replica that lands on a virtual node.
fn overflow_note(g: &Gateway, nodes: &[NodeState], replica: usize, p: &Placement) -> String {
    let ecs: Vec<usize> = (0..nodes.len())
        .filter(|k| g.pools[*k] == PoolKind::Ecs)
        .collect();
    let mut s = format!(
        "  overflow: replica {replica} is the first on a virtual node: it runs as an ECI instance, which costs money (billed per pod, on top of the ECS nodes)\n"
    );
    if ecs.is_empty() {
        s.push_str("    no ECS node is known (no node carries the ECS label)\n");
    }
    let mut capacity_only = true;
    for k in &ecs {
        match &p.outcomes[*k] {
            Outcome::Rejected(r) => {
                capacity_only &= r.is_capacity();
                s.push_str(&format!(
                    "    ECS node {} was rejected: {r}\n",
                    nodes[*k].node.name
                ));
            }
            Outcome::Scored(sc) => {
                capacity_only = false;
                s.push_str(&format!(
                    "    ECS node {} was feasible but scored lower ({})\n",
                    nodes[*k].node.name, sc.total
                ));
            }
        }
    }
    if replica == 1 && !ecs.is_empty() && !capacity_only {
        s.push_str("    every replica goes to ECI while the ECS node(s) sit idle: fix the gateway's affinity or tolerations (`spillway audit --nodes` says how)\n");
    }
    s
}

// ---------------------------------------------------------------------------------------------
// status

/// `spillway status`.
pub fn status(args: &StatusArgs) -> i32 {
    match status_inner(args) {
        Ok(code) => code,
        Err(m) => {
            eprintln!("spillway: {m}");
            super::EXIT_ERROR
        }
    }
}

struct StatusGateway<'p> {
    title: String,
    file: Option<String>,
    document: Option<usize>,
    object: Option<ObjectRef>,
    /// The manifest's pod, when a manifest is given (else each pod's own spec is used).
    pod: Option<Pod>,
    pools: Vec<PoolKind>,
    pods: Vec<&'p PodRecord>,
    deployment: String,
    namespace: String,
}

fn status_inner(args: &StatusArgs) -> Result<i32, String> {
    if args.pods == "-" && args.pools.nodes.as_deref() == Some("-") {
        return Err("--nodes - and --pods - both want standard input".into());
    }
    let (inv, base) = inventory_and_states(&args.input, &args.pools)?;
    let limits = args.input.limits();
    let pods = read_pods(&args.pods, limits)?;
    let mut states = base.clone();
    add_running(&mut states, &pods);
    let live = |p: &&PodRecord| !p.terminal();
    let mut list: Vec<StatusGateway> = Vec::new();
    let mut errors = Vec::new();
    if args.input.paths.is_empty() {
        // No manifest: the pods labelled istio=ingressgateway are one gateway; pools from the
        // flags (or configuration) and the inventory.
        let setup = crate::setup::setup(&args.input, &args.pools)?;
        let matched: Vec<&PodRecord> = pods
            .iter()
            .filter(live)
            .filter(|p| p.labels.get("istio").map(String::as_str) == Some("ingressgateway"))
            .collect();
        // Without --ecs-label, the ECS pool is inferred from the first gateway pod with affinity or tolerations.
        let first = matched
            .iter()
            .find(|p| p.view.required.is_some() || p.view.tolerations.is_some())
            .map(|p| p.view.clone())
            .unwrap_or_default();
        let f = facts::compute(&first, &setup.pools, Some(&inv));
        list.push(StatusGateway {
            title: "pods labelled istio=ingressgateway".into(),
            file: None,
            document: None,
            object: None,
            pod: None,
            pools: pools_of(&base, &f),
            deployment: matched
                .iter()
                .find_map(|p| p.deployment.clone())
                .unwrap_or_else(|| "istio-ingressgateway".into()),
            namespace: matched
                .first()
                .map(|p| p.namespace.clone())
                .unwrap_or_else(|| "istio-system".into()),
            pods: matched,
        });
    } else {
        let (gws, errs) = gateways(&args.input, &args.pools, &base)?;
        errors = errs;
        for g in gws {
            let ns = g.object.namespace.clone();
            let matched: Vec<&PodRecord> = pods
                .iter()
                .filter(live)
                .filter(|p| ns.is_empty() || p.namespace == ns)
                .filter(|p| g.selector.iter().all(|(k, v)| p.labels.get(k) == Some(v)))
                .collect();
            list.push(StatusGateway {
                title: format!("{}: {}", g.file, object_str(&g.object)),
                file: Some(g.file.clone()),
                document: Some(g.document),
                object: Some(g.object.clone()),
                pod: Some(g.pod.clone()),
                pools: g.pools.clone(),
                deployment: matched
                    .iter()
                    .find_map(|p| p.deployment.clone())
                    .unwrap_or(g.deployment.clone()),
                namespace: if ns.is_empty() {
                    matched
                        .first()
                        .map(|p| p.namespace.clone())
                        .unwrap_or_default()
                } else {
                    ns
                },
                pods: matched,
            });
        }
    }
    let mut any_pending = false;
    let mut reports = Vec::new();
    for g in &list {
        let r = status_of(g, &states);
        any_pending |= r.pending > 0;
        reports.push(r);
    }
    let text = match args.format {
        SimFormat::Json => {
            let v: Vec<Value> = list
                .iter()
                .zip(&reports)
                .map(|(g, r)| status_json(g, r, &states))
                .collect();
            let mut s = serde_json::to_string_pretty(&json!({"gateways": v})).unwrap_or_default();
            s.push('\n');
            s
        }
        SimFormat::Human => list
            .iter()
            .zip(&reports)
            .map(|(g, r)| status_human(g, r, &states))
            .collect(),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    for e in &errors {
        eprintln!("spillway: {e}");
    }
    Ok(exit_code(&errors, any_pending))
}

struct StatusReport {
    ecs: usize,
    virt: usize,
    other: usize,
    pending: usize,
    /// Per pod: where it is (pool), and for a Pending pod the engine's placement.
    rows: Vec<(PoolKind, Option<Placement>)>,
    /// (pod index, virtual node, ECS node that has room now).
    movable: Vec<(usize, String, String)>,
}

fn status_of(g: &StatusGateway, states: &[NodeState]) -> StatusReport {
    let mut r = StatusReport {
        ecs: 0,
        virt: 0,
        other: 0,
        pending: 0,
        rows: Vec::new(),
        movable: Vec::new(),
    };
    // ECS room is handed out as pods are considered, so two pods never claim the same room.
    let mut room = states.to_vec();
    for (i, p) in g.pods.iter().enumerate() {
        let pod = g.pod.clone().unwrap_or_else(|| p.spec.clone());
        let k = p
            .node_name
            .as_ref()
            .and_then(|n| states.iter().position(|s| &s.node.name == n));
        if p.pending() {
            r.pending += 1;
            let placement = p
                .node_name
                .is_none()
                .then(|| scheduler::schedule_one(&pod, states));
            r.rows
                .push((k.map_or(PoolKind::Other, |k| g.pools[k]), placement));
            continue;
        }
        let pool = k.map_or(PoolKind::Other, |k| g.pools[k]);
        match pool {
            PoolKind::Ecs => r.ecs += 1,
            PoolKind::Virtual => {
                r.virt += 1;
                let fits = (0..room.len())
                    .filter(|j| g.pools[*j] == PoolKind::Ecs)
                    .find(|j| scheduler::filter(&pod, &room[*j]).is_none());
                if let Some(j) = fits {
                    room[j].requested.add(pod.requests);
                    room[j].pods += 1;
                    r.movable.push((
                        i,
                        p.node_name.clone().unwrap_or_default(),
                        room[j].node.name.clone(),
                    ));
                }
            }
            PoolKind::Other => r.other += 1,
        }
        r.rows.push((pool, None));
    }
    r
}

fn move_help(g: &StatusGateway) -> String {
    format!(
        "move it with `kubectl rollout restart deployment/{} -n {}` (the scheduler then prefers the ECS node), or run the descheduler's RemovePodsViolatingNodeAffinity with nodeAffinityType preferredDuringSchedulingIgnoredDuringExecution",
        g.deployment, g.namespace
    )
}

fn status_human(g: &StatusGateway, r: &StatusReport, states: &[NodeState]) -> String {
    let mut s = format!(
        "{}: {} pod{}: {} on ECS nodes, {} on virtual nodes, {} Pending{}\n",
        g.title,
        g.pods.len(),
        if g.pods.len() == 1 { "" } else { "s" },
        r.ecs,
        r.virt,
        r.pending,
        if r.other > 0 {
            format!(", {} on other nodes", r.other)
        } else {
            String::new()
        }
    );
    for (p, (pool, placement)) in g.pods.iter().zip(&r.rows) {
        match (&p.node_name, p.pending()) {
            (Some(n), false) => s.push_str(&format!(
                "  {}/{} on {n} ({})\n",
                p.namespace,
                p.name,
                pool.human()
            )),
            (Some(n), true) => s.push_str(&format!(
                "  {}/{} Pending: bound to {n} ({}), containers not started yet\n",
                p.namespace,
                p.name,
                pool.human()
            )),
            (None, _) => {
                s.push_str(&format!("  {}/{} Pending", p.namespace, p.name));
                match &p.scheduled_message {
                    Some(m) => s.push_str(&format!(": PodScheduled: {m}\n")),
                    None => s.push_str(": no PodScheduled message\n"),
                }
                if let Some(pl) = placement {
                    let whose = if g.pod.is_some() {
                        "the manifest"
                    } else {
                        "the pod's own spec"
                    };
                    match pl.node {
                        Some(k) => s.push_str(&format!(
                            "    simulate ({whose}): it would fit on {} now\n",
                            states[k].node.name
                        )),
                        None => {
                            s.push_str(&format!("    simulate ({whose}): no node fits:\n"));
                        }
                    }
                    for (j, o) in pl.outcomes.iter().enumerate() {
                        if let Outcome::Rejected(reason) = o {
                            s.push_str(&format!(
                                "      {} ({}): {reason}\n",
                                states[j].node.name,
                                g.pools[j].human()
                            ));
                        }
                    }
                }
            }
        }
    }
    for (i, virt, ecs) in &r.movable {
        let p = g.pods[*i];
        s.push_str(&format!(
            "  warning: {}/{} runs on virtual node {virt} while ECS node {ecs} has room for it again: it stays on ECI (the affinity is IgnoredDuringExecution), which costs money until it is moved; {}\n",
            p.namespace, p.name, move_help(g)
        ));
    }
    if r.pending > 0 {
        s.push_str(&format!(
            "  error: {} gateway pod{} Pending\n",
            r.pending,
            if r.pending == 1 { " is" } else { "s are" }
        ));
    }
    s.push('\n');
    s
}

fn status_json(g: &StatusGateway, r: &StatusReport, states: &[NodeState]) -> Value {
    let pods: Vec<Value> = g
        .pods
        .iter()
        .zip(&r.rows)
        .map(|(p, (pool, placement))| {
            let rejected: Map<String, Value> = placement
                .iter()
                .flat_map(|pl| pl.outcomes.iter().enumerate())
                .filter_map(|(j, o)| match o {
                    Outcome::Rejected(reason) => {
                        Some((states[j].node.name.clone(), json!(reason.to_string())))
                    }
                    Outcome::Scored(_) => None,
                })
                .collect();
            json!({
                "name": p.name,
                "namespace": p.namespace,
                "node": p.node_name,
                "pool": p.node_name.as_ref().map(|_| pool.json()),
                "pending": p.pending(),
                "scheduled_message": p.scheduled_message,
                "would_fit_on": placement.as_ref().and_then(|pl| pl.node).map(|k| states[k].node.name.clone()),
                "rejected": if placement.is_some() { Value::Object(rejected) } else { Value::Null },
            })
        })
        .collect();
    let warnings: Vec<Value> = r
        .movable
        .iter()
        .map(|(i, virt, ecs)| {
            json!({
                "pod": g.pods[*i].name,
                "namespace": g.pods[*i].namespace,
                "virtual_node": virt,
                "ecs_node_with_room": ecs,
                "help": move_help(g),
            })
        })
        .collect();
    json!({
        "file": g.file,
        "document": g.document,
        "object": g.object.as_ref().map(object_json),
        "counts": {"ecs": r.ecs, "virtual": r.virt, "other": r.other, "pending": r.pending},
        "pods": pods,
        "warnings": warnings,
    })
}
