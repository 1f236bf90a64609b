use crate::check::{Finding, PodCtx, Severity};
use crate::rules::pool::{taint_not_tolerated, Which};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "virtual-taint-not-tolerated",
    severity: Severity::Error,
    summary: "No toleration tolerates the virtual nodes' taint, so pods can never overflow to ECI",
    explanation: r#"
## What it does
Checks that the tolerations tolerate the virtual nodes' taint
(`virtual-kubelet.io/provider=alibabacloud:NoSchedule` by default, `--virtual-taint` otherwise).

## Why is this bad?
ACK taints virtual nodes so that nothing lands on ECI by accident. A gateway that does not
tolerate the taint never overflows: replicas beyond the ECS capacity stay Pending.

## Example
```yaml
tolerations:
- {key: virtual-kubelet.io/provider, operator: Equal, value: alibaba, effect: NoSchedule}
```

## Fix
```yaml
- {key: virtual-kubelet.io/provider, operator: Equal, value: alibabacloud, effect: NoSchedule}
```
"#,
    check: Check::Pod(check),
};

fn check(cx: &PodCtx, out: &mut Vec<Finding>) {
    taint_not_tolerated(
        cx,
        &RULE,
        Which::Virt,
        "pods can never overflow to ECI; replicas beyond the ECS capacity stay Pending",
        out,
    );
}
