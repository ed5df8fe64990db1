//! Who can touch the store's files: the checks made before SQLite opens
//! them, and again once WAL mode has created its `-wal` and `-shm`.
//!
//! Another user who can read the store, its WAL or its shared-memory file
//! learns every token's name, scopes and hash; one who can write or replace
//! them can roll a revocation back. So the store, `-wal`, `-shm` and
//! `-journal` must be regular files owned by the effective user with no
//! group or other permission bits, and the directory must be owned by the
//! user or root and not writable by others unless it is sticky (in a sticky
//! directory such as `/tmp`, others can add names but not replace ours).
//!
//! The checks `fstat` a descriptor opened with `O_PATH | O_NOFOLLOW` (Linux):
//! it never follows a link, never opens a FIFO or device for I/O, and,
//! unlike a descriptor opened for reading, closing it does not drop the
//! POSIX locks SQLite holds on the same file in this process. Other Unix
//! systems use `lstat`, which is as good while the directory is one only
//! we (or root) can change, and that is what the directory check enforces.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Which of the store's files a [`FileCheck`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRole {
    /// The directory holding the store.
    Directory,
    /// The database file.
    Store,
    /// The write-ahead log (`-wal`).
    Wal,
    /// The WAL index (`-shm`).
    Shm,
    /// A rollback journal (`-journal`), which SQLite would replay on open.
    Journal,
    /// tokctl's usage journal (`-usage`): uses recorded by one-shot
    /// verifications, folded into the store by the next write.
    UsageJournal,
}

impl FileRole {
    /// A short name: `directory`, `store`, `wal`, `shm`, `journal`, `usage`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileRole::Directory => "directory",
            FileRole::Store => "store",
            FileRole::Wal => "wal",
            FileRole::Shm => "shm",
            FileRole::Journal => "journal",
            FileRole::UsageJournal => "usage",
        }
    }
}

/// What was found at one of the store's paths, and whether it is safe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCheck {
    /// Which file.
    pub role: FileRole,
    /// Its path.
    pub path: PathBuf,
    /// Owner uid and permission bits (with set-id and sticky bits), if it
    /// exists; `None` when it does not (or on a platform without them).
    pub found: Option<FileFacts>,
    /// Why it is unsafe, in words that follow the path; `None` when it is fine.
    pub problem: Option<String>,
}

/// The owner and mode of an existing file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileFacts {
    /// The owner's uid.
    pub owner: u32,
    /// Permission bits, including set-id and sticky (`mode & 0o7777`).
    pub mode: u32,
}

impl FileCheck {
    /// The problem as a sentence naming the file, if there is one.
    pub fn problem_line(&self) -> Option<String> {
        self.problem
            .as_ref()
            .map(|problem| format!("{} {problem}", self.path.display()))
    }
}

/// The error for the first of `checks` that has a problem, if any.
pub(super) fn refusal(checks: &[FileCheck]) -> Option<Error> {
    let mut problems = checks.iter().filter_map(FileCheck::problem_line);
    let first = problems.next()?;
    let more = problems.count();
    let problem = if more == 0 {
        first
    } else {
        format!("{first} (and {more} more)")
    };
    Some(Error::StoreUnsafe { problem })
}

/// Refuses paths SQLite would not treat as a plain file name, before any
/// file is looked at: tokctl opens SQLite with URI parsing off, so
/// `file:a.db?nolock=1` would be a file literally named so, which is almost
/// never what was meant.
pub(super) fn check_path_shape(path: &Path) -> Result<()> {
    let text = path.to_string_lossy();
    if text.is_empty() {
        return Err(Error::request(
            "the store path is empty",
            crate::error::RequestProblem::StorePathEmpty,
        ));
    }
    if text == ":memory:" {
        return Err(Error::request(
            "the store path ':memory:' names SQLite's in-memory database, not a file",
            crate::error::RequestProblem::StorePathInMemory,
        ));
    }
    if text.starts_with("file:") {
        return Err(Error::request(
            format!(
                "the store path '{}' looks like an SQLite URI; tokctl takes only a plain file path",
                crate::error::quote_for_message(&text)
            ),
            crate::error::RequestProblem::StorePathUri,
        ));
    }
    Ok(())
}

/// The directory the store lives in (`.` for a bare file name).
/// Whether the store file at `path` is owned by the effective user: the
/// person who can copy, replace or delete it whatever tokctl's roles say.
/// False when it cannot be told (no file, no Unix owners).
pub(super) fn owned_by_effective_user(path: &Path) -> bool {
    matches!(
        imp::stat_entry(path),
        Ok(Some(Entry { facts: Some(facts), not_regular: None, .. }))
            if imp::owned_by_effective_user(facts)
    )
}

pub(super) fn store_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// The path of a side file SQLite keeps next to the store.
pub(super) fn side_path(path: &Path, role: FileRole) -> PathBuf {
    let suffix = match role {
        FileRole::Wal => "-wal",
        FileRole::Shm => "-shm",
        FileRole::Journal => "-journal",
        FileRole::UsageJournal => "-usage",
        FileRole::Directory | FileRole::Store => "",
    };
    let mut side = path.as_os_str().to_owned();
    side.push(suffix);
    PathBuf::from(side)
}

/// The store file, checked and held: keeping its descriptor open pins the
/// inode, so comparing it with what the path names after SQLite opened it
/// is meaningful.
#[derive(Debug)]
pub(super) struct Pinned {
    /// The check of the store file.
    pub check: FileCheck,
    identity: Option<Identity>,
    /// The `O_PATH` descriptor, held until SQLite has opened the file.
    _pin: Option<imp::Pin>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Identity {
    dev: u64,
    ino: u64,
}

/// Checks the directory that holds (or will hold) the store.
pub(super) fn check_directory(dir: &Path) -> Result<FileCheck> {
    let io_error = |source| Error::Io {
        path: dir.to_owned(),
        source,
    };
    let found = imp::stat_dir(dir).map_err(io_error)?;
    Ok(FileCheck {
        role: FileRole::Directory,
        path: dir.to_owned(),
        found,
        problem: found.and_then(imp::directory_problem),
    })
}

/// Checks the store file: `None` when it does not exist; an error when it
/// is anything but a regular file (a FIFO, a device, a directory, a link).
pub(super) fn check_store_file(path: &Path) -> Result<Option<Pinned>> {
    let io_error = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let Some(entry) = imp::stat_entry(path).map_err(io_error)? else {
        return Ok(None);
    };
    if let Some(kind) = entry.not_regular {
        return Err(Error::StoreNotRegular {
            path: path.to_owned(),
            kind,
        });
    }
    let problem = entry.facts.and_then(imp::file_problem);
    Ok(Some(Pinned {
        check: FileCheck {
            role: FileRole::Store,
            path: path.to_owned(),
            found: entry.facts,
            problem,
        },
        identity: entry.identity,
        _pin: entry.pin,
    }))
}

/// Why a file with these facts may not be one of the store's (another
/// owner, group or other permissions), if it may not.
pub(super) fn file_problem(facts: FileFacts) -> Option<String> {
    imp::file_problem(facts)
}

/// Checks a side file (`-wal`, `-shm`, `-journal`, `-usage`) of the store
/// at `path`. A missing one is fine; anything but a private regular file is
/// a problem.
pub(super) fn check_side_file(path: &Path, role: FileRole) -> Result<FileCheck> {
    let side = side_path(path, role);
    let entry = imp::stat_entry(&side).map_err(|source| Error::Io {
        path: side.clone(),
        source,
    })?;
    let (found, problem) = match entry {
        None => (None, None),
        Some(entry) => {
            let problem = match entry.not_regular {
                Some(kind) => Some(format!("is {kind}, not a regular file")),
                None => entry.facts.and_then(imp::file_problem),
            };
            (entry.facts, problem)
        }
    };
    Ok(FileCheck {
        role,
        path: side,
        found,
        problem,
    })
}

impl Pinned {
    /// Fails unless `path` still names the file that was checked (SQLite
    /// opened it by path in between).
    pub(super) fn still_at(&self, path: &Path) -> Result<()> {
        let Some(identity) = self.identity else {
            return Ok(());
        };
        let now = imp::stat_entry(path)
            .map_err(|source| Error::Io {
                path: path.to_owned(),
                source,
            })?
            .and_then(|entry| entry.identity);
        if now == Some(identity) {
            Ok(())
        } else {
            Err(Error::StoreUnsafe {
                problem: format!("{} was replaced while it was being opened", path.display()),
            })
        }
    }
}

/// What one look at a path found.
struct Entry {
    facts: Option<FileFacts>,
    /// "a FIFO", "a symbolic link", ... when not a regular file.
    not_regular: Option<&'static str>,
    identity: Option<Identity>,
    pin: Option<imp::Pin>,
}

#[cfg(unix)]
mod imp {
    use std::path::Path;

    use rustix::fs::{FileType, Stat};

    use super::{Entry, FileFacts, Identity};

    /// A descriptor that keeps a checked inode from being reused.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub(super) type Pin = rustix::fd::OwnedFd;
    /// Nothing to hold where the check is a plain `lstat`.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    pub(super) type Pin = ();

    /// The effective uid: the user whose files these must be. Asked once
    /// (a system call; every file check needs it, a dozen per open), as
    /// tokctl never changes its uids.
    fn euid() -> u32 {
        static EUID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
        *EUID.get_or_init(|| rustix::process::geteuid().as_raw())
    }

    /// Whether the effective user owns these facts' file.
    pub(super) fn owned_by_effective_user(facts: FileFacts) -> bool {
        facts.owner == euid()
    }

    // `Stat` field widths differ between platforms (a u16 mode on macOS);
    // these casts only widen.
    #[allow(clippy::unnecessary_cast)]
    fn facts(stat: &Stat) -> (FileFacts, Identity) {
        (
            FileFacts {
                owner: stat.st_uid as u32,
                mode: stat.st_mode as u32 & 0o7777,
            },
            Identity {
                dev: stat.st_dev as u64,
                ino: stat.st_ino as u64,
            },
        )
    }

    fn kind_name(file_type: FileType) -> Option<&'static str> {
        match file_type {
            FileType::RegularFile => None,
            FileType::Directory => Some("a directory"),
            FileType::Symlink => Some("a symbolic link"),
            FileType::Fifo => Some("a FIFO"),
            FileType::Socket => Some("a socket"),
            FileType::CharacterDevice => Some("a character device"),
            FileType::BlockDevice => Some("a block device"),
            _ => Some("not a file"),
        }
    }

    /// Looks at `path` itself (never through a link).
    pub(super) fn stat_entry(path: &Path) -> std::io::Result<Option<Entry>> {
        let Some((stat, pin)) = stat_no_follow(path)? else {
            return Ok(None);
        };
        let (facts, identity) = facts(&stat);
        Ok(Some(Entry {
            facts: Some(facts),
            not_regular: kind_name(FileType::from_raw_mode(stat.st_mode)),
            identity: Some(identity),
            pin: Some(pin),
        }))
    }

    /// `fstat` of an `O_PATH | O_NOFOLLOW` descriptor: the link itself if
    /// it is one, and nothing is opened for I/O (a FIFO does not block, a
    /// device is not touched). Closing it releases no POSIX lock.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn stat_no_follow(path: &Path) -> std::io::Result<Option<(Stat, Pin)>> {
        use rustix::fs::{Mode, OFlags};
        match rustix::fs::open(
            path,
            OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        ) {
            Ok(fd) => Ok(Some((rustix::fs::fstat(&fd)?, fd))),
            Err(rustix::io::Errno::NOENT) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    /// `lstat` where there is no `O_PATH`.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn stat_no_follow(path: &Path) -> std::io::Result<Option<(Stat, Pin)>> {
        use rustix::fs::{AtFlags, CWD};
        match rustix::fs::statat(CWD, path, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) => Ok(Some((stat, ()))),
            Err(rustix::io::Errno::NOENT) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    /// The directory (following links: `/tmp` may be one), with its identity.
    pub(super) fn stat_dir(dir: &Path) -> std::io::Result<Option<FileFacts>> {
        let stat = rustix::fs::stat(dir)?;
        if FileType::from_raw_mode(stat.st_mode) != FileType::Directory {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotADirectory,
                "not a directory",
            ));
        }
        Ok(Some(facts(&stat).0))
    }

    /// Why a store, WAL, SHM or journal file is unsafe, if it is.
    pub(super) fn file_problem(facts: FileFacts) -> Option<String> {
        let me = euid();
        if facts.owner != me {
            return Some(format!(
                "is owned by uid {}, not by you (uid {me})",
                facts.owner
            ));
        }
        if facts.mode & 0o077 != 0 {
            return Some(format!(
                "can be used by group or others (mode {:o}, must be 600)",
                facts.mode
            ));
        }
        None
    }

    /// Why the directory is unsafe, if it is: someone other than the user
    /// (or root) could replace the store's files in it.
    pub(super) fn directory_problem(facts: FileFacts) -> Option<String> {
        let me = euid();
        if facts.owner != me && facts.owner != 0 {
            return Some(format!(
                "is owned by uid {}, neither you (uid {me}) nor root",
                facts.owner
            ));
        }
        if facts.mode & 0o022 != 0 && facts.mode & 0o1000 == 0 {
            return Some(format!(
                "is writable by group or others without the sticky bit (mode {:o}), so they could replace the store's files",
                facts.mode
            ));
        }
        None
    }
}

#[cfg(not(unix))]
mod imp {
    //! Without Unix owners and modes there is nothing to compare; the
    //! regular-file check still applies.
    use std::path::Path;

    use super::{Entry, FileFacts};

    /// Nothing to hold.
    pub(super) type Pin = ();

    pub(super) fn stat_entry(path: &Path) -> std::io::Result<Option<Entry>> {
        match std::fs::symlink_metadata(path) {
            Ok(meta) => Ok(Some(Entry {
                facts: None,
                not_regular: if meta.is_file() {
                    None
                } else if meta.is_dir() {
                    Some("a directory")
                } else if meta.file_type().is_symlink() {
                    Some("a symbolic link")
                } else {
                    Some("not a file")
                },
                identity: None,
                pin: None,
            })),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err),
        }
    }

    pub(super) fn stat_dir(dir: &Path) -> std::io::Result<Option<FileFacts>> {
        std::fs::metadata(dir).map(|_| None)
    }

    pub(super) fn file_problem(_: FileFacts) -> Option<String> {
        None
    }

    /// Without Unix owners nobody is known to own the file.
    pub(super) fn owned_by_effective_user(_: FileFacts) -> bool {
        false
    }

    pub(super) fn directory_problem(_: FileFacts) -> Option<String> {
        None
    }
}
