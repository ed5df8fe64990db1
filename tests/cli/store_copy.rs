//! `tokctl store copy --to URL`: a local store moved into an empty team
//! store. A populated local store (orgs, members, a policy, tokens in every
//! state, rotations, usage, refusals, a pruned trail) is copied by the team
//! store's database owner; the team store then lists, shows and verifies
//! exactly what the local one did, and one audit chain runs from the local
//! store's first event through a `store.copy` event into new ones. Also:
//! refusals (a store in use, a login that is not the database's owner, a
//! broken local chain), each leaving the team store empty, and a re-run.
//!
//! The cluster is the one `scripts/test` starts (see `team_store.rs`);
//! without it these tests say so loudly and pass, except in CI.
use std::process::Output;

use serde_json::Value;

use super::team_store::{assert_one_error, Cluster, Env, TeamDb};

/// The pinned time of every command (the `Env` default) and a later one.
const LATER: &str = "2026-11-22T13:00:00Z";

/// A local store holding every kind of row and token state. Returns the
/// secrets of the tokens it minted, by name.
fn populate(local: &mut Env) -> Vec<(&'static str, String)> {
    local.ok("olive", &["org", "list"]);
    local.ok("olive", &["org", "add", "acme"]);
    for user in ["adam", "mia"] {
        local.ok("olive", &["user", "add", user]);
    }
    local.ok(
        "olive",
        &[
            "member", "add", "--org", "default", "--user", "adam", "--role", "admin",
        ],
    );
    local.ok(
        "olive",
        &[
            "member", "add", "--org", "default", "--user", "mia", "--role", "member",
        ],
    );
    local.ok(
        "olive",
        &[
            "member", "add", "--org", "acme", "--user", "mia", "--role", "member",
        ],
    );
    // A service account with a display name and an address, and a person
    // who left: both kinds and both statuses of user are copied.
    local.ok(
        "olive",
        &[
            "user",
            "add",
            "deploy-svc",
            "--service",
            "--display-name",
            "Deploy robot",
            "--email",
            "ops@example.com",
        ],
    );
    local.ok("olive", &["user", "add", "max"]);
    local.ok(
        "olive",
        &[
            "member", "add", "--org", "acme", "--user", "max", "--role", "member",
        ],
    );
    local.ok("olive", &["user", "remove", "max", "--yes"]);
    let mut secrets = Vec::new();
    let mut mint = |local: &mut Env, user: &str, name: &'static str, extra: &[&str]| {
        let mut args = vec!["create", "--name", name, "--scope", "repo:read"];
        if !extra.contains(&"--org") {
            args.extend_from_slice(&["--org", "default"]);
        }
        args.extend_from_slice(extra);
        let secret = local.secret(user, &args);
        secrets.push((name, secret));
    };
    mint(
        local,
        "olive",
        "deploy",
        &["--expires", "30d", "--description", "CI"],
    );
    mint(local, "olive", "bot", &["--org-token", "--expires", "90d"]);
    mint(local, "olive", "old", &["--expires", "30d"]);
    mint(local, "olive", "paused", &["--expires", "30d"]);
    mint(local, "olive", "short", &["--expires", "1h"]);
    mint(local, "olive", "forever", &["--expires", "never"]);
    mint(
        local,
        "mia",
        "mia-tok",
        &["--org", "acme", "--expires", "7d"],
    );
    mint(local, "olive", "graceful", &["--expires", "30d"]);
    mint(local, "olive", "rotated", &["--expires", "30d"]);
    mint(local, "olive", "renamed", &["--expires", "30d"]);
    // Rotations: one whose old secret keeps working for a day, one whose
    // old secret stops at once.
    let graceful = local.secret("olive", &["rotate", "graceful", "--grace", "1d"]);
    secrets.push(("graceful-new", graceful));
    let rotated = local.secret("olive", &["rotate", "rotated"]);
    secrets.push(("rotated-new", rotated));
    local.ok("olive", &["revoke", "old", "--reason", "left the team"]);
    local.ok("olive", &["deactivate", "paused", "--reason", "suspicious"]);
    local.ok("olive", &["edit", "renamed", "--name", "renamed-2"]);
    // A policy set after 'forever' was minted: it breaks the policy, as
    // `policy check` would report, and is copied all the same.
    local.ok(
        "olive",
        &["org", "policy", "default", "--max-lifetime", "1y"],
    );
    // mia-tok now breaks acme's policy too, and is copied all the same.
    local.ok(
        "olive",
        &[
            "org",
            "policy",
            "acme",
            "--member-tokens",
            "deny-except-service-accounts",
        ],
    );
    // Uses (counts and hourly history) and a counted refusal.
    let deploy = secret_of(&secrets, "deploy");
    for _ in 0..3 {
        assert_eq!(local.verify("vera", &deploy, &["--scope", "repo:read"]), 0);
    }
    assert_eq!(
        local.verify("vera", &deploy, &["--scope", "repo:admin"]),
        13
    );
    secrets
}

fn secret_of(secrets: &[(&str, String)], name: &str) -> String {
    secrets
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, secret)| secret.clone())
        .unwrap()
}

/// Which team store's database: a handle that outlives no borrow of the
/// `Env` or `TeamDb` that owns (and at the end drops) it.
#[derive(Clone)]
struct Db {
    cluster: Cluster,
    name: String,
}

impl Db {
    fn of(db: &TeamDb) -> Db {
        Db {
            cluster: db.cluster.clone(),
            name: db.name.clone(),
        }
    }

    fn in_env(env: &Env) -> Db {
        Db::of(env.team.as_ref().unwrap())
    }
}

/// `tokctl store copy --to URL ARGS` on `local`'s store, as its user olive
/// (who owns every org there), connecting to the team store as `login`.
fn copy(local: &Env, db: &Db, login: &str, args: &[&str]) -> Output {
    copy_with(local, db, login, args, None)
}

/// [`copy`], with the password of `login` in `PGPASSWORD` when given.
fn copy_with(local: &Env, db: &Db, login: &str, args: &[&str], password: Option<&str>) -> Output {
    let url = db.cluster.url(login, &db.name);
    let mut full = vec!["store", "copy", "--to", &url];
    full.extend_from_slice(args);
    let mut cmd = local.cmd("olive", &full);
    cmd.env("PGPASSFILE", &db.cluster.passfile);
    if let Some(password) = password {
        cmd.env("PGPASSWORD", password);
    }
    cmd.output().unwrap()
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// One number the superuser reads from the team store's database.
fn count(db: &Db, sql: &str) -> i64 {
    db.cluster
        .admin(&db.name)
        .query_one(sql, &[])
        .unwrap()
        .get(0)
}

/// Rows in the team store's tables and triggers switched off: all zero for
/// a store nothing was loaded into.
fn rows_and_disabled_triggers(db: &Db) -> (i64, i64) {
    let rows = count(
        db,
        "SELECT (SELECT count(*) FROM tokctl.orgs) + (SELECT count(*) FROM tokctl.users)
              + (SELECT count(*) FROM tokctl.tokens) + (SELECT count(*) FROM tokctl.audit_events)
              + (SELECT count(*) FROM tokctl.retired_secrets) + (SELECT count(*) FROM tokctl.loads)",
    );
    (rows, disabled_triggers(db))
}

/// tokctl's triggers that are not enabled (a load switches them off only
/// inside its own transaction).
fn disabled_triggers(db: &Db) -> i64 {
    count(
        db,
        "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'tokctl' AND NOT t.tgisinternal AND t.tgenabled <> 'O'",
    )
}

/// The same command on both stores: the same exit code and stdout.
fn assert_same(local: &mut Env, team: &mut Env, user: &str, args: &[&str]) {
    let here = local.run_with(user, args, None);
    let there = team.run_with(user, args, None);
    assert_eq!(
        here.status.code(),
        there.status.code(),
        "{args:?}: exit codes differ"
    );
    assert_eq!(
        String::from_utf8_lossy(&here.stdout),
        String::from_utf8_lossy(&there.stdout),
        "{args:?} differs on the team store"
    );
}

/// What `command --format json` prints, as `user`.
fn json_of(env: &Env, user: &str, args: &[&str]) -> Value {
    json(&env.cmd(user, args).output().unwrap())
}

#[test]
fn a_populated_local_store_copies_with_its_state_and_one_audit_chain() {
    let Some(cluster) = Cluster::get("store_copy") else {
        return;
    };
    let mut local = Env::local();
    let secrets = populate(&mut local);
    let mut team = Env::team(&cluster, "store_copy");
    let db = Db::in_env(&team);

    // A dry run checks both stores and counts; nothing is written.
    let dry = json(&copy(
        &local,
        &db,
        &cluster.superuser,
        &["--dry-run", "--format", "json"],
    ));
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["copy_event_id"], Value::Null);
    assert_eq!(rows_and_disabled_triggers(&db), (0, 0));

    let out = copy(&local, &db, &cluster.superuser, &["--format", "json"]);
    let copied = json(&out);
    let counts = &copied["counts"];
    assert_eq!(counts, &dry["counts"]);
    assert_eq!(counts["orgs"], 2);
    assert_eq!(counts["users"], 5);
    assert_eq!(counts["memberships"], 5);
    assert_eq!(counts["policies"], 2);
    assert_eq!(counts["tokens"], 10);
    assert_eq!(counts["retired_secrets"], 2);
    assert!(counts["usage_hours"].as_u64().unwrap() >= 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let totals = format!(
        "copied 10 tokens, 5 users, 2 orgs, 5 memberships, 2 policies, 2 retired secrets, \
         {} hours of use history, {} audit events into ",
        counts["usage_hours"], counts["events"]
    );
    assert!(stderr.starts_with(&totals), "{stderr}");
    assert_eq!(disabled_triggers(&db), 0);

    // The local chain's head, and that the team store's chain goes on from it.
    let local_head = json_of(&local, "olive", &["audit", "head", "--format", "json"]);
    let local_events = local_head["id"].as_i64().unwrap();
    assert_eq!(copied["source_head_id"], local_events);
    assert_eq!(copied["source_head_hash"], local_head["hash"]);
    assert_eq!(counts["events"], local_events);
    assert_eq!(copied["copy_event_id"], local_events + 1);

    // Every token, its state, history and old secrets, as the local store shows them.
    for args in [
        &["list", "--all", "--format", "json"][..],
        &["org", "list", "--format", "json"],
        &["user", "list", "--all", "--format", "json"],
        &["org", "policy", "acme"],
        &["member", "list", "--format", "json"],
        &["org", "policy", "default"],
        &["policy", "check", "--org", "default", "--format", "json"],
        &["report", "--format", "json"],
    ] {
        assert_same(&mut local, &mut team, "olive", args);
    }
    for name in [
        "deploy",
        "bot",
        "old",
        "paused",
        "short",
        "forever",
        "graceful",
        "rotated",
        "renamed-2",
    ] {
        assert_same(
            &mut local,
            &mut team,
            "olive",
            &["show", name, "--usage", "--format", "json"],
        );
    }
    assert_same(
        &mut local,
        &mut team,
        "mia",
        &["show", "mia-tok", "--org", "acme", "--format", "json"],
    );

    // The secrets verify on the team store as they did locally (vera is
    // the team store's verifier login).
    for (name, expected) in [
        ("deploy", 0),
        ("bot", 0),
        ("old", 12),
        ("paused", 15),
        ("forever", 0),
        ("mia-tok", 0),
        ("graceful", 0),
        ("graceful-new", 0),
        ("rotated", 14),
        ("rotated-new", 0),
        ("renamed", 0),
    ] {
        let secret = secret_of(&secrets, name);
        assert_eq!(team.verify("vera", &secret, &[]), expected, "{name}");
    }
    team.at(LATER);
    local.at(LATER);
    assert_eq!(team.verify("vera", &secret_of(&secrets, "short"), &[]), 11);
    assert_eq!(local.verify("vera", &secret_of(&secrets, "short"), &[]), 11);

    // One chain: the copied events keep their ids and hashes, the local
    // head is in it, and store.copy names and links to that head.
    let expect = local_head["expect"].as_str().unwrap();
    let verified = json_of(
        &team,
        "olive",
        &["audit", "verify", "--expect", expect, "--format", "json"],
    );
    assert_eq!(verified["ok"], true, "{verified}");
    assert_eq!(verified["expected_ok"], true);
    assert!(verified["checked"].as_i64().unwrap() > local_events + 1);
    let team_trail = json_of(&team, "olive", &["audit", "--format", "json"]);
    let local_trail = json_of(&local, "olive", &["audit", "--format", "json"]);
    let copied_events = local_events as usize;
    assert_eq!(
        team_trail.as_array().unwrap()[..copied_events],
        local_trail.as_array().unwrap()[..copied_events],
        "the copied events differ"
    );
    let copy_event = &team_trail[copied_events];
    assert_eq!(copy_event["id"], local_events + 1);
    assert_eq!(copy_event["action"], "store.copy");
    assert_eq!(copy_event["actor"], cluster.superuser.as_str());
    assert_eq!(copy_event["hash"], copied["copy_event_hash"]);
    assert_eq!(
        copy_event["details"]["source_head_hash"],
        local_head["hash"]
    );
    assert_eq!(copy_event["details"]["source_head_id"], local_events);
    assert_eq!(copy_event["details"]["source_events"], local_events);
    assert_eq!(copy_event["details"]["copied"], copied["counts"]);

    // The team store works on: a new token gets a key of its own, and the
    // audit chain stays whole.
    let fresh = team.secret(
        "olive",
        &[
            "create",
            "--name",
            "fresh",
            "--org",
            "default",
            "--scope",
            "repo:read",
            "--expires",
            "30d",
        ],
    );
    assert_eq!(team.verify("vera", &fresh, &[]), 0);
    assert_eq!(count(&db, "SELECT count(*) FROM tokctl.tokens"), 11);
    let verified = json_of(&team, "olive", &["audit", "verify", "--format", "json"]);
    assert_eq!(verified["ok"], true, "{verified}");
}

#[test]
fn a_copy_switches_the_databases_checks_off_only_for_itself() {
    let Some(cluster) = Cluster::get("store_copy_checks") else {
        return;
    };
    let mut local = Env::local();
    populate(&mut local);
    let mut team = Env::team(&cluster, "store_copy_checks");
    let db = Db::in_env(&team);
    json(&copy(
        &local,
        &db,
        &cluster.superuser,
        &["--format", "json"],
    ));
    assert_eq!(disabled_triggers(&db), 0);
    // The foreign keys and indexes the load dropped are back as they were,
    // and every trigger is on: the same as in a store nothing was loaded into.
    let fresh = TeamDb::new(&cluster, "store_copy_fresh");
    assert_eq!(schema_objects(&db), schema_objects(&Db::of(&fresh)));
    team.ok("olive", &["org", "list"]);
    // Around tokctl, as mia (a member): the triggers refuse a token in
    // another's name, with uses, against the policy, as before the copy.
    let mut mia = login(&cluster, &db, "mia");
    let mia_key: i64 = mia
        .query_one("SELECT tokctl.user_id('mia')", &[])
        .unwrap()
        .get(0);
    let olive_key: i64 = mia
        .query_one("SELECT tokctl.user_id('olive')", &[])
        .unwrap()
        .get(0);
    let acme: i64 = mia
        .query_one("SELECT id FROM tokctl.orgs WHERE name = 'acme'", &[])
        .unwrap()
        .get(0);
    for (creator, uses, expires, needle) in [
        (
            olive_key,
            0,
            "2026-12-01",
            "creator must be the session user",
        ),
        (mia_key, 5, "2026-12-01", "a new token has no uses"),
    ] {
        let sql = format!(
            "BEGIN; SELECT tokctl.next_token_key();
             INSERT INTO tokctl.tokens (id, kind, org_id, owner_user_id, name, scopes, secret_hash,
                created_at, created_by, expires_at, issued_at, use_count)
             VALUES (1000, 'personal', {acme}, {mia_key}, 'sneaky', 'repo:read', sha256('x'),
                1, {creator}, extract(epoch FROM timestamp '{expires}')::bigint, 1, {uses})"
        );
        let err = mia.batch_execute(&sql).unwrap_err();
        let _ = mia.batch_execute("ROLLBACK");
        assert_eq!(err.code().map(|c| c.code()), Some("42501"), "{err}");
        assert!(
            err.to_string().contains(needle) || format!("{err:?}").contains(needle),
            "{err:?}"
        );
    }
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM tokctl.tokens WHERE name = 'sneaky'"
        ),
        0
    );
}

/// Every constraint, index and trigger of the schema `tokctl`, with its
/// definition and whether it is enabled (the foreign keys' own triggers are
/// named by their constraint's oid: the constraints are compared instead).
fn schema_objects(db: &Db) -> Vec<String> {
    let mut objects: Vec<String> = db
        .cluster
        .admin(&db.name)
        .query(
            "SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' '
                    || pg_get_constraintdef(oid)
             FROM pg_constraint WHERE connamespace = 'tokctl'::regnamespace
             UNION ALL
             SELECT 'index ' || indexrelid::regclass || ' ' || pg_get_indexdef(indexrelid)
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             WHERE c.relnamespace = 'tokctl'::regnamespace
             UNION ALL
             SELECT 'trigger ' || tgrelid::regclass || ' ' || tgname || ' ' || tgenabled::text
             FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN
                (SELECT oid FROM pg_class WHERE relnamespace = 'tokctl'::regnamespace)",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    objects.sort();
    assert!(objects.len() > 30, "{objects:?}");
    objects
}

/// A connection as one of the cluster's logins.
fn login(cluster: &Cluster, db: &Db, login: &str) -> postgres::Client {
    postgres::Config::new()
        .host_path(&cluster.socket)
        .port(cluster.port)
        .user(login)
        .password(password_of(cluster, login))
        .dbname(&db.name)
        .connect(postgres::NoTls)
        .unwrap()
}

fn password_of(cluster: &Cluster, login: &str) -> String {
    std::fs::read_to_string(&cluster.passfile)
        .unwrap()
        .lines()
        .find_map(|line| line.strip_prefix(&format!("*:*:*:{login}:")))
        .unwrap()
        .to_owned()
}

#[test]
fn a_pruned_local_chain_copies_with_its_checkpoint() {
    let Some(cluster) = Cluster::get("store_copy_pruned") else {
        return;
    };
    let mut local = Env::local();
    populate(&mut local);
    local.at("2026-12-30T10:00:00Z");
    local.ok("olive", &["audit", "prune", "--before", "30d", "--yes"]);
    local.ok(
        "olive",
        &[
            "create",
            "--name",
            "after",
            "--org",
            "default",
            "--scope",
            "repo:read",
            "--expires",
            "30d",
        ],
    );
    let local_verify = json_of(&local, "olive", &["audit", "verify", "--format", "json"]);
    let checkpoint = local_verify["checkpoint_id"].as_i64().unwrap();

    let mut team = Env::team(&cluster, "store_copy_pruned");
    team.at("2026-12-30T10:00:00Z");
    let db = Db::in_env(&team);
    let copied = json(&copy(
        &local,
        &db,
        &cluster.superuser,
        &["--format", "json"],
    ));
    assert_eq!(copied["source_checkpoint_id"], checkpoint);
    let verified = json_of(&team, "olive", &["audit", "verify", "--format", "json"]);
    assert_eq!(verified["ok"], true, "{verified}");
    assert_eq!(verified["checkpoint_id"], checkpoint);
    assert_eq!(
        verified["checkpoint_vouched_by"],
        local_verify["checkpoint_vouched_by"]
    );
    assert_eq!(
        verified["checked"],
        local_verify["checked"].as_i64().unwrap() + 1
    );
    assert_same(
        &mut local,
        &mut team,
        "olive",
        &["list", "--all", "--format", "json"],
    );
}

#[test]
fn a_team_store_in_use_is_refused_and_nothing_is_written() {
    let Some(cluster) = Cluster::get("store_copy_in_use") else {
        return;
    };
    let mut local = Env::local();
    populate(&mut local);
    // Someone used the team store first: its first user set it up.
    let mut team = Env::team(&cluster, "store_copy_in_use");
    team.ok("adam", &["org", "list"]);
    let db = Db::in_env(&team);
    let before = count(&db, "SELECT count(*) FROM tokctl.audit_events");
    for args in [&["--dry-run"][..], &[]] {
        let out = copy(&local, &db, &cluster.superuser, args);
        assert_one_error(&out, 4, "is not empty (1 orgs, 1 users, 0 tokens, ");
    }
    assert_eq!(
        count(&db, "SELECT count(*) FROM tokctl.audit_events"),
        before
    );
    assert_eq!(count(&db, "SELECT count(*) FROM tokctl.tokens"), 0);
    assert_eq!(disabled_triggers(&db), 0);

    // A second copy after a successful one is refused the same way.
    let twice = TeamDb::new(&cluster, "store_copy_twice");
    let db = Db::of(&twice);
    json(&copy(
        &local,
        &db,
        &cluster.superuser,
        &["--format", "json"],
    ));
    let events = count(&db, "SELECT count(*) FROM tokctl.audit_events");
    let out = copy(&local, &db, &cluster.superuser, &[]);
    assert_one_error(&out, 4, "is not empty (2 orgs, 5 users, 10 tokens, ");
    assert_eq!(
        count(&db, "SELECT count(*) FROM tokctl.audit_events"),
        events
    );
}

#[test]
fn only_the_database_owner_or_a_superuser_may_copy_into_a_team_store() {
    let Some(cluster) = Cluster::get("store_copy_owner") else {
        return;
    };
    let mut local = Env::local();
    populate(&mut local);
    let team = TeamDb::new(&cluster, "store_copy_owner");
    let db = Db::of(&team);
    // olive owns every org of the local store and may use the team store,
    // but is not its database's owner.
    for args in [&["--dry-run"][..], &[]] {
        let out = copy(&local, &db, "olive", args);
        assert_one_error(
            &out,
            5,
            "needs its database's owner (a member of tokctl_owner) or a superuser; 'olive' is neither",
        );
    }
    assert_eq!(rows_and_disabled_triggers(&db), (0, 0));
    // Around tokctl, the database refuses the load's functions too.
    let mut olive = login(&cluster, &db, "olive");
    for sql in [
        "SELECT tokctl.begin_load()",
        "SELECT tokctl.finish_load(1, NULL, NULL)",
        "SELECT tokctl.set_row_checks('off')",
        "SET ROLE tokctl_owner",
    ] {
        let err = olive.batch_execute(sql).unwrap_err();
        assert_eq!(
            err.code().map(|code| code.code()),
            Some("42501"),
            "{sql}: {err}"
        );
    }
    assert_eq!(rows_and_disabled_triggers(&db), (0, 0));

    // The database's owner (not a superuser), after `team init` made it a
    // member of tokctl_owner, may copy. A login of its own, so no other
    // test sees a role change.
    let owner = format!("copy_owner_{}", std::process::id());
    let password = "copy-owner-throwaway";
    let mut admin = cluster.admin("postgres");
    admin
        .batch_execute(&format!(
            "CREATE ROLE {owner} LOGIN CREATEROLE PASSWORD '{password}'"
        ))
        .unwrap();
    let owned = TeamDb::bare(&cluster, "store_copy_owned", &owner);
    let init = local
        .cmd("olive", &["team", "init"])
        .env_remove("TOKCTL_USER")
        .env("TOKCTL_DB", cluster.url(&owner, &owned.name))
        .env("PGPASSWORD", password)
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let owned_db = Db::of(&owned);
    let copied = json(&copy_with(
        &local,
        &owned_db,
        &owner,
        &["--format", "json"],
        Some(password),
    ));
    assert_eq!(copied["counts"]["tokens"], 10);
    assert_eq!(disabled_triggers(&owned_db), 0);
    drop(owned);
    let _ = admin.batch_execute(&format!(
        "REVOKE tokctl_owner FROM {owner}; DROP ROLE {owner}"
    ));
}

#[test]
fn a_copy_that_fails_leaves_the_team_store_empty_and_runs_again() {
    let Some(cluster) = Cluster::get("store_copy_rerun") else {
        return;
    };
    let mut local = Env::local();
    populate(&mut local);
    let team = TeamDb::new(&cluster, "store_copy_rerun");
    let db = Db::of(&team);
    // An edited event breaks the local chain: the copy has sent every row
    // by the time its walk of the chain ends, and must then undo them all.
    let path = local.dir.path().join("tokctl.db");
    let edit = |details: &str| {
        let store = rusqlite::Connection::open(&path).unwrap();
        store
            .execute(
                "UPDATE audit_trail SET details = ?1 WHERE id = 3",
                [details],
            )
            .unwrap();
    };
    let original: String = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT details FROM audit_events WHERE id = 3", [], |row| {
            row.get(0)
        })
        .unwrap();
    let schema = schema_objects(&db);
    edit("{\"edited\":true}");
    let out = copy(&local, &db, &cluster.superuser, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(9), "{stderr}");
    assert!(
        stderr.starts_with("error: the audit chain is broken at event 3: "),
        "{stderr}"
    );
    assert_eq!(rows_and_disabled_triggers(&db), (0, 0));
    assert_eq!(count(&db, "SELECT id FROM tokctl.audit_head"), 0);
    assert_eq!(
        schema_objects(&db),
        schema,
        "the load's changes were not undone"
    );

    edit(&original);
    let copied = json(&copy(
        &local,
        &db,
        &cluster.superuser,
        &["--format", "json"],
    ));
    assert_eq!(copied["counts"]["tokens"], 10);
    assert_eq!(disabled_triggers(&db), 0);
    let mut team = Env::team_on(team);
    let verified = json_of(&team, "olive", &["audit", "verify", "--format", "json"]);
    assert_eq!(verified["ok"], true, "{verified}");
    team.ok("olive", &["list"]);
}

/// What is refused before any server is asked.
#[test]
fn store_copy_needs_an_existing_local_store_and_a_team_store_url() {
    let local = Env::local();
    let out = local
        .cmd(
            "olive",
            &[
                "store",
                "copy",
                "--to",
                "postgres://postgres@127.0.0.1:1/tokens",
            ],
        )
        .output()
        .unwrap();
    assert_one_error(&out, 3, "local store");
    assert!(
        !local.dir.path().join("tokctl.db").exists(),
        "a store was created"
    );

    let mut local = Env::local();
    local.ok("olive", &["org", "list"]);
    let out = local
        .cmd("olive", &["store", "copy", "--to", "/tmp/other.db"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("must name a team store"));
    let out = local
        .cmd(
            "olive",
            &[
                "store",
                "copy",
                "--to",
                "postgres://postgres@127.0.0.1:1/tokens",
            ],
        )
        .env("TOKCTL_DB", "postgres://olive@127.0.0.1:1/team")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("copies a local store"));
}
