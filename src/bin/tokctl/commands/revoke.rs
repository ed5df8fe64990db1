//! `tokctl revoke`: by id or name, in bulk by filter, or by a leaked secret.
//!
//! Every form first plans the exact tokens. `--dry-run` shows the plan and
//! stops; a bulk revoke then asks at a terminal for confirmation with the
//! count, and elsewhere needs `--yes` (without it nothing changes, exit 8);
//! a named revoke asks at a terminal only. The run revokes exactly the plan.

use clap::Args;
use tokctl::ops::{BulkRevoked, RevokeOutcome, Revoked, Selection, Session, StatusChoice};
use tokctl::store::TokenSort;

use crate::cli::args::ListFormat;
use crate::exit;
use crate::input::{at_terminal, confirm, read_secret};
use crate::output::outcomes::{
    outcome_format, print_outcomes, report_keyring_failures, revoked_outcomes, warn_skipped,
};
use crate::output::token_rows::TokenWriter;
use crate::output::ui::Ui;
use crate::selection::SelectionArgs;

#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// Ids or names of the tokens to revoke
    #[arg(value_name = "ID|NAME", conflicts_with = "secret_stdin")]
    tokens: Vec<String>,

    /// Why, recorded with the revocation [default for bulk: generated, e.g. "stale: unused since 2025-05-01"]
    #[arg(long)]
    reason: Option<String>,

    /// Revoke the token whose secret is read from stdin (one found in a log or a paste)
    #[arg(long)]
    secret_stdin: bool,

    #[command(flatten)]
    select: SelectionArgs,

    /// Only expired tokens (bulk; same as --status expired)
    #[arg(long, conflicts_with_all = ["status", "all"])]
    expired: bool,

    /// Show what would be revoked, in list's formats, and change nothing
    #[arg(long)]
    dry_run: bool,

    /// Do not ask for confirmation (at a terminal a named or bulk revoke asks; outside one a bulk revoke needs this)
    #[arg(long, short)]
    yes: bool,

    /// Output format: of the tokens a bulk --dry-run would revoke (a named one lists them on
    /// stderr), or of what a real run did (json, jsonl: one record per token)
    #[arg(long, value_enum, default_value_t)]
    format: ListFormat,
}

impl RevokeArgs {
    fn is_bulk(&self) -> bool {
        self.selection().has_criteria()
    }

    /// The filters as `list` reads them; `--expired` is `--status expired`.
    fn selection(&self) -> Selection {
        let mut selection = self.select.to_selection(TokenSort::Created);
        if self.expired {
            selection.status = StatusChoice::Expired;
        }
        selection
    }
}

pub fn run(ui: &Ui, session: &mut Session, args: RevokeArgs) -> anyhow::Result<u8> {
    let reason = args.reason.as_deref();
    if args.secret_stdin {
        let secret = read_secret("Leaked token", None)?;
        let plan = session.plan_revoke_secret(&secret)?;
        if args.dry_run {
            return report(ui, &session.preview_revoke(&plan, reason)?, true);
        }
        let format = outcome_format(args.format)?;
        let done = session.revoke_planned(&plan, reason)?;
        warn_skipped(ui, &done.skipped);
        report(ui, &done.revoked, false)?;
        return print_revoked(ui, format, &done);
    }
    if args.is_bulk() {
        if !args.tokens.is_empty() {
            anyhow::bail!(crate::hints::Usage::new(
                "name tokens or give filters, not both",
                "tokctl revoke ID|NAME..., or tokctl revoke --stale 1y ...",
            ));
        }
        return run_bulk(ui, session, &args);
    }
    if args.tokens.is_empty() {
        anyhow::bail!(crate::hints::Usage::new(
            "nothing to revoke",
            "name tokens (tokctl revoke ID|NAME...), give filters (--stale 1y), or use --secret-stdin",
        ));
    }
    if args.select.all || args.select.status.is_some() {
        anyhow::bail!(crate::hints::Usage::new(
            "--all and --status choose tokens for a bulk revoke; named tokens are revoked as named",
            "add a filter such as --stale 1y, or leave out --all/--status",
        ));
    }
    // The names resolve once, into the plan; what runs is those ids, not
    // the names again.
    let plan = session.plan_revoke_named(&args.tokens, args.select.org.as_deref())?;
    if args.dry_run {
        return report(ui, &session.preview_revoke(&plan, reason)?, true);
    }
    let format = outcome_format(args.format)?;
    // A person at a terminal confirms what the names resolved to; scripts
    // are not asked.
    if !args.yes && at_terminal() {
        let names: Vec<String> = session
            .preview_revoke(&plan, reason)?
            .iter()
            .filter(|item| item.newly)
            .map(|item| format!("'{}' ({})", item.token.name, item.token.id))
            .collect();
        if !names.is_empty() && !confirm(ui, false, &format!("revoke {}", names.join(", ")))? {
            return Ok(exit::CONFIRMATION_REQUIRED);
        }
    }
    let done = session.revoke_planned(&plan, reason)?;
    warn_skipped(ui, &done.skipped);
    report(ui, &done.revoked, false)?;
    print_revoked(ui, format, &done)
}

fn run_bulk(ui: &Ui, session: &mut Session, args: &RevokeArgs) -> anyhow::Result<u8> {
    let selection = args.selection();
    // The plan fixes the token ids: the dry run shows them, the prompt
    // counts them, and the real run revokes exactly them.
    let plan = session.plan_revoke(&selection)?;
    if args.dry_run {
        let mut writer = TokenWriter::new(ui, args.format, session.now())?;
        for item in session.preview_revoke(&plan, args.reason.as_deref())? {
            writer.write(&item.token)?;
        }
        writer.finish()?;
        ui.note(format!(
            "dry run: {} token(s) would be revoked; nothing changed",
            plan.tokens.len()
        ));
        return Ok(exit::SUCCESS);
    }
    let format = outcome_format(args.format)?;
    if plan.tokens.is_empty() {
        ui.note("no tokens match: nothing to revoke");
        print_outcomes(ui, format, &[], "revoked")?;
        return Ok(exit::SUCCESS);
    }
    if !confirm(
        ui,
        args.yes,
        &format!("revoke {} token(s)", plan.tokens.len()),
    )? {
        return Ok(exit::CONFIRMATION_REQUIRED);
    }
    let done = session.revoke_planned(&plan, args.reason.as_deref())?;
    warn_skipped(ui, &done.skipped);
    report(ui, &done.revoked, false)?;
    print_revoked(ui, format, &done)
}

/// What a real revoke did, as JSON or JSON Lines with the total on stderr.
fn print_revoked(ui: &Ui, format: Option<ListFormat>, done: &BulkRevoked) -> anyhow::Result<u8> {
    let outcomes = revoked_outcomes(&done.revoked, &done.skipped);
    print_outcomes(ui, format, &outcomes, "revoked")?;
    Ok(exit::SUCCESS)
}

fn report(ui: &Ui, revoked: &[Revoked], dry_run: bool) -> anyhow::Result<u8> {
    let verb = if dry_run { "would revoke" } else { "revoked" };
    let mut failed = Vec::new();
    for item in revoked {
        let token = &item.token;
        if item.newly {
            ui.note(format!(
                "{verb} token '{}' ({}) in org '{}'",
                token.name, token.id, token.org
            ));
        } else {
            ui.note(format!(
                "token '{}' ({}) was already revoked; nothing changed",
                token.name, token.id
            ));
        }
        match &item.keyring {
            RevokeOutcome::Deleted => ui.note("  removed its secret from the OS keyring"),
            RevokeOutcome::Missing => ui.note(format!(
                "  the secret of '{}' was not in the OS keyring (already removed, or never stored here)",
                token.name
            )),
            RevokeOutcome::Failed(err) => failed.push((token, err)),
            RevokeOutcome::Untouched => {}
        }
    }
    report_keyring_failures(ui, &failed, "the revocation");
    Ok(exit::SUCCESS)
}
