//! A command's link to Dintero: the client, the account, and the one request policy
//! every request goes through.
//!
//! Why here, below `cli`: the import pipeline and the lifecycle commands all need the
//! same connection, and none of them should depend on how the command line was parsed.
//! `cli::connect` resolves the settings (flags > environment > config file > defaults)
//! and calls [`open`].

use crate::config;
use crate::dintero::client::Client;
use crate::dintero::config::{ClientOptions, Endpoints};
use crate::dintero::credentials::{AccountKind, Credentials};
use crate::error::{Error, Result, SetupContext};
use crate::run::policy::Policy;
use crate::sandbox::{self, SandboxConfig, SandboxHandle};
use std::time::Duration;

/// Where a command sends its requests.
pub enum Target {
    /// A fresh sandbox in this process, forgotten at exit (a rehearsal).
    InProcessSandbox,
    /// Dintero, or an external sandbox, with these credentials.
    Remote {
        credentials: Credentials,
        endpoints: Endpoints,
    },
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
    pub async fn check_token(&self) -> Result<()> {
        self.client.token().await.setup_context(|| {
            format!(
                "cannot get a token from {}; nothing was sent. Check the URL, the network and the credentials, then run the same command again",
                self.endpoints.api
            )
        })?;
        Ok(())
    }
}

/// What [`open`] needs besides the target.
pub struct Options {
    pub settings: config::RunSettings,
    /// `--live` was given: a production account may be used.
    pub live: bool,
    /// How long only 429s may last before the command stops (default: the policy's).
    pub stall: Option<Duration>,
}

/// Connects: starts the in-process sandbox, or checks the credentials' account. No
/// request is sent yet. A production account without `--live` is refused here.
pub async fn open(target: Target, options: Options) -> Result<Connection> {
    let Options {
        settings,
        live,
        stall,
    } = options;
    let (credentials, endpoints, sandbox_handle) = match target {
        Target::InProcessSandbox => start_sandbox().await?,
        Target::Remote {
            credentials,
            endpoints,
        } => (credentials, endpoints, None),
    };
    let account = credentials.account_id.clone();
    let kind = credentials.account_kind().map_err(Error::setup)?;
    if kind == AccountKind::Production && !live {
        return Err(Error::usage(format!(
            "{account} is a PRODUCTION account: real invoices reach real customers. Pass --live to confirm that this is intended."
        )));
    }
    let options = ClientOptions {
        request_timeout: Duration::from_secs_f64(settings.request_timeout.value.max(0.1)),
        ..ClientOptions::default()
    };
    let client = Client::new(credentials, &endpoints, options).map_err(Error::setup)?;
    let policy = Policy::new(
        client.clone(),
        settings.rate.value,
        settings.concurrency.value as usize,
        std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
    );
    let policy = match stall {
        Some(s) => policy.with_stall(s),
        None => policy,
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

/// A fresh in-process sandbox and its one account's credentials.
async fn start_sandbox() -> Result<(Credentials, Endpoints, Option<SandboxHandle>)> {
    let config = SandboxConfig::default();
    let account = config
        .accounts
        .first()
        .cloned()
        .ok_or_else(|| Error::setup(anyhow::anyhow!("the sandbox has no account")))?;
    let handle = sandbox::start(config, ([127, 0, 0, 1], 0).into())
        .await
        .setup_context(|| "cannot start the in-process sandbox")?;
    let endpoints = Endpoints::single_host(&handle.base_url()).map_err(Error::setup)?;
    let creds = Credentials::new(
        account.account_id.clone(),
        account.client_id.clone(),
        account.client_secret.clone().into(),
    )
    .map_err(Error::setup)?;
    Ok((creds, endpoints, Some(handle)))
}
