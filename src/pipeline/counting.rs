//! Counting stages of the pipeline: which documents count into the frozen tables, near-duplicate
//! clusters taken back out of them so that each counts once; and naming each template
//! variant's near-match from the counts.
//!
//! In: the documents after exact duplicate marking (and, to take clusters back out, after
//! near-duplicate marking), their fingerprints (in memory or in the store) and the index's prior
//! documents. Out: [`CorpusCounts`]. With a [`CountSpill`] each worker's tables hold at most
//! their pairs and spill sorted runs; freezing merges them (k-way), so the counts equal those
//! counted in memory.

use std::collections::HashMap;

use rayon::prelude::*;

use super::{print_of, removals_of, DocResult};
use crate::count::{CorpusCounts, CountBuilder, CountSpill, CountTable, FrozenCounts, SiteId};
use crate::decide::{Fate, NearMatch, Reason, Removal};
use crate::error::Error;
use crate::fingerprint::Key;
use crate::index::IndexDoc;
use crate::spill::prints::PrintStore;
use crate::spill::removals::RemovalStore;

/// Whether a document's blocks are counted: it has content and is not an exact duplicate
/// (near-duplicates count, once per cluster).
fn is_counted(doc: &DocResult) -> bool {
    matches!(doc.fate, None | Some(Fate::NearDuplicate { .. }))
        && doc.print.as_ref().is_some_and(|p| p.content.is_some())
}

/// A worker's two tables (block keys, shingles).
type Builders = (CountBuilder, CountBuilder);

fn builders(spill: Option<&CountSpill>) -> Builders {
    match spill {
        Some(s) => (
            CountBuilder::spilling(s, "blocks"),
            CountBuilder::spilling(s, "shingles"),
        ),
        None => (CountBuilder::default(), CountBuilder::default()),
    }
}

/// Spill a full table (spilling builders only).
fn spill_full(b: &mut Builders) -> Result<(), Error> {
    for table in [&mut b.0, &mut b.1] {
        if table.needs_spill() {
            table.spill()?;
        }
    }
    Ok(())
}

fn finish(b: Builders, spilling: bool) -> Result<(CountTable, CountTable), Error> {
    if spilling {
        Ok((b.0.finish_spilled()?, b.1.finish_spilled()?))
    } else {
        Ok((b.0.finish(), b.1.finish()))
    }
}

type Tables = Result<(CountTable, CountTable), Error>;

fn merge(a: Tables, b: Tables) -> Tables {
    let (a, b) = (a?, b?);
    Ok((a.0.merge(b.0), a.1.merge(b.1)))
}

/// Count every block key and every sampled shingle in distinct documents and sites, each
/// counted document on its own (near-duplicate clusters are taken back out afterwards, by
/// [`uncount_cluster_repeats`]).
pub(super) fn count_blocks(
    docs: &[DocResult],
    store: Option<&PrintStore>,
    prior: &[(SiteId, &IndexDoc)],
    n_sites: usize,
    spill: Option<&CountSpill>,
) -> Result<CorpusCounts, Error> {
    let mut site_sizes = vec![0u32; n_sites];
    for &(site, _) in prior {
        site_sizes[site as usize] += 1;
    }
    let counted: Vec<usize> = (0..docs.len()).filter(|&i| is_counted(&docs[i])).collect();
    for &i in &counted {
        site_sizes[docs[i].site as usize] += 1;
    }
    // Documents without a site share no template: the site-share rule never applies to them.
    site_sizes[0] = 0;
    let spilling = spill.is_some();
    let (blocks, shingles) = counted
        .par_iter()
        .try_fold(
            || builders(spill),
            |mut tables, &d| {
                let Some(print) = print_of(docs, store, d)? else {
                    return Ok(tables);
                };
                let keys = print.blocks.iter().filter_map(|b| b.key());
                tables.0.add_document(docs[d].site, distinct(keys));
                tables
                    .1
                    .add_document(docs[d].site, distinct(print.shingles.iter().copied()));
                spill_full(&mut tables)?;
                Ok::<_, Error>(tables)
            },
        )
        .map(|tables| finish(tables?, spilling))
        .reduce(|| Ok(Default::default()), merge)?;
    // The index's documents: each once, keys already distinct. The merge is commutative, so
    // adding them last changes nothing but the totals.
    let (prior_blocks, prior_shingles) = prior
        .par_iter()
        .try_fold(
            || builders(spill),
            |mut tables, &(site, doc)| {
                tables.0.add_document(site, doc.keys.iter().copied());
                tables.1.add_document(site, doc.shingles.iter().copied());
                spill_full(&mut tables)?;
                Ok::<_, Error>(tables)
            },
        )
        .map(|tables| finish(tables?, spilling))
        .reduce(|| Ok(Default::default()), merge)?;
    let (blocks, shingles) = (blocks.merge(prior_blocks), shingles.merge(prior_shingles));
    Ok(CorpusCounts {
        blocks: blocks.try_freeze(site_sizes.clone())?,
        shingles: shingles.try_freeze(site_sizes)?,
    })
}

/// Take back from `counts`, counted with every document on its own, what near-duplicate
/// clusters count only once: a key that an earlier member of its cluster (in run order) holds
/// too. Afterwards each cluster counts each key once, at the site of its first member holding
/// it, as [`count_blocks`] counting again would (`FrozenCounts::uncount`'s proptest), without
/// reading every fingerprint again: only the clusters' members are read.
pub(super) fn uncount_cluster_repeats(
    docs: &[DocResult],
    store: Option<&PrintStore>,
    counts: &mut CorpusCounts,
) -> Result<(), Error> {
    let mut members: Vec<(u32, u32)> = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        if let Some(Fate::NearDuplicate { of, .. }) = doc.fate {
            members.push((of as u32, i as u32));
            members.push((of as u32, of as u32));
        }
    }
    members.sort_unstable();
    members.dedup();
    type Repeats = (Vec<(Key, SiteId)>, Vec<(Key, SiteId)>);
    let (blocks, shingles) = members
        .par_chunk_by(|a, b| a.0 == b.0)
        .map(|cluster| {
            let (mut seen_keys, mut seen_shingles) = (Vec::new(), Vec::new());
            let mut repeats: Repeats = Default::default();
            for &(_, m) in cluster {
                let m = m as usize;
                let Some(print) = print_of(docs, store, m)? else {
                    continue;
                };
                let site = docs[m].site;
                let keys = print.blocks.iter().filter_map(|b| b.key());
                repeats
                    .0
                    .extend(seen_again(keys, &mut seen_keys).map(|k| (k, site)));
                let sample = print.shingles.iter().copied();
                repeats
                    .1
                    .extend(seen_again(sample, &mut seen_shingles).map(|k| (k, site)));
            }
            Ok::<_, Error>(repeats)
        })
        .try_reduce(Repeats::default, |mut a, b| {
            a.0.extend(b.0);
            a.1.extend(b.1);
            Ok(a)
        })?;
    counts.blocks.uncount(blocks);
    counts.shingles.uncount(shingles);
    Ok(())
}

/// The distinct values of `items` an earlier member already had; the others join `seen`.
fn seen_again(items: impl Iterator<Item = u64>, seen: &mut Vec<u64>) -> std::vec::IntoIter<u64> {
    let mut values: Vec<u64> = items.collect();
    values.sort_unstable();
    values.dedup();
    let (again, fresh): (Vec<u64>, Vec<u64>) = values
        .into_iter()
        .partition(|v| seen.binary_search(v).is_ok());
    seen.extend(fresh);
    seen.sort_unstable();
    again.into_iter()
}

/// The distinct values of `items`.
fn distinct(items: impl Iterator<Item = u64>) -> Vec<u64> {
    let mut values: Vec<u64> = items.collect();
    values.sort_unstable();
    values.dedup();
    values
}

/// Name what each template variant was matched to: for each anchor shingle, the block of
/// another document holding it whose exact key is the most frequent (ties: earliest). With a
/// removal store the named removals are rewritten there, in place.
pub(super) fn name_near_matches(
    docs: &mut [DocResult],
    store: Option<&PrintStore>,
    removal_store: Option<&RemovalStore>,
    block_counts: &FrozenCounts,
) -> Result<(), Error> {
    let anchors_of = |removals: &[Removal]| -> Vec<u64> {
        removals
            .iter()
            .filter_map(|r| match r.reason {
                Reason::NearBoilerplate { anchor, .. } => Some(anchor),
                _ => None,
            })
            .collect()
    };
    let shared: &[DocResult] = docs;
    let has_removals = |d: usize| match removal_store {
        Some(removals) => removals.has(d),
        None => !shared[d].removals.is_empty(),
    };
    let mut anchors: Vec<u64> = (0..shared.len())
        .into_par_iter()
        .filter(|&d| has_removals(d))
        .map(|d| removals_of(shared, removal_store, d).map(|r| anchors_of(&r)))
        .collect::<Result<Vec<Vec<u64>>, Error>>()?
        .into_iter()
        .flatten()
        .collect();
    if anchors.is_empty() {
        return Ok(());
    }
    anchors.sort_unstable();
    anchors.dedup();
    // Per anchor, the two best holders, so that a document is never its own near-match.
    type Best = [Option<(std::cmp::Reverse<u32>, usize, u32)>; 2];
    let shared: &[DocResult] = docs;
    let best: HashMap<u64, Best> = shared
        .par_iter()
        .enumerate()
        .try_fold(HashMap::new, |mut best: HashMap<u64, Best>, (d, doc)| {
            // Decided documents and near-duplicates: those whose blocks were counted.
            let counted = matches!(
                doc.fate,
                Some(Fate::Written | Fate::Emptied | Fate::NearDuplicate { .. })
            );
            if !counted {
                return Ok(best);
            }
            let Some(print) = print_of(shared, store, d)? else {
                return Ok(best);
            };
            for (b, block) in print.blocks.iter().enumerate() {
                let Some(key) = block.key() else { continue };
                for shingle in print.block_shingles(b) {
                    if anchors.binary_search(shingle).is_ok() {
                        let docs_holding = block_counts.stats(key).docs;
                        offer(
                            best.entry(*shingle).or_default(),
                            (std::cmp::Reverse(docs_holding), d, b as u32),
                        );
                    }
                }
            }
            Ok::<_, Error>(best)
        })
        .try_reduce(HashMap::new, |mut a, b| {
            for (anchor, holders) in b {
                let slot = a.entry(anchor).or_default();
                for holder in holders.into_iter().flatten() {
                    offer(slot, holder);
                }
            }
            Ok(a)
        })?;
    let name = |d: usize, removals: &mut [Removal]| {
        for removal in removals {
            if let Reason::NearBoilerplate {
                anchor, near_match, ..
            } = &mut removal.reason
            {
                *near_match = best
                    .get(anchor)
                    .and_then(|holders| holders.iter().flatten().find(|h| h.1 != d))
                    .map(
                        |&(std::cmp::Reverse(documents), document, block)| NearMatch {
                            document: document as u32,
                            block,
                            documents,
                        },
                    );
            }
        }
    };
    match removal_store {
        Some(removals) => (0..docs.len())
            .into_par_iter()
            .filter(|&d| removals.has(d))
            .try_for_each(|d| {
                let mut stored = removals.get(d)?;
                if anchors_of(&stored).is_empty() {
                    return Ok(());
                }
                name(d, &mut stored);
                removals.replace(d, &stored)
            }),
        None => {
            for (d, doc) in docs.iter_mut().enumerate() {
                name(d, &mut doc.removals);
            }
            Ok(())
        }
    }
}

/// Keep the two smallest holders, at most one per document.
fn offer(
    slot: &mut [Option<(std::cmp::Reverse<u32>, usize, u32)>; 2],
    holder: (std::cmp::Reverse<u32>, usize, u32),
) {
    if slot
        .iter()
        .flatten()
        .any(|h| h.1 == holder.1 && h <= &holder)
    {
        return;
    }
    let mut all: Vec<_> = slot
        .iter()
        .flatten()
        .copied()
        .filter(|h| h.1 != holder.1)
        .chain(std::iter::once(holder))
        .collect();
    all.sort_unstable();
    slot[0] = all.first().copied();
    slot[1] = all.get(1).copied();
}
