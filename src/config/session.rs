//! Session settings: the `url` block every session carries (callback and return URLs)
//! and the two-step profile, checked here so that a wrong URL stops before sending.

use super::{ConfigFile, ConfigFileError, Source, Sourced, pick, pick_opt};

/// The session settings, resolved: the `url` object and the checkout profile.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionConfig {
    pub callback_url: Option<Sourced<String>>,
    pub return_url: Sourced<String>,
    pub profile_id: Option<Sourced<String>>,
}

impl SessionConfig {
    /// The settings the request bodies are built with.
    pub fn settings(&self) -> crate::dintero::payload::SessionSettings {
        crate::dintero::payload::SessionSettings {
            callback_url: self.callback_url.as_ref().map(|c| c.value.clone()),
            return_url: self.return_url.value.clone(),
            profile_id: self.profile_id.as_ref().map(|p| p.value.clone()),
        }
    }
}

/// Flags of the session settings.
#[derive(Clone, Debug, Default)]
pub struct SessionFlags {
    pub callback_url: Option<String>,
    pub return_url: Option<String>,
    pub profile_id: Option<String>,
}

/// Dintero calls `callback_url` from the internet: it must be `https` and not this
/// machine (the specification's rule; Dintero refuses the session otherwise).
pub fn check_callback_url(url: &str) -> Result<(), String> {
    let host = url
        .strip_prefix("https://")
        .map(|rest| rest.split(['/', ':', '?', '#']).next().unwrap_or(""));
    match host {
        None => Err("must be an https:// URL (Dintero calls it from the internet)".into()),
        Some("") => Err("has no host".into()),
        Some(h) if h.eq_ignore_ascii_case("localhost") || h.starts_with("127.") || h == "[::1]" => {
            Err("must not point at this machine: Dintero calls it from the internet".into())
        }
        Some(_) => Ok(()),
    }
}

/// `return_url` must be a web address.
pub fn check_return_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(r) if !r.is_empty() && !r.starts_with('/') => Ok(()),
        _ => Err("must be an http:// or https:// URL".into()),
    }
}

/// A checkout profile id: as Backoffice shows it, without spaces.
fn check_profile_id(id: &str) -> Result<(), String> {
    if id.is_empty() || id.len() > 100 || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Err("must be a checkout profile id as Backoffice shows it (no spaces)".into())
    } else {
        Ok(())
    }
}

/// `KRAVIA_BATCH_CALLBACK_URL`, `KRAVIA_BATCH_RETURN_URL`, `KRAVIA_BATCH_PROFILE_ID`, or
/// `dintero.callback_url`, `dintero.return_url`, `dintero.profile_id` in the file. Without
/// any: no callback, the default `return_url`, sessions through `/v1/sessions`.
pub fn session_config(
    flags: &SessionFlags,
    env: &dyn Fn(&str) -> Option<String>,
    file: &ConfigFile,
) -> Result<SessionConfig, ConfigFileError> {
    let d = &file.dintero;
    let checked = |key: &str,
                   check: fn(&str) -> Result<(), String>,
                   v: Option<&Sourced<String>>| {
        if let Some(s) = v
            && let Err(message) = check(&s.value)
        {
            return Err(match s.source {
                Source::Env(name) => ConfigFileError::Env {
                    name,
                    value: s.value.clone(),
                    message,
                },
                Source::Flag => ConfigFileError::Value(format!(
                    "--{} {}: {message}",
                    key.replace('_', "-"),
                    s.value
                )),
                _ => ConfigFileError::Value(format!("dintero.{key} = {:?}: {message}", s.value)),
            });
        }
        Ok(())
    };
    let text = |s: &str| Ok(s.to_string());
    let callback_url = pick_opt(
        flags.callback_url.clone(),
        env,
        "KRAVIA_BATCH_CALLBACK_URL",
        text,
        d.callback_url.clone().map(Ok),
        "dintero.callback_url",
    )?;
    let return_url = pick(
        flags.return_url.clone(),
        env,
        "KRAVIA_BATCH_RETURN_URL",
        text,
        d.return_url.clone(),
        crate::dintero::payload::DEFAULT_RETURN_URL.to_string(),
    )?;
    let profile_id = pick_opt(
        flags.profile_id.clone(),
        env,
        "KRAVIA_BATCH_PROFILE_ID",
        text,
        d.profile_id.clone().map(Ok),
        "dintero.profile_id",
    )?;
    checked("callback_url", check_callback_url, callback_url.as_ref())?;
    checked("return_url", check_return_url, Some(&return_url))?;
    checked("profile_id", check_profile_id, profile_id.as_ref())?;
    Ok(SessionConfig {
        callback_url,
        return_url,
        profile_id,
    })
}
