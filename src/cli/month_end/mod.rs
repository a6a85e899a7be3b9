//! `kravia-batch month-end check|question|send FILE [SEND-OPTIONS...]`: the three steps
//! of the accountants' wrapper scripts (`scripts/month-end.sh`, `scripts/month-end.ps1`),
//! with every word they show. The scripts only pass the file and the options, ask the
//! question (whose text comes from `question`), and stop on each step's exit code.
//!
//! 1. `check` says what an earlier run of the file did, runs `validate` (the error report,
//!    the checked copy and the plan are written next to the file), and shows the control
//!    totals and problems in plain words; on errors it opens the checked copy. Exit 0:
//!    the file can be sent; otherwise the script stops with the same code.
//! 2. `question` prints `Send N invoices totalling X NOK? (yes/no) ` from the plan.
//! 3. `send` runs `import FILE --plan PLAN --confirm-total ...` with the send options,
//!    records the run in `STEM.last-run.json`, and shows the outcome and what to do; its
//!    exit code is import's (0 done, 1 nothing sent, 2 refused command, 3 setup, 4 some
//!    invoices refused, 5 not finished).
//!
//! `validate` and `import` run as child processes of this same binary, and only their
//! exit codes and `--format json` output are read: the documented contract for wrappers,
//! so these steps depend on nothing inside those commands, and the check can keep the
//! child's stderr aside (its hints are for people typing commands).

#[cfg(test)]
mod tests;
mod verdicts;
mod words;

pub use words::{Approved, Kind, Previous};

use crate::error::{Error, Result};
use crate::exit::Exit;
use crate::plan::Plan;
use anyhow::{Context, anyhow};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

/// A step of the month-end scripts.
#[derive(Subcommand, Debug)]
pub enum Step {
    /// Step 1: say what an earlier run did, check the file (validate, with the error
    /// report, the checked copy and the plan next to it) and show its totals and problems.
    /// Exit 0: ready for the question.
    Check(StepArgs),
    /// Step 2: print the question, from the totals the plan approved.
    Question(StepArgs),
    /// Step 3: send what the plan approved (import --plan) and show the outcome.
    Send(StepArgs),
}

#[derive(Args, Debug)]
pub struct StepArgs {
    /// The month's export, as the accountant gave it.
    pub file: PathBuf,
    /// Options for the sending step (import), as written: --sandbox (a rehearsal), --live,
    /// --rate 5, --skip-invoiced...
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "SEND-OPTIONS"
    )]
    pub send_options: Vec<String>,
}

/// Runs a step; `config` is the `--config` file, passed on to `validate` and `import`.
pub fn run(step: &Step, config: Option<&Path>) -> Result<Exit> {
    match step {
        Step::Check(a) => check(a, config),
        Step::Question(a) => question(a),
        Step::Send(a) => send(a, config),
    }
}

/// The files of a month end, next to the export, with full paths (so that every path
/// shown can be found).
struct Files {
    input: PathBuf,
    /// The export's name, as the accountant knows it.
    base: String,
    report: PathBuf,
    plan: PathBuf,
    /// The checked copy: CSV stays CSV, spreadsheets become `.xlsx`.
    annotated: PathBuf,
    /// When the file was last sent and how that ended (for the messages only: what is
    /// sent depends on import's journal, never on this file).
    state: PathBuf,
    /// `--sandbox` among the send options: a rehearsal keeps its results, journal and
    /// state apart, so that the real run does not find a rehearsal's journal (it belongs
    /// to the emulator's account).
    rehearsal: bool,
    /// `--results STEM.rehearsal.results.csv` for a rehearsal that names no results file.
    results: Vec<OsString>,
}

impl Files {
    fn of(a: &StepArgs) -> Result<Files> {
        let input = std::path::absolute(&a.file)
            .with_context(|| format!("cannot find {}", a.file.display()))
            .map_err(Error::Setup)?;
        let dir = input.parent().map(Path::to_path_buf).unwrap_or_default();
        let stem = input.file_stem().unwrap_or_default().to_os_string();
        let named = |suffix: &str| {
            let mut name = stem.clone();
            name.push(suffix);
            dir.join(name)
        };
        let annotated = match input.extension() {
            Some(ext) if ext.eq_ignore_ascii_case("csv") => {
                let mut suffix = OsString::from(".annotated.");
                suffix.push(ext);
                named(&suffix.to_string_lossy())
            }
            _ => named(".annotated.xlsx"),
        };
        let options = &a.send_options;
        let rehearsal = options.iter().any(|o| o == "--sandbox");
        let given_results = options
            .iter()
            .any(|o| o == "--results" || o.starts_with("--results="));
        let mut results = Vec::new();
        if rehearsal && !given_results {
            results.push("--results".into());
            results.push(named(".rehearsal.results.csv").into_os_string());
        }
        Ok(Files {
            base: input
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned(),
            report: named(".errors.csv"),
            plan: named(".plan.json"),
            annotated,
            state: named(if rehearsal {
                ".rehearsal.last-run.json"
            } else {
                ".last-run.json"
            }),
            rehearsal,
            results,
            input,
        })
    }
}

/// Step 1. Exit 0 when the file can be sent; otherwise the code the script stops with.
fn check(a: &StepArgs, config: Option<&Path>) -> Result<Exit> {
    if !a.file.is_file() {
        crate::outln!(
            "The file '{}' was not found. Check the name and the folder, and try again.",
            a.file.display()
        );
        return Ok(Exit::Config);
    }
    let f = Files::of(a)?;
    crate::outln!("Month end: {}", f.base);
    if f.rehearsal {
        crate::outln!(
            "REHEARSAL: the invoices go to a simulated Kravia on this computer; nothing real is sent."
        );
    }
    crate::outln!();
    crate::out!("{}", Previous::of(read_json(&f.state).as_ref()).text());
    crate::outln!("Step 1 of 3: checking the file (nothing is sent yet)...");
    crate::outln!();
    // Its messages on stderr are for people at a terminal ("send with: kravia-batch
    // import ..."): kept aside, and shown only when there is no JSON to explain.
    let out = kravia_batch(config)?
        .arg("validate")
        .arg(&f.input)
        .args(["--format", "json", "--report"])
        .arg(&f.report)
        .arg("--annotate")
        .arg(&f.annotated)
        .arg("--plan")
        .arg(&f.plan)
        .stdin(Stdio::null())
        .output()
        .map_err(cannot_run)?;
    let j: Option<Value> = serde_json::from_slice(&out.stdout).ok();
    let kind = Kind::of(j.as_ref());
    if kind == Kind::Nothing {
        crate::out!("{}", String::from_utf8_lossy(&out.stderr));
    }
    if let Some(j) = &j {
        crate::out!("{}", words::check_text(j));
    }
    crate::outln!();
    let valid = j
        .as_ref()
        .and_then(|j| j.get("valid_invoices"))
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let (text, exit) = match code_of(out.status) {
        0 if kind == Kind::Summary && valid > 0 => {
            ("Step 2 of 3: your approval.\n".to_string(), Exit::Ok)
        }
        0 => (verdicts::nothing_to_send(), Exit::InputErrors),
        1 if kind == Kind::Summary => (show_errors(&f), Exit::InputErrors),
        1 => (verdicts::file_unreadable(), Exit::InputErrors),
        3 => (verdicts::check_setup(&f.base), Exit::Config),
        2 => (verdicts::check_refused(2), Exit::Usage),
        other => (verdicts::check_refused(other), Exit::Config),
    };
    crate::out!("{text}");
    Ok(exit)
}

/// Where the problems are (the checked copy, opened now, or the error report), and what
/// to do.
fn show_errors(f: &Files) -> String {
    let is_copy = f.annotated.is_file();
    let path = if is_copy { &f.annotated } else { &f.report };
    let shown = verdicts::Shown {
        path,
        is_copy,
        opened: open_file(path),
        report: (is_copy && f.report.is_file()).then_some(f.report.as_path()),
    };
    verdicts::file_has_errors(&f.base, &shown)
}

/// Step 2: the question, without a line break (the answer is typed after it).
fn question(a: &StepArgs) -> Result<Exit> {
    let f = Files::of(a)?;
    let plan = Plan::load(&f.plan)
        .with_context(|| format!("{} (run the check first)", f.plan.display()))
        .map_err(Error::Setup)?;
    crate::out!("{}", Approved::of(&plan).question());
    Ok(Exit::Ok)
}

/// Step 3. Exit code: import's (a kravia-batch stopped by a signal counts as 5).
#[allow(
    clippy::print_stderr,
    reason = "the month-end steps talk to the person running the script; stderr is theirs"
)]
fn send(a: &StepArgs, config: Option<&Path>) -> Result<Exit> {
    let f = Files::of(a)?;
    let before = std::fs::read(&f.state).ok();
    let previous = Previous::of(before.as_deref().and_then(parse_json).as_ref());
    crate::outln!();
    if previous.resumes() {
        crate::outln!("Step 3 of 3: sending (resuming the earlier run)...");
    } else {
        crate::outln!("Step 3 of 3: sending...");
    }
    crate::outln!();
    let mut cmd = kravia_batch(config)?;
    cmd.arg("import")
        .arg(&f.input)
        .arg("--plan")
        .arg(&f.plan)
        .args(["--format", "json"]);
    // The totals the accountant approved: kravia-batch does not ask a second time, and
    // refuses if they differ. (Without a readable plan, import says what is wrong.)
    if let Ok(plan) = Plan::load(&f.plan) {
        cmd.arg("--confirm-total")
            .arg(Approved::of(&plan).confirm_total());
    }
    // Its stderr stays on the screen: progress, and what stopped it.
    cmd.args(&f.results)
        .args(&a.send_options)
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let started_at = now();
    write_state(&f.state, &state(&f, &started_at, None))
        .with_context(|| format!("cannot write {}", f.state.display()))
        .map_err(Error::Setup)?;
    let keep_on = keep_on_ctrl_c();
    let out = cmd.output().map_err(cannot_run)?;
    drop(keep_on);
    let code = code_of(out.status);
    let j: Option<Value> = serde_json::from_slice(&out.stdout).ok();
    let recorded = if (1..=3).contains(&code) {
        // Nothing was sent by this run (1, 2), or it stopped on the setup (3; usually
        // before sending): keep what the earlier run recorded, so that the next run does
        // not claim to resume a run that never sent anything.
        match &before {
            Some(bytes) => crate::output::atomic_write(&f.state, |w| w.write_all(bytes)),
            None => std::fs::remove_file(&f.state).or_else(|e| match e.kind() {
                std::io::ErrorKind::NotFound => Ok(()),
                _ => Err(e),
            }),
        }
    } else {
        write_state(&f.state, &state(&f, &started_at, Some((code, j.clone()))))
    };
    if let Err(e) = recorded {
        eprintln!(
            "warning: cannot record this run in {}: {e}",
            f.state.display()
        );
    }
    crate::outln!();
    if let Some(j) = &j {
        crate::out!("{}", words::outcome_text(j));
    }
    crate::outln!();
    let (text, exit) = verdicts::after_sending(code, Kind::of(j.as_ref()), &f.base, f.rehearsal);
    crate::out!("{text}");
    Ok(exit)
}

/// This same program, for `validate` and `import`, with the settings file it was given.
fn kravia_batch(config: Option<&Path>) -> Result<Command> {
    let exe = std::env::current_exe()
        .context("cannot find the kravia-batch program itself")
        .map_err(Error::Setup)?;
    let mut cmd = Command::new(exe);
    if let Some(c) = config {
        cmd.arg("--config").arg(c);
    }
    Ok(cmd)
}

fn cannot_run(e: std::io::Error) -> Error {
    Error::Setup(anyhow!("cannot run kravia-batch: {e}"))
}

/// A child's exit code; killed by a signal, 128 + the signal, as a shell says it.
fn code_of(status: ExitStatus) -> i32 {
    if let Some(code) = status.code() {
        return code;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return 128 + signal;
        }
    }
    -1
}

/// The state file's content: the file, when the run started and, once it ended, when,
/// its exit code and import's JSON.
fn state(f: &Files, started_at: &str, end: Option<(i32, Option<Value>)>) -> Value {
    let (finished_at, code, import) = match end {
        Some((code, import)) => (Some(now()), Some(code), import),
        None => (None, None, None),
    };
    json!({
        "file": f.input.display().to_string(),
        "started_at": started_at,
        "finished_at": finished_at,
        "exit_code": code,
        "import": import,
    })
}

fn write_state(path: &Path, state: &Value) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(state).unwrap_or_default();
    crate::output::atomic_write(path, |w| {
        w.write_all(text.as_bytes())?;
        w.write_all(b"\n")
    })
}

fn read_json(path: &Path) -> Option<Value> {
    parse_json(&std::fs::read(path).ok()?)
}

/// JSON, with or without a byte order mark (a state file edited on Windows may have one).
fn parse_json(bytes: &[u8]) -> Option<Value> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    serde_json::from_slice(bytes).ok()
}

/// Local time to the minute, as the accountant's clock shows it: `2026-11-25 15:59`.
fn now() -> String {
    chrono::Local::now().format("%Y-%m-%d %H:%M").to_string()
}

/// Opens a file with the program the desktop uses for it, unless `KRAVIA_NO_OPEN` is set
/// (servers, tests). Whether an opener was started, not whether the file showed.
fn open_file(path: &Path) -> bool {
    if std::env::var_os("KRAVIA_NO_OPEN").is_some_and(|v| !v.is_empty() && v != "0") {
        return false;
    }
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    // Not waited for: xdg-open may wait for the program it starts.
    Command::new(opener)
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .is_ok()
}

/// While `import` runs, Ctrl-C reaches it too (the same terminal) and it stops cleanly
/// with exit code 5: this process must live on to say so and record it. A handler, not
/// an ignored signal, which the child would inherit. Kept while the value lives.
fn keep_on_ctrl_c() -> Option<(tokio::runtime::Runtime, Box<dyn std::any::Any>)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    let handler: Box<dyn std::any::Any> = {
        let _inside = runtime.enter();
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Box::new(signal(SignalKind::interrupt()).ok()?)
        }
        #[cfg(windows)]
        {
            Box::new(tokio::signal::windows::ctrl_c().ok()?)
        }
        #[cfg(not(any(unix, windows)))]
        {
            Box::new(())
        }
    };
    Some((runtime, handler))
}
