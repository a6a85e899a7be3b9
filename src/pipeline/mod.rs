//! The commands' work, as stages, between the command line and the modules that do each
//! part: `cli` parses and renders; this reads, checks, sends and records.
//!
//! - [`prepare`]: read, map and validate an export, and write the side files (report,
//!   annotated copy, payloads): the dry run is this stage alone.
//! - [`approval`]: a plan approved on one day, checked before sending on another.
//! - [`import`]: the live run, stage by stage ([`setup`], [`guard`], [`send`],
//!   [`results`], [`outcome`]).
//! - [`connection`]: the link to Dintero every network command shares.
//! - [`notice`]: the sentences for the user besides the summary.
//!
//! Why a module of its own: the import's orchestration used to live in `cli`, mixed with
//! argument parsing and printing, and `cli`'s files imported each other in a circle
//! around the validated file. Here it depends only on the layers below it.

pub mod approval;
pub mod connection;
pub mod guard;
pub mod import;
pub mod notice;
pub mod outcome;
pub mod prepare;
pub mod results;
pub mod send;
pub mod settings;
pub mod setup;
