//! The sheet's cells, scanned straight from the decompressed XML.
//!
//! A general XML parser spends most of a large sheet's reading time on events the
//! reader throws away (every `<c>`, `<v>`, text and end tag is one). Sheets as Excel and
//! the usual libraries write them follow a narrow pattern:
//! `<row ...><c r="B2" s="1" t="s"><v>7</v></c>...</row>`, so this module reads that
//! pattern directly from the bytes and hands back calamine's own cell values
//! ([`DataRef`]). Whatever falls outside the pattern (comments, namespace prefixes,
//! cells without a position, entities in numbers, unknown elements, a truncated part)
//! makes it stop with [`Declined`]; the caller then carries on with calamine from the
//! same cell, so the unusual file is read exactly as before and nothing is guessed.

use super::lex::{Step, Stop, at_tag, attributes, content_end, end_tag, skip_space};
use super::refs::{Range, cell_ref, dimension, far_row, index, reference};
use super::styles::NumberKind;
use super::text::{Declined, raw_attr, read_string_item, unescape_excel, xml_reader};
use crate::input::limits::MAX_XML_RUN;
use calamine::{CellErrorType, DataRef, ExcelDateTime, ExcelDateTimeType};
use quick_xml::events::Event;
use std::io::Read;

/// What the cell values need from the rest of the workbook.
pub struct Workbook {
    pub strings: Vec<String>,
    pub styles: Vec<NumberKind>,
    pub is_1904: bool,
}

/// A cell: its zero-based (row, column) and its value.
pub type Cell<'w> = ((u32, u32), DataRef<'w>);

/// The most the scanner buffers for one element (a cell with a huge inline string);
/// a longer one is refused (see [`crate::input::limits`]), not handed to calamine,
/// which would buffer it whole.
const MAX_ELEMENT: usize = MAX_ELEMENT_MIB << 20;
pub const MAX_ELEMENT_MIB: usize = 16;
const READ_SIZE: usize = 256 << 10;
/// The most read of a sheet before its `<sheetData>` (column widths, views...).
const MAX_PRELUDE: usize = 4 << 20;

enum Item<'w> {
    Cell(Cell<'w>),
    /// A row tag or whitespace: nothing for the caller.
    Nothing,
    End,
}

/// The cells of one sheet in document order.
pub struct SheetCells<'w, R> {
    src: R,
    workbook: &'w Workbook,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
    range: Range,
    done: bool,
    /// How far `buf` is known to be UTF-8 (the XML parser refuses a part that is not).
    checked: usize,
    /// Why the sheet is refused, when it is: the scanner then declines, and the caller
    /// must not hand the sheet to calamine.
    refusal: Option<(bool, String)>,
    /// The part's name, for messages.
    part: String,
}

impl<'w, R: Read> SheetCells<'w, R> {
    /// Reads the sheet up to its `<sheetData>`.
    pub fn new(src: R, workbook: &'w Workbook, part: &str) -> Result<Self, Declined> {
        let mut cells = SheetCells {
            src,
            workbook,
            buf: vec![0; READ_SIZE * 2],
            pos: 0,
            end: 0,
            eof: false,
            range: ((0, 0), (0, 0)),
            done: false,
            checked: 0,
            refusal: None,
            part: part.to_string(),
        };
        loop {
            match prelude(&cells.buf[..cells.end], cells.eof) {
                Ok((range, used, empty)) => {
                    if let Some(range) = range {
                        cells.range = range;
                    }
                    cells.pos = used;
                    cells.done = empty;
                    return Ok(cells);
                }
                Err(Stop::More) if !cells.eof && cells.end < MAX_PRELUDE => cells.fill()?,
                Err(_) => return Err(Declined),
            }
        }
    }

    pub fn range(&self) -> Range {
        self.range
    }

    /// Why the sheet is refused, after [`SheetCells::next_cell`] declined because of it.
    /// `true` with it when a size limit was hit.
    pub fn refusal(&self) -> Option<(bool, String)> {
        self.refusal.clone()
    }

    /// The next cell, `None` at the end of the sheet data.
    pub fn next_cell(&mut self) -> Result<Option<Cell<'w>>, Declined> {
        while !self.done {
            match next_item(&self.buf[self.pos..self.end], self.workbook) {
                Ok((item, used)) => {
                    // calamine's reading refuses a text or tag over the limit: so does
                    // this one (only elements that long can hold one).
                    if used as u64 > MAX_XML_RUN
                        && crate::input::limits::longest_run(
                            &self.buf[self.pos..self.pos + used],
                            MAX_XML_RUN,
                        )
                        .ok()
                        .flatten()
                        .is_none()
                    {
                        self.refusal =
                            Some((true, crate::input::package::run_too_long(&self.part)));
                        return Err(Declined);
                    }
                    self.pos += used;
                    match item {
                        Item::Cell(cell) => return Ok(Some(cell)),
                        Item::Nothing => {}
                        Item::End => self.done = true,
                    }
                }
                Err(Stop::More) if !self.eof => self.fill()?,
                Err(Stop::Refused(why)) => {
                    self.refusal = Some((false, why));
                    return Err(Declined);
                }
                Err(_) => return Err(Declined),
            }
        }
        Ok(None)
    }

    /// Moves what is left to the front of the buffer and reads more after it.
    fn fill(&mut self) -> Result<(), Declined> {
        self.buf.copy_within(self.pos..self.end, 0);
        self.end -= self.pos;
        self.checked = self.checked.saturating_sub(self.pos);
        self.pos = 0;
        if self.buf.len() - self.end < READ_SIZE {
            if self.buf.len() >= MAX_ELEMENT {
                self.refusal = Some((
                    true,
                    format!("a cell or tag of the sheet is longer than {MAX_ELEMENT_MIB} MiB"),
                ));
                return Err(Declined);
            }
            self.buf.resize(self.buf.len() * 2, 0);
        }
        let want = self.buf.len();
        while self.end < want {
            match self.src.read(&mut self.buf[self.end..want]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => {
                    self.end += n;
                    if self.end - self.pos >= READ_SIZE {
                        break;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return Err(Declined),
            }
        }
        match std::str::from_utf8(&self.buf[self.checked..self.end]) {
            Ok(_) => self.checked = self.end,
            // A character cut by the end of what was read so far.
            Err(e) if e.error_len().is_none() && !self.eof => self.checked += e.valid_up_to(),
            Err(_) => return Err(Declined),
        }
        Ok(())
    }
}

/// Everything before the cells: the declared range (`<dimension ref>`, the last one
/// wins, as in calamine) and where the cells begin; `true` for an empty
/// `<sheetData/>`. Read by the XML parser itself, as calamine reads it, so that a
/// damaged beginning fails (with calamine's message) just as it did.
fn prelude(s: &[u8], eof: bool) -> Step<(Option<Range>, usize, bool)> {
    if s.starts_with(&[0xFE, 0xFF]) || s.starts_with(&[0xFF, 0xFE]) {
        return Err(Stop::Declined);
    }
    let cut = if eof { Stop::Declined } else { Stop::More };
    let mut xml = xml_reader(s);
    let mut buf = Vec::new();
    let mut range = None;
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Decl(decl)) => {
                if let Some(encoding) = decl.encoding() {
                    let encoding = encoding.map_err(|_| Stop::Declined)?;
                    if !encoding.eq_ignore_ascii_case("utf-8") {
                        return Err(Stop::Declined);
                    }
                }
            }
            Ok(Event::Start(e)) if e.local_name().as_ref() == "dimension" => {
                let reference = raw_attr(&e, "ref")?.ok_or(Stop::Declined)?;
                range = Some(dimension(reference.as_bytes()).ok_or(Stop::Declined)?);
            }
            Ok(Event::Start(e)) if e.local_name().as_ref() == "sheetData" => {
                // The scanner reads unprefixed SpreadsheetML only.
                if e.name().as_ref() != "sheetData" {
                    return Err(Stop::Declined);
                }
                let used = usize::try_from(xml.buffer_position()).map_err(|_| Stop::Declined)?;
                let empty = used >= 2 && s.get(used - 2) == Some(&b'/');
                return Ok((range, used, empty));
            }
            Ok(Event::Eof) | Err(_) => return Err(cut),
            Ok(_) => {}
        }
    }
}

fn far_row_refusal(n: u64) -> Stop {
    Stop::Refused(format!(
        "the sheet has a row {}, beyond the last row Excel has (1,048,576 rows)",
        if n == u64::MAX {
            "number too large to read".to_string()
        } else {
            crate::input::limits::count(n)
        }
    ))
}

/// The next row tag, cell or end of the sheet data in `s`, and the bytes it used.
fn next_item<'w>(s: &[u8], workbook: &'w Workbook) -> Step<(Item<'w>, usize)> {
    let i = skip_space(s, 0);
    if i == s.len() {
        return Err(Stop::More);
    }
    if s[i] != b'<' {
        return Err(Stop::Declined);
    }
    if at_tag(s, i, b"<c")? {
        return cell(s, i + 2, workbook);
    }
    if at_tag(s, i, b"</row")? {
        return Ok((Item::Nothing, end_tag(s, i + 5)?));
    }
    if at_tag(s, i, b"<row")? {
        let mut bad = false;
        let (_, used) = attributes(s, i + 4, |k, v| {
            // calamine reads the row number of `r`; one it cannot read stops it.
            if k == b"r" && !bad {
                if let Some(n) = far_row(v) {
                    return Err(far_row_refusal(n));
                }
                bad = reference(v).is_none();
            }
            Ok(())
        })?;
        return if bad {
            Err(Stop::Declined)
        } else {
            Ok((Item::Nothing, used))
        };
    }
    if at_tag(s, i, b"</sheetData")? {
        return Ok((Item::End, end_tag(s, i + 11)?));
    }
    Err(Stop::Declined)
}

/// One `<c>` element, from just after its name.
fn cell<'w>(s: &[u8], from: usize, workbook: &'w Workbook) -> Step<(Item<'w>, usize)> {
    let (mut at, mut style, mut kind) = (None, None, None);
    let mut repeated = false;
    let (empty, i) = attributes(s, from, |k, v| {
        let slot = match k {
            b"r" => &mut at,
            b"s" => &mut style,
            b"t" => &mut kind,
            _ => return Ok(()),
        };
        repeated |= slot.is_some();
        *slot = Some(v);
        Ok(())
    })?;
    if repeated {
        return Err(Stop::Declined);
    }
    let at = at.ok_or(Stop::Declined)?;
    if let Some(n) = far_row(at) {
        return Err(far_row_refusal(n));
    }
    let at = cell_ref(at).ok_or(Stop::Declined)?;
    if empty {
        return Ok((Item::Cell((at, DataRef::Empty)), i));
    }
    let (value, i) = cell_content(s, i, style, kind, workbook)?;
    Ok((Item::Cell((at, value)), i))
}

/// What stands between `<c ...>` and `</c>` (a value, a formula, whose cached value is
/// the `<v>`, an inline string), from `i`: the cell's value and where the cell ends.
#[inline]
fn cell_content<'w>(
    s: &[u8],
    mut i: usize,
    style: Option<&[u8]>,
    kind: Option<&[u8]>,
    workbook: &'w Workbook,
) -> Step<(DataRef<'w>, usize)> {
    let mut value = DataRef::Empty;
    loop {
        i = skip_space(s, i);
        if i == s.len() {
            return Err(Stop::More);
        }
        if s[i] != b'<' {
            return Err(Stop::Declined);
        }
        if at_tag(s, i, b"</c")? {
            return Ok((value, end_tag(s, i + 3)?));
        }
        if at_tag(s, i, b"<v")? {
            let (closed, start) = attributes(s, i + 2, |_, _| Ok(()))?;
            let (text, next) = if closed {
                (None, start)
            } else {
                let (lt, next) = content_end(s, start, b"v")?;
                (Some(&s[start..lt]), next)
            };
            value = cell_value(text, style, kind, workbook)?;
            i = next;
        } else if at_tag(s, i, b"<f")? {
            let (closed, start) = attributes(s, i + 2, |_, _| Ok(()))?;
            i = if closed {
                start
            } else {
                content_end(s, start, b"f")?.1
            };
            value = DataRef::Empty;
        } else if at_tag(s, i, b"<is")? {
            (value, i) = inline_string(s, i)?;
        } else {
            return Err(Stop::Declined);
        }
    }
}

/// An `<is>` element at `i`: its text (by the fast path when it is the usual plain
/// shape, else by the XML parser) and where it ends.
fn inline_string<'w>(s: &[u8], i: usize) -> Step<(DataRef<'w>, usize)> {
    let (closed, start) = attributes(s, i + 3, |_, _| Ok(()))?;
    if closed {
        return Ok((DataRef::String(String::new()), start));
    }
    if let Some((text, after)) = plain_inline(s, start)? {
        return Ok((DataRef::String(text), after));
    }
    let close = memchr::memmem::find(&s[start..], b"</is").ok_or(Stop::More)?;
    let after = end_tag(s, start + close + 4)?;
    // The element whole, start tag included, so that the XML parser sees its end tag
    // matched.
    let mut xml = xml_reader(&s[i..after]);
    let mut buf = Vec::new();
    match xml.read_event_into(&mut buf).map_err(Declined::from)? {
        Event::Start(_) => {}
        _ => return Err(Stop::Declined),
    }
    let text = read_string_item(&mut xml, "is", &mut buf, &mut Vec::new())?;
    Ok((DataRef::String(text), after))
}

/// The usual inline string, `<t>TEXT</t></is>` just after `<is>` with no markup,
/// entity or carriage return in TEXT, read without the XML parser by the same rules
/// ([`read_string_item`]: outer whitespace trimmed unless `xml:space="preserve"`, then
/// Excel's escapes): with where it ends. `None` for any other shape, which the XML
/// parser then reads.
fn plain_inline(s: &[u8], start: usize) -> Step<Option<(String, usize)>> {
    let t = skip_space(s, start);
    if t == s.len() {
        return Err(Stop::More);
    }
    if !at_tag(s, t, b"<t")? {
        return Ok(None);
    }
    let (mut spaces, mut preserve) = (0, false);
    let (closed, text_start) = attributes(s, t + 2, |k, v| {
        if k == b"xml:space" {
            spaces += 1;
            preserve = v == b"preserve";
        }
        Ok(())
    })?;
    let (text, after_t) = if closed {
        (&s[text_start..text_start], text_start)
    } else {
        let Some(lt) = memchr::memchr(b'<', &s[text_start..]) else {
            return Err(Stop::More);
        };
        let lt = text_start + lt;
        if !at_tag(s, lt, b"</t")? {
            return Ok(None);
        }
        (&s[text_start..lt], end_tag(s, lt + 3)?)
    };
    let close = skip_space(s, after_t);
    if close == s.len() {
        return Err(Stop::More);
    }
    if spaces > 1 || text.contains(&b'&') || text.contains(&b'\r') || !at_tag(s, close, b"</is")? {
        return Ok(None);
    }
    let end = end_tag(s, close + 4)?;
    let text = std::str::from_utf8(text).map_err(|_| Stop::Declined)?;
    let kept = if preserve {
        text
    } else {
        text.trim_matches([' ', '\t', '\r', '\n'])
    };
    Ok(Some((unescape_excel(kept).into_owned(), end)))
}

/// The value of a `<v>` (`None` for `<v/>`), given the cell's `s` and `t`.
fn cell_value<'w>(
    text: Option<&[u8]>,
    style: Option<&[u8]>,
    kind: Option<&[u8]>,
    workbook: &'w Workbook,
) -> Step<DataRef<'w>> {
    // Line ends would need the XML parser's normalizing, and entities in numbers, its
    // splitting of the text (calamine takes the part before the first one).
    let text = text.unwrap_or_default();
    let textual = matches!(kind, Some(b"str" | b"d"));
    if text.contains(&b'\r') || (!textual && text.contains(&b'&')) {
        return Err(Stop::Declined);
    }
    // For these types calamine takes the `<v>`'s first text; with none it is empty.
    if text.is_empty() && matches!(kind, None | Some(b"n" | b"s" | b"b" | b"e")) {
        return Ok(DataRef::Empty);
    }
    let as_str = || std::str::from_utf8(text).map_err(|_| Stop::Declined);
    Ok(match kind {
        Some(b"inlineStr" | b"is") => DataRef::Empty,
        // calamine reads an index it cannot parse (`-1`, one past `u32`) as 0, that is
        // as the first string: refused instead, as is one past the table.
        Some(b"s") => {
            let bad = || {
                Stop::Refused(crate::input::package::bad_shared_string(
                    &String::from_utf8_lossy(text),
                    workbook.strings.len(),
                ))
            };
            let i = index(text).ok_or_else(bad)?;
            DataRef::SharedString(workbook.strings.get(i).ok_or_else(bad)?)
        }
        Some(b"b") => match as_str()?.trim() {
            "" => DataRef::Empty,
            "0" => DataRef::Bool(false),
            "1" => DataRef::Bool(true),
            v if v.eq_ignore_ascii_case("false") => DataRef::Bool(false),
            v if v.eq_ignore_ascii_case("true") => DataRef::Bool(true),
            _ => return Err(Stop::Declined),
        },
        Some(b"e") => DataRef::Error(
            as_str()?
                .parse::<CellErrorType>()
                .map_err(|_| Stop::Declined)?,
        ),
        Some(b"d") => DataRef::DateTimeIso(entities(as_str()?)?.into_owned()),
        Some(b"str") => DataRef::String(unescape_excel(&entities(as_str()?)?).into_owned()),
        Some(b"n") | None => match fast_float2::parse::<f64, _>(text) {
            Ok(n) => number(n, style, workbook)?,
            Err(_) if kind.is_none() => DataRef::String(as_str()?.to_string()),
            Err(_) => return Err(Stop::Declined),
        },
        Some(_) => return Err(Stop::Declined),
    })
}

/// A number cell's value: a date or a duration when its style (`s`) shows one.
fn number<'w>(n: f64, style: Option<&[u8]>, workbook: &Workbook) -> Step<DataRef<'w>> {
    let kind = match style {
        None => NumberKind::Plain,
        Some(s) => {
            let id = index(s).ok_or(Stop::Declined)?;
            workbook
                .styles
                .get(id)
                .copied()
                .unwrap_or(NumberKind::Plain)
        }
    };
    let date = |kind| DataRef::DateTime(ExcelDateTime::new(n, kind, workbook.is_1904));
    Ok(match kind {
        NumberKind::Plain => DataRef::Float(n),
        NumberKind::DateTime => date(ExcelDateTimeType::DateTime),
        NumberKind::Duration => date(ExcelDateTimeType::TimeDelta),
    })
}

/// Text with its entities and character references replaced.
fn entities(text: &str) -> Step<std::borrow::Cow<'_, str>> {
    quick_xml::escape::unescape(text).map_err(|_| Stop::Declined)
}

#[cfg(test)]
mod tests;
