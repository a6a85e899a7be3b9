//! The dry run: read, map, validate, and report. No network, no credentials.
//!
//! [`prepare`] is the shared first half of `validate` and `import`: the live run sends
//! exactly the invoices it returns.

use super::Failure;
use super::args::{FormatArg, InputArgs, ReportArgs};
use crate::config::{self, Loaded};
use crate::dintero::payload::{SessionSettings, pay_request_with, two_step_bodies};
use crate::exit::Exit;
use crate::input::{self, ReadOptions, SourceInfo, Table};
use crate::mapping::{ColumnMap, MappingFile};
use crate::output::paths::{Named, check_outputs};
use crate::output::progress::{Progress, Units};
use crate::output::{report::write_report, summary, write_json_lines};
use crate::problem::ColumnNames;
use crate::run::Flow;
use crate::validate::{EffectiveDefaults, Settings, Validation, Validator};
use anyhow::Context;

/// A validated file.
pub struct Prepared {
    /// What was read, and how (the annotated copy reads it again the same way).
    pub input: InputArgs,
    /// The mapping file actually used (flag, environment or config file), if any.
    pub mapping_path: Option<std::path::PathBuf>,
    pub info: SourceInfo,
    pub names: ColumnNames,
    pub validation: Validation,
    pub mapping: ColumnMap,
}

impl Prepared {
    /// The delimiter for CSV files the tool writes next to the input: the input's own
    /// for CSV, `;` (what a Nordic Excel expects) for spreadsheets.
    pub fn output_delimiter(&self) -> u8 {
        self.info.delimiter.unwrap_or(b';')
    }
}

/// Reads and validates a file. `keep` keeps the typed invoices for sending.
pub fn prepare(
    args: &InputArgs,
    loaded: &Loaded,
    keep: bool,
    quiet: bool,
) -> Result<Prepared, Failure> {
    // Defaults for rows that do not say: flags > environment > config file > mapping file
    // > built-in.
    let flags = config::InputFlags {
        currency: args.currency,
        country: args.country,
        days_until_due: args.days_until_due,
        invoice_channel: args.invoice_channel,
        mapping: args.mapping.clone(),
    };
    let input_defaults = config::input_defaults(&flags, &super::connect::process_env, &loaded.file)
        .map_err(|e| super::connect::settings_failure(loaded, e))?;
    let mapping_path = input_defaults.mapping.as_ref().map(|m| m.value.clone());
    let mapping_file = match &mapping_path {
        Some(p) => Some(MappingFile::load(p).map_err(|e| Failure::new(Exit::Config, e.into()))?),
        None => None,
    };
    let opts = ReadOptions {
        delimiter: args.delimiter,
        encoding: args.encoding.map(Into::into),
        sheet: args.sheet.clone(),
    };
    let table: Table = input::open(&args.file, &opts).map_err(input_failure)?;
    let map = ColumnMap::resolve(&table.headers, mapping_file.as_ref()).map_err(|e| {
        let path = args.file.display().to_string();
        Failure::new(Exit::InputErrors, anyhow::anyhow!("{path}: {e}"))
    })?;
    let names = ColumnNames {
        headers: table.headers.clone(),
        letters: table.is_spreadsheet(),
        ignored: listed_as_ignored(&table.headers, &map.unknown),
    };
    let mut defaults = EffectiveDefaults::from_mapping(&map.defaults);
    if let Some(c) = &input_defaults.currency {
        defaults.currency = c.value;
    }
    if let Some(c) = &input_defaults.country {
        defaults.country = c.value;
    }
    if let Some(d) = &input_defaults.days_until_due {
        defaults.days_until_due = d.value;
    }
    if let Some(c) = &input_defaults.invoice_channel {
        defaults.invoice_channel = Some(c.value);
    }
    let settings = Settings {
        map: &map,
        defaults,
        decimal: args.decimal.map(Into::into),
        keep,
    };
    // Readers report bytes for CSV, rows for spreadsheets.
    let units = if table.is_spreadsheet() {
        Units::Items("rows")
    } else {
        Units::Bytes
    };
    let mut progress = Progress::new("reading", units, quiet);
    let mut validator = Validator::new(settings);
    validator.on_progress(|done, total| progress.update(done, total, None));
    let info = table.read_all(&mut validator).map_err(input_failure)?;
    let validation = validator.finish();
    progress.finish();
    if validation.lines == 0 {
        return Err(input_failure(input::InputError::NoRows {
            path: args.file.clone(),
        }));
    }
    Ok(Prepared {
        input: args.clone(),
        mapping_path,
        info,
        names,
        validation,
        mapping: map,
    })
}

fn input_failure(e: input::InputError) -> Failure {
    let exit = if e.is_io() {
        Exit::Config
    } else {
        Exit::InputErrors
    };
    Failure::new(exit, e.into())
}

/// The unknown columns worth listing: all but an annotated copy's own `status` and
/// `message` pair (`--annotate` wrote them; a copy fed back is the same file to the tool).
fn listed_as_ignored(headers: &[String], unknown: &[usize]) -> Vec<usize> {
    use crate::output::annotate::{MESSAGE_HEADER, STATUS_HEADER};
    let is = |i: usize, name: &str| headers.get(i).is_some_and(|h| h.trim() == name);
    let annotation = |i: usize| {
        (is(i, STATUS_HEADER) && is(i + 1, MESSAGE_HEADER))
            || (i > 0 && is(i - 1, STATUS_HEADER) && is(i, MESSAGE_HEADER))
    };
    unknown
        .iter()
        .copied()
        .filter(|&i| !annotation(i))
        .collect()
}

/// What the request bodies are built with besides the invoices: the flow and the
/// session settings, resolved as the live run resolves them.
#[derive(Clone, Debug)]
pub struct Bodies {
    pub flow: Flow,
    pub session: SessionSettings,
}

/// Resolves [`Bodies`] from flags, environment and config file. A `--profile-id` given
/// on the command line with the one-step flow is a usage error (it would do nothing).
pub fn bodies(
    loaded: &Loaded,
    flow: Option<Flow>,
    args: &super::args::SessionArgs,
) -> Result<Bodies, Failure> {
    let env = &super::connect::process_env;
    let run = config::run_settings(
        &config::RunFlags {
            flow,
            ..Default::default()
        },
        env,
        &loaded.file,
    )
    .map_err(|e| super::connect::settings_failure(loaded, e))?;
    let flags = config::SessionFlags {
        callback_url: args.callback_url.clone(),
        return_url: args.return_url.clone(),
        profile_id: args.profile_id.clone(),
    };
    let session = config::session_config(&flags, env, &loaded.file)
        .map_err(|e| super::connect::settings_failure(loaded, e))?;
    let flow = run.flow.value;
    if args.profile_id.is_some() && flow == Flow::OneStep {
        return Err(Failure::new(
            Exit::Usage,
            anyhow::anyhow!(
                "--profile-id is for two-step sessions (POST /v1/sessions-profile): add --flow two-step, or leave --profile-id out"
            ),
        ));
    }
    Ok(Bodies {
        flow,
        session: session.settings(),
    })
}

/// `validate` and `import --dry-run`; with `plan`, also writes the plan.
pub fn run(
    input: &InputArgs,
    report: &ReportArgs,
    plan: Option<&std::path::Path>,
    loaded: &Loaded,
    bodies: &Bodies,
) -> Result<Exit, Failure> {
    // A plan holds every invoice's content hash, so it needs the typed invoices.
    let keep = report.emit_payloads.is_some() || plan.is_some();
    let p = prepare(input, loaded, keep, report.quiet)?;
    let plan_out = plan.map(|path| Named::new("plan", path));
    check_paths(&p, loaded, report, &[], plan_out.as_slice())?;
    if let Some(path) = plan {
        super::plan::write(&p, path)?;
    }
    print_outcome(&p, report, bodies)
}

/// Refuses (exit 2, nothing written) when an output would replace a file the command
/// reads (the export, the mapping, the config file, a plan), another output, or
/// something that is not an ordinary file. `reads` and `writes` add the command's own.
pub fn check_paths(
    p: &Prepared,
    loaded: &Loaded,
    report: &ReportArgs,
    reads: &[Named],
    writes: &[Named],
) -> Result<(), Failure> {
    let mut inputs = vec![Named::new("input", &p.input.file)];
    if let Some(m) = &p.mapping_path {
        inputs.push(Named::new("mapping", m));
    }
    if let Some(c) = &loaded.path {
        inputs.push(Named::new("config", c));
    }
    inputs.extend_from_slice(reads);
    let mut outputs = Vec::new();
    if let Some(r) = &report.report {
        outputs.push(Named::new("report", r));
    }
    if let Some(a) = &report.annotate {
        outputs.push(Named::new("annotated copy", a));
    }
    if let Some(e) = &report.emit_payloads {
        outputs.push(Named::new("payloads file", e));
    }
    outputs.extend_from_slice(writes);
    check_outputs(&inputs, &outputs).map_err(|e| Failure::new(Exit::Usage, e.into()))
}

/// Writes the error report, the annotated copy and the payloads asked for (the dry run
/// and the live import alike).
pub fn write_side_files(p: &Prepared, report: &ReportArgs, bodies: &Bodies) -> Result<(), Failure> {
    let v = &p.validation;
    if let Some(path) = &report.report {
        write_report(path, &v.problems, &p.names, p.output_delimiter())
            .with_context(|| format!("cannot write the report {}", path.display()))
            .map_err(|e| Failure::new(Exit::Config, e))?;
    }
    if let Some(path) = &report.annotate {
        super::annotate::write(p, path)?;
    }
    if let Some(path) = &report.emit_payloads {
        let written = match bodies.flow {
            Flow::OneStep => write_json_lines(
                path,
                v.invoices
                    .iter()
                    .map(|i| pay_request_with(i, &bodies.session)),
            ),
            Flow::TwoStep => write_json_lines(
                path,
                v.invoices
                    .iter()
                    .map(|i| two_step_bodies(i, &bodies.session)),
            ),
        };
        written
            .with_context(|| format!("cannot write the payloads {}", path.display()))
            .map_err(|e| Failure::new(Exit::Config, e))?;
    }
    Ok(())
}

/// Writes the report and payload files asked for and prints the summary; returns the
/// dry run's exit code.
pub fn print_outcome(p: &Prepared, report: &ReportArgs, bodies: &Bodies) -> Result<Exit, Failure> {
    let v = &p.validation;
    write_side_files(p, report, bodies)?;
    let exit = if v.errors() > 0 {
        Exit::InputErrors
    } else {
        Exit::Ok
    };
    match report.format {
        FormatArg::Json => {
            let mut j = summary::render_json(&p.info, v, &p.names);
            j["exit_code"] = exit.code().into();
            crate::outln!("{j:#}");
        }
        FormatArg::Human => {
            let report_name = report.report.as_ref().map(|r| r.display().to_string());
            crate::out!(
                "{}",
                summary::render_text(&p.info, v, &p.names, report_name.as_deref())
            );
            crate::outln!();
            if v.errors() > 0 {
                crate::outln!(
                    "Result: {} ({} of {} invoices affected); nothing would be sent. Fix the rows listed in the export and run again.",
                    summary::plural(v.errors() as u64, "error"),
                    v.rejected.len(),
                    v.invoice_count
                );
            } else {
                crate::outln!(
                    "Result: all {} invoices are valid. Nothing was sent (dry run).",
                    v.invoice_count
                );
            }
        }
    }
    Ok(exit)
}
