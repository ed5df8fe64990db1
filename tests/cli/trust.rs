//! Regression tests through the binary for behaviours that once said one
//! thing and did another: rotation chains, who sees which audit events, use
//! history, inspecting a leaked token, and one meaning per filter.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use crate::common::TestEnv;

/// `alice` owns `default`; `kim` is a second owner, `u0001` a plain member.
fn org_with_people() -> TestEnv {
    let env = TestEnv::new();
    for (user, role) in [("kim", "owner"), ("u0001", "member")] {
        env.ok(&["user", "add", user]);
        env.ok(&[
            "member", "add", "--org", "default", "--user", user, "--role", role,
        ]);
    }
    env
}

#[test]
fn rotate_without_grace_after_a_grace_rotation_ends_every_old_secret() {
    let env = TestEnv::new();
    let s0 = env.create(&["--name", "b", "--scope", "repo:read", "--expires", "90d"]);
    let s1 = env.ok(&["rotate", "b", "--grace", "1d"]).trim().to_owned();
    let show = env.json(&["show", "b", "--format", "json"]);
    assert_eq!(show["old_secrets"].as_array().unwrap().len(), 1, "{show}");
    assert_eq!(
        show["old_secrets"][0]["valid_until"],
        "2026-11-23T10:00:00Z"
    );
    let out = env.run(&["rotate", "b"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("every old secret has stopped working"));
    let s2 = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert_eq!(
        env.verify(&s0, &[]).0,
        14,
        "the first secret must not survive"
    );
    assert_eq!(env.verify(&s1, &[]).0, 14);
    assert_eq!(env.verify(&s2, &[]).0, 0);
    let show = env.json(&["show", "b", "--format", "json"]);
    assert_eq!(show["old_secrets"], serde_json::json!([]));
}

#[test]
fn acting_as_an_owner_does_not_filter_the_audit_trail() {
    let env = org_with_people();
    env.create(&["--name", "a", "--scope", "repo:read", "--expires", "1d"]);
    let as_kim = env.json(&["--as", "kim", "audit", "--format", "json"]);
    let as_alice = env.json(&["audit", "--format", "json"]);
    assert!(!as_kim.as_array().unwrap().is_empty());
    assert_eq!(as_kim, as_alice, "both owners see the same trail");
}

#[test]
fn the_actor_filter_does_not_change_who_acts() {
    let env = org_with_people();
    env.create(&[
        "--name",
        "founders",
        "--scope",
        "repo:read",
        "--expires",
        "1d",
    ]);
    let member = env.as_user("u0001");
    member.create(&["--name", "mine", "--scope", "repo:read", "--expires", "1d"]);
    // A member filtering by the founder sees none of the founder's events.
    let events = member.json(&["audit", "--actor", "alice", "--format", "json"]);
    assert_eq!(events, serde_json::json!([]), "{events}");
    // ...and sees the events of their own token.
    let own = member.json(&["audit", "--format", "json"]);
    let own = own.as_array().unwrap();
    assert!(!own.is_empty());
    assert!(own.iter().all(|event| event["target"] == "mine"), "{own:?}");
    // `--as` picks the identity, `--actor` only the rows.
    let by_member = env.json(&[
        "--as", "alice", "audit", "--actor", "u0001", "--format", "json",
    ]);
    let by_member = by_member.as_array().unwrap();
    assert!(!by_member.is_empty());
    assert!(by_member.iter().all(|event| event["actor"] == "u0001"));
}

#[test]
fn list_and_revoke_dry_run_select_the_same_stale_tokens() {
    let mut env = TestEnv::new();
    env.create(&["--name", "lives", "--scope", "repo:read", "--expires", "5y"]);
    env.create(&[
        "--name",
        "ended",
        "--scope",
        "repo:read",
        "--expires",
        "30d",
    ]);
    env.at("2028-11-22T10:00:00Z");
    let ids = |value: serde_json::Value| -> Vec<String> {
        let mut ids: Vec<String> = value
            .as_array()
            .unwrap()
            .iter()
            .map(|token| token["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    for extra in [&[][..], &["--all"][..], &["--status", "expired"][..]] {
        let mut list = vec!["list", "--stale", "1y", "--format", "json"];
        list.extend_from_slice(extra);
        let mut dry = vec!["revoke", "--stale", "1y", "--dry-run", "--format", "json"];
        dry.extend_from_slice(extra);
        assert_eq!(ids(env.json(&list)), ids(env.json(&dry)), "{extra:?}");
    }
    assert_eq!(
        env.json(&["list", "--stale", "1y", "--format", "json"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // The real run revokes what the dry run showed, and only that.
    env.ok(&["revoke", "--stale", "1y", "--yes"]);
    assert_eq!(env.names(&["--status", "revoked"]), ["lives"]);
    assert_eq!(env.names(&["--status", "expired"]), ["ended"]);
}

#[test]
fn inspecting_a_leaked_secret_leaves_the_evidence_as_it_was() {
    let mut env = org_with_people();
    let secret = env.create(&[
        "--name",
        "leaky",
        "--scope",
        "repo:read",
        "--expires",
        "90d",
    ]);
    assert_eq!(env.verify(&secret, &[]).0, 0);
    env.at("2026-12-01T10:00:00Z");
    let before = env.json(&["show", "leaky", "--format", "json"]);
    let events = |env: &TestEnv, action: &str| {
        env.count(&format!(
            "SELECT count(*) FROM audit_events WHERE action = '{action}'"
        ))
    };
    let uses_before = events(&env, "token.use");

    let out = env.run_stdin(&["inspect", "--format", "json"], secret.clone());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains(&secret), "the secret is never echoed");
    let seen: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(seen["secret"], "current");
    assert_eq!(seen["token"]["name"], "leaky");
    assert_eq!(seen["token"]["owner"], "alice");

    let after = env.json(&["show", "leaky", "--format", "json"]);
    assert_eq!(after["last_used_at"], before["last_used_at"]);
    assert_eq!(after["use_count"], before["use_count"]);
    assert_eq!(events(&env, "token.use"), uses_before);
    assert_eq!(events(&env, "token.verify"), 0);
    assert_eq!(events(&env, "token.inspect"), 1);

    // A plain member may not learn whose it is; the attempt is audited.
    let member = env.as_user("u0001");
    let out = member.run_stdin(&["inspect"], secret.clone());
    assert_eq!(out.status.code(), Some(5));
    assert_eq!(events(&env, "token.inspect"), 2);
    // Garbage and strangers' tokens are refused like verify refuses them.
    assert_eq!(
        env.run_stdin(&["inspect"], "tkp_nonsense").status.code(),
        Some(10)
    );
}

#[test]
fn inspect_tells_an_old_secret_from_the_current_one() {
    let env = TestEnv::new();
    let old = env.create(&["--name", "r", "--scope", "repo:read", "--expires", "90d"]);
    env.ok(&["rotate", "r", "--grace", "1h"]);
    let seen: serde_json::Value = serde_json::from_str(
        &String::from_utf8(
            env.run_stdin(&["inspect", "--format", "json"], old.clone())
                .stdout,
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(seen["secret"], "old_still_valid");
    assert_eq!(seen["old_secret_valid_until"], "2026-11-22T11:00:00Z");
    env.ok(&["rotate", "r"]);
    let seen: serde_json::Value = serde_json::from_str(
        &String::from_utf8(env.run_stdin(&["inspect", "--format", "json"], old).stdout).unwrap(),
    )
    .unwrap();
    assert_eq!(seen["secret"], "old_ended");
}

#[test]
fn audit_and_show_say_when_a_token_was_used() {
    let mut env = TestEnv::new();
    let secret = env.create(&["--name", "ci", "--scope", "repo:read", "--expires", "90d"]);
    for _ in 0..3 {
        assert_eq!(env.verify(&secret, &[]).0, 0);
    }
    env.at("2026-11-24T15:30:00Z");
    assert_eq!(env.verify(&secret, &[]).0, 0);

    let audit = env.ok(&["audit", "--token", "ci"]);
    assert!(audit.contains("uses of 'ci': 4 in 2 hour(s)"), "{audit}");
    assert!(audit.contains("2026-11-22"), "{audit}");
    assert!(audit.contains("2026-11-24"), "{audit}");

    let show = env.json(&["show", "ci", "--usage", "--format", "json"]);
    assert_eq!(
        show["usage"],
        serde_json::json!([
            {"hour": "2026-11-22T10:00:00Z", "uses": 3},
            {"hour": "2026-11-24T15:00:00Z", "uses": 1},
        ])
    );
    let table = env.ok(&["show", "ci", "--usage"]);
    assert!(table.contains("15:00"), "{table}");
    let report = env.json(&["report", "--format", "json"]);
    assert_eq!(report[0]["uses_by_day"].as_array().unwrap().len(), 2);
}

#[test]
fn an_audit_action_filter_is_a_name_not_a_pattern() {
    let env = TestEnv::new();
    env.create(&["--name", "a", "--scope", "repo:read", "--expires", "1d"]);
    env.ok(&["revoke", "a"]);
    let all = env.json(&["audit", "--action", "token", "--format", "json"]);
    assert!(!all.as_array().unwrap().is_empty());
    for pattern in ["tok%", "t_ken", "%"] {
        let none = env.json(&["audit", "--action", pattern, "--format", "json"]);
        assert_eq!(none, serde_json::json!([]), "{pattern}");
    }
}

#[test]
fn inspect_does_not_call_an_expired_tokens_secret_working() {
    let mut env = TestEnv::new();
    let secret = env.create(&["--name", "short", "--scope", "repo:read", "--expires", "1h"]);
    let live = env.run_stdin(&["inspect"], secret.clone());
    assert!(String::from_utf8_lossy(&live.stderr).contains("this secret works"));
    env.at("2026-11-22T12:00:00Z");
    let out = env.run_stdin(&["inspect"], secret);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("this secret works"), "{stderr}");
}

#[test]
fn a_named_revoke_with_a_status_filter_is_refused_untouched() {
    let env = TestEnv::new();
    env.create(&["--name", "a", "--scope", "repo:read", "--expires", "1d"]);
    let before = env.store_bytes();
    for extra in ["--all", "--status=expired"] {
        let out = env.run(&["revoke", "a", extra, "--yes"]);
        assert_eq!(out.status.code(), Some(2), "{extra}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr)
                .matches("error:")
                .count(),
            1
        );
    }
    assert!(env.store_bytes() == before, "nothing written");
}

#[test]
fn audit_until_bounds_the_uses_as_it_bounds_the_events() {
    let mut env = TestEnv::new();
    let secret = env.create(&["--name", "ci", "--scope", "repo:read", "--expires", "90d"]);
    assert_eq!(env.verify(&secret, &[]).0, 0);
    env.at("2026-11-24T15:30:00Z");
    assert_eq!(env.verify(&secret, &[]).0, 0);
    let bounded = env.ok(&["audit", "--token", "ci", "--until", "2026-11-23T00:00:00Z"]);
    assert!(
        bounded.contains("uses of 'ci': 1 in 1 hour(s)"),
        "{bounded}"
    );
    assert!(!bounded.contains("2026-11-24"), "{bounded}");
}

#[test]
fn verify_says_when_an_old_secret_was_presented() {
    let env = TestEnv::new();
    let old = env.create(&["--name", "r", "--scope", "repo:read", "--expires", "90d"]);
    env.ok(&["rotate", "r", "--grace", "1h"]);
    let (code, table) = env.verify(&old, &[]);
    assert_eq!(code, 0);
    assert!(
        table.contains("an old one, working until 2026-11-22T11:00:00Z"),
        "{table}"
    );
}

/// `verify --scope 'repo:read[api]' --resource repo=web` once required only
/// `repo:read[web]`: the names in brackets were dropped, so a token for `web`
/// alone passed a check that asked for `api` too. The names now add up, as
/// they do for create.
#[test]
fn verify_resource_on_a_bracketed_scope_no_longer_drops_the_bracketed_names() {
    let env = TestEnv::new();
    let web_only = env.create(&[
        "--name",
        "web-only",
        "--scope",
        "repo:read[web]",
        "--expires",
        "1d",
    ]);
    let both = env.create(&[
        "--name",
        "both",
        "--scope",
        "repo:read[api,web]",
        "--expires",
        "1d",
    ]);
    let asked = ["--scope", "repo:read[api]", "--resource", "repo=web"];
    assert_eq!(env.verify(&web_only, &asked).0, 13);
    assert_eq!(env.verify(&both, &asked).0, 0);
}
