//! Everything that speaks Dintero's API: request bodies ([`payload`]) and the
//! HTTP client ([`client`]) with its configuration, credentials, response
//! types and classified errors.

pub mod client;
pub mod config;
pub mod content_hash;
pub mod credentials;
pub mod error;
pub mod payload;
pub mod types;
