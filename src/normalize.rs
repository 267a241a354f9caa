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
/// One pass over the bytes: ASCII through a lookup table, anything else decoded as a char.
pub fn normalize_into(text: &str, out: &mut Vec<u8>) {
    out.clear();
    out.reserve(text.len());
    let bytes = text.as_bytes();
    let mut state = State::default();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            match ASCII_CLASS[b as usize] {
                Class::Letter => {
                    // Copy the whole run of ASCII letters at once, then lower-case it in place.
                    let run = bytes[i..]
                        .iter()
                        .position(|c| !c.is_ascii_alphabetic())
                        .unwrap_or(bytes.len() - i);
                    state.push_ascii_letters(out, &bytes[i..i + run]);
                    i += run;
                    continue;
                }
                Class::Digit => state.push_digit(out),
                Class::NumberSeparator if state.number_open() && numeric_at(text, i + 1) => {}
                _ => state.separate(),
            }
            i += 1;
            continue;
        }
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        if c.is_numeric() {
            state.push_digit(out);
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
}

/// Convenience wrapper returning a `String`.
pub fn normalize(text: &str) -> String {
    let mut out = Vec::new();
    normalize_into(text, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

#[derive(Clone, Copy, PartialEq, Eq)]
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

/// Where the output stands: a space owed before the next word character, an open number.
#[derive(Default)]
struct State {
    pending_space: bool,
    in_number: bool,
}

impl State {
    fn start_word_char(&mut self, out: &mut Vec<u8>) {
        if self.pending_space && !out.is_empty() {
            out.push(b' ');
        }
        self.pending_space = false;
    }

    fn push_ascii_letters(&mut self, out: &mut Vec<u8>, letters: &[u8]) {
        self.start_word_char(out);
        self.in_number = false;
        let from = out.len();
        out.extend_from_slice(letters);
        out[from..].make_ascii_lowercase();
    }

    fn push_char(&mut self, out: &mut Vec<u8>, c: char) {
        self.start_word_char(out);
        self.in_number = false;
        out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
    }

    /// A number ("12,400", "3.5", "٢٠٢٣") folds to a single `0`.
    fn push_digit(&mut self, out: &mut Vec<u8>) {
        if !self.number_open() {
            self.start_word_char(out);
            out.push(b'0');
            self.in_number = true;
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

#[cfg(test)]
mod tests {
    use super::*;

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

    proptest::proptest! {
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
