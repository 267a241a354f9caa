//! `thresh._native`: the Python binding of the `thresh` library, kept thin.
//!
//! Every function converts Python values, calls [`thresh::stages`] (or the stage modules it
//! names) with the GIL released, and converts the answer back; no rule lives here. Library
//! errors become `thresh.ThreshError` (a `ValueError`) with the message the command line
//! prints; a panic becomes a Python exception (pyo3 catches it; the crate keeps
//! `panic = "unwind"`), never an abort of the interpreter.
//!
//! Batch functions exchange numbers as little-endian byte strings (`u64`, `u32`, `i64`, `u8`
//! arrays), which the Python layer wraps into Arrow arrays without copying; texts come as
//! lists of `str` or `bytes` (`None` for a missing text).

use pyo3::create_exception;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};

use thresh::count::Record;
use thresh::decide::near_dup::{KeepPolicy, BANDS};
use thresh::decide::{Fate, Strength};
use thresh::segment::{Unit, UnitChoice};
use thresh::sketch::{Signature, SketchScratch, SIG_BINS};
use thresh::stages::{self, Contribution, PartialCounts as CorePartial, SitedCounts};
use thresh::Config;

create_exception!(
    _native,
    ThreshError,
    PyValueError,
    "Bad input or settings; the message is the one the thresh command line prints."
);

fn error(e: thresh::Error) -> PyErr {
    ThreshError::new_err(e.to_string())
}

fn config_error(message: String) -> PyErr {
    error(thresh::Error::Config(message))
}

/// The settings of a run, named after the command line's flags.
#[pyclass(module = "thresh._native", frozen)]
struct Options {
    cfg: Config,
}

fn choice<T: Copy>(flag: &str, value: &str, choices: &[(&str, T)]) -> PyResult<T> {
    choices
        .iter()
        .find(|(name, _)| *name == value)
        .map(|&(_, v)| v)
        .ok_or_else(|| {
            let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
            config_error(format!(
                "invalid value '{value}' for '{flag}': possible values: {}",
                names.join(", ")
            ))
        })
}

#[pymethods]
impl Options {
    #[new]
    #[pyo3(signature = (*, unit=None, min_docs=None, min_site_share=None, min_site_docs=None,
        variant_cover=None, variant_lift=None, body_evidence=None, body_words=None,
        min_repeat_words=None, max_enclosed_words=None, min_enclosed_run=None, classifier=None,
        near_dup_threshold=None, keep=None, no_dedup=false, no_sites=false,
        keep_pattern=Vec::new(), drop_pattern=Vec::new(), max_doc_bytes=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        unit: Option<&str>,
        min_docs: Option<u32>,
        min_site_share: Option<f64>,
        min_site_docs: Option<u32>,
        variant_cover: Option<f64>,
        variant_lift: Option<f64>,
        body_evidence: Option<f64>,
        body_words: Option<u32>,
        min_repeat_words: Option<u32>,
        max_enclosed_words: Option<u32>,
        min_enclosed_run: Option<u32>,
        classifier: Option<&str>,
        near_dup_threshold: Option<f64>,
        keep: Option<&str>,
        no_dedup: bool,
        no_sites: bool,
        keep_pattern: Vec<String>,
        drop_pattern: Vec<String>,
        max_doc_bytes: Option<u64>,
    ) -> PyResult<Self> {
        let mut cfg = Config::default();
        let d = &mut cfg.decide;
        if let Some(v) = unit {
            cfg.unit = choice(
                "--unit",
                v,
                &[
                    ("auto", UnitChoice::Auto),
                    ("line", UnitChoice::Line),
                    ("paragraph", UnitChoice::Paragraph),
                ],
            )?;
        }
        d.min_docs = min_docs.unwrap_or(d.min_docs);
        d.min_site_share = min_site_share.unwrap_or(d.min_site_share);
        d.min_site_docs = min_site_docs.unwrap_or(d.min_site_docs);
        d.variant_cover = variant_cover.unwrap_or(d.variant_cover);
        d.variant_lift = variant_lift.unwrap_or(d.variant_lift);
        d.body_evidence = body_evidence.unwrap_or(d.body_evidence);
        d.body_words = body_words.unwrap_or(d.body_words);
        d.min_repeat_words = min_repeat_words.unwrap_or(d.min_repeat_words);
        d.max_enclosed_words = max_enclosed_words.unwrap_or(d.max_enclosed_words);
        d.min_enclosed_run = min_enclosed_run.unwrap_or(d.min_enclosed_run);
        d.use_sites = !no_sites;
        if let Some(v) = classifier {
            d.classifier.strength = choice(
                "--classifier",
                v,
                &[
                    ("off", Strength::Off),
                    ("conservative", Strength::Conservative),
                    ("default", Strength::Default),
                    ("aggressive", Strength::Aggressive),
                ],
            )?;
        }
        let n = &mut cfg.near_dup;
        n.threshold = near_dup_threshold.unwrap_or(n.threshold);
        n.enabled = !no_dedup;
        if let Some(v) = keep {
            n.keep = choice(
                "--keep",
                v,
                &[
                    ("first", KeepPolicy::First),
                    ("longest", KeepPolicy::Longest),
                ],
            )?;
        }
        cfg.max_doc_bytes = max_doc_bytes.unwrap_or(cfg.max_doc_bytes);
        let origin = |list: Vec<String>, flag: &str| {
            list.into_iter()
                .map(|p| (p, flag.to_string()))
                .collect::<Vec<_>>()
        };
        cfg.patterns = thresh::decide::Patterns::new(
            origin(keep_pattern, "--keep-pattern"),
            origin(drop_pattern, "--drop-pattern"),
        )
        .map_err(error)?;
        cfg.validate_settings().map_err(error)?;
        Ok(Options { cfg })
    }

    /// The effective settings, by flag name (without the leading dashes).
    fn settings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let c = &self.cfg;
        let d = &c.decide;
        let out = PyDict::new(py);
        let unit = match c.unit {
            UnitChoice::Auto => "auto",
            UnitChoice::Line => "line",
            UnitChoice::Paragraph => "paragraph",
        };
        out.set_item("unit", unit)?;
        out.set_item("min_docs", d.min_docs)?;
        out.set_item("min_site_share", d.min_site_share)?;
        out.set_item("min_site_docs", d.min_site_docs)?;
        out.set_item("variant_cover", d.variant_cover)?;
        out.set_item("variant_lift", d.variant_lift)?;
        out.set_item("body_evidence", d.body_evidence)?;
        out.set_item("body_words", d.body_words)?;
        out.set_item("min_repeat_words", d.min_repeat_words)?;
        out.set_item("max_enclosed_words", d.max_enclosed_words)?;
        out.set_item("min_enclosed_run", d.min_enclosed_run)?;
        out.set_item("classifier", d.classifier.strength.name())?;
        out.set_item("near_dup_threshold", c.near_dup.threshold)?;
        let keep = match c.near_dup.keep {
            KeepPolicy::First => "first",
            KeepPolicy::Longest => "longest",
        };
        out.set_item("keep", keep)?;
        out.set_item("no_dedup", !c.near_dup.enabled)?;
        out.set_item("no_sites", !d.use_sites)?;
        out.set_item("keep_pattern", c.patterns.keep_patterns().to_vec())?;
        out.set_item("drop_pattern", c.patterns.drop_patterns().to_vec())?;
        out.set_item("max_doc_bytes", c.max_doc_bytes)?;
        Ok(out)
    }

    /// Whether documents are sampled for template variants (shingle counts are needed).
    #[getter]
    fn matches_variants(&self) -> bool {
        self.cfg.decide.matches_variants()
    }
}

fn default_options() -> Options {
    Options {
        cfg: Config::default(),
    }
}

/// A text given from Python: its bytes, and whether it came as `str` (answers are `str` then).
struct Text<'a> {
    bytes: Option<&'a [u8]>,
    is_str: bool,
}

fn text_of<'a>(item: &'a Bound<'_, PyAny>) -> PyResult<Text<'a>> {
    if item.is_none() {
        return Ok(Text {
            bytes: None,
            is_str: true,
        });
    }
    if let Ok(s) = item.downcast::<PyString>() {
        return Ok(Text {
            bytes: Some(s.to_str()?.as_bytes()),
            is_str: true,
        });
    }
    if let Ok(b) = item.downcast::<PyBytes>() {
        return Ok(Text {
            bytes: Some(b.as_bytes()),
            is_str: false,
        });
    }
    Err(PyTypeError::new_err(format!(
        "a text must be str, bytes or None, not {}",
        item.get_type().name()?
    )))
}

fn texts_of<'a>(items: &'a [Bound<'_, PyAny>]) -> PyResult<Vec<Text<'a>>> {
    items.iter().map(text_of).collect()
}

/// A text within the document size limit, or `None` (missing or too large: not read).
fn readable<'a>(text: &Text<'a>, cfg: &Config) -> Option<&'a [u8]> {
    text.bytes.filter(|b| b.len() as u64 <= cfg.max_doc_bytes)
}

fn to_text(py: Python<'_>, bytes: Vec<u8>, is_str: bool) -> PyObject {
    if is_str {
        match String::from_utf8(bytes) {
            Ok(s) => PyString::new(py, &s).into_any().unbind(),
            Err(e) => PyString::new(py, &String::from_utf8_lossy(e.as_bytes()))
                .into_any()
                .unbind(),
        }
    } else {
        PyBytes::new(py, &bytes).into_any().unbind()
    }
}

/// A document's fingerprint: blocks (byte spans into its UTF-8 text), keys, shingle samples.
#[pyclass(module = "thresh._native", frozen)]
struct Fingerprint {
    scanned: stages::Scanned,
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

fn scan_one(bytes: &[u8], cfg: &Config, for_decisions: bool) -> stages::Scanned {
    stages::scan(bytes, cfg, &mut stages::scratch_for(cfg), for_decisions)
}

/// Fingerprint one document (with classifier features and pattern hits, as for decisions).
#[pyfunction]
#[pyo3(signature = (text, options=None))]
fn fingerprint(
    py: Python<'_>,
    text: &Bound<'_, PyAny>,
    options: Option<&Options>,
) -> PyResult<Fingerprint> {
    let default = default_options();
    let cfg = &options.unwrap_or(&default).cfg;
    let text = text_of(text)?;
    let bytes = text
        .bytes
        .ok_or_else(|| PyTypeError::new_err("a text is needed, not None"))?;
    let scanned = py.allow_threads(|| scan_one(bytes, cfg, true));
    Ok(Fingerprint { scanned })
}

/// Mergeable counts of documents with named sites.
#[pyclass(module = "thresh._native")]
#[derive(Default)]
struct PartialCounts {
    inner: CorePartial,
}

fn pack<T: Copy, const N: usize>(
    items: impl Iterator<Item = T>,
    to: impl Fn(T) -> [u8; N],
) -> Vec<u8> {
    items.flat_map(to).collect()
}

fn unpack<T, const N: usize>(
    bytes: &[u8],
    what: &str,
    from: impl Fn([u8; N]) -> T,
) -> PyResult<Vec<T>> {
    if bytes.len() % N != 0 {
        return Err(PyValueError::new_err(format!(
            "{what}: {} bytes is not a whole number of {N}-byte values",
            bytes.len()
        )));
    }
    Ok(bytes
        .chunks_exact(N)
        .map(|c| {
            let mut a = [0u8; N];
            a.copy_from_slice(c);
            from(a)
        })
        .collect())
}

fn u64s(b: &[u8], what: &str) -> PyResult<Vec<u64>> {
    unpack(b, what, u64::from_le_bytes)
}

fn u32s(b: &[u8], what: &str) -> PyResult<Vec<u32>> {
    unpack(b, what, u32::from_le_bytes)
}

fn i64s(b: &[u8], what: &str) -> PyResult<Vec<i64>> {
    unpack(b, what, i64::from_le_bytes)
}

fn same_length(lengths: &[(usize, &str)]) -> PyResult<usize> {
    let n = lengths.first().map_or(0, |l| l.0);
    match lengths.iter().find(|l| l.0 != n) {
        Some((len, name)) => Err(PyValueError::new_err(format!(
            "{name} holds {len} values where {n} are needed"
        ))),
        None => Ok(n),
    }
}

/// Contributions as five packed columns: key, cluster, member, site, docs.
fn pack_contributions(c: &[Contribution]) -> (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>) {
    (
        pack(c.iter().map(|c| c.key), u64::to_le_bytes),
        pack(c.iter().map(|c| c.cluster), u64::to_le_bytes),
        pack(c.iter().map(|c| c.member), u32::to_le_bytes),
        pack(c.iter().map(|c| c.site), u32::to_le_bytes),
        pack(c.iter().map(|c| c.docs), u32::to_le_bytes),
    )
}

type Packed5<'a> = (&'a [u8], &'a [u8], &'a [u8], &'a [u8], &'a [u8]);

fn unpack_contributions(p: Packed5<'_>) -> PyResult<Vec<Contribution>> {
    let (key, cluster, member, site, docs) = (
        u64s(p.0, "key")?,
        u64s(p.1, "cluster")?,
        u32s(p.2, "member")?,
        u32s(p.3, "site")?,
        u32s(p.4, "docs")?,
    );
    same_length(&[
        (key.len(), "key"),
        (cluster.len(), "cluster"),
        (member.len(), "member"),
        (site.len(), "site"),
        (docs.len(), "docs"),
    ])?;
    Ok((0..key.len())
        .map(|i| Contribution {
            key: key[i],
            cluster: cluster[i],
            member: member[i],
            site: site[i],
            docs: docs[i],
        })
        .collect())
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
        #[allow(clippy::type_complexity)]
        let (version, sites, sizes, b, s): (
            u32,
            Vec<String>,
            Vec<u8>,
            (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>),
            (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>),
        ) = state.extract()?;
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
struct Counts {
    inner: SitedCounts,
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
fn _counts_from_state(py: Python<'_>, state: &Bound<'_, PyAny>) -> PyResult<Counts> {
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

/// The MinHash signature (128 bins) of a document's content, its site's template left out
/// when `counts` are given; `None` when too short to compare.
#[pyfunction]
#[pyo3(signature = (text, options=None, counts=None, site=""))]
fn minhash(
    py: Python<'_>,
    text: &Bound<'_, PyAny>,
    options: Option<&Options>,
    counts: Option<&Counts>,
    site: &str,
) -> PyResult<Option<Vec<u32>>> {
    let default = default_options();
    let cfg = &options.unwrap_or(&default).cfg;
    let text = text_of(text)?;
    let bytes = text
        .bytes
        .ok_or_else(|| PyTypeError::new_err("a text is needed, not None"))?;
    let empty = thresh::count::FrozenCounts::default();
    let (block_counts, site) = match counts {
        Some(c) => (&c.inner.counts.blocks, c.inner.site_id(site)),
        None => (&empty, 0),
    };
    Ok(py.allow_threads(|| {
        let scanned = scan_one(bytes, cfg, false);
        let sig = stages::content_signature(
            bytes,
            &scanned.print,
            site,
            block_counts,
            cfg,
            &mut SketchScratch::default(),
        );
        sig.map(|s| s.0.to_vec())
    }))
}

/// Decide one document with frozen counts: `(fate, removals as JSON, cleaned text or None,
/// classifier backed off, block spans)`.
#[pyfunction]
#[pyo3(signature = (text, counts, site="", options=None))]
#[allow(clippy::type_complexity)]
fn decide(
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

fn fate_name(fate: Fate) -> &'static str {
    match fate {
        Fate::Written => "written",
        Fate::Emptied => "emptied",
        Fate::Duplicate { .. } => "duplicate",
        Fate::NearDuplicate { .. } => "near_duplicate",
        Fate::NoContent => "no_content",
    }
}

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
fn scan_batch<'py>(
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
fn contributions_batch<'py>(
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
fn retained_batch<'py>(
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

/// Step 4 for a batch of counted documents: `has_signature` (u8), `signatures` (128 u32 per
/// document, zeros without one) and `bands` (32 u64 per document).
#[pyfunction]
fn sketch_batch<'py>(
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
    let block_counts = &counts.inner.counts.blocks;
    let columns = py.allow_threads(|| {
        let mut scratch = stages::scratch_for(cfg);
        let mut sketch = SketchScratch::default();
        let (mut has, mut signatures, mut bands) = (Vec::new(), Vec::new(), Vec::new());
        for (bytes, &site) in inputs.iter().zip(&sites) {
            let sig = bytes.and_then(|b| {
                let print = stages::scan(b, cfg, &mut scratch, false).print;
                stages::content_signature(b, &print, site, block_counts, cfg, &mut sketch)
            });
            has.push(u8::from(sig.is_some()));
            match sig {
                Some(sig) => {
                    bands.extend(stages::band_keys(&sig).iter().flat_map(|k| k.to_le_bytes()));
                    signatures.extend(sig.0.iter().flat_map(|v| v.to_le_bytes()));
                }
                None => {
                    bands.extend(std::iter::repeat_n(0u8, BANDS * 8));
                    signatures.extend(std::iter::repeat_n(0u8, SIG_BINS * 4));
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

/// Step 4 for one band partition: documents in keep order (`signatures`: 128 u32 each,
/// `bands`: 32 u64 each) → verified pairs `earlier`, `later` (u32 positions) and `equal` bins
/// (u32).
#[pyfunction]
fn pairs_batch<'py>(
    py: Python<'py>,
    signatures: &[u8],
    bands: &[u8],
    partition: u64,
    partitions: u64,
    threshold: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let bins = u32s(signatures, "signatures")?;
    let band_keys = u64s(bands, "bands")?;
    if bins.len() % SIG_BINS != 0 || band_keys.len() % BANDS != 0 {
        return Err(PyValueError::new_err(format!(
            "signatures hold {SIG_BINS} values and bands {BANDS} per document"
        )));
    }
    same_length(&[
        (bins.len() / SIG_BINS, "signatures"),
        (band_keys.len() / BANDS, "bands"),
    ])?;
    let columns = py.allow_threads(|| {
        let sigs: Vec<Signature> = bins
            .chunks_exact(SIG_BINS)
            .map(|c| {
                let mut s = Box::new([0u32; SIG_BINS]);
                s.copy_from_slice(c);
                Signature(s)
            })
            .collect();
        let bands: Vec<[u64; BANDS]> = band_keys
            .chunks_exact(BANDS)
            .map(|c| std::array::from_fn(|i| c[i]))
            .collect();
        let pairs = stages::bucket_pairs(&sigs, &bands, partition, partitions, threshold);
        vec![
            ("earlier", pack(pairs.iter().map(|p| p.0), u32::to_le_bytes)),
            ("later", pack(pairs.iter().map(|p| p.1), u32::to_le_bytes)),
            ("equal", pack(pairs.iter().map(|p| p.2), u32::to_le_bytes)),
        ]
    });
    packed_dict(py, columns)
}

/// Step 4's end: `n` documents in keep order and their verified pairs (u32 columns) → per
/// document `kept` (i64: the position of the kept document it duplicates, -1 when kept
/// itself) and `similarity` (f64).
#[pyfunction]
fn resolve_batch<'py>(
    py: Python<'py>,
    n: usize,
    earlier: &[u8],
    later: &[u8],
    equal: &[u8],
    threshold: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let (a, b, e) = (
        u32s(earlier, "earlier")?,
        u32s(later, "later")?,
        u32s(equal, "equal")?,
    );
    same_length(&[(a.len(), "earlier"), (b.len(), "later"), (e.len(), "equal")])?;
    let columns = py.allow_threads(|| {
        let pairs: Vec<(u32, u32, u32)> = (0..a.len()).map(|i| (a[i], b[i], e[i])).collect();
        let resolved = stages::resolve_near_duplicates(n, &pairs, threshold);
        vec![
            (
                "kept",
                pack(
                    resolved.iter().map(|r| r.map_or(-1, |(k, _)| k as i64)),
                    i64::to_le_bytes,
                ),
            ),
            (
                "similarity",
                pack(
                    resolved.iter().map(|r| r.map_or(0.0, |(_, s)| s)),
                    f64::to_le_bytes,
                ),
            ),
        ]
    });
    packed_dict(py, columns)
}

/// Step 6 for a batch of documents to decide (neither duplicates nor near-duplicates): the
/// cleaned texts (`None` when not written) and each document's fate.
#[pyfunction]
fn clean_batch<'py>(
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

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ThreshError", m.py().get_type::<ThreshError>())?;
    m.add("NO_CLUSTER", stages::NO_CLUSTER)?;
    m.add("SIG_BINS", SIG_BINS)?;
    m.add("BANDS", BANDS)?;
    m.add("VERSION", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<Options>()?;
    m.add_class::<Fingerprint>()?;
    m.add_class::<PartialCounts>()?;
    m.add_class::<Counts>()?;
    m.add_function(wrap_pyfunction!(fingerprint, m)?)?;
    m.add_function(wrap_pyfunction!(minhash, m)?)?;
    m.add_function(wrap_pyfunction!(decide, m)?)?;
    m.add_function(wrap_pyfunction!(scan_batch, m)?)?;
    m.add_function(wrap_pyfunction!(contributions_batch, m)?)?;
    m.add_function(wrap_pyfunction!(retained_batch, m)?)?;
    m.add_function(wrap_pyfunction!(sketch_batch, m)?)?;
    m.add_function(wrap_pyfunction!(pairs_batch, m)?)?;
    m.add_function(wrap_pyfunction!(resolve_batch, m)?)?;
    m.add_function(wrap_pyfunction!(clean_batch, m)?)?;
    m.add_function(wrap_pyfunction!(_counts_from_state, m)?)?;
    Ok(())
}
