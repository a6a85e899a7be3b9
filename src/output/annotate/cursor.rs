//! [`Cursor`]: hands each row of the copy its problems while the file is read again,
//! and notices problems no row took.
//!
//! Why: a copy that silently disagrees with the report would be worse than none, so a
//! problem whose row never came makes the copy fail instead of being dropped.

use super::annotations::MAX_LISTED_ROWS;
use super::error::AnnotateError;
use crate::problem::Problem;
use std::path::Path;

/// Hands out each row's problems in file order, and remembers the ones no row took.
pub(super) struct Cursor<'a> {
    problems: &'a [Problem],
    next: usize,
    unplaced: Vec<u32>,
}

impl<'a> Cursor<'a> {
    pub(super) fn new(problems: &'a [Problem]) -> Cursor<'a> {
        // Problems of the whole file (no row) are not row annotations: the summary
        // and the report show them. They sort first.
        let skip = problems.iter().take_while(|p| p.row.is_none()).count();
        Cursor {
            problems,
            next: skip,
            unplaced: Vec::new(),
        }
    }

    /// The problems of `row`; rows must come in increasing order.
    pub(super) fn take(&mut self, row: u32) -> &'a [Problem] {
        while let Some(p) = self.problems.get(self.next)
            && p.row.is_some_and(|r| r < row)
        {
            self.unplaced.extend(p.row);
            self.next += 1;
        }
        let start = self.next;
        while self
            .problems
            .get(self.next)
            .is_some_and(|p| p.row == Some(row))
        {
            self.next += 1;
        }
        &self.problems[start..self.next]
    }

    /// Fails if any problem was left without its row.
    pub(super) fn finish(mut self, out: &Path) -> Result<(), AnnotateError> {
        self.unplaced
            .extend(self.problems[self.next..].iter().filter_map(|p| p.row));
        self.unplaced.dedup();
        if self.unplaced.is_empty() {
            return Ok(());
        }
        let shown: Vec<String> = self
            .unplaced
            .iter()
            .take(MAX_LISTED_ROWS)
            .map(u32::to_string)
            .collect();
        Err(AnnotateError::Misaligned {
            path: out.to_path_buf(),
            reason: format!(
                "problems of row(s) {} could not be placed on a row of the copy",
                shown.join(", ")
            ),
        })
    }
}
