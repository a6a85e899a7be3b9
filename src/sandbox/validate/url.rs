//! The `url` object of a session (`return_url`, `callback_url`).
//!
//! Its own file because the rules differ by endpoint: optional on the one-step pay
//! call, required with a `return_url` on session creation (the specification's
//! rule), and in both a `callback_url` must be https and must not point at
//! localhost, as Dintero refuses to call back into a merchant's own machine.

use serde_json::Value;

use super::fields::{Errors, optional_string};

/// `url`: optional object; a `callback_url` must be https and not localhost.
pub(super) fn url(v: Option<&Value>, field: &str, errs: &mut Errors) -> Option<Value> {
    url_checked(v, field, false, errs)
}

/// `SessionBase.url` on session creation (`POST /v1/sessions`, `/v1/sessions-profile`):
/// the object is required, and so is its `return_url` (the specification's rule).
pub(super) fn session_url(v: Option<&Value>, field: &str, errs: &mut Errors) -> Option<Value> {
    if matches!(v, None | Some(Value::Null)) {
        errs.push(field, "required object");
        return None;
    }
    url_checked(v, field, true, errs)
}

fn url_checked(
    v: Option<&Value>,
    field: &str,
    return_required: bool,
    errs: &mut Errors,
) -> Option<Value> {
    let m = match v {
        None | Some(Value::Null) => return None,
        Some(Value::Object(m)) => m,
        Some(_) => {
            errs.push(field, "must be an object");
            return None;
        }
    };
    match optional_string(m, "return_url", field, errs) {
        Some(r) if !(r.starts_with("https://") || r.starts_with("http://")) => errs.push(
            &format!("{field}.return_url"),
            "must be an http or https URL",
        ),
        Some(_) => {}
        None if return_required && !matches!(m.get("return_url"), Some(v) if !v.is_null()) => {
            errs.push(&format!("{field}.return_url"), "is required")
        }
        None => {}
    }
    if let Some(cb) = optional_string(m, "callback_url", field, errs) {
        let host = cb
            .strip_prefix("https://")
            .map(|rest| rest.split(['/', ':', '?']).next().unwrap_or(""));
        match host {
            None => errs.push(&format!("{field}.callback_url"), "must be an https URL"),
            Some(h) if h.is_empty() || h == "localhost" || h.starts_with("127.") => errs.push(
                &format!("{field}.callback_url"),
                "must not point at localhost",
            ),
            Some(_) => {}
        }
    }
    v.cloned()
}
