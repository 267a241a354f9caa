//! Stages: the steps of a `clean` run as functions over documents held in memory, for callers
//! that schedule the work themselves (the Python package, Ray or Spark workers).
//!
//! [`crate::pipeline::run`] reads folders and runs every stage in one process. A caller that
//! holds documents in memory, and may spread them over processes or machines, calls these
//! functions in the same order and gets the same decisions, because they are the functions the
//! pipeline itself uses:
//!
//! 1. [`scan`] each document: segmentation, block keys, shingle samples and, for decisions,
//!    classifier features and pattern hits.
//! 2. Exact duplicates: documents with equal [`DocFingerprint::content`]; the first in run
//!    order is kept, the others are neither counted nor written.
//! 3. Count: every counted document (not a duplicate, with content) gives its distinct keys as
//!    [`Contribution`]s. Contributions [`combine`] associatively and commutatively, so they can
//!    be combined per batch, shuffled by [`partition_of`] their key, and combined again;
//!    [`retained_records`] turns one partition (all contributions of its keys) into the count
//!    records of the keys held by two or more documents, the only ones a decision reads. The
//!    records gathered from every partition build the lookup table ([`frozen`]): the full table
//!    never has to be in one place.
//! 4. Near-duplicates: [`content_signature`] of every counted document with the block counts of
//!    step 3, [`band_keys`] for LSH buckets, the members of the buckets of one partition
//!    compared by [`bucket_pairs`], and the verified pairs of all partitions resolved in keep
//!    order by [`resolve_near_duplicates`] (no chaining, as in [`near_dup::clusters`]).
//! 5. Count again, blocks and shingles, each near-duplicate cluster once: a clustered
//!    document's contributions carry its cluster and its place in it (run order), so a key
//!    counts once per cluster, at the site of the first member holding it.
//! 6. [`decide`] and [`cleaned`] each document with the frozen counts.
//!
//! Sites are numbered by the sorted list of site names, which starts with the empty name (no
//! site, id 0), as in a run; site sizes count the documents counted in step 3.
//!
//! One difference from a run, in step 4: [`near_dup::clusters`] compares a document with at
//! most 32 kept documents per bucket, a bound a distributed caller cannot apply (whether a
//! document is kept is known only after the pairs are gathered), so [`bucket_pairs`] compares
//! every pair of a bucket. The result is the same unless a bucket holds more than 32 kept
//! documents before a document, where this can find a match the run's bound skipped. A bucket
//! of m documents costs m²/2 comparisons of 128 bins.

use crate::config::Config;
use crate::count::{CorpusCounts, CountTable, FrozenCounts, Record, SiteId};
use crate::decide::near_dup::{self, NearDupConfig, NearHit, BANDS};
use crate::decide::{article_blocks, decide_document, Decision, Fate, PatternHit, Strength};
use crate::features;
use crate::fingerprint::{fingerprint, DocFingerprint, Key, Scratch};
use crate::output::text;
use crate::segment::{segment, trim_terminator, Unit};
use crate::sketch::{signature, Signature, SketchScratch};

/// What [`scan`] learns about one document.
#[derive(Debug, Clone)]
pub struct Scanned {
    pub print: DocFingerprint,
    /// The user's pattern matches, by block index (empty when not scanned for decisions).
    pub hits: Vec<(u32, PatternHit)>,
    pub unit: Unit,
}

/// Scratch space for [`scan`], sampling shingles when the settings match template variants.
pub fn scratch_for(cfg: &Config) -> Scratch {
    Scratch::new(cfg.decide.matches_variants())
}

/// Segment and fingerprint one document. `for_decisions` adds what only decisions read
/// (classifier features, pattern hits); counting and sketching do without.
pub fn scan(bytes: &[u8], cfg: &Config, scratch: &mut Scratch, for_decisions: bool) -> Scanned {
    let seg = segment(bytes, cfg.unit);
    let mut print = fingerprint(bytes, &seg, scratch);
    if !for_decisions {
        return Scanned {
            print,
            hits: Vec::new(),
            unit: seg.unit,
        };
    }
    if cfg.decide.classifier.strength != Strength::Off {
        print.features = Some(features::extract(bytes, &seg));
    }
    let hits = if cfg.patterns.is_empty() {
        Vec::new()
    } else {
        seg.blocks
            .iter()
            .enumerate()
            .filter_map(|(i, span)| {
                let text = String::from_utf8_lossy(trim_terminator(&bytes[span.clone()]));
                cfg.patterns.classify(&text).map(|hit| (i as u32, hit))
            })
            .collect()
    };
    Scanned {
        print,
        hits,
        unit: seg.unit,
    }
}

/// `Contribution::cluster` of a document in no near-duplicate cluster.
pub const NO_CLUSTER: u64 = u64::MAX;

/// A document's (or, combined, several documents') part in the count of one key.
///
/// Outside clusters, `docs` documents of `site` hold `key`. A clustered document holds `key`
/// as member `member` (its place in run order) of cluster `cluster`: only the first member
/// holding a key counts it, at its site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Contribution {
    pub key: Key,
    pub cluster: u64,
    pub member: u32,
    pub site: SiteId,
    pub docs: u32,
}

/// The block and shingle contributions of one counted document: its distinct keys and
/// distinct shingle samples. `cluster` is `(cluster, member)` for a near-duplicate cluster's
/// member (step 5), `None` otherwise.
pub fn contributions(
    print: &DocFingerprint,
    site: SiteId,
    cluster: Option<(u64, u32)>,
) -> (Vec<Contribution>, Vec<Contribution>) {
    let (cluster, member) = cluster.unwrap_or((NO_CLUSTER, 0));
    let of = |keys: Vec<Key>| -> Vec<Contribution> {
        let mut keys = keys;
        keys.sort_unstable();
        keys.dedup();
        keys.into_iter()
            .map(|key| Contribution {
                key,
                cluster,
                member,
                site,
                docs: 1,
            })
            .collect()
    };
    (
        of(print.blocks.iter().filter_map(|b| b.key()).collect()),
        of(print.shingles.clone()),
    )
}

/// Combine contributions: equal `(key, site)` pairs outside clusters add their documents; of a
/// cluster's contributions to one key only the first member's stays. Associative and
/// commutative, and combining a combination changes nothing, so any split of the documents
/// over batches, workers and partitions gives the same counts. Sorted on return.
pub fn combine(mut contributions: Vec<Contribution>) -> Vec<Contribution> {
    contributions.sort_unstable();
    let mut out: Vec<Contribution> = Vec::with_capacity(contributions.len());
    for c in contributions {
        match out.last_mut() {
            Some(last) if last.key == c.key && last.cluster == c.cluster => {
                if c.cluster == NO_CLUSTER && last.site == c.site {
                    last.docs = last.docs.saturating_add(c.docs);
                } else if c.cluster != NO_CLUSTER {
                    // Sorted by member: the earlier member is already in place.
                } else {
                    out.push(c);
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// The partition (of `partitions`) that counts `key`; keys are uniform hashes.
pub fn partition_of(key: Key, partitions: u64) -> u64 {
    key % partitions.max(1)
}

/// Every contribution to a set of keys (one partition) → the count records of those keys held
/// by two or more documents, every site's record of them included. Keys of one document are
/// left out: a decision treats a key missing from the table as held once.
pub fn retained_records(contributions: Vec<Contribution>) -> Vec<Record> {
    let records = combine(contributions)
        .into_iter()
        .map(|c| Record {
            key: c.key,
            site: c.site,
            docs: if c.cluster == NO_CLUSTER { c.docs } else { 1 },
        })
        .collect();
    let table = CountTable::from_records(records);
    let records = table.records();
    let mut out = Vec::new();
    let mut i = 0;
    while i < records.len() {
        let key = records[i].key;
        let end = records[i..]
            .iter()
            .position(|r| r.key != key)
            .map_or(records.len(), |n| i + n);
        let docs = records[i..end]
            .iter()
            .fold(0u32, |sum, r| sum.saturating_add(r.docs));
        if docs >= 2 {
            out.extend_from_slice(&records[i..end]);
        }
        i = end;
    }
    out
}

/// The lookup table decisions read, from the [`retained_records`] of every partition and the
/// number of counted documents of each site (by site id; site 0, no site, never counts).
pub fn frozen(records: Vec<Record>, mut site_sizes: Vec<u32>) -> FrozenCounts {
    if let Some(no_site) = site_sizes.first_mut() {
        // Documents without a site share no template: the site-share rule never applies.
        *no_site = 0;
    }
    CountTable::from_records(records).freeze(site_sizes)
}

/// The MinHash signature of a counted document's article text, or `None` when it has too
/// little to compare (fewer than [`crate::sketch::MIN_WORDS`] words). The article text is what
/// the run's own decisions keep with the counts of step 3 (`counts`, blocks and shingles), its
/// site's chrome, classified chrome and template variants left out, except that recurrence
/// that looks like the story's own copies does not count ([`crate::decide::article_blocks`]).
pub fn content_signature(
    bytes: &[u8],
    print: &DocFingerprint,
    site: SiteId,
    hits: &[(u32, PatternHit)],
    counts: &CorpusCounts,
    cfg: &Config,
    scratch: &mut SketchScratch,
) -> Option<Signature> {
    print.content?;
    let article = article_blocks(print, site, hits, counts, &cfg.decide);
    signature(bytes, &print.blocks, |i| article[i], scratch)
}

/// The LSH bucket keys of a signature, one per band.
pub fn band_keys(sig: &Signature) -> [u64; BANDS] {
    near_dup::band_keys(sig)
}

/// Near-duplicate pairs among documents given in keep order (index = rank; see
/// [`near_dup::KeepPolicy`]): `(earlier, later, equal bins)` for every two documents that
/// share a band key of this partition (`partition_of(key, partitions) == partition`) and
/// that match by [`NearDupConfig::matches`]. Each pair once, sorted.
pub fn bucket_pairs(
    signatures: &[Signature],
    bands: &[[u64; BANDS]],
    partition: u64,
    partitions: u64,
    cfg: &NearDupConfig,
) -> Vec<(u32, u32, u32)> {
    let mut entries: Vec<(u64, u32)> = bands
        .iter()
        .enumerate()
        .flat_map(|(d, keys)| keys.iter().map(move |&k| (k, d as u32)))
        .filter(|&(k, _)| partition_of(k, partitions) == partition)
        .collect();
    entries.sort_unstable();
    entries.dedup();
    let mut candidates: Vec<(u32, u32)> = Vec::new();
    let mut i = 0;
    while i < entries.len() {
        let key = entries[i].0;
        let end = entries[i..]
            .iter()
            .position(|e| e.0 != key)
            .map_or(entries.len(), |n| i + n);
        for (j, &(_, later)) in entries[i..end].iter().enumerate() {
            candidates.extend(
                entries[i..i + j]
                    .iter()
                    .map(|&(_, earlier)| (earlier, later)),
            );
        }
        i = end;
    }
    candidates.sort_unstable();
    candidates.dedup();
    candidates
        .into_iter()
        .filter_map(|(a, b)| {
            let (sa, sb) = (signatures.get(a as usize)?, signatures.get(b as usize)?);
            let likeness = sa.likeness(sb);
            cfg.matches(&likeness).then_some((a, b, likeness.equal))
        })
        .collect()
}

/// Resolve verified pairs `(earlier, later, _)` of the documents whose `signatures` are given
/// in keep order (every document in a pair; others may be left out): each document is visited
/// in that order with its earlier partners as candidates, by the rule of
/// [`near_dup::Clusters`] that a run applies to its bucket mates. Returns, per document (by
/// rank), the written document (by rank) it duplicates.
pub fn resolve_near_duplicates(
    signatures: &[Signature],
    pairs: &[(u32, u32, u32)],
    cfg: &NearDupConfig,
) -> Vec<Option<NearHit>> {
    let n = signatures.len();
    let mut by_later: Vec<(u32, u32)> = pairs
        .iter()
        .filter(|&&(a, b, _)| a < b && (b as usize) < n)
        .map(|&(a, b, _)| (b, a))
        .collect();
    by_later.sort_unstable();
    by_later.dedup();
    let mut clusters = near_dup::Clusters::new(n, cfg);
    let mut signature = |d: usize| Ok::<_, std::convert::Infallible>(&signatures[d]);
    let mut i = 0;
    while i < by_later.len() {
        let d = by_later[i].0;
        let end = by_later[i..]
            .iter()
            .position(|p| p.0 != d)
            .map_or(by_later.len(), |k| i + k);
        let partners = by_later[i..end].iter().map(|&(_, a)| a as usize);
        if let Err(never) = clusters.visit(d as usize, partners, &mut signature) {
            match never {}
        }
        i = end;
    }
    clusters.finish()
}

/// Decide every block of one counted, non-duplicate document with the frozen counts.
pub fn decide(
    scanned: &Scanned,
    site: SiteId,
    counts: &crate::count::CorpusCounts,
    cfg: &Config,
) -> Decision {
    decide_document(&scanned.print, site, &scanned.hits, counts, &cfg.decide)
}

/// The cleaned text of a document to be written (kept blocks, byte for byte), or `None` when
/// the decision is not to write it (emptied, no content).
pub fn cleaned(bytes: &[u8], print: &DocFingerprint, decision: &Decision) -> Option<Vec<u8>> {
    if decision.fate != Fate::Written {
        return None;
    }
    let mut removed = vec![false; print.blocks.len()];
    for r in &decision.removals {
        if let Some(slot) = removed.get_mut(r.block as usize) {
            *slot = true;
        }
    }
    Some(text::assemble(bytes, &print.blocks, &removed))
}

/// Partial counts of documents whose sites are named, for callers that agree on no site list
/// up front (the Python package's plain API): each worker adds documents, partial counts merge
/// in any order, and [`PartialCounts::freeze`] gives the table decisions read. Every document
/// added must be counted once: not an exact duplicate of another (see step 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialCounts {
    /// Sorted, starting with the empty name (no site); contributions index this list.
    sites: Vec<String>,
    site_sizes: Vec<u32>,
    blocks: Vec<Contribution>,
    shingles: Vec<Contribution>,
}

impl Default for PartialCounts {
    fn default() -> Self {
        PartialCounts {
            sites: vec![String::new()],
            site_sizes: vec![0],
            blocks: Vec::new(),
            shingles: Vec::new(),
        }
    }
}

impl PartialCounts {
    /// Count one document of `site` (`""`: no site); `cluster` as in [`contributions`].
    pub fn add(&mut self, print: &DocFingerprint, site: &str, cluster: Option<(u64, u32)>) {
        if print.content.is_none() {
            return;
        }
        let id = self.site_id(site);
        self.site_sizes[id as usize] += 1;
        let (blocks, shingles) = contributions(print, id, cluster);
        self.blocks.extend(blocks);
        self.shingles.extend(shingles);
    }

    /// The id of a site, adding it to the sorted list (and renumbering) when new.
    fn site_id(&mut self, site: &str) -> SiteId {
        match self.sites.binary_search_by(|s| s.as_str().cmp(site)) {
            Ok(i) => i as SiteId,
            Err(i) => {
                self.sites.insert(i, site.to_string());
                self.site_sizes.insert(i, 0);
                let at = i as SiteId;
                for c in self.blocks.iter_mut().chain(self.shingles.iter_mut()) {
                    if c.site >= at {
                        c.site += 1;
                    }
                }
                at
            }
        }
    }

    /// Both parts' documents; the same for any order or grouping of merges.
    pub fn merge(mut self, other: PartialCounts) -> PartialCounts {
        let mut renumber = Vec::with_capacity(other.sites.len());
        for (name, size) in other.sites.iter().zip(&other.site_sizes) {
            let id = self.site_id(name);
            self.site_sizes[id as usize] += size;
            renumber.push(id);
        }
        let moved = |c: &Contribution| Contribution {
            site: renumber[c.site as usize],
            ..*c
        };
        self.blocks.extend(other.blocks.iter().map(moved));
        self.shingles.extend(other.shingles.iter().map(moved));
        self.blocks = combine(std::mem::take(&mut self.blocks));
        self.shingles = combine(std::mem::take(&mut self.shingles));
        self
    }

    /// Documents counted.
    pub fn documents(&self) -> u64 {
        self.site_sizes.iter().map(|&n| u64::from(n)).sum()
    }

    /// The frozen table of these documents.
    pub fn freeze(&self) -> SitedCounts {
        let blocks = retained_records(self.blocks.clone());
        let shingles = retained_records(self.shingles.clone());
        SitedCounts::new(
            self.sites.clone(),
            self.site_sizes.clone(),
            blocks,
            shingles,
        )
    }

    /// Site names (sorted, the first empty), documents per site, block and shingle
    /// contributions (combined): everything needed to send these counts elsewhere.
    pub fn parts(&self) -> (&[String], &[u32], &[Contribution], &[Contribution]) {
        (&self.sites, &self.site_sizes, &self.blocks, &self.shingles)
    }

    /// Counts sent as [`PartialCounts::parts`]; refused when the parts do not fit together.
    pub fn from_parts(
        sites: Vec<String>,
        site_sizes: Vec<u32>,
        blocks: Vec<Contribution>,
        shingles: Vec<Contribution>,
    ) -> Result<PartialCounts, crate::Error> {
        let bad = |m: &str| Err(crate::Error::Config(format!("partial counts: {m}")));
        if sites.first().map(String::as_str) != Some("") || !sites.windows(2).all(|w| w[0] < w[1]) {
            return bad("site names must be sorted, unique and start with the empty name");
        }
        if site_sizes.len() != sites.len() {
            return bad("one document count per site is needed");
        }
        if blocks
            .iter()
            .chain(&shingles)
            .any(|c| c.site as usize >= sites.len())
        {
            return bad("a contribution names a site that is not listed");
        }
        Ok(PartialCounts {
            sites,
            site_sizes,
            blocks: combine(blocks),
            shingles: combine(shingles),
        })
    }
}

/// Frozen counts with the names of their sites, built from gathered records.
#[derive(Debug, Clone)]
pub struct SitedCounts {
    pub counts: crate::count::CorpusCounts,
    /// Sorted, the first empty (no site); a site id indexes this list.
    pub sites: Vec<String>,
}

impl SitedCounts {
    /// From the site list, documents per site and the [`retained_records`] of blocks and
    /// shingles (all partitions').
    pub fn new(
        sites: Vec<String>,
        site_sizes: Vec<u32>,
        blocks: Vec<Record>,
        shingles: Vec<Record>,
    ) -> SitedCounts {
        SitedCounts {
            counts: crate::count::CorpusCounts {
                blocks: frozen(blocks, site_sizes.clone()),
                shingles: frozen(shingles, site_sizes),
            },
            sites,
        }
    }

    /// The id of a site; a site these counts never saw gets an id of its own, with no
    /// documents.
    pub fn site_id(&self, site: &str) -> SiteId {
        match self.sites.binary_search_by(|s| s.as_str().cmp(site)) {
            Ok(i) => i as SiteId,
            Err(_) => self.sites.len() as SiteId,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sketch::SIG_BINS;
    use proptest::prelude::*;

    fn arb_contributions() -> impl Strategy<Value = Vec<Contribution>> {
        prop::collection::vec(
            (0u64..12, prop::option::of((0u64..3, 0u32..4)), 0u32..3).prop_map(
                |(key, cluster, site)| {
                    let (cluster, member) = cluster.unwrap_or((NO_CLUSTER, 0));
                    Contribution {
                        key,
                        cluster,
                        member,
                        site,
                        docs: 1,
                    }
                },
            ),
            0..30,
        )
    }

    proptest! {
        #[test]
        fn combining_is_associative_commutative_and_idempotent(
            a in arb_contributions(), b in arb_contributions(), c in arb_contributions()
        ) {
            let all: Vec<_> = a.iter().chain(&b).chain(&c).copied().collect();
            let whole = combine(all.clone());
            let parts = combine(
                combine(a.clone()).into_iter().chain(combine(b.clone().into_iter().chain(c.clone()).collect())).collect(),
            );
            prop_assert_eq!(&whole, &parts);
            let reversed: Vec<_> = all.iter().rev().copied().collect();
            prop_assert_eq!(&whole, &combine(reversed));
            prop_assert_eq!(&whole, &combine(whole.clone()));
            // Partitioned by key, the retained records are those of the whole.
            let mut split: Vec<Record> = (0..3)
                .flat_map(|p| retained_records(all.iter().copied().filter(|x| partition_of(x.key, 3) == p).collect()))
                .collect();
            split.sort_unstable();
            let mut single = retained_records(all);
            single.sort_unstable();
            prop_assert_eq!(split, single);
        }
    }

    #[test]
    fn a_cluster_counts_a_key_once_at_its_first_member() {
        let c = |key, cluster, member, site| Contribution {
            key,
            cluster,
            member,
            site,
            docs: 1,
        };
        let records = retained_records(vec![
            c(7, 0, 1, 2),
            c(7, 0, 0, 1),
            c(7, NO_CLUSTER, 0, 1),
            c(8, 0, 0, 1),
            c(8, 0, 1, 1),
        ]);
        // Key 7: the cluster once (site 1, its member 0) plus an unclustered document of site 1.
        assert_eq!(
            records,
            vec![Record {
                key: 7,
                site: 1,
                docs: 2
            }]
        );
    }

    fn sig(base: u32, same: usize, salt: u32) -> Signature {
        let mut bins = Box::new([0u32; SIG_BINS]);
        for (i, b) in bins.iter_mut().enumerate() {
            *b = if i < same {
                base.wrapping_mul(1000) + i as u32
            } else {
                salt.wrapping_mul(7919).wrapping_add(i as u32 * 31)
            };
        }
        Signature {
            bins,
            shingles: 400,
            wording: u64::from(base) << 40 | (same as u64) << 20 | u64::from(salt),
        }
    }

    #[test]
    fn pairs_resolved_equal_the_clusters_of_a_run() {
        let sigs = vec![
            sig(1, SIG_BINS, 0),
            sig(1, 120, 5),
            sig(1, 64, 6),
            sig(2, SIG_BINS, 0),
            sig(1, 110, 9),
            sig(2, 100, 4),
        ];
        let cfg = near_dup::NearDupConfig::default();
        let expected = near_dup::clusters(
            &sigs.iter().cloned().map(Some).collect::<Vec<_>>(),
            &[0; 6],
            &cfg,
        );
        let bands: Vec<_> = sigs.iter().map(band_keys).collect();
        let pairs: Vec<_> = (0..4)
            .flat_map(|p| bucket_pairs(&sigs, &bands, p, 4, &cfg))
            .collect();
        assert_eq!(resolve_near_duplicates(&sigs, &pairs, &cfg), expected);
        assert!(expected.iter().filter(|e| e.is_some()).count() >= 2);
    }

    #[test]
    fn partial_counts_merge_in_any_order_to_the_counts_of_all() {
        let cfg = Config::default();
        let mut scratch = scratch_for(&cfg);
        let docs = [
            (
                "b.example",
                "Menu | Home\nA story about the harbour wall and its repair.\n",
            ),
            (
                "a.example",
                "Menu | Home\nThe council met on Tuesday to discuss the budget.\n",
            ),
            (
                "b.example",
                "Menu | Home\nFerry times change in winter for the island route.\n",
            ),
            (
                "",
                "Menu | Home\nA page without a site at all, with its own words.\n",
            ),
        ];
        let print =
            |text: &str, scratch: &mut Scratch| scan(text.as_bytes(), &cfg, scratch, false).print;
        let mut whole = PartialCounts::default();
        let mut left = PartialCounts::default();
        let mut right = PartialCounts::default();
        for (i, (site, text)) in docs.iter().enumerate() {
            let p = print(text, &mut scratch);
            whole.add(&p, site, None);
            if i % 2 == 0 {
                left.add(&p, site, None)
            } else {
                right.add(&p, site, None)
            }
        }
        let merged = right.clone().merge(left.clone());
        assert_eq!(left.merge(right).parts().0, merged.parts().0);
        let whole = whole.merge(PartialCounts::default());
        assert_eq!(whole, merged);
        let frozen = merged.freeze();
        let menu = print("Menu | Home\n", &mut scratch).blocks[0]
            .key()
            .unwrap();
        assert_eq!(frozen.counts.blocks.stats(menu).docs, 4);
        assert_eq!(frozen.counts.blocks.stats(menu).sites, 3);
        assert_eq!(
            frozen
                .counts
                .blocks
                .site_docs(menu, frozen.site_id("b.example")),
            2
        );
        assert_eq!(frozen.counts.blocks.site_size(frozen.site_id("")), 0);
        assert_eq!(
            frozen.site_id("unknown.example") as usize,
            frozen.sites.len()
        );
        let (sites, sizes, blocks, shingles) = merged.parts();
        let back = PartialCounts::from_parts(
            sites.to_vec(),
            sizes.to_vec(),
            blocks.to_vec(),
            shingles.to_vec(),
        )
        .unwrap();
        assert_eq!(back, merged);
        assert!(PartialCounts::from_parts(vec!["x".into()], vec![1], vec![], vec![]).is_err());
    }
}
