//! One error path (issue #15): every refusal reaches `--format json`, and a failure's
//! exit code follows from what went wrong, the same for every command.
//!
//! Why these tests: before, three "Nothing was sent" refusals and the plan's notices were
//! printed with `eprintln!` only, so a wrapper reading the JSON on stdout saw an exit
//! code of 1 and a summary that did not say why nothing was sent.

use assert_cmd::Command;
use serde_json::Value;

fn bin() -> Command {
    let mut c = Command::cargo_bin("kravia-batch").expect("binary");
    // No config file or data folder of the machine's user (a missing default file is
    // not an error).
    c.env_remove("KRAVIA_BATCH_CONFIG")
        .env("HOME", "/nonexistent")
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .env("XDG_DATA_HOME", "/nonexistent")
        .env_remove("DINTERO_ACCOUNT_ID")
        .env_remove("DINTERO_CLIENT_ID")
        .env_remove("DINTERO_CLIENT_SECRET");
    c
}

fn json_of(stdout: &[u8]) -> Value {
    serde_json::from_slice(stdout).expect("stdout is one JSON document")
}

#[test]
fn a_refused_import_says_why_in_its_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.csv");
    std::fs::copy("tests/data/20-bad-email.csv", &input).expect("copy");
    let out = bin()
        .args(["import", "--sandbox", "--quiet", "--format", "json"])
        .arg(&input)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let j = json_of(&out.stdout);
    assert_eq!(j["exit_code"], 1);
    let notices = j["notices"].as_array().expect("notices in the JSON");
    assert!(
        notices
            .iter()
            .any(|n| n.as_str().unwrap_or("").starts_with("Nothing was sent")),
        "{j:#}"
    );
    // A person still reads it on stderr.
    assert!(String::from_utf8_lossy(&out.stderr).contains("Nothing was sent"));
}

#[test]
fn a_refused_skip_invalid_import_says_why_in_its_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.csv");
    std::fs::copy("tests/data/11-missing-merchant-reference.csv", &input).expect("copy");
    let out = bin()
        .args([
            "import",
            "--sandbox",
            "--skip-invalid",
            "--quiet",
            "--format",
            "json",
        ])
        .arg(&input)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let j = json_of(&out.stdout);
    let text = j["notices"].to_string();
    assert!(text.contains("Nothing was sent"), "{j:#}");
}

#[test]
fn a_plan_not_written_says_so_in_the_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = dir.path().join("plan.json");
    let out = bin()
        .args([
            "validate",
            "tests/data/20-bad-email.csv",
            "--quiet",
            "--format",
            "json",
            "--plan",
        ])
        .arg(&plan)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let j = json_of(&out.stdout);
    assert!(
        j["notices"].to_string().contains("No plan was written"),
        "{j:#}"
    );
    assert!(!plan.exists());
}

#[test]
fn the_exit_code_follows_the_kind_of_failure_in_every_format() {
    // (arguments, the documented exit code): unreadable input is the environment (3),
    // an output that would replace the input is a usage mistake (2), an empty file is
    // the input's fault (1).
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.csv");
    std::fs::copy("samples/november-2026-no.csv", &input).expect("copy");
    let input = input.display().to_string();
    let missing = dir.path().join("missing.csv").display().to_string();
    let cases: Vec<(Vec<String>, i32)> = vec![
        (vec!["validate".into(), missing], 3),
        (
            vec![
                "validate".into(),
                input.clone(),
                "--report".into(),
                input.clone(),
            ],
            2,
        ),
        (vec!["validate".into(), "tests/data/01-empty.csv".into()], 1),
    ];
    for (args, code) in cases {
        let human = bin().args(&args).output().expect("runs");
        assert_eq!(human.status.code(), Some(code), "{args:?}");
        let stderr = String::from_utf8_lossy(&human.stderr);
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        let json = bin()
            .args(&args)
            .args(["--format", "json"])
            .output()
            .expect("runs");
        assert_eq!(json.status.code(), Some(code), "{args:?}");
        let j = json_of(&json.stdout);
        assert_eq!(j["exit_code"], code, "{args:?}");
        assert!(j["error"].as_str().is_some_and(|e| !e.is_empty()));
    }
}
