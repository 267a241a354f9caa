//! Count: in how many distinct documents, and in how many sites, each key occurs.
//!
//! In: per document, its site and its *distinct* block keys (duplicate documents already left
//! out, so an article scraped twice does not count twice). Out: a [`FrozenCounts`] table that
//! pass 2 reads without locks.
//!
//! Each worker builds a [`CountTable`]: sorted, unique `(key, site, documents)` records of 16
//! bytes. Tables merge by a sorted merge that adds the document counts of equal `(key, site)`
//! records; that merge is associative and commutative, so the result is the same for any
//! thread count or split of the corpus (tested as a monoid). Freezing keeps only what decisions
//! can use: keys seen in two or more documents (a key missing from the table occurred once).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use crate::error::Error;
use crate::fingerprint::Key;
use crate::spill::{merge_runs, write_run, Combined, FixedRecord, Run, SpillDir};

/// A site's index in the run's sorted list of sites.
pub type SiteId = u32;

/// One `(key, site)` pair and the number of distinct documents of that site holding the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Record {
    pub key: Key,
    pub site: SiteId,
    pub docs: u32,
}

/// A worker's counts: records sorted by `(key, site)`, each pair once; with `--memory-limit`,
/// also sorted runs of such records on disk (a pair may then appear once per run and in memory;
/// freezing adds them up).
#[derive(Debug, Clone, Default)]
pub struct CountTable {
    records: Vec<Record>,
    runs: Vec<Arc<Run>>,
    dir: Option<Arc<SpillDir>>,
}

/// Two tables are equal when they hold the same records (tables with runs are never compared).
impl PartialEq for CountTable {
    fn eq(&self, other: &Self) -> bool {
        self.records == other.records && self.runs == other.runs
    }
}

impl Eq for CountTable {}

/// Accumulates `(key, site)` occurrences before they are sorted into a [`CountTable`]. A
/// builder made with [`CountBuilder::spilling`] holds at most its capacity of pairs: the
/// caller asks [`CountBuilder::needs_spill`] after each document and [`CountBuilder::spill`]s
/// a sorted run to disk.
#[derive(Debug, Default)]
pub struct CountBuilder {
    pairs: Vec<(Key, SiteId)>,
    runs: Vec<Arc<Run>>,
    spill: Option<(Arc<SpillDir>, &'static str, usize)>,
}

/// Where spilling builders write their runs, and how many pairs each holds at most.
#[derive(Debug, Clone)]
pub struct CountSpill {
    pub dir: Arc<SpillDir>,
    pub max_pairs: usize,
}

impl CountBuilder {
    /// A builder that spills runs named `what` whenever it holds `spill.max_pairs` pairs (16
    /// bytes each, allocated once).
    pub fn spilling(spill: &CountSpill, what: &'static str) -> CountBuilder {
        CountBuilder {
            pairs: Vec::new(),
            runs: Vec::new(),
            spill: Some((spill.dir.clone(), what, spill.max_pairs.max(1))),
        }
    }

    /// Add one document's distinct keys.
    pub fn add_document(&mut self, site: SiteId, distinct_keys: impl IntoIterator<Item = Key>) {
        if let (Some((_, _, max)), 0) = (&self.spill, self.pairs.capacity()) {
            // Exactly the budget: doubling growth would overshoot it.
            self.pairs.reserve_exact(*max);
        }
        self.pairs
            .extend(distinct_keys.into_iter().map(|key| (key, site)));
    }

    /// True when a spilling builder has reached its capacity.
    pub fn needs_spill(&self) -> bool {
        self.spill
            .as_ref()
            .is_some_and(|&(_, _, max)| self.pairs.len() >= max)
    }

    /// Write the pairs held so far to a sorted run on disk (spilling builders only).
    pub fn spill(&mut self) -> Result<(), Error> {
        let Some((dir, what, _)) = &self.spill else {
            return Ok(());
        };
        if self.pairs.is_empty() {
            return Ok(());
        }
        let run = write_run(dir, what, aggregate(&mut self.pairs))?;
        self.pairs.clear();
        self.runs.push(Arc::new(run));
        Ok(())
    }

    /// Sort and aggregate into a table.
    pub fn finish(mut self) -> CountTable {
        let records = aggregate(&mut self.pairs).collect();
        CountTable {
            records,
            runs: self.runs,
            dir: self.spill.map(|(dir, _, _)| dir),
        }
    }

    /// [`CountBuilder::finish`] for a spilling builder: every record goes to disk, so that
    /// finished tables waiting to be merged hold no memory.
    pub fn finish_spilled(mut self) -> Result<CountTable, Error> {
        self.spill()?;
        Ok(self.finish())
    }
}

/// Sort pairs and count each distinct pair once per occurrence.
fn aggregate(pairs: &mut [(Key, SiteId)]) -> impl Iterator<Item = Record> + '_ {
    pairs.sort_unstable();
    pairs.chunk_by(|a, b| a == b).map(|same| Record {
        key: same[0].0,
        site: same[0].1,
        docs: u32::try_from(same.len()).unwrap_or(u32::MAX),
    })
}

/// Adds the counts of two records of one `(key, site)` pair; `None` for different pairs.
fn add_records(a: Record, b: Record) -> Option<Record> {
    (a.key == b.key && a.site == b.site).then(|| Record {
        docs: a.docs.saturating_add(b.docs),
        ..a
    })
}

impl FixedRecord for Record {
    const SIZE: usize = 16;

    fn encode(&self, out: &mut [u8]) {
        out[..8].copy_from_slice(&self.key.to_le_bytes());
        out[8..12].copy_from_slice(&self.site.to_le_bytes());
        out[12..16].copy_from_slice(&self.docs.to_le_bytes());
    }

    fn decode(b: &[u8]) -> Self {
        let mut key = [0u8; 8];
        key.copy_from_slice(&b[..8]);
        let word = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        Record {
            key: u64::from_le_bytes(key),
            site: word(8),
            docs: word(12),
        }
    }
}

impl CountTable {
    /// A table of records gathered from elsewhere (other processes or machines): sorted, and
    /// the document counts of equal `(key, site)` pairs added, so any split of the records of
    /// a corpus gives the same table.
    pub fn from_records(mut records: Vec<Record>) -> CountTable {
        records.sort_unstable_by_key(|r| (r.key, r.site));
        let mut out: Vec<Record> = Vec::with_capacity(records.len());
        for r in records {
            match out.last_mut() {
                Some(last) if last.key == r.key && last.site == r.site => {
                    last.docs = last.docs.saturating_add(r.docs)
                }
                _ => out.push(r),
            }
        }
        CountTable {
            records: out,
            ..CountTable::default()
        }
    }

    /// The records held in memory (all of them unless the table spilled).
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// Records held in memory and on disk (a pair spilled twice counts twice).
    pub fn len(&self) -> usize {
        self.records.len() + self.runs.iter().map(|r| r.len() as usize).sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sorted runs on disk.
    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    /// Combine two tables; associative and commutative.
    pub fn merge(mut self, mut other: CountTable) -> CountTable {
        let mut runs = std::mem::take(&mut self.runs);
        runs.append(&mut other.runs);
        let dir = self.dir.take().or(other.dir.take());
        CountTable {
            records: merge_records(self.records, other.records),
            runs,
            dir,
        }
    }

    /// Build the read-only lookup table used by the decisions (a table held in memory).
    pub fn freeze(self, site_sizes: Vec<u32>) -> FrozenCounts {
        debug_assert!(
            self.runs.is_empty(),
            "spilled tables freeze with try_freeze"
        );
        self.freeze_in_memory(site_sizes, false)
    }

    fn freeze_in_memory(self, site_sizes: Vec<u32>, sorted: bool) -> FrozenCounts {
        let mut frozen = Freezer::new(site_sizes, sorted);
        for r in self.records {
            frozen.push(r);
        }
        frozen.finish()
    }

    /// [`CountTable::freeze`] for any table: its runs and memory are merged as one sorted
    /// stream (k-way), so the result equals freezing the same counts held in memory. A table
    /// made to spill (under a memory limit) freezes into sorted tables, which answer the same.
    pub fn try_freeze(self, site_sizes: Vec<u32>) -> Result<FrozenCounts, Error> {
        let sorted = self.dir.is_some();
        let Some(dir) = self.dir.clone().filter(|_| !self.runs.is_empty()) else {
            return Ok(self.freeze_in_memory(site_sizes, sorted));
        };
        let merge = merge_runs(&dir, "merged", self.runs, self.records, &add_records)?;
        let mut frozen = Freezer::new(site_sizes, sorted);
        for r in Combined::new(merge, &add_records) {
            frozen.push(r?);
        }
        Ok(frozen.finish())
    }
}

fn merge_records(a: Vec<Record>, b: Vec<Record>) -> Vec<Record> {
    if a.is_empty() {
        return b;
    }
    if b.is_empty() {
        return a;
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let mut a = a.into_iter().peekable();
    let mut b = b.into_iter().peekable();
    loop {
        let next = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => match (x.key, x.site).cmp(&(y.key, y.site)) {
                std::cmp::Ordering::Less => a.next(),
                std::cmp::Ordering::Greater => b.next(),
                std::cmp::Ordering::Equal => {
                    let (x, y) = (a.next(), b.next());
                    x.zip(y).and_then(|(x, y)| add_records(x, y))
                }
            },
            (Some(_), None) => a.next(),
            (None, Some(_)) => b.next(),
            (None, None) => break,
        };
        out.extend(next);
    }
    out
}

/// Freezes a stream of records sorted by `(key, site)`, each pair once, one key at a time.
struct Freezer {
    frozen: FrozenCounts,
    /// The records of the key being read.
    current: Vec<Record>,
}

impl Freezer {
    /// `sorted`: freeze into sorted tables (see [`Lookup`]) rather than hash maps.
    fn new(site_sizes: Vec<u32>, sorted: bool) -> Self {
        Freezer {
            frozen: FrozenCounts {
                keys: Lookup::new(sorted),
                site_docs: Lookup::new(sorted),
                site_sizes,
                distinct_keys: 0,
            },
            current: Vec::new(),
        }
    }

    fn push(&mut self, r: Record) {
        if self.current.first().is_some_and(|c| c.key != r.key) {
            self.flush();
        }
        self.current.push(r);
    }

    fn flush(&mut self) {
        let Some(first) = self.current.first() else {
            return;
        };
        let key = first.key;
        let docs = self
            .current
            .iter()
            .fold(0u32, |n, r| n.saturating_add(r.docs));
        self.frozen.distinct_keys += 1;
        if docs >= 2 {
            let sites = self.current.len() as u32;
            self.frozen.keys.push(key, KeyStats { docs, sites });
            for r in self.current.iter().filter(|r| r.docs >= 2) {
                self.frozen.site_docs.push((r.key, r.site), r.docs);
            }
        }
        self.current.clear();
    }

    fn finish(mut self) -> FrozenCounts {
        self.flush();
        self.frozen.keys.shrink_to_fit();
        self.frozen.site_docs.shrink_to_fit();
        self.frozen
    }
}

/// Corpus-wide counts of one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KeyStats {
    /// Distinct (non-duplicate) documents holding the key.
    pub docs: u32,
    /// Distinct sites holding the key.
    pub sites: u32,
}

/// The frozen pass-1 statistics.
#[derive(Debug, Clone, Default)]
pub struct FrozenCounts {
    keys: Lookup<Key, KeyStats>,
    site_docs: Lookup<(Key, SiteId), u32>,
    site_sizes: Vec<u32>,
    distinct_keys: u64,
}

/// A frozen table: a hash map, or under a memory limit the sorted entries themselves (exactly
/// 16 bytes an entry, against about twice that in a map's slots; a look-up is a binary search).
/// Frozen from the same sorted records, both hold the same entries.
#[derive(Debug, Clone)]
enum Lookup<K, V> {
    Hashed(HashMap<K, V, BuildHasherDefault<KeyHasher>>),
    Sorted(Vec<(K, V)>),
}

impl<K, V> Default for Lookup<K, V> {
    fn default() -> Self {
        Lookup::Hashed(HashMap::default())
    }
}

impl<K: Copy + Ord + std::hash::Hash, V: Copy> Lookup<K, V> {
    fn new(sorted: bool) -> Self {
        if sorted {
            Lookup::Sorted(Vec::new())
        } else {
            Lookup::default()
        }
    }

    /// Add an entry; keys come in increasing order (a sorted table relies on it).
    fn push(&mut self, key: K, value: V) {
        match self {
            Lookup::Hashed(map) => {
                map.insert(key, value);
            }
            Lookup::Sorted(entries) => {
                debug_assert!(entries.last().is_none_or(|(last, _)| *last < key));
                entries.push((key, value));
            }
        }
    }

    fn get(&self, key: &K) -> Option<V> {
        match self {
            Lookup::Hashed(map) => map.get(key).copied(),
            Lookup::Sorted(entries) => entries
                .binary_search_by(|(k, _)| k.cmp(key))
                .ok()
                .map(|i| entries[i].1),
        }
    }

    /// Change the entry of `key` to `value`, or remove it (`None`); an absent key stays absent.
    fn set(&mut self, key: &K, value: Option<V>) {
        match self {
            Lookup::Hashed(map) => match value {
                Some(v) => {
                    if let Some(slot) = map.get_mut(key) {
                        *slot = v;
                    }
                }
                None => {
                    map.remove(key);
                }
            },
            Lookup::Sorted(entries) => {
                if let Ok(i) = entries.binary_search_by(|(k, _)| k.cmp(key)) {
                    match value {
                        Some(v) => entries[i].1 = v,
                        // Removals are rare (a key held twice by one story's copies).
                        None => {
                            entries.remove(i);
                        }
                    }
                }
            }
        }
    }

    fn len(&self) -> usize {
        match self {
            Lookup::Hashed(map) => map.len(),
            Lookup::Sorted(entries) => entries.len(),
        }
    }

    fn shrink_to_fit(&mut self) {
        if let Lookup::Sorted(entries) = self {
            entries.shrink_to_fit();
        }
    }

    /// Bytes of the table: a map's allocated slots (a control byte each included), or the
    /// sorted entries.
    fn bytes(&self) -> u64 {
        let entry = std::mem::size_of::<(K, V)>() as u64;
        match self {
            // A map of capacity c has about c * 8 / 7 slots (hashbrown fills 7 of 8).
            Lookup::Hashed(map) => map.capacity() as u64 * 8 / 7 * (entry + 1),
            Lookup::Sorted(entries) => entries.capacity() as u64 * entry,
        }
    }

    fn values(&self) -> Box<dyn Iterator<Item = V> + '_> {
        match self {
            Lookup::Hashed(map) => Box::new(map.values().copied()),
            Lookup::Sorted(entries) => Box::new(entries.iter().map(|(_, v)| *v)),
        }
    }
}

impl FrozenCounts {
    /// Counts of a key that occurs in the document being decided (so at least one document).
    pub fn stats(&self, key: Key) -> KeyStats {
        self.keys
            .get(&key)
            .unwrap_or(KeyStats { docs: 1, sites: 1 })
    }

    /// Documents of `site` holding `key` (at least one: the document being decided).
    pub fn site_docs(&self, key: Key, site: SiteId) -> u32 {
        self.site_docs.get(&(key, site)).unwrap_or(1)
    }

    /// Take back documents that were counted once too often: for each `(key, site)` given,
    /// one document of `site` holding `key` (each pair at most as many times as it was
    /// counted). The table then answers as if the table had been counted without them, and
    /// holds what freezing those counts would: a key left in fewer than two documents is
    /// dropped, a site left with one document of a key loses its entry. The number of
    /// distinct keys is unchanged (each key is still held once). For near-duplicate clusters,
    /// whose later copies of a key count only once (see `pipeline`), without counting again.
    pub fn uncount(&mut self, mut pairs: Vec<(Key, SiteId)>) {
        pairs.sort_unstable();
        for by_key in pairs.chunk_by(|a, b| a.0 == b.0) {
            let key = by_key[0].0;
            let Some(mut stats) = self.keys.get(&key) else {
                continue;
            };
            for by_site in by_key.chunk_by(|a, b| a.1 == b.1) {
                let site = by_site[0].1;
                let n = by_site.len() as u32;
                let held = self.site_docs.get(&(key, site)).unwrap_or(1);
                let left = held.saturating_sub(n);
                stats.docs = stats.docs.saturating_sub(held - left);
                if left == 0 {
                    stats.sites = stats.sites.saturating_sub(1);
                }
                if held >= 2 {
                    self.site_docs
                        .set(&(key, site), (left >= 2).then_some(left));
                }
            }
            // Fewer than two documents: no site can hold it twice, so no site entry is left.
            self.keys.set(&key, (stats.docs >= 2).then_some(stats));
        }
    }

    /// Distinct documents of a site that were counted.
    pub fn site_size(&self, site: SiteId) -> u32 {
        self.site_sizes.get(site as usize).copied().unwrap_or(0)
    }

    /// Distinct documents counted in sites (documents without a site are not included).
    pub fn sited_documents(&self) -> u64 {
        self.site_sizes.iter().map(|&n| u64::from(n)).sum()
    }

    /// Number of distinct keys in the corpus.
    pub fn distinct_keys(&self) -> u64 {
        self.distinct_keys
    }

    /// Keys held in memory (those seen in two or more documents).
    pub fn retained_keys(&self) -> usize {
        self.keys.len()
    }

    /// Bytes the lookup tables take (their allocated slots, a control byte each included).
    pub fn table_bytes(&self) -> u64 {
        self.keys.bytes() + self.site_docs.bytes()
    }

    /// Every retained key's document frequency, for histograms.
    pub fn doc_frequencies(&self) -> impl Iterator<Item = u32> + '_ {
        self.keys.values().map(|s| s.docs)
    }
}

/// Both frozen tables decisions read: whole-block keys and block shingle samples.
#[derive(Debug, Clone, Default)]
pub struct CorpusCounts {
    /// Exact matching keys of blocks.
    pub blocks: FrozenCounts,
    /// Sampled shingle hashes of blocks (see [`crate::shingle`]), counted the same way.
    pub shingles: FrozenCounts,
}

/// Keys are already uniform xxh3 hashes: hashing them again would only cost time.
#[derive(Default)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 ^= n;
    }

    fn write_u32(&mut self, n: u32) {
        // Mixes the site into a (key, site) pair's hash.
        self.0 ^= u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn table(docs: &[(SiteId, Vec<Key>)]) -> CountTable {
        let mut b = CountBuilder::default();
        for (site, keys) in docs {
            b.add_document(*site, keys.iter().copied());
        }
        b.finish()
    }

    #[test]
    fn counts_documents_and_sites() {
        let t = table(&[(0, vec![1, 2]), (0, vec![1]), (1, vec![1, 3])]);
        let f = t.freeze(vec![2, 1]);
        assert_eq!(f.stats(1), KeyStats { docs: 3, sites: 2 });
        assert_eq!(f.site_docs(1, 0), 2);
        assert_eq!(f.site_docs(1, 1), 1);
        assert_eq!(f.stats(2), KeyStats { docs: 1, sites: 1 });
        assert_eq!(f.distinct_keys(), 3);
        assert_eq!(f.retained_keys(), 1);
        assert_eq!(f.site_size(0), 2);
    }

    fn arb_docs() -> impl Strategy<Value = Vec<(SiteId, Vec<Key>)>> {
        prop::collection::vec(
            (
                0u32..4,
                prop::collection::btree_set(0u64..20, 0..6)
                    .prop_map(|s| s.into_iter().collect::<Vec<_>>()),
            ),
            0..12,
        )
    }

    /// Everything a frozen table answers, for comparing two of them.
    fn answers(f: &FrozenCounts, keys: u64, sites: u32) -> Vec<(u32, u32, Vec<u32>)> {
        (0..keys)
            .map(|k| {
                let s = f.stats(k);
                (
                    s.docs,
                    s.sites,
                    (0..sites).map(|site| f.site_docs(k, site)).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn records_are_16_bytes_in_memory_and_on_disk() {
        assert_eq!(std::mem::size_of::<Record>(), 16);
        assert_eq!(<Record as FixedRecord>::SIZE, 16);
        assert_eq!(std::mem::size_of::<(Key, SiteId)>(), 16);
        let r = Record {
            key: 0x0102_0304_0506_0708,
            site: 9,
            docs: 10,
        };
        let mut bytes = [0u8; 16];
        r.encode(&mut bytes);
        assert_eq!(Record::decode(&bytes), r);
    }

    #[test]
    fn frozen_tables_cost_under_24_bytes_per_distinct_key() {
        // A realistic mix: most keys occur once (article text), some in a few documents of a
        // site (template lines), a few everywhere (site chrome).
        let mut b = CountBuilder::default();
        for d in 0..2_000u64 {
            let site = (d % 8) as SiteId + 1;
            let mut keys: Vec<Key> = (0..25).map(|i| 1_000_000 + d * 100 + i).collect();
            keys.extend([d % 50, 100 + d % 400, 600 + d % 3]);
            b.add_document(site, keys);
        }
        let frozen = b.finish().freeze(vec![250; 9]);
        let per_key = frozen.table_bytes() as f64 / frozen.distinct_keys() as f64;
        assert!(per_key < 24.0, "{per_key} bytes per distinct key");
    }

    proptest! {
        #[test]
        fn spilled_and_merged_equals_counted_in_memory(
            parts in prop::collection::vec(arb_docs(), 1..4),
            max_pairs in 1usize..12,
        ) {
            let parent = tempfile::tempdir().unwrap();
            let spill = CountSpill {
                dir: Arc::new(SpillDir::new(parent.path()).unwrap()),
                max_pairs,
            };
            let mut spilled = CountTable::default();
            for part in &parts {
                let mut b = CountBuilder::spilling(&spill, "t");
                for (site, keys) in part {
                    b.add_document(*site, keys.iter().copied());
                    if b.needs_spill() {
                        b.spill().unwrap();
                    }
                }
                spilled = spilled.merge(b.finish_spilled().unwrap());
            }
            let all: Vec<_> = parts.concat();
            let sizes = vec![3, 3, 3, 3];
            let want = table(&all).freeze(sizes.clone());
            let got = spilled.try_freeze(sizes).unwrap();
            prop_assert_eq!(got.distinct_keys(), want.distinct_keys());
            prop_assert_eq!(got.retained_keys(), want.retained_keys());
            prop_assert_eq!(answers(&got, 20, 4), answers(&want, 20, 4));
            // Every run was read once and removed; only the empty folder is left.
            prop_assert_eq!(std::fs::read_dir(spill.dir.path()).unwrap().count(), 0);
        }

        /// Documents grouped into clusters, each key counted once per cluster (at its first
        /// holder), equals counting every document and taking back the later holders' copies,
        /// in memory and sorted.
        #[test]
        fn uncounting_repeats_equals_counting_each_cluster_once(
            docs in arb_docs(),
            cluster_of in prop::collection::vec(0usize..4, 12),
            sorted in any::<bool>(),
        ) {
            let sizes = vec![3, 3, 3, 3];
            let mut seen: std::collections::HashMap<usize, Vec<Key>> = Default::default();
            let mut once = CountBuilder::default();
            let mut repeats = Vec::new();
            for (d, (site, keys)) in docs.iter().enumerate() {
                // Cluster 0 is no cluster: every document counts on its own.
                let cluster = cluster_of[d];
                let fresh: Vec<Key> = if cluster == 0 {
                    keys.clone()
                } else {
                    let held = seen.entry(cluster).or_default();
                    let (again, fresh): (Vec<Key>, Vec<Key>) =
                        keys.iter().partition(|k| held.contains(k));
                    repeats.extend(again.iter().map(|&k| (k, *site)));
                    held.extend(&fresh);
                    fresh
                };
                once.add_document(*site, fresh);
            }
            let want = once.finish().freeze_in_memory(sizes.clone(), sorted);
            let mut got = table(&docs).freeze_in_memory(sizes, sorted);
            got.uncount(repeats);
            prop_assert_eq!(got.retained_keys(), want.retained_keys());
            prop_assert_eq!(got.distinct_keys(), want.distinct_keys());
            prop_assert_eq!(answers(&got, 20, 4), answers(&want, 20, 4));
            let mut got_freq: Vec<u32> = got.doc_frequencies().collect();
            let mut want_freq: Vec<u32> = want.doc_frequencies().collect();
            got_freq.sort_unstable();
            want_freq.sort_unstable();
            prop_assert_eq!(got_freq, want_freq);
        }

        #[test]
        fn merge_is_a_commutative_monoid(a in arb_docs(), b in arb_docs(), c in arb_docs()) {
            let (ta, tb, tc) = (table(&a), table(&b), table(&c));
            let left = ta.clone().merge(tb.clone()).merge(tc.clone());
            let right = ta.clone().merge(tb.clone().merge(tc.clone()));
            prop_assert_eq!(&left, &right);
            prop_assert_eq!(ta.clone().merge(tb.clone()), tb.clone().merge(ta.clone()));
            prop_assert_eq!(ta.clone().merge(CountTable::default()), ta.clone());
            // Counting everything at once equals counting in parts and merging.
            let all: Vec<_> = a.iter().chain(&b).chain(&c).cloned().collect();
            prop_assert_eq!(table(&all), left);
        }
    }
}
