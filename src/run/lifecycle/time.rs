//! Timestamps as the results file and the `actions` table store them: RFC 3339, UTC,
//! whole seconds. One place, so that a time written by `status` reads back in `void`.

use chrono::{DateTime, SecondsFormat, Utc};

pub(super) fn now_text(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub(super) fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}
