//! `tokctl scan` against ripgrep: a generated 1 GiB tree of mixed text with
//! a few hundred planted tokens (some with broken checksums, some inside
//! binary files) scanned by `rg` and by tokctl with the same regular
//! expression, in the same run, warm cache, alternating; then a generated
//! git repository of 10,000 commits scanned end to end (`scan --git`, and
//! an incremental `--since`). Prints one table and checks that tokctl
//! found exactly the planted valid tokens, and rg every planted match.
//!
//! `cargo bench --bench scan` (`scripts/bench --scan`), or `-- --smoke`
//! (16 MiB and 200 commits: CI keeps it working). Needs `rg` (Debian
//! package `ripgrep`) and `git`; without rg the run says so and exits 0 (1
//! when CI=true). Timings are measurements, not tests: only wrong findings
//! fail the run.

mod common;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{median, open_store, secs, tokctl_bin};
use tokctl::clock::SystemClock;
use tokctl::model::{TokenId, TokenKind};
use tokctl::ops::{CreateRequest, OwnerChoice, Session};
use tokctl::scan::TOKEN_PATTERN;
use tokctl::secret::Generator;

struct Config {
    tree_bytes: u64,
    valid: usize,
    broken: usize,
    in_binary: usize,
    known: usize,
    runs: usize,
    commits: usize,
}

fn config() -> Config {
    if std::env::args().any(|arg| arg == "--smoke") {
        Config {
            tree_bytes: 16 << 20,
            valid: 40,
            broken: 10,
            in_binary: 3,
            known: 10,
            runs: 1,
            commits: 200,
        }
    } else {
        Config {
            tree_bytes: 1 << 30,
            valid: 300,
            broken: 100,
            in_binary: 20,
            known: 50,
            runs: 5,
            commits: 10_000,
        }
    }
}

fn main() {
    let config = config();
    if Command::new("rg").arg("--version").output().is_err() {
        eprintln!("note: rg not found (Debian package 'ripgrep'): skipping the scan benchmark");
        let ci = std::env::var("CI").is_ok_and(|value| value == "true");
        std::process::exit(if ci { 1 } else { 0 });
    }
    let bin = tokctl_bin();
    let dir = tempfile::tempdir().expect("temp dir");
    let store = dir.path().join("tokctl.db");
    let mut session = seeded_session(&store);
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut tokens = TokenSource::new(&mut session, config.known);

    let tree = dir.path().join("tree");
    let began = Instant::now();
    let planted = generate_tree(&tree, &config, &mut rng, &mut tokens);
    println!(
        "generated {} in {} files ({} tokens planted, {} with a broken checksum, {} in binary files) in {:.1} s",
        mib(planted.bytes),
        planted.files,
        planted.valid.len(),
        planted.broken,
        planted.in_binary,
        began.elapsed().as_secs_f64()
    );

    // Warm the page cache for both, then alternate.
    let mut rg_times = Vec::new();
    let mut rg_count_times = Vec::new();
    let mut tokctl_times = Vec::new();
    let rg_found = rg(&tree, true).1;
    let (_, found, _) = scan_tree(&bin, &store, &tree, false);
    for _ in 0..config.runs {
        rg_times.push(rg(&tree, true).0);
        rg_count_times.push(rg(&tree, false).0);
        tokctl_times.push(scan_tree(&bin, &store, &tree, false).0);
    }
    let (_, _, peak_kib) = scan_tree(&bin, &store, &tree, true);
    let rg_median = median(&mut rg_times);
    let rg_count_median = median(&mut rg_count_times);
    let tokctl_median = median(&mut tokctl_times);

    let expected_rg = planted.valid.len() + planted.broken;
    assert_eq!(
        rg_found, expected_rg,
        "rg should match every planted valid and broken token outside binary files"
    );
    assert_eq!(
        found, planted.valid,
        "tokctl must find exactly the planted valid tokens"
    );

    println!();
    println!("| measure | value | target | |");
    println!("|---|---|---|---|");
    println!(
        "| tree | {} in {} files, {} valid tokens, {} broken, {} in binary files | | |",
        mib(planted.bytes),
        planted.files,
        planted.valid.len(),
        planted.broken,
        planted.in_binary
    );
    println!(
        "| `rg -o -n --column` (median of {}) | {} ({}) | reference | |",
        config.runs,
        secs(rg_median),
        rate(planted.bytes, rg_median)
    );
    println!(
        "| `rg --count-matches` (no line numbers; median of {}) | {} ({}) | | |",
        config.runs,
        secs(rg_count_median),
        rate(planted.bytes, rg_count_median)
    );
    let ratio = tokctl_median.as_secs_f64() / rg_median.as_secs_f64();
    println!(
        "| `tokctl scan --format jsonl` (median of {}) | {} ({}), {:.2}x rg, {:.1} MiB peak | ≤ 1.5x rg | {} |",
        config.runs,
        secs(tokctl_median),
        rate(planted.bytes, tokctl_median),
        ratio,
        peak_kib as f64 / 1024.0,
        if ratio <= 1.5 { "ok" } else { "missed" }
    );
    println!(
        "| findings | tokctl {} = planted valid {}; rg {} = valid + broken | exact | ok |",
        found.len(),
        planted.valid.len(),
        rg_found
    );

    let repo = dir.path().join("repo");
    let began = Instant::now();
    let history = generate_repo(&repo, &config, &mut rng, &mut tokens);
    println!(
        "| git repository | {} commits ({} on a side branch), {} blobs written, made in {:.1} s | | |",
        history.commits,
        history.side_commits,
        history.blobs,
        began.elapsed().as_secs_f64()
    );
    // What git itself takes for the two halves tokctl asks of it.
    let walk = timed_git(
        &repo,
        &[
            "log",
            "--all",
            "--reverse",
            "--root",
            "--diff-merges=first-parent",
            "--raw",
            "--no-abbrev",
            "--no-renames",
            "-z",
            "--format=%x01%H%x00%an <%ae>%x00%at",
        ],
    );
    let read_all = timed_git(
        &repo,
        &["cat-file", "--batch-all-objects", "--batch", "--unordered"],
    );
    println!(
        "| `git log --raw` (the walk tokctl reads) / `git cat-file --batch-all-objects` (every object) | {} / {} | reference | |",
        secs(walk),
        secs(read_all)
    );
    let (elapsed, found_in_history) = scan_git(&bin, &store, &repo, None);
    assert_eq!(
        found_in_history, history.planted,
        "tokctl scan --git must find each planted token once"
    );
    println!(
        "| `tokctl scan --git`, whole history | {}, {} tokens found (all planted, {} of them deleted later) | | ok |",
        secs(elapsed),
        found_in_history.len(),
        history.deleted
    );
    let (elapsed, found_since) = scan_git(&bin, &store, &repo, Some(&history.recent_base));
    assert_eq!(
        found_since, history.planted_recent,
        "--since finds exactly the tokens planted after it"
    );
    println!(
        "| `tokctl scan --git --since` the last {} commits | {}, {} tokens found | | ok |",
        history.recent_commits,
        secs(elapsed),
        found_since.len()
    );
}

/// A store whose actor `bench` mints the tokens the scan should know.
fn seeded_session(path: &Path) -> Session {
    let mut session = common::session(open_store(path), Arc::new(SystemClock), "bench");
    session.bootstrap_if_empty().expect("bootstrap");
    session
}

/// Tokens to plant: the first `known` minted in the store, the rest made
/// with ids no store holds (what a scan reports as unknown).
struct TokenSource<'a> {
    session: &'a mut Session,
    known_left: usize,
    next_key: i64,
    generator: Generator,
    count: usize,
}

impl<'a> TokenSource<'a> {
    fn new(session: &'a mut Session, known: usize) -> Self {
        TokenSource {
            session,
            known_left: known,
            next_key: 1 << 40,
            generator: Generator::default(),
            count: 0,
        }
    }

    fn next(&mut self) -> String {
        self.count += 1;
        if self.known_left > 0 {
            self.known_left -= 1;
            return self
                .session
                .create_token(CreateRequest {
                    name: Some(format!("planted-{}", self.count)),
                    owner: OwnerChoice::Me,
                    scopes: vec!["repo:read".parse().expect("scope")],
                    expiry: Some("30d".parse().expect("expiry")),
                    ..CreateRequest::default()
                })
                .expect("create")
                .secret
                .expose()
                .to_owned();
        }
        self.next_key += 7919;
        let kind = if self.count % 3 == 0 {
            TokenKind::Org
        } else {
            TokenKind::Personal
        };
        self.generator
            .mint(kind, TokenId::from_key(self.next_key).expect("id"))
            .expect("mint")
            .secret
            .expose()
            .to_owned()
    }

    /// A token with one character of its body changed: the checksum fails.
    fn broken(&mut self) -> String {
        let mut token = self.next().into_bytes();
        let at = 20 + self.count % 30;
        token[at] = if token[at] == b'A' { b'B' } else { b'A' };
        String::from_utf8(token).expect("ascii")
    }
}

/// xorshift64*: a fixed, fast sequence, so every run plants the same way.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const WORDS: &[&str] = &[
    "the",
    "token",
    "service",
    "request",
    "deploy",
    "config",
    "value",
    "error",
    "user",
    "build",
    "cache",
    "release",
    "staging",
    "production",
    "retry",
    "timeout",
    "handler",
    "database",
    "connection",
    "secret",
    "header",
    "response",
    "latency",
    "quota",
    "policy",
    "kit",
    "task",
    "stack",
    "talk",
    "network",
    "packet",
    "ticket",
    "market",
    "outkeep",
];

/// About 8 MiB of lines of every kind: prose, code, logs with ids and
/// base64, JSON, non-ASCII comments, and now and then (one line in 500) a
/// near miss: `tkp_` or `tko_` followed by too few token characters.
fn text_pool(rng: &mut Rng) -> Vec<u8> {
    let mut pool = Vec::with_capacity(9 << 20);
    let alnum = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    while pool.len() < 8 << 20 {
        let kind = if rng.below(500) == 0 {
            4
        } else {
            [0, 1, 2, 3, 5][rng.below(5)]
        };
        let mut line = String::new();
        match kind {
            0 => {
                for _ in 0..8 + rng.below(12) {
                    line.push_str(WORDS[rng.below(WORDS.len())]);
                    line.push(' ');
                }
                line.push('.');
            }
            1 => {
                line.push_str(&format!(
                    "    let {}_{} = {}({}, \"{}\")?;",
                    WORDS[rng.below(WORDS.len())],
                    rng.below(100),
                    WORDS[rng.below(WORDS.len())],
                    rng.below(1000),
                    WORDS[rng.below(WORDS.len())]
                ));
            }
            2 => {
                // No '_' here: random text never forms a token's prefix.
                let blob: String = (0..32 + rng.below(64))
                    .map(|_| char::from(alnum[rng.below(alnum.len() - 1)]))
                    .collect();
                line.push_str(&format!(
                    "2026-11-{:02}T{:02}:{:02}:{:02}Z INFO req={:016x} {} ok data={blob}",
                    1 + rng.below(28),
                    rng.below(24),
                    rng.below(60),
                    rng.below(60),
                    rng.next(),
                    WORDS[rng.below(WORDS.len())]
                ));
            }
            3 => {
                line.push_str(&format!(
                    "{{\"id\": {}, \"name\": \"{}\", \"enabled\": {}, \"ratio\": 0.{}}},",
                    rng.below(100_000),
                    WORDS[rng.below(WORDS.len())],
                    rng.below(2) == 1,
                    rng.below(1000)
                ));
            }
            4 => {
                // A near miss: the prefix, then too few token characters.
                let prefix = if rng.below(2) == 0 { "tkp_" } else { "tko_" };
                let tail: String = (0..rng.below(40))
                    .map(|_| char::from(alnum[rng.below(alnum.len())]))
                    .collect();
                line.push_str(&format!("export OLD_{prefix}{tail} # rotated"));
            }
            _ => {
                line.push_str("    // ünïcödé and ASCII: ");
                line.push_str(WORDS[rng.below(WORDS.len())]);
            }
        }
        line.push('\n');
        pool.extend_from_slice(line.as_bytes());
    }
    pool
}

struct Planted {
    bytes: u64,
    files: usize,
    /// (path relative to the tree, redacted token) of every valid token.
    valid: BTreeSet<(String, String)>,
    broken: usize,
    in_binary: usize,
}

/// Writes the tree: 64 directories of text files from 1 KiB to 1 MiB
/// (log-uniform), tokens planted at line starts and mid-line in some of
/// them, and a few binary files holding tokens after a NUL byte. Files are
/// written one at a time, so memory stays small.
fn generate_tree(root: &Path, config: &Config, rng: &mut Rng, tokens: &mut TokenSource) -> Planted {
    let pool = text_pool(rng);
    let mut sizes = Vec::new();
    let mut total = 0u64;
    while total < config.tree_bytes {
        let size = (1024.0 * 1024f64.powf(rng.below(1000) as f64 / 1000.0)) as usize;
        total += size as u64;
        sizes.push(size);
    }
    // Which file gets which token (valid: true).
    let mut plants: Vec<Vec<(String, bool)>> = vec![Vec::new(); sizes.len()];
    for n in 0..config.valid + config.broken {
        let valid = n < config.valid;
        let token = if valid {
            tokens.next()
        } else {
            tokens.broken()
        };
        plants[rng.below(sizes.len())].push((token, valid));
    }
    let mut planted = Planted {
        bytes: 0,
        files: 0,
        valid: BTreeSet::new(),
        broken: 0,
        in_binary: 0,
    };
    for dir in 0..64 {
        std::fs::create_dir_all(root.join(format!("d{dir:02}"))).expect("mkdir");
    }
    for (number, (size, plants)) in sizes.iter().zip(plants).enumerate() {
        let start = rng.below(pool.len() - size);
        let mut content = pool[start..start + size].to_vec();
        // Start at a line.
        if let Some(newline) = content.iter().position(|b| *b == b'\n') {
            content.drain(..=newline);
        }
        let name = format!("d{:02}/f{number:05}.txt", number % 64);
        for (token, valid) in plants {
            // At the start of a line, never inside another planted token.
            let at = rng.below(content.len().max(1));
            let line_start = content[..at]
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |i| i + 1);
            let insert = if rng.below(2) == 0 {
                format!("TOKEN={token}\n")
            } else {
                format!("Authorization: Bearer {token} ")
            };
            content.splice(line_start..line_start, insert.bytes());
            if valid {
                planted.valid.insert((name.clone(), redacted(&token)));
            } else {
                planted.broken += 1;
            }
        }
        std::fs::write(root.join(&name), &content).expect("write");
        planted.bytes += content.len() as u64;
        planted.files += 1;
    }
    for n in 0..config.in_binary {
        let mut content = vec![0x7f, b'E', b'L', b'F', 0, 0, 1, 0];
        content.extend_from_slice(&pool[n * 4096..n * 4096 + 4096]);
        content.extend_from_slice(tokens.next().as_bytes());
        content.extend_from_slice(b"\0\0\0");
        std::fs::write(root.join(format!("d{:02}/lib{n}.so", n % 64)), &content).expect("write");
        planted.bytes += content.len() as u64;
        planted.files += 1;
        planted.in_binary += 1;
    }
    planted
}

fn redacted(token: &str) -> String {
    format!("{}…{}", &token[..15], &token[token.len() - 4..])
}

/// rg with the token pattern, each match with its line and column as
/// tokctl reports them (`lines`), or only counted per file: (time, matches).
fn rg(tree: &Path, lines: bool) -> (Duration, usize) {
    let mut command = Command::new("rg");
    command.arg("--no-config");
    if lines {
        command.args(["-o", "-n", "--column", "--no-heading", "--with-filename"]);
    } else {
        command.args(["--count-matches", "--no-filename"]);
    }
    let began = Instant::now();
    let out = command
        .arg(TOKEN_PATTERN)
        .arg(".")
        .current_dir(tree)
        .stdout(Stdio::piped())
        .output()
        .expect("rg");
    let elapsed = began.elapsed();
    let count = if lines {
        out.stdout
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .count()
    } else {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|line| line.trim().parse::<usize>().ok())
            .sum()
    };
    (elapsed, count)
}

fn tokctl(bin: &Path, store: &Path) -> Command {
    common::tokctl(bin, store, "bench")
}

/// `tokctl scan . --format jsonl` in the tree (under /usr/bin/time when
/// `peak`): (time, findings as (path, redacted), peak KiB or 0).
fn scan_tree(
    bin: &Path,
    store: &Path,
    tree: &Path,
    peak: bool,
) -> (Duration, BTreeSet<(String, String)>, u64) {
    let mut command = if peak {
        let mut command = Command::new("/usr/bin/time");
        command.args(["-f", "%M"]).arg(bin);
        command
    } else {
        Command::new(bin)
    };
    command
        .env_clear()
        .env("TOKCTL_DB", store)
        .env("TOKCTL_USER", "bench")
        .env("TOKCTL_KEYRING", "off")
        .args(["scan", "--format", "jsonl", "."])
        .current_dir(tree);
    let began = Instant::now();
    let out = command
        .output()
        .expect("tokctl (and /usr/bin/time, package 'time')");
    let elapsed = began.elapsed();
    // 27: live or unknown tokens found (docs/exit-codes.md).
    assert!(
        matches!(out.status.code(), Some(27)),
        "tokctl scan: {:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let kib = if peak {
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .and_then(|line| line.trim().parse().ok())
            .unwrap_or(0)
    } else {
        0
    };
    (elapsed, findings(&out.stdout), kib)
}

fn findings(jsonl: &[u8]) -> BTreeSet<(String, String)> {
    jsonl
        .split(|b| *b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| {
            let value: serde_json::Value = serde_json::from_slice(line).expect("json line");
            (
                value["path"].as_str().expect("path").to_owned(),
                value["redacted"].as_str().expect("redacted").to_owned(),
            )
        })
        .collect()
}

struct History {
    commits: usize,
    side_commits: usize,
    blobs: usize,
    /// (path, redacted) of every token planted, once.
    planted: BTreeSet<(String, String)>,
    deleted: usize,
    /// The commit before the last `recent_commits` on main, and what was planted after it.
    recent_base: String,
    recent_commits: usize,
    planted_recent: BTreeSet<(String, String)>,
}

/// A repository made with `git fast-import`: `commits` commits on main over
/// 200 files in 20 directories, each changing two files; one in 200 plants
/// a token in a file of its own, every other one of those deleted again 50
/// commits later; a side branch of 50 commits holds a token of its own.
fn generate_repo(repo: &Path, config: &Config, rng: &mut Rng, tokens: &mut TokenSource) -> History {
    std::fs::create_dir_all(repo).expect("mkdir");
    let status = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["init", "-q", "-b", "main"])
        .status()
        .expect("git");
    assert!(status.success(), "git init");
    let pool = text_pool(rng);
    let side_commits = 50.min(config.commits / 4);
    let recent_commits = config.commits / 10;
    let mut history = History {
        commits: config.commits + side_commits,
        side_commits,
        blobs: 0,
        planted: BTreeSet::new(),
        deleted: 0,
        recent_base: String::new(),
        recent_commits,
        planted_recent: BTreeSet::new(),
    };
    let mut child = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("git fast-import");
    let mut out = std::io::BufWriter::new(child.stdin.take().expect("stdin"));
    let content = |rng: &mut Rng| {
        let size = 1024 + rng.below(6 * 1024);
        let start = rng.below(pool.len() - size);
        pool[start..start + size].to_vec()
    };
    let mut tokened: Vec<String> = Vec::new();
    let recent_from = config.commits - recent_commits;
    for mark in 1..=config.commits {
        let mut changes = Vec::new();
        for _ in 0..2 {
            let file = rng.below(200);
            changes.push((
                format!("src/m{:02}/file{file:03}.rs", file % 20),
                Some(content(rng)),
            ));
        }
        if mark % 200 == 100 {
            let token = tokens.next();
            let path = format!("config/secret{mark}.env");
            let mut bytes = content(rng);
            bytes.extend_from_slice(format!("\nAPI_TOKEN={token}\n").as_bytes());
            changes.push((path.clone(), Some(bytes)));
            history.planted.insert((path.clone(), redacted(&token)));
            if mark > recent_from {
                history
                    .planted_recent
                    .insert((path.clone(), redacted(&token)));
            }
            tokened.push(path);
        }
        // Every other planted file is deleted: its token stays in history.
        if mark % 200 == 150 && tokened.len() % 2 == 1 {
            if let Some(path) = tokened.last() {
                changes.push((path.clone(), None));
                history.deleted += 1;
            }
        }
        history.blobs += changes.iter().filter(|(_, bytes)| bytes.is_some()).count();
        fast_import_commit(
            &mut out,
            "main",
            mark,
            (mark > 1).then(|| mark - 1),
            &changes,
        );
    }
    // The side branch forks before the --since base: all of it is after it.
    for n in 0..side_commits {
        let mark = config.commits + 1 + n;
        let from = if n == 0 { config.commits / 2 } else { mark - 1 };
        let mut changes = vec![("docs/notes.md".to_owned(), Some(content(rng)))];
        if n == side_commits / 2 {
            let token = tokens.next();
            let path = "docs/side-branch.env".to_owned();
            changes.push((path.clone(), Some(format!("TOKEN={token}\n").into_bytes())));
            history.planted.insert((path.clone(), redacted(&token)));
            history.planted_recent.insert((path, redacted(&token)));
        }
        history.blobs += changes.len();
        fast_import_commit(&mut out, "side", mark, Some(from), &changes);
    }
    drop(out);
    assert!(
        child.wait().expect("fast-import").success(),
        "git fast-import"
    );
    let base = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["rev-parse", &format!("main~{recent_commits}")])
        .output()
        .expect("git rev-parse");
    history.recent_base = String::from_utf8_lossy(&base.stdout).trim().to_owned();
    history
}

/// One commit in `git fast-import`'s language: files set (`Some`) or deleted.
fn fast_import_commit(
    out: &mut dyn Write,
    branch: &str,
    mark: usize,
    from: Option<usize>,
    changes: &[(String, Option<Vec<u8>>)],
) {
    let when = 1_700_000_000 + mark as u64 * 60;
    let who = format!("Dev {n} <dev{n}@example.com> {when} +0000", n = mark % 7);
    let message = format!("change {mark}");
    write!(
        out,
        "commit refs/heads/{branch}\nmark :{mark}\nauthor {who}\ncommitter {who}\ndata {}\n{message}\n",
        message.len()
    )
    .expect("write");
    if let Some(from) = from {
        writeln!(out, "from :{from}").expect("write");
    }
    for (path, bytes) in changes {
        match bytes {
            Some(bytes) => {
                write!(out, "M 100644 inline {path}\ndata {}\n", bytes.len()).expect("write");
                out.write_all(bytes).expect("write");
                out.write_all(b"\n").expect("write");
            }
            None => writeln!(out, "D {path}").expect("write"),
        }
    }
}

/// `tokctl scan --git REPO --format jsonl [--since BASE]`: (time, findings).
fn scan_git(
    bin: &Path,
    store: &Path,
    repo: &Path,
    since: Option<&str>,
) -> (Duration, BTreeSet<(String, String)>) {
    let mut command = tokctl(bin, store);
    command
        .args(["scan", "--format", "jsonl", "--git"])
        .arg(repo);
    if let Some(base) = since {
        command.args(["--since", base]);
    }
    let began = Instant::now();
    let out = command.output().expect("tokctl");
    let elapsed = began.elapsed();
    // Nothing, only dead, or live tokens found (docs/exit-codes.md).
    assert!(
        matches!(out.status.code(), Some(0 | 26 | 27)),
        "tokctl scan --git: {:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    (elapsed, findings(&out.stdout))
}

/// Runs git with its output thrown away; how long it took.
fn timed_git(repo: &Path, args: &[&str]) -> Duration {
    let began = Instant::now();
    let status = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .stdout(Stdio::null())
        .status()
        .expect("git");
    assert!(status.success(), "git {args:?}");
    began.elapsed()
}

fn mib(bytes: u64) -> String {
    format!("{:.0} MiB", bytes as f64 / (1u64 << 20) as f64)
}

fn rate(bytes: u64, duration: Duration) -> String {
    format!(
        "{:.2} GiB/s",
        bytes as f64 / (1u64 << 30) as f64 / duration.as_secs_f64()
    )
}
