//! The test environment for driving the real binary: a temp store, a file
//! keyring in the temp dir (never the user's keyring), a pinned clock and
//! an otherwise empty environment.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Output;

use assert_cmd::Command;
use tempfile::TempDir;

pub const NOW: &str = "2026-11-22T10:00:00Z";

#[derive(Clone)]
pub struct TestEnv {
    /// Shared by clones, so several users can work on one store.
    pub dir: std::sync::Arc<TempDir>,
    pub now: String,
    pub user: String,
}

impl TestEnv {
    /// A fresh environment whose store is bootstrapped with `alice` as owner.
    pub fn new() -> Self {
        let env = Self::empty();
        env.ok(&["org", "list"]);
        env
    }

    /// A fresh environment with no store yet.
    pub fn empty() -> Self {
        TestEnv {
            dir: std::sync::Arc::new(tempfile::tempdir().unwrap()),
            now: NOW.into(),
            user: "alice".into(),
        }
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("tokctl.db")
    }

    pub fn keyring_file(&self) -> PathBuf {
        self.dir.path().join("keyring.json")
    }

    /// `XDG_CONFIG_HOME` for this test: tokctl reads `tokctl/config.toml` under it.
    pub fn config_home(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    /// Writes this test's config file (where tokctl looks by default).
    pub fn write_config(&self, text: &str) -> PathBuf {
        let path = self.config_home().join("tokctl").join("config.toml");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The binary with a cleared environment pointing at this test's files.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("tokctl").unwrap();
        cmd.env_clear()
            .env("HOME", self.dir.path())
            // Never a developer's own config file: the test's, if it writes one.
            .env("XDG_CONFIG_HOME", self.config_home())
            .env("TOKCTL_DB", self.db())
            .env("TOKCTL_TEST_KEYRING", self.keyring_file())
            .env("TOKCTL_TEST_NOW", &self.now)
            .env("TOKCTL_USER", &self.user)
            .args(args);
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    pub fn run_stdin(&self, args: &[&str], stdin: impl Into<Vec<u8>>) -> Output {
        self.cmd(args).write_stdin(stdin.into()).output().unwrap()
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "tokctl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Mints a token and returns its secret (stdout holds nothing else).
    pub fn create(&self, args: &[&str]) -> String {
        let mut full = vec!["create"];
        full.extend_from_slice(args);
        let stdout = self.ok(&full);
        let secret = stdout.trim_end().to_owned();
        assert_eq!(
            stdout,
            format!("{secret}\n"),
            "stdout holds only the secret"
        );
        secret
    }

    /// Verifies a secret read from stdin; returns the exit code and stdout.
    pub fn verify(&self, secret: &str, args: &[&str]) -> (i32, String) {
        let mut full = vec!["verify"];
        full.extend_from_slice(args);
        let out = self.run_stdin(&full, secret);
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
        )
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }

    /// The store's bytes, to prove a refused command wrote nothing.
    pub fn store_bytes(&self) -> Vec<u8> {
        let mut bytes = std::fs::read(self.db()).unwrap_or_default();
        for suffix in ["-wal", "-journal"] {
            let mut path = self.db().into_os_string();
            path.push(suffix);
            bytes.extend(std::fs::read(path).unwrap_or_default());
        }
        bytes
    }
}

/// Asserts the one-line error contract: exit code, an `error:` first line,
/// at most one `hint:` line after it, nothing else, no panic.
pub fn assert_error(out: &Output, code: i32, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "stderr: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(!lines.is_empty(), "no message on stderr");
    assert!(lines[0].starts_with("error: "), "first line: {stderr}");
    assert!(lines[0].contains(needle), "expected {needle:?} in {stderr}");
    assert!(lines.len() <= 2, "more than error + hint: {stderr}");
    if lines.len() == 2 {
        assert!(lines[1].starts_with("hint: "), "second line: {stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
}

impl TestEnv {
    /// The same store and keyring, acting as another user.
    pub fn as_user(&self, user: &str) -> TestEnv {
        TestEnv {
            user: user.to_owned(),
            ..self.clone()
        }
    }

    /// Sets the pinned clock for later commands.
    pub fn at(&mut self, now: &str) -> &mut Self {
        self.now = now.to_owned();
        self
    }

    /// Names of the tokens `list` prints for these extra arguments (JSON, by name).
    pub fn names(&self, args: &[&str]) -> Vec<String> {
        let mut full = vec!["list", "--format", "json", "--sort", "name"];
        full.extend_from_slice(args);
        self.json(&full)
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Makes a store file written by a test directly (default umask, so
    /// 0644) private, as tokctl requires before it opens one.
    pub fn make_store_private(&self) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(self.db(), std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }

    /// Runs a SQL query on the store returning one integer.
    pub fn count(&self, sql: &str) -> i64 {
        let conn = rusqlite::Connection::open(self.db()).unwrap();
        conn.query_row(sql, [], |row| row.get(0)).unwrap()
    }
}

impl TestEnv {
    /// Mints many tokens at once through the library's bulk path (as the
    /// env's user, keyring off): a fast way to build a large store.
    pub fn bulk_create(&self, names: &[String]) {
        use std::sync::Arc;
        let location = tokctl::store::StoreLocation {
            path: self.db(),
            create_dirs: false,
        };
        let store = tokctl::store::Store::open(&location).unwrap().store;
        let clock = Arc::new(tokctl::clock::FixedClock::new(
            tokctl::duration::parse_time(&self.now).unwrap(),
        ));
        let mut session = tokctl::ops::Session::new(
            store,
            clock,
            Box::new(tokctl::keyring::MemoryKeyring::default()),
            tokctl::keyring::KeyringMode::Off,
            self.user.clone(),
        );
        let requests = names
            .iter()
            .map(|name| tokctl::ops::CreateRequest {
                name: Some(name.clone()),
                scopes: vec!["repo:read".parse().unwrap()],
                expiry: Some("1d".parse().unwrap()),
                ..tokctl::ops::CreateRequest::default()
            })
            .collect();
        session.create_tokens(requests).unwrap();
    }
}
