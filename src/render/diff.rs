//! `apply --diff`: a unified diff per changed file, with `a/` and `b/` headers so that
//! `git apply` and `patch -p1` take it.

use similar::TextDiff;

/// The unified diff of one file (empty when nothing changed).
pub fn unified(name: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let diff = TextDiff::from_lines(old, new);
    let mut u = diff.unified_diff();
    u.context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"));
    u.to_string()
}
