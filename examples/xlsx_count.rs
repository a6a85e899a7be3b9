//! Benchmark baseline: a plain calamine streaming pass that only counts the cells of the
//! first sheet (what reading an XLSX costs before any validation).

use calamine::{Reader, Xlsx, open_workbook};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: xlsx_count FILE")?;
    let mut book: Xlsx<_> = open_workbook(&path)?;
    let sheet = book.sheet_names().first().cloned().ok_or("no sheet")?;
    let mut cells = book.worksheet_cells_reader(&sheet)?;
    let mut n = 0u64;
    while cells.next_cell()?.is_some() {
        n += 1;
    }
    println!("{n}");
    Ok(())
}
