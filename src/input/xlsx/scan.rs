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

use super::styles::NumberKind;
use super::text::{Declined, raw_attr, read_string_item, unescape_excel, xml_reader};
use crate::input::limits::{MAX_SHEET_ROWS, MAX_XML_RUN};
use calamine::{CellErrorType, DataRef, ExcelDateTime, ExcelDateTimeType};
use quick_xml::events::Event;
use std::io::Read;

/// What the cell values need from the rest of the workbook.
pub struct Workbook {
    pub strings: Vec<String>,
    pub styles: Vec<NumberKind>,
    pub is_1904: bool,
}

/// A sheet's declared range, zero-based (first row, first column), (last row, last
/// column), as calamine reports it.
pub type Range = ((u32, u32), (u32, u32));

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

enum Stop {
    /// The buffer ends inside the element: read more and try again.
    More,
    Declined,
    /// The sheet is refused: reading on, with calamine or otherwise, would be wrong or
    /// unbounded. Says why.
    Refused(String),
}

impl From<Declined> for Stop {
    fn from(_: Declined) -> Self {
        Stop::Declined
    }
}

type Step<T> = Result<T, Stop>;

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

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn skip_space(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    i
}

/// Whether `s[i..]` starts with the tag name `name` (`<row`, `</c`...) followed by a
/// character that ends a name; `More` when the buffer ends too soon to tell.
fn at_tag(s: &[u8], i: usize, name: &[u8]) -> Step<bool> {
    let rest = &s[i..];
    if rest.len() <= name.len() {
        return if name.starts_with(rest) {
            Err(Stop::More)
        } else {
            Ok(false)
        };
    }
    Ok(rest.starts_with(name)
        && matches!(rest[name.len()], b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/'))
}

/// An element's attributes, from just after its name: returns each `(key, value)`
/// through `f`, then whether the tag closes itself and the index after it.
fn attributes<'s>(
    s: &'s [u8],
    mut i: usize,
    mut f: impl FnMut(&'s [u8], &'s [u8]) -> Step<()>,
) -> Step<(bool, usize)> {
    loop {
        i = skip_space(s, i);
        match s.get(i) {
            None => return Err(Stop::More),
            Some(b'>') => return Ok((false, i + 1)),
            Some(b'/') => {
                return match s.get(i + 1) {
                    None => Err(Stop::More),
                    Some(b'>') => Ok((true, i + 2)),
                    Some(_) => Err(Stop::Declined),
                };
            }
            Some(_) => {}
        }
        let key_start = i;
        while i < s.len()
            && (s[i].is_ascii_alphanumeric() || matches!(s[i], b':' | b'_' | b'-' | b'.'))
        {
            i += 1;
        }
        let key = &s[key_start..i];
        match s.get(i) {
            None => return Err(Stop::More),
            Some(b'=') if !key.is_empty() => {}
            Some(_) => return Err(Stop::Declined),
        }
        let quote = match s.get(i + 1) {
            None => return Err(Stop::More),
            Some(&q @ (b'"' | b'\'')) => q,
            Some(_) => return Err(Stop::Declined),
        };
        let value_start = i + 2;
        let Some(len) = s.get(value_start..).and_then(|v| memchr::memchr(quote, v)) else {
            return Err(Stop::More);
        };
        let value = &s[value_start..value_start + len];
        if value.contains(&b'<') {
            return Err(Stop::Declined);
        }
        f(key, value)?;
        i = value_start + len + 1;
    }
}

/// The index just after the end tag `</name>` that closes the element whose content
/// starts at `from`; the content must hold no markup (`<`).
fn content_end(s: &[u8], from: usize, name: &[u8]) -> Step<(usize, usize)> {
    let Some(lt) = memchr::memchr(b'<', &s[from..]) else {
        return Err(Stop::More);
    };
    let lt = from + lt;
    let rest = &s[lt..];
    if rest.len() < 2 + name.len() + 1 {
        return if [b"</".as_slice(), name].concat().starts_with(rest) {
            Err(Stop::More)
        } else {
            Err(Stop::Declined)
        };
    }
    if !(rest[1] == b'/' && rest[2..].starts_with(name)) {
        return Err(Stop::Declined);
    }
    Ok((lt, end_tag(s, lt + 2 + name.len())?))
}

/// The index after the `>` that ends an end tag whose name ends at `from`.
fn end_tag(s: &[u8], from: usize) -> Step<usize> {
    let after = skip_space(s, from);
    match s.get(after) {
        None => Err(Stop::More),
        Some(b'>') => Ok(after + 1),
        Some(_) => Err(Stop::Declined),
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

/// `A1:R100` (or a single cell) as zero-based corners.
fn dimension(text: &[u8]) -> Option<Range> {
    let mut parts = text.split(|&b| b == b':');
    let first = cell_ref(parts.next()?)?;
    let last = match parts.next() {
        Some(p) => cell_ref(p)?,
        None => first,
    };
    if parts.next().is_some() || last.0 < first.0 || last.1 < first.1 {
        return None;
    }
    Some((first, last))
}

/// A cell reference (`B12`, letters in either case) as zero-based (row, column).
fn cell_ref(text: &[u8]) -> Option<(u32, u32)> {
    match reference(text)? {
        (row, Some(col)) => Some((row, col)),
        (_, None) => None,
    }
}

/// A reference's zero-based row and, when it has letters, column: what calamine
/// accepts (letters, then a row number from 1), within Excel's limits.
fn reference(text: &[u8]) -> Option<(u32, Option<u32>)> {
    let letters = text.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let digits = &text[letters..];
    if letters > 3 || digits.is_empty() || digits.len() > 9 {
        return None;
    }
    let col = text[..letters].iter().fold(0u32, |col, &b| {
        col * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1
    });
    let row = digits.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })?;
    Some((row.checked_sub(1)?, col.checked_sub(1)))
}

/// The row of a reference (`A1048577`, `1048577`) when it is beyond Excel's last row:
/// calamine would read on with a row number that overflows or wraps, so such a sheet is
/// refused rather than declined.
fn far_row(text: &[u8]) -> Option<u64> {
    let letters = text.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let digits = &text[letters..];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = digits.iter().fold(0u64, |acc, &b| {
        acc.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    });
    (n > MAX_SHEET_ROWS).then_some(n)
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

/// A small decimal number made of digits only (style and string indexes).
fn index(text: &[u8]) -> Option<usize> {
    if text.is_empty() || text.len() > 9 {
        return None;
    }
    text.iter().try_fold(0usize, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + usize::from(b - b'0'))
    })
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
    let (empty, mut i) = attributes(s, from, |k, v| {
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
    let mut value = DataRef::Empty;
    if !empty {
        loop {
            i = skip_space(s, i);
            if i == s.len() {
                return Err(Stop::More);
            }
            if s[i] != b'<' {
                return Err(Stop::Declined);
            }
            if at_tag(s, i, b"</c")? {
                i = end_tag(s, i + 3)?;
                break;
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
                let (closed, start) = attributes(s, i + 3, |_, _| Ok(()))?;
                if closed {
                    value = DataRef::String(String::new());
                    i = start;
                } else if let Some((text, after)) = plain_inline(s, start)? {
                    value = DataRef::String(text);
                    i = after;
                } else {
                    let close = memchr::memmem::find(&s[start..], b"</is").ok_or(Stop::More)?;
                    let after = end_tag(s, start + close + 4)?;
                    // The element whole, start tag included, so that the XML
                    // parser sees its end tag matched.
                    let mut xml = xml_reader(&s[i..after]);
                    let mut buf = Vec::new();
                    match xml.read_event_into(&mut buf).map_err(Declined::from)? {
                        Event::Start(_) => {}
                        _ => return Err(Stop::Declined),
                    }
                    value = DataRef::String(read_string_item(
                        &mut xml,
                        "is",
                        &mut buf,
                        &mut Vec::new(),
                    )?);
                    i = after;
                }
            } else {
                return Err(Stop::Declined);
            }
        }
    }
    Ok((Item::Cell((at, value)), i))
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
mod tests {
    use super::*;

    type Shown = ((u32, u32), String);

    fn workbook() -> Workbook {
        Workbook {
            strings: vec!["a".into(), "b & c".into()],
            styles: vec![NumberKind::Plain, NumberKind::DateTime],
            is_1904: false,
        }
    }

    /// All cells of a sheet part, read through a reader that hands over `step` bytes
    /// at a time (so that every element is cut at every place once).
    fn cells(xml: &str, step: usize) -> Result<Vec<Shown>, Declined> {
        struct Trickle<'a>(&'a [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                let n = self.1.min(self.0.len()).min(out.len());
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let wb = workbook();
        let mut reader = SheetCells::new(Trickle(xml.as_bytes(), step), &wb, "sheet.xml")?;
        let mut out = Vec::new();
        while let Some((at, v)) = reader.next_cell()? {
            out.push((at, format!("{v:?}")));
        }
        Ok(out)
    }

    const SHEET: &str = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet><dimension ref="A1:D3"/><sheetData>
<row r="1" spans="1:4" x14ac:dyDescent="0.25"><c r="A1" t="s"><v>1</v></c><c r='B1' s="1"><v>45627</v></c><c r="C1"/><c r="D1" t="inlineStr"><is><t> x </t></is></c></row>
<row r="2"><c r="A2"><f>B2*2</f><v>299.9</v></c><c r="B2" t="str"><f>"q"</f><v>q_x000D_</v></c><c r="C2" t="b"><v>1</v></c><c r="D2" t="e"><v>#N/A</v></c></row>
<row r="3"/></sheetData><pageMargins left="0.7"/></worksheet>"#;

    #[test]
    fn reads_the_usual_pattern_whatever_the_buffer_boundaries() {
        let whole = cells(SHEET, 1 << 20).unwrap();
        assert_eq!(whole.len(), 8);
        assert_eq!(whole[0], ((0, 0), r#"SharedString("b & c")"#.to_string()));
        assert!(whole[1].1.starts_with("DateTime("));
        assert_eq!(whole[2].1, "Empty");
        assert_eq!(whole[3].1, r#"String("x")"#);
        assert_eq!(whole[4], ((1, 0), "Float(299.9)".to_string()));
        assert_eq!(whole[5].1, "String(\"q\\r\")");
        assert_eq!(whole[6].1, "Bool(true)");
        assert_eq!(whole[7].1, "Error(NA)");
        for step in [1, 2, 3, 7, 64] {
            assert_eq!(cells(SHEET, step).unwrap(), whole, "step {step}");
        }
        let wb = workbook();
        let reader = SheetCells::new(SHEET.as_bytes(), &wb, "sheet.xml").unwrap();
        assert_eq!(reader.range(), ((0, 0), (2, 3)));
    }

    #[test]
    fn declines_what_it_does_not_know() {
        let wrap = |cells: &str| {
            format!("<worksheet><sheetData><row r=\"1\">{cells}</row></sheetData></worksheet>")
        };
        for odd in [
            "<c t=\"s\"><v>0</v></c>",
            "<c r=\"A1\"><v>1&#48;</v></c>",
            "<c r=\"A1\" t=\"s\"><v>9</v></c>",
            "<c r=\"A1\" t=\"zz\"><v>1</v></c>",
            "<c r=\"A1\"><foo/></c>",
            "<!-- note --><c r=\"A1\"/>",
            "<x:c r=\"A1\"/>",
            "<c r=\"A0\"/>",
            "<c r=\"1A\"/>",
            "<c r=\"A1\" r=\"A2\"/>",
            "<c r=\"A1\"><v>1</v>",
        ] {
            assert!(cells(&wrap(odd), 1 << 20).is_err(), "{odd}");
        }
        assert!(cells("<worksheet><x:sheetData>", 1 << 20).is_err());
        assert!(cells("<worksheet><!-- <sheetData> --></worksheet>", 1 << 20).is_err());
    }

    #[test]
    fn plain_inline_strings_and_the_shapes_left_to_the_parser() {
        let read = |xml: &str| match plain_inline(xml.as_bytes(), 0) {
            Ok(Some((text, end))) => Some((text, end == xml.len())),
            _ => None,
        };
        assert_eq!(read("<t> x </t></is>"), Some(("x".into(), true)));
        assert_eq!(
            read(r#" <t xml:space="preserve"> x_x000D_ </t> </is >"#),
            Some((" x\r ".into(), true))
        );
        assert_eq!(read("<t/></is>"), Some((String::new(), true)));
        for other in [
            "<r><t>a</t></r></is>",
            "<t>a &amp; b</t></is>",
            "<t>a\r\nb</t></is>",
            "<t><![CDATA[a]]></t></is>",
            "<t>a</t><rPh><t>b</t></rPh></is>",
            "<t xml:space=\"preserve\" xml:space=\"default\">a</t></is>",
        ] {
            assert_eq!(read(other), None, "{other}");
        }
        assert!(matches!(plain_inline(b"<t>abc", 0), Err(Stop::More)));
    }

    #[test]
    fn cell_references() {
        assert_eq!(cell_ref(b"A1"), Some((0, 0)));
        assert_eq!(cell_ref(b"r100001"), Some((100_000, 17)));
        assert_eq!(cell_ref(b"XFD1048576"), Some((1_048_575, 16_383)));
        assert_eq!(cell_ref(b"A"), None);
        assert_eq!(cell_ref(b"1"), None);
        assert_eq!(dimension(b"B2:A1"), None);
        assert_eq!(dimension(b"A1"), Some(((0, 0), (0, 0))));
    }
}
