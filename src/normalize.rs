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

/// Write the normalised form of `text` into `out` (cleared first).
pub fn normalize_into(text: &str, out: &mut String) {
    out.clear();
    let mut pending_space = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_numeric() {
            // A number with inner separators ("12,400", "3.5") folds to a single 0.
            while let Some(&next) = chars.peek() {
                if next.is_numeric() {
                    chars.next();
                } else if matches!(next, '.' | ',' | '\'') {
                    let mut ahead = chars.clone();
                    ahead.next();
                    if ahead.peek().is_some_and(|d| d.is_numeric()) {
                        chars.next();
                    } else {
                        break;
                    }
                } else {
                    break;
                }
            }
            push_word_char(out, &mut pending_space, '0');
        } else if c.is_ascii_alphabetic() {
            push_word_char(out, &mut pending_space, c.to_ascii_lowercase());
        } else if c.is_alphanumeric() {
            for folded in std::iter::once(c).default_case_fold() {
                push_word_char(out, &mut pending_space, folded);
            }
        } else if is_combining_mark(c) && !out.is_empty() && !pending_space {
            // Accents written as combining marks stay part of their word.
            out.push(c);
        } else {
            pending_space = true;
        }
    }
}

fn push_word_char(out: &mut String, pending_space: &mut bool, c: char) {
    if *pending_space && !out.is_empty() {
        out.push(' ');
    }
    *pending_space = false;
    out.push(c);
}

/// The main combining diacritical mark blocks; enough to keep decomposed accents in a word.
fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

/// Number of words in a normalised string.
pub fn word_count(normalized: &str) -> usize {
    if normalized.is_empty() {
        0
    } else {
        normalized.bytes().filter(|&b| b == b' ').count() + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        let mut out = String::new();
        normalize_into(s, &mut out);
        out
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

    #[test]
    fn word_count_counts_words() {
        assert_eq!(word_count(""), 0);
        assert_eq!(word_count("one"), 1);
        assert_eq!(word_count("one two three"), 3);
    }
}
