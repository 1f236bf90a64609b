use crate::check::{Finding, PodCtx, Severity};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "wrong-type",
    severity: Severity::Error,
    summary:
        "A scheduling field has the wrong YAML type (weight: \"eighty\", values: asmgateway, ...)",
    explanation: r#"
## What it does
Checks the types of the fields it reads against the Kubernetes schema: `tolerations`,
`nodeSelectorTerms`, `matchExpressions` and `values` are lists; `affinity`, `nodeAffinity`,
`preference` and `nodeSelector` are mappings; `weight` and `tolerationSeconds` are integers;
keys, operators, values and effects are strings (an unquoted `8` or `true` is not a string).

## Why is this bad?
The apiserver cannot decode the object and rejects it (`kubectl apply` fails with
"cannot unmarshal ..."). Nothing else in the block can be checked until the type is right, so
spillway's other rules stay quiet about that field.

## Example
```yaml
- weight: "eighty"
  preference: {matchExpressions: [{key: mykey4pod, operator: In, values: asmgateway}]}
```

## Fix
```yaml
- weight: 80
  preference: {matchExpressions: [{key: mykey4pod, operator: In, values: [asmgateway]}]}
```
"#,
    check: Check::Pod(check),
};

fn check(cx: &PodCtx, out: &mut Vec<Finding>) {
    for e in &cx.view.type_errors {
        let name = e.route.tail();
        let help = match (e.expected, e.found) {
            ("a list", _) => format!("write `{name}` as a list, e.g. `{name}: [...]`"),
            ("an integer", "a string") => "write the number without quotes".to_string(),
            ("a string", _) => {
                "quote the value so YAML reads it as a string, e.g. \"8\"".to_string()
            }
            _ => format!("`{name}` must be {}", e.expected),
        };
        out.push(
            cx.finding(
                &RULE,
                e.node,
                &e.route,
                format!(
                    "`{name}` must be {}, found {}: the apiserver cannot decode the object",
                    e.expected, e.found
                ),
            )
            .primary_label(format!("expected {}", e.expected))
            .help(help),
        );
    }
}
