//! Where the tool may write.
//!
//! Every file the tool writes is filled under a temporary name and renamed into place, so
//! it replaces whatever the path names. That is right for last run's report and wrong for
//! the accountant's export, a device node or a folder. So, before any work starts, a
//! command's outputs are checked against its inputs and against each other
//! ([`check_outputs`]), and every atomic write refuses a target that is not an ordinary
//! file ([`check_target`]), whoever calls it.

use std::path::{Path, PathBuf};

/// A path a command reads or writes, with the name the user gave it (`--report`, ...).
#[derive(Clone, Copy, Debug)]
pub struct Named<'a> {
    pub role: &'static str,
    pub path: &'a Path,
}

impl<'a> Named<'a> {
    pub fn new(role: &'static str, path: &'a Path) -> Named<'a> {
        Named { role, path }
    }
}

/// Why a path may not be written.
#[derive(thiserror::Error, Debug)]
pub enum OutputPathError {
    #[error(
        "{path} cannot be the {role}: that is the {input} file this command reads, and writing the {role} would replace it. Name another file for the {role}"
    )]
    IsAnInput {
        role: &'static str,
        path: PathBuf,
        input: &'static str,
    },
    #[error(
        "the {role} and the {other} both name {path}: one would replace the other. Give each its own file"
    )]
    Twice {
        role: &'static str,
        other: &'static str,
        path: PathBuf,
    },
    #[error(
        "the {role} {path} is {kind}, not an ordinary file: kravia-batch replaces the file it writes. Name an ordinary file"
    )]
    NotAFile {
        role: &'static str,
        path: PathBuf,
        kind: &'static str,
    },
}

/// Refuses outputs that name an input, each other, or something that is not an ordinary
/// file. Inputs that do not exist are skipped (their own reader reports them).
pub fn check_outputs(inputs: &[Named], outputs: &[Named]) -> Result<(), OutputPathError> {
    for (i, out) in outputs.iter().enumerate() {
        if let Some(kind) = not_a_file(out.path) {
            return Err(OutputPathError::NotAFile {
                role: out.role,
                path: out.path.to_path_buf(),
                kind,
            });
        }
        if let Some(input) = inputs.iter().find(|i| same_file(i.path, out.path)) {
            return Err(OutputPathError::IsAnInput {
                role: out.role,
                path: out.path.to_path_buf(),
                input: input.role,
            });
        }
        if let Some(other) = outputs[..i].iter().find(|o| same_path(o.path, out.path)) {
            return Err(OutputPathError::Twice {
                role: out.role,
                other: other.role,
                path: out.path.to_path_buf(),
            });
        }
    }
    Ok(())
}

/// The check every atomic write makes on its target: an error unless the path is free
/// or an ordinary file (a rename would replace a device node, a FIFO or a link).
pub fn check_target(path: &Path) -> std::io::Result<()> {
    match not_a_file(path) {
        None => Ok(()),
        Some(kind) => Err(std::io::Error::other(format!(
            "{} is {kind}, not an ordinary file: name an ordinary file",
            path.display()
        ))),
    }
}

/// What an existing path is when it is not an ordinary file (links are not followed:
/// the rename would replace the link itself).
fn not_a_file(path: &Path) -> Option<&'static str> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    let t = meta.file_type();
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some("a folder");
    }
    if t.is_symlink() {
        return Some("a symbolic link");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a named pipe (FIFO)");
        }
        if t.is_char_device() || t.is_block_device() {
            return Some("a device");
        }
        if t.is_socket() {
            return Some("a socket");
        }
    }
    Some("not an ordinary file")
}

/// Whether two paths name the same existing file (also through links and `..`).
pub fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    matches!(
        (std::fs::canonicalize(a), std::fs::canonicalize(b)),
        (Ok(x), Ok(y)) if x == y
    )
}

/// Whether two output paths will be one file: the same existing file, or the same name
/// in the same folder.
fn same_path(a: &Path, b: &Path) -> bool {
    same_file(a, b) || matches!((resolved(a), resolved(b)), (Some(x), Some(y)) if x == y)
}

/// The path with its folder resolved (the file itself need not exist yet).
fn resolved(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(dir).ok()?.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_over_an_input_is_refused_also_through_another_spelling() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.csv");
        std::fs::write(&input, "x").unwrap();
        let other = dir.path().join(".").join("in.csv");
        let err = check_outputs(
            &[Named::new("input", &input)],
            &[Named::new("report", &other)],
        )
        .unwrap_err();
        assert!(matches!(err, OutputPathError::IsAnInput { .. }), "{err}");
    }

    #[test]
    fn two_outputs_to_one_new_path_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("out.csv");
        let b = dir.path().join("sub").join("..").join("out.csv");
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let err =
            check_outputs(&[], &[Named::new("report", &a), Named::new("results", &b)]).unwrap_err();
        assert!(matches!(err, OutputPathError::Twice { .. }), "{err}");
    }

    #[test]
    fn folders_and_devices_are_not_targets() {
        let dir = tempfile::tempdir().unwrap();
        assert!(check_target(dir.path()).is_err());
        #[cfg(unix)]
        assert!(check_target(Path::new("/dev/null")).is_err());
        assert!(check_target(&dir.path().join("new.csv")).is_ok());
    }
}
