use crate::check::Severity;
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "unused-ignore",
    severity: Severity::Warning,
    summary:
        "A `# spillway: ignore[...]` comment or `spillway.dev/ignore` annotation suppresses nothing",
    explanation: r#"
## What it does
Reports each rule named in a suppression that suppressed no finding: the comment
`# spillway: ignore[RULE,...]` (on a line of the finding's span or the line before it) or the
annotation `spillway.dev/ignore: RULE,...` on an object. A name that is not a rule is reported
too.

## Why is this bad?
A stale suppression hides the next mistake of that rule on those lines. When the manifest was
fixed, the suppression should go with the mistake.

## Example
```yaml
tolerations:  # spillway: ignore[ecs-taint-not-tolerated]
- {key: mykey, operator: Equal, value: myvalue, effect: NoSchedule}
```

## Fix
Remove the suppression (or the rule name from its list).
"#,
    check: Check::Suppression,
};
