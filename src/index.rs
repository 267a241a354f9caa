//! Index: the pass-1 statistics of a corpus saved to a file, merged with others, read back.
//!
//! In: per document, its site name, content hash and distinct block keys and shingle samples
//! (from [`crate::fingerprint`]). Out: an [`Index`], its file encoding ([`Index::to_bytes`],
//! [`Index::from_bytes`]) and the set union of several indexes ([`Index::union`]).
//!
//! What an index holds: the set of *distinct documents* of the corpora indexed, a document
//! being identified by its content hash (equal for documents identical after normalisation),
//! each with its site and its sorted, distinct block keys and shingle samples. Counts are not
//! stored; they are derived when the index is used. Storing documents rather than summed counts
//! is what makes the algebra exact: a document present in two indexes (a page scraped twice, or
//! two overlapping shards) is one element of the union, so `merge(index(A), index(B))` is
//! `index(A ∪ B)` byte for byte, for overlapping corpora too, and merging is associative,
//! commutative and idempotent. Summed counts could not tell a shared document from two
//! documents holding the same blocks. Of several copies of one content on different sites, the
//! copy with the smallest site name is the one kept: a rule that does not depend on order.
//!
//! Sites are stored by name (a sorted table; each document holds an index into it): the ids of
//! a run are positions in that run's list of sites and mean nothing in another run, and a name
//! table costs a few bytes per site where a hash per document would cost eight.
//!
//! The encoding is canonical (one index, one byte string): explicit little-endian integers,
//! documents sorted by content hash, keys sorted, sites sorted; see docs/saved-index.md for the
//! table of header fields. The header names the hash function and every parameter the keys
//! depend on; a file written with other values is refused, as is one whose body fails its
//! xxh3 checksum.

use std::path::Path;

use xxhash_rust::xxh3::xxh3_64;

use crate::error::Error;
use crate::fingerprint::{Key, KEY_SEED};
use crate::normalize::NORMALIZATION_VERSION;
use crate::segment::UnitChoice;
use crate::shingle;

/// The first eight bytes of every index file.
pub const MAGIC: [u8; 8] = *b"THRESHIX";
/// Version of the layout described in the module documentation, and of what its hashes mean:
/// 2 since a document's content hash includes its numbers (see [`crate::fingerprint`]).
pub const FORMAT_VERSION: u32 = 2;
/// Hash algorithm id: 1 = xxh3-64.
pub const HASH_XXH3_64: u32 = 1;
/// Bytes of the fixed header before the body.
pub const HEADER_LEN: usize = 84;

/// Why an index file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
    #[error("not a thresh index (it does not start with the bytes THRESHIX)")]
    NotAnIndex,
    #[error("index format version {found}, but this thresh reads version {expected}: build the index again with this version of `thresh index`")]
    Version { found: u32, expected: u32 },
    #[error("written with {field} {found}, but this thresh uses {expected}: keys made with other parameters cannot be compared; build the index again")]
    Parameter {
        field: &'static str,
        found: String,
        expected: String,
    },
    #[error("made with --unit {found}, but this run uses --unit {expected}: give the same --unit as `thresh index` did")]
    Unit { found: String, expected: String },
    #[error("checksum mismatch: the file is damaged (truncated or altered); build it again or restore a copy")]
    Checksum,
    #[error("damaged index: {0}")]
    Corrupt(&'static str),
}

/// One distinct document of an index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct IndexDoc {
    /// Content hash (see [`crate::fingerprint::DocFingerprint::content`]).
    pub content: u64,
    /// Position of the document's site in [`Index::sites`].
    pub site: u32,
    /// Distinct block keys, ascending.
    pub keys: Vec<Key>,
    /// Distinct shingle samples of its blocks, ascending.
    pub shingles: Vec<u64>,
}

/// A document as handed to [`Index::from_entries`]: site by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub site: String,
    pub content: u64,
    pub keys: Vec<Key>,
    pub shingles: Vec<u64>,
}

/// The distinct documents of one or more corpora (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    unit: UnitChoice,
    sites: Vec<String>,
    docs: Vec<IndexDoc>,
}

impl Index {
    /// The canonical index of some documents: one per content hash (the copy with the smallest
    /// site name), keys sorted and distinct, only the sites of the documents kept.
    pub fn from_entries(unit: UnitChoice, mut entries: Vec<Entry>) -> Index {
        for e in &mut entries {
            e.keys.sort_unstable();
            e.keys.dedup();
            e.shingles.sort_unstable();
            e.shingles.dedup();
        }
        // Equal contents have equal keys (the content hash is a hash of the keys); comparing
        // them too keeps the choice independent of input order even after a hash collision.
        entries.sort_unstable_by(|a, b| {
            (a.content, &a.site, &a.keys, &a.shingles).cmp(&(
                b.content,
                &b.site,
                &b.keys,
                &b.shingles,
            ))
        });
        entries.dedup_by_key(|e| e.content);
        let mut sites: Vec<String> = entries.iter().map(|e| e.site.clone()).collect();
        sites.sort_unstable();
        sites.dedup();
        let docs = entries
            .into_iter()
            .map(|e| IndexDoc {
                content: e.content,
                site: sites.binary_search(&e.site).unwrap_or(0) as u32,
                keys: e.keys,
                shingles: e.shingles,
            })
            .collect();
        Index { unit, sites, docs }
    }

    /// The documents of this index, sites by name.
    pub fn into_entries(self) -> Vec<Entry> {
        let sites = self.sites;
        self.docs
            .into_iter()
            .map(|d| Entry {
                site: sites.get(d.site as usize).cloned().unwrap_or_default(),
                content: d.content,
                keys: d.keys,
                shingles: d.shingles,
            })
            .collect()
    }

    /// The set union of indexes made with the same block unit.
    pub fn union(indexes: Vec<Index>) -> Result<Index, IndexError> {
        let unit = indexes.first().map_or(UnitChoice::Auto, |i| i.unit);
        if let Some(other) = indexes.iter().find(|i| i.unit != unit) {
            return Err(IndexError::Unit {
                found: unit_name(other.unit).into(),
                expected: unit_name(unit).into(),
            });
        }
        let entries = indexes.into_iter().flat_map(Index::into_entries).collect();
        Ok(Index::from_entries(unit, entries))
    }

    pub fn unit(&self) -> UnitChoice {
        self.unit
    }

    /// Refuse an index made with another block unit than the run's.
    pub fn check_unit(&self, unit: UnitChoice) -> Result<(), IndexError> {
        if self.unit == unit {
            return Ok(());
        }
        Err(IndexError::Unit {
            found: unit_name(self.unit).into(),
            expected: unit_name(unit).into(),
        })
    }

    /// Site names, sorted; [`IndexDoc::site`] indexes this list.
    pub fn sites(&self) -> &[String] {
        &self.sites
    }

    /// Documents, sorted by content hash.
    pub fn docs(&self) -> &[IndexDoc] {
        &self.docs
    }

    /// Documents whose content is not in `contents` (sorted ascending): those a run over
    /// other documents adds to its own counts.
    pub fn docs_not_in(&self, contents: &[u64]) -> Vec<&IndexDoc> {
        self.docs
            .iter()
            .filter(|d| contents.binary_search(&d.content).is_err())
            .collect()
    }

    /// Distinct block keys over all documents.
    pub fn distinct_keys(&self) -> usize {
        let mut keys: Vec<Key> = self
            .docs
            .iter()
            .flat_map(|d| d.keys.iter().copied())
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys.len()
    }

    /// The canonical file encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut body = Vec::new();
        for site in &self.sites {
            put_varint(&mut body, site.len() as u64);
            body.extend_from_slice(site.as_bytes());
        }
        for doc in &self.docs {
            body.extend_from_slice(&doc.content.to_le_bytes());
            put_varint(&mut body, u64::from(doc.site));
            put_varint(&mut body, doc.keys.len() as u64);
            put_varint(&mut body, doc.shingles.len() as u64);
            for k in doc.keys.iter().chain(&doc.shingles) {
                body.extend_from_slice(&k.to_le_bytes());
            }
        }
        let mut out = Vec::with_capacity(HEADER_LEN + body.len());
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        for p in parameters(self.unit) {
            match p.value {
                Value::U32(v) => out.extend_from_slice(&v.to_le_bytes()),
                Value::U64(v) => out.extend_from_slice(&v.to_le_bytes()),
            }
        }
        out.extend_from_slice(&(self.sites.len() as u32).to_le_bytes());
        out.extend_from_slice(&(self.docs.len() as u64).to_le_bytes());
        out.extend_from_slice(&(body.len() as u64).to_le_bytes());
        out.extend_from_slice(&xxh3_64(&body).to_le_bytes());
        debug_assert_eq!(out.len(), HEADER_LEN);
        out.extend_from_slice(&body);
        out
    }

    /// Decode and check a file's bytes: magic, version, parameters, checksum, then the body's
    /// order and bounds (a decoded index is canonical).
    pub fn from_bytes(bytes: &[u8]) -> Result<Index, IndexError> {
        if bytes.len() < MAGIC.len() || bytes[..MAGIC.len()] != MAGIC {
            return Err(IndexError::NotAnIndex);
        }
        let mut r = Reader {
            bytes,
            at: MAGIC.len(),
        };
        let version = r.u32()?;
        if version != FORMAT_VERSION {
            return Err(IndexError::Version {
                found: version,
                expected: FORMAT_VERSION,
            });
        }
        let mut unit = UnitChoice::Auto;
        for p in parameters(UnitChoice::Auto) {
            let found = match p.value {
                Value::U32(_) => Value::U32(r.u32()?),
                Value::U64(_) => Value::U64(r.u64()?),
            };
            if p.field == UNIT_FIELD {
                unit = match found {
                    Value::U32(0) => UnitChoice::Auto,
                    Value::U32(1) => UnitChoice::Line,
                    Value::U32(2) => UnitChoice::Paragraph,
                    _ => return Err(IndexError::Corrupt("unknown block unit")),
                };
            } else if found != p.value {
                return Err(IndexError::Parameter {
                    field: p.field,
                    found: found.to_string(),
                    expected: p.value.to_string(),
                });
            }
        }
        let n_sites = r.u32()?;
        let n_docs = r.u64()?;
        let body_len = r.u64()?;
        let checksum = r.u64()?;
        let body = &bytes[r.at..];
        if body.len() as u64 != body_len || xxh3_64(body) != checksum {
            return Err(IndexError::Checksum);
        }
        let mut r = Reader { bytes: body, at: 0 };
        let mut sites: Vec<String> = Vec::new();
        for _ in 0..n_sites {
            let len = r.varint()?;
            let name = std::str::from_utf8(r.take(len)?)
                .map_err(|_| IndexError::Corrupt("a site name is not UTF-8"))?;
            if sites.last().is_some_and(|last| last.as_str() >= name) {
                return Err(IndexError::Corrupt("site names out of order"));
            }
            sites.push(name.to_string());
        }
        let mut docs: Vec<IndexDoc> = Vec::new();
        for _ in 0..n_docs {
            let content = r.u64()?;
            let site = r.varint()?;
            let n_keys = r.varint()?;
            let n_shingles = r.varint()?;
            if site >= u64::from(n_sites) {
                return Err(IndexError::Corrupt(
                    "a document names a site that is not listed",
                ));
            }
            if docs.last().is_some_and(|last| last.content >= content) {
                return Err(IndexError::Corrupt("documents out of order"));
            }
            let keys = r.sorted_u64s(n_keys)?;
            let shingles = r.sorted_u64s(n_shingles)?;
            docs.push(IndexDoc {
                content,
                site: site as u32,
                keys,
                shingles,
            });
        }
        if r.at != body.len() {
            return Err(IndexError::Corrupt("bytes after the last document"));
        }
        Ok(Index { unit, sites, docs })
    }

    /// Read and check an index file.
    pub fn read(path: &Path) -> Result<Index, Error> {
        let bytes = std::fs::read(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Index::from_bytes(&bytes).map_err(|source| Error::Index {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Read index files and unite them; a file made with another block unit than the first
    /// is named in the error.
    pub fn merge_files(paths: &[std::path::PathBuf]) -> Result<Index, Error> {
        let mut indexes = Vec::with_capacity(paths.len());
        for path in paths {
            let index = Index::read(path)?;
            if let Some(first) = indexes.first().map(Index::unit) {
                index.check_unit(first).map_err(|source| Error::Index {
                    path: path.clone(),
                    source,
                })?;
            }
            indexes.push(index);
        }
        // Units agree, so the union cannot fail; the error is kept for the library caller.
        Index::union(indexes).map_err(|source| Error::Index {
            path: paths.first().cloned().unwrap_or_default(),
            source,
        })
    }

    /// Write the index atomically (temporary file + rename): a file that exists is complete.
    pub fn write(&self, path: &Path) -> Result<(), Error> {
        crate::output::text::write_atomic(path, &self.to_bytes()).map_err(|source| Error::Write {
            path: path.to_path_buf(),
            source,
        })
    }
}

/// `--shard I/N`: the share of the input files one process counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based.
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Whether the file with this id (path relative to its INPUT) belongs to the shard. A hash
    /// of the id, not the position in the listing, so a file keeps its shard when others are
    /// added or removed.
    pub fn holds(&self, id: &str) -> bool {
        xxh3_64(id.as_bytes()) % u64::from(self.count) == u64::from(self.index - 1)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("{s:?} is not I/N with 1 <= I <= N, e.g. 3/8");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

const UNIT_FIELD: &str = "block unit";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Value {
    U32(u32),
    U64(u64),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::U32(v) => write!(f, "{v}"),
            Value::U64(v) => write!(f, "{v:#018x}"),
        }
    }
}

struct Parameter {
    field: &'static str,
    value: Value,
}

/// The header fields after the version, in file order: everything the keys depend on.
fn parameters(unit: UnitChoice) -> [Parameter; 9] {
    let p = |field, value| Parameter { field, value };
    [
        p("hash algorithm", Value::U32(HASH_XXH3_64)),
        p("key seed", Value::U64(KEY_SEED)),
        p("normalisation version", Value::U32(NORMALIZATION_VERSION)),
        p(
            UNIT_FIELD,
            Value::U32(match unit {
                UnitChoice::Auto => 0,
                UnitChoice::Line => 1,
                UnitChoice::Paragraph => 2,
            }),
        ),
        p("shingle seed", Value::U64(shingle::SEED)),
        p("shingle sample size", Value::U32(shingle::SAMPLE as u32)),
        p("shingle length", Value::U32(shingle::SHINGLE_LEN as u32)),
        p("shingle minimum", Value::U32(shingle::MIN_SHINGLES as u32)),
        p(
            "shingle maximum words",
            Value::U32(shingle::MAX_WORDS as u32),
        ),
    ]
}

fn unit_name(unit: UnitChoice) -> &'static str {
    match unit {
        UnitChoice::Auto => "auto",
        UnitChoice::Line => "line",
        UnitChoice::Paragraph => "paragraph",
    }
}

/// LEB128: seven bits a byte, low bits first.
fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: u64) -> Result<&'a [u8], IndexError> {
        let end = usize::try_from(n)
            .ok()
            .and_then(|n| self.at.checked_add(n))
            .filter(|&end| end <= self.bytes.len())
            .ok_or(IndexError::Corrupt("ends early"))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn u32(&mut self) -> Result<u32, IndexError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Result<u64, IndexError> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(a))
    }

    fn varint(&mut self) -> Result<u64, IndexError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.take(1)?[0];
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(IndexError::Corrupt("a number is too long"))
    }

    /// `n` strictly ascending u64s (the length is checked before allocating).
    fn sorted_u64s(&mut self, n: u64) -> Result<Vec<u64>, IndexError> {
        let raw = self.take(n.checked_mul(8).ok_or(IndexError::Corrupt("ends early"))?)?;
        let values: Vec<u64> = raw
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect();
        if values.windows(2).any(|w| w[0] >= w[1]) {
            return Err(IndexError::Corrupt("keys out of order"));
        }
        Ok(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::count::{CountBuilder, CountTable};
    use proptest::prelude::*;

    /// A document as a corpus holds it: equal key lists give equal content hashes, as they do
    /// in [`crate::fingerprint`].
    fn entry(site: &str, keys: &[u64]) -> Entry {
        let bytes: Vec<u8> = keys.iter().flat_map(|k| k.to_le_bytes()).collect();
        Entry {
            site: site.to_string(),
            content: xxh3_64(&bytes),
            keys: keys.to_vec(),
            shingles: keys.iter().map(|k| k.wrapping_mul(31) + 7).collect(),
        }
    }

    fn index_of(docs: &[(u8, Vec<u64>)]) -> Index {
        let entries = docs
            .iter()
            .map(|(site, keys)| entry(&format!("site{site}"), keys))
            .collect();
        Index::from_entries(UnitChoice::Auto, entries)
    }

    fn arb_docs() -> impl Strategy<Value = Vec<(u8, Vec<u64>)>> {
        // Few sites and keys, so documents repeat (within and across corpora) and keys are
        // shared between documents.
        prop::collection::vec((0u8..3, prop::collection::vec(0u64..12, 0..5)), 0..10)
    }

    proptest! {
        #[test]
        fn union_of_indexes_is_the_index_of_the_union(
            a in arb_docs(), b in arb_docs(), c in arb_docs()
        ) {
            let (ia, ib, ic) = (index_of(&a), index_of(&b), index_of(&c));
            let all: Vec<_> = a.iter().chain(&b).chain(&c).cloned().collect();
            let whole = index_of(&all).to_bytes();
            let u = |x: Vec<Index>| Index::union(x).map(|i| i.to_bytes());
            prop_assert_eq!(&u(vec![ia.clone(), ib.clone(), ic.clone()]), &Ok(whole.clone()));
            // Associative, commutative, idempotent.
            let ab = Index::union(vec![ia.clone(), ib.clone()]).map_err(|e| e.to_string());
            let ab = ab.map_err(TestCaseError::fail)?;
            prop_assert_eq!(&u(vec![ab, ic.clone()]), &Ok(whole.clone()));
            prop_assert_eq!(&u(vec![ic.clone(), ib.clone(), ia.clone()]), &Ok(whole.clone()));
            prop_assert_eq!(&u(vec![ia.clone(), ia.clone()]), &Ok(ia.to_bytes()));
            // The encoding round-trips.
            prop_assert_eq!(Index::from_bytes(&whole), Ok(index_of(&all)));
        }

        #[test]
        fn counts_from_an_index_are_those_of_its_distinct_documents(docs in arb_docs()) {
            let index = index_of(&docs);
            let mut from_index = CountBuilder::default();
            for d in index.docs() {
                from_index.add_document(d.site, d.keys.iter().copied());
            }
            // Direct count: each distinct content once, at its smallest site.
            let mut seen: Vec<(u64, u32, Vec<u64>)> = docs
                .iter()
                .map(|(s, k)| {
                    let e = entry(&format!("site{s}"), k);
                    (e.content, u32::from(*s), k.clone())
                })
                .collect();
            seen.sort();
            seen.dedup_by_key(|x| x.0);
            let sites = index.sites().to_vec();
            let mut direct = CountBuilder::default();
            for (_, s, keys) in &seen {
                let name = format!("site{s}");
                let id = sites.binary_search(&name).unwrap_or(0) as u32;
                let mut keys = keys.clone();
                keys.sort_unstable();
                keys.dedup();
                direct.add_document(id, keys);
            }
            let (x, y): (CountTable, CountTable) = (from_index.finish(), direct.finish());
            prop_assert_eq!(x, y);
        }
    }

    #[test]
    fn a_copy_on_two_sites_is_kept_at_the_smaller_site_name() {
        let index = Index::from_entries(
            UnitChoice::Auto,
            vec![entry("zeta", &[1, 2]), entry("alpha", &[1, 2])],
        );
        assert_eq!(index.sites(), ["alpha"]);
        assert_eq!(index.docs().len(), 1);
    }

    fn sample() -> Vec<u8> {
        index_of(&[(0, vec![1, 2, 3]), (1, vec![2, 3]), (1, vec![4])]).to_bytes()
    }

    #[test]
    fn header_fields_are_little_endian_at_fixed_offsets() {
        let bytes = sample();
        assert_eq!(&bytes[..8], b"THRESHIX");
        assert_eq!(bytes[8..12], FORMAT_VERSION.to_le_bytes());
        assert_eq!(bytes[12..16], HASH_XXH3_64.to_le_bytes());
        assert_eq!(bytes[16..24], KEY_SEED.to_le_bytes());
        assert_eq!(bytes[24..28], NORMALIZATION_VERSION.to_le_bytes());
        assert_eq!(bytes[56..60], 2u32.to_le_bytes(), "two sites");
        assert_eq!(bytes[60..68], 3u64.to_le_bytes(), "three documents");
        assert_eq!(bytes[76..84], xxh3_64(&bytes[HEADER_LEN..]).to_le_bytes());
    }

    #[test]
    fn damaged_or_foreign_files_are_refused_with_the_reason() {
        let good = sample();
        assert!(Index::from_bytes(&good).is_ok());
        assert_eq!(Index::from_bytes(b"{\"a\":1}"), Err(IndexError::NotAnIndex));
        let mut v = good.clone();
        v[8] = 9;
        assert!(matches!(
            Index::from_bytes(&v),
            Err(IndexError::Version { found: 9, .. })
        ));
        let mut v = good.clone();
        v[16] ^= 1;
        assert!(matches!(
            Index::from_bytes(&v),
            Err(IndexError::Parameter {
                field: "key seed",
                ..
            })
        ));
        let mut v = good.clone();
        let last = v.len() - 1;
        v[last] ^= 0x40;
        assert_eq!(Index::from_bytes(&v), Err(IndexError::Checksum));
        assert_eq!(
            Index::from_bytes(&good[..good.len() - 3]),
            Err(IndexError::Checksum)
        );
        assert!(Index::from_bytes(&good[..20]).is_err());
    }

    #[test]
    fn indexes_of_other_units_do_not_merge() {
        let a = Index::from_entries(UnitChoice::Line, vec![entry("s", &[1])]);
        let b = Index::from_entries(UnitChoice::Paragraph, vec![entry("s", &[2])]);
        assert!(matches!(
            Index::union(vec![a.clone(), b]),
            Err(IndexError::Unit { .. })
        ));
        assert!(a.check_unit(UnitChoice::Auto).is_err());
        assert!(a.check_unit(UnitChoice::Line).is_ok());
    }

    #[test]
    fn shards_split_files_without_overlap() {
        let shards: Vec<Shard> = (1..=3).map(|i| format!("{i}/3").parse().unwrap()).collect();
        for n in 0..200 {
            let id = format!("site/{n}.txt");
            assert_eq!(shards.iter().filter(|s| s.holds(&id)).count(), 1);
        }
        assert!("0/3".parse::<Shard>().is_err());
        assert!("4/3".parse::<Shard>().is_err());
        assert!("x".parse::<Shard>().is_err());
    }
}
