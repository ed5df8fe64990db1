//! The ends of the audit chain, through the binary: a cut-off tail is caught
//! against a head recorded outside the store (`audit head`, `audit verify
//! --expect`), and a start after deleted events counts only when an
//! `audit.prune` event records its checkpoint. Each attack edits the store
//! the way someone with write access to the file would; checking never
//! changes the store.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use crate::common::{assert_error, TestEnv};

fn sql(env: &TestEnv, statements: &str) {
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute_batch(statements).unwrap();
}

/// `audit verify` with extra arguments: exit code and the JSON report. The
/// store's bytes must be the same afterwards.
fn verify(env: &TestEnv, args: &[&str]) -> (i32, serde_json::Value) {
    let before = env.store_bytes();
    let mut full = vec!["audit", "verify", "--format", "json"];
    full.extend_from_slice(args);
    let out = env.run(&full);
    assert_eq!(env.store_bytes(), before, "verifying changed the store");
    (
        out.status.code().unwrap(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

/// The `ID:HASH` that `audit head` prints for `--expect`.
fn head(env: &TestEnv) -> String {
    let head = env.json(&["audit", "head", "--format", "json"]);
    let expect = head["expect"].as_str().unwrap().to_owned();
    assert_eq!(
        expect,
        format!("{}:{}", head["id"], head["hash"].as_str().unwrap())
    );
    expect
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn event_hash_hex(env: &TestEnv, id: i64) -> String {
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let hash: Vec<u8> = conn
        .query_row("SELECT hash FROM audit_events WHERE id = ?1", [id], |row| {
            row.get(0)
        })
        .unwrap();
    hex(&hash)
}

/// Recomputes every stored hash from the checkpoint (or the genesis) on, as
/// someone who can write the file and knows the algorithm would after an edit.
fn rehash_chain(env: &TestEnv) {
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let checkpoint: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'audit_checkpoint'",
            [],
            |row| row.get(0),
        )
        .ok();
    let mut previous = match checkpoint {
        Some(text) => text.parse::<tokctl::audit::Checkpoint>().unwrap().hash,
        None => tokctl::audit::GENESIS.to_vec(),
    };
    type Row = (
        i64,
        i64,
        Option<String>,
        String,
        String,
        Option<String>,
        Option<i64>,
        Option<String>,
        String,
        Option<String>,
    );
    let rows: Vec<Row> = conn
        .prepare(
            "SELECT id, at, actor, action, outcome, org, token_id, target, details, os_user
             FROM audit_events ORDER BY id",
        )
        .unwrap()
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (id, at, actor, action, outcome, org, token_id, target, details, os_user) in rows {
        let fields = tokctl::audit::HashedFields {
            id,
            at,
            actor: actor.as_deref(),
            action: &action,
            outcome: &outcome,
            org: org.as_deref(),
            token_id,
            target: target.as_deref(),
            details: &details,
            os_user: os_user.as_deref(),
        };
        let hash = tokctl::audit::event_hash(&previous, &fields)[..16].to_vec();
        conn.execute(
            "UPDATE audit_trail SET hash = ?2 WHERE id = ?1",
            rusqlite::params![id, hash],
        )
        .unwrap();
        previous = hash;
    }
}

#[test]
fn audit_head_prints_the_newest_event_for_verify_expect() {
    let env = TestEnv::new();
    env.create(&["--name", "a", "--scope", "repo:read", "--expires", "1d"]);
    let events = env.count("SELECT count(*) FROM audit_events");
    let expect = head(&env);
    assert_eq!(expect, format!("{events}:{}", event_hash_hex(&env, events)));
    let table = env.ok(&["audit", "head"]);
    assert!(
        table.contains(&format!("tokctl audit verify --expect {expect}")),
        "{table}"
    );
    let (code, report) = verify(&env, &["--expect", &expect]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["expected_id"], events);
    assert_eq!(report["expected_ok"], true);
    assert_eq!(report["head_id"], events);
}

#[test]
fn a_cut_tail_passes_the_chain_alone_but_not_a_recorded_head() {
    let env = TestEnv::new();
    let secret = env.create(&[
        "--name",
        "deploy",
        "--scope",
        "repo:read",
        "--expires",
        "1y",
    ]);
    env.ok(&["revoke", "deploy", "--reason", "leaked"]);
    // The nightly job keeps the head somewhere the store's users cannot write.
    let recorded = head(&env);
    let revoke_event = env.count("SELECT max(id) FROM audit_events");

    // Someone with write access deletes the revocation's event and undoes it.
    sql(
        &env,
        &format!(
            "DELETE FROM audit_trail WHERE id >= {revoke_event};
             UPDATE tokens SET revoked_at = NULL, revoked_by = NULL, revoke_reason = NULL;"
        ),
    );

    // The chain alone is still whole: this is what it cannot see.
    let (code, report) = verify(&env, &[]);
    assert_eq!(code, 0, "{report}");

    // Against the recorded head it fails, with the chain-broken code.
    let (code, report) = verify(&env, &["--expect", &recorded]);
    assert_eq!(code, 9, "{report}");
    assert_eq!(report["ok"], false);
    assert_eq!(report["expected_ok"], false);
    assert_eq!(report["broken_at"], revoke_event);
    let problem = report["problem"].as_str().unwrap();
    assert!(problem.contains("newest events were deleted"), "{problem}");
    let out = env.run(&["audit", "verify", "--expect", &recorded]);
    assert_error(&out, 9, "the audit chain is broken");

    // The token works again, and using it writes on: the recorded event's
    // id now holds another event, which hides nothing. (A one-shot verify
    // leaves its use in the usage journal; the next command writes it.)
    assert_eq!(env.verify(&secret, &[]).0, 0);
    env.ok(&["show", "deploy"]);
    assert!(env.count("SELECT max(id) FROM audit_events") >= revoke_event);
    let (code, report) = verify(&env, &["--expect", &recorded]);
    assert_eq!(code, 9, "{report}");
    assert!(report["problem"].as_str().unwrap().contains("differs"));
}

#[test]
fn a_start_forged_after_deleting_the_first_events_is_caught() {
    let env = TestEnv::new();
    env.create(&["--name", "a", "--scope", "repo:read", "--expires", "1y"]);
    env.create(&["--name", "b", "--scope", "repo:read", "--expires", "1y"]);
    env.ok(&["revoke", "a"]);
    // Delete the first three events and write the checkpoint a prune would
    // have left, with no prune behind it.
    let hash = event_hash_hex(&env, 3);
    sql(
        &env,
        &format!(
            "DELETE FROM audit_trail WHERE id <= 3;
             INSERT INTO meta (key, value) VALUES ('audit_checkpoint', '3:{hash}');"
        ),
    );
    let (code, report) = verify(&env, &[]);
    assert_eq!(code, 9, "{report}");
    assert_eq!(report["broken_at"], 4);
    assert_eq!(report["checkpoint_id"], 3);
    assert_eq!(report["checkpoint_vouched_by"], serde_json::Value::Null);
    assert!(
        report["problem"]
            .as_str()
            .unwrap()
            .contains("no audit.prune"),
        "{report}"
    );
    // doctor walks the same chain.
    let doctor = env.run(&["doctor", "--format", "json"]);
    let doctor: serde_json::Value = serde_json::from_slice(&doctor.stdout).unwrap();
    assert!(doctor.to_string().contains("no audit.prune"), "{doctor}");
}

#[test]
fn a_prune_is_vouched_for_and_a_checkpoint_moved_past_it_is_not() {
    let mut env = TestEnv::new();
    env.create(&["--name", "old", "--scope", "repo:read", "--expires", "1y"]);
    env.at("2028-01-01T00:00:00Z");
    env.create(&["--name", "new", "--scope", "repo:read", "--expires", "1d"]);
    env.create(&["--name", "newer", "--scope", "repo:read", "--expires", "1d"]);
    env.ok(&["audit", "prune", "--before", "1y", "--yes"]);
    let prune_event = env.count("SELECT max(id) FROM audit_events");
    let (code, report) = verify(&env, &[]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["checkpoint_vouched_by"], prune_event);
    let through = report["checkpoint_id"].as_i64().unwrap();
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let (details, checkpoint): (String, String) = conn
        .query_row(
            &format!(
                "SELECT details, (SELECT value FROM meta WHERE key = 'audit_checkpoint')
                 FROM audit_events WHERE id = {prune_event}"
            ),
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    let details: serde_json::Value = serde_json::from_str(&details).unwrap();
    assert_eq!(details["through_id"], through);
    assert_eq!(
        format!("{through}:{}", details["checkpoint_hash"].as_str().unwrap()),
        checkpoint
    );

    // Delete the next event too and move the checkpoint over it.
    let next = through + 1;
    let hash = event_hash_hex(&env, next);
    sql(
        &env,
        &format!(
            "DELETE FROM audit_trail WHERE id = {next};
             UPDATE meta SET value = '{next}:{hash}' WHERE key = 'audit_checkpoint';"
        ),
    );
    let (code, report) = verify(&env, &[]);
    assert_eq!(code, 9, "{report}");
    assert!(report["problem"]
        .as_str()
        .unwrap()
        .contains("no audit.prune"));
}

#[test]
fn a_prune_event_without_the_checkpoint_hash_vouches_by_id_and_a_rewrite_needs_a_recorded_head() {
    let mut env = TestEnv::new();
    env.create(&["--name", "old", "--scope", "repo:read", "--expires", "1y"]);
    env.at("2028-01-01T00:00:00Z");
    env.ok(&["audit", "prune", "--before", "1y", "--yes"]);
    let recorded = head(&env);
    // Make the prune event look like one written by an older tokctl (no
    // checkpoint_hash) and recompute the chain: a full rewrite, which the
    // chain alone cannot tell from an honest older store.
    sql(
        &env,
        "UPDATE audit_trail SET details = json_remove(details, '$.checkpoint_hash')
         WHERE action = (SELECT id FROM audit_names WHERE name = 'audit.prune')",
    );
    assert_eq!(
        verify(&env, &[]).0,
        9,
        "an edit without rehashing is caught"
    );
    rehash_chain(&env);
    let (code, report) = verify(&env, &[]);
    assert_eq!(code, 0, "{report}");
    assert!(report["checkpoint_vouched_by"].is_i64());
    // The head recorded before the rewrite is what shows it.
    let (code, report) = verify(&env, &["--expect", &recorded]);
    assert_eq!(code, 9, "{report}");
    assert!(report["problem"].as_str().unwrap().contains("differs"));
}

#[test]
fn a_recorded_head_that_was_pruned_cannot_pass() {
    let mut env = TestEnv::new();
    env.create(&["--name", "old", "--scope", "repo:read", "--expires", "1y"]);
    let old_head = head(&env);
    let first = "1:".to_owned() + &event_hash_hex(&env, 1);
    env.at("2028-01-01T00:00:00Z");
    env.create(&["--name", "new", "--scope", "repo:read", "--expires", "1d"]);
    env.ok(&["audit", "prune", "--before", "1y", "--yes"]);
    // The last pruned event is the checkpoint: still comparable.
    assert_eq!(verify(&env, &["--expect", &old_head]).0, 0);
    // An earlier one is gone: no way to compare it, so no pass.
    let (code, report) = verify(&env, &["--expect", &first]);
    assert_eq!(code, 9, "{report}");
    assert!(report["problem"].as_str().unwrap().contains("was pruned"));
}

#[test]
fn verify_expect_takes_only_id_colon_hash() {
    let env = TestEnv::new();
    for bad in [
        "12",
        "12:xyz",
        "abc:00",
        "0:00000000000000000000000000000000",
    ] {
        let out = env.run(&["audit", "verify", "--expect", bad]);
        assert_error(&out, 2, "--expect");
    }
}

#[test]
fn members_cannot_read_the_head() {
    let env = TestEnv::new();
    env.ok(&["user", "add", "carol"]);
    env.ok(&[
        "member", "add", "--org", "default", "--user", "carol", "--role", "member",
    ]);
    let out = env.as_user("carol").run(&["audit", "head"]);
    assert_error(&out, 5, "needs the admin role");
}
