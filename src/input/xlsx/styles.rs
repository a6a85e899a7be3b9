//! Which cell styles make a number a date: `xl/styles.xml` read for its number formats
//! only, by the rules calamine applies (so a serial number becomes a date exactly when
//! calamine would make it one).

use super::text::{Declined, raw_attr, xml_reader};
use quick_xml::escape::unescape;
use quick_xml::events::Event;
use std::collections::HashMap;
use std::io::BufRead;

/// What a cell style does to a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberKind {
    Plain,
    DateTime,
    Duration,
}

/// One entry per `<xf>` of `<cellXfs>`, in order (a cell's `s` attribute indexes it).
pub fn read_styles<R: BufRead>(inner: R) -> Result<Vec<NumberKind>, Declined> {
    let mut xml = xml_reader(inner);
    let mut custom: HashMap<String, String> = HashMap::new();
    let mut kinds = Vec::new();
    let mut buf = Vec::new();
    let mut inner_buf = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf)? {
            Event::Start(e) if e.local_name().as_ref() == "numFmts" => loop {
                inner_buf.clear();
                match xml.read_event_into(&mut inner_buf)? {
                    Event::Start(e) if e.local_name().as_ref() == "numFmt" => {
                        if let (Some(id), Some(code)) =
                            (raw_attr(&e, "numFmtId")?, raw_attr(&e, "formatCode")?)
                        {
                            let code = unescape(&code).map_err(|_| Declined)?.into_owned();
                            custom.insert(id.into_owned(), code);
                        }
                    }
                    Event::End(e) if e.local_name().as_ref() == "numFmts" => break,
                    Event::Eof => return Err(Declined),
                    _ => {}
                }
            },
            // Fonts, fills and borders are read by calamine as whole blocks; skip them
            // the same way so nothing inside them is taken for a format.
            Event::Start(e) if matches!(e.local_name().as_ref(), "fonts" | "fills" | "borders") => {
                let name = e.local_name().as_ref().to_string();
                loop {
                    inner_buf.clear();
                    match xml.read_event_into(&mut inner_buf)? {
                        Event::End(end) if end.local_name().as_ref() == name => break,
                        Event::Eof => return Err(Declined),
                        _ => {}
                    }
                }
            }
            Event::Start(e) if e.local_name().as_ref() == "cellXfs" => loop {
                inner_buf.clear();
                match xml.read_event_into(&mut inner_buf)? {
                    Event::Start(e) if e.local_name().as_ref() == "xf" => {
                        kinds.push(match raw_attr(&e, "numFmtId")? {
                            None => NumberKind::Plain,
                            Some(id) => match custom.get(id.as_ref()) {
                                Some(code) => custom_format_kind(code),
                                None => builtin_format_kind(&id),
                            },
                        });
                        let mut xf_buf = Vec::new();
                        loop {
                            xf_buf.clear();
                            match xml.read_event_into(&mut xf_buf)? {
                                Event::End(end) if end.local_name().as_ref() == "xf" => break,
                                Event::Eof => return Err(Declined),
                                _ => {}
                            }
                        }
                    }
                    Event::End(e) if e.local_name().as_ref() == "cellXfs" => break,
                    Event::Eof => return Err(Declined),
                    _ => {}
                }
            },
            Event::End(e) if e.local_name().as_ref() == "styleSheet" => return Ok(kinds),
            Event::Eof => return Err(Declined),
            _ => {}
        }
    }
}

/// Built-in format ids (ECMA-376 18.8.30) that show dates, times or durations. The id
/// is compared as written, as calamine does.
fn builtin_format_kind(id: &str) -> NumberKind {
    match id {
        "14" | "15" | "16" | "17" | "18" | "19" | "20" | "21" | "22" | "45" | "47" => {
            NumberKind::DateTime
        }
        "27" | "28" | "29" | "30" | "31" | "32" | "33" | "34" | "35" | "36" | "50" | "51"
        | "52" | "53" | "54" | "55" | "56" | "57" | "58" => NumberKind::DateTime,
        "46" => NumberKind::Duration,
        _ => NumberKind::Plain,
    }
}

/// Whether a custom format code shows a date or a duration: only its first section
/// counts; quoted text, escaped characters and bracketed parts other than elapsed-time
/// tokens (`[h]`, `[mm]`, `[ss]`) are not date tokens; `AM/PM` turns `m`, `p`, `/`
/// into time tokens.
fn custom_format_kind(code: &str) -> NumberKind {
    let mut escaped = false;
    let mut quoted = false;
    let mut brackets = 0u8;
    let mut prev = ' ';
    let mut elapsed = false;
    let mut am_pm = false;
    for c in code.chars() {
        if escaped {
            escaped = false;
        } else if matches!(c, '_' | '\\' | '*') {
            escaped = true;
        } else if quoted {
            if c == '"' {
                quoted = false;
            }
        } else if c == '"' {
            quoted = true;
        } else if c == ';' {
            return NumberKind::Plain;
        } else if c == '[' {
            brackets = brackets.wrapping_add(1);
        } else if c == ']' && brackets == 1 && elapsed {
            return NumberKind::Duration;
        } else if c == ']' {
            brackets = brackets.saturating_sub(1);
        } else if matches!(c, 'a' | 'A') && !am_pm && brackets == 0 {
            am_pm = true;
        } else if brackets == 0
            && if am_pm {
                matches!(c, 'p' | 'm' | '/' | 'P' | 'M')
            } else {
                matches!(c, 'd' | 'm' | 'h' | 'y' | 's' | 'D' | 'M' | 'H' | 'Y' | 'S')
            }
        {
            return NumberKind::DateTime;
        } else if !(elapsed && c.eq_ignore_ascii_case(&prev)) {
            elapsed = prev == '[' && matches!(c, 'm' | 'h' | 's' | 'M' | 'H' | 'S');
        }
        prev = c;
    }
    NumberKind::Plain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_formats() {
        use NumberKind::*;
        for (code, kind) in [
            ("DD/MM/YY", DateTime),
            ("dd.mm.yyyy", DateTime),
            ("H:MM:SS;@", DateTime),
            ("[h]:mm:ss", Duration),
            ("[h]", Duration),
            ("[ss]", Duration),
            ("[s].000", Duration),
            ("h:mm AM/PM", DateTime),
            ("0.00", Plain),
            ("#,##0\\ [$\\u20bd-46D]", Plain),
            ("\"Y: \"0.00\"m\";\"Y: \"-0.00\"m\";\"Y: <num>m\";@", Plain),
            ("\\Y000000", Plain),
            ("#,##0.0####\" YMD\"", Plain),
            ("[$-404]e\"\\xfc\"m\"\\xfc\"d\"\\xfc\"", DateTime),
            ("0_ ;[Red]\\-0\\ ", Plain),
            ("\"$\"#,##0_);[Red](\"$\"#,##0)", Plain),
        ] {
            assert_eq!(custom_format_kind(code), kind, "{code}");
        }
    }

    #[test]
    fn styles_part() {
        let xml = r#"<?xml version="1.0"?><styleSheet><numFmts count="2">
            <numFmt numFmtId="164" formatCode="dd\.mm\.yyyy"/><numFmt numFmtId="165" formatCode="0.00&quot;kr&quot;"/></numFmts>
            <fonts><font><numFmts/></font></fonts>
            <cellStyleXfs><xf numFmtId="14"/></cellStyleXfs>
            <cellXfs><xf numFmtId="0"/><xf numFmtId="164"><alignment/></xf><xf numFmtId="165"/><xf numFmtId="46"/><xf/></cellXfs></styleSheet>"#;
        use NumberKind::*;
        assert_eq!(
            read_styles(xml.as_bytes()).unwrap(),
            vec![Plain, DateTime, Plain, Duration, Plain]
        );
        assert!(read_styles(&b"<styleSheet><cellXfs>"[..]).is_err());
    }
}
