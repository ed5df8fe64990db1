//! Several `tokctl serve` instances on one team store: two real servers,
//! each logged in to PostgreSQL as a verifier (`team grant --verifier`, no
//! tokctl user), behind a round-robin the test plays itself. Every valid
//! verification either of them answered must reach the store exactly once,
//! and the audit chain their writes extend must stay intact. Needs the
//! throwaway cluster `scripts/test` starts (`TOKCTL_TEST_PG`); without one
//! the test says so loudly and passes, except in CI (`CI=true`).
use std::collections::BTreeMap;
use std::process::Command;

use serde_json::{json, Value};

use crate::serve::Served;
use crate::team_store::{Cluster, Env};

/// The clock the setup commands and both servers run at.
const NOW: &str = "2026-11-22T10:00:00Z";

/// `tokctl` logged in to the team store as the verifier vera.
fn as_verifier(env: &Env) -> Command {
    let db = env.team.as_ref().unwrap();
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("tokctl"));
    cmd.env_clear()
        .env("HOME", env.dir.path())
        .env("TOKCTL_DB", db.cluster.url("vera", &db.name))
        .env("PGPASSFILE", &db.cluster.passfile)
        .env("TOKCTL_TEST_NOW", NOW);
    cmd
}

/// A personal token of olive's expiring in 30 days: its secret.
fn mint(env: &mut Env, name: &str, scope: &str) -> String {
    env.secret(
        "olive",
        &[
            "create",
            "--name",
            name,
            "--scope",
            scope,
            "--expires",
            "30d",
        ],
    )
}

/// "note: stopped after R requests; U uses and F refusals written in W writes".
fn written(stderr: &str) -> (u64, u64) {
    let line = stderr
        .lines()
        .find(|line| line.contains(" refusals written in "))
        .unwrap_or_else(|| panic!("no summary line: {stderr}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    let after = |word: &str| -> u64 {
        let at = words.iter().position(|w| *w == word).unwrap();
        words[at - 1].parse().unwrap()
    };
    (after("uses"), after("refusals"))
}

#[test]
fn two_servers_as_a_verifier_on_one_team_store_write_exact_counts() {
    let Some(cluster) = Cluster::get("two_servers_as_a_verifier_on_one_team_store") else {
        return;
    };
    let mut env = Env::team(&cluster, "serve_team");
    // olive, the first user of the store, owns org 'default'.
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
    let web = mint(&mut env, "web-ci", "repo:read");
    let deploy = mint(&mut env, "deploy", "repo:write");
    let old = mint(&mut env, "old", "repo:read");
    env.ok("olive", &["revoke", "old"]);

    let servers = [
        Served::spawn(as_verifier(&env), &["--workers", "2"], None),
        Served::spawn(as_verifier(&env), &["--workers", "2"], None),
    ];

    // (token, scope, the name whose use it is when valid)
    let kinds: [(&str, Option<&str>, Option<&str>); 6] = [
        (&web, None, Some("web-ci")),
        (&web, Some("repo:read"), Some("web-ci")),
        (&deploy, Some("repo:read"), Some("deploy")),
        (&web, Some("repo:write"), None), // insufficient_scope
        (&old, None, None),               // revoked
        ("tkp_garbage", None, None),      // malformed
    ];
    let mut uses: BTreeMap<&str, u64> = BTreeMap::new();
    let mut refusals = 0u64;
    let mut asked = [0u64; 2];
    const N: usize = 120;
    for i in 0..N {
        // Round-robin; the kind changes every second request so that every
        // kind goes to both servers.
        let which = i % 2;
        let (token, scope, name) = kinds[(i / 2) % kinds.len()];
        let mut body = json!({ "token": token });
        if let Some(scope) = scope {
            body["scope"] = Value::from(scope);
        }
        let answer = servers[which].post("/v1/verify", Some(&caller), &body);
        assert_eq!(answer.status, 200, "{answer:?}");
        let verdict = answer.json();
        assert_eq!(verdict["valid"], name.is_some(), "request {i}: {verdict}");
        match name {
            Some(name) => *uses.entry(name).or_default() += 1,
            None => refusals += 1,
        }
        asked[which] += 1;
    }
    for (which, server) in servers.iter().enumerate() {
        // A batch on each.
        let batch = json!({"tokens": [web, deploy, "tkp_garbage"], "scope": "repo:read"});
        let answer = server.post("/v1/verify/batch", Some(&caller), &batch);
        assert_eq!(answer.status, 200, "{answer:?}");
        let valid: Vec<bool> = answer.json()["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|verdict| verdict["valid"] == true)
            .collect();
        assert_eq!(valid, [true, true, false]);
        *uses.entry("web-ci").or_default() += 1;
        *uses.entry("deploy").or_default() += 1;
        refusals += 1;
        asked[which] += 1;
        // A caller refused: its refusal is counted, the body not looked at.
        let answer = server.post("/v1/verify", Some(&old), &json!({ "token": web }));
        assert_eq!(answer.status, 401, "{answer:?}");
        refusals += 1;
        // No caller at all: nothing to count.
        let answer = server.post("/v1/verify", None, &json!({ "token": web }));
        assert_eq!(answer.status, 401, "{answer:?}");
    }
    // Every request a valid caller made is a use of the caller's token.
    uses.insert("gateway", asked[0] + asked[1]);

    let mut written_uses = 0;
    let mut written_refusals = 0;
    for server in servers {
        let (code, stderr) = server.stop();
        assert_eq!(code, 0, "{stderr}");
        assert!(!stderr.contains("warning"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        let (u, r) = written(&stderr);
        written_uses += u;
        written_refusals += r;
    }
    assert_eq!(written_uses, uses.values().sum::<u64>());
    assert_eq!(written_refusals, refusals);

    // As the owner: each token's count is exactly what was sent for it.
    for (name, expected) in &uses {
        let shown: Value =
            serde_json::from_str(&env.ok("olive", &["show", name, "--format", "json"])).unwrap();
        assert_eq!(shown["use_count"], *expected, "{name}: {shown}");
    }
    let shown: Value =
        serde_json::from_str(&env.ok("olive", &["show", "old", "--format", "json"])).unwrap();
    assert_eq!(shown["use_count"], 0, "{shown}");
    // The refusals are in the trail, written by the verifier, and the chain
    // the two servers extended concurrently still verifies.
    let db = env.team.as_ref().unwrap();
    let row = db
        .cluster
        .admin(&db.name)
        .query_one(
            "SELECT coalesce(sum((details::jsonb ->> 'count')::bigint), 0)::bigint, \
                    count(DISTINCT actor)::bigint, min(actor) \
             FROM tokctl.audit_events WHERE action = 'token.verify' AND outcome = 'denied'",
            &[],
        )
        .unwrap();
    assert_eq!(row.get::<_, i64>(0) as u64, refusals);
    assert_eq!(row.get::<_, i64>(1), 1);
    assert_eq!(row.get::<_, String>(2), "vera");
    env.ok("olive", &["audit", "verify"]);
}

/// What broke first on a team store: a worker's extra connection was
/// refused ("an in-memory store cannot be opened a second time"), a
/// verification panicked on the async worker (the PostgreSQL client blocks
/// on a runtime of its own), and so did closing the connections at the stop.
#[test]
fn serve_on_a_team_store_opens_a_connection_per_worker_and_stops_without_panicking() {
    let Some(cluster) = Cluster::get("serve_on_a_team_store_opens_a_connection_per_worker") else {
        return;
    };
    let mut env = Env::team(&cluster, "serve_workers");
    let web = mint(&mut env, "web-ci", "repo:read");
    let server = Served::spawn(
        as_verifier(&env),
        &["--workers", "3", "--no-caller-auth"],
        None,
    );
    for _ in 0..3 {
        let answer = server.post("/v1/verify", None, &json!({ "token": web }));
        assert_eq!(answer.json()["valid"], true, "{answer:?}");
    }
    let (code, stderr) = server.stop();
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("3 uses and 0 refusals written in 1 writes"),
        "{stderr}"
    );
}

/// The team store's server ends the service's sessions and refuses new
/// ones for a while (a restart, a failover): each request in that time is
/// answered 503 `store_unavailable`, `/healthz` says 503, nothing panics;
/// once connections are allowed again the next request connects anew and
/// is answered, and every use counted before, during and after is written.
#[test]
fn a_team_store_that_goes_away_is_answered_503_and_reconnected_when_back() {
    let Some(cluster) = Cluster::get("a_team_store_that_goes_away_is_answered_503") else {
        return;
    };
    let mut env = Env::team(&cluster, "serve_503");
    let web = mint(&mut env, "web-ci", "repo:read");
    let server = Served::spawn(
        as_verifier(&env),
        &[
            "--workers",
            "1",
            "--no-caller-auth",
            "--flush-interval",
            "3600",
        ],
        None,
    );
    let mut valid = 0;
    for _ in 0..2 {
        let answer = server.post("/v1/verify", None, &json!({ "token": web }));
        assert_eq!(answer.json()["valid"], true, "{answer:?}");
        valid += 1;
    }

    let db = env.team.as_ref().unwrap();
    let mut admin = db.cluster.admin("postgres");
    let go_away = |admin: &mut postgres::Client, allow: bool| {
        admin
            .batch_execute(&format!(
                "ALTER DATABASE {} ALLOW_CONNECTIONS {allow}",
                db.name
            ))
            .unwrap();
        if !allow {
            admin
                .execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = $1 AND usename = 'vera'",
                    &[&db.name],
                )
                .unwrap();
        }
    };
    go_away(&mut admin, false);
    for _ in 0..3 {
        let answer = server.post("/v1/verify", None, &json!({ "token": web }));
        assert_eq!(answer.status, 503, "{answer:?}");
        assert_eq!(answer.json()["error"], "store_unavailable", "{answer:?}");
        let text = String::from_utf8_lossy(&answer.body).into_owned();
        assert!(!text.contains(&web), "{text}");
    }
    let health = server.request("GET", "/healthz", &[], b"");
    assert_eq!(health.status, 503, "{health:?}");

    go_away(&mut admin, true);
    let answer = server.post("/v1/verify", None, &json!({ "token": web }));
    assert_eq!(answer.json()["valid"], true, "{answer:?}");
    valid += 1;
    let health = server.request("GET", "/healthz", &[], b"");
    assert_eq!(health.status, 200, "{health:?}");
    let metrics = String::from_utf8(server.request("GET", "/metrics", &[], b"").body).unwrap();
    assert!(
        metrics.contains("tokctl_serve_store_reconnects_total 1\n"),
        "{metrics}"
    );

    let (code, stderr) = server.stop();
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let shown: Value =
        serde_json::from_str(&env.ok("olive", &["show", "web-ci", "--format", "json"])).unwrap();
    assert_eq!(shown["use_count"], valid, "{shown}");
    env.ok("olive", &["audit", "verify"]);
}
