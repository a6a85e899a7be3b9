//! Words for the user besides the summary: why nothing was sent, warnings, notices.
//!
//! Why a type: in `--format json` the wrappers read stdout only, so a refusal or a
//! warning printed straight to stderr never reached them. Every such sentence goes
//! through [`Notices::say`]: it is shown on stderr at once (as before, so a person sees
//! it while the run goes on) and kept, and the renderer adds the kept ones to the JSON
//! document as `notices`.

use std::sync::{Arc, Mutex, PoisonError};

/// The notices of one command; clones share them (threads of the run may add).
#[derive(Clone, Default, Debug)]
pub struct Notices(Arc<Mutex<Vec<String>>>);

impl Notices {
    pub fn new() -> Notices {
        Notices::default()
    }

    /// Shows `text` on stderr now and keeps it for the JSON output.
    #[allow(clippy::print_stderr, reason = "the one place notices are shown")]
    pub fn say(&self, text: impl Into<String>) {
        let text = text.into();
        eprintln!("{text}");
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(text);
    }

    /// Everything said so far, in order.
    pub fn all(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}
