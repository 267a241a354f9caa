//! The documents' fingerprints on disk, for runs under `--memory-limit`.
//!
//! In: each document's [`DocFingerprint`] in run order, as pass 1 makes it. Out: the same
//! fingerprint, equal field for field, read back by document index whenever a later stage needs
//! it (counting, near-duplicates, decisions, pass 2, the report). Memory: 8 bytes per document
//! (where its entry ends); everything else (24 bytes per block, its shingle sample and its 16
//! bytes of classifier features) is in one file of the run's [`SpillDir`], read back with
//! positioned reads, which leave no copy in the process (the page cache is the kernel's to
//! drop). Written once, sequentially, then only read, from any number of threads.
//!
//! Entry layout (little-endian): blocks `u32`, shingles `u32`, flags `u8` (1: content hash,
//! 2: features), content `u64`, raw `u64`, stoplist length `u8` and its bytes; then per block
//! start, end `u32`, key `u64` (0: none), words, shingle end `u32`; the shingles `u64` each;
//! with features, their number `u32` and 16 bytes each. The file is private to the run and never outlives it,
//! so it carries no header or version.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;

use crate::error::Error;
use crate::features::{BlockFeatures, DocFeatures};
use crate::fingerprint::{BlockPrint, DocFingerprint};

use super::{SpillDir, READ_BUFFER};

const HAS_CONTENT: u8 = 1;
const HAS_FEATURES: u8 = 2;

/// Fingerprints written in document order, then read back by index.
#[derive(Debug)]
pub struct PrintStore {
    path: PathBuf,
    writer: Option<BufWriter<File>>,
    reader: File,
    /// `ends[d]`: where document `d`'s entry ends; it starts where `d - 1`'s ends. A document
    /// without a fingerprint has an empty entry.
    ends: Vec<u64>,
    buf: Vec<u8>,
    /// The folder holding the file lives as long as the store.
    _dir: Arc<SpillDir>,
}

impl PrintStore {
    pub fn new(dir: Arc<SpillDir>) -> Result<PrintStore, Error> {
        let (path, file) = dir.create("prints")?;
        let reader = file.try_clone().map_err(|source| Error::Spill {
            path: path.clone(),
            source,
        })?;
        Ok(PrintStore {
            path,
            writer: Some(BufWriter::with_capacity(READ_BUFFER, file)),
            reader,
            ends: Vec::new(),
            buf: Vec::new(),
            _dir: dir,
        })
    }

    fn failed(&self) -> impl FnOnce(std::io::Error) -> Error + '_ {
        super::io_error(&self.path)
    }

    fn end(&self) -> u64 {
        self.ends.last().copied().unwrap_or(0)
    }

    /// Store document `d`'s fingerprint; documents are stored in increasing order, and those
    /// skipped have none.
    pub fn push(&mut self, d: usize, print: &DocFingerprint) -> Result<(), Error> {
        let end = self.end();
        self.ends.resize(d, end);
        self.buf.clear();
        encode(print, &mut self.buf);
        let writer = self.writer.as_mut().ok_or_else(|| Error::Spill {
            path: self.path.clone(),
            source: std::io::Error::other("the fingerprint store was already sealed"),
        })?;
        if let Err(source) = writer.write_all(&self.buf) {
            return Err(Error::Spill {
                path: self.path.clone(),
                source,
            });
        }
        self.ends.push(end + self.buf.len() as u64);
        Ok(())
    }

    /// End writing: flush, and give the documents after the last one stored no fingerprint.
    pub fn seal(&mut self, documents: usize) -> Result<(), Error> {
        if let Some(mut writer) = self.writer.take() {
            writer.flush().map_err(self.failed())?;
        }
        let end = self.end();
        self.ends.resize(documents.max(self.ends.len()), end);
        self.ends.shrink_to_fit();
        Ok(())
    }

    /// Document `d`'s fingerprint (`None` when it has none).
    pub fn get(&self, d: usize) -> Result<Option<DocFingerprint>, Error> {
        let Some(&end) = self.ends.get(d) else {
            return Ok(None);
        };
        let start = d.checked_sub(1).map_or(0, |p| self.ends[p]);
        if end <= start {
            return Ok(None);
        }
        let mut bytes = vec![0u8; (end - start) as usize];
        read_at(&self.reader, &mut bytes, start).map_err(self.failed())?;
        decode(&bytes).map(Some).ok_or_else(|| Error::Spill {
            path: self.path.clone(),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("entry of document {d} is damaged"),
            ),
        })
    }

    /// Bytes on disk.
    pub fn len(&self) -> u64 {
        self.end()
    }

    pub fn is_empty(&self) -> bool {
        self.end() == 0
    }
}

#[cfg(unix)]
pub(super) fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
pub(super) fn read_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, offset) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(unix)]
pub(super) fn write_at(file: &File, buf: &[u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, buf, offset)
}

#[cfg(windows)]
pub(super) fn write_at(file: &File, mut buf: &[u8], mut offset: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_write(file, buf, offset) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                buf = &buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn encode(print: &DocFingerprint, out: &mut Vec<u8>) {
    let n = print.blocks.len() as u32;
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&(print.shingles.len() as u32).to_le_bytes());
    let flags = if print.content.is_some() {
        HAS_CONTENT
    } else {
        0
    } | if print.features.is_some() {
        HAS_FEATURES
    } else {
        0
    };
    out.push(flags);
    out.extend_from_slice(&print.content.unwrap_or(0).to_le_bytes());
    out.extend_from_slice(&print.raw.to_le_bytes());
    let stoplist = print
        .features
        .as_ref()
        .and_then(|f| f.stoplist)
        .unwrap_or("");
    out.push(stoplist.len() as u8);
    out.extend_from_slice(stoplist.as_bytes());
    for b in &print.blocks {
        out.extend_from_slice(&b.start.to_le_bytes());
        out.extend_from_slice(&b.end.to_le_bytes());
        out.extend_from_slice(&b.key().unwrap_or(0).to_le_bytes());
        out.extend_from_slice(&b.words.to_le_bytes());
        out.extend_from_slice(&b.shingles_end().to_le_bytes());
    }
    for s in &print.shingles {
        out.extend_from_slice(&s.to_le_bytes());
    }
    if let Some(features) = &print.features {
        out.extend_from_slice(&(features.blocks.len() as u32).to_le_bytes());
        for f in &features.blocks {
            encode_features(f, out);
        }
    }
}

fn encode_features(f: &BlockFeatures, out: &mut Vec<u8>) {
    for n in [f.chars, f.words, f.stopwords, f.title_words] {
        out.extend_from_slice(&n.to_le_bytes());
    }
    out.extend_from_slice(&[
        f.caps_words,
        f.numbers,
        f.separators,
        f.links,
        f.sentences,
        f.flags,
        0,
        0,
    ]);
}

/// Reads an entry field by field; `None` when it is cut short.
pub(super) struct Cursor<'a>(pub(super) &'a [u8]);

impl Cursor<'_> {
    pub(super) fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }

    pub(super) fn u8(&mut self) -> Option<u8> {
        self.take::<1>().map(|[b]| b)
    }

    pub(super) fn u16(&mut self) -> Option<u16> {
        self.take().map(u16::from_le_bytes)
    }

    pub(super) fn u32(&mut self) -> Option<u32> {
        self.take().map(u32::from_le_bytes)
    }

    pub(super) fn u64(&mut self) -> Option<u64> {
        self.take().map(u64::from_le_bytes)
    }
}

fn decode(bytes: &[u8]) -> Option<DocFingerprint> {
    let mut c = Cursor(bytes);
    let n = c.u32()? as usize;
    let n_shingles = c.u32()? as usize;
    let flags = c.u8()?;
    let content = c.u64()?;
    let raw = c.u64()?;
    let stoplist_len = c.u8()? as usize;
    let (code, rest) = c.0.split_at_checked(stoplist_len)?;
    c.0 = rest;
    let mut blocks = Vec::with_capacity(n);
    for _ in 0..n {
        let (start, end, key, words, shingles_end) =
            (c.u32()?, c.u32()?, c.u64()?, c.u32()?, c.u32()?);
        blocks.push(
            BlockPrint::new(start, end, (key != 0).then_some(key), words)
                .with_shingles_end(shingles_end),
        );
    }
    let mut shingles = Vec::with_capacity(n_shingles);
    for _ in 0..n_shingles {
        shingles.push(c.u64()?);
    }
    let features = if flags & HAS_FEATURES != 0 {
        let n_features = c.u32()? as usize;
        let mut feats = Vec::with_capacity(n_features);
        for _ in 0..n_features {
            feats.push(decode_features(&mut c)?);
        }
        Some(DocFeatures {
            stoplist: stoplist_of(code),
            blocks: feats,
        })
    } else {
        None
    };
    Some(DocFingerprint {
        blocks,
        content: (flags & HAS_CONTENT != 0).then_some(content),
        raw,
        shingles,
        features,
    })
}

fn decode_features(c: &mut Cursor<'_>) -> Option<BlockFeatures> {
    let mut f = BlockFeatures::default();
    f.chars = c.u16()?;
    f.words = c.u16()?;
    f.stopwords = c.u16()?;
    f.title_words = c.u16()?;
    let [caps, numbers, separators, links, sentences, flags, _, _] = c.take::<8>()?;
    f.caps_words = caps;
    f.numbers = numbers;
    f.separators = separators;
    f.links = links;
    f.sentences = sentences;
    f.flags = flags;
    Some(f)
}

/// The static code of a stoplist from its stored bytes.
fn stoplist_of(code: &[u8]) -> Option<&'static str> {
    if code.is_empty() {
        return None;
    }
    whatlang::Lang::all()
        .iter()
        .filter_map(|&lang| crate::features::stoplist_code(lang))
        .find(|c| c.as_bytes() == code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::{fingerprint, Scratch};
    use crate::segment::{segment, UnitChoice};

    fn print(text: &str, features: bool) -> DocFingerprint {
        let seg = segment(text.as_bytes(), UnitChoice::Auto);
        let mut p = fingerprint(text.as_bytes(), &seg, &mut Scratch::default());
        if features {
            p.features = Some(crate::features::extract(text.as_bytes(), &seg));
        }
        p
    }

    #[test]
    fn fingerprints_come_back_equal() {
        let docs = [
            print("Home | News | Sport\nThe harbour board met on Tuesday and agreed the new tide tables for the coming year, after a long debate.\n* * *\nShare this article\n", true),
            print("", false),
            print("Der Hafen ist heute geschlossen, sagte die Behörde am Dienstag in der Stadt.\n© 2024 Zeitung\n", true),
            print("one line without features\nanother one here\n", false),
        ];
        let parent = tempfile::tempdir().unwrap();
        let dir = Arc::new(SpillDir::new(parent.path()).unwrap());
        let mut store = PrintStore::new(dir).unwrap();
        // Documents 1 and 5 have no fingerprint (unreadable), 7 and 8 neither (after the last).
        let at = [0, 2, 3, 6];
        for (d, p) in at.iter().zip(&docs) {
            store.push(*d, p).unwrap();
        }
        store.seal(9).unwrap();
        for (d, p) in at.iter().zip(&docs) {
            assert_eq!(store.get(*d).unwrap().as_ref(), Some(p));
        }
        for d in [1, 4, 5, 7, 8, 20] {
            assert_eq!(store.get(d).unwrap(), None, "document {d}");
        }
        assert!(docs[0].features.as_ref().unwrap().stoplist.is_some());
    }

    #[test]
    fn features_keep_their_size() {
        // A new field must be added to the encoding above (this test then fails first).
        assert_eq!(std::mem::size_of::<BlockFeatures>(), 16);
    }
}
