//! `tokctl audit`: query and export the audit trail, verify its chain, print
//! its head, prune it.

use std::io::Write;

use clap::{Args, Subcommand};
use comfy_table::Cell;
use serde::Serialize;
use tokctl::audit::{hex, ChainReport, Checkpoint, Event};
use tokctl::duration::PointInTime;
use tokctl::model::TokenId;
use tokctl::ops::{AuditQuery, Session};

use crate::cli::args::{parse_point_in_time, Format, ListFormat};
use crate::exit;
use crate::input::confirm;
use crate::output::row_writer::{Row, RowWriter};
use crate::output::table_fit::Give;
use crate::output::time_format::rfc3339;
use crate::output::token_rows::uses_per_day;
use crate::output::ui::Ui;

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
    #[command(after_help = "Examples:\n  tokctl audit verify --format json\n  \
        tokctl audit verify --expect 1234:5f0c9a1e2b7d4c3f8a6e0b1d2c3f4a5b\n\n\
        The chain alone cannot show that its newest events were cut off: keep the head \
        ('tokctl audit head') somewhere the store's users cannot write, and check it with --expect.")]
    Verify {
        /// Also require this event, recorded earlier with 'tokctl audit head' (exit 9 when it is missing or differs)
        #[arg(long, value_name = "ID:HASH", value_parser = parse_head)]
        expect: Option<Checkpoint>,
        /// Output format
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Print the newest event's id and hash, to keep outside the store for 'audit verify --expect'
    #[command(after_help = "Example (a nightly cron job, see docs/audit.md):\n  \
        tokctl audit head --format json | logger -t tokctl-audit-head")]
    Head {
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

fn parse_head(text: &str) -> Result<Checkpoint, String> {
    text.parse().map_err(|err: tokctl::Error| err.to_string())
}

/// The JSON form of an event (docs/json.md).
#[derive(Serialize)]
struct EventJson<'a> {
    id: i64,
    at: String,
    actor: Option<&'a str>,
    os_user: Option<&'a str>,
    action: &'a str,
    outcome: &'a str,
    org: Option<&'a str>,
    token_id: Option<String>,
    target: Option<&'a str>,
    details: serde_json::Value,
    hash: String,
}

/// The keys of audit details that hold a time. Events store some as Unix
/// seconds (they are hashed as written, so they stay so); every export
/// shows them as RFC 3339 UTC, as it shows the event's own time.
const TIME_KEYS: &[&str] = &[
    "at",
    "before",
    "deactivated_at",
    "expires_at",
    "first_at",
    "last_at",
    "old_secret_valid_until",
    "revoked_at",
];

/// An event's details as exported: stored as JSON text by tokctl (kept as a
/// string if someone stored otherwise), with integer times as RFC 3339.
fn details_json(stored: &str) -> serde_json::Value {
    let mut details: serde_json::Value =
        serde_json::from_str(stored).unwrap_or_else(|_| stored.to_owned().into());
    times_as_rfc3339(&mut details);
    details
}

/// Rewrites integer values under [`TIME_KEYS`], at any depth, as RFC 3339.
fn times_as_rfc3339(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                match inner.as_i64() {
                    Some(seconds) if TIME_KEYS.contains(&key.as_str()) => {
                        *inner = rfc3339(tokctl::clock::from_unix(seconds)).into();
                    }
                    _ => times_as_rfc3339(inner),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(times_as_rfc3339),
        _ => {}
    }
}

/// The details text of the table and CSV: as exported in JSON.
fn details_text(stored: &str) -> String {
    match details_json(stored) {
        serde_json::Value::String(text) => text,
        other => other.to_string(),
    }
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
            os_user: event.os_user.as_deref(),
            action: &event.action,
            outcome: &event.outcome,
            org: event.org.as_deref(),
            token_id: token_text(event.token_id),
            target: event.target.as_deref(),
            details: details_json(&event.details),
            hash: hex(&event.hash),
        }
    }
}

impl Row for Event {
    const TABLE_COLUMNS: &'static [&'static str] = &[
        "id", "time", "actor", "os user", "action", "outcome", "org", "target", "details",
    ];
    // At a narrow terminal the id and time stay whole; the OS user and
    // details are dropped first, the action and actor last.
    const TABLE_GIVE: &'static [Give] = &[
        Give::Never,
        Give::Never,
        Give::Cut(2),
        Give::Cut(7),
        Give::Cut(0),
        Give::Cut(3),
        Give::Cut(5),
        Give::Cut(4),
        Give::Cut(6),
    ];
    // os_user comes last: columns are only ever added at the end.
    const CSV_COLUMNS: &'static [&'static str] = &[
        "id", "at", "actor", "action", "outcome", "org", "token_id", "target", "details", "hash",
        "os_user",
    ];

    fn table_row(&self, _ui: &Ui) -> Vec<Cell> {
        let dash = |value: &Option<String>| Cell::new(value.as_deref().unwrap_or("-"));
        vec![
            Cell::new(self.id),
            Cell::new(self.at.format("%Y-%m-%d %H:%M:%S")),
            dash(&self.actor),
            dash(&self.os_user),
            Cell::new(&self.action),
            Cell::new(&self.outcome),
            dash(&self.org),
            dash(&self.target),
            Cell::new(details_text(&self.details)),
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
            details_text(&self.details),
            hex(&self.hash),
            text(&self.os_user),
        ]
    }
}

/// Uses per day of one token, under its events. A token pruned since has
/// events but no row to check access against: its uses are not shown.
fn print_token_uses(
    ui: &Ui,
    session: &Session,
    token: &str,
    query: &AuditQuery,
) -> anyhow::Result<()> {
    let since = query
        .since
        .unwrap_or(PointInTime::At(tokctl::clock::from_unix(0)));
    let org = query.org.as_deref();
    let details = match session.token_details(token, org, Some(since)) {
        Ok(details) => details,
        Err(tokctl::Error::NotFound { .. }) => return Ok(()),
        Err(err) => return Err(err.into()),
    };
    let mut hours = details.usage.unwrap_or_default();
    // The same window as the events above: hours that start before --until.
    if let Some(until) = query.until {
        let until = until.resolve(session.now())?;
        hours.retain(|hour| hour.start < until);
    }
    ui.print_line("")?;
    if hours.is_empty() {
        ui.print_line(format!("uses of '{}': none recorded", details.token.name))?;
        return Ok(());
    }
    let total: u64 = hours.iter().map(|hour| hour.uses).sum();
    ui.print_line(format!(
        "uses of '{}': {total} in {} hour(s); per day (UTC):",
        details.token.name,
        hours.len()
    ))?;
    ui.print_table(uses_per_day(ui, &hours))?;
    Ok(())
}

/// `audit verify --format json` (docs/json.md): fields are only ever added.
#[derive(Serialize)]
struct ChainJson {
    ok: bool,
    checked: u64,
    broken_at: Option<i64>,
    problem: Option<String>,
    head_id: Option<i64>,
    head_hash: Option<String>,
    checkpoint_id: Option<i64>,
    checkpoint_vouched_by: Option<i64>,
    expected_id: Option<i64>,
    expected_hash: Option<String>,
    expected_ok: Option<bool>,
}

impl ChainJson {
    fn new(report: &ChainReport) -> Self {
        let expected = report.expected.as_ref();
        ChainJson {
            ok: report.broken.is_none(),
            checked: report.checked,
            broken_at: report.broken.as_ref().map(|b| b.event_id),
            problem: report.broken.as_ref().map(|b| b.problem.clone()),
            head_id: report.head.as_ref().map(|h| h.id),
            head_hash: report.head.as_ref().map(|h| hex(&h.hash)),
            checkpoint_id: report.checkpoint.as_ref().map(|c| c.id),
            checkpoint_vouched_by: report.checkpoint_vouched_by,
            expected_id: expected.map(|e| e.head.id),
            expected_hash: expected.map(|e| hex(&e.head.hash)),
            expected_ok: expected.map(|e| e.problem.is_none()),
        }
    }
}

/// `audit head --format json` (docs/json.md).
#[derive(Serialize)]
struct HeadJson {
    id: Option<i64>,
    hash: Option<String>,
    /// `ID:HASH`, as `audit verify --expect` takes it.
    expect: Option<String>,
}

fn print_chain(ui: &Ui, report: &ChainReport, format: Format) -> anyhow::Result<()> {
    if format == Format::Json {
        return ui.print_json(&ChainJson::new(report));
    }
    let starts_after = match (&report.checkpoint, report.checkpoint_vouched_by) {
        (None, _) => "the beginning".to_owned(),
        (Some(c), Some(by)) => format!(
            "checkpoint at event {} (recorded by audit.prune event {by})",
            c.id
        ),
        (Some(c), None) => format!(
            "checkpoint at event {} (recorded by no audit.prune event)",
            c.id
        ),
    };
    let mut rows = vec![
        (
            "chain",
            if report.broken.is_none() {
                "intact".to_owned()
            } else {
                "BROKEN".to_owned()
            },
        ),
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
        ("starts after", starts_after),
    ];
    if let Some(expected) = &report.expected {
        rows.push((
            "expected head",
            format!(
                "event {} {}: {}",
                expected.head.id,
                hex(&expected.head.hash),
                expected.problem.as_deref().unwrap_or("present")
            ),
        ));
    }
    ui.print_table(ui.fields(&rows))?;
    Ok(())
}

pub fn run(ui: &Ui, session: &mut Session, args: AuditArgs) -> anyhow::Result<u8> {
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
            let mut writer = RowWriter::new::<Event>(ui, q.format)?;
            session.audit_events(&query, |event| writer.write(event))?;
            if writer.finish()? == 0 && q.format == ListFormat::Table {
                ui.note("no events match");
            }
            // Successful uses are not events (they are counted, not logged):
            // people get them here, scripts from `show --usage --format json`.
            if let (Some(token), ListFormat::Table) = (&query.token, q.format) {
                print_token_uses(ui, session, token, &query)?;
            }
            Ok(exit::SUCCESS)
        }
        Some(AuditCommand::Verify { expect, format }) => {
            let report = session.verify_audit_chain(expect)?;
            print_chain(ui, &report, format)?;
            if let Some(broken) = &report.broken {
                ui.error(format!(
                    "the audit chain is broken at event {}: {}",
                    broken.event_id, broken.problem
                ));
                return Ok(exit::AUDIT_BROKEN);
            }
            Ok(exit::SUCCESS)
        }
        Some(AuditCommand::Head { format }) => {
            let head = session.audit_head()?;
            match format {
                Format::Json => ui.print_json(&HeadJson {
                    id: head.as_ref().map(|h| h.id),
                    hash: head.as_ref().map(|h| hex(&h.hash)),
                    expect: head.as_ref().map(ToString::to_string),
                })?,
                Format::Table => match &head {
                    Some(head) => ui.print_table(ui.fields(&[
                        ("event", head.id.to_string()),
                        ("hash", hex(&head.hash)),
                        ("check with", format!("tokctl audit verify --expect {head}")),
                    ]))?,
                    None => ui.note("the audit trail holds no events yet"),
                },
            }
            Ok(exit::SUCCESS)
        }
        Some(AuditCommand::Prune {
            before,
            dry_run,
            yes,
        }) => {
            // What is confirmed is what goes: the plan fixes the events.
            let plan = session.plan_audit_prune(before)?;
            if dry_run || plan.events == 0 {
                ui.note(format!(
                    "{} event(s) would be removed; nothing changed",
                    plan.events
                ));
                return Ok(exit::SUCCESS);
            }
            if !confirm(ui, yes, &format!("remove {} audit event(s)", plan.events))? {
                return Ok(exit::CONFIRMATION_REQUIRED);
            }
            let pruned = session.prune_audit_planned(&plan)?;
            ui.note(format!(
                "removed {} event(s); the chain now starts after event {}",
                pruned.removed,
                pruned.checkpoint.map_or(0, |c| c.id)
            ));
            Ok(exit::SUCCESS)
        }
    }
}
