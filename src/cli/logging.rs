//! Diagnostics on stderr: `-v` (info), `-vv` (debug), `-vvv` (trace) for kravia-batch's
//! own events, or `RUST_LOG` for any crate's (`debug`, `kravia_batch=trace,reqwest=debug`).
//!
//! Without either nothing is installed and the output is exactly as before. Logs go to
//! stderr only: stdout carries the summary, JSON with `--format json`. Both given, `-v`
//! sets kravia-batch's own level (flags before the environment, as for every setting)
//! and `RUST_LOG` the rest. Other crates stay at `warn` unless `RUST_LOG` says otherwise:
//! their debug output is noise for this tool's users and is not ours to vouch for.
//!
//! No event carries a secret: the client secret and the tokens are `secrecy` types, and
//! the client's events name a request by method and path only (`POST /v1/sessions/pay`),
//! never its headers, query or body (checked by `tests/release.rs` at trace level).
//!
//! `RUST_LOG` takes `tracing_subscriber`'s `Targets` syntax (levels and `target=level`,
//! comma separated), not `EnvFilter`'s span and field filters, which would add a regex
//! engine to the binary for a feature this tool does not need.

pub use super::args::Verbosity;
use std::io::IsTerminal;
use std::time::Instant;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The crate's own events (`tracing` targets are module paths).
const OWN_TARGET: &str = "kravia_batch";

/// Logs the end of the run (and how long it took) when dropped.
#[must_use = "the run's end is logged when the guard is dropped"]
pub struct Guard {
    started: Instant,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let elapsed_ms = self.started.elapsed().as_millis() as u64;
        tracing::debug!(elapsed_ms, "kravia-batch finished");
    }
}

/// Installs the stderr subscriber if `-v` or `RUST_LOG` asks for one; `None` otherwise.
#[allow(
    clippy::print_stderr,
    reason = "a bad RUST_LOG is said before any logger exists"
)]
pub fn init(v: Verbosity) -> Option<Guard> {
    let env = std::env::var("RUST_LOG").ok();
    let (filter, warning) = filter(v.verbose, env.as_deref());
    if let Some(warning) = warning {
        eprintln!("warning: {warning}");
    }
    let ansi = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    // A subscriber already set (only where a test calls this twice) stays.
    tracing_subscriber::registry()
        .with(layer)
        .with(filter?)
        .try_init()
        .ok()?;
    tracing::info!(version = super::args::VERSION, "kravia-batch starting");
    Some(Guard {
        started: Instant::now(),
    })
}

/// The filter for `-v` repeated `verbose` times and `RUST_LOG`'s value (`None` when
/// neither asks for logs), and a warning when `RUST_LOG` does not parse: it is then
/// ignored, and `-v` still applies.
pub fn filter(verbose: u8, rust_log: Option<&str>) -> (Option<Targets>, Option<String>) {
    let own = match verbose {
        0 => None,
        1 => Some(LevelFilter::INFO),
        2 => Some(LevelFilter::DEBUG),
        _ => Some(LevelFilter::TRACE),
    };
    let (from_env, warning) = match rust_log.map(str::trim).filter(|s| !s.is_empty()) {
        None => (None, None),
        Some(s) => match s.parse::<Targets>() {
            Ok(t) => (Some(t), None),
            Err(e) => (
                None,
                Some(format!(
                    "RUST_LOG={s:?} ignored ({e}): it takes levels and target=level pairs, e.g. kravia_batch=debug,reqwest=info"
                )),
            ),
        },
    };
    let filter = match (from_env, own) {
        (Some(t), Some(level)) => Some(t.with_target(OWN_TARGET, level)),
        (Some(t), None) => Some(t),
        (None, Some(level)) => Some(
            Targets::new()
                .with_default(LevelFilter::WARN)
                .with_target(OWN_TARGET, level),
        ),
        (None, None) => None,
    };
    (filter, warning)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;

    fn level(t: &Targets, target: &str) -> Option<Level> {
        [
            Level::TRACE,
            Level::DEBUG,
            Level::INFO,
            Level::WARN,
            Level::ERROR,
        ]
        .into_iter()
        .find(|l| t.would_enable(target, l))
    }

    #[test]
    fn nothing_asked_nothing_installed() {
        assert!(filter(0, None).0.is_none());
        assert!(filter(0, Some("  ")).0.is_none());
    }

    #[test]
    fn each_v_is_one_level_for_our_events_only() {
        for (v, want) in [
            (1, Level::INFO),
            (2, Level::DEBUG),
            (3, Level::TRACE),
            (9, Level::TRACE),
        ] {
            let t = filter(v, None).0.unwrap();
            assert_eq!(level(&t, "kravia_batch::dintero::client"), Some(want));
            assert_eq!(level(&t, "reqwest::connect"), Some(Level::WARN));
        }
    }

    #[test]
    fn rust_log_alone_decides_everything() {
        let t = filter(0, Some("reqwest=debug,info")).0.unwrap();
        assert_eq!(level(&t, "reqwest::connect"), Some(Level::DEBUG));
        assert_eq!(level(&t, "kravia_batch::run"), Some(Level::INFO));
        assert_eq!(level(&t, "hyper"), Some(Level::INFO));
    }

    #[test]
    fn v_sets_our_level_over_rust_log() {
        let t = filter(1, Some("kravia_batch=trace,h2=debug")).0.unwrap();
        assert_eq!(level(&t, "kravia_batch::sandbox"), Some(Level::INFO));
        assert_eq!(level(&t, "h2::codec"), Some(Level::DEBUG));
        // A more specific RUST_LOG target still applies under it.
        let t = filter(1, Some("kravia_batch::run=trace")).0.unwrap();
        assert_eq!(level(&t, "kravia_batch::run::policy"), Some(Level::TRACE));
        assert_eq!(level(&t, "kravia_batch::input"), Some(Level::INFO));
    }

    #[test]
    fn a_bad_rust_log_is_ignored_with_a_warning() {
        let (none, warning) = filter(0, Some("kravia_batch=loud"));
        assert!(none.is_none());
        assert!(
            warning
                .unwrap()
                .contains("RUST_LOG=\"kravia_batch=loud\" ignored")
        );
        let (t, warning) = filter(2, Some("kravia_batch=loud"));
        assert!(warning.is_some());
        let t = t.unwrap();
        assert_eq!(level(&t, "kravia_batch"), Some(Level::DEBUG));
    }
}
