//! The first stage of every command that reads an export: read, map, validate.
//!
//! `validate` stops after it and prints the summary; `import` sends exactly the invoices
//! it returns. It also owns the files both write besides the summary (the error report,
//! the annotated copy, the request bodies), so that a dry run and a live run write the
//! same ones the same way.

use crate::config::{self, Flow, Loaded};
use crate::dintero::payload::{SessionSettings, pay_request_with, two_step_bodies};
use crate::error::{Error, Result, SetupContext};
use crate::input::{self, ReadOptions, SourceInfo, Table};
use crate::mapping::{ColumnMap, Field, MappingFile};
use crate::model::DecimalConvention;
use crate::output::annotate::{self, Annotations};
use crate::output::paths::{Named, check_outputs};
use crate::output::progress::{Progress, Units};
use crate::output::{report::write_report, write_json_lines};
use crate::problem::ColumnNames;
use crate::validate::{EffectiveDefaults, Settings, Validation, Validator};
use std::path::PathBuf;

/// The environment as a lookup (the process's, or a test's).
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// What to read and how: the export, the reader's options, and the flags that give
/// defaults to rows that do not say.
#[derive(Clone, Debug)]
pub struct InputSpec {
    pub file: PathBuf,
    pub read: ReadOptions,
    pub decimal: Option<DecimalConvention>,
    pub flags: config::InputFlags,
}

/// A validated file.
pub struct Prepared {
    /// What was read, and how (the annotated copy reads it again the same way).
    pub input: InputSpec,
    /// The mapping file actually used (flag, environment or config file), if any.
    pub mapping_path: Option<PathBuf>,
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
    spec: &InputSpec,
    loaded: &Loaded,
    env: Env,
    keep: bool,
    quiet: bool,
) -> Result<Prepared> {
    // Defaults for rows that do not say: flags > environment > config file > mapping file
    // > built-in.
    let input_defaults = config::input_defaults(&spec.flags, env, &loaded.file)
        .map_err(|e| Error::settings(loaded, e))?;
    let mapping_path = input_defaults.mapping.as_ref().map(|m| m.value.clone());
    let mapping_file = match &mapping_path {
        Some(p) => Some(MappingFile::load(p)?),
        None => None,
    };
    let table: Table = input::open(&spec.file, &spec.read)?;
    let map = ColumnMap::resolve(&table.headers, mapping_file.as_ref())
        .map_err(|e| Error::refused(format!("{}: {e}", spec.file.display())))?;
    let names = ColumnNames {
        headers: table.headers.clone(),
        letters: table.is_spreadsheet(),
        ignored: listed_as_ignored(&table.headers, &map.unknown),
    };
    let settings = Settings {
        map: &map,
        defaults: effective_defaults(&map, &input_defaults),
        decimal: spec.decimal,
        keep,
    };
    let (info, validation) = validate_table(table, settings, quiet)?;
    if validation.lines == 0 {
        return Err(input::InputError::NoRows {
            path: spec.file.clone(),
        }
        .into());
    }
    Ok(Prepared {
        input: spec.clone(),
        mapping_path,
        info,
        names,
        validation,
        mapping: map,
    })
}

/// The mapping file's defaults, overridden by flags, environment and config file.
fn effective_defaults(map: &ColumnMap, given: &config::InputDefaults) -> EffectiveDefaults {
    let mut defaults = EffectiveDefaults::from_mapping(&map.defaults);
    if let Some(c) = &given.currency {
        defaults.currency = c.value;
    }
    if let Some(c) = &given.country {
        defaults.country = c.value;
    }
    if let Some(d) = &given.days_until_due {
        defaults.days_until_due = d.value;
    }
    if let Some(c) = &given.invoice_channel {
        defaults.invoice_channel = Some(c.value);
    }
    defaults
}

/// Streams the table through the validator, showing progress (bytes for CSV, rows for
/// spreadsheets).
fn validate_table(
    table: Table,
    settings: Settings,
    quiet: bool,
) -> Result<(SourceInfo, Validation)> {
    let units = if table.is_spreadsheet() {
        Units::Items("rows")
    } else {
        Units::Bytes
    };
    let mut progress = Progress::new("reading", units, quiet);
    let mut validator = Validator::new(settings);
    validator.on_progress(|done, total| progress.update(done, total, None));
    let info = table.read_all(&mut validator)?;
    let validation = validator.finish();
    progress.finish();
    Ok((info, validation))
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
    env: Env,
    flow: Option<Flow>,
    flags: &config::SessionFlags,
) -> Result<Bodies> {
    let run = config::run_settings(
        &config::RunFlags {
            flow,
            ..Default::default()
        },
        env,
        &loaded.file,
    )
    .map_err(|e| Error::settings(loaded, e))?;
    let session =
        config::session_config(flags, env, &loaded.file).map_err(|e| Error::settings(loaded, e))?;
    let flow = run.flow.value;
    if flags.profile_id.is_some() && flow == Flow::OneStep {
        return Err(Error::usage(
            "--profile-id is for two-step sessions (POST /v1/sessions-profile): add --flow two-step, or leave --profile-id out",
        ));
    }
    Ok(Bodies {
        flow,
        session: session.settings(),
    })
}

/// The files a command writes besides the summary and the results, if asked for.
#[derive(Clone, Debug, Default)]
pub struct SideFiles {
    /// Every problem, one CSV row each.
    pub report: Option<PathBuf>,
    /// The input again with `status` and `message` columns.
    pub annotate: Option<PathBuf>,
    /// The request bodies of every valid invoice, one JSON per line.
    pub emit_payloads: Option<PathBuf>,
}

/// Refuses (exit 2, nothing written) when an output would replace a file the command
/// reads (the export, the mapping, the config file, a plan), another output, or
/// something that is not an ordinary file. `reads` and `writes` add the command's own.
pub fn check_paths(
    p: &Prepared,
    loaded: &Loaded,
    side: &SideFiles,
    reads: &[Named],
    writes: &[Named],
) -> Result<()> {
    let mut inputs = vec![Named::new("input", &p.input.file)];
    if let Some(m) = &p.mapping_path {
        inputs.push(Named::new("mapping", m));
    }
    if let Some(c) = &loaded.path {
        inputs.push(Named::new("config", c));
    }
    inputs.extend_from_slice(reads);
    let mut outputs = Vec::new();
    if let Some(r) = &side.report {
        outputs.push(Named::new("report", r));
    }
    if let Some(a) = &side.annotate {
        outputs.push(Named::new("annotated copy", a));
    }
    if let Some(e) = &side.emit_payloads {
        outputs.push(Named::new("payloads file", e));
    }
    outputs.extend_from_slice(writes);
    Ok(check_outputs(&inputs, &outputs)?)
}

/// Writes the error report, the annotated copy and the payloads asked for (the dry run
/// and the live import alike).
pub fn write_side_files(p: &Prepared, side: &SideFiles, bodies: &Bodies) -> Result<()> {
    let v = &p.validation;
    if let Some(path) = &side.report {
        write_report(path, &v.problems, &p.names, p.output_delimiter())
            .setup_context(|| format!("cannot write the report {}", path.display()))?;
    }
    if let Some(path) = &side.annotate {
        let ann = Annotations::new(
            &p.validation,
            &p.names,
            p.mapping.column(Field::MerchantReference),
        );
        annotate::write(&p.info, path, &ann)?;
    }
    if let Some(path) = &side.emit_payloads {
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
        written.setup_context(|| format!("cannot write the payloads {}", path.display()))?;
    }
    Ok(())
}
