//! tokctl at 10k, 100k and 1M tokens: verification against the raw
//! SQLite + SHA-256 limit measured in the same run, whole-process commands,
//! streaming lists, store size. Prints one table.
//!
//! `cargo bench --bench tokens` (all sizes), `-- --sizes 10k,100k`, or
//! `-- --smoke` (a tiny store, a few iterations: CI keeps it working).
//! `scripts/bench` runs the full set. These are measurements, not tests:
//! nothing here fails on a slow machine.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Duration as Span;
use tokctl::clock::{FixedClock, SystemClock};
use tokctl::duration::parse_time;
use tokctl::keyring::{KeyringMode, MemoryKeyring};
use tokctl::model::Role;
use tokctl::ops::{CreateRequest, OwnerChoice, Session};
use tokctl::store::{Store, StoreLocation};

const ORGS: usize = 100;
const USERS: usize = 5_000;
const BATCH: usize = 2_000;
const NOW: &str = "2026-11-22T10:00:00Z";
const RESOURCES: &[&str] = &[
    "repo", "issues", "packages", "pulls", "actions", "pages", "wiki",
];
const PURPOSES: &[&str] = &[
    "ci", "deploy", "backup", "release", "metrics", "sync", "mirror", "bot", "cli", "audit",
];

struct Config {
    sizes: Vec<usize>,
    samples: usize,
    process_runs: usize,
    batch_lines: usize,
}

fn parse_args() -> Config {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == "--smoke") {
        return Config {
            sizes: vec![2_000],
            samples: 500,
            process_runs: 3,
            batch_lines: 2_000,
        };
    }
    let sizes = args
        .iter()
        .position(|arg| arg == "--sizes")
        .and_then(|i| args.get(i + 1))
        .map_or("10k,100k,1m", String::as_str)
        .split(',')
        .map(|size| match size.to_ascii_lowercase().as_str() {
            "1m" => 1_000_000,
            other => {
                other
                    .trim_end_matches('k')
                    .parse::<usize>()
                    .expect("sizes like 10k,100k,1m")
                    * 1_000
            }
        })
        .collect();
    Config {
        sizes,
        samples: 20_000,
        process_runs: 40,
        batch_lines: 100_000,
    }
}

/// One line of the results table.
struct Figure {
    size: usize,
    what: String,
    value: String,
    target: String,
    verdict: String,
}

fn main() {
    let config = parse_args();
    let mut figures = Vec::new();
    for &size in &config.sizes {
        eprintln!("seeding {size} tokens…");
        let dir = tempfile::tempdir().expect("temp dir");
        // TOKCTL_BENCH_KEEP=DIR keeps the seeded stores there for a closer look.
        let store = match std::env::var_os("TOKCTL_BENCH_KEEP") {
            Some(keep) => PathBuf::from(keep).join(format!("bench-{size}.db")),
            None => dir.path().join("bench.db"),
        };
        let _ = std::fs::remove_file(&store);
        let seeded = seed(&store, size);
        run_size(&config, size, &store, &seeded, &mut figures);
    }
    print_table(&figures);
}

struct Seeded {
    /// Active tokens holding repo:read or more, in a scattered order.
    samples: Vec<String>,
    bulk_tokens_per_second: f64,
}

fn open(path: &Path) -> Store {
    Store::open(&StoreLocation {
        path: path.to_owned(),
        create_dirs: false,
    })
    .expect("open store")
    .store
}

/// A store of `size` tokens over 100 orgs and 5,000 users, minted through the
/// library's bulk path (with their audit events) at creation times spread over
/// three years, then used at spread-out times so that about one in ten is stale.
fn seed(path: &Path, size: usize) -> Seeded {
    let now = parse_time(NOW).expect("time");
    let start = now - Span::days(3 * 365);
    let clock = Arc::new(FixedClock::new(start));
    let keyring = Box::new(MemoryKeyring::default());
    // Every event records the OS account, as the CLI writes it.
    let mut admin = Session::new(
        open(path),
        clock.clone(),
        keyring,
        KeyringMode::Off,
        "admin",
    )
    .with_os_user("admin (uid 1000)");
    admin.bootstrap_if_empty().expect("bootstrap");
    let orgs: Vec<String> = (0..ORGS).map(|i| format!("org-{i:03}")).collect();
    for org in &orgs {
        admin.add_org(org).expect("org");
    }
    let users: Vec<String> = (0..USERS).map(|i| format!("user{i:04}")).collect();
    for (i, user) in users.iter().enumerate() {
        admin.add_user(user).expect("user");
        admin
            .set_member(&orgs[i % ORGS], user, Role::Member)
            .expect("member");
    }

    let mut secrets = Vec::with_capacity(size);
    let batches = size.div_ceil(BATCH);
    let mut minting = Duration::ZERO;
    for batch in 0..batches {
        // Creation times spread from three years ago to a month ago.
        let offset = (3 * 365 - 30) * 86_400 * batch as i64 / batches.max(1) as i64;
        clock.set(start + Span::seconds(offset));
        let requests: Vec<CreateRequest> = (batch * BATCH..((batch + 1) * BATCH).min(size))
            .map(|i| token_request(i, &orgs, &users))
            .collect();
        let began = Instant::now();
        let created = admin.create_tokens(requests).expect("bulk create");
        minting += began.elapsed();
        secrets.extend(
            created
                .into_iter()
                .map(|c| (c.secret.expose().to_owned(), c.token.created_at)),
        );
    }
    let bulk_tokens_per_second = size as f64 / minting.as_secs_f64();

    // Usage: 15% are never used (stale once they are a year old: about 10% of
    // all tokens); the rest were last used within the last 300 days.
    let recent = now - Span::days(300);
    for (i, (secret, created)) in secrets.iter().enumerate() {
        if [0, 7, 13].contains(&(i % 20)) {
            continue;
        }
        let from = (*created).max(recent);
        let span = (now - from).num_seconds().max(1) as u64;
        let scatter = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 16;
        clock.set(from + Span::seconds((scatter % span) as i64));
        let _ = admin.verify(secret, None);
    }
    admin.flush_usage().expect("flush");
    drop(admin);

    let mut samples: Vec<String> = secrets
        .into_iter()
        .enumerate()
        // Tokens on `repo` (every seventh), which `--scope repo:read` accepts: a
        // refusal would be audited, and the benchmark is of the accepting path.
        .filter(|(i, _)| i % RESOURCES.len() == 0)
        .map(|(_, (secret, _))| secret)
        .collect();
    // A fixed shuffle: lookups land all over the table, as in real traffic.
    let len = samples.len();
    for i in 0..len {
        samples.swap(i, (i * 104_729 + 13) % len);
    }
    Seeded {
        samples,
        bulk_tokens_per_second,
    }
}

fn token_request(i: usize, orgs: &[String], users: &[String]) -> CreateRequest {
    let user = i % USERS;
    let org_token = i % 10 == 3;
    let resource = RESOURCES[i % RESOURCES.len()];
    let action = ["read", "read", "write", "admin"][i % 4];
    let mut scopes = vec![format!("{resource}:{action}").parse().expect("scope")];
    if i % 3 == 0 {
        scopes.push("issues:read".parse().expect("scope"));
    }
    CreateRequest {
        org: Some(orgs[user % ORGS].clone()),
        owner: if org_token {
            OwnerChoice::Org
        } else {
            OwnerChoice::User(users[user].clone())
        },
        name: Some(format!(
            "{}-{}-{i:07}",
            PURPOSES[i % PURPOSES.len()],
            resource
        )),
        description: (i % 2 == 0)
            .then(|| format!("{} for team {}", PURPOSES[i % PURPOSES.len()], user % 37)),
        scopes,
        expiry: Some(
            ["10y", "10y", "5y", "never"][i % 4]
                .parse()
                .expect("expiry"),
        ),
        clamp_expiry: false,
    }
}

fn run_size(
    config: &Config,
    size: usize,
    store: &Path,
    seeded: &Seeded,
    figures: &mut Vec<Figure>,
) {
    let mut add = |what: &str, value: String, target: &str, verdict: String| {
        figures.push(Figure {
            size,
            what: what.to_owned(),
            value,
            target: target.to_owned(),
            verdict,
        })
    };
    let samples = &seeded.samples[..config.samples.min(seeded.samples.len())];

    // The limit: id from the token, a prepared primary-key SELECT, SHA-256 and
    // a constant-time compare; nothing else.
    let limit = reference_latencies(store, samples);
    let library = library_latencies(store, samples);
    let (limit_median, limit_p99) = (percentile(&limit, 50.0), percentile(&limit, 99.0));
    let (lib_median, lib_p99) = (percentile(&library, 50.0), percentile(&library, 99.0));
    add(
        "limit: SELECT by id + SHA-256 (median / p99)",
        format!("{} / {}", us(limit_median), us(limit_p99)),
        "-",
        "reference".into(),
    );
    add(
        "library verify, usage on (median)",
        format!(
            "{} ({:.2}x)",
            us(lib_median),
            ratio(lib_median, limit_median)
        ),
        "≤ 1.5x limit",
        verdict(ratio(lib_median, limit_median) <= 1.5),
    );
    add(
        "library verify, usage on (p99)",
        format!("{} ({:.2}x)", us(lib_p99), ratio(lib_p99, limit_median)),
        "≤ 3x limit",
        verdict(ratio(lib_p99, limit_median) <= 3.0),
    );

    // Refusals: a wrong secret for a real id against an id the store does
    // not hold. They take the same steps, so their times should match.
    let (wrong_secret, unknown_id) = refusal_latencies(store, samples.len());
    let (wrong_median, unknown_median) = (
        percentile(&wrong_secret, 50.0),
        percentile(&unknown_id, 50.0),
    );
    let apart = ratio(unknown_median, wrong_median);
    add(
        "library refusal: unknown id / real id, wrong secret (median)",
        format!(
            "{} / {} ({apart:.2}x)",
            us(unknown_median),
            us(wrong_median)
        ),
        "≈ 1x (0.9–1.1)",
        verdict((0.9..=1.1).contains(&apart)),
    );

    let bin = PathBuf::from(env!("CARGO_BIN_EXE_tokctl"));
    let verify_process = process_median(config.process_runs, || {
        let mut command = tokctl(&bin, store, &["verify", "--scope", "repo:read"]);
        command.env("TOKCTL_TOKEN", &samples[0]);
        command
    });
    add(
        "tokctl verify, whole process (median)",
        ms(verify_process),
        "< 3 ms",
        verdict(verify_process < Duration::from_millis(3)),
    );

    let lines: String = samples
        .iter()
        .cycle()
        .take(config.batch_lines)
        .map(|s| format!("{s}\n"))
        .collect();
    let began = Instant::now();
    let mut child = tokctl(&bin, store, &["verify", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn");
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(lines.as_bytes())
            .expect("write");
    }
    assert!(child.wait().expect("wait").success());
    let per_second = config.batch_lines as f64 / began.elapsed().as_secs_f64();
    add(
        "tokctl verify --batch",
        format!("{per_second:.0} tokens/s"),
        "≥ 50,000/s",
        verdict(per_second >= 50_000.0),
    );

    let mut n = 0;
    let create_process = process_median(config.process_runs, || {
        n += 1;
        let name = format!("bench-{n}");
        tokctl(
            &bin,
            store,
            &[
                "create",
                "--org",
                "org-000",
                "--name",
                &name,
                "--scope",
                "repo:read",
                "--expires",
                "30d",
            ],
        )
    });
    add(
        "tokctl create, keyring off (median)",
        ms(create_process),
        "< 10 ms",
        verdict(create_process < Duration::from_millis(10)),
    );
    add(
        "library bulk create, with audit events",
        format!("{:.0} tokens/s", seeded.bulk_tokens_per_second),
        "≥ 20,000/s",
        verdict(seeded.bulk_tokens_per_second >= 20_000.0),
    );

    let import = import_directory(&bin, store, IMPORT_USERS);
    add(
        &format!("tokctl user import, {IMPORT_USERS} new users with memberships (whole process)"),
        ms(import),
        "< 1 s",
        verdict(import < Duration::from_secs(1)),
    );

    for format in ["json", "table"] {
        let (seconds, peak_kib, rows) = list_stale(&bin, store, format);
        add(
            &format!("list --stale 1y --format {format} ({rows} rows)"),
            format!("{seconds:.2} s, {:.1} MiB peak", peak_kib as f64 / 1024.0),
            "< 1.5 s, < 64 MiB",
            verdict(seconds < 1.5 && peak_kib < 64 * 1024),
        );
    }

    let bytes = store_bytes(store);
    let per_token = bytes as f64 / size as f64;
    add(
        "store size, audit events included",
        format!(
            "{:.1} MiB, {per_token:.0} B/token",
            bytes as f64 / 1_048_576.0
        ),
        "< 400 B/token",
        verdict(per_token < 400.0),
    );
}

/// How many people the directory import brings in: a mid-sized company's
/// HR export.
const IMPORT_USERS: usize = 1_200;

/// Imports a CSV of `count` new people (display name, e-mail, a membership
/// of org-000) with the real binary, planned and applied in one run; how
/// long the whole process takes. Each size's store gets its own logins.
fn import_directory(bin: &Path, store: &Path, count: usize) -> Duration {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("people.csv");
    let mut csv = String::from("login,display_name,email,org,role,service\n");
    for i in 0..count {
        csv.push_str(&format!(
            "hire{i:05},Hire {i},hire{i:05}@example.com,org-000,member,{}\n",
            if i % 50 == 0 { "yes" } else { "" }
        ));
    }
    std::fs::write(&file, csv).expect("write the directory file");
    let file = file.to_str().expect("a UTF-8 temp path");
    let mut command = tokctl(bin, store, &["user", "import", file, "--yes"]);
    command.stderr(Stdio::piped());
    let began = Instant::now();
    let out = command.output().expect("run tokctl");
    let elapsed = began.elapsed();
    assert!(
        out.status.success(),
        "user import failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    elapsed
}

fn tokctl(bin: &Path, store: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(bin);
    command
        .args(args)
        .env_clear()
        .env("TOKCTL_DB", store)
        .env("TOKCTL_USER", "admin")
        .env("TOKCTL_KEYRING", "off")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

fn process_median(runs: usize, mut command: impl FnMut() -> Command) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let mut command = command();
            command.stderr(Stdio::piped());
            let began = Instant::now();
            let out = command.output().expect("run tokctl");
            let elapsed = began.elapsed();
            assert!(
                out.status.success(),
                "tokctl failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            elapsed
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn reference_latencies(store: &Path, samples: &[String]) -> Vec<Duration> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use subtle::ConstantTimeEq;
    let conn = rusqlite::Connection::open(store).expect("open");
    let mut stmt = conn
        .prepare("SELECT secret_hash FROM tokens WHERE id = ?1")
        .expect("prepare");
    let mut out = Vec::with_capacity(samples.len());
    for sample in samples {
        let began = Instant::now();
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
        let stored: Vec<u8> = stmt.query_row([key], |row| row.get(0)).expect("row");
        let digest = ring::digest::digest(&ring::digest::SHA256, &body[..32]);
        let equal = bool::from(stored.as_slice().ct_eq(digest.as_ref()));
        std::hint::black_box(equal);
        out.push(began.elapsed());
    }
    out.sort();
    out
}

fn library_latencies(store: &Path, samples: &[String]) -> Vec<Duration> {
    let keyring = Box::new(MemoryKeyring::default());
    let mut session = Session::new(
        open(store),
        Arc::new(SystemClock),
        keyring,
        KeyringMode::Off,
        "admin",
    );
    session.prefer_throughput().expect("pragma");
    let scope = "repo:read".parse().expect("scope");
    let mut out = Vec::with_capacity(samples.len());
    for sample in samples {
        let began = Instant::now();
        let result = session.verify(sample, Some(&scope));
        std::hint::black_box(&result);
        out.push(began.elapsed());
    }
    session.flush_usage().expect("flush");
    out.sort();
    out
}

/// Latencies of refused verifications, interleaved so that drift hits both
/// alike: well-formed tokens with a fresh (wrong) secret for the newest
/// tokens' ids, and for the ids just past them. Both descend to the same
/// end of the table, so what differs is tokctl's work, not the page cache.
fn refusal_latencies(store: &Path, count: usize) -> (Vec<Duration>, Vec<Duration>) {
    use tokctl::model::{TokenId, TokenKind};
    use tokctl::secret::Generator;
    let newest: Vec<(i64, String)> = {
        let conn = rusqlite::Connection::open(store).expect("open");
        let mut stmt = conn
            .prepare("SELECT id, kind FROM tokens ORDER BY id DESC LIMIT ?1")
            .expect("prepare");
        stmt.query_map([count as i64], |row| Ok((row.get(0)?, row.get(1)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    let past = newest.first().map_or(0, |(key, _)| *key) + 1;
    let generator = Generator::default();
    let mut pairs = Vec::with_capacity(newest.len());
    for (i, (key, kind)) in newest.iter().enumerate() {
        let kind = if kind == "org" {
            TokenKind::Org
        } else {
            TokenKind::Personal
        };
        let real = TokenId::from_key(*key).expect("id");
        let invented = TokenId::from_key(past + i as i64).expect("id");
        pairs.push((
            generator.mint(kind, real).expect("mint").secret,
            generator.mint(kind, invented).expect("mint").secret,
        ));
    }
    let keyring = Box::new(MemoryKeyring::default());
    let mut session = Session::new(
        open(store),
        Arc::new(SystemClock),
        keyring,
        KeyringMode::Off,
        "admin",
    );
    session.prefer_throughput().expect("pragma");
    let scope = "repo:read".parse().expect("scope");
    let mut time = |presented: &str| {
        let began = Instant::now();
        let result = session.verify(presented, Some(&scope));
        std::hint::black_box(&result);
        assert!(!result.expect("verify").is_valid());
        began.elapsed()
    };
    let mut wrong_times = Vec::with_capacity(pairs.len());
    let mut unknown_times = Vec::with_capacity(pairs.len());
    for (wrong, unknown) in &pairs {
        wrong_times.push(time(wrong.expose()));
        unknown_times.push(time(unknown.expose()));
    }
    session.flush_usage().expect("flush");
    wrong_times.sort();
    unknown_times.sort();
    (wrong_times, unknown_times)
}

/// Seconds, peak KiB and rows of `tokctl list --stale 1y` (via /usr/bin/time).
fn list_stale(bin: &Path, store: &Path, format: &str) -> (f64, u64, usize) {
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%e %M"])
        .arg(bin)
        .args(["list", "--stale", "1y", "--all", "--format", format])
        .env_clear()
        .env("TOKCTL_DB", store)
        .env("TOKCTL_USER", "admin")
        .env("TOKCTL_KEYRING", "off")
        .env("COLUMNS", "160")
        .stdout(Stdio::piped())
        .output()
        .expect("/usr/bin/time (package 'time')");
    let rows = match format {
        "json" => out
            .stdout
            .split(|b| *b == b'\n')
            .filter(|line| line.starts_with(b"  {"))
            .count(),
        _ => out
            .stdout
            .split(|b| *b == b'\n')
            .filter(|line| !line.is_empty())
            .count()
            .saturating_sub(1),
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.lines().last().unwrap_or("0 0");
    let mut parts = last.split_whitespace();
    let seconds = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0.0);
    let kib = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    (seconds, kib, rows)
}

fn store_bytes(store: &Path) -> u64 {
    // Fold the WAL into the file first, so the size is the store's own.
    let conn = rusqlite::Connection::open(store).expect("open");
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .expect("checkpoint");
    drop(conn);
    std::fs::metadata(store).map(|m| m.len()).unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p / 100.0).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn ratio(value: Duration, base: Duration) -> f64 {
    value.as_secs_f64() / base.as_secs_f64()
}

fn us(value: Duration) -> String {
    format!("{:.1} µs", value.as_secs_f64() * 1e6)
}

fn ms(value: Duration) -> String {
    format!("{:.2} ms", value.as_secs_f64() * 1e3)
}

fn verdict(ok: bool) -> String {
    if ok { "ok" } else { "MISS" }.to_owned()
}

fn print_table(figures: &[Figure]) {
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::ASCII_MARKDOWN);
    table.set_header(["tokens", "measure", "value", "target", ""]);
    for figure in figures {
        let size = match figure.size {
            n if n >= 1_000_000 => format!("{}M", n / 1_000_000),
            n => format!("{}k", n / 1_000),
        };
        table.add_row([
            size,
            figure.what.clone(),
            figure.value.clone(),
            figure.target.clone(),
            figure.verdict.clone(),
        ]);
    }
    println!("{table}");
}
