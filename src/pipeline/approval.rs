//! `validate --plan PLAN` and `import --plan PLAN`: approve totals on Monday, send on
//! Tuesday. The logic is in [`crate::plan`]; this reads and writes the files.
//!
//! Decisions (docs/operations.md, "Plan and apply"):
//! - No plan is written for a file with errors: the summary is shown, the command exits
//!   1, and stderr says that no plan was written.
//! - `import --plan` refuses (exit 1, nothing sent, no journal touched) when any invoice
//!   was added, removed, changed or is invalid now, when the totals differ, or when the
//!   mapping (file content, column map, defaults) differs.
//! - A different file SHA-256 alone is a notice on stderr: every request body is
//!   byte-identical to the approved one.

use super::notice::Notices;
use super::prepare::Prepared;
use crate::error::{Error, Result, SetupContext};
use crate::plan::{FileRef, Plan, Source, diff};
use chrono::{SecondsFormat, Utc};
use std::collections::BTreeMap;
use std::path::Path;

/// Writes the plan of a validated file.
pub fn write(p: &Prepared, path: &Path, notices: &Notices) -> Result<()> {
    let errors = p.validation.errors();
    if errors > 0 {
        // The summary that follows lists the errors and exits 1.
        notices.say(format!(
            "No plan was written to {}: the file has {} (a plan approves a file that can be sent as a whole). Fix the export and run validate --plan again.",
            path.display(),
            crate::output::summary::plural(errors as u64, "error")
        ));
        return Ok(());
    }
    let plan = current(p)?;
    crate::output::atomic_write(path, |w| {
        w.write_all(plan.to_json().as_bytes())?;
        w.write_all(b"\n")
    })
    .setup_context(|| format!("cannot write the plan {}", path.display()))?;
    notices.say(format!(
        "Plan written to {}: {} invoices. Send exactly these with: kravia-batch import {} --plan {}",
        path.display(),
        plan.invoices.len(),
        p.input.file.display(),
        path.display()
    ));
    Ok(())
}

/// Refuses (with what changed) unless the file is exactly as the plan recorded it.
pub fn check(p: &Prepared, path: &Path, notices: &Notices) -> Result<()> {
    // Read with a size cap: `--plan /dev/zero` is an error, not a full memory.
    let approved = Plan::load(path).setup_context(|| format!("{}", path.display()))?;
    let now = current(p)?;
    let invalid: BTreeMap<String, String> = p
        .validation
        .rejected
        .iter()
        .map(|r| (r.merchant_reference.clone(), r.error.clone()))
        .collect();
    let d = diff(&approved, &now, &invalid);
    if d.refuses() {
        let mut message = format!(
            "{} is not the file the plan {} approved (made {}); nothing was sent.",
            p.input.file.display(),
            path.display(),
            super::guard::when(&approved.created_at)
        );
        for line in d.lines() {
            message.push_str("\n  ");
            message.push_str(&line);
        }
        message.push_str(
            "\nIf the changes are intended, check the new totals and approve them with a new plan (kravia-batch validate FILE --plan PLAN), then run again.",
        );
        return Err(Error::refused(message));
    }
    for notice in d.notices() {
        notices.say(format!("notice: {notice}; sending as planned."));
    }
    Ok(())
}

/// The plan of the file as it is now.
fn current(p: &Prepared) -> Result<Plan> {
    let input = file_ref(&p.input.file)?;
    let mapping_file = match &p.mapping_path {
        Some(m) => Some(file_ref(m)?),
        None => None,
    };
    let source = Source {
        input,
        mapping_file,
        defaults: defaults(p),
        created_at: Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
    };
    Ok(Plan::build(
        &p.validation,
        &p.mapping,
        source,
        crate::dintero::content_hash::content_hash,
    ))
}

/// The defaults for invoices that do not say, as given by the mapping file and the
/// command line. (Defaults from the environment or the config file are not in
/// [`Prepared`]; any effect they have on an invoice shows in its content hash.)
fn defaults(p: &Prepared) -> BTreeMap<String, String> {
    let d = &p.mapping.defaults;
    let i = &p.input.flags;
    let mut m = BTreeMap::new();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            m.insert(k.to_string(), v);
        }
    };
    put(
        "currency",
        i.currency.or(d.currency).map(|c| c.code().to_string()),
    );
    put(
        "country",
        i.country.or(d.country).map(|c| c.code().to_string()),
    );
    put(
        "days_until_due",
        i.days_until_due.or(d.days_until_due).map(|n| n.to_string()),
    );
    put(
        "invoice_channel",
        i.invoice_channel
            .or(d.invoice_channel)
            .map(|c| format!("{c:?}").to_lowercase()),
    );
    put("customer_type", d.customer_type.clone());
    put(
        "payment_product_type",
        d.payment_product_type.map(|t| t.api_name().to_string()),
    );
    m
}

/// A file's path (as given) and SHA-256.
fn file_ref(path: &Path) -> Result<FileRef> {
    let sha256 = crate::input::digest::file_sha256(path)
        .setup_context(|| format!("cannot read {}", path.display()))?;
    Ok(FileRef {
        path: path.display().to_string(),
        sha256,
    })
}
