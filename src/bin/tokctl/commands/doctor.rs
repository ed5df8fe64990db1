//! `tokctl doctor`: the store and the keyring, checked.

use clap::Args;
use serde::Serialize;
use tokctl::keyring::KeyringError;
use tokctl::ops::{EntryListing, KeyringHealth, Session};
use tokctl::store::{FileCheck, FileRole};

use crate::cli::args::Format;
use crate::exit;
use crate::output::ui::Ui;

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Serialize)]
struct DoctorJson {
    ok: bool,
    store_path: Option<String>,
    schema_version: i64,
    file_mode: Option<String>,
    dir_mode: Option<String>,
    files: Vec<FileJson>,
    schema: Vec<String>,
    keyring_backend: String,
    keyring: String,
    keyring_listing: String,
    keyring_entries: Option<usize>,
    missing_keyring_entries: Vec<String>,
    stale_keyring_entries: Vec<String>,
    orphan_keyring_entries: Vec<String>,
    integrity: Vec<String>,
    audit_chain: String,
    inconsistencies: Vec<String>,
}

/// One of the store's files: the directory, the store, `-wal`, `-shm`, `-journal`.
#[derive(Serialize)]
struct FileJson {
    file: &'static str,
    path: String,
    /// Owner uid; null when the file does not exist.
    owner: Option<u32>,
    /// Octal permission bits; null when the file does not exist.
    mode: Option<String>,
    /// "ok", "absent", or why another user could read or change it.
    verdict: String,
}

fn verdict(check: &FileCheck) -> String {
    match (&check.problem, check.found) {
        (Some(problem), _) => problem.clone(),
        (None, Some(_)) => "ok".into(),
        (None, None) => "absent".into(),
    }
}

/// Exit code when doctor finds a problem (like a negative `check`).
const PROBLEMS_FOUND: u8 = 1;

pub fn run(ui: &Ui, session: &Session, args: DoctorArgs) -> anyhow::Result<u8> {
    let report = session.doctor()?;
    let mode = |mode: Option<u32>| mode.map(|m| format!("{m:o}"));
    let keyring = match &report.keyring {
        KeyringHealth::Reachable => "reachable".to_owned(),
        KeyringHealth::Off => "off".to_owned(),
        KeyringHealth::Unreachable(KeyringError::Locked) => "locked".to_owned(),
        KeyringHealth::Unreachable(err) => format!("unreachable: {err}"),
    };
    // A locked collection is fixed by unlocking it, not by starting a service.
    let keyring_shown = match &report.keyring {
        KeyringHealth::Unreachable(KeyringError::Locked) => format!(
            "{} (locked: unlock the collection, e.g. with your desktop's keyring or gnome-keyring-daemon --unlock)",
            report.keyring_backend
        ),
        _ => format!("{} ({keyring})", report.keyring_backend),
    };
    let (listing, listed) = match &report.entry_listing {
        EntryListing::Listed(count) => ("listed".to_owned(), Some(*count)),
        EntryListing::Unsupported => ("cannot list entries here".to_owned(), None),
        EntryListing::Failed(err) => (format!("failed: {err}"), None),
        EntryListing::NotChecked => ("not checked".to_owned(), None),
    };
    let stale: Vec<String> = report
        .stale_entries
        .iter()
        .map(|token| format!("{} ({})", token.name, token.id))
        .collect();
    let orphans: Vec<String> = report
        .orphan_entries
        .iter()
        .map(|orphan| match &orphan.token {
            Some(token) => format!("{} ({}), revoked", token.name, token.id),
            None => format!("{}, no such token", orphan.token_id_text()),
        })
        .collect();
    let list_or_none = |items: &[String]| {
        if items.is_empty() {
            "none".to_owned()
        } else {
            items.join(", ")
        }
    };
    let chain = report.audit_chain.as_ref().map_or_else(
        || "intact".to_owned(),
        |broken| format!("broken at event {}: {}", broken.event_id, broken.problem),
    );
    let integrity = if report.integrity_problems.is_empty() {
        "ok".to_owned()
    } else {
        report.integrity_problems.join("; ")
    };
    let consistency = if report.inconsistencies.is_empty() {
        "every change has its audit event, and every event its change".to_owned()
    } else {
        report.inconsistencies.join("; ")
    };
    let schema: Vec<String> = report
        .schema_differences
        .iter()
        .map(ToString::to_string)
        .collect();
    let missing: Vec<String> = report
        .missing_entries
        .iter()
        .map(|token| format!("{} ({})", token.name, token.id))
        .collect();
    match args.format {
        Format::Json => ui.print_json(&DoctorJson {
            ok: !report.has_problems(),
            store_path: report.store_path.as_ref().map(|p| p.display().to_string()),
            schema_version: report.schema_version,
            file_mode: mode(report.file_mode),
            dir_mode: mode(report.dir_mode),
            files: report
                .files
                .iter()
                .map(|check| FileJson {
                    file: check.role.as_str(),
                    path: check.path.display().to_string(),
                    owner: check.found.map(|facts| facts.owner),
                    mode: check.found.map(|facts| format!("{:o}", facts.mode)),
                    verdict: verdict(check),
                })
                .collect(),
            schema,
            keyring_backend: report.keyring_backend.clone(),
            keyring,
            keyring_listing: listing,
            keyring_entries: listed,
            missing_keyring_entries: missing,
            stale_keyring_entries: stale,
            orphan_keyring_entries: orphans,
            integrity: report.integrity_problems.clone(),
            audit_chain: chain,
            inconsistencies: report.inconsistencies.clone(),
        })?,
        Format::Table => {
            let mut rows = vec![
                (
                    "store",
                    report
                        .store_path
                        .as_ref()
                        .map_or_else(|| "(in memory)".into(), |p| p.display().to_string()),
                ),
                ("schema version", report.schema_version.to_string()),
                ("integrity", integrity),
                ("audit chain", chain),
                ("consistency", consistency),
                (
                    "schema",
                    if schema.is_empty() {
                        "as tokctl creates it".into()
                    } else {
                        format!("not created by tokctl: {}", schema.join(", "))
                    },
                ),
                (
                    "file mode",
                    mode(report.file_mode).unwrap_or_else(|| "-".into()),
                ),
                (
                    "directory mode",
                    mode(report.dir_mode).unwrap_or_else(|| "-".into()),
                ),
            ];
            for check in &report.files {
                let label = match check.role {
                    FileRole::Directory => "directory",
                    FileRole::Store => "store file",
                    FileRole::Wal => "wal file",
                    FileRole::Shm => "shm file",
                    FileRole::Journal => "journal file",
                    FileRole::UsageJournal => "usage journal",
                };
                let value = match check.found {
                    Some(facts) => format!(
                        "owner uid {}, mode {:o}: {}",
                        facts.owner,
                        facts.mode,
                        verdict(check)
                    ),
                    None => verdict(check),
                };
                rows.push((label, value));
            }
            rows.extend([
                ("keyring", keyring_shown),
                (
                    "keyring entries",
                    match listed {
                        Some(count) => format!("{count} of this store"),
                        None => listing,
                    },
                ),
                ("missing secrets", list_or_none(&missing)),
                ("outdated secrets", list_or_none(&stale)),
                ("orphan entries", list_or_none(&orphans)),
            ]);
            ui.print_table(ui.fields(&rows))?;
        }
    }
    Ok(if report.has_problems() {
        PROBLEMS_FOUND
    } else {
        exit::SUCCESS
    })
}
