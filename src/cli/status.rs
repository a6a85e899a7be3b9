//! `kravia-batch status`: the current status of every invoice in a results file, recorded
//! in the file and summed up per currency. The work is in [`crate::run::lifecycle`].

use super::args::{self, FormatArg};
use super::connect::{connect, runtime};
use crate::config::Loaded;
use crate::error::{Error, Result};
use crate::exit::Exit;
use crate::run::lifecycle::{ResultsFile, run_status};
use anyhow::{Context, anyhow};

pub fn run(args: &args::StatusArgs, loaded: &Loaded) -> Result<Exit> {
    let (file, selected) = open_selection(&args.select)?;
    runtime()?.block_on(run_async(args, loaded, file, selected))
}

/// The results file of `status`, `void` or `capture`, and the rows `--ref` selects (all
/// without it). An unknown reference stops the command before anything is fetched.
pub(super) fn open_selection(select: &args::SelectArgs) -> Result<(ResultsFile, Vec<usize>)> {
    let file = ResultsFile::read(&select.results)
        .context("cannot read the results file")
        .map_err(Error::setup)?;
    let selected = file
        .select(&select.refs)
        .map_err(|unknown| unknown_refs(&unknown, &file))?;
    Ok((file, selected))
}

async fn run_async(
    args: &args::StatusArgs,
    loaded: &Loaded,
    mut file: ResultsFile,
    selected: Vec<usize>,
) -> Result<Exit> {
    let connection = connect(loaded, &args.conn, None, false).await?;
    connection.check_token().await?;
    let paced = connection.paced();
    let now = chrono::Utc::now();
    let report = run_status(
        &paced,
        &mut file,
        &selected,
        &connection.account,
        now,
        args.quiet,
    )
    .await;
    connection.close().await;
    // Rows that could not be fetched keep their old values; the rest is what was learned.
    file.write()
        .with_context(|| {
            format!(
                "cannot write the results file {}; nothing else was changed",
                file.path.display()
            )
        })
        .map_err(Error::setup)?;
    print_report(
        report.exit(),
        args.format,
        || report.json(),
        || report.text(),
    )
}

/// Prints the report of `status`, `void` or `capture`: the JSON object with its exit
/// code in `--format json`, the text otherwise.
pub(super) fn print_report(
    exit: Exit,
    format: FormatArg,
    json: impl FnOnce() -> serde_json::Value,
    text: impl FnOnce() -> String,
) -> Result<Exit> {
    if format == FormatArg::Json {
        let mut j = json();
        j["exit_code"] = exit.code().into();
        crate::outln!("{j:#}");
    } else {
        crate::out!("{}", text());
    }
    Ok(exit)
}

/// `--ref` values that name no row: nothing is done.
pub(super) fn unknown_refs(unknown: &[String], file: &ResultsFile) -> Error {
    Error::Usage(anyhow!(
        "{} reference(s) not in {}: {}. Nothing was done.",
        unknown.len(),
        file.path.display(),
        unknown.join(", ")
    ))
}
