//! What a release carries, through the real binary: `--version` with the commit,
//! shell completions and man pages from the clap definition, and the `-v`/`RUST_LOG`
//! diagnostics on stderr (stdout unchanged, no secret ever logged).

use assert_cmd::Command;
use std::process::Output;

const SAMPLE: &str = "samples/november-2026-no.csv";

/// The binary with no logging asked for by the environment the tests run in.
fn bin() -> Command {
    let mut cmd = Command::cargo_bin("kravia-batch").expect("bin");
    cmd.env_remove("RUST_LOG").env_remove("KRAVIA_BATCH_CONFIG");
    cmd
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("utf-8")
}

fn git(args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("git")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| text(&out.stdout).trim().to_owned())
}

#[test]
fn version_names_the_commit() {
    let out = run(&["--version"]);
    assert!(out.status.success());
    let line = text(&out.stdout);
    let prefix = concat!("kravia-batch ", env!("CARGO_PKG_VERSION"), " (");
    let inner = line
        .trim_end()
        .strip_prefix(prefix)
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{line:?}"));
    assert_eq!(text(&run(&["-V"]).stdout), line, "-V and --version agree");
    if inner == "unknown" {
        // Only a build without git (a tarball) may say so; CI builds a clone.
        let top = git(&["rev-parse", "--show-toplevel"]);
        assert!(
            top.is_none_or(|t| std::fs::canonicalize(t).ok()
                != std::fs::canonicalize(env!("CARGO_MANIFEST_DIR")).ok()),
            "built in a checkout, yet --version says {line:?}"
        );
        return;
    }
    // `abc1234 2026-12-06` or `abc1234-dirty 2026-12-06`.
    let (commit, date) = inner.split_once(' ').unwrap_or_else(|| panic!("{line:?}"));
    let hash = commit.strip_suffix("-dirty").unwrap_or(commit);
    assert!(
        hash.len() >= 7 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
        "{line:?}"
    );
    let d = date.as_bytes();
    assert!(
        d.len() == 10
            && d[4] == b'-'
            && d[7] == b'-'
            && date.replace('-', "").bytes().all(|b| b.is_ascii_digit()),
        "{line:?}"
    );
    if let Some(head) = git(&["rev-parse", "HEAD"]) {
        assert!(
            head.starts_with(hash),
            "--version says {hash}, HEAD is {head}"
        );
    }
}

#[test]
fn completions_for_every_shell() {
    let bash = run(&["completions", "bash"]);
    assert!(bash.status.success());
    let script = text(&bash.stdout);
    for word in ["kravia-batch", "import", "validate", "--verbose", "--sheet"] {
        assert!(script.contains(word), "bash completions lack {word}");
    }
    for shell in ["zsh", "fish", "powershell", "pwsh", "elvish"] {
        let out = run(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        let script = text(&out.stdout);
        assert!(
            script.contains("validate") && script.contains("import"),
            "{shell}"
        );
    }
    let out = run(&["completions", "tcsh"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
    assert!(out.stdout.is_empty());
}

/// The lines of a man page, checked to start as roff does: requests (`.xx`) up to and
/// including the `.TH` title line, which comes first after the preamble.
fn man_page(args: &[&str], title: &str) -> String {
    let out = run(&[&["man"], args].concat());
    assert!(out.status.success(), "man {args:?}");
    let page = text(&out.stdout);
    let th = page
        .lines()
        .position(|l| l.starts_with(".TH "))
        .unwrap_or_else(|| panic!("no .TH in man {args:?}:\n{page}"));
    assert!(th <= 2, "the title comes first:\n{page}");
    assert!(page.lines().take(th).all(|l| l.starts_with('.')));
    assert!(
        page.lines()
            .nth(th)
            .unwrap()
            .starts_with(&format!(".TH {title} 1 ")),
        "{page}"
    );
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH OPTIONS"] {
        assert!(page.lines().any(|l| l == section), "{section} in {title}");
    }
    assert_eq!(
        page.matches(".ds Aq").count(),
        2,
        "the apostrophe preamble once:\n{page}"
    );
    page
}

#[test]
fn man_pages_are_roff() {
    let page = man_page(&[], "kravia-batch");
    // Every command is listed, the release commands too; examples keep their lines.
    for sub in ["validate", "import", "sandbox", "completions", "man"] {
        assert!(
            page.contains(&format!("kravia\\-batch\\-{sub}(1)")),
            "{sub}"
        );
    }
    assert!(!page.contains("kravia\\-batch\\-help(1)"));
    assert!(page.contains(".SH NOTES\n.nf\n"));
    assert!(page.contains(&format!(".SH VERSION\nv{}", env!("CARGO_PKG_VERSION"))));
    assert!(page.contains("\\-\\-verbose"));

    let page = man_page(&["validate"], "kravia-batch-validate");
    assert!(page.contains("\\-\\-emit\\-payloads"));
    man_page(&["config", "check"], "kravia-batch-config-check");

    for wrong in [&["nope"][..], &["config", "nope"], &["validate", "x"]] {
        let out = run(&[&["man"], wrong].concat());
        assert_eq!(out.status.code(), Some(2), "man {wrong:?}");
        assert!(out.stdout.is_empty());
        assert!(text(&out.stderr).contains("no man page"));
    }
}

#[test]
fn release_commands_stay_out_of_the_main_help() {
    let help = text(&run(&["--help"]).stdout);
    assert!(help.contains("validate"));
    for hidden in ["completions", "man ", "--verbose"] {
        assert!(!help.contains(hidden), "--help shows {hidden}");
    }
}

/// stdout and exit code of `validate SAMPLE --format FORMAT` with `extra` arguments
/// first and `RUST_LOG` as given; and the stderr.
fn validate(extra: &[&str], rust_log: Option<&str>, format: &str) -> (Output, String) {
    let mut cmd = bin();
    cmd.args(extra)
        .args(["validate", SAMPLE, "--quiet", "--format", format]);
    if let Some(v) = rust_log {
        cmd.env("RUST_LOG", v);
    }
    let out = cmd.output().expect("run");
    let stderr = text(&out.stderr);
    (out, stderr)
}

#[test]
fn verbose_logs_on_stderr_and_leaves_stdout_alone() {
    for format in ["human", "json"] {
        let (plain, plain_err) = validate(&[], None, format);
        assert_eq!(plain.status.code(), Some(0));
        assert!(plain_err.is_empty(), "no -v, no logs: {plain_err}");

        for (extra, rust_log) in [
            (&["-vv"][..], None),
            (&["-v", "-v"], None),
            (&[], Some("kravia_batch=debug")),
            (&["-vv"], Some("warn")),
        ] {
            let (out, err) = validate(extra, rust_log, format);
            assert_eq!(out.stdout, plain.stdout, "{extra:?} {rust_log:?}");
            assert_eq!(out.status.code(), plain.status.code());
            assert!(err.contains("INFO"), "{extra:?} {rust_log:?}: {err}");
            assert!(err.contains("kravia-batch starting"), "{err}");
            assert!(
                err.contains(&format!("version=\"{}", env!("CARGO_PKG_VERSION"))),
                "{err}"
            );
            assert!(err.contains("DEBUG") && err.contains("kravia-batch finished"));
            assert!(!err.contains("\x1b["), "no colors off a terminal: {err:?}");
        }
    }
    // -v is global: after the command too. One -v is info only.
    let out = bin()
        .args(["validate", "-v", SAMPLE, "--quiet"])
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert!(err.contains("INFO") && !err.contains("DEBUG"), "{err}");
}

#[test]
fn a_bad_rust_log_is_a_warning() {
    let (plain, _) = validate(&[], None, "json");
    let (out, err) = validate(&[], Some("kravia_batch=loud"), "json");
    assert_eq!(out.stdout, plain.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        err.starts_with("warning: RUST_LOG=\"kravia_batch=loud\" ignored"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "and nothing else: {err}");
}

/// The whole import against the in-process sandbox, every crate at trace level
/// (the client, the sandbox server, hyper, reqwest, rustls through `log`): the client
/// secret, the Basic credentials and the bearer tokens appear nowhere in the logs.
#[test]
fn no_secret_in_any_log() {
    use base64::Engine;
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args([
            "-vvv",
            "import",
            "samples/november-2026-canonical.csv",
            "--sandbox",
        ])
        .args(["--quiet", "--format", "json", "--results"])
        .arg(dir.path().join("r.csv"))
        .env("RUST_LOG", "trace")
        .env("KRAVIA_BATCH_DATA_DIR", dir.path().join("data"))
        .env("XDG_CONFIG_HOME", dir.path())
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    // The run was logged: requests on both sides, the token fetch included.
    for seen in [
        "sandbox request",
        "dintero: new access token",
        "/auth/token",
    ] {
        assert!(err.contains(seen), "{seen} not logged:\n{err}");
    }
    let basic = base64::engine::general_purpose::STANDARD.encode("sandbox-client:sandbox-secret");
    // The sandbox's tokens are JWTs: base64url of {"alg":"HS256",... starts so.
    let jwt_header = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
    for secret in [
        "sandbox-secret",
        basic.as_str(),
        jwt_header,
        "Bearer ",
        "Basic ",
    ] {
        assert!(!err.contains(secret), "{secret} in the logs");
    }
    assert!(!err.to_ascii_lowercase().contains("authorization:"));
}
