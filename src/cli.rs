//! Command-line flags (clap derive) and their translation into a validated [`thresh::Config`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use thresh::decide::near_dup::{KeepPolicy, NearDupConfig};
use thresh::decide::{patterns::read_pattern_file, DecideConfig, Patterns};
use thresh::input::{DiscoverConfig, SiteRule};
use thresh::segment::UnitChoice;
use thresh::{Config, Error, GuardConfig};

#[derive(Debug, Parser)]
#[command(
    name = "thresh",
    version,
    about = "Separate the grain from the chaff in scraped text: remove site boilerplate, repeated captions and duplicate documents, keep the content byte for byte.",
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Count blocks across the corpus, decide what is boilerplate, write cleaned copies to OUT.
    ///
    /// Example: thresh clean scraped/ -o clean/ --report report.json
    Clean(CleanArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum UnitArg {
    Auto,
    Line,
    Paragraph,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KeepArg {
    First,
    Longest,
}

#[derive(Debug, Args)]
pub struct CleanArgs {
    /// Folders (or single files) of scraped documents. A document's id is its path relative to
    /// its INPUT; inputs are never modified.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Output folder: each cleaned document goes to the same relative path under it. Must not be
    /// inside an INPUT. Required unless --dry-run.
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,

    /// File extension of documents (without the dot); repeat for several, e.g. --ext txt --ext text.
    #[arg(long = "ext", value_name = "EXT", default_values_t = vec!["txt".to_string()])]
    pub extensions: Vec<String>,

    /// Also read hidden files and folders (names starting with a dot).
    #[arg(long)]
    pub hidden: bool,

    /// Follow symbolic links (loops are reported and skipped). By default links are skipped.
    #[arg(long)]
    pub follow_symlinks: bool,

    /// How many folder levels under each INPUT name a document's site, e.g. 1 for
    /// scraped/<site>/<article>.txt. Documents directly under INPUT have no site.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 1,
        conflicts_with = "no_sites"
    )]
    pub site_depth: usize,

    /// Ignore folders: no sites, so only --min-docs decides boilerplate.
    #[arg(long)]
    pub no_sites: bool,

    /// Block unit: one block per line, blank-line-separated paragraphs, or detected per document.
    #[arg(long, value_enum, default_value = "auto")]
    pub unit: UnitArg,

    /// A block found in at least N distinct documents (any sites) is boilerplate.
    #[arg(long, value_name = "N", default_value_t = DecideConfig::default().min_docs)]
    pub min_docs: u32,

    /// A block found in at least this share of its site's documents (and in two or more) is
    /// boilerplate, for sites with at least --min-site-docs documents. Example: 0.1.
    #[arg(long, value_name = "SHARE", default_value_t = DecideConfig::default().min_site_share)]
    pub min_site_share: f64,

    /// Smallest site (in distinct documents) for which --min-site-share applies.
    #[arg(long, value_name = "N", default_value_t = DecideConfig::default().min_site_docs)]
    pub min_site_docs: u32,

    /// A block repeated inside one document is removed (first copy kept) only when it has at
    /// least N words, so short repeated cells such as "Yes" stay.
    #[arg(long, value_name = "N", default_value_t = DecideConfig::default().min_repeat_words)]
    pub min_repeat_words: u32,

    /// Remove runs of kept blocks that are all shorter than N words when removed boilerplate
    /// encloses them on both sides (menus, link lists); 0 turns this off.
    #[arg(long, value_name = "N", default_value_t = DecideConfig::default().max_enclosed_words)]
    pub max_enclosed_words: u32,

    /// Smallest run of short blocks that --max-enclosed-words removes.
    #[arg(long, value_name = "N", default_value_t = DecideConfig::default().min_enclosed_run)]
    pub min_enclosed_run: u32,

    /// A block whose exact text is rare is still boilerplate, as a variant of a template (a
    /// changed count, name or date), when at least this share of its sampled word 3-grams
    /// passes the same thresholds as --min-docs / --min-site-share. 0 turns this off.
    #[arg(long, value_name = "SHARE", default_value_t = DecideConfig::default().variant_cover)]
    pub variant_cover: f64,

    /// For --variant-cover, a shingle counts only when it is at least this many times as
    /// common in its site as in the rest of the corpus: templates are, ordinary phrases
    /// ("one of the") are not.
    #[arg(long, value_name = "RATIO", default_value_t = DecideConfig::default().variant_lift)]
    pub variant_lift: f64,

    /// Inside the article body (between its first and last kept block of --body-words words or
    /// more) a block is removed only on this many times the evidence (--min-docs and
    /// --min-site-share multiplied), unless it sits in one run with a block that has it. The
    /// leading and trailing runs of a document need only the plain thresholds. 1 turns this off.
    #[arg(long, value_name = "FACTOR", default_value_t = DecideConfig::default().body_evidence)]
    pub body_evidence: f64,

    /// A kept block of at least N words is article prose, for --body-evidence.
    #[arg(long, value_name = "N", default_value_t = DecideConfig::default().body_words)]
    pub body_words: u32,

    /// Documents whose content (boilerplate left out) has an estimated Jaccard similarity of
    /// word 5-grams at or above this are near-duplicates: one copy is written.
    #[arg(long, value_name = "SIMILARITY", default_value_t = NearDupConfig::default().threshold)]
    pub near_dup_threshold: f64,

    /// Which copy of a near-duplicate cluster is written: the first in path order or the longest.
    #[arg(long, value_enum, default_value = "first")]
    pub keep: KeepArg,

    /// Turn near-duplicate detection off (exact duplicates are still removed).
    #[arg(long)]
    pub no_dedup: bool,

    /// Never remove a block matching this regular expression (matched against the block's text;
    /// repeatable), e.g. --keep-pattern '^Editor.s note'. Wins over --drop-pattern.
    #[arg(long, value_name = "REGEX")]
    pub keep_pattern: Vec<String>,

    /// Always remove a block matching this regular expression (repeatable), e.g.
    /// --drop-pattern '(?i)^advertisement$'.
    #[arg(long, value_name = "REGEX")]
    pub drop_pattern: Vec<String>,

    /// Read keep patterns from FILE, one regular expression per line (# comments).
    #[arg(long, value_name = "FILE")]
    pub keep_patterns_file: Vec<PathBuf>,

    /// Read drop patterns from FILE, one regular expression per line (# comments).
    #[arg(long, value_name = "FILE")]
    pub drop_patterns_file: Vec<PathBuf>,

    /// Write the JSON report (configuration, totals, catalogue, per-site shares, every removed
    /// block) to FILE; '-' writes it to standard output.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// Number of boilerplate blocks listed in the report's catalogue.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub catalogue_size: usize,

    /// Run both passes and write the report, but write no cleaned file.
    #[arg(long)]
    pub dry_run: bool,

    /// Warn when removed blocks exceed this share of the bytes of distinct documents.
    #[arg(long, value_name = "SHARE", default_value_t = GuardConfig::default().max_removed)]
    pub max_removed: f64,

    /// Warn when more than this share of the documents would be emptied.
    #[arg(long, value_name = "SHARE", default_value_t = GuardConfig::default().max_emptied)]
    pub max_emptied: f64,

    /// Stop before writing any cleaned file when --max-removed or --max-emptied is exceeded
    /// (exit code 3; the report is still written).
    #[arg(long)]
    pub strict: bool,

    /// Skip (and report) documents larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = Config::default().max_doc_bytes)]
    pub max_doc_bytes: u64,

    /// Worker threads; 0 uses every core. The output is the same for any value.
    #[arg(short = 'j', long, value_name = "N", default_value_t = 0)]
    pub threads: usize,

    /// Print only errors and warnings about inputs, no summary.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Add per-stage timings and counting-table sizes to the summary.
    #[arg(short, long)]
    pub verbose: bool,
}

impl CleanArgs {
    /// Translate flags into a configuration (validated by the pipeline).
    pub fn to_config(&self) -> Result<Config, Error> {
        let keep = patterns_from(
            &self.keep_pattern,
            "--keep-pattern",
            &self.keep_patterns_file,
        )?;
        let drop = patterns_from(
            &self.drop_pattern,
            "--drop-pattern",
            &self.drop_patterns_file,
        )?;
        let extensions = self
            .extensions
            .iter()
            .map(|e| e.trim_start_matches('.').to_string())
            .collect();
        Ok(Config {
            inputs: self.inputs.clone(),
            output: self.output.clone(),
            discover: DiscoverConfig {
                extensions,
                include_hidden: self.hidden,
                follow_symlinks: self.follow_symlinks,
                sites: if self.no_sites {
                    SiteRule::None
                } else {
                    SiteRule::Depth(self.site_depth)
                },
            },
            unit: match self.unit {
                UnitArg::Auto => UnitChoice::Auto,
                UnitArg::Line => UnitChoice::Line,
                UnitArg::Paragraph => UnitChoice::Paragraph,
            },
            decide: DecideConfig {
                min_docs: self.min_docs,
                min_site_share: self.min_site_share,
                min_site_docs: self.min_site_docs,
                min_repeat_words: self.min_repeat_words,
                use_sites: !self.no_sites,
                max_enclosed_words: self.max_enclosed_words,
                min_enclosed_run: self.min_enclosed_run,
                variant_cover: self.variant_cover,
                variant_lift: self.variant_lift,
                body_evidence: self.body_evidence,
                body_words: self.body_words,
            },
            patterns: Patterns::new(keep, drop)?,
            near_dup: NearDupConfig {
                enabled: !self.no_dedup,
                threshold: self.near_dup_threshold,
                keep: match self.keep {
                    KeepArg::First => KeepPolicy::First,
                    KeepArg::Longest => KeepPolicy::Longest,
                },
            },
            guard: GuardConfig {
                max_removed: self.max_removed,
                max_emptied: self.max_emptied,
                strict: self.strict,
            },
            max_doc_bytes: self.max_doc_bytes,
            dry_run: self.dry_run,
            report: self.report.clone(),
            catalogue_size: self.catalogue_size,
            threads: self.threads,
        })
    }
}

/// Patterns given on the command line followed by those read from files, each with its origin.
fn patterns_from(
    flags: &[String],
    flag_name: &str,
    files: &[PathBuf],
) -> Result<Vec<(String, String)>, Error> {
    let mut out: Vec<(String, String)> = flags
        .iter()
        .map(|p| (p.clone(), flag_name.to_string()))
        .collect();
    for file in files {
        out.extend(read_pattern_file(file)?);
    }
    Ok(out)
}
