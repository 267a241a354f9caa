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

use crate::fingerprint::Key;

/// A site's index in the run's sorted list of sites.
pub type SiteId = u32;

/// One `(key, site)` pair and the number of distinct documents of that site holding the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Record {
    pub key: Key,
    pub site: SiteId,
    pub docs: u32,
}

/// A worker's counts: records sorted by `(key, site)`, each pair once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CountTable {
    records: Vec<Record>,
}

/// Accumulates `(key, site)` occurrences before they are sorted into a [`CountTable`].
#[derive(Debug, Default)]
pub struct CountBuilder {
    pairs: Vec<(Key, SiteId)>,
}

impl CountBuilder {
    /// Add one document's distinct keys.
    pub fn add_document(&mut self, site: SiteId, distinct_keys: impl IntoIterator<Item = Key>) {
        self.pairs
            .extend(distinct_keys.into_iter().map(|key| (key, site)));
    }

    /// Sort and aggregate into a table.
    pub fn finish(mut self) -> CountTable {
        self.pairs.sort_unstable();
        let mut records: Vec<Record> = Vec::new();
        for (key, site) in self.pairs {
            match records.last_mut() {
                Some(last) if last.key == key && last.site == site => {
                    last.docs = last.docs.saturating_add(1)
                }
                _ => records.push(Record { key, site, docs: 1 }),
            }
        }
        CountTable { records }
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
        CountTable { records: out }
    }

    pub fn records(&self) -> &[Record] {
        &self.records
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Combine two tables; associative and commutative.
    pub fn merge(self, other: CountTable) -> CountTable {
        if self.records.is_empty() {
            return other;
        }
        if other.records.is_empty() {
            return self;
        }
        let mut out = Vec::with_capacity(self.records.len() + other.records.len());
        let mut a = self.records.into_iter().peekable();
        let mut b = other.records.into_iter().peekable();
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) => match (x.key, x.site).cmp(&(y.key, y.site)) {
                    std::cmp::Ordering::Less => a.next(),
                    std::cmp::Ordering::Greater => b.next(),
                    std::cmp::Ordering::Equal => {
                        let (x, y) = (a.next(), b.next());
                        x.zip(y).map(|(x, y)| Record {
                            docs: x.docs.saturating_add(y.docs),
                            ..x
                        })
                    }
                },
                (Some(_), None) => a.next(),
                (None, Some(_)) => b.next(),
                (None, None) => break,
            };
            out.extend(next);
        }
        CountTable { records: out }
    }

    /// Build the read-only lookup table used by the decisions.
    pub fn freeze(self, site_sizes: Vec<u32>) -> FrozenCounts {
        let mut keys: KeyMap<KeyStats> = KeyMap::default();
        let mut site_docs: HashMap<(Key, SiteId), u32, BuildHasherDefault<KeyHasher>> =
            HashMap::default();
        let mut distinct_keys = 0u64;
        let records = &self.records;
        let mut i = 0;
        while i < records.len() {
            let key = records[i].key;
            let mut j = i;
            let mut docs = 0u32;
            while j < records.len() && records[j].key == key {
                docs = docs.saturating_add(records[j].docs);
                j += 1;
            }
            distinct_keys += 1;
            if docs >= 2 {
                keys.insert(
                    key,
                    KeyStats {
                        docs,
                        sites: (j - i) as u32,
                    },
                );
                for r in &records[i..j] {
                    if r.docs >= 2 {
                        site_docs.insert((r.key, r.site), r.docs);
                    }
                }
            }
            i = j;
        }
        FrozenCounts {
            keys,
            site_docs,
            site_sizes,
            distinct_keys,
        }
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
    keys: KeyMap<KeyStats>,
    site_docs: HashMap<(Key, SiteId), u32, BuildHasherDefault<KeyHasher>>,
    site_sizes: Vec<u32>,
    distinct_keys: u64,
}

type KeyMap<V> = HashMap<Key, V, BuildHasherDefault<KeyHasher>>;

impl FrozenCounts {
    /// Counts of a key that occurs in the document being decided (so at least one document).
    pub fn stats(&self, key: Key) -> KeyStats {
        self.keys
            .get(&key)
            .copied()
            .unwrap_or(KeyStats { docs: 1, sites: 1 })
    }

    /// Documents of `site` holding `key` (at least one: the document being decided).
    pub fn site_docs(&self, key: Key, site: SiteId) -> u32 {
        self.site_docs.get(&(key, site)).copied().unwrap_or(1)
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

    proptest! {
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
