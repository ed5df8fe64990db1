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
use unicode_width::UnicodeWidthStr;

use super::table_fit::{self, Give};
use crate::cli::args::ColorChoice;

/// The settings a [`Ui`] decides once: colour, `--quiet`, the width tables
/// fit and whether they may be cut to fit it. Plain data, so a copy can be kept.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// Colour in tables and on the secret banner.
    pub color: bool,
    /// `--quiet`: no notes on stderr.
    pub quiet: bool,
    /// The width tables fit: the terminal's, or `COLUMNS` when stdout is
    /// not a terminal; `None`: nothing to fit (a pipe), cells are not cut.
    pub width: Option<u16>,
    /// `--wide`: never cut a cell or drop a column.
    pub wide: bool,
    /// Whether long commands draw their progress on stderr: it is a
    /// terminal (not `TERM=dumb`) and `--quiet` is off.
    pub progress: bool,
    /// Colour on stderr (the progress bar's).
    pub stderr_color: bool,
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
    /// stdout is a terminal (and how wide), and `COLUMNS` (which fixes the
    /// width when it is not).
    pub fn new(choice: ColorChoice, quiet: bool, wide: bool) -> Self {
        let terminal = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && !no_color,
        };
        // The table and prompt crates read NO_COLOR themselves; tell them
        // what was decided, so `--color always` wins over it (and `never`
        // over CLICOLOR_FORCE). Prompts and warnings go to stderr.
        crossterm::style::force_color_output(color);
        let stderr_terminal = std::io::stderr().is_terminal();
        let color_on_stderr = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => stderr_terminal && !no_color,
        };
        // As cargo does: a dumb terminal cannot redraw a line in place.
        let dumb = std::env::var_os("TERM").is_some_and(|term| term == "dumb");
        dialoguer::console::set_colors_enabled(color);
        dialoguer::console::set_colors_enabled_stderr(color_on_stderr);
        let width = if terminal {
            terminal_width()
        } else {
            std::env::var("COLUMNS")
                .ok()
                .and_then(|columns| columns.parse().ok())
        };
        Ui::with_style(Style {
            color,
            quiet,
            width,
            wide,
            progress: stderr_terminal && !quiet && !dumb,
            stderr_color: color_on_stderr,
        })
    }

    /// A `Ui` with settings already decided.
    fn with_style(style: Style) -> Self {
        Ui {
            style,
            keyring_warned: Cell::new(false),
        }
    }

    /// The settings decided at start.
    pub fn style(&self) -> Style {
        self.style
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

    /// A borderless table like `gh` prints: easy to read and to grep. When
    /// printed it fits the terminal (or `COLUMNS`): see [`Ui::lay_out`].
    pub fn table(&self, header: &[&str]) -> Table {
        let mut table = Table::new();
        table
            .load_preset(presets::NOTHING)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_header(header.iter().map(|h| h.to_uppercase()));
        self.apply_style(&mut table);
        table
    }

    /// A table like [`Ui::table`]'s without a header: the later chunks of a
    /// streamed listing.
    pub fn headless_table(&self) -> Table {
        let mut table = Table::new();
        table
            .load_preset(presets::NOTHING)
            .set_content_arrangement(ContentArrangement::Dynamic);
        self.apply_style(&mut table);
        table
    }

    /// Fixes the widths of a table made by [`Ui::table`] from its rows so
    /// far: at a terminal (or with `COLUMNS`) it fits without wrapping, ids
    /// whole, long cells cut with `…`, columns dropped by `give` if need be;
    /// otherwise (a pipe, or `--wide`) nothing is cut. Returns the content
    /// width of each column (`None`: dropped), so that more rows can be laid
    /// out the same way ([`Ui::lay_out_as`]).
    pub fn lay_out(&self, table: &mut Table, give: &[Give]) -> Vec<Option<u16>> {
        let natural = table.column_max_content_widths();
        let headers: Vec<u16> = table
            .header()
            .map(|header| {
                header
                    .cell_iter()
                    .map(|cell| u16::try_from(cell.content().width()).unwrap_or(u16::MAX))
                    .collect()
            })
            .unwrap_or_default();
        let widths = match (self.style.width, self.style.wide) {
            (Some(width), false) => table_fit::fit(&natural, &headers, give, width),
            _ => natural.into_iter().map(Some).collect(),
        };
        self.lay_out_as(table, &widths);
        widths
    }

    /// Lays out `table` at widths an earlier [`Ui::lay_out`] chose, so that
    /// rows printed later line up with those printed before.
    pub fn lay_out_as(&self, table: &mut Table, widths: &[Option<u16>]) {
        if self.style.width.is_some() && !self.style.wide {
            table_fit::apply(table, widths);
        } else {
            let at_least: Vec<u16> = widths.iter().map(|w| w.unwrap_or(0)).collect();
            table_fit::apply_at_least(table, &at_least);
        }
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
            TokenStatus::Deactivated => cell.fg(Color::Magenta),
        }
    }

    fn apply_style(&self, table: &mut Table) {
        if self.style.color {
            table.enforce_styling();
        } else {
            table.force_no_tty();
        }
        match self.style.width {
            Some(width) => {
                table.set_width(width);
            }
            // Nothing to fit: lay out by content, never wrap.
            None => {
                table.set_content_arrangement(ContentArrangement::Disabled);
            }
        }
    }

    /// Writes a line to stdout, returning I/O errors (a closed pipe among them).
    pub fn print_line(&self, text: impl Display) -> std::io::Result<()> {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{text}")
    }

    /// Prints fields and their values as `print_table(fields(rows))` does,
    /// byte for byte, laid out here when there is nothing to fit or colour
    /// (output to a pipe or file, as a script reads `tokctl verify`):
    /// building the table cost a one-shot verify 0.14 M instructions, a
    /// twentieth of the whole process (docs/PERFORMANCE.md).
    pub fn print_fields(&self, rows: &[(&str, String)]) -> std::io::Result<()> {
        match self.plain_fields(rows) {
            Some(text) => self.print_line(text),
            None => self.print_table(self.fields(rows)),
        }
    }

    /// What `fields(rows)` prints, laid out directly; `None` when it must
    /// be fitted to a width or coloured, or a value spans lines.
    fn plain_fields(&self, rows: &[(&str, String)]) -> Option<String> {
        let plain = self.style.width.is_none()
            && !self.style.color
            && rows
                .iter()
                .all(|(field, value)| !field.contains('\n') && !value.contains('\n'));
        if !plain {
            return None;
        }
        // Each cell is padded by one space on either side and the first
        // column is as wide as its widest label; trailing spaces go.
        let labels: Vec<String> = rows.iter().map(|(field, _)| format!("{field}:")).collect();
        let width = labels.iter().map(|label| label.width()).max().unwrap_or(0);
        let mut out = String::new();
        for (index, (label, (_, value))) in labels.iter().zip(rows).enumerate() {
            if index > 0 {
                out.push('\n');
            }
            let fill = width - label.width();
            let line = format!(" {label}{:fill$}  {value}", "");
            out.push_str(line.trim_end());
        }
        Some(out)
    }

    /// Prints a table without the trailing spaces comfy-table pads cells
    /// with. A table with a header (a listing) is first fitted to the
    /// terminal ([`Ui::lay_out`]); one without (fields and values) wraps
    /// long values instead, since it is there to be read in full.
    pub fn print_table(&self, mut table: Table) -> std::io::Result<()> {
        if let Some(header) = table.header() {
            let headers: Vec<String> = header.cell_iter().map(|c| c.content()).collect();
            self.lay_out(&mut table, &table_fit::default_give(&headers));
        }
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

/// The terminal's width in columns, if stdout is one and says.
#[cfg(unix)]
fn terminal_width() -> Option<u16> {
    let size = rustix::termios::tcgetwinsize(std::io::stdout()).ok()?;
    (size.ws_col > 0).then_some(size.ws_col)
}

#[cfg(not(unix))]
fn terminal_width() -> Option<u16> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `print_fields` lays fields out itself when output is plain; it must
    /// print exactly what the table it replaces printed.
    #[test]
    fn plain_fields_are_the_table_byte_for_byte() {
        let ui = Ui::with_style(Style {
            color: false,
            quiet: false,
            width: None,
            wide: false,
            progress: false,
            stderr_color: false,
        });
        let cases: Vec<Vec<(&str, String)>> = vec![
            vec![
                ("valid", "yes".into()),
                ("id", "XCid2kASGxI".into()),
                ("name", "デプロイ-bot".into()),
                ("owner", "- (org token)".into()),
                ("expires", "never".into()),
                (
                    "secret",
                    "an old one, working until 2026-12-01T10:00:00Z".into(),
                ),
            ],
            vec![("x", String::new()), ("longer label", "  padded  ".into())],
            vec![("only", "one".into())],
            vec![],
        ];
        for rows in cases {
            assert_eq!(
                ui.plain_fields(&rows).unwrap(),
                ui.fields(&rows).trim_fmt(),
                "{rows:?}"
            );
        }
        let wrapped = [("a", "two\nlines".to_owned())];
        assert_eq!(ui.plain_fields(&wrapped), None);
    }
}
