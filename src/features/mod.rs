//! Features: a block's text → a compact record of what the block classifier looks at.
//!
//! In: a document's bytes and its [`Segmentation`]. Out: [`DocFeatures`]: the document's language
//! (detected once per document with `whatlang`) and, per block, a 16-byte [`BlockFeatures`]:
//! length, stopwords, sentence punctuation, title-case and all-caps words, numbers, dates and
//! times, separators, URL and e-mail tokens and calls to action. Pass 1 computes it while the
//! text is in memory, so deciding never reads a file again; only counts are kept, never text.
//!
//! Stopwords come from the NLTK lists of the `stop-words` crate for the languages named in
//! [`stoplist_code`]; a document in any other language (or too short to tell) has no stoplist,
//! and the classifier falls back to the other features.
//!
//! Cost: one pass over each block's characters (`scan`: a table for ASCII characters, runs of
//! ASCII letters and digits eight bytes at a time), one lookup per word in a table of packed
//! words (`words`: no lower-case copy of an ASCII word), an Aho-Corasick pass over the
//! lower-case words of the short blocks that hold a key word of a phrase, and per document
//! the language test on a sample of a few hundred bytes: its blocks are scanned as English
//! blocks, which they are kept as when the document is English; other documents go on to
//! `whatlang`.

mod scan;
mod words;

#[cfg(test)]
mod reference;

use std::sync::OnceLock;

use crate::segment::Segmentation;
pub use words::WordSet;

/// How many bytes of prose-like lines language detection looks at: a few sentences are enough
/// for the languages with a stoplist, and detection cost grows with the sample.
const DETECT_BYTES: usize = 400;

/// Blocks of at most this many words are tested for calls to action: in a long block "share"
/// or "comments" is ordinary prose.
const CTA_MAX_WORDS: u16 = 8;

/// Blocks of at most this many words are tested for naming a comment thread ("20 Responses to
/// ..." quotes the article's title).
const COMMENTS_HEADING_MAX_WORDS: u16 = 16;

/// Blocks of at most this many words are tested for the marks of a comment thread (headings
/// such as "37 comments", bylines such as "Ann says:"): a commenter's byline carries a name, a
/// date and a time, and often "Reply" or "Permalink".
const COMMENT_MAX_WORDS: u16 = 20;

/// What the classifier knows about one block. Counts saturate at their type's maximum.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BlockFeatures {
    /// Characters, whitespace excluded.
    pub chars: u16,
    /// Word tokens (runs of letters and digits).
    pub words: u16,
    /// Words in the document language's stoplist (0 without a stoplist).
    pub stopwords: u16,
    /// Words starting with an upper-case letter.
    pub title_words: u16,
    /// Words of two or more letters, all upper case.
    pub caps_words: u8,
    /// Tokens holding a digit.
    pub numbers: u8,
    /// Separator characters: `|`, `»`, `«`, `•`, `·`, `›`, `>`, `■`.
    pub separators: u8,
    /// URL and e-mail tokens.
    pub links: u8,
    /// Sentence ends (`.`, `!`, `?`, `…` followed by a space or the end of the block).
    pub sentences: u8,
    /// [`flag`] bits.
    pub flags: u8,
    /// Padding made explicit, so the record stays 16 bytes.
    _reserved: u16,
}

/// Bits of [`BlockFeatures::flags`].
pub mod flag {
    /// The block ends like a sentence (`.`, `!`, `?`, `…`, possibly before a closing quote).
    pub const SENTENCE_END: u8 = 1;
    /// Holds a date: a month name next to a number, or `12/28/2005`, `2005-12-28`, `28.12.2005`.
    pub const DATE: u8 = 2;
    /// Holds a time of day (`3:13`, `07:54pm`).
    pub const TIME: u8 = 4;
    /// A short block with a call to action ("read more", "share", "reply", "subscribe").
    pub const CALL_TO_ACTION: u8 = 8;
    /// Ends with a colon: introduces what follows (a list inside an article).
    pub const ENDS_COLON: u8 = 16;
    /// Starts with a lower-case letter: usually the rest of a sentence.
    pub const STARTS_LOWER: u8 = 32;
    /// A short block naming a comment thread: "37 comments", "Comments (87)", "20 Responses to
    /// ...", "Leave a Reply".
    pub const COMMENTS_HEADING: u8 = 64;
    /// A short block with a commenter's verb or a comment's furniture: "Ann says:", "Posted
    /// by:", "Reply", "Permalink", "(Score:5, Insightful)".
    pub const COMMENT_MARK: u8 = 128;
}

impl BlockFeatures {
    pub fn has(&self, bit: u8) -> bool {
        self.flags & bit != 0
    }

    /// Share of words that are stopwords.
    pub fn stopword_density(&self) -> f64 {
        ratio(self.stopwords, self.words)
    }

    /// Share of words that start with an upper-case letter.
    pub fn title_share(&self) -> f64 {
        ratio(self.title_words, self.words)
    }
}

fn ratio(part: u16, whole: u16) -> f64 {
    if whole == 0 {
        0.0
    } else {
        f64::from(part) / f64::from(whole)
    }
}

/// The features of one document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocFeatures {
    /// ISO 639-1 code of the detected language when it has a stoplist.
    pub stoplist: Option<&'static str>,
    /// One record per block of the segmentation.
    pub blocks: Vec<BlockFeatures>,
}

/// Compute every block's features and the document's language.
pub fn extract(bytes: &[u8], seg: &Segmentation) -> DocFeatures {
    // Spans start and end at line boundaries, so each slices valid UTF-8 whole; an invalid
    // document is decoded lossily block by block.
    let valid = simdutf8::basic::from_utf8(bytes).ok();
    let blocks_text: Vec<std::borrow::Cow<'_, str>> = seg
        .blocks
        .iter()
        .map(|span| match valid {
            Some(text) => std::borrow::Cow::Borrowed(text.get(span.clone()).unwrap_or_default()),
            None => String::from_utf8_lossy(bytes.get(span.clone()).unwrap_or_default()),
        })
        .collect();
    let mut buffers = scan::Buffers::default();
    let language = detect_language(&blocks_text, &mut buffers);
    let words = language.stoplist.and_then(words::stopwords);
    let blocks = blocks_text
        .iter()
        .enumerate()
        .map(|(i, t)| match language.computed(i) {
            Some(features) => features,
            None => block_features_with(t, words, &mut buffers),
        })
        .collect();
    DocFeatures {
        stoplist: language.stoplist,
        blocks,
    }
}

/// A document's language, and the features of the blocks that deciding it read.
struct Language {
    stoplist: Option<&'static str>,
    /// By block: each block of the sample read as an English block.
    as_english: Vec<Option<AsEnglish>>,
}

/// A block read with the English stoplist: its features and its exact (unsaturated) counts.
#[derive(Debug, Clone, Copy)]
struct AsEnglish {
    features: BlockFeatures,
    words: usize,
    stopwords: usize,
}

impl Language {
    /// Block `i`'s features if they are already known: read as English, and it is English.
    fn computed(&self, i: usize) -> Option<BlockFeatures> {
        match self.stoplist {
            Some("en") => self
                .as_english
                .get(i)
                .copied()
                .flatten()
                .map(|b| b.features),
            _ => None,
        }
    }
}

/// Detect the language from a sample of the document's longer lines (chrome is short and often
/// English). English is told by its stopwords, which takes each sample block's features as an
/// English block: when the document is English (most are), they are its features.
fn detect_language(blocks: &[std::borrow::Cow<'_, str>], buffers: &mut scan::Buffers) -> Language {
    let sample = sample_blocks(blocks);
    let mut as_english = vec![None; blocks.len()];
    let Some(english) = words::stopwords("en") else {
        let stoplist = detect_with_whatlang(blocks, &sample);
        return Language {
            stoplist,
            as_english,
        };
    };
    // The sample joins trimmed blocks with spaces, so its words are the blocks' words.
    let (mut words, mut stop) = (0, 0);
    for &i in &sample {
        let block = as_english[i].get_or_insert_with(|| {
            let (features, scan) = block_scan(&blocks[i], Some(english), buffers);
            AsEnglish {
                features,
                words: scan.words,
                stopwords: scan.stopwords,
            }
        });
        words += block.words;
        stop += block.stopwords;
    }
    let stoplist = if looks_english(words, stop) {
        Some("en")
    } else {
        detect_with_whatlang(blocks, &sample)
    };
    Language {
        stoplist,
        as_english,
    }
}

/// The blocks of the language sample, in order, a block possibly twice: the long ones (ten
/// whitespace-separated pieces or more), then any (without a long line, any will do), until
/// they and a space after each make [`DETECT_BYTES`].
fn sample_blocks(blocks: &[std::borrow::Cow<'_, str>]) -> Vec<usize> {
    let long = (0..blocks.len()).filter(|&i| blocks[i].split_whitespace().nth(9).is_some());
    let mut sample = Vec::new();
    let mut len = 0;
    for i in long.chain(0..blocks.len()) {
        sample.push(i);
        len += blocks[i].trim().len() + 1;
        if len >= DETECT_BYTES {
            break;
        }
    }
    sample
}

/// The stoplist of the language `whatlang` finds in the sample's text.
fn detect_with_whatlang(
    blocks: &[std::borrow::Cow<'_, str>],
    sample: &[usize],
) -> Option<&'static str> {
    let mut text = String::new();
    for &i in sample {
        text.push_str(blocks[i].trim());
        text.push(' ');
    }
    let info = whatlang::detect(&text)?;
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
fn looks_english(words: usize, stopwords: usize) -> bool {
    words >= 20 && stopwords * 5 >= words
}

/// The stop-words code for a language with a stoplist: the major European languages.
pub fn stoplist_code(lang: whatlang::Lang) -> Option<&'static str> {
    use whatlang::Lang::*;
    Some(match lang {
        Eng => "en",
        Deu => "de",
        Fra => "fr",
        Spa => "es",
        Ita => "it",
        Por => "pt",
        Nld => "nl",
        Swe => "sv",
        Dan => "da",
        Nob => "no",
        Fin => "fi",
        Rus => "ru",
        Hun => "hu",
        Ron => "ro",
        Ell => "el",
        Tur => "tr",
        Slv => "sl",
        Cat => "ca",
        _ => return None,
    })
}

/// Phrases of calls to action and page furniture, matched on the block's lower-case words
/// joined by single spaces (hence the spaces around each: whole words only).
const CALLS_TO_ACTION: &[&str] = &[
    " read more ",
    " continue reading ",
    " click here ",
    " share ",
    " tweet ",
    " subscribe ",
    " sign up ",
    " sign in ",
    " log in ",
    " login ",
    " reply ",
    " comments ",
    " comment ",
    " permalink ",
    " print ",
    " email this ",
    " follow us ",
    " advertisement ",
    " related ",
    " posted in ",
    " tagged ",
    " tags ",
    " next ",
    " previous ",
    " more from ",
    " see also ",
    " back to top ",
    " view all ",
    " mehr ",
    " weiterlesen ",
    " lire la suite ",
    " leer más ",
];

/// Words that name a comment thread, matched like [`CALLS_TO_ACTION`].
const COMMENTS_HEADINGS: &[&str] = &[
    " comments ",
    " comment ",
    " responses ",
    " replies ",
    " reactions ",
    " discussion ",
    " thoughts on ",
    " leave a reply ",
    " kommentare ",
    " commentaires ",
    " comentarios ",
    " comentários ",
    " commenti ",
    " reacties ",
];

/// A commenter's verb or a comment's furniture, matched like [`CALLS_TO_ACTION`].
const COMMENT_MARKS: &[&str] = &[
    " says ",
    " said ",
    " wrote ",
    " writes ",
    " responded ",
    " replied ",
    " posted by ",
    " reply ",
    " permalink ",
    " report abuse ",
    " score ",
    " sagt ",
    " schrieb ",
    " a écrit ",
    " dice ",
    " escribió ",
];

/// Bits of [`phrase_lists_in`]: which lists have a phrase in the text.
const IN_CALLS_TO_ACTION: u8 = 1;
const IN_COMMENTS_HEADINGS: u8 = 2;
const IN_COMMENT_MARKS: u8 = 4;

/// Each phrase list with its bit.
const PHRASE_LISTS: [(&[&str], u8); 3] = [
    (CALLS_TO_ACTION, IN_CALLS_TO_ACTION),
    (COMMENTS_HEADINGS, IN_COMMENTS_HEADINGS),
    (COMMENT_MARKS, IN_COMMENT_MARKS),
];

/// Which of the phrase lists ([`CALLS_TO_ACTION`], [`COMMENTS_HEADINGS`], [`COMMENT_MARKS`])
/// have a phrase in `lower`, in one pass over it: one automaton holds all three lists, so a
/// short block is scanned once rather than once per phrase.
fn phrase_lists_in(lower: &str) -> u8 {
    static AUTOMATON: OnceLock<Option<(aho_corasick::AhoCorasick, Vec<u8>)>> = OnceLock::new();
    let built = AUTOMATON.get_or_init(|| {
        // A phrase in two lists (" comments ", " reply ") is one pattern with both bits.
        let mut phrases: Vec<(&str, u8)> = Vec::new();
        for (list, bit) in PHRASE_LISTS {
            for &p in list {
                match phrases.iter_mut().find(|(q, _)| *q == p) {
                    Some((_, bits)) => *bits |= bit,
                    None => phrases.push((p, bit)),
                }
            }
        }
        let automaton = aho_corasick::AhoCorasick::new(phrases.iter().map(|(p, _)| p)).ok()?;
        Some((automaton, phrases.iter().map(|(_, bits)| *bits).collect()))
    });
    let Some((automaton, bits)) = built else {
        // The lists are constants the automaton always accepts; without it, scan each phrase.
        return PHRASE_LISTS
            .iter()
            .filter(|(list, _)| list.iter().any(|p| lower.contains(p)))
            .fold(0, |found, (_, bit)| found | bit);
    };
    // Phrases share their padding spaces (" read more " and " more from "): overlapping.
    automaton
        .find_overlapping_iter(lower)
        .fold(0, |found, m| found | bits[m.pattern().as_usize()])
}

/// One word of each phrase of the lists (its longest). A phrase matches whole words of the
/// space-padded word list, so a block holds a phrase only if one of its words is the phrase's
/// key word: a block without any key word (most) skips the automaton.
fn phrase_key_words() -> &'static WordSet {
    static SET: OnceLock<WordSet> = OnceLock::new();
    SET.get_or_init(|| {
        PHRASE_LISTS
            .iter()
            .flat_map(|(list, _)| list.iter())
            .filter_map(|phrase| phrase.split(' ').max_by_key(|word| word.len()))
            .collect()
    })
}

/// The features of one block's text.
pub fn block_features(text: &str, stoplist: Option<&WordSet>) -> BlockFeatures {
    block_features_with(text, stoplist, &mut scan::Buffers::default())
}

/// [`block_features`] with reusable buffers.
fn block_features_with(
    text: &str,
    stoplist: Option<&WordSet>,
    buffers: &mut scan::Buffers,
) -> BlockFeatures {
    block_scan(text, stoplist, buffers).0
}

/// A block's features and the scan they come from (its counts do not saturate).
fn block_scan(
    text: &str,
    stoplist: Option<&WordSet>,
    buffers: &mut scan::Buffers,
) -> (BlockFeatures, scan::Scan) {
    let trimmed = text.trim();
    let found = scan::scan(trimmed, stoplist, buffers);
    let mut f = BlockFeatures {
        chars: sat16(found.chars),
        words: sat16(found.words),
        stopwords: sat16(found.stopwords),
        title_words: sat16(found.title_words),
        caps_words: sat8(found.caps_words),
        numbers: sat8(found.numbers),
        separators: sat8(found.separators),
        links: sat8(found.links),
        sentences: sat8(found.sentences),
        ..BlockFeatures::default()
    };
    let mut flags = 0u8;
    // Every date and time holds a digit, hence a number.
    if found.month_date || (found.numbers > 0 && found.numeric_date) {
        flags |= flag::DATE;
    }
    if found.numbers > 0 && found.time {
        flags |= flag::TIME;
    }
    let phrase = match f.words <= COMMENT_MAX_WORDS {
        true => buffers.phrase_with(trimmed, phrase_key_words()),
        false => None,
    };
    if let Some(phrase) = phrase {
        flags |= phrase_flags(f.words, phrase_lists_in(phrase));
    }
    flags |= end_flags(trimmed);
    if found.starts_lower {
        flags |= flag::STARTS_LOWER;
    }
    f.flags = flags;
    (f, found)
}

/// The flags of the phrase lists found in a block of `words` words (see [`phrase_lists_in`]).
fn phrase_flags(words: u16, found: u8) -> u8 {
    let mut flags = 0;
    if words <= CTA_MAX_WORDS && found & IN_CALLS_TO_ACTION != 0 {
        flags |= flag::CALL_TO_ACTION;
    }
    if words <= COMMENTS_HEADING_MAX_WORDS && found & IN_COMMENTS_HEADINGS != 0 {
        flags |= flag::COMMENTS_HEADING;
    }
    if found & IN_COMMENT_MARKS != 0 {
        flags |= flag::COMMENT_MARK;
    }
    flags
}

/// The flags of how a trimmed block ends: like a sentence, or with a colon (closing quotes
/// and brackets looked through).
fn end_flags(trimmed: &str) -> u8 {
    let end = trimmed.trim_end_matches(['"', '\'', '”', '’', ')', ']', '»']);
    let mut flags = 0;
    if end.ends_with(['.', '!', '?', '…']) {
        flags |= flag::SENTENCE_END;
    }
    if end.ends_with(':') {
        flags |= flag::ENDS_COLON;
    }
    flags
}

fn sat16(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

fn sat8(n: usize) -> u8 {
    u8::try_from(n).unwrap_or(u8::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::{segment, UnitChoice};

    fn en(text: &str) -> BlockFeatures {
        block_features(text, words::stopwords("en"))
    }

    proptest::proptest! {
        /// The ASCII path counts exactly what the general path counts: a no-break space (not
        /// ASCII, but whitespace like a space) sends the same block down the general path.
        #[test]
        fn ascii_path_agrees_with_the_general_path(
            text in "[a-zA-Z0-9 .,:!?|>@/()'\x0b-]{0,80}"
        ) {
            let general = text.replacen(' ', "\u{a0}", 1);
            proptest::prop_assert_eq!(en(&text), en(&general));
            proptest::prop_assert_eq!(
                block_features(&text, words::stopwords("de")),
                block_features(&general, words::stopwords("de"))
            );
        }
    }

    #[test]
    fn comment_headings_and_marks() {
        for heading in [
            "37 comments",
            "Comments (87)",
            "{ 43 comments… read them below or add one }",
            "20 Responses to “Why the Harbour Pier Matters to the Whole Town”",
            "Leave a Reply",
            "12 Kommentare",
        ] {
            assert!(en(heading).has(flag::COMMENTS_HEADING), "{heading}");
        }
        // A sentence about comments is long; a commentator is not a comment.
        assert!(!en("The council has received more than two hundred comments from residents since the plan was published in the spring.").has(flag::COMMENTS_HEADING));
        assert!(!en("Commentary").has(flag::COMMENTS_HEADING));
        for mark in [
            "Ann Lee says:",
            "Posted by: Ann | May 3, 2012 at 10:11 AM",
            "by Tom on December 4, 2010 at 10:42 pm. Reply #",
            "Re: Harbour plans (Score:5, Insightful)",
            "Permalink",
        ] {
            assert!(en(mark).has(flag::COMMENT_MARK), "{mark}");
        }
        assert!(!en("Ann Lee").has(flag::COMMENT_MARK));
        assert!(!en("Says who, exactly, and on what evidence does the board say that the deck will last another thirty years of storms?").has(flag::COMMENT_MARK));
    }

    #[test]
    fn record_stays_small() {
        assert_eq!(std::mem::size_of::<BlockFeatures>(), 16);
    }

    #[test]
    fn counts_length_and_stopwords() {
        let f = en("The rain fell on the roofs of the town all night.");
        assert_eq!(f.words, 11);
        assert_eq!(f.chars, 39);
        // the, on, the, of, the, all
        assert_eq!(f.stopwords, 6);
        assert!(f.stopword_density() > 0.5);
        let none = block_features("The rain fell on the roofs.", None);
        assert_eq!(none.stopwords, 0);
    }

    #[test]
    fn sentence_punctuation() {
        let f = en("He waited. Then he left! Version 3.5 shipped.");
        assert_eq!(f.sentences, 3);
        assert!(f.has(flag::SENTENCE_END));
        assert!(en("“Are you coming?”").has(flag::SENTENCE_END));
        assert!(!en("Latest Headlines").has(flag::SENTENCE_END));
        assert!(en("The kit contains:").has(flag::ENDS_COLON));
        assert!(en("and then it rained").has(flag::STARTS_LOWER));
    }

    #[test]
    fn title_case_and_caps() {
        let f = en("World News And Local SPORTS");
        assert_eq!(f.title_words, 5);
        assert_eq!(f.caps_words, 1);
        assert!((f.title_share() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn dates_times_numbers() {
        assert!(en("Last Updated: Thursday, 13 October 2005").has(flag::DATE));
        assert!(en("12/28/2005 3:13:17 PM, by Hannah").has(flag::DATE));
        assert!(en("12/28/2005 3:13:17 PM, by Hannah").has(flag::TIME));
        assert!(en("Updated Nov 06, 2012 at 07:54pm").has(flag::TIME));
        assert!(en("Posted 2012-11-06").has(flag::DATE));
        assert!(!en("May I come in?").has(flag::DATE));
        assert!(!en("Version 3.5 of the tool").has(flag::DATE));
        assert_eq!(en("3 of 10 items cost 25").numbers, 3);
    }

    #[test]
    fn separators_links_and_calls_to_action() {
        assert_eq!(en("Home | World | Sport » Tennis").separators, 3);
        assert_eq!(en("Mail news@example.org or see www.example.net").links, 2);
        assert_eq!(en("Visit http://example.com/page now").links, 1);
        assert_eq!(en("He sat at the table. It was late.").links, 0);
        assert!(en("Read more »").has(flag::CALL_TO_ACTION));
        assert!(en("Share this article").has(flag::CALL_TO_ACTION));
        assert!(en("12 Comments").has(flag::CALL_TO_ACTION));
        let long =
            "She said she would share the harvest with every family in the village that winter.";
        assert!(!en(long).has(flag::CALL_TO_ACTION));
    }

    #[test]
    fn detects_language_per_document() {
        let de = "Die Stadt hat am Montag beschlossen, dass die neue Brücke über den Fluss im nächsten Jahr gebaut wird und dass die Kosten von der Gemeinde getragen werden.\n";
        let seg = segment(de.as_bytes(), UnitChoice::Line);
        let f = extract(de.as_bytes(), &seg);
        assert_eq!(f.stoplist, Some("de"));
        assert!(f.blocks[0].stopword_density() > 0.3);
        let en_doc = "The council decided on Monday that the new bridge over the river will be built next year and that the town will pay for it.\n";
        let seg = segment(en_doc.as_bytes(), UnitChoice::Line);
        assert_eq!(extract(en_doc.as_bytes(), &seg).stoplist, Some("en"));
    }

    #[test]
    fn english_is_told_by_its_stopwords_and_other_languages_are_not() {
        let looks_english = |sample: &str, buffers: &mut scan::Buffers| {
            let (_, found) = block_scan(sample, words::stopwords("en"), buffers);
            super::looks_english(found.words, found.stopwords)
        };
        let en = "The council said that it would not be able to pay for all of the work on the bridge this year, and that the rest of it would have to wait until the spring.";
        assert!(looks_english(en, &mut scan::Buffers::default()));
        let de = "Die Stadt hat am Montag beschlossen, dass die neue Brücke über den Fluss im nächsten Jahr gebaut wird und dass die Kosten von der Gemeinde getragen werden.";
        assert!(!looks_english(de, &mut scan::Buffers::default()));
        let nl = "De gemeente heeft maandag besloten dat de nieuwe brug over de rivier volgend jaar wordt gebouwd en dat de kosten door de stad worden betaald.";
        assert!(!looks_english(nl, &mut scan::Buffers::default()));
        assert!(
            !looks_english("Home News Sport", &mut scan::Buffers::default()),
            "too short to tell"
        );
    }

    #[test]
    fn language_without_stoplist_has_none() {
        // Japanese: no stoplist; the classifier uses the other features.
        let ja = "市議会は月曜日、川に架かる新しい橋を来年建設し、その費用を町が負担することを決定した。これは長年の議論の末の結論である。\n";
        let seg = segment(ja.as_bytes(), UnitChoice::Line);
        assert_eq!(extract(ja.as_bytes(), &seg).stoplist, None);
    }
}
