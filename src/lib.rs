//! kravia-batch: turn a month's invoice export into Kravia invoices through Dintero.
//!
//! Data flows one way, and the modules follow it:
//! [`input`] (readers) -> [`mapping`] (headers to fields) -> [`model`] + [`validate`]
//! (typed invoices, pure) -> [`dintero`] (request bodies, client) -> [`output`]
//! (summaries, reports). [`cli`] wires them together; [`run`] holds the durable
//! journal of a live import; [`sandbox`] is a local Dintero emulator for rehearsals
//! and tests.

pub mod cli;
pub mod config;
pub mod dintero;
pub mod error;
pub mod exit;
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
