//! The in-memory stages (`thresh::stages`), run the way a distributed engine runs them (documents
//! split over workers, counts shuffled into key partitions, near-duplicate buckets compared per
//! partition), give the decisions of a plain run.

use std::collections::HashMap;
use std::path::Path;

use thresh::count::{CorpusCounts, Record};
use thresh::decide::near_dup::NearHit;
use thresh::decide::{Fate, Reason, Removal};
use thresh::stages::{self, Contribution};
use thresh::Config;

use crate::harness::{corpus, fixtures};

/// One document as an engine holds it: run order is the order of the list.
struct Doc {
    site: String,
    bytes: Vec<u8>,
}

fn read_corpus(root: &Path) -> Vec<Doc> {
    walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.expect("walk"))
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(root).expect("under root");
            let site = match rel.components().count() {
                1 => String::new(),
                _ => rel.components().next().map_or(String::new(), |c| {
                    c.as_os_str().to_string_lossy().into_owned()
                }),
            };
            Doc {
                site,
                bytes: std::fs::read(e.path()).expect("read"),
            }
        })
        .collect()
}

/// Contributions of `docs` counted in `workers` batches, shuffled into `partitions` key
/// partitions, each partition reduced on its own, the retained records gathered.
fn count_distributed(
    contributions: &[Vec<Contribution>],
    workers: usize,
    partitions: u64,
) -> Vec<Record> {
    let batches: Vec<Vec<Contribution>> = (0..workers)
        .map(|w| {
            let mine = contributions
                .iter()
                .skip(w)
                .step_by(workers)
                .flatten()
                .copied()
                .collect();
            stages::combine(mine)
        })
        .collect();
    (0..partitions)
        .flat_map(|p| {
            let part = batches
                .iter()
                .flatten()
                .copied()
                .filter(|c| stages::partition_of(c.key, partitions) == p)
                .collect();
            stages::retained_records(part)
        })
        .collect()
}

/// Every document's fate and removals, computed stage by stage as a distributed engine would.
fn staged(docs: &[Doc], cfg: &Config) -> Vec<(Option<Fate>, Vec<Removal>)> {
    let (workers, partitions) = (3, 4);
    let mut scratch = stages::scratch_for(cfg);
    let prints: Vec<_> = docs
        .iter()
        .map(|d| stages::scan(&d.bytes, cfg, &mut scratch, false).print)
        .collect();
    let mut fates: Vec<Option<Fate>> = vec![None; docs.len()];
    let mut first_of: HashMap<u64, usize> = HashMap::new();
    for (i, print) in prints.iter().enumerate() {
        if let Some(content) = print.content {
            if let Some(&of) = first_of.get(&content) {
                fates[i] = Some(Fate::Duplicate { of });
            } else {
                first_of.insert(content, i);
            }
        }
    }
    let mut names: Vec<String> = docs.iter().map(|d| d.site.clone()).collect();
    names.push(String::new());
    names.sort_unstable();
    names.dedup();
    let site = |i: usize| names.binary_search(&docs[i].site).unwrap_or(0) as u32;
    let counted: Vec<usize> = (0..docs.len())
        .filter(|&i| fates[i].is_none() && prints[i].content.is_some())
        .collect();
    let mut site_sizes = vec![0u32; names.len()];
    for &i in &counted {
        site_sizes[site(i) as usize] += 1;
    }

    // Step 3: blocks, and shingles for the template variants the signatures leave out.
    let (blocks, shingles): (Vec<_>, Vec<_>) = counted
        .iter()
        .map(|&i| stages::contributions(&prints[i], site(i), None))
        .unzip();
    let first_counts = CorpusCounts {
        blocks: stages::frozen(
            count_distributed(&blocks, workers, partitions),
            site_sizes.clone(),
        ),
        shingles: stages::frozen(
            count_distributed(&shingles, workers, partitions),
            site_sizes.clone(),
        ),
    };

    let mut clusters: HashMap<usize, Vec<usize>> = HashMap::new();
    if cfg.near_dup.enabled {
        let mut sketch = Default::default();
        let mut scratch = stages::scratch_for(cfg);
        let sketched: Vec<(usize, _)> = counted
            .iter()
            .filter_map(|&i| {
                let scanned = stages::scan(&docs[i].bytes, cfg, &mut scratch, true);
                let sig = stages::content_signature(
                    &docs[i].bytes,
                    &scanned.print,
                    site(i),
                    &scanned.hits,
                    &first_counts,
                    cfg,
                    &mut sketch,
                )?;
                Some((i, sig))
            })
            .collect();
        let signatures: Vec<_> = sketched.iter().map(|(_, s)| s.clone()).collect();
        let bands: Vec<_> = signatures.iter().map(stages::band_keys).collect();
        let pairs: Vec<_> = (0..partitions)
            .flat_map(|p| stages::bucket_pairs(&signatures, &bands, p, partitions, &cfg.near_dup))
            .collect();
        let resolved = stages::resolve_near_duplicates(&signatures, &pairs, &cfg.near_dup);
        for (rank, hit) in resolved.into_iter().enumerate() {
            if let Some(hit) = hit {
                let (doc, kept) = (sketched[rank].0, sketched[hit.kept].0);
                fates[doc] = Some(NearHit { kept, ..hit }.fate());
                clusters.entry(kept).or_insert_with(|| vec![kept]).push(doc);
            }
        }
    }
    let mut member_of: HashMap<usize, (u64, u32)> = HashMap::new();
    for (&root, members) in &clusters {
        let mut members = members.clone();
        members.sort_unstable();
        for (m, &doc) in members.iter().enumerate() {
            member_of.insert(doc, (root as u64, m as u32));
        }
    }
    let (blocks, shingles): (Vec<_>, Vec<_>) = counted
        .iter()
        .map(|&i| stages::contributions(&prints[i], site(i), member_of.get(&i).copied()))
        .unzip();
    let counts = CorpusCounts {
        blocks: stages::frozen(
            count_distributed(&blocks, workers, partitions),
            site_sizes.clone(),
        ),
        shingles: stages::frozen(
            count_distributed(&shingles, workers, partitions),
            site_sizes,
        ),
    };

    let mut scratch = stages::scratch_for(cfg);
    (0..docs.len())
        .map(|i| {
            if fates[i].is_some() {
                return (fates[i], Vec::new());
            }
            let scanned = stages::scan(&docs[i].bytes, cfg, &mut scratch, true);
            let d = stages::decide(&scanned, site(i), &counts, cfg);
            (Some(d.fate), d.removals)
        })
        .collect()
}

/// Near-matches are named for the report after the decisions; the stages leave them out.
fn without_near_match(mut removals: Vec<Removal>) -> Vec<Removal> {
    for r in &mut removals {
        if let Reason::NearBoilerplate { near_match, .. } = &mut r.reason {
            *near_match = None;
        }
    }
    removals
}

fn assert_same_as_a_run(root: &Path, cfg: Config) {
    let cfg = Config {
        inputs: vec![root.to_path_buf()],
        dry_run: true,
        ..cfg
    };
    let outcome = thresh::pipeline::run(&cfg).expect("run");
    let docs = read_corpus(root);
    assert_eq!(docs.len(), outcome.docs.len());
    let got = staged(&docs, &cfg);
    let mut near_duplicates = 0;
    for (doc, (fate, removals)) in outcome.docs.iter().zip(got) {
        assert_eq!(doc.fate, fate, "{}", doc.source.id());
        assert_eq!(
            without_near_match(doc.removals.clone()),
            removals,
            "{}",
            doc.source.id()
        );
        near_duplicates += usize::from(matches!(fate, Some(Fate::NearDuplicate { .. })));
    }
    if cfg.near_dup.enabled {
        assert!(
            near_duplicates > 0,
            "the corpus should hold near-duplicates"
        );
    }
}

#[test]
fn stages_split_over_workers_decide_the_example_corpus_like_a_run() {
    assert_same_as_a_run(&fixtures().join("scraped"), Config::default());
}

#[test]
fn stages_split_over_workers_decide_the_classifier_corpus_like_a_run() {
    let cfg = Config {
        near_dup: thresh::decide::near_dup::NearDupConfig {
            enabled: false,
            ..Default::default()
        },
        ..Config::default()
    };
    assert_same_as_a_run(&fixtures().join("classifier/scraped"), cfg);
}

/// A story syndicated to three sites with small edits, kept in each site's template, beside
/// unrelated articles: clusters span sites, so counting each cluster once matters.
#[test]
fn stages_count_near_duplicate_clusters_once_like_a_run() {
    let places = [
        "harbour",
        "mill",
        "chapel",
        "bridge",
        "quarry",
        "orchard",
        "lighthouse",
        "granary",
        "ferry",
        "tannery",
        "forge",
        "brewery",
    ];
    let story: Vec<String> = places
        .iter()
        .map(|place| {
            format!(
                "This part of the syndicated story tells how the old {place} by the river \
                 crossing was restored by volunteers who met at the {place} every weekend."
            )
        })
        .collect();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for (s, site) in ["alpha.example", "beta.example", "gamma.example"]
        .iter()
        .enumerate()
    {
        for a in 0..6 {
            let mut text = format!("{site} home | news | sport\nSubscribe to the {site} letter\n");
            if a == 0 {
                for (p, line) in story.iter().enumerate() {
                    if p != s {
                        text.push_str(line);
                        text.push('\n');
                    }
                }
            } else {
                for p in 0..8 {
                    text.push_str(&format!(
                        "Article {a} of {site} paragraph {p}: a local report about topic \
                         {a}{p}{s} that no other page carries, with words of its own {a}{s}{p}.\n"
                    ));
                }
            }
            text.push_str(&format!("Copyright {site}. All rights reserved.\n"));
            files.push((format!("{site}/article-{a}.txt"), text.into_bytes()));
        }
    }
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    let dir = corpus(&refs);
    assert_same_as_a_run(dir.path(), Config::default());
}
