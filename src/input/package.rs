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

use super::limits::{
    Capped, MAX_LOADED_CELLS, MAX_PART, MAX_SHEET_PART, MAX_SHEET_ROWS, MAX_XML_RUN,
    MAX_ZIP_ENTRIES, bytes, count, longest_run, refused,
};
use super::{Format, InputError};
use quick_xml::events::{BytesStart, Event};
use std::collections::HashSet;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use zip::ZipArchive;

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
    let ambiguous = |name: &str| {
        super::excel::damaged(
            path,
            format!("it holds two parts named '{name}', and which one is read would be a guess"),
        )
    };
    if zip.has_duplicate_names() {
        // The zip crate keeps the last of each name; find which one for the message.
        let name = duplicate_raw_name(path).unwrap_or_else(|| "?".to_string());
        return Err(ambiguous(&name));
    }
    let mut seen = HashSet::with_capacity(zip.len());
    let mut whole_xml = Vec::new();
    for i in 0..zip.len() {
        let Ok(entry) = zip.by_index_raw(i) else {
            return Ok(());
        };
        let Ok(name) = entry.name().map(|n| n.into_owned()) else {
            return Ok(());
        };
        let lower = name.replace('\\', "/").to_ascii_lowercase();
        if !seen.insert(lower.clone()) {
            return Err(ambiguous(&name));
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
        let xml = lower.ends_with(".xml") || lower.ends_with(".rels");
        if xml && (!sheet || format == Format::Ods) {
            whole_xml.push((i, name, limit));
        }
    }
    for (i, name, limit) in whole_xml {
        let Ok(entry) = zip.by_index(i) else {
            return Ok(());
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
            Err(_) => return Ok(()),
        }
    }
    if format == Format::Ods {
        let Ok(entry) = zip.by_name("content.xml") else {
            return Ok(());
        };
        let cells = ods_cells(BufReader::new(Capped::new(entry, MAX_SHEET_PART)));
        match cells {
            Some(Expanded { cells, rows }) => {
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
            }
            None => return Ok(()),
        }
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
            return Err(super::excel::damaged(
                path,
                bad_shared_string(&bad, strings),
            ));
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

/// What calamine would expand an ODS document's tables to.
#[derive(Debug, PartialEq, Eq)]
struct Expanded {
    cells: u64,
    /// The most rows of one table, repeats included.
    rows: u64,
}

fn attr_number(e: &BytesStart<'_>, name: &str) -> u64 {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| a.value.trim().parse().ok())
        .unwrap_or(1)
}

fn has_attr(e: &BytesStart<'_>, name: &str) -> bool {
    e.attributes()
        .with_checks(false)
        .flatten()
        .any(|a| a.key.as_ref() == name)
}

/// The cells calamine would hold for the tables of `content.xml`, read as a stream:
/// for each table, from its first to its last row that has a value (repeats included,
/// empty rows between counted, trailing empty ones not: LibreOffice writes those to the
/// end of the sheet), times its widest row up to its last cell with a value. `None`
/// when the XML cannot be read (calamine will then say what is wrong).
fn ods_cells(src: impl std::io::BufRead) -> Option<Expanded> {
    let mut xml = quick_xml::Reader::from_reader(src);
    xml.config_mut().check_end_names = false;
    let mut buf = Vec::new();
    let (mut total, mut most_rows) = (0u64, 0u64);
    // Per table: rows spanned so far, empty rows pending, widest row.
    let (mut span, mut pending, mut width) = (0u64, 0u64, 0u64);
    let mut seen_value = false;
    // Per row.
    let (mut in_row, mut row_repeat, mut col, mut row_width) = (false, 1u64, 0u64, 0u64);
    // A cell that is open (Start) and whether it has a value so far.
    let mut cell: Option<(u64, bool)> = None;
    let finish_table = |span: u64, width: u64, total: &mut u64, most: &mut u64| {
        *total = total.saturating_add(span.saturating_mul(width));
        *most = (*most).max(span);
    };
    loop {
        buf.clear();
        let (event, empty) = match xml.read_event_into(&mut buf).ok()? {
            Event::Start(e) => (e.into_owned(), false),
            Event::Empty(e) => (e.into_owned(), true),
            Event::End(e) => {
                match e.name().as_ref() {
                    "table:table-cell" | "table:covered-table-cell" => {
                        if let Some((repeat, valued)) = cell.take() {
                            col = col.saturating_add(repeat);
                            if valued {
                                row_width = col;
                            }
                        }
                    }
                    "table:table-row" if in_row => {
                        in_row = false;
                        // calamine caps a row at 16,384 columns.
                        let w = row_width.min(16_384);
                        if w > 0 {
                            span = span.saturating_add(pending).saturating_add(row_repeat);
                            pending = 0;
                            width = width.max(w);
                            seen_value = true;
                        } else if seen_value {
                            pending = pending.saturating_add(row_repeat);
                        }
                    }
                    "table:table" => {
                        finish_table(span, width, &mut total, &mut most_rows);
                        (span, pending, width, seen_value) = (0, 0, 0, false);
                    }
                    _ => {}
                }
                continue;
            }
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                if let Some((_, valued)) = &mut cell {
                    *valued = true;
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        match event.name().as_ref() {
            "table:table-row" => {
                in_row = !empty;
                row_repeat = attr_number(&event, "table:number-rows-repeated");
                (col, row_width) = (0, 0);
                if empty && seen_value {
                    pending = pending.saturating_add(row_repeat);
                }
            }
            "table:table-cell" | "table:covered-table-cell" => {
                let repeat = attr_number(&event, "table:number-columns-repeated");
                let valued =
                    has_attr(&event, "office:value-type") || has_attr(&event, "table:formula");
                if empty {
                    col = col.saturating_add(repeat);
                    if valued {
                        row_width = col;
                    }
                } else {
                    cell = Some((repeat, valued));
                }
            }
            _ => {
                // Any element inside a cell (a paragraph) may carry its text.
                if let Some((_, valued)) = &mut cell
                    && !empty
                {
                    *valued = true;
                }
            }
        }
    }
    Some(Expanded {
        cells: total,
        rows: most_rows,
    })
}

const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const DIFSECT: u32 = 0xFFFF_FFFC;
const RESERVED: u32 = 0xFFFF_FFFA;

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// A compound file read for its structure.
struct Cfb<'a> {
    data: &'a [u8],
    size: usize,
}

/// Why a compound file is refused.
struct Damaged(String);

impl Cfb<'_> {
    fn sector(&self, id: u32) -> Option<&[u8]> {
        let start = (id as usize).checked_add(1)?.checked_mul(self.size)?;
        let end = start.checked_add(self.size)?;
        self.data.get(start..end.min(self.data.len()))
    }

    /// Walks a chain of `table` from `start` (the FAT or the mini-FAT), as calamine
    /// follows it, until its end or until `len` bytes of sectors of `unit` bytes: every
    /// link must stay inside the table and no sector may come twice (a loop).
    fn walk(table: &[u32], start: u32, unit: usize, len: u64, what: &str) -> Result<(), Damaged> {
        let mut seen = vec![false; table.len()];
        let (mut id, mut got) = (start, 0u64);
        while id != ENDOFCHAIN && got < len {
            if id >= RESERVED {
                // calamine stops with an error there; nothing grows.
                return Ok(());
            }
            let slot = seen.get_mut(id as usize).ok_or_else(|| {
                Damaged(format!(
                    "the {what} points to sector {id}, outside the file"
                ))
            })?;
            if *slot {
                return Err(Damaged(format!(
                    "the {what} comes back to sector {id} (a loop)"
                )));
            }
            *slot = true;
            got += unit as u64;
            id = table[id as usize];
        }
        Ok(())
    }
}

fn check_cfb(path: &Path) -> Result<(), InputError> {
    let data = std::fs::read(path).map_err(|source| InputError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    match cfb_structure(&data) {
        Ok(()) => Ok(()),
        Err(Damaged(why)) => Err(super::excel::damaged(
            path,
            format!("its compound-file structure is damaged: {why}"),
        )),
    }
}

fn cfb_structure(data: &[u8]) -> Result<(), Damaged> {
    if data.len() < 512 || !data.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return Ok(());
    }
    let size = match u16::from_le_bytes([data[30], data[31]]) {
        9 => 512,
        12 => 4096,
        _ => return Ok(()),
    };
    let sectors = data.len() / size;
    let cfb = Cfb { data, size };
    // The DIFAT: 109 entries in the header, then a chain whose sectors end with the
    // next one's id.
    let mut difat: Vec<u32> = (0..109).map(|i| u32_at(data, 76 + 4 * i)).collect();
    let mut id = u32_at(data, 68);
    let mut seen = HashSet::new();
    while id < RESERVED {
        if !seen.insert(id) || seen.len() > sectors + 1 {
            return Err(Damaged(format!(
                "the DIFAT chain comes back to sector {id}"
            )));
        }
        let Some(s) = cfb.sector(id) else {
            return Ok(());
        };
        difat.extend((0..s.len() / 4).map(|i| u32_at(s, 4 * i)));
        match difat.pop() {
            Some(next) => id = next,
            None => return Ok(()),
        }
    }
    let fat_sectors: Vec<u32> = difat.into_iter().filter(|&id| id < DIFSECT).collect();
    if fat_sectors.len() > sectors + 1 {
        return Err(Damaged(format!(
            "it lists {} FAT sectors in a file of {} sectors",
            fat_sectors.len(),
            sectors
        )));
    }
    let mut fat = Vec::new();
    for id in fat_sectors {
        let Some(s) = cfb.sector(id) else {
            return Ok(());
        };
        fat.extend((0..s.len() / 4).map(|i| u32_at(s, 4 * i)));
    }
    // The directory, read to its end.
    let dir_start = u32_at(data, 48);
    Cfb::walk(&fat, dir_start, size, u64::MAX, "directory chain")?;
    let mut dir = Vec::new();
    let mut id = dir_start;
    while id < RESERVED {
        let Some(s) = cfb.sector(id) else { break };
        dir.extend_from_slice(s);
        id = fat.get(id as usize).copied().unwrap_or(ENDOFCHAIN);
    }
    let entries: Vec<(u32, u64)> = dir
        .chunks_exact(128)
        .map(|e| {
            let len = if size == 512 {
                u64::from(u32_at(e, 120))
            } else {
                u64::from(u32_at(e, 120)) | (u64::from(u32_at(e, 124)) << 32)
            };
            (u32_at(e, 116), len)
        })
        .collect();
    let Some(&(root_start, root_len)) = entries.first() else {
        return Ok(());
    };
    let mini_fat_len = u64::from(u32_at(data, 64));
    let mut mini_fat = Vec::new();
    if mini_fat_len > 0 {
        Cfb::walk(&fat, root_start, size, root_len, "mini-stream chain")?;
        let start = u32_at(data, 60);
        let len = mini_fat_len.saturating_mul(size as u64);
        Cfb::walk(&fat, start, size, len, "mini-FAT chain")?;
        let mut id = start;
        while id < RESERVED && (mini_fat.len() * 4) < len as usize {
            let Some(s) = cfb.sector(id) else { break };
            mini_fat.extend((0..s.len() / 4).map(|i| u32_at(s, 4 * i)));
            id = fat.get(id as usize).copied().unwrap_or(ENDOFCHAIN);
        }
    }
    for (i, &(start, len)) in entries.iter().enumerate().skip(1) {
        if len == 0 {
            continue;
        }
        if len < 4096 {
            Cfb::walk(&mini_fat, start, 64, len, &format!("stream {i} (mini)"))?;
        } else {
            Cfb::walk(&fat, start, size, len, &format!("stream {i}"))?;
        }
    }
    // The workbook stream (large ones only; a small one cannot declare much), read
    // along its checked chain, for the sheets' extents.
    let names: Vec<String> = dir
        .chunks_exact(128)
        .map(|e| {
            let units: Vec<u16> = e[..64]
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .take_while(|&u| u != 0)
                .collect();
            String::from_utf16_lossy(&units)
        })
        .collect();
    let book = names
        .iter()
        .position(|n| n.eq_ignore_ascii_case("Workbook"))
        .or_else(|| names.iter().position(|n| n.eq_ignore_ascii_case("Book")));
    if let Some(&(start, len)) = book.and_then(|i| entries.get(i))
        && len >= 4096
    {
        let mut stream = Vec::new();
        let mut id = start;
        while id < RESERVED && (stream.len() as u64) < len {
            let Some(s) = cfb.sector(id) else { break };
            stream.extend_from_slice(s);
            id = fat.get(id as usize).copied().unwrap_or(ENDOFCHAIN);
        }
        stream.truncate(usize::try_from(len).unwrap_or(usize::MAX));
        biff_extents(&stream)?;
    }
    Ok(())
}

/// The cells calamine would allocate for each sheet of a BIFF workbook stream: it
/// makes a dense range from the lowest to the highest row and column of the sheet's
/// cell records, so one cell record at row 65,000, column 16,000 costs a billion cells.
fn biff_extents(stream: &[u8]) -> Result<(), Damaged> {
    const BOF: u16 = 0x0809;
    const EOF: u16 = 0x000A;
    const DIMENSIONS: u16 = 0x0200;
    let cell_records = [
        0x0006u16, 0x00BD, 0x00BE, 0x00D6, 0x00FD, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E,
    ];
    let mut at = 0;
    let mut extent: Option<(u32, u32, u32, u32)> = None;
    let check = |e: Option<(u32, u32, u32, u32)>| -> Result<(), Damaged> {
        if let Some((r0, r1, c0, c1)) = e {
            let cells = u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1);
            if cells > MAX_LOADED_CELLS {
                return Err(Damaged(format!(
                    "a sheet spans {} cells (rows {} to {}, columns {} to {}), over the limit of {} for an .xls file, which is read whole",
                    count(cells),
                    r0 + 1,
                    r1 + 1,
                    c0 + 1,
                    c1 + 1,
                    count(MAX_LOADED_CELLS)
                )));
            }
        }
        Ok(())
    };
    while at + 4 <= stream.len() {
        let kind = u16::from_le_bytes([stream[at], stream[at + 1]]);
        let len = usize::from(u16::from_le_bytes([stream[at + 2], stream[at + 3]]));
        let body = &stream[at + 4..(at + 4 + len).min(stream.len())];
        at += 4 + len;
        if kind == BOF || kind == EOF {
            check(extent.take())?;
            continue;
        }
        if kind == DIMENSIONS {
            dimensions(body)?;
            continue;
        }
        if cell_records.contains(&kind) && body.len() >= 4 {
            let row = u32::from(u16::from_le_bytes([body[0], body[1]]));
            let col = u32::from(u16::from_le_bytes([body[2], body[3]]));
            // MULRK and MULBLANK end with their last column.
            let last = if matches!(kind, 0x00BD | 0x00BE) && body.len() >= 6 {
                let n = body.len();
                u32::from(u16::from_le_bytes([body[n - 2], body[n - 1]]))
            } else {
                col
            };
            let (lo, hi) = (col.min(last), col.max(last));
            extent = Some(match extent {
                None => (row, row, lo, hi),
                Some((r0, r1, c0, c1)) => (r0.min(row), r1.max(row), c0.min(lo), c1.max(hi)),
            });
        }
    }
    check(extent)
}

/// A DIMENSIONS record, read as calamine 0.38 reads it (`xls.rs`, `parse_dimensions`):
/// calamine reserves room for rows x columns cells from it before reading any cell, so
/// a damaged record (rows 0 to 4 billion) asked for 845 GB. Its arithmetic wraps in a
/// release build, and so does this mirror of it.
fn dimensions(r: &[u8]) -> Result<(), Damaged> {
    let u16_at = |i: usize| u32::from(u16::from_le_bytes([r[i], r[i + 1]]));
    let u32_at = |i: usize| u32::from_le_bytes([r[i], r[i + 1], r[i + 2], r[i + 3]]);
    let (rf, rl, mut cf, cl) = match r.len() {
        10 => (u16_at(0), u16_at(2), u16_at(4), u16_at(6)),
        14 | 16 => (u32_at(0), u32_at(4), u16_at(8), u16_at(10)),
        // calamine refuses other lengths itself.
        _ => return Ok(()),
    };
    if 0xFF < cf || cl < cf {
        cf = 0;
    }
    let (start, end) = if 1 <= rl && 1 <= cl {
        ((rf, cf), (rl - 1, cl - 1))
    } else {
        ((rf, cf), (rf, cf))
    };
    let rows = u64::from(end.0.wrapping_sub(start.0).wrapping_add(1));
    let cols = u64::from(end.1.wrapping_sub(start.1).wrapping_add(1));
    let cells = rows.saturating_mul(cols);
    if cells > MAX_LOADED_CELLS {
        return Err(Damaged(format!(
            "a sheet declares {} cells ({} rows by {} columns), over the limit of {} for an .xls file, which is read whole",
            count(cells),
            count(rows),
            count(cols),
            count(MAX_LOADED_CELLS)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dimensions_record_that_claims_billions_of_cells_is_refused() {
        let mut r = Vec::new();
        r.extend_from_slice(&0u32.to_le_bytes());
        r.extend_from_slice(&u32::MAX.to_le_bytes());
        r.extend_from_slice(&0u16.to_le_bytes());
        r.extend_from_slice(&200u16.to_le_bytes());
        r.extend_from_slice(&[0, 0]);
        assert!(dimensions(&r).is_err());
        // A backwards range wraps in calamine exactly as here.
        let mut back = Vec::new();
        back.extend_from_slice(&10u32.to_le_bytes());
        back.extend_from_slice(&5u32.to_le_bytes());
        back.extend_from_slice(&0u16.to_le_bytes());
        back.extend_from_slice(&3u16.to_le_bytes());
        back.extend_from_slice(&[0, 0]);
        assert!(dimensions(&back).is_err());
        let mut fine = Vec::new();
        fine.extend_from_slice(&0u32.to_le_bytes());
        fine.extend_from_slice(&61u32.to_le_bytes());
        fine.extend_from_slice(&0u16.to_le_bytes());
        fine.extend_from_slice(&28u16.to_le_bytes());
        fine.extend_from_slice(&[0, 0]);
        assert!(dimensions(&fine).is_ok());
    }

    fn cells(xml: &str) -> Option<Expanded> {
        ods_cells(xml.as_bytes())
    }

    const ROW: &str = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>a</text:p></table:table-cell><table:table-cell table:number-columns-repeated="1023"/></table:table-row>"#;

    #[test]
    fn trailing_empty_rows_are_not_counted() {
        let xml = format!(
            r#"<t><table:table>{ROW}{ROW}<table:table-row table:number-rows-repeated="1048574"><table:table-cell table:number-columns-repeated="1024"/></table:table-row></table:table></t>"#
        );
        assert_eq!(cells(&xml), Some(Expanded { cells: 2, rows: 2 }));
    }

    #[test]
    fn repeated_rows_with_values_are() {
        let xml = r#"<t><table:table><table:table-row table:number-rows-repeated="1048000"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="100"/></table:table-row></table:table></t>"#;
        assert_eq!(
            cells(xml),
            Some(Expanded {
                cells: 104_800_000,
                rows: 1_048_000
            })
        );
        // Empty rows between rows with values are expanded too.
        let xml = format!(
            r#"<t><table:table>{ROW}<table:table-row table:number-rows-repeated="1000000"><table:table-cell/></table:table-row>{ROW}</table:table></t>"#
        );
        assert_eq!(
            cells(&xml),
            Some(Expanded {
                cells: 1_000_002,
                rows: 1_000_002
            })
        );
    }

    #[test]
    fn cfb_loops_are_found() {
        // A header, one FAT sector (sector 0) and a directory (sector 1) whose chain
        // points back to itself.
        let mut f = vec![0u8; 512 * 3];
        f[..8].copy_from_slice(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
        f[30] = 9;
        f[32] = 6;
        f[48..52].copy_from_slice(&1u32.to_le_bytes());
        f[68..72].copy_from_slice(&ENDOFCHAIN.to_le_bytes());
        f[76..80].copy_from_slice(&0u32.to_le_bytes());
        for i in 1..109 {
            f[76 + 4 * i..80 + 4 * i].copy_from_slice(&u32::MAX.to_le_bytes());
        }
        let fat = 512;
        f[fat..fat + 4].copy_from_slice(&0xFFFF_FFFDu32.to_le_bytes());
        f[fat + 4..fat + 8].copy_from_slice(&1u32.to_le_bytes());
        assert!(matches!(cfb_structure(&f), Err(Damaged(w)) if w.contains("loop")));
        f[fat + 4..fat + 8].copy_from_slice(&ENDOFCHAIN.to_le_bytes());
        assert!(cfb_structure(&f).is_ok());
    }
}
