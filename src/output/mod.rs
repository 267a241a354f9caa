//! Output: what a run leaves behind — cleaned text files ([`text`]), JSONL rows and dolma
//! attribute rows ([`records`]), the JSON report and
//! human summary ([`report`]) and the self-contained HTML report ([`html`]). Every file is
//! written atomically (temporary file, then rename).

pub mod html;
pub mod records;
pub mod report;
pub mod text;
