//! Taint/toleration matching (`k8s.io/api` `core/v1/toleration.go`, `k8s.io/component-helpers`
//! `scheduling/corev1/helpers.go`).

use super::{Gates, Taint, Toleration, EFFECT_NO_EXECUTE, EFFECT_NO_SCHEDULE};

/// Does `t` tolerate `taint`? Mirrors `(*v1.Toleration).ToleratesTaint(logger, taint, enableComparisonOperators)`:
///
/// 1. a non-empty `effect` must equal the taint's effect;
/// 2. a non-empty `key` must equal the taint's key (case-sensitive);
/// 3. operator `""`/`Equal`: the values are equal (both may be empty); `Exists`: any value (a stray value is
///    ignored here, the apiserver rejects it); `Lt`/`Gt`: only with the `TaintTolerationComparisonOperators`
///    gate on, the *taint's* value is less/greater than the toleration's, both read with
///    [`is_decimal_integer`] as `int64` (upstream `compareNumericValues`); any other operator: never.
///
/// An empty key with operator `Equal` is matched by value here, as upstream does at match time; the
/// apiserver never lets such a toleration in (see [`super::validate_toleration`]).
pub fn tolerates(t: &Toleration, taint: &Taint, gates: &Gates) -> bool {
    let effect = t.effect.as_deref().unwrap_or("");
    if !effect.is_empty() && effect != taint.effect {
        return false;
    }
    let key = t.key.as_deref().unwrap_or("");
    if !key.is_empty() && key != taint.key {
        return false;
    }
    let value = t.value.as_deref().unwrap_or("");
    match t.operator.as_deref().unwrap_or("") {
        "" | "Equal" => value == taint.value,
        "Exists" => true,
        op @ ("Lt" | "Gt") => {
            if !gates.taint_toleration_comparison_operators {
                return false;
            }
            match (parse_decimal_i64(value), parse_decimal_i64(&taint.value)) {
                (Some(toleration_value), Some(taint_value)) => {
                    if op == "Lt" {
                        taint_value < toleration_value
                    } else {
                        taint_value > toleration_value
                    }
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// Does any toleration in `ts` tolerate `taint`? Mirrors `v1helper.TolerationsTolerateTaint`.
pub fn tolerates_any(ts: &[Toleration], taint: &Taint, gates: &Gates) -> bool {
    ts.iter().any(|t| tolerates(t, taint, gates))
}

/// Whether an untolerated `taint` makes a node infeasible: effect `NoSchedule` or `NoExecute`
/// (the `inclusionFilter` of the TaintToleration filter plugin). `PreferNoSchedule` only lowers the score.
pub fn does_not_schedule(taint: &Taint) -> bool {
    taint.effect == EFFECT_NO_SCHEDULE || taint.effect == EFFECT_NO_EXECUTE
}

/// The first taint accepted by `inclusion` that no toleration tolerates. Mirrors
/// `v1helper.FindMatchingUntoleratedTaint`; pass [`does_not_schedule`] for the TaintToleration filter.
pub fn find_matching_untolerated_taint<'a>(
    taints: &'a [Taint],
    ts: &[Toleration],
    gates: &Gates,
    inclusion: impl Fn(&Taint) -> bool,
) -> Option<&'a Taint> {
    taints
        .iter()
        .filter(|taint| inclusion(taint))
        .find(|taint| !tolerates_any(ts, taint, gates))
}

/// Upstream `content.IsDecimalInteger`: `"0"` or an optional `-` then a digit 1-9 then digits; no `+`,
/// no leading zeros, no `-0`, no whitespace. (Range is checked separately, as upstream's `ParseInt`.)
pub fn is_decimal_integer(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() {
        return false;
    }
    let digits = if b[0] == b'-' { &b[1..] } else { b };
    match digits.first() {
        None => false,
        Some(b'0') => s == "0",
        Some(b'1'..=b'9') => digits.iter().all(u8::is_ascii_digit),
        Some(_) => false,
    }
}

/// `IsDecimalInteger` then `strconv.ParseInt(s, 10, 64)`.
fn parse_decimal_i64(s: &str) -> Option<i64> {
    if is_decimal_integer(s) {
        s.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tol(key: &str, op: &str, value: &str, effect: &str) -> Toleration {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        Toleration {
            key: opt(key),
            operator: opt(op),
            value: opt(value),
            effect: opt(effect),
            toleration_seconds: None,
        }
    }

    fn taint(key: &str, value: &str, effect: &str) -> Taint {
        Taint {
            key: key.into(),
            value: value.into(),
            effect: effect.into(),
        }
    }

    const ON: Gates = Gates {
        taint_toleration_comparison_operators: true,
    };

    #[test]
    fn gt_lt_compare_taint_against_toleration_when_gate_on() {
        // Gt: the taint's value is greater than the toleration's.
        let gt = tol("sla", "Gt", "900", "NoSchedule");
        assert!(tolerates(&gt, &taint("sla", "950", "NoSchedule"), &ON));
        assert!(!tolerates(&gt, &taint("sla", "900", "NoSchedule"), &ON));
        assert!(!tolerates(&gt, &taint("sla", "800", "NoSchedule"), &ON));
        // Lt: the taint's value is less than the toleration's.
        let lt = tol("sla", "Lt", "900", "");
        assert!(tolerates(&lt, &taint("sla", "800", "NoExecute"), &ON));
        assert!(!tolerates(&lt, &taint("sla", "900", "NoExecute"), &ON));
        assert!(!tolerates(&lt, &taint("sla", "950", "NoExecute"), &ON));
        // Negative numbers are integers too.
        assert!(tolerates(&lt, &taint("sla", "-5", "NoSchedule"), &ON));
        // Off by default: never tolerates.
        assert!(!tolerates(
            &gt,
            &taint("sla", "950", "NoSchedule"),
            &Gates::default()
        ));
        assert!(!tolerates(
            &lt,
            &taint("sla", "800", "NoSchedule"),
            &Gates::default()
        ));
    }

    #[test]
    fn gt_lt_need_canonical_integers_on_both_sides() {
        let gt = tol("sla", "Gt", "900", "");
        for bad in [
            "high",
            "0950",
            "+950",
            "95.5",
            "",
            " 950",
            "99999999999999999999",
        ] {
            assert!(
                !tolerates(&gt, &taint("sla", bad, "NoSchedule"), &ON),
                "{bad}"
            );
        }
        for bad in ["0900", "+900", "9e2", ""] {
            assert!(
                !tolerates(
                    &tol("sla", "Gt", bad, ""),
                    &taint("sla", "950", "NoSchedule"),
                    &ON
                ),
                "{bad}"
            );
        }
        // Key and effect still have to match first.
        assert!(!tolerates(&gt, &taint("other", "950", "NoSchedule"), &ON));
        assert!(!tolerates(
            &tol("sla", "Gt", "900", "NoExecute"),
            &taint("sla", "950", "NoSchedule"),
            &ON
        ));
    }

    #[test]
    fn decimal_integer_rules() {
        for ok in [
            "0",
            "7",
            "-7",
            "123",
            "9223372036854775807",
            "-9223372036854775808",
        ] {
            assert!(is_decimal_integer(ok), "{ok}");
        }
        for bad in [
            "", "-", "-0", "00", "01", "+1", "1.0", "1_000", "0x10", " 1", "1 ",
        ] {
            assert!(!is_decimal_integer(bad), "{bad}");
        }
        assert_eq!(parse_decimal_i64("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_decimal_i64("9223372036854775808"), None);
    }

    #[test]
    fn untolerated_taint_search() {
        let taints = vec![
            taint("soft", "x", "PreferNoSchedule"),
            taint("virtual-kubelet.io/provider", "alibabacloud", "NoSchedule"),
        ];
        let none: Vec<Toleration> = vec![];
        let hit =
            find_matching_untolerated_taint(&taints, &none, &Gates::default(), does_not_schedule);
        assert_eq!(
            hit.map(|t| t.key.as_str()),
            Some("virtual-kubelet.io/provider")
        );
        let ts = vec![tol(
            "virtual-kubelet.io/provider",
            "Exists",
            "",
            "NoSchedule",
        )];
        assert_eq!(
            find_matching_untolerated_taint(&taints, &ts, &Gates::default(), does_not_schedule),
            None
        );
        assert!(tolerates_any(&ts, &taints[1], &Gates::default()));
        assert!(!tolerates_any(&ts, &taints[0], &Gates::default()));
    }
}
