//! CSV cells that Excel would run as formulas.
//!
//! The results file and the error report carry text that came from the export (a
//! customer's name, a reference, a cell's value) or from Dintero (an error text). Excel
//! and LibreOffice run a CSV cell that starts with `=`, `+`, `-` or `@` (and some read
//! past a leading tab or carriage return) as a formula, so `=HYPERLINK(...)` in a
//! customer's name would run when the accountant opens the results. As OWASP's "CSV
//! Injection" page advises, such a cell is written with a leading `'`, which makes the
//! spreadsheet show it as text.
//!
//! The escape must also read back exactly (`status`, `void` and `capture` read the
//! results file): a cell that already starts with `'` gets one more, and reading takes
//! exactly one off. A plain number such as `-12,50` is not a formula and stays as it is,
//! so amounts keep sorting as numbers.

use std::borrow::Cow;

/// The characters that make a spreadsheet treat a cell as a formula.
fn triggers(c: char) -> bool {
    matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r')
}

/// A plain decimal number (`-12.50`, `+3`, `-1 234,5`): harmless, and kept as a number.
fn plain_number(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    !body.is_empty()
        && body.chars().next().is_some_and(|c| c.is_ascii_digit())
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | ' ' | '\u{a0}'))
}

/// The cell as written to a CSV file.
pub fn neutralize(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('\'') => Cow::Owned(format!("'{cell}")),
        Some(c) if triggers(c) && !plain_number(cell) => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// The cell as it was before [`neutralize`].
pub fn restore(cell: &str) -> &str {
    cell.strip_prefix('\'').unwrap_or(cell)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formulas_become_text_and_numbers_stay_numbers() {
        assert_eq!(neutralize("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralize("+47 22 33 44 55x"), "'+47 22 33 44 55x");
        assert_eq!(neutralize("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralize("\t=1"), "'\t=1");
        assert_eq!(neutralize("-1+1"), "'-1+1");
        assert_eq!(neutralize("-12,50"), "-12,50");
        assert_eq!(neutralize("Acme AS"), "Acme AS");
        assert_eq!(neutralize("'t Hooft"), "''t Hooft");
        assert_eq!(neutralize(""), "");
    }

    proptest! {
        #[test]
        fn what_is_written_reads_back_and_never_starts_a_formula(s in "\\PC{0,12}") {
            let written = neutralize(&s);
            prop_assert_eq!(restore(&written), s.as_str());
            let first = written.chars().next();
            prop_assert!(first.is_none_or(|c| !triggers(c)) || plain_number(&written));
        }
    }
}
