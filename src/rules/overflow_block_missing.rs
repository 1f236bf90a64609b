use crate::check::{Finding, PodCtx, Severity};
use crate::rules::pool::block_absent;
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "overflow-block-missing",
    severity: Severity::Error,
    summary: "A gateway pod spec has no ECS-to-ECI overflow block at all",
    explanation: r#"
## What it does
Reports a gateway pod spec that has none of the overflow block: no required or preferred node
affinity and no toleration of the ECS node's or the virtual nodes' taint.

## Why is this bad?
Without the block the gateway neither stays on its reserved ECS node(s) nor overflows to
Elastic Container Instances: pods land wherever the scheduler likes, and never on a virtual node
(its `virtual-kubelet.io/provider=alibabacloud:NoSchedule` taint repels them).

## Example
```yaml
spec:
  replicaCount: 2
```

## Fix
```yaml
spec:
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions: [{key: mykey4pod, operator: In, values: [asmgateway]}]
        - matchExpressions: [{key: type, operator: In, values: [virtual-kubelet]}]
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 80
        preference: {matchExpressions: [{key: mykey4pod, operator: In, values: [asmgateway]}]}
      - weight: 20
        preference: {matchExpressions: [{key: type, operator: In, values: [virtual-kubelet]}]}
  tolerations:
  - {key: virtual-kubelet.io/provider, operator: Equal, value: alibabacloud, effect: NoSchedule}
  - {key: mykey, operator: Equal, value: myvalue, effect: NoSchedule}
```
"#,
    check: Check::Pod(check),
};

fn check(cx: &PodCtx, out: &mut Vec<Finding>) {
    // A pod spec of the wrong type is reported once, by wrong-type.
    if !block_absent(cx.view, cx.facts) || cx.facts.has_type_error_under(&cx.target.primary().route)
    {
        return;
    }
    let (node, route) = cx.missing_at();
    out.push(
        cx.finding(
            &RULE,
            node,
            &route,
            "gateway pod spec has no overflow block: no node affinity for the ECS and virtual pools and no toleration of their taints",
        )
        .primary_label("the block belongs here")
        .help("add the block shown by `spillway explain overflow-block-missing`, with your ECS node's label and taint"),
    );
}
