#![no_main]
//! Fuzz target `spreadsheet`: the logic is in `fuzz/harness/spreadsheet.rs`, shared with the replay
//! test `tests/fuzz_corpus.rs`.

#[path = "../harness/common.rs"]
#[allow(dead_code)]
mod common;
#[path = "../harness/spreadsheet.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::run(data));
