//! The usage journal: successful verifications a one-shot process recorded
//! next to the store (`STORE-usage`) instead of in a write transaction, and
//! their fold into the store by a later write, exactly once.
//!
//! Why: a write transaction costs a one-shot `tokctl verify` more than the
//! rest of its work, and each one grows the WAL that every later process
//! must read again when it opens the store. An append of one small record
//! (no fsync, as the usage write itself runs with `synchronous = NORMAL`:
//! a power cut may lose the last counts, a crash of the process loses
//! nothing) is a tenth of that and leaves the WAL alone.
//!
//! The file: a 16-byte header (magic, then a random generation), then
//! records, each `u32 length ‖ payload ‖ u32 CRC-32(payload)`, little-endian.
//! A payload is one process's uses: its actor and OS account and one slot
//! per token and hour ([`DeferredUsage`]).
//!
//! Exactly once: a write transaction that folds the journal reads the
//! records past the mark in `meta` (`usage_journal` = generation and byte
//! offset) and moves the mark to the end of the file in the same
//! transaction, so a rollback leaves them for the next one and a commit
//! can never be followed by a second fold of the same bytes. Only after
//! the commit is the file emptied, and only if nothing was appended in
//! between; the next append starts a new generation. Appenders and folders
//! take an exclusive `flock` on the file around each append, read and
//! truncation, so none ever sees half a record; a record that is torn all
//! the same (a crash or a full disk mid-append) fails its checksum, and it
//! and whatever follows it in the file are skipped.

use std::cell::Cell;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension};

use super::error::SqlResult as Result;
use crate::clock::from_unix;
use crate::error::Error;
use crate::model::TokenId;
use crate::store::{DeferredUsage, UsageUpdate};

/// What a journal file starts with.
const MAGIC: &[u8; 8] = b"tokcuse1";
/// Magic and generation.
const HEADER_LEN: usize = 16;
/// No record is anywhere near this long; a length beyond it is a torn or
/// foreign record.
const MAX_RECORD_LEN: usize = 1 << 20;
/// The key in `meta` holding how far the journal was folded.
const MARK_KEY: &str = "usage_journal";
/// The version byte a payload starts with.
const PAYLOAD_VERSION: u8 = 1;
/// An OS account of `None` is written as this length.
const NO_OS_USER: u16 = u16::MAX;

/// The journal of one store file.
#[derive(Debug)]
pub(super) struct UsageJournal {
    path: PathBuf,
    /// Whether the open write transaction took records, so that the file is
    /// emptied once it commits.
    taken: Cell<bool>,
}

/// How far the journal was folded, as `meta` records it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Mark {
    generation: String,
    offset: u64,
}

impl UsageJournal {
    /// The journal next to the store file at `store`.
    pub(super) fn beside(store: &Path) -> UsageJournal {
        UsageJournal {
            path: super::files::side_path(store, super::FileRole::UsageJournal),
            taken: Cell::new(false),
        }
    }

    /// Whether the file exists and is not empty.
    pub(super) fn holds_anything(&self) -> bool {
        std::fs::symlink_metadata(&self.path).is_ok_and(|meta| meta.len() > 0)
    }

    /// Appends `usage` as one record; returns the journal's size after it.
    pub(super) fn append(&self, usage: &DeferredUsage) -> crate::Result<u64> {
        let mut record = Vec::with_capacity(64 + usage.uses.len() * 24);
        frame(&mut record, &encode(usage));
        imp::append(&self.path, &record)
    }

    /// Inside a write transaction on `conn`: the records no committed
    /// transaction folded yet, marked as folded by this one.
    pub(super) fn take(&self, conn: &Connection) -> crate::Result<Vec<DeferredUsage>> {
        if conn.is_autocommit() {
            return Err(Error::Store(crate::store::StoreError::new(
                crate::store::StoreErrorKind::Other,
                "the usage journal is folded only inside a write transaction",
            )));
        }
        let Some(bytes) = imp::read(&self.path)? else {
            return Ok(Vec::new());
        };
        if bytes.is_empty() {
            return Ok(Vec::new());
        }
        let mark = read_mark(conn)?;
        let generation = generation_of(&bytes);
        let start = match &mark {
            Some(mark) if mark.generation == generation => usize::try_from(mark.offset)
                .unwrap_or(usize::MAX)
                .max(HEADER_LEN),
            _ => HEADER_LEN,
        };
        let taken = if generation.is_empty() {
            // Not a journal tokctl wrote (or its header was torn): nothing
            // in it can be read, and it is emptied like a folded one.
            Vec::new()
        } else {
            decode_records(bytes.get(start..).unwrap_or_default())
        };
        write_mark(
            conn,
            &Mark {
                generation,
                offset: bytes.len() as u64,
            },
        )?;
        self.taken.set(true);
        Ok(taken)
    }

    /// Whether the open write transaction took records (and forgets it: the
    /// transaction is over).
    pub(super) fn take_taken(&self) -> bool {
        self.taken.replace(false)
    }

    /// After a commit that folded the journal: empties the file if nothing
    /// was appended since. Best effort: a journal left as it is is folded
    /// from the mark next time.
    pub(super) fn compact(&self, conn: &Connection) {
        let mark = match read_mark(conn) {
            Ok(Some(mark)) => mark,
            _ => return,
        };
        let _ = imp::truncate_if(&self.path, |header, size| {
            generation_of(header) == mark.generation && size == mark.offset
        });
    }
}

/// The generation in a journal's first bytes, as hex; empty when they are
/// not a tokctl journal's header.
fn generation_of(bytes: &[u8]) -> String {
    match bytes.get(..HEADER_LEN) {
        Some(header) if header.starts_with(MAGIC) => header[MAGIC.len()..]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect(),
        _ => String::new(),
    }
}

fn read_mark(conn: &Connection) -> Result<Option<Mark>> {
    let value: Option<String> = conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([MARK_KEY], |row| row.get(0))
        .optional()?;
    Ok(value.and_then(|value| {
        let (generation, offset) = value.split_once(':')?;
        Some(Mark {
            generation: generation.to_owned(),
            offset: offset.parse().ok()?,
        })
    }))
}

fn write_mark(conn: &Connection, mark: &Mark) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute([MARK_KEY, &format!("{}:{}", mark.generation, mark.offset)])?;
    Ok(())
}

/// A new journal's header: the magic and a random generation, so that a
/// mark left from an emptied journal never applies to the next one.
fn header() -> crate::Result<[u8; HEADER_LEN]> {
    use ring::rand::{SecureRandom, SystemRandom};
    let mut header = [0u8; HEADER_LEN];
    header[..MAGIC.len()].copy_from_slice(MAGIC);
    SystemRandom::new()
        .fill(&mut header[MAGIC.len()..])
        .map_err(|_| Error::Io {
            path: PathBuf::new(),
            source: std::io::Error::other("the system's random source failed"),
        })?;
    Ok(header)
}

fn frame(out: &mut Vec<u8>, payload: &[u8]) {
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
}

fn put_text(out: &mut Vec<u8>, text: &str) {
    // Names are at most a few hundred bytes; a longer one is cut at a
    // character boundary rather than overflowing the length.
    let mut end = text.len().min(usize::from(u16::MAX - 1));
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    out.extend_from_slice(&(end as u16).to_le_bytes());
    out.extend_from_slice(&text.as_bytes()[..end]);
}

fn encode(usage: &DeferredUsage) -> Vec<u8> {
    let mut out = Vec::with_capacity(48 + usage.uses.len() * 24);
    out.push(PAYLOAD_VERSION);
    put_text(&mut out, &usage.actor);
    match &usage.os_user {
        Some(os_user) => put_text(&mut out, os_user),
        None => out.extend_from_slice(&NO_OS_USER.to_le_bytes()),
    }
    out.extend_from_slice(&(usage.uses.len() as u32).to_le_bytes());
    for update in &usage.uses {
        out.extend_from_slice(&update.id.as_i64().to_le_bytes());
        out.extend_from_slice(&update.uses.to_le_bytes());
        out.extend_from_slice(&update.last_used_at.timestamp().to_le_bytes());
    }
    out
}

/// Reads a payload; `None` if it is not one this build wrote.
struct Reader<'b> {
    bytes: &'b [u8],
}

impl<'b> Reader<'b> {
    fn take(&mut self, n: usize) -> Option<&'b [u8]> {
        if self.bytes.len() < n {
            return None;
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Some(head)
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn text(&mut self, len: u16) -> Option<String> {
        String::from_utf8(self.take(usize::from(len))?.to_vec()).ok()
    }
}

fn decode(payload: &[u8]) -> Option<DeferredUsage> {
    let mut reader = Reader { bytes: payload };
    if reader.take(1)? != [PAYLOAD_VERSION] {
        return None;
    }
    let actor_len = reader.u16()?;
    let actor = reader.text(actor_len)?;
    let os_user = match reader.u16()? {
        NO_OS_USER => None,
        len => Some(reader.text(len)?),
    };
    let count = reader.u32()? as usize;
    let mut uses = Vec::with_capacity(count.min(payload.len() / 24));
    for _ in 0..count {
        let id = TokenId::from_i64(reader.u64()? as i64)?;
        let count = reader.u64()?;
        let at = reader.u64()? as i64;
        uses.push(UsageUpdate {
            id,
            uses: count,
            last_used_at: from_unix(at),
        });
    }
    reader.bytes.is_empty().then_some(DeferredUsage {
        actor,
        os_user,
        uses,
    })
}

/// The records in `bytes`, up to the first that is torn or not ours.
fn decode_records(mut bytes: &[u8]) -> Vec<DeferredUsage> {
    let mut records = Vec::new();
    while bytes.len() >= 8 {
        let len = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
        if len > MAX_RECORD_LEN || bytes.len() < 8 + len {
            break;
        }
        let payload = &bytes[4..4 + len];
        let crc = u32::from_le_bytes([
            bytes[4 + len],
            bytes[5 + len],
            bytes[6 + len],
            bytes[7 + len],
        ]);
        if crc != crc32fast::hash(payload) {
            break;
        }
        let Some(record) = decode(payload) else { break };
        records.push(record);
        bytes = &bytes[8 + len..];
    }
    records
}

#[cfg(unix)]
mod imp {
    //! The file operations, each under an exclusive `flock`.
    use std::fs::File;
    use std::io::{Read, Write};
    use std::path::Path;

    use rustix::fd::OwnedFd;
    use rustix::fs::{FlockOperation, Mode, OFlags};

    use crate::error::Error;

    fn io_error(path: &Path, source: impl Into<std::io::Error>) -> Error {
        Error::Io {
            path: path.to_owned(),
            source: source.into(),
        }
    }

    /// Refuses a journal that is not a regular file of the effective user
    /// with no group or other permissions: whoever could write it could
    /// add uses to any token.
    fn checked(path: &Path, fd: OwnedFd) -> crate::Result<File> {
        let stat = rustix::fs::fstat(&fd).map_err(|err| io_error(path, err))?;
        let regular =
            rustix::fs::FileType::from_raw_mode(stat.st_mode) == rustix::fs::FileType::RegularFile;
        #[allow(clippy::unnecessary_cast)] // u16 on some platforms
        let facts = super::super::FileFacts {
            owner: stat.st_uid as u32,
            mode: stat.st_mode as u32 & 0o7777,
        };
        let problem = if regular {
            super::super::files::file_problem(facts)
        } else {
            Some("is not a regular file".to_owned())
        };
        if let Some(problem) = problem {
            return Err(Error::StoreUnsafe {
                problem: format!("{} {problem}", path.display()),
            });
        }
        rustix::fs::flock(&fd, FlockOperation::LockExclusive).map_err(|err| io_error(path, err))?;
        Ok(File::from(fd))
    }

    fn open(path: &Path, flags: OFlags) -> crate::Result<Option<File>> {
        match rustix::fs::open(
            path,
            flags | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        ) {
            Ok(fd) => Ok(Some(checked(path, fd)?)),
            Err(rustix::io::Errno::NOENT) => Ok(None),
            Err(err) => Err(io_error(path, err)),
        }
    }

    pub(super) fn append(path: &Path, record: &[u8]) -> crate::Result<u64> {
        let Some(mut file) = open(path, OFlags::WRONLY | OFlags::APPEND | OFlags::CREATE)? else {
            return Err(io_error(path, std::io::ErrorKind::NotFound));
        };
        let size = file.metadata().map_err(|err| io_error(path, err))?.len();
        let mut bytes = Vec::with_capacity(super::HEADER_LEN + record.len());
        if size == 0 {
            bytes.extend_from_slice(&super::header()?);
        }
        bytes.extend_from_slice(record);
        if let Err(err) = file.write_all(&bytes) {
            // Leave no torn record behind: the caller writes the uses
            // through the store instead.
            let _ = file.set_len(size);
            return Err(io_error(path, err));
        }
        Ok(size + bytes.len() as u64)
    }

    pub(super) fn read(path: &Path) -> crate::Result<Option<Vec<u8>>> {
        let Some(mut file) = open(path, OFlags::RDONLY)? else {
            return Ok(None);
        };
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|err| io_error(path, err))?;
        Ok(Some(bytes))
    }

    /// Empties the journal if `folded(header, size)` says all of it was.
    pub(super) fn truncate_if(
        path: &Path,
        folded: impl FnOnce(&[u8], u64) -> bool,
    ) -> crate::Result<()> {
        let Some(mut file) = open(path, OFlags::RDWR)? else {
            return Ok(());
        };
        let size = file.metadata().map_err(|err| io_error(path, err))?.len();
        let mut header = [0u8; super::HEADER_LEN];
        let read = file.read(&mut header).map_err(|err| io_error(path, err))?;
        if folded(&header[..read], size) {
            file.set_len(0).map_err(|err| io_error(path, err))?;
        }
        Ok(())
    }
}

#[cfg(not(unix))]
mod imp {
    //! Without `flock` there is no journal: every use is written through
    //! the store, as before it existed.
    use std::path::Path;

    pub(super) fn append(path: &Path, _record: &[u8]) -> crate::Result<u64> {
        Err(crate::error::Error::Io {
            path: path.to_owned(),
            source: std::io::ErrorKind::Unsupported.into(),
        })
    }

    pub(super) fn read(_path: &Path) -> crate::Result<Option<Vec<u8>>> {
        Ok(None)
    }

    pub(super) fn truncate_if(
        _path: &Path,
        _folded: impl FnOnce(&[u8], u64) -> bool,
    ) -> crate::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::clock::from_unix;

    fn usage(actor: &str, key: i64, uses: u64) -> DeferredUsage {
        DeferredUsage {
            actor: actor.into(),
            os_user: Some("alice (uid 1000)".into()),
            uses: vec![UsageUpdate {
                id: TokenId::from_key(key).unwrap(),
                uses,
                last_used_at: from_unix(1_795_000_000 + key),
            }],
        }
    }

    #[test]
    fn records_read_back_as_written_and_a_torn_tail_is_skipped() {
        let mut bytes = Vec::new();
        frame(&mut bytes, &encode(&usage("alice", 1, 2)));
        let no_os = DeferredUsage {
            os_user: None,
            ..usage("bob", 7, 1)
        };
        frame(&mut bytes, &encode(&no_os));
        let whole = bytes.len();
        frame(&mut bytes, &encode(&usage("carol", 9, 1)));
        assert_eq!(
            decode_records(&bytes),
            vec![usage("alice", 1, 2), no_os.clone(), usage("carol", 9, 1)]
        );
        // Torn mid-record, or a flipped byte: that record and the rest go.
        assert_eq!(decode_records(&bytes[..bytes.len() - 3]).len(), 2);
        bytes[whole + 6] ^= 1;
        assert_eq!(decode_records(&bytes), vec![usage("alice", 1, 2), no_os]);
    }
}
