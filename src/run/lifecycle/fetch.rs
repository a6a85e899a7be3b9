//! Fetching the current transaction of many results rows at once, paced and retried by
//! the one request policy. Every lifecycle command starts here: it acts on Dintero's
//! state now, never on the results file's (possibly days old) record of it.

use crate::dintero::types::Transaction;
use crate::output::progress::{SharedProgress, Units};
use crate::output::results::ResultRow;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

/// The client with the command's pacing and retry policy: the one request policy
/// ([`crate::run::policy::Policy`]) every command shares.
pub use crate::run::policy::Policy as Paced;

/// Runs `f` on every item with `concurrency` workers; the results in the items' order
/// (`None` only if a worker died, which is a bug).
pub async fn for_each<T, R, F, Fut>(items: Vec<T>, concurrency: usize, f: F) -> Vec<Option<R>>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
{
    let n = items.len();
    let queue = Arc::new(Mutex::new(
        items.into_iter().enumerate().collect::<VecDeque<_>>(),
    ));
    let results: Arc<Mutex<Vec<Option<R>>>> = Arc::new(Mutex::new((0..n).map(|_| None).collect()));
    let f = Arc::new(f);
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency.clamp(1, n.max(1)) {
        let (queue, results, f) = (queue.clone(), results.clone(), f.clone());
        workers.spawn(async move {
            loop {
                let next = queue
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .pop_front();
                let Some((i, item)) = next else { return };
                let r = f(item).await;
                if let Some(slot) = results
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get_mut(i)
                {
                    *slot = Some(r);
                }
            }
        });
    }
    while workers.join_next().await.is_some() {}
    let mut guard = results.lock().unwrap_or_else(PoisonError::into_inner);
    std::mem::take(&mut *guard)
}

/// What fetching one row gave.
#[derive(Debug, Clone)]
pub enum Fetch {
    /// The row has no transaction id.
    NoInvoice,
    Fetched(Box<Transaction>),
    /// Why it could not be fetched.
    Failed(String),
}

/// Fetches the current transaction of every selected row (paced, retried).
pub async fn fetch_rows(
    paced: &Paced,
    rows: &[ResultRow],
    selected: &[usize],
    quiet: bool,
) -> Vec<Fetch> {
    let ids: Vec<Option<String>> = selected
        .iter()
        .map(|&i| {
            rows.get(i)
                .and_then(|r| r.transaction_id.clone())
                .filter(|t| !t.trim().is_empty())
        })
        .collect();
    let ticker = SharedProgress::new(
        "checking",
        Units::Items("invoices"),
        ids.iter().filter(|i| i.is_some()).count() as u64,
        quiet,
    );
    let p = paced.clone();
    let t = ticker.clone();
    let fetched = for_each(ids, paced.concurrency, move |id| {
        let (p, t) = (p.clone(), t.clone());
        async move {
            let Some(id) = id else {
                return Fetch::NoInvoice;
            };
            let r = match p.transaction(id.trim()).await {
                Ok(tx) => Fetch::Fetched(Box::new(tx)),
                Err(e) => Fetch::Failed(e.to_string()),
            };
            t.tick();
            r
        }
    })
    .await;
    ticker.finish();
    fetched
        .into_iter()
        .map(|f| f.unwrap_or_else(|| Fetch::Failed("the look-up task stopped".into())))
        .collect()
}
