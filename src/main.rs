//! The `kravia-batch` binary: everything lives in the library.

/// mimalloc instead of the system allocator: a month's file is hundreds of thousands of
/// small strings, and a live run thousands of small requests; measured in
/// `docs/architecture.md`.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // `kravia-batch validate x.csv | head` must end quietly, not panic on a closed pipe:
    // restore the default SIGPIPE action that Rust's runtime ignores. Output is printed
    // after all work and files are written, so nothing is lost when a reader goes away.
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to SIG_DFL at startup, before any thread.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    kravia_batch::cli::main().into()
}
