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

use super::team_store::{Cluster, Env};

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
