//! Shingle: a block's normalised text → a small, fixed-size sample of its shingle hashes.
//!
//! In: the normalised form of one block. Out: up to [`SAMPLE`] 64-bit hashes, the smallest of
//! the block's shingle hashes (bottom-k sampling). Shingles are word 3-grams; text in a script
//! written without spaces (Chinese, Japanese, Thai, ...) uses character 3-grams instead.
//!
//! Why a sample: two spellings of one template ("Join 12,000 readers" / "Join 12,400 readers
//! of our newsletter") share most of their shingles, so they share most of their smallest
//! hashes too, and counting in how many documents each sampled hash occurs finds the template
//! behind blocks that never repeat exactly. A fixed sample per block bounds the memory to
//! [`SAMPLE`] hashes per block whatever its length, instead of one per word of the corpus.
//! Blocks with fewer than [`MIN_SHINGLES`] shingles (too short to vary) or more than
//! [`MAX_WORDS`] words (article paragraphs, not templates) get no sample.

use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::ngram::mix_window;
use crate::normalize::split_spaces;

/// Hashes kept per block.
pub const SAMPLE: usize = 8;
/// Words (or characters, for unspaced scripts) per shingle.
pub const SHINGLE_LEN: usize = 3;
/// Fewer shingles than this: the block is matched by its exact key only.
pub const MIN_SHINGLES: usize = 3;
/// Blocks longer than this many words are not sampled.
pub const MAX_WORDS: usize = 30;
/// Seed of shingle hashes; distinct from block keys so the two never collide by construction.
pub const SEED: u64 = 0x7468_7265_7368_0003;

/// Reusable buffers, one per worker.
#[derive(Default)]
pub struct ShingleScratch {
    starts: Vec<usize>,
    words: Vec<u64>,
    hashes: Vec<u64>,
}

/// Append the block's sample (sorted ascending) to `out`; returns how many were appended.
pub fn sample_into(normalized: &[u8], scratch: &mut ShingleScratch, out: &mut Vec<u64>) -> usize {
    scratch.hashes.clear();
    if is_unspaced_script(normalized) {
        char_shingles(normalized, scratch);
    } else {
        word_shingles(normalized, scratch);
    }
    if scratch.hashes.len() < MIN_SHINGLES {
        return 0;
    }
    // The SAMPLE smallest distinct hashes: select, then sort only the front.
    let hashes = &mut scratch.hashes;
    if hashes.len() > 2 * SAMPLE {
        hashes.select_nth_unstable(2 * SAMPLE);
        hashes.truncate(2 * SAMPLE);
    }
    hashes.sort_unstable();
    hashes.dedup();
    let n = hashes.len().min(SAMPLE);
    out.extend_from_slice(&hashes[..n]);
    n
}

/// Convenience wrapper for tests and the library API.
pub fn sample(normalized: &[u8]) -> Vec<u64> {
    let mut out = Vec::new();
    sample_into(normalized, &mut ShingleScratch::default(), &mut out);
    out
}

fn word_shingles(normalized: &[u8], scratch: &mut ShingleScratch) {
    // The normalised form separates words by exactly one space. One hash per word, then one
    // cheap mix per window.
    scratch.words.clear();
    if normalized.is_empty() {
        return;
    }
    scratch
        .words
        .extend(split_spaces(normalized).map(|word| xxh3_64_with_seed(word, SEED)));
    if scratch.words.len() > MAX_WORDS {
        return;
    }
    scratch.hashes.extend(
        scratch
            .words
            .windows(SHINGLE_LEN)
            .map(|window| mix_window(SEED, window)),
    );
}

fn char_shingles(normalized: &[u8], scratch: &mut ShingleScratch) {
    // Character offsets of every non-space character.
    scratch.starts.clear();
    let Ok(text) = std::str::from_utf8(normalized) else {
        return;
    };
    scratch.starts.extend(
        text.char_indices()
            .filter(|&(_, c)| c != ' ')
            .map(|(i, _)| i),
    );
    let chars = scratch.starts.len();
    // Two characters of such a script carry about a word's worth of meaning.
    if !(SHINGLE_LEN..=MAX_WORDS * 2).contains(&chars) {
        return;
    }
    let mut gram = [0u8; 4 * SHINGLE_LEN];
    for first in 0..=chars - SHINGLE_LEN {
        let mut len = 0;
        for &at in &scratch.starts[first..first + SHINGLE_LEN] {
            let c = text[at..].chars().next().unwrap_or(' ');
            len += c.encode_utf8(&mut gram[len..]).len();
        }
        scratch.hashes.push(xxh3_64_with_seed(&gram[..len], SEED));
    }
}

/// Whether the text is mostly in a script written without spaces between words.
fn is_unspaced_script(normalized: &[u8]) -> bool {
    if normalized.is_ascii() {
        return false;
    }
    let Ok(text) = std::str::from_utf8(normalized) else {
        return false;
    };
    let (mut unspaced, mut other) = (0usize, 0usize);
    for c in text.chars().filter(|&c| c != ' ') {
        if is_unspaced_char(c) {
            unspaced += 1;
        } else {
            other += 1;
        }
    }
    unspaced > other
}

fn is_unspaced_char(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF      // Thai, Lao
        | 0x1000..=0x109F    // Myanmar
        | 0x1780..=0x17FF    // Khmer
        | 0x3040..=0x30FF    // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0x20000..=0x2FA1F) // CJK extensions B–F
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;

    fn sample_of(text: &str) -> Vec<u64> {
        sample(normalize(text).as_bytes())
    }

    fn shared(a: &[u64], b: &[u64]) -> usize {
        a.iter().filter(|h| b.contains(h)).count()
    }

    #[test]
    fn variants_of_a_template_share_most_of_their_sample() {
        let a = sample_of("Get the harbour news in your inbox every Tuesday: sign up for The Ledger's weekly letter");
        let b = sample_of("Get the council news in your inbox every Friday: sign up for The Ledger's weekly letter");
        assert_eq!(a.len(), SAMPLE);
        assert!(shared(&a, &b) >= SAMPLE / 2, "{}", shared(&a, &b));
        let other = sample_of(
            "The ferry timetable changes on Monday, the operator said in a statement yesterday",
        );
        assert_eq!(shared(&a, &other), 0);
    }

    #[test]
    fn short_and_long_blocks_get_no_sample() {
        assert!(sample_of("Read more").is_empty());
        assert!(sample_of("Share this").is_empty());
        assert_eq!(sample_of("one two three four five").len(), 3);
        let long = "word ".repeat(MAX_WORDS + 1);
        assert!(sample_of(&long).is_empty());
    }

    #[test]
    fn sample_is_sorted_unique_and_deterministic() {
        let s = sample_of("a b c a b c a b c a b c d e f g h i j");
        assert!(s.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(s, sample_of("A B C a b c a b c a b c d e f g h i j"));
    }

    #[test]
    fn unspaced_scripts_use_character_shingles() {
        let a = sample_of("本站使用Cookie以提供更好的瀏覽體驗請閱讀隱私權政策");
        let b = sample_of("本站使用Cookie以提供更好的閱讀體驗請閱讀隱私權政策");
        assert_eq!(a.len(), SAMPLE);
        assert!(shared(&a, &b) >= SAMPLE / 2);
        assert!(!is_unspaced_script(b"plain ascii"));
    }
}
