//! Memory plan of a run under `--memory-limit`: where spilled data goes and how the limit is
//! shared between the stages.
//!
//! In: the [`Config`]. Out: `None` without a limit (everything stays in memory, nothing is
//! written to disk), else a [`Memory`]: the run's [`SpillDir`] (under `--tmp-dir`, else beside
//! the output, else the system's temporary folder), the fingerprint store, and the budgets:
//! counting buffers get a quarter of the limit, shared by every worker's two tables (block keys
//! and shingles) at 16 bytes a pair; pass 1 stores fingerprints every [`Memory::pass1_batch`]
//! documents (an eighth of the limit at [`PRINT_ESTIMATE`] bytes a document). The rest is left
//! to what does not spill: the per-document records, the frozen tables (keys seen in two or
//! more documents) and the near-duplicate signatures.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::Config;
use crate::count::CountSpill;
use crate::error::Error;
use crate::spill::prints::PrintStore;
use crate::spill::removals::RemovalStore;
use crate::spill::SpillDir;

/// A generous estimate of one document's fingerprint in memory (blocks, shingles, features of
/// a document of a few kilobytes), to size pass-1 batches.
pub const PRINT_ESTIMATE: u64 = 4 << 10;
/// Largest pass-1 batch: beyond it batching saves nothing.
const MAX_BATCH: u64 = 1 << 16;

pub(super) struct Memory {
    pub dir: Arc<SpillDir>,
    pub store: Arc<PrintStore>,
    pub removals: Arc<RemovalStore>,
    limit: u64,
    threads: usize,
}

impl Memory {
    pub fn new(cfg: &Config) -> Result<Option<Memory>, Error> {
        let Some(limit) = cfg.memory_limit else {
            return Ok(None);
        };
        let dir = Arc::new(SpillDir::new(&spill_parent(cfg))?);
        let store = Arc::new(PrintStore::new(dir.clone())?);
        let removals = Arc::new(RemovalStore::new(dir.clone())?);
        Ok(Some(Memory {
            dir,
            store,
            removals,
            limit,
            threads: rayon::current_num_threads().max(1),
        }))
    }

    /// Text documents fingerprinted between two writes to the store; also documents decided
    /// between two writes to the removal store.
    pub fn pass1_batch(&self) -> usize {
        (self.limit / 8 / PRINT_ESTIMATE).clamp(1, MAX_BATCH) as usize
    }

    /// LSH band entries (16 bytes each) sorted in memory before they spill as a run: a
    /// sixteenth of the limit (the links between bucket mates are made while the last run is
    /// still in memory).
    pub fn band_buffer(&self) -> usize {
        (self.limit / 16 / 16).max(1) as usize
    }

    /// Where counting tables spill, and how many pairs each worker's table holds at most.
    pub fn count_spill(&self) -> CountSpill {
        let tables = 2 * self.threads as u64;
        CountSpill {
            dir: self.dir.clone(),
            max_pairs: (self.limit / 4 / 16 / tables).max(1) as usize,
        }
    }
}

/// Under a limit, hand the pages of memory freed by the stage just ended back to the system.
/// The allocator otherwise keeps them mapped (reusable, but counted in the resident set), and
/// what one stage freed (the names listed by discovery, the first counts, the LSH links) would
/// add to the next stage's peak. Without a limit nothing is done: a run that fits pays nothing.
pub(super) fn release_freed(limited: bool) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if limited {
        // SAFETY: malloc_trim only gives back pages of free chunks (every arena's); it moves
        // and invalidates nothing.
        unsafe {
            libc::malloc_trim(0);
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let _ = limited;
}

/// `--tmp-dir`, else the folder holding the output (same disk, usually room), else the
/// system's temporary folder (`TMPDIR`) for output to standard output or a dry run.
fn spill_parent(cfg: &Config) -> PathBuf {
    if let Some(dir) = &cfg.tmp_dir {
        return dir.clone();
    }
    match cfg.output.as_deref().filter(|o| o.as_os_str() != "-") {
        Some(out) if !cfg.dry_run => match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => Path::new(".").to_path_buf(),
        },
        _ => std::env::temp_dir(),
    }
}
