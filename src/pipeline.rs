//! Pipeline: orchestrates the stages and does nothing else.
//!
//! discover → pass 1 (parallel: read, segment, fingerprint, match patterns) → duplicates (in
//! path order) → count (per-worker tables, associative merge, frozen) → near-duplicates (sketch
//! content without boilerplate, cluster, count again once per cluster) → decide (parallel, pure)
//! → guardrail → pass 2 (parallel: re-read, check unchanged, write kept spans atomically) →
//! report. Every per-document result is stored at the document's index, so the output never
//! depends on the thread count or on scheduling.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::config::{Config, OutputMode};
use crate::count::{CorpusCounts, CountBuilder, CountTable, FrozenCounts, SiteId};
use crate::decide::{decide_document, Decision};
use crate::decide::{
    duplicates::first_copies, near_dup, Fate, NearMatch, PatternHit, Reason, Removal,
};
use crate::error::{Error, Issue, IssueKind};
use crate::fingerprint::{DocFingerprint, Scratch};
use crate::index::{Entry, Index, IndexDoc, Shard};
use crate::input::jsonl::{self, jsonl_compression, parse_record};
use crate::input::records::{stream_lines, RawLine};
use crate::input::{discover, read_document, FileStamp, SourceDoc};
use crate::output::records::{attribute_row, rewrite_row, IdsRow};
use crate::output::{html, report, text};
use crate::progress::{Pass, Progress, Silent};
use crate::segment::{Unit, UnitChoice};
use crate::sketch::{Signature, SketchScratch};
use crate::stages;

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
    /// Outputs (cleaned files, JSONL files) left as an earlier run wrote them, without
    /// `--overwrite`.
    pub kept_existing: u64,
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
    timings.discover = clock.elapsed();

    let clock = Instant::now();
    // Only variant matching reads shingle samples; an index stores them too.
    let shingles = cfg.decide.matches_variants() || index.is_some();
    let mut docs = pass1(found.docs, cfg, shingles, &mut issues, progress);
    let sites = assign_sites(&mut docs);
    timings.pass1 = clock.elapsed();

    let clock = Instant::now();
    mark_duplicates(&mut docs);
    let (prior, n_sites) = match &index {
        Some(index) => prior_documents(index, &docs, &sites),
        None => (Vec::new(), sites.len()),
    };
    // Near-duplicate detection needs only the block counts; shingles are counted once, after.
    let mut counts = count_blocks(&docs, &prior, n_sites, !cfg.near_dup.enabled);
    timings.count = clock.elapsed();

    let clock = Instant::now();
    if cfg.near_dup.enabled {
        mark_near_duplicates(&mut docs, &counts.blocks, cfg, progress);
        counts = count_blocks(&docs, &prior, n_sites, true);
    }
    timings.near_dup = clock.elapsed();

    let clock = Instant::now();
    decide_all(&mut docs, &counts, cfg, &mut issues);
    name_near_matches(&mut docs, &counts.blocks);
    timings.decide = clock.elapsed();

    let warnings = guardrail_warnings(&docs, cfg);
    let stopped = cfg.guard.strict && !warnings.is_empty();

    let clock = Instant::now();
    let mut kept_existing = 0;
    if let (Some(out), false, false) = (&cfg.output, cfg.dry_run, stopped) {
        match &cfg.mode {
            OutputMode::Ids => write_ids(&docs, out)?,
            _ => kept_existing = pass2(&mut docs, out, cfg, &mut issues, progress)?,
        }
    }
    timings.pass2 = clock.elapsed();

    if let (Some(index), Some(path), true) = (index, &cfg.index, cfg.update_index) {
        let updated =
            Index::union(vec![index, index_of_run(&docs, cfg.unit)]).map_err(|source| {
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

/// Pass 1: read, segment, fingerprint and match patterns. Whole-file documents are read in
/// parallel; a JSONL file is streamed once and its records are scanned in parallel batches.
fn pass1(
    files: Vec<SourceDoc>,
    cfg: &Config,
    shingles: bool,
    issues: &mut Vec<Issue>,
    progress: &dyn Progress,
) -> Vec<DocResult> {
    progress.start(Pass::Read, files.len() as u64);
    let mut docs: Vec<DocResult> = Vec::with_capacity(files.len());
    let mut start = 0;
    while start < files.len() {
        if jsonl_compression(&files[start].path).is_some() {
            scan_jsonl_file(&files[start], cfg, shingles, &mut docs, issues);
            progress.advance(Pass::Read, 0);
            start += 1;
            continue;
        }
        let end = files[start..]
            .iter()
            .position(|f| jsonl_compression(&f.path).is_some())
            .map_or(files.len(), |n| start + n);
        scan_text_files(
            &files[start..end],
            cfg,
            shingles,
            &mut docs,
            issues,
            progress,
        );
        start = end;
    }
    progress.finish(Pass::Read);
    docs
}

fn new_doc(source: SourceDoc) -> DocResult {
    DocResult {
        source,
        site: 0,
        bytes: 0,
        unit: None,
        print: None,
        fate: None,
        removals: Vec::new(),
        pattern_hits: Vec::new(),
        stamp: None,
        classifier_backed_off: false,
    }
}

fn accept(doc: &mut DocResult, s: Scanned, issues: &mut Vec<Issue>) {
    issues.extend(s.warning);
    doc.bytes = s.stamp.len;
    doc.unit = Some(s.unit);
    doc.print = Some(s.print);
    doc.pattern_hits = s.hits;
    doc.stamp = Some(s.stamp);
}

fn scan_text_files(
    files: &[SourceDoc],
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
    for (source, result) in files.iter().zip(scanned) {
        let mut doc = new_doc(source.clone());
        match result {
            Ok(s) => accept(&mut doc, s, issues),
            Err(issue) => issues.push(issue),
        }
        docs.push(doc);
    }
}

/// Every record of one JSONL file becomes a document; bad lines become issues.
fn scan_jsonl_file(
    file: &SourceDoc,
    cfg: &Config,
    shingles: bool,
    docs: &mut Vec<DocResult>,
    issues: &mut Vec<Issue>,
) {
    let first = docs.len();
    let mut first_line_of: HashMap<String, u64> = HashMap::new();
    let mut line_issues: Vec<Issue> = Vec::new();
    let mut stream_issues: Vec<Issue> = Vec::new();
    let (stamp, _) = stream_lines(
        &file.path,
        cfg.max_line_bytes,
        |batch| {
            let scanned: Vec<Result<(jsonl::Record, Scanned), Issue>> = batch
                .par_iter()
                .map_init(
                    || Scratch::new(shingles),
                    |scratch, raw| scan_record(file, raw, cfg, scratch),
                )
                .collect();
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
                    .unwrap_or_else(|| format!("{}:{}", file.id, raw.line));
                if let Some(earlier) = first_line_of.get(&id) {
                    line_issues.push(Issue {
                        path: file.path.display().to_string(),
                        line: Some(raw.line as usize),
                        kind: IssueKind::DuplicateId,
                        message: format!(
                            "id {id:?} already used on line {earlier}; cleaned all the same"
                        ),
                    });
                } else {
                    first_line_of.insert(id.clone(), raw.line);
                }
                let mut doc = new_doc(SourceDoc {
                    path: file.path.clone(),
                    rel: file.rel.clone(),
                    id,
                    site: if cfg.decide.use_sites {
                        record.site
                    } else {
                        String::new()
                    },
                    line: Some(raw.line),
                });
                accept(&mut doc, s, &mut line_issues);
                docs.push(doc);
            }
        },
        |issue| stream_issues.push(issue),
    );
    // A record's stamp is its file's: pass 2 checks the file did not change.
    for doc in &mut docs[first..] {
        doc.stamp = stamp;
    }
    line_issues.extend(stream_issues);
    line_issues.sort_by_key(|i| i.line);
    issues.extend(line_issues);
}

fn scan_record(
    file: &SourceDoc,
    raw: &RawLine,
    cfg: &Config,
    scratch: &mut Scratch,
) -> Result<(jsonl::Record, Scanned), Issue> {
    let fail = |kind, message: String| Issue {
        path: file.path.display().to_string(),
        line: Some(raw.line as usize),
        kind,
        message,
    };
    let mut record = parse_record(&raw.bytes, &cfg.jsonl)
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

/// Pass 2: write every document to be written (or, annotating, every record's attributes); a
/// failure turns the document into a failed one. Whole-file documents are written in
/// parallel; each JSONL file is streamed once, its rows made in parallel batches and written in
/// input order.
fn pass2(
    docs: &mut [DocResult],
    out: &Path,
    cfg: &Config,
    issues: &mut Vec<Issue>,
    progress: &dyn Progress,
) -> Result<u64, Error> {
    progress.start(Pass::Write, docs.len() as u64);
    let written_bytes = |doc: &DocResult| {
        if doc.fate == Some(Fate::Written) {
            doc.bytes
        } else {
            0
        }
    };
    let results: Vec<Result<bool, Issue>> = docs
        .par_iter()
        .map(|doc| {
            if doc.source.is_record() {
                return Ok(false);
            }
            let written = write_document(doc, out, cfg);
            progress.advance(Pass::Write, written_bytes(doc));
            written
        })
        .collect();
    let mut kept_existing = 0;
    for (doc, result) in docs.iter_mut().zip(results) {
        match result {
            Ok(kept) => kept_existing += u64::from(kept),
            Err(issue) => {
                doc.fate = None;
                issues.push(issue);
            }
        }
    }
    let mut stdout = cfg.output_is_stdout().then(|| std::io::stdout().lock());
    let runs = record_files(docs);
    // Files are written side by side (compressing an output is often the slowest part of
    // writing it), except to standard output, which takes them one after another.
    let written_files: Vec<Result<RecordsWritten, Error>> = if stdout.is_none() {
        runs.par_iter()
            .map(|run| write_record_file(&docs[run.clone()], out, cfg, None))
            .collect()
    } else {
        runs.iter()
            .map(|run| {
                let to_stdout = stdout.as_mut().map(|s| s as &mut dyn Write);
                write_record_file(&docs[run.clone()], out, cfg, to_stdout)
            })
            .collect()
    };
    for (run, written) in runs.into_iter().zip(written_files) {
        let written = written?;
        kept_existing += u64::from(written.kept_existing);
        for (i, issue) in written.failed {
            docs[run.start + i].fate = None;
            issues.push(issue);
        }
        issues.extend(written.file_issue);
        for doc in &docs[run] {
            progress.advance(Pass::Write, written_bytes(doc));
        }
    }
    if let Some(mut stdout) = stdout {
        stdout.flush().map_err(|source| Error::Write {
            path: "-".into(),
            source,
        })?;
    }
    progress.finish(Pass::Write);
    Ok(kept_existing)
}

/// What writing one JSONL file's rows left behind.
#[derive(Default)]
struct RecordsWritten {
    /// Records that could not be written, by index in the file's run.
    failed: Vec<(usize, Issue)>,
    /// The file as a whole could not be written.
    file_issue: Option<Issue>,
    /// The output existed (a finished earlier run) and was left alone.
    kept_existing: bool,
}

/// One output row, or why there is none.
enum Row {
    Bytes(Vec<u8>),
    /// A record not written (duplicate, emptied, failed).
    Skip,
    /// A line that is no document (malformed): attribute rows would no longer line up.
    NotADocument,
    Failed(usize, Issue),
}

/// Stream one JSONL file again and write its rows: cleaned records to OUT/<rel> (or to
/// standard output), or attribute rows to OUT/attributes/<name>/<rel>.
fn write_record_file(
    docs: &[DocResult],
    out: &Path,
    cfg: &Config,
    stdout: Option<&mut dyn Write>,
) -> Result<RecordsWritten, Error> {
    let Some(file) = docs.first().map(|d| &d.source) else {
        return Ok(RecordsWritten::default());
    };
    let target = match &cfg.mode {
        OutputMode::Annotate(name) => out.join("attributes").join(name).join(&file.rel),
        _ => out.join(&file.rel),
    };
    // Outputs appear only by rename, so a JSONL output that exists is complete: a rerun over
    // many shards resumes where it stopped.
    if stdout.is_none() && !cfg.overwrite && target.exists() {
        return Ok(RecordsWritten {
            kept_existing: true,
            ..RecordsWritten::default()
        });
    }
    let changed = |line: Option<u64>, message: &str| Issue {
        path: file.path.display().to_string(),
        line: line.map(|l| l as usize),
        kind: IssueKind::Changed,
        message: message.into(),
    };
    let now = std::fs::metadata(&file.path).ok().map(|meta| FileStamp {
        len: meta.len(),
        modified: meta.modified().ok(),
    });
    if now != docs[0].stamp {
        return Ok(RecordsWritten {
            file_issue: Some(changed(
                None,
                "changed between the two passes (size or time); skipped, run again",
            )),
            failed: (0..docs.len())
                .filter(|&i| docs[i].fate.is_some())
                .map(|i| {
                    (
                        i,
                        changed(docs[i].source.line, "file changed; record not written"),
                    )
                })
                .collect(),
            kept_existing: false,
        });
    }
    let by_line: HashMap<u64, usize> = docs
        .iter()
        .enumerate()
        .filter_map(|(i, d)| d.source.line.map(|l| (l, i)))
        .collect();
    let row_of = |raw: &RawLine| -> Row {
        let Some(&i) = by_line.get(&raw.line) else {
            return Row::NotADocument;
        };
        let doc = &docs[i];
        let annotate = match &cfg.mode {
            OutputMode::Annotate(name) => Some(name),
            _ => None,
        };
        if annotate.is_none() && doc.fate != Some(Fate::Written) {
            return Row::Skip;
        }
        let Some(print) = &doc.print else {
            return Row::Skip;
        };
        let record = match parse_record(&raw.bytes, &cfg.jsonl) {
            Ok(r) if xxhash_rust::xxh3::xxh3_64(r.text.as_bytes()) == print.raw => r,
            _ => {
                return Row::Failed(
                    i,
                    changed(
                        doc.source.line,
                        "record changed between the two passes; not written",
                    ),
                )
            }
        };
        Row::Bytes(match annotate {
            Some(name) => attribute_row(
                name,
                &doc.source.id,
                &record.text,
                &print.blocks,
                doc.fate,
                &doc.removals,
            ),
            None => rewrite_row(
                &raw.bytes,
                &record.text_span,
                &record.text,
                &print.blocks,
                &doc.removals,
            ),
        })
    };
    let mut written = RecordsWritten::default();
    let compression = match stdout {
        Some(_) => jsonl::Compression::None,
        None => jsonl_compression(&file.path).unwrap_or(jsonl::Compression::None),
    };
    let mut fill = |sink: &mut dyn Write| -> std::io::Result<()> {
        let mut encoder = jsonl::encoder(sink, compression)?;
        let mut result = Ok(());
        let mut misaligned = false;
        stream_lines(
            &file.path,
            cfg.max_line_bytes,
            |batch| {
                if result.is_err() {
                    return;
                }
                let rows: Vec<Row> = batch.par_iter().map(row_of).collect();
                for row in rows {
                    match row {
                        Row::Bytes(bytes) => {
                            if let Err(e) = encoder.write_all(&bytes) {
                                result = Err(e);
                                return;
                            }
                        }
                        Row::Skip => {}
                        Row::NotADocument => misaligned = true,
                        Row::Failed(i, issue) => written.failed.push((i, issue)),
                    }
                }
            },
            |_| {},
        );
        result?;
        jsonl::finish_encoder(encoder)?;
        if misaligned && matches!(cfg.mode, OutputMode::Annotate(_)) {
            return Err(std::io::Error::other(
                "some lines are not documents (see the errors above), so attribute rows would not line up with the document rows; no attribute file written",
            ));
        }
        Ok(())
    };
    match stdout {
        Some(sink) => fill(sink).map_err(|source| Error::Write {
            path: "-".into(),
            source,
        })?,
        None => {
            if let Err(e) = text::write_atomic_with(&target, |w| fill(w)) {
                written.file_issue = Some(Issue {
                    path: target.display().to_string(),
                    line: None,
                    kind: IssueKind::WriteFailed,
                    message: format!("cannot write: {e}"),
                });
            }
        }
    };
    Ok(written)
}

/// `--mode ids`: one JSON line per document not kept, in input order.
fn write_ids(docs: &[DocResult], out: &Path) -> Result<(), Error> {
    let mut rows = Vec::new();
    for doc in docs {
        let (reason, of, similarity) = match doc.fate {
            Some(Fate::Duplicate { of }) => ("duplicate", Some(of), None),
            Some(Fate::NearDuplicate { of, similarity_bp }) => (
                "near_duplicate",
                Some(of),
                Some(f64::from(similarity_bp) / 10_000.0),
            ),
            Some(Fate::Emptied) => ("emptied", None, None),
            _ => continue,
        };
        let path = doc.source.rel.to_string_lossy();
        let row = IdsRow {
            id: &doc.source.id,
            path: &path,
            line: doc.source.line,
            reason,
            of: of.and_then(|i| docs.get(i)).map(|d| d.source.id.as_str()),
            similarity,
        };
        // Serialising plain strings and numbers cannot fail.
        rows.extend(serde_json::to_vec(&row).unwrap_or_default());
        rows.push(b'\n');
    }
    let failed = |source| Error::Write {
        path: out.to_path_buf(),
        source,
    };
    if out.as_os_str() == "-" {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(&rows)
            .and_then(|_| stdout.flush())
            .map_err(failed)
    } else {
        text::write_atomic(out, &rows).map_err(failed)
    }
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
        files.iter().find(|f| jsonl_compression(&f.path).is_none()),
    ) {
        return Err(Error::Config(format!(
            "{what} needs JSONL inputs, and {} is not one (.jsonl, .jsonl.gz, .jsonl.zst)",
            file.path.display()
        )));
    }
    Ok(())
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
fn count_blocks(
    docs: &[DocResult],
    prior: &[(SiteId, &IndexDoc)],
    n_sites: usize,
    with_shingles: bool,
) -> CorpusCounts {
    let mut site_sizes = vec![0u32; n_sites];
    for &(site, _) in prior {
        site_sizes[site as usize] += 1;
    }
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
    // The index's documents: each once, keys already distinct. The merge is commutative, so
    // adding them last changes nothing but the totals.
    let (prior_blocks, prior_shingles) = prior
        .par_iter()
        .fold(
            || (CountBuilder::default(), CountBuilder::default()),
            |(mut blocks, mut shingles), &(site, doc)| {
                blocks.add_document(site, doc.keys.iter().copied());
                if with_shingles {
                    shingles.add_document(site, doc.shingles.iter().copied());
                }
                (blocks, shingles)
            },
        )
        .map(|(blocks, shingles)| (blocks.finish(), shingles.finish()))
        .reduce(
            || (CountTable::default(), CountTable::default()),
            |a, b| (a.0.merge(b.0), a.1.merge(b.1)),
        );
    let (blocks, shingles) = (blocks.merge(prior_blocks), shingles.merge(prior_shingles));
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
            // Decided documents and near-duplicates: those whose blocks were counted.
            let counted = matches!(
                doc.fate,
                Some(Fate::Written | Fate::Emptied | Fate::NearDuplicate { .. })
            );
            let Some(print) = doc.print.as_ref().filter(|_| counted) else {
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

/// Signatures of each candidate document's content, its site's template left out (texts read
/// again). Only template lines (see [`near_dup::is_template`]) are left out, not everything the
/// boilerplate rules would remove: a story syndicated to many sites is itself frequent, and
/// leaving it out would hide exactly the copies this stage is looking for.
fn sketch_content(
    docs: &[DocResult],
    counts: &FrozenCounts,
    cfg: &Config,
    progress: &dyn Progress,
) -> Vec<Option<Signature>> {
    let candidate = |doc: &DocResult| {
        doc.fate.is_none() && doc.print.as_ref().is_some_and(|p| p.content.is_some())
    };
    let sketched = map_texts(docs, cfg, candidate, |doc, bytes| {
        progress.advance(Pass::NearDuplicates, doc.bytes);
        let mut scratch = SketchScratch::default();
        sketch_one(doc, &bytes, counts, cfg, &mut scratch)
    });
    // Every document is reported once; those not read again with no bytes.
    for _ in docs.iter().filter(|d| !candidate(d)) {
        progress.advance(Pass::NearDuplicates, 0);
    }
    sketched.into_iter().map(Option::flatten).collect()
}

/// The signature of one document, or `None` when it takes no part in near-duplicate detection.
fn sketch_one(
    doc: &DocResult,
    bytes: &[u8],
    counts: &FrozenCounts,
    cfg: &Config,
    scratch: &mut SketchScratch,
) -> Option<Signature> {
    let print = doc.print.as_ref().filter(|_| doc.fate.is_none())?;
    // A file changed since pass 1 is reported by pass 2; it takes no part here.
    if xxhash_rust::xxh3::xxh3_64(bytes) != print.raw {
        return None;
    }
    stages::content_signature(bytes, print, doc.site, counts, cfg, scratch)
}

/// The consecutive runs of records of one JSONL file (pass 1 keeps a file's records together).
fn record_files(docs: &[DocResult]) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < docs.len() {
        if !docs[i].source.is_record() {
            i += 1;
            continue;
        }
        let path = &docs[i].source.path;
        let end = docs[i..]
            .iter()
            .position(|d| !d.source.is_record() || &d.source.path != path)
            .map_or(docs.len(), |n| i + n);
        runs.push(i..end);
        i = end;
    }
    runs
}

/// Read again the text of every document `wanted` selects and map it with `f`, in parallel;
/// the result for document `i` is at index `i` (`None` when not wanted or unreadable). Each
/// JSONL file is streamed once.
fn map_texts<R: Send>(
    docs: &[DocResult],
    cfg: &Config,
    wanted: impl Fn(&DocResult) -> bool + Sync,
    f: impl Fn(&DocResult, Vec<u8>) -> R + Sync,
) -> Vec<Option<R>> {
    let mut out: Vec<Option<R>> = docs
        .par_iter()
        .map(|doc| {
            if doc.source.is_record() || !wanted(doc) {
                return None;
            }
            let (bytes, _, _) = read_document(&doc.source, cfg.max_doc_bytes).ok()?;
            Some(f(doc, bytes))
        })
        .collect();
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
            &docs[run.start].source.path,
            cfg.max_line_bytes,
            |batch| {
                let results: Vec<(usize, R)> = batch
                    .par_iter()
                    .filter_map(|raw| {
                        let d = *by_line.get(&raw.line)?;
                        let record = parse_record(&raw.bytes, &cfg.jsonl).ok()?;
                        Some((d, f(&docs[d], record.text.into_bytes())))
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
        path: doc.source.path.display().to_string(),
        line: doc.source.line.map(|l| l as usize),
        kind: IssueKind::Empty,
        message: message.into(),
    }
}

/// Re-read a document to be written, check it is the version pass 1 saw, write kept spans.
/// Returns whether the output already existed and was left alone.
fn write_document(doc: &DocResult, out: &Path, cfg: &Config) -> Result<bool, Issue> {
    let (Some(Fate::Written), Some(print), Some(stamp)) = (doc.fate, &doc.print, doc.stamp) else {
        return Ok(false);
    };
    let target = out.join(&doc.source.rel);
    // Outputs appear only by rename, so one that exists is complete: a rerun after an
    // interruption writes only what is missing.
    if !cfg.overwrite && target.exists() {
        return Ok(true);
    }
    let (bytes, now, _) = read_document(&doc.source, cfg.max_doc_bytes)?;
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
    text::write_atomic(&target, &cleaned)
        .map(|_| false)
        .map_err(|e| Issue {
            path: target.display().to_string(),
            line: None,
            kind: IssueKind::WriteFailed,
            message: format!("cannot write: {e}"),
        })
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
fn index_of_run(docs: &[DocResult], unit: UnitChoice) -> Index {
    let entries = docs
        .iter()
        .filter_map(|doc| {
            let print = doc.print.as_ref()?;
            Some(Entry {
                site: doc.source.site.clone(),
                content: print.content?,
                keys: print.blocks.iter().filter_map(|b| b.key()).collect(),
                shingles: print.shingles.clone(),
            })
        })
        .collect();
    Index::from_entries(unit, entries)
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
        let mut issues = found.issues;
        let files: Vec<SourceDoc> = found
            .docs
            .into_iter()
            .filter(|f| shard.is_none_or(|s| s.holds(&f.id)))
            .collect();
        let n_files = files.len();
        let docs = pass1(files, cfg, true, &mut issues, progress);
        let documents = docs
            .iter()
            .filter(|d| d.print.as_ref().is_some_and(|p| p.content.is_some()))
            .count();
        Ok(Indexed {
            index: index_of_run(&docs, cfg.unit),
            issues,
            files: n_files,
            documents,
        })
    })
}

/// Sorted site names (index 0 = no site); sets each document's site id.
fn assign_sites(docs: &mut [DocResult]) -> Vec<String> {
    let mut names: Vec<String> = docs.iter().map(|d| d.source.site.clone()).collect();
    names.push(String::new());
    names.sort_unstable();
    names.dedup();
    for doc in docs.iter_mut() {
        doc.site = names.binary_search(&doc.source.site).unwrap_or(0) as SiteId;
    }
    names
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
