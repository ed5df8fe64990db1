//! `tokctl org add|list`.

use clap::{Args, Subcommand};
use tokctl::ops::Session;

use crate::cli::Format;
use crate::exit;
use crate::output::{print_json, print_table, rfc3339, table};

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Add an org; you become its owner
    #[command(after_help = "Example:\n  tokctl org add acme")]
    Add {
        /// The org's name
        name: String,
    },
    /// List orgs
    List(FormatArg),
}

#[derive(Debug, Args)]
pub struct FormatArg {
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(session: &mut Session, command: OrgCommand) -> anyhow::Result<u8> {
    match command {
        OrgCommand::Add { name } => {
            let org = session.add_org(&name)?;
            eprintln!(
                "added org '{}' with '{}' as its owner",
                org.name,
                session.actor_name()
            );
        }
        OrgCommand::List(args) => {
            let orgs = session.list_orgs()?;
            match args.format {
                Format::Json => print_json(&orgs)?,
                Format::Table => {
                    let mut rows = table(&["name", "created"]);
                    for org in &orgs {
                        rows.add_row(vec![org.name.clone(), rfc3339(org.created_at)]);
                    }
                    print_table(&rows)?;
                }
            }
        }
    }
    Ok(exit::SUCCESS)
}
