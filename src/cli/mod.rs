//! The binary's edge: parse arguments, run a command, turn failures into messages and
//! exit codes. The only place that uses `anyhow`.

pub mod args;
pub mod validate;

use crate::exit::Exit;
use args::{Cli, Command, FormatArg};
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
    };
    let result = match &cli.command {
        Command::Validate(a) => validate::run(&a.input, &a.report),
        Command::Import(a) if a.dry_run => validate::run(&a.input, &a.report),
        Command::Import(_) => Err(Failure::new(
            Exit::Usage,
            anyhow::anyhow!("the live import is not available yet: use --dry-run (or 'validate')"),
        )),
    };
    match result {
        Ok(exit) => exit,
        Err(f) => {
            let message = format!("{:#}", f.error);
            eprintln!("error: {message}");
            if json {
                println!(
                    "{:#}",
                    serde_json::json!({"error": message, "exit_code": f.exit.code()})
                );
            }
            f.exit
        }
    }
}
