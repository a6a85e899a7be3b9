//! Duplicate prevention: Dintero's `Dintero-Feature-Toggles` that refuse a
//! `merchant_reference` already used.
//!
//! Its own file because it is the emulator's answer to the question the whole
//! importer is built around (may this invoice exist already?), and both the
//! one-step and the two-step flows must ask it the same way.

use super::ledger::RequestMeta;
use super::store::State;
use crate::sandbox::error::ApiError;

/// `Dintero-Feature-Toggles` value refusing any reused reference.
pub const STRICT_REFERENCE: &str = "strict-merchant-reference";
/// `Dintero-Feature-Toggles` value refusing a reference with a successful transaction.
pub const STRICT_SUCCESS_REFERENCE: &str = "strict-success-merchant-reference";
/// Error code of a refusal under a strict toggle (Dintero's own is undocumented).
pub const DUPLICATE_CODE: &str = "DUPLICATE_MERCHANT_REFERENCE";

impl State {
    /// Refuses `reference` for `account` if a toggle in `meta` says it is taken:
    /// by another session (`this_session` excepted), or by a successful transaction.
    pub(super) fn check_toggles(
        &self,
        account: &str,
        reference: &str,
        meta: &RequestMeta,
        this_session: Option<&str>,
    ) -> Result<(), ApiError> {
        if meta.has(STRICT_REFERENCE)
            && let Some(s) = self.sessions.iter().find(|s| {
                s.account_id == account
                    && s.merchant_reference == reference
                    && Some(s.id.as_str()) != this_session
            })
        {
            return Err(ApiError::bad_request(
                DUPLICATE_CODE,
                format!(
                    "merchant_reference {reference:?} is already used by session {}",
                    s.id
                ),
            ));
        }
        if meta.has(STRICT_SUCCESS_REFERENCE)
            && let Some(t) = self.transactions.iter().find(|t| {
                t.account_id == account
                    && t.merchant_reference == reference
                    && t.status.is_success()
            })
        {
            return Err(ApiError::bad_request(
                DUPLICATE_CODE,
                format!(
                    "merchant_reference {reference:?} already has a successful transaction {} ({})",
                    t.id,
                    t.status.as_str()
                ),
            ));
        }
        Ok(())
    }
}
