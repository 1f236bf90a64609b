//! The `spillway` binary end to end: exit codes, inputs (files, folders, stdin), walking rules,
//! output formats, and the rule registry commands.

mod common;
use common::*;

use std::fs;

use predicates::prelude::*;
use serde_json::Value;

fn json(out: &[u8]) -> Value {
    serde_json::from_slice(out)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(out)))
}

#[test]
fn exit_0_for_a_correct_gateway() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "gw.yaml", &correct());
    spillway()
        .arg("audit")
        .args(POOLS)
        .arg(d.path().join("gw.yaml"))
        .assert()
        .code(0)
        .stdout("");
}

#[test]
fn exit_1_for_an_error_finding_with_location_in_the_report() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "gw.yaml", &broken());
    spillway()
        .current_dir(d.path())
        .args(["audit", "gw.yaml"])
        .args(POOLS)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "gw.yaml:74:14: ecs-taint-not-tolerated",
        ))
        .stdout(predicate::str::contains("did you mean `myvalue`?"))
        .stderr(predicate::str::contains("1 error"));
}

#[test]
fn exit_2_for_a_parse_error_and_other_files_still_checked() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a-broken.yaml", &broken());
    write(
        d.path(),
        "b-syntax.yaml",
        "kind: IstioGateway\nspec: [1, 2\nx: 1\n",
    );
    write(d.path(), "c-correct.yaml", &correct());
    let out = spillway()
        .current_dir(d.path())
        .args(["audit", ".", "--format", "json"])
        .args(POOLS)
        .assert()
        .code(2)
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
    assert_eq!(v["summary"]["files"], 3);
    assert_eq!(v["summary"]["unreadable"], 1);
    assert_eq!(v["findings"][0]["file"], "a-broken.yaml");
    assert_eq!(v["findings"][0]["rule"], "ecs-taint-not-tolerated");
    let e = &v["errors"][0];
    assert_eq!(e["file"], "b-syntax.yaml");
    assert_eq!(e["line"], 3);
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("expected `,` or `]`"),
        "{e}"
    );
}

#[test]
fn parse_error_is_a_diagnostic_with_file_line_and_column() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "bad.yaml", "a: 1\nb: [1, 2\nc: 3\n");
    spillway()
        .current_dir(d.path())
        .args(["audit", "bad.yaml"])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("bad.yaml:3:2: parse-error"))
        .stdout(predicate::str::contains("opened at line 2, column 4"));
}

#[test]
fn a_missing_file_is_exit_2() {
    spillway()
        .args(["audit", "does-not-exist.yaml"])
        .assert()
        .code(2)
        .stdout(predicate::str::contains(
            "does-not-exist.yaml: no such file or directory",
        ));
}

#[test]
fn usage_errors_are_exit_2() {
    spillway()
        .args(["audit", "--ecs-taint", "mykey=myvalue:NoScheduled"])
        .assert()
        .code(2);
    spillway()
        .args(["audit", "--ecs-label", "no-equals-sign"])
        .assert()
        .code(2);
    spillway()
        .args(["audit", "--select", "colour=red"])
        .assert()
        .code(2);
    spillway()
        .args(["audit", "--path", "$[", "x.yaml"])
        .assert()
        .code(2);
    spillway()
        .args(["audit", "--exclude", "a[", "."])
        .assert()
        .code(2);
    spillway().args(["frobnicate"]).assert().code(2);
}

#[test]
fn stdin_is_read_with_dash() {
    spillway()
        .args(["audit", "-", "--format", "json"])
        .args(POOLS)
        .write_stdin(broken())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("\"file\": \"<stdin>\""));
    spillway()
        .args(["audit", "-"])
        .args(POOLS)
        .write_stdin(correct())
        .assert()
        .code(0);
}

#[test]
fn nodes_and_manifest_cannot_both_be_stdin() {
    spillway()
        .args(["audit", "-", "--nodes", "-"])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("standard input"));
}

#[test]
fn folders_are_walked_recursively_in_order_honouring_gitignore_and_excludes() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "z/deep/gw.yml", &broken());
    write(d.path(), "a/gw.yaml", &broken());
    write(d.path(), "ignored/gw.yaml", &broken());
    write(d.path(), "excluded/gw.yaml", &broken());
    write(d.path(), "notes.txt", "not yaml");
    write(d.path(), ".gitignore", "ignored/\n");
    let out = spillway()
        .current_dir(d.path())
        .args(["audit", "--format", "json", "--exclude", "excluded"])
        .args(POOLS)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
    let files: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["a/gw.yaml", "z/deep/gw.yml"]);
}

#[test]
fn helm_chart_templates_are_skipped_and_verbose_says_why() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "chart/Chart.yaml",
        "apiVersion: v2\nname: gw\nversion: 0.1.0\n",
    );
    write(
        d.path(),
        "chart/templates/deployment.yaml",
        "{{- if .Values.x }}\nkind: Deployment\n{{- end }}\n",
    );
    spillway()
        .current_dir(d.path())
        .args(["audit", "-v", "."])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("chart/templates"))
        .stderr(predicate::str::contains("helm template"));
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_tree_are_not_followed() {
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "secret.yaml", &broken());
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "gw.yaml", &correct());
    std::os::unix::fs::symlink(
        outside.path().join("secret.yaml"),
        d.path().join("link.yaml"),
    )
    .unwrap();
    spillway()
        .current_dir(d.path())
        .args(["audit", "-v", "."])
        .args(POOLS)
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "link.yaml: symlink leads out of the tree",
        ));
}

#[test]
fn verbose_says_which_objects_were_skipped() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
    );
    spillway()
        .current_dir(d.path())
        .args(["audit", "-v", "cm.yaml"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "ConfigMap/x: not a workload or gateway kind",
        ));
}

#[test]
fn json_output_has_the_documented_shape() {
    let out = spillway()
        .args(["audit", "-", "--format", "json"])
        .args(POOLS)
        .write_stdin(broken())
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
    assert_eq!(v["version"], 1);
    let f = &v["findings"][0];
    for key in [
        "rule",
        "severity",
        "message",
        "help",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "document",
        "object",
        "path",
        "related",
    ] {
        assert!(!f[key].is_null(), "finding lacks {key}: {f}");
    }
    assert_eq!(f["object"]["kind"], "IstioGateway");
    assert_eq!(f["object"]["name"], "ingressgateway");
    assert_eq!(f["object"]["namespace"], "istio-system");
    assert_eq!(f["path"], "/spec/tolerations/1/value");
    assert_eq!(
        (
            f["line"].as_u64(),
            f["column"].as_u64(),
            f["end_column"].as_u64()
        ),
        (Some(74), Some(14), Some(20))
    );
    assert_eq!(f["related"][0]["path"], "/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms/0/matchExpressions/0/values/0");
    for key in [
        "files",
        "documents",
        "gateways",
        "errors",
        "warnings",
        "infos",
        "unreadable",
    ] {
        assert!(v["summary"][key].is_u64(), "summary lacks {key}");
    }
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let ansi = predicate::str::contains("\u{1b}[");
    spillway()
        .args(["audit", "-", "--color", "always"])
        .args(POOLS)
        .write_stdin(broken())
        .assert()
        .code(1)
        .stdout(ansi.clone());
    spillway()
        .args(["audit", "-", "--color", "never"])
        .args(POOLS)
        .write_stdin(broken())
        .assert()
        .code(1)
        .stdout(ansi.clone().not());
    // auto: not a terminal here, so no colour.
    spillway()
        .args(["audit", "-"])
        .args(POOLS)
        .write_stdin(broken())
        .assert()
        .code(1)
        .stdout(ansi.not());
}

#[test]
fn warnings_alone_exit_0() {
    let text = correct().replace(
        "          - matchExpressions:\n              - key: type",
        "          - matchExpressions:\n              - key: zone\n                operator: In\n                values: [cn-hangzhou-k]\n          - matchExpressions:\n              - key: type",
    );
    assert_ne!(text, correct());
    spillway()
        .args(["audit", "-"])
        .args(POOLS)
        .write_stdin(text)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("unrelated-required-term"));
}

#[test]
fn explain_prints_a_rule_and_rejects_unknown_ones() {
    spillway()
        .args(["explain", "term-selects-nothing"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("## Why is this bad?"))
        .stdout(predicate::str::contains("ANDed"));
    spillway()
        .args(["explain", "term-selects-nothin"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "did you mean: term-selects-nothing",
        ));
}

#[test]
fn rules_lists_every_rule() {
    let out = spillway()
        .args(["rules", "--format", "json"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), spillway::rules::RULES.len());
    assert!(ids.contains(&"ecs-taint-not-tolerated"));
}

#[test]
fn docs_rules_md_is_generated_from_the_registry() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/rules.md");
    let on_disk = fs::read_to_string(path).unwrap_or_default();
    let generated = spillway::rules::markdown();
    if std::env::var_os("SPILLWAY_BLESS").is_some() {
        fs::write(path, &generated).unwrap();
        return;
    }
    assert!(on_disk == generated, "docs/rules.md is out of date: run `SPILLWAY_BLESS=1 cargo test --test cli docs_rules_md` or `spillway rules --format markdown > docs/rules.md`");
}

/// A Deployment without gateway labels, holding a broken block.
fn plain_deployment(kind: &str) -> String {
    let spec = "tolerations:\n- {key: virtual-kubelet.io/provider, operator: Equal, value: alibabacloud, effect: NoSchedule}\n";
    match kind {
        "CronJob" => format!(
            "apiVersion: batch/v1\nkind: CronJob\nmetadata: {{name: edge, namespace: gw}}\nspec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n      template:\n        metadata: {{labels: {{app: edge}}}}\n        spec:\n          {}",
            spec.replace('\n', "\n          ").trim_end()
        ),
        "Pod" => format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: edge, namespace: gw, labels: {{app: edge}}}}\nspec:\n  {}",
            spec.replace('\n', "\n  ").trim_end()
        ),
        _ => format!(
            "apiVersion: apps/v1\nkind: {kind}\nmetadata: {{name: edge, namespace: gw}}\nspec:\n  template:\n    metadata: {{labels: {{app: edge}}}}\n    spec:\n      {}",
            spec.replace('\n', "\n      ").trim_end()
        ),
    }
}

fn rules_of(out: &[u8]) -> Vec<(String, String)> {
    json(out)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["path"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[test]
fn select_and_extend_select_choose_the_gateways() {
    for kind in ["Deployment", "StatefulSet", "CronJob", "Pod"] {
        let text = plain_deployment(kind);
        // Not a gateway by default: nothing to report.
        spillway()
            .args(["audit", "-", "--format", "json"])
            .args(POOLS)
            .write_stdin(text.clone())
            .assert()
            .code(0);
        // Selected by kind and name: its pod spec is found where the kind keeps it.
        let out = spillway()
            .args([
                "audit",
                "-",
                "--format",
                "json",
                "--extend-select",
                &format!("kind={kind},name=edge"),
            ])
            .args(POOLS)
            .write_stdin(text.clone())
            .assert()
            .code(1)
            .get_output()
            .stdout
            .clone();
        let found = rules_of(&out);
        let want_prefix = match kind {
            "CronJob" => "/spec/jobTemplate/spec/template/spec",
            "Pod" => "/spec",
            _ => "/spec/template/spec",
        };
        assert!(
            found.iter().any(|(r, p)| r == "ecs-taint-not-tolerated"
                && p == &format!("{want_prefix}/tolerations")),
            "{kind}: {found:?}"
        );
        // --select replaces the default set: a label selector that does not match selects nothing.
        spillway()
            .args([
                "audit",
                "-",
                "--format",
                "json",
                "--select",
                "label=app=other",
            ])
            .args(POOLS)
            .write_stdin(text.clone())
            .assert()
            .code(0);
        spillway()
            .args([
                "audit",
                "-",
                "--format",
                "json",
                "--select",
                "label=app=edge,namespace=gw",
            ])
            .args(POOLS)
            .write_stdin(text)
            .assert()
            .code(1);
    }
    // --select replaces the default set: the IstioGateway is no longer a gateway.
    spillway()
        .args(["audit", "-", "--select", "kind=Deployment"])
        .args(POOLS)
        .write_stdin(broken())
        .assert()
        .code(0);
}

#[test]
fn nodes_can_come_from_stdin() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "gw.yaml", &correct());
    let nodes = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Node\n  metadata: {name: node1, labels: {mykey4pod: asmgateway}}\n  spec: {taints: [{key: mykey, value: myvalue, effect: NoSchedule}]}\n";
    spillway()
        .current_dir(d.path())
        .args(["audit", "gw.yaml", "--nodes", "-"])
        .args(POOLS)
        .write_stdin(nodes)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("no-virtual-node"))
        .stdout(predicate::str::contains("<stdin>"));
    spillway()
        .args(["audit", "x.yaml", "--nodes", "-"])
        .write_stdin("kind: ConfigMap\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("expected Node objects"));
}

#[test]
fn invalid_utf8_and_nul_are_located_read_errors() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("a.yaml"), b"a: 1\nb: \xff\xfe\n").unwrap();
    std::fs::write(d.path().join("b.yaml"), b"a: 1\n\0").unwrap();
    spillway()
        .current_dir(d.path())
        .args(["audit", "a.yaml", "b.yaml"])
        .assert()
        .code(2)
        .stdout(predicate::str::contains(
            "invalid UTF-8 at line 2, column 4 (byte 8)",
        ))
        .stdout(predicate::str::contains(
            "a NUL byte at line 2, column 1 (byte 5)",
        ));
}

#[test]
fn kubectl_lists_and_unmatched_paths() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "values.yaml", "replicaCount: 2\n");
    spillway()
        .current_dir(d.path())
        .args(["audit", "-v", "--path", "$.gateway", "values.yaml"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "--path `$.gateway` matches nothing",
        ));
    spillway()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["audit", "fixtures/misc/ecs-taint-not-tolerated--list.yaml"])
        .args(POOLS)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "ecs-taint-not-tolerated (Deployment istio-system/istio-ingressgateway)",
        ));
}
