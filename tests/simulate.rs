//! `spillway simulate`, `spillway status` and the `no-node-fits` audit rule, end to end through
//! the binary, on the scenarios users care about (inputs in `fixtures/simulate/`, `.sim` so the
//! fixture walker of tests/fixtures.rs leaves them alone).

mod common;
use common::*;

use std::fs;
use std::path::PathBuf;

use predicates::prelude::*;
use serde_json::Value;

fn sim(rel: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/simulate")
        .join(rel)
        .to_string_lossy()
        .into_owned()
}

fn gateway_text() -> String {
    fs::read_to_string(sim("gateway.sim")).unwrap()
}

/// The gateway with one replacement applied (which must change it), written to a temp folder.
fn variant(d: &tempfile::TempDir, from: &str, to: &str) -> String {
    let g = gateway_text();
    assert!(g.contains(from), "{from}");
    let p = d.path().join("gw.yaml");
    fs::write(&p, g.replacen(from, to, 1)).unwrap();
    p.to_string_lossy().into_owned()
}

const ECS_TOL: &str = "      value: myvalue\n";
const ECS_TOL_TYPO: &str = "      value: myvalu\n";
const VIRT_TOL: &str = "      value: alibabacloud\n";
const VIRT_TOL_TYPO: &str = "      value: alibabacloudx\n";
const REQ_TERM: &str = "                  - asmgateway\n          - matchExpressions:";
const REQ_TERM_TYPO: &str = "                  - asmgatewy\n          - matchExpressions:";

fn simulate_json(args: &[&str], code: i32) -> Value {
    let out = spillway()
        .arg("simulate")
        .args(args)
        .args(["--format", "json"])
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

fn placements(v: &Value) -> Vec<(Option<String>, Option<String>)> {
    v["gateways"][0]["replicas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["node"].as_str().map(str::to_owned),
                r["pool"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

fn pools(v: &Value) -> Vec<String> {
    placements(v)
        .into_iter()
        .map(|(_, p)| p.unwrap_or_else(|| "pending".into()))
        .collect()
}

#[test]
fn ecs_has_room_all_replicas_on_ecs() {
    let nodes = sim("nodes.sim");
    let v = simulate_json(
        &[&sim("gateway.sim"), "--nodes", &nodes, "--replicas", "2"],
        0,
    );
    assert_eq!(pools(&v), ["ecs", "ecs"]);
    spillway()
        .args(["simulate", &sim("gateway.sim"), "--nodes", &nodes])
        .args(["--replicas", "2"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("2 replicas (--replicas)"))
        .stdout(predicate::str::contains(
            "node2: no required node affinity term matches",
        ))
        .stdout(predicate::str::contains("overflow").not());
}

#[test]
fn ecs_fills_up_after_four_replicas_and_the_overflow_is_called_out() {
    let nodes = sim("nodes.sim");
    let v = simulate_json(&[&sim("gateway.sim"), "--nodes", &nodes], 0);
    assert_eq!(
        pools(&v),
        ["ecs", "ecs", "ecs", "ecs", "virtual", "virtual"]
    );
    let r5 = &v["gateways"][0]["replicas"][4];
    assert_eq!(
        r5["rejected"]["node1"],
        "insufficient cpu (requests 0.5, free 0)"
    );
    spillway()
        .args(["simulate", &sim("gateway.sim"), "--nodes", &nodes])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "6 replicas (manifest spec.replicaCount)",
        ))
        .stdout(predicate::str::contains(
            "overflow: replica 5 is the first on a virtual node",
        ))
        .stdout(predicate::str::contains("costs money"))
        .stdout(predicate::str::contains(
            "ECS node node1 was rejected: insufficient cpu (requests 0.5, free 0)",
        ))
        .stdout(predicate::str::contains("ties on the total score"));
}

#[test]
fn ecs_node_cordoned_sends_every_replica_to_virtual_nodes() {
    let v = simulate_json(
        &[&sim("gateway.sim"), "--nodes", &sim("nodes-cordoned.sim")],
        0,
    );
    assert_eq!(pools(&v), ["virtual"; 6]);
    assert_eq!(
        v["gateways"][0]["replicas"][0]["rejected"]["node1"],
        "node is cordoned (unschedulable)"
    );
}

#[test]
fn mismatched_ecs_toleration_sends_everything_to_eci_and_says_it_costs_money() {
    let d = tempfile::tempdir().unwrap();
    let gw = variant(&d, ECS_TOL, ECS_TOL_TYPO);
    let nodes = sim("nodes.sim");
    let v = simulate_json(&[&gw, "--nodes", &nodes], 0);
    assert_eq!(pools(&v), ["virtual"; 6]);
    spillway()
        .args(["simulate", &gw, "--nodes", &nodes])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "overflow: replica 1 is the first on a virtual node",
        ))
        .stdout(predicate::str::contains("costs money"))
        .stdout(predicate::str::contains(
            "node1: untolerated taint mykey=myvalue:NoSchedule",
        ))
        .stdout(predicate::str::contains("while the ECS node(s) sit idle"));
}

#[test]
fn mismatched_virtual_toleration_leaves_replicas_beyond_ecs_pending() {
    let d = tempfile::tempdir().unwrap();
    let gw = variant(&d, VIRT_TOL, VIRT_TOL_TYPO);
    let nodes = sim("nodes.sim");
    let v = simulate_json(&[&gw, "--nodes", &nodes], 1);
    assert_eq!(
        pools(&v),
        ["ecs", "ecs", "ecs", "ecs", "pending", "pending"]
    );
    let r5 = &v["gateways"][0]["replicas"][4];
    assert!(r5["node"].is_null() && r5["pool"].is_null());
    assert_eq!(
        r5["rejected"]["virtual-kubelet-cn-hangzhou-k"],
        "untolerated taint virtual-kubelet.io/provider=alibabacloud:NoSchedule"
    );
    assert_eq!(r5["rejected"].as_object().unwrap().len(), 3);
    spillway()
        .args(["simulate", &gw, "--nodes", &nodes])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("replica 5 -> Pending"))
        .stdout(predicate::str::contains(
            "2 of 6 replicas would stay Pending",
        ));
}

#[test]
fn required_term_typo_sends_everything_virtual_or_leaves_it_pending() {
    let d = tempfile::tempdir().unwrap();
    let nodes = sim("nodes.sim");
    let gw = variant(&d, REQ_TERM, REQ_TERM_TYPO);
    let v = simulate_json(&[&gw, "--nodes", &nodes], 0);
    assert_eq!(pools(&v), ["virtual"; 6]);
    assert_eq!(
        v["gateways"][0]["replicas"][0]["rejected"]["node1"],
        "no required node affinity term matches"
    );
    // With the virtual toleration broken as well, nothing fits anywhere.
    let g = fs::read_to_string(&gw)
        .unwrap()
        .replace(VIRT_TOL, VIRT_TOL_TYPO);
    fs::write(&gw, g).unwrap();
    let v = simulate_json(&[&gw, "--nodes", &nodes], 1);
    assert_eq!(pools(&v), ["pending"; 6]);
}

#[test]
fn running_pods_reduce_free_capacity() {
    // pods.sim: 1 core of an app and 0.5 of a gateway pod already on node1 (2 cores).
    let v = simulate_json(
        &[
            &sim("gateway.sim"),
            "--nodes",
            &sim("nodes.sim"),
            "--pods",
            &sim("pods.sim"),
            "--replicas",
            "3",
        ],
        0,
    );
    assert_eq!(pools(&v), ["ecs", "virtual", "virtual"]);
    assert_eq!(
        v["gateways"][0]["replicas"][1]["rejected"]["node1"],
        "insufficient cpu (requests 0.5, free 0)"
    );
}

#[test]
fn output_is_deterministic() {
    let run = |fmt: &str| {
        spillway()
            .args([
                "simulate",
                &sim("gateway.sim"),
                "--nodes",
                &sim("nodes.sim"),
            ])
            .args(["--pods", &sim("pods.sim"), "--format", fmt])
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone()
    };
    for fmt in ["human", "json"] {
        assert_eq!(run(fmt), run(fmt));
    }
}

#[test]
fn json_shape() {
    let v = simulate_json(&[&sim("gateway.sim"), "--nodes", &sim("nodes.sim")], 0);
    let g = &v["gateways"][0];
    assert!(g["file"].as_str().unwrap().ends_with("gateway.sim"));
    assert_eq!(g["document"], 0);
    assert_eq!(g["object"]["kind"], "IstioGateway");
    assert_eq!(g["object"]["name"], "ingressgateway");
    assert_eq!(g["object"]["namespace"], "istio-system");
    let r1 = &g["replicas"][0];
    assert_eq!(r1["replica"], 1);
    assert_eq!(r1["node"], "node1");
    assert_eq!(r1["pool"], "ecs");
    let s = &r1["scores"]["node1"];
    for k in [
        "node_affinity",
        "taint_toleration",
        "fit",
        "balanced",
        "total",
    ] {
        assert!(s[k].is_i64(), "{k}: {s}");
    }
    assert_eq!(s["node_affinity"], 100);
    assert_eq!(
        r1["scores"]["virtual-kubelet-cn-hangzhou-k"]["node_affinity"],
        25
    );
    assert_eq!(
        s["total"].as_i64().unwrap(),
        3 * s["taint_toleration"].as_i64().unwrap()
            + 2 * s["node_affinity"].as_i64().unwrap()
            + s["fit"].as_i64().unwrap()
            + s["balanced"].as_i64().unwrap()
    );
    assert_eq!(
        r1["rejected"]["node2"],
        "no required node affinity term matches"
    );
}

#[test]
fn simulate_needs_nodes() {
    spillway()
        .args(["simulate", &sim("gateway.sim")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--nodes FILE is required"));
}

#[test]
fn status_counts_pods_and_reports_pending_with_reasons() {
    let out = spillway()
        .args([
            "status",
            "--pods",
            &sim("pods.sim"),
            "--nodes",
            &sim("nodes.sim"),
        ])
        .arg(sim("gateway.sim"))
        .args(["--format", "json"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    let g = &v["gateways"][0];
    assert_eq!(
        g["counts"],
        serde_json::json!({"ecs": 1, "virtual": 1, "other": 0, "pending": 1})
    );
    let pending = &g["pods"][2];
    assert_eq!(pending["pending"], true);
    assert!(pending["scheduled_message"]
        .as_str()
        .unwrap()
        .contains("Insufficient cpu"));
    assert_eq!(
        pending["rejected"]["node2"],
        "no required node affinity term matches"
    );
    // Without a manifest: the pods labelled istio=ingressgateway, with their own specs.
    spillway()
        .args(["status", "--pods", &sim("pods.sim"), "--nodes", &sim("nodes.sim")])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "pods labelled istio=ingressgateway: 3 pods: 1 on ECS nodes, 1 on virtual nodes, 1 Pending",
        ))
        .stdout(predicate::str::contains("PodScheduled: 0/3 nodes are available"))
        .stdout(predicate::str::contains(
            "virtual-kubelet-cn-hangzhou-k (virtual): untolerated taint virtual-kubelet.io/provider=alibabacloud:NoSchedule",
        ));
}

#[test]
fn status_warns_about_a_virtual_pod_when_ecs_has_room() {
    let d = tempfile::tempdir().unwrap();
    let pods = fs::read_to_string(sim("pods.sim")).unwrap();
    let cut = pods
        .find("  - apiVersion: v1\n    kind: Pod\n    metadata:\n      name: istio-ingressgateway-5d8f7c9b4-ccccc")
        .unwrap();
    let p = d.path().join("pods.yaml");
    fs::write(&p, &pods[..cut]).unwrap();
    let p = p.to_string_lossy().into_owned();
    spillway()
        .args(["status", "--pods", &p, "--nodes", &sim("nodes.sim"), &sim("gateway.sim")])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("1 on ECS nodes, 1 on virtual nodes, 0 Pending"))
        .stdout(predicate::str::contains(
            "warning: istio-system/istio-ingressgateway-5d8f7c9b4-bbbbb runs on virtual node virtual-kubelet-cn-hangzhou-k while ECS node node1 has room for it again",
        ))
        .stdout(predicate::str::contains("costs money"))
        .stdout(predicate::str::contains(
            "kubectl rollout restart deployment/istio-ingressgateway -n istio-system",
        ))
        .stdout(predicate::str::contains("RemovePodsViolatingNodeAffinity"));
    // With the ECS node full (a 2-core pod on it), no warning.
    let full = pods[..cut].replace("cpu: \"1\", memory: 1Gi", "cpu: \"1.5\", memory: 1Gi");
    fs::write(d.path().join("pods.yaml"), full).unwrap();
    spillway()
        .args([
            "status",
            "--pods",
            &p,
            "--nodes",
            &sim("nodes.sim"),
            &sim("gateway.sim"),
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("warning").not());
}

#[test]
fn audit_no_node_fits_only_when_no_node_passes() {
    let d = tempfile::tempdir().unwrap();
    let nodes = sim("nodes.sim");
    // Both pools closed: the rule fires with each node's reason.
    let gw = variant(&d, ECS_TOL, ECS_TOL_TYPO);
    let g = fs::read_to_string(&gw)
        .unwrap()
        .replace(VIRT_TOL, VIRT_TOL_TYPO);
    fs::write(&gw, g).unwrap();
    spillway()
        .args(["audit", &gw, "--nodes", &nodes])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("no-node-fits"))
        .stdout(predicate::str::contains(
            "untolerated taint mykey=myvalue:NoSchedule",
        ));
    // One pool closed: the existing rules say it; no-node-fits stays quiet.
    let gw2 = d.path().join("one.yaml");
    fs::write(&gw2, gateway_text().replace(ECS_TOL, ECS_TOL_TYPO)).unwrap();
    spillway()
        .args(["audit"])
        .arg(&gw2)
        .args(["--nodes", &nodes])
        .assert()
        .stdout(predicate::str::contains("ecs-taint-not-tolerated"))
        .stdout(predicate::str::contains("no-node-fits").not());
    // The correct gateway: nothing.
    spillway()
        .args(["audit", &sim("gateway.sim"), "--nodes", &nodes])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("no-node-fits").not());
    // Neither pool in the inventory: ecs-label-on-no-node and no-virtual-node say it all.
    let inv = fs::read_to_string(&nodes).unwrap();
    let only_worker = inv
        .replace("mykey4pod: asmgateway", "role: worker")
        .replace("type: virtual-kubelet", "role: other");
    let n2 = d.path().join("nodes.yaml");
    fs::write(&n2, only_worker).unwrap();
    spillway()
        .args([
            "audit",
            &sim("gateway.sim"),
            "--ecs-label",
            "mykey4pod=asmgateway",
            "--nodes",
        ])
        .arg(&n2)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("no-virtual-node"))
        .stdout(predicate::str::contains("no-node-fits").not());
}

// --- paths beyond the IstioGateway scenarios ------------------------------------------------------

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  replicas: 3
  template:
    metadata: {labels: {app: istio-ingressgateway, istio: ingressgateway}}
    spec:
      containers:
      - name: istio-proxy
        resources: {requests: {cpu: 600m, memory: 512Mi}}
      - name: helper
        resources: {limits: {cpu: 400m, memory: 128Mi}}
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions: [{key: mykey4pod, operator: In, values: [asmgateway]}]
            - matchExpressions: [{key: type, operator: In, values: [virtual-kubelet]}]
          preferredDuringSchedulingIgnoredDuringExecution:
          - {weight: 80, preference: {matchExpressions: [{key: mykey4pod, operator: In, values: [asmgateway]}]}}
          - {weight: 20, preference: {matchExpressions: [{key: type, operator: In, values: [virtual-kubelet]}]}}
      tolerations:
      - {key: virtual-kubelet.io/provider, operator: Equal, value: alibabacloud, effect: NoSchedule}
      - {key: mykey, operator: Equal, value: myvalue, effect: NoSchedule}
";

/// A Deployment: replicas from `spec.replicas`, requests summed over its containers with a limit
/// standing in for a missing request (600m + 400m = 1 CPU): two fit on the 2-core ECS node.
#[test]
fn deployment_replicas_and_summed_requests() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("dep.yaml");
    fs::write(&p, DEPLOYMENT).unwrap();
    let v = simulate_json(
        &[
            p.to_str().unwrap(),
            "--nodes",
            &sim("nodes.sim"),
            POOLS[0],
            POOLS[1],
            POOLS[2],
            POOLS[3],
        ],
        0,
    );
    let g = &v["gateways"][0];
    assert_eq!(g["replica_count"], 3);
    assert_eq!(g["requests"]["cpu_millis"], 1000);
    assert_eq!(g["requests"]["memory_bytes"], 640 * 1024 * 1024);
    let got: Vec<(Option<String>, Option<String>)> = placements(&v);
    let nodes: Vec<Option<&str>> = got.iter().map(|(n, _)| n.as_deref()).collect();
    assert_eq!(
        nodes,
        [
            Some("node1"),
            Some("node1"),
            Some("virtual-kubelet-cn-hangzhou-k")
        ]
    );
}

/// `kubectl get pods -A -o json` works like `-o yaml`, and status matches a Deployment's pods by
/// its pod template labels.
#[test]
fn json_pods_and_status_of_a_deployment() {
    let d = tempfile::tempdir().unwrap();
    let yaml = fs::read_to_string(sim("pods.sim")).unwrap();
    let (docs, err) =
        spillway::read::yaml::parse_all(&yaml, spillway::read::yaml::Limits::default());
    assert!(err.is_none());
    let mut budget = 1_000_000;
    let json = docs[0].to_json(docs[0].root.unwrap(), &mut budget).unwrap();
    let pods = d.path().join("pods.json");
    fs::write(&pods, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    let dep = d.path().join("dep.yaml");
    fs::write(&dep, DEPLOYMENT).unwrap();
    let out = spillway()
        .args([
            "status",
            "--format",
            "json",
            "--nodes",
            &sim("nodes.sim"),
            "--pods",
        ])
        .arg(&pods)
        .arg(&dep)
        .args(POOLS)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    let counts = &v["gateways"][0]["counts"];
    assert_eq!(
        (
            counts["ecs"].as_u64(),
            counts["virtual"].as_u64(),
            counts["pending"].as_u64()
        ),
        (Some(1), Some(1), Some(1)),
        "{v}"
    );
}

/// An unreadable manifest is reported (exit 2) and the other inputs are still simulated.
#[test]
fn an_unreadable_input_does_not_stop_the_others() {
    let d = tempfile::tempdir().unwrap();
    let dep = d.path().join("dep.yaml");
    fs::write(&dep, DEPLOYMENT).unwrap();
    spillway()
        .arg("simulate")
        .arg(&dep)
        .arg(d.path().join("missing.yaml"))
        .args(["--nodes", &sim("nodes.sim")])
        .args(POOLS)
        .assert()
        .code(2)
        .stdout(predicate::str::contains("node1"))
        .stderr(predicate::str::contains(
            "missing.yaml: no such file or directory",
        ));
}
