//! The index from a reference's hash to its invoice's position in a shard.
//!
//! In a file of hundreds of thousands of invoices whose lines are scattered, nearly every
//! row's look-up misses the caches twice: once in this table, once in the invoice's
//! accumulator. A general-purpose hash table hides where a key's slot lives, so the
//! merge step cannot ask for it early; this one is a plain open-addressing table whose
//! slot for a hash is known before the look-up, so the merge can prefetch the slots of
//! the rows a few steps ahead, then (once those have arrived) their accumulators, and
//! the memory waits of neighbouring rows overlap instead of adding up (see
//! [`crate::prefetch`]).
//!
//! A slot is one `u64`: the invoice's position plus one in the high half (zero marks an
//! empty slot) and the low half of the reference's hash in the low half, so that growing
//! the table rehashes without reading any invoice, and a probe compares the hash before
//! the caller compares the reference. Linear probing, at most three quarters full.

use crate::prefetch::prefetch;

/// Open-addressing table of `(position, low hash)` pairs; see the module docs.
#[derive(Default)]
pub struct RefTable {
    slots: Vec<u64>,
    len: usize,
}

/// Slots of a table's first allocation (a power of two).
const FIRST: usize = 1 << 10;

impl RefTable {
    fn mask(&self) -> usize {
        self.slots.len().wrapping_sub(1)
    }

    /// The position of the first invoice whose hash is `low` and for which `eq` holds.
    #[inline]
    pub fn find(&self, low: u32, mut eq: impl FnMut(u32) -> bool) -> Option<u32> {
        let mask = self.mask();
        let mut pos = low as usize & mask;
        loop {
            let slot = *self.slots.get(pos)?;
            if slot == 0 {
                return None;
            }
            let index = ((slot >> 32) as u32).wrapping_sub(1);
            if slot as u32 == low && eq(index) {
                return Some(index);
            }
            pos = (pos + 1) & mask;
        }
    }

    /// The position of the first invoice whose hash is `low`, without comparing
    /// references: a guess, good enough to prefetch.
    #[inline]
    pub fn guess(&self, low: u32) -> Option<u32> {
        self.find(low, |_| true)
    }

    /// Asks the processor to start loading the slot where a look-up of `low` begins.
    #[inline]
    pub fn prefetch(&self, low: u32) {
        if let Some(slot) = self.slots.get(low as usize & self.mask()) {
            prefetch(slot);
        }
    }

    /// Adds an invoice known not to be in the table yet.
    pub fn insert(&mut self, low: u32, index: u32) {
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        place(&mut self.slots, pack(low, index));
        self.len += 1;
    }

    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(FIRST);
        let mut slots = vec![0u64; size];
        for &slot in self.slots.iter().filter(|&&s| s != 0) {
            place(&mut slots, slot);
        }
        self.slots = slots;
    }
}

fn pack(low: u32, index: u32) -> u64 {
    (u64::from(index.wrapping_add(1)) << 32) | u64::from(low)
}

/// Puts a slot value in the first free slot from its hash on; `slots` has a free one.
fn place(slots: &mut [u64], slot: u64) {
    let mask = slots.len() - 1;
    let mut pos = slot as u32 as usize & mask;
    while slots[pos] != 0 {
        pos = (pos + 1) & mask;
    }
    slots[pos] = slot;
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn empty_table_finds_nothing() {
        let t = RefTable::default();
        assert_eq!(t.find(7, |_| true), None);
        assert_eq!(t.guess(7), None);
        t.prefetch(7);
    }

    #[test]
    fn equal_hashes_are_told_apart_by_the_callers_comparison() {
        let mut t = RefTable::default();
        t.insert(5, 0);
        t.insert(5, 1);
        t.insert(5 + FIRST as u32, 2); // same home slot, other hash
        assert_eq!(t.find(5, |i| i == 1), Some(1));
        assert_eq!(t.find(5, |i| i == 0), Some(0));
        assert_eq!(t.find(5, |_| false), None);
        assert_eq!(t.find(5 + FIRST as u32, |_| true), Some(2));
        assert_eq!(t.guess(5), Some(0));
    }

    proptest! {
        /// Whatever the hashes (many equal, many sharing a home slot), every invoice is
        /// found at its position after any number of growths, and nothing else is.
        #[test]
        fn finds_what_was_inserted(hashes in proptest::collection::vec(0u32..5000, 0..3000)) {
            let mut t = RefTable::default();
            for (i, &h) in hashes.iter().enumerate() {
                t.insert(h, i as u32);
            }
            for (i, &h) in hashes.iter().enumerate() {
                prop_assert_eq!(t.find(h, |j| j == i as u32), Some(i as u32));
            }
            prop_assert_eq!(t.find(5000, |_| true), None);
            prop_assert_eq!(t.find(hashes.first().copied().unwrap_or(0), |j| j == u32::MAX), None);
        }
    }
}
