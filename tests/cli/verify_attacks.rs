//! Attacks on the verify path through the real binary: garbage that once
//! grew the store by one event per line, a line that once grew memory
//! without bound, guessing that must stay visible per token, and presented
//! secrets that must not linger in a running process.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use crate::common::TestEnv;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use tokctl::model::{TokenId, TokenKind};
use tokctl::secret::Generator;

/// Bytes of the store, its WAL and journal.
fn store_size(env: &TestEnv) -> u64 {
    ["", "-wal", "-journal"]
        .iter()
        .map(|suffix| {
            let mut path = env.db().into_os_string();
            path.push(suffix);
            std::fs::metadata(path).map_or(0, |m| m.len())
        })
        .sum()
}

/// The denied `token.verify` events after `after`, as (token_id, details).
fn refusal_events(env: &TestEnv, after: i64) -> Vec<(Option<String>, serde_json::Value)> {
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT token_id, details FROM audit_events
             WHERE action = 'token.verify' AND outcome = 'denied' AND id > ?1 ORDER BY id",
        )
        .unwrap();
    stmt.query_map([after], |row| {
        let token: Option<i64> = row.get(0)?;
        let details: String = row.get(1)?;
        Ok((token, details))
    })
    .unwrap()
    .map(|row| {
        let (token, details) = row.unwrap();
        (
            token.map(|raw| TokenId::from_i64(raw).unwrap().to_string()),
            serde_json::from_str(&details).unwrap(),
        )
    })
    .collect()
}

fn last_event_id(env: &TestEnv) -> i64 {
    env.count("SELECT coalesce(max(id), 0) FROM audit_events")
}

/// 200,000 lines of garbage once wrote 200,000 audit events (18 MB of store
/// from 400 KB of input). Refusals are now counted and written coalesced:
/// one event with the count.
#[test]
fn garbage_in_verify_batch_grows_the_store_by_a_bounded_amount() {
    let env = TestEnv::new();
    let before = store_size(&env);
    let last = last_event_id(&env);
    let lines = 200_000;
    let out = env.run_stdin(&["verify", "--batch"], "garbage\n".repeat(lines));
    assert!(out.status.success());
    assert_eq!(
        out.stdout.iter().filter(|b| **b == b'\n').count(),
        lines,
        "every line still gets its result"
    );
    let events = refusal_events(&env, last);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].0, None);
    assert_eq!(events[0].1["reason"], "malformed");
    assert_eq!(events[0].1["count"], lines);
    assert_eq!(last_event_id(&env), last + 1, "no other event either");
    let after = store_size(&env);
    assert!(
        after < before + 100 * 1024,
        "the store grew from {before} to {after} bytes"
    );
}

/// Wrong secrets for a real id are counted per token, so `audit --token`
/// shows the guessing; a rotated-away secret stays a per-token "possible
/// leak"; ids the store does not hold cannot fill the counters.
#[test]
fn guessing_against_a_token_is_counted_per_token_and_shown_by_audit_token() {
    let env = TestEnv::new();
    let old = env.create(&["--name", "svc", "--scope", "repo:read", "--expires", "1y"]);
    env.ok(&["rotate", "svc"]);
    env.create(&["--name", "other", "--scope", "repo:read", "--expires", "1y"]);
    let id: TokenId = env.json(&["show", "svc", "--format", "json"])["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let generator = Generator::default();
    let mut input = String::new();
    for _ in 0..2_000 {
        let guess = generator.mint(TokenKind::Personal, id).unwrap();
        input.push_str(guess.secret.expose());
        input.push('\n');
    }
    for key in 0..2_000 {
        let invented = TokenId::from_key(1_000_000 + key).unwrap();
        let guess = generator.mint(TokenKind::Personal, invented).unwrap();
        input.push_str(guess.secret.expose());
        input.push('\n');
    }
    for _ in 0..3 {
        input.push_str(&old);
        input.push('\n');
    }
    let last = last_event_id(&env);
    let out = env.run_stdin(&["verify", "--batch"], input);
    assert!(out.status.success());

    let events = refusal_events(&env, last);
    let svc = Some(id.to_string());
    let find = |token: &Option<String>, reason: &str| {
        events
            .iter()
            .find(|(t, details)| t == token && details["reason"] == reason)
            .unwrap_or_else(|| panic!("no {reason} event for {token:?}: {events:?}"))
            .1
            .clone()
    };
    assert_eq!(find(&svc, "unknown")["count"], 2_000);
    assert_eq!(find(&svc, "rotated")["count"], 3);
    assert_eq!(find(&None, "unknown")["count"], 2_000);
    assert_eq!(events.len(), 3, "{events:?}");

    // The token's own history shows both, with its name.
    let history: Vec<serde_json::Value> = env
        .ok(&["audit", "--token", "svc", "--format", "jsonl"])
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .filter(|event: &serde_json::Value| event["action"] == "token.verify")
        .collect();
    assert_eq!(history.len(), 2, "{history:?}");
    for event in &history {
        assert_eq!(event["outcome"], "denied");
        assert_eq!(event["target"], "svc");
        assert_eq!(event["org"], "default");
    }
}

/// `tokctl verify --batch` running with stdin and stdout held by the test.
struct Running {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Running {
    fn start(mut command: Command) -> Running {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Running {
            stdin: child.stdin.take(),
            stdout: BufReader::new(child.stdout.take().unwrap()),
            child,
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.stdin.as_mut().unwrap().write_all(bytes).unwrap();
    }

    /// The next result line, parsed.
    fn result(&mut self) -> serde_json::Value {
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        serde_json::from_str(&line).unwrap_or_else(|_| panic!("not a result: {line:?}"))
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A field of /proc/PID/status, e.g. `VmHWM:` in KiB.
    fn status_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status
            .lines()
            .find_map(|line| line.strip_prefix(field))
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap()
            .parse()
            .unwrap()
    }

    fn finish(mut self) {
        drop(self.stdin.take());
        assert!(self.child.wait().unwrap().success());
    }
}

/// A batch child on `env`'s store.
fn batch(env: &TestEnv) -> Command {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("tokctl"));
    command
        .env_clear()
        .env("HOME", env.dir.path())
        .env("TOKCTL_DB", env.db())
        .env("TOKCTL_TEST_KEYRING", env.keyring_file())
        .env("TOKCTL_TEST_NOW", &env.now)
        .env("TOKCTL_USER", &env.user)
        .args(["verify", "--batch"]);
    command
}

/// A 500 MB line without a newline once grew `verify --batch` to 495 MB: the
/// rest of an overlong line was read into memory to skip it. Now a 50 MB
/// line is one malformed result and memory stays where a short line leaves it.
#[cfg(target_os = "linux")]
#[test]
fn an_overlong_line_in_verify_batch_keeps_memory_small() {
    let env = TestEnv::new();
    let secret = env.create(&["--name", "svc", "--scope", "repo:read", "--expires", "1d"]);

    let mut small = Running::start(batch(&env));
    small.send(format!("{secret}\n").as_bytes());
    assert_eq!(small.result()["valid"], true);
    let small_kib = small.status_kib("VmHWM:");
    small.finish();

    let mut large = Running::start(batch(&env));
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..50 {
        large.send(&chunk);
    }
    large.send(format!("\n{secret}\n").as_bytes());
    let first = large.result();
    assert_eq!(
        (first["line"].as_u64(), first["reason"].as_str()),
        (Some(1), Some("malformed"))
    );
    let second = large.result();
    assert_eq!(
        (second["line"].as_u64(), second["valid"].as_bool()),
        (Some(2), Some(true))
    );
    let large_kib = large.status_kib("VmHWM:");
    large.finish();
    assert!(
        large_kib < small_kib + 8 * 1024,
        "peak {large_kib} KiB after a 50 MB line, {small_kib} KiB after a short one"
    );
}

/// Where a process's memory is readable to the test: every private mapping,
/// read through /proc/PID/mem. `None` when this test may not read it (only
/// root may read a non-dumpable process).
#[cfg(target_os = "linux")]
fn process_memory(pid: u32) -> Option<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let mem = std::fs::File::open(format!("/proc/{pid}/mem")).ok()?;
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).ok()?;
    let mut all = Vec::new();
    for line in maps.lines() {
        let mut fields = line.split_whitespace();
        let (Some(range), Some(perms)) = (fields.next(), fields.next()) else {
            continue;
        };
        // Writable memory: heap, stacks, data (what a core dump holds of a secret).
        if !perms.starts_with("rw") {
            continue;
        }
        let (start, end) = range.split_once('-').unwrap();
        let start = u64::from_str_radix(start, 16).unwrap();
        let end = u64::from_str_radix(end, 16).unwrap();
        let mut region = vec![0u8; (end - start) as usize];
        if mem.read_exact_at(&mut region, start).is_ok() {
            all.extend_from_slice(&region);
        }
    }
    Some(all)
}

fn occurrences(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|window| *window == needle)
        .count()
}

/// A core dump (or a read of its memory) during `verify --batch` once showed
/// the tokens presented so far. Read buffers are now wiped as they are
/// consumed; the process is not dumpable, so only root can look.
#[cfg(target_os = "linux")]
#[test]
fn presented_tokens_do_not_linger_in_a_running_verify_batch() {
    let env = TestEnv::new();
    let valid = env.create(&["--name", "svc", "--scope", "repo:read", "--expires", "1d"]);
    let id: TokenId = valid[4..15].parse().unwrap();
    let generator = Generator::default();
    let wrong = generator.mint(TokenKind::Personal, id).unwrap();
    let invented = generator
        .mint(TokenKind::Personal, TokenId::from_key(999_999).unwrap())
        .unwrap();
    let presented = [
        valid.clone(),
        wrong.secret.expose().to_owned(),
        invented.secret.expose().to_owned(),
    ];

    let mut running = Running::start(batch(&env));
    for token in &presented {
        running.send(format!("  {token}  \n").as_bytes());
        running.result();
    }
    let Some(memory) = process_memory(running.pid()) else {
        running.finish();
        eprintln!("skipped: only root can read the memory of a non-dumpable process");
        return;
    };
    running.finish();
    assert!(memory.len() > 256 << 10, "read {} bytes", memory.len());
    for token in &presented {
        assert_eq!(
            occurrences(&memory, token.as_bytes()),
            0,
            "a presented token is still in the process's memory"
        );
        // The 32 secret bytes too: parsing and hashing copy them to the stack.
        let body = URL_SAFE_NO_PAD.decode(&token[15..]).unwrap();
        assert_eq!(
            occurrences(&memory, &body[..32]),
            0,
            "a presented secret's bytes are still in the process's memory"
        );
    }
}

/// Fields of /proc/PID/limits, e.g. "Max core file size".
#[cfg(target_os = "linux")]
fn limit(pid: u32, name: &str) -> (String, String) {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let line = limits.lines().find(|line| line.starts_with(name)).unwrap();
    let mut values = line[name.len()..].split_whitespace();
    (
        values.next().unwrap().to_owned(),
        values.next().unwrap().to_owned(),
    )
}

/// A core dump of `verify --batch` would hold what it was given, and
/// `/proc/PID/environ` shows `TOKCTL_TOKEN` to whoever may read it. tokctl
/// now sets its core limit to 0 (soft and hard) and makes itself
/// non-dumpable, which hands its /proc files to root: the user's other
/// processes can no longer read its environment or memory. Run as root,
/// the child runs as `nobody` so that this hand-over is visible.
#[cfg(target_os = "linux")]
#[test]
fn a_running_verify_cannot_dump_core_and_hides_its_environment() {
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::process::CommandExt;

    let env = TestEnv::empty();
    let me = rustix::process::geteuid().as_raw();
    let mut command = batch(&env);
    command.env("TOKCTL_TOKEN", "tkp_not-a-real-token");
    if me == 0 {
        const NOBODY: u32 = 65534;
        std::os::unix::fs::chown(env.dir.path(), Some(NOBODY), Some(NOBODY)).unwrap();
        command.uid(NOBODY).gid(NOBODY);
    }
    let mut running = Running::start(command);
    running.send(b"garbage\n");
    assert_eq!(running.result()["reason"], "malformed");
    let pid = running.pid();

    assert_eq!(
        limit(pid, "Max core file size"),
        ("0".to_owned(), "0".to_owned())
    );
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let runs_as: u32 = status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .and_then(|uids| uids.split_whitespace().nth(1))
        .unwrap()
        .parse()
        .unwrap();
    assert_ne!(runs_as, 0, "the child runs as an ordinary user");
    let environ = std::fs::metadata(format!("/proc/{pid}/environ")).unwrap();
    assert_eq!(
        environ.uid(),
        0,
        "a non-dumpable process's /proc files belong to root, not to user {runs_as}"
    );
    if me != 0 {
        let read = std::fs::read(format!("/proc/{pid}/environ"));
        assert_eq!(
            read.unwrap_err().kind(),
            std::io::ErrorKind::PermissionDenied
        );
    }
    running.finish();
}
