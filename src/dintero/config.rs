//! Where the client talks to and how.
//!
//! Both base URLs are configurable so tests and rehearsals can point at the
//! sandbox; plain `http://` is refused unless the host is loopback, so a typo
//! cannot send the client secret or a bearer token over the network in clear.

use std::net::IpAddr;
use std::time::Duration;

use reqwest::Url;

use super::error::ConfigError;

/// Dintero's auth host.
pub const DEFAULT_API_URL: &str = "https://api.dintero.com/v1";
/// Dintero's checkout host (sessions, transactions).
pub const DEFAULT_CHECKOUT_URL: &str = "https://checkout.dintero.com/v1";
/// `DINTERO_API_URL`
pub const ENV_API_URL: &str = "DINTERO_API_URL";
/// `DINTERO_CHECKOUT_URL`
pub const ENV_CHECKOUT_URL: &str = "DINTERO_CHECKOUT_URL";

/// The two base URLs, each including `/v1`, without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Auth base, e.g. `https://api.dintero.com/v1`.
    pub api: String,
    /// Checkout base, e.g. `https://checkout.dintero.com/v1`.
    pub checkout: String,
}

impl Default for Endpoints {
    fn default() -> Self {
        Endpoints {
            api: DEFAULT_API_URL.to_owned(),
            checkout: DEFAULT_CHECKOUT_URL.to_owned(),
        }
    }
}

impl Endpoints {
    /// Checked explicit base URLs (see [`check_base_url`]).
    pub fn new(api: &str, checkout: &str) -> Result<Self, ConfigError> {
        Ok(Endpoints {
            api: check_base_url(api)?
                .as_str()
                .trim_end_matches('/')
                .to_owned(),
            checkout: check_base_url(checkout)?
                .as_str()
                .trim_end_matches('/')
                .to_owned(),
        })
    }

    /// Both APIs on one server (the sandbox): `{base}/v1` for each.
    pub fn single_host(base: &str) -> Result<Self, ConfigError> {
        let v1 = format!("{}/v1", base.trim_end_matches('/'));
        Endpoints::new(&v1, &v1)
    }

    /// From the process environment (see [`Endpoints::from_env_with`]).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    /// `DINTERO_API_URL` / `DINTERO_CHECKOUT_URL`, each defaulting to
    /// Dintero's production host; empty values count as unset.
    pub fn from_env_with(env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str, default: &str| {
            env(name)
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| default.to_owned())
        };
        Endpoints::new(
            get(ENV_API_URL, DEFAULT_API_URL).trim(),
            get(ENV_CHECKOUT_URL, DEFAULT_CHECKOUT_URL).trim(),
        )
    }
}

/// Parses a base URL: `https://` anywhere, `http://` only to a loopback host
/// (`localhost`, `127.0.0.0/8`, `::1`); no query, fragment or credentials.
pub fn check_base_url(raw: &str) -> Result<Url, ConfigError> {
    let bad = |reason: &str| ConfigError::Url {
        url: raw.to_owned(),
        reason: reason.to_owned(),
    };
    let url = Url::parse(raw).map_err(|e| bad(&e.to_string()))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("a base URL takes no query or fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("a base URL takes no user or password"));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(ConfigError::InsecureUrl(raw.to_owned())),
        _ => Err(bad("only https:// (or http:// to loopback) is supported")),
    }
}

/// Whether the URL's host is a loopback address or `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    }
}

/// How the client behaves on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// Whole-request timeout (connect, send, and read the response). 60 s.
    pub request_timeout: Duration,
    /// Connect timeout, kept separate so that a connect failure is known to
    /// be "not sent". 10 s (or the request timeout if shorter).
    pub connect_timeout: Duration,
    /// `Dintero-System-Name` and the `User-Agent` product. `kravia-batch`.
    pub system_name: String,
    /// `Dintero-System-Version`. This crate's version.
    pub system_version: String,
    /// `Dintero-Feature-Toggles`; `None` sends no toggle.
    /// Default `strict-success-merchant-reference`.
    pub feature_toggles: Option<String>,
    /// `limit` of transaction list pages (1..=100). 100.
    pub page_size: u32,
}

/// The duplicate-prevention toggle sent by default.
pub const STRICT_SUCCESS_MERCHANT_REFERENCE: &str = "strict-success-merchant-reference";

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            request_timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            system_name: "kravia-batch".to_owned(),
            system_version: env!("CARGO_PKG_VERSION").to_owned(),
            feature_toggles: Some(STRICT_SUCCESS_MERCHANT_REFERENCE.to_owned()),
            page_size: 100,
        }
    }
}

impl ClientOptions {
    /// `kravia-batch/0.1.0`
    pub fn user_agent(&self) -> String {
        format!("{}/{}", self.system_name, self.system_version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        assert!(check_base_url("https://api.dintero.com/v1").is_ok());
        for ok in [
            "http://127.0.0.1:8080/v1",
            "http://127.9.9.9/v1",
            "http://localhost:1/v1",
            "http://[::1]:1/v1",
        ] {
            assert!(check_base_url(ok).is_ok(), "{ok}");
        }
        assert!(matches!(
            check_base_url("http://api.dintero.com/v1"),
            Err(ConfigError::InsecureUrl(_))
        ));
        assert!(matches!(
            check_base_url("http://10.0.0.1/v1"),
            Err(ConfigError::InsecureUrl(_))
        ));
        assert!(check_base_url("ftp://localhost/v1").is_err());
        assert!(check_base_url("not a url").is_err());
        assert!(check_base_url("https://u:p@api.dintero.com/v1").is_err());
    }

    #[test]
    fn env_defaults_and_overrides() {
        let e = Endpoints::from_env_with(|_| None).unwrap();
        assert_eq!(e, Endpoints::default());
        let e = Endpoints::from_env_with(|k| {
            (k == ENV_CHECKOUT_URL).then(|| "http://127.0.0.1:9/v1/".to_owned())
        })
        .unwrap();
        assert_eq!(e.checkout, "http://127.0.0.1:9/v1");
        assert_eq!(e.api, DEFAULT_API_URL);
    }
}
