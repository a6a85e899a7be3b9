//! `kravia-batch config check`. (Being built: issue #5.)

use super::Failure;
use super::args::ConfigCheckArgs;
use crate::config::Loaded;
use crate::exit::Exit;

pub fn run(_args: &ConfigCheckArgs, _loaded: &Loaded) -> Result<Exit, Failure> {
    Err(Failure::new(
        Exit::Config,
        anyhow::anyhow!("config check is not available yet"),
    ))
}
