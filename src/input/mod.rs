//! Input: find documents ([`discover`]) and read their bytes with the checks every stage relies on.
//!
//! A document is read whole (bounded by the size limit) and handed on as raw bytes: decoding is
//! lossy and only for matching, so invalid UTF-8 is written back byte for byte. Binary files
//! (NUL bytes), unreadable and oversized files become [`Issue`]s naming the path and, where it
//! helps, the line; the run goes on without them.

pub mod discover;
pub mod jsonl;
pub mod lines;
pub mod records;

use std::io::Read;
use std::path::Path;

pub use discover::{discover, DiscoverConfig, Discovery, SiteRule, SourceDoc};

use crate::error::{Error, Issue, IssueKind};

/// Copy `input` (standard input) to a file in `dir`, so both passes can read it. The file is
/// `stdin.jsonl`, or `stdin.jsonl.gz` / `stdin.jsonl.zst` when the data starts with the gzip or
/// zstd magic bytes.
pub fn spool_stdin(mut input: impl Read, dir: &Path) -> Result<std::path::PathBuf, Error> {
    let spool = dir.join("stdin.jsonl.spool");
    let failed = |path: &Path, source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::create(&spool).map_err(|e| failed(&spool, e))?;
    std::io::copy(&mut input, &mut file).map_err(|e| failed(&spool, e))?;
    drop(file);
    let mut magic = [0u8; 4];
    let head = std::fs::File::open(&spool)
        .and_then(|mut f| f.read(&mut magic))
        .map_err(|e| failed(&spool, e))?;
    let name = match &magic[..head] {
        [0x1f, 0x8b, ..] => "stdin.jsonl.gz",
        [0x28, 0xb5, 0x2f, 0xfd] => "stdin.jsonl.zst",
        _ => "stdin.jsonl",
    };
    let path = dir.join(name);
    std::fs::rename(&spool, &path).map_err(|e| failed(&path, e))?;
    Ok(path)
}

/// Identity of a file's version, to notice a file that changed between the passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    pub len: u64,
    pub modified: Option<std::time::SystemTime>,
}

/// Read a document, refusing files over `max_bytes` and binary files.
/// On success also returns a warning when the bytes are not valid UTF-8.
pub fn read_document(
    doc: &SourceDoc,
    max_bytes: u64,
) -> Result<(Vec<u8>, FileStamp, Option<Issue>), Issue> {
    let fail = |kind, line, message: String| Issue {
        path: doc.path().display().to_string(),
        line,
        kind,
        message,
    };
    let (bytes, stamp) = read_bounded(doc.path(), max_bytes).map_err(|e| match e {
        ReadError::Io(io) => fail(IssueKind::Unreadable, None, format!("cannot read: {io}")),
        ReadError::TooLarge(len) => fail(
            IssueKind::TooLarge,
            None,
            format!("{len} bytes is over the document size limit of {max_bytes} bytes; skipped (raise --max-doc-bytes)"),
        ),
    })?;
    if let Some(encoding) = wide_encoding(&bytes) {
        return Err(fail(
            IssueKind::UnsupportedEncoding,
            None,
            format!("{encoding} text (byte-order mark): thresh reads UTF-8; convert it first, e.g. iconv -f {encoding} -t UTF-8; skipped"),
        ));
    }
    if let Some(pos) = memchr::memchr(0, &bytes) {
        return Err(fail(
            IssueKind::Binary,
            Some(line_of(&bytes, pos)),
            format!("NUL byte at byte {pos}: looks like a binary file; skipped"),
        ));
    }
    let warning = std::str::from_utf8(&bytes).err().map(|e| {
        let pos = e.valid_up_to();
        fail(
            IssueKind::InvalidUtf8,
            Some(line_of(&bytes, pos)),
            format!(
                "invalid UTF-8 at byte {pos}: matched on a lossy decoding, written back unchanged"
            ),
        )
    });
    Ok((bytes, stamp, warning))
}

enum ReadError {
    Io(std::io::Error),
    TooLarge(u64),
}

fn read_bounded(path: &Path, max_bytes: u64) -> Result<(Vec<u8>, FileStamp), ReadError> {
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if meta.len() > max_bytes {
        return Err(ReadError::TooLarge(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // Read one byte past the limit so a file that grew since `metadata` is still caught.
    file.take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > max_bytes {
        return Err(ReadError::TooLarge(bytes.len() as u64));
    }
    let stamp = FileStamp {
        len: meta.len(),
        modified: meta.modified().ok(),
    };
    Ok((bytes, stamp))
}

/// 1-based line number of byte offset `pos`.
pub fn line_of(bytes: &[u8], pos: usize) -> usize {
    memchr::memchr_iter(b'\n', &bytes[..pos.min(bytes.len())]).count() + 1
}

/// The encoding named by a UTF-16 or UTF-32 byte-order mark (UTF-32 first: its little-endian
/// mark starts with UTF-16's).
fn wide_encoding(bytes: &[u8]) -> Option<&'static str> {
    const MARKS: [(&[u8], &str); 4] = [
        (&[0xFF, 0xFE, 0x00, 0x00], "UTF-32LE"),
        (&[0x00, 0x00, 0xFE, 0xFF], "UTF-32BE"),
        (&[0xFF, 0xFE], "UTF-16LE"),
        (&[0xFE, 0xFF], "UTF-16BE"),
    ];
    MARKS
        .iter()
        .find(|(mark, _)| bytes.starts_with(mark))
        .map(|&(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc_with(bytes: &[u8]) -> (tempfile::TempDir, SourceDoc) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, bytes).unwrap();
        let doc = SourceDoc::new(
            path,
            std::path::Path::new("a.txt"),
            "a.txt".into(),
            "".into(),
            None,
        );
        (dir, doc)
    }

    #[test]
    fn binary_files_are_refused_with_line() {
        let (_d, doc) = doc_with(b"one\ntwo\0three");
        let err = read_document(&doc, 1 << 20).unwrap_err();
        assert_eq!(err.kind, IssueKind::Binary);
        assert_eq!(err.line, Some(2));
    }

    #[test]
    fn invalid_utf8_is_a_warning_with_line() {
        let (_d, doc) = doc_with(b"ok\ncaf\xe9\n");
        let (bytes, _, warning) = read_document(&doc, 1 << 20).unwrap();
        assert_eq!(bytes, b"ok\ncaf\xe9\n");
        let w = warning.unwrap();
        assert_eq!(w.kind, IssueKind::InvalidUtf8);
        assert_eq!(w.line, Some(2));
    }

    #[test]
    fn size_limit_is_enforced() {
        let (_d, doc) = doc_with(b"0123456789");
        assert_eq!(
            read_document(&doc, 9).unwrap_err().kind,
            IssueKind::TooLarge
        );
        assert!(read_document(&doc, 10).is_ok());
    }

    #[test]
    fn missing_file_is_unreadable() {
        let (_d, doc) = doc_with(b"x");
        let doc = SourceDoc::new(
            doc.path().with_file_name("missing.txt"),
            std::path::Path::new("missing.txt"),
            "missing.txt".into(),
            "".into(),
            None,
        );
        assert_eq!(
            read_document(&doc, 10).unwrap_err().kind,
            IssueKind::Unreadable
        );
    }
}
