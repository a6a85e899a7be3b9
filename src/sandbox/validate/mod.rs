//! Request-body validation, mirroring what Dintero checks on the Kravia
//! endpoints (see `dintero-api.md` and the Kravia page's examples).
//!
//! Works on `serde_json::Value` so that any malformed body becomes a 400
//! listing every problem, never a panic, and turns valid bodies into small
//! typed requests for the state (state/).
//!
//! Split by the part of the request a file checks, so that a rule is found where
//! the field is: `fields` (the primitive checks and the error collector),
//! `requests` (the typed results), `order` (amounts, items, VAT), `address`
//! (billing address), `url` (the session's `url` object), and one file per
//! endpoint family that puts them together: `pay`, `session`, `capture`, `token`.
//! This file only re-exports: the parts depend on each other, never on it.

mod address;
mod capture;
mod fields;
mod order;
mod pay;
mod requests;
mod session;
mod token;
mod url;

pub use capture::capture_request;
pub use pay::{pay_request, session_pay_request};
pub use requests::{PayRequest, SessionPayRequest, SessionRequest, ValidOrder};
pub use session::{session_profile_request, session_request};
pub use token::token_request;

#[cfg(test)]
mod tests;
