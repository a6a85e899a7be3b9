#![no_main]
//! Fuzz target `mapping_file`: the logic is in `fuzz/harness/mapping_file.rs`, shared with the replay
//! test `tests/fuzz_corpus.rs`.

#[path = "../harness/common.rs"]
#[allow(dead_code)]
mod common;
#[path = "../harness/mapping_file.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::run(data));
