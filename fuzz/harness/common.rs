//! Shared by every fuzz harness (included with `#[path]` from the fuzz targets in
//! `fuzz/fuzz_targets/` and from `tests/fuzz_corpus.rs`, so the calls live once).
//!
//! The readers only take a path, so the bytes are written to a scratch file first, on
//! tmpfs (`/dev/shm`) when there is one. A byte-slice entry point in `src/input` (and in
//! `output::results`) would spare this file system round trip.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A scratch file holding the fuzz bytes, removed when dropped.
pub struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    /// Writes `data` to a new scratch file whose name ends in `.{ext}` (the readers
    /// choose by extension).
    pub fn new(data: &[u8], ext: &str) -> Scratch {
        let base = if Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        // One folder per call: the process id and a counter keep parallel tests apart.
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = base.join(format!("kb-fuzz-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch folder");
        std::fs::write(dir.join(format!("input.{ext}")), data).expect("scratch file");
        Scratch { dir }
    }

    pub fn path(&self, ext: &str) -> PathBuf {
        self.dir.join(format!("input.{ext}"))
    }

    /// A second file in the same folder (for what a harness writes back).
    pub fn sibling(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The dry run on one file, as `kravia-batch validate FILE --quiet` does it (no
/// mapping, no config file, no network), then what the dry run prints and writes: the
/// human and JSON summaries and the request body of every valid invoice.
pub fn dry_run(path: &Path) {
    use kravia_batch::cli::args::InputArgs;
    use kravia_batch::cli::validate::prepare_args as prepare;
    use kravia_batch::config::Loaded;
    use kravia_batch::output::summary;

    let args = InputArgs::for_file(path);
    // keep = true: the typed invoices too, as `--emit-payloads` and `--plan` ask.
    let Ok(p) = prepare(&args, &Loaded::default(), true, true) else {
        return;
    };
    let v = &p.validation;
    std::hint::black_box(summary::render_text(&p.info, v, &p.names, None));
    std::hint::black_box(summary::render_json(&p.info, v, &p.names));
    for inv in &v.invoices {
        let body = kravia_batch::dintero::payload::pay_request(inv);
        std::hint::black_box(serde_json::to_vec(&body).expect("a request body serializes"));
    }
}

/// calamine 0.38 panics on some damaged workbooks; the tool's reader catches those
/// panics and reports the file as damaged (`kravia_batch::input::is_reader_library_panic`).
/// libFuzzer's hook aborts on every panic, caught or not: this hook lets the caught
/// library ones pass, so a campaign keeps finding the tool's own bugs. A library panic
/// that the tool failed to catch still unwinds out of the target and aborts.
pub fn tolerate_caught_library_panics() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let library = kravia_batch::input::is_caught_library_panic(info);
            if !library {
                previous(info);
            }
        }));
    });
}
