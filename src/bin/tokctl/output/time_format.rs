//! Times for people and for scripts: RFC 3339 in JSON, "3 days ago" in tables.

/// RFC 3339 in UTC with a `Z`, whole seconds: the library's, so the JSON the
/// library shapes (verify's verdicts) and the binary's agree.
pub use tokctl::clock::rfc3339;
use tokctl::clock::Timestamp;

/// A time relative to now, for people: "3 days ago", "in 2 months".
pub fn relative(at: Option<Timestamp>, now: Timestamp, none: &str) -> String {
    const MINUTE: u64 = 60;
    const HOUR: u64 = 60 * MINUTE;
    const DAY: u64 = 24 * HOUR;
    const MONTH: u64 = 30 * DAY;
    const YEAR: u64 = 365 * DAY;
    let Some(at) = at else {
        return none.to_owned();
    };
    let seconds = (at - now).num_seconds();
    let distance = seconds.unsigned_abs();
    let (amount, unit) = match distance {
        0..MINUTE => {
            return if seconds > 0 {
                "in a moment".into()
            } else {
                "just now".into()
            }
        }
        MINUTE..HOUR => (distance / MINUTE, "minute"),
        HOUR..DAY => (distance / HOUR, "hour"),
        DAY..MONTH => (distance / DAY, "day"),
        MONTH..YEAR => (distance / MONTH, "month"),
        _ => (distance / YEAR, "year"),
    };
    let plural = if amount == 1 { "" } else { "s" };
    if seconds > 0 {
        format!("in {amount} {unit}{plural}")
    } else {
        format!("{amount} {unit}{plural} ago")
    }
}

/// An exact time and how long ago or ahead it is: "2027-02-20T10:00:00Z (in 2 months)".
pub fn with_relative(at: Option<Timestamp>, now: Timestamp) -> String {
    at.map_or_else(
        || "never".into(),
        |at| format!("{} ({})", rfc3339(at), relative(Some(at), now, "")),
    )
}

#[cfg(test)]
mod tests {
    use tokctl::duration::parse_time;

    use super::relative;

    #[test]
    fn relative_times_read_naturally_both_ways() {
        let now = parse_time("2026-11-22T10:00:00Z").unwrap();
        let at = |text: &str| Some(parse_time(text).unwrap());
        assert_eq!(relative(None, now, "never"), "never");
        assert_eq!(relative(at("2026-11-22T09:59:30Z"), now, ""), "just now");
        assert_eq!(
            relative(at("2026-11-22T09:59:00Z"), now, ""),
            "1 minute ago"
        );
        assert_eq!(relative(at("2026-11-22T13:00:00Z"), now, ""), "in 3 hours");
        assert_eq!(relative(at("2026-11-19T10:00:00Z"), now, ""), "3 days ago");
        assert_eq!(relative(at("2027-02-20T10:00:00Z"), now, ""), "in 3 months");
        assert_eq!(relative(at("2024-11-01T10:00:00Z"), now, ""), "2 years ago");
    }
}
