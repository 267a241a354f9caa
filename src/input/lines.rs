//! Lines of a JSONL stream, read in batches that keep their bytes in one buffer.
//!
//! A [`LineBatch`] holds the bytes of all its lines side by side in one buffer, plus each
//! line's number and byte range; workers see a line as a [`RawLine`], a borrowed slice of that
//! buffer. [`LineReader::fill`] appends lines to a batch, copying them from the reader's
//! buffered chunks (one `memchr` per line, no allocation per line). Blank lines are counted but
//! not kept; a line longer than the limit is counted, reported and skipped without being
//! buffered whole. A [`BatchPool`] keeps used batches for the next file or pass: the buffers
//! are filled again rather than allocated, so a stream in its steady state allocates nothing
//! and touches no fresh memory.

use std::io::{self, BufRead};
use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;

/// One line of a batch: its number in the file and its bytes, borrowed from the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawLine<'a> {
    /// 1-based line number.
    pub line: u64,
    /// The line's bytes, terminator included (`\n`, or `\r\n` as written; none on a last line
    /// without one).
    pub bytes: &'a [u8],
}

/// Where one line of a batch lies in its buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    line: u64,
    start: usize,
    end: usize,
}

/// Lines of one file in file order, their bytes in one buffer. Filled by [`LineReader::fill`];
/// read by index ([`LineBatch::get`]), in order ([`LineBatch::iter`]) or in parallel
/// ([`LineBatch::par_iter`]).
#[derive(Debug, Default)]
pub struct LineBatch {
    /// The kept lines' bytes, one after another.
    bytes: Vec<u8>,
    /// One entry per kept line, in file order.
    spans: Vec<Span>,
}

impl LineBatch {
    /// Number of lines held.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Bytes of all the lines held.
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// The `i`-th line of the batch (not of the file).
    pub fn get(&self, i: usize) -> Option<RawLine<'_>> {
        self.spans.get(i).map(|s| self.raw(s))
    }

    /// The lines in file order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = RawLine<'_>> + DoubleEndedIterator + '_ {
        self.spans.iter().map(|s| self.raw(s))
    }

    /// The lines as a parallel iterator that keeps file order (`collect` gives results in it).
    pub fn par_iter(&self) -> impl IndexedParallelIterator<Item = RawLine<'_>> + '_ {
        self.spans.par_iter().map(|s| self.raw(s))
    }

    /// Forget every line, keeping the memory for the next ones.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.spans.clear();
    }

    fn raw(&self, span: &Span) -> RawLine<'_> {
        RawLine {
            line: span.line,
            bytes: &self.bytes[span.start..span.end],
        }
    }
}

/// When [`LineReader::fill`] stops adding lines to a batch: once it holds `lines` lines or
/// `bytes` bytes (the line that reaches the limit is kept whole).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchLimits {
    pub lines: usize,
    pub bytes: usize,
}

/// Used batches waiting to be filled again, shared by the streams of a stage (several files,
/// read one after another or side by side). It holds at most as many batches as were in use
/// at once, until it is dropped.
#[derive(Debug, Default)]
pub struct BatchPool {
    free: Mutex<Vec<LineBatch>>,
}

impl BatchPool {
    pub fn new() -> Self {
        BatchPool::default()
    }

    /// An empty batch: one given back earlier, else a new one.
    pub fn take(&self) -> LineBatch {
        self.free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
            .unwrap_or_default()
    }

    /// Keep `batch` (emptied) for a later [`BatchPool::take`].
    pub fn give(&self, mut batch: LineBatch) {
        batch.clear();
        self.free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(batch);
    }
}

/// Reads the lines of a stream into [`LineBatch`]es, each at most `max_bytes` long (terminator
/// included); longer ones are skipped without being buffered.
pub struct LineReader<R> {
    inner: R,
    max_bytes: u64,
    /// 1-based number of the last line read, blank and over-long lines included.
    pub line: u64,
    /// Bytes read so far (decompressed), blank and over-long lines included; a line cut short
    /// by a read error is not counted.
    pub bytes_read: u64,
}

impl<R: BufRead> LineReader<R> {
    pub fn new(inner: R, max_bytes: u64) -> Self {
        LineReader {
            inner,
            max_bytes,
            line: 0,
            bytes_read: 0,
        }
    }

    /// Append the next lines to `batch` until it reaches `limits` (`Ok(true)`: more may follow)
    /// or the stream ends (`Ok(false)`). Lines of only ASCII whitespace are counted and
    /// dropped; a line over the limit is counted and handed to `too_long` as its number and
    /// length, its bytes never held. On a read error the lines before it stay in `batch` and
    /// the line being read is dropped; [`LineReader::line`] is the last whole line.
    pub fn fill(
        &mut self,
        batch: &mut LineBatch,
        limits: BatchLimits,
        mut too_long: impl FnMut(u64, u64),
    ) -> io::Result<bool> {
        // The line being read: where it starts in the batch, its length so far, and whether it
        // is over the limit (its bytes then stop being copied).
        let mut start = batch.bytes.len();
        let mut len: u64 = 0;
        let mut skipping = false;
        loop {
            let available = match self.inner.fill_buf() {
                Ok(a) => a,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    batch.bytes.truncate(start);
                    return Err(e);
                }
            };
            let at_end = available.is_empty();
            let mut used = 0;
            let mut full = false;
            while used < available.len() || (at_end && len > 0) {
                let rest = &available[used..];
                let (take, ends) = match memchr::memchr(b'\n', rest) {
                    Some(i) => (i + 1, true),
                    None => (rest.len(), at_end),
                };
                len += take as u64;
                if len > self.max_bytes {
                    skipping = true;
                    batch.bytes.truncate(start);
                } else {
                    batch.bytes.extend_from_slice(&rest[..take]);
                }
                used += take;
                if !ends {
                    break;
                }
                self.line += 1;
                self.bytes_read += len;
                if skipping {
                    too_long(self.line, len);
                } else if batch.bytes[start..].iter().all(u8::is_ascii_whitespace) {
                    batch.bytes.truncate(start);
                } else {
                    batch.spans.push(Span {
                        line: self.line,
                        start,
                        end: batch.bytes.len(),
                    });
                    full = batch.spans.len() >= limits.lines || batch.bytes.len() >= limits.bytes;
                }
                start = batch.bytes.len();
                len = 0;
                skipping = false;
                if full {
                    break;
                }
            }
            self.inner.consume(used);
            if full {
                return Ok(true);
            }
            if at_end {
                return Ok(false);
            }
        }
    }
}
