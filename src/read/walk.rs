//! Which files a run reads: explicit files as given, folders walked recursively for `*.yaml` and
//! `*.yml` (honouring `.gitignore` like ripgrep and ruff, skipping hidden entries, the `templates/`
//! of Helm charts and symlinks that lead out of the tree), in a deterministic order.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::WalkBuilder;

use super::{display_name, ReadError};

/// An input to read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Input {
    Stdin,
    File(PathBuf),
}

/// What a walk found: inputs in order, what it skipped and why (for `-v`), and paths that could
/// not be walked.
#[derive(Debug, Default)]
pub struct Found {
    pub inputs: Vec<Input>,
    pub skipped: Vec<(String, String)>,
    pub errors: Vec<ReadError>,
}

/// Compiles `--exclude` globs; a glob without `/` also matches a bare file or folder name.
pub fn excludes(globs: &[String]) -> Result<GlobSet, String> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        let glob = Glob::new(g).map_err(|e| format!("invalid --exclude glob `{g}`: {e}"))?;
        b.add(glob);
        if !g.contains('/') && !g.starts_with("**") {
            b.add(Glob::new(&format!("**/{g}")).map_err(|e| e.to_string())?);
        }
    }
    b.build().map_err(|e| e.to_string())
}

fn is_yaml(p: &Path) -> bool {
    matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
}

/// Expands the command line's paths (`-` is stdin; none means the current folder).
pub fn discover(paths: &[String], exclude: &GlobSet) -> Found {
    let mut found = Found::default();
    let defaulted = [".".to_string()];
    let paths = if paths.is_empty() {
        &defaulted[..]
    } else {
        paths
    };
    for p in paths {
        if p == "-" {
            found.inputs.push(Input::Stdin);
            continue;
        }
        let path = PathBuf::from(p);
        let name = display_name(&path);
        if exclude.is_match(&name) {
            found.skipped.push((name, "matches --exclude".into()));
            continue;
        }
        match std::fs::metadata(&path) {
            Err(e) => found.errors.push(ReadError {
                name,
                offset: None,
                message: super::io_message(&e),
            }),
            Ok(m) if m.is_dir() => walk_dir(&path, exclude, &mut found),
            Ok(_) => found.inputs.push(Input::File(path)),
        }
    }
    found
}

fn walk_dir(root: &Path, exclude: &GlobSet, found: &mut Found) {
    let canonical_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let mut files = Vec::new();
    let skipped = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let walker = WalkBuilder::new(root)
        .follow_links(false)
        .hidden(true)
        .git_ignore(true)
        .git_exclude(true)
        .require_git(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry({
            let exclude = exclude.clone();
            let skipped = skipped.clone();
            move |e| {
                let name = display_name(e.path());
                if e.depth() > 0 && exclude.is_match(&name) {
                    skipped.lock().unwrap().push((name, "matches --exclude".into()));
                    return false;
                }
                let is_dir = e.file_type().is_some_and(|t| t.is_dir());
                if is_dir
                    && e.file_name() == "templates"
                    && e.path().parent().is_some_and(|p| p.join("Chart.yaml").is_file())
                {
                    skipped.lock().unwrap().push((
                        name,
                        "Helm chart templates are not YAML until rendered: run `helm template CHART | spillway audit -`".into(),
                    ));
                    return false;
                }
                true
            }
        })
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                found.errors.push(ReadError {
                    name: display_name(root),
                    offset: None,
                    message: err.to_string(),
                });
                continue;
            }
        };
        let path = entry.path();
        let Some(ft) = entry.file_type() else {
            continue;
        };
        if ft.is_symlink() {
            let name = display_name(path);
            match std::fs::canonicalize(path) {
                Ok(target) if !target.starts_with(&canonical_root) => {
                    found.skipped.push((
                        name,
                        format!("symlink leads out of the tree (to {})", target.display()),
                    ));
                }
                Ok(_) => found.skipped.push((
                    name,
                    "symlink inside the tree (what it points to is read where it is)".into(),
                )),
                Err(e) => found
                    .skipped
                    .push((name, format!("broken symlink: {}", super::io_message(&e)))),
            }
            continue;
        }
        if ft.is_file() && is_yaml(path) {
            files.push(path.to_path_buf());
        }
    }
    found
        .skipped
        .extend(std::mem::take(&mut *skipped.lock().unwrap()));
    files.sort();
    found.inputs.extend(files.into_iter().map(Input::File));
}
