//! Standard output that outlives its reader.
//!
//! `kravia-batch validate x.csv | head` must end quietly with its own exit code, and a
//! TLS connection to a server that hangs up must not kill the process. Rust ignores
//! SIGPIPE, so both reach us as `EPIPE`; `println!` would panic on it. Everything the
//! tool prints to stdout goes through [`write_out`] (the `out!`/`outln!` macros), which
//! drops what a departed reader can no longer read and lets the command finish (its
//! files written, its exit code intact). Standard output only ever carries summaries:
//! every result is also in a file.

use std::io::Write;

/// Writes to stdout; a reader that went away is not an error.
pub fn write_out(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    match out.write_fmt(args).and_then(|()| out.flush()) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "warning: cannot write to standard output: {e}"
            );
        }
    }
}

/// `print!` that tolerates a closed stdout.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::stdout::write_out(format_args!($($arg)*))
    };
}

/// `println!` that tolerates a closed stdout.
#[macro_export]
macro_rules! outln {
    () => {
        $crate::output::stdout::write_out(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::stdout::write_out(format_args!("{}\n", format_args!($($arg)*)))
    };
}
