//! Helpers shared by the integration tests.

use std::collections::HashMap;
use std::path::Path;

/// A CSV results file (BOM, `,`) as reference -> column -> value.
pub fn results_map(path: &Path) -> HashMap<String, HashMap<String, String>> {
    let text = std::fs::read_to_string(path).expect("results");
    let text = text.trim_start_matches('\u{feff}');
    let mut r = csv::ReaderBuilder::new()
        .delimiter(b',')
        .from_reader(text.as_bytes());
    let headers = r.headers().expect("headers").clone();
    r.records()
        .map(|rec| {
            let rec = rec.expect("record");
            let row: HashMap<String, String> = headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect();
            (row["merchant_reference"].clone(), row)
        })
        .collect()
}
