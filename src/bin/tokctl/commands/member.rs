//! `tokctl member add|list`.

use clap::{Args, Subcommand};
use tokctl::model::Role;
use tokctl::ops::Session;

use crate::cli::args::{parse_role, Format};
use crate::exit;
use crate::output::ui::Ui;

#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// Add a user to an org, or change their role (owner only)
    #[command(after_help = "Example:\n  tokctl member add --org acme --user alice --role admin")]
    Add(AddArgs),
    /// List memberships of an org, or of all your orgs
    #[command(after_help = "Example:\n  tokctl member list --org acme")]
    List(ListArgs),
    /// Remove a user from an org (owner only); revokes their personal tokens there
    #[command(after_help = "Example:\n  tokctl member remove --org acme --user bob")]
    Remove(RemoveArgs),
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The org
    #[arg(long)]
    org: String,
    /// The user
    #[arg(long)]
    user: String,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The org
    #[arg(long)]
    org: String,
    /// The user
    #[arg(long)]
    user: String,
    /// owner, admin or member
    #[arg(long, value_parser = parse_role)]
    role: Role,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this org
    #[arg(long)]
    org: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(ui: &Ui, session: &mut Session, command: MemberCommand) -> anyhow::Result<u8> {
    match command {
        MemberCommand::Add(args) => {
            let membership = session.set_member(&args.org, &args.user, args.role)?;
            ui.note(format!(
                "'{}' is now {} of org '{}'",
                membership.user,
                membership.role.as_str(),
                membership.org
            ));
        }
        MemberCommand::Remove(args) => {
            let revoked = session.remove_member(&args.org, &args.user)?;
            ui.note(format!(
                "removed '{}' from org '{}'; revoked {revoked} personal token(s) there",
                args.user, args.org
            ));
        }
        MemberCommand::List(args) => {
            let members = session.list_members(args.org.as_deref())?;
            match args.format {
                Format::Json => ui.print_json(&members)?,
                Format::Table => {
                    let mut rows = ui.table(&["org", "user", "role"]);
                    for member in &members {
                        rows.add_row(vec![
                            member.org.clone(),
                            member.user.clone(),
                            member.role.as_str().into(),
                        ]);
                    }
                    ui.print_table(rows)?;
                }
            }
        }
    }
    Ok(exit::SUCCESS)
}
