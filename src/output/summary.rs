//! The dry-run summary: control totals for people (text) and for scripts (JSON).
//!
//! The accountant compares these totals with the ledger before anything is sent, so the
//! text is a fixed layout of blocks (counts, totals per currency, per invoice type, per
//! VAT rate, the largest invoice, the first problems), one function each.

use crate::input::SourceInfo;
use crate::model::ProductType;
use crate::model::money::format_minor_nordic;
use crate::problem::{ColumnNames, Problem};
use crate::validate::Validation;
use serde_json::{Value, json};
use std::fmt::Write;

/// How many problems the text summary lists before pointing at the report.
pub const SHOWN_PROBLEMS: usize = 20;
/// How many problems the JSON summary carries.
pub const JSON_PROBLEMS: usize = 1000;

/// The totals block and problem list, as text for a terminal.
pub fn render_text(
    info: &SourceInfo,
    v: &Validation,
    names: &ColumnNames,
    report: Option<&str>,
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", info.path.display());
    let _ = writeln!(s, "  read as {}", describe_input(info, v));
    let _ = writeln!(s);
    counts_text(&mut s, v, names);
    if !v.totals.by_currency.is_empty() {
        totals_text(&mut s, v);
        type_totals_text(&mut s, v);
        rates_text(&mut s, v);
        largest_text(&mut s, v);
    }
    if !v.problems.is_empty() {
        problems_text(&mut s, v, names, report);
    }
    s
}

/// Invoices, lines, ignored columns and problems, counted.
fn counts_text(s: &mut String, v: &Validation, names: &ColumnNames) {
    let valid = v.totals.invoices();
    let types: Vec<String> = ProductType::ALL
        .iter()
        .map(|p| {
            format!(
                "{} {}",
                p.label(),
                v.totals.by_type.get(p).copied().unwrap_or(0)
            )
        })
        .collect();
    let _ = writeln!(
        s,
        "Invoices  {} in the file, {} valid ({})",
        v.invoice_count,
        valid,
        types.join(", ")
    );
    let _ = writeln!(s, "Lines     {}", v.lines);
    let ignored = names.ignored_list();
    if !ignored.is_empty() {
        let _ = writeln!(
            s,
            "Ignored   {}: {} (not read; check the spelling if it was meant to be)",
            plural(ignored.len() as u64, "column"),
            ignored.join(", ")
        );
    }
    let _ = writeln!(
        s,
        "Problems  {}, {}",
        plural(v.errors() as u64, "error"),
        plural(v.warnings() as u64, "warning")
    );
}

/// The control totals per currency, and the currencies too large to total.
fn totals_text(s: &mut String, v: &Validation) {
    let _ = writeln!(s);
    let _ = writeln!(s, "Totals of the valid invoices");
    let _ = writeln!(
        s,
        "  {:<8} {:>9} {:>18} {:>16} {:>18}",
        "currency", "invoices", "incl. VAT", "VAT", "excl. VAT"
    );
    for (cur, t) in &v.totals.by_currency {
        let _ = writeln!(
            s,
            "  {:<8} {:>9} {:>18} {:>16} {:>18}",
            cur.code(),
            t.invoices,
            format_minor_nordic(t.amount, cur.exponent()),
            format_minor_nordic(t.vat_amount, cur.exponent()),
            format_minor_nordic(t.net_amount(), cur.exponent())
        );
    }
    for cur in &v.totals.too_large {
        let _ = writeln!(s, "  {:<8} too large to total: see the errors", cur.code());
    }
}

/// Totals per invoice type and currency (currencies too large to total left out).
fn type_totals_text(s: &mut String, v: &Validation) {
    let _ = writeln!(s);
    let _ = writeln!(s, "Per invoice type");
    let _ = writeln!(
        s,
        "  {:<12} {:<8} {:>9} {:>18}",
        "type", "currency", "invoices", "incl. VAT"
    );
    for ((product, cur), t) in &v.totals.by_type_amount {
        if v.totals.too_large.contains(cur) {
            continue;
        }
        let _ = writeln!(
            s,
            "  {:<12} {:<8} {:>9} {:>18}",
            product.label(),
            cur.code(),
            t.invoices,
            format_minor_nordic(t.amount, cur.exponent())
        );
    }
}

/// Base and VAT per currency and VAT rate.
fn rates_text(s: &mut String, v: &Validation) {
    let _ = writeln!(s);
    let _ = writeln!(s, "VAT per rate");
    let _ = writeln!(
        s,
        "  {:<8} {:>7} {:>9} {:>18} {:>16}",
        "currency", "rate", "lines", "base", "VAT"
    );
    for ((cur, rate), r) in &v.totals.by_rate {
        let _ = writeln!(
            s,
            "  {:<8} {:>7} {:>9} {:>18} {:>16}",
            cur.code(),
            format!("{rate} %"),
            r.lines,
            format_minor_nordic(r.base, cur.exponent()),
            format_minor_nordic(r.vat_amount, cur.exponent())
        );
    }
}

/// The largest invoice of each currency.
fn largest_text(s: &mut String, v: &Validation) {
    let _ = writeln!(s);
    let _ = writeln!(s, "Largest invoice");
    for (cur, t) in &v.totals.by_currency {
        if let Some(l) = &t.largest {
            let _ = writeln!(
                s,
                "  {:<8} {} {} ({})",
                cur.code(),
                format_minor_nordic(l.amount, cur.exponent()),
                l.merchant_reference,
                l.customer
            );
        }
    }
}

/// The first [`SHOWN_PROBLEMS`] problems, and where the rest are.
fn problems_text(s: &mut String, v: &Validation, names: &ColumnNames, report: Option<&str>) {
    let _ = writeln!(s);
    let _ = writeln!(s, "Problems");
    for p in v.problems.iter().take(SHOWN_PROBLEMS) {
        let _ = writeln!(s, "  {}: {}", p.severity, names.line(p));
    }
    if v.problems.len() > SHOWN_PROBLEMS {
        let more = v.problems.len() - SHOWN_PROBLEMS;
        match report {
            Some(r) => {
                let _ = writeln!(s, "  ... and {more} more: all are in {r}");
            }
            None => {
                let _ = writeln!(
                    s,
                    "  ... and {more} more: write them all with --report FILE"
                );
            }
        }
    }
}

/// `1 error`, `2 errors`.
pub fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// One line: `CSV, Windows-1252, delimiter ';', decimal comma, 2 blank rows skipped`.
pub fn describe_input(info: &SourceInfo, v: &Validation) -> String {
    let mut parts = vec![format!("{:?}", info.format).to_uppercase()];
    if let Some(sheet) = &info.sheet {
        parts.push(format!("sheet '{sheet}'"));
    }
    if let Some(e) = &info.encoding {
        parts.push(e.clone());
    }
    if let Some(d) = info.delimiter {
        parts.push(format!("delimiter {}", SourceInfo::delimiter_name(d)));
    }
    if info.format == crate::input::Format::Csv
        || v.decimal != crate::model::DecimalConvention::Unknown
    {
        parts.push(v.decimal.to_string());
    }
    if info.blank_rows > 0 {
        parts.push(format!("{} blank rows skipped", info.blank_rows));
    }
    parts.join(", ")
}

/// The summary as JSON for scripts. Amounts are integers in minor units.
pub fn render_json(info: &SourceInfo, v: &Validation, names: &ColumnNames) -> Value {
    let by_type: serde_json::Map<String, Value> = ProductType::ALL
        .iter()
        .map(|p| {
            (
                p.api_name().to_string(),
                json!(v.totals.by_type.get(p).copied().unwrap_or(0)),
            )
        })
        .collect();
    let (totals, type_totals, rates) = totals_json(v);
    let problems: Vec<Value> = v
        .problems
        .iter()
        .take(JSON_PROBLEMS)
        .map(|p| problem_json(p, names))
        .collect();
    json!({
        "file": info.path.display().to_string(),
        "input": {
            "format": info.format,
            "encoding": info.encoding,
            "delimiter": info.delimiter.map(SourceInfo::delimiter_name),
            "sheet": info.sheet,
            "decimal": v.decimal,
            "blank_rows": info.blank_rows,
        },
        "invoices": v.invoice_count,
        "valid_invoices": v.totals.invoices(),
        "invalid_invoices": v.rejected.len(),
        "lines": v.lines,
        "errors": v.errors(),
        "warnings": v.warnings(),
        "by_type": by_type,
        "ignored_columns": names
            .ignored
            .iter()
            .filter(|&&c| !names.header(c).trim().is_empty())
            .map(|&c| json!({"column": names.header(c), "column_letter": names.letter(c)}))
            .collect::<Vec<_>>(),
        "totals": totals,
        "totals_too_large": v.totals.too_large.iter().map(|c| c.code()).collect::<Vec<_>>(),
        "totals_by_type": type_totals,
        "vat_rates": rates,
        "problems": problems,
        "problems_truncated": v.problems.len() > JSON_PROBLEMS,
    })
}

/// The control totals as JSON: per currency, per invoice type and currency (currencies
/// too large to total left out), and per currency and VAT rate.
fn totals_json(v: &Validation) -> (Vec<Value>, Vec<Value>, Vec<Value>) {
    let totals: Vec<Value> = v
        .totals
        .by_currency
        .iter()
        .map(|(cur, t)| {
            json!({
                "currency": cur.code(),
                "invoices": t.invoices,
                "lines": t.lines,
                "amount": t.amount,
                "vat_amount": t.vat_amount,
                "net_amount": t.net_amount(),
                "largest": t.largest,
            })
        })
        .collect();
    let type_totals: Vec<Value> = v
        .totals
        .by_type_amount
        .iter()
        .filter(|((_, cur), _)| !v.totals.too_large.contains(cur))
        .map(|((product, cur), t)| {
            json!({"payment_product_type": product.api_name(), "currency": cur.code(), "invoices": t.invoices, "amount": t.amount})
        })
        .collect();
    let rates: Vec<Value> = v
        .totals
        .by_rate
        .iter()
        .map(|((cur, rate), r)| {
            json!({"currency": cur.code(), "rate": rate, "lines": r.lines, "base": r.base, "vat_amount": r.vat_amount})
        })
        .collect();
    (totals, type_totals, rates)
}

pub fn problem_json(p: &Problem, names: &ColumnNames) -> Value {
    json!({
        "row": p.row,
        "column": p.column.map(|c| names.header(c)),
        "column_letter": p.column.and_then(|c| names.letter(c)),
        "value": p.value,
        "severity": p.severity,
        "message": p.message,
        "merchant_reference": p.reference,
    })
}
