//! Apiserver validation of tolerations and node affinity (`pkg/apis/core/validation/validation.go`) and the
//! name rules it uses (`k8s.io/apimachinery/pkg/util/validation`).
//!
//! Errors come in the order upstream appends them, with paths relative to the validated object.

use std::collections::BTreeMap;

use super::taints::is_decimal_integer;
use super::{
    FieldError, FieldErrorKind, Gates, PathSeg, PreferredTerm, Requirement, Term, Toleration,
    EFFECT_NO_EXECUTE, EFFECT_NO_SCHEDULE, EFFECT_PREFER_NO_SCHEDULE, OBJECT_NAME_FIELD,
};

const QUALIFIED_NAME_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const QUALIFIED_NAME_ERR_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const QUALIFIED_NAME_MAX_LENGTH: usize = 63;
const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const LABEL_VALUE_ERR_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_MAX_LENGTH: usize = 63;
const DNS1123_SUBDOMAIN_FMT: &str =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1123_SUBDOMAIN_ERR_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_MAX_LENGTH: usize = 253;

/// apimachinery `EmptyError()`.
fn empty_error() -> &'static str {
    "must be non-empty"
}

/// apimachinery `MaxLenError(n)`.
fn max_len_error(n: usize) -> String {
    format!("must be no more than {n} characters")
}

/// apimachinery `RegexError(msg, fmt, examples...)`, including its double space before "or".
fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    if examples.is_empty() {
        return format!("{msg} (regex used for validation is '{fmt}')");
    }
    let mut out = format!("{msg} (e.g. ");
    for (i, ex) in examples.iter().enumerate() {
        if i > 0 {
            out.push_str(" or ");
        }
        out.push('\'');
        out.push_str(ex);
        out.push_str("', ");
    }
    out.push_str("regex used for validation is '");
    out.push_str(fmt);
    out.push_str("')");
    out
}

/// `^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`: non-empty, ASCII alphanumerics, `-`, `_`, `.`, starting
/// and ending alphanumeric.
fn matches_qualified_name_part(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) => {
            f.is_ascii_alphanumeric()
                && l.is_ascii_alphanumeric()
                && b.iter()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

/// `^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`.
fn matches_dns1123_subdomain(s: &str) -> bool {
    s.split('.').all(|label| {
        let b = label.as_bytes();
        match (b.first(), b.last()) {
            (Some(f), Some(l)) => {
                let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
                alnum(f) && alnum(l) && b.iter().all(|c| alnum(c) || *c == b'-')
            }
            _ => false,
        }
    })
}

/// Every reason `s` is not a qualified name (label key), empty when it is one. Mirrors apimachinery
/// `IsQualifiedName`: an optional DNS-1123-subdomain prefix (at most 253 characters) and `/`, then a name
/// of at most 63 characters (bytes, as Go's `len`) of alphanumerics, `-`, `_`, `.`, starting and ending
/// alphanumeric. Messages are upstream's.
pub fn qualified_name_errors(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let parts: Vec<&str> = s.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push(format!("prefix part {}", empty_error()));
            } else {
                errs.extend(
                    dns1123_subdomain_errors(prefix)
                        .into_iter()
                        .map(|m| format!("prefix part {m}")),
                );
            }
            *name
        }
        _ => {
            errs.push(format!(
                "a qualified name {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(
                    QUALIFIED_NAME_ERR_MSG,
                    QUALIFIED_NAME_FMT,
                    &["MyName", "my.name", "123-abc"]
                )
            ));
            return errs;
        }
    };
    if name.is_empty() {
        errs.push(format!("name part {}", empty_error()));
    } else if name.len() > QUALIFIED_NAME_MAX_LENGTH {
        errs.push(format!(
            "name part {}",
            max_len_error(QUALIFIED_NAME_MAX_LENGTH)
        ));
    }
    if !matches_qualified_name_part(name) {
        errs.push(format!(
            "name part {}",
            regex_error(
                QUALIFIED_NAME_ERR_MSG,
                QUALIFIED_NAME_FMT,
                &["MyName", "my.name", "123-abc"]
            )
        ));
    }
    errs
}

/// Is `s` a qualified name (a valid label key)? `Err` says why (upstream's messages joined with `"; "`).
/// Mirrors apimachinery `IsQualifiedName`; see [`qualified_name_errors`].
pub fn is_qualified_name(s: &str) -> Result<(), String> {
    join_errors(qualified_name_errors(s))
}

/// Every reason `s` is not a valid label value, empty when it is one. Mirrors apimachinery
/// `IsValidLabelValue`: empty, or at most 63 characters of alphanumerics, `-`, `_`, `.`, starting and
/// ending alphanumeric.
pub fn label_value_errors(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > LABEL_VALUE_MAX_LENGTH {
        errs.push(max_len_error(LABEL_VALUE_MAX_LENGTH));
    }
    if !s.is_empty() && !matches_qualified_name_part(s) {
        errs.push(regex_error(
            LABEL_VALUE_ERR_MSG,
            LABEL_VALUE_FMT,
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

/// Is `s` a valid label value? `Err` says why. Mirrors apimachinery `IsValidLabelValue`.
pub fn is_valid_label_value(s: &str) -> Result<(), String> {
    join_errors(label_value_errors(s))
}

/// Every reason `s` is not a lowercase RFC 1123 subdomain (at most 253 characters). Mirrors apimachinery
/// `IsDNS1123Subdomain` (used for label key prefixes and node names).
pub fn dns1123_subdomain_errors(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > DNS1123_SUBDOMAIN_MAX_LENGTH {
        errs.push(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH));
    }
    if !matches_dns1123_subdomain(s) {
        errs.push(regex_error(
            DNS1123_SUBDOMAIN_ERR_MSG,
            DNS1123_SUBDOMAIN_FMT,
            &["example.com"],
        ));
    }
    errs
}

/// Is `s` a lowercase RFC 1123 subdomain? Mirrors apimachinery `IsDNS1123Subdomain`.
pub fn is_dns1123_subdomain(s: &str) -> Result<(), String> {
    join_errors(dns1123_subdomain_errors(s))
}

fn join_errors(errs: Vec<String>) -> Result<(), String> {
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("; "))
    }
}

fn at(prefix: &[PathSeg], tail: &[PathSeg]) -> Vec<PathSeg> {
    let mut p = Vec::with_capacity(prefix.len() + tail.len());
    p.extend_from_slice(prefix);
    p.extend_from_slice(tail);
    p
}

fn quoted_list(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("{v:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn not_supported(path: Vec<PathSeg>, value: &str, supported: &[&str]) -> FieldError {
    FieldError::new(
        path,
        FieldErrorKind::NotSupported,
        format!("{value:?}: supported values: {}", quoted_list(supported)),
    )
}

/// Validates one toleration. Mirrors `ValidateTolerations` for a single item, in upstream's order:
/// 1. a non-empty `key` must be a qualified name (`ValidateLabelName`, path `key`, one error per reason);
/// 2. an empty `key` needs operator `Exists` (path `operator`);
/// 3. `tolerationSeconds` needs effect `NoExecute`, an empty effect included (path `effect`);
/// 4. operator `""`/`Equal`: `value` must be a label value (path `operator`, reasons joined with `;`);
///    `Exists`: `value` must be empty (path `operator`); `Lt`/`Gt` with the
///    `TaintTolerationComparisonOperators` gate on: `value` must be a canonical decimal integer
///    (`content.IsDecimalInteger`, path `value`); anything else (including `Lt`/`Gt` with the gate off):
///    not supported (path `operator`);
/// 5. a non-empty `effect` must be `NoSchedule`, `PreferNoSchedule` or `NoExecute` (`validateTaintEffect`).
pub fn validate_toleration(t: &Toleration, gates: &Gates) -> Vec<FieldError> {
    validate_toleration_at(t, gates, &[])
}

/// Validates a list of tolerations with paths `[i, ...]`. Mirrors `ValidateTolerations`.
pub fn validate_tolerations(ts: &[Toleration], gates: &Gates) -> Vec<FieldError> {
    ts.iter()
        .enumerate()
        .flat_map(|(i, t)| validate_toleration_at(t, gates, &[PathSeg::Index(i)]))
        .collect()
}

fn validate_toleration_at(t: &Toleration, gates: &Gates, base: &[PathSeg]) -> Vec<FieldError> {
    let key = t.key.as_deref().unwrap_or("");
    let operator = t.operator.as_deref().unwrap_or("");
    let value = t.value.as_deref().unwrap_or("");
    let effect = t.effect.as_deref().unwrap_or("");
    let key_path = || at(base, &[PathSeg::Key("key")]);
    let operator_path = || at(base, &[PathSeg::Key("operator")]);
    let value_path = || at(base, &[PathSeg::Key("value")]);
    let effect_path = || at(base, &[PathSeg::Key("effect")]);
    let mut errs = Vec::new();

    if !key.is_empty() {
        for msg in qualified_name_errors(key) {
            errs.push(FieldError::new(key_path(), FieldErrorKind::Invalid, msg));
        }
    }
    if key.is_empty() && operator != "Exists" {
        errs.push(FieldError::new(
            operator_path(),
            FieldErrorKind::Invalid,
            "operator must be Exists when `key` is empty, which means \"match all values and all keys\"",
        ));
    }
    if t.toleration_seconds.is_some() && effect != EFFECT_NO_EXECUTE {
        errs.push(FieldError::new(
            effect_path(),
            FieldErrorKind::Invalid,
            "effect must be 'NoExecute' when `tolerationSeconds` is set",
        ));
    }
    match operator {
        "" | "Equal" => {
            let msgs = label_value_errors(value);
            if !msgs.is_empty() {
                errs.push(FieldError::new(
                    operator_path(),
                    FieldErrorKind::Invalid,
                    msgs.join(";"),
                ));
            }
        }
        "Exists" => {
            if !value.is_empty() {
                errs.push(FieldError::new(
                    operator_path(),
                    FieldErrorKind::Invalid,
                    "value must be empty when `operator` is 'Exists'",
                ));
            }
        }
        "Lt" | "Gt" if gates.taint_toleration_comparison_operators => {
            if !is_decimal_integer(value) {
                errs.push(FieldError::new(
                    value_path(),
                    FieldErrorKind::Invalid,
                    "must be a valid decimal integer in canonical form",
                ));
            }
        }
        other => {
            let supported: &[&str] = if gates.taint_toleration_comparison_operators {
                &["Equal", "Exists", "Lt", "Gt"]
            } else {
                &["Equal", "Exists"]
            };
            errs.push(not_supported(operator_path(), other, supported));
        }
    }
    if !effect.is_empty()
        && ![
            EFFECT_NO_SCHEDULE,
            EFFECT_PREFER_NO_SCHEDULE,
            EFFECT_NO_EXECUTE,
        ]
        .contains(&effect)
    {
        errs.push(not_supported(
            effect_path(),
            effect,
            &[
                EFFECT_NO_SCHEDULE,
                EFFECT_PREFER_NO_SCHEDULE,
                EFFECT_NO_EXECUTE,
            ],
        ));
    }
    errs
}

/// Validates a `matchExpressions` requirement. Mirrors `ValidateNodeSelectorRequirement(rq,
/// allowInvalidLabelValueInRequiredNodeAffinity = !in_required, ...)`, in upstream's order:
/// operator/values (`In`/`NotIn`: at least one value, Required; `Exists`/`DoesNotExist`: none, Forbidden;
/// `Gt`/`Lt`: exactly one, Required; other operator: Invalid `operator`), then the key
/// (`ValidateLabelName`), then, when `in_required`, every value as a label value (path `values[i]`).
/// A `Gt`/`Lt` value is not checked to be an integer (upstream does not either).
pub fn validate_requirement(r: &Requirement, in_required: bool) -> Vec<FieldError> {
    validate_requirement_at(r, in_required, &[])
}

fn validate_requirement_at(
    r: &Requirement,
    in_required: bool,
    base: &[PathSeg],
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let values_path = || at(base, &[PathSeg::Key("values")]);
    match r.operator.as_str() {
        "In" | "NotIn" => {
            if r.values.is_empty() {
                errs.push(FieldError::new(
                    values_path(),
                    FieldErrorKind::Required,
                    "must be specified when `operator` is 'In' or 'NotIn'",
                ));
            }
        }
        "Exists" | "DoesNotExist" => {
            if !r.values.is_empty() {
                errs.push(FieldError::new(
                    values_path(),
                    FieldErrorKind::Forbidden,
                    "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                ));
            }
        }
        "Gt" | "Lt" => {
            if r.values.len() != 1 {
                errs.push(FieldError::new(
                    values_path(),
                    FieldErrorKind::Required,
                    "must be specified single value when `operator` is 'Lt' or 'Gt'",
                ));
            }
        }
        _ => errs.push(FieldError::new(
            at(base, &[PathSeg::Key("operator")]),
            FieldErrorKind::Invalid,
            "not a valid selector operator",
        )),
    }
    for msg in qualified_name_errors(&r.key) {
        errs.push(FieldError::new(
            at(base, &[PathSeg::Key("key")]),
            FieldErrorKind::Invalid,
            msg,
        ));
    }
    if in_required {
        for (i, v) in r.values.iter().enumerate() {
            for msg in label_value_errors(v) {
                errs.push(FieldError::new(
                    at(base, &[PathSeg::Key("values"), PathSeg::Index(i)]),
                    FieldErrorKind::Invalid,
                    msg,
                ));
            }
        }
    }
    errs
}

/// Validates a `matchFields` requirement. Mirrors `ValidateNodeFieldSelectorRequirement`: operator `In` or
/// `NotIn` with exactly one value (else Required `values`; other operators Invalid `operator`), then the
/// key must be `metadata.name` (Invalid `key`), whose values must be node names (`ValidateNodeName`:
/// DNS-1123 subdomains, path `values[i]`).
pub fn validate_field_requirement(r: &Requirement) -> Vec<FieldError> {
    validate_field_requirement_at(r, &[])
}

fn validate_field_requirement_at(r: &Requirement, base: &[PathSeg]) -> Vec<FieldError> {
    let mut errs = Vec::new();
    match r.operator.as_str() {
        "In" | "NotIn" => {
            if r.values.len() != 1 {
                errs.push(FieldError::new(
                    at(base, &[PathSeg::Key("values")]),
                    FieldErrorKind::Required,
                    "must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
                ));
            }
        }
        _ => errs.push(FieldError::new(
            at(base, &[PathSeg::Key("operator")]),
            FieldErrorKind::Invalid,
            "not a valid selector operator",
        )),
    }
    if r.key != OBJECT_NAME_FIELD {
        errs.push(FieldError::new(
            at(base, &[PathSeg::Key("key")]),
            FieldErrorKind::Invalid,
            "not a valid field selector key",
        ));
    } else {
        for (i, v) in r.values.iter().enumerate() {
            for msg in dns1123_subdomain_errors(v) {
                errs.push(FieldError::new(
                    at(base, &[PathSeg::Key("values"), PathSeg::Index(i)]),
                    FieldErrorKind::Invalid,
                    msg,
                ));
            }
        }
    }
    errs
}

/// Validates one node selector term with paths `matchExpressions[j]...` / `matchFields[j]...`. Mirrors
/// `ValidateNodeSelectorTerm`; `in_required` = label values are checked (required affinity). An empty
/// term is valid.
pub fn validate_term(term: &Term, in_required: bool) -> Vec<FieldError> {
    validate_term_at(term, in_required, &[])
}

fn validate_term_at(term: &Term, in_required: bool, base: &[PathSeg]) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for (j, r) in term.match_expressions.iter().enumerate() {
        let p = at(base, &[PathSeg::Key("matchExpressions"), PathSeg::Index(j)]);
        errs.extend(validate_requirement_at(r, in_required, &p));
    }
    for (j, r) in term.match_fields.iter().enumerate() {
        let p = at(base, &[PathSeg::Key("matchFields"), PathSeg::Index(j)]);
        errs.extend(validate_field_requirement_at(r, &p));
    }
    errs
}

/// Validates `requiredDuringSchedulingIgnoredDuringExecution`. Mirrors `ValidateNodeSelector` (label values
/// checked): at least one term (Required `nodeSelectorTerms`), then each term at `nodeSelectorTerms[i]`.
pub fn validate_required(terms: &[Term]) -> Vec<FieldError> {
    if terms.is_empty() {
        return vec![FieldError::new(
            vec![PathSeg::Key("nodeSelectorTerms")],
            FieldErrorKind::Required,
            "must have at least one node selector term",
        )];
    }
    terms
        .iter()
        .enumerate()
        .flat_map(|(i, t)| {
            validate_term_at(
                t,
                true,
                &[PathSeg::Key("nodeSelectorTerms"), PathSeg::Index(i)],
            )
        })
        .collect()
}

/// Validates one preferred scheduling term. Mirrors one item of `ValidatePreferredSchedulingTerms`:
/// `weight` in 1..=100 (Invalid `weight`), then the `preference` term without the label value check
/// (upstream always allows invalid label values in preferred terms).
pub fn validate_preferred(p: &PreferredTerm) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if p.weight <= 0 || p.weight > 100 {
        errs.push(FieldError::new(
            vec![PathSeg::Key("weight")],
            FieldErrorKind::Invalid,
            "must be in the range 1-100",
        ));
    }
    errs.extend(validate_term_at(
        &p.preference,
        false,
        &[PathSeg::Key("preference")],
    ));
    errs
}

/// Validates a label map such as a pod's `nodeSelector`. Mirrors `unversionedvalidation.ValidateLabels`:
/// keys must be qualified names, values label values; like upstream, errors carry the map's own path
/// (empty here), and come in key order.
pub fn validate_labels(labels: &BTreeMap<String, String>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for (k, v) in labels {
        for msg in qualified_name_errors(k) {
            errs.push(FieldError::new(
                vec![],
                FieldErrorKind::Invalid,
                format!("{k:?}: {msg}"),
            ));
        }
        for msg in label_value_errors(v) {
            errs.push(FieldError::new(
                vec![],
                FieldErrorKind::Invalid,
                format!("{v:?}: {msg}"),
            ));
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_field(errs: &[FieldError]) -> Option<&'static str> {
        errs.first().and_then(FieldError::field)
    }

    #[test]
    fn qualified_name_with_prefix() {
        assert!(is_qualified_name("virtual-kubelet.io/provider").is_ok());
        assert!(is_qualified_name("k8s.aliyun.com/vnode").is_ok());
        assert!(is_qualified_name("alibabacloud.com/eci").is_ok());
        assert!(is_qualified_name("a/b").is_ok());
        assert!(is_qualified_name("MyName").is_ok());
        assert!(is_qualified_name("my_name.x-y").is_ok());
        // Prefix must be a lowercase DNS subdomain.
        let e = is_qualified_name("Example.com/name").unwrap_err();
        assert!(
            e.starts_with("prefix part a lowercase RFC 1123 subdomain"),
            "{e}"
        );
        assert!(is_qualified_name("/name")
            .unwrap_err()
            .contains("prefix part must be non-empty"));
        assert!(is_qualified_name("-a.com/name").is_err());
        assert!(is_qualified_name("a..com/name").is_err());
        // Name part must be non-empty and well-formed.
        let e = qualified_name_errors("example.com/");
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(e[0], "name part must be non-empty");
        assert!(is_qualified_name("a/b/c")
            .unwrap_err()
            .starts_with("a qualified name must consist"));
        for bad in ["", "my key", "-bad", "bad-", "_x", "x.", "ü", "a:b"] {
            assert!(is_qualified_name(bad).is_err(), "{bad}");
        }
        // Upstream's RegexError spelling, double spaces included.
        assert_eq!(
            qualified_name_errors("-bad"),
            vec!["name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')".to_string()]
        );
    }

    #[test]
    fn length_limits_63_64_253() {
        let a63 = "a".repeat(63);
        let a64 = "a".repeat(64);
        assert!(is_qualified_name(&a63).is_ok());
        assert_eq!(
            is_qualified_name(&a64).unwrap_err(),
            "name part must be no more than 63 characters"
        );
        assert!(is_valid_label_value(&a63).is_ok());
        assert_eq!(
            is_valid_label_value(&a64).unwrap_err(),
            "must be no more than 63 characters"
        );
        assert!(is_valid_label_value("").is_ok());
        // The 63 limit applies to the name part only; the prefix may be up to 253.
        let prefix253 = format!(
            "{}.{}.{}.{}",
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(61)
        );
        assert_eq!(prefix253.len(), 253);
        assert!(is_qualified_name(&format!("{prefix253}/{a63}")).is_ok());
        let prefix254 = format!("{prefix253}e");
        assert!(is_qualified_name(&format!("{prefix254}/x"))
            .unwrap_err()
            .contains("prefix part must be no more than 253 characters"));
        // Bytes, not chars, as Go's len(): non-ASCII fails the pattern anyway.
        assert_eq!(label_value_errors(&"é".repeat(32)).len(), 2);
    }

    #[test]
    fn dns_subdomain_rules() {
        for ok in [
            "node1",
            "a.b.c",
            "cn-hangzhou.192.168.0.1",
            "virtual-kubelet-cn-hangzhou-k",
        ] {
            assert!(is_dns1123_subdomain(ok).is_ok(), "{ok}");
        }
        for bad in ["", "Node1", "a..b", ".a", "a.", "-a", "a-", "a_b"] {
            assert!(is_dns1123_subdomain(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn toleration_gate_on_accepts_lt_gt_with_integer_values() {
        let on = Gates {
            taint_toleration_comparison_operators: true,
        };
        let t = |op: &str, v: &str| Toleration {
            key: Some("sla".into()),
            operator: Some(op.into()),
            value: Some(v.into()),
            effect: Some("NoSchedule".into()),
            toleration_seconds: None,
        };
        assert!(validate_toleration(&t("Gt", "950"), &on).is_empty());
        assert!(validate_toleration(&t("Lt", "-5"), &on).is_empty());
        assert!(validate_toleration(&t("Lt", "0"), &on).is_empty());
        for bad in ["0950", "high", "", "+1", "9.5"] {
            let errs = validate_toleration(&t("Gt", bad), &on);
            assert_eq!(first_field(&errs), Some("value"), "{bad}: {errs:?}");
        }
        // Gate off: operator not supported, listing only Equal and Exists.
        let errs = validate_toleration(&t("Gt", "950"), &Gates::default());
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].kind, FieldErrorKind::NotSupported);
        assert_eq!(
            errs[0].message,
            "\"Gt\": supported values: \"Equal\", \"Exists\""
        );
        // Gate on, other operators list all four.
        let errs = validate_toleration(&t("In", "x"), &on);
        assert!(errs[0]
            .message
            .ends_with("\"Equal\", \"Exists\", \"Lt\", \"Gt\""));
    }

    #[test]
    fn toleration_error_order_and_paths() {
        let t = Toleration {
            key: Some("my key".into()),
            operator: Some("Exists".into()),
            value: Some("v".into()),
            effect: Some("Sometimes".into()),
            toleration_seconds: Some(5),
        };
        let errs = validate_tolerations(std::slice::from_ref(&t), &Gates::default());
        let paths: Vec<String> = errs.iter().map(FieldError::path_string).collect();
        assert_eq!(
            paths,
            ["[0].key", "[0].effect", "[0].operator", "[0].effect"]
        );
        let errs = validate_toleration(
            &Toleration {
                operator: Some("Equal".into()),
                ..Toleration::default()
            },
            &Gates::default(),
        );
        assert_eq!(errs.len(), 1);
        assert_eq!(
            errs[0].message,
            "operator must be Exists when `key` is empty, which means \"match all values and all keys\""
        );
    }

    #[test]
    fn requirement_paths_and_order() {
        let r = Requirement {
            key: "-bad".into(),
            operator: "In".into(),
            values: vec!["ok".into(), "not ok".into()],
        };
        let errs = validate_requirement(&r, true);
        let paths: Vec<String> = errs.iter().map(FieldError::path_string).collect();
        assert_eq!(paths, ["key", "values[1]"]);
        assert_eq!(validate_requirement(&r, false).len(), 1);
        let term = Term {
            match_expressions: vec![r],
            match_fields: vec![Requirement {
                key: OBJECT_NAME_FIELD.into(),
                operator: "In".into(),
                values: vec!["Node_1".into()],
            }],
        };
        let errs = validate_required(std::slice::from_ref(&term));
        let paths: Vec<String> = errs.iter().map(FieldError::path_string).collect();
        assert_eq!(
            paths,
            [
                "nodeSelectorTerms[0].matchExpressions[0].key",
                "nodeSelectorTerms[0].matchExpressions[0].values[1]",
                "nodeSelectorTerms[0].matchFields[0].values[0]"
            ]
        );
        let errs = validate_preferred(&PreferredTerm {
            weight: 101,
            preference: term,
        });
        let paths: Vec<String> = errs.iter().map(FieldError::path_string).collect();
        assert_eq!(
            paths,
            [
                "weight",
                "preference.matchExpressions[0].key",
                "preference.matchFields[0].values[0]"
            ]
        );
        assert!(validate_preferred(&PreferredTerm {
            weight: 1,
            preference: Term::default()
        })
        .is_empty());
    }

    #[test]
    fn labels_map() {
        let mut m = BTreeMap::new();
        m.insert("type".to_string(), "virtual-kubelet".to_string());
        assert!(validate_labels(&m).is_empty());
        m.insert("bad key".to_string(), "bad value".to_string());
        assert_eq!(validate_labels(&m).len(), 2);
    }
}
