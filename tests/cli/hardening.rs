//! Proof that the store holds: concurrent writers, kill -9 at any moment,
//! backups taken while others write, no secret at rest or in sight.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::TestEnv;

fn tokctl(env: &TestEnv, args: &[&str]) -> Command {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("tokctl"));
    command
        .args(args)
        .env_clear()
        .env("TOKCTL_DB", env.db())
        .env("TOKCTL_TEST_NOW", &env.now)
        .env("TOKCTL_USER", &env.user)
        .env("TOKCTL_KEYRING", "off");
    command
}

/// `doctor` in JSON: integrity, audit chain and change/event consistency all hold.
fn assert_store_sound(env: &TestEnv, context: &str) {
    let out = tokctl(env, &["doctor", "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "{context}: doctor failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(
        report["integrity"],
        serde_json::json!([]),
        "{context}: {report}"
    );
    assert_eq!(report["audit_chain"], "intact", "{context}: {report}");
    assert_eq!(
        report["inconsistencies"],
        serde_json::json!([]),
        "{context}: {report}"
    );
    let chain = tokctl(env, &["audit", "verify"]).output().unwrap();
    assert!(chain.status.success(), "{context}: audit verify failed");
}

#[test]
fn eight_processes_with_two_hundred_mixed_operations_each() {
    let env = TestEnv::new();
    let workers: Vec<std::thread::JoinHandle<(u64, u64, u64)>> = (0..8)
        .map(|worker| {
            let env = env.clone();
            std::thread::spawn(move || {
                let (mut created, mut revoked, mut rotated) = (0, 0, 0);
                let mut secrets: Vec<String> = Vec::new();
                for step in 0..200 {
                    let name = format!("w{worker}-{step}");
                    let (args, stdin): (Vec<String>, Option<String>) = match step % 5 {
                        0 | 1 => (
                            [
                                "create",
                                "--name",
                                &name,
                                "--scope",
                                "repo:read",
                                "--expires",
                                "1d",
                            ]
                            .map(String::from)
                            .to_vec(),
                            None,
                        ),
                        2 => (vec!["verify".into()], secrets.last().cloned()),
                        3 => (vec!["list".into(), "--format".into(), "json".into()], None),
                        _ => {
                            let target = format!("w{worker}-{}", step - 4);
                            if step % 10 == 4 {
                                (vec!["revoke".into(), target], None)
                            } else {
                                (
                                    vec!["rotate".into(), format!("w{worker}-{}", step - 3)],
                                    None,
                                )
                            }
                        }
                    };
                    let mut command =
                        tokctl(&env, &args.iter().map(String::as_str).collect::<Vec<_>>());
                    let out = match &stdin {
                        Some(secret) => {
                            command
                                .stdin(Stdio::piped())
                                .stdout(Stdio::piped())
                                .stderr(Stdio::piped());
                            let mut child = command.spawn().unwrap();
                            use std::io::Write;
                            child
                                .stdin
                                .take()
                                .unwrap()
                                .write_all(secret.as_bytes())
                                .unwrap();
                            child.wait_with_output().unwrap()
                        }
                        None => command.stdin(Stdio::null()).output().unwrap(),
                    };
                    let stderr = String::from_utf8_lossy(&out.stderr);
                    assert!(
                        out.status.success() || (args[0] == "verify" && stdin.is_none()),
                        "worker {worker} step {step} {args:?}: {stderr}"
                    );
                    assert!(!stderr.contains("locked"), "{stderr}");
                    match args[0].as_str() {
                        "create" => {
                            created += 1;
                            secrets.push(String::from_utf8(out.stdout).unwrap().trim().to_owned());
                        }
                        "revoke" => revoked += 1,
                        "rotate" => {
                            rotated += 1;
                            secrets.push(String::from_utf8(out.stdout).unwrap().trim().to_owned());
                        }
                        _ => {}
                    }
                }
                (created, revoked, rotated)
            })
        })
        .collect();
    let (mut created, mut revoked, mut rotated) = (0, 0, 0);
    for worker in workers {
        let (c, r, o) = worker.join().unwrap();
        created += c;
        revoked += r;
        rotated += o;
    }
    assert_eq!(env.count("SELECT count(*) FROM tokens") as u64, created);
    assert_eq!(
        env.count("SELECT count(*) FROM tokens WHERE revoked_at IS NOT NULL") as u64,
        revoked
    );
    assert_eq!(
        env.count("SELECT count(*) FROM retired_secrets") as u64,
        rotated
    );
    assert_eq!(
        env.count("SELECT count(*) FROM audit_events WHERE action = 'token.create'") as u64,
        created
    );
    assert_store_sound(&env, "after the concurrent run");
}

/// A small deterministic sequence of delays: reproducible trials without a random crate.
fn delays(count: usize, max_micros: u64) -> Vec<Duration> {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            Duration::from_micros(state % max_micros)
        })
        .collect()
}

/// Kills the child with SIGKILL after `delay`; true if it was still running.
fn kill_after(mut child: Child, delay: Duration) -> bool {
    std::thread::sleep(delay);
    let running = matches!(child.try_wait(), Ok(None));
    let _ = child.kill();
    let _ = child.wait();
    running
}

#[test]
fn sigkill_at_any_moment_leaves_a_whole_store() {
    let env = TestEnv::new();
    env.ok(&["user", "add", "bob"]);
    env.ok(&[
        "member", "add", "--org", "default", "--user", "bob", "--role", "member",
    ]);
    let names: Vec<String> = (0..3_000).map(|i| format!("bulk-{i}")).collect();
    env.bulk_create(&names);
    let bob = env.as_user("bob");
    let mut trial = 0;
    let mut killed_mid_way = 0;
    for delay in delays(80, 12_000) {
        trial += 1;
        let name = format!("k{trial}");
        let child = match trial % 4 {
            // A create.
            0 => tokctl(
                &env,
                &[
                    "create",
                    "--name",
                    &name,
                    "--scope",
                    "repo:read",
                    "--expires",
                    "1d",
                ],
            ),
            // A rotation of a bulk token.
            1 => tokctl(&env, &["rotate", &format!("bulk-{trial}"), "--grace", "1h"]),
            // A bulk revoke of hundreds of tokens in one transaction.
            2 => tokctl(
                &env,
                &[
                    "revoke",
                    "--name",
                    &format!("bulk-{}*", trial % 10),
                    "--yes",
                    "--reason",
                    "trial",
                ],
            ),
            // Offboarding bob, after he mints a token (so there is something to revoke).
            _ => {
                bob.ok(&[
                    "create",
                    "--keyring",
                    "off",
                    "--name",
                    &name,
                    "--scope",
                    "repo:read",
                    "--expires",
                    "1d",
                ]);
                tokctl(&env, &["user", "remove", "bob", "--yes"])
            }
        }
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
        if kill_after(child, delay) {
            killed_mid_way += 1;
        }
        assert_store_sound(&env, &format!("trial {trial} (killed after {delay:?})"));
        if trial % 4 == 3 && env.count("SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.name = 'bob'") == 0 {
            // Offboarding marks bob removed: an admin restores him first.
            if env.count("SELECT removed_at IS NOT NULL FROM users WHERE name = 'bob'") == 1 {
                env.ok(&["user", "edit", "bob", "--restore"]);
            }
            env.ok(&["member", "add", "--org", "default", "--user", "bob", "--role", "member"]);
        }
    }
    assert!(trial >= 50);
    assert!(
        killed_mid_way >= 40,
        "only {killed_mid_way} of {trial} kills hit a running process"
    );
}

#[test]
fn a_backup_taken_while_others_write_is_consistent_and_restores() {
    let env = TestEnv::new();
    let before = env.create(&[
        "--keyring",
        "off",
        "--name",
        "before",
        "--scope",
        "repo:read",
        "--expires",
        "1y",
    ]);
    // Two writers keep minting while the backup runs.
    let writers: Vec<Child> = (0..2)
        .map(|w| {
            let script = format!(
                "i=0; while [ $i -lt 40 ]; do \"$TOKCTL\" create --name w{w}-$i --scope repo:read --expires 1d >/dev/null 2>&1; i=$((i+1)); done"
            );
            Command::new("sh")
                .arg("-c")
                .arg(script)
                .env_clear()
                .env("PATH", "/usr/bin:/bin")
                .env("TOKCTL", assert_cmd::cargo::cargo_bin("tokctl"))
                .env("TOKCTL_DB", env.db())
                .env("TOKCTL_USER", "alice")
                .env("TOKCTL_KEYRING", "off")
                .spawn()
                .unwrap()
        })
        .collect();
    std::thread::sleep(Duration::from_millis(50));
    let backup = env.dir.path().join("backup.db");
    let out = tokctl(&env, &["backup", backup.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for mut writer in writers {
        assert!(writer.wait().unwrap().success());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // Never over an existing file.
    let again = tokctl(&env, &["backup", backup.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(4));

    // Restore: the copy becomes a store; tokens minted before the backup verify.
    let restored_dir = tempfile::tempdir().unwrap();
    let restored = restored_dir.path().join("tokctl.db");
    std::fs::copy(&backup, &restored).unwrap();
    let restored_env = TestEnv {
        dir: std::sync::Arc::new(restored_dir),
        now: env.now.clone(),
        user: "alice".into(),
    };
    assert_store_sound(&restored_env, "the restored backup");
    assert_eq!(restored_env.verify(&before, &[]).0, 0);
    let tokens = restored_env.count("SELECT count(*) FROM tokens");
    assert!(
        tokens >= 1,
        "the snapshot holds what was committed before it"
    );
}

#[test]
fn a_store_locked_by_another_process_is_waited_for() {
    let env = TestEnv::new();
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let child = tokctl(
        &env,
        &[
            "create",
            "--name",
            "patient",
            "--scope",
            "repo:read",
            "--expires",
            "1d",
        ],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    conn.execute_batch("COMMIT").unwrap();
    drop(conn);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        env.names(&[]),
        ["patient"],
        "the change is made once the lock goes"
    );
}

#[test]
fn a_truncated_store_is_refused_with_a_hint() {
    let env = TestEnv::new();
    let names: Vec<String> = (0..500).map(|i| format!("t{i}")).collect();
    env.bulk_create(&names);
    // Fold the WAL in, then cut the file in half.
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    drop(conn);
    let bytes = std::fs::read(env.db()).unwrap();
    std::fs::write(env.db(), &bytes[..bytes.len() / 2]).unwrap();
    let before = env.store_bytes();
    let out = env.run(&["list", "--all"]);
    assert_eq!(
        out.status.code(),
        Some(6),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("damaged") || stderr.contains("not a tokctl store"),
        "{stderr}"
    );
    assert!(env.store_bytes() == before);
}

#[test]
fn no_secret_at_rest_or_in_any_output() {
    let env = TestEnv::new();
    let mut secrets = Vec::new();
    let mut outputs: Vec<u8> = Vec::new();
    let mut run = |args: &[&str], stdin: Option<&str>, keep_stdout: bool| {
        let out = match stdin {
            Some(input) => env.run_stdin(args, input),
            None => env.run(args),
        };
        if keep_stdout {
            outputs.extend(&out.stdout);
        }
        outputs.extend(&out.stderr);
        out
    };
    for i in 0..5 {
        let out = run(
            &[
                "create",
                "--name",
                &format!("s{i}"),
                "--scope",
                "repo:write",
                "--expires",
                "1y",
            ],
            None,
            false,
        );
        secrets.push(String::from_utf8(out.stdout).unwrap().trim().to_owned());
    }
    let rotated = run(&["rotate", "s0", "--grace", "1h"], None, false);
    secrets.push(String::from_utf8(rotated.stdout).unwrap().trim().to_owned());
    for secret in &secrets {
        run(&["verify", "--scope", "repo:read"], Some(secret), true);
        run(
            &["verify", "--scope", "repo:admin", "--format", "json"],
            Some(secret),
            true,
        );
    }
    run(&["verify", "--batch"], Some(&secrets.join("\n")), true);
    run(&["revoke", "--secret-stdin"], Some(&secrets[1]), true);
    run(&["revoke", "s2"], None, true);
    run(&["verify"], Some(&secrets[2]), true);
    // A secret pasted where it does not belong is not echoed back.
    run(&["show", &secrets[3]], None, true);
    run(&["verify", &secrets[3]], None, true);
    for args in [
        &["audit", "--format", "jsonl"][..],
        &["audit", "--format", "csv"],
        &["list", "--all", "--format", "csv"],
        &["report", "--format", "json"],
        &["doctor", "--format", "json"],
        &["show", "s0", "--format", "json"],
    ] {
        run(args, None, true);
    }
    let backup = env.dir.path().join("backup.db");
    run(&["backup", backup.to_str().unwrap()], None, true);

    let mut at_rest: Vec<(String, Vec<u8>)> = Vec::new();
    for entry in std::fs::read_dir(env.dir.path()).unwrap() {
        let path = entry.unwrap().path();
        // The test keyring file is the one place secrets are meant to be.
        if path == env.keyring_file() {
            continue;
        }
        at_rest.push((path.display().to_string(), std::fs::read(&path).unwrap()));
    }
    at_rest.push(("outputs".into(), outputs));
    for secret in &secrets {
        assert_eq!(secret.len(), 63);
        // The full token and its secret part (past the public id) alike.
        for needle in [secret.as_str(), &secret[15..]] {
            for (place, bytes) in &at_rest {
                let found = bytes
                    .windows(needle.len())
                    .any(|window| window == needle.as_bytes());
                assert!(!found, "a secret was found in {place}");
            }
        }
    }
}
