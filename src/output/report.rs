//! Report: the run's outcome → a versioned JSON report and a short human summary.
//!
//! The JSON schema is [`Report`] (format `thresh-report`, version [`REPORT_VERSION`]); it is
//! deserialisable, and the tests parse it back. Byte spans are offsets into the original input
//! files. The report is written atomically like every other output.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use super::settings::ReportConfig;
use crate::config::{Config, GuardConfig};
use crate::decide::near_dup::KeptBecause;
use crate::decide::{Fate, NearMatch, Reason, ReasonKind};
use crate::error::{Error, Issue, IssueKind};
use crate::fingerprint::DocFingerprint;
use crate::input::discover::Skipped;
use crate::pipeline::guardrail::{Family, Rule};
use crate::pipeline::{DocResult, Outcome};
use crate::segment::trim_terminator;

pub const REPORT_FORMAT: &str = "thresh-report";
/// Bumped on any incompatible change of the schema.
pub const REPORT_VERSION: u32 = 1;
const SAMPLE_CHARS: usize = 200;
/// Other spellings of a catalogue entry listed at most.
pub const MAX_VARIANTS: usize = 3;
/// Occurrences of a catalogue entry read to find its variants.
pub const VARIANT_PROBES: usize = 16;

/// The JSON report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub format: String,
    pub version: u32,
    pub thresh_version: String,
    pub config: ReportConfig,
    pub totals: Totals,
    /// Guardrail warnings.
    pub warnings: Vec<String>,
    /// True when `--strict` stopped the run before any cleaned file was written.
    pub stopped: bool,
    pub issues: Vec<Issue>,
    /// The boilerplate removing the most bytes, largest first.
    pub boilerplate: Vec<CatalogueEntry>,
    /// Near-duplicate clusters, largest first.
    pub near_duplicate_clusters: Vec<ClusterRow>,
    /// Removal per site, largest share removed first.
    pub sites: Vec<SiteRow>,
    /// Every document, in run order, with its removed blocks.
    pub documents: Vec<DocRow>,
    /// Distinct blocks by the number of documents holding them, in log-spaced bins: the
    /// picture from which `--min-docs` is chosen.
    #[serde(default)]
    pub doc_frequency: Vec<FrequencyBin>,
}

/// Distinct blocks whose document count lies in `min_docs..=max_docs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrequencyBin {
    pub min_docs: u32,
    pub max_docs: u32,
    pub blocks: u64,
}

/// Lower edges of the document-frequency bins: every count up to 10, then 1, 1.5, 2, 3, 5 and 7
/// times each power of ten, so bins widen in proportion and the axis reads as a log scale
/// while small thresholds (where `--min-docs` is usually chosen) keep a bin each.
fn bin_lower_edges() -> impl Iterator<Item = u32> {
    const MANTISSAS_TENTHS: [u64; 6] = [10, 15, 20, 30, 50, 70];
    (1..10u64)
        .chain((1..10u32).flat_map(|exp| {
            MANTISSAS_TENTHS
                .iter()
                .map(move |m| m * 10u64.pow(exp) / 10)
        }))
        .map_while(|e| u32::try_from(e).ok())
}

/// Bin document frequencies: `frequencies` of the keys seen in two or more documents, plus
/// `seen_once` keys seen in one. Bins run from 1 to the bin of the largest count, empty bins
/// included, so the axis has no gaps.
pub fn frequency_bins(frequencies: impl Iterator<Item = u32>, seen_once: u64) -> Vec<FrequencyBin> {
    let edges: Vec<u32> = bin_lower_edges().collect();
    let mut bins: Vec<FrequencyBin> = edges
        .iter()
        .enumerate()
        .map(|(i, &lo)| FrequencyBin {
            min_docs: lo,
            max_docs: edges.get(i + 1).map_or(u32::MAX, |next| next - 1),
            blocks: 0,
        })
        .collect();
    let bin_of = |docs: u32| edges.partition_point(|&lo| lo <= docs).saturating_sub(1);
    bins[0].blocks += seen_once;
    let mut last = if seen_once > 0 { 0 } else { usize::MAX };
    for docs in frequencies {
        let b = bin_of(docs.max(1));
        bins[b].blocks += 1;
        last = if last == usize::MAX { b } else { last.max(b) };
    }
    if last == usize::MAX {
        return Vec::new();
    }
    bins.truncate(last + 1);
    bins
}

/// `bins` with empty bins added on the right until one holds `docs`, so that a chart of them
/// has room for a line at `docs` (the `--min-docs` threshold on a small corpus, say).
pub fn bins_through(bins: &[FrequencyBin], docs: u32) -> Vec<FrequencyBin> {
    let mut out = bins.to_vec();
    let edges: Vec<u32> = bin_lower_edges().collect();
    while out.last().is_some_and(|last| last.max_docs < docs) {
        let next = out.len();
        let Some(&lo) = edges.get(next) else { break };
        out.push(FrequencyBin {
            min_docs: lo,
            max_docs: edges.get(next + 1).map_or(u32::MAX, |e| e - 1),
            blocks: 0,
        });
    }
    out
}

/// The document-frequency histogram of a run's frozen counts.
pub fn doc_frequency(outcome: &Outcome) -> Vec<FrequencyBin> {
    let counts = &outcome.counts.blocks;
    let seen_once = counts
        .distinct_keys()
        .saturating_sub(counts.retained_keys() as u64);
    frequency_bins(counts.doc_frequencies(), seen_once)
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    pub documents_found: u64,
    pub documents_read: u64,
    pub documents_written: u64,
    pub documents_duplicate: u64,
    pub documents_near_duplicate: u64,
    pub documents_emptied: u64,
    /// Inputs with no content (empty, whitespace or punctuation only).
    pub documents_empty: u64,
    pub documents_failed: u64,
    pub documents_invalid_utf8: u64,
    /// Documents where the block classifier would have removed nearly everything and removed
    /// nothing instead.
    #[serde(default)]
    pub documents_classifier_backed_off: u64,
    pub bytes_read: u64,
    pub blocks: u64,
    pub blocks_removed: BTreeMap<ReasonKind, u64>,
    pub bytes_removed: BTreeMap<ReasonKind, u64>,
    /// Bytes of documents not written because they duplicate (exactly or nearly) a kept one.
    pub bytes_duplicate_documents: u64,
    /// Distinct block keys in the corpus, and how many the frozen table holds (>= 2 documents).
    pub distinct_keys: u64,
    pub table_keys: u64,
    /// Entries discovery passed over: hidden, symbolic links, FIFOs and sockets, other
    /// extensions.
    #[serde(default)]
    pub skipped: Skipped,
    /// Bytes of the distinct documents (written or emptied): what the guardrail's shares are
    /// shares of.
    #[serde(default)]
    pub bytes_decided: u64,
    /// Bytes removed from them by each rule (`min_docs`, `site_share`, `template_variant`,
    /// `classifier`, …).
    #[serde(default)]
    pub bytes_removed_by_rule: BTreeMap<Rule, u64>,
    /// Share of `bytes_decided` removed by each rule family (`counting`, `classifier`,
    /// `patterns`); the guardrail warns when one is above `--max-removed`.
    #[serde(default)]
    pub share_removed_by_family: BTreeMap<Family, f64>,
}

/// One frequent boilerplate block.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CatalogueEntry {
    /// Text of the block in the example document (first 200 characters).
    pub text: String,
    /// Other spellings with the same matching key (a changed year, a reader count, punctuation).
    #[serde(default)]
    pub variants: Vec<String>,
    /// The block's matching key, hex.
    pub key: String,
    pub documents: u32,
    pub sites: u32,
    pub blocks_removed: u64,
    pub bytes_removed: u64,
    /// The first document (in run order) where it was removed.
    pub example: String,
    /// `exact`: one matching key; `template_variant`: blocks matched by their shingles, the
    /// `key` being the anchor shingle they share and the counts the smallest seen.
    #[serde(default)]
    pub matched: MatchKind,
    /// For template variants: the most frequent exact spelling sharing the anchor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near_match: Option<NearMatchRow>,
}

/// How a catalogue entry's blocks were matched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    #[default]
    Exact,
    TemplateVariant,
}

/// The block a template variant was matched to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearMatchRow {
    /// Its text (first 200 characters).
    pub text: String,
    /// A document holding it.
    pub document: String,
    /// Distinct documents holding its exact text.
    pub documents: u32,
}

/// A cluster of near-duplicate documents and the copy that is written.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClusterRow {
    pub kept: String,
    pub size: usize,
    pub members: Vec<ClusterMember>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClusterMember {
    pub id: String,
    /// Estimated Jaccard similarity to the kept document (on what the run keeps of each).
    pub similarity: f64,
    /// Estimated share of this document's kept content found in the kept document.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub containment: Option<f64>,
    /// Why the kept document is the one written.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub kept_because: Option<KeptBecause>,
}

impl ClusterMember {
    /// A document not written because it duplicates another; `None` for any other fate.
    pub fn of_fate(id: &str, fate: Option<Fate>) -> Option<ClusterMember> {
        match fate? {
            Fate::Duplicate { .. } => Some(ClusterMember {
                id: id.to_string(),
                similarity: 1.0,
                containment: None,
                kept_because: None,
            }),
            Fate::NearDuplicate {
                similarity_bp,
                contained_bp,
                kept,
                ..
            } => Some(ClusterMember {
                id: id.to_string(),
                similarity: from_basis_points(similarity_bp),
                containment: Some(from_basis_points(contained_bp)),
                kept_because: Some(kept),
            }),
            _ => None,
        }
    }
}

/// A share stored in basis points.
pub fn from_basis_points(bp: u16) -> f64 {
    f64::from(bp) / 10_000.0
}

/// Near-duplicate clusters, largest first (ties in run order of the kept document).
pub fn near_duplicate_clusters(outcome: &Outcome) -> Vec<ClusterRow> {
    let mut by_kept: BTreeMap<usize, Vec<ClusterMember>> = BTreeMap::new();
    for doc in &outcome.docs {
        if let Some(Fate::NearDuplicate { of, .. }) = doc.fate {
            if let Some(member) = ClusterMember::of_fate(doc.source.id(), doc.fate) {
                by_kept.entry(of).or_default().push(member);
            }
        }
    }
    let mut rows: Vec<ClusterRow> = by_kept
        .into_iter()
        .map(|(kept, members)| ClusterRow {
            kept: outcome.docs[kept].source.id().to_string(),
            size: members.len() + 1,
            members,
        })
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.size));
    rows
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SiteRow {
    /// Site name; empty for documents without a site.
    pub site: String,
    pub documents: u64,
    pub documents_written: u64,
    pub documents_duplicate: u64,
    pub documents_near_duplicate: u64,
    pub documents_emptied: u64,
    pub bytes: u64,
    pub bytes_removed: BTreeMap<ReasonKind, u64>,
    pub bytes_duplicate_documents: u64,
    /// Share of the site's bytes removed, duplicates included.
    pub share_removed: f64,
}

/// What happened to a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocStatus {
    /// Written (or, in a dry run, would be).
    Written,
    Emptied,
    Duplicate,
    NearDuplicate,
    Empty,
    Failed,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocRow {
    pub id: String,
    pub site: String,
    pub status: DocStatus,
    pub bytes: u64,
    pub bytes_removed: u64,
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
    pub removed: Vec<RemovedBlock>,
    /// The block classifier would have removed nearly everything and removed nothing.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub classifier_backed_off: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemovedBlock {
    pub start: u32,
    pub end: u32,
    #[serde(flatten)]
    pub reason: Reason,
    /// For template variants: the id of the document holding the near-match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near_match_id: Option<String>,
}

/// What happened to a document, as the report names it.
pub fn status_of(doc: &DocResult) -> DocStatus {
    match doc.fate {
        Some(Fate::Written) => DocStatus::Written,
        Some(Fate::Emptied) => DocStatus::Emptied,
        Some(Fate::Duplicate { .. }) => DocStatus::Duplicate,
        Some(Fate::NearDuplicate { .. }) => DocStatus::NearDuplicate,
        Some(Fate::NoContent) => DocStatus::Empty,
        None => DocStatus::Failed,
    }
}

/// Build the report of a finished run.
pub fn build(outcome: &Outcome, cfg: &Config) -> Report {
    Report {
        documents: outcome
            .docs
            .iter()
            .enumerate()
            .map(|(d, doc)| doc_row(d, doc, outcome))
            .collect(),
        ..overview(outcome, cfg)
    }
}

/// The report without its per-document list: everything a summary (the HTML report) needs,
/// at a cost that does not grow with the number of removed blocks.
pub fn overview(outcome: &Outcome, cfg: &Config) -> Report {
    Report {
        format: REPORT_FORMAT.into(),
        version: REPORT_VERSION,
        thresh_version: env!("CARGO_PKG_VERSION").into(),
        config: ReportConfig::of(cfg),
        totals: totals(outcome),
        warnings: outcome.warnings.clone(),
        stopped: outcome.stopped,
        issues: outcome.issues.clone(),
        boilerplate: catalogue(outcome, cfg, cfg.catalogue_size),
        near_duplicate_clusters: near_duplicate_clusters(outcome),
        sites: site_rows(outcome),
        documents: Vec::new(),
        doc_frequency: doc_frequency(outcome),
    }
}

/// Totals over the whole run.
pub fn totals(outcome: &Outcome) -> Totals {
    let mut t = Totals {
        documents_found: outcome.docs.len() as u64,
        distinct_keys: outcome.counts.blocks.distinct_keys(),
        table_keys: outcome.counts.blocks.retained_keys() as u64,
        skipped: outcome.skipped.clone(),
        bytes_decided: outcome.measure.bytes,
        bytes_removed_by_rule: outcome
            .measure
            .removed
            .0
            .iter()
            .filter(|(_, b)| **b > 0)
            .map(|(r, b)| (*r, *b))
            .collect(),
        share_removed_by_family: Family::ALL
            .iter()
            .map(|f| (*f, outcome.measure.share(*f)))
            .collect(),
        ..Totals::default()
    };
    for kind in ReasonKind::ALL {
        t.blocks_removed.insert(kind, 0);
        t.bytes_removed.insert(kind, 0);
    }
    for (d, doc) in outcome.docs.iter().enumerate() {
        if doc.print.is_some() {
            t.documents_read += 1;
            t.documents_classifier_backed_off += u64::from(doc.classifier_backed_off);
            t.bytes_read += doc.bytes;
            t.blocks += u64::from(doc.blocks);
        }
        let status = status_of(doc);
        let count = match status {
            DocStatus::Written => &mut t.documents_written,
            DocStatus::Emptied => &mut t.documents_emptied,
            DocStatus::Duplicate => &mut t.documents_duplicate,
            DocStatus::NearDuplicate => &mut t.documents_near_duplicate,
            DocStatus::Empty => &mut t.documents_empty,
            DocStatus::Failed => &mut t.documents_failed,
        };
        *count += 1;
        if matches!(status, DocStatus::Duplicate | DocStatus::NearDuplicate) {
            t.bytes_duplicate_documents += doc.bytes;
        }
        // Only documents with removals need their blocks (read back under a memory limit).
        if let Some(print) = Some(d)
            .filter(|&d| outcome.has_removals(d))
            .and_then(|d| outcome.print(d))
        {
            for r in outcome.removals(d).iter() {
                let kind = r.reason.kind();
                *t.blocks_removed.entry(kind).or_default() += 1;
                *t.bytes_removed.entry(kind).or_default() += block_len(&print, r.block);
            }
        }
    }
    // Failures that are not documents (an unlistable folder) count too.
    t.documents_failed = t.documents_failed.max(
        outcome
            .issues
            .iter()
            .filter(|i| i.kind.is_failure())
            .count() as u64,
    );
    t.documents_invalid_utf8 = outcome
        .issues
        .iter()
        .filter(|i| i.kind == IssueKind::InvalidUtf8)
        .count() as u64;
    t
}

/// Bytes of block `b` of a document.
fn block_len(print: &DocFingerprint, b: u32) -> u64 {
    print.blocks.get(b as usize).map_or(0, |b| b.len() as u64)
}

fn doc_row(d: usize, doc: &DocResult, outcome: &Outcome) -> DocRow {
    let print = Some(d)
        .filter(|&d| outcome.has_removals(d))
        .and_then(|d| outcome.print(d));
    let removed = match &print {
        Some(print) => outcome
            .removals(d)
            .iter()
            .filter_map(|r| {
                let b = print.blocks.get(r.block as usize)?;
                Some(RemovedBlock {
                    start: b.start,
                    end: b.end,
                    reason: r.reason.clone(),
                    near_match_id: match r.reason {
                        Reason::NearBoilerplate {
                            near_match: Some(m),
                            ..
                        } => outcome
                            .docs
                            .get(m.document as usize)
                            .map(|d| d.source.id().to_string()),
                        _ => None,
                    },
                })
            })
            .collect(),
        None => Vec::new(),
    };
    DocRow {
        id: doc.source.id().to_string(),
        site: outcome.sites[doc.site as usize].clone(),
        status: status_of(doc),
        bytes: doc.bytes,
        bytes_removed: doc.removed_bytes(),
        classifier_backed_off: doc.classifier_backed_off,
        duplicate_of: match doc.fate {
            Some(Fate::Duplicate { of } | Fate::NearDuplicate { of, .. }) => {
                Some(outcome.docs[of].source.id().to_string())
            }
            _ => None,
        },
        similarity: match doc.fate {
            Some(Fate::NearDuplicate { similarity_bp, .. }) => {
                Some(from_basis_points(similarity_bp))
            }
            _ => None,
        },
        containment: match doc.fate {
            Some(Fate::NearDuplicate { contained_bp, .. }) => Some(from_basis_points(contained_bp)),
            _ => None,
        },
        kept_because: match doc.fate {
            Some(Fate::NearDuplicate { kept, .. }) => Some(kept),
            _ => None,
        },
        removed,
    }
}

fn site_rows(outcome: &Outcome) -> Vec<SiteRow> {
    let mut rows: Vec<SiteRow> = outcome
        .sites
        .iter()
        .map(|s| SiteRow {
            site: s.clone(),
            documents: 0,
            documents_written: 0,
            documents_duplicate: 0,
            documents_near_duplicate: 0,
            documents_emptied: 0,
            bytes: 0,
            bytes_removed: ReasonKind::ALL.iter().map(|k| (*k, 0)).collect(),
            bytes_duplicate_documents: 0,
            share_removed: 0.0,
        })
        .collect();
    for (d, doc) in outcome.docs.iter().enumerate() {
        let row = &mut rows[doc.site as usize];
        row.documents += 1;
        row.bytes += doc.bytes;
        let status = status_of(doc);
        match status {
            DocStatus::Written => row.documents_written += 1,
            DocStatus::Emptied => row.documents_emptied += 1,
            DocStatus::Duplicate => row.documents_duplicate += 1,
            DocStatus::NearDuplicate => row.documents_near_duplicate += 1,
            DocStatus::Empty | DocStatus::Failed => {}
        }
        if matches!(status, DocStatus::Duplicate | DocStatus::NearDuplicate) {
            row.bytes_duplicate_documents += doc.bytes;
        }
        if let Some(print) = Some(d)
            .filter(|&d| outcome.has_removals(d))
            .and_then(|d| outcome.print(d))
        {
            for r in outcome.removals(d).iter() {
                *row.bytes_removed.entry(r.reason.kind()).or_default() +=
                    block_len(&print, r.block);
            }
        }
    }
    rows.retain(|r| r.documents > 0);
    for row in &mut rows {
        let removed: u64 = row.bytes_removed.values().sum::<u64>() + row.bytes_duplicate_documents;
        row.share_removed = if row.bytes == 0 {
            0.0
        } else {
            removed as f64 / row.bytes as f64
        };
    }
    rows.sort_by(|a, b| {
        b.share_removed
            .total_cmp(&a.share_removed)
            .then_with(|| a.site.cmp(&b.site))
    });
    rows
}

/// The `limit` boilerplate entries removing the most bytes, with a sample of their text and up
/// to [`MAX_VARIANTS`] other spellings seen among their first [`VARIANT_PROBES`] occurrences.
/// Exact boilerplate is listed per matching key; template variants per anchor shingle, with
/// the near-match they were matched to.
pub fn catalogue(outcome: &Outcome, cfg: &Config, limit: usize) -> Vec<CatalogueEntry> {
    struct Agg {
        documents: u32,
        sites: u32,
        blocks: u64,
        bytes: u64,
        /// First occurrences in run order: (document, block).
        occurrences: Vec<(usize, usize)>,
        near_match: Option<NearMatch>,
    }
    let mut by_key: HashMap<(MatchKind, u64), Agg> = HashMap::new();
    for d in 0..outcome.docs.len() {
        if !outcome.has_removals(d) {
            continue;
        }
        let Some(print) = outcome.print(d) else {
            continue;
        };
        for r in outcome.removals(d).iter() {
            let Some(block) = print.blocks.get(r.block as usize) else {
                continue;
            };
            let (entry_key, documents, sites, near_match) = match r.reason {
                Reason::Boilerplate {
                    documents, sites, ..
                } => match block.key() {
                    Some(key) => ((MatchKind::Exact, key), documents, sites, None),
                    None => continue,
                },
                Reason::NearBoilerplate {
                    documents,
                    sites,
                    anchor,
                    near_match,
                    ..
                } => (
                    (MatchKind::TemplateVariant, anchor),
                    documents,
                    sites,
                    near_match,
                ),
                _ => continue,
            };
            let agg = by_key.entry(entry_key).or_insert(Agg {
                documents,
                sites,
                blocks: 0,
                bytes: 0,
                occurrences: Vec::new(),
                near_match,
            });
            // Variants report the smallest counts among their members: what all of them have.
            agg.documents = agg.documents.min(documents);
            agg.sites = agg.sites.min(sites);
            agg.near_match = agg.near_match.or(near_match);
            agg.blocks += 1;
            agg.bytes += block.len() as u64;
            if agg.occurrences.len() < VARIANT_PROBES {
                agg.occurrences.push((d, r.block as usize));
            }
        }
    }
    let mut entries: Vec<((MatchKind, u64), Agg)> = by_key.into_iter().collect();
    entries.sort_by(|a, b| {
        b.1.bytes
            .cmp(&a.1.bytes)
            .then((a.0 .0 as u8).cmp(&(b.0 .0 as u8)))
            .then(a.0 .1.cmp(&b.0 .1))
    });
    entries.truncate(limit);
    // Every text needed, each file read once (a JSONL file holds many of them).
    let mut wanted: Vec<usize> = entries
        .iter()
        .flat_map(|(_, agg)| {
            let near = agg.near_match.map(|m| m.document as usize);
            agg.occurrences.iter().map(|&(d, _)| d).chain(near)
        })
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let sources: Vec<_> = outcome.docs.iter().map(|d| d.source.clone()).collect();
    let files = crate::input::records::read_texts(
        &sources,
        &wanted,
        &cfg.jsonl,
        cfg.max_doc_bytes,
        cfg.max_line_bytes,
    );
    let text_of = |d: usize, b: usize| -> Option<String> {
        let bytes = files.get(&d)?;
        let span = outcome.print(d)?.blocks.get(b)?.span();
        bytes.get(span).map(|s| sample(trim_terminator(s)))
    };
    entries
        .into_iter()
        .map(|((matched, key), agg)| {
            let mut texts: Vec<String> = Vec::new();
            for &(d, b) in &agg.occurrences {
                if let Some(t) = text_of(d, b) {
                    if !texts.contains(&t) && texts.len() <= MAX_VARIANTS {
                        texts.push(t);
                    }
                }
            }
            let near_match = agg.near_match.and_then(|m| {
                Some(NearMatchRow {
                    text: text_of(m.document as usize, m.block as usize)?,
                    document: outcome
                        .docs
                        .get(m.document as usize)?
                        .source
                        .id()
                        .to_string(),
                    documents: m.documents,
                })
            });
            let mut texts = texts.into_iter();
            CatalogueEntry {
                text: texts.next().unwrap_or_default(),
                variants: texts.collect(),
                key: format!("{key:016x}"),
                documents: agg.documents,
                sites: agg.sites,
                blocks_removed: agg.blocks,
                bytes_removed: agg.bytes,
                example: agg
                    .occurrences
                    .first()
                    .map(|&(d, _)| outcome.docs[d].source.id().to_string())
                    .unwrap_or_default(),
                matched,
                near_match,
            }
        })
        .collect()
}

fn sample(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out: String = text.chars().take(SAMPLE_CHARS).collect();
    if text.chars().nth(SAMPLE_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// The report as it is written: [`Report`]'s fields in its order, the per-document list made
/// row by row while it is written, so the whole list (the bulk of a large report) is never in
/// memory. The bytes are those of serialising [`build`]'s report.
#[derive(Serialize)]
struct StreamedReport<'a> {
    format: &'a str,
    version: u32,
    thresh_version: &'a str,
    config: &'a ReportConfig,
    totals: &'a Totals,
    warnings: &'a [String],
    stopped: bool,
    issues: &'a [Issue],
    boilerplate: &'a [CatalogueEntry],
    near_duplicate_clusters: &'a [ClusterRow],
    sites: &'a [SiteRow],
    documents: DocumentRows<'a>,
    doc_frequency: &'a [FrequencyBin],
}

/// Every document's [`DocRow`], in run order, made as it is serialised.
struct DocumentRows<'a>(&'a Outcome);

impl Serialize for DocumentRows<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let outcome = self.0;
        serializer.collect_seq(
            outcome
                .docs
                .iter()
                .enumerate()
                .map(|(d, doc)| doc_row(d, doc, outcome)),
        )
    }
}

impl<'a> StreamedReport<'a> {
    fn new(overview: &'a Report, outcome: &'a Outcome) -> Self {
        StreamedReport {
            format: &overview.format,
            version: overview.version,
            thresh_version: &overview.thresh_version,
            config: &overview.config,
            totals: &overview.totals,
            warnings: &overview.warnings,
            stopped: overview.stopped,
            issues: &overview.issues,
            boilerplate: &overview.boilerplate,
            near_duplicate_clusters: &overview.near_duplicate_clusters,
            sites: &overview.sites,
            documents: DocumentRows(outcome),
            doc_frequency: &overview.doc_frequency,
        }
    }
}

/// Write the report as JSON to `path` (atomically), or to standard output for `-`. The
/// per-document list is streamed (see [`StreamedReport`]).
pub fn write_report(path: &Path, outcome: &Outcome, cfg: &Config) -> Result<(), Error> {
    let overview = overview(outcome, cfg);
    let report = StreamedReport::new(&overview, outcome);
    let write_err = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    // Compact and streamed: the list of removed blocks can be large (`jq .` pretty-prints it).
    let fill = |out: &mut dyn Write| -> std::io::Result<()> {
        serde_json::to_writer(&mut *out, &report)?;
        out.write_all(b"\n")
    };
    if path == Path::new("-") {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        fill(&mut out).and_then(|_| out.flush()).map_err(write_err)
    } else {
        super::text::write_atomic_with(path, |w| fill(w)).map_err(write_err)
    }
}

/// A few lines for a person: what was read, written and removed, and any guardrail warning.
pub fn summary(outcome: &Outcome, guard: &GuardConfig, dry_run: bool) -> String {
    let t = totals(outcome);
    let verb = if dry_run { "would write" } else { "written" };
    let mut s = format!(
        "thresh: {} documents: {} {verb}, {} duplicate, {} near-duplicate, {} emptied, {} empty, {} failed\n",
        t.documents_found,
        t.documents_written,
        t.documents_duplicate,
        t.documents_near_duplicate,
        t.documents_emptied,
        t.documents_empty,
        t.documents_failed,
    );
    let removed: u64 = t.bytes_removed.values().sum();
    let parts: Vec<String> = t
        .bytes_removed
        .iter()
        .filter(|(_, b)| **b > 0)
        .map(|(k, b)| format!("{} {}", k.name(), human_bytes(*b)))
        .collect();
    s.push_str(&format!(
        "removed {} of {} read ({:.1}%){}{}; {} in duplicate documents\n",
        human_bytes(removed),
        human_bytes(t.bytes_read),
        percent(removed, t.bytes_read),
        if parts.is_empty() { "" } else { ": " },
        parts.join(", "),
        human_bytes(t.bytes_duplicate_documents),
    ));
    let families: Vec<String> = Family::ALL
        .iter()
        .filter(|f| outcome.measure.removed.family(**f) > 0)
        .map(|f| {
            format!(
                "{} {:.1}%",
                f.name().trim_start_matches("the "),
                100.0 * outcome.measure.share(*f)
            )
        })
        .collect();
    if !families.is_empty() {
        s.push_str(&format!(
            "by rule family, of the distinct documents' bytes: {} (a warning above --max-removed {:.0}% for any one)\n",
            families.join(", "),
            100.0 * guard.max_removed
        ));
    }
    if !t.skipped.is_empty() {
        s.push_str(&format!("skipped {}\n", t.skipped.describe(true)));
    }
    if outcome.kept_existing > 0 {
        s.push_str(&format!(
            "kept {} outputs an earlier run of the same input and settings had finished (--overwrite writes them again)\n",
            outcome.kept_existing
        ));
    }
    if t.documents_classifier_backed_off > 0 {
        s.push_str(&format!(
            "the classifier backed off on {} {} (it would have removed nearly everything; counting alone decided)\n",
            t.documents_classifier_backed_off,
            if t.documents_classifier_backed_off == 1 { "document" } else { "documents" }
        ));
    }
    for w in &outcome.warnings {
        s.push_str(&format!("WARNING: {w}\n"));
    }
    if outcome.stopped {
        s.push_str(&format!(
            "stopped before writing (--strict; limits --max-removed {} --max-emptied {})\n",
            guard.max_removed, guard.max_emptied
        ));
    }
    s
}

/// Per-stage wall-clock times and counting-table sizes, for `-v`.
pub fn stage_timings(outcome: &Outcome) -> String {
    let t = &outcome.timings;
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    let (blocks, shingles) = (&outcome.counts.blocks, &outcome.counts.shingles);
    let table_bytes = blocks.table_bytes() + shingles.table_bytes();
    let distinct = blocks.distinct_keys() + shingles.distinct_keys();
    format!(
        "stages: discover {:.0} ms, pass 1 {:.0} ms, count {:.0} ms, near-duplicates {:.0} ms, decide {:.0} ms, pass 2 {:.0} ms\n\
         keys: {} distinct, {} in the counting table (seen in two or more documents)\n\
         counting tables: {} for {} distinct block keys and shingles ({:.2} bytes each)\n",
        ms(t.discover),
        ms(t.pass1),
        ms(t.count),
        ms(t.near_dup),
        ms(t.decide),
        ms(t.pass2),
        outcome.counts.blocks.distinct_keys(),
        outcome.counts.blocks.retained_keys(),
        human_bytes(table_bytes),
        distinct,
        table_bytes as f64 / distinct.max(1) as f64,
    )
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

/// Bytes in B, KB, MB or GB (powers of 1000).
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1000.0;
    let mut unit = 0;
    while v >= 1000.0 && unit < UNITS.len() - 1 {
        v /= 1000.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The streamed report is byte for byte the serialised [`build`] report, per-document
    /// rows with removed blocks, duplicates and a near-match included.
    #[test]
    fn the_streamed_report_is_the_built_report() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in");
        for site in ["a.example", "b.example"] {
            std::fs::create_dir_all(input.join(site)).unwrap();
            for n in 0..6 {
                let text = format!(
                    "Menu | Home | World\nStory {n} of {site} begins with a line of its own words.\nAnd goes on, number {n}, for a while.\nSubscribe to our daily newsletter {n}\nCopyright {site}\n"
                );
                std::fs::write(input.join(site).join(format!("{n}.txt")), &text).unwrap();
                if n == 0 {
                    std::fs::write(input.join(site).join("copy.txt"), &text).unwrap();
                }
            }
        }
        let path = dir.path().join("report.json");
        let cfg = Config {
            inputs: vec![input],
            dry_run: true,
            ..Config::default()
        };
        let outcome = crate::pipeline::run(&cfg).unwrap();
        write_report(&path, &outcome, &cfg).unwrap();
        let report = build(&outcome, &cfg);
        assert!(report.documents.iter().any(|d| !d.removed.is_empty()));
        assert!(report.documents.iter().any(|d| d.duplicate_of.is_some()));
        let mut expected = serde_json::to_vec(&report).unwrap();
        expected.push(b'\n');
        assert_eq!(std::fs::read(&path).unwrap(), expected);
    }

    #[test]
    fn frequency_bins_are_exact_up_to_ten_then_log_spaced() {
        let bins = frequency_bins([2, 2, 5, 10, 14, 15, 99, 100].into_iter(), 7);
        let lows: Vec<u32> = bins.iter().map(|b| b.min_docs).collect();
        assert_eq!(
            lows,
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20, 30, 50, 70, 100]
        );
        let count = |lo: u32| bins.iter().find(|b| b.min_docs == lo).map(|b| b.blocks);
        assert_eq!(count(1), Some(7));
        assert_eq!(count(2), Some(2));
        assert_eq!(count(3), Some(0));
        assert_eq!(count(5), Some(1));
        assert_eq!(count(10), Some(2), "10 and 14 share the bin 10..=14");
        assert_eq!(bins[9].max_docs, 14);
        assert_eq!(count(15), Some(1));
        assert_eq!(count(70), Some(1));
        assert_eq!(count(100), Some(1));
        let total: u64 = bins.iter().map(|b| b.blocks).sum();
        assert_eq!(total, 15);
    }

    #[test]
    fn bins_reach_the_threshold() {
        let bins = frequency_bins([2, 2, 3].into_iter(), 7);
        assert_eq!(bins.len(), 3);
        let wide = bins_through(&bins, 20);
        let lows: Vec<u32> = wide.iter().map(|b| b.min_docs).collect();
        assert_eq!(lows, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20]);
        assert_eq!(wide[..3], bins[..]);
        assert!(wide[3..].iter().all(|b| b.blocks == 0));
        assert_eq!(wide[10].max_docs, 19);
        assert_eq!(bins_through(&bins, 2), bins, "already on the axis");
    }

    #[test]
    fn frequency_bins_of_nothing_are_empty() {
        assert!(frequency_bins(std::iter::empty(), 0).is_empty());
        assert_eq!(
            frequency_bins(std::iter::empty(), 3),
            [FrequencyBin {
                min_docs: 1,
                max_docs: 1,
                blocks: 3
            }]
        );
    }

    #[test]
    fn human_bytes_scales() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1500), "1.5 KB");
        assert_eq!(human_bytes(2_500_000), "2.5 MB");
    }

    #[test]
    fn samples_are_cut_on_characters() {
        let long = "é".repeat(300);
        let s = sample(long.as_bytes());
        assert_eq!(s.chars().count(), SAMPLE_CHARS + 1);
        assert!(s.ends_with('…'));
        assert_eq!(sample(b"short"), "short");
    }
}
