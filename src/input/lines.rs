//! Row numbers of CSV records, as a spreadsheet shows them.
//!
//! Why not the csv crate's `Position::line`: it lags by one line after a CRLF (the `\n`
//! is consumed with the *next* record), never advances on CR-only line ends, and counts
//! blank lines only after the record that follows them. Windows exports use CRLF, so the
//! error report would point one row off. Instead [`LineCounter`] sits between the file
//! and the parser and notes every line end as the bytes go by (`\n`, `\r\n` or a lone
//! `\r`); [`RowNumbers`] then numbers records the way Excel shows the file: the header is
//! row 1, every record is one row (a quoted cell spanning lines included), and every
//! blank line is a row of its own.

use std::collections::VecDeque;
use std::io::{self, Read};

/// One line end: the offsets of its first and last byte (`\r\n`: two bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct LineEnd {
    start: u64,
    end: u64,
}

/// A reader that records the line ends of what passes through it.
pub struct LineCounter<R> {
    inner: R,
    /// Offset of the next byte read.
    pos: u64,
    /// The last byte read was a `\r` (a `\n` next completes it).
    after_cr: bool,
    /// Line ends not yet handed to [`RowNumbers`].
    pending: VecDeque<LineEnd>,
    /// The last line end handed out, if its `\r` may still get its `\n`.
    last_taken: Option<LineEnd>,
}

impl<R> LineCounter<R> {
    /// Counts the bytes of `inner`; `start` is the offset of its first byte (the reader
    /// may start after a BOM or a `sep=` line).
    pub fn new(inner: R, start: u64) -> LineCounter<R> {
        LineCounter {
            inner,
            pos: start,
            after_cr: false,
            pending: VecDeque::new(),
            last_taken: None,
        }
    }

    /// Hands out the line ends that start before `offset`, in order.
    fn take_before(&mut self, offset: u64, mut each: impl FnMut(LineEnd)) {
        while let Some(e) = self.pending.front().copied() {
            if e.start >= offset {
                break;
            }
            self.pending.pop_front();
            self.last_taken = Some(e);
            each(e);
        }
    }
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let bytes = &buf[..n];
        for i in memchr::memchr2_iter(b'\r', b'\n', bytes) {
            let at = self.pos + i as u64;
            let after_cr = if i == 0 {
                self.after_cr
            } else {
                bytes[i - 1] == b'\r'
            };
            if bytes[i] == b'\n' && after_cr {
                // The `\n` of a `\r\n`: extend that line end.
                if let Some(last) = self.pending.back_mut() {
                    last.end = at;
                } else if let Some(last) = &mut self.last_taken {
                    last.end = at;
                }
                continue;
            }
            self.pending.push_back(LineEnd { start: at, end: at });
        }
        if n > 0 {
            self.after_cr = bytes[n - 1] == b'\r';
        }
        self.pos += n as u64;
        Ok(n)
    }
}

/// Numbers the records of a CSV as Excel shows them (see the module doc).
#[derive(Debug, Clone)]
pub struct RowNumbers {
    /// The row of the last record numbered (the header: 1).
    row: u32,
    /// Where the next line starts (after the last line end handed out).
    line_start: u64,
}

impl RowNumbers {
    /// Starts numbering at the header record, which ends at byte `header_end` (the
    /// parser's position after reading it). Lines before the header (blank lines, which
    /// the reader skips) are not rows: the header is row 1.
    pub fn new<R>(counter: &mut LineCounter<R>, header_end: u64) -> RowNumbers {
        let mut line_start = 0;
        counter.take_before(header_end, |e| line_start = e.end + 1);
        RowNumbers { row: 1, line_start }
    }

    /// The row of the record just read, which ends at byte `end` (the parser's
    /// position), and the number of blank lines skipped before it.
    pub fn next<R>(&mut self, counter: &mut LineCounter<R>, end: u64) -> (u32, u64) {
        // A line end tail (`\n` of `\r\n`) handed out earlier moves the line start.
        if let Some(last) = counter.last_taken
            && last.end + 1 > self.line_start
        {
            self.line_start = last.end + 1;
        }
        let mut blank = 0u64;
        let mut leading = true;
        let mut line_start = self.line_start;
        counter.take_before(end, |e| {
            // A line that ends where it starts is empty: before the record's first
            // cell, that is a blank line; inside a quoted cell, part of the record.
            if leading && e.start == line_start {
                blank += 1;
            } else {
                leading = false;
            }
            line_start = e.end + 1;
        });
        self.line_start = line_start;
        self.row = self
            .row
            .saturating_add(1)
            .saturating_add(u32::try_from(blank).unwrap_or(u32::MAX));
        (self.row, blank)
    }

    /// The row of a record the parser failed on (blank lines before it not counted).
    pub fn failed(&self) -> u32 {
        self.row.saturating_add(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows of every record after the header, read in chunks of `chunk` bytes.
    fn rows(data: &str, chunk: usize) -> Vec<(String, u32, u64)> {
        struct Chunks<'a>(&'a [u8], usize);
        impl Read for Chunks<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let counter = LineCounter::new(Chunks(data.as_bytes(), chunk), 0);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(chunk.max(1))
            .from_reader(counter);
        let mut rec = csv::ByteRecord::new();
        assert!(reader.read_byte_record(&mut rec).unwrap());
        let end = reader.position().byte();
        let mut numbers = RowNumbers::new(reader.get_mut(), end);
        let mut out = Vec::new();
        while reader.read_byte_record(&mut rec).unwrap() {
            let end = reader.position().byte();
            let (row, blank) = numbers.next(reader.get_mut(), end);
            out.push((String::from_utf8_lossy(&rec[0]).into_owned(), row, blank));
        }
        out
    }

    fn check(data: &str, want: &[(&str, u32, u64)]) {
        for chunk in [1, 2, 3, 7, 64, 1 << 16] {
            let got = rows(data, chunk);
            let want: Vec<(String, u32, u64)> = want
                .iter()
                .map(|(s, r, b)| (s.to_string(), *r, *b))
                .collect();
            assert_eq!(got, want, "{data:?} in chunks of {chunk}");
        }
    }

    #[test]
    fn lf_crlf_and_cr_line_ends_number_alike() {
        let want = [("a", 2, 0), ("b", 3, 0), ("c", 5, 1)];
        check("h1,h2\na,1\nb,2\n\nc,3\n", &want);
        check("h1,h2\r\na,1\r\nb,2\r\n\r\nc,3\r\n", &want);
        check("h1,h2\ra,1\rb,2\r\rc,3\r", &want);
        check("h1,h2\r\na,1\nb,2\r\n\nc,3", &want);
    }

    #[test]
    fn a_quoted_cell_over_several_lines_is_one_row() {
        let want = [("a", 2, 0), ("b", 3, 0), ("c", 4, 0)];
        check("h1,h2\na,\"x\ny\"\nb,2\nc,3\n", &want);
        check("h1,h2\r\na,\"x\r\n\r\ny\"\r\nb,2\r\nc,3\r\n", &want);
        // An empty line inside the quotes is the cell's, not a blank row.
        check(
            "h1,h2\na,\"\n\ny\"\n\nb,2\nc,3\n",
            &[("a", 2, 0), ("b", 4, 1), ("c", 5, 0)],
        );
    }

    #[test]
    fn blank_lines_before_the_header_are_not_rows() {
        // (The reader skips them; the header is row 1.)
        check("\n\r\nh1,h2\na,1\n", &[("a", 2, 0)]);
    }
}
