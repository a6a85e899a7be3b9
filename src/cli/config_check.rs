//! `kravia-batch config check`: the effective settings, where each comes from, and a test
//! of the credentials against the token endpoint.
//!
//! The developer who sets up an accountant's machine runs this once: it answers "which
//! config file is read?", "which account will invoices go to?" and "do the credentials
//! work?" without sending anything but a token request. Secrets are never shown: the
//! client secret appears as `set` or `missing` with its source.

use super::args::{ConfigCheckArgs, FormatArg};
use super::connect::{
    connect, credential_env, credential_source, endpoint_settings, process_env, run_settings,
};
use crate::config::{self, Loaded, Source, Sourced};
use crate::dintero::credentials::{
    AccountKind, Credentials, ENV_ACCOUNT_ID, ENV_CLIENT_ID, ENV_CLIENT_SECRET,
    ENV_CLIENT_SECRET_FILE,
};
use crate::error::{Error, Result};
use crate::exit::Exit;
use anyhow::Context;
use serde_json::{Value, json};

/// One line of the report: name, shown value, source.
struct Line {
    name: &'static str,
    value: String,
    source: Option<Source>,
}

fn line<T: std::fmt::Display>(name: &'static str, s: &Sourced<T>) -> Line {
    Line {
        name,
        value: s.value.to_string(),
        source: Some(s.source.clone()),
    }
}

fn opt_line<T: std::fmt::Display>(name: &'static str, s: &Option<Sourced<T>>, unset: &str) -> Line {
    match s {
        Some(s) => line(name, s),
        None => Line {
            name,
            value: unset.to_string(),
            source: Some(Source::Default),
        },
    }
}

pub fn run(args: &ConfigCheckArgs, loaded: &Loaded) -> Result<Exit> {
    let mut lines = credential_lines(loaded);
    let endpoints = dintero_lines(args, loaded, &mut lines)?;
    input_lines(loaded, &mut lines)?;
    results_lines(loaded, &mut lines)?;
    let check = check_account(args, loaded);
    let exit = if check.ok() { Exit::Ok } else { Exit::Config };
    match args.format {
        FormatArg::Json => print_json(loaded, &lines, &check, exit),
        FormatArg::Human => print_human(loaded, &lines, &check, &endpoints),
    }
    Ok(exit)
}

/// The environment the settings are read from (a function, so the stages can share it).
const ENV: &dyn Fn(&str) -> Option<String> = &process_env;

/// Credentials: shown (ids) or masked (secret), with their sources.
fn credential_lines(loaded: &Loaded) -> Vec<Line> {
    let file = &loaded.file;
    let cred_env = credential_env(ENV, file);
    let mut lines = Vec::new();
    for (name, key) in [
        ("dintero.account_id", ENV_ACCOUNT_ID),
        ("dintero.client_id", ENV_CLIENT_ID),
    ] {
        lines.push(Line {
            name,
            value: cred_env(key).unwrap_or_else(|| "missing".into()),
            source: credential_source(key, ENV, file),
        });
    }
    let secret_source = credential_source(ENV_CLIENT_SECRET, ENV, file)
        .or_else(|| credential_source(ENV_CLIENT_SECRET_FILE, ENV, file));
    lines.push(Line {
        name: "dintero.client_secret",
        value: match &secret_source {
            Some(Source::Env(ENV_CLIENT_SECRET)) => "set (hidden)".into(),
            Some(_) => format!(
                "read from {} (hidden)",
                cred_env(ENV_CLIENT_SECRET_FILE).unwrap_or_default()
            ),
            None => "missing".into(),
        },
        source: secret_source,
    });
    lines
}

/// Where requests go, what every session body carries besides the invoice
/// (docs/configuration.md), and the run's pace and flow. Returns the endpoints, which
/// the token line names.
fn dintero_lines(
    args: &ConfigCheckArgs,
    loaded: &Loaded,
    lines: &mut Vec<Line>,
) -> Result<config::EndpointSettings> {
    let endpoints = endpoint_settings(loaded, &args.conn)?;
    lines.push(line("dintero.api_url", &endpoints.api_url));
    lines.push(line("dintero.checkout_url", &endpoints.checkout_url));
    let session = config::session_config(&config::SessionFlags::default(), ENV, &loaded.file)
        .map_err(|e| Error::settings(loaded, e))?;
    lines.push(opt_line(
        "dintero.callback_url",
        &session.callback_url,
        "none (not sent)",
    ));
    lines.push(line("dintero.return_url", &session.return_url));
    let run = run_settings(loaded, &args.conn, args.flow)?;
    let profile_unset = "none (sessions through POST /v1/sessions)";
    let profile = session.profile_id.as_ref().map(|p| Sourced {
        value: match run.flow.value {
            crate::run::Flow::TwoStep => {
                format!("{} (sessions through POST /v1/sessions-profile)", p.value)
            }
            crate::run::Flow::OneStep => format!(
                "{} (unused: the one-step flow creates no session first)",
                p.value
            ),
        },
        source: p.source.clone(),
    });
    lines.push(opt_line("dintero.profile_id", &profile, profile_unset));
    lines.push(line("run.rate", &run.rate));
    lines.push(line("run.concurrency", &run.concurrency));
    lines.push(line("run.request_timeout", &run.request_timeout));
    lines.push(line("run.check_window_days", &run.check_window_days));
    lines.push(Line {
        name: "run.flow",
        value: run.flow.value.as_str().into(),
        source: Some(run.flow.source.clone()),
    });
    Ok(endpoints)
}

/// The defaults of what a row does not say, and the mapping file.
fn input_lines(loaded: &Loaded, lines: &mut Vec<Line>) -> Result<()> {
    let input = config::input_defaults(&config::InputFlags::default(), ENV, &loaded.file)
        .map_err(|e| Error::settings(loaded, e))?;
    lines.push(opt_line("input.currency", &input.currency, "NOK"));
    lines.push(opt_line("input.country", &input.country, "NO"));
    lines.push(opt_line(
        "input.days_until_due",
        &input.days_until_due,
        "14",
    ));
    let channel = input.invoice_channel.as_ref().map(|c| Sourced {
        value: format!("{:?}", c.value).to_lowercase(),
        source: c.source.clone(),
    });
    lines.push(opt_line("input.invoice_channel", &channel, "kravia"));
    let mapping = input.mapping.as_ref().map(|m| Sourced {
        value: m.value.display().to_string(),
        source: m.source.clone(),
    });
    lines.push(opt_line(
        "input.mapping",
        &mapping,
        "none (column names and aliases)",
    ));
    Ok(())
}

/// Where results files and this machine's records go.
fn results_lines(loaded: &Loaded, lines: &mut Vec<Line>) -> Result<()> {
    let results = config::results_settings(None, ENV, &loaded.file)
        .map_err(|e| Error::settings(loaded, e))?;
    let dir = results.dir.as_ref().map(|d| Sourced {
        value: d.value.display().to_string(),
        source: d.source.clone(),
    });
    lines.push(opt_line("results.dir", &dir, "next to the input file"));
    lines.push(Line {
        name: "results.format",
        value: results.format.value.extension().into(),
        source: Some(results.format.source.clone()),
    });
    let data = results.data_dir.as_ref().map(|d| Sourced {
        value: d.value.display().to_string(),
        source: d.source.clone(),
    });
    lines.push(opt_line("results.data_dir", &data, "none"));
    Ok(())
}

/// The account the credentials name, and the token test (`None`: not tested).
struct AccountCheck {
    credentials_complete: bool,
    note: String,
    token: Option<std::result::Result<(), String>>,
}

impl AccountCheck {
    /// Complete credentials, and a token where one was asked for.
    fn ok(&self) -> bool {
        self.credentials_complete && self.token.as_ref().is_none_or(|t| t.is_ok())
    }
}

/// The account and the token test (skipped with `--offline`).
fn check_account(args: &ConfigCheckArgs, loaded: &Loaded) -> AccountCheck {
    let creds = Credentials::from_env_with(credential_env(ENV, &loaded.file));
    let (note, token) = match &creds {
        Err(e) => (format!("credentials incomplete: {e}"), None),
        Ok(c) => {
            let kind = match c.account_kind() {
                Ok(AccountKind::Production) => "PRODUCTION account: real invoices",
                Ok(AccountKind::Test) => "test account: no real money",
                Err(_) => "not a valid account id",
            };
            let token = if args.offline {
                None
            } else {
                Some(test_token(loaded, args))
            };
            (format!("{} ({kind})", c.account_id), token)
        }
    };
    AccountCheck {
        credentials_complete: creds.is_ok(),
        note,
        token,
    }
}

fn print_json(loaded: &Loaded, lines: &[Line], check: &AccountCheck, exit: Exit) {
    let settings: serde_json::Map<String, Value> = lines
        .iter()
        .map(|l| {
            (
                l.name.to_string(),
                json!({"value": l.value, "source": l.source.as_ref().map(|s| s.to_string())}),
            )
        })
        .collect();
    let token_json = match &check.token {
        None => json!({"checked": false}),
        Some(Ok(())) => json!({"checked": true, "ok": true}),
        Some(Err(e)) => json!({"checked": true, "ok": false, "error": e}),
    };
    crate::outln!(
        "{:#}",
        json!({
            "config_file": loaded.path.as_ref().map(|p| p.display().to_string()),
            "account": check.note,
            "settings": settings,
            "token": token_json,
            "exit_code": exit.code(),
        })
    );
}

fn print_human(
    loaded: &Loaded,
    lines: &[Line],
    check: &AccountCheck,
    endpoints: &config::EndpointSettings,
) {
    let file_shown = match &loaded.path {
        Some(p) => p.display().to_string(),
        None => match config::default_path(ENV) {
            Some(p) => format!("none ({} does not exist)", p.display()),
            None => "none".into(),
        },
    };
    crate::outln!("Config file  {file_shown}");
    crate::outln!("Account      {}", check.note);
    crate::outln!();
    let width = lines.iter().map(|l| l.name.len()).max().unwrap_or(0);
    for l in lines {
        let source = l
            .source
            .as_ref()
            .map_or(String::new(), |s| format!("  ({s})"));
        crate::outln!("  {:<width$}  {}{source}", l.name, l.value);
    }
    crate::outln!();
    match &check.token {
        None if !check.credentials_complete => crate::outln!(
            "Token: not tested (credentials incomplete). Set DINTERO_ACCOUNT_ID, DINTERO_CLIENT_ID and DINTERO_CLIENT_SECRET or DINTERO_CLIENT_SECRET_FILE, or the config file's [dintero] section."
        ),
        None => crate::outln!("Token: not tested (--offline)."),
        Some(Ok(())) => crate::outln!(
            "Token: OK, {} accepted the credentials.",
            endpoints.api_url.value
        ),
        Some(Err(e)) => crate::outln!("Token: FAILED: {e}"),
    }
}

/// Fetches one token with the effective settings.
fn test_token(loaded: &Loaded, args: &ConfigCheckArgs) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
        .map_err(|e| format!("{e:#}"))?;
    // The production guard of `connect` does not apply: a token request sends nothing.
    let mut conn = args.conn.clone();
    conn.live = true;
    runtime.block_on(async {
        let c = connect(loaded, &conn, args.flow, false)
            .await
            .map_err(|e| super::render_error(&anyhow::Error::from(e)))?;
        let r = c
            .client
            .token()
            .await
            .map(|_| ())
            .map_err(|e| e.to_string());
        c.close().await;
        r
    })
}
