//! Human output: one miette graphical report per finding or error, with the rule id, the
//! message, the source snippet with labelled primary and related spans, and a help line. The
//! snippet header shows `file:line:col`, so terminals and editors can jump to it.

use std::fmt;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

use super::FileReport;
use crate::check::{Finding, Severity};
use crate::read::excerpt::Excerpts;

/// A file's kept text under its report name.
struct Src<'a> {
    name: &'a str,
    text: &'a Excerpts,
}

impl SourceCode for Src<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        // The kept piece of text that holds the span; miette reads it as if it were the file.
        let (text, base, first_line) = self
            .text
            .around(span.offset())
            .ok_or(MietteError::OutOfBounds)?;
        let local: SourceSpan = (span.offset() - base, span.len()).into();
        let inner = text.read_span(&local, before, after)?;
        // miette's `str` source reports the lines scanned from the start of the file as the
        // snippet's line count, which merges every label into one snippet, and counts columns
        // in bytes. Report the snippet's own line count and columns in characters (a BOM is
        // not a column), as the JSON output does.
        let data = inner.data();
        let line_count = data.iter().filter(|b| **b == b'\n').count();
        let column = if inner.column() == 0 {
            0
        } else {
            let off = local.offset().min(text.len());
            let line_start = text[..off].rfind('\n').map_or(0, |p| p + 1);
            let line = &text[line_start..off];
            line.strip_prefix('\u{feff}')
                .unwrap_or(line)
                .chars()
                .count()
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_owned(),
            data,
            (inner.span().offset() + base, inner.span().len()).into(),
            inner.line() + first_line,
            column,
            line_count,
        )))
    }
}

/// A finding or an error as a miette diagnostic.
struct Diag<'a> {
    code: String,
    severity: miette::Severity,
    message: String,
    help: Option<&'a str>,
    labels: Vec<LabeledSpan>,
    src: Src<'a>,
}

impl fmt::Debug for Diag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Diag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diag<'_> {}

impl Diagnostic for Diag<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help.map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.src)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.clone().into_iter()))
    }
}

/// Options for human output.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    pub width: usize,
}

fn handler(style: Style) -> GraphicalReportHandler {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        // Never split a word (a label key, a command) across lines: help lines are copied.
        .with_break_words(false)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
        .with_word_separator(textwrap::WordSeparator::AsciiSpace)
        .with_links(false)
        .with_context_lines(1)
}

fn severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

/// A span miette can show: inside the text, and a zero-width span stays where it is.
fn span(text: &Excerpts, r: &std::ops::Range<usize>) -> SourceSpan {
    let start = r.start.min(text.len());
    let end = r.end.clamp(start, text.len());
    (start, end - start).into()
}

fn finding_diag<'a>(r: &'a FileReport, f: &'a Finding, lines: &Excerpts) -> Diag<'a> {
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        (!f.primary.message.is_empty()).then(|| f.primary.message.clone()),
        span(&r.text, &f.primary.span),
    )];
    labels.extend(
        f.related
            .iter()
            .map(|l| LabeledSpan::new_with_span(Some(l.message.clone()), span(&r.text, &l.span))),
    );
    let (line, col) = lines.line_col(f.primary.span.start);
    let object = f
        .object
        .as_ref()
        .map_or(String::new(), |o| format!(" ({o})"));
    Diag {
        code: format!("{}:{line}:{col}: {}{object}", r.name, f.rule.id),
        severity: severity(f.severity),
        message: f.message.clone(),
        help: f.help.as_deref(),
        labels,
        src: Src {
            name: &r.name,
            text: &r.text,
        },
    }
}

/// Renders one file's findings and its error, in order.
pub fn render_file(r: &FileReport, style: Style) -> String {
    let h = handler(style);
    let lines = &r.text;
    let mut out = String::new();
    for f in &r.findings {
        let d = finding_diag(r, f, lines);
        let _ = h.render_report(&mut out, &d);
        out.push('\n');
    }
    if let Some(e) = &r.error {
        match e.offset {
            Some(o) => {
                let (line, col) = lines.line_col(o);
                let d = Diag {
                    code: format!("{}:{line}:{col}: parse-error", r.name),
                    severity: miette::Severity::Error,
                    message: format!("{}: {}", r.name, e.message),
                    help: Some("`spillway explain parse-error` says what spillway accepts"),
                    labels: vec![LabeledSpan::new_primary_with_span(
                        Some("here".into()),
                        span(&r.text, &(o..o)),
                    )],
                    src: Src {
                        name: &r.name,
                        text: &r.text,
                    },
                };
                let _ = h.render_report(&mut out, &d);
            }
            None => {
                // Nothing to show but the message: no snippet.
                out.push_str(&format!(
                    "{}: read-error\n\n  × {}: {}\n",
                    r.name, r.name, e.message
                ));
            }
        }
        out.push('\n');
    }
    out
}
