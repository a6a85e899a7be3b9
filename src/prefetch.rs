//! Cache hints for the validator's merge step.
//!
//! Merging a row into its invoice touches memory that is, in a large file, almost never in
//! cache: the invoice's slot in its shard's table, its accumulator, the row's own text
//! (read a while before, by the parse step). The merge asks for them a few rows ahead so
//! that those waits overlap. A hint changes nothing the program can observe.

/// Asks the processor to start loading the cache line that holds `value`.
#[inline(always)]
pub fn prefetch<T: ?Sized>(value: &T) {
    line((value as *const T).cast::<u8>());
}

/// Asks for every cache line of `value` (a struct larger than a line).
#[inline(always)]
pub fn prefetch_all<T>(value: &T) {
    let start = (value as *const T).cast::<u8>();
    let mut offset = 0;
    while offset < std::mem::size_of::<T>() {
        line(start.wrapping_add(offset));
        offset += 64;
    }
    // The last byte's line, when `value` does not start on a line.
    line(start.wrapping_add(std::mem::size_of::<T>().saturating_sub(1)));
}

/// Asks for the cache lines of the first `max` bytes of `items` (or of all of it).
#[inline]
pub fn prefetch_slice<T>(items: &[T], max: usize) {
    let per_line = (64 / std::mem::size_of::<T>().max(1)).max(1);
    let items = &items[..items.len().min(max / std::mem::size_of::<T>().max(1))];
    for line in items.chunks(per_line) {
        prefetch(line);
    }
}

#[inline(always)]
fn line(address: *const u8) {
    // SAFETY: a prefetch only hints the cache: it reads nothing the program sees and
    // never faults, whatever the address. SSE is part of every x86_64 target.
    #[cfg(target_arch = "x86_64")]
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(address.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = address;
}
