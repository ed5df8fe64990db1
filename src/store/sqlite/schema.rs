//! The schema tokctl creates, and how a store's schema differs from it.
//!
//! SQLite runs whatever triggers and views a file carries: a planted
//! trigger can un-revoke a token or delete its audit event as tokctl writes
//! them. So every open compares the store's `sqlite_master` with what
//! tokctl's own migrations produce, built by running them on an in-memory
//! database (once per process), and refuses any difference. Adding a
//! migration changes the expectation with it.
//!
//! Building that expectation costs about a millisecond, as much again as a
//! whole `tokctl verify` process spends elsewhere, so the current version's
//! schema is also committed (`schema.json`, written by `scripts/regenerate`)
//! together with a checksum of the migrations it came from. It is used only
//! while that checksum matches the migrations compiled in; after a new
//! migration the schema is built from the migrations as above (still right,
//! just slower) and a test says to regenerate the file. The checksum is a
//! CRC-32, not a cryptographic digest: both sides are compiled into the
//! binary, so it only has to notice a file someone forgot to regenerate,
//! and a SHA-256 of the migrations cost every process 0.2 M instructions
//! (as much as the rest of the schema check). The store's own schema is
//! compared in full, never through a checksum: its rows, read in the
//! file's order and written out in the file's own form, must equal the
//! file byte for byte. That is done as they are read, with nothing built
//! (cheaper than reading the file in, and than building the text: serde
//! and a map of the rows were 0.15 M instructions of every process).
//! Otherwise the schema is compared object by object, which also names
//! what differs.
//!
//! Every row is compared, including names starting with `sqlite_`: SQLite
//! loads a trigger of any name from a file edited by hand, so the prefix
//! proves nothing. The one exception is the statistics tables `ANALYZE`
//! creates, accepted only with SQLite's own definition (they hold numbers
//! for the query planner, not code).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use rusqlite::Connection;

use super::error::SqlResult as Result;

/// One row of `sqlite_master`: what SQLite parses and runs.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Definition {
    table: String,
    sql: Option<String>,
}

/// `(type, name)` → definition.
type Schema = BTreeMap<(String, String), Definition>;

/// Tables `ANALYZE` may add, with the exact SQL SQLite gives them.
const STATISTICS_TABLES: &[(&str, &str)] = &[
    ("sqlite_stat1", "CREATE TABLE sqlite_stat1(tbl,idx,stat)"),
    (
        "sqlite_stat4",
        "CREATE TABLE sqlite_stat4(tbl,idx,neq,nlt,ndlt,sample)",
    ),
];

/// How a schema object of the store differs from tokctl's schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SchemaChange {
    /// tokctl never creates an object of that type and name.
    Unknown,
    /// tokctl creates it, with another definition.
    Altered,
    /// tokctl creates it, and the store lacks it.
    Missing,
}

/// A schema object that is not as tokctl made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaDifference {
    /// `table`, `index`, `trigger` or `view` (as `sqlite_master` says).
    pub kind: String,
    /// Its name.
    pub name: String,
    /// How it differs.
    pub change: SchemaChange,
}

impl fmt::Display for SchemaDifference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = crate::error::quote_for_message(&self.name);
        match self.change {
            SchemaChange::Unknown => write!(f, "{} {name}", self.kind),
            SchemaChange::Altered => write!(f, "{} {name} (altered)", self.kind),
            SchemaChange::Missing => write!(f, "{} {name} (missing)", self.kind),
        }
    }
}

fn read(conn: &Connection) -> Result<Schema> {
    let mut stmt = conn.prepare("SELECT type, name, tbl_name, sql FROM main.sqlite_master")?;
    let rows = stmt.query_map([], |row| {
        Ok((
            (row.get::<_, String>(0)?, row.get::<_, String>(1)?),
            Definition {
                table: row.get(2)?,
                sql: row.get(3)?,
            },
        ))
    })?;
    let mut schema = Schema::new();
    for row in rows {
        let (key, definition) = row?;
        schema.insert(key, definition);
    }
    Ok(schema)
}

/// The schema after each number of migrations, built by running them on an
/// in-memory database: `[0]` is empty.
fn built_from_migrations() -> Result<&'static [Schema]> {
    static BUILT: OnceLock<Vec<Schema>> = OnceLock::new();
    if let Some(schemas) = BUILT.get() {
        return Ok(schemas);
    }
    let conn = Connection::open_in_memory()?;
    super::harden(&conn)?;
    super::register_migration_functions(&conn)?;
    let mut schemas = vec![read(&conn)?];
    for migration in super::MIGRATIONS {
        conn.execute_batch(migration)?;
        schemas.push(read(&conn)?);
    }
    Ok(BUILT.get_or_init(|| schemas))
}

/// The committed schema of the current version (see the module docs).
const COMMITTED: &str = include_str!("schema.json");

/// The shape of `schema.json`.
#[derive(Debug, serde::Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct Committed {
    /// Hex CRC-32 of the migrations the objects came from.
    migrations_crc32: String,
    /// The rows of `sqlite_master`, sorted by type and name.
    objects: Vec<CommittedObject>,
}

#[derive(Debug, serde::Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct CommittedObject {
    #[serde(rename = "type")]
    kind: String,
    name: String,
    table: String,
    sql: Option<String>,
}

/// Identifies the migrations compiled in: each one, length-prefixed.
fn migrations_digest() -> String {
    let mut crc = crc32fast::Hasher::new();
    for migration in super::MIGRATIONS {
        crc.update(&(migration.len() as u64).to_le_bytes());
        crc.update(migration.as_bytes());
    }
    format!("{:08x}", crc.finalize())
}

/// `schema` as `schema.json` holds it, with the checksum of the migrations
/// compiled in (what `scripts/regenerate` writes).
#[cfg(test)]
fn render(schema: &Schema) -> String {
    let committed = Committed {
        migrations_crc32: migrations_digest(),
        objects: schema
            .iter()
            .map(|((kind, name), definition)| CommittedObject {
                kind: kind.clone(),
                name: name.clone(),
                table: definition.table.clone(),
                sql: definition.sql.clone(),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&committed).unwrap_or_default();
    text.push('\n');
    text
}

/// The committed schema, if it was made from exactly these migrations.
fn committed() -> Option<Schema> {
    let committed: Committed = serde_json::from_str(COMMITTED).ok()?;
    if committed.migrations_crc32 != migrations_digest() {
        return None;
    }
    Some(
        committed
            .objects
            .into_iter()
            .map(|object| {
                (
                    (object.kind, object.name),
                    Definition {
                        table: object.table,
                        sql: object.sql,
                    },
                )
            })
            .collect(),
    )
}

/// What tokctl's migrations make at `version` (the newest for any other).
fn expected(version: i64) -> Result<&'static Schema> {
    static CURRENT: OnceLock<Schema> = OnceLock::new();
    let current = super::SCHEMA_VERSION;
    if version == current || !(0..current).contains(&version) {
        if let Some(schema) = CURRENT.get() {
            return Ok(schema);
        }
        if let Some(schema) = committed() {
            return Ok(CURRENT.get_or_init(|| schema));
        }
    }
    let schemas = built_from_migrations()?;
    let index = usize::try_from(version).unwrap_or(0).min(schemas.len() - 1);
    Ok(&schemas[index])
}

fn is_statistics_table(kind: &str, name: &str, definition: &Definition) -> bool {
    kind == "table"
        && definition.table == name
        && STATISTICS_TABLES
            .iter()
            .any(|(table, sql)| *table == name && definition.sql.as_deref() == Some(sql))
}

/// Whether the store's `sqlite_master`, in `schema.json`'s order and
/// written out in its form with the checksum of the migrations compiled
/// in, is that file byte for byte: then it holds exactly the objects the
/// file names (the form is JSON, whose string escapes tell every text
/// apart). Compared as the rows are read, without building the text.
fn matches_committed(conn: &Connection) -> Result<bool> {
    let mut text = Expect::new(COMMITTED);
    let head = format!(
        "{{\n  \"migrations_crc32\": \"{}\",\n  \"objects\": [",
        migrations_digest()
    );
    if !text.literal(&head) {
        return Ok(false);
    }
    // `type` and `name` compare byte by byte, as the map of `read` sorts them.
    let mut stmt = conn
        .prepare("SELECT type, name, tbl_name, sql FROM main.sqlite_master ORDER BY type, name")?;
    let mut rows = stmt.query([])?;
    let mut first = true;
    while let Some(row) = rows.next()? {
        let kind = row.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
        let name = row.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
        let table = row.get_ref(2)?.as_str().map_err(rusqlite::Error::from)?;
        let sql = row
            .get_ref(3)?
            .as_str_or_null()
            .map_err(rusqlite::Error::from)?;
        let same = text.literal(if first { "\n    {" } else { ",\n    {" })
            && text.literal("\n      \"type\": ")
            && text.string(kind)
            && text.literal(",\n      \"name\": ")
            && text.string(name)
            && text.literal(",\n      \"table\": ")
            && text.string(table)
            && text.literal(",\n      \"sql\": ")
            && match sql {
                Some(sql) => text.string(sql),
                None => text.literal("null"),
            }
            && text.literal("\n    }");
        if !same {
            return Ok(false);
        }
        first = false;
    }
    let end = if first { "]\n}\n" } else { "\n  ]\n}\n" };
    Ok(text.literal(end) && text.rest.is_empty())
}

/// The part of a text not yet matched, for [`matches_committed`].
struct Expect<'a> {
    rest: &'a [u8],
}

impl<'a> Expect<'a> {
    fn new(text: &'a str) -> Self {
        Expect {
            rest: text.as_bytes(),
        }
    }

    /// Whether the text goes on with `bytes`; if so, past them.
    fn bytes(&mut self, bytes: &[u8]) -> bool {
        match self.rest.strip_prefix(bytes) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    fn literal(&mut self, text: &str) -> bool {
        self.bytes(text.as_bytes())
    }

    /// Whether the text goes on with `value` as a JSON string, escaped as
    /// `serde_json` writes it.
    fn string(&mut self, value: &str) -> bool {
        if !self.bytes(b"\"") {
            return false;
        }
        let mut rest = value.as_bytes();
        loop {
            // Runs of plain bytes are compared at once.
            let plain = rest
                .iter()
                .position(|&byte| byte < 0x20 || byte == b'"' || byte == b'\\')
                .unwrap_or(rest.len());
            if !self.bytes(&rest[..plain]) {
                return false;
            }
            let Some((&byte, after)) = rest[plain..].split_first() else {
                return self.bytes(b"\"");
            };
            let same = match byte {
                b'"' => self.bytes(b"\\\""),
                b'\\' => self.bytes(b"\\\\"),
                b'\n' => self.bytes(b"\\n"),
                b'\r' => self.bytes(b"\\r"),
                b'\t' => self.bytes(b"\\t"),
                0x08 => self.bytes(b"\\b"),
                0x0c => self.bytes(b"\\f"),
                _ => self.literal(&format!("\\u{byte:04x}")),
            };
            if !same {
                return false;
            }
            rest = after;
        }
    }
}

/// How the store's schema differs from the one tokctl creates at `version`
/// (empty: identical). A version tokctl does not know is compared with the
/// newest (the caller refuses such stores anyway).
pub(super) fn differences(conn: &Connection, version: i64) -> Result<Vec<SchemaDifference>> {
    if version == super::SCHEMA_VERSION && matches_committed(conn)? {
        return Ok(Vec::new());
    }
    let found = read(conn)?;
    let expected = expected(version)?;
    let mut differences = Vec::new();
    for ((kind, name), definition) in &found {
        let change = match expected.get(&(kind.clone(), name.clone())) {
            Some(wanted) if wanted == definition => continue,
            Some(_) => SchemaChange::Altered,
            None if is_statistics_table(kind, name, definition) => continue,
            None => SchemaChange::Unknown,
        };
        differences.push(SchemaDifference {
            kind: kind.clone(),
            name: name.clone(),
            change,
        });
    }
    for (kind, name) in expected.keys() {
        if !found.contains_key(&(kind.clone(), name.clone())) {
            differences.push(SchemaDifference {
                kind: kind.clone(),
                name: name.clone(),
                change: SchemaChange::Missing,
            });
        }
    }
    Ok(differences)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// `schema.json` for the migrations compiled in.
    fn render_committed() -> String {
        let schemas = built_from_migrations().unwrap();
        render(&schemas[schemas.len() - 1])
    }

    #[test]
    fn the_committed_schema_is_the_one_the_migrations_make() {
        let fresh = render_committed();
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/store/sqlite/schema.json");
        // scripts/regenerate sets this to rewrite the file.
        if std::env::var_os("TOKCTL_REGENERATE").is_some() {
            std::fs::write(path, &fresh).unwrap();
            return;
        }
        assert!(
            COMMITTED == fresh,
            "src/store/sqlite/schema.json is out of date: run scripts/regenerate and commit the result"
        );
        assert!(committed().is_some());
    }

    /// A store as the migrations make it is recognised without building
    /// anything; one changed, added or missing object is not.
    #[test]
    fn the_committed_file_is_matched_row_by_row_only_by_the_same_schema() {
        let migrated = || {
            let conn = Connection::open_in_memory().unwrap();
            super::super::register_migration_functions(&conn).unwrap();
            for migration in super::super::MIGRATIONS {
                conn.execute_batch(migration).unwrap();
            }
            conn
        };
        assert!(matches_committed(&migrated()).unwrap());
        for change in [
            "CREATE VIEW v AS SELECT 1",
            "CREATE TRIGGER t AFTER INSERT ON orgs BEGIN SELECT 1; END",
            "DROP INDEX tokens_by_expiry",
            "DROP INDEX tokens_by_expiry; CREATE INDEX tokens_by_expiry ON tokens (expires_at, id)",
            "DROP VIEW audit_events; CREATE VIEW audit_events AS SELECT * FROM audit_trail",
            "CREATE TABLE \"z\"\"q\\\" (x TEXT DEFAULT 'q\"\\\n\t\u{1}')",
        ] {
            let conn = migrated();
            conn.execute_batch(change).unwrap();
            assert!(!matches_committed(&conn).unwrap(), "{change}");
            let version = super::super::MIGRATIONS.len() as i64;
            assert!(!differences(&conn, version).unwrap().is_empty(), "{change}");
        }
    }

    /// The comparison escapes text as `serde_json` writes it, so the same
    /// text matches and any other does not.
    #[test]
    fn strings_are_matched_as_serde_json_escapes_them() {
        for value in [
            "",
            "plain",
            "quote \" and back\\slash",
            "lines\nand\ttabs\r",
            "\u{0}\u{1}\u{8}\u{c}\u{1f}\u{7f}",
            "non-ASCII: é, 🦀",
        ] {
            let json = serde_json::to_string(value).unwrap();
            assert!(Expect::new(&json).string(value), "{value:?}");
            let mut rest = Expect::new(&json);
            assert!(!rest.string(&format!("{value}x")), "{value:?}");
            if !value.is_empty() {
                assert!(!Expect::new(&json).string(&value[1..]), "{value:?}");
            }
        }
    }

    #[test]
    fn a_freshly_migrated_database_matches_at_every_version() {
        let schemas = built_from_migrations().unwrap();
        assert_eq!(schemas.len(), super::super::MIGRATIONS.len() + 1);
        assert!(schemas[0].is_empty());
        let conn = Connection::open_in_memory().unwrap();
        super::super::register_migration_functions(&conn).unwrap();
        for (version, migration) in super::super::MIGRATIONS.iter().enumerate() {
            conn.execute_batch(migration).unwrap();
            assert_eq!(differences(&conn, version as i64 + 1).unwrap(), vec![]);
        }
    }

    #[test]
    fn planted_altered_and_dropped_objects_are_named() {
        let conn = Connection::open_in_memory().unwrap();
        super::super::register_migration_functions(&conn).unwrap();
        for migration in super::super::MIGRATIONS {
            conn.execute_batch(migration).unwrap();
        }
        let version = super::super::MIGRATIONS.len() as i64;
        // A reserved name cannot be created with SQL, but a hand-edited file
        // can hold one, and SQLite loads it.
        conn.execute_batch(
            "PRAGMA writable_schema = ON;
             INSERT INTO sqlite_master VALUES ('trigger', 'sqlite_x', 'orgs', 0,
                 'CREATE TRIGGER sqlite_x AFTER INSERT ON orgs BEGIN SELECT 1; END');
             PRAGMA writable_schema = OFF;
             CREATE VIEW v AS SELECT 1;
             DROP INDEX tokens_by_expiry;
             CREATE INDEX tokens_by_expiry ON tokens (expires_at, id);",
        )
        .unwrap();
        let found: Vec<String> = differences(&conn, version)
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            found,
            [
                "index tokens_by_expiry (altered)",
                "trigger sqlite_x",
                "view v"
            ]
        );
        conn.execute_batch(
            "DROP VIEW v;
             PRAGMA writable_schema = ON;
             DELETE FROM sqlite_master WHERE name = 'sqlite_x';
             PRAGMA writable_schema = OFF;
             DROP TABLE org_policies;",
        )
        .unwrap();
        let found: Vec<String> = differences(&conn, version)
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            found,
            [
                "index tokens_by_expiry (altered)",
                "table org_policies (missing)"
            ]
        );
    }

    #[test]
    fn statistics_from_analyze_are_accepted_only_as_sqlite_defines_them() {
        let conn = Connection::open_in_memory().unwrap();
        super::super::register_migration_functions(&conn).unwrap();
        for migration in super::super::MIGRATIONS {
            conn.execute_batch(migration).unwrap();
        }
        let version = super::super::MIGRATIONS.len() as i64;
        conn.execute_batch(
            "INSERT INTO orgs (name, created_at) VALUES ('a', 0), ('b', 0); ANALYZE;",
        )
        .unwrap();
        assert_eq!(differences(&conn, version).unwrap(), vec![]);
    }
}
