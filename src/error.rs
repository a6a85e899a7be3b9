//! One error type for every command, and the one place its exit code is chosen.
//!
//! Why: the wrappers an accountant runs stop on the exit code (0-5, documented in the
//! README), so the code must follow from *what went wrong*, never from which call site
//! happened to fail. Each boundary's typed error converts in with `?` (`#[from]`), and
//! [`Error::exit`] maps kinds to codes. Errors made at the edge (a refusal, a usage
//! mistake) say which kind they are by their variant, not by a number.
//!
//! The rendering (one line `a: b: c` on stderr, and a JSON object in `--format json`)
//! is `cli`'s; this module only says what happened and how the process ends.

use crate::exit::Exit;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input cannot be read (exit 3 when the file system is at fault, else 1).
    #[error(transparent)]
    Input(#[from] crate::input::InputError),
    /// The mapping file cannot be read or understood.
    #[error(transparent)]
    MappingFile(#[from] crate::mapping::MappingFileError),
    /// A setting (flag, environment, config file) is wrong.
    #[error(transparent)]
    Settings(#[from] crate::config::ConfigFileError),
    /// An output would replace an input or another output (a usage mistake).
    #[error(transparent)]
    OutputPath(#[from] crate::output::paths::OutputPathError),
    /// The annotated copy cannot be written (a usage mistake, a bad input, or the disk).
    #[error(transparent)]
    Annotate(#[from] crate::output::annotate::AnnotateError),
    /// Another run holds the journal or the account.
    #[error(transparent)]
    Lock(#[from] crate::run::lock::LockError),
    /// The journal cannot be read or written.
    #[error(transparent)]
    Journal(#[from] crate::run::journal::JournalError),
    /// Dintero (or the client's setup) failed for good.
    #[error(transparent)]
    Api(#[from] crate::dintero::error::ApiError),
    /// The file's invoices (or a plan) are refused: nothing was sent.
    #[error(transparent)]
    Refused(anyhow::Error),
    /// The command line asks for something that cannot be.
    #[error(transparent)]
    Usage(anyhow::Error),
    /// The environment is at fault: settings, credentials, the file system, the network.
    #[error(transparent)]
    Setup(anyhow::Error),
    /// Stopped before the end (Ctrl-C, a server that only refuses): run it again.
    #[error(transparent)]
    Incomplete(anyhow::Error),
}

/// What a command returns: how it ended, or why it failed.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The process exit code of this error: the only place one is chosen for a failure.
    pub fn exit(&self) -> Exit {
        match self {
            Error::Input(e) if e.is_io() => Exit::Config,
            Error::Input(_) | Error::Refused(_) => Exit::InputErrors,
            Error::Annotate(e) if e.is_usage() => Exit::Usage,
            Error::Annotate(crate::output::annotate::AnnotateError::Input(i)) if !i.is_io() => {
                Exit::InputErrors
            }
            Error::Usage(_) | Error::OutputPath(_) => Exit::Usage,
            Error::Incomplete(_) => Exit::Incomplete,
            Error::MappingFile(_)
            | Error::Settings(_)
            | Error::Lock(_)
            | Error::Journal(_)
            | Error::Api(_)
            | Error::Annotate(_)
            | Error::Setup(_) => Exit::Config,
        }
    }

    /// A refusal of the input (exit 1) with these words.
    pub fn refused(message: impl std::fmt::Display) -> Error {
        Error::Refused(anyhow::anyhow!("{message}"))
    }

    /// A usage mistake (exit 2) with these words.
    pub fn usage(message: impl std::fmt::Display) -> Error {
        Error::Usage(anyhow::anyhow!("{message}"))
    }

    /// An environment failure (exit 3): any error, with the context already added.
    pub fn setup(error: impl Into<anyhow::Error>) -> Error {
        Error::Setup(error.into())
    }

    /// A settings error, naming the config file when a value of it is at fault.
    pub fn settings(loaded: &crate::config::Loaded, e: crate::config::ConfigFileError) -> Error {
        match (&e, &loaded.path) {
            (crate::config::ConfigFileError::Value(_), Some(path)) => Error::Setup(
                anyhow::Error::new(e)
                    .context(format!("{} has a setting to correct", path.display())),
            ),
            _ => Error::Settings(e),
        }
    }

    /// An incomplete run (exit 5) with these words.
    pub fn incomplete(message: impl std::fmt::Display) -> Error {
        Error::Incomplete(anyhow::anyhow!("{message}"))
    }
}

/// Adds words to any error and makes it an environment failure (exit 3), as
/// `anyhow::Context` does: `journal.open().setup_context(|| "cannot open ...")?`.
pub trait SetupContext<T> {
    fn setup_context<C: std::fmt::Display + Send + Sync + 'static>(
        self,
        context: impl FnOnce() -> C,
    ) -> Result<T>;
}

impl<T, E: Into<anyhow::Error>> SetupContext<T> for std::result::Result<T, E> {
    fn setup_context<C: std::fmt::Display + Send + Sync + 'static>(
        self,
        context: impl FnOnce() -> C,
    ) -> Result<T> {
        self.map_err(|e| Error::Setup(e.into().context(context())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_its_documented_exit_code() {
        assert_eq!(Error::refused("x").exit(), Exit::InputErrors);
        assert_eq!(Error::usage("x").exit(), Exit::Usage);
        assert_eq!(Error::setup(anyhow::anyhow!("x")).exit(), Exit::Config);
        assert_eq!(Error::incomplete("x").exit(), Exit::Incomplete);
        let io = crate::input::InputError::Io {
            path: "a.csv".into(),
            source: std::io::Error::other("gone"),
        };
        assert_eq!(Error::from(io).exit(), Exit::Config);
        let empty = crate::input::InputError::Empty {
            path: "a.csv".into(),
        };
        assert_eq!(Error::from(empty).exit(), Exit::InputErrors);
    }

    #[test]
    fn context_is_kept_in_the_chain() {
        let r: std::result::Result<(), std::io::Error> = Err(std::io::Error::other("disk full"));
        let e = r.setup_context(|| "cannot write r.csv").unwrap_err();
        let chain: Vec<String> = anyhow::Error::from(e)
            .chain()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(chain, ["cannot write r.csv", "disk full"]);
    }
}
