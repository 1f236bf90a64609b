//! Node selector matching: `matchExpressions`, `matchFields`, terms, preferred terms and a pod's
//! `nodeSelector` (`k8s.io/component-helpers` `scheduling/corev1/nodeaffinity`, on top of
//! `k8s.io/apimachinery` `pkg/labels` and `pkg/fields`).

use std::collections::BTreeMap;

use super::validation::{label_value_errors, qualified_name_errors};
use super::{Node, PreferredTerm, Requirement, Term, OBJECT_NAME_FIELD};

/// A `matchExpressions` requirement after upstream parsing.
enum LabelOp<'a> {
    In(&'a [String]),
    NotIn(&'a [String]),
    Exists,
    DoesNotExist,
    Gt(i64),
    Lt(i64),
}

/// Parses a `matchExpressions` requirement the way the scheduler does: the operator mapping of
/// `nodeSelectorRequirementsAsSelector`, then `labels.NewRequirement`, which checks the key
/// (`IsQualifiedName`), the number of values, that a `Gt`/`Lt` value is an integer (`strconv.ParseInt`),
/// and that every value is a valid label value. Any error makes the whole term unusable.
fn parse_label_requirement(r: &Requirement) -> Result<LabelOp<'_>, Vec<String>> {
    let mut errs = Vec::new();
    let op = match r.operator.as_str() {
        "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt" => r.operator.as_str(),
        other => {
            // nodeSelectorRequirementsAsSelector: NotSupported, and no NewRequirement for this one.
            return Err(vec![format!("operator: unsupported value {other:?}")]);
        }
    };
    for msg in qualified_name_errors(&r.key) {
        errs.push(format!("key: {msg}"));
    }
    let mut number = None;
    match op {
        "In" | "NotIn" => {
            if r.values.is_empty() {
                errs.push("values: for 'in', 'notin' operators, values set can't be empty".into());
            }
        }
        "Exists" | "DoesNotExist" => {
            if !r.values.is_empty() {
                errs.push("values: values set must be empty for exists and does not exist".into());
            }
        }
        _ => {
            if r.values.len() != 1 {
                errs.push("values: for 'Gt', 'Lt' operators, exactly one value is required".into());
            }
            for (i, v) in r.values.iter().enumerate() {
                match parse_go_int64(v) {
                    Some(n) => number = Some(n),
                    None => errs.push(format!(
                        "values[{i}]: for 'Gt', 'Lt' operators, the value must be an integer"
                    )),
                }
            }
        }
    }
    for (i, v) in r.values.iter().enumerate() {
        for msg in label_value_errors(v) {
            errs.push(format!("values[{i}]: {msg}"));
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(match op {
        "In" => LabelOp::In(&r.values),
        "NotIn" => LabelOp::NotIn(&r.values),
        "Exists" => LabelOp::Exists,
        "DoesNotExist" => LabelOp::DoesNotExist,
        "Gt" => LabelOp::Gt(number.expect("checked above")),
        _ => LabelOp::Lt(number.expect("checked above")),
    })
}

/// `labels.Requirement.Matches` for a parsed requirement.
fn label_op_matches(key: &str, op: &LabelOp<'_>, labels: &BTreeMap<String, String>) -> bool {
    let got = labels.get(key);
    match op {
        LabelOp::In(values) => got.is_some_and(|v| values.contains(v)),
        LabelOp::NotIn(values) => got.is_none_or(|v| !values.contains(v)),
        LabelOp::Exists => got.is_some(),
        LabelOp::DoesNotExist => got.is_none(),
        LabelOp::Gt(n) => got.and_then(|v| parse_go_int64(v)).is_some_and(|v| v > *n),
        LabelOp::Lt(n) => got.and_then(|v| parse_go_int64(v)).is_some_and(|v| v < *n),
    }
}

/// `strconv.ParseInt(s, 10, 64)`: optional sign, decimal digits, in range (Rust's `i64::from_str` has the
/// same grammar: no underscores, no whitespace, leading zeros allowed).
fn parse_go_int64(s: &str) -> Option<i64> {
    s.parse().ok()
}

/// Does one `matchExpressions` requirement hold for these node labels? Mirrors
/// `labels.NewRequirement(...)` + `Requirement.Matches` as used by `nodeaffinity`:
/// `In` (label present, value listed), `NotIn` (absent, or value not listed), `Exists`, `DoesNotExist`,
/// `Gt`/`Lt` (label present and, as an integer, greater/less than the single integer value).
///
/// A requirement upstream fails to parse (unknown operator, invalid key, wrong number of values,
/// non-integer `Gt`/`Lt` value, invalid label value) returns `false`: upstream drops the whole term, and a
/// term is an AND, so the term fails either way.
pub fn requirement_matches(r: &Requirement, labels: &BTreeMap<String, String>) -> bool {
    match parse_label_requirement(r) {
        Ok(op) => label_op_matches(&r.key, &op, labels),
        Err(_) => false,
    }
}

/// A `matchFields` requirement after `nodeSelectorRequirementsAsFieldSelector`.
enum FieldOp<'a> {
    Equal(&'a str),
    NotEqual(&'a str),
}

/// `nodeSelectorRequirementsAsFieldSelector`: only `In`/`NotIn`, exactly one value. The key is not
/// checked at match time (the apiserver only admits `metadata.name`).
fn parse_field_requirement(r: &Requirement) -> Result<FieldOp<'_>, String> {
    match r.operator.as_str() {
        "In" | "NotIn" if r.values.len() != 1 => Err("values: must have one element".into()),
        "In" => Ok(FieldOp::Equal(&r.values[0])),
        "NotIn" => Ok(FieldOp::NotEqual(&r.values[0])),
        other => Err(format!(
            "operator: unsupported value {other:?}; supported values: \"In\", \"NotIn\""
        )),
    }
}

/// `fields.Set.Get` on the node's fields (`extractNodeFields`: only `metadata.name`, and only when set).
fn node_field<'a>(node: &'a Node, key: &str) -> &'a str {
    if key == OBJECT_NAME_FIELD {
        &node.name
    } else {
        ""
    }
}

/// Why a term can never match (upstream `newNodeSelectorTerm` parse errors), empty when it parses.
/// The messages name the offending path relative to the term, e.g. `matchExpressions[0].values[0]: ...`.
pub fn term_parse_errors(term: &Term) -> Vec<String> {
    let mut out = Vec::new();
    for (j, r) in term.match_expressions.iter().enumerate() {
        if let Err(errs) = parse_label_requirement(r) {
            out.extend(
                errs.into_iter()
                    .map(|e| format!("matchExpressions[{j}].{e}")),
            );
        }
    }
    for (j, r) in term.match_fields.iter().enumerate() {
        if let Err(e) = parse_field_requirement(r) {
            out.push(format!("matchFields[{j}].{e}"));
        }
    }
    out
}

/// Does the node satisfy one `NodeSelectorTerm`? Mirrors `nodeaffinity` `newNodeSelectorTerm` +
/// `nodeSelectorTerm.match`:
/// - a term with no `matchExpressions` and no `matchFields` matches no node;
/// - a term that fails to parse (see [`requirement_matches`]; for `matchFields`: operator other than
///   `In`/`NotIn` or not exactly one value) matches no node;
/// - every `matchExpressions` requirement must hold for the node's labels (AND);
/// - every `matchFields` requirement must hold for the node's fields, where the only field is
///   `metadata.name` (`In`: equal, `NotIn`: not equal; an unknown key reads as `""`), and the whole
///   `matchFields` check is skipped when the node has no name, as upstream does (`len(nodeFields) > 0`).
pub fn term_matches(term: &Term, node: &Node) -> bool {
    if term.match_expressions.is_empty() && term.match_fields.is_empty() {
        return false;
    }
    let mut labels = Vec::with_capacity(term.match_expressions.len());
    for r in &term.match_expressions {
        match parse_label_requirement(r) {
            Ok(op) => labels.push((r.key.as_str(), op)),
            Err(_) => return false,
        }
    }
    let mut fields = Vec::with_capacity(term.match_fields.len());
    for r in &term.match_fields {
        match parse_field_requirement(r) {
            Ok(op) => fields.push((r.key.as_str(), op)),
            Err(_) => return false,
        }
    }
    if !labels
        .iter()
        .all(|(key, op)| label_op_matches(key, op, &node.labels))
    {
        return false;
    }
    if !node.name.is_empty() {
        let fields_hold = fields.iter().all(|(key, op)| {
            let got = node_field(node, key);
            match op {
                FieldOp::Equal(v) => got == *v,
                FieldOp::NotEqual(v) => got != *v,
            }
        });
        if !fields_hold {
            return false;
        }
    }
    true
}

/// Required node affinity: the terms are ORed (`nodeaffinity.LazyErrorNodeSelector.Match`; a term that
/// fails to parse is skipped, the others still count). An empty list matches no node (the apiserver
/// rejects it anyway); a pod *without* required affinity is not this function's concern.
pub fn terms_match(terms: &[Term], node: &Node) -> bool {
    terms.iter().any(|t| term_matches(t, node))
}

/// A pod's `nodeSelector`: every key must be a node label with exactly that value
/// (`labels.SelectorFromSet(nodeSelector).Matches(nodeLabels)`). An empty selector matches every node.
pub fn node_selector_matches(
    sel: &BTreeMap<String, String>,
    labels: &BTreeMap<String, String>,
) -> bool {
    sel.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// The NodeAffinity score before normalization: the sum of the weights of the preferred terms the node
/// matches. Mirrors `nodeaffinity.NewPreferredSchedulingTerms` + `Score`: terms with weight 0 or an empty
/// preference are skipped; if any remaining term fails to parse, upstream returns an error for the whole
/// list (the scheduler's PreScore then fails), returned here as `Err` with the reasons.
pub fn preferred_weight_sum(prefs: &[PreferredTerm], node: &Node) -> Result<i64, Vec<String>> {
    let mut errs = Vec::new();
    let mut sum = 0;
    for (i, p) in prefs.iter().enumerate() {
        let t = &p.preference;
        if p.weight == 0 || (t.match_expressions.is_empty() && t.match_fields.is_empty()) {
            continue;
        }
        let e = term_parse_errors(t);
        if !e.is_empty() {
            errs.extend(e.into_iter().map(|e| format!("[{i}].preference.{e}")));
            continue;
        }
        if term_matches(t, node) {
            sum += p.weight;
        }
    }
    if errs.is_empty() {
        Ok(sum)
    } else {
        Err(errs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(key: &str, op: &str, values: &[&str]) -> Requirement {
        Requirement {
            key: key.into(),
            operator: op.into(),
            values: values.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn node(name: &str, pairs: &[(&str, &str)]) -> Node {
        Node {
            name: name.into(),
            labels: labels(pairs),
            ..Node::default()
        }
    }

    #[test]
    fn lt_semantics() {
        let lt = req("cores", "Lt", &["8"]);
        assert!(requirement_matches(&lt, &labels(&[("cores", "4")])));
        assert!(!requirement_matches(&lt, &labels(&[("cores", "8")])));
        assert!(!requirement_matches(&lt, &labels(&[("cores", "16")])));
        // Integer, not string, comparison: "10" < "8" as strings, not as numbers.
        assert!(!requirement_matches(&lt, &labels(&[("cores", "10")])));
        // Go's ParseInt accepts leading zeros and a sign on the label side.
        assert!(requirement_matches(&lt, &labels(&[("cores", "007")])));
        assert!(requirement_matches(&lt, &labels(&[("cores", "-3")])));
        assert!(!requirement_matches(&lt, &labels(&[])));
        assert!(!requirement_matches(&lt, &labels(&[("cores", "")])));
        assert!(!requirement_matches(&lt, &labels(&[("cores", "4.0")])));
        // Requirement side: exactly one integer value that is also a valid label value.
        assert!(!requirement_matches(
            &req("cores", "Lt", &[]),
            &labels(&[("cores", "4")])
        ));
        assert!(!requirement_matches(
            &req("cores", "Lt", &["8", "9"]),
            &labels(&[("cores", "4")])
        ));
        assert!(!requirement_matches(
            &req("cores", "Lt", &["-8"]),
            &labels(&[("cores", "-9")])
        ));
        assert!(requirement_matches(
            &req("cores", "Lt", &["08"]),
            &labels(&[("cores", "4")])
        ));
    }

    #[test]
    fn unparsable_requirements_fail() {
        let l = labels(&[("a", "b")]);
        assert!(!requirement_matches(&req("a", "Equals", &["b"]), &l));
        assert!(!requirement_matches(&req("-a", "Exists", &[]), &l));
        assert!(!requirement_matches(&req("a", "In", &[]), &l));
        assert!(!requirement_matches(&req("a", "NotIn", &[]), &l));
        assert!(!requirement_matches(&req("a", "Exists", &["b"]), &l));
        // An invalid label value makes NewRequirement fail: even NotIn, which would otherwise hold.
        assert!(!requirement_matches(&req("a", "NotIn", &["my value"]), &l));
        assert!(requirement_matches(&req("a", "NotIn", &["c"]), &l));
    }

    #[test]
    fn node_selector_map() {
        let node_labels = labels(&[("type", "virtual-kubelet"), ("zone", "k")]);
        assert!(node_selector_matches(&labels(&[]), &node_labels));
        assert!(node_selector_matches(
            &labels(&[("type", "virtual-kubelet")]),
            &node_labels
        ));
        assert!(node_selector_matches(
            &labels(&[("type", "virtual-kubelet"), ("zone", "k")]),
            &node_labels
        ));
        assert!(!node_selector_matches(
            &labels(&[("type", "virtual-kubelet"), ("zone", "j")]),
            &node_labels
        ));
        assert!(!node_selector_matches(
            &labels(&[("type", "Virtual-Kubelet")]),
            &node_labels
        ));
        assert!(!node_selector_matches(
            &labels(&[("missing", "")]),
            &node_labels
        ));
        assert!(node_selector_matches(
            &labels(&[("e", "")]),
            &labels(&[("e", "")])
        ));
    }

    #[test]
    fn bad_term_does_not_spoil_others() {
        let n = node("n1", &[("cores", "16")]);
        let bad = Term {
            match_expressions: vec![req("cores", "Gt", &["many"])],
            ..Term::default()
        };
        let good = Term {
            match_expressions: vec![req("cores", "Gt", &["8"])],
            ..Term::default()
        };
        assert!(!terms_match(std::slice::from_ref(&bad), &n));
        assert!(terms_match(&[bad.clone(), good], &n));
        assert!(!terms_match(&[], &n));
        assert_eq!(term_parse_errors(&bad).len(), 1);
        assert!(term_parse_errors(&bad)[0].starts_with("matchExpressions[0].values[0]"));
    }

    #[test]
    fn match_fields_details() {
        let t = |op: &str, values: &[&str]| Term {
            match_fields: vec![req(OBJECT_NAME_FIELD, op, values)],
            ..Term::default()
        };
        assert!(term_matches(&t("In", &["n1"]), &node("n1", &[])));
        assert!(!term_matches(&t("In", &["n1"]), &node("n2", &[])));
        assert!(!term_matches(&t("NotIn", &["n1"]), &node("n1", &[])));
        // Parse errors fail the term even for a node without a name.
        assert!(!term_matches(&t("In", &["a", "b"]), &node("", &[])));
        assert!(!term_matches(&t("Exists", &[]), &node("", &[])));
        // An unknown field key reads as "".
        let other = Term {
            match_fields: vec![req("metadata.labels", "NotIn", &["x"])],
            ..Term::default()
        };
        assert!(term_matches(&other, &node("n1", &[])));
    }

    #[test]
    fn preferred_sum() {
        let n = node("n1", &[("a", "b")]);
        let p = |w: i64, key: &str, v: &str| PreferredTerm {
            weight: w,
            preference: Term {
                match_expressions: vec![req(key, "In", &[v])],
                ..Term::default()
            },
        };
        let empty = PreferredTerm {
            weight: 50,
            preference: Term::default(),
        };
        assert_eq!(
            preferred_weight_sum(&[p(80, "a", "b"), p(20, "a", "c"), empty], &n),
            Ok(80)
        );
        assert_eq!(preferred_weight_sum(&[], &n), Ok(0));
        assert!(preferred_weight_sum(&[p(80, "a", "b"), p(10, "a", "my value")], &n).is_err());
        // Weight 0 terms are skipped before parsing.
        assert_eq!(preferred_weight_sum(&[p(0, "a", "my value")], &n), Ok(0));
    }
}
