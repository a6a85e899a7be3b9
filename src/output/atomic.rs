//! Writing a file atomically: filled under a temporary name in the target's folder,
//! synced, then renamed into place.
//!
//! Why: a crash, a full disk or a refused write must never leave half a report, results
//! file or annotated copy where a wrapper script (or the accountant) looks for it; the
//! old file stays until the new one is complete. Every writer of `output` goes through
//! [`atomic_write_file`], so each also gets the target check of [`super::paths`].

use super::paths;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// A temporary file in `dir` that becomes an ordinary file when renamed into place:
/// tempfile makes its files private (0600), but a report, results file or invoice PDF
/// should get the permissions any other file the user saves gets (0666 less the umask).
pub fn temp_file_in(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".kravia-batch-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(dir)
}

/// The folder a file goes in (`.` for a bare file name).
pub fn folder(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Fills a temporary file next to `path` through `fill`, then renames it into place; on
/// any error the temporary file is removed and `path` is left as it was. `io` turns the
/// errors of the file itself into the caller's error type.
pub fn atomic_write_file<E>(
    path: &Path,
    io: impl Fn(std::io::Error) -> E,
    fill: impl FnOnce(&File) -> Result<(), E>,
) -> Result<(), E> {
    paths::check_target(path).map_err(&io)?;
    let tmp = temp_file_in(folder(path)).map_err(&io)?;
    fill(tmp.as_file())?;
    tmp.as_file().sync_all().map_err(&io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// Writes a file through `fill` (buffered), then renames it into place.
pub fn atomic_write(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    atomic_write_file(
        path,
        |e| e,
        |file| {
            let mut w = BufWriter::new(file);
            fill(&mut w)?;
            w.flush()
        },
    )
}

/// Writes one JSON document per line.
pub fn write_json_lines<T: serde::Serialize>(
    path: &Path,
    items: impl Iterator<Item = T>,
) -> std::io::Result<()> {
    atomic_write(path, |w| {
        for item in items {
            serde_json::to_writer(&mut *w, &item)?;
            w.write_all(b"\n")?;
        }
        Ok(())
    })
}
