use crate::check::{Finding, PodCtx, Severity};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "duplicate-entry",
    severity: Severity::Warning,
    summary: "The same toleration, required term or preferred term appears twice",
    explanation: r#"
## What it does
Reports a toleration, required node-selector term or preferred term equal to an earlier one.

## Why is this bad?
The apiserver accepts duplicates and the scheduler ignores them (a duplicated preferred term
does add its weight twice), but they usually mean two copies of the block were merged by hand,
and the next edit fixes one copy and not the other.

## Example
```yaml
tolerations:
- {key: mykey, operator: Equal, value: myvalue, effect: NoSchedule}
- {key: mykey, operator: Equal, value: myvalue, effect: NoSchedule}
```

## Fix
Remove the second copy.
"#,
    check: Check::Pod(check),
};

fn check(cx: &PodCtx, out: &mut Vec<Finding>) {
    let mut report = |what: &str, (a_node, a_route): (_, &_), (b_node, b_route): (_, &_)| {
        out.push(
            cx.finding(
                &RULE,
                b_node,
                b_route,
                format!("duplicate {what}: the same entry appears earlier"),
            )
            .primary_label("duplicate")
            .related(cx.label(a_node, a_route, "first here"))
            .help("remove one copy"),
        );
    };
    let tols = cx.view.tolerations();
    for (i, t) in tols.iter().enumerate() {
        if let Some(first) = tols[..i].iter().find(|o| o.tol == t.tol) {
            report("toleration", (first.node, &first.route), (t.node, &t.route));
        }
    }
    if let Some(req) = &cx.view.required {
        for (i, t) in req.terms.iter().enumerate() {
            if t.exprs.is_empty() && t.fields.is_empty() {
                continue;
            }
            if let Some(first) = req.terms[..i].iter().find(|o| o.term == t.term) {
                report(
                    "required node-selector term",
                    (first.node, &first.route),
                    (t.node, &t.route),
                );
            }
        }
    }
    let prefs = cx.view.preferred();
    for (i, p) in prefs.iter().enumerate() {
        if let Some(first) = prefs[..i].iter().find(|o| o.term == p.term) {
            report(
                "preferred term",
                (first.node, &first.route),
                (p.node, &p.route),
            );
        }
    }
}
