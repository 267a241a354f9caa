//! Explain: why one document came out as it did, block by block.
//!
//! In: a finished run's [`Outcome`] (a dry run is enough), its [`Config`] and one document.
//! Out: an [`Explanation`]: the document's fate and, for every block, whether it is kept; for a
//! removed block its [`Reason`], the flag and threshold that fired, its counts and another
//! document holding the same block. `thresh explain` prints it as text ([`render_text`]) or JSON;
//! the HTML report draws its sample documents from it. Nothing here decides anything: it reads
//! the decisions the run recorded, so an explanation never disagrees with the cleaned output.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::decide::near_dup::KeptBecause;
use crate::decide::{BoilerplateRule, Cue, Fate, PatternHit, Placement, Reason, ReasonKind};
use crate::error::Error;
use crate::fingerprint::Key;
use crate::input::SourceDoc;
use crate::output::report::{human_bytes, status_of, ClusterMember, DocStatus};
use crate::pipeline::{DocResult, Outcome};
use crate::segment::{trim_terminator, Unit};

pub const EXPLAIN_FORMAT: &str = "thresh-explain";
/// Bumped on any incompatible change of the JSON schema.
pub const EXPLAIN_VERSION: u32 = 1;

/// One document, explained.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Explanation {
    pub format: String,
    pub version: u32,
    pub id: String,
    pub path: String,
    /// Site name; empty for a document without a site.
    pub site: String,
    /// Documents of its site that were counted (duplicates left out).
    pub site_size: u32,
    pub status: DocStatus,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub unit: Option<Unit>,
    pub bytes: u64,
    pub bytes_removed: u64,
    pub blocks_removed: usize,
    /// For duplicates and near-duplicates: the id of the kept copy.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub duplicate_of: Option<String>,
    /// For near-duplicates: estimated Jaccard similarity to the kept copy.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub similarity: Option<f64>,
    /// For near-duplicates: estimated share of this document found in the kept copy.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub containment: Option<f64>,
    /// For near-duplicates: why the kept copy is the one written.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub kept_because: Option<KeptBecause>,
    /// Documents not written because they duplicate this one (similarity 1 for exact copies).
    pub copies: Vec<ClusterMember>,
    /// One sentence: what happened to the document and why.
    pub summary: String,
    pub blocks: Vec<BlockExplanation>,
}

/// One block of the document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BlockExplanation {
    /// 1-based line of the block's first line.
    pub line: u32,
    /// Byte span in the original file.
    pub start: u32,
    pub end: u32,
    /// The block's text (lossy UTF-8, line terminator left out).
    pub text: String,
    pub words: u32,
    /// Kept in the cleaned output. False for every block of a document that is not written.
    pub kept: bool,
    /// How often the block occurs; absent for blocks without letters or digits.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub counts: Option<BlockCounts>,
    /// Why the block is removed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub removal: Option<RemovalExplanation>,
    /// For a kept block that occurs elsewhere: why it is kept all the same.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub note: Option<String>,
}

/// Where else a block occurs, counted as the decisions counted it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockCounts {
    /// Distinct documents holding it (duplicates and each near-duplicate cluster counted once).
    pub documents: u32,
    pub sites: u32,
    /// Documents of this document's site holding it.
    pub site_documents: u32,
}

/// A removed block's reason, with the rule that fired put into words.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RemovalExplanation {
    #[serde(flatten)]
    pub reason: Reason,
    /// The flag whose threshold fired, e.g. `--min-docs`; absent for rules without one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub flag: Option<String>,
    /// That flag's value in this run.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub threshold: Option<String>,
    /// One sentence for a person.
    pub why: String,
    /// Another place holding the same block: another document for boilerplate, the kept first
    /// copy for a repeat.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub example: Option<Example>,
}

/// A document and line where a block also occurs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Example {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub line: Option<u32>,
}

/// The index of the document named by `query`: a path to one of the run's files, or its id
/// (path relative to its INPUT, with `/`).
pub fn find_document(outcome: &Outcome, query: &str) -> Result<usize, Error> {
    let by_id = query.replace('\\', "/");
    if let Some(i) = outcome.docs.iter().position(|d| d.source.id() == by_id) {
        return Ok(i);
    }
    let path = Path::new(query);
    if let Ok(wanted) = std::fs::canonicalize(path) {
        let same_name = |d: &&DocResult| d.source.path().file_name() == wanted.file_name();
        let found = outcome
            .docs
            .iter()
            .enumerate()
            .filter(|(_, d)| same_name(d))
            .find(|(_, d)| std::fs::canonicalize(d.source.path()).ok().as_deref() == Some(&wanted));
        if let Some((i, _)) = found {
            return Ok(i);
        }
    }
    Err(Error::UnknownDocument {
        query: query.to_string(),
        documents: outcome.docs.len(),
    })
}

/// Explain document `index` of a finished run; reads its file (and, for line numbers, the
/// files of the examples).
pub fn explain(outcome: &Outcome, cfg: &Config, index: usize) -> Result<Explanation, Error> {
    let doc = outcome
        .docs
        .get(index)
        .ok_or_else(|| Error::UnknownDocument {
            query: format!("#{index}"),
            documents: outcome.docs.len(),
        })?;
    let bytes = match &doc.print {
        Some(print) => {
            let bytes = crate::input::records::read_text(
                &doc.source,
                &cfg.jsonl,
                cfg.max_doc_bytes,
                cfg.max_line_bytes,
            )
            .map_err(|issue| Error::Read {
                path: doc.source.path().to_path_buf(),
                source: std::io::Error::other(issue.message),
            })?;
            if xxhash_rust::xxh3::xxh3_64(&bytes) != print.raw {
                return Err(Error::Read {
                    path: doc.source.path().to_path_buf(),
                    source: std::io::Error::other("changed since it was read; run again"),
                });
            }
            bytes
        }
        None => Vec::new(),
    };
    let mut lines = LineCache::default();
    Ok(build(outcome, cfg, index, &bytes, &mut lines))
}

/// Line numbers of block starts in other documents, each file read at most once.
#[derive(Default)]
struct LineCache {
    texts: HashMap<(PathBuf, Option<u64>), Option<Vec<u8>>>,
}

impl LineCache {
    /// Line of `offset` in the document's text (a record's text for JSONL).
    fn line_of(&mut self, doc: &SourceDoc, cfg: &Config, offset: u32) -> Option<u32> {
        let bytes = self
            .texts
            .entry((doc.path().to_path_buf(), doc.line))
            .or_insert_with(|| {
                crate::input::records::read_text(
                    doc,
                    &cfg.jsonl,
                    cfg.max_doc_bytes,
                    cfg.max_line_bytes,
                )
                .ok()
            })
            .as_ref()?;
        let before = bytes.get(..offset as usize)?;
        Some(memchr::memchr_iter(b'\n', before).count() as u32 + 1)
    }
}

fn build(
    outcome: &Outcome,
    cfg: &Config,
    index: usize,
    bytes: &[u8],
    lines: &mut LineCache,
) -> Explanation {
    let doc = &outcome.docs[index];
    let status = status_of(doc);
    let id_of = |i: usize| outcome.docs[i].source.id().to_string();
    let copies: Vec<ClusterMember> = outcome
        .docs
        .iter()
        .filter(|d| {
            matches!(d.fate, Some(Fate::Duplicate { of } | Fate::NearDuplicate { of, .. }) if of == index)
        })
        .filter_map(|d| ClusterMember::of_fate(d.source.id(), d.fate))
        .collect();
    let duplicate_of = match doc.fate {
        Some(Fate::Duplicate { of } | Fate::NearDuplicate { of, .. }) => Some(id_of(of)),
        _ => None,
    };
    let near = match doc.fate {
        Some(Fate::NearDuplicate { .. }) => ClusterMember::of_fate(doc.source.id(), doc.fate),
        _ => None,
    };
    let blocks = match &doc.print {
        Some(_) => explain_blocks(outcome, cfg, index, bytes, lines),
        None => Vec::new(),
    };
    let mut e = Explanation {
        format: EXPLAIN_FORMAT.into(),
        version: EXPLAIN_VERSION,
        id: doc.source.id().to_string(),
        path: doc.source.path().display().to_string(),
        site: outcome.sites[doc.site as usize].clone(),
        site_size: outcome.counts.blocks.site_size(doc.site),
        status,
        unit: doc.unit,
        bytes: doc.bytes,
        bytes_removed: doc.removed_bytes(),
        blocks_removed: outcome.removals(index).len(),
        duplicate_of,
        similarity: near.as_ref().map(|m| m.similarity),
        containment: near.as_ref().and_then(|m| m.containment),
        kept_because: near.as_ref().and_then(|m| m.kept_because),
        copies,
        summary: String::new(),
        blocks,
    };
    e.summary = summary(&e, doc, outcome, cfg);
    e
}

fn summary(e: &Explanation, doc: &DocResult, outcome: &Outcome, cfg: &Config) -> String {
    let of = e.duplicate_of.as_deref().unwrap_or("");
    match e.status {
        DocStatus::Written => format!(
            "written: {} of {} blocks removed ({} of {}, {:.1}%){}",
            e.blocks_removed,
            e.blocks.len(),
            human_bytes(e.bytes_removed),
            human_bytes(e.bytes),
            percent(e.bytes_removed, e.bytes),
            if doc.classifier_backed_off {
                "; the classifier backed off (it would have removed nearly everything)"
            } else {
                ""
            }
        ),
        DocStatus::Emptied => format!(
            "emptied: all {} blocks with content are removed; not written",
            e.blocks.iter().filter(|b| b.counts.is_some()).count()
        ),
        DocStatus::Duplicate => format!(
            "duplicate of {of}: identical after normalisation and earlier in path order; not written"
        ),
        DocStatus::NearDuplicate => {
            let similarity = e.similarity.unwrap_or(0.0);
            let containment = e.containment.unwrap_or(0.0);
            let alike = if similarity >= cfg.near_dup.threshold {
                format!("at least --near-dup-threshold {}", cfg.near_dup.threshold)
            } else {
                format!(
                    "nearly all of it is in {of}: at least --near-dup-containment {}",
                    cfg.near_dup.containment
                )
            };
            let kept = match e.kept_because {
                Some(KeptBecause::Fuller) => "the fuller copy: it holds this one and more",
                Some(KeptBecause::Longest) => "the longest copy",
                _ => "the first copy in path order",
            };
            format!(
                "near-duplicate of {of}, which is written as {kept}: on what the run keeps of each, estimated similarity {similarity:.2} and {:.0}% of this document found in {of} ({alike}); not written (explain {of} for its blocks)",
                100.0 * containment
            )
        }
        DocStatus::Empty => "no content (empty, or only whitespace and punctuation); not written".into(),
        DocStatus::Failed => {
            let path = doc.source.path().display().to_string();
            let message = outcome
                .issues
                .iter()
                .find(|i| i.path == path && i.kind.is_failure())
                .map_or("could not be read", |i| i.message.as_str());
            format!("failed: {message}")
        }
    }
}

fn explain_blocks(
    outcome: &Outcome,
    cfg: &Config,
    index: usize,
    bytes: &[u8],
    lines: &mut LineCache,
) -> Vec<BlockExplanation> {
    let doc = &outcome.docs[index];
    let Some(print) = outcome.print(index) else {
        return Vec::new();
    };
    let written = matches!(doc.fate, Some(Fate::Written | Fate::Emptied));
    let removals = outcome.removals(index);
    let removal_of: HashMap<u32, &Reason> = removals.iter().map(|r| (r.block, &r.reason)).collect();
    let kept_by_pattern: HashSet<u32> = doc
        .pattern_hits
        .iter()
        .filter(|(_, hit)| *hit == PatternHit::Keep)
        .map(|(b, _)| *b)
        .collect();
    // Blocks seen elsewhere whose other place is named: boilerplate, classified blocks with
    // that cue, and kept blocks found in other documents.
    let seen_elsewhere = |i: usize, reason: Option<&&Reason>| match reason {
        Some(Reason::Boilerplate { .. }) => true,
        Some(Reason::Classified { features, .. }) => features.contains(&Cue::SeenElsewhere),
        Some(_) => false,
        None => print.blocks[i]
            .key()
            .is_some_and(|k| outcome.counts.blocks.stats(k).docs >= 2),
    };
    let wanted_keys: HashSet<Key> = (0..print.blocks.len())
        .filter(|&i| seen_elsewhere(i, removal_of.get(&(i as u32))))
        .filter_map(|i| print.blocks[i].key())
        .collect();
    let elsewhere = other_occurrences(outcome, index, &wanted_keys);
    let site_size = outcome.counts.blocks.site_size(doc.site);
    let classifier_notes = classifier_notes(&print, &removals, &kept_by_pattern, outcome, cfg);

    let mut out = Vec::with_capacity(print.blocks.len());
    let mut line = 1u32;
    let mut scanned_to = 0usize;
    for (i, block) in print.blocks.iter().enumerate() {
        let start = (block.start as usize).min(bytes.len());
        line += memchr::memchr_iter(b'\n', &bytes[scanned_to..start]).count() as u32;
        scanned_to = start;
        let text = bytes
            .get(block.span())
            .map(|s| String::from_utf8_lossy(trim_terminator(s)).into_owned())
            .unwrap_or_default();
        let counts = block.key().map(|key| {
            let stats = outcome.counts.blocks.stats(key);
            BlockCounts {
                documents: stats.docs,
                sites: stats.sites,
                site_documents: outcome.counts.blocks.site_docs(key, doc.site),
            }
        });
        let example_elsewhere = |lines: &mut LineCache| {
            block
                .key()
                .and_then(|k| elsewhere.get(&k))
                .map(|&(d, offset)| Example {
                    id: outcome.docs[d].source.id().to_string(),
                    line: lines.line_of(&outcome.docs[d].source, cfg, offset),
                })
        };
        let removal = removal_of.get(&(i as u32)).map(|reason| {
            let example = match reason {
                Reason::Boilerplate { .. } => example_elsewhere(lines),
                Reason::Classified { features, .. } if features.contains(&Cue::SeenElsewhere) => {
                    example_elsewhere(lines)
                }
                Reason::RepeatedInDocument {
                    first_copy_start, ..
                } => Some(Example {
                    id: doc.source.id().to_string(),
                    line: bytes
                        .get(..*first_copy_start as usize)
                        .map(|b| memchr::memchr_iter(b'\n', b).count() as u32 + 1),
                }),
                Reason::NearBoilerplate {
                    near_match: Some(m),
                    ..
                } => outcome.docs.get(m.document as usize).and_then(|other| {
                    let print = outcome.print(m.document as usize)?;
                    let block = print.blocks.get(m.block as usize)?;
                    Some(Example {
                        id: other.source.id().to_string(),
                        line: lines.line_of(&other.source, cfg, block.start),
                    })
                }),
                Reason::NearBoilerplate {
                    near_match: None, ..
                }
                | Reason::DropPattern { .. }
                | Reason::Separator
                | Reason::Enclosed
                | Reason::Classified { .. } => None,
            };
            describe(reason, block.words, cfg, example)
        });
        let kept = written && removal.is_none();
        let note = if kept {
            let counting = kept_note(
                kept_by_pattern.contains(&(i as u32)),
                counts,
                site_size,
                cfg,
            )
            .map(|note| match example_elsewhere(lines) {
                Some(ex) => format!(
                    "{note}; also in {}{}",
                    ex.id,
                    ex.line.map(|l| format!(":{l}")).unwrap_or_default()
                ),
                None => note,
            });
            let classifier = classifier_notes.get(i).cloned().flatten();
            match (counting, classifier) {
                (Some(a), Some(b)) => Some(format!("{a}; {b}")),
                (a, b) => a.or(b),
            }
        } else {
            None
        };
        out.push(BlockExplanation {
            line,
            start: block.start,
            end: block.end,
            text,
            words: block.words,
            kept,
            counts,
            removal,
            note,
        });
    }
    out
}

/// Why the classifier kept each block it came close to removing (see
/// [`crate::decide::classify::kept`]), from the decisions as they stood before it ran: the
/// recorded removals without the classifier's own and the separators decided after it.
fn classifier_notes(
    print: &crate::fingerprint::DocFingerprint,
    removals: &[crate::decide::Removal],
    kept_by_pattern: &HashSet<u32>,
    outcome: &Outcome,
    cfg: &Config,
) -> Vec<Option<String>> {
    let n = print.blocks.len();
    let Some(feats) = &print.features else {
        return vec![None; n];
    };
    let mut before: Vec<Option<Reason>> = vec![None; n];
    for r in removals {
        if !matches!(
            r.reason.kind(),
            ReasonKind::Classified | ReasonKind::Separator
        ) {
            if let Some(slot) = before.get_mut(r.block as usize) {
                *slot = Some(r.reason.clone());
            }
        }
    }
    let locked: Vec<bool> = (0..n as u32)
        .map(|b| kept_by_pattern.contains(&b))
        .collect();
    let seen: Vec<bool> = print
        .blocks
        .iter()
        .map(|b| {
            b.key()
                .is_some_and(|k| outcome.counts.blocks.stats(k).docs >= 2)
        })
        .collect();
    crate::decide::classify::kept(
        print,
        feats,
        &before,
        &locked,
        &seen,
        &cfg.decide.classifier,
    )
}

/// For each key, the first other document in run order holding it (and the block's offset
/// there); documents not counted (exact duplicates) are only used when nothing else holds it.
fn other_occurrences(
    outcome: &Outcome,
    index: usize,
    keys: &HashSet<Key>,
) -> HashMap<Key, (usize, u32)> {
    let mut found: HashMap<Key, (usize, u32)> = HashMap::new();
    let mut fallback: HashMap<Key, (usize, u32)> = HashMap::new();
    if keys.is_empty() {
        return found;
    }
    for (d, doc) in outcome.docs.iter().enumerate() {
        if d == index {
            continue;
        }
        let Some(print) = outcome.print(d) else {
            continue;
        };
        let target = if matches!(doc.fate, Some(Fate::Duplicate { .. })) {
            &mut fallback
        } else {
            &mut found
        };
        for block in &print.blocks {
            if let Some(k) = block.key().filter(|k| keys.contains(k)) {
                target.entry(k).or_insert((d, block.start));
            }
        }
        if found.len() == keys.len() {
            break;
        }
    }
    for (k, v) in fallback {
        found.entry(k).or_insert(v);
    }
    found
}

/// Where the block sits and so which evidence its removal needed.
fn placement_note(placement: Placement, d: &crate::decide::DecideConfig) -> String {
    match placement {
        Placement::Edge => {
            "at the document's edge (outside the article body), plain thresholds".into()
        }
        Placement::Run => format!(
            "inside the article body, in one run with boilerplate that has --body-evidence {}x",
            d.body_evidence
        ),
        Placement::Body => format!(
            "inside the article body, with --body-evidence {}x the thresholds",
            d.body_evidence
        ),
    }
}

fn describe(
    reason: &Reason,
    words: u32,
    cfg: &Config,
    example: Option<Example>,
) -> RemovalExplanation {
    let d = &cfg.decide;
    let (flag, threshold, why): (Option<&str>, Option<String>, String) = match reason {
        Reason::NearBoilerplate {
            covered,
            sampled,
            documents,
            site_documents,
            site_size,
            placement,
            near_match,
            ..
        } => (
            Some("--variant-cover"),
            Some(d.variant_cover.to_string()),
            format!(
                "template variant: {covered} of its {sampled} sampled word 3-grams are template 3-grams of its site (each in at least {site_documents} of its {site_size} documents, {documents} in all, and at least --variant-lift {} times as common there as elsewhere), at least --variant-cover {}{}; {}",
                d.variant_lift,
                d.variant_cover,
                near_match.map_or(String::new(), |m| format!(
                    "; the nearest frequent spelling is in {} documents",
                    m.documents
                )),
                placement_note(*placement, d)
            ),
        ),
        Reason::Boilerplate {
            rule,
            documents,
            sites,
            site_documents,
            site_size,
            placement,
        } => {
            let site_part = format!(
                "{site_documents} of the {site_size} documents of its site ({:.0}%); {}",
                share(*site_documents, *site_size) * 100.0,
                placement_note(*placement, d)
            );
            match rule {
                BoilerplateRule::MinDocs => (
                    Some("--min-docs"),
                    Some(d.min_docs.to_string()),
                    format!(
                        "boilerplate: in {documents} documents on {sites} {}, at least --min-docs {}; {site_part}",
                        plural(*sites, "site", "sites"),
                        d.min_docs
                    ),
                ),
                BoilerplateRule::SiteShare => (
                    Some("--min-site-share"),
                    Some(d.min_site_share.to_string()),
                    format!(
                        "boilerplate: in {site_part}, at least --min-site-share {} of a site of {} or more (--min-site-docs); {documents} documents in all, under --min-docs {}",
                        d.min_site_share, d.min_site_docs, d.min_docs
                    ),
                ),
            }
        }
        Reason::RepeatedInDocument { copies, .. } => (
            Some("--min-repeat-words"),
            Some(d.min_repeat_words.to_string()),
            format!(
                "repeated in document: {copies} copies of a block of {words} words (at least --min-repeat-words {}); the first copy is kept",
                d.min_repeat_words
            ),
        ),
        Reason::DropPattern { pattern } => {
            let text = cfg
                .patterns
                .drop_patterns()
                .get(*pattern as usize)
                .cloned()
                .unwrap_or_default();
            (
                Some("--drop-pattern"),
                Some(text.clone()),
                format!("drop pattern: matches --drop-pattern {text:?}"),
            )
        }
        Reason::Separator => (
            None,
            None,
            "separator: no letters or digits, left between removed blocks or at the edge".into(),
        ),
        Reason::Enclosed => (
            Some("--max-enclosed-words"),
            Some(d.max_enclosed_words.to_string()),
            format!(
                "enclosed by boilerplate: {words} words (under --max-enclosed-words {}) in a run of at least --min-enclosed-run {} short blocks with removed blocks on both sides",
                d.max_enclosed_words, d.min_enclosed_run
            ),
        ),
        Reason::Classified {
            features,
            zone,
            run,
        } => (
            Some("--classifier"),
            Some(d.classifier.strength.name().to_string()),
            format!(
                "classified: {}{}",
                crate::decide::classify::describe(features, *zone, *run),
                if *zone == crate::decide::Zone::Comments {
                    " (--keep-comments keeps the thread)"
                } else {
                    ""
                }
            ),
        ),
    };
    RemovalExplanation {
        reason: reason.clone(),
        flag: flag.map(str::to_string),
        threshold,
        why,
        example,
    }
}

/// Why a block that occurs in other documents is kept; `None` for blocks found only here.
fn kept_note(
    by_pattern: bool,
    counts: Option<BlockCounts>,
    site_size: u32,
    cfg: &Config,
) -> Option<String> {
    if by_pattern {
        return Some("kept: matches a --keep-pattern".into());
    }
    let c = counts.filter(|c| c.documents >= 2)?;
    let d = &cfg.decide;
    let stats = crate::count::KeyStats {
        docs: c.documents,
        sites: c.sites,
    };
    // Frequent enough by the plain thresholds and still kept: the position rule spared it.
    match crate::decide::frequent(stats, c.site_documents, site_size, d, 1.0) {
        Some(BoilerplateRule::MinDocs) => {
            return Some(format!(
                "kept: in {} documents, at least --min-docs {}, but inside the article body, where removal needs --body-evidence {} times that ({:.0} documents) or a run with a block that has it",
                c.documents,
                d.min_docs,
                d.body_evidence,
                (f64::from(d.min_docs) * d.body_evidence).ceil()
            ))
        }
        Some(BoilerplateRule::SiteShare) => {
            return Some(format!(
                "kept: in {} of {site_size} documents of its site ({:.0}%, at least --min-site-share {}), but inside the article body, where removal needs --body-evidence {} times that share or a run with a block that has it",
                c.site_documents,
                share(c.site_documents, site_size) * 100.0,
                d.min_site_share,
                d.body_evidence
            ))
        }
        None => {}
    }
    let site_part = if !d.use_sites {
        "sites are off (--no-sites)".to_string()
    } else if site_size < d.min_site_docs {
        format!(
            "its site has {site_size} documents, under --min-site-docs {}",
            d.min_site_docs
        )
    } else {
        format!(
            "{} of {site_size} documents of its site ({:.0}%, under --min-site-share {})",
            c.site_documents,
            share(c.site_documents, site_size) * 100.0,
            d.min_site_share
        )
    };
    Some(format!(
        "kept: in {} documents, under --min-docs {}; {site_part}",
        c.documents, d.min_docs
    ))
}

fn share(part: u32, whole: u32) -> f64 {
    if whole == 0 {
        0.0
    } else {
        f64::from(part) / f64::from(whole)
    }
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

fn plural<'a>(n: u32, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// ANSI styles for the text rendering; empty strings when colour is off.
struct Style {
    bold: &'static str,
    dim: &'static str,
    removed: &'static str,
    reason: &'static str,
    reset: &'static str,
}

impl Style {
    fn new(colour: bool) -> Self {
        if colour {
            Style {
                bold: "\x1b[1m",
                dim: "\x1b[2m",
                // Red and struck through: still readable where strike-through is unsupported.
                removed: "\x1b[31;9m",
                reason: "\x1b[33m",
                reset: "\x1b[0m",
            }
        } else {
            Style {
                bold: "",
                dim: "",
                removed: "",
                reason: "",
                reset: "",
            }
        }
    }
}

/// The explanation for a person: a header, then every block with its line number, `+` for
/// kept and `-` for removed, each removed block followed by its reason.
pub fn render_text(e: &Explanation, colour: bool) -> String {
    let s = Style::new(colour);
    let mut out = String::new();
    out.push_str(&format!("{}{}{}\n", s.bold, e.id, s.reset));
    let site = if e.site.is_empty() {
        "no site".to_string()
    } else {
        format!("site {} ({} documents)", e.site, e.site_size)
    };
    let unit = match e.unit {
        Some(Unit::Line) => ", one block per line",
        Some(Unit::Paragraph) => ", one block per paragraph",
        None => "",
    };
    out.push_str(&format!("  {site}{unit}, {}\n", human_bytes(e.bytes)));
    out.push_str(&format!("  {}\n", e.summary));
    for c in &e.copies {
        out.push_str(&format!(
            "  copy not written: {} (similarity {:.2})\n",
            c.id, c.similarity
        ));
    }
    out.push('\n');
    let width = e.blocks.last().map_or(1, |b| b.line.to_string().len());
    let whole_doc_dropped = !matches!(e.status, DocStatus::Written | DocStatus::Emptied);
    for b in &e.blocks {
        let (mark, style) = match (&b.removal, b.kept) {
            (Some(_), _) => ("-", s.removed),
            (None, true) => ("+", ""),
            (None, false) if whole_doc_dropped => ("=", s.dim),
            (None, false) => ("-", s.removed),
        };
        let indent = " ".repeat(width + 3);
        let mut first = true;
        for text_line in b.text.lines() {
            if first {
                out.push_str(&format!("{}{:>width$}{} ", s.dim, b.line, s.reset));
                first = false;
            } else {
                out.push_str(&" ".repeat(width + 1));
            }
            out.push_str(&format!("{mark} {style}{text_line}{}\n", s.reset));
        }
        if let Some(r) = &b.removal {
            out.push_str(&format!("{indent}{}{}", s.reason, r.why));
            if let Some(ex) = &r.example {
                let at = ex.line.map(|l| format!(":{l}")).unwrap_or_default();
                let prefix = if ex.id == e.id {
                    "first copy at"
                } else {
                    "also in"
                };
                out.push_str(&format!("; {prefix} {}{at}", ex.id));
            }
            out.push_str(&format!("{}\n", s.reset));
        } else if let Some(note) = &b.note {
            out.push_str(&format!("{indent}{}{note}{}\n", s.dim, s.reset));
        }
    }
    out
}

#[cfg(test)]
mod tests;
