//! The `kravia-batch` binary: everything lives in the library.

fn main() -> std::process::ExitCode {
    kravia_batch::cli::main().into()
}
