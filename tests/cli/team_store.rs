//! The team store on PostgreSQL behaves as the local store does: each case
//! runs the real binary against a local SQLite file and against a fresh
//! PostgreSQL database, and the two transcripts (exit codes, stdout, stderr,
//! secrets redacted) must be equal. The server is the throwaway cluster
//! `scripts/test` starts (`TOKCTL_TEST_PG`); without one these tests say
//! so loudly and pass, except in CI (`CI=true`), where they fail.
//!
//! Also here: what only a team store does (the acting user is the database
//! user, `--as` is refused, a password in the URL is refused, an unreachable
//! server exits 6, concurrent writers keep one unbroken audit chain).
use std::io::Write as _;
use std::path::PathBuf;
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};

use assert_cmd::Command;
use tempfile::TempDir;

const NOW: &str = "2026-11-22T10:00:00Z";

/// The throwaway cluster scripts/test made, from `TOKCTL_TEST_PG`
/// (`host=… port=… socket=… passfile=… superuser=… ca=… wrong_ca=…
/// other_host=…`, see scripts/pg-cluster).
#[derive(Debug, Clone)]
pub struct Cluster {
    pub host: String,
    pub port: u16,
    pub socket: PathBuf,
    pub passfile: PathBuf,
    pub superuser: String,
    /// The certificate authority that signed the server's certificate.
    pub ca: PathBuf,
    /// An authority that signed nothing of this server's.
    pub wrong_ca: PathBuf,
    /// Another address of the server that its certificate does not name.
    pub other_host: String,
}

impl Cluster {
    /// The cluster, or `None` (after a loud note) when there is none outside CI.
    pub fn get(test: &str) -> Option<Cluster> {
        let Ok(text) = std::env::var("TOKCTL_TEST_PG") else {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("CI must run the team-store tests: scripts/test starts PostgreSQL (package postgresql)");
            }
            // Straight to stderr: the test harness hides what eprintln! prints.
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED {test}: no PostgreSQL (TOKCTL_TEST_PG unset; scripts/test starts one \
                 where the postgresql package is installed) ***\n"
            );
            return None;
        };
        Some(Cluster::parse(&text))
    }

    /// The cluster a line in `TOKCTL_TEST_PG`'s form describes (what
    /// `scripts/pg-cluster start` prints).
    pub fn parse(text: &str) -> Cluster {
        let field = |name: &str| {
            text.split_whitespace()
                .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
                .unwrap_or_else(|| panic!("TOKCTL_TEST_PG lacks {name}"))
                .to_owned()
        };
        Cluster {
            host: field("host"),
            port: field("port").parse().unwrap(),
            socket: field("socket").into(),
            passfile: field("passfile").into(),
            superuser: field("superuser"),
            ca: field("ca").into(),
            wrong_ca: field("wrong_ca").into(),
            other_host: field("other_host"),
        }
    }

    /// The superuser's password, from the pgpass file.
    pub fn superuser_password(&self) -> String {
        self.password_of(&self.superuser)
    }

    /// The password of `login`, from the pgpass file.
    pub fn password_of(&self, login: &str) -> String {
        let text = std::fs::read_to_string(&self.passfile).unwrap();
        text.lines()
            .find_map(|line| line.strip_prefix(&format!("*:*:*:{login}:")))
            .unwrap()
            .to_owned()
    }

    pub fn admin(&self, dbname: &str) -> postgres::Client {
        postgres::Config::new()
            .host_path(&self.socket)
            .port(self.port)
            .user(&self.superuser)
            .password(self.superuser_password())
            .dbname(dbname)
            .connect(postgres::NoTls)
            .unwrap()
    }

    /// The store URL of `user` in `dbname`, over TCP.
    pub fn url(&self, user: &str, dbname: &str) -> String {
        self.url_at(&self.host, user, dbname, "sslmode=disable")
    }

    /// The store URL of `user` in `dbname` at `host` (this server's port),
    /// with `query` as its parameters.
    pub fn url_at(&self, host: &str, user: &str, dbname: &str, query: &str) -> String {
        format!("postgres://{user}@{host}:{}/{dbname}?{query}", self.port)
    }
}

/// A database of its own for one test, dropped afterwards, set up as its
/// owner would: `tokctl team init` as the superuser, then `team grant` for
/// olive, adam, mia and max, and `team grant --verifier` for vera.
pub struct TeamDb {
    pub cluster: Cluster,
    pub name: String,
}

static DATABASES: AtomicUsize = AtomicUsize::new(0);

impl TeamDb {
    pub fn new(cluster: &Cluster, test: &str) -> TeamDb {
        let db = TeamDb::bare(cluster, test, "tokctl_super");
        db.team_ok(&["init"]);
        for login in ["olive", "adam", "mia", "max"] {
            db.team_ok(&["grant", login]);
        }
        db.team_ok(&["grant", "vera", "--verifier"]);
        db
    }

    /// `tokctl team ARGS` as `user`.
    pub fn team(&self, user: &str, args: &[&str]) -> Output {
        let home = tempfile::tempdir().unwrap();
        Command::cargo_bin("tokctl")
            .unwrap()
            .env_clear()
            .env("HOME", home.path())
            .env("TOKCTL_DB", self.cluster.url(user, &self.name))
            .env("PGPASSFILE", &self.cluster.passfile)
            .arg("team")
            .args(args)
            .output()
            .unwrap()
    }

    /// `tokctl team ARGS` as the superuser, which must succeed.
    fn team_ok(&self, args: &[&str]) {
        let out = self.team(&self.cluster.superuser, args);
        assert!(
            out.status.success(),
            "team {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// An empty database owned by `owner`, with no schema made for tokctl.
    pub fn bare(cluster: &Cluster, test: &str, owner: &str) -> TeamDb {
        let name = format!(
            "tk_{test}_{}_{}",
            std::process::id(),
            DATABASES.fetch_add(1, Ordering::SeqCst)
        );
        cluster
            .admin("postgres")
            .batch_execute(&format!("CREATE DATABASE {name} OWNER {owner}"))
            .unwrap();
        TeamDb {
            cluster: cluster.clone(),
            name,
        }
    }
}

impl Drop for TeamDb {
    fn drop(&mut self) {
        let _ = self.cluster.admin("postgres").batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}

/// One command as run: who, what, and what came back (secrets redacted).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Step {
    user: String,
    args: Vec<String>,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// A store (local or team), a keyring file and a pinned clock; every
/// command run is recorded.
pub struct Env {
    pub team: Option<TeamDb>,
    pub dir: TempDir,
    now: String,
    steps: Vec<Step>,
}

impl Env {
    pub fn local() -> Env {
        Env {
            team: None,
            dir: tempfile::tempdir().unwrap(),
            now: NOW.into(),
            steps: Vec::new(),
        }
    }

    pub fn team(cluster: &Cluster, test: &str) -> Env {
        Env::team_on(TeamDb::new(cluster, test))
    }

    /// An environment on a team store made beforehand.
    pub fn team_on(db: TeamDb) -> Env {
        Env {
            team: Some(db),
            ..Env::local()
        }
    }

    /// The binary as `user`: on a local store through `TOKCTL_USER`, on a
    /// team store by logging in as that database user.
    pub fn cmd(&self, user: &str, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("tokctl").unwrap();
        cmd.env_clear()
            .env("HOME", self.dir.path())
            .env("TOKCTL_TEST_KEYRING", self.dir.path().join("keyring.json"))
            .env("TOKCTL_TEST_NOW", &self.now);
        match &self.team {
            None => cmd
                .env("TOKCTL_DB", self.dir.path().join("tokctl.db"))
                .env("TOKCTL_USER", user),
            Some(db) => cmd
                .env("TOKCTL_DB", db.cluster.url(user, &db.name))
                .env("PGPASSFILE", &db.cluster.passfile),
        };
        cmd.args(args);
        cmd
    }

    pub fn run_with(&mut self, user: &str, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = self.cmd(user, args);
        if let Some(stdin) = stdin {
            cmd.write_stdin(stdin.to_owned());
        }
        let out = cmd.output().unwrap();
        self.steps.push(Step {
            user: user.to_owned(),
            args: args.iter().map(ToString::to_string).collect(),
            code: out.status.code(),
            stdout: normalize(&String::from_utf8_lossy(&out.stdout)),
            stderr: normalize(&String::from_utf8_lossy(&out.stderr)),
        });
        out
    }

    pub fn run(&mut self, user: &str, args: &[&str]) -> i32 {
        self.run_with(user, args, None).status.code().unwrap()
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&mut self, user: &str, args: &[&str]) -> String {
        let out = self.run_with(user, args, None);
        assert!(
            out.status.success(),
            "{user}: tokctl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// A command that prints a new secret (create, rotate): the secret.
    pub fn secret(&mut self, user: &str, args: &[&str]) -> String {
        self.ok(user, args).trim_end().to_owned()
    }

    /// Verifies `secret` (stdin); returns the exit code.
    pub fn verify(&mut self, user: &str, secret: &str, args: &[&str]) -> i32 {
        let mut full = vec!["verify"];
        full.extend_from_slice(args);
        self.run_with(user, &full, Some(secret))
            .status
            .code()
            .unwrap()
    }

    /// Pins the time of the commands that follow.
    pub fn at(&mut self, now: &str) {
        self.now = now.to_owned();
    }
}

/// Output as both backends must print it: secrets are random, and the note
/// of a new local store is left out (a team store is made beforehand by
/// `team init`, which says so itself; the first command only bootstraps it).
fn normalize(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with("note: created a new tokctl store at ") {
            continue;
        }
        let line = redact_secrets(line);
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Replaces every tokctl secret (`tkp_`/`tko_` and 59 characters) with `<secret>`.
fn redact_secrets(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = ["tkp_", "tko_"]
        .iter()
        .filter_map(|prefix| rest.find(prefix))
        .min()
    {
        let tail = &rest[start + 4..];
        let len = tail
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
            .count();
        out.push_str(&rest[..start]);
        if len >= 59 {
            out.push_str("<secret>");
            rest = &tail[len..];
        } else {
            out.push_str(&rest[start..start + 4]);
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

/// Runs `case` on a local store and on a team store and asserts the two
/// transcripts are equal, step by step. Returns the local one, for the
/// case's own assertions to have been checked on both.
pub fn same_on_both(test: &str, case: fn(&mut Env)) {
    let Some(cluster) = Cluster::get(test) else {
        return;
    };
    let mut local = Env::local();
    case(&mut local);
    let mut team = Env::team(&cluster, test);
    case(&mut team);
    assert_eq!(local.steps.len(), team.steps.len());
    for (index, (l, t)) in local.steps.iter().zip(&team.steps).enumerate() {
        assert_eq!(
            l, t,
            "step {index} differs between the local store (left) and the team store (right)"
        );
    }
}

/// A secret with another token's random part: well formed, wrong for this id.
fn wrong_secret(secret: &str, other: &str) -> String {
    format!("{}{}", &secret[..15], &other[15..])
}

fn core_flow(env: &mut Env) {
    env.ok("olive", &["org", "list"]);
    let deploy = env.secret(
        "olive",
        &[
            "create",
            "--name",
            "ci-deploy",
            "--scope",
            "repo:read",
            "--resource",
            "repo=api,web",
            "--scope",
            "issues:write",
            "--expires",
            "30d",
            "--description",
            "CI deploys",
        ],
    );
    let nightly = env.secret(
        "olive",
        &[
            "create",
            "--name",
            "ci-nightly",
            "--scope",
            "repo:read",
            "--expires",
            "1d",
        ],
    );
    let bot = env.secret(
        "olive",
        &[
            "create",
            "--name",
            "bot",
            "--org-token",
            "--scope",
            "repo:admin",
            "--expires",
            "90d",
        ],
    );
    env.secret(
        "olive",
        &[
            "create",
            "--name",
            "Alpha",
            "--scope",
            "docs:read",
            "--expires",
            "never",
        ],
    );
    env.ok("olive", &["list"]);
    env.ok("olive", &["list", "--all", "--format", "json"]);
    env.ok("olive", &["list", "--all", "--format", "csv"]);
    env.ok("olive", &["list", "--format", "jsonl", "--sort", "name"]);
    env.ok("olive", &["list", "--sort", "expires"]);
    env.ok("olive", &["list", "--sort", "last-used"]);
    // The name filter is a glob, case-sensitive, on both backends.
    for glob in [
        "ci-*",
        "?ot",
        "*t",
        "bo",
        "[a-c]*",
        "[^c]*",
        "*[-]*",
        "ci-[dn]*y",
        "CI-*",
        "[abc",
        "A.pha",
    ] {
        env.ok("olive", &["list", "--name", glob, "--format", "json"]);
    }
    env.ok(
        "olive",
        &["list", "--scope", "repo:read", "--format", "json"],
    );
    env.ok(
        "olive",
        &["list", "--scope", "repo:write", "--format", "json"],
    );
    env.ok("olive", &["show", "ci-deploy"]);
    env.ok("olive", &["show", "ci-deploy", "--format", "json"]);

    assert_eq!(env.verify("vera", &deploy, &[]), 0);
    assert_eq!(
        env.verify(
            "vera",
            &deploy,
            &["--scope", "repo:read", "--resource", "repo=api"]
        ),
        0
    );
    assert_eq!(env.verify("vera", &deploy, &["--format", "json"]), 0);
    assert_eq!(
        env.verify("vera", &deploy, &["--scope", "repo:write"]),
        13,
        "insufficient scope"
    );
    assert_eq!(
        env.verify("vera", &wrong_secret(&deploy, &nightly), &[]),
        10,
        "wrong secret"
    );
    assert_eq!(env.verify("vera", "tkp_not-a-token", &[]), 10);
    assert_eq!(env.verify("vera", &bot, &["--scope", "repo:write"]), 0);
    let batch = format!("{deploy}\n{bot}\ntkp_garbage\n");
    env.run_with(
        "vera",
        &["verify", "--batch", "--format", "json"],
        Some(&batch),
    );
    env.ok("olive", &["secret", "bot"]);
    let out = env.run_with("olive", &["inspect", "--format", "json"], Some(&nightly));
    assert_eq!(out.status.code(), Some(0));
    env.ok("olive", &["revoke", "ci-nightly", "--reason", "replaced"]);
    assert_eq!(env.verify("vera", &nightly, &[]), 12, "revoked");
    env.ok("olive", &["show", "ci-deploy", "--usage", "--since", "7d"]);

    // Rotation with a grace period: both secrets work until it ends.
    let deploy2 = env.secret("olive", &["rotate", "ci-deploy", "--grace", "1h"]);
    assert_eq!(
        env.verify("vera", &deploy, &[]),
        0,
        "old secret within its grace"
    );
    assert_eq!(env.verify("vera", &deploy2, &[]), 0);
    // Without one, the replaced secret stops at once.
    let deploy3 = env.secret("olive", &["rotate", "ci-deploy", "--format", "json"]);
    let deploy3: serde_json::Value = serde_json::from_str(&deploy3).unwrap();
    let deploy3 = deploy3["secret"].as_str().unwrap().to_owned();
    assert_eq!(env.verify("vera", &deploy2, &[]), 14, "rotated away");
    assert_eq!(env.verify("vera", &deploy3, &[]), 0);

    env.at("2026-11-24T10:00:00Z");
    let short = env.secret(
        "olive",
        &[
            "create",
            "--name",
            "short",
            "--scope",
            "repo:read",
            "--expires",
            "1h",
        ],
    );
    env.at("2026-11-24T12:00:00Z");
    assert_eq!(env.verify("vera", &short, &[]), 11, "expired");
    assert_eq!(
        env.run(
            "olive",
            &[
                "check",
                "--expiring",
                "60d",
                "--stale",
                "1d",
                "--format",
                "json"
            ]
        ),
        22
    );
    env.run("olive", &["check", "--expiring", "60d"]);

    // Bulk revoke by filter: dry run, refusal without --yes, then for real.
    env.ok(
        "olive",
        &["revoke", "--name", "ci-*", "--dry-run", "--format", "json"],
    );
    assert_eq!(env.run("olive", &["revoke", "--name", "ci-*"]), 8);
    env.ok("olive", &["revoke", "--name", "ci-*", "--yes"]);
    env.ok("olive", &["list", "--all"]);

    env.at("2026-12-10T10:00:00Z");
    env.ok(
        "olive",
        &["prune", "--before", "7d", "--dry-run", "--format", "jsonl"],
    );
    env.ok("olive", &["prune", "--before", "7d", "--yes"]);
    env.ok("olive", &["list", "--all", "--format", "json"]);
    assert_eq!(env.run("olive", &["show", "ci-nightly"]), 3, "pruned");
    env.ok("olive", &["audit", "verify"]);
}

#[test]
fn the_core_flow_is_the_same_on_both_stores() {
    same_on_both("core", core_flow);
}

fn directory_and_policy(env: &mut Env) {
    env.ok("olive", &["org", "list"]);
    for user in ["adam", "mia", "max"] {
        env.ok("olive", &["user", "add", user]);
    }
    env.ok(
        "olive",
        &[
            "member", "add", "--org", "default", "--user", "adam", "--role", "admin",
        ],
    );
    env.ok(
        "olive",
        &[
            "member", "add", "--org", "default", "--user", "mia", "--role", "member",
        ],
    );
    env.ok("olive", &["org", "add", "acme"]);
    env.ok(
        "olive",
        &[
            "member", "add", "--org", "acme", "--user", "max", "--role", "member",
        ],
    );
    env.ok(
        "olive",
        &[
            "member", "add", "--org", "acme", "--user", "mia", "--role", "member",
        ],
    );
    env.ok("olive", &["org", "list", "--format", "json"]);
    env.ok("olive", &["user", "list"]);
    env.ok("olive", &["member", "list"]);
    env.ok(
        "olive",
        &["member", "list", "--org", "acme", "--format", "json"],
    );
    assert_eq!(env.run("olive", &["org", "add", "acme"]), 4, "taken");
    assert_eq!(env.run("vera", &["list"]), 5, "not registered");

    env.secret(
        "adam",
        &[
            "create",
            "--name",
            "adam-tok",
            "--scope",
            "repo:read",
            "--expires",
            "7d",
        ],
    );
    env.secret(
        "mia",
        &[
            "create",
            "--org",
            "default",
            "--name",
            "mia-tok",
            "--scope",
            "repo:read",
            "--expires",
            "7d",
        ],
    );
    assert_eq!(
        env.run(
            "mia",
            &[
                "create",
                "--name",
                "x",
                "--scope",
                "repo:read",
                "--expires",
                "7d"
            ]
        ),
        2,
        "two orgs and no --org"
    );
    env.ok("mia", &["list", "--all"]);
    env.ok("adam", &["list", "--all"]);
    assert_eq!(
        env.run("mia", &["revoke", "adam-tok"]),
        3,
        "not hers to see"
    );
    assert_eq!(
        env.run(
            "adam",
            &["member", "add", "--org", "acme", "--user", "adam", "--role", "owner"]
        ),
        5
    );

    env.ok(
        "olive",
        &[
            "org",
            "policy",
            "default",
            "--max-lifetime",
            "30d",
            "--max-tokens",
            "3",
        ],
    );
    env.ok("olive", &["org", "policy", "default"]);
    env.ok("olive", &["org", "policy", "default", "--format", "json"]);
    assert_eq!(
        env.run(
            "mia",
            &[
                "create",
                "--org",
                "default",
                "--scope",
                "repo:read",
                "--expires",
                "90d"
            ]
        ),
        5,
        "policy: lifetime"
    );
    env.secret(
        "adam",
        &[
            "create",
            "--name",
            "third",
            "--scope",
            "repo:read",
            "--expires",
            "7d",
        ],
    );
    assert_eq!(
        env.run(
            "adam",
            &["create", "--scope", "repo:read", "--expires", "7d"]
        ),
        5,
        "policy: quota"
    );
    env.ok(
        "olive",
        &[
            "org",
            "policy",
            "default",
            "--max-lifetime",
            "1d",
            "--max-tokens",
            "none",
        ],
    );
    assert_eq!(env.run("olive", &["policy", "check"]), 23);
    env.run("olive", &["policy", "check", "--revoke", "--dry-run"]);
    env.ok("olive", &["policy", "check", "--revoke", "--yes"]);

    assert_eq!(env.run("olive", &["user", "remove", "mia"]), 8);
    env.ok("olive", &["user", "remove", "mia", "--dry-run"]);
    env.ok("olive", &["user", "remove", "mia", "--yes"]);
    env.ok(
        "olive",
        &["member", "remove", "--org", "acme", "--user", "max"],
    );
    assert_eq!(
        env.run(
            "olive",
            &["member", "remove", "--org", "default", "--user", "olive"]
        ),
        2,
        "last owner"
    );
    env.ok("olive", &["member", "list", "--format", "json"]);
    env.ok("olive", &["report"]);
    env.ok("olive", &["report", "--format", "json"]);
}

#[test]
fn orgs_users_members_and_policy_are_the_same_on_both_stores() {
    same_on_both("directory", directory_and_policy);
}

/// Service accounts, removed users and a directory import: read from stdin,
/// so that no temp path differs between the two transcripts.
fn service_accounts_and_import(env: &mut Env) {
    env.ok("olive", &["org", "list"]);
    env.ok(
        "olive",
        &[
            "user",
            "add",
            "adam",
            "--display-name",
            "Adam A",
            "--email",
            "adam@example.com",
        ],
    );
    env.ok(
        "olive",
        &[
            "member", "add", "--org", "default", "--user", "adam", "--role", "admin",
        ],
    );
    env.ok("adam", &["user", "add", "deploy-bot", "--service"]);
    env.ok(
        "olive",
        &[
            "member",
            "add",
            "--org",
            "default",
            "--user",
            "deploy-bot",
            "--role",
            "member",
        ],
    );
    let deploy = env.secret(
        "adam",
        &[
            "create",
            "--user",
            "deploy-bot",
            "--name",
            "deploy",
            "--scope",
            "repo:write",
            "--expires",
            "30d",
        ],
    );
    env.secret(
        "adam",
        &[
            "create",
            "--name",
            "adams",
            "--scope",
            "repo:read",
            "--expires",
            "30d",
        ],
    );
    let people = "login,display_name,email,org,role,service\n\
        mia,Mia M,mia@example.com,default,member,\n\
        max,,,default,member,\n\
        ci-bot,,,default,member,yes\n\
        adam,,adam@new.example,default,,\n";
    let import = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["user", "import", "-", "--input-format", "csv"];
        args.extend_from_slice(extra);
        args.iter().map(ToString::to_string).collect()
    };
    let args = import(&["--dry-run"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(
        env.run_with("olive", &args, Some(people)).status.code(),
        Some(0)
    );
    let args = import(&["--dry-run", "--format", "json"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    env.run_with("olive", &args, Some(people));
    let args = import(&[]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(
        env.run_with("olive", &args, Some(people)).status.code(),
        Some(8)
    );
    let bad = "login,org,role\nzed,default,boss\nyan,nowhere,member\nzed,default,admin\n";
    let args = import(&["--yes"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(
        env.run_with("olive", &args, Some(bad)).status.code(),
        Some(2)
    );
    // An admin registers users but sets no memberships: owners do.
    assert_eq!(
        env.run_with("adam", &args, Some(people)).status.code(),
        Some(5)
    );
    let args = import(&["--yes", "--format", "json"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(
        env.run_with("olive", &args, Some(people)).status.code(),
        Some(0)
    );
    env.ok("olive", &["user", "list"]);
    env.ok("olive", &["user", "list", "--format", "json"]);
    env.ok("olive", &["member", "list", "--format", "json"]);

    env.ok(
        "olive",
        &[
            "org",
            "policy",
            "default",
            "--member-tokens",
            "deny-except-service-accounts",
        ],
    );
    assert_eq!(
        env.run(
            "mia",
            &["create", "--scope", "repo:read", "--expires", "7d"]
        ),
        5,
        "a person, under deny-except-service-accounts"
    );
    env.secret(
        "olive",
        &[
            "create",
            "--user",
            "ci-bot",
            "--name",
            "ci",
            "--scope",
            "repo:read",
            "--expires",
            "7d",
        ],
    );
    assert_eq!(env.run("mia", &["user", "edit", "mia", "--service"]), 5);
    env.ok(
        "adam",
        &["user", "edit", "max", "--service", "--format", "json"],
    );
    env.ok("olive", &["user", "edit", "max", "--person"]);
    assert_eq!(env.run("olive", &["policy", "check"]), 0);
    env.ok("olive", &["list", "--sort", "name"]);
    env.ok("olive", &["list", "--format", "json", "--sort", "name"]);
    env.ok("olive", &["report", "--format", "json"]);

    // Offboarding adam leaves the service account he set up working.
    env.ok("olive", &["user", "remove", "adam", "--dry-run"]);
    env.ok("olive", &["user", "remove", "adam", "--yes"]);
    assert_eq!(env.verify("vera", &deploy, &[]), 0);
    env.ok("olive", &["list", "--all", "--sort", "name"]);
    env.ok("olive", &["show", "adams", "--format", "json"]);
    env.ok("olive", &["user", "list", "--all"]);
    env.ok("olive", &["user", "list", "--all", "--format", "json"]);
    assert_eq!(env.run("adam", &["list"]), 5, "removed");
    assert_eq!(
        env.run(
            "olive",
            &["member", "add", "--org", "default", "--user", "adam", "--role", "member"]
        ),
        2,
        "removed, not restored"
    );
    env.ok("olive", &["user", "edit", "adam", "--restore"]);
    env.ok(
        "olive",
        &[
            "member", "add", "--org", "default", "--user", "adam", "--role", "member",
        ],
    );
    env.ok("adam", &["list"]);
    env.ok("olive", &["audit", "verify"]);
}

#[test]
fn service_accounts_removed_users_and_import_are_the_same_on_both_stores() {
    same_on_both("service", service_accounts_and_import);
}

fn audit_trail(env: &mut Env) {
    env.ok("olive", &["org", "list"]);
    env.ok("olive", &["user", "add", "mia"]);
    env.ok(
        "olive",
        &[
            "member", "add", "--org", "default", "--user", "mia", "--role", "member",
        ],
    );
    let secret = env.secret(
        "mia",
        &[
            "create",
            "--name",
            "mine",
            "--scope",
            "repo:read",
            "--expires",
            "30d",
        ],
    );
    for _ in 0..3 {
        assert_eq!(env.verify("vera", &secret, &["--scope", "repo:read"]), 0);
    }
    assert_eq!(env.verify("vera", &secret, &["--scope", "repo:admin"]), 13);
    env.at("2026-11-23T10:00:00Z");
    env.ok("olive", &["revoke", "mine"]);
    env.ok("olive", &["audit"]);
    env.ok("olive", &["audit", "--format", "json"]);
    env.ok(
        "olive",
        &["audit", "--action", "token", "--format", "jsonl"],
    );
    env.ok("olive", &["audit", "--token", "mine", "--format", "csv"]);
    env.ok("olive", &["audit", "--actor", "vera"]);
    env.ok("olive", &["audit", "--since", "2026-11-23T00:00:00Z"]);
    env.ok("mia", &["audit"]);
    env.ok("olive", &["audit", "verify"]);
    env.ok("olive", &["audit", "head"]);
    let head: serde_json::Value =
        serde_json::from_str(&env.ok("olive", &["audit", "head", "--format", "json"])).unwrap();
    let head = head["expect"].as_str().unwrap().to_owned();
    env.ok("olive", &["audit", "verify", "--format", "json"]);
    env.at("2026-12-30T10:00:00Z");
    env.ok("olive", &["audit", "prune", "--before", "30d", "--dry-run"]);
    env.ok("olive", &["audit", "prune", "--before", "30d", "--yes"]);
    env.ok("olive", &["audit", "verify"]);
    env.ok("olive", &["audit", "verify", "--expect", &head]);
    env.ok("olive", &["report", "--format", "json"]);
    env.ok("olive", &["show", "mine", "--usage", "--format", "json"]);
}

#[test]
fn the_audit_trail_and_report_are_the_same_on_both_stores() {
    same_on_both("audit", audit_trail);
}

/// `doctor` reports no store files for a team store, and `backup` points to pg_dump.
fn edit_and_deactivate(env: &mut Env) {
    env.ok("olive", &["org", "list"]);
    env.ok("olive", &["user", "add", "mia"]);
    env.ok(
        "olive",
        &[
            "member", "add", "--org", "default", "--user", "mia", "--role", "member",
        ],
    );
    let ci = env.secret(
        "olive",
        &[
            "create",
            "--name",
            "ci",
            "--scope",
            "repo:write",
            "--expires",
            "30d",
        ],
    );
    let mine = env.secret(
        "mia",
        &[
            "create",
            "--name",
            "mine",
            "--scope",
            "repo:read",
            "--expires",
            "30d",
        ],
    );
    env.ok(
        "olive",
        &["org", "policy", "default", "--max-lifetime", "60d"],
    );
    // Edits: narrower scopes, earlier and later expiries, a new name.
    env.ok(
        "olive",
        &[
            "edit",
            "ci",
            "--scope",
            "repo:read",
            "--resource",
            "repo=web",
            "--description",
            "web",
        ],
    );
    assert_eq!(
        env.run("olive", &["edit", "ci", "--scope", "repo:write"]),
        2
    );
    assert_eq!(env.run("olive", &["edit", "ci", "--expires", "90d"]), 5);
    env.ok("olive", &["edit", "ci", "--expires", "10d"]);
    env.ok(
        "olive",
        &["edit", "ci", "--expires", "50d", "--format", "json"],
    );
    env.ok("olive", &["edit", "ci", "--name", "ci-web"]);
    assert_eq!(env.verify("vera", &ci, &["--scope", "repo:read[web]"]), 0);
    // Deactivate, refused by verify (15), shown as such, activated again.
    env.ok("olive", &["deactivate", "ci-web", "--reason", "audit"]);
    assert_eq!(env.verify("vera", &ci, &[]), 15);
    env.ok("olive", &["list", "--format", "json"]);
    env.ok("olive", &["show", "ci-web"]);
    env.ok("olive", &["deactivate", "--owner", "mia", "--dry-run"]);
    env.ok(
        "olive",
        &["deactivate", "--owner", "mia", "--yes", "--format", "jsonl"],
    );
    assert_eq!(env.verify("vera", &mine, &[]), 15);
    env.ok("olive", &["list", "--status", "deactivated"]);
    env.ok("olive", &["report", "--format", "json"]);
    env.ok("olive", &["activate", "ci-web", "--format", "json"]);
    assert_eq!(env.verify("vera", &ci, &[]), 0);
    env.at("2027-02-01T10:00:00Z");
    assert_eq!(env.run("olive", &["activate", "mine"]), 2);
    env.ok(
        "olive",
        &["audit", "--action", "token", "--format", "jsonl"],
    );
}

#[test]
fn edit_deactivate_and_activate_are_the_same_on_both_stores() {
    same_on_both("admin", edit_and_deactivate);
}

/// Expiry reminders: the same people hear of the same tokens on both
/// stores, a refused message is retried by the next run, what went out is
/// not repeated (whoever of the admins runs it), a member may not remind,
/// a prune takes the reminders with the tokens; and the report's formats.
/// The mail program is a script at one path for both runs (a command's
/// arguments are part of the transcript).
fn reminders_and_report_formats(env: &mut Env) {
    let dir = std::env::temp_dir().join(format!("tokctl-team-notify-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let sendmail = format!("{} -t", super::notify::fake_sendmail(&dir).display());
    env.ok("olive", &["org", "list"]);
    env.ok(
        "olive",
        &["user", "edit", "olive", "--email", "olive@example.com"],
    );
    env.ok(
        "olive",
        &[
            "user",
            "add",
            "adam",
            "--display-name",
            "Adam Åberg",
            "--email",
            "adam@example.com",
        ],
    );
    env.ok(
        "olive",
        &[
            "member", "add", "--org", "default", "--user", "adam", "--role", "admin",
        ],
    );
    env.ok("olive", &["user", "add", "mia"]);
    env.ok(
        "olive",
        &[
            "member", "add", "--org", "default", "--user", "mia", "--role", "member",
        ],
    );
    env.secret(
        "mia",
        &[
            "create",
            "--name",
            "mine",
            "--scope",
            "repo:read",
            "--expires",
            "3d",
        ],
    );
    env.secret(
        "olive",
        &[
            "create",
            "--name",
            "bot",
            "--org-token",
            "--scope",
            "repo:write",
            "--expires",
            "5d",
        ],
    );
    env.secret(
        "olive",
        &[
            "create",
            "--name",
            "later",
            "--scope",
            "repo:read",
            "--expires",
            "60d",
        ],
    );
    env.ok("olive", &["notify", "--expiring", "7d", "--dry-run"]);
    env.ok(
        "olive",
        &[
            "notify",
            "--expiring",
            "7d",
            "--dry-run",
            "--format",
            "jsonl",
        ],
    );
    assert_eq!(
        env.run("mia", &["notify", "--expiring", "7d", "--dry-run"]),
        5
    );
    // adam's mailbox refuses: olive's goes out, adam's is retried.
    std::fs::write(dir.join("fail-for"), "adam").unwrap();
    assert_eq!(
        env.run(
            "olive",
            &["notify", "--expiring", "7d", "--sendmail", &sendmail]
        ),
        25
    );
    std::fs::remove_file(dir.join("fail-for")).unwrap();
    env.ok(
        "adam",
        &["notify", "--expiring", "7d", "--sendmail", &sendmail],
    );
    let messages = super::notify::received(&dir);
    let to: Vec<String> = messages
        .iter()
        .map(|(_, message)| message.lines().next().unwrap().to_owned())
        .collect();
    assert_eq!(
        to,
        [
            "To: =?UTF-8?B?QWRhbSDDhWJlcmc=?= <adam@example.com>",
            "To: olive@example.com",
            "To: =?UTF-8?B?QWRhbSDDhWJlcmc=?= <adam@example.com>",
        ]
    );
    // Nothing new; mia (no address) is handed over as JSON but not remembered.
    env.ok(
        "olive",
        &["notify", "--expiring", "7d", "--sendmail", &sendmail],
    );
    env.ok(
        "olive",
        &["notify", "--expiring", "7d", "--format", "jsonl"],
    );
    env.ok(
        "olive",
        &["notify", "--expiring", "7d", "--format", "jsonl"],
    );
    env.ok(
        "olive",
        &["audit", "--action", "notify.sent", "--format", "jsonl"],
    );
    env.ok("olive", &["report"]);
    env.ok("olive", &["report", "--top", "1"]);
    env.ok("olive", &["report", "--format", "csv"]);
    env.ok("olive", &["report", "--format", "jsonl"]);
    // A year on, the expired tokens are pruned and their reminders go with them.
    env.at("2027-12-01T10:00:00Z");
    env.ok("olive", &["prune", "--before", "30d", "--yes"]);
    env.ok("olive", &["notify", "--expiring", "7d", "--dry-run"]);
    env.ok("olive", &["audit", "verify"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn reminders_and_report_formats_are_the_same_on_both_stores() {
    same_on_both("notify", reminders_and_report_formats);
}

#[test]
fn doctor_and_backup_on_a_team_store() {
    let Some(cluster) = Cluster::get("doctor") else {
        return;
    };
    let mut env = Env::team(&cluster, "doctor");
    env.ok("olive", &["org", "list"]);
    let report: serde_json::Value =
        serde_json::from_str(&env.ok("olive", &["doctor", "--format", "json"])).unwrap();
    assert_eq!(report["store_path"], serde_json::Value::Null, "{report}");
    let dest = env.dir.path().join("copy.db");
    let out = env.run_with("olive", &["backup", dest.to_str().unwrap()], None);
    assert_one_error(&out, 2, "pg_dump");
    assert!(!dest.exists(), "the reserved file is removed again");
}

/// The acting user is the database user, and `--as` cannot change it.
#[test]
fn a_team_store_acts_as_the_database_user_and_refuses_as() {
    let Some(cluster) = Cluster::get("identity") else {
        return;
    };
    let mut env = Env::team(&cluster, "identity");
    let out = env.run_with("olive", &["org", "list"], None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("set up org 'default' with 'olive' as its owner"),
        "{stderr}"
    );
    let out = env
        .cmd("olive", &["--as", "adam", "list"])
        .output()
        .unwrap();
    assert_one_error(&out, 2, "--as");
    let out = env
        .cmd("olive", &["list"])
        .env("TOKCTL_USER", "olive")
        .output()
        .unwrap();
    assert_one_error(&out, 2, "TOKCTL_USER");
    // Another database user is another tokctl user, unknown until added.
    let out = env.run_with("adam", &["list"], None);
    assert_eq!(out.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&out.stderr).contains("user 'adam' is not registered"));
    let events = env.ok("olive", &["audit", "--format", "json"]);
    let events: serde_json::Value = serde_json::from_str(&events).unwrap();
    assert_eq!(events[0]["actor"], "olive");
    assert_eq!(events[0]["action"], "store.bootstrap");
}

/// A team store is made by `tokctl team init`, run by a superuser (or the
/// database's owner with CREATEROLE): opening an empty database is refused
/// with the way forward, so is `team init` by its owner without CREATEROLE;
/// init is idempotent; a store from a newer tokctl, or a schema tokctl that
/// is not tokctl's, is refused untouched.
#[test]
fn team_init_makes_the_store_and_foreign_or_newer_ones_are_refused() {
    let Some(cluster) = Cluster::get("schema") else {
        return;
    };
    let mut env = Env::local();
    let db = TeamDb::bare(&cluster, "schema", "olive");
    let name = db.name.clone();
    env.team = Some(db);
    let out = env.cmd("olive", &["org", "list"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(6),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("holds no tokctl team store yet"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint:") && stderr.contains("team init"),
        "{stderr}"
    );

    let out = env.team.as_ref().unwrap().team("olive", &["init"]);
    assert_one_error(
        &out,
        5,
        "needs a superuser, or the database's owner with CREATEROLE",
    );
    let out = env
        .team
        .as_ref()
        .unwrap()
        .team(&cluster.superuser, &["init"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("created a new tokctl team store"));
    let out = env
        .team
        .as_ref()
        .unwrap()
        .team(&cluster.superuser, &["init"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("up to date"),
        "only once"
    );
    let out = env
        .team
        .as_ref()
        .unwrap()
        .team(&cluster.superuser, &["grant", "olive"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = env.run_with("olive", &["org", "list"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("set up org 'default' with 'olive'"));

    cluster
        .admin(&name)
        .batch_execute("UPDATE tokctl.meta SET value = '99' WHERE key = 'schema_version'")
        .unwrap();
    let out = env.cmd("olive", &["list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(6));
    assert!(String::from_utf8_lossy(&out.stderr).contains("schema version 99, newer"));

    let foreign = TeamDb::bare(&cluster, "foreign", "olive");
    cluster
        .admin(&foreign.name)
        .batch_execute(
            "CREATE SCHEMA tokctl AUTHORIZATION olive; CREATE TABLE tokctl.tokens (id int)",
        )
        .unwrap();
    let out = foreign.team(&cluster.superuser, &["init"]);
    assert_eq!(
        out.status.code(),
        Some(24),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    env.team = Some(foreign);
    let out = env.cmd("olive", &["list"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(24),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `team` needs a team store, and grants only to existing, well-formed logins.
#[test]
fn team_commands_refuse_a_local_store_and_unknown_logins() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("tokctl")
        .unwrap()
        .env_clear()
        .env("HOME", dir.path())
        .args([
            "--db",
            dir.path().join("t.db").to_str().unwrap(),
            "team",
            "init",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("postgres:// URL"));
    let Some(cluster) = Cluster::get("grants") else {
        return;
    };
    let db = TeamDb::new(&cluster, "grants");
    let out = db.team(&cluster.superuser, &["grant", "nobody_here"]);
    assert_one_error(&out, 3, "nobody_here");
    let out = db.team(&cluster.superuser, &["grant", "bad\"name"]);
    assert_eq!(out.status.code(), Some(2));
    // Only who may grant roles on the server may: not a tokctl user.
    let out = db.team("mia", &["grant", "max", "--verifier"]);
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = db.team("mia", &["revoke", "adam"]);
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Writers on separate connections queue on the advisory lock: every
/// token gets its own key and the audit chain stays one unbroken line.
#[test]
fn concurrent_writers_keep_one_unbroken_chain() {
    let Some(cluster) = Cluster::get("concurrent") else {
        return;
    };
    let mut env = Env::team(&cluster, "concurrent");
    env.ok("olive", &["org", "list"]);
    let env = &env;
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|worker| {
                scope.spawn(move || {
                    for n in 0..3 {
                        let name = format!("w{worker}-{n}");
                        let out = env
                            .cmd(
                                "olive",
                                &[
                                    "create",
                                    "--name",
                                    &name,
                                    "--scope",
                                    "repo:read",
                                    "--expires",
                                    "1d",
                                ],
                            )
                            .output()
                            .unwrap();
                        assert!(
                            out.status.success(),
                            "{}",
                            String::from_utf8_lossy(&out.stderr)
                        );
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
    });
    let out = env
        .cmd("olive", &["list", "--format", "json"])
        .output()
        .unwrap();
    let tokens: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut ids: Vec<&str> = tokens
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 12);
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 12, "every token has its own id");
    let out = env
        .cmd("olive", &["audit", "verify", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], true, "{report}");
}

/// A writer waits for the writers' lock at most 10 s, then the store is
/// busy (exit 6); readers never wait for it.
#[test]
fn a_held_writer_lock_makes_writes_busy_and_leaves_reads_alone() {
    let Some(cluster) = Cluster::get("busy") else {
        return;
    };
    let mut env = Env::team(&cluster, "busy");
    env.ok("olive", &["org", "list"]);
    let name = env.team.as_ref().unwrap().name.clone();
    let mut holder = cluster.admin(&name);
    let mut hold = holder.transaction().unwrap();
    // The lock every tokctl write transaction takes first: ("tokc", 1).
    hold.batch_execute("SELECT pg_advisory_xact_lock(1953459043, 1)")
        .unwrap();
    env.ok("olive", &["list", "--all"]);
    let out = env
        .cmd(
            "olive",
            &["create", "--scope", "repo:read", "--expires", "1d"],
        )
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(6),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("locked by another process"));
    assert!(
        out.stdout.is_empty(),
        "no secret for a token that was not made"
    );
    hold.rollback().unwrap();
    env.ok(
        "olive",
        &["create", "--scope", "repo:read", "--expires", "1d"],
    );
}

/// Exactly one `error:` line, the exit code, and no panic.
pub fn assert_one_error(out: &Output, code: i32, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "stderr: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(lines[0].contains(needle), "expected {needle:?} in {stderr}");
}

/// The binary with a store URL and nothing else; needs no server.
fn bare(url: &str, args: &[&str]) -> Output {
    let home = tempfile::tempdir().unwrap();
    Command::cargo_bin("tokctl")
        .unwrap()
        .env_clear()
        .env("HOME", home.path())
        .env("PGPASSWORD", "not-needed")
        .env("TOKCTL_DB", url)
        .args(args)
        .output()
        .unwrap()
}

/// A password in the URL is refused before any connection, and never repeated.
#[test]
fn a_password_in_the_store_url_is_refused_without_echoing_it() {
    for url in [
        "postgres://olive:hunter2-secret@127.0.0.1:1/team",
        "postgresql://olive@127.0.0.1:1/team?password=hunter2-secret",
    ] {
        let out = bare(url, &["list"]);
        assert_one_error(&out, 2, "password");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains("hunter2"), "{all}");
    }
    // Passed as --db, the same.
    let home = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("tokctl")
        .unwrap()
        .env_clear()
        .env("HOME", home.path())
        .args(["--db", "postgres://olive:hunter2-secret@db/team", "list"])
        .output()
        .unwrap();
    assert_one_error(&out, 2, "password");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("hunter2"));
}

/// A server that is not there: exit 6 and one line naming the store.
#[test]
fn an_unreachable_team_store_exits_6_with_one_line() {
    // A port nobody listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://olive@127.0.0.1:{port}/team?connect_timeout=5");
    let out = bare(&url, &["list"]);
    assert_one_error(&out, 6, "cannot connect to the team store");
    assert!(String::from_utf8_lossy(&out.stderr).contains("refused"));
    // A socket directory with no server in it.
    let empty = tempfile::tempdir().unwrap();
    let socket = empty.path().to_str().unwrap().replace('/', "%2F");
    let out = bare(&format!("postgres://olive@{socket}/team"), &["verify"]);
    assert_one_error(&out, 6, "cannot connect to the team store");
    // A bad URL is a usage error that names the part at fault.
    let out = bare("postgres://db:99999/team", &["list"]);
    assert_one_error(&out, 2, "port");
}

/// A team store whose server stops mid-way: the next command exits 6.
#[test]
fn a_stopped_database_exits_6_with_one_line() {
    let Some(cluster) = Cluster::get("stopped") else {
        return;
    };
    let mut env = Env::team(&cluster, "stopped");
    env.ok("olive", &["org", "list"]);
    // The database is refused to new connections, as a server being stopped is.
    let name = env.team.as_ref().unwrap().name.clone();
    cluster
        .admin("postgres")
        .batch_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"))
        .unwrap();
    let out = env.cmd("olive", &["list"]).output().unwrap();
    assert_one_error(&out, 6, "cannot connect to the team store");
    cluster
        .admin("postgres")
        .batch_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
        .unwrap();
}

/// Completions read the team store as they read a file: the names and ids
/// the login may see (row-level security decides), orgs and scopes.
#[test]
fn completions_offer_the_same_names_on_both_stores() {
    let Some(cluster) = Cluster::get("completions_offer_the_same_names_on_both_stores") else {
        return;
    };
    let offered = |env: &mut Env| {
        for name in ["deploy-bot", "deploy-web"] {
            env.secret(
                "olive",
                &[
                    "create",
                    "--name",
                    name,
                    "--scope",
                    "repo:read",
                    "--expires",
                    "30d",
                ],
            );
        }
        let complete = |user: &str, words: &[&str]| {
            let mut args = vec!["--", "tokctl"];
            args.extend_from_slice(words);
            let out = env
                .cmd(user, &args)
                .env("COMPLETE", "fish")
                .output()
                .unwrap();
            assert!(out.status.success());
            assert!(
                out.stderr.is_empty(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).unwrap()
        };
        let olive = complete("olive", &["show", "deploy-"]);
        // mia is no tokctl user yet: nothing, and no error in the prompt.
        let mia = complete("mia", &["show", "deploy-"]);
        let orgs = complete("olive", &["list", "--org", ""]);
        (olive, mia, orgs)
    };
    let mut local = Env::local();
    let from_file = offered(&mut local);
    let mut team = Env::team(&cluster, "completions");
    let from_team = offered(&mut team);
    let names: Vec<&str> = from_file
        .0
        .lines()
        .map(|line| line.split('\t').next().unwrap())
        .collect();
    assert_eq!(&names[..2], ["deploy-bot", "deploy-web"], "{}", from_file.0);
    assert_eq!(from_file.0, from_team.0);
    assert_eq!(from_file.1, "");
    assert_eq!(from_team.1, "");
    assert_eq!(from_file.2, from_team.2);
    assert_eq!(from_team.2, "default\n");
}
