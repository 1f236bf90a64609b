use crate::check::near::toleration_miss;
use crate::check::{Finding, PodCtx, Severity};
use crate::k8s;
use crate::pools::taint_str;
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "stray-toleration",
    severity: Severity::Warning,
    summary:
        "A toleration is a near miss of a pool's taint that another toleration already tolerates",
    explanation: r#"
## What it does
Reports a toleration that tolerates no taint of either pool but is a near miss of one (the same
key with another value or effect, or a key within two edits), while another toleration does
tolerate that taint.

## Why is this bad?
It tolerates nothing: it is the leftover of a typo that was fixed by adding a second toleration
instead of correcting the first. It misleads the next reader, and if the correct one is removed
the typo is all that is left.

## Example
```yaml
tolerations:
- {key: mykey, operator: Equal, value: myvalue, effect: NoSchedule}
- {key: mykey, operator: Equal, value: myvalu, effect: NoSchedule}
```

## Fix
Remove the misspelt toleration.
"#,
    check: Check::Pod(check),
};

fn check(cx: &PodCtx, out: &mut Vec<Finding>) {
    let gates = cx.facts.gates;
    let tols = cx.view.tolerations();
    for pool in [&cx.facts.ecs, &cx.facts.virt] {
        let Some(taint) = pool.taint() else { continue };
        let Some(good) = tols.iter().find(|t| k8s::tolerates(&t.tol, taint, &gates)) else {
            continue;
        };
        for t in tols {
            if cx.facts.has_type_error_under(&t.route) {
                continue;
            }
            let Some(m) = toleration_miss(t, taint, &gates) else {
                continue;
            };
            let (node, route) = m.at.map_or((t.node, &t.route), |s| (s.node, &s.route));
            out.push(
                cx.finding(
                    &RULE,
                    node,
                    route,
                    format!(
                        "this toleration tolerates nothing: it is a near miss of the {} taint `{}`, which another toleration already tolerates",
                        pool.name,
                        taint_str(taint)
                    ),
                )
                .primary_label(m.describe())
                .related(cx.label(good.node, &good.route, "this one tolerates it"))
                .help("remove the misspelt toleration"),
            );
        }
    }
}
