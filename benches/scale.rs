//! Scale-out on one machine: 1, 2 and 3 real `tokctl serve` processes at
//! once on a replication topology `scripts/bench --scale` starts
//! (`TOKCTL_BENCH_TOPOLOGY`, as `TOKCTL_TEST_TOPOLOGY`: a primary, a
//! streaming replica, PgBouncer in transaction mode), each under its own
//! `wrk`. Every instance logs in as the verifier, writes usage to the primary
//! through PgBouncer (`pool_mode=transaction`) and reads tokens from the
//! replica (`--read-db`), with caller authentication on (an org token).
//!
//! Reported per instance count: verifications/s in total and p50/p99; the
//! CPU time of PostgreSQL's processes per 1,000 verifications on the replica
//! (the reads) and on the primary (the usage writes), of PgBouncer and of
//! the `tokctl serve` processes themselves; WAL bytes per 1,000
//! verifications and per usage write; the replica's replay lag sampled
//! during the load; server connections. Then the cost of one usage write as
//! a function of the tokens it touches (WAL, primary CPU, time per token),
//! and the bytes per audit event and per use-history row.
//!
//! The machine has two cores, shared by everything here (PostgreSQL twice,
//! PgBouncer, the servers, wrk): more instances cannot be faster in total,
//! so what the rows show is what each verification costs each process.
//!
//! `cargo bench --bench scale` (100k tokens, 20 s per row) or `-- --smoke`
//! (2,000 tokens, 2 s per row: informational, CI keeps it working). Without
//! `TOKCTL_BENCH_TOPOLOGY` or `wrk` it says so and exits 0 (1 when CI=true).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::wrk::{write_script, wrk, Measured};
use common::{ms, tokctl_bin};
use tokctl::clock::SystemClock;
use tokctl::model::{Role, TokenId, TokenKind};
use tokctl::scope::ScopeSet;
use tokctl::secret::Generator;
use tokctl::store::{
    MembershipRecord, OrgRecord, RecordBatch, ServerAddress, Store, StoreTarget, TeamAdmin,
    TeamRole, TokenRecord, UserRecord,
};

/// The owner of the org: the login `scripts/pg-cluster` made as olive.
const OWNER: &str = "olive";
/// The login every `serve` instance uses.
const VERIFIER: &str = "vera";
/// Tokens per `RecordBatch` of the load.
const BATCH: usize = 20_000;
/// Tokens the load generator picks from at random for each request.
const PICKED: usize = 10_000;
/// wrk's connections to each instance.
const CONNECTIONS: usize = 16;
/// Worker threads of each instance (one per core of this machine).
const WORKERS: usize = 2;
/// `--flush-interval` of each instance, short so a row holds many writes.
const FLUSH_SECONDS: u64 = 1;
/// Tokens one usage write touches in the write-cost rows.
const WRITE_SIZES: [usize; 2] = [1_000, 10_000];

/// The throwaway topology.
struct Topology {
    port: u16,
    passfile: PathBuf,
    superuser: String,
    replica_port: u16,
    bouncer_port: u16,
    dir: PathBuf,
}

impl Topology {
    fn from_env() -> Option<Topology> {
        let text = std::env::var("TOKCTL_BENCH_TOPOLOGY").ok()?;
        let field = |name: &str| common::pg::field(&text, name);
        Some(Topology {
            port: field("port")?.parse().ok()?,
            passfile: PathBuf::from(field("passfile")?),
            superuser: field("superuser")?,
            replica_port: field("replica_port")?.parse().ok()?,
            bouncer_port: field("bouncer_port")?.parse().ok()?,
            dir: PathBuf::from(field("dir")?),
        })
    }

    fn password(&self, user: &str) -> String {
        common::pg::password(&self.passfile, user)
    }

    fn primary_url(&self, user: &str, db: &str) -> String {
        format!(
            "postgres://{user}@127.0.0.1:{}/{db}?sslmode=disable",
            self.port
        )
    }

    fn pooled_url(&self, user: &str, db: &str) -> String {
        format!(
            "postgres://{user}@127.0.0.1:{}/{db}?sslmode=disable&pool_mode=transaction",
            self.bouncer_port
        )
    }

    fn replica_url(&self, user: &str, db: &str) -> String {
        format!(
            "postgres://{user}@127.0.0.1:{}/{db}?sslmode=disable",
            self.replica_port
        )
    }

    fn address(&self, user: &str, db: &str) -> ServerAddress {
        match StoreTarget::parse(std::ffi::OsStr::new(&self.primary_url(user, db))) {
            Ok(StoreTarget::Server(address)) => address,
            _ => panic!("not a team store URL"),
        }
    }

    /// The superuser's connection to `db` on the primary or the replica.
    fn admin(&self, replica: bool, db: &str) -> postgres::Client {
        postgres::Config::new()
            .host("127.0.0.1")
            .port(if replica {
                self.replica_port
            } else {
                self.port
            })
            .user(&self.superuser)
            .password(self.password(&self.superuser))
            .dbname(db)
            .connect(postgres::NoTls)
            .expect("connect")
    }

    fn primary_data(&self) -> PathBuf {
        self.dir.join("primary/data/pg")
    }

    fn replica_data(&self) -> PathBuf {
        self.dir.join("replica/pg")
    }

    fn bouncer_pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.dir.join("bouncer/pgbouncer.pid"))
            .ok()?
            .trim()
            .parse()
            .ok()
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let smoke = args.iter().any(|arg| arg == "--smoke");
    let ci = std::env::var("CI").is_ok_and(|value| value == "true");
    let Some(topology) = Topology::from_env() else {
        eprintln!(
            "note: TOKCTL_BENCH_TOPOLOGY unset: skipping the scale-out benchmark (scripts/bench --scale starts a topology)"
        );
        std::process::exit(if ci { 1 } else { 0 });
    };
    if Command::new("wrk").arg("--version").output().is_err() {
        eprintln!("note: wrk not found (Debian package 'wrk'): skipping the scale-out benchmark");
        std::process::exit(if ci { 1 } else { 0 });
    }
    let size = if smoke { 2_000 } else { 100_000 };
    let seconds: u64 = if smoke { 2 } else { 20 };
    let db = "tokctl_bench_scale";
    let mut admin = topology.admin(false, "postgres");
    for statement in [
        format!("DROP DATABASE IF EXISTS {db}"),
        format!("CREATE DATABASE {db}"),
    ] {
        admin.batch_execute(&statement).expect("create database");
    }
    {
        let superuser = topology.password(&topology.superuser);
        let mut team =
            TeamAdmin::connect(&topology.address(&topology.superuser, db), Some(&superuser))
                .expect("team admin");
        team.init().expect("team init");
        team.grant(OWNER, TeamRole::User).expect("grant");
        team.grant(VERIFIER, TeamRole::Verifier)
            .expect("grant verifier");
    }
    eprintln!("seeding {size} tokens into the team store…");
    let (secrets, caller) = seed(&topology, db, size);
    wait_for_replay(&topology);
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("verify.lua");
    let picked = &secrets[..PICKED.min(secrets.len())];
    write_script(&script, picked, &caller);

    let ticks = clock_ticks();
    println!(
        "tokctl serve instances on one 2-core machine, shared with the primary, the replica, PgBouncer and wrk \
         ({} tokens, {seconds} s per row, wrk {CONNECTIONS} connections per instance, {WORKERS} workers each, \
         --flush-interval {FLUSH_SECONDS}, caller authentication on: each request checks the caller's token and \
         verifies a random one of {} tokens; {}):",
        size,
        picked.len(),
        chrono::Utc::now().format("%Y-%m-%d")
    );
    println!(
        "| instances | verifications/s (total) | per instance | p50 | p99 | replica reads | \
         CPU ms / 1,000 verifications: replica · primary · PgBouncer · tokctl serve | \
         WAL / 1,000 verifications | usage writes | WAL / write | replica lag p50 / p99 / max | \
         server connections: primary · replica |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for instances in 1..=3 {
        let row = run_instances(
            &topology,
            db,
            &script,
            dir.path(),
            instances,
            seconds,
            ticks,
        );
        println!(
            "| {instances} | {:.0} | {:.0} | {} | {} | {:.1}% | {:.1} · {:.1} · {:.1} · {:.1} | {:.1} KiB | {} | {:.1} KiB | {} / {} / {} | {} · {} |",
            row.rate,
            row.rate / instances as f64,
            ms(row.p50),
            ms(row.p99),
            row.replica_share * 100.0,
            row.cpu_replica_ms * 1000.0 / row.verifications,
            row.cpu_primary_ms * 1000.0 / row.verifications,
            row.cpu_bouncer_ms * 1000.0 / row.verifications,
            row.cpu_serve_ms * 1000.0 / row.verifications,
            row.wal_bytes * 1000.0 / row.verifications / 1024.0,
            row.flushes,
            row.wal_bytes / row.flushes.max(1) as f64 / 1024.0,
            row.lag.bytes_and_seconds(50.0),
            row.lag.bytes_and_seconds(99.0),
            row.lag.bytes_and_seconds(100.0),
            row.connections.0,
            row.connections.1,
        );
    }

    println!();
    println!("one usage write (the write every instance makes per --flush-interval) by the tokens it touches, on the primary:");
    println!("| tokens in the write | time | WAL | WAL / token | primary CPU / token |");
    println!("|---|---|---|---|---|");
    // Tokens wrk did not pick, so each write's use-history rows are new.
    let mut offset = PICKED;
    for touched in WRITE_SIZES {
        let touched = if smoke { touched / 10 } else { touched };
        let start = offset.min(secrets.len() - touched);
        offset += touched;
        let tokens = &secrets[start..][..touched];
        let write = usage_write(&topology, db, tokens, ticks);
        println!(
            "| {touched} | {} | {:.1} KiB | {:.0} B | {:.1} µs |",
            ms(write.took),
            write.wal_bytes / 1024.0,
            write.wal_bytes / touched as f64,
            write.cpu_ms * 1000.0 / touched as f64,
        );
    }

    let mut primary = topology.admin(false, db);
    println!();
    for (what, table) in [
        ("audit events", "tokctl.audit_events"),
        ("use history", "tokctl.token_usage"),
    ] {
        let (rows, heap, indexes, total) = table_bytes(&mut primary, table);
        println!(
            "{what} ({table}): {rows:.0} rows; {heap:.0} B/row in the heap (the rows as stored, with tuple header \
             and line pointer), indexes {indexes}; the relation as a whole {:.0} B/row (pages, at this size)",
            total / rows.max(1.0)
        );
    }
    drop(primary);
    admin
        .batch_execute(&format!("DROP DATABASE {db} WITH (FORCE)"))
        .expect("drop database");
    if smoke {
        println!("(a smoke run: informational, scripts/bench --scale for the figures)");
    }
}

/// Rows of `table`, its heap bytes per row (each row's stored size, 24
/// bytes of tuple header rounded as PostgreSQL aligns it, and a 4-byte line
/// pointer), its indexes (name: the average key bytes plus 8 of index
/// tuple header and 4 of line pointer, per row) and its whole size (with
/// free space and empty pages).
fn table_bytes(client: &mut postgres::Client, table: &str) -> (f64, f64, String, f64) {
    let row = client
        .query_one(
            &format!(
                "SELECT count(*)::float8, COALESCE(avg(pg_column_size(t.*)), 0)::float8, \
                        pg_total_relation_size('{table}')::float8 FROM {table} t"
            ),
            &[],
        )
        .expect("table size");
    let (rows, stored, total): (f64, f64, f64) = (row.get(0), row.get(1), row.get(2));
    // pg_column_size of a whole row counts its own 24-byte header already.
    let heap = (stored / 8.0).ceil() * 8.0 + 4.0;
    let indexes: Vec<String> = client
        .query(
            "SELECT i.relname, a.attname FROM pg_index x \
             JOIN pg_class i ON i.oid = x.indexrelid \
             JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = ANY (x.indkey) \
             WHERE x.indrelid = $1::text::regclass ORDER BY i.relname, a.attnum",
            &[&table],
        )
        .expect("indexes")
        .iter()
        .map(|row| format!("{}({})", row.get::<_, String>(0), row.get::<_, String>(1)))
        .collect();
    (rows, heap, indexes.join(", "), total)
}

/// Loads `size` org tokens on `repo:read` of one org that olive owns, and
/// an org token holding `tokctl:read` for the caller, through `Store::load`;
/// returns the secrets of the first (shuffled) and the caller's.
fn seed(topology: &Topology, db: &str, size: usize) -> (Vec<String>, String) {
    let now = chrono::Utc::now();
    let generator = Generator::default();
    let mut head = RecordBatch::default();
    head.orgs.push(OrgRecord {
        key: 1,
        name: "acme".into(),
        created_at: now,
    });
    head.users.push(UserRecord {
        key: 1,
        name: OWNER.into(),
        created_at: now,
        display_name: None,
        email: None,
        kind: "person".into(),
        removed_at: None,
    });
    head.memberships.push(MembershipRecord {
        org: 1,
        user: 1,
        role: Role::Owner,
        created_at: now,
    });
    let mut batches = vec![head];
    let mut secrets = Vec::with_capacity(size);
    let mut caller = String::new();
    for index in 0..=size {
        if batches
            .last()
            .is_none_or(|batch| batch.tokens.len() >= BATCH)
        {
            batches.push(RecordBatch::default());
        }
        let key = index as i64 + 1;
        let minted = generator
            .mint(TokenKind::Org, TokenId::from_key(key).expect("id"))
            .expect("mint");
        let is_caller = index == size;
        if is_caller {
            caller = minted.secret.expose().to_owned();
        } else {
            secrets.push(minted.secret.expose().to_owned());
        }
        let created_at = now - chrono::Duration::days(1);
        batches
            .last_mut()
            .expect("a batch")
            .tokens
            .push(TokenRecord {
                id: minted.id,
                kind: TokenKind::Org,
                org: 1,
                owner: None,
                name: if is_caller {
                    "gateway".into()
                } else {
                    format!("svc-{index:07}")
                },
                description: None,
                scopes: ScopeSet::parse_stored(if is_caller {
                    "tokctl:read"
                } else {
                    "repo:read"
                })
                .expect("scopes"),
                secret_hash: minted.hash,
                created_at,
                created_by: 1,
                expires_at: Some(now + chrono::Duration::days(365)),
                last_used_at: None,
                use_count: 0,
                revoked_at: None,
                revoked_by: None,
                revoke_reason: None,
                issued_at: created_at,
                deactivated_at: None,
                deactivated_by: None,
                deactivate_reason: None,
            });
    }
    let superuser = topology.password(&topology.superuser);
    let mut store = Store::connect(&topology.address(&topology.superuser, db), Some(&superuser))
        .expect("connect")
        .store;
    common::load_batches(&mut store, &batches, size as i64 + 2);
    common::shuffle(&mut secrets);
    (secrets, caller)
}

/// Waits until the replica has replayed everything the primary wrote.
fn wait_for_replay(topology: &Topology) {
    let mut admin = topology.admin(false, "postgres");
    let began = Instant::now();
    loop {
        let behind: f64 = admin
            .query_one(
                "SELECT COALESCE(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), -1)::float8 \
                 FROM pg_stat_replication",
                &[],
            )
            .expect("replication")
            .get(0);
        if behind == 0.0 {
            return;
        }
        assert!(
            began.elapsed() < Duration::from_secs(120),
            "the replica did not catch up ({behind} bytes behind)"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One row: `instances` servers under load at once.
struct Row {
    rate: f64,
    p50: Duration,
    p99: Duration,
    /// Requests wrk had answered, between the snapshots (the denominator
    /// of the per-1,000 figures).
    verifications: f64,
    replica_share: f64,
    cpu_replica_ms: f64,
    cpu_primary_ms: f64,
    cpu_bouncer_ms: f64,
    cpu_serve_ms: f64,
    wal_bytes: f64,
    flushes: u64,
    lag: Lag,
    /// The most server connections seen to the bench's database.
    connections: (i64, i64),
}

/// Replay lag samples: bytes and seconds, each sorted.
#[derive(Default)]
struct Lag {
    bytes: Vec<f64>,
    seconds: Vec<f64>,
}

impl Lag {
    fn bytes_and_seconds(&self, p: f64) -> String {
        let pick = |values: &[f64]| {
            if values.is_empty() {
                return 0.0;
            }
            let index = ((values.len() as f64 - 1.0) * p / 100.0).round() as usize;
            values[index.min(values.len() - 1)]
        };
        format!(
            "{:.1} KiB, {:.1} ms",
            pick(&self.bytes) / 1024.0,
            pick(&self.seconds) * 1000.0
        )
    }
}

fn run_instances(
    topology: &Topology,
    db: &str,
    script: &Path,
    dir: &Path,
    instances: usize,
    seconds: u64,
    ticks: f64,
) -> Row {
    let servers: Vec<Server> = (0..instances)
        .map(|i| Server::start(topology, db, dir, i))
        .collect();
    // Until each reads from the replica (right after the start, reads go
    // to the primary until the probe has found the replica fresh).
    for server in &servers {
        server.wait_for_replica_reads();
    }
    let mut primary = topology.admin(false, "postgres");
    let wal_before = current_lsn(&mut primary);
    let cpu_before = (
        cluster_ticks(&topology.replica_data()),
        cluster_ticks(&topology.primary_data()),
        topology.bouncer_pid().map_or(0, process_ticks),
    );
    let stop = AtomicBool::new(false);
    let (results, lag, connections) = std::thread::scope(|scope| {
        let runs: Vec<_> = servers
            .iter()
            .map(|server| {
                let url = format!("http://127.0.0.1:{}/v1/verify", server.port);
                scope.spawn(move || wrk(&url, script, 1, CONNECTIONS, seconds))
            })
            .collect();
        let sampler = scope.spawn(|| sample_lag(topology, db, &stop));
        let results: Vec<Measured> = runs
            .into_iter()
            .map(|run| run.join().expect("wrk thread"))
            .collect();
        stop.store(true, Ordering::Relaxed);
        let (lag, connections) = sampler.join().expect("sampler thread");
        (results, lag, connections)
    });
    let mut replica_reads = 0.0;
    let mut all_reads = 0.0;
    let mut serve_ticks = 0;
    for server in &servers {
        let metrics = server.metrics();
        for path in ["primary", "replica", "stale_replica"] {
            let value = metric(
                &metrics,
                &format!("tokctl_serve_store_reads_total{{path=\"{path}\"}}"),
            );
            all_reads += value;
            if path == "replica" {
                replica_reads += value;
            }
        }
        serve_ticks += process_ticks(server.child.id());
    }
    // The servers write what they counted last as they stop, inside the
    // window.
    let flushes: u64 = servers.into_iter().map(Server::stop).sum();
    let requests: f64 = results.iter().map(|r| r.requests).sum();
    let cpu_after = (
        cluster_ticks(&topology.replica_data()),
        cluster_ticks(&topology.primary_data()),
        topology.bouncer_pid().map_or(0, process_ticks),
    );
    let wal_after = current_lsn(&mut primary);
    let wal_bytes: f64 = primary
        .query_one(
            "SELECT pg_wal_lsn_diff($1::text::pg_lsn, $2::text::pg_lsn)::float8",
            &[&wal_after, &wal_before],
        )
        .expect("lsn diff")
        .get(0);
    let to_ms = |ticks_used: u64| ticks_used as f64 * 1000.0 / ticks;
    let rate = results.iter().map(|r| r.rate).sum();
    let mut p50s: Vec<Duration> = results.iter().map(|r| r.p50).collect();
    let mut p99s: Vec<Duration> = results.iter().map(|r| r.p99).collect();
    p50s.sort();
    p99s.sort();
    Row {
        rate,
        // The slowest instance's, so the row is what every client sees at worst.
        p50: p50s[p50s.len() - 1],
        p99: p99s[p99s.len() - 1],
        verifications: requests,
        replica_share: replica_reads / all_reads.max(1.0),
        cpu_replica_ms: to_ms(cpu_after.0.saturating_sub(cpu_before.0)),
        cpu_primary_ms: to_ms(cpu_after.1.saturating_sub(cpu_before.1)),
        cpu_bouncer_ms: to_ms(cpu_after.2.saturating_sub(cpu_before.2)),
        cpu_serve_ms: to_ms(serve_ticks),
        wal_bytes,
        flushes,
        lag,
        connections,
    }
}

fn current_lsn(client: &mut postgres::Client) -> String {
    client
        .query_one("SELECT pg_current_wal_lsn()::text", &[])
        .expect("lsn")
        .get(0)
}

/// Samples the replica's replay lag (as the primary sees it) and the server
/// connections to `db` on both every 100 ms until `stop`.
fn sample_lag(topology: &Topology, db: &str, stop: &AtomicBool) -> (Lag, (i64, i64)) {
    let mut primary = topology.admin(false, "postgres");
    let mut replica = topology.admin(true, "postgres");
    let mut lag = Lag::default();
    let mut connections = (0, 0);
    let count = "SELECT count(*) FROM pg_stat_activity WHERE datname = $1";
    while !stop.load(Ordering::Relaxed) {
        let row = primary
            .query_one(
                "SELECT COALESCE(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), 0)::float8, \
                        COALESCE(max(EXTRACT(epoch FROM replay_lag)), 0)::float8 \
                 FROM pg_stat_replication",
                &[],
            )
            .expect("replication");
        lag.bytes.push(row.get(0));
        lag.seconds.push(row.get(1));
        let on_primary: i64 = primary.query_one(count, &[&db]).expect("count").get(0);
        let on_replica: i64 = replica.query_one(count, &[&db]).expect("count").get(0);
        connections = (connections.0.max(on_primary), connections.1.max(on_replica));
        std::thread::sleep(Duration::from_millis(100));
    }
    lag.bytes.sort_by(f64::total_cmp);
    lag.seconds.sort_by(f64::total_cmp);
    (lag, connections)
}

/// One `tokctl serve` process as the verifier: `--db` through PgBouncer,
/// `--read-db` the replica.
struct Server {
    child: Child,
    port: u16,
    stderr: PathBuf,
}

impl Server {
    fn start(topology: &Topology, db: &str, dir: &Path, index: usize) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|addr| addr.port())
            .expect("free port");
        let stderr = dir.join(format!("serve-{index}.log"));
        let child = Command::new(tokctl_bin())
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--read-db", &topology.replica_url(VERIFIER, db)])
            .args(["--max-staleness", "1"])
            .args(["--flush-interval", &FLUSH_SECONDS.to_string()])
            .args(["--workers", &WORKERS.to_string()])
            .env_clear()
            .env("HOME", dir)
            .env("TOKCTL_DB", topology.pooled_url(VERIFIER, db))
            .env("PGPASSFILE", &topology.passfile)
            .env("TOKCTL_KEYRING", "off")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&stderr).expect("log file"))
            .spawn()
            .expect("tokctl serve");
        let began = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                began.elapsed() < Duration::from_secs(30),
                "tokctl serve did not start listening: {}",
                std::fs::read_to_string(&stderr).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Server {
            child,
            port,
            stderr,
        }
    }

    /// Waits until the health check is answered by the replica.
    fn wait_for_replica_reads(&self) {
        let began = Instant::now();
        loop {
            let _ = get(self.port, "/healthz");
            let metrics = get(self.port, "/metrics");
            if metric(&metrics, "tokctl_serve_store_reads_total{path=\"replica\"}") > 0.0 {
                return;
            }
            assert!(
                began.elapsed() < Duration::from_secs(30),
                "tokctl serve never read from the replica"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn metrics(&self) -> String {
        get(self.port, "/metrics")
    }

    /// Stops it with SIGTERM (it writes the last usage); its usage writes,
    /// from its closing note.
    fn stop(mut self) -> u64 {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let status = self.child.wait().expect("wait");
        let log = std::fs::read_to_string(&self.stderr).unwrap_or_default();
        assert!(status.success(), "tokctl serve failed:\n{log}");
        // "note: stopped after R requests; U uses and F refusals written in W writes"
        let note = log
            .lines()
            .find_map(|line| line.strip_prefix("note: stopped after "))
            .unwrap_or_else(|| panic!("no closing note in:\n{log}"));
        let number = |text: &str| -> u64 {
            text.split_whitespace()
                .next()
                .and_then(|word| word.parse::<u64>().ok())
                .unwrap_or(0)
        };
        note.rsplit_once(" in ").map_or(0, |(_, rest)| number(rest))
    }
}

/// A plain HTTP/1.1 GET; the body.
fn get(port: u16, path: &str) -> String {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    let _ = write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    );
    let mut text = String::new();
    let _ = stream.read_to_string(&mut text);
    text
}

/// The value of a metric line (name and labels as written).
fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|rest| rest.trim().parse().ok())
        .unwrap_or(0.0)
}

/// Ticks per second of `/proc`'s CPU times.
fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8_lossy(&out.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// The fields of `/proc/<pid>/stat` after the command name (the first is
/// the state, field 3).
fn stat_fields(pid: u32) -> Vec<String> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    text.rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

fn field(fields: &[String], number: usize) -> u64 {
    fields
        .get(number - 3)
        .and_then(|value| value.parse().ok())
        .unwrap_or(0)
}

/// User and system CPU ticks of process `pid`.
fn process_ticks(pid: u32) -> u64 {
    let fields = stat_fields(pid);
    field(&fields, 14) + field(&fields, 15)
}

/// CPU ticks of every process of the PostgreSQL server on `data`: the
/// postmaster, its children that run, and those that have exited (the
/// postmaster waited for them, so theirs is in its cutime and cstime).
fn cluster_ticks(data: &Path) -> u64 {
    let Some(postmaster) = std::fs::read_to_string(data.join("postmaster.pid"))
        .ok()
        .and_then(|text| {
            text.lines()
                .next()
                .and_then(|line| line.trim().parse::<u32>().ok())
        })
    else {
        return 0;
    };
    let own = stat_fields(postmaster);
    let mut ticks = field(&own, 14) + field(&own, 15) + field(&own, 16) + field(&own, 17);
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return ticks;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<u32>().ok())
        else {
            continue;
        };
        let fields = stat_fields(pid);
        if field(&fields, 4) == u64::from(postmaster) {
            ticks += field(&fields, 14) + field(&fields, 15);
        }
    }
    ticks
}

/// One usage write's cost on the primary.
struct Write {
    took: Duration,
    wal_bytes: f64,
    cpu_ms: f64,
}

/// Verifies each of `tokens` once as the verifier on the primary, usage
/// held, then writes it in one transaction, as `serve` does per interval:
/// its time, WAL and the primary's CPU.
fn usage_write(topology: &Topology, db: &str, tokens: &[String], ticks: f64) -> Write {
    let password = topology.password(VERIFIER);
    let store = Store::connect(&topology.address(VERIFIER, db), Some(&password))
        .expect("connect")
        .store;
    let actor = store.server_user().unwrap_or_default().to_owned();
    let mut session = common::session(store, Arc::new(SystemClock), actor);
    session.hold_usage();
    let scope = "repo:read".parse().expect("scope");
    for token in tokens {
        let verdict = session.verify(token, Some(&scope)).expect("verify");
        assert!(verdict.is_valid(), "a seeded token verifies");
    }
    let mut primary = topology.admin(false, "postgres");
    let before = current_lsn(&mut primary);
    let cpu_before = cluster_ticks(&topology.primary_data());
    let began = Instant::now();
    session.flush_usage().expect("usage write");
    let took = began.elapsed();
    let cpu_after = cluster_ticks(&topology.primary_data());
    let after = current_lsn(&mut primary);
    let wal_bytes: f64 = primary
        .query_one(
            "SELECT pg_wal_lsn_diff($1::text::pg_lsn, $2::text::pg_lsn)::float8",
            &[&after, &before],
        )
        .expect("lsn diff")
        .get(0);
    Write {
        took,
        wal_bytes,
        cpu_ms: cpu_after.saturating_sub(cpu_before) as f64 * 1000.0 / ticks,
    }
}
