use crate::check::{Finding, PodCtx, Severity};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "term-selects-nothing",
    severity: Severity::Error,
    summary: "A required node-affinity term can select no node (e.g. both pools ANDed in one term)",
    explanation: r#"
## What it does
Reports a `nodeSelectorTerms` entry that no node can satisfy: the ECS label and the virtual-node
label ANDed in one term, one key required with values that cannot hold at once, an empty term, a
`Gt`/`Lt` value that is not an integer (the scheduler cannot parse the term) and, with `--nodes`,
a term that no listed node satisfies.

## Why is this bad?
Requirements inside one term are ANDed; terms are ORed. No node carries both
`mykey4pod=asmgateway` and `type=virtual-kubelet`, so a term that requires both matches nothing,
and if it is the only term every pod stays Pending.

## Example
```yaml
nodeSelectorTerms:
- matchExpressions:
  - {key: mykey4pod, operator: In, values: [asmgateway]}
  - {key: type, operator: In, values: [virtual-kubelet]}
```

## Fix
Split it into two terms:
```yaml
nodeSelectorTerms:
- matchExpressions:
  - {key: mykey4pod, operator: In, values: [asmgateway]}
- matchExpressions:
  - {key: type, operator: In, values: [virtual-kubelet]}
```
"#,
    check: Check::Pod(check),
};

fn check(cx: &PodCtx, out: &mut Vec<Finding>) {
    let Some(req) = &cx.view.required else { return };
    for (t, f) in req.terms.iter().zip(&cx.facts.terms) {
        let Some(why) = &f.impossible else { continue };
        if cx.facts.has_type_error_under(&t.route) {
            continue;
        }
        let mut finding = cx
            .finding(
                &RULE,
                t.node,
                &t.route,
                format!("required node-affinity term can select no node: {why}"),
            )
            .primary_label("this term matches no node");
        finding = if f.mentions_ecs && f.mentions_virt {
            finding.help("split it into two terms (terms are ORed): one `matchExpressions` for the ECS label, one for the virtual-node label")
        } else {
            finding.help("fix or remove the term")
        };
        out.push(finding);
    }
}
