//! The rule registry: one rule per file, each with a stable kebab-case id, a default severity, a
//! one-line summary and the explanation `spillway explain RULE` prints. Rules are listed here
//! explicitly, in the order `spillway rules` and docs/rules.md show them.

use crate::check::{DocCtx, Finding, NodesCtx, PodCtx, Severity};

mod duplicate_entry;
mod duplicate_key;
mod eci_incompatible;
mod eci_label_forces_eci;
mod ecs_label_mismatch;
mod ecs_label_on_no_node;
mod ecs_node_cordoned;
mod ecs_node_untainted;
mod ecs_not_preferred;
mod ecs_not_selected;
mod ecs_pool_unknown;
mod ecs_taint_not_tolerated;
mod invalid_node_affinity;
mod invalid_toleration;
mod no_node_fits;
mod no_virtual_node;
mod node_selector_blocks_overflow;
mod nodes_common;
mod overflow_block_missing;
mod pool;
mod required_affinity_missing;
mod stray_toleration;
mod term_selects_nothing;
mod unrelated_required_term;
mod unused_ignore;
mod virtual_not_preferred;
mod virtual_not_selected;
mod virtual_taint_not_tolerated;
mod weights_inverted;
mod wrong_type;

/// Which level of the input a rule looks at.
pub enum Check {
    /// One gateway pod spec.
    Pod(fn(&PodCtx, &mut Vec<Finding>)),
    /// One document that holds at least one gateway.
    Doc(fn(&DocCtx, &mut Vec<Finding>)),
    /// The node inventory given with `--nodes`.
    Nodes(fn(&NodesCtx, &mut Vec<Finding>)),
    /// Reported by the suppression pass (`check::suppress`), not by a check of its own.
    Suppression,
}

/// A rule's identity and check.
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    /// Markdown under fixed headings: What it does, Why is this bad?, Example, Fix.
    pub explanation: &'static str,
    pub check: Check,
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id)
    }
}

/// Every rule, in display order.
pub static RULES: &[&Rule] = &[
    &overflow_block_missing::RULE,
    &required_affinity_missing::RULE,
    &ecs_not_selected::RULE,
    &virtual_not_selected::RULE,
    &ecs_taint_not_tolerated::RULE,
    &virtual_taint_not_tolerated::RULE,
    &stray_toleration::RULE,
    &term_selects_nothing::RULE,
    &unrelated_required_term::RULE,
    &ecs_not_preferred::RULE,
    &ecs_label_mismatch::RULE,
    &virtual_not_preferred::RULE,
    &weights_inverted::RULE,
    &node_selector_blocks_overflow::RULE,
    &invalid_toleration::RULE,
    &invalid_node_affinity::RULE,
    &wrong_type::RULE,
    &duplicate_key::RULE,
    &duplicate_entry::RULE,
    &eci_incompatible::RULE,
    &eci_label_forces_eci::RULE,
    &ecs_pool_unknown::RULE,
    &ecs_label_on_no_node::RULE,
    &ecs_node_untainted::RULE,
    &ecs_node_cordoned::RULE,
    &no_virtual_node::RULE,
    &no_node_fits::RULE,
    &unused_ignore::RULE,
];

/// Looks a rule up by id.
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.id == id)
}

/// The text `spillway explain RULE` prints.
pub fn explain(rule: &Rule) -> String {
    format!(
        "# {} ({})\n\n{}\n\n{}\n",
        rule.id,
        rule.severity.as_str(),
        rule.summary,
        rule.explanation.trim()
    )
}

/// docs/rules.md, generated from the registry (a test keeps the file equal to this).
pub fn markdown() -> String {
    let mut s = String::from(
        "# Rules\n\n<!-- Generated from the rule registry (src/rules/); `cargo test` fails when this file drifts. Regenerate with `spillway rules --format markdown > docs/rules.md`. -->\n\n| id | severity | summary |\n|---|---|---|\n",
    );
    for r in RULES {
        s.push_str(&format!(
            "| [`{}`](#{}) | {} | {} |\n",
            r.id,
            r.id,
            r.severity.as_str(),
            r.summary
        ));
    }
    for r in RULES {
        s.push_str(&format!(
            "\n## {}\n\nDefault severity: **{}**. {}\n\n{}\n",
            r.id,
            r.severity.as_str(),
            r.summary,
            r.explanation.trim().replace("\n## ", "\n### ")
        ));
    }
    s
}
