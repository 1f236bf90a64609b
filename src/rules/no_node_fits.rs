use crate::check::{Finding, PodCtx, Severity};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "no-node-fits",
    severity: Severity::Error,
    summary: "With --nodes: no node passes the scheduler's filters for one gateway replica (it stays Pending)",
    explanation: r#"
## What it does
With `--nodes`, schedules one replica of the gateway on the inventory with the same engine as
`spillway simulate` (filters NodeUnschedulable, TaintToleration, NodeAffinity, NodeResourcesFit
against `status.allocatable`, ignoring pods already running) and reports when no node passes,
with each node's first failing filter. It stays quiet when the inventory has neither an ECS nor
a virtual node (`ecs-label-on-no-node` and `no-virtual-node` already say so).

## Why is this bad?
A replica no node can take stays Pending: the gateway runs below its replica count, or not at
all. Usually both pools are closed at once: the ECS taint is not tolerated (or the ECS node is
cordoned or full) and the virtual-node term or toleration is wrong too.

## Example
```yaml
tolerations:
- {key: mykey, operator: Equal, value: myvalu, effect: NoSchedule}
# and no toleration for virtual-kubelet.io/provider
```

## Fix
Tolerate both pools' taints and select both pools in the required terms
(`spillway apply` writes the block); `spillway simulate --nodes NODES.yaml` shows every node's reason.
"#,
    check: Check::Pod(check),
};

fn check(cx: &PodCtx, out: &mut Vec<Finding>) {
    let Some(inv) = cx.inventory else { return };
    if cx.facts.ecs.nodes.is_empty() && cx.facts.virt.nodes.is_empty() {
        return;
    }
    let pod = crate::schedinput::engine_pod(cx.doc, cx.target, cx.view);
    let Some(reasons) = crate::schedinput::no_node_fits(&pod, inv) else {
        return;
    };
    let list = reasons
        .iter()
        .map(|(n, r)| format!("{n}: {r}"))
        .collect::<Vec<_>>()
        .join("; ");
    let (at, route) = match (&cx.view.node_affinity, &cx.view.tolerations) {
        (Some(a), _) => (a.key, a.route.clone()),
        (None, Some((t, _))) => (t.key, t.route.clone()),
        (None, None) => cx.missing_at(),
    };
    out.push(
        cx.finding(
            &RULE,
            at,
            &route,
            format!(
                "no node in {} passes the scheduler's filters for this gateway: every replica stays Pending ({list})",
                inv.source.name
            ),
        )
        .primary_label("no node satisfies this affinity with these tolerations")
        .help(format!(
            "each node's first failing filter: {list}; fix the affinity or tolerations so the ECS or the virtual nodes pass (`spillway simulate --nodes {}` shows every replica)",
            inv.source.name
        )),
    );
}
