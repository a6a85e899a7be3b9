//! The token request body (`POST /v1/accounts/{aid}/auth/token`).
//!
//! Checked like Dintero does, so that a client sending the wrong grant or audience
//! fails in a rehearsal rather than on the first live run; the credentials
//! themselves (HTTP Basic) are the state's business (state/auth.rs).

use serde_json::Value;

use super::fields::{Errors, object};
use crate::sandbox::error::ApiError;

/// Validates a token request body for account `aid`: `grant_type` must be
/// `client_credentials` and `audience` must end with `/v1/accounts/{aid}`
/// (any host: clients use the real host string or the sandbox's).
pub fn token_request(body: &Value, aid: &str) -> Result<(), ApiError> {
    let mut errs = Errors::default();
    if let Some(m) = object(Some(body), "body", &mut errs) {
        match m.get("grant_type") {
            Some(Value::String(g)) if g == "client_credentials" => {}
            Some(_) => errs.push("grant_type", "must be \"client_credentials\""),
            None => errs.push("grant_type", "is required"),
        }
        match m.get("audience") {
            Some(Value::String(a)) if a.ends_with(&format!("/v1/accounts/{aid}")) => {}
            Some(_) => errs.push(
                "audience",
                format!("must be the account's URL, ending with /v1/accounts/{aid}"),
            ),
            None => errs.push("audience", "is required"),
        }
    }
    errs.finish(())
}
