//! Word lists: the stoplists and month names, as sets that a short lower-case word is looked up
//! in without hashing a string.
//!
//! A word of at most [`PACKED_MAX`] bytes packs into one `u128` (its bytes, zero-padded, and its
//! length + 1 in the top byte, so distinct strings give distinct keys); an ASCII word is packed
//! straight from the text, lower-cased by a mask, so the common token never gets a lower-case
//! copy. Keys live in a small open-addressing table (a few kilobytes: it stays in the L1
//! cache). Longer words, rare in stoplists, go to an ordinary hash set. Membership only; nothing
//! here is persisted.

use std::collections::HashSet;
use std::sync::OnceLock;

/// The longest word that packs into a key: the 16th byte holds the length.
pub(super) const PACKED_MAX: usize = 15;

/// `0x20` in each of the 15 low bytes: ORed into an ASCII letter or digit it gives the letter
/// in lower case and leaves the digit alone.
const ASCII_LOWER_MASK: u128 = 0x0020_2020_2020_2020_2020_2020_2020_2020;

/// A set of (lower-case) words: exact string membership, like a `HashSet<&str>`.
#[derive(Debug, Clone, Default)]
pub struct WordSet {
    /// Packed keys by [`slot`], 0 for an empty slot (no key is 0: its length byte is at least 1).
    table: Vec<u128>,
    /// Words longer than [`PACKED_MAX`] bytes.
    long: HashSet<&'static str, foldhash::fast::RandomState>,
}

impl FromIterator<&'static str> for WordSet {
    fn from_iter<I: IntoIterator<Item = &'static str>>(words: I) -> Self {
        let mut long = HashSet::default();
        let mut keys = Vec::new();
        for word in words {
            match pack(word.as_bytes()) {
                Some(key) => keys.push(key),
                None => {
                    long.insert(word);
                }
            }
        }
        keys.sort_unstable();
        keys.dedup();
        // At most a quarter full, so a probe for an absent word soon meets an empty slot.
        let capacity = (keys.len() * 4).next_power_of_two().max(16);
        let mut table = vec![0u128; capacity];
        for key in keys {
            let mut i = slot(key, capacity);
            while table[i] != 0 {
                i = (i + 1) & (capacity - 1);
            }
            table[i] = key;
        }
        WordSet { table, long }
    }
}

impl WordSet {
    /// Whether `word` (as given: no case folding) is in the set.
    pub fn contains(&self, word: &str) -> bool {
        match pack(word.as_bytes()) {
            Some(key) => self.contains_key(key),
            None => self.long.contains(word),
        }
    }

    /// Whether the word packed as `key` (by [`pack`] or [`pack_ascii_lower`]) is in the set.
    pub(super) fn contains_key(&self, key: u128) -> bool {
        let capacity = self.table.len();
        if capacity == 0 {
            return false;
        }
        let mut i = slot(key, capacity);
        loop {
            match self.table[i] {
                0 => return false,
                k if k == key => return true,
                _ => i = (i + 1) & (capacity - 1),
            }
        }
    }
}

/// The key of a word of at most [`PACKED_MAX`] bytes.
pub(super) fn pack(word: &[u8]) -> Option<u128> {
    if word.len() > PACKED_MAX {
        return None;
    }
    let mut bytes = [0u8; 16];
    bytes[..word.len()].copy_from_slice(word);
    bytes[PACKED_MAX] = word.len() as u8 + 1;
    Some(u128::from_le_bytes(bytes))
}

/// The key of an ASCII letters-and-digits word of at most [`PACKED_MAX`] bytes, lower-cased:
/// `pack(word.to_ascii_lowercase())` without the copy.
pub(super) fn pack_ascii_lower(word: &[u8]) -> Option<u128> {
    let key = pack(word)?;
    // Only the word's own bytes: the zero padding must stay zero.
    let mask = ASCII_LOWER_MASK & ((1u128 << (8 * word.len())) - 1);
    Some(key | mask)
}

/// [`pack_ascii_lower`] of the word `text[start..start + len]`, reading 16 bytes at once where
/// the text has them (a fixed-size load rather than a copy of a variable length).
pub(super) fn pack_ascii_lower_in(text: &[u8], start: usize, len: usize) -> Option<u128> {
    if len > PACKED_MAX {
        return None;
    }
    let Some(wide) = text.get(start..start + 16) else {
        return pack_ascii_lower(text.get(start..start + len)?);
    };
    let wide = u128::from_le_bytes(wide.try_into().ok()?);
    let word = (1u128 << (8 * len)) - 1;
    Some(((wide | ASCII_LOWER_MASK) & word) | ((len as u128 + 1) << 120))
}

/// The first two bytes of a packed word (0 where the word is shorter).
pub(super) fn key_prefix(key: u128) -> usize {
    (key & 0xffff) as usize
}

/// A key's home slot in a table of `capacity` (a power of two) slots.
fn slot(key: u128, capacity: usize) -> usize {
    let folded = (key as u64) ^ ((key >> 64) as u64).rotate_left(29);
    let mixed = folded.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (mixed >> 32) as usize & (capacity - 1)
}

/// The languages with a stoplist, as [`super::stoplist_code`] names them.
pub(super) const STOPLIST_CODES: [&str; 18] = [
    "en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "no", "fi", "ru", "hu", "ro", "el", "tr",
    "sl", "ca",
];

/// The words of a language's stoplist as the tokenizer sees them: apostrophes split words
/// ("don't" → "don", "t"), so the parts are kept.
pub(super) fn stoplist_words(code: &str) -> Option<impl Iterator<Item = &'static str>> {
    stop_words::lookup(code).map(|words| {
        words
            .iter()
            .flat_map(|w| w.split(|c: char| !c.is_alphanumeric()))
            .filter(|w| !w.is_empty())
    })
}

/// The stoplist of a code from [`super::stoplist_code`], built once per language.
pub(super) fn stopwords(code: &'static str) -> Option<&'static WordSet> {
    static SETS: [OnceLock<Option<WordSet>>; 18] = [const { OnceLock::new() }; 18];
    let i = STOPLIST_CODES.iter().position(|&c| c == code)?;
    SETS[i]
        .get_or_init(|| stoplist_words(code).map(Iterator::collect))
        .as_ref()
}

pub(super) const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "januar",
    "februar",
    "märz",
    "mai",
    "juni",
    "juli",
    "oktober",
    "dezember",
    "janvier",
    "février",
    "mars",
    "avril",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
    "gennaio",
    "febbraio",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "settembre",
    "ottobre",
    "dicembre",
];

/// Whether a lower-case word whose first two bytes are `prefix` (as [`key_prefix`] gives them)
/// may be a month name: most words are not, and this bit test is cheaper than a lookup.
pub(super) fn may_be_month(prefix: usize) -> bool {
    static PREFIXES: OnceLock<Vec<u64>> = OnceLock::new();
    let bits = PREFIXES.get_or_init(|| {
        let mut bits = vec![0u64; 1 << 10];
        for month in MONTHS {
            let p = pack(month.as_bytes()).map_or(0, key_prefix);
            bits[p / 64] |= 1 << (p % 64);
        }
        bits
    });
    // Month names start with an ASCII letter, so their prefixes fit the table.
    bits.get(prefix / 64)
        .is_some_and(|word| word & (1 << (prefix % 64)) != 0)
}

pub(super) fn months() -> &'static WordSet {
    static SET: OnceLock<WordSet> = OnceLock::new();
    SET.get_or_init(|| MONTHS.iter().copied().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership_is_exact_for_short_and_long_words() {
        const MEMBERS: [&str; 6] = [
            "a",
            "the",
            "fünfzehn",
            "",
            "exactlyfifteen!",
            "sixteen-bytes-xy",
        ];
        let set: WordSet = MEMBERS.into_iter().collect();
        for word in MEMBERS {
            assert!(set.contains(word), "{word:?}");
        }
        for word in [
            "A",
            "th",
            "thee",
            "a\0",
            "\0",
            "fünfzehn ",
            "sixteen-bytes-x",
        ] {
            assert!(!set.contains(word), "{word:?}");
        }
        assert!(!WordSet::default().contains("a"));
    }

    #[test]
    fn ascii_keys_are_the_lower_case_keys() {
        for word in ["The", "MAY", "x9Z", "abcdefghijklmnO", "0123456789"] {
            let lower = word.to_ascii_lowercase();
            assert_eq!(pack_ascii_lower(word.as_bytes()), pack(lower.as_bytes()));
        }
        assert_eq!(pack_ascii_lower(b"abcdefghijklmnop"), None);
        let text = b"Read MORE about it, X9 at 10:30 in the Harbour";
        for (start, len) in [(0, 4), (5, 4), (20, 2), (38, 8), (45, 1), (0, 15), (31, 15)] {
            assert_eq!(
                pack_ascii_lower_in(text, start, len),
                pack_ascii_lower(&text[start..start + len]),
                "{start} {len}"
            );
        }
        assert_eq!(pack_ascii_lower_in(text, 0, 16), None);
    }

    #[test]
    fn every_month_passes_the_prefix_test() {
        let prefix = |w: &str| pack(w.as_bytes()).map_or(usize::MAX, key_prefix);
        assert!(MONTHS.iter().all(|m| may_be_month(prefix(m))));
        assert!(!may_be_month(prefix("the")));
        assert!(!may_be_month(prefix("")));
        // A non-ASCII first byte is no month.
        assert!(!may_be_month(prefix("été")));
    }
}
