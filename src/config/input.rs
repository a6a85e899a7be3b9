//! Input defaults (currency, country, due days, channel, mapping) and where results go.

use super::{
    ConfigFile, ConfigFileError, ENV_DATA_DIR, Source, Sourced, default_data_dir, parse_num, pick,
    pick_opt,
};
use crate::config::ResultsFormat;
use crate::model::{Country, Currency, InvoiceChannel};
use std::path::PathBuf;

/// Input defaults, resolved (`None`: the built-in default or the mapping file's applies).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct InputDefaults {
    pub currency: Option<Sourced<Currency>>,
    pub country: Option<Sourced<Country>>,
    pub days_until_due: Option<Sourced<u16>>,
    pub invoice_channel: Option<Sourced<InvoiceChannel>>,
    pub mapping: Option<Sourced<PathBuf>>,
}

/// Flags of the input defaults.
#[derive(Clone, Debug, Default)]
pub struct InputFlags {
    pub currency: Option<Currency>,
    pub country: Option<Country>,
    pub days_until_due: Option<u16>,
    pub invoice_channel: Option<InvoiceChannel>,
    pub mapping: Option<PathBuf>,
}

/// `KRAVIA_BATCH_CURRENCY`, `KRAVIA_BATCH_COUNTRY`, `KRAVIA_BATCH_DAYS_UNTIL_DUE`,
/// `KRAVIA_BATCH_INVOICE_CHANNEL`, `KRAVIA_BATCH_MAPPING`.
pub fn input_defaults(
    flags: &InputFlags,
    env: &dyn Fn(&str) -> Option<String>,
    file: &ConfigFile,
) -> Result<InputDefaults, ConfigFileError> {
    let currency = |s: &str| Currency::parse(s).map_err(|e| e.to_string());
    let country = |s: &str| Country::parse(s).map_err(|e| e.to_string());
    let days = |s: &str| {
        let n: u16 = parse_num(s)?;
        if n <= 365 {
            Ok(n)
        } else {
            Err("must be 0 to 365".into())
        }
    };
    let channel =
        |s: &str| InvoiceChannel::parse(s).ok_or_else(|| "use kravia or merchant".to_string());
    let i = &file.input;
    Ok(InputDefaults {
        currency: pick_opt(
            flags.currency,
            env,
            "KRAVIA_BATCH_CURRENCY",
            currency,
            i.currency.as_deref().map(currency),
            "input.currency",
        )?,
        country: pick_opt(
            flags.country,
            env,
            "KRAVIA_BATCH_COUNTRY",
            country,
            i.country.as_deref().map(country),
            "input.country",
        )?,
        days_until_due: pick_opt(
            flags.days_until_due,
            env,
            "KRAVIA_BATCH_DAYS_UNTIL_DUE",
            days,
            i.days_until_due.map(|d| days(&d.to_string())),
            "input.days_until_due",
        )?,
        invoice_channel: pick_opt(
            flags.invoice_channel,
            env,
            "KRAVIA_BATCH_INVOICE_CHANNEL",
            channel,
            i.invoice_channel.as_deref().map(channel),
            "input.invoice_channel",
        )?,
        mapping: pick_opt(
            flags.mapping.clone(),
            env,
            "KRAVIA_BATCH_MAPPING",
            |s| Ok(PathBuf::from(s)),
            i.mapping.clone().map(Ok),
            "input.mapping",
        )?,
    })
}

/// Results location, resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct ResultsSettings {
    /// A folder for results files; `None`: next to the input.
    pub dir: Option<Sourced<PathBuf>>,
    pub format: Sourced<ResultsFormat>,
    /// The local record's folder; `None` when no per-user folder is known.
    pub data_dir: Option<Sourced<PathBuf>>,
}

/// `KRAVIA_BATCH_RESULTS_DIR`, `KRAVIA_BATCH_RESULTS_FORMAT`, `KRAVIA_BATCH_DATA_DIR`.
pub fn results_settings(
    format_flag: Option<ResultsFormat>,
    env: &dyn Fn(&str) -> Option<String>,
    file: &ConfigFile,
) -> Result<ResultsSettings, ConfigFileError> {
    let format = |s: &str| match s.to_ascii_lowercase().as_str() {
        "csv" => Ok(ResultsFormat::Csv),
        "json" => Ok(ResultsFormat::Json),
        "xlsx" => Ok(ResultsFormat::Xlsx),
        _ => Err("use csv, json or xlsx".to_string()),
    };
    let r = &file.results;
    let file_format = match r.format.as_deref().map(format) {
        Some(Err(message)) => {
            return Err(ConfigFileError::Value(format!("results.format: {message}")));
        }
        Some(Ok(f)) => Some(f),
        None => None,
    };
    let data_dir = pick_opt(
        None,
        env,
        ENV_DATA_DIR,
        |s| Ok(PathBuf::from(s)),
        r.data_dir.clone().map(Ok),
        "results.data_dir",
    )?
    .or_else(|| {
        default_data_dir(env).map(|value| Sourced {
            value,
            source: Source::Default,
        })
    });
    Ok(ResultsSettings {
        dir: pick_opt(
            None,
            env,
            "KRAVIA_BATCH_RESULTS_DIR",
            |s| Ok(PathBuf::from(s)),
            r.dir.clone().map(Ok),
            "results.dir",
        )?,
        format: pick(
            format_flag,
            env,
            "KRAVIA_BATCH_RESULTS_FORMAT",
            format,
            file_format,
            ResultsFormat::Csv,
        )?,
        data_dir,
    })
}
