//! `tokctl report`: per org, what the tokens are and whether anyone uses
//! them: a table for people (long lists cut to the top few), the full
//! figures as JSON or JSON Lines, and one CSV row per org for spreadsheets.

use std::collections::BTreeMap;
use std::io::Write;

use clap::Args;
use comfy_table::Cell;
use tokctl::model::UserKind;
use tokctl::ops::{OrgReport, Session, USAGE_DAYS};

use crate::cli::args::ListFormat;
use crate::exit;
use crate::output::row_writer::{Row, RowWriter};
use crate::output::time_format::rfc3339;
use crate::output::ui::Ui;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Only this org (default: every org you administer)
    #[arg(long)]
    org: Option<String>,

    /// In the table, how many owners to name by their active tokens, most first (the rest are counted; JSON has them all)
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..))]
    top: u16,

    /// Output format: table, json (every figure), jsonl (one org per line) or csv (one row of totals per org)
    #[arg(long, value_enum, default_value_t)]
    format: ListFormat,
}

pub fn run(ui: &Ui, session: &Session, args: ReportArgs) -> anyhow::Result<u8> {
    let reports = session.usage_report(args.org.as_deref())?;
    match args.format {
        ListFormat::Json => {
            ui.print_json(&reports)?;
            return Ok(exit::SUCCESS);
        }
        ListFormat::Jsonl | ListFormat::Csv => {
            let mut out = RowWriter::new::<ReportRow>(ui, args.format)?;
            for report in &reports {
                out.write(&ReportRow(report))?;
            }
            out.finish()?;
            return Ok(exit::SUCCESS);
        }
        ListFormat::Table => {}
    }
    for (index, report) in reports.iter().enumerate() {
        if index > 0 {
            ui.print_line("")?;
        }
        ui.print_line(format!("org {}", report.org))?;
        let s = &report.by_status;
        let u = &report.last_use;
        let by = |map: &BTreeMap<String, u64>| {
            map.iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        ui.print_table(ui.fields(&[
            (
                "tokens",
                if s.deactivated > 0 {
                    format!(
                        "{} ({} active, {} deactivated, {} expired, {} revoked)",
                        report.total, s.active, s.deactivated, s.expired, s.revoked
                    )
                } else {
                    format!(
                        "{} ({} active, {} expired, {} revoked)",
                        report.total, s.active, s.expired, s.revoked
                    )
                },
            ),
            ("active by kind", by(&report.active_by_kind)),
            (
                "active by owner",
                top_owners(&report.active_by_owner, usize::from(args.top)),
            ),
            ("active by owner kind", by(&report.active_by_owner_kind)),
            ("never used", report.never_used.to_string()),
            (
                "last used",
                format!(
                    "<30d {}, 30-90d {}, 90d-1y {}, older {}, never {}",
                    u.under_30_days, u.under_90_days, u.under_1_year, u.older, u.never
                ),
            ),
            (
                "expiring",
                format!(
                    "{} within 7 days, {} within 30 days",
                    report.expiring_within_7_days, report.expiring_within_30_days
                ),
            ),
            ("policy", compliance(report)),
        ]))?;
        if !report.most_used.is_empty() {
            let mut rows = ui.table(&["most used", "id", "owner", "uses"]);
            for token in &report.most_used {
                rows.add_row(vec![
                    token.name.clone(),
                    token.id.clone(),
                    match (&token.owner, token.owner_kind) {
                        (Some(owner), Some(UserKind::Service)) => format!("{owner} (service)"),
                        (Some(owner), _) => owner.clone(),
                        (None, _) => "(org)".into(),
                    },
                    token.use_count.to_string(),
                ]);
            }
            ui.print_table(rows)?;
        }
        if !report.uses_by_day.is_empty() {
            let mut days = ui.table(&["day (UTC)", "uses"]);
            for day in &report.uses_by_day {
                days.add_row(vec![day.day.clone(), day.uses.to_string()]);
            }
            ui.print_line(format!("uses over the last {USAGE_DAYS} days"))?;
            ui.print_table(days)?;
        }
    }
    Ok(exit::SUCCESS)
}

/// The owners with the most active tokens, most first (then by name), and
/// how many more there are: at 20,000 tokens the full list is a page long.
fn top_owners(by_owner: &BTreeMap<String, u64>, top: usize) -> String {
    let mut owners: Vec<(&String, &u64)> = by_owner.iter().collect();
    owners.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let mut text = owners
        .iter()
        .take(top)
        .map(|(owner, count)| format!("{owner} {count}"))
        .collect::<Vec<_>>()
        .join(", ");
    if owners.len() > top {
        text.push_str(&format!(" and {} more", owners.len() - top));
    }
    text
}

/// How the live tokens stand against the org's current policy.
fn compliance(report: &OrgReport) -> String {
    let policy = &report.policy;
    if !policy.set {
        return "none set".into();
    }
    if policy.breaking == 0 {
        return format!("all {} live tokens comply", policy.live);
    }
    let rules = policy
        .by_rule
        .iter()
        .map(|(rule, count)| format!("{rule} {count}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "{} of {} live tokens break it ({rules}; 'tokctl policy check' lists them)",
        policy.breaking, policy.live
    )
}

/// One org's report as a JSON Lines object (every figure, as in JSON) or a
/// CSV row of its totals (the lists are JSON's).
struct ReportRow<'a>(&'a OrgReport);

/// The CSV columns: the org, when, then every total of the report.
const REPORT_CSV_COLUMNS: &[&str] = &[
    "org",
    "generated_at",
    "total",
    "active",
    "deactivated",
    "expired",
    "revoked",
    "active_personal",
    "active_org",
    "active_person",
    "active_service",
    "active_owners",
    "never_used",
    "last_used_under_30_days",
    "last_used_under_90_days",
    "last_used_under_1_year",
    "last_used_older",
    "expiring_within_7_days",
    "expiring_within_30_days",
    "uses_last_30_days",
    "policy_set",
    "policy_live",
    "policy_breaking",
    "policy_breaking_max_lifetime",
    "policy_breaking_require_expiry",
    "policy_breaking_allowed_scopes",
    "policy_breaking_member_tokens",
];

impl Row for ReportRow<'_> {
    const TABLE_COLUMNS: &'static [&'static str] = REPORT_CSV_COLUMNS;
    const CSV_COLUMNS: &'static [&'static str] = REPORT_CSV_COLUMNS;

    fn table_row(&self, _ui: &Ui) -> Vec<Cell> {
        self.csv_record().into_iter().map(Cell::new).collect()
    }

    fn write_json(&self, out: &mut dyn Write) -> serde_json::Result<()> {
        serde_json::to_writer(out, self.0)
    }

    fn csv_record(&self) -> Vec<String> {
        let report = self.0;
        let count = |map: &BTreeMap<String, u64>, key: &str| map.get(key).copied().unwrap_or(0);
        let owners = report
            .active_by_owner
            .keys()
            .filter(|owner| owner.as_str() != "(org)")
            .count();
        let uses: u64 = report.uses_by_day.iter().map(|day| day.uses).sum();
        let policy = &report.policy;
        let numbers = [
            report.total,
            report.by_status.active,
            report.by_status.deactivated,
            report.by_status.expired,
            report.by_status.revoked,
            count(&report.active_by_kind, "personal"),
            count(&report.active_by_kind, "org"),
            count(&report.active_by_owner_kind, "person"),
            count(&report.active_by_owner_kind, "service"),
            owners as u64,
            report.never_used,
            report.last_use.under_30_days,
            report.last_use.under_90_days,
            report.last_use.under_1_year,
            report.last_use.older,
            report.expiring_within_7_days,
            report.expiring_within_30_days,
            uses,
        ];
        let mut record = vec![report.org.clone(), rfc3339(report.generated_at)];
        record.extend(numbers.iter().map(u64::to_string));
        record.push(policy.set.to_string());
        record.push(policy.live.to_string());
        record.push(policy.breaking.to_string());
        for rule in [
            "max_lifetime",
            "require_expiry",
            "allowed_scopes",
            "member_tokens",
        ] {
            record.push(count(&policy.by_rule, rule).to_string());
        }
        record
    }
}
