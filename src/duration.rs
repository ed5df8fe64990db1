//! Durations (`30m`, `12h`, `7d`, `2w`, `6mo`, `1y`) and points in time.
//!
//! Minutes, hours, days and weeks are fixed lengths. Months and years are
//! calendar units: `1mo` from 31 January is the last day of February, and
//! `1y` is twelve calendar months. That is what people mean by "expires in a
//! year", and it keeps `--stale 1y` on the same date a year back.

use std::fmt;
use std::str::FromStr;

use chrono::{Months, NaiveDate, NaiveTime, TimeZone, Utc};

use crate::clock::Timestamp;
use crate::error::{Error, Result};

/// The unit of a [`Span`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// 60 seconds.
    Minutes,
    /// 60 minutes.
    Hours,
    /// 24 hours.
    Days,
    /// 7 days.
    Weeks,
    /// A calendar month.
    Months,
    /// Twelve calendar months.
    Years,
}

impl Unit {
    fn suffix(self) -> &'static str {
        match self {
            Unit::Minutes => "m",
            Unit::Hours => "h",
            Unit::Days => "d",
            Unit::Weeks => "w",
            Unit::Months => "mo",
            Unit::Years => "y",
        }
    }
}

/// A length of time: a whole number of one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    amount: u32,
    unit: Unit,
}

/// Large enough for any real use (a century), small enough that no date
/// arithmetic on it can overflow.
const MAX_AMOUNT_IN_YEARS: u32 = 100;

impl Span {
    /// A span of `amount` `unit`s.
    pub fn new(amount: u32, unit: Unit) -> Self {
        Span { amount, unit }
    }

    /// Whether this is a span of no time at all.
    pub fn is_zero(&self) -> bool {
        self.amount == 0
    }

    /// `at + self`, or `None` past the calendar's end.
    pub fn after(&self, at: Timestamp) -> Option<Timestamp> {
        match self.fixed() {
            Some(fixed) => at.checked_add_signed(fixed),
            None => at.checked_add_months(self.months()),
        }
    }

    /// `at - self`, or `None` before the calendar's start.
    pub fn before(&self, at: Timestamp) -> Option<Timestamp> {
        match self.fixed() {
            Some(fixed) => at.checked_sub_signed(fixed),
            None => at.checked_sub_months(self.months()),
        }
    }

    fn fixed(&self) -> Option<chrono::Duration> {
        let amount = i64::from(self.amount);
        match self.unit {
            Unit::Minutes => Some(chrono::Duration::minutes(amount)),
            Unit::Hours => Some(chrono::Duration::hours(amount)),
            Unit::Days => Some(chrono::Duration::days(amount)),
            Unit::Weeks => Some(chrono::Duration::weeks(amount)),
            Unit::Months | Unit::Years => None,
        }
    }

    fn months(&self) -> Months {
        let per_unit = if self.unit == Unit::Years { 12 } else { 1 };
        Months::new(self.amount * per_unit)
    }

    fn in_years_at_most(&self) -> f64 {
        let amount = f64::from(self.amount);
        match self.unit {
            Unit::Minutes => amount / (365.0 * 24.0 * 60.0),
            Unit::Hours => amount / (365.0 * 24.0),
            Unit::Days => amount / 365.0,
            Unit::Weeks => amount * 7.0 / 365.0,
            Unit::Months => amount / 12.0,
            Unit::Years => amount,
        }
    }
}

impl FromStr for Span {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        let invalid = |reason: &str| Error::invalid("duration", text, reason);
        let digits_end = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (digits, suffix) = text.split_at(digits_end);
        if digits.is_empty() {
            return Err(invalid(
                "expected a whole number and a unit, e.g. 30m, 12h, 7d, 2w, 6mo, 1y",
            ));
        }
        let unit = match suffix {
            "m" => Unit::Minutes,
            "h" => Unit::Hours,
            "d" => Unit::Days,
            "w" => Unit::Weeks,
            "mo" => Unit::Months,
            "y" => Unit::Years,
            "" => return Err(invalid("missing unit: use m, h, d, w, mo or y")),
            _ => {
                return Err(invalid(
                    "unknown unit: use m, h, d, w, mo or y (one unit only)",
                ))
            }
        };
        let amount: u32 = digits
            .parse()
            .map_err(|_| invalid("the number is too large"))?;
        let span = Span { amount, unit };
        if span.in_years_at_most() > f64::from(MAX_AMOUNT_IN_YEARS) {
            return Err(invalid("longer than 100 years"));
        }
        Ok(span)
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.amount, self.unit.suffix())
    }
}

/// Parses a point in time: an RFC 3339 time (`2027-01-31T12:00:00Z`) or a
/// date (`2027-01-31`, meaning 00:00 UTC that day).
pub fn parse_time(text: &str) -> Result<Timestamp> {
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN)));
    }
    Err(Error::invalid(
        "time",
        text,
        "expected a date (2027-01-31) or an RFC 3339 time (2027-01-31T12:00:00Z)",
    ))
}

/// A point in time given either absolutely or as a span back from now
/// (`--since 7d` or `--since 2026-01-01`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointInTime {
    /// That long before now.
    Ago(Span),
    /// Exactly then.
    At(Timestamp),
}

impl FromStr for PointInTime {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        if text.starts_with(|c: char| c.is_ascii_digit()) && text.len() < 10 {
            return text.parse().map(PointInTime::Ago);
        }
        parse_time(text).map(PointInTime::At)
    }
}

impl PointInTime {
    /// The concrete time, measured back from `now`.
    pub fn resolve(&self, now: Timestamp) -> Result<Timestamp> {
        match self {
            PointInTime::At(at) => Ok(*at),
            PointInTime::Ago(span) => span.before(now).ok_or_else(|| {
                Error::invalid("duration", &span.to_string(), "reaches before year 0")
            }),
        }
    }
}

/// When a new token should expire, as the user asked for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// Never: only allowed where policy permits.
    Never,
    /// This long after the token is created.
    In(Span),
    /// At this time.
    At(Timestamp),
}

impl FromStr for Expiry {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        if text == "never" {
            return Ok(Expiry::Never);
        }
        if text.starts_with(|c: char| c.is_ascii_digit()) && text.len() < 10 {
            return text.parse().map(Expiry::In).map_err(|_| {
                Error::invalid(
                    "expiry",
                    text,
                    "expected a duration (12h, 90d, 2w, 6mo, 1y), a date (2027-01-31), an RFC 3339 time or 'never'",
                )
            });
        }
        parse_time(text).map(Expiry::At).map_err(|_| {
            Error::invalid(
                "expiry",
                text,
                "expected a duration (12h, 90d, 2w, 6mo, 1y), a date (2027-01-31), an RFC 3339 time or 'never'",
            )
        })
    }
}

impl Expiry {
    /// The concrete expiry time for a token created at `now`; `None` means never.
    /// An expiry that is not in the future is refused.
    pub fn resolve(&self, now: Timestamp) -> Result<Option<Timestamp>> {
        let at = match self {
            Expiry::Never => return Ok(None),
            Expiry::In(span) if span.is_zero() => {
                return Err(Error::invalid(
                    "expiry",
                    &span.to_string(),
                    "must be longer than zero",
                ))
            }
            Expiry::In(span) => span.after(now).ok_or_else(|| {
                Error::invalid("expiry", &span.to_string(), "too far in the future")
            })?,
            Expiry::At(at) => *at,
        };
        if at <= now {
            return Err(Error::invalid(
                "expiry",
                &at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "is not in the future",
            ));
        }
        Ok(Some(at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        parse_time(text).unwrap()
    }

    #[test]
    fn spans_parse_and_print_back() {
        for text in ["30m", "12h", "7d", "2w", "6mo", "1y", "0d"] {
            assert_eq!(text.parse::<Span>().unwrap().to_string(), text);
        }
    }

    #[test]
    fn nonsense_spans_are_refused() {
        for bad in [
            "",
            "-3d",
            "0x",
            "1y1y",
            "d",
            "3",
            "3 d",
            "+3d",
            "1.5d",
            "101y",
            "99999999999d",
            "3D",
            "３d",
        ] {
            assert!(bad.parse::<Span>().is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn months_and_years_are_calendar_units() {
        let span: Span = "1mo".parse().unwrap();
        assert_eq!(span.after(at("2027-01-31")).unwrap(), at("2027-02-28"));
        let year: Span = "1y".parse().unwrap();
        assert_eq!(
            year.before(at("2026-11-22T10:00:00Z")).unwrap(),
            at("2025-11-22T10:00:00Z")
        );
    }

    #[test]
    fn expiry_must_lie_in_the_future() {
        let now = at("2026-11-22T10:00:00Z");
        assert_eq!(
            "never".parse::<Expiry>().unwrap().resolve(now).unwrap(),
            None
        );
        assert_eq!(
            "90d".parse::<Expiry>().unwrap().resolve(now).unwrap(),
            Some(at("2027-02-20T10:00:00Z"))
        );
        assert_eq!(
            "2027-01-01"
                .parse::<Expiry>()
                .unwrap()
                .resolve(now)
                .unwrap(),
            Some(at("2027-01-01"))
        );
        assert!("2026-11-22"
            .parse::<Expiry>()
            .unwrap()
            .resolve(now)
            .is_err());
        assert!("0d".parse::<Expiry>().unwrap().resolve(now).is_err());
        assert!("soon".parse::<Expiry>().is_err());
        assert!("2027-02-30".parse::<Expiry>().is_err());
    }
}
