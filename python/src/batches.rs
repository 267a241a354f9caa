//! The stages over batches, for engines (Ray, Spark): texts in, packed numbers out, one
//! function per step of `thresh::stages`, the GIL released around the work.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};

use thresh::decide::near_dup::{KeptBecause, BANDS};
use thresh::sketch::{Signature, SketchScratch, SIGNATURE_BYTES};
use thresh::stages::{self, Contribution};

use crate::options::Options;
use crate::packed::{
    i64s, pack, pack_contributions, same_length, u32s, u64s, unpack_contributions,
};
use crate::values::{fate_name, Counts};
use crate::{readable, texts_of, to_text};

fn packed_dict<'py>(
    py: Python<'py>,
    columns: Vec<(&str, Vec<u8>)>,
) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    for (name, bytes) in columns {
        out.set_item(name, PyBytes::new(py, &bytes))?;
    }
    Ok(out)
}

/// Step 1 for a batch: per document `content` (u64; 0 without content), `has_content` (u8),
/// `length` (u64 bytes), and its distinct block keys and shingle samples as offsets (i64, one
/// more than documents) into `keys` / `shingles` (u64). Missing or too large texts have no
/// content.
#[pyfunction]
pub(crate) fn scan_batch<'py>(
    py: Python<'py>,
    texts: Vec<Bound<'py, PyAny>>,
    options: &Options,
) -> PyResult<Bound<'py, PyDict>> {
    let cfg = &options.cfg;
    let texts = texts_of(&texts)?;
    let inputs: Vec<Option<&[u8]>> = texts.iter().map(|t| readable(t, cfg)).collect();
    let columns = py.allow_threads(|| {
        let mut scratch = stages::scratch_for(cfg);
        let (mut content, mut has, mut length) = (Vec::new(), Vec::new(), Vec::new());
        let (mut key_offsets, mut keys) = (vec![0i64], Vec::new());
        let (mut shingle_offsets, mut shingles) = (vec![0i64], Vec::new());
        for (bytes, text) in inputs.iter().zip(&texts) {
            length.push(text.bytes.map_or(0, |b| b.len() as u64));
            let print = bytes.map(|b| stages::scan(b, cfg, &mut scratch, false).print);
            let print = print.filter(|p| p.content.is_some());
            content.push(print.as_ref().and_then(|p| p.content).unwrap_or(0));
            has.push(u8::from(print.is_some()));
            if let Some(p) = &print {
                let (b, s) = stages::contributions(p, 0, None);
                keys.extend(b.iter().map(|c| c.key));
                shingles.extend(s.iter().map(|c| c.key));
            }
            key_offsets.push(keys.len() as i64);
            shingle_offsets.push(shingles.len() as i64);
        }
        vec![
            ("content", pack(content.into_iter(), u64::to_le_bytes)),
            ("has_content", has),
            ("length", pack(length.into_iter(), u64::to_le_bytes)),
            (
                "key_offsets",
                pack(key_offsets.into_iter(), i64::to_le_bytes),
            ),
            ("keys", pack(keys.into_iter(), u64::to_le_bytes)),
            (
                "shingle_offsets",
                pack(shingle_offsets.into_iter(), i64::to_le_bytes),
            ),
            ("shingles", pack(shingles.into_iter(), u64::to_le_bytes)),
        ]
    });
    packed_dict(py, columns)
}

/// Steps 3 and 5 for a batch: the combined contributions of documents given by their distinct
/// keys (`offsets` i64 into `keys` u64), site ids (u32), clusters (u64, `NO_CLUSTER` for none)
/// and members (u32), with each contribution's key partition (u64): key, cluster, member, site,
/// docs, partition.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub(crate) fn contributions_batch<'py>(
    py: Python<'py>,
    offsets: &[u8],
    keys: &[u8],
    sites: &[u8],
    clusters: &[u8],
    members: &[u8],
    partitions: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let offsets = i64s(offsets, "offsets")?;
    let keys = u64s(keys, "keys")?;
    let sites = u32s(sites, "sites")?;
    let clusters = u64s(clusters, "clusters")?;
    let members = u32s(members, "members")?;
    let n = same_length(&[
        (sites.len(), "sites"),
        (clusters.len(), "clusters"),
        (members.len(), "members"),
        (offsets.len().saturating_sub(1), "offsets"),
    ])?;
    let bounds_ok = offsets.windows(2).all(|w| 0 <= w[0] && w[0] <= w[1])
        && offsets.last().is_none_or(|&e| e as usize <= keys.len());
    if !bounds_ok {
        return Err(PyValueError::new_err("offsets must ascend within the keys"));
    }
    let columns = py.allow_threads(|| {
        let mut all = Vec::with_capacity(keys.len());
        for d in 0..n {
            let (cluster, member) = (clusters[d], members[d]);
            all.extend(
                keys[offsets[d] as usize..offsets[d + 1] as usize]
                    .iter()
                    .map(|&key| Contribution {
                        key,
                        cluster,
                        member: if cluster == stages::NO_CLUSTER {
                            0
                        } else {
                            member
                        },
                        site: sites[d],
                        docs: 1,
                    }),
            );
        }
        let combined = stages::combine(all);
        let part = pack(
            combined
                .iter()
                .map(|c| stages::partition_of(c.key, partitions)),
            u64::to_le_bytes,
        );
        let (k, c, m, s, d) = pack_contributions(&combined);
        vec![
            ("key", k),
            ("cluster", c),
            ("member", m),
            ("site", s),
            ("docs", d),
            ("partition", part),
        ]
    });
    packed_dict(py, columns)
}

/// Steps 3 and 5 for one key partition: every contribution to its keys → the retained count
/// records (key u64, site u32, docs u32).
#[pyfunction]
pub(crate) fn retained_batch<'py>(
    py: Python<'py>,
    key: &[u8],
    cluster: &[u8],
    member: &[u8],
    site: &[u8],
    docs: &[u8],
) -> PyResult<Bound<'py, PyDict>> {
    let all = unpack_contributions((key, cluster, member, site, docs))?;
    let columns = py.allow_threads(|| {
        let records = stages::retained_records(all);
        vec![
            ("key", pack(records.iter().map(|r| r.key), u64::to_le_bytes)),
            (
                "site",
                pack(records.iter().map(|r| r.site), u32::to_le_bytes),
            ),
            (
                "docs",
                pack(records.iter().map(|r| r.docs), u32::to_le_bytes),
            ),
        ]
    });
    packed_dict(py, columns)
}

/// Step 4 for a batch of counted documents: `has_signature` (u8), `signatures`
/// ([`SIGNATURE_BYTES`] per document, zeros without one) and `bands` (32 u64 per document).
/// `counts` are step 3's, blocks and shingles: the signature covers what the decisions keep.
#[pyfunction]
pub(crate) fn sketch_batch<'py>(
    py: Python<'py>,
    texts: Vec<Bound<'py, PyAny>>,
    sites: &[u8],
    counts: &Counts,
    options: &Options,
) -> PyResult<Bound<'py, PyDict>> {
    let cfg = &options.cfg;
    let texts = texts_of(&texts)?;
    let sites = u32s(sites, "sites")?;
    same_length(&[(texts.len(), "texts"), (sites.len(), "sites")])?;
    let inputs: Vec<Option<&[u8]>> = texts.iter().map(|t| readable(t, cfg)).collect();
    let corpus = &counts.inner.counts;
    let columns = py.allow_threads(|| {
        let mut scratch = stages::scratch_for(cfg);
        let mut sketch = SketchScratch::default();
        let (mut has, mut signatures, mut bands) = (Vec::new(), Vec::new(), Vec::new());
        for (bytes, &site) in inputs.iter().zip(&sites) {
            let sig = bytes.and_then(|b| {
                let scanned = stages::scan(b, cfg, &mut scratch, true);
                stages::content_signature(
                    b,
                    &scanned.print,
                    site,
                    &scanned.hits,
                    corpus,
                    cfg,
                    &mut sketch,
                )
            });
            has.push(u8::from(sig.is_some()));
            match sig {
                Some(sig) => {
                    bands.extend(stages::band_keys(&sig).iter().flat_map(|k| k.to_le_bytes()));
                    signatures.extend(sig.to_bytes());
                }
                None => {
                    bands.extend(std::iter::repeat_n(0u8, BANDS * 8));
                    signatures.extend(std::iter::repeat_n(0u8, SIGNATURE_BYTES));
                }
            }
        }
        vec![
            ("has_signature", has),
            ("signatures", signatures),
            ("bands", bands),
        ]
    });
    packed_dict(py, columns)
}

/// Signatures packed [`SIGNATURE_BYTES`] apiece.
fn signatures_of(bytes: &[u8]) -> PyResult<Vec<Signature>> {
    if bytes.len() % SIGNATURE_BYTES != 0 {
        return Err(PyValueError::new_err(format!(
            "signatures hold {SIGNATURE_BYTES} bytes apiece"
        )));
    }
    Ok(bytes
        .chunks_exact(SIGNATURE_BYTES)
        .filter_map(|chunk| chunk.try_into().ok())
        .map(Signature::from_bytes)
        .collect())
}

/// Step 4 for one band partition: documents in keep order (`signatures`:
/// [`SIGNATURE_BYTES`] each, `bands`: 32 u64 each) → verified pairs `earlier`, `later` (u32
/// positions) and `equal` bins (u32).
#[pyfunction]
pub(crate) fn pairs_batch<'py>(
    py: Python<'py>,
    signatures: &[u8],
    bands: &[u8],
    partition: u64,
    partitions: u64,
    options: &Options,
) -> PyResult<Bound<'py, PyDict>> {
    let sigs = signatures_of(signatures)?;
    let band_keys = u64s(bands, "bands")?;
    if band_keys.len() % BANDS != 0 {
        return Err(PyValueError::new_err(format!(
            "bands hold {BANDS} values per document"
        )));
    }
    same_length(&[
        (sigs.len(), "signatures"),
        (band_keys.len() / BANDS, "bands"),
    ])?;
    let cfg = &options.cfg.near_dup;
    let columns = py.allow_threads(|| {
        let bands: Vec<[u64; BANDS]> = band_keys
            .chunks_exact(BANDS)
            .map(|c| std::array::from_fn(|i| c[i]))
            .collect();
        let pairs = stages::bucket_pairs(&sigs, &bands, partition, partitions, cfg);
        vec![
            ("earlier", pack(pairs.iter().map(|p| p.0), u32::to_le_bytes)),
            ("later", pack(pairs.iter().map(|p| p.1), u32::to_le_bytes)),
            ("equal", pack(pairs.iter().map(|p| p.2), u32::to_le_bytes)),
        ]
    });
    packed_dict(py, columns)
}

/// Step 4's end: the signatures of the paired documents in keep order and their verified
/// pairs (u32 columns) → per document `kept` (i64: the position of the written document it
/// duplicates, -1 when written itself), `similarity` and `containment` (f64: of this document
/// in the written one) and `kept_because` (u8: 0 first, 1 longest, 2 fuller).
#[pyfunction]
pub(crate) fn resolve_batch<'py>(
    py: Python<'py>,
    signatures: &[u8],
    earlier: &[u8],
    later: &[u8],
    options: &Options,
) -> PyResult<Bound<'py, PyDict>> {
    let sigs = signatures_of(signatures)?;
    let (a, b) = (u32s(earlier, "earlier")?, u32s(later, "later")?);
    same_length(&[(a.len(), "earlier"), (b.len(), "later")])?;
    let cfg = &options.cfg.near_dup;
    let columns = py.allow_threads(|| {
        let pairs: Vec<(u32, u32, u32)> = (0..a.len()).map(|i| (a[i], b[i], 0)).collect();
        let resolved = stages::resolve_near_duplicates(&sigs, &pairs, cfg);
        vec![
            (
                "kept",
                pack(
                    resolved.iter().map(|r| r.map_or(-1, |h| h.kept as i64)),
                    i64::to_le_bytes,
                ),
            ),
            (
                "similarity",
                pack(
                    resolved.iter().map(|r| r.map_or(0.0, |h| h.jaccard)),
                    f64::to_le_bytes,
                ),
            ),
            (
                "containment",
                pack(
                    resolved.iter().map(|r| r.map_or(0.0, |h| h.contained)),
                    f64::to_le_bytes,
                ),
            ),
            (
                "kept_because",
                resolved
                    .iter()
                    .map(|r| match r.map(|h| h.because) {
                        Some(KeptBecause::Longest) => 1,
                        Some(KeptBecause::Fuller) => 2,
                        _ => 0,
                    })
                    .collect(),
            ),
        ]
    });
    packed_dict(py, columns)
}

/// Step 6 for a batch of documents to decide (neither duplicates nor near-duplicates): the
/// cleaned texts (`None` when not written) and each document's fate.
#[pyfunction]
pub(crate) fn clean_batch<'py>(
    py: Python<'py>,
    texts: Vec<Bound<'py, PyAny>>,
    sites: &[u8],
    counts: &Counts,
    options: &Options,
) -> PyResult<(Bound<'py, PyList>, Vec<&'static str>)> {
    let cfg = &options.cfg;
    let items = texts_of(&texts)?;
    let sites = u32s(sites, "sites")?;
    same_length(&[(items.len(), "texts"), (sites.len(), "sites")])?;
    let inputs: Vec<Option<&[u8]>> = items.iter().map(|t| readable(t, cfg)).collect();
    let corpus = &counts.inner.counts;
    let results: Vec<(Option<Vec<u8>>, &'static str)> = py.allow_threads(|| {
        let mut scratch = stages::scratch_for(cfg);
        inputs
            .iter()
            .zip(&sites)
            .map(|(bytes, &site)| {
                let Some(bytes) = bytes else {
                    return (None, "failed");
                };
                let scanned = stages::scan(bytes, cfg, &mut scratch, true);
                let decision = stages::decide(&scanned, site, corpus, cfg);
                (
                    stages::cleaned(bytes, &scanned.print, &decision),
                    fate_name(decision.fate),
                )
            })
            .collect()
    });
    let fates = results.iter().map(|r| r.1).collect();
    let cleaned = PyList::empty(py);
    for ((text, _), item) in results.into_iter().zip(&items) {
        match text {
            Some(t) => cleaned.append(to_text(py, t, item.is_str))?,
            None => cleaned.append(py.None())?,
        }
    }
    Ok((cleaned, fates))
}
