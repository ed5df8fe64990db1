//! tokctl at 10k, 100k and 1M tokens: verification against the raw
//! SQLite + SHA-256 limit measured in the same run, whole-process commands,
//! streaming lists, store size. Prints one table.
//!
//! `cargo bench --bench tokens` (all sizes), `-- --sizes 10k,100k`, or
//! `-- --smoke` (a tiny store, a few iterations: CI keeps it working).
//! `scripts/bench` runs the full set.
//!
//! Timings on a shared machine drift, so every verdict rests on ratios
//! measured in the same run, interleaved: each library verification next to
//! the limit's for the same token, each `tokctl verify` process next to a
//! bare start of the same binary (`tokctl --version`). Each ratio is
//! measured in three rounds and given as the median with the min–max, and
//! the verdict is the median's. A run that is not `--smoke` exits non-zero
//! when any row says MISS; the smoke run's figures are informational.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Duration as Span;
use common::{
    median, ms, open_store as open, parse_sizes, percentile, print_table, ratio, session,
    tokctl_bin, us, verdict, Figure, Spread, MISS,
};
use tokctl::clock::{FixedClock, SystemClock};
use tokctl::duration::parse_time;
use tokctl::model::Role;
use tokctl::ops::{CreateRequest, OwnerChoice};

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
    /// Rounds of each interleaved ratio (the median is the figure).
    rounds: usize,
    /// A smoke run: MISS rows do not fail it.
    smoke: bool,
    /// Only the library's rows (`--verify-only`: bulk create, measured
    /// while seeding, and verification): for profiling them, e.g. under
    /// callgrind or perf. Informational.
    verify_only: bool,
}

/// Tokens in the smallest store, where a process's fixed costs show most.
const SMALL_STORE_TOKENS: usize = 10;
/// WAL sizes the sweep opens the store with (KiB).
const WAL_SWEEP_KIB: &[u64] = &[0, 16, 64, 256, 1024, 4096];

fn parse_args() -> Config {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == "--smoke") {
        return Config {
            sizes: vec![2_000],
            samples: 500,
            process_runs: 5,
            batch_lines: 2_000,
            rounds: 3,
            smoke: true,
            verify_only: false,
        };
    }
    let sizes = parse_sizes(&args, "10k,100k,1m");
    Config {
        sizes,
        samples: 20_000,
        process_runs: 40,
        batch_lines: 100_000,
        rounds: 3,
        smoke: false,
        verify_only: args.iter().any(|arg| arg == "--verify-only"),
    }
}

fn main() {
    let config = parse_args();
    let mut figures = Vec::new();
    if !config.verify_only {
        eprintln!("seeding {SMALL_STORE_TOKENS} tokens…");
        let dir = tempfile::tempdir().expect("temp dir");
        let store = dir.path().join("small.db");
        let tokens = seed_small(&store);
        small_store(&config, &store, &tokens[0], &mut figures);
    }
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
    print_table("measure", &figures);
    let missed = figures.iter().filter(|f| f.verdict == MISS).count();
    if config.smoke || config.verify_only {
        println!(
            "a partial run (--smoke or --verify-only): informational only, MISS rows do not \
             fail it; scripts/bench for the real figures"
        );
    } else if missed > 0 {
        eprintln!("{missed} target(s) missed (the MISS rows above)");
        std::process::exit(1);
    }
}

/// A store with a handful of tokens, minted through the library (one org,
/// one user, as a new store looks).
fn seed_small(path: &Path) -> Vec<String> {
    let mut admin =
        session(open(path), Arc::new(SystemClock), "admin").with_os_user("admin (uid 1000)");
    admin.bootstrap_if_empty().expect("bootstrap");
    let requests = (0..SMALL_STORE_TOKENS)
        .map(|i| CreateRequest {
            name: Some(format!("svc-{i}")),
            scopes: vec!["repo:read".parse().expect("scope")],
            expiry: Some("1y".parse().expect("expiry")),
            ..CreateRequest::default()
        })
        .collect();
    admin
        .create_tokens(requests)
        .expect("create")
        .into_iter()
        .map(|created| created.secret.expose().to_owned())
        .collect()
}

/// The smallest store: `tokctl verify` against a bare start, and how that
/// ratio grows with the WAL a process finds when it opens the store.
fn small_store(config: &Config, store: &Path, token: &str, figures: &mut Vec<Figure>) {
    let bin = tokctl_bin();
    let (value, mid) = process_ratio(config, &bin, store, token);
    figures.push(Figure {
        size: SMALL_STORE_TOKENS,
        what: PROCESS_RATIO_WHAT.into(),
        value,
        target: PROCESS_RATIO_TARGET.into(),
        verdict: verdict(mid <= 1.3),
    });
    if config.smoke {
        return;
    }
    for &kib in WAL_SWEEP_KIB {
        let mut runs = Vec::new();
        for i in 0..config.process_runs / 2 {
            grow_wal(store, kib << 10);
            runs.push(timed_pair(
                i,
                || bare_start(&bin),
                || verify_process(&bin, store, token),
            ));
        }
        let pairs = PairMedians::of(&runs);
        figures.push(Figure {
            size: SMALL_STORE_TOKENS,
            what: format!("WAL of {kib} KiB at open: tokctl verify / --version"),
            value: format!(
                "wall {:.2}x ({} / {}); CPU {:.2}x",
                pairs.wall_ratio(),
                ms(pairs.verify.wall),
                ms(pairs.bare.wall),
                pairs.cpu_ratio()
            ),
            target: "-".into(),
            verdict: "sweep".into(),
        });
    }
    grow_wal(store, 0);
}

/// Leaves the store's WAL holding about `bytes` of committed frames, as a
/// process that wrote and did not fold it would: no checkpoint, here or on
/// close. Each frame is an update of one token's description, in its own
/// transaction (unsynced: this only shapes the file). SQLite writes no
/// frame for an update that changes nothing, so it flips the value.
fn grow_wal(store: &Path, bytes: u64) {
    let conn = rusqlite::Connection::open(store).expect("open");
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        true,
    )
    .expect("config");
    conn.execute_batch("PRAGMA synchronous = OFF; PRAGMA wal_autocheckpoint = 0;")
        .expect("pragmas");
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .expect("checkpoint");
    let mut wal = store.as_os_str().to_owned();
    wal.push("-wal");
    let wal = PathBuf::from(wal);
    let mut stmt = conn
        .prepare(
            "UPDATE tokens SET description = CASE WHEN description IS NULL THEN 'wal' END
             WHERE id = (SELECT max(id) FROM tokens)",
        )
        .expect("prepare");
    while std::fs::metadata(&wal).map_or(0, |m| m.len()) < bytes {
        stmt.execute([]).expect("update");
    }
}

/// Times `first` and `second` in turn, swapping the order on odd rounds so
/// that neither always runs on the heels of the other.
fn timed_pair<T>(
    round: usize,
    mut first: impl FnMut() -> T,
    mut second: impl FnMut() -> T,
) -> (T, T) {
    if round % 2 == 0 {
        let a = first();
        (a, second())
    } else {
        let b = second();
        (first(), b)
    }
}

/// One process's run: from spawning it until it exited, and the CPU time
/// it used (user and system: what the neighbours on a shared machine do
/// not add to, unlike waiting for a CPU).
#[derive(Debug, Clone, Copy)]
struct Run {
    wall: Duration,
    cpu: Duration,
}

fn bare_start(bin: &Path) -> Run {
    time_process(Command::new(bin).arg("--version").env_clear())
}

fn verify_process(bin: &Path, store: &Path, token: &str) -> Run {
    let mut command = tokctl(bin, store, &["verify", "--scope", "repo:read"]);
    command.env("TOKCTL_TOKEN", token);
    time_process(&mut command)
}

fn time_process(command: &mut Command) -> Run {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let began = Instant::now();
    let child = command.spawn().expect("run tokctl");
    let cpu = exited_cpu_time(&child);
    let wall = began.elapsed();
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "tokctl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Run { wall, cpu }
}

/// Waits until `child` has exited without reaping it, and reads the CPU
/// time the kernel accounted to it (`/proc/PID/schedstat`, nanoseconds).
#[cfg(target_os = "linux")]
fn exited_cpu_time(child: &std::process::Child) -> Duration {
    use rustix::process::{waitid, Pid, WaitId, WaitIdOptions};
    let pid = Pid::from_child(child);
    waitid(
        WaitId::Pid(pid),
        WaitIdOptions::EXITED | WaitIdOptions::NOWAIT,
    )
    .expect("waitid");
    std::fs::read_to_string(format!("/proc/{}/schedstat", pid.as_raw_nonzero()))
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

#[cfg(not(target_os = "linux"))]
fn exited_cpu_time(_child: &std::process::Child) -> Duration {
    Duration::ZERO
}

/// The CPU time this thread has used so far (`/proc/thread-self/schedstat`).
#[cfg(target_os = "linux")]
fn thread_cpu_time() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

#[cfg(not(target_os = "linux"))]
fn thread_cpu_time() -> Duration {
    Duration::ZERO
}

/// What the ratio rows say about whole-process verification.
const PROCESS_RATIO_WHAT: &str = "tokctl verify / tokctl --version, whole process";
const PROCESS_RATIO_TARGET: &str = "≤ 1.3x";

/// Whole-process `tokctl verify` against a bare start of the same binary,
/// interleaved, in `config.rounds` rounds: the row's value and the median
/// ratio.
fn process_ratio(config: &Config, bin: &Path, store: &Path, token: &str) -> (String, f64) {
    let mut rounds = Vec::new();
    for _ in 0..config.rounds {
        let runs: Vec<(Run, Run)> = (0..config.process_runs)
            .map(|i| timed_pair(i, || bare_start(bin), || verify_process(bin, store, token)))
            .collect();
        rounds.push(PairMedians::of(&runs));
    }
    let Spread {
        median: mid,
        min: low,
        max: high,
    } = Spread::of(rounds.iter().map(PairMedians::wall_ratio).collect());
    let cpu = Spread::of(rounds.iter().map(PairMedians::cpu_ratio).collect()).median;
    let typical = rounds
        .iter()
        .find(|r| r.wall_ratio() == mid)
        .unwrap_or(&rounds[0]);
    (
        format!(
            "{mid:.2}x ({low:.2}–{high:.2}); {} / {}; CPU {cpu:.2}x",
            ms(typical.verify.wall),
            ms(typical.bare.wall),
        ),
        mid,
    )
}

/// Medians of interleaved (bare start, verify) runs.
struct PairMedians {
    bare: Run,
    verify: Run,
}

impl PairMedians {
    fn of(runs: &[(Run, Run)]) -> PairMedians {
        let median_of = |pick: &dyn Fn(&(Run, Run)) -> Duration| {
            let mut times: Vec<Duration> = runs.iter().map(pick).collect();
            median(&mut times)
        };
        PairMedians {
            bare: Run {
                wall: median_of(&|(b, _)| b.wall),
                cpu: median_of(&|(b, _)| b.cpu),
            },
            verify: Run {
                wall: median_of(&|(_, v)| v.wall),
                cpu: median_of(&|(_, v)| v.cpu),
            },
        }
    }

    fn wall_ratio(&self) -> f64 {
        ratio(self.verify.wall, self.bare.wall)
    }

    fn cpu_ratio(&self) -> f64 {
        ratio(self.verify.cpu, self.bare.cpu)
    }
}

struct Seeded {
    /// Active tokens holding repo:read or more, in a scattered order.
    samples: Vec<String>,
    bulk_tokens_per_second: f64,
    /// The same per second of CPU this thread used (what the neighbours on
    /// a shared machine do not take away).
    bulk_tokens_per_cpu_second: f64,
}

/// A store of `size` tokens over 100 orgs and 5,000 users, minted through the
/// library's bulk path (with their audit events) at creation times spread over
/// three years, then used at spread-out times so that about one in ten is stale.
fn seed(path: &Path, size: usize) -> Seeded {
    let now = parse_time(NOW).expect("time");
    let start = now - Span::days(3 * 365);
    let clock = Arc::new(FixedClock::new(start));
    // Every event records the OS account, as the CLI writes it.
    let mut admin = session(open(path), clock.clone(), "admin").with_os_user("admin (uid 1000)");
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
    let mut minting_cpu = Duration::ZERO;
    for batch in 0..batches {
        // Creation times spread from three years ago to a month ago.
        let offset = (3 * 365 - 30) * 86_400 * batch as i64 / batches.max(1) as i64;
        clock.set(start + Span::seconds(offset));
        let requests: Vec<CreateRequest> = (batch * BATCH..((batch + 1) * BATCH).min(size))
            .map(|i| token_request(i, &orgs, &users))
            .collect();
        let began = Instant::now();
        let cpu_before = thread_cpu_time();
        let created = admin.create_tokens(requests).expect("bulk create");
        minting += began.elapsed();
        minting_cpu += thread_cpu_time().saturating_sub(cpu_before);
        secrets.extend(
            created
                .into_iter()
                .map(|c| (c.secret.expose().to_owned(), c.token.created_at)),
        );
    }
    let bulk_tokens_per_second = size as f64 / minting.as_secs_f64();
    let bulk_tokens_per_cpu_second = size as f64 / minting_cpu.as_secs_f64();

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
    common::shuffle(&mut samples);
    Seeded {
        samples,
        bulk_tokens_per_second,
        bulk_tokens_per_cpu_second,
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
    // The store as seeded, before the rows below add to it (usage, forty
    // `tokctl create`s, the import's 1,200 users): what the target is about.
    let seeded_bytes = store_bytes(store);

    add(
        "library bulk create, with audit events",
        format!(
            "{:.0} tokens/s ({:.0} per CPU-second)",
            seeded.bulk_tokens_per_second, seeded.bulk_tokens_per_cpu_second
        ),
        "≥ 20,000/s",
        verdict(seeded.bulk_tokens_per_second >= 20_000.0),
    );

    // The limit: id from the token, a prepared primary-key SELECT, SHA-256 and
    // a constant-time compare; nothing else. Timed next to tokctl's own
    // verification of the same token, in three rounds.
    let rounds = verify_rounds(config.rounds, store, samples);
    let Spread {
        median: median_ratio,
        min: median_low,
        max: median_high,
    } = Spread::of(rounds.iter().map(|r| r.median_ratio()).collect());
    let Spread {
        median: p99_ratio,
        min: p99_low,
        max: p99_high,
    } = Spread::of(rounds.iter().map(|r| r.p99_ratio()).collect());
    let typical = rounds
        .iter()
        .find(|r| r.median_ratio() == median_ratio)
        .unwrap_or(&rounds[0]);
    add(
        "limit: SELECT by id + SHA-256 (median / p99)",
        format!(
            "{} / {}",
            us(typical.limit_median()),
            us(percentile(&typical.limit, 99.0))
        ),
        "-",
        "reference".into(),
    );
    add(
        "library verify, usage on: median / limit's median",
        format!(
            "{median_ratio:.2}x ({median_low:.2}–{median_high:.2}); {}",
            us(percentile(&typical.library, 50.0))
        ),
        "≤ 1.5x limit",
        verdict(median_ratio <= 1.5),
    );
    add(
        "library verify, usage on: p99 / limit's median",
        format!(
            "{p99_ratio:.2}x ({p99_low:.2}–{p99_high:.2}); {}",
            us(percentile(&typical.library, 99.0))
        ),
        "≤ 3x limit",
        verdict(p99_ratio <= 3.0),
    );

    security_costs(store, samples, &mut add);

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

    if config.verify_only {
        return;
    }
    let bin = tokctl_bin();
    let (value, mid) = process_ratio(config, &bin, store, &samples[0]);
    add(
        PROCESS_RATIO_WHAT,
        value,
        PROCESS_RATIO_TARGET,
        verdict(mid <= 1.3),
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
    let cpu = exited_cpu_time(&child);
    let elapsed = began.elapsed();
    assert!(child.wait().expect("wait").success());
    let per_second = config.batch_lines as f64 / elapsed.as_secs_f64();
    let per_cpu_second = config.batch_lines as f64 / cpu.as_secs_f64();
    add(
        "tokctl verify --batch",
        format!("{per_second:.0} tokens/s ({per_cpu_second:.0} per CPU-second)"),
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

    // What a shell runs at each TAB after `tokctl revoke ` (fish's form of
    // the same dynamic completion bash and zsh use): every token name.
    let completion = process_median(config.process_runs, || {
        let mut command = tokctl(&bin, store, &["--", "tokctl", "revoke", ""]);
        command.env("COMPLETE", "fish");
        command
    });
    add(
        "completion of `tokctl revoke <TAB>`, whole process (median)",
        ms(completion),
        "< 50 ms at 20k tokens (judged at 10k)",
        if size <= 20_000 {
            verdict(completion < Duration::from_millis(50))
        } else {
            "reported".into()
        },
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

    let per_token = seeded_bytes as f64 / size as f64;
    add(
        "store size as seeded, audit events and use history included",
        format!(
            "{:.1} MiB, {per_token:.0} B/token",
            seeded_bytes as f64 / 1_048_576.0
        ),
        "< 400 B/token",
        verdict(per_token < 400.0),
    );
    let bytes = store_bytes(store);
    add(
        "store size after the rows above (their uses, creates and import)",
        format!(
            "{:.1} MiB, {:.0} B/token",
            bytes as f64 / 1_048_576.0,
            bytes as f64 / size as f64
        ),
        "-",
        "reported".into(),
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

/// `tokctl ARGS` on `store` as admin, its output discarded.
fn tokctl(bin: &Path, store: &Path, args: &[&str]) -> Command {
    let mut command = common::tokctl(bin, store, "admin");
    command
        .args(args)
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

/// One round of verifications, each token timed through the limit and
/// through tokctl's library, alternately first.
struct VerifyRound {
    limit: Vec<Duration>,
    library: Vec<Duration>,
}

impl VerifyRound {
    fn limit_median(&self) -> Duration {
        percentile(&self.limit, 50.0)
    }

    fn median_ratio(&self) -> f64 {
        ratio(percentile(&self.library, 50.0), self.limit_median())
    }

    fn p99_ratio(&self) -> f64 {
        ratio(percentile(&self.library, 99.0), self.limit_median())
    }
}

/// The limit: decoding the id, the storage key, a prepared primary-key
/// `SELECT` of the digest, SHA-256 and a constant-time compare, on a
/// connection with the same page cache as tokctl's (SQLite's default until
/// a connection writes).
struct Limit {
    conn: rusqlite::Connection,
}

impl Limit {
    fn open(store: &Path) -> Limit {
        Limit {
            conn: rusqlite::Connection::open(store).expect("open"),
        }
    }

    fn time(&self, sample: &str) -> Duration {
        // Prepared before the clock starts: the limit has its statement at hand.
        let mut stmt = self
            .conn
            .prepare_cached("SELECT secret_hash FROM tokens WHERE id = ?1")
            .expect("prepare");
        let began = Instant::now();
        let (key, body) = common::limit_decode(sample);
        let stored: Vec<u8> = stmt.query_row([key], |row| row.get(0)).expect("row");
        let mut digest = [0u8; 32];
        digest.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, &body[..32]).as_ref());
        // tokctl's own constant-time compare: the limit is what tokctl cannot
        // do without, done the cheapest way tokctl knows.
        let equal = tokctl::secret::hashes_match(&stored, &digest);
        std::hint::black_box(equal);
        began.elapsed()
    }
}

/// `rounds` rounds over the samples, on one limit connection and one
/// library session, as a service keeps them: an untimed pass first, so
/// that the session's name cache and both page caches are as warm as they
/// stay while it runs, then each token timed both ways, alternately first.
fn verify_rounds(rounds: usize, store: &Path, samples: &[String]) -> Vec<VerifyRound> {
    let limit = Limit::open(store);
    let mut session = session(open(store), Arc::new(SystemClock), "admin");
    session.prefer_throughput().expect("pragma");
    let scope = "repo:read".parse().expect("scope");
    let mut library = |sample: &str| {
        let began = Instant::now();
        let result = session.verify(sample, Some(&scope));
        std::hint::black_box(&result);
        began.elapsed()
    };
    for sample in samples {
        limit.time(sample);
        library(sample);
    }
    let mut all = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let mut round = VerifyRound {
            limit: Vec::with_capacity(samples.len()),
            library: Vec::with_capacity(samples.len()),
        };
        for (i, sample) in samples.iter().enumerate() {
            let (l, t) = timed_pair(i, || limit.time(sample), || library(sample));
            round.limit.push(l);
            round.library.push(t);
        }
        round.limit.sort();
        round.library.sort();
        all.push(round);
    }
    session.flush_usage().expect("flush");
    all
}

/// What each security property of the verify path costs, measured here
/// rather than assumed: the stack scrub after a secret was handled, the
/// constant-time compare, and reading "the row with the greatest key not
/// above the id's" (so an unknown id costs what a real one does) instead
/// of the row with that key. Informational rows.
fn security_costs(
    store: &Path,
    samples: &[String],
    add: &mut impl FnMut(&str, String, &str, String),
) {
    const CALLS: u32 = 100_000;
    let began = Instant::now();
    for _ in 0..CALLS {
        tokctl::secret::scrub_stack();
    }
    let scrub = began.elapsed() / CALLS;
    let a = [7u8; 32];
    let b = std::hint::black_box([7u8; 32]);
    let began = Instant::now();
    for _ in 0..CALLS {
        std::hint::black_box(tokctl::secret::hashes_match(std::hint::black_box(&a), &b));
    }
    let compare = began.elapsed() / CALLS;
    add(
        "cost: stack scrub (8 KiB) / constant-time compare, per verification",
        format!("{} ns / {} ns", scrub.as_nanos(), compare.as_nanos()),
        "-",
        "cost".into(),
    );
    // The same digest read both ways, interleaved, on one connection.
    let conn = rusqlite::Connection::open(store).expect("open");
    let keys: Vec<i64> = samples
        .iter()
        .map(|sample| {
            use base64::engine::general_purpose::URL_SAFE_NO_PAD;
            use base64::Engine;
            let mut id = [0u8; 8];
            URL_SAFE_NO_PAD
                .decode_slice(&sample[4..15], &mut id)
                .expect("id");
            tokctl::model::TokenId::from_i64(i64::from_be_bytes(id))
                .expect("id")
                .key()
        })
        .collect();
    let read = |sql: &str, key: i64| {
        let mut stmt = conn.prepare_cached(sql).expect("prepare");
        let began = Instant::now();
        let hash: Vec<u8> = stmt.query_row([key], |row| row.get(0)).expect("row");
        std::hint::black_box(hash);
        began.elapsed()
    };
    let mut equal = Vec::new();
    let mut at_most = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let (e, m) = timed_pair(
            i,
            || read("SELECT secret_hash FROM tokens WHERE id = ?1", *key),
            || {
                read(
                    "SELECT secret_hash FROM tokens WHERE id <= ?1 ORDER BY id DESC LIMIT 1",
                    *key,
                )
            },
        );
        equal.push(e);
        at_most.push(m);
    }
    let (equal, at_most) = (median(&mut equal), median(&mut at_most));
    add(
        "cost: read by id <= key (unknown ids) / by id = key (median)",
        format!(
            "{} / {} ({:.2}x)",
            us(at_most),
            us(equal),
            ratio(at_most, equal)
        ),
        "-",
        "cost".into(),
    );
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
    let mut session = session(open(store), Arc::new(SystemClock), "admin");
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
