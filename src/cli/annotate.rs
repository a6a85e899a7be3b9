//! `--annotate FILE`: the input again with two more columns (`status`, `message`), in
//! the input's own format, for fixing the export where the accountant works. The
//! writer is [`crate::output::annotate`]; this is its edge: exit codes and messages.

use super::Failure;
use super::validate::Prepared;
use crate::exit::Exit;
use crate::mapping::Field;
use crate::output::annotate::{self, AnnotateError, Annotations};
use std::path::Path;

/// Writes the annotated copy of the input.
pub fn write(p: &Prepared, path: &Path) -> Result<(), Failure> {
    let ann = Annotations::new(
        &p.validation,
        &p.names,
        p.mapping.column(Field::MerchantReference),
    );
    annotate::write(&p.info, path, &ann).map_err(|e| {
        let exit = match &e {
            e if e.is_usage() => Exit::Usage,
            AnnotateError::Input(i) if !i.is_io() => Exit::InputErrors,
            _ => Exit::Config,
        };
        Failure::new(exit, e.into())
    })
}
