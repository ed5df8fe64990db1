//! How `scan` shows what it found: a table for people, one JSON document
//! or JSON Lines for scripts (docs/json.md), and SARIF 2.1.0 for
//! code-scanning dashboards. A found token is shown as its prefix, id and
//! last four characters, never whole.

use comfy_table::Table;
use serde::Serialize;
use serde_json::{json, Value};
use tokctl::clock::Timestamp;
use tokctl::ops::{FoundStatus, Identified};
use tokctl::scan::{Finding, Origin, ScanReport};

use super::time_format::rfc3339;
use super::token_rows::TokenJson;
use super::ui::Ui;

/// One finding as shown: where, which token, and what a `--revoke` did to it.
#[derive(Debug)]
pub struct Shown<'a> {
    pub finding: &'a Finding,
    pub identified: &'a Identified,
    /// With `--revoke`: `revoked`, `unchanged` (already revoked), `skipped`,
    /// `planned` (a dry run); `None` for a token not planned, or without it.
    pub revoke: Option<&'static str>,
}

/// Characters of a commit hash shown in tables and reasons.
const SHORT_HASH: usize = 12;

/// Where, as `path:line:column`.
pub fn location(finding: &Finding) -> String {
    format!(
        "{}:{}:{}",
        finding.path.display(),
        finding.hit.line,
        finding.hit.column
    )
}

fn origin_word(origin: &Origin) -> &'static str {
    match origin {
        Origin::File => "file",
        Origin::Stdin => "stdin",
        Origin::Commit(_) => "commit",
        Origin::Staged => "staged",
    }
}

/// The findings as a table; with commit and author columns when any
/// finding is from the history.
pub fn findings_table(ui: &Ui, shown: &[Shown<'_>]) -> Table {
    let history = shown
        .iter()
        .any(|item| matches!(item.finding.origin, Origin::Commit(_)));
    let mut header = vec!["location", "token", "status", "name", "owner", "org"];
    if history {
        header.extend(["commit", "author"]);
    }
    let mut table = ui.table(&header);
    for item in shown {
        let token = item.identified.token.as_ref();
        let mut row = vec![
            location(item.finding),
            item.finding.hit.token.redacted(),
            item.identified.status.as_str().to_owned(),
            token.map_or("-", |token| token.name.as_str()).to_owned(),
            token
                .and_then(|token| token.owner.as_deref())
                .unwrap_or("-")
                .to_owned(),
            token.map_or("-", |token| token.org.as_str()).to_owned(),
        ];
        if history {
            match &item.finding.origin {
                Origin::Commit(commit) => {
                    row.push(short_hash(&commit.hash).to_owned());
                    row.push(commit.author.clone());
                }
                _ => row.extend(["-".to_owned(), "-".to_owned()]),
            }
        }
        table.add_row(row);
    }
    table
}

fn short_hash(hash: &str) -> &str {
    hash.get(..SHORT_HASH).unwrap_or(hash)
}

/// One finding in JSON (docs/json.md): a line of `--format jsonl`, an
/// element of `findings` in `--format json`.
#[derive(Debug, Serialize)]
pub struct FindingJson<'a> {
    path: String,
    line: u64,
    column: u64,
    offset: u64,
    origin: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    authored_at: Option<String>,
    redacted: String,
    id: String,
    kind: &'static str,
    status: &'static str,
    secret: Option<&'static str>,
    token: Option<TokenJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    revoke: Option<&'static str>,
}

impl<'a> FindingJson<'a> {
    pub fn new(shown: &Shown<'a>, now: Timestamp) -> Self {
        let finding = shown.finding;
        let commit = match &finding.origin {
            Origin::Commit(commit) => Some(commit),
            _ => None,
        };
        FindingJson {
            path: finding.path.to_string_lossy().into_owned(),
            line: finding.hit.line,
            column: finding.hit.column,
            offset: finding.hit.offset,
            origin: origin_word(&finding.origin),
            commit: commit.map(|commit| commit.hash.as_str()),
            author: commit.map(|commit| commit.author.as_str()),
            authored_at: commit.and_then(|commit| commit.authored_at).map(rfc3339),
            redacted: finding.hit.token.redacted(),
            id: finding.hit.token.id.to_string(),
            kind: finding.hit.token.kind.as_str(),
            status: shown.identified.status.as_str(),
            secret: shown.identified.secret.map(|secret| secret.as_str()),
            token: shown
                .identified
                .token
                .as_ref()
                .map(|token| TokenJson::new(token, now)),
            revoke: shown.revoke,
        }
    }
}

/// `scan --format json`: the whole scan as one document.
#[derive(Debug, Serialize)]
pub struct ScanJson<'a> {
    complete: bool,
    scanned: ScannedJson,
    findings: Vec<FindingJson<'a>>,
    problems: Vec<ProblemJson>,
}

#[derive(Debug, Serialize)]
struct ScannedJson {
    inputs: u64,
    bytes: u64,
    binary_skipped: u64,
}

#[derive(Debug, Serialize)]
struct ProblemJson {
    path: String,
    error: String,
}

impl<'a> ScanJson<'a> {
    pub fn new(report: &ScanReport, shown: &[Shown<'a>], now: Timestamp) -> Self {
        ScanJson {
            complete: report.is_complete(),
            scanned: ScannedJson {
                inputs: report.stats.scanned,
                bytes: report.stats.bytes,
                binary_skipped: report.stats.binary_skipped,
            },
            findings: shown
                .iter()
                .map(|item| FindingJson::new(item, now))
                .collect(),
            problems: report
                .problems
                .iter()
                .map(|problem| ProblemJson {
                    path: problem.path.to_string_lossy().into_owned(),
                    error: problem.error.to_string(),
                })
                .collect(),
        }
    }
}

/// The SARIF rules, by how urgent a finding is: index in `RULES`.
const RULES: [(&str, &str, &str, &str); 3] = [
    (
        "tokctl/live-token",
        "LiveToken",
        "error",
        "A tokctl token that works, or may work again (deactivated), was found. \
         Revoke it (tokctl scan --revoke, or tokctl revoke ID), then remove it from where it was found.",
    ),
    (
        "tokctl/unknown-token",
        "UnknownToken",
        "error",
        "A tokctl token with a valid checksum that this store does not know was found: \
         it may work with another store. Ask that store's admins (tokctl inspect there).",
    ),
    (
        "tokctl/dead-token",
        "DeadToken",
        "note",
        "A tokctl token that no longer works (revoked, expired or rotated away) was found. \
         Nothing to revoke; remove it from where it was found.",
    ),
];

fn rule_index(status: FoundStatus) -> usize {
    if status.may_work() {
        0
    } else if status == FoundStatus::Unknown {
        1
    } else {
        2
    }
}

/// `scan --format sarif`: SARIF 2.1.0, one run, one result per finding.
/// Columns count Unicode code points (`columnKind`); paths are URI
/// references relative to `%SRCROOT%` (the directory scanned, or the
/// repository's root for its history).
pub fn sarif(report: &ScanReport, shown: &[Shown<'_>]) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|(id, name, level, text)| {
            json!({
                "id": id,
                "name": name,
                "shortDescription": { "text": text.split(". ").next().unwrap_or(text) },
                "fullDescription": { "text": text },
                "help": { "text": text },
                "defaultConfiguration": { "level": level },
            })
        })
        .collect();
    let results: Vec<Value> = shown.iter().map(sarif_result).collect();
    let notifications: Vec<Value> = report
        .problems
        .iter()
        .map(|problem| {
            json!({
                "level": "error",
                "message": { "text": format!("cannot read {}: {}", problem.path.display(), problem.error) },
                "locations": [{ "physicalLocation": { "artifactLocation": artifact(&problem.path.to_string_lossy()) } }],
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "tokctl",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": report.is_complete(),
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

fn sarif_result(item: &Shown<'_>) -> Value {
    let finding = item.finding;
    let status = item.identified.status;
    let index = rule_index(status);
    let redacted = finding.hit.token.redacted();
    let what = match &item.identified.token {
        Some(token) => format!(
            "{} token '{}' ({redacted}) of org '{}'",
            status.as_str(),
            token.name,
            token.org
        ),
        None => format!("{} token {redacted}", status.as_str()),
    };
    let mut properties = json!({
        "status": status.as_str(),
        "tokenId": finding.hit.token.id.to_string(),
    });
    if let Origin::Commit(commit) = &finding.origin {
        properties["commit"] = json!(commit.hash);
        properties["author"] = json!(commit.author);
        if let Some(at) = commit.authored_at {
            properties["authoredAt"] = json!(rfc3339(at));
        }
    }
    if let Some(revoke) = item.revoke {
        properties["revoke"] = json!(revoke);
    }
    let artifact = match finding.origin {
        Origin::Stdin => json!({ "description": { "text": "standard input" } }),
        _ => artifact(&finding.path.to_string_lossy()),
    };
    let start = finding.hit.column;
    json!({
        "ruleId": RULES[index].0,
        "ruleIndex": index,
        "level": RULES[index].2,
        "message": { "text": format!("{what} found at {}", location(finding)) },
        "locations": [{ "physicalLocation": {
            "artifactLocation": artifact,
            "region": {
                "startLine": finding.hit.line,
                "startColumn": start,
                "endLine": finding.hit.line,
                "endColumn": start + tokctl::secret::TOKEN_LEN as u64,
            },
        }}],
        "partialFingerprints": { "tokctlToken/v1": format!("{redacted}:{}", finding.path.display()) },
        "properties": properties,
    })
}

/// An artifact location: the path as a URI reference (percent-encoded,
/// `/`-separated), relative to `%SRCROOT%` unless absolute.
fn artifact(path: &str) -> Value {
    let uri = uri_reference(path);
    if path.starts_with('/') {
        json!({ "uri": format!("file://{uri}") })
    } else {
        json!({ "uri": uri, "uriBaseId": "%SRCROOT%" })
    }
}

/// Percent-encodes everything but unreserved characters and `/`.
fn uri_reference(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(char::from(byte))
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::uri_reference;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri_reference("src/a b#1%.rs"), "src/a%20b%231%25.rs");
        assert_eq!(uri_reference("é"), "%C3%A9");
    }
}
