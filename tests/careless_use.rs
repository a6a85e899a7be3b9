//! The tool under careless commands: outputs that name an input, a rehearsal before the
//! live run, `--skip-invalid` with a broken row, formulas in cells, a server that does
//! not speak TLS, a reader that goes away, two imports at once. Each test runs the real
//! binary and checks what must never happen: a file replaced, an invoice missing from
//! the results, a sandbox outcome counted as real, an exit code outside 0-5.

mod common;

use assert_cmd::Command;
use kravia_batch::sandbox::{BlockingSandbox, Faults, SandboxConfig, start_blocking};
use std::path::{Path, PathBuf};
use std::time::Duration;

const SAMPLE: &str = "samples/november-2026-canonical.csv";

fn bin(dir: &Path) -> Command {
    Command::from_std(bin_std(dir))
}

fn bin_std(dir: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("kravia-batch"));
    cmd.current_dir(dir)
        .env("KRAVIA_BATCH_DATA_DIR", dir.join("data"))
        .env("XDG_CONFIG_HOME", dir)
        .env_remove("KRAVIA_BATCH_CONFIG")
        .env_remove("DINTERO_CLIENT_SECRET_FILE");
    cmd
}

/// `bin` with the credentials and URLs of an external sandbox.
fn live(dir: &Path, sb: &BlockingSandbox) -> Command {
    Command::from_std(live_std(dir, sb))
}

fn live_std(dir: &Path, sb: &BlockingSandbox) -> std::process::Command {
    let mut cmd = bin_std(dir);
    cmd.env("DINTERO_ACCOUNT_ID", "T12345678")
        .env("DINTERO_CLIENT_ID", "sandbox-client")
        .env("DINTERO_CLIENT_SECRET", "sandbox-secret")
        .env("DINTERO_API_URL", format!("{}/v1", sb.base_url()))
        .env("DINTERO_CHECKOUT_URL", format!("{}/v1", sb.base_url()));
    cmd
}

fn copy_sample(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::copy(SAMPLE, &path).expect("copy");
    path
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// ---------------------------------------------------------------------------------------
// Outputs never replace what the command reads

#[test]
fn no_output_may_replace_the_input_export() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let input = copy_sample(d, "in.csv");
    let before = std::fs::read(&input).expect("read");
    let xlsx = d.join("in.xlsx");
    std::fs::copy("samples/november-2026.xlsx", &xlsx).expect("copy");
    let xlsx_before = std::fs::read(&xlsx).expect("read");
    let cases: Vec<Vec<&str>> = vec![
        vec!["validate", "in.csv", "--report", "in.csv"],
        vec!["validate", "in.csv", "--report", "./in.csv"],
        vec!["validate", "in.csv", "--emit-payloads", "in.csv"],
        vec!["validate", "in.csv", "--annotate", "in.csv"],
        vec!["validate", "in.csv", "--plan", "in.csv"],
        vec!["import", "--dry-run", "in.csv", "--plan", "in.csv"],
        vec!["import", "in.csv", "--sandbox", "--results", "in.csv"],
        vec!["import", "in.csv", "--sandbox", "--report", "in.csv"],
        vec!["import", "in.csv", "--sandbox", "--emit-payloads", "in.csv"],
        vec!["import", "in.xlsx", "--sandbox", "--results", "in.xlsx"],
    ];
    for args in cases {
        let out = bin(d).args(&args).output().expect("run");
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains("this command reads"),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(std::fs::read(&input).expect("read"), before, "{args:?}");
        assert_eq!(std::fs::read(&xlsx).expect("read"), xlsx_before, "{args:?}");
    }
    // Through a link, and over the mapping file.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&input, d.join("link.csv")).expect("link");
        let out = bin(d)
            .args(["validate", "in.csv", "--report", "link.csv"])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        assert_eq!(std::fs::read(&input).expect("read"), before);
    }
    let mapping = d.join("map.toml");
    std::fs::copy("samples/mapping-example.toml", &mapping).expect("copy");
    let mapping_before = std::fs::read(&mapping).expect("read");
    let out = bin(d)
        .args([
            "validate",
            "in.csv",
            "--mapping",
            "map.toml",
            "--report",
            "map.toml",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&mapping).expect("read"), mapping_before);
}

#[test]
fn two_outputs_to_one_path_are_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    copy_sample(d, "in.csv");
    let out = bin(d)
        .args([
            "validate",
            "in.csv",
            "--report",
            "x.csv",
            "--emit-payloads",
            "x.csv",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("both name"),
        "{}",
        text(&out.stderr)
    );
    assert!(!d.join("x.csv").exists());
}

#[cfg(unix)]
#[test]
fn outputs_that_are_not_ordinary_files_are_refused_and_left_as_they_are() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    copy_sample(d, "in.csv");
    let fifo = d.join("pipe");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(status.success());
    std::fs::create_dir(d.join("folder")).expect("mkdir");
    for args in [
        vec!["validate", "in.csv", "--report", "pipe"],
        vec!["validate", "in.csv", "--report", "folder"],
        vec!["import", "in.csv", "--sandbox", "--results", "pipe"],
    ] {
        let out = bin(d).args(&args).output().expect("run");
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains("not an ordinary file"),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    assert!(
        std::fs::symlink_metadata(&fifo)
            .expect("fifo")
            .file_type()
            .is_fifo()
    );
    assert!(d.join("folder").is_dir());
}

// ---------------------------------------------------------------------------------------
// A rehearsal never poisons the live run

#[test]
fn a_rehearsal_keeps_its_own_results_and_the_live_run_then_sends_everything() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    copy_sample(d, "november.csv");
    let out = bin(d)
        .args([
            "import",
            "november.csv",
            "--sandbox",
            "--quiet",
            "--rate",
            "500",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("in the sandbox"), "{stdout}");
    assert!(!stdout.contains("exists at Kravia"), "{stdout}");
    assert!(d.join("november.rehearsal.results.csv").is_file());
    assert!(!d.join("november.results.csv").exists());

    let sb = start_blocking(SandboxConfig::default()).expect("sandbox");
    let out = live(d, &sb)
        .args([
            "import",
            "november.csv",
            "--quiet",
            "--format",
            "json",
            "--rate",
            "500",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(j["counts"]["created"], 25, "{j:#}");
    assert_eq!(j["sandbox"], false, "{j:#}");
    assert_eq!(sb.ledger().transactions.len(), 25);
}

#[test]
fn a_journal_is_bound_to_where_it_was_sent() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    copy_sample(d, "november.csv");
    let out = bin(d)
        .args(["import", "november.csv", "--sandbox", "--quiet"])
        .args(["--rate", "500", "--results", "shared.csv"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // The live run with the same results path: refused, nothing sent.
    let sb = start_blocking(SandboxConfig::default()).expect("sandbox");
    let out = live(d, &sb)
        .args([
            "import",
            "november.csv",
            "--quiet",
            "--results",
            "shared.csv",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(err.contains("in-process sandbox"), "{err}");
    assert!(err.contains("nothing was sent"), "{err}");
    assert!(sb.ledger().transactions.is_empty());
    // And the other way round: a live journal is no rehearsal's.
    let out = live(d, &sb)
        .args(["import", "november.csv", "--quiet", "--rate", "500"])
        .args(["--results", "live.csv"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = bin(d)
        .args([
            "import",
            "november.csv",
            "--sandbox",
            "--quiet",
            "--results",
            "live.csv",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains(&sb.base_url()),
        "{}",
        text(&out.stderr)
    );
}

// ---------------------------------------------------------------------------------------
// --skip-invalid: every invoice of the file is in the results

#[test]
fn skip_invalid_lists_an_invoice_whose_only_row_was_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let mut csv = std::fs::read_to_string(SAMPLE).expect("sample");
    // 2026-11-0002's only row gets one cell too many.
    let row = csv
        .lines()
        .find(|l| l.starts_with("2026-11-0002,"))
        .expect("row")
        .to_string();
    assert_eq!(
        csv.lines()
            .filter(|l| l.starts_with("2026-11-0002,"))
            .count(),
        1
    );
    csv = csv.replace(&row, &format!("{row},extra"));
    std::fs::write(d.join("in.csv"), csv).expect("write");
    // The dry run counts it: 25 invoices, one of them invalid.
    let out = bin(d)
        .args(["validate", "in.csv", "--quiet", "--format", "json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(j["invoices"], 25, "{j:#}");
    assert_eq!(j["invalid_invoices"], 1, "{j:#}");
    let out = bin(d)
        .args(["import", "in.csv", "--sandbox", "--skip-invalid", "--quiet"])
        .args(["--rate", "500", "--results", "r.csv"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stdout));
    let rows = common::results_map(&d.join("r.csv"));
    assert_eq!(rows.len(), 25, "{:?}", rows.keys());
    let lost = &rows["2026-11-0002"];
    assert_eq!(lost["status"], "not_sent");
    assert!(lost["error"].contains("not sent"), "{lost:?}");
}

// ---------------------------------------------------------------------------------------
// Formulas in cells

#[test]
fn cells_that_excel_would_run_are_written_as_text_and_read_back_as_they_were() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let formula = "=HYPERLINK(\"http://evil.example\",\"click\")";
    let csv = std::fs::read_to_string(SAMPLE)
        .expect("sample")
        .replace(
            "Nordlys Konsult AS",
            &format!("\"{}\"", formula.replace('"', "\"\"")),
        )
        .replace("ola.nordmann@nordlys.no", "@SUM(1+1)");
    std::fs::write(d.join("in.csv"), csv).expect("write");
    // The report: the bad e-mail's value.
    let out = bin(d)
        .args(["validate", "in.csv", "--quiet", "--report", "report.csv"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let report = std::fs::read_to_string(d.join("report.csv")).expect("report");
    assert!(report.contains("'@SUM(1+1)"), "{report}");
    assert!(!report.contains(",@SUM"), "{report}");
    // The results: the customer's name.
    let fixed = std::fs::read_to_string(d.join("in.csv"))
        .expect("in")
        .replace("@SUM(1+1)", "ola@nordlys.no");
    std::fs::write(d.join("in.csv"), fixed).expect("write");
    let out = bin(d)
        .args(["import", "in.csv", "--sandbox", "--quiet", "--rate", "500"])
        .args(["--results", "r.csv"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let raw = std::fs::read_to_string(d.join("r.csv")).expect("results");
    for line in raw.lines() {
        for cell in line.split(',') {
            let cell = cell.trim_start_matches('"');
            assert!(
                !cell.starts_with(['=', '+', '@']),
                "a cell starts a formula: {line}"
            );
        }
    }
    let rows = kravia_batch::output::results::read_results(&d.join("r.csv")).expect("read");
    let row = rows
        .iter()
        .find(|r| r.merchant_reference == "2026-11-0001")
        .expect("row");
    assert!(row.customer.starts_with(formula), "{}", row.customer);
}

// ---------------------------------------------------------------------------------------
// Exit codes stay within 0-5

#[test]
fn https_to_a_plain_http_server_is_an_error_with_words_not_a_signal() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let sb = start_blocking(SandboxConfig::default()).expect("sandbox");
    let https = sb.base_url().replace("http://", "https://");
    for args in [
        vec!["config", "check"],
        vec!["import", "in.csv", "--quiet"],
        vec!["status", "r.csv"],
    ] {
        copy_sample(d, "in.csv");
        std::fs::write(
            d.join("r.csv"),
            "merchant_reference,status,transaction_id\n2026-11-0001,created,T1\n",
        )
        .expect("write");
        let out = live(d, &sb)
            .env("DINTERO_API_URL", format!("{https}/v1"))
            .env("DINTERO_CHECKOUT_URL", format!("{https}/v1"))
            .args(&args)
            .timeout(Duration::from_secs(60))
            .output()
            .expect("run");
        let code = out.status.code();
        assert!(
            matches!(code, Some(0..=5)),
            "{args:?}: ended by {:?}; stderr {}",
            out.status,
            text(&out.stderr)
        );
        assert_ne!(code, Some(0), "{args:?}");
        let said = text(&out.stderr) + &text(&out.stdout);
        assert!(!said.trim().is_empty(), "{args:?}: printed nothing");
    }
}

#[test]
fn a_reader_that_goes_away_does_not_change_the_exit_code() {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("kravia-batch"))
        .args(["validate", SAMPLE])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0), "{:?}", out.status);
    assert!(
        !text(&out.stderr).contains("panicked"),
        "{}",
        text(&out.stderr)
    );
}

// ---------------------------------------------------------------------------------------
// Two imports at once

#[test]
fn a_second_import_at_the_same_time_refuses_at_the_start() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    copy_sample(d, "november.csv");
    let sb = start_blocking(SandboxConfig {
        faults: Faults {
            latency: Duration::from_millis(100),
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .expect("sandbox");
    let mut first = live_std(d, &sb)
        .args([
            "import",
            "november.csv",
            "--quiet",
            "--rate",
            "5",
            "--concurrency",
            "1",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // Wait until the first run is sending.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while sb.ledger().transactions.is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        !sb.ledger().transactions.is_empty(),
        "the first run never sent"
    );
    // The same command again: the journal is taken.
    let out = live(d, &sb)
        .args(["import", "november.csv", "--quiet"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(
        err.contains("another kravia-batch import is running"),
        "{err}"
    );
    assert!(err.contains(&format!("pid {}", first.id())), "{err}");
    // Another results path, same account: the account is taken.
    let out = live(d, &sb)
        .args([
            "import",
            "november.csv",
            "--quiet",
            "--results",
            "other.csv",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("for account T12345678"),
        "{}",
        text(&out.stderr)
    );
    assert!(!d.join("other.csv").exists());
    let _ = std::process::Command::new("kill")
        .args(["-INT", &first.id().to_string()])
        .status();
    let status = first.wait().expect("wait");
    assert!(matches!(status.code(), Some(0 | 5)), "{status:?}");
    // Every invoice is created once, in the end.
    let out = live(d, &sb)
        .args(["import", "november.csv", "--quiet", "--rate", "500"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let ledger = sb.ledger();
    assert_eq!(ledger.transactions.len(), 25);
}

#[test]
fn an_os_error_is_said_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    for args in [
        vec!["validate", "missing.csv"],
        vec!["validate", SAMPLE, "--mapping", "missing.toml"],
        vec!["status", "missing.results.csv"],
    ] {
        let out = bin(d)
            .args(&args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(3), "{args:?}");
        let err = text(&out.stderr);
        assert_eq!(err.matches("os error 2").count(), 1, "{args:?}: {err}");
    }
}

/// A socket write to a peer that hung up must be an error the command reports, never a
/// death by SIGPIPE (exit 141, nothing printed): the process keeps SIGPIPE ignored, as
/// Rust's runtime sets it. Checked on a running process through /proc, so it does not
/// depend on winning a race against a server's reset.
#[cfg(target_os = "linux")]
#[test]
fn sigpipe_stays_ignored_while_the_tool_talks_to_servers() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("kravia-batch"))
        .args(["sandbox", "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let mut first = String::new();
    let stdout = child.stdout.take().expect("stdout");
    std::io::BufReader::new(stdout)
        .read_line(&mut first)
        .expect("line");
    assert!(first.contains("listening"), "{first}");
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", child.id())).expect("proc status");
    let _ = child.kill();
    let _ = child.wait();
    let ignored = status
        .lines()
        .find_map(|l| l.strip_prefix("SigIgn:"))
        .map(|m| u64::from_str_radix(m.trim(), 16).expect("mask"))
        .expect("SigIgn");
    const SIGPIPE: u32 = 13;
    assert_ne!(ignored & (1 << (SIGPIPE - 1)), 0, "SIGPIPE is not ignored");
}

#[test]
fn a_results_amount_above_any_invoice_is_refused_not_summed() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    std::fs::write(
        d.join("r.csv"),
        "merchant_reference,status,transaction_id,amount,currency\n\
         A,created,T1,92233720368547758.07,NOK\n\
         B,created,T2,92233720368547758.07,NOK\n",
    )
    .expect("write");
    let out = bin(d).args(["status", "r.csv"]).output().expect("run");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(
        err.contains("row 2") && err.contains("was the file edited"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn a_plan_that_never_ends_is_refused_at_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    copy_sample(d, "in.csv");
    let out = bin(d)
        .args([
            "import",
            "in.csv",
            "--sandbox",
            "--quiet",
            "--plan",
            "/dev/zero",
        ])
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("/dev/zero"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_long_value_is_quoted_by_its_start_and_length() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let long = "x".repeat(300_000);
    let csv = std::fs::read_to_string(SAMPLE)
        .expect("sample")
        .replace("ola.nordmann@nordlys.no", &long);
    std::fs::write(d.join("in.csv"), csv).expect("write");
    let out = bin(d)
        .args(["validate", "in.csv", "--quiet", "--format", "json"])
        .args(["--report", "report.csv"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stdout.len() < 50_000,
        "{} bytes of output",
        out.stdout.len()
    );
    let report = std::fs::read_to_string(d.join("report.csv")).expect("report");
    assert!(report.len() < 50_000, "{} bytes of report", report.len());
    assert!(report.contains("characters)"), "{report}");
}

#[test]
fn results_in_a_folder_that_does_not_exist_say_so_and_send_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    copy_sample(d, "in.csv");
    let out = bin(d)
        .args(["import", "in.csv", "--sandbox", "--quiet"])
        .args(["--results", "no-such-folder/r.csv"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(err.contains("no-such-folder"), "{err}");
    assert!(err.contains("nothing was sent"), "{err}");
    assert!(err.contains("folder exists"), "{err}");
    assert!(!d.join("no-such-folder").exists());
}
