use super::*;
use crate::input::dialect::BOM as UTF8_BOM;

fn sample() -> Vec<ResultRow> {
    vec![
        ResultRow {
            merchant_reference: "2026-11-0101".into(),
            status: ResultStatus::Created,
            transaction_id: Some("T12345678.5XYZabc".into()),
            invoice_number: Some("10042".into()),
            invoice_url: Some("https://checkout.dintero.com/v1/view/abc?x=1&y=2".into()),
            amount: 123_450,
            currency: "NOK".into(),
            customer: "Blåbær & Søn AS".into(),
            rows: "2-4".into(),
            ..Default::default()
        },
        ResultRow {
            merchant_reference: "2026-11-0102".into(),
            status: ResultStatus::Failed,
            amount: -5,
            currency: "NOK".into(),
            customer: "Ærlig; \"Øvre\" Gård\nandre linje".into(),
            rows: "5".into(),
            error: Some("400 Bad Request: invalid \"email\"; check row 5".into()),
            ..Default::default()
        },
        ResultRow {
            merchant_reference: "2026-11-0103".into(),
            status: ResultStatus::AlreadyExists,
            transaction_id: Some("T999".into()),
            amount: 29_900,
            currency: "EUR".into(),
            customer: "Kari Nordmann".into(),
            rows: "6".into(),
            ..Default::default()
        },
        ResultRow {
            merchant_reference: "2026-11-0104".into(),
            status: ResultStatus::Unknown,
            amount: 0,
            currency: "NOK".into(),
            customer: "Ola".into(),
            rows: "7".into(),
            error: Some("timeout after 30 s".into()),
            ..Default::default()
        },
        ResultRow {
            merchant_reference: "2026-11-0105".into(),
            status: ResultStatus::NotSent,
            amount: 10_000_000_001,
            currency: "SEK".into(),
            customer: "Åse".into(),
            rows: "8".into(),
            ..Default::default()
        },
    ]
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn status_strings_round_trip() {
    for s in ResultStatus::ALL {
        assert_eq!(ResultStatus::parse(s.as_str()), Some(s));
    }
    assert_eq!(
        ResultStatus::parse(" Created "),
        Some(ResultStatus::Created)
    );
    assert_eq!(ResultStatus::parse("sent"), None);
    assert_eq!(ResultStatus::default(), ResultStatus::NotSent);
}

#[test]
fn csv_round_trip_with_semicolon() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.csv");
    let rows = sample();
    write_results(&path, &rows, ResultsFormat::Csv, b';').unwrap();
    assert_eq!(read_results(&path).unwrap(), rows);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(";1234,50;NOK;"), "{text}");
    assert!(text.contains(";-0,05;"), "{text}");
}

#[test]
fn csv_round_trip_with_comma() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.csv");
    let rows = sample();
    write_results(&path, &rows, ResultsFormat::Csv, b',').unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(",1234.50,NOK,"), "{text}");
    assert_eq!(read_results(&path).unwrap(), rows);
}

#[test]
fn csv_starts_with_bom_and_keeps_norwegian_characters() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.csv");
    write_results(&path, &sample(), ResultsFormat::Csv, b';').unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(UTF8_BOM));
    assert!(!bytes[3..].starts_with(UTF8_BOM), "exactly one BOM");
    let text = std::str::from_utf8(&bytes).unwrap();
    assert!(text.contains("Blåbær & Søn AS"));
    assert!(text.contains("Åse"));
    let back = read_results_csv(&path).unwrap();
    assert_eq!(back[0].customer, "Blåbær & Søn AS");
    assert_eq!(back[0].merchant_reference, "2026-11-0101");
}

#[test]
fn csv_values_with_delimiter_quotes_and_newline_survive() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.csv");
    let rows = sample();
    write_results(&path, &rows, ResultsFormat::Csv, b';').unwrap();
    let back = read_results_csv(&path).unwrap();
    assert_eq!(back[1].customer, "Ærlig; \"Øvre\" Gård\nandre linje");
    assert_eq!(
        back[1].error.as_deref(),
        Some("400 Bad Request: invalid \"email\"; check row 5")
    );
    assert_eq!(back.len(), rows.len());
}

#[test]
fn csv_header_is_in_the_documented_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.csv");
    write_results(&path, &[], ResultsFormat::Csv, b';').unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text,
        "\u{feff}merchant_reference;status;transaction_id;invoice_number;invoice_url;\
         amount;currency;customer;rows;error;transaction_status;status_checked_at;\
         status_changed_at;invoice_date;due_date\n"
    );
    assert!(read_results(&path).unwrap().is_empty());
}

#[test]
fn reads_comma_csv_without_bom_with_extra_columns_in_another_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("edited.csv");
    std::fs::write(
        &path,
        "note,Status,merchant_reference,amount,currency,extra\n\
         checked,created,2026-11-0101,\"1234,5\",NOK,x\n\
         ,,,,,\n\
         ,failed,2026-11-0102,99.9,NOK,\n",
    )
    .unwrap();
    let rows = read_results_csv(&path).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].merchant_reference, "2026-11-0101");
    assert_eq!(rows[0].status, ResultStatus::Created);
    assert_eq!(rows[0].amount, 123_450);
    assert_eq!(rows[0].transaction_id, None);
    assert_eq!(rows[1].status, ResultStatus::Failed);
    assert_eq!(rows[1].amount, 9_990);
}

#[test]
fn reads_a_file_excel_saved_again_as_windows_1252() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.csv");
    // "Blåbær" in Windows-1252, no BOM, amount re-typed by Excel without trailing zero.
    let mut bytes = b"merchant_reference;status;amount;customer\r\n".to_vec();
    bytes.extend_from_slice(b"A-1;created;1234,5;Bl\xe5b\xe6r AS\r\n");
    std::fs::write(&path, &bytes).unwrap();
    let rows = read_results_csv(&path).unwrap();
    assert_eq!(rows[0].customer, "Blåbær AS");
    assert_eq!(rows[0].amount, 123_450);
    // A byte Windows-1252 does not define is refused, not guessed.
    bytes.push(0x81);
    std::fs::write(&path, &bytes).unwrap();
    let msg = read_results_csv(&path).unwrap_err().to_string();
    assert!(msg.contains("0x81"), "{msg}");
}

#[test]
fn empty_merchant_reference_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.csv");
    std::fs::write(&path, "merchant_reference;status\nA-1;created\n ;failed\n").unwrap();
    let msg = read_results_csv(&path).unwrap_err().to_string();
    assert!(
        msg.contains("row 3") && msg.contains("merchant_reference is empty"),
        "{msg}"
    );
}

#[test]
fn unknown_status_names_the_row_and_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.csv");
    std::fs::write(
        &path,
        "\u{feff}merchant_reference;status;amount\nA-1;created;1,00\nA-2;sent;2,00\n",
    )
    .unwrap();
    let err = read_results_csv(&path).unwrap_err();
    assert!(matches!(err, ResultsError::Format { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("row 3"), "{msg}");
    assert!(msg.contains("\"sent\""), "{msg}");
    assert!(msg.contains("r.csv"), "{msg}");
}

#[test]
fn bad_amount_and_missing_column_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.csv");
    std::fs::write(
        &path,
        "merchant_reference;status;amount\nA-1;created;1.234,50\n",
    )
    .unwrap();
    let msg = read_results_csv(&path).unwrap_err().to_string();
    assert!(msg.contains("row 2") && msg.contains("1.234,50"), "{msg}");
    std::fs::write(
        &path,
        "merchant_reference;status;amount\nA-1;created;1,234\n",
    )
    .unwrap();
    let msg = read_results_csv(&path).unwrap_err().to_string();
    assert!(msg.contains("more than 2 decimals"), "{msg}");
    std::fs::write(&path, "reference;status\nA-1;created\n").unwrap();
    let msg = read_results_csv(&path).unwrap_err().to_string();
    assert!(msg.contains("no merchant_reference column"), "{msg}");
}

#[test]
fn json_round_trip_and_shape() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.json");
    let rows = sample();
    write_results(&path, &rows, ResultsFormat::Json, b';').unwrap();
    assert_eq!(read_results(&path).unwrap(), rows);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let first = &v["results"][0];
    assert_eq!(first["amount"], "1234.50");
    assert_eq!(first["amount_minor"], 123_450);
    assert_eq!(first["status"], "created");
    assert_eq!(first["customer"], "Blåbær & Søn AS");
    assert_eq!(v["results"][1]["transaction_id"], serde_json::Value::Null);
}

#[test]
fn json_unknown_status_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.json");
    std::fs::write(
        &path,
        r#"{"results":[{"merchant_reference":"A-1","status":"done","amount":"1.00"}]}"#,
    )
    .unwrap();
    let msg = read_results(&path).unwrap_err().to_string();
    assert!(
        msg.contains("result 1") && msg.contains("A-1") && msg.contains("\"done\""),
        "{msg}"
    );
}

#[test]
fn xlsx_written_and_read_back_with_calamine() {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.xlsx");
    let rows = sample();
    write_results(&path, &rows, ResultsFormat::Xlsx, b';').unwrap();
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    let header: Vec<String> = range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(header, COLUMNS.map(String::from).to_vec());
    assert_eq!(range.get_value((1, 5)), Some(&Data::Float(1234.5)));
    assert_eq!(
        range.get_value((1, 0)),
        Some(&Data::String("2026-11-0101".into()))
    );
    assert_eq!(read_results(&path).unwrap(), rows);
}

#[test]
fn atomic_writes_leave_only_the_results_files() {
    let dir = tempfile::tempdir().unwrap();
    for (name, format) in [
        ("r.csv", ResultsFormat::Csv),
        ("r.json", ResultsFormat::Json),
        ("r.xlsx", ResultsFormat::Xlsx),
    ] {
        let path = dir.path().join(name);
        write_results(&path, &sample(), format, b';').unwrap();
        // Overwriting replaces the file whole.
        write_results(&path, &sample()[..1], format, b';').unwrap();
        assert_eq!(read_results(&path).unwrap().len(), 1);
    }
    assert_eq!(entries(dir.path()), ["r.csv", "r.json", "r.xlsx"]);
}

#[test]
fn refused_write_keeps_the_old_file_and_leaves_no_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.csv");
    write_results(&path, &sample(), ResultsFormat::Csv, b';').unwrap();
    let before = std::fs::read(&path).unwrap();
    assert!(write_results(&path, &sample(), ResultsFormat::Csv, b'"').is_err());
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(entries(dir.path()), ["r.csv"]);
}

#[test]
fn default_path_is_next_to_the_input() {
    assert_eq!(
        default_results_path(Path::new("/data/nov 2026.xlsx"), ResultsFormat::Csv),
        PathBuf::from("/data/nov 2026.results.csv")
    );
    assert_eq!(
        default_results_path(Path::new("faktura.csv"), ResultsFormat::Json),
        PathBuf::from("faktura.results.json")
    );
    assert_eq!(
        default_results_path(Path::new("a/b.v2.csv"), ResultsFormat::Xlsx),
        PathBuf::from("a/b.v2.results.xlsx")
    );
}

#[test]
fn unknown_extension_is_refused() {
    let msg = read_results(Path::new("results.txt"))
        .unwrap_err()
        .to_string();
    assert!(msg.contains(".csv, .json or .xlsx"), "{msg}");
}

#[test]
fn csv_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.csv");
    write_results(&path, &sample(), ResultsFormat::Csv, b';').unwrap();
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace('\u{feff}', "<BOM>");
    insta::assert_snapshot!("results_csv", text);
}
