//! Structural checks of a spreadsheet file before calamine (or the XLSX scanner) opens
//! it, so that no parser is handed a file that would make it allocate without bound.
//!
//! Why here and not in the parsers: calamine trusts what a file declares. It reads an
//! XLSX's shared strings whole at open, loads an ODS with its repeated rows expanded,
//! and follows an `.xls` compound file's sector chains wherever they lead (a chain that
//! loops grows until the process aborts). These checks read only the structure (zip
//! directory, a streamed pass over the small XML parts, the compound file's sector
//! tables), cost little next to the parse, and refuse with the limit named.
//!
//! - XLSX, ODS: at most [`MAX_ZIP_ENTRIES`] parts, no two with the same name (ignoring
//!   case: which one a reader takes is then a guess), every part's declared size within
//!   [`MAX_SHEET_PART`] (sheets, ODS content) or [`MAX_PART`] (the rest). The zip crate
//!   then fails a part that inflates past its declared size, so the declared size bounds
//!   what is inflated; the XML parts read whole are also read once here, counting, to
//!   find a text or tag over [`MAX_XML_RUN`] (what an XML parser buffers at once).
//! - ODS: the repeated rows and columns of `content.xml` are added up as calamine would
//!   expand them; more than [`MAX_LOADED_CELLS`] is refused.
//! - XLS: the compound file's DIFAT, FAT, directory, mini-FAT and stream chains are
//!   walked: no sector twice, none outside the file, no more FAT sectors than the file
//!   has.

use super::error::InputError;
use super::limits::{
    Capped, MAX_LOADED_CELLS, MAX_PART, MAX_SHEET_PART, MAX_SHEET_ROWS, MAX_XML_RUN,
    MAX_ZIP_ENTRIES, bytes, count, longest_run, refused,
};
use super::source::Format;
use quick_xml::events::Event;
use std::collections::HashSet;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use zip::ZipArchive;

mod cfb;
mod ods;

use cfb::check_cfb;
use ods::{Expanded, ods_cells};

/// Checks a spreadsheet's structure; `Ok` also when the file is too damaged to tell
/// (the parser then says what is wrong with it).
pub fn check(path: &Path, format: Format) -> Result<(), InputError> {
    match format {
        Format::Xlsx | Format::Ods => check_zip(path, format),
        Format::Xls => check_cfb(path),
        Format::Csv => Ok(()),
    }
}

/// Whether a part is a worksheet (streamed, so it may be large).
fn is_sheet(lower: &str, format: Format) -> bool {
    match format {
        Format::Ods => lower == "content.xml",
        _ => lower.contains("worksheets/") && !lower.contains("/_rels/"),
    }
}

/// A spreadsheet the reader cannot read, saying why.
pub fn spreadsheet_error(path: &Path, e: impl std::fmt::Display) -> InputError {
    InputError::Spreadsheet {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// A spreadsheet refused as damaged, saying why.
pub fn damaged(path: &Path, why: impl std::fmt::Display) -> InputError {
    spreadsheet_error(path, why)
}

/// A step of the zip checks: `Ok(None)` when the package is too damaged to go on (the
/// parser will say so), `Err` when it is refused.
type Step<T> = Result<Option<T>, InputError>;

fn check_zip(path: &Path, format: Format) -> Result<(), InputError> {
    let Ok(file) = File::open(path) else {
        return Ok(());
    };
    let Ok(mut zip) = ZipArchive::new(BufReader::new(file)) else {
        return Ok(());
    };
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(refused(
            path,
            format!("the package has {} parts", count(zip.len() as u64)),
            format!("{} parts", count(MAX_ZIP_ENTRIES as u64)),
        ));
    }
    if zip.has_duplicate_names() {
        // The zip crate keeps the last of each name; find which one for the message.
        let name = duplicate_raw_name(path).unwrap_or_else(|| "?".to_string());
        return Err(ambiguous(path, &name));
    }
    let Some(whole_xml) = part_sizes(path, &mut zip, format)? else {
        return Ok(());
    };
    if xml_runs(path, &mut zip, whole_xml)?.is_none() {
        return Ok(());
    }
    if format == Format::Ods {
        return ods_limits(path, &mut zip);
    }
    Ok(())
}

/// The refusal of a package with two parts of one name.
fn ambiguous(path: &Path, name: &str) -> InputError {
    damaged(
        path,
        format!("it holds two parts named '{name}', and which one is read would be a guess"),
    )
}

/// Every part's name (unique, ignoring case) and declared size; returns the XML parts
/// read whole (index, name, size limit), whose texts and tags are checked next.
fn part_sizes<R: std::io::Read + std::io::Seek>(
    path: &Path,
    zip: &mut ZipArchive<R>,
    format: Format,
) -> Step<Vec<(usize, String, u64)>> {
    let mut seen = HashSet::with_capacity(zip.len());
    let mut whole_xml = Vec::new();
    for i in 0..zip.len() {
        let Ok(entry) = zip.by_index_raw(i) else {
            return Ok(None);
        };
        let Ok(name) = entry.name().map(|n| n.into_owned()) else {
            return Ok(None);
        };
        let lower = name.replace('\\', "/").to_ascii_lowercase();
        if !seen.insert(lower.clone()) {
            return Err(ambiguous(path, &name));
        }
        let sheet = is_sheet(&lower, format);
        let limit = if sheet { MAX_SHEET_PART } else { MAX_PART };
        if entry.size() > limit {
            return Err(refused(
                path,
                format!("part '{name}' inflates to {} bytes", count(entry.size())),
                format!("{} for one part", bytes(limit)),
            ));
        }
        #[allow(
            clippy::case_sensitive_file_extension_comparisons,
            reason = "`lower` is the lowercased name"
        )]
        let xml = lower.ends_with(".xml") || lower.ends_with(".rels");
        if xml && (!sheet || format == Format::Ods) {
            whole_xml.push((i, name, limit));
        }
    }
    Ok(Some(whole_xml))
}

/// No text or tag of the parts read whole longer than [`MAX_XML_RUN`], and no part
/// inflating past its declared size.
fn xml_runs<R: std::io::Read + std::io::Seek>(
    path: &Path,
    zip: &mut ZipArchive<R>,
    parts: Vec<(usize, String, u64)>,
) -> Step<()> {
    for (i, name, limit) in parts {
        let Ok(entry) = zip.by_index(i) else {
            return Ok(None);
        };
        match longest_run(Capped::new(entry, limit), MAX_XML_RUN) {
            Ok(Some(_)) => {}
            Ok(None) => {
                return Err(refused(
                    path,
                    format!(
                        "part '{name}' holds a text or tag longer than {}",
                        bytes(MAX_XML_RUN)
                    ),
                    format!("{} for one value", bytes(MAX_XML_RUN)),
                ));
            }
            Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => {
                return Err(refused(
                    path,
                    format!("part '{name}' inflates to more than it declares"),
                    format!("{} for one part", bytes(limit)),
                ));
            }
            // Damaged: the parser will say so.
            Err(_) => return Ok(None),
        }
    }
    Ok(Some(()))
}

/// An ODS file's rows and cells, repeats expanded as calamine would, within limits.
fn ods_limits<R: std::io::Read + std::io::Seek>(
    path: &Path,
    zip: &mut ZipArchive<R>,
) -> Result<(), InputError> {
    let Ok(entry) = zip.by_name("content.xml") else {
        return Ok(());
    };
    let Some(Expanded { cells, rows }) =
        ods_cells(BufReader::new(Capped::new(entry, MAX_SHEET_PART)))
    else {
        return Ok(());
    };
    if rows > MAX_SHEET_ROWS {
        return Err(refused(
            path,
            format!("its sheets repeat rows up to row {}", count(rows)),
            format!("{} rows", count(MAX_SHEET_ROWS)),
        ));
    }
    if cells > MAX_LOADED_CELLS {
        return Err(refused(
            path,
            format!(
                "its sheets expand (repeated rows and columns included) to {} cells",
                count(cells)
            ),
            format!(
                "{} cells for an ODS file, which is read whole; save it as .xlsx or CSV",
                count(MAX_LOADED_CELLS)
            ),
        ));
    }
    Ok(())
}

/// Why a cell's shared-string index is refused (both readers say it alike).
pub fn bad_shared_string(text: &str, strings: usize) -> String {
    format!(
        "a text cell refers to shared string '{}', which the workbook does not have ({} strings)",
        super::limits::shorten(text),
        count(strings as u64)
    )
}

/// Why a part with a text or tag over [`MAX_XML_RUN`] is refused.
pub fn run_too_long(part: &str) -> String {
    format!(
        "part '{part}' holds a text or tag longer than {}",
        bytes(MAX_XML_RUN)
    )
}

/// Before calamine reads a sheet of an XLSX (the scanner could not): the sheet's part
/// (`part`, or every worksheet part when it is not known) must hold no text or tag
/// longer than [`MAX_XML_RUN`], which calamine's XML parser would buffer whole, and
/// every text cell's shared-string index must be one the table has (calamine reads an
/// index it cannot parse, `-1` or one beyond `u64`, as the first string).
pub fn check_sheet_parts(path: &Path, part: Option<&str>) -> Result<(), InputError> {
    let Ok(file) = File::open(path) else {
        return Ok(());
    };
    let Ok(mut zip) = ZipArchive::new(BufReader::new(file)) else {
        return Ok(());
    };
    let names: Vec<String> = zip
        .file_names()
        .flatten()
        .filter(|n| match part {
            Some(p) => n.as_ref() == p,
            None => is_sheet(&n.replace('\\', "/").to_ascii_lowercase(), Format::Xlsx),
        })
        .map(|n| n.into_owned())
        .collect();
    let strings = shared_string_count(&mut zip);
    for name in names {
        let Ok(entry) = zip.by_name(&name) else {
            continue;
        };
        match longest_run(Capped::new(entry, MAX_SHEET_PART), MAX_XML_RUN) {
            Ok(None) => {
                return Err(refused(
                    path,
                    run_too_long(&name),
                    format!("{} for one value", bytes(MAX_XML_RUN)),
                ));
            }
            Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => {
                return Err(refused(
                    path,
                    format!("part '{name}' inflates to more than it declares"),
                    format!("{} for one part", bytes(MAX_SHEET_PART)),
                ));
            }
            _ => {}
        }
        let Some(strings) = strings else { continue };
        let Ok(entry) = zip.by_name(&name) else {
            continue;
        };
        if let Some(bad) = bad_string_index(BufReader::new(entry), strings) {
            return Err(damaged(path, bad_shared_string(&bad, strings)));
        }
    }
    Ok(())
}

/// How many items the shared-string table has (`Some(0)` without one), as calamine
/// counts them; `None` when it cannot be read (calamine then fails on it).
fn shared_string_count<R: std::io::Read + std::io::Seek>(zip: &mut ZipArchive<R>) -> Option<usize> {
    let name = zip
        .file_names()
        .flatten()
        .find(|n| {
            n.replace('\\', "/")
                .to_ascii_lowercase()
                .ends_with("sharedstrings.xml")
        })
        .map(|n| n.into_owned());
    let Some(name) = name else { return Some(0) };
    let entry = zip.by_name(&name).ok()?;
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(entry));
    let mut buf = Vec::new();
    let mut n = 0;
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf).ok()? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "si" => n += 1,
            Event::Eof => return Some(n),
            _ => {}
        }
    }
}

/// The first `<v>` of a `t="s"` cell that is not an index below `strings`.
fn bad_string_index(src: impl std::io::BufRead, strings: usize) -> Option<String> {
    let mut xml = quick_xml::Reader::from_reader(src);
    xml.config_mut().check_end_names = false;
    let mut buf = Vec::new();
    let (mut shared, mut in_v) = (false, false);
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf).ok()? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "c" => {
                shared = e
                    .attributes()
                    .with_checks(false)
                    .flatten()
                    .any(|a| a.key.as_ref() == "t" && a.value.as_ref() == "s");
            }
            Event::Start(e) if e.local_name().as_ref() == "v" => in_v = shared,
            Event::End(e) if e.local_name().as_ref() == "v" => in_v = false,
            Event::Text(t) if in_v => {
                let text = t.as_ref().to_string();
                if !text.is_empty()
                    && text
                        .parse::<usize>()
                        .ok()
                        .filter(|&i| i < strings && text.bytes().all(|b| b.is_ascii_digit()))
                        .is_none()
                {
                    return Some(text);
                }
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// A name the zip's central directory holds twice, read from the directory itself.
fn duplicate_raw_name(path: &Path) -> Option<String> {
    let data = std::fs::read(path).ok()?;
    let mut seen = HashSet::new();
    let mut at = 0;
    while let Some(i) = memchr::memmem::find(&data[at..], b"PK\x01\x02") {
        let h = at + i;
        let field = |o: usize| -> Option<usize> {
            Some(u16::from_le_bytes(data.get(h + o..h + o + 2)?.try_into().ok()?) as usize)
        };
        let len = field(28)?;
        let name = data.get(h + 46..h + 46 + len)?;
        let name = String::from_utf8_lossy(name).into_owned();
        if !seen.insert(name.clone()) {
            return Some(name);
        }
        at = h + 4;
    }
    None
}
