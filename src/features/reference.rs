//! The block features as first written: a direct reading of each definition, pass by pass, with
//! string sets. Kept for tests only, as the reference the one-pass scan must agree with on any
//! text (the property tests below).

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::OnceLock;

use super::scan::lower_into;
use super::words::{stoplist_words, MONTHS, STOPLIST_CODES};
use super::{
    end_flags, flag, phrase_flags, phrase_lists_in, sat16, sat8, stoplist_code, BlockFeatures,
    DocFeatures, COMMENT_MAX_WORDS, DETECT_BYTES,
};
use crate::segment::Segmentation;

type WordSet = HashSet<&'static str, foldhash::fast::RandomState>;

/// Compute every block's features and the document's language.
pub(super) fn extract(bytes: &[u8], seg: &Segmentation) -> DocFeatures {
    // Spans start and end at line boundaries, so each slices valid UTF-8 whole; an invalid
    // document is decoded lossily block by block.
    let valid = std::str::from_utf8(bytes).ok();
    let blocks_text: Vec<Cow<'_, str>> = seg
        .blocks
        .iter()
        .map(|span| match valid {
            Some(text) => Cow::Borrowed(text.get(span.clone()).unwrap_or_default()),
            None => String::from_utf8_lossy(bytes.get(span.clone()).unwrap_or_default()),
        })
        .collect();
    let stoplist = detect_stoplist(&blocks_text);
    let words = stoplist.and_then(stopwords);
    let mut scratch = String::new();
    let blocks = blocks_text
        .iter()
        .map(|t| block_features_with(t, words, &mut scratch))
        .collect();
    DocFeatures { stoplist, blocks }
}

/// Detect the language from the document's longer lines (chrome is short and often English).
fn detect_stoplist(blocks: &[Cow<'_, str>]) -> Option<&'static str> {
    let mut sample = String::new();
    let long = blocks
        .iter()
        .filter(|b| b.split_whitespace().nth(9).is_some());
    // Without a long line, any lines will do.
    for b in long.chain(blocks.iter()) {
        sample.push_str(b.trim());
        sample.push(' ');
        if sample.len() >= DETECT_BYTES {
            break;
        }
    }
    if looks_english(&sample) {
        return Some("en");
    }
    let info = whatlang::detect(&sample)?;
    // An unreliable guess on a short sample would apply the wrong stoplist: every block would
    // look stopword-free. Better no stoplist.
    if info.confidence() < 0.5 {
        return None;
    }
    stoplist_code(info.lang())
}

/// Most corpora are mostly English, and English prose is a fifth or more English stopwords
/// (usually a third to a half; text in other languages rarely reaches a tenth):
/// that settles the language without scoring the sample against every language profile.
fn looks_english(sample: &str) -> bool {
    let Some(english) = stopwords("en") else {
        return false;
    };
    let mut low = String::new();
    let (mut words, mut stop) = (0usize, 0usize);
    for token in sample
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
    {
        lower_into(token, &mut low);
        words += 1;
        stop += usize::from(english.contains(low.as_str()));
    }
    words >= 20 && stop * 5 >= words
}

/// The stoplist of a code from [`stoplist_code`], built once per language.
fn stopwords(code: &'static str) -> Option<&'static WordSet> {
    static SETS: [OnceLock<Option<WordSet>>; 18] = [const { OnceLock::new() }; 18];
    let i = STOPLIST_CODES.iter().position(|&c| c == code)?;
    SETS[i]
        .get_or_init(|| stoplist_words(code).map(Iterator::collect))
        .as_ref()
}

/// bit test is much cheaper than hashing the word.
fn may_be_month(low: &str) -> bool {
    static PREFIXES: OnceLock<Vec<u64>> = OnceLock::new();
    let prefix = |w: &[u8]| usize::from(w[0]) << 8 | usize::from(w.get(1).copied().unwrap_or(0));
    let bits = PREFIXES.get_or_init(|| {
        let mut bits = vec![0u64; 1 << 10];
        for month in MONTHS {
            let p = prefix(month.as_bytes());
            bits[p / 64] |= 1 << (p % 64);
        }
        bits
    });
    let word = low.as_bytes();
    if word.is_empty() {
        return false;
    }
    let p = prefix(word);
    bits[p / 64] & (1 << (p % 64)) != 0
}

fn months() -> &'static WordSet {
    static SET: OnceLock<WordSet> = OnceLock::new();
    SET.get_or_init(|| MONTHS.iter().copied().collect())
}

/// Word counts of one block, gathered token by token.
struct TokenStats {
    words: usize,
    stop: usize,
    title: usize,
    caps: usize,
    numbers: usize,
    /// The first words, lower case, space-separated and space-padded: enough for a call to
    /// action and a comment's marks, which are only looked for in short blocks.
    lower: String,
    month_at: Vec<usize>,
    number_at: Vec<usize>,
}

impl Default for TokenStats {
    fn default() -> Self {
        TokenStats {
            words: 0,
            stop: 0,
            title: 0,
            caps: 0,
            numbers: 0,
            lower: String::from(" "),
            month_at: Vec::new(),
            number_at: Vec::new(),
        }
    }
}

impl TokenStats {
    /// One token, given lower-cased (`low`) and what the caller saw of its characters.
    fn add(
        &mut self,
        low: &str,
        letters: usize,
        has_digit: bool,
        title: bool,
        caps: bool,
        stoplist: Option<&WordSet>,
    ) {
        if has_digit {
            self.numbers += 1;
            self.number_at.push(self.words);
        }
        self.title += usize::from(title);
        self.caps += usize::from(caps);
        if stoplist.is_some_and(|s| s.contains(low)) {
            self.stop += 1;
        }
        if (3..=10).contains(&letters) && may_be_month(low) && months().contains(low) {
            self.month_at.push(self.words);
        }
        // Only short blocks are tested for calls to action and comment marks.
        if self.words <= usize::from(COMMENT_MAX_WORDS) {
            self.lower.push_str(low);
            self.lower.push(' ');
        }
        self.words += 1;
    }
}

/// The features of one block's text.
pub(super) fn block_features(text: &str, stoplist: Option<&WordSet>) -> BlockFeatures {
    block_features_with(text, stoplist, &mut String::new())
}

/// [`block_features`] with a reusable buffer for lower-cased words.
fn block_features_with(text: &str, stoplist: Option<&WordSet>, low: &mut String) -> BlockFeatures {
    let mut f = BlockFeatures::default();
    let trimmed = text.trim();
    // Most blocks are ASCII: bytes, not decoded chars, with the same results.
    let ascii = trimmed.is_ascii();
    let (chars, separators) = if ascii {
        // Two plain sums over the bytes, which the compiler vectorises.
        let bytes = trimmed.as_bytes();
        let spaces: usize = bytes
            .iter()
            .map(|&b| usize::from(b == b' ' || (b'\t'..=b'\r').contains(&b)))
            .sum();
        let separators: usize = bytes
            .iter()
            .map(|&b| usize::from(b == b'|' || b == b'>'))
            .sum();
        (bytes.len() - spaces, separators)
    } else {
        trimmed.chars().fold((0, 0), |(chars, separators), c| {
            (
                chars + usize::from(!c.is_whitespace()),
                separators
                    + usize::from(matches!(c, '|' | '»' | '«' | '•' | '·' | '›' | '>' | '■')),
            )
        })
    };
    f.chars = sat16(chars);
    f.separators = sat8(separators);

    let mut tokens = TokenStats::default();
    if ascii {
        let bytes = trimmed.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if !bytes[i].is_ascii_alphanumeric() {
                i += 1;
                continue;
            }
            let start = i;
            while bytes.get(i).is_some_and(u8::is_ascii_alphanumeric) {
                i += 1;
            }
            let token = &bytes[start..i];
            let letters = token.iter().filter(|b| b.is_ascii_alphabetic()).count();
            lower_into(&trimmed[start..i], low);
            tokens.add(
                low,
                letters,
                token.iter().any(u8::is_ascii_digit),
                token[0].is_ascii_uppercase(),
                letters >= 2 && !token.iter().any(u8::is_ascii_lowercase),
                stoplist,
            );
        }
    } else {
        for token in trimmed
            .split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty())
        {
            let letters = token.chars().filter(|c| c.is_alphabetic()).count();
            lower_into(token, low);
            tokens.add(
                low,
                letters,
                token.chars().any(|c| c.is_ascii_digit()),
                token.chars().next().is_some_and(char::is_uppercase),
                letters >= 2 && token.chars().all(|c| !c.is_lowercase()),
                stoplist,
            );
        }
    }
    let TokenStats {
        words,
        stop,
        title,
        caps,
        numbers,
        lower,
        month_at,
        number_at,
    } = tokens;
    f.words = sat16(words);
    f.stopwords = sat16(stop);
    f.title_words = sat16(title);
    f.caps_words = sat8(caps);
    f.numbers = sat8(numbers);

    let mut flags = 0u8;
    let near = |m: usize| number_at.iter().any(|&n| n.abs_diff(m) <= 2);
    // A numeric date holds a digit: most blocks have none and need no look.
    if month_at.iter().any(|&m| near(m)) || (numbers > 0 && has_numeric_date(trimmed)) {
        flags |= flag::DATE;
    }
    if numbers > 0 && has_time(trimmed) {
        flags |= flag::TIME;
    }
    if f.words <= COMMENT_MAX_WORDS {
        flags |= phrase_flags(f.words, phrase_lists_in(&lower));
    }
    flags |= end_flags(trimmed);
    if trimmed
        .chars()
        .find(|c| c.is_alphanumeric())
        .is_some_and(char::is_lowercase)
    {
        flags |= flag::STARTS_LOWER;
    }
    f.flags = flags;
    f.sentences = sat8(if ascii {
        ascii_sentence_ends(trimmed.as_bytes())
    } else {
        sentence_ends(trimmed)
    });
    f.links = sat8(count_links(trimmed, ascii));
    f
}

/// URL and e-mail tokens (whitespace-separated) of a block.
fn count_links(text: &str, ascii: bool) -> usize {
    // Both need a dot or an at sign; most tokens (and many blocks) have neither.
    let is_link = |t: &str| t.contains(['.', '@']) && (is_url(t) || is_email(t));
    if memchr::memchr2(b'.', b'@', text.as_bytes()).is_none() {
        0
    } else if ascii {
        // `char::is_whitespace` on ASCII: vertical tab included, unlike `split_ascii_whitespace`.
        text.as_bytes()
            .split(|b| matches!(b, b' ' | b'\t'..=b'\r'))
            .filter(|t| {
                t.iter().any(|&b| b == b'.' || b == b'@')
                    && std::str::from_utf8(t).is_ok_and(|t| is_url(t) || is_email(t))
            })
            .count()
    } else {
        text.split_whitespace().filter(|t| is_link(t)).count()
    }
}

/// Sentence punctuation followed by whitespace or the end; "3.5" and "e.g." inside do not count.
fn sentence_ends(text: &str) -> usize {
    let mut n = 0;
    let mut prev = ' ';
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if matches!(c, '.' | '!' | '?' | '…')
            && prev.is_alphanumeric()
            && chars
                .peek()
                .is_none_or(|&c| c.is_whitespace() || "\"'”’)".contains(c))
        {
            n += 1;
        }
        prev = c;
    }
    n
}

/// [`sentence_ends`] over ASCII text, byte by byte.
fn ascii_sentence_ends(text: &[u8]) -> usize {
    (0..text.len())
        .filter(|&i| {
            matches!(text[i], b'.' | b'!' | b'?')
                && i > 0
                && text[i - 1].is_ascii_alphanumeric()
                && text
                    .get(i + 1)
                    .is_none_or(|&c| matches!(c, b' ' | b'\t'..=b'\r' | b'"' | b'\'' | b')'))
        })
        .count()
}

/// `12/28/2005`, `2005-12-28`, `28.12.2005`, `12/28/05`.
fn has_numeric_date(text: &str) -> bool {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | '(' | ')'))
        .any(|t| {
            (6..=10).contains(&t.len())
                && t.as_bytes()[0].is_ascii_digit()
                && t.split(['/', '-', '.']).count() == 3
                && t.split(['/', '-', '.'])
                    .all(|p| (1..=4).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit()))
        })
}

/// `3:13`, `07:54pm`, `15:30:00`.
fn has_time(text: &str) -> bool {
    let b = text.as_bytes();
    (1..b.len().saturating_sub(2)).any(|i| {
        b[i] == b':'
            && b[i - 1].is_ascii_digit()
            && b[i + 1].is_ascii_digit()
            && b[i + 2].is_ascii_digit()
            && b.get(i + 3).is_none_or(|c| !c.is_ascii_digit())
    })
}

fn is_url(token: &str) -> bool {
    let t = token.to_ascii_lowercase();
    let t = t.trim_matches(|c: char| !c.is_alphanumeric() && c != '/');
    t.starts_with("http://")
        || t.starts_with("https://")
        || t.starts_with("www.")
        || [".com", ".org", ".net", ".co.uk", ".html", ".htm", ".php"]
            .iter()
            .any(|s| t.ends_with(s) && t.len() > s.len() + 1)
}

fn is_email(token: &str) -> bool {
    let t = token.trim_matches(|c: char| !c.is_alphanumeric());
    match t.split_once('@') {
        Some((user, domain)) => !user.is_empty() && domain.contains('.') && !domain.ends_with('.'),
        None => false,
    }
}

mod tests {
    use proptest::prelude::*;

    use super::super::words;
    use crate::segment::{segment, UnitChoice};

    /// Words and marks the features look for, in several cases and scripts.
    const PIECES: &[&str] = &[
        "the",
        "The",
        "THE",
        "of",
        "and",
        "And",
        "don't",
        "Don’t",
        "der",
        "Die",
        "für",
        "été",
        "и",
        "Это",
        "May",
        "march",
        "Dec",
        "dec.",
        "märz",
        "Décembre",
        "Septiembre",
        "12",
        "2005",
        "3:13",
        "07:54pm",
        "15:30:00",
        "12:345",
        "12/28/2005",
        "2005-12-28",
        "28.12.2005",
        "12/28/05",
        "1/2/3",
        "3.5",
        "12,",
        "(2005)",
        "http://example.com/page",
        "HTTPS://Example.org",
        "www.example.net.",
        "news@example.org",
        "a@b.",
        "Example.COM,",
        "x.php",
        "read more",
        "Read More »",
        "Comments",
        "37 comments",
        "Leave a Reply",
        "reply",
        "says:",
        "Posted by",
        "(Score:5,",
        "Permalink",
        "|",
        "»",
        "«",
        "•",
        "·",
        "›",
        ">",
        "■",
        ".",
        "!",
        "?",
        "…",
        ":",
        "\"",
        "'",
        "”",
        "’",
        ")",
        "]",
        "(",
        ",",
        "-",
        "/",
        "@",
        "日本語",
        "市議会は月曜日",
        "Ελληνικά",
        "ǅemal",
        "İstanbul",
        "ΣΑΣ",
        "½",
        "²",
        "٣",
        "straßenbahnhaltestelle",
        "Donaudampfschifffahrt",
        "ABCDEFGHIJKLMNOPQ",
        "\u{a0}",
        "\u{3000}",
        "\u{2028}",
        "\u{85}",
        "\u{b}",
        "\t",
        "\n",
        " ",
        "  ",
    ];

    /// A block: pieces from the list above and random characters, sometimes glued together.
    fn block() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            4 => proptest::sample::select(PIECES).prop_map(str::to_string),
            2 => "[a-zA-Z]{1,12}",
            1 => "[0-9]{1,5}",
            1 => "[ -~]{1,4}",
            1 => "[a-zA-Zéüßçñ日本]{1,18}",
            1 => "\\PC{1,3}",
        ];
        prop::collection::vec((piece, proptest::bool::weighted(0.7)), 0..40).prop_map(|pieces| {
            let mut text = String::new();
            for (piece, space) in pieces {
                text.push_str(&piece);
                if space {
                    text.push(' ');
                }
            }
            text
        })
    }

    /// English-looking prose (a third of it stopwords), so that documents are found English
    /// by their stopwords, with the marks of the other features mixed in.
    fn prose() -> impl Strategy<Value = String> {
        const WORDS: &[&str] = &[
            "the",
            "of",
            "and",
            "to",
            "in",
            "it",
            "that",
            "was",
            "The",
            "It",
            "council",
            "bridge",
            "Harbour",
            "residents",
            "said",
            "plan",
            "would",
            "open",
            "spring",
            "delay",
            "May",
            "12",
            "2005",
            "3:13",
            "www.example.com",
            "Read more",
            "comments",
            "»",
            "|",
            "—",
            "don't",
            "café",
            "naïve",
            "it.",
            "again!",
            "why?",
            "“quoted”",
            "(aside)",
        ];
        prop::collection::vec(proptest::sample::select(WORDS), 0..60)
            .prop_map(|words| words.join(" "))
    }

    proptest::proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn one_pass_features_equal_the_reference(text in block()) {
            for code in ["en", "de", "fr", "ru", "el", "tr"] {
                prop_assert_eq!(
                    super::super::block_features(&text, words::stopwords(code)),
                    super::block_features(&text, super::stopwords(code)),
                    "stoplist {}", code
                );
            }
            prop_assert_eq!(
                super::super::block_features(&text, None),
                super::block_features(&text, None)
            );
        }

        #[test]
        fn document_features_equal_the_reference(
            blocks in prop::collection::vec(prop_oneof![block(), prose()], 0..12),
            blank_lines in proptest::bool::ANY,
        ) {
            let text = blocks.join(if blank_lines { "\n\n" } else { "\n" });
            let seg = segment(text.as_bytes(), UnitChoice::Auto);
            prop_assert_eq!(
                super::super::extract(text.as_bytes(), &seg),
                super::extract(text.as_bytes(), &seg)
            );
        }

        #[test]
        fn features_of_damaged_text_equal_the_reference(
            bytes in prop::collection::vec(
                prop_oneof![Just(b'\n'), Just(b' '), Just(b'.'), any::<u8>()], 0..300),
        ) {
            let seg = segment(&bytes, UnitChoice::Line);
            prop_assert_eq!(super::super::extract(&bytes, &seg), super::extract(&bytes, &seg));
        }
    }

    #[test]
    fn english_prose_agrees_with_the_reference() {
        let prose = "The council said on 12 May that it would not be able to pay for all of \
                     the work. Read more at www.example.com or mail news@example.org!";
        let text = format!("{prose}\n{prose}\nComments (3)\nAnn says: 3:13 pm\n");
        let seg = segment(text.as_bytes(), UnitChoice::Line);
        let new = super::super::extract(text.as_bytes(), &seg);
        assert_eq!(new.stoplist, Some("en"));
        assert_eq!(new, super::extract(text.as_bytes(), &seg));
    }
}
