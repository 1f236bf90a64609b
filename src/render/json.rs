//! `--format json`: one object with findings, errors and a summary (schema version 1).

use serde::Serialize;

use super::{positions, FileReport};
use crate::check::Severity;
use crate::locate::ObjectRef;

#[derive(Serialize)]
struct Related<'a> {
    message: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'static str,
    severity: Severity,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    document: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    object: Option<&'a ObjectRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
    related: Vec<Related<'a>>,
}

#[derive(Serialize)]
struct JsonError<'a> {
    file: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
    message: &'a str,
}

/// Totals over the run.
#[derive(Serialize, Default, Debug, Clone)]
pub struct Summary {
    pub files: usize,
    pub documents: usize,
    pub gateways: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub unreadable: usize,
}

impl Summary {
    pub fn of(reports: &[FileReport]) -> Summary {
        let mut s = Summary::default();
        for r in reports {
            s.files += 1;
            s.documents += r.documents;
            s.gateways += r.gateways;
            if r.error.is_some() {
                s.unreadable += 1;
            }
            for f in &r.findings {
                match f.severity {
                    Severity::Error => s.errors += 1,
                    Severity::Warning => s.warnings += 1,
                    Severity::Info => s.infos += 1,
                }
            }
        }
        s
    }
}

#[derive(Serialize)]
struct Output<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    errors: Vec<JsonError<'a>>,
    summary: Summary,
}

/// Renders the whole run as one JSON object.
pub fn render(reports: &[FileReport], summary: &Summary) -> String {
    let mut findings = Vec::new();
    let mut errors = Vec::new();
    for r in reports {
        let lines = &r.text;
        for f in &r.findings {
            let (line, column, end_line, end_column) = positions(lines, &f.primary.span);
            findings.push(JsonFinding {
                rule: f.rule.id,
                severity: f.severity,
                message: &f.message,
                help: f.help.as_deref(),
                file: &r.name,
                line,
                column,
                end_line,
                end_column,
                document: f.document,
                object: f.object.as_ref(),
                path: f.primary.path.as_deref(),
                related: f
                    .related
                    .iter()
                    .map(|l| {
                        let (line, column, end_line, end_column) = positions(lines, &l.span);
                        Related {
                            message: &l.message,
                            file: &r.name,
                            line,
                            column,
                            end_line,
                            end_column,
                            path: l.path.as_deref(),
                        }
                    })
                    .collect(),
            });
        }
        if let Some(e) = &r.error {
            let pos = e.offset.map(|o| lines.line_col(o));
            errors.push(JsonError {
                file: &r.name,
                line: pos.map(|p| p.0),
                column: pos.map(|p| p.1),
                message: &e.message,
            });
        }
    }
    let out = Output {
        version: 1,
        findings,
        errors,
        summary: summary.clone(),
    };
    let mut s = serde_json::to_string_pretty(&out).expect("serializable");
    s.push('\n');
    s
}
