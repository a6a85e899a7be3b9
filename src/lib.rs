//! kravia-batch: turn a month's invoice export into Kravia invoices through Dintero.
//!
//! Data flows one way, and the modules follow it:
//! [`input`] (readers) -> [`mapping`] (headers to fields) -> [`model`] + [`validate`]
//! (typed invoices, pure) -> [`dintero`] (request bodies, client) -> [`output`]
//! (summaries, reports). [`cli`] wires them together; [`run`] holds the durable
//! journal of a live import; [`sandbox`] is a local Dintero emulator for rehearsals
//! and tests.

// The library's lints (the shared ones are in Cargo.toml's [lints]): nothing a user's
// file or the network can break may unwrap; stdout and stderr are written only by the
// renderers (`output::stdout`'s macros, notices, progress, the error line), each of
// which allows it where it does; a function over 80 lines says why.
#![deny(clippy::unwrap_used, clippy::expect_used)]
#![deny(clippy::print_stdout, clippy::print_stderr)]
#![warn(clippy::too_many_lines)]

pub mod cli;
pub mod config;
pub mod dintero;
pub mod error;
pub mod exit;
pub mod i18n;
pub mod input;
pub mod mapping;
pub mod model;
pub mod output;
pub mod pipeline;
pub mod plan;
mod prefetch;
pub mod problem;
pub mod run;
pub mod sandbox;
pub mod validate;
