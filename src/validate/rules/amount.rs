//! The rules of a line's total: `amount`, or `unit_price x quantity`, or
//! `net_amount + VAT`; when more than one is given they must agree; and `vat_amount`,
//! when given, must match the VAT computed from the total.
//!
//! Kept apart from the per-cell rules ([`super::line`]) because they read several cells
//! at once: each cell has been checked on its own by then, and here only the numbers
//! that passed are combined.

use crate::i18n::Message;
use crate::mapping::{ColumnMap, Field};
use crate::model::money::{format_minor, format_minor_nordic, round_to_minor, to_minor_exact};
use crate::model::{Currency, VatRate};
use crate::problem::Problem;
use rust_decimal::Decimal;

/// A money cell after its own checks: `None` when the column is absent or the cell is
/// blank, `Some(None)` when the cell had an error, else its column and exact value.
pub type MoneyCell = Option<Option<(usize, Decimal)>>;

/// The line's money cells, each already checked on its own.
pub struct MoneyCells {
    pub amount: MoneyCell,
    pub unit_price: MoneyCell,
    pub net_amount: MoneyCell,
    pub vat_amount: MoneyCell,
}

/// What the total rules read besides the cells.
pub struct TotalCtx<'m> {
    pub map: &'m ColumnMap,
    pub currency: Currency,
    pub row: u32,
}

impl TotalCtx<'_> {
    fn exp(&self) -> u32 {
        self.currency.exponent()
    }

    /// The most a line may total, in minor units (see `MAX_AMOUNT_MAJOR`).
    fn max(&self) -> i64 {
        crate::model::money::max_amount_minor(self.exp())
    }

    /// How messages name the bound of a line.
    fn bound(&self) -> Message {
        line_bound(self.max(), self.currency)
    }
}

/// "at most 1 000 000 000 000,00 NOK per line".
pub fn line_bound(max: i64, currency: Currency) -> Message {
    Message::new("problem-line-bound")
        .arg("max", format_minor_nordic(max, currency.exponent()))
        .arg("currency", currency.code())
}

/// A line total computed from other cells (`unit_price x quantity`, `net_amount + VAT`).
struct Computed {
    /// The column the problems point at.
    col: usize,
    /// How messages name the computation (a catalogue key).
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
    fn line_total(&self, max: i64, currency: Currency) -> Result<i64, Message> {
        let exp = currency.exponent();
        match self.minor {
            Some(m) if m > max => Err(Message::new("problem-total-is-too-large")
                .arg("what", Message::new(self.what))
                .arg("total", format_minor_nordic(m, exp))
                .arg("bound", line_bound(max, currency))),
            None => Err(Message::new("problem-total-too-large")
                .arg("what", Message::new(self.what))
                .arg("bound", line_bound(max, currency))),
            Some(m) if m <= 0 => {
                let exact = self
                    .exact
                    .map_or_else(String::new, |d| d.normalize().to_string().replace('.', ","));
                Err(Message::new("problem-total-rounds-to-zero")
                    .arg("what", Message::new(self.what))
                    .arg("exact", exact)
                    .arg("zero", format_minor_nordic(0, exp))
                    .arg("least", format_minor_nordic(1, exp))
                    .arg("currency", currency.code())
                    .arg("cells", Message::new(self.cells)))
            }
            Some(m) => Ok(m),
        }
    }
}

/// The line's total in minor units: the `amount` cell when given (the other forms, when
/// also given, must agree with it), else `unit_price x quantity`, else
/// `net_amount + VAT`. `None` after recording why there is none.
pub fn line_amount(
    cells: &MoneyCells,
    quantity: Decimal,
    rate: VatRate,
    cx: &TotalCtx<'_>,
    problems: &mut Vec<Problem>,
) -> Option<i64> {
    let exp = cx.exp();
    let from_unit = cells.unit_price.flatten().map(|(col, u)| {
        Computed::new(
            col,
            "problem-what-unit-price",
            "problem-cells-unit-price",
            u.checked_mul(quantity),
            exp,
        )
    });
    let from_net = cells.net_amount.flatten().map(|(col, n)| {
        Computed::new(
            col,
            "problem-what-net-amount",
            "problem-cells-net-amount",
            rate.gross_of_net(n),
            exp,
        )
    });
    let given = cells
        .amount
        .flatten()
        .and_then(|(col, a)| to_minor_exact(a, exp).map(|m| (col, m)));
    match (given, from_unit, from_net) {
        (Some((_, a)), unit, net) => {
            for other in [unit, net].into_iter().flatten() {
                agrees_with_amount(a, &other, cx, problems);
            }
            Some(a)
        }
        (None, Some(c), _) | (None, None, Some(c)) => {
            let checked = c.line_total(cx.max(), cx.currency);
            if let Err(message) = &checked {
                problems.push(Problem::error(cx.row, Some(c.col), None, message.clone()));
            }
            checked.ok()
        }
        (None, None, None) => {
            missing_amount(cells, cx, problems);
            None
        }
    }
}

/// A total computed from other cells must equal the `amount` cell `a`.
fn agrees_with_amount(a: i64, other: &Computed, cx: &TotalCtx<'_>, problems: &mut Vec<Problem>) {
    let exp = cx.exp();
    let message = match other.minor {
        Some(v) if v > cx.max() => Message::new("problem-total-is-too-large")
            .arg("what", Message::new(other.what))
            .arg("total", format_minor_nordic(v, exp))
            .arg("bound", cx.bound()),
        Some(v) if v != a => Message::new("problem-amount-disagrees")
            .arg("amount", format_minor(a, exp))
            .arg("what", Message::new(other.what))
            .arg("total", format_minor(v, exp)),
        Some(_) => return,
        None => Message::new("problem-total-too-large")
            .arg("what", Message::new(other.what))
            .arg("bound", cx.bound()),
    };
    problems.push(Problem::error(cx.row, Some(other.col), None, message));
}

/// A line needs one of `amount`, `unit_price`, `net_amount` (unless one was given and
/// already refused on its own).
fn missing_amount(cells: &MoneyCells, cx: &TotalCtx<'_>, problems: &mut Vec<Problem>) {
    if cells.amount.is_none() && cells.unit_price.is_none() && cells.net_amount.is_none() {
        let map = cx.map;
        let col = map
            .column(Field::Amount)
            .or(map.column(Field::UnitPrice))
            .or(map.column(Field::NetAmount));
        problems.push(Problem::error(
            cx.row,
            col,
            None,
            Message::new("problem-amount-missing"),
        ));
    }
}

/// The line's VAT, computed from its total; a given `vat_amount` must match it within
/// one minor unit.
pub fn vat_amount(
    amount: Option<i64>,
    vat: Option<VatRate>,
    given: MoneyCell,
    cx: &TotalCtx<'_>,
    problems: &mut Vec<Problem>,
) -> Option<i64> {
    let (Some(a), Some(rate)) = (amount, vat) else {
        return None;
    };
    let exp = cx.exp();
    let computed = rate.vat_of_gross(a);
    if let Some(Some((col, given))) = given
        && let Some(g) = to_minor_exact(given, exp)
        && g.abs_diff(computed) > 1
    {
        problems.push(Problem::error(
            cx.row,
            Some(col),
            Some(format_minor(g, exp)),
            Message::new("problem-vat-amount-mismatch")
                .arg("amount", format_minor(a, exp))
                .arg("rate", rate.to_string())
                .arg("vat", format_minor(computed, exp)),
        ));
    }
    Some(computed)
}
