//! `.spillway.yaml`: the node pools, which objects are gateways, excluded files and per-rule
//! severity, found by walking up from each input file (then the current folder) or given with
//! `--config`. Read with spillway's own YAML reader, so every mistake in it is reported with its
//! line and column; unknown keys are errors.

use std::path::{Path, PathBuf};

use globset::GlobSet;

use crate::check::Severity;
use crate::k8s::Taint;
use crate::locate::Selector;
use crate::pools::{parse_taint, Label};
use crate::read::yaml::{Document, Limits, NodeId, Stream};

/// The file name looked for.
pub const FILE_NAME: &str = ".spillway.yaml";

/// One pool's settings.
#[derive(Debug, Clone, Default)]
pub struct PoolSettings {
    pub label: Option<Label>,
    pub taint: Option<Taint>,
    pub weight: Option<i64>,
}

/// A parsed configuration file.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Where it was read from, as shown in messages.
    pub name: String,
    /// The folder it applies to (globs in `exclude` are relative to it).
    pub dir: PathBuf,
    pub ecs: PoolSettings,
    pub virt: PoolSettings,
    pub select: Vec<Selector>,
    pub extend_select: Vec<Selector>,
    pub paths: Vec<String>,
    pub exclude: Vec<String>,
    /// Severity per rule id; `None` turns the rule off.
    pub rules: Vec<(&'static str, Option<Severity>)>,
}

/// A mistake in a configuration file, at a byte offset when it has one.
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub name: String,
    pub text: String,
    pub offset: Option<usize>,
    pub message: String,
}

/// The nearest `.spillway.yaml` in `dir` or a folder above it.
pub fn find(dir: &Path) -> Option<PathBuf> {
    let mut cur = Some(dir);
    while let Some(d) = cur {
        let p = d.join(FILE_NAME);
        if p.is_file() {
            return Some(p);
        }
        cur = d.parent();
    }
    None
}

struct Reader<'d, 'a> {
    doc: &'d Document<'a>,
    name: &'d str,
    text: &'d str,
}

impl Reader<'_, '_> {
    fn err(&self, at: NodeId, message: impl Into<String>) -> ConfigError {
        ConfigError {
            name: self.name.to_owned(),
            text: self.text.to_owned(),
            offset: Some(self.doc.span(at).start),
            message: message.into(),
        }
    }

    /// The entries of a mapping, checking every key against `known`.
    fn map(
        &self,
        node: NodeId,
        what: &str,
        known: &[&str],
    ) -> Result<Vec<(String, NodeId, NodeId)>, ConfigError> {
        let entries = self.doc.entries(node).ok_or_else(|| {
            self.err(
                node,
                format!(
                    "{what} must be a mapping, found {}",
                    self.doc.type_name(node)
                ),
            )
        })?;
        let mut out = Vec::new();
        for (k, v) in entries {
            let key = self.doc.scalar(k).unwrap_or("").to_owned();
            if !known.contains(&key.as_str()) {
                let near: Vec<&str> = known
                    .iter()
                    .copied()
                    .filter(|c| strsim::levenshtein(c, &key) <= 2)
                    .collect();
                let hint = if near.is_empty() {
                    format!("expected one of: {}", known.join(", "))
                } else {
                    format!("did you mean `{}`?", near.join("` or `"))
                };
                return Err(self.err(k, format!("unknown key `{key}` in {what}: {hint}")));
            }
            out.push((key, k, v));
        }
        Ok(out)
    }

    fn string(&self, node: NodeId, what: &str) -> Result<String, ConfigError> {
        self.doc
            .scalar(node)
            .filter(|_| !self.doc.is_null(node))
            .map(str::to_owned)
            .ok_or_else(|| {
                self.err(
                    node,
                    format!(
                        "{what} must be a string, found {}",
                        self.doc.type_name(node)
                    ),
                )
            })
    }

    /// A list of strings; a single string counts as a list of one.
    fn strings(&self, node: NodeId, what: &str) -> Result<Vec<(String, NodeId)>, ConfigError> {
        if let Some(items) = self.doc.items(node) {
            items
                .iter()
                .map(|i| Ok((self.string(*i, what)?, *i)))
                .collect()
        } else {
            Ok(vec![(self.string(node, what)?, node)])
        }
    }

    fn pool(&self, node: NodeId, which: &str) -> Result<PoolSettings, ConfigError> {
        let mut p = PoolSettings::default();
        for (key, _, v) in self.map(
            node,
            &format!("pools.{which}"),
            &["label", "taint", "weight"],
        )? {
            match key.as_str() {
                "label" => {
                    let s = self.string(v, "label")?;
                    p.label = Some(s.parse().map_err(|e: String| self.err(v, e))?);
                }
                "taint" => {
                    let s = self.string(v, "taint")?;
                    p.taint = Some(parse_taint(&s).map_err(|e| self.err(v, e))?);
                }
                _ => {
                    let w = self
                        .doc
                        .int(v)
                        .filter(|w| (1..=100).contains(w))
                        .ok_or_else(|| self.err(v, "weight must be an integer from 1 to 100"))?;
                    p.weight = Some(w);
                }
            }
        }
        Ok(p)
    }
}

/// Reads a configuration file.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let name = crate::read::relative_name(path);
    let source = crate::read::read_file(path).map_err(|e| ConfigError {
        name: name.clone(),
        text: String::new(),
        offset: e.offset,
        message: e.message,
    })?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    parse(&name, &source.text, dir)
}

/// Parses configuration text.
pub fn parse(name: &str, text: &str, dir: PathBuf) -> Result<Config, ConfigError> {
    let fail = |offset: Option<usize>, message: String| ConfigError {
        name: name.to_owned(),
        text: text.to_owned(),
        offset,
        message,
    };
    let mut stream = Stream::new(text, Limits::default());
    let doc = match stream.next_document() {
        None => {
            return Ok(Config {
                name: name.to_owned(),
                dir,
                ..Config::default()
            })
        }
        Some(Err(e)) => return Err(fail(Some(e.offset), e.message)),
        Some(Ok(d)) => d,
    };
    if let Some(Ok(second)) = stream.next_document() {
        return Err(fail(
            Some(second.start),
            "a configuration file holds one document".into(),
        ));
    }
    let mut c = Config {
        name: name.to_owned(),
        dir,
        ..Config::default()
    };
    let Some(root) = doc.root.filter(|r| !doc.is_null(*r)) else {
        return Ok(c);
    };
    let r = Reader {
        doc: &doc,
        name,
        text,
    };
    if let Some((dup, _)) = doc.duplicate_keys.first() {
        return Err(r.err(
            *dup,
            format!("duplicate key `{}`", doc.scalar(*dup).unwrap_or("")),
        ));
    }
    let top = [
        "pools",
        "select",
        "extend-select",
        "paths",
        "exclude",
        "rules",
    ];
    for (key, _, v) in r.map(root, "the configuration", &top)? {
        if doc.is_null(v) {
            continue;
        }
        match key.as_str() {
            "pools" => {
                for (which, _, pv) in r.map(v, "pools", &["ecs", "virtual"])? {
                    let p = r.pool(pv, &which)?;
                    if which == "ecs" {
                        c.ecs = p;
                    } else {
                        c.virt = p;
                    }
                }
            }
            "select" | "extend-select" => {
                let mut sels = Vec::new();
                for (s, n) in r.strings(v, &key)? {
                    sels.push(
                        s.parse::<Selector>()
                            .map_err(|e| r.err(n, format!("{key}: {e}")))?,
                    );
                }
                if key == "select" {
                    c.select = sels;
                } else {
                    c.extend_select = sels;
                }
            }
            "paths" => {
                for (p, n) in r.strings(v, "paths")? {
                    jsonpath_rust::parser::parse_json_path(&p)
                        .map_err(|e| r.err(n, format!("invalid JSONPath `{p}`: {e}")))?;
                    c.paths.push(p);
                }
            }
            "exclude" => {
                for (g, n) in r.strings(v, "exclude")? {
                    globset::Glob::new(&g)
                        .map_err(|e| r.err(n, format!("invalid glob `{g}`: {e}")))?;
                    c.exclude.push(g);
                }
            }
            _ => {
                let ids: Vec<&str> = crate::rules::RULES.iter().map(|r| r.id).collect();
                for (id, k, sv) in r.map(v, "rules", &ids)? {
                    let sev = match r.string(sv, "a severity")?.as_str() {
                        "error" => Some(Severity::Error),
                        "warning" => Some(Severity::Warning),
                        "info" => Some(Severity::Info),
                        "off" => None,
                        other => {
                            return Err(r.err(sv, format!("severity `{other}` of `{id}`: expected error, warning, info or off")))
                        }
                    };
                    let rule = crate::rules::find(&id).expect("checked against the registry");
                    let _ = k;
                    c.rules.push((rule.id, sev));
                }
            }
        }
    }
    Ok(c)
}

impl Config {
    /// Whether `file` (a path as found) is excluded by this file's globs, matched against its
    /// path relative to the configuration's folder.
    pub fn excludes(&self, file: &Path, globs: &GlobSet) -> bool {
        if self.exclude.is_empty() {
            return false;
        }
        let abs = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
        let dir = std::fs::canonicalize(&self.dir).unwrap_or_else(|_| self.dir.clone());
        let rel = abs.strip_prefix(&dir).map(Path::to_path_buf).unwrap_or(abs);
        // A glob matches the file or any folder on its way (`vendor` skips `vendor/dep.yaml`),
        // as `--exclude` does.
        rel.ancestors()
            .filter(|a| !a.as_os_str().is_empty())
            .any(|a| globs.is_match(crate::read::display_name(a)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Config, ConfigError> {
        parse(".spillway.yaml", text, PathBuf::from("."))
    }

    #[test]
    fn reads_every_key() {
        let c = p(crate::commands::init::STARTER).unwrap();
        assert_eq!(c.ecs.label.unwrap().to_string(), "mykey4pod=asmgateway");
        assert_eq!(
            c.ecs.weight, None,
            "the starter leaves weights commented out"
        );
        assert_eq!(c.virt.taint.unwrap().key, "virtual-kubelet.io/provider");
        let c = p("pools:\n  ecs: {weight: 70}\n").unwrap();
        assert_eq!(c.ecs.weight, Some(70));
        let c = p("select: [kind=IstioGateway]\nextend-select: kind=Deployment,name=x\npaths: ['$']\nexclude: [vendor/**]\nrules:\n  unrelated-required-term: off\n  virtual-not-preferred: error\n").unwrap();
        assert_eq!(c.select.len(), 1);
        assert_eq!(c.extend_select.len(), 1);
        assert_eq!(
            c.rules,
            vec![
                ("unrelated-required-term", None),
                ("virtual-not-preferred", Some(Severity::Error))
            ]
        );
    }

    #[test]
    fn mistakes_have_a_location() {
        let e = p("pools:\n  ecs:\n    lable: a=b\n").unwrap_err();
        assert_eq!(e.offset, Some(18)); // "pools:\n" + "  ecs:\n" + 4 spaces
        assert!(e.message.contains("did you mean `label`?"), "{}", e.message);
        let e = p("rules:\n  no-such-rule: off\n").unwrap_err();
        assert!(e.message.contains("unknown key `no-such-rule`"));
        let e = p("rules:\n  weights-inverted: fatal\n").unwrap_err();
        assert!(e.message.contains("expected error, warning, info or off"));
        let e = p("pools:\n  ecs:\n    taint: a=b:Never\n").unwrap_err();
        assert!(e.message.contains("effect"));
        let e = p("pools:\n  ecs:\n    weight: 0\n").unwrap_err();
        assert!(e.message.contains("1 to 100"));
        assert!(p("").is_ok());
    }
}
