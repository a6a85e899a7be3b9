//! Plan and apply, and the cross-run guard, through the real binary against a sandbox
//! over loopback HTTP: an approved plan sends; a changed file is refused with what
//! changed; a file sent before is refused (from the local record, and from Dintero when
//! the local record is lost), `--skip-invoiced` sends only what is new; a re-run with
//! the same journal stays a resume that sends nothing.

mod common;

use common::{Cmd, SAMPLE, Sandbox, Test};
use kravia_batch::sandbox::Faults;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A test's sandbox and folder (input copy, results, data folder, config home).
struct Setup {
    sb: Sandbox,
    t: Test,
}

impl Setup {
    fn new() -> Setup {
        Setup::with(Sandbox::start())
    }

    fn with(sb: Sandbox) -> Setup {
        let t = Test::new().sandbox(&sb);
        Setup { sb, t }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.t.path(name)
    }

    /// Copies the sample month into the test's folder.
    fn input(&self, name: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::copy(SAMPLE, &p).expect("copy");
        p
    }

    fn data_dir(&self) -> PathBuf {
        self.path("data")
    }

    fn cmd(&self) -> Cmd {
        self.t.bin()
    }

    /// `validate --quiet INPUT --plan PLAN`
    fn validate_plan(&self, input: &Path, plan: &Path) -> Cmd {
        self.cmd()
            .args(["validate", "--quiet"])
            .arg(input)
            .arg("--plan")
            .arg(plan)
    }

    /// `import --quiet --format json FILE --results RESULTS EXTRA...`
    fn import_cmd(&self, input: &Path, results: &str, extra: &[&str]) -> Cmd {
        self.cmd()
            .args(["import", "--quiet", "--format", "json", "--rate", "200"])
            .arg(input)
            .arg("--results")
            .arg(self.path(results))
            .args(extra)
    }

    /// Runs [`Setup::import_cmd`].
    fn import(&self, input: &Path, results: &str, extra: &[&str]) -> Run {
        Run::of(self.import_cmd(input, results, extra).run())
    }

    /// The message with this test's paths, dates and transaction ids replaced.
    fn redact(&self, text: &str) -> String {
        let text = text.replace(&self.t.dir().display().to_string(), "[TMP]");
        let text = redact_dates(&text);
        redact_transactions(&text)
    }
}

struct Run {
    code: i32,
    json: Value,
    stderr: String,
}

impl Run {
    fn of(out: common::Output) -> Run {
        Run {
            code: out.code().unwrap_or(-1),
            json: out.json(),
            stderr: out.stderr(),
        }
    }

    /// The `error: ...` message on stderr.
    fn error(&self) -> &str {
        self.stderr
            .find("error: ")
            .map_or("", |i| self.stderr[i..].trim_end())
    }
}

/// `on 2026-12-01 09:30 UTC` -> `on [DATE] UTC`.
fn redact_dates(text: &str) -> String {
    let shape = "dddd-dd-dd dd:dd";
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let fits = chars.len() - i >= shape.len()
            && shape.chars().zip(&chars[i..]).all(|(s, c)| match s {
                'd' => c.is_ascii_digit(),
                s => s == *c,
            });
        if fits {
            out.push_str("[DATE]");
            i += shape.len();
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// `T12345678.` + 22 characters -> `[TX]`.
fn redact_transactions(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("T12345678.") {
        out.push_str(&rest[..i]);
        out.push_str("[TX]");
        let after = &rest[i + "T12345678.".len()..];
        let skip = after
            .char_indices()
            .take_while(|(_, c)| c.is_ascii_alphanumeric())
            .count();
        rest = &after[skip..];
    }
    out.push_str(rest);
    out
}

fn count(json: &Value, status: &str) -> i64 {
    json["counts"][status].as_i64().unwrap_or(0)
}

// ----- plan and apply -----

#[test]
fn an_approved_plan_is_sent() {
    let s = Setup::new();
    let input = s.input("november.csv");
    let plan = s.path("november.plan.json");
    let out = s.validate_plan(&input, &plan).run();
    assert_eq!(out.code(), Some(0));
    let p: Value =
        serde_json::from_str(&std::fs::read_to_string(&plan).expect("plan")).expect("plan JSON");
    assert_eq!(p["format"], "kravia-batch-plan");
    assert_eq!(p["version"], 1);
    assert_eq!(p["invoices"].as_object().map(|m| m.len()), Some(25));
    assert_eq!(p["totals"]["NOK"]["amount"], 13_691_968);
    assert_eq!(p["input"]["sha256"].as_str().map(str::len), Some(64));

    let run = s.import(
        &input,
        "results.csv",
        &["--plan", plan.to_str().expect("utf-8")],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(count(&run.json, "created"), 25);
    assert_eq!(s.sb.sends(), 25);
}

#[test]
fn import_dry_run_writes_the_same_plan_as_validate() {
    let s = Setup::new();
    let input = s.input("november.csv");
    let (a, b) = (s.path("a.json"), s.path("b.json"));
    s.validate_plan(&input, &a).assert().success();
    s.cmd()
        .args(["import", "--dry-run", "--quiet"])
        .arg(&input)
        .arg("--plan")
        .arg(&b)
        .assert()
        .success();
    let read = |p: &Path| {
        let mut v: Value =
            serde_json::from_str(&std::fs::read_to_string(p).expect("plan")).expect("json");
        v["created_at"] = Value::Null;
        v
    };
    assert_eq!(read(&a), read(&b));
}

#[test]
fn a_changed_amount_is_refused_with_the_old_and_new_amounts() {
    let s = Setup::new();
    let input = s.input("november.csv");
    let plan = s.path("plan.json");
    s.validate_plan(&input, &plan).assert().success();
    // Tuesday: someone raised 2026-11-0002 from 299.00 to 399.00 (VAT 59.80 -> 79.80).
    let text = std::fs::read_to_string(&input).expect("read");
    let edited: Vec<String> = text
        .lines()
        .map(|l| {
            if l.starts_with("2026-11-0002,") {
                l.replace(",299.00,,25,59.80,", ",399.00,,25,79.80,")
            } else {
                l.to_string()
            }
        })
        .collect();
    assert_ne!(edited.join("\n") + "\n", text, "the edit did not apply");
    std::fs::write(&input, edited.join("\n") + "\n").expect("write");

    let results = s.path("results.csv");
    let out = s
        .cmd()
        .args(["import", "--quiet", "--rate", "200"])
        .arg(&input)
        .arg("--results")
        .arg(&results)
        .arg("--plan")
        .arg(&plan)
        .run();
    let stderr = out.stderr();
    assert_eq!(out.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("changed: 2026-11-0002 amount NOK 299,00 -> NOK 399,00"),
        "{stderr}"
    );
    // Nothing sent, no journal, no results.
    assert!(
        s.sb.ledger().requests.is_empty(),
        "something reached the sandbox"
    );
    assert!(!s.path("results.csv.journal.sqlite").exists());
    assert!(!results.exists());
    insta::assert_snapshot!("plan_refusal", s.redact(stderr.trim_end()));
}

#[test]
fn a_file_saved_again_with_other_line_endings_is_sent_with_a_notice() {
    let s = Setup::new();
    let input = s.input("november.csv");
    let plan = s.path("plan.json");
    s.validate_plan(&input, &plan).assert().success();
    let text = std::fs::read_to_string(&input).expect("read");
    std::fs::write(&input, text.replace('\n', "\r\n")).expect("write");
    let run = s.import(
        &input,
        "results.csv",
        &["--plan", plan.to_str().expect("utf-8")],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("notice: the file's SHA-256 differs"),
        "{}",
        run.stderr
    );
    assert_eq!(count(&run.json, "created"), 25);
}

#[test]
fn no_plan_is_written_for_a_file_with_errors() {
    let s = Setup::new();
    let input = s.input("november.csv");
    let text = std::fs::read_to_string(&input).expect("read");
    std::fs::write(&input, text.replacen("974 760 673", "974 760 674", 1)).expect("write");
    let plan = s.path("plan.json");
    let out = s.validate_plan(&input, &plan).run();
    assert_eq!(out.code(), Some(1));
    assert!(!plan.exists());
    assert!(out.stderr().contains("No plan was written"));
}

// ----- the cross-run guard -----

#[test]
fn the_same_file_sent_again_is_refused_unless_skip_invoiced() {
    let s = Setup::new();
    let input = s.input("november.csv");
    let first = s.import(&input, "a.csv", &[]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert_eq!(count(&first.json, "created"), 25);
    assert_eq!(s.sb.sends(), 25);

    // The same command again (same journal): a resume, nothing sent, exit 0.
    let before = s.sb.ledger().requests.len();
    let again = s.import(&input, "a.csv", &[]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(
        s.sb.ledger().requests.len(),
        before,
        "the re-run sent requests"
    );

    // Next month someone picks last month's file again (another results path, a fresh
    // journal): the local record refuses it before anything is sent.
    let second = s.import(&input, "b.csv", &[]);
    assert_eq!(second.code, 1, "{}", second.stderr);
    assert!(second.error().contains("2026-11-0001"));
    assert!(second.error().contains("a.csv"));
    assert_eq!(s.sb.sends(), 25, "something was sent");
    insta::assert_snapshot!("guard_refusal_local", s.redact(second.error()));

    // The machine's state is lost: Dintero still knows.
    std::fs::remove_dir_all(s.data_dir()).expect("forget");
    let third = s.import(&input, "c.csv", &[]);
    assert_eq!(third.code, 1, "{}", third.stderr);
    assert!(third.error().contains("found at Dintero"));
    assert_eq!(s.sb.sends(), 25, "something was sent");
    insta::assert_snapshot!("guard_refusal_remote", s.redact(third.error()));

    // --skip-invoiced: nothing new, every invoice already_exists, exit 0.
    let skipped = s.import(&input, "c.csv", &["--skip-invoiced"]);
    assert_eq!(skipped.code, 0, "{}", skipped.stderr);
    assert_eq!(
        count(&skipped.json, "already_exists"),
        25,
        "{:#}",
        skipped.json
    );
    assert_eq!(count(&skipped.json, "created"), 0);
    assert_eq!(s.sb.sends(), 25, "something was sent");
    let ledger = s.sb.ledger();
    for t in &ledger.transactions {
        assert_eq!(
            ledger.successful_by_reference(&t.merchant_reference).len(),
            1
        );
    }
}

#[test]
fn invoices_already_sent_in_another_file_are_named_and_skipped() {
    let s = Setup::new();
    // The first five invoices went out mid-month in their own export.
    let text = std::fs::read_to_string(SAMPLE).expect("sample");
    let early: Vec<&str> = text
        .lines()
        .enumerate()
        .filter(|(i, l)| *i == 0 || (1..=5).any(|n| l.starts_with(&format!("2026-11-000{n},"))))
        .map(|(_, l)| l)
        .collect();
    let early_file = s.path("early.csv");
    std::fs::write(&early_file, early.join("\n") + "\n").expect("write");
    let first = s.import(&early_file, "early.results.csv", &[]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert_eq!(count(&first.json, "created"), 5);

    // The month's export repeats them: refused, the five named.
    let input = s.input("november.csv");
    let month = s.import(&input, "month.results.csv", &[]);
    assert_eq!(month.code, 1, "{}", month.stderr);
    assert!(month.error().starts_with("error: 5 of the 25 invoices"));
    for n in 1..=5 {
        assert!(month.error().contains(&format!("2026-11-000{n}")));
    }
    assert!(!month.error().contains("2026-11-0006"));
    assert_eq!(s.sb.sends(), 5);

    // With --skip-invoiced the other twenty are sent, the five are already_exists.
    let month = s.import(&input, "month.results.csv", &["--skip-invoiced"]);
    assert_eq!(month.code, 0, "{}", month.stderr);
    assert_eq!(count(&month.json, "already_exists"), 5);
    assert_eq!(count(&month.json, "created"), 20);
    assert_eq!(s.sb.sends(), 25);
}

#[test]
fn only_429s_for_a_long_stretch_stop_the_check_with_exit_5_and_nothing_sent() {
    // Every checkout call is refused (429). A 429 means "slower", never "stop": only a
    // long stretch without any other answer ends the run (shortened here), resumable
    // (exit 5), and "no answer" is never taken for "not invoiced".
    let s = Setup::with(Sandbox::with_faults(Faults {
        rate_limit: Some(0),
        ..Default::default()
    }));
    let input = s.input("november.csv");
    let out = s
        .import_cmd(&input, "results.csv", &[])
        .env("KRAVIA_BATCH_STALL_SECONDS", "3")
        .run();
    let run = Run::of(out);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(
        run.error().contains("429") && run.error().contains("nothing was sent"),
        "{}",
        run.error()
    );
    assert_eq!(s.sb.sends(), 0, "something was sent");
}

#[test]
fn guard_local_leaves_duplicates_to_the_server_toggle() {
    // --guard local with a lost local record: nothing stops the run up front, but every
    // invoice is refused by the strict-success toggle and recorded as already_exists.
    let s = Setup::new();
    let input = s.input("november.csv");
    assert_eq!(s.import(&input, "a.csv", &[]).code, 0);
    std::fs::remove_dir_all(s.data_dir()).expect("forget");
    let lookups_before =
        s.sb.ledger()
            .requests
            .iter()
            .filter(|r| r.method == "GET")
            .count();
    let run = s.import(&input, "d.csv", &["--guard", "local"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(count(&run.json, "already_exists"), 25, "{:#}", run.json);
    assert_eq!(count(&run.json, "created"), 0);
    let ledger = s.sb.ledger();
    for t in &ledger.transactions {
        assert_eq!(
            ledger.successful_by_reference(&t.merchant_reference).len(),
            1,
            "{}",
            t.merchant_reference
        );
    }
    // One look-up per refused invoice (by the scheduler), none up front by the guard.
    let lookups = ledger.requests.iter().filter(|r| r.method == "GET").count() - lookups_before;
    assert_eq!(lookups, 25);
}
