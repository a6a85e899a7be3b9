//! Hostile input files (issue #13): an ODS repeat bomb, a looping XLS sector chain,
//! random XLS mutants, one enormous CSV line, FIFOs and devices, oversized mapping files.
//! Each must be refused with a message naming the limit, quickly, with bounded memory,
//! and never by an abort or a signal. The big files are generated here into a temporary
//! folder, not committed; the binary runs as a child whose peak memory is read from
//! `wait4` (`common::hostile`). Hostile XLSX files: `hostile_xlsx.rs`.

#![cfg(unix)]

mod common;

use common::hostile::{MAX_RSS_MB, data, run, validate};
use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;
use zip::write::SimpleFileOptions;

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
