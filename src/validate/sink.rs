//! The validator as a reader's [`ChunkSink`]: what it does with each chunk of rows.
//!
//! Rows the reader could not read are noted (their invoices must not be sent without
//! them), the first chunk decides the decimal convention, and the readable rows go to
//! the engine, which runs the rules on them.

use super::Validator;
use super::engine::ChunkSettings;
use super::rules::cells::evidence_of;
use crate::input::{ChunkRow, ChunkSink, RowCells};
use crate::mapping::Field;
use crate::model::{DecimalConvention, Evidence};
use crate::problem::Problem;

impl Validator<'_> {
    /// Detects the decimal convention from the numeric cells of the first chunk.
    fn detect_convention<R: RowCells>(&self, rows: &[R]) -> DecimalConvention {
        let cols: Vec<usize> = [
            Field::Amount,
            Field::UnitPrice,
            Field::NetAmount,
            Field::Quantity,
            Field::Vat,
            Field::VatAmount,
        ]
        .into_iter()
        .filter_map(|f| self.settings.map.column(f))
        .collect();
        let (mut comma, mut point) = (0u64, 0u64);
        for r in rows {
            for &c in &cols {
                match evidence_of(&r.cell(c)) {
                    Evidence::Comma => comma += 1,
                    Evidence::Point => point += 1,
                    Evidence::None => {}
                }
            }
        }
        match (comma > 0, point > 0) {
            (true, false) => DecimalConvention::Comma,
            (false, true) => DecimalConvention::Point,
            _ => DecimalConvention::Unknown,
        }
    }

    /// Rows the reader could not read still count as lines with errors, and their
    /// invoices are incomplete: never valid, whatever their other rows say.
    fn note_unreadable(&mut self, problems: Vec<Problem>) {
        self.lines += problems.iter().filter(|p| p.row.is_some()).count() as u64;
        for p in problems.iter().filter(|p| p.is_error()) {
            if let (Some(r), Some(row)) = (&p.reference, p.row) {
                let seen = self.unreadable.entry(r.clone()).or_insert((row, 0));
                seen.0 = seen.0.min(row);
                seen.1 += 1;
            }
        }
        self.problems.extend(problems);
    }
}

impl ChunkSink for Validator<'_> {
    fn reference_column(&self) -> Option<usize> {
        self.settings.map.column(Field::MerchantReference)
    }

    fn chunk<R: ChunkRow>(&mut self, rows: &[R], problems: Vec<Problem>) {
        self.note_unreadable(problems);
        let convention = match self.convention {
            Some(c) => c,
            None => {
                let c = self.detect_convention(rows);
                self.convention = Some(c);
                c
            }
        };
        let settings = ChunkSettings {
            map: self.settings.map,
            convention,
            default_currency: self.settings.defaults.currency,
        };
        self.engine.chunk(rows, &settings);
    }

    fn progress(&mut self, done: u64, total: u64) {
        if let Some(p) = self.progress.as_mut() {
            p(done, total);
        }
    }
}
