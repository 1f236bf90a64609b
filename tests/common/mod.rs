//! Helpers shared by the test files that drive the `spillway` binary.
#![allow(dead_code)]

use std::fs;
use std::path::Path;

use assert_cmd::Command;

/// The documented ECS pool, as flags.
pub const POOLS: [&str; 4] = [
    "--ecs-label",
    "mykey4pod=asmgateway",
    "--ecs-taint",
    "mykey=myvalue:NoSchedule",
];

/// A file under `fixtures/`.
pub fn fixture(rel: &str) -> String {
    fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(rel),
    )
    .unwrap()
}

/// A correct IstioGateway.
pub fn correct() -> String {
    fixture("istio-gateway/correct.yaml")
}

/// The correct IstioGateway with the ECS toleration's value misspelt (line 74, column 14).
pub fn broken() -> String {
    let c = correct();
    assert!(c.contains("value: myvalue"));
    c.replace("value: myvalue", "value: myvalu")
}

/// The binary, without colour and with a fixed width.
pub fn spillway() -> Command {
    let mut c = Command::cargo_bin("spillway").unwrap();
    c.env("NO_COLOR", "1").env("COLUMNS", "100");
    c
}

/// Whether CI asked that every external client be present (`SPILLWAY_REQUIRE_CLIENTS=1`).
pub fn clients_required() -> bool {
    std::env::var("SPILLWAY_REQUIRE_CLIENTS").is_ok_and(|v| v == "1")
}

/// Says a test skipped, straight to the process's stderr: libtest captures `println!` and
/// `eprintln!` of passing tests, so those would hide the skip from a plain `cargo test`.
pub fn say_skipped(why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "skipped: {why}");
}

/// Writes `text` to `dir/name`, creating folders.
pub fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}
