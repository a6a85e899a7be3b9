//! The few lexical steps the sheet scanner ([`super::scan`]) takes over raw XML bytes:
//! spaces, a tag's name, its attributes, an element's text, an end tag. Each says
//! `More` when the buffer ends too soon to tell, and `Declined` for anything outside
//! the narrow pattern the scanner reads (the caller then hands over to calamine).
//!
//! Apart from the scanner because they hold no state: the scanner is the order in
//! which it takes them.

use super::text::Declined;

/// Why the scanner stops at an element.
pub enum Stop {
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

pub type Step<T> = Result<T, Stop>;

#[inline]
pub fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

#[inline]
pub fn skip_space(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    i
}

/// Whether `s[i..]` starts with the tag name `name` (`<row`, `</c`...) followed by a
/// character that ends a name; `More` when the buffer ends too soon to tell.
#[inline]
pub fn at_tag(s: &[u8], i: usize, name: &[u8]) -> Step<bool> {
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
#[inline]
pub fn attributes<'s>(
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
#[inline]
pub fn content_end(s: &[u8], from: usize, name: &[u8]) -> Step<(usize, usize)> {
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
#[inline]
pub fn end_tag(s: &[u8], from: usize) -> Step<usize> {
    let after = skip_space(s, from);
    match s.get(after) {
        None => Err(Stop::More),
        Some(b'>') => Ok(after + 1),
        Some(_) => Err(Stop::Declined),
    }
}
