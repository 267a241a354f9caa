//! Site names from URLs, by the command line's rule for JSONL records (the host, lower-cased,
//! without user, port or a leading `www.`): the engines' recipes name sites as `clean` does.

use pyo3::prelude::*;

/// The site of each URL (`None` for a missing or hostless URL).
#[pyfunction]
pub(crate) fn url_hosts(py: Python<'_>, urls: Vec<Option<String>>) -> Vec<Option<String>> {
    py.allow_threads(|| {
        urls.iter()
            .map(|u| u.as_deref().and_then(thresh::input::jsonl::host_of))
            .collect()
    })
}
