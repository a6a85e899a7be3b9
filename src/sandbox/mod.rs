//! The sandbox: a local emulator of Dintero's Kravia API, so that
//! kravia-batch can be tested and rehearsed without network or credentials.
//!
//! It serves the endpoints kravia-batch uses (auth token, one-step and
//! two-step Kravia payments, transaction lookup, void, capture, invoice
//! files) on a loopback port, validates bodies like the real API, records a
//! ledger of every request and transaction, and injects faults on demand
//! (rate limits, latency, 5xx, dropped or slow responses after commit,
//! spurious 401s, FAILED transactions).
//!
//! Layout: `state` (plain data and rules), `validate` (request bodies),
//! `http` (axum router), `faults` (fault injection), `conn` (connections
//! that can be cut), `model` (domain records and their JSON), `error`.

mod conn;
mod error;
mod faults;
mod http;
mod model;
mod state;
mod validate;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle as ThreadHandle;
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use error::{ApiError, ApiErrorKind, FieldError, SandboxError};
pub use faults::{FaultRule, Faults};
pub use model::{
    EventError, EventKind, InvoiceChannel, InvoiceInfo, ProductType, SessionRecord,
    TransactionEvent, TransactionRecord, TransactionStatus,
};
pub use state::{
    Account, DUPLICATE_CODE, Ledger, LedgerRequest, STRICT_REFERENCE, STRICT_SUCCESS_REFERENCE,
};

use conn::{ConnHandle, KillableListener};
use faults::FaultEngine;
use state::State;

/// How long `shutdown` waits for in-flight requests before cutting them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// Configuration of a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Faults injected from the start (see [`Faults`]).
    pub faults: Faults,
    /// Lifetime of issued access tokens.
    pub token_lifetime: Duration,
    /// API clients accepted by the token endpoint.
    pub accounts: Vec<Account>,
}

impl Default for SandboxConfig {
    /// No faults, 4-hour tokens, one test account `T12345678` with client
    /// `sandbox-client` / `sandbox-secret`.
    fn default() -> Self {
        Self {
            faults: Faults::default(),
            token_lifetime: Duration::from_secs(14_400),
            accounts: vec![Account {
                account_id: "T12345678".to_owned(),
                client_id: "sandbox-client".to_owned(),
                client_secret: "sandbox-secret".to_owned(),
            }],
        }
    }
}

/// State shared by the handlers and the control handle.
pub(crate) struct Shared {
    state: Mutex<State>,
    faults: Mutex<FaultEngine>,
    base_url: String,
}

impl Shared {
    /// The state; a poisoned lock is recovered (the data stays consistent
    /// because every mutation completes inside one call).
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn faults(&self) -> MutexGuard<'_, FaultEngine> {
        self.faults.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    fn ledger(&self) -> Ledger {
        self.state().ledger()
    }

    fn set_faults(&self, faults: Faults) {
        self.faults().set(faults, Instant::now());
    }

    fn current_faults(&self) -> Faults {
        self.faults().faults().clone()
    }

    fn mark_paid(
        &self,
        transaction_id: &str,
        amount: Option<i64>,
    ) -> Result<TransactionRecord, SandboxError> {
        Ok(self.state().mark_paid(transaction_id, amount, Utc::now())?)
    }
}

/// A running sandbox. Dropping it stops the server (without waiting);
/// prefer [`SandboxHandle::shutdown`].
pub struct SandboxHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl std::fmt::Debug for SandboxHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxHandle")
            .field("addr", &self.addr)
            .finish()
    }
}

/// Starts a sandbox on `addr`, which must be a loopback address (port 0
/// picks a free port). Must be called inside a tokio runtime.
pub async fn start(config: SandboxConfig, addr: SocketAddr) -> Result<SandboxHandle, SandboxError> {
    if !addr.ip().is_loopback() {
        return Err(SandboxError::NotLoopback(addr));
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| SandboxError::Bind { addr, source })?;
    let addr = listener.local_addr()?;
    let base_url = format!("http://{addr}");
    let shared = Arc::new(Shared {
        state: Mutex::new(State::new(
            config.accounts,
            config.token_lifetime,
            base_url.clone(),
            fastrand::u64(..),
        )),
        faults: Mutex::new(FaultEngine::new(config.faults, Instant::now())),
        base_url,
    });
    let app = http::router(shared.clone()).into_make_service_with_connect_info::<ConnHandle>();
    let (stop, stopped) = oneshot::channel::<()>();
    let server =
        axum::serve(KillableListener::new(listener), app).with_graceful_shutdown(async move {
            // Either an explicit stop or the handle being dropped.
            let _ = stopped.await;
        });
    let task = tokio::spawn(async move { server.await });
    Ok(SandboxHandle {
        addr,
        shared,
        stop: Some(stop),
        task: Some(task),
    })
}

impl SandboxHandle {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (no trailing slash, no `/v1`).
    pub fn base_url(&self) -> String {
        self.shared.base_url().to_owned()
    }

    /// A snapshot of every request and transaction so far.
    pub fn ledger(&self) -> Ledger {
        self.shared.ledger()
    }

    /// Replaces the faults; rule counters and the rate-limit bucket restart.
    pub fn set_faults(&self, faults: Faults) {
        self.shared.set_faults(faults);
    }

    /// The faults in force.
    pub fn faults(&self) -> Faults {
        self.shared.current_faults()
    }

    /// Simulates the customer paying `amount` (the whole unpaid rest if
    /// `None`): a CAPTURE event, status CAPTURED or PARTIALLY_CAPTURED.
    pub fn mark_paid(
        &self,
        transaction_id: &str,
        amount: Option<i64>,
    ) -> Result<TransactionRecord, SandboxError> {
        self.shared.mark_paid(transaction_id, amount)
    }

    /// Stops accepting connections, waits up to 2 s for in-flight requests,
    /// then cuts the rest.
    pub async fn shutdown(mut self) -> Result<(), SandboxError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let Some(mut task) = self.task.take() else {
            return Ok(());
        };
        match tokio::time::timeout(SHUTDOWN_GRACE, &mut task).await {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(e))) => Err(SandboxError::Server(e.to_string())),
            Ok(Err(join)) => Err(SandboxError::Server(join.to_string())),
            Err(_elapsed) => {
                task.abort();
                Ok(())
            }
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Runs a sandbox until Ctrl-C, then shuts it down. Prints nothing.
pub async fn serve_until_ctrl_c(
    config: SandboxConfig,
    addr: SocketAddr,
) -> Result<(), SandboxError> {
    serve_until_ctrl_c_with(config, addr, |_| {}).await
}

/// Like [`serve_until_ctrl_c`], calling `on_ready` once the socket is bound
/// (e.g. to print [`SandboxHandle::base_url`] when serving on port 0).
pub async fn serve_until_ctrl_c_with(
    config: SandboxConfig,
    addr: SocketAddr,
    on_ready: impl FnOnce(&SandboxHandle),
) -> Result<(), SandboxError> {
    let handle = start(config, addr).await?;
    on_ready(&handle);
    let signal = tokio::signal::ctrl_c().await;
    let shutdown = handle.shutdown().await;
    signal?;
    shutdown
}

/// A sandbox running on its own runtime in a background thread, for plain
/// `#[test]` code (e.g. tests of the CLI binary). Dropping it stops it.
pub struct BlockingSandbox {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<ThreadHandle<()>>,
}

impl std::fmt::Debug for BlockingSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingSandbox")
            .field("addr", &self.addr)
            .finish()
    }
}

/// Starts a [`BlockingSandbox`] on a free loopback port.
pub fn start_blocking(config: SandboxConfig) -> Result<BlockingSandbox, SandboxError> {
    start_blocking_on(config, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
}

/// Starts a [`BlockingSandbox`] on `addr` (loopback only).
pub fn start_blocking_on(
    config: SandboxConfig,
    addr: SocketAddr,
) -> Result<BlockingSandbox, SandboxError> {
    type Ready = Result<(SocketAddr, Arc<Shared>), SandboxError>;
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Ready>();
    let (stop, stopped) = oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("kravia-sandbox".to_owned())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(SandboxError::Io(e)));
                    return;
                }
            };
            runtime.block_on(async move {
                match start(config, addr).await {
                    Ok(handle) => {
                        let _ = ready_tx.send(Ok((handle.addr(), handle.shared.clone())));
                        let _ = stopped.await;
                        let _ = handle.shutdown().await;
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
            });
        })?;
    match ready_rx.recv() {
        Ok(Ok((addr, shared))) => Ok(BlockingSandbox {
            addr,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        }),
        Ok(Err(e)) => {
            let _ = thread.join();
            Err(e)
        }
        Err(_) => {
            let _ = thread.join();
            Err(SandboxError::Runtime(
                "the sandbox thread exited before starting".to_owned(),
            ))
        }
    }
}

impl BlockingSandbox {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.shared.base_url().to_owned()
    }

    /// A snapshot of every request and transaction so far.
    pub fn ledger(&self) -> Ledger {
        self.shared.ledger()
    }

    /// Replaces the faults; rule counters and the rate-limit bucket restart.
    pub fn set_faults(&self, faults: Faults) {
        self.shared.set_faults(faults);
    }

    /// The faults in force.
    pub fn faults(&self) -> Faults {
        self.shared.current_faults()
    }

    /// See [`SandboxHandle::mark_paid`].
    pub fn mark_paid(
        &self,
        transaction_id: &str,
        amount: Option<i64>,
    ) -> Result<TransactionRecord, SandboxError> {
        self.shared.mark_paid(transaction_id, amount)
    }

    /// Stops the server and joins its thread.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for BlockingSandbox {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}
