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
    for (i, pool) in crate::check::facts::selector_blocks(cx.view, cx.facts) {
        let (k, v) = &entries[i];
        let label = pool.label().expect("blocking needs the pool label");
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
    }
}
