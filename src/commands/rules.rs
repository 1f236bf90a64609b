//! `spillway rules` and `spillway explain RULE`.

use std::io::Write;

use crate::cli::RulesFormat;

/// Writes to stdout; a closed pipe (`spillway rules | head`) is not an error worth a panic.
fn emit(s: &str) {
    let _ = std::io::stdout().lock().write_all(s.as_bytes());
}
use crate::rules::{self, RULES};

pub fn list(format: RulesFormat) -> i32 {
    match format {
        RulesFormat::Text => {
            for r in RULES {
                emit(&format!(
                    "{:<30} {:<8} {}
",
                    r.id,
                    r.severity.as_str(),
                    r.summary
                ));
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
            emit(&format!(
                "{}\n",
                serde_json::to_string_pretty(&v).expect("serializable")
            ));
        }
        RulesFormat::Markdown => emit(&rules::markdown()),
    }
    super::EXIT_OK
}

/// What the two error kinds that are not rules mean (they appear where a rule id would).
const NOT_RULES: &[(&str, &str)] = &[
    (
        "parse-error",
        "# parse-error (exit code 2)\n\nThe file is not valid YAML at the reported line and column; the message says what the parser expected (an unclosed `[` or `{`, an unterminated quote, a tab used for indentation, ...). Documents before the error are still checked; the file is never written by any command. spillway reads UTF-8 YAML 1.2 (JSON included); a resource limit (`--max-depth`, `--max-nodes`) is reported the same way and names its flag.\n",
    ),
    (
        "read-error",
        "# read-error (exit code 2)\n\nThe input could not be read at all: it does not exist, is not readable, is a directory, is not UTF-8 text, or holds a NUL byte (binary data). Other inputs are still checked.\n",
    ),
];

pub fn explain(id: &str) -> i32 {
    if let Some((_, text)) = NOT_RULES.iter().find(|(n, _)| *n == id) {
        emit(text);
        return super::EXIT_OK;
    }
    match rules::find(id) {
        Some(r) => {
            emit(&rules::explain(r));
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
