use crate::check::{Finding, PodCtx, Severity};
use crate::rules::pool::block_absent;
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "required-affinity-missing",
    severity: Severity::Error,
    summary: "Part of the overflow block is there, but no required node affinity confines pods to the two pools",
    explanation: r#"
## What it does
Reports a gateway that has tolerations or preferred terms for the pools but no
`requiredDuringSchedulingIgnoredDuringExecution`.

## Why is this bad?
Tolerations only allow pods onto tainted nodes; they do not keep them off others. Preferences are
soft. Without the required terms, gateway pods can land on any untainted node of the cluster,
competing with other workloads instead of using the reserved ECS node and ECI.

## Example
```yaml
tolerations:
- {key: virtual-kubelet.io/provider, operator: Equal, value: alibabacloud, effect: NoSchedule}
- {key: mykey, operator: Equal, value: myvalue, effect: NoSchedule}
```

## Fix
Add the required terms, one per pool (they are ORed):
```yaml
affinity:
  nodeAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      nodeSelectorTerms:
      - matchExpressions: [{key: mykey4pod, operator: In, values: [asmgateway]}]
      - matchExpressions: [{key: type, operator: In, values: [virtual-kubelet]}]
```
"#,
    check: Check::Pod(check),
};

fn check(cx: &PodCtx, out: &mut Vec<Finding>) {
    if cx.view.required.is_some() || block_absent(cx.view, cx.facts) {
        return;
    }
    let (node, route) = match (&cx.view.node_affinity, &cx.view.affinity) {
        (Some(na), _) => (na.key, na.route.clone()),
        (None, Some(a)) => (a.key, a.route.clone()),
        _ => cx.missing_at(),
    };
    out.push(
        cx.finding(
            &RULE,
            node,
            &route,
            "no required node affinity: gateway pods may be scheduled on any node, not only the ECS node(s) and virtual nodes",
        )
        .primary_label("requiredDuringSchedulingIgnoredDuringExecution is missing")
        .help("add requiredDuringSchedulingIgnoredDuringExecution with one nodeSelectorTerm for the ECS label and one for `type=virtual-kubelet`"),
    );
}
