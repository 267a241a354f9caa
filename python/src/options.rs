//! `Options`: the settings of a run from keyword flags named after the command line's, with
//! its defaults and checks (and its messages).

use pyo3::prelude::*;
use pyo3::types::PyDict;

use thresh::decide::near_dup::KeepPolicy;
use thresh::decide::Strength;
use thresh::segment::UnitChoice;
use thresh::Config;

use crate::{config_error, error};

/// The settings of a run, named after the command line's flags.
#[pyclass(module = "thresh._native", frozen)]
pub(crate) struct Options {
    pub(crate) cfg: Config,
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
        keep_comments=false,
        near_dup_threshold=None, near_dup_containment=None, keep=None, no_dedup=false, no_sites=false,
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
        keep_comments: bool,
        near_dup_threshold: Option<f64>,
        near_dup_containment: Option<f64>,
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
        d.classifier.keep_comments = keep_comments;
        let n = &mut cfg.near_dup;
        n.threshold = near_dup_threshold.unwrap_or(n.threshold);
        n.containment = near_dup_containment.unwrap_or(n.containment);
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
        out.set_item("keep_comments", d.classifier.keep_comments)?;
        out.set_item("near_dup_threshold", c.near_dup.threshold)?;
        out.set_item("near_dup_containment", c.near_dup.containment)?;
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

pub(crate) fn default_options() -> Options {
    Options {
        cfg: Config::default(),
    }
}
