//! One import at a time: per journal, and per Dintero account.
//!
//! Two imports of the same file at once would share a journal; the second used to die
//! midway with a journal error. Two imports of different files (or the same file with
//! different `--results` paths) to the same account would each pass the duplicate check
//! before the other had sent anything, and only the server's uniqueness rule would stop
//! the second invoice. So an import holds two locks for its whole run, taken before
//! anything is sent:
//!
//! - `<journal>.lock` beside the journal: a second run of the same results path refuses
//!   at the start;
//! - `import-<account key>.lock` in the data folder (when there is one): a second import
//!   to the same account and API, whatever its file, refuses at the start. When the
//!   first run ends, its invoices are in the local record, and the second run's
//!   duplicate check finds them.
//!
//! The locks are advisory OS file locks (`flock` on Unix, `LockFileEx` on Windows,
//! through `std::fs::File::try_lock`): the OS releases them when the process dies, so a
//! crash or SIGKILL never leaves a stale lock behind. The file holds who holds it (pid,
//! start time, input), for the refusal message; it is removed when the run ends.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Why a lock could not be taken.
#[derive(thiserror::Error, Debug)]
pub enum LockError {
    #[error(
        "another kravia-batch import is running {what} ({holder}); nothing was sent. Wait for it to finish (or stop it), then run this command again"
    )]
    Held { what: String, holder: String },
    #[error(
        "cannot create the lock file {path}: {source}; nothing was sent. Check that its folder exists and is writable, or name another --results path"
    )]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A held lock; released (and its file removed) when dropped.
#[derive(Debug)]
pub struct RunLock {
    file: File,
    path: PathBuf,
}

impl RunLock {
    /// Takes the lock at `path` or says who holds it. `what` says what it guards, for the
    /// message ("with the journal x", "for account T123"); `about` is written into the
    /// file for the next refusal ("input november.csv").
    pub fn acquire(path: &Path, what: &str, about: &str) -> Result<RunLock, LockError> {
        let io = |source| LockError::Io {
            path: path.to_path_buf(),
            source,
        };
        // A run that ended removes its file while holding the lock: a file opened just
        // before that removal is locked in vain, so the path is checked again after.
        for _ in 0..8 {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)
                .map_err(io)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    let _ = file.take(4096).read_to_string(&mut holder);
                    let holder = match holder.trim() {
                        "" => "process unknown".to_string(),
                        h => h.to_string(),
                    };
                    return Err(LockError::Held {
                        what: what.to_string(),
                        holder,
                    });
                }
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
            if !still_at(&file, path) {
                continue;
            }
            let note = format!(
                "pid {}, started {}, {about}",
                std::process::id(),
                chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            );
            file.set_len(0).map_err(io)?;
            file.seek(SeekFrom::Start(0)).map_err(io)?;
            file.write_all(note.as_bytes()).map_err(io)?;
            file.flush().map_err(io)?;
            return Ok(RunLock {
                file,
                path: path.to_path_buf(),
            });
        }
        Err(io(std::io::Error::other(
            "the lock file kept being replaced",
        )))
    }

    /// Where the lock file is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Whether the open file is still the one at `path`.
fn still_at(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // Removed while still held, so no other run can hold a lock on a removed file
        // (see `acquire`); the OS releases the lock when the file is closed.
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_first_ones_note() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let first = RunLock::acquire(&path, "with the journal x", "input a.csv").unwrap();
        let err = RunLock::acquire(&path, "with the journal x", "input b.csv").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("with the journal x"), "{text}");
        assert!(
            text.contains(&format!("pid {}", std::process::id())),
            "{text}"
        );
        assert!(text.contains("input a.csv"), "{text}");
        drop(first);
        assert!(!path.exists());
        let again = RunLock::acquire(&path, "with the journal x", "input b.csv").unwrap();
        assert_eq!(again.path(), path);
    }
}
