//! What a run is checked with: gateway selection, the pools, the node inventory, the YAML limits
//! and rule severities. Built from the command line merged over the `.spillway.yaml` that governs
//! each input (flags win). Shared by `audit` and `apply`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::check::Severity;
use crate::cli::{InputArgs, PoolArgs};
use crate::config::{self, Config, ConfigError};
use crate::locate;
use crate::pools::{Inventory, PoolConfig};
use crate::read;
use crate::read::walk::Input;
use crate::read::yaml::Limits;

/// What a file is checked with.
#[derive(Clone)]
pub struct Setup {
    pub locate: locate::Options,
    pub pools: PoolConfig,
    pub inventory: Option<Inventory>,
    pub limits: Limits,
    /// Severity overrides per rule (`None`: off), from the configuration file.
    pub severities: Vec<(&'static str, Option<Severity>)>,
    /// Weights from the configuration file (the command line's win), used where apply sets them.
    pub weights: (Option<i64>, Option<i64>),
}

/// Builds the run's setup from the command line alone; `Err` is a usage or input error (exit 2).
pub fn setup(input: &InputArgs, pools: &PoolArgs) -> Result<Setup, String> {
    let inventory = inventory(input, pools)?;
    build(input, pools, inventory.as_ref(), None)
}

fn inventory(input: &InputArgs, pools: &PoolArgs) -> Result<Option<Inventory>, String> {
    let limits = input.limits();
    let Some(p) = &pools.nodes else {
        return Ok(None);
    };
    if p == "-" && input.paths.iter().any(|x| x == "-") {
        return Err(
            "--nodes - and the PATH - both want standard input; give one of them a file".into(),
        );
    }
    let src = if p == "-" {
        read::read_stdin()
    } else {
        read::read_file(Path::new(p))
    };
    src.and_then(|s| Inventory::parse(s, limits))
        .map(Some)
        .map_err(|e| flag_input_error("--nodes", p, &e))
}

/// `FLAG NAME[:LINE:COL]: message` for an input a flag names (`--nodes`, `--pods`) that could
/// not be read or parsed. The reader no longer holds the text, so a file is read again for the
/// position (this is the error path only); standard input has none.
pub fn flag_input_error(flag: &str, path: &str, e: &read::ReadError) -> String {
    let at = match e.offset {
        Some(o) if path != "-" => read::read_file(Path::new(path)).ok().map(|s| {
            let (l, c) = read::lines::LineIndex::new(&s.text).line_col(o);
            format!(":{l}:{c}")
        }),
        _ => None,
    };
    format!("{flag} {}{}: {}", e.name, at.unwrap_or_default(), e.message)
}

/// The command line over a configuration file: a flag that is given wins.
fn build(
    input: &InputArgs,
    pools: &PoolArgs,
    inv: Option<&Inventory>,
    cfg: Option<&Config>,
) -> Result<Setup, String> {
    let c = cfg.cloned().unwrap_or_default();
    let mut config = PoolConfig::new(
        pools.ecs_label.clone().or(c.ecs.label),
        pools.ecs_taint.clone().or(c.ecs.taint),
        pools.virtual_label.clone().or(c.virt.label),
        pools.virtual_taint.clone().or(c.virt.taint),
    );
    if let Some(inv) = inv {
        config.complete_from(inv);
    }
    for p in &input.json_paths {
        jsonpath_rust::parser::parse_json_path(p)
            .map_err(|e| format!("invalid --path `{p}`: {e}"))?;
    }
    fn pick<T: Clone>(cli: &[T], file: Vec<T>) -> Vec<T> {
        if cli.is_empty() {
            file
        } else {
            cli.to_vec()
        }
    }
    Ok(Setup {
        locate: locate::Options {
            select: pick(&input.select, c.select),
            extend_select: pick(&input.extend_select, c.extend_select),
            paths: pick(&input.json_paths, c.paths),
        },
        pools: config,
        inventory: inv.cloned(),
        limits: input.limits(),
        severities: c.rules,
        weights: (c.ecs.weight, c.virt.weight),
    })
}

impl Setup {
    /// A setup with the default selection and limits and the given pools (for library users
    /// and tests).
    pub fn with_pools(pools: PoolConfig) -> Setup {
        Setup {
            locate: locate::Options::default(),
            pools,
            inventory: None,
            limits: Limits::default(),
            severities: Vec::new(),
            weights: (None, None),
        }
    }
}

/// The start of every command that reads inputs: the run's setups (the node inventory and
/// `--config` read once) and the inputs found from the paths and `--exclude`; `Err` is a usage
/// or input error (exit 2).
pub fn begin<'a>(
    input: &'a InputArgs,
    pools: &'a PoolArgs,
) -> Result<(Setups<'a>, crate::read::walk::Found), String> {
    let setups = Setups::new(input, pools)?;
    let exclude = crate::read::walk::excludes(&input.exclude)?;
    Ok((setups, crate::read::walk::discover(&input.paths, &exclude)))
}

/// An input's setup and the configuration file it came from, or that file's error.
pub type ForInput = Result<(Arc<Setup>, Option<Arc<Config>>), ConfigError>;

/// The setups of one run, one per configuration file in play, built on first use.
pub struct Setups<'a> {
    input: &'a InputArgs,
    pools: &'a PoolArgs,
    inventory: Option<Inventory>,
    /// `--config FILE`, loaded once; `--no-config` skips files altogether.
    explicit: Option<Result<Arc<Config>, ConfigError>>,
    no_config: bool,
    found: HashMap<PathBuf, Option<PathBuf>>,
    built: HashMap<Option<PathBuf>, ForInput>,
}

impl<'a> Setups<'a> {
    /// Reads what the whole run shares (the node inventory, `--config`).
    pub fn new(input: &'a InputArgs, pools: &'a PoolArgs) -> Result<Self, String> {
        let inventory = inventory(input, pools)?;
        // Validate flags that do not depend on a configuration file now (usage errors first).
        build(input, pools, inventory.as_ref(), None)?;
        let explicit = input
            .config
            .as_ref()
            .map(|p| config::load(Path::new(p)).map(Arc::new));
        Ok(Setups {
            input,
            pools,
            inventory,
            explicit,
            no_config: input.no_config,
            found: HashMap::new(),
            built: HashMap::new(),
        })
    }

    /// The configuration file that governs an input, if any.
    fn config_path(&mut self, input: &Input) -> Option<PathBuf> {
        if self.no_config || self.explicit.is_some() {
            return None;
        }
        let dir = match input {
            Input::File(p) => {
                let abs = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
                abs.parent().map(Path::to_path_buf)
            }
            Input::Stdin => std::env::current_dir().ok(),
        }?;
        let found = self
            .found
            .entry(dir.clone())
            .or_insert_with(|| config::find(&dir))
            .clone();
        // No configuration above the file: the current folder's (and its parents') applies.
        found.or_else(|| {
            std::env::current_dir()
                .ok()
                .and_then(|cwd| config::find(&cwd))
        })
    }

    /// The setup for an input and the configuration it came from, or the configuration's error.
    pub fn for_input(&mut self, input: &Input) -> ForInput {
        let key = self.config_path(input);
        if let Some(r) = self.built.get(&key) {
            return r.clone();
        }
        let cfg: Option<Result<Arc<Config>, ConfigError>> = match (&self.explicit, &key) {
            (Some(e), _) => Some(e.clone()),
            (None, Some(p)) => Some(config::load(p).map(Arc::new)),
            (None, None) => None,
        };
        let result = match cfg.transpose() {
            Err(e) => Err(e),
            Ok(cfg) => build(
                self.input,
                self.pools,
                self.inventory.as_ref(),
                cfg.as_deref(),
            )
            .map(|s| (Arc::new(s), cfg))
            .map_err(|m| ConfigError {
                name: cfg_name(&key),
                text: String::new(),
                offset: None,
                message: m,
            }),
        };
        self.built.insert(key, result.clone());
        result
    }

    /// The inventory the run checks nodes against.
    pub fn inventory(&self) -> Option<&Inventory> {
        self.inventory.as_ref()
    }
}

fn cfg_name(p: &Option<PathBuf>) -> String {
    p.as_deref()
        .map_or_else(|| "--config".into(), read::display_name)
}
