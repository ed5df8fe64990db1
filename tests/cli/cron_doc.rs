//! docs/cron.md's nightly job, run exactly as written against a store the test builds.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use crate::common::{self, TestEnv};

/// The first ```sh block of docs/cron.md.
fn nightly_job() -> String {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/cron.md")).unwrap();
    let start = doc.find("```sh\n").expect("docs/cron.md has a ```sh block") + "```sh\n".len();
    let end = doc[start..].find("```").unwrap() + start;
    doc[start..end].to_owned()
}

#[test]
fn the_documented_nightly_job_runs_as_written() {
    let mut env = TestEnv::new();
    env.ok(&["user", "edit", "alice", "--email", "alice@example.com"]);
    let mailer = super::notify::fake_sendmail(env.dir.path());
    env.at("2025-06-01T00:00:00Z");
    env.create(&[
        "--name",
        "forgotten",
        "--scope",
        "repo:read",
        "--expires",
        "never",
    ]);
    env.at(common::NOW);
    env.create(&[
        "--name",
        "ending",
        "--scope",
        "repo:read",
        "--expires",
        "10d",
    ]);
    env.create(&["--name", "fine", "--scope", "repo:read", "--expires", "1y"]);
    env.create(&["--name", "soon", "--scope", "repo:read", "--expires", "3d"]);

    let script = env.dir.path().join("tokctl-nightly");
    std::fs::write(&script, nightly_job()).unwrap();
    let reports = env.dir.path().join("reports");
    let bin_dir = assert_cmd::cargo::cargo_bin("tokctl")
        .parent()
        .unwrap()
        .to_owned();
    let run = || {
        std::process::Command::new("sh")
            .arg(&script)
            .env_clear()
            .env("PATH", format!("{}:/usr/bin:/bin", bin_dir.display()))
            .env("TOKCTL_DB", env.db())
            .env("TOKCTL_TEST_KEYRING", env.keyring_file())
            .env("TOKCTL_TEST_NOW", &env.now)
            .env("TOKCTL_USER", "alice")
            .env("TOKCTL_REPORT_DIR", &reports)
            .env("TOKCTL_NIGHTLY_MAILER", format!("{} -t", mailer.display()))
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let out = run();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("tokens expire within 14 days"), "{stdout}");

    assert_eq!(
        env.names(&[]),
        ["ending", "fine", "soon"],
        "the stale token was revoked"
    );
    let revoked = env.json(&["show", "forgotten", "--format", "json"]);
    assert_eq!(
        revoked["revoke_reason"],
        "stale: never used since its creation on 2025-06-01"
    );

    let report = std::fs::read_dir(&reports)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(report).unwrap()).unwrap();
    assert_eq!(report["expiring"][0]["name"], "soon");
    assert_eq!(report["expiring"][1]["name"], "ending");
    assert_eq!(report["expiring"].as_array().unwrap().len(), 2);

    // alice was mailed about the one token expiring within 7 days.
    let mails = super::notify::received(env.dir.path());
    assert_eq!(mails.len(), 1, "{mails:?}");
    let (argv, message) = &mails[0];
    assert_eq!(argv, "ARGV: -t");
    assert!(message.starts_with("To: alice@example.com\nFrom: tokctl@example.com\n"));
    assert!(message.contains("  soon (org default)"), "{message}");
    assert!(!message.contains("ending"), "{message}");
    // The script stays quiet about what went well: no table, no notes.
    assert!(!stdout.contains("alice@example.com"), "{stdout}");
    assert!(!stdout.contains("sent 1 reminder"), "{stdout}");

    // A second night changes nothing, mails no one again and still succeeds.
    assert!(run().status.success());
    assert_eq!(super::notify::received(env.dir.path()).len(), 1);

    // A mail the program refuses is reported and tried again the next night.
    env.create(&["--name", "next", "--scope", "repo:read", "--expires", "2d"]);
    std::fs::write(env.dir.path().join("fail-for"), "alice").unwrap();
    let out = run();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("tokctl-nightly: some expiry reminders were refused; tried again tomorrow"));
    std::fs::remove_file(env.dir.path().join("fail-for")).unwrap();
    assert!(run().status.success());
    let mails = super::notify::received(env.dir.path());
    assert_eq!(mails.len(), 3, "refused, then sent");
    assert!(mails[2].1.contains("  next (org default)"));
    assert!(!mails[2].1.contains("  soon (org default)"));
}
