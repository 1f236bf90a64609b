//! Fixture tests: every YAML file under `fixtures/` (except the node inventories in
//! `fixtures/nodes/`, which are inputs) is audited with the flags on its first line, and
//!
//! * its human and JSON output are snapshotted (`tests/snapshots/{human,json}__<folder>__<name>.snap`);
//! * its findings are checked against what its name and header say (`fixtures_behave`).
//!
//! Header lines a fixture may carry (comments at the top of the file):
//!
//! * `# spillway-args: ...` (first line, required): the flags passed to `spillway audit`, paths
//!   relative to the crate root; quoted words (`'$'`) are unquoted as a shell would.
//! * `# spillway-also: rule-a, rule-b`: other rules the fixture may also (not must) report.
//! * `# spillway-expect: clean`: no finding and exit code 0 (implied by a name `correct*`).
//! * `# spillway-expect-exit: N`: the exit code (default: 1 if any error-severity finding, else 0).
//! * `# spillway-known-bug: ...`: spillway is known to get this fixture wrong; the behavioural
//!   check must FAIL on it (and the test fails once the bug is fixed, so the marker gets removed).
//!
//! A fixture named `<rule-id>.yaml` or `<rule-id>--<variant>.yaml` must report that rule at least
//! once, and nothing but that rule and its `spillway-also` rules.

use std::collections::BTreeSet;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

/// Flags for fixtures committed before the `# spillway-args:` convention, kept byte-identical.
const STANDARD_ARGS: &str = "--ecs-label mykey4pod=asmgateway --ecs-taint mykey=myvalue:NoSchedule";
const LEGACY_WITHOUT_ARGS: &[&str] = &[];

fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[derive(Debug)]
struct Fixture {
    /// Path below `fixtures/`, with `/` separators (`istio-gateway/correct.yaml`).
    rel: String,
    /// Path from the crate root, as passed to spillway (`fixtures/istio-gateway/correct.yaml`).
    arg_path: String,
    args: Vec<String>,
    also: Vec<String>,
    expect_clean: bool,
    expect_exit: Option<i32>,
    known_bug: Option<String>,
}

impl Fixture {
    /// File name without `.yaml`.
    fn stem(&self) -> &str {
        let name = self.rel.rsplit('/').next().unwrap();
        name.rsplit_once('.').map_or(name, |(s, _)| s)
    }

    /// `istio-gateway__ecs-taint-not-tolerated--value-typo`
    fn snapshot_suffix(&self) -> String {
        let no_ext = self.rel.rsplit_once('.').map_or(&*self.rel, |(s, _)| s);
        no_ext.replace('/', "__")
    }

    fn command_line(&self, json: bool) -> String {
        format!(
            "spillway audit --color never{} {} {}",
            if json { " --format json" } else { "" },
            self.args.join(" "),
            self.arg_path
        )
    }
}

/// Splits a flag line the way a POSIX shell would for simple cases: whitespace, '...' and "...".
fn split_args(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => cur.push(c),
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                in_word = true;
            }
            None if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            None => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    assert!(quote.is_none(), "unclosed quote in `{line}`");
    if in_word {
        out.push(cur);
    }
    out
}

fn read_text(path: &Path) -> String {
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    String::from_utf8(bytes).unwrap_or_else(|e| panic!("{} is not UTF-8: {e}", path.display()))
}

fn parse_fixture(rel: String) -> Fixture {
    let arg_path = format!("fixtures/{rel}");
    let text = read_text(&crate_root().join(&arg_path));
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut lines = text.lines().map(|l| l.trim_end_matches('\r'));
    let first = lines.next().unwrap_or("");
    let args = match first.strip_prefix("# spillway-args:") {
        Some(a) => split_args(a),
        None if LEGACY_WITHOUT_ARGS.contains(&rel.as_str()) => split_args(STANDARD_ARGS),
        None => panic!("fixture {arg_path}: the first line must be `# spillway-args: ...`"),
    };
    let mut fx = Fixture {
        expect_clean: rel.rsplit('/').next().unwrap().starts_with("correct"),
        rel,
        arg_path,
        args,
        also: Vec::new(),
        expect_exit: None,
        known_bug: None,
    };
    for line in std::iter::once(first)
        .chain(lines)
        .take_while(|l| l.starts_with('#'))
    {
        let line = line.trim_start_matches('#').trim();
        if let Some(v) = line.strip_prefix("spillway-also:") {
            fx.also.extend(
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
            );
        } else if let Some(v) = line.strip_prefix("spillway-expect:") {
            assert_eq!(
                v.trim(),
                "clean",
                "fixture {}: unknown `spillway-expect: {v}`",
                fx.arg_path
            );
            fx.expect_clean = true;
        } else if let Some(v) = line.strip_prefix("spillway-expect-exit:") {
            fx.expect_exit = Some(v.trim().parse().unwrap_or_else(|e| {
                panic!(
                    "fixture {}: bad spillway-expect-exit `{v}`: {e}",
                    fx.arg_path
                )
            }));
        } else if let Some(v) = line.strip_prefix("spillway-known-bug:") {
            fx.known_bug = Some(v.trim().to_owned());
        } else if line.starts_with("spillway-") && !line.starts_with("spillway-args:") {
            panic!("fixture {}: unknown header `{line}`", fx.arg_path);
        }
    }
    fx
}

fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
    let entries = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list fixtures folder {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        let rel = path
            .strip_prefix(base)
            .unwrap()
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        if path.is_dir() {
            if rel != "nodes" {
                walk(&path, base, out);
            }
        } else if rel.ends_with(".yaml") || rel.ends_with(".yml") {
            out.push(rel);
        }
    }
}

/// All fixtures, sorted. Fails (never skips) when there are none.
fn fixtures() -> Vec<Fixture> {
    let base = crate_root().join("fixtures");
    let mut rels = Vec::new();
    walk(&base, &base, &mut rels);
    rels.sort();
    assert!(
        !rels.is_empty(),
        "no fixture found under {}: the fixture tests must not pass vacuously",
        base.display()
    );
    rels.into_iter().map(parse_fixture).collect()
}

struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

fn run(fx: &Fixture, json: bool) -> Run {
    let mut cmd = Command::cargo_bin("spillway").unwrap();
    cmd.current_dir(crate_root())
        .env("COLUMNS", "100")
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .args(["audit", "--color", "never"]);
    if json {
        cmd.args(["--format", "json"]);
    }
    let out = cmd.args(&fx.args).arg(&fx.arg_path).output().unwrap();
    Run {
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        code: out.status.code().unwrap_or(-1),
    }
}

fn run_json(fx: &Fixture) -> (Value, i32) {
    let (v, _, code) = run_json_raw(fx);
    (v, code)
}

/// The parsed JSON report, the text as printed, and the exit code.
fn run_json_raw(fx: &Fixture) -> (Value, String, i32) {
    let r = run(fx, true);
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| {
        panic!(
            "fixture {}: `{}` did not print JSON ({e}); exit {}\nstdout:\n{}\nstderr:\n{}",
            fx.arg_path,
            fx.command_line(true),
            r.code,
            r.stdout,
            r.stderr
        )
    });
    (v, r.stdout, r.code)
}

fn settings_for(fx: &Fixture, json: bool) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_prepend_module_to_snapshot(false);
    s.set_snapshot_path("snapshots");
    s.set_omit_expression(true);
    s.set_description(format!(
        "fixture {}: {}",
        fx.arg_path,
        fx.command_line(json)
    ));
    s
}

fn rule_ids() -> BTreeSet<String> {
    let out = Command::cargo_bin("spillway")
        .unwrap()
        .arg("rules")
        .output()
        .unwrap();
    assert!(out.status.success(), "`spillway rules` failed");
    let ids: BTreeSet<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect();
    assert!(ids.len() >= 20, "`spillway rules` listed only {ids:?}");
    ids
}

// ---------------------------------------------------------------------------------------------------
// Snapshots
// ---------------------------------------------------------------------------------------------------

#[test]
fn human_snapshots() {
    for fx in fixtures() {
        let r = run(&fx, false);
        let shown = format!(
            "{}\n----- stderr -----\n{}\n----- exit code: {} -----\n",
            r.stdout.trim_end(),
            r.stderr.trim_end(),
            r.code
        );
        let name = format!("human__{}", fx.snapshot_suffix());
        settings_for(&fx, false).bind(|| insta::assert_snapshot!(name, shown));
    }
}

#[test]
fn json_snapshots() {
    for fx in fixtures() {
        // The report as printed (it is pretty already; parsing it checks it is JSON).
        let (_, printed, code) = run_json_raw(&fx);
        let shown = format!("{}\n----- exit code: {code} -----\n", printed.trim_end());
        let name = format!("json__{}", fx.snapshot_suffix());
        settings_for(&fx, true).bind(|| insta::assert_snapshot!(name, shown));
    }
}

// ---------------------------------------------------------------------------------------------------
// Behaviour
// ---------------------------------------------------------------------------------------------------

fn findings(v: &Value) -> &[Value] {
    v["findings"].as_array().map_or(&[], Vec::as_slice)
}

fn rule_of(f: &Value) -> &str {
    f["rule"].as_str().unwrap_or("<no rule>")
}

/// The text of `file` from (line, column) to (end_line, end_column), 1-based, counted in
/// characters, end exclusive; `None` when the position is outside the file.
fn span_text(file_text: &str, f: &Value) -> Result<(String, String), String> {
    let num = |k: &str| f[k].as_u64().map(|n| n as usize);
    let (Some(line), Some(col)) = (num("line"), num("column")) else {
        return Err("no line/column".into());
    };
    let end_line = num("end_line").unwrap_or(line);
    let end_col = num("end_column").unwrap_or(col);
    if line == 0 || col == 0 {
        return Err(format!("line/column {line}:{col} is not 1-based"));
    }
    if (end_line, end_col) <= (line, col) {
        return Err(format!(
            "empty or reversed span {line}:{col}..{end_line}:{end_col}"
        ));
    }
    let lines: Vec<&str> = file_text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let Some(l) = lines.get(line - 1) else {
        return Err(format!("line {line} is past the end of the file"));
    };
    let chars: Vec<char> = l.chars().collect();
    if col > chars.len() {
        return Err(format!(
            "column {col} is past the end of line {line} ({} characters)",
            chars.len()
        ));
    }
    let before: String = chars[..col - 1].iter().collect();
    let text: String = if end_line == line {
        chars[col - 1..(end_col - 1).min(chars.len())]
            .iter()
            .collect()
    } else {
        chars[col - 1..].iter().collect()
    };
    Ok((before, text))
}

/// Checks that a finding's (or related span's) position points at meaningful text.
fn check_span(f: &Value, what: &str, problems: &mut Vec<String>) {
    let Some(file) = f["file"].as_str() else {
        problems.push(format!("{what}: no file"));
        return;
    };
    let text = read_text(&crate_root().join(file));
    let (before, span) = match span_text(&text, f) {
        Ok(x) => x,
        Err(e) => {
            problems.push(format!("{what}: {file}: {e}"));
            return;
        }
    };
    let at = format!("{what} at {file}:{}:{} (`{span}`)", f["line"], f["column"]);
    if span.trim().is_empty() || span.starts_with(char::is_whitespace) {
        problems.push(format!("{at}: span starts with blank text"));
        return;
    }
    if span.starts_with('#') {
        problems.push(format!("{at}: span starts in a comment"));
    }
    // When the path ends in a field, the span is that key, or the value written after `key:`.
    let Some(last) = f["path"]
        .as_str()
        .and_then(|p| p.rsplit('/').next())
        .filter(|s| !s.is_empty())
    else {
        return;
    };
    let before = before.trim_end();
    // An anchor (`&name`) or tag between the key and the value is part of neither.
    let before = match before.rsplit_once(char::is_whitespace) {
        Some((rest, tok)) if tok.starts_with('&') || tok.starts_with('!') => rest.trim_end(),
        None if before.starts_with('&') || before.starts_with('!') => "",
        _ => before,
    };
    let unquoted = |s: &str| s.trim_matches(|c| c == '"' || c == '\'').to_owned();
    if last.parse::<usize>().is_ok() {
        // A sequence item: after `- `, `[` or `,` (or the item is a whole block mapping).
        let ok = before.ends_with('-') || before.ends_with('[') || before.ends_with(',');
        let ok = ok || span.starts_with('-');
        if !ok {
            problems.push(format!(
                "{at}: path ends in item {last} but the span is not at a sequence item (text before: `{before}`)"
            ));
        }
    } else {
        let key = last.replace("~1", "/").replace("~0", "~");
        let on_key = unquoted(&span).starts_with(&key)
            || span.starts_with("- ") && span[2..].trim_start().starts_with(&key);
        let on_value = before
            .strip_suffix(':')
            .is_some_and(|b| unquoted(b.rsplit(['{', ',', ' ', '-']).next().unwrap_or("")) == key);
        // A block collection as the value starts on the line after `key:`.
        let on_block_value = before.is_empty()
            && f["line"].as_u64().is_some_and(|l| {
                text.lines()
                    .take(l as usize - 1)
                    .map(str::trim_end)
                    .filter(|p| !p.is_empty() && !p.trim_start().starts_with('#'))
                    .last()
                    .is_some_and(|p| p.ends_with(&format!("{key}:")))
            });
        if !on_key && !on_value && !on_block_value {
            problems.push(format!(
                "{at}: path ends in field `{key}` but the span is neither that key nor its value (text before: `{before}`)"
            ));
        }
    }
}

/// What is wrong with one fixture's behaviour (empty: as expected).
fn behaviour_problems(fx: &Fixture, rules: &BTreeSet<String>) -> Vec<String> {
    let mut problems = Vec::new();
    let (v, code) = run_json(fx);
    let found = findings(&v);
    let errors = v["errors"].as_array().map_or(&[][..], Vec::as_slice);

    for r in &fx.also {
        if !rules.contains(r) {
            problems.push(format!("spillway-also names unknown rule `{r}`"));
        }
    }

    // Exit code.
    let any_error = found.iter().any(|f| f["severity"] == "error");
    let expected_exit = fx.expect_exit.unwrap_or(if !errors.is_empty() {
        2
    } else {
        i32::from(any_error)
    });
    if code != expected_exit {
        problems.push(format!("exit code {code}, expected {expected_exit}"));
    }
    if fx.expect_exit == Some(2) && errors.is_empty() {
        problems.push("exit 2 expected but the JSON lists no input error".into());
    }
    if fx.expect_exit != Some(2) && !errors.is_empty() {
        problems.push(format!("unexpected input errors: {errors:?}"));
    }

    // Which rules.
    let reported: Vec<String> = found
        .iter()
        .map(|f| format!("{}@{}:{}", rule_of(f), f["line"], f["column"]))
        .collect();
    let prefix = fx.stem().split("--").next().unwrap();
    if fx.expect_clean {
        if !found.is_empty() {
            problems.push(format!("expected no finding, got {reported:?}"));
        }
    } else if rules.contains(prefix) {
        if !found.iter().any(|f| rule_of(f) == prefix) {
            problems.push(format!("expected `{prefix}`, got {reported:?}"));
        }
        for f in found {
            let r = rule_of(f);
            if r != prefix && !fx.also.iter().any(|a| a == r) {
                problems.push(format!(
                    "unexpected `{r}` at {}:{} (not `{prefix}` nor on a spillway-also line): {}",
                    f["line"], f["column"], f["message"]
                ));
            }
        }
    }

    // Every finding's shape and position.
    for (i, f) in found.iter().enumerate() {
        for key in ["rule", "severity", "message", "file"] {
            if !f[key].is_string() {
                problems.push(format!(
                    "finding {i} ({}) has no string `{key}`",
                    rule_of(f)
                ));
            }
        }
        if !rules.contains(rule_of(f)) {
            problems.push(format!(
                "finding {i}: rule `{}` is not listed by `spillway rules`",
                rule_of(f)
            ));
        }
        check_span(f, &format!("finding {i} ({})", rule_of(f)), &mut problems);
        for (j, rel) in f["related"].as_array().into_iter().flatten().enumerate() {
            check_span(
                rel,
                &format!("finding {i} ({}) related {j}", rule_of(f)),
                &mut problems,
            );
        }
    }
    problems
}

#[test]
fn fixtures_behave() {
    let rules = rule_ids();
    let all = fixtures();
    let mut failures = Vec::new();
    let mut checked = 0;
    for fx in &all {
        let problems = behaviour_problems(fx, &rules);
        checked += 1;
        match (&fx.known_bug, problems.is_empty()) {
            (None, true) | (Some(_), false) => {}
            (None, false) => failures.push(format!(
                "{} ({}):\n    {}",
                fx.arg_path,
                fx.command_line(true),
                problems.join("\n    ")
            )),
            (Some(bug), true) => failures.push(format!(
                "{}: marked `spillway-known-bug: {bug}` but now behaves as expected: remove the marker",
                fx.arg_path
            )),
        }
    }
    assert!(checked > 0, "no fixture checked");
    assert!(
        failures.is_empty(),
        "{} of {} fixtures misbehave:\n\n{}",
        failures.len(),
        all.len(),
        failures.join("\n\n")
    );
}

/// Each form folder has a `correct.yaml`, and every node-rule fixture names an existing inventory.
#[test]
fn fixture_layout() {
    let all = fixtures();
    for form in ["istio-gateway", "deployment", "istio-operator"] {
        let rel = format!("{form}/correct.yaml");
        assert!(
            all.iter().any(|f| f.rel == rel),
            "fixtures/{rel} is missing"
        );
    }
    for fx in &all {
        for w in fx.args.windows(2) {
            if w[0] == "--nodes" {
                assert!(
                    crate_root().join(&w[1]).is_file(),
                    "fixture {}: --nodes {} does not exist",
                    fx.arg_path,
                    w[1]
                );
            }
        }
    }
}

/// The CRLF and BOM copies really are CRLF / BOM, and report exactly what their LF original does.
#[test]
fn line_endings_and_bom_do_not_move_findings() {
    let all = fixtures();
    let key = |v: &Value| -> Vec<(String, Value, Value, Value, Value, Value)> {
        findings(v)
            .iter()
            .map(|f| {
                (
                    rule_of(f).to_owned(),
                    f["line"].clone(),
                    f["column"].clone(),
                    f["end_line"].clone(),
                    f["end_column"].clone(),
                    f["path"].clone(),
                )
            })
            .collect()
    };
    let mut pairs = 0;
    for fx in &all {
        let Some(base) = fx
            .rel
            .strip_suffix("--crlf.yaml")
            .map(|b| (b, "crlf"))
            .or_else(|| fx.rel.strip_suffix("--bom.yaml").map(|b| (b, "bom")))
        else {
            continue;
        };
        let bytes = std::fs::read(crate_root().join(&fx.arg_path)).unwrap();
        match base.1 {
            "crlf" => assert!(
                bytes.windows(2).filter(|w| w == b"\r\n").count()
                    == bytes.iter().filter(|b| **b == b'\n').count(),
                "{}: not every line ends in CRLF",
                fx.arg_path
            ),
            _ => assert!(
                bytes.starts_with(b"\xef\xbb\xbf") && !bytes.contains(&b'\r'),
                "{}: expected a UTF-8 BOM and LF line ends",
                fx.arg_path
            ),
        }
        let lf_rel = format!("{}--lf.yaml", base.0);
        let lf = all.iter().find(|f| f.rel == lf_rel).unwrap_or_else(|| {
            panic!(
                "{}: its LF original fixtures/{lf_rel} is missing",
                fx.arg_path
            )
        });
        let (a, _) = run_json(lf);
        let (b, _) = run_json(fx);
        assert!(
            !findings(&a).is_empty(),
            "{}: expected findings",
            lf.arg_path
        );
        assert_eq!(
            key(&a),
            key(&b),
            "{} reports other rules/positions than {}",
            fx.arg_path,
            lf.arg_path
        );
        pairs += 1;
    }
    assert!(
        pairs >= 2,
        "expected a --crlf and a --bom fixture, found {pairs}"
    );
}

#[test]
fn split_args_handles_quotes() {
    assert_eq!(
        split_args(" --path '$' --ecs-label a=b \"x y\""),
        ["--path", "$", "--ecs-label", "a=b", "x y"]
    );
}

// ---------------------------------------------------------------------------------------------------
// apply
// ---------------------------------------------------------------------------------------------------

/// Runs `spillway <cmd> <extra> <fixture args> <path>` from the crate root.
fn run_cmd(fx: &Fixture, cmd: &[&str], path: &str, stdin: Option<&str>) -> Run {
    let mut c = Command::cargo_bin("spillway").unwrap();
    c.current_dir(crate_root())
        .env("COLUMNS", "100")
        .env("NO_COLOR", "1")
        .args(cmd)
        .args(&fx.args)
        .arg(path);
    if let Some(s) = stdin {
        c.write_stdin(s.to_owned());
    }
    let out = c.output().unwrap();
    Run {
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        code: out.status.code().unwrap_or(-1),
    }
}

/// `spillway apply --diff` on every fixture: the diff (or the refusal) is pinned.
#[test]
fn apply_diff_snapshots() {
    for fx in fixtures() {
        let r = run_cmd(&fx, &["apply", "--diff"], &fx.arg_path, None);
        let shown = format!(
            "{}\n----- stderr -----\n{}\n----- exit code: {} -----\n",
            r.stdout.trim_end(),
            r.stderr.trim_end(),
            r.code
        );
        let name = format!("apply__{}", fx.snapshot_suffix());
        let mut s = settings_for(&fx, false);
        s.set_description(format!(
            "fixture {}: spillway apply --diff {} {}",
            fx.arg_path,
            fx.args.join(" "),
            fx.arg_path
        ));
        s.bind(|| insta::assert_snapshot!(name, shown));
    }
}

/// On every fixture apply either refuses with exit 2 (a parse error, or a pool it cannot know)
/// or produces output that (a) apply leaves unchanged, (b) audit no longer reports any finding
/// apply resolves for, and (c) keeps every comment line; and `--check` agrees with whether the
/// output differs.
#[test]
fn apply_resolves_its_findings_and_is_idempotent() {
    let mut problems = Vec::new();
    let mut applied = 0;
    for fx in fixtures() {
        let input = read_text(&crate_root().join(&fx.arg_path));
        let first = run_cmd(&fx, &["apply"], &fx.arg_path, None);
        if first.code == 2 {
            let expected = fx.expect_exit == Some(2)
                || fx.stem().starts_with("ecs-pool-unknown")
                || fx.stem().starts_with("ecs-label-mismatch")
                || fx.stem().starts_with("wrong-type");
            if !expected {
                problems.push(format!(
                    "{}: apply refused: {}",
                    fx.rel,
                    first.stderr.trim()
                ));
            }
            continue;
        }
        if first.code != 0 {
            problems.push(format!(
                "{}: apply exited {}: {}",
                fx.rel,
                first.code,
                first.stderr.trim()
            ));
            continue;
        }
        applied += 1;
        let second = run_cmd(&fx, &["apply"], "-", Some(&first.stdout));
        if second.stdout != first.stdout {
            problems.push(format!("{}: apply is not idempotent", fx.rel));
        }
        let check = run_cmd(&fx, &["apply", "--check"], &fx.arg_path, None);
        let changed = first.stdout != input;
        if check.code != i32::from(changed) {
            problems.push(format!(
                "{}: --check exited {} but the file {} change",
                fx.rel,
                check.code,
                if changed { "would" } else { "would not" }
            ));
        }
        let audit = run_cmd(
            &fx,
            &["audit", "--format", "json"],
            "-",
            Some(&first.stdout),
        );
        let v: Value = serde_json::from_str(&audit.stdout).unwrap();
        // Objects apply said it left unchanged (YAML shared through anchors) keep their findings.
        let left: Vec<&str> = first
            .stderr
            .lines()
            .filter(|l| l.contains("unchanged: its scheduling fields are shared"))
            .collect();
        for f in findings(&v) {
            let name = f["object"]["name"].as_str().unwrap_or("");
            let kept = left.iter().any(|l| l.contains(name));
            if spillway::plan::RESOLVES.contains(&rule_of(f)) && !kept {
                problems.push(format!(
                    "{}: after apply, audit still reports {}",
                    fx.rel,
                    rule_of(f)
                ));
            }
        }
        for line in input.lines().map(str::trim).filter(|l| l.starts_with('#')) {
            if !first.stdout.lines().any(|l| l.trim() == line) {
                problems.push(format!("{}: apply lost the comment line {line:?}", fx.rel));
            }
        }
    }
    assert!(
        applied >= 100,
        "only {applied} fixtures applied: the test would pass vacuously"
    );
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// A stream is read piece by piece (`read::chunks`), and only the lines around findings are
/// kept: every fixture audited on its own and all of them audited as one stream on stdin give
/// the same findings at the same lines (shifted by where each file starts in the stream), with
/// the same snippet text.
#[test]
fn one_stream_sees_what_each_file_sees() {
    let standard = split_args(STANDARD_ARGS);
    let mut stream = String::new();
    let mut expected = Vec::new();
    for fx in fixtures() {
        let text = read_text(&crate_root().join(&fx.arg_path));
        // Same flags, one parse-clean LF file each (a BOM is only a BOM at the very start).
        if fx.args != standard
            || !fx.also.is_empty()
            || text.contains('\r')
            || text.contains('\u{feff}')
        {
            continue;
        }
        let (v, code) = run_json(&fx);
        if code == 2 || !v["errors"].as_array().is_none_or(|e| e.is_empty()) {
            continue;
        }
        if !stream.is_empty() {
            stream.push_str("---\n");
        }
        let first_line = stream.matches('\n').count();
        for f in findings(&v) {
            expected.push(format!(
                "{} {}:{} {}",
                rule_of(f),
                f["line"].as_u64().unwrap() as usize + first_line,
                f["column"],
                f["message"].as_str().unwrap()
            ));
        }
        stream.push_str(&text);
        if !stream.ends_with('\n') {
            stream.push('\n');
        }
    }
    assert!(
        expected.len() > 100,
        "the fixtures have findings: {}",
        expected.len()
    );
    let out = Command::cargo_bin("spillway")
        .unwrap()
        .args(["audit", "--format", "json", "-"])
        .args(&standard)
        .write_stdin(stream.clone())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let got: Vec<String> = findings(&v)
        .iter()
        .map(|f| {
            format!(
                "{} {}:{} {}",
                rule_of(f),
                f["line"],
                f["column"],
                f["message"].as_str().unwrap()
            )
        })
        .collect();
    let (mut e, mut g) = (expected.clone(), got.clone());
    e.sort();
    g.sort();
    assert_eq!(g, e);
    // And the snippets show the stream's own lines.
    let human = Command::cargo_bin("spillway")
        .unwrap()
        .env("NO_COLOR", "1")
        .args(["audit", "--color", "never", "-"])
        .args(&standard)
        .write_stdin(stream.clone())
        .output()
        .unwrap();
    let human = String::from_utf8(human.stdout).unwrap();
    let lines: Vec<&str> = stream.lines().collect();
    let mut shown = 0;
    for l in human.lines() {
        // `  42 │     value: myvalu`
        let Some((num, rest)) = l.trim_start().split_once(" │ ") else {
            continue;
        };
        let Ok(n) = num.trim().parse::<usize>() else {
            continue;
        };
        // (A multi-line label draws its own gutter before the text.)
        assert!(
            rest.trim_end().ends_with(lines[n - 1].trim()),
            "line {n} of the stream is `{}`, shown as `{rest}`",
            lines[n - 1]
        );
        shown += 1;
    }
    assert!(shown > 100, "{shown} snippet lines checked");
}
