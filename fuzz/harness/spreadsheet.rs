//! `spreadsheet`: arbitrary bytes as a spreadsheet export through the whole dry run.
//!
//! The reader routes by the file's first bytes (`PK\3\4` zip, `D0 CF 11 E0` OLE), and
//! by the extension only to tell ODS from XLSX inside a zip. The harness names the file
//! the way a user's export would be named: `.xls` for OLE, `.ods` for a zip that says
//! "opendocument" (the ODS `mimetype` entry), `.xlsx` for everything else (a file that
//! starts like neither is refused up front, as it is for a user).

use crate::common::{Scratch, dry_run};

pub fn extension(data: &[u8]) -> &'static str {
    if data.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        "xls"
    } else if data.starts_with(b"PK\x03\x04") && contains(data, b"opendocument") {
        "ods"
    } else {
        "xlsx"
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

pub fn run(data: &[u8]) {
    crate::common::tolerate_caught_library_panics();
    let ext = extension(data);
    let f = Scratch::new(data, ext);
    dry_run(&f.path(ext));
}
