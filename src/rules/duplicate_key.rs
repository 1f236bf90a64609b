use crate::check::{DocCtx, Finding, Label, Severity};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "duplicate-key",
    severity: Severity::Error,
    summary: "A mapping key appears twice in a gateway's document",
    explanation: r#"
## What it does
Reports a key repeated in the same mapping anywhere in a document that holds a gateway.

## Why is this bad?
YAML forbids duplicate keys. `kubectl apply` with the apiserver's strict field validation (the
default since Kubernetes 1.27) rejects the object; lenient readers silently keep the last value,
so the `tolerations` you read first may not be the ones that are applied. spillway reports it as
an error and checks the first occurrence, like a reader that stops at the first key.

## Example
```yaml
spec:
  tolerations: [...]
  replicaCount: 2
  tolerations: [...]
```

## Fix
Merge the two entries into one.
"#,
    check: Check::Doc(check),
};

fn check(cx: &DocCtx, out: &mut Vec<Finding>) {
    if cx.targets.is_empty() {
        return;
    }
    for (dup, first) in &cx.doc.duplicate_keys {
        let name = cx.doc.scalar(*dup).unwrap_or("");
        out.push(Finding {
            rule: &RULE,
            severity: RULE.severity,
            message: format!("duplicate key `{name}`: the apiserver's strict field validation rejects the object"),
            help: Some("keep one entry; lenient clients silently apply the last one".into()),
            primary: Label {
                span: cx.doc.span(*dup),
                message: "repeated here".into(),
                path: None,
            },
            related: vec![Label {
                span: cx.doc.span(*first),
                message: "first defined here".into(),
                path: None,
            }],
            document: cx.doc.index,
            object: Some(cx.targets[0].object.clone()),
        });
    }
}
