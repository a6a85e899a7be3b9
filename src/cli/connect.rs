//! Where a command sends its requests: the in-process sandbox, or Dintero (or an external
//! sandbox) with credentials from the environment or the config file. Shared by
//! `import`, `status`, `void`, `capture` and `config check`, so they all resolve settings
//! the same way (flags > environment > config file > defaults).

use super::args::ConnArgs;
use crate::config::{self, Flow, Loaded, Source, Sourced};
use crate::dintero::config::Endpoints;
use crate::dintero::credentials::{
    Credentials, ENV_ACCOUNT_ID, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_CLIENT_SECRET_FILE,
};
use crate::error::{Error, Result, SetupContext};
use crate::pipeline::connection::{Options, Target};
use std::time::Duration;

/// The process environment as a lookup closure (the one place that reads it).
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The async runtime of a command (see [`crate::pipeline::import::runtime`]).
pub use crate::pipeline::import::runtime;

/// A command's link to Dintero (see [`crate::pipeline::connection`]).
pub use crate::pipeline::connection::Connection;

/// The environment as the credentials loader sees it: the process environment, falling
/// back to the config file's `[dintero]` values. A secret given in the environment (either
/// way) hides the file's `client_secret_file`, so the two are never ambiguous.
pub fn credential_env<'a>(
    env: &'a dyn Fn(&str) -> Option<String>,
    file: &'a config::ConfigFile,
) -> impl Fn(&str) -> Option<String> + 'a {
    move |name: &str| {
        let set = |n: &str| env(n).filter(|v| !v.trim().is_empty());
        if let Some(v) = set(name) {
            return Some(v);
        }
        let d = &file.dintero;
        match name {
            ENV_ACCOUNT_ID => d.account_id.clone(),
            ENV_CLIENT_ID => d.client_id.clone(),
            ENV_CLIENT_SECRET_FILE if set(ENV_CLIENT_SECRET).is_none() => d
                .client_secret_file
                .as_ref()
                .map(|p| p.display().to_string()),
            _ => None,
        }
    }
}

/// Where one credential setting comes from (for `config check`).
pub fn credential_source(
    name: &'static str,
    env: &dyn Fn(&str) -> Option<String>,
    file: &config::ConfigFile,
) -> Option<Source> {
    if env(name).is_some_and(|v| !v.trim().is_empty()) {
        return Some(Source::Env(name));
    }
    let d = &file.dintero;
    let in_file = match name {
        ENV_ACCOUNT_ID => d.account_id.is_some(),
        ENV_CLIENT_ID => d.client_id.is_some(),
        ENV_CLIENT_SECRET_FILE => {
            d.client_secret_file.is_some()
                && env(ENV_CLIENT_SECRET).is_none_or(|v| v.trim().is_empty())
        }
        _ => false,
    };
    in_file.then_some(Source::File)
}

/// Resolves the run settings of a command.
pub fn run_settings(
    loaded: &Loaded,
    conn: &ConnArgs,
    flow: Option<Flow>,
) -> Result<config::RunSettings> {
    let flags = config::RunFlags {
        rate: conn.rate,
        concurrency: conn.concurrency,
        request_timeout: conn.request_timeout,
        flow,
        check_window_days: conn.check_window_days,
    };
    config::run_settings(&flags, &process_env, &loaded.file).map_err(|e| Error::settings(loaded, e))
}

/// Resolves the endpoints (flags > environment > config file > defaults).
pub fn endpoint_settings(loaded: &Loaded, conn: &ConnArgs) -> Result<config::EndpointSettings> {
    config::endpoint_settings(
        conn.api_url.clone(),
        conn.checkout_url.clone(),
        &process_env,
        &loaded.file,
    )
    .map_err(|e| Error::settings(loaded, e))
}

/// Where a command sends: a fresh in-process sandbox when `in_process_sandbox`, else the
/// resolved endpoints with the resolved credentials.
pub fn target(loaded: &Loaded, conn: &ConnArgs, in_process_sandbox: bool) -> Result<Target> {
    if in_process_sandbox {
        return Ok(Target::InProcessSandbox);
    }
    let env = credential_env(&process_env, &loaded.file);
    let credentials = Credentials::from_env_with(env).setup_context(|| {
        "set DINTERO_ACCOUNT_ID, DINTERO_CLIENT_ID and DINTERO_CLIENT_SECRET (or DINTERO_CLIENT_SECRET_FILE), or put account_id, client_id and client_secret_file in the config file's [dintero] section; or rehearse with --sandbox"
    })?;
    let e = endpoint_settings(loaded, conn)?;
    let endpoints =
        Endpoints::new(&e.api_url.value, &e.checkout_url.value).map_err(Error::setup)?;
    Ok(Target::Remote {
        credentials,
        endpoints,
    })
}

/// The connection's options: run settings, `--live`, and how long only 429s may last
/// before the command stops (exit 5, resumable): 5 minutes by default;
/// KRAVIA_BATCH_STALL_SECONDS shortens it for rehearsals and tests.
pub fn options(loaded: &Loaded, conn: &ConnArgs, flow: Option<Flow>) -> Result<Options> {
    let stall = process_env("KRAVIA_BATCH_STALL_SECONDS")
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| *s > 0.0 && s.is_finite())
        .map(Duration::from_secs_f64);
    Ok(Options {
        settings: run_settings(loaded, conn, flow)?,
        live: conn.live,
        stall,
    })
}

/// Connects (no network traffic yet): [`target`] and [`options`], then
/// [`crate::pipeline::connection::open`].
pub async fn connect(
    loaded: &Loaded,
    conn: &ConnArgs,
    flow: Option<Flow>,
    in_process_sandbox: bool,
) -> Result<Connection> {
    let target = target(loaded, conn, in_process_sandbox)?;
    crate::pipeline::connection::open(target, options(loaded, conn, flow)?).await
}

/// A sourced value for display: `value (source)`.
pub fn shown<T: std::fmt::Display>(s: &Sourced<T>) -> String {
    format!("{} ({})", s.value, s.source)
}
