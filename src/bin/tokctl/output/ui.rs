//! `Ui`: how tokctl talks to whoever runs it. The dispatcher makes one per
//! process from `--color` and `--quiet` and hands it to every command.
//! stdout carries data (lines, tables, JSON); stderr carries notes (which
//! `--quiet` drops), warnings, hints and errors (which it keeps).

use std::cell::Cell;
use std::fmt::Display;
use std::io::{IsTerminal, Write};

use comfy_table::{presets, Color, ContentArrangement, Table};
use serde::Serialize;
use tokctl::model::TokenStatus;

use crate::cli::args::ColorChoice;

/// The settings a [`Ui`] decides once: colour, `--quiet`, and a table width
/// when stdout is not a terminal. Plain data, so a copy can be kept.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// Colour in tables and on the secret banner.
    pub color: bool,
    /// `--quiet`: no notes on stderr.
    pub quiet: bool,
    /// The width tables wrap to; `None` lets comfy-table ask the terminal.
    pub width: Option<u16>,
}

/// The user interface of one tokctl process.
#[derive(Debug)]
pub struct Ui {
    style: Style,
    /// Whether a keyring problem was reported already: see [`Ui::keyring_warning`].
    keyring_warned: Cell<bool>,
}

impl Ui {
    /// Decides colour and width once, from `--color`, `NO_COLOR`, whether
    /// stdout is a terminal, and `COLUMNS` (which fixes the width when it is not).
    pub fn new(choice: ColorChoice, quiet: bool) -> Self {
        let terminal = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && !no_color,
        };
        let width = if terminal {
            None
        } else {
            std::env::var("COLUMNS")
                .ok()
                .and_then(|columns| columns.parse().ok())
        };
        Ui::with_style(Style {
            color,
            quiet,
            width,
        })
    }

    /// A `Ui` with settings already decided.
    fn with_style(style: Style) -> Self {
        Ui {
            style,
            keyring_warned: Cell::new(false),
        }
    }

    /// A status line on stderr for people; `--quiet` drops it. Warnings and
    /// errors do not go through here: they always show.
    pub fn note(&self, text: impl Display) {
        if !self.style.quiet {
            eprintln!("{text}");
        }
    }

    /// A line on stderr that `--quiet` keeps, without a prefix: what an
    /// interactive prompt says back, and the line `org add` prints.
    pub fn stderr_line(&self, text: impl Display) {
        eprintln!("{text}");
    }

    /// `warning: …` on stderr; `--quiet` keeps it.
    pub fn warning(&self, text: impl Display) {
        eprintln!("warning: {text}");
    }

    /// `hint: …` on stderr, what to do next; `--quiet` keeps it.
    pub fn hint(&self, text: impl Display) {
        eprintln!("hint: {text}");
    }

    /// `error: …` on stderr, for a failure a command reports through its
    /// exit code rather than by returning an error.
    pub fn error(&self, text: impl Display) {
        eprintln!("error: {text}");
    }

    /// Reports a keyring problem: one `warning:` line (which `--quiet` keeps),
    /// then a note on what it means and what to do. Only the first problem of
    /// the process is reported: a bulk command on a host without a usable
    /// keyring says so once, not once per token (the library asks the keyring
    /// once and audits once, too).
    pub fn keyring_warning(&self, text: impl Display, advice: impl Display) {
        if self.keyring_warned.replace(true) {
            return;
        }
        self.warning(text);
        self.note(format!("  {advice}"));
    }

    /// Marks the new secret for a person at a terminal: a bold line on stderr
    /// right before it. Piped output is left alone: stdout then holds only the
    /// secret. Only a secret with no keyring copy is gone once shown.
    pub fn secret_banner(&self, kept_in_keyring: bool) {
        if !std::io::stderr().is_terminal() || self.style.quiet {
            return;
        }
        let line = if kept_in_keyring {
            "▶ your new secret (a copy is in the OS keyring, 'tokctl secret' reads it back):"
        } else {
            "▶ your new secret — copy it now, it will not be shown again:"
        };
        if self.style.color {
            eprintln!("{}", dialoguer::console::style(line).bold().yellow());
        } else {
            eprintln!("{line}");
        }
    }

    /// A borderless table like `gh` prints: easy to read and to grep. It fits
    /// the terminal (or `COLUMNS`) by wrapping long cells.
    pub fn table(&self, header: &[&str]) -> Table {
        let mut table = Table::new();
        table
            .load_preset(presets::NOTHING)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_header(header.iter().map(|h| h.to_uppercase()));
        self.apply_style(&mut table);
        table
    }

    /// A two-column table of fields and values (for `show`, `verify`).
    pub fn fields(&self, rows: &[(&str, String)]) -> Table {
        let mut table = Table::new();
        table
            .load_preset(presets::NOTHING)
            .set_content_arrangement(ContentArrangement::Dynamic);
        self.apply_style(&mut table);
        for (field, value) in rows {
            table.add_row(vec![format!("{field}:"), value.clone()]);
        }
        table
    }

    /// A status, in colour when colour is on.
    pub fn status_cell(&self, status: TokenStatus) -> comfy_table::Cell {
        let cell = comfy_table::Cell::new(status.as_str());
        if !self.style.color {
            return cell;
        }
        match status {
            TokenStatus::Active => cell.fg(Color::Green),
            TokenStatus::Expired => cell.fg(Color::Yellow),
            TokenStatus::Revoked => cell.fg(Color::Red),
        }
    }

    fn apply_style(&self, table: &mut Table) {
        if self.style.color {
            table.enforce_styling();
        } else {
            table.force_no_tty();
        }
        if let Some(width) = self.style.width {
            table.set_width(width);
        }
    }

    /// Writes a line to stdout, returning I/O errors (a closed pipe among them).
    pub fn print_line(&self, text: impl Display) -> std::io::Result<()> {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{text}")
    }

    /// Prints a table without the trailing spaces comfy-table pads cells with.
    pub fn print_table(&self, table: &Table) -> std::io::Result<()> {
        self.print_line(table.trim_fmt())
    }

    /// Writes bytes to stdout as they are (a completion script).
    pub fn print_bytes(&self, bytes: &[u8]) -> std::io::Result<()> {
        std::io::stdout().lock().write_all(bytes)
    }

    /// Writes a value as indented JSON to stdout.
    pub fn print_json(&self, value: &impl Serialize) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(value)?;
        self.print_line(text)?;
        Ok(())
    }
}
