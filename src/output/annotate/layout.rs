//! Where the copy's columns go: the input's columns, then `status` and `message`, then
//! any cells a row has beyond the header; an earlier copy's two columns are replaced,
//! not added again. Both writers use it, so a CSV and an XLSX copy line up alike.

/// The header of the status column.
pub const STATUS_HEADER: &str = "status";
/// The header of the message column.
pub const MESSAGE_HEADER: &str = "message";

/// Whether the last two headers are a previous annotated copy's columns (then they are
/// replaced rather than added again).
pub(super) fn ends_with_annotation<'h>(headers: impl DoubleEndedIterator<Item = &'h [u8]>) -> bool {
    let mut rev = headers.rev();
    let (Some(message), Some(status)) = (rev.next(), rev.next()) else {
        return false;
    };
    status.trim_ascii() == STATUS_HEADER.as_bytes()
        && message.trim_ascii() == MESSAGE_HEADER.as_bytes()
}

/// The column layout of the copy: the input's columns up to `keep`, then status and
/// message, then any cells a row has beyond the header.
#[derive(Clone, Copy)]
pub(super) struct Layout {
    /// Cells in the header row.
    pub(super) width: usize,
    /// Input columns kept in place (`width`, or `width - 2` when replacing an earlier
    /// annotation).
    pub(super) keep: usize,
}

impl Layout {
    pub(super) fn new(width: usize, replace: bool) -> Layout {
        Layout {
            width,
            keep: if replace { width - 2 } else { width },
        }
    }

    /// Where input column `c` goes, or `None` for an earlier annotation's column.
    pub(super) fn target(self, c: usize) -> Option<usize> {
        if c < self.keep {
            Some(c)
        } else if c < self.width {
            None
        } else {
            Some(c + 2 + self.keep - self.width)
        }
    }
}
