//! TLS to a team store, as libpq's `sslmode` and `sslrootcert` ask. The
//! throwaway cluster (`scripts/pg-cluster`) serves a certificate for
//! localhost and 127.0.0.1 signed by a throwaway authority (`ca`), listens
//! on 127.0.0.2 too (a host its certificate does not name), and a second,
//! unrelated authority (`wrong_ca`) signed nothing of it. Without the
//! cluster these tests say so loudly and pass, except in CI.
use std::process::Output;

use super::team_store::{assert_one_error, Cluster, Env};

/// A team store where olive owns a token `over-tls`.
fn store(test: &str) -> Option<(Env, Cluster)> {
    let cluster = Cluster::get(test)?;
    let mut env = Env::team(&cluster, test);
    env.ok("olive", &["org", "list"]);
    env.ok(
        "olive",
        &[
            "create",
            "--name",
            "over-tls",
            "--scope",
            "repo:read",
            "--expires",
            "30d",
        ],
    );
    Some((env, cluster))
}

/// `tokctl ARGS` as olive at `host` with the URL parameters `query`.
fn run(env: &Env, host: &str, query: &str, args: &[&str]) -> Output {
    let db = env.team.as_ref().unwrap();
    env.cmd("olive", args)
        .env(
            "TOKCTL_DB",
            db.cluster.url_at(host, "olive", &db.name, query),
        )
        .output()
        .unwrap()
}

/// Neither stream holds olive's password.
fn assert_no_password(out: &Output, cluster: &Cluster) {
    let password = cluster.password_of("olive");
    for stream in [&out.stdout, &out.stderr] {
        assert!(
            !String::from_utf8_lossy(stream).contains(&password),
            "the password was echoed"
        );
    }
}

fn assert_lists_the_token(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("over-tls"));
}

#[test]
fn verify_full_with_the_right_authority_works() {
    let Some((env, cluster)) = store("tls_verify_full") else {
        return;
    };
    let ca = cluster.ca.display().to_string();
    let verify_full = format!("sslmode=verify-full&sslrootcert={ca}");
    let out = run(&env, "127.0.0.1", &verify_full, &["list"]);
    assert_lists_the_token(&out);
    assert_no_password(&out, &cluster);
    // A write over the checked connection, and the trail it leaves intact.
    let out = run(
        &env,
        "127.0.0.1",
        &verify_full,
        &["revoke", "over-tls", "--yes"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&env, "127.0.0.1", &verify_full, &["audit", "verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // libpq's default root certificate, ~/.postgresql/root.crt, when the URL names none.
    let dotdir = env.dir.path().join(".postgresql");
    std::fs::create_dir(&dotdir).unwrap();
    std::fs::copy(&cluster.ca, dotdir.join("root.crt")).unwrap();
    let out = run(&env, "127.0.0.1", "sslmode=verify-full", &["list", "--all"]);
    assert_lists_the_token(&out);
    // verify-ca checks the chain only: another name of the host passes.
    let out = run(
        &env,
        &cluster.other_host,
        &format!("sslmode=verify-ca&sslrootcert={ca}"),
        &["list", "--all"],
    );
    assert_lists_the_token(&out);
}

#[test]
fn a_wrong_authority_or_host_is_refused_with_one_line() {
    let Some((env, cluster)) = store("tls_refused") else {
        return;
    };
    let wrong = cluster.wrong_ca.display().to_string();
    let refused_ca = format!(
        "not issued by the certificate authority in {}",
        cluster.wrong_ca.display()
    );
    for mode in ["verify-full", "verify-ca", "require"] {
        // require with a root certificate checks the chain, as in libpq.
        let out = run(
            &env,
            "127.0.0.1",
            &format!("sslmode={mode}&sslrootcert={wrong}"),
            &["list"],
        );
        assert_one_error(&out, 6, &refused_ca);
        assert!(out.stdout.is_empty());
        assert_no_password(&out, &cluster);
    }
    // A write refused before anything is sent: nothing was made.
    let out = run(
        &env,
        "127.0.0.1",
        &format!("sslmode=verify-full&sslrootcert={wrong}"),
        &[
            "create",
            "--name",
            "never",
            "--scope",
            "repo:read",
            "--expires",
            "1d",
        ],
    );
    assert_one_error(&out, 6, &refused_ca);
    assert!(out.stdout.is_empty(), "no secret for a token never made");
    // The right authority, but a host name the certificate does not hold.
    let out = run(
        &env,
        &cluster.other_host,
        &format!("sslmode=verify-full&sslrootcert={}", cluster.ca.display()),
        &["list"],
    );
    assert_one_error(
        &out,
        6,
        &format!(
            "certificate is not valid for the host {}",
            cluster.other_host
        ),
    );
    assert_no_password(&out, &cluster);
    // Nothing to check against: no connection at all.
    let out = run(&env, "127.0.0.1", "sslmode=verify-full", &["list"]);
    assert_one_error(&out, 6, "sslmode verify-full needs the certificate");
    let missing = env.dir.path().join("missing.crt");
    let out = run(
        &env,
        "127.0.0.1",
        &format!("sslmode=verify-full&sslrootcert={}", missing.display()),
        &["list"],
    );
    assert_one_error(&out, 6, "cannot read the root certificate");
    // The store is as it was: only over-tls.
    let out = run(
        &env,
        "127.0.0.1",
        "sslmode=disable",
        &["list", "--format", "json"],
    );
    let tokens: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(tokens.as_array().unwrap().len(), 1, "{tokens}");
}

#[test]
fn require_encrypts_without_a_root_certificate() {
    let Some((env, cluster)) = store("tls_require") else {
        return;
    };
    for query in ["sslmode=require", "sslmode=prefer"] {
        let out = run(&env, "127.0.0.1", query, &["list"]);
        assert_lists_the_token(&out);
        assert_no_password(&out, &cluster);
    }
}
