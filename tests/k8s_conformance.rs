//! Conformance: every case in `shared/k8s-cases/{tolerations,node-selector,validation}.yaml` (inputs and the
//! result upstream Kubernetes gives) checked against `spillway::k8s`.
//!
//! The case folder is `$SPILLWAY_K8S_CASES` when set, else `../shared/k8s-cases/` beside the crate. A
//! missing folder or file fails the tests: these cases must never be skipped silently.

use std::collections::BTreeMap;
use std::path::PathBuf;

use saphyr_parser::{Event, Parser, ScalarStyle};
use serde_json::{Map, Number, Value};
use spillway::k8s::{
    terms_match, tolerates, validate_preferred, validate_required, validate_requirement,
    validate_toleration, FieldError, Gates, Node, PreferredTerm, Requirement, Taint, Term,
    Toleration,
};

// ---------------------------------------------------------------------------------------------------
// Loading: YAML events -> serde_json::Value
// ---------------------------------------------------------------------------------------------------

fn cases_dir() -> PathBuf {
    let dir = match std::env::var_os("SPILLWAY_K8S_CASES") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/k8s-cases/")),
    };
    assert!(
        dir.is_dir(),
        "k8s conformance cases folder {} is missing: check out shared/ beside the repo or set SPILLWAY_K8S_CASES",
        dir.display()
    );
    dir
}

fn read_cases_file(name: &str) -> String {
    let path = cases_dir().join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read conformance cases {}: {e}", path.display()))
}

/// A plain scalar is typed the YAML 1.2 core-schema way (null, bool, integer); everything else,
/// including every quoted or block scalar, is a string.
fn scalar_value(text: &str, style: ScalarStyle) -> Value {
    if style != ScalarStyle::Plain {
        return Value::String(text.to_string());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ => {
            let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                if let Ok(n) = text.parse::<i64>() {
                    return Value::Number(Number::from(n));
                }
            }
            Value::String(text.to_string())
        }
    }
}

enum Frame {
    Seq(Vec<Value>),
    Map(Map<String, Value>, Option<String>),
}

/// Converts a single-document YAML stream into a JSON-like value with saphyr-parser's event API.
fn yaml_to_value(src: &str) -> Result<Value, String> {
    let mut parser = Parser::new_from_str(src);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Value> = None;
    let mut documents = 0;
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| format!("YAML error: {e}"))?;
        let value = match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => continue,
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err("more than one YAML document".into());
                }
                continue;
            }
            Event::Alias(_) => {
                return Err(format!(
                    "aliases are not supported (line {})",
                    span.start.line()
                ));
            }
            Event::SequenceStart(..) => {
                stack.push(Frame::Seq(Vec::new()));
                continue;
            }
            Event::MappingStart(..) => {
                stack.push(Frame::Map(Map::new(), None));
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq(items)) => Value::Array(items),
                _ => return Err("unbalanced sequence end".into()),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map(map, None)) => Value::Object(map),
                _ => return Err("unbalanced mapping end".into()),
            },
            Event::Scalar(text, style, _, _) => scalar_value(&text, style),
        };
        match stack.last_mut() {
            None => root = Some(value),
            Some(Frame::Seq(items)) => items.push(value),
            Some(Frame::Map(map, pending)) => match pending.take() {
                None => match value {
                    Value::String(k) => *pending = Some(k),
                    Value::Null => *pending = Some(String::new()),
                    Value::Bool(b) => *pending = Some(b.to_string()),
                    Value::Number(n) => *pending = Some(n.to_string()),
                    _ => {
                        return Err(format!(
                            "complex mapping keys are not supported (line {})",
                            span.start.line()
                        ))
                    }
                },
                Some(k) => {
                    if map.insert(k.clone(), value).is_some() {
                        return Err(format!("duplicate key {k:?} (line {})", span.start.line()));
                    }
                }
            },
        }
    }
    if !stack.is_empty() {
        return Err("unterminated collection".into());
    }
    Ok(root.unwrap_or(Value::Null))
}

/// The top-level list items, counted from the raw text (a `- ` at column 0), independently of the parser.
fn count_top_level_items(src: &str) -> usize {
    src.lines()
        .filter(|l| l.starts_with("- ") || *l == "-")
        .count()
}

struct Case {
    index: usize,
    name: String,
    fields: Map<String, Value>,
}

/// Loads one cases file; asserts it is a non-empty list of mappings, one per top-level `- ` line.
fn load_cases(file: &str) -> Vec<Case> {
    let src = read_cases_file(file);
    let value = yaml_to_value(&src).unwrap_or_else(|e| panic!("{file}: {e}"));
    let Value::Array(items) = value else {
        panic!("{file}: the top level must be a list of cases");
    };
    assert!(!items.is_empty(), "{file}: no cases loaded");
    assert_eq!(
        items.len(),
        count_top_level_items(&src),
        "{file}: loaded case count differs from the number of top-level list items"
    );
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let Value::Object(fields) = item else {
                panic!("{file}: case #{index} is not a mapping");
            };
            let name = match fields.get("name") {
                Some(Value::String(s)) if !s.is_empty() => s.clone(),
                _ => panic!("{file}: case #{index} has no name"),
            };
            Case {
                index,
                name,
                fields,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------------
// Mapping values to the structs (strict: wrong types and unknown keys are case failures)
// ---------------------------------------------------------------------------------------------------

type R<T> = Result<T, String>;

fn as_object<'a>(v: &'a Value, what: &str, allowed: &[&str]) -> R<&'a Map<String, Value>> {
    let Value::Object(m) = v else {
        return Err(format!("{what}: expected a mapping, got {v}"));
    };
    if let Some(k) = m.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(format!("{what}: unknown key {k:?}"));
    }
    Ok(m)
}

fn opt_string(m: &Map<String, Value>, key: &str) -> R<Option<String>> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!("{key}: expected a string, got {other}")),
    }
}

fn string(m: &Map<String, Value>, key: &str) -> R<String> {
    Ok(opt_string(m, key)?.unwrap_or_default())
}

fn opt_i64(m: &Map<String, Value>, key: &str) -> R<Option<i64>> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| format!("{key}: not an integer")),
        Some(other) => Err(format!("{key}: expected an integer, got {other}")),
    }
}

fn bool_field(m: &Map<String, Value>, key: &str) -> R<bool> {
    match m.get(key) {
        Some(Value::Bool(b)) => Ok(*b),
        other => Err(format!("{key}: expected true or false, got {other:?}")),
    }
}

fn list<'a>(m: &'a Map<String, Value>, key: &str) -> R<&'a [Value]> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(other) => Err(format!("{key}: expected a list, got {other}")),
    }
}

fn string_map(m: &Map<String, Value>, key: &str) -> R<BTreeMap<String, String>> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(o)) => o
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                other => Err(format!("{key}.{k}: expected a string, got {other}")),
            })
            .collect(),
        Some(other) => Err(format!("{key}: expected a mapping, got {other}")),
    }
}

fn to_toleration(v: &Value) -> R<Toleration> {
    let m = as_object(
        v,
        "toleration",
        &["key", "operator", "value", "effect", "tolerationSeconds"],
    )?;
    Ok(Toleration {
        key: opt_string(m, "key")?,
        operator: opt_string(m, "operator")?,
        value: opt_string(m, "value")?,
        effect: opt_string(m, "effect")?,
        toleration_seconds: opt_i64(m, "tolerationSeconds")?,
    })
}

fn to_taint(v: &Value) -> R<Taint> {
    let m = as_object(v, "taint", &["key", "value", "effect"])?;
    Ok(Taint {
        key: string(m, "key")?,
        value: string(m, "value")?,
        effect: string(m, "effect")?,
    })
}

fn to_requirement(v: &Value) -> R<Requirement> {
    let m = as_object(v, "requirement", &["key", "operator", "values"])?;
    let values = list(m, "values")?
        .iter()
        .map(|v| match v {
            Value::String(s) => Ok(s.clone()),
            other => Err(format!("values: expected strings, got {other}")),
        })
        .collect::<R<Vec<_>>>()?;
    Ok(Requirement {
        key: string(m, "key")?,
        operator: string(m, "operator")?,
        values,
    })
}

fn to_term(v: &Value) -> R<Term> {
    if v.is_null() {
        return Ok(Term::default());
    }
    let m = as_object(v, "term", &["matchExpressions", "matchFields"])?;
    Ok(Term {
        match_expressions: list(m, "matchExpressions")?
            .iter()
            .map(to_requirement)
            .collect::<R<_>>()?,
        match_fields: list(m, "matchFields")?
            .iter()
            .map(to_requirement)
            .collect::<R<_>>()?,
    })
}

fn to_terms(m: &Map<String, Value>, key: &str) -> R<Vec<Term>> {
    list(m, key)?.iter().map(to_term).collect()
}

fn to_node(v: &Value) -> R<Node> {
    let m = as_object(v, "node", &["name", "labels"])?;
    Ok(Node {
        name: string(m, "name")?,
        labels: string_map(m, "labels")?,
        ..Node::default()
    })
}

fn to_preferred(v: &Value) -> R<PreferredTerm> {
    let m = as_object(v, "preferred term", &["weight", "preference"])?;
    Ok(PreferredTerm {
        weight: opt_i64(m, "weight")?.unwrap_or(0),
        preference: to_term(m.get("preference").unwrap_or(&Value::Null))?,
    })
}

fn get<'a>(case: &'a Case, key: &str) -> R<&'a Value> {
    case.fields
        .get(key)
        .ok_or_else(|| format!("missing {key:?}"))
}

// ---------------------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------------------

/// Runs every case of a file, collecting failures, then fails once listing all of them.
fn run_all(file: &str, allowed_keys: &[&str], check: impl Fn(&Case) -> R<()>) -> usize {
    let cases = load_cases(file);
    let mut failures = Vec::new();
    for case in &cases {
        let result = match case
            .fields
            .keys()
            .find(|k| !allowed_keys.contains(&k.as_str()))
        {
            Some(k) => Err(format!("unknown case key {k:?}")),
            None => check(case),
        };
        if let Err(e) = result {
            failures.push(format!("{file} #{} {:?}: {e}", case.index, case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n  {}",
        failures.len(),
        cases.len(),
        failures.join("\n  ")
    );
    cases.len()
}

fn describe(errs: &[FieldError]) -> String {
    errs.iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join(" | ")
}

#[test]
fn tolerations_conformance() {
    let n = run_all(
        "tolerations.yaml",
        &["name", "toleration", "taint", "tolerates"],
        |case| {
            let t = to_toleration(get(case, "toleration")?)?;
            let taint = to_taint(get(case, "taint")?)?;
            let want = bool_field(&case.fields, "tolerates")?;
            let got = tolerates(&t, &taint, &Gates::default());
            if got != want {
                return Err(format!("tolerates: got {got}, want {want}"));
            }
            Ok(())
        },
    );
    assert!(n > 0);
}

#[test]
fn node_selector_conformance() {
    let n = run_all(
        "node-selector.yaml",
        &["name", "terms", "node", "matches"],
        |case| {
            let terms = to_terms(&case.fields, "terms")?;
            let node = to_node(get(case, "node")?)?;
            let want = bool_field(&case.fields, "matches")?;
            let got = terms_match(&terms, &node);
            if got != want {
                return Err(format!("matches: got {got}, want {want}"));
            }
            Ok(())
        },
    );
    assert!(n > 0);
}

#[test]
fn validation_conformance() {
    let n = run_all(
        "validation.yaml",
        &["name", "kind", "value", "valid", "field"],
        |case| {
            let value = get(case, "value")?;
            let kind = match get(case, "kind")? {
                Value::String(s) => s.as_str(),
                other => return Err(format!("kind: expected a string, got {other}")),
            };
            let errs = match kind {
                "toleration" => validate_toleration(&to_toleration(value)?, &Gates::default()),
                "requirement" => validate_requirement(&to_requirement(value)?, true),
                "preferred" => validate_preferred(&to_preferred(value)?),
                "required" => {
                    let m = as_object(value, "required", &["nodeSelectorTerms"])?;
                    if !m.contains_key("nodeSelectorTerms") {
                        return Err("required: missing nodeSelectorTerms".into());
                    }
                    validate_required(&to_terms(m, "nodeSelectorTerms")?)
                }
                other => return Err(format!("unknown kind {other:?}")),
            };
            let valid = bool_field(&case.fields, "valid")?;
            let field = opt_string(&case.fields, "field")?;
            if valid {
                if field.is_some() {
                    return Err("a valid case cannot name a field".into());
                }
                if !errs.is_empty() {
                    return Err(format!("want valid, got errors: {}", describe(&errs)));
                }
                return Ok(());
            }
            let Some(first) = errs.first() else {
                return Err("want invalid, got no errors".into());
            };
            if let Some(field) = field {
                if first.field() != Some(field.as_str()) {
                    return Err(format!(
                        "first error's field: got {:?}, want {field:?} (errors: {})",
                        first.field(),
                        describe(&errs)
                    ));
                }
            }
            Ok(())
        },
    );
    assert!(n > 0);
}

#[test]
fn yaml_loader_types_scalars() {
    let v = yaml_to_value(
        "- {a: null, b: ~, c: , d: true, e: \"true\", f: 30, g: \"30\", h: -4, i: 4.5, j: 'x y', k: [1, \"2\"]}\n",
    )
    .unwrap();
    let m = v[0].as_object().unwrap();
    assert_eq!(m["a"], Value::Null);
    assert_eq!(m["b"], Value::Null);
    assert_eq!(m["c"], Value::Null);
    assert_eq!(m["d"], Value::Bool(true));
    assert_eq!(m["e"], Value::String("true".into()));
    assert_eq!(m["f"], Value::from(30));
    assert_eq!(m["g"], Value::String("30".into()));
    assert_eq!(m["h"], Value::from(-4));
    assert_eq!(m["i"], Value::String("4.5".into()));
    assert_eq!(m["j"], Value::String("x y".into()));
    assert_eq!(m["k"], serde_json::json!([1, "2"]));
    assert_eq!(count_top_level_items("# c\n- a\n- b:\n  - c\n"), 2);
    assert!(yaml_to_value("a: 1\na: 2\n").is_err());
}
