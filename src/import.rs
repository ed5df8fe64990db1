//! Directory files for `user import`: CSV with a header row, or JSON Lines,
//! one user per row (`login`, `display_name`, `email`, `org`, `role`,
//! `service`). Parsed here, without touching a store: every row is checked
//! on its own and every bad row is reported with its line number, so a file
//! is fixed in one pass. What the rows would change is planned in
//! `ops::import`.

use std::collections::HashMap;
use std::io::Read;

use crate::error::{Error, Result, RowProblem};
use crate::model::{validate_display_name, validate_email, validate_name, Role};

/// The columns a directory file may have. `login` is the only one required.
pub const COLUMNS: &[&str] = &["login", "display_name", "email", "org", "role", "service"];

/// The longest login, as `user add` allows.
const MAX_LOGIN_CHARS: usize = 64;

/// How a directory file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectoryFormat {
    /// RFC 4180 CSV with a header row naming the columns.
    Csv,
    /// JSON Lines: one object per line, keys as the CSV columns.
    Jsonl,
}

/// One user as a directory file describes them. `None` means the file says
/// nothing about that field (the column is missing or the cell empty): an
/// existing user keeps what they have, a new one gets nothing (a person, no
/// membership).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryRow {
    /// The line the row starts on (the header is line 1 of a CSV file).
    pub line: u64,
    /// The login name.
    pub login: String,
    /// A display name.
    pub display_name: Option<String>,
    /// An e-mail address.
    pub email: Option<String>,
    /// An org the user belongs to.
    pub org: Option<String>,
    /// Their role there (with an org only; a new membership without one is `member`).
    pub role: Option<Role>,
    /// Whether the user is a service account.
    pub service: Option<bool>,
}

/// A directory file read: the good rows, and a problem for every bad one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedDirectory {
    /// The rows that are well formed, in file order.
    pub rows: Vec<DirectoryRow>,
    /// One problem per bad row (or the header), in line order.
    pub problems: Vec<RowProblem>,
}

/// Reads a whole directory file. Malformed rows, unknown roles, invalid
/// names or addresses and a login that appears twice become problems (the
/// later line of a duplicate); the other rows are kept. An unreadable
/// header, or a read that fails, is an error.
pub fn parse_directory(format: DirectoryFormat, input: impl Read) -> Result<ParsedDirectory> {
    let mut parsed = match format {
        DirectoryFormat::Csv => parse_csv(input)?,
        DirectoryFormat::Jsonl => parse_jsonl(input)?,
    };
    let mut first_line: HashMap<String, u64> = HashMap::new();
    let mut rows = Vec::with_capacity(parsed.rows.len());
    for row in std::mem::take(&mut parsed.rows) {
        match first_line.get(&row.login) {
            Some(first) => parsed.problems.push(RowProblem {
                line: row.line,
                message: format!(
                    "login '{}' is also on line {first}: one row per user",
                    row.login
                ),
            }),
            None => {
                first_line.insert(row.login.clone(), row.line);
                rows.push(row);
            }
        }
    }
    parsed.rows = rows;
    parsed.problems.sort_by_key(|problem| problem.line);
    Ok(parsed)
}

/// The text fields of one row before they are checked.
#[derive(Debug, Default)]
struct RawRow {
    login: Option<String>,
    display_name: Option<String>,
    email: Option<String>,
    org: Option<String>,
    role: Option<String>,
    service: Option<String>,
}

impl RawRow {
    fn set(&mut self, column: &str, value: String) {
        let value = Some(value).filter(|value| !value.is_empty());
        match column {
            "login" => self.login = value,
            "display_name" => self.display_name = value,
            "email" => self.email = value,
            "org" => self.org = value,
            "role" => self.role = value,
            _ => self.service = value,
        }
    }

    /// The row, or why it is bad (the first problem found).
    fn check(self, line: u64) -> std::result::Result<DirectoryRow, String> {
        let message = |err: Error| err.to_string();
        let login = self.login.ok_or("no login")?;
        validate_name("login", &login, MAX_LOGIN_CHARS).map_err(message)?;
        if let Some(name) = &self.display_name {
            validate_display_name(name).map_err(message)?;
        }
        if let Some(email) = &self.email {
            validate_email(email).map_err(message)?;
        }
        if let Some(org) = &self.org {
            validate_name("org name", org, MAX_LOGIN_CHARS).map_err(message)?;
        }
        let role = match &self.role {
            Some(role) => Some(role.parse::<Role>().map_err(message)?),
            None => None,
        };
        if role.is_some() && self.org.is_none() {
            return Err("a role needs an org".into());
        }
        let service = match self.service.as_deref() {
            None => None,
            Some(text) => Some(parse_flag(text).ok_or_else(|| {
                format!(
                    "invalid service '{}': expected true or false",
                    crate::error::quote_for_message(text)
                )
            })?),
        };
        Ok(DirectoryRow {
            line,
            login,
            display_name: self.display_name,
            email: self.email,
            org: self.org,
            role,
            service,
        })
    }
}

/// A yes-or-no cell as spreadsheets and scripts write one.
fn parse_flag(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Some(true),
        "false" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

fn read_failed(err: impl std::fmt::Display) -> Error {
    Error::request(
        format!("cannot read the directory file: {err}"),
        crate::error::RequestProblem::Other,
    )
}

/// The input without the UTF-8 byte order mark that spreadsheet programs
/// put before a CSV export (it would stick to the first column's name).
fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Line numbers from byte offsets. The csv crate's own line count skips
/// blank lines and miscounts CRLF files, so the line of a record is found
/// from where its reading started instead: past the line ends before it,
/// counting every `\n` up to its first byte.
struct Lines<'a> {
    bytes: &'a [u8],
}

impl Lines<'_> {
    fn of(&self, position: &csv::Position) -> u64 {
        let start = usize::try_from(position.byte())
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        let first = self.bytes[start..]
            .iter()
            .position(|byte| *byte != b'\r' && *byte != b'\n')
            .map_or(self.bytes.len(), |skip| start + skip);
        1 + self.bytes[..first]
            .iter()
            .filter(|byte| **byte == b'\n')
            .count() as u64
    }
}

fn parse_csv(mut input: impl Read) -> Result<ParsedDirectory> {
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes).map_err(read_failed)?;
    let bytes = without_bom(&bytes);
    let lines = Lines { bytes };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let mut parsed = ParsedDirectory::default();
    let mut records = reader.records();
    let header = match records.next() {
        None => return Ok(parsed),
        Some(Ok(header)) => header,
        Some(Err(err)) => {
            parsed.problems.push(RowProblem {
                line: 1,
                message: format!("the header row cannot be read: {}", csv_reason(&err)),
            });
            return Ok(parsed);
        }
    };
    let columns = match header_columns(header.iter()) {
        Ok(columns) => columns,
        Err(message) => {
            parsed.problems.push(RowProblem { line: 1, message });
            return Ok(parsed);
        }
    };
    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                let Some(line) = err.position().map(|position| lines.of(position)) else {
                    return Err(read_failed(err));
                };
                parsed.problems.push(RowProblem {
                    line,
                    message: format!("malformed row: {}", csv_reason(&err)),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |position| lines.of(position));
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != columns.len() {
            parsed.problems.push(RowProblem {
                line,
                message: format!(
                    "malformed row: {} field(s) where the header has {}",
                    record.len(),
                    columns.len()
                ),
            });
            continue;
        }
        let mut raw = RawRow::default();
        for (column, value) in columns.iter().zip(record.iter()) {
            raw.set(column, value.to_owned());
        }
        match raw.check(line) {
            Ok(row) => parsed.rows.push(row),
            Err(message) => parsed.problems.push(RowProblem { line, message }),
        }
    }
    Ok(parsed)
}

/// What a CSV error says about the row, without the position (the caller
/// gives the line).
fn csv_reason(err: &csv::Error) -> String {
    match err.kind() {
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_owned(),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} field(s) where the header has {expected_len}"),
        _ => err.to_string(),
    }
}

/// The header's column names (trimmed, any case), each known and once,
/// `login` among them.
fn header_columns<'a>(
    names: impl Iterator<Item = &'a str>,
) -> std::result::Result<Vec<&'static str>, String> {
    let mut columns = Vec::new();
    for name in names {
        let lower = name.trim().to_ascii_lowercase();
        let Some(column) = COLUMNS.iter().find(|column| **column == lower) else {
            return Err(format!(
                "unknown column '{}' in the header; expected {}",
                crate::error::quote_for_message(name),
                COLUMNS.join(", ")
            ));
        };
        if columns.contains(column) {
            return Err(format!("column '{column}' appears twice in the header"));
        }
        columns.push(*column);
    }
    if !columns.contains(&"login") {
        return Err(format!(
            "the header has no login column; the columns are {}",
            COLUMNS.join(", ")
        ));
    }
    Ok(columns)
}

fn parse_jsonl(mut input: impl Read) -> Result<ParsedDirectory> {
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes).map_err(read_failed)?;
    let mut parsed = ParsedDirectory::default();
    for (index, line) in without_bom(&bytes).split(|byte| *byte == b'\n').enumerate() {
        let line_no = index as u64 + 1;
        let text = match std::str::from_utf8(line) {
            Ok(text) => text.trim(),
            Err(_) => {
                parsed.problems.push(RowProblem {
                    line: line_no,
                    message: "malformed row: not valid UTF-8".into(),
                });
                continue;
            }
        };
        if text.is_empty() {
            continue;
        }
        match jsonl_row(text) {
            Ok(raw) => match raw.check(line_no) {
                Ok(row) => parsed.rows.push(row),
                Err(message) => parsed.problems.push(RowProblem {
                    line: line_no,
                    message,
                }),
            },
            Err(message) => parsed.problems.push(RowProblem {
                line: line_no,
                message,
            }),
        }
    }
    Ok(parsed)
}

/// One JSON line's fields: an object whose keys are known columns, with
/// string values (`service` may be a boolean; `null` means not given).
fn jsonl_row(text: &str) -> std::result::Result<RawRow, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|err| format!("malformed row: not JSON ({err})"))?;
    let serde_json::Value::Object(object) = value else {
        return Err("malformed row: expected a JSON object".into());
    };
    let mut raw = RawRow::default();
    for (key, value) in object {
        let Some(column) = COLUMNS.iter().find(|column| **column == key) else {
            return Err(format!(
                "unknown key '{}'; expected {}",
                crate::error::quote_for_message(&key),
                COLUMNS.join(", ")
            ));
        };
        let text = match value {
            serde_json::Value::Null => continue,
            serde_json::Value::String(text) => text.trim().to_owned(),
            serde_json::Value::Bool(flag) if *column == "service" => flag.to_string(),
            _ => return Err(format!("'{column}' must be a string")),
        };
        raw.set(column, text);
    }
    Ok(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &str) -> ParsedDirectory {
        parse_directory(DirectoryFormat::Csv, text.as_bytes()).unwrap()
    }

    fn lines(parsed: &ParsedDirectory) -> Vec<u64> {
        parsed.problems.iter().map(|problem| problem.line).collect()
    }

    #[test]
    fn csv_rows_keep_their_line_numbers_and_empty_cells_say_nothing() {
        let parsed = csv("login,display_name,email,org,role,service\n\
             alice,Alice Liddell,alice@example.com,acme,admin,no\n\
             \n\
             \"bot, the\",,,acme,,yes\n");
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert_eq!(parsed.rows.len(), 2);
        assert_eq!(parsed.rows[0].line, 2);
        assert_eq!(parsed.rows[0].role, Some(Role::Admin));
        assert_eq!(parsed.rows[0].service, Some(false));
        assert_eq!(parsed.rows[1].line, 4);
        assert_eq!(parsed.rows[1].login, "bot, the");
        assert_eq!(parsed.rows[1].display_name, None);
        assert_eq!(parsed.rows[1].role, None);
        assert_eq!(parsed.rows[1].service, Some(true));
    }

    #[test]
    fn every_bad_csv_row_is_reported_and_the_good_ones_kept() {
        let parsed = csv("login,org,role\n\
             ok1,acme,member\n\
             bad-role,acme,boss\n\
             too,many,fields,here\n\
             ,acme,member\n\
             no-org,,admin\n\
             ok1,acme,admin\n\
             ok2,,\n");
        assert_eq!(lines(&parsed), [3, 4, 5, 6, 7]);
        assert!(parsed.problems[0].message.contains("boss"));
        assert!(parsed.problems[1].message.contains("malformed"));
        assert!(parsed.problems[2].message.contains("no login"));
        assert!(parsed.problems[3].message.contains("needs an org"));
        assert!(parsed.problems[4].message.contains("also on line 2"));
        let logins: Vec<&str> = parsed.rows.iter().map(|row| row.login.as_str()).collect();
        assert_eq!(logins, ["ok1", "ok2"]);
    }

    #[test]
    fn a_bad_header_is_line_one() {
        for header in [
            "name,org\nx,y\n",
            "login,login\n",
            "org,role\nacme,member\n",
        ] {
            let parsed = csv(header);
            assert_eq!(lines(&parsed), [1], "{header}");
            assert!(parsed.rows.is_empty());
        }
        // A spreadsheet's byte order mark is not part of the first column.
        assert!(csv("\u{feff}login\nbob\n").problems.is_empty());
        // Any case and spacing in the header.
        assert!(csv(" Login , EMAIL \nbob,bob@example.com\n")
            .problems
            .is_empty());
    }

    #[test]
    fn line_numbers_count_blank_lines_and_crlf() {
        for text in [
            "login\r\nalice\r\n\r\n\r\n-bad\r\n",
            "login\n\nalice\n\n\n-bad\n",
        ] {
            let parsed = csv(text);
            let expected = if text.contains('\r') { [2, 5] } else { [3, 6] };
            assert_eq!(parsed.rows[0].line, expected[0], "{text:?}");
            assert_eq!(lines(&parsed), [expected[1]], "{text:?}");
        }
    }

    #[test]
    fn a_multi_line_csv_cell_counts_from_its_first_line() {
        let parsed = csv("login,display_name\n\"a\",\"two\nlines\"\nb,x\n");
        assert_eq!(lines(&parsed), [2]);
        assert_eq!(parsed.rows[0].line, 4);
    }

    #[test]
    fn jsonl_rows_are_objects_with_known_keys() {
        let text = "{\"login\":\"alice\",\"org\":\"acme\",\"role\":\"owner\",\"service\":false}\n\
             \n\
             [1,2]\n\
             {\"login\":\"bob\",\"colour\":\"red\"}\n\
             {\"login\":\"carol\",\"email\":\"not-an-address\"}\n\
             not json\n\
             {\"login\":\"dave\",\"display_name\":null,\"service\":\"yes\"}\n";
        let parsed = parse_directory(DirectoryFormat::Jsonl, text.as_bytes()).unwrap();
        assert_eq!(lines(&parsed), [3, 4, 5, 6]);
        assert_eq!(parsed.rows.len(), 2);
        assert_eq!(parsed.rows[0].role, Some(Role::Owner));
        assert_eq!(parsed.rows[1].line, 7);
        assert_eq!(parsed.rows[1].service, Some(true));
    }

    #[test]
    fn a_token_in_a_cell_is_refused_without_repeating_it() {
        let token = format!("tkp_{}", "aB3-_".repeat(12).get(..59).unwrap());
        let parsed = csv(&format!("login,display_name\nbob,{token}\n"));
        assert_eq!(lines(&parsed), [2]);
        assert!(!parsed.problems[0].message.contains(&token[4..]));
    }
}
