//! The words of a month end (`kravia-batch month-end`, run by `scripts/month-end.sh` and
//! `scripts/month-end.ps1`): control totals, problems, the question and the outcome, for
//! an accountant.
//!
//! Built from what `validate` and `import` print with `--format json` (the documented
//! contract for wrapper scripts), with the binary's own money formatting
//! ([`format_minor_nordic`], [`format_minor`]) and problem lines ([`ColumnNames::line`]).
//! The fixed verdicts, which depend only on an exit code, are in [`super::verdicts`].

use crate::model::money::{format_minor, format_minor_nordic};
use crate::model::{Currency, ProductType};
use crate::output::summary::plural;
use crate::plan::Plan;
use crate::problem::{ColumnNames, Problem, Severity};
use serde_json::Value;
use std::fmt::Write;

/// How many errors (and, apart, warnings) the check lists before pointing at the report.
pub const SHOWN_PROBLEMS: usize = 12;

/// What a command printed on stdout with `--format json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// No JSON at all (a crash, or clap's usage message on stderr).
    Nothing,
    /// `{"error": ..., "exit_code": N}`: the command could not start.
    Error,
    /// The dry run's summary (also what `import` prints when the file has errors).
    Summary,
    /// A live run's outcome (`counts`, `totals`, `results_file`...).
    Outcome,
}

impl Kind {
    pub fn of(j: Option<&Value>) -> Kind {
        match j {
            Some(Value::Object(m)) if m.contains_key("error") => Kind::Error,
            Some(Value::Object(m)) if m.contains_key("counts") => Kind::Outcome,
            Some(Value::Object(_)) => Kind::Summary,
            _ => Kind::Nothing,
        }
    }
}

/// The invoices and totals a plan approved: what the question asks about, and what
/// `--confirm-total` repeats to `import`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Approved {
    pub invoices: u64,
    /// Per currency (ISO code) in the order the control totals are shown, minor units.
    pub totals: Vec<(String, i64)>,
}

impl Approved {
    pub fn of(plan: &Plan) -> Approved {
        let mut totals: Vec<(String, i64)> = plan
            .totals
            .iter()
            .map(|(code, t)| (code.clone(), t.amount))
            .collect();
        // The plan keys its totals by code (EUR first); the summary lists them in the
        // currencies' own order (NOK, SEK, EUR, DKK).
        totals.sort_by_key(|(code, _)| Currency::parse(code).ok());
        Approved {
            invoices: plan.totals.values().map(|t| t.invoices).sum(),
            totals,
        }
    }

    /// `Send 25 invoices totalling 136 919,68 NOK and 681,50 EUR? (yes/no) `, without a
    /// line break: the answer is typed after it.
    pub fn question(&self) -> String {
        let amounts: Vec<String> = self
            .totals
            .iter()
            .map(|(code, amount)| format!("{} {code}", money(*amount, code)))
            .collect();
        format!(
            "Send {} totalling {}? (yes/no) ",
            plural(self.invoices, "invoice"),
            and_list(&amounts)
        )
    }

    /// `NOK=136919.68,EUR=681.50`, as `import --confirm-total` reads it.
    pub fn confirm_total(&self) -> String {
        self.totals
            .iter()
            .map(|(code, amount)| format!("{code}={}", format_minor(*amount, exponent(code))))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// What the last run of a file recorded (the `STEM.last-run.json` the steps keep).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Previous {
    /// Never sent, or the last run sent nothing (exit 1, 2 or 3).
    Nothing,
    /// Every invoice was created (exit 0).
    Done { when: String },
    /// Kravia refused some invoices (exit 4).
    Refused { when: String },
    /// The run did not finish (exit 5, killed, or still running when it was recorded).
    Unfinished { when: String },
}

impl Previous {
    /// From the state file's JSON: `started_at`, and `exit_code` (null until it ends).
    pub fn of(state: Option<&Value>) -> Previous {
        let Some(Value::Object(s)) = state else {
            return Previous::Nothing;
        };
        let when = s
            .get("started_at")
            .and_then(Value::as_str)
            .filter(|w| !w.is_empty())
            .unwrap_or("earlier")
            .to_string();
        match s.get("exit_code").and_then(Value::as_i64) {
            Some(0) => Previous::Done { when },
            Some(1..=3) => Previous::Nothing,
            Some(4) => Previous::Refused { when },
            _ => Previous::Unfinished { when },
        }
    }

    /// Whether sending now resumes an earlier run.
    pub fn resumes(&self) -> bool {
        *self != Previous::Nothing
    }

    /// What the check says first about an earlier run (empty when there was none).
    pub fn text(&self) -> String {
        let lines: &[&str] = match self {
            Previous::Nothing => return String::new(),
            Previous::Done { .. } => &[
                "This file was already sent on {when}, and every invoice was created then.",
                "Running it again sends nothing twice: invoices that already exist are skipped.",
            ],
            Previous::Refused { .. } => &[
                "This file was sent on {when}, and Kravia refused some invoices then.",
                "Running it again resumes: it sends only invoices that were never sent, and nothing twice.",
                "(Refused invoices are not sent again: correct them and send them in a separate file.)",
            ],
            Previous::Unfinished { .. } => &[
                "This file was sent on {when}, and that run did not finish.",
                "This run resumes it: invoices that were already created are skipped, and no invoice is sent twice.",
            ],
        };
        let when = match self {
            Previous::Done { when }
            | Previous::Refused { when }
            | Previous::Unfinished { when } => when.as_str(),
            Previous::Nothing => "",
        };
        let mut s = String::new();
        for line in lines {
            let _ = writeln!(s, "{}", line.replace("{when}", when));
        }
        s.push('\n');
        s
    }
}

/// The dry run's summary in plain words: counts, control totals (with VAT per rate and
/// the largest invoice when there are no errors) and problems; or why the file could not
/// be checked.
pub fn check_text(j: &Value) -> String {
    let mut s = String::new();
    if let Some(error) = j.get("error") {
        let head = if int(j, "exit_code") == 1 {
            "The file cannot be read as an invoice list:"
        } else {
            "kravia-batch could not check the file:"
        };
        let _ = writeln!(s, "{head}");
        for line in text_of(error).lines() {
            let _ = writeln!(s, "    {line}");
        }
        return s;
    }
    let (invoices, valid, invalid) = (
        int(j, "invoices"),
        int(j, "valid_invoices"),
        int(j, "invalid_invoices"),
    );
    let (errors, warnings) = (int(j, "errors"), int(j, "warnings"));
    let _ = writeln!(
        s,
        "The file has {} on {}.",
        plural(invoices, "invoice"),
        plural(int(j, "lines"), "line")
    );
    if errors == 0 {
        let it = if invoices == 1 {
            "of it is"
        } else {
            "of them are"
        };
        let _ = writeln!(s, "All {it} correct.");
    } else {
        let _ = writeln!(
            s,
            "{} {} errors ({} in all); {} correct.",
            plural(invalid, "invoice"),
            if invalid == 1 { "has" } else { "have" },
            plural(errors, "error"),
            n_of(valid, "invoice is", "invoices are")
        );
    }
    let kinds: Vec<String> = ProductType::ALL
        .iter()
        .filter_map(|p| {
            let n = j.get("by_type").map_or(0, |b| int(b, p.api_name()));
            (n > 0).then(|| format!("{n} {}", kind_words(*p)))
        })
        .collect();
    if !kinds.is_empty() {
        let _ = writeln!(s, "Kinds: {}.", kinds.join(", "));
    }
    let totals = list(j, "totals");
    if !totals.is_empty() {
        totals_text(&mut s, j, totals, errors > 0);
    }
    problems_text(&mut s, j, errors, warnings);
    s
}

/// The errors, then the warnings, each under its heading: the first [`SHOWN_PROBLEMS`]
/// with the binary's problem line, then how many more the error report has.
fn problems_text(s: &mut String, j: &Value, errors: u64, warnings: u64) {
    let sections = [
        (
            Severity::Error,
            "Errors (these must be corrected before anything can be sent):",
            errors,
        ),
        (
            Severity::Warning,
            "Warnings (these do not stop anything; check them):",
            warnings,
        ),
    ];
    for (severity, title, total) in sections {
        let these: Vec<&Value> = list(j, "problems")
            .iter()
            .filter(|p| str_of(p, "severity") == severity.to_string())
            .collect();
        if these.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n{title}");
        for p in these.iter().take(SHOWN_PROBLEMS) {
            if let Some((problem, names)) = problem_of(p) {
                let _ = writeln!(s, "  {}", names.line(&problem));
            }
        }
        let listed = these.len().min(SHOWN_PROBLEMS) as u64;
        if total > listed {
            let _ = writeln!(
                s,
                "  ... and {} more: all of them are in the error report.",
                total - listed
            );
        }
    }
}

/// The control totals table; with no errors, VAT per rate and the largest invoice too
/// (with errors the problems matter, and the details come when they are fixed).
fn totals_text(s: &mut String, j: &Value, totals: &[Value], errors: bool) {
    let of = if errors {
        " of the correct invoices"
    } else {
        ""
    };
    let _ = writeln!(s, "\nControl totals{of} (compare them with the ledger):");
    let _ = writeln!(
        s,
        "  {:<9} {:>8} {:>18} {:>16} {:>18}",
        "Currency", "Invoices", "Incl. VAT", "VAT", "Excl. VAT"
    );
    for t in totals {
        let cur = str_of(t, "currency");
        let _ = writeln!(
            s,
            "  {:<9} {:>8} {:>18} {:>16} {:>18}",
            cur,
            int(t, "invoices"),
            money(minor(t, "amount"), cur),
            money(minor(t, "vat_amount"), cur),
            money(minor(t, "net_amount"), cur)
        );
    }
    if errors {
        return;
    }
    let rates = list(j, "vat_rates");
    if !rates.is_empty() {
        let _ = writeln!(s, "\nVAT per rate:");
        for r in rates {
            let cur = str_of(r, "currency");
            let rate = format!("{} %", text_of(&r["rate"]).replace('.', ","));
            let _ = writeln!(
                s,
                "  {:<9} {:<7} base {:>16}   VAT {:>14}   ({})",
                cur,
                rate,
                money(minor(r, "base"), cur),
                money(minor(r, "vat_amount"), cur),
                plural(int(r, "lines"), "line")
            );
        }
    }
    let largest: Vec<&Value> = totals.iter().filter(|t| t["largest"].is_object()).collect();
    if !largest.is_empty() {
        let _ = writeln!(s, "\nLargest invoice:");
        for t in largest {
            let (cur, l) = (str_of(t, "currency"), &t["largest"]);
            let _ = writeln!(
                s,
                "  {:<9} {:>16}   invoice {} to {}",
                cur,
                money(minor(l, "amount"), cur),
                str_of(l, "merchant_reference"),
                str_of(l, "customer")
            );
        }
    }
}

/// A problem of the JSON summary as the binary's own [`Problem`], with the column names
/// [`ColumnNames::line`] needs to show it: the JSON carries the column's header and its
/// Excel letter (the column's place), which is what that line is made of. The letter is
/// shown for CSV files too, as in the error report: accountants open a CSV in Excel and
/// look for the letter. `None` for something that is not a problem.
fn problem_of(p: &Value) -> Option<(Problem, ColumnNames)> {
    let severity = match p.get("severity").and_then(Value::as_str)? {
        "error" => Severity::Error,
        "warning" => Severity::Warning,
        _ => return None,
    };
    let mut names = ColumnNames {
        letters: true,
        ..ColumnNames::default()
    };
    let column = p.get("column").and_then(Value::as_str).map(|header| {
        let letter = p.get("column_letter").and_then(Value::as_str);
        // Without a letter, the header alone (and no letter is shown).
        let at = letter.and_then(letter_index).unwrap_or_else(|| {
            names.letters = false;
            0
        });
        names.headers.resize(at + 1, String::new());
        names.headers[at] = header.to_string();
        at
    });
    let problem = Problem {
        severity,
        row: p
            .get("row")
            .and_then(Value::as_u64)
            .and_then(|r| u32::try_from(r).ok()),
        column,
        value: p
            .get("value")
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .map(str::to_string),
        reference: p
            .get("merchant_reference")
            .and_then(Value::as_str)
            .map(str::to_string),
        message: str_of(p, "message").into(),
    };
    Some((problem, names))
}

/// The zero-based index of an Excel column letter: `A` -> 0, `AA` -> 26 (the inverse of
/// [`crate::mapping::column_letter`]).
pub(super) fn letter_index(letters: &str) -> Option<usize> {
    if letters.is_empty() || !letters.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let n = letters.bytes().try_fold(0usize, |n, b| {
        n.checked_mul(26)?.checked_add(usize::from(b - b'A') + 1)
    })?;
    Some(n - 1)
}

/// The live run's outcome: invoices per status with their amounts, and where the results
/// file is. For a summary (the file had errors after all) the check's text; nothing for
/// an error, which `import` has just shown on stderr.
pub fn outcome_text(j: &Value) -> String {
    match Kind::of(Some(j)) {
        Kind::Nothing | Kind::Error => return String::new(),
        Kind::Summary => return check_text(j),
        Kind::Outcome => {}
    }
    let mut s = String::new();
    let account = j.get("account").and_then(Value::as_str).unwrap_or("?");
    let _ = writeln!(s, "Dintero account {account}.");
    let statuses = [
        ("created", "Created at Kravia"),
        ("already_exists", "Already at Kravia before"),
        ("failed", "Refused by Kravia"),
        ("unknown", "Outcome not known yet"),
        ("not_sent", "Not sent"),
    ];
    for (key, words) in statuses {
        let n = j.get("counts").map_or(0, |c| int(c, key));
        if n == 0 && matches!(key, "unknown" | "not_sent") {
            continue;
        }
        let _ = write!(s, "  {:<26} {n:>5}", format!("{words}:"));
        let amounts = j.get("totals").map_or(&[][..], |t| list(t, key));
        if !amounts.is_empty() {
            let _ = write!(s, "   {}", amounts_text(amounts));
        }
        s.push('\n');
    }
    if j.get("interrupted").and_then(Value::as_bool) == Some(true) {
        let _ = writeln!(s, "The run was interrupted before the end.");
    }
    if j.get("reconciled").and_then(Value::as_bool) == Some(false) {
        let _ = writeln!(
            s,
            "WARNING: the totals in the results file differ from the checked totals. Do not send again; contact support with the results file."
        );
    }
    let _ = writeln!(
        s,
        "\nResults file (one line per invoice, with its Kravia invoice number):"
    );
    let _ = writeln!(s, "  {}", str_of(j, "results_file"));
    s
}

/// `681,50 EUR, 136 919,68 NOK and 12 800,00 SEK`, from `[{currency, amount}, ...]`.
fn amounts_text(items: &[Value]) -> String {
    let parts: Vec<String> = items
        .iter()
        .map(|t| {
            let cur = str_of(t, "currency");
            format!("{} {cur}", money(minor(t, "amount"), cur))
        })
        .collect();
    and_list(&parts)
}

/// Minor units of `currency` as a Norwegian ledger shows them: `136 919,68`.
fn money(minor: i64, currency: &str) -> String {
    format_minor_nordic(minor, exponent(currency))
}

fn exponent(currency: &str) -> u32 {
    Currency::parse(currency).map_or(2, |c| c.exponent())
}

/// The accountant's word for an invoice type.
fn kind_words(p: ProductType) -> &'static str {
    match p {
        ProductType::B2b => "to businesses",
        ProductType::B2bGrouped => "to businesses (grouped)",
        ProductType::B2c => "to private persons",
    }
}

/// `1 invoice is`, `5 invoices are`: [`plural`] for words that do not just add an `s`.
fn n_of(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// A count from the JSON (0 when missing).
fn int(j: &Value, key: &str) -> u64 {
    j.get(key).and_then(Value::as_u64).unwrap_or(0)
}

/// An amount in minor units from the JSON (0 when missing).
fn minor(j: &Value, key: &str) -> i64 {
    j.get(key).and_then(Value::as_i64).unwrap_or(0)
}

fn str_of<'a>(j: &'a Value, key: &str) -> &'a str {
    j.get(key).and_then(Value::as_str).unwrap_or("")
}

/// A JSON value as text: a string as is, anything else as JSON (`12.5`).
fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn list<'a>(j: &'a Value, key: &str) -> &'a [Value] {
    j.get(key)
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice)
}
