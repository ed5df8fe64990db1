//! `tokctl user add|list`.

use clap::Subcommand;
use tokctl::ops::Session;

use crate::cli::Format;
use crate::commands::org::FormatArg;
use crate::exit;
use crate::output::{print_json, print_line, rfc3339, table};

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
    List(FormatArg),
}

pub fn run(session: &mut Session, command: UserCommand) -> anyhow::Result<u8> {
    match command {
        UserCommand::Add { name } => {
            let user = session.add_user(&name)?;
            eprintln!("added user '{}'", user.name);
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
                    print_line(rows)?;
                }
            }
        }
    }
    Ok(exit::SUCCESS)
}
