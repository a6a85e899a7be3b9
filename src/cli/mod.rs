//! The binary's edge: parse arguments, run a command, turn failures into messages and
//! exit codes. The only place that uses `anyhow`.

pub mod annotate;
pub mod args;
pub mod capture;
pub mod config_check;
pub mod connect;
pub mod guard;
pub mod import;
pub mod month_end;
pub mod plan;
pub mod status;
pub mod validate;
pub mod void;

use crate::exit::Exit;
use args::{Cli, Command, ConfigCommand, FormatArg};
use clap::Parser;

/// A failed command: what to print and how to exit.
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub error: anyhow::Error,
}

impl Failure {
    pub fn new(exit: Exit, error: anyhow::Error) -> Failure {
        Failure { exit, error }
    }
}

/// `kravia-batch sandbox`: serves the emulator until Ctrl-C.
fn serve_sandbox(a: &args::SandboxArgs) -> Result<Exit, Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::new(Exit::Config, e.into()))?;
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
        .map_err(|e| Failure::new(Exit::Config, e.into()))?;
    Ok(Exit::Ok)
}

/// Runs the command line and returns the exit status.
pub fn main() -> Exit {
    let cli = match Cli::try_parse() {
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
    let json = match &cli.command {
        Command::Validate(a) => a.report.format == FormatArg::Json,
        Command::Import(a) => a.report.format == FormatArg::Json,
        Command::Status(a) => a.format == FormatArg::Json,
        Command::Void(a) => a.format == FormatArg::Json,
        Command::Capture(a) => a.format == FormatArg::Json,
        Command::Config(ConfigCommand::Check(a)) => a.format == FormatArg::Json,
        Command::Sandbox(_) | Command::MonthEnd(_) => false,
    };
    // A panic is a bug, never a user's fault; it still ends with an exit code of ours
    // (0-5, as the wrappers expect) and words, not with Rust's 101.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_command(&cli)))
        .unwrap_or_else(|payload| {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown".to_string());
            Err(Failure::new(
                Exit::Config,
                anyhow::anyhow!(
                    "internal error ({what}): this is a bug in kravia-batch; please report it with the command you ran. A live import's journal keeps every request sent: running the same command again resumes it safely"
                ),
            ))
        });
    match result {
        Ok(exit) => exit,
        Err(f) => {
            let message = render_error(&f.error);
            eprintln!("error: {message}");
            if json {
                crate::outln!(
                    "{:#}",
                    serde_json::json!({"error": message, "exit_code": f.exit.code()})
                );
            }
            f.exit
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

fn run_command(cli: &Cli) -> Result<Exit, Failure> {
    if let Command::Sandbox(a) = &cli.command {
        return serve_sandbox(a);
    }
    if let Command::MonthEnd(step) = &cli.command {
        // Its steps run validate and import, which read the settings themselves.
        return month_end::run(step, cli.config.as_deref());
    }
    let loaded = crate::config::Loaded::load(cli.config.as_deref(), &connect::process_env)
        .map_err(|e| Failure::new(Exit::Config, e.into()))?;
    match &cli.command {
        Command::Validate(a) => {
            let bodies = validate::bodies(&loaded, a.flow, &a.session)?;
            validate::run(&a.input, &a.report, a.plan.as_deref(), &loaded, &bodies)
        }
        Command::Import(a) if a.dry_run => {
            let bodies = validate::bodies(&loaded, a.live.flow, &a.live.session)?;
            validate::run(&a.input, &a.report, a.plan.as_deref(), &loaded, &bodies)
        }
        Command::Import(a) => import::run(a, &loaded),
        Command::Status(a) => status::run(a, &loaded),
        Command::Void(a) => void::run(a, &loaded),
        Command::Capture(a) => capture::run(a, &loaded),
        Command::Config(ConfigCommand::Check(a)) => config_check::run(a, &loaded),
        Command::Sandbox(a) => serve_sandbox(a),
        Command::MonthEnd(step) => month_end::run(step, cli.config.as_deref()),
    }
}
