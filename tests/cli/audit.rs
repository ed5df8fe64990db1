//! The audit trail through the binary: tamper evidence, atomicity with the
//! change it records, queries, retention, the usage report, bounded export.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use crate::common::{self, assert_error, TestEnv};

/// A store with some history: two tokens, uses, a rotation, a revocation.
fn store_with_history() -> TestEnv {
    let env = TestEnv::new();
    let a = env.create(&["--name", "a", "--scope", "repo:read", "--expires", "1y"]);
    env.create(&["--name", "b", "--scope", "repo:write", "--expires", "1y"]);
    assert_eq!(env.verify(&a, &[]).0, 0);
    env.ok(&["rotate", "b"]);
    env.ok(&["revoke", "a", "--reason", "done"]);
    env
}

fn sql(env: &TestEnv, statements: &str) {
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute_batch(statements).unwrap();
}

fn chain(env: &TestEnv) -> (i32, serde_json::Value) {
    let out = env.run(&["audit", "verify", "--format", "json"]);
    (
        out.status.code().unwrap(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

#[test]
fn an_untouched_chain_verifies() {
    let env = store_with_history();
    let (code, report) = chain(&env);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["ok"], true);
    let events = env.count("SELECT count(*) FROM audit_events");
    assert_eq!(report["checked"], events);
    assert_eq!(report["head_id"], events);
}

#[test]
fn an_edited_event_breaks_the_chain_there() {
    let env = store_with_history();
    sql(
        &env,
        "INSERT INTO audit_names (name) VALUES ('mallory');
         UPDATE audit_trail SET actor = (SELECT id FROM audit_names WHERE name = 'mallory')
         WHERE id = 3",
    );
    let (code, report) = chain(&env);
    assert_eq!(code, 9);
    assert_eq!(report["broken_at"], 3);
    assert!(report["problem"].as_str().unwrap().contains("edited"));
}

#[test]
fn a_deleted_event_breaks_the_chain_after_it() {
    let env = store_with_history();
    sql(&env, "DELETE FROM audit_trail WHERE id = 3");
    let (code, report) = chain(&env);
    assert_eq!(code, 9);
    assert_eq!(report["broken_at"], 4);
}

#[test]
fn an_inserted_event_breaks_the_chain() {
    let env = store_with_history();
    // Make room at id 3 and copy event 2 there, hashes and all.
    sql(
        &env,
        "UPDATE audit_trail SET id = id + 1000 WHERE id >= 3;
         UPDATE audit_trail SET id = id - 999 WHERE id >= 1003;
         INSERT INTO audit_trail (id, at, actor, action, outcome, org, token_id, target, details, hash)
           SELECT 3, at, actor, action, outcome, org, token_id, target, details, hash
           FROM audit_trail WHERE id = 2;",
    );
    let (code, report) = chain(&env);
    assert_eq!(code, 9);
    assert_eq!(report["broken_at"], 3);
}

#[test]
fn reordered_events_break_the_chain() {
    let env = store_with_history();
    sql(
        &env,
        "UPDATE audit_trail SET id = -3 WHERE id = 3;
         UPDATE audit_trail SET id = 3 WHERE id = 4;
         UPDATE audit_trail SET id = 4 WHERE id = -3;",
    );
    let (code, report) = chain(&env);
    assert_eq!(code, 9);
    assert_eq!(report["broken_at"], 3);
}

#[test]
fn a_failed_command_leaves_neither_its_change_nor_its_event() {
    let env = store_with_history();
    let events = env.count("SELECT count(*) FROM audit_events");
    let out = env
        .cmd(&[
            "create",
            "--keyring",
            "required",
            "--scope",
            "repo:read",
            "--expires",
            "1d",
        ])
        .env("TOKCTL_TEST_KEYRING_FAIL", "put")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7));
    assert_error(&env.run(&["revoke", "b", "missing"]), 3, "not found");
    assert_eq!(env.count("SELECT count(*) FROM audit_events"), events);
    assert_eq!(env.names(&[]), ["b"]);
}

#[test]
fn every_change_is_recorded_with_actor_and_no_secret() {
    let env = TestEnv::new();
    let secret = env.create(&["--name", "t", "--scope", "repo:read", "--expires", "1y"]);
    env.ok(&["rotate", "t"]);
    env.ok(&["user", "add", "bob"]);
    env.ok(&[
        "member", "add", "--org", "default", "--user", "bob", "--role", "member",
    ]);
    env.ok(&["revoke", "t"]);
    let export = env.ok(&["audit", "--format", "jsonl"]);
    let actions: Vec<String> = export
        .lines()
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line).unwrap()["action"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        actions,
        [
            "store.bootstrap",
            "token.create",
            "token.rotate",
            "user.add",
            "member.set",
            "token.revoke"
        ]
    );
    assert!(export
        .lines()
        .all(|line| line.contains("\"actor\":\"alice\"")));
    assert!(!export.contains(&secret[4..]), "no secret in the trail");
}

#[test]
fn queries_filter_by_token_action_and_time() {
    let mut env = store_with_history();
    env.at("2026-12-01T00:00:00Z");
    env.ok(&["revoke", "b"]);
    let count = |args: &[&str]| {
        let mut full = vec!["audit", "--format", "jsonl"];
        full.extend_from_slice(args);
        env.ok(&full).lines().count()
    };
    assert_eq!(count(&["--token", "b"]), 3, "create, rotate, revoke");
    assert_eq!(count(&["--action", "token.revoke"]), 2);
    assert_eq!(
        count(&["--action", "token"]),
        count(&[]) - 1,
        "all but the bootstrap"
    );
    assert_eq!(count(&["--since", "2026-11-30"]), 1);
    assert_eq!(count(&["--until", "2026-11-30"]), count(&[]) - 1);
    let csv = env.ok(&["audit", "--format", "csv", "--action", "token.revoke"]);
    assert!(
        csv.starts_with("id,at,actor,action,outcome,org,token_id,target,details,hash,os_user\r\n")
    );
}

#[test]
fn members_read_only_the_events_of_their_own_tokens() {
    let env = TestEnv::new();
    env.create(&[
        "--name",
        "alices",
        "--scope",
        "repo:read",
        "--expires",
        "1d",
    ]);
    env.ok(&["user", "add", "carol"]);
    env.ok(&[
        "member", "add", "--org", "default", "--user", "carol", "--role", "member",
    ]);
    let carol = env.as_user("carol");
    let out = carol.run(&["audit"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no events match"));
    carol.create(&[
        "--name",
        "carols",
        "--scope",
        "repo:read",
        "--expires",
        "1d",
    ]);
    let events = carol.json(&["audit", "--format", "json"]);
    let targets: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["target"].as_str().unwrap())
        .collect();
    assert_eq!(targets, ["carols"]);
    // The whole chain and the org's figures stay with admins.
    assert_error(&carol.run(&["audit", "verify"]), 5, "needs the admin role");
    assert_error(&carol.run(&["report"]), 5, "needs the admin role");
}

#[test]
fn retention_prunes_old_events_and_the_rest_still_verifies() {
    let mut env = store_with_history();
    env.at("2028-01-01T00:00:00Z");
    env.create(&["--name", "new", "--scope", "repo:read", "--expires", "1d"]);
    let total = env.count("SELECT count(*) FROM audit_events");
    let out = env.run(&["audit", "prune", "--before", "1y"]);
    assert_eq!(out.status.code(), Some(8), "needs --yes outside a terminal");
    env.ok(&["audit", "prune", "--before", "1y", "--yes"]);
    // Left: the new token's event and the prune's own event.
    assert_eq!(env.count("SELECT count(*) FROM audit_events"), 2);
    assert!(total > 2);
    let (code, report) = chain(&env);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["checkpoint_id"], total - 1);
    // Deleting the first event after the checkpoint is still caught.
    sql(&env, &format!("DELETE FROM audit_trail WHERE id = {total}"));
    assert_eq!(chain(&env).0, 9);
}

#[test]
fn the_report_counts_a_known_store() {
    let mut env = TestEnv::new();
    env.at("2025-01-01T00:00:00Z");
    let old = env.create(&[
        "--name",
        "old",
        "--scope",
        "repo:read",
        "--expires",
        "never",
    ]);
    assert_eq!(env.verify(&old, &[]).0, 0);
    env.at("2026-11-01T00:00:00Z");
    let recent = env.create(&[
        "--name",
        "recent",
        "--scope",
        "repo:read",
        "--expires",
        "25d",
    ]);
    for _ in 0..3 {
        assert_eq!(env.verify(&recent, &[]).0, 0);
    }
    env.create(&[
        "--name",
        "unused",
        "--scope",
        "repo:read",
        "--expires",
        "35d",
    ]);
    env.create(&[
        "--name",
        "deploy",
        "--org-token",
        "--scope",
        "repo:write",
        "--expires",
        "1y",
    ]);
    env.create(&["--name", "gone", "--scope", "repo:read", "--expires", "1y"]);
    env.ok(&["revoke", "gone"]);
    env.at(common::NOW);
    let report = env.json(&["report", "--format", "json"]);
    let org = &report[0];
    assert_eq!(org["org"], "default");
    assert_eq!(org["total"], 5);
    assert_eq!(
        org["by_status"],
        serde_json::json!({"active": 4, "deactivated": 0, "expired": 0, "revoked": 1})
    );
    assert_eq!(
        org["active_by_kind"],
        serde_json::json!({"org": 1, "personal": 3})
    );
    assert_eq!(
        org["active_by_owner"],
        serde_json::json!({"(org)": 1, "alice": 3})
    );
    assert_eq!(org["never_used"], 2);
    assert_eq!(
        org["last_use"],
        serde_json::json!({"under_30_days": 1, "under_90_days": 0, "under_1_year": 0, "older": 1, "never": 2})
    );
    assert_eq!(
        org["expiring_within_7_days"], 1,
        "recent expires 2026-11-26"
    );
    assert_eq!(org["expiring_within_30_days"], 2);
    assert_eq!(org["most_used"][0]["name"], "recent");
    assert_eq!(org["most_used"][0]["use_count"], 3);
    assert_eq!(org["most_used"][1]["name"], "old");
    let table = env.ok(&["report"]);
    assert!(
        table.contains("5 (4 active, 0 expired, 1 revoked)"),
        "{table}"
    );
}

/// Peak resident memory (KiB) of `tokctl audit --format jsonl`, via /usr/bin/time.
fn export_peak_kib(env: &TestEnv) -> Option<u64> {
    if !std::path::Path::new("/usr/bin/time").exists() {
        return None;
    }
    let out = std::process::Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(assert_cmd::cargo::cargo_bin("tokctl"))
        .args(["audit", "--format", "jsonl"])
        .env_clear()
        .env("TOKCTL_DB", env.db())
        .env("TOKCTL_USER", "alice")
        .stdout(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stderr)
        .unwrap()
        .trim()
        .lines()
        .last()?
        .parse()
        .ok()
}

/// Appends `n` refusal events through the library, in one transaction
/// (`verify --batch` now coalesces refusals, so garbage no longer makes them).
fn append_events(env: &TestEnv, n: usize) {
    let location = tokctl::store::StoreLocation {
        path: env.db(),
        create_dirs: false,
    };
    let mut store = tokctl::store::Store::open(&location).unwrap().store;
    let at = tokctl::duration::parse_time(common::NOW).unwrap();
    store
        .write(|q| {
            for i in 0..n {
                q.append_event(&tokctl::audit::NewEvent {
                    at,
                    actor: Some("alice".into()),
                    action: tokctl::audit::action::TOKEN_VERIFY,
                    outcome: tokctl::audit::Outcome::Denied,
                    org: None,
                    token_id: None,
                    target: None,
                    details: serde_json::json!({ "reason": "malformed", "count": i }),
                    os_user: None,
                })?;
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn exporting_a_large_log_streams_in_bounded_memory() {
    let env = TestEnv::new();
    // 2,000 and then 40,000 events.
    append_events(&env, 2_000);
    let Some(small) = export_peak_kib(&env) else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must measure memory: install the 'time' package"
        );
        eprintln!("skipped: /usr/bin/time not installed");
        return;
    };
    append_events(&env, 38_000);
    assert_eq!(env.count("SELECT count(*) FROM audit_events"), 40_001);
    let large = export_peak_kib(&env).unwrap();
    // Twenty times the events, about the same memory: rows stream, nothing accumulates.
    assert!(
        large < small + 4 * 1024,
        "peak {small} KiB for 2k events, {large} KiB for 40k"
    );
}
