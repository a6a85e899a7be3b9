//! The live import: the dry run's invoices, sent once each, with a journal to resume from
//! and a results file mapping every reference to its invoice.

use super::Failure;
use super::args::{FormatArg, ImportArgs, LiveArgs};
use super::connect::{config_failure, connect, process_env};
use super::validate::{Prepared, prepare};
use crate::config::Loaded;
use crate::config::ResultsSettings;
use crate::dintero::credentials::AccountKind;
use crate::dintero::payload::{content_body, legacy_content_body};
use crate::exit::Exit;
use crate::model::money::format_minor_nordic;
use crate::model::{Currency, Invoice};
use crate::output::paths::Named;
use crate::output::progress::{Progress, Units};
use crate::output::results::{
    ResultRow, ResultStatus, default_results_path, read_results, rehearsal_results_path,
    write_results,
};
use crate::run::journal::{
    InvoiceEntry, Journal, META_ACCOUNT_ID, META_INPUT_PATH, META_INPUT_SHA256, META_TARGET,
    Recorded, Status,
};
use crate::run::lock::{LockError, RunLock};
use crate::run::scheduler::{Done, Job, RunSettings, Scheduler};
use anyhow::{Context, anyhow};
use rayon::prelude::*;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The content hash of an invoice: SHA-256 of its canonical one-step body without the
/// session's `url` (`payload::content_body`): the invoice, not the settings it is sent with.
pub fn content_hash(invoice: &Invoice) -> String {
    let body = serde_json::to_vec(&content_body(invoice)).unwrap_or_default();
    hex::encode(Sha256::digest(&body))
}

/// The content hash kravia-batch 0.1.0 recorded before issue #17 made bodies canonical
/// (`payload::legacy_content_body`). A journal entry with this hash is the same invoice.
pub fn legacy_content_hash(invoice: &Invoice) -> String {
    let body = serde_json::to_vec(&legacy_content_body(invoice)).unwrap_or_default();
    hex::encode(Sha256::digest(&body))
}

/// The journal of a results file: `<results>.journal.sqlite` beside it.
pub fn journal_path(results: &Path) -> PathBuf {
    let mut name = results
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".journal.sqlite");
    results.with_file_name(name)
}

pub fn run(args: &ImportArgs, loaded: &Loaded) -> Result<Exit, Failure> {
    let live = &args.live;
    let quiet = args.report.quiet;
    let bodies = super::validate::bodies(loaded, live.flow, &live.session)?;
    let prepared = prepare(&args.input, loaded, true, quiet)?;
    if let Some(plan) = &args.plan {
        // Approved on Monday, sent on Tuesday: refuse if anything changed since.
        super::plan::check(&prepared, plan)?;
    }
    // Where this run writes, decided (and checked against what it reads) before
    // anything is written or sent.
    let results_settings =
        crate::config::results_settings(live.results_format, &process_env, &loaded.file)
            .map_err(|e| super::connect::settings_failure(loaded, e))?;
    let results_path = results_path_of(args, &results_settings);
    let journal_file = journal_path(&results_path);
    let plan_read: Vec<Named> = args.plan.iter().map(|p| Named::new("plan", p)).collect();
    super::validate::check_paths(
        &prepared,
        loaded,
        &args.report,
        &plan_read,
        &[
            Named::new("results file", &results_path),
            Named::new("journal", &journal_file),
        ],
    )?;
    let v = &prepared.validation;
    // --skip-invalid sends whole valid invoices only. A row in error that names no
    // invoice (no readable merchant_reference) may be a line of any of them: then no
    // invoice can be called complete, and nothing is sent.
    let loose: Vec<String> = v
        .problems
        .iter()
        .filter(|p| p.is_error() && p.reference.is_none())
        .filter_map(|p| p.row.map(|r| r.to_string()))
        .collect();
    if live.skip_invalid && !loose.is_empty() {
        super::validate::print_outcome(&prepared, &args.report, &bodies)?;
        let more = match loose.len() {
            n if n > 20 => format!(" and {} more", n - 20),
            _ => String::new(),
        };
        eprintln!(
            "Nothing was sent: row(s) {}{more} have errors and name no invoice (no readable merchant_reference), so any invoice could be missing a line. Fix those rows and run again.",
            loose[..loose.len().min(20)].join(", ")
        );
        return Ok(Exit::InputErrors);
    }
    // An error of the whole file (no row, no invoice: a control total too large to hold)
    // says the file as a whole is wrong; --skip-invalid cannot pick valid invoices from it.
    let whole_file = v
        .problems
        .iter()
        .any(|p| p.is_error() && p.reference.is_none() && p.row.is_none());
    if live.skip_invalid && whole_file {
        super::validate::print_outcome(&prepared, &args.report, &bodies)?;
        eprintln!(
            "Nothing was sent: the file as a whole has an error (see above), so --skip-invalid cannot send part of it. Fix it and run again."
        );
        return Ok(Exit::InputErrors);
    }
    if v.errors() > 0 && !live.skip_invalid {
        // Nothing is sent when the file has any error: show the same report as the dry run.
        super::validate::print_outcome(&prepared, &args.report, &bodies)?;
        eprintln!(
            "Nothing was sent: the file has errors. Fix them, or pass --skip-invalid to send only the valid invoices."
        );
        return Ok(Exit::InputErrors);
    }
    // One run per journal: a second run of the same results path refuses here.
    let _journal_lock = RunLock::acquire(
        &lock_path(&journal_file),
        &format!("with the journal {}", journal_file.display()),
        &format!("input {}", args.input.file.display()),
    )
    .map_err(lock_failure)?;
    // --report, --annotate, --emit-payloads: the same files as the dry run's.
    super::validate::write_side_files(&prepared, &args.report, &bodies)?;
    let runtime = super::connect::runtime()?;
    let mut prepared = prepared;
    let invoices: Vec<Arc<Invoice>> = std::mem::take(&mut prepared.validation.invoices)
        .into_iter()
        .map(Arc::new)
        .collect();
    let outcome = runtime.block_on(run_live(
        &prepared,
        invoices,
        args,
        loaded,
        &results_settings,
        &results_path,
        bodies.session,
    ));
    drop(runtime);
    // The process ends right after this: freeing every invoice one by one only adds time
    // after the last one was sent, and the memory goes back to the system at exit.
    std::mem::forget(prepared);
    outcome
}

/// The live run of `p`'s valid invoices (taken out of it, so that they are not copied).
async fn run_live(
    p: &Prepared,
    invoices: Vec<Arc<Invoice>>,
    args: &ImportArgs,
    loaded: &Loaded,
    results_settings: &ResultsSettings,
    results_path: &Path,
    session: crate::dintero::payload::SessionSettings,
) -> Result<Exit, Failure> {
    let live = &args.live;
    let json_out = args.report.format == FormatArg::Json;
    // Hashing the input and every body is the longest step before the first request:
    // it runs (on both cores) while the client is set up and the journal opened.
    let hashing = {
        let (invoices, input) = (invoices.clone(), args.input.file.clone());
        std::thread::spawn(move || (file_sha256(&input), journal_entries(&invoices)))
    };
    // Where to send: the in-process sandbox, or Dintero (or a sandbox) from the settings.
    let connection = connect(loaded, &live.conn, live.flow, live.sandbox).await?;
    let account = connection.account.clone();
    let kind = connection.kind;
    if kind == AccountKind::Production {
        confirm_production(&account, &invoices, live)?;
    }

    let results_path = results_path.to_path_buf();
    let results_format = crate::output::results::ResultsFormat::from_path(&results_path)
        .unwrap_or(results_settings.format.value);
    let journal_file = journal_path(&results_path);
    // One import per account at a time (see `run::lock`): two files sent at once would
    // each pass the duplicate check before the other had sent anything.
    let _account_lock = account_lock(&connection, results_settings, &args.input.file)?;
    let local_lookup = super::guard::LocalLookup::start(
        &connection,
        results_settings,
        invoices
            .iter()
            .map(|i| i.merchant_reference.clone())
            .collect(),
    );
    let journal = Journal::open(&journal_file)
        .with_context(|| format!("cannot open the journal {}", journal_file.display()))
        .map_err(config_failure)?;
    // A journal belongs to where it was sent: a rehearsal's outcomes must never count
    // for a live run, nor one account's for another.
    let target = connection.target();
    let recorded_account = bind_journal(&journal, &journal_file, &target, &account)?;
    let (input_hash, entries) = hashing
        .join()
        .map_err(|_| config_failure(anyhow!("internal: hashing the invoices failed")))?;
    let input_hash = input_hash
        .with_context(|| format!("cannot read {}", args.input.file.display()))
        .map_err(config_failure)?;
    // What this run read (the latest run's input, for support staff), in one write.
    let input_path = args.input.file.display().to_string();
    let mut meta = vec![
        (META_INPUT_PATH, input_path.as_str()),
        (META_INPUT_SHA256, input_hash.as_str()),
    ];
    if recorded_account.is_none() {
        meta.push((META_ACCOUNT_ID, account.as_str()));
        meta.push((META_TARGET, target.as_str()));
    }
    journal.set_metas(&meta).map_err(config_failure)?;
    let mut changed = journal.register(&entries, false).map_err(config_failure)?;
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
    if !changed.is_empty() {
        let refs: Vec<&str> = changed.iter().map(|c| c.reference.as_str()).collect();
        return Err(Failure::new(
            Exit::InputErrors,
            anyhow!(
                "{} invoice(s) changed since the journal {} recorded them: {}. Nothing was sent. Restore the file as it was, or start a new run with another --results path (the journal shows what was already sent).",
                refs.len(),
                journal_file.display(),
                refs.join(", ")
            ),
        ));
    }
    // Every invalid invoice of the file, also one none of whose rows could be read (the
    // validator lists those too): each is a not_sent row of the results.
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
        journal.register(&rejected, true).map_err(config_failure)?;
    }

    let recorded: HashMap<String, Recorded> = journal.recorded().map_err(config_failure)?;
    // Created by an earlier run of this journal: "already done", not "created" again.
    let earlier_created = recorded
        .values()
        .filter(|r| r.status == Status::Created)
        .count() as u64;
    let jobs: Vec<Job> = invoices
        .iter()
        .map(|i| Job {
            invoice: i.clone(),
            recorded: recorded
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
        .collect();

    // The cross-run guard: references invoiced by an earlier run (this machine's record)
    // or already at Dintero (another file, a lost journal) stop the run before anything
    // is sent.
    if !jobs.is_empty() {
        connection.check_token().await?;
    }
    // Ctrl-C while checking: the look-ups are only reads, so they are dropped and the run
    // ends as incomplete with nothing sent.
    let guarded = tokio::select! {
        checked = super::guard::check(
            &connection,
            &journal,
            local_lookup,
            jobs,
            live,
            args.report.quiet,
        ) => checked?,
        _ = tokio::signal::ctrl_c() => {
            return Err(Failure::new(
                Exit::Incomplete,
                anyhow!("interrupted while checking for invoices sent before; nothing was sent. Run the same command again"),
            ));
        }
    };
    let (jobs, check_report) = guarded;
    let connection_rate = connection.settings.rate.value;
    // Ctrl-C: no request starts after it (the policy's stop flag); those in flight
    // finish, or are recorded unknown if the process is killed.
    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let interrupted = interrupted.clone();
        connection.stop_on_ctrl_c(move || {
            interrupted.store(true, Ordering::SeqCst);
            eprintln!(
                "\nstopping: no request starts now; letting the requests in flight finish (Ctrl-C again is safe too: the journal keeps what was sent)"
            );
        });
    }
    let total = jobs.len() as u64;
    let progress = RunProgress::new(total, args.report.quiet);
    let policy = connection.policy.clone();
    let concurrency = connection.settings.concurrency.value as usize;
    let writer = journal.writer().map_err(config_failure)?;
    let run_record =
        super::guard::RunRecord::start(&connection, results_settings, &journal, &results_path)
            .map(Arc::new);
    let mut scheduler = Scheduler::new(
        policy.clone(),
        writer.clone(),
        RunSettings {
            flow: connection.settings.flow.value,
            session,
        },
    );
    if let Some(record) = run_record.clone() {
        scheduler = scheduler.on_recorded(move |reference, r| record.note(reference, r));
    }
    let scheduler = Arc::new(scheduler);
    let on_done = {
        let progress = progress.clone();
        move |_: &Invoice, d: Done| progress.done(d)
    };
    let run_result = scheduler.run(jobs, concurrency, on_done).await;
    progress.finish();
    if let Some(record) = &run_record {
        // Its last batch is written while the results are.
        record.stop();
    }
    writer.close().await.map_err(config_failure)?;

    // The results file is rebuilt from the journal: it is the record of what happened.
    let rows = journal.rows().map_err(config_failure)?;
    if let Some(record) = &run_record {
        record.finish(&rows);
    }
    // The journal is complete: closing it (SQLite's final checkpoint) overlaps with
    // writing the results.
    let closing = std::thread::spawn(move || drop(journal));
    let errors_by_ref: HashMap<&str, &str> = p
        .validation
        .rejected
        .iter()
        .map(|r| (r.merchant_reference.as_str(), r.error.as_str()))
        .collect();
    let results: Vec<ResultRow> = rows
        .iter()
        .map(|r| {
            let status = match r.recorded.status {
                Status::Created => ResultStatus::Created,
                Status::AlreadyExists => ResultStatus::AlreadyExists,
                Status::Failed => ResultStatus::Failed,
                Status::Unknown | Status::Sending => ResultStatus::Unknown,
                Status::Pending | Status::SessionCreated | Status::NotSent => ResultStatus::NotSent,
            };
            let error = r.recorded.error.clone().or_else(|| {
                errors_by_ref
                    .get(r.entry.reference.as_str())
                    .map(|e| format!("not sent: the input has errors ({e})"))
            });
            ResultRow {
                merchant_reference: r.entry.reference.clone(),
                status,
                transaction_id: r.recorded.transaction_id.clone(),
                invoice_number: r.recorded.invoice_number.clone(),
                invoice_url: r.recorded.invoice_url.clone(),
                amount: r.entry.amount,
                currency: r.entry.currency.clone(),
                customer: r.entry.customer.clone(),
                rows: r.entry.rows.clone(),
                error,
                transaction_status: r.recorded.transaction_status.clone(),
                invoice_date: r.recorded.invoice_date.clone(),
                due_date: r.recorded.due_date.clone(),
                status_checked_at: None,
                status_changed_at: None,
            }
        })
        .collect();
    let results = keep_status_columns(results, &results_path);
    write_results(
        &results_path,
        &results,
        results_format,
        p.output_delimiter(),
    )
    .with_context(|| format!("cannot write the results file {}", results_path.display()))
    .map_err(config_failure)?;
    let _ = closing.join();
    let in_sandbox = connection.sandbox.is_some();
    connection.close().await;

    if let Err(e) = run_result {
        let exit = match e {
            // Only 429s for a long stretch: the same command resumes later.
            crate::run::scheduler::RunError::Stalled(_) => Exit::Incomplete,
            _ => Exit::Config,
        };
        return Err(Failure::new(
            exit,
            anyhow!("{e}; the results so far are in {}", results_path.display()),
        ));
    }
    // Valid invoices still waiting to be sent (the results call them not_sent, like the
    // invalid ones, but they make the run incomplete rather than failed).
    let waiting = rows
        .iter()
        .filter(|r| {
            matches!(
                r.recorded.status,
                Status::Pending | Status::SessionCreated | Status::Sending
            )
        })
        .count() as u64;
    let mut outcome = RunOutcome::of(
        &results,
        interrupted.load(Ordering::SeqCst),
        policy.rate_limited_count(),
        waiting,
    );
    outcome.handled = total;
    outcome.earlier_created = earlier_created;
    outcome.settled_rate = (policy.settled_rate(), connection_rate);
    outcome.check = check_report;
    outcome.reconcile(&p.validation.totals);
    let exit = outcome.exit();
    if json_out {
        let mut j = outcome.json(&account, in_sandbox, &results_path, &journal_file);
        j["exit_code"] = exit.code().into();
        crate::outln!("{j:#}");
    } else {
        crate::out!(
            "{}",
            outcome.text(&account, in_sandbox, &results_path, &args.input.file)
        );
    }
    // As for the invoices (see `run`): the rest is left for the system to reclaim.
    std::mem::forget((rows, results));
    Ok(exit)
}

/// The journal knows an invoice's status at creation; `status`, `void` and `capture` keep
/// it current in the results file. A later run of the import (a resume) rebuilds the file
/// from the journal, and must not throw those columns away: they are carried over for
/// every row whose transaction is the same.
fn keep_status_columns(mut rows: Vec<ResultRow>, path: &Path) -> Vec<ResultRow> {
    if !path.exists() {
        return rows;
    }
    let old = match read_results(path) {
        Ok(old) => old,
        Err(e) => {
            eprintln!("warning: {e}; its status columns are rebuilt from the journal");
            return rows;
        }
    };
    let old: HashMap<String, ResultRow> = old
        .into_iter()
        .map(|r| (r.merchant_reference.clone(), r))
        .collect();
    for row in &mut rows {
        if let Some(o) = old.get(&row.merchant_reference)
            && o.status_checked_at.is_some()
            && o.transaction_id.is_some()
            && o.transaction_id == row.transaction_id
        {
            row.transaction_status = o.transaction_status.clone();
            // Dates `status` learnt for a journal that did not keep them.
            if row.invoice_date.is_none() {
                row.invoice_date = o.invoice_date.clone();
            }
            if row.due_date.is_none() {
                row.due_date = o.due_date.clone();
            }
            row.status_checked_at = o.status_checked_at.clone();
            row.status_changed_at = o.status_changed_at.clone();
        }
    }
    rows
}

/// SHA-256 of a file, read in blocks.
pub(super) fn file_sha256(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match file.read(&mut buf)? {
            0 => return Ok(hex::encode(hasher.finalize())),
            n => hasher.update(&buf[..n]),
        }
    }
}

/// The results path of a run: `--results`, else `<stem>.results.<ext>` in the results
/// folder or beside the input. A rehearsal (`--sandbox`) gets `<stem>.rehearsal.results.<ext>`,
/// so that its results and journal are never the ones a live run finds.
fn results_path_of(args: &ImportArgs, settings: &ResultsSettings) -> PathBuf {
    if let Some(path) = &args.live.results {
        return path.clone();
    }
    let format = settings.format.value;
    let beside = if args.live.sandbox {
        rehearsal_results_path(&args.input.file, format)
    } else {
        default_results_path(&args.input.file, format)
    };
    match &settings.dir {
        Some(dir) => dir.value.join(beside.file_name().unwrap_or_default()),
        None => beside,
    }
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

fn lock_failure(e: LockError) -> Failure {
    match e {
        LockError::Held { .. } => Failure::new(Exit::Config, e.into()),
        LockError::Io { .. } => config_failure(e),
    }
}

/// The account-wide lock in the data folder (none for the in-process sandbox, which no
/// other process can reach, nor without a data folder).
fn account_lock(
    connection: &super::connect::Connection,
    settings: &ResultsSettings,
    input: &Path,
) -> Result<Option<RunLock>, Failure> {
    let Some(dir) = settings
        .data_dir
        .as_ref()
        .filter(|_| connection.sandbox.is_none())
    else {
        return Ok(None);
    };
    std::fs::create_dir_all(&dir.value)
        .with_context(|| format!("cannot create the data folder {}", dir.value.display()))
        .map_err(config_failure)?;
    let key = hex::encode(Sha256::digest(
        format!("{}\n{}", connection.target(), connection.account).as_bytes(),
    ));
    let path = dir.value.join(format!("import-{}.lock", &key[..16]));
    RunLock::acquire(
        &path,
        &format!(
            "for account {} at {}",
            connection.account,
            connection.target()
        ),
        &format!("input {}", input.display()),
    )
    .map(Some)
    .map_err(lock_failure)
}

/// Checks that the journal was written by runs to this target and account (or is new),
/// and returns the account it records. A journal of an older version, which recorded the
/// account but not the target, is adopted only while it holds no outcome.
fn bind_journal(
    journal: &Journal,
    journal_file: &Path,
    target: &str,
    account: &str,
) -> Result<Option<String>, Failure> {
    let recorded_account = journal.meta(META_ACCOUNT_ID).map_err(config_failure)?;
    let recorded_target = journal.meta(META_TARGET).map_err(config_failure)?;
    let elsewhere = |was: &str| {
        config_failure(anyhow!(
            "the journal {} records a run to {was}, and this run goes to {target} (account {account}); nothing was sent. Its outcomes say nothing about this account: use another --results path",
            journal_file.display()
        ))
    };
    match (&recorded_target, &recorded_account) {
        (Some(t), _) if t != target => return Err(elsewhere(t)),
        (_, Some(a)) if a != account => return Err(elsewhere(&format!("account {a}"))),
        (None, Some(a)) => {
            let settled = journal
                .recorded()
                .map_err(config_failure)?
                .values()
                .any(|r| !matches!(r.status, Status::Pending | Status::NotSent) || r.attempts > 0);
            if settled {
                return Err(config_failure(anyhow!(
                    "the journal {} was written by an older kravia-batch that did not record where it sent (account {a}); nothing was sent. Finish that run with the version that started it, or use another --results path",
                    journal_file.display()
                )));
            }
            journal
                .set_metas(&[(META_TARGET, target)])
                .map_err(config_failure)?;
        }
        _ => {}
    }
    Ok(recorded_account)
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
            rows: rows_label(&i.rows),
        })
        .collect()
}

fn rows_label(rows: &[u32]) -> String {
    rows.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A production run needs `--live` and a confirmation of what will be sent.
fn confirm_production(
    account: &str,
    invoices: &[Arc<Invoice>],
    live: &LiveArgs,
) -> Result<(), Failure> {
    if !live.conn.live {
        return Err(Failure::new(
            Exit::Usage,
            anyhow!(
                "{account} is a PRODUCTION account: real invoices reach real customers. Pass --live to confirm that this is intended."
            ),
        ));
    }
    let mut totals: BTreeMap<Currency, i64> = BTreeMap::new();
    for i in invoices {
        // Validated invoices: their per-currency sum fits (the validator checks it).
        let t = totals.entry(i.currency).or_default();
        *t = t.saturating_add(i.amount);
    }
    let shown: Vec<String> = totals
        .iter()
        .map(|(c, a)| format!("{} {}", format_minor_nordic(*a, c.exponent()), c.code()))
        .collect();
    if let Some(given) = &live.confirm_total {
        if confirm_total_matches(given, &totals) {
            return Ok(());
        }
        return Err(Failure::new(
            Exit::Usage,
            anyhow!(
                "--confirm-total {given} does not match the file's total ({}); nothing was sent",
                shown.join(", ")
            ),
        ));
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::new(
            Exit::Usage,
            anyhow!(
                "a production run without a terminal needs --confirm-total with the file's total ({})",
                shown.join(", ")
            ),
        ));
    }
    eprint!(
        "Send {} invoices totalling {} to PRODUCTION account {account}? Type the number of invoices to confirm: ",
        invoices.len(),
        shown.join(", ")
    );
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    if line.trim() == invoices.len().to_string() {
        Ok(())
    } else {
        Err(Failure::new(
            Exit::Usage,
            anyhow!("not confirmed; nothing was sent"),
        ))
    }
}

/// `136919.68` (one currency) or `NOK=136919.68,SEK=12800` (several).
fn confirm_total_matches(given: &str, totals: &BTreeMap<Currency, i64>) -> bool {
    let parse = |s: &str| {
        crate::model::money::parse_number(s, crate::model::DecimalConvention::Point)
            .ok()
            .and_then(|n| crate::model::money::to_minor_exact(n.value, 2))
    };
    if !given.contains('=') {
        return totals.len() == 1 && totals.values().next().copied() == parse(given);
    }
    let mut seen: BTreeMap<Currency, i64> = BTreeMap::new();
    for part in given.split(',') {
        let Some((c, a)) = part.split_once('=') else {
            return false;
        };
        let (Ok(c), Some(a)) = (Currency::parse(c), parse(a)) else {
            return false;
        };
        seen.insert(c, a);
    }
    &seen == totals
}

/// Progress of the live run: invoices done, and how many failed or are unknown (the
/// summary's words).
#[derive(Clone)]
struct RunProgress {
    progress: Arc<std::sync::Mutex<Progress>>,
    done: Arc<AtomicU64>,
    failed: Arc<AtomicU64>,
    unknown: Arc<AtomicU64>,
    total: u64,
}

impl RunProgress {
    fn new(total: u64, quiet: bool) -> RunProgress {
        RunProgress {
            progress: Arc::new(std::sync::Mutex::new(Progress::new(
                "sending",
                Units::Items("invoices"),
                quiet,
            ))),
            done: Arc::new(AtomicU64::new(0)),
            failed: Arc::new(AtomicU64::new(0)),
            unknown: Arc::new(AtomicU64::new(0)),
            total,
        }
    }

    fn done(&self, d: Done) {
        let n = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        match d {
            Done::Final(Status::Failed) => {
                self.failed.fetch_add(1, Ordering::SeqCst);
            }
            Done::Final(Status::Unknown) => {
                self.unknown.fetch_add(1, Ordering::SeqCst);
            }
            _ => {}
        }
        let failed = self.failed.load(Ordering::SeqCst);
        let unknown = self.unknown.load(Ordering::SeqCst);
        let note = [("failed", failed), ("unknown", unknown)]
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(w, n)| format!("{w} {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let note = (!note.is_empty()).then_some(note);
        self.lock().update(n, self.total, note.as_deref());
    }

    fn finish(&self) {
        self.lock().finish();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Progress> {
        self.progress.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Counts and totals of a finished (or stopped) run, from the results.
struct RunOutcome {
    counts: BTreeMap<&'static str, u64>,
    /// status -> currency -> (invoices, amount)
    totals: BTreeMap<&'static str, BTreeMap<String, (u64, i64)>>,
    interrupted: bool,
    rate_limited: u64,
    /// The rate (requests per second) the run's pacing settled at, and the rate asked for.
    settled_rate: (f64, u32),
    /// Requests the duplicate check made at Dintero, and how.
    check: Option<super::guard::CheckReport>,
    /// Valid invoices not sent yet (pending, or interrupted in flight).
    waiting: u64,
    /// Invoices this run had to send or settle (0: an earlier run did everything).
    handled: u64,
    /// Invoices an earlier run of the journal had created already.
    earlier_created: u64,
    /// Per currency: the valid invoices' total in the results, and the dry run's.
    reconciled: Vec<(String, i64, i64)>,
}

impl RunOutcome {
    /// Compares the results' totals (every status) with the dry run's control totals:
    /// every valid invoice of the file must be accounted for, once.
    fn reconcile(&mut self, dry: &crate::validate::Totals) {
        self.reconciled = dry
            .by_currency
            .iter()
            .map(|(cur, t)| {
                let in_results: i64 = self
                    .totals
                    .values()
                    .filter_map(|m| m.get(cur.code()))
                    .fold(0i64, |sum, (_, a)| sum.saturating_add(*a));
                (cur.code().to_string(), in_results, t.amount)
            })
            .collect();
    }

    fn of(results: &[ResultRow], interrupted: bool, rate_limited: u64, waiting: u64) -> RunOutcome {
        let mut counts = BTreeMap::new();
        let mut totals: BTreeMap<&'static str, BTreeMap<String, (u64, i64)>> = BTreeMap::new();
        for r in results {
            let s = r.status.as_str();
            *counts.entry(s).or_default() += 1;
            if !r.currency.is_empty() {
                let t = totals
                    .entry(s)
                    .or_default()
                    .entry(r.currency.clone())
                    .or_default();
                t.0 += 1;
                t.1 = t.1.saturating_add(r.amount);
            }
        }
        RunOutcome {
            counts,
            totals,
            interrupted,
            rate_limited,
            settled_rate: (0.0, 0),
            check: None,
            waiting,
            handled: 0,
            earlier_created: 0,
            reconciled: Vec::new(),
        }
    }

    fn count(&self, s: ResultStatus) -> u64 {
        self.counts.get(s.as_str()).copied().unwrap_or(0)
    }

    fn exit(&self) -> Exit {
        if self.interrupted || self.count(ResultStatus::Unknown) > 0 || self.waiting > 0 {
            Exit::Incomplete
        } else if self.count(ResultStatus::Failed) > 0 || self.count(ResultStatus::NotSent) > 0 {
            Exit::SomeFailed
        } else {
            Exit::Ok
        }
    }

    fn text(&self, account: &str, sandbox: bool, results: &Path, input: &Path) -> String {
        let mut s = String::new();
        let target = if sandbox {
            format!(
                "the in-process sandbox (account {account}): a rehearsal, nothing reached Dintero"
            )
        } else {
            format!("Dintero account {account}")
        };
        s.push_str(&format!("{}\n  sent to {target}\n\n", input.display()));
        let names = [
            (ResultStatus::Created, "created"),
            (ResultStatus::AlreadyExists, "already existed"),
            (ResultStatus::Failed, "failed"),
            (ResultStatus::Unknown, "unknown"),
            (ResultStatus::NotSent, "not sent"),
        ];
        let mut parts: Vec<String> = names
            .iter()
            .map(|(st, n)| match st {
                ResultStatus::Created => format!(
                    "{n} {}",
                    self.count(*st).saturating_sub(self.earlier_created)
                ),
                _ => format!("{n} {}", self.count(*st)),
            })
            .collect();
        if self.earlier_created > 0 {
            parts.insert(
                1,
                format!("already done {} (by an earlier run)", self.earlier_created),
            );
        }
        s.push_str(&format!("Invoices  {}\n", parts.join(", ")));
        for (st, n) in names {
            if let Some(t) = self.totals.get(st.as_str()) {
                for (cur, (count, amount)) in t {
                    s.push_str(&format!(
                        "  {n:<16} {cur} {:>18} ({})\n",
                        format_minor_nordic(*amount, 2),
                        crate::output::summary::plural(*count, "invoice")
                    ));
                }
            }
        }
        for (cur, results, dry) in &self.reconciled {
            let verdict = if results == dry {
                "equals the dry run's total".to_string()
            } else {
                format!(
                    "DIFFERS from the dry run's {}: check the results file",
                    format_minor_nordic(*dry, 2)
                )
            };
            s.push_str(&format!(
                "  {:<16} {cur} {:>18} {verdict}\n",
                "all",
                format_minor_nordic(*results, 2)
            ));
        }
        if let Some(c) = &self.check {
            s.push_str(&format!("Duplicate check at Dintero: {}.\n", c.describe()));
        }
        if self.rate_limited > 0 {
            s.push_str(&format!(
                "Dintero asked to slow down {} times (429); the run settled at {:.1} requests per second (--rate {}).\n",
                self.rate_limited, self.settled_rate.0, self.settled_rate.1
            ));
        }
        if self.handled == 0 {
            s.push_str(
                "This run sent nothing: every invoice was settled by an earlier run (see its journal).\n",
            );
        }
        s.push_str(&format!("\nResults: {}\n", results.display()));
        match self.exit() {
            Exit::Ok if sandbox => s.push_str(
                "Result: every invoice exists in the sandbox. This was a rehearsal: nothing was sent to Dintero.\n",
            ),
            Exit::Ok => s.push_str("Result: every invoice exists at Kravia.\n"),
            Exit::SomeFailed => s.push_str("Result: some invoices were not created; the results file says why for each.\n"),
            _ => s.push_str("Result: the run is incomplete. Run the same command again: it resumes, and never sends an invoice twice.\n"),
        }
        s
    }

    fn json(
        &self,
        account: &str,
        sandbox: bool,
        results: &Path,
        journal: &Path,
    ) -> serde_json::Value {
        let totals: serde_json::Map<String, serde_json::Value> = self
            .totals
            .iter()
            .map(|(st, t)| {
                let list: Vec<serde_json::Value> = t
                    .iter()
                    .map(|(cur, (n, a))| json!({"currency": cur, "invoices": n, "amount": a}))
                    .collect();
                (st.to_string(), json!(list))
            })
            .collect();
        json!({
            "account": account,
            "sandbox": sandbox,
            "results_file": results.display().to_string(),
            "journal": journal.display().to_string(),
            "counts": self.counts,
            "already_done": self.earlier_created,
            "totals": totals,
            "interrupted": self.interrupted,
            "reconciled": self.reconciled.iter().all(|(_, a, b)| a == b),
            "rate_limited": self.rate_limited,
            "settled_rate": (self.settled_rate.0 * 10.0).round() / 10.0,
            "duplicate_check": self.check.as_ref().map(super::guard::CheckReport::json),
            "handled_this_run": self.handled,
        })
    }
}
