//! Building findings located in the node inventory file.

use crate::check::{Finding, Label, NodesCtx};
use crate::locate::ObjectRef;
use crate::pools::InvNode;
use crate::rules::Rule;

pub fn at_node(
    rule: &'static Rule,
    n: &InvNode,
    span: std::ops::Range<usize>,
    message: String,
    help: String,
) -> Finding {
    Finding {
        rule,
        severity: rule.severity,
        message,
        help: Some(help),
        primary: Label {
            span,
            message: String::new(),
            path: None,
        },
        related: Vec::new(),
        document: n.document,
        object: Some(ObjectRef {
            kind: "Node".into(),
            name: n.node.name.clone(),
            namespace: String::new(),
            component: None,
        }),
    }
}

/// The ECS taints to check nodes against: the flag's (or the inventory's), else those the
/// gateways inferred.
pub fn ecs_taints<'c>(cx: &'c NodesCtx) -> Vec<&'c crate::k8s::Taint> {
    match &cx.pools.ecs.taint {
        Some((t, _)) => vec![t],
        None => cx.ecs_taints.iter().collect(),
    }
}

/// The ECS labels to check nodes against: the flag's, else those the gateways inferred.
pub fn ecs_labels<'c>(cx: &'c NodesCtx) -> Vec<&'c crate::pools::Label> {
    match &cx.pools.ecs.label {
        Some((l, _)) => vec![l],
        None => cx.ecs_labels.iter().collect(),
    }
}
