use crate::check::{Finding, NodesCtx, Severity};
use crate::rules::nodes_common::at_node;
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "no-virtual-node",
    severity: Severity::Error,
    summary: "With --nodes: no virtual node exists (ack-virtual-node is not deployed)",
    explanation: r#"
## What it does
With `--nodes`, checks that at least one node carries the virtual-node label
(`type=virtual-kubelet` by default).

## Why is this bad?
Virtual nodes are what the gateway overflows to. Without them, replicas beyond the ECS
capacity stay Pending whatever the manifest says.

## Example
`kubectl get nodes -l type=virtual-kubelet` prints nothing.

## Fix
Deploy the ack-virtual-node component (ACK console: Operations > Add-ons > ack-virtual-node),
then check `kubectl get nodes -l type=virtual-kubelet`.
"#,
    check: Check::Nodes(check),
};

fn check(cx: &NodesCtx, out: &mut Vec<Finding>) {
    let Some((label, _)) = &cx.pools.virt.label else {
        return;
    };
    let inv = cx.inventory;
    if inv.ecs_nodes(label).next().is_some() {
        return;
    }
    let mut f = at_node(
        &RULE,
        &inv.nodes[0],
        inv.whole.1.clone(),
        format!("no node in {} carries the virtual-node label `{label}`: the ack-virtual-node component is not deployed, so pods cannot overflow to ECI", inv.source.name),
        format!("deploy the ack-virtual-node add-on, then check `kubectl get nodes -l {label}`"),
    );
    f.document = inv.whole.0;
    f.object = None;
    out.push(f);
}
