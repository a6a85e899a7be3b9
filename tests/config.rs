//! Settings precedence through the real binary: flags > environment > config file >
//! defaults, `config check` with secrets masked, and an import whose account, secret
//! and URLs come only from a config file.

mod common;

use common::sandbox::CLIENT_SECRET as SECRET;
use common::{Sandbox, Test};
use serde_json::Value;
use std::path::Path;

/// `kravia.toml` in `dir` for the sandbox's test account at `base_url` (the secret in
/// `secret.txt` beside it), then `extra`.
fn write_config(dir: &Path, base_url: &str, extra: &str) -> std::path::PathBuf {
    std::fs::write(dir.join("secret.txt"), format!("{SECRET}\n")).expect("secret");
    let path = dir.join("kravia.toml");
    std::fs::write(
        &path,
        format!(
            "[dintero]\naccount_id = \"T12345678\"\nclient_id = \"sandbox-client\"\nclient_secret_file = \"secret.txt\"\napi_url = \"{base_url}/v1\"\ncheckout_url = \"{base_url}/v1\"\n\n{extra}"
        ),
    )
    .expect("config");
    path
}

#[test]
fn flags_beat_environment_beat_config_file_beat_defaults() {
    let t = Test::new();
    let config = write_config(
        t.dir(),
        "http://127.0.0.1:9",
        "[run]\nrate = 5\nconcurrency = 3\nflow = \"two-step\"\n",
    );
    let check = |extra_env: &[(&str, &str)], args: &[&str], with_file: bool| {
        let mut cmd = t.bin();
        if with_file {
            cmd = cmd.arg("--config").arg(&config);
        }
        cmd = cmd
            .args(["config", "check", "--offline", "--format", "json"])
            .args(args);
        for (k, v) in extra_env {
            cmd = cmd.env(k, v);
        }
        cmd.run().json()
    };
    let source = |j: &Value, key: &str| {
        (
            j["settings"][key]["value"]
                .as_str()
                .unwrap_or("")
                .to_string(),
            j["settings"][key]["source"]
                .as_str()
                .unwrap_or("")
                .to_string(),
        )
    };
    let j = check(&[("KRAVIA_BATCH_RATE", "7")], &["--rate", "9"], true);
    assert_eq!(source(&j, "run.rate"), ("9".into(), "command line".into()));
    let j = check(&[("KRAVIA_BATCH_RATE", "7")], &[], true);
    assert_eq!(
        source(&j, "run.rate"),
        ("7".into(), "environment KRAVIA_BATCH_RATE".into())
    );
    assert_eq!(
        source(&j, "run.concurrency"),
        ("3".into(), "config file".into())
    );
    assert_eq!(
        source(&j, "run.flow"),
        ("two-step".into(), "config file".into())
    );
    let j = check(&[], &[], false);
    assert_eq!(source(&j, "run.rate"), ("10".into(), "default".into()));
    assert_eq!(
        source(&j, "run.flow"),
        ("one-step".into(), "default".into())
    );
    assert_eq!(j["config_file"], Value::Null);
    // The config file named by the environment, and the default location, are read too.
    let j = check(
        &[("KRAVIA_BATCH_CONFIG", config.to_str().unwrap())],
        &[],
        false,
    );
    assert_eq!(source(&j, "run.rate"), ("5".into(), "config file".into()));
    let default = t.path(".config").join("kravia-batch");
    std::fs::create_dir_all(&default).expect("dir");
    std::fs::write(default.join("config.toml"), "[run]\nrate = 4\n").expect("write");
    let j = check(&[], &[], false);
    assert_eq!(source(&j, "run.rate"), ("4".into(), "config file".into()));
    // Credentials: the environment beats the file; the secret is never shown.
    let j = check(&[("DINTERO_ACCOUNT_ID", "T87654321")], &[], true);
    assert_eq!(
        source(&j, "dintero.account_id"),
        ("T87654321".into(), "environment DINTERO_ACCOUNT_ID".into())
    );
    assert!(!j.to_string().contains(SECRET));
}

#[test]
fn config_check_tests_the_credentials_and_never_shows_the_secret() {
    let sb = Sandbox::start();
    let t = Test::new();
    let config = write_config(t.dir(), &sb.base_url(), "");
    let with_config = |args: &[&str]| t.bin().arg("--config").arg(&config).args(args);
    let out = with_config(&["config", "check"]).run();
    let text = out.stdout();
    assert_eq!(out.code(), Some(0), "{text}");
    assert!(text.contains("Token: OK"), "{text}");
    assert!(text.contains("T12345678 (test account"), "{text}");
    assert!(!text.contains(SECRET), "{text}");
    // A wrong secret from the environment (which beats the file): exit 3, still hidden.
    let out = with_config(&["config", "check", "--format", "json"])
        .env("DINTERO_CLIENT_SECRET", "wrong-secret-123")
        .run();
    let j = out.json();
    assert_eq!(out.code(), Some(3), "{j:#}");
    assert_eq!(j["token"]["ok"], false);
    assert_eq!(
        j["settings"]["dintero.client_secret"]["source"],
        "environment DINTERO_CLIENT_SECRET"
    );
    let all = format!("{j}{}", out.stderr());
    assert!(
        !all.contains("wrong-secret-123") && !all.contains(SECRET),
        "{all}"
    );
}

#[test]
fn an_import_takes_account_secret_urls_and_defaults_from_the_config_file() {
    let sb = Sandbox::start();
    let t = Test::new();
    let config = write_config(
        t.dir(),
        &sb.base_url(),
        "[run]\nrate = 500\nflow = \"two-step\"\n\n[results]\ndir = \"out\"\n",
    );
    std::fs::create_dir_all(t.path("out")).expect("out");
    let out = t
        .bin()
        .arg("--config")
        .arg(&config)
        .args([
            "import",
            "--quiet",
            "--format",
            "json",
            "samples/november-2026-canonical.csv",
        ])
        .run();
    let j = out.json();
    assert_eq!(out.code(), Some(0), "{j:#}");
    assert_eq!(j["counts"]["created"], 25);
    // The file's flow and results folder were used.
    let ledger = sb.ledger();
    assert_eq!(ledger.sessions.iter().filter(|s| !s.one_step).count(), 25);
    let results = t.path("out").join("november-2026-canonical.results.csv");
    assert!(results.is_file(), "{j:#}");
    assert_eq!(j["results_file"], results.display().to_string());
}

#[test]
fn a_broken_config_file_names_the_key_and_exits_3() {
    let t = Test::new();
    let path = t.path("bad.toml");
    let with_config = |args: &[&str]| t.bin().arg("--config").arg(&path).args(args).run();
    std::fs::write(&path, "[run]\nrate = \"fast\"\n").expect("write");
    let out = with_config(&["validate", "samples/november-2026-canonical.csv"]);
    assert_eq!(out.code(), Some(3));
    let err = out.stderr();
    assert!(err.contains("bad.toml") && err.contains("rate"), "{err}");
    // A value out of range names the file and the key.
    std::fs::write(&path, "[run]\nconcurrency = 0\n").expect("write");
    let out = with_config(&["config", "check", "--offline"]);
    assert_eq!(out.code(), Some(3));
    let err = out.stderr();
    assert!(
        err.contains("bad.toml") && err.contains("run.concurrency"),
        "{err}"
    );
    // A config file that was named but does not exist is an error, not silence.
    let out = t.run([
        "--config",
        "nope.toml",
        "validate",
        "samples/november-2026-canonical.csv",
    ]);
    assert_eq!(out.code(), Some(3));
    // A mistyped key is caught rather than ignored.
    std::fs::write(&path, "[run]\nrat = 5\n").expect("write");
    let out = with_config(&["validate", "samples/november-2026-canonical.csv"]);
    assert_eq!(out.code(), Some(3));
    assert!(out.stderr().contains("rat"));
}
