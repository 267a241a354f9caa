//! Why the classifier kept a block it looked at, in words, for `thresh explain`.
//!
//! In: the same inputs as [`super::classify`], with `reasons` as they stood before it ran.
//! Out: per block, a sentence when the classifier came close to removing it (a block that is
//! not good prose by its own features, the article's title, or a block it would have removed
//! had it not backed off); `None` for blocks it did not look at, removed, or kept as plain
//! prose. It reads the same [`super::Analysis`] the classifier acts on, so it cannot disagree
//! with the decision.

use super::{analyse, removals, Analysis, Class, Zone};
use crate::decide::Reason;
use crate::features::{flag, DocFeatures};
use crate::fingerprint::DocFingerprint;

use super::ClassifierConfig;

/// For each block of `doc`, why the classifier kept it when it came close to removing it.
pub fn kept(
    doc: &DocFingerprint,
    feats: &DocFeatures,
    reasons: &[Option<Reason>],
    locked: &[bool],
    seen: &[bool],
    cfg: &ClassifierConfig,
) -> Vec<Option<String>> {
    let mut notes = vec![None; doc.blocks.len()];
    let Some(a) = analyse(doc, feats, reasons, seen, cfg) else {
        return notes;
    };
    let (removed, backs_off) = removals(&a, doc, feats, reasons, locked);
    for (k, &i) in a.keyed.iter().enumerate() {
        if reasons[i].is_some() || locked[i] {
            continue;
        }
        let would_remove = removed.iter().any(|&(r, _)| r == k);
        notes[i] = if would_remove && backs_off {
            Some(format!(
                "the classifier would remove it ({}) but backed off: on this page it would leave under {:.0}% of the words, so it removes nothing",
                against(&a, k),
                100.0 * a.t.backoff_share
            ))
        } else if would_remove {
            None
        } else {
            why_kept(&a, k, feats).map(|why| format!("kept by the classifier: {why}"))
        };
    }
    notes
}

/// The block's own reading, by its class: `short (18 characters, no sentence punctuation)`,
/// `near-good (129 characters, under the 140 of good prose; 46% stopwords, sentence
/// punctuation)`.
fn own_reading(a: &Analysis, k: usize, feats: &DocFeatures) -> String {
    let f = &feats.blocks[a.keyed[k]];
    let t = &a.t;
    let sentence = if f.has(flag::SENTENCE_END) || f.sentences > 0 {
        "sentence punctuation"
    } else {
        "no sentence punctuation"
    };
    let stopwords = if a.has_stoplist {
        format!("{:.0}% stopwords, ", 100.0 * f.stopword_density())
    } else {
        String::new()
    };
    match a.before[k] {
        Class::Short => format!(
            "short ({} characters, under {}; {sentence})",
            f.chars, t.short_chars
        ),
        Class::NearGood => format!(
            "near-good ({} characters{}; {stopwords}{sentence})",
            f.chars,
            if f.chars < t.good_chars {
                format!(", under the {} of good prose", t.good_chars)
            } else {
                String::new()
            }
        ),
        Class::Good => format!("good prose ({} characters; {stopwords}{sentence})", f.chars),
        Class::Bad => {
            let cues: Vec<&str> = a.block_cues[k]
                .to_vec()
                .iter()
                .map(|c| c.describe())
                .collect();
            format!("chrome-like ({})", cues.join(", "))
        }
    }
}

/// The cues that spoke against it and where it sits: `short, title case before the article`.
fn against(a: &Analysis, k: usize) -> String {
    super::describe(&a.block_cues[k].to_vec(), a.zone(k), a.run_len(k) as u32)
}

/// Why a block the classifier looked at stays, or `None` when it is plain prose.
fn why_kept(a: &Analysis, k: usize, feats: &DocFeatures) -> Option<String> {
    if Some(k) == a.title {
        return Some("the article's title (a headline-sized block just above its prose)".into());
    }
    if a.before[k] == Class::Good {
        return None;
    }
    let own = own_reading(a, k, feats);
    if a.class[k] == Class::Good {
        let how = match (a.before[k], a.by_neighbours[k]) {
            (Class::Short, true) => "between two prose blocks, so part of the text",
            (_, true) => "next to article prose, so prose",
            _ => "one of several near-good paragraphs in a row, so prose",
        };
        return Some(format!("{own}, {how}"));
    }
    let zone = match a.zone(k) {
        Zone::InArticle => {
            "inside the article only clear chrome goes (a call to action, a link line, a row of separators)"
        }
        Zone::BeforeArticle => {
            "before the article only a strong chrome cue removes a block (headlines, standfirsts and bylines there are often the article's)"
        }
        Zone::NoArticle => {
            "on a page without article prose only clear chrome goes (a call to action, a link line, a row of separators)"
        }
        Zone::AfterArticle => "after the article this strength removes only blocks with a chrome cue",
        Zone::Comments => "it sits in the comments",
    };
    Some(format!("{own}, but {zone}"))
}
