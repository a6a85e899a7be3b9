//! A fast reader for XLSX sheets, with calamine as its reference and its fallback.
//!
//! calamine reads a sheet through a general XML parser; for a month's export (100,000
//! lines, 60 MB of sheet XML) that parsing is nearly all of the dry run's time. This
//! reader finds the sheet and reads the shared strings and number styles the way
//! calamine does ([`package`], [`styles`], [`text`]), then scans the cells straight from
//! the decompressed bytes ([`scan`]) and produces calamine's own values.
//!
//! It only reads what it recognizes. When the workbook's parts do not read the way it
//! expects, it does not start ([`FastSheet::open`] gives `None`); when a cell does not
//! fit the pattern, it stops, and the caller reads on with calamine from that very cell
//! (`excel.rs`). Either way the rows are those calamine would give, which
//! `tests/xlsx_reader.rs` checks on a corpus of unusual workbooks.

mod lex;
mod package;
mod refs;
mod scan;
mod styles;
mod text;

pub use refs::Range;
pub use scan::{Cell, MAX_ELEMENT_MIB, SheetCells};
pub use text::Declined;

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use zip::ZipArchive;

/// One sheet of an XLSX package, ready to be scanned (as often as needed).
pub struct FastSheet {
    zip: ZipArchive<BufReader<File>>,
    entry: String,
    workbook: scan::Workbook,
}

/// The zip entry the scanner reads from.
pub type Entry<'a> = zip::read::ZipFile<'a, BufReader<File>>;

impl FastSheet {
    /// Prepares `sheet` of the workbook at `path`, which calamine has opened and found
    /// to have the sheets `names` (in order) and the date system `is_1904`. `None` when
    /// anything reads differently than calamine read it: then calamine does the work.
    pub fn open(path: &Path, sheet: &str, names: &[String], is_1904: bool) -> Option<FastSheet> {
        let file = File::open(path).ok()?;
        let mut zip = ZipArchive::new(BufReader::new(file)).ok()?;
        let parts = package::PartNames::new(&zip);
        let (dir, workbook_name) = package::workbook_location(&mut zip, &parts).ok()?;
        let sheets = package::sheets(&mut zip, &parts, &dir, &workbook_name).ok()?;
        if sheets.len() != names.len() || sheets.iter().zip(names).any(|((n, _), m)| n != m) {
            return None;
        }
        let (_, part) = sheets.iter().find(|(n, _)| n == sheet)?;
        let entry = parts.entry(part).to_string();
        let strings = package::shared_strings(&mut zip, &parts, &dir).ok()?;
        let styles = match package::open_part(&mut zip, &parts, &format!("{dir}styles.xml")).ok()? {
            Some(part) => styles::read_styles(part).ok()?,
            None => Vec::new(),
        };
        zip.by_name(&entry).ok()?;
        Some(FastSheet {
            zip,
            entry,
            workbook: scan::Workbook {
                strings,
                styles,
                is_1904,
            },
        })
    }

    /// The sheet's part in the package.
    pub fn entry(&self) -> &str {
        &self.entry
    }

    /// A scan of the sheet's cells from the start; `None` when its beginning already
    /// does not read the usual way.
    pub fn cells(&mut self) -> Option<SheetCells<'_, Entry<'_>>> {
        let FastSheet {
            zip,
            entry,
            workbook,
        } = self;
        let file = zip.by_name(entry).ok()?;
        SheetCells::new(file, workbook, entry).ok()
    }
}
