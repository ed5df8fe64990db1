//! Durations, expiries and points in time: no input may panic, and a
//! duration that parses prints back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokctl::duration::{parse_time, Expiry, PointInTime, Span};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(span) = text.parse::<Span>() {
        let printed = span.to_string();
        assert_eq!(printed.parse::<Span>().ok(), Some(span));
        let now = chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap();
        let _ = span.after(now);
        let _ = span.before(now);
    }
    let now = chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap();
    if let Ok(expiry) = text.parse::<Expiry>() {
        let _ = expiry.resolve(now);
    }
    if let Ok(point) = text.parse::<PointInTime>() {
        let _ = point.resolve(now);
    }
    let _ = parse_time(text);
});
