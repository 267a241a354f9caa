//! Pipeline: orchestrates the stages and does nothing else.
//!
//! discover → pass 1 (parallel: read, segment, fingerprint, match patterns) → duplicates (in
//! path order) → count (per-worker tables, associative merge, frozen) → near-duplicates (sketch
//! content without boilerplate, cluster, count again once per cluster) → decide (parallel, pure)
//! → guardrail → pass 2 (parallel: re-read, check unchanged, write kept spans atomically) →
//! report. Every per-document result is stored at the document's index, so the output never
//! depends on the thread count or on scheduling.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::config::Config;
use crate::count::{CorpusCounts, CountBuilder, CountTable, FrozenCounts, SiteId};
use crate::decide::{decide_document, Decision, Strength};
use crate::decide::{
    duplicates::first_copies, near_dup, Fate, NearMatch, PatternHit, Reason, Removal,
};
use crate::error::{Error, Issue, IssueKind};
use crate::features;
use crate::fingerprint::{fingerprint, DocFingerprint, Scratch};
use crate::input::{discover, read_document, FileStamp, SourceDoc};
use crate::output::{html, report, text};
use crate::progress::{Pass, Progress, Silent};
use crate::segment::{segment, trim_terminator, Unit};
use crate::sketch::{signature, Signature, SketchScratch};

/// Everything known about one document after the run.
#[derive(Debug, Clone)]
pub struct DocResult {
    pub source: SourceDoc,
    pub site: SiteId,
    /// Size in bytes (0 when it could not be read).
    pub bytes: u64,
    pub unit: Option<Unit>,
    /// Pass-1 fingerprint; `None` when the document could not be read.
    pub print: Option<DocFingerprint>,
    /// `None` when the document failed (unreadable, binary, changed, not writable).
    pub fate: Option<Fate>,
    pub removals: Vec<Removal>,
    /// The user's pattern matches, by block index.
    pub pattern_hits: Vec<(u32, PatternHit)>,
    stamp: Option<FileStamp>,
    /// The block classifier would have nearly emptied this document and removed nothing.
    pub classifier_backed_off: bool,
}

impl DocResult {
    /// Bytes of the removed blocks.
    pub fn removed_bytes(&self) -> u64 {
        let Some(print) = &self.print else { return 0 };
        self.removals
            .iter()
            .map(|r| print.blocks[r.block as usize].len() as u64)
            .sum()
    }
}

/// Wall-clock time of each stage.
#[derive(Debug, Clone, Default)]
pub struct Timings {
    pub discover: Duration,
    pub pass1: Duration,
    pub count: Duration,
    pub near_dup: Duration,
    pub decide: Duration,
    pub pass2: Duration,
}

/// The result of a run.
#[derive(Debug)]
pub struct Outcome {
    pub docs: Vec<DocResult>,
    /// Site names; a [`SiteId`] indexes this list. Index 0 is the empty name (no site).
    pub sites: Vec<String>,
    pub issues: Vec<Issue>,
    pub counts: CorpusCounts,
    /// Guardrail warnings.
    pub warnings: Vec<String>,
    /// True when `--strict` stopped the run before writing.
    pub stopped: bool,
    pub timings: Timings,
}

impl Outcome {
    /// Number of inputs that failed (exit code 1 when non-zero).
    pub fn failures(&self) -> usize {
        self.issues.iter().filter(|i| i.kind.is_failure()).count()
    }
}

/// Run `clean` as configured: count, decide, write, report.
pub fn run(cfg: &Config) -> Result<Outcome, Error> {
    run_with_progress(cfg, &Silent)
}

/// [`run`], telling `progress` how far each pass over the documents is.
pub fn run_with_progress(cfg: &Config, progress: &dyn Progress) -> Result<Outcome, Error> {
    cfg.validate()?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .map_err(|e| Error::Config(format!("cannot start worker threads: {e}")))?;
    pool.install(|| run_in_pool(cfg, progress))
}

fn run_in_pool(cfg: &Config, progress: &dyn Progress) -> Result<Outcome, Error> {
    let mut timings = Timings::default();
    let clock = Instant::now();
    let found = discover(&cfg.inputs, &cfg.discover)?;
    check_collisions(&found.docs)?;
    let mut issues = found.issues;
    let (sites, site_of) = assign_sites(&found.docs);
    timings.discover = clock.elapsed();

    let clock = Instant::now();
    let mut docs = pass1(found.docs, site_of, cfg, &mut issues, progress);
    timings.pass1 = clock.elapsed();

    let clock = Instant::now();
    mark_duplicates(&mut docs);
    // Near-duplicate detection needs only the block counts; shingles are counted once, after.
    let mut counts = count_blocks(&docs, sites.len(), !cfg.near_dup.enabled);
    timings.count = clock.elapsed();

    let clock = Instant::now();
    if cfg.near_dup.enabled {
        mark_near_duplicates(&mut docs, &counts.blocks, cfg, progress);
        counts = count_blocks(&docs, sites.len(), true);
    }
    timings.near_dup = clock.elapsed();

    let clock = Instant::now();
    decide_all(&mut docs, &counts, cfg, &mut issues);
    name_near_matches(&mut docs, &counts.blocks);
    timings.decide = clock.elapsed();

    let warnings = guardrail_warnings(&docs, cfg);
    let stopped = cfg.guard.strict && !warnings.is_empty();

    let clock = Instant::now();
    if let (Some(out), false, false) = (&cfg.output, cfg.dry_run, stopped) {
        pass2(&mut docs, out, cfg, &mut issues, progress);
    }
    timings.pass2 = clock.elapsed();

    let outcome = Outcome {
        docs,
        sites,
        issues,
        counts,
        warnings,
        stopped,
        timings,
    };
    if let Some(path) = &cfg.report {
        report::write_report(path, &outcome, cfg)?;
    }
    if let Some(path) = &cfg.html_report {
        html::write_html_report(path, &outcome, cfg)?;
    }
    Ok(outcome)
}

/// Pass 1: read, segment, fingerprint and match patterns, every document in parallel.
fn pass1(
    sources: Vec<SourceDoc>,
    site_of: Vec<SiteId>,
    cfg: &Config,
    issues: &mut Vec<Issue>,
    progress: &dyn Progress,
) -> Vec<DocResult> {
    progress.start(Pass::Read, sources.len() as u64);
    let scanned: Vec<Result<Scanned, Issue>> = sources
        .par_iter()
        .map_init(
            || Scratch::new(cfg.decide.variant_cover > 0.0),
            |scratch, doc| {
                let scanned = scan(doc, cfg, scratch);
                progress.advance(Pass::Read, scanned.as_ref().map_or(0, |s| s.stamp.len));
                scanned
            },
        )
        .collect();
    progress.finish(Pass::Read);
    let mut docs: Vec<DocResult> = Vec::with_capacity(scanned.len());
    for ((source, site), result) in sources.into_iter().zip(site_of).zip(scanned) {
        let mut doc = DocResult {
            source,
            site,
            bytes: 0,
            unit: None,
            print: None,
            fate: None,
            removals: Vec::new(),
            pattern_hits: Vec::new(),
            stamp: None,
            classifier_backed_off: false,
        };
        match result {
            Ok(s) => {
                issues.extend(s.warning);
                doc.bytes = s.stamp.len;
                doc.unit = Some(s.unit);
                doc.print = Some(s.print);
                doc.pattern_hits = s.hits;
                doc.stamp = Some(s.stamp);
            }
            Err(issue) => issues.push(issue),
        }
        docs.push(doc);
    }
    docs
}

/// Exact duplicates: identical after normalisation to an earlier document.
fn mark_duplicates(docs: &mut [DocResult]) {
    let contents: Vec<Option<u64>> = docs
        .iter()
        .map(|d| d.print.as_ref().and_then(|p| p.content))
        .collect();
    for (doc, dup) in docs.iter_mut().zip(first_copies(&contents)) {
        if let Some(of) = dup {
            doc.fate = Some(Fate::Duplicate { of });
        }
    }
}

/// Near-duplicates: sketch each document's content without its site's chrome, cluster.
fn mark_near_duplicates(
    docs: &mut [DocResult],
    counts: &FrozenCounts,
    cfg: &Config,
    progress: &dyn Progress,
) {
    progress.start(Pass::NearDuplicates, docs.len() as u64);
    let signatures = sketch_content(docs, counts, cfg, progress);
    progress.finish(Pass::NearDuplicates);
    let lengths: Vec<u64> = docs.iter().map(|d| d.bytes).collect();
    let hits = near_dup::clusters(&signatures, &lengths, &cfg.near_dup);
    for (doc, hit) in docs.iter_mut().zip(hits) {
        if let Some((of, similarity)) = hit {
            doc.fate = Some(Fate::NearDuplicate {
                of,
                similarity_bp: (similarity * 10_000.0).round() as u16,
            });
        }
    }
}

/// Decide the blocks of every document still to be written.
fn decide_all(
    docs: &mut [DocResult],
    counts: &CorpusCounts,
    cfg: &Config,
    issues: &mut Vec<Issue>,
) {
    let decisions: Vec<Option<Decision>> = docs
        .par_iter()
        .map(|doc| match (&doc.print, doc.fate) {
            (Some(print), None) => Some(decide_document(
                print,
                doc.site,
                &doc.pattern_hits,
                counts,
                &cfg.decide,
            )),
            _ => None,
        })
        .collect();
    for (doc, decision) in docs.iter_mut().zip(decisions) {
        if let Some(d) = decision {
            if d.fate == Fate::NoContent {
                issues.push(no_content_issue(doc));
            }
            doc.fate = Some(d.fate);
            doc.removals = d.removals;
            doc.classifier_backed_off = d.classifier_backed_off;
        }
    }
}

/// Pass 2: write every document to be written; a failure turns the document into a failed one.
fn pass2(
    docs: &mut [DocResult],
    out: &Path,
    cfg: &Config,
    issues: &mut Vec<Issue>,
    progress: &dyn Progress,
) {
    progress.start(Pass::Write, docs.len() as u64);
    let results: Vec<Option<Issue>> = docs
        .par_iter()
        .map(|doc| {
            let written = write_document(doc, out, cfg.max_doc_bytes).err();
            let bytes = if doc.fate == Some(Fate::Written) {
                doc.bytes
            } else {
                0
            };
            progress.advance(Pass::Write, bytes);
            written
        })
        .collect();
    progress.finish(Pass::Write);
    for (doc, issue) in docs.iter_mut().zip(results) {
        if let Some(issue) = issue {
            doc.fate = None;
            issues.push(issue);
        }
    }
}

/// Whether a document's blocks are counted: it has content and is not an exact duplicate.
fn is_counted(doc: &DocResult) -> bool {
    matches!(doc.fate, None | Some(Fate::NearDuplicate { .. }))
        && doc.print.as_ref().is_some_and(|p| p.content.is_some())
}

/// Count every block key (and, `with_shingles`, every sampled shingle) in distinct documents
/// and sites. A cluster
/// of near-duplicate documents counts each once (at the site of its first member holding
/// it), so a story syndicated to many sites does not make its own paragraphs look like
/// boilerplate.
fn count_blocks(docs: &[DocResult], n_sites: usize, with_shingles: bool) -> CorpusCounts {
    let mut site_sizes = vec![0u32; n_sites];
    let mut clusters: Vec<Vec<usize>> = Vec::new();
    let mut cluster_of: HashMap<usize, usize> = HashMap::new();
    for (i, doc) in docs.iter().enumerate() {
        if !is_counted(doc) {
            continue;
        }
        site_sizes[doc.site as usize] += 1;
        let root = match doc.fate {
            Some(Fate::NearDuplicate { of, .. }) => of,
            _ => i,
        };
        match cluster_of.get(&root) {
            Some(&c) => clusters[c].push(i),
            None => {
                cluster_of.insert(root, clusters.len());
                clusters.push(vec![i]);
            }
        }
    }
    // Documents without a site share no template: the site-share rule never applies to them.
    site_sizes[0] = 0;
    let (blocks, shingles) = clusters
        .par_iter()
        .fold(
            || (CountBuilder::default(), CountBuilder::default()),
            |(mut blocks, mut shingles), members| {
                let mut seen_keys: Vec<u64> = Vec::new();
                let mut seen_shingles: Vec<u64> = Vec::new();
                for &m in members {
                    let Some(print) = &docs[m].print else {
                        continue;
                    };
                    let keys = print.blocks.iter().filter_map(|b| b.key());
                    let keys = distinct_unseen(keys, &mut seen_keys, members.len() > 1);
                    blocks.add_document(docs[m].site, keys);
                    if with_shingles {
                        let sample = print.shingles.iter().copied();
                        let sample = distinct_unseen(sample, &mut seen_shingles, members.len() > 1);
                        shingles.add_document(docs[m].site, sample);
                    }
                }
                (blocks, shingles)
            },
        )
        .map(|(blocks, shingles)| (blocks.finish(), shingles.finish()))
        .reduce(
            || (CountTable::default(), CountTable::default()),
            |a, b| (a.0.merge(b.0), a.1.merge(b.1)),
        );
    CorpusCounts {
        blocks: blocks.freeze(site_sizes.clone()),
        shingles: shingles.freeze(site_sizes),
    }
}

/// The distinct values of `items`; in a cluster, only those no earlier member had.
fn distinct_unseen(
    items: impl Iterator<Item = u64>,
    seen: &mut Vec<u64>,
    in_cluster: bool,
) -> Vec<u64> {
    let mut values: Vec<u64> = items.collect();
    values.sort_unstable();
    values.dedup();
    if in_cluster {
        values.retain(|v| seen.binary_search(v).is_err());
        seen.extend(&values);
        seen.sort_unstable();
    }
    values
}

/// Name what each template variant was matched to: for each anchor shingle, the block of
/// another document holding it whose exact key is the most frequent (ties: earliest).
fn name_near_matches(docs: &mut [DocResult], block_counts: &FrozenCounts) {
    let mut anchors: Vec<u64> = docs
        .iter()
        .flat_map(|d| &d.removals)
        .filter_map(|r| match r.reason {
            Reason::NearBoilerplate { anchor, .. } => Some(anchor),
            _ => None,
        })
        .collect();
    if anchors.is_empty() {
        return;
    }
    anchors.sort_unstable();
    anchors.dedup();
    // Per anchor, the two best holders, so that a document is never its own near-match.
    type Best = [Option<(std::cmp::Reverse<u32>, usize, u32)>; 2];
    let best: HashMap<u64, Best> = docs
        .par_iter()
        .enumerate()
        .fold(HashMap::new, |mut best: HashMap<u64, Best>, (d, doc)| {
            let Some(print) = doc.print.as_ref().filter(|_| is_counted(doc)) else {
                return best;
            };
            for (b, block) in print.blocks.iter().enumerate() {
                let Some(key) = block.key() else { continue };
                for shingle in print.block_shingles(b) {
                    if anchors.binary_search(shingle).is_ok() {
                        let docs_holding = block_counts.stats(key).docs;
                        offer(
                            best.entry(*shingle).or_default(),
                            (std::cmp::Reverse(docs_holding), d, b as u32),
                        );
                    }
                }
            }
            best
        })
        .reduce(HashMap::new, |mut a, b| {
            for (anchor, holders) in b {
                let slot = a.entry(anchor).or_default();
                for holder in holders.into_iter().flatten() {
                    offer(slot, holder);
                }
            }
            a
        });
    for (d, doc) in docs.iter_mut().enumerate() {
        for removal in &mut doc.removals {
            if let Reason::NearBoilerplate {
                anchor, near_match, ..
            } = &mut removal.reason
            {
                *near_match = best
                    .get(anchor)
                    .and_then(|holders| holders.iter().flatten().find(|h| h.1 != d))
                    .map(
                        |&(std::cmp::Reverse(documents), document, block)| NearMatch {
                            document: document as u32,
                            block,
                            documents,
                        },
                    );
            }
        }
    }
}

/// Keep the two smallest holders, at most one per document.
fn offer(
    slot: &mut [Option<(std::cmp::Reverse<u32>, usize, u32)>; 2],
    holder: (std::cmp::Reverse<u32>, usize, u32),
) {
    if slot
        .iter()
        .flatten()
        .any(|h| h.1 == holder.1 && h <= &holder)
    {
        return;
    }
    let mut all: Vec<_> = slot
        .iter()
        .flatten()
        .copied()
        .filter(|h| h.1 != holder.1)
        .chain(std::iter::once(holder))
        .collect();
    all.sort_unstable();
    slot[0] = all.first().copied();
    slot[1] = all.get(1).copied();
}

/// Signatures of each candidate document's content, its site's template left out (files read
/// again). Only template lines (see [`near_dup::is_template`]) are left out, not everything the
/// boilerplate rules would remove: a story syndicated to many sites is itself frequent, and
/// leaving it out would hide exactly the copies this stage is looking for.
fn sketch_content(
    docs: &[DocResult],
    counts: &FrozenCounts,
    cfg: &Config,
    progress: &dyn Progress,
) -> Vec<Option<Signature>> {
    docs.par_iter()
        .map_init(SketchScratch::default, |scratch, doc| {
            let sketched = sketch_one(doc, counts, cfg, scratch);
            // Bytes of the documents this pass reads again, whether or not they yield a signature.
            let read_again =
                doc.fate.is_none() && doc.print.as_ref().is_some_and(|p| p.content.is_some());
            progress.advance(Pass::NearDuplicates, if read_again { doc.bytes } else { 0 });
            sketched
        })
        .collect()
}

/// The signature of one document, or `None` when it takes no part in near-duplicate detection.
fn sketch_one(
    doc: &DocResult,
    counts: &FrozenCounts,
    cfg: &Config,
    scratch: &mut SketchScratch,
) -> Option<Signature> {
    let print = doc.print.as_ref().filter(|_| doc.fate.is_none())?;
    print.content?;
    let site_size = counts.site_size(doc.site);
    let include = |i: usize| {
        let block = &print.blocks[i];
        block.key().is_some_and(|k| {
            let stats = counts.stats(k);
            let site_docs = counts.site_docs(k, doc.site);
            !near_dup::is_template(stats, site_docs, site_size, block.words, &cfg.decide)
        })
    };
    let (bytes, _, _) = read_document(&doc.source, cfg.max_doc_bytes).ok()?;
    // A file changed since pass 1 is reported by pass 2; it takes no part here.
    if xxhash_rust::xxh3::xxh3_64(&bytes) != print.raw {
        return None;
    }
    signature(&bytes, &print.blocks, include, scratch)
}

/// Pass-1 result for one document.
struct Scanned {
    print: DocFingerprint,
    hits: Vec<(u32, PatternHit)>,
    stamp: FileStamp,
    unit: Unit,
    warning: Option<Issue>,
}

fn scan(doc: &SourceDoc, cfg: &Config, scratch: &mut Scratch) -> Result<Scanned, Issue> {
    let (bytes, stamp, warning) = read_document(doc, cfg.max_doc_bytes)?;
    let seg = segment(&bytes, cfg.unit);
    let mut print = fingerprint(&bytes, &seg, scratch);
    if cfg.decide.classifier.strength != Strength::Off {
        print.features = Some(features::extract(&bytes, &seg));
    }
    let hits = if cfg.patterns.is_empty() {
        Vec::new()
    } else {
        seg.blocks
            .iter()
            .enumerate()
            .filter_map(|(i, span)| {
                let text = String::from_utf8_lossy(trim_terminator(&bytes[span.clone()]));
                cfg.patterns.classify(&text).map(|hit| (i as u32, hit))
            })
            .collect()
    };
    Ok(Scanned {
        print,
        hits,
        stamp,
        unit: seg.unit,
        warning,
    })
}

fn no_content_issue(doc: &DocResult) -> Issue {
    let message = if doc.bytes == 0 {
        "empty file; nothing written"
    } else {
        "no text (only whitespace or punctuation); nothing written"
    };
    Issue {
        path: doc.source.path.display().to_string(),
        line: None,
        kind: IssueKind::Empty,
        message: message.into(),
    }
}

/// Re-read a document to be written, check it is the version pass 1 saw, write kept spans.
fn write_document(doc: &DocResult, out: &Path, max_bytes: u64) -> Result<(), Issue> {
    let (Some(Fate::Written), Some(print), Some(stamp)) = (doc.fate, &doc.print, doc.stamp) else {
        return Ok(());
    };
    let (bytes, now, _) = read_document(&doc.source, max_bytes)?;
    let raw = xxhash_rust::xxh3::xxh3_64(&bytes);
    if now != stamp || raw != print.raw {
        return Err(Issue {
            path: doc.source.path.display().to_string(),
            line: None,
            kind: IssueKind::Changed,
            message: "changed between the two passes (size, time or content); skipped, run again"
                .into(),
        });
    }
    let mut removed = vec![false; print.blocks.len()];
    for r in &doc.removals {
        removed[r.block as usize] = true;
    }
    let cleaned = text::assemble(&bytes, &print.blocks, &removed);
    let target = out.join(&doc.source.rel);
    text::write_atomic(&target, &cleaned).map_err(|e| Issue {
        path: target.display().to_string(),
        line: None,
        kind: IssueKind::WriteFailed,
        message: format!("cannot write: {e}"),
    })
}

/// Sorted site names (index 0 = no site) and each document's site id.
fn assign_sites(docs: &[SourceDoc]) -> (Vec<String>, Vec<SiteId>) {
    let mut names: Vec<String> = docs.iter().map(|d| d.site.clone()).collect();
    names.push(String::new());
    names.sort_unstable();
    names.dedup();
    let ids = docs
        .iter()
        .map(|d| names.binary_search(&d.site).unwrap_or(0) as SiteId)
        .collect();
    (names, ids)
}

fn check_collisions(docs: &[SourceDoc]) -> Result<(), Error> {
    let mut seen = std::collections::HashMap::with_capacity(docs.len());
    for doc in docs {
        if let Some(first) = seen.insert(&doc.rel, &doc.path) {
            return Err(Error::OutputCollision {
                id: doc.id.clone(),
                first: first.clone(),
                second: doc.path.clone(),
            });
        }
    }
    Ok(())
}

fn guardrail_warnings(docs: &[DocResult], cfg: &Config) -> Vec<String> {
    let decided = || {
        docs.iter()
            .filter(|d| matches!(d.fate, Some(Fate::Written | Fate::Emptied)))
    };
    let total: u64 = decided().map(|d| d.bytes).sum();
    let removed: u64 = decided().map(DocResult::removed_bytes).sum();
    let with_content = decided().count();
    let emptied = decided().filter(|d| d.fate == Some(Fate::Emptied)).count();
    let mut warnings = Vec::new();
    if total > 0 && removed as f64 > cfg.guard.max_removed * total as f64 {
        warnings.push(format!(
            "this run removes {:.1}% of the bytes of distinct documents, more than --max-removed {:.0}%: check --min-docs / --min-site-share before trusting it",
            100.0 * removed as f64 / total as f64,
            100.0 * cfg.guard.max_removed
        ));
    }
    if with_content > 0 && emptied as f64 > cfg.guard.max_emptied * with_content as f64 {
        warnings.push(format!(
            "this run empties {emptied} of {with_content} documents ({:.1}%), more than --max-emptied {:.0}%",
            100.0 * emptied as f64 / with_content as f64,
            100.0 * cfg.guard.max_emptied
        ));
    }
    warnings
}
