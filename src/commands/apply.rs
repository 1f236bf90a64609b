//! `spillway apply`: plan the edits for every file (in parallel), then print the result, print
//! diffs, check, or write, in input order. A file with an error is never written; the others
//! are processed as usual.

use std::io::Write;

use rayon::prelude::*;

use crate::cli::ApplyArgs;
use crate::commands::audit::assign;
use crate::plan::{self, FilePlan, Options};
use crate::read::lines::LineIndex;
use crate::read::walk::Input;
use crate::read::{self, Source};
use crate::render::diff;
use crate::setup::Setup;

/// What happened to one input.
struct Outcome {
    name: String,
    source: Option<Source>,
    result: Result<FilePlan, (Option<usize>, String)>,
}

fn plan_input(input: &Input, setup: &Setup, opts: Options) -> Outcome {
    let src = match input {
        Input::Stdin => read::read_stdin(),
        Input::File(p) => read::read_file(p),
    };
    match src {
        Err(e) => Outcome {
            name: e.name,
            source: None,
            result: Err((e.offset, e.message)),
        },
        Ok(s) => {
            let result = plan::plan_text(&s.text, setup, opts).map_err(|e| (e.offset, e.message));
            Outcome {
                name: s.name.clone(),
                source: Some(s),
                result,
            }
        }
    }
}

/// `:line:col` of an offset, with the file's line index built on first use (a file may have
/// thousands of notes: one index, not one per note).
fn position<'t>(index: &mut Option<LineIndex<'t>>, text: &'t str, offset: Option<usize>) -> String {
    match offset {
        Some(o) => {
            let (l, c) = index
                .get_or_insert_with(|| LineIndex::new(text))
                .line_col(o);
            format!(":{l}:{c}")
        }
        None => String::new(),
    }
}

/// `spillway apply`.
pub fn run(args: &ApplyArgs) -> i32 {
    let (mut setups, found) = match crate::setup::begin(&args.input, &args.pools) {
        Ok(x) => x,
        Err(m) => {
            eprintln!("spillway: {m}");
            return super::EXIT_ERROR;
        }
    };
    let to_stdout = !(args.write || args.diff || args.check);
    if to_stdout && found.inputs.len() + found.errors.len() != 1 {
        eprintln!(
            "spillway: apply prints one file to stdout, and {} inputs were given: pass --write to rewrite them, --diff to see the changes, or --check",
            found.inputs.len() + found.errors.len()
        );
        return super::EXIT_ERROR;
    }
    if args.write && found.inputs.contains(&Input::Stdin) {
        eprintln!("spillway: --write cannot rewrite standard input; use --diff, or no flag to print the result");
        return super::EXIT_ERROR;
    }
    let skipped = found.skipped.clone();
    let jobs = assign(found, &mut setups);
    if args.verbose {
        for (name, why) in skipped.iter().chain(&jobs.excluded) {
            eprintln!("spillway: skipped {name}: {why}");
        }
    }
    // Weights: the flags, else the configuration file's, else 80/20.
    let opts_for = |setup: &Setup| -> Result<Options, String> {
        let ecs_weight = args.ecs_weight.or(setup.weights.0).unwrap_or(80);
        let virtual_weight = args.virtual_weight.or(setup.weights.1).unwrap_or(20);
        if virtual_weight >= ecs_weight {
            return Err(format!(
                "the ECS weight ({ecs_weight}) must be greater than the virtual-node weight ({virtual_weight}): ECS is the preferred pool"
            ));
        }
        Ok(Options {
            ecs_weight,
            virtual_weight,
            // Weights in .spillway.yaml are written as on the command line and act the same.
            weights_explicit: (
                args.ecs_weight.is_some() || setup.weights.0.is_some(),
                args.virtual_weight.is_some() || setup.weights.1.is_some(),
            ),
            fix_node_selector: args.fix_node_selector,
        })
    };
    let mut outcomes: Vec<Outcome> = jobs
        .jobs
        .par_iter()
        .map(|(i, setup)| match opts_for(setup) {
            Ok(opts) => plan_input(i, setup, opts),
            Err(m) => Outcome {
                name: match i {
                    Input::Stdin => "<stdin>".into(),
                    Input::File(p) => read::display_name(p),
                },
                source: None,
                result: Err((None, m)),
            },
        })
        .collect();
    outcomes.extend(jobs.errors.into_iter().map(|e| Outcome {
        name: e.name,
        source: None,
        result: Err((e.offset, e.message)),
    }));
    outcomes.extend(jobs.config_errors.into_iter().map(|e| Outcome {
        name: e.name,
        source: Some(Source {
            name: String::new(),
            path: None,
            text: e.text,
        }),
        result: Err((e.offset, e.message)),
    }));

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let (mut failed, mut pending, mut written) = (0, 0, 0);
    for o in &outcomes {
        let text = o.source.as_ref().map_or("", |s| s.text.as_str());
        let mut index = None;
        let plan = match &o.result {
            Err((offset, message)) => {
                failed += 1;
                eprintln!(
                    "spillway: {}{}: error: {message}",
                    o.name,
                    position(&mut index, text, *offset)
                );
                continue;
            }
            Ok(p) => p,
        };
        for n in &plan.notes {
            eprintln!(
                "spillway: {}{}: note: {}",
                o.name,
                position(&mut index, text, Some(n.offset)),
                n.message
            );
        }
        let changed = plan.changed(text);
        if changed {
            pending += 1;
        }
        if to_stdout {
            let _ = out.write_all(plan.new_text.as_bytes());
        } else if args.diff {
            let _ = out.write_all(diff::unified(&o.name, text, &plan.new_text).as_bytes());
        } else if args.check {
            if changed {
                eprintln!("spillway: {}: would change", o.name);
            }
        } else if args.write && changed {
            let path = o
                .source
                .as_ref()
                .and_then(|s| s.path.as_deref())
                .expect("stdin is refused with --write");
            match crate::write::write_atomic(path, plan.new_text.as_bytes()) {
                Ok(()) => {
                    written += 1;
                    eprintln!("spillway: {}: fixed", o.name);
                }
                Err(e) => {
                    failed += 1;
                    eprintln!(
                        "spillway: {}: error: not written: {}",
                        o.name,
                        read::io_message(&e)
                    );
                }
            }
        }
    }
    let _ = out.flush();
    if !to_stdout {
        let verb = if args.write {
            format!("{written} rewritten")
        } else {
            format!("{pending} would change")
        };
        eprintln!(
            "spillway: {} files, {verb}, {failed} with errors",
            outcomes.len()
        );
    }
    if failed > 0 {
        super::EXIT_ERROR
    } else if args.check && pending > 0 {
        super::EXIT_FINDINGS
    } else {
        super::EXIT_OK
    }
}
