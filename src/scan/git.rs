//! Tokens in a git repository: every blob of the history reachable from
//! all refs (or only what came after a revision), and the staged changes a
//! commit is about to record. Read through the `git` program: `git log
//! --raw` names each blob with the commit and path that introduced it,
//! `git cat-file --batch` streams the blobs' contents, each unique blob once
//! (docs/ARCHITECTURE.md says why not a git library).
//!
//! History: every blob in every reachable commit's tree shows up in some
//! commit's diff against its first parent (a root commit's diff against
//! nothing), so `--diff-merges=first-parent --root` reads each blob at
//! least once without walking whole trees. A token is reported once per
//! path, at the oldest commit that put it there.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};

use zeroize::Zeroizing;

use super::{CommitInfo, Finder, Finding, Hit, Origin, ScanReport, ScanStats};
use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::secret::SecretHash;

/// A file mode git gives a submodule's commit: no blob to read.
const GITLINK_MODE: &str = "160000";

/// Marks the start of a commit's header in the log (a byte no hash,
/// name or number holds).
const COMMIT_MARK: u8 = 0x01;

/// Scans the history of the repository at `repo`: the blobs of all commits
/// reachable from any ref, and with `since`, only of those not reachable
/// from that revision (an incremental run). Binary blobs (a NUL byte) are
/// skipped unless `binary`.
pub fn scan_history(
    finder: &Finder,
    repo: &Path,
    since: Option<&str>,
    binary: bool,
) -> Result<ScanReport> {
    check_repository(repo)?;
    let since = since.map(|rev| resolve_commit(repo, rev)).transpose()?;
    let mut log = git(repo);
    log.args([
        "log",
        "--all",
        "--reverse",
        "--root",
        "--diff-merges=first-parent",
        "--raw",
        "--no-abbrev",
        "--no-renames",
        "--no-ext-diff",
        "--no-textconv",
        "-z",
        "--format=%x01%H%x00%an <%ae>%x00%at",
    ]);
    if let Some(hash) = &since {
        log.args(["--not", hash]);
    }
    let mut log = spawn(log, "git log")?;
    let log_out = take_stdout(&mut log)?;
    let log_errors = drain_stderr(&mut log);
    let mut cat = CatFile::spawn(repo)?;

    let mut history = History::default();
    let scanned = std::thread::scope(|scope| -> Result<BlobScans> {
        let stdout = cat.stdout.take();
        let reader = scope.spawn(move || match stdout {
            Some(stdout) => read_blobs(finder, stdout, binary),
            None => Ok(BlobScans::default()),
        });
        let parsed = history.read_log(log_out, &mut cat);
        // Closing cat-file's input ends its output, and so the reader.
        cat.stdin.take();
        let scans = reader
            .join()
            .map_err(|_| git_failed("reading blobs", "the reader thread panicked".into()))?;
        parsed?;
        scans
    })?;
    finish(log, log_errors, "git log")?;
    cat.finish()?;
    Ok(history.report(scanned))
}

/// Scans what `git commit` would record now in the repository at `repo`:
/// each added or changed file's staged content, reporting only tokens its
/// committed version (HEAD's) did not hold already. For a pre-commit hook.
pub fn scan_staged(finder: &Finder, repo: &Path, binary: bool) -> Result<ScanReport> {
    check_repository(repo)?;
    let mut diff = git(repo);
    diff.args([
        "diff",
        "--cached",
        "--raw",
        "--no-abbrev",
        "--no-renames",
        "--no-ext-diff",
        "-z",
        "--diff-filter=AMT",
    ]);
    let out = diff
        .output()
        .map_err(|source| git_io("git diff --cached", source))?;
    if !out.status.success() {
        return Err(git_failed("git diff --cached", first_line(&out.stderr)));
    }
    // (path, blob before, blob staged)
    let mut changes: Vec<(PathBuf, Option<String>, String)> = Vec::new();
    let mut fields = out.stdout.split(|byte| *byte == 0);
    while let Some(meta) = fields.next() {
        let Some(path) = fields.next() else { break };
        let Some(entry) = RawEntry::parse(meta) else {
            continue;
        };
        if entry.new_mode == GITLINK_MODE {
            continue;
        }
        changes.push((path_from_bytes(path), entry.old_blob, entry.new_blob));
    }
    let mut blobs: Vec<String> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (_, old, new) in &changes {
        for blob in old.iter().chain(std::iter::once(new)) {
            if !index.contains_key(blob) {
                index.insert(blob.clone(), blobs.len());
                blobs.push(blob.clone());
            }
        }
    }
    let mut cat = CatFile::spawn(repo)?;
    let scans = std::thread::scope(|scope| -> Result<BlobScans> {
        let stdin = cat.stdin.take();
        let blobs = &blobs;
        let writer = scope.spawn(move || -> std::io::Result<()> {
            if let Some(stdin) = stdin {
                let mut stdin = BufWriter::new(stdin);
                for blob in blobs {
                    writeln!(stdin, "{blob}")?;
                }
                stdin.flush()?;
            }
            Ok(())
        });
        let stdout = cat
            .stdout
            .take()
            .ok_or_else(|| git_failed("git cat-file", "no output".into()))?;
        let scans = read_blobs(finder, stdout, binary);
        writer
            .join()
            .map_err(|_| git_failed("git cat-file", "the writer thread panicked".into()))?
            .map_err(|source| git_io("git cat-file", source))?;
        scans
    })?;
    cat.finish()?;

    let mut report = ScanReport {
        stats: scans.stats,
        ..ScanReport::default()
    };
    for (path, old, new) in changes {
        let Some(hits) = scans.hits.get(&index[&new]) else {
            continue;
        };
        let before: HashSet<&SecretHash> = old
            .and_then(|old| scans.hits.get(&index[&old]))
            .map(|hits| hits.iter().map(|hit| hit.token.digest()).collect())
            .unwrap_or_default();
        for hit in hits {
            if !before.contains(hit.token.digest()) {
                report.findings.push(Finding {
                    origin: Origin::Staged,
                    path: path.clone(),
                    hit: hit.clone(),
                });
            }
        }
    }
    Ok(report)
}

/// A `git` command on the repository at `repo`, paths unquoted, no prompt.
fn git(repo: &Path) -> Command {
    let mut command = Command::new("git");
    command
        .arg("-C")
        .arg(repo)
        .args(["-c", "core.quotepath=off"])
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null());
    command
}

/// Fails unless `repo` is inside a git repository.
fn check_repository(repo: &Path) -> Result<()> {
    let out = git(repo)
        .args(["rev-parse", "--git-dir"])
        .output()
        .map_err(|source| git_io("git", source))?;
    if out.status.success() {
        return Ok(());
    }
    Err(Error::invalid(
        "git repository",
        &repo.display().to_string(),
        strip_fatal(&first_line(&out.stderr)),
    ))
}

/// The commit `rev` names, as a full hash (so nothing later reads it as an option).
fn resolve_commit(repo: &Path, rev: &str) -> Result<String> {
    let out = git(repo)
        .args(["rev-parse", "--verify", "--quiet", "--end-of-options"])
        .arg(format!("{rev}^{{commit}}"))
        .output()
        .map_err(|source| git_io("git", source))?;
    let hash = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if out.status.success() && !hash.is_empty() && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(hash);
    }
    Err(Error::invalid(
        "revision",
        rev,
        "not a commit in this repository",
    ))
}

fn spawn(mut command: Command, what: &str) -> Result<Child> {
    command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| git_io(what, source))
}

fn take_stdout(child: &mut Child) -> Result<ChildStdout> {
    child
        .stdout
        .take()
        .ok_or_else(|| git_failed("git", "no output".into()))
}

/// Reads a child's stderr on a thread of its own, so a chatty child never
/// blocks on a full pipe while its stdout is read.
fn drain_stderr(child: &mut Child) -> Option<std::thread::JoinHandle<Vec<u8>>> {
    let mut stderr = child.stderr.take()?;
    Some(std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stderr.read_to_end(&mut text);
        text
    }))
}

/// Waits for a child; its failure, with the first line it wrote on stderr.
fn finish(
    mut child: Child,
    errors: Option<std::thread::JoinHandle<Vec<u8>>>,
    what: &str,
) -> Result<()> {
    let status = child.wait().map_err(|source| git_io(what, source))?;
    let errors = errors
        .and_then(|handle| handle.join().ok())
        .unwrap_or_default();
    if status.success() {
        Ok(())
    } else {
        Err(git_failed(what, first_line(&errors)))
    }
}

fn git_io(what: &str, source: std::io::Error) -> Error {
    Error::Io {
        path: PathBuf::from(what),
        source,
    }
}

fn git_failed(what: &str, message: String) -> Error {
    git_io(what, std::io::Error::other(strip_fatal(&message)))
}

fn first_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let line = text
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("");
    if line.is_empty() {
        "failed".to_owned()
    } else {
        line.trim().to_owned()
    }
}

fn strip_fatal(message: &str) -> String {
    message
        .strip_prefix("fatal: ")
        .or_else(|| message.strip_prefix("error: "))
        .unwrap_or(message)
        .to_owned()
}

#[cfg(unix)]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(OsString::from_vec(bytes.to_vec()))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    PathBuf::from(OsString::from(String::from_utf8_lossy(bytes).into_owned()))
}

/// One line of `--raw` output: `:old-mode new-mode old-blob new-blob status`.
struct RawEntry {
    new_mode: String,
    /// `None` when the file is new.
    old_blob: Option<String>,
    new_blob: String,
}

impl RawEntry {
    /// `None` for a deletion, or anything that is not a raw entry.
    fn parse(meta: &[u8]) -> Option<RawEntry> {
        let text = std::str::from_utf8(meta).ok()?;
        let mut parts = text.trim_start_matches('\n').strip_prefix(':')?.split(' ');
        let _old_mode = parts.next()?;
        let new_mode = parts.next()?.to_owned();
        let old_blob = parts.next()?;
        let new_blob = parts.next()?;
        let none = |hash: &str| hash.bytes().all(|b| b == b'0');
        if none(new_blob) {
            return None;
        }
        Some(RawEntry {
            new_mode,
            old_blob: (!none(old_blob)).then(|| old_blob.to_owned()),
            new_blob: new_blob.to_owned(),
        })
    }
}

/// `git cat-file --batch`, fed blob hashes, streaming their contents.
struct CatFile {
    child: Child,
    stdin: Option<std::process::ChildStdin>,
    stdout: Option<ChildStdout>,
    errors: Option<std::thread::JoinHandle<Vec<u8>>>,
}

impl CatFile {
    fn spawn(repo: &Path) -> Result<CatFile> {
        let mut command = git(repo);
        // --buffer: output is flushed when the input ends, not per object.
        command
            .args(["cat-file", "--batch", "--buffer"])
            .stdin(Stdio::piped());
        let mut child = spawn(command, "git cat-file")?;
        let errors = drain_stderr(&mut child);
        Ok(CatFile {
            stdin: child.stdin.take(),
            stdout: child.stdout.take(),
            child,
            errors,
        })
    }

    fn finish(mut self) -> Result<()> {
        self.stdin.take();
        finish(self.child, self.errors, "git cat-file")
    }
}

/// What scanning the blobs found: hits by the blob's number (the order it
/// was asked for), and totals.
#[derive(Debug, Default)]
struct BlobScans {
    hits: HashMap<usize, Vec<Hit>>,
    stats: ScanStats,
}

/// Reads `cat-file --batch` output to its end, scanning each blob.
fn read_blobs(finder: &Finder, stdout: ChildStdout, binary: bool) -> Result<BlobScans> {
    let mut out = BufReader::with_capacity(256 * 1024, stdout);
    let mut scans = BlobScans::default();
    let mut header = Vec::new();
    let mut buf = Zeroizing::new(Vec::new());
    let io = |source| git_io("git cat-file", source);
    for number in 0.. {
        header.clear();
        if out.read_until(b'\n', &mut header).map_err(io)? == 0 {
            break;
        }
        let line = String::from_utf8_lossy(&header);
        let mut parts = line.split_whitespace();
        let (Some(_hash), Some(kind)) = (parts.next(), parts.next()) else {
            return Err(git_failed(
                "git cat-file",
                format!("unexpected output: {line}"),
            ));
        };
        if kind == "missing" || kind == "ambiguous" {
            continue;
        }
        let size: u64 = parts
            .next()
            .and_then(|size| size.parse().ok())
            .ok_or_else(|| git_failed("git cat-file", format!("unexpected output: {line}")))?;
        let mut blob = (&mut out).take(size);
        if kind == "blob" {
            let scan = finder.scan_read(&mut blob, &mut buf, !binary).map_err(io)?;
            scans.stats.scanned += 1;
            scans.stats.bytes += scan.bytes;
            if scan.binary && !binary {
                scans.stats.binary_skipped += 1;
            }
            if !scan.hits.is_empty() {
                scans.hits.insert(number, scan.hits);
            }
        }
        // What a skipped binary blob (or another object) left unread, and
        // the newline after every object.
        std::io::copy(&mut blob, &mut std::io::sink()).map_err(io)?;
        let mut newline = [0u8; 1];
        out.read_exact(&mut newline).map_err(io)?;
    }
    Ok(scans)
}

/// The commits and blob occurrences `git log --raw` named.
#[derive(Debug, Default)]
struct History {
    commits: Vec<CommitInfo>,
    /// Blob hash → its number (the order it was asked of cat-file).
    blobs: HashMap<String, usize>,
    /// Paths, each stored once.
    paths: Vec<PathBuf>,
    path_numbers: HashMap<Vec<u8>, usize>,
    /// (commit, path, blob), oldest commit first.
    occurrences: Vec<(usize, usize, usize)>,
}

impl History {
    /// Reads the log, asking cat-file for each blob the first time it appears.
    fn read_log(&mut self, log: ChildStdout, cat: &mut CatFile) -> Result<()> {
        let io = |source| git_io("git log", source);
        let mut log = BufReader::with_capacity(256 * 1024, log);
        let mut requests = cat.stdin.take().map(BufWriter::new);
        let mut field = Vec::new();
        let mut next = |field: &mut Vec<u8>| -> Result<bool> {
            field.clear();
            let read = log.read_until(0, field).map_err(io)?;
            if field.last() == Some(&0) {
                field.pop();
            }
            Ok(read > 0)
        };
        while next(&mut field)? {
            let start = field
                .iter()
                .position(|b| *b != b'\n')
                .unwrap_or(field.len());
            let head = &field[start..];
            if head.first() == Some(&COMMIT_MARK) {
                let hash = String::from_utf8_lossy(&head[1..]).into_owned();
                next(&mut field)?;
                let author = String::from_utf8_lossy(&field).into_owned();
                next(&mut field)?;
                let authored_at = std::str::from_utf8(&field)
                    .ok()
                    .and_then(|text| text.trim().parse::<i64>().ok())
                    .and_then(|secs| Timestamp::from_timestamp(secs, 0));
                self.commits.push(CommitInfo {
                    hash,
                    author,
                    authored_at,
                });
            } else if head.first() == Some(&b':') {
                let entry = RawEntry::parse(head);
                if !next(&mut field)? {
                    break;
                }
                let (Some(entry), Some(commit)) = (entry, self.commits.len().checked_sub(1)) else {
                    continue;
                };
                if entry.new_mode == GITLINK_MODE {
                    continue;
                }
                let blob = match self.blobs.get(&entry.new_blob) {
                    Some(number) => *number,
                    None => {
                        let number = self.blobs.len();
                        if let Some(requests) = requests.as_mut() {
                            writeln!(requests, "{}", entry.new_blob)
                                .map_err(|source| git_io("git cat-file", source))?;
                        }
                        self.blobs.insert(entry.new_blob, number);
                        number
                    }
                };
                let path = match self.path_numbers.get(field.as_slice()) {
                    Some(number) => *number,
                    None => {
                        let number = self.paths.len();
                        self.paths.push(path_from_bytes(&field));
                        self.path_numbers.insert(field.clone(), number);
                        number
                    }
                };
                self.occurrences.push((commit, path, blob));
            }
        }
        if let Some(mut requests) = requests {
            requests
                .flush()
                .map_err(|source| git_io("git cat-file", source))?;
        }
        Ok(())
    }

    /// Each token once per path, at the oldest commit that put it there.
    fn report(self, scans: BlobScans) -> ScanReport {
        let mut report = ScanReport {
            stats: scans.stats,
            ..ScanReport::default()
        };
        let mut seen: HashSet<(usize, SecretHash)> = HashSet::new();
        for (commit, path, blob) in self.occurrences {
            let Some(hits) = scans.hits.get(&blob) else {
                continue;
            };
            let new: Vec<&Hit> = hits
                .iter()
                .filter(|hit| !seen.contains(&(path, *hit.token.digest())))
                .collect();
            for hit in &new {
                report.findings.push(Finding {
                    origin: Origin::Commit(self.commits[commit].clone()),
                    path: self.paths[path].clone(),
                    hit: (*hit).clone(),
                });
            }
            seen.extend(new.iter().map(|hit| (path, *hit.token.digest())));
        }
        report
    }
}
