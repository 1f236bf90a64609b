//! `spillway apply` through the binary: output modes, exit codes, atomic and minimal writes,
//! diffs that `git apply` takes, bytes kept (CRLF, BOM, no final newline), and errors.

mod common;
use common::*;

use std::fs;
use std::time::{Duration, SystemTime};

use predicates::prelude::*;

#[test]
fn prints_the_result_for_one_input() {
    spillway()
        .args(["apply", "-"])
        .args(POOLS)
        .write_stdin(broken())
        .assert()
        .code(0)
        .stdout(correct());
}

#[test]
fn several_inputs_need_write_or_diff() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a.yaml", &broken());
    write(d.path(), "b.yaml", &broken());
    spillway()
        .current_dir(d.path())
        .args(["apply", "."])
        .args(POOLS)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("--write"));
}

#[test]
fn check_exits_1_when_a_file_would_change_and_0_when_all_are_right() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "ok.yaml", &correct());
    spillway()
        .current_dir(d.path())
        .args(["apply", "--check", "."])
        .args(POOLS)
        .assert()
        .code(0);
    write(d.path(), "bad.yaml", &broken());
    spillway()
        .current_dir(d.path())
        .args(["apply", "--check", "."])
        .args(POOLS)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("bad.yaml: would change"));
    // --check changes nothing.
    assert_eq!(
        fs::read_to_string(d.path().join("bad.yaml")).unwrap(),
        broken()
    );
}

#[test]
fn write_rewrites_changed_files_only_and_keeps_permissions() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "ok.yaml", &correct());
    write(d.path(), "bad.yaml", &broken());
    let old = SystemTime::now() - Duration::from_secs(3600);
    for f in ["ok.yaml", "bad.yaml"] {
        let file = fs::File::options()
            .write(true)
            .open(d.path().join(f))
            .unwrap();
        file.set_modified(old).unwrap();
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(d.path().join("bad.yaml"), fs::Permissions::from_mode(0o640)).unwrap();
    }
    spillway()
        .current_dir(d.path())
        .args(["apply", "--write", "."])
        .args(POOLS)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("bad.yaml: fixed"));
    assert_eq!(
        fs::read_to_string(d.path().join("bad.yaml")).unwrap(),
        correct()
    );
    assert_eq!(
        fs::metadata(d.path().join("ok.yaml"))
            .unwrap()
            .modified()
            .unwrap(),
        old,
        "an unchanged file was rewritten"
    );
    assert_ne!(
        fs::metadata(d.path().join("bad.yaml"))
            .unwrap()
            .modified()
            .unwrap(),
        old
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(d.path().join("bad.yaml"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o640
        );
    }
    let names: Vec<String> = fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        names.len(),
        2,
        "a temporary file was left behind: {names:?}"
    );
}

#[test]
fn a_failure_halfway_through_a_folder_leaves_that_file_alone_and_writes_the_others() {
    let d = tempfile::tempdir().unwrap();
    // Fixable without flags (the ECS pool is inferred): the virtual toleration's value is wrong.
    let virt_typo = correct().replace("value: alibabacloud", "value: alibaba");
    write(d.path(), "a.yaml", &virt_typo);
    write(
        d.path(),
        "b-syntax.yaml",
        "kind: IstioGateway\nspec: [1, 2\nx: 1\n",
    );
    write(
        d.path(),
        "c-no-pool.yaml",
        &fixture("istio-gateway/overflow-block-missing.yaml"),
    );
    write(d.path(), "d.yaml", &virt_typo);
    // c has no overflow block and no flags name the ECS pool: apply cannot know it.
    spillway()
        .current_dir(d.path())
        .args(["apply", "--write", "."])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("b-syntax.yaml:3:2: error"))
        .stderr(
            predicate::str::contains("c-no-pool.yaml")
                .and(predicate::str::contains("pass --ecs-label")),
        )
        .stderr(predicate::str::contains("a.yaml: fixed"))
        .stderr(predicate::str::contains("d.yaml: fixed"));
    assert_eq!(
        fs::read_to_string(d.path().join("b-syntax.yaml")).unwrap(),
        "kind: IstioGateway\nspec: [1, 2\nx: 1\n"
    );
    assert_eq!(
        fs::read_to_string(d.path().join("c-no-pool.yaml")).unwrap(),
        fixture("istio-gateway/overflow-block-missing.yaml")
    );
    assert_eq!(
        fs::read_to_string(d.path().join("a.yaml")).unwrap(),
        correct()
    );
    assert_eq!(
        fs::read_to_string(d.path().join("d.yaml")).unwrap(),
        correct()
    );
}

#[cfg(unix)]
#[test]
fn read_only_files_are_not_written() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "gw.yaml", &broken());
    fs::set_permissions(d.path().join("gw.yaml"), fs::Permissions::from_mode(0o444)).unwrap();
    spillway()
        .current_dir(d.path())
        .args(["apply", "--write", "gw.yaml"])
        .args(POOLS)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("read-only"));
    assert_eq!(
        fs::read_to_string(d.path().join("gw.yaml")).unwrap(),
        broken()
    );
    assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
}

#[test]
fn stdin_cannot_be_written() {
    spillway()
        .args(["apply", "--write", "-"])
        .args(POOLS)
        .write_stdin(broken())
        .assert()
        .code(2);
}

#[test]
fn the_diff_applies_with_git_apply() {
    if std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: git is not installed");
        return;
    }
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "gw/a.yaml", &broken());
    write(
        d.path(),
        "gw/b.yaml",
        &fixture("deployment/overflow-block-missing--compact.yaml"),
    );
    write(
        d.path(),
        "gw/crlf.yaml",
        &fixture("misc/ecs-taint-not-tolerated--crlf.yaml"),
    );
    let out = spillway()
        .current_dir(d.path())
        .args(["apply", "--diff", "gw"])
        .args(POOLS)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let diff = String::from_utf8(out).unwrap();
    assert!(
        diff.contains("--- a/gw/a.yaml\n+++ b/gw/a.yaml\n"),
        "{diff}"
    );
    fs::write(d.path().join("p.diff"), &diff).unwrap();
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .current_dir(d.path())
            .args(args)
            .output()
            .unwrap()
    };
    let check = git(&["apply", "--check", "p.diff"]);
    assert!(
        check.status.success(),
        "git apply --check: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(git(&["apply", "p.diff"]).status.success());
    // After the patch the files are what apply --write would produce: nothing left to change.
    spillway()
        .current_dir(d.path())
        .args(["apply", "--check", "gw"])
        .args(POOLS)
        .assert()
        .code(0);
}

#[test]
fn crlf_bom_and_missing_final_newline_are_kept() {
    let lf = broken();
    let crlf = format!("\u{feff}{}", lf.replace('\n', "\r\n"));
    let crlf = crlf.strip_suffix("\r\n").unwrap().to_owned();
    let out = spillway()
        .args(["apply", "-"])
        .args(POOLS)
        .write_stdin(crlf.clone())
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    let want = format!("\u{feff}{}", correct().replace('\n', "\r\n"));
    assert_eq!(out, want.strip_suffix("\r\n").unwrap());
    // Inserting a whole block into a CRLF file writes CRLF lines only.
    let missing = fixture("istio-gateway/overflow-block-missing.yaml").replace('\n', "\r\n");
    let out = spillway()
        .args(["apply", "-"])
        .args(POOLS)
        .write_stdin(missing)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("nodeSelectorTerms:\r\n"));
    assert!(
        !out.replace("\r\n", "").contains('\n'),
        "a bare LF in CRLF output"
    );
}

#[test]
fn missing_pool_flags_are_named() {
    spillway()
        .args(["apply", "-"])
        .write_stdin(fixture("istio-gateway/overflow-block-missing.yaml"))
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("pass --ecs-label K=V"));
    spillway()
        .args(["apply", "-", "--ecs-label", "mykey4pod=asmgateway"])
        .write_stdin(fixture("istio-gateway/overflow-block-missing.yaml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("pass --ecs-taint K=V:EFFECT"));
}

#[test]
fn inferred_pools_are_said_on_stderr() {
    spillway()
        .args(["apply", "-"])
        .write_stdin(correct().replace("weight: 80", "weight: 10"))
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "ECS label `mykey4pod=asmgateway` inferred",
        ))
        .stderr(predicate::str::contains(
            "ECS taint `mykey=myvalue:NoSchedule` inferred",
        ))
        .stdout(correct());
}

#[test]
fn ambiguous_inference_is_refused() {
    let two = correct().replace(
        "          - matchExpressions:\n              - key: type",
        "          - matchExpressions:\n              - key: pool\n                operator: In\n                values: [gw2]\n          - matchExpressions:\n              - key: type",
    );
    spillway()
        .args(["apply", "-", "--ecs-taint", "mykey=myvalue:NoSchedule"])
        .write_stdin(two)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("several candidate ECS labels"));
}

#[test]
fn weights_change_only_when_invalid_inverted_or_explicit() {
    let w = |ecs: &str, virt: &str| {
        correct()
            .replacen("weight: 80", &format!("weight: {ecs}"), 1)
            .replacen("weight: 20", &format!("weight: {virt}"), 1)
    };
    // 70/30 and 100/1 do their job: kept.
    for (e, v) in [("70", "30"), ("100", "1")] {
        spillway()
            .args(["apply", "-"])
            .args(POOLS)
            .write_stdin(w(e, v))
            .assert()
            .code(0)
            .stdout(w(e, v));
    }
    // Invalid or inverted: the defaults.
    for (e, v) in [("0", "20"), ("20", "80"), ("50", "50"), ("150", "20")] {
        spillway()
            .args(["apply", "-"])
            .args(POOLS)
            .write_stdin(w(e, v))
            .assert()
            .code(0)
            .stdout(correct());
    }
    // Explicit flags win even over valid weights.
    spillway()
        .args(["apply", "-", "--ecs-weight", "90", "--virtual-weight", "10"])
        .args(POOLS)
        .write_stdin(correct())
        .assert()
        .code(0)
        .stdout(w("90", "10"));
    // Flags that would prefer virtual nodes are refused.
    spillway()
        .args(["apply", "-", "--ecs-weight", "10", "--virtual-weight", "90"])
        .args(POOLS)
        .write_stdin(correct())
        .assert()
        .code(2);
    spillway()
        .args(["apply", "-", "--ecs-weight", "101"])
        .args(POOLS)
        .write_stdin(correct())
        .assert()
        .code(2);
}

#[test]
fn node_selector_is_removed_only_when_asked() {
    let text = correct().replace(
        "  serviceType: LoadBalancer\n",
        "  serviceType: LoadBalancer\n  nodeSelector:\n    mykey4pod: asmgateway\n",
    );
    spillway()
        .args(["apply", "-"])
        .args(POOLS)
        .write_stdin(text.clone())
        .assert()
        .code(0)
        .stdout(text.clone())
        .stderr(predicate::str::contains("--fix-node-selector"));
    spillway()
        .args(["apply", "-", "--fix-node-selector"])
        .args(POOLS)
        .write_stdin(text)
        .assert()
        .code(0)
        .stdout(correct());
}

#[test]
fn other_documents_stay_byte_for_byte() {
    let cm = "# leading comment\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  tolerations: |\n    - key: mykey\n      value: myvalu\n";
    let text = format!("{cm}---\n{}---\n{cm}", broken());
    let out = spillway()
        .args(["apply", "-"])
        .args(POOLS)
        .write_stdin(text)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert_eq!(out, format!("{cm}---\n{}---\n{cm}", correct()));
}

/// Regression: a list that is its mapping's last value got the mapping's new entries before its
/// own new items (two insertions at one point, outer first), which broke the YAML.
#[test]
fn insertions_at_one_point_go_innermost_first() {
    let text = "apiVersion: istio.alibabacloud.com/v1beta1\nkind: IstioGateway\nmetadata:\n  name: gw\nspec:\n  replicaCount: 2\n  tolerations:\n  - {operator: Equal, value: alibabacloud, effect: NoSchedule} # from the docs\n";
    let out = spillway()
        .args(["apply", "-"])
        .args(POOLS)
        .write_stdin(text)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("  tolerations:\n  - {key: virtual-kubelet.io/provider, operator: Equal, value: alibabacloud, effect: NoSchedule} # from the docs\n  - {key: mykey, operator: Equal, value: myvalue, effect: NoSchedule}\n  affinity:\n"),
        "{out}"
    );
}

/// Regression: `affinity:` with no value, followed by the next key, was filled over that key.
#[test]
fn an_empty_value_is_filled_in_place() {
    let text = "apiVersion: istio.alibabacloud.com/v1beta1\nkind: IstioGateway\nmetadata:\n  name: gw\nspec:\n  affinity:\n  # keep me\n  replicaCount: 2\n";
    let out = spillway()
        .args(["apply", "-"])
        .args(POOLS)
        .write_stdin(text)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(out.starts_with("apiVersion: istio.alibabacloud.com/v1beta1\nkind: IstioGateway\nmetadata:\n  name: gw\nspec:\n  affinity:\n    nodeAffinity:\n"), "{out}");
    assert!(out.contains("  # keep me\n  replicaCount: 2\n"), "{out}");
}

/// Regression: an ANDed term whose virtual half was also misspelt was repaired in place and
/// left ANDed (a second apply then split it): it is split in one go.
#[test]
fn an_anded_term_with_a_typo_is_split_in_one_go() {
    let text = "apiVersion: istio.alibabacloud.com/v1beta1\nkind: IstioGateway\nmetadata:\n  name: gw\nspec:\n  affinity:\n    nodeAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n        nodeSelectorTerms:\n        - matchExpressions:\n          - {key: mykey4pod, operator: In, values: [asmgateway]}\n          - {key: type, operator: In, values: [virtual-kublet]}\n";
    let first = spillway()
        .args(["apply", "-"])
        .args(POOLS)
        .write_stdin(text)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let first = String::from_utf8(first).unwrap();
    assert!(first.contains("        - matchExpressions:\n          - {key: mykey4pod, operator: In, values: [asmgateway]}\n        - matchExpressions:\n          - key: type\n"), "{first}");
    spillway()
        .args(["apply", "-"])
        .args(POOLS)
        .write_stdin(first.clone())
        .assert()
        .code(0)
        .stdout(first);
}

/// Regression: removing a file's last entry when the file has no final newline added one; and
/// comments on removed lines are kept.
#[test]
fn removing_the_last_entry_keeps_no_final_newline_and_its_comments() {
    let text = correct() + "  nodeSelector: # pinned by hand\n    mykey4pod: asmgateway";
    let out = spillway()
        .args(["apply", "-", "--fix-node-selector"])
        .args(POOLS)
        .write_stdin(text)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert_eq!(out, format!("{}  # pinned by hand", correct()));
}

// --- regressions from the review of issues 4 and 5 -----------------------------------------------

fn apply_ok(text: &str, extra: &[&str]) -> String {
    let out = spillway()
        .args(["apply", "-"])
        .args(extra)
        .write_stdin(text.to_owned())
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

/// A null weight is filled in place (it got a second `weight` key, a duplicate the apiserver
/// rejects); an empty toleration value too (it was an internal error).
#[test]
fn null_fields_are_filled_in_place() {
    let text = correct()
        .replacen("- weight: 20", "- weight: ~", 1)
        .replace("value: myvalue", "value:");
    let out = apply_ok(&text, &POOLS);
    assert_eq!(out, correct());
    assert_eq!(apply_ok(&out, &POOLS), out);
}

/// A JSON manifest stays JSON (YAML flow was inserted into it).
#[test]
fn json_stays_json() {
    let text = r#"{
  "apiVersion": "istio.alibabacloud.com/v1beta1",
  "kind": "IstioGateway",
  "metadata": {"name": "gw", "namespace": "istio-system"},
  "spec": {
    "tolerations": [
      {"key": "virtual-kubelet.io/provider", "operator": "Equal", "value": "alibabacloud", "effect": "NoSchedule"}
    ]
  }
}
"#;
    let out = apply_ok(text, &POOLS);
    let v: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}"));
    assert_eq!(v["spec"]["tolerations"][1]["value"], "myvalue");
    assert_eq!(
        v["spec"]["affinity"]["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0]
            ["weight"],
        80
    );
    assert!(
        out.contains(
            r#"{"key": "mykey", "operator": "Equal", "value": "myvalue", "effect": "NoSchedule"}"#
        ),
        "{out}"
    );
    assert_eq!(apply_ok(&out, &POOLS), out);
}

/// A trailing comma in a flow sequence (it was an internal error).
#[test]
fn a_trailing_comma_in_flow_style() {
    let text = "apiVersion: istio.alibabacloud.com/v1beta1\nkind: IstioGateway\nmetadata: {name: gw}\nspec:\n  tolerations: [{key: virtual-kubelet.io/provider, operator: Equal, value: alibabacloud, effect: NoSchedule},]\n";
    let out = apply_ok(text, &POOLS);
    assert!(out.contains("  tolerations: [{key: virtual-kubelet.io/provider, operator: Equal, value: alibabacloud, effect: NoSchedule}, {key: mykey, operator: Equal, value: myvalue, effect: NoSchedule},]\n"), "{out}");
}

/// A pool toleration the apiserver rejects is repaired, not duplicated.
#[test]
fn a_rejected_pool_toleration_is_repaired() {
    let text = "apiVersion: istio.alibabacloud.com/v1beta1\nkind: IstioGateway\nmetadata: {name: gw}\nspec:\n  tolerations:\n  - {key: virtual-kubelet.io/provider, operator: Exists, value: alibabacloud, effect: NoSchedule}\n  - key: mykey\n    operator: Equal\n    value: myvalue\n    effect: NoSchedule\n    tolerationSeconds: 30\n";
    let out = apply_ok(text, &POOLS);
    assert!(out.contains("  tolerations:\n  - {key: virtual-kubelet.io/provider, operator: Equal, value: alibabacloud, effect: NoSchedule}\n  - key: mykey\n    operator: Equal\n    value: myvalue\n    effect: NoSchedule\n  affinity:"), "{out}");
}

/// Without flags, a typo in the required term is not taken for the ECS label: apply refuses
/// (audit reports ecs-label-mismatch); with --nodes, the nodes settle it and apply repairs it.
#[test]
fn a_required_term_typo_is_not_inferred_as_the_pool() {
    let text = correct().replacen("- asmgateway", "- asmgatway", 1);
    spillway()
        .args(["apply", "-"])
        .write_stdin(text.clone())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("several candidate ECS labels"));
    spillway()
        .args(["audit", "-"])
        .write_stdin(text.clone())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("ecs-label-mismatch"));
    let d = tempfile::tempdir().unwrap();
    let nodes = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Node\n  metadata: {name: node1, labels: {mykey4pod: asmgateway}}\n  spec: {taints: [{key: mykey, value: myvalue, effect: NoSchedule}]}\n- apiVersion: v1\n  kind: Node\n  metadata: {name: vk, labels: {type: virtual-kubelet}}\n";
    write(d.path(), "nodes.yaml", nodes);
    let out = spillway()
        .current_dir(d.path())
        .args(["apply", "-", "--nodes", "nodes.yaml"])
        .write_stdin(text)
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "ECS label `mykey4pod=asmgateway` read from node node1",
        ))
        .get_output()
        .stdout
        .clone();
    assert_eq!(String::from_utf8(out).unwrap(), correct());
}

/// `--ecs-weight` alone sets the ECS weight and keeps a valid virtual one.
#[test]
fn one_weight_flag_sets_one_weight() {
    let text = correct().replacen("weight: 20", "weight: 30", 1);
    let out = apply_ok(&text, &[&POOLS[..], &["--ecs-weight", "90"]].concat());
    assert!(
        out.contains("weight: 90") && out.contains("weight: 30"),
        "{out}"
    );
}

/// A comment that ends a nested block stays above the lines apply inserts after it.
#[test]
fn a_comment_ending_a_nested_block_stays_with_it() {
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: gw}\nspec:\n  template:\n    metadata: {labels: {istio: ingressgateway}}\n    spec:\n      containers:\n      - name: istio-proxy\n        image: x\n        # about the container\n";
    let out = apply_ok(text, &POOLS);
    assert!(
        out.contains("        image: x\n        # about the container\n      affinity:\n"),
        "{out}"
    );
}
