use crate::check::{Finding, PodCtx, Severity};
use crate::rules::pool::block_absent;
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "eci-incompatible",
    severity: Severity::Error,
    summary: "The pod can never run on ECI (hostNetwork, hostPort, hostPath, DaemonSet, over 64 vCPU or 20 containers)",
    explanation: r#"
## What it does
Checks the pod against Alibaba Cloud's limits for Elastic Container Instances: no
`hostNetwork: true`, no container `hostPort`, no `hostPath` volume, not a DaemonSet pod, at most
64 vCPU of summed container CPU requests (limits where a container sets no request) and at most
20 containers. It runs on gateways that carry (part of) the overflow block.

## Why is this bad?
Whatever the affinity and tolerations say, such a pod cannot start on a virtual node: the
overflow never happens, and the replicas that should have gone to ECI stay Pending or fail.

## Example
```yaml
spec:
  hostNetwork: true
```

## Fix
Drop the host-level feature from the gateway, or give up overflow to ECI for it.
"#,
    check: Check::Pod(check),
};

fn check(cx: &PodCtx, out: &mut Vec<Finding>) {
    if block_absent(cx.view, cx.facts) {
        return;
    }
    let eci = &cx.view.eci;
    let mut push = |node, route: &crate::read::yaml::Route, what: String| {
        out.push(
            cx.finding(
                &RULE,
                node,
                route,
                format!(
                    "{what}: ECI cannot run this pod, so it can never overflow to virtual nodes"
                ),
            )
            .primary_label("not supported on ECI")
            .help("remove it from the gateway, or do not rely on overflow to ECI"),
        );
    };
    if let Some(a) = &eci.host_network {
        push(a.node, &a.route, "`hostNetwork: true`".into());
    }
    for a in &eci.host_ports {
        push(a.node, &a.route, "a container `hostPort`".into());
    }
    for a in &eci.host_paths {
        push(a.node, &a.route, "a `hostPath` volume".into());
    }
    if cx.target.workload_kind == "DaemonSet" {
        let (n, r) = cx.missing_at();
        push(n, &r, "a DaemonSet pod".into());
    }
    if eci.cpu_millis > 64_000 {
        if let Some(a) = &eci.cpu_at {
            push(
                a.node,
                &a.route,
                format!(
                    "CPU requests of {} vCPU (ECI allows at most 64)",
                    eci.cpu_millis as f64 / 1000.0
                ),
            );
        }
    }
    if eci.containers > 20 {
        if let Some(a) = &eci.containers_at {
            push(
                a.node,
                &a.route,
                format!("{} containers (ECI allows at most 20)", eci.containers),
            );
        }
    }
}
