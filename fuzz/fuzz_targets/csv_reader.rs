#![no_main]
//! Fuzz target `csv_reader`: the logic is in `fuzz/harness/csv_reader.rs`, shared with the replay
//! test `tests/fuzz_corpus.rs`.

#[path = "../harness/common.rs"]
#[allow(dead_code)]
mod common;
#[path = "../harness/csv_reader.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::run(data));
