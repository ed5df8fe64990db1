//! Governance through the binary: roles, org policy and its enforcement,
//! per-resource scopes, the compliance check.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use crate::common::{assert_error, TestEnv};

/// alice owns `default`; bob is an admin, carol a member.
fn org_with_people() -> TestEnv {
    let env = TestEnv::new();
    for (user, role) in [("bob", "admin"), ("carol", "member")] {
        env.ok(&["user", "add", user]);
        env.ok(&[
            "member", "add", "--org", "default", "--user", user, "--role", role,
        ]);
    }
    env
}

#[test]
fn a_member_cannot_revoke_an_admins_token() {
    let env = org_with_people();
    let bob = env.as_user("bob");
    bob.create(&["--name", "bobs", "--scope", "repo:read", "--expires", "1d"]);
    let id = bob.json(&["show", "bobs", "--format", "json"])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let carol = env.as_user("carol");
    let before = env.store_bytes();
    let out = carol.run(&["revoke", &id]);
    assert_error(
        &out,
        5,
        "forbidden: managing this token needs the admin role in org 'default'",
    );
    assert!(env.store_bytes() == before);
    // An admin may revoke anyone's token.
    env.as_user("bob").ok(&["revoke", "bobs"]);
}

#[test]
fn only_owners_change_policy_and_members() {
    let env = org_with_people();
    let bob = env.as_user("bob");
    let before = env.store_bytes();
    assert_error(
        &bob.run(&["org", "policy", "default", "--max-tokens", "5"]),
        5,
        "needs the owner role",
    );
    assert_error(
        &bob.run(&[
            "member", "add", "--org", "default", "--user", "carol", "--role", "admin",
        ]),
        5,
        "needs the owner role",
    );
    assert!(env.store_bytes() == before);
    // Anyone in the org may read the policy.
    env.as_user("carol").ok(&["org", "policy", "default"]);
}

#[test]
fn the_last_owner_cannot_be_removed_or_demoted() {
    let env = org_with_people();
    let before = env.store_bytes();
    assert_error(
        &env.run(&["member", "remove", "--org", "default", "--user", "alice"]),
        2,
        "last owner",
    );
    assert_error(
        &env.run(&[
            "member", "add", "--org", "default", "--user", "alice", "--role", "admin",
        ]),
        2,
        "last owner",
    );
    assert!(env.store_bytes() == before);
    env.ok(&[
        "member", "add", "--org", "default", "--user", "bob", "--role", "owner",
    ]);
    env.ok(&[
        "member", "add", "--org", "default", "--user", "alice", "--role", "admin",
    ]);
}

#[test]
fn removing_a_member_revokes_their_tokens_in_that_org() {
    let env = org_with_people();
    let carol = env.as_user("carol");
    carol.create(&[
        "--name",
        "carols",
        "--scope",
        "repo:read",
        "--expires",
        "1d",
    ]);
    env.ok(&["member", "remove", "--org", "default", "--user", "carol"]);
    let token = env.json(&["show", "carols", "--format", "json"]);
    assert_eq!(token["status"], "revoked");
    assert_eq!(token["revoke_reason"], "removed from org default by alice");
}

#[test]
fn an_expiry_beyond_the_max_lifetime_is_refused_with_the_maximum_or_clamped() {
    let env = org_with_people();
    env.ok(&["org", "policy", "default", "--max-lifetime", "90d"]);
    let bob = env.as_user("bob");
    let before = env.store_bytes();
    let out = bob.run(&[
        "create",
        "--org-token",
        "--scope",
        "repo:read",
        "--expires",
        "1y",
    ]);
    assert_error(
        &out,
        5,
        "max lifetime of 90d allows (at the latest 2027-02-20T10:00:00Z)",
    );
    assert_error(
        &bob.run(&["create", "--scope", "repo:read", "--expires", "never"]),
        5,
        "max lifetime",
    );
    assert!(env.store_bytes() == before);
    // Exactly at the maximum is fine; beyond it with --clamp-expiry is cut to it.
    bob.create(&["--name", "edge", "--scope", "repo:read", "--expires", "90d"]);
    bob.create(&[
        "--name",
        "clamped",
        "--scope",
        "repo:read",
        "--expires",
        "1y",
        "--clamp-expiry",
    ]);
    let clamped = bob.json(&["show", "clamped", "--format", "json"]);
    assert_eq!(clamped["expires_at"], "2027-02-20T10:00:00Z");
}

#[test]
fn required_expiry_allowed_scopes_and_member_tokens_are_enforced() {
    let env = org_with_people();
    env.ok(&[
        "org",
        "policy",
        "default",
        "--require-expiry",
        "--allowed-scopes",
        "repo:*,issues:read",
        "--member-tokens",
        "deny",
    ]);
    let bob = env.as_user("bob");
    let carol = env.as_user("carol");
    let before = env.store_bytes();
    assert_error(
        &bob.run(&["create", "--scope", "repo:read", "--expires", "never"]),
        5,
        "requires an expiry",
    );
    assert_error(
        &bob.run(&["create", "--scope", "issues:write", "--expires", "1d"]),
        5,
        "scope issues:write is not in the org's allowed scopes",
    );
    assert_error(
        &carol.run(&["create", "--scope", "repo:read", "--expires", "1d"]),
        5,
        "does not allow members to hold personal tokens",
    );
    assert_error(
        &bob.run(&[
            "create",
            "--user",
            "carol",
            "--scope",
            "repo:read",
            "--expires",
            "1d",
        ]),
        5,
        "does not allow members",
    );
    assert!(env.store_bytes() == before);
    bob.create(&["--scope", "repo:admin", "--expires", "1d"]);
    bob.create(&["--scope", "issues:read", "--expires", "1d"]);
}

#[test]
fn the_quota_counts_every_unpruned_token_and_refuses_at_the_limit() {
    let mut env = TestEnv::new();
    env.ok(&["org", "policy", "default", "--max-tokens", "2"]);
    env.create(&["--name", "one", "--scope", "repo:read", "--expires", "1d"]);
    env.create(&["--name", "two", "--scope", "repo:read", "--expires", "1d"]);
    let before = env.store_bytes();
    let out = env.run(&["create", "--scope", "repo:read", "--expires", "1d"]);
    assert_error(&out, 5, "the org has 2 tokens and its quota is 2");
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("hint: revoked and expired tokens count until pruned"));
    assert!(env.store_bytes() == before);
    env.ok(&["revoke", "one"]);
    assert_error(
        &env.run(&["create", "--scope", "repo:read", "--expires", "1d"]),
        5,
        "quota is 2",
    );
    env.at("2026-12-30T00:00:00Z");
    env.ok(&["prune", "--before", "7d", "--yes"]);
    env.create(&["--name", "three", "--scope", "repo:read", "--expires", "1d"]);
}

#[test]
fn a_tightened_policy_is_checked_against_existing_tokens_and_can_revoke_them() {
    let env = org_with_people();
    env.create(&[
        "--name",
        "forever",
        "--scope",
        "repo:read",
        "--expires",
        "never",
    ]);
    env.create(&[
        "--name",
        "issues",
        "--scope",
        "issues:write",
        "--expires",
        "30d",
    ]);
    env.create(&["--name", "ok", "--scope", "repo:read", "--expires", "30d"]);
    env.as_user("carol").create(&[
        "--name",
        "carols",
        "--scope",
        "repo:read",
        "--expires",
        "30d",
    ]);
    assert_eq!(env.run(&["policy", "check"]).status.code(), Some(0));

    env.ok(&[
        "org",
        "policy",
        "default",
        "--max-lifetime",
        "1y",
        "--allowed-scopes",
        "repo:*",
        "--member-tokens",
        "deny",
    ]);
    let out = env.run(&["policy", "check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(23));
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut rules: Vec<(String, String)> = findings
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| {
            f["violations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| {
                    (
                        f["token"]["name"].as_str().unwrap().to_owned(),
                        v["rule"].as_str().unwrap().to_owned(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    rules.sort();
    assert_eq!(
        rules,
        [
            ("carols".to_owned(), "member_tokens".to_owned()),
            ("forever".to_owned(), "max_lifetime".to_owned()),
            ("issues".to_owned(), "allowed_scopes".to_owned()),
        ]
    );

    let before = env.store_bytes();
    assert_eq!(
        env.run(&["policy", "check", "--revoke", "--dry-run"])
            .status
            .code(),
        Some(23)
    );
    assert_eq!(
        env.run(&["policy", "check", "--revoke"]).status.code(),
        Some(8)
    );
    assert!(env.store_bytes() == before);
    env.ok(&["policy", "check", "--revoke", "--yes"]);
    assert_eq!(env.run(&["policy", "check"]).status.code(), Some(0));
    assert_eq!(env.names(&[]), ["ok"]);
    let forever = env.json(&["show", "forever", "--format", "json"]);
    assert!(forever["revoke_reason"]
        .as_str()
        .unwrap()
        .starts_with("policy: expires later than"));
    assert_eq!(
        env.count("SELECT count(*) FROM audit_events WHERE action = 'org.policy'"),
        1
    );
}

#[test]
fn rotation_must_meet_the_current_policy() {
    let env = TestEnv::new();
    env.create(&[
        "--name",
        "forever",
        "--scope",
        "repo:read",
        "--expires",
        "never",
    ]);
    env.ok(&["org", "policy", "default", "--max-lifetime", "30d"]);
    let before = env.store_bytes();
    assert_error(&env.run(&["rotate", "forever"]), 5, "max lifetime of 30d");
    assert!(env.store_bytes() == before);
    env.ok(&["rotate", "forever", "--clamp-expiry"]);
    let token = env.json(&["show", "forever", "--format", "json"]);
    assert_eq!(token["expires_at"], "2026-12-22T10:00:00Z");
}

#[test]
fn per_resource_scopes_narrow_what_a_token_covers() {
    let env = TestEnv::new();
    let narrow = env.create(&[
        "--name",
        "narrow",
        "--scope",
        "repo:write",
        "--resource",
        "repo=web,api",
        "--scope",
        "issues:read",
        "--expires",
        "1d",
    ]);
    let shown = env.json(&["show", "narrow", "--format", "json"]);
    assert_eq!(
        shown["scopes"],
        serde_json::json!(["issues:read", "repo:write[api,web]"])
    );
    assert!(env.ok(&["list"]).contains("repo:write[api,web]"));

    let verify = |args: &[&str]| env.verify(&narrow, args).0;
    assert_eq!(
        verify(&["--scope", "repo:read", "--resource", "repo=api"]),
        0
    );
    assert_eq!(
        verify(&["--scope", "repo:write", "--resource", "repo=web"]),
        0
    );
    assert_eq!(
        verify(&["--scope", "repo:read", "--resource", "repo=docs"]),
        13
    );
    assert_eq!(
        verify(&["--scope", "repo:read"]),
        13,
        "a narrowed token does not cover every repo"
    );
    assert_eq!(
        verify(&["--scope", "issues:read", "--resource", "issues=anything"]),
        0
    );
    assert_error(
        &env.run_stdin(
            &["verify", "--scope", "repo:read", "--resource", "issues=x"],
            narrow.clone(),
        ),
        2,
        "--resource names 'issues' but --scope is about 'repo'",
    );
    // Filters see narrowed scopes too.
    assert_eq!(env.names(&["--scope", "repo:read"]), ["narrow"]);

    let before = env.store_bytes();
    for (args, needle) in [
        (
            &["--resource", "repo=api"][..],
            "no --scope names this resource",
        ),
        (
            &["--scope", "repo:read", "--resource", "repo="][..],
            "must start with a letter or digit",
        ),
        (
            &["--scope", "repo:read", "--resource", "repo"][..],
            "expected RESOURCE=NAME",
        ),
    ] {
        let mut full = vec!["create", "--expires", "1d"];
        full.extend_from_slice(args);
        if !args.contains(&"--scope") {
            full.extend_from_slice(&["--scope", "issues:read"]);
        }
        assert_error(&env.run(&full), 2, needle);
    }
    let fifty_one: Vec<String> = (0..51).map(|i| format!("r{i}")).collect();
    let too_many = format!("repo={}", fifty_one.join(","));
    assert_error(
        &env.run(&[
            "create",
            "--scope",
            "repo:read",
            "--resource",
            &too_many,
            "--expires",
            "1d",
        ]),
        2,
        "at most 50 names",
    );
    assert!(env.store_bytes() == before);
}

/// `--scope repo:read --resource repo=base,node --scope repo:write --resource
/// repo=web` once minted only `repo:write[web]`.
#[test]
fn resource_flags_for_two_scopes_keep_both_grants() {
    let env = TestEnv::new();
    let secret = env.create(&[
        "--name",
        "mixed",
        "--scope",
        "repo:read",
        "--resource",
        "repo=base,node",
        "--scope",
        "repo:write",
        "--resource",
        "repo=web",
        "--expires",
        "1d",
    ]);
    let shown = env.json(&["show", "mixed", "--format", "json"]);
    assert_eq!(
        shown["scopes"],
        serde_json::json!(["repo:write[web]", "repo:read[base,node]"])
    );
    let verify = |args: &[&str]| env.verify(&secret, args).0;
    assert_eq!(
        verify(&["--scope", "repo:read", "--resource", "repo=base"]),
        0
    );
    assert_eq!(
        verify(&["--scope", "repo:read", "--resource", "repo=node"]),
        0
    );
    assert_eq!(
        verify(&["--scope", "repo:write", "--resource", "repo=web"]),
        0
    );
    assert_eq!(
        verify(&["--scope", "repo:write", "--resource", "repo=base"]),
        13
    );

    // The bracket form says the same thing.
    env.create(&[
        "--name",
        "bracketed",
        "--scope",
        "repo:read[base,node]",
        "--scope",
        "repo:write[web]",
        "--expires",
        "1d",
    ]);
    let shown = env.json(&["show", "bracketed", "--format", "json"]);
    assert_eq!(
        shown["scopes"],
        serde_json::json!(["repo:write[web]", "repo:read[base,node]"])
    );
}

/// `--resource repo=base --resource repo=node` once kept only `node`.
#[test]
fn repeated_resource_flags_merge() {
    let env = TestEnv::new();
    let secret = env.create(&[
        "--name",
        "two-lists",
        "--scope",
        "repo:read",
        "--resource",
        "repo=base",
        "--resource",
        "repo=node",
        "--expires",
        "1d",
    ]);
    let shown = env.json(&["show", "two-lists", "--format", "json"]);
    assert_eq!(shown["scopes"], serde_json::json!(["repo:read[base,node]"]));
    assert_eq!(
        env.verify(
            &secret,
            &["--scope", "repo:read", "--resource", "repo=base"]
        )
        .0,
        0
    );
}

#[test]
fn a_resource_flag_no_earlier_scope_can_take_is_refused_and_writes_nothing() {
    let env = TestEnv::new();
    let before = env.store_bytes();
    let full = |args: &[&str]| {
        let mut full = vec!["create", "--name", "x", "--expires", "1d"];
        full.extend_from_slice(args);
        env.run(&full)
    };
    assert_error(
        &full(&["--resource", "repo=web", "--scope", "repo:read"]),
        2,
        "--resource repo=web comes before any --scope on 'repo'",
    );
    assert_error(
        &full(&["--scope", "issues:read", "--resource", "repo=web"]),
        2,
        "no --scope names this resource",
    );
    let names: Vec<String> = (0..51).map(|i| format!("r{i}")).collect();
    let first = format!("repo={}", names[..30].join(","));
    let second = format!("repo={}", names[30..].join(","));
    assert_error(
        &full(&[
            "--scope",
            "repo:read",
            "--resource",
            &first,
            "--resource",
            &second,
        ]),
        2,
        "at most 50 names",
    );
    assert!(env.store_bytes() == before);
    assert!(env.names(&["--all"]).is_empty());
}

#[test]
fn a_user_in_two_orgs_is_asked_for_the_org_by_the_binarys_hint() {
    let env = TestEnv::new();
    env.ok(&["org", "add", "second"]);
    let out = env.run(&["create", "--scope", "repo:read", "--expires", "1d"]);
    // The library says what is wrong; only the binary's hint names the flag.
    assert_error(&out, 2, "belongs to 2 orgs; name the one to use");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("hint: choose one with --org; your orgs: default, second"),
        "{stderr}"
    );
}
