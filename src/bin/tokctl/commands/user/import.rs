//! `tokctl user import FILE`: users and memberships from a directory file
//! (CSV or JSON Lines), planned, shown or confirmed, then applied in one
//! transaction. Bad rows are listed one line each, with their line numbers.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use serde::Serialize;
use tokctl::import::{parse_directory, DirectoryFormat};
use tokctl::ops::{DirectoryChange, ImportCounts, Session};
use tokctl::secret::redact_tokens;
use tokctl::Error;

use crate::cli::args::Format;
use crate::exit;
use crate::input::confirm;
use crate::output::ui::Ui;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The directory file: CSV with a header row, or JSON Lines; '-' reads stdin
    #[arg(value_name = "FILE")]
    file: PathBuf,

    /// How FILE is written [default: from its extension: .csv, .jsonl or .ndjson]
    #[arg(long, value_enum, value_name = "FORMAT")]
    input_format: Option<InputFormat>,

    /// Show what would change, and change nothing
    #[arg(long)]
    dry_run: bool,

    /// Do not ask for confirmation (needed outside a terminal, and when FILE is '-')
    #[arg(long, short)]
    yes: bool,

    /// Output format of the changes (planned, or with a real run made)
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// `--input-format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// CSV (RFC 4180) with a header row
    Csv,
    /// JSON Lines: one object per line
    Jsonl,
}

/// One change in the JSON output (docs/json.md).
#[derive(Debug, Serialize)]
struct ChangeJson<'a> {
    line: u64,
    user: &'a str,
    change: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    org: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    before: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    after: Option<Option<&'a str>>,
}

impl<'a> ChangeJson<'a> {
    fn new(change: &'a DirectoryChange) -> Self {
        let base = |name| ChangeJson {
            line: change.line(),
            user: change.user(),
            change: name,
            kind: None,
            display_name: None,
            email: None,
            field: None,
            org: None,
            role: None,
            before: None,
            after: None,
        };
        match change {
            DirectoryChange::UserAdded {
                kind,
                display_name,
                email,
                ..
            } => ChangeJson {
                kind: Some(kind.as_str()),
                display_name: Some(display_name.as_deref()),
                email: Some(email.as_deref()),
                ..base("user_added")
            },
            DirectoryChange::UserUpdated {
                field,
                before,
                after,
                ..
            } => ChangeJson {
                field: Some(field),
                before: Some(before.as_deref()),
                after: Some(after.as_deref()),
                ..base("user_updated")
            },
            DirectoryChange::MemberAdded { org, role, .. } => ChangeJson {
                org: Some(org),
                role: Some(role.as_str()),
                ..base("member_added")
            },
            DirectoryChange::RoleChanged {
                org, before, after, ..
            } => ChangeJson {
                org: Some(org),
                before: Some(Some(before.as_str())),
                after: Some(Some(after.as_str())),
                ..base("role_changed")
            },
        }
    }
}

pub fn run(ui: &Ui, session: &mut Session, args: ImportArgs) -> anyhow::Result<u8> {
    let from_stdin = args.file.as_os_str() == "-";
    let source = if from_stdin {
        "stdin".to_owned()
    } else {
        args.file.display().to_string()
    };
    let format = input_format(&args.file, from_stdin, args.input_format)?;
    let parsed = if from_stdin {
        parse_directory(format, std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(&args.file).map_err(|err| {
            crate::hints::Usage::new(
                format!("cannot read {source}: {err}"),
                "name a directory file, or '-' for stdin",
            )
        })?;
        parse_directory(format, std::io::BufReader::new(file))
    }?;
    let plan = match session.plan_import(&parsed) {
        Ok(plan) => plan,
        Err(Error::BadRows { problems }) => {
            // One line per bad row, as file:line like the config file's
            // errors; the library never repeats a token, and this makes sure.
            for problem in &problems {
                ui.error(redact_tokens(&format!(
                    "{source}:{}: {}",
                    problem.line, problem.message
                )));
            }
            ui.error(format!(
                "{} bad row(s) in {source}; nothing was written",
                problems.len()
            ));
            return Ok(exit::USAGE);
        }
        Err(other) => return Err(other.into()),
    };
    let counts = ImportCounts::of(&plan.changes);
    if plan.changes.is_empty() {
        if args.format == Format::Json {
            ui.print_json(&Vec::<ChangeJson<'_>>::new())?;
        }
        ui.note(format!(
            "nothing to change: the store already says what the {} row(s) of {source} say",
            plan.rows()
        ));
        return Ok(exit::SUCCESS);
    }
    let summary = summary(&counts);
    if args.dry_run {
        print_changes(ui, args.format, &plan.changes)?;
        ui.note(format!(
            "dry run: would {summary} ({} row(s), {} already as the file says); nothing was written",
            plan.rows(),
            plan.unchanged_rows
        ));
        return Ok(exit::SUCCESS);
    }
    // Rows came from stdin: there is no keyboard to answer a prompt on.
    if from_stdin && !args.yes {
        ui.error(format!(
            "this would {summary}; with the file on stdin that needs --yes"
        ));
        ui.hint("review it with --dry-run, then run again with --yes; nothing was changed");
        return Ok(exit::CONFIRMATION_REQUIRED);
    }
    if !confirm(ui, args.yes, &summary)? {
        return Ok(exit::CONFIRMATION_REQUIRED);
    }
    let done = session.apply_import(&plan)?;
    if args.format == Format::Json {
        print_changes(ui, args.format, &done)?;
    }
    ui.note(format!("imported {source}: {}", past_summary(&counts)));
    Ok(exit::SUCCESS)
}

/// The format: the flag, else the file's extension.
fn input_format(
    file: &Path,
    from_stdin: bool,
    flag: Option<InputFormat>,
) -> anyhow::Result<DirectoryFormat> {
    let format = flag.or_else(|| {
        if from_stdin {
            return None;
        }
        match file
            .extension()
            .and_then(|ext| ext.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("csv") => Some(InputFormat::Csv),
            Some("jsonl" | "ndjson") => Some(InputFormat::Jsonl),
            _ => None,
        }
    });
    match format {
        Some(InputFormat::Csv) => Ok(DirectoryFormat::Csv),
        Some(InputFormat::Jsonl) => Ok(DirectoryFormat::Jsonl),
        None => Err(crate::hints::Usage::new(
            format!(
                "cannot tell how {} is written",
                if from_stdin {
                    "stdin".to_owned()
                } else {
                    format!("'{}'", file.display())
                }
            ),
            "add --input-format csv or --input-format jsonl",
        )
        .into()),
    }
}

/// "add 2 user(s), update 1 user(s), add 3 membership(s), change 1 role(s)",
/// the parts that are not zero.
fn summary(counts: &ImportCounts) -> String {
    parts(counts, ["add", "update", "add", "change"])
}

fn past_summary(counts: &ImportCounts) -> String {
    parts(counts, ["added", "updated", "added", "changed"])
}

fn parts(counts: &ImportCounts, verbs: [&str; 4]) -> String {
    let [add_user, update, add_member, change] = verbs;
    let mut parts = Vec::new();
    if counts.users_added > 0 {
        parts.push(format!("{add_user} {} user(s)", counts.users_added));
    }
    if counts.users_updated > 0 {
        parts.push(format!("{update} {} user(s)", counts.users_updated));
    }
    if counts.members_added > 0 {
        parts.push(format!(
            "{add_member} {} membership(s)",
            counts.members_added
        ));
    }
    if counts.roles_changed > 0 {
        parts.push(format!("{change} {} role(s)", counts.roles_changed));
    }
    parts.join(", ")
}

/// The changes on stdout: a table for people, or a JSON array.
fn print_changes(ui: &Ui, format: Format, changes: &[DirectoryChange]) -> anyhow::Result<()> {
    if format == Format::Json {
        return ui.print_json(&changes.iter().map(ChangeJson::new).collect::<Vec<_>>());
    }
    let mut rows = ui.table(&["line", "user", "change", "detail"]);
    for change in changes {
        let (what, detail) = match change {
            DirectoryChange::UserAdded {
                kind,
                display_name,
                email,
                ..
            } => {
                let mut detail = vec![match kind {
                    tokctl::model::UserKind::Service => "service account".to_owned(),
                    tokctl::model::UserKind::Person => "person".to_owned(),
                }];
                if let Some(name) = display_name {
                    detail.push(format!("display name '{name}'"));
                }
                if let Some(email) = email {
                    detail.push(format!("email {email}"));
                }
                ("user added", detail.join(", "))
            }
            DirectoryChange::UserUpdated {
                field,
                before,
                after,
                ..
            } => {
                let shown = |value: &Option<String>| value.clone().unwrap_or_else(|| "-".into());
                let what = match *field {
                    "display_name" => "display name",
                    "email" => "email",
                    _ => "kind",
                };
                (
                    "user updated",
                    format!("{what}: {} → {}", shown(before), shown(after)),
                )
            }
            DirectoryChange::MemberAdded { org, role, .. } => {
                ("member added", format!("{org} as {}", role.as_str()))
            }
            DirectoryChange::RoleChanged {
                org, before, after, ..
            } => (
                "role changed",
                format!("{org}: {} → {}", before.as_str(), after.as_str()),
            ),
        };
        rows.add_row(vec![
            change.line().to_string(),
            change.user().to_owned(),
            what.to_owned(),
            detail,
        ]);
    }
    ui.print_table(rows)?;
    Ok(())
}
