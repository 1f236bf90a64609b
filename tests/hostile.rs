//! Hostile input through the real binary (issue 8): spillway runs unattended in CI over YAML
//! anyone commits, so no input may make it panic, hang, overflow its stack or take runaway
//! memory. Bad input is a clear error: exit 2, `file:line:col` where there is one, nothing
//! written, and the other files of the run still processed.
//!
//! Every run is a child process under `ulimit -v` (a ceiling on its address space: a blow-up
//! aborts the child, and the test says so) and a generous wall-clock guard that only detects
//! hangs (it asserts nothing about speed). Each run prints how long it took. Big inputs are
//! generated into a temporary folder, never committed.
//!
//! Most tests put the hostile file `bad.yaml` beside `good.yaml`, the README's example gateway
//! (three mistakes, the last at 74:14), and check both `audit` (JSON, for exact positions) and
//! `apply --write` (the hostile file untouched, the good one rewritten, no temporary file
//! left).

mod common;

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{fixture, say_skipped, POOLS};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_spillway");
/// Address space a run may take (`ulimit -v`, KiB). Peak RSS stays well below: the largest
/// input here, a million keys, peaks around 280 MB resident.
const MEMORY_CEILING_KB: u64 = 512 * 1024;
/// Hang detector only: far above what any run here takes, even in a debug build.
const HANG_GUARD: Duration = Duration::from_secs(600);

/// What a run of the binary did.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn show(&self) -> String {
        let cut = |s: &str| s.chars().take(3000).collect::<String>();
        format!(
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code,
            cut(&self.stdout),
            cut(&self.stderr)
        )
    }

    /// The `--format json` report.
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not a JSON report ({e}):\n{}", self.show()))
    }
}

/// Runs `spillway ARGS` in `dir` under the memory ceiling and the hang guard, feeding `stdin`.
fn spillway(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
    let start = Instant::now();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {MEMORY_CEILING_KB} || exit 99; exec \"$0\" \"$@\""
        ))
        .arg(BIN)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        // The address-space ceiling must not depend on the machine's core count: each thread
        // reserves a stack and, with glibc, a 64 MiB malloc arena.
        .env("RAYON_NUM_THREADS", "2")
        .env("MALLOC_ARENA_MAX", "2")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh runs");
    let feed = stdin.map(|b| {
        let mut pipe = child.stdin.take().unwrap();
        let b = b.to_vec();
        // The child may stop reading early (an error): a broken pipe is fine.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&b);
        })
    });
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            String::from_utf8_lossy(&v).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > HANG_GUARD {
            let _ = child.kill();
            let _ = child.wait();
            panic!("spillway {args:?} still running after {HANG_GUARD:?}: a hang");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    if let Some(f) = feed {
        let _ = f.join();
    }
    let run = Run {
        code: status.code(),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    say_timing(&format!("spillway {}", short(args)), start.elapsed());
    assert_ne!(run.code, Some(99), "ulimit -v is not available");
    assert!(
        run.code.is_some(),
        "killed by a signal (over the {} MiB memory ceiling, a stack overflow or a crash): {}",
        MEMORY_CEILING_KB / 1024,
        run.show()
    );
    assert!(
        !run.stderr.contains("panicked") && !run.stderr.contains("RUST_BACKTRACE"),
        "panic: {}",
        run.show()
    );
    run
}

fn short(args: &[&str]) -> String {
    let s = args.join(" ");
    if s.len() > 120 {
        format!("{}...", &s[..120])
    } else {
        s
    }
}

/// Timings go straight to stderr (libtest captures `eprintln!` of passing tests).
fn say_timing(what: &str, took: Duration) {
    let _ = writeln!(std::io::stderr(), "timing: {what}: {took:.2?}");
}

fn example() -> String {
    fixture("example/gateway.yaml")
}

/// A folder holding `bad.yaml` (the given bytes) and `good.yaml` (the README example).
fn folder(bad: &[u8]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("bad.yaml"), bad).unwrap();
    fs::write(d.path().join("good.yaml"), example()).unwrap();
    d
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn args<'a>(head: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = head.to_vec();
    v.extend(POOLS);
    v.extend(extra);
    v
}

/// `good.yaml` was checked: its last finding is in the JSON report.
fn assert_good_checked(report: &Value, run: &Run) {
    let found = report["findings"].as_array().unwrap().iter().any(|f| {
        f["file"] == "good.yaml"
            && f["rule"] == "ecs-taint-not-tolerated"
            && f["line"] == 74
            && f["column"] == 14
    });
    assert!(found, "good.yaml was not checked: {}", run.show());
}

/// What an input must be rejected with: every fragment in the message, and the position
/// (line, column) where the input has one.
struct Want<'a> {
    message: &'a [&'a str],
    at: Option<(u64, u64)>,
}

/// `audit bad.yaml good.yaml`: exit 2, one error for bad.yaml as wanted, good.yaml checked.
fn audit_rejects(dir: &Path, extra: &[&str], want: &Want) {
    let run = audit_bad_and_good(dir, extra);
    assert_eq!(run.code, Some(2), "{}", run.show());
    let report = run.json();
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{}", run.show());
    let e = &errors[0];
    assert_eq!(e["file"], "bad.yaml", "{}", run.show());
    let message = e["message"].as_str().unwrap();
    for m in want.message {
        assert!(message.contains(m), "{m:?} not in {message:?}");
    }
    match want.at {
        Some((l, c)) => assert_eq!(
            (e["line"].as_u64(), e["column"].as_u64()),
            (Some(l), Some(c)),
            "{}",
            run.show()
        ),
        None => assert!(e.get("line").is_none(), "{}", run.show()),
    }
    assert_good_checked(&report, &run);
}

/// `apply --write bad.yaml good.yaml`: exit 2 with the error at `bad.yaml:L:C`, bad.yaml
/// untouched, good.yaml rewritten, no temporary file left.
fn apply_write_rejects(dir: &Path, extra: &[&str], want: &Want) {
    let bad = fs::read(dir.join("bad.yaml")).unwrap();
    let before = names(dir);
    let run = spillway(
        dir,
        &args(
            &["apply", "--no-config", "--write", "bad.yaml", "good.yaml"],
            extra,
        ),
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.show());
    let at = want.at.map_or("bad.yaml".to_string(), |(l, c)| {
        format!("bad.yaml:{l}:{c}:")
    });
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains(&at))
        .unwrap_or_else(|| panic!("no error at {at}: {}", run.show()));
    for m in want.message {
        assert!(line.contains(m), "{m:?} not in {line:?}");
    }
    assert!(
        fs::read(dir.join("bad.yaml")).unwrap() == bad,
        "bad.yaml changed"
    );
    let good = fs::read_to_string(dir.join("good.yaml")).unwrap();
    assert!(
        good != example() && good.contains("      value: myvalue\n"),
        "good.yaml was not rewritten: {}",
        run.show()
    );
    assert_eq!(names(dir), before, "a file was left behind");
}

/// Both of the above, on a fresh folder each.
fn rejected(bad: &[u8], extra: &[&str], want: Want) {
    audit_rejects(folder(bad).path(), extra, &want);
    apply_write_rejects(folder(bad).path(), extra, &want);
}

/// An input that is not an error: audit with good.yaml exits 1 (good.yaml's findings), apply
/// --write leaves it byte for byte.
fn accepted(bad: &[u8], extra: &[&str]) {
    let d = folder(bad);
    let run = audit_bad_and_good(d.path(), extra);
    assert_eq!(run.code, Some(1), "{}", run.show());
    let report = run.json();
    assert!(
        report["errors"].as_array().unwrap().is_empty(),
        "{}",
        run.show()
    );
    assert_good_checked(&report, &run);
    let run = spillway(
        d.path(),
        &args(
            &["apply", "--no-config", "--write", "bad.yaml", "good.yaml"],
            extra,
        ),
        None,
    );
    assert_eq!(run.code, Some(0), "{}", run.show());
    assert!(fs::read(d.path().join("bad.yaml")).unwrap() == bad);
    assert_ne!(
        fs::read_to_string(d.path().join("good.yaml")).unwrap(),
        example()
    );
}

// ---- malformed YAML ----

#[test]
fn unclosed_flow_collection() {
    rejected(
        b"a: [1, 2\nb: {x: 1\n",
        &[],
        Want {
            message: &["the flow sequence `[` opened at line 1, column 4 is not closed (expected `,` or `]`)"],
            at: Some((2, 2)),
        },
    );
}

#[test]
fn bad_indentation() {
    rejected(
        b"a:\n  b: 1\n c: 2\n",
        &[],
        Want {
            message: &["did not find expected key"],
            at: Some((3, 2)),
        },
    );
}

#[test]
fn tabs_as_indentation() {
    rejected(
        b"a:\n\tb: 1\n",
        &[],
        Want {
            message: &["YAML indents with spaces only; replace the tab"],
            at: Some((2, 2)),
        },
    );
}

#[test]
fn stray_dash() {
    rejected(
        b"a: 1\n-\nb: 2\n",
        &[],
        Want {
            message: &["did not find expected key"],
            at: Some((2, 2)),
        },
    );
}

#[test]
fn unterminated_quoted_scalar() {
    rejected(
        b"a: \"open\nb: 2\n",
        &[],
        Want {
            message: &["the double-quoted string that starts here is not closed"],
            at: Some((1, 4)),
        },
    );
}

#[test]
fn invalid_utf8() {
    // No snippet to show: the position is in the message.
    rejected(
        b"a: 1\nb: caf\xe9\n",
        &[],
        Want {
            message: &[
                "invalid UTF-8 at line 2, column 7 (byte 11): YAML input must be UTF-8 text",
            ],
            at: None,
        },
    );
}

#[test]
fn binary_data() {
    // A gzip header: what a committed `.yaml.gz` renamed to `.yaml` starts with.
    let mut bin = vec![0x1f, 0x8b, 0x08, 0x00];
    bin.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    rejected(
        &bin,
        &[],
        Want {
            message: &["binary data: a NUL byte at line 1, column 4 (byte 3); YAML is text"],
            at: None,
        },
    );
}

#[test]
fn nul_byte() {
    rejected(
        b"kind: Deployment\nmetadata: {name: x\x00}\n",
        &[],
        Want {
            message: &["binary data: a NUL byte at line 2, column 19 (byte 35)"],
            at: None,
        },
    );
}

#[test]
fn empty_file() {
    accepted(b"", &[]);
}

#[test]
fn a_file_of_only_comments() {
    accepted(b"# nothing here yet\n# (a placeholder)\n", &[]);
}

#[test]
fn a_stream_of_empty_documents() {
    accepted(b"---\n---\n", &[]);
    accepted(b"---\n...\n---\n# c\n...\n", &[]);
}

// ---- resource bombs ----

/// 9 levels of 10 aliases: 10^9 nodes once expanded, in under 500 bytes.
fn billion_laughs() -> String {
    let mut t = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n  a0: &a0 [lol]\n",
    );
    for i in 1..=9 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        t.push_str(&format!("  a{i}: &a{i} [{refs}]\n"));
    }
    t
}

/// The README gateway with a billion laughs of merge keys in its affinity: each level merges
/// ten aliases of the one before.
fn merge_key_laughs() -> String {
    let mut defs = String::from("  x0: &m0 {k0: v}\n");
    for i in 1..=9 {
        let refs = vec![format!("*m{}", i - 1); 10].join(", ");
        defs.push_str(&format!("  x{i}: &m{i} {{<<: [{refs}], k{i}: v}}\n"));
    }
    let gw = example();
    assert!(gw.contains("  affinity:\n"));
    gw.replacen(
        "  affinity:\n",
        &format!("{defs}  affinity:\n    <<: *m9\n"),
        1,
    )
}

/// The line and column (1-based, characters) of the first `needle` in `text`.
fn position(text: &str, needle: &str) -> (u64, u64) {
    let at = text.find(needle).unwrap();
    let line = text[..at].matches('\n').count() + 1;
    let col = at - text[..at].rfind('\n').map_or(0, |p| p + 1) + 1;
    (line as u64, col as u64)
}

/// Where the alias limit is crossed in a text holding [`billion_laughs`]: aliases up to level
/// 5 stand for 234,560 nodes, each alias of level 6 for 211,111 more, so its fourth crosses a
/// million.
fn laughs_crossing(t: &str) -> (u64, u64) {
    let line6 = t.find("  a6:").unwrap();
    let nth = t[line6..].match_indices("*a5").nth(3).unwrap().0 + line6;
    position(t, &t[nth..])
}

/// Where the alias limit is crossed in [`merge_key_laughs`]: aliases up to level 5 stand for
/// 395,030 nodes, each alias of level 6 for 355,555 more, so the second crosses a million (the
/// last nine aliases of the line start there).
fn merge_laughs_crossing(t: &str) -> (u64, u64) {
    position(t, "*m5, *m5, *m5, *m5, *m5, *m5, *m5, *m5, *m5]")
}

const ALIAS_LIMIT: &str =
    "aliases expand to more than 1000000 nodes (limit: --max-alias-expansion)";

#[test]
fn billion_laughs_of_aliases() {
    let t = billion_laughs();
    rejected(
        t.as_bytes(),
        &[],
        Want {
            message: &[ALIAS_LIMIT],
            at: Some(laughs_crossing(&t)),
        },
    );
}

#[test]
fn billion_laughs_of_merge_keys_in_a_gateway_affinity() {
    let t = merge_key_laughs();
    let want = Want {
        message: &[ALIAS_LIMIT],
        at: Some(merge_laughs_crossing(&t)),
    };
    rejected(t.as_bytes(), &[], want);
}

#[test]
fn merge_key_laughs_allowed_cost_their_size_not_their_expansion() {
    // With the alias limit lifted, every command still reads the gateway at once: each merged
    // mapping is visited once, however many aliases bring it in.
    let d = folder(merge_key_laughs().as_bytes());
    let lifted = ["--max-alias-expansion", "18446744073709551615"];
    let run = spillway(
        d.path(),
        &args(
            &["audit", "--no-config", "--format", "json", "bad.yaml"],
            &lifted,
        ),
        None,
    );
    assert_eq!(run.code, Some(1), "{}", run.show());
    let report = run.json();
    assert!(report["errors"].as_array().unwrap().is_empty());
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "weights-inverted"));
    let run = spillway(
        d.path(),
        &args(&["apply", "--no-config", "--write", "bad.yaml"], &lifted),
        None,
    );
    assert_eq!(run.code, Some(0), "{}", run.show());
    let fixed = fs::read_to_string(d.path().join("bad.yaml")).unwrap();
    assert!(fixed.contains("  x9: &m9 {<<: [*m8, "), "the anchors stay");
    assert!(fixed.contains("      value: myvalue\n"));
}

/// Every command that reads YAML rejects an alias bomb at once, naming the limit.
#[test]
fn every_reader_rejects_an_alias_bomb() {
    let laughs = merge_key_laughs();
    let d = folder(laughs.as_bytes());
    let p = d.path();
    let nodes = fixture("simulate/nodes.sim");
    fs::write(p.join("nodes.yaml"), &nodes).unwrap();
    // simulate: the gateway, and the node inventory.
    let run = spillway(
        p,
        &args(
            &[
                "simulate",
                "--no-config",
                "--nodes",
                "nodes.yaml",
                "bad.yaml",
            ],
            &[],
        ),
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.show());
    let (l, c) = merge_laughs_crossing(&laughs);
    let want = format!("bad.yaml:{l}:{c}: {ALIAS_LIMIT}");
    assert!(run.stderr.contains(&want), "{}", run.show());
    let bomb = format!("{nodes}---\n{}", billion_laughs());
    fs::write(p.join("bomb-nodes.yaml"), &bomb).unwrap();
    let (l, c) = laughs_crossing(&bomb);
    let run = spillway(
        p,
        &args(
            &[
                "audit",
                "--no-config",
                "--nodes",
                "bomb-nodes.yaml",
                "good.yaml",
            ],
            &[],
        ),
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.show());
    let want = format!("--nodes bomb-nodes.yaml:{l}:{c}: {ALIAS_LIMIT}");
    assert!(run.stderr.contains(&want), "{}", run.show());
    // status reads --nodes and --pods the same way.
    let run = spillway(
        p,
        &[
            "status",
            "--no-config",
            "--nodes",
            "nodes.yaml",
            "--pods",
            "bomb-nodes.yaml",
        ],
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.show());
    let want = format!("--pods bomb-nodes.yaml:{l}:{c}: {ALIAS_LIMIT}");
    assert!(run.stderr.contains(&want), "{}", run.show());
    // krm: the gateway as an item of a ResourceList, in YAML and in flow (JSON-like) form.
    let item: String = laughs
        .lines()
        .filter(|l| !l.starts_with('#'))
        .enumerate()
        .map(|(i, l)| format!("{}{l}\n", if i == 0 { "- " } else { "  " }))
        .collect();
    let list = format!("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n{item}");
    let run = spillway(p, &["krm"], Some(list.as_bytes()));
    assert_eq!(run.code, Some(2), "{}", run.show());
    assert!(run.stderr.contains(ALIAS_LIMIT), "{}", run.show());
    let mut flow = String::from(
        "{apiVersion: config.kubernetes.io/v1, kind: ResourceList, items: [], x: {a0: &a0 [lol]",
    );
    for i in 1..=9 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        flow.push_str(&format!(", a{i}: &a{i} [{refs}]"));
    }
    flow.push_str("}}\n");
    let run = spillway(p, &["krm"], Some(flow.as_bytes()));
    assert_eq!(run.code, Some(2), "{}", run.show());
    assert!(run.stderr.contains(ALIAS_LIMIT), "{}", run.show());
    // kustomize-plugin: the resources on stdin.
    fs::write(
        p.join("transformer.yaml"),
        "apiVersion: spillway.dev/v1alpha1\nkind: OverflowTransformer\nmetadata:\n  name: overflow\nspec:\n  mode: apply\n  pools:\n    ecs:\n      label: mykey4pod=asmgateway\n      taint: mykey=myvalue:NoSchedule\n",
    )
    .unwrap();
    for mode in ["apply", "audit"] {
        let cfg = fs::read_to_string(p.join("transformer.yaml"))
            .unwrap()
            .replace("mode: apply", &format!("mode: {mode}"));
        fs::write(p.join("transformer.yaml"), cfg).unwrap();
        let run = spillway(
            p,
            &["kustomize-plugin", "transformer.yaml"],
            Some(laughs.as_bytes()),
        );
        assert_ne!(run.code, Some(0), "{}", run.show());
        assert!(run.stderr.contains(ALIAS_LIMIT), "{}", run.show());
        assert!(run.stdout.is_empty(), "{}", run.show());
    }
}

#[test]
fn an_alias_to_the_collection_that_holds_it() {
    // go-yaml (kubectl) rejects it too: "anchor 'cyc' value contains itself".
    let t = example().replacen("  affinity:\n", "  affinity: &cyc\n    self: *cyc\n", 1);
    let at = position(&t, "*cyc");
    rejected(
        t.as_bytes(),
        &[],
        Want {
            message: &["alias refers to a collection that contains it (a cycle"],
            at: Some(at),
        },
    );
}

#[test]
fn nesting_100_000_flow_levels() {
    let t = format!("{}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    rejected(
        t.as_bytes(),
        &[],
        Want {
            message: &["flow collections nested deeper than the parser's fixed limit of 256 levels (--max-depth cannot raise it)"],
            at: Some((1, 256)),
        },
    );
}

#[test]
fn nesting_100_000_block_levels() {
    // `- - - ... x`: block sequences, 100,000 deep on one line.
    let t = format!("{}x\n", "- ".repeat(100_000));
    rejected(
        t.as_bytes(),
        &[],
        Want {
            message: &["document nests deeper than 256 levels (limit: --max-depth)"],
            at: Some((1, 2 * 256 - 1)),
        },
    );
    // Raised, the limit still applies at its new value; the flag has a ceiling.
    let d = folder(t.as_bytes());
    let run = spillway(
        d.path(),
        &[
            "audit",
            "--no-config",
            "--format",
            "json",
            "--max-depth",
            "4096",
            "bad.yaml",
        ],
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.show());
    assert_eq!(
        run.json()["errors"][0]["message"],
        "document nests deeper than 4096 levels (limit: --max-depth)"
    );
    let run = spillway(
        d.path(),
        &["audit", "--max-depth", "100000", "bad.yaml"],
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.show());
    assert!(
        run.stderr.contains("100000 is not in 1..=4096"),
        "{}",
        run.show()
    );
}

#[test]
fn nesting_4096_levels_when_allowed_is_walked_without_overflow() {
    // At the ceiling of --max-depth, what walks the tree recursively (a `--path` query turns
    // the document into JSON) still fits its thread's stack.
    // The root mapping, `x`'s and 4094 more: 4096 levels.
    let mut t = String::from("kind: Values\nx:\n");
    for i in 1..4095 {
        t.push_str(&"  ".repeat(i));
        t.push_str("a:\n");
    }
    t.push_str(&"  ".repeat(4095));
    t.push_str("b: 1\n");
    let d = folder(t.as_bytes());
    let run = spillway(
        d.path(),
        &[
            "audit",
            "--no-config",
            "--format",
            "json",
            "--max-depth",
            "4096",
            "--path",
            "$",
            "bad.yaml",
        ],
        None,
    );
    assert_eq!(run.code, Some(1), "{}", run.show());
    assert!(run.json()["errors"].as_array().unwrap().is_empty());
}

const MIB: usize = 1 << 20;

#[test]
fn a_single_64_mib_scalar() {
    let mut t = String::with_capacity(64 * MIB + 16);
    t.push_str("a: ");
    t.extend(std::iter::repeat_n('x', 64 * MIB));
    t.push('\n');
    // audit reads a stream piece by piece and stops at the limit; apply says where.
    audit_rejects(
        folder(t.as_bytes()).path(),
        &[],
        &Want {
            message: &[
                "a YAML document larger than 33554432 bytes",
                "(limit: --max-document-bytes)",
            ],
            at: None,
        },
    );
    apply_write_rejects(
        folder(t.as_bytes()).path(),
        &[],
        &Want {
            message: &["a YAML document larger than 33554432 bytes (limit: --max-document-bytes)"],
            at: Some((1, 1)),
        },
    );
    // Raised, it is read (and is not a gateway).
    let d = folder(t.as_bytes());
    let run = spillway(
        d.path(),
        &[
            "audit",
            "--no-config",
            "--format",
            "json",
            "--max-document-bytes",
            "100000000",
            "bad.yaml",
        ],
        None,
    );
    assert_eq!(run.code, Some(0), "{}", run.show());
    assert_eq!(run.json()["summary"]["documents"], 1);
}

/// The README gateway with `n` more keys in its `spec`.
fn gateway_with_keys(n: usize) -> String {
    let mut keys = String::with_capacity(n * 20);
    for i in 0..n {
        keys.push_str(&format!("  key{i}: value{i}\n"));
    }
    example().replacen("  affinity:\n", &format!("{keys}  affinity:\n"), 1)
}

#[test]
fn a_million_keys_in_one_mapping() {
    // Duplicate detection and every lookup in `spec` (affinity, tolerations, ...) must stay
    // linear: a quadratic step here would run for hours.
    let t = gateway_with_keys(1_000_000);
    let d = folder(t.as_bytes());
    let started = Instant::now();
    let run = audit_bad_and_good(d.path(), &[]);
    assert_eq!(run.code, Some(1), "{}", run.show());
    let report = run.json();
    assert_good_checked(&report, &run);
    assert_eq!(report["summary"]["gateways"], 2);
    let last = 1_000_000 + 74;
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["file"] == "bad.yaml"
            && f["line"] == last
            && f["rule"] == "ecs-taint-not-tolerated"));
    let run = spillway(
        d.path(),
        &args(&["apply", "--no-config", "--write", "bad.yaml"], &[]),
        None,
    );
    assert_eq!(run.code, Some(0), "{}", run.show());
    assert!(fs::read_to_string(d.path().join("bad.yaml"))
        .unwrap()
        .contains("  key999999: value999999\n"));
    say_timing("a million keys, audit and apply", started.elapsed());
}

#[test]
fn a_million_keys_without_values() {
    // `? key` with no value, a million times: each empty value used to search the rest of the
    // file for a colon (quadratic: hours for this file).
    let mut t = String::with_capacity(12 * MIB);
    for i in 0..1_000_000 {
        t.push_str(&format!("? k{i}\n"));
    }
    let d = folder(t.as_bytes());
    let run = spillway(
        d.path(),
        &["audit", "--no-config", "--format", "json", "bad.yaml"],
        None,
    );
    assert_eq!(run.code, Some(0), "{}", run.show());
}

#[test]
#[ignore = "saphyr-parser 0.3.4 buffers every token of a flow collection that could be a key \
            until it closes (~60 bytes per input byte); the fix is a one-line patch to its \
            scanner, see docs/robustness.md, Known limits"]
fn a_large_flow_collection_on_one_line() {
    // Minified JSON (`kubectl get -o json | jq -c`): 8 MB, a million entries.
    let mut t = String::with_capacity(10 * MIB);
    t.push('{');
    for i in 0..1_000_000 {
        if i > 0 {
            t.push_str(", ");
        }
        t.push_str(&format!("k{i}"));
    }
    t.push_str("}\n");
    let d = folder(t.as_bytes());
    let run = spillway(
        d.path(),
        &["audit", "--no-config", "--format", "json", "bad.yaml"],
        None,
    );
    assert_eq!(run.code, Some(0), "{}", run.show());
}

fn million_documents() -> String {
    "---\na: 1\n".repeat(1_000_000)
}

#[test]
fn a_million_documents() {
    let d = folder(million_documents().as_bytes());
    let run = audit_bad_and_good(d.path(), &[]);
    assert_eq!(run.code, Some(1), "{}", run.show());
    let report = run.json();
    assert_good_checked(&report, &run);
    assert_eq!(report["summary"]["documents"], 1_000_001);
}

#[test]
fn a_million_documents_through_apply() {
    // Planning and verifying stay linear in the documents (each used to re-read the whole
    // file's suppression comments).
    let text = million_documents();
    let d = folder(text.as_bytes());
    let run = spillway(
        d.path(),
        &args(
            &["apply", "--no-config", "--write", "bad.yaml", "good.yaml"],
            &[],
        ),
        None,
    );
    assert_eq!(run.code, Some(0), "{}", run.show());
    assert!(fs::read(d.path().join("bad.yaml")).unwrap() == text.as_bytes());
    assert_ne!(
        fs::read_to_string(d.path().join("good.yaml")).unwrap(),
        example()
    );
}

#[test]
#[ignore = "check::view keeps ~300 bytes per nodeSelector entry: a \
            million entries take ~530 MB; see docs/robustness.md, Known limits"]
fn a_million_entries_in_a_gateway_node_selector() {
    let mut sel = String::from("  nodeSelector:\n");
    for i in 0..1_000_000 {
        sel.push_str(&format!("    k{i}: v{i}\n"));
    }
    let t = example().replacen("  affinity:\n", &format!("{sel}  affinity:\n"), 1);
    let d = folder(t.as_bytes());
    let run = spillway(
        d.path(),
        &args(
            &["audit", "--no-config", "--format", "json", "bad.yaml"],
            &[],
        ),
        None,
    );
    assert_eq!(run.code, Some(1), "{}", run.show());
}

// ---- Kubernetes-shaped nonsense ----

/// The findings of `audit --format json` on one gateway.
fn findings_of(text: &str) -> (Run, Vec<(String, u64, u64, String)>) {
    let d = folder(text.as_bytes());
    let run = spillway(
        d.path(),
        &args(
            &["audit", "--no-config", "--format", "json", "bad.yaml"],
            &[],
        ),
        None,
    );
    let report = run.json();
    assert!(
        report["errors"].as_array().unwrap().is_empty(),
        "{}",
        run.show()
    );
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (run, f)
}

/// `apply --write` on a gateway and good.yaml: no crash, good.yaml still fixed; the gateway
/// is either written or left byte for byte (never half-written).
/// `spillway audit --format json bad.yaml good.yaml` in a folder made by [`folder`].
fn audit_bad_and_good(dir: &Path, extra: &[&str]) -> Run {
    spillway(
        dir,
        &args(
            &[
                "audit",
                "--no-config",
                "--format",
                "json",
                "bad.yaml",
                "good.yaml",
            ],
            extra,
        ),
        None,
    )
}

fn apply_survives(text: &str) -> Run {
    let d = folder(text.as_bytes());
    let run = spillway(
        d.path(),
        &args(
            &["apply", "--no-config", "--write", "bad.yaml", "good.yaml"],
            &[],
        ),
        None,
    );
    assert!(matches!(run.code, Some(0 | 2)), "{}", run.show());
    let after = fs::read_to_string(d.path().join("bad.yaml")).unwrap();
    if run.code == Some(2) {
        assert_eq!(after, text, "written despite an error");
    }
    assert_ne!(
        fs::read_to_string(d.path().join("good.yaml")).unwrap(),
        example()
    );
    assert_eq!(names(d.path()), ["bad.yaml", "good.yaml"]);
    run
}

fn has(f: &[(String, u64, u64, String)], rule: &str, at: (u64, u64), msg: &str) -> bool {
    f.iter()
        .any(|x| x.0 == rule && (x.1, x.2) == at && x.3.contains(msg))
}

#[test]
fn spec_that_is_a_string() {
    let gw = example();
    let t = format!(
        "{}spec: \"just a string\"\n",
        &gw[..gw.find("spec:").unwrap()]
    );
    let (run, f) = findings_of(&t);
    assert_eq!(run.code, Some(1), "{}", run.show());
    let rules: Vec<&str> = f.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(rules, ["wrong-type"], "{f:?}");
    assert!(
        f[0].3.contains("`spec` must be a mapping, found a string"),
        "{f:?}"
    );
    // apply leaves it alone with a note (it stopped with an internal error before).
    let run = apply_survives(&t);
    assert_eq!(run.code, Some(0), "{}", run.show());
    assert!(
        run.stderr.contains("its pod spec is not a mapping"),
        "{}",
        run.show()
    );
}

#[test]
fn tolerations_that_are_a_mapping() {
    let gw = example();
    let t = format!(
        "{}  tolerations:\n    key: mykey\n    operator: Equal\n    value: myvalue\n    effect: NoSchedule\n",
        &gw[..gw.find("  tolerations:").unwrap()]
    );
    let (run, f) = findings_of(&t);
    assert_eq!(run.code, Some(1), "{}", run.show());
    assert!(
        has(
            &f,
            "wrong-type",
            (68, 5),
            "`tolerations` must be a list, found a mapping"
        ),
        "{f:?}"
    );
    let run = apply_survives(&t);
    assert!(
        run.stderr.contains("left `tolerations` alone"),
        "{}",
        run.show()
    );
}

#[test]
fn weight_eighty_in_words() {
    let t = example().replacen("- weight: 20", "- weight: \"eighty\"", 1);
    let (_, f) = findings_of(&t);
    assert!(
        has(
            &f,
            "wrong-type",
            (53, 19),
            "`weight` must be an integer, found a string"
        ),
        "{f:?}"
    );
    apply_survives(&t);
}

#[test]
fn values_that_are_a_scalar() {
    let t = example().replacen(
        "                values:\n                  - asmgateway\n          - matchExpressions",
        "                values: asmgateway\n          - matchExpressions",
        1,
    );
    let (_, f) = findings_of(&t);
    assert!(
        has(
            &f,
            "wrong-type",
            (45, 25),
            "`values` must be a list, found a string"
        ),
        "{f:?}"
    );
    apply_survives(&t);
}

#[test]
fn duplicate_keys() {
    // An error finding, not a parse error: go-yaml v3 and `kubectl apply` (strict field
    // validation, the default since Kubernetes 1.27) reject the object, while a lenient
    // decoder would silently keep the last value, so which one the cluster gets is unclear.
    let t = example().replacen(
        "  replicaCount: 2\n",
        "  replicaCount: 2\n  replicaCount: 3\n",
        1,
    );
    let (run, f) = findings_of(&t);
    assert_eq!(run.code, Some(1));
    assert!(
        has(&f, "duplicate-key", (30, 3), "duplicate key `replicaCount`"),
        "{f:?}"
    );
    apply_survives(&t);
}

#[test]
fn binary_and_custom_tags() {
    // Tags do not change what a node holds: `!foo` on the affinity mapping is read as the
    // mapping, `!!binary` on an env value is a string like any other.
    let t = example()
        .replacen(
            "ISTIO_META_HTTP10: '1'",
            "ISTIO_META_HTTP10: !!binary MQ==\n    CUSTOM: !foo bar",
            1,
        )
        .replacen("  affinity:\n", "  affinity: !foo\n", 1);
    let (run, f) = findings_of(&t);
    assert_eq!(run.code, Some(1));
    assert!(f.iter().any(|x| x.0 == "ecs-taint-not-tolerated"), "{f:?}");
    assert!(f.iter().any(|x| x.0 == "weights-inverted"), "{f:?}");
    apply_survives(&t);
}

#[test]
fn merge_keys_in_tolerations() {
    // The ECS toleration takes operator and effect from the virtual one through `<<`, as
    // kubectl reads it: with key and value right, nothing is wrong with it.
    let gw = example();
    let t = format!(
        "{}  tolerations:\n    - &virtual {{key: virtual-kubelet.io/provider, operator: Equal, value: alibabacloud, effect: NoSchedule}}\n    - <<: *virtual\n      key: mykey\n      value: myvalue\n",
        &gw[..gw.find("  tolerations:").unwrap()]
    );
    let (_, f) = findings_of(&t);
    let rules: Vec<&str> = f.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(rules, ["weights-inverted"], "{f:?}");
    let run = apply_survives(&t);
    assert_eq!(run.code, Some(0), "{}", run.show());
}

// ---- files ----

#[test]
fn a_file_that_does_not_exist() {
    // What a file deleted between discovery and reading looks like too.
    let d = folder(b"");
    fs::remove_file(d.path().join("bad.yaml")).unwrap();
    let run = audit_bad_and_good(d.path(), &[]);
    assert_eq!(run.code, Some(2), "{}", run.show());
    let report = run.json();
    assert_eq!(report["errors"][0]["file"], "bad.yaml");
    assert_eq!(report["errors"][0]["message"], "no such file or directory");
    assert_good_checked(&report, &run);
    let run = spillway(
        d.path(),
        &args(
            &["apply", "--no-config", "--write", "bad.yaml", "good.yaml"],
            &[],
        ),
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.show());
    assert!(run.stderr.contains("bad.yaml"), "{}", run.show());
    assert_eq!(names(d.path()), ["good.yaml"], "nothing created");
    assert_ne!(
        fs::read_to_string(d.path().join("good.yaml")).unwrap(),
        example()
    );
}

#[cfg(unix)]
#[test]
fn an_unreadable_file() {
    use std::os::unix::fs::PermissionsExt;
    let d = folder(example().as_bytes());
    let bad = d.path().join("bad.yaml");
    fs::set_permissions(&bad, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&bad).is_ok() {
        say_skipped("an_unreadable_file: running as root, chmod 000 does not stop reading");
        return;
    }
    audit_rejects(
        d.path(),
        &[],
        &Want {
            message: &["permission denied"],
            at: None,
        },
    );
    let run = spillway(
        d.path(),
        &args(
            &["apply", "--no-config", "--write", "bad.yaml", "good.yaml"],
            &[],
        ),
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.show());
    assert!(
        run.stderr.contains("bad.yaml: error: permission denied"),
        "{}",
        run.show()
    );
    assert_ne!(
        fs::read_to_string(d.path().join("good.yaml")).unwrap(),
        example()
    );
}

#[test]
fn directories_given_as_files() {
    let d = folder(example().as_bytes());
    let p = d.path();
    // A folder named like a YAML file is walked as a folder.
    fs::create_dir(p.join("dir.yaml")).unwrap();
    fs::write(p.join("dir.yaml/inner.yaml"), example()).unwrap();
    fs::write(p.join("nodes.yaml"), fixture("simulate/nodes.sim")).unwrap();
    let run = spillway(
        p,
        &args(
            &[
                "audit",
                "--no-config",
                "--format",
                "json",
                "dir.yaml",
                "good.yaml",
            ],
            &[],
        ),
        None,
    );
    assert_eq!(run.code, Some(1), "{}", run.show());
    assert_eq!(run.json()["summary"]["files"], 2);
    // Where a file is required, a folder is an error that says so.
    for (what, argv) in [
        (
            "--nodes",
            vec!["audit", "--no-config", "--nodes", "dir.yaml", "good.yaml"],
        ),
        (
            "--config",
            vec!["audit", "--config", "dir.yaml", "good.yaml"],
        ),
        (
            "--pods",
            vec![
                "status",
                "--no-config",
                "--pods",
                "dir.yaml",
                "--nodes",
                "nodes.yaml",
            ],
        ),
        ("kustomize-plugin", vec!["kustomize-plugin", "dir.yaml"]),
    ] {
        let run = spillway(p, &argv, Some(b""));
        assert_eq!(run.code, Some(2), "{what}: {}", run.show());
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(all.contains("is a directory"), "{what}: {}", run.show());
    }
}

#[cfg(unix)]
#[test]
fn symlink_loops_inside_a_walked_folder() {
    use std::os::unix::fs::symlink;
    let d = tempfile::tempdir().unwrap();
    let w = d.path().join("walk");
    fs::create_dir_all(w.join("sub")).unwrap();
    fs::write(w.join("good.yaml"), example()).unwrap();
    symlink("self.yaml", w.join("self.yaml")).unwrap();
    symlink("b.yaml", w.join("a.yaml")).unwrap();
    symlink("a.yaml", w.join("b.yaml")).unwrap();
    symlink("..", w.join("sub/up")).unwrap();
    let run = spillway(
        d.path(),
        &args(&["audit", "--no-config", "--format", "json", "walk"], &[]),
        None,
    );
    assert_eq!(run.code, Some(1), "{}", run.show());
    let report = run.json();
    assert_eq!(report["summary"]["files"], 1, "{}", run.show());
    assert!(report["errors"].as_array().unwrap().is_empty());
    // Given explicitly, a loop is an unreadable file.
    let run = spillway(
        &w,
        &args(
            &[
                "audit",
                "--no-config",
                "--format",
                "json",
                "self.yaml",
                "good.yaml",
            ],
            &[],
        ),
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.show());
    let report = run.json();
    assert_eq!(report["errors"][0]["file"], "self.yaml");
    assert_good_checked(&report, &run);
}

/// Makes a FIFO with mkfifo(1); `None` (and a note) where there is none.
#[cfg(unix)]
fn mkfifo(p: &Path) -> Option<PathBuf> {
    let ok = Command::new("mkfifo")
        .arg(p)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        say_skipped("mkfifo(1) is not available");
        return None;
    }
    Some(p.to_path_buf())
}

#[cfg(unix)]
#[test]
fn a_fifo_inside_a_walked_folder_is_not_read() {
    // Nothing will ever write to it: reading it would block forever (the hang guard).
    let d = tempfile::tempdir().unwrap();
    let w = d.path().join("walk");
    fs::create_dir(&w).unwrap();
    fs::write(w.join("good.yaml"), example()).unwrap();
    if mkfifo(&w.join("pipe.yaml")).is_none() {
        return;
    }
    let run = spillway(
        d.path(),
        &args(&["audit", "--no-config", "--format", "json", "walk"], &[]),
        None,
    );
    assert_eq!(run.code, Some(1), "{}", run.show());
    assert_eq!(run.json()["summary"]["files"], 1, "{}", run.show());
    let run = spillway(
        d.path(),
        &args(&["apply", "--no-config", "--write", "walk"], &[]),
        None,
    );
    assert_eq!(run.code, Some(0), "{}", run.show());
}

#[cfg(unix)]
#[test]
fn a_fifo_given_explicitly_is_read_like_a_file() {
    // By design: a path on the command line is read whatever it is, so `spillway audit
    // <(helm template ...)` works; such a FIFO blocks until something writes to it, as `cat`
    // would. apply --write refuses to replace it with a regular file.
    let d = tempfile::tempdir().unwrap();
    let Some(fifo) = mkfifo(&d.path().join("pipe.yaml")) else {
        return;
    };
    let writer = std::thread::spawn(move || {
        let mut f = fs::OpenOptions::new().write(true).open(fifo).unwrap();
        f.write_all(example().as_bytes()).unwrap();
    });
    let run = spillway(
        d.path(),
        &args(
            &["audit", "--no-config", "--format", "json", "pipe.yaml"],
            &[],
        ),
        None,
    );
    writer.join().unwrap();
    assert_eq!(run.code, Some(1), "{}", run.show());
    let report = run.json();
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["file"] == "pipe.yaml" && f["line"] == 74 && f["column"] == 14));
    let fifo = d.path().join("pipe.yaml");
    let writer = std::thread::spawn(move || {
        let mut f = fs::OpenOptions::new().write(true).open(fifo).unwrap();
        f.write_all(example().as_bytes()).unwrap();
    });
    let run = spillway(
        d.path(),
        &args(&["apply", "--no-config", "--write", "pipe.yaml"], &[]),
        None,
    );
    writer.join().unwrap();
    assert_eq!(run.code, Some(2), "{}", run.show());
    assert!(run.stderr.contains("not a regular file"), "{}", run.show());
    use std::os::unix::fs::FileTypeExt;
    assert!(fs::symlink_metadata(d.path().join("pipe.yaml"))
        .unwrap()
        .file_type()
        .is_fifo());
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_during_apply_write() {
    // A 64 KiB tmpfs in a private mount namespace (needs root, or a user namespace, and
    // mount permission): filled up, then apply --write must fail on it and leave the original
    // intact, while a file elsewhere is still written. (src/write.rs also injects the failure
    // in a unit test, which runs everywhere.)
    let d = tempfile::tempdir().unwrap();
    let disk = d.path().join("disk");
    let elsewhere = d.path().join("elsewhere");
    fs::create_dir_all(&disk).unwrap();
    fs::create_dir_all(&elsewhere).unwrap();
    fs::write(elsewhere.join("good.yaml"), example()).unwrap();
    let script = format!(
        r#"set -u
mount -t tmpfs -o size=64k tmpfs "$1" 2>/dev/null || {{ echo MOUNT-FAILED; exit 0; }}
cp "$2/good.yaml" "$1/gw.yaml"
cat "$1/gw.yaml" > "$1/expected"
dd if=/dev/zero of="$1/filler" bs=1k count=1000 2>/dev/null
ulimit -v {MEMORY_CEILING_KB}
"$3" apply --no-config --write "$1/gw.yaml" "$2/good.yaml" {pools}
echo "EXIT=$?"
cmp -s "$1/gw.yaml" "$1/expected" && echo INTACT
ls -A "$1"
"#,
        pools = POOLS.join(" ")
    );
    let out = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", &script, "sh"])
        .arg(&disk)
        .arg(&elsewhere)
        .arg(BIN)
        .output();
    let Ok(out) = out else {
        say_skipped("a_full_disk_during_apply_write: unshare(1) is not available");
        return;
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() || stdout.contains("MOUNT-FAILED") {
        say_skipped(&format!(
            "a_full_disk_during_apply_write: no private tmpfs here (not root, or mount not permitted): {}",
            stderr.trim()
        ));
        return;
    }
    let show = format!("--- stdout\n{stdout}\n--- stderr\n{stderr}");
    assert!(stdout.contains("EXIT=2"), "{show}");
    assert!(stdout.contains("INTACT"), "the original changed: {show}");
    assert!(
        !stdout.contains(".spillway-"),
        "a temporary file was left: {show}"
    );
    assert!(
        stderr.contains("gw.yaml") && stderr.contains("No space left on device"),
        "{show}"
    );
    assert!(!stderr.contains("panicked"), "{show}");
    // The file on a disk with room was still written.
    assert_ne!(
        fs::read_to_string(elsewhere.join("good.yaml")).unwrap(),
        example()
    );
}

#[test]
fn human_reports_locate_hostile_input() {
    // The human format's first line is `file:line:col: rule`, and the limit is named.
    let d = folder(format!("{}x\n", "- ".repeat(300)).as_bytes());
    let run = spillway(
        d.path(),
        &args(&["audit", "--no-config", "bad.yaml"], &[]),
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.show());
    assert!(
        run.stdout.starts_with("bad.yaml:1:511: parse-error\n"),
        "{}",
        run.show()
    );
    assert!(
        run.stdout
            .contains("document nests deeper than 256 levels (limit: --max-depth)"),
        "{}",
        run.show()
    );
}
