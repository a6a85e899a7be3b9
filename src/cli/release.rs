//! What a release carries besides the commands: the version with its commit
//! (`--version`).

/// `0.1.0 (abc1234 2026-12-06)`: the package version and the commit it was built from
/// (`-dirty` with uncommitted source changes; `unknown` without git), found by `build.rs`.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("KRAVIA_BATCH_COMMIT"),
    ")"
);
