//! Output: what a run leaves behind — cleaned text files ([`text`]) and the JSON report and
//! human summary ([`report`]). Every file is written atomically (temporary file, then rename).

pub mod report;
pub mod text;
