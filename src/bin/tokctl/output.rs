//! Rendering: tables for people, stable JSON for scripts (docs/json.md).

pub mod outcomes;
pub mod ui;

use std::io::Write;

use chrono::SecondsFormat;
use comfy_table::{Cell, Table};
use serde::Serialize;
use tokctl::clock::Timestamp;
use tokctl::model::Token;

use self::ui::{Style, Ui};
use crate::cli::args::ListFormat;

/// The JSON form of a token. Field names and meanings are a stable contract.
#[derive(Debug, Serialize)]
pub struct TokenJson<'a> {
    pub id: String,
    pub kind: &'a str,
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub org: &'a str,
    pub owner: Option<&'a str>,
    pub scopes: Vec<String>,
    pub status: &'a str,
    pub created_at: String,
    pub created_by: &'a str,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub use_count: u64,
    pub revoked_at: Option<String>,
    pub revoked_by: Option<&'a str>,
    pub revoke_reason: Option<&'a str>,
}

impl<'a> TokenJson<'a> {
    pub fn new(token: &'a Token, now: Timestamp) -> Self {
        TokenJson {
            id: token.id.to_string(),
            kind: token.kind.as_str(),
            name: &token.name,
            description: token.description.as_deref(),
            org: &token.org,
            owner: token.owner.as_deref(),
            scopes: token.scopes.to_strings(),
            status: token.status(now).as_str(),
            created_at: rfc3339(token.created_at),
            created_by: &token.created_by,
            expires_at: token.expires_at.map(rfc3339),
            last_used_at: token.last_used_at.map(rfc3339),
            use_count: token.use_count,
            revoked_at: token.revoked_at.map(rfc3339),
            revoked_by: token.revoked_by.as_deref(),
            revoke_reason: token.revoke_reason.as_deref(),
        }
    }
}

/// RFC 3339 in UTC with a `Z`, whole seconds: the one time format in JSON.
pub fn rfc3339(at: Timestamp) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A time relative to now, for people: "3 days ago", "in 2 months".
pub fn relative(at: Option<Timestamp>, now: Timestamp, none: &str) -> String {
    const MINUTE: u64 = 60;
    const HOUR: u64 = 60 * MINUTE;
    const DAY: u64 = 24 * HOUR;
    const MONTH: u64 = 30 * DAY;
    const YEAR: u64 = 365 * DAY;
    let Some(at) = at else {
        return none.to_owned();
    };
    let seconds = (at - now).num_seconds();
    let distance = seconds.unsigned_abs();
    let (amount, unit) = match distance {
        0..MINUTE => {
            return if seconds > 0 {
                "in a moment".into()
            } else {
                "just now".into()
            }
        }
        MINUTE..HOUR => (distance / MINUTE, "minute"),
        HOUR..DAY => (distance / HOUR, "hour"),
        DAY..MONTH => (distance / DAY, "day"),
        MONTH..YEAR => (distance / MONTH, "month"),
        _ => (distance / YEAR, "year"),
    };
    let plural = if amount == 1 { "" } else { "s" };
    if seconds > 0 {
        format!("in {amount} {unit}{plural}")
    } else {
        format!("{amount} {unit}{plural} ago")
    }
}

/// The columns of a token listing.
pub const TOKEN_COLUMNS: &[&str] = &[
    "id",
    "name",
    "kind",
    "org",
    "owner",
    "scopes",
    "status",
    "expires",
    "last used",
];

/// One row of a token listing; times relative to now.
pub fn token_row(ui: &Ui, token: &Token, now: Timestamp) -> Vec<Cell> {
    vec![
        Cell::new(token.id),
        Cell::new(&token.name),
        Cell::new(token.kind.as_str()),
        Cell::new(&token.org),
        Cell::new(token.owner.as_deref().unwrap_or("-")),
        Cell::new(&token.scopes),
        ui.status_cell(token.status(now)),
        Cell::new(relative(token.expires_at, now, "never")),
        Cell::new(relative(token.last_used_at, now, "never")),
    ]
}

/// An exact time and how long ago or ahead it is: "2027-02-20T10:00:00Z (in 2 months)".
pub fn with_relative(at: Option<Timestamp>, now: Timestamp) -> String {
    at.map_or_else(
        || "never".into(),
        |at| format!("{} ({})", rfc3339(at), relative(Some(at), now, "")),
    )
}

/// Every field of one token, for `show`.
pub fn token_fields(ui: &Ui, token: &Token, now: Timestamp) -> Table {
    let mut rows = vec![
        ("id", token.id.to_string()),
        ("name", token.name.clone()),
        ("kind", token.kind.as_str().to_owned()),
        ("org", token.org.clone()),
        (
            "owner",
            token
                .owner
                .clone()
                .unwrap_or_else(|| "- (org token)".into()),
        ),
        ("scopes", token.scopes.to_string()),
        ("status", token.status(now).as_str().to_owned()),
        (
            "created",
            format!(
                "{} by {}",
                with_relative(Some(token.created_at), now),
                token.created_by
            ),
        ),
        ("expires", with_relative(token.expires_at, now)),
        ("last used", with_relative(token.last_used_at, now)),
        ("uses", token.use_count.to_string()),
    ];
    if let Some(description) = &token.description {
        rows.insert(2, ("description", description.clone()));
    }
    if let Some(at) = token.revoked_at {
        let by = token.revoked_by.as_deref().unwrap_or("?");
        rows.push(("revoked", format!("{} by {by}", rfc3339(at))));
        if let Some(reason) = &token.revoke_reason {
            rows.push(("reason", reason.clone()));
        }
    }
    ui.fields(&rows)
}

/// Hourly uses folded into one row per UTC day: uses, hours with uses, the last such hour.
pub fn uses_per_day(ui: &Ui, hours: &[tokctl::store::UsagePeriod]) -> Table {
    let mut days = ui.table(&["day (UTC)", "uses", "hours used", "last hour"]);
    for same_day in hours.chunk_by(|a, b| a.start.date_naive() == b.start.date_naive()) {
        let uses: u64 = same_day.iter().map(|hour| hour.uses).sum();
        let last_hour = same_day
            .last()
            .map_or_else(String::new, |hour| hour.start.format("%H:00").to_string());
        days.add_row(vec![
            same_day[0].start.date_naive().to_string(),
            uses.to_string(),
            same_day.len().to_string(),
            last_hour,
        ]);
    }
    days
}

/// What to do about a keyring that failed, for the note after a warning.
pub fn keyring_advice(error: &tokctl::keyring::KeyringError) -> &'static str {
    use tokctl::keyring::KeyringError;
    match error {
        KeyringError::Locked => {
            "unlock the keyring collection (with your desktop's keyring, or gnome-keyring-daemon --unlock); \
             'tokctl doctor' then shows which entries are out of step"
        }
        KeyringError::Unavailable(_) => {
            "no Secret Service is running (usual on servers and in cron): --keyring off skips the keyring; \
             'tokctl doctor' shows which entries are out of step once one is reachable"
        }
        _ => "'tokctl doctor' shows which entries are out of step",
    }
}

/// Something a listing prints: one row of a table, one JSON object, one CSV record.
pub trait Row {
    /// Table header.
    const TABLE_COLUMNS: &'static [&'static str];
    /// CSV header (the JSON field names).
    const CSV_COLUMNS: &'static [&'static str];
    /// The table cells, as `ui` shows them (a status in colour, say).
    fn table_row(&self, ui: &Ui) -> Vec<Cell>;
    /// The JSON object.
    fn write_json(&self, out: &mut dyn Write) -> serde_json::Result<()>;
    /// The CSV fields, in `CSV_COLUMNS` order.
    fn csv_record(&self) -> Vec<String>;
}

/// A token as of a point in time (its status depends on when).
pub struct TokenAt<'a>(pub &'a Token, pub Timestamp);

impl Row for TokenAt<'_> {
    const TABLE_COLUMNS: &'static [&'static str] = TOKEN_COLUMNS;
    const CSV_COLUMNS: &'static [&'static str] = &[
        "id",
        "kind",
        "name",
        "description",
        "org",
        "owner",
        "scopes",
        "status",
        "created_at",
        "created_by",
        "expires_at",
        "last_used_at",
        "use_count",
        "revoked_at",
        "revoked_by",
        "revoke_reason",
    ];

    fn table_row(&self, ui: &Ui) -> Vec<Cell> {
        token_row(ui, self.0, self.1)
    }

    fn write_json(&self, out: &mut dyn Write) -> serde_json::Result<()> {
        serde_json::to_writer(out, &TokenJson::new(self.0, self.1))
    }

    fn csv_record(&self) -> Vec<String> {
        let json = TokenJson::new(self.0, self.1);
        let text = |value: Option<&str>| value.unwrap_or("").to_owned();
        vec![
            json.id.clone(),
            json.kind.to_owned(),
            json.name.to_owned(),
            text(json.description),
            json.org.to_owned(),
            text(json.owner),
            json.scopes.join(" "),
            json.status.to_owned(),
            json.created_at.clone(),
            json.created_by.to_owned(),
            json.expires_at.clone().unwrap_or_default(),
            json.last_used_at.clone().unwrap_or_default(),
            json.use_count.to_string(),
            json.revoked_at.clone().unwrap_or_default(),
            text(json.revoked_by),
            text(json.revoke_reason),
        ]
    }
}

/// Writes rows in any list format as they come. JSON, JSON Lines and CSV
/// stream. A table is laid out by comfy-table while it is small; past
/// [`TABLE_BUFFER_ROWS`] the column widths are fixed from the rows so far and
/// the rest stream out, so a million-row table needs no more memory than a
/// thousand-row one.
pub struct RowWriter<'ui> {
    ui: &'ui Ui,
    format: ListFormat,
    out: Sink,
    table: Option<Table>,
    streaming_widths: Option<Vec<usize>>,
    count: usize,
}

/// Rows a table holds in memory before it switches to streaming.
const TABLE_BUFFER_ROWS: usize = 1_000;
/// Widest a streamed column is laid out; longer cells overflow.
const STREAMED_COLUMN_MAX: usize = 40;

type Stdout = std::io::BufWriter<std::io::StdoutLock<'static>>;

enum Sink {
    Plain(Stdout),
    Csv(Box<csv::Writer<Stdout>>),
}

impl<'ui> RowWriter<'ui> {
    /// A writer for rows of type `R` (which gives the headers), shown as `ui` says.
    pub fn new<R: Row>(ui: &'ui Ui, format: ListFormat) -> anyhow::Result<Self> {
        let stdout = std::io::BufWriter::new(std::io::stdout().lock());
        let mut out = match format {
            ListFormat::Csv => {
                let mut csv = csv::Writer::from_writer(stdout);
                csv.write_record(R::CSV_COLUMNS)?;
                Sink::Csv(Box::new(csv))
            }
            _ => Sink::Plain(stdout),
        };
        if let (ListFormat::Json, Sink::Plain(out)) = (format, &mut out) {
            out.write_all(b"[")?;
        }
        Ok(RowWriter {
            ui,
            format,
            out,
            table: (format == ListFormat::Table).then(|| ui.table(R::TABLE_COLUMNS)),
            streaming_widths: None,
            count: 0,
        })
    }

    /// Writes one row.
    pub fn write(&mut self, row: &impl Row) -> anyhow::Result<()> {
        let first = self.count == 0;
        self.count += 1;
        if let (Some(widths), Sink::Plain(out)) = (&self.streaming_widths, &mut self.out) {
            let cells: Vec<String> = row.table_row(self.ui).iter().map(Cell::content).collect();
            writeln!(out, "{}", padded_line(&cells, widths))?;
            return Ok(());
        }
        if let Some(table) = self.table.as_mut() {
            table.add_row(row.table_row(self.ui));
            if self.count > TABLE_BUFFER_ROWS {
                self.start_streaming()?;
            }
            return Ok(());
        }
        match &mut self.out {
            Sink::Plain(out) => {
                if self.format == ListFormat::Json {
                    out.write_all(if first { b"\n  " } else { b",\n  " })?;
                    row.write_json(out)?;
                } else {
                    row.write_json(out)?;
                    out.write_all(b"\n")?;
                }
            }
            Sink::Csv(csv) => csv.write_record(row.csv_record())?,
        }
        Ok(())
    }

    /// Prints the buffered rows with widths fixed from them, and streams from now on.
    fn start_streaming(&mut self) -> anyhow::Result<()> {
        let Some(table) = self.table.take() else {
            return Ok(());
        };
        let Sink::Plain(out) = &mut self.out else {
            return Ok(());
        };
        let rows: Vec<Vec<String>> = table
            .header()
            .into_iter()
            .chain(table.row_iter())
            .map(|row| row.cell_iter().map(Cell::content).collect())
            .collect();
        let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|column| {
                rows.iter()
                    .filter_map(|row| row.get(column))
                    .map(|cell| cell.chars().count())
                    .max()
                    .unwrap_or(0)
                    .min(STREAMED_COLUMN_MAX)
            })
            .collect();
        for row in &rows {
            writeln!(out, "{}", padded_line(row, &widths))?;
        }
        self.streaming_widths = Some(widths);
        Ok(())
    }

    /// Closes the output; returns how many rows were written.
    pub fn finish(self) -> anyhow::Result<usize> {
        match self.out {
            Sink::Csv(mut csv) => csv.flush()?,
            Sink::Plain(mut out) => {
                match (&self.table, self.format) {
                    (Some(table), _) if self.count > 0 => writeln!(out, "{}", table.trim_fmt())?,
                    (_, ListFormat::Json) => {
                        out.write_all(if self.count == 0 { b"]\n" } else { b"\n]\n" })?
                    }
                    _ => {}
                }
                out.flush()?;
            }
        }
        Ok(self.count)
    }
}

/// One streamed table line, laid out like comfy-table's borderless preset.
fn padded_line(cells: &[String], widths: &[usize]) -> String {
    let mut line = String::new();
    for (cell, width) in cells.iter().zip(widths) {
        line.push(' ');
        line.push_str(cell);
        let pad = width.saturating_sub(cell.chars().count()) + 1;
        line.extend(std::iter::repeat_n(' ', pad));
    }
    line.trim_end().to_owned()
}

/// Writes tokens as of `now`.
pub struct TokenWriter<'ui> {
    rows: RowWriter<'ui>,
    now: Timestamp,
}

impl<'ui> TokenWriter<'ui> {
    /// A writer of token rows in `format`, statuses as of `now`.
    pub fn new(ui: &'ui Ui, format: ListFormat, now: Timestamp) -> anyhow::Result<Self> {
        Ok(TokenWriter {
            rows: RowWriter::new::<TokenAt<'_>>(ui, format)?,
            now,
        })
    }

    /// Writes one token.
    pub fn write(&mut self, token: &Token) -> anyhow::Result<()> {
        self.rows.write(&TokenAt(token, self.now))
    }

    /// Closes the output; returns how many tokens were written.
    pub fn finish(self) -> anyhow::Result<usize> {
        self.rows.finish()
    }
}

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

#[cfg(test)]
mod tests {
    use super::relative;
    use tokctl::duration::parse_time;

    #[test]
    fn relative_times_read_naturally_both_ways() {
        let now = parse_time("2026-11-22T10:00:00Z").unwrap();
        let at = |text: &str| Some(parse_time(text).unwrap());
        assert_eq!(relative(None, now, "never"), "never");
        assert_eq!(relative(at("2026-11-22T09:59:30Z"), now, ""), "just now");
        assert_eq!(
            relative(at("2026-11-22T09:59:00Z"), now, ""),
            "1 minute ago"
        );
        assert_eq!(relative(at("2026-11-22T13:00:00Z"), now, ""), "in 3 hours");
        assert_eq!(relative(at("2026-11-19T10:00:00Z"), now, ""), "3 days ago");
        assert_eq!(relative(at("2027-02-20T10:00:00Z"), now, ""), "in 3 months");
        assert_eq!(relative(at("2024-11-01T10:00:00Z"), now, ""), "2 years ago");
    }
}
