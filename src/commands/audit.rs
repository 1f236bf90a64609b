//! `spillway audit`: read → locate → check → render, files in parallel, output in input order.

use std::io::{BufRead, IsTerminal, Write};

use rayon::prelude::*;

use crate::check::{self, Severity};
use crate::cli::{AuditArgs, Color, Format};
use crate::config::ConfigError;
use crate::locate;
use crate::pools::Label;
use crate::read::chunks::Chunks;
use crate::read::excerpt::Excerpts;
use crate::read::walk::{self, Input};
use crate::read::yaml::Stream;
use crate::read::{self, ReadError, Source};
use crate::render::json::Summary;
use crate::render::{human, json, FileError, FileReport};
use crate::setup::Setups;
pub use crate::setup::{setup, Setup};
use std::collections::HashMap;
use std::sync::Arc;

/// The result of checking one source: its report and the ECS labels its gateways inferred.
pub struct Checked {
    pub report: FileReport,
    pub inferred_ecs: Vec<Label>,
    pub inferred_taints: Vec<crate::k8s::Taint>,
}

/// Checks one source read whole (for library users and benches): as [`check_reader`] does.
pub fn check_source(source: Source, setup: &Setup) -> Checked {
    check_reader(source.name, source.text.as_bytes(), setup)
}

/// Checks one input read piece by piece (see [`read::chunks`]): each piece's documents are
/// parsed, located and checked, the lines around what is reported are kept, and the piece is
/// dropped, so memory follows the largest document and the findings, not the input's size.
pub fn check_reader(name: String, reader: impl BufRead, setup: &Setup) -> Checked {
    let mut findings = Vec::new();
    let mut skipped = Vec::new();
    let mut inferred = Vec::new();
    let mut inferred_taints = Vec::new();
    let (mut documents, mut gateways) = (0, 0);
    let mut error = None;
    let mut kept = Excerpts::default();
    let mut read_to = 0;
    for chunk in Chunks::new(reader, name.clone(), setup.limits.max_document_bytes) {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                error = Some(FileError {
                    offset: e.offset,
                    message: e.message,
                });
                break;
            }
        };
        read_to = chunk.offset + chunk.text.len();
        let first_doc = documents;
        let mut piece_findings = Vec::new();
        let mut piece_error = None;
        let mut ignores = check::suppress::comments(&chunk.text);
        let mut stream = Stream::new(&chunk.text, setup.limits);
        while let Some(doc) = stream.next_document() {
            let mut doc = match doc {
                Ok(d) => d,
                Err(e) => {
                    piece_error = Some(e.offset);
                    error = Some(FileError {
                        offset: Some(e.offset + chunk.offset),
                        message: e.message,
                    });
                    break;
                }
            };
            doc.index += first_doc;
            documents += 1;
            check::suppress::drop_in_scalars(&mut ignores, &doc);
            let located = match locate::locate(&doc, &setup.locate) {
                Ok(l) => l,
                Err(m) => {
                    piece_error = Some(doc.start);
                    error = Some(FileError {
                        offset: Some(doc.start + chunk.offset),
                        message: m,
                    });
                    break;
                }
            };
            skipped.extend(
                located
                    .skipped
                    .into_iter()
                    .map(|s| format!("document {}: {s}", doc.index)),
            );
            gateways += located.targets.len();
            for t in &located.targets {
                if let Some(ig) = check::suppress::annotation(&doc, t) {
                    if !ignores.iter().any(|x| x.span == ig.span) {
                        ignores.push(ig);
                    }
                }
            }
            let (f, facts) = check::check_document(
                &doc,
                &located.targets,
                &setup.pools,
                setup.inventory.as_ref(),
            );
            piece_findings.extend(f);
            for fa in facts {
                if let Some((l, crate::pools::Origin::Inferred(_))) = fa.ecs.label {
                    if !inferred.contains(&l) {
                        inferred.push(l);
                    }
                }
                if let Some((t, crate::pools::Origin::Inferred(_))) = fa.ecs.taint {
                    if !inferred_taints.contains(&t) {
                        inferred_taints.push(t);
                    }
                }
            }
        }
        // Suppressions are per piece: a comment covers its own line and the next, an
        // annotation its object, and neither reaches past a document marker.
        let mut piece_findings =
            check::suppress::apply(&chunk.text, piece_findings, &ignores, &setup.severities);
        // An unused comment belongs to the piece's document (a piece is one document but for
        // a `...`-less run of them).
        for f in &mut piece_findings {
            if f.rule.id == "unused-ignore" && f.object.is_none() {
                f.document = first_doc;
            }
        }
        let at = piece_error.map(|o| o + chunk.offset);
        let mut spans: Vec<std::ops::Range<usize>> = at.into_iter().map(|o| o..o).collect();
        for f in &mut piece_findings {
            f.shift(chunk.offset);
            spans.push(f.primary.span.clone());
            spans.extend(f.related.iter().map(|l| l.span.clone()));
        }
        kept.keep(&chunk.text, chunk.offset, chunk.line, &spans);
        findings.extend(piece_findings);
        if error.is_some() {
            break;
        }
    }
    kept.set_len(read_to);
    Checked {
        report: FileReport {
            name,
            text: kept,
            findings,
            error,
            documents,
            gateways,
            skipped,
        },
        inferred_ecs: inferred,
        inferred_taints,
    }
}

fn unreadable(e: ReadError) -> Checked {
    Checked {
        report: FileReport {
            name: e.name,
            text: Excerpts::default(),
            findings: Vec::new(),
            error: Some(FileError {
                offset: e.offset,
                message: e.message,
            }),
            documents: 0,
            gateways: 0,
            skipped: Vec::new(),
        },
        inferred_ecs: Vec::new(),
        inferred_taints: Vec::new(),
    }
}

/// The inputs of a run, each with the setup its configuration gives it; configuration files
/// that could not be used, and inputs a configuration excludes.
pub struct Jobs {
    pub jobs: Vec<(Input, Arc<Setup>)>,
    pub config_errors: Vec<ConfigError>,
    pub excluded: Vec<(String, String)>,
    pub errors: Vec<ReadError>,
}

/// Gives every found input its setup (per configuration file), dropping what a configuration
/// excludes.
pub fn assign(found: walk::Found, setups: &mut Setups) -> Jobs {
    let mut out = Jobs {
        jobs: Vec::new(),
        config_errors: Vec::new(),
        excluded: Vec::new(),
        errors: found.errors,
    };
    let mut globs: HashMap<String, globset::GlobSet> = HashMap::new();
    for input in found.inputs {
        match setups.for_input(&input) {
            Ok((setup, cfg)) => {
                if let (Some(cfg), Input::File(p)) = (&cfg, &input) {
                    let g = globs
                        .entry(cfg.name.clone())
                        .or_insert_with(|| walk::excludes(&cfg.exclude).unwrap_or_default());
                    if cfg.excludes(p, g) {
                        out.excluded.push((
                            read::display_name(p),
                            format!("matches `exclude` in {}", cfg.name),
                        ));
                        continue;
                    }
                }
                out.jobs.push((input, setup));
            }
            Err(e) => {
                if !out.config_errors.iter().any(|x| x.name == e.name) {
                    out.config_errors.push(e);
                }
            }
        }
    }
    out
}

/// A configuration file's error as a report (exit 2, shown with its location).
pub fn config_report(e: ConfigError) -> FileReport {
    FileReport {
        name: e.name,
        text: Excerpts::whole(e.text),
        findings: Vec::new(),
        error: Some(FileError {
            offset: e.offset,
            message: e.message,
        }),
        documents: 0,
        gateways: 0,
        skipped: Vec::new(),
    }
}

/// Reads every input (in parallel) and checks it; reports come back in input order.
pub fn check_inputs(jobs: &[(Input, Arc<Setup>)]) -> Vec<Checked> {
    jobs.par_iter()
        .map(|(input, setup)| match read::open(input) {
            Ok((name, reader)) => check_reader(name, reader, setup),
            Err(e) => unreadable(e),
        })
        .collect()
}

fn use_color(c: Color) -> bool {
    match c {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// `spillway audit`.
pub fn run(args: &AuditArgs) -> i32 {
    let (mut setups, found) = match crate::setup::begin(&args.input, &args.pools) {
        Ok(x) => x,
        Err(m) => {
            eprintln!("spillway: {m}");
            return super::EXIT_ERROR;
        }
    };
    let mut skipped_files = found.skipped.clone();
    let jobs = assign(found, &mut setups);
    skipped_files.extend(jobs.excluded.iter().cloned());
    let mut checked = check_inputs(&jobs.jobs);
    checked.extend(jobs.errors.into_iter().map(unreadable));
    let mut inferred: Vec<Label> = Vec::new();
    let mut inferred_taints = Vec::new();
    let mut reports = Vec::with_capacity(checked.len() + 1);
    for c in checked {
        for l in c.inferred_ecs {
            if !inferred.contains(&l) {
                inferred.push(l);
            }
        }
        for t in c.inferred_taints {
            if !inferred_taints.contains(&t) {
                inferred_taints.push(t);
            }
        }
        reports.push(c.report);
    }
    reports.extend(jobs.config_errors.into_iter().map(config_report));
    // The node side is checked once, with the pools of the first input's setup.
    let node_setup = match jobs.jobs.first() {
        Some((_, s)) => Some(s.clone()),
        None => setup(&args.input, &args.pools).ok().map(Arc::new),
    };
    if let (Some(inv), Some(s)) = (setups.inventory(), &node_setup) {
        let findings = check::check_nodes(inv, &s.pools, &inferred, &inferred_taints);
        if !findings.is_empty() {
            reports.push(FileReport {
                name: inv.source.name.clone(),
                text: Excerpts::whole(inv.source.text.clone()),
                findings,
                error: None,
                documents: 0,
                gateways: 0,
                skipped: Vec::new(),
            });
        }
    }
    let summary = Summary::of(&reports);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let code = exit_code(&reports, args.strict, args.exit_zero);
    match args.format {
        Format::Json => {
            let _ = out.write_all(json::render(&reports, &summary).as_bytes());
        }
        Format::Sarif => {
            let _ = out.write_all(
                crate::render::ci::sarif(&reports, code != super::EXIT_ERROR).as_bytes(),
            );
        }
        Format::Github => {
            let _ = out.write_all(crate::render::ci::github(&reports).as_bytes());
        }
        Format::Gitlab => {
            let _ = out.write_all(crate::render::ci::gitlab(&reports).as_bytes());
        }
        Format::Human => {
            let style = human::Style {
                color: use_color(args.color),
                width: std::env::var("COLUMNS")
                    .ok()
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(100),
            };
            let rendered: Vec<String> = reports
                .par_iter()
                .map(|r| human::render_file(r, style))
                .collect();
            for r in rendered {
                let _ = out.write_all(r.as_bytes());
            }
        }
    }
    if !args.quiet {
        eprintln!("{}", summary_line(&summary));
    }
    let _ = out.flush();
    if args.verbose {
        for (name, why) in &skipped_files {
            eprintln!("spillway: skipped {name}: {why}");
        }
        for r in &reports {
            for s in &r.skipped {
                eprintln!("spillway: {}: {s}", r.name);
            }
        }
    }
    code
}

/// `spillway: 2 errors, 1 warning, 0 infos in 3 files (4 gateways); 1 file could not be read`.
pub fn summary_line(s: &Summary) -> String {
    let plural = |n: usize, w: &str| {
        if n == 1 {
            format!("{n} {w}")
        } else {
            format!("{n} {w}s")
        }
    };
    let mut line = format!(
        "spillway: {}, {}, {} in {} ({})",
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.infos, "info"),
        plural(s.files, "file"),
        plural(s.gateways, "gateway"),
    );
    if s.unreadable > 0 {
        line.push_str(&format!(
            "; {} could not be read or parsed",
            plural(s.unreadable, "file")
        ));
    }
    line
}

/// 2 when an input failed; else 1 when an error-level finding exists (or, with `strict`, a
/// warning), unless `exit_zero`; else 0.
pub fn exit_code(reports: &[FileReport], strict: bool, exit_zero: bool) -> i32 {
    let fails = |s: Severity| s == Severity::Error || (strict && s == Severity::Warning);
    if reports.iter().any(|r| r.error.is_some()) {
        super::EXIT_ERROR
    } else if !exit_zero
        && reports
            .iter()
            .flat_map(|r| &r.findings)
            .any(|f| fails(f.severity))
    {
        super::EXIT_FINDINGS
    } else {
        super::EXIT_OK
    }
}
