//! Every input a fuzzer ever crashed on (`fuzz/regressions/`, one file each, named for what it
//! exercises), replayed through the real binary: `audit` and `apply` must answer with an exit
//! code of 0, 1 or 2, never a panic (101) or a signal.

use std::path::Path;

use assert_cmd::Command;

const FLAGS: [&str; 4] = [
    "--ecs-label",
    "mykey4pod=asmgateway",
    "--ecs-taint",
    "mykey=myvalue:NoSchedule",
];

#[test]
fn fuzz_reproducers_do_not_crash() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no reproducers in {}", dir.display());
    for f in &files {
        for cmd in [&["audit", "--format", "json"][..], &["apply", "--diff"][..]] {
            let out = Command::cargo_bin("spillway")
                .unwrap()
                .args(cmd)
                .args(FLAGS)
                .arg(f)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                matches!(out.status.code(), Some(0..=2)) && !stderr.contains("panicked"),
                "{} {}: {:?}\n{stderr}",
                cmd[0],
                f.display(),
                out.status
            );
        }
    }
}
