use crate::check::{Finding, NodesCtx, Severity};
use crate::rules::nodes_common::{at_node, ecs_labels, ecs_taints};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "ecs-label-on-no-node",
    severity: Severity::Error,
    summary: "With --nodes: no node carries the ECS label the gateway selects",
    explanation: r#"
## What it does
With `--nodes`, checks that at least one node carries the ECS label (`--ecs-label`, or the label
the gateways' manifests select).

## Why is this bad?
The procedure's first step, `kubectl label nodes NODE mykey4pod=asmgateway`, was skipped or
labelled another node: the ECS term selects nothing, so every replica goes to ECI.

## Example
`kubectl get nodes --show-labels` shows no node with `mykey4pod=asmgateway`.

## Fix
```sh
kubectl label nodes node1 mykey4pod=asmgateway
```
"#,
    check: Check::Nodes(check),
};

fn check(cx: &NodesCtx, out: &mut Vec<Finding>) {
    let inv = cx.inventory;
    for label in ecs_labels(cx) {
        if inv.ecs_nodes(label).next().is_some() {
            continue;
        }
        // Point at the node that carries the ECS taint, if one does: it is the likely ECS node.
        let candidate = ecs_taints(cx)
            .into_iter()
            .find_map(|t| inv.nodes.iter().find(|n| n.node.taints.contains(t)))
            .or_else(|| {
                let vkey = cx.pools.virt.label.as_ref().map(|(l, _)| l.key.as_str());
                inv.nodes
                    .iter()
                    .find(|n| vkey.is_none_or(|k| !n.node.labels.contains_key(k)))
            })
            .unwrap_or(&inv.nodes[0]);
        let name = if candidate.node.name.is_empty() {
            "NODE"
        } else {
            &candidate.node.name
        };
        out.push(at_node(
            &RULE,
            candidate,
            candidate.name_span.clone(),
            format!("no node in {} carries the ECS label `{label}`: the gateway's ECS term selects nothing, so every replica goes to ECI", inv.source.name),
            format!("kubectl label nodes {name} {label}"),
        ));
    }
}
