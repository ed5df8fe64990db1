//! `tokctl config show`: each setting, its value, and whether a flag, the
//! environment, the config file or the built-in default gave it.

use std::path::Path;

use clap::{Args, Subcommand};
use serde::Serialize;

use crate::cli::args::{Format, GlobalArgs};
use crate::config::{Resolved, Source};
use crate::exit;
use crate::output::ui::Ui;

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Show each setting, its value and where it came from (flag, environment, config file, default)
    #[command(
        after_help = "Examples:\n  tokctl config show\n  tokctl config show --format json\n\n\
        The file: $TOKCTL_CONFIG, else $XDG_CONFIG_HOME/tokctl/config.toml,\n\
        else ~/.config/tokctl/config.toml (docs/environment.md)."
    )]
    Show(ShowArgs),
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Serialize)]
struct ConfigJson<'a> {
    /// The config file read, or where one would be read from.
    file: Option<String>,
    /// Whether that file exists and was read.
    loaded: bool,
    settings: Vec<SettingJson<'a>>,
}

#[derive(Serialize)]
struct SettingJson<'a> {
    name: &'a str,
    value: Option<String>,
    /// flag, env, config or default.
    source: &'a str,
    /// The flag, the environment variable or the file; null for a default.
    from: Option<String>,
}

/// Prints the settings in force. `default_db` is the built-in store path.
pub fn run(
    ui: &Ui,
    global: &GlobalArgs,
    resolved: &Resolved,
    default_db: Option<&Path>,
    command: ConfigCommand,
) -> anyhow::Result<u8> {
    let ConfigCommand::Show(args) = command;
    let file = resolved
        .config
        .path
        .as_ref()
        .map(|path| path.display().to_string());
    let settings = resolved.settings(global, default_db);
    let described = |name: &str, source: &Source| -> (&'static str, Option<String>) {
        match source {
            Source::Flag => ("flag", Some(format!("--{}", name))),
            Source::Env(var) => ("env", Some((*var).to_owned())),
            Source::File => ("config", file.clone()),
            Source::Default => ("default", None),
        }
    };
    match args.format {
        Format::Json => ui.print_json(&ConfigJson {
            file: file.clone(),
            loaded: resolved.config.loaded,
            settings: settings
                .iter()
                .map(|(name, shown)| {
                    let (source, from) = described(name, &shown.source);
                    SettingJson {
                        name,
                        value: shown.value.clone(),
                        source,
                        from,
                    }
                })
                .collect(),
        })?,
        Format::Table => {
            match (&file, resolved.config.loaded) {
                (Some(path), true) => ui.note(format!("config file: {path}")),
                (Some(path), false) => ui.note(format!("config file: {path} (none there)")),
                (None, _) => ui.note("config file: none (no home directory)"),
            }
            let mut table = ui.table(&["setting", "value", "source"]);
            for (name, shown) in &settings {
                let (source, from) = described(name, &shown.source);
                let source = match from {
                    Some(from) if source == "config" => from,
                    Some(from) => format!("{source} {from}"),
                    None => source.to_owned(),
                };
                table.add_row(vec![
                    (*name).to_owned(),
                    shown.value.clone().unwrap_or_else(|| "-".to_owned()),
                    source,
                ]);
            }
            ui.print_table(table)?;
        }
    }
    Ok(exit::SUCCESS)
}
