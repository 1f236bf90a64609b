//! `spillway rules` and `spillway explain RULE`.

use crate::cli::RulesFormat;
use crate::rules::{self, RULES};

pub fn list(format: RulesFormat) -> i32 {
    match format {
        RulesFormat::Text => {
            for r in RULES {
                println!("{:<30} {:<8} {}", r.id, r.severity.as_str(), r.summary);
            }
        }
        RulesFormat::Json => {
            let v: Vec<_> = RULES
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id,
                        "severity": r.severity,
                        "summary": r.summary,
                        "explanation": r.explanation.trim(),
                    })
                })
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&v).expect("serializable")
            );
        }
        RulesFormat::Markdown => print!("{}", rules::markdown()),
    }
    super::EXIT_OK
}

pub fn explain(id: &str) -> i32 {
    match rules::find(id) {
        Some(r) => {
            print!("{}", rules::explain(r));
            super::EXIT_OK
        }
        None => {
            let near: Vec<&str> = RULES
                .iter()
                .filter(|r| strsim::levenshtein(r.id, id) <= 3 || r.id.contains(id))
                .map(|r| r.id)
                .collect();
            eprintln!("spillway: unknown rule `{id}`");
            if !near.is_empty() {
                eprintln!("  did you mean: {}", near.join(", "));
            }
            eprintln!("  `spillway rules` lists every rule");
            super::EXIT_ERROR
        }
    }
}
