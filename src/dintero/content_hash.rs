//! The content hash of an invoice, next to the bodies it is computed from.
//!
//! Why: the journal and the plan both recognise "the same invoice" by this hash, so it
//! must be computed from the request body the payload module builds, in one place. It
//! hashes the canonical one-step body without the session's `url`
//! ([`super::payload::content_body`]): the invoice, not the settings it is sent with.

use super::payload::{content_body, legacy_content_body};
use crate::model::Invoice;
use sha2::{Digest, Sha256};

/// SHA-256 (hex) of the invoice's canonical body.
pub fn content_hash(invoice: &Invoice) -> String {
    let body = serde_json::to_vec(&content_body(invoice)).unwrap_or_default();
    hex::encode(Sha256::digest(&body))
}

/// The content hash kravia-batch 0.1.0 recorded before issue #17 made bodies canonical
/// (`payload::legacy_content_body`). A journal entry with this hash is the same invoice.
pub fn legacy_content_hash(invoice: &Invoice) -> String {
    let body = serde_json::to_vec(&legacy_content_body(invoice)).unwrap_or_default();
    hex::encode(Sha256::digest(&body))
}
