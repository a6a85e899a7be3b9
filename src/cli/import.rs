//! `kravia-batch import FILE`: the command line of the live import. The work is in
//! [`crate::pipeline::import`]; this builds its settings from the arguments, asks for a
//! production run's confirmation, and renders how it ended.

use super::args::{FormatArg, ImportArgs, LiveArgs};
use super::connect::{self, process_env};
use crate::config::{Loaded, ResultsSettings};
use crate::error::{Error, Result};
use crate::exit::Exit;
use crate::model::money::format_minor_nordic;
use crate::model::{Currency, Invoice};
use crate::output::results::{default_results_path, rehearsal_results_path};
use crate::pipeline::import::{Connect, ImportSettings, Imported, import};
use crate::pipeline::notice::Notices;
use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

pub fn run(args: &ImportArgs, loaded: &Loaded, notices: &Notices) -> Result<Exit> {
    let live = &args.live;
    let settings = settings(args, loaded)?;
    let connect = Connect {
        target: connect::target(loaded, &live.conn, live.sandbox)?,
        options: connect::options(loaded, &live.conn, live.flow)?,
    };
    let confirm =
        |account: &str, invoices: &[Arc<Invoice>]| confirm_production(account, invoices, live);
    match import(&settings, loaded, &process_env, connect, &confirm, notices)? {
        Imported::Refused { prepared, why } => {
            super::validate::print_outcome(&prepared, &args.report, Some(&why), notices)
        }
        Imported::Ran(outcome) => {
            let exit = outcome.exit();
            if args.report.format == FormatArg::Json {
                let mut j = super::run_summary::json(&outcome);
                j["exit_code"] = exit.code().into();
                super::emit_json(j, notices);
            } else {
                crate::out!("{}", super::run_summary::text(&outcome));
            }
            Ok(exit)
        }
    }
}

/// The import's settings, from flags, environment and config file.
fn settings(args: &ImportArgs, loaded: &Loaded) -> Result<ImportSettings> {
    let live = &args.live;
    let bodies = super::validate::bodies(loaded, live.flow, &live.session)?;
    let results_settings =
        crate::config::results_settings(live.results_format, &process_env, &loaded.file)
            .map_err(|e| Error::settings(loaded, e))?;
    let results = results_path_of(args, &results_settings);
    Ok(ImportSettings {
        input: (&args.input).into(),
        side: (&args.report).into(),
        plan: args.plan.clone(),
        results,
        results_format: results_settings.format.value,
        results_settings,
        bodies,
        skip_invalid: live.skip_invalid,
        skip_invoiced: live.skip_invoiced,
        guard: live.guard,
        quiet: args.report.quiet,
    })
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

/// A production run needs `--live` and a confirmation of what will be sent.
#[allow(
    clippy::print_stderr,
    reason = "the confirmation question is asked on stderr, stdout carries the summary"
)]
fn confirm_production(account: &str, invoices: &[Arc<Invoice>], live: &LiveArgs) -> Result<()> {
    if !live.conn.live {
        return Err(Error::usage(format!(
            "{account} is a PRODUCTION account: real invoices reach real customers. Pass --live to confirm that this is intended."
        )));
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
        return Err(Error::usage(format!(
            "--confirm-total {given} does not match the file's total ({}); nothing was sent",
            shown.join(", ")
        )));
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::usage(format!(
            "a production run without a terminal needs --confirm-total with the file's total ({})",
            shown.join(", ")
        )));
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
        Err(Error::usage("not confirmed; nothing was sent"))
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
