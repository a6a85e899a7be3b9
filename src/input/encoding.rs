//! Text encoding of CSV files: UTF-8 (with or without BOM) or Windows-1252, detected
//! row by row and never lossy.
//!
//! Detection is a small state machine fed every record in file order: pure ASCII says
//! nothing; the first non-ASCII record decides; after that a record that does not fit the
//! decided encoding is an error naming the row, column and byte, because decoding it
//! anyway would silently change a customer's name or address.

use crate::i18n::Message;
use crate::problem::Problem;
use csv::ByteRecord;
use std::borrow::Cow;

/// The byte written after each field that is not read in place (unquoted or decoded
/// fields, see `split::RawChunk`). Any ASCII whitespace byte would do.
pub const FIELD_END: u8 = b'\n';

/// The encoding used to decode one record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enc {
    Utf8,
    Windows1252,
}

impl Enc {
    pub fn name(self) -> &'static str {
        match self {
            Enc::Utf8 => "UTF-8",
            Enc::Windows1252 => "Windows-1252",
        }
    }

    /// Decodes a field that [`EncodingState::check`] accepted.
    pub fn decode(self, bytes: &[u8]) -> Cow<'_, str> {
        if bytes.is_ascii() {
            // ASCII is the same in both encodings.
            return Cow::Borrowed(std::str::from_utf8(bytes).unwrap_or_default());
        }
        match self {
            Enc::Utf8 => String::from_utf8_lossy(bytes),
            Enc::Windows1252 => {
                encoding_rs::WINDOWS_1252
                    .decode_without_bom_handling(bytes)
                    .0
            }
        }
    }
}

/// Bytes that Windows-1252 leaves undefined.
fn undefined_in_1252(b: u8) -> bool {
    matches!(b, 0x81 | 0x8d | 0x8f | 0x90 | 0x9d)
}

/// What the file's encoding is known to be so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EncodingState {
    /// Forced by the user, or detected from a BOM.
    Fixed(Enc),
    /// Only ASCII seen so far.
    Undecided,
    /// Decided at this row by its non-ASCII text.
    Detected(Enc, u32),
}

impl EncodingState {
    /// The encoding to report in the summary.
    pub fn describe(&self) -> &'static str {
        match self {
            EncodingState::Fixed(e) | EncodingState::Detected(e, _) => e.name(),
            EncodingState::Undecided => "ASCII (UTF-8)",
        }
    }

    /// Checks a record and returns the encoding to decode it with, or the problem that
    /// makes it unreadable.
    pub fn check(&mut self, rec: &ByteRecord, row: u32) -> Result<Enc, Problem> {
        let ascii = rec.as_slice().is_ascii();
        let utf8_ok = ascii || rec.iter().all(|f| std::str::from_utf8(f).is_ok());
        self.check_known(rec, row, ascii, utf8_ok)
    }

    fn check_known(
        &mut self,
        rec: &ByteRecord,
        row: u32,
        ascii: bool,
        utf8_ok: bool,
    ) -> Result<Enc, Problem> {
        if ascii {
            return Ok(match *self {
                EncodingState::Fixed(e) | EncodingState::Detected(e, _) => e,
                EncodingState::Undecided => Enc::Utf8,
            });
        }
        match *self {
            EncodingState::Undecided => {
                if utf8_ok {
                    *self = EncodingState::Detected(Enc::Utf8, row);
                    Ok(Enc::Utf8)
                } else {
                    check_1252(rec, row)?;
                    *self = EncodingState::Detected(Enc::Windows1252, row);
                    Ok(Enc::Windows1252)
                }
            }
            EncodingState::Fixed(Enc::Utf8) | EncodingState::Detected(Enc::Utf8, _) => {
                if utf8_ok {
                    return Ok(Enc::Utf8);
                }
                let since = match *self {
                    EncodingState::Detected(_, r) => Some(r),
                    _ => None,
                };
                Err(not_utf8(rec, row, since))
            }
            EncodingState::Fixed(Enc::Windows1252) => {
                check_1252(rec, row)?;
                Ok(Enc::Windows1252)
            }
            EncodingState::Detected(Enc::Windows1252, since) => {
                check_1252(rec, row)?;
                if utf8_ok {
                    let col = rec.iter().position(|f| !f.is_ascii());
                    return Err(Problem::error(
                        row,
                        col,
                        None,
                        Message::new("problem-encoding-utf8-after-1252")
                            .arg("since", since.to_string()),
                    ));
                }
                Ok(Enc::Windows1252)
            }
        }
    }
}

fn check_1252(rec: &ByteRecord, row: u32) -> Result<(), Problem> {
    for (col, field) in rec.iter().enumerate() {
        if let Some(&b) = field.iter().find(|b| undefined_in_1252(**b)) {
            return Err(Problem::error(
                row,
                Some(col),
                None,
                Message::new("problem-encoding-not-1252").arg("byte", format!("0x{b:02X}")),
            ));
        }
    }
    Ok(())
}

/// `since`: the row from which the file was read as UTF-8, when it was detected.
fn not_utf8(rec: &ByteRecord, row: u32, since: Option<u32>) -> Problem {
    let (col, byte) = first_bad_utf8(rec);
    let byte = format!("0x{byte:02X}");
    let message = match since {
        Some(r) => Message::new("problem-encoding-not-utf8-mixed")
            .arg("byte", byte)
            .arg("since", r.to_string()),
        None => Message::new("problem-encoding-not-utf8").arg("byte", byte),
    };
    Problem::error(row, col, None, message)
}

fn first_bad_utf8(rec: &ByteRecord) -> (Option<usize>, u8) {
    for (col, field) in rec.iter().enumerate() {
        if let Err(e) = std::str::from_utf8(field) {
            return (Some(col), field.get(e.valid_up_to()).copied().unwrap_or(0));
        }
    }
    (None, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(fields: &[&[u8]]) -> ByteRecord {
        ByteRecord::from(fields.to_vec())
    }

    #[test]
    fn decides_on_first_non_ascii() {
        let mut st = EncodingState::Undecided;
        assert_eq!(st.check(&rec(&[b"abc"]), 2), Ok(Enc::Utf8));
        assert_eq!(st, EncodingState::Undecided);
        assert_eq!(st.check(&rec(&[b"Bj\xf8rn"]), 3), Ok(Enc::Windows1252));
        assert_eq!(Enc::Windows1252.decode(b"Bj\xf8rn"), "Bjørn");
        let mixed = st.check(&rec(&[b"x", "Bjørn".as_bytes()]), 4).unwrap_err();
        assert_eq!(mixed.column, Some(1));
        assert!(mixed.message.to_string().contains("mixes encodings"));
    }

    #[test]
    fn utf8_then_latin1_is_mixed() {
        let mut st = EncodingState::Undecided;
        assert_eq!(st.check(&rec(&["Tromsø".as_bytes()]), 2), Ok(Enc::Utf8));
        let p = st.check(&rec(&[b"a", b"Troms\xf8"]), 7).unwrap_err();
        assert_eq!((p.row, p.column), (Some(7), Some(1)));
        assert!(p.message.to_string().contains("0xF8"));
    }

    #[test]
    fn undefined_byte() {
        let mut st = EncodingState::Undecided;
        let p = st.check(&rec(&[b"a\x81"]), 2).unwrap_err();
        assert!(p.message.to_string().contains("0x81"));
    }
}
