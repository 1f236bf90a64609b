use crate::check::{Finding, PodCtx, Severity};
use crate::k8s::{self, PathSeg};
use crate::read::yaml::{NodeId, Route, Seg};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "invalid-node-affinity",
    severity: Severity::Error,
    summary: "Node affinity the apiserver rejects (In without values, weight outside 1..100, ...)",
    explanation: r#"
## What it does
Validates required and preferred node affinity as the apiserver does: at least one
`nodeSelectorTerms` entry; requirement keys are label keys; `In`/`NotIn` need values,
`Exists`/`DoesNotExist` forbid them, `Gt`/`Lt` need exactly one; required terms need valid label
values; `matchFields` only on `metadata.name` with `In`/`NotIn` and one value; preferred
weights from 1 to 100.

## Why is this bad?
The apiserver rejects the whole object, so the gateway is not created or updated.

## Example
```yaml
- weight: 0
  preference: {matchExpressions: [{key: mykey4pod, operator: In}]}
```

## Fix
```yaml
- weight: 80
  preference: {matchExpressions: [{key: mykey4pod, operator: In, values: [asmgateway]}]}
```
"#,
    check: Check::Pod(check),
};

/// Follows a validation path from `base` as far as the document goes.
fn resolve(cx: &PodCtx, base: NodeId, route: &Route, path: &[PathSeg]) -> (NodeId, Route) {
    let (mut node, mut route) = (base, route.clone());
    for seg in path {
        let next = match seg {
            PathSeg::Key(k) => cx
                .doc
                .get(node, k)
                .map(|(_, v)| (v, Seg::Key((*k).to_owned()))),
            PathSeg::Index(i) => cx
                .doc
                .items(node)
                .and_then(|it| it.get(*i))
                .map(|v| (*v, Seg::Index(*i))),
        };
        let Some((n, s)) = next else { break };
        node = n;
        route.0.push(s);
    }
    (node, route)
}

fn check(cx: &PodCtx, out: &mut Vec<Finding>) {
    let mut push = |node: NodeId, route: Route, e: &k8s::FieldError, prefix: &str| {
        out.push(
            cx.finding(
                &RULE,
                node,
                &route,
                format!(
                    "invalid node affinity: {prefix}{}: {}",
                    e.path_string(),
                    e.message
                ),
            )
            .primary_label(format!("rejected: {}", e.kind.as_str()))
            .help("the apiserver rejects the object; see `spillway explain invalid-node-affinity`"),
        );
    };
    if let Some(req) = &cx.view.required {
        if req.terms.is_empty() && !cx.facts.has_type_error_under(&req.field.route) {
            for e in k8s::validate_required(&[]) {
                push(
                    req.field.key,
                    req.field.route.clone(),
                    &e,
                    &format!("{}.", req.field.route.dotted()),
                );
            }
        }
        for t in &req.terms {
            if cx.facts.has_type_error_under(&t.route) {
                continue;
            }
            for e in k8s::validate_term(&t.term, true) {
                let (n, r) = resolve(cx, t.node, &t.route, &e.path);
                push(n, r, &e, &format!("{}.", t.route.dotted()));
            }
        }
    }
    for p in cx.view.preferred() {
        if cx.facts.has_type_error_under(&p.route) {
            continue;
        }
        for e in k8s::validate_preferred(&p.term) {
            let (n, r) = resolve(cx, p.node, &p.route, &e.path);
            push(n, r, &e, &format!("{}.", p.route.dotted()));
        }
    }
}
