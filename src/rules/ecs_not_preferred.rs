use crate::check::{Finding, PodCtx, Severity};
use crate::rules::pool::{not_preferred, Which};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "ecs-not-preferred",
    severity: Severity::Error,
    summary: "No preferred node-affinity term selects the ECS node(s), or it has a typo against the required term",
    explanation: r#"
## What it does
Checks that a `preferredDuringSchedulingIgnoredDuringExecution` term selects the ECS node(s),
and that its key and value agree with the required term (a near miss is reported on the field).

## Why is this bad?
Required affinity only says where pods may go. Without a preference for ECS, the scheduler's
resource scores decide, and virtual nodes, which advertise a huge allocatable capacity, often win:
pods start on ECI while the reserved ECS node has room, which costs money.

## Example
```yaml
preferredDuringSchedulingIgnoredDuringExecution:
- weight: 80
  preference: {matchExpressions: [{key: mykey4pod, operator: In, values: [asmgatway]}]}
```

## Fix
```yaml
- weight: 80
  preference: {matchExpressions: [{key: mykey4pod, operator: In, values: [asmgateway]}]}
```
"#,
    check: Check::Pod(check),
};

fn check(cx: &PodCtx, out: &mut Vec<Finding>) {
    not_preferred(cx, &RULE, Which::Ecs, "the scheduler does not favour ECS, and virtual nodes can win the scoring while the ECS node has room", out);
}
