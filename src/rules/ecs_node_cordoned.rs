use crate::check::{Finding, NodesCtx, Severity};
use crate::rules::nodes_common::{at_node, ecs_labels};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "ecs-node-cordoned",
    severity: Severity::Warning,
    summary:
        "With --nodes: an ECS node is cordoned (spec.unschedulable), so new replicas go to ECI",
    explanation: r#"
## What it does
With `--nodes`, reports ECS nodes with `spec.unschedulable: true`.

## Why is this bad?
The NodeUnschedulable filter removes a cordoned node: every new gateway replica goes to ECI
until the node is uncordoned. That is right during maintenance and costly if forgotten.

## Example
`kubectl get nodes` shows `node1 Ready,SchedulingDisabled`.

## Fix
```sh
kubectl uncordon node1
```
"#,
    check: Check::Nodes(check),
};

fn check(cx: &NodesCtx, out: &mut Vec<Finding>) {
    for label in ecs_labels(cx) {
        for n in cx.inventory.ecs_nodes(label) {
            let Some(span) = &n.unschedulable_span else {
                continue;
            };
            out.push(at_node(
                &RULE,
                n,
                span.clone(),
                format!(
                    "ECS node {} is cordoned: new gateway replicas cannot run on it and go to ECI",
                    n.node.name
                ),
                format!("kubectl uncordon {}", n.node.name),
            ));
        }
    }
}
