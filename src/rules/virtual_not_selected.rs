use crate::check::{Finding, PodCtx, Severity};
use crate::rules::pool::{not_selected, Which};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "virtual-not-selected",
    severity: Severity::Error,
    summary:
        "No required node-affinity term selects virtual nodes, so pods can never overflow to ECI",
    explanation: r#"
## What it does
Checks that one of the ORed `nodeSelectorTerms` selects ACK virtual nodes by their label
(`type=virtual-kubelet` by default, `--virtual-label` otherwise), and points at near misses.

## Why is this bad?
Required node affinity is a hard filter: a virtual node that no term selects is never a
candidate. When the ECS node is full, further replicas stay Pending instead of starting on ECI.

## Example
```yaml
nodeSelectorTerms:
- matchExpressions: [{key: mykey4pod, operator: In, values: [asmgateway]}]
- matchExpressions: [{key: type, operator: In, values: [virtual-kublet]}]   # typo
```

## Fix
```yaml
- matchExpressions: [{key: type, operator: In, values: [virtual-kubelet]}]
```
"#,
    check: Check::Pod(check),
};

fn check(cx: &PodCtx, out: &mut Vec<Finding>) {
    not_selected(
        cx,
        &RULE,
        Which::Virt,
        "pods can never overflow to ECI; replicas beyond the ECS capacity stay Pending",
        out,
    );
}
