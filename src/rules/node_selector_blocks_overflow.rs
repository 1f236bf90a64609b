use crate::check::facts::is_well_known_label;
use crate::check::{Finding, PodCtx, Severity};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "node-selector-blocks-overflow",
    severity: Severity::Error,
    summary: "A nodeSelector next to the affinity excludes virtual nodes (no overflow) or the ECS node(s)",
    explanation: r#"
## What it does
Checks the pod's `nodeSelector` against both pools: an entry that virtual nodes do not carry (for
example the ECS label itself) or that the ECS node(s) do not carry. With `--nodes` it checks the
real nodes' labels; without, it reports only entries on the pool labels themselves.

## Why is this bad?
`nodeSelector` and the required node affinity must both hold. A `nodeSelector` pinning pods to the
ECS label makes the virtual-node term useless: pods never overflow and stay Pending when the ECS
node is full.

## Example
```yaml
nodeSelector:
  mykey4pod: asmgateway
affinity: ...   # the overflow block
```

## Fix
Remove the `nodeSelector` entry; the required node affinity already confines pods to the two
pools. `spillway apply --fix-node-selector` removes it.
"#,
    check: Check::Pod(check),
};

fn check(cx: &PodCtx, out: &mut Vec<Finding>) {
    let Some((_, entries)) = &cx.view.node_selector else {
        return;
    };
    for (pool, other) in [
        (&cx.facts.virt, &cx.facts.ecs),
        (&cx.facts.ecs, &cx.facts.virt),
    ] {
        let Some(label) = pool.label() else { continue };
        for (k, v) in entries {
            let blocks = if !pool.nodes.is_empty() {
                !pool
                    .nodes
                    .iter()
                    .any(|n| n.labels.get(&k.value) == Some(&v.value))
            } else if k.value == label.key {
                v.value != label.value
            } else {
                other.label().is_some_and(|o| o.key == k.value) && !is_well_known_label(&k.value)
            };
            if !blocks {
                continue;
            }
            let consequence = if pool.name == "virtual" {
                "pods can never overflow to ECI"
            } else {
                "pods never run on the ECS node(s)"
            };
            out.push(
                cx.finding(
                    &RULE,
                    k.node,
                    &k.route,
                    format!(
                        "nodeSelector `{}: {}` excludes {} nodes (labelled `{label}`): nodeSelector and required affinity must both hold, so {consequence}",
                        k.value, v.value, pool.name
                    ),
                )
                .primary_label(format!("{} nodes do not match this", pool.name))
                .help("remove this nodeSelector entry: the required node affinity already confines pods to the two pools (`spillway apply --fix-node-selector` does it)"),
            );
            break;
        }
    }
}
