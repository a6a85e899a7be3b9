//! The benchmark's baseline: a plain csv-crate pass that only counts records.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: csv_count FILE")?;
    let mut r = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(true)
        .from_path(path)?;
    let mut rec = csv::ByteRecord::new();
    let mut n = 0u64;
    while r.read_byte_record(&mut rec)? {
        n += 1;
    }
    println!("{n}");
    Ok(())
}
