//! The results file as `status`, `void` and `capture` read and rewrite it: the rows plus
//! what it takes to write them back in the file's own format and CSV dialect, so that an
//! accountant's file keeps its look after every command.

use crate::output::results::{
    ResultRow, ResultsError, ResultsFormat, read_results, results_csv_delimiter, write_results,
};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// A results file as read, with what it takes to write it back the same way.
#[derive(Debug, Clone)]
pub struct ResultsFile {
    pub path: PathBuf,
    pub format: ResultsFormat,
    /// CSV only: the delimiter found (kept on rewrite).
    pub delimiter: u8,
    pub rows: Vec<ResultRow>,
}

impl ResultsFile {
    pub fn read(path: &Path) -> Result<ResultsFile, ResultsError> {
        let rows = read_results(path)?;
        // read_results accepted the extension, so the format is known.
        let format = ResultsFormat::from_path(path).unwrap_or(ResultsFormat::Csv);
        let delimiter = match format {
            ResultsFormat::Csv => results_csv_delimiter(path)?,
            _ => b';',
        };
        Ok(ResultsFile {
            path: path.to_path_buf(),
            format,
            delimiter,
            rows,
        })
    }

    /// Rewrites the file atomically in its own format.
    pub fn write(&self) -> Result<(), ResultsError> {
        write_results(&self.path, &self.rows, self.format, self.delimiter)
    }

    /// The rows named by `refs` (all rows when `refs` is empty), in file order; the
    /// references that name no row are the error.
    pub fn select(&self, refs: &[String]) -> Result<Vec<usize>, Vec<String>> {
        let wanted: Vec<&str> = refs
            .iter()
            .map(|r| r.trim())
            .filter(|r| !r.is_empty())
            .collect();
        if wanted.is_empty() {
            return Ok((0..self.rows.len()).collect());
        }
        let known: HashSet<&str> = self
            .rows
            .iter()
            .map(|r| r.merchant_reference.as_str())
            .collect();
        let mut unknown: Vec<String> = Vec::new();
        for w in &wanted {
            if !known.contains(w) && !unknown.iter().any(|u| u == w) {
                unknown.push((*w).to_string());
            }
        }
        if !unknown.is_empty() {
            return Err(unknown);
        }
        let set: HashSet<&str> = wanted.into_iter().collect();
        Ok(self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| set.contains(r.merchant_reference.as_str()))
            .map(|(i, _)| i)
            .collect())
    }
}
