//! Rendering, by job: `ui` (stderr messages, tables, printing to stdout),
//! `time_format`, `token_rows` (a token as JSON, a row, fields),
//! `row_writer` (streamed listings: table, JSON, JSON Lines, CSV), and
//! `outcomes` (what commands that change tokens say about it). Stable JSON
//! shapes are documented in docs/json.md.
//!
//! The free functions in this file are for the two files not yet handed a
//! `Ui` (`commands/verify.rs` and `input.rs`); they go when those do.

pub mod outcomes;
pub mod row_writer;
pub mod secret_print;
pub mod time_format;
pub mod token_rows;
pub mod ui;

use comfy_table::Table;
use serde::Serialize;

pub use self::time_format::rfc3339;
use self::ui::{Style, Ui};

/// The settings of the process's [`Ui`], for the free functions below.
static LEGACY_STYLE: std::sync::OnceLock<Style> = std::sync::OnceLock::new();

/// Gives the free functions below the settings of the process's `Ui`; the
/// dispatcher calls it once, right after making the `Ui`.
pub fn install_legacy_style(ui: &Ui) {
    let _ = LEGACY_STYLE.set(ui.style());
}

/// A `Ui` with the process's settings, for code that is not handed one:
/// `commands/verify.rs` and `input.rs`, which call the free functions below.
/// When they take a `&Ui` instead, these functions and the static go.
fn legacy_ui() -> Ui {
    Ui::with_style(LEGACY_STYLE.get().copied().unwrap_or_default())
}

/// [`Ui::note`] for code not handed a `Ui` (`input.rs`).
pub fn note(text: impl std::fmt::Display) {
    legacy_ui().note(text);
}

/// [`Ui::fields`] for code not handed a `Ui` (`commands/verify.rs`).
pub fn fields(rows: &[(&str, String)]) -> Table {
    legacy_ui().fields(rows)
}

/// [`Ui::print_table`] for code not handed a `Ui` (`commands/verify.rs`).
pub fn print_table(table: &Table) -> std::io::Result<()> {
    legacy_ui().print_table(table)
}

/// [`Ui::print_json`] for code not handed a `Ui` (`commands/verify.rs`).
pub fn print_json(value: &impl Serialize) -> anyhow::Result<()> {
    legacy_ui().print_json(value)
}
