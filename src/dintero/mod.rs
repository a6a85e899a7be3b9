//! Everything that speaks Dintero's API: request bodies now, the HTTP client later.

pub mod payload;
