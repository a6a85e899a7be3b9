//! Finds the git commit the binary is built from, for `kravia-batch --version`
//! (`kravia-batch 0.1.0 (abc1234 2026-12-06)`) and the man page's date.
//!
//! Sets `KRAVIA_BATCH_COMMIT` (`abc1234 2026-12-06`, `abc1234-dirty 2026-12-06`, or
//! `unknown`) and `KRAVIA_BATCH_COMMIT_DATE` (`2026-12-06`, or empty). `unknown` when
//! git is missing or the package is not the top of its own git checkout (a tarball, a
//! `cargo package` verification build, a vendored copy inside another repository).
//!
//! `-dirty` means the files the binary is built from (`src/`, `build.rs`, `Cargo.toml`,
//! `Cargo.lock`) differ from the commit; an edited README does not make a binary dirty.
//!
//! Reruns only when HEAD moves (HEAD, this worktree's HEAD reflog, the branch's ref,
//! packed-refs) or a source changes (which recompiles the crate anyway), so an ordinary
//! rebuild does not run git at all.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    for input in ["src", "Cargo.toml", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={input}");
    }
    let (commit, date) =
        describe(&manifest_dir).unwrap_or_else(|| ("unknown".to_owned(), String::new()));
    println!("cargo:rustc-env=KRAVIA_BATCH_COMMIT={commit}");
    println!("cargo:rustc-env=KRAVIA_BATCH_COMMIT_DATE={date}");
}

/// `("abc1234[-dirty] 2026-12-06", "2026-12-06")`, or `None` without a usable checkout.
fn describe(dir: &Path) -> Option<(String, String)> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    // A package inside someone else's repository must not take that repository's hash.
    if std::fs::canonicalize(&top).ok()? != std::fs::canonicalize(dir).ok()? {
        return None;
    }
    watch_head(dir);
    let hash = git(dir, &["rev-parse", "--short=7", "HEAD"])?;
    let date = git(dir, &["log", "-1", "--format=%cd", "--date=short", "HEAD"])?;
    // --no-optional-locks: never take the index lock a concurrent `git commit` needs.
    let changes = git(
        dir,
        &[
            "--no-optional-locks",
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            "src",
            "build.rs",
            "Cargo.toml",
            "Cargo.lock",
        ],
    )?;
    let dirty = if changes.is_empty() { "" } else { "-dirty" };
    Some((format!("{hash}{dirty} {date}"), date))
}

/// Reruns this script when HEAD moves: HEAD itself (switching branches), this
/// worktree's HEAD reflog (every commit, reset or checkout, even when the branch's ref
/// is packed), the branch's loose ref and packed-refs. Only existing files: Cargo reruns
/// a script every time for a watched path that does not exist.
fn watch_head(dir: &Path) {
    let mut paths = vec![
        "HEAD".to_owned(),
        "logs/HEAD".to_owned(),
        "packed-refs".to_owned(),
    ];
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        paths.push(branch);
    }
    for path in paths {
        // --git-path resolves worktrees: HEAD is per worktree, refs are shared.
        if let Some(file) = git(dir, &["rev-parse", "--git-path", &path]) {
            let file = dir.join(file);
            if file.is_file() {
                println!("cargo:rerun-if-changed={}", file.display());
            }
        }
    }
}

/// The trimmed stdout of a successful `git` run in `dir`, or `None`.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        // Set by git hooks; the checkout to describe is the one around the manifest.
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_COMMON_DIR")
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    Some(String::from_utf8(output.stdout).ok()?.trim().to_owned())
}
