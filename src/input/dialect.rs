//! The CSV dialect: what a file says before its first record (a UTF-8 BOM, then Excel's
//! `sep=;` line), and what the reader settled on (delimiter, encoding, line ends).
//!
//! A module of its own because two pieces of code must agree on it exactly: the reader
//! (`input::csv_file`) decides where the first record starts, and the annotated copy
//! (`output::annotate`) writes the file back in the same dialect and reads it again from
//! the same place, so that its rows are the rows the report names. When both read the
//! preamble with [`Preamble::of`], they cannot drift apart.

use super::encoding::Enc;
use std::io::Read;

/// The UTF-8 byte order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How much of the file is looked at to detect the dialect.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// What comes before a CSV file's first record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Preamble {
    /// The file starts with a UTF-8 BOM (so it is UTF-8, unless `--encoding` says not).
    pub bom: bool,
    /// The delimiter named by Excel's `sep=;` first line, which is not a row.
    pub sep: Option<u8>,
    /// Bytes before the first record: the BOM and the `sep=` line with its line end.
    pub len: usize,
}

impl Preamble {
    /// The preamble at the start of `prefix`, the file's first [`SNIFF_BYTES`] (or
    /// fewer) bytes.
    pub fn of(prefix: &[u8]) -> Preamble {
        let bom = prefix.starts_with(BOM);
        let mut len = if bom { BOM.len() } else { 0 };
        let rest = &prefix[len..];
        let mut sep = None;
        if rest.len() >= 5 && rest[..4].eq_ignore_ascii_case(b"sep=") {
            sep = Some(rest[4]);
            len += rest
                .iter()
                .position(|&b| b == b'\n')
                .map_or(rest.len(), |p| p + 1);
        }
        Preamble { bom, sep, len }
    }
}

/// A CSV file's dialect as the reader read it: what a copy of the file is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dialect {
    pub preamble: Preamble,
    /// The delimiter used (a `--delimiter` flag wins over the file's `sep=` line).
    pub delimiter: u8,
    /// The encoding decided (ASCII-only files count as UTF-8).
    pub encoding: Enc,
    /// `\r\n` or `\n`, as the first line after the preamble ends.
    pub line_end: &'static [u8],
}

impl Dialect {
    /// A file's dialect: `delimiter` and `encoding` as the reader reported them in its
    /// `SourceInfo` (the encoding by name), the preamble and line ends read again from
    /// `file`, which must be at the file's start (it is left after the bytes looked at).
    pub fn read(
        file: &mut impl Read,
        delimiter: Option<u8>,
        encoding: Option<&str>,
    ) -> std::io::Result<Dialect> {
        let mut prefix = Vec::new();
        file.take(SNIFF_BYTES as u64).read_to_end(&mut prefix)?;
        let preamble = Preamble::of(&prefix);
        let first = &prefix[preamble.len..];
        let line_end: &'static [u8] = match first.iter().position(|&b| b == b'\n') {
            Some(p) if p > 0 && first[p - 1] == b'\r' => b"\r\n",
            _ => b"\n",
        };
        // The reader reports the encoding by name (`ASCII (UTF-8)` when undecided).
        let encoding = if encoding == Some(Enc::Windows1252.name()) {
            Enc::Windows1252
        } else {
            Enc::Utf8
        };
        Ok(Dialect {
            preamble,
            delimiter: delimiter.unwrap_or(b','),
            encoding,
            line_end,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preamble_of_bom_and_sep_line() {
        assert_eq!(Preamble::of(b"a;b\n"), Preamble::default());
        let p = Preamble::of(b"\xEF\xBB\xBFsep=;\r\na;b\r\n");
        assert_eq!(
            p,
            Preamble {
                bom: true,
                sep: Some(b';'),
                len: 3 + 7
            }
        );
        assert_eq!(Preamble::of(b"SEP=|").sep, Some(b'|'));
        assert_eq!(Preamble::of(b"SEP=|").len, 5, "a file of only the line");
        assert_eq!(Preamble::of(b"sep=").sep, None, "too short to name one");
    }
}
