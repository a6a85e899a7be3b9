//! Live imports of the sample month against a [`Sandbox`], as the import tests
//! (`import_sandbox.rs`, `import_resume.rs`, `import_two_step.rs`, `expectations.rs`)
//! run them.

use super::{Cmd, SAMPLE, Sandbox, Test, results_map};
use kravia_batch::sandbox::Ledger;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// A test folder pointed at `sb`, and the results path in it (`results.csv`).
pub fn live(sb: &Sandbox) -> (Test, PathBuf) {
    let t = Test::new().sandbox(sb);
    let results = t.path("results.csv");
    (t, results)
}

/// `import --quiet --format json INPUT --results RESULTS EXTRA...`, at 200 invoices a
/// second, 8 at a time, unless `extra` says otherwise.
pub fn import_cmd(t: &Test, input: &Path, results: &Path, extra: &[&str]) -> Cmd {
    let mut cmd = t.cmd(["import", "--quiet", "--format", "json"]);
    if !extra.contains(&"--rate") {
        cmd = cmd.args(["--rate", "200"]);
    }
    if !extra.contains(&"--concurrency") {
        cmd = cmd.args(["--concurrency", "8"]);
    }
    cmd.arg(input).arg("--results").arg(results).args(extra)
}

/// Imports the sample month; returns the exit code and the JSON summary.
pub fn import(t: &Test, results: &Path, extra: &[&str]) -> (i32, Value) {
    let out = import_cmd(t, Path::new(SAMPLE), results, extra).run();
    (out.code().unwrap_or(-1), out.json())
}

/// Starts the sample's import with `extra` (stdout and stderr piped) and returns it once
/// `ready` holds for the sandbox's ledger, or after 20 s.
pub fn spawn_import(
    sb: &Sandbox,
    t: &Test,
    results: &Path,
    extra: &[&str],
    ready: impl Fn(&Ledger) -> bool,
) -> Child {
    let child = import_cmd(t, Path::new(SAMPLE), results, extra)
        .into_std()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ready(&sb.ledger()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    child
}

/// Every invoice of the sample exists exactly once, and the results file names it.
pub fn assert_exactly_once(sb: &Sandbox, results_path: &Path) {
    let ledger = sb.ledger();
    let rows = results_map(results_path);
    assert_eq!(rows.len(), 25, "results rows");
    for (reference, row) in &rows {
        let ok = ledger.successful_by_reference(reference);
        assert_eq!(
            ok.len(),
            1,
            "{reference}: {} successful transactions",
            ok.len()
        );
        assert!(
            matches!(row["status"].as_str(), "created" | "already_exists"),
            "{reference}: {row:?}"
        );
        assert_eq!(row["transaction_id"], ok[0].id, "{reference}");
        assert!(
            !row["invoice_number"].is_empty(),
            "{reference}: no invoice number"
        );
    }
}
