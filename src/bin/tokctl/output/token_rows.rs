//! How a token is shown: its JSON form (a stable contract, docs/json.md),
//! its row in a listing, every field for `show` and `inspect`, its uses per
//! day, and `TokenWriter`, which streams tokens in any list format.

use std::io::Write;

use comfy_table::{Cell, Table};
use serde::Serialize;
use tokctl::clock::Timestamp;
use tokctl::model::{Token, UserKind, UserStatus};

use super::row_writer::{Row, RowWriter};
use super::table_fit::Give;
use super::time_format::{relative, rfc3339, with_relative};
use super::ui::Ui;
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
    /// `person` or `service` (a service account); `null` for org tokens.
    pub owner_kind: Option<&'static str>,
    /// `active` or `removed` (offboarded); `null` for org tokens.
    pub owner_status: Option<&'static str>,
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
    /// Present only while the token is deactivated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deactivated_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deactivated_by: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deactivate_reason: Option<&'a str>,
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
            owner_kind: token.owner_kind.map(UserKind::as_str),
            owner_status: token.owner_status.map(UserStatus::as_str),
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
            deactivated_at: token.deactivated_at.map(rfc3339),
            deactivated_by: token.deactivated_by.as_deref(),
            deactivate_reason: token.deactivate_reason.as_deref(),
        }
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

/// How those columns give way at a narrow terminal: the id never; then
/// kind, last use, owner, org and expiry are dropped before the name,
/// status and scopes (cut first, the widest first).
pub const TOKEN_GIVE: &[Give] = &[
    Give::Never,
    Give::Cut(0),
    Give::Cut(7),
    Give::Cut(4),
    Give::Cut(5),
    Give::Cut(2),
    Give::Cut(1),
    Give::Cut(3),
    Give::Cut(6),
];

/// The owner as a listing shows it: the name, marked when the owner is a
/// service account or was removed (`-` for org tokens).
pub fn owner_label(token: &Token) -> String {
    let Some(owner) = &token.owner else {
        return "-".to_owned();
    };
    let mut marks = Vec::new();
    if token.owner_kind == Some(UserKind::Service) {
        marks.push("service");
    }
    if token.owner_status == Some(UserStatus::Removed) {
        marks.push("removed");
    }
    if marks.is_empty() {
        owner.clone()
    } else {
        format!("{owner} ({})", marks.join(", "))
    }
}

/// One row of a token listing; times relative to now.
pub fn token_row(ui: &Ui, token: &Token, now: Timestamp) -> Vec<Cell> {
    vec![
        Cell::new(token.id),
        Cell::new(&token.name),
        Cell::new(token.kind.as_str()),
        Cell::new(&token.org),
        Cell::new(owner_label(token)),
        Cell::new(&token.scopes),
        ui.status_cell(token.status(now)),
        Cell::new(relative(token.expires_at, now, "never")),
        Cell::new(relative(token.last_used_at, now, "never")),
    ]
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
            match &token.owner {
                Some(_) => owner_label(token),
                None => "- (org token)".into(),
            },
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
    if let Some(at) = token.deactivated_at {
        let by = token.deactivated_by.as_deref().unwrap_or("?");
        rows.push(("deactivated", format!("{} by {by}", rfc3339(at))));
        if let Some(reason) = &token.deactivate_reason {
            rows.push(("why deactivated", reason.clone()));
        }
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

/// A token as of a point in time (its status depends on when).
pub struct TokenAt<'a>(pub &'a Token, pub Timestamp);

impl Row for TokenAt<'_> {
    const TABLE_COLUMNS: &'static [&'static str] = TOKEN_COLUMNS;
    const TABLE_GIVE: &'static [Give] = TOKEN_GIVE;
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
        "owner_kind",
        "owner_status",
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
            text(json.owner_kind),
            text(json.owner_status),
        ]
    }
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
