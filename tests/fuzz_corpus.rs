//! The fuzz corpora, replayed without a fuzzer: every file of `fuzz/corpus/<target>/`
//! and `fuzz/regressions/<target>/` goes through the same library calls as the fuzz
//! target (`fuzz/harness/<target>.rs`, included here as it is there) and must not panic
//! nor break the target's invariants. Every finding is fixed at its root and its file kept
//! in `fuzz/regressions/<target>/`, replayed here.
//!
//! How to fuzz, and how the corpora are made: `fuzz/README.md`, `docs/testing.md`.

#[path = "../fuzz/harness/common.rs"]
mod common;
#[path = "../fuzz/harness/csv_reader.rs"]
mod csv_reader;
#[path = "../fuzz/harness/mapping_file.rs"]
mod mapping_file;
#[path = "../fuzz/harness/money.rs"]
mod money;
#[path = "../fuzz/harness/plan_file.rs"]
mod plan_file;
#[path = "../fuzz/harness/results_file.rs"]
mod results_file;
#[path = "../fuzz/harness/spreadsheet.rs"]
mod spreadsheet;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, Once};

/// Panics on any thread, counted by a panic hook: a reader thread's panic that the
/// library swallows (a scoped thread's `join`) is a finding too, as it is under the
/// fuzzer (libfuzzer-sys aborts on any panic).
static PANICS: AtomicUsize = AtomicUsize::new(0);
/// One replay at a time, so that each file's count is its own.
static SERIAL: Mutex<()> = Mutex::new(());

fn count_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // The spreadsheet library's panics on damaged files are caught and reported
            // by the reader (see `common::tolerate_caught_library_panics`); an uncaught
            // one still unwinds out of `run` and fails the file.
            let library = kravia_batch::input::is_caught_library_panic(info);
            if !library {
                PANICS.fetch_add(1, Ordering::SeqCst);
                previous(info);
            }
        }));
    });
}

/// The files directly in `fuzz/<parts...>` (not in its subfolders), sorted.
fn files(parts: &[&str]) -> Vec<PathBuf> {
    let mut dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    for p in parts {
        dir.push(p);
    }
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = entries
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    v.sort();
    v
}

/// Runs `run` on every file and fails with the list of those that panicked (on any
/// thread, caught or not).
fn replay(parts: &[&str], run: fn(&[u8])) -> usize {
    count_panics();
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let files = files(parts);
    let mut failed = Vec::new();
    for f in &files {
        let data = std::fs::read(f).expect("corpus file");
        let before = PANICS.load(Ordering::SeqCst);
        let caught = catch_unwind(AssertUnwindSafe(|| run(&data))).is_err();
        if caught || PANICS.load(Ordering::SeqCst) != before {
            failed.push(f.display().to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} files of fuzz/{} panicked (messages above):\n{}",
        failed.len(),
        files.len(),
        parts.join("/"),
        failed.join("\n")
    );
    files.len()
}

/// The committed corpus must not be empty (a wrong path would pass silently).
fn corpus(target: &str, run: fn(&[u8])) {
    let n = replay(&["corpus", target], run);
    assert!(n > 0, "fuzz/corpus/{target} is empty or missing");
}

/// Past findings, memory bombs among them: the address space is capped so that a bomb
/// that comes back fails fast (an allocation failure aborts the test binary, which
/// counts as a failure) instead of thrashing the machine.
fn regressions(target: &str, run: fn(&[u8])) {
    #[cfg(unix)]
    {
        let cap: libc::rlim_t = 4 << 30;
        let lim = libc::rlimit {
            rlim_cur: cap,
            rlim_max: cap,
        };
        // SAFETY: setrlimit reads the struct it is given; no memory is shared.
        unsafe { libc::setrlimit(libc::RLIMIT_AS, &lim) };
    }
    replay(&["regressions", target], run);
}

#[test]
fn csv_reader_corpus() {
    corpus("csv_reader", csv_reader::run);
}

#[test]
fn csv_reader_regressions() {
    regressions("csv_reader", csv_reader::run);
}

#[test]
fn spreadsheet_corpus() {
    corpus("spreadsheet", spreadsheet::run);
}

#[test]
fn spreadsheet_regressions() {
    regressions("spreadsheet", spreadsheet::run);
}

#[test]
fn money_corpus() {
    corpus("money", money::run);
}

#[test]
fn money_regressions() {
    regressions("money", money::run);
}

#[test]
fn mapping_file_corpus() {
    corpus("mapping_file", mapping_file::run);
}

#[test]
fn mapping_file_regressions() {
    regressions("mapping_file", mapping_file::run);
}

#[test]
fn plan_file_corpus() {
    corpus("plan_file", plan_file::run);
}

#[test]
fn plan_file_regressions() {
    regressions("plan_file", plan_file::run);
}

#[test]
fn results_file_corpus() {
    corpus("results_file", results_file::run);
}

#[test]
fn results_file_regressions() {
    regressions("results_file", results_file::run);
}
