//! Near-duplicate stage of the pipeline: read each candidate document again, sketch its content
//! without its site's chrome, cluster the signatures.
//!
//! In: the documents after exact duplicate marking, their fingerprints (in memory or in the
//! store) and the block counts. Out: `Fate::NearDuplicate` on the documents that join a kept
//! one. Also [`map_texts`] and [`record_files`], which every later reader of the texts shares.

use std::collections::HashMap;

use rayon::prelude::*;

use std::sync::{Arc, Mutex};

use super::memory::Memory;
use super::{print_of, DocResult};
use crate::config::Config;
use crate::count::CorpusCounts;
use crate::decide::near_dup::{self, BandEntry, NearDupConfig, NearHit, BANDS};
use crate::error::Error;
use crate::fingerprint::DocFingerprint;
use crate::input::lines::BatchPool;
use crate::input::read_document;
use crate::input::records::stream_lines;
use crate::progress::{Pass, Progress};
use crate::sketch::{Signature, SketchScratch};
use crate::spill::prints::PrintStore;
use crate::spill::signatures::SignatureStore;
use crate::spill::{merge_runs, write_run, SpillDir};
use crate::stages;

/// Near-duplicates: sketch each document's content without its site's chrome, cluster. With
/// a memory limit the signatures go to a [`SignatureStore`] as they are made and the LSH
/// band entries are sorted as spilled runs (see [`clusters_on_disk`]); the clusters are the
/// same.
pub(super) fn mark_near_duplicates(
    docs: &mut [DocResult],
    store: Option<&PrintStore>,
    memory: Option<&Memory>,
    counts: &CorpusCounts,
    cfg: &Config,
    progress: &dyn Progress,
) -> Result<(), Error> {
    progress.start(Pass::NearDuplicates, docs.len() as u64);
    let lengths: Vec<u64> = docs.iter().map(|d| d.bytes).collect();
    let hits = match memory {
        None => {
            let signatures = sketch_content(docs, store, counts, cfg, progress, |_, sig| Ok(sig))?;
            progress.finish(Pass::NearDuplicates);
            near_dup::clusters(&signatures, &lengths, &cfg.near_dup)
        }
        Some(memory) => {
            let signatures = SignatureStore::new(memory.dir.clone())?;
            let present = sketch_content(docs, store, counts, cfg, progress, |d, sig| {
                signatures.put(d, &sig).map(|_| true)
            })?;
            progress.finish(Pass::NearDuplicates);
            let present: Vec<bool> = present.into_iter().map(|p| p.unwrap_or(false)).collect();
            let buffer = memory.band_buffer();
            clusters_on_disk(
                &signatures,
                &present,
                &lengths,
                &memory.dir,
                buffer,
                &cfg.near_dup,
            )?
        }
    };
    for (doc, hit) in docs.iter_mut().zip(hits) {
        if let Some(hit) = hit {
            doc.fate = Some(hit.fate());
        }
    }
    Ok(())
}

/// [`near_dup::clusters`] over signatures on disk: the band entries of the documents in keep
/// order are sorted `buffer` entries at a time into runs in `dir`, merged back (k-way) into the
/// links between bucket mates, and candidates are verified against signatures read back. The
/// entries go through the same sort order as in memory, so the links, and the clusters, are
/// the same. Memory: 4 bytes per band of a document (128 bytes) and the buffer.
fn clusters_on_disk(
    signatures: &SignatureStore,
    present: &[bool],
    lengths: &[u64],
    dir: &SpillDir,
    buffer: usize,
    cfg: &NearDupConfig,
) -> Result<Vec<Option<NearHit>>, Error> {
    let order = near_dup::keep_order(present, lengths, cfg.keep);
    let per_run = (buffer / BANDS).max(1);
    let mut runs = Vec::new();
    let mut last_run: Vec<BandEntry> = Vec::new();
    for (first, chunk) in (0..order.len()).step_by(per_run).zip(order.chunks(per_run)) {
        let mut entries: Vec<[BandEntry; BANDS]> = chunk
            .par_iter()
            .enumerate()
            .map(|(i, &d)| {
                let sig = signatures.get(d)?;
                Ok(BandEntry::all(&sig, first + i))
            })
            .collect::<Result<_, Error>>()?;
        entries.as_flattened_mut().par_sort_unstable();
        if first + chunk.len() < order.len() {
            let run = write_run(dir, "bands", entries.as_flattened().iter().copied())?;
            runs.push(Arc::new(run));
        } else {
            last_run = entries.into_flattened();
        }
    }
    let merged = merge_runs(dir, "bands", runs, last_run, &|_, _| None)?;
    let links = near_dup::link_buckets(order.len(), merged)?;
    near_dup::resolve(&order, present.len(), &links, cfg, |d| signatures.get(d))
}

/// Signatures of each candidate document's article text by the run's own decisions (texts read
/// again; see [`stages::content_signature`]), each passed to `keep` as it is made; the result
/// for document `d` is at index `d`.
fn sketch_content<R: Send>(
    docs: &[DocResult],
    store: Option<&PrintStore>,
    counts: &CorpusCounts,
    cfg: &Config,
    progress: &dyn Progress,
    keep: impl Fn(usize, Signature) -> Result<R, Error> + Sync,
) -> Result<Vec<Option<R>>, Error> {
    let candidate = |doc: &DocResult| {
        doc.fate.is_none() && doc.print.as_ref().is_some_and(|p| p.content.is_some())
    };
    // The first failure in document order; results stay one small value per document.
    let failure: Mutex<Option<(usize, Error)>> = Mutex::new(None);
    let sketched = map_texts(docs, cfg, candidate, |d, bytes| {
        let doc = &docs[d];
        progress.advance(Pass::NearDuplicates, doc.bytes);
        let kept = print_of(docs, store, d).and_then(|print| {
            let Some(print) = print else {
                return Ok(None);
            };
            SKETCH_SCRATCH
                .with_borrow_mut(|scratch| sketch_one(doc, &print, &bytes, counts, cfg, scratch))
                .map(|sig| keep(d, sig))
                .transpose()
        });
        kept.unwrap_or_else(|e| {
            let mut first = failure
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if first.as_ref().is_none_or(|(at, _)| d < *at) {
                *first = Some((d, e));
            }
            None
        })
    });
    // Every document is reported once; those not read again with no bytes.
    for _ in docs.iter().filter(|d| !candidate(d)) {
        progress.advance(Pass::NearDuplicates, 0);
    }
    let failure = failure
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, e)) = failure {
        return Err(e);
    }
    Ok(sketched.into_iter().map(Option::flatten).collect())
}

thread_local! {
    /// Each worker's buffers for sketching, kept from one document to the next.
    static SKETCH_SCRATCH: std::cell::RefCell<SketchScratch> =
        std::cell::RefCell::new(SketchScratch::default());
}

/// The signature of one document, or `None` when it takes no part in near-duplicate detection.
fn sketch_one(
    doc: &DocResult,
    print: &DocFingerprint,
    bytes: &[u8],
    counts: &CorpusCounts,
    cfg: &Config,
    scratch: &mut SketchScratch,
) -> Option<Signature> {
    if doc.fate.is_some() {
        return None;
    }
    // A file changed since pass 1 is reported by pass 2; it takes no part here.
    if xxhash_rust::xxh3::xxh3_64(bytes) != print.raw {
        return None;
    }
    stages::content_signature(
        bytes,
        print,
        doc.site,
        &doc.pattern_hits,
        counts,
        cfg,
        scratch,
    )
}

/// The consecutive runs of records of one JSONL file (pass 1 keeps a file's records together).
pub(super) fn record_files(docs: &[DocResult]) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < docs.len() {
        if !docs[i].source.is_record() {
            i += 1;
            continue;
        }
        let path = &docs[i].source.path();
        let end = docs[i..]
            .iter()
            .position(|d| !d.source.is_record() || &d.source.path() != path)
            .map_or(docs.len(), |n| i + n);
        runs.push(i..end);
        i = end;
    }
    runs
}

/// Read again the text of every document `wanted` selects and map it with `f`, in parallel;
/// the result for document `i` is at index `i` (`None` when not wanted or unreadable). Each
/// JSONL file is streamed once.
pub(super) fn map_texts<R: Send>(
    docs: &[DocResult],
    cfg: &Config,
    wanted: impl Fn(&DocResult) -> bool + Sync,
    f: impl Fn(usize, Vec<u8>) -> R + Sync,
) -> Vec<Option<R>> {
    let mut out: Vec<Option<R>> = docs
        .par_iter()
        .enumerate()
        .map(|(d, doc)| {
            if doc.source.is_record() || !wanted(doc) {
                return None;
            }
            let (bytes, _, _) = read_document(&doc.source, cfg.max_doc_bytes).ok()?;
            Some(f(d, bytes))
        })
        .collect();
    let pool = BatchPool::new();
    for run in record_files(docs) {
        let by_line: HashMap<u64, usize> = run
            .clone()
            .filter(|&d| wanted(&docs[d]))
            .filter_map(|d| docs[d].source.line.map(|l| (l, d)))
            .collect();
        if by_line.is_empty() {
            continue;
        }
        stream_lines(
            docs[run.start].source.path(),
            cfg.max_line_bytes,
            &pool,
            |batch| {
                let results: Vec<(usize, R)> = batch
                    .par_iter()
                    .filter_map(|raw| {
                        let d = *by_line.get(&raw.line)?;
                        let (text, _) = docs[d].record_text(raw.bytes, &cfg.jsonl)?;
                        Some((d, f(d, text.into_bytes())))
                    })
                    .collect();
                for (d, r) in results {
                    out[d] = Some(r);
                }
            },
            |_| {},
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::near_dup::tests::crowded;
    use crate::decide::near_dup::KeepPolicy;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Band entries spilled as runs of a few documents (and merged in rounds past 64 runs)
        /// and signatures read back from disk give the clusters found in memory.
        #[test]
        fn clusters_on_disk_equal_the_clusters_in_memory(
            sigs in crowded(),
            longest in any::<bool>(),
            buffer in 1usize..200,
        ) {
            let lengths: Vec<u64> = (0..sigs.len() as u64).map(|i| (i * 7919) % 13).collect();
            let cfg = NearDupConfig {
                threshold: 0.6,
                keep: if longest { KeepPolicy::Longest } else { KeepPolicy::First },
                ..NearDupConfig::default()
            };
            let parent = tempfile::tempdir().unwrap();
            let dir = Arc::new(SpillDir::new(parent.path()).unwrap());
            let store = SignatureStore::new(dir.clone()).unwrap();
            let present: Vec<bool> = sigs.iter().map(Option::is_some).collect();
            for (d, sig) in sigs.iter().enumerate() {
                if let Some(sig) = sig {
                    store.put(d, sig).unwrap();
                }
            }
            let on_disk =
                clusters_on_disk(&store, &present, &lengths, &dir, buffer, &cfg).unwrap();
            prop_assert_eq!(on_disk, near_dup::clusters(&sigs, &lengths, &cfg));
        }
    }
}
