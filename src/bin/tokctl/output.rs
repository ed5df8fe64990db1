//! Rendering, by job: `ui` (stderr messages, tables, printing to stdout),
//! `time_format`, `token_rows` (a token as JSON, a row, fields),
//! `row_writer` (streamed listings: table, JSON, JSON Lines, CSV), and
//! `outcomes` (what commands that change tokens say about it), `findings`
//! (what `scan` found: table, JSON, SARIF). Stable JSON
//! shapes are documented in docs/json.md.

pub mod findings;
pub mod outcomes;
pub mod row_writer;
pub mod secret_print;
pub mod table_fit;
pub mod time_format;
pub mod token_rows;
pub mod ui;
