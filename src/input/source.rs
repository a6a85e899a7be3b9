//! What a file is and how to read it: its format, the choices the user can force,
//! and what the reader decided.
//!
//! Its own file so that the readers and the limits depend on these types without
//! depending on `input/mod.rs`, which depends on them.

use super::encoding::Enc;
use std::path::PathBuf;

/// What kind of file it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Xlsx,
    Xls,
    Ods,
}

/// Choices the user can force; `None` means detect.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    pub delimiter: Option<u8>,
    pub encoding: Option<Enc>,
    pub sheet: Option<String>,
}

/// What the reader decided about the file, for the summary.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SourceInfo {
    pub path: PathBuf,
    pub format: Format,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// The CSV delimiter (shown by name: `';'`, `TAB`).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_delimiter"
    )]
    pub delimiter: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// Blank rows (and rows of empty cells) skipped.
    pub blank_rows: u64,
}

impl SourceInfo {
    /// Names the delimiter for people.
    pub fn delimiter_name(d: u8) -> String {
        match d {
            b'\t' => "TAB".into(),
            b',' => "','".into(),
            b';' => "';'".into(),
            b'|' => "'|'".into(),
            other => format!("'{}'", other as char),
        }
    }
}

fn serialize_delimiter<S: serde::Serializer>(d: &Option<u8>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&SourceInfo::delimiter_name(*d)),
        None => s.serialize_none(),
    }
}
