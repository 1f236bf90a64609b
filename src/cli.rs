//! The command line, declared with clap's derive API (shell completions and the man page of a
//! later issue come from these same definitions).

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::locate::Selector;
use crate::pools::Label;
use crate::read::yaml::Limits;

#[derive(Debug, Parser)]
#[command(
    name = "spillway",
    version,
    about = "Audit the ECS-to-ECI overflow scheduling of Alibaba Cloud ASM gateways, offline",
    long_about = "Reads gateway YAML (ASM IstioGateway, Deployments, IstioOperator, Helm values) from files, folders or stdin and reports each mistake in the node affinity and tolerations that let gateway pods overflow from ECS nodes to Elastic Container Instances.\n\nExit codes of audit: 0 no error-level finding, 1 at least one, 2 an input could not be read or parsed, or a usage error (2 wins over 1). Of apply: 0 done or nothing to do, 1 only with --check when a file would change, 2 bad input or usage."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Report every mistake in the overflow block of each gateway.
    Audit(Box<AuditArgs>),
    /// Insert or repair the overflow block, changing nothing else.
    Apply(Box<ApplyArgs>),
    /// Print the explanation of a rule.
    Explain {
        /// A rule id, e.g. ecs-taint-not-tolerated (see `spillway rules`).
        rule: String,
    },
    /// List the rules.
    Rules {
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
    },
    /// Write a commented starter .spillway.yaml.
    Init {
        /// Where to write it
        #[arg(default_value = ".spillway.yaml")]
        path: String,
        /// Overwrite an existing file
        #[arg(long)]
        force: bool,
    },
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
    /// KRM function: a ResourceList on stdin, a ResourceList on stdout (kpt fn eval --exec, kustomize exec functions).
    Krm(Box<crate::commands::krm::KrmArgs>),
    /// kustomize legacy exec transformer plugin: resources on stdin, the transformer's config file as argument.
    KustomizePlugin(Box<crate::commands::kustomize::KustomizeArgs>),
    /// Show where each replica of a gateway would land (ECS or virtual node) and why, offline.
    Simulate(Box<crate::commands::simulate::SimulateArgs>),
    /// Where the gateway's pods did land, from `kubectl get pods -A -o yaml` and the nodes.
    Status(Box<crate::commands::simulate::StatusArgs>),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RulesFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    /// SARIF 2.1.0 (GitHub code scanning and other SARIF viewers)
    Sarif,
    /// GitHub Actions workflow commands (annotations)
    Github,
    /// GitLab Code Quality report
    Gitlab,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// Where the node pools come from.
#[derive(Debug, Args, Clone)]
pub struct PoolArgs {
    /// Node inventory: what `kubectl get nodes -o yaml` (or -o json) prints, or a stream of Node objects; - for stdin
    #[arg(long, value_name = "FILE")]
    pub nodes: Option<String>,
    /// Label of the ECS node(s) gateways should run on (e.g. mykey4pod=asmgateway)
    #[arg(long, value_name = "K=V")]
    pub ecs_label: Option<Label>,
    /// Taint on those ECS node(s) (e.g. mykey=myvalue:NoSchedule)
    #[arg(long, value_name = "K=V:EFFECT", value_parser = crate::pools::parse_taint)]
    pub ecs_taint: Option<crate::k8s::Taint>,
    /// Label of virtual nodes [default: type=virtual-kubelet]
    #[arg(long, value_name = "K=V")]
    pub virtual_label: Option<Label>,
    /// Taint of virtual nodes [default: virtual-kubelet.io/provider=alibabacloud:NoSchedule]
    #[arg(long, value_name = "K=V:EFFECT", value_parser = crate::pools::parse_taint)]
    pub virtual_taint: Option<crate::k8s::Taint>,
}

/// Which files and objects are read.
#[derive(Debug, Args, Clone)]
pub struct InputArgs {
    /// Files, folders (recursive *.yaml/*.yml) or - for stdin [default: the current folder]
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,
    /// Which objects are gateways, replacing the default set (keys: kind, name, namespace, label=K=V); repeatable, ORed
    #[arg(long, value_name = "KEY=V,...")]
    pub select: Vec<Selector>,
    /// Objects to check in addition to the default set; repeatable
    #[arg(long, value_name = "KEY=V,...")]
    pub extend_select: Vec<Selector>,
    /// Where a pod spec lives in objects of no known kind, e.g. '$' for a Helm values file; repeatable
    #[arg(long = "path", value_name = "JSONPATH")]
    pub json_paths: Vec<String>,
    /// Skip matching files and folders (glob); repeatable
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Deepest nesting of YAML collections accepted, aliases expanded (at most 4096; flow collections also stop at the parser's fixed 256)
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT.max_depth, value_parser = parse_max_depth)]
    pub max_depth: usize,
    /// Most YAML nodes (scalars, collections, aliases) in one document
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT.max_nodes, value_parser = parse_max_nodes)]
    pub max_nodes: usize,
    /// Most bytes in one YAML document, comments included [default: 33554432, 32 MiB]
    #[arg(long, value_name = "BYTES", default_value_t = Limits::DEFAULT.max_document_bytes, hide_default_value = true, value_parser = parse_positive)]
    pub max_document_bytes: usize,
    /// Most nodes the aliases of one document stand for, expanded (a "billion laughs" stands for 10^9); 0 forbids aliases
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT.max_alias_expansion)]
    pub max_alias_expansion: usize,
    /// Use this configuration file instead of the nearest .spillway.yaml
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,
    /// Do not read any .spillway.yaml
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
}

impl InputArgs {
    /// The YAML limits the flags set.
    pub fn limits(&self) -> Limits {
        Limits {
            max_depth: self.max_depth,
            max_nodes: self.max_nodes,
            max_document_bytes: self.max_document_bytes,
            max_alias_expansion: self.max_alias_expansion,
        }
    }
}

fn parse_max_depth(s: &str) -> Result<usize, String> {
    let n: usize = s.parse().map_err(|e| format!("{e}"))?;
    if (1..=Limits::MAX_DEPTH_CEILING).contains(&n) {
        Ok(n)
    } else {
        Err(format!(
            "{n} is not in 1..={}: deeper documents would overflow the stack of what walks them",
            Limits::MAX_DEPTH_CEILING
        ))
    }
}

fn parse_positive(s: &str) -> Result<usize, String> {
    match s.parse::<usize>().map_err(|e| format!("{e}"))? {
        0 => Err("0 is not accepted: at least 1".into()),
        n => Ok(n),
    }
}

fn parse_max_nodes(s: &str) -> Result<usize, String> {
    let n: usize = s.parse().map_err(|e| format!("{e}"))?;
    if (1..=u32::MAX as usize).contains(&n) {
        Ok(n)
    } else {
        Err(format!("{n} is not in 1..={}", u32::MAX))
    }
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub pools: PoolArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Colour in human output (auto honours NO_COLOR and a non-terminal)
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Say which objects and files were skipped and why
    #[arg(short, long)]
    pub verbose: bool,
    /// Warnings fail the run too (exit 1)
    #[arg(long, conflicts_with = "exit_zero")]
    pub strict: bool,
    /// Report, but always exit 0 unless an input could not be read (for adopting spillway)
    #[arg(long)]
    pub exit_zero: bool,
    /// Print nothing on stderr but errors (no summary line)
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("mode").args(["write", "diff", "check"])))]
pub struct ApplyArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub pools: PoolArgs,
    /// Rewrite the files in place (atomically; unchanged files are not touched)
    #[arg(long)]
    pub write: bool,
    /// Print a unified diff per changed file (`git apply` and `patch -p1` take it)
    #[arg(long)]
    pub diff: bool,
    /// Change nothing; exit 1 if any file would change
    #[arg(long)]
    pub check: bool,
    /// Weight of the preferred ECS term [default: 80]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i64).range(1..=100))]
    pub ecs_weight: Option<i64>,
    /// Weight of the preferred virtual-node term [default: 20]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i64).range(1..=100))]
    pub virtual_weight: Option<i64>,
    /// Also remove nodeSelector entries that defeat the overflow (changes where pods run today)
    #[arg(long)]
    pub fix_node_selector: bool,
    /// Say which objects and files were skipped and why
    #[arg(short, long)]
    pub verbose: bool,
}
