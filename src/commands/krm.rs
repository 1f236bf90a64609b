//! `spillway krm`: a KRM function (KRM Functions Specification, `config.kubernetes.io/v1`
//! `ResourceList` on stdin, a `ResourceList` on stdout) for `kpt fn eval --exec`, `kpt fn render`
//! and kustomize's `config.kubernetes.io/function: exec:` transformers.
//!
//! `audit` mode returns the items unchanged plus one `results` entry per finding and exits 1 when
//! any is an error; `apply` mode returns the items with the overflow block applied (byte-range
//! edits over the ResourceList's text, so comments in items stay) plus results for what apply
//! left. A YAML input is edited in place (only `results` is added); a JSON input gets JSON back.
//!
//! Also home of the function configuration shared with `spillway kustomize-plugin`: a ConfigMap
//! whose `data` holds `mode` and the pool keys, or a `spillway.dev/v1alpha1` `OverflowPolicy` (or
//! `OverflowTransformer`, the same schema) with `spec: {mode, pools: {ecs, virtual}, ...}`.

use std::ops::Range;

use clap::Args;
use serde_json::Value;

use crate::check::suppress::{self, Ignore};
use crate::check::{self, Finding, Severity};
use crate::locate;
use crate::plan::block::Options;
use crate::plan::yaml_out::Y;
use crate::plan::{self, edit, ops::Ops};
use crate::pools::{parse_taint, Label, PoolConfig};
use crate::read::yaml::{Document, Kind, NodeId, Route, Seg, Stream, Style};
use crate::setup::Setup;

/// `spillway krm` takes no arguments: everything comes in the ResourceList's `functionConfig`.
#[derive(Debug, Args)]
#[command(
    long_about = "A KRM function: reads a ResourceList (YAML or JSON) on stdin and writes a ResourceList on stdout.\n\nfunctionConfig: a ConfigMap whose data has mode (audit|apply), ecs-label, ecs-taint, virtual-label, virtual-taint, ecs-weight, virtual-weight, fix-node-selector; or a spillway.dev/v1alpha1 OverflowPolicy (see docs/integrations.md).\n\n  kpt fn eval DIR --exec \"spillway krm\" -- mode=apply ecs-label=mykey4pod=asmgateway ecs-taint=mykey=myvalue:NoSchedule\n\nExit codes: 0 no error result, 1 an error result (the ResourceList is still printed), 2 the input is not a ResourceList (message on stderr)."
)]
pub struct KrmArgs {}

/// What the function does with the gateways it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Audit,
    Apply,
}

/// The function's configuration, from a ConfigMap or a typed object.
#[derive(Debug, Clone)]
pub struct FnConfig {
    pub mode: Mode,
    pub pools: PoolConfig,
    pub opts: Options,
}

impl FnConfig {
    pub fn setup(&self) -> Setup {
        Setup::with_pools(self.pools.clone())
    }
}

/// The API group/version of spillway's typed configuration objects.
pub const API_VERSION: &str = "spillway.dev/v1alpha1";
/// Kinds accepted as typed configuration (same schema).
pub const KINDS: &[&str] = &["OverflowPolicy", "OverflowTransformer"];

const CONFIGMAP_KEYS: &[&str] = &[
    "mode",
    "ecs-label",
    "ecs-taint",
    "virtual-label",
    "virtual-taint",
    "ecs-weight",
    "virtual-weight",
    "fix-node-selector",
];

/// A configuration error at a byte offset of the text it was read from.
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub offset: usize,
    pub message: String,
}

fn cerr(doc: &Document, at: NodeId, message: impl Into<String>) -> ConfigError {
    ConfigError {
        offset: doc.span(at).start,
        message: message.into(),
    }
}

/// Raw values, each with the node it came from (for error positions).
#[derive(Default)]
struct Raw {
    mode: Option<(String, NodeId)>,
    ecs_label: Option<(String, NodeId)>,
    ecs_taint: Option<(String, NodeId)>,
    virtual_label: Option<(String, NodeId)>,
    virtual_taint: Option<(String, NodeId)>,
    ecs_weight: Option<(String, NodeId)>,
    virtual_weight: Option<(String, NodeId)>,
    fix_node_selector: Option<(String, NodeId)>,
}

fn scalar_of(doc: &Document, v: NodeId, what: &str) -> Result<String, ConfigError> {
    match &doc.node(doc.resolve(v)).kind {
        Kind::Scalar { value, .. } if !doc.is_null(v) => Ok(value.to_string()),
        _ => Err(cerr(
            doc,
            v,
            format!("{what}: expected a string, found {}", doc.type_name(v)),
        )),
    }
}

fn entries_of(
    doc: &Document,
    map: NodeId,
    what: &str,
) -> Result<Vec<(String, NodeId, NodeId)>, ConfigError> {
    if doc.is_null(map) {
        return Ok(Vec::new());
    }
    let entries = doc.entries(map).ok_or_else(|| {
        cerr(
            doc,
            map,
            format!("{what}: expected a mapping, found {}", doc.type_name(map)),
        )
    })?;
    entries
        .into_iter()
        .map(|(k, v)| Ok((scalar_of(doc, k, what)?, k, v)))
        .collect()
}

/// Reads the function configuration at `node` (a ConfigMap or a typed object); `None` (no
/// functionConfig) gives the defaults: audit mode, pools inferred per gateway.
pub fn parse_config(doc: &Document, node: Option<NodeId>) -> Result<FnConfig, ConfigError> {
    let Some(node) = node.filter(|n| !doc.is_null(*n)) else {
        return build(doc, Raw::default());
    };
    if !doc.is_map(node) {
        return Err(cerr(
            doc,
            node,
            format!(
                "functionConfig: expected a mapping, found {}",
                doc.type_name(node)
            ),
        ));
    }
    let get_str = |key: &str| {
        doc.get(node, key)
            .and_then(|(_, v)| doc.scalar(v))
            .unwrap_or("")
            .to_owned()
    };
    let (api_version, kind) = (get_str("apiVersion"), get_str("kind"));
    let mut raw = Raw::default();
    if kind == "ConfigMap" {
        let Some((_, data)) = doc.get(node, "data") else {
            return build(doc, raw);
        };
        for (key, k, v) in entries_of(doc, data, "data")? {
            let value = Some((scalar_of(doc, v, &format!("data.{key}"))?, v));
            match key.as_str() {
                "mode" => raw.mode = value,
                "ecs-label" => raw.ecs_label = value,
                "ecs-taint" => raw.ecs_taint = value,
                "virtual-label" => raw.virtual_label = value,
                "virtual-taint" => raw.virtual_taint = value,
                "ecs-weight" => raw.ecs_weight = value,
                "virtual-weight" => raw.virtual_weight = value,
                "fix-node-selector" => raw.fix_node_selector = value,
                _ => {
                    return Err(cerr(
                        doc,
                        k,
                        format!(
                            "data.{key}: unknown key; the keys are {}",
                            CONFIGMAP_KEYS.join(", ")
                        ),
                    ))
                }
            }
        }
        return build(doc, raw);
    }
    if !KINDS.contains(&kind.as_str()) || api_version != API_VERSION {
        let at = doc.get(node, "kind").map_or(node, |(_, v)| v);
        return Err(cerr(
            doc,
            at,
            format!(
                "functionConfig is `{api_version}` `{kind}`: expected a ConfigMap or a {API_VERSION} {}",
                KINDS.join(" or ")
            ),
        ));
    }
    for (key, k, v) in entries_of(doc, node, &kind)? {
        match key.as_str() {
            "apiVersion" | "kind" | "metadata" => {}
            "spec" => {
                for (key, k, v) in entries_of(doc, v, "spec")? {
                    let what = format!("spec.{key}");
                    match key.as_str() {
                        "mode" => raw.mode = Some((scalar_of(doc, v, &what)?, v)),
                        "fixNodeSelector" => {
                            raw.fix_node_selector = Some((scalar_of(doc, v, &what)?, v))
                        }
                        "pools" => {
                            for (pool, k, v) in entries_of(doc, v, "spec.pools")? {
                                let ecs = match pool.as_str() {
                                    "ecs" => true,
                                    "virtual" => false,
                                    _ => {
                                        return Err(cerr(
                                            doc,
                                            k,
                                            format!("spec.pools.{pool}: unknown pool; the pools are ecs and virtual"),
                                        ))
                                    }
                                };
                                for (key, k, v) in
                                    entries_of(doc, v, &format!("spec.pools.{pool}"))?
                                {
                                    let what = format!("spec.pools.{pool}.{key}");
                                    let value = Some((scalar_of(doc, v, &what)?, v));
                                    match (key.as_str(), ecs) {
                                        ("label", true) => raw.ecs_label = value,
                                        ("taint", true) => raw.ecs_taint = value,
                                        ("weight", true) => raw.ecs_weight = value,
                                        ("label", false) => raw.virtual_label = value,
                                        ("taint", false) => raw.virtual_taint = value,
                                        ("weight", false) => raw.virtual_weight = value,
                                        _ => return Err(cerr(
                                            doc,
                                            k,
                                            format!("{what}: unknown key; the keys are label, taint, weight"),
                                        )),
                                    }
                                }
                            }
                        }
                        _ => {
                            return Err(cerr(
                                doc,
                                k,
                                format!(
                                "{what}: unknown key; the keys are mode, pools, fixNodeSelector"
                            ),
                            ))
                        }
                    }
                }
            }
            _ => {
                return Err(cerr(
                    doc,
                    k,
                    format!("{key}: unknown key; the keys are apiVersion, kind, metadata, spec"),
                ))
            }
        }
    }
    build(doc, raw)
}

fn build(doc: &Document, raw: Raw) -> Result<FnConfig, ConfigError> {
    let mode = match &raw.mode {
        None => Mode::Audit,
        Some((m, n)) => match m.as_str() {
            "audit" => Mode::Audit,
            "apply" => Mode::Apply,
            _ => {
                return Err(cerr(
                    doc,
                    *n,
                    format!("mode `{m}`: expected audit or apply"),
                ))
            }
        },
    };
    let label = |v: &Option<(String, NodeId)>| -> Result<Option<Label>, ConfigError> {
        v.as_ref()
            .map(|(s, n)| s.parse::<Label>().map_err(|e| cerr(doc, *n, e)))
            .transpose()
    };
    let taint = |v: &Option<(String, NodeId)>| {
        v.as_ref()
            .map(|(s, n)| parse_taint(s).map_err(|e| cerr(doc, *n, e)))
            .transpose()
    };
    let weight = |v: &Option<(String, NodeId)>, what: &str| {
        v.as_ref()
            .map(|(s, n)| match s.trim().parse::<i64>() {
                Ok(w) if (1..=100).contains(&w) => Ok(w),
                _ => Err(cerr(
                    doc,
                    *n,
                    format!("{what} `{s}`: expected an integer from 1 to 100"),
                )),
            })
            .transpose()
    };
    let pools = PoolConfig::new(
        label(&raw.ecs_label)?,
        taint(&raw.ecs_taint)?,
        label(&raw.virtual_label)?,
        taint(&raw.virtual_taint)?,
    );
    let ecs_weight = weight(&raw.ecs_weight, "ecs weight")?;
    let virtual_weight = weight(&raw.virtual_weight, "virtual weight")?;
    let (e, v) = (ecs_weight.unwrap_or(80), virtual_weight.unwrap_or(20));
    if v >= e {
        let n = raw
            .virtual_weight
            .as_ref()
            .or(raw.ecs_weight.as_ref())
            .map(|x| x.1);
        return Err(ConfigError {
            offset: n.map_or(0, |n| doc.span(n).start),
            message: format!("the ECS weight ({e}) must be greater than the virtual weight ({v}): ECS is the preferred pool"),
        });
    }
    let fix_node_selector = match &raw.fix_node_selector {
        None => false,
        Some((s, n)) => match s.as_str() {
            "true" | "True" | "TRUE" => true,
            "false" | "False" | "FALSE" => false,
            _ => {
                return Err(cerr(
                    doc,
                    *n,
                    format!("fix-node-selector `{s}`: expected true or false"),
                ))
            }
        },
    };
    Ok(FnConfig {
        mode,
        pools,
        opts: Options {
            ecs_weight: e,
            virtual_weight: v,
            weights_explicit: (ecs_weight.is_some(), virtual_weight.is_some()),
            fix_node_selector,
        },
    })
}

/// One item of the ResourceList: where it is and what results say about it.
struct Item {
    node: NodeId,
    route: Route,
    span: Range<usize>,
    resource_ref: Vec<(String, Y)>,
    file: Vec<(String, Y)>,
}

fn items_of(doc: &Document, root: NodeId) -> Result<Vec<Item>, String> {
    let Some((_, items)) = doc.get(root, "items") else {
        return Ok(Vec::new());
    };
    if doc.is_null(items) {
        return Ok(Vec::new());
    }
    let list = doc
        .items(items)
        .ok_or_else(|| format!("items: expected a list, found {}", doc.type_name(items)))?;
    let prefix = Route::default().child("items");
    Ok(list
        .iter()
        .enumerate()
        .map(|(i, &node)| {
            let s = |route: &[&str]| {
                let segs: Vec<Seg> = route.iter().map(|k| Seg::Key((*k).into())).collect();
                doc.at(node, &segs)
                    .and_then(|n| doc.scalar(n))
                    .map(str::to_owned)
            };
            let mut resource_ref = Vec::new();
            for (key, route) in [
                ("apiVersion", &["apiVersion"][..]),
                ("kind", &["kind"][..]),
                ("name", &["metadata", "name"][..]),
                ("namespace", &["metadata", "namespace"][..]),
            ] {
                if let Some(v) = s(route).filter(|v| !v.is_empty()) {
                    resource_ref.push((key.to_owned(), Y::Str(v)));
                }
            }
            let annotation = |name: &str| {
                s(&[
                    "metadata",
                    "annotations",
                    &format!("internal.config.kubernetes.io/{name}"),
                ])
                .or_else(|| {
                    s(&[
                        "metadata",
                        "annotations",
                        &format!("config.kubernetes.io/{name}"),
                    ])
                })
            };
            let mut file = Vec::new();
            if let Some(p) = annotation("path") {
                file.push(("path".to_owned(), Y::Str(p)));
                if let Some(i) = annotation("index").and_then(|i| i.parse::<i64>().ok()) {
                    file.push(("index".to_owned(), Y::Int(i)));
                }
            }
            Item {
                node,
                route: prefix.index(i),
                span: doc.span(node),
                resource_ref,
                file,
            }
        })
        .collect())
}

/// The item whose text holds `offset`.
fn item_at(items: &[Item], offset: usize) -> Option<usize> {
    items
        .iter()
        .position(|it| it.span.start <= offset && offset < it.span.end.max(it.span.start + 1))
}

/// A JSON pointer (absolute, from the document) as a field path of the item, in the notation
/// kpt and the apiserver use: `spec.tolerations[1].value`, map keys with dots as `[key]`.
fn field_path(doc: &Document, item: &Item, pointer: &str) -> Option<String> {
    let segs: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    let prefix: Vec<String> = item
        .route
        .0
        .iter()
        .map(|s| match s {
            Seg::Key(k) => k.clone(),
            Seg::Index(i) => i.to_string(),
        })
        .collect();
    let rest = segs.strip_prefix(prefix.as_slice())?;
    let mut out = String::new();
    let mut cur = Some(item.node);
    for seg in rest {
        let is_seq = cur.is_some_and(|c| doc.items(c).is_some());
        match seg.parse::<usize>() {
            Ok(i) if is_seq || cur.is_none() => {
                out.push_str(&format!("[{i}]"));
                cur = cur.and_then(|c| doc.items(c).and_then(|it| it.get(i).copied()));
            }
            _ => {
                if seg.contains(['.', '[', ']']) {
                    out.push_str(&format!("[{seg}]"));
                } else {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(seg);
                }
                cur = cur.and_then(|c| doc.get(c, seg).map(|(_, v)| v));
            }
        }
    }
    Some(out)
}

/// Messages name the command line's flags; a function is configured with keys instead.
pub fn config_words(message: &str) -> String {
    message
        .replace(" (or --nodes)", "")
        .replace("pass --ecs-label K=V", "set ecs-label=K=V")
        .replace("pass --ecs-taint K=V:EFFECT", "set ecs-taint=K=V:EFFECT")
        .replace("pass --", "set ")
        .replace("--ecs-label", "ecs-label")
        .replace("--ecs-taint", "ecs-taint")
        .replace("--virtual-label", "virtual-label")
        .replace("--virtual-taint", "virtual-taint")
        .replace("--ecs-weight", "ecs-weight")
        .replace("--virtual-weight", "virtual-weight")
        .replace("--fix-node-selector", "fix-node-selector")
}

/// One entry of `results`.
fn result(
    message: String,
    severity: Severity,
    item: Option<&Item>,
    field: Option<String>,
    rule: Option<&str>,
) -> Y {
    let mut m = vec![
        ("message".to_owned(), Y::Str(config_words(&message))),
        ("severity".to_owned(), Y::s(severity.as_str())),
    ];
    if let Some(it) = item {
        if !it.resource_ref.is_empty() {
            m.push(("resourceRef".to_owned(), Y::Map(it.resource_ref.clone())));
        }
    }
    if let Some(f) = field.filter(|f| !f.is_empty()) {
        m.push((
            "field".to_owned(),
            Y::Map(vec![("path".to_owned(), Y::Str(f))]),
        ));
    }
    if let Some(it) = item {
        if !it.file.is_empty() {
            m.push(("file".to_owned(), Y::Map(it.file.clone())));
        }
    }
    if let Some(r) = rule {
        m.push((
            "tags".to_owned(),
            Y::Map(vec![("rule".to_owned(), Y::s(r))]),
        ));
    }
    Y::Map(m)
}

fn finding_result(doc: &Document, items: &[Item], f: &Finding) -> Y {
    let item = item_at(items, f.primary.span.start).map(|i| &items[i]);
    let field = item.and_then(|it| {
        f.primary
            .path
            .as_deref()
            .and_then(|p| field_path(doc, it, p))
    });
    let mut message = format!("{}: {}", f.rule.id, f.message);
    if let Some(h) = &f.help {
        message.push_str(&format!(" (help: {h})"));
    }
    result(message, f.severity, item, field, Some(f.rule.id))
}

/// Locates the gateways of every item; routes are absolute (from the ResourceList's root).
fn locate_items(
    doc: &Document,
    items: &[Item],
    setup: &Setup,
) -> Result<Vec<(usize, locate::Target)>, (usize, String)> {
    let mut out = Vec::new();
    for (i, it) in items.iter().enumerate() {
        let located =
            locate::locate_object(doc, it.node, &it.route, &setup.locate).map_err(|m| (i, m))?;
        out.extend(located.targets.into_iter().map(|t| (i, t)));
    }
    Ok(out)
}

/// The findings of every item's gateways.
fn audit(
    text: &str,
    doc: &Document,
    items: &[Item],
    setup: &Setup,
) -> Result<Vec<Finding>, (usize, String)> {
    let targets: Vec<locate::Target> = locate_items(doc, items, setup)?
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    let (findings, _) = check::check_document(doc, &targets, &setup.pools, None);
    Ok(suppress::apply(
        text,
        findings,
        &ignores(text, doc, &targets),
        &setup.severities,
    ))
}

/// The suppressions of a ResourceList: `# spillway: ignore[...]` comments (kpt keeps comments in
/// items) and each gateway item's `spillway.dev/ignore` annotation.
fn ignores(text: &str, doc: &Document, targets: &[locate::Target]) -> Vec<Ignore> {
    let mut out = suppress::comments(text);
    out.extend(targets.iter().filter_map(|t| suppress::annotation(doc, t)));
    out
}

/// The gateways of a ResourceList document (for `plan::finish`'s verification).
fn locate_list(doc: &Document, setup: &Setup) -> Result<Vec<locate::Target>, String> {
    let root = doc.root.ok_or("an empty document")?;
    let items = items_of(doc, root)?;
    locate_items(doc, &items, setup)
        .map(|v| v.into_iter().map(|(_, t)| t).collect())
        .map_err(|(_, m)| m)
}

/// A fatal input problem: message on stderr, exit 2.
fn fatal(message: impl std::fmt::Display) -> i32 {
    eprintln!("spillway krm: {message}");
    super::EXIT_ERROR
}

/// A parsed ResourceList: its only document and root mapping.
fn parse_list(text: &str) -> Result<(Document<'_>, NodeId), String> {
    let mut stream = Stream::new(text, Default::default());
    let doc = match stream.next_document() {
        None => return Err("no ResourceList on standard input (it is empty)".into()),
        Some(Err(e)) => {
            let (l, c) = crate::read::lines::LineIndex::new(text).line_col(e.offset);
            return Err(format!("<stdin>:{l}:{c}: not YAML or JSON: {}", e.message));
        }
        Some(Ok(d)) => d,
    };
    if let Some(Ok(_)) = stream.next_document() {
        return Err("expected one ResourceList, found several YAML documents".into());
    }
    let root = doc
        .root
        .filter(|r| doc.is_map(*r))
        .ok_or("expected a ResourceList, found no mapping")?;
    let kind = doc
        .get(root, "kind")
        .and_then(|(_, v)| doc.scalar(v))
        .unwrap_or("");
    if kind != "ResourceList" {
        return Err(format!(
            "expected a ResourceList (config.kubernetes.io/v1), found kind `{kind}`"
        ));
    }
    Ok((doc, root))
}

/// Adds `results` to the ResourceList's text (after any results already there).
fn with_results(
    text: &str,
    doc: &Document,
    root: NodeId,
    results: Vec<Y>,
) -> Result<String, String> {
    if results.is_empty() {
        return Ok(text.to_owned());
    }
    let mut ops = Ops::new(doc, text);
    match doc.get(root, "results") {
        Some((k, v)) if doc.is_null(v) => ops.fill_value(k, v, &Y::Seq(results)),
        Some((_, v)) => {
            let n = doc.node(v);
            match &n.kind {
                Kind::Seq(existing) if n.flow || !existing.is_empty() => {
                    ops.push_items(v, &results)
                }
                _ => {
                    return Err(format!(
                        "results: expected a list, found {}",
                        doc.type_name(v)
                    ))
                }
            }
        }
        None => ops.add_entries(root, &[("results".to_owned(), Y::Seq(results))]),
    }
    edit::apply(text, &ops.edits)
}

/// A node as JSON, keeping YAML 1.2 core types (integers, floats, booleans, null).
fn json_of(doc: &Document, id: NodeId) -> Value {
    let id = doc.resolve(id);
    match &doc.node(id).kind {
        Kind::Map(_) => Value::Object(
            doc.entries(id)
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| {
                    (
                        doc.scalar(k).unwrap_or_default().to_owned(),
                        json_of(doc, v),
                    )
                })
                .collect(),
        ),
        Kind::Seq(items) => Value::Array(items.iter().map(|i| json_of(doc, *i)).collect()),
        Kind::Scalar { value, style } => {
            if doc.is_null(id) {
                Value::Null
            } else if let Some(b) = doc.bool(id) {
                Value::Bool(b)
            } else if let Some(i) = doc.int(id) {
                Value::from(i)
            } else if *style == Style::Plain && doc.type_name(id) == "a number" {
                value
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map_or_else(|| Value::String(value.to_string()), Value::Number)
            } else {
                Value::String(value.to_string())
            }
        }
        Kind::Alias(_) => Value::Null,
    }
}

/// The output text: YAML as edited, or JSON when the input was JSON (a flow mapping).
fn output(text: &str, json: bool) -> Result<String, String> {
    if !json {
        return Ok(text.to_owned());
    }
    let (doc, root) = parse_list(text)?;
    let mut s = serde_json::to_string_pretty(&json_of(&doc, root)).map_err(|e| e.to_string())?;
    s.push('\n');
    Ok(s)
}

/// `spillway krm`.
pub fn run(_args: &KrmArgs) -> i32 {
    let src = match crate::read::read_stdin() {
        Ok(s) => s,
        Err(e) => return fatal(format!("{}: {}", e.name, e.message)),
    };
    let text = src.text.as_str();
    let (doc, root) = match parse_list(text) {
        Ok(x) => x,
        Err(m) => return fatal(m),
    };
    let json = doc.node(root).flow;
    let items = match items_of(&doc, root) {
        Ok(i) => i,
        Err(m) => return fatal(m),
    };
    let emit =
        |new_text: &str, new_doc: &Document, new_root: NodeId, results: Vec<Y>, code: i32| {
            match with_results(new_text, new_doc, new_root, results).and_then(|t| output(&t, json))
            {
                Ok(t) => {
                    use std::io::Write;
                    let mut out = std::io::stdout().lock();
                    if out
                        .write_all(t.as_bytes())
                        .and_then(|_| out.flush())
                        .is_err()
                    {
                        return super::EXIT_ERROR;
                    }
                    code
                }
                Err(m) => fatal(format!("internal error: {m}")),
            }
        };
    let fn_config = doc.get(root, "functionConfig").map(|(_, v)| v);
    let config = match parse_config(&doc, fn_config) {
        Ok(c) => c,
        Err(e) => {
            let r = result(
                format!("invalid functionConfig: {}", e.message),
                Severity::Error,
                None,
                None,
                None,
            );
            eprintln!("spillway krm: invalid functionConfig: {}", e.message);
            return emit(text, &doc, root, vec![r], super::EXIT_FINDINGS);
        }
    };
    let setup = config.setup();
    let code_of = |results: &[Y]| {
        let error = results.iter().any(|r| {
            matches!(r, Y::Map(m) if m.iter().any(|(k, v)| k == "severity" && *v == Y::s("error")))
        });
        if error {
            super::EXIT_FINDINGS
        } else {
            super::EXIT_OK
        }
    };
    match config.mode {
        Mode::Audit => {
            let results: Vec<Y> = match audit(text, &doc, &items, &setup) {
                Ok(findings) => findings
                    .iter()
                    .map(|f| finding_result(&doc, &items, f))
                    .collect(),
                Err((i, m)) => vec![result(m, Severity::Error, Some(&items[i]), None, None)],
            };
            let code = code_of(&results);
            emit(text, &doc, root, results, code)
        }
        Mode::Apply => {
            // The same planner and verification as `spillway apply`, over the items.
            let targets = match locate_list(&doc, &setup) {
                Ok(t) => t,
                Err(m) => return fatal(m),
            };
            let plan = plan::plan_targets(
                text,
                &doc,
                &targets,
                &setup,
                config.opts,
                &suppress::comments(text),
            );
            let mut results: Vec<Y> = plan
                .errors
                .iter()
                .map(|(offset, m, _)| {
                    let item = item_at(&items, *offset).map(|i| &items[i]);
                    result(m.clone(), Severity::Error, item, None, None)
                })
                .collect();
            results.extend(plan.notes.iter().map(|n| {
                let item = item_at(&items, n.offset).map(|i| &items[i]);
                result(n.message.clone(), Severity::Info, item, None, None)
            }));
            let new_text = match plan::finish(text, &setup, &plan, 1, &locate_list) {
                Ok(t) => t,
                Err(e) => return fatal(e.message),
            };
            let (new_doc, new_root) = match parse_list(&new_text) {
                Ok(x) => x,
                Err(m) => {
                    return fatal(format!(
                        "internal error, nothing changed: the result does not parse ({m})"
                    ))
                }
            };
            let new_items = match items_of(&new_doc, new_root) {
                Ok(i) if i.len() == items.len() => i,
                _ => return fatal("internal error, nothing changed: the result lost items"),
            };
            // What is left goes to results.
            let findings = match audit(&new_text, &new_doc, &new_items, &setup) {
                Ok(f) => f,
                Err((_, m)) => return fatal(format!("internal error, nothing changed: {m}")),
            };
            results.extend(
                findings
                    .iter()
                    .map(|f| finding_result(&new_doc, &new_items, f)),
            );
            // Apply leaves what it cannot fix for the user: it fails only when a gateway could
            // not be planned at all (as `spillway apply` does), so that kpt writes the fixes.
            let code = if plan.errors.is_empty() {
                super::EXIT_OK
            } else {
                super::EXIT_FINDINGS
            };
            emit(&new_text, &new_doc, new_root, results, code)
        }
    }
}
