//! Records: the lines of a JSONL file, streamed in batches, and documents' texts read again.
//!
//! A JSONL file holds many documents. Each pass reads such a file once, front to back, in
//! batches of lines ([`LineBatch`]) that the caller processes in parallel; a document is located
//! by its file and line number ([`SourceDoc::line`]). Damage (a line over the limit, a truncated
//! or corrupt compressed stream) becomes an [`Issue`] naming the file and line; the lines before
//! it are still used. The batches come from, and go back to, a [`BatchPool`] the caller keeps
//! for the stage, so reading the next file reuses the memory of the last one.

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;

use super::jsonl::{self, Fields};
use super::lines::{BatchLimits, BatchPool, LineBatch, LineReader};
use super::{read_document, FileStamp, SourceDoc};
use crate::error::{Issue, IssueKind};

/// Lines per batch handed to the caller: enough to keep every worker busy, few enough to bound
/// memory.
const BATCH_LIMITS: BatchLimits = BatchLimits {
    lines: 8192,
    bytes: 32 << 20,
};

/// Stream `path`'s non-blank lines in batches. Returns the file's stamp (when it could be
/// opened) and the number of bytes read (decompressed).
///
/// A reader thread reads (and decompresses) the next batch while the caller works on the
/// current one, so reading is never the caller's bottleneck; at most two batches wait. Each
/// batch is taken from `pool` and given back to it once `on_batch` returns.
pub fn stream_lines(
    path: &Path,
    max_line_bytes: u64,
    pool: &BatchPool,
    mut on_batch: impl FnMut(&LineBatch),
    mut on_issue: impl FnMut(Issue),
) -> (Option<FileStamp>, u64) {
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Streamed>(1);
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            read_batches(
                path,
                max_line_bytes,
                pool,
                |batch| {
                    // The receiver lives until this thread is joined.
                    let _ = sender.send(Streamed::Batch(batch));
                },
                |issue| {
                    let _ = sender.send(Streamed::Issue(issue));
                },
            )
        });
        for streamed in receiver {
            match streamed {
                Streamed::Batch(batch) => {
                    on_batch(&batch);
                    pool.give(batch);
                }
                Streamed::Issue(issue) => on_issue(issue),
            }
        }
        reader
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// What the reader thread hands over, in file order.
enum Streamed {
    Batch(LineBatch),
    Issue(Issue),
}

/// [`stream_lines`]' reading side, on the calling thread: every batch handed to `on_batch` holds
/// at least one line.
fn read_batches(
    path: &Path,
    max_line_bytes: u64,
    pool: &BatchPool,
    mut on_batch: impl FnMut(LineBatch),
    mut on_issue: impl FnMut(Issue),
) -> (Option<FileStamp>, u64) {
    let issue = |line, kind, message: String| Issue {
        path: path.display().to_string(),
        line,
        kind,
        message,
    };
    let Some(compression) = jsonl::jsonl_compression(path) else {
        on_issue(issue(
            None,
            IssueKind::Unreadable,
            "not a JSONL file name".into(),
        ));
        return (None, 0);
    };
    let opened = std::fs::metadata(path).and_then(|meta| {
        let stamp = FileStamp {
            len: meta.len(),
            modified: meta.modified().ok(),
        };
        jsonl::open(path, compression).map(|r| (stamp, r))
    });
    let (stamp, reader) = match opened {
        Ok(o) => o,
        Err(e) => {
            on_issue(issue(
                None,
                IssueKind::Unreadable,
                format!("cannot read: {e}"),
            ));
            return (None, 0);
        }
    };
    let mut lines = LineReader::new(reader, max_line_bytes);
    loop {
        let mut batch = pool.take();
        let filled = lines.fill(&mut batch, BATCH_LIMITS, |line, len| {
            on_issue(issue(
                Some(line as usize),
                IssueKind::TooLarge,
                format!("line of {len} bytes is over the limit of {max_line_bytes} bytes; skipped (raise --max-line-bytes)"),
            ));
        });
        let more = match filled {
            Ok(more) => more,
            Err(e) => {
                let kind = match compression {
                    jsonl::Compression::None => IssueKind::Unreadable,
                    _ => IssueKind::Truncated,
                };
                let what = match kind {
                    IssueKind::Truncated => "compressed stream truncated or corrupt",
                    _ => "read failed",
                };
                on_issue(issue(
                    Some(lines.line as usize + 1),
                    kind,
                    format!("{what} ({e}); the lines before it are used, the rest is lost"),
                ));
                false
            }
        };
        if batch.is_empty() {
            pool.give(batch);
        } else {
            on_batch(batch);
        }
        if !more {
            break;
        }
    }
    (Some(stamp), lines.bytes_read)
}

/// Why a record's text cannot be read again.
fn record_issue(doc: &SourceDoc, message: String) -> Issue {
    Issue {
        path: doc.path().display().to_string(),
        line: doc.line.map(|l| l as usize),
        kind: IssueKind::Changed,
        message,
    }
}

/// The texts of the documents `wanted` (indices into `docs`), each file read once; documents
/// that cannot be read are left out.
pub fn read_texts(
    docs: &[SourceDoc],
    wanted: &[usize],
    fields: &Fields,
    max_doc_bytes: u64,
    max_line_bytes: u64,
) -> HashMap<usize, Vec<u8>> {
    let mut out = HashMap::new();
    let pool = BatchPool::new();
    let mut by_file: HashMap<&Path, Vec<usize>> = HashMap::new();
    for &d in wanted {
        let Some(doc) = docs.get(d) else { continue };
        if doc.is_record() {
            by_file.entry(doc.path()).or_default().push(d);
        } else if let Ok((bytes, _, _)) = read_document(doc, max_doc_bytes) {
            out.insert(d, bytes);
        }
    }
    let mut files: Vec<_> = by_file.into_iter().collect();
    files.sort_unstable();
    for (path, indices) in files {
        let by_line: HashMap<u64, usize> = indices
            .iter()
            .filter_map(|&d| docs[d].line.map(|l| (l, d)))
            .collect();
        stream_lines(
            path,
            max_line_bytes,
            &pool,
            |batch| {
                let found: Vec<(usize, Vec<u8>)> = batch
                    .par_iter()
                    .filter_map(|raw| {
                        let d = *by_line.get(&raw.line)?;
                        let record = jsonl::parse_record(raw.bytes, fields).ok()?;
                        Some((d, record.text.into_bytes()))
                    })
                    .collect();
                out.extend(found);
            },
            |_| {},
        );
    }
    out
}

/// The text of one document (a whole file, or one record of a JSONL file).
pub fn read_text(
    doc: &SourceDoc,
    fields: &Fields,
    max_doc_bytes: u64,
    max_line_bytes: u64,
) -> Result<Vec<u8>, Issue> {
    if !doc.is_record() {
        return read_document(doc, max_doc_bytes).map(|(bytes, _, _)| bytes);
    }
    let docs = std::slice::from_ref(doc);
    read_texts(docs, &[0], fields, max_doc_bytes, max_line_bytes)
        .remove(&0)
        .ok_or_else(|| record_issue(doc, "the record can no longer be read".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_file_streams_in_bounded_batches_that_go_back_to_the_pool() {
        let dir = tempfile::tempdir().unwrap();
        let mut data = Vec::new();
        for i in 0..20_000u32 {
            if i % 7 == 3 {
                data.extend(b"\n");
            } else {
                writeln!(
                    data,
                    "{{\"id\": {i}, \"text\": \"{}\"}}",
                    "w ".repeat(i as usize % 50)
                )
                .unwrap();
            }
        }
        let plain = dir.path().join("a.jsonl");
        std::fs::write(&plain, &data).unwrap();
        let gz = dir.path().join("a.jsonl.gz");
        let mut encoder = jsonl::encoder(Vec::new(), jsonl::Compression::Gzip).unwrap();
        encoder.write_all(&data).unwrap();
        std::fs::write(&gz, jsonl::finish_encoder(encoder).unwrap()).unwrap();
        let expected: Vec<(u64, &[u8])> = data
            .split_inclusive(|&b| b == b'\n')
            .enumerate()
            .filter(|(_, line)| *line != b"\n")
            .map(|(i, line)| (i as u64 + 1, line))
            .collect();
        let pool = BatchPool::new();
        for path in [&plain, &gz, &plain] {
            let mut got: Vec<(u64, Vec<u8>)> = Vec::new();
            let mut sizes = Vec::new();
            let (stamp, read) = stream_lines(
                path,
                1 << 20,
                &pool,
                |batch| {
                    sizes.push(batch.len());
                    got.extend(batch.iter().map(|r| (r.line, r.bytes.to_vec())));
                },
                |issue| panic!("{issue:?}"),
            );
            assert!(stamp.is_some());
            assert_eq!(read, data.len() as u64);
            assert_eq!(sizes, [8192, 8192, expected.len() - 2 * 8192]);
            let got: Vec<(u64, &[u8])> = got.iter().map(|(n, b)| (*n, b.as_slice())).collect();
            assert_eq!(got, expected);
            // The reader holds at most one batch while the caller has one and one waits.
            assert!((1..=3).contains(&pool.waiting()), "{}", pool.waiting());
        }
    }

    #[test]
    fn over_long_lines_and_a_cut_stream_are_issues_with_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let data = b"{\"text\": \"a\"}\n\n{\"text\": \"far too long\"}\n{\"text\": \"b\"}\n";
        let mut encoder = jsonl::encoder(Vec::new(), jsonl::Compression::Gzip).unwrap();
        encoder.write_all(data).unwrap();
        let whole = jsonl::finish_encoder(encoder).unwrap();
        let cut = dir.path().join("cut.jsonl.gz");
        std::fs::write(&cut, &whole[..whole.len() - 6]).unwrap();
        let pool = BatchPool::new();
        let mut lines = Vec::new();
        let mut issues = Vec::new();
        stream_lines(
            &cut,
            20,
            &pool,
            |batch| lines.extend(batch.iter().map(|r| r.line)),
            |issue| issues.push((issue.kind, issue.line)),
        );
        assert_eq!(lines, [1, 4]);
        assert_eq!(
            issues,
            [
                (IssueKind::TooLarge, Some(3)),
                (IssueKind::Truncated, Some(5))
            ]
        );
        let missing = dir.path().join("missing.jsonl");
        let mut issues = Vec::new();
        let (stamp, _) = stream_lines(&missing, 20, &pool, |_| {}, |i| issues.push(i.kind));
        assert!(stamp.is_none());
        assert_eq!(issues, [IssueKind::Unreadable]);
    }
}
