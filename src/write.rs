//! **write**: replacing a file's content atomically. The new content goes to a temporary file in
//! the same folder, is flushed to disk, takes the original's permissions, and is renamed over
//! the original; on any error the temporary file is removed and the original is untouched.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// Writes `contents` over `path` atomically. A symlink is written through to its target (the
/// link stays) only when the target is inside the link's own folder; one that leads out of it
/// is refused, as is a read-only file (read-only says "do not change me"). A full disk (or any
/// other failure while writing or flushing) leaves the original as it was and removes the
/// temporary file.
pub fn write_atomic(path: &Path, contents: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |file| {
        file.write_all(contents)?;
        file.sync_all()
    })
}

/// [`write_atomic`] with what fills and flushes the temporary file given: tests inject a
/// failing one (a full disk) through it.
fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut fs::File) -> io::Result<()>,
) -> io::Result<()> {
    let real = fs::canonicalize(path)?;
    if fs::symlink_metadata(path)?.file_type().is_symlink() {
        let folder = fs::canonicalize(
            path.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new(".")),
        )?;
        if !real.starts_with(&folder) {
            return Err(io::Error::other(format!(
                "it is a symlink that leads out of its folder (to {})",
                real.display()
            )));
        }
    }
    let meta = fs::metadata(&real)?;
    if !meta.is_file() {
        // A FIFO, a device or a folder: renaming a regular file over it would replace it.
        return Err(io::Error::other("it is not a regular file"));
    }
    if meta.permissions().readonly() {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "the file is read-only",
        ));
    }
    let dir = real.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".spillway-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    // On an error, dropping `tmp` removes the temporary file.
    fill(tmp.as_file_mut())?;
    fs::set_permissions(tmp.path(), meta.permissions())?;
    tmp.persist(&real).map_err(|e| e.error)?;
    // Make the rename itself durable (best effort: not every platform can open a folder).
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_content_keeps_permissions_and_leaves_no_temporary_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("gw.yaml");
        fs::write(&p, "old\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
        }
        write_atomic(&p, b"new\n").unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "new\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o640
            );
        }
        let names: Vec<_> = fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_of_the_folder_are_refused() {
        let outside = tempfile::tempdir().unwrap();
        let target = outside.path().join("gw.yaml");
        fs::write(&target, "old\n").unwrap();
        let d = tempfile::tempdir().unwrap();
        let link = d.path().join("gw.yaml");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let e = write_atomic(&link, b"new\n").unwrap_err();
        assert!(e.to_string().contains("leads out of its folder"), "{e}");
        assert_eq!(fs::read_to_string(&target).unwrap(), "old\n");
        // Inside the folder: written through, the link stays a link.
        let inner = d.path().join("real.yaml");
        fs::write(&inner, "old\n").unwrap();
        let link2 = d.path().join("link.yaml");
        std::os::unix::fs::symlink(&inner, &link2).unwrap();
        write_atomic(&link2, b"new\n").unwrap();
        assert_eq!(fs::read_to_string(&inner).unwrap(), "new\n");
        assert!(fs::symlink_metadata(&link2)
            .unwrap()
            .file_type()
            .is_symlink());
    }

    /// What a folder holds, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_full_disk_leaves_the_original_intact_and_no_temporary_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("gw.yaml");
        fs::write(&p, "old: content\n").unwrap();
        // The disk fills up half way through the new content (ENOSPC).
        let e = write_atomic_with(&p, |f| {
            f.write_all(b"new: cont")?;
            Err(io::Error::from_raw_os_error(28))
        })
        .unwrap_err();
        assert_eq!(e.raw_os_error(), Some(28), "{e}");
        assert_eq!(fs::read_to_string(&p).unwrap(), "old: content\n");
        assert_eq!(names(d.path()), ["gw.yaml"]);
        // The content is written but cannot be flushed to disk (EIO on fsync).
        let e = write_atomic_with(&p, |f| {
            f.write_all(b"new: content\n")?;
            Err(io::Error::from_raw_os_error(5))
        })
        .unwrap_err();
        assert_eq!(e.raw_os_error(), Some(5), "{e}");
        assert_eq!(fs::read_to_string(&p).unwrap(), "old: content\n");
        assert_eq!(names(d.path()), ["gw.yaml"]);
    }

    #[test]
    fn a_write_that_panics_leaves_the_original_intact_and_no_temporary_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("gw.yaml");
        fs::write(&p, "old\n").unwrap();
        let r = std::panic::catch_unwind(|| {
            write_atomic_with(&p, |f| {
                f.write_all(b"ne")?;
                panic!("injected");
            })
        });
        assert!(r.is_err());
        assert_eq!(fs::read_to_string(&p).unwrap(), "old\n");
        assert_eq!(names(d.path()), ["gw.yaml"]);
    }

    #[test]
    fn a_file_that_disappeared_is_not_created() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("gone.yaml");
        let e = write_atomic(&p, b"new\n").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        assert!(names(d.path()).is_empty());
    }

    #[test]
    fn what_is_not_a_regular_file_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let sub = d.path().join("sub.yaml");
        fs::create_dir(&sub).unwrap();
        let e = write_atomic(&sub, b"new\n").unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            // A FIFO (`apply --write <(...)`-style input) would be replaced by a regular file.
            let fifo = d.path().join("fifo.yaml");
            let made = std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .is_ok_and(|s| s.success());
            if made {
                let e = write_atomic(&fifo, b"new\n").unwrap_err();
                assert!(e.to_string().contains("not a regular file"), "{e}");
                let t = fs::symlink_metadata(&fifo).unwrap().file_type();
                assert!(t.is_fifo());
            }
        }
        assert!(names(d.path()).iter().all(|n| !n.starts_with(".spillway-")));
    }

    #[test]
    fn read_only_files_are_refused_and_untouched() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("gw.yaml");
        fs::write(&p, "old\n").unwrap();
        let mut perm = fs::metadata(&p).unwrap().permissions();
        perm.set_readonly(true);
        fs::set_permissions(&p, perm).unwrap();
        assert!(write_atomic(&p, b"new\n").is_err());
        assert_eq!(fs::read_to_string(&p).unwrap(), "old\n");
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
    }
}
