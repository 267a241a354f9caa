//! One pass over a block's text: every count and mark that [`super::block_features_with`]
//! needs, character by character.
//!
//! Each character is looked at once and sorted into [`class`] bits (a table for ASCII, the
//! `char` methods beyond). A run of ASCII letters and digits, most of any text, is taken in a
//! tight inner loop. Alongside the characters the pass follows three kinds of token: words
//! (runs of letters and digits), whitespace-separated pieces (for URLs and e-mail addresses)
//! and pieces between whitespace, `,`, `(` and `)` (for numeric dates); a token is judged once,
//! when it ends. Each rule gives what a direct reading of its definition gives (a
//! `#[cfg(test)]` reference implementation checks this on random text).

use super::words::{self, WordSet};

/// Bits saying what a character is, as far as the features care.
mod class {
    /// Whitespace (`char::is_whitespace`).
    pub const SPACE: u16 = 1;
    /// Part of a word: a letter or a digit (`char::is_alphanumeric`).
    pub const WORD: u16 = 1 << 1;
    /// A letter (`char::is_alphabetic`).
    pub const LETTER: u16 = 1 << 2;
    pub const UPPER: u16 = 1 << 3;
    pub const LOWER: u16 = 1 << 4;
    /// An ASCII digit.
    pub const DIGIT: u16 = 1 << 5;
    /// `|`, `»`, `«`, `•`, `·`, `›`, `>`, `■`.
    pub const SEPARATOR: u16 = 1 << 6;
    /// Sentence punctuation: `.`, `!`, `?`, `…`.
    pub const STOP: u16 = 1 << 7;
    /// May follow a sentence's punctuation: `"`, `'`, `”`, `’`, `)`.
    pub const CLOSER: u16 = 1 << 8;
    /// Ends a numeric-date piece: whitespace, `,`, `(`, `)`.
    pub const DATE_END: u16 = 1 << 9;
    /// May be in a numeric date: an ASCII digit, `/`, `-`, `.`.
    pub const DATE_PART: u16 = 1 << 10;
    /// `.` or `@`: a whitespace-separated piece without one is no link.
    pub const LINK_MARK: u16 = 1 << 11;
}

/// The classes of an ASCII character, from the byte's ASCII properties (which are the `char`
/// properties for ASCII; a unit test compares the two).
const fn ascii_class(b: u8) -> u16 {
    let mut k = 0;
    if matches!(b, b' ' | b'\t'..=b'\r') {
        k |= class::SPACE | class::DATE_END;
    }
    if b.is_ascii_alphanumeric() {
        k |= class::WORD;
    }
    if b.is_ascii_alphabetic() {
        k |= class::LETTER;
    }
    if b.is_ascii_uppercase() {
        k |= class::UPPER;
    }
    if b.is_ascii_lowercase() {
        k |= class::LOWER;
    }
    if b.is_ascii_digit() {
        k |= class::DIGIT | class::DATE_PART;
    }
    match b {
        b'|' | b'>' => k |= class::SEPARATOR,
        b'.' => k |= class::STOP | class::DATE_PART | class::LINK_MARK,
        b'!' | b'?' => k |= class::STOP,
        b'"' | b'\'' | b')' => k |= class::CLOSER,
        b'/' | b'-' => k |= class::DATE_PART,
        b'@' => k |= class::LINK_MARK,
        _ => {}
    }
    if matches!(b, b',' | b'(' | b')') {
        k |= class::DATE_END;
    }
    k
}

static ASCII_CLASSES: [u16; 128] = {
    let mut table = [0; 128];
    let mut b = 0;
    while b < 128 {
        table[b] = ascii_class(b as u8);
        b += 1;
    }
    table
};

/// The classes of any character.
fn class_of(c: char) -> u16 {
    match ASCII_CLASSES.get(c as usize) {
        Some(&k) => k,
        None => unicode_class(c),
    }
}

/// The classes of a character from the `char` methods (beyond ASCII no punctuation but these
/// matters here).
fn unicode_class(c: char) -> u16 {
    let mut k = 0;
    let mut set = |yes: bool, bits: u16| {
        if yes {
            k |= bits;
        }
    };
    set(c.is_whitespace(), class::SPACE | class::DATE_END);
    set(c.is_alphanumeric(), class::WORD);
    set(c.is_alphabetic(), class::LETTER);
    set(c.is_uppercase(), class::UPPER);
    set(c.is_lowercase(), class::LOWER);
    set(c.is_ascii_digit(), class::DIGIT | class::DATE_PART);
    set(
        matches!(c, '|' | '»' | '«' | '•' | '·' | '›' | '>' | '■'),
        class::SEPARATOR,
    );
    set(matches!(c, '.' | '!' | '?' | '…'), class::STOP);
    set(matches!(c, '"' | '\'' | '”' | '’' | ')'), class::CLOSER);
    set(matches!(c, ',' | '(' | ')'), class::DATE_END);
    set(matches!(c, '/' | '-' | '.'), class::DATE_PART);
    set(matches!(c, '.' | '@'), class::LINK_MARK);
    k
}

/// A run of ASCII letters and digits: where it ends, its characters' classes ORed, its letters.
#[derive(Debug, PartialEq, Eq)]
struct AsciiRun {
    end: usize,
    classes: u16,
    letters: usize,
}

/// The run of ASCII letters and digits from `start`, eight bytes at a time where the text has
/// them: a word is then usually one step, without a branch per byte.
fn ascii_run(bytes: &[u8], start: usize) -> AsciiRun {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut run = AsciiRun {
        end: start,
        classes: 0,
        letters: 0,
    };
    while let Some(chunk) = bytes.get(run.end..run.end + 8) {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(chunk);
        let x = u64::from_le_bytes(eight);
        let (digits, upper, lower) = (
            bytes_in(x, b'0', b'9'),
            bytes_in(x, b'A', b'Z'),
            bytes_in(x, b'a', b'z'),
        );
        // The run's bytes: those before the first byte that is no letter or digit.
        let other = !(digits | upper | lower) & HIGH;
        let len = (other.trailing_zeros() / 8) as usize;
        let inside = if len == 8 {
            HIGH
        } else {
            HIGH & ((1 << (8 * len)) - 1)
        };
        let letters = (upper | lower) & inside;
        run.letters += letters.count_ones() as usize;
        for (bits, classes) in [
            (digits, class::DIGIT | class::DATE_PART),
            (upper, class::UPPER),
            (lower, class::LOWER),
            (letters, class::LETTER),
        ] {
            if bits & inside != 0 {
                run.classes |= classes | class::WORD;
            }
        }
        run.end += len;
        if len < 8 {
            return run;
        }
    }
    // The last few bytes of the text, one at a time.
    while let Some(&b) = bytes.get(run.end).filter(|b| b.is_ascii_alphanumeric()) {
        let k = ASCII_CLASSES[usize::from(b)];
        run.classes |= k;
        run.letters += usize::from(k & class::LETTER != 0);
        run.end += 1;
    }
    run
}

/// The high bit of each byte of `x` that is an ASCII character in `lo..=hi`.
fn bytes_in(x: u64, lo: u8, hi: u8) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // With the high bits cleared, adding 0x80 - lo sets a byte's high bit when it is at least
    // lo, adding 0x7f - hi when it is above hi, and no sum carries into the next byte.
    let low7 = x & !HIGH;
    let at_least_lo = low7 + ONES * u64::from(0x80 - lo);
    let above_hi = low7 + ONES * u64::from(0x7f - hi);
    at_least_lo & !above_hi & !x & HIGH
}

/// Reusable buffers of the scan: nothing is allocated per block once they have grown.
#[derive(Debug, Default)]
pub(super) struct Buffers {
    /// The current word in lower case, when it is not packed straight from the text.
    low: String,
    /// The first words of the block: enough for calls to action and comment marks, which are
    /// only looked for in short blocks.
    phrase_words: Vec<PhraseWord>,
    phrase: String,
}

/// One of a block's first words: where it is, and its packed lower-case form if it packs.
#[derive(Debug, Clone, Copy)]
struct PhraseWord {
    start: usize,
    end: usize,
    key: Option<u128>,
}

impl Buffers {
    /// The first words of the block just scanned (`text`), lower case, space-separated and
    /// space-padded, if one of them is in `key_words`. Built only when asked for: most blocks
    /// are too long to need it.
    pub(super) fn phrase_with(&mut self, text: &str, key_words: &WordSet) -> Option<&str> {
        let Buffers {
            low,
            phrase_words,
            phrase,
        } = self;
        let text_of = |w: &PhraseWord| text.get(w.start..w.end).unwrap_or_default();
        let key_word = phrase_words.iter().any(|w| match w.key {
            Some(key) => key_words.contains_key(key),
            None => {
                lower_into(text_of(w), low);
                key_words.contains(low)
            }
        });
        if !key_word {
            return None;
        }
        phrase.clear();
        phrase.push(' ');
        for w in phrase_words.iter() {
            lower_into(text_of(w), low);
            phrase.push_str(low);
            phrase.push(' ');
        }
        Some(phrase)
    }
}

/// What one pass over a block finds.
#[derive(Debug, Default)]
pub(super) struct Scan {
    /// Characters, whitespace excluded.
    pub chars: usize,
    pub separators: usize,
    pub words: usize,
    pub stopwords: usize,
    pub title_words: usize,
    pub caps_words: usize,
    /// Words holding an ASCII digit.
    pub numbers: usize,
    pub sentences: usize,
    pub links: usize,
    /// A month name within two words of a number.
    pub month_date: bool,
    /// A piece such as `12/28/2005`.
    pub numeric_date: bool,
    /// `3:13`, `07:54pm`.
    pub time: bool,
    /// The first word starts with a lower-case letter.
    pub starts_lower: bool,
}

/// The word being read.
#[derive(Debug, Default, Clone, Copy)]
struct Word {
    /// Whether a word is being read (the other fields are stale otherwise).
    open: bool,
    start: usize,
    /// The classes of its characters, ORed.
    classes: u16,
    /// The classes of its first character.
    first: u16,
    letters: usize,
    ascii: bool,
}

/// The scanner's state between characters.
struct Scanner<'a> {
    text: &'a str,
    stoplist: Option<&'a WordSet>,
    buffers: &'a mut Buffers,
    found: Scan,
    word: Word,
    /// The previous character was part of a word.
    after_word: bool,
    /// Where the current numeric-date piece starts, and whether it holds only digits and
    /// date separators so far.
    date_start: usize,
    date_like: bool,
    /// Where the current whitespace-separated piece starts, and whether it holds `.` or `@`.
    link_start: usize,
    link_mark: bool,
    /// Word positions of the last month name and the last number.
    last_month: Option<usize>,
    last_number: Option<usize>,
}

/// Scan `text` (a trimmed block) in one pass, looking words up in `stoplist`.
pub(super) fn scan(text: &str, stoplist: Option<&WordSet>, buffers: &mut Buffers) -> Scan {
    buffers.phrase_words.clear();
    let mut scanner = Scanner {
        text,
        stoplist,
        buffers,
        found: Scan::default(),
        word: Word::default(),
        after_word: false,
        date_start: 0,
        date_like: true,
        link_start: 0,
        link_mark: false,
        last_month: None,
        last_number: None,
    };
    scanner.run();
    scanner.found
}

impl Scanner<'_> {
    fn run(&mut self) {
        let bytes = self.text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i].is_ascii_alphanumeric() {
                i = self.ascii_word_run(i);
                continue;
            }
            let c = if bytes[i].is_ascii() {
                char::from(bytes[i])
            } else {
                match self.text.get(i..).and_then(|rest| rest.chars().next()) {
                    Some(c) => c,
                    None => break,
                }
            };
            let width = c.len_utf8();
            self.character(i, c, class_of(c), width);
            i += width;
        }
        let end = bytes.len();
        if self.word.open {
            self.end_word(end);
        }
        self.end_date_piece(end);
        self.end_link_piece(end);
    }

    /// A run of ASCII letters and digits from `start`: part of a word, no whitespace, no
    /// punctuation. Returns where it ends.
    fn ascii_word_run(&mut self, start: usize) -> usize {
        let bytes = self.text.as_bytes();
        let AsciiRun {
            end,
            classes,
            letters,
        } = ascii_run(bytes, start);
        if !self.word.open {
            self.word = Word {
                open: true,
                start,
                classes: 0,
                first: ASCII_CLASSES[usize::from(bytes[start])],
                letters: 0,
                ascii: true,
            };
        }
        self.word.classes |= classes;
        self.word.letters += letters;
        self.found.chars += end - start;
        // Only digits keep a piece date-like.
        self.date_like &= classes & class::LETTER == 0;
        self.after_word = true;
        end
    }

    /// Any other character, `width` bytes at `at`.
    fn character(&mut self, at: usize, c: char, k: u16, width: usize) {
        let next = at + width;
        self.found.chars += usize::from(k & class::SPACE == 0);
        // A branch, not a sum beside the one above: paired, the two are updated as one
        // 16-byte vector that stalls on reading back the 8-byte `chars` just stored.
        if k & class::SEPARATOR != 0 {
            self.found.separators += 1;
        }
        if k & class::WORD != 0 {
            if !self.word.open {
                self.word = Word {
                    open: true,
                    start: at,
                    classes: 0,
                    first: k,
                    letters: 0,
                    ascii: true,
                };
            }
            self.word.classes |= k;
            self.word.letters += usize::from(k & class::LETTER != 0);
            self.word.ascii &= c.is_ascii();
        } else if self.word.open {
            self.end_word(at);
        }
        if k & class::STOP != 0 && self.after_word && self.ends_sentence(next) {
            self.found.sentences += 1;
        }
        self.after_word = k & class::WORD != 0;
        if c == ':' && self.is_time_colon(at) {
            self.found.time = true;
        }
        if k & class::DATE_END != 0 {
            self.end_date_piece(at);
            self.date_start = next;
        } else {
            self.date_like &= k & class::DATE_PART != 0;
        }
        if k & class::SPACE != 0 {
            self.end_link_piece(at);
            self.link_start = next;
        } else {
            self.link_mark |= k & class::LINK_MARK != 0;
        }
    }

    /// Whether sentence punctuation whose next character is at `next` ends a sentence: at the
    /// end of the text, or before whitespace or a closing quote or bracket.
    fn ends_sentence(&self, next: usize) -> bool {
        self.text
            .get(next..)
            .and_then(|rest| rest.chars().next())
            .is_none_or(|c| class_of(c) & (class::SPACE | class::CLOSER) != 0)
    }

    /// Whether the `:` at `at` sits in a time: a digit before it, exactly two after.
    fn is_time_colon(&self, at: usize) -> bool {
        let b = self.text.as_bytes();
        let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
        at >= 1 && digit(at - 1) && digit(at + 1) && digit(at + 2) && !digit(at + 3)
    }

    /// The word being read ends at `end`: count it.
    fn end_word(&mut self, end: usize) {
        self.word.open = false;
        let word = self.word;
        let text = self.text.get(word.start..end).unwrap_or_default();
        let position = self.found.words;
        if word.classes & class::DIGIT != 0 {
            self.found.numbers += 1;
            self.last_number = Some(position);
            if self.last_month.is_some_and(|m| position - m <= 2) {
                self.found.month_date = true;
            }
        }
        if position == 0 {
            self.found.starts_lower = word.first & class::LOWER != 0;
        }
        self.found.title_words += usize::from(word.first & class::UPPER != 0);
        self.found.caps_words += usize::from(word.letters >= 2 && word.classes & class::LOWER == 0);
        let key = self.lower_key(word.start, text, word.ascii);
        // A word too long to pack was lower-cased into the buffer.
        let low = &self.buffers.low;
        let in_set = |set: &WordSet| key.map_or_else(|| set.contains(low), |k| set.contains_key(k));
        if self.stoplist.is_some_and(in_set) {
            self.found.stopwords += 1;
        }
        // Month names have three to ten letters and all pack into a key.
        let month = (3..=10).contains(&word.letters)
            && key.is_some_and(|k| words::may_be_month(words::key_prefix(k)))
            && key.is_some_and(|k| words::months().contains_key(k));
        if month {
            self.last_month = Some(position);
            if self.last_number.is_some_and(|n| position - n <= 2) {
                self.found.month_date = true;
            }
        }
        // Only short blocks are tested for calls to action and comment marks.
        if position <= usize::from(super::COMMENT_MAX_WORDS) {
            self.buffers.phrase_words.push(PhraseWord {
                start: word.start,
                end,
                key,
            });
        }
        self.found.words += 1;
    }

    /// The packed lower-case form of a word, or `None` when it is too long to pack. A short
    /// ASCII word is packed straight from the text; any other is lower-cased into the buffer.
    fn lower_key(&mut self, start: usize, text: &str, ascii: bool) -> Option<u128> {
        if ascii && text.len() <= words::PACKED_MAX {
            return words::pack_ascii_lower_in(self.text.as_bytes(), start, text.len());
        }
        lower_into(text, &mut self.buffers.low);
        words::pack(self.buffers.low.as_bytes())
    }

    /// The numeric-date piece, if any, ends at `end`: judge it.
    fn end_date_piece(&mut self, end: usize) {
        if self.date_like && !self.found.numeric_date {
            let piece = self.text.get(self.date_start..end).unwrap_or_default();
            self.found.numeric_date = is_numeric_date(piece);
        }
        self.date_like = true;
    }

    /// The whitespace-separated piece, if any, ends at `end`: judge it.
    fn end_link_piece(&mut self, end: usize) {
        if self.link_mark {
            let piece = self.text.get(self.link_start..end).unwrap_or_default();
            self.found.links += usize::from(is_url(piece) || is_email(piece));
        }
        self.link_mark = false;
    }
}

/// `token` in lower case, into a reused buffer, character by character.
pub(super) fn lower_into(token: &str, low: &mut String) {
    low.clear();
    if token.is_ascii() {
        low.push_str(token);
        low.make_ascii_lowercase();
    } else {
        low.extend(token.chars().flat_map(char::to_lowercase));
    }
}

/// `12/28/2005`, `2005-12-28`, `28.12.2005`, `12/28/05`: three groups of one to four digits.
fn is_numeric_date(t: &str) -> bool {
    (6..=10).contains(&t.len())
        && t.as_bytes().first().is_some_and(u8::is_ascii_digit)
        && t.split(['/', '-', '.']).count() == 3
        && t.split(['/', '-', '.'])
            .all(|p| (1..=4).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit()))
}

/// `http://…`, `www.…`, `….com`, `….html`, in any case, around any punctuation.
fn is_url(token: &str) -> bool {
    let t = token.trim_matches(|c: char| !c.is_alphanumeric() && c != '/');
    let t = t.as_bytes();
    let starts = |p: &[u8]| t.get(..p.len()).is_some_and(|s| s.eq_ignore_ascii_case(p));
    let ends = |s: &[u8]| t.len() > s.len() + 1 && t[t.len() - s.len()..].eq_ignore_ascii_case(s);
    starts(b"http://")
        || starts(b"https://")
        || starts(b"www.")
        || [".com", ".org", ".net", ".co.uk", ".html", ".htm", ".php"]
            .iter()
            .any(|s| ends(s.as_bytes()))
}

fn is_email(token: &str) -> bool {
    let t = token.trim_matches(|c: char| !c.is_alphanumeric());
    match t.split_once('@') {
        Some((user, domain)) => !user.is_empty() && domain.contains('.') && !domain.ends_with('.'),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_classes_are_the_char_classes() {
        for b in 0..128u8 {
            assert_eq!(
                ASCII_CLASSES[usize::from(b)],
                unicode_class(char::from(b)),
                "{b}"
            );
        }
    }

    proptest::proptest! {
        /// Eight bytes at a time or one at a time, a run is the same.
        #[test]
        fn ascii_runs_agree_with_a_byte_loop(
            text in "[a-zA-Z0-9 .,:@`\\[{/é\x7f-]{0,40}",
            start in 0usize..40,
        ) {
            let bytes = text.as_bytes();
            let start = start.min(bytes.len());
            let mut expected = AsciiRun { end: start, classes: 0, letters: 0 };
            while let Some(&b) = bytes.get(expected.end).filter(|b| b.is_ascii_alphanumeric()) {
                expected.classes |= unicode_class(char::from(b));
                expected.letters += usize::from(b.is_ascii_alphabetic());
                expected.end += 1;
            }
            proptest::prop_assert_eq!(ascii_run(bytes, start), expected);
        }
    }

    #[test]
    fn urls_ignore_case_and_surrounding_punctuation() {
        assert!(is_url("(HTTP://Example.org/page)"));
        assert!(is_url("WWW.EXAMPLE.NET."));
        assert!(is_url("example.COM,"));
        assert!(!is_url(".com"));
        assert!(!is_url("night."));
        // Two bytes before the suffix: "x.com" is too short, "é.com" is not.
        assert!(!is_url("x.com"));
        assert!(is_url("é.com"));
    }
}
