//! `tokctl show`: every field of one token.

use clap::Args;
use tokctl::ops::Session;

use crate::cli::Format;
use crate::exit;
use crate::output::{print_json, print_table, token_fields, TokenJson};

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The token's id or name
    #[arg(value_name = "ID|NAME")]
    token: String,

    /// Look the name up in this org only
    #[arg(long)]
    org: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(session: &Session, args: ShowArgs) -> anyhow::Result<u8> {
    let token = session.show_token(&args.token, args.org.as_deref())?;
    let now = session.now();
    match args.format {
        Format::Table => print_table(&token_fields(&token, now))?,
        Format::Json => print_json(&TokenJson::new(&token, now))?,
    }
    Ok(exit::SUCCESS)
}
