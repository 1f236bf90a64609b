use crate::check::{Finding, PodCtx, Severity};
use crate::rules::pool::{not_preferred, Which};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "virtual-not-preferred",
    severity: Severity::Warning,
    summary: "Preferred terms exist but none selects virtual nodes (or it has a typo)",
    explanation: r#"
## What it does
Checks that the preferred terms include one for virtual nodes (weight 20 in the documented
block), and reports a near miss on the field.

## Why is this bad?
Placement still works while ECS is preferred, so this is a warning; but a misspelt virtual
preference is dead configuration that hides the intent, and the documented block (which
`spillway apply` writes) weighs virtual nodes explicitly below ECS.

## Example
```yaml
- weight: 20
  preference: {matchExpressions: [{key: type, operator: In, values: [virtual-kublet]}]}
```

## Fix
```yaml
- weight: 20
  preference: {matchExpressions: [{key: type, operator: In, values: [virtual-kubelet]}]}
```
"#,
    check: Check::Pod(check),
};

fn check(cx: &PodCtx, out: &mut Vec<Finding>) {
    not_preferred(
        cx,
        &RULE,
        Which::Virt,
        "the documented block weighs virtual nodes below ECS explicitly",
        out,
    );
}
