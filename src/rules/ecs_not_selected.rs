use crate::check::{Finding, PodCtx, Severity};
use crate::rules::pool::{not_selected, Which};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "ecs-not-selected",
    severity: Severity::Error,
    summary: "No required node-affinity term selects the labelled ECS node(s)",
    explanation: r#"
## What it does
Checks that one of the ORed `nodeSelectorTerms` selects the ECS node(s) reserved for the gateway,
by their label (`--ecs-label`, the nodes of `--nodes`, or inferred from the manifest). When a
requirement is a near miss (the same key with another value, a key or value within two edits,
or the wrong operator) it points at that field and suggests the intended value.

## Why is this bad?
If no term matches the ECS node's label, the scheduler filters the ECS node out: every replica
goes to ECI, which costs more, or stays Pending if the virtual term is wrong too.

## Example
```yaml
nodeSelectorTerms:
- matchExpressions: [{key: mykey4pod, operator: In, values: [asmgatway]}]   # typo
- matchExpressions: [{key: type, operator: In, values: [virtual-kubelet]}]
```

## Fix
```yaml
- matchExpressions: [{key: mykey4pod, operator: In, values: [asmgateway]}]
```
"#,
    check: Check::Pod(check),
};

fn check(cx: &PodCtx, out: &mut Vec<Finding>) {
    not_selected(
        cx,
        &RULE,
        Which::Ecs,
        "pods never run there, so every replica goes to ECI (or stays Pending)",
        out,
    );
}
