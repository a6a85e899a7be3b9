//! Settings precedence through the real binary: flags > environment > config file >
//! defaults, `config check` with secrets masked, and an import whose account, secret
//! and URLs come only from a config file.

use assert_cmd::Command;
use kravia_batch::sandbox::{SandboxConfig, start_blocking};
use serde_json::Value;
use std::path::Path;

const SECRET: &str = "sandbox-secret";

/// The binary with a clean environment: no Dintero variables, no user config file.
fn bin(home: &Path) -> Command {
    let mut cmd = Command::cargo_bin("kravia-batch").expect("bin");
    for v in [
        "DINTERO_ACCOUNT_ID",
        "DINTERO_CLIENT_ID",
        "DINTERO_CLIENT_SECRET",
        "DINTERO_CLIENT_SECRET_FILE",
        "DINTERO_API_URL",
        "DINTERO_CHECKOUT_URL",
        "KRAVIA_BATCH_CONFIG",
        "KRAVIA_BATCH_RATE",
        "KRAVIA_BATCH_CONCURRENCY",
        "KRAVIA_BATCH_FLOW",
        "KRAVIA_BATCH_CURRENCY",
    ] {
        cmd.env_remove(v);
    }
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("KRAVIA_BATCH_DATA_DIR", home.join("data"));
    cmd
}

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "not JSON: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

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
    let dir = tempfile::tempdir().expect("tmp");
    let config = write_config(
        dir.path(),
        "http://127.0.0.1:9",
        "[run]\nrate = 5\nconcurrency = 3\nflow = \"two-step\"\n",
    );
    let check = |extra_env: &[(&str, &str)], args: &[&str], with_file: bool| {
        let mut cmd = bin(dir.path());
        if with_file {
            cmd.arg("--config").arg(&config);
        }
        cmd.args(["config", "check", "--offline", "--format", "json"])
            .args(args);
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run");
        json_of(&out)
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
    let default = dir.path().join(".config").join("kravia-batch");
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
    let sb = start_blocking(SandboxConfig::default()).expect("sandbox");
    let dir = tempfile::tempdir().expect("tmp");
    let config = write_config(dir.path(), &sb.base_url(), "");
    let out = bin(dir.path())
        .arg("--config")
        .arg(&config)
        .args(["config", "check"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("Token: OK"), "{text}");
    assert!(text.contains("T12345678 (test account"), "{text}");
    assert!(!text.contains(SECRET), "{text}");
    // A wrong secret from the environment (which beats the file): exit 3, still hidden.
    let out = bin(dir.path())
        .arg("--config")
        .arg(&config)
        .args(["config", "check", "--format", "json"])
        .env("DINTERO_CLIENT_SECRET", "wrong-secret-123")
        .output()
        .expect("run");
    let j = json_of(&out);
    assert_eq!(out.status.code(), Some(3), "{j:#}");
    assert_eq!(j["token"]["ok"], false);
    assert_eq!(
        j["settings"]["dintero.client_secret"]["source"],
        "environment DINTERO_CLIENT_SECRET"
    );
    let all = format!("{j}{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        !all.contains("wrong-secret-123") && !all.contains(SECRET),
        "{all}"
    );
}

#[test]
fn an_import_takes_account_secret_urls_and_defaults_from_the_config_file() {
    let sb = start_blocking(SandboxConfig::default()).expect("sandbox");
    let dir = tempfile::tempdir().expect("tmp");
    let config = write_config(
        dir.path(),
        &sb.base_url(),
        "[run]\nrate = 500\nflow = \"two-step\"\n\n[results]\ndir = \"out\"\n",
    );
    std::fs::create_dir_all(dir.path().join("out")).expect("out");
    let out = bin(dir.path())
        .arg("--config")
        .arg(&config)
        .args([
            "import",
            "--quiet",
            "--format",
            "json",
            "samples/november-2026-canonical.csv",
        ])
        .output()
        .expect("run");
    let j = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{j:#}");
    assert_eq!(j["counts"]["created"], 25);
    // The file's flow and results folder were used.
    let ledger = sb.ledger();
    assert_eq!(ledger.sessions.iter().filter(|s| !s.one_step).count(), 25);
    let results = dir
        .path()
        .join("out")
        .join("november-2026-canonical.results.csv");
    assert!(results.is_file(), "{j:#}");
    assert_eq!(j["results_file"], results.display().to_string());
}

#[test]
fn a_broken_config_file_names_the_key_and_exits_3() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "[run]\nrate = \"fast\"\n").expect("write");
    let out = bin(dir.path())
        .arg("--config")
        .arg(&path)
        .args(["validate", "samples/november-2026-canonical.csv"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml") && err.contains("rate"), "{err}");
    // A value out of range names the file and the key.
    std::fs::write(&path, "[run]\nconcurrency = 0\n").expect("write");
    let out = bin(dir.path())
        .arg("--config")
        .arg(&path)
        .args(["config", "check", "--offline"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml") && err.contains("run.concurrency"),
        "{err}"
    );
    // A config file that was named but does not exist is an error, not silence.
    let out = bin(dir.path())
        .args([
            "--config",
            "nope.toml",
            "validate",
            "samples/november-2026-canonical.csv",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));
    // A mistyped key is caught rather than ignored.
    std::fs::write(&path, "[run]\nrat = 5\n").expect("write");
    let out = bin(dir.path())
        .arg("--config")
        .arg(&path)
        .args(["validate", "samples/november-2026-canonical.csv"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("rat"));
}
