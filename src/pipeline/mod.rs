//! Pipeline: orchestrates the stages and does nothing else.
//!
//! discover → pass 1 (parallel: read, segment, fingerprint, match patterns) → duplicates (in
//! path order) → count (per-worker tables, associative merge, frozen) → near-duplicates (sketch
//! content without boilerplate, cluster, count again once per cluster) → decide (parallel, pure)
//! → guardrail → pass 2 (parallel: re-read, check unchanged, write kept spans atomically) →
//! report. Every per-document result is stored at the document's index, so the output never
//! depends on the thread count or on scheduling.

mod counting;
pub mod guardrail;
mod memory;
mod near;
mod write;

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::config::{Config, OutputMode};
use crate::count::{CorpusCounts, SiteId};
use crate::decide::{decide_document, Decision};
use crate::decide::{duplicates::first_copies, Fate, PatternHit, Removal};
use crate::error::{Error, Issue, IssueKind};
use crate::fingerprint::{DocFingerprint, Scratch};
use crate::index::{Entry, Index, IndexDoc, Shard};
use crate::input::discover::{nothing_found, Skipped};
use crate::input::jsonl::{self, jsonl_compression, parse_record, Fields};
use crate::input::lines::{BatchPool, RawLine};
use crate::input::records::stream_lines;
use crate::input::{discover, read_document, FileStamp, SourceDoc};
use crate::output::manifest::{InputPrint, OutputCheck};
use crate::output::{html, report};
use crate::progress::{Pass, Progress, Silent};
use crate::segment::{Unit, UnitChoice};
use crate::spill::prints::PrintStore;
use crate::spill::removals::RemovalStore;
use crate::stages;

use counting::{count_blocks, name_near_matches, uncount_cluster_repeats};
use memory::Memory;
use near::mark_near_duplicates;
use write::{pass2, write_ids};

/// Everything known about one document after the run.
#[derive(Debug, Clone)]
pub struct DocResult {
    pub source: SourceDoc,
    pub site: SiteId,
    /// Size in bytes (0 when it could not be read).
    pub bytes: u64,
    pub unit: Option<Unit>,
    /// Pass-1 fingerprint; `None` when the document could not be read. With a memory limit
    /// its blocks, shingles and features are on disk and this holds only the two hashes
    /// (`content`, `raw`): read the whole fingerprint with [`Outcome::print`].
    pub print: Option<DocFingerprint>,
    /// Number of blocks of the fingerprint.
    pub blocks: u32,
    /// `None` when the document failed (unreadable, binary, changed, not writable).
    pub fate: Option<Fate>,
    /// The removed blocks. With a memory limit they are on disk and this is empty: read them
    /// with [`Outcome::removals`].
    pub removals: Vec<Removal>,
    /// The user's pattern matches, by block index.
    pub pattern_hits: Vec<(u32, PatternHit)>,
    stamp: Option<FileStamp>,
    /// The block classifier would have nearly emptied this document and removed nothing.
    pub classifier_backed_off: bool,
    /// Bytes of the removed blocks, summed when the removals are decided.
    removed_bytes: u64,
    /// A record's text field: where its JSON string lies in the line (pass 1 found it).
    text_span: Option<(u32, u32)>,
}

impl DocResult {
    /// Bytes of the removed blocks.
    pub fn removed_bytes(&self) -> u64 {
        self.removed_bytes
    }

    /// A record's text and the span of its JSON string in `line`, read again. The string is
    /// where pass 1 found it, so the line is not parsed again; `None` when it is not a string
    /// any more (the caller's hash check tells a changed text).
    fn record_text(&self, line: &[u8], fields: &Fields) -> Option<(String, Range<usize>)> {
        match self.text_span {
            Some((start, end)) => {
                let span = start as usize..end as usize;
                let text = jsonl::string_at(line, span.clone())?;
                Some((text, span))
            }
            None => parse_record(line, fields)
                .ok()
                .map(|record| (record.text, record.text_span)),
        }
    }
}

/// The bytes of `removals` in a document fingerprinted as `print`.
fn removed_bytes(print: &DocFingerprint, removals: &[Removal]) -> u64 {
    removals
        .iter()
        .filter_map(|r| print.blocks.get(r.block as usize))
        .map(|b| b.len() as u64)
        .sum()
}

/// Document `d`'s whole fingerprint: its own, or read back from the store.
fn print_of<'a>(
    docs: &'a [DocResult],
    store: Option<&PrintStore>,
    d: usize,
) -> Result<Option<Cow<'a, DocFingerprint>>, Error> {
    let Some(slim) = docs.get(d).and_then(|doc| doc.print.as_ref()) else {
        return Ok(None);
    };
    match store {
        None => Ok(Some(Cow::Borrowed(slim))),
        Some(store) => Ok(store.get(d)?.map(Cow::Owned)),
    }
}

/// Document `d`'s removals: its own, or read back from the store.
fn removals_of<'a>(
    docs: &'a [DocResult],
    store: Option<&RemovalStore>,
    d: usize,
) -> Result<Cow<'a, [Removal]>, Error> {
    match store {
        None => Ok(Cow::Borrowed(
            docs.get(d).map_or(&[][..], |doc| doc.removals.as_slice()),
        )),
        Some(store) => Ok(Cow::Owned(store.get(d)?)),
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
    /// Outputs (cleaned files, JSONL files) left as an earlier run wrote them, without
    /// `--overwrite`.
    pub kept_existing: u64,
    /// What discovery passed over (hidden entries, links, FIFOs, other extensions).
    pub skipped: Skipped,
    /// What the guardrail measured: bytes removed by each rule from the distinct documents.
    pub measure: guardrail::Measure,
    pub timings: Timings,
    /// The fingerprints, when a memory limit put them on disk (`None`: each document holds
    /// its own). Read them with [`Outcome::print`].
    pub prints: Option<Arc<PrintStore>>,
    /// The removals, when a memory limit put them on disk (`None`: each document holds its
    /// own). Read them with [`Outcome::removals`].
    pub removal_store: Option<Arc<RemovalStore>>,
}

impl Outcome {
    /// Document `d`'s pass-1 fingerprint (`None` when it could not be read, or when the
    /// fingerprint store cannot be read back).
    pub fn print(&self, d: usize) -> Option<Cow<'_, DocFingerprint>> {
        print_of(&self.docs, self.prints.as_deref(), d)
            .ok()
            .flatten()
    }

    /// Document `d`'s removed blocks (empty when none, or when the removal store cannot be
    /// read back).
    pub fn removals(&self, d: usize) -> Cow<'_, [Removal]> {
        removals_of(&self.docs, self.removal_store.as_deref(), d).unwrap_or_default()
    }

    /// Whether document `d` has removed blocks (without reading them back).
    pub fn has_removals(&self, d: usize) -> bool {
        match &self.removal_store {
            None => self.docs.get(d).is_some_and(|doc| !doc.removals.is_empty()),
            Some(store) => store.has(d),
        }
    }

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
    if found.docs.is_empty() {
        return Err(nothing_found(&cfg.inputs, &cfg.discover, &found.skipped));
    }
    let skipped = found.skipped;
    check_collisions(&found.docs)?;
    check_modes(&found.docs, cfg)?;
    let mut issues = found.issues;
    let index = match &cfg.index {
        Some(path) => {
            let index = Index::read(path)?;
            index.check_unit(cfg.unit).map_err(|source| Error::Index {
                path: path.clone(),
                source,
            })?;
            Some(index)
        }
        None => None,
    };
    // Outputs an earlier run left are kept only when made from the same settings (checked
    // now) and the same input (checked after pass 1).
    let outputs = OutputCheck::before_run(cfg, &found.docs, index.as_ref())?;
    // Without a limit nothing is spilled and no folder is made.
    let mut memory = Memory::new(cfg)?;
    timings.discover = clock.elapsed();

    let clock = Instant::now();
    // Only variant matching reads shingle samples; an index stores them too.
    let shingles = cfg.decide.matches_variants() || index.is_some();
    let mut docs = pass1(
        found.docs,
        cfg,
        shingles,
        &mut issues,
        progress,
        memory.as_mut(),
    )?;
    let sites = assign_sites(&mut docs);
    let mut input_print = InputPrint::default();
    for doc in &docs {
        input_print.add(doc.source.id(), doc.print.as_ref().map(|p| p.raw));
    }
    if let Some(outputs) = &outputs {
        outputs.check_input(&input_print)?;
    }
    memory::release_freed(memory.is_some());
    let prints = memory.as_ref().map(|m| m.store.clone());
    let store = prints.as_deref();
    timings.pass1 = clock.elapsed();

    let clock = Instant::now();
    mark_duplicates(&mut docs);
    let (prior, n_sites) = match &index {
        Some(index) => prior_documents(index, &docs, &sites),
        None => (Vec::new(), sites.len()),
    };
    let spill = memory.as_ref().map(Memory::count_spill);
    // Counted once, every document on its own: near-duplicate signatures follow the decisions
    // these counts give; the clusters found are then taken back out of the same tables.
    let mut counts = count_blocks(&docs, store, &prior, n_sites, spill.as_ref())?;
    memory::release_freed(memory.is_some());
    timings.count = clock.elapsed();

    let clock = Instant::now();
    if cfg.near_dup.enabled {
        mark_near_duplicates(&mut docs, store, memory.as_ref(), &counts, cfg, progress)?;
        uncount_cluster_repeats(&docs, store, &mut counts)?;
    }
    timings.near_dup = clock.elapsed();

    let clock = Instant::now();
    let batch = memory.as_ref().map_or(usize::MAX, Memory::pass1_batch);
    // Not shared yet: the outcome takes its copy after the decisions.
    let removal_store = memory.as_mut().and_then(|m| Arc::get_mut(&mut m.removals));
    let measure = decide_all(
        &mut docs,
        store,
        removal_store,
        &counts,
        cfg,
        &mut issues,
        batch,
    )?;
    let removal_stored = memory.as_ref().map(|m| m.removals.clone());
    let removal_store = removal_stored.as_deref();
    name_near_matches(&mut docs, store, removal_store, &counts.blocks)?;
    memory::release_freed(memory.is_some());
    timings.decide = clock.elapsed();

    let warnings = guardrail::warnings(&measure, cfg);
    let stopped = cfg.guard.strict && !warnings.is_empty();

    let clock = Instant::now();
    let mut kept_existing = 0;
    if let (Some(out), false, false) = (&cfg.output, cfg.dry_run, stopped) {
        if let Some(outputs) = &outputs {
            outputs.record(&input_print)?;
        }
        match &cfg.mode {
            OutputMode::Ids => write_ids(&docs, out)?,
            _ => {
                kept_existing = pass2(
                    &mut docs,
                    store,
                    removal_store,
                    out,
                    cfg,
                    &mut issues,
                    progress,
                )?
            }
        }
    }
    timings.pass2 = clock.elapsed();

    if let (Some(index), Some(path), true) = (index, &cfg.index, cfg.update_index) {
        let updated =
            Index::union(vec![index, index_of_run(&docs, store, cfg.unit)?]).map_err(|source| {
                Error::Index {
                    path: path.clone(),
                    source,
                }
            })?;
        updated.write(path)?;
    }

    let outcome = Outcome {
        docs,
        sites,
        issues,
        counts,
        warnings,
        stopped,
        kept_existing,
        skipped,
        measure,
        timings,
        prints,
        removal_store: removal_stored,
    };
    if let Some(path) = &cfg.report {
        report::write_report(path, &outcome, cfg)?;
    }
    if let Some(path) = &cfg.html_report {
        html::write_html_report(path, &outcome, cfg)?;
    }
    Ok(outcome)
}

/// Pass 1: read, segment, fingerprint and match patterns. Whole-file documents are read in
/// parallel; a JSONL file is streamed once and its records are scanned in parallel batches.
/// Under a memory limit each fingerprint goes to the store on disk as soon as its batch is
/// done, and text files are scanned in batches of [`Memory::pass1_batch`] documents.
fn pass1(
    mut files: Vec<SourceDoc>,
    cfg: &Config,
    shingles: bool,
    issues: &mut Vec<Issue>,
    progress: &dyn Progress,
    mut memory: Option<&mut Memory>,
) -> Result<Vec<DocResult>, Error> {
    progress.start(Pass::Read, files.len() as u64);
    let mut docs: Vec<DocResult> = Vec::with_capacity(files.len());
    let mut start = 0;
    let batch = memory.as_ref().map_or(usize::MAX, |m| m.pass1_batch());
    // JSONL files are read one after another: each reuses the batches of the last.
    let pool = BatchPool::new();
    while start < files.len() {
        let store = memory.as_mut().and_then(|m| Arc::get_mut(&mut m.store));
        if jsonl_compression(files[start].path()).is_some() {
            scan_jsonl_file(
                &files[start],
                cfg,
                shingles,
                &mut docs,
                issues,
                store,
                &pool,
            )?;
            progress.advance(Pass::Read, 0);
            start += 1;
            continue;
        }
        let end = files[start..]
            .iter()
            .position(|f| jsonl_compression(f.path()).is_some())
            .map_or(files.len(), |n| start + n)
            .min(start.saturating_add(batch));
        // Documents and files differ in number once a JSONL file has been read.
        let first = docs.len();
        scan_text_files(
            &mut files[start..end],
            cfg,
            shingles,
            &mut docs,
            issues,
            progress,
        );
        if let Some(store) = store {
            keep_all_on_disk(&mut docs, first, store)?;
        }
        start = end;
    }
    if let Some(store) = memory.and_then(|m| Arc::get_mut(&mut m.store)) {
        store.seal(docs.len())?;
    }
    progress.finish(Pass::Read);
    Ok(docs)
}

/// Move the fingerprints of documents `first..` to the store.
fn keep_all_on_disk(
    docs: &mut [DocResult],
    first: usize,
    store: &mut PrintStore,
) -> Result<(), Error> {
    for (d, doc) in docs.iter_mut().enumerate().skip(first) {
        keep_on_disk(doc, d, store)?;
    }
    Ok(())
}

/// Move document `d`'s fingerprint to the store, leaving its two hashes in memory.
fn keep_on_disk(doc: &mut DocResult, d: usize, store: &mut PrintStore) -> Result<(), Error> {
    if let Some(print) = &mut doc.print {
        store.push(d, print)?;
        *print = DocFingerprint {
            blocks: Vec::new(),
            content: print.content,
            raw: print.raw,
            shingles: Vec::new(),
            features: None,
        };
    }
    Ok(())
}

fn new_doc(source: SourceDoc) -> DocResult {
    DocResult {
        source,
        site: 0,
        bytes: 0,
        unit: None,
        print: None,
        blocks: 0,
        fate: None,
        removals: Vec::new(),
        pattern_hits: Vec::new(),
        stamp: None,
        classifier_backed_off: false,
        removed_bytes: 0,
        text_span: None,
    }
}

fn accept(doc: &mut DocResult, s: Scanned, issues: &mut Vec<Issue>) {
    issues.extend(s.warning);
    doc.bytes = s.stamp.len;
    doc.unit = Some(s.unit);
    doc.blocks = u32::try_from(s.print.blocks.len()).unwrap_or(u32::MAX);
    doc.print = Some(s.print);
    doc.pattern_hits = s.hits;
    doc.stamp = Some(s.stamp);
}

/// Scan `files`, moving each into its document (no second copy of every name).
fn scan_text_files(
    files: &mut [SourceDoc],
    cfg: &Config,
    shingles: bool,
    docs: &mut Vec<DocResult>,
    issues: &mut Vec<Issue>,
    progress: &dyn Progress,
) {
    let scanned: Vec<Result<Scanned, Issue>> = files
        .par_iter()
        .map_init(
            || Scratch::new(shingles),
            |scratch, doc| {
                let scanned = scan(doc, cfg, scratch);
                progress.advance(Pass::Read, scanned.as_ref().map_or(0, |s| s.stamp.len));
                scanned
            },
        )
        .collect();
    for (source, result) in files.iter_mut().zip(scanned) {
        let mut doc = new_doc(std::mem::take(source));
        match result {
            Ok(s) => accept(&mut doc, s, issues),
            Err(issue) => issues.push(issue),
        }
        docs.push(doc);
    }
}

/// Every record of one JSONL file becomes a document; bad lines become issues. With a
/// `store`, each batch's fingerprints go to disk before the next batch is read.
fn scan_jsonl_file(
    file: &SourceDoc,
    cfg: &Config,
    shingles: bool,
    docs: &mut Vec<DocResult>,
    issues: &mut Vec<Issue>,
    mut store: Option<&mut PrintStore>,
    pool: &BatchPool,
) -> Result<(), Error> {
    let first = docs.len();
    let mut first_line_of: HashMap<String, u64> = HashMap::new();
    let mut last_site: Arc<str> = Arc::from("");
    let mut line_issues: Vec<Issue> = Vec::new();
    let mut stream_issues: Vec<Issue> = Vec::new();
    let mut failure: Option<Error> = None;
    let (stamp, _) = stream_lines(
        file.path(),
        cfg.max_line_bytes,
        pool,
        |batch| {
            if failure.is_some() {
                return;
            }
            let scanned: Vec<Result<(jsonl::Record, Scanned), Issue>> = batch
                .par_iter()
                .map_init(
                    || Scratch::new(shingles),
                    |scratch, raw| scan_record(file, raw, cfg, scratch),
                )
                .collect();
            let batch_start = docs.len();
            for (raw, result) in batch.iter().zip(scanned) {
                let (record, s) = match result {
                    Ok(r) => r,
                    Err(issue) => {
                        line_issues.push(issue);
                        continue;
                    }
                };
                let id = record
                    .id
                    .unwrap_or_else(|| format!("{}:{}", file.id(), raw.line));
                if let Some(earlier) = first_line_of.get(&id) {
                    line_issues.push(Issue {
                        path: file.path().display().to_string(),
                        line: Some(raw.line as usize),
                        kind: IssueKind::DuplicateId,
                        message: format!(
                            "id {id:?} already used on line {earlier}; cleaned all the same"
                        ),
                    });
                } else {
                    first_line_of.insert(id.clone(), raw.line);
                }
                let site = if cfg.decide.use_sites {
                    record.site
                } else {
                    String::new()
                };
                // Records of a site often follow one another: they share its name.
                if *last_site != *site {
                    last_site = Arc::from(site);
                }
                let mut doc = new_doc(file.record(id, last_site.clone(), raw.line));
                accept(&mut doc, s, &mut line_issues);
                doc.text_span = u32::try_from(record.text_span.start)
                    .ok()
                    .zip(u32::try_from(record.text_span.end).ok());
                docs.push(doc);
            }
            if let Some(store) = store.as_deref_mut() {
                failure = keep_all_on_disk(docs, batch_start, store).err();
            }
        },
        |issue| stream_issues.push(issue),
    );
    if let Some(e) = failure {
        return Err(e);
    }
    // A record's stamp is its file's: pass 2 checks the file did not change.
    for doc in &mut docs[first..] {
        doc.stamp = stamp;
    }
    line_issues.extend(stream_issues);
    line_issues.sort_by_key(|i| i.line);
    issues.extend(line_issues);
    Ok(())
}

fn scan_record(
    file: &SourceDoc,
    raw: RawLine<'_>,
    cfg: &Config,
    scratch: &mut Scratch,
) -> Result<(jsonl::Record, Scanned), Issue> {
    let fail = |kind, message: String| Issue {
        path: file.path().display().to_string(),
        line: Some(raw.line as usize),
        kind,
        message,
    };
    let mut record = parse_record(raw.bytes, &cfg.jsonl)
        .map_err(|e| fail(IssueKind::Malformed, format!("{e}; line skipped")))?;
    let len = record.text.len() as u64;
    if len > cfg.max_doc_bytes {
        return Err(fail(
            IssueKind::TooLarge,
            format!("text of {len} bytes is over the document size limit of {} bytes; skipped (raise --max-doc-bytes)", cfg.max_doc_bytes),
        ));
    }
    let text = std::mem::take(&mut record.text);
    let stamp = FileStamp {
        len,
        modified: None,
    };
    Ok((
        record,
        scan_bytes(text.as_bytes(), stamp, None, cfg, scratch),
    ))
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

/// Decide the blocks of every document still to be written, `batch` documents at a time. With
/// a removal store each batch's removals go to disk before the next batch is decided. Returns
/// what the guardrail measures: the bytes each rule removed, tallied here while the
/// fingerprints are at hand.
fn decide_all(
    docs: &mut [DocResult],
    store: Option<&PrintStore>,
    mut removal_store: Option<&mut RemovalStore>,
    counts: &CorpusCounts,
    cfg: &Config,
    issues: &mut Vec<Issue>,
    batch: usize,
) -> Result<guardrail::Measure, Error> {
    let mut measure = guardrail::Measure::default();
    let mut start = 0;
    while start < docs.len() {
        let end = start.saturating_add(batch).min(docs.len());
        let shared: &[DocResult] = docs;
        type Decided = (Decision, u64, guardrail::RuleBytes);
        let decisions: Vec<Option<Decided>> = (start..end)
            .into_par_iter()
            .map(|d| {
                let doc = &shared[d];
                if doc.fate.is_some() {
                    return Ok(None);
                }
                let Some(print) = print_of(shared, store, d)? else {
                    return Ok(None);
                };
                let decision =
                    decide_document(&print, doc.site, &doc.pattern_hits, counts, &cfg.decide);
                let removed = removed_bytes(&print, &decision.removals);
                let mut by_rule = guardrail::RuleBytes::default();
                by_rule.add(&print, &decision.removals);
                Ok(Some((decision, removed, by_rule)))
            })
            .collect::<Result<_, Error>>()?;
        for (d, decision) in (start..end).zip(decisions) {
            let doc = &mut docs[d];
            if let Some((decided, removed, by_rule)) = decision {
                if decided.fate == Fate::NoContent {
                    issues.push(no_content_issue(doc));
                } else {
                    measure.bytes += doc.bytes;
                    measure.documents += 1;
                    measure.removed.merge(&by_rule);
                    if decided.fate == Fate::Emptied {
                        measure.emptied += 1;
                        measure.removed_from_emptied.merge(&by_rule);
                    }
                }
                doc.fate = Some(decided.fate);
                doc.classifier_backed_off = decided.classifier_backed_off;
                doc.removed_bytes = removed;
                match removal_store.as_deref_mut() {
                    Some(removals) => removals.push(d, &decided.removals)?,
                    None => doc.removals = decided.removals,
                }
            }
        }
        start = end;
    }
    if let Some(removals) = removal_store {
        removals.seal(docs.len())?;
    }
    Ok(measure)
}

/// Annotations and standard output need JSONL inputs: a text file has no rows to pair with.
fn check_modes(files: &[SourceDoc], cfg: &Config) -> Result<(), Error> {
    let needs_jsonl = match cfg.mode {
        OutputMode::Annotate(_) => Some("--mode annotate"),
        OutputMode::Rewrite if cfg.output_is_stdout() => Some("-o -"),
        _ => None,
    };
    if let (Some(what), Some(file)) = (
        needs_jsonl,
        files.iter().find(|f| jsonl_compression(f.path()).is_none()),
    ) {
        return Err(Error::Config(format!(
            "{what} needs JSONL inputs, and {} is not one (.jsonl, .jsonl.gz, .jsonl.zst)",
            file.path().display()
        )));
    }
    Ok(())
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
    Ok(scan_bytes(&bytes, stamp, warning, cfg, scratch))
}

fn scan_bytes(
    bytes: &[u8],
    stamp: FileStamp,
    warning: Option<Issue>,
    cfg: &Config,
    scratch: &mut Scratch,
) -> Scanned {
    let scanned = stages::scan(bytes, cfg, scratch, true);
    Scanned {
        print: scanned.print,
        hits: scanned.hits,
        stamp,
        unit: scanned.unit,
        warning,
    }
}

fn no_content_issue(doc: &DocResult) -> Issue {
    let message = if doc.bytes == 0 && doc.source.is_record() {
        "empty text; nothing written"
    } else if doc.bytes == 0 {
        "empty file; nothing written"
    } else {
        "no text (only whitespace or punctuation); nothing written"
    };
    Issue {
        path: doc.source.path().display().to_string(),
        line: doc.source.line.map(|l| l as usize),
        kind: IssueKind::Empty,
        message: message.into(),
    }
}

/// The documents of `index` the run adds to its own counts, with their site ids, and the
/// number of sites counted. The rule that keeps a run from counting a document twice: an index
/// document whose content hash is also an input document's is left out, the input's copy is
/// counted as usual (so an input already in the index is cleaned exactly as without it); every
/// other index document counts once. Sites of the run keep their ids; sites only the index
/// has get ids after them, which no input document carries.
fn prior_documents<'a>(
    index: &'a Index,
    docs: &[DocResult],
    sites: &[String],
) -> (Vec<(SiteId, &'a IndexDoc)>, usize) {
    let mut contents: Vec<u64> = docs
        .iter()
        .filter_map(|d| d.print.as_ref().and_then(|p| p.content))
        .collect();
    contents.sort_unstable();
    contents.dedup();
    let prior = index.docs_not_in(&contents);
    let mut extra: Vec<&str> = prior
        .iter()
        .filter_map(|d| index.sites().get(d.site as usize))
        .map(String::as_str)
        .filter(|name| sites.binary_search_by(|s| s.as_str().cmp(name)).is_err())
        .collect();
    extra.sort_unstable();
    extra.dedup();
    let id_of = |name: &str| -> SiteId {
        match sites.binary_search_by(|s| s.as_str().cmp(name)) {
            Ok(i) => i as SiteId,
            Err(_) => (sites.len() + extra.binary_search(&name).unwrap_or(0)) as SiteId,
        }
    };
    let prior = prior
        .into_iter()
        .map(|d| {
            let name = index
                .sites()
                .get(d.site as usize)
                .map_or("", String::as_str);
            (id_of(name), d)
        })
        .collect();
    (prior, sites.len() + extra.len())
}

/// The index entries of a run's documents: every document read with content.
fn index_of_run(
    docs: &[DocResult],
    store: Option<&PrintStore>,
    unit: UnitChoice,
) -> Result<Index, Error> {
    let mut entries = Vec::new();
    for (d, doc) in docs.iter().enumerate() {
        let Some(print) = print_of(docs, store, d)? else {
            continue;
        };
        let Some(content) = print.content else {
            continue;
        };
        entries.push(Entry {
            site: doc.source.site().to_string(),
            content,
            keys: print.blocks.iter().filter_map(|b| b.key()).collect(),
            shingles: print.shingles.clone(),
        });
    }
    Ok(Index::from_entries(unit, entries))
}

/// What `thresh index` made: the index and the problems met on the way.
#[derive(Debug)]
pub struct Indexed {
    pub index: Index,
    pub issues: Vec<Issue>,
    /// Files (text documents and JSONL files) of this shard.
    pub files: usize,
    /// Documents read with content (before duplicates are merged).
    pub documents: usize,
}

/// `thresh index`: discover, keep the shard's files, pass 1, and the index of what was read.
pub fn build_index(
    cfg: &Config,
    shard: Option<Shard>,
    progress: &dyn Progress,
) -> Result<Indexed, Error> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .map_err(|e| Error::Config(format!("cannot start worker threads: {e}")))?;
    pool.install(|| {
        let found = discover(&cfg.inputs, &cfg.discover)?;
        // An empty shard is fine (a small corpus split many ways); an empty corpus is not.
        if found.docs.is_empty() {
            return Err(nothing_found(&cfg.inputs, &cfg.discover, &found.skipped));
        }
        let mut issues = found.issues;
        let files: Vec<SourceDoc> = found
            .docs
            .into_iter()
            .filter(|f| shard.is_none_or(|s| s.holds(f.id())))
            .collect();
        let n_files = files.len();
        let docs = pass1(files, cfg, true, &mut issues, progress, None)?;
        let documents = docs
            .iter()
            .filter(|d| d.print.as_ref().is_some_and(|p| p.content.is_some()))
            .count();
        Ok(Indexed {
            index: index_of_run(&docs, None, cfg.unit)?,
            issues,
            files: n_files,
            documents,
        })
    })
}

/// Sorted site names (index 0 = no site); sets each document's site id.
fn assign_sites(docs: &mut [DocResult]) -> Vec<String> {
    let mut names: Vec<String> = docs.iter().map(|d| d.source.site().to_string()).collect();
    names.push(String::new());
    names.sort_unstable();
    names.dedup();
    for doc in docs.iter_mut() {
        doc.site = names
            .binary_search_by(|n| n.as_str().cmp(doc.source.site()))
            .unwrap_or(0) as SiteId;
    }
    names
}

fn check_collisions(docs: &[SourceDoc]) -> Result<(), Error> {
    let mut seen = std::collections::HashMap::with_capacity(docs.len());
    for doc in docs {
        if let Some(first) = seen.insert(doc.rel(), doc.path()) {
            return Err(Error::OutputCollision {
                id: doc.id().to_string(),
                first: first.to_path_buf(),
                second: doc.path().to_path_buf(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record's text is read again where pass 1 found its string: the same text and span
    /// as parsing the line, without parsing it; a line whose bytes there are no longer a
    /// string gives nothing, and without a span the line is parsed.
    #[test]
    fn a_record_text_is_read_again_at_its_span() {
        let line = br#"{"id": "a", "text": "one\ntwo \"q\"", "url": "https://x.example/"}"#;
        let fields = Fields::default();
        let record = parse_record(line, &fields).unwrap();
        let mut doc = new_doc(SourceDoc::default());
        assert_eq!(
            doc.record_text(line, &fields),
            Some((record.text.clone(), record.text_span.clone()))
        );
        doc.text_span = Some((record.text_span.start as u32, record.text_span.end as u32));
        assert_eq!(
            doc.record_text(line, &fields),
            Some((record.text, record.text_span))
        );
        let changed = br#"{"id": "a", "body": 1234567890123, "url": "https://x.example/"}"#;
        assert_eq!(doc.record_text(changed, &fields), None);
    }
}
