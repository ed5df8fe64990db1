//! `tokctl audit`: query and export the audit trail, verify its chain, prune it.

use std::io::Write;

use clap::{Args, Subcommand};
use comfy_table::Cell;
use serde::Serialize;
use tokctl::audit::Event;
use tokctl::duration::PointInTime;
use tokctl::model::TokenId;
use tokctl::ops::{AuditQuery, Session};

use crate::cli::{parse_point_in_time, Format, ListFormat};
use crate::exit;
use crate::input::confirm;
use crate::output::{
    fields, note, print_json, print_line, print_table, rfc3339, uses_per_day, Row, RowWriter,
};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AuditArgs {
    #[command(subcommand)]
    command: Option<AuditCommand>,

    #[command(flatten)]
    query: QueryArgs,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check the hash chain; exits 9 at the first edited, deleted, inserted or reordered event
    #[command(after_help = "Example:\n  tokctl audit verify --format json\n\n\
        Keep the printed head (event id and hash) somewhere else: a later chain without it was rewritten.")]
    Verify {
        /// Output format
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Remove events older than a time, leaving a checkpoint so the rest still verifies (owners only)
    #[command(after_help = "Example:\n  tokctl audit prune --before 2y --dry-run")]
    Prune {
        /// Remove events before this: a duration back from now (2y) or a date
        #[arg(long, value_name = "DUR|TIME", value_parser = parse_point_in_time, allow_hyphen_values = true)]
        before: PointInTime,
        /// Say how many events would go, and change nothing
        #[arg(long)]
        dry_run: bool,
        /// Do not ask for confirmation (needed outside a terminal)
        #[arg(long, short)]
        yes: bool,
    },
}

#[derive(Debug, Args)]
struct QueryArgs {
    /// Only events of this org
    #[arg(long)]
    org: Option<String>,
    /// Only events about this token (id, also after it was pruned; or name)
    #[arg(long, value_name = "ID|NAME")]
    token: Option<String>,
    /// Only events by this user
    #[arg(long, value_name = "USER")]
    actor: Option<String>,
    /// Only this action (token.revoke) or family (token)
    #[arg(long)]
    action: Option<String>,
    /// Only events since: a duration back from now (7d) or a time
    #[arg(long, value_name = "DUR|TIME", value_parser = parse_point_in_time, allow_hyphen_values = true)]
    since: Option<PointInTime>,
    /// Only events before: a duration back from now or a time
    #[arg(long, value_name = "DUR|TIME", value_parser = parse_point_in_time, allow_hyphen_values = true)]
    until: Option<PointInTime>,
    /// Output format: jsonl suits log pipelines and SIEMs, csv spreadsheets
    #[arg(long, value_enum, default_value_t)]
    format: ListFormat,
}

/// The JSON form of an event (docs/json.md).
#[derive(Serialize)]
struct EventJson<'a> {
    id: i64,
    at: String,
    actor: Option<&'a str>,
    action: &'a str,
    outcome: &'a str,
    org: Option<&'a str>,
    token_id: Option<String>,
    target: Option<&'a str>,
    details: serde_json::Value,
    hash: String,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn token_text(raw: Option<i64>) -> Option<String> {
    raw.map(|raw| TokenId::from_i64(raw).map_or_else(|| raw.to_string(), |id| id.to_string()))
}

impl<'a> EventJson<'a> {
    fn new(event: &'a Event) -> Self {
        EventJson {
            id: event.id,
            at: rfc3339(event.at),
            actor: event.actor.as_deref(),
            action: &event.action,
            outcome: &event.outcome,
            org: event.org.as_deref(),
            token_id: token_text(event.token_id),
            target: event.target.as_deref(),
            // Stored as JSON text by tokctl; kept as a string if someone stored otherwise.
            details: serde_json::from_str(&event.details)
                .unwrap_or_else(|_| event.details.clone().into()),
            hash: hex(&event.hash),
        }
    }
}

impl Row for Event {
    const TABLE_COLUMNS: &'static [&'static str] = &[
        "id", "time", "actor", "action", "outcome", "org", "target", "details",
    ];
    const CSV_COLUMNS: &'static [&'static str] = &[
        "id", "at", "actor", "action", "outcome", "org", "token_id", "target", "details", "hash",
    ];

    fn table_row(&self) -> Vec<Cell> {
        let dash = |value: &Option<String>| Cell::new(value.as_deref().unwrap_or("-"));
        vec![
            Cell::new(self.id),
            Cell::new(self.at.format("%Y-%m-%d %H:%M:%S")),
            dash(&self.actor),
            Cell::new(&self.action),
            Cell::new(&self.outcome),
            dash(&self.org),
            dash(&self.target),
            Cell::new(&self.details),
        ]
    }

    fn write_json(&self, out: &mut dyn Write) -> serde_json::Result<()> {
        serde_json::to_writer(out, &EventJson::new(self))
    }

    fn csv_record(&self) -> Vec<String> {
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        vec![
            self.id.to_string(),
            rfc3339(self.at),
            text(&self.actor),
            self.action.clone(),
            self.outcome.clone(),
            text(&self.org),
            token_text(self.token_id).unwrap_or_default(),
            text(&self.target),
            self.details.clone(),
            hex(&self.hash),
        ]
    }
}

/// Uses per day of one token, under its events. A token pruned since has
/// events but no row to check access against: its uses are not shown.
fn print_token_uses(
    session: &Session,
    token: &str,
    org: Option<&str>,
    since: Option<PointInTime>,
) -> anyhow::Result<()> {
    let since = since.unwrap_or(PointInTime::At(tokctl::clock::from_unix(0)));
    let details = match session.token_details(token, org, Some(since)) {
        Ok(details) => details,
        Err(tokctl::Error::NotFound { .. }) => return Ok(()),
        Err(err) => return Err(err.into()),
    };
    let hours = details.usage.unwrap_or_default();
    print_line("")?;
    if hours.is_empty() {
        print_line(format!("uses of '{}': none recorded", details.token.name))?;
        return Ok(());
    }
    let total: u64 = hours.iter().map(|hour| hour.uses).sum();
    print_line(format!(
        "uses of '{}': {total} in {} hour(s); per day (UTC):",
        details.token.name,
        hours.len()
    ))?;
    print_table(&uses_per_day(&hours))?;
    Ok(())
}

#[derive(Serialize)]
struct ChainJson {
    ok: bool,
    checked: u64,
    broken_at: Option<i64>,
    problem: Option<String>,
    head_id: Option<i64>,
    head_hash: Option<String>,
    checkpoint_id: Option<i64>,
}

pub fn run(session: &mut Session, args: AuditArgs) -> anyhow::Result<u8> {
    match args.command {
        None => {
            let q = args.query;
            let query = AuditQuery {
                org: q.org,
                token: q.token,
                actor: q.actor,
                action: q.action,
                since: q.since,
                until: q.until,
            };
            let mut writer = RowWriter::new::<Event>(q.format)?;
            session.audit_events(&query, |event| writer.write(event))?;
            if writer.finish()? == 0 && q.format == ListFormat::Table {
                note("no events match");
            }
            // Successful uses are not events (they are counted, not logged):
            // people get them here, scripts from `show --usage --format json`.
            if let (Some(token), ListFormat::Table) = (&query.token, q.format) {
                print_token_uses(session, token, query.org.as_deref(), query.since)?;
            }
            Ok(exit::SUCCESS)
        }
        Some(AuditCommand::Verify { format }) => {
            let report = session.verify_audit_chain()?;
            let ok = report.broken.is_none();
            match format {
                Format::Json => print_json(&ChainJson {
                    ok,
                    checked: report.checked,
                    broken_at: report.broken.as_ref().map(|b| b.event_id),
                    problem: report.broken.as_ref().map(|b| b.problem.clone()),
                    head_id: report.head.as_ref().map(|h| h.id),
                    head_hash: report.head.as_ref().map(|h| hex(&h.hash)),
                    checkpoint_id: report.checkpoint.as_ref().map(|c| c.id),
                })?,
                Format::Table => print_table(&fields(&[
                    ("chain", if ok { "intact".into() } else { "BROKEN".into() }),
                    ("events checked", report.checked.to_string()),
                    (
                        "first broken",
                        report.broken.as_ref().map_or_else(
                            || "-".into(),
                            |b| format!("event {}: {}", b.event_id, b.problem),
                        ),
                    ),
                    (
                        "head",
                        report.head.as_ref().map_or_else(
                            || "-".into(),
                            |h| format!("event {} {}", h.id, hex(&h.hash)),
                        ),
                    ),
                    (
                        "starts after",
                        report.checkpoint.as_ref().map_or_else(
                            || "the beginning".into(),
                            |c| format!("checkpoint at event {}", c.id),
                        ),
                    ),
                ]))?,
            }
            if let Some(broken) = &report.broken {
                eprintln!(
                    "error: the audit chain is broken at event {}: {}",
                    broken.event_id, broken.problem
                );
                return Ok(exit::AUDIT_BROKEN);
            }
            Ok(exit::SUCCESS)
        }
        Some(AuditCommand::Prune {
            before,
            dry_run,
            yes,
        }) => {
            let preview = session.prune_audit(before, true)?;
            if dry_run || preview.removed == 0 {
                note(format!(
                    "{} event(s) would be removed; nothing changed",
                    preview.removed
                ));
                return Ok(exit::SUCCESS);
            }
            if !confirm(yes, &format!("remove {} audit event(s)", preview.removed))? {
                return Ok(exit::CONFIRMATION_REQUIRED);
            }
            let pruned = session.prune_audit(before, false)?;
            note(format!(
                "removed {} event(s); the chain now starts after event {}",
                pruned.removed,
                pruned.checkpoint.map_or(0, |c| c.id)
            ));
            Ok(exit::SUCCESS)
        }
    }
}
