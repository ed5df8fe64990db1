//! `tokctl serve` under load, on a local store of 1M tokens: verifications
//! per second and p50/p99 latency at 1, 16 and 64 connections, measured with
//! `wrk` against the library's server and, in the same run, against a
//! hello-world endpoint on the same stack (tokio, hyper's HTTP/1.1
//! connection, an axum router), so the ratio says what verifying costs over
//! serving HTTP at all; then the spawn-per-request path (a `tokctl verify`
//! process per token) and the resident memory of a real `tokctl serve`
//! process over two minutes at full load, after a minute of warm-up.
//! Prints the rows and a table of the targets.
//!
//! `cargo bench --bench serve` (5 s per row; a target missed makes the run
//! exit 1), or `-- --smoke` (2,000 tokens, 1 s per row, no memory run,
//! informational: CI keeps it working). Needs `wrk` (Debian package `wrk`);
//! without it the run says so and exits 0 (1 when CI=true).

mod common;

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::open_store;
use common::wrk::{write_script, wrk};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokctl::clock::SystemClock;
use tokctl::ops::{CreateRequest, OwnerChoice, Session};
use tokctl::serve::{CallerAuth, ServeConfig, Server};

const CONNECTIONS: [usize; 3] = [1, 16, 64];
/// Tokens in the store of a full run, and of a smoke run.
const FULL_SIZE: usize = 1_000_000;
const SMOKE_SIZE: usize = 2_000;
/// Tokens the load generator picks from at random for each request.
const PICKED: usize = 10_000;
/// The start of the memory run not judged: SQLite's page caches fill (at
/// 1M tokens a `tokctl serve` grows to its size in 60–130 s, then stays).
const WARM_UP_SECONDS: u64 = 60;
/// Tokens minted per bulk call while seeding.
const BATCH: usize = 20_000;

fn main() {
    let smoke = std::env::args().any(|arg| arg == "--smoke");
    if Command::new("wrk").arg("--version").output().is_err() {
        eprintln!("note: wrk not found (Debian package 'wrk'): skipping the serve benchmark");
        let ci = std::env::var("CI").is_ok_and(|value| value == "true");
        std::process::exit(if ci { 1 } else { 0 });
    }
    let seconds = if smoke { 1 } else { 5 };
    let size = if smoke { SMOKE_SIZE } else { FULL_SIZE };
    let workers = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("temp dir: {err}"));
    let store_path = dir.path().join("tokctl.db");
    eprintln!("seeding {size} tokens…");
    let Seeded {
        session,
        picked,
        caller,
    } = seed(&store_path, size);

    let mut config = ServeConfig::new("127.0.0.1:0".parse().unwrap_or_else(|_| unreachable!()));
    config.stop_on_signals = false;
    config.workers = workers;
    config.caller_auth = CallerAuth::Required {
        scope: "tokctl:read".parse().unwrap_or_else(|_| unreachable!()),
    };
    let mut open = config.clone();
    open.caller_auth = CallerAuth::Off;
    let sibling = session
        .sibling()
        .unwrap_or_else(|err| panic!("session: {err}"));
    let server = Server::start(config, session).unwrap_or_else(|err| panic!("serve: {err}"));
    let open_server = Server::start(open, sibling).unwrap_or_else(|err| panic!("serve: {err}"));
    let open_url = format!("http://{}/v1/verify", open_server.local_addr());
    let verify_url = format!("http://{}/v1/verify", server.local_addr());
    // One script for every endpoint, so wrk does the same work for each:
    // a random token of the picked ones per request (hello world ignores
    // the body and the header).
    let script = dir.path().join("verify.lua");
    write_script(&script, &picked, &caller);
    let hello = HelloWorld::start(workers);
    let hello_url = format!("http://{}/hello", hello.addr);

    println!(
        "tokctl serve on a local store of {size} tokens, {workers} workers, {seconds} s per row; \
         each request verifies a random one of {} tokens; caller authentication on \
         (two verifications a request) unless the row says off",
        picked.len()
    );
    println!("| connections | endpoint | requests/s | p50 | p99 | vs hello world |");
    println!("|---|---|---|---|---|---|");
    let mut at_64 = None;
    for connections in CONNECTIONS {
        // Interleaved, so all three see the same machine.
        let base = wrk(
            &hello_url,
            &script,
            connections.min(2),
            connections,
            seconds,
        );
        let served = wrk(
            &verify_url,
            &script,
            connections.min(2),
            connections,
            seconds,
        );
        let open = wrk(&open_url, &script, connections.min(2), connections, seconds);
        println!(
            "| {connections} | hello world | {:.0} | {} | {} | |",
            base.rate,
            micros(base.p50),
            micros(base.p99)
        );
        println!(
            "| {connections} | POST /v1/verify | {:.0} | {} | {} | {:.2}x |",
            served.rate,
            micros(served.p50),
            micros(served.p99),
            served.rate / base.rate
        );
        println!(
            "| {connections} | POST /v1/verify, caller authentication off | {:.0} | {} | {} | {:.2}x |",
            open.rate,
            micros(open.p50),
            micros(open.p99),
            open.rate / base.rate
        );
        if connections == 64 {
            at_64 = Some((base, served));
        }
    }
    let spawned = spawn_per_request(&store_path, &picked, if smoke { 20 } else { 400 });
    let memory = (!smoke).then(|| memory_under_load(&store_path, &script, WARM_UP_SECONDS + 120));

    let (base, served) = at_64.unwrap_or_else(|| unreachable!());
    println!();
    println!("| target (64 connections, caller authentication on) | measured | |");
    println!("|---|---|---|");
    let ratio = served.rate / base.rate;
    let mut met = true;
    met &= target_row("≥ 0.5x hello world", &format!("{ratio:.2}x"), ratio >= 0.5);
    met &= target_row(
        "≥ 20,000 verifications/s",
        &format!("{:.0}/s", served.rate),
        served.rate >= 20_000.0,
    );
    met &= target_row(
        "p99 < 5 ms",
        &micros(served.p99),
        served.p99 < Duration::from_millis(5),
    );
    let versus_spawn = served.rate / spawned;
    met &= target_row(
        "≥ 40x the spawn-per-request path",
        &format!("{versus_spawn:.0}x ({spawned:.0} tokctl verify processes/s, 2 at a time)"),
        versus_spawn >= 40.0,
    );
    if let Some(memory) = memory {
        let growth = memory.peak_after / memory.warm;
        let series: Vec<String> = memory
            .series
            .iter()
            .map(|mib| format!("{mib:.1}"))
            .collect();
        met &= target_row(
            "memory flat over 2 minutes at full load, after a minute's warm-up (a `tokctl serve` process)",
            &format!(
                "RSS {:.1} MiB at 60 s, at most {:.1} MiB in the 2 minutes after ({:+.1}%); every 20 s from the start: {} MiB; {:.0} requests/s",
                memory.warm,
                memory.peak_after,
                (growth - 1.0) * 100.0,
                series.join(", "),
                memory.rate
            ),
            growth <= 1.10,
        );
    }
    open_server.stopper().stop();
    let _ = open_server.wait();
    server.stopper().stop();
    let summary = server.wait().unwrap_or_else(|err| panic!("stop: {err}"));
    println!(
        "written at the stop: {} uses in {} writes",
        summary.uses_written, summary.flushes
    );
    if smoke {
        println!("(a smoke run: informational, the targets are judged in a full run)");
    } else if !met {
        std::process::exit(1);
    }
}

fn target_row(target: &str, measured: &str, met: bool) -> bool {
    println!(
        "| {target} | {measured} | {} |",
        if met { "ok" } else { "MISS" }
    );
    met
}

struct Seeded {
    session: Session,
    /// The secrets the load generator picks from.
    picked: Vec<String>,
    /// An org token holding `tokctl:read`, for the caller check.
    caller: String,
}

/// A store of `size` org tokens on `repo:read`, minted through the bulk
/// path, and an org token for the caller.
fn seed(path: &Path, size: usize) -> Seeded {
    let mut session = common::session(open_store(path), Arc::new(SystemClock), "bench");
    session
        .bootstrap_if_empty()
        .unwrap_or_else(|err| panic!("bootstrap: {err}"));
    let request = |name: String, scope: &str| CreateRequest {
        name: Some(name),
        owner: OwnerChoice::Org,
        scopes: vec![scope.parse().unwrap_or_else(|_| unreachable!())],
        expiry: Some("30d".parse().unwrap_or_else(|_| unreachable!())),
        ..CreateRequest::default()
    };
    let caller = session
        .create_token(request("gateway".into(), "tokctl:read"))
        .unwrap_or_else(|err| panic!("create: {err}"))
        .secret
        .expose()
        .to_owned();
    // Every `size / PICKED`-th token, so the picked ones lie all over the table.
    let every = (size / PICKED).max(1);
    let mut picked = Vec::with_capacity(PICKED);
    for start in (0..size).step_by(BATCH) {
        let requests = (start..(start + BATCH).min(size))
            .map(|i| request(format!("svc-{i:07}"), "repo:read"))
            .collect();
        let created = session
            .create_tokens(requests)
            .unwrap_or_else(|err| panic!("bulk create: {err}"));
        for (offset, token) in created.into_iter().enumerate() {
            if (start + offset) % every == 0 && picked.len() < PICKED {
                picked.push(token.secret.expose().to_owned());
            }
        }
    }
    Seeded {
        session,
        picked,
        caller,
    }
}

/// Verifications per second when each is a `tokctl verify` process (the
/// token on stdin), two at a time on the same machine: what a service
/// without `serve` would do.
fn spawn_per_request(store: &Path, tokens: &[String], count: usize) -> f64 {
    let bin = common::tokctl_bin();
    let began = Instant::now();
    std::thread::scope(|scope| {
        for lane in 0..2 {
            let bin = &bin;
            scope.spawn(move || {
                for i in (lane..count).step_by(2) {
                    let mut child = Command::new(bin)
                        .args(["verify", "--scope", "repo:read"])
                        .env_clear()
                        .env("TOKCTL_DB", store)
                        .env("TOKCTL_KEYRING", "off")
                        .stdin(Stdio::piped())
                        .stdout(Stdio::null())
                        .stderr(Stdio::null())
                        .spawn()
                        .unwrap_or_else(|err| panic!("spawn tokctl: {err}"));
                    if let Some(mut stdin) = child.stdin.take() {
                        let _ = writeln!(stdin, "{}", tokens[i % tokens.len()]);
                    }
                    let status = child.wait().unwrap_or_else(|err| panic!("wait: {err}"));
                    assert!(status.success(), "tokctl verify refused a seeded token");
                }
            });
        }
    });
    count as f64 / began.elapsed().as_secs_f64()
}

/// Resident memory (MiB) of process `pid`, 0 once it is gone.
fn resident_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// Resident memory of a `tokctl serve` process over a run at full load.
struct Memory {
    /// Every 20 s from the start (MiB).
    series: Vec<f64>,
    /// At the end of the warm-up ([`WARM_UP_SECONDS`]: the page caches
    /// fill as the picked tokens' pages are read, and six usage writes).
    warm: f64,
    /// The most after it.
    peak_after: f64,
    rate: f64,
}

/// Starts the real `tokctl serve` on `store` (caller authentication on,
/// usage written every 10 s so the run holds a dozen writes), runs wrk at
/// 64 connections for `seconds` and samples its resident memory every
/// second; stops it with SIGTERM.
fn memory_under_load(store: &Path, script: &Path, seconds: u64) -> Memory {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .unwrap_or_else(|err| panic!("free port: {err}"));
    let mut serve = Command::new(common::tokctl_bin())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--caller-scope", "tokctl:read", "--flush-interval", "10"])
        .env_clear()
        .env("TOKCTL_DB", store)
        .env("TOKCTL_KEYRING", "off")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|err| panic!("tokctl serve: {err}"));
    let began = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            began.elapsed() < Duration::from_secs(30),
            "tokctl serve did not start listening"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let url = format!("http://127.0.0.1:{port}/v1/verify");
    let pid = serve.id();
    let (samples, measured) = std::thread::scope(|scope| {
        let load = scope.spawn(|| wrk(&url, script, 2, 64, seconds));
        let mut samples = Vec::new();
        while !load.is_finished() {
            std::thread::sleep(Duration::from_secs(1));
            if samples.len() < seconds as usize {
                samples.push(resident_mib(pid));
            }
        }
        (
            samples,
            load.join().unwrap_or_else(|_| panic!("wrk thread")),
        )
    });
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let status = serve.wait().unwrap_or_else(|err| panic!("wait: {err}"));
    assert!(status.success(), "tokctl serve did not stop cleanly");
    let warm_up = WARM_UP_SECONDS as usize;
    let warm = samples.get(warm_up - 1).copied().unwrap_or_default();
    Memory {
        series: samples.iter().step_by(20).copied().collect(),
        warm,
        peak_after: samples.iter().skip(warm_up).copied().fold(warm, f64::max),
        rate: measured.rate,
    }
}

fn micros(duration: Duration) -> String {
    let micros = duration.as_secs_f64() * 1e6;
    if micros >= 1000.0 {
        format!("{:.2} ms", micros / 1000.0)
    } else {
        format!("{micros:.0} µs")
    }
}

/// The same stack with nothing behind it: an axum route answering
/// "hello", served by hyper's HTTP/1.1 connection on a tokio runtime with
/// the same number of workers.
struct HelloWorld {
    addr: SocketAddr,
    _runtime: tokio::runtime::Runtime,
}

impl HelloWorld {
    fn start(workers: usize) -> HelloWorld {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()
            .unwrap_or_else(|err| panic!("runtime: {err}"));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap_or_else(|err| panic!("bind: {err}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|err| panic!("addr: {err}"));
        let router = axum::Router::new().route("/hello", axum::routing::any(|| async { "hello" }));
        runtime.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let service = TowerToHyperService::new(router.clone());
                tokio::spawn(async move {
                    let mut http = hyper::server::conn::http1::Builder::new();
                    http.timer(TokioTimer::new());
                    let _ = http.serve_connection(TokioIo::new(stream), service).await;
                });
            }
        });
        HelloWorld {
            addr,
            _runtime: runtime,
        }
    }
}
