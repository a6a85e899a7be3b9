//! The live run: pacing, the write-ahead journal, and the scheduler that sends each
//! invoice exactly once.

pub mod journal;
pub mod lifecycle;
pub mod lock;
pub mod pacing;
pub mod policy;
pub mod registry;
pub mod scheduler;

/// How an invoice is created.
#[derive(
    clap::ValueEnum,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Flow {
    /// `POST /v1/sessions/pay`: one request per invoice.
    #[default]
    OneStep,
    /// `POST /v1/sessions`, then `POST /v1/sessions/{id}/pay`.
    TwoStep,
}

impl Flow {
    pub fn as_str(self) -> &'static str {
        match self {
            Flow::OneStep => "one-step",
            Flow::TwoStep => "two-step",
        }
    }
}
