//! The `kravia-batch` binary: everything lives in the library.

/// mimalloc instead of the system allocator: a month's file is hundreds of thousands of
/// small strings, and a live run thousands of small requests; measured in
/// `docs/architecture.md`.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// SIGPIPE stays ignored, as Rust's runtime leaves it: a TLS connection that the server
/// closes mid-handshake must be an error the command reports, not a silent death by
/// signal. A closed stdout (`kravia-batch validate x.csv | head`) is handled where stdout
/// is written (`output::stdout`).
fn main() -> std::process::ExitCode {
    quiet_library_panics();
    kravia_batch::cli::main().into()
}

/// The spreadsheet library panics on some damaged workbooks; the reader catches that and
/// says the file is damaged, so its panic message would only confuse. Any other panic is
/// a bug of ours: the default message stays (and `cli::main` turns it into an error).
fn quiet_library_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !kravia_batch::input::is_caught_library_panic(info) {
            default(info);
        }
    }));
}
