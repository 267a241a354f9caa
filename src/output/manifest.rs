//! Run records: what the outputs in a folder were made from, so that a rerun reuses them only
//! when they are what it would write.
//!
//! Outputs appear only by rename of a complete file, so one that exists is finished, and a
//! rerun after an interruption writes only what is missing. That is right only when the rerun
//! has the same input and settings as the run that wrote them. Before writing, a run records in
//! `OUT/.thresh-runs/<inputs>.json` (one file per set of inputs, named by a hash of their
//! canonical paths and the output mode, so that runs over other inputs into the same folder
//! keep their own records and never race on one file): thresh's version, the settings that
//! decide what is written (by flag; threads, memory and reports left out), the documents read
//! and a fingerprint of their ids and texts (xxh3 of what pass 1 hashed anyway). A run that
//! would write into a folder holding files it writes checks first:
//!
//! - no record of its inputs: the files were made by another run, or not by thresh;
//! - a record with other settings or another version: stop before any work;
//! - a record with other input (documents added, removed, changed): stop after pass 1;
//!
//! each with a message naming what differs (exit code 2) and offering `--overwrite`, which
//! writes every output again and records the new run. A folder whose files this run does not
//! write (a new folder, or other inputs' outputs) is used as it is. The record is written
//! atomically before the first output, so an interrupted run leaves its record behind and the
//! rerun resumes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::{xxh3_64, Xxh3};

use crate::config::{Config, OutputMode};
use crate::error::Error;
use crate::input::SourceDoc;
use crate::output::settings::{self, ReportConfig, NOT_IN_OUTPUTS};

/// The folder under OUT holding the run records (hidden: a later run over OUT skips it).
pub const RUNS_FOLDER: &str = ".thresh-runs";
pub const RECORD_FORMAT: &str = "thresh-run";
/// Bumped on any incompatible change of the record.
pub const RECORD_VERSION: u32 = 1;

/// What the outputs of one run were made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    pub format: String,
    pub version: u32,
    pub thresh_version: String,
    /// The inputs, canonical.
    pub inputs: Vec<String>,
    /// Each setting that decides what is written, by flag (`--min-docs` → `5`).
    pub settings: BTreeMap<String, String>,
    /// Documents read (records of JSONL files each count).
    pub documents: u64,
    /// xxh3 of every document's id and text hash, in run order (hex).
    pub fingerprint: String,
}

/// A run about to write outputs into a folder, and what the folder holds.
#[derive(Debug)]
pub struct OutputCheck {
    out: PathBuf,
    record_path: PathBuf,
    inputs: Vec<String>,
    settings: BTreeMap<String, String>,
    earlier: Option<RunRecord>,
    /// Files this run writes that exist already, and the first of them.
    existing: usize,
    example: Option<PathBuf>,
    overwrite: bool,
}

/// The fingerprint of a run's input: every document's id and text hash, in run order.
#[derive(Default)]
pub struct InputPrint {
    hasher: Xxh3,
    documents: u64,
}

impl InputPrint {
    /// Add the next document: its id, and the xxh3 of its bytes (`None` when it could not be
    /// read).
    pub fn add(&mut self, id: &str, raw: Option<u64>) {
        self.hasher.update(&(id.len() as u64).to_le_bytes());
        self.hasher.update(id.as_bytes());
        match raw {
            Some(raw) => {
                self.hasher.update(&[1]);
                self.hasher.update(&raw.to_le_bytes());
            }
            None => self.hasher.update(&[0]),
        }
        self.documents += 1;
    }

    fn finish(&self) -> (u64, String) {
        (self.documents, format!("{:016x}", self.hasher.digest()))
    }
}

/// The folder a run writes its outputs to, when it writes a tree of them: `None` for a dry
/// run, standard output and `--mode ids` (one file, always written whole).
pub fn output_tree(cfg: &Config) -> Option<PathBuf> {
    let out = cfg.output.as_ref()?;
    if cfg.dry_run || cfg.output_is_stdout() {
        return None;
    }
    match &cfg.mode {
        OutputMode::Rewrite => Some(out.clone()),
        OutputMode::Annotate(name) => Some(out.join("attributes").join(name)),
        OutputMode::Ids => None,
    }
}

/// The settings of `cfg` that decide what is written, by flag, with thresh's version and the
/// saved index's fingerprint (its documents' content hashes).
pub fn output_settings(
    cfg: &Config,
    index: Option<&crate::index::Index>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for s in settings::settings(&ReportConfig::of(cfg)) {
        if NOT_IN_OUTPUTS.contains(&s.path.as_str()) {
            continue;
        }
        // The first flag names the setting: `--keep-pattern`, not its file variant too.
        let name = match s.flag.split(", ").next() {
            Some(flag) if !flag.is_empty() => flag.to_string(),
            _ => s.path,
        };
        out.insert(name, s.value);
    }
    if let Some(index) = index {
        let mut hasher = Xxh3::new();
        for doc in index.docs() {
            hasher.update(&doc.content.to_le_bytes());
            hasher.update(&doc.site.to_le_bytes());
        }
        out.insert(
            "--index (its documents)".into(),
            format!("{} documents, {:016x}", index.docs().len(), hasher.digest()),
        );
    }
    out.insert("thresh version".into(), env!("CARGO_PKG_VERSION").into());
    out
}

impl OutputCheck {
    /// Look at the output folder before any work: the record of these inputs, and which of
    /// the files the run writes exist. Fails when files exist that were made with other
    /// settings, or with no record, unless `--overwrite`.
    pub fn before_run(
        cfg: &Config,
        files: &[SourceDoc],
        index: Option<&crate::index::Index>,
    ) -> Result<Option<OutputCheck>, Error> {
        let Some(tree) = output_tree(cfg) else {
            return Ok(None);
        };
        let out = cfg.output.clone().unwrap_or_default();
        let inputs: Vec<String> = cfg
            .inputs
            .iter()
            .map(|i| {
                std::fs::canonicalize(i)
                    .unwrap_or_else(|_| i.clone())
                    .display()
                    .to_string()
            })
            .collect();
        let mode = match &cfg.mode {
            OutputMode::Annotate(name) => format!("annotate {name}"),
            _ => "rewrite".to_string(),
        };
        let identity = xxh3_64(format!("{mode}\0{}", inputs.join("\0")).as_bytes());
        let record_path = out.join(RUNS_FOLDER).join(format!("{identity:016x}.json"));
        let earlier = read_record(&record_path)?;
        let mut existing = 0;
        let mut example = None;
        for file in files {
            let target = tree.join(file.rel());
            if target.exists() {
                existing += 1;
                example.get_or_insert(target);
            }
        }
        let check = OutputCheck {
            out,
            record_path,
            inputs,
            settings: output_settings(cfg, index),
            earlier,
            existing,
            example,
            overwrite: cfg.overwrite,
        };
        check.settings_match()?;
        Ok(Some(check))
    }

    /// Whether outputs already in the folder must be looked at: some exist and may be kept.
    fn guards(&self) -> bool {
        self.existing > 0 && !self.overwrite
    }

    fn refuse(&self, why: String) -> Error {
        Error::OutputsOfAnotherRun {
            output: self.out.clone(),
            existing: self.existing,
            why,
        }
    }

    fn settings_match(&self) -> Result<(), Error> {
        if !self.guards() {
            return Ok(());
        }
        let Some(earlier) = &self.earlier else {
            let example = self
                .example
                .as_ref()
                .map(|e| format!(", e.g. {}", e.display()))
                .unwrap_or_default();
            return Err(self.refuse(format!(
                "with no record of the run that made them (no {} for these inputs{example})",
                Path::new(RUNS_FOLDER).join("*.json").display()
            )));
        };
        let changed = differences(&earlier.settings, &self.settings);
        if changed.is_empty() {
            Ok(())
        } else {
            Err(self.refuse(format!("made with other settings: {}", changed.join(", "))))
        }
    }

    /// After pass 1: the same documents as the run that made the outputs? Fails when outputs
    /// exist and the input changed, unless `--overwrite`.
    pub fn check_input(&self, input: &InputPrint) -> Result<(), Error> {
        let (Some(earlier), true) = (&self.earlier, self.guards()) else {
            return Ok(());
        };
        let (documents, fingerprint) = input.finish();
        if fingerprint == earlier.fingerprint {
            return Ok(());
        }
        let what = if documents == earlier.documents {
            format!("the same number of documents ({documents}), some with other names or text")
        } else {
            format!("{} documents then, {documents} now", earlier.documents)
        };
        Err(self.refuse(format!("made from other input: {what}")))
    }

    /// Record this run, before its first output is written.
    pub fn record(&self, input: &InputPrint) -> Result<(), Error> {
        let (documents, fingerprint) = input.finish();
        let record = RunRecord {
            format: RECORD_FORMAT.into(),
            version: RECORD_VERSION,
            thresh_version: env!("CARGO_PKG_VERSION").into(),
            inputs: self.inputs.clone(),
            settings: self.settings.clone(),
            documents,
            fingerprint,
        };
        let mut bytes = serde_json::to_vec_pretty(&record).unwrap_or_default();
        bytes.push(b'\n');
        super::text::write_atomic(&self.record_path, &bytes).map_err(|source| Error::Write {
            path: self.record_path.clone(),
            source,
        })
    }
}

/// The record at `path`, `None` when there is none; a record that cannot be read is an error
/// (it would otherwise be taken for no record, and the outputs for strangers').
fn read_record(path: &Path) -> Result<Option<RunRecord>, Error> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(Error::Read {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    match serde_json::from_slice::<RunRecord>(&bytes) {
        Ok(r) if r.format == RECORD_FORMAT && r.version == RECORD_VERSION => Ok(Some(r)),
        _ => Err(Error::Config(format!(
            "{} is not a run record this thresh reads; remove it, or give --overwrite",
            path.display()
        ))),
    }
}

/// `--min-docs 5 → 8` for each setting whose value differs (or that one side lacks).
fn differences(then: &BTreeMap<String, String>, now: &BTreeMap<String, String>) -> Vec<String> {
    let none = String::from("unset");
    let mut names: Vec<&String> = then.keys().chain(now.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter_map(|name| {
            let (a, b) = (
                then.get(name).unwrap_or(&none),
                now.get(name).unwrap_or(&none),
            );
            (a != b).then(|| format!("{name} {a} → {b}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_name_each_changed_flag() {
        let then: BTreeMap<String, String> = [("--min-docs", "5"), ("--classifier", "default")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let mut now = then.clone();
        assert!(differences(&then, &now).is_empty());
        now.insert("--min-docs".into(), "8".into());
        now.insert("--keep".into(), "first".into());
        assert_eq!(
            differences(&then, &now),
            ["--keep unset → first", "--min-docs 5 → 8"]
        );
    }

    #[test]
    fn the_input_print_changes_with_any_id_or_text() {
        let print = |docs: &[(&str, Option<u64>)]| {
            let mut p = InputPrint::default();
            for (id, raw) in docs {
                p.add(id, *raw);
            }
            p.finish()
        };
        let base = print(&[("a", Some(1)), ("b", Some(2))]);
        assert_eq!(base, print(&[("a", Some(1)), ("b", Some(2))]));
        assert_ne!(base, print(&[("a", Some(1)), ("b", Some(3))]));
        assert_ne!(base, print(&[("a", Some(1)), ("c", Some(2))]));
        assert_ne!(base, print(&[("a", Some(1)), ("b", None)]));
        assert_ne!(base, print(&[("ab", Some(1))]));
        assert_eq!(base.0, 2);
    }

    #[test]
    fn only_settings_that_change_outputs_are_recorded() {
        let cfg = Config::default();
        let settings = output_settings(&cfg, None);
        assert_eq!(settings.get("--min-docs").map(String::as_str), Some("5"));
        assert_eq!(
            settings.get("--classifier").map(String::as_str),
            Some("default")
        );
        assert!(settings.contains_key("--keep-comments"));
        assert!(settings.contains_key("thresh version"));
        let other = Config {
            threads: 3,
            memory_limit: Some(1 << 20),
            catalogue_size: 7,
            guard: crate::GuardConfig {
                max_removed: 0.1,
                max_emptied: 0.1,
                strict: true,
            },
            ..Config::default()
        };
        assert_eq!(output_settings(&other, None), settings);
    }
}
