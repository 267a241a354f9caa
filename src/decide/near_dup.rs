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
use crate::decide::DecideConfig;
use crate::sketch::{Signature, SIG_BINS};

/// LSH bands and rows per band (`BANDS * ROWS == SIG_BINS`): a pair at similarity 0.7 becomes
/// a candidate with probability 1 - (1 - 0.7^4)^32 > 0.999.
pub const BANDS: usize = 32;
pub const ROWS: usize = SIG_BINS / BANDS;
/// Kept documents compared per bucket at most, so a crowded bucket cannot go quadratic.
const MAX_PER_BUCKET: usize = 32;

/// A block in at least this many documents of its site can be template.
pub const TEMPLATE_MIN_SITE_DOCS: u32 = 3;
/// A line shorter than this many words found in another document of its site is chrome (menus,
/// sidebars, link lists); article paragraphs are longer.
pub const TEMPLATE_SHORT_WORDS: u32 = 20;

/// Whether a block is part of its site's chrome, left out of signatures so that different
/// articles sharing a template do not look alike: it recurs inside one site only (at least
/// `min_docs` documents, all of one site); or it is in at least three and `min_site_share` of
/// its site's documents; or it is a short line found in another document of its site. Narrower
/// than the boilerplate rules on purpose: the paragraphs of a story syndicated to several sites,
/// or of two versions of one page, stay in the signatures, so the copies are found.
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
    let short_shared = site_documents >= 2 && words < TEMPLATE_SHORT_WORDS;
    site_local || site_share || short_shared
}

/// Which copy of a cluster is written.
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
    /// Estimated Jaccard similarity of word 5-gram sets at or above which two documents are
    /// near-duplicates.
    pub threshold: f64,
    pub keep: KeepPolicy,
}

impl Default for NearDupConfig {
    fn default() -> Self {
        NearDupConfig {
            enabled: true,
            threshold: 0.7,
            keep: KeepPolicy::First,
        }
    }
}

/// For every document, the kept document it duplicates and their similarity.
pub fn clusters(
    signatures: &[Option<Signature>],
    lengths: &[u64],
    cfg: &NearDupConfig,
) -> Vec<Option<(usize, f64)>> {
    let present: Vec<bool> = signatures.iter().map(Option::is_some).collect();
    let order = keep_order(&present, lengths, cfg.keep);
    let mut entries: Vec<BandEntry> = Vec::with_capacity(order.len() * BANDS);
    for (r, &d) in order.iter().enumerate() {
        if let Some(sig) = &signatures[d] {
            entries.extend((0..BANDS).map(|band| BandEntry::new(sig, r, band)));
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
    pub fn new(sig: &Signature, rank: usize, band: usize) -> BandEntry {
        BandEntry {
            key: band_key(sig, band),
            rank: rank as u32,
            band: band as u32,
        }
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

/// Visit the documents in keep order (`order`, of `n` documents in all): each joins the most
/// similar earlier *kept* document among its bucket mates (at most [`MAX_PER_BUCKET`] kept
/// ones per bucket, the latest), or is kept. `signature(d)` gives document `d`'s signature,
/// from memory or from disk.
pub fn resolve<S: std::borrow::Borrow<Signature>, E>(
    order: &[usize],
    n: usize,
    links: &BucketLinks,
    cfg: &NearDupConfig,
    mut signature: impl FnMut(usize) -> Result<S, E>,
) -> Result<Vec<Option<(usize, f64)>>, E> {
    let mut out = vec![None; n];
    let mut kept = vec![false; n];
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
                if kept[order[mate]] {
                    candidates.push(mate);
                    taken += 1;
                }
                next = links.before(at);
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut best: Option<(usize, f64)> = None;
        if !candidates.is_empty() {
            let sig = signature(d)?;
            for &mate in &candidates {
                let m = order[mate];
                let s = sig.borrow().similarity(signature(m)?.borrow());
                if s >= cfg.threshold && best.is_none_or(|(_, b)| s > b) {
                    best = Some((m, s));
                }
            }
        }
        match best {
            Some(hit) => out[d] = Some(hit),
            None => kept[d] = true,
        }
    }
    Ok(out)
}

/// The LSH bucket of one band of a signature: documents sharing a band key are candidates.
/// The band index seeds the hash, so equal bins in different bands make different keys.
pub fn band_key(sig: &Signature, band: usize) -> u64 {
    let mut h = Xxh3::with_seed(band as u64);
    for v in &sig.0[band * ROWS..(band + 1) * ROWS] {
        h.update(&v.to_le_bytes());
    }
    h.digest()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The clusters by the sorted entries themselves: a bucket's earlier members are the
    /// entries just before a document's own, with the same key. What the links must equal.
    fn clusters_by_scanning(
        signatures: &[Option<Signature>],
        lengths: &[u64],
        cfg: &NearDupConfig,
    ) -> Vec<Option<(usize, f64)>> {
        let present: Vec<bool> = signatures.iter().map(Option::is_some).collect();
        let order = keep_order(&present, lengths, cfg.keep);
        let mut entries: Vec<BandEntry> = Vec::new();
        for (r, &d) in order.iter().enumerate() {
            let sig = signatures[d].as_ref().unwrap();
            entries.extend((0..BANDS).map(|band| BandEntry::new(sig, r, band)));
        }
        entries.sort_unstable();
        let mut position = vec![0usize; order.len() * BANDS];
        for (i, e) in entries.iter().enumerate() {
            position[e.rank as usize * BANDS + e.band as usize] = i;
        }
        let mut out = vec![None; signatures.len()];
        let mut kept = vec![false; signatures.len()];
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
                        .filter(|&m| kept[order[m]])
                        .take(MAX_PER_BUCKET),
                );
            }
            candidates.sort_unstable();
            candidates.dedup();
            let sig = signatures[d].as_ref().unwrap();
            let mut best: Option<(usize, f64)> = None;
            for &m in &candidates {
                let s = sig.similarity(signatures[order[m]].as_ref().unwrap());
                if s >= cfg.threshold && best.is_none_or(|(_, b)| s > b) {
                    best = Some((order[m], s));
                }
            }
            match best {
                Some(hit) => out[d] = Some(hit),
                None => kept[d] = true,
            }
        }
        out
    }

    /// Signatures whose bins are often one of two values: crowded buckets (more than
    /// [`MAX_PER_BUCKET`] kept members), near-duplicates and documents without one.
    pub(crate) fn crowded() -> impl Strategy<Value = Vec<Option<Signature>>> {
        let bin = prop_oneof![6 => Just(0u32), 2 => 0u32..2, 1 => any::<u32>()];
        let sig = prop::collection::vec(bin, SIG_BINS)
            .prop_map(|bins| Signature(Box::new(bins.try_into().unwrap())));
        prop::collection::vec(prop::option::weighted(0.9, sig), 0..120)
    }

    proptest! {
        #[test]
        fn links_find_the_clusters_the_sorted_entries_do(
            sigs in crowded(),
            longest in any::<bool>(),
            threshold in 0.3f64..0.9,
            seed in any::<u64>(),
        ) {
            let lengths: Vec<u64> = (0..sigs.len() as u64).map(|i| i.wrapping_mul(seed) % 7).collect();
            let cfg = NearDupConfig {
                threshold,
                keep: if longest { KeepPolicy::Longest } else { KeepPolicy::First },
                ..NearDupConfig::default()
            };
            prop_assert_eq!(
                clusters(&sigs, &lengths, &cfg),
                clusters_by_scanning(&sigs, &lengths, &cfg)
            );
        }
    }

    /// A signature whose first `same` bins equal `base`'s and the rest are unique to `salt`.
    fn sig(base: u32, same: usize, salt: u32) -> Option<Signature> {
        let mut bins = Box::new([0u32; SIG_BINS]);
        for (i, b) in bins.iter_mut().enumerate() {
            *b = if i < same {
                base.wrapping_mul(1000) + i as u32
            } else {
                salt.wrapping_mul(7919).wrapping_add(i as u32 * 31)
            };
        }
        Some(Signature(bins))
    }

    #[test]
    fn near_copies_join_the_first_and_far_ones_do_not() {
        let sigs = vec![
            sig(1, SIG_BINS, 0),
            sig(1, 120, 5), // 120/128 = 0.94 like document 0
            sig(1, 64, 6),  // 0.5: not a near-duplicate
            None,
            sig(2, SIG_BINS, 0),
        ];
        let got = clusters(&sigs, &[10, 20, 30, 40, 50], &NearDupConfig::default());
        assert_eq!(got[0], None);
        assert_eq!(got[1].map(|(k, _)| k), Some(0));
        assert!((got[1].unwrap().1 - 120.0 / 128.0).abs() < 1e-9);
        assert_eq!(got[2], None);
        assert_eq!(got[3], None);
        assert_eq!(got[4], None);
    }

    #[test]
    fn no_chaining_through_members() {
        // b is close to a, c is close to b but not to a: c must not join a's cluster via b.
        let a = sig(1, SIG_BINS, 0);
        let mut b_bins = a.clone().unwrap();
        for i in 0..20 {
            b_bins.0[i] = 900_000 + i as u32;
        }
        let mut c_bins = b_bins.clone();
        for i in 20..40 {
            c_bins.0[i] = 800_000 + i as u32;
        }
        let sigs = vec![a, Some(b_bins), Some(c_bins)];
        let cfg = NearDupConfig {
            threshold: 0.8,
            ..NearDupConfig::default()
        };
        let got = clusters(&sigs, &[1, 1, 1], &cfg);
        assert_eq!(got[1].map(|(k, _)| k), Some(0));
        // c vs a: 88/128 = 0.69 < 0.8, and b is not kept, so c keeps its own cluster.
        assert_eq!(got[2], None);
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
    }

    #[test]
    fn keep_longest_keeps_the_longest() {
        let sigs = vec![sig(1, SIG_BINS, 0), sig(1, 124, 3)];
        let cfg = NearDupConfig {
            keep: KeepPolicy::Longest,
            ..NearDupConfig::default()
        };
        let got = clusters(&sigs, &[100, 200], &cfg);
        assert_eq!(got[0].map(|(k, _)| k), Some(1));
        assert_eq!(got[1], None);
    }
}
