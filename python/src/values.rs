//! The plain-value API: fingerprints, partial counts (mergeable, picklable), frozen counts
//! (picklable), signatures and decisions of single documents.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use thresh::count::Record;
use thresh::decide::Fate;
use thresh::segment::Unit;
use thresh::sketch::SketchScratch;
use thresh::stages::{self, PartialCounts as CorePartial, SitedCounts};
use thresh::Config;

use crate::options::{default_options, Options};
use crate::packed::{
    pack, pack_contributions, same_length, u32s, u64s, unpack_contributions, Columns5,
};
use crate::{config_error, error, text_of, to_text};

/// The bytes of a `str` or `bytes` argument that must not be `None`.
fn required_text<'a>(text: &'a Bound<'_, PyAny>) -> PyResult<&'a [u8]> {
    text_of(text)?
        .bytes
        .ok_or_else(|| PyTypeError::new_err("a text is needed, not None"))
}

/// A document's fingerprint: blocks (byte spans into its UTF-8 text), keys, shingle samples.
#[pyclass(module = "thresh._native", frozen)]
pub(crate) struct Fingerprint {
    pub(crate) scanned: stages::Scanned,
}

fn unit_name(unit: Unit) -> &'static str {
    match unit {
        Unit::Line => "line",
        Unit::Paragraph => "paragraph",
    }
}

#[pymethods]
impl Fingerprint {
    /// `line` or `paragraph`: the unit detected (or forced) for this document.
    #[getter]
    fn unit(&self) -> &'static str {
        unit_name(self.scanned.unit)
    }

    /// Hash of the ordered block keys (equal for documents identical after normalisation);
    /// `None` for a document without content.
    #[getter]
    fn content(&self) -> Option<u64> {
        self.scanned.print.content
    }

    /// Hash of the raw bytes.
    #[getter]
    fn raw(&self) -> u64 {
        self.scanned.print.raw
    }

    /// `(start, end, key, words)` per block; `key` is `None` for a block without letters or
    /// digits.
    #[getter]
    fn blocks(&self) -> Vec<(u32, u32, Option<u64>, u32)> {
        self.scanned
            .print
            .blocks
            .iter()
            .map(|b| (b.start, b.end, b.key(), b.words))
            .collect()
    }

    /// Every block's shingle sample, block after block.
    #[getter]
    fn shingles(&self) -> Vec<u64> {
        self.scanned.print.shingles.clone()
    }

    /// The shingle sample of block `i`.
    fn block_shingles(&self, i: usize) -> PyResult<Vec<u64>> {
        if i >= self.scanned.print.blocks.len() {
            return Err(pyo3::exceptions::PyIndexError::new_err("no such block"));
        }
        Ok(self.scanned.print.block_shingles(i).to_vec())
    }

    /// The document's distinct block keys, sorted: what it adds to the counts.
    fn keys(&self) -> Vec<u64> {
        let (blocks, _) = stages::contributions(&self.scanned.print, 0, None);
        blocks.into_iter().map(|c| c.key).collect()
    }

    fn __len__(&self) -> usize {
        self.scanned.print.blocks.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "Fingerprint(unit={:?}, blocks={}, content={:?})",
            self.unit(),
            self.scanned.print.blocks.len(),
            self.scanned.print.content
        )
    }
}

pub(crate) fn scan_one(bytes: &[u8], cfg: &Config, for_decisions: bool) -> stages::Scanned {
    stages::scan(bytes, cfg, &mut stages::scratch_for(cfg), for_decisions)
}

/// Fingerprint one document (with classifier features and pattern hits, as for decisions).
#[pyfunction]
#[pyo3(signature = (text, options=None))]
pub(crate) fn fingerprint(
    py: Python<'_>,
    text: &Bound<'_, PyAny>,
    options: Option<&Options>,
) -> PyResult<Fingerprint> {
    let default = default_options();
    let cfg = &options.unwrap_or(&default).cfg;
    let bytes = required_text(text)?;
    let scanned = py.allow_threads(|| scan_one(bytes, cfg, true));
    Ok(Fingerprint { scanned })
}

/// Mergeable counts of documents with named sites.
#[pyclass(module = "thresh._native")]
#[derive(Default)]
pub(crate) struct PartialCounts {
    inner: CorePartial,
}

#[pymethods]
impl PartialCounts {
    #[new]
    fn new() -> Self {
        PartialCounts::default()
    }

    /// Count one document of `site` (`""`: no site) by its fingerprint. `cluster` is
    /// `(cluster id, place in run order)` for a member of a near-duplicate cluster.
    #[pyo3(signature = (fingerprint, site="", cluster=None))]
    fn add(&mut self, fingerprint: &Fingerprint, site: &str, cluster: Option<(u64, u32)>) {
        self.inner.add(&fingerprint.scanned.print, site, cluster);
    }

    /// These counts and `other`'s together (neither is changed).
    fn merge(&self, py: Python<'_>, other: &PartialCounts) -> PartialCounts {
        let (a, b) = (self.inner.clone(), other.inner.clone());
        PartialCounts {
            inner: py.allow_threads(|| a.merge(b)),
        }
    }

    /// Documents counted.
    #[getter]
    fn documents(&self) -> u64 {
        self.inner.documents()
    }

    /// The frozen table decisions read.
    fn freeze(&self, py: Python<'_>) -> Counts {
        let (sites, sizes, blocks, shingles) = self.inner.parts();
        py.allow_threads(|| {
            Counts::build(
                sites.to_vec(),
                sizes.to_vec(),
                stages::retained_records(blocks.to_vec()),
                stages::retained_records(shingles.to_vec()),
            )
        })
    }

    fn __getstate__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let (sites, sizes, blocks, shingles) = self.inner.parts();
        let b = pack_contributions(blocks);
        let s = pack_contributions(shingles);
        let bytes = |v: Vec<u8>| PyBytes::new(py, &v);
        Ok((
            1u32,
            sites.to_vec(),
            bytes(pack(sizes.iter().copied(), u32::to_le_bytes)),
            (bytes(b.0), bytes(b.1), bytes(b.2), bytes(b.3), bytes(b.4)),
            (bytes(s.0), bytes(s.1), bytes(s.2), bytes(s.3), bytes(s.4)),
        )
            .into_pyobject(py)?
            .into_any())
    }

    fn __setstate__(&mut self, state: &Bound<'_, PyAny>) -> PyResult<()> {
        let (version, sites, sizes, b, s): (u32, Vec<String>, Vec<u8>, Columns5, Columns5) =
            state.extract()?;
        if version != 1 {
            return Err(PyValueError::new_err(format!(
                "partial counts of state version {version}; this thresh reads version 1"
            )));
        }
        let blocks = unpack_contributions((&b.0, &b.1, &b.2, &b.3, &b.4))?;
        let shingles = unpack_contributions((&s.0, &s.1, &s.2, &s.3, &s.4))?;
        self.inner = CorePartial::from_parts(sites, u32s(&sizes, "site sizes")?, blocks, shingles)
            .map_err(error)?;
        Ok(())
    }
}

/// Frozen counts: what decisions read.
#[pyclass(module = "thresh._native", frozen)]
pub(crate) struct Counts {
    pub(crate) inner: SitedCounts,
    /// The records and site sizes it was built from, kept to pickle it.
    site_sizes: Vec<u32>,
    blocks: Vec<Record>,
    shingles: Vec<Record>,
}

impl Counts {
    fn build(
        sites: Vec<String>,
        site_sizes: Vec<u32>,
        blocks: Vec<Record>,
        shingles: Vec<Record>,
    ) -> Counts {
        let inner = SitedCounts::new(sites, site_sizes.clone(), blocks.clone(), shingles.clone());
        Counts {
            inner,
            site_sizes,
            blocks,
            shingles,
        }
    }
}

fn records_of(key: &[u8], site: &[u8], docs: &[u8]) -> PyResult<Vec<Record>> {
    let (key, site, docs) = (u64s(key, "key")?, u32s(site, "site")?, u32s(docs, "docs")?);
    same_length(&[
        (key.len(), "key"),
        (site.len(), "site"),
        (docs.len(), "docs"),
    ])?;
    Ok((0..key.len())
        .map(|i| Record {
            key: key[i],
            site: site[i],
            docs: docs[i],
        })
        .collect())
}

fn check_sites(sites: &[String]) -> PyResult<()> {
    if sites.first().map(String::as_str) != Some("") || !sites.windows(2).all(|w| w[0] < w[1]) {
        return Err(config_error(
            "site names must be sorted, unique and start with the empty name (no site)".into(),
        ));
    }
    Ok(())
}

#[pymethods]
impl Counts {
    #[new]
    fn new() -> Counts {
        Counts::build(vec![String::new()], vec![0], Vec::new(), Vec::new())
    }

    /// Counts from gathered records: site names (sorted, the first empty), counted documents
    /// per site (`u32`), and per table the retained records as three packed columns (key
    /// `u64`, site `u32`, docs `u32`).
    #[staticmethod]
    #[allow(clippy::too_many_arguments)]
    fn from_records(
        py: Python<'_>,
        sites: Vec<String>,
        site_sizes: &[u8],
        block_key: &[u8],
        block_site: &[u8],
        block_docs: &[u8],
        shingle_key: &[u8],
        shingle_site: &[u8],
        shingle_docs: &[u8],
    ) -> PyResult<Counts> {
        check_sites(&sites)?;
        let sizes = u32s(site_sizes, "site sizes")?;
        same_length(&[(sites.len(), "sites"), (sizes.len(), "site sizes")])?;
        let blocks = records_of(block_key, block_site, block_docs)?;
        let shingles = records_of(shingle_key, shingle_site, shingle_docs)?;
        Ok(py.allow_threads(|| Counts::build(sites, sizes, blocks, shingles)))
    }

    /// Site names, sorted; the first is the empty name (no site).
    #[getter]
    fn sites(&self) -> Vec<String> {
        self.inner.sites.clone()
    }

    /// Counted documents of a site.
    fn site_size(&self, site: &str) -> u32 {
        self.inner.counts.blocks.site_size(self.inner.site_id(site))
    }

    /// `(documents, sites)` holding a block key (a key not retained occurred once).
    fn stats(&self, key: u64) -> (u32, u32) {
        let s = self.inner.counts.blocks.stats(key);
        (s.docs, s.sites)
    }

    /// Documents of `site` holding a block key.
    fn site_documents(&self, key: u64, site: &str) -> u32 {
        self.inner
            .counts
            .blocks
            .site_docs(key, self.inner.site_id(site))
    }

    /// Block keys held by two or more documents.
    #[getter]
    fn retained_keys(&self) -> usize {
        self.inner.counts.blocks.retained_keys()
    }

    fn __getstate__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let bytes = |v: Vec<u8>| PyBytes::new(py, &v);
        let cols = |r: &[Record]| {
            (
                bytes(pack(r.iter().map(|r| r.key), u64::to_le_bytes)),
                bytes(pack(r.iter().map(|r| r.site), u32::to_le_bytes)),
                bytes(pack(r.iter().map(|r| r.docs), u32::to_le_bytes)),
            )
        };
        Ok((
            1u32,
            self.inner.sites.clone(),
            bytes(pack(self.site_sizes.iter().copied(), u32::to_le_bytes)),
            cols(&self.blocks),
            cols(&self.shingles),
        )
            .into_pyobject(py)?
            .into_any())
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let state = slf.borrow().__getstate__(py)?;
        let rebuild = py.import("thresh._native")?.getattr("_counts_from_state")?;
        Ok((rebuild, (state,)).into_pyobject(py)?.into_any())
    }

    fn __repr__(&self) -> String {
        format!(
            "Counts(sites={}, documents={}, retained_keys={})",
            self.inner.sites.len() - 1,
            self.site_sizes.iter().map(|&n| u64::from(n)).sum::<u64>(),
            self.retained_keys()
        )
    }
}

/// Rebuild pickled [`Counts`].
#[pyfunction]
pub(crate) fn _counts_from_state(py: Python<'_>, state: &Bound<'_, PyAny>) -> PyResult<Counts> {
    #[allow(clippy::type_complexity)]
    let (version, sites, sizes, b, s): (
        u32,
        Vec<String>,
        Vec<u8>,
        (Vec<u8>, Vec<u8>, Vec<u8>),
        (Vec<u8>, Vec<u8>, Vec<u8>),
    ) = state.extract()?;
    if version != 1 {
        return Err(PyValueError::new_err(format!(
            "counts of state version {version}; this thresh reads version 1"
        )));
    }
    Counts::from_records(py, sites, &sizes, &b.0, &b.1, &b.2, &s.0, &s.1, &s.2)
}

/// The MinHash signature (128 bins) of a document's article text: what the decisions keep
/// with `counts` (without them, every block); `None` when too short to compare. A bin no
/// shingle fell in holds 2³² - 1.
#[pyfunction]
#[pyo3(signature = (text, options=None, counts=None, site=""))]
pub(crate) fn minhash(
    py: Python<'_>,
    text: &Bound<'_, PyAny>,
    options: Option<&Options>,
    counts: Option<&Counts>,
    site: &str,
) -> PyResult<Option<Vec<u32>>> {
    let default = default_options();
    let cfg = &options.unwrap_or(&default).cfg;
    let bytes = required_text(text)?;
    let empty = thresh::count::CorpusCounts::default();
    let (corpus, site) = match counts {
        Some(c) => (&c.inner.counts, c.inner.site_id(site)),
        None => (&empty, 0),
    };
    Ok(py.allow_threads(|| {
        let scanned = scan_one(bytes, cfg, true);
        let sig = stages::content_signature(
            bytes,
            &scanned.print,
            site,
            &scanned.hits,
            corpus,
            cfg,
            &mut SketchScratch::default(),
        );
        sig.map(|s| s.bins.to_vec())
    }))
}

/// Decide one document with frozen counts: `(fate, removals as JSON, cleaned text or None,
/// classifier backed off, block spans)`.
#[pyfunction]
#[pyo3(signature = (text, counts, site="", options=None))]
#[allow(clippy::type_complexity)]
pub(crate) fn decide(
    py: Python<'_>,
    text: &Bound<'_, PyAny>,
    counts: &Counts,
    site: &str,
    options: Option<&Options>,
) -> PyResult<(String, String, Option<PyObject>, bool, Vec<(u32, u32)>)> {
    let default = default_options();
    let cfg = &options.unwrap_or(&default).cfg;
    let text = text_of(text)?;
    let bytes = text
        .bytes
        .ok_or_else(|| PyTypeError::new_err("a text is needed, not None"))?;
    if bytes.len() as u64 > cfg.max_doc_bytes {
        return Err(config_error(format!(
            "text of {} bytes is over the document size limit of {} bytes (raise --max-doc-bytes)",
            bytes.len(),
            cfg.max_doc_bytes
        )));
    }
    let site = counts.inner.site_id(site);
    let (decision, cleaned, spans) = py.allow_threads(|| {
        let scanned = scan_one(bytes, cfg, true);
        let decision = stages::decide(&scanned, site, &counts.inner.counts, cfg);
        let cleaned = stages::cleaned(bytes, &scanned.print, &decision);
        let spans = scanned
            .print
            .blocks
            .iter()
            .map(|b| (b.start, b.end))
            .collect::<Vec<_>>();
        (decision, cleaned, spans)
    });
    let removals = serde_json::to_string(&decision.removals)
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok((
        fate_name(decision.fate).to_string(),
        removals,
        cleaned.map(|c| to_text(py, c, text.is_str)),
        decision.classifier_backed_off,
        spans,
    ))
}

pub(crate) fn fate_name(fate: Fate) -> &'static str {
    match fate {
        Fate::Written => "written",
        Fate::Emptied => "emptied",
        Fate::Duplicate { .. } => "duplicate",
        Fate::NearDuplicate { .. } => "near_duplicate",
        Fate::NoContent => "no_content",
    }
}
