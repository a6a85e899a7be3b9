//! Starting and stopping a sandbox inside a tokio runtime: [`start`],
//! [`SandboxHandle`] and the Ctrl-C loop of `kravia-batch sandbox`.
//!
//! The handle only controls (faults, payments, a snapshot of the ledger: the
//! [`SandboxControl`] it dereferences to); requests
//! are served by axum on a listener whose connections a fault can cut (conn.rs).
//! Shutdown is graceful for two seconds, then cuts what is left, so a test never
//! hangs on a client that keeps a connection open.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::config::SandboxConfig;
use super::conn::{ConnHandle, KillableListener};
use super::control::SandboxControl;
use super::error::SandboxError;
use super::http;
use super::shared::Shared;

/// How long `shutdown` waits for in-flight requests before cutting them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// A running sandbox. Dropping it stops the server (without waiting);
/// prefer [`SandboxHandle::shutdown`].
pub struct SandboxHandle {
    control: SandboxControl,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl std::fmt::Debug for SandboxHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxHandle")
            .field("addr", &self.control.addr())
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
    let shared = Arc::new(Shared::new(config, base_url));
    let app = http::router(shared.clone()).into_make_service_with_connect_info::<ConnHandle>();
    let (stop, stopped) = oneshot::channel::<()>();
    let server =
        axum::serve(KillableListener::new(listener), app).with_graceful_shutdown(async move {
            // Either an explicit stop or the handle being dropped.
            let _ = stopped.await;
        });
    let task = tokio::spawn(async move { server.await });
    Ok(SandboxHandle {
        control: SandboxControl::new(addr, shared),
        stop: Some(stop),
        task: Some(task),
    })
}

impl std::ops::Deref for SandboxHandle {
    type Target = SandboxControl;

    /// The control methods (`addr`, `base_url`, `ledger`, faults, `mark_paid`).
    fn deref(&self) -> &SandboxControl {
        &self.control
    }
}

impl SandboxHandle {
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
/// (e.g. to print [`SandboxControl::base_url`](super::SandboxControl::base_url) when serving on port 0).
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
