//! **read**: where input comes from (files, folders, stdin) and how it becomes documents with
//! exact byte spans. Nothing here knows about Kubernetes.

pub mod chunks;
pub mod excerpt;
pub mod lines;
pub mod walk;
pub mod yaml;

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

/// One input: a file or standard input, its text, and the name used in reports.
#[derive(Debug, Clone)]
pub struct Source {
    /// Name shown in reports: the path as given (relative stays relative), or `<stdin>`.
    pub name: String,
    /// Where it was read from; `None` for stdin.
    pub path: Option<PathBuf>,
    pub text: String,
}

/// Why an input could not be read; offset is a byte offset when the failure has a position.
#[derive(Debug, Clone)]
pub struct ReadError {
    pub name: String,
    pub offset: Option<usize>,
    pub message: String,
}

/// The name a path gets in reports: as given, with `./` removed, `/` separators.
pub fn display_name(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_owned).unwrap_or(s)
}

/// The name of a path for reports, relative to the working folder when it lies below it.
pub fn relative_name(path: &Path) -> String {
    if path.is_absolute() {
        if let Some(rel) = std::env::current_dir()
            .ok()
            .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        {
            return display_name(&rel);
        }
    }
    display_name(path)
}

/// Reads a file whole; rejects what is not UTF-8 text with the byte offset of the first bad byte.
pub fn read_file(path: &Path) -> Result<Source, ReadError> {
    let name = display_name(path);
    let bytes = std::fs::read(path).map_err(|e| ReadError {
        name: name.clone(),
        offset: None,
        message: io_message(&e),
    })?;
    from_bytes(name, Some(path.to_path_buf()), bytes)
}

/// Opens an input to be read piece by piece ([`chunks::Chunks`]): its report name and a
/// buffered reader.
pub fn open(input: &walk::Input) -> Result<(String, Box<dyn BufRead>), ReadError> {
    match input {
        walk::Input::Stdin => Ok(("<stdin>".into(), Box::new(std::io::stdin().lock()))),
        walk::Input::File(path) => {
            let name = display_name(path);
            match std::fs::File::open(path) {
                Ok(f) => Ok((
                    name,
                    Box::new(std::io::BufReader::with_capacity(1 << 16, f)),
                )),
                Err(e) => Err(ReadError {
                    name,
                    offset: None,
                    message: io_message(&e),
                }),
            }
        }
    }
}

/// Reads standard input whole.
pub fn read_stdin() -> Result<Source, ReadError> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError {
            name: "<stdin>".into(),
            offset: None,
            message: io_message(&e),
        })?;
    from_bytes("<stdin>".into(), None, bytes)
}

/// Text from bytes: UTF-8 only (YAML 1.2 also allows UTF-16/32, which Kubernetes manifests in
/// practice never use); a NUL byte is rejected as binary data.
pub fn from_bytes(
    name: String,
    path: Option<PathBuf>,
    bytes: Vec<u8>,
) -> Result<Source, ReadError> {
    // The file has no text to show a snippet of: say where, in the message.
    if let Some(p) = bytes.iter().position(|b| *b == 0) {
        return Err(ReadError {
            name,
            offset: None,
            message: format!(
                "binary data: a NUL byte at {}; YAML is text",
                position(&bytes, p)
            ),
        });
    }
    if let Some((p, c)) = control_character(&bytes) {
        return Err(ReadError {
            name,
            offset: None,
            message: control_message(c, &position(&bytes, p)),
        });
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Source { name, path, text }),
        Err(e) => {
            let p = e.utf8_error().valid_up_to();
            let at = position(e.as_bytes(), p);
            Err(ReadError {
                name,
                offset: None,
                message: format!("invalid UTF-8 at {at}: YAML input must be UTF-8 text"),
            })
        }
    }
}

/// The first character YAML does not allow in a stream (`c-printable`): a C0 control but tab,
/// LF and CR, DEL, or a C1 control but NEL (U+0085); its byte offset and code point. go-yaml
/// (kubectl) rejects them too.
pub fn control_character(bytes: &[u8]) -> Option<(usize, u32)> {
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f {
            return Some((i, u32::from(b)));
        }
        if b == 0xc2 {
            if let Some(&n) = bytes.get(i + 1) {
                if (0x80..=0x9f).contains(&n) && n != 0x85 {
                    return Some((i, u32::from(n)));
                }
            }
        }
        i += 1;
    }
    None
}

/// The message for a control character at a position.
pub fn control_message(c: u32, at: &str) -> String {
    format!("a control character (U+{c:04X}) at {at}: YAML allows no control characters but tab and line breaks")
}

/// "line L, column C (byte B)" of byte `p` of raw bytes that start at byte `first_byte` and
/// 0-based line `first_line` of their input (columns in characters).
pub(crate) fn position_in(bytes: &[u8], p: usize, first_line: usize, first_byte: usize) -> String {
    let line = first_line + memchr::memchr_iter(b'\n', &bytes[..p]).count() + 1;
    let start = memchr::memrchr(b'\n', &bytes[..p]).map_or(0, |i| i + 1);
    let col = String::from_utf8_lossy(&bytes[start..p]).chars().count() + 1;
    format!("line {line}, column {col} (byte {})", first_byte + p)
}

fn position(bytes: &[u8], p: usize) -> String {
    position_in(bytes, p, 0, 0)
}

pub fn io_message(e: &std::io::Error) -> String {
    if e.raw_os_error().is_none() && e.get_ref().is_some() {
        return e.to_string(); // our own message, e.g. "the file is read-only"
    }
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ if e.raw_os_error() == Some(21) => "is a directory".into(),
        _ => e.to_string(),
    }
}
