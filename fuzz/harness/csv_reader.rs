//! `csv_reader`: arbitrary bytes as a `.csv` export, through dialect and encoding
//! detection and the whole dry run (`kravia-batch validate FILE`).

use crate::common::{Scratch, dry_run};

pub fn run(data: &[u8]) {
    let f = Scratch::new(data, "csv");
    dry_run(&f.path("csv"));
}
