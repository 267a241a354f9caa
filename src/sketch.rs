//! Sketch: a document's kept content → a MinHash signature over word n-gram shingles.
//!
//! In: a document's bytes, its block prints and which blocks to include (what the run's own
//! decisions keep as article text, see [`crate::stages::content_signature`]). Out: a
//! [`Signature`] of [`SIG_BINS`] 32-bit minima and the number of shingles it was made from, or
//! `None` when the content has fewer than [`MIN_WORDS`] words (too little to compare: a page
//! that is nearly all chrome; exact duplicates still catch those).
//!
//! Words are the block's normalised words with their numbers kept
//! ([`normalize_keeping_numbers`]): two weather reports or match results that differ only in
//! their figures are different documents. Shingles are [`SHINGLE_WORDS`]-word windows running
//! across the included blocks, in order.
//!
//! One-permutation hashing: each shingle is hashed once, its top bits pick a bin, the bin keeps
//! the minimum of the low 32 bits. The share of equal bins among the bins either signature
//! fills estimates the Jaccard similarity of their shingle sets (standard error about 0.04 at
//! 0.7 with 128 bins; a short document, which leaves bins empty, is compared on the bins it
//! has, so that its estimate is not inflated); with the two shingle counts it also estimates how
//! much of one document the other contains ([`Likeness`]), which is what finds a lead-only copy
//! of an article. For LSH buckets ([`Signature::band_bins`]) empty bins are filled by rotation
//! from the next non-empty bin (densification), so that every band of a short document is
//! comparable. Cost: one hash per word.

use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::fingerprint::BlockPrint;
use crate::ngram::mix_window;
use crate::normalize::{normalize_keeping_numbers, split_spaces};

/// Bins of a signature.
pub const SIG_BINS: usize = 128;
/// Bytes of a signature's fixed encoding ([`Signature::to_bytes`]).
pub const SIGNATURE_BYTES: usize = SIG_BINS * 4 + 4 + 8;
/// Words per shingle.
pub const SHINGLE_WORDS: usize = 4;
/// Documents with fewer words of kept content get no signature.
pub const MIN_WORDS: usize = 30;
const SEED: u64 = 0x7468_7265_7368_5348;
/// A bin no shingle fell in (shingle values stop one below it).
pub const EMPTY: u32 = u32::MAX;

/// A MinHash signature and the number of shingles it sketches.
#[derive(Clone, PartialEq, Eq)]
pub struct Signature {
    /// Per bin, the smallest value of its shingles; [`EMPTY`] for a bin no shingle fell in.
    pub bins: Box<[u32; SIG_BINS]>,
    /// Shingles (word windows) of the sketched content: its size, for containment.
    pub shingles: u32,
    /// Hash of the sketched blocks' keys in order, numbers folded: equal for two documents
    /// whose kept texts differ at most in their figures.
    pub wording: u64,
}

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Signature({:08x}…, {} shingles)",
            self.bins[0], self.shingles
        )
    }
}

impl Signature {
    /// Bins filled and equal in both signatures, and bins filled in either.
    pub fn equal_bins(&self, other: &Signature) -> (u32, u32) {
        let (mut equal, mut filled) = (0, 0);
        for (&a, &b) in self.bins.iter().zip(other.bins.iter()) {
            equal += u32::from(a == b && a != EMPTY);
            filled += u32::from(a != EMPTY || b != EMPTY);
        }
        (equal, filled)
    }

    /// Estimated Jaccard similarity: the share of equal bins among those filled.
    pub fn similarity(&self, other: &Signature) -> f64 {
        self.likeness(other).jaccard
    }

    /// How alike two documents are, from their signatures.
    pub fn likeness(&self, other: &Signature) -> Likeness {
        let (equal, filled) = self.equal_bins(other);
        Likeness {
            same_wording: self.wording == other.wording,
            ..Likeness::of(equal, filled, self.shingles, other.shingles)
        }
    }

    /// The fixed encoding: the bins, then the shingle count, each a little-endian u32, then
    /// the wording hash, a little-endian u64.
    pub fn to_bytes(&self) -> [u8; SIGNATURE_BYTES] {
        let mut bytes = [0u8; SIGNATURE_BYTES];
        let words = self.bins.iter().chain(std::iter::once(&self.shingles));
        for (chunk, word) in bytes.chunks_exact_mut(4).zip(words) {
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        bytes[SIG_BINS * 4 + 4..].copy_from_slice(&self.wording.to_le_bytes());
        bytes
    }

    /// The signature of [`Signature::to_bytes`]' encoding.
    pub fn from_bytes(bytes: &[u8; SIGNATURE_BYTES]) -> Signature {
        let word = |chunk: &[u8]| u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        let mut bins = Box::new([0u32; SIG_BINS]);
        for (bin, chunk) in bins.iter_mut().zip(bytes.chunks_exact(4)) {
            *bin = word(chunk);
        }
        let mut wording = [0u8; 8];
        wording.copy_from_slice(&bytes[SIG_BINS * 4 + 4..]);
        Signature {
            bins,
            shingles: word(&bytes[SIG_BINS * 4..]),
            wording: u64::from_le_bytes(wording),
        }
    }

    /// The bins with every empty one filled from the next filled bin to its right
    /// (circularly), offset by the distance so that borrowed values stay distinguishable:
    /// what LSH bands are cut from.
    pub fn band_bins(&self) -> [u32; SIG_BINS] {
        let mut bins = *self.bins;
        for (i, bin) in bins.iter_mut().enumerate() {
            if *bin != EMPTY {
                continue;
            }
            for d in 1..SIG_BINS {
                let v = self.bins[(i + d) % SIG_BINS];
                if v != EMPTY {
                    *bin = v.wrapping_add((d as u32).wrapping_mul(0x9E37_79B9));
                    break;
                }
            }
        }
        bins
    }
}

/// Two documents' estimated likeness: Jaccard similarity of their shingle sets and how much of
/// each the other contains.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Likeness {
    /// Equal bins of the two signatures.
    pub equal: u32,
    /// Estimated Jaccard similarity.
    pub jaccard: f64,
    /// Estimated share of the first document's shingles found in the second.
    pub first_in_second: f64,
    /// Estimated share of the second document's shingles found in the first.
    pub second_in_first: f64,
    /// The two kept texts are the same but for their figures (numbers).
    pub same_wording: bool,
}

impl Likeness {
    /// The likeness of two documents of `first` and `second` shingles whose signatures have
    /// `equal` equal bins of `filled` filled in either: J = equal / filled, and
    /// |A ∩ B| = J (|A| + |B|) / (1 + J).
    pub fn of(equal: u32, filled: u32, first: u32, second: u32) -> Likeness {
        let jaccard = f64::from(equal) / f64::from(filled.max(1));
        let common = jaccard * (f64::from(first) + f64::from(second)) / (1.0 + jaccard);
        let share = |n: u32| (common / f64::from(n.max(1))).min(1.0);
        Likeness {
            equal,
            jaccard,
            first_in_second: share(first),
            second_in_first: share(second),
            same_wording: false,
        }
    }

    /// The larger of the two containments: how much of the smaller document the larger holds.
    pub fn containment(&self) -> f64 {
        self.first_in_second.max(self.second_in_first)
    }
}

/// Reusable buffers, one per worker.
#[derive(Default)]
pub struct SketchScratch {
    normalized: Vec<u8>,
    words: Vec<u64>,
}

/// Sketch the included blocks of a document.
pub fn signature(
    bytes: &[u8],
    blocks: &[BlockPrint],
    include: impl Fn(usize) -> bool,
    scratch: &mut SketchScratch,
) -> Option<Signature> {
    scratch.words.clear();
    // Only the included blocks' words are counted: a page of chrome has no signature, whatever
    // its length, and nothing is normalised for it.
    let words: u64 = blocks
        .iter()
        .enumerate()
        .filter(|&(i, b)| b.key().is_some() && include(i))
        .map(|(_, b)| u64::from(b.words))
        .sum();
    if words < MIN_WORDS as u64 {
        return None;
    }
    let valid = simdutf8::basic::from_utf8(bytes).ok();
    let mut wording = SEED;
    for (i, block) in blocks.iter().enumerate() {
        let Some(key) = block.key().filter(|_| include(i)) else {
            continue;
        };
        wording = mix_window(wording, &[key]);
        let text = match valid {
            Some(t) => std::borrow::Cow::Borrowed(t.get(block.span()).unwrap_or_default()),
            None => String::from_utf8_lossy(bytes.get(block.span()).unwrap_or_default()),
        };
        normalize_keeping_numbers(&text, &mut scratch.normalized);
        scratch.words.extend(
            split_spaces(&scratch.normalized)
                .filter(|w| !w.is_empty())
                .map(|w| xxh3_64_with_seed(w, SEED)),
        );
    }
    if scratch.words.len() < MIN_WORDS.max(SHINGLE_WORDS) {
        return None;
    }
    let mut bins = Box::new([EMPTY; SIG_BINS]);
    let windows = scratch.words.windows(SHINGLE_WORDS);
    let shingles = windows.len();
    for window in windows {
        let h = mix_window(SEED, window);
        let bin = (h >> (64 - SIG_BINS.trailing_zeros())) as usize;
        // Without a branch: which bins a shingle lowers is anyone's guess.
        bins[bin] = bins[bin].min((h as u32).min(EMPTY - 1));
    }
    Some(Signature {
        bins,
        shingles: u32::try_from(shingles).unwrap_or(u32::MAX),
        wording,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::{fingerprint, Scratch};
    use crate::segment::{segment, UnitChoice};

    fn sig(text: &str) -> Option<Signature> {
        let seg = segment(text.as_bytes(), UnitChoice::Auto);
        let print = fingerprint(text.as_bytes(), &seg, &mut Scratch::default());
        signature(
            text.as_bytes(),
            &print.blocks,
            |_| true,
            &mut SketchScratch::default(),
        )
    }

    fn words(seed: u64, n: usize) -> String {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                format!(
                    "w{}",
                    char::from(b'a' + (x % 26) as u8)
                        .to_string()
                        .repeat(1 + (x % 5) as usize)
                ) + &char::from(b'a' + ((x >> 8) % 26) as u8).to_string()
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn identical_text_is_identical_and_different_text_is_far() {
        let a = words(1, 300);
        let b = words(2, 300);
        assert_eq!(sig(&a).unwrap().similarity(&sig(&a).unwrap()), 1.0);
        assert!(sig(&a).unwrap().similarity(&sig(&b).unwrap()) < 0.1);
    }

    #[test]
    fn a_few_edits_stay_similar() {
        let a = words(3, 400);
        let mut edited: Vec<String> = a.split(' ').map(String::from).collect();
        for i in (0..edited.len()).step_by(100) {
            edited[i] = "changed".into();
        }
        let s = sig(&a)
            .unwrap()
            .similarity(&sig(&edited.join(" ")).unwrap());
        assert!(s > 0.8, "{s}");
    }

    #[test]
    fn short_content_has_no_signature() {
        assert!(sig("only a few words here").is_none());
    }
}
