//! The run's settings as the report records them: [`ReportConfig`] (every setting that decides
//! what a run reads, removes and writes, in the JSON report), [`FLAGS`] (the flag that sets
//! each), and [`settings`], the flat list of `(path, flag, value)` rows that the HTML report's
//! configuration table shows and an output folder's run record compares
//! ([`super::manifest`]).

use serde::{Deserialize, Serialize};

use crate::config::{Config, OutputMode};
use crate::decide::near_dup::NearDupConfig;
use crate::decide::DecideConfig;
use crate::input::DiscoverConfig;
use crate::segment::UnitChoice;

/// The effective configuration: every setting that decides what the run reads, removes and
/// writes, defaults included (not how it works: threads, memory limit and where reports go
/// change no byte of the output, so the report does not depend on them either). Each field is
/// named in [`FLAGS`] with the flag that sets it; fields added after version 1 of the schema
/// default when read back.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportConfig {
    pub inputs: Vec<String>,
    pub output: Option<String>,
    pub discover: DiscoverConfig,
    pub unit: UnitChoice,
    pub decide: DecideConfig,
    pub near_dup: NearDupConfig,
    pub keep_patterns: Vec<String>,
    pub drop_patterns: Vec<String>,
    pub max_removed: f64,
    pub max_emptied: f64,
    pub strict: bool,
    pub max_doc_bytes: u64,
    pub dry_run: bool,
    #[serde(default)]
    pub text_field: String,
    #[serde(default)]
    pub id_field: String,
    /// `None`: the host of `url` or `metadata.url`, else `source`.
    #[serde(default)]
    pub site_field: Option<String>,
    #[serde(default)]
    pub max_line_bytes: u64,
    #[serde(default = "rewrite")]
    pub mode: OutputMode,
    #[serde(default)]
    pub index: Option<String>,
    #[serde(default)]
    pub update_index: bool,
    #[serde(default)]
    pub catalogue_size: usize,
}

fn rewrite() -> OutputMode {
    OutputMode::Rewrite
}

impl ReportConfig {
    /// The configuration of `cfg` as the report records it.
    pub fn of(cfg: &Config) -> ReportConfig {
        let shown = |p: &Option<std::path::PathBuf>| p.as_ref().map(|p| p.display().to_string());
        ReportConfig {
            inputs: cfg.inputs.iter().map(|p| p.display().to_string()).collect(),
            output: shown(&cfg.output),
            discover: cfg.discover.clone(),
            unit: cfg.unit,
            decide: cfg.decide.clone(),
            near_dup: cfg.near_dup.clone(),
            keep_patterns: cfg.patterns.keep_patterns().to_vec(),
            drop_patterns: cfg.patterns.drop_patterns().to_vec(),
            max_removed: cfg.guard.max_removed,
            max_emptied: cfg.guard.max_emptied,
            strict: cfg.guard.strict,
            max_doc_bytes: cfg.max_doc_bytes,
            dry_run: cfg.dry_run,
            text_field: cfg.jsonl.text.clone(),
            id_field: cfg.jsonl.id.clone(),
            site_field: cfg.jsonl.site.clone(),
            max_line_bytes: cfg.max_line_bytes,
            mode: cfg.mode.clone(),
            index: shown(&cfg.index),
            update_index: cfg.update_index,
            catalogue_size: cfg.catalogue_size,
        }
    }
}

/// The flag that sets each setting of [`ReportConfig`], by its dotted path in the JSON, in the
/// order of `thresh clean --help`. A test checks that every setting has one.
pub const FLAGS: [(&str, &str); 39] = [
    ("inputs", "INPUT"),
    ("output", "-o, --output"),
    ("mode", "--mode, --attribute-name"),
    ("catalogue_size", "--catalogue-size"),
    ("dry_run", "--dry-run"),
    ("max_removed", "--max-removed"),
    ("max_emptied", "--max-emptied"),
    ("strict", "--strict"),
    ("index", "--index"),
    ("update_index", "--update-index"),
    ("discover.extensions", "--ext"),
    ("discover.include_hidden", "--hidden"),
    ("discover.follow_symlinks", "--follow-symlinks"),
    ("discover.sites", "--site-depth, --no-sites"),
    ("unit", "--unit"),
    ("max_doc_bytes", "--max-doc-bytes"),
    ("decide.min_docs", "--min-docs"),
    ("decide.min_site_share", "--min-site-share"),
    ("decide.min_site_docs", "--min-site-docs"),
    ("decide.min_repeat_words", "--min-repeat-words"),
    ("decide.max_enclosed_words", "--max-enclosed-words"),
    ("decide.min_enclosed_run", "--min-enclosed-run"),
    ("decide.variant_cover", "--variant-cover"),
    ("decide.variant_lift", "--variant-lift"),
    ("decide.body_evidence", "--body-evidence"),
    ("decide.body_words", "--body-words"),
    ("decide.classifier.strength", "--classifier"),
    ("decide.classifier.keep_comments", "--keep-comments"),
    ("decide.use_sites", "--no-sites"),
    ("near_dup.threshold", "--near-dup-threshold"),
    ("near_dup.containment", "--near-dup-containment"),
    ("near_dup.keep", "--keep"),
    ("near_dup.enabled", "--no-dedup"),
    ("keep_patterns", "--keep-pattern, --keep-patterns-file"),
    ("drop_patterns", "--drop-pattern, --drop-patterns-file"),
    ("text_field", "--text-field"),
    ("id_field", "--id-field"),
    ("site_field", "--site-field"),
    ("max_line_bytes", "--max-line-bytes"),
];

/// Settings that change what a run reports or whether it goes on, not what it writes: left
/// out of what an output folder's record compares (see [`super::manifest`]). How a run works
/// (threads, memory limit, where reports go) is not in the report at all: its output is the
/// same whatever they are.
pub const NOT_IN_OUTPUTS: [&str; 8] = [
    "inputs",
    "output",
    "catalogue_size",
    "dry_run",
    "max_removed",
    "max_emptied",
    "strict",
    "update_index",
];

/// One setting: its dotted path in [`ReportConfig`]'s JSON, its flag, its value as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub path: String,
    /// Empty when no flag sets it (a test keeps this from happening).
    pub flag: &'static str,
    pub value: String,
}

/// Every setting of `config`, in [`FLAGS`] order (settings it does not name last).
pub fn settings(config: &ReportConfig) -> Vec<Setting> {
    let mut rows = Vec::new();
    match serde_json::to_value(config) {
        Ok(v) => flatten("", &v, &mut rows),
        Err(e) => rows.push(("error".into(), e.to_string())),
    }
    let position = |path: &str| FLAGS.iter().position(|(p, _)| *p == path);
    rows.sort_by_key(|(path, _)| position(path).unwrap_or(FLAGS.len()));
    rows.into_iter()
        .map(|(path, value)| Setting {
            flag: position(&path).map_or("", |i| FLAGS[i].1),
            path,
            value,
        })
        .collect()
}

/// Flatten a JSON value into `(dotted path, shown value)` rows. Objects open up, except a
/// tagged choice (an object with a `mode`), which reads best as one value (`depth 1`); lists
/// and scalars are leaves.
fn flatten(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match v {
        serde_json::Value::Object(map) if prefix.is_empty() || !map.contains_key("mode") => {
            for (k, child) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&path, child, out);
            }
        }
        serde_json::Value::Object(map) => {
            let shown: Vec<String> = map
                .values()
                .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                .collect();
            out.push((prefix.into(), shown.join(" ")));
        }
        serde_json::Value::Array(items) if items.is_empty() => {
            out.push((prefix.into(), "none".into()))
        }
        serde_json::Value::Array(items) => {
            let shown: Vec<String> = items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                .collect();
            out.push((prefix.into(), shown.join(", ")));
        }
        serde_json::Value::String(s) => out.push((prefix.into(), s.clone())),
        serde_json::Value::Null => out.push((prefix.into(), "none".into())),
        other => out.push((prefix.into(), other.to_string())),
    }
}
