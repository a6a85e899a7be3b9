//! Reading and acting on existing transactions: look-up by id, listing by
//! reference or by filter (paged), void, capture, and invoice downloads.
//!
//! None of these creates an invoice, so the scheduler may retry them freely; the
//! one guard here is [`Client::download`]'s, which sends the token only to the
//! configured Dintero hosts.

use reqwest::{Method, StatusCode, Url};

use super::transport::{Client, decode, encode};
use crate::dintero::error::{ApiError, Outcome};
use crate::dintero::types::{Transaction, VoidOutcome};

impl Client {
    /// `GET {checkout}/transactions/{id}`.
    pub async fn transaction(&self, id: &str) -> Result<Transaction, ApiError> {
        self.get(self.checkout_url(&["transactions", id])).await
    }

    /// Every transaction with `merchant_reference` (oldest first):
    /// `GET {checkout}/transactions?merchant_reference=…&limit=…&starting_after=…`,
    /// paging until a page is shorter than the limit.
    pub async fn transactions_by_reference(
        &self,
        reference: &str,
    ) -> Result<Vec<Transaction>, ApiError> {
        let limit = self.inner.options.page_size.clamp(1, 100);
        let mut all = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut url = self.checkout_url(&["transactions"]);
            {
                let mut query = url.query_pairs_mut();
                query
                    .append_pair("merchant_reference", reference)
                    .append_pair("limit", &limit.to_string());
                if let Some(after) = &after {
                    query.append_pair("starting_after", after);
                }
            }
            let page: Vec<Transaction> = self.get(url).await?;
            let full = page.len() >= limit as usize;
            let last = page.last().map(|t| t.id.clone());
            all.extend(page);
            match last {
                // A server repeating the cursor would loop forever.
                Some(id) if full && after.as_deref() != Some(id.as_str()) => after = Some(id),
                _ => break,
            }
        }
        Ok(all)
    }

    /// One page of `GET {checkout}/transactions` with `filter`, after the
    /// transaction `starting_after` (the last id of the previous page). A page
    /// shorter than `filter.limit` is the last one.
    pub async fn transactions_page(
        &self,
        filter: &TransactionFilter,
        starting_after: Option<&str>,
    ) -> Result<Vec<Transaction>, ApiError> {
        let mut url = self.checkout_url(&["transactions"]);
        {
            let mut query = url.query_pairs_mut();
            for p in &filter.payment_product_types {
                query.append_pair("payment_product_type", p);
            }
            for s in &filter.statuses {
                query.append_pair("status", s);
            }
            if let Some(gte) = &filter.created_gte {
                query.append_pair("created_at.gte", gte);
            }
            if let Some(lte) = &filter.created_lte {
                query.append_pair("created_at.lte", lte);
            }
            query.append_pair("limit", &filter.limit.clamp(1, 100).to_string());
            if let Some(after) = starting_after {
                query.append_pair("starting_after", after);
            }
        }
        self.get(url).await
    }

    /// `POST {checkout}/transactions/{id}/void` (no body): 200 with the
    /// transaction, or 202 (processed later).
    pub async fn void(&self, id: &str) -> Result<VoidOutcome, ApiError> {
        let url = self.checkout_url(&["transactions", id, "void"]);
        let reply = self.call(Method::POST, url, None, true).await?;
        if reply.status == StatusCode::OK && !reply.body.is_empty() {
            Ok(VoidOutcome::Voided(Box::new(decode(&reply)?)))
        } else {
            Ok(VoidOutcome::Accepted)
        }
    }

    /// `POST {checkout}/transactions/{id}/capture` with `{"amount": …}`
    /// (only for `invoice_channel: merchant`).
    pub async fn capture(&self, id: &str, amount: i64) -> Result<Transaction, ApiError> {
        let url = self.checkout_url(&["transactions", id, "capture"]);
        let body = encode(
            &format!("POST {}", url.path()),
            &serde_json::json!({ "amount": amount }),
        )?;
        decode(&self.call(Method::POST, url, Some(body), true).await?)
    }

    /// Downloads a file (the invoice PDF) with the bearer token. The URL
    /// must be on the configured api or checkout origin: the token is never
    /// sent anywhere else.
    pub async fn download(&self, url: &str) -> Result<Vec<u8>, ApiError> {
        let label = format!("GET {url}");
        let parsed = Url::parse(url)
            .map_err(|e| ApiError::local(label.clone(), Outcome::Rejected, e.to_string()))?;
        let origin = parsed.origin();
        if origin != self.inner.api.origin() && origin != self.inner.checkout.origin() {
            return Err(ApiError::local(
                label,
                Outcome::Rejected,
                "refusing to send the access token to a host other than the configured Dintero hosts",
            ));
        }
        Ok(self.call(Method::GET, parsed, None, true).await?.body)
    }
}

/// Filters of `GET /v1/transactions` (see `dintero-api.md`): a window of the
/// account's transactions, listed a page at a time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TransactionFilter {
    /// `payment_product_type` (repeatable), e.g. `kravia.invoice_b2b`.
    pub payment_product_types: Vec<String>,
    /// `status` (repeatable), e.g. `AUTHORIZED`.
    pub statuses: Vec<String>,
    /// `created_at.gte`, ISO 8601.
    pub created_gte: Option<String>,
    /// `created_at.lte`, ISO 8601.
    pub created_lte: Option<String>,
    /// Page size, 1..=100.
    pub limit: u32,
}
