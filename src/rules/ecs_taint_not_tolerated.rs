use crate::check::{Finding, PodCtx, Severity};
use crate::rules::pool::{taint_not_tolerated, Which};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "ecs-taint-not-tolerated",
    severity: Severity::Error,
    summary: "No toleration tolerates the ECS node's taint (matchExpressions/tolerations mismatch)",
    explanation: r#"
## What it does
Checks that the tolerations tolerate the taint of the ECS node(s) (`--ecs-taint`, the nodes of
`--nodes`, or inferred from the manifest), with upstream's matching rules: same key (or an empty
key with `Exists`), `Equal` with the same value or `Exists`, and an empty or equal effect. It
names both sides of the mismatch: the toleration that misses and the term that sends pods to
the ECS node, and suggests the intended value for a near miss (e.g. `myvalu` vs `myvalue`).

## Why is this bad?
An untolerated `NoSchedule` taint filters the ECS node out even though the affinity selects it:
every replica goes to ECI, which costs money, or stays Pending.

## Example
```yaml
tolerations:
- {key: mykey, operator: Equal, value: myvalu, effect: NoSchedule}
```

## Fix
```yaml
- {key: mykey, operator: Equal, value: myvalue, effect: NoSchedule}
```
"#,
    check: Check::Pod(check),
};

fn check(cx: &PodCtx, out: &mut Vec<Finding>) {
    taint_not_tolerated(cx, &RULE, Which::Ecs, "the scheduler filters the ECS node(s) out, so every replica goes to ECI (or stays Pending)", out);
}
