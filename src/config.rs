//! Settings: what a run uses, and where each value came from.
//!
//! Precedence, highest first: command-line flags, environment variables, the config file,
//! built-in defaults. One resolver applies it for every command, so `config check` shows
//! exactly what `import` will use. Resolution is pure: the environment comes in as a
//! lookup closure and the file as parsed text, so tests need no global state.
//!
//! The config file is TOML (`--config FILE`, `KRAVIA_BATCH_CONFIG`, or the per-user
//! default location of [`default_path`]). A missing default file is not an error; a
//! missing file that was named explicitly is.

use crate::model::{Country, Currency, InvoiceChannel};
use crate::output::results::ResultsFormat;
use crate::run::Flow;
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// `KRAVIA_BATCH_CONFIG`: the config file.
pub const ENV_CONFIG: &str = "KRAVIA_BATCH_CONFIG";
/// `KRAVIA_BATCH_DATA_DIR`: where the local record of invoiced references lives.
pub const ENV_DATA_DIR: &str = "KRAVIA_BATCH_DATA_DIR";

/// Why the settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigFileError {
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the config file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("the config file has an invalid value: {0}")]
    Value(String),
    #[error("{name}={value} is not valid: {message}")]
    Env {
        name: &'static str,
        value: String,
        message: String,
    },
}

/// The config file, as written. Every field is optional.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub dintero: DinteroSection,
    #[serde(default)]
    pub run: RunSection,
    #[serde(default)]
    pub input: InputSection,
    #[serde(default)]
    pub results: ResultsSection,
}

/// `[dintero]`: the account and where to reach it.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct DinteroSection {
    pub account_id: Option<String>,
    pub client_id: Option<String>,
    /// A file holding the client secret. (The secret itself is never read from the
    /// config file, which tends to be shared and backed up.)
    pub client_secret_file: Option<PathBuf>,
    pub api_url: Option<String>,
    pub checkout_url: Option<String>,
    /// `url.callback_url` of the sessions: Dintero calls it when a transaction changes.
    pub callback_url: Option<String>,
    /// `url.return_url` of the sessions (default [`crate::dintero::payload::DEFAULT_RETURN_URL`]).
    pub return_url: Option<String>,
    /// A checkout profile: two-step sessions are created through `/v1/sessions-profile`.
    pub profile_id: Option<String>,
}

/// `[run]`: pacing of requests.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RunSection {
    pub rate: Option<u32>,
    pub concurrency: Option<u32>,
    pub request_timeout: Option<f64>,
    pub flow: Option<Flow>,
    /// Days of Kravia transactions the duplicate check lists.
    pub check_window_days: Option<u32>,
}

/// `[input]`: defaults for rows that do not say.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct InputSection {
    pub currency: Option<String>,
    pub country: Option<String>,
    pub days_until_due: Option<u16>,
    pub invoice_channel: Option<String>,
    pub mapping: Option<PathBuf>,
}

/// `[results]`: where results files go.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct ResultsSection {
    /// A folder for results files (default: next to the input).
    pub dir: Option<PathBuf>,
    pub format: Option<String>,
    /// The folder of the local record of invoiced references.
    pub data_dir: Option<PathBuf>,
}

/// Where a setting's value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Flag,
    Env(&'static str),
    File,
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag => f.write_str("command line"),
            Source::Env(n) => write!(f, "environment {n}"),
            Source::File => f.write_str("config file"),
            Source::Default => f.write_str("default"),
        }
    }
}

/// A value and its source.
#[derive(Clone, Debug, PartialEq)]
pub struct Sourced<T> {
    pub value: T,
    pub source: Source,
}

/// The per-user config file: `$XDG_CONFIG_HOME/kravia-batch/config.toml` (or
/// `~/.config/...`) on Linux, `~/Library/Application Support/kravia-batch/config.toml` on
/// macOS, `%APPDATA%\kravia-batch\config.toml` on Windows.
pub fn default_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let get = |n: &str| env(n).filter(|v| !v.is_empty()).map(PathBuf::from);
    let base = if cfg!(windows) {
        get("APPDATA")
    } else if cfg!(target_os = "macos") {
        get("HOME").map(|h| h.join("Library").join("Application Support"))
    } else {
        get("XDG_CONFIG_HOME").or_else(|| get("HOME").map(|h| h.join(".config")))
    }?;
    Some(base.join("kravia-batch").join("config.toml"))
}

/// The per-user data folder (local record of invoiced references): `KRAVIA_BATCH_DATA_DIR`,
/// else `$XDG_DATA_HOME/kravia-batch` (or `~/.local/share/...`) on Linux,
/// `~/Library/Application Support/kravia-batch` on macOS, `%LOCALAPPDATA%\kravia-batch`
/// on Windows.
pub fn default_data_dir(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let get = |n: &str| env(n).filter(|v| !v.is_empty()).map(PathBuf::from);
    let base = if cfg!(windows) {
        get("LOCALAPPDATA").or_else(|| get("APPDATA"))
    } else if cfg!(target_os = "macos") {
        get("HOME").map(|h| h.join("Library").join("Application Support"))
    } else {
        get("XDG_DATA_HOME").or_else(|| get("HOME").map(|h| h.join(".local").join("share")))
    }?;
    Some(base.join("kravia-batch"))
}

/// A loaded config file: its path (if any) and content.
#[derive(Debug, Default, Clone)]
pub struct Loaded {
    pub path: Option<PathBuf>,
    pub file: ConfigFile,
}

impl Loaded {
    /// Loads the file named by `explicit` (flag or `KRAVIA_BATCH_CONFIG`, which clap
    /// merges), else the default location if that file exists.
    pub fn load(
        explicit: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Loaded, ConfigFileError> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => match default_path(env) {
                Some(p) if p.is_file() => p,
                _ => return Ok(Loaded::default()),
            },
        };
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigFileError::Read {
            path: path.clone(),
            source,
        })?;
        let file = parse(&text).map_err(|message| ConfigFileError::Parse {
            path: path.clone(),
            message,
        })?;
        // Relative paths in the file are relative to the file, not to wherever the
        // wrapper script happens to run.
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let file = file.relative_to(&base);
        Ok(Loaded {
            path: Some(path),
            file,
        })
    }
}

/// Parses config text; the message names the line and the problem. It never quotes the
/// file's text: a secret typed into the wrong key must not be echoed to the terminal.
pub fn parse(text: &str) -> Result<ConfigFile, String> {
    toml::from_str::<ConfigFile>(text).map_err(|e| {
        let message = e.message().trim().to_string();
        match e.span() {
            Some(span) => {
                let start = span.start.min(text.len());
                let line = text[..start].matches('\n').count() + 1;
                // Name the key of that line (never its value).
                let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
                let key = text[line_start..]
                    .split_once('=')
                    .map(|(k, _)| k.trim())
                    .filter(|k| {
                        !k.is_empty()
                            && k.chars()
                                .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
                    });
                match key {
                    Some(k) => format!("line {line}, {k}: {message}"),
                    None => format!("line {line}: {message}"),
                }
            }
            None => message,
        }
    })
}

impl ConfigFile {
    fn relative_to(mut self, base: &Path) -> ConfigFile {
        let fix = |p: &mut Option<PathBuf>| {
            if let Some(path) = p
                && path.is_relative()
            {
                *path = base.join(&*path);
            }
        };
        fix(&mut self.dintero.client_secret_file);
        fix(&mut self.input.mapping);
        fix(&mut self.results.dir);
        fix(&mut self.results.data_dir);
        self
    }
}

/// Picks flag, then environment, then file, then default; `parse` turns an environment
/// string into a value.
fn pick<T>(
    flag: Option<T>,
    env: &dyn Fn(&str) -> Option<String>,
    name: &'static str,
    parse: impl Fn(&str) -> Result<T, String>,
    file: Option<T>,
    default: T,
) -> Result<Sourced<T>, ConfigFileError> {
    if let Some(value) = flag {
        return Ok(Sourced {
            value,
            source: Source::Flag,
        });
    }
    if let Some(raw) = env(name).filter(|v| !v.trim().is_empty()) {
        let value = parse(raw.trim()).map_err(|message| ConfigFileError::Env {
            name,
            value: raw.clone(),
            message,
        })?;
        return Ok(Sourced {
            value,
            source: Source::Env(name),
        });
    }
    if let Some(value) = file {
        return Ok(Sourced {
            value,
            source: Source::File,
        });
    }
    Ok(Sourced {
        value: default,
        source: Source::Default,
    })
}

fn parse_num<T: std::str::FromStr>(s: &str) -> Result<T, String> {
    s.parse::<T>().map_err(|_| "not a number".to_string())
}

/// The pacing settings of a run, resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSettings {
    pub rate: Sourced<u32>,
    pub concurrency: Sourced<u32>,
    pub request_timeout: Sourced<f64>,
    pub flow: Sourced<Flow>,
    /// Days back the duplicate check looks at Dintero (see [`DEFAULT_CHECK_WINDOW_DAYS`]).
    pub check_window_days: Sourced<u32>,
}

/// The duplicate check's default window: a quarter, longer than any month's resend.
pub const DEFAULT_CHECK_WINDOW_DAYS: u32 = 90;

/// Flag values of the run settings (`None` where the flag was not given).
#[derive(Clone, Debug, Default)]
pub struct RunFlags {
    pub rate: Option<u32>,
    pub concurrency: Option<u32>,
    pub request_timeout: Option<f64>,
    pub flow: Option<Flow>,
    pub check_window_days: Option<u32>,
}

/// `KRAVIA_BATCH_RATE`, `KRAVIA_BATCH_CONCURRENCY`, `KRAVIA_BATCH_REQUEST_TIMEOUT`,
/// `KRAVIA_BATCH_FLOW`, `KRAVIA_BATCH_CHECK_WINDOW_DAYS`.
pub fn run_settings(
    flags: &RunFlags,
    env: &dyn Fn(&str) -> Option<String>,
    file: &ConfigFile,
) -> Result<RunSettings, ConfigFileError> {
    let range = |lo: u32, hi: u32| {
        move |s: &str| {
            let n: u32 = parse_num(s)?;
            if (lo..=hi).contains(&n) {
                Ok(n)
            } else {
                Err(format!("must be {lo} to {hi}"))
            }
        }
    };
    let check_file = |name: &str, v: Option<u32>, lo: u32, hi: u32| match v {
        Some(n) if !(lo..=hi).contains(&n) => Err(ConfigFileError::Value(format!(
            "run.{name} = {n} must be {lo} to {hi}"
        ))),
        _ => Ok(v),
    };
    Ok(RunSettings {
        rate: pick(
            flags.rate,
            env,
            "KRAVIA_BATCH_RATE",
            range(1, 10_000),
            check_file("rate", file.run.rate, 1, 10_000)?,
            10,
        )?,
        concurrency: pick(
            flags.concurrency,
            env,
            "KRAVIA_BATCH_CONCURRENCY",
            range(1, 256),
            check_file("concurrency", file.run.concurrency, 1, 256)?,
            8,
        )?,
        request_timeout: pick(
            flags.request_timeout,
            env,
            "KRAVIA_BATCH_REQUEST_TIMEOUT",
            |s| {
                let n: f64 = parse_num(s)?;
                if n > 0.0 && n.is_finite() {
                    Ok(n)
                } else {
                    Err("must be a positive number of seconds".into())
                }
            },
            file.run.request_timeout,
            60.0,
        )?,
        flow: pick(
            flags.flow,
            env,
            "KRAVIA_BATCH_FLOW",
            |s| match s {
                "one-step" => Ok(Flow::OneStep),
                "two-step" => Ok(Flow::TwoStep),
                _ => Err("use one-step or two-step".into()),
            },
            file.run.flow,
            Flow::OneStep,
        )?,
        check_window_days: pick(
            flags.check_window_days,
            env,
            "KRAVIA_BATCH_CHECK_WINDOW_DAYS",
            range(1, 3650),
            check_file("check_window_days", file.run.check_window_days, 1, 3650)?,
            DEFAULT_CHECK_WINDOW_DAYS,
        )?,
    })
}

/// Where to reach Dintero, resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct EndpointSettings {
    pub api_url: Sourced<String>,
    pub checkout_url: Sourced<String>,
}

/// `--api-url`/`DINTERO_API_URL`/`dintero.api_url`, same for the checkout URL.
pub fn endpoint_settings(
    api_flag: Option<String>,
    checkout_flag: Option<String>,
    env: &dyn Fn(&str) -> Option<String>,
    file: &ConfigFile,
) -> Result<EndpointSettings, ConfigFileError> {
    use crate::dintero::config::{
        DEFAULT_API_URL, DEFAULT_CHECKOUT_URL, ENV_API_URL, ENV_CHECKOUT_URL,
    };
    let text = |s: &str| Ok(s.to_string());
    Ok(EndpointSettings {
        api_url: pick(
            api_flag,
            env,
            ENV_API_URL,
            text,
            file.dintero.api_url.clone(),
            DEFAULT_API_URL.to_string(),
        )?,
        checkout_url: pick(
            checkout_flag,
            env,
            ENV_CHECKOUT_URL,
            text,
            file.dintero.checkout_url.clone(),
            DEFAULT_CHECKOUT_URL.to_string(),
        )?,
    })
}

/// The session settings, resolved: the `url` object and the checkout profile.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionConfig {
    pub callback_url: Option<Sourced<String>>,
    pub return_url: Sourced<String>,
    pub profile_id: Option<Sourced<String>>,
}

impl SessionConfig {
    /// The settings the request bodies are built with.
    pub fn settings(&self) -> crate::dintero::payload::SessionSettings {
        crate::dintero::payload::SessionSettings {
            callback_url: self.callback_url.as_ref().map(|c| c.value.clone()),
            return_url: self.return_url.value.clone(),
            profile_id: self.profile_id.as_ref().map(|p| p.value.clone()),
        }
    }
}

/// Flags of the session settings.
#[derive(Clone, Debug, Default)]
pub struct SessionFlags {
    pub callback_url: Option<String>,
    pub return_url: Option<String>,
    pub profile_id: Option<String>,
}

/// Dintero calls `callback_url` from the internet: it must be `https` and not this
/// machine (the specification's rule; Dintero refuses the session otherwise).
pub fn check_callback_url(url: &str) -> Result<(), String> {
    let host = url
        .strip_prefix("https://")
        .map(|rest| rest.split(['/', ':', '?', '#']).next().unwrap_or(""));
    match host {
        None => Err("must be an https:// URL (Dintero calls it from the internet)".into()),
        Some("") => Err("has no host".into()),
        Some(h) if h.eq_ignore_ascii_case("localhost") || h.starts_with("127.") || h == "[::1]" => {
            Err("must not point at this machine: Dintero calls it from the internet".into())
        }
        Some(_) => Ok(()),
    }
}

/// `return_url` must be a web address.
pub fn check_return_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(r) if !r.is_empty() && !r.starts_with('/') => Ok(()),
        _ => Err("must be an http:// or https:// URL".into()),
    }
}

/// A checkout profile id: as Backoffice shows it, without spaces.
fn check_profile_id(id: &str) -> Result<(), String> {
    if id.is_empty() || id.len() > 100 || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Err("must be a checkout profile id as Backoffice shows it (no spaces)".into())
    } else {
        Ok(())
    }
}

/// `KRAVIA_BATCH_CALLBACK_URL`, `KRAVIA_BATCH_RETURN_URL`, `KRAVIA_BATCH_PROFILE_ID`, or
/// `dintero.callback_url`, `dintero.return_url`, `dintero.profile_id` in the file. Without
/// any: no callback, the default `return_url`, sessions through `/v1/sessions`.
pub fn session_config(
    flags: &SessionFlags,
    env: &dyn Fn(&str) -> Option<String>,
    file: &ConfigFile,
) -> Result<SessionConfig, ConfigFileError> {
    let d = &file.dintero;
    let checked = |key: &str,
                   check: fn(&str) -> Result<(), String>,
                   v: Option<&Sourced<String>>| {
        if let Some(s) = v
            && let Err(message) = check(&s.value)
        {
            return Err(match s.source {
                Source::Env(name) => ConfigFileError::Env {
                    name,
                    value: s.value.clone(),
                    message,
                },
                Source::Flag => ConfigFileError::Value(format!(
                    "--{} {}: {message}",
                    key.replace('_', "-"),
                    s.value
                )),
                _ => ConfigFileError::Value(format!("dintero.{key} = {:?}: {message}", s.value)),
            });
        }
        Ok(())
    };
    let text = |s: &str| Ok(s.to_string());
    let callback_url = pick_opt(
        flags.callback_url.clone(),
        env,
        "KRAVIA_BATCH_CALLBACK_URL",
        text,
        d.callback_url.clone().map(Ok),
        "dintero.callback_url",
    )?;
    let return_url = pick(
        flags.return_url.clone(),
        env,
        "KRAVIA_BATCH_RETURN_URL",
        text,
        d.return_url.clone(),
        crate::dintero::payload::DEFAULT_RETURN_URL.to_string(),
    )?;
    let profile_id = pick_opt(
        flags.profile_id.clone(),
        env,
        "KRAVIA_BATCH_PROFILE_ID",
        text,
        d.profile_id.clone().map(Ok),
        "dintero.profile_id",
    )?;
    checked("callback_url", check_callback_url, callback_url.as_ref())?;
    checked("return_url", check_return_url, Some(&return_url))?;
    checked("profile_id", check_profile_id, profile_id.as_ref())?;
    Ok(SessionConfig {
        callback_url,
        return_url,
        profile_id,
    })
}

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

fn pick_opt<T>(
    flag: Option<T>,
    env: &dyn Fn(&str) -> Option<String>,
    name: &'static str,
    parse: impl Fn(&str) -> Result<T, String>,
    file: Option<Result<T, String>>,
    key: &str,
) -> Result<Option<Sourced<T>>, ConfigFileError> {
    let file = match file {
        Some(Ok(v)) => Some(v),
        Some(Err(message)) => {
            return Err(ConfigFileError::Value(format!("{key}: {message}")));
        }
        None => None,
    };
    // Unset everywhere: `pick`'s default, `None`.
    let sourced = pick(
        flag.map(Some),
        env,
        name,
        |s| parse(s).map(Some),
        file.map(Some),
        None,
    )?;
    Ok(sourced.value.map(|value| Sourced {
        value,
        source: sourced.source,
    }))
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn flags_beat_env_beat_file_beat_defaults() {
        let file = parse("[run]\nrate = 5\nconcurrency = 3\nrequest_timeout = 9.5\n").unwrap();
        let env = env_of(&[("KRAVIA_BATCH_CONCURRENCY", "4")]);
        let flags = RunFlags {
            rate: Some(7),
            ..Default::default()
        };
        let s = run_settings(&flags, &env, &file).unwrap();
        assert_eq!((s.rate.value, s.rate.source), (7, Source::Flag));
        assert_eq!(
            (s.concurrency.value, s.concurrency.source),
            (4, Source::Env("KRAVIA_BATCH_CONCURRENCY"))
        );
        assert_eq!(s.request_timeout.value, 9.5);
        assert_eq!(s.request_timeout.source, Source::File);
        assert_eq!(
            (s.flow.value, s.flow.source),
            (Flow::OneStep, Source::Default)
        );
    }

    #[test]
    fn bad_values_name_their_origin() {
        let env = env_of(&[("KRAVIA_BATCH_RATE", "fast")]);
        let e = run_settings(&RunFlags::default(), &env, &ConfigFile::default()).unwrap_err();
        assert!(e.to_string().contains("KRAVIA_BATCH_RATE=fast"), "{e}");
        let e = parse("[run]\nrate = \"x\"\n").unwrap_err();
        assert!(e.contains("rate"), "{e}");
        let e = parse("[dintero]\nclient_secret = \"s3cr3t\"\n").unwrap_err();
        assert!(!e.contains("s3cr3t") && e.contains("client_secret"), "{e}");
        assert!(e.starts_with("line 2"), "{e}");
        let e = parse("[dintero]\naccount_id = \"s3cr3t\n").unwrap_err();
        assert!(!e.contains("s3cr3t"), "{e}");
        let file = parse("[input]\ncurrency = \"XYZ\"\n").unwrap();
        let e = input_defaults(&InputFlags::default(), &env_of(&[]), &file).unwrap_err();
        assert!(e.to_string().contains("input.currency"), "{e}");
    }

    #[test]
    fn input_defaults_layer() {
        let file = parse(
            "[input]\ncurrency = \"SEK\"\ndays_until_due = 30\ninvoice_channel = \"merchant\"\n",
        )
        .unwrap();
        let env = env_of(&[("KRAVIA_BATCH_DAYS_UNTIL_DUE", "10")]);
        let flags = InputFlags {
            currency: Some(Currency::NOK),
            ..Default::default()
        };
        let d = input_defaults(&flags, &env, &file).unwrap();
        assert_eq!(d.currency.unwrap().value, Currency::NOK);
        assert_eq!(d.days_until_due.unwrap().value, 10);
        assert_eq!(d.invoice_channel.unwrap().value, InvoiceChannel::Merchant);
        assert!(d.country.is_none());
    }

    #[test]
    fn default_locations() {
        let env = env_of(&[("HOME", "/home/kari")]);
        if cfg!(target_os = "linux") {
            assert_eq!(
                default_path(&env).unwrap(),
                PathBuf::from("/home/kari/.config/kravia-batch/config.toml")
            );
            assert_eq!(
                default_data_dir(&env).unwrap(),
                PathBuf::from("/home/kari/.local/share/kravia-batch")
            );
        }
        assert!(default_path(&env_of(&[])).is_none());
    }
}
