//! API client credentials: account id, client id and secret.
//!
//! Why a type of its own: the secret must never be printed, logged or put in
//! an error, so it lives in a [`SecretString`] from the moment it is read,
//! and `Debug` is written by hand. Loading takes an environment-lookup
//! closure so tests (and a future config file layer) need not touch the
//! process environment, which is global state.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

use super::error::ConfigError;

/// `DINTERO_ACCOUNT_ID`
pub const ENV_ACCOUNT_ID: &str = "DINTERO_ACCOUNT_ID";
/// `DINTERO_CLIENT_ID`
pub const ENV_CLIENT_ID: &str = "DINTERO_CLIENT_ID";
/// `DINTERO_CLIENT_SECRET`
pub const ENV_CLIENT_SECRET: &str = "DINTERO_CLIENT_SECRET";
/// `DINTERO_CLIENT_SECRET_FILE`: a file holding the secret (trimmed).
pub const ENV_CLIENT_SECRET_FILE: &str = "DINTERO_CLIENT_SECRET_FILE";

/// Test or production, decided by the account id's first letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountKind {
    /// `T` + 8 digits: no real money.
    Test,
    /// `P` + 8 digits: real invoices.
    Production,
}

impl AccountKind {
    /// The kind of a Dintero account id, or an error if it is not `T`/`P`
    /// followed by exactly 8 ASCII digits.
    pub fn of(account_id: &str) -> Result<AccountKind, ConfigError> {
        let kind = match account_id.as_bytes().first() {
            Some(b'T') => AccountKind::Test,
            Some(b'P') => AccountKind::Production,
            _ => return Err(ConfigError::AccountId(account_id.to_owned())),
        };
        let digits = &account_id[1..];
        if digits.len() == 8 && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(kind)
        } else {
            Err(ConfigError::AccountId(account_id.to_owned()))
        }
    }
}

/// A Dintero API client's credentials.
#[derive(Clone)]
pub struct Credentials {
    /// `T12345678` or `P12345678`.
    pub account_id: String,
    /// The API client id (not secret).
    pub client_id: String,
    /// The API client secret.
    pub client_secret: SecretString,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("account_id", &self.account_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .finish()
    }
}

impl Credentials {
    /// Checks the account id and the non-empty client id and secret.
    pub fn new(
        account_id: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: SecretString,
    ) -> Result<Self, ConfigError> {
        let account_id = account_id.into().trim().to_owned();
        let client_id = client_id.into().trim().to_owned();
        AccountKind::of(&account_id)?;
        if client_id.is_empty() {
            return Err(ConfigError::Missing(ENV_CLIENT_ID));
        }
        if client_secret.expose_secret().is_empty() {
            return Err(ConfigError::Missing(ENV_CLIENT_SECRET));
        }
        Ok(Credentials {
            account_id,
            client_id,
            client_secret,
        })
    }

    /// Test or production.
    pub fn account_kind(&self) -> Result<AccountKind, ConfigError> {
        AccountKind::of(&self.account_id)
    }

    /// Loads from the process environment (see [`Credentials::from_env_with`]).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    /// Loads from `DINTERO_ACCOUNT_ID`, `DINTERO_CLIENT_ID` and either
    /// `DINTERO_CLIENT_SECRET` or `DINTERO_CLIENT_SECRET_FILE` (the file's
    /// content, trimmed), looked up through `env`. Empty values count as
    /// unset; setting both secret variables is an error (which one wins
    /// would be a guess).
    pub fn from_env_with(env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let account_id = get(ENV_ACCOUNT_ID).ok_or(ConfigError::Missing(ENV_ACCOUNT_ID))?;
        let client_id = get(ENV_CLIENT_ID).ok_or(ConfigError::Missing(ENV_CLIENT_ID))?;
        let secret = match (get(ENV_CLIENT_SECRET), get(ENV_CLIENT_SECRET_FILE)) {
            (Some(_), Some(_)) => return Err(ConfigError::AmbiguousSecret),
            (Some(s), None) => SecretString::from(s),
            (None, Some(path)) => read_secret_file(path.trim())?,
            (None, None) => return Err(ConfigError::Missing(ENV_CLIENT_SECRET)),
        };
        Credentials::new(account_id, client_id, secret)
    }
}

fn read_secret_file(path: &str) -> Result<SecretString, ConfigError> {
    let raw = std::fs::read_to_string(path).map_err(|source| ConfigError::SecretFile {
        path: path.to_owned(),
        source,
    })?;
    let raw = SecretString::from(raw);
    let trimmed = raw.expose_secret().trim();
    if trimmed.is_empty() {
        return Err(ConfigError::EmptySecretFile(path.to_owned()));
    }
    Ok(SecretString::from(trimmed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_kinds() {
        assert_eq!(AccountKind::of("T12345678").unwrap(), AccountKind::Test);
        assert_eq!(
            AccountKind::of("P00000001").unwrap(),
            AccountKind::Production
        );
        for bad in [
            "",
            "T",
            "T1234567",
            "T123456789",
            "X12345678",
            "t12345678",
            "T1234567a",
            "TÆ234567",
        ] {
            assert!(AccountKind::of(bad).is_err(), "{bad}");
        }
    }
}
