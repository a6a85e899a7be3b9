//! Pacing and endpoint settings: how fast, how wide, and where a command sends.

use super::{ConfigFile, ConfigFileError, Sourced, parse_num, pick};
use crate::config::Flow;

/// The pacing settings of a run, resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSettings {
    pub rate: Sourced<u32>,
    pub concurrency: Sourced<u32>,
    pub request_timeout: Sourced<f64>,
    pub flow: Sourced<Flow>,
    /// Days back the duplicate check looks at Dintero (see [`DEFAULT_CHECK_WINDOW_DAYS`]).
    pub check_window_days: Sourced<u32>,
}

/// The duplicate check's default window: a quarter, longer than any month's resend.
pub const DEFAULT_CHECK_WINDOW_DAYS: u32 = 90;

/// Flag values of the run settings (`None` where the flag was not given).
#[derive(Clone, Debug, Default)]
pub struct RunFlags {
    pub rate: Option<u32>,
    pub concurrency: Option<u32>,
    pub request_timeout: Option<f64>,
    pub flow: Option<Flow>,
    pub check_window_days: Option<u32>,
}

/// `KRAVIA_BATCH_RATE`, `KRAVIA_BATCH_CONCURRENCY`, `KRAVIA_BATCH_REQUEST_TIMEOUT`,
/// `KRAVIA_BATCH_FLOW`, `KRAVIA_BATCH_CHECK_WINDOW_DAYS`.
pub fn run_settings(
    flags: &RunFlags,
    env: &dyn Fn(&str) -> Option<String>,
    file: &ConfigFile,
) -> Result<RunSettings, ConfigFileError> {
    let range = |lo: u32, hi: u32| {
        move |s: &str| {
            let n: u32 = parse_num(s)?;
            if (lo..=hi).contains(&n) {
                Ok(n)
            } else {
                Err(format!("must be {lo} to {hi}"))
            }
        }
    };
    let check_file = |name: &str, v: Option<u32>, lo: u32, hi: u32| match v {
        Some(n) if !(lo..=hi).contains(&n) => Err(ConfigFileError::Value(format!(
            "run.{name} = {n} must be {lo} to {hi}"
        ))),
        _ => Ok(v),
    };
    Ok(RunSettings {
        rate: pick(
            flags.rate,
            env,
            "KRAVIA_BATCH_RATE",
            range(1, 10_000),
            check_file("rate", file.run.rate, 1, 10_000)?,
            10,
        )?,
        concurrency: pick(
            flags.concurrency,
            env,
            "KRAVIA_BATCH_CONCURRENCY",
            range(1, 256),
            check_file("concurrency", file.run.concurrency, 1, 256)?,
            8,
        )?,
        request_timeout: pick(
            flags.request_timeout,
            env,
            "KRAVIA_BATCH_REQUEST_TIMEOUT",
            |s| {
                let n: f64 = parse_num(s)?;
                if n > 0.0 && n.is_finite() {
                    Ok(n)
                } else {
                    Err("must be a positive number of seconds".into())
                }
            },
            file.run.request_timeout,
            60.0,
        )?,
        flow: pick(
            flags.flow,
            env,
            "KRAVIA_BATCH_FLOW",
            |s| match s {
                "one-step" => Ok(Flow::OneStep),
                "two-step" => Ok(Flow::TwoStep),
                _ => Err("use one-step or two-step".into()),
            },
            file.run.flow,
            Flow::OneStep,
        )?,
        check_window_days: pick(
            flags.check_window_days,
            env,
            "KRAVIA_BATCH_CHECK_WINDOW_DAYS",
            range(1, 3650),
            check_file("check_window_days", file.run.check_window_days, 1, 3650)?,
            DEFAULT_CHECK_WINDOW_DAYS,
        )?,
    })
}

/// Where to reach Dintero, resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct EndpointSettings {
    pub api_url: Sourced<String>,
    pub checkout_url: Sourced<String>,
}

/// `--api-url`/`DINTERO_API_URL`/`dintero.api_url`, same for the checkout URL.
pub fn endpoint_settings(
    api_flag: Option<String>,
    checkout_flag: Option<String>,
    env: &dyn Fn(&str) -> Option<String>,
    file: &ConfigFile,
) -> Result<EndpointSettings, ConfigFileError> {
    use crate::dintero::config::{
        DEFAULT_API_URL, DEFAULT_CHECKOUT_URL, ENV_API_URL, ENV_CHECKOUT_URL,
    };
    let text = |s: &str| Ok(s.to_string());
    Ok(EndpointSettings {
        api_url: pick(
            api_flag,
            env,
            ENV_API_URL,
            text,
            file.dintero.api_url.clone(),
            DEFAULT_API_URL.to_string(),
        )?,
        checkout_url: pick(
            checkout_flag,
            env,
            ENV_CHECKOUT_URL,
            text,
            file.dintero.checkout_url.clone(),
            DEFAULT_CHECKOUT_URL.to_string(),
        )?,
    })
}
