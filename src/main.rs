use clap::Parser;
use spillway::cli::{Cli, Command};
use spillway::commands;

fn main() {
    let cli = Cli::parse();
    let code = match &cli.command {
        Command::Audit(args) => commands::audit::run(args),
        Command::Apply(args) => commands::apply::run(args),
        Command::Explain { rule } => commands::rules::explain(rule),
        Command::Rules { format } => commands::rules::list(*format),
        Command::Init { path, force } => commands::init::run(path, *force),
        Command::Completions { shell } => commands::docs::completions(*shell),
        Command::Man => commands::docs::man(),
        Command::Krm(args) => commands::krm::run(args),
        Command::KustomizePlugin(args) => commands::kustomize::run(args),
        Command::Simulate(args) => commands::simulate::run(args),
        Command::Status(args) => commands::simulate::status(args),
    };
    std::process::exit(code);
}
