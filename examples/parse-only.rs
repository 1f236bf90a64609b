//! spillway's own floor for `scripts/bench.sh`: the same file discovery and parallelism as
//! `spillway audit` (`read::walk`, `read::open` and `read::chunks`, rayon over files), and every
//! document parsed into the span-carrying `Document` with the default limits, then dropped. No locate,
//! no rules, no rendering: what is left of `spillway audit` when it checks nothing.
//!
//! ```sh
//! cargo run --release --example parse-only -- PATH ...   # prints `N documents in M files`
//! ```
//!
//! Exit 0 when everything parsed, 2 when an input could not be read or parsed (it is named on
//! stderr; the other inputs are still parsed and counted).

use rayon::prelude::*;

use spillway::read::chunks::Chunks;
use spillway::read::walk::{self, Input};
use spillway::read::yaml::{Limits, Stream};
use spillway::read::{self, ReadError};

/// Documents parsed in one input, or why it could not be read or parsed. The input is read
/// as `spillway audit` reads it: piece by piece (`read::chunks`), one document's text at a time.
fn parse_input(input: &Input) -> Result<usize, ReadError> {
    let limits = Limits::default();
    let (name, reader) = read::open(input)?;
    let mut documents = 0;
    for chunk in Chunks::new(reader, name.clone(), limits.max_document_bytes) {
        let chunk = chunk?;
        let mut stream = Stream::new(&chunk.text, limits);
        while let Some(doc) = stream.next_document() {
            match doc {
                Ok(doc) => {
                    documents += 1;
                    drop(doc);
                }
                Err(e) => {
                    return Err(ReadError {
                        name,
                        offset: Some(chunk.offset + e.offset),
                        message: e.message,
                    })
                }
            }
        }
    }
    Ok(documents)
}

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.iter().any(|p| p == "-h" || p == "--help") {
        println!("usage: parse-only [PATH ...]   (files, folders, - for stdin; none = .)");
        return;
    }
    let exclude = walk::excludes(&[]).expect("no globs");
    let found = walk::discover(&paths, &exclude);
    let results: Vec<Result<usize, ReadError>> = found.inputs.par_iter().map(parse_input).collect();
    let mut documents = 0;
    let mut failed = found.errors.len();
    for e in &found.errors {
        eprintln!("parse-only: {}: {}", e.name, e.message);
    }
    for r in &results {
        match r {
            Ok(n) => documents += n,
            Err(e) => {
                failed += 1;
                let at = e.offset.map(|o| format!(" (byte {o})")).unwrap_or_default();
                eprintln!("parse-only: {}{at}: {}", e.name, e.message);
            }
        }
    }
    println!("{documents} documents in {} files", found.inputs.len());
    if failed > 0 {
        std::process::exit(2);
    }
}
