//! What the benchmarks share: the results table and its verdicts, `--sizes`,
//! medians and percentiles, how durations are written, and the binary,
//! stores and sessions they drive.
// Each benchmark is its own crate and uses only some of these.
#![allow(dead_code)]

pub mod pg;
pub mod wrk;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use tokctl::clock::Clock;
use tokctl::keyring::{KeyringMode, MemoryKeyring};
use tokctl::ops::Session;
use tokctl::store::{Store, StoreLocation};

/// The release binary cargo built for this benchmark.
pub fn tokctl_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_tokctl"))
}

/// `tokctl` on the local store `store` as `actor`, with nothing inherited
/// from the caller's environment and the keyring off.
pub fn tokctl(bin: &Path, store: &Path, actor: &str) -> Command {
    let mut command = Command::new(bin);
    command
        .env_clear()
        .env("TOKCTL_DB", store)
        .env("TOKCTL_USER", actor)
        .env("TOKCTL_KEYRING", "off");
    command
}

/// The local store at `path` (created if missing, in a directory that exists).
pub fn open_store(path: &Path) -> Store {
    Store::open(&StoreLocation {
        path: path.to_owned(),
        create_dirs: false,
    })
    .unwrap_or_else(|err| panic!("open store: {err}"))
    .store
}

/// A session of `actor` on `store` with `clock`, keyring off (secrets are
/// handed back, never kept).
pub fn session(store: Store, clock: Arc<dyn Clock>, actor: impl Into<String>) -> Session {
    Session::new(
        store,
        clock,
        Box::new(MemoryKeyring::default()),
        KeyringMode::Off,
        actor,
    )
}

/// Store sizes from `--sizes 10k,100k,1m` in `args`, else from `default`
/// (same form; a plain number is that many tokens).
pub fn parse_sizes(args: &[String], default: &str) -> Vec<usize> {
    args.iter()
        .position(|arg| arg == "--sizes")
        .and_then(|i| args.get(i + 1))
        .map_or(default, String::as_str)
        .split(',')
        .map(|size| {
            let size = size.to_ascii_lowercase();
            let (digits, unit) = match size.strip_suffix('m') {
                Some(digits) => (digits, 1_000_000),
                None => match size.strip_suffix('k') {
                    Some(digits) => (digits, 1_000),
                    None => (size.as_str(), 1),
                },
            };
            digits
                .parse::<usize>()
                .unwrap_or_else(|_| panic!("sizes like 10k,100k,1m, not {size}"))
                * unit
        })
        .collect()
}

/// One line of a results table.
pub struct Figure {
    pub size: usize,
    pub what: String,
    pub value: String,
    pub target: String,
    pub verdict: String,
}

/// The verdict of a row that missed its target.
pub const MISS: &str = "MISS";

pub fn verdict(ok: bool) -> String {
    if ok { "ok" } else { MISS }.to_owned()
}

/// A store size as the table writes it: `10`, `10k`, `1M`.
pub fn size_label(size: usize) -> String {
    match size {
        n if n >= 1_000_000 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

/// Prints `figures` as one Markdown table, `measure` heading the column
/// that says what each row measures.
pub fn print_table(measure: &str, figures: &[Figure]) {
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::ASCII_MARKDOWN);
    table.set_header(["tokens", measure, "value", "target", ""]);
    for figure in figures {
        table.add_row([
            size_label(figure.size),
            figure.what.clone(),
            figure.value.clone(),
            figure.target.clone(),
            figure.verdict.clone(),
        ]);
    }
    println!("{table}");
}

/// A figure over rounds: their median, and the least and greatest.
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    /// The median of three (or more) figures, with the lowest and highest.
    pub fn of(mut values: Vec<f64>) -> Spread {
        values.sort_by(f64::total_cmp);
        Spread {
            median: values[values.len() / 2],
            min: values[0],
            max: values[values.len() - 1],
        }
    }

    /// Seconds written as microseconds: `median (min–max)`.
    pub fn micros(&self) -> String {
        format!(
            "{:.1} µs ({:.1}–{:.1})",
            self.median * 1e6,
            self.min * 1e6,
            self.max * 1e6
        )
    }

    /// A ratio: `medianx (min–max)`.
    pub fn times(&self) -> String {
        format!("{:.2}x ({:.2}–{:.2})", self.median, self.min, self.max)
    }
}

/// The median of `times` (sorted in place).
pub fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// The `p`th percentile of `sorted` (nearest rank).
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p / 100.0).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

pub fn ratio(value: Duration, base: Duration) -> f64 {
    value.as_secs_f64() / base.as_secs_f64()
}

pub fn us(value: Duration) -> String {
    format!("{:.1} µs", value.as_secs_f64() * 1e6)
}

pub fn ms(value: Duration) -> String {
    format!("{:.2} ms", value.as_secs_f64() * 1e3)
}

pub fn secs(value: Duration) -> String {
    format!("{:.3} s", value.as_secs_f64())
}

/// A fixed shuffle, the same every run: lookups land all over the table,
/// as in real traffic.
pub fn shuffle<T>(items: &mut [T]) {
    let len = items.len();
    for i in 0..len {
        items.swap(i, (i * 104_729 + 13) % len);
    }
}

/// Loads `batches` into the empty `store` through its bulk path, in one
/// transaction, leaving `next_token_key` as the next key to mint.
pub fn load_batches(
    store: &mut Store,
    batches: &[tokctl::store::RecordBatch],
    next_token_key: i64,
) {
    store
        .load(|_, loader| {
            for batch in batches {
                loader.load(batch)?;
            }
            loader.finish(&tokctl::store::LoadEnd {
                next_token_key,
                checkpoint: None::<tokctl::audit::Checkpoint>,
            })
        })
        .expect("load");
}

/// What the limit takes from a presented token the cheapest way: the
/// storage key from its id and the 36 bytes of its body (the secret and
/// its checksum), decoded without the checks tokctl makes.
pub fn limit_decode(sample: &str) -> (i64, [u8; 36]) {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let mut id = [0u8; 8];
    URL_SAFE_NO_PAD
        .decode_slice(&sample[4..15], &mut id)
        .expect("id");
    let mut body = [0u8; 36];
    URL_SAFE_NO_PAD
        .decode_slice(&sample[15..], &mut body)
        .expect("body");
    // The public id maps to the storage key by a few multiplications.
    let key = tokctl::model::TokenId::from_i64(i64::from_be_bytes(id))
        .expect("id")
        .key();
    (key, body)
}
