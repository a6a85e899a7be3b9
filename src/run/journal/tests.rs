//! The journal's unit tests: creation and reopening, registration, intents and outcomes
//! through the writer, group commit, and refusing what is not a journal.
#![allow(clippy::too_many_lines, reason = "a test reads as one story")]

use super::*;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn entry(reference: &str, hash: &str) -> InvoiceEntry {
    InvoiceEntry {
        reference: reference.to_owned(),
        content_hash: hash.to_owned(),
        amount: 12_500,
        currency: "NOK".to_owned(),
        customer: format!("Kunde {reference}"),
        rows: "2-3".to_owned(),
    }
}

fn journal_in(dir: &tempfile::TempDir) -> (PathBuf, Journal) {
    let path = dir.path().join("run.journal.sqlite");
    let journal = Journal::open(&path).unwrap();
    (path, journal)
}

/// A journal with invoices A and B registered, and an intent recorded for A.
async fn a_and_b_with_a_sending(dir: &tempfile::TempDir) -> (PathBuf, Journal, JournalWriter) {
    let (path, journal) = journal_in(dir);
    journal
        .register(&[entry("A", "h"), entry("B", "h")], false)
        .unwrap();
    let writer = journal.writer().unwrap();
    writer.intent("A", "").await.unwrap();
    (path, journal, writer)
}

fn row(journal: &Journal, reference: &str) -> Row {
    journal
        .rows()
        .unwrap()
        .into_iter()
        .find(|row| row.entry.reference == reference)
        .unwrap()
}

fn events(path: &Path, reference: &str) -> Vec<(String, Option<String>, String)> {
    let conn = Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare("SELECT kind, detail, at FROM events WHERE reference = ?1 ORDER BY id")
        .unwrap();
    stmt.query_map([reference], |row| {
        Ok((row.get(0)?, row.get(1)?, row.get(2)?))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[test]
fn status_strings_round_trip() {
    for status in Status::ALL {
        assert_eq!(Status::parse(status.as_str()), Some(status));
        assert_eq!(status.to_string(), status.as_str());
    }
    assert_eq!(Status::parse("Created"), None);
    assert_eq!(Status::default(), Status::Pending);
}

#[test]
fn create_and_reopen_keeps_data() {
    let dir = tempfile::tempdir().unwrap();
    let (path, journal) = journal_in(&dir);
    assert_eq!(journal.path(), path);
    journal.set_meta(META_INPUT_PATH, "faktura.xlsx").unwrap();
    journal.set_meta(META_ACCOUNT_ID, "T11112542").unwrap();
    journal.set_meta(META_ACCOUNT_ID, "P11112542").unwrap();
    let entries = [entry("B-2", "h2"), entry("A-1", "h1"), entry("C-3", "h3")];
    assert!(journal.register(&entries, false).unwrap().is_empty());
    let before = journal.rows().unwrap();
    let created_at = journal.meta(META_CREATED_AT).unwrap().unwrap();
    drop(journal);

    let journal = Journal::open(&path).unwrap();
    assert_eq!(journal.rows().unwrap(), before);
    let order: Vec<_> = before.iter().map(|r| r.entry.reference.as_str()).collect();
    assert_eq!(order, ["B-2", "A-1", "C-3"], "insertion order");
    assert_eq!(before[0].entry, entries[0]);
    assert_eq!(before[0].recorded, Recorded::default());
    assert_eq!(
        journal.meta(META_INPUT_PATH).unwrap().as_deref(),
        Some("faktura.xlsx")
    );
    assert_eq!(
        journal.meta(META_ACCOUNT_ID).unwrap().as_deref(),
        Some("P11112542")
    );
    assert_eq!(journal.meta("nope").unwrap(), None);
    assert_eq!(
        journal.meta(META_SCHEMA_VERSION).unwrap().as_deref(),
        Some(SCHEMA_VERSION)
    );
    assert_eq!(
        journal.meta(META_TOOL_VERSION).unwrap().as_deref(),
        Some(env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(
        journal.meta(META_CREATED_AT).unwrap(),
        Some(created_at.clone())
    );
    chrono::DateTime::parse_from_rfc3339(&created_at).unwrap();
    assert!(matches!(
        journal.set_meta(META_SCHEMA_VERSION, "2"),
        Err(JournalError::Refused(_))
    ));
}

#[test]
fn an_invoice_invalid_before_and_valid_now_becomes_pending() {
    let dir = tempfile::tempdir().unwrap();
    let (_path, journal) = journal_in(&dir);
    journal.register(&[entry("A", "")], true).unwrap();
    assert_eq!(journal.rows().unwrap()[0].recorded.status, Status::NotSent);
    // Fixed in the export: registered as valid, it is not a "changed" invoice.
    assert!(
        journal
            .register(&[entry("A", "h1")], false)
            .unwrap()
            .is_empty()
    );
    let row = &journal.rows().unwrap()[0];
    assert_eq!(row.recorded.status, Status::Pending);
    assert_eq!(row.entry.content_hash, "h1");
    // From then on it is an ordinary pending invoice: a different body is a change.
    assert_eq!(
        journal.register(&[entry("A", "h2")], false).unwrap().len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn register_twice_is_idempotent_and_reports_changed_hash() {
    let dir = tempfile::tempdir().unwrap();
    let (_path, journal) = journal_in(&dir);
    let entries = [entry("A", "h1"), entry("B", "h2")];
    assert!(journal.register(&entries, false).unwrap().is_empty());
    assert!(journal.register(&entries, false).unwrap().is_empty());
    assert_eq!(journal.rows().unwrap().len(), 2);

    let writer = journal.writer().unwrap();
    writer.intent("B", "attempt 1").await.unwrap();
    writer.close().await.unwrap();

    let changed = journal
        .register(
            &[entry("A", "h1-new"), entry("B", "h2"), entry("C", "h3")],
            false,
        )
        .unwrap();
    assert_eq!(
        changed,
        [Changed {
            reference: "A".to_owned(),
            journal_hash: "h1".to_owned(),
            input_hash: "h1-new".to_owned(),
        }]
    );
    let rows = journal.rows().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].entry.content_hash, "h1", "hash not overwritten");
    assert_eq!(rows[1].recorded.status, Status::Sending, "status not reset");
    assert_eq!(rows[1].recorded.attempts, 1);
    assert_eq!(rows[2].recorded.status, Status::Pending);

    // not_sent registers new invoices as not_sent, leaves existing ones alone.
    assert!(
        journal
            .register(&[entry("A", "h1"), entry("X", "hx")], true)
            .unwrap()
            .is_empty()
    );
    assert_eq!(row(&journal, "A").recorded.status, Status::Pending);
    assert_eq!(row(&journal, "X").recorded.status, Status::NotSent);
}

#[tokio::test(flavor = "multi_thread")]
async fn recorded_lists_only_invoices_something_happened_to() {
    let dir = tempfile::tempdir().unwrap();
    let (_, journal) = journal_in(&dir);
    journal
        .register(&[entry("A", "h"), entry("B", "h"), entry("C", "h")], false)
        .unwrap();
    journal.register(&[entry("X", "")], true).unwrap();
    assert_eq!(
        journal.recorded().unwrap().keys().collect::<Vec<_>>(),
        ["X"],
        "a fresh run reads only what is not pending"
    );
    let writer = journal.writer().unwrap();
    writer.intent("A", "").await.unwrap();
    writer.intent("B", "").await.unwrap();
    let created = Recorded {
        status: Status::Created,
        transaction_id: Some("T1".into()),
        ..Recorded::default()
    };
    writer.outcome("B", created.clone(), "").await.unwrap();
    writer.close().await.unwrap();
    let recorded = journal.recorded().unwrap();
    assert_eq!(recorded.len(), 3);
    assert_eq!(recorded["A"].status, Status::Sending);
    assert_eq!(recorded["B"].transaction_id.as_deref(), Some("T1"));
    assert_eq!(recorded["B"].attempts, 1);
    assert!(!recorded.contains_key("C"));
    // Everything it leaves out is in the default state.
    for r in journal.rows().unwrap() {
        match recorded.get(&r.entry.reference) {
            Some(rec) => assert_eq!(*rec, r.recorded),
            None => assert_eq!(r.recorded, Recorded::default()),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hurried_writer_still_commits_every_record() {
    let dir = tempfile::tempdir().unwrap();
    let (_, journal, writer) = a_and_b_with_a_sending(&dir).await;
    writer.hurry();
    writer.intent("B", "").await.unwrap();
    writer
        .outcome(
            "B",
            Recorded {
                status: Status::Created,
                ..Recorded::default()
            },
            "",
        )
        .await
        .unwrap();
    writer.close().await.unwrap();
    assert_eq!(row(&journal, "A").recorded.status, Status::Sending);
    assert_eq!(row(&journal, "B").recorded.status, Status::Created);
}

#[test]
fn set_metas_writes_all_or_refuses_the_schema_version() {
    let dir = tempfile::tempdir().unwrap();
    let (_, journal) = journal_in(&dir);
    journal
        .set_metas(&[(META_INPUT_PATH, "a.csv"), (META_INPUT_SHA256, "ab")])
        .unwrap();
    assert_eq!(
        journal.meta(META_INPUT_SHA256).unwrap().as_deref(),
        Some("ab")
    );
    assert!(matches!(
        journal.set_metas(&[(META_INPUT_PATH, "b.csv"), (META_SCHEMA_VERSION, "9")]),
        Err(JournalError::Refused(_))
    ));
    assert_eq!(
        journal.meta(META_INPUT_PATH).unwrap().as_deref(),
        Some("a.csv")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn intent_then_outcome_updates_status_fields_and_events() {
    let dir = tempfile::tempdir().unwrap();
    let (path, journal) = journal_in(&dir);
    journal.register(&[entry("A", "h")], false).unwrap();
    let writer = journal.writer().unwrap();

    writer.intent("A", "POST /v1/sessions/pay").await.unwrap();
    let recorded = row(&journal, "A").recorded;
    assert_eq!(recorded.status, Status::Sending);
    assert_eq!(recorded.attempts, 1);

    writer
        .outcome(
            "A",
            Recorded {
                status: Status::Unknown,
                attempts: 99,
                error: Some("timeout after connecting".to_owned()),
                ..Recorded::default()
            },
            "",
        )
        .await
        .unwrap();
    writer.event("A", "lookup", "not found").await.unwrap();
    writer.intent("A", "POST /v1/sessions/pay").await.unwrap();
    assert_eq!(row(&journal, "A").recorded.attempts, 2);

    writer
        .outcome(
            "A",
            Recorded {
                status: Status::Created,
                session_id: Some("S1".to_owned()),
                transaction_id: Some("T1".to_owned()),
                invoice_number: Some("1001".to_owned()),
                invoice_url: Some("https://example.test/i/1001".to_owned()),
                transaction_status: Some("ON_HOLD".to_owned()),
                ..Recorded::default()
            },
            "201",
        )
        .await
        .unwrap();
    // None fields keep their value.
    writer
        .outcome(
            "A",
            Recorded {
                status: Status::Created,
                transaction_status: Some("AUTHORIZED".to_owned()),
                ..Recorded::default()
            },
            "status refresh",
        )
        .await
        .unwrap();
    writer.close().await.unwrap();

    assert_eq!(
        row(&journal, "A").recorded,
        Recorded {
            status: Status::Created,
            attempts: 2,
            session_id: Some("S1".to_owned()),
            transaction_id: Some("T1".to_owned()),
            invoice_number: Some("1001".to_owned()),
            invoice_url: Some("https://example.test/i/1001".to_owned()),
            transaction_status: Some("AUTHORIZED".to_owned()),
            error: Some("timeout after connecting".to_owned()),
            invoice_date: None,
            due_date: None,
        }
    );
    let events = events(&path, "A");
    let kinds: Vec<_> = events
        .iter()
        .map(|(kind, detail, _)| (kind.as_str(), detail.as_deref()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("intent", Some("POST /v1/sessions/pay")),
            ("outcome", Some("unknown")),
            ("lookup", Some("not found")),
            ("intent", Some("POST /v1/sessions/pay")),
            ("outcome", Some("created: 201")),
            ("outcome", Some("created: status refresh")),
        ]
    );
    for (_, _, at) in &events {
        chrono::DateTime::parse_from_rfc3339(at).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn refuses_unknown_references_and_resending_a_created_invoice() {
    let dir = tempfile::tempdir().unwrap();
    let (_path, journal) = journal_in(&dir);
    journal
        .register(&[entry("A", "h"), entry("B", "h")], false)
        .unwrap();
    let writer = journal.writer().unwrap();
    assert!(matches!(
        writer.intent("nope", "").await,
        Err(JournalError::Refused(_))
    ));
    assert!(matches!(
        writer.outcome("nope", Recorded::default(), "").await,
        Err(JournalError::Refused(_))
    ));
    writer.intent("A", "").await.unwrap();
    let created = Recorded {
        status: Status::AlreadyExists,
        ..Recorded::default()
    };
    writer
        .outcome("A", created, "found by lookup")
        .await
        .unwrap();
    let refused = writer.intent("A", "").await.unwrap_err();
    assert!(refused.to_string().contains("duplicate"), "{refused}");
    // A refusal fails only its own record.
    writer.intent("B", "").await.unwrap();
    writer.event("*", "run_started", "").await.unwrap();
    writer.close().await.unwrap();
    assert_eq!(row(&journal, "A").recorded.attempts, 1);
    assert_eq!(row(&journal, "B").recorded.status, Status::Sending);
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_intents_are_group_committed() {
    let dir = tempfile::tempdir().unwrap();
    let (_path, journal) = journal_in(&dir);
    let entries: Vec<_> = (0..200).map(|i| entry(&format!("R{i}"), "h")).collect();
    journal.register(&entries, false).unwrap();
    let writer = journal.writer().unwrap();

    let tasks: Vec<_> = (0..50)
        .map(|task| {
            let writer = writer.clone();
            tokio::spawn(async move {
                for i in 0..4 {
                    writer
                        .intent(&format!("R{}", task * 4 + i), "")
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let commits = writer.commits();
    writer.close().await.unwrap();

    let rows = journal.rows().unwrap();
    assert!(
        rows.iter()
            .all(|row| row.recorded.status == Status::Sending && row.recorded.attempts == 1)
    );
    eprintln!("200 intents from 50 tasks: {commits} commits");
    assert!(commits >= 4, "each task waits for its ack: {commits}");
    assert!(commits <= 50, "200 intents took {commits} commits");
}

#[tokio::test(flavor = "multi_thread")]
async fn acknowledged_records_survive_dropping_the_writer_mid_stream() {
    let dir = tempfile::tempdir().unwrap();
    let (path, journal) = journal_in(&dir);
    let entries: Vec<_> = (0..1000).map(|i| entry(&format!("R{i}"), "h")).collect();
    journal.register(&entries, false).unwrap();
    let writer = journal.writer().unwrap();
    let acked = Arc::new(Mutex::new(Vec::new()));

    let tasks: Vec<_> = (0..20)
        .map(|task| {
            let writer = writer.clone();
            let acked = Arc::clone(&acked);
            tokio::spawn(async move {
                for i in 0..50 {
                    let reference = format!("R{}", task * 50 + i);
                    if writer.intent(&reference, "").await.is_err() {
                        break;
                    }
                    acked.lock().unwrap().push(reference);
                }
            })
        })
        .collect();
    drop(writer);
    while acked.lock().unwrap().len() < 100 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    // Mid-stream: the tasks (and with them the last writer clones) go
    // away without close().
    for task in &tasks {
        task.abort();
    }
    for task in tasks {
        let _ = task.await;
    }
    drop(journal);

    let acked = acked.lock().unwrap().clone();
    let journal = Journal::open(&path).unwrap();
    let rows = journal.rows().unwrap();
    for reference in &acked {
        let row = rows
            .iter()
            .find(|r| &r.entry.reference == reference)
            .unwrap();
        assert_eq!(row.recorded.status, Status::Sending, "{reference}");
        assert_eq!(row.recorded.attempts, 1, "{reference}");
    }
    assert!(acked.len() >= 100);
}

#[tokio::test(flavor = "multi_thread")]
async fn sending_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let (path, journal, writer) = a_and_b_with_a_sending(&dir).await;
    // No outcome, no close: as after a crash between send and response.
    drop(writer);
    drop(journal);

    let journal = Journal::open(&path).unwrap();
    let rows = journal.rows().unwrap();
    assert_eq!(rows[0].recorded.status, Status::Sending);
    assert_eq!(rows[0].recorded.attempts, 1);
    assert_eq!(rows[1].recorded.status, Status::Pending);
    assert_eq!(events(&path, "A")[0].0, "intent");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_file_is_plain_sqlite_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let (path, journal) = journal_in(&dir);
    journal.register(&[entry("A", "h")], false).unwrap();
    let writer = journal.writer().unwrap();
    writer.intent("A", "").await.unwrap();

    let conn = Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let (status, attempts): (String, i64) = conn
        .query_row(
            "SELECT status, attempts FROM invoices WHERE reference = 'A'",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!((status.as_str(), attempts), ("sending", 1));
    let synchronous: i64 = journal
        .conn()
        .query_row("PRAGMA synchronous", [], |row| row.get(0))
        .unwrap();
    assert_eq!(synchronous, 2, "FULL");
    writer.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn close_stops_every_clone() {
    let dir = tempfile::tempdir().unwrap();
    let (_path, journal) = journal_in(&dir);
    journal.register(&[entry("A", "h")], false).unwrap();
    let writer = journal.writer().unwrap();
    let other = writer.clone();
    writer.intent("A", "").await.unwrap();
    assert_eq!(writer.commits(), 1);
    writer.close().await.unwrap();
    assert!(matches!(
        other.event("A", "lookup", "").await,
        Err(JournalError::Closed)
    ));
    assert!(matches!(other.close().await, Err(JournalError::Closed)));
}

#[test]
fn refuses_foreign_databases_and_other_schema_versions() {
    let dir = tempfile::tempdir().unwrap();
    let foreign = dir.path().join("foreign.sqlite");
    Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE invoices (x TEXT)")
        .unwrap();
    assert!(matches!(
        Journal::open(&foreign),
        Err(JournalError::Corrupt(_))
    ));

    let (path, journal) = journal_in(&dir);
    drop(journal);
    Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE meta SET value = '99' WHERE key = 'schema_version'",
            [],
        )
        .unwrap();
    let error = Journal::open(&path).err().unwrap();
    assert!(matches!(error, JournalError::Corrupt(_)));
    assert!(error.to_string().contains("99"), "{error}");
}

#[test]
fn sqlite_errors_name_the_journal_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("not-a-database.sqlite");
    std::fs::write(&path, "reference;amount\n".repeat(200)).unwrap();
    let error = Journal::open(&path).err().unwrap();
    assert!(matches!(error, JournalError::Sqlite { .. }), "{error:?}");
    assert!(
        error.to_string().contains(&path.display().to_string()),
        "{error}"
    );
}
