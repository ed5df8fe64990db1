//! Lifecycle through the binary: filters at their boundaries, rotation with
//! grace, bulk revoke rules, offboarding, leak response, prune, check.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use crate::common::{self, assert_error, TestEnv};

/// A store with tokens whose last use is known:
/// - `used-old`: used 2025-11-22T10:00:00Z (exactly a year before NOW)
/// - `used-older`: used one second before that
/// - `never-old`: never used, created 2025-11-22T09:59:59Z
/// - `fresh`: created and used at NOW
fn aged_store() -> TestEnv {
    let mut env = TestEnv::new();
    env.at("2025-11-22T09:59:59Z");
    let older = env.create(&[
        "--name",
        "used-older",
        "--scope",
        "repo:read",
        "--expires",
        "never",
    ]);
    env.create(&[
        "--name",
        "never-old",
        "--scope",
        "issues:write",
        "--expires",
        "never",
    ]);
    assert_eq!(env.verify(&older, &[]).0, 0);
    env.at("2025-11-22T10:00:00Z");
    let old = env.create(&[
        "--name",
        "used-old",
        "--scope",
        "repo:write",
        "--expires",
        "never",
    ]);
    assert_eq!(env.verify(&old, &[]).0, 0);
    env.at(common::NOW);
    let fresh = env.create(&[
        "--name",
        "fresh",
        "--scope",
        "repo:admin",
        "--expires",
        "14d",
    ]);
    assert_eq!(env.verify(&fresh, &[]).0, 0);
    // One-shot verifications leave their uses in the usage journal; have
    // them written now, so the store the tests compare is complete.
    env.ok(&["list"]);
    env
}

#[test]
fn stale_means_strictly_older_than_the_span() {
    let env = aged_store();
    assert_eq!(env.names(&["--stale", "1y"]), ["never-old", "used-older"]);
    assert_eq!(env.names(&["--never-used"]), ["never-old"]);
    assert_eq!(env.names(&["--stale", "1y", "--never-used"]), ["never-old"]);
}

#[test]
fn expiring_includes_the_boundary_and_excludes_what_already_expired() {
    let mut env = aged_store();
    assert_eq!(env.names(&["--expiring", "14d"]), ["fresh"]);
    assert!(env.names(&["--expiring", "13d"]).is_empty());
    env.at("2026-12-06T10:00:00Z");
    assert!(
        env.names(&["--expiring", "1d"]).is_empty(),
        "expired tokens are not 'expiring'"
    );
    assert_eq!(env.names(&["--status", "expired"]), ["fresh"]);
}

#[test]
fn scope_name_kind_and_owner_filters_combine() {
    let env = aged_store();
    assert_eq!(
        env.names(&["--scope", "repo:read"]),
        ["fresh", "used-old", "used-older"]
    );
    assert_eq!(env.names(&["--scope", "repo:write"]), ["fresh", "used-old"]);
    assert_eq!(env.names(&["--scope", "repo:admin"]), ["fresh"]);
    assert_eq!(env.names(&["--scope", "issues:read"]), ["never-old"]);
    assert_eq!(env.names(&["--name", "used-*"]), ["used-old", "used-older"]);
    assert_eq!(
        env.names(&["--name", "used-*", "--stale", "1y"]),
        ["used-older"]
    );
    assert_eq!(
        env.names(&["--owner", "alice", "--kind", "personal", "--name", "f*"]),
        ["fresh"]
    );
    assert!(env.names(&["--kind", "org"]).is_empty());
}

#[test]
fn jsonl_and_csv_stream_one_row_per_token() {
    let env = TestEnv::new();
    env.create(&["--name", "plain", "--scope", "repo:read", "--expires", "1d"]);
    env.create(&[
        "--name",
        "odd, \"quoted\" name",
        "--scope",
        "repo:read",
        "--expires",
        "1d",
        "--description",
        "has, commas",
    ]);
    let jsonl = env.ok(&["list", "--format", "jsonl"]);
    let rows: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    let csv = env.ok(&["list", "--format", "csv"]);
    let mut lines = csv.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("id,kind,name,description,org,owner,scopes,status"));
    let quoted = csv.lines().find(|l| l.contains("quoted")).unwrap();
    assert!(
        quoted.contains(r#","odd, ""quoted"" name","has, commas","#),
        "{quoted}"
    );
    assert_eq!(csv.lines().count(), 3);
}

#[test]
fn rotation_keeps_the_old_secret_for_the_grace_period_only() {
    let mut env = TestEnv::new();
    let old = env.create(&["--name", "svc", "--scope", "repo:read", "--expires", "1y"]);
    let new = env
        .ok(&["rotate", "svc", "--grace", "1h"])
        .trim_end()
        .to_owned();
    assert_ne!(old, new);
    assert_eq!(&old[..15], &new[..15], "same prefix and id");
    assert_eq!(
        env.ok(&["secret", "svc"]).trim_end(),
        new,
        "the keyring holds the new secret"
    );

    let (code, stdout) = env.verify(&old, &["--format", "json"]);
    assert_eq!(code, 0, "the old secret works during the grace period");
    assert!(
        stdout.contains("\"old_secret_valid_until\": \"2026-11-22T11:00:00Z\""),
        "{stdout}"
    );
    assert_eq!(env.verify(&new, &[]).0, 0);

    env.at("2026-11-22T11:00:00Z");
    let (code, stdout) = env.verify(&old, &["--format", "json"]);
    assert_eq!(
        code, 14,
        "after the grace period the old secret is a possible leak"
    );
    assert!(stdout.contains("\"reason\": \"rotated\""));
    assert_eq!(env.verify(&new, &[]).0, 0);
    assert_eq!(
        env.count(
            "SELECT count(*) FROM audit_events WHERE action = 'token.verify'
             AND details LIKE '%\"reason\":\"rotated\"%'"
        ),
        1
    );
    // The history shows the rotation.
    assert_eq!(
        env.count("SELECT count(*) FROM audit_events WHERE action = 'token.rotate'"),
        1
    );
}

#[test]
fn rotation_without_grace_stops_the_old_secret_at_once() {
    let env = TestEnv::new();
    let old = env.create(&["--name", "svc", "--scope", "repo:read", "--expires", "1y"]);
    let out = env.run(&["rotate", "svc", "--format", "json"]);
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["old_secret_valid_until"], serde_json::Value::Null);
    assert_eq!(env.verify(&old, &[]).0, 14);
    assert_eq!(env.verify(json["secret"].as_str().unwrap(), &[]).0, 0);
}

#[test]
fn expired_tokens_rotate_only_with_a_new_expiry_and_revoked_ones_never() {
    let mut env = TestEnv::new();
    env.create(&["--name", "short", "--scope", "repo:read", "--expires", "1h"]);
    env.create(&["--name", "gone", "--scope", "repo:read", "--expires", "1d"]);
    env.ok(&["revoke", "gone"]);
    env.at("2026-11-22T12:00:00Z");
    assert_error(&env.run(&["rotate", "short"]), 2, "has expired");
    let secret = env.ok(&["rotate", "short", "--expires", "30d"]);
    assert_eq!(env.verify(secret.trim_end(), &[]).0, 0);
    assert_error(
        &env.run(&["rotate", "gone"]),
        2,
        "is revoked and cannot be rotated",
    );
}

#[test]
fn bulk_revoke_dry_run_then_yes_then_again_is_a_no_op() {
    let env = aged_store();
    let before = env.store_bytes();
    let dry = env.ok(&["revoke", "--stale", "1y", "--dry-run", "--format", "json"]);
    let dry: serde_json::Value = serde_json::from_str(&dry).unwrap();
    let mut names: Vec<&str> = dry
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["never-old", "used-older"]);
    assert_eq!(dry[0]["status"], "revoked", "the dry run shows the outcome");
    assert!(env.store_bytes() == before, "a dry run changes nothing");

    // Outside a terminal, no --yes: nothing changes, exit 8.
    let out = env.run(&["revoke", "--stale", "1y"]);
    assert_eq!(out.status.code(), Some(8));
    assert!(String::from_utf8_lossy(&out.stderr).contains("this would revoke 2 token(s)"));
    assert!(env.store_bytes() == before);

    env.ok(&["revoke", "--stale", "1y", "--yes"]);
    let older = env.json(&["show", "used-older", "--format", "json"]);
    assert_eq!(older["revoke_reason"], "stale: unused since 2025-11-22");
    let never = env.json(&["show", "never-old", "--format", "json"]);
    assert_eq!(
        never["revoke_reason"],
        "stale: never used since its creation on 2025-11-22"
    );
    assert_eq!(env.names(&[]), ["fresh", "used-old"]);

    let again = env.run(&["revoke", "--stale", "1y", "--yes"]);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("nothing to revoke"));
}

#[test]
fn bulk_revoke_in_a_terminal_asks_with_the_count() {
    let env = aged_store();
    let bin = assert_cmd::cargo::cargo_bin("tokctl");
    let run_in_pty = |answer: &str| {
        std::process::Command::new("script")
            .args([
                "-qec",
                &format!("'{}' revoke --stale 1y", bin.display()),
                "/dev/null",
            ])
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("TERM", "dumb")
            .env("TOKCTL_DB", env.db())
            .env("TOKCTL_TEST_KEYRING", env.keyring_file())
            .env("TOKCTL_TEST_NOW", &env.now)
            .env("TOKCTL_USER", "alice")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().unwrap().write_all(answer.as_bytes())?;
                child.wait_with_output()
            })
            .unwrap()
    };
    let declined = run_in_pty("n");
    let screen = String::from_utf8_lossy(&declined.stdout);
    assert!(screen.contains("Revoke 2 token(s)?"), "{screen}");
    assert_eq!(
        env.names(&["--stale", "1y"]).len(),
        2,
        "declining changes nothing"
    );
    let accepted = run_in_pty("y");
    assert!(
        accepted.status.success(),
        "{}",
        String::from_utf8_lossy(&accepted.stdout)
    );
    assert!(env.names(&["--stale", "1y"]).is_empty());
}

#[test]
fn bulk_revoke_needs_a_filter_and_refuses_names_with_filters() {
    let env = TestEnv::new();
    assert_error(
        &env.run(&["revoke", "--org", "default", "--yes"]),
        2,
        "nothing to revoke",
    );
    assert_error(&env.run(&["revoke", "x", "--stale", "1y"]), 2, "not both");
}

#[test]
fn two_bulk_revokes_at_once_leave_a_consistent_store() {
    let env = aged_store();
    for i in 0..30 {
        env.create(&[
            "--name",
            &format!("idle-{i}"),
            "--scope",
            "repo:read",
            "--expires",
            "never",
        ]);
    }
    let mut later = env.clone();
    later.at("2027-12-01T00:00:00Z");
    let children: Vec<_> = (0..2)
        .map(|_| {
            std::process::Command::new(assert_cmd::cargo::cargo_bin("tokctl"))
                .args(["revoke", "--stale", "1y", "--yes", "--keyring", "off"])
                .env_clear()
                .env("TOKCTL_DB", later.db())
                .env("TOKCTL_TEST_NOW", &later.now)
                .env("TOKCTL_USER", "alice")
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        assert!(child.wait_with_output().unwrap().status.success());
    }
    // Every stale token that was still active is revoked; expired ones are
    // left alone (a bulk revoke takes them only with --status expired or --all).
    let now = tokctl::duration::parse_time(&later.now)
        .unwrap()
        .timestamp();
    assert_eq!(
        later.count(&format!(
            "SELECT count(*) FROM tokens WHERE revoked_at IS NULL
               AND (expires_at IS NULL OR expires_at > {now})"
        )),
        0
    );
    let total = later.count("SELECT count(*) FROM tokens WHERE revoked_at IS NOT NULL");
    assert!(total >= 30);
    assert_eq!(
        later.count("SELECT count(*) FROM audit_events WHERE action = 'token.revoke'"),
        total,
        "each token revoked exactly once"
    );
}

#[test]
fn offboarding_revokes_personal_tokens_everywhere_and_keeps_org_tokens() {
    let env = TestEnv::new();
    env.ok(&["org", "add", "acme"]);
    env.ok(&["user", "add", "bob"]);
    env.ok(&[
        "member", "add", "--org", "default", "--user", "bob", "--role", "admin",
    ]);
    env.ok(&[
        "member", "add", "--org", "acme", "--user", "bob", "--role", "member",
    ]);
    let bob = env.as_user("bob");
    bob.create(&[
        "--org",
        "default",
        "--name",
        "bob-default",
        "--scope",
        "repo:read",
        "--expires",
        "1y",
    ]);
    bob.create(&[
        "--org",
        "acme",
        "--name",
        "bob-acme",
        "--scope",
        "repo:read",
        "--expires",
        "1y",
    ]);
    bob.create(&[
        "--org",
        "default",
        "--org-token",
        "--name",
        "deploy",
        "--scope",
        "repo:write",
        "--expires",
        "1y",
    ]);
    let alice = bob.as_user("alice");

    let before = alice.store_bytes();
    let dry = alice.run(&["user", "remove", "bob", "--dry-run"]);
    assert!(dry.status.success());
    assert!(String::from_utf8_lossy(&dry.stderr).contains("would revoke 2 personal token(s)"));
    assert!(alice.store_bytes() == before);
    assert_eq!(alice.run(&["user", "remove", "bob"]).status.code(), Some(8));

    let out = alice.run(&["user", "remove", "bob", "--yes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(alice.names(&["--owner", "bob"]), Vec::<String>::new());
    assert_eq!(
        alice.names(&["--kind", "org"]),
        ["deploy"],
        "org tokens survive their creator leaving"
    );
    let members = alice.json(&["member", "list", "--format", "json"]);
    assert!(!members.to_string().contains("bob"));
    let reason = alice.json(&["show", "bob-acme", "--format", "json"])["revoke_reason"].clone();
    assert_eq!(reason, "offboarded: bob removed by alice");
}

#[test]
fn the_last_owner_cannot_be_offboarded() {
    let env = TestEnv::new();
    let before = env.store_bytes();
    assert_error(
        &env.run(&["user", "remove", "alice", "--yes"]),
        2,
        "last owner",
    );
    assert!(env.store_bytes() == before);
}

#[test]
fn a_leaked_secret_revokes_its_token_without_knowing_its_id() {
    let env = TestEnv::new();
    let leaked = env.create(&["--name", "leaky", "--scope", "repo:read", "--expires", "1y"]);
    let bystander = env.create(&["--name", "fine", "--scope", "repo:read", "--expires", "1y"]);
    let out = env.run_stdin(&["revoke", "--secret-stdin"], format!("{leaked}\n"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(env.verify(&leaked, &[]).0, 12);
    assert_eq!(env.verify(&bystander, &[]).0, 0);
    let shown = env.json(&["show", "leaky", "--format", "json"]);
    assert_eq!(
        shown["revoke_reason"],
        "leaked: revoked by presenting its secret"
    );

    let before = env.store_bytes();
    assert_error(
        &env.run_stdin(&["revoke", "--secret-stdin"], "garbage"),
        10,
        "not a well-formed",
    );
    let mut unknown = bystander.clone().into_bytes();
    // Same id, another secret: well formed except for the checksum, so malformed too.
    unknown[40] = if unknown[40] == b'A' { b'B' } else { b'A' };
    let out = env.run_stdin(&["revoke", "--secret-stdin"], unknown);
    assert_eq!(out.status.code(), Some(10));
    assert_error(
        &env.run_stdin(&["revoke", "--secret-stdin"], ""),
        2,
        "no token given",
    );
    assert!(env.store_bytes() == before, "nothing else changes");
}

#[test]
fn prune_removes_long_ended_tokens_and_keeps_their_audit_events() {
    let mut env = TestEnv::new();
    env.create(&["--name", "gone", "--scope", "repo:read", "--expires", "1y"]);
    env.create(&["--name", "short", "--scope", "repo:read", "--expires", "1d"]);
    env.create(&["--name", "live", "--scope", "repo:read", "--expires", "1y"]);
    env.ok(&["revoke", "gone"]);
    env.at("2027-03-01T00:00:00Z");
    let events_before = env.count("SELECT count(*) FROM audit_events");
    let before = env.store_bytes();
    let dry = env.ok(&["prune", "--before", "30d", "--dry-run", "--format", "jsonl"]);
    assert_eq!(dry.lines().count(), 2);
    assert!(env.store_bytes() == before);
    assert_eq!(
        env.run(&["prune", "--before", "30d"]).status.code(),
        Some(8)
    );
    env.ok(&["prune", "--before", "30d", "--yes"]);
    assert_eq!(env.names(&["--all"]), ["live"]);
    assert_eq!(
        env.count("SELECT count(*) FROM audit_events"),
        events_before + 2
    );
    assert_eq!(
        env.count("SELECT count(*) FROM audit_events WHERE action = 'token.create'"),
        3
    );
}

#[test]
fn check_exit_codes_say_what_was_found() {
    let env = aged_store();
    let code = |args: &[&str]| env.run(args).status.code().unwrap();
    assert_eq!(code(&["check", "--expiring", "13d"]), 0);
    assert_eq!(code(&["check", "--expiring", "14d"]), 20);
    assert_eq!(code(&["check", "--stale", "1y"]), 21);
    assert_eq!(code(&["check", "--expiring", "14d", "--stale", "1y"]), 22);
    let out = env.run(&[
        "check",
        "--expiring",
        "14d",
        "--stale",
        "1y",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["expiring"][0]["name"], "fresh");
    assert_eq!(json["stale"].as_array().unwrap().len(), 2);
    assert_error(&env.run(&["check"]), 2, "nothing to check");
}

/// `create --count N` mints N tokens alike in one transaction: named
/// NAME-1 … NAME-N, a secret per line in order (each in the keyring), and
/// all or none: a name taken or a quota reached part-way mints nothing and
/// leaves no keyring entry behind.
#[test]
fn create_count_mints_all_or_none() {
    let env = TestEnv::new();
    let stdout = env.ok(&[
        "create",
        "--count",
        "3",
        "--name",
        "bulk",
        "--scope",
        "repo:read",
        "--expires",
        "30d",
    ]);
    let secrets: Vec<&str> = stdout.lines().collect();
    assert_eq!(secrets.len(), 3, "{stdout}");
    for (n, secret) in secrets.iter().enumerate() {
        let (code, _) = env.verify(secret, &[]);
        assert_eq!(code, 0);
        let kept = env.ok(&["secret", &format!("bulk-{}", n + 1)]);
        assert_eq!(
            kept.trim_end(),
            *secret,
            "the keyring's copy is the secret printed"
        );
    }
    let keyring = || -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(env.keyring_file()).unwrap()).unwrap()
    };
    let keyring_before = keyring();
    assert_eq!(keyring_before.as_object().unwrap().len(), 3);
    // bulk-1 is taken: nothing is minted, not even bulk-4 … none of them.
    let out = env.run(&[
        "create",
        "--count",
        "2",
        "--name",
        "bulk",
        "--scope",
        "repo:read",
        "--expires",
        "30d",
    ]);
    assert_error(&out, 4, "already exists");
    assert!(out.stdout.is_empty());
    // A quota of 4: the second of two more would break it; neither is minted.
    env.ok(&["org", "policy", "default", "--max-tokens", "4"]);
    let out = env.run(&[
        "create",
        "--count",
        "2",
        "--name",
        "more",
        "--scope",
        "repo:read",
        "--expires",
        "30d",
    ]);
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "no secret of a token rolled back");
    let listed = env.json(&["list", "--all", "--format", "json"]);
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|token| token["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["bulk-1", "bulk-2", "bulk-3"]);
    assert_eq!(
        keyring(),
        keyring_before,
        "the keyring entry of the token that rolled back was taken out again"
    );
    // --format json: an array of what a single create prints.
    let json = env.json(&[
        "create",
        "--count",
        "1",
        "--name",
        "one",
        "--scope",
        "repo:read",
        "--expires",
        "30d",
        "--format",
        "json",
    ]);
    assert!(json.is_object(), "one token, one object: {json}");
}
