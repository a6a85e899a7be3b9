//! The library's Dintero client (`kravia_batch::dintero::client`) for the sandbox's test
//! account, as `dintero_client.rs` and `dintero_client_transactions.rs` use it.

use super::sandbox::{ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET};
use kravia_batch::dintero::client::Client;
use kravia_batch::dintero::config::{ClientOptions, Endpoints};
use kravia_batch::dintero::credentials::Credentials;
use kravia_batch::dintero::error::ApiError;
use kravia_batch::dintero::payload;
use kravia_batch::dintero::types::Transaction;
use kravia_batch::model::Invoice;
use kravia_batch::sandbox::SandboxHandle;
use secrecy::SecretString;

/// The test account's credentials.
pub fn credentials() -> Credentials {
    Credentials::new(ACCOUNT_ID, CLIENT_ID, SecretString::from(CLIENT_SECRET)).expect("credentials")
}

/// A client of the test account for the server at `base`, with `options`.
pub fn client_with(base: &str, options: ClientOptions) -> Client {
    let endpoints = Endpoints::single_host(base).expect("endpoints");
    Client::new(credentials(), &endpoints, options).expect("client")
}

/// A client of the test account for `sb`, with the default options.
pub fn client(sb: &SandboxHandle) -> Client {
    client_with(&sb.base_url(), ClientOptions::default())
}

/// The B2B example of Dintero's Kravia page, as an invoice.
pub fn invoice(reference: &str) -> Invoice {
    payload::documented_example(reference)
}

/// Pays [`invoice`]`(reference)` through `c` in one step.
pub async fn pay_example(c: &Client, reference: &str) -> Result<Transaction, ApiError> {
    c.pay(&payload::pay_request(&invoice(reference))).await
}
