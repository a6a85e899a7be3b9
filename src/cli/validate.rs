//! `kravia-batch validate FILE` (and `import --dry-run`): the dry run's command line.
//! The work is [`crate::pipeline::prepare`]; this renders the summary and the verdict.

use super::args::{FormatArg, InputArgs, ReportArgs, SessionArgs};
use super::connect::process_env;
use crate::config::{self, Flow, Loaded};
use crate::error::Result;
use crate::exit::Exit;
use crate::i18n::Lang;
use crate::output::paths::Named;
use crate::output::summary;
use crate::pipeline::notice::Notices;
use crate::pipeline::prepare::{
    Bodies, InputSpec, Prepared, SideFiles, check_paths, prepare, write_side_files,
};
use crate::t;

impl From<&InputArgs> for InputSpec {
    fn from(a: &InputArgs) -> InputSpec {
        InputSpec {
            file: a.file.clone(),
            read: crate::input::ReadOptions {
                delimiter: a.delimiter,
                encoding: a.encoding.map(Into::into),
                sheet: a.sheet.clone(),
            },
            decimal: a.decimal.map(Into::into),
            flags: config::InputFlags {
                currency: a.currency,
                country: a.country,
                days_until_due: a.days_until_due,
                invoice_channel: a.invoice_channel,
                mapping: a.mapping.clone(),
            },
        }
    }
}

impl From<&ReportArgs> for SideFiles {
    fn from(r: &ReportArgs) -> SideFiles {
        SideFiles {
            report: r.report.clone(),
            annotate: r.annotate.clone(),
            emit_payloads: r.emit_payloads.clone(),
        }
    }
}

/// Resolves the request bodies' settings (see [`crate::pipeline::prepare::bodies`]).
pub fn bodies(loaded: &Loaded, flow: Option<Flow>, args: &SessionArgs) -> Result<Bodies> {
    let flags = config::SessionFlags {
        callback_url: args.callback_url.clone(),
        return_url: args.return_url.clone(),
        profile_id: args.profile_id.clone(),
    };
    crate::pipeline::prepare::bodies(loaded, &process_env, flow, &flags)
}

/// `validate` and `import --dry-run`: the bodies' settings resolved, then [`run`].
pub fn dry_run(
    input: &InputArgs,
    report: &ReportArgs,
    plan: Option<&std::path::Path>,
    flow: Option<Flow>,
    session: &SessionArgs,
    loaded: &Loaded,
    notices: &Notices,
) -> Result<Exit> {
    let bodies = bodies(loaded, flow, session)?;
    run(input, report, plan, loaded, &bodies, notices)
}

/// The dry run with these bodies' settings; with `plan`, also writes the plan.
pub fn run(
    input: &InputArgs,
    report: &ReportArgs,
    plan: Option<&std::path::Path>,
    loaded: &Loaded,
    bodies: &Bodies,
    notices: &Notices,
) -> Result<Exit> {
    // A plan holds every invoice's content hash, so it needs the typed invoices.
    let keep = report.emit_payloads.is_some() || plan.is_some();
    let p = prepare(&input.into(), loaded, &process_env, keep, report.quiet)?;
    let plan_out = plan.map(|path| Named::new("plan", path));
    check_paths(&p, loaded, &report.into(), &[], plan_out.as_slice())?;
    if let Some(path) = plan {
        crate::pipeline::approval::write(&p, path, notices)?;
    }
    // The report and the annotated copy speak the run's language; the pipeline's
    // write_side_files (English until it is converted) writes only the payloads here.
    let side: SideFiles = report.into();
    write_localized(loaded.lang, &p, &side)?;
    let payloads_only = SideFiles {
        emit_payloads: side.emit_payloads,
        ..SideFiles::default()
    };
    write_side_files(&p, &payloads_only, bodies)?;
    print_outcome_in(loaded.lang, &p, report, None, notices)
}

/// Writes the error report and the annotated copy asked for, their messages in `lang`.
fn write_localized(lang: Lang, p: &Prepared, side: &SideFiles) -> Result<()> {
    use crate::error::SetupContext as _;
    if let Some(path) = &side.report {
        let problems = &p.validation.problems;
        crate::output::report::write_report_in(
            lang,
            path,
            problems,
            &p.names,
            p.output_delimiter(),
        )
        .setup_context(|| format!("cannot write the report {}", path.display()))?;
    }
    if let Some(path) = &side.annotate {
        let reference = p.mapping.column(crate::mapping::Field::MerchantReference);
        let ann = crate::output::annotate::Annotations::new(&p.validation, &p.names, reference)
            .in_lang(lang);
        crate::output::annotate::write(&p.info, path, &ann)?;
    }
    Ok(())
}

/// [`print_outcome_in`] in English (the live import's refusal, not converted yet).
pub fn print_outcome(
    p: &Prepared,
    report: &ReportArgs,
    refusal: Option<&str>,
    notices: &Notices,
) -> Result<Exit> {
    print_outcome_in(Lang::En, p, report, refusal, notices)
}

/// Prints the dry run's summary in `lang` (the side files are written already) and
/// returns its exit code. `refusal` says why a live run sent nothing (it follows the
/// summary on stderr, and is in the JSON's `notices`).
pub fn print_outcome_in(
    lang: Lang,
    p: &Prepared,
    report: &ReportArgs,
    refusal: Option<&str>,
    notices: &Notices,
) -> Result<Exit> {
    let v = &p.validation;
    let exit = if v.errors() > 0 || refusal.is_some() {
        Exit::InputErrors
    } else {
        Exit::Ok
    };
    match report.format {
        FormatArg::Json => {
            if let Some(why) = refusal {
                notices.say(why);
            }
            let mut j = summary::render_json_in(lang, &p.info, v, &p.names);
            j["exit_code"] = exit.code().into();
            super::emit_json(j, notices);
        }
        FormatArg::Human => {
            let report_name = report.report.as_ref().map(|r| r.display().to_string());
            crate::out!(
                "{}",
                summary::render_text_in(lang, &p.info, v, &p.names, report_name.as_deref())
            );
            crate::outln!();
            crate::outln!("{}", verdict(lang, p));
            if let Some(why) = refusal {
                notices.say(why);
            }
        }
    }
    Ok(exit)
}

/// The dry run's last line.
fn verdict(lang: Lang, p: &Prepared) -> String {
    let v = &p.validation;
    if v.errors() > 0 {
        t!(
            lang,
            "summary-result-errors",
            errors = v.errors(),
            rejected = v.rejected.len(),
            invoices = v.invoice_count
        )
    } else {
        t!(lang, "summary-result-valid", invoices = v.invoice_count)
    }
}

/// Reads and validates a file as `validate FILE` does, from its arguments (the fuzz
/// harness and the tests call the command's first stage this way).
pub fn prepare_args(
    args: &InputArgs,
    loaded: &Loaded,
    keep: bool,
    quiet: bool,
) -> Result<Prepared> {
    prepare(&args.into(), loaded, &process_env, keep, quiet)
}
