//! Normalise: a block's text → its matching form (used only to be hashed).
//!
//! In: the text of one block (lossily decoded when the bytes are not UTF-8).
//! Out: a normalised string written into a caller-owned buffer: Unicode case folding, every
//! number (a digit run, with `.`/`,`/`'` separators inside it) folded to `0`, and every run of
//! punctuation, symbols and whitespace folded to one space, trimmed at both ends.
//!
//! So `© 2023 Example News. All rights reserved` and `© 2024 Example News - all rights
//! reserved.` both become `0 example news all rights reserved`. The original bytes are never
//! changed; this form only feeds the fingerprint. A block whose normalised form is empty (only
//! punctuation or symbols, such as `* * *` or `|`) has no content key.
//!
//! Version this function's behaviour with [`NORMALIZATION_VERSION`]: persisted keys depend on it.

use caseless::Caseless;

/// Bumped whenever the normalised form of any input changes.
pub const NORMALIZATION_VERSION: u32 = 1;

/// Write the normalised form of `text` into `out` (cleared first). The output is UTF-8.
///
/// One pass over the bytes. Prose is mostly *plain runs*: ASCII letters with single spaces
/// between them, whose normal form is the bytes themselves with bit 5 set (`A` → `a`, and a
/// space stays a space), copied in bulk. Digits and punctuation go through a lookup table,
/// anything else is decoded as a char.
pub fn normalize_into(text: &str, out: &mut Vec<u8>) {
    normalize_with::<false, false>(text, out);
}

/// [`normalize_into`], returning a hash of the figures it folded away: every number's digits,
/// in order (its separators dropped: `12,400` is `12400`); 0 when the text has no number. For
/// telling whole documents apart, where a changed score or temperature makes another document,
/// while block keys fold numbers so that a copyright year still matches.
pub fn normalize_counting_figures(text: &str, out: &mut Vec<u8>) -> u64 {
    normalize_with::<false, true>(text, out)
}

/// [`normalize_into`], but every number keeps its digits (its separators dropped: `12,400` →
/// `12400`), for near-duplicate signatures (see [`normalize_counting_figures`] for why).
pub fn normalize_keeping_numbers(text: &str, out: &mut Vec<u8>) {
    normalize_with::<true, false>(text, out);
}

fn normalize_with<const KEEP_NUMBERS: bool, const FIGURES: bool>(
    text: &str,
    out: &mut Vec<u8>,
) -> u64 {
    out.clear();
    // Room for the eight-byte stores of plain runs past the text's own length.
    out.reserve(text.len() + 8);
    let bytes = text.as_bytes();
    let mut state = State::default();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            match ASCII_CLASS[b as usize] {
                Class::Letter => {
                    state.start_word_char(out);
                    state.in_number = false;
                    i += copy_plain_run(&bytes[i..], out);
                    continue;
                }
                Class::Digit => state.push_digit::<KEEP_NUMBERS, FIGURES>(out, char::from(b)),
                Class::NumberSeparator if state.number_open() && numeric_at(text, i + 1) => {}
                _ => {
                    // A run of ASCII punctuation and spaces (", " or ". ") is one separator.
                    state.separate();
                    i += 1;
                    while bytes.get(i).is_some_and(|&b| {
                        b < 0x80 && ASCII_CLASS[b as usize] >= Class::NumberSeparator
                    }) {
                        i += 1;
                    }
                    continue;
                }
            }
            i += 1;
            continue;
        }
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        if c.is_numeric() {
            state.push_digit::<KEEP_NUMBERS, FIGURES>(out, c);
        } else if c.is_alphanumeric() {
            for folded in std::iter::once(c).default_case_fold() {
                state.push_char(out, folded);
            }
        } else if is_combining_mark(c) && !out.is_empty() && !state.pending_space {
            // Accents written as combining marks stay part of their word.
            out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        } else {
            state.separate();
        }
        i += c.len_utf8();
    }
    state.figures
}

/// Append the normal form of the plain run at the start of `bytes` (which starts with an ASCII
/// letter) to `out` and return its length. A plain run is letters, and single spaces with a
/// letter on both sides; it always ends on a letter. Its normal form is its bytes with bit 5
/// set: letters lower-cased, spaces (0x20) unchanged.
///
/// Eight bytes at a time (SWAR): seven are classified, the eighth is the look-ahead a space
/// needs. All eight are stored and the output cut back to the plain ones.
fn copy_plain_run(bytes: &[u8], out: &mut Vec<u8>) -> usize {
    let mut end = 0;
    while let Some(chunk) = bytes.get(end..end + 8) {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let plain = plain_mask(word) & LOW_SEVEN_HIGH_BITS;
        // Index of the first byte that is not plain; 7 when all seven are.
        let taken = ((!plain & LOW_SEVEN_HIGH_BITS) | (1 << 63)).trailing_zeros() as usize / 8;
        let at = out.len();
        out.extend_from_slice(&(word | (0x20 * ONES)).to_le_bytes());
        out.truncate(at + taken);
        end += taken;
        if taken < 7 {
            // The byte at `end` is not plain, so the one before it is a letter.
            return end;
        }
    }
    // Fewer than eight bytes left: one at a time.
    while end < bytes.len() {
        if is_letter(bytes[end]) {
            out.push(bytes[end] | 0x20);
            end += 1;
        } else if bytes[end] == b' ' && bytes.get(end + 1).is_some_and(|&b| is_letter(b)) {
            out.extend_from_slice(&[b' ', bytes[end + 1] | 0x20]);
            end += 2;
        } else {
            break;
        }
    }
    end
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
const LOW_SEVEN_HIGH_BITS: u64 = 0x0080_8080_8080_8080;

/// Per byte of `word` (little-endian), bit 7 set when the byte is plain: an ASCII letter, or a
/// space followed by one. Exact per byte: no carry crosses from one byte to the next.
fn plain_mask(word: u64) -> u64 {
    let ascii = !word & HIGH_BITS;
    let low = word & !HIGH_BITS;
    // Folded to lower case; a byte is a letter when it lies in 'a'..='z'.
    let folded = low | (0x20 * ONES);
    let at_least_a = folded + (0x80 - u64::from(b'a')) * ONES;
    let above_z = folded + (0x80 - u64::from(b'z') - 1) * ONES;
    let letters = at_least_a & !above_z & ascii;
    letters | (space_bytes(word) & (letters >> 8))
}

fn is_letter(b: u8) -> bool {
    (b | 0x20).wrapping_sub(b'a') < 26
}

/// Convenience wrapper returning a `String`.
pub fn normalize(text: &str) -> String {
    let mut out = Vec::new();
    normalize_into(text, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Ordered: a number separator outside a number is punctuation like any other.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Letter,
    Digit,
    NumberSeparator,
    Other,
}

const ASCII_CLASS: [Class; 128] = {
    let mut table = [Class::Other; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        table[b] = if c.is_ascii_alphabetic() {
            Class::Letter
        } else if c.is_ascii_digit() {
            Class::Digit
        } else if c == b'.' || c == b',' || c == b'\'' {
            Class::NumberSeparator
        } else {
            Class::Other
        };
        b += 1;
    }
    table
};

fn numeric_at(text: &str, i: usize) -> bool {
    match text.as_bytes().get(i) {
        Some(b) if *b < 0x80 => b.is_ascii_digit(),
        Some(_) => text[i..].chars().next().is_some_and(char::is_numeric),
        None => false,
    }
}

/// Where the output stands: a space owed before the next word character, an open number, and
/// the hash of the figures seen so far.
#[derive(Default)]
struct State {
    pending_space: bool,
    in_number: bool,
    figures: u64,
}

impl State {
    fn start_word_char(&mut self, out: &mut Vec<u8>) {
        if self.pending_space && !out.is_empty() {
            out.push(b' ');
        }
        self.pending_space = false;
    }

    fn push_char(&mut self, out: &mut Vec<u8>, c: char) {
        self.start_word_char(out);
        self.in_number = false;
        out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
    }

    /// A number ("12,400", "3.5", "٢٠٢٣") folds to a single `0`, or keeps its digits.
    fn push_digit<const KEEP_NUMBERS: bool, const FIGURES: bool>(
        &mut self,
        out: &mut Vec<u8>,
        digit: char,
    ) {
        let mix = |h: u64, v: u64| (h.rotate_left(7) ^ v).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        if !self.number_open() {
            self.start_word_char(out);
            self.in_number = true;
            if !KEEP_NUMBERS {
                out.push(b'0');
            }
            if FIGURES {
                // A mark between numbers, beyond any char: `12 3` is not `1 23`.
                self.figures = mix(self.figures, 1 << 32);
            }
        }
        if KEEP_NUMBERS {
            out.extend_from_slice(digit.encode_utf8(&mut [0; 4]).as_bytes());
        }
        if FIGURES {
            self.figures = mix(self.figures, u64::from(digit));
        }
    }

    fn number_open(&self) -> bool {
        self.in_number && !self.pending_space
    }

    fn separate(&mut self) {
        self.pending_space = true;
        self.in_number = false;
    }
}

/// The main combining diacritical mark blocks; enough to keep decomposed accents in a word.
fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

/// Number of words in a normalised string.
pub fn word_count(normalized: &[u8]) -> usize {
    if normalized.is_empty() {
        0
    } else {
        memchr::memchr_iter(b' ', normalized).count() + 1
    }
}

/// The pieces of `text` between spaces, as `text.split(|&b| b == b' ')` gives them (empty
/// pieces included), for normalised text: its words. Spaces are found eight bytes at a time,
/// where splitting tests every byte.
pub fn split_spaces(text: &[u8]) -> SplitSpaces<'_> {
    SplitSpaces {
        text,
        start: 0,
        scanned: 0,
        chunk: 0,
        spaces: 0,
        finished: false,
    }
}

/// Iterator of [`split_spaces`].
pub struct SplitSpaces<'a> {
    text: &'a [u8],
    /// Where the next piece starts.
    start: usize,
    /// Bytes looked at so far.
    scanned: usize,
    /// Offset of the chunk `spaces` describes.
    chunk: usize,
    /// The high bit of each byte of that chunk that is a space and not yet passed.
    spaces: u64,
    finished: bool,
}

impl<'a> Iterator for SplitSpaces<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        loop {
            if self.spaces != 0 {
                let at = self.chunk + self.spaces.trailing_zeros() as usize / 8;
                self.spaces &= self.spaces - 1;
                return Some(self.piece_to(at));
            }
            if let Some(chunk) = self.text.get(self.scanned..self.scanned + 8) {
                self.chunk = self.scanned;
                self.spaces = space_bytes(u64::from_le_bytes(chunk.try_into().unwrap_or_default()));
                self.scanned += 8;
                continue;
            }
            if let Some(&b) = self.text.get(self.scanned) {
                self.scanned += 1;
                if b == b' ' {
                    return Some(self.piece_to(self.scanned - 1));
                }
                continue;
            }
            if self.finished {
                return None;
            }
            self.finished = true;
            return Some(&self.text[self.start..]);
        }
    }
}

impl<'a> SplitSpaces<'a> {
    /// The piece from `start` to the space at `at`; the next starts after it.
    fn piece_to(&mut self, at: usize) -> &'a [u8] {
        let piece = &self.text[self.start..at];
        self.start = at + 1;
        piece
    }
}

/// Per byte of `word`, bit 7 set exactly when the byte is a space (no carry between bytes).
fn space_bytes(word: u64) -> u64 {
    let x = word ^ (0x20 * ONES);
    !(((x & !HIGH_BITS) + (0x7f * ONES)) | x) & HIGH_BITS
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Splitting at spaces eight bytes at a time gives what splitting byte by byte gives.
        #[test]
        fn split_spaces_is_split_at_spaces(
            text in proptest::collection::vec(
                proptest::sample::select(b"ab  \xa0\xe9!".to_vec()),
                0..40,
            ),
        ) {
            let expected: Vec<&[u8]> = text.split(|&b| b == b' ').collect();
            let found: Vec<&[u8]> = split_spaces(&text).collect();
            proptest::prop_assert_eq!(found, expected);
        }
    }

    fn norm(s: &str) -> String {
        normalize(s)
    }

    #[test]
    fn copyright_lines_with_changing_year_match() {
        let a = norm("© 2023 Example News. All rights reserved");
        let b = norm("© 2024 Example News - all rights reserved.");
        assert_eq!(a, "0 example news all rights reserved");
        assert_eq!(a, b);
    }

    #[test]
    fn numbers_with_separators_fold_to_one_zero() {
        assert_eq!(norm("Join 12,000 readers"), norm("Join 9,400 readers"));
        assert_eq!(norm("Join 12,000 readers"), "join 0 readers");
        assert_eq!(norm("up 3.5% today"), "up 0 today");
        assert_eq!(norm("ends with 12."), "ends with 0");
    }

    #[test]
    fn numbers_can_keep_their_digits() {
        let keep = |s: &str| {
            let mut out = Vec::new();
            normalize_keeping_numbers(s, &mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            keep("Highs of 23°C, lows of 12,5"),
            "highs of 23 c lows of 125"
        );
        assert_ne!(keep("Final score: 3-0"), keep("Final score: 0-2"));
        assert_eq!(keep("Join 12,000 READERS"), "join 12000 readers");
        assert_eq!(keep("٢٠٢٣ at 3pm"), "٢٠٢٣ at 3pm");
        // Apart from the digits, the same form as the folding normalisation.
        let folded = norm("Up 3.5% on the “Day”, said O'Neil");
        assert_eq!(
            keep("Up 3.5% on the “Day”, said O'Neil").replace("35", "0"),
            folded
        );
    }

    #[test]
    fn unicode_case_folding() {
        assert_eq!(norm("STRASSE"), norm("Straße"));
        assert_eq!(norm("ΣΊΣΥΦΟΣ"), norm("σίσυφος"));
        assert_eq!(norm("Ünïcödé"), "ünïcödé");
    }

    #[test]
    fn punctuation_and_whitespace_collapse() {
        assert_eq!(norm("  Home |  News\t— Sport!! "), "home news sport");
        assert_eq!(norm("“Quoted,” she said…"), "quoted she said");
        assert_eq!(norm("* * *"), "");
        assert_eq!(norm(""), "");
    }

    #[test]
    fn non_latin_digits_fold_too() {
        assert_eq!(norm("٢٠٢٣ rights"), "0 rights");
    }

    /// The definition, one char at a time with no fast path: what `normalize_into` (and, with
    /// `KEEP_NUMBERS`, `normalize_keeping_numbers`) must equal.
    fn reference<const KEEP_NUMBERS: bool>(text: &str) -> String {
        let mut out = Vec::new();
        let mut state = State::default();
        for (i, c) in text.char_indices() {
            if c.is_numeric() {
                state.push_digit::<KEEP_NUMBERS, false>(&mut out, c);
            } else if matches!(c, '.' | ',' | '\'')
                && state.number_open()
                && numeric_at(text, i + 1)
            {
            } else if c.is_alphanumeric() {
                for folded in std::iter::once(c).default_case_fold() {
                    state.push_char(&mut out, folded);
                }
            } else if is_combining_mark(c) && !out.is_empty() && !state.pending_space {
                out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
            } else {
                state.separate();
            }
        }
        String::from_utf8(out).unwrap()
    }

    fn plain_run(bytes: &[u8]) -> usize {
        let mut out = Vec::new();
        let len = copy_plain_run(bytes, &mut out);
        assert_eq!(out, bytes[..len].to_ascii_lowercase());
        len
    }

    #[test]
    fn plain_runs_end_on_a_letter() {
        assert_eq!(plain_run(b"ab cd"), 5);
        assert_eq!(plain_run(b"ab  cd"), 2);
        assert_eq!(plain_run(b"ab c."), 4);
        assert_eq!(plain_run(b"ab "), 2);
        assert_eq!(plain_run(b"a1"), 1);
        // Longer than one eight-byte step, with a space at the step's edge.
        assert_eq!(plain_run(b"abcdef gh, ij"), 9);
        assert_eq!(plain_run(b"abcdefghijklmnop  x"), 16);
        assert_eq!(plain_run(b"abcdefg hijklmn opq."), 19);
        assert_eq!(plain_run(b"abcdefg\xc3\xa9"), 7);
        assert_eq!(norm("The  Quick\tBrown fox."), "the quick brown fox");
    }

    proptest::proptest! {
        #[test]
        fn fast_paths_agree_with_the_definition(
            text in "([ a-zA-Z]{0,12}|[0-9.,' ]{0,6}|[ -~]{0,6}|[éßİΣ\u{301}\u{2003}“٢]{0,3}){0,8}"
        ) {
            proptest::prop_assert_eq!(normalize(&text), reference::<false>(&text));
            let mut kept = Vec::new();
            normalize_keeping_numbers(&text, &mut kept);
            proptest::prop_assert_eq!(String::from_utf8(kept).unwrap(), reference::<true>(&text));
        }

        /// The ASCII fast path folds exactly like the general path.
        #[test]
        fn ascii_fast_path_agrees(text in "[ -~]{0,40}") {
            // Non-ASCII spaces take the char path and must fold like ASCII punctuation.
            let with_wide_spaces = text.replace(' ', "\u{2003}").replace('-', "\u{2014}");
            proptest::prop_assert_eq!(normalize(&text), normalize(&with_wide_spaces));
        }
    }

    #[test]
    fn word_count_counts_words() {
        assert_eq!(word_count(b""), 0);
        assert_eq!(word_count(b"one"), 1);
        assert_eq!(word_count(b"one two three"), 3);
    }
}
