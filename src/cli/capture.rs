//! `kravia-batch capture`: start collection of invoices the merchant delivers
//! (`invoice_channel: merchant`), and/or download invoice PDFs. The work is in
//! [`crate::run::lifecycle`].

use super::args;
use super::connect::connect;
use super::void::confirm;
use crate::config::Loaded;
use crate::error::{Error, Result};
use crate::exit::Exit;
use crate::output::actions::{Command, render_plan};
use crate::pipeline::setup::journal_path;
use crate::run::lifecycle::{Action, Mode, ResultsFile, download_invoices, execute, prepare};
use anyhow::Context;

pub fn run(args: &args::CaptureArgs, loaded: &Loaded) -> Result<Exit> {
    let (file, selected) = super::status::open_selection(&args.select)?;
    super::connect::runtime()?.block_on(run_async(args, loaded, file, selected))
}

async fn run_async(
    args: &args::CaptureArgs,
    loaded: &Loaded,
    file: ResultsFile,
    selected: Vec<usize>,
) -> Result<Exit> {
    let connection = connect(loaded, &args.conn, None, false).await?;
    connection.check_token().await?;
    let journal = journal_path(&file.path);
    // --download-only changes nothing at Dintero: no journal needed.
    let log = if args.download_only {
        None
    } else {
        Some(super::void::open_log(&journal, &connection.account)?)
    };
    let paced = connection.paced();
    let mode = if args.download_only {
        Mode::DownloadOnly
    } else {
        Mode::Capture
    };
    let explicit = args.select.refs.iter().any(|r| !r.trim().is_empty());
    let mut prepared = prepare(
        mode,
        &paced,
        log.as_ref(),
        &file,
        &selected,
        explicit,
        chrono::Utc::now(),
        args.quiet,
    )
    .await
    .map_err(Error::setup)?;
    if let Some(log) = &log
        && prepared.planned() > 0
    {
        let plan = render_plan(Command::Capture, &connection.account, &prepared.items);
        if confirm(&plan, args.yes, args.quiet)? {
            execute(Action::Capture, &paced, log, &mut prepared, args.quiet)
                .await
                .context("the journal could not record a capture; the results file was not rewritten. Run the same command again: it looks at each invoice first")
                .map_err(Error::setup)?;
        } else {
            prepared.decline();
        }
    }
    if let Some(dir) = &args.download_invoices {
        download_invoices(
            &paced,
            &connection.endpoints,
            &mut prepared,
            &file,
            dir,
            args.quiet,
        )
        .await;
    }
    let ended = super::void::Ended {
        command: Command::Capture,
        download_dir: args.download_invoices.clone(),
        download_only: args.download_only,
    };
    super::void::finish(
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
