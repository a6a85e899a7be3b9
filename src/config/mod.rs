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

use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

mod input;
mod modes;
mod run;
mod session;

pub use input::{InputDefaults, InputFlags, ResultsSettings, input_defaults, results_settings};
pub use modes::{Flow, Guard, ResultsFormat};
pub use run::{
    DEFAULT_CHECK_WINDOW_DAYS, EndpointSettings, RunFlags, RunSettings, endpoint_settings,
    run_settings,
};
pub use session::{
    SessionConfig, SessionFlags, check_callback_url, check_return_url, session_config,
};

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
    /// `lang = "nb"` or `"en"`: the language of messages (below `--lang` and
    /// `KRAVIA_LANG`, above LC_ALL / LC_MESSAGES / LANG; see [`crate::i18n`]).
    pub lang: Option<crate::i18n::Lang>,
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

/// A loaded config file: its path (if any) and content, and the run's language.
#[derive(Debug, Default, Clone)]
pub struct Loaded {
    pub path: Option<PathBuf>,
    pub file: ConfigFile,
    /// The language of the run: English as loaded; the cli sets it once it knows the
    /// flag ([`crate::i18n::Lang::resolve`]: `--lang` > the file's `lang` > locale).
    pub lang: crate::i18n::Lang,
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
            lang: crate::i18n::Lang::En,
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

#[cfg(test)]
mod tests;
