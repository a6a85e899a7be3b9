//! `status` through the real binary against the sandbox over loopback HTTP: after an
//! import, the sandbox marks invoices paid (fully, partly), and the command's output, exit
//! code, results file and the sandbox's ledger must agree; the sessions shown in
//! docs/lifecycle.md. No output of any command may show the client secret or a bearer
//! token. `void` and `capture`: `lifecycle_void_capture.rs`.

mod common;

use common::lifecycle::{
    Env, import, imported, invoice, requests, results_arg, rows, run, run_json, tx_id,
};
use common::sandbox::CLIENT_SECRET;
use kravia_batch::sandbox::Faults;

/// The sandbox's payments of the status tests: 2026-11-0001 (NOK) paid in full,
/// 2026-11-0003 (NOK) 1 000,00 paid, 2026-11-0005 (SEK) paid in full.
fn pay_three(env: &Env) {
    env.sb
        .mark_paid(&tx_id(env, "2026-11-0001"), None)
        .expect("paid");
    env.sb
        .mark_paid(&tx_id(env, "2026-11-0003"), Some(100_000))
        .expect("partly paid");
    env.sb
        .mark_paid(&tx_id(env, "2026-11-0005"), None)
        .expect("paid");
}

#[test]
fn status_counts_paid_partly_paid_and_unpaid_and_updates_the_file() {
    let env = imported(Faults::default());
    pay_three(&env);
    let before = rows(&env);
    let (code, json) = run_json(&env, &["status", &results_arg(&env)]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["counts"]["checked"], 25);
    assert_eq!(json["counts"]["not_checked"], 0);
    let nok = &json["totals"]["NOK"];
    let amount = |r: &str| -> i64 {
        before[r]["amount"]
            .replace('.', "")
            .parse::<i64>()
            .expect("amount")
    };
    assert_eq!(nok["paid"]["invoices"], 1);
    assert_eq!(nok["paid"]["amount_minor"], amount("2026-11-0001"));
    assert_eq!(nok["paid"]["paid_minor"], amount("2026-11-0001"));
    assert_eq!(nok["partly_paid"]["invoices"], 1);
    assert_eq!(nok["partly_paid"]["amount_minor"], amount("2026-11-0003"));
    assert_eq!(nok["partly_paid"]["paid_minor"], 100_000);
    assert_eq!(nok["unpaid"]["invoices"], 20);
    assert_eq!(nok["voided"]["invoices"], 0);
    assert_eq!(json["totals"]["SEK"]["paid"]["invoices"], 1);
    assert_eq!(json["totals"]["SEK"]["unpaid"]["invoices"], 1);
    assert_eq!(json["totals"]["EUR"]["unpaid"]["invoices"], 1);
    let total_nok: i64 = before
        .values()
        .filter(|r| r["currency"] == "NOK")
        .map(|r| amount(&r["merchant_reference"]))
        .sum();
    let summed: i64 = ["paid", "partly_paid", "unpaid", "voided", "other"]
        .iter()
        .map(|c| nok[c]["amount_minor"].as_i64().expect("amount"))
        .sum();
    assert_eq!(summed, total_nok, "every NOK invoice is counted once");

    // The results file now says it, in its own format (comma CSV, BOM, same rows).
    let after = rows(&env);
    assert_eq!(after.len(), 25);
    assert_eq!(after["2026-11-0001"]["transaction_status"], "CAPTURED");
    assert_eq!(
        after["2026-11-0003"]["transaction_status"],
        "PARTIALLY_CAPTURED"
    );
    assert_eq!(after["2026-11-0004"]["transaction_status"], "AUTHORIZED");
    for row in after.values() {
        assert!(!row["status_checked_at"].is_empty(), "{row:?}");
        assert!(!row["status_changed_at"].is_empty(), "{row:?}");
        assert_eq!(row["amount"], before[&row["merchant_reference"]]["amount"]);
    }
    let raw = std::fs::read(&env.results).expect("read");
    assert!(raw.starts_with(b"\xEF\xBB\xBF"), "BOM kept");
    // Unchanged statuses keep their change time on the next check.
    let first = after["2026-11-0004"]["status_changed_at"].clone();
    let (code, _) = run_json(
        &env,
        &["status", &results_arg(&env), "--ref", "2026-11-0004"],
    );
    assert_eq!(code, 0);
    assert_eq!(rows(&env)["2026-11-0004"]["status_changed_at"], first);

    // Unknown references: an error naming them, nothing fetched.
    let gets = requests(&env, "GET", "").len();
    let (code, out, err) = run(
        &env,
        &["status", &results_arg(&env), "--ref", "2026-11-0001,NOPE-1"],
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("NOPE-1"), "{err}");
    assert_eq!(requests(&env, "GET", "").len(), gets);
}

#[test]
fn status_summary_snapshot_after_payments_and_a_void() {
    let env = imported(Faults::default());
    pay_three(&env);
    let (code, _) = run_json(
        &env,
        &["void", &results_arg(&env), "--ref", "2026-11-0007", "--yes"],
    );
    assert_eq!(code, 0);
    let (code, out, err) = run(&env, &["status", &results_arg(&env), "--quiet"]);
    assert_eq!(code, 0, "{out}{err}");
    let dir = env.t.dir().to_str().expect("utf-8").to_string();
    insta::assert_snapshot!("status_summary", out.replace(&dir, "[DIR]"));
}

#[test]
fn status_paces_through_429_and_reports_what_it_could_not_fetch() {
    let env = imported(Faults {
        rate_limit: Some(8),
        transaction_get_unavailable: vec!["2026-11-0008".into()],
        ..Faults::default()
    });
    env.sb
        .mark_paid(&tx_id(&env, "2026-11-0009"), None)
        .expect("paid");
    let (code, json) = run_json(&env, &["status", &results_arg(&env), "--rate", "50"]);
    assert_eq!(code, 5, "{json:#}");
    assert_eq!(json["counts"]["checked"], 24);
    assert_eq!(json["counts"]["not_checked"], 1);
    let failed = invoice(&json, "2026-11-0008");
    assert_eq!(failed["checked"], "failed");
    assert!(
        failed["error"].as_str().unwrap_or("").contains("503"),
        "{failed}"
    );
    // The file was still rewritten with what was learned; the unfetched row kept its
    // old values.
    let after = rows(&env);
    assert_eq!(after["2026-11-0009"]["transaction_status"], "CAPTURED");
    assert_eq!(after["2026-11-0008"]["transaction_status"], "AUTHORIZED");
    assert_eq!(after["2026-11-0008"]["status_checked_at"], "");
    // The failing look-up was tried 6 times (429 answers not counted), then given up.
    let failing = tx_id(&env, "2026-11-0008");
    let ledger = env.sb.ledger();
    let tries = ledger
        .requests
        .iter()
        .filter(|r| r.path.ends_with(&failing) && r.status_code == Some(503))
        .count();
    assert_eq!(tries, 6, "attempts on the failing transaction");
    let limited = ledger
        .requests
        .iter()
        .filter(|r| r.status_code == Some(429))
        .count();
    assert!(limited > 0, "the sandbox's rate limit was hit");
    assert!(json["rate_limited"].as_u64().unwrap_or(0) > 0, "{json:#}");
}

/// The sessions shown in docs/lifecycle.md, in the human format, with their exit codes.
#[test]
fn example_session() {
    let env = imported(Faults::default());
    env.sb
        .mark_paid(&tx_id(&env, "2026-11-0001"), None)
        .expect("paid");
    env.sb
        .mark_paid(&tx_id(&env, "2026-11-0003"), Some(100_000))
        .expect("partly paid");
    let r = "results.csv";
    let run_here = |args: &[&str]| {
        let out = env.t.cmd(args).current_dir(env.t.dir()).run();
        let (stdout, stderr) = (out.stdout(), out.stderr());
        assert!(!stdout.contains(CLIENT_SECRET) && !stderr.contains(CLIENT_SECRET));
        if std::env::var_os("LIFECYCLE_SHOW").is_some() {
            println!(
                "$ kravia-batch {}\n{stderr}{stdout}[exit {}]\n",
                args.join(" "),
                out.code().unwrap_or(-1)
            );
        }
        out.code().unwrap_or(-1)
    };
    assert_eq!(
        run_here(&[
            "status",
            r,
            "--quiet",
            "--ref",
            "2026-11-0001,2026-11-0003,2026-11-0004,2026-11-0005"
        ]),
        0
    );
    assert_eq!(
        run_here(&[
            "status",
            r,
            "--quiet",
            "--ref",
            "2026-11-0003",
            "--format",
            "json"
        ]),
        0
    );
    assert_eq!(
        run_here(&[
            "void",
            r,
            "--ref",
            "2026-11-0001",
            "--ref",
            "2026-11-0003",
            "--ref",
            "2026-11-0004",
            "--yes",
            "--quiet"
        ]),
        4
    );
    assert_eq!(
        run_here(&["void", r, "--ref", "2026-11-0004", "--yes", "--quiet"]),
        0
    );
    assert_eq!(run_here(&["void", r, "--ref", "2026-11-0007"]), 2);
    assert_eq!(run_here(&["capture", r, "--yes", "--quiet"]), 0);
    assert_eq!(
        run_here(&[
            "capture",
            r,
            "--ref",
            "2026-11-0002,2026-11-0008",
            "--yes",
            "--quiet"
        ]),
        4
    );
    assert_eq!(
        run_here(&[
            "capture",
            r,
            "--ref",
            "2026-11-0002,2026-11-0003,2026-11-0004",
            "--download-invoices",
            "pdf",
            "--download-only",
            "--quiet"
        ]),
        0
    );
    if std::env::var_os("LIFECYCLE_SHOW").is_some() {
        let text = std::fs::read_to_string(&env.results).expect("results");
        for line in text.lines().filter(|l| {
            l.contains("merchant_reference")
                || l.contains("2026-11-0003")
                || l.contains("2026-11-0004")
        }) {
            println!("{}", line.trim_start_matches('\u{feff}'));
        }
    }
}

#[test]
fn a_resumed_import_keeps_the_status_columns() {
    let env = imported(Faults::default());
    env.sb
        .mark_paid(&tx_id(&env, "2026-11-0001"), None)
        .expect("paid");
    let r = results_arg(&env);
    let (code, _) = run_json(&env, &["status", &r]);
    assert_eq!(code, 0);
    let before = rows(&env)["2026-11-0001"].clone();
    assert_eq!(before["transaction_status"], "CAPTURED");
    // The import's command again (a resume that sends nothing) rebuilds the file from
    // its journal: what status learned stays.
    let (code, json) = import(&env, &[]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["handled_this_run"], 0);
    let after = rows(&env)["2026-11-0001"].clone();
    for column in [
        "transaction_status",
        "status_checked_at",
        "status_changed_at",
    ] {
        assert_eq!(after[column], before[column], "{column}");
    }
}
