//! Text as SpreadsheetML stores it: string items (`<si>` in the shared-string table,
//! `<is>` in a cell) and Excel's own `_xHHHH_` escapes.
//!
//! These follow calamine's reading exactly (the same XML parser, quick-xml, with the
//! same settings, and the same rules for runs, phonetic text and whitespace), because
//! the fast sheet reader must hand the validator the very values calamine would: the
//! differential test in `tests/xlsx_reader.rs` holds the two side by side.

use quick_xml::Reader;
use quick_xml::events::{BytesRef, Event};
use std::borrow::Cow;
use std::io::BufRead;

/// Why a part could not be read the fast way. The caller falls back to calamine, which
/// either reads it or says what is wrong with it.
#[derive(Debug)]
pub struct Declined;

impl From<quick_xml::Error> for Declined {
    fn from(_: quick_xml::Error) -> Self {
        Declined
    }
}

impl From<quick_xml::events::attributes::AttrError> for Declined {
    fn from(_: quick_xml::events::attributes::AttrError) -> Self {
        Declined
    }
}

/// A quick-xml reader set up as calamine sets up its own.
pub fn xml_reader<R: BufRead>(inner: R) -> Reader<R> {
    let mut reader = Reader::from_reader(inner);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    reader
}

/// The value of attribute `name` (exact name, first occurrence), raw (not unescaped).
pub fn raw_attr<'a>(
    start: &'a quick_xml::events::BytesStart<'_>,
    name: &str,
) -> Result<Option<Cow<'a, str>>, Declined> {
    for attr in start.attributes().with_checks(false) {
        let attr = attr?;
        if attr.key.as_ref() == name {
            return Ok(Some(attr.value));
        }
    }
    Ok(None)
}

/// Appends the character an entity or character reference stands for.
fn push_entity(entity: &BytesRef<'_>, out: &mut String) -> Result<(), Declined> {
    if let Some(text) = quick_xml::escape::resolve_xml_entity(entity) {
        out.push_str(text);
        return Ok(());
    }
    match entity.resolve_char_ref()? {
        Some(c) => {
            out.push(c);
            Ok(())
        }
        None => Err(Declined),
    }
}

/// Reads a string item up to the end tag named `closing` (the reader stands just after
/// its start tag): the text of every `<t>` that is not phonetic (`<rPh>`), runs joined,
/// or `""` when it has none.
pub fn read_string_item<R: BufRead>(
    xml: &mut Reader<R>,
    closing: &str,
    buf: &mut Vec<u8>,
    text_buf: &mut Vec<u8>,
) -> Result<String, Declined> {
    let mut out = String::new();
    let mut phonetic = false;
    loop {
        buf.clear();
        match xml.read_event_into(buf)? {
            Event::End(e) if e.name().as_ref() == closing => return Ok(out),
            Event::Start(e) if e.local_name().as_ref() == "rPh" => phonetic = true,
            Event::End(e) if e.local_name().as_ref() == "rPh" => phonetic = false,
            Event::Start(e) if e.local_name().as_ref() == "t" && !phonetic => {
                let preserve = raw_attr(&e, "xml:space")?.is_some_and(|v| v == "preserve");
                let name = e.name().as_ref().to_string();
                let mut value = String::new();
                loop {
                    text_buf.clear();
                    match xml.read_event_into(text_buf)? {
                        Event::Text(t) => value.push_str(&t.xml10_content()),
                        Event::CData(t) => value.push_str(&t.xml10_content()),
                        Event::GeneralRef(r) => push_entity(&r, &mut value)?,
                        Event::End(end) if end.name().as_ref() == name => break,
                        Event::Eof => return Err(Declined),
                        _ => {}
                    }
                }
                let kept = if preserve {
                    value.as_str()
                } else {
                    value.trim_matches([' ', '\t', '\r', '\n'])
                };
                out.push_str(&unescape_excel(kept));
            }
            Event::Eof => return Err(Declined),
            _ => {}
        }
    }
}

/// Decodes Excel's `_xHHHH_` escapes (a UTF-16 code unit in hex; surrogate pairs as two
/// escapes; a unit that is not a character becomes U+FFFD). `_x005F_` is how Excel
/// writes a literal underscore before what would otherwise read as an escape.
pub fn unescape_excel(text: &str) -> Cow<'_, str> {
    let Some(first) = find_escape(text, 0) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut next = Some(first);
    while let Some((at, unit)) = next {
        out.push_str(&text[copied..at]);
        let mut end = at + ESCAPE_LEN;
        let c = match unit {
            0xD800..=0xDBFF => match escape_at(text, end) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    end += ESCAPE_LEN;
                    let code =
                        0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                    char::from_u32(code)
                }
                _ => None,
            },
            0xDC00..=0xDFFF => None,
            _ => char::from_u32(u32::from(unit)),
        };
        out.push(c.unwrap_or(char::REPLACEMENT_CHARACTER));
        copied = end;
        next = find_escape(text, end);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

const ESCAPE_LEN: usize = 7;

fn find_escape(text: &str, from: usize) -> Option<(usize, u16)> {
    let bytes = text.as_bytes();
    let mut at = from;
    while let Some(offset) = memchr::memchr(b'_', bytes.get(at..)?) {
        let i = at + offset;
        if let Some(unit) = escape_at(text, i) {
            return Some((i, unit));
        }
        at = i + 1;
    }
    None
}

fn escape_at(text: &str, i: usize) -> Option<u16> {
    let b = text.as_bytes().get(i..i + ESCAPE_LEN)?;
    if b[0] != b'_' || b[1] != b'x' || b[6] != b'_' {
        return None;
    }
    b[2..6].iter().try_fold(0u16, |acc, &d| {
        let v = (d as char).to_digit(16)?;
        Some(acc << 4 | v as u16)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(xml: &str) -> Option<String> {
        let mut r = xml_reader(xml.as_bytes());
        let mut buf = Vec::new();
        // Step past the <si> start tag.
        loop {
            buf.clear();
            if let Event::Start(_) = r.read_event_into(&mut buf).ok()? {
                break;
            }
        }
        read_string_item(&mut r, "si", &mut Vec::new(), &mut Vec::new()).ok()
    }

    #[test]
    fn excel_escapes() {
        assert_eq!(unescape_excel("a_x000D_b"), "a\rb");
        assert_eq!(unescape_excel("_x005F_x000D_"), "_x000D_");
        assert_eq!(unescape_excel("_xD83D__xDE00_"), "\u{1F600}");
        assert_eq!(unescape_excel("_xD800_"), "\u{FFFD}");
        assert_eq!(unescape_excel("_xDC00_x"), "\u{FFFD}x");
        assert_eq!(unescape_excel("no_escape_x12_"), "no_escape_x12_");
        assert!(matches!(unescape_excel("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn string_items() {
        assert_eq!(
            item("<si><t> a &amp; b </t></si>").as_deref(),
            Some("a & b")
        );
        assert_eq!(
            item(r#"<si><t xml:space="preserve"> a </t></si>"#).as_deref(),
            Some(" a ")
        );
        assert_eq!(
            item("<si><r><rPr><b/></rPr><t>Hel</t></r><r><t>lo</t></r><rPh><t>x</t></rPh></si>")
                .as_deref(),
            Some("Hello")
        );
        assert_eq!(item("<si></si>").as_deref(), Some(""));
        assert_eq!(
            item("<si><t>&#248;&#x2603;</t></si>").as_deref(),
            Some("ø☃")
        );
        assert_eq!(item("<si><t>&bogus;</t></si>"), None);
        assert_eq!(item("<si><t>cut"), None);
    }
}
