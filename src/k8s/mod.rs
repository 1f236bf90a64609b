//! Pure re-implementation of the small part of upstream Kubernetes that decides where a pod may run:
//! taint/toleration matching, node selector terms (required and preferred node affinity), a pod's
//! `nodeSelector`, and the apiserver validation of those fields.
//!
//! Upstream is the reference, and each function names the upstream function it mirrors:
//! - `k8s.io/api` `core/v1/toleration.go` (`Toleration.ToleratesTaint`);
//! - `k8s.io/component-helpers` `scheduling/corev1/nodeaffinity` (`NodeSelector`, `LazyErrorNodeSelector`,
//!   `PreferredSchedulingTerms`) on top of `k8s.io/apimachinery` `labels.NewRequirement` / `Requirement.Matches`;
//! - `pkg/apis/core/validation/validation.go` (`ValidateTolerations`, `ValidateNodeSelectorRequirement`,
//!   `ValidateNodeFieldSelectorRequirement`, `ValidateNodeSelector`, `ValidatePreferredSchedulingTerms`);
//! - `k8s.io/apimachinery` `util/validation` (`IsQualifiedName`, `IsValidLabelValue`, `IsDNS1123Subdomain`)
//!   and `api/validate/content` (`IsDecimalInteger`).
//!
//! No I/O, no dependency beyond `std`. Absent optional fields (`None`) behave exactly like Go's empty string.

use std::collections::BTreeMap;
use std::fmt;

pub mod scheduler;
pub mod selector;
pub mod taints;
pub mod validation;

pub use selector::{
    node_selector_matches, preferred_weight_sum, requirement_matches, term_matches,
    term_parse_errors, terms_match,
};
pub use taints::{
    does_not_schedule, find_matching_untolerated_taint, is_decimal_integer, tolerates,
    tolerates_any,
};
pub use validation::{
    dns1123_subdomain_errors, is_dns1123_subdomain, is_qualified_name, is_valid_label_value,
    label_value_errors, qualified_name_errors, validate_field_requirement, validate_labels,
    validate_preferred, validate_required, validate_requirement, validate_term,
    validate_toleration, validate_tolerations,
};

/// Taint effect `NoSchedule` (`v1.TaintEffectNoSchedule`).
pub const EFFECT_NO_SCHEDULE: &str = "NoSchedule";
/// Taint effect `PreferNoSchedule` (`v1.TaintEffectPreferNoSchedule`).
pub const EFFECT_PREFER_NO_SCHEDULE: &str = "PreferNoSchedule";
/// Taint effect `NoExecute` (`v1.TaintEffectNoExecute`).
pub const EFFECT_NO_EXECUTE: &str = "NoExecute";

/// The field key `matchFields` supports (`metav1.ObjectNameField`).
pub const OBJECT_NAME_FIELD: &str = "metadata.name";

/// A node taint (`v1.Taint`, without `timeAdded`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Taint {
    pub key: String,
    pub value: String,
    pub effect: String,
}

/// A pod toleration (`v1.Toleration`). `None` means the field is absent, which upstream treats like `""`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Toleration {
    pub key: Option<String>,
    pub operator: Option<String>,
    pub value: Option<String>,
    pub effect: Option<String>,
    pub toleration_seconds: Option<i64>,
}

/// A `v1.NodeSelectorRequirement`, used both in `matchExpressions` (labels) and `matchFields` (fields).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Requirement {
    pub key: String,
    pub operator: String,
    pub values: Vec<String>,
}

/// A `v1.NodeSelectorTerm`: its requirements are ANDed; a term with neither list matches no node.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Term {
    pub match_expressions: Vec<Requirement>,
    pub match_fields: Vec<Requirement>,
}

/// The parts of a `v1.Node` that scheduling filters look at.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Node {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<Taint>,
    pub unschedulable: bool,
}

/// A `v1.PreferredSchedulingTerm`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PreferredTerm {
    pub weight: i64,
    pub preference: Term,
}

/// Feature gates that change semantics; `Default` = upstream defaults
/// (`TaintTolerationComparisonOperators`, alpha since 1.35, off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Gates {
    /// `TaintTolerationComparisonOperators`: allows (validation) and evaluates (matching) the toleration
    /// operators `Lt` and `Gt`.
    pub taint_toleration_comparison_operators: bool,
}

/// A path segment relative to the validated object, e.g. `["operator"]`,
/// `["nodeSelectorTerms", 0, "matchFields", 0, "key"]` (upstream `field.Path` `Child` / `Index`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PathSeg {
    Key(&'static str),
    Index(usize),
}

/// The kind of a field error (upstream `field.ErrorType`, the subset these validators produce).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldErrorKind {
    /// `field.ErrorTypeRequired` ("Required value").
    Required,
    /// `field.ErrorTypeInvalid` ("Invalid value").
    Invalid,
    /// `field.ErrorTypeNotSupported` ("Unsupported value").
    NotSupported,
    /// `field.ErrorTypeForbidden` ("Forbidden").
    Forbidden,
}

impl FieldErrorKind {
    /// The phrase upstream's `field.ErrorType.String()` prints.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldErrorKind::Required => "Required value",
            FieldErrorKind::Invalid => "Invalid value",
            FieldErrorKind::NotSupported => "Unsupported value",
            FieldErrorKind::Forbidden => "Forbidden",
        }
    }
}

impl fmt::Display for FieldErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One validation error (upstream `field.Error`). `message` is upstream's detail text, e.g.
/// ``operator must be Exists when `key` is empty, which means "match all values and all keys"``.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub path: Vec<PathSeg>,
    pub kind: FieldErrorKind,
    pub message: String,
}

impl FieldError {
    pub fn new(path: Vec<PathSeg>, kind: FieldErrorKind, message: impl Into<String>) -> Self {
        FieldError {
            path,
            kind,
            message: message.into(),
        }
    }

    /// The last `Key` segment of the path (the field named in the error), e.g. `values` for
    /// `matchExpressions[0].values[1]`; `None` for an empty path.
    pub fn field(&self) -> Option<&'static str> {
        self.path.iter().rev().find_map(|seg| match seg {
            PathSeg::Key(k) => Some(*k),
            PathSeg::Index(_) => None,
        })
    }

    /// The path rendered as upstream does: `nodeSelectorTerms[0].matchFields[0].key`.
    pub fn path_string(&self) -> String {
        path_to_string(&self.path)
    }
}

/// Renders a path the way upstream's `field.Path.String()` does.
pub fn path_to_string(path: &[PathSeg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            PathSeg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            PathSeg::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}: {}", self.kind, self.message)
        } else {
            write!(f, "{}: {}: {}", self.path_string(), self.kind, self.message)
        }
    }
}

impl std::error::Error for FieldError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_rendering_and_field() {
        let e = FieldError::new(
            vec![
                PathSeg::Key("nodeSelectorTerms"),
                PathSeg::Index(0),
                PathSeg::Key("matchExpressions"),
                PathSeg::Index(2),
                PathSeg::Key("values"),
                PathSeg::Index(1),
            ],
            FieldErrorKind::Invalid,
            "bad",
        );
        assert_eq!(
            e.path_string(),
            "nodeSelectorTerms[0].matchExpressions[2].values[1]"
        );
        assert_eq!(e.field(), Some("values"));
        assert_eq!(
            e.to_string(),
            "nodeSelectorTerms[0].matchExpressions[2].values[1]: Invalid value: bad"
        );
        let empty = FieldError::new(vec![], FieldErrorKind::Required, "x");
        assert_eq!(empty.field(), None);
        assert_eq!(empty.to_string(), "Required value: x");
    }

    #[test]
    fn gates_default_off() {
        assert!(!Gates::default().taint_toleration_comparison_operators);
    }
}
