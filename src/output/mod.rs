//! What the tool writes: summaries, reports, payload files, progress.
//!
//! Files are written atomically (a temporary file in the same folder, then a rename), so
//! a crash never leaves half a report or results file where a wrapper script looks.

pub mod actions;
pub mod annotate;
pub mod formula;
pub mod paths;
pub mod progress;
pub mod report;
pub mod results;
pub mod status;
pub mod stdout;
pub mod summary;

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

/// Writes a file through `fill`, then renames it into place.
pub fn atomic_write(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    paths::check_target(path)?;
    let tmp = temp_file_in(dir)?;
    {
        let mut w = BufWriter::new(tmp.as_file());
        fill(&mut w)?;
        w.flush()?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
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
