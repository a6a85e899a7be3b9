#![no_main]
//! Fuzz target `results_file`: the logic is in `fuzz/harness/results_file.rs`, shared with the replay
//! test `tests/fuzz_corpus.rs`.

#[path = "../harness/common.rs"]
#[allow(dead_code)]
mod common;
#[path = "../harness/results_file.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::run(data));
