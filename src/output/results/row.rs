//! One invoice of the results file ([`ResultRow`]), its [`ResultStatus`], and the
//! [`COLUMNS`] every format writes in this order.
//!
//! Kept apart from the formats so that each format module (`csv`, `json`, `xlsx`) and the
//! shared reading code depend on the row, and nothing here depends on them.

/// Column names, in the order they are written.
pub const COLUMNS: [&str; 15] = [
    "merchant_reference",
    "status",
    "transaction_id",
    "invoice_number",
    "invoice_url",
    "amount",
    "currency",
    "customer",
    "rows",
    "error",
    "transaction_status",
    "status_checked_at",
    "status_changed_at",
    "invoice_date",
    "due_date",
];

/// What happened to one invoice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ResultStatus {
    /// Kravia created the invoice in this run.
    Created,
    /// An invoice with this merchant reference was already there; not created again.
    AlreadyExists,
    /// Kravia refused it (the `error` column says why).
    Failed,
    /// The request was sent but the answer was lost (timeout, dropped connection): the
    /// invoice may or may not exist; check before sending again.
    Unknown,
    /// Never sent (the run stopped, or an earlier problem blocked it).
    #[default]
    NotSent,
}

impl ResultStatus {
    pub const ALL: [ResultStatus; 5] = [
        ResultStatus::Created,
        ResultStatus::AlreadyExists,
        ResultStatus::Failed,
        ResultStatus::Unknown,
        ResultStatus::NotSent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ResultStatus::Created => "created",
            ResultStatus::AlreadyExists => "already_exists",
            ResultStatus::Failed => "failed",
            ResultStatus::Unknown => "unknown",
            ResultStatus::NotSent => "not_sent",
        }
    }

    /// Parses the written form; surrounding spaces and case are forgiven (Excel users).
    pub fn parse(s: &str) -> Option<ResultStatus> {
        let s = s.trim();
        ResultStatus::ALL
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s))
    }
}

impl std::fmt::Display for ResultStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One invoice in the results file.
///
/// `status` is a plain [`ResultStatus`] (default [`ResultStatus::NotSent`]) rather than
/// an `Option`: every written row has a status, so there is no "none" to write.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ResultRow {
    pub merchant_reference: String,
    pub status: ResultStatus,
    pub transaction_id: Option<String>,
    pub invoice_number: Option<String>,
    pub invoice_url: Option<String>,
    /// Total in minor units (øre/cents).
    pub amount: i64,
    pub currency: String,
    pub customer: String,
    /// The input rows of the invoice, as the caller describes them.
    pub rows: String,
    pub error: Option<String>,
    /// Filled by the later `status` command; empty for now.
    pub transaction_status: Option<String>,
    pub status_checked_at: Option<String>,
    pub status_changed_at: Option<String>,
    /// Kravia's invoice date (`kravia:invoice_date`, `2026-11-30`): what the accountant
    /// books the invoice by.
    pub invoice_date: Option<String>,
    /// Kravia's due date (`kravia:invoice_due_date`).
    pub due_date: Option<String>,
}
/// An optional text as a cell: empty when there is none.
pub(super) fn or_empty(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("")
}
