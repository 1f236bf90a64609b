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
        let message = format!(
            "no node in {} carries the ECS label `{label}`: the gateway's ECS term selects nothing, so every replica goes to ECI",
            inv.source.name
        );
        // Point at the node that carries the ECS taint, if one does: it is the likely ECS node.
        let tainted = ecs_taints(cx)
            .into_iter()
            .find_map(|t| inv.nodes.iter().find(|n| n.node.taints.contains(t)));
        let f = match tainted {
            Some(n) => {
                let mut f = at_node(
                    &RULE,
                    n,
                    n.name_span.clone(),
                    message,
                    format!("kubectl label nodes {} {label}", n.node.name),
                );
                f.primary.message = "this node carries the ECS taint but not the label".into();
                f
            }
            None => {
                let mut f = at_node(
                    &RULE,
                    &inv.nodes[0],
                    inv.whole.1.clone(),
                    message,
                    format!("kubectl label nodes NODE {label}   # NODE: the ECS node reserved for the gateway"),
                );
                f.document = inv.whole.0;
                f.object = None;
                f
            }
        };
        out.push(f);
    }
}
