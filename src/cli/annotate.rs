//! `--annotate FILE`: the input with two more columns. (Being built: issue #5.)

use super::Failure;
use super::validate::Prepared;
use crate::exit::Exit;
use std::path::Path;

/// Writes the annotated copy of the input.
pub fn write(_p: &Prepared, _path: &Path) -> Result<(), Failure> {
    Err(Failure::new(
        Exit::Config,
        anyhow::anyhow!("--annotate is not available yet"),
    ))
}
