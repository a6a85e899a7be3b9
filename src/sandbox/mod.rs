//! The sandbox: a local emulator of Dintero's Kravia API, so that
//! kravia-batch can be tested and rehearsed without network or credentials.
//!
//! It serves the endpoints kravia-batch uses (auth token, one-step and
//! two-step Kravia payments, transaction lookup, void, capture, invoice
//! files) on a loopback port, validates bodies like the real API, records a
//! ledger of every request and transaction, and injects faults on demand
//! (rate limits, latency, 5xx, dropped or slow responses after commit,
//! spurious 401s, FAILED transactions).
//!
//! Layout: `state` (plain data and rules), `validate` (request bodies),
//! `http` (axum router), `faults` (fault injection), `conn` (connections
//! that can be cut), `model` (domain records and their JSON), `error`.
//!
//! The Rust API: `config` ([`SandboxConfig`]), `server` ([`start`],
//! [`SandboxHandle`], the Ctrl-C loop), `blocking` ([`BlockingSandbox`] for
//! synchronous tests), `control` ([`SandboxControl`], the methods both handles
//! dereference to) and `shared` (what the handles and the HTTP handlers
//! share). This file only re-exports: the parts depend on each other, never on it.

mod blocking;
mod config;
mod conn;
mod control;
mod error;
mod faults;
mod http;
mod model;
mod server;
mod shared;
mod state;
mod validate;

pub use blocking::{BlockingSandbox, start_blocking, start_blocking_on};
pub use config::SandboxConfig;
pub use control::SandboxControl;
pub use error::{ApiError, ApiErrorKind, FieldError, SandboxError};
pub use faults::{FaultRule, Faults};
pub use model::{
    EventError, EventKind, InvoiceChannel, InvoiceInfo, ProductType, SessionRecord,
    TransactionEvent, TransactionRecord, TransactionStatus,
};
pub use server::{SandboxHandle, serve_until_ctrl_c, serve_until_ctrl_c_with, start};
pub use state::{
    Account, DUPLICATE_CODE, Ledger, LedgerRequest, STRICT_REFERENCE, STRICT_SUCCESS_REFERENCE,
};
