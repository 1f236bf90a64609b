//! **render**: findings and read errors as text for people (miette) or JSON for tools.

pub mod ci;
pub mod diff;
pub mod human;
pub mod json;

use crate::check::Finding;
use crate::read::excerpt::Excerpts;

/// One file's results, ready to render: its name, what is kept of its text (all of it, or the
/// lines around what is reported for a stream read piece by piece), its findings and the error
/// that stopped it.
pub struct FileReport {
    pub name: String,
    pub text: Excerpts,
    pub findings: Vec<Finding>,
    /// A read or parse error (the file was not, or not wholly, checked).
    pub error: Option<FileError>,
    pub documents: usize,
    pub gateways: usize,
    /// What `-v` reports as passed over in this file.
    pub skipped: Vec<String>,
}

/// A read or parse error with its byte offset when it has one.
#[derive(Debug, Clone)]
pub struct FileError {
    pub offset: Option<usize>,
    pub message: String,
}

/// (line, column, end line, end column), 1-based, columns in characters.
pub fn positions(lines: &Excerpts, span: &std::ops::Range<usize>) -> (usize, usize, usize, usize) {
    let (l, c) = lines.line_col(span.start);
    let (el, ec) = lines.line_col(span.end);
    (l, c, el, ec)
}
