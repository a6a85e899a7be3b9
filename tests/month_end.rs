//! The accountants' wrapper `scripts/month-end.sh`, end to end: the real script runs the
//! built binary against a sandbox over loopback HTTP, with the answer to its question on
//! stdin, in a folder whose name has spaces. Also a structural check that
//! `scripts/month-end.ps1` (no PowerShell on this machine) makes the same calls and
//! handles the same exit codes.

use kravia_batch::sandbox::{BlockingSandbox, FaultRule, Faults, SandboxConfig, start_blocking};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SAMPLE: &str = "samples/november-2026-canonical.csv";
const SAMPLE_INVOICES: usize = 25;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sh_path() -> PathBuf {
    root().join("scripts").join("month-end.sh")
}

fn ps1_path() -> PathBuf {
    root().join("scripts").join("month-end.ps1")
}

/// The script runs under bash; without it these tests have nothing to run.
fn bash_missing() -> bool {
    let ok = Command::new("bash")
        .args(["-c", "true"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        eprintln!("skipped: bash is not installed, so scripts/month-end.sh cannot run here");
    }
    !ok
}

fn sandbox(faults: Faults) -> BlockingSandbox {
    start_blocking(SandboxConfig {
        faults,
        ..SandboxConfig::default()
    })
    .expect("sandbox")
}

/// A month-end folder (with a space in its name) holding a copy of `source`.
struct Month {
    _tmp: tempfile::TempDir,
    home: PathBuf,
    folder: PathBuf,
    file: PathBuf,
}

impl Month {
    fn new(source: &str, name: &str) -> Month {
        let tmp = tempfile::tempdir().expect("tmp");
        let home = tmp.path().to_path_buf();
        let folder = home.join("month end");
        std::fs::create_dir_all(&folder).expect("folder");
        let file = folder.join(name);
        std::fs::copy(root().join(source), &file).expect("copy");
        Month {
            _tmp: tmp,
            home,
            folder,
            file,
        }
    }

    /// A file next to the export, by name.
    fn beside(&self, name: &str) -> PathBuf {
        self.folder.join(name)
    }

    /// The script on this month's file, pointed at `sb`.
    fn script(&self, sb: &BlockingSandbox, args: &[&str]) -> Command {
        self.script_on(sb, &self.file, args)
    }

    /// The script on another file, with this month's settings and data folder.
    fn script_on(&self, sb: &BlockingSandbox, file: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(sh_path());
        cmd.arg(file)
            .args(args)
            .current_dir(&self.home)
            .env("KRAVIA_BATCH", assert_cmd::cargo::cargo_bin("kravia-batch"))
            .env("KRAVIA_NO_OPEN", "1")
            .env("KRAVIA_BATCH_DATA_DIR", self.home.join("data"))
            .env("XDG_CONFIG_HOME", self.home.join("config"))
            .env("DINTERO_ACCOUNT_ID", "T12345678")
            .env("DINTERO_CLIENT_ID", "sandbox-client")
            .env("DINTERO_CLIENT_SECRET", "sandbox-secret")
            .env("DINTERO_API_URL", format!("{}/v1", sb.base_url()))
            .env("DINTERO_CHECKOUT_URL", format!("{}/v1", sb.base_url()));
        for name in [
            "DINTERO_CLIENT_SECRET_FILE",
            "KRAVIA_IMPORT_ARGS",
            "KRAVIA_BATCH_CONFIG",
            "KRAVIA_BATCH_RESULTS_DIR",
            "KRAVIA_BATCH_RESULTS_FORMAT",
            "KRAVIA_BATCH_MAPPING",
        ] {
            cmd.env_remove(name);
        }
        cmd
    }
}

/// Runs a command with `answer` on stdin; returns the exit code and stdout + stderr.
fn run(mut cmd: Command, answer: &str) -> (i32, String) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the script");
    // A script that stops before asking may not read it all: a broken pipe is fine.
    let _ = child
        .stdin
        .take()
        .expect("stdin")
        .write_all(answer.as_bytes());
    let out = child.wait_with_output().expect("wait");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
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
fn created(sb: &BlockingSandbox) -> BTreeMap<String, usize> {
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

fn pay_requests(sb: &BlockingSandbox) -> usize {
    sb.ledger().requests_to("POST", "/v1/sessions/pay").len()
}

fn assert_all_created_once(sb: &BlockingSandbox) {
    let c = created(sb);
    assert_eq!(c.len(), SAMPLE_INVOICES, "invoices at the sandbox: {c:?}");
    assert!(c.values().all(|n| *n == 1), "some invoice twice: {c:?}");
}

#[test]
fn the_script_is_executable() {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(sh_path())
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
    let sb = sandbox(Faults::default());
    let month = Month::new(SAMPLE, "november 2026.csv");
    // Extra options for the sending step, as arguments.
    let (code, out) = run(month.script(&sb, &["--rate", "200"]), "yes\n");
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
    let (code, out) = run(month.script(&sb, &["--rate", "200"]), "yes\n");
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
    let sb = sandbox(Faults::default());
    let month = Month::new(SAMPLE, "november.csv");
    for answer in ["no\n", "perhaps\nnei\n", ""] {
        let (code, out) = run(month.script(&sb, &[]), answer);
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
    let sb = sandbox(Faults::default());
    let month = Month::new("tests/data/20-bad-email.csv", "bad email.csv");
    let (code, out) = run(month.script(&sb, &[]), "yes\n");
    assert_eq!(code, 1, "{out}");
    assert!(!out.contains("(yes/no)"), "it asked:\n{out}");
    for shown in [
        "1 invoice has errors (1 error in all); 5 invoices are correct.",
        "Row 3, column K (email), invoice 2026-11-0102: 'kari.nordmann.example.no' is not a valid e-mail address",
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
    let empty = Month::new("tests/data/01-empty.csv", "empty.csv");
    let (code, out) = run(empty.script(&sb, &[]), "yes\n");
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
    let sb = sandbox(Faults::default());
    let month = Month::new(SAMPLE, "november.csv");
    let mut cmd = month.script(&sb, &[]);
    cmd.env("DINTERO_CLIENT_SECRET", "not-the-secret");
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
    let sb = sandbox(Faults::default());
    let month = Month::new(SAMPLE, "november.csv");
    let mut child = month
        .script(&sb, &[])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
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
    let sb = sandbox(Faults {
        fail_status: FaultRule::References(vec!["2026-11-0003".into()]),
        ..Faults::default()
    });
    let month = Month::new(SAMPLE, "november.csv");
    let (code, out) = run(month.script(&sb, &["--rate", "200"]), "yes\n");
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
    let (code, out) = run(month.script(&sb, &["--rate", "200"]), "yes\n");
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
    let sb = sandbox(Faults::default());
    let month = Month::new(SAMPLE, "november.csv");
    let (code, out) = run(month.script(&sb, &["--rate", "200"]), "yes\n");
    assert_eq!(code, 0, "{out}");
    // Last month's file picked again from another folder: a new journal, but this
    // machine's record of invoiced references (KRAVIA_BATCH_DATA_DIR) knows them.
    let again = month.home.join("other folder");
    std::fs::create_dir_all(&again).expect("folder");
    std::fs::copy(&month.file, again.join("november copy.csv")).expect("copy");
    let cmd = month.script_on(&sb, &again.join("november copy.csv"), &["--rate", "200"]);
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
    let sb = sandbox(Faults::default());
    let month = Month::new(SAMPLE, "november.csv");
    // --sandbox: kravia-batch's in-process emulator, not the sandbox of this test.
    let (code, out) = run(month.script(&sb, &["--sandbox", "--rate", "200"]), "yes\n");
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
    let (code, out) = run(month.script(&sb, &["--rate", "200"]), "yes\n");
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("resum"), "{out}");
    assert_all_created_once(&sb);
}

#[test]
fn an_interrupted_run_says_run_again_and_the_re_run_resumes() {
    if bash_missing() {
        return;
    }
    use std::os::unix::process::CommandExt;
    let sb = sandbox(Faults {
        latency: Duration::from_millis(50),
        ..Faults::default()
    });
    let month = Month::new(SAMPLE, "november.csv");
    // Extra options for the sending step, from the environment; the script in a process
    // group of its own, which gets the Ctrl-C (SIGINT) as a terminal would send it.
    let mut cmd = month.script(&sb, &[]);
    cmd.env("KRAVIA_IMPORT_ARGS", "--rate 8 --concurrency 2")
        .process_group(0)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
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
    let out = child.wait_with_output().expect("wait");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(5), "{text}");
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
    let (code, out) = run(month.script(&sb, &["--rate", "200"]), "yes\n");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("that run did not finish")
            && out.contains("This run resumes it")
            && out.contains("no invoice is sent twice"),
        "no resume message:\n{out}"
    );
    assert_all_created_once(&sb);
}

// ---------------------------------------------------------------------------------------
// scripts/month-end.ps1: PowerShell cannot be installed here, so its structure is checked
// against the bash script's (see docs/accountant-guide.md for the parser check on Windows).

/// The code of a PowerShell script with comments removed and every string literal
/// replaced by `''`, plus the string literals themselves (unquoted). Panics on an
/// unterminated string or comment.
fn ps_code_and_strings(src: &str) -> (String, Vec<String>) {
    let chars: Vec<char> = src.chars().collect();
    let (mut code, mut strings) = (String::new(), Vec::new());
    let mut i = 0;
    let at = |i: usize, s: &str| src_starts_with(&chars, i, s);
    while i < chars.len() {
        let c = chars[i];
        if at(i, "<#") {
            let end = find(&chars, i + 2, "#>").expect("unterminated <# comment");
            i = end + 2;
        } else if c == '#' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if at(i, "@'") || at(i, "@\"") {
            let close = if c == '@' && chars[i + 1] == '\'' {
                "\n'@"
            } else {
                "\n\"@"
            };
            let end = find(&chars, i + 2, close).expect("unterminated here-string");
            strings.push(chars[i + 2..end].iter().collect());
            code.push_str("''");
            i = end + 3;
        } else if c == '\'' {
            let mut s = String::new();
            i += 1;
            loop {
                assert!(i < chars.len(), "unterminated '...' string");
                if chars[i] == '\'' {
                    if i + 1 < chars.len() && chars[i + 1] == '\'' {
                        s.push('\'');
                        i += 2;
                        continue;
                    }
                    break;
                }
                s.push(chars[i]);
                i += 1;
            }
            i += 1;
            strings.push(s);
            code.push_str("''");
        } else if c == '"' {
            let mut s = String::new();
            i += 1;
            loop {
                assert!(i < chars.len(), "unterminated \"...\" string");
                match chars[i] {
                    '`' => {
                        s.push(chars[i]);
                        s.push(chars[i + 1]);
                        i += 2;
                        continue;
                    }
                    '"' => break,
                    ch => s.push(ch),
                }
                i += 1;
            }
            i += 1;
            strings.push(s);
            code.push_str("''");
        } else {
            code.push(c);
            i += 1;
        }
    }
    (code, strings)
}

fn src_starts_with(chars: &[char], i: usize, s: &str) -> bool {
    s.chars()
        .enumerate()
        .all(|(k, c)| chars.get(i + k) == Some(&c))
}

fn find(chars: &[char], from: usize, s: &str) -> Option<usize> {
    (from..chars.len()).find(|&i| src_starts_with(chars, i, s))
}

/// The text of every `say "..."` line of the bash script, with `$var` / `${var}` as `$`.
fn sh_messages(sh: &str) -> Vec<String> {
    sh.lines()
        .filter_map(|l| l.trim().strip_prefix("say \""))
        .filter_map(|l| l.strip_suffix('"'))
        // The usage text names the script itself.
        .filter(|l| !l.contains("$(basename"))
        .map(|m| normalize_vars(&m.replace("\\\"", "\"")))
        .collect()
}

/// `$name`, `${name}` and `$($x.y)` become `$`.
fn normalize_vars(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        out.push('$');
        match chars.peek() {
            Some('{') | Some('(') => {
                let close = if chars.next() == Some('{') { '}' } else { ')' };
                for d in chars.by_ref() {
                    if d == close {
                        break;
                    }
                }
            }
            _ => {
                while chars
                    .peek()
                    .is_some_and(|d| d.is_ascii_alphanumeric() || *d == '_')
                {
                    chars.next();
                }
            }
        }
    }
    out
}

#[test]
fn the_powershell_script_parses_and_mirrors_the_bash_script() {
    let ps1 = std::fs::read_to_string(ps1_path()).expect("scripts/month-end.ps1");
    let sh = std::fs::read_to_string(sh_path()).expect("scripts/month-end.sh");

    // Windows PowerShell 5.1 reads a script without a BOM in the ANSI code page.
    assert!(ps1.is_ascii(), "month-end.ps1 must stay ASCII");

    // Strings and comments are terminated, and brackets balance in the code.
    let (code, strings) = ps_code_and_strings(&ps1);
    let mut stack: Vec<(char, usize)> = Vec::new();
    for (n, line) in code.lines().enumerate() {
        for c in line.chars() {
            match c {
                '(' | '{' | '[' => stack.push((c, n + 1)),
                ')' | '}' | ']' => {
                    let open = match c {
                        ')' => '(',
                        '}' => '{',
                        _ => '[',
                    };
                    let top = stack.pop();
                    assert_eq!(
                        top.map(|t| t.0),
                        Some(open),
                        "month-end.ps1 line {}: '{c}' closes {top:?}",
                        n + 1
                    );
                }
                _ => {}
            }
        }
    }
    assert!(stack.is_empty(), "month-end.ps1: unclosed {stack:?}");

    // Nothing that only PowerShell 7 understands.
    for seven in ["&&", "||", "??", "?.", "-Parallel", "-AsHashtable"] {
        assert!(
            !code.contains(seven),
            "month-end.ps1 uses {seven:?}, which Windows PowerShell 5.1 does not know"
        );
    }

    // The same kravia-batch calls: subcommands and flags.
    let ps_strings: std::collections::BTreeSet<&str> = strings.iter().map(String::as_str).collect();
    for flag in [
        "validate",
        "import",
        "--format",
        "json",
        "--report",
        "--annotate",
        "--plan",
        "--confirm-total",
    ] {
        assert!(sh.contains(flag), "month-end.sh lacks {flag}");
        assert!(ps_strings.contains(flag), "month-end.ps1 lacks {flag}");
    }
    // The same files next to the export, and the same settings.
    for name in [
        ".errors.csv",
        ".plan.json",
        ".last-run.json",
        ".annotated",
        ".annotated.xlsx",
        ".rehearsal.results.csv",
        ".rehearsal.last-run.json",
        "--sandbox",
        "--results",
    ] {
        assert!(sh.contains(name), "month-end.sh lacks {name}");
        assert!(ps1.contains(name), "month-end.ps1 lacks {name}");
    }
    for var in ["KRAVIA_BATCH", "KRAVIA_IMPORT_ARGS", "KRAVIA_NO_OPEN"] {
        assert!(sh.contains(var), "month-end.sh lacks {var}");
        assert!(
            code.contains(&format!("$env:{var}")),
            "month-end.ps1 lacks $env:{var}"
        );
    }

    // The same exit codes handled after the check and after the sending: bash `N)` case
    // arms, PowerShell `switch ($code)` arms.
    let sh_arms = |from: &str| -> Vec<String> {
        let part = &sh[sh.find(from).expect(from)..];
        let part = &part[..part.find("\nesac").expect("esac")];
        part.lines()
            .filter_map(|l| l.split_once(')'))
            .map(|(arm, _)| arm)
            .filter(|a| a == &"*" || (!a.is_empty() && a.chars().all(|c| c.is_ascii_digit())))
            .map(|a| if a == "*" { "default" } else { a }.to_string())
            .collect()
    };
    let ps_arms = |nth: usize| -> Vec<String> {
        let part = code.split("switch ($code)").nth(nth).expect("switch");
        part.lines()
            .filter_map(|l| l.strip_prefix("    ")?.split_once(" {"))
            .map(|(arm, _)| arm)
            .filter(|a| a == &"default" || (!a.is_empty() && a.chars().all(|c| c.is_ascii_digit())))
            .map(str::to_string)
            .collect()
    };
    let sh_check = sh_arms("case \"$code\" in\n0) ;;");
    let sh_send = sh_arms("case \"$code\" in\n0)\n");
    assert_eq!(
        sh_check,
        ["0", "1", "3", "default"],
        "month-end.sh check arms"
    );
    assert_eq!(
        sh_send,
        ["0", "4", "5", "1", "2", "3", "default"],
        "month-end.sh sending arms"
    );
    let ps_check = ps_arms(1);
    let ps_send = ps_arms(2);
    assert_eq!(
        ps_check[..sh_check.len()],
        sh_check[..],
        "month-end.ps1 check arms"
    );
    assert_eq!(
        ps_send[..sh_send.len()],
        sh_send[..],
        "month-end.ps1 sending arms"
    );

    // The same JSON keys read.
    for key in [
        "error",
        "invoices",
        "valid_invoices",
        "invalid_invoices",
        "lines",
        "errors",
        "warnings",
        "by_type",
        "totals",
        "vat_rates",
        "problems",
        "currency",
        "amount",
        "vat_amount",
        "net_amount",
        "largest",
        "merchant_reference",
        "customer",
        "rate",
        "base",
        "row",
        "column",
        "column_letter",
        "value",
        "severity",
        "message",
        "account",
        "results_file",
        "counts",
        "interrupted",
        "reconciled",
        "created",
        "already_exists",
        "failed",
        "unknown",
        "not_sent",
        "started_at",
        "exit_code",
    ] {
        let in_sh = sh.contains(&format!("\"{key}\""));
        let in_ps = code.contains(&format!(".{key}"))
            || ps_strings.contains(key)
            || code.contains(&format!("{key} ="));
        assert!(in_sh, "month-end.sh does not read {key:?}");
        assert!(in_ps, "month-end.ps1 does not read {key:?}");
    }

    // Every message of the bash script's own, word for word.
    let ps_messages: Vec<String> = strings.iter().map(|s| normalize_vars(s)).collect();
    for m in sh_messages(&sh) {
        // Only bash needs python3 (PowerShell reads JSON itself).
        let bash_only = ["python3", "xcode-select"];
        if m.trim().is_empty() || bash_only.iter().any(|b| m.contains(b)) {
            continue;
        }
        assert!(
            ps_messages.iter().any(|p| p == &m),
            "month-end.ps1 does not say {m:?}"
        );
    }
}
