//! A team store under faults: a deadlock with another session (the whole
//! transaction runs again, once, and the keyring keeps nothing of the run
//! that rolled back), many processes at once as different logins (nothing
//! lost, counts add up, the chain intact), and the server crashing in the
//! middle of bulk changes (all or nothing, exit 6 with one line).
//!
//! The shared cluster is the one `scripts/test` starts (see
//! `team_store.rs`); the crash test starts a private one of its own with
//! `scripts/pg-cluster`, so the shared one never stops. Without
//! PostgreSQL these tests say so loudly and pass, except in CI.
use std::collections::{BTreeMap, BTreeSet};
use std::process::Output;
use std::time::{Duration, Instant};

use super::team_store::{assert_one_error, Cluster, Env};

/// The writers' advisory lock every tokctl write transaction takes first.
const WRITE_LOCK: &str = "pg_advisory_xact_lock(1953459043, 1)";

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The test keyring's entries (entry name → secret).
fn keyring_entries(env: &Env) -> BTreeMap<String, String> {
    match std::fs::read_to_string(env.dir.path().join("keyring.json")) {
        Ok(text) => serde_json::from_str(&text).unwrap(),
        Err(_) => BTreeMap::new(),
    }
}

/// Waits until a tokctl session of `db` waits for a lock.
fn await_tokctl_blocked(admin: &mut postgres::Client, db: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let waiting: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 \
                 AND application_name = 'tokctl' AND wait_event_type = 'Lock'",
                &[&db],
            )
            .unwrap()
            .get(0);
        if waiting > 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "tokctl never waited for the lock"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A bulk create that deadlocks with another session after its first token
/// is in the keyring: the server ends tokctl's transaction (40P01), tokctl
/// runs it again once the other session is done, and succeeds. Only the
/// second run's tokens exist, and the keyring holds exactly their secrets:
/// the entry the first run put is gone.
#[test]
fn a_deadlock_is_retried_and_the_command_succeeds_once() {
    let Some(cluster) = Cluster::get("deadlock") else {
        return;
    };
    let mut env = Env::team(&cluster, "deadlock");
    env.ok("olive", &["org", "list"]);
    let db = env.team.as_ref().unwrap().name.clone();
    let mut admin = cluster.admin(&db);
    // tokctl's sessions find the deadlock (the other waits far longer),
    // with time enough for the test to close the cycle.
    admin
        .batch_execute(&format!("ALTER DATABASE {db} SET deadlock_timeout = '3s'"))
        .unwrap();
    let next_key: i64 = admin
        .query_one(
            "SELECT value::bigint FROM tokctl.meta WHERE key = 'next_token_key'",
            &[],
        )
        .unwrap()
        .get(0);
    // The other session plants an uncommitted row with the key tokctl will
    // give its second token: that insert waits for this transaction.
    let mut other = cluster.admin(&db);
    let mut hold = other.transaction().unwrap();
    hold.batch_execute(&format!(
        "SET LOCAL deadlock_timeout = '60s';
         SAVEPOINT plant;
         SET LOCAL session_replication_role = replica;
         INSERT INTO tokctl.tokens (id, kind, org_id, owner_user_id, name, scopes, secret_hash,
                                    created_at, created_by, issued_at)
         SELECT {}, 'personal', o.id, u.id, 'planted', 'repo:read', decode(repeat('00', 32), 'hex'),
                0, u.id, 0
         FROM tokctl.orgs o, tokctl.users u WHERE o.name = 'default' AND u.name = 'olive'",
        next_key + 1
    ))
    .unwrap();
    let env_ref = &env;
    let out = std::thread::scope(|scope| {
        let create = scope.spawn(move || {
            env_ref
                .cmd(
                    "olive",
                    &[
                        "create",
                        "--count",
                        "2",
                        "--name",
                        "pair",
                        "--scope",
                        "repo:read",
                        "--expires",
                        "30d",
                    ],
                )
                .output()
                .unwrap()
        });
        await_tokctl_blocked(&mut admin, &db);
        // Close the cycle: wait for the lock tokctl holds. tokctl is the
        // one the server ends, so this returns (an error here would mean
        // this session was chosen instead).
        hold.batch_execute(&format!("SELECT {WRITE_LOCK}"))
            .expect("tokctl's session, not this one, is ended by the deadlock");
        // Let the second run make other keys than the first, then go.
        hold.batch_execute(
            "ROLLBACK TO SAVEPOINT plant;
             UPDATE tokctl.meta SET value = (value::bigint + 100)::text
             WHERE key = 'next_token_key'",
        )
        .unwrap();
        hold.commit().unwrap();
        create.join().unwrap()
    });
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("error") && !stderr(&out).contains("warning"),
        "{}",
        stderr(&out)
    );
    let secrets: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(secrets.len(), 2);
    // The server counted the deadlock (its statistics arrive a little later).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let deadlocks: i64 = admin
            .query_one(
                "SELECT deadlocks FROM pg_stat_database WHERE datname = $1",
                &[&db],
            )
            .unwrap()
            .get(0);
        if deadlocks >= 1 {
            break;
        }
        assert!(Instant::now() < deadline, "no deadlock was recorded");
        std::thread::sleep(Duration::from_millis(50));
    }
    let listed: serde_json::Value =
        serde_json::from_str(&env.ok("olive", &["list", "--format", "json"])).unwrap();
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|token| token["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["pair-1", "pair-2"], "made once, nothing planted");
    let kept: BTreeSet<String> = keyring_entries(&env).into_values().collect();
    assert_eq!(
        kept,
        secrets.iter().cloned().collect::<BTreeSet<_>>(),
        "the keyring holds the secrets printed and nothing of the run that rolled back"
    );
    for secret in &secrets {
        assert_eq!(env.verify("vera", secret, &[]), 0);
    }
    env.ok("olive", &["audit", "verify"]);
}

/// What a worker knows of one token it made.
#[derive(Debug, Clone)]
struct Tracked {
    name: String,
    secret: String,
    status: &'static str,
    uses: u64,
}

/// What one worker did.
#[derive(Debug, Default)]
struct WorkerLog {
    tokens: Vec<Tracked>,
    /// Commands run, by kind ("create", "verify", …).
    ran: BTreeMap<&'static str, u64>,
    /// Verifications refused as they should be (deactivated, revoked).
    refused: u64,
}

/// A small deterministic generator: each worker's run can be repeated.
struct Xorshift(u64);

impl Xorshift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// `tokctl ARGS` as `login`, keyring off (several processes at once would
/// race on the test keyring's one file), stdin if given; must exit `code`.
fn must(env: &Env, login: &str, args: &[&str], stdin: Option<&str>, code: i32) -> String {
    let mut cmd = env.cmd(login, args);
    cmd.env("TOKCTL_KEYRING", "off");
    if let Some(stdin) = stdin {
        cmd.write_stdin(stdin.to_owned());
    }
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "{login}: tokctl {args:?}: {}",
        stderr(&out)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `ops` mixed commands by `login` on tokens of its own (names `w{index}-…`):
/// create, list, revoke, rotate, edit, deactivate and activate, verify (as
/// itself or as the verifier vera). Every command must do what the worker
/// expects of the tokens it made, whatever the others do meanwhile.
fn worker(env: &Env, index: usize, login: &str, ops: usize) -> WorkerLog {
    let mut log = WorkerLog::default();
    let mut rng =
        Xorshift(0x9e37_79b9_7f4a_7c15 ^ (index as u64 + 1).wrapping_mul(0x2545_f491_4f6c_dd1d));
    for _ in 0..ops {
        let live: Vec<usize> = (0..log.tokens.len())
            .filter(|&i| log.tokens[i].status != "revoked")
            .collect();
        let mut kind = match rng.below(20) {
            0..=3 => "create",
            4..=9 => "verify",
            10..=11 => "list",
            12 => "revoke",
            13..=14 => "rotate",
            15..=16 => "edit",
            _ => "switch",
        };
        if live.is_empty() && kind != "list" {
            kind = "create";
        }
        *log.ran.entry(kind).or_default() += 1;
        let pick = if live.is_empty() {
            0
        } else {
            live[rng.below(live.len())]
        };
        match kind {
            "create" => {
                let name = format!("w{index}-{}", log.tokens.len());
                let secret = must(
                    env,
                    login,
                    &[
                        "create",
                        "--name",
                        &name,
                        "--scope",
                        "repo:read",
                        "--expires",
                        "30d",
                    ],
                    None,
                    0,
                );
                log.tokens.push(Tracked {
                    name,
                    secret: secret.trim_end().to_owned(),
                    status: "active",
                    uses: 0,
                });
            }
            "verify" => {
                // Now and then a revoked one, which must stay refused.
                let target = if rng.below(8) == 0 {
                    rng.below(log.tokens.len())
                } else {
                    pick
                };
                let token = &mut log.tokens[target];
                let verifier = if rng.below(2) == 0 { "vera" } else { login };
                let expected = match token.status {
                    "active" => 0,
                    "deactivated" => 15,
                    _ => 12,
                };
                must(env, verifier, &["verify"], Some(&token.secret), expected);
                if expected == 0 {
                    token.uses += 1;
                } else {
                    log.refused += 1;
                }
            }
            "list" => {
                let listed: serde_json::Value = serde_json::from_str(&must(
                    env,
                    login,
                    &["list", "--all", "--format", "json"],
                    None,
                    0,
                ))
                .unwrap();
                let seen: BTreeMap<&str, &str> = listed
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| (t["name"].as_str().unwrap(), t["status"].as_str().unwrap()))
                    .collect();
                for token in &log.tokens {
                    assert_eq!(
                        seen.get(token.name.as_str()),
                        Some(&token.status),
                        "{login} lists {}",
                        token.name
                    );
                }
            }
            "revoke" => {
                let token = &mut log.tokens[pick];
                must(env, login, &["revoke", &token.name, "--yes"], None, 0);
                token.status = "revoked";
            }
            "rotate" => {
                // Active or deactivated: either gets a new secret.
                let token = &mut log.tokens[pick];
                let secret = must(env, login, &["rotate", &token.name], None, 0);
                token.secret = secret.trim_end().to_owned();
            }
            "edit" => {
                let token = &log.tokens[pick];
                let description = format!("edited by {login} #{}", rng.below(1000));
                must(
                    env,
                    login,
                    &["edit", &token.name, "--description", &description],
                    None,
                    0,
                );
            }
            _ => {
                let token = &mut log.tokens[pick];
                let (command, after) = if token.status == "active" {
                    ("deactivate", "deactivated")
                } else {
                    ("activate", "active")
                };
                must(env, login, &[command, &token.name], None, 0);
                token.status = after;
            }
        }
    }
    log
}

/// 8 processes at once, 200 mixed commands each, as four different logins
/// (an owner, an admin, two members; the verifier verifies): afterwards no
/// token is lost or duplicated, every token's status and use count is what
/// its worker made it, the trail holds one event per change and one use
/// event per verification, and `audit verify` finds the chain intact.
#[test]
fn eight_processes_of_mixed_commands_lose_nothing() {
    let Some(cluster) = Cluster::get("eight_processes") else {
        return;
    };
    let mut env = Env::team(&cluster, "eight_processes");
    env.ok("olive", &["org", "list"]);
    for user in ["adam", "mia", "max"] {
        env.ok("olive", &["user", "add", user]);
    }
    for (user, role) in [("adam", "admin"), ("mia", "member"), ("max", "member")] {
        env.ok(
            "olive",
            &[
                "member", "add", "--org", "default", "--user", user, "--role", role,
            ],
        );
    }
    let ops: usize = std::env::var("TOKCTL_TEST_FAULT_OPS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(200);
    let logins = ["olive", "adam", "mia", "max", "olive", "adam", "mia", "max"];
    let started = Instant::now();
    let env_ref = &env;
    let logs: Vec<WorkerLog> = std::thread::scope(|scope| {
        let workers: Vec<_> = logins
            .iter()
            .enumerate()
            .map(|(index, login)| scope.spawn(move || worker(env_ref, index, login, ops)))
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let elapsed = started.elapsed();
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!("8 x {ops} commands in {:.1} s\n", elapsed.as_secs_f64()).as_bytes(),
    );
    let mut total: BTreeMap<&str, u64> = BTreeMap::new();
    for log in &logs {
        for (kind, count) in &log.ran {
            *total.entry(kind).or_default() += count;
        }
    }
    let tracked: BTreeMap<&str, &Tracked> = logs
        .iter()
        .flat_map(|log| log.tokens.iter())
        .map(|token| (token.name.as_str(), token))
        .collect();
    assert_eq!(
        tracked.len() as u64,
        total["create"],
        "every create made one token"
    );
    let listed: serde_json::Value =
        serde_json::from_str(&env.ok("olive", &["list", "--all", "--format", "json"])).unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(
        listed.len(),
        tracked.len(),
        "tokens created = tokens listed"
    );
    let mut uses = 0;
    for token in listed {
        let name = token["name"].as_str().unwrap();
        let expected = tracked
            .get(name)
            .unwrap_or_else(|| panic!("unknown token {name}"));
        assert_eq!(token["status"], expected.status, "{name}");
        assert_eq!(
            token["use_count"], expected.uses,
            "{name}: use count = verifications"
        );
        uses += expected.uses;
    }
    // The trail: one event per change, one use event per verification that
    // passed, one refusal event per one that did not.
    let db = env.team.as_ref().unwrap().name.clone();
    let mut admin = cluster.admin(&db);
    let counted: BTreeMap<String, i64> = admin
        .query(
            "SELECT action, count(*) FROM tokctl.audit_events GROUP BY action",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    let events = |action: &str| counted.get(action).copied().unwrap_or(0) as u64;
    assert_eq!(events("token.create"), total["create"]);
    assert_eq!(
        events("token.revoke"),
        total.get("revoke").copied().unwrap_or(0)
    );
    assert_eq!(
        events("token.rotate"),
        total.get("rotate").copied().unwrap_or(0)
    );
    assert_eq!(
        events("token.edit"),
        total.get("edit").copied().unwrap_or(0)
    );
    assert_eq!(
        events("token.deactivate") + events("token.activate"),
        total.get("switch").copied().unwrap_or(0)
    );
    assert_eq!(
        events("token.use"),
        uses,
        "one use event per verification that passed"
    );
    let refused: u64 = logs.iter().map(|log| log.refused).sum();
    assert_eq!(
        events("token.verify"),
        refused,
        "one refusal event per refused verification"
    );
    let report: serde_json::Value =
        serde_json::from_str(&env.ok("olive", &["audit", "verify", "--format", "json"])).unwrap();
    assert_eq!(report["ok"], true, "{report}");
}

/// A PostgreSQL cluster of this test's own (`scripts/pg-cluster start`),
/// which it may crash: stopped at once (`-m immediate`) and its files
/// removed when dropped, also when the test fails.
struct PrivateCluster {
    dir: tempfile::TempDir,
    cluster: Cluster,
}

impl PrivateCluster {
    fn start() -> PrivateCluster {
        let dir = tempfile::tempdir().unwrap();
        let out = pg_cluster(&["start"], dir.path());
        assert!(out.status.success(), "a private cluster: {}", stderr(&out));
        let line = String::from_utf8(out.stdout).unwrap();
        PrivateCluster {
            cluster: Cluster::parse(line.trim()),
            dir,
        }
    }

    /// The server stops at once: to its data, a crash.
    fn crash(&self) {
        let out = pg_cluster(&["crash"], self.dir.path());
        assert!(out.status.success(), "crash: {}", stderr(&out));
    }

    /// Starts again after a crash (recovery from the WAL).
    fn restart(&self) {
        let out = pg_cluster(&["restart"], self.dir.path());
        assert!(out.status.success(), "restart: {}", stderr(&out));
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let _ = pg_cluster(&["remove"], self.dir.path());
    }
}

/// `scripts/pg-cluster ARGS DIR`.
fn pg_cluster(args: &[&str], dir: &std::path::Path) -> Output {
    std::process::Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/pg-cluster"))
        .args(args)
        .arg(dir)
        .output()
        .unwrap()
}

/// Waits until tokctl, connected to `db`, has written inside its
/// transaction (the server gave it a transaction id); false if the command
/// ended first.
fn await_tokctl_writing(admin: &mut postgres::Client, db: &str, done: &dyn Fn() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let writing: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 \
                 AND application_name = 'tokctl' AND backend_xid IS NOT NULL",
                &[&db],
            )
            .unwrap()
            .get(0);
        if writing > 0 {
            return true;
        }
        if done() {
            return false;
        }
        assert!(Instant::now() < deadline, "tokctl never started writing");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// How many tokens named `prefix-…` there are, and how many are revoked, as
/// the superuser sees them.
fn count_named(cluster: &Cluster, db: &str, prefix: &str) -> (i64, i64) {
    let row = cluster
        .admin(db)
        .query_one(
            "SELECT count(*), count(revoked_at) FROM tokctl.tokens WHERE name LIKE $1 || '-%'",
            &[&prefix],
        )
        .unwrap();
    (row.get(0), row.get(1))
}

/// The server crashes (`pg_ctl stop -m immediate`) in the middle of a bulk
/// create and of a bulk revoke, 10 times each, on a private cluster: the
/// command under way exits 6 with one line, and after a restart its change
/// is all there or not at all (a bulk create of N: N tokens or none, with
/// their events; a bulk revoke: every token or none), and the audit chain
/// is intact.
#[test]
fn a_crash_mid_bulk_change_leaves_all_or_nothing() {
    if Cluster::get("crash").is_none() {
        return;
    }
    let started = Instant::now();
    // Declared first, dropped last: the database goes before the server.
    let private = PrivateCluster::start();
    let cluster = private.cluster.clone();
    let mut env = Env::team(&cluster, "crash");
    env.ok("olive", &["org", "list"]);
    let db = env.team.as_ref().unwrap().name.clone();
    const BATCH: usize = 150;
    let batch = BATCH.to_string();
    let mut interrupted = 0;
    let mut messages = BTreeSet::new();
    for round in 0..20 {
        let bulk_create = round % 2 == 0;
        let prefix = format!("r{round}");
        if !bulk_create {
            // Tokens for the bulk revoke to crash in, made beforehand.
            must(
                &env,
                "olive",
                &[
                    "create",
                    "--count",
                    &batch,
                    "--name",
                    &prefix,
                    "--scope",
                    "repo:read",
                    "--expires",
                    "30d",
                ],
                None,
                0,
            );
        }
        let args: Vec<String> = if bulk_create {
            [
                "create",
                "--count",
                &batch,
                "--name",
                &prefix,
                "--scope",
                "repo:read",
                "--expires",
                "30d",
            ]
            .map(str::to_owned)
            .to_vec()
        } else {
            vec![
                "revoke".into(),
                "--name".into(),
                format!("{prefix}-*"),
                "--yes".into(),
            ]
        };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut admin = cluster.admin(&db);
        let finished = std::sync::atomic::AtomicBool::new(false);
        let env_ref = &env;
        let out = std::thread::scope(|scope| {
            let command = scope.spawn(|| {
                let out = env_ref
                    .cmd("olive", &args)
                    .env("TOKCTL_KEYRING", "off")
                    .output()
                    .unwrap();
                finished.store(true, std::sync::atomic::Ordering::SeqCst);
                out
            });
            if await_tokctl_writing(&mut admin, &db, &|| {
                finished.load(std::sync::atomic::Ordering::SeqCst)
            }) {
                // Somewhere inside the transaction, not always at its start.
                std::thread::sleep(Duration::from_millis((round as u64 * 7) % 40));
                private.crash();
            }
            command.join().unwrap()
        });
        drop(admin);
        if out.status.code() == Some(6) {
            interrupted += 1;
            assert_one_error(&out, 6, "lost the connection to the team store");
            let message = stderr(&out);
            assert!(
                message.contains("so none of it was made")
                    || message.contains("made in full or not at all"),
                "the line says what became of the change: {message}"
            );
            messages.insert(message.trim_end().to_owned());
            assert!(
                out.stdout.is_empty(),
                "no secret of a token that may not exist"
            );
        } else {
            assert!(out.status.success(), "round {round}: {}", stderr(&out));
        }
        private.restart();
        let (made, revoked) = count_named(&cluster, &db, &prefix);
        if bulk_create {
            assert!(
                made == 0 || made == BATCH as i64,
                "round {round}: a bulk create of {BATCH} left {made} tokens"
            );
            assert_eq!(revoked, 0);
        } else {
            assert_eq!(made, BATCH as i64);
            assert!(
                revoked == 0 || revoked == BATCH as i64,
                "round {round}: a bulk revoke of {BATCH} revoked {revoked}"
            );
        }
        let report: serde_json::Value = serde_json::from_str(&must(
            &env,
            "olive",
            &["audit", "verify", "--format", "json"],
            None,
            0,
        ))
        .unwrap();
        assert_eq!(report["ok"], true, "round {round}: {report}");
    }
    // Events match rows: one create event per token, one revoke event per revocation.
    let mut admin = cluster.admin(&db);
    let row = admin
        .query_one(
            "SELECT (SELECT count(*) FROM tokctl.tokens),
                    (SELECT count(*) FROM tokctl.audit_events WHERE action = 'token.create'),
                    (SELECT count(revoked_at) FROM tokctl.tokens),
                    (SELECT count(*) FROM tokctl.audit_events WHERE action = 'token.revoke')",
            &[],
        )
        .unwrap();
    let (tokens, creates, revoked, revokes): (i64, i64, i64, i64) =
        (row.get(0), row.get(1), row.get(2), row.get(3));
    assert_eq!(
        tokens, creates,
        "a create event for every token and no other"
    );
    assert_eq!(
        revoked, revokes,
        "a revoke event for every revocation and no other"
    );
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!(
            "20 crashes, {interrupted} of them mid-command, in {:.1} s; messages: {messages:?}\n",
            started.elapsed().as_secs_f64()
        )
        .as_bytes(),
    );
    assert!(
        interrupted >= 10,
        "only {interrupted} of 20 crashes hit a command under way"
    );
    drop(env);
    drop(private);
}

/// A connection the server drops mid-change (`pg_terminate_backend`, as an
/// administrator or a failover would): one line, exit 6, saying nothing was
/// made, and nothing was; the next command works.
#[test]
fn a_dropped_connection_mid_change_exits_6_and_changes_nothing() {
    let Some(cluster) = Cluster::get("dropped") else {
        return;
    };
    let mut env = Env::team(&cluster, "dropped");
    env.ok("olive", &["org", "list"]);
    let db = env.team.as_ref().unwrap().name.clone();
    let mut admin = cluster.admin(&db);
    let finished = std::sync::atomic::AtomicBool::new(false);
    let env_ref = &env;
    let out = std::thread::scope(|scope| {
        let command = scope.spawn(|| {
            let out = env_ref
                .cmd(
                    "olive",
                    &[
                        "create",
                        "--count",
                        "300",
                        "--name",
                        "drop",
                        "--scope",
                        "repo:read",
                        "--expires",
                        "30d",
                    ],
                )
                .env("TOKCTL_KEYRING", "off")
                .output()
                .unwrap();
            finished.store(true, std::sync::atomic::Ordering::SeqCst);
            out
        });
        assert!(
            await_tokctl_writing(&mut admin, &db, &|| finished
                .load(std::sync::atomic::Ordering::SeqCst)),
            "the bulk create ended before it could be dropped"
        );
        admin
            .batch_execute(&format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = '{db}' AND application_name = 'tokctl'"
            ))
            .unwrap();
        command.join().unwrap()
    });
    assert_one_error(&out, 6, "so none of it was made");
    assert!(out.stdout.is_empty());
    assert_eq!(count_named(&cluster, &db, "drop"), (0, 0));
    env.ok("olive", &["audit", "verify"]);
    env.ok(
        "olive",
        &[
            "create",
            "--name",
            "after",
            "--scope",
            "repo:read",
            "--expires",
            "30d",
        ],
    );
}
