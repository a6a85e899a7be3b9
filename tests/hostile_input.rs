//! Hostile input files (issue #13): decompression bombs, repeat bombs, looping sector
//! chains, one enormous CSV line, FIFOs and devices. Each must be refused with a message
//! naming the limit, quickly, with bounded memory, and never by an abort or a signal.
//!
//! The big files are generated here into a temporary folder (a few MB each), not
//! committed. The binary runs as a child whose peak memory is read from `wait4`.

#![cfg(unix)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use zip::write::SimpleFileOptions;

/// Peak memory allowed to the child on any hostile file.
const MAX_RSS_MB: i64 = 300;

struct Outcome {
    code: Option<i32>,
    signal: Option<i32>,
    rss_mb: i64,
    stdout: String,
    stderr: String,
    secs: f64,
}

impl Outcome {
    /// Refused cleanly: exit 1 or 3, no signal, bounded memory, and stderr or stdout
    /// says `words`.
    fn refused(&self, words: &[&str]) {
        let text = format!("{}\n{}", self.stderr, self.stdout);
        eprintln!(
            "exit {:?}, signal {:?}, peak {} MB, {:.1} s",
            self.code, self.signal, self.rss_mb, self.secs
        );
        assert!(
            matches!(self.code, Some(1 | 3)),
            "exit {:?} signal {:?}, {} MB: {text}",
            self.code,
            self.signal,
            self.rss_mb
        );
        assert!(
            self.rss_mb < MAX_RSS_MB,
            "peak memory {} MB (limit {MAX_RSS_MB}): {text}",
            self.rss_mb
        );
        for w in words {
            assert!(text.contains(w), "message lacks {w:?}: {text}");
        }
    }
}

/// Runs the binary with `args`, kills it after `timeout`, and reports its exit, peak
/// memory (`ru_maxrss` of `wait4`) and output.
fn run(args: &[&str], timeout: Duration) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("out");
    let err_path = dir.path().join("err");
    let start = Instant::now();
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("kravia-batch"));
    cmd.args(args)
        .env("HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path().join(".config"))
        .env("KRAVIA_BATCH_DATA_DIR", dir.path().join("data"))
        .env_remove("KRAVIA_BATCH_CONFIG")
        .stdin(Stdio::null())
        // A regression must fail here, not take the shared machine's memory.
        .process_group(0)
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap());
    // SAFETY: only setrlimit, which is async-signal-safe, runs in the child.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 4 << 30,
                rlim_max: 4 << 30,
            };
            libc::setrlimit(libc::RLIMIT_AS, &limit);
            Ok(())
        });
    }
    let child = cmd.spawn().unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut killed = false;
    loop {
        // SAFETY: `pid` is our own child, not yet reaped; the pointers are valid.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        assert!(r == 0, "wait4 failed");
        if start.elapsed() > timeout && !killed {
            // SAFETY: sending a signal to our own child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            killed = true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    std::mem::forget(child);
    let secs = start.elapsed().as_secs_f64();
    assert!(
        !killed,
        "still running after {timeout:?} (a hang): killed; args {args:?}"
    );
    let exited = libc::WIFEXITED(status);
    Outcome {
        code: exited.then(|| libc::WEXITSTATUS(status)),
        signal: libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status)),
        rss_mb: usage.ru_maxrss / 1024,
        stdout: std::fs::read_to_string(out_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(err_path).unwrap_or_default(),
        secs,
    }
}

fn validate(file: &Path) -> Outcome {
    run(
        &["validate", file.to_str().unwrap(), "--quiet"],
        Duration::from_secs(60),
    )
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// A zip of `parts`; a part is written from a reader so that a big one never sits in
/// memory.
fn zip_of(path: &Path, parts: Vec<(&str, Box<dyn Read>)>) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, mut body) in parts {
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(1))
            .large_file(false);
        zip.start_file(name, options).unwrap();
        std::io::copy(&mut body, &mut zip).unwrap();
    }
    zip.finish().unwrap();
}

fn text(s: impl Into<String>) -> Box<dyn Read> {
    Box::new(std::io::Cursor::new(s.into().into_bytes()))
}

/// `head`, then `n` bytes of `fill`, then `tail`, as a stream.
fn bomb(head: &str, fill: u8, n: u64, tail: &str) -> Box<dyn Read> {
    Box::new(
        std::io::Cursor::new(head.as_bytes().to_vec())
            .chain(std::io::repeat(fill).take(n))
            .chain(std::io::Cursor::new(tail.as_bytes().to_vec())),
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn column(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap()
}

/// The rows of `tests/data/valid/base.csv` as sheet rows of inline strings.
fn base_rows() -> Vec<String> {
    let mut r = csv::Reader::from_path(data("valid/base.csv")).unwrap();
    let mut rows = vec![r.headers().unwrap().iter().map(str::to_string).collect()];
    for rec in r.records() {
        rows.push(rec.unwrap().iter().map(str::to_string).collect::<Vec<_>>());
    }
    rows.iter()
        .enumerate()
        .map(|(i, cells)| {
            let cells: String = cells
                .iter()
                .enumerate()
                .filter(|(_, v)| !v.is_empty())
                .map(|(c, v)| {
                    format!(
                        r#"<c r="{}{}" t="inlineStr"><is><t>{}</t></is></c>"#,
                        column(c),
                        i + 1,
                        escape(v)
                    )
                })
                .collect();
            format!(r#"<row r="{}">{cells}</row>"#, i + 1)
        })
        .collect()
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;
const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;
const SHEET_TAIL: &str = "</sheetData></worksheet>";

/// An XLSX with the given sheet part and shared strings.
fn xlsx(path: &Path, sheet: Box<dyn Read>, strings: Box<dyn Read>) {
    zip_of(
        path,
        vec![
            ("[Content_Types].xml", text(CONTENT_TYPES)),
            ("_rels/.rels", text(RELS)),
            ("xl/workbook.xml", text(WORKBOOK)),
            ("xl/_rels/workbook.xml.rels", text(WORKBOOK_RELS)),
            ("xl/worksheets/sheet1.xml", sheet),
            ("xl/sharedStrings.xml", strings),
        ],
    );
}

fn no_strings() -> Box<dyn Read> {
    text(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"></sst>"#,
    )
}

/// The base rows as an XLSX, with `extra` appended to the sheet data.
fn base_xlsx(path: &Path, extra: &str, strings: Box<dyn Read>) {
    let sheet = format!("{SHEET_HEAD}{}{extra}{SHEET_TAIL}", base_rows().concat());
    xlsx(path, text(sheet), strings);
}

#[test]
fn the_generated_base_xlsx_reads_as_the_csv() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("base.xlsx");
    base_xlsx(&f, "", no_strings());
    let o = validate(&f);
    assert_eq!(o.code, Some(0), "{}{}", o.stdout, o.stderr);
}

#[test]
fn xlsx_shared_string_bomb_is_refused_before_it_is_inflated() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bomb.xlsx");
    // One shared string of 600 MiB (the part inflates past the 256 MiB limit).
    let strings = bomb(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>"#,
        b'a',
        600 << 20,
        "</t></si></sst>",
    );
    base_xlsx(&f, "", strings);
    assert!(std::fs::metadata(&f).unwrap().len() < 16 << 20);
    let o = validate(&f);
    o.refused(&["sharedStrings.xml", "256 MiB"]);
}

#[test]
fn xlsx_shared_string_longer_than_a_value_may_be_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("long-string.xlsx");
    // Within the part limit, but one text of 200 MiB.
    let strings = bomb(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>"#,
        b'a',
        200 << 20,
        "</t></si></sst>",
    );
    base_xlsx(&f, "", strings);
    validate(&f).refused(&["longer than 4 MiB"]);
}

#[test]
fn xlsx_sheet_with_a_huge_inline_cell_is_refused_by_the_scanner() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("inline-bomb.xlsx");
    let head = format!(
        r#"{SHEET_HEAD}{}<row r="9"><c r="A9" t="inlineStr"><is><t>"#,
        base_rows().concat()
    );
    let sheet = bomb(
        &head,
        b'a',
        200 << 20,
        &format!("</t></is></c></row>{SHEET_TAIL}"),
    );
    xlsx(&f, sheet, no_strings());
    validate(&f).refused(&["longer than 16 MiB"]);
}

#[test]
fn xlsx_sheet_read_by_calamine_with_a_huge_text_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("fallback-bomb.xlsx");
    // A comment makes the scanner hand the sheet to calamine from its first cell.
    let head = format!(
        r#"{SHEET_HEAD}<!-- made by hand -->{}<row r="9"><c r="A9" t="inlineStr"><is><t>"#,
        base_rows().concat()
    );
    let sheet = bomb(
        &head,
        b'a',
        300 << 20,
        &format!("</t></is></c></row>{SHEET_TAIL}"),
    );
    xlsx(&f, sheet, no_strings());
    validate(&f).refused(&["sheet1.xml", "longer than 4 MiB"]);
}

#[test]
fn xlsx_bad_shared_string_index_is_an_error_not_the_first_string() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["-1", "4294967296"] {
        let f = dir.path().join(format!("index{bad}.xlsx"));
        xlsx(
            &f,
            text(format!(
                "{SHEET_HEAD}{}<row r=\"9\"><c r=\"A9\" t=\"s\"><v>{bad}</v></c></row>{SHEET_TAIL}",
                base_rows().concat()
            )),
            text(
                r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>2026-11-0101</t></si></sst>"#,
            ),
        );
        validate(&f).refused(&["shared string", bad]);
    }
}

#[test]
fn xlsx_nul_in_a_cell_is_refused_with_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("nul.xlsx");
    let rows = base_rows();
    let sheet = format!(
        "{SHEET_HEAD}{}{SHEET_TAIL}",
        rows.concat().replacen("<t>Ola</t>", "<t>O_x0000_la</t>", 1)
    );
    xlsx(&f, text(sheet), no_strings());
    validate(&f).refused(&["row 2", "column G", "NUL"]);
}

#[test]
fn xlsx_row_beyond_excel_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("far-row.xlsx");
    base_xlsx(
        &f,
        r#"<row r="4294967297"><c r="A4294967297" t="inlineStr"><is><t>x</t></is></c></row><row r="1048577"><c r="A1048577" t="inlineStr"><is><t>x</t></is></c></row>"#,
        no_strings(),
    );
    validate(&f).refused(&["row 4,294,967,297", "1,048,576 rows"]);
    let f = dir.path().join("next-row.xlsx");
    base_xlsx(
        &f,
        r#"<row r="1048577"><c r="A1048577" t="inlineStr"><is><t>x</t></is></c></row>"#,
        no_strings(),
    );
    validate(&f).refused(&["row 1,048,577", "1,048,576 rows"]);
}

#[test]
fn xlsx_duplicate_zip_entries_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("dup.xlsx");
    let sheet = format!("{SHEET_HEAD}{}{SHEET_TAIL}", base_rows().concat());
    zip_of(
        &f,
        vec![
            ("[Content_Types].xml", text(CONTENT_TYPES)),
            ("_rels/.rels", text(RELS)),
            ("xl/workbook.xml", text(WORKBOOK)),
            ("xl/_rels/workbook.xml.rels", text(WORKBOOK_RELS)),
            ("xl/worksheets/sheet1.xml", text(sheet)),
            (
                "xl/worksheets/sheetX.xml",
                text(format!("{SHEET_HEAD}{SHEET_TAIL}")),
            ),
            ("xl/sharedStrings.xml", no_strings()),
        ],
    );
    // Rename the second sheet part to the first one's name, in the local header and
    // the central directory alike (names are stored as they are).
    let mut bytes = std::fs::read(&f).unwrap();
    let (from, to) = (b"xl/worksheets/sheetX.xml", b"xl/worksheets/sheet1.xml");
    let mut i = 0;
    while let Some(at) = bytes[i..].windows(from.len()).position(|w| w == from) {
        bytes[i + at..i + at + to.len()].copy_from_slice(to);
        i += at + 1;
    }
    std::fs::write(&f, bytes).unwrap();
    validate(&f).refused(&["two parts named 'xl/worksheets/sheet1.xml'"]);
}

/// An ODS with month-subset.ods's content, `rows` spliced in before the end of its
/// table.
fn ods_with(path: &Path, rows: &str) {
    let mut src =
        zip::ZipArchive::new(std::fs::File::open(data("valid/month-subset.ods")).unwrap()).unwrap();
    let mut parts: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..src.len() {
        let mut e = src.by_index(i).unwrap();
        let mut body = Vec::new();
        e.read_to_end(&mut body).unwrap();
        let name = e.name().unwrap().to_string();
        if name == "content.xml" {
            let s = String::from_utf8(body).unwrap();
            body = s
                .replacen("</table:table>", &format!("{rows}</table:table>"), 1)
                .into_bytes();
        }
        parts.push((name, body));
    }
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, body) in parts {
        let method = if name == "mimetype" {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        zip.start_file(
            name,
            SimpleFileOptions::default().compression_method(method),
        )
        .unwrap();
        zip.write_all(&body).unwrap();
    }
    zip.finish().unwrap();
}

#[test]
fn ods_repeat_bomb_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("repeat.ods");
    ods_with(
        &f,
        r#"<table:table-row table:number-rows-repeated="1048000"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="90"><text:p>1</text:p></table:table-cell></table:table-row>"#,
    );
    assert!(std::fs::metadata(&f).unwrap().len() < 64 << 10);
    validate(&f).refused(&["cells", "2,500,000"]);
}

#[test]
fn ods_with_trailing_empty_repeated_rows_reads_as_before() {
    // What LibreOffice writes after the data: empty rows to the end of the sheet.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("libreoffice.ods");
    ods_with(
        &f,
        r#"<table:table-row table:number-rows-repeated="1048550"><table:table-cell table:number-columns-repeated="1024"/></table:table-row><table:table-row><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#,
    );
    let plain = validate(&data("valid/month-subset.ods"));
    let o = validate(&f);
    assert_eq!(o.code, plain.code, "{}{}", o.stdout, o.stderr);
    assert_eq!(o.code, Some(0), "{}{}", o.stdout, o.stderr);
}

/// month-subset.xls with the directory's FAT entry pointing back to the directory.
fn xls_with_loop(path: &Path) {
    let mut b = std::fs::read(data("valid/month-subset.xls")).unwrap();
    let u32_at = |b: &[u8], i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
    let size = 1usize << u16::from_le_bytes([b[30], b[31]]);
    let dir_start = u32_at(&b, 48) as usize;
    let first_fat = u32_at(&b, 76) as usize;
    assert!(
        dir_start < size / 4,
        "directory within the first FAT sector"
    );
    let at = (first_fat + 1) * size + 4 * dir_start;
    b[at..at + 4].copy_from_slice(&(dir_start as u32).to_le_bytes());
    std::fs::write(path, b).unwrap();
}

#[test]
fn xls_sector_loop_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("loop.xls");
    xls_with_loop(&f);
    validate(&f).refused(&["loop", "save it again"]);
}

#[test]
fn xls_random_mutations_never_abort() {
    // Four random bytes changed, many times: refused or read, never a crash.
    let original = std::fs::read(data("valid/month-subset.xls")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for n in 0..40 {
        let mut b = original.clone();
        for _ in 0..4 {
            let i = (next() % b.len() as u64) as usize;
            b[i] = next() as u8;
        }
        let f = dir.path().join(format!("m{n}.xls"));
        std::fs::write(&f, &b).unwrap();
        let o = run(
            &["validate", f.to_str().unwrap(), "--quiet"],
            Duration::from_secs(60),
        );
        assert!(
            matches!(o.code, Some(0..=3)) && o.rss_mb < MAX_RSS_MB,
            "mutant {n}: exit {:?} signal {:?}, {} MB: {}",
            o.code,
            o.signal,
            o.rss_mb,
            o.stderr
        );
    }
}

#[test]
fn csv_of_one_enormous_line_is_refused_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("one-line.csv");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&f).unwrap());
    for _ in 0..(8 << 20) {
        w.write_all(b"a,").unwrap();
    }
    w.write_all(b"a\n").unwrap();
    drop(w);
    let o = validate(&f);
    o.refused(&["header row", "1 MiB"]);
    assert!(o.secs < 20.0, "took {} s", o.secs);
}

#[test]
fn csv_header_with_too_many_columns_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("wide.csv");
    let header: Vec<String> = (0..5000).map(|i| format!("c{i}")).collect();
    let row = vec!["1"; 5000].join(",");
    std::fs::write(&f, format!("{}\n{row}\n", header.join(","))).unwrap();
    validate(&f).refused(&["5,000 columns", "1,000 columns"]);
}

#[test]
fn csv_row_longer_than_the_limit_is_refused_with_its_row() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("long-row.csv");
    let mut body = std::fs::read(data("valid/base.csv")).unwrap();
    body.extend(std::iter::repeat_n(b'x', 40 << 20));
    body.extend_from_slice(b",1\n");
    std::fs::write(&f, body).unwrap();
    let o = validate(&f);
    o.refused(&["row 9", "longer than 1 MiB"]);
    assert!(o.secs < 20.0, "took {} s", o.secs);
}

#[test]
fn fifo_input_is_refused_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("pipe.csv");
    let c = std::ffi::CString::new(f.to_str().unwrap()).unwrap();
    // SAFETY: a valid C string path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let o = run(
        &["validate", f.to_str().unwrap(), "--quiet"],
        Duration::from_secs(10),
    );
    o.refused(&["a pipe (FIFO), not a regular file"]);
    assert_eq!(o.code, Some(3));
}

#[test]
fn device_input_is_refused() {
    let o = validate(Path::new("/dev/zero"));
    o.refused(&["a device, not a regular file"]);
    assert_eq!(o.code, Some(3));
}

#[test]
fn mapping_from_an_endless_device_is_refused() {
    let o = run(
        &[
            "validate",
            data("valid/base.csv").to_str().unwrap(),
            "--mapping",
            "/dev/zero",
            "--quiet",
        ],
        Duration::from_secs(20),
    );
    o.refused(&["mapping", "a device, not a file"]);
    assert_eq!(o.code, Some(3));
}

#[test]
fn mapping_file_larger_than_the_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("big.toml");
    let mut text = String::from("[columns]\n");
    while text.len() < 2 << 20 {
        text.push_str("# padding padding padding padding padding padding\n");
    }
    std::fs::write(&f, text).unwrap();
    let o = run(
        &[
            "validate",
            data("valid/base.csv").to_str().unwrap(),
            "--mapping",
            f.to_str().unwrap(),
            "--quiet",
        ],
        Duration::from_secs(20),
    );
    o.refused(&["larger than 1 MiB"]);
}

#[test]
fn sheet_option_on_a_csv_is_refused() {
    let o = run(
        &[
            "validate",
            data("valid/base.csv").to_str().unwrap(),
            "--sheet",
            "Invoices",
            "--quiet",
        ],
        Duration::from_secs(20),
    );
    o.refused(&["--sheet Invoices", "a CSV file has no sheets"]);
    assert_eq!(o.code, Some(3));
}
