//! `spillway completions SHELL` and `spillway man`, generated from the clap definitions so they
//! cannot drift from the real flags.

use std::io::Write;

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

/// One page: the top-level page, then a section per subcommand with its synopsis, description
/// and every option (clap_mangen renders only the top level otherwise).
pub fn man() -> i32 {
    let mut cmd = Cli::command();
    cmd.build();
    let mut page: Vec<u8> = Vec::new();
    let rendered = (|| -> std::io::Result<()> {
        clap_mangen::Man::new(cmd.clone()).render(&mut page)?;
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let man = clap_mangen::Man::new(sub.clone());
            let mut part: Vec<u8> = Vec::new();
            man.render_synopsis_section(&mut part)?;
            man.render_description_section(&mut part)?;
            man.render_options_section(&mut part)?;
            // Each subcommand is a section; its own headings become subsections.
            let part = String::from_utf8_lossy(&part)
                .replace(".SH ", ".SS ")
                .replace(
                    ".SS SYNOPSIS",
                    &format!(".SH \"SPILLWAY {}\"", sub.get_name().to_uppercase()),
                );
            page.extend_from_slice(part.as_bytes());
        }
        Ok(())
    })();
    if let Err(e) = rendered {
        eprintln!("spillway: {e}");
        return super::EXIT_ERROR;
    }
    match std::io::stdout().write_all(&page) {
        Ok(()) => super::EXIT_OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => super::EXIT_OK,
        Err(e) => {
            eprintln!("spillway: {e}");
            super::EXIT_ERROR
        }
    }
}
