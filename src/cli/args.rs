//! Command-line arguments.

use crate::i18n::Lang;
use crate::input::Enc;
use crate::model::{Country, Currency, DecimalConvention, InvoiceChannel};
pub use crate::run::Flow;
use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Exit codes, the same for every command (docs/commands.md), in every `--help`.
macro_rules! exit_codes {
    () => {
        "Exit codes: 0 all good (warnings allowed); 1 the input has errors, nothing sent; 2 usage error; 3 configuration, credential or I/O error; 4 some invoices (or voids, captures) failed; 5 incomplete: run the same command again."
    };
}

const TOP_HELP: &str = concat!(
    "Start here: check the file, then rehearse against the built-in sandbox; nothing reaches Dintero until both look right.

Examples:
  kravia-batch validate november.csv                 # dry run: no network, no credentials
  kravia-batch import november.csv --sandbox         # rehearsal against a local Dintero emulator
  kravia-batch import november.csv                   # the live run (credentials: docs/configuration.md)

",
    exit_codes!()
);

const VALIDATE_HELP: &str = concat!(
    "Example:
  kravia-batch validate november.csv --report problems.csv --emit-payloads bodies.jsonl

",
    exit_codes!()
);

const IMPORT_HELP: &str = concat!(
    "Example:
  kravia-batch import november.csv --sandbox        # rehearse first: writes november.rehearsal.results.csv
  kravia-batch import november.csv                  # then send; run it again after any interruption

",
    exit_codes!()
);

const STATUS_HELP: &str = concat!(
    "Example:
  kravia-batch status november.results.csv

",
    exit_codes!()
);

const VOID_HELP: &str = concat!(
    "Example:
  kravia-batch void november.results.csv --ref 2026-11-0007

",
    exit_codes!()
);

const CAPTURE_HELP: &str = concat!(
    "Example:
  kravia-batch capture november.results.csv --download-invoices pdf/

",
    exit_codes!()
);

const CONFIG_HELP: &str = concat!(
    "Example:
  kravia-batch config check --offline

",
    exit_codes!()
);

const SANDBOX_HELP: &str = concat!(
    "Example:
  kravia-batch sandbox --port 8080     # then DINTERO_API_URL=http://127.0.0.1:8080/v1 and DINTERO_CHECKOUT_URL likewise

",
    exit_codes!()
);

#[derive(Parser, Debug)]
#[command(
    name = "kravia-batch",
    version = VERSION,
    about = "Turn a month's invoice export (CSV or Excel) into Kravia invoices through Dintero.",
    after_help = TOP_HELP
)]
pub struct Cli {
    /// Settings file (default: the per-user location `kravia-batch config check` shows).
    #[arg(long, global = true, value_name = "FILE", env = "KRAVIA_BATCH_CONFIG")]
    pub config: Option<PathBuf>,
    /// Language: nb (Norwegian bokmål) or en (English); default: config, then LC_ALL, LC_MESSAGES, LANG.
    #[arg(long, global = true, value_name = "LANG", env = "KRAVIA_LANG")]
    pub lang: Option<Lang>,
    #[command(flatten)]
    pub log: Verbosity,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check a file and print its control totals. No network, no credentials.
    #[command(after_help = VALIDATE_HELP)]
    Validate(ValidateArgs),
    /// Create the invoices of a file (with --dry-run: exactly what validate does).
    #[command(after_help = IMPORT_HELP)]
    Import(ImportArgs),
    /// Fetch the current status of every invoice in a results file (paid, unpaid, voided).
    #[command(after_help = STATUS_HELP)]
    Status(StatusArgs),
    /// Cancel invoices of a results file (only AUTHORIZED or PARTIALLY_CAPTURED ones).
    #[command(after_help = VOID_HELP)]
    Void(VoidArgs),
    /// Start collection of invoices the merchant delivers itself (invoice_channel merchant).
    #[command(after_help = CAPTURE_HELP)]
    Capture(CaptureArgs),
    /// Show or test the effective settings.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Serve a local Dintero emulator on loopback, for rehearsals.
    #[command(after_help = SANDBOX_HELP)]
    Sandbox(SandboxArgs),
    /// Print a shell's completion script (bash, zsh, fish, powershell, elvish) on stdout.
    #[command(hide = true)]
    Completions(CompletionsArgs),
    /// Print the man page (roff) of kravia-batch or of one of its commands on stdout.
    #[command(hide = true)]
    Man(ManArgs),
    /// The steps of scripts/month-end.sh and .ps1, in plain words (docs/commands.md).
    #[command(subcommand, hide = true)]
    MonthEnd(super::month_end::Step),
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Print the effective settings (secrets masked) and where each comes from, then test
    /// the credentials against the token endpoint.
    #[command(after_help = CONFIG_HELP)]
    Check(ConfigCheckArgs),
}

#[derive(Args, Debug)]
pub struct ConfigCheckArgs {
    /// Do not contact Dintero; only show the settings.
    #[arg(long)]
    pub offline: bool,
    /// Show the settings as `import` would use them with this flow (one-step, two-step).
    #[arg(long, value_enum, hide_possible_values = true)]
    pub flow: Option<Flow>,
    #[command(flatten)]
    pub conn: ConnArgs,
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
}

/// Where to send requests and how fast: shared by every command that talks to Dintero.
#[derive(Args, Debug, Clone, Default)]
pub struct ConnArgs {
    /// Requests per second (default 10).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub rate: Option<u32>,
    /// Requests in flight at once (default 8).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub concurrency: Option<u32>,
    /// Seconds to wait for one answer (default 60; invoice creation is synchronous at Kravia).
    #[arg(long, value_name = "SECONDS")]
    pub request_timeout: Option<f64>,
    /// Auth API base URL (default https://api.dintero.com/v1, or DINTERO_API_URL).
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// Checkout API base URL (default https://checkout.dintero.com/v1, or DINTERO_CHECKOUT_URL).
    #[arg(long, value_name = "URL")]
    pub checkout_url: Option<String>,
    /// Required for a production account (id starting with P).
    #[arg(long)]
    pub live: bool,
    /// import: days of Kravia transactions the duplicate check lists at Dintero
    /// (default 90; or KRAVIA_BATCH_CHECK_WINDOW_DAYS, or [run] check_window_days).
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub check_window_days: Option<u32>,
}

/// Which invoices of a results file a command acts on.
#[derive(Args, Debug, Clone)]
pub struct SelectArgs {
    /// The results file of an import (.csv, .json or .xlsx).
    pub results: PathBuf,
    /// Only these references (repeat, or separate with commas).
    #[arg(long = "ref", value_name = "REF", value_delimiter = ',')]
    pub refs: Vec<String>,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub conn: ConnArgs,
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
    /// No progress on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct VoidArgs {
    #[command(flatten)]
    pub select: SelectArgs,
    /// Every invoice of the results file that is still unpaid (AUTHORIZED) or partly paid.
    #[arg(long, conflicts_with = "refs")]
    pub all_unpaid: bool,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub conn: ConnArgs,
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
    /// No progress on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct CaptureArgs {
    #[command(flatten)]
    pub select: SelectArgs,
    /// Also download each invoice's PDF (kravia:invoice_url) into this folder.
    #[arg(long, value_name = "DIR")]
    pub download_invoices: Option<PathBuf>,
    /// Only download the PDFs; start no collection.
    #[arg(long, requires = "download_invoices")]
    pub download_only: bool,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub conn: ConnArgs,
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
    /// No progress on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct SandboxArgs {
    /// Port on 127.0.0.1 (0 picks a free one and prints it).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Answer 429 beyond this many requests per second.
    #[arg(long, value_name = "N")]
    pub rate_limit: Option<u32>,
    /// Added to every payment and transaction call.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub latency_ms: u64,
    /// Token bucket capacity of --rate-limit (default: the rate, a second's worth).
    /// Real servers often hold 1 or 10: bursts are refused even within the rate.
    #[arg(long, value_name = "N", requires = "rate_limit")]
    pub burst: Option<u32>,
    /// Answer this percentage of all token-protected requests (GETs too) 401,
    /// although the token is valid (a server dropping tokens early).
    #[arg(long, value_name = "PERCENT", value_parser = clap::value_parser!(u8).range(0..=100), default_value_t = 0)]
    pub spurious_401: u8,
    /// Fail this percentage of pay requests with 503 before creating anything.
    #[arg(long, value_name = "PERCENT", value_parser = clap::value_parser!(u8).range(0..=100), default_value_t = 0)]
    pub fail_percent: u8,
    /// Create the invoice, then drop the connection without an answer, for this
    /// percentage of pay requests.
    #[arg(long, value_name = "PERCENT", value_parser = clap::value_parser!(u8).range(0..=100), default_value_t = 0)]
    pub drop_percent: u8,
    /// Create the invoice, then answer only after --slow-ms, for this percentage of
    /// pay requests.
    #[arg(long, value_name = "PERCENT", value_parser = clap::value_parser!(u8).range(0..=100), default_value_t = 0)]
    pub slow_percent: u8,
    /// The delay of --slow-percent (set it above the client's request timeout).
    #[arg(long, value_name = "MS", default_value_t = 70_000)]
    pub slow_ms: u64,
    /// Seed of the fault percentages (same requests, same faults).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// The export: .csv (any delimiter), .xlsx, .xlsm, .xls or .ods.
    pub file: PathBuf,
    /// TOML file mapping your headers to kravia-batch's columns, with defaults.
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,
    /// Worksheet to read (default: the first).
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// CSV delimiter: ',', ';', 'tab' or '|' (default: detected).
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,
    /// CSV encoding (default: detected).
    #[arg(long, value_enum)]
    pub encoding: Option<EncodingArg>,
    /// Decimal separator of numbers written as text (default: detected from the file).
    #[arg(long, value_enum)]
    pub decimal: Option<DecimalArg>,
    /// Currency for invoices that do not say (default NOK).
    #[arg(long, value_name = "CODE", value_parser = parse_currency)]
    pub currency: Option<Currency>,
    /// Country for customers whose row does not say (default NO).
    #[arg(long, value_name = "CODE", value_parser = parse_country)]
    pub country: Option<Country>,
    /// Days until due for invoices that do not say (default 14).
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u16).range(0..=365))]
    pub days_until_due: Option<u16>,
    /// Who delivers invoices whose row does not say: kravia (default) or merchant.
    #[arg(long, value_name = "CHANNEL", value_parser = parse_channel)]
    pub invoice_channel: Option<InvoiceChannel>,
}

impl InputArgs {
    /// `FILE` with no input option: what the fuzz harness and the tests that prepare a
    /// file through the library pass (every setting from the defaults).
    pub fn for_file(file: impl Into<PathBuf>) -> Self {
        Self {
            file: file.into(),
            mapping: None,
            sheet: None,
            delimiter: None,
            encoding: None,
            decimal: None,
            currency: None,
            country: None,
            days_until_due: None,
            invoice_channel: None,
        }
    }
}

#[derive(Args, Debug, Clone)]
pub struct ReportArgs {
    /// Output format of the summary on stdout.
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
    /// Write every problem to this CSV file (row, column, value, severity, message).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Write the request bodies of every valid invoice to this file, one JSON per line
    /// (with --flow two-step: the session body and the pay body).
    #[arg(long, value_name = "FILE")]
    pub emit_payloads: Option<PathBuf>,
    /// Write a copy of the input with two more columns (status, message), in the input's
    /// own format (CSV dialect, or XLSX with the problem cells highlighted).
    #[arg(long, value_name = "FILE")]
    pub annotate: Option<PathBuf>,
    /// No progress on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

/// What the session bodies carry besides the invoice (see docs/configuration.md).
#[derive(Args, Debug, Clone, Default)]
pub struct SessionArgs {
    /// url.callback_url of every session: Dintero calls it when a transaction changes
    /// (https, not this machine; default: none).
    #[arg(long, value_name = "URL")]
    pub callback_url: Option<String>,
    /// url.return_url of every session (default https://www.kravia.no/; no customer is
    /// ever sent there in these flows).
    #[arg(long, value_name = "URL")]
    pub return_url: Option<String>,
    /// Two-step: create sessions through POST /v1/sessions-profile with this checkout
    /// profile (configured in Dintero's Backoffice).
    #[arg(long, value_name = "ID")]
    pub profile_id: Option<String>,
}

#[derive(Args, Debug)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    /// The flow whose bodies --emit-payloads writes: one-step, or two-step (the session
    /// body and the pay body of each invoice).
    #[arg(long, value_enum, hide_possible_values = true)]
    pub flow: Option<Flow>,
    #[command(flatten)]
    pub session: SessionArgs,
    /// Write a plan (the file's SHA-256, the mapping, every invoice's content hash and the
    /// control totals) for `import --plan` to check against.
    #[arg(long, value_name = "PLAN")]
    pub plan: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Validate and print totals only; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Send only if the file, the mapping and every invoice are as the plan (made by
    /// `validate --plan`) recorded them. With --dry-run: write the plan instead.
    #[arg(long, value_name = "PLAN")]
    pub plan: Option<PathBuf>,
    #[command(flatten)]
    pub live: LiveArgs,
}

#[derive(Args, Debug, Clone)]
pub struct LiveArgs {
    /// Run against an in-process Dintero sandbox (offline rehearsal; no credentials).
    #[arg(long)]
    pub sandbox: bool,
    /// Results file (default: next to the input, <name>.results.csv).
    #[arg(long, value_name = "PATH")]
    pub results: Option<PathBuf>,
    /// Results file format.
    #[arg(long, value_enum)]
    pub results_format: Option<crate::output::results::ResultsFormat>,
    /// one-step: POST /v1/sessions/pay; two-step: create a session, then pay it.
    // The values are named in the sentence: listing them again with their own help
    // would switch all of `--help` to clap's long two-line layout.
    #[arg(long, value_enum, hide_possible_values = true)]
    pub flow: Option<Flow>,
    #[command(flatten)]
    pub session: SessionArgs,
    /// Send the valid invoices even if others have errors (those are listed as not_sent).
    #[arg(long)]
    pub skip_invalid: bool,
    /// Send the other invoices when some references were invoiced already (by an earlier
    /// run or another file); those are listed as already_exists and not sent.
    #[arg(long)]
    pub skip_invoiced: bool,
    /// Where to look for references invoiced already: `full` (this machine's record, then
    /// one look-up per new invoice at Dintero) or `local` (this machine's record only;
    /// Dintero still refuses a second invoice for a reference when it is sent).
    #[arg(long, value_enum, default_value = "full")]
    pub guard: crate::config::Guard,
    /// For production runs without a terminal: the file's total to confirm, e.g. 136919.68
    /// (or NOK=136919.68,SEK=12800 for several currencies).
    #[arg(long, value_name = "AMOUNT")]
    pub confirm_total: Option<String>,
    #[command(flatten)]
    pub conn: ConnArgs,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatArg {
    Human,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum EncodingArg {
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    #[value(name = "windows-1252", alias = "cp1252", alias = "latin1")]
    Windows1252,
}

impl From<EncodingArg> for Enc {
    fn from(e: EncodingArg) -> Enc {
        match e {
            EncodingArg::Utf8 => Enc::Utf8,
            EncodingArg::Windows1252 => Enc::Windows1252,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum DecimalArg {
    Comma,
    Point,
}

impl From<DecimalArg> for DecimalConvention {
    fn from(d: DecimalArg) -> DecimalConvention {
        match d {
            DecimalArg::Comma => DecimalConvention::Comma,
            DecimalArg::Point => DecimalConvention::Point,
        }
    }
}

fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "," | "comma" => Ok(b','),
        ";" | "semicolon" => Ok(b';'),
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        "|" | "pipe" => Ok(b'|'),
        _ => Err("use ',', ';', 'tab' or '|'".into()),
    }
}

fn parse_currency(s: &str) -> Result<Currency, String> {
    Currency::parse(s).map_err(|e| format!("'{s}' {e}"))
}

fn parse_country(s: &str) -> Result<Country, String> {
    Country::parse(s).map_err(|e| format!("'{s}' {e}"))
}

fn parse_channel(s: &str) -> Result<InvoiceChannel, String> {
    InvoiceChannel::parse(s).ok_or_else(|| "use 'kravia' or 'merchant'".into())
}

/// `0.1.0 (abc1234 2026-12-06)`: the package version and the commit it was built from
/// (`-dirty` with uncommitted source changes; `unknown` without git), found by `build.rs`.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("KRAVIA_BATCH_COMMIT"),
    ")"
);

/// `kravia-batch completions SHELL`
#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: ShellArg,
}

/// The shells clap_complete writes for (its own `Shell` is not exhaustive).
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShellArg {
    Bash,
    Zsh,
    Fish,
    #[value(name = "powershell", alias = "pwsh")]
    PowerShell,
    Elvish,
}

/// `kravia-batch man [COMMAND]...`
#[derive(Args, Debug)]
pub struct ManArgs {
    /// The command whose page to print, e.g. `validate` or `config check` (default: the
    /// main page, kravia-batch(1)).
    #[arg(value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// `-v`, repeatable: a global flag, hidden from `--help` (documented in the README, the
/// man page and the completions).
#[derive(Args, Debug, Clone, Copy, Default)]
pub struct Verbosity {
    /// Diagnostics on stderr: -v info, -vv debug, -vvv trace (or RUST_LOG).
    #[arg(short = 'v', long = "verbose", action = ArgAction::Count, global = true, hide = true)]
    pub verbose: u8,
}

/// The language `--help` is written in, known before clap parses anything: `--lang X`
/// or `--lang=X` in `argv`, else `KRAVIA_LANG`, else LC_ALL / LC_MESSAGES / LANG. (The
/// config file's `lang` is read only after parsing, so it does not reach `--help`.)
pub fn help_lang(argv: &[std::ffi::OsString], env: &dyn Fn(&str) -> Option<String>) -> Lang {
    let mut given = None;
    let mut words = argv.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(word) = words.next() {
        if word == "--" {
            break;
        }
        if word == "--lang" {
            given = words.next().and_then(|v| Lang::parse(&v)).or(given);
        } else if let Some(v) = word.strip_prefix("--lang=") {
            given = Lang::parse(v).or(given);
        }
    }
    let flag = given.or_else(|| env("KRAVIA_LANG").and_then(|v| Lang::parse(&v)));
    Lang::resolve(flag, None, env)
}

/// The command line's definition with its help in `lang`: every about, help and
/// after-help text whose key the catalogue has (`locales/*/help.ftl`) is replaced,
/// every other stays as written above. English has no help keys, so its help is
/// exactly the derive's.
pub fn localized(lang: Lang) -> clap::Command {
    use clap::CommandFactory;
    let cmd = Cli::command();
    if lang == Lang::En {
        return cmd;
    }
    localize(cmd, "top", lang)
}

/// [`localized`] for one command and, recursively, its subcommands. Keys:
/// `help-{path}-about`, `help-{path}-after` and `help-{path}-{arg}` (then the shared
/// `help-arg-{arg}`), where `path` is `top` or the subcommand's names joined by `-`
/// (`config-check`) and `arg` the argument's id in kebab case (`days-until-due`).
fn localize(cmd: clap::Command, path: &str, lang: Lang) -> clap::Command {
    let text = |key: String| lang.has(&key).then(|| lang.t(&key, &[]));
    let mut cmd = cmd;
    if let Some(about) = text(format!("help-{path}-about")) {
        cmd = cmd.about(about).long_about(None::<&str>);
    }
    if let Some(after) = text(format!("help-{path}-after")) {
        cmd = cmd.after_help(after).after_long_help(None::<&str>);
    }
    let ids: Vec<String> = cmd
        .get_arguments()
        .map(|a| a.get_id().to_string())
        .collect();
    for id in ids {
        let name = id.replace('_', "-");
        let help = text(format!("help-{path}-{name}")).or_else(|| text(format!("help-arg-{name}")));
        if let Some(help) = help {
            cmd = cmd.mut_arg(id.as_str(), |a| a.help(help).long_help(None::<&str>));
        }
    }
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    for sub in subs {
        let sub_path = if path == "top" {
            sub.clone()
        } else {
            format!("{path}-{sub}")
        };
        cmd = cmd.mut_subcommand(sub.as_str(), |c| localize(c, &sub_path, lang));
    }
    cmd
}
