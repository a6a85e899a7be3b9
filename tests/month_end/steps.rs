//! `kravia-batch month-end check|question|send`, run the way `scripts/month-end.ps1` runs
//! them (PowerShell cannot run here): each step on the file as given with the extra
//! options, the question's text joined and printed before the answer, and the script
//! stopping at a check or question that does not end with 0. What the PowerShell script
//! shows is exactly this output; the bash script's is tested through bash in the parent
//! module.

use super::*;

/// Runs a step with nothing on stdin; returns its exit code, stdout and stderr.
fn step(month: &Month, name: &str, args: &[&str]) -> (i32, String, String) {
    let out = month.step(name, args).run();
    (out.code().unwrap_or(-1), out.stdout(), out.stderr())
}

#[test]
fn check_question_and_send_print_what_the_powershell_script_shows() {
    let sb = Sandbox::start();
    let month = Month::new(&sb, SAMPLE, "november.csv");
    let args = ["--rate", "200"];

    let (code, out, _) = step(&month, "check", &args);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.starts_with(
            "Month end: november.csv\n\nStep 1 of 3: checking the file (nothing is sent yet)...\n\nThe file has 25 invoices on 60 lines.\nAll of them are correct.\n"
        ),
        "{out}"
    );
    assert!(
        has_line(
            &out,
            &["NOK", "22", "136 919,68", "23 905,39", "113 014,29"]
        ),
        "{out}"
    );
    assert!(out.ends_with("\nStep 2 of 3: your approval.\n"), "{out}");
    assert!(month.beside("november.plan.json").is_file());

    // The question has no line break: the script prints it, then reads the answer.
    let (code, out, _) = step(&month, "question", &args);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out,
        "Send 25 invoices totalling 136 919,68 NOK, 12 800,00 SEK and 681,50 EUR? (yes/no) "
    );
    assert!(sb.ledger().requests.is_empty(), "asking reached Dintero");

    let (code, out, _) = step(&month, "send", &args);
    assert_eq!(code, 0, "{out}");
    let results = month.beside("november.results.csv");
    for shown in [
        "\nStep 3 of 3: sending...\n",
        "Dintero account T12345678.\n",
        "  Created at Kravia:            25   681,50 EUR, 136 919,68 NOK and 12 800,00 SEK\n",
        &format!("  {}\n", results.display()),
        "DONE: every invoice of november.csv is at Kravia.\n",
    ] {
        assert!(out.contains(shown), "missing {shown:?} in:\n{out}");
    }
    assert_all_created_once(&sb);
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(month.beside("november.last-run.json")).expect("state"),
    )
    .expect("state JSON");
    assert_eq!(state["exit_code"], 0, "{state}");
    assert_eq!(state["import"]["counts"]["created"], 25, "{state}");

    // The next check says the file was sent.
    let (code, out, _) = step(&month, "check", &args);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("This file was already sent on"), "{out}");
    let (code, out, _) = step(&month, "send", &args);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("sending (resuming the earlier run)"), "{out}");
    assert_all_created_once(&sb);
}

#[test]
fn a_check_that_finds_a_problem_stops_the_script_with_its_code() {
    let sb = Sandbox::start();
    let month = Month::new(&sb, "tests/data/20-bad-email.csv", "bad email.csv");
    let (code, out, err) = step(&month, "check", &[]);
    assert_eq!(code, 1, "{out}");
    for shown in [
        "Errors (these must be corrected before anything can be sent):\n  row 3, column 'email' (K): 'kari.nordmann.example.no' is not a valid e-mail address (name@domain.no)\n",
        "NOTHING WAS SENT: the file has errors.\n",
        &format!("  {}\n", month.beside("bad email.annotated.csv").display()),
    ] {
        assert!(out.contains(shown), "missing {shown:?} in:\n{out}");
    }
    assert!(!out.contains("It opens now."), "KRAVIA_NO_OPEN: {out}");
    // validate's hints for people typing commands stay aside.
    assert!(
        !out.contains("kravia-batch validate") && err.is_empty(),
        "{out}\n{err}"
    );
    // No plan, so no question: the script stops at the check anyway.
    let (code, out, err) = step(&month, "question", &[]);
    assert_eq!(code, 3, "{out}{err}");

    let missing = Month::new(&sb, SAMPLE, "november.csv");
    let out = missing.t.run(["month-end", "check", "novembre.csv"]);
    let text = out.stdout();
    assert_eq!(out.code(), Some(3), "{text}");
    assert_eq!(
        text,
        "The file 'novembre.csv' was not found. Check the name and the folder, and try again.\n"
    );
    assert!(sb.ledger().requests.is_empty(), "the sandbox was contacted");
}

#[test]
fn the_send_step_passes_the_options_on_and_ends_with_import_s_code() {
    let sb = Sandbox::with_faults(Faults {
        fail_status: FaultRule::References(vec!["2026-11-0003".into()]),
        ..Faults::default()
    });
    let month = Month::new(&sb, SAMPLE, "november.csv");
    let (code, out, _) = step(&month, "check", &[]);
    assert_eq!(code, 0, "{out}");
    // A rehearsal: kravia-batch's in-process emulator, results and state of its own.
    let (code, out, _) = step(&month, "send", &["--sandbox", "--rate", "200"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("REHEARSAL DONE"), "{out}");
    assert!(month.beside("november.rehearsal.results.csv").is_file());
    assert!(month.beside("november.rehearsal.last-run.json").is_file());
    assert!(
        sb.ledger().requests.is_empty(),
        "the rehearsal reached Dintero"
    );
    // The real run: Kravia refuses one invoice.
    let (code, out, _) = step(&month, "send", &["--rate", "200"]);
    assert_eq!(code, 4, "{out}");
    assert!(has_line(&out, &["Refused by Kravia:", "1", "NOK"]), "{out}");
    assert!(out.contains("PARTLY DONE"), "{out}");
    // An option import does not know: its message on stderr, exit 2, nothing recorded
    // over the earlier run.
    let (code, out, err) = step(&month, "send", &["--no-such-option"]);
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("--no-such-option"), "{err}");
    assert!(out.contains("NOTHING WAS SENT: kravia-batch did not accept the command"));
    let (_, out, _) = step(&month, "check", &[]);
    assert!(
        out.contains("and Kravia refused some invoices then"),
        "{out}"
    );
}
