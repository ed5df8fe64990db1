//! tokctl on a scaled-out team store: PgBouncer in transaction mode in
//! front of the primary, and a streaming replica for `serve --read-db`.
//! Real processes on loopback: the topology `scripts/test` starts with
//! `scripts/pg-topology` (`TOKCTL_TEST_TOPOLOGY`); without one these tests
//! say so loudly and pass, except in CI (`CI=true`), where they fail.
//!
//! The tests take turns (one lock): some stop the primary or the replica,
//! and start it again before they let go, even when they fail.
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::team_store::{self, assert_one_error, Cluster, Env};

/// The topology, from `TOKCTL_TEST_TOPOLOGY`: the primary's
/// `TOKCTL_TEST_PG` fields, then `replica_port`, `replica_socket`,
/// `bouncer_port` and `dir` (those the tests use).
pub struct Topology {
    /// The primary, reached directly.
    pub primary: Cluster,
    pub bouncer_port: u16,
    /// The directory `scripts/pg-topology` manages.
    pub dir: PathBuf,
    /// Held while the test runs: one topology test at a time.
    _turn: MutexGuard<'static, ()>,
}

static TURN: Mutex<()> = Mutex::new(());

impl Topology {
    /// The topology, or `None` (after a loud note) when there is none outside CI.
    pub fn get(test: &str) -> Option<Topology> {
        let Ok(text) = std::env::var("TOKCTL_TEST_TOPOLOGY") else {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("CI must run the topology tests: scripts/test starts them (packages postgresql, pgbouncer)");
            }
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED {test}: no replication topology (TOKCTL_TEST_TOPOLOGY unset; \
                 scripts/test starts one where postgresql and pgbouncer are installed) ***\n"
            );
            return None;
        };
        let turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
        let field = |name: &str| {
            text.split_whitespace()
                .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
                .unwrap_or_else(|| panic!("TOKCTL_TEST_TOPOLOGY lacks {name}"))
                .to_owned()
        };
        let topology = Topology {
            primary: Cluster::parse(&text),
            bouncer_port: field("bouncer_port").parse().unwrap(),
            dir: field("dir").into(),
            _turn: turn,
        };
        // A test that failed before starting a server again left it for
        // the next one: start what is stopped.
        topology.control("start-primary");
        topology.control("start-replica");
        Some(topology)
    }

    /// The primary as reached through PgBouncer (store URLs only).
    pub fn pooled(&self) -> Cluster {
        Cluster {
            pooler: Some(self.bouncer_port),
            ..self.primary.clone()
        }
    }

    /// `scripts/pg-topology ACTION DIR`; starting what runs is a no-op.
    pub fn control(&self, action: &str) {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/pg-topology");
        let out = Command::new(script)
            .arg(action)
            .arg(&self.dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg-topology {action}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `tokctl` with a cleared environment and the topology's pgpass file.
fn bare(url: &str, passfile: &std::path::Path, args: &[&str]) -> Output {
    let home = tempfile::tempdir().unwrap();
    Command::new(assert_cmd::cargo::cargo_bin("tokctl"))
        .env_clear()
        .env("HOME", home.path())
        .env("TOKCTL_DB", url)
        .env("PGPASSFILE", passfile)
        .args(args)
        .output()
        .unwrap()
}

/// The command-line flows of `team_store.rs`, through PgBouncer 1.18 in
/// transaction mode with `pool_mode=transaction`: the same transcripts as
/// on a local store. Before, the first statement's name collided on the
/// shared server sessions (and the start-up settings were refused).
#[test]
fn the_team_store_flows_through_pgbouncer_in_transaction_mode_are_the_same_as_local() {
    let Some(topology) = Topology::get("the_team_store_flows_through_pgbouncer") else {
        return;
    };
    let pooled = topology.pooled();
    team_store::same_on_local_and(&pooled, "pool_core", team_store::core_flow);
    team_store::same_on_local_and(&pooled, "pool_edit", team_store::edit_and_deactivate);
    team_store::same_on_local_and(&pooled, "pool_audit", team_store::audit_trail);
    team_store::same_on_local_and(&pooled, "pool_directory", team_store::directory_and_policy);
}

/// What broke first through PgBouncer: several tokctl processes at once,
/// each preparing its statements as `s0`, `s1`, … on server sessions they
/// share, failed with `prepared statement "s0" already exists` (or `does
/// not exist`). With `pool_mode=transaction` none is prepared: 8 writers
/// at once all succeed, each token has its own id, and the chain holds.
#[test]
fn concurrent_commands_through_pgbouncer_no_longer_collide_on_prepared_statements() {
    let Some(topology) = Topology::get("concurrent_commands_through_pgbouncer") else {
        return;
    };
    let mut env = Env::team(&topology.pooled(), "pool_concurrent");
    env.ok("olive", &["org", "list"]);
    let env = &env;
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..8)
            .map(|worker| {
                scope.spawn(move || {
                    for n in 0..3 {
                        let name = format!("w{worker}-{n}");
                        let args = [
                            "create",
                            "--name",
                            &name,
                            "--scope",
                            "repo:read",
                            "--expires",
                            "1d",
                        ];
                        let out = env.cmd("olive", &args).output().unwrap();
                        assert!(
                            out.status.success(),
                            "{}",
                            String::from_utf8_lossy(&out.stderr)
                        );
                        let out = env.cmd("mia", &["list"]).output().unwrap();
                        assert!(
                            out.status.success() || out.status.code() == Some(5),
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
    assert_eq!(ids.len(), 24);
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 24, "every token has its own id");
    let out = env
        .cmd("olive", &["audit", "verify", "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], true, "{report}");
}

/// Without `pool_mode=transaction`, PgBouncer refuses the start-up
/// settings of a direct connection: one line that names the cure, exit 6.
#[test]
fn pgbouncer_without_pool_mode_is_refused_with_one_line_that_names_it() {
    let Some(topology) = Topology::get("pgbouncer_without_pool_mode") else {
        return;
    };
    let url = format!(
        "postgres://olive@127.0.0.1:{}/postgres?sslmode=disable",
        topology.bouncer_port
    );
    let out = bare(&url, &topology.primary.passfile, &["list"]);
    assert_one_error(&out, 6, "add pool_mode=transaction to the store URL");
}

/// A pooler that logs every client in to the server as one login
/// (PgBouncer's `user=` for a database) would make tokctl act as that
/// login: mia, let in by PgBouncer with her own password, would be olive
/// on the server. Refused before anything is read, exit 6.
#[test]
fn a_pooler_that_logs_everyone_in_as_one_login_is_refused() {
    let Some(topology) = Topology::get("a_pooler_that_logs_everyone_in_as_one_login") else {
        return;
    };
    let url = format!(
        "postgres://mia@127.0.0.1:{}/one_login?sslmode=disable&pool_mode=transaction",
        topology.bouncer_port
    );
    let out = bare(&url, &topology.primary.passfile, &["list"]);
    assert_one_error(&out, 6, "acts as the database login 'olive'");
}
