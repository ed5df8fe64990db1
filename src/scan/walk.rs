//! Scanning files and directories: directories are walked in parallel by
//! ripgrep's walker (the `ignore` crate), which applies `.gitignore`,
//! `.ignore` and git's exclude files as ripgrep does; files named
//! explicitly, and stdin, are always read whole.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use ignore::{WalkBuilder, WalkState};
use zeroize::Zeroizing;

use super::{Finder, Finding, Origin, ScanProblem, ScanReport, ScanStats};

/// How to walk.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    /// Leave out what `.gitignore`, `.ignore` and git's exclude files
    /// exclude (inside a git repository, as ripgrep does).
    pub ignore_files: bool,
    /// Scan files holding a NUL byte too; otherwise a walk skips them as
    /// binary (a file named explicitly is always scanned).
    pub binary: bool,
    /// Worker threads; 0 for one per CPU.
    pub threads: usize,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            ignore_files: true,
            binary: false,
            threads: 0,
        }
    }
}

/// Running totals shared by the walker's threads.
#[derive(Default)]
struct Tally {
    scanned: AtomicU64,
    bytes: AtomicU64,
    binary_skipped: AtomicU64,
    findings: Mutex<Vec<Finding>>,
    problems: Mutex<Vec<ScanProblem>>,
}

impl Tally {
    fn problem(&self, path: PathBuf, error: std::io::Error) {
        lock(&self.problems).push(ScanProblem { path, error });
    }

    /// Scans one file into the totals.
    fn scan_file(&self, finder: &Finder, path: &Path, buf: &mut Vec<u8>, skip_binary: bool) {
        let scanned =
            File::open(path).and_then(|mut file| finder.scan_read(&mut file, buf, skip_binary));
        match scanned {
            Ok(scan) => {
                self.scanned.fetch_add(1, Ordering::Relaxed);
                self.bytes.fetch_add(scan.bytes, Ordering::Relaxed);
                if scan.binary && skip_binary {
                    self.binary_skipped.fetch_add(1, Ordering::Relaxed);
                }
                if !scan.hits.is_empty() {
                    lock(&self.findings).extend(scan.hits.into_iter().map(|hit| Finding {
                        origin: Origin::File,
                        path: path.to_owned(),
                        hit,
                    }));
                }
            }
            Err(error) => self.problem(path.to_owned(), error),
        }
    }

    fn into_report(self) -> ScanReport {
        let mut findings = self
            .findings
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        findings.sort_by(|a, b| (&a.path, a.hit.offset).cmp(&(&b.path, b.hit.offset)));
        let mut problems = self
            .problems
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        problems.sort_by(|a, b| a.path.cmp(&b.path));
        ScanReport {
            findings,
            problems,
            stats: ScanStats {
                scanned: self.scanned.into_inner(),
                bytes: self.bytes.into_inner(),
                binary_skipped: self.binary_skipped.into_inner(),
            },
        }
    }
}

/// The lists stay whole if another worker panicked: each push is one call.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Scans `paths`: directories walked (in parallel), other paths read as
/// files (symbolic links followed, FIFOs read to their end). A path that
/// cannot be read is a [`ScanProblem`]; the rest are scanned all the same.
/// Inside a walk, symbolic links are not followed, `.git` directories are
/// left to [`super::git`], and hidden files are scanned (a `.env` file is
/// where tokens end up).
pub fn scan_paths(finder: &Finder, paths: &[PathBuf], options: &WalkOptions) -> ScanReport {
    let tally = Tally::default();
    let mut buf = Zeroizing::new(Vec::new());
    let mut dirs = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => dirs.push(path.clone()),
            Ok(_) => tally.scan_file(finder, path, &mut buf, false),
            Err(error) => tally.problem(path.clone(), error),
        }
    }
    if let Some((first, rest)) = dirs.split_first() {
        walk(finder, first, rest, options, &tally);
    }
    tally.into_report()
}

fn walk(finder: &Finder, first: &Path, rest: &[PathBuf], options: &WalkOptions, tally: &Tally) {
    let mut builder = WalkBuilder::new(first);
    for dir in rest {
        builder.add(dir);
    }
    builder
        .standard_filters(options.ignore_files)
        .hidden(false)
        .follow_links(false)
        .threads(options.threads)
        .filter_entry(|entry| entry.file_name() != ".git");
    // A walk of "." shows paths as "src/x", not "./src/x", as ripgrep does.
    let strip_dot = std::iter::once(first)
        .chain(rest.iter().map(PathBuf::as_path))
        .any(|dir| dir == Path::new("."));
    let skip_binary = !options.binary;
    builder.build_parallel().run(|| {
        // What was read may hold secrets: wiped when the worker ends.
        let mut buf = Zeroizing::new(Vec::new());
        Box::new(move |entry| {
            match entry {
                Ok(entry) if entry.file_type().is_some_and(|kind| kind.is_file()) => {
                    let path = entry.path();
                    let shown = match path.strip_prefix(".") {
                        Ok(relative) if strip_dot && entry.depth() > 0 => relative,
                        _ => path,
                    };
                    tally.scan_file(finder, shown, &mut buf, skip_binary);
                }
                Ok(_) => {}
                // An entry that could not be read (a directory, a file that
                // vanished) leaves the scan incomplete; a bad line in an
                // ignore file does not, it only excludes less.
                Err(err) => {
                    let path = error_path(&err);
                    if let Some(error) = err.into_io_error() {
                        tally.problem(path, error);
                    }
                }
            }
            WalkState::Continue
        })
    });
}

/// The path an error of the walker is about (empty when it names none).
fn error_path(err: &ignore::Error) -> PathBuf {
    match err {
        ignore::Error::WithPath { path, .. } => path.clone(),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Partial(errs) if errs.len() == 1 => error_path(&errs[0]),
        _ => PathBuf::new(),
    }
}

/// Scans one input (stdin), shown as `name`. Binary input is scanned too:
/// it was handed over on purpose.
pub fn scan_reader(finder: &Finder, reader: &mut dyn Read, name: &Path) -> ScanReport {
    let mut report = ScanReport::default();
    match finder.scan_read(reader, &mut Zeroizing::new(Vec::new()), false) {
        Ok(scan) => {
            report.stats = ScanStats {
                scanned: 1,
                bytes: scan.bytes,
                binary_skipped: 0,
            };
            report.findings = scan
                .hits
                .into_iter()
                .map(|hit| Finding {
                    origin: Origin::Stdin,
                    path: name.to_owned(),
                    hit,
                })
                .collect();
        }
        Err(error) => report.problems.push(ScanProblem {
            path: name.to_owned(),
            error,
        }),
    }
    report
}
