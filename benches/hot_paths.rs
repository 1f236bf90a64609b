//! `cargo bench`: the hot paths of `spillway audit` and `spillway apply`, one stage at a time,
//! over the gateway fixtures (`fixtures/istio-gateway`, `fixtures/deployment`,
//! `fixtures/istio-operator`: about 170 files, every kind and mistake spillway knows), so it runs
//! on a fresh clone with no set-up. Throughput is in bytes of YAML.
//!
//! - `parse`: `read::yaml::Stream`, every document with its spans and routes;
//! - `locate`: which objects are gateways, over documents parsed beforehand;
//! - `check`: views, facts and every rule (`check::check_document`) over located gateways;
//! - `audit_source`: all of the above plus suppressions, per file (`commands::audit::check_source`);
//! - `apply/plan`: `plan::plan_targets` over located gateways (views, facts, rules, planner);
//! - `apply/finish`: the planned edits applied and the result re-audited (`plan::finish`);
//! - `apply/plan_text`: the whole of apply for a file (`plan::plan_text`);
//! - `apply/render_diff`: the unified diff of every changed file (`render::diff::unified`).
//!
//! Whole-process timings against other tools are `scripts/bench.sh`'s job.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use spillway::check;
use spillway::commands::audit::{check_source, Setup};
use spillway::locate;
use spillway::plan::{self, Options};
use spillway::pools::{parse_taint, Label, PoolConfig};
use spillway::read::yaml::{Document, Limits, Stream};
use spillway::read::Source;
use spillway::render::diff;

const DIRS: &[&str] = &[
    "fixtures/istio-gateway",
    "fixtures/deployment",
    "fixtures/istio-operator",
];

/// The fixtures' sources, sorted by path.
fn corpus() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    for d in DIRS {
        for e in std::fs::read_dir(root.join(d)).expect("fixtures folder") {
            let p = e.expect("fixture entry").path();
            if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                paths.push(p);
            }
        }
    }
    paths.sort();
    paths
        .iter()
        .map(|p| spillway::read::read_file(p).expect("fixture reads"))
        .collect()
}

/// The README's pools: `--ecs-label mykey4pod=asmgateway --ecs-taint mykey=myvalue:NoSchedule`.
fn setup() -> Setup {
    let label: Label = "mykey4pod=asmgateway".parse().expect("label");
    let taint = parse_taint("mykey=myvalue:NoSchedule").expect("taint");
    Setup::with_pools(PoolConfig::new(Some(label), Some(taint), None, None))
}

fn options() -> Options {
    Options {
        ecs_weight: 80,
        virtual_weight: 20,
        weights_explicit: (false, false),
        fix_node_selector: false,
    }
}

fn parse_all(text: &str) -> Vec<Document<'_>> {
    let mut docs = Vec::new();
    let mut stream = Stream::new(text, Limits::default());
    while let Some(Ok(doc)) = stream.next_document() {
        docs.push(doc);
    }
    docs
}

fn bytes(sources: &[Source]) -> u64 {
    sources.iter().map(|s| s.text.len() as u64).sum()
}

fn hot_paths(c: &mut Criterion) {
    let sources = corpus();
    let setup = setup();
    let total = bytes(&sources);
    let mut g = c.benchmark_group("audit");
    g.throughput(Throughput::Bytes(total));

    g.bench_function("parse", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for s in &sources {
                let mut stream = Stream::new(&s.text, Limits::default());
                while let Some(doc) = stream.next_document() {
                    if let Ok(doc) = doc {
                        n += doc.nodes.len();
                    }
                }
            }
            black_box(n)
        })
    });

    let docs: Vec<Vec<Document>> = sources.iter().map(|s| parse_all(&s.text)).collect();
    g.bench_function("locate", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for doc in docs.iter().flatten() {
                if let Ok(l) = locate::locate(doc, &setup.locate) {
                    n += l.targets.len();
                }
            }
            black_box(n)
        })
    });

    let located: Vec<Vec<(&Document, Vec<locate::Target>)>> = docs
        .iter()
        .map(|file| {
            file.iter()
                .filter_map(|d| Some((d, locate::locate(d, &setup.locate).ok()?.targets)))
                .collect()
        })
        .collect();
    g.bench_function("check", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for (doc, targets) in located.iter().flatten() {
                let (findings, _) =
                    check::check_document(doc, targets, &setup.pools, setup.inventory.as_ref());
                n += findings.len();
            }
            black_box(n)
        })
    });

    g.bench_function("audit_source", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for s in &sources {
                n += check_source(s.clone(), &setup).report.findings.len();
            }
            black_box(n)
        })
    });
    g.finish();

    // apply: the files it can plan (a few fixtures are errors for apply by design).
    let opts = options();
    let plannable: Vec<usize> = (0..sources.len())
        .filter(|&i| plan::plan_text(&sources[i].text, &setup, opts).is_ok())
        .collect();
    let planned: Vec<&Source> = plannable.iter().map(|&i| &sources[i]).collect();
    let planned_bytes: u64 = planned.iter().map(|s| s.text.len() as u64).sum();
    let mut g = c.benchmark_group("apply");
    g.throughput(Throughput::Bytes(planned_bytes));

    let plan_one = |i: usize| {
        let text = &sources[i].text;
        let ignores = check::suppress::comments(text);
        let mut all = plan::DocPlan::default();
        let mut documents = 0;
        for (doc, targets) in &located[i] {
            documents += 1;
            let p = plan::plan_targets(text, doc, targets, &setup, opts, &ignores);
            all.edits.extend(p.edits);
            all.notes.extend(p.notes);
            all.unplanned.extend(p.unplanned);
            all.before.extend(p.before);
        }
        (all, documents)
    };
    g.bench_function("plan", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for &i in &plannable {
                n += plan_one(i).0.edits.len();
            }
            black_box(n)
        })
    });

    let plans: Vec<(usize, plan::DocPlan, usize)> = plannable
        .iter()
        .map(|&i| {
            let (p, d) = plan_one(i);
            (i, p, d)
        })
        .collect();
    g.bench_function("finish", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for (i, p, documents) in &plans {
                let text = &sources[*i].text;
                if let Ok(new) = plan::finish(text, &setup, p, *documents, &plan::locate_roots) {
                    n += new.len();
                }
            }
            black_box(n)
        })
    });

    g.bench_function("plan_text", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for s in &planned {
                if let Ok(p) = plan::plan_text(&s.text, &setup, opts) {
                    n += p.new_text.len();
                }
            }
            black_box(n)
        })
    });

    let results: Vec<(&Source, String)> = planned
        .iter()
        .map(|s| {
            let new = plan::plan_text(&s.text, &setup, opts)
                .expect("planned above")
                .new_text;
            (*s, new)
        })
        .collect();
    g.bench_function("render_diff", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for (s, new) in &results {
                n += diff::unified(&s.name, &s.text, new).len();
            }
            black_box(n)
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    // Short: `cargo bench` over every group finishes in a couple of minutes on two cores.
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = hot_paths
}
criterion_main!(benches);
