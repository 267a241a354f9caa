//! Near-duplicate documents: signatures → clusters, without chaining.
//!
//! In: one optional [`Signature`] per document (in run order; computed over the document's
//! content with its site's template left out, see [`is_template`]), each document's length, and a
//! [`NearDupConfig`]. Out: for every document, `Some((kept, similarity))` when it is a
//! near-duplicate of the document `kept`, which is written instead.
//!
//! Candidates come from LSH banding ([`BANDS`] bands of [`ROWS`] bins); every candidate is
//! verified against the threshold on the full signature. Documents are visited in keep order
//! (path order, or longest first); a document joins the cluster of the most similar earlier
//! *kept* document within the threshold, or keeps a cluster of its own. Comparing only with kept
//! documents means no transitive chains: every member is within the threshold of the copy that
//! is kept. Sequential and deterministic; cost is a few hash-map look-ups per document plus the
//! verifications.

use std::convert::Infallible;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::Xxh3;

use crate::count::KeyStats;
use crate::decide::{DecideConfig, HANDFUL};
use crate::sketch::{Likeness, Signature, SIG_BINS};

/// LSH bands and rows per band (`BANDS * ROWS == SIG_BINS`): a pair at similarity 0.7 becomes
/// a candidate with probability 1 - (1 - 0.7^4)^32 > 0.999.
pub const BANDS: usize = 32;
pub const ROWS: usize = SIG_BINS / BANDS;
/// Kept documents compared per bucket at most, so a crowded bucket cannot go quadratic.
const MAX_PER_BUCKET: usize = 32;

/// A block in at least this many documents of its site can be template.
pub const TEMPLATE_MIN_SITE_DOCS: u32 = 3;
/// A block of at least this many words is prose: a line shorter than this found in another
/// document of its site is chrome (menus, sidebars, link lists), a longer one is chrome only by
/// stronger evidence.
pub const PROSE_WORDS: u32 = 20;

/// Whether a block is part of its site's chrome, left out of signatures so that different
/// articles sharing a template do not look alike.
///
/// A short block is chrome when it recurs inside one site only (at least `min_docs`
/// documents, all of one site), or is in at least three and `min_site_share` of its site's
/// documents, or is found in another document of its site. A prose block is chrome only when
/// the same holds of more than a [`HANDFUL`] of its site's documents, or of more than half of
/// them: paragraphs in fewer are what a story's own copies look like (two or three recrawls of
/// one page), and leaving them out would hide those copies from each other. Evidence spread
/// over several sites is never chrome here: it is a story syndicated to them.
pub fn is_template(
    stats: KeyStats,
    site_documents: u32,
    site_size: u32,
    words: u32,
    cfg: &DecideConfig,
) -> bool {
    let site_local = stats.docs >= cfg.min_docs && stats.sites == 1;
    let site_share = site_documents >= TEMPLATE_MIN_SITE_DOCS
        && f64::from(site_documents) >= cfg.min_site_share * f64::from(site_size);
    if words >= PROSE_WORDS {
        let beyond_a_story = site_documents > HANDFUL || 2 * site_documents > site_size;
        return beyond_a_story && (site_local || site_share);
    }
    let short_shared = site_documents >= 2;
    site_local || site_share || short_shared
}

/// Which copy of a cluster is written, between copies that hold each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeepPolicy {
    /// The first in path order.
    First,
    /// The longest (ties: first in path order).
    Longest,
}

/// Settings of near-duplicate detection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearDupConfig {
    pub enabled: bool,
    /// Estimated Jaccard similarity of the word 4-gram sets of two documents' kept content at
    /// or above which they are near-duplicates.
    pub threshold: f64,
    /// Estimated share of one document's kept content found in another at or above which it
    /// is a (partial) copy of it: the lead of an article, an excerpt, an older version.
    #[serde(default = "default_containment")]
    pub containment: f64,
    pub keep: KeepPolicy,
}

fn default_containment() -> f64 {
    NearDupConfig::default().containment
}

impl Default for NearDupConfig {
    fn default() -> Self {
        NearDupConfig {
            enabled: true,
            threshold: 0.5,
            containment: 0.8,
            keep: KeepPolicy::First,
        }
    }
}

/// Two documents whose kept texts are the same but for their figures are near-duplicates only
/// when at least this share of their shingles agree (a changed view counter or date in a long
/// article): where the figures are much of the text, as in two weather reports or two match
/// results, they are different documents.
pub const FIGURES_SIMILARITY: f64 = 0.9;

/// Containment is judged only with at least this many equal bins (an estimated Jaccard
/// similarity of about 0.16): with fewer, one chance equal bin would make a short document
/// look contained in a long one.
pub const MIN_EQUAL_FOR_CONTAINMENT: u32 = 20;

/// A share as basis points (0..=10000).
pub fn basis_points(share: f64) -> u16 {
    (share.clamp(0.0, 1.0) * 10_000.0).round() as u16
}

impl NearHit {
    /// The document's fate.
    pub fn fate(&self) -> crate::decide::Fate {
        crate::decide::Fate::NearDuplicate {
            of: self.kept,
            similarity_bp: basis_points(self.jaccard),
            contained_bp: basis_points(self.contained),
            kept: self.because,
        }
    }
}

impl NearDupConfig {
    /// Whether two documents this alike are near-duplicates: similar enough, or one holds
    /// nearly all of the other.
    pub fn matches(&self, likeness: &Likeness) -> bool {
        if likeness.same_wording && likeness.jaccard < FIGURES_SIMILARITY {
            return false;
        }
        likeness.jaccard >= self.threshold
            || (likeness.equal >= MIN_EQUAL_FOR_CONTAINMENT
                && likeness.containment() >= self.containment)
    }

    /// Whether the second document holds the first and not the other way round: the second
    /// is the fuller copy (the whole article where the first is its lead).
    fn second_is_fuller(&self, likeness: &Likeness) -> bool {
        likeness.equal >= MIN_EQUAL_FOR_CONTAINMENT
            && likeness.first_in_second >= self.containment
            && likeness.second_in_first < self.containment
    }
}

/// Why the written copy of a cluster is written rather than another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeptBecause {
    /// The two hold each other; the written one is first in path order (`--keep first`).
    First,
    /// The two hold each other; the written one is longer (`--keep longest`).
    Longest,
    /// The written copy holds the other and more: the whole article where the other is a
    /// part of it (its lead, an excerpt, an older version).
    Fuller,
}

/// What reports written before [`KeptBecause`] existed meant.
pub(crate) fn kept_first() -> KeptBecause {
    KeptBecause::First
}

/// A near-duplicate: the written document it duplicates and how alike the two are.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NearHit {
    /// The written document.
    pub kept: usize,
    /// Estimated Jaccard similarity of the two documents' kept content.
    pub jaccard: f64,
    /// Estimated share of this document's kept content found in the written one.
    pub contained: f64,
    pub because: KeptBecause,
}

/// For every document, the written document it duplicates (`None`: it is written itself).
pub fn clusters(
    signatures: &[Option<Signature>],
    lengths: &[u64],
    cfg: &NearDupConfig,
) -> Vec<Option<NearHit>> {
    let present: Vec<bool> = signatures.iter().map(Option::is_some).collect();
    let order = keep_order(&present, lengths, cfg.keep);
    let mut entries: Vec<BandEntry> = Vec::with_capacity(order.len() * BANDS);
    for (r, &d) in order.iter().enumerate() {
        if let Some(sig) = &signatures[d] {
            entries.extend(BandEntry::all(sig, r));
        }
    }
    entries.sort_unstable();
    let links = match link_buckets(order.len(), entries.into_iter().map(Ok::<_, Infallible>)) {
        Ok(links) => links,
        Err(never) => match never {},
    };
    let signature = |d: usize| signatures[d].as_ref().ok_or(());
    // Every document in `order` has a signature.
    resolve(&order, signatures.len(), &links, cfg, signature).unwrap_or_default()
}

/// The documents with a signature (`present`), in keep order: path order, or longest first
/// (ties in path order). A document's place in it is its rank.
pub fn keep_order(present: &[bool], lengths: &[u64], keep: KeepPolicy) -> Vec<usize> {
    let mut order: Vec<usize> = (0..present.len()).filter(|&i| present[i]).collect();
    if keep == KeepPolicy::Longest {
        order.sort_by(|&a, &b| lengths[b].cmp(&lengths[a]).then(a.cmp(&b)));
    }
    order
}

/// One band of one document's signature: the band's bucket, the document's rank, the band.
/// Sorted, the entries of a bucket are a run with its members in keep order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct BandEntry {
    pub key: u64,
    pub rank: u32,
    pub band: u32,
}

impl BandEntry {
    /// The entries of every band of a document of rank `rank`.
    pub fn all(sig: &Signature, rank: usize) -> [BandEntry; BANDS] {
        let keys = band_keys(sig);
        std::array::from_fn(|band| BandEntry {
            key: keys[band],
            rank: rank as u32,
            band: band as u32,
        })
    }
}

/// For every band entry (at `rank * BANDS + band`), the entry just before it in its bucket,
/// in sorted order: following the links walks a bucket's earlier members, latest first. Four
/// bytes per entry (eight past 2³² entries) instead of the sorted entries themselves, so the
/// entries can be sorted anywhere (in memory, or as spilled runs merged back) and dropped.
pub struct BucketLinks {
    links: Links,
}

enum Links {
    Narrow(Vec<u32>),
    Wide(Vec<u64>),
}

impl BucketLinks {
    fn new(entries: usize) -> BucketLinks {
        BucketLinks {
            links: if entries < u32::MAX as usize {
                Links::Narrow(vec![u32::MAX; entries])
            } else {
                Links::Wide(vec![u64::MAX; entries])
            },
        }
    }

    fn set(&mut self, at: usize, before: usize) {
        match &mut self.links {
            Links::Narrow(v) => v[at] = before as u32,
            Links::Wide(v) => v[at] = before as u64,
        }
    }

    /// The entry before entry `at` in its bucket.
    fn before(&self, at: usize) -> Option<usize> {
        match &self.links {
            Links::Narrow(v) => Some(v[at]).filter(|&b| b != u32::MAX).map(|b| b as usize),
            Links::Wide(v) => Some(v[at]).filter(|&b| b != u64::MAX).map(|b| b as usize),
        }
    }
}

/// Link the band entries of `ranks` documents, given in sorted order.
pub fn link_buckets<E>(
    ranks: usize,
    sorted: impl Iterator<Item = Result<BandEntry, E>>,
) -> Result<BucketLinks, E> {
    let mut links = BucketLinks::new(ranks * BANDS);
    let mut last: Option<(u64, usize)> = None;
    for entry in sorted {
        let entry = entry?;
        let at = entry.rank as usize * BANDS + entry.band as usize;
        if let Some((key, before)) = last {
            if key == entry.key {
                links.set(at, before);
            }
        }
        last = Some((entry.key, at));
    }
    Ok(links)
}

/// Visit the documents in keep order (`order`, of `n` documents in all): each is compared with
/// the *written* documents among its earlier bucket mates (at most [`MAX_PER_BUCKET`] per
/// bucket, the latest) and joins the most alike that it matches, or is written. `signature(d)`
/// gives document `d`'s signature, from memory or from disk.
pub fn resolve<S: std::borrow::Borrow<Signature>, E>(
    order: &[usize],
    n: usize,
    links: &BucketLinks,
    cfg: &NearDupConfig,
    mut signature: impl FnMut(usize) -> Result<S, E>,
) -> Result<Vec<Option<NearHit>>, E> {
    let mut clusters = Clusters::new(n, cfg);
    // Candidates by rank: sorted, they are in keep order.
    let mut candidates: Vec<usize> = Vec::new();
    for (r, &d) in order.iter().enumerate() {
        candidates.clear();
        for band in 0..BANDS {
            let mut taken = 0;
            let mut next = links.before(r * BANDS + band);
            while let Some(at) = next {
                if taken == MAX_PER_BUCKET {
                    break;
                }
                let mate = at / BANDS;
                if clusters.is_written(order[mate]) {
                    candidates.push(mate);
                    taken += 1;
                }
                next = links.before(at);
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        clusters.visit(
            d,
            candidates.iter().map(|&mate| order[mate]),
            &mut signature,
        )?;
    }
    Ok(clusters.finish())
}

/// The clusters found so far, documents visited in keep order. The rule, shared by a run and
/// by callers that gather candidate pairs themselves ([`crate::stages`]):
/// - a document is compared with written documents only, so there are no chains: every
///   member is alike the copy that is written;
/// - it joins the one it matches best ([`NearDupConfig::matches`]; score: the larger of the
///   Jaccard similarity and the containment; ties: the earliest), or is written;
/// - when it is the fuller copy (it holds the written one and not the other way round), it is
///   written instead, and the cluster's members are now its near-duplicates.
pub struct Clusters<'c> {
    hits: Vec<Option<NearHit>>,
    /// The members of each written document's cluster, by its index (empty for most).
    members: std::collections::HashMap<usize, Vec<usize>>,
    cfg: &'c NearDupConfig,
}

impl<'c> Clusters<'c> {
    pub fn new(n: usize, cfg: &'c NearDupConfig) -> Clusters<'c> {
        Clusters {
            hits: vec![None; n],
            members: std::collections::HashMap::new(),
            cfg,
        }
    }

    /// Whether document `d` is written so far (later documents are compared with it).
    pub fn is_written(&self, d: usize) -> bool {
        self.hits[d].is_none()
    }

    /// Visit document `d` with its candidates (earlier documents, in keep order; those no
    /// longer written are skipped).
    pub fn visit<S: std::borrow::Borrow<Signature>, E>(
        &mut self,
        d: usize,
        candidates: impl Iterator<Item = usize>,
        signature: &mut impl FnMut(usize) -> Result<S, E>,
    ) -> Result<(), E> {
        let mut best: Option<(usize, Likeness, f64)> = None;
        let mut own: Option<S> = None;
        for m in candidates {
            if !self.is_written(m) || m == d {
                continue;
            }
            let sig = match &own {
                Some(sig) => sig,
                None => own.insert(signature(d)?),
            };
            let likeness = sig.borrow().likeness(signature(m)?.borrow());
            if !self.cfg.matches(&likeness) {
                continue;
            }
            let score = likeness.jaccard.max(likeness.containment());
            if best.is_none_or(|(_, _, b)| score > b) {
                best = Some((m, likeness, score));
            }
        }
        let Some((m, likeness, _)) = best else {
            return Ok(());
        };
        // `likeness` is of `d` (first) against `m` (second).
        let swapped = Likeness {
            first_in_second: likeness.second_in_first,
            second_in_first: likeness.first_in_second,
            ..likeness
        };
        if self.cfg.second_is_fuller(&swapped) {
            // `d` holds `m` and more: `d` is written, `m` and its members join it.
            let mut moved = self.members.remove(&m).unwrap_or_default();
            moved.push(m);
            moved.sort_unstable();
            let own = match own {
                Some(sig) => sig,
                None => signature(d)?,
            };
            for &x in &moved {
                let l = if x == m {
                    swapped
                } else {
                    signature(x)?.borrow().likeness(own.borrow())
                };
                self.hits[x] = Some(NearHit {
                    kept: d,
                    jaccard: l.jaccard,
                    contained: l.first_in_second,
                    because: KeptBecause::Fuller,
                });
            }
            self.members.insert(d, moved);
            return Ok(());
        }
        let because = if self.cfg.second_is_fuller(&likeness) {
            KeptBecause::Fuller
        } else {
            match self.cfg.keep {
                KeepPolicy::First => KeptBecause::First,
                KeepPolicy::Longest => KeptBecause::Longest,
            }
        };
        self.hits[d] = Some(NearHit {
            kept: m,
            jaccard: likeness.jaccard,
            contained: likeness.first_in_second,
            because,
        });
        self.members.entry(m).or_default().push(d);
        Ok(())
    }

    /// Per document, the written document it duplicates.
    pub fn finish(self) -> Vec<Option<NearHit>> {
        self.hits
    }
}

/// The LSH buckets of a signature, one per band: documents sharing a band key are candidates.
/// The band index seeds the hash, so equal bins in different bands make different keys.
pub fn band_keys(sig: &Signature) -> [u64; BANDS] {
    let bins = sig.band_bins();
    std::array::from_fn(|band| {
        let mut h = Xxh3::with_seed(band as u64);
        for v in &bins[band * ROWS..(band + 1) * ROWS] {
            h.update(&v.to_le_bytes());
        }
        h.digest()
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::sketch::EMPTY;
    use proptest::prelude::*;

    /// The clusters by the sorted entries themselves: a bucket's earlier members are the
    /// entries just before a document's own, with the same key. What the links must equal.
    fn clusters_by_scanning(
        signatures: &[Option<Signature>],
        lengths: &[u64],
        cfg: &NearDupConfig,
    ) -> Vec<Option<NearHit>> {
        let present: Vec<bool> = signatures.iter().map(Option::is_some).collect();
        let order = keep_order(&present, lengths, cfg.keep);
        let mut entries: Vec<BandEntry> = Vec::new();
        for (r, &d) in order.iter().enumerate() {
            let sig = signatures[d].as_ref().unwrap();
            entries.extend(BandEntry::all(sig, r));
        }
        entries.sort_unstable();
        let mut position = vec![0usize; order.len() * BANDS];
        for (i, e) in entries.iter().enumerate() {
            position[e.rank as usize * BANDS + e.band as usize] = i;
        }
        let mut clusters = Clusters::new(signatures.len(), cfg);
        let mut signature = |d: usize| signatures[d].as_ref().ok_or(());
        for (r, &d) in order.iter().enumerate() {
            let mut candidates: Vec<usize> = Vec::new();
            for band in 0..BANDS {
                let at = position[r * BANDS + band];
                let key = entries[at].key;
                candidates.extend(
                    entries[..at]
                        .iter()
                        .rev()
                        .take_while(|e| e.key == key)
                        .map(|e| e.rank as usize)
                        .filter(|&m| clusters.is_written(order[m]))
                        .take(MAX_PER_BUCKET),
                );
            }
            candidates.sort_unstable();
            candidates.dedup();
            clusters
                .visit(d, candidates.iter().map(|&m| order[m]), &mut signature)
                .unwrap();
        }
        clusters.finish()
    }

    /// Signatures whose bins are often one of two values (or empty): crowded buckets (more
    /// than [`MAX_PER_BUCKET`] written members), near-duplicates, partial copies and
    /// documents without one.
    pub(crate) fn crowded() -> impl Strategy<Value = Vec<Option<Signature>>> {
        let bin = prop_oneof![6 => Just(0u32), 2 => 0u32..2, 1 => Just(EMPTY), 1 => any::<u32>()];
        let sig = (prop::collection::vec(bin, SIG_BINS), 30u32..400, 0u64..4).prop_map(
            |(bins, shingles, wording)| Signature {
                bins: Box::new(bins.try_into().unwrap()),
                shingles,
                wording,
            },
        );
        prop::collection::vec(prop::option::weighted(0.9, sig), 0..120)
    }

    proptest! {
        #[test]
        fn links_find_the_clusters_the_sorted_entries_do(
            sigs in crowded(),
            longest in any::<bool>(),
            threshold in 0.3f64..0.9,
            containment in 0.5f64..1.0,
            seed in any::<u64>(),
        ) {
            let lengths: Vec<u64> = (0..sigs.len() as u64).map(|i| i.wrapping_mul(seed) % 7).collect();
            let cfg = NearDupConfig {
                threshold,
                containment,
                keep: if longest { KeepPolicy::Longest } else { KeepPolicy::First },
                ..NearDupConfig::default()
            };
            prop_assert_eq!(
                clusters(&sigs, &lengths, &cfg),
                clusters_by_scanning(&sigs, &lengths, &cfg)
            );
        }

        /// Whoever is written, every member of a cluster matches its written document or is
        /// held by it, and no written document is anyone's near-duplicate (no chains).
        #[test]
        fn members_match_the_written_copy_and_written_copies_stand_alone(
            sigs in crowded(),
            longest in any::<bool>(),
        ) {
            let cfg = NearDupConfig {
                keep: if longest { KeepPolicy::Longest } else { KeepPolicy::First },
                ..NearDupConfig::default()
            };
            let lengths: Vec<u64> = (0..sigs.len() as u64).map(|i| i % 5).collect();
            let got = clusters(&sigs, &lengths, &cfg);
            for (d, hit) in got.iter().enumerate() {
                let Some(hit) = hit else { continue };
                prop_assert!(got[hit.kept].is_none(), "{} joined {}, itself a member", d, hit.kept);
                let likeness = sigs[d].as_ref().unwrap().likeness(sigs[hit.kept].as_ref().unwrap());
                prop_assert!(
                    cfg.matches(&likeness) || hit.because == KeptBecause::Fuller,
                    "{} is not alike {}", d, hit.kept
                );
                prop_assert!((likeness.jaccard - hit.jaccard).abs() < 1e-12);
            }
        }
    }

    /// A signature of `shingles` shingles whose first `same` bins equal `base`'s and the rest
    /// are unique to `salt`.
    fn sig_of(base: u32, same: usize, salt: u32, shingles: u32) -> Option<Signature> {
        let mut bins = Box::new([0u32; SIG_BINS]);
        for (i, b) in bins.iter_mut().enumerate() {
            *b = if i < same {
                base.wrapping_mul(1000) + i as u32
            } else {
                salt.wrapping_mul(7919).wrapping_add(i as u32 * 31)
            };
        }
        let wording = u64::from(base) << 40 | (same as u64) << 20 | u64::from(salt);
        Some(Signature {
            bins,
            shingles,
            wording,
        })
    }

    fn sig(base: u32, same: usize, salt: u32) -> Option<Signature> {
        sig_of(base, same, salt, 1000)
    }

    #[test]
    fn near_copies_join_the_first_and_far_ones_do_not() {
        let sigs = vec![
            sig(1, SIG_BINS, 0),
            sig(1, 120, 5), // 120/128 = 0.94 like document 0
            sig(1, 40, 6),  // 0.31: not a near-duplicate
            None,
            sig(2, SIG_BINS, 0),
        ];
        let got = clusters(&sigs, &[10, 20, 30, 40, 50], &NearDupConfig::default());
        assert_eq!(got[0], None);
        let hit = got[1].unwrap();
        assert_eq!((hit.kept, hit.because), (0, KeptBecause::First));
        assert!((hit.jaccard - 120.0 / 128.0).abs() < 1e-9);
        assert!(hit.contained > 0.9);
        assert_eq!(got[2], None);
        assert_eq!(got[3], None);
        assert_eq!(got[4], None);
        assert_eq!(
            hit.fate(),
            crate::decide::Fate::NearDuplicate {
                of: 0,
                similarity_bp: 9375,
                contained_bp: basis_points(hit.contained),
                kept: KeptBecause::First,
            }
        );
    }

    #[test]
    fn no_chaining_through_members() {
        // b is close to a, c is close to b but not to a: c must not join a's cluster via b.
        let a = sig(1, SIG_BINS, 0);
        let mut b_bins = a.clone().unwrap();
        b_bins.wording = 2;
        for i in 0..20 {
            b_bins.bins[i] = 900_000 + i as u32;
        }
        let mut c_bins = b_bins.clone();
        c_bins.wording = 3;
        for i in 20..40 {
            c_bins.bins[i] = 800_000 + i as u32;
        }
        let sigs = vec![a, Some(b_bins), Some(c_bins)];
        let cfg = NearDupConfig {
            threshold: 0.8,
            containment: 0.9,
            ..NearDupConfig::default()
        };
        let got = clusters(&sigs, &[1, 1, 1], &cfg);
        assert_eq!(got[1].map(|h| h.kept), Some(0));
        // c vs a: 88/128 = 0.69 < 0.8 (0.81 contained), and b is not written, so c keeps its
        // own cluster.
        assert_eq!(got[2], None);
    }

    #[test]
    fn a_partial_copy_joins_the_fuller_one_which_is_written_whatever_comes_first() {
        // The lead holds 600 of the article's 1000 shingles: Jaccard 0.6, so 77 of 128 bins
        // agree, and all of the lead is in the article.
        let article = sig_of(1, SIG_BINS, 0, 1000);
        let lead = sig_of(1, 77, 9, 600);
        let cfg = NearDupConfig {
            threshold: 0.7,
            ..NearDupConfig::default()
        };
        for lead_first in [true, false] {
            let sigs = if lead_first {
                vec![lead.clone(), article.clone()]
            } else {
                vec![article.clone(), lead.clone()]
            };
            let (l, a) = if lead_first { (0, 1) } else { (1, 0) };
            let got = clusters(&sigs, &[5, 5], &cfg);
            assert_eq!(got[a], None, "the article is written");
            let hit = got[l].unwrap();
            assert_eq!((hit.kept, hit.because), (a, KeptBecause::Fuller));
            assert!(hit.contained > 0.95, "{hit:?}");
            assert!(hit.jaccard < cfg.threshold);
        }
        // With containment judged stricter than the lead reaches, the two stay apart.
        let strict = NearDupConfig {
            threshold: 0.7,
            containment: 1.0,
            ..NearDupConfig::default()
        };
        let thin = sig_of(1, 77, 9, 700);
        assert_eq!(
            clusters(&[thin, article], &[5, 5], &strict),
            vec![None, None]
        );
    }

    #[test]
    fn the_fuller_copy_takes_the_cluster_with_it() {
        // Two copies of a lead (first in path order), then the whole article.
        let sigs = vec![
            sig_of(1, 77, 9, 600),
            sig_of(1, 77, 9, 600),
            sig_of(1, SIG_BINS, 0, 1000),
        ];
        let got = clusters(&sigs, &[1, 1, 1], &NearDupConfig::default());
        assert_eq!(got[2], None);
        assert_eq!(
            got[0].map(|h| (h.kept, h.because)),
            Some((2, KeptBecause::Fuller))
        );
        assert_eq!(
            got[1].map(|h| (h.kept, h.because)),
            Some((2, KeptBecause::Fuller))
        );
    }

    #[test]
    fn texts_that_differ_only_in_their_figures_need_nearly_all_shingles_alike() {
        // Two weather reports: the same words, other temperatures (0.6 of the shingles agree).
        let report = sig(1, SIG_BINS, 0);
        let mut other_figures = sig(1, 77, 5).unwrap();
        other_figures.wording = report.as_ref().unwrap().wording;
        let cfg = NearDupConfig::default();
        assert!(other_figures.similarity(report.as_ref().unwrap()) >= cfg.threshold);
        let got = clusters(&[report.clone(), Some(other_figures)], &[1, 1], &cfg);
        assert_eq!(got, vec![None, None]);
        // A long article whose view counter changed: nearly every shingle agrees.
        let mut counter_changed = sig(1, 125, 6).unwrap();
        counter_changed.wording = report.as_ref().unwrap().wording;
        let got = clusters(&[report, Some(counter_changed)], &[1, 1], &cfg);
        assert_eq!(got[1].map(|h| h.kept), Some(0));
    }

    #[test]
    fn containment_needs_enough_equal_bins() {
        // A short page whose few bins happen to agree with a long one's is not a copy of it.
        let long = sig_of(1, SIG_BINS, 0, 5000);
        let short = sig_of(1, MIN_EQUAL_FOR_CONTAINMENT as usize - 1, 3, 60);
        let likeness = short.as_ref().unwrap().likeness(long.as_ref().unwrap());
        assert!(likeness.first_in_second >= 0.8);
        let got = clusters(&[long, short], &[1, 1], &NearDupConfig::default());
        assert_eq!(got, vec![None, None]);
    }

    #[test]
    fn template_is_site_local_site_share_or_short_and_shared() {
        let cfg = DecideConfig::default();
        let stats = |docs, sites| KeyStats { docs, sites };
        assert!(is_template(stats(9, 1), 9, 1000, 40, &cfg), "site-local");
        assert!(
            !is_template(stats(9, 6), 2, 1000, 40, &cfg),
            "syndicated to six sites"
        );
        assert!(
            is_template(stats(60, 6), 50, 1000, 40, &cfg),
            "5% of its site"
        );
        assert!(
            !is_template(stats(2, 1), 2, 2, 40, &cfg),
            "two versions of a page"
        );
        assert!(
            is_template(stats(2, 1), 2, 2, 6, &cfg),
            "a sidebar line of a two-page site"
        );
        assert!(
            !is_template(stats(3, 1), 3, 10, 40, &cfg),
            "a paragraph of three copies of a story in a site of ten"
        );
        assert!(
            is_template(stats(3, 1), 3, 10, 12, &cfg),
            "a short line of three pages of a site of ten"
        );
        assert!(
            is_template(stats(3, 1), 3, 4, 40, &cfg),
            "a paragraph in three of a site's four pages"
        );
    }

    #[test]
    fn keep_longest_keeps_the_longest() {
        let sigs = vec![sig(1, SIG_BINS, 0), sig(1, 124, 3)];
        let cfg = NearDupConfig {
            keep: KeepPolicy::Longest,
            ..NearDupConfig::default()
        };
        let got = clusters(&sigs, &[100, 200], &cfg);
        assert_eq!(
            got[0].map(|h| (h.kept, h.because)),
            Some((1, KeptBecause::Longest))
        );
        assert_eq!(got[1], None);
    }
}
