//! Output: what a run leaves behind — cleaned text files ([`text`]), JSONL rows and dolma
//! attribute rows ([`records`]), the JSON report and
//! human summary ([`report`], with the run's [`settings`]), the self-contained HTML report ([`html`]) and the record of
//! what an output folder's files were made from ([`manifest`]). Every file is written
//! atomically (temporary file, then rename).

pub mod html;
pub mod manifest;
pub mod records;
pub mod report;
pub mod settings;
pub mod text;
