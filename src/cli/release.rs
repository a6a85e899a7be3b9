//! What a release carries besides the commands: the version with its commit
//! (`--version`), shell completions and man pages, all generated from the clap
//! definition so they cannot drift from it.
//!
//! `completions` and `man` are hidden from `--help` (an accountant's list of commands
//! stays short) and documented in the README; the completions and the man pages they
//! generate do list them, and `-v`, so they are complete.

use super::args::{Cli, CompletionsArgs, ManArgs, ShellArg, VERSION};
use crate::exit::Exit;
use clap::CommandFactory;
use clap_complete::Shell;

/// The commit's date (`2026-12-06`), empty when built without git: the man page's date.
const COMMIT_DATE: &str = env!("KRAVIA_BATCH_COMMIT_DATE");

/// The binary's name, as completions must register it.
const BIN: &str = "kravia-batch";

impl From<ShellArg> for Shell {
    fn from(s: ShellArg) -> Shell {
        match s {
            ShellArg::Bash => Shell::Bash,
            ShellArg::Zsh => Shell::Zsh,
            ShellArg::Fish => Shell::Fish,
            ShellArg::PowerShell => Shell::PowerShell,
            ShellArg::Elvish => Shell::Elvish,
        }
    }
}

/// The clap definition as completions and man pages show it: the hidden release
/// commands and `-v` are listed there (only `--help` leaves them out).
fn documented_command() -> clap::Command {
    Cli::command()
        .mut_arg("verbose", |a| a.hide(false))
        .mut_subcommand("completions", |c| c.hide(false))
        .mut_subcommand("man", |c| c.hide(false))
}

/// Prints the completion script of `a.shell` on stdout.
pub fn completions(a: &CompletionsArgs) -> Exit {
    let mut script = Vec::new();
    clap_complete::generate(
        Shell::from(a.shell),
        &mut documented_command(),
        BIN,
        &mut script,
    );
    crate::out!("{}", String::from_utf8_lossy(&script));
    Exit::Ok
}

/// Prints a man page (roff) on stdout: kravia-batch(1), or with a command path
/// (`config check`) the page of that command, kravia-batch-config-check(1).
pub fn man(a: &ManArgs) -> crate::error::Result<Exit> {
    // `help` is not a page (clap_mangen's own generate_to leaves it out too).
    let mut cmd = documented_command().disable_help_subcommand(true);
    cmd.build();
    for name in &a.command {
        let Some(sub) = cmd.find_subcommand(name) else {
            let parent = cmd.get_bin_name().unwrap_or(BIN).to_owned();
            let known: Vec<&str> = cmd.get_subcommands().map(|s| s.get_name()).collect();
            let known = if known.is_empty() {
                format!("`{parent}` has no commands")
            } else {
                format!("pages: {}", known.join(", "))
            };
            return Err(crate::error::Error::usage(format!(
                "no man page for `{parent} {name}`; {known}"
            )));
        };
        cmd = sub.clone();
    }
    let mut page = Vec::new();
    render_page(&cmd, &mut page).map_err(crate::error::Error::setup)?;
    crate::out!("{}", String::from_utf8_lossy(&page));
    Ok(Exit::Ok)
}

/// clap_mangen's page, except the text after the options (the examples and exit codes
/// of `--help`), which is set line for line (`.nf`) instead of being filled into one
/// paragraph, so the examples stay readable.
fn render_page(cmd: &clap::Command, page: &mut Vec<u8>) -> std::io::Result<()> {
    use clap_mangen::roff::{Roff, roman};
    // An empty date must be written `""`: roff drops an empty argument, and the source
    // would then be read as the date.
    let date = if COMMIT_DATE.is_empty() {
        "\"\""
    } else {
        COMMIT_DATE
    };
    let man = clap_mangen::Man::new(cmd.clone())
        .date(date)
        .source(format!("{BIN} {VERSION}"))
        .manual("kravia-batch manual");
    let mut sections: Vec<Vec<u8>> = Vec::new();
    let mut section = |render: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| {
        let mut text = Vec::new();
        render(&mut text).map(|()| sections.push(text))
    };
    section(&|w| man.render_title(w))?;
    section(&|w| man.render_name_section(w))?;
    section(&|w| man.render_synopsis_section(w))?;
    section(&|w| man.render_description_section(w))?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        section(&|w| man.render_options_section(w))?;
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        section(&|w| man.render_subcommands_section(w))?;
    }
    if let Some(after) = cmd.get_after_long_help().or_else(|| cmd.get_after_help()) {
        let mut roff = Roff::new();
        roff.control("SH", ["NOTES"]).control("nf", []);
        for line in after.to_string().lines() {
            roff.text([roman(line)]);
        }
        roff.control("fi", []);
        section(&|w| roff.to_writer(w))?;
    }
    if cmd.get_version().is_some() {
        section(&|w| man.render_version_section(w))?;
    }
    // Every piece starts with roff's definition of the apostrophe string; once is enough.
    for (i, text) in sections.iter().enumerate() {
        let text = match text.strip_prefix(APOSTROPHE_PREAMBLE.as_bytes()) {
            Some(rest) if i > 0 => rest,
            _ => text,
        };
        page.extend_from_slice(text);
    }
    Ok(())
}

/// What `roff` writes first on every render (it defines `\*(Aq`, the apostrophe).
const APOSTROPHE_PREAMBLE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";
