//! A vector stored in fixed-size blocks.
//!
//! The validator keeps one accumulator per invoice and does not know how many invoices a
//! file holds. A plain `Vec` doubles its capacity as it grows, so at worst it holds twice
//! what it needs and, while it moves, both copies at once; fixed blocks never move and
//! waste at most one partly filled block.

use rayon::prelude::*;
use std::ops::{Index, IndexMut};

const BLOCK: usize = 1 << 15;

pub struct Blocks<T> {
    blocks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Blocks<T> {
    fn default() -> Self {
        Blocks {
            blocks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Blocks<T> {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn push(&mut self, value: T) {
        if self.len.is_multiple_of(BLOCK) {
            self.blocks.push(Vec::with_capacity(BLOCK));
        }
        if let Some(last) = self.blocks.last_mut() {
            last.push(value);
            self.len += 1;
        }
    }
}

impl<T: Send> Blocks<T> {
    /// Consumes the blocks in order, in parallel; each block is freed as it is done.
    /// `ahead(item)` is called for each item a few items before it is handed out
    /// (to prefetch what its consumer will read).
    pub fn into_par_iter<F>(self, ahead: F) -> impl ParallelIterator<Item = T>
    where
        F: Fn(&T) + Clone + Sync + Send,
    {
        self.blocks.into_par_iter().flat_map_iter(move |b| {
            let ahead = ahead.clone();
            let mut items = b.into_iter();
            std::iter::from_fn(move || {
                if let Some(next) = items.as_slice().get(AHEAD) {
                    ahead(next);
                }
                items.next()
            })
        })
    }
}

/// How many items ahead [`Blocks::into_par_iter`] calls `ahead`.
const AHEAD: usize = 16;

impl<T> Index<usize> for Blocks<T> {
    type Output = T;
    fn index(&self, i: usize) -> &T {
        &self.blocks[i / BLOCK][i % BLOCK]
    }
}

impl<T> IndexMut<usize> for Blocks<T> {
    fn index_mut(&mut self, i: usize) -> &mut T {
        &mut self.blocks[i / BLOCK][i % BLOCK]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_across_blocks() {
        let mut b = Blocks::default();
        for i in 0..(BLOCK * 2 + 5) {
            b.push(i);
        }
        assert_eq!(b.len(), BLOCK * 2 + 5);
        assert_eq!(b[BLOCK + 1], BLOCK + 1);
        b[3] = 42;
        let all: Vec<usize> = b.into_par_iter(|_| {}).collect();
        assert_eq!(all[3], 42);
        assert_eq!(all.len(), BLOCK * 2 + 5);
        assert_eq!(all[BLOCK * 2 + 4], BLOCK * 2 + 4);
    }
}
