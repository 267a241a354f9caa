//! Fingerprint: blocks → 64-bit xxh3 keys; a document → its block fingerprints and content hash.
//!
//! In: a document's bytes and its [`Segmentation`]. Out: a [`DocFingerprint`]: per block its
//! span and matching key (`None` for blocks without letters or digits), a content hash over the
//! ordered keys and the document's numbers (equal for documents identical after normalisation,
//! figures included), and a hash of the raw bytes (to notice a file that changed between the
//! passes).
//!
//! Block keys fold every number to `0`, so that a copyright line matches whatever its year;
//! the content hash does not, because two weather reports or match results that differ only in
//! their figures are different documents.
//!
//! Keys are xxh3-64 with a fixed seed over the normalised text: stable across runs, machines and
//! thread counts. Never `std::hash`, whose output may change between Rust versions.

use std::ops::Range;

use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed, Xxh3};

use crate::normalize::{normalize_counting_figures, word_count};
use crate::segment::Segmentation;
use crate::shingle::{sample_into, ShingleScratch};

/// Seed of block keys; part of the key definition together with the normalisation version.
pub const KEY_SEED: u64 = 0x7468_7265_7368_0001;

/// The matching key of one block.
pub type Key = u64;

/// One block as pass 1 remembers it: where it is, what it matches, how long it is in words.
/// 24 bytes: pass 1 keeps one per block of the corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockPrint {
    pub start: u32,
    pub end: u32,
    /// The key, or 0 for blocks with no letters or digits (a real key of 0 is stored as 1).
    key: Key,
    pub words: u32,
    /// End of this block's shingle sample in [`DocFingerprint::shingles`]; it starts where
    /// the previous block's ends. Fills what would otherwise be padding.
    shingles_end: u32,
}

impl BlockPrint {
    pub fn new(start: u32, end: u32, key: Option<Key>, words: u32) -> Self {
        BlockPrint {
            start,
            end,
            key: key.map_or(0, |k| k.max(1)),
            words,
            shingles_end: 0,
        }
    }

    /// `None` for blocks with no letters or digits (separators such as `* * *` or `|`).
    pub fn key(&self) -> Option<Key> {
        (self.key != 0).then_some(self.key)
    }

    pub fn span(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }

    /// End of this block's sample in [`DocFingerprint::shingles`] (for the on-disk store).
    pub fn shingles_end(&self) -> u32 {
        self.shingles_end
    }

    /// The same block with its sample ending at `end` (for the on-disk store).
    pub fn with_shingles_end(self, end: u32) -> Self {
        BlockPrint {
            shingles_end: end,
            ..self
        }
    }
}

/// Everything pass 1 keeps about a document; the text itself is read again in pass 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocFingerprint {
    pub blocks: Vec<BlockPrint>,
    /// Hash of the ordered block keys; `None` when the document has no keyed block.
    pub content: Option<u64>,
    /// Hash of the raw bytes, to detect a file changed between the passes.
    pub raw: u64,
    /// Every block's shingle sample (see [`crate::shingle`]), block after block.
    pub shingles: Vec<u64>,
    /// Per-block text features for the block classifier; `None` when it is off.
    pub features: Option<crate::features::DocFeatures>,
}

impl DocFingerprint {
    /// The shingle sample of block `i` (empty for blocks too short or too long to sample).
    pub fn block_shingles(&self, i: usize) -> &[u64] {
        let start = i
            .checked_sub(1)
            .map_or(0, |prev| self.blocks[prev].shingles_end as usize);
        let end = self.blocks[i].shingles_end as usize;
        self.shingles.get(start..end).unwrap_or_default()
    }
}

/// Reusable scratch space for fingerprinting, one per worker.
pub struct Scratch {
    normalized: Vec<u8>,
    shingles: ShingleScratch,
    sample: Vec<u64>,
    /// Whether blocks get a shingle sample (only template-variant matching reads it).
    sample_shingles: bool,
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch::new(true)
    }
}

impl Scratch {
    pub fn new(sample_shingles: bool) -> Self {
        Scratch {
            normalized: Vec::new(),
            shingles: ShingleScratch::default(),
            sample: Vec::new(),
            sample_shingles,
        }
    }
}

/// The key of a normalised text, or `None` when it is empty.
pub fn key_of(normalized: &[u8]) -> Option<Key> {
    (!normalized.is_empty()).then(|| xxh3_64_with_seed(normalized, KEY_SEED))
}

/// Fingerprint every block of a document.
pub fn fingerprint(bytes: &[u8], seg: &Segmentation, scratch: &mut Scratch) -> DocFingerprint {
    let mut content = Xxh3::with_seed(KEY_SEED);
    let mut any_key = false;
    let valid = simdutf8::basic::from_utf8(bytes).ok();
    let shingles = &mut scratch.sample;
    shingles.clear();
    let blocks = seg
        .blocks
        .iter()
        .map(|span| {
            // Spans start and end at line boundaries, so slicing valid UTF-8 is safe.
            let text = match valid {
                Some(t) => std::borrow::Cow::Borrowed(t.get(span.clone()).unwrap_or_default()),
                None => String::from_utf8_lossy(&bytes[span.clone()]),
            };
            let figures = normalize_counting_figures(&text, &mut scratch.normalized);
            let key = key_of(&scratch.normalized);
            if let Some(k) = key {
                content.update(&k.to_le_bytes());
                any_key = true;
                if figures != 0 {
                    content.update(&figures.to_le_bytes());
                }
            }
            let words = word_count(&scratch.normalized).min(u32::MAX as usize) as u32;
            // Long blocks are article prose, never sampled: skip them before any hashing.
            if scratch.sample_shingles && words as usize <= crate::shingle::MAX_WORDS {
                sample_into(&scratch.normalized, &mut scratch.shingles, shingles);
            }
            BlockPrint {
                shingles_end: offset(shingles.len()),
                ..BlockPrint::new(offset(span.start), offset(span.end), key, words)
            }
        })
        .collect();
    DocFingerprint {
        blocks,
        content: any_key.then(|| content.digest()),
        raw: xxh3_64(bytes),
        // Pass 1 keeps every document's prints until the end of the run: an exact-size copy.
        shingles: shingles.to_vec(),
        features: None,
    }
}

/// Documents are limited to `u32::MAX` bytes by the input stage, so this never saturates there.
fn offset(pos: usize) -> u32 {
    u32::try_from(pos).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::{segment, UnitChoice};

    fn print(doc: &str) -> DocFingerprint {
        let seg = segment(doc.as_bytes(), UnitChoice::Auto);
        fingerprint(doc.as_bytes(), &seg, &mut Scratch::default())
    }

    #[test]
    fn equal_after_normalisation_means_equal_keys_and_content() {
        let a = print("© 2023 News. All rights reserved\nBody text here.\n");
        let b = print("(c) 2024 news - all rights reserved.\r\nBODY TEXT HERE\r\n");
        // "(c)" adds a word, so the first keys differ; the body keys match.
        assert_ne!(a.blocks[0].key(), b.blocks[0].key());
        assert_eq!(a.blocks[1].key(), b.blocks[1].key());
        let c = print("© 2023 News - all rights reserved.\nbody   text here\n");
        assert_eq!(a.content, c.content);
        assert_ne!(a.raw, c.raw);
    }

    #[test]
    fn numbers_tell_documents_apart_but_not_blocks() {
        let a = print("Weather today\nHighs of 23, lows of 12.\n");
        let b = print("Weather today\nHighs of 31, lows of 19.\n");
        assert_eq!(a.blocks[1].key(), b.blocks[1].key());
        assert_ne!(a.content, b.content);
        // Number separators are not figures: the same numbers written another way match.
        let c = print("weather TODAY\nHighs of 23 - lows of 12!\n");
        assert_eq!(a.content, c.content);
        assert_ne!(print("Score 12 3\n").content, print("Score 1 23\n").content);
    }

    #[test]
    fn block_prints_stay_small() {
        assert_eq!(std::mem::size_of::<BlockPrint>(), 24);
        assert_eq!(BlockPrint::new(0, 1, Some(0), 1).key(), Some(1));
    }

    #[test]
    fn each_block_has_its_own_shingle_sample() {
        let f = print(
            "Short\nthe tide tables for the harbour are printed daily in the evening paper\nNo\none two three four five\n",
        );
        assert!(f.block_shingles(0).is_empty());
        assert_eq!(f.block_shingles(1).len(), crate::shingle::SAMPLE);
        assert!(f.block_shingles(2).is_empty());
        assert_eq!(f.block_shingles(3).len(), 3);
        assert_eq!(f.shingles.len(), crate::shingle::SAMPLE + 3);
    }

    #[test]
    fn separators_have_no_key() {
        let f = print("Text\n* * *\nMore\n");
        assert!(f.blocks[0].key().is_some());
        assert_eq!(f.blocks[1].key(), None);
        assert_eq!(f.blocks[1].words, 0);
    }

    #[test]
    fn content_hash_depends_on_order() {
        assert_ne!(print("a\nb\n").content, print("b\na\n").content);
        assert_eq!(print("* * *\n").content, None);
    }
}
