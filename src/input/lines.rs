//! Lines of a JSONL stream, read in batches that keep their bytes in one buffer.
//!
//! A [`LineBatch`] holds the bytes of all its lines side by side in one buffer, plus each
//! line's number and byte range; workers see a line as a [`RawLine`], a borrowed slice of that
//! buffer. [`LineReader::fill`] reads chunks of the stream straight into a batch's buffer and
//! finds the lines there with `memchr`: nothing is allocated or copied per line. Blank lines
//! are counted but not kept; a line longer than the limit is counted, reported and skipped
//! without being buffered whole. A [`BatchPool`] keeps used batches for the next batch or file:
//! their buffers are filled again rather than allocated, so a stream in its steady state
//! allocates nothing and touches no fresh memory.

use std::io::{self, Read};
use std::ops::Range;
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
    /// The kept lines' bytes, one after another (up to the last span's end); the rest is room
    /// for the next reads, already written once, so a reused batch touches no fresh memory.
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
        self.spans.last().map_or(0, |s| s.end)
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
/// at once, until it is dropped; a batch whose buffer grew past [`BatchPool::KEEP_BYTES`] (only
/// a very long line does that) is freed rather than kept.
#[derive(Debug, Default)]
pub struct BatchPool {
    free: Mutex<Vec<LineBatch>>,
}

impl BatchPool {
    /// Largest buffer kept for reuse: twice the batches' usual bound of 32 MB.
    pub const KEEP_BYTES: usize = 64 << 20;

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

    /// Number of batches waiting.
    #[cfg(test)]
    pub(crate) fn waiting(&self) -> usize {
        self.free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Keep `batch` (emptied) for a later [`BatchPool::take`], unless its buffer is too large.
    pub fn give(&self, mut batch: LineBatch) {
        if batch.bytes.capacity() > Self::KEEP_BYTES {
            return;
        }
        batch.clear();
        self.free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(batch);
    }
}

/// Bytes asked of the stream by each read, straight into a batch's buffer. [`jsonl::open`]'s
/// buffers have this size, so such reads pass through them uncopied, and a decompressor is
/// asked for the same amounts as when those buffers were filled (how much of a corrupt stream
/// comes out before the error depends on them).
///
/// [`jsonl::open`]: super::jsonl::open
pub const READ_CHUNK: usize = 256 * 1024;

/// Reads the lines of a stream into [`LineBatch`]es, each at most `max_bytes` long (terminator
/// included); longer ones are skipped without being buffered whole.
///
/// Reads of [`READ_CHUNK`] bytes go straight into the batch's buffer, where lines are found
/// with `memchr` and stay in place; only a line after a dropped (blank or over-long) one moves
/// down, and what is read past a full batch is kept for the next.
pub struct LineReader<R> {
    inner: R,
    max_bytes: u64,
    /// 1-based number of the last line read, blank and over-long lines included.
    pub line: u64,
    /// Bytes read so far (decompressed) in whole lines, blank and over-long lines included.
    pub bytes_read: u64,
    /// Bytes read past the last line of the last full batch: where the next batch begins.
    carry: Vec<u8>,
}

impl<R: Read> LineReader<R> {
    pub fn new(inner: R, max_bytes: u64) -> Self {
        LineReader {
            inner,
            max_bytes,
            line: 0,
            bytes_read: 0,
            carry: Vec::new(),
        }
    }

    /// Append the next lines to `batch` until it reaches `limits` (`Ok(true)`: more may follow)
    /// or the stream ends (`Ok(false)`). Lines of only ASCII whitespace are counted and
    /// dropped; a line over the limit is counted and handed to `too_long` as its number and
    /// length, and dropped. On a read error the lines before it stay in `batch` and the line
    /// being read is lost; [`LineReader::line`] is then the last whole line.
    pub fn fill(
        &mut self,
        batch: &mut LineBatch,
        limits: BatchLimits,
        mut too_long: impl FnMut(u64, u64),
    ) -> io::Result<bool> {
        // buf[..kept]: the batch's lines; buf[line_start..filled]: the line being read, of
        // which `skipped` bytes before line_start were dropped (it is over the limit);
        // buf[scan..filled] has not been searched for its end yet.
        let mut kept = batch.byte_len();
        let buf = &mut batch.bytes;
        let mut filled = kept + self.carry.len();
        grow(buf, filled);
        buf[kept..filled].copy_from_slice(&self.carry);
        self.carry.clear();
        let mut line_start = kept;
        let mut scan = kept;
        let mut skipped: u64 = 0;
        loop {
            // Every line ending in what has been read.
            while let Some(i) = memchr::memchr(b'\n', &buf[scan..filled]) {
                let end = scan + i + 1;
                if self.take_line(
                    buf,
                    &mut batch.spans,
                    &mut kept,
                    line_start..end,
                    skipped,
                    &mut too_long,
                ) && (batch.spans.len() >= limits.lines || kept >= limits.bytes)
                {
                    self.carry.extend_from_slice(&buf[end..filled]);
                    return Ok(true);
                }
                line_start = end;
                scan = end;
                skipped = 0;
            }
            // The line under way: dropped as soon as it is over the limit, else moved down to
            // the batch's last line, so the buffer holds no gap.
            let partial = (filled - line_start) as u64;
            if skipped + partial > self.max_bytes {
                skipped += partial;
                filled = line_start;
            }
            if line_start > kept {
                buf.copy_within(line_start..filled, kept);
                filled = kept + (filled - line_start);
                line_start = kept;
            }
            scan = filled;
            grow(buf, filled + READ_CHUNK);
            let read = match self.inner.read(&mut buf[filled..filled + READ_CHUNK]) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if read == 0 {
                // The last line may have no terminator.
                if skipped > 0 || filled > line_start {
                    self.take_line(
                        buf,
                        &mut batch.spans,
                        &mut kept,
                        line_start..filled,
                        skipped,
                        &mut too_long,
                    );
                }
                return Ok(false);
            }
            filled += read;
        }
    }

    /// Count the line at `range` of `buf` (after `skipped` bytes already dropped) and keep it
    /// at `*kept` unless it is blank or over the limit; true when kept.
    fn take_line(
        &mut self,
        buf: &mut [u8],
        spans: &mut Vec<Span>,
        kept: &mut usize,
        range: Range<usize>,
        skipped: u64,
        too_long: &mut impl FnMut(u64, u64),
    ) -> bool {
        let len = skipped + range.len() as u64;
        self.line += 1;
        self.bytes_read += len;
        if len > self.max_bytes {
            too_long(self.line, len);
            return false;
        }
        if buf[range.clone()].iter().all(u8::is_ascii_whitespace) {
            return false;
        }
        let start = *kept;
        if range.start != start {
            buf.copy_within(range.clone(), start);
        }
        *kept = start + range.len();
        spans.push(Span {
            line: self.line,
            start,
            end: *kept,
        });
        true
    }
}

/// Make `buf` at least `len` bytes long; bytes it already has stay (a reused buffer is not
/// written again).
fn grow(buf: &mut Vec<u8>, len: usize) {
    if buf.len() < len {
        buf.resize(len, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Gives `data` in reads of the sizes in `sizes` (cycled), so lines cross reads anywhere.
    struct Trickle<'a> {
        data: &'a [u8],
        sizes: Vec<usize>,
        next: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let size = self.sizes[self.next % self.sizes.len()];
            self.next += 1;
            let n = size.min(out.len()).min(self.data.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn trickle<'a>(data: &'a [u8], sizes: &[usize]) -> Trickle<'a> {
        Trickle {
            data,
            sizes: sizes.to_vec(),
            next: 0,
        }
    }

    /// What reading a whole stream gave: the batches' lines (number, bytes), the over-long
    /// lines (number, length), the last line number and the bytes read.
    #[derive(Debug, PartialEq, Eq)]
    struct Lines {
        batches: Vec<Vec<(u64, Vec<u8>)>>,
        too_long: Vec<(u64, u64)>,
        lines: u64,
        bytes: u64,
    }

    fn read_all(inner: impl Read, max: u64, limits: BatchLimits) -> Lines {
        let mut reader = LineReader::new(inner, max);
        let mut batch = LineBatch::default();
        let mut out = Lines {
            batches: Vec::new(),
            too_long: Vec::new(),
            lines: 0,
            bytes: 0,
        };
        loop {
            batch.clear();
            let more = reader
                .fill(&mut batch, limits, |line, len| {
                    out.too_long.push((line, len))
                })
                .unwrap();
            if !batch.is_empty() {
                let lines = batch.iter().map(|r| (r.line, r.bytes.to_vec())).collect();
                out.batches.push(lines);
            }
            if !more {
                break;
            }
        }
        out.lines = reader.line;
        out.bytes = reader.bytes_read;
        out
    }

    /// The same, by the definition: split after every `\n`; a line over `max` bytes is
    /// reported, a blank one dropped, the rest kept; a batch closes at the line that reaches a
    /// limit.
    fn expected(data: &[u8], max: u64, limits: BatchLimits) -> Lines {
        let mut out = Lines {
            batches: Vec::new(),
            too_long: Vec::new(),
            lines: 0,
            bytes: data.len() as u64,
        };
        let mut batch: Vec<(u64, Vec<u8>)> = Vec::new();
        let mut batch_bytes = 0;
        for (i, line) in data.split_inclusive(|&b| b == b'\n').enumerate() {
            let number = i as u64 + 1;
            out.lines = number;
            if line.len() as u64 > max {
                out.too_long.push((number, line.len() as u64));
            } else if !line.iter().all(u8::is_ascii_whitespace) {
                batch_bytes += line.len();
                batch.push((number, line.to_vec()));
                if batch.len() >= limits.lines || batch_bytes >= limits.bytes {
                    out.batches.push(std::mem::take(&mut batch));
                    batch_bytes = 0;
                }
            }
        }
        if !batch.is_empty() {
            out.batches.push(batch);
        }
        out
    }

    const WIDE: BatchLimits = BatchLimits {
        lines: usize::MAX,
        bytes: usize::MAX,
    };

    fn lines(read: &Lines) -> Vec<(u64, &[u8])> {
        read.batches
            .iter()
            .flatten()
            .map(|(n, b)| (*n, b.as_slice()))
            .collect()
    }

    #[test]
    fn long_lines_are_skipped_and_numbered() {
        let data = b"short\nxxxxxxxxxxxxxxxxxxxx\nend";
        for sizes in [&[usize::MAX][..], &[1], &[3, 5]] {
            let read = read_all(trickle(data, sizes), 8, WIDE);
            assert_eq!(lines(&read), [(1, &b"short\n"[..]), (3, b"end")]);
            assert_eq!(read.too_long, [(2, 21)]);
            assert_eq!((read.lines, read.bytes), (3, data.len() as u64));
        }
    }

    #[test]
    fn a_line_of_exactly_the_limit_is_kept_and_one_more_byte_is_not() {
        let read = read_all(&b"1234567\n12345678\n1234567\n"[..], 8, WIDE);
        assert_eq!(lines(&read), [(1, &b"1234567\n"[..]), (3, b"1234567\n")]);
        assert_eq!(read.too_long, [(2, 9)]);
    }

    #[test]
    fn lines_crossing_reads_come_whole() {
        let data = b"{\"a\": 1}\n{\"b\": 22}\n\n{\"c\": 333}\n";
        for size in 1..data.len() + 2 {
            let read = read_all(trickle(data, &[size]), 100, WIDE);
            assert_eq!(
                lines(&read),
                [
                    (1, &b"{\"a\": 1}\n"[..]),
                    (2, b"{\"b\": 22}\n"),
                    (4, b"{\"c\": 333}\n")
                ],
                "reads of {size}"
            );
        }
    }

    #[test]
    fn lines_crossing_whole_chunks_come_whole() {
        // Lines of 100 KB to 700 KB: many cross a read of READ_CHUNK bytes, some span several.
        let mut data = Vec::new();
        for (i, len) in [100_000usize, 700_000, 300_000, 1, 262_143, 262_144]
            .iter()
            .enumerate()
        {
            data.extend(std::iter::repeat_n(b'a' + i as u8, *len));
            data.push(b'\n');
        }
        let read = read_all(&data[..], 1 << 20, WIDE);
        assert_eq!(read, expected(&data, 1 << 20, WIDE));
        assert_eq!(read.batches[0].len(), 6);
    }

    #[test]
    fn last_line_without_terminator_and_crlf_are_kept_as_written() {
        let read = read_all(&b"a\r\n\r\n b\r\nlast"[..], 100, WIDE);
        assert_eq!(
            lines(&read),
            [(1, &b"a\r\n"[..]), (3, b" b\r\n"), (4, b"last")]
        );
        assert_eq!(read.lines, 4);
    }

    #[test]
    fn blank_lines_are_counted_not_kept() {
        let read = read_all(&b"a\n\n \t\n\nb\n\n"[..], 100, WIDE);
        assert_eq!(lines(&read), [(1, &b"a\n"[..]), (5, b"b\n")]);
        assert_eq!((read.lines, read.bytes), (6, 10));
    }

    #[test]
    fn an_empty_stream_has_no_lines() {
        for data in [&b""[..], b"\n", b"\n\n  \n"] {
            let read = read_all(data, 100, WIDE);
            assert!(read.batches.is_empty() && read.too_long.is_empty());
            assert_eq!(read.bytes, data.len() as u64);
        }
        assert_eq!(read_all(&b""[..], 100, WIDE).lines, 0);
    }

    #[test]
    fn an_over_long_line_is_never_held_whole() {
        let mut data = b"first\n".to_vec();
        data.extend(std::iter::repeat_n(b'x', 3 * READ_CHUNK + 5));
        data.extend(b"\nlast\n");
        data.extend(std::iter::repeat_n(b'y', 2 * READ_CHUNK));
        let mut reader = LineReader::new(&data[..], 1000);
        let mut batch = LineBatch::default();
        let mut too_long = Vec::new();
        let more = reader
            .fill(&mut batch, WIDE, |line, len| too_long.push((line, len)))
            .unwrap();
        assert!(!more);
        let got: Vec<_> = batch.iter().map(|r| (r.line, r.bytes)).collect();
        assert_eq!(got, [(1, &b"first\n"[..]), (3, b"last\n")]);
        assert_eq!(
            too_long,
            [(2, 3 * READ_CHUNK as u64 + 6), (4, 2 * READ_CHUNK as u64)]
        );
        // The buffer held at most the limit and a read's worth beyond the lines kept.
        assert!(
            batch.bytes.len() <= 2 * READ_CHUNK + 1000,
            "{}",
            batch.bytes.len()
        );
    }

    #[test]
    fn dropped_lines_take_no_room() {
        // Blank and over-long lines over many reads, then a kept line: the buffer stays about
        // one read long.
        let mut data = Vec::new();
        for _ in 0..4 * READ_CHUNK / 8 {
            data.extend(b"\n \n\nxxxx");
        }
        data.extend(b"\nok\n");
        let read = read_all(&data[..], 4, WIDE);
        assert_eq!(read, expected(&data, 4, WIDE));
        let mut reader = LineReader::new(&data[..], 4);
        let mut batch = LineBatch::default();
        assert!(!reader.fill(&mut batch, WIDE, |_, _| {}).unwrap());
        assert_eq!(batch.len(), 1);
        assert!(batch.bytes.len() <= 2 * READ_CHUNK, "{}", batch.bytes.len());
    }

    #[test]
    fn batches_close_at_their_limits_and_the_rest_follows() {
        let data = b"1\n22\n\n333\n4444\n55555\n666666\n";
        for limits in [
            BatchLimits {
                lines: 2,
                bytes: usize::MAX,
            },
            BatchLimits {
                lines: usize::MAX,
                bytes: 6,
            },
            BatchLimits { lines: 1, bytes: 1 },
        ] {
            for size in [1, 4, 100] {
                let read = read_all(trickle(data, &[size]), 100, limits);
                assert_eq!(
                    read,
                    expected(data, 100, limits),
                    "{limits:?}, reads of {size}"
                );
            }
        }
        let two = BatchLimits {
            lines: 2,
            bytes: usize::MAX,
        };
        let sizes: Vec<usize> = read_all(&data[..], 100, two)
            .batches
            .iter()
            .map(Vec::len)
            .collect();
        assert_eq!(sizes, [2, 2, 2]);
    }

    /// Gives `data`, then fails (after one interruption, which is retried).
    struct Failing<'a> {
        data: &'a [u8],
        interrupted: bool,
    }

    impl Read for Failing<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if !self.data.is_empty() {
                let n = self.data.len().min(out.len());
                out[..n].copy_from_slice(&self.data[..n]);
                self.data = &self.data[n..];
                return Ok(n);
            }
            if !self.interrupted {
                self.interrupted = true;
                return Err(io::ErrorKind::Interrupted.into());
            }
            Err(io::Error::other("corrupt"))
        }
    }

    #[test]
    fn a_read_error_keeps_the_lines_before_it() {
        let mut reader = LineReader::new(
            Failing {
                data: b"a\n\nb\npartial",
                interrupted: false,
            },
            100,
        );
        let mut batch = LineBatch::default();
        let err = reader.fill(&mut batch, WIDE, |_, _| {}).unwrap_err();
        assert_eq!(err.to_string(), "corrupt");
        let got: Vec<_> = batch.iter().map(|r| (r.line, r.bytes)).collect();
        assert_eq!(got, [(1, &b"a\n"[..]), (3, b"b\n")]);
        assert_eq!((reader.line, reader.bytes_read), (3, 5));
    }

    #[test]
    fn a_reused_batch_shows_only_its_new_lines() {
        let pool = BatchPool::new();
        let mut batch = pool.take();
        let mut reader = LineReader::new(&b"a long first line\nanother long line\n"[..], 100);
        assert!(!reader.fill(&mut batch, WIDE, |_, _| {}).unwrap());
        assert_eq!(batch.len(), 2);
        let room = batch.bytes.len();
        pool.give(batch);
        let mut batch = pool.take();
        assert!(batch.is_empty() && batch.byte_len() == 0);
        assert_eq!(batch.bytes.len(), room, "the buffer comes back");
        let mut reader = LineReader::new(&b"x\n\ny"[..], 100);
        assert!(!reader.fill(&mut batch, WIDE, |_, _| {}).unwrap());
        let got: Vec<_> = batch.iter().map(|r| (r.line, r.bytes)).collect();
        assert_eq!(got, [(1, &b"x\n"[..]), (3, b"y")]);
        assert_eq!(batch.byte_len(), 3);
        assert_eq!(batch.get(1).map(|r| r.bytes), Some(&b"y"[..]));
        assert_eq!(batch.get(2), None);
        let parallel: Vec<_> = batch.par_iter().map(|r| r.line).collect();
        assert_eq!(parallel, [1, 3]);
        pool.give(batch);
        assert_eq!(pool.waiting(), 1);
        // A buffer grown by a very long line is not kept.
        let mut big = pool.take();
        let long = vec![b'x'; BatchPool::KEEP_BYTES + 1];
        let mut reader = LineReader::new(&long[..], u64::MAX);
        assert!(!reader.fill(&mut big, WIDE, |_, _| {}).unwrap());
        assert_eq!(big.byte_len(), long.len());
        pool.give(big);
        assert_eq!(pool.waiting(), 0);
    }

    proptest! {
        /// Any bytes, limit, batch limits and read sizes give the lines of the definition.
        #[test]
        fn reading_in_batches_matches_the_definition(
            data in proptest::collection::vec(
                prop_oneof![Just(b'a'), Just(b' '), Just(b'\n'), Just(b'\r'), Just(b'{')],
                0..400,
            ),
            max in 1u64..40,
            lines in 1usize..6,
            bytes in 1usize..60,
            sizes in proptest::collection::vec(1usize..50, 1..5),
        ) {
            let limits = BatchLimits { lines, bytes };
            let read = read_all(trickle(&data, &sizes), max, limits);
            prop_assert_eq!(read, expected(&data, max, limits));
        }
    }
}
