use crate::check::near::near;
use crate::check::{Finding, PodCtx, Severity};
use crate::pools::{Label, Origin};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "ecs-label-mismatch",
    severity: Severity::Error,
    summary: "The required and preferred terms name near-miss ECS labels: one of them is misspelt",
    explanation: r#"
## What it does
When no flag (`--ecs-label`) and no node inventory (`--nodes`) says which label the ECS node
carries, spillway reads it from the manifest. If the required term and the heaviest preferred
term name labels that are near misses of each other (`mykey4pod=asmgatway` and
`mykey4pod=asmgateway`), one of them is a typo, and spillway cannot tell which: it names both.

## Why is this bad?
The misspelt term selects no node. If it is the required one, pods never run on the ECS node
and every replica goes to ECI; if it is the preferred one, ECS is not preferred.

## Example
```yaml
requiredDuringSchedulingIgnoredDuringExecution:
  nodeSelectorTerms:
  - matchExpressions: [{key: mykey4pod, operator: In, values: [asmgatway]}]
preferredDuringSchedulingIgnoredDuringExecution:
- weight: 80
  preference: {matchExpressions: [{key: mykey4pod, operator: In, values: [asmgateway]}]}
```

## Fix
Correct the misspelt one. Passing `--ecs-label` (or `--nodes` with the cluster's nodes) lets
spillway point at it (`ecs-not-selected` or `ecs-not-preferred`), and `spillway apply` repair it.
"#,
    check: Check::Pod(check),
};

type Candidate = (Label, Origin);

/// The two disagreeing candidates, when they are near misses of each other.
pub fn near_pair(c: &[Candidate]) -> Option<(&Candidate, &Candidate)> {
    let [a, b] = c else { return None };
    let close = (a.0.key == b.0.key && near(&a.0.value, &b.0.value))
        || (a.0.value == b.0.value && near(&a.0.key, &b.0.key));
    close.then_some((a, b))
}

fn check(cx: &PodCtx, out: &mut Vec<Finding>) {
    if cx.facts.ecs.label.is_some() {
        return;
    }
    let Some(((ra, Origin::Inferred(na)), (rb, Origin::Inferred(nb)))) =
        near_pair(&cx.facts.ambiguous_labels)
    else {
        return;
    };
    let route = crate::read::yaml::Route::default();
    out.push(
        cx.finding(
            &RULE,
            *nb,
            &route,
            format!("the required term selects `{ra}` but the preferred term `{rb}`: one of them is misspelt, so either pods never run on the ECS node or ECS is not preferred"),
        )
        .primary_label(format!("`{rb}` here"))
        .related(cx.label(*na, &route, format!("`{ra}` here")))
        .help("correct the misspelt one; --ecs-label K=V (or --nodes) tells spillway which is right, and `spillway apply` then repairs the other"),
    );
}
