//! Listings that stream: the `Row` trait (one row as a table row, a JSON
//! object, a CSV record) and `RowWriter`, which writes rows in any list
//! format as they come, so a listing of any size runs in bounded memory.

use std::io::Write;

use comfy_table::{Cell, Table};

use super::ui::Ui;
use crate::cli::args::ListFormat;

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
