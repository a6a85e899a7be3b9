//! The rules of one line: what each line-level cell must be, one function per field.
//!
//! A line's cells need nothing but their own row, so these run in parallel over a chunk
//! of rows (see `engine::draft`). Each rule records its problems against the row and
//! column and returns the parsed value, or `None` when the cell was refused; the line is
//! kept only when none of its cells was. The rules that combine several cells (the
//! line's total and its VAT) are in [`super::amount`].
//!
//! | field | rule |
//! |---|---|
//! | description | [`description`] |
//! | quantity | [`quantity`] |
//! | vat | [`vat`] |
//! | amount, unit_price, net_amount, vat_amount (each cell) | [`money`] |
//! | the line total, vat_amount against it | [`super::amount`] |
//! | currency (of the row's amounts) | [`row_currency`] |
//! | line_id, item_id | [`optional_text`] |

use super::amount::{MoneyCell, MoneyCells, TotalCtx, line_amount, line_bound, vat_amount};
use super::cells::{currency_of, is_negative, is_positive, number_of, text_of};
use crate::i18n::Message;
use crate::input::{CellRef, RowCells};
use crate::mapping::{ColumnMap, Field};
use crate::model::money::{exceeds_max_amount, max_amount_minor, to_minor_exact};
use crate::model::{Currency, DecimalConvention, NumberError, VatRate};
use crate::problem::Problem;
use rust_decimal::Decimal;
use std::borrow::Cow;

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

/// What the line rules read besides the row's cells.
pub struct LineCtx<'m> {
    pub map: &'m ColumnMap,
    pub convention: DecimalConvention,
    /// The currency of the row's amounts (see [`row_currency`]).
    pub currency: Currency,
}

/// Where a row's problems go.
struct Out<'p> {
    row: u32,
    problems: &'p mut Vec<Problem>,
}

impl Out<'_> {
    /// An error of the cell `value` in column `col`, quoting the cell when it has text.
    fn cell(&mut self, col: usize, value: &CellRef<'_>, message: Message) {
        let v = value.text().into_owned();
        self.problems.push(Problem::error(
            self.row,
            Some(col),
            (!v.is_empty()).then_some(v),
            message,
        ));
    }
}

/// The currency this row's amounts are in: its own cell, else the default. The
/// invoice-level check later makes sure all rows of an invoice agree.
pub fn row_currency<R: RowCells>(r: &R, map: &ColumnMap, default: Currency) -> Currency {
    map.column(Field::Currency)
        .map(|c| r.cell(c))
        .filter(|c| !c.is_blank())
        .and_then(|c| currency_of(&c, default))
        .unwrap_or(default)
}

/// Checks the line-level cells of row `row`; `None` when one was refused (its problems
/// are in `problems`), or when the file has no description column.
pub fn parse_line<'a, R: RowCells>(
    r: &'a R,
    row: u32,
    cx: &LineCtx<'_>,
    problems: &mut Vec<Problem>,
) -> Option<LineDraft<'a>> {
    let before = problems.len();
    let mut out = Out { row, problems };
    let description = description(r, cx, &mut out);
    let quantity = quantity(r, cx, &mut out);
    let vat = vat(r, cx, &mut out);
    let cells = MoneyCells {
        amount: money(r, cx, Field::Amount, Exact::Yes, ZeroOk::No, &mut out),
        unit_price: money(r, cx, Field::UnitPrice, Exact::No, ZeroOk::No, &mut out),
        net_amount: money(r, cx, Field::NetAmount, Exact::No, ZeroOk::No, &mut out),
        vat_amount: money(r, cx, Field::VatAmount, Exact::Yes, ZeroOk::Yes, &mut out),
    };
    let totals = TotalCtx {
        map: cx.map,
        currency: cx.currency,
        row,
    };
    let amount = match (quantity, vat) {
        (Some(q), Some(rate)) => line_amount(&cells, q, rate, &totals, problems),
        _ => None,
    };
    let vat_amount = vat_amount(amount, vat, cells.vat_amount, &totals, problems);
    let line_id = optional_text(r, cx.map, Field::LineId);
    let item_id = optional_text(r, cx.map, Field::ItemId);
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

/// description: required on every line, any text.
fn description<'a, R: RowCells>(
    r: &'a R,
    cx: &LineCtx<'_>,
    out: &mut Out<'_>,
) -> Option<Cow<'a, str>> {
    let col = cx.map.column(Field::Description)?;
    let c = r.cell(col);
    if c.is_blank() {
        out.cell(col, &c, Message::new("problem-description-empty"));
        return None;
    }
    Some(text_of(c).0)
}

/// quantity: more than zero, decimals allowed; 1 when absent or blank.
fn quantity<R: RowCells>(r: &R, cx: &LineCtx<'_>, out: &mut Out<'_>) -> Option<Decimal> {
    let Some((col, c)) = cx.map.column(Field::Quantity).map(|c| (c, r.cell(c))) else {
        return Some(Decimal::ONE);
    };
    if c.is_blank() {
        return Some(Decimal::ONE);
    }
    let message = match number_of(&c, cx.convention) {
        Ok((q, None)) if is_positive(q) => return Some(q),
        Ok((_, Some(_))) => Message::new("problem-quantity-plain"),
        Ok(_) => Message::new("problem-quantity-zero"),
        Err(e) => Message::new("problem-quantity-invalid").arg("reason", e.message()),
    };
    out.cell(col, &c, message);
    None
}

/// vat: a plain percent (25 means 25 %), 0 to under 100, at most two decimals; required
/// when the column is there.
fn vat<R: RowCells>(r: &R, cx: &LineCtx<'_>, out: &mut Out<'_>) -> Option<VatRate> {
    let (col, c) = cx.map.column(Field::Vat).map(|c| (c, r.cell(c)))?;
    let message = if c.is_blank() {
        Message::new("problem-vat-empty")
    } else {
        match number_of(&c, cx.convention) {
            Ok((v, None)) => match VatRate::new(v) {
                Ok(rate) => return Some(rate),
                Err(e) => Message::new("problem-vat-invalid").arg("reason", e.message()),
            },
            Ok((_, Some(_))) => Message::new("problem-vat-plain"),
            Err(e) => Message::new("problem-vat-invalid").arg("reason", e.message()),
        }
    };
    out.cell(col, &c, message);
    None
}

/// Whether a money cell may have more decimals than the currency (unit and net prices
/// may: the total is rounded).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Exact {
    Yes,
    No,
}

/// Whether a money cell may be zero (a VAT amount may).
#[derive(Clone, Copy, PartialEq, Eq)]
enum ZeroOk {
    Yes,
    No,
}

/// amount, unit_price, net_amount, vat_amount, each on its own: an exact number, a
/// currency word only on NOK invoices, more than zero, and for `Exact::Yes` no more
/// decimals than the currency and at most the bound of a line.
fn money<R: RowCells>(
    r: &R,
    cx: &LineCtx<'_>,
    field: Field,
    exact: Exact,
    zero_ok: ZeroOk,
    out: &mut Out<'_>,
) -> MoneyCell {
    let col = cx.map.column(field)?;
    let c = r.cell(col);
    if c.is_blank() {
        return None;
    }
    let (name, currency) = (field.name(), cx.currency);
    let (exp, max) = (currency.exponent(), max_amount_minor(currency.exponent()));
    let message = match number_of(&c, cx.convention) {
        Ok((_, Some(w))) if currency != Currency::NOK => {
            Message::new("problem-money-currency-word")
                .arg("field", name)
                .arg("word", w)
                .arg("currency", currency.code())
        }
        Ok((v, _)) if is_negative(v) || (v.is_zero() && zero_ok == ZeroOk::No) => {
            Message::new("problem-money-zero").arg("field", name)
        }
        // Too large is told apart from too precise: `99999999999999999999999` has no
        // decimals at all.
        Ok((v, _)) if exact == Exact::Yes => match to_minor_exact(v, exp) {
            Some(m) if m <= max => return Some(Some((col, v))),
            None if !exceeds_max_amount(v, exp) => Message::new("problem-money-decimals")
                .arg("field", name)
                .arg("currency", currency.code())
                .arg("decimals", exp),
            _ => too_large(name, max, currency),
        },
        Ok((v, _)) => return Some(Some((col, v))),
        Err(NumberError::TooLarge) => too_large(name, max, currency),
        Err(e) => Message::new("problem-money-invalid")
            .arg("field", name)
            .arg("reason", e.message()),
    };
    out.cell(col, &c, message);
    Some(None)
}

/// `amount is too large: at most ... per line`.
fn too_large(name: &str, max: i64, currency: Currency) -> Message {
    Message::new("problem-money-too-large")
        .arg("field", name)
        .arg("bound", line_bound(max, currency))
}

/// line_id, item_id: any text, or nothing.
fn optional_text<'a, R: RowCells>(r: &'a R, map: &ColumnMap, f: Field) -> Option<Cow<'a, str>> {
    map.column(f)
        .map(|c| r.cell(c))
        .filter(|c| !c.is_blank())
        .map(|c| text_of(c).0)
}
