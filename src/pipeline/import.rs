//! The live import, as the stages it goes through. Each stage is a function of a few
//! lines below; [`import`] reads like the run itself:
//!
//! 1. **prepare**: read and validate the export (the dry run's code);
//! 2. **gate**: refuse a file with errors (or send only whole valid invoices with
//!    `--skip-invalid`), and a plan that no longer matches;
//! 3. **open**: take the journal's lock, write the side files, connect, confirm a
//!    production run, and bind the journal to where it sends;
//! 4. **check**: the invoices this journal never sent, looked up on this machine and at
//!    Dintero ([`super::guard`]);
//! 5. **send**: one request per invoice under the request policy ([`super::send`]);
//! 6. **record**: the results file, rebuilt from the journal ([`super::results`]);
//! 7. **report**: counts and totals, reconciled with the dry run ([`super::outcome`]).
//!
//! Nothing here prints: refusals and warnings go to [`Notices`], the summary is the
//! caller's to render.

use super::connection::{self, Connection, Target};
use super::guard::{self, LocalLookup};
use super::notice::Notices;
use super::outcome::RunOutcome;
use super::prepare::{Env, Prepared, check_paths, prepare};
pub use super::settings::ImportSettings;
use super::setup::{self, Opened};
use crate::config::Loaded;
use crate::dintero::credentials::AccountKind;
use crate::error::{Error, Result};
use crate::model::Invoice;
use crate::output::paths::Named;
use std::sync::Arc;

/// Where to connect, resolved by the caller (see [`connection::open`]).
pub struct Connect {
    pub target: Target,
    pub options: connection::Options,
}

/// Asks the operator to confirm a production run (the account, the invoices); an error
/// stops the run with nothing sent.
pub type Confirm<'a> = &'a dyn Fn(&str, &[Arc<Invoice>]) -> Result<()>;

/// How an import ended.
pub enum Imported {
    /// Nothing was sent: the file has errors. The dry run's summary applies; `why` says
    /// why nothing was sent.
    Refused {
        prepared: Box<Prepared>,
        why: String,
    },
    /// The run happened (all of it, or as far as it got).
    Ran(Box<RunOutcome>),
}

/// Runs an import, stage by stage.
pub fn import(
    s: &ImportSettings,
    loaded: &Loaded,
    env: Env,
    connect: Connect,
    confirm: Confirm,
    notices: &Notices,
) -> Result<Imported> {
    let prepared = prepare(&s.input, loaded, env, true, s.quiet)?;
    if let Some(plan) = &s.plan {
        // Approved on Monday, sent on Tuesday: refuse if anything changed since.
        super::approval::check(&prepared, plan, notices)?;
    }
    check_outputs(&prepared, loaded, s)?;
    if let Some(why) = gate(&prepared, s.skip_invalid) {
        // A refused run still writes the files the dry run would have.
        super::prepare::write_side_files(&prepared, &s.side, &s.bodies)?;
        return Ok(Imported::Refused {
            prepared: Box::new(prepared),
            why,
        });
    }
    // One run per journal: a second run of the same results path refuses here.
    let _journal_lock = setup::journal_lock(&s.results, &s.input.file)?;
    // --report, --annotate, --emit-payloads: the same files as the dry run's.
    super::prepare::write_side_files(&prepared, &s.side, &s.bodies)?;
    let runtime = runtime()?;
    let mut prepared = prepared;
    let invoices: Vec<Arc<Invoice>> = std::mem::take(&mut prepared.validation.invoices)
        .into_iter()
        .map(Arc::new)
        .collect();
    let outcome = runtime.block_on(live(&prepared, invoices, s, connect, confirm, notices));
    drop(runtime);
    // The process ends right after this: freeing every invoice one by one only adds time
    // after the last one was sent, and the memory goes back to the system at exit.
    std::mem::forget(prepared);
    outcome.map(|o| Imported::Ran(Box::new(o)))
}

/// The async runtime of a command. One thread: the work is waiting on the network, and a
/// single thread saves the cross-thread wake-ups of a work-stealing pool (measured with
/// bench/live_run.sh).
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    use crate::error::SetupContext;
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .setup_context(|| "cannot start the async runtime")
}

/// Where this run writes, checked against what it reads before anything is written.
fn check_outputs(p: &Prepared, loaded: &Loaded, s: &ImportSettings) -> Result<()> {
    let journal = setup::journal_path(&s.results);
    let plan_read: Vec<Named> = s.plan.iter().map(|p| Named::new("plan", p)).collect();
    check_paths(
        p,
        loaded,
        &s.side,
        &plan_read,
        &[
            Named::new("results file", &s.results),
            Named::new("journal", &journal),
        ],
    )
}

/// Why nothing may be sent of this file, if so. `--skip-invalid` sends whole valid
/// invoices only, which needs every row in error to name its invoice and no error of the
/// file as a whole.
fn gate(p: &Prepared, skip_invalid: bool) -> Option<String> {
    let v = &p.validation;
    // A row in error that names no invoice (no readable merchant_reference) may be a line
    // of any of them: then no invoice can be called complete.
    let loose: Vec<String> = v
        .problems
        .iter()
        .filter(|p| p.is_error() && p.reference.is_none())
        .filter_map(|p| p.row.map(|r| r.to_string()))
        .collect();
    // An error of the whole file (no row, no invoice: a control total too large to hold)
    // says the file as a whole is wrong.
    let whole_file = v
        .problems
        .iter()
        .any(|p| p.is_error() && p.reference.is_none() && p.row.is_none());
    if skip_invalid && !loose.is_empty() {
        let more = match loose.len() {
            n if n > 20 => format!(" and {} more", n - 20),
            _ => String::new(),
        };
        return Some(format!(
            "Nothing was sent: row(s) {}{more} have errors and name no invoice (no readable merchant_reference), so any invoice could be missing a line. Fix those rows and run again.",
            loose[..loose.len().min(20)].join(", ")
        ));
    }
    if skip_invalid && whole_file {
        return Some("Nothing was sent: the file as a whole has an error (see above), so --skip-invalid cannot send part of it. Fix it and run again.".to_string());
    }
    if v.errors() > 0 && !skip_invalid {
        return Some("Nothing was sent: the file has errors. Fix them, or pass --skip-invalid to send only the valid invoices.".to_string());
    }
    None
}

/// The live part: connect, open the journal, check, send, record, report.
async fn live(
    p: &Prepared,
    invoices: Vec<Arc<Invoice>>,
    s: &ImportSettings,
    connect: Connect,
    confirm: Confirm<'_>,
    notices: &Notices,
) -> Result<RunOutcome> {
    // Hashing the input and every body is the longest step before the first request:
    // it runs (on both cores) while the client is set up and the journal opened.
    let hashing = setup::start_hashing(&invoices, &s.input.file);
    let connection = connection::open(connect.target, connect.options).await?;
    if connection.kind == AccountKind::Production {
        confirm(&connection.account, &invoices)?;
    }
    // One import per account at a time (see `run::lock`): two files sent at once would
    // each pass the duplicate check before the other had sent anything.
    let _account_lock = setup::account_lock(&connection, &s.results_settings, &s.input.file)?;
    let references = invoices
        .iter()
        .map(|i| i.merchant_reference.clone())
        .collect();
    let local = LocalLookup::start(&connection, &s.results_settings, references, notices);
    let opened = setup::open_journal(p, &invoices, &connection, &s.results, hashing)?;
    let (jobs, check_report) = check(&connection, &opened, local, s, notices).await?;
    let sent = super::send::send(&connection, &opened, jobs, s, notices).await?;
    let Opened {
        journal,
        journal_file,
        earlier_created,
        ..
    } = opened;
    // The journal is complete: closing it (SQLite's final checkpoint) overlaps with
    // writing the results.
    let closing = std::thread::spawn(move || drop(journal));
    let results = super::results::write(p, &sent.rows, s, notices)?;
    let _ = closing.join();
    let in_sandbox = connection.sandbox.is_some();
    let account = connection.account.clone();
    let rate = connection.settings.rate.value;
    connection.close().await;
    let mut outcome = super::outcome::of(&p.validation.totals, sent, &results, &s.results)?;
    std::mem::forget(results);
    outcome.settled_rate.1 = rate;
    outcome.earlier_created = earlier_created;
    outcome.check = check_report;
    outcome.account = account;
    outcome.sandbox = in_sandbox;
    outcome.input = s.input.file.clone();
    outcome.results_file = s.results.clone();
    outcome.journal_file = journal_file;
    Ok(outcome)
}

/// The cross-run guard: references invoiced by an earlier run (this machine's record)
/// or already at Dintero (another file, a lost journal) stop the run before anything is
/// sent. Ctrl-C while checking drops the look-ups (they are only reads): the run ends
/// as incomplete with nothing sent.
async fn check(
    connection: &Connection,
    opened: &Opened,
    local: LocalLookup,
    s: &ImportSettings,
    notices: &Notices,
) -> Result<(Vec<crate::run::scheduler::Job>, Option<guard::CheckReport>)> {
    let jobs = opened.jobs();
    if !jobs.is_empty() {
        connection.check_token().await?;
    }
    let how = guard::How {
        guard: s.guard,
        skip_invoiced: s.skip_invoiced,
        quiet: s.quiet,
        notices,
    };
    tokio::select! {
        checked = guard::check(connection, &opened.journal, local, jobs, how) => checked,
        _ = tokio::signal::ctrl_c() => Err(Error::incomplete(
            "interrupted while checking for invoices sent before; nothing was sent. Run the same command again",
        )),
    }
}
