//! Cleaned text: kept block spans → output bytes, written atomically.
//!
//! Kept blocks are copied byte for byte from the original. Each kept block is preceded by the
//! gap (blank lines) that preceded it in the original, except the first kept block, which takes
//! the document's leading gap; so a removed block takes its own preceding gap with it and leaves
//! no stray blank lines. Files are written to a hidden temporary file in the target folder and
//! renamed into place: an interrupted run never leaves a half-written file under a final name.

use std::io::{self, Write};
use std::path::Path;

use crate::fingerprint::BlockPrint;
use crate::sweep::Sweep;

/// Assemble the cleaned document from the original bytes; `removed[i]` marks block `i`.
pub fn assemble(bytes: &[u8], blocks: &[BlockPrint], removed: &[bool]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let (Some(first), Some(last)) = (blocks.first(), blocks.last()) else {
        return out;
    };
    let mut wrote_any = false;
    for (i, block) in blocks.iter().enumerate() {
        if removed.get(i).copied().unwrap_or(false) {
            continue;
        }
        let gap_start = if wrote_any {
            blocks[i - 1].end as usize
        } else {
            // The document's leading gap, not the gap of the first kept block.
            out.extend_from_slice(&bytes[..first.start as usize]);
            block.start as usize
        };
        out.extend_from_slice(&bytes[gap_start..block.end as usize]);
        wrote_any = true;
    }
    if wrote_any {
        out.extend_from_slice(&bytes[last.end as usize..]);
    }
    out
}

/// Temporary files being written right now, so that an interrupted run can remove them.
static IN_FLIGHT: Sweep = Sweep::new();

/// Remove every temporary file being written and return with writing blocked for good: for an
/// interrupt handler that ends the process next. Returns how many files it removed.
pub fn abandon_in_flight_writes() -> usize {
    IN_FLIGHT.abandon(|path| std::fs::remove_file(path))
}

/// Register `tmp` as in flight and create it (and its folder when missing), as one step that
/// [`abandon_in_flight_writes`] cannot fall in the middle of.
fn create_tracked(tmp: &Path, path: &Path) -> io::Result<std::fs::File> {
    let _creating = IN_FLIGHT.creating();
    IN_FLIGHT.track(tmp, true);
    match std::fs::File::create(tmp) {
        Ok(f) => Ok(f),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::File::create(tmp)
        }
        Err(e) => Err(e),
    }
}

/// Write `data` to `path` through a temporary file in the same folder and a rename.
pub fn write_atomic(path: &Path, data: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |file| file.write_all(data))
}

/// Write to `path` through a temporary file in the same folder and a rename; `fill` writes
/// the content (buffered).
///
/// The temporary name is `.<name>.thresh-tmp`: hidden (so a later run over OUT skips it) and
/// deterministic (a leftover from a killed run is simply overwritten). Missing folders are
/// created on demand. On any error the temporary file is removed and nothing is renamed.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut io::BufWriter<std::fs::File>) -> io::Result<()>,
) -> io::Result<()> {
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, "output path has no file name")
    })?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(".thresh-tmp");
    let tmp = path.with_file_name(tmp_name);
    let written = write_through(&tmp, path, fill);
    IN_FLIGHT.track(&tmp, false);
    written
}

fn write_through(
    tmp: &Path,
    path: &Path,
    fill: impl FnOnce(&mut io::BufWriter<std::fs::File>) -> io::Result<()>,
) -> io::Result<()> {
    let file = create_tracked(tmp, path)?;
    let mut writer = io::BufWriter::with_capacity(64 * 1024, file);
    let written = fill(&mut writer)
        .and_then(|_| writer.flush())
        .and_then(|_| std::fs::rename(tmp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(tmp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::{fingerprint, Scratch};
    use crate::segment::{segment, UnitChoice};
    use proptest::prelude::*;

    fn clean(doc: &str, remove: &[usize]) -> String {
        let seg = segment(doc.as_bytes(), UnitChoice::Auto);
        let print = fingerprint(doc.as_bytes(), &seg, &mut Scratch::default());
        let removed: Vec<bool> = (0..print.blocks.len())
            .map(|i| remove.contains(&i))
            .collect();
        String::from_utf8(assemble(doc.as_bytes(), &print.blocks, &removed)).unwrap()
    }

    #[test]
    fn removed_blocks_take_their_gap() {
        let doc = "\nA\n\nB\n\nC\n\n";
        assert_eq!(clean(doc, &[]), doc);
        assert_eq!(clean(doc, &[1]), "\nA\n\nC\n\n");
        assert_eq!(clean(doc, &[0]), "\nB\n\nC\n\n");
        assert_eq!(clean(doc, &[2]), "\nA\n\nB\n\n");
        assert_eq!(clean(doc, &[0, 1, 2]), "");
    }

    #[test]
    fn crlf_is_kept() {
        assert_eq!(clean("a\r\nb\r\nc\r\n", &[1]), "a\r\nc\r\n");
    }

    #[test]
    fn atomic_write_creates_folders_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x/y/z.txt");
        write_atomic(&path, b"hello").unwrap();
        write_atomic(&path, b"again").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"again");
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["z.txt"]);
    }

    proptest! {
        /// Kept blocks come out byte-identical and in order; removing nothing changes nothing.
        #[test]
        fn kept_blocks_are_byte_identical_and_in_order(
            doc in "([a-z ]{0,6}(\r?\n){0,3}){0,12}",
            mask in prop::collection::vec(any::<bool>(), 12),
        ) {
            let seg = segment(doc.as_bytes(), UnitChoice::Auto);
            let print = fingerprint(doc.as_bytes(), &seg, &mut Scratch::default());
            let removed: Vec<bool> = (0..print.blocks.len()).map(|i| mask[i % mask.len()]).collect();
            let out = assemble(doc.as_bytes(), &print.blocks, &removed);
            let none = vec![false; print.blocks.len()];
            let unchanged = assemble(doc.as_bytes(), &print.blocks, &none);
            let expected: &[u8] = if print.blocks.is_empty() { b"" } else { doc.as_bytes() };
            prop_assert_eq!(unchanged.as_slice(), expected);
            // Every kept block occurs in the output, in order.
            let mut at = 0;
            for (b, r) in print.blocks.iter().zip(&removed) {
                if *r { continue; }
                let text = &doc.as_bytes()[b.span()];
                let found = out[at..].windows(text.len()).position(|w| w == text);
                prop_assert!(found.is_some(), "block {:?} missing", String::from_utf8_lossy(text));
                at += found.unwrap_or(0) + text.len();
            }
            // No run of blank lines longer than in the input appears.
            let blank_run = |s: &[u8]| s.split(|&c| c == b'\n').fold((0, 0), |(best, cur), l| {
                if l.iter().all(|c| c.is_ascii_whitespace()) { (best.max(cur + 1), cur + 1) } else { (best, 0) }
            }).0;
            prop_assert!(blank_run(&out) <= blank_run(doc.as_bytes()).max(1));
        }
    }
}
