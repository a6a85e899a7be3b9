//! The speed machinery: how rows reach the rules fast, in parallel and in little memory.
//!
//! The rules ([`super::rules`]) say what a field must be; this module decides when they
//! run and where invoices live while the file is read. A chunk's rows are first parsed
//! in parallel ([`draft`]: line rules, reference hash, fingerprint); each row is then
//! handed by index to the shard of its invoice (a hash of `merchant_reference`, four
//! shards per thread), and the shards merge their rows in parallel, each in file order
//! ([`shard`]). Per invoice a shard keeps a small accumulator and packed values in
//! large blocks ([`store`], [`head`], [`blocks`]), found through an index ([`table`])
//! whose slots can be prefetched, so that the memory waits of neighbouring rows overlap
//! (`crate::prefetch`). None of it changes a result: a row's problems, and their order,
//! are the rules'.
//!
//! Everything here is reached through [`Engine`], which the validator's
//! [`crate::input::ChunkSink`] feeds; the readers' rows offer it two hints
//! ([`crate::input::ChunkRow`]) that the rules never see.

pub mod blocks;
mod draft;
mod fingerprint;
pub mod head;
mod shard;
pub mod store;
mod table;

use crate::input::ChunkRow;
use crate::mapping::{ColumnMap, Field};
use crate::model::{Currency, DecimalConvention};
use crate::problem::Problem;
use blocks::Blocks;
use draft::{RowContext, parse_row, reference_of};
use rayon::prelude::*;
use shard::{Common, Shard, shard_of};
use std::hash::BuildHasher;
use store::{InvoiceAcc, Store};

/// The shards of a file's invoices, and what they need to take a chunk.
pub struct Engine {
    hasher: foldhash::fast::FixedState,
    shards: Vec<Shard>,
    /// Invoice-level fields present in the file (other than the reference), with columns.
    invoice_cols: Vec<(Field, usize)>,
    /// The columns a CSV row's fingerprint hashes (see [`fingerprint::fingerprint_runs`]).
    runs: Vec<std::ops::Range<usize>>,
    has_line_ids: bool,
    keep: bool,
}

/// How a chunk's rows are to be read.
pub struct ChunkSettings<'m> {
    pub map: &'m ColumnMap,
    pub convention: DecimalConvention,
    pub default_currency: Currency,
}

/// What the shards hold after the file: per shard its invoices and their store, and the
/// rows' problems and count.
pub struct Merged {
    pub accs: Vec<Blocks<InvoiceAcc>>,
    pub stores: Vec<Store>,
    pub problems: Vec<Problem>,
    pub lines: u64,
}

impl Engine {
    /// An engine for a file whose columns are `map`; `keep` keeps every line.
    pub fn new(map: &ColumnMap, keep: bool) -> Engine {
        let invoice_cols: Vec<(Field, usize)> = map
            .mapped()
            .filter(|(f, _)| f.is_invoice_level() && *f != Field::MerchantReference)
            .collect();
        let runs = fingerprint::fingerprint_runs(map, &invoice_cols);
        // More shards than threads, so that a thread slowed by the reader still gets
        // its share: shards are handed out to whichever thread is free.
        let shards = (rayon::current_num_threads() * 4).clamp(1, 64);
        Engine {
            hasher: foldhash::fast::FixedState::with_seed(0x6b72_6176_6961),
            shards: (0..shards).map(|_| Shard::default()).collect(),
            invoice_cols,
            runs,
            has_line_ids: map.column(Field::LineId).is_some(),
            keep,
        }
    }

    /// Parses and merges a chunk of rows.
    pub fn chunk<R: ChunkRow>(&mut self, rows: &[R], s: &ChunkSettings<'_>) {
        let ctx = RowContext {
            map: s.map,
            hasher: self.hasher.clone(),
            invoice_cols: &self.invoice_cols,
            runs: &self.runs,
            convention: s.convention,
            default_currency: s.default_currency,
        };
        // Every row is parsed once, in parallel over runs of neighbouring rows (each
        // thread reads the chunk front to back), then handed to the shard of its
        // invoice, which merges its rows in file order.
        let drafts: Vec<_> = rows
            .par_iter()
            .with_min_len(512)
            .map(|r| {
                let reference = reference_of(r, &ctx);
                let hash = ctx.hasher.hash_one(reference.as_ref());
                parse_row(r, &ctx, reference, hash)
            })
            .collect();
        let count = self.shards.len();
        let mut buckets: Vec<Vec<(u32, u32)>> = (0..count)
            .map(|_| Vec::with_capacity(rows.len() / count + 64))
            .collect();
        for (i, d) in drafts.iter().enumerate() {
            buckets[shard_of(d.hash, count)].push((i as u32, d.hash as u32));
        }
        let common = Common {
            row: &ctx,
            has_line_ids: self.has_line_ids,
            keep: self.keep,
        };
        self.shards
            .par_iter_mut()
            .zip(buckets)
            .for_each(|(shard, bucket)| shard.merge_all(rows, &drafts, &bucket, &common));
    }

    /// The shards' invoices, problems and lines.
    pub fn into_merged(self) -> Merged {
        let mut m = Merged {
            accs: Vec::with_capacity(self.shards.len()),
            stores: Vec::with_capacity(self.shards.len()),
            problems: Vec::new(),
            lines: 0,
        };
        for shard in self.shards {
            m.problems.extend(shard.problems);
            m.lines += shard.lines;
            m.accs.push(shard.accs);
            m.stores.push(shard.store);
        }
        m
    }
}
