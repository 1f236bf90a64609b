//! `spillway completions SHELL` and `spillway man`, generated from the clap definitions so they
//! cannot drift from the real flags.

use clap::CommandFactory;

use crate::cli::Cli;

pub fn completions(shell: clap_complete::Shell) -> i32 {
    clap_complete::generate(
        shell,
        &mut Cli::command(),
        "spillway",
        &mut std::io::stdout(),
    );
    super::EXIT_OK
}

pub fn man() -> i32 {
    let mut out = std::io::stdout();
    match clap_mangen::Man::new(Cli::command()).render(&mut out) {
        Ok(()) => super::EXIT_OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => super::EXIT_OK,
        Err(e) => {
            eprintln!("spillway: {e}");
            super::EXIT_ERROR
        }
    }
}
