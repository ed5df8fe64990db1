//! `tokctl user add|list`.

use clap::Subcommand;
use tokctl::ops::Session;

use crate::cli::args::{Format, FormatArg, ListFormat};
use crate::exit;
use crate::input::confirm;
use crate::output::outcomes::{
    outcome_format, print_outcomes, revoke_keyring_word, warn_skipped, OutcomeJson,
};
use crate::output::time_format::rfc3339;
use crate::output::ui::Ui;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Register a user (needs admin in some org); add them to an org with 'tokctl member add'
    #[command(
        after_help = "Example:\n  tokctl user add alice && tokctl member add --org acme --user alice --role member"
    )]
    Add {
        /// The user's login name
        name: String,
    },
    /// List users
    #[command(after_help = "Example:\n  tokctl user list")]
    List(FormatArg),
    /// Offboard a user: revoke all their personal tokens in every org and remove their memberships
    #[command(
        visible_alias = "offboard",
        after_help = "Org tokens they made are left alone: they belong to the org.\n\n\
            Example:\n  tokctl user remove bob --dry-run\n  tokctl user remove bob --yes"
    )]
    Remove {
        /// The user's login name
        name: String,
        /// Show what would happen, and change nothing
        #[arg(long)]
        dry_run: bool,
        /// Do not ask for confirmation (needed outside a terminal)
        #[arg(long, short)]
        yes: bool,
        /// Output format of what a real run did: json or jsonl, one record per token
        #[arg(long, value_enum, default_value_t)]
        format: ListFormat,
    },
}

pub fn run(ui: &Ui, session: &mut Session, command: UserCommand) -> anyhow::Result<u8> {
    match command {
        UserCommand::Add { name } => {
            let user = session.add_user(&name)?;
            ui.note(format!("added user '{}'", user.name));
        }
        UserCommand::Remove {
            name,
            dry_run,
            yes,
            format,
        } => {
            return remove(ui, session, &name, dry_run, yes, format);
        }
        UserCommand::List(args) => {
            let users = session.list_users()?;
            match args.format {
                Format::Json => ui.print_json(&users)?,
                Format::Table => {
                    let mut rows = ui.table(&["name", "created"]);
                    for user in &users {
                        rows.add_row(vec![user.name.clone(), rfc3339(user.created_at)]);
                    }
                    ui.print_table(rows)?;
                }
            }
        }
    }
    Ok(exit::SUCCESS)
}

/// Offboarding: the plan fixes the memberships and the token ids; the dry
/// run shows them, the prompt counts them, and the real run acts on exactly
/// them.
fn remove(
    ui: &Ui,
    session: &mut Session,
    name: &str,
    dry_run: bool,
    yes: bool,
    format: ListFormat,
) -> anyhow::Result<u8> {
    let format = if dry_run {
        None
    } else {
        outcome_format(format)?
    };
    let plan = session.plan_offboard(name)?;
    if dry_run {
        for token in &plan.tokens {
            ui.note(format!(
                "would revoke '{}' ({}) in org '{}'",
                token.name, token.id, token.org
            ));
        }
        ui.note(format!(
            "dry run: would remove '{}' from {} org(s) ({}); would revoke {} personal token(s); org tokens untouched",
            plan.user,
            plan.orgs.len(),
            plan.orgs.join(", "),
            plan.tokens.len()
        ));
        return Ok(exit::SUCCESS);
    }
    let what = format!(
        "remove '{name}' from {} org(s) and revoke {} personal token(s)",
        plan.orgs.len(),
        plan.tokens.len()
    );
    if !confirm(ui, yes, &what)? {
        return Ok(exit::CONFIRMATION_REQUIRED);
    }
    let done = session.offboard_planned(&plan)?;
    warn_skipped(ui, &done.skipped);
    for item in &done.revoked {
        ui.note(format!(
            "revoked '{}' ({}) in org '{}'",
            item.token.name, item.token.id, item.token.org
        ));
    }
    ui.note(format!(
        "removed '{}' from {} org(s) ({}); revoked {} personal token(s); org tokens untouched",
        done.user,
        done.orgs.len(),
        done.orgs.join(", "),
        done.revoked.len()
    ));
    // What appeared after the plan was not confirmed, so it was not touched;
    // say so loudly: a leaver's token that still works is the thing
    // offboarding exists to prevent.
    for token in &done.unplanned_tokens {
        ui.warning(format!(
            "'{}' minted token '{}' ({}) in org '{}' after the plan; it was not revoked",
            done.user, token.name, token.id, token.org
        ));
    }
    for org in &done.unplanned_orgs {
        ui.warning(format!(
            "'{}' joined org '{org}' after the plan; that membership was not removed",
            done.user
        ));
    }
    if !done.unplanned_tokens.is_empty() || !done.unplanned_orgs.is_empty() {
        ui.hint(format!("run 'tokctl user remove {}' again", done.user));
    }
    let mut outcomes: Vec<OutcomeJson<'_>> = done
        .revoked
        .iter()
        .map(|item| OutcomeJson {
            keyring: Some(revoke_keyring_word(&item.keyring)),
            ..OutcomeJson::new(
                &item.token,
                if item.newly { "revoked" } else { "unchanged" },
            )
        })
        .collect();
    outcomes.extend(
        done.skipped
            .iter()
            .map(|(token, why)| OutcomeJson::skipped(token, *why)),
    );
    outcomes.extend(
        done.unplanned_tokens
            .iter()
            .map(|token| OutcomeJson::new(token, "not_planned")),
    );
    print_outcomes(ui, format, &outcomes, "revoked")?;
    Ok(exit::SUCCESS)
}
