//! Generates benchmark inputs: `bench_data csv LINES OUT.csv` writes a Norwegian-style CSV
//! (`;`, decimal comma, UTF-8) with about 2.5 lines per invoice whose lines are shuffled
//! through the whole file (the worst case for grouping); `bench_data xlsx LINES OUT.xlsx`
//! writes the same kind of data as a spreadsheet with numeric cells; `bench_data
//! csv-invoices N OUT.csv` writes N one-line invoices (for the live-run benchmark).
//! Deterministic.

use std::io::{BufWriter, Write};

const HEADER: [&str; 18] = [
    "fakturanummer",
    "kundetype",
    "fornavn",
    "etternavn",
    "firmanavn",
    "orgnr",
    "epost",
    "telefon",
    "adresse",
    "postnummer",
    "poststed",
    "land",
    "valuta",
    "forfallsdager",
    "beskrivelse",
    "antall",
    "beløp",
    "mva",
];
const FIRST: [&str; 8] = [
    "Ola", "Kari", "Per", "Ingrid", "Bjørn", "Sigrid", "Håkon", "Åse",
];
const LAST: [&str; 6] = ["Nordmann", "Hansen", "Johansen", "Olsen", "Larsen", "Berg"];
const CITY: [(&str, &str); 5] = [
    ("0151", "Oslo"),
    ("5003", "Bergen"),
    ("7010", "Trondheim"),
    ("9008", "Tromsø"),
    ("4006", "Stavanger"),
];
const ITEM: [&str; 5] = [
    "Konsulenttimer november 2026, prosjekt Nordlys fase 2",
    "Abonnement Premium, månedlig, inkl. support",
    "Lisens, årlig fornyelse for 25 brukere",
    "Reise og diett, Oslo-Bergen t/r 12. november",
    "Support, utvidet responstid, november 2026",
];
const VAT: [u32; 4] = [25, 15, 12, 0];

/// A valid Norwegian organization number (MOD11) derived from n.
fn orgnr(n: u64) -> String {
    let mut base = 90_000_000 + (n * 7919) % 9_999_999;
    loop {
        let d: Vec<u64> = format!("{base:08}")
            .bytes()
            .map(|b| u64::from(b - b'0'))
            .collect();
        let sum: u64 = d
            .iter()
            .zip([3, 2, 7, 6, 5, 4, 3, 2])
            .map(|(a, w)| a * w)
            .sum();
        match 11 - sum % 11 {
            10 => base += 1,
            11 => return format!("{base:08}0"),
            c => return format!("{base:08}{c}"),
        }
    }
}

struct Line {
    invoice: u64,
    index: u32,
}

fn lines(n: u64, one_per_invoice: bool) -> Vec<Line> {
    let mut rng = fastrand::Rng::with_seed(42);
    let mut out = Vec::with_capacity(n as usize);
    let mut invoice = 0;
    while (out.len() as u64) < n {
        let count = if one_per_invoice { 1 } else { rng.u32(1..=4) };
        for index in 0..count {
            if (out.len() as u64) < n {
                out.push(Line { invoice, index });
            }
        }
        invoice += 1;
    }
    rng.shuffle(&mut out);
    out
}

fn fields(l: &Line) -> Vec<String> {
    let i = l.invoice;
    let b2b = !i.is_multiple_of(3);
    let (zip, city) = CITY[(i % 5) as usize];
    let first = FIRST[(i % 8) as usize];
    let last = LAST[(i % 6) as usize];
    let vat = VAT[((i + u64::from(l.index)) % 4) as usize];
    let amount = 10_000 + (i * 7 + u64::from(l.index) * 131) % 1_000_000;
    vec![
        format!("2026-11-{i:07}"),
        if b2b { "B2B" } else { "B2C" }.into(),
        first.into(),
        last.into(),
        if b2b {
            format!("{last} Holding AS")
        } else {
            String::new()
        },
        if b2b { orgnr(i) } else { String::new() },
        format!(
            "{}.{}{}@example.no",
            first.to_lowercase(),
            last.to_lowercase(),
            i % 1000
        ),
        format!(
            "{} {:02} {:02} {:02}",
            90 + i % 10,
            i % 100,
            (i / 100) % 100,
            (i / 10000) % 100
        ),
        format!("Storgata {}", 1 + i % 200),
        zip.into(),
        city.into(),
        "NO".into(),
        "NOK".into(),
        "14".into(),
        ITEM[(l.index % 5) as usize].into(),
        "1".into(),
        format!("{},{:02}", amount / 100, amount % 100),
        vat.to_string(),
    ]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, kind, n, out] = args.as_slice() else {
        return Err("usage: bench_data csv|csv-invoices|xlsx|xlsx-inline LINES OUT".into());
    };
    let n: u64 = n.parse()?;
    let all = lines(n, kind == "csv-invoices");
    match kind.as_str() {
        "csv" | "csv-invoices" => {
            let mut w = BufWriter::new(std::fs::File::create(out)?);
            writeln!(w, "{}", HEADER.join(";"))?;
            for l in &all {
                writeln!(w, "{}", fields(l).join(";"))?;
            }
            w.flush()?;
        }
        // `xlsx-inline`: strings inline in the cells (`<is>`), as rust_xlsxwriter's
        // constant-memory mode and our own annotated copies write them, instead of in
        // the shared-string table as Excel does.
        "xlsx" | "xlsx-inline" => {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = if kind == "xlsx-inline" {
                book.add_worksheet_with_constant_memory()?
            } else {
                book.add_worksheet()
            };
            for (c, h) in HEADER.iter().enumerate() {
                sheet.write_string(0, c as u16, *h)?;
            }
            for (r, l) in all.iter().enumerate() {
                let row = r as u32 + 1;
                for (c, v) in fields(l).into_iter().enumerate() {
                    let c = c as u16;
                    match c {
                        15 | 17 => sheet.write_number(row, c, v.parse::<f64>()?)?,
                        16 => sheet.write_number(row, c, v.replace(',', ".").parse::<f64>()?)?,
                        _ => sheet.write_string(row, c, &v)?,
                    };
                }
            }
            book.save(out)?;
        }
        _ => return Err("kind must be csv, csv-invoices, xlsx or xlsx-inline".into()),
    }
    Ok(())
}
