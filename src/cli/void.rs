//! `kravia-batch void`: cancel invoices, after checking each one's current status and
//! asking for confirmation. The work is in [`crate::run::lifecycle`].
//!
//! `capture` runs the same steps with other words (look, confirm, record and send,
//! write the results file, report), so they live here once, as [`act`], and
//! `capture.rs` only turns its arguments into a [`Job`].

use super::args::{self, ConnArgs, FormatArg};
use super::connect::{Connection, connect};
use crate::config::Loaded;
use crate::error::{Error, Result};
use crate::exit::Exit;
use crate::output::actions::{ActionReport, Command, render_plan};
use crate::pipeline::setup::journal_path;
use crate::run::lifecycle::{
    Action, ActionLog, Mode, Paced, Prepared, ResultsFile, download_invoices, execute, prepare,
};
use anyhow::{Context, anyhow};
use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

pub fn run(args: &args::VoidArgs, loaded: &Loaded) -> Result<Exit> {
    if args.select.refs.iter().all(|r| r.trim().is_empty()) && !args.all_unpaid {
        return Err(Error::Usage(anyhow!(
            "say which invoices to cancel: --ref REF (repeatable) or --all-unpaid"
        )));
    }
    let (file, selected) = super::status::open_selection(&args.select)?;
    let job = Job {
        mode: Mode::Void,
        explicit: !args.all_unpaid,
        yes: args.yes,
        conn: &args.conn,
        format: args.format,
        quiet: args.quiet,
        ended: Ended {
            command: Command::Void,
            download_dir: None,
            download_only: false,
        },
    };
    super::connect::runtime()?.block_on(act(job, loaded, file, selected))
}

/// One run of `void` or `capture`: what the two commands' arguments come to. The rest
/// of the two commands is the same, and is [`act`].
pub(super) struct Job<'a> {
    pub mode: Mode,
    /// The rows were named with `--ref` (see [`prepare`]).
    pub explicit: bool,
    pub yes: bool,
    pub conn: &'a ConnArgs,
    pub format: FormatArg,
    pub quiet: bool,
    pub ended: Ended,
}

/// `void` and `capture`: look at each selected invoice, show the plan and ask, record
/// and send each action, download the PDFs if asked, then [`finish`]. `--download-only`
/// changes nothing at Dintero, so it opens no journal and sends no action.
pub(super) async fn act(
    job: Job<'_>,
    loaded: &Loaded,
    file: ResultsFile,
    selected: Vec<usize>,
) -> Result<Exit> {
    let connection = connect(loaded, job.conn, None, false).await?;
    connection.check_token().await?;
    let journal = journal_path(&file.path);
    let log = match job.mode {
        Mode::DownloadOnly => None,
        Mode::Void | Mode::Capture => Some(open_log(&journal, &connection.account)?),
    };
    let paced = connection.paced();
    let mut prepared = prepare(
        job.mode,
        &paced,
        log.as_ref(),
        &file,
        &selected,
        job.explicit,
        chrono::Utc::now(),
        job.quiet,
    )
    .await
    .map_err(Error::setup)?;
    if let Some(log) = &log
        && prepared.planned() > 0
    {
        let command = job.ended.command;
        let plan = render_plan(command, &connection.account, &prepared.items);
        if confirm(&plan, job.yes, job.quiet)? {
            let action = match command {
                Command::Void => Action::Void,
                Command::Capture => Action::Capture,
            };
            execute(action, &paced, log, &mut prepared, job.quiet)
                .await
                .with_context(|| format!("the journal could not record a {}; the results file was not rewritten. Run the same command again: it looks at each invoice first", action.as_str()))
                .map_err(Error::setup)?;
        } else {
            prepared.decline();
        }
    }
    if let Some(dir) = &job.ended.download_dir {
        download_invoices(
            &paced,
            &connection.endpoints,
            &mut prepared,
            &file,
            dir,
            job.quiet,
        )
        .await;
    }
    finish(
        connection, file, journal, prepared, &paced, job.ended, job.format,
    )
    .await
}

/// The import's journal, where `void` and `capture` record each action before sending it.
pub(super) fn open_log(journal: &std::path::Path, account: &str) -> Result<Arc<ActionLog>> {
    Ok(Arc::new(
        ActionLog::open(journal, account)
            .with_context(|| format!("cannot open the journal {}", journal.display()))
            .map_err(Error::setup)?,
    ))
}

/// What differs between the ends of `void` and `capture`.
pub(super) struct Ended {
    pub command: Command,
    pub download_dir: Option<std::path::PathBuf>,
    pub download_only: bool,
}

/// The common end of `void` and `capture`: closes the connection, records what was
/// learned in the results file, and prints the report.
pub(super) async fn finish(
    connection: Connection,
    mut file: ResultsFile,
    journal: std::path::PathBuf,
    prepared: Prepared,
    paced: &Paced,
    ended: Ended,
    format: FormatArg,
) -> Result<Exit> {
    let account = connection.account.clone();
    connection.close().await;
    prepared.apply(&mut file, chrono::Utc::now());
    file.write()
        .with_context(|| {
            format!(
                "cannot write the results file {} (the journal {} has what was done)",
                file.path.display(),
                journal.display()
            )
        })
        .map_err(Error::setup)?;
    let report = ActionReport {
        command: ended.command,
        results_file: file.path.clone(),
        journal,
        account,
        items: prepared.items,
        download_dir: ended.download_dir,
        download_only: ended.download_only,
        rate_limited: paced.rate_limited_count(),
    };
    let exit = report.exit();
    super::status::print_report(exit, format, || report.json(), || report.text())
}

/// Shows the plan on stderr and asks for `yes` on a terminal; `--yes` skips the question.
/// Without a terminal and without `--yes`: refused (exit 2), nothing sent.
#[allow(
    clippy::print_stderr,
    reason = "the confirmation question is asked on stderr, stdout carries the report"
)]
pub(super) fn confirm(plan: &str, yes: bool, quiet: bool) -> Result<bool> {
    if yes {
        if !quiet {
            eprint!("{plan}");
        }
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        eprint!("{plan}");
        return Err(Error::Usage(anyhow!(
            "no terminal to confirm on: pass --yes to confirm the list above. Nothing was sent."
        )));
    }
    eprint!("{plan}Type yes to go ahead: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    Ok(line.trim().eq_ignore_ascii_case("yes"))
}
