//! What a run is checked with, built once from the command line: gateway selection, the pools,
//! the node inventory and the YAML limits. Shared by `audit` and `apply`.

use crate::cli::{InputArgs, PoolArgs};
use crate::locate;
use crate::pools::{Inventory, PoolConfig};
use crate::read;
use crate::read::yaml::Limits;

/// What every file of a run is checked with.
pub struct Setup {
    pub locate: locate::Options,
    pub pools: PoolConfig,
    pub inventory: Option<Inventory>,
    pub limits: Limits,
}

/// Builds the run's setup from the command line; `Err` is a usage or input error (exit 2).
pub fn setup(input: &InputArgs, pools: &PoolArgs) -> Result<Setup, String> {
    let mut config = PoolConfig::new(
        pools.ecs_label.clone(),
        pools.ecs_taint.clone(),
        pools.virtual_label.clone(),
        pools.virtual_taint.clone(),
    );
    let limits = Limits {
        max_depth: input.max_depth,
        max_nodes: input.max_nodes,
    };
    let inventory = match &pools.nodes {
        None => None,
        Some(p) => {
            if p == "-" && input.paths.iter().any(|x| x == "-") {
                return Err(
                    "--nodes - and the PATH - both want standard input; give one of them a file"
                        .into(),
                );
            }
            let src = if p == "-" {
                read::read_stdin()
            } else {
                read::read_file(std::path::Path::new(p))
            };
            let inv = src
                .and_then(|s| Inventory::parse(s, limits))
                .map_err(|e| format!("--nodes {}: {}", e.name, e.message))?;
            config.complete_from(&inv);
            Some(inv)
        }
    };
    for p in &input.json_paths {
        jsonpath_rust::parser::parse_json_path(p)
            .map_err(|e| format!("invalid --path `{p}`: {e}"))?;
    }
    Ok(Setup {
        locate: locate::Options {
            select: input.select.clone(),
            extend_select: input.extend_select.clone(),
            paths: input.json_paths.clone(),
        },
        pools: config,
        inventory,
        limits,
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
        }
    }
}
