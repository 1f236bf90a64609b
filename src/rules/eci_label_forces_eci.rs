use crate::check::{Finding, PodCtx, Severity};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "eci-label-forces-eci",
    severity: Severity::Warning,
    summary: "The pod label alibabacloud.com/eci: \"true\" sends every pod to ECI, overriding the affinity",
    explanation: r#"
## What it does
Reports the pod label `alibabacloud.com/eci: "true"` (or the older `eci: "true"`); on an
IstioGateway pod labels live in `spec.podLabels`.

## Why is this bad?
ACK schedules every pod with that label to ECI, ahead of `nodeSelector`, node affinity and other
ECI scheduling policies: the ECS node is never used, and the overflow block is moot. If that is
what you want, the block is dead configuration; if not, you pay for ECI all the time.

## Example
```yaml
podLabels:
  alibabacloud.com/eci: "true"
```

## Fix
Remove the label to overflow only when the ECS node is full.
"#,
    check: Check::Pod(check),
};

fn check(cx: &PodCtx, out: &mut Vec<Finding>) {
    let Some(a) = &cx.view.eci.eci_label else {
        return;
    };
    let key = cx.doc.scalar(a.node).unwrap_or("");
    out.push(
        cx.finding(&RULE, a.node, &a.route, format!("pod label `{key}: \"true\"` sends every pod to ECI, overriding nodeSelector and node affinity: the ECS node is never used"))
            .primary_label("every pod goes to ECI")
            .help("remove the label to use the ECS node first and overflow only when it is full"),
    );
}
