//! [`BlockingSandbox`]: a sandbox on its own runtime in a background thread, for
//! plain `#[test]` code and the CLI's in-process rehearsal.
//!
//! Separate from server.rs because it owns a thread and a runtime, which the async
//! handle must not: an async caller already has a runtime, and a second one inside
//! it would panic. The control methods are [`SandboxControl`]'s, as for
//! [`SandboxHandle`](super::SandboxHandle).

use std::net::{Ipv4Addr, SocketAddr};
use std::thread::JoinHandle as ThreadHandle;

use tokio::sync::oneshot;

use super::config::SandboxConfig;
use super::control::SandboxControl;
use super::error::SandboxError;
use super::server::start;

/// A sandbox running on its own runtime in a background thread, for plain
/// `#[test]` code (e.g. tests of the CLI binary). Dropping it stops it.
pub struct BlockingSandbox {
    control: SandboxControl,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<ThreadHandle<()>>,
}

impl std::fmt::Debug for BlockingSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingSandbox")
            .field("addr", &self.control.addr())
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
    type Ready = Result<SandboxControl, SandboxError>;
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
                        let _ = ready_tx.send(Ok((*handle).clone()));
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
        Ok(Ok(control)) => Ok(BlockingSandbox {
            control,
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

impl std::ops::Deref for BlockingSandbox {
    type Target = SandboxControl;

    /// The control methods (`addr`, `base_url`, `ledger`, faults, `mark_paid`).
    fn deref(&self) -> &SandboxControl {
        &self.control
    }
}

impl BlockingSandbox {
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
