//! The session endpoints of the two-step flow: create (plain or from a checkout
//! profile) and read.
//!
//! The sandbox knows one checkout profile, `default`; what a body's
//! `configuration` says wins over it, product by product, as Dintero documents.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use serde_json::json;

use super::request::{AppState, Posted, gate, gate_json};
use super::respond::{error_response, json_response, try_response};
use crate::sandbox::error::ApiError;
use crate::sandbox::model::{InvoiceChannel, KraviaProductConfig, ProductType};
use crate::sandbox::state::RequestMeta;
use crate::sandbox::validate;

pub(super) async fn create_session(
    State(shared): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Posted {
        account,
        meta,
        value,
    } = try_response!(gate_json(&shared, &headers, &body).await);
    let req = try_response!(validate::session_request(&value));
    session_created(&shared, &account, req, &meta)
}

/// Creates the session of either endpoint and answers with its id and URL.
fn session_created(
    shared: &AppState,
    account: &str,
    req: validate::SessionRequest,
    meta: &RequestMeta,
) -> Response {
    let created = shared
        .state()
        .create_session(account, req, meta, Utc::now());
    let session = try_response!(created);
    let base = shared.base_url();
    json_response(
        StatusCode::OK,
        &json!({ "id": session.id, "url": format!("{base}/v1/view/{}", session.id) }),
    )
}

/// The checkout profiles the sandbox knows: `default`, enabling every Kravia product
/// (14 days, Kravia delivers), as a merchant's Backoffice profile typically would.
fn sandbox_profile(id: &str) -> Option<Vec<KraviaProductConfig>> {
    (id == "default").then(|| {
        ProductType::ALL
            .into_iter()
            .map(|product| KraviaProductConfig {
                product,
                days_until_due: 14,
                invoice_channel: InvoiceChannel::Kravia,
            })
            .collect()
    })
}

/// `POST /v1/sessions-profile`: a session from a checkout profile. What the body's
/// `configuration` says wins over the profile, product by product.
pub(super) async fn create_session_profile(
    State(shared): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Posted {
        account,
        meta,
        value,
    } = try_response!(gate_json(&shared, &headers, &body).await);
    let mut req = try_response!(validate::session_profile_request(&value));
    let profile_id = req.profile_id.clone().unwrap_or_default();
    let Some(profile) = sandbox_profile(&profile_id) else {
        return error_response(&ApiError::not_found(format!(
            "checkout profile {profile_id:?} not found (the sandbox has \"default\")"
        )));
    };
    for p in profile {
        if !req.products.iter().any(|q| q.product == p.product) {
            req.products.push(p);
        }
    }
    session_created(&shared, &account, req, &meta)
}

pub(super) async fn get_session(
    State(shared): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let account = try_response!(gate(&shared, &headers).await);
    let found = shared.state().session(&account, &id).map(|s| s.to_json());
    json_response(StatusCode::OK, &try_response!(found))
}
