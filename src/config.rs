//! Configuration: the validated settings of one run. Built once from flags (or by a library
//! caller), checked by [`Config::validate`], then handed to the stages as their own sub-configs.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::decide::near_dup::NearDupConfig;
use crate::decide::{DecideConfig, Patterns};
use crate::error::Error;
use crate::input::jsonl::Fields;
use crate::input::DiscoverConfig;
use crate::segment::UnitChoice;

/// When a run looks too destructive to trust.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GuardConfig {
    /// Warn when removed block bytes exceed this share of the bytes of non-duplicate documents.
    pub max_removed: f64,
    /// Warn when more than this share of documents with content would be emptied.
    pub max_emptied: f64,
    /// Stop before writing any cleaned file when a guardrail trips.
    pub strict: bool,
}

impl Default for GuardConfig {
    fn default() -> Self {
        GuardConfig {
            max_removed: 0.6,
            max_emptied: 0.2,
            strict: false,
        }
    }
}

/// What a run writes for the documents it keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "mode", content = "name")]
pub enum OutputMode {
    /// Cleaned text: removed blocks left out, dropped documents not written.
    Rewrite,
    /// Text untouched: dolma attribute files `attributes/<name>/<path>` under OUT, one row per
    /// record with the removed spans in Unicode code points (JSONL inputs only).
    Annotate(String),
    /// One JSON line per document not kept (duplicate, near-duplicate, emptied), to OUT as a
    /// file.
    Ids,
}

/// Everything a `clean` run needs.
#[derive(Debug, Clone)]
pub struct Config {
    pub inputs: Vec<PathBuf>,
    /// Output folder; may be `None` only for a dry run.
    pub output: Option<PathBuf>,
    pub discover: DiscoverConfig,
    pub unit: UnitChoice,
    pub decide: DecideConfig,
    pub patterns: Patterns,
    pub near_dup: NearDupConfig,
    pub guard: GuardConfig,
    /// Documents larger than this are skipped with an error.
    pub max_doc_bytes: u64,
    /// Run both passes and write the report, but no cleaned file.
    pub dry_run: bool,
    /// Where to write the JSON report (`-` for standard output).
    pub report: Option<PathBuf>,
    /// Where to write the self-contained HTML report.
    pub html_report: Option<PathBuf>,
    /// Entries in the report's boilerplate catalogue.
    pub catalogue_size: usize,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Which JSONL fields hold the text, the id and the site.
    pub jsonl: Fields,
    /// JSONL lines longer than this are skipped with an error.
    pub max_line_bytes: u64,
    pub mode: OutputMode,
    /// Write outputs that already exist again (otherwise a rerun skips them).
    pub overwrite: bool,
    /// A saved index (see [`crate::index`]) whose documents count alongside the input's.
    pub index: Option<PathBuf>,
    /// Write the index back with the input's documents added.
    pub update_index: bool,
    /// Bytes the run's spillable data may hold in memory (`--memory-limit`); `None` keeps
    /// everything in memory and writes nothing to disk but the outputs.
    pub memory_limit: Option<u64>,
    /// Folder for spill files (`--tmp-dir`); `None`: beside the output.
    pub tmp_dir: Option<PathBuf>,
}

impl Config {
    /// True when the output goes to standard output (`-o -`).
    pub fn output_is_stdout(&self) -> bool {
        self.output.as_ref().is_some_and(|o| o.as_os_str() == "-")
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            inputs: Vec::new(),
            output: None,
            discover: DiscoverConfig::default(),
            unit: UnitChoice::Auto,
            decide: DecideConfig::default(),
            patterns: Patterns::default(),
            near_dup: NearDupConfig::default(),
            guard: GuardConfig::default(),
            max_doc_bytes: 1 << 30,
            dry_run: false,
            report: None,
            html_report: None,
            catalogue_size: 100,
            threads: 0,
            jsonl: Fields::default(),
            max_line_bytes: 64 << 20,
            mode: OutputMode::Rewrite,
            overwrite: false,
            index: None,
            update_index: false,
            memory_limit: None,
            tmp_dir: None,
        }
    }
}

impl Config {
    /// Check ranges and paths; after this the stages trust the values.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |msg: &str| Err(Error::Config(msg.to_string()));
        if self.inputs.is_empty() {
            return bad("no INPUT given");
        }
        if self.output.is_none() && !self.dry_run {
            return bad("an output folder (-o OUT) is required unless --dry-run is given");
        }
        self.validate_settings()?;
        if self.update_index && self.index.is_none() {
            return bad("--update-index needs --index FILE");
        }
        if self.memory_limit == Some(0) {
            return bad("--memory-limit must be more than 0");
        }
        if self.discover.extensions.is_empty() {
            return bad("at least one --ext is needed");
        }
        if self.max_line_bytes == 0 || self.max_line_bytes > u64::from(u32::MAX) {
            return bad("--max-line-bytes must be between 1 and 4294967295");
        }
        if let OutputMode::Annotate(name) = &self.mode {
            if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
                return bad("--attribute-name must be a plain folder name");
            }
        }
        if self.output_is_stdout()
            && self.mode != OutputMode::Rewrite
            && self.mode != OutputMode::Ids
        {
            return bad(
                "-o - writes cleaned JSONL or ids; annotate writes a tree of files, give a folder",
            );
        }
        self.check_paths()
    }

    /// Check the settings that decide what is removed (thresholds, near-duplicates, document
    /// size), leaving out inputs and outputs: what a caller holding documents in memory (see
    /// [`crate::stages`]) must get right. The messages are the command line's.
    pub fn validate_settings(&self) -> Result<(), Error> {
        let bad = |msg: &str| Err(Error::Config(msg.to_string()));
        if self.decide.min_docs < 2 {
            return bad("--min-docs must be at least 2 (1 would remove every block)");
        }
        if !(self.decide.min_site_share > 0.0 && self.decide.min_site_share <= 1.0) {
            return bad("--min-site-share must be in (0, 1]");
        }
        if self.decide.min_site_docs < 2 {
            return bad("--min-site-docs must be at least 2");
        }
        if !(0.0..=1.0).contains(&self.decide.variant_cover) {
            return bad("--variant-cover must be between 0 (off) and 1");
        }
        if !(self.decide.variant_lift >= 1.0 && self.decide.variant_lift.is_finite()) {
            return bad("--variant-lift must be at least 1");
        }
        if !(self.decide.body_evidence >= 1.0 && self.decide.body_evidence.is_finite()) {
            return bad("--body-evidence must be at least 1 (1 turns the position rule off)");
        }
        for (name, v) in [
            ("--max-removed", self.guard.max_removed),
            ("--max-emptied", self.guard.max_emptied),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(Error::Config(format!("{name} must be between 0 and 1")));
            }
        }
        if !(self.near_dup.threshold > 0.0 && self.near_dup.threshold <= 1.0) {
            return bad("--near-dup-threshold must be in (0, 1]");
        }
        if !(self.near_dup.containment > 0.0 && self.near_dup.containment <= 1.0) {
            return bad("--near-dup-containment must be in (0, 1]");
        }
        if self.max_doc_bytes == 0 || self.max_doc_bytes > u64::from(u32::MAX) {
            return bad("--max-doc-bytes must be between 1 and 4294967295");
        }
        Ok(())
    }

    fn check_paths(&self) -> Result<(), Error> {
        let inputs: Vec<(PathBuf, PathBuf)> = self
            .inputs
            .iter()
            .map(|i| {
                std::fs::canonicalize(i)
                    .map(|c| (i.clone(), c))
                    .map_err(|source| match source.kind() {
                        std::io::ErrorKind::NotFound => Error::MissingInput(i.clone()),
                        _ => Error::Read {
                            path: i.clone(),
                            source,
                        },
                    })
            })
            .collect::<Result<_, _>>()?;
        for (a, (orig_a, ca)) in inputs.iter().enumerate() {
            for (orig_b, cb) in inputs.iter().skip(a + 1) {
                if ca.starts_with(cb) || cb.starts_with(ca) {
                    return Err(Error::OverlappingInputs {
                        first: orig_a.clone(),
                        second: orig_b.clone(),
                    });
                }
            }
        }
        let stdout = |r: &Option<PathBuf>| r.as_ref().is_some_and(|p| p.as_os_str() == "-");
        if stdout(&self.output) && (stdout(&self.report) || stdout(&self.html_report)) {
            return Err(Error::Config(
                "-o - writes the data to standard output: give the report a file".into(),
            ));
        }
        if stdout(&self.report) && stdout(&self.html_report) {
            return Err(Error::Config(
                "--report - and --html-report - would both write to standard output: give one a file"
                    .into(),
            ));
        }
        let reports = [self.report.as_ref(), self.html_report.as_ref()];
        for report in reports
            .into_iter()
            .flatten()
            .filter(|r| r.as_os_str() != "-")
        {
            let report_path = canonical_even_if_missing(report);
            if let Some((orig, _)) = inputs.iter().find(|(_, c)| report_path.starts_with(c)) {
                return Err(Error::Config(format!(
                    "the report {} would be written inside input {}: inputs are never modified",
                    report.display(),
                    orig.display()
                )));
            }
        }
        let Some(output) = self.output.as_ref().filter(|o| o.as_os_str() != "-") else {
            return Ok(());
        };
        let output = &match &self.mode {
            OutputMode::Rewrite => output.clone(),
            // Ids go to one file, compared with the inputs like a report.
            OutputMode::Ids => {
                let out = canonical_even_if_missing(output);
                if let Some((orig, _)) = inputs.iter().find(|(_, c)| out.starts_with(c)) {
                    return Err(Error::Config(format!(
                        "the ids file {} would be written inside input {}: inputs are never modified",
                        output.display(),
                        orig.display()
                    )));
                }
                return Ok(());
            }
            // A dolma tree holds documents/ beside attributes/: only the attribute folder
            // must stay clear of the inputs.
            OutputMode::Annotate(name) => output.join("attributes").join(name),
        };
        if output.exists() && !output.is_dir() {
            return Err(Error::Config(format!(
                "output {} exists and is not a folder",
                output.display()
            )));
        }
        let out = canonical_even_if_missing(output);
        for (orig, canon) in &inputs {
            // A file INPUT's documents are written beside it, relative to its folder.
            let root = if canon.is_file() {
                canon.parent().map(Path::to_path_buf).unwrap_or_default()
            } else {
                canon.clone()
            };
            if out.starts_with(&root) {
                return Err(Error::OutputInsideInput {
                    output: output.clone(),
                    input: orig.clone(),
                });
            }
            if canon.starts_with(&out) {
                return Err(Error::InputInsideOutput {
                    output: output.clone(),
                    input: orig.clone(),
                });
            }
        }
        Ok(())
    }
}

/// Canonicalise the longest existing ancestor and append the rest, so a not-yet-created output
/// folder is still compared with the inputs through symlinks and `..`.
fn canonical_even_if_missing(path: &Path) -> PathBuf {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(c) = std::fs::canonicalize(existing) {
            let mut out = c;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return out;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return absolute,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(input: &Path, output: &Path) -> Config {
        Config {
            inputs: vec![input.to_path_buf()],
            output: Some(output.to_path_buf()),
            ..Config::default()
        }
    }

    #[test]
    fn output_inside_input_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = config(dir.path(), &dir.path().join("out/new"))
            .validate()
            .unwrap_err();
        assert!(matches!(err, Error::OutputInsideInput { .. }), "{err}");
        let err = config(&dir.path().join("."), dir.path())
            .validate()
            .unwrap_err();
        assert!(matches!(err, Error::OutputInsideInput { .. }), "{err}");
    }

    #[test]
    fn input_inside_output_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("in")).unwrap();
        let err = config(&dir.path().join("in"), dir.path())
            .validate()
            .unwrap_err();
        assert!(matches!(err, Error::InputInsideOutput { .. }), "{err}");
    }

    #[test]
    fn report_inside_input_and_output_that_is_a_file_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("in")).unwrap();
        let mut c = config(&dir.path().join("in"), &dir.path().join("out"));
        c.report = Some(dir.path().join("in/report.json"));
        assert!(matches!(c.validate(), Err(Error::Config(m)) if m.contains("inside input")));
        c.report = None;
        c.html_report = Some(dir.path().join("in/report.html"));
        assert!(matches!(c.validate(), Err(Error::Config(m)) if m.contains("inside input")));
        c.report = Some("-".into());
        c.html_report = Some("-".into());
        assert!(matches!(c.validate(), Err(Error::Config(m)) if m.contains("standard output")));
        std::fs::write(dir.path().join("file"), b"x").unwrap();
        let c = config(&dir.path().join("in"), &dir.path().join("file"));
        assert!(matches!(c.validate(), Err(Error::Config(m)) if m.contains("not a folder")));
    }

    #[test]
    fn separate_folders_are_fine() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("in")).unwrap();
        config(&dir.path().join("in"), &dir.path().join("out"))
            .validate()
            .unwrap();
    }

    #[test]
    fn thresholds_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("in")).unwrap();
        let mut c = config(&dir.path().join("in"), &dir.path().join("out"));
        c.decide.min_docs = 1;
        assert!(matches!(c.validate(), Err(Error::Config(_))));
    }
}
