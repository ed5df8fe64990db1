//! tokctl on a scaled-out team store: PgBouncer in transaction mode in
//! front of the primary, and a streaming replica for `serve --read-db`.
//! Real processes on loopback: the topology `scripts/test` starts with
//! `scripts/pg-topology` (`TOKCTL_TEST_TOPOLOGY`); without one these tests
//! say so loudly and pass, except in CI (`CI=true`), where they fail.
//!
//! The tests take turns (one lock): some stop the primary or the replica,
//! and start it again before they let go, even when they fail.
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::serve::Served;
use crate::team_store::{self, assert_one_error, Cluster, Env};

/// The clock the setup commands and the servers run at.
const NOW: &str = "2026-11-22T10:00:00Z";

/// The bound the servers here run with (`--max-staleness`).
const BOUND: Duration = Duration::from_millis(500);

/// The topology, from `TOKCTL_TEST_TOPOLOGY`: the primary's
/// `TOKCTL_TEST_PG` fields, then `replica_port`, `replica_socket`,
/// `bouncer_port` and `dir` (those the tests use).
pub struct Topology {
    /// The primary, reached directly.
    pub primary: Cluster,
    pub replica_port: u16,
    pub bouncer_port: u16,
    /// The directory `scripts/pg-topology` manages.
    pub dir: PathBuf,
    /// Held while the test runs: one topology test at a time.
    _turn: MutexGuard<'static, ()>,
}

static TURN: Mutex<()> = Mutex::new(());

impl Topology {
    /// The topology, or `None` (after a loud note) when there is none outside CI.
    pub fn get(test: &str) -> Option<Topology> {
        let Ok(text) = std::env::var("TOKCTL_TEST_TOPOLOGY") else {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("CI must run the topology tests: scripts/test starts them (packages postgresql, pgbouncer)");
            }
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED {test}: no replication topology (TOKCTL_TEST_TOPOLOGY unset; \
                 scripts/test starts one where postgresql and pgbouncer are installed) ***\n"
            );
            return None;
        };
        let turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
        let field = |name: &str| {
            text.split_whitespace()
                .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
                .unwrap_or_else(|| panic!("TOKCTL_TEST_TOPOLOGY lacks {name}"))
                .to_owned()
        };
        let topology = Topology {
            primary: Cluster::parse(&text),
            replica_port: field("replica_port").parse().unwrap(),
            bouncer_port: field("bouncer_port").parse().unwrap(),
            dir: field("dir").into(),
            _turn: turn,
        };
        // A test that failed before starting a server again left it for
        // the next one: start what is stopped.
        topology.restore();
        Some(topology)
    }

    /// Both servers running, the replica replaying.
    fn restore(&self) {
        self.control("start-primary");
        self.control("start-replica");
        self.replay(true);
    }

    /// Pauses or resumes the replica's replay of the primary's WAL (as the
    /// superuser, on the replica).
    pub fn replay(&self, on: bool) {
        let call = if on {
            "pg_wal_replay_resume"
        } else {
            "pg_wal_replay_pause"
        };
        self.replica_admin()
            .batch_execute(&format!("SELECT pg_catalog.{call}()"))
            .unwrap();
    }

    fn replica_admin(&self) -> postgres::Client {
        self.replica_admin_of("postgres")
    }

    /// The superuser's connection to `dbname` on the replica.
    fn replica_admin_of(&self, dbname: &str) -> postgres::Client {
        postgres::Config::new()
            .host("127.0.0.1")
            .port(self.replica_port)
            .user(&self.primary.superuser)
            .password(self.primary.superuser_password())
            .dbname(dbname)
            .connect(postgres::NoTls)
            .unwrap()
    }

    /// The store URL of `user` in `dbname` on the replica.
    pub fn replica_url(&self, user: &str, dbname: &str) -> String {
        format!(
            "postgres://{user}@127.0.0.1:{}/{dbname}?sslmode=disable",
            self.replica_port
        )
    }

    /// The primary as reached through PgBouncer (store URLs only).
    pub fn pooled(&self) -> Cluster {
        Cluster {
            pooler: Some(self.bouncer_port),
            ..self.primary.clone()
        }
    }

    /// `scripts/pg-topology ACTION DIR`; starting what runs is a no-op.
    pub fn control(&self, action: &str) {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/pg-topology");
        let out = Command::new(script)
            .arg(action)
            .arg(&self.dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg-topology {action}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Topology {
    /// Leaves both servers running for the next test, also after a failure
    /// (nothing here may panic again).
    fn drop(&mut self) {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/pg-topology");
        for action in ["start-primary", "start-replica"] {
            let _ = Command::new(&script).arg(action).arg(&self.dir).output();
        }
        let resumed = postgres::Config::new()
            .host("127.0.0.1")
            .port(self.replica_port)
            .user(&self.primary.superuser)
            .password(self.primary.superuser_password())
            .dbname("postgres")
            .connect(postgres::NoTls)
            .map(|mut admin| admin.batch_execute("SELECT pg_catalog.pg_wal_replay_resume()"));
        drop(resumed);
    }
}

/// `tokctl` with a cleared environment and the topology's pgpass file.
fn bare(url: &str, passfile: &std::path::Path, args: &[&str]) -> Output {
    let home = tempfile::tempdir().unwrap();
    Command::new(assert_cmd::cargo::cargo_bin("tokctl"))
        .env_clear()
        .env("HOME", home.path())
        .env("TOKCTL_DB", url)
        .env("PGPASSFILE", passfile)
        .args(args)
        .output()
        .unwrap()
}

/// The command-line flows of `team_store.rs`, through PgBouncer 1.18 in
/// transaction mode with `pool_mode=transaction`: the same transcripts as
/// on a local store. Before, the first statement's name collided on the
/// shared server sessions (and the start-up settings were refused).
#[test]
fn the_team_store_flows_through_pgbouncer_in_transaction_mode_are_the_same_as_local() {
    let Some(topology) = Topology::get("the_team_store_flows_through_pgbouncer") else {
        return;
    };
    let pooled = topology.pooled();
    team_store::same_on_local_and(&pooled, "pool_core", team_store::core_flow);
    team_store::same_on_local_and(&pooled, "pool_edit", team_store::edit_and_deactivate);
    team_store::same_on_local_and(&pooled, "pool_audit", team_store::audit_trail);
    team_store::same_on_local_and(&pooled, "pool_directory", team_store::directory_and_policy);
}

/// What broke first through PgBouncer: several tokctl processes at once,
/// each preparing its statements as `s0`, `s1`, … on server sessions they
/// share, failed with `prepared statement "s0" already exists` (or `does
/// not exist`). With `pool_mode=transaction` none is prepared: 8 writers
/// at once all succeed, each token has its own id, and the chain holds.
#[test]
fn concurrent_commands_through_pgbouncer_no_longer_collide_on_prepared_statements() {
    let Some(topology) = Topology::get("concurrent_commands_through_pgbouncer") else {
        return;
    };
    let mut env = Env::team(&topology.pooled(), "pool_concurrent");
    env.ok("olive", &["org", "list"]);
    let env = &env;
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..8)
            .map(|worker| {
                scope.spawn(move || {
                    for n in 0..3 {
                        let name = format!("w{worker}-{n}");
                        let args = [
                            "create",
                            "--name",
                            &name,
                            "--scope",
                            "repo:read",
                            "--expires",
                            "1d",
                        ];
                        let out = env.cmd("olive", &args).output().unwrap();
                        assert!(
                            out.status.success(),
                            "{}",
                            String::from_utf8_lossy(&out.stderr)
                        );
                        let out = env.cmd("mia", &["list"]).output().unwrap();
                        assert!(
                            out.status.success() || out.status.code() == Some(5),
                            "{}",
                            String::from_utf8_lossy(&out.stderr)
                        );
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
    });
    let out = env
        .cmd("olive", &["list", "--format", "json"])
        .output()
        .unwrap();
    let tokens: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut ids: Vec<&str> = tokens
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 24);
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 24, "every token has its own id");
    let out = env
        .cmd("olive", &["audit", "verify", "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], true, "{report}");
}

/// Without `pool_mode=transaction`, PgBouncer refuses the start-up
/// settings of a direct connection: one line that names the cure, exit 6.
#[test]
fn pgbouncer_without_pool_mode_is_refused_with_one_line_that_names_it() {
    let Some(topology) = Topology::get("pgbouncer_without_pool_mode") else {
        return;
    };
    let url = format!(
        "postgres://olive@127.0.0.1:{}/postgres?sslmode=disable",
        topology.bouncer_port
    );
    let out = bare(&url, &topology.primary.passfile, &["list"]);
    assert_one_error(&out, 6, "add pool_mode=transaction to the store URL");
}

/// A pooler that logs every client in to the server as one login
/// (PgBouncer's `user=` for a database) would make tokctl act as that
/// login: mia, let in by PgBouncer with her own password, would be olive
/// on the server. Refused before anything is read, exit 6.
#[test]
fn a_pooler_that_logs_everyone_in_as_one_login_is_refused() {
    let Some(topology) = Topology::get("a_pooler_that_logs_everyone_in_as_one_login") else {
        return;
    };
    let url = format!(
        "postgres://mia@127.0.0.1:{}/one_login?sslmode=disable&pool_mode=transaction",
        topology.bouncer_port
    );
    let out = bare(&url, &topology.primary.passfile, &["list"]);
    assert_one_error(&out, 6, "acts as the database login 'olive'");
}

/// `tokctl serve` as the verifier vera on `env`'s team store, with `--db`
/// as `env` reaches the primary (directly or through PgBouncer) and
/// `--read-db` the replica, at most [`BOUND`] stale, 2 workers.
fn serve_on_replica(env: &Env, topology: &Topology, args: &[&str]) -> Served {
    let db = env.team.as_ref().unwrap();
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("tokctl"));
    cmd.env_clear()
        .env("HOME", env.dir.path())
        .env("TOKCTL_DB", db.cluster.url("vera", &db.name))
        .env("PGPASSFILE", &db.cluster.passfile)
        .env("TOKCTL_TEST_NOW", NOW);
    let replica = topology.replica_url("vera", &db.name);
    let bound = BOUND.as_secs_f64().to_string();
    let mut full = vec![
        "--read-db",
        &replica,
        "--max-staleness",
        &bound,
        "--workers",
        "2",
    ];
    full.extend_from_slice(args);
    Served::spawn(cmd, &full, None)
}

/// A personal token of olive's expiring in 30 days: its secret.
fn mint(env: &mut Env, name: &str) -> String {
    env.at(NOW);
    env.secret(
        "olive",
        &[
            "create",
            "--name",
            name,
            "--scope",
            "repo:read",
            "--expires",
            "30d",
        ],
    )
}

/// The value of a metric line (name and labels as written) in `/metrics`.
fn metric(server: &Served, line: &str) -> f64 {
    let text = String::from_utf8(server.request("GET", "/metrics", &[], b"").body).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(line)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {line} in {text}"))
        .parse()
        .unwrap()
}

fn reads(server: &Served, path: &str) -> f64 {
    metric(
        server,
        &format!("tokctl_serve_store_reads_total{{path=\"{path}\"}}"),
    )
}

/// The verdict for `token`, asked of `server` as `caller` (if any).
fn ask_as(server: &Served, caller: Option<&str>, token: &str) -> Value {
    let answer = server.post("/v1/verify", caller, &json!({ "token": token }));
    assert_eq!(answer.status, 200, "{answer:?}; {}", server.stderr());
    answer.json()
}

/// The verdict for `token`, asked of `server` without a caller.
fn ask(server: &Served, token: &str) -> Value {
    ask_as(server, None, token)
}

/// Asks for `token` (valid) as `caller` until `server` has answered from
/// the replica (at most 10 s); how many times it asked.
fn until_replica_reads(server: &Served, caller: Option<&str>, token: &str) -> u64 {
    let before = reads(server, "replica");
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut asked = 0;
    while reads(server, "replica") <= before {
        assert!(
            Instant::now() < deadline,
            "no read from the replica: {}",
            server.stderr()
        );
        assert_eq!(ask_as(server, caller, token)["valid"], true);
        asked += 1;
        std::thread::sleep(Duration::from_millis(20));
    }
    asked
}

/// A token's use count, as its owner sees it.
fn use_count(env: &mut Env, name: &str) -> u64 {
    let shown: Value =
        serde_json::from_str(&env.ok("olive", &["show", name, "--format", "json"])).unwrap();
    shown["use_count"].as_u64().unwrap()
}

/// Stops `server` with SIGTERM: it must exit 0 without a panic.
fn stop(server: Served) -> String {
    let (code, stderr) = server.stop();
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

/// Two instances, each with `--db` through PgBouncer and `--read-db` the
/// replica, behind a round-robin the test plays: every verification either
/// answered (most of them from the replica) reaches the primary exactly
/// once, counted when each is stopped gracefully, and the chain they
/// extended verifies.
#[test]
fn two_servers_reading_a_replica_through_pgbouncer_count_exactly() {
    let Some(topology) = Topology::get("two_servers_reading_a_replica") else {
        return;
    };
    let mut env = Env::team(&topology.pooled(), "replica_counts");
    let caller = env.secret(
        "olive",
        &[
            "create",
            "--org-token",
            "--name",
            "gateway",
            "--scope",
            "tokctl:read",
            "--expires",
            "30d",
        ],
    );
    let web = mint(&mut env, "web");
    let deploy = mint(&mut env, "deploy");
    let old = mint(&mut env, "old");
    env.ok("olive", &["revoke", "old"]);
    let servers = [
        serve_on_replica(&env, &topology, &[]),
        serve_on_replica(&env, &topology, &[]),
    ];
    // Until each has found the replica fresh (right after the setup, reads
    // go to the primary).
    let mut warm_up = 0;
    for server in &servers {
        warm_up += until_replica_reads(server, Some(&caller), &web);
    }
    let names = [("web", &web), ("deploy", &deploy), ("old", &old)];
    let mut uses: BTreeMap<&str, u64> = BTreeMap::new();
    let mut refused = 0;
    for i in 0..90 {
        let (name, token) = names[(i / 2) % names.len()];
        let answer = servers[i % 2].post("/v1/verify", Some(&caller), &json!({ "token": token }));
        assert_eq!(answer.status, 200, "{answer:?}");
        let valid = answer.json()["valid"] == true;
        assert_eq!(valid, name != "old", "{name}: {answer:?}");
        if valid {
            *uses.entry(name).or_default() += 1;
        } else {
            refused += 1;
        }
    }
    assert_eq!(refused, 30);
    // Two reads per request (the caller, the token), nearly all from the
    // replica while it keeps up.
    let replica_reads: f64 = servers.iter().map(|s| reads(s, "replica")).sum();
    assert!(replica_reads >= 170.0, "{replica_reads}");
    for server in servers {
        stop(server);
    }
    assert_eq!(use_count(&mut env, "web"), uses["web"] + warm_up);
    assert_eq!(use_count(&mut env, "deploy"), uses["deploy"]);
    assert_eq!(use_count(&mut env, "old"), 0);
    // Every request had a valid caller: a use of its token each.
    assert_eq!(use_count(&mut env, "gateway"), 90 + warm_up);
    env.ok("olive", &["audit", "verify"]);
}

/// A token revoked on the primary is refused by both instances once the
/// bound has passed since the revocation committed, and never later:
/// with the replica keeping up (answered from the replica), and with its
/// replay paused (the replica falls behind the bound, so the primary
/// answers).
#[test]
fn a_revocation_on_the_primary_is_refused_by_both_servers_within_the_bound() {
    let Some(topology) = Topology::get("a_revocation_on_the_primary_is_refused") else {
        return;
    };
    let mut env = Env::team(&topology.primary, "replica_revoke");
    let first = mint(&mut env, "first");
    let second = mint(&mut env, "second");
    let servers = [
        serve_on_replica(&env, &topology, &["--no-caller-auth"]),
        serve_on_replica(&env, &topology, &["--no-caller-auth"]),
    ];
    for server in &servers {
        until_replica_reads(server, None, &first);
        assert_eq!(ask(server, &second)["valid"], true);
    }

    // The replica keeps up: after the bound, every answer is a refusal,
    // and the replica gives it.
    env.ok("olive", &["revoke", "first"]);
    let committed = Instant::now();
    std::thread::sleep(BOUND.saturating_sub(committed.elapsed()));
    for server in &servers {
        let replica_before = reads(server, "replica");
        for _ in 0..10 {
            let verdict = ask(server, &first);
            assert_eq!(verdict["valid"], false, "{verdict}");
            assert_eq!(verdict["reason"], "revoked", "{verdict}");
        }
        assert!(reads(server, "replica") >= replica_before + 10.0);
    }

    // The replica stops replaying: it never sees the revocation, so after
    // the bound every answer comes from the primary, and is a refusal.
    topology.replay(false);
    env.ok("olive", &["revoke", "second"]);
    let committed = Instant::now();
    std::thread::sleep(BOUND.saturating_sub(committed.elapsed()));
    for server in &servers {
        let primary_before = reads(server, "primary");
        for _ in 0..10 {
            let verdict = ask(server, &second);
            assert_eq!(verdict["reason"], "revoked", "{verdict}");
        }
        assert!(reads(server, "primary") >= primary_before + 10.0);
        let stale = metric(server, "tokctl_serve_replica_staleness_seconds");
        assert!(stale > BOUND.as_secs_f64(), "{stale}");
    }
    // The replica indeed still holds it unrevoked.
    let db = env.team.as_ref().unwrap();
    let unrevoked: bool = topology
        .replica_admin_of(&db.name)
        .query_one(
            "SELECT revoked_at IS NULL FROM tokctl.tokens WHERE name = 'second'",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(unrevoked);
    topology.replay(true);
    for server in servers {
        stop(server);
    }
}

/// The replica stops under load: the requests that found its connections
/// gone are answered from the primary, none fails; once it is back and
/// fresh, reads go to it again; the counts are exact.
#[test]
fn stopping_the_replica_falls_back_to_the_primary_with_no_failed_request() {
    let Some(topology) = Topology::get("stopping_the_replica_falls_back") else {
        return;
    };
    let mut env = Env::team(&topology.primary, "replica_stops");
    let web = mint(&mut env, "web");
    let server = serve_on_replica(&env, &topology, &["--no-caller-auth"]);
    let mut asked = until_replica_reads(&server, None, &web);
    for _ in 0..10 {
        assert_eq!(ask(&server, &web)["valid"], true);
        asked += 1;
    }
    topology.control("stop-replica");
    let primary_before = reads(&server, "primary");
    for _ in 0..20 {
        assert_eq!(ask(&server, &web)["valid"], true);
        asked += 1;
    }
    assert!(reads(&server, "primary") >= primary_before + 20.0);
    assert_eq!(
        metric(&server, "tokctl_serve_store_up{store=\"replica\"}"),
        0.0
    );
    topology.control("start-replica");
    asked += until_replica_reads(&server, None, &web);
    let stderr = stop(server);
    assert!(!stderr.contains("could not write"), "{stderr}");
    assert_eq!(use_count(&mut env, "web"), asked);
}

/// The primary stops: while the replica is still known fresh within the
/// bound it answers; after that an instance answers 503 (and /healthz
/// says so), unless it was started with --allow-stale-reads, which goes on
/// answering from the replica. What that one counted meanwhile waits in
/// memory and is written once the primary is back.
#[test]
fn stopping_the_primary_answers_503_unless_stale_reads_are_allowed() {
    let Some(topology) = Topology::get("stopping_the_primary_answers_503") else {
        return;
    };
    let mut env = Env::team(&topology.primary, "primary_stops");
    let web = mint(&mut env, "web");
    let strict = serve_on_replica(&env, &topology, &["--no-caller-auth"]);
    let lenient = serve_on_replica(
        &env,
        &topology,
        &[
            "--no-caller-auth",
            "--allow-stale-reads",
            "--flush-interval",
            "1",
        ],
    );
    let mut valid = 0;
    for server in [&strict, &lenient] {
        valid += until_replica_reads(server, None, &web);
    }
    topology.control("stop-primary");
    // Past the bound, and a probe or two later.
    std::thread::sleep(BOUND + Duration::from_millis(600));
    for _ in 0..5 {
        let answer = strict.post("/v1/verify", None, &json!({ "token": web }));
        assert_eq!(answer.status, 503, "{answer:?}");
        assert_eq!(answer.json()["error"], "store_unavailable");
        assert_eq!(ask(&lenient, &web)["valid"], true);
        valid += 1;
    }
    assert_eq!(strict.request("GET", "/healthz", &[], b"").status, 503);
    assert_eq!(lenient.request("GET", "/healthz", &[], b"").status, 200);
    assert!(reads(&lenient, "stale_replica") >= 5.0);
    assert_eq!(
        metric(&lenient, "tokctl_serve_store_up{store=\"primary\"}"),
        0.0
    );
    // A write of usage was tried and failed meanwhile; the counts wait.
    std::thread::sleep(Duration::from_millis(1200));
    assert!(lenient.stderr().contains("could not write usage counts"));

    topology.control("start-primary");
    let deadline = Instant::now() + Duration::from_secs(10);
    while strict.request("GET", "/healthz", &[], b"").status != 200 {
        assert!(Instant::now() < deadline, "{}", strict.stderr());
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(ask(&strict, &web)["valid"], true);
    valid += 1;
    stop(strict);
    stop(lenient);
    assert_eq!(use_count(&mut env, "web"), valid);
    env.ok("olive", &["audit", "verify"]);
}
