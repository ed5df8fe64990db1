//! Listings that stream: the `Row` trait (one row as a table row, a JSON
//! object, a CSV record) and `RowWriter`, which writes rows in any list
//! format as they come, so a listing of any size runs in bounded memory.

use std::io::Write;

use comfy_table::{Cell, Table};

use super::table_fit::{default_give, Give};
use super::ui::Ui;
use crate::cli::args::ListFormat;

/// Something a listing prints: one row of a table, one JSON object, one CSV record.
pub trait Row {
    /// Table header.
    const TABLE_COLUMNS: &'static [&'static str];
    /// How each table column gives way at a narrow terminal (empty: by
    /// [`default_give`]: ids never, later columns first).
    const TABLE_GIVE: &'static [Give] = &[];
    /// CSV header (the JSON field names).
    const CSV_COLUMNS: &'static [&'static str];
    /// The table cells, as `ui` shows them (a status in colour, say).
    fn table_row(&self, ui: &Ui) -> Vec<Cell>;
    /// The JSON object.
    fn write_json(&self, out: &mut dyn Write) -> serde_json::Result<()>;
    /// The CSV fields, in `CSV_COLUMNS` order.
    fn csv_record(&self) -> Vec<String>;
}

/// Writes rows in any list format as they come. JSON, JSON Lines and CSV
/// stream. A table is held while it is small and laid out from all its
/// rows; past [`TABLE_BUFFER_ROWS`] the column widths are fixed from the
/// rows so far and the rest go out in chunks laid out at the same widths
/// (cut to them at a terminal), with colour, so a million-row table needs
/// no more memory than a thousand-row one.
pub struct RowWriter<'ui> {
    ui: &'ui Ui,
    format: ListFormat,
    out: Sink,
    table: Option<Table>,
    give: Vec<Give>,
    /// Once streaming: the widths every chunk is laid out at.
    streaming_widths: Option<Vec<Option<u16>>>,
    count: usize,
}

/// Rows a table holds in memory before it switches to streaming.
const TABLE_BUFFER_ROWS: usize = 1_000;
/// Rows of a streamed table laid out and written at a time.
const STREAMED_CHUNK_ROWS: usize = 256;

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
                // RFC 4180: records end in CRLF.
                let mut csv = csv::WriterBuilder::new()
                    .terminator(csv::Terminator::CRLF)
                    .from_writer(stdout);
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
            give: if R::TABLE_GIVE.is_empty() {
                let headers: Vec<String> =
                    R::TABLE_COLUMNS.iter().map(|h| (*h).to_owned()).collect();
                default_give(&headers)
            } else {
                R::TABLE_GIVE.to_vec()
            },
            streaming_widths: None,
            count: 0,
        })
    }

    /// Writes one row.
    pub fn write(&mut self, row: &impl Row) -> anyhow::Result<()> {
        let first = self.count == 0;
        self.count += 1;
        if let Some(table) = self.table.as_mut() {
            table.add_row(row.table_row(self.ui));
            if self.streaming_widths.is_some() {
                if table.row_count() >= STREAMED_CHUNK_ROWS {
                    self.write_chunk()?;
                }
            } else if self.count > TABLE_BUFFER_ROWS {
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
            Sink::Csv(csv) => csv.write_record(
                row.csv_record()
                    .iter()
                    .map(|cell| inert_cell(cell).into_owned()),
            )?,
        }
        Ok(())
    }

    /// Prints the buffered rows with widths fixed from them, and streams from now on.
    fn start_streaming(&mut self) -> anyhow::Result<()> {
        let (Some(table), Sink::Plain(out)) = (self.table.as_mut(), &mut self.out) else {
            return Ok(());
        };
        let widths = self.ui.lay_out(table, &self.give);
        writeln!(out, "{}", table.trim_fmt())?;
        // Later chunks: no header, the same widths.
        self.table = Some(self.ui.headless_table());
        self.streaming_widths = Some(widths);
        Ok(())
    }

    /// Writes the rows held since the last chunk, at the streaming widths.
    fn write_chunk(&mut self) -> anyhow::Result<()> {
        let (Some(table), Some(widths), Sink::Plain(out)) =
            (self.table.as_mut(), &self.streaming_widths, &mut self.out)
        else {
            return Ok(());
        };
        if table.row_count() == 0 {
            return Ok(());
        }
        self.ui.lay_out_as(table, widths);
        writeln!(out, "{}", table.trim_fmt())?;
        *table = self.ui.headless_table();
        Ok(())
    }

    /// Closes the output; returns how many rows were written.
    pub fn finish(mut self) -> anyhow::Result<usize> {
        if self.streaming_widths.is_some() {
            self.write_chunk()?;
            self.table = None;
        } else if let Some(table) = self.table.as_mut() {
            self.ui.lay_out(table, &self.give);
        }
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

/// A CSV cell a spreadsheet will not run: one starting with `=`, `+`, `-`,
/// `@` (or a tab or carriage return, which some strip first) would be read
/// as a formula, so it gets a leading `'`, the spreadsheet's own mark for
/// "text". Names, descriptions, reasons and audit details are user text.
pub fn inert_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::inert_cell;

    #[test]
    fn cells_a_spreadsheet_would_run_are_marked_as_text() {
        for formula in ["=1+1", "+1", "-2", "@SUM(A1)", "\t=x", "\r=x"] {
            assert_eq!(inert_cell(formula), format!("'{formula}"));
        }
        for plain in ["deploy", "", "2026-11-22T10:00:00Z", "a=b", "'quoted"] {
            assert_eq!(inert_cell(plain), plain);
        }
    }
}
