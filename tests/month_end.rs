//! The accountants' wrapper `scripts/month-end.sh`, end to end: the real script runs the
//! built binary against a sandbox over loopback HTTP, with the answer to its question on
//! stdin, in a folder whose name has spaces. Every word it shows comes from
//! `kravia-batch month-end check|question|send`, and so do those of
//! `scripts/month-end.ps1` (no PowerShell on this machine): `steps` runs those steps the
//! way the PowerShell script does, and `structure` checks that both scripts are thin
//! (no formatting or JSON of their own), make the same calls and say the same few words.
//! Each test's folder, environment and sandbox come from `tests/common` ([`Month`]).

mod common;
#[path = "month_end/steps.rs"]
mod steps;
#[path = "month_end/structure.rs"]
mod structure;

use common::{Cmd, Output, SAMPLE, Sandbox, Test, crate_root};
use kravia_batch::sandbox::{FaultRule, Faults};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const SAMPLE_INVOICES: usize = 25;

/// The bash script, from the crate root.
const SH: &str = "scripts/month-end.sh";
/// The PowerShell script, from the crate root.
const PS1: &str = "scripts/month-end.ps1";

/// The month-end folder: its name has a space, as the folders accountants make do.
const FOLDER: &str = "month end";

/// Where `tool` is on this machine's `PATH`, as bash finds it (`None` without bash).
fn which(tool: &str) -> Option<PathBuf> {
    let found = Command::new("bash")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .ok()?;
    let path = String::from_utf8_lossy(&found.stdout).trim().to_string();
    (found.status.success() && !path.is_empty()).then(|| path.into())
}

/// The script runs under bash; without it these tests have nothing to run.
fn bash_missing() -> bool {
    let missing = which("bash").is_none();
    if missing {
        eprintln!("skipped: bash is not installed, so scripts/month-end.sh cannot run here");
    }
    missing
}

/// A test pointed at a sandbox whose month-end folder ([`FOLDER`]) holds a copy of an
/// export; its commands run in the folder above, the test's home.
struct Month {
    t: Test,
    file: PathBuf,
}

impl Month {
    /// The month of `source` (from the crate root), copied as `name`, pointed at `sb`.
    fn new(sb: &Sandbox, source: &str, name: &str) -> Month {
        let t = Test::new()
            .in_folder()
            .folder(FOLDER)
            .copy(source, &format!("{FOLDER}/{name}"))
            .sandbox(sb);
        let file = t.path(FOLDER).join(name);
        Month { t, file }
    }

    /// A file next to the export, by name.
    fn beside(&self, name: &str) -> PathBuf {
        self.t.path(FOLDER).join(name)
    }

    /// The script on this month's file.
    fn script(&self, args: &[&str]) -> Cmd {
        self.script_on(&self.file, args)
    }

    /// The script on another file, with this month's settings and data folder.
    fn script_on(&self, file: &Path, args: &[&str]) -> Cmd {
        self.t.script(SH).arg(file).args(args)
    }

    /// A step of `kravia-batch month-end` on this month's file, as the scripts run it.
    fn step(&self, step: &str, args: &[&str]) -> Cmd {
        self.t.cmd(["month-end", step]).arg(&self.file).args(args)
    }
}

/// Runs a command with `answer` on stdin; returns the exit code and stdout + stderr.
fn run(cmd: Cmd, answer: &str) -> (i32, String) {
    // A script that stops before asking may not read it all: a broken pipe is fine.
    let out = cmd.stdin(answer).run();
    (out.code().unwrap_or(-1), out.stdout() + &out.stderr())
}

/// Whether a line of `out` holds these parts, in this order.
fn has_line(out: &str, parts: &[&str]) -> bool {
    out.lines().any(|line| {
        let mut rest = line;
        parts.iter().all(|p| match rest.find(p) {
            Some(i) => {
                rest = &rest[i + p.len()..];
                true
            }
            None => false,
        })
    })
}

/// Successful transactions per reference.
fn created(sb: &Sandbox) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for t in sb
        .ledger()
        .transactions
        .iter()
        .filter(|t| t.status.is_success())
    {
        *m.entry(t.merchant_reference.clone()).or_default() += 1;
    }
    m
}

fn pay_requests(sb: &Sandbox) -> usize {
    sb.ledger().requests_to("POST", "/v1/sessions/pay").len()
}

fn assert_all_created_once(sb: &Sandbox) {
    let c = created(sb);
    assert_eq!(c.len(), SAMPLE_INVOICES, "invoices at the sandbox: {c:?}");
    assert!(c.values().all(|n| *n == 1), "some invoice twice: {c:?}");
}

#[test]
fn the_script_is_executable() {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(crate_root().join(SH))
        .expect("scripts/month-end.sh")
        .permissions()
        .mode();
    assert_ne!(mode & 0o111, 0, "scripts/month-end.sh is not executable");
}

#[test]
fn a_clean_file_is_sent_after_yes_and_a_second_run_sends_nothing() {
    if bash_missing() {
        return;
    }
    let sb = Sandbox::start();
    let month = Month::new(&sb, SAMPLE, "november 2026.csv");
    // Extra options for the sending step, as arguments.
    let (code, out) = run(month.script(&["--rate", "200"]), "yes\n");
    assert_eq!(code, 0, "{out}");
    for shown in [
        "The file has 25 invoices on 60 lines.",
        "All of them are correct.",
        "Send 25 invoices totalling 136 919,68 NOK, 12 800,00 SEK and 681,50 EUR? (yes/no)",
        "Created at Kravia:            25",
        "DONE: every invoice of november 2026.csv is at Kravia.",
    ] {
        assert!(out.contains(shown), "missing {shown:?} in:\n{out}");
    }
    assert!(
        has_line(
            &out,
            &["NOK", "22", "136 919,68", "23 905,39", "113 014,29"]
        ),
        "no NOK control totals in:\n{out}"
    );
    let results = month.beside("november 2026.results.csv");
    assert!(results.is_file(), "no results file");
    assert!(
        out.contains(&results.display().to_string()),
        "the results file's location is not shown:\n{out}"
    );
    assert!(month.beside("november 2026.plan.json").is_file());
    assert!(month.beside("november 2026.errors.csv").is_file());
    assert_all_created_once(&sb);

    // Run again: says so, and nothing new is sent.
    let before = pay_requests(&sb);
    let (code, out) = run(month.script(&["--rate", "200"]), "yes\n");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("This file was already sent on")
            && out.contains("Running it again sends nothing twice"),
        "no re-run message:\n{out}"
    );
    assert_eq!(pay_requests(&sb), before, "the second run sent invoices");
    assert_all_created_once(&sb);
}

#[test]
fn answering_no_sends_nothing() {
    if bash_missing() {
        return;
    }
    let sb = Sandbox::start();
    let month = Month::new(&sb, SAMPLE, "november.csv");
    for answer in ["no\n", "perhaps\nnei\n", ""] {
        let (code, out) = run(month.script(&[]), answer);
        assert_eq!(code, 2, "answer {answer:?}:\n{out}");
        assert!(
            out.contains("NOTHING WAS SENT: you did not answer yes."),
            "{out}"
        );
    }
    assert!(sb.ledger().requests.is_empty(), "the sandbox was contacted");
    assert!(!month.beside("november.results.csv").exists());
    assert!(!month.beside("november.last-run.json").exists());
}

#[test]
fn a_file_with_errors_stops_before_asking_with_the_error_report() {
    if bash_missing() {
        return;
    }
    let sb = Sandbox::start();
    let month = Month::new(&sb, "tests/data/20-bad-email.csv", "bad email.csv");
    let (code, out) = run(month.script(&[]), "yes\n");
    assert_eq!(code, 1, "{out}");
    assert!(!out.contains("(yes/no)"), "it asked:\n{out}");
    for shown in [
        "1 invoice has errors (1 error in all); 5 invoices are correct.",
        // The binary's own problem line (`ColumnNames::line`), with the column's letter.
        "row 3, column 'email' (K): 'kari.nordmann.example.no' is not a valid e-mail address",
        "NOTHING WAS SENT: the file has errors.",
        "Run this again.",
    ] {
        assert!(out.contains(shown), "missing {shown:?} in:\n{out}");
    }
    let report = month.beside("bad email.errors.csv");
    let text = std::fs::read_to_string(&report).expect("the error report");
    assert!(text.contains("kari.nordmann.example.no"), "{text}");
    let annotated = month.beside("bad email.annotated.csv");
    assert!(annotated.is_file(), "no annotated copy");
    assert!(out.contains(&annotated.display().to_string()), "{out}");
    assert!(sb.ledger().requests.is_empty(), "the sandbox was contacted");

    // A file that cannot be read as a table at all.
    let empty = Month::new(&sb, "tests/data/01-empty.csv", "empty.csv");
    let (code, out) = run(empty.script(&[]), "yes\n");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("The file cannot be read as an invoice list:"),
        "{out}"
    );
    assert!(!out.contains("(yes/no)"), "it asked:\n{out}");
}

#[test]
fn wrong_credentials_stop_with_a_setup_message_and_nothing_sent() {
    if bash_missing() {
        return;
    }
    let sb = Sandbox::start();
    let month = Month::new(&sb, SAMPLE, "november.csv");
    let cmd = month
        .script(&[])
        .env("DINTERO_CLIENT_SECRET", "not-the-secret");
    let (code, out) = run(cmd, "yes\n");
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("STOPPED: a problem with the setup"), "{out}");
    assert!(!out.contains("not-the-secret"), "the secret was shown");
    assert_eq!(pay_requests(&sb), 0);
    // Nothing was sent: the next run does not speak of resuming.
    assert!(!month.beside("november.last-run.json").exists());
}

#[test]
fn a_file_changed_after_the_question_is_refused() {
    if bash_missing() {
        return;
    }
    let sb = Sandbox::start();
    let month = Month::new(&sb, SAMPLE, "november.csv");
    let mut child = month.script(&[]).spawn();
    // Wait for the question, then change an amount in the file, then answer yes.
    let mut stdout = child.stdout.take().expect("stdout");
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !String::from_utf8_lossy(&seen).contains("(yes/no)") {
        match stdout.read(&mut byte) {
            Ok(1) => seen.push(byte[0]),
            _ => panic!(
                "the script ended before asking:\n{}",
                String::from_utf8_lossy(&seen)
            ),
        }
    }
    let text = std::fs::read_to_string(&month.file).expect("read");
    assert!(text.contains("Rådgivning, november"));
    std::fs::write(
        &month.file,
        text.replacen("Rådgivning, november", "Rådgivning, desember", 1),
    )
    .expect("write");
    let mut stderr = child.stderr.take().expect("stderr");
    let errors = std::thread::spawn(move || {
        let mut e = String::new();
        let _ = stderr.read_to_string(&mut e);
        e
    });
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"yes\n").expect("answer");
    drop(stdin);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).expect("rest");
    let status = child.wait().expect("wait");
    let errors = errors.join().expect("stderr");
    let out = format!("{}{rest}{errors}", String::from_utf8_lossy(&seen));
    assert_eq!(status.code(), Some(1), "{out}");
    assert!(
        out.contains("NOTHING WAS SENT (kravia-batch's message is above).")
            && out.contains("the file was changed after the check: run this again"),
        "{out}"
    );
    // kravia-batch's own message, on the screen, names the changed invoice.
    assert!(errors.contains("2026-11-0001"), "{errors}");
    assert_eq!(pay_requests(&sb), 0, "something was sent");
    assert!(!month.beside("november.last-run.json").exists());
}

#[test]
fn refused_invoices_end_partly_done_and_are_not_resent() {
    if bash_missing() {
        return;
    }
    let sb = Sandbox::with_faults(Faults {
        fail_status: FaultRule::References(vec!["2026-11-0003".into()]),
        ..Faults::default()
    });
    let month = Month::new(&sb, SAMPLE, "november.csv");
    let (code, out) = run(month.script(&["--rate", "200"]), "yes\n");
    assert_eq!(code, 4, "{out}");
    assert!(has_line(&out, &["Created at Kravia:", "24"]), "{out}");
    assert!(has_line(&out, &["Refused by Kravia:", "1"]), "{out}");
    assert!(
        out.contains("PARTLY DONE: some invoices were not created."),
        "{out}"
    );
    assert_eq!(created(&sb).len(), SAMPLE_INVOICES - 1);

    // Again: says what happened before, sends nothing new, and still exits 4.
    let before = pay_requests(&sb);
    let (code, out) = run(month.script(&["--rate", "200"]), "yes\n");
    assert_eq!(code, 4, "{out}");
    assert!(
        out.contains("and Kravia refused some invoices then"),
        "{out}"
    );
    assert_eq!(
        pay_requests(&sb),
        before,
        "the refused invoice was sent again"
    );
}

#[test]
fn the_same_invoices_in_another_file_are_refused_as_already_invoiced() {
    if bash_missing() {
        return;
    }
    let sb = Sandbox::start();
    let month = Month::new(&sb, SAMPLE, "november.csv");
    let (code, out) = run(month.script(&["--rate", "200"]), "yes\n");
    assert_eq!(code, 0, "{out}");
    // Last month's file picked again from another folder: a new journal, but this
    // machine's record of invoiced references (KRAVIA_BATCH_DATA_DIR) knows them.
    let again = month.t.path("other folder");
    std::fs::create_dir_all(&again).expect("folder");
    std::fs::copy(&month.file, again.join("november copy.csv")).expect("copy");
    let cmd = month.script_on(&again.join("november copy.csv"), &["--rate", "200"]);
    let before = pay_requests(&sb);
    let (code, out) = run(cmd, "yes\n");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("NOTHING WAS SENT (kravia-batch's message is above).")
            && out.contains("some invoices were already invoiced earlier"),
        "{out}"
    );
    assert_eq!(pay_requests(&sb), before, "something was sent");
    assert_all_created_once(&sb);
}

#[test]
fn a_rehearsal_keeps_apart_from_the_real_run() {
    if bash_missing() {
        return;
    }
    let sb = Sandbox::start();
    let month = Month::new(&sb, SAMPLE, "november.csv");
    // --sandbox: kravia-batch's in-process emulator, not the sandbox of this test.
    let (code, out) = run(month.script(&["--sandbox", "--rate", "200"]), "yes\n");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("REHEARSAL: the invoices go to a simulated Kravia")
            && out.contains("REHEARSAL DONE: the simulated Kravia accepted every invoice")
            && out.contains("(This was a rehearsal: nothing real was sent."),
        "{out}"
    );
    assert!(month.beside("november.rehearsal.results.csv").is_file());
    assert!(!month.beside("november.results.csv").exists());
    assert!(!month.beside("november.last-run.json").exists());
    assert!(
        sb.ledger().requests.is_empty(),
        "the rehearsal reached Dintero"
    );
    // The real run afterwards: not a resume, and every invoice is sent.
    let (code, out) = run(month.script(&["--rate", "200"]), "yes\n");
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("resum"), "{out}");
    assert_all_created_once(&sb);
}

#[test]
fn an_interrupted_run_says_run_again_and_the_re_run_resumes() {
    if bash_missing() {
        return;
    }
    let sb = Sandbox::with_faults(Faults {
        latency: Duration::from_millis(50),
        ..Faults::default()
    });
    let month = Month::new(&sb, SAMPLE, "november.csv");
    // Extra options for the sending step, from the environment; the script in a process
    // group of its own, which gets the Ctrl-C (SIGINT) as a terminal would send it.
    let mut child = month
        .script(&[])
        .env("KRAVIA_IMPORT_ARGS", "--rate 8 --concurrency 2")
        .process_group()
        .spawn();
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"yes\n")
        .expect("answer");
    let deadline = Instant::now() + Duration::from_secs(30);
    while sb.ledger().transactions.len() < 5 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = Command::new("kill")
        .args(["-INT", "--", &format!("-{}", child.id())])
        .status()
        .expect("kill");
    assert!(status.success());
    let out = Output::from(child.wait_with_output().expect("wait"));
    let text = out.stdout() + &out.stderr();
    assert_eq!(out.code(), Some(5), "{text}");
    assert!(
        text.contains("NOT FINISHED") && text.contains("Run this again with the same file"),
        "{text}"
    );
    let partly = created(&sb).len();
    assert!(
        partly > 0 && partly < SAMPLE_INVOICES,
        "interrupted at {partly}"
    );

    // The same file again: resumes, and every invoice ends up created exactly once.
    let (code, out) = run(month.script(&["--rate", "200"]), "yes\n");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("that run did not finish")
            && out.contains("This run resumes it")
            && out.contains("no invoice is sent twice"),
        "no resume message:\n{out}"
    );
    assert_all_created_once(&sb);
}

#[test]
fn a_missing_file_is_named_and_nothing_is_written() {
    if bash_missing() {
        return;
    }
    let sb = Sandbox::start();
    let month = Month::new(&sb, SAMPLE, "november.csv");
    let missing = month.beside("novembre.csv");
    let (code, out) = run(month.script_on(&missing, &[]), "yes\n");
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains(&format!(
            "The file '{}' was not found. Check the name and the folder, and try again.",
            missing.display()
        )),
        "{out}"
    );
    assert!(!out.contains("(yes/no)"), "it asked:\n{out}");
    assert!(!month.beside("novembre.errors.csv").exists());
    assert!(sb.ledger().requests.is_empty(), "the sandbox was contacted");
}

#[test]
fn the_script_needs_nothing_but_bash_and_kravia_batch() {
    if bash_missing() {
        return;
    }
    let sb = Sandbox::start();
    let month = Month::new(&sb, SAMPLE, "november.csv");
    // A PATH with bash and `tr` (which reads the answer) only: no python3, no jq.
    let tools = month.t.path("tools");
    std::fs::create_dir(&tools).expect("tools folder");
    for tool in ["bash", "tr"] {
        let path = which(tool).unwrap_or_else(|| panic!("no {tool}"));
        std::os::unix::fs::symlink(path, tools.join(tool)).expect("link");
    }
    let cmd = month
        .script(&["--sandbox", "--rate", "200"])
        .env("PATH", &tools);
    let (code, out) = run(cmd, "Yes\n");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("REHEARSAL DONE: the simulated Kravia accepted every invoice"),
        "{out}"
    );
}
