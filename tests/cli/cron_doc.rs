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
        ["ending", "fine"],
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
    assert_eq!(report["expiring"][0]["name"], "ending");

    // A second night changes nothing and still succeeds.
    assert!(run().status.success());
}
