use crate::check::{Finding, NodesCtx, Severity};
use crate::pools::{is_well_known_taint, taint_str};
use crate::rules::nodes_common::{at_node, ecs_labels, ecs_taints};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "ecs-node-untainted",
    severity: Severity::Warning,
    summary:
        "With --nodes: an ECS node lacks its taint, so other workloads can take the gateway's room",
    explanation: r#"
## What it does
With `--nodes`, checks that each node carrying the ECS label also carries the ECS taint
(`--ecs-taint`), or, without that flag, a taint of its own.

## Why is this bad?
The taint keeps other pods off the node reserved for the gateway. Without it, other workloads
fill the ECS node and gateway replicas overflow to ECI earlier than they should, which costs
money.

## Example
`kubectl describe node node1` shows `Taints: <none>`.

## Fix
```sh
kubectl taint nodes node1 mykey=myvalue:NoSchedule
```
"#,
    check: Check::Nodes(check),
};

fn check(cx: &NodesCtx, out: &mut Vec<Finding>) {
    let taints = ecs_taints(cx);
    for label in ecs_labels(cx) {
        for n in cx.inventory.ecs_nodes(label) {
            let ok = if taints.is_empty() {
                n.node.taints.iter().any(|t| !is_well_known_taint(&t.key))
            } else {
                taints.iter().any(|t| n.node.taints.contains(t))
            };
            if ok {
                continue;
            }
            let (what, fix) = match taints.first() {
                Some(t) => (format!("the ECS taint `{}`", taint_str(t)), taint_str(t)),
                None => (
                    "a taint of its own".to_string(),
                    "KEY=VALUE:NoSchedule".to_string(),
                ),
            };
            out.push(at_node(
                &RULE,
                n,
                n.name_span.clone(),
                format!("ECS node {} lacks {what}: other workloads can take the room reserved for the gateway", n.node.name),
                format!("kubectl taint nodes {} {fix}", n.node.name),
            ));
        }
    }
}
