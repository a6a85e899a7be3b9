//! The dry-run summary: control totals for people (text) and for scripts (JSON).
//!
//! The accountant compares these totals with the ledger before anything is sent, so the
//! text is a fixed layout of blocks (counts, totals per currency, per invoice type, per
//! VAT rate, the largest invoice, the first problems), one function each.

use crate::i18n::Lang;
use crate::input::SourceInfo;
use crate::model::money::format_minor_nordic;
use crate::model::{DecimalConvention, ProductType};
use crate::problem::{ColumnNames, Problem, Severity};
use crate::t;
use crate::validate::Validation;
use serde_json::{Value, json};
use std::fmt::Write;

/// How many problems the text summary lists before pointing at the report.
pub const SHOWN_PROBLEMS: usize = 20;
/// How many problems the JSON summary carries.
pub const JSON_PROBLEMS: usize = 1000;

/// The totals block and problem list, as text for a terminal, in English.
pub fn render_text(
    info: &SourceInfo,
    v: &Validation,
    names: &ColumnNames,
    report: Option<&str>,
) -> String {
    render_text_in(Lang::En, info, v, names, report)
}

/// The totals block and problem list, as text for a terminal, in `lang`.
pub fn render_text_in(
    lang: Lang,
    info: &SourceInfo,
    v: &Validation,
    names: &ColumnNames,
    report: Option<&str>,
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", info.path.display());
    let input = describe_input_in(lang, info, v);
    let _ = writeln!(s, "  {}", t!(lang, "summary-read-as", input = input));
    let _ = writeln!(s);
    counts_text(lang, &mut s, v, names);
    if !v.totals.by_currency.is_empty() {
        totals_text(lang, &mut s, v);
        type_totals_text(lang, &mut s, v);
        rates_text(lang, &mut s, v);
        largest_text(lang, &mut s, v);
    }
    if !v.problems.is_empty() {
        problems_text(lang, &mut s, v, names, report);
    }
    s
}

/// An invoice type as the summary names it (`B2B grouped`).
fn type_label(lang: Lang, p: ProductType) -> String {
    lang.t(
        match p {
            ProductType::B2b => "summary-type-b2b",
            ProductType::B2bGrouped => "summary-type-b2b-grouped",
            ProductType::B2c => "summary-type-b2c",
        },
        &[],
    )
}

/// Invoices, lines, ignored columns and problems, counted.
fn counts_text(lang: Lang, s: &mut String, v: &Validation, names: &ColumnNames) {
    let valid = v.totals.invoices();
    let types: Vec<String> = ProductType::ALL
        .iter()
        .map(|p| {
            format!(
                "{} {}",
                type_label(lang, *p),
                v.totals.by_type.get(p).copied().unwrap_or(0)
            )
        })
        .collect();
    let invoices = t!(
        lang,
        "summary-invoices",
        count = v.invoice_count,
        valid = valid,
        types = types.join(", ")
    );
    let _ = writeln!(s, "{invoices}");
    let _ = writeln!(s, "{}", t!(lang, "summary-lines", count = v.lines));
    let ignored = names.ignored_list();
    if !ignored.is_empty() {
        let columns = ignored.join(", ");
        let line = t!(
            lang,
            "summary-ignored",
            count = ignored.len(),
            columns = columns
        );
        let _ = writeln!(s, "{line}");
    }
    let problems = t!(
        lang,
        "summary-problems",
        errors = v.errors(),
        warnings = v.warnings()
    );
    let _ = writeln!(s, "{problems}");
}

/// The control totals per currency, and the currencies too large to total.
fn totals_text(lang: Lang, s: &mut String, v: &Validation) {
    let col = |key: &str| lang.t(key, &[]);
    let _ = writeln!(s);
    let _ = writeln!(s, "{}", col("summary-totals-title"));
    let _ = writeln!(
        s,
        "  {:<8} {:>9} {:>18} {:>16} {:>18}",
        col("summary-col-currency"),
        col("summary-col-invoices"),
        col("summary-col-incl-vat"),
        col("summary-col-vat"),
        col("summary-col-excl-vat")
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
        let _ = writeln!(s, "  {:<8} {}", cur.code(), col("summary-too-large"));
    }
}

/// Totals per invoice type and currency (currencies too large to total left out).
fn type_totals_text(lang: Lang, s: &mut String, v: &Validation) {
    let col = |key: &str| lang.t(key, &[]);
    let _ = writeln!(s);
    let _ = writeln!(s, "{}", col("summary-by-type-title"));
    let _ = writeln!(
        s,
        "  {:<12} {:<8} {:>9} {:>18}",
        col("summary-col-type"),
        col("summary-col-currency"),
        col("summary-col-invoices"),
        col("summary-col-incl-vat")
    );
    for ((product, cur), t) in &v.totals.by_type_amount {
        if v.totals.too_large.contains(cur) {
            continue;
        }
        let _ = writeln!(
            s,
            "  {:<12} {:<8} {:>9} {:>18}",
            type_label(lang, *product),
            cur.code(),
            t.invoices,
            format_minor_nordic(t.amount, cur.exponent())
        );
    }
}

/// Base and VAT per currency and VAT rate.
fn rates_text(lang: Lang, s: &mut String, v: &Validation) {
    let col = |key: &str| lang.t(key, &[]);
    let _ = writeln!(s);
    let _ = writeln!(s, "{}", col("summary-rates-title"));
    let _ = writeln!(
        s,
        "  {:<8} {:>7} {:>9} {:>18} {:>16}",
        col("summary-col-currency"),
        col("summary-col-rate"),
        col("summary-col-lines"),
        col("summary-col-base"),
        col("summary-col-vat")
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
fn largest_text(lang: Lang, s: &mut String, v: &Validation) {
    let _ = writeln!(s);
    let _ = writeln!(s, "{}", lang.t("summary-largest-title", &[]));
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

/// A problem's severity as the summary says it (`error`, `feil`).
pub fn severity_in(lang: Lang, severity: Severity) -> String {
    lang.t(
        match severity {
            Severity::Error => "summary-severity-error",
            Severity::Warning => "summary-severity-warning",
        },
        &[],
    )
}

/// The first [`SHOWN_PROBLEMS`] problems, and where the rest are.
fn problems_text(
    lang: Lang,
    s: &mut String,
    v: &Validation,
    names: &ColumnNames,
    report: Option<&str>,
) {
    let _ = writeln!(s);
    let _ = writeln!(s, "{}", lang.t("summary-problems-title", &[]));
    for p in v.problems.iter().take(SHOWN_PROBLEMS) {
        let _ = writeln!(
            s,
            "  {}: {}",
            severity_in(lang, p.severity),
            names.line_in(lang, p)
        );
    }
    if v.problems.len() > SHOWN_PROBLEMS {
        let more = v.problems.len() - SHOWN_PROBLEMS;
        let line = match report {
            Some(r) => t!(lang, "summary-more-in-report", more = more, report = r),
            None => t!(lang, "summary-more", more = more),
        };
        let _ = writeln!(s, "  {line}");
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
    describe_input_in(Lang::En, info, v)
}

/// [`describe_input`] in `lang`.
pub fn describe_input_in(lang: Lang, info: &SourceInfo, v: &Validation) -> String {
    let mut parts = vec![format!("{:?}", info.format).to_uppercase()];
    if let Some(sheet) = &info.sheet {
        parts.push(t!(lang, "summary-input-sheet", sheet = sheet));
    }
    if let Some(e) = &info.encoding {
        parts.push(e.clone());
    }
    if let Some(d) = info.delimiter {
        let name = SourceInfo::delimiter_name(d);
        parts.push(t!(lang, "summary-input-delimiter", delimiter = name));
    }
    if info.format == crate::input::Format::Csv || v.decimal != DecimalConvention::Unknown {
        let key = match v.decimal {
            DecimalConvention::Comma => "summary-input-decimal-comma",
            DecimalConvention::Point => "summary-input-decimal-point",
            DecimalConvention::Unknown => "summary-input-decimal-unknown",
        };
        parts.push(lang.t(key, &[]));
    }
    if info.blank_rows > 0 {
        let count = info.blank_rows;
        parts.push(t!(lang, "summary-input-blank-rows", count = count));
    }
    parts.join(", ")
}

/// The summary as JSON for scripts, messages in English.
pub fn render_json(info: &SourceInfo, v: &Validation, names: &ColumnNames) -> Value {
    render_json_in(Lang::En, info, v, names)
}

/// The summary as JSON for scripts. Amounts are integers in minor units; keys, codes and
/// numbers are the same in every language, only `message` texts follow `lang`.
pub fn render_json_in(lang: Lang, info: &SourceInfo, v: &Validation, names: &ColumnNames) -> Value {
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
        .map(|p| problem_json_in(lang, p, names))
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

/// One problem for scripts: `code` is the message's catalogue key (stable, in no
/// language); `message` is the sentence in English.
pub fn problem_json(p: &Problem, names: &ColumnNames) -> Value {
    problem_json_in(Lang::En, p, names)
}

/// [`problem_json`] with the sentence in `lang`.
pub fn problem_json_in(lang: Lang, p: &Problem, names: &ColumnNames) -> Value {
    json!({
        "row": p.row,
        "column": p.column.map(|c| names.header(c)),
        "column_letter": p.column.and_then(|c| names.letter(c)),
        "value": p.value,
        "severity": p.severity,
        "message": p.message_in(lang),
        "code": p.message.key,
        "merchant_reference": p.reference,
    })
}
