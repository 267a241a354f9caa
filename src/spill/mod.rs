//! Spill: what does not fit under `--memory-limit` goes to a private temporary folder.
//!
//! In: a parent folder (`--tmp-dir`, else beside the output) and fixed-size records. Out:
//! [`SpillDir`], a folder that exists only while the run does; [`Run`]s, files of records
//! written in sorted order; [`merge_runs`], a k-way merge that reads any number of runs back
//! as one sorted stream; and [`prints::PrintStore`], the documents' fingerprints on disk.
//!
//! Records are encoded little-endian with a fixed size ([`FixedRecord`]), so a run is plain
//! bytes whose length tells its record count; files are private to one process and never
//! outlive it: the folder is removed when the [`SpillDir`] drops (success or error), and
//! [`abandon_spill_dirs`] removes every live folder for an interrupt handler that ends the
//! process next. Worst case: a merge holds one buffered reader ([`READ_BUFFER`] bytes) per run
//! it reads at once, at most [`MAX_FAN_IN`]; more runs are merged in rounds.

pub mod prints;
pub mod removals;
pub mod signatures;

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::error::Error;
use crate::sweep::Sweep;

/// Runs read at once by one merge; more are merged in rounds (file handles and buffers stay
/// bounded whatever the number of runs).
pub const MAX_FAN_IN: usize = 64;
/// Buffer of each run reader and writer.
pub const READ_BUFFER: usize = 64 << 10;

/// Spill folders that exist right now, so that an interrupted run can remove them.
static LIVE: Sweep = Sweep::new();

/// Remove every live spill folder and block creating new spill files for good: for an
/// interrupt handler that ends the process next. Returns how many folders it removed.
pub fn abandon_spill_dirs() -> usize {
    LIVE.abandon(|path| std::fs::remove_dir_all(path))
}

/// A private temporary folder for one run's spill files; removed with everything in it on drop.
#[derive(Debug)]
pub struct SpillDir {
    dir: PathBuf,
    next: AtomicU64,
}

impl SpillDir {
    /// Create a hidden folder `.thresh-spill-*` under `parent` (created when missing).
    pub fn new(parent: &Path) -> Result<SpillDir, Error> {
        let failed = |source| Error::Spill {
            path: parent.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(parent).map_err(failed)?;
        let _creating = LIVE.creating();
        let dir = tempfile::Builder::new()
            .prefix(".thresh-spill-")
            .tempdir_in(parent)
            .map_err(failed)?
            // Removal is ours (on drop, or by the interrupt sweep), not the guard's.
            .keep();
        LIVE.track(&dir, true);
        Ok(SpillDir {
            dir,
            next: AtomicU64::new(0),
        })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// A new file in the folder, named after what it holds.
    pub fn create(&self, what: &str) -> Result<(PathBuf, File), Error> {
        let _creating = LIVE.creating();
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let path = self.dir.join(format!("{what}-{n:06}"));
        let file = File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|source| Error::Spill {
                path: path.clone(),
                source,
            })?;
        Ok((path, file))
    }
}

impl Drop for SpillDir {
    fn drop(&mut self) {
        // Nothing to report to: a folder that cannot be removed is left under its hidden name.
        let _ = std::fs::remove_dir_all(&self.dir);
        LIVE.track(&self.dir, false);
    }
}

/// A record with a fixed little-endian encoding of [`FixedRecord::SIZE`] bytes.
pub trait FixedRecord: Sized + Copy + Ord {
    const SIZE: usize;
    fn encode(&self, out: &mut [u8]);
    fn decode(bytes: &[u8]) -> Self;
}

/// A file of records in sorted order; the file is removed when the `Run` drops (shared runs:
/// when the last `Arc` does).
#[derive(Debug, PartialEq, Eq)]
pub struct Run {
    path: PathBuf,
    records: u64,
}

impl Run {
    pub fn len(&self) -> u64 {
        self.records
    }

    pub fn is_empty(&self) -> bool {
        self.records == 0
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        // A run is read once; its bytes go as soon as it has been merged away.
        let _ = std::fs::remove_file(&self.path);
    }
}

pub(crate) fn io_error(path: &Path) -> impl FnOnce(io::Error) -> Error + '_ {
    move |source| Error::Spill {
        path: path.to_path_buf(),
        source,
    }
}

/// Write `records` (already sorted) to a new run.
pub fn write_run<R: FixedRecord>(
    dir: &SpillDir,
    what: &str,
    records: impl IntoIterator<Item = R>,
) -> Result<Run, Error> {
    let (path, file) = dir.create(what)?;
    let mut out = BufWriter::with_capacity(READ_BUFFER, file);
    let mut buf = vec![0u8; R::SIZE];
    let mut n = 0u64;
    for r in records {
        r.encode(&mut buf);
        out.write_all(&buf).map_err(io_error(&path))?;
        n += 1;
    }
    out.flush().map_err(io_error(&path))?;
    Ok(Run { path, records: n })
}

/// Reads a run back, record by record.
struct RunReader<R> {
    input: BufReader<File>,
    left: u64,
    buf: Vec<u8>,
    path: PathBuf,
    _record: std::marker::PhantomData<R>,
}

impl<R: FixedRecord> RunReader<R> {
    fn open(run: &Run) -> Result<Self, Error> {
        let file = File::open(&run.path).map_err(io_error(&run.path))?;
        Ok(RunReader {
            input: BufReader::with_capacity(READ_BUFFER, file),
            left: run.records,
            buf: vec![0u8; R::SIZE],
            path: run.path.clone(),
            _record: std::marker::PhantomData,
        })
    }

    fn next_record(&mut self) -> Result<Option<R>, Error> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        self.input
            .read_exact(&mut self.buf)
            .map_err(io_error(&self.path))?;
        Ok(Some(R::decode(&self.buf)))
    }
}

/// The sorted union of sorted sources (runs on disk and at most one in memory), as an
/// iterator of records; equal records come out next to each other, in no particular order.
pub struct Merge<R: FixedRecord> {
    readers: Vec<RunReader<R>>,
    memory: std::vec::IntoIter<R>,
    /// The next record of each source; the memory source has index `readers.len()`.
    heap: BinaryHeap<Reverse<(R, usize)>>,
    /// Runs being read; their files are removed when the merge drops.
    _runs: Vec<Arc<Run>>,
    failed: bool,
}

impl<R: FixedRecord> Merge<R> {
    fn pull(&mut self, source: usize) -> Result<(), Error> {
        let next = match self.readers.get_mut(source) {
            Some(reader) => reader.next_record()?,
            None => self.memory.next(),
        };
        if let Some(r) = next {
            self.heap.push(Reverse((r, source)));
        }
        Ok(())
    }
}

impl<R: FixedRecord> Iterator for Merge<R> {
    type Item = Result<R, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let Reverse((record, source)) = self.heap.pop()?;
        if let Err(e) = self.pull(source) {
            self.failed = true;
            return Some(Err(e));
        }
        Some(Ok(record))
    }
}

/// Merge `runs` and the sorted `memory` records into one sorted stream. With more than
/// [`MAX_FAN_IN`] runs, groups of runs are first merged (and `combine`d) into longer runs in
/// `dir`, so the final merge reads at most [`MAX_FAN_IN`] files at once. `combine` folds
/// adjacent records that are one (e.g. equal `(key, site)` pairs whose counts add up); it must
/// be associative and commutative for the result not to depend on the grouping.
pub fn merge_runs<R: FixedRecord>(
    dir: &SpillDir,
    what: &str,
    mut runs: Vec<Arc<Run>>,
    memory: Vec<R>,
    combine: &impl Fn(R, R) -> Option<R>,
) -> Result<Merge<R>, Error> {
    while runs.len() > MAX_FAN_IN {
        let mut rest = runs.split_off(MAX_FAN_IN);
        let merged = open_merge(std::mem::take(&mut runs), Vec::new())?;
        let mut failure = None;
        let combined = Combined::new(merged, combine).map_while(|r| match r {
            Ok(r) => Some(r),
            Err(e) => {
                failure = Some(e);
                None
            }
        });
        let run = write_run(dir, what, combined)?;
        if let Some(e) = failure {
            return Err(e);
        }
        rest.push(Arc::new(run));
        runs = rest;
    }
    open_merge(runs, memory)
}

fn open_merge<R: FixedRecord>(runs: Vec<Arc<Run>>, memory: Vec<R>) -> Result<Merge<R>, Error> {
    let readers = runs
        .iter()
        .map(|run| RunReader::open(run))
        .collect::<Result<Vec<_>, _>>()?;
    let mut merge = Merge {
        heap: BinaryHeap::with_capacity(readers.len() + 1),
        readers,
        memory: memory.into_iter(),
        _runs: runs,
        failed: false,
    };
    for source in 0..=merge.readers.len() {
        merge.pull(source)?;
    }
    Ok(merge)
}

/// Adjacent records folded by `combine` (see [`merge_runs`]).
pub struct Combined<'c, R: FixedRecord, C> {
    inner: Merge<R>,
    pending: Option<R>,
    combine: &'c C,
}

impl<'c, R: FixedRecord, C: Fn(R, R) -> Option<R>> Combined<'c, R, C> {
    pub fn new(inner: Merge<R>, combine: &'c C) -> Self {
        Combined {
            inner,
            pending: None,
            combine,
        }
    }
}

impl<R: FixedRecord, C: Fn(R, R) -> Option<R>> Iterator for Combined<'_, R, C> {
    type Item = Result<R, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.inner.next() {
                Some(Ok(r)) => match self.pending.take() {
                    None => self.pending = Some(r),
                    Some(p) => match (self.combine)(p, r) {
                        Some(both) => self.pending = Some(both),
                        None => {
                            self.pending = Some(r);
                            return Some(Ok(p));
                        }
                    },
                },
                Some(Err(e)) => return Some(Err(e)),
                None => return self.pending.take().map(Ok),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    struct Pair(u32, u32);

    impl FixedRecord for Pair {
        const SIZE: usize = 8;
        fn encode(&self, out: &mut [u8]) {
            out[..4].copy_from_slice(&self.0.to_le_bytes());
            out[4..8].copy_from_slice(&self.1.to_le_bytes());
        }
        fn decode(b: &[u8]) -> Self {
            let word = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
            Pair(word(0), word(4))
        }
    }

    /// Equal first fields add their second fields.
    fn add(a: Pair, b: Pair) -> Option<Pair> {
        (a.0 == b.0).then(|| Pair(a.0, a.1 + b.1))
    }

    #[test]
    fn the_folder_goes_with_the_spill_dir() {
        let parent = tempfile::tempdir().unwrap();
        let dir = SpillDir::new(&parent.path().join("not-yet")).unwrap();
        let path = dir.path().to_path_buf();
        write_run(&dir, "t", [Pair(1, 1)]).unwrap();
        assert!(path.is_dir());
        drop(dir);
        assert!(!path.exists());
        assert!(std::fs::read_dir(parent.path().join("not-yet"))
            .unwrap()
            .next()
            .is_none());
    }

    proptest! {
        #[test]
        fn merged_runs_equal_one_sort(
            parts in prop::collection::vec(prop::collection::vec((0u32..50, 1u32..4), 0..30), 0..150),
            memory in prop::collection::vec((0u32..50, 1u32..4), 0..30),
        ) {
            let parent = tempfile::tempdir().unwrap();
            let dir = SpillDir::new(parent.path()).unwrap();
            let sorted = |v: &Vec<(u32, u32)>| {
                let mut v: Vec<Pair> = v.iter().map(|&(a, b)| Pair(a, b)).collect();
                v.sort_unstable();
                v
            };
            let runs = parts.iter().map(|p| Arc::new(write_run(&dir, "t", sorted(p)).unwrap())).collect();
            let merge = merge_runs(&dir, "t", runs, sorted(&memory), &add).unwrap();
            let got: Vec<Pair> = Combined::new(merge, &add).map(Result::unwrap).collect();
            let mut all: Vec<Pair> = parts.iter().chain([&memory]).flat_map(sorted).collect();
            all.sort_unstable();
            let mut want: Vec<Pair> = Vec::new();
            for p in all {
                match want.last_mut() {
                    Some(last) if last.0 == p.0 => last.1 += p.1,
                    _ => want.push(p),
                }
            }
            prop_assert_eq!(got, want);
            // Every run file is gone once merged.
            drop(dir);
        }
    }
}
