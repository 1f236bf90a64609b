//! The integrations, end to end with the real clients: `spillway krm` under `kpt fn eval`,
//! `spillway kustomize-plugin` under `kubectl kustomize --enable-alpha-plugins`, and the
//! `.pre-commit-hooks.yaml` hooks under `pre-commit run`.
//!
//! A test whose client is not installed prints `skipped: CLIENT not installed` and passes, so a
//! newcomer's plain `cargo test` passes on a fresh machine; with `SPILLWAY_REQUIRE_CLIENTS=1`
//! (set by .ci/run) a missing client fails the test instead.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_spillway");
const ECS_LABEL: &str = "mykey4pod=asmgateway";
const ECS_TAINT: &str = "mykey=myvalue:NoSchedule";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(rel: &str) -> String {
    std::fs::read_to_string(root().join("fixtures").join(rel)).unwrap()
}

/// Whether `client` runs (`client ARGS` exits). When it does not: skip, or fail under
/// `SPILLWAY_REQUIRE_CLIENTS=1`.
fn client(client: &str, args: &[&str]) -> bool {
    let ok = Command::new(client)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        if std::env::var("SPILLWAY_REQUIRE_CLIENTS").is_ok_and(|v| v == "1") {
            panic!("{client} is not installed (or `{client} {}` fails), and SPILLWAY_REQUIRE_CLIENTS=1 requires it", args.join(" "));
        }
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            format!("skipped: {client} not installed\n").as_bytes(),
        );
    }
    ok
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    eprintln!(
        "$ {cmd:?}\nexit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn krm(input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(BIN)
        .arg("krm")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

// ---- spillway krm on its own (no client needed) ----

#[test]
fn krm_audit_returns_items_unchanged_and_results_with_field_and_file() {
    let input = fixture("integrations/resourcelist.krm");
    let out = krm(&input);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    // Items byte for byte: the output is the input plus `results`.
    let (before, results) = stdout.split_once("results:\n").expect("results");
    assert_eq!(before, input);
    for want in [
        "- message: \"ecs-taint-not-tolerated: ",
        "  severity: error",
        "    kind: IstioGateway\n    name: ingressgateway\n    namespace: istio-system",
        "    path: \"spec.tolerations[1].value\"",
        // internal.config.kubernetes.io annotations win over the legacy ones ...
        "    path: gateways/gw.yaml\n    index: 1",
        // ... which are the fallback.
        "    path: legacy.yaml\n    index: 2",
        "    path: spec.template.spec",
        "    rule: overflow-block-missing",
    ] {
        assert!(results.contains(want), "missing {want:?} in\n{results}");
    }
    assert!(!results.contains("unrelated"));
}

#[test]
fn krm_apply_fixes_items_keeps_comments_and_the_rest() {
    let input = fixture("integrations/resourcelist.krm").replace(
        "    ecs-label: mykey4pod",
        "    mode: apply\n    ecs-label: mykey4pod",
    );
    let out = krm(&input);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("    # the ECS taint's value has a typo\n    - key: mykey\n      operator: Equal\n      value: myvalue\n"));
    assert!(stdout.contains("        tolerations:\n        - key: virtual-kubelet.io/provider"));
    assert!(
        !stdout.contains("results:"),
        "nothing left to report:\n{stdout}"
    );
    // Idempotent, and the result audits clean.
    let again = krm(&stdout);
    assert_eq!(text(&again.stdout), stdout);
    let audit = krm(&stdout.replace("    mode: apply\n", ""));
    assert_eq!(audit.status.code(), Some(0), "{}", text(&audit.stdout));
}

#[test]
fn krm_typed_config_and_json() {
    let input = r#"{"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList",
 "items": [{"apiVersion": "apps/v1", "kind": "Deployment",
   "metadata": {"name": "gw", "namespace": "istio-system"},
   "spec": {"template": {"metadata": {"labels": {"app": "istio-ingressgateway"}},
     "spec": {"containers": [{"name": "p", "image": "x", "resources": {"limits": {"cpu": 0.5}}}]}}}}],
 "functionConfig": {"apiVersion": "spillway.dev/v1alpha1", "kind": "OverflowPolicy",
   "metadata": {"name": "overflow"},
   "spec": {"mode": "apply", "pools": {"ecs": {"label": "mykey4pod=asmgateway",
     "taint": "mykey=myvalue:NoSchedule", "weight": 90}, "virtual": {"weight": 10}}}}}"#;
    let out = krm(input);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON in, JSON out");
    let spec = &v["items"][0]["spec"]["template"]["spec"];
    assert_eq!(spec["containers"][0]["resources"]["limits"]["cpu"], 0.5);
    assert_eq!(
        spec["affinity"]["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0]
            ["weight"],
        90
    );
    assert_eq!(spec["tolerations"][1]["value"], "myvalue");
}

#[test]
fn krm_bad_input_and_bad_config() {
    // Not a ResourceList: stderr, exit 2.
    for bad in ["kind: Deployment\n", "{", "", "a: 1\n---\nb: 2\n"] {
        let out = krm(bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(out.stdout.is_empty());
        assert!(text(&out.stderr).starts_with("spillway krm: "));
    }
    // A bad functionConfig: the ResourceList comes back with an error result, exit 1.
    for (config, want) in [
        ("{kind: ConfigMap, data: {mode: fix}}", "mode `fix`: expected audit or apply"),
        ("{kind: ConfigMap, data: {colour: red}}", "data.colour: unknown key"),
        ("{kind: ConfigMap, data: {ecs-taint: mykey}}", "expected KEY=VALUE:EFFECT"),
        (
            "{kind: ConfigMap, data: {ecs-weight: '10'}}",
            "must be greater than the virtual weight",
        ),
        (
            "{apiVersion: spillway.dev/v1alpha1, kind: OverflowPolicy, spec: {pools: {ecs: {lable: a=b}}}}",
            "spec.pools.ecs.lable: unknown key",
        ),
        ("{apiVersion: v1, kind: Secret}", "expected a ConfigMap or a spillway.dev/v1alpha1"),
    ] {
        let out = krm(&format!(
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig: {config}\n"
        ));
        assert_eq!(out.status.code(), Some(1), "{config}");
        let stdout = text(&out.stdout);
        assert!(stdout.contains("results:\n- message: \"invalid functionConfig: "), "{stdout}");
        assert!(stdout.contains(want), "{want:?} not in {stdout}");
    }
}

// ---- kpt ----

fn kpt_eval(dir: &Path, results: &Path, args: &[&str]) -> Output {
    run(Command::new("kpt")
        .args(["fn", "eval"])
        .arg(dir)
        .arg("--results-dir")
        .arg(results)
        .args(["--exec", &format!("{BIN} krm"), "--"])
        .args(args))
}

#[test]
fn kpt_fn_eval_audits_then_applies() {
    if !client("kpt", &["version"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let pkg = tmp.path().join("pkg");
    std::fs::create_dir_all(pkg.join("gateways")).unwrap();
    let broken = fixture("example/gateway.yaml");
    let file = pkg.join("gateways/gateway.yaml");
    std::fs::write(&file, &broken).unwrap();
    std::fs::write(
        pkg.join("correct.yaml"),
        fixture("istio-gateway/correct.yaml"),
    )
    .unwrap();
    let pools = [
        format!("ecs-label={ECS_LABEL}"),
        format!("ecs-taint={ECS_TAINT}"),
    ];
    let pools: Vec<&str> = pools.iter().map(String::as_str).collect();

    // Audit (the default mode): fails with the results, changes nothing.
    let out = kpt_eval(&pkg, &tmp.path().join("r1"), &pools);
    assert!(!out.status.success());
    let stderr = text(&out.stderr) + &text(&out.stdout);
    assert!(stderr.contains("ecs-taint-not-tolerated"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), broken);
    let results = std::fs::read_to_string(tmp.path().join("r1/results.yaml")).unwrap();
    for want in [
        "severity: error",
        "path: gateways/gateway.yaml",
        "spec.tolerations[1].value",
        "kind: IstioGateway",
    ] {
        assert!(results.contains(want), "{want:?} not in {results}");
    }

    // Apply: the file is fixed in place, its comments kept.
    let mut args = vec!["mode=apply"];
    args.extend(&pools);
    let out = kpt_eval(&pkg, &tmp.path().join("r2"), &args);
    assert!(out.status.success());
    let fixed = std::fs::read_to_string(&file).unwrap();
    assert_ne!(fixed, broken);
    assert!(fixed.contains("value: myvalue\n"), "{fixed}");
    assert!(
        fixed.contains("key: virtual-kubelet.io/provider"),
        "{fixed}"
    );
    for line in broken.lines().filter(|l| l.trim_start().starts_with('#')) {
        assert!(fixed.contains(line), "comment {line:?} lost:\n{fixed}");
    }

    // Now the audit passes, and spillway's own audit agrees.
    let out = kpt_eval(&pkg, &tmp.path().join("r3"), &pools);
    assert!(out.status.success());
    let out = run(Command::new(BIN).arg("audit").arg(&pkg).args([
        "--ecs-label",
        ECS_LABEL,
        "--ecs-taint",
        ECS_TAINT,
    ]));
    assert_eq!(out.status.code(), Some(0));
}

// ---- kustomize (legacy exec transformer plugin) ----

/// `$XDG_CONFIG_HOME` with the plugin wrapper in place.
fn kustomize_home(tmp: &Path) -> PathBuf {
    let home = tmp.join("xdg");
    let dir = home.join("kustomize/plugin/spillway.dev/v1alpha1/overflowtransformer");
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join("OverflowTransformer");
    std::fs::write(
        &exe,
        format!("#!/bin/sh\nexec '{BIN}' kustomize-plugin \"$@\"\n"),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    home
}

fn kustomization(dir: &Path, mode: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("gateway.yaml"),
        fixture("deployment/overflow-block-missing.yaml"),
    )
    .unwrap();
    std::fs::write(
        dir.join("kustomization.yaml"),
        "resources:\n- gateway.yaml\ntransformers:\n- overflow.yaml\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("overflow.yaml"),
        format!(
            "apiVersion: spillway.dev/v1alpha1\nkind: OverflowTransformer\nmetadata:\n  name: overflow\nspec:\n  mode: {mode}\n  pools:\n    ecs:\n      label: {ECS_LABEL}\n      taint: \"{ECS_TAINT}\"\n"
        ),
    )
    .unwrap();
}

#[test]
fn kubectl_kustomize_runs_the_transformer() {
    if !client("kubectl", &["version", "--client"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let home = kustomize_home(tmp.path());

    let apply = tmp.path().join("apply");
    kustomization(&apply, "apply");
    let out = run(Command::new("kubectl")
        .args(["kustomize", "--enable-alpha-plugins"])
        .arg(&apply)
        .env("XDG_CONFIG_HOME", &home));
    assert!(out.status.success());
    let built = text(&out.stdout);
    for want in [
        "      affinity:\n        nodeAffinity:\n",
        "requiredDuringSchedulingIgnoredDuringExecution:",
        "- key: mykey4pod",
        "weight: 80",
        "key: virtual-kubelet.io/provider",
        "value: myvalue",
    ] {
        assert!(built.contains(want), "{want:?} not in\n{built}");
    }
    // The built output audits clean.
    let mut audit = Command::new(BIN);
    audit
        .args([
            "audit",
            "-",
            "--ecs-label",
            ECS_LABEL,
            "--ecs-taint",
            ECS_TAINT,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = audit.spawn().unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(built.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // Audit mode fails the build with the findings.
    let audit = tmp.path().join("audit");
    kustomization(&audit, "audit");
    let out = run(Command::new("kubectl")
        .args(["kustomize", "--enable-alpha-plugins"])
        .arg(&audit)
        .env("XDG_CONFIG_HOME", &home));
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("overflow-block-missing"));
}

// ---- pre-commit ----

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "spillway-tests")
        .env("GIT_AUTHOR_EMAIL", "tests@spillway.invalid")
        .env("GIT_COMMITTER_NAME", "spillway-tests")
        .env("GIT_COMMITTER_EMAIL", "tests@spillway.invalid")
        .env("GIT_AUTHOR_DATE", "2000-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2000-01-01T00:00:00Z")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
    text(&out.stdout).trim().to_owned()
}

/// The repository and rev pre-commit installs the hooks from: this repository at HEAD when HEAD
/// has `.pre-commit-hooks.yaml` as it is in the work tree; else a clone of HEAD under target/
/// with the work tree's hooks file committed (with fixed dates, so the same HEAD and hooks file
/// give the same rev, and pre-commit's cache is reused).
fn hook_repo() -> (PathBuf, String) {
    let root = root();
    let head = git(&root, &["rev-parse", "HEAD"]);
    let hooks = std::fs::read_to_string(root.join(".pre-commit-hooks.yaml")).unwrap();
    let committed = Command::new("git")
        .arg("-C")
        .arg(&root)
        .args(["show", "HEAD:.pre-commit-hooks.yaml"])
        .output()
        .unwrap();
    if committed.status.success() && text(&committed.stdout) == hooks {
        return (root, head);
    }
    let repo = root.join("target/pre-commit-repo");
    let fresh = repo.join(".git").is_dir()
        && git(&repo, &["rev-parse", "HEAD^"]) == head
        && std::fs::read_to_string(repo.join(".pre-commit-hooks.yaml")).ok() == Some(hooks.clone());
    if !fresh {
        let _ = std::fs::remove_dir_all(&repo);
        git(
            &root,
            &[
                "clone",
                "--quiet",
                "--no-checkout",
                ".",
                repo.to_str().unwrap(),
            ],
        );
        git(&repo, &["checkout", "--quiet", &head]);
        std::fs::write(repo.join(".pre-commit-hooks.yaml"), &hooks).unwrap();
        git(&repo, &["add", ".pre-commit-hooks.yaml"]);
        git(
            &repo,
            &[
                "-c",
                "commit.gpgsign=false",
                "commit",
                "--quiet",
                "--no-verify",
                "-m",
                "pre-commit hooks (test snapshot)",
            ],
        );
    }
    let rev = git(&repo, &["rev-parse", "HEAD"]);
    (repo, rev)
}

fn pre_commit(dir: &Path, args: &[&str]) -> Output {
    let target = root().join("target");
    let started = std::time::Instant::now();
    let out = run(Command::new("pre-commit")
        .current_dir(dir)
        .arg("run")
        .args(args)
        // A persistent cache: the first run builds spillway with `cargo install` (minutes),
        // later runs reuse it; a shared target folder makes rebuilds after a change fast.
        .env("PRE_COMMIT_HOME", target.join("pre-commit-home"))
        .env("CARGO_TARGET_DIR", target.join("pre-commit-target"))
        .env("PRE_COMMIT_COLOR", "never"));
    eprintln!("pre-commit run {args:?}: {:?}", started.elapsed());
    out
}

#[test]
fn pre_commit_hooks_audit_and_apply() {
    if !client("pre-commit", &["--version"]) || !client("git", &["--version"]) {
        return;
    }
    let (repo, rev) = hook_repo();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    git(dir, &["init", "--quiet"]);
    let args = format!("[--ecs-label, {ECS_LABEL}, --ecs-taint, \"{ECS_TAINT}\"]");
    std::fs::write(
        dir.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n- repo: {}\n  rev: {rev}\n  hooks:\n  - id: spillway-audit\n    args: {args}\n  - id: spillway-apply\n    args: {args}\n",
            repo.display()
        ),
    )
    .unwrap();
    let broken = fixture("example/gateway.yaml");
    std::fs::write(dir.join("broken.yaml"), &broken).unwrap();
    std::fs::write(
        dir.join("correct.yaml"),
        fixture("istio-gateway/correct.yaml"),
    )
    .unwrap();
    git(dir, &["add", "."]);

    // A correct gateway passes both hooks.
    let out = pre_commit(dir, &["--files", "correct.yaml"]);
    assert!(out.status.success());

    // A broken one: audit fails with the findings.
    let out = pre_commit(dir, &["spillway-audit", "--files", "broken.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("ecs-taint-not-tolerated"));
    assert_eq!(
        std::fs::read_to_string(dir.join("broken.yaml")).unwrap(),
        broken
    );

    // apply fixes the file and fails the hook, as formatters do ...
    let out = pre_commit(dir, &["spillway-apply", "--files", "broken.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("files were modified by this hook"));
    let fixed = std::fs::read_to_string(dir.join("broken.yaml")).unwrap();
    assert!(fixed.contains("value: myvalue\n"));
    assert!(fixed.contains("# copied from a published version of the procedure"));

    // ... and once the fix is staged, both hooks pass.
    git(dir, &["add", "broken.yaml"]);
    let out = pre_commit(dir, &["--files", "broken.yaml", "correct.yaml"]);
    assert!(out.status.success());
}

/// Regression: in apply mode, a gateway whose ECS pool cannot be known was an internal error
/// (nothing printed); it is an error result on the unchanged item, exit 1.
#[test]
fn krm_apply_with_an_unknown_pool_is_an_error_result() {
    let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: cfg}\n  data: {mode: apply}\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: g}\n  spec:\n    template:\n      metadata: {labels: {istio: ingressgateway}}\n      spec:\n        containers: [{name: p, image: x}]\n";
    let out = krm(input);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("cannot apply to Deployment g"), "{stdout}");
    assert!(
        stdout.contains("containers: [{name: p, image: x}]"),
        "{stdout}"
    );
}
