//! Output: what a run leaves behind — cleaned text files ([`text`]), JSONL rows and dolma
//! attribute rows ([`records`]), the JSON report and
//! human summary ([`report`]), the self-contained HTML report ([`html`]) and the record of
//! what an output folder's files were made from ([`manifest`]). Every file is written
//! atomically (temporary file, then rename).

pub mod html;
pub mod manifest;
pub mod records;
pub mod report;
pub mod text;
