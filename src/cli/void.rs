//! `kravia-batch void`: cancel invoices, after checking each one's current status and
//! asking for confirmation. The work is in [`crate::run::lifecycle`].

use super::args::{self, FormatArg};
use super::connect::{Connection, connect};
use crate::config::Loaded;
use crate::error::{Error, Result};
use crate::exit::Exit;
use crate::output::actions::{ActionReport, Command, render_plan};
use crate::pipeline::setup::journal_path;
use crate::run::lifecycle::{
    Action, ActionLog, Mode, Paced, Prepared, ResultsFile, execute, prepare,
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
    super::connect::runtime()?.block_on(run_async(args, loaded, file, selected))
}

async fn run_async(
    args: &args::VoidArgs,
    loaded: &Loaded,
    file: ResultsFile,
    selected: Vec<usize>,
) -> Result<Exit> {
    let connection = connect(loaded, &args.conn, None, false).await?;
    connection.check_token().await?;
    let journal = journal_path(&file.path);
    let log = open_log(&journal, &connection.account)?;
    let paced = connection.paced();
    let explicit = !args.all_unpaid;
    let mut prepared = prepare(
        Mode::Void,
        &paced,
        Some(&log),
        &file,
        &selected,
        explicit,
        chrono::Utc::now(),
        args.quiet,
    )
    .await
    .map_err(Error::setup)?;
    if prepared.planned() > 0 {
        let plan = render_plan(Command::Void, &connection.account, &prepared.items);
        if confirm(&plan, args.yes, args.quiet)? {
            execute(Action::Void, &paced, &log, &mut prepared, args.quiet)
                .await
                .context("the journal could not record a void; the results file was not rewritten. Run the same command again: it looks at each invoice first")
                .map_err(Error::setup)?;
        } else {
            prepared.decline();
        }
    }
    let ended = Ended {
        command: Command::Void,
        download_dir: None,
        download_only: false,
    };
    finish(
        connection,
        file,
        journal,
        prepared,
        &paced,
        ended,
        args.format,
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
    print_report(&report, format)
}

pub(super) fn print_report(report: &ActionReport, format: FormatArg) -> Result<Exit> {
    let exit = report.exit();
    if format == FormatArg::Json {
        let mut j = report.json();
        j["exit_code"] = exit.code().into();
        crate::outln!("{j:#}");
    } else {
        crate::out!("{}", report.text());
    }
    Ok(exit)
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
