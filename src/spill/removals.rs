//! The documents' removals on disk, for runs under `--memory-limit`.
//!
//! In: each decided document's [`Removal`]s in run order, as the decisions make them. Out: the
//! same removals, equal field for field, read back by document index by every later reader
//! (naming template variants' near-matches, pass 2, the reports, explain). Memory: 8 bytes per
//! document (where its entry ends); a removal costs 64 bytes in memory and 10 to 60 bytes here.
//!
//! Entry layout (little-endian): removals `u32`; per removal its block `u32`, a reason code
//! `u8` and the reason's fields (enums as one code byte each, numbers as `u32`, the anchor as
//! `u64`). A near-match is always encoded in the same 13 bytes (present `u8`, document, block,
//! documents), so that naming the near-matches after the decisions rewrites an entry in place
//! ([`RemovalStore::replace`]) without moving any other. Private to the run, so no header.

use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;

use crate::decide::{BoilerplateRule, Cue, NearMatch, Placement, Reason, Removal, Zone};
use crate::error::Error;

use super::prints::{read_at, write_at, Cursor};
use super::{SpillDir, READ_BUFFER};

/// Removals written in document order, read back (and their near-matches filled in) by index.
#[derive(Debug)]
pub struct RemovalStore {
    path: PathBuf,
    file: File,
    /// `ends[d]`: where document `d`'s entry ends; it starts where `d - 1`'s ends. A document
    /// without removals has an empty entry.
    ends: Vec<u64>,
    /// Encoded entries not yet written (written in [`READ_BUFFER`]-sized pieces).
    pending: Vec<u8>,
    /// Where `pending` starts in the file.
    flushed: u64,
    _dir: Arc<SpillDir>,
}

impl RemovalStore {
    pub fn new(dir: Arc<SpillDir>) -> Result<RemovalStore, Error> {
        let (path, file) = dir.create("removals")?;
        Ok(RemovalStore {
            path,
            file,
            ends: Vec::new(),
            pending: Vec::new(),
            flushed: 0,
            _dir: dir,
        })
    }

    fn failed(&self) -> impl FnOnce(std::io::Error) -> Error + '_ {
        super::io_error(&self.path)
    }

    fn end(&self) -> u64 {
        self.ends.last().copied().unwrap_or(0)
    }

    /// Store document `d`'s removals; documents are stored in increasing order, and those
    /// skipped (or stored with none) have none.
    pub fn push(&mut self, d: usize, removals: &[Removal]) -> Result<(), Error> {
        let end = self.end();
        self.ends.resize(d, end);
        let before = self.pending.len();
        if !removals.is_empty() {
            encode(removals, &mut self.pending);
        }
        self.ends.push(end + (self.pending.len() - before) as u64);
        if self.pending.len() >= READ_BUFFER {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Error> {
        write_at(&self.file, &self.pending, self.flushed).map_err(self.failed())?;
        self.flushed += self.pending.len() as u64;
        self.pending.clear();
        Ok(())
    }

    /// End writing: write what is pending, and give the documents after the last one stored no
    /// removals.
    pub fn seal(&mut self, documents: usize) -> Result<(), Error> {
        self.flush()?;
        self.pending = Vec::new();
        let end = self.end();
        self.ends.resize(documents.max(self.ends.len()), end);
        self.ends.shrink_to_fit();
        Ok(())
    }

    fn span(&self, d: usize) -> Option<(u64, u64)> {
        let &end = self.ends.get(d)?;
        let start = d.checked_sub(1).map_or(0, |p| self.ends[p]);
        (end > start).then_some((start, end))
    }

    /// Whether document `d` has removals (no read).
    pub fn has(&self, d: usize) -> bool {
        self.span(d).is_some()
    }

    /// Document `d`'s removals (empty when it has none). Only after [`RemovalStore::seal`].
    pub fn get(&self, d: usize) -> Result<Vec<Removal>, Error> {
        let Some((start, end)) = self.span(d) else {
            return Ok(Vec::new());
        };
        let mut bytes = vec![0u8; (end - start) as usize];
        read_at(&self.file, &mut bytes, start).map_err(self.failed())?;
        decode(&bytes).ok_or_else(|| self.damaged(d))
    }

    /// Overwrite document `d`'s removals with `removals`, which must encode to the same length
    /// (the same removals with other near-matches do). From any thread, after sealing.
    pub fn replace(&self, d: usize, removals: &[Removal]) -> Result<(), Error> {
        let (start, end) = self.span(d).ok_or_else(|| self.damaged(d))?;
        let mut bytes = Vec::with_capacity((end - start) as usize);
        encode(removals, &mut bytes);
        if bytes.len() as u64 != end - start {
            return Err(self.damaged(d));
        }
        write_at(&self.file, &bytes, start).map_err(self.failed())
    }

    fn damaged(&self, d: usize) -> Error {
        Error::Spill {
            path: self.path.clone(),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("removals of document {d} are damaged"),
            ),
        }
    }
}

const BOILERPLATE: u8 = 0;
const NEAR_BOILERPLATE: u8 = 1;
const REPEATED: u8 = 2;
const DROP_PATTERN: u8 = 3;
const SEPARATOR: u8 = 4;
const ENCLOSED: u8 = 5;
const CLASSIFIED: u8 = 6;

const RULES: [BoilerplateRule; 2] = [BoilerplateRule::MinDocs, BoilerplateRule::SiteShare];
const PLACEMENTS: [Placement; 3] = [Placement::Edge, Placement::Run, Placement::Body];
const ZONES: [Zone; 5] = [
    Zone::BeforeArticle,
    Zone::InArticle,
    Zone::AfterArticle,
    Zone::Comments,
    Zone::NoArticle,
];
const CUES: [Cue; 12] = [
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

/// The codes of the enums: their position in the tables above. Exhaustive matches, so that a
/// new variant cannot be left out of the encoding.
fn rule_code(rule: BoilerplateRule) -> u8 {
    match rule {
        BoilerplateRule::MinDocs => 0,
        BoilerplateRule::SiteShare => 1,
    }
}

fn placement_code(placement: Placement) -> u8 {
    match placement {
        Placement::Edge => 0,
        Placement::Run => 1,
        Placement::Body => 2,
    }
}

fn zone_code(zone: Zone) -> u8 {
    match zone {
        Zone::BeforeArticle => 0,
        Zone::InArticle => 1,
        Zone::AfterArticle => 2,
        Zone::Comments => 3,
        Zone::NoArticle => 4,
    }
}

fn cue_code(cue: Cue) -> u8 {
    match cue {
        Cue::Short => 0,
        Cue::NoSentence => 1,
        Cue::FewStopwords => 2,
        Cue::TitleCase => 3,
        Cue::AllCaps => 4,
        Cue::Date => 5,
        Cue::Numbers => 6,
        Cue::Separators => 7,
        Cue::Link => 8,
        Cue::CallToAction => 9,
        Cue::SeenElsewhere => 10,
        Cue::ChromeNeighbours => 11,
    }
}

fn encode(removals: &[Removal], out: &mut Vec<u8>) {
    let u32s = |out: &mut Vec<u8>, values: &[u32]| {
        for v in values {
            out.extend_from_slice(&v.to_le_bytes());
        }
    };
    out.extend_from_slice(&(removals.len() as u32).to_le_bytes());
    for r in removals {
        out.extend_from_slice(&r.block.to_le_bytes());
        match &r.reason {
            Reason::Boilerplate {
                rule,
                documents,
                sites,
                site_documents,
                site_size,
                placement,
            } => {
                out.extend_from_slice(&[BOILERPLATE, rule_code(*rule)]);
                u32s(out, &[*documents, *sites, *site_documents, *site_size]);
                out.push(placement_code(*placement));
            }
            Reason::NearBoilerplate {
                rule,
                covered,
                sampled,
                documents,
                sites,
                site_documents,
                site_size,
                placement,
                anchor,
                near_match,
            } => {
                out.extend_from_slice(&[NEAR_BOILERPLATE, rule_code(*rule)]);
                u32s(
                    out,
                    &[
                        *covered,
                        *sampled,
                        *documents,
                        *sites,
                        *site_documents,
                        *site_size,
                    ],
                );
                out.push(placement_code(*placement));
                out.extend_from_slice(&anchor.to_le_bytes());
                let m = near_match.unwrap_or(NearMatch {
                    document: 0,
                    block: 0,
                    documents: 0,
                });
                out.push(u8::from(near_match.is_some()));
                u32s(out, &[m.document, m.block, m.documents]);
            }
            Reason::RepeatedInDocument {
                first_copy_start,
                copies,
            } => {
                out.push(REPEATED);
                u32s(out, &[*first_copy_start, *copies]);
            }
            Reason::DropPattern { pattern } => {
                out.push(DROP_PATTERN);
                u32s(out, &[*pattern]);
            }
            Reason::Separator => out.push(SEPARATOR),
            Reason::Enclosed => out.push(ENCLOSED),
            Reason::Classified {
                features,
                zone,
                run,
            } => {
                out.push(CLASSIFIED);
                u32s(out, &[features.len() as u32]);
                out.extend(features.iter().map(|&c| cue_code(c)));
                out.push(zone_code(*zone));
                u32s(out, &[*run]);
            }
        }
    }
}

/// The variant of code `code` in `table`.
fn pick<T: Copy>(table: &[T], code: u8) -> Option<T> {
    table.get(code as usize).copied()
}

fn decode(bytes: &[u8]) -> Option<Vec<Removal>> {
    let mut c = Cursor(bytes);
    let n = c.u32()? as usize;
    // Each removal takes at least 5 bytes: a damaged count cannot reserve much.
    let mut removals = Vec::with_capacity(n.min(bytes.len() / 5));
    for _ in 0..n {
        let block = c.u32()?;
        let reason = match c.u8()? {
            BOILERPLATE => Reason::Boilerplate {
                rule: pick(&RULES, c.u8()?)?,
                documents: c.u32()?,
                sites: c.u32()?,
                site_documents: c.u32()?,
                site_size: c.u32()?,
                placement: pick(&PLACEMENTS, c.u8()?)?,
            },
            NEAR_BOILERPLATE => Reason::NearBoilerplate {
                rule: pick(&RULES, c.u8()?)?,
                covered: c.u32()?,
                sampled: c.u32()?,
                documents: c.u32()?,
                sites: c.u32()?,
                site_documents: c.u32()?,
                site_size: c.u32()?,
                placement: pick(&PLACEMENTS, c.u8()?)?,
                anchor: c.u64()?,
                near_match: {
                    let present = c.u8()? != 0;
                    let m = NearMatch {
                        document: c.u32()?,
                        block: c.u32()?,
                        documents: c.u32()?,
                    };
                    present.then_some(m)
                },
            },
            REPEATED => Reason::RepeatedInDocument {
                first_copy_start: c.u32()?,
                copies: c.u32()?,
            },
            DROP_PATTERN => Reason::DropPattern { pattern: c.u32()? },
            SEPARATOR => Reason::Separator,
            ENCLOSED => Reason::Enclosed,
            CLASSIFIED => {
                let cues = c.u32()? as usize;
                let features = (0..cues)
                    .map(|_| c.u8().and_then(|code| CUES.get(code as usize).copied()))
                    .collect::<Option<Vec<Cue>>>()?;
                Reason::Classified {
                    features,
                    zone: pick(&ZONES, c.u8()?)?,
                    run: c.u32()?,
                }
            }
            _ => return None,
        };
        removals.push(Removal { block, reason });
    }
    c.0.is_empty().then_some(removals)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn any_reason() -> impl Strategy<Value = Reason> {
        let rule = prop::sample::select(RULES.to_vec());
        let placement = prop::sample::select(PLACEMENTS.to_vec());
        let near_match =
            prop::option::of((any::<u32>(), any::<u32>(), any::<u32>())).prop_map(|m| {
                m.map(|(document, block, documents)| NearMatch {
                    document,
                    block,
                    documents,
                })
            });
        prop_oneof![
            (rule.clone(), any::<[u32; 4]>(), placement.clone()).prop_map(
                |(rule, n, placement)| {
                    Reason::Boilerplate {
                        rule,
                        documents: n[0],
                        sites: n[1],
                        site_documents: n[2],
                        site_size: n[3],
                        placement,
                    }
                }
            ),
            (rule, any::<[u32; 6]>(), placement, any::<u64>(), near_match).prop_map(
                |(rule, n, placement, anchor, near_match)| Reason::NearBoilerplate {
                    rule,
                    covered: n[0],
                    sampled: n[1],
                    documents: n[2],
                    sites: n[3],
                    site_documents: n[4],
                    site_size: n[5],
                    placement,
                    anchor,
                    near_match,
                }
            ),
            (any::<u32>(), any::<u32>()).prop_map(|(first_copy_start, copies)| {
                Reason::RepeatedInDocument {
                    first_copy_start,
                    copies,
                }
            }),
            any::<u32>().prop_map(|pattern| Reason::DropPattern { pattern }),
            Just(Reason::Separator),
            Just(Reason::Enclosed),
            (
                prop::collection::vec(prop::sample::select(CUES.to_vec()), 0..6),
                prop::sample::select(ZONES.to_vec()),
                any::<u32>()
            )
                .prop_map(|(features, zone, run)| Reason::Classified {
                    features,
                    zone,
                    run
                }),
        ]
    }

    fn any_removals() -> impl Strategy<Value = Vec<Removal>> {
        prop::collection::vec(
            (any::<u32>(), any_reason()).prop_map(|(block, reason)| Removal { block, reason }),
            0..8,
        )
    }

    proptest! {
        /// What is stored comes back equal, document by document, with gaps between them; a
        /// near-match named afterwards is written in place and read back, the others untouched.
        #[test]
        fn removals_come_back_equal(
            docs in prop::collection::vec((0usize..3, any_removals()), 0..12),
            named in (any::<u32>(), any::<u32>(), any::<u32>()),
        ) {
            let parent = tempfile::tempdir().unwrap();
            let dir = Arc::new(SpillDir::new(parent.path()).unwrap());
            let mut store = RemovalStore::new(dir).unwrap();
            let mut expected: Vec<Vec<Removal>> = Vec::new();
            for (gap, removals) in &docs {
                expected.resize(expected.len() + gap, Vec::new());
                store.push(expected.len(), removals).unwrap();
                expected.push(removals.clone());
            }
            store.seal(expected.len() + 2).unwrap();
            expected.resize(expected.len() + 2, Vec::new());
            for (d, removals) in expected.iter_mut().enumerate() {
                prop_assert_eq!(store.has(d), !removals.is_empty());
                prop_assert_eq!(&store.get(d).unwrap(), &*removals);
                let mut changed = false;
                for r in removals.iter_mut() {
                    if let Reason::NearBoilerplate { near_match, .. } = &mut r.reason {
                        *near_match = Some(NearMatch { document: named.0, block: named.1, documents: named.2 });
                        changed = true;
                    }
                }
                if changed {
                    store.replace(d, removals).unwrap();
                }
            }
            for (d, removals) in expected.iter().enumerate() {
                prop_assert_eq!(&store.get(d).unwrap(), removals);
            }
        }
    }

    #[test]
    fn codes_are_positions_in_the_tables() {
        for (i, &r) in RULES.iter().enumerate() {
            assert_eq!(rule_code(r) as usize, i);
        }
        for (i, &p) in PLACEMENTS.iter().enumerate() {
            assert_eq!(placement_code(p) as usize, i);
        }
        for (i, &z) in ZONES.iter().enumerate() {
            assert_eq!(zone_code(z) as usize, i);
        }
        for (i, &c) in CUES.iter().enumerate() {
            assert_eq!(cue_code(c) as usize, i);
        }
    }

    #[test]
    fn a_damaged_entry_is_an_error() {
        let parent = tempfile::tempdir().unwrap();
        let dir = Arc::new(SpillDir::new(parent.path()).unwrap());
        let mut store = RemovalStore::new(dir).unwrap();
        let removals = vec![Removal {
            block: 3,
            reason: Reason::Separator,
        }];
        store.push(0, &removals).unwrap();
        store.seal(1).unwrap();
        let longer = vec![
            removals[0].clone(),
            Removal {
                block: 4,
                reason: Reason::Enclosed,
            },
        ];
        assert!(store.replace(0, &longer).is_err());
        assert_eq!(store.get(0).unwrap(), removals);
    }
}
