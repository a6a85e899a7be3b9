//! Getting a run ready to send: its locks, and its journal opened, bound to where it
//! sends and holding every invoice of the file.
//!
//! Why this is careful: a journal's outcomes are the proof of what was sent. A journal
//! written by a rehearsal, or for another account, must never count for this run, and
//! an invoice that changed since the journal recorded it must not be taken for the one
//! that was sent. Both refuse here, before any request.

use super::connection::Connection;
use super::prepare::Prepared;
use crate::config::ResultsSettings;
use crate::dintero::content_hash::{content_hash, legacy_content_hash};
use crate::error::{Error, Result, SetupContext};
use crate::input::digest::file_sha256;
use crate::model::Invoice;
use crate::run::journal::{
    InvoiceEntry, Journal, META_ACCOUNT_ID, META_INPUT_PATH, META_INPUT_SHA256, META_TARGET,
    Recorded, Status,
};
use crate::run::lock::RunLock;
use crate::run::scheduler::Job;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The journal of a results file: `<results>.journal.sqlite` beside it.
pub fn journal_path(results: &Path) -> PathBuf {
    let mut name = results
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".journal.sqlite");
    results.with_file_name(name)
}

/// The lock file of a journal: `<journal>.lock` beside it.
fn lock_path(journal: &Path) -> PathBuf {
    let mut name = journal
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".lock");
    journal.with_file_name(name)
}

/// One run per journal: the lock of the results file's journal.
pub fn journal_lock(results: &Path, input: &Path) -> Result<RunLock> {
    let journal = journal_path(results);
    Ok(RunLock::acquire(
        &lock_path(&journal),
        &format!("with the journal {}", journal.display()),
        &format!("input {}", input.display()),
    )?)
}

/// The account-wide lock in the data folder (none for the in-process sandbox, which no
/// other process can reach, nor without a data folder).
pub fn account_lock(
    connection: &Connection,
    settings: &ResultsSettings,
    input: &Path,
) -> Result<Option<RunLock>> {
    let Some(dir) = settings
        .data_dir
        .as_ref()
        .filter(|_| connection.sandbox.is_none())
    else {
        return Ok(None);
    };
    std::fs::create_dir_all(&dir.value)
        .setup_context(|| format!("cannot create the data folder {}", dir.value.display()))?;
    let key = hex::encode(Sha256::digest(
        format!("{}\n{}", connection.target(), connection.account).as_bytes(),
    ));
    let path = dir.value.join(format!("import-{}.lock", &key[..16]));
    let lock = RunLock::acquire(
        &path,
        &format!(
            "for account {} at {}",
            connection.account,
            connection.target()
        ),
        &format!("input {}", input.display()),
    )?;
    Ok(Some(lock))
}

/// The input's SHA-256 and every invoice's journal entry, computed on threads of their
/// own while the client connects.
pub struct Hashing(std::thread::JoinHandle<(std::io::Result<String>, Vec<InvoiceEntry>)>);

pub fn start_hashing(invoices: &[Arc<Invoice>], input: &Path) -> Hashing {
    let (invoices, input) = (invoices.to_vec(), input.to_path_buf());
    Hashing(std::thread::spawn(move || {
        (file_sha256(&input), journal_entries(&invoices))
    }))
}

/// The journal's entry of each invoice, its body hashed (in parallel).
fn journal_entries(invoices: &[Arc<Invoice>]) -> Vec<InvoiceEntry> {
    invoices
        .par_iter()
        .map(|i| InvoiceEntry {
            reference: i.merchant_reference.clone(),
            content_hash: content_hash(i),
            amount: i.amount,
            currency: i.currency.code().to_string(),
            customer: i.customer(),
            rows: i
                .rows
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(" "),
        })
        .collect()
}

/// A run's journal, ready: every invoice registered, what earlier runs recorded known.
pub struct Opened {
    pub journal: Journal,
    pub journal_file: PathBuf,
    pub invoices: Vec<Arc<Invoice>>,
    pub recorded: HashMap<String, Recorded>,
    /// Invoices an earlier run of this journal created: "already done", not "created".
    pub earlier_created: u64,
}

impl Opened {
    /// The invoices still to send or to settle (pending, or in an unknown state).
    pub fn jobs(&self) -> Vec<Job> {
        self.invoices
            .iter()
            .map(|i| Job {
                invoice: i.clone(),
                recorded: self
                    .recorded
                    .get(&i.merchant_reference)
                    .cloned()
                    .unwrap_or_default(),
            })
            .filter(|j| {
                matches!(
                    j.recorded.status,
                    Status::Pending | Status::SessionCreated | Status::Sending | Status::Unknown
                )
            })
            .collect()
    }
}

/// Opens the results file's journal, binds it to this connection, and registers the
/// file's invoices (and its invalid ones, as not sent).
pub fn open_journal(
    p: &Prepared,
    invoices: &[Arc<Invoice>],
    connection: &Connection,
    results: &Path,
    hashing: Hashing,
) -> Result<Opened> {
    let journal_file = journal_path(results);
    let journal = Journal::open(&journal_file)
        .setup_context(|| format!("cannot open the journal {}", journal_file.display()))?;
    // A journal belongs to where it was sent: a rehearsal's outcomes must never count
    // for a live run, nor one account's for another.
    let target = connection.target();
    let account = &connection.account;
    let recorded_account = bind_journal(&journal, &journal_file, &target, account)?;
    let (input_hash, entries) = hashing
        .0
        .join()
        .map_err(|_| Error::setup(anyhow::anyhow!("internal: hashing the invoices failed")))?;
    let input_hash =
        input_hash.setup_context(|| format!("cannot read {}", p.input.file.display()))?;
    // What this run read (the latest run's input, for support staff), in one write.
    let input_path = p.input.file.display().to_string();
    let mut meta = vec![
        (META_INPUT_PATH, input_path.as_str()),
        (META_INPUT_SHA256, input_hash.as_str()),
    ];
    if recorded_account.is_none() {
        meta.push((META_ACCOUNT_ID, account.as_str()));
        meta.push((META_TARGET, target.as_str()));
    }
    journal.set_metas(&meta)?;
    register(&journal, &journal_file, &entries, invoices)?;
    register_rejected(p, &journal)?;
    let recorded: HashMap<String, Recorded> = journal.recorded()?;
    let earlier_created = recorded
        .values()
        .filter(|r| r.status == Status::Created)
        .count() as u64;
    Ok(Opened {
        journal,
        journal_file,
        invoices: invoices.to_vec(),
        recorded,
        earlier_created,
    })
}

/// Registers the invoices; refuses (nothing sent) when one changed since the journal
/// recorded it.
fn register(
    journal: &Journal,
    journal_file: &Path,
    entries: &[InvoiceEntry],
    invoices: &[Arc<Invoice>],
) -> Result<()> {
    let mut changed = journal.register(entries, false)?;
    if !changed.is_empty() {
        // A journal of an earlier version hashed the body before it was canonical: the
        // same invoice then matches its legacy hash, and its recorded state still holds.
        let by_ref: HashMap<&str, &Invoice> = invoices
            .iter()
            .map(|i| (i.merchant_reference.as_str(), i.as_ref()))
            .collect();
        changed.retain(|c| {
            by_ref
                .get(c.reference.as_str())
                .is_none_or(|i| legacy_content_hash(i) != c.journal_hash)
        });
    }
    if changed.is_empty() {
        return Ok(());
    }
    let refs: Vec<&str> = changed.iter().map(|c| c.reference.as_str()).collect();
    Err(Error::refused(format!(
        "{} invoice(s) changed since the journal {} recorded them: {}. Nothing was sent. Restore the file as it was, or start a new run with another --results path (the journal shows what was already sent).",
        refs.len(),
        journal_file.display(),
        refs.join(", ")
    )))
}

/// Every invalid invoice of the file, also one none of whose rows could be read (the
/// validator lists those too): each is a not_sent row of the results.
fn register_rejected(p: &Prepared, journal: &Journal) -> Result<()> {
    let rejected: Vec<InvoiceEntry> = p
        .validation
        .rejected
        .iter()
        .map(|r| InvoiceEntry {
            reference: r.merchant_reference.clone(),
            content_hash: String::new(),
            amount: 0,
            currency: String::new(),
            customer: String::new(),
            rows: r.first_row.to_string(),
        })
        .collect();
    if !rejected.is_empty() {
        journal.register(&rejected, true)?;
    }
    Ok(())
}

/// Checks that the journal was written by runs to this target and account (or is new),
/// and returns the account it records. A journal of an older version, which recorded the
/// account but not the target, is adopted only while it holds no outcome.
fn bind_journal(
    journal: &Journal,
    journal_file: &Path,
    target: &str,
    account: &str,
) -> Result<Option<String>> {
    let recorded_account = journal.meta(META_ACCOUNT_ID)?;
    let recorded_target = journal.meta(META_TARGET)?;
    let elsewhere = |was: &str| {
        Error::setup(anyhow::anyhow!(
            "the journal {} records a run to {was}, and this run goes to {target} (account {account}); nothing was sent. Its outcomes say nothing about this account: use another --results path",
            journal_file.display()
        ))
    };
    match (&recorded_target, &recorded_account) {
        (Some(t), _) if t != target => return Err(elsewhere(t)),
        (_, Some(a)) if a != account => return Err(elsewhere(&format!("account {a}"))),
        (None, Some(a)) => {
            let settled = journal
                .recorded()?
                .values()
                .any(|r| !matches!(r.status, Status::Pending | Status::NotSent) || r.attempts > 0);
            if settled {
                return Err(Error::setup(anyhow::anyhow!(
                    "the journal {} was written by an older kravia-batch that did not record where it sent (account {a}); nothing was sent. Finish that run with the version that started it, or use another --results path",
                    journal_file.display()
                )));
            }
            journal.set_metas(&[(META_TARGET, target)])?;
        }
        _ => {}
    }
    Ok(recorded_account)
}
