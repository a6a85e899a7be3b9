//! Where a command sends its requests: the in-process sandbox, or Dintero (or an external
//! sandbox) with credentials from the environment or the config file. Shared by
//! `import`, `status`, `void`, `capture` and `config check`, so they all resolve settings
//! the same way (flags > environment > config file > defaults).

use super::Failure;
use super::args::ConnArgs;
use crate::config::{self, Loaded, Source, Sourced};
use crate::dintero::client::Client;
use crate::dintero::config::{ClientOptions, Endpoints};
use crate::dintero::credentials::{
    AccountKind, Credentials, ENV_ACCOUNT_ID, ENV_CLIENT_ID, ENV_CLIENT_SECRET,
    ENV_CLIENT_SECRET_FILE,
};
use crate::exit::Exit;
use crate::run::Flow;
use crate::run::policy::Policy;
use crate::sandbox::{self, SandboxConfig, SandboxHandle};
use anyhow::{Context, anyhow};
use std::time::Duration;

/// The process environment as a lookup closure (the one place that reads it).
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

pub fn config_failure(e: impl Into<anyhow::Error>) -> Failure {
    Failure::new(Exit::Config, e.into())
}

/// The async runtime of a command. One thread: the work is waiting on the network, and a
/// single thread saves the cross-thread wake-ups of a work-stealing pool (measured with
/// bench/live_run.sh).
pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
        .map_err(config_failure)
}

/// A settings error, naming the config file when a value of it is at fault.
pub fn settings_failure(loaded: &Loaded, e: config::ConfigFileError) -> Failure {
    match (&e, &loaded.path) {
        (config::ConfigFileError::Value(_), Some(path)) => Failure::new(
            Exit::Config,
            anyhow::Error::new(e).context(format!("{} has a setting to correct", path.display())),
        ),
        _ => config_failure(e),
    }
}

/// A command's link to Dintero.
pub struct Connection {
    pub client: Client,
    pub account: String,
    pub kind: AccountKind,
    pub endpoints: Endpoints,
    /// The in-process sandbox, when the command runs against one.
    pub sandbox: Option<SandboxHandle>,
    pub settings: config::RunSettings,
    /// The one request policy (pacing, adaptive rate, token refresh, retries) every
    /// request of the command goes through; its stop flag is raised on Ctrl-C.
    pub policy: Policy,
}

impl Connection {
    /// Stops the in-process sandbox, if any.
    pub async fn close(mut self) {
        if let Some(h) = self.sandbox.take() {
            let _ = h.shutdown().await;
        }
    }

    /// Where requests go, as a journal records it: `in-process sandbox`, or the API and
    /// checkout base URLs.
    pub fn target(&self) -> String {
        if self.sandbox.is_some() {
            "in-process sandbox".to_string()
        } else {
            format!(
                "{} (checkout {})",
                self.endpoints.api, self.endpoints.checkout
            )
        }
    }

    /// The request policy, for `status`, `void`, `capture` and `download`.
    pub fn paced(&self) -> Policy {
        self.policy.clone()
    }

    /// From now on, Ctrl-C stops sending: no request starts after it (requests in flight
    /// finish). `on_signal` runs once, when it is pressed.
    pub fn stop_on_ctrl_c(&self, on_signal: impl FnOnce() + Send + 'static) {
        let stop = self.policy.stop_flag();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                stop.store(true, std::sync::atomic::Ordering::SeqCst);
                on_signal();
            }
        });
    }

    /// Gets a first token: unreachable hosts and wrong credentials stop a command here,
    /// before anything is sent.
    pub async fn check_token(&self) -> Result<(), Failure> {
        self.client
            .token()
            .await
            .with_context(|| {
                format!(
                    "cannot get a token from {}; nothing was sent. Check the URL, the network and the credentials, then run the same command again",
                    self.endpoints.api
                )
            })
            .map_err(config_failure)?;
        Ok(())
    }
}

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
) -> Result<config::RunSettings, Failure> {
    let flags = config::RunFlags {
        rate: conn.rate,
        concurrency: conn.concurrency,
        request_timeout: conn.request_timeout,
        flow,
        check_window_days: conn.check_window_days,
    };
    config::run_settings(&flags, &process_env, &loaded.file)
        .map_err(|e| settings_failure(loaded, e))
}

/// Resolves the endpoints (flags > environment > config file > defaults).
pub fn endpoint_settings(
    loaded: &Loaded,
    conn: &ConnArgs,
) -> Result<config::EndpointSettings, Failure> {
    config::endpoint_settings(
        conn.api_url.clone(),
        conn.checkout_url.clone(),
        &process_env,
        &loaded.file,
    )
    .map_err(|e| settings_failure(loaded, e))
}

/// Connects: to a fresh in-process sandbox when `in_process_sandbox`, else to the
/// resolved endpoints with the resolved credentials. No network traffic yet.
pub async fn connect(
    loaded: &Loaded,
    conn: &ConnArgs,
    flow: Option<Flow>,
    in_process_sandbox: bool,
) -> Result<Connection, Failure> {
    let settings = run_settings(loaded, conn, flow)?;
    let mut sandbox_handle = None;
    let (credentials, endpoints) = if in_process_sandbox {
        let config = SandboxConfig::default();
        let account = config
            .accounts
            .first()
            .cloned()
            .ok_or_else(|| config_failure(anyhow!("the sandbox has no account")))?;
        let handle = sandbox::start(config, ([127, 0, 0, 1], 0).into())
            .await
            .context("cannot start the in-process sandbox")
            .map_err(config_failure)?;
        let endpoints = Endpoints::single_host(&handle.base_url()).map_err(config_failure)?;
        let creds = Credentials::new(
            account.account_id.clone(),
            account.client_id.clone(),
            account.client_secret.clone().into(),
        )
        .map_err(config_failure)?;
        sandbox_handle = Some(handle);
        (creds, endpoints)
    } else {
        let env = credential_env(&process_env, &loaded.file);
        let creds = Credentials::from_env_with(env)
            .context(
                "set DINTERO_ACCOUNT_ID, DINTERO_CLIENT_ID and DINTERO_CLIENT_SECRET (or DINTERO_CLIENT_SECRET_FILE), or put account_id, client_id and client_secret_file in the config file's [dintero] section; or rehearse with --sandbox",
            )
            .map_err(config_failure)?;
        let e = endpoint_settings(loaded, conn)?;
        let endpoints =
            Endpoints::new(&e.api_url.value, &e.checkout_url.value).map_err(config_failure)?;
        (creds, endpoints)
    };
    let account = credentials.account_id.clone();
    let kind = credentials.account_kind().map_err(config_failure)?;
    if kind == AccountKind::Production && !conn.live {
        return Err(Failure::new(
            Exit::Usage,
            anyhow!(
                "{account} is a PRODUCTION account: real invoices reach real customers. Pass --live to confirm that this is intended."
            ),
        ));
    }
    let options = ClientOptions {
        request_timeout: Duration::from_secs_f64(settings.request_timeout.value.max(0.1)),
        ..ClientOptions::default()
    };
    let client = Client::new(credentials, &endpoints, options).map_err(config_failure)?;
    let policy = Policy::new(
        client.clone(),
        settings.rate.value,
        settings.concurrency.value as usize,
        std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
    );
    // How long only 429s may last before the command stops (exit 5, resumable): 5
    // minutes; KRAVIA_BATCH_STALL_SECONDS shortens it for rehearsals and tests.
    let policy = match process_env("KRAVIA_BATCH_STALL_SECONDS").and_then(|s| s.parse::<f64>().ok())
    {
        Some(s) if s > 0.0 && s.is_finite() => policy.with_stall(Duration::from_secs_f64(s)),
        _ => policy,
    };
    Ok(Connection {
        client,
        account,
        kind,
        endpoints,
        sandbox: sandbox_handle,
        settings,
        policy,
    })
}

/// A sourced value for display: `value (source)`.
pub fn shown<T: std::fmt::Display>(s: &Sourced<T>) -> String {
    format!("{} ({})", s.value, s.source)
}
