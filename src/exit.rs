//! Exit codes, stable for wrapper scripts (documented in the README).

/// The process exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Everything went well (warnings allowed).
    Ok = 0,
    /// The input has errors: nothing would be (or was) sent.
    InputErrors = 1,
    /// The command line is wrong.
    Usage = 2,
    /// Configuration, credential or I/O error.
    Config = 3,
    /// Some invoices failed (live runs).
    SomeFailed = 4,
    /// The run is incomplete (interrupted, or outcomes unknown): run the same command again.
    Incomplete = 5,
}

impl Exit {
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e.code())
    }
}
