//! Decide: pure functions from fingerprints and frozen counts to keep/drop decisions.
//!
//! In: a document's [`DocFingerprint`], its site, the user's pattern hits, the [`CorpusCounts`]
//! and a [`DecideConfig`]. Out: the removed blocks, each with a [`Reason`], and the document's
//! [`Fate`]. Nothing here reads files or depends on scheduling: the same inputs give the same
//! decisions, which is what makes the output identical for any thread count.
//!
//! Rules, in order, for each block:
//! 1. a keep pattern matches → kept, whatever the statistics say;
//! 2. a drop pattern matches → removed ([`Reason::DropPattern`]);
//! 3. its key occurs in at least `min_docs` documents, or in at least `min_site_share` of the
//!    documents of its site (sites with at least `min_site_docs` documents, and at least two
//!    documents holding it) → every copy removed ([`Reason::Boilerplate`]);
//! 4. otherwise, at least `variant_cover` of its sampled shingles are template shingles of
//!    its site → removed as a variant of a template ([`Reason::NearBoilerplate`], see
//!    [`variants`]);
//! 5. position: a block removed by 3 or 4 inside the article (between its first and last
//!    kept block of at least `body_words` words) must pass the same rule with every threshold
//!    multiplied by `body_evidence`, unless it sits in one run with such a block; at the
//!    document's edges the plain thresholds suffice. The [`Placement`] is recorded;
//! 6. an earlier block of the same document has the same key, and the block has at least
//!    `min_repeat_words` words → removed, the first copy stays ([`Reason::RepeatedInDocument`]);
//! 7. a run of at least `min_enclosed_run` kept blocks, each under `max_enclosed_words` words,
//!    with removed blocks on both sides → removed ([`Reason::Enclosed`]): the page-specific
//!    items of a menu or link list between template lines. Never empties a document by itself;
//! 8. the block classifier ([`classify`], `--classifier`): kept blocks that read like chrome by
//!    their own text and their neighbours, strict outside the article's main run of prose and
//!    careful inside it ([`Reason::Classified`]); it backs off rather than nearly empty a page;
//! 9. a block without letters or digits (`|`, `* * *`) goes when the nearest blocks with content
//!    on both sides are gone (or it sits at the document's edge), so removals leave no orphaned
//!    separators ([`Reason::Separator`]).
//!
//! A document with no content block left is [`Fate::Emptied`]. Whole-document duplicates are
//! found by [`duplicates::first_copies`] before counting.

pub mod classify;
pub mod duplicates;
pub mod near_dup;
pub mod patterns;
pub mod variants;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::count::{CorpusCounts, KeyStats, SiteId};
use crate::fingerprint::{DocFingerprint, Key};
pub use classify::{ClassifierConfig, Cue, Strength, Zone};
pub use patterns::{PatternHit, Patterns};

/// Thresholds of the block rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecideConfig {
    /// A key in at least this many distinct documents (any sites) is boilerplate.
    pub min_docs: u32,
    /// A key in at least this share of its site's documents is boilerplate...
    pub min_site_share: f64,
    /// ...when the site has at least this many documents.
    pub min_site_docs: u32,
    /// In-document repeats shorter than this many words are kept (a repeated "Yes" in a table).
    pub min_repeat_words: u32,
    /// Whether documents have sites at all; without them the site-share rule is off.
    pub use_sites: bool,
    /// A run of kept blocks, each shorter than this many words, with removed boilerplate on
    /// both sides, is removed too (menus and link lists around chrome). 0 turns this off.
    pub max_enclosed_words: u32,
    /// ...when the run holds at least this many blocks: a lone short paragraph between two
    /// advertisement markers is article text, a list of short lines is a menu.
    pub min_enclosed_run: u32,
    /// A block whose exact key is not frequent is a template variant when at least this share
    /// of its sampled shingles is frequent by the same thresholds. 0 turns this off.
    #[serde(default)]
    pub variant_cover: f64,
    /// ...where a shingle counts only if it is at least this many times as common in the site
    /// as in the rest of the corpus (templates are; ordinary phrases are not).
    #[serde(default = "one")]
    pub variant_lift: f64,
    /// Inside the article body, removal needs every threshold multiplied by this factor
    /// (unless a block in the same run has that evidence). 1 turns the position rule off.
    #[serde(default = "one")]
    pub body_evidence: f64,
    /// A kept block of at least this many words is article prose: the body runs from the
    /// first such block to the last.
    #[serde(default)]
    pub body_words: u32,
    /// The block classifier for boilerplate that does not repeat.
    #[serde(default)]
    pub classifier: ClassifierConfig,
}

impl DecideConfig {
    /// Whether template variants are matched at all: they need a share and sites to compare.
    pub fn matches_variants(&self) -> bool {
        self.variant_cover > 0.0 && self.use_sites
    }
}

fn one() -> f64 {
    1.0
}

impl Default for DecideConfig {
    fn default() -> Self {
        DecideConfig {
            min_docs: 5,
            min_site_share: 0.05,
            min_site_docs: 2,
            min_repeat_words: 4,
            use_sites: true,
            max_enclosed_words: 20,
            min_enclosed_run: 3,
            variant_cover: 0.6,
            variant_lift: 3.0,
            body_evidence: 3.0,
            body_words: 15,
            classifier: ClassifierConfig::default(),
        }
    }
}

/// Which boilerplate threshold fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BoilerplateRule {
    /// `documents >= min_docs`.
    MinDocs,
    /// `site_documents / site_size >= min_site_share`.
    SiteShare,
}

/// Where a statistically removed block sits, which decides the evidence it needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    /// Before the article's first prose block or after its last: plain thresholds.
    Edge,
    /// Inside the article, in one run with a block that has body evidence.
    Run,
    /// Inside the article, with body evidence of its own.
    Body,
}

/// The most frequent block sharing a template variant's shingles: what it was matched to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NearMatch {
    /// Run index of a document holding it.
    pub document: u32,
    /// Its block index there.
    pub block: u32,
    /// Distinct documents holding the near-match's exact text.
    pub documents: u32,
}

/// Why a block was removed. One enum for the report, the cleaned output and the library API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reason {
    /// The block recurs across documents: site chrome, not content.
    Boilerplate {
        rule: BoilerplateRule,
        /// Distinct documents holding the block (duplicates not counted).
        documents: u32,
        /// Distinct sites holding it.
        sites: u32,
        /// Documents of this document's site holding it.
        site_documents: u32,
        /// Documents of this document's site.
        site_size: u32,
        placement: Placement,
    },
    /// The block's exact text is rare, but most of its sampled shingles are frequent: a
    /// variant of a template (a changed count, name or date). Counts are the smallest among
    /// the frequent shingles.
    NearBoilerplate {
        rule: BoilerplateRule,
        /// Sampled shingles that are frequent, of `sampled`.
        covered: u32,
        sampled: u32,
        documents: u32,
        sites: u32,
        site_documents: u32,
        site_size: u32,
        placement: Placement,
        /// The smallest frequent shingle hash: variants of one template share it.
        anchor: u64,
        /// The most frequent block of another document sharing the anchor, when found.
        near_match: Option<NearMatch>,
    },
    /// A later copy of a block already present earlier in the same document.
    RepeatedInDocument {
        /// Byte offset of the first copy, which is kept.
        first_copy_start: u32,
        /// How many times the block occurs in the document.
        copies: u32,
    },
    /// A `--drop-pattern` matched (index into the configured drop patterns).
    DropPattern { pattern: u32 },
    /// A block without letters or digits left between removed blocks.
    Separator,
    /// A short block in a run enclosed by removed boilerplate.
    Enclosed,
    /// The block classifier: the block reads like chrome by its own features and context.
    Classified {
        /// The features that fired.
        features: Vec<Cue>,
        /// Where the block sits relative to the article's main run of prose.
        zone: Zone,
        /// Blocks in its run of non-prose blocks (itself included).
        run: u32,
    },
}

impl Reason {
    /// Short name used in summaries and per-reason totals.
    pub fn kind(&self) -> ReasonKind {
        match self {
            Reason::Boilerplate { .. } => ReasonKind::Boilerplate,
            Reason::NearBoilerplate { .. } => ReasonKind::NearBoilerplate,
            Reason::RepeatedInDocument { .. } => ReasonKind::RepeatedInDocument,
            Reason::DropPattern { .. } => ReasonKind::DropPattern,
            Reason::Separator => ReasonKind::Separator,
            Reason::Enclosed => ReasonKind::Enclosed,
            Reason::Classified { .. } => ReasonKind::Classified,
        }
    }
}

/// The reason's variant without its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonKind {
    Boilerplate,
    NearBoilerplate,
    RepeatedInDocument,
    DropPattern,
    Separator,
    Enclosed,
    Classified,
}

impl ReasonKind {
    pub const ALL: [ReasonKind; 7] = [
        ReasonKind::Boilerplate,
        ReasonKind::NearBoilerplate,
        ReasonKind::RepeatedInDocument,
        ReasonKind::Enclosed,
        ReasonKind::Classified,
        ReasonKind::DropPattern,
        ReasonKind::Separator,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ReasonKind::Boilerplate => "boilerplate",
            ReasonKind::NearBoilerplate => "template variant",
            ReasonKind::RepeatedInDocument => "repeated in document",
            ReasonKind::DropPattern => "drop pattern",
            ReasonKind::Separator => "separator",
            ReasonKind::Enclosed => "enclosed by boilerplate",
            ReasonKind::Classified => "classified",
        }
    }
}

/// One removed block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Removal {
    /// Index of the block in the document's segmentation.
    pub block: u32,
    pub reason: Reason,
}

/// What happens to a whole document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "fate", rename_all = "snake_case")]
pub enum Fate {
    /// Cleaned text is written.
    Written,
    /// Every content block was removed; nothing is written.
    Emptied,
    /// Identical after normalisation to an earlier document (index in run order); not written.
    Duplicate { of: usize },
    /// Near-duplicate of the written document `of`, compared on what the run keeps of each:
    /// estimated Jaccard similarity of their word 4-gram sets and share of this document found
    /// in `of`, in basis points, and why `of` is the copy written; not written.
    NearDuplicate {
        of: usize,
        similarity_bp: u16,
        #[serde(default)]
        contained_bp: u16,
        #[serde(default = "near_dup::kept_first")]
        kept: near_dup::KeptBecause,
    },
    /// The input had no content at all (empty or only whitespace/punctuation); not written.
    NoContent,
}

/// The decisions about one document.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub fate: Fate,
    pub removals: Vec<Removal>,
    /// The classifier would have removed nearly everything and removed nothing instead.
    pub classifier_backed_off: bool,
}

/// Decide every block of one (non-duplicate) document.
pub fn decide_blocks(
    doc: &DocFingerprint,
    site: SiteId,
    hits: &[(u32, PatternHit)],
    counts: &CorpusCounts,
    cfg: &DecideConfig,
) -> (Fate, Vec<Removal>) {
    let d = decide_document(doc, site, hits, counts, cfg);
    (d.fate, d.removals)
}

/// Decide every block of one (non-duplicate) document, and say whether the classifier backed off.
pub fn decide_document(
    doc: &DocFingerprint,
    site: SiteId,
    hits: &[(u32, PatternHit)],
    counts: &CorpusCounts,
    cfg: &DecideConfig,
) -> Decision {
    decide_for(doc, site, hits, counts, cfg, View::Output)
}

/// Which blocks of a document are its article text, for its near-duplicate signature: the
/// blocks the rules keep when recurrence counts as chrome only where it is chrome, that is
/// concentrated in the document's own site ([`near_dup::is_template`]). Counted before
/// near-duplicates are known, a story's own copies make its paragraphs recur: in several sites
/// (syndication) or in a handful of documents of one site (recrawls); left out of the
/// signature, they would hide exactly the copies the signature is for. Every other rule
/// (repeats, enclosed runs, the classifier, patterns) applies as for the output.
pub fn article_blocks(
    doc: &DocFingerprint,
    site: SiteId,
    hits: &[(u32, PatternHit)],
    counts: &CorpusCounts,
    cfg: &DecideConfig,
) -> Vec<bool> {
    if doc.content.is_none() {
        return vec![false; doc.blocks.len()];
    }
    let (reasons, _) = reasons_for(doc, site, hits, counts, cfg, View::Signature);
    doc.blocks
        .iter()
        .zip(reasons)
        .map(|(b, r)| b.key().is_some() && r.is_none())
        .collect()
}

/// What a decision is for: the cleaned output, or the signature of a document's article text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    Output,
    Signature,
}

fn decide_for(
    doc: &DocFingerprint,
    site: SiteId,
    hits: &[(u32, PatternHit)],
    counts: &CorpusCounts,
    cfg: &DecideConfig,
    view: View,
) -> Decision {
    if doc.content.is_none() {
        return Decision {
            fate: Fate::NoContent,
            removals: Vec::new(),
            classifier_backed_off: false,
        };
    }
    let (reasons, classifier_backed_off) = reasons_for(doc, site, hits, counts, cfg, view);
    let any_content_kept = doc
        .blocks
        .iter()
        .zip(&reasons)
        .any(|(b, r)| b.key().is_some() && r.is_none());
    let removals = reasons
        .into_iter()
        .enumerate()
        .filter_map(|(i, r)| {
            r.map(|reason| Removal {
                block: i as u32,
                reason,
            })
        })
        .collect();
    let fate = if any_content_kept {
        Fate::Written
    } else {
        Fate::Emptied
    };
    Decision {
        fate,
        removals,
        classifier_backed_off,
    }
}

/// Every block's reason to go (`None`: kept) by the rules in order, and whether the
/// classifier backed off.
fn reasons_for(
    doc: &DocFingerprint,
    site: SiteId,
    hits: &[(u32, PatternHit)],
    counts: &CorpusCounts,
    cfg: &DecideConfig,
    view: View,
) -> (Vec<Option<Reason>>, bool) {
    let n = doc.blocks.len();
    let mut reasons: Vec<Option<Reason>> = vec![None; n];
    // Whether a removal holds anywhere in the document, the body included.
    let mut body_evidence = vec![false; n];
    let mut kept_by_pattern = vec![false; n];
    for &(block, hit) in hits {
        let b = block as usize;
        match hit {
            PatternHit::Keep => kept_by_pattern[b] = true,
            PatternHit::Drop(pattern) => {
                reasons[b] = Some(Reason::DropPattern { pattern });
                body_evidence[b] = true;
            }
        }
    }

    // Each block's counts, looked up once for every rule that reads them.
    let site_size = counts.blocks.site_size(site);
    let held: Vec<Held> = doc
        .blocks
        .iter()
        .map(|b| match b.key() {
            Some(key) => {
                let stats = counts.blocks.stats(key);
                // Most article lines are held once: then no site holds them twice either.
                let site_documents = if stats.docs >= 2 {
                    counts.blocks.site_docs(key, site)
                } else {
                    1
                };
                Held {
                    stats,
                    site_documents,
                }
            }
            None => Held::default(),
        })
        .collect();

    // Keys are uniform hashes already: a fast fixed hasher is enough (and no SipHash per block).
    let mut copies: HashMap<Key, (u32, u32), foldhash::fast::FixedState> =
        HashMap::with_capacity_and_hasher(n, foldhash::fast::FixedState::default());
    for block in &doc.blocks {
        if let Some(key) = block.key() {
            copies.entry(key).or_insert((block.start, 0)).1 += 1;
        }
    }

    for (i, block) in doc.blocks.iter().enumerate() {
        if block.key().is_none() || kept_by_pattern[i] || reasons[i].is_some() {
            continue;
        }
        let words = block.words;
        let found = match view {
            View::Output => boilerplate(held[i], site_size, cfg).or_else(|| {
                variants::near_boilerplate(doc.block_shingles(i), site, &counts.shingles, cfg)
            }),
            View::Signature => site_chrome(held[i], words, site_size, cfg).or_else(|| {
                // A long block's shingles recur wherever its paragraph does: only short
                // blocks are matched as variants of the site's template here.
                (words < near_dup::PROSE_WORDS)
                    .then(|| {
                        variants::near_boilerplate(
                            doc.block_shingles(i),
                            site,
                            &counts.shingles,
                            cfg,
                        )
                    })
                    .flatten()
            }),
        };
        if let Some((reason, strong)) = found {
            reasons[i] = Some(reason);
            body_evidence[i] = strong;
        }
    }
    match view {
        View::Output => keep_shared_prose_runs(doc, &mut reasons, site_size),
        View::Signature => mark_shared_runs(doc, &mut reasons, &held, site_size),
    }
    apply_position(doc, &mut reasons, &body_evidence, cfg);

    for (i, block) in doc.blocks.iter().enumerate() {
        let Some(key) = block.key() else { continue };
        if kept_by_pattern[i] || reasons[i].is_some() {
            continue;
        }
        let (first_start, n_copies) = copies.get(&key).copied().unwrap_or((block.start, 1));
        if first_start != block.start && block.words >= cfg.min_repeat_words {
            reasons[i] = Some(Reason::RepeatedInDocument {
                first_copy_start: first_start,
                copies: n_copies,
            });
        }
    }

    if cfg.max_enclosed_words > 0 {
        mark_enclosed_runs(doc, &mut reasons, &kept_by_pattern, cfg);
    }
    let seen: Vec<bool> = held.iter().map(|h| h.stats.docs >= 2).collect();
    let classified = match &doc.features {
        Some(feats) => classify::classify(
            doc,
            feats,
            &mut reasons,
            &kept_by_pattern,
            &seen,
            &cfg.classifier,
        ),
        None => classify::Outcome::default(),
    };
    // Separators have no words: a signature never reads them.
    if view == View::Output {
        mark_orphan_separators(doc, &mut reasons, &kept_by_pattern);
    }
    (reasons, classified.backed_off)
}

/// A block's counts: in the corpus, and in the document's own site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Held {
    stats: KeyStats,
    site_documents: u32,
}

impl Default for Held {
    /// What a block without a key, or held by its own document alone, reads.
    fn default() -> Self {
        Held {
            stats: KeyStats { docs: 1, sites: 1 },
            site_documents: 1,
        }
    }
}

/// Rule 3: the block's exact key is frequent. Also says whether it has body evidence.
fn boilerplate(held: Held, site_size: u32, cfg: &DecideConfig) -> Option<(Reason, bool)> {
    let Held {
        stats,
        site_documents,
    } = held;
    let rule = frequent(stats, site_documents, site_size, cfg, 1.0)?;
    let strong = frequent(stats, site_documents, site_size, cfg, cfg.body_evidence).is_some();
    let reason = Reason::Boilerplate {
        rule,
        documents: stats.docs,
        sites: stats.sites,
        site_documents,
        site_size,
        placement: Placement::Edge,
    };
    Some((reason, strong))
}

/// Signature view of rule 3: the block is its site's chrome ([`near_dup::is_template`]).
fn site_chrome(
    held: Held,
    words: u32,
    site_size: u32,
    cfg: &DecideConfig,
) -> Option<(Reason, bool)> {
    let Held {
        stats,
        site_documents,
    } = held;
    if !near_dup::is_template(stats, site_documents, site_size, words, cfg) {
        return None;
    }
    let rule = if stats.docs >= cfg.min_docs {
        BoilerplateRule::MinDocs
    } else {
        BoilerplateRule::SiteShare
    };
    let reason = Reason::Boilerplate {
        rule,
        documents: stats.docs,
        sites: stats.sites,
        site_documents,
        site_size,
        placement: Placement::Edge,
    };
    // Chrome by the site's own evidence: it holds inside the body too.
    Some((reason, true))
}

/// Documents of one site that may hold copies of one story. Article paragraphs shared by no
/// more than this many documents of a site (and by at most half of it) are taken for a story's
/// copies, not for chrome, unless stronger evidence says otherwise.
pub const HANDFUL: u32 = 5;

/// The guard of rule 3: a run of two or more long prose blocks ([`near_dup::PROSE_WORDS`]
/// words or more) that rule 3 or 4 removed only because a handful of documents of one site
/// hold them ([`HANDFUL`], and at most half the site) is kept. That is what copies of one story
/// look like when near-duplicate detection did not join them (a site's chrome is short, or
/// recurs in many documents); removed, the story would be lost from every copy. A menu line
/// needs no such evidence: short blocks and lone paragraphs are not guarded.
fn keep_shared_prose_runs(doc: &DocFingerprint, reasons: &mut [Option<Reason>], site_size: u32) {
    let guarded: Vec<bool> = doc
        .blocks
        .iter()
        .zip(reasons.iter())
        .map(|(block, reason)| {
            let shared = match reason {
                Some(Reason::Boilerplate {
                    documents,
                    site_documents,
                    ..
                })
                | Some(Reason::NearBoilerplate {
                    documents,
                    site_documents,
                    ..
                }) => Some((*documents, *site_documents)),
                _ => None,
            };
            block.words >= near_dup::PROSE_WORDS
                && shared.is_some_and(|(documents, site_documents)| {
                    documents <= HANDFUL && 2 * site_documents <= site_size
                })
        })
        .collect();
    for (i, in_run) in in_runs(doc, &guarded).into_iter().enumerate() {
        if in_run {
            reasons[i] = None;
        }
    }
}

/// Signature view: a prose block that a handful of documents of its site share (two to
/// [`HANDFUL`], at most half the site) is part of a story's copies only in a *shared run*:
/// blocks all held by the same number of the site's documents, two or more, with at least
/// twice [`near_dup::PROSE_WORDS`] words in all, as a copied article's lines are (removed
/// blocks between them, an advertisement marker, are passed over; a kept block of other
/// counts ends the run). Outside such a run it is the site's chrome (a blurb under every post
/// of a series, a teaser) and is left out, so that two short pages sharing it do not look like
/// copies of each other.
fn mark_shared_runs(
    doc: &DocFingerprint,
    reasons: &mut [Option<Reason>],
    held: &[Held],
    site_size: u32,
) {
    let shared: Vec<Option<u32>> = doc
        .blocks
        .iter()
        .zip(held)
        .map(|(block, held)| {
            let k = held.site_documents;
            (block.key().is_some() && (2..=HANDFUL).contains(&k) && 2 * k <= site_size).then_some(k)
        })
        .collect();
    let keyed: Vec<usize> = (0..doc.blocks.len())
        .filter(|&i| doc.blocks[i].key().is_some())
        .collect();
    let mut in_story = vec![false; doc.blocks.len()];
    let mut k = 0;
    while k < keyed.len() {
        let Some(count) = shared[keyed[k]] else {
            k += 1;
            continue;
        };
        // The run's blocks; removed blocks held by other documents (an advertisement marker
        // between two paragraphs) are passed over, a kept one ends the run.
        let mut run = vec![keyed[k]];
        let mut end = k + 1;
        while end < keyed.len() {
            let i = keyed[end];
            if shared[i] == Some(count) {
                run.push(i);
            } else if reasons[i].is_none() {
                break;
            }
            end += 1;
        }
        let words: u32 = run.iter().map(|&i| doc.blocks[i].words).sum();
        if run.len() >= 2 && words >= 2 * near_dup::PROSE_WORDS {
            for &i in &run {
                in_story[i] = true;
            }
        }
        k = end;
    }
    for &i in &keyed {
        let Some(site_documents) = shared[i] else {
            continue;
        };
        if in_story[i] || reasons[i].is_some() || doc.blocks[i].words < near_dup::PROSE_WORDS {
            continue;
        }
        let stats = held[i].stats;
        reasons[i] = Some(Reason::Boilerplate {
            rule: BoilerplateRule::SiteShare,
            documents: stats.docs,
            sites: stats.sites,
            site_documents,
            site_size,
            placement: Placement::Edge,
        });
    }
}

/// For each `candidate` block, whether it is in a run of two or more candidates next to each
/// other among the keyed blocks (separators without a key do not part them).
fn in_runs(doc: &DocFingerprint, candidate: &[bool]) -> Vec<bool> {
    let mut out = vec![false; candidate.len()];
    let mut run: Vec<usize> = Vec::new();
    let mut close = |run: &mut Vec<usize>| {
        if run.len() >= 2 {
            for &i in run.iter() {
                out[i] = true;
            }
        }
        run.clear();
    };
    for (i, block) in doc.blocks.iter().enumerate() {
        if block.key().is_none() {
            continue;
        }
        if candidate[i] {
            run.push(i);
        } else {
            close(&mut run);
        }
    }
    close(&mut run);
    out
}

/// Which threshold a key's counts pass, with every threshold multiplied by `factor`.
pub(crate) fn frequent(
    stats: KeyStats,
    site_documents: u32,
    site_size: u32,
    cfg: &DecideConfig,
    factor: f64,
) -> Option<BoilerplateRule> {
    let factor = factor.max(1.0);
    if f64::from(stats.docs) >= f64::from(cfg.min_docs) * factor {
        Some(BoilerplateRule::MinDocs)
    } else if cfg.use_sites
        && site_size >= cfg.min_site_docs
        && site_documents >= 2
        && f64::from(site_documents) >= cfg.min_site_share * factor * f64::from(site_size)
    {
        Some(BoilerplateRule::SiteShare)
    } else {
        None
    }
}

/// Rule 5: keep statistically removed blocks inside the article body that lack body
/// evidence and share no run with a block that has it; record every such block's placement.
fn apply_position(
    doc: &DocFingerprint,
    reasons: &mut [Option<Reason>],
    body_evidence: &[bool],
    cfg: &DecideConfig,
) {
    let keyed: Vec<usize> = (0..doc.blocks.len())
        .filter(|&i| doc.blocks[i].key().is_some())
        .collect();
    let is_prose = |i: usize| reasons[i].is_none() && doc.blocks[i].words >= cfg.body_words;
    let first_prose = keyed.iter().position(|&i| is_prose(i));
    let last_prose = keyed.iter().rposition(|&i| is_prose(i));
    let mut k = 0;
    while k < keyed.len() {
        if reasons[keyed[k]].is_none() {
            k += 1;
            continue;
        }
        let mut end = k;
        while end < keyed.len() && reasons[keyed[end]].is_some() {
            end += 1;
        }
        let at_edge = match (first_prose, last_prose) {
            (Some(first), Some(last)) => end <= first || k > last,
            _ => true,
        };
        let run_has_evidence = keyed[k..end].iter().any(|&i| body_evidence[i]);
        for &i in &keyed[k..end] {
            let placement = if at_edge {
                Placement::Edge
            } else if body_evidence[i] {
                Placement::Body
            } else if run_has_evidence {
                Placement::Run
            } else {
                if matches!(
                    reasons[i],
                    Some(Reason::Boilerplate { .. } | Reason::NearBoilerplate { .. })
                ) {
                    reasons[i] = None;
                }
                continue;
            };
            if let Some(
                Reason::Boilerplate { placement: p, .. }
                | Reason::NearBoilerplate { placement: p, .. },
            ) = &mut reasons[i]
            {
                *p = placement;
            }
        }
        k = end;
    }
}

/// Rule 7: runs of short kept blocks enclosed by removed blocks on both sides.
fn mark_enclosed_runs(
    doc: &DocFingerprint,
    reasons: &mut [Option<Reason>],
    kept_by_pattern: &[bool],
    cfg: &DecideConfig,
) {
    let keyed: Vec<usize> = (0..doc.blocks.len())
        .filter(|&i| doc.blocks[i].key().is_some())
        .collect();
    let removed = |reasons: &[Option<Reason>], i: usize| reasons[i].is_some();
    let mut k = 0;
    while k < keyed.len() {
        if removed(reasons, keyed[k]) {
            k += 1;
            continue;
        }
        // A maximal run of kept keyed blocks: keyed[k..end].
        let mut end = k;
        while end < keyed.len() && !removed(reasons, keyed[end]) {
            end += 1;
        }
        let enclosed = k > 0 && end < keyed.len();
        let long_enough = end - k >= cfg.min_enclosed_run as usize;
        let all_short = keyed[k..end]
            .iter()
            .all(|&i| doc.blocks[i].words < cfg.max_enclosed_words && !kept_by_pattern[i]);
        if enclosed && long_enough && all_short {
            for &i in &keyed[k..end] {
                reasons[i] = Some(Reason::Enclosed);
            }
        }
        k = end;
    }
    // This rule trims around boilerplate; it never empties a document on its own.
    if keyed.iter().all(|&i| reasons[i].is_some()) {
        for &i in &keyed {
            if reasons[i] == Some(Reason::Enclosed) {
                reasons[i] = None;
            }
        }
    }
}

/// Rule 9: drop key-less blocks whose nearest content neighbours on both sides are removed.
fn mark_orphan_separators(
    doc: &DocFingerprint,
    reasons: &mut [Option<Reason>],
    kept_by_pattern: &[bool],
) {
    let n = doc.blocks.len();
    // For each block: is the nearest keyed block before it removed (true at the start)?
    let mut removed_before = vec![true; n];
    let mut last = true;
    for i in 0..n {
        removed_before[i] = last;
        if doc.blocks[i].key().is_some() {
            last = reasons[i].is_some();
        }
    }
    let mut removed_after = true;
    for i in (0..n).rev() {
        let is_separator = doc.blocks[i].key().is_none();
        if is_separator {
            if removed_before[i] && removed_after && !kept_by_pattern[i] && reasons[i].is_none() {
                reasons[i] = Some(Reason::Separator);
            }
        } else {
            removed_after = reasons[i].is_some();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::count::CountBuilder;
    use crate::fingerprint::{fingerprint, Scratch};
    use crate::segment::{segment, UnitChoice};

    fn print(doc: &str) -> DocFingerprint {
        let seg = segment(doc.as_bytes(), UnitChoice::Line);
        fingerprint(doc.as_bytes(), &seg, &mut Scratch::default())
    }

    /// Count `corpus` (site, text) and decide document `which`.
    fn decide(corpus: &[(SiteId, &str)], which: usize, cfg: &DecideConfig) -> (Fate, Vec<Removal>) {
        let prints: Vec<_> = corpus.iter().map(|(_, d)| print(d)).collect();
        let counts = count(corpus.iter().map(|(site, _)| *site).zip(&prints));
        decide_blocks(&prints[which], corpus[which].0, &[], &counts, cfg)
    }

    fn count<'a>(docs: impl Iterator<Item = (SiteId, &'a DocFingerprint)>) -> CorpusCounts {
        let (mut blocks, mut shingles) = (CountBuilder::default(), CountBuilder::default());
        let mut sizes = vec![0u32; 4];
        for (site, p) in docs {
            let mut keys: Vec<_> = p.blocks.iter().filter_map(|b| b.key()).collect();
            keys.sort_unstable();
            keys.dedup();
            blocks.add_document(site, keys);
            let mut sample = p.shingles.clone();
            sample.sort_unstable();
            sample.dedup();
            shingles.add_document(site, sample);
            sizes[site as usize] += 1;
        }
        CorpusCounts {
            blocks: blocks.finish().freeze(sizes.clone()),
            shingles: shingles.finish().freeze(sizes),
        }
    }

    fn removed_blocks(r: &[Removal]) -> Vec<u32> {
        r.iter().map(|r| r.block).collect()
    }

    #[test]
    fn a_line_in_min_docs_documents_is_boilerplate_everywhere() {
        let cfg = DecideConfig {
            min_docs: 3,
            use_sites: false,
            ..DecideConfig::default()
        };
        let corpus = [
            (0, "Subscribe now\nalpha story\n"),
            (1, "Subscribe now\nbeta story\n"),
            (2, "subscribe NOW!\ngamma story\n"),
        ];
        for which in 0..3 {
            let (fate, removals) = decide(&corpus, which, &cfg);
            assert_eq!(fate, Fate::Written);
            assert_eq!(removed_blocks(&removals), [0]);
            assert!(matches!(
                removals[0].reason,
                Reason::Boilerplate {
                    rule: BoilerplateRule::MinDocs,
                    documents: 3,
                    sites: 3,
                    ..
                }
            ));
        }
        let cfg4 = DecideConfig { min_docs: 4, ..cfg };
        assert!(decide(&corpus, 0, &cfg4).1.is_empty());
    }

    #[test]
    fn site_share_needs_enough_site_documents() {
        let cfg = DecideConfig {
            min_docs: 100,
            min_site_share: 0.5,
            min_site_docs: 4,
            ..DecideConfig::default()
        };
        let mut corpus = vec![
            (0, "Menu\na one\n"),
            (0, "Menu\na two\n"),
            (0, "a three\n"),
            (0, "a four\n"),
        ];
        let (_, removals) = decide(&corpus, 0, &cfg);
        assert!(matches!(
            removals[0].reason,
            Reason::Boilerplate {
                rule: BoilerplateRule::SiteShare,
                site_documents: 2,
                site_size: 4,
                ..
            }
        ));
        corpus.pop();
        assert!(
            decide(&corpus, 0, &cfg).1.is_empty(),
            "site of 3 is too small"
        );
    }

    /// Ten articles of one site: a footer on all, a quoted line on three, once at an edge.
    fn position_corpus() -> Vec<(SiteId, String)> {
        let prose = |i: usize, part: &str| {
            format!("Paragraph {part} of story {i} tells at length what happened in the harbour town that week {i}")
                .replace(&i.to_string(), ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"][i])
        };
        (0..10)
            .map(|i| {
                let quote = "The council has never voted on this matter";
                let text = match i {
                    0 | 1 => format!(
                        "{}\n{quote}\n{}\nFooter line\n",
                        prose(i, "alpha"),
                        prose(i, "beta")
                    ),
                    2 => format!(
                        "{}\n{}\n{quote}\nFooter line\n",
                        prose(i, "alpha"),
                        prose(i, "beta")
                    ),
                    _ => format!("{}\n{}\nFooter line\n", prose(i, "alpha"), prose(i, "beta")),
                };
                (1, text)
            })
            .collect()
    }

    #[test]
    fn inside_the_body_removal_needs_stronger_evidence_than_at_the_edges() {
        let cfg = DecideConfig {
            min_docs: 100,
            min_site_share: 0.2,
            body_evidence: 2.0,
            ..DecideConfig::default()
        };
        let corpus = position_corpus();
        let refs: Vec<(SiteId, &str)> = corpus.iter().map(|(s, t)| (*s, t.as_str())).collect();
        // In 3 of 10 documents: enough at the edge (0.2), not inside the body (0.4).
        let (_, in_body) = decide(&refs, 0, &cfg);
        assert_eq!(removed_blocks(&in_body), [3], "only the footer goes");
        let (_, at_edge) = decide(&refs, 2, &cfg);
        assert_eq!(removed_blocks(&at_edge), [2, 3]);
        assert!(matches!(
            at_edge[0].reason,
            Reason::Boilerplate {
                placement: Placement::Edge,
                site_documents: 3,
                ..
            }
        ));
        // With the position rule off, the quote goes everywhere.
        let off = DecideConfig {
            body_evidence: 1.0,
            ..cfg.clone()
        };
        assert_eq!(removed_blocks(&decide(&refs, 0, &off).1), [1, 3]);
        // With enough evidence it goes inside the body too, marked as such.
        let strong = DecideConfig {
            body_evidence: 1.4,
            ..cfg
        };
        let (_, removals) = decide(&refs, 0, &strong);
        assert_eq!(removed_blocks(&removals), [1, 3]);
        assert!(matches!(
            removals[0].reason,
            Reason::Boilerplate {
                placement: Placement::Body,
                ..
            }
        ));
    }

    #[test]
    fn a_weak_block_beside_strong_boilerplate_inside_the_body_goes_with_it() {
        let cfg = DecideConfig {
            min_docs: 100,
            min_site_share: 0.2,
            body_evidence: 2.0,
            ..DecideConfig::default()
        };
        let mut corpus = position_corpus();
        // Document 0 gets the footer right after the quote, inside its body.
        corpus[0].1 = corpus[0].1.replacen("matter\n", "matter\nFooter line\n", 1);
        let refs: Vec<(SiteId, &str)> = corpus.iter().map(|(s, t)| (*s, t.as_str())).collect();
        let (_, removals) = decide(&refs, 0, &cfg);
        assert_eq!(removed_blocks(&removals), [1, 2, 4]);
        assert!(matches!(
            removals[0].reason,
            Reason::Boilerplate {
                placement: Placement::Run,
                ..
            }
        ));
    }

    #[test]
    fn repeated_caption_keeps_first_copy() {
        let doc = "A caption with five words\nbody text\nA caption with five words!\nYes\nYes\n";
        let (fate, removals) = decide(&[(0, doc)], 0, &DecideConfig::default());
        assert_eq!(fate, Fate::Written);
        assert_eq!(removed_blocks(&removals), [2], "short 'Yes' repeat kept");
        assert_eq!(
            removals[0].reason,
            Reason::RepeatedInDocument {
                first_copy_start: 0,
                copies: 2
            }
        );
    }

    #[test]
    fn separators_between_removed_blocks_go_too() {
        let cfg = DecideConfig {
            min_docs: 2,
            ..DecideConfig::default()
        };
        let corpus = [
            (0, "Home\n|\nNews\nfirst body\n* * *\nsecond body\n"),
            (1, "Home\n|\nNews\nother body\n"),
        ];
        let (_, removals) = decide(&corpus, 0, &cfg);
        assert_eq!(removed_blocks(&removals), [0, 1, 2]);
        assert_eq!(removals[1].reason, Reason::Separator);
    }

    #[test]
    fn short_runs_enclosed_by_boilerplate_go_but_lone_short_paragraphs_stay() {
        let cfg = DecideConfig {
            min_docs: 2,
            max_enclosed_words: 5,
            min_enclosed_run: 2,
            ..DecideConfig::default()
        };
        let body = "a long article paragraph that has many more words than five";
        let doc0 = format!("Menu\nlink one\nlink two\nAd\n{body}\nAd\nshort para\nAd\nFooter\n");
        let doc1 = "Menu\nAd\nFooter\nother text\n";
        let (_, removals) = decide(&[(0, &doc0), (1, doc1)], 0, &cfg);
        // Blocks: 0 Menu, 1-2 links (a run of two enclosed by Menu and Ad), 3 Ad, 4 body,
        // 5 Ad, 6 "short para" (a run of one: kept), 7 Ad, 8 Footer.
        assert_eq!(removed_blocks(&removals), [0, 1, 2, 3, 5, 7, 8]);
        assert_eq!(removals[1].reason, Reason::Enclosed);
    }

    #[test]
    fn the_enclosed_rule_never_empties_a_document() {
        let cfg = DecideConfig {
            min_docs: 2,
            max_enclosed_words: 5,
            min_enclosed_run: 1,
            ..DecideConfig::default()
        };
        let corpus = [(0, "Menu\nonly line\nFooter\n"), (1, "Menu\nFooter\nx y\n")];
        let (fate, removals) = decide(&corpus, 0, &cfg);
        assert_eq!(fate, Fate::Written);
        assert_eq!(removed_blocks(&removals), [0, 2]);
    }

    #[test]
    fn everything_removed_means_emptied() {
        let cfg = DecideConfig {
            min_docs: 2,
            ..DecideConfig::default()
        };
        let corpus = [(0, "Home\nNews\n"), (1, "Home\nNews\nbody\n")];
        assert_eq!(decide(&corpus, 0, &cfg).0, Fate::Emptied);
        assert_eq!(decide(&corpus, 1, &cfg).0, Fate::Written);
    }

    #[test]
    fn patterns_override_statistics() {
        let cfg = DecideConfig {
            min_docs: 2,
            ..DecideConfig::default()
        };
        let corpus = ["Home\nbody one\n", "Home\nbody two\n"];
        let prints: Vec<_> = corpus.iter().map(|d| print(d)).collect();
        let counts = count(prints.iter().map(|p| (0, p)));
        let hits = [(0, PatternHit::Keep), (1, PatternHit::Drop(0))];
        let (fate, removals) = decide_blocks(&prints[0], 0, &hits, &counts, &cfg);
        assert_eq!(fate, Fate::Written, "the kept 'Home' is content");
        assert_eq!(removed_blocks(&removals), [1]);
        assert_eq!(removals[0].reason, Reason::DropPattern { pattern: 0 });
    }

    #[test]
    fn documents_without_content_are_no_content() {
        let (fate, removals) = decide(&[(0, "* * *\n")], 0, &DecideConfig::default());
        assert_eq!(fate, Fate::NoContent);
        assert!(removals.is_empty());
    }
}
