//! Load from `wrk` (Debian package `wrk`): its script posting a random
//! token per request, a run, and the figures read from its report.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// What one wrk run measured.
pub struct Measured {
    /// Requests completed.
    pub requests: f64,
    /// Requests per second.
    pub rate: f64,
    pub p50: Duration,
    pub p99: Duration,
}

/// A wrk script posting `{"token": T, "scope": "repo:read"}` with a random
/// one of `tokens` per request, and `caller` as the bearer.
pub fn write_script(path: &Path, tokens: &[String], caller: &str) {
    let mut script = String::from("local tokens = {\n");
    for token in tokens {
        script.push_str(&format!("  \"{token}\",\n"));
    }
    script.push_str(&format!(
        "}}\n\
         wrk.method = \"POST\"\n\
         wrk.headers[\"Content-Type\"] = \"application/json\"\n\
         wrk.headers[\"Authorization\"] = \"Bearer {caller}\"\n\
         request = function()\n\
         \x20 local body = '{{\"token\":\"' .. tokens[math.random(#tokens)] .. '\",\"scope\":\"repo:read\"}}'\n\
         \x20 return wrk.format(nil, nil, nil, body)\n\
         end\n"
    ));
    std::fs::write(path, script).unwrap_or_else(|err| panic!("script: {err}"));
}

/// Runs wrk with `script` against `url` on `threads` threads and
/// `connections` keep-alive connections for `seconds`; panics if any
/// answer was not a 2xx.
pub fn wrk(url: &str, script: &Path, threads: usize, connections: usize, seconds: u64) -> Measured {
    let out = Command::new("wrk")
        .arg(format!("-t{threads}"))
        .arg(format!("-c{connections}"))
        .arg(format!("-d{seconds}s"))
        .arg("--latency")
        .arg("-s")
        .arg(script)
        .arg(url)
        .output()
        .unwrap_or_else(|err| panic!("wrk: {err}"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains("Non-2xx"),
        "wrk saw error answers from {url}:\n{text}"
    );
    let rate = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("Requests/sec:"))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_else(|| panic!("no Requests/sec in:\n{text}"));
    let time = |label: &str| {
        text.lines()
            .find_map(|line| line.trim().strip_prefix(label))
            .map(|value| parse_time(value.trim()))
            .unwrap_or_else(|| panic!("no {label} in:\n{text}"))
    };
    let requests = text
        .lines()
        .find_map(|line| line.trim().split_once(" requests in "))
        .and_then(|(count, _)| count.trim().parse().ok())
        .unwrap_or_else(|| panic!("no request count in:\n{text}"));
    Measured {
        requests,
        rate,
        p50: time("50%"),
        p99: time("99%"),
    }
}

/// wrk's times: `512.00us`, `1.23ms`, `2.00s`.
fn parse_time(text: &str) -> Duration {
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().unwrap_or(0.0);
    let seconds = match unit {
        "us" => number / 1e6,
        "ms" => number / 1e3,
        "s" => number,
        "m" => number * 60.0,
        _ => number / 1e6,
    };
    Duration::from_secs_f64(seconds)
}
