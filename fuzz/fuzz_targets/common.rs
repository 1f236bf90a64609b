//! What the fuzz targets share: the README's pools, and limits small enough that one input
//! stays fast (the limits themselves are what `tests/hostile.rs` checks at full size).

use spillway::pools::{parse_taint, Label, PoolConfig};
use spillway::read::yaml::Limits;
use spillway::setup::Setup;

#[allow(dead_code)]
pub fn setup() -> Setup {
    let label: Label = "mykey4pod=asmgateway".parse().unwrap();
    let taint = parse_taint("mykey=myvalue:NoSchedule").unwrap();
    let mut s = Setup::with_pools(PoolConfig::new(Some(label), Some(taint), None, None));
    s.limits = limits();
    s
}

pub fn limits() -> Limits {
    Limits {
        max_depth: 64,
        max_nodes: 200_000,
        max_document_bytes: 1 << 20,
        ..Limits::default()
    }
}
