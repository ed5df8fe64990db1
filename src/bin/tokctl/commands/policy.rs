//! `tokctl policy check`: live tokens that break their org's current policy;
//! with `--revoke` revoke them, with `--fix` cut expiries that are too late
//! down to the max lifetime (both planned from the findings, confirmed, applied).

use clap::{Args, Subcommand};
use serde::Serialize;
use tokctl::ops::Session;

use crate::cli::args::{Format, ListFormat};
use crate::exit;
use crate::input::confirm;
use crate::output::outcomes::{print_outcomes, revoked_outcomes, warn_skipped, OutcomeJson};
use crate::output::time_format::rfc3339;
use crate::output::token_rows::TokenJson;
use crate::output::ui::Ui;

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// List live tokens that break their org's policy, with the rule each breaks; exits 23 if any
    #[command(after_help = "Examples:\n  tokctl policy check --org acme\n  \
        tokctl policy check --org acme --revoke --dry-run\n  tokctl policy check --org acme --revoke --yes\n  \
        tokctl policy check --org acme --fix --yes\n\n\
        --fix clamps every expiry beyond the max lifetime (or missing where one is needed)\n\
        to the latest the policy allows; tokens breaking other rules are left as they are.")]
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Only this org (default: every org you administer)
    #[arg(long)]
    org: Option<String>,

    /// Revoke the tokens found (the rule becomes the revocation reason)
    #[arg(long, conflicts_with = "fix")]
    revoke: bool,

    /// Cut every expiry the policy finds too late (or missing) down to the latest it allows
    #[arg(long)]
    fix: bool,

    /// With --revoke or --fix: show what would change, and change nothing
    #[arg(long)]
    dry_run: bool,

    /// With --revoke or --fix: do not ask for confirmation (needed outside a terminal)
    #[arg(long, short)]
    yes: bool,

    /// Output format: of the findings, or with --revoke/--fix (not a dry run) of what was done
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Serialize)]
struct FindingJson<'a> {
    token: TokenJson<'a>,
    violations: Vec<ViolationJson>,
}

#[derive(Serialize)]
struct ViolationJson {
    rule: &'static str,
    message: String,
}

pub fn run(ui: &Ui, session: &mut Session, command: PolicyCommand) -> anyhow::Result<u8> {
    let PolicyCommand::Check(args) = command;
    if (args.dry_run || args.yes) && !(args.revoke || args.fix) {
        anyhow::bail!(crate::hints::Usage::new(
            "--dry-run and --yes go with --revoke or --fix",
            "add --revoke or --fix, or leave them out to only list the findings",
        ));
    }
    let findings = session.policy_check(args.org.as_deref())?;
    let now = session.now();
    // A real --revoke or --fix reports what it did instead of the findings,
    // so a script reads one JSON document.
    let acting = (args.revoke || args.fix) && !args.dry_run;
    match args.format {
        Format::Json if acting => {}
        Format::Json => ui.print_json(
            &findings
                .iter()
                .map(|finding| FindingJson {
                    token: TokenJson::new(&finding.token, now),
                    violations: finding
                        .violations
                        .iter()
                        .map(|v| ViolationJson {
                            rule: v.rule(),
                            message: v.to_string(),
                        })
                        .collect(),
                })
                .collect::<Vec<_>>(),
        )?,
        Format::Table if findings.is_empty() => ui.note("every live token meets its org's policy"),
        Format::Table => {
            let mut rows = ui.table(&["id", "name", "org", "owner", "breaks"]);
            for finding in &findings {
                let token = &finding.token;
                let rules: Vec<String> =
                    finding.violations.iter().map(ToString::to_string).collect();
                rows.add_row(vec![
                    token.id.to_string(),
                    token.name.clone(),
                    token.org.clone(),
                    token.owner.clone().unwrap_or_else(|| "-".into()),
                    rules.join("; "),
                ]);
            }
            ui.print_table(rows)?;
        }
    }
    if findings.is_empty() {
        if acting && args.format == Format::Json {
            print_outcomes(ui, Some(ListFormat::Json), &[], "revoked")?;
        }
        return Ok(exit::SUCCESS);
    }
    if args.fix {
        return fix(ui, session, &args, &findings);
    }
    if !args.revoke {
        return Ok(exit::POLICY_VIOLATIONS);
    }
    if args.dry_run {
        ui.note(format!(
            "dry run: {} token(s) would be revoked; nothing changed",
            findings.len()
        ));
        return Ok(exit::POLICY_VIOLATIONS);
    }
    if !confirm(
        ui,
        args.yes,
        &format!("revoke {} token(s) that break policy", findings.len()),
    )? {
        return Ok(exit::CONFIRMATION_REQUIRED);
    }
    // The findings shown and counted are the plan: exactly those are
    // revoked, each only if it still breaks the policy.
    let done = session.revoke_noncompliant(&findings)?;
    warn_skipped(ui, &done.skipped);
    ui.note(format!(
        "revoked {} token(s) that broke policy",
        done.revoked.len()
    ));
    let outcomes = revoked_outcomes(&done.revoked, &done.skipped);
    print_outcomes(ui, json_only(args.format), &outcomes, "revoked")?;
    Ok(exit::SUCCESS)
}

/// `--fix`: clamp the expiries an expiry can fix; the other findings stay
/// (exit 23 while any remain).
fn fix(
    ui: &Ui,
    session: &mut Session,
    args: &CheckArgs,
    findings: &[tokctl::ops::PolicyFinding],
) -> anyhow::Result<u8> {
    let plan = session.plan_clamp(findings)?;
    let unfixable = findings.len() - plan.len();
    if unfixable > 0 {
        ui.note(format!(
            "{unfixable} token(s) break rules a shorter expiry does not fix; --fix leaves them as they are"
        ));
    }
    if args.dry_run {
        for planned in &plan {
            ui.note(format!(
                "would clamp the expiry of '{}' ({}) in org '{}' to {}",
                planned.token.name,
                planned.token.id,
                planned.token.org,
                rfc3339(planned.expires_at)
            ));
        }
        ui.note(format!(
            "dry run: {} expiry(s) would be clamped; nothing changed",
            plan.len()
        ));
        return Ok(exit::POLICY_VIOLATIONS);
    }
    if plan.is_empty() {
        print_outcomes(ui, json_only(args.format), &[], "clamped")?;
        return Ok(exit::POLICY_VIOLATIONS);
    }
    if !confirm(
        ui,
        args.yes,
        &format!(
            "clamp the expiry of {} token(s) to the max lifetime",
            plan.len()
        ),
    )? {
        return Ok(exit::CONFIRMATION_REQUIRED);
    }
    let done = session.clamp_planned(&plan)?;
    warn_skipped(ui, &done.skipped);
    for edited in &done.edited {
        let token = &edited.after;
        ui.note(format!(
            "clamped the expiry of '{}' ({}) in org '{}' to {}",
            token.name,
            token.id,
            token.org,
            token.expires_at.map_or_else(|| "never".to_owned(), rfc3339)
        ));
    }
    let mut outcomes: Vec<OutcomeJson<'_>> = done
        .edited
        .iter()
        .map(|edited| OutcomeJson::new(&edited.after, "clamped"))
        .collect();
    outcomes.extend(
        done.skipped
            .iter()
            .map(|(token, why)| OutcomeJson::skipped(token, *why)),
    );
    print_outcomes(ui, json_only(args.format), &outcomes, "clamped")?;
    Ok(if unfixable > 0 {
        exit::POLICY_VIOLATIONS
    } else {
        exit::SUCCESS
    })
}

/// The outcome format for this command's `--format` (table or json).
fn json_only(format: Format) -> Option<ListFormat> {
    (format == Format::Json).then_some(ListFormat::Json)
}
