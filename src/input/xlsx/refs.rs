//! Cell references and small numbers as a sheet part writes them (`B12`, `A1:R100`,
//! style and string indexes), read from bytes the way calamine reads them.
//!
//! Apart from the scanner ([`super::scan`]) because they are plain functions of a few
//! bytes, with nothing of the scanner's state: easy to test, and to find.

use crate::input::limits::MAX_SHEET_ROWS;

/// A sheet's declared range, zero-based (first row, first column), (last row, last
/// column), as calamine reports it.
pub type Range = ((u32, u32), (u32, u32));

/// `A1:R100` (or a single cell) as zero-based corners.
#[inline]
pub fn dimension(text: &[u8]) -> Option<Range> {
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
#[inline]
pub fn cell_ref(text: &[u8]) -> Option<(u32, u32)> {
    match reference(text)? {
        (row, Some(col)) => Some((row, col)),
        (_, None) => None,
    }
}

/// A reference's zero-based row and, when it has letters, column: what calamine
/// accepts (letters, then a row number from 1), within Excel's limits.
#[inline]
pub fn reference(text: &[u8]) -> Option<(u32, Option<u32>)> {
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
#[inline]
pub fn far_row(text: &[u8]) -> Option<u64> {
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

/// A small decimal number made of digits only (style and string indexes).
#[inline]
pub fn index(text: &[u8]) -> Option<usize> {
    if text.is_empty() || text.len() > 9 {
        return None;
    }
    text.iter().try_fold(0usize, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + usize::from(b - b'0'))
    })
}
