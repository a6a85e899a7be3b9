//! `kravia-batch void`. (Being built: issue #5.)

use super::Failure;
use super::args;
use crate::config::Loaded;
use crate::exit::Exit;

pub fn run(_args: &args::VoidArgs, _loaded: &Loaded) -> Result<Exit, Failure> {
    Err(Failure::new(
        Exit::Config,
        anyhow::anyhow!("void is not available yet"),
    ))
}
