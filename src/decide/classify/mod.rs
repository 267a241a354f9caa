//! Classify: boilerplate that never repeats, found from each block's own text and its
//! neighbours, after the counting rules have spoken.
//!
//! In: a document's [`DocFingerprint`] with its [`DocFeatures`], the removals so far, the corpus
//! counts and a [`ClassifierConfig`]. Out: more removals, each a [`Reason::Classified`] naming the
//! [`Cue`]s that fired and where the block sits relative to the article.
//!
//! The method follows jusText, on text instead of HTML:
//! 1. clear cases first: every kept block gets a class from its own features: `Good` (long, with
//!    stopwords or sentences), `NearGood`, `Short`, or `Bad` (chrome cues: links, calls to
//!    action, separators, datelines). Blocks already removed by counting are `Bad` context;
//! 2. context: a short block takes the class of its neighbours when both agree (a short line
//!    between two paragraphs is dialogue; between two chrome lines it is chrome), a near-good
//!    block is good next to a good one;
//! 3. the article's main run is the heaviest stretch of good blocks not broken by `run_break`
//!    non-good blocks. Outside it the rules are strict (only good blocks stay, plus the
//!    title just above the run); inside it only blocks with strong chrome cues go;
//! 4. a document the classifier would nearly empty is left as counting decided: the classifier
//!    backs off and says so ([`Outcome::backed_off`]).

mod kept;

pub use kept::kept;

use serde::{Deserialize, Serialize};

use super::Reason;
use crate::features::{flag, BlockFeatures, DocFeatures};
use crate::fingerprint::DocFingerprint;

/// How hard the classifier works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    /// Counting only.
    Off,
    /// Outside the article, only chrome-like and short blocks go.
    Conservative,
    /// Outside the article, everything but good blocks and the title goes.
    #[default]
    Default,
    /// As default, with lower bars for chrome and higher ones for good blocks.
    Aggressive,
}

impl Strength {
    pub fn name(self) -> &'static str {
        match self {
            Strength::Off => "off",
            Strength::Conservative => "conservative",
            Strength::Default => "default",
            Strength::Aggressive => "aggressive",
        }
    }
}

/// Settings of the classifier.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ClassifierConfig {
    pub strength: Strength,
    /// Keep the comment thread under an article (by default it goes, except at
    /// [`Strength::Conservative`]).
    #[serde(default)]
    pub keep_comments: bool,
}

/// The thresholds a strength stands for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// A block with fewer characters (whitespace excluded) is short.
    pub short_chars: u16,
    /// A good block has at least this many characters...
    pub good_chars: u16,
    /// ...and at least this stopword density (with a stoplist).
    pub good_stopwords: f64,
    /// A near-good block has at least this stopword density.
    pub near_stopwords: f64,
    /// This many non-good blocks in a row end the article's main run.
    pub run_break: usize,
    /// Whether near-good and short blocks outside the article go (conservative keeps them
    /// unless they carry a chrome cue).
    pub strict_outside: bool,
    /// Whether the strict rule also holds before the article (headlines, bylines and
    /// datelines there are often part of it); otherwise only blocks with chrome cues go.
    pub strict_before: bool,
    /// Inside the article, a chrome-like block goes when its run of non-prose blocks is at
    /// least this long (a headline list between the article and its comments).
    pub inside_run: usize,
    /// Back off when the classifier would leave less than this share of the words...
    pub backoff_share: f64,
    /// ...and fewer than this many words.
    pub backoff_words: u32,
    /// A comment thread is looked for below at least this many words of good prose (0: never).
    pub thread_article_words: u32,
}

impl Strength {
    /// The thresholds of each strength, chosen on two sets of real pages with human gold
    /// (docs/performance.md, "Quality"): with comment threads kept, the default keeps recall
    /// within 0.02 of counting alone on both.
    pub fn thresholds(self) -> Thresholds {
        let base = Thresholds {
            short_chars: 60,
            good_chars: 140,
            good_stopwords: 0.30,
            near_stopwords: 0.20,
            // Comments under an article are often separated from it by a few chrome lines
            // and are often wanted: by default the run spans first to last good block.
            run_break: usize::MAX,
            strict_outside: true,
            strict_before: false,
            inside_run: usize::MAX,
            backoff_share: 0.1,
            backoff_words: 100,
            thread_article_words: 50,
        };
        match self {
            Strength::Off | Strength::Default => base,
            Strength::Conservative => Thresholds {
                strict_outside: false,
                thread_article_words: 0,
                ..base
            },
            Strength::Aggressive => Thresholds {
                good_chars: 180,
                run_break: 5,
                strict_before: true,
                inside_run: 8,
                ..base
            },
        }
    }
}

/// A feature that fired for a removed block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cue {
    /// Under the short-block length.
    Short,
    /// No sentence punctuation.
    NoSentence,
    /// Few stopwords for its language.
    FewStopwords,
    /// Most words title-case.
    TitleCase,
    /// Several all-caps words.
    AllCaps,
    /// A date or time of day (datelines, bylines).
    Date,
    /// Mostly numbers.
    Numbers,
    /// Separators such as `|`, `»`, `•`.
    Separators,
    /// A URL or e-mail address.
    Link,
    /// A call to action ("read more", "share", "reply").
    CallToAction,
    /// Seen in other documents too, if not often enough for the counting rules.
    SeenElsewhere,
    /// Its neighbours are chrome.
    ChromeNeighbours,
}

impl Cue {
    pub fn describe(self) -> &'static str {
        match self {
            Cue::Short => "short",
            Cue::NoSentence => "no sentence punctuation",
            Cue::FewStopwords => "few stopwords",
            Cue::TitleCase => "title case",
            Cue::AllCaps => "all caps",
            Cue::Date => "date or time",
            Cue::Numbers => "mostly numbers",
            Cue::Separators => "separators",
            Cue::Link => "URL or e-mail",
            Cue::CallToAction => "call to action",
            Cue::SeenElsewhere => "seen in another document",
            Cue::ChromeNeighbours => "between chrome blocks",
        }
    }
}

/// Where a classified block sits relative to the article's main run of prose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Zone {
    BeforeArticle,
    InArticle,
    AfterArticle,
    /// In the comment thread under the article.
    Comments,
    /// The document has no run of prose at all.
    NoArticle,
}

impl Zone {
    pub fn describe(self) -> &'static str {
        match self {
            Zone::BeforeArticle => "before the article",
            Zone::InArticle => "inside the article",
            Zone::AfterArticle => "after the article",
            Zone::Comments => "in the comments under the article",
            Zone::NoArticle => "in a page without article prose",
        }
    }
}

/// Describe a classifier removal: "short, no sentence punctuation, in a run of 7 short lines
/// after the article".
pub fn describe(features: &[Cue], zone: Zone, run: u32) -> String {
    let cues: Vec<&str> = features.iter().map(|c| c.describe()).collect();
    let mut s = if cues.is_empty() && zone == Zone::Comments {
        "a comment's text".to_string()
    } else if cues.is_empty() {
        "not article prose".to_string()
    } else {
        cues.join(", ")
    };
    if run > 1 {
        s.push_str(&format!(", in a run of {run} non-prose blocks"));
    }
    s.push(' ');
    s.push_str(zone.describe());
    s
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Bad,
    Short,
    NearGood,
    Good,
}

/// What the classifier did to one document.
#[derive(Debug, Default)]
pub struct Outcome {
    /// It would have removed nearly everything and removed nothing instead.
    pub backed_off: bool,
}

/// A set of cues, in [`Cue`]'s order: one block's, held without an allocation (the classifier
/// reads every block of every document, and only the removed ones keep their cues).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Cues(u16);

impl Cues {
    const ALL: [Cue; 12] = [
        Cue::Short,
        Cue::NoSentence,
        Cue::FewStopwords,
        Cue::TitleCase,
        Cue::AllCaps,
        Cue::Date,
        Cue::Numbers,
        Cue::Separators,
        Cue::Link,
        Cue::CallToAction,
        Cue::SeenElsewhere,
        Cue::ChromeNeighbours,
    ];

    fn push(&mut self, cue: Cue) {
        self.0 |= 1 << cue as u16;
    }

    /// The cues, in [`Cue`]'s order.
    fn to_vec(self) -> Vec<Cue> {
        Self::ALL
            .iter()
            .copied()
            .filter(|&c| self.0 & (1 << c as u16) != 0)
            .collect()
    }
}

/// Cues of one block from its features alone, and whether they are strong enough to call it
/// chrome whatever its neighbours.
fn cues(
    f: &BlockFeatures,
    has_stoplist: bool,
    seen_elsewhere: bool,
    t: &Thresholds,
) -> (Cues, bool) {
    let mut cues = Cues::default();
    let sentence = f.has(flag::SENTENCE_END) || f.sentences > 0;
    if f.chars < t.short_chars {
        cues.push(Cue::Short);
    }
    if !sentence {
        cues.push(Cue::NoSentence);
    }
    if has_stoplist && f.words >= 3 && f.stopword_density() < t.near_stopwords {
        cues.push(Cue::FewStopwords);
    }
    if f.words >= 3 && f.title_share() > 0.6 {
        cues.push(Cue::TitleCase);
    }
    if f.caps_words >= 2 && u32::from(f.caps_words) * 2 >= u32::from(f.words) {
        cues.push(Cue::AllCaps);
    }
    let date = f.has(flag::DATE) || f.has(flag::TIME);
    if date {
        cues.push(Cue::Date);
    }
    if f.words > 0 && u32::from(f.numbers) * 2 > u32::from(f.words) {
        cues.push(Cue::Numbers);
    }
    if f.separators >= 2 || (f.separators >= 1 && f.words <= 6) {
        cues.push(Cue::Separators);
    }
    if f.links > 0 {
        cues.push(Cue::Link);
    }
    if f.has(flag::CALL_TO_ACTION) {
        cues.push(Cue::CallToAction);
    }
    if seen_elsewhere {
        cues.push(Cue::SeenElsewhere);
    }
    let short = f.words <= 12;
    let strong = (f.links > 0 && f.words <= 15)
        || f.has(flag::CALL_TO_ACTION)
        || (f.separators >= 2 && !sentence)
        || (date && short && !sentence)
        || (seen_elsewhere && short);
    (cues, strong)
}

/// Chrome whatever its place: a call to action, a link line, a row of separators. Dates and
/// names are not: inside an article (and in its comments) they are part of the text.
fn clear_chrome(f: &BlockFeatures) -> bool {
    let sentence = f.has(flag::SENTENCE_END) || f.sentences > 0;
    f.has(flag::CALL_TO_ACTION)
        || (f.links > 0 && f.words <= 15)
        || (f.separators >= 2 && !sentence)
}

/// A commenter's byline or a comment's furniture: short, and dated or with a commenter's verb
/// ("Ann says:", "Posted by: Ann | May 3, 2012 at 10:11 AM", "Reply").
fn comment_byline(f: &BlockFeatures) -> bool {
    let dated = f.has(flag::DATE) || f.has(flag::TIME);
    let sentence = f.has(flag::SENTENCE_END);
    f.words <= 20
        && ((f.has(flag::COMMENT_MARK) && (dated || !sentence))
            || (dated && !sentence && f.words <= 15))
}

/// Where the comment thread under the article starts, as an index into `keyed`, looked for
/// below at least `article_words` words of good prose:
/// - a comments heading ("37 comments", "Comments (87)") with a [`chain`] of commenters'
///   bylines below it, the first at most [`THREAD_FIRST_BYLINE`] blocks down: three bylines,
///   or two when one has a commenter's verb or a time of day (a dated list under a heading
///   that mentions comments is not a thread);
/// - without a heading, the first of a chain of commenters' bylines with a commenter's verb or
///   furniture ("Ann says:", "Posted by: Ann | ...", "Reply"), each at most
///   [`THREAD_BYLINE_GAP`] blocks below the last.
///
/// An article that mentions comments, or a dated list inside it, has neither shape.
fn comment_thread(
    keyed: &[usize],
    feats: &DocFeatures,
    class: &[Class],
    article_words: u32,
) -> Option<usize> {
    if article_words == 0 {
        return None;
    }
    let n = keyed.len();
    let f = |k: usize| &feats.blocks[keyed[k]];
    let byline = |k: usize| comment_byline(f(k));
    // A byline with a commenter's verb or a time of day; dated lines alone could be a list.
    let clear = |k: usize| f(k).has(flag::COMMENT_MARK) || f(k).has(flag::TIME);
    let marked = |k: usize| byline(k) && f(k).has(flag::COMMENT_MARK);
    let mut good_words = 0u32;
    for (k, &c) in class.iter().enumerate() {
        if c == Class::Good {
            good_words += u32::from(f(k).words);
            continue;
        }
        if good_words < article_words {
            continue;
        }
        if f(k).has(flag::COMMENTS_HEADING) {
            let below = chain(k, n, THREAD_FIRST_BYLINE, &byline);
            let enough = below.len() == 3 || (below.len() == 2 && below.iter().any(|&j| clear(j)));
            if enough {
                return Some(k);
            }
        }
        if marked(k) && 1 + chain(k, n, THREAD_BYLINE_GAP, &marked).len() >= THREAD_CHAIN {
            return Some(k);
        }
    }
    None
}

/// Up to three blocks below `start` (and above `end`) that pass `test`, each at most
/// `first_gap` (the first) or [`THREAD_BYLINE_GAP`] (the others) blocks below the one before:
/// the bylines of a thread come at a comment's length from each other.
fn chain(start: usize, end: usize, first_gap: usize, test: &impl Fn(usize) -> bool) -> Vec<usize> {
    let mut found: Vec<usize> = Vec::with_capacity(3);
    let mut last = start;
    let mut gap = first_gap;
    let mut j = start + 1;
    while found.len() < 3 && j < end && j <= last + gap {
        if test(j) {
            found.push(j);
            last = j;
            gap = THREAD_BYLINE_GAP;
        }
        j += 1;
    }
    found
}

/// A thread without a heading is a chain of at least this many commenters' bylines...
const THREAD_CHAIN: usize = 3;

/// ...each at most this many blocks below the one before.
const THREAD_BYLINE_GAP: usize = 12;

/// The first commenter's byline sits at most this many blocks below the thread's heading
/// (sort order, paging and form lines may come between).
const THREAD_FIRST_BYLINE: usize = 8;

/// The class of a block from its own features.
fn initial_class(f: &BlockFeatures, has_stoplist: bool, strong: bool, t: &Thresholds) -> Class {
    let sentence = f.has(flag::SENTENCE_END) || f.sentences > 0;
    if strong {
        return Class::Bad;
    }
    if f.chars < t.short_chars {
        return Class::Short;
    }
    let density = f.stopword_density();
    let title_heavy = f.words >= 3 && f.title_share() > 0.6;
    if has_stoplist {
        if density >= t.good_stopwords && f.chars >= t.good_chars && !title_heavy {
            Class::Good
        } else if density >= t.near_stopwords || (sentence && !title_heavy) {
            // Sentences full of names and numbers have few stopwords and are still prose.
            Class::NearGood
        } else {
            Class::Bad
        }
    } else if sentence && f.chars >= t.good_chars && !title_heavy {
        Class::Good
    } else if sentence {
        Class::NearGood
    } else {
        Class::Bad
    }
}

/// Several near-good paragraphs in a row, with only short sentences between them, are prose
/// even where none is long enough to be good on its own (an article of short paragraphs, an
/// introduction under a photo caption): they become good. Headline lists do not form such runs:
/// their titles end without a sentence.
fn promote_prose_runs(class: &mut [Class], before: &[Class], keyed: &[usize], feats: &DocFeatures) {
    let n = class.len();
    let f = |k: usize| &feats.blocks[keyed[k]];
    let prose: Vec<bool> = (0..n)
        .map(|k| {
            class[k] == Class::NearGood
                || (before[k] == Class::Short
                    && class[k] == Class::Short
                    && f(k).has(flag::SENTENCE_END))
        })
        .collect();
    let mut a = 0;
    while a < n {
        if !prose[a] {
            a += 1;
            continue;
        }
        let mut b = a;
        while b + 1 < n && prose[b + 1] {
            b += 1;
        }
        let near = (a..=b).filter(|&k| class[k] == Class::NearGood).count();
        let words: u32 = (a..=b).map(|k| u32::from(f(k).words)).sum();
        if near >= PROSE_RUN_BLOCKS && words >= PROSE_RUN_WORDS {
            for c in &mut class[a..=b] {
                *c = Class::Good;
            }
        }
        a = b + 1;
    }
}

/// A run of near-good paragraphs is prose with at least this many of them...
const PROSE_RUN_BLOCKS: usize = 3;

/// ...and this many words.
const PROSE_RUN_WORDS: u32 = 60;

/// For every block, the class of the nearest block on each side that `skip` does not pass
/// over; the page's edges count as chrome. Linear, so a page of ten thousand short lines costs
/// no more than it should.
fn nearest(classes: &[Class], skip: impl Fn(Class) -> bool) -> (Vec<Class>, Vec<Class>) {
    let n = classes.len();
    let (mut left, mut right) = (vec![Class::Bad; n], vec![Class::Bad; n]);
    let mut last = Class::Bad;
    for k in 0..n {
        left[k] = last;
        if !skip(classes[k]) {
            last = classes[k];
        }
    }
    last = Class::Bad;
    for k in (0..n).rev() {
        right[k] = last;
        if !skip(classes[k]) {
            last = classes[k];
        }
    }
    (left, right)
}

/// What the classifier concluded about a document's keyed blocks, before removing any: the
/// reading [`classify`] acts on and [`kept`] puts into words.
struct Analysis {
    t: Thresholds,
    has_stoplist: bool,
    /// Indexes of the blocks looked at (keyed, not a later copy of an earlier block).
    keyed: Vec<usize>,
    block_cues: Vec<Cues>,
    strong: Vec<bool>,
    /// Each block's class from its own features, and after context.
    before: Vec<Class>,
    class: Vec<Class>,
    chrome_neighbours: Vec<bool>,
    /// Made good by its neighbours (a short line between prose, a near-good block beside it).
    by_neighbours: Vec<bool>,
    /// Where the comment thread starts (in `keyed` positions); `keyed.len()` without one.
    article_end: usize,
    /// The article's main run of good blocks, as (first, last, weight).
    best: Option<(usize, usize, u64)>,
    title: Option<usize>,
    /// Each block's run of consecutive non-good blocks, as (first, last).
    runs: Vec<(usize, usize)>,
}

impl Analysis {
    fn run_len(&self, k: usize) -> usize {
        self.runs[k].1 - self.runs[k].0 + 1
    }

    fn zone(&self, k: usize) -> Zone {
        match self.best {
            _ if k >= self.article_end => Zone::Comments,
            None => Zone::NoArticle,
            Some((s, _, _)) if k < s => Zone::BeforeArticle,
            Some((_, e, _)) if k > e => Zone::AfterArticle,
            Some(_) => Zone::InArticle,
        }
    }

    /// Whether the block at `k` goes, by its class and zone.
    fn removes(&self, k: usize, feats: &DocFeatures) -> bool {
        let t = &self.t;
        let f = &feats.blocks[self.keyed[k]];
        match self.zone(k) {
            Zone::Comments => true,
            // Careful inside the article and where there is none: only clear chrome goes.
            // Without an article there is no telling a headline list from a short text.
            Zone::NoArticle => self.class[k] == Class::Bad && clear_chrome(f),
            Zone::InArticle => {
                self.class[k] == Class::Bad
                    && (clear_chrome(f)
                        || (self.run_len(k) >= t.inside_run && !f.has(flag::SENTENCE_END)))
            }
            Zone::BeforeArticle if !t.strict_before => {
                self.strong[k] && self.class[k] == Class::Bad
            }
            Zone::BeforeArticle | Zone::AfterArticle => {
                if t.strict_outside {
                    self.class[k] != Class::Good
                } else {
                    self.class[k] == Class::Bad
                }
            }
        }
    }
}

/// Classes, context, the comment thread, the article's main run and its title, for the blocks
/// counting kept; `None` when the classifier is off or has nothing to look at.
fn analyse(
    doc: &DocFingerprint,
    feats: &DocFeatures,
    reasons: &[Option<Reason>],
    seen: &[bool],
    cfg: &ClassifierConfig,
) -> Option<Analysis> {
    if cfg.strength == Strength::Off || feats.blocks.len() != doc.blocks.len() {
        return None;
    }
    let t = cfg.strength.thresholds();
    let has_stoplist = feats.stoplist.is_some();
    // Keyed blocks only: separators are settled later by the orphan-separator rule. A later
    // copy of a block of this document (a repeated caption) says nothing about where the
    // article ends, so it is no context either.
    let keyed: Vec<usize> = (0..doc.blocks.len())
        .filter(|&i| {
            doc.blocks[i].key().is_some()
                && !matches!(reasons[i], Some(Reason::RepeatedInDocument { .. }))
        })
        .collect();
    if keyed.is_empty() {
        return None;
    }
    let n = keyed.len();
    let mut block_cues: Vec<Cues> = Vec::with_capacity(n);
    let mut strong = vec![false; n];
    let mut class: Vec<Class> = Vec::with_capacity(n);
    for (k, &i) in keyed.iter().enumerate() {
        let f = &feats.blocks[i];
        let (c, s) = cues(f, has_stoplist, seen.get(i).copied().unwrap_or(false), &t);
        strong[k] = s;
        class.push(if reasons[i].is_some() {
            Class::Bad
        } else {
            initial_class(f, has_stoplist, s, &t)
        });
        block_cues.push(c);
    }

    // Context, jusText order: short blocks first, then near-good ones. Neighbours are looked
    // up in the classes before this step; the page's edges count as chrome.
    let before = class.clone();
    let mut chrome_neighbours = vec![false; n];
    let mut by_neighbours = vec![false; n];
    let (left, right) = nearest(&before, |c| c == Class::Short);
    for k in 0..n {
        if before[k] != Class::Short {
            continue;
        }
        class[k] = match (left[k], right[k]) {
            (Class::Good, Class::Good) => {
                by_neighbours[k] = true;
                Class::Good
            }
            (Class::Bad, Class::Bad) => {
                chrome_neighbours[k] = true;
                Class::Bad
            }
            // Mixed: settled by where it lies relative to the article.
            _ => Class::Short,
        };
    }
    let (left, right) = nearest(&before, |c| matches!(c, Class::Short | Class::NearGood));
    for k in 0..n {
        if before[k] == Class::NearGood && (left[k] == Class::Good || right[k] == Class::Good) {
            class[k] = Class::Good;
            by_neighbours[k] = true;
        }
    }
    promote_prose_runs(&mut class, &before, &keyed, feats);

    // The comment thread, when there is one, ends the article: the main run is looked for
    // above it, and everything from the thread's start down goes.
    let thread = if cfg.keep_comments {
        None
    } else {
        comment_thread(&keyed, feats, &class, t.thread_article_words)
    };
    let article_end = thread.unwrap_or(n);

    // The main run: the heaviest stretch of good blocks with fewer than `run_break` non-good
    // blocks between consecutive ones.
    let mut best: Option<(usize, usize, u64)> = None;
    let mut k = 0;
    while k < article_end {
        if class[k] != Class::Good {
            k += 1;
            continue;
        }
        let (start, mut end, mut weight) = (k, k, 0u64);
        let mut gap = 0;
        let mut j = k;
        while j < article_end {
            if class[j] == Class::Good {
                end = j;
                gap = 0;
                weight += u64::from(feats.blocks[keyed[j]].chars);
            } else {
                gap += 1;
                if gap >= t.run_break {
                    break;
                }
            }
            j += 1;
        }
        if best.is_none_or(|(_, _, w)| weight > w) {
            best = Some((start, end, weight));
        }
        k = end + 1;
    }

    // The title: the nearest kept block above the run that is not chrome (a byline or a
    // dateline may sit between them), when it is headline-sized.
    let title = best.and_then(|(start, _, _)| {
        (start.saturating_sub(3)..start)
            .rev()
            .find(|&j| reasons[keyed[j]].is_none() && !strong[j])
            .filter(|&j| feats.blocks[keyed[j]].words <= 25)
    });

    // Each block's run of consecutive non-good blocks, as (first, last).
    let mut runs = vec![(0usize, 0usize); n];
    let mut a = 0;
    while a < n {
        let mut b = a;
        if class[a] != Class::Good {
            while b + 1 < n && class[b + 1] != Class::Good {
                b += 1;
            }
        }
        for r in &mut runs[a..=b] {
            *r = (a, b);
        }
        a = b + 1;
    }
    Some(Analysis {
        t,
        has_stoplist,
        keyed,
        block_cues,
        strong,
        before,
        class,
        chrome_neighbours,
        by_neighbours,
        article_end,
        best,
        title,
        runs,
    })
}

/// The blocks the classifier removes, each with its zone, and whether it backs off instead
/// (it would leave almost nothing).
fn removals(
    a: &Analysis,
    doc: &DocFingerprint,
    feats: &DocFeatures,
    reasons: &[Option<Reason>],
    locked: &[bool],
) -> (Vec<(usize, Zone)>, bool) {
    let n = a.keyed.len();
    let mut removed: Vec<(usize, Zone)> = Vec::new();
    for k in 0..n {
        let i = a.keyed[k];
        if reasons[i].is_some() || locked[i] || Some(k) == a.title {
            continue;
        }
        if a.removes(k, feats) {
            removed.push((k, a.zone(k)));
        }
    }
    // Never empty an article: if almost nothing would be left, remove nothing.
    let words = |k: usize| u64::from(doc.blocks[a.keyed[k]].words);
    let kept_before: u64 = (0..n)
        .filter(|&k| reasons[a.keyed[k]].is_none())
        .map(words)
        .sum();
    let taken: u64 = removed.iter().map(|&(k, _)| words(k)).sum();
    let left = kept_before - taken.min(kept_before);
    let backs_off = !removed.is_empty()
        && ((left as f64) < a.t.backoff_share * kept_before as f64 || left == 0)
        && left < u64::from(a.t.backoff_words);
    (removed, backs_off)
}

/// Run the classifier over the blocks counting kept. `reasons` is updated in place; `seen`
/// says, per block, whether another document holds it too.
pub fn classify(
    doc: &DocFingerprint,
    feats: &DocFeatures,
    reasons: &mut [Option<Reason>],
    locked: &[bool],
    seen: &[bool],
    cfg: &ClassifierConfig,
) -> Outcome {
    let mut outcome = Outcome::default();
    let Some(a) = analyse(doc, feats, reasons, seen, cfg) else {
        return outcome;
    };
    let (removed, backs_off) = removals(&a, doc, feats, reasons, locked);
    if backs_off {
        outcome.backed_off = true;
        return outcome;
    }
    for (k, zone) in removed {
        let mut cues = a.block_cues[k];
        if a.chrome_neighbours[k] {
            cues.push(Cue::ChromeNeighbours);
        }
        let features = cues.to_vec();
        reasons[a.keyed[k]] = Some(Reason::Classified {
            features,
            zone,
            run: a.run_len(k) as u32,
        });
    }
    outcome
}

#[cfg(test)]
mod tests;
