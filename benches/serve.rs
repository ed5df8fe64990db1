//! `tokctl serve` under load: verifications per second and p50/p99 latency
//! at 1, 16 and 64 connections, measured with `wrk` against the library's
//! server and, in the same run, against a hello-world endpoint on the same
//! stack (tokio, hyper's HTTP/1.1 connection, an axum router), so the ratio
//! says what verifying costs over serving HTTP at all. Prints one table.
//!
//! `cargo bench --bench serve` (5 s per row), or `-- --smoke` (1 s per row:
//! CI keeps it working). Needs `wrk` (Debian package `wrk`); without it the
//! run says so and exits 0 (1 when CI=true). These are measurements, not
//! tests: nothing here fails on a slow machine.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use common::open_store;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokctl::clock::SystemClock;
use tokctl::ops::{CreateRequest, OwnerChoice, Session};
use tokctl::serve::{CallerAuth, ServeConfig, Server};

const CONNECTIONS: [usize; 3] = [1, 16, 64];

fn main() {
    let smoke = std::env::args().any(|arg| arg == "--smoke");
    if Command::new("wrk").arg("--version").output().is_err() {
        eprintln!("note: wrk not found (Debian package 'wrk'): skipping the serve benchmark");
        let ci = std::env::var("CI").is_ok_and(|value| value == "true");
        std::process::exit(if ci { 1 } else { 0 });
    }
    let seconds = if smoke { 1 } else { 5 };
    let workers = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("temp dir: {err}"));
    let (session, token, caller) = seeded_session(&dir.path().join("tokctl.db"));

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
    let script = dir.path().join("verify.lua");
    std::fs::write(
        &script,
        format!(
            "wrk.method = \"POST\"\n\
             wrk.body = '{{\"token\":\"{token}\",\"scope\":\"repo:read\"}}'\n\
             wrk.headers[\"Content-Type\"] = \"application/json\"\n\
             wrk.headers[\"Authorization\"] = \"Bearer {caller}\"\n"
        ),
    )
    .unwrap_or_else(|err| panic!("script: {err}"));
    let open_script = dir.path().join("verify-open.lua");
    std::fs::write(
        &open_script,
        format!(
            "wrk.method = \"POST\"\n\
             wrk.body = '{{\"token\":\"{token}\",\"scope\":\"repo:read\"}}'\n\
             wrk.headers[\"Content-Type\"] = \"application/json\"\n"
        ),
    )
    .unwrap_or_else(|err| panic!("script: {err}"));

    let hello = HelloWorld::start(workers);
    let hello_url = format!("http://{}/hello", hello.addr);

    println!(
        "tokctl serve, {workers} workers, {seconds} s per row; caller authentication on (two verifications a request) unless the row says off"
    );
    println!("| connections | endpoint | requests/s | p50 | p99 | vs hello world |");
    println!("|---|---|---|---|---|---|");
    for connections in CONNECTIONS {
        // Interleaved, so both see the same machine.
        let base = wrk(&hello_url, None, connections, seconds);
        let served = wrk(&verify_url, Some(&script), connections, seconds);
        let open = wrk(&open_url, Some(&open_script), connections, seconds);
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
    }
    open_server.stopper().stop();
    let _ = open_server.wait();
    server.stopper().stop();
    let summary = server.wait().unwrap_or_else(|err| panic!("stop: {err}"));
    println!(
        "written at the stop: {} uses in {} writes",
        summary.uses_written, summary.flushes
    );
}

/// A store with a token to verify and an org token for the caller.
fn seeded_session(path: &Path) -> (Session, String, String) {
    let mut session = common::session(open_store(path), Arc::new(SystemClock), "bench");
    session
        .bootstrap_if_empty()
        .unwrap_or_else(|err| panic!("bootstrap: {err}"));
    let mint = |session: &mut Session, name: &str, scope: &str, owner: OwnerChoice| {
        session
            .create_token(CreateRequest {
                name: Some(name.into()),
                owner,
                scopes: vec![scope.parse().unwrap_or_else(|_| unreachable!())],
                expiry: Some("30d".parse().unwrap_or_else(|_| unreachable!())),
                ..CreateRequest::default()
            })
            .unwrap_or_else(|err| panic!("create: {err}"))
            .secret
            .expose()
            .to_owned()
    };
    let token = mint(&mut session, "web-ci", "repo:read", OwnerChoice::Me);
    let caller = mint(&mut session, "gateway", "tokctl:read", OwnerChoice::Org);
    (session, token, caller)
}

struct Measured {
    rate: f64,
    p50: Duration,
    p99: Duration,
}

fn micros(duration: Duration) -> String {
    let micros = duration.as_secs_f64() * 1e6;
    if micros >= 1000.0 {
        format!("{:.2} ms", micros / 1000.0)
    } else {
        format!("{micros:.0} µs")
    }
}

/// Runs wrk and reads requests/s and the 50th and 99th percentiles.
fn wrk(url: &str, script: Option<&Path>, connections: usize, seconds: u64) -> Measured {
    let threads = connections.min(2);
    let mut command = Command::new("wrk");
    command
        .arg(format!("-t{threads}"))
        .arg(format!("-c{connections}"))
        .arg(format!("-d{seconds}s"))
        .arg("--latency");
    if let Some(script) = script {
        command.arg("-s").arg(script);
    }
    let out = command
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
    let percentile = |label: &str| {
        text.lines()
            .find_map(|line| line.trim().strip_prefix(label))
            .map(|value| parse_wrk_time(value.trim()))
            .unwrap_or_else(|| panic!("no {label} in:\n{text}"))
    };
    Measured {
        rate,
        p50: percentile("50%"),
        p99: percentile("99%"),
    }
}

/// wrk's times: `512.00us`, `1.23ms`, `2.00s`.
fn parse_wrk_time(text: &str) -> Duration {
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
        let router = axum::Router::new().route("/hello", axum::routing::get(|| async { "hello" }));
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
