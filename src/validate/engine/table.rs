//! The index from a reference's hash to its invoice's position in a shard.
//!
//! A `hashbrown::HashTable` of `u64`s: the invoice's position in the high half and the
//! low half of the reference's hash in the low half, so that growing the table rehashes
//! without reading any invoice, and a probe compares the hash before the caller
//! compares the reference. The table's own hash of an entry spreads those 32 bits over
//! 64 (`hashbrown` reads its tag from the top bits).
//!
//! A general table hides where a key's slot is, so the merge cannot ask for the slot
//! ahead of time ([`RefTable::prefetch`] does nothing); it still asks for the invoice's
//! accumulator a few rows ahead, from a [`RefTable::guess`].

use hashbrown::HashTable;

/// Positions of a shard's invoices by the low half of their reference's hash.
#[derive(Default)]
pub struct RefTable {
    table: HashTable<u64>,
}

/// The table's hash of a low half: odd-multiplied, so that its top bits depend on all
/// of it.
#[inline]
fn spread(low: u32) -> u64 {
    u64::from(low).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

impl RefTable {
    /// The position of the first invoice whose hash is `low` and for which `eq` holds.
    #[inline]
    pub fn find(&self, low: u32, mut eq: impl FnMut(u32) -> bool) -> Option<u32> {
        self.table
            .find(spread(low), |&e| e as u32 == low && eq((e >> 32) as u32))
            .map(|&e| (e >> 32) as u32)
    }

    /// The position of the first invoice whose hash is `low`, without comparing
    /// references: a guess, good enough to prefetch.
    #[inline]
    pub fn guess(&self, low: u32) -> Option<u32> {
        self.find(low, |_| true)
    }

    /// Nothing: a general table does not say where a look-up begins.
    #[inline]
    pub fn prefetch(&self, _low: u32) {}

    /// Adds an invoice known not to be in the table yet.
    pub fn insert(&mut self, low: u32, index: u32) {
        let entry = (u64::from(index) << 32) | u64::from(low);
        self.table
            .insert_unique(spread(low), entry, |&e| spread(e as u32));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A power of two: `5` and `5 + FIRST` share their low bits.
    const FIRST: usize = 1 << 10;

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
