use crate::check::{Finding, PodCtx, Severity};
use crate::k8s;
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "invalid-toleration",
    severity: Severity::Error,
    summary: "A toleration the apiserver rejects (e.g. an empty key with operator Equal)",
    explanation: r#"
## What it does
Validates every toleration as the apiserver does (pkg/apis/core/validation): a non-empty key
must be a qualified name; an empty key requires `Exists`; the operator must be `Equal`, `Exists`
or empty; `Exists` forbids a value and `Equal` needs a valid label value; the effect must be
empty, `NoSchedule`, `PreferNoSchedule` or `NoExecute`; `tolerationSeconds` needs `NoExecute`.

## Why is this bad?
The apiserver rejects the whole object: the gateway is not created or not updated. One
published version of the overflow procedure prints the virtual-node toleration without its key
(`{operator: Equal, value: alibabacloud, effect: NoSchedule}`), which fails exactly so.

## Example
```yaml
tolerations:
- {operator: Equal, value: alibabacloud, effect: NoSchedule}
```

## Fix
```yaml
- {key: virtual-kubelet.io/provider, operator: Equal, value: alibabacloud, effect: NoSchedule}
```
"#,
    check: Check::Pod(check),
};

fn check(cx: &PodCtx, out: &mut Vec<Finding>) {
    let gates = cx.facts.gates;
    for t in cx.view.tolerations() {
        if cx.facts.has_type_error_under(&t.route) {
            continue;
        }
        for e in k8s::validate_toleration(&t.tol, &gates) {
            let field = e.field().unwrap_or("");
            let at = match field {
                "key" => t.key.as_ref(),
                "operator" => t.operator.as_ref(),
                "value" => t.value.as_ref(),
                "effect" => t.effect.as_ref(),
                _ => None,
            };
            let (node, route) = match (at, field) {
                (Some(s), _) => (s.node, s.route.clone()),
                (None, "tolerationSeconds") => t
                    .seconds
                    .as_ref()
                    .map_or((t.node, t.route.clone()), |s| (s.node, s.route.clone())),
                _ => (t.node, t.route.clone()),
            };
            let key_missing = t.tol.key.as_deref().unwrap_or("").is_empty();
            let help = match (&cx.facts.virt.taint(), t.tol.value.as_deref()) {
                (Some(vt), Some(v)) if key_missing && field == "operator" && v == vt.value => format!(
                    "this is the virtual-node toleration with its key missing: add `key: {}`",
                    vt.key
                ),
                _ if key_missing && field == "operator" => {
                    "set the key of the taint to tolerate, or use `operator: Exists` without a value to tolerate every taint".into()
                }
                _ => match field {
                    "key" => "use a label key such as `mykey` or `example.com/mykey`".into(),
                    "operator" if t.tol.operator.as_deref() == Some("Exists") => {
                        "remove the value: `Exists` tolerates every value of the key".into()
                    }
                    "operator" => "use `Equal` with a value, or `Exists` without one".into(),
                    "effect" => "use NoSchedule, PreferNoSchedule or NoExecute, or leave effect empty to match every effect".into(),
                    "tolerationSeconds" => "tolerationSeconds only applies to NoExecute: set `effect: NoExecute` or remove tolerationSeconds".into(),
                    _ => "fix the field: the apiserver rejects the whole object".into(),
                },
            };
            // Upstream's "not supported" text does not name the field; say which one.
            let what = if matches!(e.kind, k8s::FieldErrorKind::NotSupported) {
                format!("`{field}`: {}", e.message)
            } else {
                e.message.clone()
            };
            out.push(
                cx.finding(
                    &RULE,
                    node,
                    &route,
                    format!("the apiserver rejects this toleration: {what}"),
                )
                .primary_label(format!("{}: {}", e.path_string(), e.kind.as_str()))
                .help(help),
            );
        }
    }
}
