//! `audit` on one input, read piece by piece, rendered in every format.
//!
//! Oracles: no panic; every finding's spans lie in the input; the JSON and SARIF outputs are
//! JSON.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use spillway::commands::audit::check_reader;
use spillway::render::{ci, human, json};
use spillway::setup::Setup;

#[path = "common.rs"]
mod common;

static SETUP: OnceLock<Setup> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let setup = SETUP.get_or_init(common::setup);
    let checked = check_reader("f.yaml".into(), data, setup);
    let report = checked.report;
    for f in &report.findings {
        for l in std::iter::once(&f.primary).chain(&f.related) {
            assert!(l.span.start <= l.span.end && l.span.end <= data.len(), "{:?}", l.span);
        }
    }
    let _ = human::render_file(
        &report,
        human::Style {
            color: false,
            width: 100,
        },
    );
    let reports = vec![report];
    let summary = json::Summary::of(&reports);
    let out = json::render(&reports, &summary);
    serde_json::from_str::<serde_json::Value>(&out).expect("JSON output");
    serde_json::from_str::<serde_json::Value>(&ci::sarif(&reports, true)).expect("SARIF");
    let _ = ci::github(&reports);
    serde_json::from_str::<serde_json::Value>(&ci::gitlab(&reports)).expect("GitLab JSON");
});
