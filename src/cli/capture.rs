//! `kravia-batch capture`: start collection of invoices the merchant delivers
//! (`invoice_channel: merchant`), and/or download invoice PDFs. The steps are those of
//! `void` ([`super::void::act`]); the work is in [`crate::run::lifecycle`].

use super::args;
use super::void::{Ended, Job, act};
use crate::config::Loaded;
use crate::error::Result;
use crate::exit::Exit;
use crate::output::actions::Command;
use crate::run::lifecycle::Mode;

pub fn run(args: &args::CaptureArgs, loaded: &Loaded) -> Result<Exit> {
    let (file, selected) = super::status::open_selection(&args.select)?;
    let job = Job {
        mode: if args.download_only {
            Mode::DownloadOnly
        } else {
            Mode::Capture
        },
        explicit: args.select.refs.iter().any(|r| !r.trim().is_empty()),
        yes: args.yes,
        conn: &args.conn,
        format: args.format,
        quiet: args.quiet,
        ended: Ended {
            command: Command::Capture,
            download_dir: args.download_invoices.clone(),
            download_only: args.download_only,
        },
    };
    super::connect::runtime()?.block_on(act(job, loaded, file, selected))
}
