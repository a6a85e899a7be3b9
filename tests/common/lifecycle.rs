//! The lifecycle commands (`status`, `void`, `capture`) after an import of the sample
//! month, as `lifecycle_sandbox.rs` and `lifecycle_void_capture.rs` run them. No output
//! of any command may show the client secret or a bearer token.

use super::sandbox::CLIENT_SECRET;
use super::{SAMPLE, Sandbox, Test, results_map};
use kravia_batch::sandbox::Faults;
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;

/// A sandbox holding the imported sample month, the test's folder pointed at it, and the
/// results file of the import (`results.csv` in the folder).
pub struct Env {
    pub sb: Sandbox,
    pub t: Test,
    pub results: PathBuf,
}

/// A sandbox with the sample month imported (merchant channel for rows that do not say),
/// and `faults` from then on.
pub fn imported(faults: Faults) -> Env {
    let sb = Sandbox::start();
    let t = Test::new().sandbox(&sb);
    let results = t.path("results.csv");
    let env = Env { sb, t, results };
    let (code, json) = import(&env, &["--rate", "200"]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["counts"]["created"], 25);
    env.sb.set_faults(faults);
    env
}

/// The month's import, `import SAMPLE --results RESULTS --invoice-channel merchant`
/// (then `extra`), with `--format json`: the exit code and the JSON summary.
pub fn import(env: &Env, extra: &[&str]) -> (i32, Value) {
    let r = results_arg(env);
    let import = ["import", SAMPLE, "--results", &r];
    run_json(
        env,
        &[&import[..], &["--invoice-channel", "merchant"], extra].concat(),
    )
}

/// The results file's path, as an argument.
pub fn results_arg(env: &Env) -> String {
    env.results.to_str().expect("utf-8 path").to_string()
}

/// Runs a command; returns (exit code, stdout, stderr). Checks that no secret shows.
/// With `LIFECYCLE_SHOW=1` the command and its output are printed (docs/lifecycle.md's
/// example sessions come from `example_session`).
pub fn run(env: &Env, args: &[&str]) -> (i32, String, String) {
    let out = env.t.run(args);
    let (stdout, stderr) = (out.stdout(), out.stderr());
    let code = out.code().unwrap_or(-1);
    if std::env::var_os("LIFECYCLE_SHOW").is_some() {
        let dir = env.t.dir().to_string_lossy().into_owned();
        println!(
            "$ kravia-batch {}\n{}{}[exit {code}]\n",
            args.join(" ").replace(&dir, "."),
            stderr.replace(&dir, "."),
            stdout.replace(&dir, "."),
        );
    }
    for text in [&stdout, &stderr] {
        assert!(!text.contains(CLIENT_SECRET), "the secret shows: {text}");
        assert!(!text.contains("Bearer "), "a bearer token shows: {text}");
    }
    (code, stdout, stderr)
}

/// Runs a command with `--format json`; returns (exit code, JSON). The JSON's
/// `exit_code` must be the process's.
pub fn run_json(env: &Env, args: &[&str]) -> (i32, Value) {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--format", "json", "--quiet"]);
    let (code, stdout, stderr) = run(env, &all);
    let json: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|_| panic!("stdout is not JSON: {stdout}\nstderr: {stderr}"));
    assert_eq!(json["exit_code"], code, "{json:#}");
    (code, json)
}

/// The results file's rows, by reference.
pub fn rows(env: &Env) -> HashMap<String, HashMap<String, String>> {
    results_map(&env.results)
}

/// The transaction id the results file holds for `reference`.
pub fn tx_id(env: &Env, reference: &str) -> String {
    rows(env)[reference]["transaction_id"].clone()
}

/// The paths of the requests so far with this method, ending in `suffix`.
pub fn requests(env: &Env, method: &str, suffix: &str) -> Vec<String> {
    env.sb
        .ledger()
        .requests
        .iter()
        .filter(|r| r.method == method && r.path.ends_with(suffix))
        .map(|r| r.path.clone())
        .collect()
}

/// The entry of `reference` in a command's JSON `invoices`.
pub fn invoice<'a>(json: &'a Value, reference: &str) -> &'a Value {
    json["invoices"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["merchant_reference"] == reference))
        .unwrap_or_else(|| panic!("{reference} not in {json:#}"))
}
