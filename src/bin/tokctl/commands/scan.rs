//! `tokctl scan`: find tokens in files, stdin, git history or staged
//! changes, say which token each is (read-only), and optionally revoke the
//! live ones. The exit code says what was found.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use tokctl::model::TokenId;
use tokctl::ops::{FoundRevokePlan, FoundStatus, Identified, RevokeOutcome, Session};
use tokctl::scan::{self, Finder, ScanReport, WalkOptions};
use tokctl::secret::redact_tokens;

use crate::exit;
use crate::input::{confirm, read_stdin};
use crate::output::findings::{findings_table, sarif, FindingJson, ScanJson, Shown};
use crate::output::outcomes::{report_keyring_failures, warn_skipped};
use crate::output::ui::Ui;

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files and directories to scan, `-` for stdin [default: .]
    #[arg(value_name = "PATH", value_hint = clap::ValueHint::AnyPath)]
    paths: Vec<PathBuf>,

    /// Scan the history of the git repository REPO instead: every blob of every commit reachable from any ref [REPO default: .]
    #[arg(
        long,
        value_name = "REPO",
        num_args = 0..=1,
        default_missing_value = ".",
        value_hint = clap::ValueHint::DirPath,
        conflicts_with_all = ["paths", "staged"]
    )]
    git: Option<PathBuf>,

    /// With --git: only commits not reachable from REV (an incremental run after REV)
    #[arg(long, value_name = "REV", requires = "git")]
    since: Option<String>,

    /// Scan what is staged for the next commit in REPO (a pre-commit hook) [REPO default: .]
    #[arg(
        long,
        value_name = "REPO",
        num_args = 0..=1,
        default_missing_value = ".",
        value_hint = clap::ValueHint::DirPath,
        conflicts_with = "paths"
    )]
    staged: Option<PathBuf>,

    /// Also scan files that .gitignore, .ignore and git's exclude files leave out
    #[arg(long)]
    no_ignore: bool,

    /// Also scan binary files (holding a NUL byte) met in directories and history
    #[arg(long)]
    binary: bool,

    /// Revoke the tokens found that work or may work again (live, deactivated), after confirming
    #[arg(long)]
    revoke: bool,

    /// With --revoke: show what would be revoked and change nothing
    #[arg(long, requires = "revoke")]
    dry_run: bool,

    /// With --revoke: do not ask (outside a terminal nothing is revoked without it)
    #[arg(long, short, requires = "revoke")]
    yes: bool,

    /// Output format: table, json (one document), jsonl (one finding per line), sarif (SARIF 2.1.0)
    #[arg(long, value_enum, default_value_t)]
    format: ScanFormat,
}

/// Output formats of `scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ScanFormat {
    /// A table for people.
    #[default]
    Table,
    /// One JSON document: findings, problems, totals (docs/json.md).
    Json,
    /// JSON Lines: one finding per line.
    Jsonl,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
}

/// `session` is `None` when there is no store to ask (a local store file
/// that does not exist): every token found is then unknown.
pub fn run(ui: &Ui, session: Option<Session>, args: ScanArgs) -> anyhow::Result<u8> {
    if args.revoke && session.is_none() {
        // Said before scanning, which may take long, not after.
        anyhow::bail!(crate::hints::Usage::new(
            "there is no store here to revoke tokens in",
            "name the store with --db (or TOKCTL_DB)",
        ));
    }
    let finder = Finder::new();
    let report = collect(&finder, &args)?;
    for problem in &report.problems {
        let what = if problem.path == Path::new("-") {
            "stdin".to_owned()
        } else {
            problem.path.display().to_string()
        };
        ui.error(redact_tokens(&format!(
            "cannot read {what}: {}",
            problem.error
        )));
    }
    let identified = match &session {
        Some(session) => {
            session.identify_found(report.findings.iter().map(|finding| &finding.hit.token))?
        }
        None => report
            .findings
            .iter()
            .map(|_| Identified::unknown())
            .collect(),
    };
    let code = exit_code(&report, &identified);
    let now = session.as_ref().map_or_else(chrono::Utc::now, Session::now);

    let mut outcomes: HashMap<TokenId, &'static str> = HashMap::new();
    let mut declined = false;
    // --revoke without a store was refused above.
    if let (true, Some(mut session)) = (args.revoke, session) {
        let plan = session.plan_revoke_found(&report.findings)?;
        if args.format == ScanFormat::Table {
            print_findings(ui, &report, &identified, &outcomes, args.format, now)?;
        }
        describe_plan(ui, &plan, args.dry_run);
        if args.dry_run {
            for item in &plan.tokens {
                outcomes.insert(item.token.id, "planned");
            }
        } else if !plan.tokens.is_empty() {
            let what = format!("revoke {} token(s)", plan.tokens.len());
            if confirm(ui, args.yes, &what)? {
                apply(ui, &mut session, &plan, &mut outcomes)?;
            } else {
                declined = true;
            }
        }
        if args.format != ScanFormat::Table {
            print_findings(ui, &report, &identified, &outcomes, args.format, now)?;
        }
    } else {
        print_findings(ui, &report, &identified, &outcomes, args.format, now)?;
    }
    summarize(ui, &report, &identified, args.revoke);
    Ok(if declined {
        exit::CONFIRMATION_REQUIRED
    } else {
        code
    })
}

/// Runs the scan the arguments ask for.
fn collect(finder: &Finder, args: &ScanArgs) -> anyhow::Result<ScanReport> {
    if let Some(repo) = &args.git {
        return Ok(scan::git::scan_history(
            finder,
            repo,
            args.since.as_deref(),
            args.binary,
        )?);
    }
    if let Some(repo) = &args.staged {
        return Ok(scan::git::scan_staged(finder, repo, args.binary)?);
    }
    let stdin = Path::new("-");
    let paths: Vec<PathBuf> = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths
            .iter()
            .filter(|path| *path != stdin)
            .cloned()
            .collect()
    };
    let mut report = ScanReport::default();
    if args.paths.iter().any(|path| path == stdin) {
        report = scan::scan_reader(finder, &mut Stdin, stdin);
    }
    if !paths.is_empty() {
        let options = WalkOptions {
            ignore_files: !args.no_ignore,
            binary: args.binary,
            threads: 0,
        };
        let files = scan::scan_paths(finder, &paths, &options);
        report.findings.extend(files.findings);
        report.problems.extend(files.problems);
        report.stats.scanned += files.stats.scanned;
        report.stats.bytes += files.stats.bytes;
        report.stats.binary_skipped += files.stats.binary_skipped;
    }
    Ok(report)
}

/// Stdin, read by file descriptor (see `input::read_stdin`).
struct Stdin;

impl Read for Stdin {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        read_stdin(buf)
    }
}

/// The exit code: live (or unknown) found, else incomplete, else dead found, else 0.
fn exit_code(report: &ScanReport, identified: &[Identified]) -> u8 {
    if identified
        .iter()
        .any(|item| item.status.may_work() || item.status == FoundStatus::Unknown)
    {
        exit::SCAN_LIVE
    } else if !report.is_complete() {
        exit::SCAN_INCOMPLETE
    } else if !identified.is_empty() {
        exit::SCAN_DEAD
    } else {
        exit::SUCCESS
    }
}

fn print_findings(
    ui: &Ui,
    report: &ScanReport,
    identified: &[Identified],
    outcomes: &HashMap<TokenId, &'static str>,
    format: ScanFormat,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    let shown: Vec<Shown<'_>> = report
        .findings
        .iter()
        .zip(identified)
        .map(|(finding, identified)| Shown {
            finding,
            identified,
            // Only a finding the plan came from: an unknown token may
            // share its id with one of this store's.
            revoke: identified
                .status
                .may_work()
                .then(|| outcomes.get(&finding.hit.token.id).copied())
                .flatten(),
        })
        .collect();
    match format {
        ScanFormat::Table => {
            if !shown.is_empty() {
                ui.print_table(findings_table(ui, &shown))?;
            }
        }
        ScanFormat::Json => ui.print_json(&ScanJson::new(report, &shown, now))?,
        ScanFormat::Jsonl => {
            for item in &shown {
                ui.print_line(serde_json::to_string(&FindingJson::new(item, now))?)?;
            }
        }
        ScanFormat::Sarif => ui.print_json(&sarif(report, &shown))?,
    }
    Ok(())
}

/// The plan on stderr: one line per token, with the reason it will record.
fn describe_plan(ui: &Ui, plan: &FoundRevokePlan, dry_run: bool) {
    for id in &plan.not_permitted {
        ui.warning(format!(
            "token {id} works, but this team store does not let you revoke it: \
             its owner or an admin of its org can (tokctl scan --revoke, or tokctl revoke {id})"
        ));
    }
    if plan.tokens.is_empty() {
        if plan.not_permitted.is_empty() {
            ui.note("no token found works or may work again: nothing to revoke");
        }
        return;
    }
    let verb = if dry_run { "would revoke" } else { "to revoke" };
    for item in &plan.tokens {
        let token = &item.token;
        let which = if item.visible {
            format!(
                "token '{}' ({}) in org '{}'",
                token.name, token.id, token.org
            )
        } else {
            format!("token {}", token.id)
        };
        ui.note(format!("{verb} {which}: {}", item.reason));
    }
    if dry_run {
        ui.note(format!(
            "dry run: {} token(s) would be revoked; nothing changed",
            plan.tokens.len()
        ));
    }
}

/// Revokes the plan and says what happened to each token.
fn apply(
    ui: &Ui,
    session: &mut Session,
    plan: &FoundRevokePlan,
    outcomes: &mut HashMap<TokenId, &'static str>,
) -> anyhow::Result<()> {
    let done = session.revoke_found_planned(plan)?;
    let visible: HashSet<_> = plan
        .tokens
        .iter()
        .filter(|item| item.visible)
        .map(|item| item.token.id)
        .collect();
    warn_skipped(ui, &done.skipped);
    let mut failed = Vec::new();
    for item in &done.revoked {
        let token = &item.token;
        let which = if visible.contains(&token.id) {
            format!(
                "token '{}' ({}) in org '{}'",
                token.name, token.id, token.org
            )
        } else {
            format!("token {}", token.id)
        };
        if item.newly {
            ui.note(format!("revoked {which}"));
        } else {
            ui.note(format!("{which} was already revoked; nothing changed"));
        }
        match &item.keyring {
            RevokeOutcome::Deleted => ui.note("  removed its secret from the OS keyring"),
            RevokeOutcome::Failed(err) => failed.push((token, err)),
            RevokeOutcome::Missing | RevokeOutcome::Untouched => {}
        }
        outcomes.insert(token.id, if item.newly { "revoked" } else { "unchanged" });
    }
    for (token, _) in &done.skipped {
        outcomes.insert(token.id, "skipped");
    }
    report_keyring_failures(ui, &failed, "the revocation");
    let revoked = done.revoked.iter().filter(|item| item.newly).count();
    ui.stderr_line(format!(
        "revoked {revoked} token{}",
        if revoked == 1 { "" } else { "s" }
    ));
    Ok(())
}

/// The totals on stderr (notes), and what to do next.
fn summarize(ui: &Ui, report: &ScanReport, identified: &[Identified], revoked: bool) {
    let stats = report.stats;
    let mut line = format!(
        "scanned {} input{} ({})",
        stats.scanned,
        if stats.scanned == 1 { "" } else { "s" },
        bytes(stats.bytes)
    );
    if stats.binary_skipped > 0 {
        line.push_str(&format!(
            ", skipped {} binary (--binary scans them)",
            stats.binary_skipped
        ));
    }
    if !report.is_complete() {
        line.push_str(&format!(
            "; INCOMPLETE: {} could not be read",
            report.problems.len()
        ));
    }
    ui.note(line);
    if identified.is_empty() {
        ui.note("no tokens found");
        return;
    }
    // A token found in many places counts once, with its status.
    let mut distinct: HashMap<&tokctl::scan::FoundToken, FoundStatus> = HashMap::new();
    for (finding, item) in report.findings.iter().zip(identified) {
        distinct.insert(&finding.hit.token, item.status);
    }
    let mut counts: Vec<(FoundStatus, usize)> = Vec::new();
    for status in distinct.values() {
        match counts.iter_mut().find(|(seen, _)| seen == status) {
            Some((_, count)) => *count += 1,
            None => counts.push((*status, 1)),
        }
    }
    counts.sort();
    let parts: Vec<String> = counts
        .iter()
        .map(|(status, count)| match status {
            FoundStatus::Unknown => format!("{count} unknown to this store"),
            other => format!("{count} {}", other.as_str()),
        })
        .collect();
    ui.note(format!(
        "found {} token{} in {} place{}: {}",
        distinct.len(),
        if distinct.len() == 1 { "" } else { "s" },
        identified.len(),
        if identified.len() == 1 { "" } else { "s" },
        parts.join(", ")
    ));
    if !revoked && identified.iter().any(|item| item.status.may_work()) {
        ui.hint("revoke the live ones with the same scan and --revoke (it asks first)");
    }
}

fn bytes(count: u64) -> String {
    const KIB: f64 = 1024.0;
    let value = count as f64;
    if value >= KIB * KIB * KIB {
        format!("{:.1} GiB", value / (KIB * KIB * KIB))
    } else if value >= KIB * KIB {
        format!("{:.1} MiB", value / (KIB * KIB))
    } else if value >= KIB {
        format!("{:.1} KiB", value / KIB)
    } else {
        format!("{count} B")
    }
}
