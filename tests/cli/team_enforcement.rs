//! The team store's database enforces what tokctl enforces: each test logs
//! in with the real `psql` as one of the throwaway cluster's logins (a
//! member, an admin, an owner, the verifier, the superuser) and tries to go
//! around tokctl; the database refuses, and the row stays as it was (checked
//! as the superuser). Also: what tokctl says when the database refuses it,
//! and that members are shown the same on both stores.
//!
//! The cluster is the one `scripts/test` starts (see `team_store.rs`);
//! without it these tests say so loudly and pass, except in CI.
use std::process::{Command as StdCommand, Output};

use super::team_store::{assert_one_error, same_on_both, Cluster, Env, TeamDb};

/// A team store where olive owns org `default`, adam is its admin, mia and
/// max are members with a personal token each (`mia-tok`, `max-tok`), and
/// olive made an org token `bot`.
struct Team {
    env: Env,
    cluster: Cluster,
}

impl Team {
    fn new(test: &str) -> Option<Team> {
        let cluster = Cluster::get(test)?;
        let mut env = Env::team(&cluster, test);
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
        for user in ["mia", "max"] {
            let name = format!("{user}-tok");
            env.ok(
                user,
                &[
                    "create",
                    "--name",
                    &name,
                    "--scope",
                    "repo:read",
                    "--expires",
                    "30d",
                ],
            );
        }
        env.ok(
            "olive",
            &[
                "create",
                "--name",
                "bot",
                "--org-token",
                "--scope",
                "repo:write",
                "--expires",
                "30d",
            ],
        );
        Some(Team { env, cluster })
    }

    fn db(&self) -> &TeamDb {
        self.env.team.as_ref().unwrap()
    }

    /// `psql` as `login`, running `sql` and stopping at the first error;
    /// errors carry their SQLSTATE (VERBOSITY verbose).
    fn psql(&self, login: &str, sql: &str) -> Output {
        StdCommand::new("psql")
            .env_clear()
            .env("PGPASSFILE", &self.cluster.passfile)
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .args([
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-v",
                "VERBOSITY=verbose",
                "-h",
                &self.cluster.host,
                "-p",
                &self.cluster.port.to_string(),
                "-U",
                login,
                "-d",
                &self.db().name,
                "-c",
                sql,
            ])
            .output()
            .expect("psql (package postgresql-client) runs")
    }

    /// `sql` as `login` must fail with SQLSTATE 42501 and `needle` in the message.
    fn refused(&self, login: &str, sql: &str, needle: &str) {
        let out = self.psql(login, sql);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success(),
            "{login} was allowed: {sql}\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(
            stderr.contains("42501"),
            "{login}: {sql}: not a privilege refusal: {stderr}"
        );
        assert!(
            stderr.contains(needle),
            "{login}: {sql}: expected {needle:?} in {stderr}"
        );
    }

    /// `sql` as `login` must succeed; returns what it printed.
    fn allowed(&self, login: &str, sql: &str) -> String {
        let out = self.psql(login, sql);
        assert!(
            out.status.success(),
            "{login}: {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// One value, read as the superuser (past every policy).
    fn fact(&self, sql: &str) -> String {
        let row = self
            .cluster
            .admin(&self.db().name)
            .query_one(&format!("SELECT ({sql})::text"), &[])
            .unwrap();
        row.get::<_, Option<String>>(0).unwrap_or_default()
    }
}

/// SQL for a token row `login` sends: org `default`, the given kind,
/// owner, scopes and expiry (Unix seconds or NULL), issued at 1795000000.
fn token_insert(login: &str, kind: &str, owner: &str, scopes: &str, expires: &str) -> String {
    format!(
        "INSERT INTO tokctl.tokens (id, kind, org_id, owner_user_id, name, scopes, secret_hash,
             created_at, created_by, expires_at, issued_at)
         VALUES (tokctl.next_token_key(), '{kind}', (SELECT id FROM tokctl.orgs WHERE name = 'default'),
             {owner}, 'by-hand', '{scopes}', sha256('by-hand'), 1795000000,
             (SELECT id FROM tokctl.users WHERE name = '{login}'), {expires}, 1795000000)"
    )
}

/// An event `login` appends for itself, as tokctl would.
fn own_event(login: &str, action: &str) -> String {
    format!(
        "SELECT tokctl.append_event(1795000000, '{login}', '{action}', 'ok', 'default', NULL, NULL, '{{}}', NULL)"
    )
}

#[test]
fn a_member_cannot_read_hashes_or_rows_tokctl_hides() {
    let Some(team) = Team::new("hide") else {
        return;
    };
    let max_key = team.fact("SELECT id FROM tokctl.tokens WHERE name = 'max-tok'");
    // The digest column is not granted, on tokens nor on retired secrets.
    team.refused(
        "mia",
        "SELECT secret_hash FROM tokctl.tokens",
        "permission denied",
    );
    team.refused("mia", "SELECT * FROM tokctl.tokens", "permission denied");
    team.refused(
        "mia",
        "SELECT secret_hash FROM tokctl.retired_secrets",
        "permission denied",
    );
    // Rows: her own token only; max's and the org token are not there.
    assert_eq!(
        team.allowed("mia", "SELECT string_agg(name, ',') FROM tokctl.tokens"),
        "mia-tok"
    );
    // An admin sees the org's tokens; still no digest.
    assert_eq!(
        team.allowed(
            "adam",
            "SELECT string_agg(name, ',' ORDER BY name) FROM tokctl.tokens"
        ),
        "bot,max-tok,mia-tok"
    );
    team.refused(
        "adam",
        "SELECT secret_hash FROM tokctl.tokens",
        "permission denied",
    );
    // The functions tokctl uses do not hand another's digest over either.
    assert_eq!(
        team.allowed(
            "mia",
            &format!("SELECT coalesce(tokctl.secret_hash_of({max_key})::text, 'none')")
        ),
        "none"
    );
    assert_eq!(
        team.allowed(
            "mia",
            &format!("SELECT count(*) FROM tokctl.retired_secrets_of({max_key})")
        ),
        "0"
    );
    // The verify lookup compares in the database and names nothing for a wrong digest.
    assert_eq!(
        team.allowed(
            "mia",
            &format!(
                "SELECT current::text || '|' || name || '|' || scopes
                 FROM tokctl.verify_lookup({max_key}, sha256('guess'))"
            )
        ),
        "false||"
    );
    // The trail: a member reads the events about her own tokens only.
    let seen = team.allowed(
        "mia",
        "SELECT string_agg(DISTINCT coalesce(target, '-'), ',') FROM tokctl.audit_events",
    );
    assert_eq!(seen, "mia-tok");
}

#[test]
fn a_member_cannot_change_another_users_token_or_her_own_counts() {
    let Some(team) = Team::new("tokens") else {
        return;
    };
    // Rows she may not manage are not there to update or delete.
    let out = team.allowed(
        "mia",
        "UPDATE tokctl.tokens SET revoked_at = 1, revoke_reason = 'x' WHERE name <> 'mia-tok'",
    );
    assert_eq!(out, "");
    assert_eq!(
        team.fact("SELECT count(*) FROM tokctl.tokens WHERE revoked_at IS NOT NULL"),
        "0"
    );
    team.allowed("mia", "DELETE FROM tokctl.tokens");
    assert_eq!(team.fact("SELECT count(*) FROM tokctl.tokens"), "3");
    // Columns that are not hers to set at all.
    team.refused(
        "mia",
        "UPDATE tokctl.tokens SET use_count = 1000",
        "permission denied",
    );
    team.refused(
        "mia",
        "UPDATE tokctl.tokens SET owner_user_id = NULL",
        "permission denied",
    );
    team.refused(
        "mia",
        "UPDATE tokctl.meta SET value = '1' WHERE key = 'next_token_key'",
        "permission denied",
    );
    // Revoking her own token in someone else's name, or un-revoking it.
    team.refused(
        "mia",
        "UPDATE tokctl.tokens SET revoked_at = 1, revoked_by = (SELECT id FROM tokctl.users WHERE name = 'olive')",
        "revoker must be the session user",
    );
    // A token for someone else, or an org token: admins only.
    team.refused(
        "mia",
        &format!(
            "BEGIN; {}; {}; COMMIT",
            own_event("mia", "token.create"),
            token_insert(
                "mia",
                "personal",
                "(SELECT id FROM tokctl.users WHERE name = 'max')",
                "repo:read",
                "1795086400"
            )
        ),
        "row-level security",
    );
    team.refused(
        "mia",
        &format!(
            "BEGIN; {}; {}; COMMIT",
            own_event("mia", "token.create"),
            token_insert("mia", "org", "NULL", "repo:read", "1795086400")
        ),
        "row-level security",
    );
    // Minting in another's name.
    team.refused(
        "mia",
        &format!(
            "BEGIN; {}; {}; COMMIT",
            own_event("mia", "token.create"),
            token_insert(
                "olive",
                "personal",
                "(SELECT id FROM tokctl.users WHERE name = 'mia')",
                "repo:read",
                "1795086400"
            )
        ),
        "creator must be the session user",
    );
}

#[test]
fn a_member_cannot_change_memberships_policies_or_users() {
    let Some(mut team) = Team::new("directory") else {
        return;
    };
    let default = "(SELECT id FROM tokctl.orgs WHERE name = 'default')";
    let mia = "(SELECT id FROM tokctl.users WHERE name = 'mia')";
    team.refused(
        "mia",
        &format!(
            "INSERT INTO tokctl.memberships (org_id, user_id, role, created_at)
             VALUES ({default}, (SELECT id FROM tokctl.users WHERE name = 'olive'), 'member', 0)
             ON CONFLICT (org_id, user_id) DO UPDATE SET role = 'member'"
        ),
        "row-level security",
    );
    assert_eq!(
        team.allowed(
            "mia",
            &format!("UPDATE tokctl.memberships SET role = 'owner' WHERE user_id = {mia}")
        ),
        ""
    );
    team.allowed("mia", "DELETE FROM tokctl.memberships");
    assert_eq!(
        team.fact(&format!(
            "SELECT role FROM tokctl.memberships WHERE user_id = {mia}"
        )),
        "member"
    );
    assert_eq!(team.fact("SELECT count(*) FROM tokctl.memberships"), "4");
    // An admin removes members (offboarding) but sets no roles: owners do.
    assert_eq!(
        team.allowed(
            "adam",
            &format!("UPDATE tokctl.memberships SET role = 'admin' WHERE user_id = {mia}")
        ),
        ""
    );
    // Policies: owners only.
    team.refused(
        "mia",
        &format!("INSERT INTO tokctl.org_policies (org_id, max_tokens) VALUES ({default}, 1000)"),
        "row-level security",
    );
    team.refused(
        "adam",
        &format!("INSERT INTO tokctl.org_policies (org_id, max_tokens) VALUES ({default}, 1000)"),
        "row-level security",
    );
    team.env
        .ok("olive", &["org", "policy", "default", "--max-tokens", "50"]);
    team.allowed("adam", "UPDATE tokctl.org_policies SET max_tokens = NULL");
    assert_eq!(
        team.fact("SELECT max_tokens FROM tokctl.org_policies"),
        "50"
    );
    // Users: admins and owners register them.
    team.refused(
        "mia",
        "INSERT INTO tokctl.users (name, created_at) VALUES ('eve', 0)",
        "row-level security",
    );
    // The last owner stays, even for the owner herself.
    team.refused(
        "olive",
        &format!(
            "BEGIN; {}; DELETE FROM tokctl.memberships WHERE role = 'owner'; COMMIT",
            own_event("olive", "member.remove")
        ),
        "last owner of org default",
    );
    team.refused(
        "olive",
        &format!(
            "BEGIN; {}; UPDATE tokctl.memberships SET role = 'admin' WHERE role = 'owner'; COMMIT",
            own_event("olive", "member.set")
        ),
        "last owner of org default",
    );
    // An owner's own change still needs its audit event, in the same transaction.
    team.refused(
        "olive",
        &format!("UPDATE tokctl.memberships SET role = 'admin' WHERE user_id = {mia}"),
        "needs its audit event in the same transaction",
    );
    assert_eq!(
        team.fact(&format!(
            "SELECT role FROM tokctl.memberships WHERE user_id = {mia}"
        )),
        "member"
    );
}

#[test]
fn a_token_that_breaks_the_policy_is_refused_whoever_inserts_it() {
    let Some(mut team) = Team::new("policy") else {
        return;
    };
    team.env.ok(
        "olive",
        &[
            "org",
            "policy",
            "default",
            "--max-lifetime",
            "30d",
            "--require-expiry",
            "--allowed-scopes",
            "repo:write,docs:read",
            "--member-tokens",
            "deny",
        ],
    );
    let insert = |login: &str, kind: &str, owner: &str, scopes: &str, expires: &str| {
        format!(
            "BEGIN; {}; {}; COMMIT",
            own_event(login, "token.create"),
            token_insert(login, kind, owner, scopes, expires)
        )
    };
    let day = 86_400;
    let issued = 1_795_000_000_i64;
    // Lifetime: 31 days after issue is past 30d; none at all is too.
    team.refused(
        "adam",
        &insert(
            "adam",
            "org",
            "NULL",
            "repo:read",
            &(issued + 31 * day).to_string(),
        ),
        "expires later than the max lifetime of 30d",
    );
    team.refused(
        "adam",
        &insert("adam", "org", "NULL", "repo:read", "NULL"),
        "never expires, but the org requires an expiry",
    );
    // Scopes outside the allow-list, by resource and by action.
    team.refused(
        "adam",
        &insert(
            "adam",
            "org",
            "NULL",
            "issues:read",
            &(issued + day).to_string(),
        ),
        "scope issues:read is not in the allowed scopes",
    );
    team.refused(
        "adam",
        &insert(
            "adam",
            "org",
            "NULL",
            "docs:write",
            &(issued + day).to_string(),
        ),
        "scope docs:write is not in the allowed scopes",
    );
    // A plain member's personal token, with member tokens denied.
    team.refused(
        "mia",
        &insert(
            "mia",
            "personal",
            "(SELECT id FROM tokctl.users WHERE name = 'mia')",
            "repo:read",
            &(issued + day).to_string(),
        ),
        "does not allow members to hold personal tokens",
    );
    // The same row within the policy goes in (so the refusals above were the policy's).
    team.allowed(
        "adam",
        &insert(
            "adam",
            "org",
            "NULL",
            "repo:read docs:read[handbook]",
            &(issued + 30 * day).to_string(),
        ),
    );
    // Updating a token past the policy: refused too.
    team.refused(
        "adam",
        &format!(
            "BEGIN; {}; UPDATE tokctl.tokens SET expires_at = NULL WHERE name = 'by-hand'; COMMIT",
            own_event("adam", "token.rotate")
        ),
        "never expires",
    );
    team.refused(
        "adam",
        &format!(
            "BEGIN; {}; UPDATE tokctl.tokens SET scopes = 'repo:admin' WHERE name = 'by-hand'; COMMIT",
            own_event("adam", "token.rotate")
        ),
        "scope repo:admin is not in the allowed scopes",
    );
    // Calendar months: a 1mo lifetime from 31 January ends on 28 February.
    team.env.ok(
        "olive",
        &["org", "policy", "default", "--max-lifetime", "1mo"],
    );
    assert_eq!(
        team.fact("tokctl.latest_expiry('1mo', 1801699200)"),
        "1804118400",
        "2027-01-31 + 1mo = 2027-02-28"
    );
    // The quota counts every token, including those the inserter cannot see.
    let count: i64 = team
        .fact("SELECT count(*) FROM tokctl.tokens")
        .parse()
        .unwrap();
    team.env.ok(
        "olive",
        &[
            "org",
            "policy",
            "default",
            "--max-tokens",
            &count.to_string(),
            "--member-tokens",
            "allow",
            "--max-lifetime",
            "none",
        ],
    );
    team.refused(
        "mia",
        &insert(
            "mia",
            "personal",
            "(SELECT id FROM tokctl.users WHERE name = 'mia')",
            "repo:read",
            &(issued + day).to_string(),
        ),
        &format!("it may have at most {count} tokens"),
    );
    assert_eq!(
        team.fact("SELECT count(*) FROM tokctl.tokens")
            .parse::<i64>()
            .unwrap(),
        count
    );
    // And a row without its audit event does not commit, even within the policy.
    team.env.ok(
        "olive",
        &["org", "policy", "default", "--max-tokens", "none"],
    );
    team.refused(
        "adam",
        &token_insert(
            "adam",
            "org",
            "NULL",
            "repo:read",
            &(issued + day).to_string(),
        ),
        "needs its audit event in the same transaction",
    );
}

#[test]
fn the_audit_trail_is_append_only_and_linked_by_the_database() {
    let Some(mut team) = Team::new("audit") else {
        return;
    };
    // No one writes the table directly, the owner neither.
    team.refused(
        "mia",
        "INSERT INTO tokctl.audit_events (id, at, action, outcome, details, hash)
         VALUES (1000, 0, 'x', 'ok', '{}', '\\x00')",
        "permission denied",
    );
    team.refused(
        "olive",
        "UPDATE tokctl.audit_events SET actor = 'someone'",
        "permission denied",
    );
    team.refused(
        "olive",
        "DELETE FROM tokctl.audit_events",
        "permission denied",
    );
    // Nor the superuser, past every grant: the trigger holds.
    for sql in [
        "UPDATE tokctl.audit_events SET actor = 'someone'",
        "DELETE FROM tokctl.audit_events WHERE id = 1",
        "TRUNCATE tokctl.audit_events",
    ] {
        team.refused(
            &team.cluster.superuser.clone(),
            sql,
            "audit events are never changed or deleted",
        );
    }
    // A forged actor is refused; one's own event goes in, linked by the database.
    team.refused(
        "mia",
        &own_event("olive", "org.add"),
        "actor must be the session user mia",
    );
    team.refused(
        "mia",
        "SELECT tokctl.append_event(0, NULL, 'org.add', 'ok', NULL, NULL, NULL, '{}', NULL)",
        "actor must be the session user",
    );
    // With and without an OS user (the two hash domains), and text that is
    // not ASCII: `audit verify` recomputes each hash in Rust.
    team.allowed(
        "mia",
        "SELECT tokctl.append_event(1795000000, 'mia', 'note', 'ok', NULL, NULL, 'héllo ✓',
             '{\"why\": \"naïve – test\"}', NULL)",
    );
    team.allowed(
        "vera",
        "SELECT tokctl.append_event(1795000001, 'vera', 'note', 'denied', 'default', 42, NULL,
             '{}', 'vera (uid 7)')",
    );
    team.env.ok("olive", &["audit", "verify"]);
    // Pruning: only an owner of every org, and only with its audit.prune event.
    team.refused(
        "adam",
        "SELECT tokctl.prune_events(2)",
        "needs the owner role in every org",
    );
    team.refused(
        "olive",
        "SELECT tokctl.prune_events(2)",
        "needs its audit.prune event",
    );
    assert_eq!(
        team.fact("SELECT min(id) FROM tokctl.audit_events"),
        "1",
        "nothing was pruned"
    );
    // Appends from many sessions at once, none of them tokctl: one chain.
    let before: i64 = team
        .fact("SELECT max(id) FROM tokctl.audit_events")
        .parse()
        .unwrap();
    std::thread::scope(|scope| {
        for login in ["olive", "adam", "mia", "max", "vera", "olive", "mia", "max"] {
            let team = &team;
            scope.spawn(move || {
                let mut sql = String::new();
                for n in 0..25 {
                    sql.push_str(&format!(
                        "SELECT tokctl.append_event(1795000000, '{login}', 'note', 'ok', NULL, NULL, 'n{n}', '{{}}', NULL);"
                    ));
                }
                team.allowed(login, &sql);
            });
        }
    });
    assert_eq!(
        team.fact("SELECT max(id) - min(id) + 1 = count(*) FROM tokctl.audit_events"),
        "true",
        "no gaps"
    );
    assert_eq!(
        team.fact("SELECT max(id) FROM tokctl.audit_events")
            .parse::<i64>()
            .unwrap(),
        before + 200
    );
    team.env.ok("olive", &["audit", "verify"]);
}

#[test]
fn a_verifier_can_verify_and_nothing_else() {
    let Some(mut team) = Team::new("verifier") else {
        return;
    };
    let secret = team.env.secret(
        "olive",
        &[
            "create",
            "--name",
            "svc",
            "--org-token",
            "--scope",
            "repo:read",
            "--expires",
            "7d",
        ],
    );
    let key = team.fact("SELECT id FROM tokctl.tokens WHERE name = 'svc'");
    for sql in [
        "SELECT name FROM tokctl.tokens",
        "SELECT name FROM tokctl.users",
        "SELECT name FROM tokctl.orgs",
        "SELECT role FROM tokctl.memberships",
        "SELECT * FROM tokctl.org_policies",
        "SELECT * FROM tokctl.audit_events",
        "SELECT * FROM tokctl.token_usage",
        "SELECT token_id FROM tokctl.retired_secrets",
    ] {
        team.refused("vera", sql, "permission denied");
    }
    for sql in [
        format!("SELECT tokctl.secret_hash_of({key})"),
        format!("SELECT * FROM tokctl.retired_secrets_of({key})"),
        "SELECT tokctl.next_token_key()".to_owned(),
        "SELECT tokctl.prune_events(1)".to_owned(),
    ] {
        team.refused("vera", &sql, "permission denied for function");
    }
    // What it may do: verify, with usage recorded and refusals labelled.
    assert_eq!(
        team.env.verify("vera", &secret, &["--scope", "repo:read"]),
        0
    );
    assert_eq!(
        team.env.verify("vera", &secret, &["--scope", "repo:admin"]),
        13
    );
    assert_eq!(
        team.fact("SELECT use_count FROM tokctl.tokens WHERE name = 'svc'"),
        "1"
    );
    assert_eq!(
        team.fact(
            "SELECT org || '/' || target FROM tokctl.audit_events
             WHERE action = 'token.verify' ORDER BY id DESC LIMIT 1"
        ),
        "default/svc"
    );
    // It cannot list or mint: tokctl says forbidden, in one line.
    let out = team.env.run_with(
        "vera",
        &["create", "--scope", "repo:read", "--expires", "1d"],
        None,
    );
    assert_eq!(out.status.code(), Some(5));
}

/// A login whose access was taken away gets exit 5 and one line from
/// every command; given back, it works again. (A login of its own: the
/// group roles are the server's, so revoking one of the shared logins
/// would reach the other tests' databases too.)
#[test]
fn a_refusal_by_the_database_is_forbidden_exit_5_with_one_line() {
    let Some(mut team) = Team::new("revoked") else {
        return;
    };
    let login = format!("tk_gone_{}", std::process::id());
    let password = format!("pw-{}-{}", std::process::id(), login.len());
    team.cluster
        .admin("postgres")
        .batch_execute(&format!("CREATE ROLE {login} LOGIN PASSWORD '{password}'"))
        .unwrap();
    let run = |team: &Team, args: &[&str]| {
        team.env
            .cmd(&login, args)
            .env("PGPASSWORD", &password)
            .output()
            .unwrap()
    };
    team.env.ok("olive", &["user", "add", &login]);
    team.env.ok(
        "olive",
        &[
            "member", "add", "--org", "default", "--user", &login, "--role", "member",
        ],
    );
    // Not granted yet: the database refuses.
    assert_one_error(
        &run(&team, &["list"]),
        5,
        "refused by the team store: permission denied",
    );
    let su = team.cluster.superuser.clone();
    assert!(team.db().team(&su, &["grant", &login]).status.success());
    let out = run(&team, &["list"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(team.db().team(&su, &["revoke", &login]).status.success());
    assert_one_error(
        &run(&team, &["list"]),
        5,
        "refused by the team store: permission denied",
    );
    assert_one_error(
        &run(
            &team,
            &["create", "--scope", "repo:read", "--expires", "1d"],
        ),
        5,
        "refused by the team store",
    );
    drop(team);
    let _ = Cluster::get("revoked")
        .unwrap()
        .admin("postgres")
        .batch_execute(&format!("DROP ROLE IF EXISTS {login}"));
}

fn members_see_what_tokctl_shows_them(env: &mut Env) {
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
    env.ok(
        "max",
        &[
            "create",
            "--name",
            "max-tok",
            "--scope",
            "repo:read",
            "--expires",
            "30d",
        ],
    );
    let mine = env.secret(
        "mia",
        &[
            "create",
            "--name",
            "mia-tok",
            "--scope",
            "repo:read",
            "--expires",
            "30d",
        ],
    );
    env.ok(
        "olive",
        &[
            "create",
            "--name",
            "bot",
            "--org-token",
            "--scope",
            "repo:write",
            "--expires",
            "30d",
        ],
    );
    let listed: serde_json::Value =
        serde_json::from_str(&env.ok("adam", &["list", "--all", "--format", "json"])).unwrap();
    let max_id = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "max-tok")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    env.ok("mia", &["list", "--all"]);
    env.ok("mia", &["show", "mia-tok", "--format", "json"]);
    // Naming another's token by id: forbidden (it exists, in org default).
    assert_eq!(env.run("mia", &["show", &max_id]), 5);
    assert_eq!(env.run("mia", &["revoke", &max_id]), 5);
    assert_eq!(env.run("mia", &["rotate", &max_id]), 5);
    assert_eq!(env.run("mia", &["show", "max-tok"]), 3);
    assert_eq!(env.run("mia", &["show", "bot"]), 3);
    env.ok("mia", &["rotate", "mia-tok", "--grace", "1h"]);
    assert_eq!(env.verify("mia", &mine, &[]), 0, "within its grace");
    env.ok("mia", &["show", "mia-tok"]);
    env.ok("mia", &["audit"]);
    assert_eq!(env.run("mia", &["audit", "verify"]), 5);
    assert_eq!(env.run("mia", &["report"]), 5);
    assert_eq!(
        env.run(
            "mia",
            &["member", "add", "--org", "default", "--user", "mia", "--role", "owner"]
        ),
        5
    );
    assert_eq!(
        env.run("adam", &["org", "policy", "default", "--max-tokens", "9"]),
        5
    );
    env.ok("adam", &["user", "remove", "max", "--yes"]);
    env.ok("adam", &["list", "--all", "--format", "json"]);
    env.ok("adam", &["audit", "verify"]);
}

#[test]
fn members_see_and_may_do_the_same_on_both_stores() {
    same_on_both("members", members_see_what_tokctl_shows_them);
}

/// docs/team.md's backup and restore, followed: `pg_dump` of the schema,
/// `pg_restore` into an empty database, `team init` to renew the grants;
/// the chain verifies there and the restored store takes new writes.
#[test]
fn a_pg_dump_restores_into_a_working_store() {
    let Some(mut team) = Team::new("dump") else {
        return;
    };
    let restored = TeamDb::bare(&team.cluster, "restored", &team.cluster.superuser);
    let dump = team.env.dir.path().join("tokens.dump");
    let tool = |name: &str, args: &[&str]| {
        let out = StdCommand::new(name)
            .env_clear()
            .env("PGPASSFILE", &team.cluster.passfile)
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .args(["-h", team.cluster.socket.to_str().unwrap()])
            .args(["-p", &team.cluster.port.to_string()])
            .args(["-U", &team.cluster.superuser])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    tool(
        "pg_dump",
        &[
            "--schema=tokctl",
            "--format=custom",
            "--file",
            dump.to_str().unwrap(),
            &team.db().name,
        ],
    );
    tool(
        "pg_restore",
        &["--dbname", &restored.name, dump.to_str().unwrap()],
    );
    let out = restored.team(&team.cluster.superuser, &["init"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("up to date"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    team.env.team = Some(restored);
    team.env.ok("olive", &["audit", "verify"]);
    team.env.ok("mia", &["list"]);
    team.env.ok(
        "mia",
        &[
            "create",
            "--name",
            "after",
            "--scope",
            "repo:read",
            "--expires",
            "1d",
        ],
    );
    team.env.ok("olive", &["audit", "verify"]);
}

/// A store made before the database enforced anything (schema version 1,
/// owned by the login that opened it first, with events in its chain):
/// tokctl refuses it until `team init` upgrades it, which hands it to
/// `tokctl_owner` and continues the chain from the old head.
#[test]
fn team_init_upgrades_a_store_of_schema_version_1() {
    let Some(cluster) = Cluster::get("upgrade") else {
        return;
    };
    let mut env = Env::local();
    env.team = Some(TeamDb::bare(&cluster, "upgrade", "olive"));
    let name = env.team.as_ref().unwrap().name.clone();
    let hash = tokctl::audit::event_hash(
        &tokctl::audit::GENESIS,
        &tokctl::audit::HashedFields {
            id: 1,
            at: 1_795_000_000,
            actor: Some("olive"),
            action: "store.bootstrap",
            outcome: "ok",
            org: Some("default"),
            token_id: None,
            target: Some("olive"),
            details: "{\"role\":\"owner\"}",
            os_user: Some("olive (uid 1000)"),
        },
    );
    let hex: String = hash[..16].iter().map(|b| format!("{b:02x}")).collect();
    let mut olive = postgres::Config::new()
        .host_path(&cluster.socket)
        .port(cluster.port)
        .user("olive")
        .password(
            std::fs::read_to_string(&cluster.passfile)
                .unwrap()
                .lines()
                .find_map(|line| line.strip_prefix("*:*:*:olive:"))
                .unwrap(),
        )
        .dbname(&name)
        .connect(postgres::NoTls)
        .unwrap();
    olive
        .batch_execute(&format!(
            "CREATE SCHEMA tokctl;
             {}
             UPDATE tokctl.meta SET value = '1' WHERE key = 'schema_version';
             INSERT INTO tokctl.orgs (name, created_at) VALUES ('default', 1795000000);
             INSERT INTO tokctl.users (name, created_at) VALUES ('olive', 1795000000);
             INSERT INTO tokctl.memberships VALUES (1, 1, 'owner', 1795000000);
             INSERT INTO tokctl.audit_events VALUES (1, 1795000000, 'olive', 'store.bootstrap',
                 'ok', 'default', NULL, 'olive', '{{\"role\":\"owner\"}}', '\\x{hex}',
                 'olive (uid 1000)');",
            include_str!("../../src/store/postgres/migrations/0001_init.sql")
        ))
        .unwrap();
    let out = env.cmd("olive", &["list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(6));
    assert!(String::from_utf8_lossy(&out.stderr).contains("schema version 1, older"));
    let db = env.team.as_ref().unwrap();
    let out = db.team(&cluster.superuser, &["init"]);
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("upgraded the team store from schema version 1"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(db
        .team(&cluster.superuser, &["grant", "olive"])
        .status
        .success());
    let owner: String = cluster
        .admin(&name)
        .query_one(
            "SELECT pg_get_userbyid(relowner)::text FROM pg_class WHERE oid = 'tokctl.tokens'::regclass",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(owner, "tokctl_owner");
    env.ok(
        "olive",
        &[
            "create",
            "--name",
            "new",
            "--scope",
            "repo:read",
            "--expires",
            "1d",
        ],
    );
    let report: serde_json::Value =
        serde_json::from_str(&env.ok("olive", &["audit", "verify", "--format", "json"])).unwrap();
    assert_eq!(report["ok"], true, "{report}");
    // Her old ownership gave her no way past the policies: she no longer owns the tables.
    let refused = olive.batch_execute("UPDATE tokctl.audit_events SET actor = 'x'");
    assert!(refused.is_err());
}

#[test]
fn a_member_cannot_mark_herself_a_service_account_and_removed_users_are_no_one() {
    let Some(mut team) = Team::new("service") else {
        return;
    };
    let mark_mia = "UPDATE tokctl.users SET kind = 'service' WHERE name = 'mia'";
    // A member marks herself a service account: refused, event or not.
    team.refused(
        "mia",
        mark_mia,
        "only admins and owners mark service accounts",
    );
    team.refused(
        "mia",
        &format!(
            "BEGIN; {}; {mark_mia}; COMMIT",
            own_event("mia", "user.edit")
        ),
        "only admins and owners mark service accounts",
    );
    // Nor registers one, nor changes her own record; a name never changes.
    team.refused(
        "mia",
        "INSERT INTO tokctl.users (name, created_at, kind) VALUES ('bot', 0, 'service')",
        "only admins and owners mark service accounts",
    );
    team.refused(
        "mia",
        "UPDATE tokctl.users SET email = 'mia@example.com' WHERE name = 'mia'",
        "only admins and owners change users",
    );
    team.refused(
        "adam",
        "UPDATE tokctl.users SET name = 'mia2' WHERE name = 'mia'",
        "permission denied",
    );
    assert_eq!(
        team.fact("SELECT kind FROM tokctl.users WHERE name = 'mia'"),
        "person"
    );
    // An admin may, with its event in the same transaction.
    team.refused("adam", mark_mia, "needs its audit event");
    team.allowed(
        "adam",
        &format!(
            "BEGIN; {}; {mark_mia}; COMMIT",
            own_event("adam", "user.edit")
        ),
    );
    assert_eq!(
        team.fact("SELECT kind FROM tokctl.users WHERE name = 'mia'"),
        "service"
    );
    // The policy trigger knows the exemption: mia, now a service account,
    // holds a personal token; max, a person, may not.
    team.env.ok(
        "olive",
        &[
            "org",
            "policy",
            "default",
            "--member-tokens",
            "deny-except-service-accounts",
        ],
    );
    let mint = |login: &str| {
        format!(
            "BEGIN; {}; {}; COMMIT",
            own_event(login, "token.create"),
            token_insert(
                login,
                "personal",
                &format!("(SELECT id FROM tokctl.users WHERE name = '{login}')"),
                "repo:read",
                "1796000000",
            )
        )
    };
    team.allowed("mia", &mint("mia"));
    team.refused(
        "max",
        &mint("max"),
        "does not allow members to hold personal tokens",
    );
    // Removing a user is for after they left every org: no admin of one org
    // locks out a member of another.
    team.refused(
        "adam",
        &format!(
            "BEGIN; {}; UPDATE tokctl.users SET removed_at = 1795000000 WHERE name = 'max'; COMMIT",
            own_event("adam", "user.remove")
        ),
        "still belongs to an org and cannot be marked removed",
    );
    // Offboarded with tokctl, max is no one to the database: no org of his
    // own, no membership (even from the owner), no token (even from an admin).
    team.env.ok("olive", &["user", "remove", "max", "--yes"]);
    assert_ne!(
        team.fact("SELECT removed_at FROM tokctl.users WHERE name = 'max'"),
        ""
    );
    team.refused(
        "max",
        &format!(
            "BEGIN; {}; INSERT INTO tokctl.orgs (name, created_at) VALUES ('maxco', 0); COMMIT",
            own_event("max", "org.add")
        ),
        "row-level security",
    );
    team.refused(
        "olive",
        &format!(
            "BEGIN; {}; INSERT INTO tokctl.memberships (org_id, user_id, role, created_at)
             VALUES ((SELECT id FROM tokctl.orgs WHERE name = 'default'),
                     (SELECT id FROM tokctl.users WHERE name = 'max'), 'member', 0); COMMIT",
            own_event("olive", "member.set")
        ),
        "user max was removed and gets no membership",
    );
    team.refused(
        "adam",
        &format!(
            "BEGIN; {}; {}; COMMIT",
            own_event("adam", "token.create"),
            token_insert(
                "adam",
                "personal",
                "(SELECT id FROM tokctl.users WHERE name = 'max')",
                "repo:read",
                "1796000000",
            )
        ),
        "a removed user gets no token",
    );
    // tokctl says the same before the database is asked.
    let out = team.env.run_with("max", &["list"], None);
    assert_eq!(out.status.code(), Some(5));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: user 'max' was removed from this store"),
        "{stderr}"
    );
}

#[test]
fn reminders_are_read_and_written_only_by_the_admins_of_their_org() {
    let Some(mut team) = Team::new("remind") else {
        return;
    };
    for user in ["olive", "adam", "max"] {
        let email = format!("{user}@example.com");
        team.env
            .ok("olive", &["user", "edit", user, "--email", &email]);
    }
    // max is a member of `default` and owns `other`, with a token there.
    team.env.ok("max", &["org", "add", "other"]);
    team.env.ok(
        "max",
        &[
            "create",
            "--org",
            "other",
            "--name",
            "other-tok",
            "--scope",
            "repo:read",
            "--expires",
            "30d",
        ],
    );
    // olive reminds for `default` (bot to olive and adam, max-tok to max;
    // mia has no address), max for `other`.
    team.env.ok(
        "olive",
        &["notify", "--expiring", "30d", "--format", "jsonl"],
    );
    team.env.ok(
        "max",
        &[
            "notify",
            "--expiring",
            "30d",
            "--org",
            "other",
            "--format",
            "jsonl",
        ],
    );
    let names =
        "SELECT coalesce(string_agg(t.name || '>' || u.name, ',' ORDER BY t.name, u.name), '')
                 FROM tokctl.reminders r JOIN tokctl.users u ON u.id = r.user_id
                 JOIN tokctl.tokens t ON t.id = r.token_id";
    assert_eq!(
        team.fact(names),
        "bot>adam,bot>olive,max-tok>max,other-tok>max"
    );
    let plain = "SELECT count(*) FROM tokctl.reminders";
    // Reads: a member sees none of her org's, not even about her own token;
    // an owner of another org sees only that org's; an admin his org's.
    assert_eq!(team.allowed("mia", plain), "0");
    assert_eq!(
        team.allowed(
            "max",
            "SELECT string_agg(threshold || ':' || token_id, ',') FROM tokctl.reminders"
        ),
        format!(
            "30d:{}",
            team.fact("SELECT id FROM tokctl.tokens WHERE name = 'other-tok'")
        )
    );
    assert_eq!(team.allowed("adam", plain), "3");
    team.refused("vera", plain, "permission denied");

    // Writes: remembering (or forging) a reminder about a token of an org
    // one does not administer is refused, with its event or without.
    let bot = team.fact("SELECT id FROM tokctl.tokens WHERE name = 'bot'");
    let other = team.fact("SELECT id FROM tokctl.tokens WHERE name = 'other-tok'");
    let insert = |token: &str, user: &str| {
        format!(
            "INSERT INTO tokctl.reminders (token_id, threshold, expires_at, user_id, sent_at)
             VALUES ({token}, '1d', 1797592000, (SELECT id FROM tokctl.users WHERE name = '{user}'), 1795000000)"
        )
    };
    for (login, token) in [("mia", &bot), ("max", &bot), ("adam", &other)] {
        team.refused(
            login,
            &format!(
                "BEGIN; {}; {}; COMMIT",
                own_event(login, "notify.sent"),
                insert(token, login)
            ),
            "row-level security",
        );
    }
    // Changing another org's: no row to change (hidden), so nothing changes.
    let sent = "SELECT string_agg(sent_at::text, ',' ORDER BY user_id) FROM tokctl.reminders r
                JOIN tokctl.tokens t ON t.id = r.token_id WHERE t.name = 'bot'";
    let before = team.fact(sent);
    team.allowed(
        "max",
        &format!(
            "BEGIN; {}; UPDATE tokctl.reminders SET sent_at = 0; COMMIT",
            own_event("max", "notify.sent")
        ),
    );
    team.allowed(
        "mia",
        &format!(
            "BEGIN; {}; UPDATE tokctl.reminders SET sent_at = 0; COMMIT",
            own_event("mia", "notify.sent")
        ),
    );
    assert_eq!(team.fact(sent), before);
    // Nobody deletes a reminder (they go with their token); only the time
    // of one changes.
    team.refused("adam", "DELETE FROM tokctl.reminders", "permission denied");
    team.refused(
        "adam",
        "UPDATE tokctl.reminders SET threshold = '1y'",
        "permission denied",
    );
    // Even an admin remembers a reminder only with its audit event.
    team.refused(
        "adam",
        &insert(&bot, "mia"),
        "a change to reminders needs its audit event",
    );
    assert_eq!(team.fact("SELECT count(*) FROM tokctl.reminders"), "4");
    team.allowed(
        "adam",
        &format!(
            "BEGIN; {}; {}; COMMIT",
            own_event("adam", "notify.sent"),
            insert(&bot, "mia")
        ),
    );
    assert_eq!(team.fact("SELECT count(*) FROM tokctl.reminders"), "5");
}
