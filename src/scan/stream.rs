//! The finder over a reader: input of any size in bounded memory, read in
//! chunks that overlap by less than a token, so none is cut in two.

use std::io::{ErrorKind, Read};

use super::{Finder, Hit, LineCounter};
use crate::secret::TOKEN_LEN;

/// Bytes read at a time: small enough to stay in the CPU's cache between
/// the read and the search, large enough that syscalls cost little.
const READ_SIZE: usize = 256 * 1024;

/// What may be left of a chunk to search with the next one: a token
/// starting in the last `TOKEN_LEN - 1` bytes may go on beyond them.
const CARRY: usize = TOKEN_LEN - 1;

/// What reading one input found.
#[derive(Debug, Default)]
pub struct ReadScan {
    /// The tokens, in order (none when a binary input was skipped).
    pub hits: Vec<Hit>,
    /// Bytes read.
    pub bytes: u64,
    /// Whether a NUL byte was seen (the input is binary).
    pub binary: bool,
}

impl Finder {
    /// Scans everything `reader` yields, reusing `buf` (a worker keeps one
    /// across files). With `skip_binary`, reading stops at the first chunk
    /// holding a NUL byte and the input yields no hits, as ripgrep skips
    /// binary files it meets while walking.
    pub fn scan_read(
        &self,
        reader: &mut dyn Read,
        buf: &mut Vec<u8>,
        skip_binary: bool,
    ) -> std::io::Result<ReadScan> {
        self.scan_chunks(reader, buf, skip_binary, READ_SIZE + CARRY)
    }

    /// [`Finder::scan_read`] with chunks of `capacity` bytes (more than
    /// `CARRY`; tests use small ones to put tokens across every boundary).
    fn scan_chunks(
        &self,
        reader: &mut dyn Read,
        buf: &mut Vec<u8>,
        skip_binary: bool,
        capacity: usize,
    ) -> std::io::Result<ReadScan> {
        if buf.len() < capacity {
            buf.resize(capacity, 0);
        }
        let mut scan = ReadScan::default();
        // buf[..filled] holds the input from stream offset `base` on; the
        // search resumes at `at`, lines are counted up to `lines.upto`.
        let mut filled = 0;
        let mut base = 0u64;
        let mut at = 0;
        let mut lines = LineCounter::default();
        loop {
            let fresh = filled;
            let mut eof = false;
            while filled < capacity {
                match reader.read(&mut buf[filled..capacity]) {
                    Ok(0) => {
                        eof = true;
                        break;
                    }
                    Ok(read) => filled += read,
                    Err(err) if err.kind() == ErrorKind::Interrupted => {}
                    Err(err) => return Err(err),
                }
            }
            scan.bytes += (filled - fresh) as u64;
            if !scan.binary && memchr::memchr(0, &buf[fresh..filled]).is_some() {
                scan.binary = true;
                if skip_binary {
                    scan.hits.clear();
                    return Ok(scan);
                }
            }
            let text = &buf[..filled];
            while let Some((start, token)) = self.next_in(text, &mut at) {
                let (line, column) = lines.position(text, start);
                scan.hits.push(Hit {
                    offset: base + start as u64,
                    line,
                    column,
                    token,
                });
            }
            if eof {
                return Ok(scan);
            }
            // Keep what may begin a token cut off by the chunk's end; count
            // the lines of what goes, for the hits still to come.
            let keep = at.max(filled.saturating_sub(CARRY));
            lines.advance(text, keep);
            lines = lines.shifted(keep);
            buf.copy_within(keep..filled, 0);
            filled -= keep;
            base += keep as u64;
            at = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{TokenId, TokenKind};
    use crate::secret::Generator;

    /// Hands out its input a few bytes at a time.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(self.0.len()).min(out.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn chunked_reads_find_what_one_search_finds() {
        let generator = Generator::default();
        let mut text = String::new();
        for key in 1..200 {
            let minted = generator
                .mint(TokenKind::Personal, TokenId::from_key(key).unwrap())
                .unwrap();
            // Fillers of every length put tokens across every offset of a
            // chunk boundary; a false candidate sits before some of them.
            text.push_str(&"é line\n".repeat(key as usize % 7));
            text.push_str(&"x".repeat(key as usize % 13));
            if key % 5 == 0 {
                text.push_str("tko_");
            }
            text.push_str(minted.secret.expose());
        }
        let finder = Finder::new();
        let whole = finder.find(text.as_bytes());
        assert_eq!(whole.len(), 199);
        for (capacity, step) in [
            (READ_SIZE + CARRY, 1 << 20),
            (CARRY + 1, 61),
            (200, 7),
            (97, 1000),
        ] {
            let mut buf = Vec::new();
            let mut reader = Trickle(text.as_bytes(), step);
            let scan = finder
                .scan_chunks(&mut reader, &mut buf, true, capacity)
                .unwrap();
            assert_eq!(scan.hits, whole, "chunks of {capacity}, reads of {step}");
            assert_eq!(scan.bytes, text.len() as u64);
            assert!(!scan.binary);
        }
    }

    #[test]
    fn a_nul_byte_makes_input_binary_and_skipped_only_when_asked() {
        let minted = Generator::default()
            .mint(TokenKind::Org, TokenId::from_key(5).unwrap())
            .unwrap();
        let text = format!("{}\n\0", minted.secret.expose());
        let finder = Finder::new();
        let skipped = finder
            .scan_read(&mut text.as_bytes(), &mut Vec::new(), true)
            .unwrap();
        assert!(skipped.binary && skipped.hits.is_empty());
        let scanned = finder
            .scan_read(&mut text.as_bytes(), &mut Vec::new(), false)
            .unwrap();
        assert!(scanned.binary);
        assert_eq!(scanned.hits.len(), 1);
    }
}
