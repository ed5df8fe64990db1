//! Finding tokctl tokens in text, files and git history, for `tokctl scan`.
//!
//! The finder ([`Finder`]) is pure: bytes in, [`Hit`]s out. A hit is a
//! string that matches [`TOKEN_PATTERN`] *and* carries a correct checksum;
//! the checksum is what tells a real token from noise, so the pattern needs
//! no word boundaries. A hit keeps the token's kind, id, last four
//! characters and the SHA-256 of its secret (what the store keeps, enough
//! to look it up), never the secret itself.
//!
//! Around it: [`walk`] scans files and directories (ripgrep's walker,
//! `.gitignore` respected, binary files skipped), [`git`] scans the blobs of
//! a repository's history or its staged changes through the `git` program.
//! Nothing here touches a store: `ops::scan` says which token each hit is.

pub mod git;
mod stream;
pub mod walk;

use std::path::PathBuf;

use regex::bytes::Regex;

use crate::clock::Timestamp;
use crate::model::{TokenId, TokenKind};
use crate::secret::{self, SecretHash, TOKEN_LEN};

pub use stream::ReadScan;
pub use walk::{scan_paths, scan_reader, WalkOptions};

/// The regular expression of a token anywhere in text: the prefix, then the
/// 59 characters of the id and body (docs/token-format.md).
pub const TOKEN_PATTERN: &str = "tk[po]_[A-Za-z0-9_-]{59}";

/// Characters of a token shown after its prefix and id, so a person can
/// tell two tokens of one id apart without seeing the secret.
const SHOWN_TAIL: usize = 4;

/// A well-formed token found in text, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FoundToken {
    /// From the prefix.
    pub kind: TokenKind,
    /// The id inside it.
    pub id: TokenId,
    /// Its last four characters (part of the checksum, not of the secret's
    /// 256 bits).
    pub tail: String,
    /// SHA-256 of the secret, as the store keeps it: enough to look the
    /// token up, useless to anyone who would use it.
    digest: SecretHash,
}

impl FoundToken {
    /// What may be shown of it: prefix, id, `…`, the last four characters.
    pub fn redacted(&self) -> String {
        let prefix = match self.kind {
            TokenKind::Personal => "tkp_",
            TokenKind::Org => "tko_",
        };
        format!("{prefix}{}…{}", self.id, self.tail)
    }

    /// SHA-256 of the secret.
    pub(crate) fn digest(&self) -> &SecretHash {
        &self.digest
    }

    /// Reads a candidate the pattern matched; `None` when its checksum (or
    /// anything else about it) is wrong.
    fn from_match(bytes: &[u8]) -> Option<FoundToken> {
        let text = std::str::from_utf8(bytes).ok()?;
        let parsed = secret::parse(text).ok()?;
        Some(FoundToken {
            kind: parsed.kind,
            id: parsed.id,
            tail: text[TOKEN_LEN - SHOWN_TAIL..].to_owned(),
            digest: parsed.hash(),
        })
    }
}

/// One token found at one place in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Byte offset of its first character.
    pub offset: u64,
    /// 1-based line number.
    pub line: u64,
    /// 1-based column, in characters (Unicode code points) from the line's
    /// start; bytes that are not UTF-8 count one each.
    pub column: u64,
    /// The token.
    pub token: FoundToken,
}

/// Finds tokens in text. Compiling the pattern costs a little; make one
/// and share it (it is `Sync`).
#[derive(Debug, Clone)]
pub struct Finder {
    regex: Regex,
}

impl Default for Finder {
    fn default() -> Self {
        Finder::new()
    }
}

impl Finder {
    /// The finder for [`TOKEN_PATTERN`].
    pub fn new() -> Self {
        // The pattern is a constant, compiled by a unit test too.
        let regex = Regex::new(TOKEN_PATTERN)
            .unwrap_or_else(|err| unreachable!("the token pattern compiles: {err}"));
        Finder { regex }
    }

    /// Every token in `text` whose checksum is right, in order. A candidate
    /// with a wrong checksum is dropped, and the search resumes one byte
    /// after its start, so a real token overlapping a false one is found.
    pub fn find(&self, text: &[u8]) -> Vec<Hit> {
        let mut lines = LineCounter::default();
        let mut hits = Vec::new();
        let mut at = 0;
        while let Some((start, token)) = self.next_in(text, &mut at) {
            let (line, column) = lines.position(text, start);
            hits.push(Hit {
                offset: start as u64,
                line,
                column,
                token,
            });
        }
        hits
    }

    /// The next token in `text` at or after `*at`, moving `*at` past it;
    /// `None` when there is none, leaving `*at` after the last false
    /// candidate (a chunked search resumes from there).
    fn next_in(&self, text: &[u8], at: &mut usize) -> Option<(usize, FoundToken)> {
        while *at < text.len() {
            let found = self.regex.find_at(text, *at)?;
            match FoundToken::from_match(found.as_bytes()) {
                Some(token) => {
                    *at = found.end();
                    return Some((found.start(), token));
                }
                None => *at = found.start() + 1,
            }
        }
        None
    }
}

/// Line and column of byte offsets visited in increasing order, counting
/// only the bytes between one offset and the next.
#[derive(Debug, Clone, Copy)]
struct LineCounter {
    /// Bytes before this have been counted.
    upto: usize,
    /// The line `upto` is on, 1-based.
    line: u64,
    /// Characters between the start of that line and `upto`.
    chars: u64,
}

impl Default for LineCounter {
    fn default() -> Self {
        LineCounter {
            upto: 0,
            line: 1,
            chars: 0,
        }
    }
}

impl LineCounter {
    /// Counts up to `offset` (not before `upto`).
    fn advance(&mut self, text: &[u8], offset: usize) {
        let seen = &text[self.upto..offset];
        match memchr::memrchr(b'\n', seen) {
            Some(last) => {
                self.line += count_byte(seen, b'\n');
                self.chars = count_chars(&seen[last + 1..]);
            }
            None => self.chars += count_chars(seen),
        }
        self.upto = offset;
    }

    /// Line and 1-based column of `offset`.
    fn position(&mut self, text: &[u8], offset: usize) -> (u64, u64) {
        self.advance(text, offset);
        (self.line, self.chars + 1)
    }

    /// The same counter for a buffer whose first `dropped` bytes were removed.
    fn shifted(self, dropped: usize) -> Self {
        LineCounter {
            upto: self.upto - dropped,
            ..self
        }
    }
}

/// How many times `needle` occurs: byte-wide sums over blocks of 255, which
/// the compiler turns into vector compares (newlines are dense in text, so
/// a search for each one would be slower).
fn count_byte(hay: &[u8], needle: u8) -> u64 {
    hay.chunks(255)
        .map(|block| {
            u64::from(
                block
                    .iter()
                    .fold(0u8, |sum, &byte| sum + u8::from(byte == needle)),
            )
        })
        .sum()
}

/// Characters in UTF-8 `text`: the bytes that do not continue a character.
/// Invalid UTF-8 counts about a character per byte.
fn count_chars(text: &[u8]) -> u64 {
    text.chunks(255)
        .map(|block| {
            u64::from(
                block
                    .iter()
                    .fold(0u8, |sum, &byte| sum + u8::from((byte as i8) >= -0x40)),
            )
        })
        .sum()
}

/// Where a finding is: a file, stdin, a commit's blob or a staged one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A file on disk.
    File,
    /// Standard input.
    Stdin,
    /// A blob of a commit in the repository's history: the oldest commit
    /// (of those scanned) that put the token at this path.
    Commit(CommitInfo),
    /// A staged change, about to be committed.
    Staged,
}

/// The commit a token in the history was found in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    /// Its full hash.
    pub hash: String,
    /// Its author, `Name <email>`.
    pub author: String,
    /// When it was authored.
    pub authored_at: Option<Timestamp>,
}

/// One token found at one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What was scanned.
    pub origin: Origin,
    /// The file's path as walked (relative to the root given), the path in
    /// the repository, or `-` for stdin.
    pub path: PathBuf,
    /// Where in it, and which token.
    pub hit: Hit,
}

/// A path or input that could not be scanned, and why.
#[derive(Debug)]
pub struct ScanProblem {
    /// What could not be read.
    pub path: PathBuf,
    /// Why.
    pub error: std::io::Error,
}

/// How much was scanned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanStats {
    /// Files, inputs or blobs read.
    pub scanned: u64,
    /// Bytes read from them.
    pub bytes: u64,
    /// Files or blobs skipped as binary (a NUL byte).
    pub binary_skipped: u64,
}

/// What a scan found: findings in order (by path, then offset; by commit
/// order for history), the paths it could not read, and how much it read.
#[derive(Debug, Default)]
pub struct ScanReport {
    /// The tokens found.
    pub findings: Vec<Finding>,
    /// What could not be scanned: the scan is incomplete when this is not empty.
    pub problems: Vec<ScanProblem>,
    /// How much was scanned.
    pub stats: ScanStats,
}

impl ScanReport {
    /// Whether everything asked for was read.
    pub fn is_complete(&self) -> bool {
        self.problems.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Generator;

    fn token(key: i64) -> String {
        Generator::default()
            .mint(TokenKind::Org, TokenId::from_key(key).unwrap())
            .unwrap()
            .secret
            .expose()
            .to_owned()
    }

    #[test]
    fn the_pattern_compiles_and_matches_a_token() {
        let text = token(3);
        assert!(Regex::new(TOKEN_PATTERN).unwrap().is_match(text.as_bytes()));
    }

    #[test]
    fn counters_agree_with_a_naive_count() {
        let text = "héllo\nwörld\n\n€ x".repeat(100);
        let bytes = text.as_bytes();
        assert_eq!(count_byte(bytes, b'\n'), text.matches('\n').count() as u64);
        assert_eq!(count_chars(bytes), text.chars().count() as u64);
    }

    #[test]
    fn a_token_after_a_false_candidate_it_overlaps_is_found() {
        let real = token(9);
        let text = format!("tkp_{real}");
        let hits = Finder::new().find(text.as_bytes());
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].offset, 4);
    }
}
