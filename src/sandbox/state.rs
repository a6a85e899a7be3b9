//! The emulator's state as plain data: accounts, issued tokens, sessions,
//! transactions and the ledger of requests. No HTTP types here: http.rs
//! calls these methods under a `std::sync::Mutex` that is never held across
//! an `.await`.
//!
//! Ids are deterministic (counter based), so tests can predict them:
//! transaction ids `<account>.<22 base62 chars>`, invoice numbers
//! `INV-<year>-<0000>`, invoice URLs `<base_url>/v1/files/f-<12 hex>`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Datelike, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::error::{ApiError, ApiErrorKind};
use super::model::{
    EventError, EventKind, InvoiceChannel, InvoiceInfo, KraviaProductConfig, SessionRecord,
    TransactionEvent, TransactionRecord, TransactionStatus,
};
use super::validate::{PayRequest, SessionPayRequest, SessionRequest, ValidOrder};

/// `Dintero-Feature-Toggles` value refusing any reused reference.
pub const STRICT_REFERENCE: &str = "strict-merchant-reference";
/// `Dintero-Feature-Toggles` value refusing a reference with a successful transaction.
pub const STRICT_SUCCESS_REFERENCE: &str = "strict-success-merchant-reference";
/// Error code of a refusal under a strict toggle (Dintero's own is undocumented).
pub const DUPLICATE_CODE: &str = "DUPLICATE_MERCHANT_REFERENCE";

/// An API client of an account (client credentials).
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    /// `T` + 8 digits (test) or `P` + 8 digits.
    pub account_id: String,
    /// Client id.
    pub client_id: String,
    /// Client secret (never printed by `Debug`).
    pub client_secret: String,
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("account_id", &self.account_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

/// The headers of a request that the ledger and transactions keep.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestMeta {
    /// `Dintero-Feature-Toggles`, split on commas and trimmed.
    pub toggles: Vec<String>,
    /// `Dintero-System-Name`.
    pub system_name: Option<String>,
    /// `Dintero-System-Version`.
    pub system_version: Option<String>,
}

impl RequestMeta {
    fn has(&self, toggle: &str) -> bool {
        self.toggles.iter().any(|t| t == toggle)
    }
}

/// One request received by the sandbox (the `Authorization` header is never kept).
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerRequest {
    /// HTTP method.
    pub method: String,
    /// Path, e.g. `/v1/sessions/pay`.
    pub path: String,
    /// Query string, if any.
    pub query: Option<String>,
    /// Body as JSON (`Null` if empty, a JSON string if not valid JSON).
    pub body: Value,
    /// Feature toggles sent.
    pub toggles: Vec<String>,
    /// `Dintero-System-Name` sent.
    pub system_name: Option<String>,
    /// `Dintero-System-Version` sent.
    pub system_version: Option<String>,
    /// Status answered; `None` when no response was delivered (connection
    /// dropped by a fault, or the client gave up first).
    pub status_code: Option<u16>,
    /// Arrival time.
    pub received_at: DateTime<Utc>,
}

/// A snapshot of everything the sandbox received and created.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ledger {
    /// Every request, in arrival order.
    pub requests: Vec<LedgerRequest>,
    /// Every transaction (FAILED ones included), in creation order.
    pub transactions: Vec<TransactionRecord>,
    /// Every session (one-step ones included), in creation order.
    pub sessions: Vec<SessionRecord>,
}

impl Ledger {
    /// Transactions with this merchant reference, oldest first.
    pub fn transactions_by_reference(&self, reference: &str) -> Vec<&TransactionRecord> {
        self.transactions
            .iter()
            .filter(|t| t.merchant_reference == reference)
            .collect()
    }

    /// Transactions with this reference in AUTHORIZED, CAPTURED or PARTIALLY_CAPTURED.
    pub fn successful_by_reference(&self, reference: &str) -> Vec<&TransactionRecord> {
        self.transactions
            .iter()
            .filter(|t| t.merchant_reference == reference && t.status.is_success())
            .collect()
    }

    /// The transaction with this id.
    pub fn transaction(&self, id: &str) -> Option<&TransactionRecord> {
        self.transactions.iter().find(|t| t.id == id)
    }

    /// Requests with this method and path.
    pub fn requests_to(&self, method: &str, path: &str) -> Vec<&LedgerRequest> {
        self.requests
            .iter()
            .filter(|r| r.method == method && r.path == path)
            .collect()
    }
}

/// A freshly issued access token.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The bearer token.
    pub access_token: String,
    /// Lifetime in seconds (rounded up).
    pub expires_in: u64,
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken")
            .field("access_token", &"<redacted>")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// Whether a new transaction is authorized or refused (`fail_status` fault).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// AUTHORIZED with an invoice.
    Authorize,
    /// FAILED with a `DO_NOT_RETRY` event error.
    Fail,
}

struct TokenGrant {
    account_id: String,
    /// `None`: a lifetime too large to represent, i.e. never.
    expires_at: Option<Instant>,
}

/// The emulator's state.
pub struct State {
    accounts: Vec<Account>,
    token_lifetime: Duration,
    base_url: String,
    token_key: u64,
    tokens: HashMap<String, TokenGrant>,
    sessions: Vec<SessionRecord>,
    session_orders: HashMap<String, ValidOrder>,
    transactions: Vec<TransactionRecord>,
    requests: Vec<LedgerRequest>,
    next_token: u64,
    next_session: u64,
    next_transaction: u64,
    next_invoice: u64,
    next_event: u64,
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// 22 base62-ish characters derived from a tag and a counter.
fn short_id(tag: &str, n: u64) -> String {
    let digest = Sha256::digest(format!("{tag}:{n}").as_bytes());
    digest
        .iter()
        .take(22)
        .map(|b| char::from(BASE62[usize::from(*b) % BASE62.len()]))
        .collect()
}

impl State {
    /// New empty state. `token_key` salts the token signatures.
    pub fn new(
        accounts: Vec<Account>,
        token_lifetime: Duration,
        base_url: String,
        token_key: u64,
    ) -> Self {
        Self {
            accounts,
            token_lifetime,
            base_url,
            token_key,
            tokens: HashMap::new(),
            sessions: Vec::new(),
            session_orders: HashMap::new(),
            transactions: Vec::new(),
            requests: Vec::new(),
            next_token: 1,
            next_session: 1,
            next_transaction: 1,
            next_invoice: 1,
            next_event: 1,
        }
    }

    // ----- authentication -----

    /// Checks client credentials for account `aid`: 401 if unknown, 403 if
    /// the client belongs to another account.
    pub fn authenticate_client(
        &self,
        aid: &str,
        client_id: &str,
        secret: &str,
    ) -> Result<(), ApiError> {
        let account = self
            .accounts
            .iter()
            .find(|a| a.client_id == client_id && a.client_secret == secret)
            .ok_or_else(|| ApiError::unauthorized("invalid client credentials"))?;
        if account.account_id != aid {
            return Err(ApiError::new(
                ApiErrorKind::Forbidden,
                "FORBIDDEN",
                format!("client {client_id} has no access to account {aid}"),
            ));
        }
        Ok(())
    }

    /// Issues a bearer token for `aid` (call `authenticate_client` first).
    pub fn issue_token(
        &mut self,
        aid: &str,
        client_id: &str,
        now: Instant,
        now_utc: DateTime<Utc>,
    ) -> IssuedToken {
        let n = self.next_token;
        self.next_token += 1;
        let lifetime = self.token_lifetime;
        let expires_in = lifetime.as_secs() + u64::from(lifetime.subsec_nanos() > 0);
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let claims = json!({
            "iss": format!("{}/v1/accounts/{aid}", self.base_url),
            "aud": format!("/v1/accounts/{aid}"),
            "sub": client_id,
            "iat": now_utc.timestamp(),
            "exp": now_utc.timestamp().saturating_add(i64::try_from(expires_in).unwrap_or(i64::MAX)),
            "jti": n,
        });
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string().as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(Sha256::digest(
            format!("{}.{header}.{payload}", self.token_key).as_bytes(),
        ));
        let access_token = format!("{header}.{payload}.{signature}");
        self.tokens.insert(
            access_token.clone(),
            TokenGrant {
                account_id: aid.to_owned(),
                expires_at: now.checked_add(lifetime),
            },
        );
        IssuedToken {
            access_token,
            expires_in,
        }
    }

    /// The account a bearer token grants access to; 401 if unknown or expired.
    pub fn authenticate(&self, token: &str, now: Instant) -> Result<String, ApiError> {
        match self.tokens.get(token) {
            None => Err(ApiError::unauthorized("unknown access token")),
            Some(grant) if grant.expires_at.is_some_and(|exp| now >= exp) => {
                Err(ApiError::unauthorized("access token expired"))
            }
            Some(grant) => Ok(grant.account_id.clone()),
        }
    }

    // ----- ids -----

    fn new_event_id(&mut self) -> String {
        let n = self.next_event;
        self.next_event += 1;
        format!("ev-{n:06}")
    }

    fn event(
        &mut self,
        event: EventKind,
        success: bool,
        amount: i64,
        now: DateTime<Utc>,
        status: TransactionStatus,
    ) -> TransactionEvent {
        TransactionEvent {
            id: self.new_event_id(),
            event,
            success,
            amount,
            created_at: now,
            transaction_status: status,
            metadata: BTreeMap::new(),
            error: None,
        }
    }

    // ----- duplicate prevention -----

    fn check_toggles(
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

    // ----- creation -----

    fn new_session_id(&mut self, account: &str) -> String {
        let n = self.next_session;
        self.next_session += 1;
        format!("{account}.{}", short_id("session", n))
    }

    #[allow(clippy::too_many_arguments)]
    fn new_transaction(
        &mut self,
        account: &str,
        session_id: &str,
        order: &ValidOrder,
        product: KraviaProductConfig,
        billing_address: Value,
        meta: &RequestMeta,
        outcome: Outcome,
        now: DateTime<Utc>,
    ) -> TransactionRecord {
        let n = self.next_transaction;
        self.next_transaction += 1;
        let id = format!("{account}.{}", short_id("transaction", n));
        let amount = order.amount;
        let mut events = Vec::new();
        let (status, invoice) = match outcome {
            Outcome::Authorize => {
                let k = self.next_invoice;
                self.next_invoice += 1;
                let date = now.date_naive();
                let due_date = date + chrono::Days::new(u64::from(product.days_until_due));
                let file_id = format!(
                    "f-{}",
                    &hex::encode(Sha256::digest(format!("file:{k}").as_bytes()))[..12]
                );
                let invoice = InvoiceInfo {
                    number: format!("INV-{}-{k:04}", date.year()),
                    id: format!("KI-{k:06}"),
                    url: format!("{}/v1/files/{file_id}", self.base_url),
                    file_id,
                    creditor_id: format!("CR-{account}"),
                    date,
                    due_date,
                };
                let mut authorize = self.event(
                    EventKind::Authorize,
                    true,
                    amount,
                    now,
                    TransactionStatus::Authorized,
                );
                authorize.metadata = BTreeMap::from([
                    (
                        "kravia:invoice_date".to_owned(),
                        date.format("%Y-%m-%d").to_string(),
                    ),
                    (
                        "kravia:invoice_due_date".to_owned(),
                        due_date.format("%Y-%m-%d").to_string(),
                    ),
                    ("kravia:invoice_number".to_owned(), invoice.number.clone()),
                    ("kravia:invoice_id".to_owned(), invoice.id.clone()),
                    ("kravia:creditor_id".to_owned(), invoice.creditor_id.clone()),
                ]);
                events.push(authorize);
                if product.invoice_channel == InvoiceChannel::Kravia {
                    let initiate = self.event(
                        EventKind::InitiateCapture,
                        true,
                        amount,
                        now,
                        TransactionStatus::Authorized,
                    );
                    events.push(initiate);
                }
                (TransactionStatus::Authorized, Some(invoice))
            }
            Outcome::Fail => {
                let mut authorize = self.event(
                    EventKind::Authorize,
                    false,
                    amount,
                    now,
                    TransactionStatus::Failed,
                );
                authorize.error = Some(EventError {
                    code: "INVOICE_REJECTED".to_owned(),
                    message: "Kravia rejected the invoice (sandbox fault: fail_status)".to_owned(),
                    retry_codes: vec!["DO_NOT_RETRY".to_owned()],
                });
                events.push(authorize);
                (TransactionStatus::Failed, None)
            }
        };
        let record = TransactionRecord {
            id,
            account_id: account.to_owned(),
            session_id: session_id.to_owned(),
            status,
            amount,
            captured_amount: 0,
            currency: order.currency.clone(),
            merchant_reference: order.merchant_reference.clone(),
            merchant_reference_2: order.merchant_reference_2.clone(),
            payment_product_type: product.product,
            invoice_channel: product.invoice_channel,
            days_until_due: product.days_until_due,
            created_at: now,
            updated_at: now,
            invoice,
            events,
            items: order.items.clone(),
            billing_address,
            system_name: meta.system_name.clone(),
            system_version: meta.system_version.clone(),
            toggles: meta.toggles.clone(),
        };
        self.transactions.push(record.clone());
        record
    }

    /// One-step `POST /v1/sessions/pay`: checks the toggles, then creates a
    /// session and its transaction.
    pub fn create_pay(
        &mut self,
        account: &str,
        req: PayRequest,
        meta: &RequestMeta,
        outcome: Outcome,
        now: DateTime<Utc>,
    ) -> Result<TransactionRecord, ApiError> {
        self.check_toggles(account, &req.order.merchant_reference, meta, None)?;
        let session_id = self.new_session_id(account);
        let product = KraviaProductConfig {
            product: req.product,
            days_until_due: req.days_until_due,
            invoice_channel: req.channel,
        };
        let mut order_json = req.order.raw.clone();
        if let Some(o) = order_json.as_object_mut() {
            o.remove("billing_address");
        }
        let tx = self.new_transaction(
            account,
            &session_id,
            &req.order,
            product,
            req.billing_address,
            meta,
            outcome,
            now,
        );
        self.sessions.push(SessionRecord {
            id: session_id,
            account_id: account.to_owned(),
            merchant_reference: req.order.merchant_reference.clone(),
            order: order_json,
            url: req.url,
            configuration: json!({ "kravia": {
                "type": "payment_type",
                req.product.config_key(): {
                    "type": "payment_product_type",
                    "enabled": true,
                    "days_until_due": req.days_until_due,
                    "invoice_channel": req.channel.as_str(),
                }
            }}),
            products: vec![product],
            one_step: true,
            created_at: now,
            transaction_id: Some(tx.id.clone()),
        });
        Ok(tx)
    }

    /// Two-step step 1, `POST /v1/sessions`.
    pub fn create_session(
        &mut self,
        account: &str,
        req: SessionRequest,
        meta: &RequestMeta,
        now: DateTime<Utc>,
    ) -> Result<SessionRecord, ApiError> {
        self.check_toggles(account, &req.order.merchant_reference, meta, None)?;
        let id = self.new_session_id(account);
        let session = SessionRecord {
            id: id.clone(),
            account_id: account.to_owned(),
            merchant_reference: req.order.merchant_reference.clone(),
            order: req.order.raw.clone(),
            url: req.url,
            configuration: req.configuration,
            products: req.products,
            one_step: false,
            created_at: now,
            transaction_id: None,
        };
        self.session_orders.insert(id, req.order);
        self.sessions.push(session.clone());
        Ok(session)
    }

    /// A session of `account`; 404 if unknown.
    pub fn session(&self, account: &str, id: &str) -> Result<&SessionRecord, ApiError> {
        self.sessions
            .iter()
            .find(|s| s.id == id && s.account_id == account)
            .ok_or_else(|| ApiError::not_found(format!("session {id} not found")))
    }

    /// Two-step step 2, `POST /v1/sessions/{id}/pay`. A session whose
    /// transaction FAILED may be paid again; any other paid session is a 400.
    pub fn pay_session(
        &mut self,
        account: &str,
        session_id: &str,
        req: SessionPayRequest,
        meta: &RequestMeta,
        outcome: Outcome,
        now: DateTime<Utc>,
    ) -> Result<TransactionRecord, ApiError> {
        let session = self.session(account, session_id)?;
        if let Some(tx_id) = &session.transaction_id {
            let status = self
                .transactions
                .iter()
                .find(|t| &t.id == tx_id)
                .map(|t| t.status);
            if status != Some(TransactionStatus::Failed) {
                return Err(ApiError::bad_request(
                    "SESSION_ALREADY_PAID",
                    format!("session {session_id} is already paid by transaction {tx_id}"),
                ));
            }
        }
        let Some(product) = session
            .products
            .iter()
            .find(|p| p.product == req.product)
            .copied()
        else {
            return Err(ApiError::bad_request(
                "PAYMENT_PRODUCT_TYPE_NOT_ENABLED",
                format!(
                    "{} is not enabled in the session's configuration.kravia",
                    req.product.as_str()
                ),
            ));
        };
        let reference = session.merchant_reference.clone();
        self.check_toggles(account, &reference, meta, Some(session_id))?;
        let Some(order) = self.session_orders.get(session_id).cloned() else {
            return Err(ApiError::bad_request(
                "SESSION_NOT_PAYABLE",
                format!("session {session_id} cannot be paid"),
            ));
        };
        let tx = self.new_transaction(
            account,
            session_id,
            &order,
            product,
            req.billing_address,
            meta,
            outcome,
            now,
        );
        if let Some(s) = self.sessions.iter_mut().find(|s| s.id == session_id) {
            s.transaction_id = Some(tx.id.clone());
        }
        Ok(tx)
    }

    // ----- transactions -----

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

    fn transaction_mut(
        &mut self,
        account: Option<&str>,
        id: &str,
    ) -> Result<&mut TransactionRecord, ApiError> {
        self.transactions
            .iter_mut()
            .find(|t| t.id == id && account.is_none_or(|a| t.account_id == a))
            .ok_or_else(|| ApiError::not_found(format!("transaction {id} not found")))
    }

    /// `POST /v1/transactions/{id}/void`: AUTHORIZED or PARTIALLY_CAPTURED
    /// become AUTHORIZATION_VOIDED with a VOID event of the unpaid amount.
    pub fn void(
        &mut self,
        account: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<TransactionRecord, ApiError> {
        let tx = self.transaction_mut(Some(account), id)?;
        if !matches!(
            tx.status,
            TransactionStatus::Authorized | TransactionStatus::PartiallyCaptured
        ) {
            return Err(ApiError::bad_request(
                "INVALID_TRANSACTION_STATUS",
                format!(
                    "cannot void transaction {id} in status {}: void is allowed on AUTHORIZED and PARTIALLY_CAPTURED",
                    tx.status.as_str()
                ),
            ));
        }
        let remaining = tx.amount - tx.captured_amount;
        let event = self.event(
            EventKind::Void,
            true,
            remaining,
            now,
            TransactionStatus::AuthorizationVoided,
        );
        let tx = self.transaction_mut(Some(account), id)?;
        tx.status = TransactionStatus::AuthorizationVoided;
        tx.updated_at = now;
        tx.events.push(event);
        Ok(tx.clone())
    }

    /// `POST /v1/transactions/{id}/capture`: only for `invoice_channel:
    /// merchant`; starts collection (an INITIATE_CAPTURE event, status stays
    /// AUTHORIZED until paid). The amount must be the whole invoice.
    pub fn capture(
        &mut self,
        account: &str,
        id: &str,
        amount: i64,
        now: DateTime<Utc>,
    ) -> Result<TransactionRecord, ApiError> {
        let tx = self.transaction_mut(Some(account), id)?;
        if tx.invoice_channel != InvoiceChannel::Merchant {
            return Err(ApiError::bad_request(
                "CAPTURE_NOT_ALLOWED",
                format!(
                    "transaction {id} has invoice_channel kravia: Kravia starts collection itself; capture is only for invoice_channel merchant"
                ),
            ));
        }
        if tx.status != TransactionStatus::Authorized {
            return Err(ApiError::bad_request(
                "INVALID_TRANSACTION_STATUS",
                format!(
                    "cannot capture transaction {id} in status {}",
                    tx.status.as_str()
                ),
            ));
        }
        if tx
            .events
            .iter()
            .any(|e| e.event == EventKind::InitiateCapture)
        {
            return Err(ApiError::bad_request(
                "CAPTURE_ALREADY_INITIATED",
                format!("collection of transaction {id} was already initiated"),
            ));
        }
        if amount != tx.amount {
            return Err(ApiError::bad_request(
                "INVALID_AMOUNT",
                format!(
                    "amount must equal the invoice amount {}, got {amount}",
                    tx.amount
                ),
            ));
        }
        let event = self.event(
            EventKind::InitiateCapture,
            true,
            amount,
            now,
            TransactionStatus::Authorized,
        );
        let tx = self.transaction_mut(Some(account), id)?;
        tx.updated_at = now;
        tx.events.push(event);
        Ok(tx.clone())
    }

    /// The customer paid `amount` (all of the rest if `None`): CAPTURE event,
    /// status CAPTURED when fully paid, else PARTIALLY_CAPTURED.
    pub fn mark_paid(
        &mut self,
        id: &str,
        amount: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<TransactionRecord, ApiError> {
        let tx = self.transaction_mut(None, id)?;
        if !matches!(
            tx.status,
            TransactionStatus::Authorized | TransactionStatus::PartiallyCaptured
        ) {
            return Err(ApiError::bad_request(
                "INVALID_TRANSACTION_STATUS",
                format!(
                    "cannot mark transaction {id} paid in status {}",
                    tx.status.as_str()
                ),
            ));
        }
        let remaining = tx.amount - tx.captured_amount;
        let paid = amount.unwrap_or(remaining);
        if paid <= 0 || paid > remaining {
            return Err(ApiError::bad_request(
                "INVALID_AMOUNT",
                format!("paid amount must be between 1 and the unpaid {remaining}, got {paid}"),
            ));
        }
        let status = if paid == remaining {
            TransactionStatus::Captured
        } else {
            TransactionStatus::PartiallyCaptured
        };
        let event = self.event(EventKind::Capture, true, paid, now, status);
        let tx = self.transaction_mut(None, id)?;
        tx.captured_amount += paid;
        tx.status = status;
        tx.updated_at = now;
        tx.events.push(event);
        Ok(tx.clone())
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

    // ----- ledger -----

    /// Records a request; returns its index for `set_request_status`.
    pub fn record_request(&mut self, request: LedgerRequest) -> usize {
        self.requests.push(request);
        self.requests.len() - 1
    }

    /// Sets the status answered to request `index`.
    pub fn set_request_status(&mut self, index: usize, status: Option<u16>) {
        if let Some(r) = self.requests.get_mut(index) {
            r.status_code = status;
        }
    }

    /// A snapshot of the ledger.
    pub fn ledger(&self) -> Ledger {
        Ledger {
            requests: self.requests.clone(),
            transactions: self.transactions.clone(),
            sessions: self.sessions.clone(),
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::validate;

    const AID: &str = "T12345678";

    fn state() -> State {
        State::new(
            vec![Account {
                account_id: AID.into(),
                client_id: "c".into(),
                client_secret: "s".into(),
            }],
            Duration::from_secs(60),
            "http://127.0.0.1:1".into(),
            42,
        )
    }

    fn pay(reference: &str, product: &str) -> PayRequest {
        let billing = if product == "kravia.invoice_b2c" {
            json!({"first_name": "Kari", "last_name": "Nordmann", "email": "kari@example.no", "phone_number": "+4798765432",
                   "address_line": "Lillegata 5", "postal_code": "5003", "postal_place": "Bergen", "country": "NO"})
        } else {
            json!({"first_name": "Ola", "last_name": "Nordmann", "business_name": "Nordmann AS", "organization_number": "123456789",
                   "email": "ola@nordmann.no", "phone_number": "+4799999999", "address_line": "Storgata 1",
                   "postal_code": "0151", "postal_place": "Oslo", "country": "NO"})
        };
        let body = json!({
            "payment": {"payment_product_type": product, "operation": "invoice_payment", "days_until_due": 30},
            "session": {"order": {"amount": 29900, "currency": "NOK", "vat_amount": 5980, "merchant_reference": reference,
                "items": [{"description": "x", "quantity": 1, "amount": 29900, "vat": 25, "line_id": "1"}],
                "billing_address": billing}}
        });
        validate::pay_request(&body).expect("valid body")
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-15T10:30:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|_| Utc::now())
    }

    fn strict(toggle: &str) -> RequestMeta {
        RequestMeta {
            toggles: vec![toggle.to_owned()],
            ..RequestMeta::default()
        }
    }

    #[test]
    fn create_pay_builds_an_authorized_invoice() {
        let mut s = state();
        let tx = s
            .create_pay(
                AID,
                pay("r1", "kravia.invoice_b2b"),
                &RequestMeta::default(),
                Outcome::Authorize,
                now(),
            )
            .expect("created");
        assert!(tx.id.starts_with("T12345678."));
        assert_eq!(tx.id.len(), "T12345678.".len() + 22);
        assert_eq!(tx.status, TransactionStatus::Authorized);
        let inv = tx.invoice.clone().expect("invoice");
        assert_eq!(inv.number, "INV-2026-0001");
        assert!(inv.url.starts_with("http://127.0.0.1:1/v1/files/f-"));
        assert_eq!(inv.due_date.to_string(), "2026-02-14");
        let kinds: Vec<_> = tx.events.iter().map(|e| e.event).collect();
        assert_eq!(
            kinds,
            vec![EventKind::Authorize, EventKind::InitiateCapture]
        );
        let json = tx.to_pay_response();
        assert_eq!(json["metadata"]["kravia:invoice_number"], "INV-2026-0001");
        assert_eq!(
            json["events"][0]["metadata"]["kravia:invoice_due_date"],
            "2026-02-14"
        );
        assert_eq!(json["success"], true);
        let second = s
            .create_pay(
                AID,
                pay("r2", "kravia.invoice_b2c"),
                &RequestMeta::default(),
                Outcome::Authorize,
                now(),
            )
            .expect("created");
        assert_eq!(
            second.invoice.map(|i| i.number).as_deref(),
            Some("INV-2026-0002")
        );
        assert_ne!(second.id, tx.id);
        assert_eq!(s.ledger().sessions.len(), 2);
    }

    #[test]
    fn ids_are_deterministic() {
        let mut a = state();
        let mut b = state();
        let ta = a.create_pay(
            AID,
            pay("r", "kravia.invoice_b2b"),
            &RequestMeta::default(),
            Outcome::Authorize,
            now(),
        );
        let tb = b.create_pay(
            AID,
            pay("r", "kravia.invoice_b2b"),
            &RequestMeta::default(),
            Outcome::Authorize,
            now(),
        );
        assert_eq!(ta.map(|t| t.id), tb.map(|t| t.id));
    }

    #[test]
    fn toggles() {
        let mut s = state();
        let failed = s
            .create_pay(
                AID,
                pay("r", "kravia.invoice_b2b"),
                &RequestMeta::default(),
                Outcome::Fail,
                now(),
            )
            .expect("created");
        assert_eq!(failed.status, TransactionStatus::Failed);
        assert!(failed.invoice.is_none());
        // A FAILED attempt used the reference, but was not a success.
        let err = s
            .create_pay(
                AID,
                pay("r", "kravia.invoice_b2b"),
                &strict(STRICT_REFERENCE),
                Outcome::Authorize,
                now(),
            )
            .unwrap_err();
        assert_eq!(err.code.as_deref(), Some(DUPLICATE_CODE));
        assert!(err.message.contains("\"r\""));
        let ok = s
            .create_pay(
                AID,
                pay("r", "kravia.invoice_b2b"),
                &strict(STRICT_SUCCESS_REFERENCE),
                Outcome::Authorize,
                now(),
            )
            .expect("retry after failure allowed");
        let err = s
            .create_pay(
                AID,
                pay("r", "kravia.invoice_b2b"),
                &strict(STRICT_SUCCESS_REFERENCE),
                Outcome::Authorize,
                now(),
            )
            .unwrap_err();
        assert!(err.message.contains(&ok.id));
        // Voided invoices do not block a new one.
        s.void(AID, &ok.id, now()).expect("void");
        assert!(
            s.create_pay(
                AID,
                pay("r", "kravia.invoice_b2b"),
                &strict(STRICT_SUCCESS_REFERENCE),
                Outcome::Authorize,
                now()
            )
            .is_ok()
        );
    }

    #[test]
    fn void_and_mark_paid_rules() {
        let mut s = state();
        let tx = s
            .create_pay(
                AID,
                pay("r", "kravia.invoice_b2b"),
                &RequestMeta::default(),
                Outcome::Authorize,
                now(),
            )
            .expect("created");
        let part = s.mark_paid(&tx.id, Some(10000), now()).expect("partial");
        assert_eq!(part.status, TransactionStatus::PartiallyCaptured);
        assert!(
            s.mark_paid(&tx.id, Some(20000), now()).is_err(),
            "more than unpaid"
        );
        let voided = s.void(AID, &tx.id, now()).expect("void partially captured");
        assert_eq!(voided.status, TransactionStatus::AuthorizationVoided);
        assert_eq!(voided.events.last().map(|e| e.amount), Some(19900));
        let err = s.void(AID, &tx.id, now()).unwrap_err();
        assert!(err.message.contains("AUTHORIZATION_VOIDED"));
        let tx2 = s
            .create_pay(
                AID,
                pay("r2", "kravia.invoice_b2b"),
                &RequestMeta::default(),
                Outcome::Authorize,
                now(),
            )
            .expect("created");
        let paid = s.mark_paid(&tx2.id, None, now()).expect("paid");
        assert_eq!(paid.status, TransactionStatus::Captured);
        assert_eq!(
            paid.events.last().map(|e| e.event),
            Some(EventKind::Capture)
        );
        assert!(
            s.void(AID, &tx2.id, now())
                .unwrap_err()
                .message
                .contains("CAPTURED")
        );
    }

    #[test]
    fn listing_paginates_in_creation_order() {
        let mut s = state();
        let mut ids = Vec::new();
        for r in ["a", "b", "a", "a", "c", "a"] {
            let tx = s
                .create_pay(
                    AID,
                    pay(r, "kravia.invoice_b2b"),
                    &RequestMeta::default(),
                    Outcome::Authorize,
                    now(),
                )
                .expect("created");
            if r == "a" {
                ids.push(tx.id);
            }
        }
        let page1 = s.list_transactions(AID, Some("a"), 3, None).expect("page");
        assert_eq!(
            page1.iter().map(|t| t.id.clone()).collect::<Vec<_>>(),
            ids[..3]
        );
        let page2 = s
            .list_transactions(AID, Some("a"), 3, Some(&ids[2]))
            .expect("page");
        assert_eq!(
            page2.iter().map(|t| t.id.clone()).collect::<Vec<_>>(),
            ids[3..]
        );
        assert!(s.list_transactions(AID, None, 10, Some("nope")).is_err());
        assert_eq!(
            s.list_transactions(AID, None, 100, None).map(|v| v.len()),
            Ok(6)
        );
        assert_eq!(
            s.list_transactions("T00000000", None, 100, None)
                .map(|v| v.len()),
            Ok(0)
        );
    }

    #[test]
    fn tokens_expire() {
        let mut s = state();
        assert!(s.authenticate_client(AID, "c", "bad").is_err());
        assert_eq!(
            s.authenticate_client("T99999999", "c", "s")
                .map_err(|e| e.kind),
            Err(ApiErrorKind::Forbidden)
        );
        s.authenticate_client(AID, "c", "s")
            .expect("good credentials");
        let t0 = Instant::now();
        let tok = s.issue_token(AID, "c", t0, now());
        assert_eq!(tok.expires_in, 60);
        assert_eq!(s.authenticate(&tok.access_token, t0).as_deref(), Ok(AID));
        assert!(
            s.authenticate(&tok.access_token, t0 + Duration::from_secs(61))
                .is_err()
        );
        assert!(s.authenticate("garbage", t0).is_err());
        assert!(!format!("{tok:?}").contains(&tok.access_token));
    }

    #[test]
    fn merchant_channel_capture() {
        let mut s = state();
        let mut req = pay("m", "kravia.invoice_b2b");
        req.channel = InvoiceChannel::Merchant;
        let tx = s
            .create_pay(AID, req, &RequestMeta::default(), Outcome::Authorize, now())
            .expect("created");
        assert_eq!(
            tx.events.len(),
            1,
            "no INITIATE_CAPTURE until the merchant captures"
        );
        assert!(s.capture(AID, &tx.id, 1, now()).is_err());
        let captured = s.capture(AID, &tx.id, 29900, now()).expect("capture");
        assert_eq!(
            captured.events.last().map(|e| e.event),
            Some(EventKind::InitiateCapture)
        );
        assert!(s.capture(AID, &tx.id, 29900, now()).is_err());
        let kravia = s
            .create_pay(
                AID,
                pay("k", "kravia.invoice_b2b"),
                &RequestMeta::default(),
                Outcome::Authorize,
                now(),
            )
            .expect("created");
        assert!(s.capture(AID, &kravia.id, 29900, now()).is_err());
    }

    #[test]
    fn fake_pdf() {
        let mut s = state();
        let tx = s
            .create_pay(
                AID,
                pay("r", "kravia.invoice_b2b"),
                &RequestMeta::default(),
                Outcome::Authorize,
                now(),
            )
            .expect("created");
        let file_id = tx.invoice.map(|i| i.file_id).unwrap_or_default();
        let pdf = s.file(AID, &file_id).expect("pdf");
        assert!(pdf.starts_with(b"%PDF-1.4"));
        assert!(s.file(AID, "f-nope").is_none());
    }
}
