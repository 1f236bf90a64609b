use crate::check::{Finding, PodCtx, Severity};
use crate::rules::pool::block_absent;
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "ecs-pool-unknown",
    severity: Severity::Info,
    summary: "The ECS node's label or taint is not known, so the checks that need it were skipped",
    explanation: r#"
## What it does
Says when neither `--ecs-label`/`--ecs-taint`, nor `--nodes`, nor the manifest itself tell which
label and taint the gateway's ECS node(s) carry. spillway infers them from the manifest when it
can: the required (else preferred) `KEY In [VALUE]` term that is not the virtual one, and the
toleration that is not the virtual one nor a taint Kubernetes sets itself.

## Why is this bad?
It is not wrong in itself, but the ECS side of the block goes unchecked. An ECS node without a
taint of its own also lets other workloads take the gateway's room.

## Example
A gateway that tolerates only the virtual-node taint, audited without `--ecs-taint`.

## Fix
Pass `--ecs-label K=V --ecs-taint K=V:EFFECT` (or `--nodes` with the cluster's nodes).
"#,
    check: Check::Pod(check),
};

fn check(cx: &PodCtx, out: &mut Vec<Finding>) {
    if block_absent(cx.view, cx.facts) {
        return;
    }
    // Two near-miss labels are a typo, reported as an error by ecs-label-mismatch.
    if super::ecs_label_mismatch::near_pair(&cx.facts.ambiguous_labels).is_some() {
        return;
    }
    let missing: Vec<&str> = [
        (cx.facts.ecs.label.is_none(), "label (--ecs-label)"),
        (cx.facts.ecs.taint.is_none(), "taint (--ecs-taint)"),
    ]
    .iter()
    .filter(|(m, _)| *m)
    .map(|(_, s)| *s)
    .collect();
    if missing.is_empty() {
        return;
    }
    let mut why = String::new();
    if !cx.facts.ambiguous_labels.is_empty() {
        let l: Vec<String> = cx
            .facts
            .ambiguous_labels
            .iter()
            .map(|(l, _)| format!("`{l}`"))
            .collect();
        why.push_str(&format!(
            "; the manifest names several candidate labels ({})",
            l.join(", ")
        ));
    }
    if !cx.facts.ambiguous_taints.is_empty() {
        let t: Vec<String> = cx
            .facts
            .ambiguous_taints
            .iter()
            .map(|(t, _)| format!("`{}`", crate::pools::taint_str(t)))
            .collect();
        why.push_str(&format!(
            "; the tolerations name several candidate taints ({})",
            t.join(", ")
        ));
    }
    let (node, route) = cx.missing_at();
    out.push(
        cx.finding(&RULE, node, &route, format!("the ECS node's {} is unknown: the checks of the ECS side were skipped{why}", missing.join(" and ")))
            .primary_label("gateway checked without the ECS pool")
            .help("pass --ecs-label K=V and --ecs-taint K=V:EFFECT, or --nodes with `kubectl get nodes -o yaml`"),
    );
}
