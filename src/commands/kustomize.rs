//! `spillway kustomize-plugin CONFIG`: a kustomize legacy exec transformer plugin. kustomize (and
//! `kubectl kustomize --enable-alpha-plugins`) runs the executable
//! `$XDG_CONFIG_HOME/kustomize/plugin/spillway.dev/v1alpha1/overflowtransformer/OverflowTransformer`
//! with the path of the transformer's configuration file as its first argument and the
//! resources as a YAML stream on stdin, and reads the transformed stream on stdout. That
//! executable is a two-line wrapper: `#!/bin/sh` / `exec spillway kustomize-plugin "$@"`.
//!
//! The configuration is an `OverflowTransformer` (or `OverflowPolicy`, the same schema; see
//! [`super::krm`]). `apply` prints the stream with the block applied; `audit` prints it unchanged
//! and fails (exit 1, findings on stderr) when a gateway has an error-level finding.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::krm::{self, Mode};
use crate::check::{self, Finding, Severity};
use crate::locate;
use crate::read::lines::LineIndex;
use crate::read::yaml::Stream;
use crate::setup::Setup;

#[derive(Debug, Args)]
#[command(
    long_about = "A kustomize legacy exec transformer plugin: the resources as a YAML stream on stdin, the transformer's configuration file (a spillway.dev/v1alpha1 OverflowTransformer) as the first argument, the transformed stream on stdout.\n\nInstall it as $XDG_CONFIG_HOME/kustomize/plugin/spillway.dev/v1alpha1/overflowtransformer/OverflowTransformer, a two-line shell wrapper:\n\n  #!/bin/sh\n  exec spillway kustomize-plugin \"$@\"\n\nand build with `kustomize build --enable-alpha-plugins` (or `kubectl kustomize --enable-alpha-plugins`). See docs/integrations.md.\n\nExit codes: 0 done, 1 an error-level finding (audit mode) or a gateway apply cannot fix, 2 unreadable input or configuration."
)]
pub struct KustomizeArgs {
    /// The transformer's configuration file (kustomize passes it)
    #[arg(value_name = "CONFIG")]
    pub config: PathBuf,
}

fn fail(message: impl std::fmt::Display) -> i32 {
    eprintln!("spillway kustomize-plugin: {message}");
    super::EXIT_ERROR
}

/// One line per finding, for kustomize's error output.
fn report(f: &Finding) -> String {
    let what = f.object.as_ref().map_or(String::new(), |o| {
        let mut s = format!("{}/{}", o.kind, o.name);
        if !o.namespace.is_empty() {
            s = format!("{} (namespace {})", s, o.namespace);
        }
        if let Some(c) = &o.component {
            s.push_str(&format!(" [{c}]"));
        }
        s
    });
    let field = f.primary.path.as_deref().unwrap_or("");
    let mut s = format!(
        "spillway: {}: {what} {field}: {}: {}",
        f.severity.as_str(),
        f.rule.id,
        f.message
    );
    if let Some(h) = &f.help {
        s.push_str(&format!("\n  help: {h}"));
    }
    krm::config_words(&s)
}

/// Every finding of a stream; `Err` when it does not parse.
fn audit_stream(text: &str, setup: &Setup) -> Result<Vec<Finding>, String> {
    let mut out = Vec::new();
    let mut ignores = check::suppress::comments(text);
    let mut stream = Stream::new(text, setup.limits);
    while let Some(doc) = stream.next_document() {
        let doc = doc.map_err(|e| {
            let (l, c) = LineIndex::new(text).line_col(e.offset);
            format!("<stdin>:{l}:{c}: {}", e.message)
        })?;
        let located = locate::locate(&doc, &setup.locate)?;
        let (findings, _) = check::check_document(&doc, &located.targets, &setup.pools, None);
        for t in &located.targets {
            ignores.extend(check::suppress::annotation(&doc, t));
        }
        out.extend(findings);
    }
    Ok(check::suppress::apply(
        text,
        out,
        &ignores,
        &setup.severities,
    ))
}

/// `spillway kustomize-plugin CONFIG`.
pub fn run(args: &KustomizeArgs) -> i32 {
    let name = args.config.display().to_string();
    let config_text = match std::fs::read_to_string(&args.config) {
        Ok(t) => t,
        Err(e) => return fail(format!("{name}: {}", crate::read::io_message(&e))),
    };
    let mut stream = Stream::new(&config_text, Default::default());
    let doc = match stream.next_document() {
        Some(Ok(d)) => d,
        Some(Err(e)) => {
            let (l, c) = LineIndex::new(&config_text).line_col(e.offset);
            return fail(format!("{name}:{l}:{c}: {}", e.message));
        }
        None => return fail(format!("{name}: empty configuration")),
    };
    if doc.root.is_none() {
        return fail(format!("{name}: empty configuration"));
    }
    let config = match krm::parse_config(&doc, doc.root) {
        Ok(c) => c,
        Err(e) => {
            let (l, c) = LineIndex::new(&config_text).line_col(e.offset);
            return fail(format!("{name}:{l}:{c}: {}", e.message));
        }
    };
    let src = match crate::read::read_stdin() {
        Ok(s) => s,
        Err(e) => return fail(format!("{}: {}", e.name, e.message)),
    };
    let setup = config.setup();
    let (out_text, code) = match config.mode {
        Mode::Audit => {
            let findings = match audit_stream(&src.text, &setup) {
                Ok(f) => f,
                Err(m) => return fail(m),
            };
            for f in &findings {
                eprintln!("{}", report(f));
            }
            let errors = findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .count();
            if errors > 0 {
                eprintln!(
                    "spillway: {errors} error(s) in the overflow block of the gateways; `mode: apply` fixes most of them"
                );
                (src.text.clone(), super::EXIT_FINDINGS)
            } else {
                (src.text.clone(), super::EXIT_OK)
            }
        }
        Mode::Apply => {
            let plan = match crate::plan::plan_text(&src.text, &setup, config.opts) {
                Ok(p) => p,
                Err(e) => {
                    let at = e.offset.map_or(String::new(), |o| {
                        let (l, c) = LineIndex::new(&src.text).line_col(o);
                        format!(":{l}:{c}")
                    });
                    eprintln!(
                        "spillway kustomize-plugin: <stdin>{at}: {}",
                        krm::config_words(&e.message)
                    );
                    return super::EXIT_FINDINGS;
                }
            };
            for n in &plan.notes {
                eprintln!("spillway: note: {}", krm::config_words(&n.message));
            }
            // What apply leaves: reported, not fatal (as `spillway apply`).
            if let Ok(findings) = audit_stream(&plan.new_text, &setup) {
                for f in &findings {
                    eprintln!("{}", report(f));
                }
            }
            (plan.new_text, super::EXIT_OK)
        }
    };
    let mut out = std::io::stdout().lock();
    if out
        .write_all(out_text.as_bytes())
        .and_then(|_| out.flush())
        .is_err()
    {
        return super::EXIT_ERROR;
    }
    code
}
