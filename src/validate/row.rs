//! One row on its own: the checks that need nothing but the row's cells.
//!
//! Runs in parallel over a chunk of rows. Invoice-level cells are only trimmed and kept
//! (their meaning depends on other rows of the same invoice); line-level cells are
//! parsed into exact amounts here, once.

use super::shard::ShortRef;
use crate::input::{CellRef, RowCells};
use crate::mapping::{ColumnMap, Field};
use crate::model::money::{
    decimal_from_f64, exceeds_max_amount, format_minor, format_minor_nordic, max_amount_minor,
    parse_number, round_to_minor, to_minor_exact,
};
use crate::model::{Currency, DecimalConvention, Evidence, NumberError, VatRate};
use crate::problem::Problem;
use rust_decimal::Decimal;
use std::borrow::Cow;

/// What the row parser needs to know about the file.
pub struct RowContext<'m> {
    pub map: &'m ColumnMap,
    pub hasher: foldhash::fast::FixedState,
    /// Invoice-level fields present in the file (other than the reference), with columns.
    pub invoice_cols: &'m [(Field, usize)],
    /// Runs of neighbouring columns that hold the invoice-level cells and the
    /// reference, for the fingerprint (see [`fingerprint_runs`]).
    pub runs: &'m [std::ops::Range<usize>],
    pub convention: DecimalConvention,
    pub default_currency: Currency,
}

/// The runs of neighbouring columns that hold a file's invoice-level cells and its
/// reference: what a CSV row's fingerprint hashes (see [`span_fingerprint`]).
pub fn fingerprint_runs(
    map: &ColumnMap,
    invoice_cols: &[(Field, usize)],
) -> Vec<std::ops::Range<usize>> {
    let mut cols: Vec<usize> = invoice_cols.iter().map(|&(_, c)| c).collect();
    cols.extend(map.column(Field::MerchantReference));
    cols.sort_unstable();
    cols.dedup();
    let mut runs: Vec<std::ops::Range<usize>> = Vec::new();
    for c in cols {
        match runs.last_mut() {
            Some(run) if run.end == c => run.end = c + 1,
            _ => runs.push(c..c + 1),
        }
    }
    runs
}

impl<'m> RowContext<'m> {
    pub fn new(
        map: &'m ColumnMap,
        invoice_cols: &'m [(Field, usize)],
        runs: &'m [std::ops::Range<usize>],
        hasher: foldhash::fast::FixedState,
        convention: DecimalConvention,
        default_currency: Currency,
    ) -> Self {
        RowContext {
            map,
            hasher,
            invoice_cols,
            runs,
            convention,
            default_currency,
        }
    }
}

/// A line whose cells all parsed.
pub struct LineDraft<'a> {
    pub description: Cow<'a, str>,
    pub quantity: Decimal,
    pub amount: i64,
    pub vat: VatRate,
    pub vat_amount: i64,
    pub line_id: Option<Cow<'a, str>>,
    pub item_id: Option<Cow<'a, str>>,
}

/// The line-level part of a row, parsed in parallel. Invoice-level cells are read in
/// file order by the merge step, straight from the row.
pub struct RowDraft<'a> {
    /// The merchant reference, trimmed (empty when the cell is blank).
    pub reference: Cow<'a, str>,
    /// `reference` as the accumulator holds it, for the merge to compare.
    pub short: ShortRef,
    /// `reference` hashed with the validator's hasher.
    pub hash: u64,
    /// A 128-bit fingerprint of the row's non-blank invoice-level cells. A row whose
    /// fingerprint equals its invoice's first row's repeats it exactly (the common case
    /// of exports that repeat customer data on every line) and needs no comparison.
    pub fingerprint: u128,
    /// `None` when a line-level cell had an error (in `problems`).
    pub line: Option<LineDraft<'a>>,
    pub problems: Vec<Problem>,
}

/// Text of a cell, trimmed; spreadsheet numbers print as people see them.
#[inline]
pub fn text_of<'a>(cell: CellRef<'a>) -> (Cow<'a, str>, bool) {
    match cell {
        CellRef::Text(Cow::Borrowed(s)) => {
            (Cow::Borrowed(crate::model::money::trim_cell(s)), false)
        }
        other => owned_text_of(other),
    }
}

/// [`text_of`] for the cells that are not borrowed text (Excel values, decoded text).
fn owned_text_of<'a>(cell: CellRef<'a>) -> (Cow<'a, str>, bool) {
    match cell {
        CellRef::Text(Cow::Borrowed(s)) => {
            (Cow::Borrowed(crate::model::money::trim_cell(s)), false)
        }
        CellRef::Text(Cow::Owned(s)) => {
            let t = crate::model::money::trim_cell(&s);
            (
                Cow::Owned(if t.len() == s.len() { s } else { t.to_string() }),
                false,
            )
        }
        CellRef::Number(n) => (Cow::Owned(format!("{n}")), true),
        other => (Cow::Owned(other.text().into_owned()), false),
    }
}

/// A number cell read exactly, with what its text says about the decimal convention.
pub fn number_of(
    cell: &CellRef<'_>,
    convention: DecimalConvention,
) -> Result<(Decimal, Option<&'static str>), NumberError> {
    match cell {
        CellRef::Number(n) => match decimal_from_f64(*n) {
            Some(d) => Ok((d, None)),
            // A finite number a `Decimal` cannot hold is at least 2^96 (or so small
            // that its text has more than 28 decimals).
            None if n.is_finite() && n.abs() >= 1.0 => Err(NumberError::TooLarge),
            None => Err(NumberError::NotANumber),
        },
        CellRef::Text(t) => parse_number(t, convention).map(|p| (p.value, p.currency_word)),
        CellRef::Empty => Err(NumberError::Empty),
        _ => Err(NumberError::NotANumber),
    }
}

/// The convention a cell's text shows, for detecting the file's convention.
pub fn evidence_of(cell: &CellRef<'_>) -> Evidence {
    match cell {
        CellRef::Text(t) => {
            parse_number(t, DecimalConvention::Unknown).map_or(Evidence::None, |p| p.evidence)
        }
        _ => Evidence::None,
    }
}

/// The row's merchant reference, trimmed (empty when the cell is blank).
pub fn reference_of<'a, R: RowCells>(r: &'a R, ctx: &RowContext<'_>) -> Cow<'a, str> {
    ctx.map
        .column(Field::MerchantReference)
        .map(|c| text_of(r.cell(c)).0)
        .unwrap_or_default()
}

/// Parses a row whose reference is `reference` (see [`reference_of`]), which hashes to
/// `hash`.
pub fn parse_row<'a, R: RowCells>(
    r: &'a R,
    ctx: &RowContext<'_>,
    reference: Cow<'a, str>,
    hash: u64,
) -> RowDraft<'a> {
    let mut problems = Vec::new();
    // The currency this row's amounts are in: its own cell, else the default. The
    // invoice-level check later makes sure all rows agree.
    let currency = ctx
        .map
        .column(Field::Currency)
        .map(|c| r.cell(c))
        .filter(|c| !c.is_blank())
        .and_then(|c| currency_of(&c, ctx.default_currency))
        .unwrap_or(ctx.default_currency);
    let line = parse_line(r, r.row(), ctx, currency, &mut problems);
    let fingerprint = match span_fingerprint(r, ctx) {
        Some(f) => f,
        None => cell_fingerprint(r, ctx),
    };
    RowDraft {
        short: ShortRef::of(&reference),
        reference,
        hash,
        fingerprint,
        line,
        problems,
    }
}

/// The fingerprint of a CSV row: its invoice-level columns hashed as the few runs of
/// raw text they stand in, with where each field ends in them. Equal runs and ends mean
/// equal raw cells, hence equal trimmed cells; a blank cell, or spaces around a value,
/// just makes a row differ here and take the merge step's full comparison. Hashing a
/// run at once costs a fraction of reading a dozen cells one by one.
fn span_fingerprint<R: RowCells>(r: &R, ctx: &RowContext<'_>) -> Option<u128> {
    let mut fp = Fingerprint::new();
    for run in ctx.runs {
        let (text, start, ends) = r.raw_span(run.clone())?;
        // Tag 0xfe is no field's (those are below 0x40, with 0x80 for numbers), so a
        // run never hashes like a cell of the other path.
        fp.cell(0xfe, text.as_bytes());
        for pair in ends.chunks(2) {
            let end = |i: usize| {
                pair.get(i)
                    .map_or(0, |&e| u64::from(e.wrapping_sub(start)) + 1)
            };
            fp.mix(end(0), end(1));
        }
    }
    Some(fp.finish())
}

/// The fingerprint of a row cell by cell (spreadsheets, and rows the CSV path cannot
/// take). Text cells go in as written, untrimmed: equal raw texts have equal trimmed
/// texts, and a row that differs only in surrounding spaces merely takes the merge
/// step's full comparison.
fn cell_fingerprint<R: RowCells>(r: &R, ctx: &RowContext<'_>) -> u128 {
    let mut fp = Fingerprint::new();
    for &(field, col) in ctx.invoice_cols {
        let c = r.cell(col);
        if c.is_blank() {
            continue;
        }
        match c {
            CellRef::Text(t) => fp.cell(field as u8, t.as_bytes()),
            other => {
                let (text, from_number) = text_of(other);
                fp.cell(
                    field as u8 | if from_number { 0x80 } else { 0 },
                    text.as_bytes(),
                );
            }
        }
    }
    fp.finish()
}

/// A 128-bit hash of a row's invoice-level cells, fed straight from the cells (copying
/// them into one buffer first cost more than hashing them).
///
/// Each cell is a header word (tag, length) followed by its bytes as little-endian words,
/// the last one read overlapping (or, under eight bytes, as `foldhash` reads short
/// inputs); given the length this is injective, so different cell lists give different
/// word sequences. The words go in pairs through two independent lanes of folded
/// multiplies with different keys, as `foldhash` does with two seeds.
struct Fingerprint {
    a: u64,
    b: u64,
}

/// Keys of the two lanes. Each `*1` key has an `0xff` byte, which neither UTF-8 text nor
/// a header word contains, so the second factor of a folded multiply is never zero.
const LANE_A: [u64; 2] = [0x243f_6a88_85a3_08d3, 0xff37_79b9_7f4a_7c15];
const LANE_B: [u64; 2] = [0x1319_8a2e_0370_7344, 0xc2b2_ae3d_27d4_ebff];

#[inline]
fn folded_multiply(x: u64, y: u64) -> u64 {
    let p = u128::from(x) * u128::from(y);
    (p as u64) ^ ((p >> 64) as u64)
}

impl Fingerprint {
    fn new() -> Self {
        Fingerprint {
            a: 0x9e37_79b9_7f4a_7c15,
            b: 0xc2b2_ae3d_27d4_eb4f,
        }
    }

    #[inline]
    fn mix(&mut self, x: u64, y: u64) {
        self.a = folded_multiply(self.a ^ x ^ LANE_A[0], y ^ LANE_A[1]);
        self.b = folded_multiply(self.b ^ x ^ LANE_B[0], y ^ LANE_B[1]);
    }

    // Called for every invoice-level cell of every row: the call itself cost a third.
    #[inline(always)]
    fn cell(&mut self, tag: u8, bytes: &[u8]) {
        let len = bytes.len();
        let header = u64::from(tag) | ((len as u64) << 8);
        match (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
            // Eight to sixteen bytes, the common case: the first and the last eight.
            (Some(first), Some(last)) if len <= 16 => {
                self.mix(header, u64::from_le_bytes(*first));
                self.mix(u64::from_le_bytes(*last), 0);
            }
            (Some(first), Some(_)) => {
                self.mix(header, u64::from_le_bytes(*first));
                self.long_tail(bytes);
            }
            _ => {
                let small = if len >= 4 {
                    let half = |at: usize| {
                        bytes
                            .get(at..)
                            .and_then(|b| b.first_chunk::<4>())
                            .map_or(0, |w| u64::from(u32::from_le_bytes(*w)))
                    };
                    half(0) | (half(len - 4) << 32)
                } else if len > 0 {
                    u64::from(bytes[0])
                        | (u64::from(bytes[len / 2]) << 8)
                        | (u64::from(bytes[len - 1]) << 16)
                } else {
                    0
                };
                self.mix(header, small);
            }
        }
    }

    /// The words after the first of a cell longer than sixteen bytes: at 8, 16, ... and
    /// the last eight bytes, in pairs.
    #[inline(never)]
    fn long_tail(&mut self, bytes: &[u8]) {
        let len = bytes.len();
        let last = len.saturating_sub(8);
        let word = |at: usize| {
            bytes
                .get(at.min(last)..)
                .and_then(|b| b.first_chunk::<8>())
                .map_or(0, |w| u64::from_le_bytes(*w))
        };
        let mut at = 8;
        while at < len {
            let y = if at + 8 < len { word(at + 8) } else { 0 };
            self.mix(word(at), y);
            at += 16;
        }
    }

    fn finish(&self) -> u128 {
        let a = folded_multiply(self.a ^ LANE_A[0], LANE_A[1]);
        let b = folded_multiply(self.b ^ LANE_B[0], LANE_B[1]);
        (u128::from(a) << 64) | u128::from(b)
    }
}

/// The currency a non-blank cell names. The default currency's own code, which exports
/// write on every row, is recognised without `Currency::parse` (which allocates); it
/// parses to that currency (see the tests).
fn currency_of(c: &CellRef<'_>, default: Currency) -> Option<Currency> {
    if let CellRef::Text(t) = c
        && crate::model::money::trim_cell(t) == default.code()
    {
        return Some(default);
    }
    Currency::parse(&c.text()).ok()
}

/// `d > 0`, without a general `Decimal` comparison.
fn is_positive(d: Decimal) -> bool {
    !d.is_zero() && d.is_sign_positive()
}

/// `d < 0`, without a general `Decimal` comparison.
fn is_negative(d: Decimal) -> bool {
    !d.is_zero() && d.is_sign_negative()
}

/// A line total computed from other cells (`unit_price x quantity`, `net_amount + VAT`).
struct Computed {
    /// The column the problems point at.
    col: usize,
    /// How messages name the computation.
    what: &'static str,
    /// The cells to check, for messages.
    cells: &'static str,
    /// The exact total before rounding, `None` when it does not fit a `Decimal`.
    exact: Option<Decimal>,
    /// The total rounded to minor units, `None` when it does not fit an `i64`.
    minor: Option<i64>,
}

impl Computed {
    fn new(
        col: usize,
        what: &'static str,
        cells: &'static str,
        exact: Option<Decimal>,
        exp: u32,
    ) -> Computed {
        Computed {
            col,
            what,
            cells,
            exact,
            minor: exact.and_then(|v| round_to_minor(v, exp)),
        }
    }

    /// The line total, or why it cannot be one: more than `max` minor units, or nothing
    /// once rounded (`299 x 0,0000001` is 0,00 kroner, which no invoice can carry).
    fn line_total(&self, max: i64, currency: Currency) -> Result<i64, String> {
        let exp = currency.exponent();
        let bound = || {
            format!(
                "at most {} {currency} per line",
                format_minor_nordic(max, exp)
            )
        };
        match self.minor {
            Some(m) if m > max => Err(format!(
                "{} is {}, too large: {}",
                self.what,
                format_minor_nordic(m, exp),
                bound()
            )),
            None => Err(format!("{} is too large: {}", self.what, bound())),
            Some(m) if m <= 0 => {
                let exact = self
                    .exact
                    .map_or_else(String::new, |d| d.normalize().to_string().replace('.', ","));
                Err(format!(
                    "{} is {exact}, which rounds to {} {currency}: a line must total at least {} {currency} (free lines and credit notes are not supported); check {}",
                    self.what,
                    format_minor_nordic(0, exp),
                    format_minor_nordic(1, exp),
                    self.cells
                ))
            }
            Some(m) => Ok(m),
        }
    }
}

fn parse_line<'a, R: RowCells>(
    r: &'a R,
    row: u32,
    ctx: &RowContext<'_>,
    currency: Currency,
    problems: &mut Vec<Problem>,
) -> Option<LineDraft<'a>> {
    let map = ctx.map;
    let exp = currency.exponent();
    // The most a line may total (see `MAX_AMOUNT_MAJOR`), and how messages name it.
    let max = max_amount_minor(exp);
    let bound = || {
        format!(
            "at most {} {currency} per line",
            format_minor_nordic(max, exp)
        )
    };
    let before = problems.len();
    let mut err = |col: usize, value: &CellRef<'_>, msg: String| {
        let v = value.text().into_owned();
        problems.push(Problem::error(
            row,
            Some(col),
            (!v.is_empty()).then_some(v),
            msg,
        ));
    };

    let description = match map.column(Field::Description) {
        Some(col) => {
            let c = r.cell(col);
            if c.is_blank() {
                err(
                    col,
                    &c,
                    "description is empty: every line needs a text the customer will read".into(),
                );
                None
            } else {
                Some(text_of(c).0)
            }
        }
        None => None,
    };

    let quantity = match map.column(Field::Quantity).map(|c| (c, r.cell(c))) {
        Some((col, c)) if !c.is_blank() => match number_of(&c, ctx.convention) {
            Ok((q, None)) if is_positive(q) => Some(q),
            Ok((_, Some(_))) => {
                err(col, &c, "quantity must be a plain number".into());
                None
            }
            Ok(_) => {
                err(
                    col,
                    &c,
                    "quantity must be more than zero (credit notes are not supported)".into(),
                );
                None
            }
            Err(e) => {
                err(col, &c, format!("quantity {e}"));
                None
            }
        },
        _ => Some(Decimal::ONE),
    };

    let vat = match map.column(Field::Vat).map(|c| (c, r.cell(c))) {
        Some((col, c)) if !c.is_blank() => match number_of(&c, ctx.convention) {
            Ok((v, None)) => match VatRate::new(v) {
                Ok(rate) => Some(rate),
                Err(e) => {
                    err(col, &c, format!("VAT rate {e}"));
                    None
                }
            },
            Ok((_, Some(_))) => {
                err(
                    col,
                    &c,
                    "VAT rate must be a plain percent number, for example 25".into(),
                );
                None
            }
            Err(e) => {
                err(col, &c, format!("VAT rate {e}"));
                None
            }
        },
        Some((col, c)) => {
            err(
                col,
                &c,
                "VAT rate is empty: write the percent, for example 25 (or 0)".into(),
            );
            None
        }
        None => None,
    };

    // A money cell: exact decimal, currency word matching, sign.
    let mut money = |field: Field,
                     exact: bool,
                     zero_ok: bool|
     -> Option<Option<(usize, Decimal)>> {
        let col = map.column(field)?;
        let c = r.cell(col);
        if c.is_blank() {
            return None;
        }
        let name = field.name();
        match number_of(&c, ctx.convention) {
            Ok((v, word)) => {
                if let Some(w) = word
                    && currency != Currency::NOK
                {
                    err(
                        col,
                        &c,
                        format!(
                            "{name} says {w} but the invoice currency is {currency}: write the number only"
                        ),
                    );
                    return Some(None);
                }
                if is_negative(v) || (v.is_zero() && !zero_ok) {
                    err(
                        col,
                        &c,
                        format!(
                            "{name} must be more than zero (credit notes and free lines are not supported)"
                        ),
                    );
                    return Some(None);
                }
                if exact {
                    // Too large is told apart from too precise: `99999999999999999999999`
                    // has no decimals at all.
                    let too_large = match to_minor_exact(v, exp) {
                        Some(m) => m > max,
                        None if exceeds_max_amount(v, exp) => true,
                        None => {
                            err(
                                col,
                                &c,
                                format!("{name} has more decimals than {currency} allows ({exp})"),
                            );
                            return Some(None);
                        }
                    };
                    if too_large {
                        err(col, &c, format!("{name} is too large: {}", bound()));
                        return Some(None);
                    }
                }
                Some(Some((col, v)))
            }
            Err(NumberError::TooLarge) => {
                err(col, &c, format!("{name} is too large: {}", bound()));
                Some(None)
            }
            Err(e) => {
                err(col, &c, format!("{name} {e}"));
                Some(None)
            }
        }
    };
    let amount_cell = money(Field::Amount, true, false);
    let unit_cell = money(Field::UnitPrice, false, false);
    let net_cell = money(Field::NetAmount, false, false);
    let vat_amount_cell = money(Field::VatAmount, true, true);

    let mut amount: Option<i64> = None;
    if let (Some(q), Some(rate)) = (quantity, vat) {
        let from_unit = unit_cell.flatten().map(|(col, u)| {
            Computed::new(
                col,
                "unit_price x quantity",
                "unit_price and quantity",
                u.checked_mul(q),
                exp,
            )
        });
        let from_net = net_cell.flatten().map(|(col, n)| {
            Computed::new(
                col,
                "net_amount + VAT",
                "net_amount",
                rate.gross_of_net(n),
                exp,
            )
        });
        let given = amount_cell
            .flatten()
            .and_then(|(col, a)| to_minor_exact(a, exp).map(|m| (col, m)));
        amount = match (given, from_unit, from_net) {
            (Some((_, a)), unit, net) => {
                for other in [unit, net].into_iter().flatten() {
                    let message = match other.minor {
                        Some(v) if v > max => format!(
                            "{} is {}, too large: {}",
                            other.what,
                            format_minor_nordic(v, exp),
                            bound()
                        ),
                        Some(v) if v != a => format!(
                            "amount is {} but {} is {}: fix one of them",
                            format_minor(a, exp),
                            other.what,
                            format_minor(v, exp)
                        ),
                        Some(_) => continue,
                        None => format!("{} is too large: {}", other.what, bound()),
                    };
                    problems.push(Problem::error(row, Some(other.col), None, message));
                }
                Some(a)
            }
            (None, Some(c), _) | (None, None, Some(c)) => {
                let checked = c.line_total(max, currency);
                if let Err(message) = &checked {
                    problems.push(Problem::error(row, Some(c.col), None, message.as_str()));
                }
                checked.ok()
            }
            (None, None, None) => {
                if amount_cell.is_none() && unit_cell.is_none() && net_cell.is_none() {
                    let col = map
                        .column(Field::Amount)
                        .or(map.column(Field::UnitPrice))
                        .or(map.column(Field::NetAmount));
                    problems.push(Problem::error(
                        row,
                        col,
                        None,
                        "the line has no amount: fill amount (incl. VAT), unit_price or net_amount",
                    ));
                }
                None
            }
        };
    }
    let vat_amount = match (amount, vat) {
        (Some(a), Some(rate)) => {
            let computed = rate.vat_of_gross(a);
            if let Some(Some((col, given))) = vat_amount_cell
                && let Some(g) = to_minor_exact(given, exp)
                && g.abs_diff(computed) > 1
            {
                problems.push(Problem::error(
                    row,
                    Some(col),
                    Some(crate::model::money::format_minor(g, exp)),
                    format!(
                        "vat_amount does not match the VAT of the line: {} at {rate} % is {} (tolerance 0.01)",
                        crate::model::money::format_minor(a, exp),
                        crate::model::money::format_minor(computed, exp)
                    ),
                ));
            }
            Some(computed)
        }
        _ => None,
    };
    let optional_text = |f: Field| {
        map.column(f)
            .map(|c| r.cell(c))
            .filter(|c| !c.is_blank())
            .map(|c| text_of(c).0)
    };
    let line_id = optional_text(Field::LineId);
    let item_id = optional_text(Field::ItemId);
    if problems.len() > before {
        return None;
    }
    Some(LineDraft {
        description: description?,
        quantity: quantity?,
        amount: amount?,
        vat: vat?,
        vat_amount: vat_amount?,
        line_id,
        item_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row laid out as the CSV reader lays it out: fields one after the other, one
    /// separator byte between them.
    struct SpanRow {
        text: String,
        ends: Vec<u32>,
    }

    impl SpanRow {
        fn new(fields: &[&str], sep: char) -> SpanRow {
            let (mut text, mut ends) = (String::new(), Vec::new());
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    text.push(sep);
                }
                text.push_str(f);
                ends.push(text.len() as u32);
            }
            SpanRow { text, ends }
        }
    }

    impl RowCells for SpanRow {
        fn row(&self) -> u32 {
            2
        }
        fn cell(&self, col: usize) -> CellRef<'_> {
            let Some(&end) = self.ends.get(col) else {
                return CellRef::Empty;
            };
            let start = col.checked_sub(1).map_or(0, |p| self.ends[p] + 1);
            match &self.text[start as usize..end as usize] {
                "" => CellRef::Empty,
                t => CellRef::Text(Cow::Borrowed(t)),
            }
        }
        fn raw_span(&self, cols: std::ops::Range<usize>) -> Option<(&str, u32, &[u32])> {
            let ends = self.ends.get(cols.clone())?;
            let start = cols.start.checked_sub(1).map_or(0, |p| self.ends[p] + 1);
            Some((
                &self.text[start as usize..*ends.last()? as usize],
                start,
                ends,
            ))
        }
    }

    #[test]
    fn span_fingerprints_see_every_invoice_cell_and_its_bounds() {
        let headers: Vec<String> = [
            "merchant_reference",
            "customer_type",
            "first_name",
            "last_name",
            "email",
            "phone_number",
            "address_line",
            "postal_code",
            "postal_place",
            "description",
            "amount",
            "vat",
        ]
        .iter()
        .map(|h| h.to_string())
        .collect();
        let map = ColumnMap::resolve(&headers, None).unwrap();
        let invoice_cols: Vec<(Field, usize)> = map
            .mapped()
            .filter(|(f, _)| f.is_invoice_level() && *f != Field::MerchantReference)
            .collect();
        let runs = fingerprint_runs(&map, &invoice_cols);
        let ctx = RowContext::new(
            &map,
            &invoice_cols,
            &runs,
            foldhash::fast::FixedState::with_seed(1),
            DecimalConvention::Comma,
            Currency::NOK,
        );
        let base = [
            "A-1",
            "B2C",
            "Kari",
            "Hansen",
            "kari@example.no",
            "97 17 60 17",
            "Storgata 1",
            "7010",
            "Trondheim",
            "Timer",
            "100,00",
            "25",
        ];
        let fp = |fields: &[&str], sep| span_fingerprint(&SpanRow::new(fields, sep), &ctx);
        let first = fp(&base, ';').unwrap();
        assert_eq!(fp(&base, ';'), Some(first), "the same cells");
        let mut line = base;
        line[9] = "Reise";
        line[10] = "200,00";
        assert_eq!(fp(&line, ';'), Some(first), "line-level cells do not count");
        for col in 0..9 {
            let mut other = base;
            other[col] = "x";
            assert_ne!(fp(&other, ';'), Some(first), "column {col}");
            other[col] = "";
            assert_ne!(fp(&other, ';'), Some(first), "column {col} blank");
        }
        // The same bytes with a field bound moved (unquoted fields may hold the
        // separator of the unquoted form).
        let mut a = base;
        a[2] = "Ka\nri";
        let mut b = base;
        b[2] = "Ka";
        b[3] = "ri\nHansen";
        let (a, b) = (fp(&a, '\n'), fp(&b, '\n'));
        assert!(a.is_some() && b.is_some());
        assert_ne!(a, b);
        // A row too short for a run takes the cell-by-cell path.
        assert_eq!(fp(&base[..5], ';'), None);
    }

    #[test]
    fn currency_codes_parse_to_themselves() {
        // `currency_of` relies on it.
        for c in [Currency::NOK, Currency::SEK, Currency::EUR, Currency::DKK] {
            assert_eq!(Currency::parse(c.code()).ok(), Some(c));
            let cell = CellRef::Text(Cow::Borrowed(c.code()));
            assert_eq!(currency_of(&cell, c), Some(c));
            assert_eq!(currency_of(&cell, Currency::NOK), Some(c));
        }
        let cell = CellRef::Text(Cow::Borrowed(" kr "));
        assert_eq!(currency_of(&cell, Currency::SEK), Some(Currency::NOK));
        let cell = CellRef::Text(Cow::Borrowed("USD"));
        assert_eq!(currency_of(&cell, Currency::NOK), None);
    }

    fn fingerprint(cells: &[(u8, &str)]) -> u128 {
        let mut fp = Fingerprint::new();
        for (tag, text) in cells {
            fp.cell(*tag, text.as_bytes());
        }
        fp.finish()
    }

    #[test]
    fn fingerprint_reads_every_byte_and_the_framing() {
        let text: String = ('a'..='z').chain('A'..='Z').collect();
        for len in 0..=text.len() {
            let base = &text[..len];
            let fp = fingerprint(&[(1, base), (2, "x")]);
            assert_eq!(fp, fingerprint(&[(1, base), (2, "x")]));
            assert_ne!(fp, fingerprint(&[(3, base), (2, "x")]), "{len}");
            assert_ne!(fp, fingerprint(&[(1, base)]), "{len}");
            for i in 0..len {
                let mut changed = base.as_bytes().to_vec();
                changed[i] = b'0';
                let changed = String::from_utf8(changed).unwrap();
                assert_ne!(fp, fingerprint(&[(1, &changed), (2, "x")]), "{len} {i}");
            }
            // The same bytes split differently between cells.
            if len > 0 {
                let (l, r) = base.split_at(len / 2);
                assert_ne!(fingerprint(&[(1, l), (1, r)]), fingerprint(&[(1, base)]));
            }
            if len > 2 {
                let (l, r) = base.split_at(len / 2);
                assert_ne!(
                    fingerprint(&[(1, l), (1, r)]),
                    fingerprint(&[(1, &base[..len - 1]), (1, &base[len - 1..])])
                );
            }
        }
        assert_ne!(fingerprint(&[]), fingerprint(&[(0, "")]));
        assert_ne!(fingerprint(&[(0, "")]), fingerprint(&[(0, ""), (0, "")]));
    }

    proptest::proptest! {
        /// Different cell lists give different fingerprints; equal ones equal.
        #[test]
        fn fingerprints_tell_cell_lists_apart(
            a in proptest::collection::vec((0u8..4, "[a-c 0-9\u{f8}]{0,20}"), 0..6),
            b in proptest::collection::vec((0u8..4, "[a-c 0-9\u{f8}]{0,20}"), 0..6),
        ) {
            let fa = fingerprint(&a.iter().map(|(t, s)| (*t, s.as_str())).collect::<Vec<_>>());
            let fb = fingerprint(&b.iter().map(|(t, s)| (*t, s.as_str())).collect::<Vec<_>>());
            proptest::prop_assert_eq!(fa == fb, a == b);
        }
    }

    #[test]
    fn signs_agree_with_comparison() {
        for d in [
            Decimal::ZERO,
            -Decimal::ZERO,
            Decimal::new(-0, 3),
            Decimal::new(1, 28),
            Decimal::new(-1, 28),
            Decimal::MAX,
            Decimal::MIN,
            Decimal::new(5, 1),
        ] {
            assert_eq!(is_positive(d), d > Decimal::ZERO, "{d}");
            assert_eq!(is_negative(d), d < Decimal::ZERO, "{d}");
        }
    }
}
