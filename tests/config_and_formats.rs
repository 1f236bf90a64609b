//! CI output formats, exit-code flags, `.spillway.yaml` and inline suppressions, through the
//! binary.

mod common;
use common::*;

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn stdout_of(c: &mut Command, code: i32) -> String {
    String::from_utf8(c.assert().code(code).get_output().stdout.clone()).unwrap()
}

fn rules_in(json: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(json).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect()
}

// --- formats -----------------------------------------------------------------------------------

#[test]
fn sarif_has_rules_results_regions_and_fingerprints() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "gw/a.yaml", &broken());
    let out = stdout_of(
        spillway()
            .current_dir(d.path())
            .args(["audit", "--format", "sarif", "gw"])
            .args(POOLS),
        1,
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), spillway::rules::RULES.len());
    for r in rules {
        for k in [
            "id",
            "name",
            "shortDescription",
            "fullDescription",
            "help",
            "defaultConfiguration",
        ] {
            assert!(!r[k].is_null(), "rule lacks {k}: {r}");
        }
    }
    let res = &run["results"][0];
    assert_eq!(res["ruleId"], "ecs-taint-not-tolerated");
    assert_eq!(res["level"], "error");
    let loc = &res["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "gw/a.yaml");
    assert_eq!(loc["region"]["startLine"], 74);
    assert_eq!(loc["region"]["startColumn"], 14);
    assert_eq!(loc["region"]["snippet"]["text"], "myvalu");
    assert!(res["relatedLocations"]
        .as_array()
        .is_some_and(|r| !r.is_empty()));
    let fp = res["partialFingerprints"]["spillwayFinding/v1"]
        .as_str()
        .unwrap()
        .to_owned();
    // The fingerprint follows the finding, not its line: two lines added above keep it.
    write(
        d.path(),
        "gw/a.yaml",
        &format!("# one\n# two\n{}", broken()),
    );
    let out = stdout_of(
        spillway()
            .current_dir(d.path())
            .args(["audit", "--format", "sarif", "gw"])
            .args(POOLS),
        1,
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        76
    );
    assert_eq!(
        v["runs"][0]["results"][0]["partialFingerprints"]["spillwayFinding/v1"],
        fp.as_str()
    );
    // An absolute path below the working folder is reported relative to it.
    let root = d.path().canonicalize().unwrap();
    let out = stdout_of(
        spillway()
            .current_dir(&root)
            .args(["audit", "--format", "sarif"])
            .arg(root.join("gw"))
            .args(POOLS),
        1,
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "gw/a.yaml"
    );
}

/// Microsoft's reference validator (`Sarif.Multitool validate`, npm
/// `@microsoft/sarif-multitool-linux`): no error, and no warning but the one docs/integrations.md
/// defends (SARIF2005: no informationUri, as spillway has no public site yet).
#[test]
fn sarif_passes_the_reference_validator() {
    let tool = std::env::var("SPILLWAY_SARIF_MULTITOOL")
        .ok()
        .filter(|p| Path::new(p).exists());
    let Some(tool) = tool else {
        assert!(
            !clients_required(),
            "SPILLWAY_REQUIRE_CLIENTS=1 but SPILLWAY_SARIF_MULTITOOL does not name Sarif.Multitool"
        );
        say_skipped("Sarif.Multitool not installed (set SPILLWAY_SARIF_MULTITOOL)");
        return;
    };
    let d = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = spillway()
        .current_dir(root)
        .args([
            "audit",
            "--format",
            "sarif",
            "fixtures/example",
            "fixtures/misc",
            "fixtures/istio-operator",
        ])
        .args(POOLS)
        .output()
        .unwrap();
    let sarif = d.path().join("out.sarif");
    fs::write(&sarif, &out.stdout).unwrap();
    let report = d.path().join("validation.sarif");
    let status = std::process::Command::new(&tool)
        .args(["validate"])
        .arg(&sarif)
        .arg("-o")
        .arg(&report)
        .args([
            "--log",
            "ForceOverwrite",
            "--level",
            "Error;Warning;Note",
            "--rule-kind",
            "Sarif;Gh",
        ])
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "validator failed: {}",
        String::from_utf8_lossy(&status.stdout)
    );
    let v: Value = serde_json::from_str(&fs::read_to_string(&report).unwrap()).unwrap();
    let results = v["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let bad: Vec<String> = results
        .iter()
        .filter(|r| r["level"].as_str().unwrap_or("warning") != "note")
        .map(|r| format!("{} {}", r["ruleId"], r["message"]))
        .filter(|s| !s.starts_with("\"SARIF2005\""))
        .collect();
    assert!(bad.is_empty(), "validator errors or warnings: {bad:#?}");
}

#[test]
fn github_annotations() {
    let out = stdout_of(
        spillway()
            .args(["audit", "-", "--format", "github"])
            .args(POOLS)
            .write_stdin(broken()),
        1,
    );
    let line = out.lines().next().unwrap();
    assert!(
        line.starts_with("::error file=<stdin>,line=74,col=14,endLine=74,endColumn=20,title=ecs-taint-not-tolerated::no toleration tolerates"),
        "{line}"
    );
    assert!(line.contains("%0Ahelp: did you mean `myvalue`?"), "{line}");
    // A warning-level finding becomes a `::warning`.
    let warn = correct().replace(
        "          - matchExpressions:\n              - key: type",
        "          - matchExpressions:\n              - key: zone\n                operator: In\n                values: [a]\n          - matchExpressions:\n              - key: type",
    );
    let out = stdout_of(
        spillway()
            .args(["audit", "-", "--format", "github"])
            .args(POOLS)
            .write_stdin(warn),
        0,
    );
    assert!(
        out.starts_with("::warning file=<stdin>,line=47,col=13,endLine=50,"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 1);
}

#[test]
fn gitlab_code_quality_report() {
    let out = stdout_of(
        spillway()
            .args(["audit", "-", "--format", "gitlab"])
            .args(POOLS)
            .write_stdin(broken()),
        1,
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    let issue = &v.as_array().unwrap()[0];
    assert_eq!(issue["check_name"], "ecs-taint-not-tolerated");
    assert_eq!(issue["severity"], "major");
    assert_eq!(issue["location"]["path"], "<stdin>");
    assert_eq!(issue["location"]["lines"]["begin"], 74);
    assert_eq!(issue["fingerprint"].as_str().unwrap().len(), 16);
    assert!(issue["description"].as_str().unwrap().contains("myvalue"));
}

#[test]
fn strict_exit_zero_and_quiet() {
    // Only a warning (an extra required term): exit 0, but 1 with --strict.
    let warn = correct().replace(
        "          - matchExpressions:\n              - key: type",
        "          - matchExpressions:\n              - key: zone\n                operator: In\n                values: [a]\n          - matchExpressions:\n              - key: type",
    );
    spillway()
        .args(["audit", "-"])
        .args(POOLS)
        .write_stdin(warn.clone())
        .assert()
        .code(0);
    spillway()
        .args(["audit", "-", "--strict"])
        .args(POOLS)
        .write_stdin(warn)
        .assert()
        .code(1);
    spillway()
        .args(["audit", "-", "--exit-zero"])
        .args(POOLS)
        .write_stdin(broken())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("ecs-taint-not-tolerated"));
    // --exit-zero never hides an input that could not be read.
    spillway()
        .args(["audit", "--exit-zero", "missing.yaml"])
        .assert()
        .code(2);
    spillway()
        .args(["audit", "-", "--quiet"])
        .args(POOLS)
        .write_stdin(broken())
        .assert()
        .code(1)
        .stderr("");
    spillway()
        .args(["audit", "-"])
        .args(POOLS)
        .write_stdin(broken())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("1 error"));
}

// --- configuration -----------------------------------------------------------------------------

#[test]
fn the_nearest_config_above_each_file_is_used_and_flags_win() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        ".spillway.yaml",
        "pools:\n  ecs:\n    label: mykey4pod=asmgateway\n    taint: mykey=myvalue:NoSchedule\n",
    );
    // A team folder with other pools: its own config wins below it.
    write(
        d.path(),
        "team/.spillway.yaml",
        "pools:\n  ecs:\n    label: mykey4pod=asmgateway\n    taint: mykey=myvalu:NoSchedule\n",
    );
    write(d.path(), "a/gw.yaml", &broken());
    write(d.path(), "team/gw.yaml", &broken());
    let out = stdout_of(
        spillway()
            .current_dir(d.path())
            .args(["audit", "--format", "json", "."]),
        1,
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    let files: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        ["a/gw.yaml"],
        "team/ declares the taint the file tolerates"
    );
    // A flag overrides every file.
    let out = stdout_of(
        spillway().current_dir(d.path()).args([
            "audit",
            "--format",
            "json",
            ".",
            "--ecs-taint",
            "mykey=myvalu:NoSchedule",
        ]),
        0,
    );
    assert!(rules_in(&out).is_empty(), "{out}");
    // --config names one file for all; --no-config ignores them (the taint is then inferred).
    let out = stdout_of(
        spillway().current_dir(d.path()).args([
            "audit",
            "--format",
            "json",
            ".",
            "--config",
            "team/.spillway.yaml",
        ]),
        0,
    );
    assert!(rules_in(&out).is_empty());
    let out = stdout_of(
        spillway()
            .current_dir(d.path())
            .args(["audit", "--format", "json", ".", "--no-config"]),
        0,
    );
    assert!(rules_in(&out).is_empty());
}

#[test]
fn config_rules_exclude_and_select() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        ".spillway.yaml",
        "pools:\n  ecs: {label: mykey4pod=asmgateway, taint: mykey=myvalue:NoSchedule}\nrules:\n  ecs-taint-not-tolerated: warning\nexclude: [vendor/**]\n",
    );
    write(d.path(), "gw.yaml", &broken());
    write(d.path(), "vendor/gw.yaml", &broken());
    let out = stdout_of(
        spillway()
            .current_dir(d.path())
            .args(["audit", "--format", "json", "-v", "."]),
        0,
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 1);
    assert_eq!(v["findings"][0]["severity"], "warning");
    assert_eq!(v["findings"][0]["file"], "gw.yaml");
    write(d.path(), ".spillway.yaml", "pools:\n  ecs: {label: mykey4pod=asmgateway, taint: mykey=myvalue:NoSchedule}\nrules:\n  ecs-taint-not-tolerated: off\n");
    spillway()
        .current_dir(d.path())
        .args(["audit", "gw.yaml"])
        .assert()
        .code(0);
    // A rule turned off is not fixed by apply either.
    spillway()
        .current_dir(d.path())
        .args(["apply", "--check", "gw.yaml"])
        .assert()
        .code(0);
    write(d.path(), ".spillway.yaml", "select: [kind=Deployment]\n");
    spillway()
        .current_dir(d.path())
        .args(["audit", "gw.yaml"])
        .args(POOLS)
        .assert()
        .code(0);
}

#[test]
fn config_mistakes_are_located_errors() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        ".spillway.yaml",
        "pools:\n  ecs:\n    lable: mykey4pod=asmgateway\n",
    );
    write(d.path(), "gw.yaml", &correct());
    spillway()
        .current_dir(d.path())
        .args(["audit", "."])
        .assert()
        .code(2)
        .stdout(predicate::str::contains(".spillway.yaml:3:5: parse-error"))
        .stdout(predicate::str::contains("did you mean `label`?"));
    spillway()
        .current_dir(d.path())
        .args(["apply", "--check", "."])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            ".spillway.yaml:3:5: error: unknown key `lable`",
        ));
}

#[test]
fn init_writes_a_starter_that_works() {
    let d = tempfile::tempdir().unwrap();
    spillway()
        .current_dir(d.path())
        .arg("init")
        .assert()
        .code(0);
    spillway()
        .current_dir(d.path())
        .arg("init")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--force"));
    spillway()
        .current_dir(d.path())
        .args(["init", "--force"])
        .assert()
        .code(0);
    // The starter names the documented pools: a correct gateway is clean without flags, a
    // broken one is caught.
    write(d.path(), "ok.yaml", &correct());
    spillway()
        .current_dir(d.path())
        .args(["audit", "ok.yaml"])
        .assert()
        .code(0);
    write(d.path(), "bad.yaml", &broken());
    spillway()
        .current_dir(d.path())
        .args(["audit", "bad.yaml"])
        .assert()
        .code(1);
}

// --- suppressions ------------------------------------------------------------------------------

#[test]
fn an_ignore_comment_on_the_line_or_the_line_before_suppresses() {
    let same_line = broken().replace(
        "value: myvalu",
        "value: myvalu  # spillway: ignore[ecs-taint-not-tolerated]",
    );
    spillway()
        .args(["audit", "-"])
        .args(POOLS)
        .write_stdin(same_line.clone())
        .assert()
        .code(0);
    let line_before = broken().replace(
        "      value: myvalu\n",
        "      # spillway: ignore[ecs-taint-not-tolerated]\n      value: myvalu\n",
    );
    spillway()
        .args(["audit", "-"])
        .args(POOLS)
        .write_stdin(line_before)
        .assert()
        .code(0);
    // apply leaves a suppressed finding alone.
    spillway()
        .args(["apply", "-"])
        .args(POOLS)
        .write_stdin(same_line.clone())
        .assert()
        .code(0)
        .stdout(same_line);
    // Another rule's name does not suppress it, and is itself reported as unused.
    let other = broken().replace(
        "value: myvalu",
        "value: myvalu  # spillway: ignore[weights-inverted]",
    );
    let out = stdout_of(
        spillway()
            .args(["audit", "-", "--format", "json"])
            .args(POOLS)
            .write_stdin(other),
        1,
    );
    assert_eq!(rules_in(&out), ["ecs-taint-not-tolerated", "unused-ignore"]);
}

#[test]
fn an_ignore_annotation_suppresses_for_the_object() {
    let annotated = broken().replace(
        "  namespace: istio-system\n",
        "  namespace: istio-system\n  annotations:\n    spillway.dev/ignore: ecs-taint-not-tolerated, virtual-not-selected\n",
    );
    let out = stdout_of(
        spillway()
            .args(["audit", "-", "--format", "json"])
            .args(POOLS)
            .write_stdin(annotated),
        0,
    );
    // The ECS finding is suppressed; `virtual-not-selected` suppressed nothing.
    assert_eq!(rules_in(&out), ["unused-ignore"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(v["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("virtual-not-selected"));
}

#[test]
fn completions_and_man_page() {
    let out = stdout_of(spillway().args(["completions", "bash"]), 0);
    assert!(out.contains("--ecs-taint"));
    let out = stdout_of(spillway().args(["completions", "zsh"]), 0);
    assert!(out.contains("#compdef spillway"));
    let out = stdout_of(spillway().args(["completions", "fish"]), 0);
    assert!(out.contains("complete -c spillway"));
    let out = stdout_of(spillway().arg("man"), 0);
    assert!(out.contains(".TH spillway"));
    // Every subcommand's options are documented, not only the top level.
    assert!(out.contains(".SH \"SPILLWAY AUDIT\""), "{out}");
    assert!(out.contains(".SH \"SPILLWAY APPLY\""));
    assert!(
        out.contains("\\-\\-exit\\-zero") && out.contains("\\-\\-fix\\-node\\-selector"),
        "{out}"
    );
}

// --- regressions from the review of issue 6 ------------------------------------------------------

/// Two objects that differ only by namespace get different fingerprints; absolute paths are
/// reported relative to the working folder in every CI format.
#[test]
fn fingerprints_and_paths() {
    let d = tempfile::tempdir().unwrap();
    let dep = |ns: &str| {
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: gw, namespace: {ns}}}\nspec:\n  template:\n    metadata: {{labels: {{istio: ingressgateway}}}}\n    spec:\n      containers: [{{name: p, image: x}}]\n")
    };
    write(
        d.path(),
        "ns.yaml",
        &format!("{}---\n{}", dep("a"), dep("b")),
    );
    let root = d.path().canonicalize().unwrap();
    let gl = stdout_of(
        spillway()
            .current_dir(&root)
            .args(["audit", "--format", "gitlab"])
            .arg(root.join("ns.yaml"))
            .args(POOLS),
        1,
    );
    let v: Value = serde_json::from_str(&gl).unwrap();
    let prints: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(prints.len(), 2);
    assert_ne!(prints[0], prints[1]);
    assert_eq!(v[0]["location"]["path"], "ns.yaml");
    let gh = stdout_of(
        spillway()
            .current_dir(&root)
            .args(["audit", "--format", "github"])
            .arg(root.join("ns.yaml"))
            .args(POOLS),
        1,
    );
    assert!(gh.starts_with("::error file=ns.yaml,"), "{gh}");
}

/// Without a configuration above the file, the current folder's applies; `exclude` skips folders;
/// weights in the configuration act like the flags.
#[test]
fn config_fallback_exclude_folders_and_weights() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "proj/.spillway.yaml", "pools:\n  ecs: {label: mykey4pod=asmgateway, taint: mykey=myvalue:NoSchedule, weight: 70}\n  virtual: {weight: 30}\nexclude: [vendor]\n");
    write(d.path(), "other/gw.yaml", &broken());
    write(d.path(), "proj/vendor/dep.yaml", &broken());
    write(d.path(), "proj/gw.yaml", &correct());
    let proj = d.path().join("proj");
    // ../other has no configuration above it: the current folder's pools apply.
    let out = stdout_of(
        spillway()
            .current_dir(&proj)
            .args(["audit", "--format", "json", "../other/gw.yaml"]),
        1,
    );
    assert_eq!(rules_in(&out), ["ecs-taint-not-tolerated"]);
    // `exclude: [vendor]` skips the folder.
    let out = stdout_of(
        spillway()
            .current_dir(&proj)
            .args(["audit", "--format", "json", "."]),
        0,
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["summary"]["files"], 1, "only gw.yaml: {out}");
    // The configured weights are applied like --ecs-weight/--virtual-weight.
    let out = stdout_of(spillway().current_dir(&proj).args(["apply", "gw.yaml"]), 0);
    assert!(
        out.contains("weight: 70") && out.contains("weight: 30"),
        "{out}"
    );
}
