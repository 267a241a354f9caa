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

//!
//! Modules: [`options`] (settings from keyword flags), [`values`] (the plain-value API:
//! fingerprints, partial and frozen counts, decisions), [`batches`] (the stages over batches
//! for engines), [`packed`] (numbers as little-endian byte strings), [`sites`] (site names
//! from URLs).

mod batches;
mod options;
mod packed;
mod sites;
mod values;

use pyo3::create_exception;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use thresh::decide::near_dup::BANDS;
use thresh::sketch::{SIGNATURE_BYTES, SIG_BINS};
use thresh::stages;
use thresh::Config;

use options::Options;
use values::{Counts, Fingerprint, PartialCounts};

create_exception!(
    _native,
    ThreshError,
    PyValueError,
    "Bad input or settings; the message is the one the thresh command line prints."
);

pub(crate) fn error(e: thresh::Error) -> PyErr {
    ThreshError::new_err(e.to_string())
}

pub(crate) fn config_error(message: String) -> PyErr {
    error(thresh::Error::Config(message))
}

/// A text given from Python: its bytes, and whether it came as `str` (answers are `str` then).
pub(crate) struct Text<'a> {
    pub(crate) bytes: Option<&'a [u8]>,
    pub(crate) is_str: bool,
}

pub(crate) fn text_of<'a>(item: &'a Bound<'_, PyAny>) -> PyResult<Text<'a>> {
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

pub(crate) fn texts_of<'a>(items: &'a [Bound<'_, PyAny>]) -> PyResult<Vec<Text<'a>>> {
    items.iter().map(text_of).collect()
}

/// A text within the document size limit, or `None` (missing or too large: not read).
pub(crate) fn readable<'a>(text: &Text<'a>, cfg: &Config) -> Option<&'a [u8]> {
    text.bytes.filter(|b| b.len() as u64 <= cfg.max_doc_bytes)
}

pub(crate) fn to_text(py: Python<'_>, bytes: Vec<u8>, is_str: bool) -> PyObject {
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

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ThreshError", m.py().get_type::<ThreshError>())?;
    m.add("NO_CLUSTER", stages::NO_CLUSTER)?;
    m.add("SIG_BINS", SIG_BINS)?;
    m.add("SIGNATURE_BYTES", SIGNATURE_BYTES)?;
    m.add("BANDS", BANDS)?;
    m.add("VERSION", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<Options>()?;
    m.add_class::<Fingerprint>()?;
    m.add_class::<PartialCounts>()?;
    m.add_class::<Counts>()?;
    m.add_function(wrap_pyfunction!(values::fingerprint, m)?)?;
    m.add_function(wrap_pyfunction!(values::minhash, m)?)?;
    m.add_function(wrap_pyfunction!(values::decide, m)?)?;
    m.add_function(wrap_pyfunction!(batches::scan_batch, m)?)?;
    m.add_function(wrap_pyfunction!(batches::contributions_batch, m)?)?;
    m.add_function(wrap_pyfunction!(batches::retained_batch, m)?)?;
    m.add_function(wrap_pyfunction!(batches::sketch_batch, m)?)?;
    m.add_function(wrap_pyfunction!(batches::pairs_batch, m)?)?;
    m.add_function(wrap_pyfunction!(batches::resolve_batch, m)?)?;
    m.add_function(wrap_pyfunction!(batches::clean_batch, m)?)?;
    m.add_function(wrap_pyfunction!(values::_counts_from_state, m)?)?;
    m.add_function(wrap_pyfunction!(sites::url_hosts, m)?)?;
    Ok(())
}
