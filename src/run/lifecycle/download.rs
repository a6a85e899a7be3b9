//! Invoice PDFs (`capture --download-invoices`): safe file names, the bearer token sent
//! only to the configured Dintero hosts, and atomic saves that never overwrite a
//! different file. Apart from void and capture because it changes nothing at Dintero.

use super::fetch::{Paced, for_each};
use super::prepare::Prepared;
use super::results_file::ResultsFile;
use crate::dintero::config::Endpoints;
use crate::dintero::types::Transaction;
use crate::output::actions::{ActionItem, DownloadOutcome};
use crate::output::progress::{SharedProgress, Units};
use crate::output::results::ResultRow;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A file name for an invoice PDF: `<invoice number>.pdf`, else `<reference>.pdf`, with
/// every character but ASCII letters, digits, `-`, `_` and `.` replaced by `_`, no leading
/// dot, at most 100 characters, and Windows' reserved device names avoided.
pub fn pdf_file_name(invoice_number: Option<&str>, reference: &str) -> String {
    let base = invoice_number
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or(reference.trim());
    let mut name: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    let trimmed = name
        .trim_start_matches('.')
        .trim_end_matches('.')
        .to_string();
    name = trimmed;
    if name.is_empty() {
        name = "invoice".into();
    }
    let stem = name.split('.').next().unwrap_or("").to_ascii_uppercase();
    let reserved = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit());
    if reserved {
        name.insert(0, '_');
    }
    name.push_str(".pdf");
    name
}

/// Whether the bearer token may be sent to `url`: only to the origin (scheme, host and
/// port) of the configured api or checkout base URL. Loopback is allowed only when it is
/// one of those (a sandbox), never any local port.
pub fn url_allowed(url: &str, endpoints: &Endpoints) -> bool {
    let Ok(u) = reqwest::Url::parse(url) else {
        return false;
    };
    let origin = u.origin();
    [&endpoints.api, &endpoints.checkout]
        .into_iter()
        .filter_map(|b| reqwest::Url::parse(b).ok())
        .any(|b| b.origin() == origin)
}

/// What saving one PDF did.
#[derive(Debug, PartialEq, Eq)]
pub enum Saved {
    Written,
    Unchanged,
}

/// Saves `bytes` as `dir/name` atomically (temporary file, fsync, rename without
/// replacing). An identical file is left as it is; a different one is never overwritten.
pub fn save_pdf(dir: &Path, name: &str, bytes: &[u8]) -> Result<Saved, String> {
    let path = dir.join(name);
    match std::fs::read(&path) {
        Ok(existing) if existing == bytes => return Ok(Saved::Unchanged),
        Ok(_) => {
            return Err(format!(
                "{} exists with other content; not overwritten (move it away to download again)",
                path.display()
            ));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("{}: {e}", path.display())),
    }
    let io = |e: std::io::Error| format!("{}: {e}", path.display());
    let mut tmp = crate::output::temp_file_in(dir).map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist_noclobber(&path).map_err(|e| io(e.error))?;
    Ok(Saved::Written)
}

/// Downloads the PDF of every item that is a live invoice (AUTHORIZED, CAPTURED,
/// PARTIALLY_CAPTURED) into `dir`, paced and retried (GETs), with the token sent only to
/// the configured Dintero hosts.
pub async fn download_invoices(
    paced: &Paced,
    endpoints: &Endpoints,
    prepared: &mut Prepared,
    file: &ResultsFile,
    dir: &Path,
    quiet: bool,
) {
    if let Err(e) = std::fs::create_dir_all(dir) {
        for item in &mut prepared.items {
            item.download = Some(DownloadOutcome::Failed(format!(
                "cannot create {}: {e}",
                dir.display()
            )));
        }
        return;
    }
    let jobs = downloads(prepared, file, endpoints);
    let ticker = SharedProgress::new(
        "downloading",
        Units::Items("invoices"),
        jobs.len() as u64,
        quiet,
    );
    let (p, t, d) = (paced.clone(), ticker.clone(), dir.to_path_buf());
    let results = for_each(jobs, paced.concurrency, move |(k, url, name)| {
        let (p, t, d) = (p.clone(), t.clone(), d.clone());
        async move {
            let r = download_one(&p, &url, d, name).await;
            t.tick();
            (k, r)
        }
    })
    .await;
    ticker.finish();
    for (k, r) in results.into_iter().flatten() {
        if let Some(item) = prepared.items.get_mut(k) {
            item.download = Some(r);
        }
    }
}

/// What to download: (item index, URL, file name) for every item that has a PDF the
/// token may fetch; every other item says why not in its `download`. File names are
/// made unique in item order (`INV-1.pdf`, `INV-1-2.pdf`).
fn downloads(
    prepared: &mut Prepared,
    file: &ResultsFile,
    endpoints: &Endpoints,
) -> Vec<(usize, String, String)> {
    let mut used: HashMap<String, usize> = HashMap::new();
    let mut jobs = Vec::new();
    for (k, item) in prepared.items.iter_mut().enumerate() {
        let tx = prepared.transactions[k].as_ref();
        let row = file.rows.get(item.row);
        let url = match invoice_url(item, tx, row, endpoints) {
            Ok(url) => url,
            Err(why) => {
                item.download = Some(why);
                continue;
            }
        };
        let mut name = pdf_file_name(item.invoice_number.as_deref(), &item.reference);
        let n = used.entry(name.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            name = format!("{}-{}.pdf", name.trim_end_matches(".pdf"), n);
        }
        jobs.push((k, url, name));
    }
    jobs
}

/// The URL of an item's PDF, or why it is not downloaded.
fn invoice_url(
    item: &ActionItem,
    tx: Option<&Transaction>,
    row: Option<&ResultRow>,
    endpoints: &Endpoints,
) -> Result<String, DownloadOutcome> {
    let skip = |r: &str| DownloadOutcome::Skipped(r.to_string());
    let Some(tx) = tx else {
        return Err(if item.transaction_id.is_none() {
            skip("no invoice")
        } else {
            skip("could not be checked")
        });
    };
    if !tx.is_success() {
        return Err(DownloadOutcome::Skipped(format!(
            "{}: not a live invoice, not downloaded",
            tx.status.as_str()
        )));
    }
    let url = tx
        .invoice_url()
        .map(str::to_string)
        .or_else(|| row.and_then(|r| r.invoice_url.clone()));
    let Some(url) = url else {
        return Err(skip("no invoice URL"));
    };
    if !url_allowed(&url, endpoints) {
        return Err(DownloadOutcome::Failed(format!(
            "refused: {url} is not on the configured Dintero hosts ({} or {}); the access token is sent nowhere else",
            endpoints.api, endpoints.checkout
        )));
    }
    Ok(url)
}

/// Fetches one PDF (paced, retried) and saves it as `dir/name`.
async fn download_one(paced: &Paced, url: &str, dir: PathBuf, name: String) -> DownloadOutcome {
    match paced.safe(|| paced.client.download(url)).await {
        Err(e) => DownloadOutcome::Failed(e.to_string()),
        Ok(bytes) if !bytes.starts_with(b"%PDF-") => DownloadOutcome::Failed(format!(
            "{url} did not answer with a PDF ({} bytes); nothing saved",
            bytes.len()
        )),
        Ok(bytes) => {
            let path = dir.join(&name);
            match tokio::task::spawn_blocking(move || save_pdf(&dir, &name, &bytes)).await {
                Ok(Ok(Saved::Written)) => DownloadOutcome::Written(path),
                Ok(Ok(Saved::Unchanged)) => DownloadOutcome::Unchanged(path),
                Ok(Err(e)) => DownloadOutcome::Failed(e),
                Err(e) => DownloadOutcome::Failed(e.to_string()),
            }
        }
    }
}
