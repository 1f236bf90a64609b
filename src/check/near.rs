//! Near misses: a value that is almost the intended one (a typo), so a finding can say
//! "did you mean ..." and point at the exact field to change.

use crate::check::view::{ReqView, Str, TolView};
use crate::k8s;
use crate::pools::Label;

/// Within edit distance 2 of the intended value (and not equal); very short values never count.
pub fn near(found: &str, want: &str) -> bool {
    found != want && want.chars().count() >= 3 && strsim::levenshtein(found, want) <= 2
}

/// Which field of an entry is wrong, what it says and what it should say.
#[derive(Debug, Clone)]
pub struct Miss<'v> {
    /// The field that is wrong; `None` when it is missing altogether.
    pub at: Option<&'v Str>,
    pub field: &'static str,
    pub want: String,
    /// A second field of the same entry that is wrong too (a key and a value both mistyped):
    /// both are reported and repaired at once.
    pub also: Option<Box<Miss<'v>>>,
}

impl Miss<'_> {
    pub fn describe(&self) -> String {
        let this = match self.at {
            Some(s) => format!(
                "`{}: {}` should be `{}: {}`",
                self.field, s.value, self.field, self.want
            ),
            None => format!("`{}: {}` is missing", self.field, self.want),
        };
        match &self.also {
            Some(a) => format!("{this}, and {}", a.describe()),
            None => this,
        }
    }
}

/// How a requirement misses selecting `label`, if it is a near miss at all.
pub fn requirement_miss<'v>(r: &'v ReqView, label: &Label) -> Option<Miss<'v>> {
    let key = r.key.as_ref()?;
    if key.value == label.key {
        return fields_miss_req(r, label);
    }
    let has_value = r.values.iter().any(|v| v.value == label.value);
    if near(&key.value, &label.key)
        && (has_value || r.values.iter().any(|v| near(&v.value, &label.value)))
    {
        return Some(Miss {
            at: Some(key),
            field: "key",
            want: label.key.clone(),
            // What else is wrong once the key is right (operator, value) is repaired with it.
            also: fields_miss_req(r, label).map(Box::new),
        });
    }
    None
}

/// What keeps a requirement on the label's key from selecting it: the operator and the value,
/// chained; `None` when it selects (or is not a near miss: no operator and no value).
fn fields_miss_req<'v>(r: &'v ReqView, label: &Label) -> Option<Miss<'v>> {
    let op = r.operator.as_ref().map_or("", |o| o.value.as_str());
    let has_value = r.values.iter().any(|v| v.value == label.value);
    // The closest value is the one to fix; with none, the list is added.
    let value_miss = || Miss {
        at: r
            .values
            .iter()
            .min_by_key(|v| strsim::levenshtein(&v.value, &label.value)),
        field: "values",
        want: label.value.clone(),
        also: None,
    };
    match op {
        "In" if has_value => None, // not a miss: it selects
        "In" => Some(value_miss()).filter(|m| m.at.is_some()),
        "Exists" => None,
        _ if has_value || r.operator.is_some() => Some(Miss {
            at: r.operator.as_ref(),
            field: "operator",
            want: "In".into(),
            // `In` needs the value too.
            also: (!has_value).then(|| Box::new(value_miss())),
        }),
        _ => None,
    }
}

/// How a toleration misses tolerating `taint`, if it is a near miss at all.
pub fn toleration_miss<'v>(
    t: &'v TolView,
    taint: &k8s::Taint,
    gates: &k8s::Gates,
) -> Option<Miss<'v>> {
    if k8s::tolerates(&t.tol, taint, gates) {
        return None;
    }
    let key = t.key.as_ref().map_or("", |k| k.value.as_str());
    let value = t.value.as_ref().map_or("", |v| v.value.as_str());
    let op = t.operator.as_ref().map_or("Equal", |o| o.value.as_str());
    if key == taint.key {
        return fields_miss(t, taint);
    }
    if !key.is_empty()
        && near(key, &taint.key)
        && (value == taint.value || near(value, &taint.value) || op == "Exists")
    {
        return Some(Miss {
            at: t.key.as_ref(),
            field: "key",
            want: taint.key.clone(),
            // What else is wrong once the key is right is repaired with it.
            also: fields_miss(t, taint).map(Box::new),
        });
    }
    None
}

/// What keeps a toleration with the taint's key from tolerating it: its operator, value and
/// effect, each one that is wrong, chained (so that one repair makes it tolerate the taint).
fn fields_miss<'v>(t: &'v TolView, taint: &k8s::Taint) -> Option<Miss<'v>> {
    let value = t.value.as_ref().map_or("", |v| v.value.as_str());
    let mut op = t.operator.as_ref().map_or("Equal", |o| o.value.as_str());
    let mut misses = Vec::new();
    if !matches!(op, "Equal" | "" | "Exists") {
        misses.push(Miss {
            at: t.operator.as_ref(),
            field: "operator",
            want: "Equal".into(),
            also: None,
        });
        op = "Equal";
    }
    if op != "Exists" && value != taint.value {
        misses.push(Miss {
            at: t.value.as_ref(),
            field: "value",
            want: taint.value.clone(),
            also: None,
        });
    }
    if !t
        .effect
        .as_ref()
        .is_none_or(|e| e.value.is_empty() || e.value == taint.effect)
    {
        misses.push(Miss {
            at: t.effect.as_ref(),
            field: "effect",
            want: taint.effect.clone(),
            also: None,
        });
    }
    misses.into_iter().rev().fold(None, |next, mut m| {
        m.also = next.map(Box::new);
        Some(m)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_counts_small_typos_only() {
        assert!(near("myvalu", "myvalue"));
        assert!(near("asmgatway", "asmgateway"));
        assert!(!near("myvalue", "myvalue"));
        assert!(!near("zone", "type"));
        assert!(!near("a", "b"));
    }
}
