//! The binary's edge: parse arguments, build each command's settings, run it through
//! [`crate::pipeline`] (or the lifecycle commands), and render how it ended: the summary,
//! the notices, and an error as one line on stderr (and a JSON object in
//! `--format json`) with the exit code [`crate::error::Error::exit`] gives.

pub mod args;
pub mod capture;
pub mod config_check;
pub mod connect;
pub mod import;
pub mod logging;
pub mod month_end;
pub mod release;
pub mod run_summary;
pub mod status;
pub mod validate;
pub mod void;

use crate::error::{Error, Result};
use crate::exit::Exit;
use crate::pipeline::notice::Notices;
use args::{Cli, Command, ConfigCommand, FormatArg};

/// Prints a command's JSON document on stdout, with the notices said while it ran (the
/// one renderer of `--format json`: wrappers read stdout only).
pub fn emit_json(mut value: serde_json::Value, notices: &Notices) {
    let said = notices.all();
    if !said.is_empty()
        && let Some(map) = value.as_object_mut()
    {
        map.insert("notices".to_string(), serde_json::json!(said));
    }
    crate::outln!("{value:#}");
}

/// `kravia-batch sandbox`: serves the emulator until Ctrl-C.
fn serve_sandbox(a: &args::SandboxArgs) -> Result<Exit> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::setup)?;
    let mut config = crate::sandbox::SandboxConfig::default();
    config.faults.rate_limit = a.rate_limit;
    config.faults.latency = std::time::Duration::from_millis(a.latency_ms);
    config.faults.rate_burst = a.burst;
    config.faults.spurious_401_any = a.spurious_401;
    config.faults.spurious_401_seed = a.seed;
    let rule = |percent: u8, salt: u64| {
        if percent == 0 {
            crate::sandbox::FaultRule::Never
        } else {
            crate::sandbox::FaultRule::Probability {
                percent,
                seed: a.seed.wrapping_add(salt),
            }
        }
    };
    config.faults.fail_before_commit = rule(a.fail_percent, 1);
    config.faults.drop_after_commit = rule(a.drop_percent, 2);
    if a.slow_percent > 0 {
        config.faults.slow_after_commit = Some((
            rule(a.slow_percent, 3),
            std::time::Duration::from_millis(a.slow_ms),
        ));
    }
    // The emulator's own fixed credentials (documented, not a secret of anyone's), so
    // the printed environment works as is.
    let account = config.accounts.first().map(|a| {
        (
            a.account_id.clone(),
            a.client_id.clone(),
            a.client_secret.clone(),
        )
    });
    runtime
        .block_on(crate::sandbox::serve_until_ctrl_c_with(config, ([127, 0, 0, 1], a.port).into(), |h| {
            crate::outln!("sandbox listening on {} (Ctrl-C to stop)", h.base_url());
            if let Some((aid, cid, sandbox_secret)) = &account {
                crate::outln!("  DINTERO_API_URL={0}/v1 DINTERO_CHECKOUT_URL={0}/v1", h.base_url());
                crate::outln!("  DINTERO_ACCOUNT_ID={aid} DINTERO_CLIENT_ID={cid} DINTERO_CLIENT_SECRET={sandbox_secret}");
            }
        }))
        .map_err(Error::setup)?;
    Ok(Exit::Ok)
}

/// Runs the command line and returns the exit status.
#[allow(
    clippy::print_stderr,
    reason = "the error line is the renderer's own output"
)]
pub fn main() -> Exit {
    // The help's language is needed before clap renders `--help` (see args::help_lang).
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let help_lang = args::help_lang(&argv, &connect::process_env);
    let parsed = args::localized(help_lang)
        .try_get_matches_from(&argv)
        .and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m));
    let cli = match parsed {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Exit::Usage
            } else {
                Exit::Ok
            };
        }
    };
    let _log = logging::init(cli.log);
    let json = match &cli.command {
        Command::Validate(a) => a.report.format == FormatArg::Json,
        Command::Import(a) => a.report.format == FormatArg::Json,
        Command::Status(a) => a.format == FormatArg::Json,
        Command::Void(a) => a.format == FormatArg::Json,
        Command::Capture(a) => a.format == FormatArg::Json,
        Command::Config(ConfigCommand::Check(a)) => a.format == FormatArg::Json,
        Command::Sandbox(_) | Command::MonthEnd(_) => false,
        Command::Completions(_) | Command::Man(_) => false,
    };
    // A panic is a bug, never a user's fault; it still ends with an exit code of ours
    // (0-5, as the wrappers expect) and words, not with Rust's 101.
    let notices = Notices::new();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_command(&cli, &notices)
    }))
        .unwrap_or_else(|payload| {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown".to_string());
            Err(Error::setup(anyhow::anyhow!(
                "internal error ({what}): this is a bug in kravia-batch; please report it with the command you ran. A live import's journal keeps every request sent: running the same command again resumes it safely"
            )))
        });
    match result {
        Ok(exit) => exit,
        Err(e) => {
            let exit = e.exit();
            let message = render_error(&anyhow::Error::from(e));
            eprintln!("error: {message}");
            if json {
                emit_json(
                    serde_json::json!({"error": message, "exit_code": exit.code()}),
                    &notices,
                );
            }
            exit
        }
    }
}

/// An error and its causes on one line, `a: b: c`. Many error types already print
/// their source inside their own message (`cannot read x.csv: No such file...`); a
/// cause whose words are already there is not repeated.
pub fn render_error(error: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if message.contains(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    message
}

fn run_command(cli: &Cli, notices: &Notices) -> Result<Exit> {
    if let Command::Sandbox(a) = &cli.command {
        return serve_sandbox(a);
    }
    // Packaging runs these: no settings needed, so a broken config file cannot stop them.
    if let Command::Completions(a) = &cli.command {
        return Ok(release::completions(a));
    }
    if let Command::Man(a) = &cli.command {
        return release::man(a);
    }
    if let Command::MonthEnd(step) = &cli.command {
        // Its steps run validate and import, which read the settings themselves.
        return month_end::run(step, cli.config.as_deref());
    }
    let mut loaded = crate::config::Loaded::load(cli.config.as_deref(), &connect::process_env)
        .map_err(Error::setup)?;
    loaded.lang = crate::i18n::Lang::resolve(cli.lang, loaded.file.lang, &connect::process_env);
    match &cli.command {
        Command::Validate(a) => validate::dry_run(
            &a.input,
            &a.report,
            a.plan.as_deref(),
            a.flow,
            &a.session,
            &loaded,
            notices,
        ),
        Command::Import(a) if a.dry_run => validate::dry_run(
            &a.input,
            &a.report,
            a.plan.as_deref(),
            a.live.flow,
            &a.live.session,
            &loaded,
            notices,
        ),
        Command::Import(a) => import::run(a, &loaded, notices),
        Command::Status(a) => status::run(a, &loaded),
        Command::Void(a) => void::run(a, &loaded),
        Command::Capture(a) => capture::run(a, &loaded),
        Command::Config(ConfigCommand::Check(a)) => config_check::run(a, &loaded),
        Command::Sandbox(a) => serve_sandbox(a),
        Command::Completions(a) => Ok(release::completions(a)),
        Command::Man(a) => release::man(a),
        Command::MonthEnd(step) => month_end::run(step, cli.config.as_deref()),
    }
}
