use crate::check::near::requirement_miss;
use crate::check::{Finding, PodCtx, Severity};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "unrelated-required-term",
    severity: Severity::Warning,
    summary: "A required term selects neither the ECS pool nor virtual nodes, widening where pods may land",
    explanation: r#"
## What it does
Reports a required `nodeSelectorTerms` entry that selects neither the ECS node(s) nor virtual
nodes (and is not a near miss of either, which other rules report).

## Why is this bad?
Terms are ORed: an extra term lets gateway pods onto whatever nodes it matches, next to the two
pools the overflow setup is about. That may be intended (a second node group), so this is a
warning; `spillway apply` keeps such a term and says so.

## Example
```yaml
nodeSelectorTerms:
- matchExpressions: [{key: mykey4pod, operator: In, values: [asmgateway]}]
- matchExpressions: [{key: type, operator: In, values: [virtual-kubelet]}]
- matchExpressions: [{key: zone, operator: In, values: [cn-hangzhou-k]}]
```

## Fix
Remove the term, or suppress the finding if the extra node group is intended.
"#,
    check: Check::Pod(check),
};

fn check(cx: &PodCtx, out: &mut Vec<Finding>) {
    let Some(req) = &cx.view.required else { return };
    let (Some(e), Some(v)) = (cx.facts.ecs.label(), cx.facts.virt.label()) else {
        return;
    };
    for (t, f) in req.terms.iter().zip(&cx.facts.terms) {
        if f.ecs || f.virt || f.mentions_ecs || f.mentions_virt || f.impossible.is_some() {
            continue;
        }
        let about_a_pool = |r: &crate::check::view::ReqView| {
            requirement_miss(r, e).is_some()
                || requirement_miss(r, v).is_some()
                || r.req.key == e.key
                || r.req.key == v.key
        };
        // A term about a pool's label is the pool rules' to report; one the apiserver rejects is
        // invalid-node-affinity's.
        if t.exprs.iter().any(about_a_pool) || !crate::k8s::validate_term(&t.term, true).is_empty()
        {
            continue;
        }
        if cx.facts.has_type_error_under(&t.route) {
            continue;
        }
        out.push(
            cx.finding(
                &RULE,
                t.node,
                &t.route,
                format!("required term selects neither the ECS node(s) (`{e}`) nor virtual nodes (`{v}`): gateway pods may also land on whatever it matches"),
            )
            .primary_label("this term selects other nodes")
            .help("remove the term unless that node group is meant to host the gateway"),
        );
    }
}
