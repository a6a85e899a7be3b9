//! `validate --plan PLAN` and `import --plan PLAN`: approve totals on Monday, send on
//! Tuesday. (Being built: issue #5.)

use super::Failure;
use super::validate::Prepared;
use crate::exit::Exit;
use std::path::Path;

/// Writes the plan of a validated file.
pub fn write(_p: &Prepared, _path: &Path) -> Result<(), Failure> {
    Err(Failure::new(
        Exit::Config,
        anyhow::anyhow!("--plan is not available yet"),
    ))
}

/// Refuses (with what changed) unless the file is exactly as the plan recorded it.
pub fn check(_p: &Prepared, _path: &Path) -> Result<(), Failure> {
    Err(Failure::new(
        Exit::Config,
        anyhow::anyhow!("--plan is not available yet"),
    ))
}
