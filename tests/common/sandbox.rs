//! The embedded Dintero sandbox (`kravia_batch::sandbox`) for tests: started on a free
//! loopback port, with the test account every test uses.

use kravia_batch::sandbox::{
    BlockingSandbox, Faults, SandboxConfig, SandboxHandle, start, start_blocking,
};
use std::net::{Ipv4Addr, SocketAddr};
use std::ops::Deref;

/// The sandbox's test account (`SandboxConfig::default()`).
pub const ACCOUNT_ID: &str = "T12345678";
/// The test account's API client.
pub const CLIENT_ID: &str = "sandbox-client";
/// The test account's client secret: no output may ever show it.
pub const CLIENT_SECRET: &str = "sandbox-secret";

/// A sandbox on its own thread, for plain `#[test]`s of the binary; stopped when dropped.
/// Everything of [`BlockingSandbox`] (`ledger`, `set_faults`, `mark_paid`, ...) works on
/// it.
pub struct Sandbox(BlockingSandbox);

impl Sandbox {
    /// A sandbox without faults.
    pub fn start() -> Sandbox {
        Sandbox::with_config(SandboxConfig::default())
    }

    /// A sandbox with `faults` from the start.
    pub fn with_faults(faults: Faults) -> Sandbox {
        Sandbox::with_config(config(faults))
    }

    /// A sandbox with its whole configuration given (token lifetime, accounts).
    pub fn with_config(config: SandboxConfig) -> Sandbox {
        Sandbox(start_blocking(config).expect("sandbox"))
    }

    /// The environment that points the binary at this sandbox (see [`dintero_env`]).
    pub fn env(&self) -> [(&'static str, String); 5] {
        dintero_env(&self.base_url())
    }

    /// Requests so far that may create an invoice (`POST /v1/sessions...`).
    pub fn sends(&self) -> usize {
        self.ledger()
            .requests
            .iter()
            .filter(|r| r.method == "POST" && r.path.starts_with("/v1/sessions"))
            .count()
    }
}

impl Deref for Sandbox {
    type Target = BlockingSandbox;

    fn deref(&self) -> &BlockingSandbox {
        &self.0
    }
}

/// The `DINTERO_*` block for the test account at a server on `base_url`: account,
/// client, secret, and the API and checkout URLs (`base_url/v1`).
pub fn dintero_env(base_url: &str) -> [(&'static str, String); 5] {
    [
        ("DINTERO_ACCOUNT_ID", ACCOUNT_ID.to_owned()),
        ("DINTERO_CLIENT_ID", CLIENT_ID.to_owned()),
        ("DINTERO_CLIENT_SECRET", CLIENT_SECRET.to_owned()),
        ("DINTERO_API_URL", format!("{base_url}/v1")),
        ("DINTERO_CHECKOUT_URL", format!("{base_url}/v1")),
    ]
}

/// The default configuration with `faults`.
pub fn config(faults: Faults) -> SandboxConfig {
    SandboxConfig {
        faults,
        ..SandboxConfig::default()
    }
}

/// `127.0.0.1`, any free port.
pub fn loopback() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, 0))
}

/// A sandbox on the caller's runtime, for `#[tokio::test]`s of the HTTP API and client.
pub async fn start_async(config: SandboxConfig) -> SandboxHandle {
    start(config, loopback()).await.expect("sandbox starts")
}
