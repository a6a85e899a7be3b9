#![no_main]
//! Fuzz target `money`: the logic is in `fuzz/harness/money.rs`, shared with the replay
//! test `tests/fuzz_corpus.rs`.

#[path = "../harness/common.rs"]
#[allow(dead_code)]
mod common;
#[path = "../harness/money.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::run(data));
