//! `tokctl user add|list`.

use clap::Subcommand;
use tokctl::ops::Session;

use crate::cli::Format;
use crate::commands::org::FormatArg;
use crate::exit;
use crate::input::confirm;
use crate::output::{note, print_json, print_table, rfc3339, table};

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
    },
}

pub fn run(session: &mut Session, command: UserCommand) -> anyhow::Result<u8> {
    match command {
        UserCommand::Add { name } => {
            let user = session.add_user(&name)?;
            note(format!("added user '{}'", user.name));
        }
        UserCommand::Remove { name, dry_run, yes } => {
            if !dry_run {
                let preview = session.offboard_user(&name, true)?;
                let what = format!(
                    "remove '{name}' from {} org(s) and revoke {} personal token(s)",
                    preview.orgs.len(),
                    preview.revoked.len()
                );
                if !confirm(yes, &what)? {
                    return Ok(exit::CONFIRMATION_REQUIRED);
                }
            }
            let done = session.offboard_user(&name, dry_run)?;
            let verb = if dry_run { "would revoke" } else { "revoked" };
            for item in &done.revoked {
                note(format!(
                    "{verb} '{}' ({}) in org '{}'",
                    item.token.name, item.token.id, item.token.org
                ));
            }
            let summary = format!(
                "{} '{}' from {} org(s) ({}); {} {} personal token(s); org tokens untouched",
                if dry_run {
                    "dry run: would remove"
                } else {
                    "removed"
                },
                done.user,
                done.orgs.len(),
                done.orgs.join(", "),
                verb,
                done.revoked.len()
            );
            note(summary);
        }
        UserCommand::List(args) => {
            let users = session.list_users()?;
            match args.format {
                Format::Json => print_json(&users)?,
                Format::Table => {
                    let mut rows = table(&["name", "created"]);
                    for user in &users {
                        rows.add_row(vec![user.name.clone(), rfc3339(user.created_at)]);
                    }
                    print_table(&rows)?;
                }
            }
        }
    }
    Ok(exit::SUCCESS)
}
