//! The route table: which handler answers which of Dintero's endpoints.
//!
//! One table for the whole API, so that what the sandbox serves can be read at a
//! glance; every route passes the ledger middleware, and unknown paths get
//! Dintero's 404 body rather than axum's empty one.

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};

use super::auth::token;
use super::ledger::ledger_layer;
use super::pay::{pay_session, sessions_pay};
use super::request::AppState;
use super::respond::not_found;
use super::sessions::{create_session, create_session_profile, get_session};
use super::transactions::{
    capture_transaction, get_file, get_transaction, list_transactions, void_transaction,
};

/// The sandbox's router. Serve it with `ConnectInfo<ConnHandle>` (see conn.rs)
/// so that `drop_after_commit` can cut connections.
pub(crate) fn router(shared: AppState) -> Router {
    Router::new()
        .route("/v1/accounts/{aid}/auth/token", post(token))
        .route("/v1/sessions/pay", post(sessions_pay))
        .route("/v1/sessions", post(create_session))
        .route("/v1/sessions-profile", post(create_session_profile))
        .route("/v1/sessions/{id}", get(get_session))
        .route("/v1/sessions/{id}/pay", post(pay_session))
        .route("/v1/transactions", get(list_transactions))
        .route("/v1/transactions/{id}", get(get_transaction))
        .route("/v1/transactions/{id}/void", post(void_transaction))
        .route("/v1/transactions/{id}/capture", post(capture_transaction))
        .route("/v1/files/{file_id}", get(get_file))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(shared.clone(), ledger_layer))
        .with_state(shared)
}
