//! A live import run: the durable record of what was sent and what came back.

pub mod journal;
