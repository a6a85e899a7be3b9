//! What the journal holds about an invoice, as plain values: what was registered
//! ([`InvoiceEntry`]), where it stands ([`Status`], [`Recorded`]). Shared by the queries
//! and the writer, and by the scheduler and the commands that read them.

/// One invoice of the input, as registered in the journal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceEntry {
    /// The merchant reference (unique per run; Dintero looks invoices up by it).
    pub reference: String,
    /// Hash of the invoice's content; a resumed run compares it with the input.
    pub content_hash: String,
    /// Total amount in minor units.
    pub amount: i64,
    /// ISO 4217 currency code.
    pub currency: String,
    /// The customer, as support staff recognise it (name and/or number).
    pub customer: String,
    /// The input rows the invoice came from, e.g. `"12-15"`.
    pub rows: String,
}

/// Where an invoice stands (`invoices.status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Status {
    /// Registered, never sent.
    #[default]
    Pending,
    /// Two-step flow: the session exists (its id is recorded), its pay call was never
    /// sent. A resumed run pays this session rather than creating another.
    SessionCreated,
    /// An intent is recorded, no outcome yet. After a crash this means
    /// UNKNOWN: look the reference up before sending again.
    Sending,
    /// Dintero created the invoice.
    Created,
    /// The invoice existed already (found by lookup or reported as a duplicate).
    AlreadyExists,
    /// Dintero refused it, or it failed for good.
    Failed,
    /// The outcome could not be established.
    Unknown,
    /// Invalid in the input, or skipped: never to be sent by this run.
    NotSent,
}

impl Status {
    /// Every status, in lifecycle order.
    pub const ALL: [Status; 8] = [
        Status::Pending,
        Status::SessionCreated,
        Status::Sending,
        Status::Created,
        Status::AlreadyExists,
        Status::Failed,
        Status::Unknown,
        Status::NotSent,
    ];

    /// The stored form: `pending`, `sending`, `created`, `already_exists`,
    /// `failed`, `unknown`, `not_sent`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::SessionCreated => "session_created",
            Status::Sending => "sending",
            Status::Created => "created",
            Status::AlreadyExists => "already_exists",
            Status::Failed => "failed",
            Status::Unknown => "unknown",
            Status::NotSent => "not_sent",
        }
    }

    /// Parses the stored form; `None` for anything else.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|status| status.as_str() == s)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An invoice's recorded state. As an argument of
/// [`JournalWriter::outcome`], `None` fields keep their stored value and
/// `attempts` is ignored.
///
/// [`JournalWriter::outcome`]: crate::run::journal::JournalWriter::outcome
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Recorded {
    /// Where the invoice stands.
    pub status: Status,
    /// How many intents were recorded (requests about to be sent).
    pub attempts: u32,
    /// Dintero's session id.
    pub session_id: Option<String>,
    /// Dintero's transaction id.
    pub transaction_id: Option<String>,
    /// Kravia's invoice number.
    pub invoice_number: Option<String>,
    /// Link to the invoice.
    pub invoice_url: Option<String>,
    /// The transaction's status as Dintero reported it.
    pub transaction_status: Option<String>,
    /// The last error, for support staff.
    pub error: Option<String>,
    /// Kravia's invoice date and due date (`kravia:invoice_date`, `kravia:invoice_due_date`).
    pub invoice_date: Option<String>,
    pub due_date: Option<String>,
}

/// One invoice as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// What was registered.
    pub entry: InvoiceEntry,
    /// What happened to it.
    pub recorded: Recorded,
}

/// An invoice already in the journal whose content differs from the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Changed {
    /// The invoice's reference.
    pub reference: String,
    /// The hash the journal holds (kept).
    pub journal_hash: String,
    /// The hash of the input now.
    pub input_hash: String,
}
