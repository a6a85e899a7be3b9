//! Limits on what a file may make the reader hold or do, and the checks that enforce
//! them before a file reaches a parser that would trust it.
//!
//! Why: the tool reads files it did not make. A few kilobytes of zip can inflate to
//! gigabytes, a three-kilobyte ODS can declare a million repeated rows, an `.xls` can
//! hold a sector chain that loops, and a one-line CSV can be hundreds of megabytes.
//! Each of these used to abort the process or run for minutes. Every limit here is far
//! beyond what an invoice export needs (see `docs/input-format.md`, "Limits"), and a file
//! over one is refused with a message naming the limit, never read in part.

use super::error::InputError;
use std::io::{self, Read};
use std::path::Path;

/// One CSV record (a line, or several for a quoted cell spanning lines), in bytes.
pub const MAX_ROW_BYTES: usize = 1 << 20;
/// Columns of a CSV header row (the same as for a spreadsheet).
pub const MAX_HEADER_COLUMNS: usize = 1_000;
/// An XLSX worksheet part (streamed), inflated.
pub const MAX_SHEET_PART: u64 = 1 << 30;
/// Any other XLSX or ODS part (shared strings, styles, the workbook; ODS content),
/// inflated. These are read whole.
pub const MAX_PART: u64 = 256 << 20;
/// The longest text or tag (bytes between two `<`) in an XML part: a cell's text in
/// Excel is at most 32,767 characters, so this is many times any real cell.
pub const MAX_XML_RUN: u64 = 4 << 20;
/// Rows of a spreadsheet (Excel's own limit).
pub const MAX_SHEET_ROWS: u64 = 1_048_576;
/// Cells an XLS or ODS sheet may have: calamine loads those sheets whole (about 50-80
/// bytes a cell), so this bounds their memory to about 200 MB.
pub const MAX_LOADED_CELLS: u64 = 2_500_000;
/// Entries in a spreadsheet package.
pub const MAX_ZIP_ENTRIES: usize = 10_000;
/// A mapping file.
pub const MAX_MAPPING_BYTES: u64 = 1 << 20;
/// A plan file (about 200 bytes an invoice: a million invoices fit).
pub const MAX_PLAN_BYTES: u64 = 512 << 20;

/// `n` bytes for people: `1 MiB`, `256 MiB`, `1 GiB`.
pub fn bytes(n: u64) -> String {
    if n >= 1 << 30 && n.is_multiple_of(1 << 30) {
        format!("{} GiB", n >> 30)
    } else if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n.is_multiple_of(1 << 10) {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}

/// How messages write counts and quote long values: the problems' own rules.
pub use crate::problem::{count, shorten};

/// The error for a file over a limit.
pub fn refused(path: &Path, what: impl Into<String>, limit: impl Into<String>) -> InputError {
    InputError::Limit {
        path: path.to_path_buf(),
        what: what.into(),
        limit: limit.into(),
    }
}

/// Refuses what is not a regular file (a FIFO, a device, a directory): such inputs are
/// read more than once (format detection, reading, the annotated copy, the plan's
/// checksum), and a FIFO or `/dev/zero` never ends.
pub fn regular_file(path: &Path) -> Result<(), InputError> {
    let meta = std::fs::metadata(path).map_err(|source| InputError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.is_file() {
        return Ok(());
    }
    let kind = if meta.is_dir() {
        "a folder"
    } else {
        special_kind(&meta)
    };
    Err(InputError::NotAFile {
        path: path.to_path_buf(),
        kind: kind.to_string(),
    })
}

#[cfg(unix)]
fn special_kind(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_fifo() {
        "a pipe (FIFO)"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

#[cfg(unix)]
fn is_pipe(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    meta.file_type().is_fifo()
}

#[cfg(not(unix))]
fn is_pipe(_: &std::fs::Metadata) -> bool {
    false
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::Metadata) -> &'static str {
    "not a regular file"
}

/// Reads a small text file whole, refusing more than `max` bytes (so that `/dev/zero`
/// or a wrong path to a huge file fails at once). Pipes are fine: they are read once.
pub fn read_capped(path: &Path, max: u64) -> io::Result<String> {
    let meta = std::fs::metadata(path)?;
    let too_large = || {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "it is larger than {}, the most this file may be (is it the right file?)",
                bytes(max)
            ),
        )
    };
    if meta.is_file() && meta.len() > max {
        return Err(too_large());
    }
    if !meta.is_file() && !is_pipe(&meta) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "it is {}, not a file",
                if meta.is_dir() {
                    "a folder"
                } else {
                    special_kind(&meta)
                }
            ),
        ));
    }
    let file = std::fs::File::open(path)?;
    let mut text = Vec::new();
    file.take(max + 1).read_to_end(&mut text)?;
    if text.len() as u64 > max {
        return Err(too_large());
    }
    String::from_utf8(text)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "it is not UTF-8 text"))
}

/// A reader that fails once more than `max` bytes have come through: what a part
/// inflates to is counted as it is read, whatever its header declared.
pub struct Capped<R> {
    inner: R,
    left: u64,
}

impl<R> Capped<R> {
    pub fn new(inner: R, max: u64) -> Self {
        Capped { inner, left: max }
    }
}

/// The error [`Capped`] fails with.
pub fn over_cap() -> io::Error {
    io::Error::new(io::ErrorKind::FileTooLarge, "over the size limit")
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // One byte more than allowed is asked for, so that reaching the cap exactly is
        // told apart from going over it.
        let want = buf
            .len()
            .min(usize::try_from(self.left + 1).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n as u64 > self.left {
            return Err(over_cap());
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// The longest run of bytes between two `<` in an XML stream (a text node or a tag),
/// read in pieces: what an XML parser would have to hold at once. Stops with
/// `Ok(None)` as soon as the run exceeds `max`, else `Ok(Some(longest))`.
pub fn longest_run(mut src: impl Read, max: u64) -> io::Result<Option<u64>> {
    let mut buf = vec![0u8; 256 << 10];
    let (mut run, mut longest) = (0u64, 0u64);
    loop {
        let n = match src.read(&mut buf) {
            Ok(0) => return Ok(Some(longest.max(run))),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let mut from = 0;
        for at in memchr::memchr_iter(b'<', &buf[..n]) {
            run += (at - from) as u64;
            longest = longest.max(run);
            run = 0;
            from = at + 1;
        }
        run += (n - from) as u64;
        if longest.max(run) > max {
            return Ok(None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capped_counts_what_comes_through() {
        let mut out = Vec::new();
        assert!(
            Capped::new(&[1u8; 10][..], 10)
                .read_to_end(&mut out)
                .is_ok()
        );
        assert_eq!(out.len(), 10);
        let e = Capped::new(&[1u8; 11][..], 10)
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::FileTooLarge);
    }

    #[test]
    fn longest_run_between_tags() {
        // Between two `<`: a tag and the text after it.
        assert_eq!(longest_run(&b"<a>xyz</a>"[..], 10).unwrap(), Some(5));
        assert_eq!(longest_run(&b"<a>0123456789A</a>"[..], 10).unwrap(), None);
        assert_eq!(longest_run(&b""[..], 10).unwrap(), Some(0));
    }

    #[test]
    fn long_values_are_shortened() {
        assert_eq!(shorten("abc"), "abc");
        let long = "x".repeat(100);
        assert_eq!(
            shorten(&long),
            format!("{}… (100 characters)", "x".repeat(60))
        );
    }

    #[test]
    fn numbers_for_people() {
        assert_eq!(bytes(1 << 20), "1 MiB");
        assert_eq!(bytes(256 << 20), "256 MiB");
        assert_eq!(bytes(1 << 30), "1 GiB");
        assert_eq!(count(1_048_576), "1,048,576");
        assert_eq!(count(999), "999");
    }
}
