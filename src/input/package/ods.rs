//! How many cells calamine would hold for an ODS file's `content.xml`, which it loads
//! whole with repeated rows and columns expanded: counted here on a stream first, so
//! that a file that repeats an empty row a million times is refused, not loaded.

use quick_xml::events::{BytesStart, Event};

/// What calamine would expand an ODS document's tables to.
#[derive(Debug, PartialEq, Eq)]
pub struct Expanded {
    pub cells: u64,
    /// The most rows of one table, repeats included.
    pub rows: u64,
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

/// The count so far, as the stream of `content.xml` goes by.
#[derive(Default)]
struct Count {
    total: u64,
    most_rows: u64,
    // Per table: rows spanned so far, empty rows pending, widest row, and whether a row
    // with a value has been seen.
    span: u64,
    pending: u64,
    width: u64,
    seen_value: bool,
    // Per row: inside one, its repeat count, the current column, its width so far.
    in_row: bool,
    row_repeat: u64,
    col: u64,
    row_width: u64,
    /// A cell that is open (Start), its repeat count and whether it has a value so far.
    cell: Option<(u64, bool)>,
}

impl Count {
    /// An element ends.
    fn end(&mut self, name: &str) {
        match name {
            "table:table-cell" | "table:covered-table-cell" => {
                if let Some((repeat, valued)) = self.cell.take() {
                    self.col = self.col.saturating_add(repeat);
                    if valued {
                        self.row_width = self.col;
                    }
                }
            }
            "table:table-row" if self.in_row => {
                self.in_row = false;
                // calamine caps a row at 16,384 columns.
                let w = self.row_width.min(16_384);
                if w > 0 {
                    self.span = self
                        .span
                        .saturating_add(self.pending)
                        .saturating_add(self.row_repeat);
                    self.pending = 0;
                    self.width = self.width.max(w);
                    self.seen_value = true;
                } else if self.seen_value {
                    self.pending = self.pending.saturating_add(self.row_repeat);
                }
            }
            "table:table" => {
                self.total = self
                    .total
                    .saturating_add(self.span.saturating_mul(self.width));
                self.most_rows = self.most_rows.max(self.span);
                (self.span, self.pending, self.width, self.seen_value) = (0, 0, 0, false);
            }
            _ => {}
        }
    }

    /// An element starts (`empty`: and ends at once).
    fn start(&mut self, e: &BytesStart<'_>, empty: bool) {
        match e.name().as_ref() {
            "table:table-row" => {
                self.in_row = !empty;
                self.row_repeat = attr_number(e, "table:number-rows-repeated");
                (self.col, self.row_width) = (0, 0);
                if empty && self.seen_value {
                    self.pending = self.pending.saturating_add(self.row_repeat);
                }
            }
            "table:table-cell" | "table:covered-table-cell" => {
                let repeat = attr_number(e, "table:number-columns-repeated");
                let valued = has_attr(e, "office:value-type") || has_attr(e, "table:formula");
                if empty {
                    self.col = self.col.saturating_add(repeat);
                    if valued {
                        self.row_width = self.col;
                    }
                } else {
                    self.cell = Some((repeat, valued));
                }
            }
            _ => {
                // Any element inside a cell (a paragraph) may carry its text.
                if !empty {
                    self.text();
                }
            }
        }
    }

    /// Text (or an element that may hold it) inside an open cell gives it a value.
    fn text(&mut self) {
        if let Some((_, valued)) = &mut self.cell {
            *valued = true;
        }
    }
}

/// The cells calamine would hold for the tables of `content.xml`, read as a stream:
/// for each table, from its first to its last row that has a value (repeats included,
/// empty rows between counted, trailing empty ones not: LibreOffice writes those to the
/// end of the sheet), times its widest row up to its last cell with a value. `None`
/// when the XML cannot be read (calamine will then say what is wrong).
pub fn ods_cells(src: impl std::io::BufRead) -> Option<Expanded> {
    let mut xml = quick_xml::Reader::from_reader(src);
    xml.config_mut().check_end_names = false;
    let mut buf = Vec::new();
    let mut count = Count::default();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf).ok()? {
            Event::Start(e) => count.start(&e, false),
            Event::Empty(e) => count.start(&e, true),
            Event::End(e) => count.end(e.name().as_ref()),
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => count.text(),
            Event::Eof => break,
            _ => {}
        }
    }
    Some(Expanded {
        cells: count.total,
        rows: count.most_rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
