//! Writing stages of the pipeline: pass 2 (cleaned text files, cleaned or annotated JSONL
//! files) and `--mode ids`.
//!
//! In: the decided documents and their fingerprints (in memory or in the store). Out: outputs
//! written atomically; a document that cannot be written becomes a failed one with an issue.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use rayon::prelude::*;

use super::near::record_files;
use super::{print_of, removals_of, DocResult};
use crate::config::{Config, OutputMode};
use crate::decide::Fate;
use crate::error::{Error, Issue, IssueKind};
use crate::input::jsonl::{self, jsonl_compression};
use crate::input::lines::{BatchPool, RawLine};
use crate::input::records::stream_lines;
use crate::input::{read_document, FileStamp};
use crate::output::records::{attribute_row, rewrite_row, IdsRow};
use crate::output::text;
use crate::progress::{Pass, Progress};
use crate::spill::prints::PrintStore;
use crate::spill::removals::RemovalStore;

/// Pass 2: write every document to be written (or, annotating, every record's attributes); a
/// failure turns the document into a failed one. Whole-file documents are written in
/// parallel; each JSONL file is streamed once, its rows made in parallel batches and written in
/// input order.
pub(super) fn pass2(
    docs: &mut [DocResult],
    store: Option<&PrintStore>,
    removal_store: Option<&RemovalStore>,
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
    let shared: &[DocResult] = docs;
    // Only outputs left alone (`Ok(true)`) and failures are kept: a result per document
    // would cost as much as the document's own record.
    let results: Vec<(usize, Result<bool, Issue>)> = (0..shared.len())
        .into_par_iter()
        .map(|d| {
            let doc = &shared[d];
            if doc.source.is_record() {
                return Ok(None);
            }
            let written = write_document(shared, store, removal_store, d, out, cfg)?;
            progress.advance(Pass::Write, written_bytes(doc));
            Ok(Some(d)
                .filter(|_| written != Ok(false))
                .map(|d| (d, written)))
        })
        .filter_map(Result::transpose)
        .collect::<Result<_, Error>>()?;
    let mut kept_existing = 0;
    for (d, result) in results {
        match result {
            Ok(kept) => kept_existing += u64::from(kept),
            Err(issue) => {
                docs[d].fate = None;
                issues.push(issue);
            }
        }
    }
    let mut stdout = cfg.output_is_stdout().then(|| std::io::stdout().lock());
    let runs = record_files(docs);
    let docs_read: &[DocResult] = docs;
    // Shared by the files written side by side: each takes batches that others gave back.
    let pool = BatchPool::new();
    let write_run = |run: &std::ops::Range<usize>, to_stdout: Option<&mut dyn Write>| {
        let print = |i: usize| print_of(docs_read, store, run.start + i);
        let removals = |i: usize| removals_of(docs_read, removal_store, run.start + i);
        write_record_file(
            &docs_read[run.clone()],
            &print,
            &removals,
            out,
            cfg,
            to_stdout,
            &pool,
        )
    };
    // Files are written side by side (compressing an output is often the slowest part of
    // writing it), except to standard output, which takes them one after another, and under a
    // memory limit, where each file in flight holds its batches.
    let side_by_side = stdout.is_none() && cfg.memory_limit.is_none();
    let written_files: Vec<Result<RecordsWritten, Error>> = if side_by_side {
        runs.par_iter().map(|run| write_run(run, None)).collect()
    } else {
        runs.iter()
            .map(|run| write_run(run, stdout.as_mut().map(|s| s as &mut dyn Write)))
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
    /// The fingerprint store could not be read back: the file is not written.
    Unreadable(String),
}

/// The fingerprint of a file's `i`-th document.
type PrintOf<'a> = dyn Fn(usize) -> Result<Option<std::borrow::Cow<'a, crate::fingerprint::DocFingerprint>>, Error>
    + Sync
    + 'a;

/// The removals of a file's `i`-th document.
type RemovalsOf<'a> =
    dyn Fn(usize) -> Result<std::borrow::Cow<'a, [crate::decide::Removal]>, Error> + Sync + 'a;

/// Stream one JSONL file again and write its rows: cleaned records to OUT/<rel> (or to
/// standard output), or attribute rows to OUT/attributes/<name>/<rel>.
fn write_record_file<'a>(
    docs: &[DocResult],
    print_of: &PrintOf<'a>,
    removals_of: &RemovalsOf<'a>,
    out: &Path,
    cfg: &Config,
    stdout: Option<&mut dyn Write>,
    pool: &BatchPool,
) -> Result<RecordsWritten, Error> {
    let Some(file) = docs.first().map(|d| &d.source) else {
        return Ok(RecordsWritten::default());
    };
    let target = match &cfg.mode {
        OutputMode::Annotate(name) => out.join("attributes").join(name).join(file.rel()),
        _ => out.join(file.rel()),
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
        path: file.path().display().to_string(),
        line: line.map(|l| l as usize),
        kind: IssueKind::Changed,
        message: message.into(),
    };
    let now = std::fs::metadata(file.path()).ok().map(|meta| FileStamp {
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
    let row_of = |raw: RawLine<'_>| -> Row {
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
        let print = match print_of(i) {
            Ok(Some(print)) => print,
            Ok(None) => return Row::Skip,
            Err(e) => return Row::Unreadable(e.to_string()),
        };
        let removals = match removals_of(i) {
            Ok(removals) => removals,
            Err(e) => return Row::Unreadable(e.to_string()),
        };
        let (text, text_span) = match doc.record_text(raw.bytes, &cfg.jsonl) {
            Some((text, span)) if xxhash_rust::xxh3::xxh3_64(text.as_bytes()) == print.raw => {
                (text, span)
            }
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
                doc.source.id(),
                &text,
                &print.blocks,
                doc.fate,
                &removals,
            ),
            None => rewrite_row(raw.bytes, &text_span, &text, &print.blocks, &removals),
        })
    };
    let mut written = RecordsWritten::default();
    let compression = match stdout {
        Some(_) => jsonl::Compression::None,
        None => jsonl_compression(file.path()).unwrap_or(jsonl::Compression::None),
    };
    let mut fill = |sink: &mut dyn Write| -> std::io::Result<()> {
        let mut encoder = jsonl::encoder(sink, compression)?;
        let mut result = Ok(());
        let mut misaligned = false;
        stream_lines(
            file.path(),
            cfg.max_line_bytes,
            pool,
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
                        Row::Unreadable(message) => {
                            result = Err(std::io::Error::other(message));
                            return;
                        }
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
pub(super) fn write_ids(docs: &[DocResult], out: &Path) -> Result<(), Error> {
    let mut rows = Vec::new();
    for doc in docs {
        let (reason, of, similarity, containment) = match doc.fate {
            Some(Fate::Duplicate { of }) => ("duplicate", Some(of), None, None),
            Some(Fate::NearDuplicate {
                of,
                similarity_bp,
                contained_bp,
                ..
            }) => (
                "near_duplicate",
                Some(of),
                Some(f64::from(similarity_bp) / 10_000.0),
                Some(f64::from(contained_bp) / 10_000.0),
            ),
            Some(Fate::Emptied) => ("emptied", None, None, None),
            _ => continue,
        };
        let path = doc.source.rel().to_string_lossy();
        let row = IdsRow {
            id: doc.source.id(),
            path: &path,
            line: doc.source.line,
            reason,
            of: of.and_then(|i| docs.get(i)).map(|d| d.source.id()),
            similarity,
            containment,
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

/// Re-read a document to be written, check it is the version pass 1 saw, write kept spans.
/// Returns whether the output already existed and was left alone.
/// The outer error is the run's (the fingerprint store cannot be read back).
fn write_document(
    docs: &[DocResult],
    store: Option<&PrintStore>,
    removal_store: Option<&RemovalStore>,
    d: usize,
    out: &Path,
    cfg: &Config,
) -> Result<Result<bool, Issue>, Error> {
    let doc = &docs[d];
    let (Some(Fate::Written), Some(stamp)) = (doc.fate, doc.stamp) else {
        return Ok(Ok(false));
    };
    let target = out.join(doc.source.rel());
    // Outputs appear only by rename, so one that exists is complete: a rerun after an
    // interruption writes only what is missing.
    if !cfg.overwrite && target.exists() {
        return Ok(Ok(true));
    }
    let Some(print) = print_of(docs, store, d)? else {
        return Ok(Ok(false));
    };
    let removals = removals_of(docs, removal_store, d)?;
    Ok(rewrite_document(
        doc, &print, &removals, stamp, &target, cfg,
    ))
}

fn rewrite_document(
    doc: &DocResult,
    print: &crate::fingerprint::DocFingerprint,
    removals: &[crate::decide::Removal],
    stamp: FileStamp,
    target: &Path,
    cfg: &Config,
) -> Result<bool, Issue> {
    let (bytes, now, _) = read_document(&doc.source, cfg.max_doc_bytes)?;
    let raw = xxhash_rust::xxh3::xxh3_64(&bytes);
    if now != stamp || raw != print.raw {
        return Err(Issue {
            path: doc.source.path().display().to_string(),
            line: None,
            kind: IssueKind::Changed,
            message: "changed between the two passes (size, time or content); skipped, run again"
                .into(),
        });
    }
    let mut removed = vec![false; print.blocks.len()];
    for r in removals {
        removed[r.block as usize] = true;
    }
    let cleaned = text::assemble(&bytes, &print.blocks, &removed);
    text::write_atomic(target, &cleaned)
        .map(|_| false)
        .map_err(|e| Issue {
            path: target.display().to_string(),
            line: None,
            kind: IssueKind::WriteFailed,
            message: format!("cannot write: {e}"),
        })
}
