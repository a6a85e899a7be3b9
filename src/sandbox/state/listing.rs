//! Reads: one transaction, pages of `GET /v1/transactions`, and invoice files.
//!
//! Kept apart from the writes so that paging (creation order, `starting_after`
//! cursors, the API's filters) can be read and tested on its own; nothing here
//! changes the state.

use chrono::{DateTime, Utc};

use super::store::State;
use crate::sandbox::error::ApiError;
use crate::sandbox::model::TransactionRecord;

impl State {
    /// A transaction of `account`; 404 if unknown.
    pub fn transaction(&self, account: &str, id: &str) -> Result<&TransactionRecord, ApiError> {
        self.transactions
            .iter()
            .find(|t| t.id == id && t.account_id == account)
            .ok_or_else(|| ApiError::not_found(format!("transaction {id} not found")))
    }

    /// `GET /v1/transactions`: filtered by reference, in creation order,
    /// `limit` entries after `starting_after` (400 if that id is unknown).
    #[cfg(test)]
    pub fn list_transactions(
        &self,
        account: &str,
        reference: Option<&str>,
        limit: usize,
        starting_after: Option<&str>,
    ) -> Result<Vec<TransactionRecord>, ApiError> {
        let filter = ListFilter {
            merchant_reference: reference.map(str::to_owned),
            ..ListFilter::default()
        };
        self.list_transactions_filtered(account, &filter, limit, starting_after)
    }

    /// `GET /v1/transactions` with every filter of the API: `limit` entries after
    /// `starting_after` (400 if that id is unknown), in creation order.
    pub fn list_transactions_filtered(
        &self,
        account: &str,
        filter: &ListFilter,
        limit: usize,
        starting_after: Option<&str>,
    ) -> Result<Vec<TransactionRecord>, ApiError> {
        let start = match starting_after {
            None => 0,
            Some(after) => self
                .transactions
                .iter()
                .position(|t| t.id == after && t.account_id == account)
                .map(|pos| pos + 1)
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "INVALID_CURSOR",
                        format!("starting_after: unknown transaction {after}"),
                    )
                })?,
        };
        Ok(self
            .transactions
            .iter()
            .skip(start)
            .filter(|t| t.account_id == account && filter.matches(t))
            .take(limit)
            .cloned()
            .collect())
    }

    /// A small fake PDF for an invoice file of `account`.
    pub fn file(&self, account: &str, file_id: &str) -> Option<Vec<u8>> {
        let tx = self.transactions.iter().find(|t| {
            t.account_id == account && t.invoice.as_ref().is_some_and(|i| i.file_id == file_id)
        })?;
        let number = tx.invoice.as_ref().map_or("", |i| i.number.as_str());
        Some(
            format!(
                "%PDF-1.4\n% kravia-batch sandbox invoice\n1 0 obj << /Title ({number}) /Reference ({}) /Amount {} >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
                tx.merchant_reference, tx.amount
            )
            .into_bytes(),
        )
    }
}

/// The filters of `GET /v1/transactions` (all optional; repeatable ones match any).
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub merchant_reference: Option<String>,
    pub product_types: Vec<String>,
    pub statuses: Vec<String>,
    pub created_gte: Option<DateTime<Utc>>,
    pub created_lte: Option<DateTime<Utc>>,
}

impl ListFilter {
    fn matches(&self, t: &TransactionRecord) -> bool {
        self.merchant_reference
            .as_deref()
            .is_none_or(|r| t.merchant_reference == r)
            && (self.product_types.is_empty()
                || self
                    .product_types
                    .iter()
                    .any(|p| p == t.payment_product_type.as_str()))
            && (self.statuses.is_empty() || self.statuses.iter().any(|s| s == t.status.as_str()))
            && self.created_gte.is_none_or(|g| t.created_at >= g)
            && self.created_lte.is_none_or(|l| t.created_at <= l)
    }
}
