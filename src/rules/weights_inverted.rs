use crate::check::{Finding, PodCtx, Severity};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "weights-inverted",
    severity: Severity::Error,
    summary: "Virtual nodes are preferred as much as or more than the ECS node(s)",
    explanation: r#"
## What it does
Adds up the weights of the valid preferred terms that select each pool and, when both pools
have one, reports a virtual total that is not below the ECS total (a missing or misspelt ECS
preference is `ecs-not-preferred`'s to report).

## Why is this bad?
The NodeAffinity score then favours ECI: pods start on virtual nodes while the reserved ECS node
has room, and you pay for ECI instances you did not need.

## Example
```yaml
- weight: 20
  preference: {matchExpressions: [{key: mykey4pod, operator: In, values: [asmgateway]}]}
- weight: 80
  preference: {matchExpressions: [{key: type, operator: In, values: [virtual-kubelet]}]}
```

## Fix
Give ECS the larger weight (80 and 20 in the documented block).
"#,
    check: Check::Pod(check),
};

fn check(cx: &PodCtx, out: &mut Vec<Finding>) {
    let prefs = cx.view.preferred();
    let valid = |w: i64| (1..=100).contains(&w);
    let mut ecs = (0i64, None);
    let mut virt = (0i64, None);
    for (p, (e, v)) in prefs.iter().zip(&cx.facts.prefs) {
        let Some(w) = &p.weight else { continue };
        if !valid(w.value) || (*e && *v) {
            continue;
        }
        if *e {
            ecs.0 += w.value;
            ecs.1.get_or_insert(w);
        }
        if *v {
            virt.0 += w.value;
            virt.1.get_or_insert(w);
        }
    }
    let (Some(ew), Some(vw)) = (ecs.1, virt.1) else {
        return;
    };
    if virt.0 < ecs.0 {
        return;
    }
    let cmp = if virt.0 == ecs.0 {
        "as much as"
    } else {
        "more than"
    };
    out.push(
        cx.finding(
            &RULE,
            vw.node,
            &vw.route,
            format!("virtual nodes are preferred {cmp} the ECS node(s) (weight {} vs {}): pods start on ECI while the ECS node has room", virt.0, ecs.0),
        )
        .primary_label(format!("virtual-node weight {}", vw.value))
        .related(cx.label(ew.node, &ew.route, format!("ECS weight {}", ew.value)))
        .help("give the ECS term the larger weight, e.g. 80 for ECS and 20 for virtual nodes"),
    );
}
